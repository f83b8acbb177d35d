//! The training-load chart as SVG: fitness, fatigue and form over time, weekly volume,
//! phases as background bands, races and planned massages marked.

use std::fmt::Write as _;

use jiff::civil::Date;
use kneadtime_domain::load::Day;
use kneadtime_domain::phase::Phase;
use kneadtime_domain::plan::{PlannedMassage, RaceRef};
use kneadtime_domain::season::{Week, days_between};
use kneadtime_domain::{Kind, Priority};

const W: f64 = 1000.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 48.0;
const LOAD_H: f64 = 250.0;
const GAP: f64 = 34.0;
const VOL_H: f64 = 90.0;
const H: f64 = TOP + LOAD_H + GAP + VOL_H + 60.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn phase_colour(p: Phase) -> &'static str {
    match p {
        Phase::Base => "#eef3f8",
        Phase::Build => "#e3f0e3",
        Phase::Peak => "#fbeed9",
        Phase::Taper => "#efe6f5",
        Phase::RaceWeek => "#f9dede",
        Phase::Recovery => "#e2f1f3",
    }
}

fn kind_colour(k: Kind) -> &'static str {
    match k {
        Kind::PreEvent => "#0f8b8d",
        Kind::PostEvent => "#a4349b",
        Kind::Maintenance => "#2e7d32",
        Kind::RecoveryPhase => "#1f5fa8",
    }
}

