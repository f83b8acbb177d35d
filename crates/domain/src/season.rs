//! The season: every session on one local-date timeline, races with settled
//! priorities, and the phase of every day.
//!
//! Both the planner and the checker ask the season the same questions ("is there a hard
//! session tomorrow?", "which race is this the eve of?", "what phase is this day in?"),
//! so the answers live here once.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::phase::{Phase, estimate_load};
use crate::profile::Profile;
use crate::session::{Class, Priority, Race, Session};

/// A race given on the command line (`--race 2027-04-25:marathon:A`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceSpec {
    pub date: Date,
    /// What the runner calls it; empty leaves the calendar's title.
    #[serde(default)]
    pub name: String,
    pub distance_km: Option<f64>,
    pub priority: Option<Priority>,
}

impl RaceSpec {
    /// The day a plan without dates (laid out by week) leads to: the last race marked A;
    /// else, among races not marked B or C, the longest (the later of equals), as the
    /// season takes the longest race as the goal.
    pub fn goal_day(specs: &[RaceSpec]) -> Option<Date> {
        if let Some(d) = specs
            .iter()
            .filter(|s| s.priority == Some(Priority::A))
            .map(|s| s.date)
            .max()
        {
            return Some(d);
        }
        let open: Vec<&RaceSpec> = specs.iter().filter(|s| s.priority.is_none()).collect();
        let pool = if open.is_empty() {
            specs.iter().collect()
        } else {
            open
        };
        pool.into_iter()
            .max_by(|a, b| {
                a.distance_km
                    .unwrap_or(0.0)
                    .total_cmp(&b.distance_km.unwrap_or(0.0))
                    .then(a.date.cmp(&b.date))
            })
            .map(|s| s.date)
    }
}

impl RaceSpec {
    /// Reads a race as runners give it: a date, a distance with its unit (or a name such
    /// as marathon) and an optional priority, separated by colons or spaces —
    /// `2027-04-25:marathon:A`, `2027-04-25 42.2km B`. The one reading of a race for the
    /// command line, the pages and any file of races.
    ///
    /// # Errors
    /// What was expected, naming the part that was wrong.
    pub fn parse(s: &str) -> Result<RaceSpec, String> {
        let parts: Vec<&str> = s
            .split([':', ' ', ',', ';', '\t'])
            .filter(|p| !p.is_empty())
            .collect();
        let usage = || {
            format!(
                "expected a date, a distance and an optional A, B or C, like 2027-04-25:marathon:A; found {:?}",
                s.trim()
            )
        };
        if parts.len() < 2 || parts.len() > 3 {
            return Err(usage());
        }
        let date: Date = parts[0].parse().map_err(|_| {
            format!(
                "expected a date like 2027-04-25, found {:?} in {:?}",
                parts[0],
                s.trim()
            )
        })?;
        if !crate::dates::accepted(date) {
            return Err(format!(
                "expected a date between {} and {}, found {date}",
                crate::dates::EARLIEST,
                crate::dates::LATEST
            ));
        }
        let distance_km = Some(crate::session::parse_distance(parts[1])?);
        let priority = match parts.get(2) {
            None => None,
            Some(p) => Some(
                Priority::parse(p)
                    .ok_or_else(|| format!("expected priority A, B or C, found {p:?}"))?,
            ),
        };
        Ok(RaceSpec {
            name: String::new(),
            date,
            distance_km,
            priority,
        })
    }
}

/// What one day holds, summarised for the rules.
#[derive(Debug, Clone, Default)]
struct Day {
    /// Where the day's sessions are listed in `DayTable::order`.
    first: u32,
    end: u32,
    /// The first hard or long session of the day, an index into `Season::sessions`.
    quality: Option<usize>,
    load: f64,
}

/// The days that hold sessions, found by day number: through a dense index over the
/// season's span (any real calendar), or by binary search when a mistyped year makes
/// the span too long to index.
#[derive(Debug, Clone, Default)]
struct DayTable {
    /// Sorted by day number; every day holds at least one session.
    days: Vec<(i64, Day)>,
    /// Indexes into `Season::sessions`, day by day, each day's in order.
    order: Vec<usize>,
    /// `index[n - base]` is the position in `days` plus one, or 0 for an empty day.
    index: Vec<u32>,
    base: i64,
}

/// The longest span given a dense index (about 360 years, 512 KiB).
const DENSE_DAYS: i64 = 1 << 17;

