//! Reading iCalendar (`.ics`): events, recurrences (RRULE/RDATE/EXDATE), overrides
//! (RECURRENCE-ID) and cancellations, turned into [`Entry`] values on the runner's
//! local calendar.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan};
use kneadtime_domain::{Entry, Origin};

use crate::content::{self, Component, Prop};
use crate::recur;
use crate::tz::{EventZone, When, Zones, lookup_zone, system_or_utc, zone_name};
use crate::values::{DateValue, PeriodEnd, parse_date_value, parse_duration, parse_period, quote};
use crate::{Calendar, ImportError};

/// Most instances imported per event (RRULE and RDATE together).
const MAX_INSTANCES: usize = 2_000;
/// Years after DTSTART up to which a rule is expanded.
const HORIZON_YEARS: i64 = 3;

/// Parses iCalendar text. `file` names the source in errors and origins; `tz` is the
/// runner's zone (see the crate docs for the fallback order).
///
/// A calendar without events is not an error: it gives an empty [`Calendar`].
pub fn parse_ics(text: &str, file: &str, tz: Option<&TimeZone>) -> Result<Calendar, ImportError> {
    let text = crate::strip_bom(text);
    let parsed = content::parse(text, file)?;
    let mut warnings = parsed.warnings;

    let mut cal_props: Vec<&Prop> = Vec::new();
    let mut vtimezones: Vec<&Component> = Vec::new();
    let mut vevents: Vec<&Component> = Vec::new();
    for root in &parsed.roots {
        match &*root.name {
            "VCALENDAR" => {
                cal_props.extend(root.props.iter());
                for child in &root.children {
                    match &*child.name {
                        "VTIMEZONE" => vtimezones.push(child),
                        "VEVENT" => vevents.push(child),
                        _ => {}
                    }
                }
            }
            "VEVENT" => vevents.push(root),
            "VTIMEZONE" => vtimezones.push(root),
            _ => {}
        }
    }

    let runner = runner_zone(tz, &cal_props, &vevents, &vtimezones, file, &mut warnings);
    let mut zones = Zones::new(file, &vtimezones);
    let mut events = Vec::with_capacity(vevents.len());
    for comp in &vevents {
        events.push(read_event(comp, file, &mut zones, &runner, &mut warnings)?);
    }

    // Masters (no RECURRENCE-ID) are expanded first; overrides then replace instances.
    let mut groups: Vec<(usize, Vec<Occ>)> = Vec::new();
    let mut master_of_uid: HashMap<&str, Option<usize>> = HashMap::default();
    for (idx, ev) in events.iter().enumerate() {
        if ev.rid.is_some() {
            continue;
        }
        let group = if ev.cancelled {
            None
        } else {
            groups.push((
                idx,
                expand(idx, ev, file, &mut zones, &runner, &mut warnings)?,
            ));
            Some(groups.len() - 1)
        };
        if let Some(uid) = ev.uid {
            master_of_uid.entry(uid).or_insert(group);
        }
    }
    let mut standalone: Vec<Occ> = Vec::new();
    for (idx, ev) in events.iter().enumerate() {
        let Some(rid_prop) = ev.rid else { continue };
        let master = ev.uid.and_then(|uid| master_of_uid.get(uid).copied());
        let own = || Occ {
            when: ev.start_when,
            wall: ev.wall(),
            duration: ev.duration,
            src: idx,
        };
        match master {
            // The whole series was cancelled.
            Some(None) => {}
            Some(Some(g)) => {
                let master_ev = groups.get(g).and_then(|(m, _)| events.get(*m));
                let master_zone = master_ev.map_or(EventZone::Floating, |m| m.zone.clone());
                let mut ex = ExSet::default();
                for v in rid_prop.value.split(',') {
                    let key = key_of(v, rid_prop, &master_zone, &mut zones, &mut warnings)
                        .map_err(|e| ImportError::new(file, Some(rid_prop.line), e))?;
                    ex.add(key);
                }
                if let Some((_, occs)) = groups.get_mut(g) {
                    if let Some(pos) = occs.iter().position(|o| ex.contains(o)) {
                        occs.remove(pos);
                    }
                    if !ev.cancelled {
                        occs.push(own());
                    }
                }
            }
            None => {
                if !ev.cancelled {
                    standalone.push(own());
                }
            }
        }
    }

    // One copy of the file's name, shared by every entry.
    let origin_file: std::sync::Arc<str> = file.into();
    // Every instance's local date and start, sorted by date, start and line while they
    // are small; the entries are then made in that order.
    let mut placed: Vec<(Date, Option<DateTime>, usize, Occ)> = groups
        .into_iter()
        .flat_map(|(_, occs)| occs)
        .chain(standalone)
        .filter_map(|occ| {
            let ev = events.get(occ.src)?;
            let (date, start) = local_start(occ.when, &runner);
            Some((date, start, ev.comp.line, occ))
        })
        .collect();
    if let Some((date, _, line, occ)) = placed
        .iter()
        .find(|(date, ..)| !kneadtime_domain::dates::accepted(*date))
    {
        let title = events.get(occ.src).map_or("", |ev| &ev.title);
        return Err(ImportError::new(
            file,
            Some(*line),
            format!(
                "the event {} falls on {date}: expected dates between {} and {}",
                quote(title),
                kneadtime_domain::dates::EARLIEST,
                kneadtime_domain::dates::LATEST
            ),
        ));
    }
    placed.sort_by_key(|(date, start, line, _)| (*date, *start, *line));
    let entries: Vec<Entry> = placed
        .iter()
        .filter_map(|(date, start, _, occ)| {
            let ev = events.get(occ.src)?;
            Some(to_entry(occ, (*date, *start), ev, &origin_file, &runner))
        })
        .collect();
    Ok(Calendar {
        entries,
        zone: zone_name(&runner),
        warnings,
    })
}

