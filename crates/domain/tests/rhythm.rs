//! The season holds its rhythm: race sessions when today is already close to the race,
//! one session for two races close together, maintenance that bends before it breaks,
//! and a goal race chosen by a rule the plan states.

mod common;
use common::{day, from, season};
use jiff::civil::{Date, Weekday, date};
use kneadtime_domain::{
    Entry, Kind, Plan, PlanRequest, Pressure, Priority, Profile, RaceSpec, Season, plan,
};

/// Ten weeks of ordinary training from `first`.
fn training(first: Date, weeks: i64) -> Vec<Entry> {
    let mut out = Vec::new();
    for k in 0..weeks * 7 {
        let d = day(first, k);
        let title = match d.weekday() {
            Weekday::Tuesday => "Intervals 6x800",
            Weekday::Thursday => "Tempo 8 km",
            Weekday::Sunday => "Long run 24 km",
            Weekday::Friday => "Rest",
            _ => "Easy 8 km",
        };
        out.push(Entry::new(d, title));
    }
    out
}

fn for_race(p: &Plan, kind: Kind, race: Date) -> Vec<Date> {
    p.massages
        .iter()
        .filter(|m| {
            m.kind == kind && m.race.as_ref().is_some_and(|r| r.date == race)
                || m.also_for.iter().any(|r| r.date == race) && m.kind != Kind::Maintenance
        })
        .map(|m| m.date)
        .collect()
}

#[test]
fn today_inside_the_pre_race_window_still_gets_the_pre_race_massage() {
    let race = date(2027, 4, 25);
    let mut entries = training(date(2027, 2, 1), 11);
    entries.push(Entry::new(race, "City Marathon"));
    let s = season(&entries);
    for before in 3..=7 {
        let today = day(race, -before);
        let p = plan(&s, &from(today));
        assert_eq!(p.from, today);
        let pre: Vec<Date> = p
            .massages
            .iter()
            .filter(|m| m.kind == Kind::PreEvent)
            .map(|m| m.date)
            .collect();
        assert_eq!(pre.len(), 1, "{before} days out: {:#?}", p.massages);
        assert!(pre[0] >= today && pre[0] <= day(race, -3), "{pre:?}");
    }
}

#[test]
fn a_calendar_with_only_its_goal_race_gets_both_race_sessions() {
    let race = date(2027, 10, 10);
    let s = season(&[Entry::new(race, "Autumn Marathon")]);
    let p = plan(&s, &from(date(2027, 8, 1)));
    assert_eq!(for_race(&p, Kind::PreEvent, race).len(), 1, "{:#?}", p);
    assert_eq!(for_race(&p, Kind::PostEvent, race).len(), 1, "{:#?}", p);
}

#[test]
fn two_races_close_together_share_the_session_that_serves_both() {
    // A 10K tune-up on Saturday, the goal half marathon eight days later: the days after
    // the 10K and the days before the half overlap.
    let ten_k = date(2027, 5, 1);
    let half = date(2027, 5, 9);
    let mut entries = training(date(2027, 2, 22), 10);
    entries.retain(|e| e.date < day(ten_k, -1) || e.date > day(half, 1));
    entries.push(Entry::new(ten_k, "Riverside 10K"));
    entries.push(Entry::new(half, "Spring Half Marathon"));
    let s = season(&entries);
    let p = plan(&s, &from(date(2027, 3, 1)));
    let post_10k = for_race(&p, Kind::PostEvent, ten_k);
    let pre_half = for_race(&p, Kind::PreEvent, half);
    assert_eq!(post_10k.len(), 1, "{:#?}", p);
    assert_eq!(pre_half.len(), 1, "{:#?}", p);
    assert_eq!(
        post_10k, pre_half,
        "one session serves both: {:#?}",
        p.massages
    );
    let shared = p.massages.iter().find(|m| m.date == pre_half[0]).unwrap();
    assert!(
        shared.why.contains("Riverside 10K") && shared.why.contains("Spring Half Marathon"),
        "{}",
        shared.why
    );
    let left_out = |kind: Kind, race: Date| {
        p.dropped
            .iter()
            .any(|d| d.kind == kind && d.race.as_ref().is_some_and(|r| r.date == race))
    };
    assert!(
        !left_out(Kind::PostEvent, ten_k) && !left_out(Kind::PreEvent, half),
        "{:#?}",
        p.dropped
    );
}

