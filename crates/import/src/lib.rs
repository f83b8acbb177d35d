//! Training calendars in (`.ics`, `.csv`) and massage plans out (`.ics`), as [`Entry`] values.
//!
//! # Reading
//!
//! [`read_calendar_file`] picks the format from the extension; [`parse_ics`] and
//! [`parse_csv`] work on text already in memory. Both hand back a [`Calendar`]: the
//! entries in the runner's **local** calendar, the IANA zone used to compute the local
//! dates, and warnings about things that were guessed or skipped.
//!
//! Choices made for iCalendar input (RFC 5545, as real exports write it):
//!
//! * The runner's zone is the `tz` argument, else the calendar's `X-WR-TIMEZONE`, else
//!   the most common IANA `TZID` in the file, else the system zone, else UTC.
//! * A timed event's date is its instant seen in the runner's zone; an all-day event's
//!   date is taken as written (all-day dates never move between zones).
//! * `TZID`s are resolved as IANA names, then Windows names, then the file's own
//!   `VTIMEZONE` (its transitions are applied), else the time is floating with a warning.
//! * Recurrences are expanded in wall-clock time of the event's zone, then each instance
//!   is placed on the time line, so a weekly 07:00 run stays at 07:00 across DST changes
//!   and an instance falling into a spring-forward gap moves forward instead of failing.
//!   Expansion stops 3 years after `DTSTART` or at 2,000 instances (with a warning).
//!   `DTSTART` always counts as an instance, even if the rule would not produce it.
//! * A file that ends without `END:VCALENDAR` is accepted, with a warning, when every
//!   other component was closed; an unclosed `VEVENT` (or anything inside one) at the
//!   end of the file is an error.
//! * Blank lines anywhere are skipped. Properties outside any component are ignored.
//! * `STATUS:CANCELLED` events are skipped; a cancelled override removes its instance;
//!   an override whose master is missing stands on its own.
//! * A `VEVENT` without `DTSTART`, an unreadable date, duration or `RRULE` is an error
//!   naming the line; problems inside a `VTIMEZONE` only produce warnings.
//!
//! # Writing
//!
//! [`write_ics`] writes all-day events (the massage plan) as an RFC 5545 calendar;
//! [`write_feed`] writes timed appointments as a subscription feed.
//!
//! Nothing in this crate panics on bad input: the importers are meant to be fuzzed.

pub mod allocation;
mod content;
mod csv;
mod grid;
mod ics;
mod ics_write;
mod plan_ics;
mod recur;
mod tz;
mod values;

use std::path::Path;

pub use kneadtime_domain::{Entry, Origin};

pub use crate::csv::{parse_csv, parse_csv_ending};
pub use crate::ics::parse_ics;
pub use crate::ics_write::{
    IcsEvent, Parties, TimedEvent, write_calendar, write_feed, write_ics, write_invitation,
};
pub use crate::plan_ics::{plan_events, race_line};

/// A training calendar read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The entries, sorted by local date, then start time, then position in the file.
    pub entries: Vec<Entry>,
    /// IANA name of the zone used to compute the local dates (e.g. `Europe/London`).
    pub zone: String,
    /// Things the runner may want to know: guesses made, instances capped, lines ignored.
    pub warnings: Vec<String>,
}

/// Why a calendar file could not be imported.
///
/// Displays as `FILE:LINE: MESSAGE`, or `FILE: MESSAGE` when no line applies. The message
/// says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", display_line(.line))]
pub struct ImportError {
    /// The file name as given by the runner.
    pub file: String,
    /// 1-based line the problem was found on, when there is one.
    pub line: Option<usize>,
    /// What was expected and what was found.
    pub message: String,
    /// True when the file is a plan laid out by week that can be read once its race day
    /// is given (see [`read_calendar_file_ending`]).
    pub needs_race_day: bool,
}

fn display_line(line: &Option<usize>) -> String {
    match line {
        Some(line) => format!(":{line}"),
        None => String::new(),
    }
}

impl ImportError {
    pub(crate) fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            line,
            message: message.into(),
            needs_race_day: false,
        }
    }
}

/// The calendar format a file's name says: `.ics`, `.ical`, `.ifb` (iCalendar) or
/// `.csv`, in any case; `None` for anything else.
fn format_of(name: &str) -> Option<Parser> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "ics" | "ical" | "ifb" => Some(|text, file, tz, _| parse_ics(text, file, tz)),
        "csv" => Some(parse_csv_ending),
        _ => None,
    }
}

type Parser = fn(
    &str,
    &str,
    Option<&jiff::tz::TimeZone>,
    Option<jiff::civil::Date>,
) -> Result<Calendar, ImportError>;

/// Whether a file's name is one of the calendar formats [`read_named`] reads.
pub fn is_calendar_name(name: &str) -> bool {
    format_of(name).is_some()
}

/// The error for a file `shown` (its path or name) whose name `name` says no calendar.
fn wrong_name(shown: &str, name: &str) -> ImportError {
    let found = match name.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() => format!("\".{ext}\""),
        _ => "no extension".to_string(),
    };
    ImportError::new(
        shown,
        None,
        format!("expected a calendar file ending in .ics, .ical, .ifb or .csv, found {found}"),
    )
}

