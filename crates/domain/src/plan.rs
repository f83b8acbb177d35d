//! The season planner: every massage of the season at once (GUIDANCE §3–§5).
//!
//! Order of work: race-bound sessions first, most valuable first (post-race after an A
//! race, pre-race before it, then B races and the recovery block; a session that serves
//! two close races is shared); then maintenance fills the gaps at the interval of each
//! phase; then a search moves and swaps sessions until no single change lowers the
//! season's total cost; then a budget, if any, keeps the most valuable set, and the
//! search runs again. Every candidate day is judged by [`crate::rule::evaluate`], the
//! same function `check` uses: a day with an `error` is never used, a day with a
//! `warning` only for an A race's own pre- or post-race massage, or for a shortened,
//! light maintenance session, when no clean day exists.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::budget::{Budget, select};
use crate::massage::{Kind, Pressure};
use crate::phase::Phase;
use crate::rule::{Finding, Massage, RuleId, Severity, evaluate, rules_broken};
use crate::season::{Season, add_days, days_between};
use crate::session::{Priority, Race};

/// What the runner asks for, beyond their calendar.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// First day a massage may be planned (usually today).
    pub from: Option<Date>,
    /// Last day; by default the end of the calendar or of the last recovery block.
    pub to: Option<Date>,
    /// Weekdays the runner cannot attend.
    pub unavailable_weekdays: Vec<Weekday>,
    /// Dates the runner cannot attend (from a busy calendar).
    pub busy_dates: BTreeSet<Date>,
    pub budget: Budget,
    /// Body regions a therapist keeps finding tight; they lead the focus of maintenance.
    pub recurring_focus: Vec<String>,
    /// The firmest pressure the client's intake allows (a reported condition).
    pub pressure_cap: Option<Pressure>,
}

impl PlanRequest {
    /// A plan from today as [`start_for`] reads it (today, or the calendar's start when
    /// it lies ahead; a calendar wholly past is planned from its start, as a look back),
    /// with nothing else asked. What a runner planning their own season gets.
    pub fn starting(season: &Season, today: Date) -> PlanRequest {
        PlanRequest {
            from: Some(start_for(season, today)),
            ..PlanRequest::default()
        }
    }

    /// A plan from `today` on, whatever the calendar holds: what the clinic and the
    /// load report ask (what is still to come).
    pub fn from_today(today: Date) -> PlanRequest {
        PlanRequest {
            from: Some(today),
            ..PlanRequest::default()
        }
    }
}

/// A race as a planned session refers to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RaceRef {
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    pub distance_km: Option<f64>,
    pub priority: Priority,
    /// Left out when the race has no name.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub name: String,
}

impl From<&Race> for RaceRef {
    fn from(r: &Race) -> Self {
        RaceRef {
            date: r.date,
            distance_km: r.distance_km,
            priority: r.priority,
            name: r.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedMassage {
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    pub kind: Kind,
    pub pressure: Pressure,
    pub duration_min: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceRef>,
    /// Other races this one session also serves (a post-race massage that is the next
    /// race's pre-race massage too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_for: Vec<RaceRef>,
    pub focus: Vec<String>,
    pub rules: Vec<RuleId>,
    pub why: String,
    pub phase: Phase,
    pub value: u32,
    pub price: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dropped {
    pub kind: Kind,
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    pub why: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceRef>,
    pub value: u32,
}

/// A session the classifier could not read; it counted as easy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unclassified {
    /// A local date, YYYY-MM-DD.
    pub date: Date,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    /// A local date, YYYY-MM-DD.
    pub from: Date,
    /// A local date, YYYY-MM-DD.
    pub to: Date,
    pub massages: Vec<PlannedMassage>,
    pub dropped: Vec<Dropped>,
    pub findings: Vec<Finding>,
    /// Plain sentences about the plan as a whole ("no race found: maintenance only").
    pub notes: Vec<String>,
    pub races: Vec<RaceRef>,
    pub unclassified: Vec<Unclassified>,
    pub total_price: f64,
    /// What each of `massages` was placed for, in the same order, so the plan can be
    /// judged against its own costs ([`improving_change`]).
    #[serde(skip)]
    pub(crate) slots: Vec<Slot>,
}

/// A placed session's target, its cost on its day, and the findings it carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slot {
    target: Target,
    /// Not moved by the search: a session shared by two races, or a shortened one.
    fixed: bool,
    cost: f64,
    findings: Vec<Finding>,
    /// How each day of the target's window suits it, from `target.lo` on, before the
    /// spacing from other sessions (which is all a move changes).
    days: Vec<Fit>,
}

/// A day a target may go on, with what it would carry there.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    date: Date,
    pressure: Pressure,
    /// The pressure `findings` were judged at (a lenient day is then given lighter).
    judged: Pressure,
    /// Rules and severities only: the words are written once the day is chosen.
    findings: Vec<Finding>,
    cost: f64,
}

/// How one day suits one target.
#[derive(Debug, Clone, PartialEq)]
enum Fit {
    Blocked(Block),
    /// Only with warnings, which this target may not carry at full length.
    Lenient(Choice),
    Good(Choice),
}

/// One change to a plan that lowers its total cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// Index into the plan's massages.
    pub session: usize,
    pub to: Date,
    /// For a swap: the other session, which moves to `session`'s day.
    pub swap_with: Option<usize>,
    /// How much the plan's total cost falls.
    pub saving: f64,
}

/// One session the planner wants to place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    kind: Kind,
    race: Option<Race>,
    lo: Date,
    hi: Date,
    ideal_lo: Date,
    ideal_hi: Date,
    value: u32,
    /// May go on a day with warnings when no clean day exists.
    must: bool,
}

/// Why a day could not take a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Block {
    Rule(RuleId),
    Unavailable,
    Busy,
    /// The training calendar says the runner is away (a holiday, a trip).
    Away,
    TooClose(Date),
    OutOfRange,
}

struct Planner<'a> {
    season: &'a Season,
    req: &'a PlanRequest,
    from: Date,
    to: Date,
    placed: Vec<PlannedMassage>,
    /// What each placed session is for, in the same order as `placed`.
    slots: Vec<Slot>,
    dropped: Vec<Dropped>,
    /// Sessions left out that a weekday the runner cannot attend would have taken, by
    /// weekday (Monday = 0).
    weekday_hints: BTreeMap<i8, usize>,
}

