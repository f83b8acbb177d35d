//! What a booked session is for in the runner's season, the race windows a booking
//! should lead with, and how to look after the legs around it, in plain words.

use jiff::civil::Date;

use crate::dates::{add_days, days_between};
use crate::massage::Kind;
use crate::plan::RaceRef;
use crate::season::Season;
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

/// Days that matter for a race: its pre-race or post-race window, with its best days.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceWindow {
    pub kind: Kind,
    pub race: RaceRef,
    /// First and last day of the window (from `today` on).
    pub from: Date,
    pub to: Date,
    /// The days the profile calls ideal.
    pub ideal_from: Date,
    pub ideal_to: Date,
}

/// The next race windows a booking of `kind` should lead with (pre-race windows for
/// pre-race work, post-race windows for post-race work, both for general work), from
/// `today`, at most `max` of them, earliest first.
pub fn race_windows(
    season: &Season,
    today: Date,
    kind: Option<Kind>,
    max: usize,
) -> Vec<RaceWindow> {
    let w = &season.profile().windows;
    let wants = |k: Kind| kind.is_none_or(|x| x == k);
    let mut out = Vec::new();
    for r in season.races() {
        let race = RaceRef::from(r);
        if wants(Kind::PreEvent) {
            let (from, to) = (
                add_days(r.date, -w.pre_event_max_days),
                add_days(r.date, -w.pre_event_min_days),
            );
            let ideal = add_days(r.date, -w.pre_event_ideal_days);
            if to >= today {
                out.push(RaceWindow {
                    kind: Kind::PreEvent,
                    race: race.clone(),
                    from: from.max(today),
                    to,
                    ideal_from: ideal,
                    ideal_to: ideal,
                });
            }
        }
        if wants(Kind::PostEvent) {
            let last = r.last_day();
            let (from, to) = (
                add_days(last, w.post_event_min_days),
                add_days(last, w.post_event_max_days),
            );
            if to >= today {
                out.push(RaceWindow {
                    kind: Kind::PostEvent,
                    race: race.clone(),
                    from: from.max(today),
                    to,
                    ideal_from: add_days(last, w.post_event_ideal_min_days),
                    ideal_to: add_days(last, w.post_event_ideal_max_days),
                });
            }
        }
    }
    out.sort_by_key(|x| x.from);
    out.truncate(max);
    out
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
