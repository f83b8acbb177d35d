//! Completed activities in: FIT, TCX and GPX files (plain or gzipped) and Strava bulk
//! exports, turned into [`kneadtime_domain::Activity`] values in the runner's local time.
//!
//! * [`read_activity_file`] reads one file, choosing the format by extension
//!   (`.fit`, `.tcx`, `.gpx`, each optionally `.gz`).
//! * [`parse_fit`], [`parse_tcx`], [`parse_gpx`] work on bytes already in memory.
//! * [`import_paths`] takes files, folders and Strava exports, reads them in parallel,
//!   and reports activities (sorted, duplicates removed), failures and skipped files.
//!
//! One file may hold several activities: a multisport FIT gives one per session (swim,
//! bike, run; transitions are dropped), a TCX one per `<Activity>`. Instants in files are
//! UTC and are converted to the `tz` given; the activity's `start` is local civil time.
//!
//! Heart rate: each sample counts for the time until the next one, at most 30 s (so a
//! pause does not count as minutes at the pre-pause heart rate).

mod error;
mod fit;
mod gpx;
mod import;
mod strava;
mod tcx;
mod track;
mod xml;

use std::io::Read;
use std::path::Path;

use jiff::tz::TimeZone;

pub use error::{ActivityError, ErrorKind};
pub use import::{ImportFailure, ImportReport, import_paths};
pub use kneadtime_domain::{Activity, Sport};

/// Decompressed files larger than this are refused (a gzip bomb, not a run): a day-long
/// ultra recorded every second is well under 64 MiB of GPX.
pub const MAX_INFLATED: u64 = 256 << 20;
/// …and so are files that inflate to more than this many times their size.
pub const MAX_INFLATE_RATIO: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Fit,
    Tcx,
    Gpx,
}

/// The format a file name says, and whether it is gzipped.
pub(crate) fn format_of(path: &Path) -> Option<(Format, bool)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (inner, gz) = match name.strip_suffix(".gz") {
        Some(inner) => (inner, true),
        None => (name.as_str(), false),
    };
    let format = match inner.rsplit_once('.')?.1 {
        "fit" => Format::Fit,
        "tcx" => Format::Tcx,
        "gpx" => Format::Gpx,
        _ => return None,
    };
    Some((format, gz))
}

fn guarded_gunzip(bytes: &[u8], file: &str, cap: u64) -> Result<Vec<u8>, ActivityError> {
    std::panic::catch_unwind(|| gunzip(bytes, file, cap)).unwrap_or_else(|_| {
        Err(ActivityError::new(
            file,
            ErrorKind::Internal,
            "internal error while reading",
        ))
    })
}

/// The most a gzipped file of `compressed` bytes may inflate to by default.
pub fn default_inflate_cap(compressed: usize) -> u64 {
    (compressed as u64)
        .saturating_mul(MAX_INFLATE_RATIO)
        .clamp(1 << 20, MAX_INFLATED)
}

fn gunzip(bytes: &[u8], file: &str, cap: u64) -> Result<Vec<u8>, ActivityError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ActivityError::invalid(
                file,
                format!("gzip: corrupt or truncated compressed data ({e})"),
            )
        })?;
    if out.len() as u64 > cap {
        return Err(ActivityError::invalid(
            file,
            format!(
                "gzip: inflates to more than {} MiB; not an activity file",
                cap.div_ceil(1 << 20)
            ),
        ));
    }
    Ok(out)
}

/// Runs a decoder, turning a panic (a bug in it or in a library) into an error.
fn guarded(
    file: &str,
    f: impl FnOnce() -> Result<Vec<Activity>, ActivityError>,
) -> Result<Vec<Activity>, ActivityError> {
    let activities =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
            Err(ActivityError::new(
                file,
                ErrorKind::Internal,
                "internal error while reading",
            ))
        })?;
    in_calendar(file, activities)
}

/// Refuses activities dated outside the calendar kneadtime accepts.
fn in_calendar(file: &str, activities: Vec<Activity>) -> Result<Vec<Activity>, ActivityError> {
    use kneadtime_domain::dates::{EARLIEST, LATEST, accepted};
    match activities.iter().find(|a| !accepted(a.start.date())) {
        Some(a) => Err(ActivityError::invalid(
            file,
            format!(
                "an activity starts on {}: expected dates between {EARLIEST} and {LATEST}",
                a.start.date()
            ),
        )),
        None => Ok(activities),
    }
}

