//! The massage-timing rules (GUIDANCE §4): ids, severities, and the one function that
//! judges a massage on a day against the season.
//!
//! The planner and the checker both call [`evaluate`], so a plan the planner makes is
//! judged by exactly the rules `check` applies to a runner's own bookings.

use std::fmt;

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::massage::{Kind, Pressure};
use crate::profile::Profile;
use crate::season::{Season, add_days, days_between};
use crate::session::{Priority, Race};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    RaceDay,
    RaceEve,
    PostRaceTooSoon,
    PreEventWindow,
    PostEventWindow,
    EveOfQuality,
    AfterQuality,
    TaperPressure,
    DeepNeedsBuffer,
    DeepAfterEffort,
    Away,
    MaintenanceInterval,
    PreferRestDay,
    PlanAhead,
}

impl RuleId {
    pub const ALL: [RuleId; 14] = [
        RuleId::RaceDay,
        RuleId::RaceEve,
        RuleId::PostRaceTooSoon,
        RuleId::PreEventWindow,
        RuleId::PostEventWindow,
        RuleId::EveOfQuality,
        RuleId::AfterQuality,
        RuleId::TaperPressure,
        RuleId::DeepNeedsBuffer,
        RuleId::DeepAfterEffort,
        RuleId::Away,
        RuleId::MaintenanceInterval,
        RuleId::PreferRestDay,
        RuleId::PlanAhead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::RaceDay => "race-day",
            RuleId::RaceEve => "race-eve",
            RuleId::PostRaceTooSoon => "post-race-too-soon",
            RuleId::PreEventWindow => "pre-event-window",
            RuleId::PostEventWindow => "post-event-window",
            RuleId::EveOfQuality => "eve-of-quality",
            RuleId::AfterQuality => "after-quality",
            RuleId::TaperPressure => "taper-pressure",
            RuleId::DeepNeedsBuffer => "deep-needs-buffer",
            RuleId::DeepAfterEffort => "deep-after-effort",
            RuleId::Away => "away",
            RuleId::MaintenanceInterval => "maintenance-interval",
            RuleId::PreferRestDay => "prefer-rest-day",
            RuleId::PlanAhead => "plan-ahead",
        }
    }

    /// What the rule forbids, in words for the runner ("the day before a race"), for
    /// sentences like "no suitable day: the day before a race (2 days)".
    pub fn plain(self) -> &'static str {
        match self {
            RuleId::RaceDay => "a race day",
            RuleId::RaceEve => "the day before a race",
            RuleId::PostRaceTooSoon => "too soon after a race or a very long run",
            RuleId::PreEventWindow => "too early or too late for a pre-race massage",
            RuleId::PostEventWindow => "too early or too late for a post-race massage",
            RuleId::EveOfQuality => "the day before a hard session or long run",
            RuleId::AfterQuality => "the day of a hard session or long run",
            RuleId::TaperPressure => "too close to your goal race for deep work",
            RuleId::DeepNeedsBuffer => "a hard session too soon after deep work",
            RuleId::DeepAfterEffort => "too soon after a long race or run for deep work",
            RuleId::Away => "away from home",
            RuleId::MaintenanceInterval => "off the spacing between sessions",
            RuleId::PreferRestDay => "not a rest day",
            RuleId::PlanAhead => "not planned ahead",
        }
    }

    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something wrong with a massage on a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    /// The nearest acceptable date, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Date>,
    /// What to do instead, where massage is the wrong tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

/// A massage to be judged: proposed by the planner or booked by the runner.
#[derive(Debug, Clone, PartialEq)]
pub struct Massage {
    pub date: Date,
    pub start: Option<DateTime>,
    pub pressure: Pressure,
    /// What the massage is meant to be, when known. `None` for a booking that does not
    /// say; its position then decides (GUIDANCE: any massage in the week before an A or
    /// B race is judged as that race's pre-event massage).
    pub kind: Option<Kind>,
    /// The race a pre- or post-event massage belongs to.
    pub race: Option<Date>,
}

