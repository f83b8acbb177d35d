//! Damaged input never panics: every real FIT/TCX/GPX file cut short at many points and
//! with bytes overwritten must come back as `Ok` or a clear `Err`, never a panic.

use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use kneadtime_activity::{Activity, ActivityError, ErrorKind, parse_fit, parse_gpx, parse_tcx};

fn realdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata")
}

type Parser = fn(&[u8], &str, &TimeZone) -> Result<Vec<Activity>, ActivityError>;

fn parser_for(name: &str) -> Option<Parser> {
    match name.rsplit_once('.')?.1 {
        "fit" => Some(parse_fit),
        "tcx" => Some(parse_tcx),
        "gpx" => Some(parse_gpx),
        _ => None,
    }
}

/// A small deterministic generator (no rand dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn check(name: &str, parse: Parser, bytes: &[u8], what: &str) {
    let result = std::panic::catch_unwind(|| parse(bytes, name, &TimeZone::UTC));
    match result {
        Err(_) => panic!("{name} {what}: panicked"),
        Ok(Err(e)) => {
            assert_ne!(
                e.kind,
                ErrorKind::Internal,
                "{name} {what}: a decoder panicked: {e}"
            );
            assert!(!e.message.is_empty(), "{name} {what}: empty error message");
        }
        Ok(Ok(acts)) => {
            for a in acts {
                assert!(
                    a.elapsed_s.is_finite() && a.elapsed_s > 0.0,
                    "{name} {what}: elapsed {}",
                    a.elapsed_s
                );
                assert!(
                    a.start.year() >= 1989 && a.start.year() <= 2081,
                    "{name} {what}: start {}",
                    a.start
                );
            }
        }
    }
}

#[test]
fn cut_and_corrupted_files_never_panic() {
    let mut rng = Lcg(0x6b6e_6561_6474_696d);
    let mut files: Vec<PathBuf> = std::fs::read_dir(realdata())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(parse) = parser_for(&name) else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        // Big files: fewer rounds, so the test stays quick in debug builds.
        let rounds = if bytes.len() > 200_000 { 3 } else { 12 };
        for i in 0..rounds {
            let cut = (rng.next() as usize) % bytes.len().max(1);
            check(&name, parse, &bytes[..cut], &format!("cut at {cut}"));
            let mut flipped = bytes.clone();
            for _ in 0..=i {
                let at = (rng.next() as usize) % flipped.len().max(1);
                flipped[at] = rng.next() as u8;
            }
            check(
                &name,
                parse,
                &flipped,
                &format!("round {i} with overwritten bytes"),
            );
        }
        for cut in [0, 1, 11, 12, 13, 14, 15, 40] {
            check(
                &name,
                parse,
                &bytes[..cut.min(bytes.len())],
                &format!("cut at {cut}"),
            );
        }
    }
}

#[test]
fn header_damage_gets_a_clear_message() {
    let fit = std::fs::read(realdata().join("fit_run_fenix5_short.fit")).unwrap();
    let e = parse_fit(&fit[..10], "x.fit", &TimeZone::UTC).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.fit: truncated: too short to hold a FIT header"
    );
    let mut bad = fit.clone();
    bad[9] = b'X';
    let e = parse_fit(&bad, "x.fit", &TimeZone::UTC).unwrap_err();
    assert_eq!(
        e.message,
        "not a FIT file: header is missing the .FIT signature"
    );
    // Cut right after the header: nothing decodable at all.
    let e = parse_fit(&fit[..16], "x.fit", &TimeZone::UTC).unwrap_err();
    assert_eq!(e.message, "truncated: file ends in the middle of a record");

    let e = parse_gpx(b"", "x.gpx", &TimeZone::UTC).unwrap_err();
    assert_eq!(e.message, "GPX: no XML element in the file");
    let e = parse_tcx(b"<gpx/>", "x.tcx", &TimeZone::UTC).unwrap_err();
    assert_eq!(
        e.message,
        "TCX: expected a TrainingCenterDatabase root element, found <gpx>"
    );
}
