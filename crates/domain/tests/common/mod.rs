//! Helpers the domain's integration tests share: a season from calendar entries, a day
//! counted from another, a plan request from a date.
#![allow(dead_code)]

use jiff::civil::Date;
use kneadtime_domain::{Entry, PlanRequest, Profile, RaceSpec, Season, classify};

/// `k` days after `start`.
pub fn day(start: Date, k: i64) -> Date {
    start.checked_add(jiff::Span::new().days(k)).unwrap()
}

/// `n` easy 10 km runs every other day from `start`: a calendar that knows the days.
pub fn easy_every_other_day(start: Date, n: i64) -> Vec<Entry> {
    (0..n)
        .map(|k| Entry::new(day(start, k * 2), "Easy 10 km"))
        .collect()
}

/// The season of `entries` with the default profile and no races given apart.
pub fn season(entries: &[Entry]) -> Season {
    Season::new(
        entries.iter().map(classify).collect(),
        &[] as &[RaceSpec],
        &Profile::default(),
    )
}

/// A plan request starting on `d`.
pub fn from(d: Date) -> PlanRequest {
    PlanRequest {
        from: Some(d),
        ..PlanRequest::default()
    }
}
