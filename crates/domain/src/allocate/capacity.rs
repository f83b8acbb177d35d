//! Capacity planning for race week: given how many finishers are expected and how their
//! finish times spread, how many sessions and therapist-hours each clinic needs on each
//! day to serve a target share inside the days the rules call ideal — and where the rota
//! falls short. Pure: the rota comes in as shifts, the answer goes out as rows.
//!
//! The model, stated so an owner can check it: finish times follow a normal curve around
//! the median with the spread given (cut at four spreads either side); a runner's ideal
//! days follow from the day they finish; the sessions a finish day asks for are shared
//! evenly over its ideal days, and between clinics by the weights given (evenly when none
//! are). A day's need is then compared with the whole sessions the rota holds that day.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use serde::Serialize;

use super::{AllocError, Event, Shift, invalid, shift_slots};
use crate::Profile;
use crate::dates::add_days;

/// The most finishers one plan takes.
pub const MAX_FINISHERS: usize = 1_000_000;

/// What is expected of race day.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub finishers: usize,
    /// When the race starts, local.
    pub start: Time,
    /// The median finish time, minutes after the start.
    pub median_min: i32,
    /// How far finish times typically lie from the median, minutes (one standard
    /// deviation).
    pub spread_min: i32,
    /// The share of finishers to serve inside their ideal days, 0 to 1.
    pub share: f64,
    /// How runners split between clinics: (clinic, weight). Empty: evenly over the
    /// clinics the rota names.
    pub weights: Vec<(String, f64)>,
}

/// One clinic on one day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = CapacityNeed)]
pub struct Need {
    pub clinic: String,
    pub date: Date,
    /// Sessions needed that day (fractional: an expectation).
    pub sessions: f64,
    /// Therapist-hours those sessions take, buffers included.
    pub hours: f64,
    /// Whole sessions the rota still holds free that day, and the therapist-hours they
    /// make (buffers included, as `hours`): time booked already is not counted.
    pub rota_sessions: usize,
    pub rota_hours: f64,
    /// Sessions and therapist-hours still missing (0 when the rota covers the need).
    pub short_sessions: f64,
    pub short_hours: f64,
}

/// The plan: a row per clinic and day, and what was assumed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CapacityPlan {
    pub rows: Vec<Need>,
    /// Sessions to give in all, and how many of them the rota can hold inside the ideal
    /// days.
    pub target_sessions: f64,
    pub coverable_sessions: f64,
    /// Finishers by the day they finish.
    pub by_finish_day: Vec<(Date, f64)>,
    /// The ideal days for a runner finishing on each finish day.
    pub ideal_days: Vec<(Date, Date, Date)>,
}

/// The share of a normal curve below `z` standard deviations (Abramowitz and Stegun
/// 7.1.26, error under 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

fn check(d: &Demand) -> Result<(), AllocError> {
    if d.finishers == 0 || d.finishers > MAX_FINISHERS {
        return Err(invalid(format!(
            "finishers: expected 1 to {MAX_FINISHERS}, found {}",
            d.finishers
        )));
    }
    if !(1..=14 * 24 * 60).contains(&d.median_min) {
        return Err(invalid(format!(
            "median finish: expected 1 minute to 14 days after the start, found {} minutes",
            d.median_min
        )));
    }
    if !(0..=7 * 24 * 60).contains(&d.spread_min) {
        return Err(invalid(format!(
            "spread: expected 0 minutes to 7 days, found {} minutes",
            d.spread_min
        )));
    }
    if !(d.share > 0.0 && d.share <= 1.0) {
        return Err(invalid(format!(
            "share: expected more than 0 and at most 1 (100%), found {}",
            d.share
        )));
    }
    if d.weights.len() > 1000 || d.weights.iter().any(|(_, w)| !(w.is_finite() && *w >= 0.0)) {
        return Err(invalid("weights: expected at most 1000, each 0 or more"));
    }
    Ok(())
}

/// Finishers by the local day they finish: the curve summed in 5-minute steps.
fn finish_days(event: &Event, d: &Demand) -> BTreeMap<Date, f64> {
    let start = event.date.to_datetime(d.start);
    let mut out: BTreeMap<Date, f64> = BTreeMap::new();
    let n = d.finishers as f64;
    if d.spread_min == 0 {
        let at = start
            .checked_add(jiff::SignedDuration::from_mins(i64::from(d.median_min)))
            .unwrap_or(start);
        out.insert(at.date(), n);
        return out;
    }
    let (m, s) = (f64::from(d.median_min), f64::from(d.spread_min));
    // From four spreads before the median to four after, never before the start.
    let lo = (m - 4.0 * s).max(0.0);
    let hi = m + 4.0 * s;
    let below = normal_cdf((lo - m) / s);
    let mass = normal_cdf((hi - m) / s) - below;
    let steps = ((hi - lo) / 5.0).ceil().max(1.0) as i64;
    let mut prev = below;
    for k in 1..=steps {
        let t = (lo + 5.0 * k as f64).min(hi);
        let c = normal_cdf((t - m) / s);
        let share = (c - prev) / mass;
        prev = c;
        let at = start
            .checked_add(jiff::SignedDuration::from_mins(t as i64))
            .unwrap_or(start);
        *out.entry(at.date()).or_default() += share * n;
    }
    out
}

