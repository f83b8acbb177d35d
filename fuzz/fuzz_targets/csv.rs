//! Fuzzes the .csv reader: any bytes give entries or a clear error, never a panic; what
//! it reads also plans without a panic. A plan laid out by week is read with a race day.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let race_day = Some(jiff::civil::date(2027, 6, 12));
    if let Ok(cal) = kneadtime_import::parse_csv_ending(text, "fuzz.csv", Some(&tz), race_day) {
        let sessions = cal.entries.iter().map(kneadtime_domain::classify).collect();
        let season = kneadtime_domain::Season::new(sessions, &[], &kneadtime_domain::Profile::default());
        let _ = kneadtime_domain::plan(&season, &kneadtime_domain::PlanRequest::default());
    }
});
