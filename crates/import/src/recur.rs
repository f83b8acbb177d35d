//! RRULE expansion with the `rrule` crate, in wall-clock time.
//!
//! The rule is expanded as if the event's local wall-clock time were UTC, so instances
//! keep their local time across DST changes, never land in a gap that `rrule` would
//! reject, and all-day rules (expanded at midnight) keep their weekday. Callers then
//! place each wall-clock instance in the event's real zone with jiff.

use chrono::{Datelike, TimeZone as _, Timelike};
use icalendar::rrule::{RRule, Tz, Unvalidated};
use jiff::civil::DateTime;

use crate::values::{DateValue, parse_date_value, quote};

/// Wall-clock instance starts of one rule, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Expansion {
    pub starts: Vec<DateTime>,
    /// More instances existed past the horizon or the instance limit.
    pub capped: bool,
}

fn to_chrono(dt: DateTime) -> Option<chrono::DateTime<Tz>> {
    let naive = chrono::NaiveDate::from_ymd_opt(
        i32::from(dt.year()),
        u32::try_from(dt.month()).ok()?,
        u32::try_from(dt.day()).ok()?,
    )?
    .and_hms_opt(
        u32::try_from(dt.hour()).ok()?,
        u32::try_from(dt.minute()).ok()?,
        u32::try_from(dt.second()).ok()?,
    )?;
    Some(Tz::UTC.from_utc_datetime(&naive))
}

fn from_chrono(dt: &chrono::DateTime<Tz>) -> Option<DateTime> {
    let n = dt.naive_utc();
    jiff::civil::DateTime::new(
        i16::try_from(n.year()).ok()?,
        i8::try_from(n.month()).ok()?,
        i8::try_from(n.day()).ok()?,
        i8::try_from(n.hour()).ok()?,
        i8::try_from(n.minute()).ok()?,
        i8::try_from(n.second()).ok()?,
        0,
    )
    .ok()
}

fn wall_string(dt: DateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Expands `rule` (an RRULE value such as `FREQ=WEEKLY;BYDAY=TU`) from `dtstart`, both in
/// wall-clock time. `until_wall` turns the rule's UNTIL into wall-clock time of the
/// event's zone. Instances at or after `horizon`, or beyond `max`, are cut off.
pub(crate) fn expand_wall(
    rule: &str,
    dtstart: DateTime,
    until_wall: &dyn Fn(DateValue) -> Option<DateTime>,
    horizon: DateTime,
    max: usize,
) -> Result<Expansion, String> {
    let expected = || {
        format!(
            "expected an RRULE like FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270425T000000Z, found {}",
            quote(rule)
        )
    };
    let trimmed = rule.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | ';' | ',' | '-' | '+'))
    {
        return Err(expected());
    }
    if !(1000..=9000).contains(&dtstart.year()) {
        return Err(format!(
            "expected a repeating event to start between the years 1000 and 9000, found {}",
            dtstart.date()
        ));
    }
    // The rule again, upper-cased, with UNTIL in wall-clock time.
    let mut rebuilt = String::with_capacity(trimmed.len() + 8);
    for part in trimmed.split(';').filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(expected());
        };
        if !rebuilt.is_empty() {
            rebuilt.push(';');
        }
        if key.eq_ignore_ascii_case("UNTIL") {
            let until = parse_date_value(value).map_err(|e| format!("RRULE UNTIL: {e}"))?;
            let wall = until_wall(until).ok_or_else(expected)?;
            if wall < dtstart {
                // Nothing repeats; DTSTART alone remains (added by the caller).
                return Ok(Expansion::default());
            }
            rebuilt.push_str("UNTIL=");
            rebuilt.push_str(&wall_string(wall));
        } else {
            rebuilt.extend(part.chars().map(|c| c.to_ascii_uppercase()));
        }
    }
    let parsed: RRule<Unvalidated> = rebuilt
        .parse()
        .map_err(|e| format!("{}: {e}", expected()))?;
    let start = to_chrono(dtstart).ok_or_else(expected)?;
    // rrule validates ranges; a panic inside it must still not take the import down.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let set = parsed
            .build(start)
            .map_err(|e| format!("{}: {e}", expected()))?
            .limit();
        let mut out = Expansion::default();
        for dt in &set {
            let Some(wall) = from_chrono(&dt) else {
                out.capped = true;
                break;
            };
            if wall < dtstart {
                continue;
            }
            if wall >= horizon || out.starts.len() >= max {
                out.capped = true;
                break;
            }
            out.starts.push(wall);
        }
        Ok(out)
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(expected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn same(v: DateValue) -> Option<DateTime> {
        Some(v.civil())
    }

    #[test]
    fn weekly_byday_with_until() {
        let start = date(2013, 9, 7).at(12, 0, 0, 0);
        let exp = expand_wall(
            "FREQ=WEEKLY;BYDAY=FR,SA;UNTIL=20131019T235959",
            start,
            &same,
            date(2099, 1, 1).at(0, 0, 0, 0),
            2000,
        )
        .unwrap();
        assert_eq!(exp.starts.len(), 13);
        assert!(!exp.capped);
        assert!(exp.starts.iter().all(|d| d.hour() == 12));
    }

    #[test]
    fn horizon_and_max_cap() {
        let start = date(2027, 1, 1).at(7, 0, 0, 0);
        let exp = expand_wall(
            "FREQ=DAILY",
            start,
            &same,
            date(2027, 1, 11).at(0, 0, 0, 0),
            2000,
        )
        .unwrap();
        assert_eq!((exp.starts.len(), exp.capped), (10, true));
        let exp = expand_wall(
            "FREQ=DAILY;COUNT=5",
            start,
            &same,
            date(2099, 1, 1).at(0, 0, 0, 0),
            3,
        )
        .unwrap();
        assert_eq!((exp.starts.len(), exp.capped), (3, true));
    }

    #[test]
    fn bad_rules_are_errors() {
        let start = date(2027, 1, 1).at(7, 0, 0, 0);
        let h = date(2099, 1, 1).at(0, 0, 0, 0);
        for bad in [
            "",
            "FREQ=SOMETIMES",
            "FREQ=DAILY;COUNT=x",
            "BYDAY=MO",
            "FREQ=WEEKLY:X",
            "FREQ=DAILY;UNTIL=tomorrow",
            "FREQ",
        ] {
            let e = expand_wall(bad, start, &same, h, 10).unwrap_err();
            assert!(e.contains("expected"), "{bad}: {e}");
        }
    }

    #[test]
    fn until_before_start_gives_nothing() {
        let start = date(2027, 1, 1).at(7, 0, 0, 0);
        let exp = expand_wall(
            "FREQ=DAILY;UNTIL=20261231",
            start,
            &same,
            date(2099, 1, 1).at(0, 0, 0, 0),
            10,
        )
        .unwrap();
        assert!(exp.starts.is_empty());
    }
}
