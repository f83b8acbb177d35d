//! Garmin Training Center (TCX) files: one [`Activity`] per `<Activity>`.
//!
//! Laps give the totals (timer time → moving time, distance, lap heart rates); the
//! trackpoints give the heart-rate histogram, elevation gain (with hysteresis) and the
//! end time; anything the laps lack is derived from the trackpoints.

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
    let root = xml::parse(bytes, "TCX").map_err(|m| ActivityError::invalid(file, m))?;
    if !root.is("TrainingCenterDatabase") {
        return Err(ActivityError::invalid(
            file,
            format!(
                "TCX: expected a TrainingCenterDatabase root element, found <{}>",
                root.name
            ),
        ));
    }
    let activities: Vec<&Node> = root
        .children("Activities")
        .flat_map(|a| a.children("Activity"))
        .collect();
    if activities.is_empty() {
        let what = if root.child("Courses").is_some() {
            "a course"
        } else if root.child("Workouts").is_some() {
            "a workout plan"
        } else {
            "no <Activity> element"
        };
        return Err(ActivityError::not_activity(
            file,
            format!("not an activity (TCX holds {what})"),
        ));
    }
    let mut out = Vec::new();
    let mut last_err = None;
    for (i, a) in activities.iter().enumerate() {
        match activity(a, file, tz) {
            Ok(act) => out.push(act),
            Err(m) => last_err = Some(format!("TCX activity {}: {m}", i + 1)),
        }
    }
    match (out.is_empty(), last_err) {
        (true, Some(m)) => Err(ActivityError::invalid(file, m)),
        _ => Ok(out),
    }
}

fn trackpoint(tp: &Node, seg: u32) -> Option<Sample> {
    let t = track::parse_xml_time(tp.child_text("Time")?)?;
    let pos = tp.child("Position").and_then(|p| {
        Some((
            p.child_num("LatitudeDegrees")?,
            p.child_num("LongitudeDegrees")?,
        ))
    });
    Some(Sample {
        t,
        hr: tp.child("HeartRateBpm").and_then(|h| h.child_num("Value")),
        dist: tp.child_num("DistanceMeters"),
        pos,
        alt: tp.child_num("AltitudeMeters"),
        speed: tp
            .child("Extensions")
            .and_then(|e| e.descendant("Speed"))
            .and_then(|s| s.text.parse().ok()),
        seg,
    })
}

fn activity(a: &Node, file: &str, tz: &TimeZone) -> Result<Activity, String> {
    let sport_word = a.attr("Sport").unwrap_or("").trim();
    let laps: Vec<&Node> = a.children("Lap").collect();

    let mut samples = Vec::new();
    let mut seg = 0;
    for lap in &laps {
        for trk in lap.children("Track") {
            seg += 1;
            samples.extend(
                trk.children("Trackpoint")
                    .filter_map(|tp| trackpoint(tp, seg)),
            );
        }
    }
    samples.retain(|s| track::plausible(s.t));
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));

    let lap_start = laps
        .iter()
        .filter_map(|l| l.attr("StartTime").and_then(track::parse_xml_time))
        .filter(|t| track::plausible(*t));
    let start = lap_start
        .clone()
        .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.min(t))))
        .or_else(|| {
            a.child_text("Id")
                .and_then(track::parse_xml_time)
                .filter(|t| track::plausible(*t))
        })
        .or_else(|| samples.first().map(|s| s.t))
        .ok_or("no start time (no Lap StartTime, Id or timed Trackpoint)")?;

    let lap_time = |l: &&Node| l.child_num("TotalTimeSeconds").filter(|v| *v >= 0.0);
    let lap_end = laps
        .iter()
        .filter_map(|l| Some(l.attr("StartTime").and_then(track::parse_xml_time)? + lap_time(l)?))
        .fold(start, f64::max);
    let end = samples.last().map_or(lap_end, |s| s.t.max(lap_end));
    let elapsed = end - start;
    if elapsed <= 0.0 {
        return Err(
            "no duration: laps have no TotalTimeSeconds and there are no timed trackpoints".into(),
        );
    }

    let local_start = track::local(start, tz).ok_or("start time out of range")?;
    let name = a
        .child_text("Notes")
        .or_else(|| {
            a.child_text("Id")
                .filter(|id| track::parse_xml_time(id).is_none())
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            if sport_word.is_empty() {
                "Running".into()
            } else {
                track::sport_title(sport_word)
            }
        });
    let mut act = track::new_activity(Sport::parse(sport_word), name, local_start, elapsed, file);

    let timer: Vec<f64> = laps.iter().filter_map(lap_time).collect();
    act.moving_s = if timer.is_empty() {
        track::moving_time(&samples)
    } else {
        Some(timer.iter().sum())
    };

    let lap_dist: f64 = laps
        .iter()
        .filter_map(|l| l.child_num("DistanceMeters"))
        .sum();
    act.distance_m = if lap_dist > 0.0 {
        Some(lap_dist)
    } else {
        track::distance(&samples).filter(|d| *d > 0.0)
    };
    act.elevation_gain_m = track::elevation_gain(samples.iter().filter_map(|s| s.alt));

    track::add_hr_histogram(&mut act, &samples, Some(end));
    let (sample_avg, sample_max) = track::hr_summary(&act, &samples);
    // Lap averages weighted by lap time; the highest lap maximum.
    let (mut w, mut sum) = (0.0, 0.0);
    let mut lap_max: Option<f64> = None;
    for lap in &laps {
        let lap_avg = lap
            .child("AverageHeartRateBpm")
            .and_then(|h| h.child_num("Value"));
        match (lap_avg, lap_time(lap)) {
            (Some(avg), Some(t)) if avg > 0.0 && t > 0.0 => {
                w += t;
                sum += avg * t;
            }
            _ => {}
        }
        if let Some(m) = lap
            .child("MaximumHeartRateBpm")
            .and_then(|h| h.child_num("Value"))
            .filter(|m| *m > 0.0)
        {
            lap_max = Some(lap_max.map_or(m, |x| x.max(m)));
        }
    }
    act.avg_hr = if w > 0.0 { Some(sum / w) } else { sample_avg };
    act.max_hr = lap_max.or(sample_max);
    Ok(act)
}