impl DayTable {
    /// The table from `(day number, session)` pairs, each session's days in order.
    fn new(mut covered: Vec<(i64, usize)>, sessions: &[Session]) -> DayTable {
        covered.sort_unstable();
        let mut days: Vec<(i64, Day)> = Vec::new();
        for (k, &(n, i)) in covered.iter().enumerate() {
            let k = k as u32;
            if days.last().is_none_or(|(m, _)| *m != n) {
                let day = Day {
                    first: k,
                    ..Day::default()
                };
                days.push((n, day));
            }
            let Some((_, day)) = days.last_mut() else {
                continue;
            };
            let s = &sessions[i];
            day.end = k + 1;
            if s.class.is_quality() && day.quality.is_none() {
                day.quality = Some(i);
            }
            day.load += estimate_load(s);
        }
        let base = days.first().map_or(0, |(n, _)| *n);
        let span = days.last().map_or(0, |(n, _)| n - base + 1);
        let mut index = Vec::new();
        if span <= DENSE_DAYS && days.len() < u32::MAX as usize {
            index = vec![0; span as usize];
            for (pos, (n, _)) in days.iter().enumerate() {
                index[(n - base) as usize] = pos as u32 + 1;
            }
        }
        let order = covered.into_iter().map(|(_, i)| i).collect();
        DayTable {
            days,
            order,
            index,
            base,
        }
    }

    /// The sessions of a day from this table, as indexes into `Season::sessions`.
    fn sessions(&self, day: &Day) -> &[usize] {
        self.order
            .get(day.first as usize..day.end as usize)
            .unwrap_or_default()
    }

    fn get(&self, n: i64) -> Option<&Day> {
        if self.index.is_empty() {
            let pos = self.days.binary_search_by_key(&n, |(m, _)| *m).ok()?;
            return Some(&self.days[pos].1);
        }
        let k = usize::try_from(n - self.base).ok()?;
        let pos = *self.index.get(k)?;
        (pos > 0).then(|| &self.days[pos as usize - 1].1)
    }

    fn first(&self) -> Option<Date> {
        self.days
            .first()
            .map(|(n, _)| crate::dates::from_day_number(*n))
    }

    fn last(&self) -> Option<Date> {
        self.days
            .last()
            .map(|(n, _)| crate::dates::from_day_number(*n))
    }
}

/// Weekly totals (weeks start on Monday in the runner's calendar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Week {
    pub start: Date,
    pub sessions: usize,
    pub distance_km: f64,
    pub load: f64,
    pub phase: Phase,
}

#[derive(Debug, Clone)]
pub struct Season {
    pub sessions: Vec<Session>,
    races: Vec<Race>,
    /// Each race's first and last day numbers, in the order of `races`.
    race_days: Vec<(i64, i64)>,
    days: DayTable,
    weeks: Vec<Week>,
    /// The load phase of each week in `weeks`, from the week numbered `first_week`.
    week_phase: Vec<Phase>,
    first_week: i64,
    training: Option<(Date, Date)>,
    /// Day numbers of the first and last day of each time away (a holiday, a trip), and
    /// the session that says so.
    away: Vec<(i64, i64, usize)>,
    /// Training runs long enough to be recovered from like a long race: first and last
    /// day numbers and the session's index.
    efforts: Vec<(i64, i64, usize)>,
    profile: Profile,
}

use crate::dates::day_number;
pub use crate::dates::{add_days, days_between};

/// A run (not a race) far or long enough to be recovered from like a long race. Days
/// of training given as one entry (a camp: all-day over several days) are not one
/// effort, nor is a length past half a day.
fn is_ultra_effort(s: &Session, km: f64, minutes: f64) -> bool {
    let days_long = s.start.is_none() && s.last_date.is_some_and(|l| l > s.date);
    matches!(s.class, Class::Long | Class::Easy | Class::Hard)
        && !s.away
        && !days_long
        && (s.distance_km.is_some_and(|d| d >= km - 0.05)
            || s.duration_min
                .is_some_and(|m| m >= minutes && m <= 12.0 * 60.0))
}

pub fn monday_of(d: Date) -> Date {
    add_days(d, -i32::from(d.weekday().to_monday_zero_offset()))
}

/// The number of the week holding day number `n` (weeks start on Monday; 1970-01-01,
/// day 0, was a Thursday).
fn week_number(n: i64) -> i64 {
    (n + 3).div_euclid(7)
}

