//! Every number in the guidance, with its default, overridable from a TOML profile.
//!
//! A clinic or a runner may disagree with a default (say, a 4–6-day pre-race window).
//! The profile is the one place those numbers live; rules, phases, the planner and the
//! budget read them from here. Unknown keys and impossible values are refused with a
//! message that names the key.

use serde::{Deserialize, Serialize};

use crate::massage::{Kind, Pressure};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Profile {
    pub windows: Windows,
    pub intervals: Intervals,
    pub phases: Phases,
    pub sessions: Sessions,
    pub values: Values,
    pub prices: Prices,
    pub scoring: Scoring,
    pub intake: IntakeRules,
}

/// What the intake answers mean (GUIDANCE §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeRules {
    /// Pain scored this high (out of 10) or more calls for a physiotherapist or doctor.
    pub pain_refer_at: u8,
}

impl Default for IntakeRules {
    fn default() -> Self {
        IntakeRules { pain_refer_at: 7 }
    }
}

/// The longest a pre- or post-race window may reach from its race, in days: a massage
/// booked as pre- or post-race is judged against the race this near.
pub const MAX_WINDOW_DAYS: i32 = 60;

/// Day windows around races and quality sessions (GUIDANCE §3, §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Windows {
    /// Pre-event massage: this many days before the race at the latest…
    pub pre_event_min_days: i32,
    /// …and at the earliest.
    pub pre_event_max_days: i32,
    /// The best day before the race.
    pub pre_event_ideal_days: i32,
    /// Post-event massage: earliest day after the race…
    pub post_event_min_days: i32,
    /// …and latest.
    pub post_event_max_days: i32,
    /// The best days after the race (inclusive range).
    pub post_event_ideal_min_days: i32,
    pub post_event_ideal_max_days: i32,
    /// No deep pressure within this many days before an A race.
    pub taper_pressure_days: i32,
    /// Deep pressure needs this many clear days (no hard/long session) after it.
    pub deep_buffer_days: i32,
    /// From this distance up, massage on the day after a race is an error, not a warning.
    pub long_race_km: f64,
    /// A training run this far (km) or farther is recovered from like a long race…
    pub ultra_effort_km: f64,
    /// …and so is one this long on foot (minutes).
    pub ultra_effort_min: f64,
    /// The planner prefers a maintenance massage this many days after a hard session.
    pub after_quality_ideal_min_days: i32,
    pub after_quality_ideal_max_days: i32,
}

/// Weeks between maintenance sessions, per phase (GUIDANCE §4, table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Intervals {
    pub base: Interval,
    pub build: Interval,
    pub peak: Interval,
    pub recovery: Interval,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    pub min_weeks: u32,
    pub ideal_weeks: u32,
    pub max_weeks: u32,
}

/// How phases are recognised (GUIDANCE §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Phases {
    /// Race week: this many days before an A race, race day included.
    pub race_week_days: i32,
    /// Taper length (days before the race, race week included) by race distance.
    pub taper_days_marathon: i32,
    pub taper_days_half: i32,
    pub taper_days_10k: i32,
    pub taper_days_shorter: i32,
    /// Recovery after an A race, in weeks.
    pub recovery_weeks: u32,
    /// Races within this many weeks of a longer race are its tune-ups (priority B).
    pub block_weeks: u32,
    /// A week is "build" when its load is at least this times the median of the
    /// weeks before it…
    pub build_ratio: f64,
    /// …and "peak" when it carries at least this share of the block's biggest week,
    /// within `peak_weeks` of the taper.
    pub peak_share: f64,
    pub peak_weeks: u32,
    /// How many earlier weeks make the runner's "recent history".
    pub history_weeks: u32,
    /// A load phase (base, build, peak) holds at least this many weeks before the
    /// volume may change it; taper, race week and recovery follow the race dates.
    pub min_weeks: u32,
    /// A run this many times the length of the week's other runs (their median) is the
    /// week's long run whatever its title…
    pub long_run_ratio: f64,
    /// …when it is also at least this long (minutes) or this far (km).
    pub long_run_min_minutes: f64,
    pub long_run_min_km: f64,
}

/// Pressure and length per kind of massage (GUIDANCE §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sessions {
    pub pre_event: KindSettings,
    pub post_event: KindSettings,
    pub maintenance: KindSettings,
    pub recovery_phase: KindSettings,
    /// No two massages closer than this many days.
    pub min_gap_days: i32,
    /// A maintenance session shortened to fit a crowded interval is half its length,
    /// but never shorter than this (minutes).
    pub shortest_min: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSettings {
    pub pressure_min: Pressure,
    pub pressure_max: Pressure,
    /// Shortest and longest session, minutes; the longer is used for long races.
    pub length_min: u32,
    pub length_max: u32,
}

