//! Garmin/ANT FIT files via `fitparser`: one [`Activity`] per `session` message.
//!
//! Decoding is lenient: CRCs are not checked, chained FIT files are read one after the
//! other, and when the data stops making sense (truncation, a corrupt chained header, an
//! undefined local message) everything decoded before that point is kept. Only when
//! nothing usable came before the damage does the file fail.
//!
//! * Only `file_id.type = activity` files are activities; workout plans, monitoring,
//!   settings… are reported as "not an activity".
//! * Each `session` gives sport, start, elapsed (`total_elapsed_time`), moving
//!   (`total_timer_time`), distance, ascent and heart rate; `record` messages inside the
//!   session's time range fill the heart-rate histogram and anything the session lacks.
//!   `transition` sessions of a multisport file are dropped.
//! * Without any session (a file cut before its summary) one activity is derived from the
//!   records.
//! * FIT times are UTC; they are turned into the runner's zone. A time below 0x10000000
//!   is relative to the device's power-on (clock not set); it is anchored with the
//!   `activity` message's `local_timestamp` when there is one. Times before 1990 or after
//!   2080 (corrupt clocks) are ignored.

use fitparser::de::{DecodeOption, FitObject, FitStreamProcessor};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use kneadtime_domain::{Activity, Sport};

use crate::error::ActivityError;
use crate::track::{self, Sample};

/// Unix seconds of the FIT epoch, 1989-12-31T00:00:00Z.
const FIT_EPOCH: i64 = 631_065_600;
/// FIT `date_time` values below this are seconds since the device powered on.
const RELATIVE_LIMIT: i64 = 0x1000_0000;

/// What one FIT stream held, in file order.
#[derive(Default)]
struct Decoded {
    file_types: Vec<String>,
    sessions: Vec<FitDataRecord>,
    sports: Vec<FitDataRecord>,
    laps: Vec<FitDataRecord>,
    records: Vec<Sample>,
    /// Raw `activity.local_timestamp` and `activity.timestamp` (FIT seconds).
    activity_clock: Option<(i64, i64)>,
    /// Why decoding stopped early, if it did.
    damage: Option<String>,
}

fn num(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Byte(x) | Value::UInt8(x) | Value::UInt8z(x) | Value::Enum(x) => f64::from(*x),
        Value::SInt8(x) => f64::from(*x),
        Value::SInt16(x) => f64::from(*x),
        Value::UInt16(x) | Value::UInt16z(x) => f64::from(*x),
        Value::SInt32(x) => f64::from(*x),
        Value::UInt32(x) | Value::UInt32z(x) => f64::from(*x),
        Value::SInt64(x) => *x as f64,
        Value::UInt64(x) | Value::UInt64z(x) => *x as f64,
        Value::Float32(x) => f64::from(*x),
        Value::Float64(x) => *x,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// A `date_time` field as Unix seconds (fitparser already applied the FIT epoch in UTC).
fn unix(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) => Some(t.timestamp()),
        _ => None,
    }
}

fn raw_i64(v: &Value) -> Option<i64> {
    num(v).map(|x| x as i64)
}

/// The first field called `name` (built-in fields come before developer fields).
fn field<'a>(r: &'a FitDataRecord, name: &str) -> Option<&'a Value> {
    r.fields()
        .iter()
        .find(|f| f.name() == name)
        .map(|f| f.value())
}

fn field_num(r: &FitDataRecord, name: &str) -> Option<f64> {
    field(r, name).and_then(num)
}

