//! What session notes show over time: per body region, how tight it has been, whether
//! it is getting better or worse, which regions keep coming back tight (they lead the
//! focus of future maintenance work), which side is tighter, and plain hints that join
//! those findings with the training of the weeks around them. Never a diagnosis.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::add_days;
use crate::season::monday_of;
use crate::session::{Class, Session};

/// Which side of the body a finding is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
    /// Both sides alike, or a region with no sides (the lower back).
    #[default]
    Both,
}

impl Side {
    pub fn parse(s: &str) -> Option<Side> {
        match s.trim().to_ascii_lowercase().as_str() {
            "left" | "l" => Some(Side::Left),
            "right" | "r" => Some(Side::Right),
            "both" | "" => Some(Side::Both),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
            Side::Both => "both",
        }
    }
}

/// One finding from one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub date: Date,
    pub region: String,
    pub side: Side,
    /// 0 (free) … 3 (very tight).
    pub tightness: u8,
}

/// One side tighter than the other across recent visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Asymmetry {
    /// Left or right.
    pub tighter: Side,
    /// Visits where that side was the tighter one, out of `of` recent visits that
    /// recorded both sides.
    pub visits: usize,
    pub of: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Fewer than three sessions: too early to say.
    Unknown,
    Easing,
    Steady,
    Worsening,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegionPattern {
    pub region: String,
    pub sessions: usize,
    pub latest: u8,
    pub average: f64,
    pub trend: Trend,
    /// Tight (2 or more) in at least half of three or more sessions, and in one of the
    /// last two.
    pub recurring: bool,
    /// (date, tightness), oldest first.
    pub points: Vec<(Date, u8)>,
    /// Set when one side was tighter in most recent visits that scored both.
    /// Set when one side was tighter in most recent visits that looked at both.
    pub asymmetry: Option<Asymmetry>,
}

/// The regions that lead the focus of the next massages: those that keep coming back,
/// get worse, or stay tighter on one side.
pub fn focus(patterns: &[RegionPattern]) -> Vec<String> {
    patterns
        .iter()
        .filter(|p| p.recurring || p.trend == Trend::Worsening || p.asymmetry.is_some())
        .map(|p| p.region.clone())
        .collect()
}

/// Per day, the tightest left and right readings of one region.
type SideReadings = BTreeMap<Date, (Option<u8>, Option<u8>)>;

/// How many recent visits the patterns and hints look back over.
pub const RECENT_VISITS: usize = 4;

