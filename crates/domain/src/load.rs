//! Training load from what the runner actually did: per-activity load, the class of a
//! completed run, and the fitness / fatigue / form series (GUIDANCE §7).
//!
//! Load is on one scale everywhere, that of running TSS: 100 is one hour at threshold.
//! - Heart rate present: Banister's TRIMP (time × HRr × a·e^(b·HRr), a = 0.64, b = 1.92;
//!   0.86 and 1.67 for women), scaled so one hour at threshold heart rate scores 100.
//! - Pace present (runs): running TSS = hours × IF² × 100, IF = effort speed ÷ threshold
//!   speed, with each metre climbed counted as 8 metres run (a flat-equivalent).
//! - Otherwise: the class estimate of [`crate::phase::estimate_load`].
//!
//! Fitness and fatigue are exponentially weighted averages of daily load with time
//! constants of 42 and 7 days; form = fitness − fatigue (the performance-manager model).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::activity::{Activity, Sport};
use crate::classify::classify;
use crate::entry::Entry;
use crate::phase::estimate_load;
use crate::season::{add_days, days_between, monday_of};
use crate::session::{Class, Session};

/// What is known of the runner's physiology; missing values are estimated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Athlete {
    pub rest_hr: Option<f64>,
    pub max_hr: Option<f64>,
    /// Threshold pace in seconds per kilometre.
    pub threshold_pace_s_per_km: Option<f64>,
    /// TRIMP's constants differ for women.
    pub female: bool,
}

/// The values actually used, after estimation, with how each was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Physiology {
    pub rest_hr: f64,
    pub max_hr: f64,
    pub threshold_hr: f64,
    pub threshold_speed_mps: f64,
    pub female: bool,
    pub notes: Vec<String>,
}

/// Assumed resting heart rate when none is given.
pub const DEFAULT_REST_HR: f64 = 60.0;
/// Assumed maximum heart rate when no activity shows one.
pub const DEFAULT_MAX_HR: f64 = 185.0;
/// Assumed threshold pace (5:00 per km) when no run tells.
pub const DEFAULT_THRESHOLD_SPEED: f64 = 1000.0 / 300.0;
/// Threshold heart rate as a share of heart-rate reserve.
pub const THRESHOLD_HRR: f64 = 0.85;
/// Metres of flat running one metre of climb is worth.
pub const CLIMB_FACTOR: f64 = 8.0;

/// Fills in what the runner did not give, from their activities.
pub fn physiology(athlete: &Athlete, activities: &[Activity]) -> Physiology {
    let mut notes = Vec::new();
    let max_hr = athlete.max_hr.unwrap_or_else(|| {
        // The highest heart rate held for at least 5 seconds, across all activities…
        let held = activities
            .iter()
            .flat_map(|a| {
                a.hr_seconds
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, s)| **s >= 5.0)
                    .map(|(b, _)| b as f64)
            })
            .fold(0.0, f64::max);
        // …or the maximum an activity without samples reports (a Strava export's row,
        // a watch's summary), unless it is a lone spike far above every other.
        let seen = held.max(summary_max_hr(activities));
        if seen >= 120.0 {
            notes.push(format!(
                "maximum heart rate {seen:.0} taken from the highest seen in your activities"
            ));
            seen
        } else {
            notes.push(format!(
                "maximum heart rate assumed {DEFAULT_MAX_HR:.0} (none seen; give --max-hr)"
            ));
            DEFAULT_MAX_HR
        }
    });
    let rest_hr = athlete.rest_hr.unwrap_or_else(|| {
        notes.push(format!(
            "resting heart rate assumed {DEFAULT_REST_HR:.0} (give --rest-hr)"
        ));
        DEFAULT_REST_HR
    });
    let rest_hr = rest_hr.min(max_hr - 20.0);
    let threshold_speed_mps = match athlete.threshold_pace_s_per_km {
        Some(p) if p > 0.0 => 1000.0 / p,
        _ => {
            // The best average speed held for 20–70 minutes is close to threshold.
            let mut speeds: Vec<f64> = activities
                .iter()
                .filter(|a| a.sport == Sport::Run && (1200.0..=4200.0).contains(&a.active_s()))
                .filter_map(effort_speed)
                .filter(|s| (1.5..=7.0).contains(s))
                .collect();
            speeds.sort_by(f64::total_cmp);
            match speeds.last() {
                Some(best) => {
                    notes.push(format!(
                        "threshold pace {} per km from your fastest 20–70 minute run",
                        pace(*best)
                    ));
                    *best
                }
                None => {
                    notes.push("threshold pace assumed 5:00 per km (give --threshold-pace)".into());
                    DEFAULT_THRESHOLD_SPEED
                }
            }
        }
    };
    Physiology {
        rest_hr,
        max_hr,
        threshold_hr: rest_hr + THRESHOLD_HRR * (max_hr - rest_hr),
        threshold_speed_mps,
        female: athlete.female,
        notes,
    }
}

