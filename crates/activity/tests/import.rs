//! `import_paths` and `read_activity_file` end to end: gzip, folders with a corrupt file,
//! duplicates, Strava exports, unsupported and missing paths.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};
use kneadtime_activity::{ErrorKind, Sport, import_paths, read_activity_file};

fn realdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/realdata")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh, empty scratch folder for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("activity-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip_to(src: &Path, dst: &Path) {
    let data = std::fs::read(src).unwrap();
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(dst).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&data).unwrap();
    enc.finish().unwrap();
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::write(&to, std::fs::read(e.path()).unwrap()).unwrap();
        }
    }
}

#[test]
fn gzipped_files_read_like_the_originals() {
    let dir = scratch("gzip");
    for name in [
        "fit_run_fenix2_hr.fit",
        "tcx_run_garmin_connect.tcx",
        "gpx_run_strava_hr_pauses.gpx",
    ] {
        let gz = dir.join(format!("{}.GZ", name.replace('.', "-copy.")));
        gzip_to(&realdata(name), &gz);
        let mut plain = read_activity_file(&realdata(name), &TimeZone::UTC).unwrap();
        let zipped = read_activity_file(&gz, &TimeZone::UTC).unwrap();
        assert_eq!(&*zipped[0].origin.file, gz.display().to_string());
        plain[0].origin = zipped[0].origin.clone();
        assert_eq!(plain, zipped, "{name}");
    }

    // A gzip cut in half fails clearly.
    let gz = dir.join("fit_run_fenix2_hr-copy.fit.GZ");
    let bytes = std::fs::read(&gz).unwrap();
    let cut = dir.join("cut.fit.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_activity_file(&cut, &TimeZone::UTC).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(
        err.message
            .starts_with("gzip: corrupt or truncated compressed data"),
        "{err}"
    );
}

#[test]
fn a_folder_with_a_corrupt_file_still_imports_the_rest() {
    let dir = scratch("folder");
    std::fs::copy(realdata("fit_run_fenix5_short.fit"), dir.join("a.fit")).unwrap();
    std::fs::copy(realdata("tcx_run_garmin_connect.tcx"), dir.join("b.tcx")).unwrap();
    std::fs::copy(
        realdata("fit_planned_workout_repeat_steps.fit"),
        dir.join("plan.fit"),
    )
    .unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    gzip_to(
        &realdata("gpx_run_tomtom_no_hr.gpx"),
        &dir.join("sub/c.gpx.gz"),
    );
    // A FIT file cut inside its first definition message, a GPX cut in half, garbage.
    let fit = std::fs::read(realdata("fit_run_fenix2_hr.fit")).unwrap();
    std::fs::write(dir.join("sub/broken.fit"), &fit[..20]).unwrap();
    let gpx = std::fs::read(realdata("gpx_run_nike_hr.gpx")).unwrap();
    std::fs::write(dir.join("half.gpx"), &gpx[..gpx.len() / 2]).unwrap();
    std::fs::write(dir.join("junk.fit"), b"this is not a fit file at all").unwrap();
    // Ignored by the walk: other file types and hidden files.
    std::fs::write(dir.join("notes.txt"), b"hello").unwrap();
    std::fs::write(dir.join("._a.fit"), b"macOS resource fork").unwrap();

    let report = import_paths(std::slice::from_ref(&dir), &TimeZone::UTC, false);
    let starts: Vec<String> = report
        .activities
        .iter()
        .map(|a| a.start.to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "2017-05-27T08:13:01",
            "2017-06-11T14:34:09",
            "2018-11-25T07:20:49"
        ]
    );
    assert_eq!(report.duplicates, 0);

    let mut failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| {
            (
                Path::new(&f.file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f.error.clone(),
            )
        })
        .collect();
    failed.sort();
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert_eq!(failed[0].0, "broken.fit");
    assert_eq!(
        failed[0].1,
        "truncated: file ends in the middle of a record"
    );
    assert_eq!(failed[1].0, "half.gpx");
    assert!(
        failed[1].1.starts_with("truncated: GPX ends "),
        "{}",
        failed[1].1
    );
    assert_eq!(
        failed[2],
        (
            "junk.fit".into(),
            "not a FIT file: header is missing the .FIT signature".into()
        )
    );

    assert_eq!(report.skipped.len(), 1);
    assert!(report.skipped[0].file.ends_with("plan.fit"));
    assert!(report.skipped[0].error.contains("workout plan"));
}

