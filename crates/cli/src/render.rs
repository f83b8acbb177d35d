//! Plans, findings and answers as people read them: an 80-column table with optional
//! colour, Markdown, and calendar events.

use std::fmt::Write as _;

use kneadtime_domain::plan::{Plan, PlannedMassage};
use kneadtime_domain::rule::{Finding, Severity};
use kneadtime_domain::{Kind, NextAnswer};
use kneadtime_import::race_line;

const WIDTH: usize = 80;

/// ANSI colour, on only when asked for.
#[derive(Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn kind(self, k: Kind, s: &str) -> String {
        let code = match k {
            Kind::PreEvent => "36",
            Kind::PostEvent => "35",
            Kind::Maintenance => "32",
            Kind::RecoveryPhase => "34",
        };
        self.wrap(code, s)
    }
    fn severity(self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "33",
            Severity::Info => "2",
        };
        self.wrap(code, s)
    }
}

/// Wraps `text` to `width` columns, every line prefixed by `indent`.
pub fn wrap(text: &str, indent: usize, width: usize) -> String {
    let pad = " ".repeat(indent);
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            let _ = writeln!(out, "{pad}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{pad}{line}");
    }
    out
}

pub fn plan_table(plan: &Plan, zone: &str, show_price: bool, paint: Paint) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        paint.bold(&format!(
            "Massage plan {} to {} ({zone})",
            plan.from, plan.to
        ))
    );
    if !plan.races.is_empty() {
        let _ = writeln!(o, "Races:");
        for r in &plan.races {
            let _ = writeln!(
                o,
                "  {}",
                race_line(&r.date, &r.name, r.distance_km, r.priority)
            );
        }
    }
    let _ = writeln!(o);
    if plan.massages.is_empty() {
        let _ = writeln!(o, "No massage to propose in this range.");
    } else {
        let _ = writeln!(
            o,
            "{}",
            paint.bold(&format!(
                "{:<11} {:<15} {:<9} {:>4}",
                "Date", "Kind", "Pressure", "Min"
            ))
        );
        for m in &plan.massages {
            o.push_str(&massage_row(m, show_price, paint));
        }
    }
    if !plan.dropped.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold("Left out"));
        for d in &plan.dropped {
            let _ = writeln!(o, "{}  {}", d.date, paint.kind(d.kind, d.kind.as_str()));
            o.push_str(&wrap(&d.why, 12, WIDTH));
        }
    }
    if !plan.findings.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold("Findings"));
        o.push_str(&findings_table(&plan.findings, paint));
    }
    if show_price {
        let _ = writeln!(
            o,
            "\nTotal at the profile's prices: {:.2}",
            plan.total_price
        );
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(o);
        for n in plan.notes.iter().map(String::as_str).chain(flag_hint(plan)) {
            o.push_str(&wrap(&format!("Note: {n}"), 0, WIDTH));
        }
    }
    if !plan.unclassified.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            paint.bold("Counted as easy (title not understood)")
        );
        for u in plan.unclassified.iter().take(20) {
            let _ = writeln!(o, "  {}  {}", u.date, truncate(&u.title, WIDTH - 14));
        }
        if plan.unclassified.len() > 20 {
            let _ = writeln!(
                o,
                "  … and {} more (see --format json)",
                plan.unclassified.len() - 20
            );
        }
    }
    o
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn massage_row(m: &PlannedMassage, show_price: bool, paint: Paint) -> String {
    let mut o = String::new();
    let kind = format!("{:<15}", m.kind.as_str());
    let _ = writeln!(
        o,
        "{:<11} {} {:<9} {:>4}",
        m.date.to_string(),
        paint.kind(m.kind, &kind),
        m.pressure.as_str(),
        m.duration_min,
    );
    let mut why = m.why.clone();
    if show_price {
        why.push_str(&format!(" Price {:.2}.", m.price));
    }
    o.push_str(&wrap(&why, 12, WIDTH));
    o.push_str(&paint.dim(&wrap(&format!("Focus: {}.", m.focus.join(", ")), 12, WIDTH)));
    o
}

pub fn findings_table(findings: &[Finding], paint: Paint) -> String {
    let mut o = String::new();
    for f in findings {
        // The rule's id stays in JSON and `explain`; the runner reads its message.
        let _ = writeln!(
            o,
            "{}  {}",
            f.date,
            paint.severity(f.severity, f.severity.as_str()),
        );
        o.push_str(&wrap(&f.message, 12, WIDTH));
        if let Some(s) = f.suggestion {
            o.push_str(&wrap(&format!("Suggested date: {s}"), 12, WIDTH));
        }
        if let Some(a) = &f.advice {
            o.push_str(&wrap(a, 12, WIDTH));
        }
    }
    o
}