/// A change must lower the total cost by more than this to count.
const EPS: f64 = 1e-9;

/// The longest stretch one plan covers (three years).
pub const MAX_PLAN_DAYS: i32 = 3 * 366;

/// The first day to plan from, given today: today, or the calendar's start when it lies
/// ahead (a calendar wholly in the past is planned from its start, as a look back). The
/// calendar starts early enough to hold its first race's pre-race window, so a calendar
/// of races alone still gets its pre-race massage.
pub fn start_for(season: &Season, today: Date) -> Date {
    let lead = season
        .races()
        .first()
        .map(|r| add_days(r.date, -season.profile().windows.pre_event_max_days));
    match season.span() {
        Some((lo, hi)) => {
            let lo = lead.map_or(lo, |l| l.min(lo));
            if today < lo || today > hi { lo } else { today }
        }
        None => today,
    }
}

/// Plans the season.
pub fn plan(season: &Season, req: &PlanRequest) -> Plan {
    let p = season.profile();
    let span = season.span();
    let from = req
        .from
        .or(span.map(|s| s.0))
        .unwrap_or(jiff::civil::date(2000, 1, 1));
    let last_race_end = season
        .races()
        .iter()
        .map(|r| {
            let tail = if r.priority == Priority::A {
                p.phases.recovery_weeks as i32 * 7
            } else {
                p.windows.post_event_max_days
            };
            add_days(r.last_day(), tail)
        })
        .max();
    let default_to = [span.map(|s| s.1), last_race_end]
        .into_iter()
        .flatten()
        .max();
    // An empty calendar still gets a useful answer: twelve weeks of maintenance.
    let to = req
        .to
        .or(default_to)
        .filter(|t| *t >= from)
        .unwrap_or(add_days(from, 12 * 7 - 1));
    // However far the calendar reaches, one plan covers a bounded stretch of it.
    let (from, to) = (crate::dates::clamp(from), crate::dates::clamp(to));
    let horizon_end = add_days(from, MAX_PLAN_DAYS - 1);
    let cut = to > horizon_end;
    let to = to.min(horizon_end);

    let mut planner = Planner {
        season,
        req,
        from,
        to,
        placed: Vec::new(),
        slots: Vec::new(),
        dropped: Vec::new(),
        weekday_hints: BTreeMap::new(),
    };
    planner.place_race_sessions();
    planner.place_recovery_blocks();
    planner.fill_maintenance();
    // The sessions were placed one at a time; the search then moves and swaps them
    // until no single change lowers the season's total cost.
    planner.improve();
    if planner.keep_within_budget() {
        planner.improve();
    }
    planner.sort();

    let Planner {
        placed: mut kept,
        slots,
        mut dropped,
        weekday_hints,
        ..
    } = planner;
    let mut findings: Vec<Finding> = slots.iter().flat_map(|s| s.findings.clone()).collect();
    findings.extend(interval_findings(
        season,
        &kept.iter().map(|m| m.date).collect::<Vec<_>>(),
        Some((from, to)),
    ));
    findings.sort_by(|a, b| (a.date, b.severity, a.rule).cmp(&(b.date, a.severity, b.rule)));
    dropped.sort_by_key(|d| (d.date, d.kind));

    let mut notes = Vec::new();
    if cut {
        notes.push(format!(
            "The calendar reaches further than three years ahead; this plan stops at {to}. Plan again from a later date for the rest."
        ));
    }
    let base = season.profile().intervals.base;
    if season.sessions.is_empty() {
        notes.push(format!(
            "The calendar has no training sessions, so nothing is known of your hard days or rest days. This plan assumes base training: a session every {}–{} weeks, at moderate pressure at most. Add your training calendar for a plan that fits your week.",
            base.min_weeks, base.max_weeks
        ));
    } else if season.training_span().is_none() {
        notes.push("The calendar holds only races, no training: the sessions are timed around the races alone, the weeks between them are taken as base training, and pressure stays moderate at most because your hard days are not known. Add your training calendar for a plan that fits your week.".into());
    }
    if season.races().is_empty() {
        notes.push("No race found in the calendar (a title like \"Race: …\" or \"… Marathon\" names one), so this plan is maintenance only. Add your race for pre- and post-race massage.".into());
    } else if !season.races().iter().any(|r| r.priority == Priority::A) {
        notes.push("No goal race found: pre-race massage is planned only for a race that matters. Mark your goal race to plan its pre-race session.".into());
    }
    // The weekday that would take the most of what was left out.
    if let Some((&day, &n)) = weekday_hints.iter().max_by_key(|(d, n)| (**n, -**d)) {
        let weekday = add_days(jiff::civil::date(2024, 1, 1), i32::from(day)).weekday();
        notes.push(format!(
            "{n} session{} found no day you can come. If you could also come on {}s, {} would fit.",
            if n == 1 { "" } else { "s" },
            weekday_name(weekday),
            if n == 1 { "it" } else { "they" }
        ));
    }
    let block = season.profile().phases.block_weeks as i32 * 7;
    for goal in season
        .races()
        .iter()
        .filter(|r| r.priority == Priority::A && !r.marked)
        .filter(|r| r.last_day() >= from && r.date <= to)
    {
        let tune_ups: Vec<String> = season
            .races()
            .iter()
            .filter(|r| r.priority == Priority::B && !r.marked)
            .filter(|r| days_between(r.date, goal.date).abs() <= block)
            .map(|r| format!("{} ({})", r.label(), r.date))
            .collect();
        let alone = !season
            .races()
            .iter()
            .any(|r| r.date != goal.date && days_between(r.date, goal.date).abs() <= block);
        notes.push(if alone {
            format!(
                "{} on {} is taken as your goal race because it is the only race of its training block. If it is not, write \"tune-up\" or \"(B)\" in its title.",
                cap(&goal.label()),
                goal.date
            )
        } else {
            let others = if tune_ups.is_empty() {
                String::new()
            } else {
                format!(", so {} counts as a tune-up", tune_ups.join(" and "))
            };
            format!(
                "{} on {} is taken as your goal race because it is the longest race of its training block{others}. To choose another, write \"goal race\" or \"(A)\" in that race's title.",
                cap(&goal.label()),
                goal.date
            )
        });
    }
    let unclassified: Vec<Unclassified> = season
        .sessions
        .iter()
        .filter(|s| s.unclassified)
        .map(|s| Unclassified {
            date: s.date,
            title: s.title.to_string(),
        })
        .collect();
    if !unclassified.is_empty() {
        notes.push(format!(
            "{} session title{} not understood and counted as easy running (listed below).",
            unclassified.len(),
            if unclassified.len() == 1 {
                " was"
            } else {
                "s were"
            }
        ));
    }
    // What the client reported at intake holds every session's pressure back.
    if let Some(cap) = req.pressure_cap {
        let mut held = 0;
        for m in kept.iter_mut().filter(|m| m.pressure > cap) {
            m.pressure = cap;
            m.why.push_str(&format!(
                " Pressure is held at {} for what you reported at intake.",
                cap.as_str()
            ));
            held += 1;
        }
        if held > 0 {
            notes.push(format!(
                "What you reported at intake keeps every session at {} pressure at most; your therapist decides on the day.",
                cap.as_str()
            ));
        }
    }
    let total_price = kept.iter().map(|m| m.price).sum();
    Plan {
        from,
        to,
        massages: kept,
        dropped,
        findings,
        notes,
        races: season.races().iter().map(RaceRef::from).collect(),
        unclassified,
        total_price,
        slots,
    }
}

