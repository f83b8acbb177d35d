//! Plans survive a round trip through .ics: for random calendars, races and profiles,
//! the training calendar written as .ics and read back plans the same season, and the
//! plan exported as .ics and read back gives the same days and kinds, which `check`
//! then finds nothing wrong with.

use jiff::ToSpan;
use jiff::civil::{Date, date};
use kneadtime_domain::check::Booking;
use kneadtime_domain::{
    Entry, PlanRequest, Priority, Profile, RaceSpec, Season, Severity, check, classify, plan,
};
use kneadtime_import::{IcsEvent, parse_ics, plan_events, write_ics};
use proptest::prelude::*;

const TITLES: &[&str] = &[
    "Easy 8 km",
    "Rest",
    "Intervals 6x800 @ 5K",
    "Tempo 5 mi",
    "Long run 28 km",
    "LR 18 mi",
    "Hill repeats",
    "Yoga",
    "Recovery run 40'",
    "Fartlek",
    "Day off",
    "Bike 60 min",
    "Race: City 10K",
    "Half marathon race",
];

fn day(n: i64) -> Date {
    date(2027, 1, 4).checked_add(n.days()).unwrap()
}

fn stamp() -> jiff::Timestamp {
    "2027-01-01T00:00:00Z".parse().unwrap()
}

type Input = (
    Vec<(i64, usize)>,
    Vec<(i64, f64, Option<Priority>)>,
    (i32, u32),
);

fn input() -> impl Strategy<Value = Input> {
    let sessions = prop::collection::vec((0i64..180, 0usize..TITLES.len()), 0..120);
    let race = (
        20i64..180,
        prop::sample::select(vec![5.0, 10.0, 21.0975, 42.195]),
        prop::option::of(prop::sample::select(vec![
            Priority::A,
            Priority::B,
            Priority::C,
        ])),
    );
    (
        sessions,
        prop::collection::vec(race, 0..3),
        (3i32..6, 1u32..3),
    )
}

fn profile((pre_min, build_min): (i32, u32)) -> Profile {
    let mut p = Profile::default();
    p.windows.pre_event_min_days = pre_min;
    p.windows.pre_event_ideal_days = pre_min
        .max(p.windows.pre_event_ideal_days)
        .min(p.windows.pre_event_max_days);
    p.intervals.build.min_weeks = build_min;
    p.validate().expect("generated profile is valid");
    p
}

fn season_of(entries: &[Entry], races: &[RaceSpec], p: &Profile) -> Season {
    Season::new(entries.iter().map(classify).collect(), races, p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn plans_survive_the_ics_round_trip((sessions, races, knobs) in input()) {
        let p = profile(knobs);
        let entries: Vec<Entry> = sessions.iter().map(|(d, t)| Entry::new(day(*d), TITLES[*t])).collect();
        let specs: Vec<RaceSpec> = races.iter().map(|(d, km, pr)| RaceSpec { name: String::new(), date: day(*d), distance_km: Some(*km), priority: *pr }).collect();
        let req = PlanRequest { from: Some(day(0)), ..PlanRequest::default() };
        let original = plan(&season_of(&entries, &specs, &p), &req);

        // The training calendar as .ics and back: the same plan.
        let cal: Vec<IcsEvent> = entries.iter().enumerate().map(|(i, e)| IcsEvent {
            uid: format!("s{i}@test"), date: e.date, summary: e.title.to_string(), description: String::new(),
            categories: Vec::new(), reminder_minutes_before: None,
        }).collect();
        let text = write_ics("Training", &cal, stamp(), 0);
        let back = parse_ics(&text, "training.ics", None).expect("our own .ics reads back");
        prop_assert_eq!(back.entries.len(), entries.len());
        let replanned = plan(&season_of(&back.entries, &specs, &p), &req);
        prop_assert_eq!(&replanned, &original);

        // The plan as .ics and back: the same days and kinds, unique UIDs, and `check`
        // finds no error in it.
        let events = plan_events(&original);
        let uids: std::collections::BTreeSet<&str> = events.iter().map(|e| e.uid.as_str()).collect();
        prop_assert_eq!(uids.len(), events.len());
        let text = write_ics("Massage plan", &events, stamp(), 0);
        let back = parse_ics(&text, "plan.ics", None).expect("the plan reads back");
        let days: Vec<Date> = back.entries.iter().map(|e| e.date).collect();
        let mut want: Vec<Date> = original.massages.iter().map(|m| m.date).collect();
        want.sort();
        prop_assert_eq!(days, want);
        let bookings: Vec<Booking> = back.entries.iter().map(Booking::from_entry).collect();
        for (b, m) in bookings.iter().zip(original.massages.iter()) {
            prop_assert_eq!(b.massage.kind, Some(m.kind), "{}", b.massage.date);
        }
        let season = season_of(&entries, &specs, &p);
        let errors: Vec<_> = check(&season, &bookings).into_iter().filter(|f| f.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
    }
}