fn field_text(r: &FitDataRecord, name: &str) -> Option<String> {
    match field(r, name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn field_unix(r: &FitDataRecord, name: &str) -> Option<i64> {
    field(r, name).and_then(unix)
}

fn describe(err: &fitparser::ErrorKind, offset: usize) -> String {
    use fitparser::ErrorKind as K;
    match err {
        K::UnexpectedEof(_) => "truncated: file ends in the middle of a record".to_string(),
        K::MissingDefinitionMessage(n, pos) => {
            format!(
                "corrupt: data at byte {pos} uses local message type {n}, which was never defined"
            )
        }
        K::ParseError(pos, _) => {
            format!("corrupt: unreadable FIT data (or chained FIT header) at byte {pos}")
        }
        K::MissingDeveloperDefinitionMessage() => {
            format!("corrupt: a developer field near byte {offset} is used before it is described")
        }
        other => format!("corrupt near byte {offset}: {other}"),
    }
}

fn decode(bytes: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    let mut p = FitStreamProcessor::new();
    p.add_option(DecodeOption::SkipHeaderCrcValidation);
    p.add_option(DecodeOption::SkipDataCrcValidation);
    let mut buf = bytes;
    while !buf.is_empty() {
        let offset = bytes.len() - buf.len();
        let (rest, obj) = match p.deserialize_next(buf) {
            Ok(x) => x,
            Err(e) => {
                d.damage = Some(describe(&e, offset));
                break;
            }
        };
        buf = rest;
        let msg = match obj {
            FitObject::Crc(_) => {
                p.reset();
                continue;
            }
            FitObject::DataMessage(m) => m,
            FitObject::Header(_) | FitObject::DefinitionMessage(_) => continue,
        };
        if msg.global_message_number() == 34 {
            // activity: keep the raw clocks before decoding turns them into chrono times
            // in the machine's zone (local_timestamp is a *local* date_time).
            let f = msg.fields();
            if let (Some(local), Some(ts)) =
                (f.get(&5).and_then(raw_i64), f.get(&253).and_then(raw_i64))
            {
                d.activity_clock = Some((local, ts));
            }
        }
        let rec = match p.decode_message(msg) {
            Ok(r) => r,
            // An undecodable message (bad developer field…) is skipped, not fatal.
            Err(_) => continue,
        };
        match rec.kind() {
            MesgNum::FileId => {
                if let Some(t) = field_text(&rec, "type") {
                    d.file_types.push(t);
                } else if let Some(n) = field_num(&rec, "type") {
                    d.file_types.push(format!("type {n}"));
                }
            }
            MesgNum::Session => d.sessions.push(rec),
            MesgNum::Sport => d.sports.push(rec),
            MesgNum::Lap => d.laps.push(rec),
            MesgNum::Record => {
                let Some(t) = field_unix(&rec, "timestamp") else {
                    continue;
                };
                let semis = |n| field_num(&rec, n).map(|v| v * 180.0 / 2f64.powi(31));
                let pos = match (semis("position_lat"), semis("position_long")) {
                    (Some(la), Some(lo))
                        if la.abs() <= 90.0 && lo.abs() <= 180.0 && (la, lo) != (0.0, 0.0) =>
                    {
                        Some((la, lo))
                    }
                    _ => None,
                };
                d.records.push(Sample {
                    t: t as f64,
                    hr: field_num(&rec, "heart_rate"),
                    dist: field_num(&rec, "distance"),
                    pos,
                    alt: field_num(&rec, "enhanced_altitude")
                        .or_else(|| field_num(&rec, "altitude")),
                    speed: field_num(&rec, "enhanced_speed").or_else(|| field_num(&rec, "speed")),
                    seg: 0,
                });
            }
            _ => {}
        }
    }
    d
}

fn file_type_reason(t: &str) -> String {
    let what = match t {
        "workout" => "a workout plan",
        "course" => "a course",
        "schedules" => "a schedule",
        "settings" | "device" => "device settings",
        "sport" => "sport settings",
        "totals" => "lifetime totals",
        "goals" => "goals",
        "weight" => "weight-scale data",
        "blood_pressure" => "blood-pressure data",
        "segment" | "segment_list" => "segments",
        "activity_summary" => "an activity summary without the activity",
        t if t.starts_with("monitoring") => "daily monitoring (wellness) data",
        _ => "",
    };
    if what.is_empty() {
        format!("not an activity (FIT file type '{t}')")
    } else {
        format!("not an activity ({what}, FIT file type '{t}')")
    }
}

/// Turns FIT-file clocks into local civil times.
struct Clock<'a> {
    tz: &'a TimeZone,
    /// Seconds to add to a device-relative FIT time to get local FIT seconds.
    relative_to_local: Option<i64>,
}

impl Clock<'_> {
    fn local(&self, unix_s: i64) -> Result<DateTime, String> {
        let fit_s = unix_s - FIT_EPOCH;
        if (0..RELATIVE_LIMIT).contains(&fit_s) {
            let offset = self.relative_to_local.ok_or(
                "times are relative to the device's power-on (its clock was not set) and the file has no local time to anchor them",
            )?;
            let epoch = jiff::civil::date(1989, 12, 31).at(0, 0, 0, 0);
            return epoch
                .checked_add(jiff::Span::new().seconds(fit_s + offset))
                .map_err(|_| "relative time out of range".to_string());
        }
        track::local(unix_s as f64, self.tz).ok_or_else(|| {
            let year = jiff::Timestamp::from_second(unix_s)
                .map(|t| t.to_zoned(TimeZone::UTC).year().to_string());
            format!(
                "implausible start time (year {}): the file's clock data is corrupt",
                year.unwrap_or_else(|_| "?".into())
            )
        })
    }

    /// Whether a record time can be used next to the session times.
    fn usable(&self, unix_s: f64) -> bool {
        let fit_s = unix_s as i64 - FIT_EPOCH;
        if (0..RELATIVE_LIMIT).contains(&fit_s) {
            self.relative_to_local.is_some()
        } else {
            track::plausible(unix_s)
        }
    }
}