/// Value of each session to the runner, for budget planning (GUIDANCE §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Values {
    pub post_event_a: u32,
    pub maintenance_build: u32,
    pub maintenance_peak: u32,
    pub pre_event_a: u32,
    pub post_event_b: u32,
    pub recovery_phase: u32,
    pub maintenance_base: u32,
    pub pre_event_b: u32,
}

/// Prices per kind, in the clinic's currency, for money budgets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Prices {
    pub pre_event: f64,
    pub post_event: f64,
    pub maintenance: f64,
    pub recovery_phase: f64,
}

/// Weights of the day-scoring (lower cost wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    /// Cost of each warning a day would carry.
    pub warning: f64,
    /// Cost per day away from the ideal day.
    pub per_day_from_ideal: f64,
    /// Bonus (subtracted) for a rest day.
    pub rest_day_bonus: f64,
    /// Bonus for an easy day followed by a rest day.
    pub easy_before_rest_bonus: f64,
    /// Bonus for 2–3 days after a hard session.
    pub after_quality_bonus: f64,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            pre_event_min_days: 3,
            pre_event_max_days: 7,
            pre_event_ideal_days: 5,
            post_event_min_days: 2,
            post_event_max_days: 5,
            post_event_ideal_min_days: 2,
            post_event_ideal_max_days: 3,
            taper_pressure_days: 14,
            deep_buffer_days: 2,
            long_race_km: crate::session::HALF_MARATHON_KM,
            ultra_effort_km: crate::session::MARATHON_KM,
            ultra_effort_min: 240.0,
            after_quality_ideal_min_days: 2,
            after_quality_ideal_max_days: 3,
        }
    }
}

impl Default for Intervals {
    fn default() -> Self {
        let i = |min_weeks, ideal_weeks, max_weeks| Interval {
            min_weeks,
            ideal_weeks,
            max_weeks,
        };
        Intervals {
            base: i(4, 4, 6),
            build: i(2, 2, 3),
            peak: i(1, 2, 2),
            recovery: i(2, 3, 4),
        }
    }
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            race_week_days: 7,
            taper_days_marathon: 21,
            taper_days_half: 14,
            taper_days_10k: 10,
            taper_days_shorter: 7,
            recovery_weeks: 4,
            block_weeks: 12,
            build_ratio: 1.05,
            peak_share: 0.9,
            peak_weeks: 6,
            history_weeks: 6,
            min_weeks: 2,
            long_run_ratio: 1.5,
            long_run_min_minutes: 90.0,
            long_run_min_km: 16.0,
        }
    }
}

impl Default for Sessions {
    fn default() -> Self {
        use Pressure::*;
        let k = |pressure_min, pressure_max, length_min, length_max| KindSettings {
            pressure_min,
            pressure_max,
            length_min,
            length_max,
        };
        Sessions {
            pre_event: k(Light, Moderate, 30, 45),
            post_event: k(Light, Moderate, 45, 60),
            maintenance: k(Moderate, Deep, 60, 60),
            recovery_phase: k(Moderate, Moderate, 60, 60),
            min_gap_days: 4,
            shortest_min: 30,
        }
    }
}

impl Default for Values {
    fn default() -> Self {
        Values {
            post_event_a: 10,
            maintenance_build: 7,
            maintenance_peak: 7,
            pre_event_a: 6,
            post_event_b: 5,
            recovery_phase: 5,
            maintenance_base: 4,
            pre_event_b: 2,
        }
    }
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            pre_event: 50.0,
            post_event: 65.0,
            maintenance: 65.0,
            recovery_phase: 65.0,
        }
    }
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            warning: 100.0,
            per_day_from_ideal: 4.0,
            rest_day_bonus: 6.0,
            easy_before_rest_bonus: 3.0,
            after_quality_bonus: 3.0,
        }
    }
}

/// A profile that could not be read, with the line when the TOML parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ProfileError {}

