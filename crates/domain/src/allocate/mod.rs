//! Race-week allocation: every runner who asked for a post-race (or pre-race) massage
//! gets the best time the clinic group can give, chosen for all of them at once. Serve
//! as many as capacity allows, then the higher priorities, then the most total fit
//! (the day's fit by the rules, less what each runner's preferences lose) — exactly, as
//! a minimum-cost flow ([`flow`]). DESIGN.md states the model and why it is optimal.
//!
//! Pure: the times are local to the clinic group, "now" is not needed, and nothing is
//! read or written here.

pub mod capacity;
pub mod flow;
pub mod sample;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Serialize};

use crate::care::race_windows;
use crate::dates::{self, add_days};
use crate::entry::Origin;
use crate::session::{Class, Priority, Session};
use crate::slot::{Wanted, day_fit};
use crate::{Kind, Profile, RaceSpec, Season};

use flow::Graph;

/// The most runners one allocation takes.
pub const MAX_RUNNERS: usize = 200_000;
/// The most therapist shifts (one therapist's hours on one day) one allocation takes.
pub const MAX_SHIFTS: usize = 100_000;
/// The most clinics a runner may name.
pub const MAX_CHOICES: usize = 5;
/// A runner's finish may be at most this many days after the start.
pub const MAX_RACE_DAYS: i32 = 7;
/// At most this many days a runner can come (or has taken already).
pub const MAX_DAYS: usize = 31;

/// Part of the day a time falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Morning,
    Afternoon,
    Evening,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Morning, Part::Afternoon, Part::Evening];

    /// Morning before 12:00, afternoon to 17:00, evening after.
    pub fn of(t: Time) -> Part {
        match t.hour() {
            0..=11 => Part::Morning,
            12..=16 => Part::Afternoon,
            _ => Part::Evening,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Morning => "morning",
            Part::Afternoon => "afternoon",
            Part::Evening => "evening",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        match s.trim().to_ascii_lowercase().as_str() {
            "morning" | "am" => Some(Part::Morning),
            "afternoon" | "pm" => Some(Part::Afternoon),
            "evening" => Some(Part::Evening),
            _ => None,
        }
    }

    /// The time the day's rules are judged at for this part of the day.
    fn judged_at(self) -> Time {
        match self {
            Part::Morning => Time::constant(10, 0, 0, 0),
            Part::Afternoon => Time::constant(14, 0, 0, 0),
            Part::Evening => Time::constant(18, 0, 0, 0),
        }
    }
}

/// How much it matters that a runner is served when not everyone can be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    #[default]
    Standard,
    Charity,
    Elite,
    PreBooked,
}

impl Tier {
    /// How much serving one runner of this tier counts, 0 to 3.
    pub fn weight(self) -> i64 {
        match self {
            Tier::Standard => 0,
            Tier::Charity => 1,
            Tier::Elite => 2,
            Tier::PreBooked => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Charity => "charity",
            Tier::Elite => "elite",
            Tier::PreBooked => "pre-booked",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .as_str()
        {
            "" | "standard" | "none" => Some(Tier::Standard),
            "charity" | "charity-team" => Some(Tier::Charity),
            "elite" => Some(Tier::Elite),
            "pre-booked" | "prebooked" => Some(Tier::PreBooked),
            _ => None,
        }
    }
}

/// The race and the session every runner asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    /// The day it starts.
    pub date: Date,
    pub distance_km: Option<f64>,
    /// post_event or pre_event.
    pub kind: Kind,
    /// Minutes of massage, and minutes the therapist needs after each.
    pub length_min: i32,
    pub buffer_min: i32,
}

/// One runner who asked for a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Runner {
    pub id: String,
    pub name: String,
    /// When they finish (predicted or recorded), local; the start day when unknown.
    pub finish: Option<DateTime>,
    /// The clinics they would go to, best first; empty for any.
    pub clinics: Vec<String>,
    /// The days they can come; empty for any.
    pub days: Vec<Date>,
    /// The parts of the day they prefer; empty for any.
    pub parts: Vec<Part>,
    /// The therapist they would like, by id.
    pub therapist: Option<String>,
    pub tier: Tier,
    /// Days they have another appointment on already: never offered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taken: Vec<Date>,
}

/// One therapist's working hours on one day at one clinic, with what is already booked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub therapist: String,
    pub therapist_name: String,
    pub clinic: String,
    pub date: Date,
    pub from: Time,
    pub to: Time,
    /// Times already taken (bookings, breaks), each `[from, to)`.
    pub busy: Vec<(Time, Time)>,
}

/// Input that cannot be allocated, naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocError(pub String);

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AllocError {}

/// A bookable time: one therapist, one start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub therapist: String,
    pub therapist_name: String,
    pub clinic: String,
    pub start: DateTime,
    pub end: DateTime,
    pub part: Part,
}