#[test]
fn the_same_activity_twice_is_kept_once() {
    let dir = scratch("dups");
    for sub in ["phone", "watch"] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::fs::copy(
            realdata("fit_run_fr110_hr.fit"),
            dir.join(sub).join("run.fit"),
        )
        .unwrap();
    }
    // The same run as GPX would not be a duplicate of a bike ride at the same time.
    let report = import_paths(
        &[
            dir.join("phone"),
            dir.join("watch"),
            dir.join("phone/run.fit"),
        ],
        &TimeZone::UTC,
        false,
    );
    assert_eq!(report.activities.len(), 1);
    // phone/run.fit named twice is read once; watch/run.fit is the duplicate.
    assert_eq!(report.duplicates, 1);
    assert!(report.failed.is_empty() && report.skipped.is_empty());
}

#[test]
fn duplicates_need_same_sport_close_start_and_similar_length() {
    // The TCX with heart rate and its HR-less twin: one kept, the richer one.
    let report = import_paths(
        &[
            realdata("tcx_no_hr.tcx"),
            realdata("tcx_run_hr_tcxparser.tcx"),
        ],
        &TimeZone::UTC,
        false,
    );
    assert_eq!((report.activities.len(), report.duplicates), (1, 1));
    assert!(!report.activities[0].hr_seconds.is_empty());

    // Different activities on the same day stay apart.
    let report = import_paths(
        &[
            realdata("fit_multisport_triathlon_fenix2.fit"),
            realdata("fit_chained_multi_header_tri.fit"),
        ],
        &TimeZone::UTC,
        false,
    );
    assert_eq!((report.activities.len(), report.duplicates), (7, 0));
}

#[test]
fn strava_export_folder() {
    let export = fixture("strava_export");
    let report = import_paths(std::slice::from_ref(&export), &TimeZone::UTC, false);
    assert!(
        report.failed.is_empty() && report.skipped.is_empty(),
        "{report:#?}"
    );
    assert_eq!(report.duplicates, 0);
    let acts = &report.activities;
    assert_eq!(acts.len(), 3);

    // Row 1: from the gzipped FIT, named by the CSV.
    let fit = &acts[0];
    assert_eq!(
        (fit.name.as_str(), fit.sport),
        ("Parkrun warm-up", Sport::Run)
    );
    assert_eq!(
        fit.start,
        "2017-06-11T14:34:09".parse::<DateTime>().unwrap()
    );
    assert_eq!(
        fit.elapsed_s, 56.887,
        "the file's own values win over the CSV's rounding"
    );
    assert!(!fit.hr_seconds.is_empty());
    assert!(fit.origin.file.ends_with("1111.fit.gz") && fit.origin.line.is_none());

    // Row 2: from the GPX, with the CSV's (quoted, comma-holding) name.
    let gpx = &acts[1];
    assert_eq!(gpx.name, "Lunch jog, easy");
    assert_eq!(gpx.max_hr, Some(130.0));
    assert!(gpx.origin.file.ends_with("2222.gpx"));

    // Row 3: no file, built from the CSV columns alone.
    let ride = &acts[2];
    assert_eq!(
        (ride.name.as_str(), ride.sport),
        ("Morning Ride", Sport::Bike)
    );
    assert_eq!(
        ride.start,
        "2024-01-02T07:03:12".parse::<DateTime>().unwrap()
    );
    assert_eq!(ride.elapsed_s, 3600.0);
    assert_eq!(ride.moving_s, Some(3400.0));
    assert_eq!(
        ride.distance_m,
        Some(30512.5),
        "metres from the second Distance column"
    );
    assert_eq!(ride.elevation_gain_m, Some(250.0));
    assert_eq!((ride.avg_hr, ride.max_hr), (Some(135.0), Some(160.0)));
    assert!(ride.hr_seconds.is_empty());
    assert!(ride.origin.file.ends_with("activities.csv"));
    assert_eq!(ride.origin.line, Some(4));
}