fn sport_of(sport: Option<&str>, sub: Option<&str>) -> Sport {
    let main = sport.map(Sport::parse).unwrap_or(Sport::Other);
    let by_sub = sub.map(Sport::parse).unwrap_or(Sport::Other);
    // fitness_equipment/indoor_rowing, training/strength_training, generic/treadmill…
    if matches!(main, Sport::Other | Sport::Strength) && by_sub != Sport::Other {
        by_sub
    } else {
        main
    }
}

fn positive(x: Option<f64>) -> Option<f64> {
    x.filter(|v| *v > 0.0)
}

pub(crate) fn parse(
    bytes: &[u8],
    file: &str,
    tz: &TimeZone,
) -> Result<Vec<Activity>, ActivityError> {
    if bytes.len() < 12 {
        return Err(ActivityError::invalid(
            file,
            "truncated: too short to hold a FIT header",
        ));
    }
    if &bytes[8..12] != b".FIT" {
        return Err(ActivityError::invalid(
            file,
            "not a FIT file: header is missing the .FIT signature",
        ));
    }
    let d = decode(bytes);

    if !d.file_types.iter().any(|t| t == "activity") {
        if let Some(t) = d.file_types.first() {
            return Err(ActivityError::not_activity(file, file_type_reason(t)));
        }
        if d.sessions.is_empty() && d.records.is_empty() {
            let msg = d
                .damage
                .unwrap_or_else(|| "no file_id message: not a FIT activity".into());
            return Err(ActivityError::invalid(file, msg));
        }
    }

    let relative_to_local = d
        .activity_clock
        .and_then(|(local, ts)| (local >= RELATIVE_LIMIT).then_some(local - ts));
    let clock = Clock {
        tz,
        relative_to_local,
    };
    let mut records: Vec<Sample> = d
        .records
        .iter()
        .copied()
        .filter(|s| clock.usable(s.t))
        .collect();
    records.sort_by(|a, b| a.t.total_cmp(&b.t));

    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, s) in d.sessions.iter().enumerate() {
        if field_text(s, "sport").as_deref() == Some("transition") {
            continue;
        }
        // The k-th sport message describes the k-th session in multisport files.
        let sport_msg = if d.sports.len() == d.sessions.len() {
            d.sports.get(i)
        } else {
            d.sports.first()
        };
        match session(s, sport_msg, &records, &clock, file) {
            Ok(a) => out.push(a),
            Err(m) => problems.push(m),
        }
    }
    if d.sessions.is_empty() {
        match from_records(&d, &records, &clock, file) {
            Ok(a) => out.push(a),
            Err(m) => problems.push(m),
        }
    }
    if out.is_empty() {
        let msg = problems
            .into_iter()
            .next()
            .or(d.damage)
            .unwrap_or_else(|| "no activity data".into());
        return Err(ActivityError::invalid(file, msg));
    }
    Ok(out)
}