/// Where a runner stands after allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Booked {
        slot: Slot,
        /// Points of fit, out of 100: the day's fit by the rules less what the
        /// runner's preferences lose.
        fit: i64,
        /// Inside the days the rules call ideal.
        ideal: bool,
        /// Why this time, in the runner's words.
        reasons: Vec<String>,
    },
    Waitlisted {
        reason: String,
    },
    /// Withdrew after allocation.
    Withdrawn,
}

/// What an allocation achieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default, utoipa::ToSchema)]
#[schema(as = AllocationSummary)]
pub struct Summary {
    pub runners: usize,
    pub served: usize,
    pub waitlisted: usize,
    /// Served inside the ideal days.
    pub ideal: usize,
    /// The sum of every booked runner's fit.
    pub total_fit: i64,
    /// Per tier (standard, charity, elite, pre-booked): [asked, served].
    #[schema(value_type = BTreeMap<String, Vec<usize>>)]
    pub by_tier: BTreeMap<Tier, (usize, usize)>,
}

/// Fit is out of 100; the cost of a booking is what it falls short of that.
const FIT_CEILING: i64 = 100;
/// Points lost per place down a runner's list of clinics.
const CLINIC_RANK_COST: i64 = 10;
/// Points lost on a day the runner did not name, when they named days.
const OTHER_DAY_COST: i64 = 15;
/// Points lost outside the parts of the day the runner prefers.
const OTHER_PART_COST: i64 = 10;
/// Points lost with another therapist than the one asked for.
const OTHER_THERAPIST_COST: i64 = 10;
/// The dearest booking: a fit of 1 less every preference missed.
const MAX_COST: i64 = FIT_CEILING
    + CLINIC_RANK_COST * (MAX_CHOICES as i64 - 1)
    + OTHER_DAY_COST
    + OTHER_PART_COST
    + OTHER_THERAPIST_COST;
/// Leaving out a runner of tier weight w costs `LEFT_OUT + w * PRIORITY`: one more
/// priority unit outweighs any fit every runner could gain, and one more runner served
/// outweighs any priority.
const PRIORITY: i64 = (MAX_RUNNERS as i64 + 1) * MAX_COST + 1;
const LEFT_OUT: i64 = (MAX_RUNNERS as i64 + 1) * (3 * PRIORITY + MAX_COST) + 1;
/// More than any flow the network carries.
const UNBOUNDED: i64 = 1 << 40;

const SOURCE: usize = 0;
const SINK: usize = 1;

/// The cost of leaving out one runner of `tier`.
pub fn left_out_cost(tier: Tier) -> i64 {
    LEFT_OUT + tier.weight() * PRIORITY
}

/// A therapist's times in one part of one day.
#[derive(Debug, Clone)]
struct Block {
    node: usize,
    slots: Vec<usize>,
    sink: usize,
}

/// A clinic's times in one part of one day, over all its therapists.
#[derive(Debug, Clone)]
struct Bucket {
    node: usize,
    /// (clinic, date, part)
    key: (usize, Date, Part),
    /// (block, edge from this bucket to it)
    blocks: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Bucket(usize),
    Block(usize),
}

#[derive(Debug, Clone)]
struct Choice {
    edge: usize,
    target: Target,
    fit: i64,
    /// The day-fit entry it was judged with.
    judged: (Date, Date, Part),
    clinic_rank: usize,
    other_day: bool,
    other_part: bool,
    other_therapist: bool,
}

/// Runners who would take exactly the same times at the same costs: one node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TypeKey {
    last_day: Date,
    clinics: Vec<usize>,
    days: Vec<Date>,
    parts: Vec<Part>,
    therapist: Option<String>,
    tier: Tier,
    taken: Vec<Date>,
}

#[derive(Debug, Clone)]
struct Type {
    supply: usize,
    left_out: usize,
    choices: Vec<Choice>,
    window: Window,
}

/// The days the rules allow a runner's session, and the ideal ones, both inclusive.
#[derive(Debug, Clone, Copy)]
struct Window {
    days: (Date, Date),
    ideal: (Date, Date),
}

impl Window {
    fn ideal(&self, d: Date) -> bool {
        (self.ideal.0..=self.ideal.1).contains(&d)
    }
}

/// The race as the runners who finished on one day ran it.
#[derive(Debug, Clone)]
struct Finish {
    season: Season,
    window: Window,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    choice: usize,
    block: usize,
    slot: usize,
}

#[derive(Debug, Clone)]
struct State {
    ty: usize,
    present: bool,
    place: Option<Place>,
}

/// A day's fit by the rules and its reasons, `None` when a rule forbids the day.
type Judged = Option<(i64, Vec<String>)>;