/// The runner's zone: the argument, else X-WR-TIMEZONE, else the most common IANA TZID,
/// else the system zone, else UTC.
fn runner_zone(
    tz: Option<&TimeZone>,
    cal_props: &[&Prop],
    vevents: &[&Component],
    vtimezones: &[&Component],
    file: &str,
    warnings: &mut Vec<String>,
) -> TimeZone {
    if let Some(tz) = tz {
        return tz.clone();
    }
    if let Some(p) = cal_props.iter().find(|p| p.name == "X-WR-TIMEZONE") {
        match lookup_zone(&p.value) {
            Some(tz) => return tz,
            None => warnings.push(format!(
                "{file}:{}: X-WR-TIMEZONE {} is not a known time zone; ignored it",
                p.line,
                quote(&p.value)
            )),
        }
    }
    let tzids = vevents
        .iter()
        .filter_map(|e| e.prop("DTSTART"))
        .filter_map(|p| p.param("TZID"))
        .chain(
            vtimezones
                .iter()
                .filter_map(|v| v.prop("TZID"))
                .map(|p| p.value.as_ref()),
        );
    let mut resolved: HashMap<&str, Option<TimeZone>> = HashMap::default();
    let mut counts: Vec<(String, usize, TimeZone)> = Vec::new();
    for id in tzids {
        let Some(tz) = resolved
            .entry(id)
            .or_insert_with(|| lookup_zone(id))
            .clone()
        else {
            continue;
        };
        let name = zone_name(&tz);
        match counts.iter_mut().find(|c| c.0 == name) {
            Some(c) => c.1 += 1,
            None => counts.push((name, 1, tz)),
        }
    }
    let mut best: Option<&(String, usize, TimeZone)> = None;
    for c in &counts {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    match best {
        Some((_, _, tz)) => tz.clone(),
        None => system_or_utc(),
    }
}

/// How an event starts: a whole day or a wall-clock time in its zone.
#[derive(Debug, Clone, Copy)]
enum Start {
    Day(Date),
    Wall(DateTime),
}

/// One VEVENT as read from the file.
struct Event<'a> {
    comp: &'a Component<'a>,
    uid: Option<&'a str>,
    title: std::sync::Arc<str>,
    description: std::sync::Arc<str>,
    cancelled: bool,
    zone: EventZone,
    start: Start,
    start_when: When,
    /// Seconds, for timed events.
    duration: Option<i64>,
    /// Seconds a coaching app says the workout takes (`X-WORKOUT-ESTIMATED-DURATION`).
    estimated: Option<i64>,
    rid: Option<&'a Prop<'a>>,
}

impl Event<'_> {
    fn wall(&self) -> Option<DateTime> {
        match self.start {
            Start::Day(_) => None,
            Start::Wall(w) => Some(w),
        }
    }
}

