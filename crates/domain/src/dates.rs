//! The calendar kneadtime accepts: dates from 1900-01-01 to 2199-12-31, and walks over
//! days that end by construction (they count, they never step until a date is reached).
//!
//! Every importer, flag, form and API field checks its dates with [`check`], so nothing
//! near the ends of the calendar reaches the planner, where `add_days` would stand still
//! at the last representable day.

use std::fmt;

use jiff::civil::{Date, date};

/// The first date any input may carry.
pub const EARLIEST: Date = date(1900, 1, 1);
/// The last date any input may carry.
pub const LATEST: Date = date(2199, 12, 31);

/// A date outside [`EARLIEST`]..=[`LATEST`], named by the field that carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateOutOfRange {
    pub field: String,
    pub date: Date,
}

impl fmt::Display for DateOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected a date between {EARLIEST} and {LATEST}, found {}",
            self.field, self.date
        )
    }
}

impl std::error::Error for DateOutOfRange {}

/// True when `d` is inside the accepted calendar.
pub fn accepted(d: Date) -> bool {
    (EARLIEST..=LATEST).contains(&d)
}

/// `d` when it is inside the accepted calendar, else an error naming `field`.
pub fn check(field: &str, d: Date) -> Result<Date, DateOutOfRange> {
    if accepted(d) {
        Ok(d)
    } else {
        Err(DateOutOfRange {
            field: field.to_string(),
            date: d,
        })
    }
}

/// `d` moved into the accepted calendar.
pub fn clamp(d: Date) -> Date {
    d.clamp(EARLIEST, LATEST)
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
/// `days_from_civil`): plain arithmetic, since the planner asks this millions of times.
pub(crate) fn day_number(d: Date) -> i64 {
    let m = i64::from(d.month());
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day()) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `z` days after 1970-01-01 (`civil_from_days`), inside what a date can hold.
pub(crate) fn from_day_number(z: i64) -> Date {
    let z = z.clamp(day_number(Date::MIN), day_number(Date::MAX)) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // In range by the clamp above; the fallback is never taken.
    Date::new(year as i16, month as i8, day as i8).unwrap_or(Date::MAX)
}

/// `b - a` in whole calendar days.
pub fn days_between(a: Date, b: Date) -> i32 {
    (day_number(b) - day_number(a)) as i32
}

/// `d` moved by `n` days, saturating at the ends of what a date can hold.
pub fn add_days(d: Date, n: i32) -> Date {
    from_day_number(day_number(d) + i64::from(n))
}

/// Every date from `lo` to `hi`, both included; empty when `hi < lo`. The number of days
/// is counted first, so the walk ends whatever the dates.
pub fn days(lo: Date, hi: Date) -> impl Iterator<Item = Date> {
    let n = if hi < lo { 0 } else { days_between(lo, hi) + 1 };
    // Each day from the one before; the count, not the dates, ends the walk.
    std::iter::successors(Some(lo), |d| d.tomorrow().ok()).take(n as usize)
}

/// `lo`, `lo + step`, … up to `hi` (included), counted first like [`days`].
pub fn every(lo: Date, hi: Date, step: i32) -> impl Iterator<Item = Date> {
    let step = step.max(1);
    let n = if hi < lo {
        0
    } else {
        days_between(lo, hi) / step + 1
    };
    (0..n).map(move |k| add_days(lo, k * step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_end_at_the_edges_of_the_calendar() {
        assert_eq!(days(date(9999, 12, 30), Date::MAX).count(), 2);
        assert_eq!(days(Date::MAX, Date::MAX).count(), 1);
        assert_eq!(days(date(2027, 1, 2), date(2027, 1, 1)).count(), 0);
        assert_eq!(
            every(date(2027, 1, 4), date(2027, 1, 31), 7)
                .collect::<Vec<_>>()
                .len(),
            4
        );
        assert_eq!(add_days(Date::MAX, 1), Date::MAX);
        assert_eq!(add_days(Date::MIN, -1), Date::MIN);
    }

    #[test]
    fn day_arithmetic_agrees_with_the_calendar_library() {
        use jiff::ToSpan;
        let mut d = Date::MIN;
        // Every 97th day across the whole range, and every day of the accepted one.
        while let Ok(next) = d.checked_add(97.days()) {
            assert_eq!(
                days_between(d, next),
                d.until(next).unwrap().get_days(),
                "{d}"
            );
            assert_eq!(add_days(d, 97), next, "{d}");
            assert_eq!(add_days(next, -97), d, "{next}");
            d = next;
        }
        assert_eq!(add_days(d, 97), Date::MAX);
        for x in days(EARLIEST, LATEST) {
            assert_eq!(x.checked_add(1.days()).unwrap(), add_days(x, 1));
            assert_eq!(
                days_between(EARLIEST, x),
                EARLIEST.until(x).unwrap().get_days()
            );
        }
    }

    #[test]
    fn the_range_names_the_field() {
        assert!(check("date", date(2027, 4, 25)).is_ok());
        let e = check("races[0].date", date(9999, 12, 31)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "races[0].date: expected a date between 1900-01-01 and 2199-12-31, found 9999-12-31"
        );
        assert!(check("from", date(1899, 12, 31)).is_err());
        assert_eq!(clamp(date(9999, 1, 1)), LATEST);
    }
}