/// The whole chart. `days` may be empty (a plan with no history still shows volume).
pub fn load_svg(
    title: &str,
    days: &[Day],
    weeks: &[Week],
    phase_of: &dyn Fn(Date) -> Phase,
    races: &[RaceRef],
    massages: &[PlannedMassage],
) -> String {
    let first = days
        .first()
        .map(|d| d.date)
        .into_iter()
        .chain(weeks.first().map(|w| w.start))
        .min();
    let last = days
        .last()
        .map(|d| d.date)
        .into_iter()
        .chain(
            weeks
                .last()
                .map(|w| kneadtime_domain::season::add_days(w.start, 6)),
        )
        .max();
    // Planned massages extend the picture only when they follow on from the data.
    let last = last.map(|l| {
        let horizon = kneadtime_domain::season::add_days(l, 26 * 7);
        massages
            .iter()
            .map(|m| m.date)
            .filter(|d| *d <= horizon)
            .fold(l, Date::max)
    });
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-label="{}">"#,
        esc(title)
    );
    let _ = writeln!(o, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        o,
        r##"<text x="{LEFT}" y="24" font-size="16" font-weight="600" fill="#222">{}</text>"##,
        esc(title)
    );
    // A year of history is what a runner looks at; older data only squeezes the picture.
    let first = match (first, last) {
        (Some(f), Some(l)) => {
            let start = f.max(kneadtime_domain::season::add_days(l, -7 * 60));
            // Skip an empty stretch at the start: begin a week before the first load.
            let first_load = days
                .iter()
                .find(|d| d.date >= start && d.load > 0.0)
                .map(|d| d.date);
            let first_week = weeks
                .iter()
                .find(|w| w.start >= start && w.sessions > 0)
                .map(|w| w.start);
            let busy = [first_load, first_week]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(start);
            Some(start.max(kneadtime_domain::season::add_days(busy, -7)))
        }
        _ => first,
    };
    let (Some(first), Some(last)) = (first, last) else {
        let _ = writeln!(
            o,
            r##"<text x="{LEFT}" y="{}" fill="#666">Nothing to draw: no sessions.</text></svg>"##,
            TOP + 40.0
        );
        return o;
    };
    let days: Vec<Day> = days.iter().filter(|d| d.date >= first).copied().collect();
    let days = &days[..];
    let weeks: Vec<&Week> = weeks
        .iter()
        .filter(|w| w.start >= kneadtime_domain::season::monday_of(first))
        .collect();
    let span = days_between(first, last).max(1) as f64;
    let x = |d: Date| LEFT + (W - LEFT - RIGHT) * days_between(first, d) as f64 / span;
    let day_w = (W - LEFT - RIGHT) / span;

    // Phase bands behind the load panel.
    let mut bands: Vec<(Phase, Date, Date)> = Vec::new();
    for d in kneadtime_domain::dates::days(first, last) {
        let p = phase_of(d);
        match bands.last_mut() {
            Some((q, _, e)) if *q == p => *e = d,
            _ => bands.push((p, d, d)),
        }
    }
    for (p, d, e) in bands {
        let (x0, x1) = (x(d), x(e) + day_w);
        let _ = writeln!(
            o,
            r#"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{LOAD_H}" fill="{}"><title>{} {} to {}</title></rect>"#,
            (x1 - x0).max(0.5),
            phase_colour(p),
            p.label(),
            d,
            e
        );
        if x1 - x0 > 44.0 {
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{}" fill="#7a7a7a" font-size="10">{}</text>"##,
                x0 + 3.0,
                TOP + 12.0,
                p.label()
            );
        }
    }

    // Load panel scale.
    let hi = days
        .iter()
        .map(|d| d.fitness.max(d.fatigue))
        .fold(10.0, f64::max);
    let lo = days.iter().map(|d| d.form).fold(0.0, f64::min);
    let (hi, lo) = (nice_ceil(hi), -nice_ceil(-lo));
    let y = |v: f64| TOP + LOAD_H * (hi - v) / (hi - lo);
    for t in ticks(lo, hi) {
        let yy = y(t);
        let stroke = if t == 0.0 { "#999" } else { "#e0e0e0" };
        let _ = writeln!(
            o,
            r#"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{stroke}" stroke-width="1"/>"#,
            W - RIGHT
        );
        let _ = writeln!(
            o,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#666">{t:.0}</text>"##,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    let line = |o: &mut String, f: &dyn Fn(&Day) -> f64, colour: &str, width: f64, dash: &str| {
        if days.is_empty() {
            return;
        }
        let pts: Vec<String> = days
            .iter()
            .map(|d| format!("{:.1},{:.1}", x(d.date) + day_w / 2.0, y(f(d))))
            .collect();
        let _ = writeln!(
            o,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="{width}" stroke-dasharray="{dash}" points="{}"/>"#,
            pts.join(" ")
        );
    };
    line(&mut o, &|d| d.form, "#8d8d8d", 1.5, "4 3");
    line(&mut o, &|d| d.fatigue, "#e0607e", 1.5, "");
    line(&mut o, &|d| d.fitness, "#1f5fa8", 2.5, "");

    // Races: a red line across both panels.
    for r in races {
        if r.date < first || r.date > last {
            continue;
        }
        let xx = x(r.date) + day_w / 2.0;
        let w = if r.priority == Priority::A { 2.0 } else { 1.2 };
        let _ = writeln!(
            o,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{TOP}" y2="{}" stroke="#c62828" stroke-width="{w}"><title>{} {}</title></line>"##,
            TOP + LOAD_H + GAP + VOL_H,
            r.date,
            esc(&r.name)
        );
        if r.priority == Priority::A {
            let name = if r.name.trim().is_empty() {
                "A race".to_string()
            } else {
                r.name.chars().take(28).collect()
            };
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{}" fill="#c62828" font-size="10" text-anchor="end">{}</text>"##,
                xx - 3.0,
                TOP - 4.0,
                esc(&name)
            );
        }
    }

    // Planned massages: a marker on the bottom edge of the load panel.
    for m in massages {
        if m.date < first || m.date > last {
            continue;
        }
        let xx = x(m.date) + day_w / 2.0;
        let yy = TOP + LOAD_H - 8.0;
        let _ = writeln!(
            o,
            r#"<path d="M{:.1},{:.1} l6,10 h-12 z" fill="{}"><title>{} {} massage ({}, {} min)</title></path>"#,
            xx,
            yy - 2.0,
            kind_colour(m.kind),
            m.date,
            m.kind.label(),
            m.pressure.as_str(),
            m.duration_min
        );
    }

    // Weekly volume bars.
    let vol_top = TOP + LOAD_H + GAP;
    let vmax = nice_ceil(weeks.iter().map(|w| w.distance_km).fold(10.0, f64::max));
    let _ = writeln!(
        o,
        r##"<text x="{}" y="{}" fill="#444" font-size="11">weekly km</text>"##,
        LEFT,
        vol_top - 6.0
    );
    for w in &weeks {
        if w.start > last {
            continue;
        }
        let bh = VOL_H * w.distance_km / vmax;
        let x0 = x(w.start).max(LEFT);
        let bw = (7.0 * day_w - 2.0).max(1.0);
        let _ = writeln!(
            o,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{bw:.1}" height="{bh:.1}" fill="#9bb7d4"><title>week of {}: {:.1} km, load {:.0}</title></rect>"##,
            vol_top + VOL_H - bh,
            w.start,
            w.distance_km,
            w.load
        );
    }
    let _ = writeln!(
        o,
        r##"<line x1="{LEFT}" x2="{}" y1="{}" y2="{}" stroke="#999"/>"##,
        W - RIGHT,
        vol_top + VOL_H,
        vol_top + VOL_H
    );
    let _ = writeln!(
        o,
        r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#666">{vmax:.0}</text>"##,
        LEFT - 6.0,
        vol_top + 4.0
    );

    // Month labels.
    // One label per month while they fit, then every quarter, then every January.
    let months = span / 30.4;
    let every = if months <= 14.0 {
        1
    } else if months <= 40.0 {
        3
    } else {
        12
    };
    let start = Date::new(first.year(), first.month(), 1).unwrap_or(first);
    let month_count = (i32::from(last.year()) - i32::from(start.year())) * 12
        + i32::from(last.month())
        - i32::from(start.month())
        + 1;
    for m in
        (0..month_count.max(0)).filter_map(|k| start.checked_add(jiff::Span::new().months(k)).ok())
    {
        if m >= first && (i32::from(m.month()) - 1) % every == 0 {
            let xx = x(m);
            let _ = writeln!(
                o,
                r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{}" y2="{}" stroke="#bbb"/>"##,
                vol_top + VOL_H,
                vol_top + VOL_H + 5.0
            );
            let label = if every == 12 || m.month() == 1 {
                m.strftime("%b %Y").to_string()
            } else {
                m.strftime("%b").to_string()
            };
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{}" fill="#555">{label}</text>"##,
                xx + 2.0,
                vol_top + VOL_H + 17.0
            );
        }
    }

    // Legend.
    let ly = H - 14.0;
    let mut lx = LEFT;
    for (label, colour, dash) in [
        ("fitness (42 d)", "#1f5fa8", ""),
        ("fatigue (7 d)", "#e0607e", ""),
        ("form", "#8d8d8d", "4 3"),
    ] {
        let _ = writeln!(
            o,
            r#"<line x1="{lx}" x2="{}" y1="{}" y2="{}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>"#,
            lx + 22.0,
            ly - 4.0,
            ly - 4.0
        );
        let _ = writeln!(
            o,
            r##"<text x="{}" y="{ly}" fill="#333">{label}</text>"##,
            lx + 27.0
        );
        lx += 130.0;
    }
    for k in Kind::ALL {
        let _ = writeln!(
            o,
            r#"<path d="M{},{} l6,10 h-12 z" fill="{}"/>"#,
            lx + 6.0,
            ly - 11.0,
            kind_colour(k)
        );
        let _ = writeln!(
            o,
            r##"<text x="{}" y="{ly}" fill="#333">{}</text>"##,
            lx + 16.0,
            k.label()
        );
        lx += 100.0;
    }
    let _ = writeln!(
        o,
        r##"<line x1="{lx}" x2="{lx}" y1="{}" y2="{ly}" stroke="#c62828" stroke-width="2"/><text x="{}" y="{ly}" fill="#333">race</text>"##,
        ly - 12.0,
        lx + 5.0
    );
    o.push_str("</svg>\n");
    o
}

fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let step = if v <= 50.0 {
        10.0
    } else if v <= 200.0 {
        25.0
    } else {
        50.0
    };
    (v / step).ceil() * step
}

fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let range = hi - lo;
    let step = if range <= 60.0 {
        10.0
    } else if range <= 150.0 {
        25.0
    } else {
        50.0
    };
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}