fn session(
    s: &FitDataRecord,
    sport_msg: Option<&FitDataRecord>,
    records: &[Sample],
    clock: &Clock<'_>,
    file: &str,
) -> Result<Activity, String> {
    let end_ts = field_unix(s, "timestamp");
    let elapsed_field = positive(field_num(s, "total_elapsed_time"));
    let start = field_unix(s, "start_time")
        .or_else(|| Some(end_ts? - elapsed_field?.round() as i64))
        .ok_or("a session without start_time")?;
    let local_start = clock.local(start)?;
    let elapsed = elapsed_field
        .or_else(|| end_ts.map(|e| (e - start) as f64).filter(|v| *v > 0.0))
        .ok_or("a session without total_elapsed_time")?;

    let sport_word =
        field_text(s, "sport").or_else(|| sport_msg.and_then(|m| field_text(m, "sport")));
    let sub_word =
        field_text(s, "sub_sport").or_else(|| sport_msg.and_then(|m| field_text(m, "sub_sport")));
    let sport = sport_of(sport_word.as_deref(), sub_word.as_deref());
    let name = field_text(s, "sport_profile_name")
        .or_else(|| sport_msg.and_then(|m| field_text(m, "name")))
        .unwrap_or_else(|| {
            let word = match sub_word.as_deref() {
                Some(sub) if sub != "generic" && sport == sport_of(Some(sub), None) => sub,
                _ => sport_word.as_deref().unwrap_or("activity"),
            };
            track::sport_title(word)
        });

    let (t0, t1) = (start as f64, start as f64 + elapsed);
    let inside: Vec<Sample> = records
        .iter()
        .copied()
        .filter(|r| r.t >= t0 && r.t <= t1 + 1.0)
        .collect();

    let mut act = track::new_activity(sport, name, local_start, elapsed, file);
    act.moving_s =
        positive(field_num(s, "total_timer_time")).or_else(|| track::moving_time(&inside));
    act.distance_m =
        positive(field_num(s, "total_distance")).or_else(|| positive(track::distance(&inside)));
    act.elevation_gain_m = field_num(s, "total_ascent")
        .or_else(|| track::elevation_gain(inside.iter().filter_map(|r| r.alt)));
    track::add_hr_histogram(&mut act, &inside, Some(t1));
    let (avg, max) = track::hr_summary(&act, &inside);
    act.avg_hr = positive(field_num(s, "avg_heart_rate")).or(avg);
    act.max_hr = positive(field_num(s, "max_heart_rate")).or(max);
    Ok(act)
}