#[test]
fn no_recovery_session_falls_in_another_races_post_race_window() {
    let marathon = date(2027, 4, 25);
    let ten_k = date(2027, 5, 16);
    let mut entries = training(date(2027, 1, 4), 20);
    entries.retain(|e| e.date != marathon && e.date != ten_k);
    entries.push(Entry::new(marathon, "City Marathon"));
    entries.push(Entry::new(ten_k, "Park 10K"));
    let s = season(&entries);
    assert_eq!(
        s.races().iter().find(|r| r.date == ten_k).unwrap().priority,
        Priority::B
    );
    let p = plan(&s, &from(date(2027, 1, 4)));
    let w = &Profile::default().windows;
    for m in p.massages.iter().filter(|m| m.kind == Kind::RecoveryPhase) {
        let after = kneadtime_domain::dates::days_between(ten_k, m.date);
        assert!(
            !(0..=w.post_event_max_days).contains(&after),
            "recovery session on {} inside the 10K's post-race days: {:#?}",
            m.date,
            p.massages
        );
    }
}

#[test]
fn maintenance_bends_to_a_shorter_lighter_session_before_it_is_left_out() {
    // Only Mondays are possible, and every Tuesday holds intervals: each Monday is the
    // eve of a hard session (a warning, not an error).
    let mut entries = training(date(2027, 3, 1), 10);
    entries.retain(|e| e.date.weekday() != Weekday::Friday);
    let req = PlanRequest {
        unavailable_weekdays: vec![
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ],
        ..from(date(2027, 3, 1))
    };
    let p = plan(&season(&entries), &req);
    let maintenance: Vec<_> = p
        .massages
        .iter()
        .filter(|m| m.kind == Kind::Maintenance)
        .collect();
    assert!(!maintenance.is_empty(), "{:#?}", p.dropped);
    let full = Profile::default().sessions.maintenance.length_min;
    for m in &maintenance {
        assert_eq!(m.date.weekday(), Weekday::Monday);
        assert_eq!(m.pressure, Pressure::Light, "{m:?}");
        assert!(m.duration_min < full, "{m:?}");
        assert!(m.why.contains("shorter"), "{}", m.why);
    }
}

#[test]
fn the_plan_says_which_race_it_took_as_the_goal_and_how_to_change_it() {
    let marathon = date(2027, 4, 25);
    let mut entries = training(date(2027, 1, 4), 16);
    entries.push(Entry::new(date(2027, 3, 14), "Spring Half Marathon"));
    entries.push(Entry::new(marathon, "City Marathon"));
    let p = plan(&season(&entries), &from(date(2027, 1, 4)));
    let notes = p.notes.join(" ");
    assert!(
        notes.contains("City Marathon") && notes.contains("goal race"),
        "{notes}"
    );
    assert!(notes.contains("longest"), "{notes}");
    assert!(notes.contains("(A)"), "how to change it: {notes}");
    // A race the runner marked needs no such note.
    let mut marked = training(date(2027, 1, 4), 16);
    marked.push(Entry::new(date(2027, 3, 14), "Spring Half Marathon"));
    marked.push(Entry::new(marathon, "City Marathon (A)"));
    let p = plan(&season(&marked), &from(date(2027, 1, 4)));
    assert!(!p.notes.join(" ").contains("longest"), "{:?}", p.notes);
}