/// A solved allocation, ready to be read, or changed one runner at a time.
#[derive(Debug, Clone)]
pub struct Allocation {
    event: Event,
    profile: Profile,
    graph: Graph,
    runners: Vec<Runner>,
    states: Vec<State>,
    by_id: HashMap<String, usize>,
    types: Vec<Type>,
    type_of: BTreeMap<TypeKey, usize>,
    clinics: Vec<String>,
    clinic_of: HashMap<String, usize>,
    slots: Vec<Slot>,
    taken: Vec<Option<usize>>,
    blocks: Vec<Block>,
    block_at: Vec<(usize, Date, Part, String)>,
    buckets: Vec<Bucket>,
    bucket_of: BTreeMap<(usize, Date, Part), usize>,
    judged: HashMap<(Date, Date, Part), Judged>,
    finishes: HashMap<Date, Finish>,
    /// (clinic, date) of every shift, booked full or not.
    worked: std::collections::HashSet<(usize, Date)>,
    /// Rounds of the last full solve.
    pub rounds: usize,
}

fn invalid(msg: impl Into<String>) -> AllocError {
    AllocError(msg.into())
}

/// The times a shift holds: starts every `length + buffer` minutes from its start, each
/// clear of what is busy (a busy span moves the next start to its end).
fn shift_slots(shift: &Shift, length_min: i32, buffer_min: i32) -> Vec<(Time, Time)> {
    let minute = |t: Time| i32::from(t.hour()) * 60 + i32::from(t.minute());
    let at = |m: i32| Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap_or(Time::MAX);
    let (from, to) = (minute(shift.from), minute(shift.to));
    let step = length_min + buffer_min;
    let mut out = Vec::new();
    let mut start = from;
    // Each pass moves `start` forward by at least a minute, inside one day.
    for _ in 0..(24 * 60) {
        if start + length_min > to {
            break;
        }
        let end = start + length_min;
        let clash = shift
            .busy
            .iter()
            .filter(|(b0, b1)| minute(*b0) < end + buffer_min && start < minute(*b1))
            .map(|(_, b1)| minute(*b1))
            .max();
        match clash {
            Some(free_at) => start = free_at.max(start + 1),
            None => {
                out.push((at(start), at(end)));
                start += step;
            }
        }
    }
    out
}

impl Allocation {
    /// Allocates `runners` to the times in `shifts` for `event`, exactly.
    pub fn solve(
        event: Event,
        runners: Vec<Runner>,
        shifts: Vec<Shift>,
        profile: &Profile,
    ) -> Result<Allocation, AllocError> {
        check_event(&event)?;
        if runners.len() > MAX_RUNNERS {
            return Err(invalid(format!(
                "runners: expected at most {MAX_RUNNERS}, found {}",
                runners.len()
            )));
        }
        if shifts.len() > MAX_SHIFTS {
            return Err(invalid(format!(
                "shifts: expected at most {MAX_SHIFTS}, found {}",
                shifts.len()
            )));
        }
        let mut a = Allocation {
            event,
            profile: profile.clone(),
            graph: Graph::new(2),
            runners: Vec::new(),
            states: Vec::new(),
            by_id: HashMap::new(),
            types: Vec::new(),
            type_of: BTreeMap::new(),
            clinics: Vec::new(),
            clinic_of: HashMap::new(),
            slots: Vec::new(),
            taken: Vec::new(),
            blocks: Vec::new(),
            block_at: Vec::new(),
            buckets: Vec::new(),
            bucket_of: BTreeMap::new(),
            judged: HashMap::new(),
            finishes: HashMap::new(),
            worked: Default::default(),
            rounds: 0,
        };
        a.add_shifts(shifts)?;
        for r in runners {
            let r = a.enrol(r)?;
            a.graph.add_capacity(a.types[a.states[r].ty].supply, 1);
        }
        a.rounds = a.graph.solve(SOURCE, SINK);
        a.settle();
        Ok(a)
    }

