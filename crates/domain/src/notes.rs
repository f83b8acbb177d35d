//! What session notes show over time: per body region, how tight it has been, whether
//! it is getting better or worse, and which regions keep coming back tight (they lead
//! the focus of future maintenance work).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// One finding from one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub date: Date,
    pub region: String,
    /// 0 (free) … 3 (very tight).
    pub tightness: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Fewer than three sessions: too early to say.
    Unknown,
    Easing,
    Steady,
    Worsening,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

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
    for o in obs {
        let t = o.tightness.min(3);
        // Two findings for one region on one day (left and right, say): keep the worse.
        let e = by
            .entry(normal_region(&o.region))
            .or_default()
            .entry(o.date)
            .or_insert(t);
        *e = (*e).max(t);
    }
    let mut out: Vec<RegionPattern> = by
        .into_iter()
        .map(|(region, days)| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn o(d: u8, region: &str, t: u8) -> Observation {
        Observation {
            date: date(2027, 1, d as i8),
            region: region.into(),
            tightness: t,
        }
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
