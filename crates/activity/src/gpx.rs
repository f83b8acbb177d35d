//! GPX 1.0 / 1.1 tracks: all `<trk>`s of a file make one [`Activity`].
//!
//! Start is the first timed track point, elapsed time runs to the last; moving time sums
//! the intervals under 30 s at more than 0.5 m/s; distance is by haversine within each
//! segment; heart rate is any `hr` element in a point's `<extensions>`, whatever its
//! prefix. Waypoints and routes are not activities and are ignored.

use jiff::tz::TimeZone;
use kneadtime_domain::{Activity, Sport};

use crate::error::ActivityError;
use crate::track::{self, Sample};
use crate::xml::{self, Node};

pub(crate) fn parse(
    bytes: &[u8],
    file: &str,
    tz: &TimeZone,
) -> Result<Vec<Activity>, ActivityError> {
    let root = xml::parse(bytes, "GPX").map_err(|m| ActivityError::invalid(file, m))?;
    if !root.is("gpx") {
        return Err(ActivityError::invalid(
            file,
            format!("GPX: expected a gpx root element, found <{}>", root.name),
        ));
    }

    let mut samples = Vec::new();
    let mut seg = 0u32;
    let mut untimed = 0usize;
    for trk in root.children("trk") {
        for trkseg in trk.children("trkseg") {
            seg += 1;
            for pt in trkseg.children("trkpt") {
                match point(pt, seg) {
                    Some(s) => samples.push(s),
                    None => untimed += 1,
                }
            }
        }
    }
    samples.retain(|s| track::plausible(s.t));
    // Points out of order would make negative intervals; a stable sort keeps ties as written.
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));
    match samples.len() {
        0 => {
            let why = if untimed > 0 {
                format!(" ({untimed} track points without <time>)")
            } else {
                String::new()
            };
            return Err(ActivityError::not_activity(
                file,
                format!("no timed track points: nothing to import{why}"),
            ));
        }
        1 => {
            return Err(ActivityError::not_activity(
                file,
                "only one timed track point: no duration to import",
            ));
        }
        _ => {}
    }

    let first_trk = root.children("trk").next();
    let type_word = first_trk.and_then(|t| t.child_text("type"));
    let trk_name = root.children("trk").find_map(|t| t.child_text("name"));
    let meta_name = root
        .child("metadata")
        .and_then(|m| m.child_text("name"))
        .or_else(|| root.child_text("name"));
    let sport = match type_word {
        Some(w) => Sport::parse(w),
        // No <type>: the name may say ("Running", "Morning Ride"); else this is a
        // runner's tool and an untyped track is taken as a run.
        None => match trk_name.map(Sport::parse) {
            Some(s) if s != Sport::Other => s,
            _ => Sport::Run,
        },
    };
    let name = trk_name
        .or(meta_name)
        .map(str::to_string)
        .unwrap_or_else(|| track::sport_title(sport.as_str()));

    let start = samples[0].t;
    let end = samples[samples.len() - 1].t;
    let local_start = track::local(start, tz)
        .ok_or_else(|| ActivityError::invalid(file, "start time out of range"))?;
    let mut act = track::new_activity(sport, name, local_start, end - start, file);
    act.moving_s = track::moving_time(&samples);
    act.distance_m = track::distance(&samples);
    act.elevation_gain_m = track::elevation_gain(samples.iter().filter_map(|s| s.alt));
    track::add_hr_histogram(&mut act, &samples, None);
    let (avg, max) = track::hr_summary(&act, &samples);
    act.avg_hr = avg;
    act.max_hr = max;
    Ok(vec![act])
}

fn point(pt: &Node, seg: u32) -> Option<Sample> {
    let t = track::parse_xml_time(pt.child_text("time")?)?;
    let lat = pt.attr("lat").and_then(|v| v.trim().parse::<f64>().ok());
    let lon = pt.attr("lon").and_then(|v| v.trim().parse::<f64>().ok());
    let pos = match (lat, lon) {
        (Some(la), Some(lo)) if la.abs() <= 90.0 && lo.abs() <= 180.0 => Some((la, lo)),
        _ => None,
    };
    let ext = pt.child("extensions");
    let num = |n: &Node| n.text.parse::<f64>().ok().filter(|v| v.is_finite());
    let hr = ext
        .and_then(|e| e.descendant("hr").or_else(|| e.descendant("heartrate")))
        .and_then(num);
    Some(Sample {
        t,
        hr,
        dist: None,
        pos,
        alt: pt.child_num("ele"),
        speed: ext.and_then(|e| e.descendant("speed")).and_then(num),
        seg,
    })
}
