//! How well one day suits a massage for this runner: the score, reasons and findings
//! that a clinic's slot search ranks by. Judged by the same [`evaluate`] as plans and
//! bookings, so a slot offered as a good fit is one `check` would pass.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::massage::{Kind, Pressure};
use crate::plan::RaceRef;
use crate::rule::{
    Finding, Massage, RuleId, Severity, evaluate, judged_post_race, judged_pre_race,
};
use crate::season::{Season, add_days, days_between};

/// The verdict on one day for one massage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayFit {
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    /// The pressure to use that day: the firmest the service allows that breaks no
    /// pressure rule.
    pub pressure: Pressure,
    /// The race the massage belongs to, for pre- and post-event work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceRef>,
    /// 0–100, higher is better; 0 when an error rule is broken.
    pub score: u32,
    /// False when an error rule is broken: the day must not be booked without an
    /// override.
    pub allowed: bool,
    /// Why the day suits (or does not), in the runner's terms.
    pub reasons: Vec<String>,
    /// Every rule the massage would break that day.
    pub findings: Vec<Finding>,
}

/// What is being booked: a massage kind (or `None` for general work, judged by where it
/// falls) within a pressure range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub kind: Option<Kind>,
    pub pressure_min: Pressure,
    pub pressure_max: Pressure,
}

/// Points taken off for each warning.
const WARNING_COST: i64 = 25;
/// Points taken off per day away from the ideal window of a race-bound massage.
const DAY_OFF_IDEAL_COST: i64 = 8;
/// Points taken off per day outside the phase's maintenance interval.
const DAY_OFF_INTERVAL_COST: i64 = 2;
const BASE: i64 = 80;

fn plural(n: i32, one: &str) -> String {
    if n.abs() == 1 {
        format!("1 {one}")
    } else {
        format!("{} {one}s", n.abs())
    }
}

