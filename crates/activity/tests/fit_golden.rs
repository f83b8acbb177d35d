//! Golden test: fit_run_fenix5_short.fit against the per-record values python-fitparse
//! wrote in fit_run_fenix5_short_records.csv (timestamps in PDT, heart rate per record).

use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};
use kneadtime_activity::{Sport, parse_fit};

fn realdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata")
}

/// (seconds of the day, heart rate) for each record of the CSV.
fn expected_records() -> Vec<(i64, f64)> {
    let text =
        std::fs::read_to_string(realdata().join("fit_run_fenix5_short_records.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (ts_col, hr_col) = (
        header.iter().position(|h| *h == "timestamp").unwrap(),
        header.iter().position(|h| *h == "heart_rate").unwrap(),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            // "Sun Jun 11 07:34:09 PDT 2017"
            let hms: Vec<i64> = cols[ts_col]
                .split(' ')
                .nth(3)
                .unwrap()
                .split(':')
                .map(|x| x.parse().unwrap())
                .collect();
            (
                hms[0] * 3600 + hms[1] * 60 + hms[2],
                cols[hr_col].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn fenix5_records_match_the_reference_csv() {
    let records = expected_records();
    assert_eq!(records.len(), 21, "the reference CSV has 21 records");
    assert_eq!((records[0].1, records[20].1), (61.0, 112.0));

    let bytes = std::fs::read(realdata().join("fit_run_fenix5_short.fit")).unwrap();
    let pdt = TimeZone::fixed(offset(-7));
    let acts = parse_fit(&bytes, "fenix5.fit", &pdt).unwrap();
    assert_eq!(acts.len(), 1);
    let a = &acts[0];
    assert_eq!(a.sport, Sport::Run);
    assert_eq!(a.name, "Run");
    assert_eq!(&*a.origin.file, "fenix5.fit");

    // The local start in PDT is the first record's time in the CSV.
    let first = records[0].0;
    assert_eq!(a.start, "2017-06-11T07:34:09".parse::<DateTime>().unwrap());
    assert_eq!(
        i64::from(a.start.hour()) * 3600
            + i64::from(a.start.minute()) * 60
            + i64::from(a.start.second()),
        first
    );
    assert_eq!(a.elapsed_s, 56.887);
    assert_eq!(a.distance_m, Some(157.56));
    assert_eq!(a.elevation_gain_m, Some(2.0));
    assert_eq!((a.avg_hr, a.max_hr), (Some(90.0), Some(112.0)));

    // Histogram: each record's heart rate for the seconds until the next record; the
    // last record (07:35:06) is after the session's end (07:35:05.887) so adds nothing.
    let mut want = vec![0.0f32; 256];
    for w in records.windows(2) {
        want[w[0].1 as usize] += (w[1].0 - w[0].0).min(30) as f32;
    }
    assert_eq!(a.hr_seconds, want);
    let total: f32 = a.hr_seconds.iter().sum();
    assert_eq!(total as i64, records[20].0 - records[0].0);
    assert_eq!(
        a.hr_seconds[61], 2.0,
        "two records at 61 bpm, one second each"
    );
}
