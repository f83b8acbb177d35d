//! Every `fit_*`, `tcx_*` and `gpx_*` file in testdata/realdata: what it must import as
//! (sport, local start, duration, distance, heart rate) or why it must be skipped/fail.

use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use jiff::tz::{TimeZone, offset};
use kneadtime_activity::{Activity, ErrorKind, Sport, import_paths, read_activity_file};

fn realdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata")
}

/// One expected activity.
struct A {
    sport: Sport,
    /// Local start in UTC, to the second.
    start: &'static str,
    elapsed: f64,
    distance: Option<f64>,
    /// Whether the heart-rate histogram is filled.
    hr: bool,
}

enum Want {
    Imports(Vec<A>),
    Skipped(&'static str),
    Failed(&'static str),
}

fn a(sport: Sport, start: &'static str, elapsed: f64, distance: Option<f64>, hr: bool) -> A {
    A {
        sport,
        start,
        elapsed,
        distance,
        hr,
    }
}

fn expectations() -> Vec<(&'static str, Want)> {
    use Sport::*;
    use Want::*;
    let tiny_run = || {
        Imports(vec![a(
            Run,
            "2012-04-09T21:22:26",
            13.749,
            Some(5.73),
            false,
        )])
    };
    vec![
        (
            "fit_run_fenix2_hr.fit",
            Imports(vec![a(
                Run,
                "2015-08-15T14:45:08",
                2832.0,
                Some(9008.22),
                true,
            )]),
        ),
        (
            "fit_run_fr110_hr.fit",
            Imports(vec![a(
                Run,
                "2013-02-06T12:11:14",
                2625.14,
                Some(4835.38),
                true,
            )]),
        ),
        (
            "fit_run_stryd_devfields.fit",
            Imports(vec![a(
                Run,
                "2017-01-17T17:06:47",
                3424.0,
                Some(6753.99),
                true,
            )]),
        ),
        (
            "fit_run_fenix5_short.fit",
            Imports(vec![a(
                Run,
                "2017-06-11T14:34:09",
                56.887,
                Some(157.56),
                true,
            )]),
        ),
        // Device clock not set: relative times anchored by activity.local_timestamp
        // (2012-02-13 12:21:03 device-local at the end).
        (
            "fit_run_fr70_compressed_ts.fit",
            Imports(vec![a(
                Run,
                "2012-02-13T11:16:16",
                3883.273,
                Some(10248.67),
                true,
            )]),
        ),
        // Decoding stops at an undefined local message; the session came before it.
        (
            "fit_run_strava_app_undefined_msg.fit",
            Imports(vec![a(
                Run,
                "2021-09-27T14:13:10",
                3558.0,
                Some(11274.04),
                false,
            )]),
        ),
        (
            "fit_multisport_triathlon_fenix2.fit",
            Imports(vec![
                a(Other, "2015-08-29T08:00:01", 11738.24, Some(25072.07), true),
                a(Run, "2015-08-29T10:36:00", 2294.84, Some(2245.23), true),
                a(Run, "2015-08-29T11:14:21", 6764.48, Some(12740.37), true),
                a(Bike, "2015-08-29T13:11:37", 3211.0, Some(28928.27), true),
            ]),
        ),
        (
            "fit_chained_multi_header_tri.fit",
            Imports(vec![
                a(Swim, "2018-05-27T07:33:01", 1987.521, Some(1644.71), true),
                a(Bike, "2018-05-27T08:08:58", 4422.14, Some(40909.42), true),
                a(Run, "2018-05-27T09:23:41", 2850.694, Some(9805.92), true),
            ]),
        ),
        (
            "fit_indoor_rowing_hr.fit",
            Imports(vec![a(Row, "2017-05-18T16:37:30", 1707.308, None, true)]),
        ),
        (
            "fit_bike_edge500_hr.fit",
            Imports(vec![a(
                Bike,
                "2011-06-26T21:18:39",
                11741.57,
                Some(88797.21),
                true,
            )]),
        ),
        (
            "fit_virtual_ride_zwift.fit",
            Imports(vec![a(
                Bike,
                "2017-10-05T00:04:06",
                1807.0,
                Some(13400.14),
                false,
            )]),
        ),
        (
            "fit_pool_swim_fr735.fit",
            Imports(vec![a(
                Swim,
                "2017-06-13T13:42:30",
                4567.485,
                Some(2606.04),
                false,
            )]),
        ),
        (
            "fit_planned_workout_repeat_steps.fit",
            Skipped("not an activity (a workout plan, FIT file type 'workout')"),
        ),
        (
            "fit_planned_workout_individual_steps.fit",
            Skipped("not an activity (a workout plan, FIT file type 'workout')"),
        ),
        (
            "fit_monitoring_not_activity.fit",
            Skipped("not an activity (daily monitoring (wellness) data"),
        ),
        // EOF in the middle of the last message: the session before it imports.
        ("fit_bad_unexpected_eof.fit", tiny_run()),
        // A corrupt second (chained) header: the first file imports.
        ("fit_bad_corrupt_header.fit", tiny_run()),
        // Wrong file CRC: the data decodes, so it imports.
        ("fit_bad_file_crc.fit", tiny_run()),
        // A chained header with no data after a good file.
        ("fit_bad_chained_nodata.fit", tiny_run()),
        // Truncated before its session: derived from the 14,391 records.
        (
            "fit_bike_sigma_truncated.fit",
            Imports(vec![a(
                Bike,
                "2020-09-12T12:23:38",
                16723.0,
                Some(113550.87),
                true,
            )]),
        ),
        (
            "tcx_run_hr_tcxparser.tcx",
            Imports(vec![a(
                Run,
                "2012-12-26T21:29:53",
                1993.0,
                Some(4689.24),
                true,
            )]),
        ),
        (
            "tcx_no_hr.tcx",
            Imports(vec![a(
                Run,
                "2012-12-26T21:29:53",
                1993.0,
                Some(4689.24),
                false,
            )]),
        ),
        (
            "tcx_sport_other_sup.tcx",
            Imports(vec![a(
                Other,
                "2022-07-16T16:08:25",
                1114.0,
                Some(1157.51),
                true,
            )]),
        ),
        (
            "tcx_run_garmin_connect.tcx",
            Imports(vec![a(
                Run,
                "2018-11-25T07:20:49",
                823.0,
                Some(2153.67),
                true,
            )]),
        ),
        (
            "tcx_run_2020-12-16.tcx",
            Imports(vec![a(
                Run,
                "2020-12-16T08:44:18",
                2494.0,
                Some(6051.70),
                true,
            )]),
        ),
        (
            "tcx_bad_malformed_no_root.tcx",
            Failed("TCX: expected a TrainingCenterDatabase root element, found <Activities>"),
        ),
        (
            "gpx_run_strava_hr_pauses.gpx",
            Imports(vec![a(
                Run,
                "2021-01-10T08:54:28",
                5127.0,
                Some(12594.6),
                true,
            )]),
        ),
        (
            "gpx_run_garmin_connect_hr.gpx",
            Imports(vec![a(Run, "2018-02-21T14:30:50", 2.0, Some(4.7), true)]),
        ),
        (
            "gpx_run_tomtom_no_hr.gpx",
            Imports(vec![a(
                Run,
                "2017-05-27T08:13:01",
                1423.0,
                Some(4806.8),
                false,
            )]),
        ),
        (
            "gpx_run_nike_hr.gpx",
            Imports(vec![a(
                Run,
                "2021-07-04T11:23:19",
                3170.0,
                Some(8248.1),
                true,
            )]),
        ),
        (
            "gpx_empty_segment.gpx",
            Imports(vec![a(Run, "2013-07-06T17:26:26", 76.0, Some(85.9), false)]),
        ),
        // HR only on a waypoint and no track at all: nothing to import.
        (
            "gpx_runkeeper_wpt_hr.gpx",
            Skipped("no timed track points: nothing to import"),
        ),
        // Read past its byte order mark; holds only a waypoint.
        (
            "gpx_unicode_bom.gpx",
            Skipped("no timed track points: nothing to import"),
        ),
        // GPX 1.0 namespace; its one track point has a time but gives no duration.
        (
            "gpx10_all_fields.gpx",
            Skipped("only one timed track point: no duration to import"),
        ),
    ]
}

fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    (got - want).abs() <= abs.max(rel * want.abs())
}

fn check(file: &str, acts: &[Activity], want: &[A]) {
    assert_eq!(acts.len(), want.len(), "{file}: activity count: {acts:#?}");
    for (i, (got, w)) in acts.iter().zip(want).enumerate() {
        let ctx = format!("{file} #{i}");
        assert_eq!(got.sport, w.sport, "{ctx}: sport");
        let start: DateTime = w.start.parse().unwrap();
        assert_eq!(
            got.start.round(jiff::Unit::Second).unwrap(),
            start,
            "{ctx}: local start"
        );
        assert!(
            close(got.elapsed_s, w.elapsed, 0.0, 1.0),
            "{ctx}: elapsed {} want {}",
            got.elapsed_s,
            w.elapsed
        );
        match (got.distance_m, w.distance) {
            (Some(g), Some(d)) => assert!(close(g, d, 0.01, 1.0), "{ctx}: distance {g} want {d}"),
            (g, d) => assert_eq!(g, d, "{ctx}: distance"),
        }
        assert_eq!(
            !got.hr_seconds.is_empty(),
            w.hr,
            "{ctx}: heart-rate histogram present"
        );
        if w.hr {
            let total: f32 = got.hr_seconds.iter().sum();
            assert!(
                total > 0.0 && f64::from(total) <= got.elapsed_s + 30.0,
                "{ctx}: histogram total {total}"
            );
            let (avg, max) = (got.avg_hr.unwrap(), got.max_hr.unwrap());
            assert!(
                (50.0..=200.0).contains(&avg) && avg <= max && max <= 220.0,
                "{ctx}: hr {avg}/{max}"
            );
        }
        if let Some(m) = got.moving_s {
            assert!(
                m > 0.0 && m <= got.elapsed_s + 2.0,
                "{ctx}: moving {m} vs elapsed {}",
                got.elapsed_s
            );
        }
        assert!(
            got.origin.file.ends_with(file) && got.origin.line.is_none(),
            "{ctx}: origin {:?}",
            got.origin
        );
    }
}

#[test]
fn every_realdata_activity_file_has_an_expectation() {
    let table = expectations();
    let mut missing = Vec::new();
    for e in std::fs::read_dir(realdata()).expect("testdata/realdata in the repository") {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let activity_file =
            ["fit_", "tcx_", "gpx"].iter().any(|p| name.starts_with(p)) && !name.ends_with(".csv");
        if activity_file && !table.iter().any(|(f, _)| *f == name) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "realdata files without an expectation: {missing:?}"
    );
}

#[test]
fn realdata_files_import_skip_or_fail_as_expected() {
    for (file, want) in expectations() {
        let got = read_activity_file(&realdata().join(file), &TimeZone::UTC);
        match (&want, got) {
            (Want::Imports(w), Ok(acts)) => check(file, &acts, w),
            (Want::Skipped(msg), Err(e)) => {
                assert_eq!(e.kind, ErrorKind::NotAnActivity, "{file}: {e}");
                assert!(e.message.starts_with(msg), "{file}: {e}");
            }
            (Want::Failed(msg), Err(e)) => {
                assert_eq!(e.kind, ErrorKind::Invalid, "{file}: {e}");
                assert!(e.message.starts_with(msg), "{file}: {e}");
                assert_eq!(
                    e.to_string(),
                    format!("{}: {}", realdata().join(file).display(), e.message)
                );
            }
            (_, got) => panic!("{file}: unexpected outcome {got:#?}"),
        }
    }
}

#[test]
fn session_values_are_taken_from_the_fit_summary() {
    let acts =
        read_activity_file(&realdata().join("fit_bike_edge500_hr.fit"), &TimeZone::UTC).unwrap();
    let a = &acts[0];
    assert_eq!(a.name, "Cycling");
    assert_eq!(a.moving_s, Some(10699.36));
    assert_eq!(a.elevation_gain_m, Some(299.0));
    assert_eq!((a.avg_hr, a.max_hr), (Some(166.0), Some(191.0)));

    // A pool swim: heart rate summary from the session, but no per-record HR.
    let acts =
        read_activity_file(&realdata().join("fit_pool_swim_fr735.fit"), &TimeZone::UTC).unwrap();
    assert_eq!((acts[0].avg_hr, acts[0].max_hr), (Some(142.0), Some(161.0)));
    assert_eq!(acts[0].moving_s, Some(4371.56));
    assert_eq!(acts[0].name, "Pool Swim");

    // Zwift writes 0 for "no heart rate": that is absent, not zero.
    let acts = read_activity_file(
        &realdata().join("fit_virtual_ride_zwift.fit"),
        &TimeZone::UTC,
    )
    .unwrap();
    assert_eq!((acts[0].avg_hr, acts[0].max_hr), (None, None));
}

#[test]
fn multisport_sessions_are_named_and_transitions_dropped() {
    let acts = read_activity_file(
        &realdata().join("fit_chained_multi_header_tri.fit"),
        &TimeZone::UTC,
    )
    .unwrap();
    let names: Vec<&str> = acts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Open Water", "Bike", "Run"]);
    assert_eq!((acts[2].avg_hr, acts[2].max_hr), (Some(176.0), Some(187.0)));
    // The run's records fall inside its session only: its histogram covers its time.
    let run_hr: f32 = acts[2].hr_seconds.iter().sum();
    assert!(
        (f64::from(run_hr) - acts[2].elapsed_s).abs() < 30.0,
        "{run_hr}"
    );

    let rowing =
        read_activity_file(&realdata().join("fit_indoor_rowing_hr.fit"), &TimeZone::UTC).unwrap();
    assert_eq!(rowing[0].name, "Indoor Rowing");
}

#[test]
fn fit_start_is_converted_to_the_runners_zone() {
    let path = realdata().join("fit_run_fenix2_hr.fit");
    let tz = TimeZone::get("Europe/Oslo").unwrap_or_else(|_| TimeZone::fixed(offset(2)));
    let acts = read_activity_file(&path, &tz).unwrap();
    assert_eq!(
        acts[0].start,
        "2015-08-15T16:45:08".parse::<DateTime>().unwrap()
    );

    // Relative (clock-not-set) times are the device's own local time, whatever the zone.
    let fr70 = realdata().join("fit_run_fr70_compressed_ts.fit");
    for tz in [TimeZone::UTC, TimeZone::fixed(offset(-8))] {
        let acts = read_activity_file(&fr70, &tz).unwrap();
        assert_eq!(
            acts[0].start,
            "2012-02-13T11:16:16".parse::<DateTime>().unwrap()
        );
    }
}

#[test]
fn truncated_fit_without_session_is_derived_from_records() {
    let acts = read_activity_file(
        &realdata().join("fit_bike_sigma_truncated.fit"),
        &TimeZone::UTC,
    )
    .unwrap();
    let a = &acts[0];
    assert_eq!(a.name, "Cycling");
    let moving = a.moving_s.unwrap();
    // The file has many timer stops: moving time is well under elapsed.
    assert!(
        moving > 0.75 * a.elapsed_s && moving < 0.95 * a.elapsed_s,
        "{moving}"
    );
    let gain = a.elevation_gain_m.unwrap();
    assert!((300.0..1500.0).contains(&gain), "{gain}");
}

#[test]
fn strava_fit_with_garbage_2085_record_keeps_the_real_session() {
    let acts = read_activity_file(
        &realdata().join("fit_run_strava_app_undefined_msg.fit"),
        &TimeZone::UTC,
    )
    .unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].start.year(), 2021);
    assert_eq!(acts[0].moving_s, Some(3558.0));
}