/// The best single move or swap that would lower `plan`'s total cost by the planner's
/// own costs and rules, if there is one. The planner stops only when there is none.
pub fn improving_change(season: &Season, req: &PlanRequest, plan: &Plan) -> Option<Improvement> {
    let mut planner = Planner {
        season,
        req,
        from: plan.from,
        to: plan.to,
        placed: plan.massages.clone(),
        slots: plan.slots.clone(),
        dropped: Vec::new(),
        weekday_hints: BTreeMap::new(),
    };
    // The costs of the days the sessions are on now (a plan edited by hand may have
    // moved them).
    for i in 0..planner.placed.len().min(planner.slots.len()) {
        let d = planner.placed[i].date;
        planner.slots[i].cost = planner.with_slot_day(i, d, |v| match v {
            Fit::Good(c) | Fit::Lenient(c) if planner.too_close(d, &[i]).is_none() => c.cost,
            _ => f64::INFINITY,
        });
    }
    planner
        .improving_change()
        .map(|(saving, change)| match change {
            Change::Move(i, c) => Improvement {
                session: i,
                to: c.date,
                swap_with: None,
                saving,
            },
            Change::Swap(i, a, j, _) => Improvement {
                session: i,
                to: a.date,
                swap_with: Some(j),
                saving,
            },
        })
}

/// A change the search may make: move one session, or swap the days of two.
enum Change {
    Move(usize, Choice),
    Swap(usize, Choice, usize, Choice),
}