/// Reads a calendar from its file name and contents, the one way in for the CLI, the
/// server and the pages: the name's extension chooses the format (`.ics`, `.ical`,
/// `.ifb` or `.csv`), the contents must be UTF-8 (a leading byte-order mark is
/// skipped), and errors name the file as given. `tz` is the runner's time zone;
/// without it the calendar's own zone is used (see the crate docs).
pub fn read_named(
    name: &str,
    bytes: &[u8],
    tz: Option<&jiff::tz::TimeZone>,
) -> Result<Calendar, ImportError> {
    read_named_ending(name, bytes, tz, None)
}

/// [`read_named`], placing a plan laid out by week without dates so that the race it
/// leads to falls on `race_day`.
pub fn read_named_ending(
    name: &str,
    bytes: &[u8],
    tz: Option<&jiff::tz::TimeZone>,
    race_day: Option<jiff::civil::Date>,
) -> Result<Calendar, ImportError> {
    let parse = format_of(name).ok_or_else(|| wrong_name(name, name))?;
    let text = decode_utf8(bytes, name)?;
    parse(text, name, tz, race_day)
}

/// Reads a calendar file with [`read_named`], naming it by its path.
pub fn read_calendar_file(
    path: &Path,
    tz: Option<&jiff::tz::TimeZone>,
) -> Result<Calendar, ImportError> {
    read_calendar_file_ending(path, tz, None)
}

/// [`read_calendar_file`], placing a plan laid out by week without dates (a published
/// plan's grid of weeks and weekdays) so that the race it leads to falls on `race_day`.
pub fn read_calendar_file_ending(
    path: &Path,
    tz: Option<&jiff::tz::TimeZone>,
    race_day: Option<jiff::civil::Date>,
) -> Result<Calendar, ImportError> {
    let file = path.display().to_string();
    // The name is checked before the file is read.
    let base = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let Some(parse) = format_of(base) else {
        return Err(wrong_name(&file, base));
    };
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::new(&file, None, format!("could not read the file: {e}")))?;
    parse(decode_utf8(&bytes, &file)?, &file, tz, race_day)
}

/// Checks the bytes are UTF-8 and drops a leading byte-order mark.
fn decode_utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::new(
            file,
            Some(1),
            "expected UTF-8 text, found UTF-16 (save or export the file as UTF-8)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let bad = bytes
            .get(e.valid_up_to())
            .map(|b| format!("0x{b:02X}"))
            .unwrap_or_default();
        ImportError::new(
            file,
            Some(line),
            format!("expected UTF-8 text, found the byte {bad} that is not valid UTF-8"),
        )
    })
}

/// Drops a leading byte-order mark from text handed to the parsers directly.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

/// Sorts entries by date, start time (all-day first) and line in the file.
pub(crate) fn sort_entries(entries: &mut [Entry]) {
    // Sorted by index (the entries are large; moving them once beats moving them often).
    entries.sort_by_cached_key(|e| (e.date, e.start, e.origin.line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display_with_and_without_line() {
        let e = ImportError::new("plan.csv", Some(7), "boom");
        assert_eq!(e.to_string(), "plan.csv:7: boom");
        let e = ImportError::new("plan.csv", None, "boom");
        assert_eq!(e.to_string(), "plan.csv: boom");
    }

    #[test]
    fn utf8_checks() {
        assert_eq!(decode_utf8(b"\xEF\xBB\xBFabc", "f").unwrap(), "abc");
        let e = decode_utf8(b"ok\nok\n\xFFbad", "f").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("0xFF"), "{e}");
        let e = decode_utf8(b"\xFF\xFEa\x00", "f").unwrap_err();
        assert!(e.message.contains("UTF-16"), "{e}");
    }

    #[test]
    fn unknown_extension_is_a_clear_error() {
        let e = read_calendar_file(Path::new("plan.txt"), None).unwrap_err();
        assert_eq!(e.line, None);
        assert!(
            e.message.contains(".ics") && e.message.contains("\".txt\""),
            "{e}"
        );
        let e = read_calendar_file(Path::new("plan"), None).unwrap_err();
        assert!(e.message.contains("no extension"), "{e}");
    }

    #[test]
    fn a_named_file_is_read_by_its_extension_in_any_case() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270425\r\n\
                   SUMMARY:City Marathon\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let csv = "date,title\n2027-04-25,City Marathon\n";
        for (name, text) in [("Plan.ICS", ics), ("plan.ical", ics), ("Block.Csv", csv)] {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend_from_slice(text.as_bytes());
            let cal = read_named(name, &bytes, Some(&jiff::tz::TimeZone::UTC)).unwrap();
            assert_eq!(cal.entries.len(), 1, "{name}");
            assert_eq!(&*cal.entries[0].title, "City Marathon", "{name}");
            assert!(is_calendar_name(name));
        }
        // The CSV parser is not asked to read iCalendar text because of a name.
        let e = read_named("plan.csv", ics.as_bytes(), None).unwrap_err();
        assert_eq!(e.file, "plan.csv");
        let e = read_named("notes.txt", csv.as_bytes(), None).unwrap_err();
        assert!(e.message.contains("\".txt\""), "{e}");
        assert!(!is_calendar_name("notes.txt") && !is_calendar_name("ics"));
        let e = read_named("plan.ics", b"BEGIN:VCALENDAR\n\xFF", None).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("plan.ics", Some(2)));
        // A folder's dots are not the file's extension.
        let e = read_calendar_file(Path::new("season.2027/plan"), None).unwrap_err();
        assert!(e.message.contains("no extension"), "{e}");
    }
}
