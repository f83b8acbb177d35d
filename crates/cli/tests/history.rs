//! `kneadtime load` and `plan --history` driven as a runner would, on the real activity
//! files in testdata/realdata.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn realdata() -> PathBuf {
    root().join("testdata/realdata")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kneadtime"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// A folder with the real activity files (good and bad) copied in.
fn history_dir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "kneadtime-hist-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    for e in std::fs::read_dir(realdata()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("fit_") || name.starts_with("tcx_") || name.starts_with("gpx") {
            if name.ends_with(".csv") {
                continue;
            }
            std::fs::copy(&p, d.join(&name)).unwrap();
        }
    }
    d
}

#[test]
fn load_imports_the_real_files_and_reports_the_bad_ones() {
    let dir = history_dir();
    let o = run(&[
        "load",
        "--history",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--tz",
        "UTC",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let imported = v["imported"].as_u64().unwrap();
    assert!(imported >= 15, "most real files are activities: {imported}");
    let failed = v["failed"].as_array().unwrap();
    let names: Vec<&str> = failed.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("tcx_bad_malformed_no_root")),
        "{names:?}"
    );
    assert!(
        failed
            .iter()
            .all(|f| !f["error"].as_str().unwrap().is_empty())
    );
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains("fit_planned_workout") && skipped.contains("fit_monitoring"),
        "{skipped}"
    );
    let weeks = v["weeks"].as_array().unwrap();
    assert!(!weeks.is_empty());
    for w in weeks {
        for k in [
            "week_start",
            "sessions",
            "distance_km",
            "load",
            "fitness",
            "fatigue",
            "form",
            "phase",
        ] {
            assert!(!w[k].is_null(), "{k} in {w}");
        }
    }
    assert!(weeks.iter().any(|w| w["load"].as_f64().unwrap() > 0.0));
}

#[test]
fn load_writes_a_chart() {
    let dir = history_dir();
    let svg = dir.join("load.svg");
    let o = run(&[
        "load",
        "--history",
        dir.to_str().unwrap(),
        "--chart",
        svg.to_str().unwrap(),
        "--tz",
        "UTC",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    assert!(text.contains("polyline"), "fitness and fatigue lines");
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("Fitness") && table.contains("Chart written to"));
}

#[test]
fn plan_takes_history_and_a_calendar_together() {
    let dir = history_dir();
    let cal = root().join("examples/marathon-18-weeks.ics");
    let o = run(&[
        "plan",
        "--history",
        dir.to_str().unwrap(),
        "--calendar",
        cal.to_str().unwrap(),
        "--today",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("Recorded history")
    );
    assert!(
        v["massages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "pre_event")
    );
}

#[test]
fn a_missing_history_path_is_bad_input() {
    let o = run(&["load", "--history", "/no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/folder"));
}
