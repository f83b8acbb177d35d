//! Honest about thin input: an empty or races-only calendar says what the plan assumed,
//! proposes no deep work when the hard days are unknown, and claims no rest day the data
//! does not hold; what a runner reads names no rule id.

mod common;
use common::{from, season};
use jiff::civil::{Weekday, date};
use kneadtime_domain::{Entry, Kind, Plan, PlanRequest, Pressure, RuleId, plan};

/// Everything in a plan a runner reads: reasons, notes, why a session was left out.
fn runner_text(p: &Plan) -> String {
    let mut out: Vec<String> = p.massages.iter().map(|m| m.why.clone()).collect();
    out.extend(p.notes.iter().cloned());
    out.extend(p.dropped.iter().map(|d| d.why.clone()));
    out.extend(p.findings.iter().map(|f| f.message.clone()));
    out.join("\n")
}

fn assert_no_rule_ids(p: &Plan) {
    let text = runner_text(p);
    for id in RuleId::ALL {
        assert!(
            !text.contains(id.as_str()),
            "rule id {id} in what the runner reads:\n{text}"
        );
    }
}

#[test]
fn an_empty_calendar_says_what_it_assumed_and_proposes_no_deep_work() {
    let s = season(&[]);
    let p = plan(&s, &from(date(2027, 3, 1)));
    assert!(!p.massages.is_empty());
    for m in &p.massages {
        assert!(m.pressure < Pressure::Deep, "{m:?}");
        assert!(!m.why.contains("rest day"), "{}", m.why);
    }
    let notes = p.notes.join(" ");
    assert!(notes.contains("assum"), "{notes}");
    assert!(notes.contains("moderate"), "{notes}");
    assert_no_rule_ids(&p);
}

#[test]
fn a_races_only_calendar_gets_its_race_sessions_and_no_invented_rest_days() {
    let s = season(&[
        Entry::new(date(2027, 4, 25), "City Marathon"),
        Entry::new(date(2027, 3, 14), "Spring Half Marathon"),
    ]);
    let p = plan(&s, &from(date(2027, 2, 1)));
    let marathon = |k: Kind| {
        p.massages
            .iter()
            .any(|m| m.kind == k && m.race.as_ref().is_some_and(|r| r.date == date(2027, 4, 25)))
    };
    assert!(marathon(Kind::PreEvent), "{:#?}", p.massages);
    assert!(marathon(Kind::PostEvent), "{:#?}", p.massages);
    for m in &p.massages {
        assert!(m.pressure < Pressure::Deep, "{m:?}");
        assert!(
            !m.why.contains("rest day"),
            "no rest day in a races-only calendar: {}",
            m.why
        );
    }
    let notes = p.notes.join(" ");
    assert!(notes.contains("only races"), "{notes}");
    assert_no_rule_ids(&p);
}

#[test]
fn a_rest_day_in_the_data_is_still_named() {
    // Training every day but Wednesday: Wednesday is a real rest day.
    let mut entries = Vec::new();
    for k in 0..56 {
        let d = date(2027, 3, 1)
            .checked_add(jiff::Span::new().days(k))
            .unwrap();
        let title = match d.weekday() {
            Weekday::Wednesday => continue,
            Weekday::Monday => "Intervals 6x800",
            Weekday::Sunday => "Long run 28 km",
            _ => "Easy 8 km",
        };
        entries.push(Entry::new(d, title));
    }
    let p = plan(&season(&entries), &from(date(2027, 3, 1)));
    let maintenance: Vec<_> = p
        .massages
        .iter()
        .filter(|m| m.kind == Kind::Maintenance)
        .collect();
    assert!(!maintenance.is_empty());
    assert!(
        maintenance
            .iter()
            .any(|m| m.date.weekday() == Weekday::Wednesday && m.why.contains("rest day")),
        "{maintenance:#?}"
    );
    // With hard days known, deep work is still offered where it has room.
    assert!(
        maintenance.iter().any(|m| m.pressure == Pressure::Deep),
        "{maintenance:#?}"
    );
}

#[test]
fn a_session_left_out_is_explained_in_plain_words_with_what_would_work() {
    // Only Mondays are possible, and every Monday is taken in the runner's calendar.
    let mut entries = Vec::new();
    let mut busy = std::collections::BTreeSet::new();
    for k in 0..70 {
        let d = date(2027, 3, 1)
            .checked_add(jiff::Span::new().days(k))
            .unwrap();
        let title = match d.weekday() {
            Weekday::Tuesday => "Intervals 6x800",
            Weekday::Sunday => "Long run 24 km",
            Weekday::Friday => "Rest",
            Weekday::Monday => {
                busy.insert(d);
                "Easy 8 km"
            }
            _ => "Easy 8 km",
        };
        entries.push(Entry::new(d, title));
    }
    let req = PlanRequest {
        unavailable_weekdays: vec![
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ],
        busy_dates: busy,
        ..from(date(2027, 3, 1))
    };
    let p = plan(&season(&entries), &req);
    assert!(p.massages.is_empty(), "{:#?}", p.massages);
    assert!(!p.dropped.is_empty());
    assert_no_rule_ids(&p);
    let why = &p.dropped[0].why;
    assert!(why.contains("busy in your calendar"), "{why}");
    // The runner is told which weekday would have worked: Friday is their rest day.
    assert!(why.contains("Friday"), "{why}");
    // And the plan as a whole says so, so an empty plan is never a silent one.
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("If you could also come on")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_race_session_left_out_names_the_rule_in_plain_words() {
    // Hard training every day around a tune-up 10K: no day before it is clean, and a
    // tune-up's pre-race massage is not worth a compromise.
    let mut entries = Vec::new();
    for k in 0..60 {
        let d = date(2027, 3, 1)
            .checked_add(jiff::Span::new().days(k))
            .unwrap();
        entries.push(Entry::new(d, "Intervals 6x800"));
    }
    entries.retain(|e| e.date != date(2027, 4, 4) && e.date != date(2027, 4, 25));
    entries.push(Entry::new(date(2027, 4, 4), "Riverside 10K (B)"));
    entries.push(Entry::new(date(2027, 4, 25), "City Marathon"));
    let p = plan(&season(&entries), &from(date(2027, 3, 1)));
    let pre = p
        .dropped
        .iter()
        .find(|d| d.kind == Kind::PreEvent)
        .expect("the tune-up's pre-race massage is left out");
    assert!(
        pre.why.contains("the day of a hard session or long run"),
        "{}",
        pre.why
    );
    assert_no_rule_ids(&p);
}
