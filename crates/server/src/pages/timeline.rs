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
    /// The day, as the opened cell heads it ("Mon 4 Jan").
    pub date: String,
    /// What the day holds, one line each ("rest" when nothing).
    pub sessions: Vec<String>,
    /// The massage on this day: its anchor id, one-letter mark and name.
    pub massage_id: String,
    pub massage_mark: String,
    pub massage_title: String,
    /// Why the massage is on this day.
    pub massage_why: String,
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
    let mut by_day: BTreeMap<Date, (usize, Kind, String)> = BTreeMap::new();
    let massages: Vec<MassageRow> = plan
        .massages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            by_day.insert(m.date, (i, m.kind, m.why.clone()));
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
                        .map(|s| &*s.title)
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let (massage_id, massage_mark, massage_title, massage_why) = match by_day.get(&d) {
                    Some((i, kind, why)) => (
                        format!("m{}", i + 1),
                        kind_mark(*kind).to_string(),
                        kind_title(*kind).to_string(),
                        why.clone(),
                    ),
                    None => Default::default(),
                };
                let extra = if massage_title.is_empty() {
                    String::new()
                } else {
                    format!(". {massage_title}")
                };
                DayCell {
                    class,
                    label: format!("{}: {what}{extra}", d.strftime("%a %-d %b")),
                    text: main
                        .filter(|s| s.class == Class::Race)
                        .map(|s| s.title.to_string())
                        .unwrap_or_default(),
                    date: d.strftime("%a %-d %b %Y").to_string(),
                    sessions: if sessions.is_empty() {
                        vec![if season.knows(d) {
                            "Rest".to_string()
                        } else {
                            "Nothing in your calendar".to_string()
                        }]
                    } else {
                        sessions.iter().map(|s| s.title.to_string()).collect()
                    },
                    massage_id,
                    massage_mark,
                    massage_title,
                    massage_why,
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

/// Weekly load as a line over the weeks drawn, with a load axis (its unit said), dates
/// along the bottom, and a tick for each massage. Text is 13 units high in a chart at
/// least 680 units wide on screen, so it never shows below 12 px.
fn load_svg(weeks: &[WeekRow], first: Date, loads: &BTreeMap<Date, f64>, plan: &Plan) -> String {
    let n = weeks.len().max(1);
    let (w, h) = (720.0, 220.0);
    let (left, right, top, bottom) = (56.0, 36.0, 30.0, 44.0);
    let vals: Vec<f64> = (0..n)
        .map(|k| {
            loads
                .get(&add_days(first, k as i32 * 7))
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    // The axis runs to a round number above the heaviest week.
    let peak = vals.iter().cloned().fold(1.0, f64::max);
    let step = [25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0]
        .into_iter()
        .find(|s| peak / s <= 5.0)
        .unwrap_or(2000.0);
    let max = (peak / step).ceil() * step;
    let x = |k: f64| left + k * (w - left - right) / (n.max(2) - 1) as f64;
    let y = |v: f64| h - bottom - v / max * (h - top - bottom);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="load-title" xmlns="http://www.w3.org/2000/svg" font-size="13" font-family="system-ui, sans-serif"><title id="load-title">Weekly training load, with the proposed massages marked</title><rect x="0" y="0" width="{w}" height="{h}" fill="#fff"/>"##
    );
    let _ = write!(
        s,
        r##"<text x="{left}" y="16" fill="#1d2430">Load per week (points; 100 = one hour at threshold effort)</text>"##
    );
    let ticks = (max / step).round() as i32;
    for t in 0..=ticks.clamp(0, 20) {
        let v = f64::from(t) * step;
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2:.1}" y1="{yv:.1}" y2="{yv:.1}" stroke="#e3e8ef"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" fill="#5b6676">{v:.0}</text>"##,
            x2 = w - right,
            yv = y(v),
            tx = left - 6.0,
            ty = y(v) + 4.0
        );
    }
    // A date under every few weeks, so labels never crowd.
    let every = (n / 6).max(1);
    for k in (0..n).step_by(every) {
        let d = add_days(first, k as i32 * 7);
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#5b6676">{}</text>"##,
            x(k as f64),
            h - bottom + 30.0,
            d.strftime("%-d %b")
        );
    }
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
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{1:.1}" y2="{2:.1}" stroke="{color}" stroke-width="3"><title>{3} {4}</title></line>"##,
            x(k.min((n - 1) as f64)),
            h - bottom,
            h - bottom + 12.0,
            kind_title(m.kind),
            m.date
        );
    }
    s.push_str("</svg>");
    s
}