/// One instance of an event.
#[derive(Debug, Clone, Copy)]
struct Occ {
    when: When,
    /// Wall-clock start in the event's zone, for timed instances.
    wall: Option<DateTime>,
    duration: Option<i64>,
    /// Index of the event that supplies title, description and origin.
    src: usize,
}

impl Occ {
    /// Rough order of instances, for capping.
    fn approx(&self) -> DateTime {
        match self.when {
            When::Day(d) => d.to_datetime(Time::midnight()),
            When::At(ts) => self.wall.unwrap_or_else(|| Offset::UTC.to_datetime(ts)),
            When::Floating(w) => w,
        }
    }
}

fn read_event<'a>(
    comp: &'a Component,
    file: &str,
    zones: &mut Zones<'_>,
    runner: &TimeZone,
    warnings: &mut Vec<String>,
) -> Result<Event<'a>, ImportError> {
    let err = |line: usize, msg: String| ImportError::new(file, Some(line), msg);
    let text =
        |name: &str| -> std::sync::Arc<str> { comp.prop(name).map_or("", |p| &p.value).into() };
    let Some(dtstart) = comp.prop("DTSTART") else {
        return Err(err(
            comp.line,
            format!(
                "expected a DTSTART property in the VEVENT on lines {}-{}, found none",
                comp.line, comp.end_line
            ),
        ));
    };
    let value = parse_date_value(&dtstart.value)
        .map_err(|e| err(dtstart.line, format!("{e} (DTSTART)")))?;
    let value_is_date = dtstart
        .param("VALUE")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("DATE"));
    let out_of_range = |dt: DateTime| {
        err(
            dtstart.line,
            format!("expected a date the calendar can place in time, found {dt} (DTSTART)"),
        )
    };
    let (start, zone, start_when) = match value {
        DateValue::Date(d) => (Start::Day(d), EventZone::Floating, When::Day(d)),
        DateValue::DateTime { dt, .. } if value_is_date => (
            Start::Day(dt.date()),
            EventZone::Floating,
            When::Day(dt.date()),
        ),
        DateValue::DateTime { dt, utc } => {
            let zone = if utc {
                EventZone::Known(TimeZone::UTC)
            } else {
                match dtstart.param("TZID") {
                    Some(id) => zones.resolve(id, dtstart.line, warnings),
                    None => EventZone::Floating,
                }
            };
            let when = zone.place(dt).ok_or_else(|| out_of_range(dt))?;
            (Start::Wall(dt), zone, when)
        }
    };

    let title = text("SUMMARY");
    let duration = match start {
        // An all-day event lasts whole days: DTEND is the day after its last one.
        Start::Day(first) => {
            if let Some(p) = comp.prop("DURATION") {
                let secs =
                    parse_duration(&p.value).map_err(|e| err(p.line, format!("{e} (DURATION)")))?;
                nonnegative(secs, p.line, file, warnings)
            } else if let Some(p) = comp.prop("DTEND") {
                match parse_date_value(&p.value).map_err(|e| err(p.line, format!("{e} (DTEND)")))? {
                    DateValue::Date(end) => first
                        .until(end)
                        .ok()
                        .map(|s| i64::from(s.get_days()) * 86_400)
                        .and_then(|secs| nonnegative(secs, p.line, file, warnings)),
                    DateValue::DateTime { .. } => None,
                }
            } else {
                None
            }
        }
        Start::Wall(_) => {
            if let Some(p) = comp.prop("DURATION") {
                let secs =
                    parse_duration(&p.value).map_err(|e| err(p.line, format!("{e} (DURATION)")))?;
                nonnegative(secs, p.line, file, warnings)
            } else if let Some(p) = comp.prop("DTEND") {
                match parse_date_value(&p.value).map_err(|e| err(p.line, format!("{e} (DTEND)")))? {
                    DateValue::Date(_) => None,
                    DateValue::DateTime { dt, utc } => {
                        let end_zone = if utc {
                            EventZone::Known(TimeZone::UTC)
                        } else {
                            match p.param("TZID") {
                                Some(id) => zones.resolve(id, p.line, warnings),
                                None => zone.clone(),
                            }
                        };
                        end_zone
                            .place(dt)
                            .and_then(|end| seconds_between(start_when, end, runner))
                            .and_then(|secs| nonnegative(secs, p.line, file, warnings))
                    }
                }
            } else {
                None
            }
        }
    };
    let cancelled = comp.prop("STATUS").is_some_and(|p| {
        let s = p.value.trim();
        s.eq_ignore_ascii_case("CANCELLED") || s.eq_ignore_ascii_case("CANCELED")
    });
    Ok(Event {
        comp,
        uid: comp
            .prop("UID")
            .map(|p| p.value.trim())
            .filter(|u| !u.is_empty()),
        title,
        description: text("DESCRIPTION"),
        cancelled,
        zone,
        start,
        start_when,
        duration,
        estimated: comp
            .prop("X-WORKOUT-ESTIMATED-DURATION")
            .and_then(|p| {
                p.value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .or_else(|| parse_duration(&p.value).ok())
            })
            .filter(|s| (1..=48 * 3600).contains(s)),
        rid: comp.prop("RECURRENCE-ID"),
    })
}