/// How a region name is compared: trimmed, lower case, single spaces.
pub fn normal_region(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Patterns per region, the most concerning first (recurring, then worsening, then by
/// latest tightness, then name).
pub fn patterns(obs: &[Observation]) -> Vec<RegionPattern> {
    let mut by: BTreeMap<String, BTreeMap<Date, u8>> = BTreeMap::new();
    // Per region and day: the tightest left and right readings.
    let mut sides: BTreeMap<String, SideReadings> = BTreeMap::new();
    for o in obs {
        let t = o.tightness.min(3);
        let region = normal_region(&o.region);
        // Two findings for one region on one day (left and right, say): keep the worse.
        let e = by
            .entry(region.clone())
            .or_default()
            .entry(o.date)
            .or_insert(t);
        *e = (*e).max(t);
        let lr = sides.entry(region).or_default().entry(o.date).or_default();
        let slot = match o.side {
            Side::Left => &mut lr.0,
            Side::Right => &mut lr.1,
            Side::Both => continue,
        };
        *slot = Some(slot.map_or(t, |v| v.max(t)));
    }
    let mut out: Vec<RegionPattern> = by
        .into_iter()
        .map(|(region, days)| {
            let asymmetry = sides.get(&region).and_then(asymmetry_of);
            let points: Vec<(Date, u8)> = days.into_iter().collect();
            let n = points.len();
            let vals: Vec<f64> = points.iter().map(|(_, t)| f64::from(*t)).collect();
            let average = vals.iter().sum::<f64>() / n as f64;
            let trend = if n < 3 {
                Trend::Unknown
            } else {
                let k = (n / 2).min(3);
                let first = vals[..k].iter().sum::<f64>() / k as f64;
                let last = vals[n - k..].iter().sum::<f64>() / k as f64;
                if last - first >= 0.75 {
                    Trend::Worsening
                } else if first - last >= 0.75 {
                    Trend::Easing
                } else {
                    Trend::Steady
                }
            };
            let tight = points.iter().filter(|(_, t)| *t >= 2).count();
            RegionPattern {
                region,
                sessions: n,
                latest: points[n - 1].1,
                average: (average * 100.0).round() / 100.0,
                trend,
                recurring: n >= 3 && tight * 2 >= n && points[n - 2..].iter().any(|(_, t)| *t >= 2),
                points,
                asymmetry,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.recurring
            .cmp(&a.recurring)
            .then((b.trend == Trend::Worsening).cmp(&(a.trend == Trend::Worsening)))
            .then(b.latest.cmp(&a.latest))
            .then(a.region.cmp(&b.region))
    });
    out
}

/// One side tighter in more than half of the recent visits that scored both sides (three
/// or more of them).
fn asymmetry_of(days: &SideReadings) -> Option<Asymmetry> {
    let both: Vec<(u8, u8)> = days
        .values()
        .filter_map(|(l, r)| Some(((*l)?, (*r)?)))
        .collect();
    let recent = &both[both.len().saturating_sub(RECENT_VISITS)..];
    let left = recent.iter().filter(|(l, r)| *l > *r).count();
    let right = recent.iter().filter(|(l, r)| *r > *l).count();
    let (tighter, visits) = if left > right {
        (Side::Left, left)
    } else if right > left {
        (Side::Right, right)
    } else {
        return None;
    };
    (recent.len() >= 3 && visits * 2 > recent.len()).then_some(Asymmetry {
        tighter,
        visits,
        of: recent.len(),
    })
}

/// A week of training as the hints read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingWeek {
    /// Its Monday.
    pub start: Date,
    pub runs: usize,
    pub hill_sessions: usize,
    /// Intervals, tempo and other hard sessions, and races, that are not hill sessions.
    pub speed_sessions: usize,
    pub distance_km: f64,
    pub long_run_km: f64,
}

/// The training of each week from the one holding `from` to the one holding `to`, from
/// the sessions of a season (planned and recorded alike). Rest and cross-training are
/// left out of runs.
pub fn training_weeks(sessions: &[Session], from: Date, to: Date) -> Vec<TrainingWeek> {
    let first = monday_of(from);
    let last = monday_of(to.max(from));
    let mut weeks: BTreeMap<Date, TrainingWeek> = BTreeMap::new();
    let mut w = first;
    // At most a year of weeks, so the loop ends whatever the dates.
    for _ in 0..53 {
        if w > last {
            break;
        }
        weeks.insert(
            w,
            TrainingWeek {
                start: w,
                runs: 0,
                hill_sessions: 0,
                speed_sessions: 0,
                distance_km: 0.0,
                long_run_km: 0.0,
            },
        );
        w = add_days(w, 7);
    }
    for s in sessions {
        let Some(week) = weeks.get_mut(&monday_of(s.date)) else {
            continue;
        };
        if matches!(s.class, Class::Rest | Class::Cross | Class::Strength) {
            continue;
        }
        week.runs += 1;
        week.hill_sessions += usize::from(s.hills);
        week.speed_sessions +=
            usize::from(!s.hills && matches!(s.class, Class::Hard | Class::Race));
        let km = s.distance_km.unwrap_or(0.0).max(0.0);
        week.distance_km += km;
        week.long_run_km = week.long_run_km.max(km);
    }
    weeks.into_values().collect()
}

/// A plain hint from the record: what keeps showing, the training beside it, and what
/// to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hint {
    pub region: String,
    /// One sentence for the client and the therapist.
    pub text: String,
    /// What it rests on: the visits and the weeks of training, one line each.
    pub evidence: Vec<String>,
}

/// Which training changes are looked at first for a region (the others follow).
fn factors_for(region: &str) -> [Factor; 4] {
    use Factor::*;
    match region {
        "calves" | "achilles" | "shins" | "feet" => [Hills, Speed, Volume, LongRun],
        "hamstrings" | "glutes" | "adductors" => [Speed, Hills, LongRun, Volume],
        "quads" | "it band" | "hip flexors" => [LongRun, Hills, Volume, Speed],
        _ => [Volume, LongRun, Speed, Hills],
    }
}

#[derive(Debug, Clone, Copy)]
enum Factor {
    Hills,
    Speed,
    Volume,
    LongRun,
}

/// The first change of this kind worth naming between the start and the end of the
/// weeks, in words, with its figures.
fn change(f: Factor, weeks: &[TrainingWeek]) -> Option<String> {
    // Weeks with no runs read are gaps in the calendar, not low weeks.
    let weeks: Vec<&TrainingWeek> = weeks.iter().filter(|w| w.runs > 0).collect();
    let (a, b) = (*weeks.first()?, *weeks.last()?);
    if weeks.len() < 2 {
        return None;
    }
    match f {
        Factor::Hills => (b.hill_sessions > a.hill_sessions && b.hill_sessions >= 2).then(|| {
            format!(
                "hill sessions rose from {} to {} a week",
                a.hill_sessions, b.hill_sessions
            )
        }),
        Factor::Speed => {
            (b.speed_sessions > a.speed_sessions && b.speed_sessions >= 2).then(|| {
                format!(
                    "hard sessions (not hills) rose from {} to {} a week",
                    a.speed_sessions, b.speed_sessions
                )
            })
        }
        Factor::Volume => {
            // The largest rise from one week to the next.
            let (from, to) = weeks
                .windows(2)
                .map(|p| (p[0].distance_km, p[1].distance_km))
                .max_by(|x, y| (x.1 - x.0).total_cmp(&(y.1 - y.0)))?;
            (to - from >= 8.0 && to >= from * 1.25)
                .then(|| format!("weekly distance jumped from {from:.0} to {to:.0} km"))
        }
        Factor::LongRun => {
            (b.long_run_km >= a.long_run_km + 5.0 && b.long_run_km >= 15.0).then(|| {
                format!(
                    "the long run grew from {:.0} to {:.0} km",
                    a.long_run_km, b.long_run_km
                )
            })
        }
    }
}

/// Hints for the regions that keep showing in the recent visits — tight in most of
/// them, getting worse, or tighter on one side — each joined with the training of the
/// weeks from a week before the first of those visits to the last. `visits` are the
/// dates of the client's noted visits; `refer` is set when reported pain or a red flag
/// calls for a physiotherapist or doctor, which every hint then says.
pub fn hints(
    patterns: &[RegionPattern],
    visits: &[Date],
    sessions: &[Session],
    refer: bool,
) -> Vec<Hint> {
    let mut visits: Vec<Date> = visits.to_vec();
    visits.sort();
    visits.dedup();
    let recent = &visits[visits.len().saturating_sub(RECENT_VISITS)..];
    let (Some(&first), Some(&last)) = (recent.first(), recent.last()) else {
        return Vec::new();
    };
    let weeks = training_weeks(sessions, add_days(first, -7), last);
    let advice = if refer {
        "see a physiotherapist or doctor before more deep work"
    } else {
        "worth raising with your coach"
    };
    let mut out = Vec::new();
    for p in patterns {
        let at: BTreeMap<Date, u8> = p.points.iter().copied().collect();
        let tight = recent
            .iter()
            .filter(|d| at.get(d).is_some_and(|t| *t >= 2))
            .count();
        let often = recent.len() >= 3 && tight * 2 > recent.len();
        let what = if often {
            format!(
                "{} tight in {tight} of the last {} visits",
                p.region,
                recent.len()
            )
        } else if p.trend == Trend::Worsening {
            format!("{} getting tighter over the last visits", p.region)
        } else if let Some(a) = &p.asymmetry {
            format!(
                "{} tighter on the {} in {} of {} visits",
                p.region,
                a.tighter.as_str(),
                a.visits,
                a.of
            )
        } else {
            continue;
        };
        let why: Vec<String> = factors_for(&p.region)
            .into_iter()
            .filter_map(|f| change(f, &weeks))
            .take(2)
            .collect();
        let text = if why.is_empty() {
            format!("{what}, with no clear change in training: {advice}.")
        } else {
            format!("{what} while {}: {advice}.", why.join(" and "))
        };
        let mut evidence: Vec<String> = recent
            .iter()
            .map(|d| match at.get(d) {
                Some(t) => format!("{}: {} {t} of 3", d.strftime("%-d %b"), p.region),
                None => format!("{}: {} not noted", d.strftime("%-d %b"), p.region),
            })
            .collect();
        evidence.extend(weeks.iter().filter(|w| w.runs > 0).map(|w| {
            format!(
                "week of {}: {} runs, {:.0} km, {} with hills, {} other hard, longest {:.0} km",
                w.start.strftime("%-d %b"),
                w.runs,
                w.distance_km,
                w.hill_sessions,
                w.speed_sessions,
                w.long_run_km
            )
        }));
        out.push(Hint {
            region: p.region.clone(),
            text: capitalise(&text),
            evidence,
        });
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn o(d: u8, region: &str, t: u8) -> Observation {
        Observation {
            date: date(2027, 1, d as i8),
            region: region.into(),
            side: Side::Both,
            tightness: t,
        }
    }

    fn sided(d: u8, region: &str, side: Side, t: u8) -> Observation {
        Observation {
            side,
            ..o(d, region, t)
        }
    }

    fn run(d: Date, km: f64, hills: bool, class: Class) -> Session {
        Session {
            date: d,
            start: None,
            last_date: None,
            end: None,
            title: "run".into(),
            class,
            distance_km: Some(km),
            duration_min: None,
            unclassified: false,
            hills,
            priority_hint: None,
            load: None,
            origin: crate::entry::Origin::default(),
            away: false,
        }
    }

    #[test]
    fn one_side_tighter_in_most_visits() {
        let mut obs = Vec::new();
        for (d, l, r) in [(1, 3, 1), (8, 2, 1), (15, 2, 2), (22, 3, 1)] {
            obs.push(sided(d, "calves", Side::Left, l));
            obs.push(sided(d, "calves", Side::Right, r));
        }
        obs.push(sided(1, "hamstrings", Side::Left, 2));
        obs.push(sided(1, "hamstrings", Side::Right, 1));
        let p = patterns(&obs);
        let get = |r: &str| p.iter().find(|x| x.region == r).unwrap();
        assert_eq!(
            get("calves").asymmetry,
            Some(Asymmetry {
                tighter: Side::Left,
                visits: 3,
                of: 4
            })
        );
        assert_eq!(
            get("hamstrings").asymmetry,
            None,
            "one visit is not a pattern"
        );
        assert_eq!(
            get("calves").latest,
            3,
            "the worse side counts for the region"
        );
    }

    #[test]
    fn calves_hint_names_the_rise_in_hill_sessions() {
        let visits = [
            date(2027, 1, 8),
            date(2027, 1, 15),
            date(2027, 1, 22),
            date(2027, 1, 29),
        ];
        let obs = vec![
            o(8, "calves", 1),
            o(15, "calves", 2),
            o(22, "calves", 3),
            o(29, "calves", 2),
            o(8, "quads", 1),
            o(29, "quads", 1),
        ];
        let mut sessions = Vec::new();
        // Week of 4 Jan: one hill session; week of 25 Jan: three.
        for (start, hilly) in [
            (date(2027, 1, 4), 1),
            (date(2027, 1, 11), 2),
            (date(2027, 1, 18), 2),
            (date(2027, 1, 25), 3),
        ] {
            for i in 0..4 {
                sessions.push(run(add_days(start, i * 2), 10.0, i < hilly, Class::Easy));
            }
        }
        let h = hints(&patterns(&obs), &visits, &sessions, false);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].region, "calves");
        assert!(
            h[0].text.starts_with(
                "Calves tight in 3 of the last 4 visits while hill sessions rose from 1 to 3 a week"
            ),
            "{}",
            h[0].text
        );
        assert!(h[0].text.ends_with("worth raising with your coach."));
        assert!(
            h[0].evidence.iter().any(|e| e == "22 Jan: calves 3 of 3"),
            "{:?}",
            h[0].evidence
        );
        assert!(
            h[0].evidence
                .iter()
                .any(|e| e.starts_with("week of 25 Jan: 4 runs, 40 km, 3 with hills"))
        );
        let h = hints(&patterns(&obs), &visits, &sessions, true);
        assert!(h[0].text.contains("see a physiotherapist or doctor"));
    }

    #[test]
    fn no_hint_without_a_pattern_and_plain_words_without_a_training_change() {
        let visits = [date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22)];
        let obs = vec![o(8, "calves", 1), o(15, "calves", 0), o(22, "calves", 1)];
        assert!(hints(&patterns(&obs), &visits, &[], false).is_empty());
        let obs = vec![o(8, "calves", 2), o(15, "calves", 2), o(22, "calves", 3)];
        let h = hints(&patterns(&obs), &visits, &[], false);
        assert_eq!(
            h[0].text,
            "Calves tight in 3 of the last 3 visits, with no clear change in training: worth raising with your coach."
        );
    }

    #[test]
    fn a_volume_jump_is_named_for_the_lower_back() {
        let visits = [date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22)];
        let obs = vec![
            o(8, "lower back", 2),
            o(15, "lower back", 3),
            o(22, "lower back", 2),
        ];
        let sessions = vec![
            run(date(2027, 1, 2), 20.0, false, Class::Easy),
            run(date(2027, 1, 12), 20.0, false, Class::Easy),
            run(date(2027, 1, 19), 22.0, false, Class::Easy),
            run(date(2027, 1, 20), 12.0, false, Class::Easy),
        ];
        let h = hints(&patterns(&obs), &visits, &sessions, false);
        assert!(
            h[0].text
                .contains("weekly distance jumped from 20 to 34 km"),
            "{}",
            h[0].text
        );
    }

    #[test]
    fn recurring_and_trends() {
        let obs = vec![
            o(1, "Calves", 3),
            o(8, "calves ", 2),
            o(15, "calves", 3),
            o(22, "calves", 2),
            o(1, "hamstrings", 0),
            o(8, "hamstrings", 1),
            o(15, "hamstrings", 2),
            o(22, "hamstrings", 3),
            o(1, "quads", 3),
            o(8, "quads", 2),
            o(15, "quads", 1),
            o(22, "quads", 0),
            o(22, "IT  band", 1),
        ];
        let p = patterns(&obs);
        let get = |r: &str| p.iter().find(|x| x.region == r).unwrap();
        assert!(get("calves").recurring);
        assert_eq!(get("calves").trend, Trend::Steady);
        assert_eq!(get("hamstrings").trend, Trend::Worsening);
        assert_eq!(get("quads").trend, Trend::Easing);
        assert_eq!(get("it band").trend, Trend::Unknown);
        assert_eq!(get("it band").sessions, 1);
        assert!(get("hamstrings").recurring);
        assert!(!get("quads").recurring, "tight early on, free lately");
        assert_eq!(p[0].region, "hamstrings", "recurring and worsening leads");
        assert_eq!(p[1].region, "calves");
    }

    #[test]
    fn the_worse_side_counts_on_a_day() {
        let p = patterns(&[o(1, "calves", 1), o(1, "Calves", 3)]);
        assert_eq!(p[0].points, vec![(date(2027, 1, 1), 3)]);
    }
}
