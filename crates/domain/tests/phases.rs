//! Phases read from the weeks to the race and the volume: a calendar that starts partway
//! into a block is not base, and a phase holds for two weeks unless a race moves it.

mod common;
use common::{day, season};
use jiff::civil::{Date, Weekday, date};
use kneadtime_domain::{Entry, Phase, PlanRequest, plan};

/// A steady week of marathon training from `monday`: the same volume every week.
fn steady_week(monday: Date, out: &mut Vec<Entry>) {
    for (k, title) in [
        (1, "Intervals 6x1 km"),
        (2, "Easy 10 km"),
        (3, "Tempo 12 km"),
        (5, "Easy 8 km"),
        (6, "Long run 30 km"),
    ] {
        out.push(Entry::new(day(monday, k), title));
    }
}

#[test]
fn a_calendar_that_starts_partway_into_a_marathon_block_is_not_base() {
    // Eight weeks of steady marathon training, then the race: no history before it.
    let first = date(2027, 3, 1);
    let race = date(2027, 4, 25);
    let mut entries = Vec::new();
    for w in 0..8 {
        steady_week(day(first, 7 * w), &mut entries);
    }
    entries.push(Entry::new(race, "City Marathon"));
    let s = season(&entries);
    for d in kneadtime_domain::dates::days(first, race) {
        let phase = s.phase_on(d);
        assert_ne!(phase, Phase::Base, "{d} reads as base");
    }
    assert!(matches!(s.phase_on(first), Phase::Build | Phase::Peak));
    // The plan's maintenance follows the block's interval, not base's four to six weeks.
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(first),
            ..PlanRequest::default()
        },
    );
    let before_taper: Vec<Date> = p
        .massages
        .iter()
        .filter(|m| m.kind == kneadtime_domain::Kind::Maintenance)
        .map(|m| m.date)
        .collect();
    assert!(before_taper.len() >= 2, "{:#?}", p.massages);
}

#[test]
fn a_phase_holds_for_two_weeks() {
    // Training volume that swings every week: a heavy week, then a very light one.
    let first = date(2027, 1, 4);
    let mut entries = Vec::new();
    for w in 0..20 {
        let monday = day(first, 7 * w);
        if w < 4 || w % 2 == 0 {
            steady_week(monday, &mut entries);
        } else {
            entries.push(Entry::new(day(monday, 2), "Easy 6 km"));
            entries.push(Entry::new(day(monday, 5), "Easy 6 km"));
        }
    }
    let s = season(&entries);
    let phases: Vec<Phase> = s.weeks().iter().map(|w| w.phase).collect();
    let mut runs: Vec<(Phase, usize)> = Vec::new();
    for p in &phases {
        match runs.last_mut() {
            Some((q, n)) if q == p => *n += 1,
            _ => runs.push((*p, 1)),
        }
    }
    // Every phase but the last (which the calendar cuts short) lasts two weeks or more.
    let inner = &runs[..runs.len() - 1];
    assert!(
        inner.iter().all(|(_, n)| *n >= 2),
        "phases flip week to week: {runs:?}"
    );
    assert!(
        s.weeks()
            .iter()
            .all(|w| w.start.weekday() == Weekday::Monday)
    );
}

/// Once the block has peaked, a lighter week before the taper is a cutback inside the
/// peak, not a step back to building.
#[test]
fn a_cutback_week_after_the_peak_stays_peak() {
    let first = date(2027, 1, 4);
    let race = date(2027, 4, 25);
    let mut entries = Vec::new();
    for w in 0..16 {
        let monday = day(first, 7 * w);
        if w == 12 {
            // A week away from full training, four weeks before the race.
            entries.push(Entry::new(day(monday, 2), "Easy 8 km"));
            entries.push(Entry::new(day(monday, 6), "Long run 20 km"));
        } else {
            steady_week(monday, &mut entries);
        }
    }
    entries.push(Entry::new(race, "City Marathon"));
    let s = season(&entries);
    let peaked = (0..16)
        .map(|w| day(first, 7 * w))
        .find(|d| s.phase_on(*d) == Phase::Peak)
        .expect("the block peaks");
    for d in kneadtime_domain::dates::days(peaked, day(first, 7 * 13 + 6)) {
        let phase = s.phase_on(d);
        assert!(
            matches!(phase, Phase::Peak | Phase::Taper | Phase::RaceWeek),
            "{d} reads as {phase:?} after the block peaked on {peaked}"
        );
    }
}

/// One light week inside a block (a holiday, a cold) does not send the runner back to
/// base for two weeks: the block goes on being built.
#[test]
fn one_light_week_inside_a_block_is_not_base() {
    let first = date(2027, 1, 4);
    let race = date(2027, 4, 25);
    let mut entries = Vec::new();
    for w in 0..16 {
        let monday = day(first, 7 * w);
        if w == 7 {
            entries.push(Entry::new(day(monday, 3), "Easy 5 km"));
        } else {
            steady_week(monday, &mut entries);
        }
    }
    entries.push(Entry::new(race, "City Marathon"));
    let s = season(&entries);
    let runs: Vec<(Date, Phase)> = s.weeks().iter().map(|w| (w.start, w.phase)).collect();
    for (monday, phase) in &runs {
        if *monday >= day(first, 7 * 4) {
            assert_ne!(*phase, Phase::Base, "{monday}: {runs:?}");
        }
    }
}
