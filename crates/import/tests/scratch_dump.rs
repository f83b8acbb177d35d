use std::path::Path;
#[test]
fn dump() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n.starts_with("ics_") || n.starts_with("csv_")).collect();
    names.sort();
    let utc = jiff::tz::TimeZone::UTC;
    for n in names {
        let r = kneadtime_import::read_calendar_file(&dir.join(&n), if std::env::var("UTCTZ").is_ok() { Some(&utc) } else { None });
        match r {
            Err(e) => println!("== {n}: ERR {e}"),
            Ok(c) => {
                println!("== {n}: zone={} entries={} warnings={:?}", c.zone, c.entries.len(), c.warnings);
                for e in c.entries.iter().take(40) {
                    println!("   {} {:?} dur={:?} {:?} desc={:?} line={:?}", e.date, e.start, e.duration_min, e.title, e.description.chars().take(300).collect::<String>(), e.origin.line);
                }
            }
        }
    }
}