    fn add_shifts(&mut self, mut shifts: Vec<Shift>) -> Result<(), AllocError> {
        shifts.sort_by(|x, y| {
            (&x.clinic, x.date, &x.therapist, x.from).cmp(&(
                &y.clinic,
                y.date,
                &y.therapist,
                y.from,
            ))
        });
        let mut by_therapist: Vec<&Shift> = shifts.iter().collect();
        by_therapist
            .sort_by(|x, y| (&x.therapist, x.date, x.from).cmp(&(&y.therapist, y.date, y.from)));
        if let Some(w) = by_therapist.windows(2).find(|w| {
            w[0].therapist == w[1].therapist && w[0].date == w[1].date && w[1].from < w[0].to
        }) {
            return Err(invalid(format!(
                "shifts: {} works {}–{} and {}–{} on {}; expected shifts that do not overlap",
                w[0].therapist, w[0].from, w[0].to, w[1].from, w[1].to, w[0].date
            )));
        }
        let mut block_of: BTreeMap<(String, Date, Part), usize> = BTreeMap::new();
        for (i, s) in shifts.iter().enumerate() {
            let row = i + 1;
            if s.therapist.trim().is_empty() || s.clinic.trim().is_empty() {
                return Err(invalid(format!(
                    "shift {row}: expected a therapist and a clinic"
                )));
            }
            dates::check(&format!("shift {row}: date"), s.date)
                .map_err(|e| invalid(e.to_string()))?;
            if s.to <= s.from {
                return Err(invalid(format!(
                    "shift {row} ({} on {}): expected the end after the start, found {} to {}",
                    s.therapist, s.date, s.from, s.to
                )));
            }
            if s.busy.len() > 200 || s.busy.iter().any(|(b0, b1)| b1 <= b0) {
                return Err(invalid(format!(
                    "shift {row} ({} on {}): expected at most 200 busy spans, each ending after it starts",
                    s.therapist, s.date
                )));
            }
            let clinic = match self.clinic_of.get(&s.clinic) {
                Some(&c) => c,
                None => {
                    self.clinics.push(s.clinic.clone());
                    self.clinic_of
                        .insert(s.clinic.clone(), self.clinics.len() - 1);
                    self.clinics.len() - 1
                }
            };
            self.worked.insert((clinic, s.date));
            for (from, to) in shift_slots(s, self.event.length_min, self.event.buffer_min) {
                let part = Part::of(from);
                let b = *block_of
                    .entry((s.therapist.clone(), s.date, part))
                    .or_insert_with(|| {
                        self.blocks.push(Block {
                            node: 0,
                            slots: Vec::new(),
                            sink: 0,
                        });
                        self.block_at
                            .push((clinic, s.date, part, s.therapist.clone()));
                        self.blocks.len() - 1
                    });
                let slot = self.slots.len();
                self.slots.push(Slot {
                    therapist: s.therapist.clone(),
                    therapist_name: s.therapist_name.clone(),
                    clinic: s.clinic.clone(),
                    start: s.date.to_datetime(from),
                    end: s.date.to_datetime(to),
                    part,
                });
                self.taken.push(None);
                self.blocks[b].slots.push(slot);
            }
        }
        for b in 0..self.blocks.len() {
            let (clinic, date, part, _) = self.block_at[b].clone();
            let node = self.graph.add_node();
            let sink = self
                .graph
                .add_edge(node, SINK, self.blocks[b].slots.len() as i64, 0);
            self.blocks[b].node = node;
            self.blocks[b].sink = sink;
            let k = match self.bucket_of.get(&(clinic, date, part)) {
                Some(&k) => k,
                None => {
                    let node = self.graph.add_node();
                    self.buckets.push(Bucket {
                        node,
                        key: (clinic, date, part),
                        blocks: Vec::new(),
                    });
                    self.bucket_of
                        .insert((clinic, date, part), self.buckets.len() - 1);
                    self.buckets.len() - 1
                }
            };
            let e = self
                .graph
                .add_edge(self.buckets[k].node, node, UNBOUNDED, 0);
            self.buckets[k].blocks.push((b, e));
        }
        Ok(())
    }

    /// The race as a runner who finished on `last_day` ran it, and the window the
    /// rules give their session; built once per finish day.
    fn finish(&mut self, last_day: Date) -> &Finish {
        let (event, profile) = (&self.event, &self.profile);
        self.finishes
            .entry(last_day)
            .or_insert_with(|| finish_of(event, profile, last_day))
    }

    /// The day's fit by the rules (0–100) and its reasons, `None` when a rule forbids it.
    fn judge(&mut self, last_day: Date, d: Date, part: Part) -> Judged {
        if let Some(j) = self.judged.get(&(last_day, d, part)) {
            return j.clone();
        }
        let kind = self.event.kind;
        let k = match kind {
            Kind::PreEvent => self.profile.sessions.pre_event.clone(),
            _ => self.profile.sessions.post_event.clone(),
        };
        let wanted = Wanted {
            kind: Some(kind),
            pressure_min: k.pressure_min,
            pressure_max: k.pressure_max,
        };
        let season = &self.finish(last_day).season;
        let fit = day_fit(
            season,
            wanted,
            d,
            Some(d.to_datetime(part.judged_at())),
            &[],
        );
        let out = (fit.allowed && fit.score > 0).then(|| (i64::from(fit.score), fit.reasons));
        self.judged.insert((last_day, d, part), out.clone());
        out
    }

    fn check_runner(&self, r: &Runner, row: usize) -> Result<(), AllocError> {
        let who = if r.id.trim().is_empty() {
            format!("runner {row}")
        } else {
            format!("runner {row} ({})", r.id)
        };
        if r.id.trim().is_empty() {
            return Err(invalid(format!("{who}: expected an id")));
        }
        if self.by_id.contains_key(&r.id) {
            return Err(invalid(format!("{who}: the id is given twice")));
        }
        if r.clinics.len() > MAX_CHOICES {
            return Err(invalid(format!(
                "{who}: expected at most {MAX_CHOICES} clinics, found {}",
                r.clinics.len()
            )));
        }
        if r.days.len() > MAX_DAYS {
            return Err(invalid(format!(
                "{who}: expected at most {MAX_DAYS} days they can come, found {}",
                r.days.len()
            )));
        }
        if r.taken.len() > MAX_DAYS {
            return Err(invalid(format!(
                "{who}: expected at most {MAX_DAYS} days already taken, found {}",
                r.taken.len()
            )));
        }
        if let Some(f) = r.finish
            && !(self.event.date..=add_days(self.event.date, MAX_RACE_DAYS)).contains(&f.date())
        {
            return Err(invalid(format!(
                "{who}: expected a finish from {} to {}, found {f}",
                self.event.date,
                add_days(self.event.date, MAX_RACE_DAYS)
            )));
        }
        Ok(())
    }

