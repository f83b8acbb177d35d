//! Strava bulk exports: the `activities.csv` index and its rows.
//!
//! Column choices (Strava repeats some header names):
//! * the first `Elapsed Time`, `Moving Time`, `Max Heart Rate`, `Average Heart Rate` and
//!   `Elevation Gain` columns are used;
//! * `Distance` comes from the **second** `Distance` column (metres) when it has a value,
//!   because the first one's unit is not fixed (kilometres for most sports, metres for
//!   swims in some export versions); otherwise the first one, read as kilometres.
//! * `Activity Date` is UTC, written like `Jan 2, 2024, 7:03:12 AM`.
//!
//! A row whose `Filename` exists is imported from that file (richer data) and gets the
//! row's name and type; a row without a usable file becomes an activity from its columns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kneadtime_domain::{Activity, Origin, Sport};

use crate::error::ActivityError;
use crate::track;

/// One row of `activities.csv`.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based line in the CSV where the row starts.
    pub line: usize,
    pub date: String,
    pub name: String,
    pub kind: String,
    pub elapsed: Option<f64>,
    pub moving: Option<f64>,
    pub distance_m: Option<f64>,
    pub gain: Option<f64>,
    pub avg_hr: Option<f64>,
    pub max_hr: Option<f64>,
    /// The row's file, resolved against the export folder, when the row names one.
    pub file: Option<PathBuf>,
}

fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let s = if s.contains(',') && !s.contains('.') {
        s.replace(',', ".")
    } else {
        s.replace(',', "")
    };
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// Reads `activities.csv`. Fails only when the file cannot be read or has no usable header.
pub(crate) fn read_csv(csv_path: &Path, shown: &str) -> Result<Vec<Row>, ActivityError> {
    let data = std::fs::read(csv_path).map_err(|e| {
        ActivityError::new(shown, crate::ErrorKind::Io, format!("cannot read: {e}"))
    })?;
    rows(&data, csv_path.parent().unwrap_or(Path::new(".")), shown)
}

/// Reads the rows of an `activities.csv` held in memory; files it names are looked for
/// under `base`.
pub(crate) fn rows(data: &[u8], base: &Path, shown: &str) -> Result<Vec<Row>, ActivityError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let headers = reader
        .headers()
        .map_err(|e| {
            ActivityError::invalid(shown, format!("activities.csv: unreadable header: {e}"))
        })?
        .clone();
    let mut all: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        all.entry(h.trim().to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    let first = |name: &str| all.get(name).and_then(|v| v.first().copied());
    let date_col = first("activity date").ok_or_else(|| {
        ActivityError::invalid(
            shown,
            "activities.csv: no 'Activity Date' column (not a Strava export, or an export language not read yet; English headers are)",
        )
    })?;
    let (name_col, type_col, file_col) = (
        first("activity name"),
        first("activity type"),
        first("filename"),
    );
    let (elapsed_col, moving_col) = (first("elapsed time"), first("moving time"));
    let (gain_col, avg_col, max_col) = (
        first("elevation gain"),
        first("average heart rate"),
        first("max heart rate"),
    );
    let dist_cols = all.get("distance").cloned().unwrap_or_default();

    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                return Err(ActivityError::invalid(
                    shown,
                    format!("activities.csv: unreadable row: {e}"),
                ));
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let num = |c: Option<usize>| number(get(c));
        let distance_m = dist_cols
            .get(1)
            .and_then(|c| number(get(Some(*c))))
            .or_else(|| {
                dist_cols
                    .first()
                    .and_then(|c| number(get(Some(*c))))
                    .map(|km| km * 1000.0)
            });
        let file = Some(get(file_col))
            .filter(|f| !f.is_empty())
            .map(|f| base.join(f));
        rows.push(Row {
            line: rec.position().map_or(0, |p| p.line() as usize),
            date: get(Some(date_col)).to_string(),
            name: get(name_col).to_string(),
            kind: get(type_col).to_string(),
            elapsed: num(elapsed_col),
            moving: num(moving_col),
            distance_m: distance_m.filter(|d| *d > 0.0),
            gain: num(gain_col),
            avg_hr: num(avg_col).filter(|v| *v > 0.0),
            max_hr: num(max_col).filter(|v| *v > 0.0),
            file,
        });
    }
    Ok(rows)
}