impl Season {
    /// A runner's season from what they gave: the calendar's entries (each distinct
    /// event read once), the sessions they recorded (the same activity given twice counts
    /// once; what was done replaces what was planned up to the last recorded day), the
    /// races given beside the files, and the profile. The CLI, the server and the pages
    /// all build seasons here.
    pub fn build(
        entries: &[crate::Entry],
        recorded: Vec<Session>,
        races: &[RaceSpec],
        profile: &Profile,
    ) -> Season {
        let mut history = recorded;
        history.sort_by(|a, b| (a.date, a.start, &a.title).cmp(&(b.date, b.start, &b.title)));
        history.dedup_by(|a, b| a.date == b.date && a.start == b.start && a.title == b.title);
        let planned = crate::classify::classify_all(entries);
        Season::new(merge(history, planned), races, profile)
    }

    /// Builds the season from understood sessions and any races given explicitly.
    pub fn new(mut sessions: Vec<Session>, specs: &[RaceSpec], profile: &Profile) -> Season {
        sessions.sort_by(|a, b| (a.date, a.start, &a.title).cmp(&(b.date, b.start, &b.title)));
        mark_long_runs(&mut sessions, &profile.phases);
        let races = settle_races(&sessions, specs, profile);
        let mut covered: Vec<(i64, usize)> = Vec::with_capacity(sessions.len());
        for (i, s) in sessions.iter().enumerate() {
            // An all-day event over several days (a training camp) is training on every
            // day it covers; races keep their own day-by-day reading, and a title not
            // understood ("Holiday") is not made into days of training.
            let last = match (s.start, s.last_date) {
                (None, Some(l)) if s.class != Class::Race && !s.unclassified => {
                    l.min(add_days(s.date, MAX_SPAN_DAYS - 1))
                }
                _ => s.date,
            };
            // Its days from the first to `last`: none when `last` comes before it.
            let first = day_number(s.date);
            covered.extend((0..=i64::from(days_between(s.date, last))).map(|k| (first + k, i)));
        }
        let days = DayTable::new(covered, &sessions);
        let away = sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.away)
            .map(|(i, s)| {
                let last = s
                    .last_date
                    .unwrap_or(s.date)
                    .min(add_days(s.date, MAX_SPAN_DAYS - 1));
                (day_number(s.date), day_number(last), i)
            })
            .collect();
        let w = &profile.windows;
        let efforts = sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| is_ultra_effort(s, w.ultra_effort_km, w.ultra_effort_min))
            .map(|(i, s)| {
                let last = s.end.map_or(s.date, |e| e.date()).max(s.date);
                (day_number(s.date), day_number(last), i)
            })
            .collect();
        // Sessions are sorted by date, so the first and last training days are found
        // from either end.
        let is_training = |s: &&Session| s.class != Class::Race;
        let training = sessions.iter().find(is_training).map(|s| s.date).zip(
            sessions
                .iter()
                .filter(is_training)
                .map(|s| s.last_date.unwrap_or(s.date))
                .max(),
        );
        let mut season = Season {
            training,
            away,
            efforts,
            sessions,
            race_days: races
                .iter()
                .map(|r| (day_number(r.date), day_number(r.last_day())))
                .collect(),
            races,
            days,
            weeks: Vec::new(),
            week_phase: Vec::new(),
            first_week: 0,
            profile: profile.clone(),
        };
        season.compute_weeks();
        season
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// A training run of a marathon's length or more, or hours on foot (the profile's
    /// `ultra_effort_km` and `ultra_effort_min`), on the day `k` days after `d`: it is
    /// recovered from like a long race, whatever its title calls it.
    pub fn effort_near(&self, d: Date, k: i32) -> Option<&Session> {
        let n = day_number(d) + i64::from(k);
        self.efforts
            .iter()
            .find(|(first, last, _)| *first <= n && n <= *last)
            .map(|(_, _, i)| &self.sessions[*i])
    }

    /// True when the calendar says the runner is away that day (a holiday, a trip).
    pub fn is_away(&self, d: Date) -> bool {
        self.away_on(d).is_some()
    }

    /// The entry that says the runner is away on `d` ("Holiday in Spain").
    pub fn away_on(&self, d: Date) -> Option<&Session> {
        let n = day_number(d);
        self.away
            .iter()
            .find(|(a, b, _)| *a <= n && n <= *b)
            .map(|(_, _, i)| &self.sessions[*i])
    }

    /// The races with their priorities settled, by date. Read-only: the season keeps
    /// what it derived from them (day numbers, phases).
    pub fn races(&self) -> &[Race] {
        &self.races
    }

    /// First and last dates with anything on them (sessions or races).
    pub fn span(&self) -> Option<(Date, Date)> {
        let first = self.days.first();
        let last = self.days.last();
        let rf = self.races.first().map(|r| r.date);
        let rl = self.races.iter().map(Race::last_day).max();
        let lo = [first, rf].into_iter().flatten().min()?;
        let hi = [last, rl].into_iter().flatten().max()?;
        Some((lo, hi))
    }

    pub fn sessions_on(&self, d: Date) -> impl Iterator<Item = &Session> {
        self.days
            .get(day_number(d))
            .into_iter()
            .flat_map(|day| self.days.sessions(day).iter().map(|&i| &self.sessions[i]))
    }

    /// The hard or long session on this day, if any.
    pub fn quality_on(&self, d: Date) -> Option<&Session> {
        self.quality_at(day_number(d))
    }

    /// The hard or long session `k` days after `d` (before, for a negative `k`).
    pub fn quality_near(&self, d: Date, k: i32) -> Option<&Session> {
        self.quality_at(day_number(d) + i64::from(k))
    }

    fn quality_at(&self, n: i64) -> Option<&Session> {
        let day = self.days.get(n)?;
        day.quality.map(|i| &self.sessions[i])
    }

    pub fn race_on(&self, d: Date) -> Option<&Race> {
        self.races.iter().find(|r| r.covers(d))
    }

    /// The race on the day `k` days after `d` (before, for a negative `k`).
    pub fn race_near(&self, d: Date, k: i32) -> Option<&Race> {
        let n = day_number(d) + i64::from(k);
        self.races_with_days()
            .find(|(_, (first, last))| *first <= n && n <= *last)
            .map(|(r, _)| r)
    }

    /// First and last days the calendar holds training (anything but races): inside
    /// them an empty day is a day off; outside them nothing is known of the runner's days.
    pub fn training_span(&self) -> Option<(Date, Date)> {
        self.training
    }

    /// Whether the calendar says what the runner does on `d` (rest, easy or hard), so a
    /// rest day or the absence of a hard session can be relied on.
    pub fn knows(&self, d: Date) -> bool {
        self.training_span()
            .is_some_and(|(lo, hi)| d >= lo && d <= hi)
    }

    /// A rest day: marked rest, or nothing planned on a day inside the training the
    /// calendar holds. A day the calendar says nothing about is not called a rest day.
    pub fn is_rest(&self, d: Date) -> bool {
        match self.days.get(day_number(d)) {
            None => self.knows(d),
            Some(day) => self
                .days
                .sessions(day)
                .iter()
                .all(|&i| self.sessions[i].class == Class::Rest),
        }
    }

    /// Only easy running, cross-training or strength that day.
    pub fn is_easy(&self, d: Date) -> bool {
        self.days.get(day_number(d)).is_some_and(|day| {
            day.quality.is_none()
                && self
                    .days
                    .sessions(day)
                    .iter()
                    .all(|&i| self.sessions[i].class != Class::Race)
        }) && !self.is_rest(d)
    }

    /// Days since the most recent hard/long session on or before `d` (0 = same day),
    /// looking back at most `limit` days.
    pub fn days_since_quality(&self, d: Date, limit: i32) -> Option<i32> {
        let n = day_number(d);
        (0..=limit).find(|&k| self.quality_at(n - i64::from(k)).is_some())
    }

    /// The nearest A or B race `k` days after `d` with `lo <= k <= hi`.
    pub fn next_ab_race(&self, d: Date, lo: i32, hi: i32) -> Option<&Race> {
        let n = day_number(d);
        self.races_with_days()
            .filter(|(r, _)| r.priority != Priority::C)
            .map(|(r, (first, _))| (r, first - n))
            .filter(|(_, k)| (i64::from(lo)..=i64::from(hi)).contains(k))
            .min_by_key(|(_, k)| *k)
            .map(|(r, _)| r)
    }

    /// The races with their first and last day numbers.
    fn races_with_days(&self) -> impl Iterator<Item = (&Race, (i64, i64))> {
        self.races.iter().zip(self.race_days.iter().copied())
    }

    /// The nearest A or B race `k` days before `d` with `lo <= k <= hi`.
    pub fn prev_ab_race(&self, d: Date, lo: i32, hi: i32) -> Option<&Race> {
        self.races
            .iter()
            .filter(|r| r.priority != Priority::C)
            .filter(|r| (lo..=hi).contains(&days_between(r.last_day(), d)))
            .min_by_key(|r| days_between(r.last_day(), d))
    }

    pub fn taper_days(&self, race: &Race) -> i32 {
        let p = &self.profile.phases;
        match race.distance_km {
            None => p.taper_days_marathon,
            Some(km) if km >= 40.0 => p.taper_days_marathon,
            Some(km) if km >= 20.0 => p.taper_days_half,
            Some(km) if km >= 9.5 => p.taper_days_10k,
            Some(_) => p.taper_days_shorter,
        }
    }

    /// The phase of one day.
    pub fn phase_on(&self, d: Date) -> Phase {
        let p = &self.profile.phases;
        let a_races = || self.races.iter().filter(|r| r.priority == Priority::A);
        if a_races().any(|r| (0..=p.race_week_days).contains(&days_between(d, r.date))) {
            return Phase::RaceWeek;
        }
        if a_races().any(|r| {
            let k = days_between(d, r.date);
            k > p.race_week_days && k <= self.taper_days(r)
        }) {
            return Phase::Taper;
        }
        let rec = p.recovery_weeks as i32 * 7;
        if a_races().any(|r| r.covers(d) && d > r.date) {
            return Phase::RaceWeek;
        }
        if a_races().any(|r| (1..=rec).contains(&days_between(r.last_day(), d))) {
            return Phase::Recovery;
        }
        usize::try_from(week_number(day_number(d)) - self.first_week)
            .ok()
            .and_then(|w| self.week_phase.get(w))
            .copied()
            .unwrap_or(Phase::Base)
    }

    pub fn weeks(&self) -> &[Week] {
        &self.weeks
    }

    fn compute_weeks(&mut self) {
        let Some((lo, hi)) = self.days.first().zip(self.days.last()) else {
            return;
        };
        let mut weeks = Vec::new();
        for w in crate::dates::every(monday_of(lo), hi, 7) {
            let mut week = Week {
                start: w,
                sessions: 0,
                distance_km: 0.0,
                load: 0.0,
                phase: Phase::Base,
            };
            for k in 0..7 {
                if let Some(day) = self.days.get(day_number(w) + k) {
                    for &i in self.days.sessions(day) {
                        let s = &self.sessions[i];
                        if s.class != Class::Rest {
                            week.sessions += 1;
                            if matches!(
                                s.class,
                                Class::Race | Class::Long | Class::Hard | Class::Easy
                            ) {
                                week.distance_km += s.distance_km.unwrap_or(0.0);
                            }
                        }
                    }
                    week.load += day.load;
                }
            }
            weeks.push(week);
        }
        let p = self.profile.phases.clone();
        let loads: Vec<f64> = weeks.iter().map(|w| w.load).collect();
        let mut prev = Phase::Base;
        // Weeks the previous phase has held; the calendar's first phase has no past.
        let mut held = p.min_weeks;
        // The A race the previous week trained for.
        let mut prev_race: Option<Date> = None;
        for (i, week) in weeks.iter_mut().enumerate() {
            let from = i.saturating_sub(p.history_weeks as usize);
            let trailing = &loads[from..i];
            let reference = (trailing.len() >= 3).then(|| median(trailing));
            // The block this week trains for: the next A race.
            let next_a = self
                .races
                .iter()
                .find(|r| r.priority == Priority::A && r.date >= week.start);
            // A calendar that starts partway into a block has no weeks to compare with:
            // a week inside the block before an A race's taper is built on, whatever
            // came before.
            let in_block = next_a.is_some_and(|race| {
                let taper_start = add_days(race.date, -self.taper_days(race));
                week.start < taper_start
                    && days_between(week.start, taper_start) <= p.block_weeks as i32 * 7
            });
            let mut phase = match reference {
                None if in_block && week.load > 0.0 => Phase::Build,
                Some(r) if week.load >= p.build_ratio * r && week.load > 0.0 => Phase::Build,
                // A lighter week inside a build is a cutback week, not a return to base.
                Some(r)
                    if matches!(prev, Phase::Build | Phase::Peak)
                        && r > 0.0
                        && week.load >= 0.75 * r =>
                {
                    Phase::Build
                }
                // Inside a race's block, once building has begun, a light week (a
                // holiday, a cold) is a pause in it, not a return to base.
                _ if in_block && matches!(prev, Phase::Build | Phase::Peak) => Phase::Build,
                _ => Phase::Base,
            };
            if let Some(race) = next_a {
                let taper_start = add_days(race.date, -self.taper_days(race));
                let block_start = add_days(taper_start, -(p.block_weeks as i32 + 6) * 7);
                let block_max = weeks_max(&loads, block_start, taper_start, lo);
                let near = days_between(week.start, taper_start) <= p.peak_weeks as i32 * 7;
                let heavy = (reference.is_some() || in_block)
                    && block_max > 0.0
                    && week.load >= p.peak_share * block_max;
                // Once the block has peaked, a lighter week before the taper is a
                // cutback inside the peak, not a step back to building.
                let peaked = prev == Phase::Peak && prev_race == Some(race.date);
                if near && (heavy || peaked) {
                    phase = Phase::Peak;
                }
            }
            prev_race = next_a.map(|r| r.date);
            // A phase holds for two weeks: one heavy or light week does not change it.
            // Peak comes from the race's calendar, so it is not held back.
            if phase != prev && held < p.min_weeks && phase != Phase::Peak {
                phase = prev;
            }
            if phase == prev {
                held += 1;
            } else {
                held = 1;
            }
            week.phase = phase;
            prev = phase;
        }
        self.week_phase = weeks.iter().map(|w| w.phase).collect();
        self.first_week = week_number(day_number(lo));
        // Weekly phase as shown: the phase of the week's Monday, so taper, race week and
        // recovery (which races define) win over the load phase.
        for week in &mut weeks {
            week.phase = self.phase_on(week.start);
        }
        self.weeks = weeks;
    }
}

