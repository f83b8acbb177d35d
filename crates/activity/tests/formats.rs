//! TCX and GPX variants the real files do not cover: GPX 1.0 namespace on a real track,
//! byte order mark, Strava's numeric types, unprefixed `hr`, waypoint-only heart rate,
//! pauses, several TCX activities, truncation, and a FIT cut before its session.

use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use kneadtime_activity::{ErrorKind, Sport, parse_fit, parse_gpx, parse_tcx};

fn realdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/realdata")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(realdata(name)).unwrap()
}

fn gpx(points: &str, extra: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{extra}<trk><name>T</name><trkseg>{points}</trkseg></trk></gpx>"#
    )
}

/// A point every `step` seconds moving `metres` north each step, from 2024-03-01T06:00:00Z.
fn points(n: usize, step: i64, metres: f64, hr: Option<&str>) -> String {
    points_from(0, 50.0, n, step, metres, hr)
}

/// Like [`points`], starting `t0` seconds later at latitude `lat0`.
fn points_from(t0: i64, lat0: f64, n: usize, step: i64, metres: f64, hr: Option<&str>) -> String {
    let mut s = String::new();
    for i in 0..n {
        let lat = lat0 + i as f64 * metres / 111_195.0;
        let t = jiff::Timestamp::from_second(1_709_272_800 + t0 + i as i64 * step).unwrap();
        let ext = hr
            .map(|tag| format!("<extensions><{tag}>150</{tag}></extensions>"))
            .unwrap_or_default();
        s.push_str(&format!(
            r#"<trkpt lat="{lat}" lon="6.0"><ele>100</ele><time>{t}</time>{ext}</trkpt>"#
        ));
    }
    s
}

#[test]
fn gpx_10_namespace_and_bom_read_like_11() {
    let tz = TimeZone::UTC;
    let original = text("gpx_run_tomtom_no_hr.gpx");
    let want = parse_gpx(original.as_bytes(), "t.gpx", &tz).unwrap();
    let v10 = original
        .replace(
            "http://www.topografix.com/GPX/1/1",
            "http://www.topografix.com/GPX/1/0",
        )
        .replace(r#"version="1.1""#, r#"version="1.0""#);
    assert!(v10.contains("GPX/1/0"));
    assert_eq!(parse_gpx(v10.as_bytes(), "t.gpx", &tz).unwrap(), want);
    let bom = format!("\u{feff}{original}");
    assert_eq!(parse_gpx(bom.as_bytes(), "t.gpx", &tz).unwrap(), want);
}

#[test]
fn gpx_types_and_heart_rate_prefixes() {
    let tz = TimeZone::UTC;
    for (ty, sport) in [
        ("9", Sport::Run),
        ("1", Sport::Bike),
        ("running", Sport::Run),
        ("cycling", Sport::Bike),
    ] {
        let doc = gpx(&points(3, 1, 3.0, None), "").replace(
            "<name>T</name>",
            &format!("<name>T</name><type>{ty}</type>"),
        );
        assert_eq!(
            parse_gpx(doc.as_bytes(), "t.gpx", &tz).unwrap()[0].sport,
            sport,
            "type {ty}"
        );
    }
    for tag in ["hr", "gpxtpx:hr", "ns3:hr", "HR"] {
        let doc = gpx(&points(3, 1, 3.0, Some(tag)), "");
        let a = &parse_gpx(doc.as_bytes(), "t.gpx", &tz).unwrap()[0];
        assert_eq!(a.hr_seconds[150], 2.0, "tag {tag}");
        assert_eq!((a.avg_hr, a.max_hr), (Some(150.0), Some(150.0)));
    }
}

#[test]
fn gpx_heart_rate_only_on_a_waypoint_still_imports_the_track() {
    let wpt = r#"<wpt lat="50" lon="6"><time>2024-03-01T06:00:00Z</time><extensions><hr>171</hr></extensions></wpt>"#;
    let doc = gpx(&points(5, 1, 3.0, None), wpt);
    let a = &parse_gpx(doc.as_bytes(), "t.gpx", &TimeZone::UTC).unwrap()[0];
    assert_eq!(a.elapsed_s, 4.0);
    assert!(a.hr_seconds.is_empty() && a.avg_hr.is_none());
}

#[test]
fn gpx_pauses_are_not_moving_time() {
    // 61 points 1 s apart at 3 m/s, a 9-minute stop (in the same segment, with a GPS
    // jump of about 1.1 km), then 61 more points.
    let mut pts = points(61, 1, 3.0, Some("hr"));
    pts.push_str(&points_from(600, 50.01, 61, 1, 3.0, Some("hr")));
    let doc = gpx(&pts, "");
    let a = &parse_gpx(doc.as_bytes(), "t.gpx", &TimeZone::UTC).unwrap()[0];
    assert_eq!(a.elapsed_s, 660.0);
    assert_eq!(a.moving_s, Some(120.0));
    // Heart rate counts 30 s at most across the stop.
    assert_eq!(a.hr_seconds[150], 120.0 + 30.0);
    assert_eq!(a.elevation_gain_m, Some(0.0));
    let d = a.distance_m.unwrap();
    // 2 × 180 m run plus the 932 m the position moved during the stop.
    assert!((d - 1291.95).abs() < 1.0, "{d}");
}

#[test]
fn gpx_without_timed_points_is_nothing_to_import() {
    let doc = gpx(
        r#"<trkpt lat="1" lon="2"/><trkpt lat="1" lon="3"></trkpt>"#,
        "",
    );
    let e = parse_gpx(doc.as_bytes(), "t.gpx", &TimeZone::UTC).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAnActivity);
    assert_eq!(
        e.message,
        "no timed track points: nothing to import (2 track points without <time>)"
    );
    let e = parse_gpx(b"<kml/>", "t.gpx", &TimeZone::UTC).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ErrorKind::Invalid,
            "GPX: expected a gpx root element, found <kml>"
        )
    );
}

