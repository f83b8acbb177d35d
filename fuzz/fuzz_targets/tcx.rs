//! Fuzzes the .tcx decoder: any bytes give activities or a clear error, never a panic.
//! The library turns a decoder panic into an "internal" error so an import goes on;
//! here that counts as a crash.
#![no_main]

use kneadtime_activity::ErrorKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    match kneadtime_activity::parse_tcx(data, "fuzz.tcx", &tz) {
        Ok(acts) => {
            let p = kneadtime_domain::load::physiology(&kneadtime_domain::load::Athlete::default(), &acts);
            let _ = kneadtime_domain::load::understand(&acts, &p);
        }
        Err(e) if e.kind == ErrorKind::Internal => panic!("the decoder panicked: {e}"),
        Err(_) => {}
    }
});