/// History and plan on one timeline: what was done replaces what was planned, up to the
/// last recorded day; planned races stay (they carry distance and priority).
pub fn merge(history: Vec<Session>, planned: Vec<Session>) -> Vec<Session> {
    let Some(last_done) = history.iter().map(|s| s.date).max() else {
        return planned;
    };
    let mut out = history;
    for mut s in planned {
        if s.date > last_done {
            out.push(s);
        } else if s.class == Class::Race {
            // The race's effort is already in the recorded activity of that day.
            if out.iter().any(|h| h.date == s.date) {
                s.load = Some(0.0);
            }
            out.push(s);
        }
    }
    out
}

/// The most days one all-day event is read as training on (a month-long camp).
const MAX_SPAN_DAYS: i32 = 31;

/// The heaviest week starting in `[monday_of(from), to)`; `loads[i]` is the week `i`
/// weeks after `first`'s Monday. Reads only the weeks in range, so a calendar spanning
/// centuries (a mistyped year) stays quick.
fn weeks_max(loads: &[f64], from: Date, to: Date, first: Date) -> f64 {
    let first_week = monday_of(first);
    let index = |d: Date| days_between(first_week, d).div_euclid(7);
    let lo = index(monday_of(from)).max(0) as usize;
    // The last week whose start is before `to`.
    let hi = (index(add_days(to, -1)) + 1).clamp(0, loads.len() as i32) as usize;
    loads
        .get(lo..hi.max(lo))
        .unwrap_or(&[])
        .iter()
        .copied()
        .fold(0.0, f64::max)
}

