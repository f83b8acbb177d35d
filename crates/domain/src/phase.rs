//! Training phases (GUIDANCE §7) and the weekly load they are read from.

use serde::{Deserialize, Serialize};

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
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Base,
    Build,
    Peak,
    Taper,
    RaceWeek,
    Recovery,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Base => "base",
            Phase::Build => "build",
            Phase::Peak => "peak",
            Phase::Taper => "taper",
            Phase::RaceWeek => "race_week",
            Phase::Recovery => "recovery",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Base => "base",
            Phase::Build => "build",
            Phase::Peak => "peak",
            Phase::Taper => "taper",
            Phase::RaceWeek => "race week",
            Phase::Recovery => "recovery",
        }
    }
}

/// Load a session is assumed to carry per hour when no activity file measured it,
/// on the same scale as running TSS (100 = one hour flat out at threshold).
pub fn load_per_hour(class: crate::session::Class) -> f64 {
    use crate::session::Class::*;
    match class {
        Race => 95.0,
        Hard => 80.0,
        Long => 65.0,
        Easy => 55.0,
        Cross => 40.0,
        Strength => 35.0,
        Rest => 0.0,
    }
}

/// Minutes a session is assumed to last when the calendar gives neither a length nor a
/// distance.
pub fn default_minutes(class: crate::session::Class) -> f64 {
    use crate::session::Class::*;
    match class {
        Race => 60.0,
        Hard => 60.0,
        Long => 120.0,
        Easy => 45.0,
        Cross => 45.0,
        Strength => 40.0,
        Rest => 0.0,
    }
}

/// Estimated load of a planned session: its length (or distance at an assumed pace)
/// times the class's load per hour.
pub fn estimate_load(s: &crate::session::Session) -> f64 {
    if let Some(load) = s.load {
        return load;
    }
    // Minutes per km assumed when only a distance is known.
    let pace = match s.class {
        crate::session::Class::Race | crate::session::Class::Hard => 5.0,
        _ => 6.0,
    };
    let minutes = s
        .duration_min
        .or(s.distance_km.map(|km| km * pace))
        .unwrap_or_else(|| default_minutes(s.class));
    minutes.clamp(0.0, 24.0 * 60.0) / 60.0 * load_per_hour(s.class)
}
