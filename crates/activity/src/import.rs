//! Importing many paths at once: folder walking, Strava exports, parallel parsing with a
//! progress bar, per-file failure isolation and duplicate removal.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::tz::TimeZone;
use kneadtime_domain::Activity;
use rayon::prelude::*;

use crate::error::{ActivityError, ErrorKind};
use crate::strava::{self, Row};
use crate::{format_of, read_activity_file};

/// A file (or Strava CSV row) that gave no activity, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    /// The file as named by the caller (for a CSV row: `…/activities.csv line N`).
    pub file: String,
    pub error: String,
}

/// Everything [`import_paths`] found.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Sorted by start, duplicates removed.
    pub activities: Vec<Activity>,
    /// How many activities were dropped as duplicates of a kept one.
    pub duplicates: usize,
    /// Corrupt, truncated, unreadable or unsupported files.
    pub failed: Vec<ImportFailure>,
    /// Valid files that hold no activity (FIT workout plans, monitoring files, GPX without
    /// a timed track…), with the reason.
    pub skipped: Vec<ImportFailure>,
}

enum Job {
    File(PathBuf),
    Row { row: Row, csv_shown: String },
}

enum Outcome {
    Activities(Vec<Activity>),
    Failed(ImportFailure),
    Skipped(ImportFailure),
}

fn from_error(e: ActivityError) -> Outcome {
    let f = ImportFailure {
        file: e.file,
        error: e.message,
    };
    if e.kind == ErrorKind::NotAnActivity {
        Outcome::Skipped(f)
    } else {
        Outcome::Failed(f)
    }
}

fn failure(file: &Path, error: impl Into<String>) -> ImportFailure {
    ImportFailure {
        file: file.display().to_string(),
        error: error.into(),
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[derive(Default)]
struct Collected {
    jobs: Vec<Job>,
    failed: Vec<ImportFailure>,
    /// Files already queued (canonical paths), so a file reached twice is read once.
    seen: HashSet<PathBuf>,
}

impl Collected {
    fn add_path(&mut self, p: &Path) {
        match std::fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.failed.push(failure(p, "no such file or folder")),
            Err(e) => self.failed.push(failure(p, format!("cannot read: {e}"))),
            Ok(m) if m.is_dir() => self.add_dir(p),
            Ok(_) if is_strava_csv(p) => {
                self.add_strava(p);
            }
            Ok(_) if format_of(p).is_some() => self.add_file(p),
            Ok(_) => self.failed.push(failure(
                p,
                "unsupported file type (expected .fit, .tcx or .gpx, optionally .gz, or a Strava activities.csv)",
            )),
        }
    }

    fn add_file(&mut self, p: &Path) {
        if self.seen.insert(canonical(p)) {
            self.jobs.push(Job::File(p.to_path_buf()));
        }
    }

    /// A folder: a Strava export when it has `activities.csv`, else walked for files.
    fn add_dir(&mut self, dir: &Path) {
        let csv = dir.join("activities.csv");
        if csv.is_file() {
            self.add_strava(&csv);
        }
        self.walk(dir);
    }

    fn walk(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.failed
                    .push(failure(dir, format!("cannot read folder: {e}")));
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                // Symlinked folders are not followed (no loops).
                self.add_dir(&p);
            } else if format_of(&p).is_some() && std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                self.add_file(&p);
            }
        }
    }

    /// Queues every row of a Strava `activities.csv`; the files the rows name are marked
    /// seen so walking the export does not read them a second time.
    fn add_strava(&mut self, csv: &Path) {
        if !self.seen.insert(canonical(csv)) {
            return;
        }
        let shown = csv.display().to_string();
        match strava::read_csv(csv, &shown) {
            Ok(rows) => {
                for row in rows {
                    if let Some(f) = row.file.as_deref().filter(|f| f.is_file()) {
                        self.seen.insert(canonical(f));
                    }
                    self.jobs.push(Job::Row {
                        row,
                        csv_shown: shown.clone(),
                    });
                }
            }
            Err(e) => self.failed.push(ImportFailure {
                file: e.file,
                error: e.message,
            }),
        }
    }
}

fn is_strava_csv(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case("activities.csv"))
}

fn run(job: &Job, tz: &TimeZone) -> Vec<Outcome> {
    match job {
        Job::File(p) => match read_activity_file(p, tz) {
            Ok(acts) => vec![Outcome::Activities(acts)],
            Err(e) => vec![from_error(e)],
        },
        Job::Row { row, csv_shown } => {
            let mut out = Vec::new();
            if let Some(f) = row.file.as_deref().filter(|f| f.is_file()) {
                match read_activity_file(f, tz) {
                    Ok(mut acts) if !acts.is_empty() => {
                        if acts.len() == 1 {
                            strava::apply_row(row, &mut acts[0]);
                        }
                        return vec![Outcome::Activities(acts)];
                    }
                    Ok(_) => {}
                    // The file is reported; the row still gives the activity below.
                    Err(e) => out.push(from_error(e)),
                }
            }
            match strava::row_activity(row, csv_shown, tz) {
                Ok(a) => out.push(Outcome::Activities(vec![a])),
                Err(m) => out.push(Outcome::Failed(ImportFailure {
                    file: format!("{csv_shown} line {}", row.line),
                    error: m,
                })),
            }
            out
        }
    }
}