fn median(xs: &[f64]) -> f64 {
    let mut v: Vec<f64> = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The week's long run, whatever its title: an easy-looking run ("Steady run", "Run
/// 2:00") that stands well above the week's other runs in time or distance. The other
/// runs' median is the yardstick, so one long run in a week of short ones is found and a
/// week of equal runs has none.
/// One way to measure a run (its minutes or its kilometres), and the least it takes.
type Measure = (fn(&Session) -> Option<f64>, f64);

fn mark_long_runs(sessions: &mut [Session], p: &crate::profile::Phases) {
    let mut weeks: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        if matches!(s.class, Class::Easy | Class::Long | Class::Hard) {
            weeks
                .entry(week_number(day_number(s.date)))
                .or_default()
                .push(i);
        }
    }
    let measures: [Measure; 2] = [
        (|s| s.duration_min, p.long_run_min_minutes),
        (|s| s.distance_km, p.long_run_min_km),
    ];
    for runs in weeks.values() {
        // The week already has its long run, or has too few runs to tell.
        if runs.len() < 3 || runs.iter().any(|&i| sessions[i].class == Class::Long) {
            continue;
        }
        for (measure, floor) in measures {
            let measured: Vec<(usize, f64)> = runs
                .iter()
                .filter_map(|&i| Some((i, measure(&sessions[i])?)))
                .collect();
            let Some(&(longest, value)) = measured
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            else {
                continue;
            };
            let others: Vec<f64> = measured
                .iter()
                .filter(|(i, _)| *i != longest)
                .map(|(_, v)| *v)
                .collect();
            if others.len() < 2 || sessions[longest].class != Class::Easy {
                continue;
            }
            if value >= floor && value >= p.long_run_ratio * median(&others) {
                sessions[longest].class = Class::Long;
                break;
            }
        }
    }
}

