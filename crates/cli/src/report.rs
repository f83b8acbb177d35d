//! The `load` command's answer: what was imported, and the weekly load table.

use std::fmt::Write as _;
use std::path::Path;

use kneadtime_domain::Season;
use kneadtime_domain::load::Day;
use serde::Serialize;

use crate::input::History;

#[derive(Debug, Clone, Serialize)]
pub struct WeekRow {
    pub week_start: jiff::civil::Date,
    pub sessions: usize,
    pub distance_km: f64,
    pub load: f64,
    pub fitness: f64,
    pub fatigue: f64,
    pub form: f64,
    pub phase: &'static str,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Weekly rows; fitness, fatigue and form as they stand at the end of each week.
pub fn weeks(season: &Season, days: &[Day]) -> Vec<WeekRow> {
    season
        .weeks()
        .iter()
        .map(|w| {
            let end = kneadtime_domain::season::add_days(w.start, 6);
            let at = days.iter().take_while(|d| d.date <= end).last();
            WeekRow {
                week_start: w.start,
                sessions: w.sessions,
                distance_km: round1(w.distance_km),
                load: round1(w.load),
                fitness: round1(at.map_or(0.0, |d| d.fitness)),
                fatigue: round1(at.map_or(0.0, |d| d.fatigue)),
                form: round1(at.map_or(0.0, |d| d.form)),
                phase: w.phase.as_str(),
            }
        })
        .collect()
}

pub fn load_json(h: &History, weeks: &[WeekRow]) -> serde_json::Value {
    let failed: Vec<_> = h
        .report
        .failed
        .iter()
        .map(|f| serde_json::json!({ "file": f.file, "error": f.error }))
        .collect();
    let skipped: Vec<_> = h
        .report
        .skipped
        .iter()
        .map(|f| serde_json::json!({ "file": f.file, "reason": f.error }))
        .collect();
    serde_json::json!({
        "imported": h.report.activities.len(),
        "duplicates": h.report.duplicates,
        "failed": failed,
        "skipped": skipped,
        "physiology": h.physiology,
        "weeks": weeks,
    })
}

pub fn load_table(h: &History, weeks: &[WeekRow], chart: Option<&Path>) -> String {
    let mut o = String::new();
    let r = &h.report;
    let _ = writeln!(
        o,
        "Imported {} activit{}; {} duplicate{} skipped; {} not an activity; {} failed.",
        r.activities.len(),
        if r.activities.len() == 1 { "y" } else { "ies" },
        r.duplicates,
        if r.duplicates == 1 { "" } else { "s" },
        r.skipped.len(),
        r.failed.len()
    );
    for f in &r.failed {
        let _ = writeln!(o, "  failed  {}: {}", f.file, f.error);
    }
    for f in &r.skipped {
        let _ = writeln!(o, "  skipped {}: {}", f.file, f.error);
    }
    for n in &h.physiology.notes {
        let _ = writeln!(o, "  note: {n}");
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<11} {:>4} {:>7} {:>6} {:>8} {:>8} {:>6}  Phase",
        "Week of", "Sess", "km", "Load", "Fitness", "Fatigue", "Form"
    );
    let mut quiet = 0usize;
    let flush = |o: &mut String, quiet: &mut usize| {
        if *quiet > 0 {
            let _ = writeln!(
                o,
                "{:<11} … {} quiet week{} …",
                "",
                quiet,
                if *quiet == 1 { "" } else { "s" }
            );
            *quiet = 0;
        }
    };
    for (i, w) in weeks.iter().enumerate() {
        // Collapse runs of empty weeks once fitness has faded (keep the last week).
        let empty = w.sessions == 0 && w.fitness.abs() < 1.0 && w.fatigue.abs() < 1.0;
        if empty && i + 1 < weeks.len() {
            quiet += 1;
            continue;
        }
        flush(&mut o, &mut quiet);
        let _ = writeln!(
            o,
            "{:<11} {:>4} {:>7.1} {:>6.0} {:>8.1} {:>8.1} {:>6.1}  {}",
            w.week_start.to_string(),
            w.sessions,
            w.distance_km,
            w.load,
            w.fitness,
            w.fatigue,
            w.form,
            w.phase.replace('_', " ")
        );
    }
    if let Some(p) = chart {
        let _ = writeln!(o, "\nChart written to {}", p.display());
    }
    o
}
