//! Imports the paths given on the command line and prints what was found (UTC zone
//! unless `TZ_NAME` names an IANA zone): `cargo run -p kneadtime-activity --example import -- FILES…`.

use std::io::IsTerminal;
use std::path::PathBuf;

fn main() {
    let tz = std::env::var("TZ_NAME")
        .ok()
        .and_then(|n| jiff::tz::TimeZone::get(&n).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let report = kneadtime_activity::import_paths(&paths, &tz, std::io::stderr().is_terminal());
    for a in &report.activities {
        let hr_s: f32 = a.hr_seconds.iter().sum();
        println!(
            "{} {:<5} {:<28} elapsed {:>7.0}s moving {:>7} dist {:>9} gain {:>6} hr {:>5}/{:>5} hist {:>6.0}s  {}",
            a.start,
            a.sport.as_str(),
            a.name.chars().take(28).collect::<String>(),
            a.elapsed_s,
            fmt(a.moving_s),
            fmt(a.distance_m),
            fmt(a.elevation_gain_m),
            fmt(a.avg_hr),
            fmt(a.max_hr),
            hr_s,
            a.origin.file,
        );
    }
    for f in &report.skipped {
        println!("skipped {}: {}", f.file, f.error);
    }
    for f in &report.failed {
        println!("failed  {}: {}", f.file, f.error);
    }
    println!(
        "{} activities, {} duplicates, {} skipped, {} failed",
        report.activities.len(),
        report.duplicates,
        report.skipped.len(),
        report.failed.len()
    );
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}
