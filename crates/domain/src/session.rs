//! Training sessions and races: what each calendar entry is, once understood.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::entry::Origin;

/// The classes of training session the rules tell apart (GUIDANCE §2).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Race,
    Long,
    Hard,
    Easy,
    Cross,
    Strength,
    Rest,
}

impl Class {
    pub const ALL: [Class; 7] = [
        Class::Race,
        Class::Long,
        Class::Hard,
        Class::Easy,
        Class::Cross,
        Class::Strength,
        Class::Rest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Race => "race",
            Class::Long => "long",
            Class::Hard => "hard",
            Class::Easy => "easy",
            Class::Cross => "cross",
            Class::Strength => "strength",
            Class::Rest => "rest",
        }
    }

    /// Parses a class name as written in a CSV `kind` column (a few synonyms accepted).
    pub fn parse(s: &str) -> Option<Class> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "race" => Class::Race,
            "long" | "long run" | "long_run" => Class::Long,
            "hard" | "quality" | "workout" | "intervals" | "tempo" => Class::Hard,
            "easy" | "recovery" => Class::Easy,
            "cross" | "cross-training" | "crosstraining" | "xt" => Class::Cross,
            "strength" | "gym" => Class::Strength,
            "rest" | "off" => Class::Rest,
            _ => return None,
        })
    }

    /// Hard and long sessions are the "quality" days that massage must keep away from.
    pub fn is_quality(self) -> bool {
        matches!(self, Class::Hard | Class::Long)
    }
}

/// Race priority: A is the goal race, B a race that matters, C a training race.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Priority {
    A,
    B,
    C,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::A => "A",
            Priority::B => "B",
            Priority::C => "C",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        match s.trim() {
            "A" | "a" => Some(Priority::A),
            "B" | "b" => Some(Priority::B),
            "C" | "c" => Some(Priority::C),
            _ => None,
        }
    }
}

/// Standard distances, in kilometres.
pub const HALF_MARATHON_KM: f64 = 21.0975;
pub const MARATHON_KM: f64 = 42.195;
pub const MILE_KM: f64 = 1.609_344;

/// Parses a race distance as the command line takes it: `5k`, `10k`, `half`,
/// `marathon`, `50k`, or a number with `km`/`mi`.
///
/// # Errors
/// A message saying what was expected, for the caller to attach to the flag.
pub fn parse_distance(s: &str) -> Result<f64, String> {
    let t = s.trim().to_ascii_lowercase();
    let named = match t.as_str() {
        "half" | "half-marathon" | "half_marathon" | "half marathon" | "hm" | "semi"
        | "semi-marathon" => Some(HALF_MARATHON_KM),
        "marathon" | "full" => Some(MARATHON_KM),
        "parkrun" => Some(5.0),
        "ultra" => Some(50.0),
        _ => None,
    };
    if let Some(km) = named {
        return Ok(km);
    }
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), ""),
    };
    let value: f64 = num.parse().map_err(|_| {
        format!(
            "expected a distance like 5k, 10k, half, marathon, 50k, 30km or 26.2mi; found {s:?}"
        )
    })?;
    let km = match unit.trim() {
        // A bare number could be either unit: say which rather than guess.
        "" => {
            return Err(format!(
                "{num} has no unit: write {num}km ({num} kilometres) or {num}mi ({:.1} kilometres)",
                value * MILE_KM
            ));
        }
        "k" | "km" | "kms" | "kilometres" | "kilometers" => value,
        "mi" | "mile" | "miles" => value * MILE_KM,
        "m" => value / 1000.0,
        _ => {
            return Err(format!(
                "expected a distance like 5k, 10k, half, marathon, 50k, 30km or 26.2mi; found {s:?}"
            ));
        }
    };
    if !(km.is_finite() && km > 0.0 && km <= 1000.0) {
        return Err(format!(
            "expected a race distance between 0 and 1000 km; found {s:?}"
        ));
    }
    Ok(km)
}

/// A short human label for a distance: "marathon", "half marathon", "10K", "50K".
pub fn distance_label(km: f64) -> String {
    if (km - MARATHON_KM).abs() < 0.3 {
        "marathon".into()
    } else if (km - HALF_MARATHON_KM).abs() < 0.2 {
        "half marathon".into()
    } else if (km - km.round()).abs() < 0.05 {
        format!("{}K", km.round() as i64)
    } else {
        format!("{km:.1} km")
    }
}

/// One understood training session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub date: Date,
    pub start: Option<DateTime>,
    /// The last local date it covers, when it runs past its first day.
    #[serde(default)]
    pub last_date: Option<Date>,
    /// When it ends (local), when known.
    #[serde(default)]
    pub end: Option<DateTime>,
    pub title: std::sync::Arc<str>,
    pub class: Class,
    pub distance_km: Option<f64>,
    pub duration_min: Option<f64>,
    /// True when nothing in the title said what it was; it then counts as easy and the
    /// runner is told so.
    pub unclassified: bool,
    /// True when the session mentions hills (used to explain tight calves).
    pub hills: bool,
    /// Priority written in the text ("A race", "goal race", "tune-up"), races only.
    pub priority_hint: Option<Priority>,
    /// Training load measured from an activity file (TRIMP or TSS); `None` for planned
    /// sessions, whose load is estimated from class and length.
    #[serde(default)]
    pub load: Option<f64>,
    pub origin: Origin,
    /// The runner is away (a holiday, a trip) on every day it covers: no massage then.
    #[serde(default)]
    pub away: bool,
}

