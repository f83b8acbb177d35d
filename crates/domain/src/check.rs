//! The booking checker: what is wrong with massages the runner already booked, and
//! the nearest date that would be right.

use jiff::civil::Date;

use crate::entry::Entry;
use crate::massage::{Kind, Pressure};
use crate::plan::interval_findings;
use crate::rule::{Finding, Massage, Severity, evaluate};
use crate::season::{Season, add_days};

/// A massage the runner has booked.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub massage: Massage,
    /// True when the booking's words did not say how firm it is (judged as moderate).
    pub pressure_unknown: bool,
}

impl Booking {
    /// Reads a booking from a calendar entry: whatever its title, it is a massage; its
    /// pressure and kind come from its words when they say, the title first (a
    /// description may mention other kinds, pressures or rule names in passing).
    pub fn from_entry(e: &Entry) -> Booking {
        let pressure =
            Pressure::from_words(&e.title).or_else(|| Pressure::from_words(&e.description));
        Booking {
            massage: Massage {
                date: e.date,
                start: e.start,
                pressure: pressure.unwrap_or(Pressure::Moderate),
                kind: kind_from_words(&e.title).or_else(|| kind_from_words(&e.description)),
                race: None,
            },
            pressure_unknown: pressure.is_none(),
        }
    }
}

/// What a booked massage's title says it is for, in any language the vocabulary tables
/// hold: "pre-race", "post-marathon", "post gara", "maintenance", "recovery massage"…
pub fn kind_from_words(text: &str) -> Option<Kind> {
    use crate::vocab::{Sense, first_said};
    first_said(
        text,
        &[
            (Sense::PreRaceMassage, Kind::PreEvent),
            (Sense::PostRaceMassage, Kind::PostEvent),
            (Sense::MaintenanceMassage, Kind::Maintenance),
            (Sense::RecoveryMassage, Kind::RecoveryPhase),
        ],
    )
}

/// How far either side of a booking to look for a better date.
const SUGGEST_DAYS: i32 = 21;

/// Every rule the bookings break, with a suggested date for each booking that breaks
/// an error or warning rule.
pub fn check(season: &Season, bookings: &[Booking]) -> Vec<Finding> {
    let mut out = Vec::new();
    for b in bookings {
        let mut findings = evaluate(season, &b.massage);
        if findings.iter().any(|f| f.severity >= Severity::Warning) {
            let (suggestion, note) = suggest(season, &b.massage);
            for f in &mut findings {
                if f.severity >= Severity::Warning {
                    f.suggestion = suggestion;
                    if f.advice.is_none() {
                        f.advice.clone_from(&note);
                    }
                }
            }
        }
        out.extend(findings);
    }
    let dates: Vec<Date> = bookings.iter().map(|b| b.massage.date).collect();
    out.extend(interval_findings(season, &dates, None));
    out.sort_by(|a, b| (a.date, b.severity, a.rule).cmp(&(b.date, a.severity, b.rule)));
    out
}

/// Where to move a booking: the nearest clean date at the booked pressure within a
/// week; failing that, a lighter pressure (on the same day if that is enough).
fn suggest(season: &Season, m: &Massage) -> (Option<Date>, Option<String>) {
    let near =
        nearest_clean(season, m).filter(|d| crate::season::days_between(m.date, *d).abs() <= 7);
    if near.is_some() || m.pressure != Pressure::Deep {
        return (near.or_else(|| nearest_clean(season, m)), None);
    }
    let moderate = Massage {
        pressure: Pressure::Moderate,
        ..m.clone()
    };
    if evaluate(season, &moderate)
        .iter()
        .all(|f| f.severity < Severity::Warning)
    {
        return (
            None,
            Some("Moderate pressure instead of deep would make this date fine.".into()),
        );
    }
    match nearest_clean(season, &moderate) {
        Some(d) => (
            Some(d),
            Some(format!(
                "No day close by suits deep work; {d} suits moderate pressure."
            )),
        ),
        None => (nearest_clean(season, m), None),
    }
}

