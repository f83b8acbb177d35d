//! Shared arithmetic on recorded samples: heart-rate histogram, moving time, distance,
//! elevation gain with hysteresis, and turning UTC instants into the runner's local time.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use kneadtime_domain::{Activity, Origin, Sport};

/// A sample interval longer than this is a pause (or a dropout): heart rate is counted
/// for at most this long after a sample, and the interval never counts as moving.
pub(crate) const MAX_GAP_S: f64 = 30.0;
/// Slower than this (m/s) is standing still.
pub(crate) const MOVING_SPEED_MPS: f64 = 0.5;
/// Elevation must rise (or fall) this much before it counts, to ignore GPS noise.
pub(crate) const CLIMB_HYSTERESIS_M: f64 = 2.0;

/// 1990-01-01T00:00:00Z: recorded activities are never older.
pub(crate) const EARLIEST_PLAUSIBLE: i64 = 631_152_000;
/// 2081-01-01T00:00:00Z: anything later is a corrupt clock (Strava's "year 2085").
pub(crate) const LATEST_PLAUSIBLE: i64 = 3_502_915_200;

/// True when a UTC instant (Unix seconds) can be a real recording time.
pub(crate) fn plausible(unix_s: f64) -> bool {
    unix_s.is_finite() && unix_s >= EARLIEST_PLAUSIBLE as f64 && unix_s < LATEST_PLAUSIBLE as f64
}

/// One recorded point. `t` is seconds on one clock (Unix seconds for real timestamps).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sample {
    pub t: f64,
    pub hr: Option<f64>,
    /// Cumulative distance the device reported, metres.
    pub dist: Option<f64>,
    /// Latitude and longitude in degrees.
    pub pos: Option<(f64, f64)>,
    pub alt: Option<f64>,
    /// Instantaneous speed the device reported, m/s.
    pub speed: Option<f64>,
    /// Samples of different segments (GPX `trkseg`, TCX `Track`) are not joined.
    pub seg: u32,
}

/// The local civil time of a Unix instant in the runner's zone.
pub(crate) fn local(unix_s: f64, tz: &TimeZone) -> Option<DateTime> {
    if !plausible(unix_s) {
        return None;
    }
    // Whole milliseconds: files never carry more, and f64 seconds would add noise digits.
    let ms = (unix_s * 1000.0).round() as i64;
    let ts = Timestamp::from_millisecond(ms).ok()?;
    Some(tz.to_datetime(ts))
}

/// Parses an XML (TCX/GPX) time: RFC 3339 with `Z` or an offset; a time without an offset
/// is taken as UTC, as both formats specify. Returns Unix seconds.
pub(crate) fn parse_xml_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let ts = match s.parse::<Timestamp>() {
        Ok(ts) => ts,
        Err(_) => {
            let dt: DateTime = s.parse().ok()?;
            dt.to_zoned(TimeZone::UTC).ok()?.timestamp()
        }
    };
    Some(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
}

/// A blank activity with only the required fields set.
pub(crate) fn new_activity(
    sport: Sport,
    name: String,
    start: DateTime,
    elapsed_s: f64,
    file: &str,
) -> Activity {
    Activity {
        sport,
        name,
        start,
        elapsed_s,
        moving_s: None,
        distance_m: None,
        elevation_gain_m: None,
        avg_hr: None,
        max_hr: None,
        hr_seconds: Vec::new(),
        origin: Origin {
            file: file.into(),
            line: None,
        },
    }
}

/// Great-circle distance in metres.
pub(crate) fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// Adds each sample's heart rate for the time until the next sample (at most
/// [`MAX_GAP_S`]); the last sample counts until `end` when that is later.
pub(crate) fn add_hr_histogram(act: &mut Activity, samples: &[Sample], end: Option<f64>) {
    for (i, s) in samples.iter().enumerate() {
        let Some(hr) = s.hr else { continue };
        let next = samples.get(i + 1).map(|n| n.t).or(end);
        if let Some(next) = next {
            let dt = (next - s.t).min(MAX_GAP_S);
            if dt > 0.0 {
                act.add_hr(hr, dt);
            }
        }
    }
}

/// Time-weighted average heart rate from the histogram, and the highest sample.
pub(crate) fn hr_summary(act: &Activity, samples: &[Sample]) -> (Option<f64>, Option<f64>) {
    let (mut total, mut weighted) = (0.0f64, 0.0f64);
    for (bpm, s) in act.hr_seconds.iter().enumerate() {
        total += f64::from(*s);
        weighted += bpm as f64 * f64::from(*s);
    }
    let avg = (total > 0.0).then(|| weighted / total);
    let max = samples
        .iter()
        .filter_map(|s| s.hr)
        .filter(|h| (25.0..=250.0).contains(h))
        .fold(None, |m: Option<f64>, h| Some(m.map_or(h, |m| m.max(h))));
    (avg, max)
}

/// Distance between two consecutive samples, when they tell.
fn step_distance(a: &Sample, b: &Sample) -> Option<f64> {
    match (a.dist, b.dist, a.pos, b.pos) {
        (Some(da), Some(db), _, _) if db >= da => Some(db - da),
        (_, _, Some(pa), Some(pb)) => Some(haversine_m(pa, pb)),
        _ => None,
    }
}