fn nonnegative(secs: i64, line: usize, file: &str, warnings: &mut Vec<String>) -> Option<i64> {
    if secs < 0 {
        warnings.push(format!(
            "{file}:{line}: the event ends before it starts; its duration was left out"
        ));
        None
    } else {
        Some(secs)
    }
}

fn instant(when: When, runner: &TimeZone) -> Option<Timestamp> {
    match when {
        When::At(ts) => Some(ts),
        When::Floating(w) => runner.to_ambiguous_timestamp(w).compatible().ok(),
        When::Day(_) => None,
    }
}

fn seconds_between(a: When, b: When, runner: &TimeZone) -> Option<i64> {
    if let (When::Floating(x), When::Floating(y)) = (a, b) {
        return Some(y.duration_since(x).as_secs());
    }
    Some(
        instant(b, runner)?
            .duration_since(instant(a, runner)?)
            .as_secs(),
    )
}

/// What an EXDATE, RDATE or RECURRENCE-ID value designates.
#[derive(Debug, Clone, Copy)]
enum Key {
    Day(Date),
    At { ts: Timestamp, civil: DateTime },
    Wall(DateTime),
}

/// Reads one value of an EXDATE / RDATE / RECURRENCE-ID property. A value without TZID
/// or `Z` is read in the master's zone.
fn key_of(
    value: &str,
    prop: &Prop,
    master_zone: &EventZone,
    zones: &mut Zones<'_>,
    warnings: &mut Vec<String>,
) -> Result<Key, String> {
    let v = parse_date_value(value).map_err(|e| format!("{e} ({})", prop.name))?;
    key_of_value(v, prop, master_zone, zones, warnings)
}

/// [`key_of`] for a value already read (also the start or end of a PERIOD).
fn key_of_value(
    v: DateValue,
    prop: &Prop,
    master_zone: &EventZone,
    zones: &mut Zones<'_>,
    warnings: &mut Vec<String>,
) -> Result<Key, String> {
    let is_date = prop
        .param("VALUE")
        .is_some_and(|x| x.trim().eq_ignore_ascii_case("DATE"));
    Ok(match v {
        DateValue::Date(d) => Key::Day(d),
        DateValue::DateTime { dt, .. } if is_date => Key::Day(dt.date()),
        DateValue::DateTime { dt, utc: true } => Key::At {
            ts: Offset::UTC.to_timestamp(dt).map_err(|_| {
                format!("expected a date the calendar can place in time, found {dt}")
            })?,
            civil: dt,
        },
        DateValue::DateTime { dt, utc: false } => {
            let zone = match prop.param("TZID") {
                Some(id) => zones.resolve(id, prop.line, warnings),
                None => master_zone.clone(),
            };
            match zone.place(dt) {
                Some(When::At(ts)) => Key::At { ts, civil: dt },
                _ => Key::Wall(dt),
            }
        }
    })
}

/// A set of keys an instance can be matched against (EXDATEs, a RECURRENCE-ID).
#[derive(Default)]
struct ExSet {
    days: HashSet<Date>,
    ats: HashSet<Timestamp>,
    walls: HashSet<DateTime>,
    /// Dates and times as written, for all-day and floating instances.
    civil_days: HashSet<Date>,
    at_civils: HashSet<DateTime>,
}

impl ExSet {
    fn is_empty(&self) -> bool {
        self.days.is_empty() && self.ats.is_empty() && self.walls.is_empty()
    }