/// Races from the calendar and the command line, merged by date, with priorities
/// settled: explicit first, otherwise the longest race of its block is A, the rest B.
fn settle_races(sessions: &[Session], specs: &[RaceSpec], profile: &Profile) -> Vec<Race> {
    let mut by_date: BTreeMap<Date, (Race, bool)> = BTreeMap::new();
    for s in sessions.iter().filter(|s| s.class == Class::Race) {
        by_date.entry(s.date).or_insert_with(|| {
            (
                Race {
                    date: s.date,
                    name: s.title.to_string(),
                    distance_km: s.distance_km,
                    priority: s.priority_hint.unwrap_or(Priority::B),
                    start: s.start,
                    end: s.last_date,
                    finish: s.end,
                    marked: false,
                },
                s.priority_hint.is_some(),
            )
        });
    }
    for spec in specs {
        let entry = by_date.entry(spec.date).or_insert_with(|| {
            (
                Race {
                    date: spec.date,
                    name: String::new(),
                    distance_km: spec.distance_km,
                    priority: Priority::B,
                    start: None,
                    end: None,
                    finish: None,
                    marked: false,
                },
                false,
            )
        });
        if spec.distance_km.is_some() {
            entry.0.distance_km = spec.distance_km;
        }
        if !spec.name.trim().is_empty() {
            entry.0.name = spec.name.trim().to_string();
        }
        if let Some(p) = spec.priority {
            entry.0.priority = p;
            entry.1 = true;
        }
    }
    let mut races: Vec<(Race, bool)> = by_date.into_values().collect();
    let block = profile.phases.block_weeks as i32 * 7;
    let snapshot: Vec<(Date, f64, bool, Priority)> = races
        .iter()
        .map(|(r, e)| (r.date, r.distance_km.unwrap_or(0.0), *e, r.priority))
        .collect();
    for (race, explicit) in races.iter_mut() {
        if *explicit {
            continue;
        }
        let km = race.distance_km.unwrap_or(0.0);
        // Longest in its block wins; on a tie the later race (the one trained for).
        let beaten = snapshot
            .iter()
            .any(|&(d, other_km, other_explicit, other_p)| {
                d != race.date
                    && days_between(race.date, d).abs() <= block
                    && !(other_explicit && other_p == Priority::C)
                    && (other_km > km + 0.01 || ((other_km - km).abs() <= 0.01 && d > race.date))
            });
        race.priority = if beaten { Priority::B } else { Priority::A };
    }
    races
        .into_iter()
        .map(|(mut r, explicit)| {
            r.marked = explicit;
            r
        })
        .collect()
}