impl<'a> Planner<'a> {
    /// The profile lives as long as the season, not as long as this borrow of the
    /// planner, so it can be read while the planner records sessions.
    fn profile(&self) -> &'a crate::profile::Profile {
        self.season.profile()
    }

    fn in_range(&self, d: Date) -> bool {
        d >= self.from && d <= self.to
    }

    /// Pre- and post-race sessions, most valuable first.
    fn place_race_sessions(&mut self) {
        let w = &self.profile().windows;
        let v = &self.profile().values;
        let mut targets = Vec::new();
        for r in self
            .season
            .races()
            .iter()
            .filter(|r| r.priority != Priority::C)
        {
            let a = r.priority == Priority::A;
            targets.push(Target {
                kind: Kind::PostEvent,
                race: Some(r.clone()),
                lo: add_days(r.last_day(), w.post_event_min_days),
                hi: add_days(r.last_day(), w.post_event_max_days),
                ideal_lo: add_days(r.last_day(), w.post_event_ideal_min_days),
                ideal_hi: add_days(r.last_day(), w.post_event_ideal_max_days),
                value: if a { v.post_event_a } else { v.post_event_b },
                must: a,
            });
            targets.push(Target {
                kind: Kind::PreEvent,
                race: Some(r.clone()),
                lo: add_days(r.date, -w.pre_event_max_days),
                hi: add_days(r.date, -w.pre_event_min_days),
                ideal_lo: add_days(r.date, -w.pre_event_ideal_days),
                ideal_hi: add_days(r.date, -w.pre_event_ideal_days),
                value: if a { v.pre_event_a } else { v.pre_event_b },
                must: a,
            });
        }
        targets.sort_by(|x, y| y.value.cmp(&x.value).then(x.lo.cmp(&y.lo)));
        for t in targets {
            if t.hi < self.from || t.lo > self.to {
                continue;
            }
            if !self.share(&t) {
                self.place(&t);
            }
        }
    }

    /// Two races close together: a session already placed for one race that also falls
    /// in this target's window, and breaks no rule as this race's session, serves both.
    fn share(&mut self, t: &Target) -> bool {
        let Some(race) = t.race.as_ref() else {
            return false;
        };
        let found = self.placed.iter().enumerate().find_map(|(i, m)| {
            let other_race = m.race.as_ref().is_some_and(|r| r.date != race.date);
            let race_bound = matches!(m.kind, Kind::PreEvent | Kind::PostEvent);
            if !(other_race
                && race_bound
                && m.date >= t.lo
                && m.date <= t.hi
                && self.in_range(m.date))
            {
                return None;
            }
            let (pressure, findings) = self.pressure_for(t.kind, m.date, Some(race));
            let clean = findings.iter().all(|f| f.severity == Severity::Info);
            clean.then_some((i, pressure))
        });
        let Some((i, pressure)) = found else {
            return false;
        };
        self.slots[i].fixed = true;
        let m = &mut self.placed[i];
        m.pressure = m.pressure.min(pressure);
        m.value += t.value;
        m.also_for.push(RaceRef::from(race));
        let rule = match t.kind {
            Kind::PreEvent => RuleId::PreEventWindow,
            _ => RuleId::PostEventWindow,
        };
        if !m.rules.contains(&rule) {
            m.rules.push(rule);
        }
        let when = match t.kind {
            Kind::PreEvent => format!(
                "{} before {}",
                plural_days(days_between(m.date, race.date)).to_lowercase(),
                race.label()
            ),
            _ => race.after_finish(m.date, None),
        };
        let role = match t.kind {
            Kind::PreEvent => "pre-race",
            _ => "post-race",
        };
        m.why.push_str(&format!(
            " It is also your {role} massage for {}, {when}.",
            race.label()
        ));
        true
    }

    /// Recovery-phase sessions in the weeks after each A race.
    fn place_recovery_blocks(&mut self) {
        let p = self.profile();
        let iv = p.intervals.recovery;
        for r in self
            .season
            .races()
            .iter()
            .filter(|r| r.priority == Priority::A)
        {
            let end = add_days(r.last_day(), p.phases.recovery_weeks as i32 * 7);
            let mut last = self
                .placed
                .iter()
                .find(|m| {
                    m.kind == Kind::PostEvent && m.race.as_ref().is_some_and(|x| x.date == r.date)
                })
                .map(|m| m.date)
                .unwrap_or(add_days(r.last_day(), p.windows.post_event_ideal_max_days));
            // Each turn moves `last` on by at least a week, so the recovery weeks bound it.
            for _ in 0..=p.phases.recovery_weeks {
                let lo = add_days(last, iv.min_weeks.max(1) as i32 * 7);
                if lo > end || lo <= last {
                    break;
                }
                let ideal = add_days(last, iv.ideal_weeks as i32 * 7).min(end);
                let t = Target {
                    kind: Kind::RecoveryPhase,
                    race: Some(r.clone()),
                    lo,
                    hi: add_days(last, iv.max_weeks as i32 * 7).min(end),
                    ideal_lo: ideal,
                    ideal_hi: ideal,
                    value: p.values.recovery_phase,
                    must: false,
                };
                if t.hi < self.from || t.lo > self.to {
                    last = ideal.max(lo);
                    continue;
                }
                last = self.place(&t).unwrap_or(ideal).max(lo);
            }
        }
    }

    /// Maintenance between the race-bound sessions, at each phase's interval.
    fn fill_maintenance(&mut self) {
        let p = self.profile();
        let mut anchors: Vec<Date> = self.placed.iter().map(|m| m.date).collect();
        anchors.sort();
        let mut last: Option<Date> = None;
        let mut cursor = self.from;
        let mut guard = 0;
        while cursor <= self.to && guard < 1000 {
            guard += 1;
            let probe = last.map(|l| add_days(l, 7)).unwrap_or(cursor).max(cursor);
            let phase = self.season.phase_on(probe);
            if !maintenance_phase(phase) {
                // Taper, race week or recovery: race-bound sessions cover them.
                let d = crate::dates::days(probe, self.to)
                    .find(|d| maintenance_phase(self.season.phase_on(*d)))
                    .unwrap_or_else(|| add_days(self.to, 1));
                if let Some(a) = anchors.iter().rev().find(|a| **a < d) {
                    last = Some(last.map_or(*a, |l| l.max(*a)));
                }
                cursor = d;
                continue;
            }
            let Some(iv) = p.interval(phase) else { break };
            let (lo, ideal, hi) = match last {
                Some(l) if add_days(l, iv.max_weeks as i32 * 7) >= cursor => (
                    add_days(l, iv.min_weeks as i32 * 7).max(cursor),
                    add_days(l, iv.ideal_weeks as i32 * 7).max(cursor),
                    add_days(l, iv.max_weeks as i32 * 7),
                ),
                // No massage yet, or a long gap behind us: start soon.
                _ => (cursor, add_days(cursor, 3), add_days(cursor, 13)),
            };
            if lo > self.to {
                break;
            }
            // The window ends where the phase does: weeks of taper, race week or recovery
            // belong to the race's own sessions, not to a maintenance session left out.
            let phase_end = crate::dates::days(probe, hi)
                .take_while(|d| maintenance_phase(self.season.phase_on(*d)))
                .last()
                .unwrap_or(probe);
            if lo > phase_end {
                cursor = add_days(phase_end, 1);
                continue;
            }
            let hi = hi.min(phase_end);
            if let Some(a) = anchors.iter().find(|a| **a >= cursor && **a <= hi) {
                last = Some(*a);
                cursor = add_days(*a, 1);
                continue;
            }
            let value = match phase {
                Phase::Build => p.values.maintenance_build,
                Phase::Peak => p.values.maintenance_peak,
                _ => p.values.maintenance_base,
            };
            // Training repeats weekly, so the target is the week around the ideal day;
            // inside it, the rest-day preference and the quality-session spacing decide.
            let t = Target {
                kind: Kind::Maintenance,
                race: None,
                lo,
                hi: hi.min(self.to),
                ideal_lo: add_days(ideal, -3).max(lo),
                ideal_hi: add_days(ideal, 3),
                value,
                must: false,
            };
            match self.place(&t) {
                Some(d) => {
                    last = Some(d);
                    cursor = add_days(d, 1);
                }
                None => {
                    last = Some(hi);
                    cursor = add_days(hi, 1);
                }
            }
        }
    }

    /// The firmest pressure the kind allows that breaks no pressure rule on `d`.
    fn pressure_for(&self, kind: Kind, d: Date, race: Option<&Race>) -> (Pressure, Vec<Finding>) {
        let k = self.profile().sessions.get(kind);
        let mut pressure = k.pressure_max;
        // Deep work needs clear days after it; where the calendar does not show the
        // runner's days, nobody knows they are clear.
        if !self.season.knows(d) {
            pressure = pressure.min(Pressure::Moderate).max(k.pressure_min);
        }
        // Pre- and post-race work closest to the race is lighter.
        if let Some(r) = race {
            let gap = if kind == Kind::PostEvent {
                days_between(r.last_day(), d)
            } else {
                days_between(r.date, d).abs()
            };
            let w = &self.profile().windows;
            if (kind == Kind::PreEvent && gap < w.pre_event_ideal_days)
                || (kind == Kind::PostEvent && gap <= w.post_event_ideal_min_days)
            {
                pressure = k.pressure_min;
            }
        }
        // Work in the week before a B race is judged as its pre-race massage.
        if kind == Kind::Maintenance
            && self
                .season
                .next_ab_race(d, 1, self.profile().windows.pre_event_max_days)
                .is_some()
        {
            pressure = pressure.min(self.profile().sessions.pre_event.pressure_max);
        }
        let m = Massage {
            date: d,
            start: None,
            pressure,
            kind: Some(kind),
            race: race.map(|r| r.date),
        };
        let mut f = rules_broken(self.season, &m);
        // Only deep work breaks a pressure rule, and pressure changes nothing else a
        // day is judged by: one step lighter clears them and keeps the rest.
        let pressure_rule = |f: &Finding| {
            matches!(
                f.rule,
                RuleId::TaperPressure | RuleId::DeepNeedsBuffer | RuleId::DeepAfterEffort
            )
        };
        if pressure > k.pressure_min && f.iter().any(pressure_rule) {
            pressure = match pressure {
                Pressure::Deep => Pressure::Moderate,
                _ => Pressure::Light,
            };
            f.retain(|f| !pressure_rule(f));
        }
        (pressure, f)
    }

    /// How day `d` suits target `t` whatever the other sessions: the range, the
    /// runner's availability when `attend`, the phase and the rules.
    fn verdict(&self, t: &Target, d: Date, attend: bool) -> Fit {
        if !self.in_range(d) {
            return Fit::Blocked(Block::OutOfRange);
        }
        if attend && self.req.unavailable_weekdays.contains(&d.weekday()) {
            return Fit::Blocked(Block::Unavailable);
        }
        if attend && self.req.busy_dates.contains(&d) {
            return Fit::Blocked(Block::Busy);
        }
        if attend && self.season.is_away(d) {
            return Fit::Blocked(Block::Away);
        }
        // Maintenance keeps to the phases it belongs to.
        if t.kind == Kind::Maintenance && !maintenance_phase(self.season.phase_on(d)) {
            return Fit::Blocked(Block::OutOfRange);
        }
        let (pressure, mut warnings) = self.pressure_for(t.kind, d, t.race.as_ref());
        if let Some(e) = warnings.iter().find(|f| f.severity == Severity::Error) {
            return Fit::Blocked(Block::Rule(e.rule));
        }
        warnings.retain(|f| f.severity == Severity::Warning);
        let cost = self.cost(t, d, warnings.len());
        if !warnings.is_empty() && !t.must {
            return Fit::Lenient(Choice {
                date: d,
                pressure: Pressure::Light,
                judged: pressure,
                findings: warnings,
                cost,
            });
        }
        Fit::Good(Choice {
            date: d,
            pressure,
            judged: pressure,
            findings: warnings,
            cost,
        })
    }

    /// The placed session too close to `d` for two massages, leaving out those at `skip`.
    fn too_close(&self, d: Date, skip: &[usize]) -> Option<Date> {
        let gap = self.profile().sessions.min_gap_days.max(1);
        self.placed
            .iter()
            .enumerate()
            .filter(|(j, _)| !skip.contains(j))
            .map(|(_, m)| m.date)
            .find(|m| days_between(*m, d).abs() < gap)
    }

    /// Why a day with verdict `v` cannot be used once the spacing from the other
    /// sessions (leaving out those at `skip`) is applied; `None` when it can.
    fn block_of(&self, v: &Fit, d: Date, skip: &[usize]) -> Option<Block> {
        match v {
            Fit::Blocked(b) => Some(*b),
            _ => self.too_close(d, skip).map(Block::TooClose),
        }
    }

    /// The choice a day with verdict `v` offers free of every warning, spacing applied.
    fn good<'f>(&self, v: &'f Fit, d: Date, skip: &[usize]) -> Option<&'f Choice> {
        match v {
            Fit::Good(c) if self.too_close(d, skip).is_none() => Some(c),
            _ => None,
        }
    }

    /// `f` of slot `i`'s stored verdict for day `d`, or of a fresh one outside its table.
    fn with_slot_day<R>(&self, i: usize, d: Date, f: impl FnOnce(&Fit) -> R) -> R {
        let slot = &self.slots[i];
        let stored = usize::try_from(days_between(slot.target.lo, d))
            .ok()
            .and_then(|k| slot.days.get(k));
        match stored {
            Some(v) => f(v),
            None => f(&self.verdict(&slot.target, d, true)),
        }
    }

    /// Places one target on its best day, or records why it could not be placed.
    /// Returns the date used.
    fn place(&mut self, t: &Target) -> Option<Date> {
        let mut blocks: BTreeMap<Block, Vec<Date>> = BTreeMap::new();
        // The best day the runner said they cannot attend, had it been possible.
        let mut unavailable_best: Option<(f64, Date)> = None;
        // Every day's verdict, kept for the search; the best usable and the best
        // lenient day are found as they come.
        let mut days: Vec<Fit> = Vec::new();
        let by_cost = |a: &Choice, b: &Choice| a.cost.total_cmp(&b.cost).then(a.date.cmp(&b.date));
        let (mut good, mut lenient): (Option<usize>, Option<usize>) = (None, None);
        let better = |days: &[Fit], at: Option<usize>, c: &Choice| {
            at.and_then(|k| match &days[k] {
                Fit::Good(b) | Fit::Lenient(b) => Some(b),
                Fit::Blocked(_) => None,
            })
            .is_none_or(|b| by_cost(c, b).is_lt())
        };
        for d in crate::dates::days(t.lo, t.hi) {
            let v = self.verdict(t, d, true);
            match (self.block_of(&v, d, &[]), &v) {
                (Some(b), _) => {
                    if b == Block::Unavailable
                        && let Some(cost) = {
                            let free = self.verdict(t, d, false);
                            self.good(&free, d, &[]).map(|c| c.cost)
                        }
                        && unavailable_best.is_none_or(|(best, _)| cost < best)
                    {
                        unavailable_best = Some((cost, d));
                    }
                    blocks.entry(b).or_default().push(d);
                }
                (None, Fit::Lenient(c)) => {
                    for f in &c.findings {
                        blocks.entry(Block::Rule(f.rule)).or_default().push(d);
                    }
                    // Kept for a shorter, lighter session should no day suit a full one.
                    if better(&days, lenient, c) {
                        lenient = Some(days.len());
                    }
                }
                (None, Fit::Good(c)) => {
                    if better(&days, good, c) {
                        good = Some(days.len());
                    }
                }
                (None, Fit::Blocked(_)) => {}
            }
            days.push(v);
        }
        let choice_at = |at: Option<usize>| match at.map(|k| &days[k]) {
            Some(Fit::Good(c) | Fit::Lenient(c)) => Some(c.clone()),
            _ => None,
        };
        let mut best = choice_at(good);
        // Maintenance bends before it breaks: with no day free of every warning, a
        // shorter, lighter session goes on the least bad day that breaks no error rule.
        let shortened = best.is_none() && matches!(t.kind, Kind::Maintenance | Kind::RecoveryPhase);
        if shortened {
            best = choice_at(lenient);
        }
        let Some(best) = best else {
            let ideal = t.ideal_lo.max(self.from).min(self.to.max(self.from));
            if t.hi >= self.from && t.lo <= self.to {
                let mut why = describe_blocks(t, &blocks);
                if let Some((_, d)) = unavailable_best {
                    *self
                        .weekday_hints
                        .entry(d.weekday().to_monday_zero_offset())
                        .or_default() += 1;
                    why.push_str(&format!(
                        ". If you could come on a {}, {} {d} would suit",
                        weekday_name(d.weekday()),
                        weekday_name(d.weekday())
                    ));
                }
                self.dropped.push(Dropped {
                    kind: t.kind,
                    date: ideal,
                    why,
                    race: t.race.as_ref().map(RaceRef::from),
                    value: t.value,
                });
            }
            return None;
        };
        let date = best.date;
        let (m, findings) = self.make(t, &best, shortened);
        self.placed.push(m);
        self.slots.push(Slot {
            target: t.clone(),
            fixed: shortened,
            cost: best.cost,
            findings,
            days,
        });
        Some(date)
    }

    /// The planned session for target `t` on the chosen day, and the findings it carries.
    fn make(&self, t: &Target, best: &Choice, shortened: bool) -> (PlannedMassage, Vec<Finding>) {
        let p = self.profile();
        // The warnings it carries, worded now that the day is chosen; a shortened
        // session is judged at the light pressure it will have.
        let m = Massage {
            date: best.date,
            start: None,
            pressure: if shortened {
                Pressure::Light
            } else {
                best.judged
            },
            kind: Some(t.kind),
            race: t.race.as_ref().map(|r| r.date),
        };
        let findings: Vec<Finding> = evaluate(self.season, &m)
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect();
        let mut rules = vec![match t.kind {
            Kind::PreEvent => RuleId::PreEventWindow,
            Kind::PostEvent => RuleId::PostEventWindow,
            Kind::Maintenance | Kind::RecoveryPhase => RuleId::MaintenanceInterval,
        }];
        if self.season.is_rest(best.date)
            && matches!(t.kind, Kind::Maintenance | Kind::RecoveryPhase)
        {
            rules.push(RuleId::PreferRestDay);
        }
        if best.pressure < p.sessions.get(t.kind).pressure_max {
            let m = Massage {
                date: best.date,
                start: None,
                pressure: p.sessions.get(t.kind).pressure_max,
                kind: Some(t.kind),
                race: t.race.as_ref().map(|r| r.date),
            };
            for f in evaluate(self.season, &m) {
                if matches!(
                    f.rule,
                    RuleId::TaperPressure | RuleId::DeepNeedsBuffer | RuleId::DeepAfterEffort
                ) && !rules.contains(&f.rule)
                {
                    rules.push(f.rule);
                }
            }
        }
        for f in &findings {
            if !rules.contains(&f.rule) {
                rules.push(f.rule);
            }
        }
        let mut why = self.why(t, best.date, best.pressure, &findings);
        let long_race = t
            .race
            .as_ref()
            .is_some_and(|r| r.is_long(p.windows.long_race_km));
        let ks = p.sessions.get(t.kind);
        let mut duration_min = match t.kind {
            Kind::PreEvent | Kind::PostEvent if !long_race => ks.length_min,
            _ => ks.length_max,
        };
        if shortened {
            duration_min = (ks.length_min / 2)
                .max(p.sessions.shortest_min)
                .min(duration_min);
            why = format!(
                "A shorter, lighter session ({duration_min} minutes, light pressure): no day between {} and {} suits a full one. {why}",
                t.lo, t.hi
            );
        }
        let m = PlannedMassage {
            date: best.date,
            kind: t.kind,
            pressure: best.pressure,
            duration_min,
            race: t.race.as_ref().map(RaceRef::from),
            also_for: Vec::new(),
            focus: self.focus(t.kind, best.date),
            rules,
            why,
            phase: self.season.phase_on(best.date),
            value: t.value,
            price: p.prices.get(t.kind),
        };
        (m, findings)
    }

    /// The change that lowers the total cost most, with its saving: a session moved to
    /// another day of its window, or two sessions trading days. Ties go to the first
    /// found, so the search is deterministic.
    fn improving_change(&self) -> Option<(f64, Change)> {
        let n = self.placed.len().min(self.slots.len());
        let mut best: Option<(f64, Change)> = None;
        let better = |saving: f64, best: &Option<(f64, Change)>| {
            saving > EPS && best.as_ref().is_none_or(|(b, _)| saving > *b + EPS)
        };
        for i in (0..n).filter(|&i| !self.slots[i].fixed) {
            let slot = &self.slots[i];
            let t = &slot.target;
            for d in crate::dates::days(t.lo, t.hi) {
                if d == self.placed[i].date {
                    continue;
                }
                let found = self.with_slot_day(i, d, |v| {
                    self.good(v, d, &[i])
                        .filter(|c| better(slot.cost - c.cost, &best))
                        .cloned()
                });
                if let Some(c) = found {
                    best = Some((slot.cost - c.cost, Change::Move(i, c)));
                }
            }
        }
        for i in (0..n).filter(|&i| !self.slots[i].fixed) {
            for j in (i + 1..n).filter(|&j| !self.slots[j].fixed) {
                let (di, dj) = (self.placed[i].date, self.placed[j].date);
                let (ti, tj) = (&self.slots[i].target, &self.slots[j].target);
                if di == dj || dj < ti.lo || dj > ti.hi || di < tj.lo || di > tj.hi {
                    continue;
                }
                let choice = |k: usize, d: Date| {
                    self.with_slot_day(k, d, |v| self.good(v, d, &[i, j]).map(|c| c.cost))
                };
                let (Some(a), Some(b)) = (choice(i, dj), choice(j, di)) else {
                    continue;
                };
                let saving = self.slots[i].cost + self.slots[j].cost - a - b;
                if better(saving, &best) {
                    let take = |k: usize, d: Date| {
                        self.with_slot_day(k, d, |v| self.good(v, d, &[i, j]).cloned())
                    };
                    if let (Some(a), Some(b)) = (take(i, dj), take(j, di)) {
                        best = Some((saving, Change::Swap(i, a, j, b)));
                    }
                }
            }
        }
        best
    }

    /// Moves and swaps sessions while one lowers the total cost. Each change lowers it,
    /// so no plan is visited twice; the count bounds the search all the same.
    fn improve(&mut self) {
        let limit = 8 * self.placed.len() + 8;
        for _ in 0..limit {
            let Some((_, change)) = self.improving_change() else {
                break;
            };
            match change {
                Change::Move(i, c) => self.put(i, c),
                Change::Swap(i, a, j, b) => {
                    self.put(i, a);
                    self.put(j, b);
                }
            }
        }
    }

    /// Session `i` moves to the chosen day.
    fn put(&mut self, i: usize, c: Choice) {
        let t = self.slots[i].target.clone();
        let (m, findings) = self.make(&t, &c, false);
        self.placed[i] = m;
        self.slots[i].cost = c.cost;
        self.slots[i].findings = findings;
    }

    /// Sessions and their slots in date order.
    fn sort(&mut self) {
        let mut both: Vec<(PlannedMassage, Slot)> = std::mem::take(&mut self.placed)
            .into_iter()
            .zip(std::mem::take(&mut self.slots))
            .collect();
        both.sort_by_key(|(m, _)| m.date);
        (self.placed, self.slots) = both.into_iter().unzip();
    }

    /// Keeps the most valuable set the budget allows; the rest are listed as left out.
    /// True when something was left out.
    fn keep_within_budget(&mut self) -> bool {
        self.sort();
        let items: Vec<(u32, f64, Date)> = self
            .placed
            .iter()
            .map(|m| (m.value, m.price, m.date))
            .collect();
        let keep = select(&items, &self.req.budget);
        if keep.len() == items.len() {
            return false;
        }
        let placed = std::mem::take(&mut self.placed);
        let slots = std::mem::take(&mut self.slots);
        for (i, (m, slot)) in placed.into_iter().zip(slots).enumerate() {
            if keep.contains(&i) {
                self.placed.push(m);
                self.slots.push(slot);
            } else {
                self.dropped.push(Dropped {
                    kind: m.kind,
                    date: m.date,
                    why: self.req.budget.reason(m.value, m.price),
                    race: m.race.clone(),
                    value: m.value,
                });
            }
        }
        true
    }

    /// Lower is better.
    fn cost(&self, t: &Target, d: Date, warnings: usize) -> f64 {
        let s = &self.profile().scoring;
        let w = &self.profile().windows;
        let off = if d < t.ideal_lo {
            days_between(d, t.ideal_lo)
        } else if d > t.ideal_hi {
            days_between(t.ideal_hi, d)
        } else {
            0
        };
        let mut cost = warnings as f64 * s.warning + off as f64 * s.per_day_from_ideal;
        if self.season.is_rest(d) {
            cost -= s.rest_day_bonus;
        } else if self.season.is_easy(d) && self.season.is_rest(add_days(d, 1)) {
            cost -= s.easy_before_rest_bonus;
        }
        if let Some(k) = self
            .season
            .days_since_quality(d, w.after_quality_ideal_max_days)
            && k >= w.after_quality_ideal_min_days
        {
            cost -= s.after_quality_bonus;
        }
        cost
    }

    fn focus(&self, kind: Kind, d: Date) -> Vec<String> {
        let base: &[&str] = match kind {
            Kind::PreEvent => &["hamstrings", "calves", "hip flexors", "IT band"],
            Kind::PostEvent => &["quads", "calves", "hamstrings", "glutes", "lower back"],
            Kind::Maintenance => &[
                "calves",
                "hamstrings",
                "hip flexors",
                "glutes",
                "upper back",
            ],
            Kind::RecoveryPhase => &["quads", "calves", "hamstrings", "glutes"],
        };
        let mut out: Vec<String> = Vec::new();
        if kind == Kind::Maintenance {
            out.extend(self.req.recurring_focus.iter().cloned());
            let hills = (1..=14)
                .filter(|k| self.season.sessions_on(add_days(d, -k)).any(|s| s.hills))
                .count();
            if hills >= 2 && !out.iter().any(|f| f == "calves") {
                out.insert(0, "calves".into());
            }
        }
        for b in base {
            if !out.iter().any(|f| f.eq_ignore_ascii_case(b)) {
                out.push((*b).to_string());
            }
        }
        out
    }

    fn why(&self, t: &Target, d: Date, pressure: Pressure, warnings: &[Finding]) -> String {
        let p = self.profile();
        let mut parts: Vec<String> = Vec::new();
        match (t.kind, &t.race) {
            (Kind::PreEvent, Some(r)) => parts.push(format!(
                "{} before {} ({} race): loose legs on the start line, with time for any tenderness to pass. {} work with dynamic stretching, nothing deep.",
                plural_days(days_between(d, r.date)),
                r.label(),
                priority_word(r.priority),
                cap(pressure.as_str())
            )),
            (Kind::PostEvent, Some(r)) => {
                let since = if r.end.is_some_and(|e| e > r.date) {
                    cap(&r.after_finish(d, None))
                } else {
                    format!("{} after {}", plural_days(days_between(r.date, d)), r.label())
                };
                parts.push(format!(
                    "{since}: the first inflammation has settled, so focused, unforced work speeds recovery."
                ))
            }
            (Kind::RecoveryPhase, Some(r)) => parts.push(format!(
                "{} weeks after {}: steady work to bring the legs back to normal before training builds again.",
                (days_between(r.last_day(), d) + 3) / 7,
                r.label()
            )),
            _ => {
                let phase = self.season.phase_on(d);
                if let Some(iv) = p.interval(phase) {
                    parts.push(format!(
                        "{} phase: one session every {}–{} weeks keeps small problems small.",
                        cap(phase.label()),
                        iv.min_weeks,
                        iv.max_weeks
                    ));
                }
            }
        }
        if self.season.is_rest(d) {
            parts.push("A rest day.".into());
        } else if self.season.is_easy(d) && self.season.is_rest(add_days(d, 1)) {
            parts.push("An easy day with a rest day after it.".into());
        }
        if let Some(k) = self.season.days_since_quality(d, 3).filter(|k| *k >= 1)
            && let Some(s) = self.season.quality_on(add_days(d, -k))
        {
            parts.push(format!("{} after \"{}\".", plural_days(k), s.title));
        }
        if t.kind == Kind::Maintenance {
            if pressure == Pressure::Deep {
                parts.push(format!(
                    "No hard session in the next {} days, so deep work has time to settle.",
                    p.windows.deep_buffer_days
                ));
            } else if pressure == Pressure::Light {
                // A shortened session says why itself.
            } else if pressure < p.sessions.maintenance.pressure_max && !self.season.knows(d) {
                parts.push("Kept moderate: your calendar does not show your training around this day, so deep work might land just before a hard session.".into());
            } else if pressure < p.sessions.maintenance.pressure_max {
                parts.push("Kept moderate: a hard session or race follows soon.".into());
            }
        }
        if !warnings.is_empty() {
            let what: Vec<&str> = warnings.iter().map(|f| f.message.as_str()).collect();
            parts.push(format!(
                "No day in the window is free of every rule; this is the least bad one: {}",
                what.join(" ")
            ));
        }
        parts.join(" ")
    }
}