#[test]
fn tcx_values() {
    let a = &read_activity_file(&realdata().join("tcx_run_hr_tcxparser.tcx"), &TimeZone::UTC)
        .unwrap()[0];
    assert_eq!(a.name, "Aerobics");
    assert_eq!(a.max_hr, Some(189.0));
    assert!(a.elevation_gain_m.unwrap() > 20.0);

    let sup = &read_activity_file(&realdata().join("tcx_sport_other_sup.tcx"), &TimeZone::UTC)
        .unwrap()[0];
    assert_eq!((sup.name.as_str(), sup.elevation_gain_m), ("Other", None));

    // The file name says the runner was at UTC-3: 05:44 local.
    let dec = &read_activity_file(
        &realdata().join("tcx_run_2020-12-16.tcx"),
        &TimeZone::fixed(offset(-3)),
    )
    .unwrap()[0];
    assert_eq!(
        dec.start,
        "2020-12-16T05:44:18".parse::<DateTime>().unwrap()
    );
    assert_eq!(dec.name, "Running");
    // Laps' timer time excludes the pauses that elapsed time includes.
    assert!(dec.moving_s.unwrap() < dec.elapsed_s - 200.0);
}

#[test]
fn gpx_values() {
    let strava = &read_activity_file(
        &realdata().join("gpx_run_strava_hr_pauses.gpx"),
        &TimeZone::UTC,
    )
    .unwrap()[0];
    assert!(strava.name.starts_with("Ciclofaixa"));
    let moving = strava.moving_s.unwrap();
    assert!(
        moving < strava.elapsed_s - 300.0 && moving > 0.7 * strava.elapsed_s,
        "pauses excluded: {moving}"
    );
    assert_eq!(strava.max_hr, Some(174.0));

    let garmin = &read_activity_file(
        &realdata().join("gpx_run_garmin_connect_hr.gpx"),
        &TimeZone::UTC,
    )
    .unwrap()[0];
    assert_eq!(garmin.name, "Foo Bar");
    // 120 bpm for the first second, 125 for the next; the last point ends the track.
    assert_eq!(
        (
            garmin.hr_seconds[120],
            garmin.hr_seconds[125],
            garmin.hr_seconds[130]
        ),
        (1.0, 1.0, 0.0)
    );
    assert_eq!(garmin.max_hr, Some(130.0));

    let nike =
        &read_activity_file(&realdata().join("gpx_run_nike_hr.gpx"), &TimeZone::UTC).unwrap()[0];
    assert_eq!(
        nike.start,
        "2021-07-04T11:23:19.418".parse::<DateTime>().unwrap()
    );

    let tomtom = &read_activity_file(&realdata().join("gpx_run_tomtom_no_hr.gpx"), &TimeZone::UTC)
        .unwrap()[0];
    assert_eq!((tomtom.avg_hr, tomtom.max_hr), (None, None));
    assert!(tomtom.elevation_gain_m.is_some());
}

