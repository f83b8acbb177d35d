//! Season plans per second for the example 18-week marathon calendar: the whole job
//! (import, classify, plan), planning alone, and importing alone as the baseline.
//!
//! Run: `cargo bench -p kneadtime-import --bench plan` (or `bench/plan.sh`, which times
//! Python's icalendar + recurring_ical_events on the same file in the same run).

use jiff::civil::date;
use kneadtime_domain::{PlanRequest, Profile, Season, classify_all, plan};

fn main() {
    divan::main();
}

const MARATHON_ICS: &str = include_str!("../../../examples/marathon-18-weeks.ics");

fn tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/London").expect("zone database")
}

fn request() -> PlanRequest {
    PlanRequest {
        from: Some(date(2026, 12, 21)),
        ..Default::default()
    }
}

fn season_from(text: &str, tz: &jiff::tz::TimeZone, profile: &Profile) -> Season {
    let cal = kneadtime_import::parse_ics(text, "marathon-18-weeks.ics", Some(tz))
        .expect("example imports");
    Season::new(classify_all(&cal.entries), &[], profile)
}

/// Baseline: reading and expanding the calendar only.
#[divan::bench]
fn import_only(b: divan::Bencher) {
    let tz = tz();
    b.bench(|| {
        kneadtime_import::parse_ics(divan::black_box(MARATHON_ICS), "m.ics", Some(&tz))
            .expect("imports")
    });
}

/// The whole job: import, classify, phases, plan.
#[divan::bench]
fn import_and_plan(b: divan::Bencher) {
    let tz = tz();
    let profile = Profile::default();
    let req = request();
    b.bench(|| {
        plan(
            &season_from(divan::black_box(MARATHON_ICS), &tz, &profile),
            &req,
        )
    });
}

/// Planning alone, from an already classified season.
#[divan::bench]
fn plan_only(b: divan::Bencher) {
    let season = season_from(MARATHON_ICS, &tz(), &Profile::default());
    let req = request();
    b.bench(|| plan(divan::black_box(&season), &req));
}

/// Reading the titles alone: classifying every imported entry.
#[divan::bench]
fn classify_only(b: divan::Bencher) {
    let cal = kneadtime_import::parse_ics(MARATHON_ICS, "m.ics", Some(&tz())).expect("imports");
    b.bench(|| classify_all(divan::black_box(&cal.entries)));
}

/// Building the season (phases, races, weeks) from classified sessions.
#[divan::bench]
fn season_only(b: divan::Bencher) {
    let cal = kneadtime_import::parse_ics(MARATHON_ICS, "m.ics", Some(&tz())).expect("imports");
    let sessions = classify_all(&cal.entries);
    let profile = Profile::default();
    b.bench(|| Season::new(divan::black_box(sessions.clone()), &[], &profile));
}
