//! Readers for iCalendar value types: DATE / DATE-TIME, DURATION, UTC-OFFSET, PERIOD and TEXT lists.
//!
//! Every reader returns `Err(message)` with "expected …, found …" wording; callers add
//! the file and line.

use jiff::civil::{Date, DateTime};

/// A DATE or DATE-TIME value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateValue {
    /// `20270425`
    Date(Date),
    /// `20270425T070000`, with `utc` when it ends in `Z`.
    DateTime { dt: DateTime, utc: bool },
}

impl DateValue {
    /// The civil date-time as written (midnight for a DATE).
    pub(crate) fn civil(self) -> DateTime {
        match self {
            DateValue::Date(d) => d.to_datetime(jiff::civil::Time::midnight()),
            DateValue::DateTime { dt, .. } => dt,
        }
    }
}

pub(crate) const DATE_EXPECTED: &str = "expected a date like 20270425 or 20270425T070000Z";

/// Shortens what we quote back to the runner so messages stay readable.
pub(crate) fn quote(found: &str) -> String {
    const MAX: usize = 60;
    if found.chars().count() <= MAX {
        format!("{found:?}")
    } else {
        let short: String = found.chars().take(MAX).collect();
        format!("{short:?}…")
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads `YYYYMMDD`, `YYYYMMDDTHHMMSS` or `YYYYMMDDTHHMMSSZ` (also `THHMM`, a lower-case
/// `t`/`z`, and a stray `Z` after a bare date, which some exporters write).
pub(crate) fn parse_date_value(value: &str) -> Result<DateValue, String> {
    let s = value.trim();
    let err = || format!("{DATE_EXPECTED}, found {}", quote(value));
    if !s.is_ascii() {
        return Err(err());
    }
    let (s, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    let (date_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (
            s.get(..i).ok_or_else(err)?,
            Some(s.get(i + 1..).ok_or_else(err)?),
        ),
        None => (s, None),
    };
    if date_part.len() != 8 {
        return Err(err());
    }
    let num = |range: std::ops::Range<usize>, text: &str| -> Result<u32, String> {
        text.get(range).and_then(digits).ok_or_else(err)
    };
    let year = num(0..4, date_part)?;
    let month = num(4..6, date_part)?;
    let day = num(6..8, date_part)?;
    let no_such = || format!("{DATE_EXPECTED}, found {} (no such date)", quote(value));
    let date = Date::new(
        i16::try_from(year).map_err(|_| err())?,
        i8::try_from(month).map_err(|_| err())?,
        i8::try_from(day).map_err(|_| err())?,
    )
    .map_err(|_| no_such())?;
    let Some(time) = time_part else {
        return Ok(DateValue::Date(date));
    };
    let (hour, minute, second) = match time.len() {
        6 => (num(0..2, time)?, num(2..4, time)?, num(4..6, time)?),
        4 => (num(0..2, time)?, num(2..4, time)?, 0),
        _ => return Err(err()),
    };
    // A leap second (60) is read as 59: calendars have no use for it.
    let second = second.min(59);
    let time = jiff::civil::Time::new(
        i8::try_from(hour).map_err(|_| err())?,
        i8::try_from(minute).map_err(|_| err())?,
        i8::try_from(second).map_err(|_| err())?,
        0,
    )
    .map_err(|_| no_such())?;
    Ok(DateValue::DateTime {
        dt: date.to_datetime(time),
        utc,
    })
}

/// Reads an RFC 5545 DURATION (`PT1H30M`, `P1D`, `-P2W`) as whole seconds.
pub(crate) fn parse_duration(value: &str) -> Result<i64, String> {
    let err = || {
        format!(
            "expected a duration like PT1H30M or P1D, found {}",
            quote(value)
        )
    };
    let s = value.trim();
    let (sign, s) = match s.as_bytes().first() {
        Some(b'-') => (-1i64, s.get(1..).unwrap_or_default()),
        Some(b'+') => (1, s.get(1..).unwrap_or_default()),
        _ => (1, s),
    };
    let mut rest = s
        .strip_prefix(['P', 'p'])
        .ok_or_else(err)?
        .chars()
        .peekable();
    let mut total: i64 = 0;
    let mut in_time = false;
    let mut any = false;
    let mut any_time = false;
    while let Some(c) = rest.next() {
        if c == 'T' || c == 't' {
            if in_time {
                return Err(err());
            }
            in_time = true;
            continue;
        }
        let mut n: i64 = c.to_digit(10).map(i64::from).ok_or_else(err)?;
        let mut len = 1;
        while let Some(d) = rest.peek().and_then(|c| c.to_digit(10)) {
            rest.next();
            len += 1;
            if len > 12 {
                return Err(err());
            }
            n = n * 10 + i64::from(d);
        }
        let unit = match (rest.next().map(|c| c.to_ascii_uppercase()), in_time) {
            (Some('W'), false) => 7 * 86_400,
            (Some('D'), false) => 86_400,
            (Some('H'), true) => 3_600,
            (Some('M'), true) => 60,
            (Some('S'), true) => 1,
            _ => return Err(err()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
        any = true;
        any_time |= in_time;
    }
    if !any || (in_time && !any_time) {
        return Err(err());
    }
    Ok(sign * total)
}

/// Reads a UTC-OFFSET (`+0100`, `-0500`, `+053000`) as seconds east of UTC.
pub(crate) fn parse_utc_offset(value: &str) -> Result<i32, String> {
    let err = || {
        format!(
            "expected a UTC offset like +0100 or -0500, found {}",
            quote(value)
        )
    };
    let s = value.trim();
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1, s.get(1..).unwrap_or_default()),
        Some(b'-') => (-1, s.get(1..).unwrap_or_default()),
        _ => return Err(err()),
    };
    let field = |r: std::ops::Range<usize>| body.get(r).and_then(digits).ok_or_else(err);
    let (h, m, sec) = match body.len() {
        4 => (field(0..2)?, field(2..4)?, 0),
        6 => (field(0..2)?, field(2..4)?, field(4..6)?),
        _ => return Err(err()),
    };
    if h > 25 || m > 59 || sec > 59 {
        return Err(err());
    }
    let secs = i32::try_from(h * 3600 + m * 60 + sec).map_err(|_| err())?;
    Ok(sign * secs)
}

/// The end of a PERIOD: an explicit end or a duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PeriodEnd {
    End(DateValue),
    Duration(i64),
}

/// Reads a PERIOD (`20231125T090000Z/20231125T123000Z` or `20231125T090000Z/PT3H30M`).
pub(crate) fn parse_period(value: &str) -> Result<(DateValue, PeriodEnd), String> {
    let Some((start, end)) = value.split_once('/') else {
        return Err(format!(
            "expected a period like 20231125T090000Z/PT1H, found {}",
            quote(value)
        ));
    };
    let start = parse_date_value(start)?;
    let end = if end.trim_start().starts_with(['P', 'p', '+', '-']) {
        PeriodEnd::Duration(parse_duration(end)?)
    } else {
        PeriodEnd::End(parse_date_value(end)?)
    };
    Ok((start, end))
}

#[cfg(test)]
/// Splits a raw TEXT list (`CATEGORIES:Run,Long\, easy`) on unescaped commas and
/// unescapes each item.
pub(crate) fn split_text_list(raw: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => cur.push('\n'),
                Some(other @ ('\\' | ',' | ';' | ':')) => cur.push(other),
                Some(other) => {
                    cur.push('\\');
                    cur.push(other);
                }
                None => cur.push('\\'),
            },
            ',' => items.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    items.push(cur);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Escapes a TEXT value for writing (RFC 5545 §3.3.11): `\\`, `\,`, `\;`, `\n`.
/// Other control characters, which TEXT may not hold, are dropped.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date_value("20220101"),
            Ok(DateValue::Date(date(2022, 1, 1)))
        );
        assert_eq!(
            parse_date_value("20131210Z"),
            Ok(DateValue::Date(date(2013, 12, 10)))
        );
        assert_eq!(
            parse_date_value("20131025T035959Z"),
            Ok(DateValue::DateTime {
                dt: date(2013, 10, 25).at(3, 59, 59, 0),
                utc: true
            })
        );
        assert_eq!(
            parse_date_value("20140409T0930"),
            Ok(DateValue::DateTime {
                dt: date(2014, 4, 9).at(9, 30, 0, 0),
                utc: false
            })
        );
        for bad in [
            "",
            "2022-01-01",
            "20220230",
            "20220101T256000",
            "2022010",
            "２０２２０１０１",
            "20220101TZ",
        ] {
            let e = parse_date_value(bad).unwrap_err();
            assert!(e.starts_with(DATE_EXPECTED), "{bad}: {e}");
        }
        assert!(
            parse_date_value("20220230")
                .unwrap_err()
                .contains("no such date")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("P1D"), Ok(86_400));
        assert_eq!(parse_duration("PT1H30M"), Ok(5_400));
        assert_eq!(parse_duration("-P0DT0H30M0S"), Ok(-1_800));
        assert_eq!(parse_duration("P2W"), Ok(14 * 86_400));
        assert_eq!(parse_duration("P1DT12H"), Ok(129_600));
        for bad in [
            "",
            "P",
            "PT",
            "1H",
            "PT1D",
            "P1H",
            "PT99999999999999H",
            "P1DT",
            "PTH",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_utc_offset("+1100"), Ok(39_600));
        assert_eq!(parse_utc_offset("-0500"), Ok(-18_000));
        assert_eq!(parse_utc_offset("+053000"), Ok(19_800));
        assert!(parse_utc_offset("0500").is_err());
        assert!(parse_utc_offset("+5").is_err());
    }

    #[test]
    fn periods() {
        let (s, e) = parse_period("20231125T090000Z/20231125T123000Z").unwrap();
        assert_eq!(s.civil(), date(2023, 11, 25).at(9, 0, 0, 0));
        assert!(matches!(e, PeriodEnd::End(_)));
        let (_, e) = parse_period("20231125T090000Z/PT2H").unwrap();
        assert_eq!(e, PeriodEnd::Duration(7_200));
        assert!(parse_period("20231125T090000Z").is_err());
    }

    #[test]
    fn text_lists_and_escaping() {
        assert_eq!(
            split_text_list(r"Run,Long\, easy, ,Race\;A"),
            vec!["Run", "Long, easy", "Race;A"]
        );
        assert_eq!(escape_text("a,b;c\\d\ne\r\nf\u{7}"), r"a\,b\;c\\d\ne\nf");
    }
}