/// A reading this far above the next highest is a sensor spike.
const HR_SPIKE_BPM: f64 = 10.0;

/// The highest plausible maximum heart rate reported by activities that carry no
/// samples; 0 when none does.
fn summary_max_hr(activities: &[Activity]) -> f64 {
    let mut maxima: Vec<f64> = activities
        .iter()
        .filter(|a| a.hr_seconds.is_empty())
        .filter_map(|a| a.max_hr)
        .filter(|m| (120.0..=230.0).contains(m))
        .collect();
    maxima.sort_by(|a, b| b.total_cmp(a));
    // The first reading with another close below it; a single reading stands alone.
    maxima
        .windows(2)
        .find(|w| w[0] - w[1] <= HR_SPIKE_BPM)
        .map(|w| w[0])
        .or_else(|| (maxima.len() == 1).then(|| maxima[0]))
        .unwrap_or(0.0)
}

/// "4:35" for a speed in m/s.
pub fn pace(speed_mps: f64) -> String {
    if speed_mps <= 0.0 {
        return "–".into();
    }
    let s = (1000.0 / speed_mps).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Flat-equivalent speed: distance plus climbing, over moving time.
fn effort_speed(a: &Activity) -> Option<f64> {
    let d = a.distance_m? + CLIMB_FACTOR * a.elevation_gain_m.unwrap_or(0.0);
    let t = a.active_s();
    (d > 0.0 && t > 0.0).then_some(d / t)
}

fn trimp_weight(hrr: f64, female: bool) -> f64 {
    let (a, b) = if female { (0.86, 1.67) } else { (0.64, 1.92) };
    hrr * a * (b * hrr).exp()
}

/// Banister TRIMP of an activity's heart-rate histogram, in TRIMP units.
pub fn trimp(a: &Activity, p: &Physiology) -> Option<f64> {
    if a.hr_seconds.is_empty() {
        // Banister's own form: the whole active time at the average heart rate.
        let avg = a.avg_hr.filter(|h| (25.0..=250.0).contains(h))?;
        let hrr = ((avg - p.rest_hr) / (p.max_hr - p.rest_hr)).clamp(0.0, 1.1);
        let total = a.active_s() / 60.0 * trimp_weight(hrr, p.female);
        return (total > 0.0).then_some(total);
    }
    let mut total = 0.0;
    for (bpm, secs) in a.hr_seconds.iter().enumerate() {
        if *secs <= 0.0 {
            continue;
        }
        let hrr = ((bpm as f64 - p.rest_hr) / (p.max_hr - p.rest_hr)).clamp(0.0, 1.1);
        total += f64::from(*secs) / 60.0 * trimp_weight(hrr, p.female);
    }
    (total > 0.0).then_some(total)
}

/// How the load of an activity was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadSource {
    HeartRate,
    Pace,
    Estimate,
}

/// Load of one activity on the TSS scale.
pub fn activity_load(a: &Activity, class: Class, p: &Physiology) -> (f64, LoadSource) {
    if let Some(t) = trimp(a, p) {
        let hour_at_threshold = 60.0 * trimp_weight(THRESHOLD_HRR, p.female);
        return (t / hour_at_threshold * 100.0, LoadSource::HeartRate);
    }
    if a.sport == Sport::Run
        && let Some(speed) = effort_speed(a)
    {
        let intensity = speed / p.threshold_speed_mps;
        return (
            a.active_s() / 3600.0 * intensity * intensity * 100.0,
            LoadSource::Pace,
        );
    }
    let s = Session {
        last_date: None,
        end: None,
        date: a.date(),
        start: Some(a.start),
        title: a.name.as_str().into(),
        class,
        distance_km: a.distance_m.map(|m| m / 1000.0),
        duration_min: Some(a.active_s() / 60.0),
        unclassified: false,
        hills: false,
        priority_hint: None,
        load: None,
        origin: a.origin.clone(),
        away: false,
    };
    (estimate_load(&s), LoadSource::Estimate)
}