/// One activity from the records alone (a file cut before its session summary).
fn from_records(
    d: &Decoded,
    records: &[Sample],
    clock: &Clock<'_>,
    file: &str,
) -> Result<Activity, String> {
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Err(d.damage.clone().unwrap_or_else(|| {
            "no session and no timed record messages: nothing to import".into()
        }));
    };
    let elapsed = last.t - first.t;
    if elapsed <= 0.0 {
        return Err("only one timed record and no session: no duration to import".into());
    }
    let local_start = clock.local(first.t as i64)?;
    let sport_msg = d.sports.first();
    let lap = d.laps.first();
    let sport_word = sport_msg
        .and_then(|m| field_text(m, "sport"))
        .or_else(|| lap.and_then(|l| field_text(l, "sport")));
    let sub_word = sport_msg
        .and_then(|m| field_text(m, "sub_sport"))
        .or_else(|| lap.and_then(|l| field_text(l, "sub_sport")));
    let sport = sport_of(sport_word.as_deref(), sub_word.as_deref());
    let name = sport_msg
        .and_then(|m| field_text(m, "name"))
        .unwrap_or_else(|| track::sport_title(sport_word.as_deref().unwrap_or("activity")));
    let mut act = track::new_activity(sport, name, local_start, elapsed, file);
    act.moving_s = track::moving_time(records);
    act.distance_m = positive(track::distance(records));
    act.elevation_gain_m = track::elevation_gain(records.iter().filter_map(|r| r.alt));
    track::add_hr_histogram(&mut act, records, None);
    let (avg, max) = track::hr_summary(&act, records);
    act.avg_hr = avg;
    act.max_hr = max;
    Ok(act)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn absolute_times_go_to_the_runners_zone() {
        let tz = TimeZone::fixed(jiff::tz::offset(2));
        let clock = Clock {
            tz: &tz,
            relative_to_local: None,
        };
        let got = clock.local(unix("2015-08-15T14:45:08Z")).unwrap();
        assert_eq!(got, "2015-08-15T16:45:08".parse::<DateTime>().unwrap());
    }

    #[test]
    fn corrupt_clock_years_are_refused() {
        let clock = Clock {
            tz: &TimeZone::UTC,
            relative_to_local: None,
        };
        let err = clock.local(unix("2085-12-21T16:46:58Z")).unwrap_err();
        assert_eq!(
            err,
            "implausible start time (year 2085): the file's clock data is corrupt"
        );
        assert!(!clock.usable(unix("2085-12-21T16:46:58Z") as f64));
    }

    #[test]
    fn relative_times_need_an_anchor() {
        // 17.2 million seconds after the FIT epoch: a device that was never set.
        let rel = FIT_EPOCH + 17_196_264;
        let clock = Clock {
            tz: &TimeZone::UTC,
            relative_to_local: None,
        };
        assert!(
            clock
                .local(rel)
                .unwrap_err()
                .starts_with("times are relative to the device's power-on")
        );
        assert!(!clock.usable(rel as f64));
        // Anchored: local FIT seconds = relative + offset.
        let local_end = unix("2012-02-13T12:21:03Z") - FIT_EPOCH;
        let clock = Clock {
            tz: &TimeZone::UTC,
            relative_to_local: Some(local_end - 17_196_264),
        };
        assert_eq!(
            clock.local(rel).unwrap(),
            "2012-02-13T12:21:03".parse::<DateTime>().unwrap()
        );
        assert!(clock.usable(rel as f64));
    }

    #[test]
    fn sports_fall_back_to_the_sub_sport() {
        assert_eq!(
            sport_of(Some("fitness_equipment"), Some("indoor_rowing")),
            Sport::Row
        );
        assert_eq!(
            sport_of(Some("cycling"), Some("virtual_activity")),
            Sport::Bike
        );
        assert_eq!(
            sport_of(Some("training"), Some("strength_training")),
            Sport::Strength
        );
        assert_eq!(sport_of(Some("generic"), None), Sport::Other);
    }

    #[test]
    fn non_activity_reasons() {
        assert_eq!(
            file_type_reason("workout"),
            "not an activity (a workout plan, FIT file type 'workout')"
        );
        assert!(file_type_reason("monitoring_b").contains("daily monitoring"));
        assert_eq!(
            file_type_reason("type 99"),
            "not an activity (FIT file type 'type 99')"
        );
    }
}