    /// Adds a runner, and their type's node and edges when they are the first of it.
    fn enrol(&mut self, r: Runner) -> Result<usize, AllocError> {
        self.check_runner(&r, self.runners.len() + 1)?;
        let last_day = r.finish.map_or(self.event.date, |f| f.date());
        let mut clinics = Vec::new();
        for c in &r.clinics {
            // A clinic no shift names has no times to offer; it is kept out of the key.
            if let Some(&k) = self.clinic_of.get(c.trim())
                && !clinics.contains(&k)
            {
                clinics.push(k);
            }
        }
        let mut days = r.days.clone();
        days.sort();
        days.dedup();
        let mut parts = r.parts.clone();
        parts.sort();
        parts.dedup();
        let mut taken = r.taken.clone();
        taken.sort();
        taken.dedup();
        let key = TypeKey {
            last_day,
            clinics: if r.clinics.is_empty() {
                Vec::new()
            } else if clinics.is_empty() {
                vec![usize::MAX]
            } else {
                clinics
            },
            days,
            parts,
            therapist: r.therapist.clone().filter(|t| !t.trim().is_empty()),
            tier: r.tier,
            taken,
        };
        let ty = match self.type_of.get(&key) {
            Some(&t) => t,
            None => self.add_type(key)?,
        };
        let idx = self.runners.len();
        self.by_id.insert(r.id.clone(), idx);
        self.runners.push(r);
        self.states.push(State {
            ty,
            present: true,
            place: None,
        });
        Ok(idx)
    }

    fn add_type(&mut self, key: TypeKey) -> Result<usize, AllocError> {
        let node = self.graph.add_node();
        let supply = self.graph.add_edge(SOURCE, node, 0, 0);
        let window = self.finish(key.last_day).window;
        let ranked: Vec<(usize, usize)> = if key.clinics.is_empty() {
            (0..self.clinics.len()).map(|c| (c, 0)).collect()
        } else {
            key.clinics
                .iter()
                .enumerate()
                .filter(|(_, c)| **c != usize::MAX)
                .map(|(rank, &c)| (c, rank))
                .collect()
        };
        let mut choices = Vec::new();
        let wanted_therapist = key.therapist.clone();
        for (clinic, rank) in ranked {
            for d in dates::days(window.days.0, window.days.1) {
                if key.taken.binary_search(&d).is_ok() {
                    continue;
                }
                let other_day = !key.days.is_empty() && !key.days.contains(&d);
                for part in Part::ALL {
                    let Some(&b) = self.bucket_of.get(&(clinic, d, part)) else {
                        continue;
                    };
                    let Some((score, _)) = self.judge(key.last_day, d, part) else {
                        continue;
                    };
                    let other_part = !key.parts.is_empty() && !key.parts.contains(&part);
                    let base = score
                        - CLINIC_RANK_COST * rank as i64
                        - if other_day { OTHER_DAY_COST } else { 0 }
                        - if other_part { OTHER_PART_COST } else { 0 };
                    let mine: Vec<usize> = match &wanted_therapist {
                        Some(t) => self.buckets[b]
                            .blocks
                            .iter()
                            .map(|&(k, _)| k)
                            .filter(|&k| &self.block_at[k].3 == t)
                            .collect(),
                        None => Vec::new(),
                    };
                    let judged = (key.last_day, d, part);
                    let general = base
                        - if wanted_therapist.is_some() {
                            OTHER_THERAPIST_COST
                        } else {
                            0
                        };
                    let mut offer = |graph: &mut Graph, to: usize, target, fit, other_therapist| {
                        let edge = graph.add_edge(node, to, UNBOUNDED, FIT_CEILING - fit);
                        choices.push(Choice {
                            edge,
                            target,
                            fit,
                            judged,
                            clinic_rank: rank,
                            other_day,
                            other_part,
                            other_therapist,
                        });
                    };
                    for k in mine {
                        offer(
                            &mut self.graph,
                            self.blocks[k].node,
                            Target::Block(k),
                            base,
                            false,
                        );
                    }
                    offer(
                        &mut self.graph,
                        self.buckets[b].node,
                        Target::Bucket(b),
                        general,
                        wanted_therapist.is_some(),
                    );
                }
            }
        }
        let left_out = self
            .graph
            .add_edge(node, SINK, UNBOUNDED, left_out_cost(key.tier));
        self.types.push(Type {
            supply,
            left_out,
            choices,
            window,
        });
        self.type_of.insert(key, self.types.len() - 1);
        Ok(self.types.len() - 1)
    }