    fn add(&mut self, key: Key) {
        match key {
            Key::Day(d) => {
                self.days.insert(d);
            }
            Key::At { ts, civil } => {
                self.ats.insert(ts);
                self.civil_days.insert(civil.date());
                self.at_civils.insert(civil);
            }
            Key::Wall(w) => {
                self.walls.insert(w);
                self.civil_days.insert(w.date());
            }
        }
    }

    fn contains(&self, occ: &Occ) -> bool {
        match occ.when {
            When::Day(d) => self.days.contains(&d) || self.civil_days.contains(&d),
            When::At(ts) => {
                self.ats.contains(&ts)
                    || occ
                        .wall
                        .is_some_and(|w| self.walls.contains(&w) || self.days.contains(&w.date()))
            }
            When::Floating(w) => {
                self.walls.contains(&w)
                    || self.at_civils.contains(&w)
                    || self.days.contains(&w.date())
            }
        }
    }
}

/// The instances of a master event: DTSTART, RRULE and RDATE, minus EXDATE.
fn expand(
    idx: usize,
    ev: &Event<'_>,
    file: &str,
    zones: &mut Zones<'_>,
    runner: &TimeZone,
    warnings: &mut Vec<String>,
) -> Result<Vec<Occ>, ImportError> {
    let err = |line: usize, msg: String| ImportError::new(file, Some(line), msg);
    let all_day = matches!(ev.start, Start::Day(_));
    let mut occs = vec![Occ {
        when: ev.start_when,
        wall: ev.wall(),
        duration: ev.duration,
        src: idx,
    }];
    // Filled on the first repeat, so an event that does not repeat allocates nothing.
    let mut seen: HashSet<When> = HashSet::default();
    let mut capped = false;
    // Last wall-clock instance a capped rule produced, for the warning.
    let mut capped_at: Option<DateTime> = None;
    let mut push = |occs: &mut Vec<Occ>, occ: Occ| {
        if seen.is_empty() {
            seen.extend(occs.iter().map(|o| o.when));
        }
        if seen.insert(occ.when) {
            occs.push(occ);
        }
    };

    let base = match ev.start {
        Start::Day(d) => d.to_datetime(Time::midnight()),
        Start::Wall(w) => w,
    };
    for rule in ev.comp.props("RRULE") {
        // A second RRULE is only expanded while there is room left.
        if occs.len() >= MAX_INSTANCES {
            capped = true;
            break;
        }
        let horizon = base
            .checked_add(HORIZON_YEARS.years())
            .unwrap_or(DateTime::MAX);
        let until_wall = |v: DateValue| -> Option<DateTime> {
            match (ev.start, v) {
                // All-day: the date as written; a midnight instance that day is included.
                (Start::Day(_), v) => Some(v.civil()),
                (Start::Wall(_), DateValue::Date(d)) => Some(d.at(23, 59, 59, 0)),
                (Start::Wall(_), DateValue::DateTime { dt, utc: false }) => Some(dt),
                (Start::Wall(_), DateValue::DateTime { dt, utc: true }) => {
                    let ts = Offset::UTC.to_timestamp(dt).ok()?;
                    ev.zone.wall_of(ts, runner)
                }
            }
        };
        let exp = recur::expand_wall(&rule.value, base, &until_wall, horizon, MAX_INSTANCES)
            .map_err(|e| err(rule.line, e))?;
        if exp.capped {
            capped = true;
            capped_at = capped_at.max(exp.starts.last().copied());
        }
        for wall in exp.starts {
            let when = if all_day {
                Some(When::Day(wall.date()))
            } else {
                ev.zone.place(wall)
            };
            if let Some(when) = when {
                push(
                    &mut occs,
                    Occ {
                        when,
                        wall: (!all_day).then_some(wall),
                        duration: ev.duration,
                        src: idx,
                    },
                );
            }
        }
    }

    for rdate in ev.comp.props("RDATE") {
        let period = rdate
            .param("VALUE")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("PERIOD"));
        for value in rdate.value.split(',') {
            if occs.len() >= MAX_INSTANCES {
                capped = true;
                break;
            }
            let (start_text, end) = if period || value.contains('/') {
                let (s, e) =
                    parse_period(value).map_err(|e| err(rdate.line, format!("{e} (RDATE)")))?;
                (Some(s), Some(e))
            } else {
                (None, None)
            };
            let key = match start_text {
                Some(s) => key_of_value(s, rdate, &ev.zone, zones, warnings),
                None => key_of(value, rdate, &ev.zone, zones, warnings),
            }
            .map_err(|e| err(rdate.line, e))?;
            let (when, wall) = match (key, all_day) {
                (Key::Day(d), _) => (When::Day(d), None),
                (Key::At { civil, .. }, true) | (Key::Wall(civil), true) => {
                    (When::Day(civil.date()), None)
                }
                (Key::At { ts, .. }, false) => (When::At(ts), ev.zone.wall_of(ts, runner)),
                (Key::Wall(w), false) => (When::Floating(w), Some(w)),
            };
            let duration = match (end, when) {
                (_, When::Day(_)) => None,
                (Some(PeriodEnd::Duration(secs)), _) => {
                    nonnegative(secs, rdate.line, file, warnings)
                }
                (Some(PeriodEnd::End(e)), _) => key_of_value(e, rdate, &ev.zone, zones, warnings)
                    .ok()
                    .and_then(|k| match k {
                        Key::At { ts, .. } => Some(When::At(ts)),
                        Key::Wall(w) => Some(When::Floating(w)),
                        Key::Day(_) => None,
                    })
                    .and_then(|end| seconds_between(when, end, runner))
                    .and_then(|secs| nonnegative(secs, rdate.line, file, warnings)),
                (None, _) => ev.duration,
            };
            push(
                &mut occs,
                Occ {
                    when,
                    wall,
                    duration,
                    src: idx,
                },
            );
        }
    }

    let mut ex = ExSet::default();
    for exdate in ev.comp.props("EXDATE") {
        for value in exdate.value.split(',') {
            let key = key_of(value, exdate, &ev.zone, zones, warnings)
                .map_err(|e| err(exdate.line, e))?;
            ex.add(key);
        }
    }
    if !ex.is_empty() {
        occs.retain(|o| !ex.contains(o));
    }

    if occs.len() > MAX_INSTANCES {
        occs.sort_by_key(Occ::approx);
        occs.truncate(MAX_INSTANCES);
        capped = true;
    }
    if capped {
        let last = capped_at
            .or_else(|| occs.iter().map(Occ::approx).max())
            .map(|d| d.date().to_string())
            .unwrap_or_default();
        warnings.push(format!(
            "{file}:{}: the repeating event {} was imported only up to {last}: at most \
             {HORIZON_YEARS} years after its start and {MAX_INSTANCES} instances are read",
            ev.comp.line,
            quote(&ev.title)
        ));
    }
    Ok(occs)
}