#[test]
fn tcx_several_activities_and_truncation() {
    let tz = TimeZone::UTC;
    let one = text("tcx_run_garmin_connect.tcx");
    let start = one.find("<Activity ").unwrap();
    let end = one.find("</Activity>").unwrap() + "</Activity>".len();
    let second = one[start..end]
        .replace("2018-11-25T", "2018-11-26T")
        .replace(r#"Sport="Running""#, r#"Sport="Biking""#);
    let two = format!("{}{}{}", &one[..end], second, &one[end..]);
    let acts = parse_tcx(two.as_bytes(), "t.tcx", &tz).unwrap();
    assert_eq!(acts.len(), 2);
    assert_eq!((acts[0].sport, acts[1].sport), (Sport::Run, Sport::Bike));
    assert_eq!(acts[1].start.day(), 26);
    assert_eq!(acts[0].elapsed_s, acts[1].elapsed_s);

    let cut = &one.as_bytes()[..one.len() / 2];
    let e = parse_tcx(cut, "t.tcx", &tz).unwrap_err();
    assert!(e.message.starts_with("truncated: TCX ends"), "{e}");

    let courses = r#"<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Courses/></TrainingCenterDatabase>"#;
    let e = parse_tcx(courses.as_bytes(), "t.tcx", &tz).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ErrorKind::NotAnActivity,
            "not an activity (TCX holds a course)"
        )
    );
}

#[test]
fn tcx_without_notes_is_named_after_its_sport() {
    let doc = text("tcx_run_hr_tcxparser.tcx").replace("<Notes>Aerobics</Notes>", "");
    let a = &parse_tcx(doc.as_bytes(), "t.tcx", &TimeZone::UTC).unwrap()[0];
    assert_eq!(a.name, "Running");
}

#[test]
fn fit_cut_before_its_session_is_derived_from_records() {
    let bytes = std::fs::read(realdata("fit_run_fr110_hr.fit")).unwrap();
    let full = &parse_fit(&bytes, "f.fit", &TimeZone::UTC).unwrap()[0];
    let cut = &parse_fit(&bytes[..bytes.len() * 3 / 4], "f.fit", &TimeZone::UTC).unwrap()[0];
    assert_eq!((cut.sport, cut.start), (full.sport, full.start));
    assert!(
        cut.elapsed_s > 0.5 * full.elapsed_s && cut.elapsed_s < full.elapsed_s,
        "{}",
        cut.elapsed_s
    );
    assert!(!cut.hr_seconds.is_empty());
}