impl Profile {
    /// Reads a TOML profile. Keys left out keep their defaults.
    ///
    /// # Errors
    /// Unknown keys, wrong types and impossible values (a window whose minimum is above
    /// its maximum, a negative price…), each naming the key.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().trim().replace('\n', " ");
            ProfileError { line, message: msg }
        })?;
        profile.validate().map_err(|message| ProfileError {
            line: None,
            message,
        })?;
        Ok(profile)
    }

    /// The effective profile as TOML, every key present.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks that the numbers make sense together.
    ///
    /// # Errors
    /// The first problem found, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=10).contains(&self.intake.pain_refer_at) {
            return Err(format!(
                "intake.pain_refer_at: expected 1 to 10; found {}",
                self.intake.pain_refer_at
            ));
        }
        let w = &self.windows;
        let range = |name: &str, min: i32, ideal_lo: i32, ideal_hi: i32, max: i32| {
            if min < 0
                || max > MAX_WINDOW_DAYS
                || !(min <= ideal_lo && ideal_lo <= ideal_hi && ideal_hi <= max)
            {
                Err(format!(
                    "windows.{name}: expected 0 <= min <= ideal <= max <= {MAX_WINDOW_DAYS} days; found min {min}, ideal {ideal_lo}..{ideal_hi}, max {max}"
                ))
            } else {
                Ok(())
            }
        };
        range(
            "pre_event_*",
            w.pre_event_min_days,
            w.pre_event_ideal_days,
            w.pre_event_ideal_days,
            w.pre_event_max_days,
        )?;
        if w.pre_event_min_days < 1 {
            return Err("windows.pre_event_min_days: expected at least 1 (race day itself is never allowed)".into());
        }
        range(
            "post_event_*",
            w.post_event_min_days,
            w.post_event_ideal_min_days,
            w.post_event_ideal_max_days,
            w.post_event_max_days,
        )?;
        range(
            "after_quality_ideal_*",
            0,
            w.after_quality_ideal_min_days,
            w.after_quality_ideal_max_days,
            60,
        )?;
        for (name, v) in [
            ("windows.taper_pressure_days", w.taper_pressure_days),
            ("windows.deep_buffer_days", w.deep_buffer_days),
        ] {
            if !(0..=60).contains(&v) {
                return Err(format!("{name}: expected 0 to 60 days; found {v}"));
            }
        }
        if !(w.long_race_km.is_finite() && w.long_race_km > 0.0) {
            return Err(format!(
                "windows.long_race_km: expected a positive distance; found {}",
                w.long_race_km
            ));
        }
        if !(w.ultra_effort_km.is_finite() && (1.0..=1000.0).contains(&w.ultra_effort_km)) {
            return Err(format!(
                "windows.ultra_effort_km: expected a distance from 1 to 1000 km; found {}",
                w.ultra_effort_km
            ));
        }
        if !(w.ultra_effort_min.is_finite() && (30.0..=24.0 * 60.0).contains(&w.ultra_effort_min)) {
            return Err(format!(
                "windows.ultra_effort_min: expected 30 to 1440 minutes; found {}",
                w.ultra_effort_min
            ));
        }
        for (name, i) in [
            ("base", self.intervals.base),
            ("build", self.intervals.build),
            ("peak", self.intervals.peak),
            ("recovery", self.intervals.recovery),
        ] {
            if !(1 <= i.min_weeks
                && i.min_weeks <= i.ideal_weeks
                && i.ideal_weeks <= i.max_weeks
                && i.max_weeks <= 26)
            {
                return Err(format!(
                    "intervals.{name}: expected 1 <= min_weeks <= ideal_weeks <= max_weeks <= 26; found {}, {}, {}",
                    i.min_weeks, i.ideal_weeks, i.max_weeks
                ));
            }
        }
        let p = &self.phases;
        for (name, v) in [
            ("race_week_days", p.race_week_days),
            ("taper_days_marathon", p.taper_days_marathon),
            ("taper_days_half", p.taper_days_half),
            ("taper_days_10k", p.taper_days_10k),
            ("taper_days_shorter", p.taper_days_shorter),
        ] {
            if !(0..=90).contains(&v) {
                return Err(format!("phases.{name}: expected 0 to 90 days; found {v}"));
            }
        }
        if !(p.build_ratio.is_finite() && p.build_ratio > 0.0) {
            return Err(format!(
                "phases.build_ratio: expected a positive number; found {}",
                p.build_ratio
            ));
        }
        if !(p.peak_share.is_finite() && p.peak_share > 0.0 && p.peak_share <= 1.0) {
            return Err(format!(
                "phases.peak_share: expected a share between 0 and 1; found {}",
                p.peak_share
            ));
        }
        if p.recovery_weeks > 26
            || p.block_weeks > 52
            || p.peak_weeks > 26
            || p.history_weeks == 0
            || p.history_weeks > 52
        {
            return Err("phases: recovery_weeks and peak_weeks at most 26, block_weeks at most 52, history_weeks 1 to 52".into());
        }
        if !(1..=8).contains(&p.min_weeks) {
            return Err(format!(
                "phases.min_weeks: expected 1 to 8 weeks; found {}",
                p.min_weeks
            ));
        }
        if !(p.long_run_ratio.is_finite() && (1.0..=5.0).contains(&p.long_run_ratio)) {
            return Err(format!(
                "phases.long_run_ratio: expected a number from 1 to 5; found {}",
                p.long_run_ratio
            ));
        }
        for (name, v, max) in [
            ("long_run_min_minutes", p.long_run_min_minutes, 600.0),
            ("long_run_min_km", p.long_run_min_km, 100.0),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= max) {
                return Err(format!(
                    "phases.{name}: expected a positive number up to {max}; found {v}"
                ));
            }
        }
        if !(10..=240).contains(&self.sessions.shortest_min) {
            return Err(format!(
                "sessions.shortest_min: expected 10 to 240 minutes; found {}",
                self.sessions.shortest_min
            ));
        }
        for kind in Kind::ALL {
            let k = self.sessions.get(kind);
            if k.pressure_min > k.pressure_max {
                return Err(format!(
                    "sessions.{}: pressure_min is firmer than pressure_max",
                    kind.as_str()
                ));
            }
            if k.length_min == 0 || k.length_min > k.length_max || k.length_max > 240 {
                return Err(format!(
                    "sessions.{}: expected 0 < length_min <= length_max <= 240 minutes; found {} and {}",
                    kind.as_str(),
                    k.length_min,
                    k.length_max
                ));
            }
        }
        if self.sessions.pre_event.pressure_max == Pressure::Deep {
            return Err("sessions.pre_event.pressure_max: pre-race work is never deep; expected light or moderate".into());
        }
        if !(0..=30).contains(&self.sessions.min_gap_days) {
            return Err(format!(
                "sessions.min_gap_days: expected 0 to 30; found {}",
                self.sessions.min_gap_days
            ));
        }
        for kind in Kind::ALL {
            let price = self.prices.get(kind);
            if !(price.is_finite() && (0.0..1_000_000.0).contains(&price)) {
                return Err(format!(
                    "prices.{}: expected a price of 0 or more; found {price}",
                    kind.as_str()
                ));
            }
        }
        let s = &self.scoring;
        for (name, v) in [
            ("warning", s.warning),
            ("per_day_from_ideal", s.per_day_from_ideal),
            ("rest_day_bonus", s.rest_day_bonus),
            ("easy_before_rest_bonus", s.easy_before_rest_bonus),
            ("after_quality_bonus", s.after_quality_bonus),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "scoring.{name}: expected a number of 0 or more; found {v}"
                ));
            }
        }
        Ok(())
    }

    pub fn interval(&self, phase: crate::phase::Phase) -> Option<Interval> {
        use crate::phase::Phase::*;
        match phase {
            Base => Some(self.intervals.base),
            Build => Some(self.intervals.build),
            Peak => Some(self.intervals.peak),
            Recovery => Some(self.intervals.recovery),
            Taper | RaceWeek => None,
        }
    }
}