fn maintenance_phase(p: Phase) -> bool {
    matches!(p, Phase::Base | Phase::Build | Phase::Peak)
}

use crate::session::cap;

fn plural_days(n: i32) -> String {
    let words = [
        "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    ];
    let word = usize::try_from(n)
        .ok()
        .and_then(|i| words.get(i))
        .map(|s| s.to_string())
        .unwrap_or(n.to_string());
    if n == 1 {
        format!("{word} day")
    } else {
        format!("{word} days")
    }
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn priority_word(p: Priority) -> &'static str {
    match p {
        Priority::A => "goal",
        Priority::B => "B",
        Priority::C => "training",
    }
}

fn describe_blocks(t: &Target, blocks: &BTreeMap<Block, Vec<Date>>) -> String {
    let mut reasons: Vec<String> = Vec::new();
    for (b, dates) in blocks {
        let n = dates.len();
        let days = if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        };
        let r = match b {
            Block::Rule(id) => format!("{} ({days})", id.plain()),
            Block::Unavailable => format!("days you cannot attend ({days})"),
            Block::Busy => format!("busy in your calendar ({days})"),
            Block::Away => format!("away from home ({days})"),
            Block::TooClose(other) => format!("too close to the massage on {other} ({days})"),
            Block::OutOfRange => format!("outside the planning range or phase ({days})"),
        };
        reasons.push(r);
    }
    format!(
        "no suitable day between {} and {}: {}",
        t.lo,
        t.hi,
        if reasons.is_empty() {
            "empty window".into()
        } else {
            reasons.join(", ")
        }
    )
}

