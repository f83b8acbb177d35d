//! A massage plan as calendar events: titles, descriptions with the reason, reminders,
//! and UIDs that stay the same when the season is planned again.

use kneadtime_domain::Kind;
use kneadtime_domain::Priority;
use kneadtime_domain::plan::Plan;
use kneadtime_domain::session::distance_label;

use crate::IcsEvent;

/// "2027-04-25  Spring Marathon (A, marathon)": a race as one line.
pub fn race_line(date: &jiff::civil::Date, name: &str, km: Option<f64>, p: Priority) -> String {
    let dist = km
        .map(distance_label)
        .unwrap_or_else(|| "distance unknown".into());
    let name = if name.trim().is_empty() {
        "Race".to_string()
    } else {
        name.trim().to_string()
    };
    format!("{date}  {name} ({}, {dist})", p.as_str())
}

/// Calendar events for a plan. UIDs are stable across re-planning: race-bound sessions
/// are keyed by their race, maintenance by its place counted back from the next race
/// (so a plan made a week later still updates the same events).
pub fn plan_events(plan: &Plan) -> Vec<IcsEvent> {
    let mut events = Vec::new();
    let mut maint_counter: std::collections::BTreeMap<String, u32> = Default::default();
    let mut recovery_counter: std::collections::BTreeMap<String, u32> = Default::default();
    // Count maintenance back from its next race: walk in reverse.
    let mut keyed: Vec<(usize, String)> = Vec::new();
    for (i, m) in plan.massages.iter().enumerate().rev() {
        let key = match (m.kind, &m.race) {
            (Kind::PreEvent | Kind::PostEvent, Some(r)) => {
                format!("{}-{}", m.kind.as_str(), r.date)
            }
            (Kind::RecoveryPhase, Some(r)) => {
                let n = recovery_counter.entry(r.date.to_string()).or_default();
                *n += 1;
                format!("recovery_phase-{}-{}", r.date, n)
            }
            _ => {
                let anchor = plan
                    .races
                    .iter()
                    .find(|r| r.date > m.date)
                    .map(|r| r.date.to_string())
                    .unwrap_or_else(|| "open".into());
                let n = maint_counter.entry(anchor.clone()).or_default();
                *n += 1;
                format!("maintenance-{anchor}-{n}")
            }
        };
        keyed.push((i, key));
    }
    keyed.reverse();
    for (i, key) in keyed {
        let m = &plan.massages[i];
        let title = match m.kind {
            Kind::PreEvent => "Pre-race massage",
            Kind::PostEvent => "Post-race massage",
            Kind::Maintenance => "Maintenance massage",
            Kind::RecoveryPhase => "Recovery massage",
        };
        let mut description = m.why.clone();
        description.push_str(&format!(
            "\n\nPressure: {} at most. Length: {} min.\nFocus: {}.",
            m.pressure.as_str(),
            m.duration_min,
            m.focus.join(", ")
        ));
        if let Some(r) = &m.race {
            description.push_str(&format!(
                "\nRace: {}",
                race_line(&r.date, &r.name, r.distance_km, r.priority)
            ));
        }
        // Rule ids are for `explain` and the JSON; a runner's calendar reads as words.
        events.push(IcsEvent {
            uid: format!("{key}@kneadtime"),
            date: m.date,
            summary: format!("{title} ({}, {} min)", m.pressure.as_str(), m.duration_min),
            description,
            categories: vec!["Massage".into(), m.kind.as_str().into()],
            // 09:00 the day before the (all-day) session: time to book or confirm.
            reminder_minutes_before: Some(15 * 60),
        });
    }
    events
}
