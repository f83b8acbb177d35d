//! One way to a runner's season: `Season::build` from calendar entries, recorded
//! sessions and races, and `PlanRequest::starting` from today.

mod common;

use common::day;
use jiff::civil::date;
use kneadtime_domain::{Class, Entry, PlanRequest, Profile, Season, classify};

#[test]
fn recorded_sessions_replace_the_plan_up_to_the_last_day_and_count_once() {
    let start = date(2027, 3, 1);
    let mut entries: Vec<Entry> = (0..28)
        .map(|k| Entry::new(day(start, k), "Easy 8 km"))
        .collect();
    entries.push(Entry::new(day(start, 27), "Spring Half Marathon"));
    // The runner did a long run on day 3, uploaded twice, and intervals on day 5.
    let long = classify(&Entry::new(day(start, 3), "Long run 30 km"));
    let intervals = classify(&Entry::new(day(start, 5), "Intervals 6x800"));
    let recorded = vec![long.clone(), intervals, long];
    let s = Season::build(&entries, recorded, &[], &Profile::default());
    let on = |k: i64| -> Vec<&str> {
        s.sessions
            .iter()
            .filter(|x| x.date == day(start, k))
            .map(|x| &*x.title)
            .collect()
    };
    assert_eq!(
        on(3),
        ["Long run 30 km"],
        "recorded once, the plan replaced"
    );
    assert_eq!(on(5), ["Intervals 6x800"]);
    assert!(
        on(4).is_empty(),
        "a planned day before the last recorded one was not done"
    );
    assert_eq!(
        on(6),
        ["Easy 8 km"],
        "after the last recorded day the plan stands"
    );
    assert_eq!(s.races().len(), 1);
    assert!(s.sessions.iter().any(|x| x.class == Class::Race));
}

#[test]
fn a_plan_starts_today_or_where_the_calendar_starts() {
    let start = date(2027, 3, 1);
    let entries: Vec<Entry> = (0..28)
        .map(|k| Entry::new(day(start, k), "Easy 8 km"))
        .collect();
    let s = Season::build(&entries, Vec::new(), &[], &Profile::default());
    assert_eq!(
        PlanRequest::starting(&s, day(start, 10)).from,
        Some(day(start, 10))
    );
    // A calendar that starts ahead is planned from its start, one wholly past from its
    // start as a look back.
    assert_eq!(PlanRequest::starting(&s, day(start, -30)).from, Some(start));
    assert_eq!(PlanRequest::starting(&s, day(start, 90)).from, Some(start));
}