/// `maintenance-interval` findings for a sequence of massage dates: a gap longer than
/// the phase allows, where no taper or race week explains it.
pub fn interval_findings(
    season: &Season,
    dates: &[Date],
    range: Option<(Date, Date)>,
) -> Vec<Finding> {
    let p = season.profile();
    let mut sorted: Vec<Date> = dates.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut out = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let phase = season.phase_on(add_days(a, 7));
        let Some(iv) = p.interval(phase) else {
            continue;
        };
        let deadline = add_days(a, iv.max_weeks as i32 * 7);
        if b <= deadline {
            continue;
        }
        // A taper, race week or recovery inside the gap has its own sessions.
        let explained = (1..days_between(a, deadline)).any(|k| {
            matches!(
                season.phase_on(add_days(a, k)),
                Phase::Taper | Phase::RaceWeek
            )
        });
        if explained {
            continue;
        }
        if let Some((lo, hi)) = range
            && (deadline < lo || deadline > hi)
        {
            continue;
        }
        out.push(Finding {
            date: deadline,
            rule: RuleId::MaintenanceInterval,
            severity: Severity::Info,
            message: format!(
                "{} weeks between the massages on {a} and {b}; the {} phase calls for one every {}–{} weeks.",
                (days_between(a, b) + 3) / 7,
                phase.label(),
                iv.min_weeks,
                iv.max_weeks
            ),
            suggestion: Some(add_days(a, iv.ideal_weeks as i32 * 7)),
            advice: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn season() -> Season {
        crate::test_support::block(
            |w| match w {
                Weekday::Tuesday => Some("Intervals 6x800"),
                Weekday::Sunday => Some("Long run 26 km"),
                Weekday::Friday => Some("Rest"),
                _ => None,
            },
            &[(date(2027, 4, 25), "City Marathon")],
        )
    }

    #[test]
    fn a_session_moved_off_its_best_day_is_found_and_moved_back() {
        let s = season();
        let req = PlanRequest {
            from: Some(date(2027, 1, 4)),
            ..PlanRequest::default()
        };
        let good = plan(&s, &req);
        assert_eq!(improving_change(&s, &req, &good), None);
        let total = |p: &Plan| p.slots.iter().map(|s| s.cost).sum::<f64>();
        // Move one movable session to the worst day its window allows.
        let mut planner = Planner {
            season: &s,
            req: &req,
            from: good.from,
            to: good.to,
            placed: good.massages.clone(),
            slots: good.slots.clone(),
            dropped: Vec::new(),
            weekday_hints: BTreeMap::new(),
        };
        let (i, worse) = (0..planner.slots.len())
            .filter(|&i| !planner.slots[i].fixed)
            .find_map(|i| {
                let t = planner.slots[i].target.clone();
                crate::dates::days(t.lo, t.hi)
                    .filter_map(|d| {
                        let v = planner.verdict(&t, d, true);
                        planner
                            .good(&v, d, &[i])
                            .filter(|c| c.cost > planner.slots[i].cost + 1.0)
                            .cloned()
                    })
                    .max_by(|a, b| a.cost.total_cmp(&b.cost))
                    .map(|c| (i, c))
            })
            .expect("some session has a worse day");
        planner.put(i, worse);
        let mut moved = good.clone();
        moved.massages = planner.placed.clone();
        moved.slots = planner.slots.clone();
        let change = improving_change(&s, &req, &moved).expect("the worse day is found");
        assert!(change.saving > 1.0, "{change:?}");
        planner.improve();
        let best: f64 = planner.slots.iter().map(|s| s.cost).sum();
        assert!(best <= total(&good) + EPS, "{best} > {}", total(&good));
    }
}
