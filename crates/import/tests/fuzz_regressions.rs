//! Inputs the fuzzers found trouble with, kept so the trouble stays fixed: each is read
//! and planned as the fuzz target does.
//!
//! - `csv-year-1013-timeout.csv`: one mistyped year (1013 for 2027) made the season span
//!   a thousand years, and reading phases compared every week with every other one:
//!   minutes of work. Phases now read only the weeks of each race's block.

use std::path::Path;

use kneadtime_domain::{PlanRequest, Profile, Season, classify, plan};

#[test]
fn fuzz_found_inputs_read_and_plan() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = if name.ends_with(".csv") {
            kneadtime_import::parse_csv(&text, &name, Some(&tz))
        } else {
            kneadtime_import::parse_ics(&text, &name, Some(&tz))
        };
        if let Ok(cal) = parsed {
            let sessions = cal.entries.iter().map(classify).collect();
            let season = Season::new(sessions, &[], &Profile::default());
            let p = plan(&season, &PlanRequest::default());
            assert!(p.from <= p.to, "{name}");
        }
        n += 1;
    }
    assert!(n >= 1);
}
