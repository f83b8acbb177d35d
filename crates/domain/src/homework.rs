//! Homework between visits: a small library of routines in the product's own words
//! (stretches, foam rolling, strength), and how well an assigned routine is kept up,
//! with a shorter one suggested when it is not.

use jiff::civil::Date;
use serde::Serialize;

use crate::dates::{add_days, days_between};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    Stretch,
    FoamRoll,
    Strength,
}

impl RoutineKind {
    pub fn label(self) -> &'static str {
        match self {
            RoutineKind::Stretch => "stretching",
            RoutineKind::FoamRoll => "foam rolling",
            RoutineKind::Strength => "strength",
        }
    }
}

/// One routine a therapist can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Routine {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: RoutineKind,
    pub minutes: u8,
    /// The body regions it is for (as the notes name them).
    pub regions: &'static [&'static str],
    /// What to do, step by step.
    pub steps: &'static [&'static str],
    /// A quicker routine for the same regions, for when this one is not getting done.
    pub shorter: Option<&'static str>,
}

/// Every routine, in the order the forms offer them.
pub const LIBRARY: &[Routine] = &[
    Routine {
        id: "calf_stretch",
        name: "Calf and Achilles stretch",
        kind: RoutineKind::Stretch,
        minutes: 8,
        regions: &["calves", "achilles"],
        steps: &[
            "Hands on a wall, one foot back, heel down, back knee straight: lean in until the upper calf pulls, 30 seconds.",
            "Same stance, bend the back knee a little to move the stretch low, towards the Achilles, 30 seconds.",
            "Three rounds on each leg, slow breathing, no bouncing.",
        ],
        shorter: Some("calf_quick"),
    },
    Routine {
        id: "calf_quick",
        name: "Two-minute calf reset",
        kind: RoutineKind::Stretch,
        minutes: 2,
        regions: &["calves", "achilles"],
        steps: &[
            "Toes on a step, let one heel sink below the edge, 30 seconds each leg.",
            "Ten slow heel raises on both feet to finish.",
        ],
        shorter: None,
    },
    Routine {
        id: "calf_raises",
        name: "Slow calf raises",
        kind: RoutineKind::Strength,
        minutes: 10,
        regions: &["calves", "achilles", "shins"],
        steps: &[
            "On a step, rise on both feet for two counts, lower on one foot for four counts.",
            "Three sets of twelve on each leg; rest a minute between sets.",
            "Stop if the Achilles hurts rather than tires.",
        ],
        shorter: Some("calf_quick"),
    },
    Routine {
        id: "roll_legs",
        name: "Foam roll: calves, quads and outer thigh",
        kind: RoutineKind::FoamRoll,
        minutes: 10,
        regions: &["calves", "quads", "it band", "hamstrings"],
        steps: &[
            "Calves: roller under one calf, the other leg crossed on top; roll ankle to knee slowly, one minute each side.",
            "Quads: face down, roll hip to just above the knee, one minute each side.",
            "Outer thigh: on your side, roll the muscle in front of the band rather than the band itself, one minute each side.",
            "Pause on tender spots for a few breaths; it should feel like pressure, never sharp.",
        ],
        shorter: Some("roll_quick"),
    },
    Routine {
        id: "roll_quick",
        name: "Three-minute roll",
        kind: RoutineKind::FoamRoll,
        minutes: 3,
        regions: &["calves", "quads", "it band", "hamstrings", "glutes"],
        steps: &[
            "Pick the two areas your therapist found tightest.",
            "Ninety seconds each, slow passes, pausing on tender spots.",
        ],
        shorter: None,
    },
    Routine {
        id: "hamstring_stretch",
        name: "Hamstring and glute stretch",
        kind: RoutineKind::Stretch,
        minutes: 8,
        regions: &["hamstrings", "glutes"],
        steps: &[
            "Lying on your back, loop a towel round one foot and raise the straight leg until the back of the thigh pulls, 30 seconds.",
            "Cross that ankle over the other knee and draw both legs in for the glute, 30 seconds.",
            "Two rounds on each side.",
        ],
        shorter: Some("roll_quick"),
    },
    Routine {
        id: "hip_flexor_stretch",
        name: "Hip flexor and quad stretch",
        kind: RoutineKind::Stretch,
        minutes: 6,
        regions: &["hip flexors", "quads"],
        steps: &[
            "Kneel on one knee, the other foot in front; tuck the pelvis under and shift forward until the front of the hip pulls, 30 seconds.",
            "Reach the arm on the kneeling side up and over for more, 30 seconds.",
            "Two rounds on each side.",
        ],
        shorter: None,
    },
    Routine {
        id: "glute_strength",
        name: "Glute and hip strength",
        kind: RoutineKind::Strength,
        minutes: 12,
        regions: &[
            "glutes",
            "it band",
            "hip flexors",
            "lower back",
            "adductors",
        ],
        steps: &[
            "Glute bridge: on your back, knees bent, lift the hips and hold two seconds; fifteen times.",
            "Side-lying leg raise, toes pointing forward: fifteen on each side.",
            "Side plank on the forearm, 20 to 30 seconds each side.",
            "Three rounds.",
        ],
        shorter: Some("glute_quick"),
    },
    Routine {
        id: "glute_quick",
        name: "Five-minute hip wake-up",
        kind: RoutineKind::Strength,
        minutes: 5,
        regions: &[
            "glutes",
            "it band",
            "hip flexors",
            "lower back",
            "adductors",
        ],
        steps: &[
            "Twenty glute bridges.",
            "Fifteen side-lying leg raises on each side.",
        ],
        shorter: None,
    },
    Routine {
        id: "back_mobility",
        name: "Lower back mobility",
        kind: RoutineKind::Stretch,
        minutes: 6,
        regions: &["lower back", "upper back"],
        steps: &[
            "On hands and knees, round then arch the back slowly, ten times.",
            "Sit back on your heels with arms long in front, 30 seconds.",
            "On your back, knees together, let them fall to one side then the other, ten times.",
        ],
        shorter: None,
    },
    Routine {
        id: "foot_care",
        name: "Feet and shins",
        kind: RoutineKind::Strength,
        minutes: 6,
        regions: &["feet", "shins"],
        steps: &[
            "Roll the sole of each foot over a ball for a minute.",
            "Towel scrunches with the toes, thirty seconds each foot.",
            "Walk on your heels for thirty seconds, then on your toes for thirty.",
        ],
        shorter: None,
    },
];