/// Parses Strava's `Activity Date` (UTC).
pub(crate) fn parse_date(s: &str) -> Option<Timestamp> {
    // Newer exports put a narrow no-break space before AM/PM.
    let s: String = s
        .trim()
        .chars()
        .map(|c| {
            if c == '\u{202f}' || c == '\u{a0}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    for fmt in [
        "%b %d, %Y, %I:%M:%S %p",
        "%b %d, %Y %I:%M:%S %p",
        "%Y-%m-%d %H:%M:%S",
        "%d %b %Y, %H:%M:%S",
    ] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, &s) {
            return dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
        }
    }
    None
}

/// The activity a row describes on its own (no file, or a file that could not be read).
pub(crate) fn row_activity(row: &Row, csv_shown: &str, tz: &TimeZone) -> Result<Activity, String> {
    let ts =
        parse_date(&row.date).ok_or_else(|| format!("unreadable Activity Date '{}'", row.date))?;
    let start = track::local(ts.as_second() as f64, tz)
        .ok_or_else(|| format!("implausible Activity Date '{}'", row.date))?;
    let elapsed = row
        .elapsed
        .or(row.moving)
        .filter(|e| *e > 0.0)
        .ok_or("no Elapsed Time or Moving Time")?;
    let sport = Sport::parse(&row.kind);
    let name = if row.name.is_empty() {
        track::sport_title(&row.kind)
    } else {
        row.name.clone()
    };
    let mut act = track::new_activity(sport, name, start, elapsed, csv_shown);
    act.origin = Origin {
        file: csv_shown.into(),
        line: Some(row.line),
    };
    act.moving_s = row.moving.filter(|m| *m > 0.0);
    act.distance_m = row.distance_m;
    act.elevation_gain_m = row.gain;
    act.avg_hr = row.avg_hr;
    act.max_hr = row.max_hr;
    Ok(act)
}

/// Gives a file's activity the row's name and type, and fills what the file lacked.
pub(crate) fn apply_row(row: &Row, act: &mut Activity) {
    if !row.name.is_empty() {
        act.name = row.name.clone();
    }
    let sport = Sport::parse(&row.kind);
    if !row.kind.is_empty() && (sport != Sport::Other || act.sport == Sport::Other) {
        act.sport = sport;
    }
    act.moving_s = act.moving_s.or(row.moving);
    act.distance_m = act.distance_m.or(row.distance_m);
    act.elevation_gain_m = act.elevation_gain_m.or(row.gain);
    act.avg_hr = act.avg_hr.or(row.avg_hr);
    act.max_hr = act.max_hr.or(row.max_hr);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strava_dates() {
        let want: Timestamp = "2024-01-02T07:03:12Z".parse().unwrap();
        assert_eq!(parse_date("Jan 2, 2024, 7:03:12 AM"), Some(want));
        assert_eq!(parse_date("Jan 2, 2024, 7:03:12\u{202f}AM"), Some(want));
        assert_eq!(parse_date("2024-01-02 07:03:12"), Some(want));
        let pm: Timestamp = "2017-06-11T14:34:09Z".parse().unwrap();
        assert_eq!(parse_date("Jun 11, 2017, 2:34:09 PM"), Some(pm));
        assert_eq!(
            parse_date("Dec 12, 2023, 12:05:00 AM"),
            Some("2023-12-12T00:05:00Z".parse().unwrap())
        );
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(number("10.02"), Some(10.02));
        assert_eq!(number("1,234.5"), Some(1234.5));
        assert_eq!(number("10,02"), Some(10.02));
        assert_eq!(number(""), None);
    }
}