impl Sessions {
    pub fn get(&self, kind: Kind) -> &KindSettings {
        match kind {
            Kind::PreEvent => &self.pre_event,
            Kind::PostEvent => &self.post_event,
            Kind::Maintenance => &self.maintenance,
            Kind::RecoveryPhase => &self.recovery_phase,
        }
    }
}

impl Prices {
    pub fn get(&self, kind: Kind) -> f64 {
        match kind {
            Kind::PreEvent => self.pre_event,
            Kind::PostEvent => self.post_event,
            Kind::Maintenance => self.maintenance,
            Kind::RecoveryPhase => self.recovery_phase,
        }
    }

    pub fn set(&mut self, kind: Kind, price: f64) {
        match kind {
            Kind::PreEvent => self.pre_event = price,
            Kind::PostEvent => self.post_event = price,
            Kind::Maintenance => self.maintenance = price,
            Kind::RecoveryPhase => self.recovery_phase = price,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_is_valid_and_round_trips() {
        let p = Profile::default();
        p.validate().unwrap();
        assert_eq!(Profile::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn a_partial_profile_keeps_the_other_defaults() {
        let p =
            Profile::from_toml("[windows]\npre_event_min_days = 4\n[prices]\nmaintenance = 80\n")
                .unwrap();
        assert_eq!(p.windows.pre_event_min_days, 4);
        assert_eq!(p.windows.pre_event_max_days, 7);
        assert_eq!(p.prices.maintenance, 80.0);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = Profile::from_toml("[windows]\npre_event_min_days = 4\npre_evnt_max_days = 6\n")
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("pre_evnt_max_days"), "{e}");
    }

    #[test]
    fn impossible_values_are_refused() {
        let e = Profile::from_toml("[windows]\npre_event_min_days = 8\n").unwrap_err();
        assert!(e.message.contains("windows.pre_event"), "{e}");
        let e = Profile::from_toml("[sessions.pre_event]\npressure_min = \"light\"\npressure_max = \"deep\"\nlength_min = 30\nlength_max = 45\n").unwrap_err();
        assert!(e.message.contains("never deep"), "{e}");
        let e = Profile::from_toml("[prices]\nmaintenance = -5\n").unwrap_err();
        assert!(e.message.contains("prices.maintenance"), "{e}");
        let e = Profile::from_toml("[windows]\ntaper_pressure_days = \"two weeks\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }
}