/// Sum of the intervals (within a segment, shorter than [`MAX_GAP_S`]) during which the
/// athlete moved faster than [`MOVING_SPEED_MPS`]. `None` when no sample tells speed.
pub(crate) fn moving_time(samples: &[Sample]) -> Option<f64> {
    let mut known = false;
    let mut moving = 0.0;
    for w in samples.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let dt = b.t - a.t;
        if a.seg != b.seg || dt <= 0.0 {
            continue;
        }
        let speed = match step_distance(a, b) {
            Some(d) => Some(d / dt),
            None => b.speed,
        };
        let Some(speed) = speed else { continue };
        known = true;
        if dt < MAX_GAP_S && speed > MOVING_SPEED_MPS {
            moving += dt;
        }
    }
    known.then_some(moving)
}

/// Distance covered: from the device's cumulative distance when it has one, else by
/// haversine between positions within each segment.
pub(crate) fn distance(samples: &[Sample]) -> Option<f64> {
    let cumulative: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.dist)
        .filter(|d| d.is_finite())
        .collect();
    if cumulative.len() >= 2 {
        let first = cumulative[0];
        let last = cumulative.iter().copied().fold(first, f64::max);
        return Some(last - first);
    }
    let mut total = 0.0;
    let mut any = false;
    let mut prev: Option<&Sample> = None;
    for s in samples.iter().filter(|s| s.pos.is_some()) {
        if let Some(p) = prev.filter(|p| p.seg == s.seg) {
            total += haversine_m(p.pos.unwrap_or_default(), s.pos.unwrap_or_default());
            any = true;
        }
        prev = Some(s);
    }
    any.then_some(total)
}

/// Total climb with hysteresis: the reference altitude only moves once the altitude has
/// risen or fallen [`CLIMB_HYSTERESIS_M`] from it, so noise of a metre or two adds nothing.
pub(crate) fn elevation_gain(altitudes: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut reference: Option<f64> = None;
    let mut gain = 0.0;
    for a in altitudes.into_iter().filter(|a| a.is_finite()) {
        match reference {
            None => reference = Some(a),
            Some(r) if a - r >= CLIMB_HYSTERESIS_M => {
                gain += a - r;
                reference = Some(a);
            }
            Some(r) if r - a >= CLIMB_HYSTERESIS_M => reference = Some(a),
            Some(_) => {}
        }
    }
    reference.map(|_| gain)
}

/// Title-cases a format's sport word for a default name: `running` → `Running`,
/// `indoor_rowing` → `Indoor rowing`.
pub(crate) fn sport_title(word: &str) -> String {
    let w = word.trim().replace('_', " ");
    let mut chars = w.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_bounds_are_the_documented_dates() {
        let t = |y, m, d| {
            jiff::civil::date(y, m, d)
                .to_zoned(TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_second()
        };
        assert_eq!(EARLIEST_PLAUSIBLE, t(1990, 1, 1));
        assert_eq!(LATEST_PLAUSIBLE, t(2081, 1, 1));
        assert!(!plausible(t(2085, 12, 21) as f64));
        assert!(plausible(t(2021, 9, 27) as f64));
    }

    #[test]
    fn hysteresis_ignores_noise_but_counts_climbs() {
        let noise = [100.0, 101.0, 99.5, 101.2, 100.1, 99.9, 101.5];
        assert_eq!(elevation_gain(noise), Some(0.0));
        let hill = [100.0, 101.0, 102.5, 104.0, 110.0, 108.0, 105.0, 107.5];
        assert_eq!(elevation_gain(hill), Some(10.0 + 2.5));
        assert_eq!(elevation_gain(std::iter::empty()), None);
    }

    #[test]
    fn haversine_one_degree_of_latitude() {
        let d = haversine_m((0.0, 0.0), (1.0, 0.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn xml_times_with_and_without_offset() {
        assert_eq!(
            parse_xml_time("2013-01-01T12:00:04"),
            parse_xml_time("2013-01-01T12:00:04Z")
        );
        assert_eq!(
            parse_xml_time("2021-07-04T11:23:19.418000Z").map(|t| (t * 1000.0).round()),
            Some(1_625_397_799_418.0)
        );
        assert_eq!(
            parse_xml_time("2018-11-25T08:20:49+01:00"),
            parse_xml_time("2018-11-25T07:20:49.000Z")
        );
        assert_eq!(parse_xml_time("yesterday"), None);
    }

    #[test]
    fn histogram_caps_pauses() {
        let mut a = new_activity(
            Sport::Run,
            "x".into(),
            jiff::civil::date(2024, 1, 1).at(0, 0, 0, 0),
            0.0,
            "f",
        );
        let s = |t: f64, hr: f64| Sample {
            t,
            hr: Some(hr),
            ..Sample::default()
        };
        add_hr_histogram(
            &mut a,
            &[s(0.0, 120.0), s(2.0, 121.0), s(500.0, 130.0)],
            Some(501.0),
        );
        assert_eq!(a.hr_seconds[120], 2.0);
        assert_eq!(a.hr_seconds[121], 30.0);
        assert_eq!(a.hr_seconds[130], 1.0);
    }
}
