//! One thing written on a runner's calendar, as an importer hands it to the domain.
//!
//! An `Entry` is deliberately raw: a local date, an optional local time, the words the
//! runner (or their coaching app) wrote, and any numbers the file carried. Deciding what
//! the entry *means* (race, long run, rest…) is the job of [`crate::classify`], so every
//! importer shares one understanding of training titles.

use std::sync::Arc;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

/// Where an entry came from, so messages can point the runner back at their file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Origin {
    /// The file name as the runner gave it (shared by every entry from one file).
    pub file: Arc<str>,
    /// 1-based line in that file where the entry starts, when the format has lines.
    pub line: Option<usize>,
}

/// One calendar entry in the runner's local calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Local calendar date the entry falls on (the runner's time zone).
    pub date: Date,
    /// Local start time, when the source gave a time rather than a whole day.
    pub start: Option<DateTime>,
    /// Planned or recorded length in minutes, when known.
    pub duration_min: Option<f64>,
    /// The last local date the entry covers when it runs past its first day (a stage
    /// race, an overnight ultra, a week's holiday, a training camp).
    #[serde(default)]
    pub last_date: Option<Date>,
    /// When a timed entry ends (local), when the source said.
    #[serde(default)]
    pub end: Option<DateTime>,
    /// Planned or recorded distance in kilometres, when known.
    pub distance_km: Option<f64>,
    /// The title (SUMMARY in .ics, `title` in .csv), shared by a recurring event's
    /// occurrences.
    pub title: Arc<str>,
    /// Free text that came with it (DESCRIPTION in .ics); may be empty.
    pub description: Arc<str>,
    /// An explicit class written by the source (the CSV `kind` column), if any.
    pub kind_hint: Option<String>,
    /// Where it came from.
    pub origin: Origin,
}

impl Entry {
    /// Every local date the entry covers, first to last.
    pub fn dates(&self) -> impl Iterator<Item = Date> {
        crate::dates::days(
            self.date,
            self.last_date.unwrap_or(self.date).max(self.date),
        )
    }

    /// A bare entry with only a date and a title; handy for tests and simple sources.
    pub fn new(date: Date, title: impl Into<Arc<str>>) -> Entry {
        Entry {
            date,
            start: None,
            duration_min: None,
            last_date: None,
            end: None,
            distance_km: None,
            title: title.into(),
            description: Arc::from(""),
            kind_hint: None,
            origin: Origin::default(),
        }
    }
}
