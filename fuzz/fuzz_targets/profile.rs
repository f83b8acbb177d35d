//! Fuzzes the rules-profile reader: any text is a valid profile or a clear error with
//! its line, never a panic; a profile it accepts plans without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = kneadtime_domain::Profile::from_toml(text) {
        let _ = p.to_toml();
        let season = kneadtime_domain::Season::new(Vec::new(), &[], &p);
        let _ = kneadtime_domain::plan(&season, &kneadtime_domain::PlanRequest::default());
    }
});