    /// The edges runner `r`'s unit flows on after its supply edge.
    fn path_of(&self, r: usize) -> Vec<usize> {
        let st = &self.states[r];
        let ty = &self.types[st.ty];
        match st.place {
            None => vec![ty.left_out],
            Some(p) => {
                let c = &ty.choices[p.choice];
                match c.target {
                    Target::Block(k) => vec![c.edge, self.blocks[k].sink],
                    Target::Bucket(b) => {
                        let via = self.buckets[b]
                            .blocks
                            .iter()
                            .find(|(k, _)| *k == p.block)
                            .map(|(_, e)| *e)
                            .unwrap_or(0);
                        vec![c.edge, via, self.blocks[p.block].sink]
                    }
                }
            }
        }
    }

    /// Reads the flow back into places, keeping everyone who had one where the flow
    /// still sends them, then filling the rest in the order runners arrived.
    fn settle(&mut self) {
        let mut left: Vec<i64> = (0..self.graph.edges())
            .map(|e| self.graph.flow(2 * e))
            .collect();
        let take = |left: &mut Vec<i64>, e: usize| {
            if left[e / 2] > 0 {
                left[e / 2] -= 1;
                true
            } else {
                false
            }
        };
        // Keep those the flow still carries where they are.
        for r in 0..self.runners.len() {
            if !self.states[r].present {
                continue;
            }
            let path = self.path_of(r);
            if self.states[r].place.is_some() && path.iter().all(|&e| left[e / 2] > 0) {
                for e in path {
                    take(&mut left, e);
                }
            } else if let Some(p) = self.states[r].place.take() {
                self.taken[p.slot] = None;
            }
        }
        // Then the rest, each type's runners in arrival order.
        let mut free: Vec<usize> = vec![0; self.blocks.len()];
        for r in 0..self.runners.len() {
            if !self.states[r].present || self.states[r].place.is_some() {
                continue;
            }
            let ty = self.states[r].ty;
            let mut placed = None;
            for (ci, c) in self.types[ty].choices.iter().enumerate() {
                if left[c.edge / 2] == 0 {
                    continue;
                }
                let block = match c.target {
                    Target::Block(k) => Some(k),
                    Target::Bucket(b) => self.buckets[b]
                        .blocks
                        .iter()
                        .find(|(_, e)| left[e / 2] > 0)
                        .map(|&(k, e)| {
                            left[e / 2] -= 1;
                            k
                        }),
                };
                if let Some(k) = block {
                    left[c.edge / 2] -= 1;
                    left[self.blocks[k].sink / 2] -= 1;
                    placed = Some((ci, k));
                    break;
                }
            }
            if let Some((choice, block)) = placed {
                let slots = &self.blocks[block].slots;
                let start = free[block];
                if let Some(i) = (start..slots.len()).find(|&i| self.taken[slots[i]].is_none()) {
                    free[block] = i + 1;
                    let slot = slots[i];
                    self.taken[slot] = Some(r);
                    self.states[r].place = Some(Place {
                        choice,
                        block,
                        slot,
                    });
                }
            } else {
                take(&mut left, self.types[ty].left_out);
            }
        }
    }

    /// Takes a runner out (they cancelled) and gives their time to whoever it serves
    /// best, moving as few as the optimum needs. Returns the runners whose outcome
    /// changed, the withdrawn one first.
    pub fn withdraw(&mut self, id: &str) -> Result<Vec<usize>, AllocError> {
        let r = *self
            .by_id
            .get(id)
            .ok_or_else(|| invalid(format!("no runner with id {id}")))?;
        if !self.states[r].present {
            return Err(invalid(format!("runner {id} has already withdrawn")));
        }
        let before = self.places();
        let path = self.path_of(r);
        let supply = self.types[self.states[r].ty].supply;
        self.graph.remove_unit(supply, &path, SINK);
        if let Some(p) = self.states[r].place.take() {
            self.taken[p.slot] = None;
        }
        self.states[r].present = false;
        self.settle();
        Ok(self.changed(&before, r))
    }

    /// Adds a runner who asked late, at the best place the optimum allows. Returns the
    /// runners whose outcome changed, the new one first.
    pub fn add(&mut self, runner: Runner) -> Result<Vec<usize>, AllocError> {
        let before = self.places();
        let r = self.enrol(runner)?;
        self.graph
            .add_unit(self.types[self.states[r].ty].supply, SINK);
        self.settle();
        Ok(self.changed(&before, r))
    }

    fn places(&self) -> Vec<Option<usize>> {
        self.states
            .iter()
            .map(|s| s.place.map(|p| p.slot))
            .collect()
    }

