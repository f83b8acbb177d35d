//! What a booked session is for in the runner's season, and how to look after the legs
//! around it, in plain words for confirmations and reminders.

use jiff::civil::Date;

use crate::dates::days_between;
use crate::massage::Kind;
use crate::plan::RaceRef;
use crate::session::distance_label;

/// "your pre-race massage, 5 days before the City Half": the session's place in the
/// season. `kind` is the massage booked (`None` for general work, named by where it
/// falls); `race` is the race the day belongs to, when it belongs to one.
pub fn purpose(kind: Option<Kind>, race: Option<&RaceRef>, date: Date) -> String {
    let what = match kind {
        Some(k) => format!("your {} massage", k.label()),
        None => "your massage".to_string(),
    };
    let Some(r) = race else {
        return what;
    };
    let name = race_name(r);
    let days = days_between(date, r.date);
    let when = match days {
        0 => format!("on the day of {name}"),
        1 => format!("the day before {name}"),
        d if d > 1 => format!("{d} days before {name}"),
        -1 => format!("the day after {name}"),
        d => format!("{} days after {name}", -d),
    };
    format!("{what}, {when}")
}

fn race_name(r: &RaceRef) -> String {
    let name = r.name.trim();
    if !name.is_empty() {
        let has_article = name.len() > 4 && name[..4].eq_ignore_ascii_case("the ");
        return if has_article {
            name.to_string()
        } else {
            format!("the {name}")
        };
    }
    match r.distance_km {
        Some(km) => format!("your {}", distance_label(km)),
        None => "your race".to_string(),
    }
}

/// What to do before and after the session, by kind.
pub fn self_care(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::PreEvent) => {
            "Before: come with your usual easy running done and drink as normal. After: keep \
             the rest of the day easy, try nothing new, and tell your therapist if any spot \
             stays tender by the next morning."
        }
        Some(Kind::PostEvent) => {
            "Before: eat, drink and walk a little; a shower is fine. After: rest or walk for \
             the rest of the day, keep drinking, and leave running until the stiffness has \
             eased."
        }
        Some(Kind::RecoveryPhase) => {
            "After: an easy day or rest, plenty of water and sleep; gentle walking helps more \
             than stretching hard while the legs are still sore."
        }
        Some(Kind::Maintenance) | None => {
            "After: plan an easy run or a rest day next, drink water, and let your therapist \
             know if any area is still sore two days later."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Priority;

    fn race(name: &str, date: Date) -> RaceRef {
        RaceRef {
            date,
            distance_km: Some(21.0975),
            priority: Priority::A,
            name: name.into(),
        }
    }

    #[test]
    fn the_purpose_counts_days_to_and_from_the_race() {
        let d = jiff::civil::date(2026, 12, 8);
        let half = race("City Half", jiff::civil::date(2026, 12, 13));
        assert_eq!(
            purpose(Some(Kind::PreEvent), Some(&half), d),
            "your pre-race massage, 5 days before the City Half"
        );
        let after = race("", jiff::civil::date(2026, 12, 6));
        assert_eq!(
            purpose(Some(Kind::PostEvent), Some(&after), d),
            "your post-race massage, 2 days after your half marathon"
        );
        let eve = race("Parkrun", jiff::civil::date(2026, 12, 9));
        assert_eq!(
            purpose(None, Some(&eve), d),
            "your massage, the day before the Parkrun"
        );
        assert_eq!(
            purpose(Some(Kind::Maintenance), None, d),
            "your maintenance massage"
        );
    }

    #[test]
    fn every_kind_has_its_own_care() {
        let all: Vec<_> = Kind::ALL.iter().map(|k| self_care(Some(*k))).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| b != a), "{a}");
        }
        assert_eq!(self_care(None), self_care(Some(Kind::Maintenance)));
    }
}