/// What to do on the eve of a race instead of a massage.
pub const RACE_EVE_SELF_CARE: &str = "Instead: a short easy shakeout or walk, gentle mobility and stretching, \
a few minutes of light foam rolling, plenty of fluids and an early night.";

/// The findings of one judgement. Messages are written only when someone will read
/// them: the planner weighs thousands of candidate days by their rules and severities
/// alone, and words only the days it keeps.
struct Findings {
    say: bool,
    list: Vec<Finding>,
}

impl Findings {
    fn push(
        &mut self,
        date: Date,
        rule: RuleId,
        severity: Severity,
        message: impl FnOnce() -> String,
    ) -> &mut Finding {
        let message = if self.say { message() } else { String::new() };
        self.list.push(Finding {
            date,
            rule,
            severity,
            message,
            suggestion: None,
            advice: None,
        });
        let last = self.list.len() - 1;
        &mut self.list[last]
    }
}

fn days_word(n: i32) -> String {
    match n.abs() {
        1 => "1 day".into(),
        k => format!("{k} days"),
    }
}

/// The race a massage on `d` is judged as the pre-event massage of.
pub fn judged_pre_race<'a>(season: &'a Season, m: &Massage) -> Option<&'a Race> {
    let w = &season.profile().windows;
    if let (Some(Kind::PreEvent), Some(rd)) = (m.kind, m.race) {
        return season.races().iter().find(|r| r.date == rd);
    }
    if m.kind == Some(Kind::PreEvent) {
        return season.next_ab_race(m.date, 1, crate::profile::MAX_WINDOW_DAYS);
    }
    if matches!(m.kind, Some(Kind::PostEvent)) {
        return None;
    }
    season.next_ab_race(m.date, 1, w.pre_event_max_days)
}

/// The race a massage on `d` is judged as the post-event massage of.
pub fn judged_post_race<'a>(season: &'a Season, m: &Massage) -> Option<&'a Race> {
    let w = &season.profile().windows;
    if let (Some(Kind::PostEvent), Some(rd)) = (m.kind, m.race) {
        return season.races().iter().find(|r| r.date == rd);
    }
    if m.kind == Some(Kind::PostEvent) {
        return season.prev_ab_race(m.date, 0, crate::profile::MAX_WINDOW_DAYS);
    }
    if matches!(
        m.kind,
        Some(Kind::PreEvent | Kind::Maintenance | Kind::RecoveryPhase)
    ) {
        return None;
    }
    season.prev_ab_race(m.date, 1, w.post_event_max_days)
}

/// Every rule a massage on its day breaks, worst first.
pub fn evaluate(season: &Season, m: &Massage) -> Vec<Finding> {
    judge(season, m, true)
}

/// The rules a massage on its day breaks, worst first, with empty messages: for
/// weighing candidate days, never for showing. [`evaluate`] gives the same rules in
/// the same order, worded.
pub(crate) fn rules_broken(season: &Season, m: &Massage) -> Vec<Finding> {
    judge(season, m, false)
}

