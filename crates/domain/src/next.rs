//! "I feel tight now — when should I go?": the next session worth booking and the
//! earliest good day, or why to wait and what to do meanwhile.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::massage::Pressure;
use crate::plan::{PlanRequest, PlannedMassage, plan};
use crate::rule::{Finding, Massage, RACE_EVE_SELF_CARE, RuleId, Severity, evaluate};
use crate::season::{Season, add_days, days_between};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextAnswer {
    pub today: Date,
    /// The first session of the season plan from today on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<PlannedMassage>,
    /// The earliest day a moderate massage breaks no rule (and the runner can attend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_good_day: Option<Date>,
    /// Why not today, when today is not good.
    pub not_today: Vec<Finding>,
    /// What to do until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meanwhile: Option<String>,
    pub summary: String,
}

const SELF_CARE: &str = "Meanwhile: easy mobility work, gentle stretching and a few minutes of foam rolling on the tight spots; keep runs easy if it is getting worse, and see a physio if it hurts rather than feels tight.";

/// "1 day", "3 days".
fn days_word(n: i32) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Looks at most this far ahead for a good day.
const HORIZON_DAYS: i32 = 42;

pub fn next(season: &Season, req: &PlanRequest, today: Date) -> NextAnswer {
    let req = PlanRequest {
        from: Some(today),
        ..req.clone()
    };
    let plan = plan(season, &req);
    let planned = plan.massages.iter().find(|m| m.date >= today).cloned();
    let available = |d: Date| {
        !req.unavailable_weekdays.contains(&d.weekday())
            && !req.busy_dates.contains(&d)
            && !season.is_away(d)
    };
    let judge = |d: Date| {
        evaluate(
            season,
            &Massage {
                date: d,
                start: None,
                pressure: Pressure::Moderate,
                kind: None,
                race: None,
            },
        )
    };
    let earliest_good_day = (0..=HORIZON_DAYS)
        .map(|k| add_days(today, k))
        .find(|&d| available(d) && judge(d).iter().all(|f| f.severity < Severity::Warning));
    let not_today: Vec<Finding> = if earliest_good_day == Some(today) {
        Vec::new()
    } else {
        judge(today)
    };
    let race_soon = not_today
        .iter()
        .any(|f| matches!(f.rule, RuleId::RaceEve | RuleId::RaceDay));
    let meanwhile = match earliest_good_day {
        Some(d) if d == today => None,
        _ if race_soon => Some(RACE_EVE_SELF_CARE.to_string()),
        _ => Some(SELF_CARE.to_string()),
    };
    let summary = match (earliest_good_day, &planned) {
        (Some(d), _) if d == today => match &planned {
            Some(p) if p.date == today => format!(
                "Today is good: it is the {} massage in your plan.",
                p.kind.label()
            ),
            Some(p) => format!(
                "Today is a good day for a moderate massage. Your next planned session is the {} massage on {} ({} away).",
                p.kind.label(),
                p.date,
                days_word(days_between(today, p.date))
            ),
            None => "Today is a good day for a moderate massage.".into(),
        },
        (Some(d), Some(p)) if p.date <= d => format!(
            "Book the {} massage on {}: it is the next session in your plan and the first good day.",
            p.kind.label(),
            p.date
        ),
        (Some(d), _) => format!(
            "Wait until {d} ({}): {}",
            days_word(days_between(today, d)),
            not_today
                .first()
                .map(|f| f.message.as_str())
                .unwrap_or("today is not available.")
        ),
        (None, Some(p)) => format!(
            "No good day in the next six weeks before the {} massage on {}.",
            p.kind.label(),
            p.date
        ),
        (None, None) => {
            "No good day for a massage in the next six weeks; see the reasons below.".into()
        }
    };
    NextAnswer {
        today,
        planned,
        earliest_good_day,
        not_today,
        meanwhile,
        summary,
    }
}