/// The routine with this id.
pub fn routine(id: &str) -> Option<&'static Routine> {
    LIBRARY.iter().find(|r| r.id == id)
}

/// The routines for a body region, in library order.
pub fn for_region(region: &str) -> Vec<&'static Routine> {
    LIBRARY
        .iter()
        .filter(|r| r.regions.contains(&region))
        .collect()
}

/// How long back compliance is read.
pub const WINDOW_DAYS: i32 = 14;
/// Below this share of the expected days done, a shorter routine is suggested.
pub const LOW_SHARE: f64 = 0.5;

/// The first day a routine given on `from` can still be ticked on `today`: the day it
/// was given, or [`WINDOW_DAYS`] back, whichever is later. Nothing after today.
pub fn first_tickable(from: Date, today: Date) -> Date {
    from.max(add_days(today, 1 - WINDOW_DAYS))
}

/// The days shown to tick on `today`: the last week, from the day it was given.
pub fn days_shown(from: Date, today: Date) -> Vec<Date> {
    let first = from.max(add_days(today, -6));
    (0..=days_between(first, today).clamp(-1, 6))
        .map(|i| add_days(first, i))
        .collect()
}

/// How well a routine is kept up over the last two weeks (or since it was given, if
/// later).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    /// Days in the window.
    pub days: i32,
    /// Days it should have been done, from the frequency.
    pub expected: u32,
    /// Days ticked as done.
    pub done: u32,
    /// done / expected, at most 1; `None` before any day was expected.
    pub share: Option<f64>,
    /// When it is not getting done (after a week or more), a shorter routine to try.
    pub suggest: Option<&'static str>,
}