    fn changed(&self, before: &[Option<usize>], first: usize) -> Vec<usize> {
        let mut out = vec![first];
        for (r, s) in self.states.iter().enumerate() {
            if r != first && before.get(r).copied().flatten() != s.place.map(|p| p.slot) {
                out.push(r);
            }
        }
        out
    }

    pub fn event(&self) -> &Event {
        &self.event
    }

    pub fn runners(&self) -> &[Runner] {
        &self.runners
    }

    /// The index of the runner with `id`.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Every bookable time, in clinic, day, therapist order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The flow network's size: (nodes, edges).
    pub fn size(&self) -> (usize, usize) {
        (self.graph.nodes(), self.graph.edges())
    }

    /// The objective the solver minimised, for checking against another solver.
    pub fn cost(&self) -> i128 {
        self.graph.total_cost()
    }

    /// True when the flow has no cheaper rearrangement.
    pub fn optimal(&self) -> bool {
        self.graph.optimal()
    }

    /// Where runner `r` stands.
    pub fn outcome(&self, r: usize) -> Outcome {
        let st = &self.states[r];
        if !st.present {
            return Outcome::Withdrawn;
        }
        let ty = &self.types[st.ty];
        let Some(p) = st.place else {
            return Outcome::Waitlisted {
                reason: self.why_left_out(st.ty),
            };
        };
        let c = &ty.choices[p.choice];
        let (_, d, part) = c.judged;
        let mut reasons = self
            .judged
            .get(&c.judged)
            .cloned()
            .flatten()
            .map(|(_, r)| r)
            .unwrap_or_default();
        if c.clinic_rank > 0 {
            reasons.push(format!(
                "At your choice number {} of clinic: the ones before it were full.",
                c.clinic_rank + 1
            ));
        }
        if c.other_day {
            reasons.push("Not on a day you named: none of them had a time left that suits.".into());
        }
        if c.other_part {
            reasons.push(format!(
                "In the {} rather than the part of the day you prefer, which was full.",
                part.as_str()
            ));
        }
        if c.other_therapist {
            let works = ty
                .choices
                .iter()
                .any(|c| matches!(c.target, Target::Block(_)));
            reasons.push(if works {
                "With another therapist: the one you asked for was fully booked.".into()
            } else {
                "With another therapist: the one you asked for does not work at your clinics on the days that suit.".into()
            });
        }
        let slot = self.slots[p.slot].clone();
        Outcome::Booked {
            fit: c.fit,
            ideal: ty.window.ideal(d),
            reasons,
            slot,
        }
    }

    fn why_left_out(&self, ty: usize) -> String {
        let t = &self.types[ty];
        let (from, to) = t.window.days;
        let span = format!(
            "{} to {}",
            from.strftime("%a %-d %b"),
            to.strftime("%a %-d %b")
        );
        let after = match self.event.kind {
            Kind::PreEvent => "before",
            _ => "after",
        };
        if t.choices.is_empty() {
            // Nobody works then, or everyone who does is booked already, or the runner
            // has another appointment on every day.
            let key = self.type_of.iter().find(|(_, v)| **v == ty).map(|(k, _)| k);
            let clinics: Vec<usize> = key.map(|k| k.clinics.clone()).unwrap_or_default();
            if let Some(k) = key
                && !k.taken.is_empty()
                && dates::days(from, to).all(|d| k.taken.binary_search(&d).is_ok())
            {
                return format!(
                    "You already have an appointment with the clinic on every day from {span}, the days that suit {after} this race; you are on the waitlist in case you move one."
                );
            }
            let worked = self.worked.iter().any(|(c, d)| {
                (clinics.is_empty() || clinics.contains(c)) && (from..=to).contains(d)
            });
            if worked {
                format!(
                    "Every time at the clinics you chose from {span}, the days that suit {after} this race, is booked already; you are on the waitlist and will be offered the first time that opens."
                )
            } else {
                format!(
                    "No therapist at the clinics you chose works from {span}, the days that suit {after} this race; you are on the waitlist in case times open."
                )
            }
        } else {
            format!(
                "Every time that suits you from {span} went to runners with higher priority or fewer times they could take; you are on the waitlist and will be offered the first time that opens."
            )
        }
    }

    /// The days runner `r`'s session may fall on by the rules, first and last.
    pub fn window_of(&self, r: usize) -> (Date, Date) {
        self.types[self.states[r].ty].window.days
    }