/// Weekday names as the command line takes them.
/// A weekday from its name or a start of it of three letters or more ("tue", "Thurs",
/// "saturday"); anything else ("monkey") is not a weekday.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    let s = s.trim().to_ascii_lowercase();
    NAMES
        .iter()
        .find(|(name, _)| s.len() >= 3 && name.starts_with(s.as_str()))
        .map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn weekdays_by_name_or_a_start_of_it() {
        use jiff::civil::Weekday;
        assert_eq!(super::parse_weekday(" Thurs"), Some(Weekday::Thursday));
        assert_eq!(super::parse_weekday("saturday"), Some(Weekday::Saturday));
        assert_eq!(super::parse_weekday("monkey"), None);
        assert_eq!(super::parse_weekday("mo"), None);
    }

    use super::*;
    use crate::{Entry, classify};
    use jiff::civil::date;

    fn season(entries: &[(Date, &str)]) -> Season {
        let sessions = entries
            .iter()
            .map(|(d, t)| classify(&Entry::new(*d, *t)))
            .collect();
        Season::new(sessions, &[], &Profile::default())
    }

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between(date(2027, 2, 27), date(2027, 3, 2)), 3);
        assert_eq!(days_between(date(2027, 3, 2), date(2027, 2, 27)), -3);
        assert_eq!(days_between(date(2024, 12, 31), date(2025, 1, 1)), 1);
    }

    #[test]
    fn the_longest_race_of_a_block_is_the_a_race() {
        let s = season(&[
            (date(2027, 3, 14), "Half Marathon"),
            (date(2027, 4, 25), "Spring Marathon"),
        ]);
        assert_eq!(s.races[0].priority, Priority::B);
        assert_eq!(s.races[1].priority, Priority::A);
    }

    #[test]
    fn races_far_apart_are_both_goal_races() {
        let s = season(&[
            (date(2027, 4, 25), "Spring Marathon"),
            (date(2027, 10, 10), "Autumn Marathon"),
        ]);
        assert!(s.races.iter().all(|r| r.priority == Priority::A));
    }

    #[test]
    fn a_race_named_by_hand_keeps_its_name() {
        let spec = |name: &str| RaceSpec {
            date: date(2027, 4, 25),
            name: name.into(),
            distance_km: Some(42.195),
            priority: Some(Priority::A),
        };
        let alone = Season::new(Vec::new(), &[spec("City Marathon")], &Profile::default());
        assert_eq!(alone.races[0].name, "City Marathon");
        // Over the calendar's own title, the runner's name wins; an empty one leaves it.
        let sessions = vec![classify(&Entry::new(date(2027, 4, 25), "Race: marathon"))];
        let named = Season::new(
            sessions.clone(),
            &[spec("City Marathon")],
            &Profile::default(),
        );
        assert_eq!(named.races[0].name, "City Marathon");
        let kept = Season::new(sessions, &[spec(" ")], &Profile::default());
        assert_eq!(kept.races[0].name, "Race: marathon");
    }

    #[test]
    fn explicit_priority_wins() {
        let s = season(&[
            (date(2027, 3, 14), "Half Marathon - goal race"),
            (date(2027, 4, 25), "Marathon"),
        ]);
        assert_eq!(s.races[0].priority, Priority::A);
        assert_eq!(s.races[1].priority, Priority::A);
    }

    #[test]
    fn race_week_taper_and_recovery_surround_an_a_race() {
        let s = season(&[(date(2027, 4, 25), "Spring Marathon")]);
        assert_eq!(s.phase_on(date(2027, 4, 25)), Phase::RaceWeek);
        assert_eq!(s.phase_on(date(2027, 4, 18)), Phase::RaceWeek);
        assert_eq!(s.phase_on(date(2027, 4, 17)), Phase::Taper);
        assert_eq!(s.phase_on(date(2027, 4, 4)), Phase::Taper);
        assert_eq!(s.phase_on(date(2027, 4, 3)), Phase::Base);
        assert_eq!(s.phase_on(date(2027, 4, 26)), Phase::Recovery);
        assert_eq!(s.phase_on(date(2027, 5, 23)), Phase::Recovery);
        assert_eq!(s.phase_on(date(2027, 5, 24)), Phase::Base);
    }
}

