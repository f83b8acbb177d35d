//! The four kinds of massage and the pressures a session may use (GUIDANCE §3).

use serde::{Deserialize, Serialize};

/// The kind of massage: before a race, after one, routine upkeep, or recovery after a
/// season.
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
#[schema(as = MassageKind)]
pub enum Kind {
    PreEvent,
    PostEvent,
    Maintenance,
    RecoveryPhase,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::PreEvent,
        Kind::PostEvent,
        Kind::Maintenance,
        Kind::RecoveryPhase,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PreEvent => "pre_event",
            Kind::PostEvent => "post_event",
            Kind::Maintenance => "maintenance",
            Kind::RecoveryPhase => "recovery_phase",
        }
    }

    /// Words for people: "pre-race", "post-race", …
    pub fn label(self) -> &'static str {
        match self {
            Kind::PreEvent => "pre-race",
            Kind::PostEvent => "post-race",
            Kind::Maintenance => "maintenance",
            Kind::RecoveryPhase => "recovery",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// How firm the work is. Ordered: light < moderate < deep.
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
pub enum Pressure {
    Light,
    Moderate,
    Deep,
}

impl Pressure {
    pub fn as_str(self) -> &'static str {
        match self {
            Pressure::Light => "light",
            Pressure::Moderate => "moderate",
            Pressure::Deep => "deep",
        }
    }

    /// Parses the exact names `light`, `moderate`, `deep`.
    pub fn parse(s: &str) -> Option<Pressure> {
        [Pressure::Light, Pressure::Moderate, Pressure::Deep]
            .into_iter()
            .find(|p| p.as_str() == s.trim())
    }

    /// Reads the pressure a booking's words ask for, in any language the vocabulary
    /// tables hold: "deep tissue", "Sportmassage tief", "massage léger". The firmest
    /// named wins; `None` when the words do not say.
    pub fn from_words(text: &str) -> Option<Pressure> {
        use crate::vocab::{Sense, first_said};
        first_said(
            text,
            &[
                (Sense::DeepPressure, Pressure::Deep),
                (Sense::ModeratePressure, Pressure::Moderate),
                (Sense::LightPressure, Pressure::Light),
            ],
        )
    }
}