#[test]
fn races_given_alone_plan_like_races_in_a_file() {
    // Only a race, months ahead (given on a form or with --race): the plan starts early
    // enough for its pre-race massage.
    let race = date(2027, 4, 25);
    let s = Season::new(
        Vec::new(),
        &[RaceSpec {
            name: String::new(),
            date: race,
            distance_km: Some(42.195),
            priority: Some(Priority::A),
        }],
        &Profile::default(),
    );
    let today = date(2026, 12, 1);
    let start = kneadtime_domain::start_for(&s, today);
    assert!(start <= day(race, -7), "{start}");
    let p = plan(&s, &from(start));
    assert_eq!(for_race(&p, Kind::PreEvent, race).len(), 1, "{:#?}", p);
    assert_eq!(for_race(&p, Kind::PostEvent, race).len(), 1, "{:#?}", p);
    // Today inside the calendar stays today.
    assert_eq!(
        kneadtime_domain::start_for(&s, day(race, -3)),
        day(race, -3)
    );
}

/// A maintenance interval that would fall wholly in the taper is not a session left out:
/// the race's own sessions cover those weeks. Whatever day the race falls on, a
/// maintenance session left out was left out of a week it belonged to.
#[test]
fn maintenance_due_in_the_taper_is_not_listed_as_left_out() {
    use kneadtime_domain::Phase;
    let weeks = [
        (
            "Easy Run · 5km",
            "Intervals · 6 x 400m",
            "Tempo · 8km",
            "Long Run · 18km",
        ),
        (
            "Recovery Run · 4km",
            "Fartlek · 7km",
            "Progression Run · 9km",
            "Long Run · 20km",
        ),
        (
            "Easy Run · 6km",
            "Hill Repeats · 8 x 60s",
            "Threshold · 10km",
            "Long Run · 22km",
        ),
        (
            "Easy Run · 5km",
            "Race Pace · 3 x 3km",
            "Easy Run · 5km",
            "Long Run · 14km",
        ),
        (
            "Easy Run · 5km",
            "Shakeout · 3km",
            "Easy Run · 4km",
            "Easy Run · 4km",
        ),
    ];
    let first = date(2027, 3, 1);
    for shift in 0..14 {
        let mut entries = Vec::new();
        for (w, (a, b, c, d)) in weeks.iter().enumerate() {
            for (k, title) in [(0, a), (1, b), (3, c), (5, d)] {
                entries.push(Entry::new(day(first, w as i64 * 7 + k), *title));
            }
        }
        let race = day(first, 33 + shift);
        entries.push(Entry::new(race, "Race Day · Half Marathon"));
        let s = season(&entries);
        for start in [day(first, -4), first, day(first, 2)] {
            let p = plan(&s, &from(start));
            for d in p.dropped.iter().filter(|d| d.kind == Kind::Maintenance) {
                assert!(
                    matches!(s.phase_on(d.date), Phase::Base | Phase::Build | Phase::Peak),
                    "race {race}, from {start}: {d:?} starts in {:?}",
                    s.phase_on(d.date)
                );
            }
        }
    }
}

/// "Wait until" counts a single day as one day, not "1 days".
#[test]
fn waiting_one_day_says_one_day() {
    let long = date(2027, 3, 7);
    let mut entries: Vec<Entry> = (-14..21)
        .map(|k| {
            Entry::new(
                day(long, k),
                if k == 0 {
                    "Long run 24 km"
                } else {
                    "Easy 8 km"
                },
            )
        })
        .collect();
    entries.push(Entry::new(day(long, 60), "City Half Marathon"));
    let s = season(&entries);
    let answer = kneadtime_domain::next(&s, &PlanRequest::default(), long);
    assert_eq!(answer.earliest_good_day, Some(day(long, 1)), "{answer:#?}");
    assert!(
        answer
            .summary
            .starts_with(&format!("Wait until {} (1 day):", day(long, 1))),
        "{}",
        answer.summary
    );
}