/// The text with its first letter in capitals.
pub(crate) fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A race on the season's calendar, with its priority settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Race {
    pub date: Date,
    pub name: String,
    /// `None` when neither the calendar nor `--race` said how far it is.
    pub distance_km: Option<f64>,
    pub priority: Priority,
    /// Local start time, when the calendar gave one (used for "hours after the finish").
    #[serde(skip)]
    pub start: Option<DateTime>,
    /// The last day it covers, when it runs past its first (a stage race, a 24-hour or
    /// an overnight race); post-race rules count from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    /// When the runner finishes (local), when the calendar said.
    #[serde(skip)]
    pub finish: Option<DateTime>,
    /// The priority came from the runner (a marker in the title, a field, `--race`),
    /// not from the rule that picks the longest race of a block.
    #[serde(skip)]
    pub marked: bool,
}

impl Race {
    /// The last day of the race (its only day, for most).
    pub fn last_day(&self) -> Date {
        self.end.unwrap_or(self.date).max(self.date)
    }

    /// How long after the finish `d` (at `at`, when known) is, in words: "38 h after you
    /// finish the Lakeland 100" when both times are known, else whole days from the
    /// race's last day.
    pub fn after_finish(&self, d: Date, at: Option<DateTime>) -> String {
        if let (Some(f), Some(at)) = (self.finish, at)
            && let Ok(span) = f.until((jiff::Unit::Hour, at))
        {
            let hours = span.get_hours();
            if hours >= 0 {
                return format!("{hours} h after you finish {}", self.label());
            }
        }
        let days = crate::dates::days_between(self.last_day(), d);
        let n = if days.abs() == 1 {
            "1 day".to_string()
        } else {
            format!("{days} days")
        };
        if self.end.is_some_and(|e| e > self.date) {
            format!("{n} after you finish {}", self.label())
        } else {
            format!("{n} after {}", self.label())
        }
    }

    /// True when the race covers `d`.
    pub fn covers(&self, d: Date) -> bool {
        self.date <= d && d <= self.last_day()
    }

    /// Races of half-marathon distance or more, or of unknown distance (assumed long, to
    /// be safe), are "long races" for the post-race rule.
    pub fn is_long(&self, long_race_km: f64) -> bool {
        self.distance_km.is_none_or(|km| km >= long_race_km - 0.05)
    }

    /// "the Spring Marathon" / "your half marathon" — how the product names a race.
    pub fn label(&self) -> String {
        let mut name = self.name.trim();
        for prefix in ["race:", "race -", "race day:", "race day -"] {
            // `get` keeps the cut on a character boundary ("côte" is not cut inside ô).
            if name.len() > prefix.len()
                && let (Some(head), Some(rest)) =
                    (name.get(..prefix.len()), name.get(prefix.len()..))
                && head.eq_ignore_ascii_case(prefix)
            {
                name = rest.trim();
            }
        }
        // "Spring Marathon - goal race" reads better as "Spring Marathon".
        if let Some((head, tail)) = name.rsplit_once(" - ")
            && tail.to_lowercase().contains("race")
            && !head.trim().is_empty()
        {
            name = head.trim();
        }
        // So does "Alpine Trail 120 km (A)": the priority is said elsewhere.
        for mark in ["(a)", "(b)", "(c)"] {
            if name.len() > mark.len()
                && let Some(cut) = name.len().checked_sub(mark.len())
                && let (Some(head), Some(tail)) = (name.get(..cut), name.get(cut..))
                && tail.eq_ignore_ascii_case(mark)
                && !head.trim().is_empty()
            {
                name = head.trim();
            }
        }
        if name.is_empty() {
            match self.distance_km {
                Some(km) => format!("your {}", distance_label(km)),
                None => "your race".into(),
            }
        } else {
            name.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_priority_mark_is_not_part_of_the_name() {
        assert_eq!(
            race("Alpine Trail 120 km (A)").label(),
            "Alpine Trail 120 km"
        );
        assert_eq!(race("Park 10K (b)").label(), "Park 10K");
        assert_eq!(race("(A)").label(), "(A)");
        assert_eq!(race("Côte d'Azur (C)").label(), "Côte d'Azur");
    }

    fn race(name: &str) -> Race {
        Race {
            date: date(2027, 4, 25),
            name: name.into(),
            distance_km: Some(MARATHON_KM),
            priority: Priority::A,
            start: None,
            end: None,
            finish: None,
            marked: false,
        }
    }

    #[test]
    fn labels_cut_only_on_character_boundaries() {
        assert_eq!(race("Race: City Marathon").label(), "City Marathon");
        // A multibyte letter where a prefix would end must not split it.
        let l = race("S   agecôte7-044-26").label();
        assert!(l.contains("côte"), "{l}");
        assert!(!race("Course de la Côte d'Azur").label().is_empty());
    }
}