/// Judges a massage of `wanted` on `date` (starting at `start`, local time, when known).
/// `previous` holds the dates of the runner's other massages (booked or done), for the
/// maintenance interval.
pub fn day_fit(
    season: &Season,
    wanted: Wanted,
    date: Date,
    start: Option<DateTime>,
    previous: &[Date],
) -> DayFit {
    let profile = season.profile();
    let w = &profile.windows;
    let (lo, hi) = pressure_range(season, wanted);
    // Deep work needs clear days after it, which only the calendar can show.
    let hi = if season.knows(date) {
        hi
    } else {
        hi.min(Pressure::Moderate).max(lo)
    };
    let probe = Massage {
        date,
        start,
        pressure: hi,
        kind: wanted.kind,
        race: None,
    };
    let race = match wanted.kind {
        Some(Kind::PreEvent) => judged_pre_race(season, &probe).cloned(),
        Some(Kind::PostEvent) => judged_post_race(season, &probe).cloned(),
        _ => None,
    };
    let mut pressure = hi;
    let findings = loop {
        let m = Massage {
            pressure,
            race: race.as_ref().map(|r| r.date),
            ..probe.clone()
        };
        let f = evaluate(season, &m);
        let pressure_rule = f.iter().any(|f| {
            matches!(
                f.rule,
                RuleId::TaperPressure | RuleId::DeepNeedsBuffer | RuleId::DeepAfterEffort
            )
        });
        if !pressure_rule || pressure <= lo {
            break f;
        }
        pressure = if pressure == Pressure::Deep {
            Pressure::Moderate
        } else {
            Pressure::Light
        };
    };

    let mut score = BASE;
    let mut reasons = Vec::new();
    match (wanted.kind, &race) {
        (Some(Kind::PreEvent), Some(r)) => {
            let before = days_between(date, r.date);
            let ideal = w.pre_event_ideal_days;
            score -= i64::from((before - ideal).abs()) * DAY_OFF_IDEAL_COST;
            if before == ideal {
                score += 20;
                reasons.push(format!(
                    "{} before {}: the best day for a pre-race massage",
                    plural(before, "day"),
                    r.label()
                ));
            } else if (w.pre_event_min_days..=w.pre_event_max_days).contains(&before) {
                score += 10;
                reasons.push(format!(
                    "{} before {}: inside the pre-race window",
                    plural(before, "day"),
                    r.label()
                ));
            } else {
                reasons.push(format!(
                    "{} before {}: outside the pre-race window",
                    plural(before, "day"),
                    r.label()
                ));
            }
        }
        (Some(Kind::PostEvent), Some(r)) => {
            let after = days_between(r.last_day(), date);
            let since = r.after_finish(date, start);
            let (ilo, ihi) = (w.post_event_ideal_min_days, w.post_event_ideal_max_days);
            let off = if after < ilo {
                ilo - after
            } else {
                (after - ihi).max(0)
            };
            score -= i64::from(off) * DAY_OFF_IDEAL_COST;
            if off == 0 {
                score += 20;
                reasons.push(format!("{since}: the recovery window"));
            } else if after >= w.post_event_min_days && after <= w.post_event_max_days {
                score += 10;
                reasons.push(format!("{since}: inside the post-race window"));
            } else if after > 0 {
                reasons.push(format!(
                    "{} after {}: outside the post-race window",
                    plural(after, "day"),
                    r.label()
                ));
            }
        }
        (Some(Kind::PreEvent), None) => {
            reasons.push("No A or B race in the coming weeks to prepare for".into());
            score -= 30;
        }
        (Some(Kind::PostEvent), None) => {
            reasons.push("No recent A or B race to recover from".into());
            score -= 30;
        }
        _ => {
            let phase = season.phase_on(date);
            let last = previous.iter().filter(|p| **p < date).max();
            // (A massage booked within the minimum gap is penalised below, whatever the kind.)
            if let (Some(iv), Some(last)) = (profile.interval(phase), last) {
                let gap = days_between(*last, date);
                let (min, ideal, max) = (
                    iv.min_weeks as i32 * 7,
                    iv.ideal_weeks as i32 * 7,
                    iv.max_weeks as i32 * 7,
                );
                let off = if gap < min {
                    min - gap
                } else {
                    (gap - max).max(0)
                };
                score -= i64::from(off) * DAY_OFF_INTERVAL_COST;
                if off == 0 {
                    score += 10 - i64::from((gap - ideal).abs()).min(10);
                    reasons.push(format!(
                        "{} since your last massage: on rhythm for the {} phase",
                        plural(gap, "day"),
                        phase.as_str()
                    ));
                } else if gap < min {
                    reasons.push(format!(
                        "Only {} since your last massage; every {} weeks suits the {} phase",
                        plural(gap, "day"),
                        iv.ideal_weeks,
                        phase.as_str()
                    ));
                }
            }
        }
    }

    let known = season.span().is_some_and(|(a, b)| date >= a && date <= b);
    if known {
        let quality = season.quality_on(date);
        if season.race_on(date).is_none() && season.is_rest(date) {
            score += 10;
            reasons.push("A rest day: no running on freshly worked legs".into());
        } else if season.is_easy(date) && season.is_rest(add_days(date, 1)) {
            score += 5;
            reasons.push("An easy day with rest to follow".into());
        } else if let Some(q) = quality {
            score -= 5;
            reasons.push(format!(
                "{} on the same day: book it after the run",
                q.title
            ));
        }
        if let Some(k) = season.days_since_quality(date, w.after_quality_ideal_max_days)
            && k >= w.after_quality_ideal_min_days
            && let Some(q) = season.quality_on(add_days(date, -k))
        {
            score += 5;
            reasons.push(format!(
                "{} after {}: legs have had time to settle",
                plural(k, "day"),
                q.title
            ));
        }
    }

    // Another massage already booked close by: the client would not want two.
    let gap = profile.sessions.min_gap_days.max(1);
    if let Some(other) = previous
        .iter()
        .filter(|p| days_between(**p, date).abs() < gap)
        .min_by_key(|p| days_between(**p, date).abs())
    {
        score -= 50;
        let k = days_between(*other, date);
        reasons.insert(
            0,
            match k {
                0 => "You already have a massage booked that day".to_string(),
                k if k > 0 => format!("You already have a massage {} before", plural(k, "day")),
                k => format!("You already have a massage {} after", plural(-k, "day")),
            },
        );
    }
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count() as i64;
    score -= warnings * WARNING_COST;
    let allowed = findings.iter().all(|f| f.severity < Severity::Error);
    for f in findings.iter().filter(|f| f.severity >= Severity::Warning) {
        reasons.push(f.message.clone());
    }
    if pressure < hi {
        reasons.push(format!(
            "{} pressure that day, not {}",
            cap(pressure.as_str()),
            hi.as_str()
        ));
    }
    DayFit {
        date,
        pressure,
        race: race.as_ref().map(RaceRef::from),
        score: if allowed {
            score.clamp(1, 100) as u32
        } else {
            0
        },
        allowed,
        reasons,
        findings,
    }
}