fn judge(season: &Season, m: &Massage, say: bool) -> Vec<Finding> {
    let profile: &Profile = season.profile();
    let w = &profile.windows;
    let d = m.date;
    let mut out = Findings {
        say,
        list: Vec::new(),
    };

    // race-day / race-eve: any race, any priority.
    if let Some(r) = season.race_on(d) {
        out.push(d, RuleId::RaceDay, Severity::Error, || {
            format!("{} is on this day: no massage on race day.", r.label())
        });
    }
    let eve_of = season.race_near(d, 1);
    if let Some(r) = eve_of {
        out.push(d, RuleId::RaceEve, Severity::Error, || {
            format!(
                "This is the day before {}: even light work can leave legs heavy or sore on race morning.",
                r.label()
            )
        })
        .advice = say.then(|| RACE_EVE_SELF_CARE.into());
    }
    // post-race-too-soon: the day after any race (the same day is race-day above).
    let mut too_soon_after: Option<Date> = None;
    if let Some(r) = season.race_near(d, -1) {
        let long = r.is_long(w.long_race_km);
        let sev = if long {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(d, RuleId::PostRaceTooSoon, sev, || {
            let since = match (r.finish, m.start) {
                (Some(_), Some(_)) => r.after_finish(d, m.start),
                _ if r.end.is_some_and(|e| e > r.date) => {
                    format!("the day after you finish {}", r.label())
                }
                _ => format!("the day after {}", r.label()),
            };
            let since = crate::session::cap(&since);
            if long {
                format!(
                    "{since}: muscles are still inflamed and damaged; wait until at least {} days after.",
                    w.post_event_min_days.max(2)
                )
            } else {
                format!(
                    "{since}: a little soon; give the legs {} days first.",
                    w.post_event_min_days.max(2)
                )
            }
        });
        too_soon_after = Some(r.last_day());
    }
    // A training run of a marathon's length or more: the same on its day and the next.
    if too_soon_after.is_none() && season.race_on(d).is_none() {
        let effort = season
            .effort_near(d, 0)
            .map(|s| (s, true))
            .or_else(|| season.effort_near(d, -1).map(|s| (s, false)));
        if let Some((s, same_day)) = effort {
            out.push(d, RuleId::PostRaceTooSoon, Severity::Error, || {
                let wait = w.post_event_min_days.max(2);
                let since = match (s.end, m.start) {
                    (Some(end), Some(at)) if !same_day && at >= end => {
                        let hours = end
                            .until((jiff::Unit::Hour, at))
                            .map_or(0, |span| span.get_hours());
                        format!("{hours} h after you finish \"{}\"", s.title)
                    }
                    _ if same_day => format!("\"{}\" is on this day", s.title),
                    _ => format!("The day after \"{}\"", s.title),
                };
                format!(
                    "{since}: a run this long leaves the muscles as damaged as a long race does; wait until at least {wait} days after it."
                )
            });
        }
    }

    // pre-event-window
    if let Some(r) = judged_pre_race(season, m) {
        let k = days_between(d, r.date);
        let broke_error = k <= 1; // race-day / race-eve already said it
        if !broke_error && (k < w.pre_event_min_days || k > w.pre_event_max_days) {
            out.push(d, RuleId::PreEventWindow, Severity::Warning, || {
                if k < w.pre_event_min_days {
                    format!(
                        "Only {} before {}: too close for pre-race work; {}–{} days before leaves time to feel loose, not sore.",
                        days_word(k),
                        r.label(),
                        w.pre_event_min_days,
                        w.pre_event_max_days
                    )
                } else {
                    format!(
                        "{} before {}: too early to help on race day; pre-race work belongs {}–{} days out.",
                        days_word(k),
                        r.label(),
                        w.pre_event_min_days,
                        w.pre_event_max_days
                    )
                }
            });
        }
    }
    // post-event-window
    if let Some(r) = judged_post_race(season, m) {
        let k = days_between(r.last_day(), d);
        if k >= 1
            && too_soon_after != Some(r.last_day())
            && (k < w.post_event_min_days || k > w.post_event_max_days)
        {
            out.push(d, RuleId::PostEventWindow, Severity::Warning, || {
                if k < w.post_event_min_days {
                    format!(
                        "{} after {}: earlier than the {}–{} days that recovery work needs.",
                        days_word(k),
                        r.label(),
                        w.post_event_min_days,
                        w.post_event_max_days
                    )
                } else {
                    format!(
                        "{} after {}: past the {}–{}-day window where post-race work helps most.",
                        days_word(k),
                        r.label(),
                        w.post_event_min_days,
                        w.post_event_max_days
                    )
                }
            });
        }
    }

    // eve-of-quality / after-quality
    if eve_of.is_none()
        && let Some(s) = season.quality_near(d, 1)
    {
        out.push(d, RuleId::EveOfQuality, Severity::Warning, || {
            format!(
                "Tomorrow is \"{}\" ({}): legs are often heavy the day after a massage, which spoils a quality session.",
                s.title,
                s.class.as_str()
            )
        });
    }
    if let Some(s) = season.quality_on(d) {
        let before = matches!((m.start, s.start), (Some(ms), Some(ss)) if ms < ss);
        out.push(d, RuleId::AfterQuality, Severity::Warning, || {
            if before {
                format!(
                    "\"{}\" is later the same day: massage before a hard session leaves the legs heavy for it.",
                    s.title
                )
            } else {
                format!(
                    "\"{}\" is the same day: give the muscles at least 24 hours after a hard session.",
                    s.title
                )
            }
        });
    }

    // taper-pressure / deep-needs-buffer
    if m.pressure == Pressure::Deep {
        if let Some(r) = season
            .races()
            .iter()
            .filter(|r| r.priority == Priority::A)
            .find(|r| (1..=w.taper_pressure_days).contains(&days_between(d, r.date)))
        {
            out.push(d, RuleId::TaperPressure, Severity::Warning, || {
                format!(
                    "Deep pressure {} before {}: in the last {} days keep it light to moderate.",
                    days_word(days_between(d, r.date)),
                    r.label(),
                    w.taper_pressure_days
                )
            });
        }
        let next_effort = (1..=w.deep_buffer_days).find_map(|k| {
            (season.quality_near(d, k).is_some() || season.race_near(d, k).is_some())
                .then(|| (k, add_days(d, k)))
        });
        if let Some((k, day)) = next_effort {
            out.push(d, RuleId::DeepNeedsBuffer, Severity::Warning, || {
                let title = season
                    .quality_on(day)
                    .map(|s| s.title.to_string())
                    .or_else(|| season.race_on(day).map(|r| r.label()))
                    .unwrap_or_default();
                format!(
                    "Deep work needs {} clear days, but \"{title}\" is {} later: use moderate pressure or move it.",
                    w.deep_buffer_days,
                    days_word(k)
                )
            });
        }
    }
    // away: the calendar says the runner is not at home.
    if let Some(s) = season.away_on(d) {
        out.push(d, RuleId::Away, Severity::Warning, || {
            format!(
                "Your calendar has \"{}\" on this day: you will be away from home, so a massage booked then is likely to be missed.",
                s.title
            )
        });
    }
    // deep-after-effort: deep pressure while a long race or a very long run is still
    // being recovered from.
    if m.pressure == Pressure::Deep
        && too_soon_after.is_none()
        && let Some((k, what)) = (1..=w.post_event_max_days).find_map(|k| {
            season
                .race_near(d, -k)
                .filter(|r| r.is_long(w.long_race_km))
                .map(|r| (k, r.label()))
                .or_else(|| {
                    season
                        .effort_near(d, -k)
                        .map(|s| (k, format!("\"{}\"", s.title)))
                })
        })
    {
        out.push(d, RuleId::DeepAfterEffort, Severity::Warning, || {
            format!(
                "Deep pressure {} after {what}: the muscles are still recovering; keep it light to moderate until {} days after.",
                days_word(k),
                w.post_event_max_days + 1
            )
        });
    }
    let mut out = out.list;
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    out
}

/// The worst severity among findings.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// A rule as `explain` shows it.
pub struct RuleInfo {
    pub id: RuleId,
    pub severity: &'static str,
    pub summary: String,
    pub why: &'static str,
    pub sources: &'static str,
}

/// The published advice behind the rules, by the numbers `describe` cites.
pub const SOURCES: [(&str, &str); 5] = [
    ("000", "a Liverpool sports-injury clinic"),
    ("001", "a running-focused clinic"),
    ("002", "a New York sports-massage studio"),
    ("003", "a Farnham sports-massage therapist"),
    (
        "004",
        "a clinic of massage therapists and a personal trainer",
    ),
];

/// `sources` with each number replaced by who said it.
pub fn source_names(sources: &str) -> String {
    let mut out = sources.to_string();
    for (id, name) in SOURCES {
        out = out.replace(id, name);
    }
    out
}

/// The rule, its numbers from the effective profile, and why.
pub fn describe(id: RuleId, p: &Profile) -> RuleInfo {
    let w = &p.windows;
    let i = &p.intervals;
    let (severity, summary, why, sources) = match id {
        RuleId::RaceDay => (
            "error",
            "No massage on the day of a race.".to_string(),
            "On race day the legs need their usual tone and feel; any massage changes how they respond, and there is no time left to adapt.",
            "001, 003",
        ),
        RuleId::RaceEve => (
            "error",
            "No massage on the day before a race, however light. Self-care instead: an easy shakeout, gentle stretching, light foam rolling, fluids and sleep.".to_string(),
            "Even gentle work can leave muscles heavy or tender for a day; the night before a race there is no margin to recover from it.",
            "003 (explicit); 000, 001, 002 (their windows end earlier)",
        ),
        RuleId::PostRaceTooSoon => (
            "error for races of half-marathon distance or more and for training runs of a marathon's length or more; warning for shorter races",
            format!(
                "No massage on the day of or the day after a race of {:.1} km or more, or a training run of {:.1} km or {} minutes or more; after a shorter race, the next day is a warning.",
                w.long_race_km, w.ultra_effort_km, w.ultra_effort_min
            ),
            "Straight after a long race the muscle fibres are damaged and inflamed; pressing on them then adds to the damage. Two or three days later the same work speeds recovery.",
            "001 (marathon), 003 (48–72 h)",
        ),
        RuleId::PreEventWindow => (
            "warning",
            format!(
                "A pre-race massage falls {}–{} days before its race; {} days is ideal. Any massage in the {} days before an A or B race counts as its pre-race massage.",
                w.pre_event_min_days, w.pre_event_max_days, w.pre_event_ideal_days, w.pre_event_max_days
            ),
            "Close enough to the race that the legs feel loose on the start line, far enough that any tenderness has passed. Too early and the benefit fades; too late and the legs may still feel worked.",
            "000, 001, 002 (3–5 days), 003 (5–7 days)",
        ),
        RuleId::PostEventWindow => (
            "warning",
            format!(
                "A post-race massage falls {}–{} days after its race; {}–{} days (about 48–72 hours) is ideal.",
                w.post_event_min_days, w.post_event_max_days, w.post_event_ideal_min_days, w.post_event_ideal_max_days
            ),
            "Once the first inflammation has settled, gentle focused work helps the legs recover; much later and most of the benefit has passed.",
            "000, 001, 002, 003",
        ),
        RuleId::EveOfQuality => (
            "warning",
            "No massage on the day before a hard session or a long run.".to_string(),
            "Legs often feel heavy or tender the day after a massage; a quality session run on such legs is a wasted session.",
            "001, 003",
        ),
        RuleId::AfterQuality => (
            "warning",
            format!(
                "No massage on the same day as a hard session or long run (it needs at least 24 hours). The next day is allowed; {}–{} days after is best.",
                w.after_quality_ideal_min_days, w.after_quality_ideal_max_days
            ),
            "Right after hard work the muscles are at their most tender; a day or two later, massage helps them recover instead of adding load.",
            "001, 003",
        ),
        RuleId::TaperPressure => (
            "warning",
            format!("No deep pressure in the {} days before an A race; pre-race work is light to moderate.", w.taper_pressure_days),
            "Deep work can leave soreness for days; during the taper the aim is fresh legs, not treatment.",
            "002, 003, 004",
        ),
        RuleId::DeepNeedsBuffer => (
            "warning",
            format!(
                "Deep pressure needs {} clear days after it: no hard session, long run or race on either of the next {} days.",
                w.deep_buffer_days, w.deep_buffer_days
            ),
            "Deep tissue work is a training load of its own; the muscles need about two days to absorb it before the next hard effort.",
            "003, 004",
        ),
        RuleId::DeepAfterEffort => (
            "warning",
            format!(
                "No deep pressure in the {} days after a race of {:.1} km or more, or a training run of {:.1} km or {} minutes or more.",
                w.post_event_max_days, w.long_race_km, w.ultra_effort_km, w.ultra_effort_min
            ),
            "After a long race or run the muscles need days to repair; light or moderate work helps them, deep work adds to the damage.",
            "001 (marathon), 003 (48–72 h)",
        ),
        RuleId::Away => (
            "warning",
            "No massage on a day the training calendar says you are away (a holiday, a trip).".to_string(),
            "A session booked while you are away is one you will miss; the days at home before and after the trip are where it fits.",
            "the product's own rule: a holiday or trip blocks every day it covers",
        ),
        RuleId::MaintenanceInterval => (
            "info",
            format!(
                "Weeks between maintenance massages by phase: base {}–{} (ideal {}), build {}–{} (ideal {}), peak {}–{} (ideal {}), recovery {}–{} (ideal {}); none in the taper or race week. A longer gap is reported.",
                i.base.min_weeks, i.base.max_weeks, i.base.ideal_weeks,
                i.build.min_weeks, i.build.max_weeks, i.build.ideal_weeks,
                i.peak.min_weeks, i.peak.max_weeks, i.peak.ideal_weeks,
                i.recovery.min_weeks, i.recovery.max_weeks, i.recovery.ideal_weeks
            ),
            "Regular work catches tight spots and imbalances before they become injuries; the heavier the training, the more often it pays.",
            "000, 002, 003",
        ),
        RuleId::PreferRestDay => (
            "scoring only",
            "Maintenance is best on a rest day, or on an easy day before a rest day.".to_string(),
            "A rest day lets the body take the massage in without a training demand on top; the next day starts fresh.",
            "003, 004",
        ),
        RuleId::PlanAhead => (
            "product behaviour",
            "The whole season is planned at once, so sessions can be booked ahead rather than when something already hurts.".to_string(),
            "Good slots around races go early, and massage works best as part of the training plan, not as a repair.",
            "003, 004",
        ),
    };
    RuleInfo {
        id,
        severity,
        summary,
        why,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::add_days;
    use jiff::civil::{Weekday, date};

    /// A marathon block with a B half marathon, quality sessions and a day away, so
    /// every rule a day can break fires somewhere.
    fn season() -> Season {
        crate::test_support::block(
            |w| match w {
                Weekday::Tuesday => Some("Intervals 6x800"),
                Weekday::Thursday => Some("Tempo 40'"),
                Weekday::Sunday => Some("Long run 26 km"),
                Weekday::Friday => Some("Rest"),
                _ => None,
            },
            &[
                (date(2027, 2, 10), "Holiday in Spain"),
                (date(2027, 3, 21), "Spring Half Marathon (B)"),
                (date(2027, 4, 25), "City Marathon"),
            ],
        )
    }

    #[test]
    fn unworded_judgement_breaks_the_same_rules_in_the_same_order() {
        let s = season();
        let kinds = [
            None,
            Some(Kind::PreEvent),
            Some(Kind::PostEvent),
            Some(Kind::Maintenance),
            Some(Kind::RecoveryPhase),
        ];
        let mut fired = std::collections::BTreeSet::new();
        for k in 0..130 {
            let d = add_days(date(2027, 1, 1), k);
            for kind in kinds {
                for pressure in [Pressure::Light, Pressure::Moderate, Pressure::Deep] {
                    for race in [None, Some(date(2027, 3, 21)), Some(date(2027, 4, 25))] {
                        let m = Massage {
                            date: d,
                            start: None,
                            pressure,
                            kind,
                            race,
                        };
                        let worded = evaluate(&s, &m);
                        let bare = rules_broken(&s, &m);
                        let key = |f: &Finding| (f.date, f.rule, f.severity);
                        assert_eq!(
                            worded.iter().map(key).collect::<Vec<_>>(),
                            bare.iter().map(key).collect::<Vec<_>>(),
                            "{m:?}"
                        );
                        assert!(worded.iter().all(|f| !f.message.is_empty()), "{m:?}");
                        fired.extend(worded.iter().map(|f| f.rule));
                    }
                }
            }
        }
        // The calendar exercises every rule a single massage can break (the others
        // judge a whole plan).
        let plan_rules = [
            RuleId::MaintenanceInterval,
            RuleId::PreferRestDay,
            RuleId::PlanAhead,
        ];
        for rule in RuleId::ALL.into_iter().filter(|r| !plan_rules.contains(r)) {
            assert!(fired.contains(&rule), "{rule:?} never fired");
        }
    }
}