#[test]
fn strava_csv_itself_and_zone() {
    let csv = fixture("strava_export/activities.csv");
    let cet = TimeZone::fixed(offset(1));
    let report = import_paths(&[csv], &cet, false);
    assert_eq!(report.activities.len(), 3);
    assert_eq!(
        report.activities[2].start,
        "2024-01-02T08:03:12".parse::<DateTime>().unwrap()
    );

    // The export folder, its CSV and one of its files: each activity read once.
    let export = fixture("strava_export");
    let report = import_paths(
        &[
            export.clone(),
            export.join("activities.csv"),
            export.join("activities/2222.gpx"),
        ],
        &TimeZone::UTC,
        false,
    );
    assert_eq!((report.activities.len(), report.duplicates), (3, 0));
}

#[test]
fn strava_export_copied_twice_counts_duplicates() {
    let dir = scratch("strava-twice");
    copy_dir(&fixture("strava_export"), &dir.join("2023"));
    copy_dir(&fixture("strava_export"), &dir.join("2024"));
    let report = import_paths(&[dir], &TimeZone::UTC, false);
    assert_eq!((report.activities.len(), report.duplicates), (3, 3));
    assert!(report.failed.is_empty());
}

#[test]
fn strava_row_with_a_broken_file_falls_back_to_the_csv() {
    let dir = scratch("strava-broken");
    copy_dir(&fixture("strava_export"), &dir);
    std::fs::write(dir.join("activities/1111.fit.gz"), b"not gzip").unwrap();
    let report = import_paths(&[dir], &TimeZone::UTC, false);
    assert_eq!(report.activities.len(), 3);
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].file.ends_with("1111.fit.gz"));
    let row = &report.activities[0];
    assert_eq!(
        (row.name.as_str(), row.elapsed_s, row.distance_m),
        ("Parkrun warm-up", 57.0, Some(157.56))
    );
    assert_eq!(row.origin.line, Some(2));
}

#[test]
fn strava_csv_with_a_bad_date_reports_the_row() {
    let dir = scratch("strava-bad-date");
    std::fs::write(
        dir.join("activities.csv"),
        "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n\
         1,\"Jan 2, 2024, 7:03:12 AM\",Run,Run,1800,5.0,\n\
         2,someday,Jog,Run,1800,5.0,\n",
    )
    .unwrap();
    let report = import_paths(std::slice::from_ref(&dir), &TimeZone::UTC, false);
    assert_eq!(report.activities.len(), 1);
    assert_eq!(
        report.activities[0].distance_m,
        Some(5000.0),
        "the only Distance column is kilometres"
    );
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].file.ends_with("activities.csv line 3"),
        "{:?}",
        report.failed
    );
    assert_eq!(report.failed[0].error, "unreadable Activity Date 'someday'");

    // A CSV that is not a Strava export.
    std::fs::write(dir.join("activities.csv"), "date,title\n2024-01-01,Run\n").unwrap();
    let report = import_paths(&[dir], &TimeZone::UTC, false);
    assert!(report.activities.is_empty());
    assert!(
        report.failed[0]
            .error
            .starts_with("activities.csv: no 'Activity Date' column")
    );
}

#[test]
fn missing_and_unsupported_paths() {
    let dir = scratch("missing");
    std::fs::write(dir.join("plan.ics"), b"BEGIN:VCALENDAR").unwrap();
    let report = import_paths(
        &[dir.join("nope.fit"), dir.join("plan.ics")],
        &TimeZone::UTC,
        false,
    );
    assert!(report.activities.is_empty());
    assert_eq!(report.failed.len(), 2);
    assert_eq!(report.failed[0].error, "no such file or folder");
    assert!(report.failed[1].error.starts_with("unsupported file type"));

    let err = read_activity_file(&dir.join("plan.ics"), &TimeZone::UTC).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    let err = read_activity_file(&dir.join("nope.gpx"), &TimeZone::UTC).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read", dir.join("nope.gpx").display()))
    );
}

#[test]
fn progress_bar_does_not_change_the_result() {
    let paths = [
        realdata("fit_run_fr110_hr.fit"),
        realdata("gpx_run_nike_hr.gpx"),
    ];
    let quiet = import_paths(&paths, &TimeZone::UTC, false);
    let shown = import_paths(&paths, &TimeZone::UTC, true);
    assert_eq!(quiet.activities, shown.activities);
}