/// Share of the time spent at or above threshold heart rate.
fn share_above_threshold(a: &Activity, p: &Physiology) -> Option<(f64, f64)> {
    if a.hr_seconds.is_empty() {
        return None;
    }
    let total: f64 = a.hr_seconds.iter().map(|s| f64::from(*s)).sum();
    let hard: f64 = a
        .hr_seconds
        .iter()
        .enumerate()
        .filter(|(bpm, _)| *bpm as f64 >= p.threshold_hr - 3.0)
        .map(|(_, s)| f64::from(*s))
        .sum();
    (total > 0.0).then_some((hard / total, hard))
}

/// A completed activity understood as a session, with its measured load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completed {
    pub session: Session,
    pub load_source: LoadSource,
    pub sport: Sport,
}

/// What recorded activities say: the runner's physiology, read from them and what the
/// runner told, and each activity understood as a session with its load.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub physiology: Physiology,
    pub completed: Vec<Completed>,
}

impl Recorded {
    /// The recorded sessions, for [`crate::Season::build`].
    pub fn sessions(&self) -> Vec<Session> {
        self.completed.iter().map(|c| c.session.clone()).collect()
    }
}

/// Reads recorded activities: physiology first, then every activity by it. The one way
/// the CLI, the server and the pages read history.
pub fn recorded(athlete: &Athlete, activities: &[Activity]) -> Recorded {
    let physiology = physiology(athlete, activities);
    let completed = understand(activities, &physiology);
    Recorded {
        physiology,
        completed,
    }
}

/// Classes and loads every activity. `usual_long_s` is the runner's usual long run,
/// taken from the activities themselves when not given.
pub fn understand(activities: &[Activity], p: &Physiology) -> Vec<Completed> {
    let mut sorted: Vec<&Activity> = activities.iter().collect();
    sorted.sort_by_key(|a| a.start);
    // Longest run of each week, for "relative to the usual long run".
    let mut longest: BTreeMap<Date, f64> = BTreeMap::new();
    for a in sorted.iter().filter(|a| a.sport == Sport::Run) {
        let w = monday_of(a.date());
        let e = longest.entry(w).or_default();
        *e = e.max(a.active_s());
    }
    sorted
        .into_iter()
        .map(|a| {
            let usual_long = usual_long(&longest, a.date());
            let class = class_of(a, p, usual_long);
            let (load, load_source) = activity_load(a, class, p);
            let session = Session {
                last_date: None,
                end: None,
                date: a.date(),
                start: Some(a.start),
                title: if a.name.trim().is_empty() {
                    format!("{} (recorded)", a.sport.as_str()).into()
                } else {
                    a.name.as_str().into()
                },
                class,
                distance_km: a.distance_m.map(|m| m / 1000.0),
                duration_min: Some(a.active_s() / 60.0),
                unclassified: false,
                hills: a
                    .elevation_gain_m
                    .zip(a.distance_m)
                    .is_some_and(|(g, d)| d > 0.0 && g / d > 0.02),
                priority_hint: None,
                load: Some(load),
                origin: a.origin.clone(),
                away: false,
            };
            Completed {
                session,
                load_source,
                sport: a.sport,
            }
        })
        .collect()
}

/// Median of the weekly longest runs over the eight weeks before `d` (seconds).
fn usual_long(longest: &BTreeMap<Date, f64>, d: Date) -> Option<f64> {
    let from = add_days(monday_of(d), -56);
    let mut v: Vec<f64> = longest.range(from..monday_of(d)).map(|(_, s)| *s).collect();
    if v.len() < 3 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Time on foot past which a recorded run is treated as a race for recovery.
const ULTRA_EFFORT_S: f64 = 4.0 * 3600.0;

fn class_of(a: &Activity, p: &Physiology, usual_long_s: Option<f64>) -> Class {
    match a.sport {
        Sport::Strength => return Class::Strength,
        Sport::Run => {}
        _ => return Class::Cross,
    }
    let named = classify(&Entry::new(a.date(), a.name.clone())).class;
    let t = a.active_s();
    let intensity = effort_speed(a).map(|s| s / p.threshold_speed_mps);
    let hr_share = share_above_threshold(a, p);
    // A race: the name says so, or a near-maximal effort held throughout.
    let max_effort_hr = a.avg_hr.is_some_and(|h| {
        (h >= 0.92 * p.max_hr && t >= 12.0 * 60.0) || (h >= 0.87 * p.max_hr && t >= 100.0 * 60.0)
    });
    let max_effort_pace = intensity.is_some_and(|i| i >= 1.02) && t >= 15.0 * 60.0
        || intensity.is_some_and(|i| i >= 0.88)
            && t >= 2.0 * 3600.0
            && a.distance_m.is_some_and(|d| d >= 40_000.0);
    // A name is believed when the effort bears it out (or nothing was measured): a
    // "Chasing the half" jog is a run, not a race.
    let measured = intensity.is_some() || a.avg_hr.is_some();
    let effortful =
        intensity.is_some_and(|i| i >= 0.8) || a.avg_hr.is_some_and(|h| h >= 0.8 * p.max_hr);
    let named_race = named == Class::Race && (effortful || !measured);
    // Ultra length is recovered from like a race, whatever the pace: a marathon's distance
    // or four hours on foot.
    let ultra_length = a.distance_m.is_some_and(|d| d >= 42_000.0) || t >= ULTRA_EFFORT_S;
    if named_race
        || ultra_length
        || max_effort_hr
        || (max_effort_pace && hr_share.is_none_or(|(s, _)| s >= 0.6))
    {
        return Class::Race;
    }
    let long_threshold = usual_long_s.map_or(90.0 * 60.0, |u| (0.8 * u).max(75.0 * 60.0));
    if named == Class::Long || t >= long_threshold {
        return Class::Long;
    }
    let hard_hr = hr_share.is_some_and(|(share, secs)| share >= 0.2 || secs >= 10.0 * 60.0);
    let hard_pace = hr_share.is_none() && intensity.is_some_and(|i| i >= 0.88);
    if named == Class::Hard || hard_hr || hard_pace {
        return Class::Hard;
    }
    Class::Easy
}

/// One day of the fitness / fatigue / form series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Day {
    pub date: Date,
    pub load: f64,
    pub fitness: f64,
    pub fatigue: f64,
    pub form: f64,
}