#[cfg(test)]
mod race_spec_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn races_read_the_same_with_colons_or_spaces() {
        let a = RaceSpec::parse("2027-04-25:marathon:A").unwrap();
        let b = RaceSpec::parse("  2027-04-25  42.195km   a ").unwrap();
        assert_eq!(a.date, date(2027, 4, 25));
        assert_eq!(a.priority, Some(Priority::A));
        assert_eq!(a, b);
        let c = RaceSpec::parse("2027-05-02 half").unwrap();
        assert_eq!(c.priority, None);
        assert!((c.distance_km.unwrap() - 21.0975).abs() < 0.01);
    }

    #[test]
    fn a_race_that_cannot_be_read_says_what_was_expected() {
        let bare = RaceSpec::parse("2027-04-25:26.2").unwrap_err();
        assert!(bare.contains("26.2km") && bare.contains("26.2mi"), "{bare}");
        assert!(
            RaceSpec::parse("2027-04-25")
                .unwrap_err()
                .contains("expected a date, a distance")
        );
        assert!(
            RaceSpec::parse("25/04/2027 marathon")
                .unwrap_err()
                .contains("2027-04-25")
        );
        assert!(
            RaceSpec::parse("2027-04-25 marathon Z")
                .unwrap_err()
                .contains("A, B or C")
        );
        assert!(
            RaceSpec::parse("2300-01-01 marathon").is_err(),
            "outside the calendar"
        );
    }
}