/// Decodes a FIT file; `file` names the source in errors and in each activity's origin.
///
/// * One activity per `session` message (multisport: swim, bike, run…); `transition`
///   sessions are dropped. Without any session (a file cut before its summary) one
///   activity is derived from the `record` messages.
/// * Session totals are used as written (`total_elapsed_time`, `total_timer_time` as
///   moving time, `total_distance`, `total_ascent`, average/maximum heart rate); records
///   inside the session's time range fill the heart-rate histogram and anything missing.
/// * Lenient: CRCs are not checked, chained FIT files are read in turn, and when the data
///   breaks off (truncation, corrupt chained header, undefined message) what came before
///   is kept. It fails only when nothing usable came before the damage.
/// * Only `file_id.type = activity` is an activity: workout plans, monitoring, settings…
///   are [`ErrorKind::NotAnActivity`].
/// * Times are UTC, converted to `tz`. Times before 1990 or after 2080 are ignored as
///   corrupt; device-relative times (clock not set) are anchored with the `activity`
///   message's `local_timestamp` and are then the device's own local time.
pub fn parse_fit(bytes: &[u8], file: &str, tz: &TimeZone) -> Result<Vec<Activity>, ActivityError> {
    guarded(file, || fit::parse(bytes, file, tz))
}

/// Decodes a TCX document: one activity per `<Activity>`.
///
/// Laps give moving time (sum of `TotalTimeSeconds`), distance and lap heart rates
/// (time-weighted); trackpoints give the histogram, elevation gain (2 m hysteresis) and
/// the end time. The name is `Notes`, else a non-timestamp `Id`, else the sport word.
/// A document whose root is not `TrainingCenterDatabase` is an error; one without
/// `<Activity>` (courses, workouts) is [`ErrorKind::NotAnActivity`].
pub fn parse_tcx(bytes: &[u8], file: &str, tz: &TimeZone) -> Result<Vec<Activity>, ActivityError> {
    guarded(file, || tcx::parse(bytes, file, tz))
}

/// Decodes a GPX 1.0/1.1 document: all its tracks make one activity.
///
/// Start is the first timed track point, elapsed runs to the last; moving time sums the
/// intervals shorter than 30 s faster than 0.5 m/s; distance is haversine within each
/// segment; heart rate is an `hr` element with any prefix in a point's extensions. The
/// sport comes from `<type>` (a word or Strava's number), else the track name, else run.
/// Fewer than two timed track points is [`ErrorKind::NotAnActivity`]
/// ("no timed track points: nothing to import").
pub fn parse_gpx(bytes: &[u8], file: &str, tz: &TimeZone) -> Result<Vec<Activity>, ActivityError> {
    guarded(file, || gpx::parse(bytes, file, tz))
}

/// Reads one activity file, choosing the format from the extension (`.fit`, `.tcx`,
/// `.gpx`, each optionally followed by `.gz`). A decoder panic is caught and reported as
/// an [`ErrorKind::Internal`] error.
pub fn read_activity_file(path: &Path, tz: &TimeZone) -> Result<Vec<Activity>, ActivityError> {
    let shown = path.display().to_string();
    if format_of(path).is_none() {
        return Err(unsupported(&shown));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ActivityError::new(&shown, ErrorKind::Io, format!("cannot read: {e}")))?;
    parse_named(&bytes, &shown, tz)
}

fn unsupported(shown: &str) -> ActivityError {
    ActivityError::new(
        shown,
        ErrorKind::Unsupported,
        "unsupported file type (expected .fit, .tcx or .gpx, optionally .gz)",
    )
}

/// Reads a Strava export's `activities.csv` held in memory into activities from its
/// summary columns (the activity files it names are not read). Rows that cannot be used
/// are skipped; a file without the export's header is an error.
pub fn parse_strava_csv(
    bytes: &[u8],
    shown: &str,
    tz: &TimeZone,
) -> Result<Vec<Activity>, ActivityError> {
    guarded(shown, || {
        let rows = strava::rows(bytes, Path::new("."), shown)?;
        Ok(rows
            .iter()
            .filter_map(|r| strava::row_activity(r, shown, tz).ok())
            .filter(|a| kneadtime_domain::dates::accepted(a.start.date()))
            .collect())
    })
}

/// Decodes an activity file already in memory (an upload), choosing the format from
/// `name`'s extension like [`read_activity_file`].
pub fn parse_named(
    bytes: &[u8],
    name: &str,
    tz: &TimeZone,
) -> Result<Vec<Activity>, ActivityError> {
    parse_named_within(bytes, name, tz, default_inflate_cap(bytes.len()))
}

/// [`parse_named`] with a gzipped file allowed to inflate to at most `inflate_cap` bytes
/// (a server sets it from what an upload may cost).
pub fn parse_named_within(
    bytes: &[u8],
    name: &str,
    tz: &TimeZone,
    inflate_cap: u64,
) -> Result<Vec<Activity>, ActivityError> {
    let Some((format, gz)) = format_of(Path::new(name)) else {
        return Err(unsupported(name));
    };
    let unzipped;
    let bytes = if gz {
        unzipped = guarded_gunzip(bytes, name, inflate_cap)?;
        &unzipped[..]
    } else {
        bytes
    };
    match format {
        Format::Fit => parse_fit(bytes, name, tz),
        Format::Tcx => parse_tcx(bytes, name, tz),
        Format::Gpx => parse_gpx(bytes, name, tz),
    }
}