/// The service's pressure range narrowed to the profile's range for the kind, when
/// the two overlap.
fn pressure_range(season: &Season, wanted: Wanted) -> (Pressure, Pressure) {
    let (lo, hi) = (
        wanted.pressure_min.min(wanted.pressure_max),
        wanted.pressure_max.max(wanted.pressure_min),
    );
    let Some(kind) = wanted.kind else {
        return (lo, hi);
    };
    let k = season.profile().sessions.get(kind);
    let (a, b) = (lo.max(k.pressure_min), hi.min(k.pressure_max));
    if a <= b { (a, b) } else { (lo, lo) }
}

use crate::session::cap;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify;
    use crate::entry::Entry;
    use crate::profile::Profile;
    use crate::season::RaceSpec;
    use crate::session::Priority;
    use jiff::civil::date;

    fn season() -> Season {
        let mut entries = Vec::new();
        let race = date(2027, 4, 25);
        for k in -40..20 {
            let d = add_days(race, k);
            let title = match d.weekday() {
                jiff::civil::Weekday::Tuesday => "Intervals 6x800m",
                jiff::civil::Weekday::Monday => "Rest",
                jiff::civil::Weekday::Saturday => "Long run 28km",
                _ => "Easy run 8km",
            };
            entries.push(Entry::new(d, title));
        }
        entries.push(Entry::new(race, "Spring Marathon"));
        let sessions = entries.iter().map(classify).collect();
        Season::new(
            sessions,
            &[RaceSpec {
                name: String::new(),
                date: race,
                distance_km: Some(42.2),
                priority: Some(Priority::A),
            }],
            &Profile::default(),
        )
    }

    fn wanted(kind: Kind) -> Wanted {
        Wanted {
            kind: Some(kind),
            pressure_min: Pressure::Light,
            pressure_max: Pressure::Deep,
        }
    }

    #[test]
    fn race_eve_is_not_allowed() {
        let s = season();
        let f = day_fit(&s, wanted(Kind::PreEvent), date(2027, 4, 24), None, &[]);
        assert!(!f.allowed);
        assert_eq!(f.score, 0);
        assert!(f.findings.iter().any(|x| x.rule == RuleId::RaceEve));
    }

    #[test]
    fn post_race_window_beats_the_day_after() {
        let s = season();
        let day_after = day_fit(&s, wanted(Kind::PostEvent), date(2027, 4, 26), None, &[]);
        let window = day_fit(&s, wanted(Kind::PostEvent), date(2027, 4, 27), None, &[]);
        assert!(!day_after.allowed);
        assert!(window.allowed);
        assert!(window.reasons[0].contains("after"), "{:?}", window.reasons);
        assert_eq!(
            window.race.as_ref().map(|r| r.date),
            Some(date(2027, 4, 25))
        );
        assert!(window.pressure <= Pressure::Moderate);
    }

    #[test]
    fn the_ideal_pre_race_day_scores_best_in_its_week() {
        let s = season();
        let ideal = s.profile().windows.pre_event_ideal_days;
        let best = (2..=7)
            .map(|k| {
                day_fit(
                    &s,
                    wanted(Kind::PreEvent),
                    add_days(date(2027, 4, 25), -k),
                    None,
                    &[],
                )
            })
            .max_by_key(|f| f.score)
            .unwrap();
        assert!(
            days_between(best.date, date(2027, 4, 25)) >= s.profile().windows.pre_event_min_days
        );
        assert!(
            (days_between(best.date, date(2027, 4, 25)) - ideal).abs() <= 1,
            "{best:?}"
        );
    }

    #[test]
    fn a_day_next_to_another_massage_ranks_low() {
        let s = season();
        let d = date(2027, 3, 22);
        let free = day_fit(&s, wanted(Kind::Maintenance), d, None, &[]);
        let same = day_fit(&s, wanted(Kind::Maintenance), d, None, &[d]);
        assert!(
            same.score + 40 <= free.score,
            "{} vs {}",
            same.score,
            free.score
        );
        assert!(same.reasons[0].contains("already"), "{:?}", same.reasons);
    }

    #[test]
    fn maintenance_too_soon_after_the_last_massage_scores_lower() {
        let s = season();
        let d = date(2027, 3, 22);
        let soon = day_fit(&s, wanted(Kind::Maintenance), d, None, &[add_days(d, -3)]);
        let on_rhythm = day_fit(&s, wanted(Kind::Maintenance), d, None, &[add_days(d, -14)]);
        assert!(
            on_rhythm.score > soon.score,
            "{} vs {}",
            on_rhythm.score,
            soon.score
        );
    }
}