pub fn check_table(
    findings: &[Finding],
    bookings: usize,
    assumed: &[jiff::civil::Date],
    paint: Paint,
) -> String {
    let mut o = String::new();
    let assumed_note = |o: &mut String| {
        if !assumed.is_empty() {
            let dates: Vec<String> = assumed.iter().map(|d| d.to_string()).collect();
            o.push_str(&wrap(
                &format!(
                    "Pressure not stated (light, moderate or deep), so judged as moderate: {}.",
                    dates.join(", ")
                ),
                0,
                WIDTH,
            ));
        }
    };
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if findings.is_empty() {
        let _ = writeln!(
            o,
            "All {bookings} booked massage{} fit the rules.",
            if bookings == 1 { "" } else { "s" }
        );
        assumed_note(&mut o);
        return o;
    }
    o.push_str(&findings_table(findings, paint));
    let _ = writeln!(
        o,
        "\n{bookings} booking{} checked: {errors} error{}, {warnings} warning{}.",
        if bookings == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    );
    assumed_note(&mut o);
    o
}

pub fn plan_markdown(plan: &Plan, zone: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Massage plan {} to {}\n", plan.from, plan.to);
    let _ = writeln!(o, "Dates are in {zone}.\n");
    if !plan.races.is_empty() {
        let _ = writeln!(o, "## Races\n");
        for r in &plan.races {
            let _ = writeln!(
                o,
                "- {}",
                race_line(&r.date, &r.name, r.distance_km, r.priority)
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Sessions\n");
    let _ = writeln!(o, "| Date | Kind | Pressure | Minutes | Focus | Why |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    let esc = |s: &str| s.replace('|', "\\|");
    for m in &plan.massages {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            m.date,
            m.kind.as_str(),
            m.pressure.as_str(),
            m.duration_min,
            esc(&m.focus.join(", ")),
            esc(&m.why)
        );
    }
    if !plan.dropped.is_empty() {
        let _ = writeln!(o, "\n## Left out\n");
        for d in &plan.dropped {
            let _ = writeln!(o, "- {} {}: {}", d.date, d.kind.as_str(), d.why);
        }
    }
    if !plan.findings.is_empty() {
        let _ = writeln!(o, "\n## Findings\n");
        for f in &plan.findings {
            let _ = writeln!(o, "- {} **{}**: {}", f.date, f.severity.as_str(), f.message);
        }
    }
    for n in plan.notes.iter().map(String::as_str).chain(flag_hint(plan)) {
        let _ = writeln!(o, "\n> {n}");
    }
    if !plan.unclassified.is_empty() {
        let _ = writeln!(o, "\n## Counted as easy (title not understood)\n");
        for u in &plan.unclassified {
            let _ = writeln!(o, "- {} {}", u.date, esc(&u.title));
        }
    }
    o
}

pub fn next_table(a: &NextAnswer, paint: Paint) -> String {
    let mut o = String::new();
    o.push_str(&wrap(
        &paint.bold(&a.summary),
        0,
        WIDTH + if paint.0 { 8 } else { 0 },
    ));
    if !a.not_today.is_empty() {
        let _ = writeln!(o, "\nWhy not today ({}):", a.today);
        for f in &a.not_today {
            o.push_str(&wrap(
                &format!("- {}: {}", f.severity.as_str(), f.message),
                2,
                WIDTH,
            ));
        }
    }
    if let Some(m) = &a.meanwhile {
        let _ = writeln!(o);
        o.push_str(&wrap(m, 0, WIDTH));
    }
    if let Some(p) = &a.planned {
        let _ = writeln!(o, "\nNext in your plan:");
        o.push_str(&massage_row(p, false, paint));
    }
    o
}

/// How to add or mark a race from the command line, when the plan lacks one.
fn flag_hint(plan: &Plan) -> Option<&'static str> {
    if plan.races.is_empty() {
        Some("add a race with --race DATE:DISTANCE[:A|B|C], e.g. --race 2027-04-25:marathon:A.")
    } else if !plan
        .races
        .iter()
        .any(|r| r.priority == kneadtime_domain::Priority::A)
    {
        Some("mark your goal race with --race DATE:DISTANCE:A.")
    } else {
        None
    }
}