/// The local date an instance falls on, and its local start when it has a time.
fn local_start(when: When, runner: &TimeZone) -> (Date, Option<DateTime>) {
    match when {
        When::Day(d) => (d, None),
        When::At(ts) => {
            let dt = runner.to_datetime(ts);
            (dt.date(), Some(dt))
        }
        When::Floating(w) => (w.date(), Some(w)),
    }
}

fn to_entry(
    occ: &Occ,
    (date, start): (Date, Option<DateTime>),
    ev: &Event<'_>,
    file: &std::sync::Arc<str>,
    runner: &TimeZone,
) -> Entry {
    // What it covers: whole days for an all-day event, up to the end for a timed one
    // (an end at midnight does not reach into the next day). At most a year.
    let secs = occ.duration.filter(|s| *s > 0).map(|s| s.min(366 * 86_400));
    let end = match (occ.when, secs) {
        (When::At(ts), Some(s)) => ts
            .checked_add(jiff::SignedDuration::from_secs(s))
            .ok()
            .map(|t| runner.to_datetime(t)),
        (When::Floating(w), Some(s)) => w.checked_add(jiff::SignedDuration::from_secs(s)).ok(),
        _ => None,
    };
    let last_date = match (start, end, secs) {
        (None, _, Some(s)) if s > 86_400 => date
            .checked_add(jiff::Span::new().days((s - 1) / 86_400))
            .ok(),
        (Some(_), Some(e), _) => e
            .checked_sub(jiff::Span::new().seconds(1))
            .ok()
            .map(|x| x.date()),
        _ => None,
    }
    .filter(|d| *d > date);
    Entry {
        date,
        start,
        duration_min: start
            .and(occ.duration)
            .or(ev.estimated)
            .map(|secs| secs as f64 / 60.0),
        last_date,
        end,
        distance_km: None,
        title: ev.title.clone(),
        description: ev.description.clone(),
        kind_hint: None,
        origin: Origin {
            file: file.clone(),
            line: Some(ev.comp.line),
        },
    }
}
