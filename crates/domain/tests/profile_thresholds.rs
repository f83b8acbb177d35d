//! The thresholds that read a calendar (long runs, how long a phase holds, the shortest
//! shortened session) come from the profile like every other number, and are checked.

mod common;

use common::day;
use jiff::civil::date;
use kneadtime_domain::{Class, Entry, Profile, Season, classify};

/// A week of three 8 km runs and one 11 km run: 1.4 times the others.
fn week() -> Vec<Entry> {
    let monday = date(2027, 3, 1);
    vec![
        Entry::new(day(monday, 1), "Easy 8 km"),
        Entry::new(day(monday, 2), "Easy 8 km"),
        Entry::new(day(monday, 3), "Easy 8 km"),
        Entry::new(day(monday, 5), "Easy 11 km"),
    ]
}

fn classes(profile: &Profile) -> Vec<Class> {
    let s = Season::new(week().iter().map(classify).collect(), &[], profile);
    s.sessions.iter().map(|x| x.class).collect()
}

#[test]
fn the_long_run_yardstick_is_the_profiles() {
    // By default 11 km is neither 1.5 times the week's runs nor 16 km: not a long run.
    assert!(!classes(&Profile::default()).contains(&Class::Long));
    let p = Profile::from_toml("[phases]\nlong_run_ratio = 1.3\nlong_run_min_km = 10\n").unwrap();
    assert_eq!(
        classes(&p),
        [Class::Easy, Class::Easy, Class::Easy, Class::Long]
    );
    // The floor still applies: 1.3 times, but under 12 km.
    let p = Profile::from_toml("[phases]\nlong_run_ratio = 1.3\nlong_run_min_km = 12\n").unwrap();
    assert!(!classes(&p).contains(&Class::Long));
}

#[test]
fn thresholds_out_of_range_are_refused_by_name() {
    for (toml, field) in [
        ("[phases]\nmin_weeks = 0\n", "phases.min_weeks"),
        ("[phases]\nmin_weeks = 9\n", "phases.min_weeks"),
        ("[phases]\nlong_run_ratio = 0.5\n", "phases.long_run_ratio"),
        (
            "[phases]\nlong_run_min_minutes = 0\n",
            "phases.long_run_min_minutes",
        ),
        ("[phases]\nlong_run_min_km = -3\n", "phases.long_run_min_km"),
        ("[sessions]\nshortest_min = 5\n", "sessions.shortest_min"),
    ] {
        let e = Profile::from_toml(toml).unwrap_err();
        assert!(e.message.contains(field), "{toml}: {}", e.message);
    }
    let p = Profile::from_toml("[phases]\nmin_weeks = 1\n[sessions]\nshortest_min = 45\n").unwrap();
    assert_eq!((p.phases.min_weeks, p.sessions.shortest_min), (1, 45));
}
