//! Time in the clinic's zone: instants shown with the clinic's offset, local dates,
//! wall-clock input read strictly (no time in a DST gap or fold is guessed), and the
//! absolute spans a therapist works on a local date.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use kneadtime_store::{TherapistException, WorkingHours};

use crate::error::{CoreError, CoreResult};

/// The clinic's zone; UTC when the stored name is unknown.
pub fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// An instant as RFC 3339 with the clinic's offset, e.g. `2027-04-27T10:00:00+01:00`.
pub fn show(ts: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(ts) {
        Ok(t) => {
            let z = t.to_zoned(tz.clone());
            t.display_with_offset(z.offset()).to_string()
        }
        Err(_) => ts.to_string(),
    }
}

pub fn local_date(ts: i64, tz: &TimeZone) -> Date {
    Timestamp::from_second(ts)
        .map(|t| t.to_zoned(tz.clone()).date())
        .unwrap_or_default()
}

pub fn local_datetime(ts: i64, tz: &TimeZone) -> DateTime {
    Timestamp::from_second(ts)
        .map(|t| t.to_zoned(tz.clone()).datetime())
        .unwrap_or_default()
}

/// Reads an instant: RFC 3339 with an offset (`2027-04-27T10:00:00+01:00`, `…Z`), or a
/// wall-clock time in the clinic's zone (`2027-04-27T10:00`). A wall-clock time that
/// does not exist (clocks going forward) or happens twice (going back) is refused.
pub fn parse_instant(field: &str, s: &str, tz: &TimeZone) -> CoreResult<i64> {
    let ts = wall_or_instant(field, s, tz)?;
    let date = local_date(ts, tz);
    kneadtime_domain::dates::check(field, date)
        .map_err(|e| CoreError::field(field, e.to_string()))?;
    Ok(ts)
}

fn wall_or_instant(field: &str, s: &str, tz: &TimeZone) -> CoreResult<i64> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t.as_second());
    }
    let dt: DateTime = s.parse().map_err(|_| {
        CoreError::field(
            field,
            format!(
                "expected a time like 2027-04-27T10:00 or 2027-04-27T10:00:00+01:00, found {s:?}"
            ),
        )
    })?;
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => amb
            .compatible()
            .map(|t| t.as_second())
            .map_err(|_| CoreError::field(field, "time out of range")),
        AmbiguousOffset::Gap { .. } => Err(CoreError::field(
            field,
            format!(
                "{dt} does not exist in {} (the clocks go forward then)",
                tz.iana_name().unwrap_or("the clinic's zone")
            ),
        )),
        AmbiguousOffset::Fold { before, after } => Err(CoreError::field(
            field,
            format!(
                "{dt} happens twice in {} (the clocks go back); add the offset, {before} or {after}",
                tz.iana_name().unwrap_or("the clinic's zone")
            ),
        )),
    }
}

/// A date in the accepted calendar (see `kneadtime_domain::dates`).
pub fn parse_date(field: &str, s: &str) -> CoreResult<Date> {
    let d: Date = s.trim().parse().map_err(|_| {
        CoreError::field(
            field,
            format!("expected a date like 2027-04-25, found {s:?}"),
        )
    })?;
    kneadtime_domain::dates::check(field, d).map_err(|e| CoreError::field(field, e.to_string()))
}

/// The absolute spans a therapist works on a local date. Each span runs from the
/// wall-clock start to the wall-clock end as real time: on the day the clocks go
/// forward a 00:00–04:00 span is three hours long, on the day they go back five.
pub fn spans_on(date: Date, hours: &[WorkingHours], tz: &TimeZone) -> Vec<(i64, i64)> {
    let wd = date.weekday();
    let at = |minute: i64| -> Option<i64> {
        let (d, m) = if minute >= 1440 {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minute)
        };
        let dt = d.at((m / 60) as i8, (m % 60) as i8, 0, 0);
        tz.to_ambiguous_timestamp(dt)
            .compatible()
            .ok()
            .map(|t| t.as_second())
    };
    hours
        .iter()
        .filter(|h| h.weekday == wd)
        .filter_map(|h| Some((at(h.start_minute)?, at(h.end_minute)?)))
        .filter(|(a, b)| b > a)
        .collect()
}

pub(crate) fn off_on(date: Date, exceptions: &[TherapistException]) -> bool {
    exceptions
        .iter()
        .any(|e| e.from_date <= date && date <= e.to_date)
}

/// The instant a local date starts in the clinic's zone.
pub fn day_start(date: Date, tz: &TimeZone) -> i64 {
    tz.to_ambiguous_timestamp(date.at(0, 0, 0, 0))
        .compatible()
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// Whether a client may still change a booking starting at `start_at` themself at `now`:
/// outside the clinic's cancellation window.
pub fn changeable_online(clinic: &kneadtime_store::Clinic, start_at: i64, now: i64) -> bool {
    start_at - now >= clinic.cancel_window_hours * 3600
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    fn nightly() -> Vec<WorkingHours> {
        crate::waitlist::WEEK
            .into_iter()
            .map(|weekday| WorkingHours {
                weekday,
                start_minute: 0,
                end_minute: 240,
            })
            .collect()
    }

    #[test]
    fn spans_follow_the_clocks() {
        let tz = london();
        // 28 March 2027: the clocks go forward at 01:00, so 00:00–04:00 is three hours.
        let (a, b) = spans_on(date(2027, 3, 28), &nightly(), &tz)[0];
        assert_eq!(b - a, 3 * 3600);
        // 31 October 2027: they go back at 02:00, so it is five.
        let (a, b) = spans_on(date(2027, 10, 31), &nightly(), &tz)[0];
        assert_eq!(b - a, 5 * 3600);
        let (a, b) = spans_on(date(2027, 6, 1), &nightly(), &tz)[0];
        assert_eq!(b - a, 4 * 3600);
    }

    #[test]
    fn a_full_day_span_ends_at_the_next_midnight() {
        let tz = london();
        let h = vec![WorkingHours {
            weekday: jiff::civil::Weekday::Monday,
            start_minute: 1320,
            end_minute: 1440,
        }];
        let (a, b) = spans_on(date(2027, 6, 7), &h, &tz)[0];
        assert_eq!(b - a, 2 * 3600);
    }

    #[test]
    fn wall_clock_times_in_gaps_and_folds_are_refused() {
        let tz = london();
        assert!(
            parse_instant("start", "2027-03-28T01:30", &tz)
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        let e = parse_instant("start", "2027-10-31T01:30", &tz).unwrap_err();
        assert!(e.to_string().contains("happens twice"), "{e}");
        let early = parse_instant("start", "2027-10-31T01:30:00+01:00", &tz).unwrap();
        let late = parse_instant("start", "2027-10-31T01:30:00+00:00", &tz).unwrap();
        assert_eq!(late - early, 3600);
        assert_eq!(show(late, &tz), "2027-10-31T01:30:00+00:00");
        assert_eq!(
            parse_instant("start", "2027-06-01T10:00", &tz).unwrap(),
            parse_instant("start", "2027-06-01T09:00Z", &tz).unwrap()
        );
        assert_eq!(
            match parse_instant("start", "tomorrow", &tz).unwrap_err() {
                CoreError::Field { field, .. } => Some(field),
                _ => None,
            }
            .as_deref(),
            Some("start")
        );
    }
}