fn job_name(job: &Job) -> String {
    match job {
        Job::File(p) => p.display().to_string(),
        Job::Row { row, csv_shown } => format!("{csv_shown} line {}", row.line),
    }
}

const PROGRESS_TEMPLATE: &str = "importing {bar:30} {pos}/{len} ({eta} left)";

/// Imports files, folders (walked recursively for `.fit`, `.tcx`, `.gpx`, each optionally
/// `.gz`) and Strava bulk exports (a folder holding `activities.csv`, or that CSV itself).
///
/// Files are parsed in parallel on all cores. A broken file lands in `failed` and never
/// stops the others; a decoder panic is caught and reported as an internal error. With
/// `progress`, a progress bar is drawn on stderr (pass `stderr().is_terminal()`).
pub fn import_paths(paths: &[PathBuf], tz: &TimeZone, progress: bool) -> ImportReport {
    let mut c = Collected::default();
    for p in paths {
        c.add_path(p);
    }

    let bar = if progress {
        let bar =
            ProgressBar::with_draw_target(Some(c.jobs.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(PROGRESS_TEMPLATE) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    let outcomes: Vec<Vec<Outcome>> = c
        .jobs
        .par_iter()
        .map(|job| {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job, tz)))
                .unwrap_or_else(|_| {
                    vec![Outcome::Failed(ImportFailure {
                        file: job_name(job),
                        error: "internal error while reading".into(),
                    })]
                });
            bar.inc(1);
            out
        })
        .collect();
    bar.finish_and_clear();

    let mut report = ImportReport {
        failed: c.failed,
        ..ImportReport::default()
    };
    let mut all = Vec::new();
    for o in outcomes.into_iter().flatten() {
        match o {
            Outcome::Activities(a) => all.extend(a),
            Outcome::Failed(f) => report.failed.push(f),
            Outcome::Skipped(f) => report.skipped.push(f),
        }
    }
    let (activities, duplicates) = dedupe(all);
    report.activities = activities;
    report.duplicates = duplicates;
    report
}

/// Two activities starting this close (seconds)…
const SAME_START_S: f64 = 60.0;

fn similar_duration(a: f64, b: f64) -> bool {
    (a - b).abs() <= 60.0_f64.max(0.1 * a.max(b))
}

fn is_duplicate(a: &Activity, b: &Activity) -> bool {
    a.sport == b.sport
        && a.start.duration_since(b.start).as_secs_f64().abs() <= SAME_START_S
        && similar_duration(a.elapsed_s, b.elapsed_s)
}

/// How much an activity tells; of two duplicates the richer one is kept.
fn richness(a: &Activity) -> u32 {
    u32::from(!a.hr_seconds.is_empty()) * 8
        + u32::from(a.distance_m.is_some()) * 2
        + u32::from(a.moving_s.is_some())
        + u32::from(a.elevation_gain_m.is_some())
        + u32::from(a.avg_hr.is_some())
        + u32::from(a.max_hr.is_some())
        + u32::from(a.origin.line.is_none())
}

fn order(a: &Activity, b: &Activity) -> std::cmp::Ordering {
    a.start
        .cmp(&b.start)
        .then(a.sport.cmp(&b.sport))
        .then_with(|| a.name.cmp(&b.name))
}

/// Sorts by start and drops duplicates (same sport, start within a minute, elapsed time
/// within a minute or 10 %), keeping the richest copy. Returns the count dropped.
pub(crate) fn dedupe(mut all: Vec<Activity>) -> (Vec<Activity>, usize) {
    all.sort_by(order);
    let mut kept: Vec<Activity> = Vec::with_capacity(all.len());
    let mut dropped = 0;
    for a in all {
        let mut dup = None;
        for (j, k) in kept.iter().enumerate().rev() {
            if a.start.duration_since(k.start).as_secs_f64() > SAME_START_S * 2.0 {
                break;
            }
            if is_duplicate(&a, k) {
                dup = Some(j);
                break;
            }
        }
        match dup {
            Some(j) => {
                dropped += 1;
                if richness(&a) > richness(&kept[j]) {
                    kept[j] = a;
                }
            }
            None => kept.push(a),
        }
    }
    kept.sort_by(order);
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_template_is_valid() {
        assert!(ProgressStyle::with_template(PROGRESS_TEMPLATE).is_ok());
    }

    #[test]
    fn similar_durations() {
        assert!(similar_duration(3600.0, 3650.0));
        assert!(similar_duration(36_000.0, 39_000.0));
        assert!(!similar_duration(1800.0, 3600.0));
        assert!(!similar_duration(100.0, 300.0));
    }
}