/// Compliance with a routine given on `from`, `per_week` times a week, ticked done on
/// `ticks`, read on `today`. Ticks outside the window are not counted.
pub fn compliance(
    routine_id: &str,
    from: Date,
    per_week: u8,
    ticks: &[Date],
    today: Date,
) -> Compliance {
    let start = from.max(add_days(today, 1 - WINDOW_DAYS));
    let days = (days_between(start, today) + 1).max(0);
    let per_week = per_week.clamp(1, 14);
    let expected = (f64::from(days) * f64::from(per_week) / 7.0).floor() as u32;
    let mut seen: Vec<Date> = ticks
        .iter()
        .copied()
        .filter(|d| *d >= start && *d <= today)
        .collect();
    seen.sort();
    seen.dedup();
    let done = seen.len() as u32;
    let share = (expected > 0).then(|| (f64::from(done) / f64::from(expected)).min(1.0));
    let suggest = match share {
        Some(s) if s < LOW_SHARE && days >= 7 => routine(routine_id).and_then(|r| r.shorter),
        _ => None,
    };
    Compliance {
        days,
        expected,
        done,
        share,
        suggest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn days_to_tick_start_when_given_and_end_today() {
        let today = date(2027, 3, 14);
        assert_eq!(first_tickable(date(2027, 3, 10), today), date(2027, 3, 10));
        assert_eq!(first_tickable(date(2027, 1, 1), today), date(2027, 3, 1));
        assert_eq!(days_shown(date(2027, 3, 12), today).len(), 3);
        assert_eq!(
            days_shown(date(2027, 1, 1), today).first(),
            Some(&date(2027, 3, 8))
        );
        assert!(days_shown(date(2027, 3, 15), today).is_empty());
    }

    #[test]
    fn the_library_holds_together() {
        for r in LIBRARY {
            assert!(!r.steps.is_empty() && r.minutes > 0, "{}", r.id);
            if let Some(s) = r.shorter {
                let s = routine(s).expect("the shorter routine exists");
                assert!(s.minutes < r.minutes, "{} is shorter than {}", s.id, r.id);
            }
            assert_eq!(LIBRARY.iter().filter(|x| x.id == r.id).count(), 1);
        }
        assert!(for_region("calves").iter().any(|r| r.id == "calf_stretch"));
    }

    #[test]
    fn compliance_counts_the_window_and_suggests_a_shorter_routine() {
        let today = date(2027, 3, 14);
        // Given ten days ago, daily: 10 expected, 3 done.
        let ticks = [
            date(2027, 3, 5),
            date(2027, 3, 8),
            date(2027, 3, 8),
            date(2027, 3, 13),
        ];
        let c = compliance("calf_stretch", date(2027, 3, 5), 7, &ticks, today);
        assert_eq!((c.days, c.expected, c.done), (10, 10, 3));
        assert_eq!(c.suggest, Some("calf_quick"));
        // Three times a week and done three times a week: fine.
        let ticks: Vec<Date> = (0..14).step_by(2).map(|i| add_days(today, -i)).collect();
        let c = compliance("calf_stretch", date(2027, 1, 1), 3, &ticks, today);
        assert_eq!((c.days, c.expected, c.done, c.share), (14, 6, 7, Some(1.0)));
        assert_eq!(c.suggest, None);
        // Too early to judge: given two days ago.
        let c = compliance("calf_stretch", add_days(today, -2), 7, &[], today);
        assert_eq!((c.expected, c.suggest), (3, None));
        // Nothing shorter to offer.
        let c = compliance("calf_quick", date(2027, 1, 1), 7, &[], today);
        assert_eq!((c.share, c.suggest), (Some(0.0), None));
        // Given in the future (a clock wrong by a day): nothing expected yet.
        let c = compliance("calf_quick", add_days(today, 1), 7, &[], today);
        assert_eq!((c.days, c.expected, c.share), (0, 0, None));
    }
}