#[test]
fn importing_the_whole_realdata_folder() {
    let report = import_paths(&[realdata()], &TimeZone::UTC, false);
    let table = expectations();
    let names = |v: &[kneadtime_activity::ImportFailure]| -> Vec<String> {
        let mut n: Vec<String> = v
            .iter()
            .map(|f| {
                Path::new(&f.file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        n.sort();
        n
    };
    let mut want_skipped: Vec<String> = table
        .iter()
        .filter(|(_, w)| matches!(w, Want::Skipped(_)))
        .map(|(f, _)| f.to_string())
        .collect();
    want_skipped.sort();
    let mut want_failed: Vec<String> = table
        .iter()
        .filter(|(_, w)| matches!(w, Want::Failed(_)))
        .map(|(f, _)| f.to_string())
        .collect();
    want_failed.sort();
    assert_eq!(names(&report.skipped), want_skipped);
    assert_eq!(names(&report.failed), want_failed);

    // Four copies of one small run (fit_bad_*) and tcx_no_hr (the HR file without HR).
    assert_eq!(report.duplicates, 4);
    let total: usize = table
        .iter()
        .map(|(_, w)| if let Want::Imports(v) = w { v.len() } else { 0 })
        .sum();
    assert_eq!(report.activities.len(), total - 4);
    assert!(
        report
            .activities
            .windows(2)
            .all(|w| w[0].start <= w[1].start),
        "sorted by start"
    );
    // Of the TCX pair the richer copy (with heart rate) is kept.
    let tcx: Vec<&Activity> = report
        .activities
        .iter()
        .filter(|a| a.origin.file.ends_with(".tcx"))
        .collect();
    let aerobics = tcx.iter().find(|a| a.name == "Aerobics").unwrap();
    assert!(aerobics.origin.file.ends_with("tcx_run_hr_tcxparser.tcx"));
}