/// The nearest date (earlier first on a tie) where the same massage breaks nothing.
pub fn nearest_clean(season: &Season, m: &Massage) -> Option<Date> {
    (1..=SUGGEST_DAYS)
        .flat_map(|k| [-k, k])
        .map(|k| add_days(m.date, k))
        .find(|&d| {
            let moved = Massage {
                date: d,
                start: None,
                ..m.clone()
            };
            evaluate(season, &moved)
                .iter()
                .all(|f| f.severity < Severity::Warning)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn words_give_the_kind() {
        assert_eq!(kind_from_words("Pre-race flush"), Some(Kind::PreEvent));
        assert_eq!(
            kind_from_words("post marathon massage"),
            Some(Kind::PostEvent)
        );
        assert_eq!(kind_from_words("Sports massage"), None);
        assert_eq!(kind_from_words("Massaggio pre-gara"), Some(Kind::PreEvent));
        assert_eq!(
            kind_from_words("Massage après la course"),
            Some(Kind::PostEvent)
        );
        assert_eq!(
            kind_from_words("Masaje de mantenimiento"),
            Some(Kind::Maintenance)
        );
        assert_eq!(
            kind_from_words("Sportmassage nach dem Wettkampf"),
            Some(Kind::PostEvent)
        );
        assert_eq!(kind_from_words("Massagem pós-prova"), Some(Kind::PostEvent));
        assert_eq!(kind_from_words("Herstelmassage"), Some(Kind::RecoveryPhase));
        assert_eq!(kind_from_words("pre_race flush"), Some(Kind::PreEvent));
    }

    /// The pressure a booking asks for, in the languages the titles are read in; the
    /// firmest named wins.
    #[test]
    fn words_give_the_pressure_in_every_language() {
        for (title, want) in [
            ("Sportmassage tief", Some(Pressure::Deep)),
            ("Tiefengewebsmassage", Some(Pressure::Deep)),
            ("Massage profond", Some(Pressure::Deep)),
            ("Masaje profundo", Some(Pressure::Deep)),
            ("Massaggio decontratturante", Some(Pressure::Deep)),
            ("Diepe sportmassage", Some(Pressure::Deep)),
            ("Massagem profunda", Some(Pressure::Deep)),
            ("Massage modéré", Some(Pressure::Moderate)),
            ("Massage léger", Some(Pressure::Light)),
            ("Lichte massage", Some(Pressure::Light)),
            ("Masaje suave", Some(Pressure::Light)),
            ("Massaggio leggero", Some(Pressure::Light)),
            ("Massagem leve", Some(Pressure::Light)),
            ("Entspannungsmassage", Some(Pressure::Light)),
            ("Flush massage", Some(Pressure::Light)),
            (
                "Light to firm, then deep on the calves",
                Some(Pressure::Deep),
            ),
            ("Sportmassage", None),
            ("Masaje deportivo", None),
        ] {
            assert_eq!(Pressure::from_words(title), want, "{title}");
        }
    }

    #[test]
    fn the_title_speaks_before_the_description() {
        let mut e = Entry::new(date(2027, 5, 10), "Recovery massage (light, 60 min)");
        e.description = "Back to maintenance afterwards. Rules: deep-needs-buffer".into();
        let b = Booking::from_entry(&e);
        assert_eq!(b.massage.kind, Some(Kind::RecoveryPhase));
        assert_eq!(b.massage.pressure, Pressure::Light);
    }

    #[test]
    fn words_give_the_pressure() {
        let b = Booking::from_entry(&Entry::new(date(2027, 1, 1), "Deep tissue, 60 min"));
        assert_eq!(b.massage.pressure, Pressure::Deep);
        assert!(!b.pressure_unknown);
        let b = Booking::from_entry(&Entry::new(date(2027, 1, 1), "Massage with Sam"));
        assert!(b.pressure_unknown);
    }
}
