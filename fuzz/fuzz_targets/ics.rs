//! Fuzzes the .ics reader: any bytes give entries or a clear error, never a panic; what
//! it reads also plans without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    if let Ok(cal) = kneadtime_import::parse_ics(text, "fuzz.ics", Some(&tz)) {
        let sessions = cal.entries.iter().map(kneadtime_domain::classify).collect();
        let season = kneadtime_domain::Season::new(sessions, &[], &kneadtime_domain::Profile::default());
        let _ = kneadtime_domain::plan(&season, &kneadtime_domain::PlanRequest::default());
    }
});
