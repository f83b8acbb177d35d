//! Fuzzes the Strava export's activities.csv reader: any bytes give activities or a
//! clear error, never a panic (a caught panic counts as a crash here).
#![no_main]

use kneadtime_activity::ErrorKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    if let Err(e) = kneadtime_activity::parse_strava_csv(data, "activities.csv", &tz)
        && e.kind == ErrorKind::Internal
    {
        panic!("the reader panicked: {e}");
    }
});
