//! What a client's intake means for the work: the conditions that hold back pressure or
//! call for a doctor or physiotherapist first, in the product's own words, and the
//! firmest pressure they leave. Never a diagnosis; the therapist's judgement decides.

use serde::{Deserialize, Serialize};

use crate::massage::Pressure;
use crate::profile::IntakeRules;

/// A condition the client reports at intake.
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
pub enum Flag {
    Fever,
    Clot,
    AcuteInjury,
    SeverePain,
    BloodThinners,
    RecentSurgery,
    Pregnancy,
    SkinCondition,
    HighBloodPressure,
    Osteoporosis,
}

/// How far a flag holds the work back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Light work at most, and a doctor or physiotherapist first.
    ReferFirst,
    /// No deep pressure.
    NoDeep,
}

impl Flag {
    pub const ALL: [Flag; 10] = [
        Flag::Fever,
        Flag::Clot,
        Flag::AcuteInjury,
        Flag::SeverePain,
        Flag::BloodThinners,
        Flag::RecentSurgery,
        Flag::Pregnancy,
        Flag::SkinCondition,
        Flag::HighBloodPressure,
        Flag::Osteoporosis,
    ];

    /// The id stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Fever => "fever",
            Flag::Clot => "clot",
            Flag::AcuteInjury => "acute_injury",
            Flag::SeverePain => "severe_pain",
            Flag::BloodThinners => "blood_thinners",
            Flag::RecentSurgery => "recent_surgery",
            Flag::Pregnancy => "pregnancy",
            Flag::SkinCondition => "skin_condition",
            Flag::HighBloodPressure => "high_blood_pressure",
            Flag::Osteoporosis => "osteoporosis",
        }
    }

    pub fn parse(s: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    /// As the intake form asks it of the client.
    pub fn question(self) -> &'static str {
        match self {
            Flag::Fever => "I have a fever or an infection at the moment",
            Flag::Clot => "I have had a blood clot, or a calf that is swollen, warm and painful",
            Flag::AcuteInjury => "I was injured in the last three days where I want work",
            Flag::SeverePain => "I have severe pain I cannot explain",
            Flag::BloodThinners => "I take blood-thinning medication",
            Flag::RecentSurgery => "I had surgery or a fracture in the last three months",
            Flag::Pregnancy => "I am pregnant",
            Flag::SkinCondition => "I have a rash, a wound or a skin condition where I want work",
            Flag::HighBloodPressure => "I have high blood pressure that is not under control",
            Flag::Osteoporosis => "I have osteoporosis",
        }
    }

    /// As staff see it beside the client's name.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Fever => "fever or infection",
            Flag::Clot => "blood clot history or signs",
            Flag::AcuteInjury => "injury in the last 72 hours",
            Flag::SeverePain => "unexplained severe pain",
            Flag::BloodThinners => "blood thinners",
            Flag::RecentSurgery => "recent surgery or fracture",
            Flag::Pregnancy => "pregnant",
            Flag::SkinCondition => "skin condition in the area",
            Flag::HighBloodPressure => "uncontrolled high blood pressure",
            Flag::Osteoporosis => "osteoporosis",
        }
    }

    pub fn limit(self) -> Limit {
        match self {
            Flag::Fever | Flag::Clot | Flag::AcuteInjury | Flag::SeverePain => Limit::ReferFirst,
            Flag::BloodThinners
            | Flag::RecentSurgery
            | Flag::Pregnancy
            | Flag::SkinCondition
            | Flag::HighBloodPressure
            | Flag::Osteoporosis => Limit::NoDeep,
        }
    }
}

/// The firmest pressure the flags alone leave: light when one asks for a doctor first,
/// moderate when one rules out deep work, `None` when nothing holds it back.
fn flags_cap(flags: &[Flag]) -> Option<Pressure> {
    flags.iter().map(|f| f.limit()).min().map(|l| match l {
        Limit::ReferFirst => Pressure::Light,
        Limit::NoDeep => Pressure::Moderate,
    })
}

/// Whether the intake says to see a doctor or physiotherapist before massage: a flag
/// that asks for it, or pain (0–10) scored at the profile's threshold or more.
pub fn refer(flags: &[Flag], pain: i64, rules: &IntakeRules) -> bool {
    pain >= i64::from(rules.pain_refer_at) || flags.iter().any(|f| f.limit() == Limit::ReferFirst)
}

/// The firmest pressure an intake leaves for any work: light when it calls for a doctor
/// or physiotherapist first, moderate when a flag rules out deep work, `None` otherwise.
pub fn pressure_cap(flags: &[Flag], pain: i64, rules: &IntakeRules) -> Option<Pressure> {
    if refer(flags, pain, rules) {
        Some(Pressure::Light)
    } else {
        flags_cap(flags)
    }
}

/// What staff are told about the intake, one plain line each; empty when nothing holds
/// the work back.
pub fn cautions(flags: &[Flag], pain: i64, rules: &IntakeRules) -> Vec<String> {
    let mut out = Vec::new();
    if refer(flags, pain, rules) {
        out.push(
            "See a physiotherapist or doctor before massage: light work at most until then"
                .to_string(),
        );
    } else if flags_cap(flags) == Some(Pressure::Moderate) {
        out.push("No deep pressure".to_string());
    }
    let named: Vec<&str> = flags.iter().map(|f| f.label()).collect();
    if !named.is_empty() {
        out.push(format!("Reported: {}", named.join(", ")));
    }
    if pain >= i64::from(rules.pain_refer_at) {
        out.push(format!("Pain {pain}/10 at intake"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_hold_back_pressure_by_the_strictest() {
        let r = IntakeRules::default();
        assert_eq!(pressure_cap(&[], 0, &r), None);
        assert_eq!(
            pressure_cap(&[Flag::BloodThinners], 0, &r),
            Some(Pressure::Moderate)
        );
        assert_eq!(
            pressure_cap(&[Flag::Osteoporosis, Flag::Clot], 0, &r),
            Some(Pressure::Light)
        );
        assert_eq!(
            pressure_cap(&[Flag::Osteoporosis], 8, &r),
            Some(Pressure::Light),
            "pain at the threshold asks for a doctor first"
        );
        assert!(refer(&[Flag::Fever], 0, &r));
        assert!(!refer(&[Flag::Pregnancy], 3, &r));
        assert!(refer(&[], 7, &r));
        assert!(cautions(&[], 2, &r).is_empty());
        let c = cautions(&[Flag::BloodThinners], 0, &r);
        assert_eq!(c, vec!["No deep pressure", "Reported: blood thinners"]);
        for f in Flag::ALL {
            assert_eq!(Flag::parse(f.as_str()), Some(f));
            assert!(!f.question().is_empty() && !f.label().is_empty());
        }
    }
}
