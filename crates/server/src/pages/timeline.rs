//! The season as a picture: one row per week (phase, seven days coloured by session
//! class, the week's load), each proposed massage marked on its day and linked to its
//! reason, and the weekly load as a small SVG curve with the massages on it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use kneadtime_domain::season::{add_days, days_between, monday_of};
use kneadtime_domain::{Class, Kind, Phase, Plan, Season};

#[derive(Debug, Clone)]
pub struct DayCell {
    /// CSS class: rest, easy, hard, long, race, cross, strength, or out (outside the plan).
    pub class: String,
    /// What the day holds, for screen readers and the tooltip.
    pub label: String,
    /// Short text shown in the cell (the race name on race day).
    pub text: String,
    /// The massage on this day: its anchor id and one-letter mark.
    pub massage_id: String,
    pub massage_mark: String,
}

#[derive(Debug, Clone)]
pub struct WeekRow {
    pub label: String,
    pub phase_css: String,
    pub phase: String,
    pub load: String,
    pub days: Vec<DayCell>,
}

#[derive(Debug, Clone)]
pub struct MassageRow {
    pub id: String,
    pub date: String,
    pub title: String,
    pub pressure: String,
    pub minutes: u32,
    pub focus: String,
    pub why: String,
    pub race: String,
    pub mark: String,
}

pub struct Timeline {
    pub weeks: Vec<WeekRow>,
    pub massages: Vec<MassageRow>,
    pub svg: String,
}

/// Most weeks drawn; a longer plan shows its first this many.
const MAX_WEEKS: i32 = 60;

pub fn kind_title(k: Kind) -> &'static str {
    match k {
        Kind::PreEvent => "Pre-race massage",
        Kind::PostEvent => "Post-race massage",
        Kind::Maintenance => "Maintenance massage",
        Kind::RecoveryPhase => "Recovery massage",
    }
}

fn kind_mark(k: Kind) -> &'static str {
    match k {
        Kind::PreEvent => "P",
        Kind::PostEvent => "R",
        Kind::Maintenance => "M",
        Kind::RecoveryPhase => "V",
    }
}

fn phase_css(p: Phase) -> String {
    format!("phase-{}", p.as_str().replace([' ', '-'], "_"))
}

/// Builds the picture of `plan` over `season`.
pub fn build(season: &Season, plan: &Plan) -> Timeline {
    let first = monday_of(plan.from);
    let last_week = monday_of(plan.to);
    let n_weeks = (days_between(first, last_week) / 7 + 1).clamp(1, MAX_WEEKS);
    let mut by_day: BTreeMap<Date, (usize, Kind)> = BTreeMap::new();
    let massages: Vec<MassageRow> = plan
        .massages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            by_day.insert(m.date, (i, m.kind));
            MassageRow {
                id: format!("m{}", i + 1),
                date: m.date.strftime("%a %-d %b %Y").to_string(),
                title: kind_title(m.kind).to_string(),
                pressure: m.pressure.as_str().to_string(),
                minutes: m.duration_min,
                focus: m.focus.join(", "),
                why: m.why.clone(),
                race: m
                    .race
                    .as_ref()
                    .map(|r| {
                        kneadtime_import::race_line(&r.date, &r.name, r.distance_km, r.priority)
                    })
                    .unwrap_or_default(),
                mark: kind_mark(m.kind).to_string(),
            }
        })
        .collect();
    let loads: BTreeMap<Date, f64> = season.weeks().iter().map(|w| (w.start, w.load)).collect();
    let mut weeks = Vec::new();
    for k in 0..n_weeks {
        let start = add_days(first, k * 7);
        let phase = season.phase_on(start.max(plan.from));
        let days = (0..7)
            .map(|j| {
                let d = add_days(start, j);
                let sessions: Vec<_> = season.sessions_on(d).collect();
                let main = sessions
                    .iter()
                    .find(|s| s.class == Class::Race)
                    .or_else(|| sessions.iter().find(|s| s.class.is_quality()))
                    .or_else(|| sessions.first());
                let out = d < plan.from || d > plan.to;
                let class = if out && main.is_none() {
                    "out".to_string()
                } else {
                    main.map(|s| s.class.as_str()).unwrap_or("rest").to_string()
                };
                let what = if sessions.is_empty() {
                    "rest".to_string()
                } else {
                    sessions
                        .iter()
                        .map(|s| s.title.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let (massage_id, massage_mark, extra) = match by_day.get(&d) {
                    Some((i, kind)) => (
                        format!("m{}", i + 1),
                        kind_mark(*kind).to_string(),
                        format!(". {}", kind_title(*kind)),
                    ),
                    None => (String::new(), String::new(), String::new()),
                };
                DayCell {
                    class,
                    label: format!("{}: {what}{extra}", d.strftime("%a %-d %b")),
                    text: main
                        .filter(|s| s.class == Class::Race)
                        .map(|s| s.title.clone())
                        .unwrap_or_default(),
                    massage_id,
                    massage_mark,
                }
            })
            .collect();
        weeks.push(WeekRow {
            label: start.strftime("%-d %b").to_string(),
            phase_css: phase_css(phase),
            phase: phase.as_str().replace('_', " "),
            load: loads
                .get(&start)
                .map(|l| format!("{l:.0}"))
                .unwrap_or_default(),
            days,
        });
    }
    let svg = load_svg(&weeks, first, &loads, plan);
    Timeline {
        weeks,
        massages,
        svg,
    }
}

/// Weekly load as a line over the weeks drawn, with a tick for each massage.
fn load_svg(weeks: &[WeekRow], first: Date, loads: &BTreeMap<Date, f64>, plan: &Plan) -> String {
    let n = weeks.len().max(1);
    let (w, h, pad) = (720.0, 140.0, 24.0);
    let vals: Vec<f64> = (0..n)
        .map(|k| {
            loads
                .get(&add_days(first, k as i32 * 7))
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    let max = vals.iter().cloned().fold(1.0, f64::max);
    let x = |k: f64| pad + k * (w - 2.0 * pad) / (n.max(2) - 1) as f64;
    let y = |v: f64| h - pad - v / max * (h - 2.0 * pad);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="load-title" xmlns="http://www.w3.org/2000/svg"><title id="load-title">Weekly training load, with the proposed massages marked</title><rect x="0" y="0" width="{w}" height="{h}" fill="#fff"/>"##
    );
    let pts: Vec<String> = vals
        .iter()
        .enumerate()
        .map(|(k, v)| format!("{:.1},{:.1}", x(k as f64), y(*v)))
        .collect();
    let _ = write!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#0b6e4f" stroke-width="2.5"/>"##,
        pts.join(" ")
    );
    for m in &plan.massages {
        let k = days_between(first, m.date) as f64 / 7.0;
        if k < 0.0 || k > (n - 1) as f64 + 1.0 {
            continue;
        }
        let color = match m.kind {
            Kind::PreEvent => "#9b7fd4",
            Kind::PostEvent => "#d64545",
            Kind::Maintenance => "#1d2430",
            Kind::RecoveryPhase => "#5bbf8a",
        };
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{1:.1}" y2="{2:.1}" stroke="{color}" stroke-width="2"><title>{3} {4}</title></line>"##,
            x(k.min((n - 1) as f64)),
            h - pad,
            h - pad + 10.0,
            kind_title(m.kind),
            m.date
        );
    }
    let _ = write!(
        s,
        r##"<text x="{pad}" y="14" font-size="12" fill="#5b6676">weekly load (peak {max:.0})</text></svg>"##
    );
    s
}