    /// What the allocation achieved.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for (r, st) in self.states.iter().enumerate() {
            if !st.present {
                continue;
            }
            s.runners += 1;
            let tier = self.runners[r].tier;
            let e = s.by_tier.entry(tier).or_default();
            e.0 += 1;
            match self.outcome(r) {
                Outcome::Booked { fit, ideal, .. } => {
                    s.served += 1;
                    e.1 += 1;
                    s.total_fit += fit;
                    s.ideal += usize::from(ideal);
                }
                Outcome::Waitlisted { .. } => s.waitlisted += 1,
                Outcome::Withdrawn => {}
            }
        }
        s
    }

    /// First come, first served, for comparison: runners in the order they asked, each
    /// given the best time still free for them.
    pub fn first_come(&self) -> Summary {
        let mut used = vec![0usize; self.blocks.len()];
        let mut s = Summary::default();
        for (r, st) in self.states.iter().enumerate() {
            if !st.present {
                continue;
            }
            s.runners += 1;
            let t = &self.types[st.ty];
            let e = s.by_tier.entry(self.runners[r].tier).or_default();
            e.0 += 1;
            let mut best: Option<(i64, usize, &Choice)> = None;
            for c in &t.choices {
                let room = |k: usize| used[k] < self.blocks[k].slots.len();
                let block = match c.target {
                    Target::Block(k) => room(k).then_some(k),
                    Target::Bucket(b) => self.buckets[b]
                        .blocks
                        .iter()
                        .map(|x| x.0)
                        .find(|&k| room(k)),
                };
                if let Some(k) = block
                    && best.is_none_or(|(f, _, _)| c.fit > f)
                {
                    best = Some((c.fit, k, c));
                }
            }
            match best {
                Some((fit, k, c)) => {
                    used[k] += 1;
                    s.served += 1;
                    e.1 += 1;
                    s.total_fit += fit;
                    s.ideal += usize::from(t.window.ideal(c.judged.1));
                }
                None => s.waitlisted += 1,
            }
        }
        s
    }

    /// The choices runner `r` had, as (therapist, date, part, fit) with `None` for any
    /// therapist of the clinic; for checking against another solver.
    pub fn choices_of(&self, r: usize) -> Vec<(Option<String>, String, Date, Part, i64)> {
        self.types[self.states[r].ty]
            .choices
            .iter()
            .map(|c| {
                let (clinic, d, part, who) = match c.target {
                    Target::Block(k) => {
                        let (c, d, p, t) = &self.block_at[k];
                        (*c, *d, *p, Some(t.clone()))
                    }
                    Target::Bucket(b) => {
                        let (c, d, p) = self.buckets[b].key;
                        (c, d, p, None)
                    }
                };
                (who, self.clinics[clinic].clone(), d, part, c.fit)
            })
            .collect()
    }

    /// Each therapist's number of times in each part of each day:
    /// (therapist, clinic, date, part, count).
    pub fn capacity(&self) -> Vec<(String, String, Date, Part, usize)> {
        self.block_at
            .iter()
            .zip(&self.blocks)
            .map(|((c, d, p, t), b)| (t.clone(), self.clinics[*c].clone(), *d, *p, b.slots.len()))
            .collect()
    }
}

/// The race as a runner who finished on `last_day` ran it, and the window the rules
/// give their session.
fn finish_of(e: &Event, profile: &Profile, last_day: Date) -> Finish {
    let race = Session {
        date: e.date,
        start: None,
        last_date: (last_day > e.date).then_some(last_day),
        end: None,
        title: e.name.as_str().into(),
        class: Class::Race,
        distance_km: e.distance_km,
        duration_min: None,
        unclassified: false,
        hills: false,
        priority_hint: Some(Priority::A),
        load: None,
        origin: Origin::default(),
        away: false,
    };
    let spec = RaceSpec {
        date: e.date,
        name: e.name.clone(),
        distance_km: e.distance_km,
        priority: Some(Priority::A),
    };
    let season = Season::new(vec![race], &[spec], profile);
    // One race and one kind: one window (none only if the profile allows none).
    let window = race_windows(&season, dates::EARLIEST, Some(e.kind), 1)
        .into_iter()
        .next()
        .map(|w| Window {
            days: (w.from, w.to),
            ideal: (w.ideal_from, w.ideal_to),
        })
        .unwrap_or(Window {
            days: (e.date, add_days(e.date, -1)),
            ideal: (e.date, add_days(e.date, -1)),
        });
    Finish { season, window }
}

fn check_event(e: &Event) -> Result<(), AllocError> {
    dates::check("event date", e.date).map_err(|x| invalid(x.to_string()))?;
    if !matches!(e.kind, Kind::PostEvent | Kind::PreEvent) {
        return Err(invalid(
            "event: expected a post-race or a pre-race session".to_string(),
        ));
    }
    if !(10..=240).contains(&e.length_min) {
        return Err(invalid(format!(
            "event: expected a session of 10 to 240 minutes, found {}",
            e.length_min
        )));
    }
    if !(0..=120).contains(&e.buffer_min) {
        return Err(invalid(format!(
            "event: expected a buffer of 0 to 120 minutes, found {}",
            e.buffer_min
        )));
    }
    if e.distance_km.is_some_and(|d| !(0.1..=2000.0).contains(&d)) {
        return Err(invalid("event: expected a distance from 0.1 to 2000 km"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