pub const FITNESS_DAYS: f64 = 42.0;
pub const FATIGUE_DAYS: f64 = 7.0;

/// Daily fitness, fatigue and form from the first to the last day with a session.
pub fn series(sessions: &[Session]) -> Vec<Day> {
    let mut by_day: BTreeMap<Date, f64> = BTreeMap::new();
    for s in sessions {
        *by_day.entry(s.date).or_default() += estimate_load(s);
    }
    let (Some(first), Some(last)) = (
        by_day.keys().next().copied(),
        by_day.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let kf = 1.0 - (-1.0 / FITNESS_DAYS).exp();
    let ka = 1.0 - (-1.0 / FATIGUE_DAYS).exp();
    let (mut fitness, mut fatigue) = (0.0, 0.0);
    let mut out = Vec::with_capacity(days_between(first, last).max(0) as usize + 1);
    for d in crate::dates::days(first, last) {
        let load = by_day.get(&d).copied().unwrap_or(0.0);
        fitness += (load - fitness) * kf;
        fatigue += (load - fatigue) * ka;
        out.push(Day {
            date: d,
            load,
            fitness,
            fatigue,
            form: fitness - fatigue,
        });
    }
    out
}

pub use crate::season::merge;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Origin;
    use jiff::civil::date;

    fn run(name: &str, minutes: f64, km: f64, bpm: Option<f64>) -> Activity {
        let mut a = Activity {
            sport: Sport::Run,
            name: name.into(),
            start: date(2027, 3, 3).at(7, 0, 0, 0),
            elapsed_s: minutes * 60.0,
            moving_s: None,
            distance_m: Some(km * 1000.0),
            elevation_gain_m: None,
            avg_hr: bpm,
            max_hr: bpm,
            hr_seconds: Vec::new(),
            origin: Origin::default(),
        };
        if let Some(b) = bpm {
            a.add_hr(b, minutes * 60.0);
        }
        a
    }

    fn phys() -> Physiology {
        physiology(
            &Athlete {
                rest_hr: Some(50.0),
                max_hr: Some(190.0),
                threshold_pace_s_per_km: Some(270.0),
                female: false,
            },
            &[],
        )
    }

    #[test]
    fn an_hour_at_threshold_heart_rate_scores_100() {
        let p = phys();
        let a = run("Tempo", 60.0, 12.0, Some(p.threshold_hr));
        let (load, src) = activity_load(&a, Class::Hard, &p);
        assert_eq!(src, LoadSource::HeartRate);
        assert!((load - 100.0).abs() < 1.5, "{load}");
    }

    #[test]
    fn an_hour_at_threshold_pace_scores_100() {
        let p = phys();
        let a = run("Tempo", 60.0, 3600.0 / 270.0, None);
        let (load, src) = activity_load(&a, Class::Hard, &p);
        assert_eq!(src, LoadSource::Pace);
        assert!((load - 100.0).abs() < 0.5, "{load}");
    }

    /// A row of a Strava export without its file: heart rate only as summary numbers.
    fn summary_only(avg: f64, max: f64) -> Activity {
        let mut a = run("Morning Run", 60.0, 11.0, None);
        a.avg_hr = Some(avg);
        a.max_hr = Some(max);
        a
    }

    #[test]
    fn maximum_heart_rate_comes_from_summaries_when_no_samples_exist() {
        let none = Athlete::default();
        let acts = [
            summary_only(150.0, 188.0),
            summary_only(155.0, 193.0),
            summary_only(140.0, 179.0),
        ];
        let p = physiology(&none, &acts);
        assert_eq!(p.max_hr, 193.0, "{:?}", p.notes);
        // A lone reading far above every other is a sensor spike, not the runner.
        let spiky = [
            summary_only(150.0, 236.0),
            summary_only(155.0, 186.0),
            summary_only(140.0, 183.0),
        ];
        assert_eq!(physiology(&none, &spiky).max_hr, 186.0);
        // Samples held for seconds still win over a summary that says less.
        let mut sampled = run("Intervals", 40.0, 9.0, Some(150.0));
        sampled.add_hr(197.0, 20.0);
        let p = physiology(&none, &[sampled, summary_only(150.0, 190.0)]);
        assert_eq!(p.max_hr, 197.0);
    }

    #[test]
    fn average_heart_rate_alone_still_measures_the_load() {
        let p = phys();
        let a = summary_only(p.threshold_hr, 190.0);
        let (load, src) = activity_load(&a, Class::Hard, &p);
        assert_eq!(src, LoadSource::HeartRate);
        assert!((load - 100.0).abs() < 1.5, "{load}");
    }

    #[test]
    fn easy_heart_rate_scores_much_less_than_threshold() {
        let p = phys();
        let easy = activity_load(&run("Easy", 60.0, 10.0, Some(130.0)), Class::Easy, &p).0;
        assert!(easy > 20.0 && easy < 60.0, "{easy}");
    }

    #[test]
    fn completed_runs_are_classified_from_the_data() {
        let p = phys();
        let c = |a: Activity| understand(&[a], &p)[0].session.class;
        assert_eq!(c(run("Morning Run", 45.0, 8.0, Some(135.0))), Class::Easy);
        assert_eq!(
            c(run("Morning Run", 50.0, 11.0, Some(p.threshold_hr - 1.0))),
            Class::Hard
        );
        assert_eq!(
            c(run("Morning Run", 40.0, 10.0, Some(0.93 * 190.0))),
            Class::Race
        );
        assert_eq!(c(run("Parkrun", 22.0, 5.0, None)), Class::Race);
        // A race word in the name of an easy jog is not a race; a day-long run is one.
        assert_eq!(
            c(run("Chasing the half", 60.0, 10.0, Some(128.0))),
            Class::Easy
        );
        assert_eq!(
            c(run("Race week shakeout", 25.0, 4.0, Some(125.0))),
            Class::Easy
        );
        assert_eq!(
            c(run("Lakeland loop", 14.0 * 60.0, 100.0, Some(132.0))),
            Class::Race
        );
        assert_eq!(c(run("Sunday", 130.0, 22.0, Some(140.0))), Class::Long);
        let mut bike = run("Ride", 90.0, 40.0, Some(140.0));
        bike.sport = Sport::Bike;
        assert_eq!(c(bike), Class::Cross);
    }

    #[test]
    fn fitness_and_fatigue_follow_their_time_constants() {
        let mut sessions = Vec::new();
        for k in 0..100 {
            let mut s = classify(&Entry::new(add_days(date(2027, 1, 1), k), "Easy"));
            s.load = Some(100.0);
            sessions.push(s);
        }
        let days = series(&sessions);
        assert_eq!(days.len(), 100);
        let last = days.last().unwrap();
        // After 100 days of 100 a day, fatigue is ~100 and fitness ~1 - e^(-100/42).
        assert!((last.fatigue - 100.0).abs() < 0.1);
        let expected = 100.0 * (1.0 - (-100.0f64 / 42.0).exp());
        assert!(
            (last.fitness - expected).abs() < 1.0,
            "{} vs {expected}",
            last.fitness
        );
        assert!(last.form < 0.0);
    }

    #[test]
    fn recorded_days_replace_planned_ones() {
        let done = vec![classify(&Entry::new(date(2027, 3, 1), "Easy"))];
        let planned = vec![
            classify(&Entry::new(date(2027, 3, 1), "Intervals 6x800")),
            classify(&Entry::new(date(2027, 3, 2), "Tempo 5 mi")),
        ];
        let merged = merge(done, planned);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].class, Class::Easy);
        assert_eq!(merged[1].class, Class::Hard);
    }
}