/// How many sessions and hours each clinic needs on each day, beside the rota.
pub fn plan(
    event: &Event,
    demand: &Demand,
    shifts: &[Shift],
    profile: &Profile,
) -> Result<CapacityPlan, AllocError> {
    super::check_event(event)?;
    check(demand)?;
    if shifts.len() > super::MAX_SHIFTS {
        return Err(invalid(format!(
            "shifts: expected at most {}, found {}",
            super::MAX_SHIFTS,
            shifts.len()
        )));
    }
    let step = f64::from(event.length_min + event.buffer_min);
    // What the rota holds per (clinic, date).
    let mut rota: BTreeMap<(String, Date), (usize, f64)> = BTreeMap::new();
    for s in shifts {
        let e = rota.entry((s.clinic.clone(), s.date)).or_default();
        let free = shift_slots(s, event.length_min, event.buffer_min).len();
        e.0 += free;
        e.1 += free as f64 * step / 60.0;
    }
    // Weights over clinics, normalised.
    let mut weights: Vec<(String, f64)> = if demand.weights.is_empty() {
        let mut names: Vec<String> = rota.keys().map(|(c, _)| c.clone()).collect();
        names.dedup();
        names.into_iter().map(|c| (c, 1.0)).collect()
    } else {
        demand.weights.clone()
    };
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    if weights.is_empty() || total <= 0.0 {
        return Err(invalid(
            "clinics: expected the rota or the weights to name at least one clinic",
        ));
    }
    for w in &mut weights {
        w.1 /= total;
    }
    let finishes = finish_days(event, demand);
    let mut need: BTreeMap<(String, Date), f64> = BTreeMap::new();
    let mut ideal_days = Vec::new();
    let mut target = 0.0;
    for (&day, &runners) in &finishes {
        // The ideal days of each finish day, from the rules.
        let w = super::finish_of(event, profile, day).window;
        let (a, b) = w.ideal;
        ideal_days.push((day, a, b));
        let days = crate::dates::days_between(a, b) + 1;
        if days <= 0 {
            continue;
        }
        let sessions = runners * demand.share;
        target += sessions;
        for k in 0..days {
            let d = add_days(a, k);
            for (clinic, share) in &weights {
                *need.entry((clinic.clone(), d)).or_default() += sessions * share / f64::from(days);
            }
        }
    }
    let mut rows = Vec::new();
    let mut keys: Vec<(String, Date)> = need.keys().chain(rota.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut coverable = 0.0;
    for key in keys {
        let sessions = need.get(&key).copied().unwrap_or(0.0);
        let (rota_sessions, rota_hours) = rota.get(&key).copied().unwrap_or((0, 0.0));
        let short = (sessions - rota_sessions as f64).max(0.0);
        coverable += sessions.min(rota_sessions as f64);
        rows.push(Need {
            clinic: key.0,
            date: key.1,
            sessions,
            hours: sessions * step / 60.0,
            rota_sessions,
            rota_hours,
            short_sessions: short,
            short_hours: short * step / 60.0,
        });
    }
    Ok(CapacityPlan {
        rows,
        target_sessions: target,
        coverable_sessions: coverable,
        by_finish_day: finishes.into_iter().collect(),
        ideal_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;
    use jiff::civil::{date, time};

    fn event() -> Event {
        Event {
            name: "City Marathon".into(),
            date: date(2027, 4, 18),
            distance_km: Some(42.195),
            kind: Kind::PostEvent,
            length_min: 45,
            buffer_min: 15,
        }
    }

    fn shift(clinic: &str, d: Date, from: i8, to: i8) -> Shift {
        Shift {
            therapist: format!("{clinic}-t"),
            therapist_name: "T".into(),
            clinic: clinic.into(),
            date: d,
            from: time(from, 0, 0, 0),
            to: time(to, 0, 0, 0),
            busy: vec![],
        }
    }

    fn demand(finishers: usize) -> Demand {
        Demand {
            finishers,
            start: time(9, 0, 0, 0),
            median_min: 270,
            spread_min: 45,
            share: 0.8,
            weights: vec![],
        }
    }

    #[test]
    fn the_curve_adds_up() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((normal_cdf(-1.96) - 0.025).abs() < 1e-4);
        let days = finish_days(&event(), &demand(10_000));
        let sum: f64 = days.values().sum();
        assert!((sum - 10_000.0).abs() < 1e-6, "{sum}");
        // A marathon starting at 09:00 ends the same day.
        assert_eq!(days.len(), 1);
    }

    #[test]
    fn an_overnight_race_finishes_over_two_days() {
        let mut e = event();
        e.distance_km = Some(100.0);
        let d = Demand {
            start: time(20, 0, 0, 0),
            median_min: 14 * 60,
            spread_min: 180,
            ..demand(1000)
        };
        let days = finish_days(&e, &d);
        assert!(days.len() >= 2, "{days:?}");
        let sum: f64 = days.values().sum();
        assert!((sum - 1000.0).abs() < 1e-6);
    }

    #[test]
    fn need_is_spread_over_the_ideal_days_and_compared_with_the_rota() {
        let e = event();
        let profile = Profile::default();
        let rota = vec![
            shift("A", add_days(e.date, 2), 9, 17),
            shift("B", add_days(e.date, 2), 9, 13),
        ];
        let p = plan(&e, &demand(1000), &rota, &profile).unwrap();
        assert!(
            (p.target_sessions - 800.0).abs() < 1e-6,
            "{}",
            p.target_sessions
        );
        let total: f64 = p.rows.iter().map(|r| r.sessions).sum();
        assert!((total - 800.0).abs() < 1e-6);
        // Even weights over the two clinics the rota names.
        let a: f64 = p
            .rows
            .iter()
            .filter(|r| r.clinic == "A")
            .map(|r| r.sessions)
            .sum();
        assert!((a - 400.0).abs() < 1e-6);
        // An 8-hour shift holds 8 one-hour sessions (45 min + 15 min buffer).
        let a_day = p
            .rows
            .iter()
            .find(|r| r.clinic == "A" && r.date == add_days(e.date, 2))
            .unwrap();
        assert_eq!(a_day.rota_sessions, 8);
        assert!((a_day.rota_hours - 8.0).abs() < 1e-9);
        assert!(a_day.short_sessions > 0.0);
        // Time booked already is not on offer: a morning taken leaves four sessions and
        // four hours, counted alike in sessions and hours.
        let mut taken = shift("A", add_days(e.date, 2), 9, 17);
        taken.busy = vec![(Time::constant(9, 0, 0, 0), Time::constant(13, 0, 0, 0))];
        let p2 = plan(&e, &demand(1000), &[taken], &profile).unwrap();
        let row = p2
            .rows
            .iter()
            .find(|r| r.clinic == "A" && r.date == add_days(e.date, 2))
            .unwrap();
        assert_eq!(row.rota_sessions, 4);
        assert!((row.rota_hours - 4.0).abs() < 1e-9, "{}", row.rota_hours);
        assert!(
            (a_day.short_hours - a_day.short_sessions).abs() < 1e-9,
            "an hour a session"
        );
        // Every row's need lies inside the ideal days.
        let (_, lo, hi) = p.ideal_days[0];
        assert!(
            p.rows
                .iter()
                .filter(|r| r.sessions > 0.0)
                .all(|r| r.date >= lo && r.date <= hi)
        );
        assert!(p.coverable_sessions <= 12.0 + 1e-9);
    }

    #[test]
    fn weights_steer_the_need_and_bad_input_is_named() {
        let e = event();
        let profile = Profile::default();
        let d = Demand {
            weights: vec![("A".into(), 3.0), ("B".into(), 1.0)],
            ..demand(400)
        };
        let p = plan(&e, &d, &[], &profile).unwrap();
        let a: f64 = p
            .rows
            .iter()
            .filter(|r| r.clinic == "A")
            .map(|r| r.sessions)
            .sum();
        assert!((a - 240.0).abs() < 1e-6, "{a}");
        assert!(p.rows.iter().all(|r| r.rota_sessions == 0));
        for bad in [
            Demand {
                finishers: 0,
                ..demand(1)
            },
            Demand {
                share: 1.5,
                ..demand(1)
            },
            Demand {
                median_min: 0,
                ..demand(1)
            },
            Demand {
                weights: vec![("A".into(), -1.0)],
                ..demand(1)
            },
        ] {
            assert!(plan(&e, &bad, &[], &profile).is_err(), "{bad:?}");
        }
        // No clinic named anywhere.
        assert!(plan(&e, &demand(10), &[], &profile).is_err());
    }
}
