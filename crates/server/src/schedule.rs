//! Time in the clinic's zone and slot search: when each therapist works (DST included),
//! what is free, and how well each free slot fits the client's training — the fit comes
//! from the domain's `day_fit`, never from rules computed here.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use kneadtime_domain::next::next;
use kneadtime_domain::season::add_days;
use kneadtime_domain::{
    DayFit, Finding, Kind, PlanRequest, Profile, RaceSpec, Season, Wanted, day_fit,
};
use kneadtime_store::{
    Client, Service, ServiceKind, Status, Therapist, TherapistException, WorkingHours, cells,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiQuery, ApiResult};

/// Slots start on this grid (minutes past the hour, in absolute time).
pub const STEP_SECS: i64 = 15 * 60;
/// How far ahead slot search looks by default, and at most.
const DEFAULT_DAYS: i64 = 21;
const MAX_DAYS: i64 = 92;

/// The clinic's zone; UTC when the stored name is unknown.
pub fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// An instant as RFC 3339 with the clinic's offset, e.g. `2027-04-27T10:00:00+01:00`.
pub fn show(ts: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(ts) {
        Ok(t) => {
            let z = t.to_zoned(tz.clone());
            t.display_with_offset(z.offset()).to_string()
        }
        Err(_) => ts.to_string(),
    }
}

pub fn local_date(ts: i64, tz: &TimeZone) -> Date {
    Timestamp::from_second(ts)
        .map(|t| t.to_zoned(tz.clone()).date())
        .unwrap_or_default()
}

pub fn local_datetime(ts: i64, tz: &TimeZone) -> DateTime {
    Timestamp::from_second(ts)
        .map(|t| t.to_zoned(tz.clone()).datetime())
        .unwrap_or_default()
}

/// Reads an instant: RFC 3339 with an offset (`2027-04-27T10:00:00+01:00`, `…Z`), or a
/// wall-clock time in the clinic's zone (`2027-04-27T10:00`). A wall-clock time that
/// does not exist (clocks going forward) or happens twice (going back) is refused.
pub fn parse_instant(field: &str, s: &str, tz: &TimeZone) -> ApiResult<i64> {
    let ts = wall_or_instant(field, s, tz)?;
    let date = local_date(ts, tz);
    kneadtime_domain::dates::check(field, date)
        .map_err(|e| ApiError::field(field, e.to_string()))?;
    Ok(ts)
}

fn wall_or_instant(field: &str, s: &str, tz: &TimeZone) -> ApiResult<i64> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t.as_second());
    }
    let dt: DateTime = s.parse().map_err(|_| {
        ApiError::field(
            field,
            format!(
                "expected a time like 2027-04-27T10:00 or 2027-04-27T10:00:00+01:00, found {s:?}"
            ),
        )
    })?;
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => amb
            .compatible()
            .map(|t| t.as_second())
            .map_err(|_| ApiError::field(field, "time out of range")),
        AmbiguousOffset::Gap { .. } => Err(ApiError::field(
            field,
            format!(
                "{dt} does not exist in {} (the clocks go forward then)",
                tz.iana_name().unwrap_or("the clinic's zone")
            ),
        )),
        AmbiguousOffset::Fold { before, after } => Err(ApiError::field(
            field,
            format!(
                "{dt} happens twice in {} (the clocks go back); add the offset, {before} or {after}",
                tz.iana_name().unwrap_or("the clinic's zone")
            ),
        )),
    }
}

/// A date in the accepted calendar (see `kneadtime_domain::dates`).
pub fn parse_date(field: &str, s: &str) -> ApiResult<Date> {
    let d: Date = s.trim().parse().map_err(|_| {
        ApiError::field(
            field,
            format!("expected a date like 2027-04-25, found {s:?}"),
        )
    })?;
    kneadtime_domain::dates::check(field, d).map_err(|e| ApiError::field(field, e.to_string()))
}

/// The absolute spans a therapist works on a local date. Each span runs from the
/// wall-clock start to the wall-clock end as real time: on the day the clocks go
/// forward a 00:00–04:00 span is three hours long, on the day they go back five.
pub fn spans_on(date: Date, hours: &[WorkingHours], tz: &TimeZone) -> Vec<(i64, i64)> {
    let wd = i64::from(date.weekday().to_monday_zero_offset());
    let at = |minute: i64| -> Option<i64> {
        let (d, m) = if minute >= 1440 {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minute)
        };
        let dt = d.at((m / 60) as i8, (m % 60) as i8, 0, 0);
        tz.to_ambiguous_timestamp(dt)
            .compatible()
            .ok()
            .map(|t| t.as_second())
    };
    hours
        .iter()
        .filter(|h| h.weekday == wd)
        .filter_map(|h| Some((at(h.start_minute)?, at(h.end_minute)?)))
        .filter(|(a, b)| b > a)
        .collect()
}

fn off_on(date: Date, exceptions: &[TherapistException]) -> bool {
    let d = date.to_string();
    exceptions
        .iter()
        .any(|e| e.from_date <= d && d <= e.to_date)
}

/// What is known about a client for judging slots.
pub struct ClientContext {
    pub client: Client,
    /// The clinic as read with the client (zone, profile, booking limits).
    pub clinic: kneadtime_store::Clinic,
    pub season: std::sync::Arc<Season>,
    pub tz: TimeZone,
    /// Local dates of the client's other massages (booked or done), by appointment id.
    pub massages: Vec<(String, Date)>,
    /// The client's booked appointments: id, start and end (no buffer).
    pub booked: Vec<(String, i64, i64)>,
    pub warnings: Vec<String>,
}

impl ClientContext {
    /// Whether the client is booked during any of `[start, end)`, leaving out the
    /// appointment being moved.
    pub fn busy_during(&self, start: i64, end: i64, except: Option<&str>) -> bool {
        self.booked
            .iter()
            .any(|(id, a, b)| Some(id.as_str()) != except && *a < end && start < *b)
    }

    /// Local dates that already hold one of the client's booked massages.
    pub fn booked_dates(&self, except: Option<&str>) -> HashSet<Date> {
        self.booked
            .iter()
            .filter(|(id, _, _)| Some(id.as_str()) != except)
            .map(|(_, a, _)| local_date(*a, &self.tz))
            .collect()
    }

    pub fn previous(&self, except: Option<&str>) -> Vec<Date> {
        self.massages
            .iter()
            .filter(|(id, _)| Some(id.as_str()) != except)
            .map(|(_, d)| *d)
            .collect()
    }
}

/// The clinic's rules profile: its TOML, or the defaults when it has none.
pub fn clinic_profile(toml_text: &str) -> Result<Profile, String> {
    if toml_text.trim().is_empty() {
        Ok(Profile::default())
    } else {
        Profile::from_toml(toml_text).map_err(|e| match e.line {
            Some(l) => format!("line {l}: {}", e.message),
            None => e.message,
        })
    }
}

/// Builds the client's season from their stored calendars and races, in the clinic's
/// zone and under the clinic's profile.
pub async fn client_context(state: &AppState, client_id: &str) -> ApiResult<ClientContext> {
    let now = state.now();
    // Independent reads, side by side on the pool.
    let (client, clinic, heads, races, appointments) = tokio::try_join!(
        state.store.client(client_id),
        state.store.clinic(),
        state.store.calendar_heads(client_id),
        state.store.races(client_id),
        // Massages that matter for judging a day: a season back, a year ahead.
        state.store.appointments_for_client_between(
            client_id,
            now - 180 * 86_400,
            now + 400 * 86_400
        ),
    )
    .map_err(|e| match e {
        kneadtime_store::StoreError::NotFound => ApiError::not_found("client"),
        e => e.into(),
    })?;
    let tz = zone_of(&clinic.time_zone);
    let profile = clinic_profile(&clinic.profile_toml).map_err(|e| {
        ApiError::unprocessable(
            "bad_profile",
            format!("the clinic's rules profile cannot be read: {e}"),
        )
    })?;
    let zone = tz.iana_name().unwrap_or("UTC").to_string();
    let mut parsed_all = Vec::new();
    for (id, filename) in heads {
        let parsed = match state.calendars.get(&id, &zone) {
            Some(p) => p,
            None => {
                let content = state.store.calendar_content(&id).await?;
                let tz = tz.clone();
                let p = std::sync::Arc::new(
                    crate::cpu(move || parse_stored(&filename, &content, &tz)).await?,
                );
                state.calendars.put(&id, &zone, p.clone());
                p
            }
        };
        parsed_all.push(parsed);
    }
    let (season, warnings) = crate::cpu(move || season_of(&parsed_all, &races, &profile)).await?;
    let booked = appointments
        .iter()
        .filter(|a| a.status == Status::Booked)
        .map(|a| (a.id.clone(), a.start_at, a.end_at))
        .collect();
    let massages = appointments
        .into_iter()
        .filter(|a| matches!(a.status, Status::Booked | Status::Completed))
        .map(|a| (a.id, local_date(a.start_at, &tz)))
        .collect();
    Ok(ClientContext {
        client,
        clinic,
        season: std::sync::Arc::new(season),
        tz,
        massages,
        booked,
        warnings,
    })
}

/// The season of a client's stored calendars and races.
fn season_of(
    parsed_all: &[std::sync::Arc<Parsed>],
    races: &[kneadtime_store::ClientRace],
    profile: &Profile,
) -> (Season, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut history: Vec<kneadtime_domain::Session> = Vec::new();
    for parsed in parsed_all {
        entries.extend(parsed.entries.iter().cloned());
        history.extend(parsed.history.iter().cloned());
        warnings.extend(parsed.warnings.iter().cloned());
    }
    // The same activity uploaded twice counts once.
    history.sort_by(|a, b| (a.date, a.start, &a.title).cmp(&(b.date, b.start, &b.title)));
    history.dedup_by(|a, b| a.date == b.date && a.start == b.start && a.title == b.title);
    let planned: Vec<kneadtime_domain::Session> = kneadtime_domain::classify_all(&entries);
    let sessions = kneadtime_domain::load::merge(history, planned);
    let specs: Vec<RaceSpec> = races
        .iter()
        .filter_map(|r| {
            // A race stored before dates were bounded is left out rather than planned.
            let date = r
                .date
                .parse()
                .ok()
                .filter(|d| kneadtime_domain::dates::accepted(*d))?;
            Some(RaceSpec {
                date,
                distance_km: Some(r.distance_km),
                priority: Some(r.priority),
            })
        })
        .collect();
    (Season::new(sessions, &specs, profile), warnings)
}

/// Stored recorded sessions (from watch files) end in this, beside the training calendars.
pub const HISTORY_SUFFIX: &str = ".history.json";

/// A stored calendar, read: planned entries, or recorded sessions, and what to tell.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<kneadtime_domain::Entry>,
    pub history: Vec<kneadtime_domain::Session>,
    pub warnings: Vec<String>,
}

fn parse_stored(filename: &str, content: &str, tz: &TimeZone) -> Parsed {
    if filename.ends_with(HISTORY_SUFFIX) {
        return match serde_json::from_str(content) {
            Ok(history) => Parsed {
                history,
                ..Parsed::default()
            },
            Err(e) => Parsed {
                warnings: vec![format!(
                    "{filename}: stored sessions could not be read: {e}"
                )],
                ..Parsed::default()
            },
        };
    }
    match parse_calendar(filename, content, tz) {
        Ok(c) => Parsed {
            entries: c.entries,
            warnings: c
                .warnings
                .into_iter()
                .map(|w| format!("{filename}: {w}"))
                .collect(),
            ..Parsed::default()
        },
        Err(e) => Parsed {
            warnings: vec![e.to_string()],
            ..Parsed::default()
        },
    }
}

/// Stored calendars never change once uploaded, so each is read once per zone and kept
/// (a bounded map; cleared when full).
#[derive(Default)]
pub struct CalendarCache(std::sync::Mutex<HashMap<(String, String), std::sync::Arc<Parsed>>>);

const CACHE_MAX: usize = 4096;

impl CalendarCache {
    fn get(&self, id: &str, zone: &str) -> Option<std::sync::Arc<Parsed>> {
        self.0
            .lock()
            .ok()?
            .get(&(id.to_string(), zone.to_string()))
            .cloned()
    }

    fn put(&self, id: &str, zone: &str, p: std::sync::Arc<Parsed>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert((id.to_string(), zone.to_string()), p);
        }
    }
}

/// Parses a stored or uploaded calendar by its file name's extension.
pub fn parse_calendar(
    filename: &str,
    content: &str,
    tz: &TimeZone,
) -> Result<kneadtime_import::Calendar, kneadtime_import::ImportError> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        kneadtime_import::parse_csv(content, filename, Some(tz))
    } else {
        kneadtime_import::parse_ics(content, filename, Some(tz))
    }
}

/// What a service asks of the domain.
pub fn wanted(service: &Service) -> Wanted {
    Wanted {
        kind: match service.kind {
            ServiceKind::Massage(k) => Some(k),
            ServiceKind::General => None,
        },
        pressure_min: service.pressure_min,
        pressure_max: service.pressure_max,
    }
}

/// One bookable slot with its fit.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub therapist_id: String,
    pub therapist_name: String,
    pub service_id: String,
    /// RFC 3339 with the clinic's offset.
    pub start: String,
    pub end: String,
    /// Wall-clock start in `time_zone` (the local date is the fit's `date`).
    pub local_time: String,
    pub time_zone: String,
    #[serde(flatten)]
    pub fit: DayFit,
    #[serde(skip)]
    pub start_at: i64,
}

/// What to search.
pub struct Search<'a> {
    pub service: &'a Service,
    pub from: Date,
    pub days: i64,
    pub therapist_id: Option<&'a str>,
    /// Nothing starting before this instant.
    pub not_before: i64,
    /// An appointment being moved: its own cells count as free, its date as not taken.
    pub moving: Option<&'a str>,
    /// Keep slots on days that break an error rule (marked not allowed).
    pub include_refused: bool,
}

/// Who works, when, and who is away in a search's range: three queries for the clinic.
struct Window {
    therapists: Vec<Therapist>,
    hours: HashMap<String, Vec<WorkingHours>>,
    exceptions: HashMap<String, Vec<TherapistException>>,
}

async fn window(state: &AppState, q: &Search<'_>) -> ApiResult<Window> {
    let last = add_days(q.from, q.days as i32);
    let (from, to) = (q.from.to_string(), last.to_string());
    // Three independent reads, side by side on the pool.
    let (all, all_hours, all_exceptions) = tokio::try_join!(
        state.store.therapists(),
        state.store.working_hours_all(),
        state.store.exceptions_between(&from, &to)
    )?;
    let therapists: Vec<Therapist> = all
        .into_iter()
        .filter(|t| t.active && q.therapist_id.is_none_or(|id| id == t.id))
        .collect();
    let mut hours: HashMap<String, Vec<WorkingHours>> = HashMap::new();
    for (t, h) in all_hours {
        hours.entry(t).or_default().push(h);
    }
    let mut exceptions: HashMap<String, Vec<TherapistException>> = HashMap::new();
    for e in all_exceptions {
        exceptions
            .entry(e.therapist_id.clone())
            .or_default()
            .push(e);
    }
    Ok(Window {
        therapists,
        hours,
        exceptions,
    })
}

/// The free start times of one local date, as (therapist index, start), earliest first
/// (then by therapist name). One query for the day's bookings across the clinic.
async fn day_candidates(
    state: &AppState,
    ctx: &ClientContext,
    q: &Search<'_>,
    w: &Window,
    date: Date,
) -> ApiResult<Vec<(usize, i64)>> {
    let tz = &ctx.tz;
    let (day_start, day_end) = (spans_start(date, tz), spans_start(add_days(date, 1), tz));
    let len = q.service.length_min * 60;
    let buffer = q.service.buffer_after_min * 60;
    // Bookings reaching into the day, buffers included (a span may end at midnight and a
    // buffer run past it).
    let mut busy: HashMap<&str, HashSet<i64>> = HashMap::new();
    let intervals = state
        .store
        .busy_intervals_between(day_start - 86_400, day_end + 86_400)
        .await?;
    for (id, t, a, b) in &intervals {
        if Some(id.as_str()) == q.moving {
            continue;
        }
        if let Some(th) = w.therapists.iter().find(|x| &x.id == t) {
            busy.entry(th.id.as_str())
                .or_default()
                .extend(cells(*a, *b));
        }
    }
    let empty = HashSet::new();
    let mut out = Vec::new();
    for (i, t) in w.therapists.iter().enumerate() {
        let Some(hours) = w.hours.get(&t.id) else {
            continue;
        };
        if w.exceptions.get(&t.id).is_some_and(|e| off_on(date, e)) {
            continue;
        }
        let taken = busy.get(t.id.as_str()).unwrap_or(&empty);
        for (a, b) in spans_on(date, hours, tz) {
            let mut s = a.div_euclid(STEP_SECS) * STEP_SECS;
            if s < a {
                s += STEP_SECS;
            }
            while s + len <= b {
                let start = s;
                s += STEP_SECS;
                // Free for the therapist, and the client is not in another room then.
                if start >= q.not_before
                    && !cells(start, start + len + buffer).any(|c| taken.contains(&c))
                    && !ctx.busy_during(start, start + len, q.moving)
                {
                    out.push((i, start));
                }
            }
        }
    }
    out.sort_by(|x, y| {
        x.1.cmp(&y.1)
            .then_with(|| w.therapists[x.0].name.cmp(&w.therapists[y.0].name))
    });
    Ok(out)
}

fn slot(w: &Window, q: &Search<'_>, tz: &TimeZone, (i, start): (usize, i64), fit: &DayFit) -> Slot {
    let t = &w.therapists[i];
    Slot {
        therapist_id: t.id.clone(),
        therapist_name: t.name.clone(),
        service_id: q.service.id.clone(),
        start: show(start, tz),
        end: show(start + q.service.length_min * 60, tz),
        local_time: local_datetime(start, tz)
            .time()
            .strftime("%H:%M")
            .to_string(),
        time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
        fit: fit.clone(),
        start_at: start,
    }
}

/// The fit of every day in the range the client can come, best first (then earliest).
fn ranked_days(ctx: &ClientContext, q: &Search<'_>) -> Vec<DayFit> {
    let previous = ctx.previous(q.moving);
    let w = wanted(q.service);
    let unavailable: HashSet<i64> = ctx.client.unavailable_weekdays.iter().copied().collect();
    // A day that already holds one of the client's massages is not offered a second.
    let taken = ctx.booked_dates(q.moving);
    let mut days: Vec<DayFit> = (0..q.days as i32)
        .map(|k| add_days(q.from, k))
        .filter(|d| !unavailable.contains(&i64::from(d.weekday().to_monday_zero_offset())))
        .filter(|d| !taken.contains(d))
        .map(|d| day_fit(&ctx.season, w, d, None, &previous))
        .filter(|f| f.allowed || q.include_refused)
        .collect();
    days.sort_by(|a, b| b.score.cmp(&a.score).then(a.date.cmp(&b.date)));
    days
}

/// Every free slot in the range for every active therapist, best fit first (then
/// earliest, then therapist name).
pub async fn search(state: &AppState, ctx: &ClientContext, q: &Search<'_>) -> ApiResult<Vec<Slot>> {
    let w = window(state, q).await?;
    let mut out = Vec::new();
    for fit in ranked_days(ctx, q) {
        for c in day_candidates(state, ctx, q, &w, fit.date).await? {
            out.push(slot(&w, q, &ctx.tz, c, &fit));
        }
    }
    Ok(out)
}

/// The best `limit` slots, in the same order as [`search`], looking only at as many days
/// as it takes; and whether more slots may follow.
pub async fn best(
    state: &AppState,
    ctx: &ClientContext,
    q: &Search<'_>,
    limit: usize,
) -> ApiResult<(Vec<Slot>, bool)> {
    let w = window(state, q).await?;
    let days = ranked_days(ctx, q);
    let mut out = Vec::new();
    for (k, fit) in days.iter().enumerate() {
        let found = day_candidates(state, ctx, q, &w, fit.date).await?;
        let room = limit - out.len();
        let more_here = found.len() > room;
        out.extend(
            found
                .into_iter()
                .take(room)
                .map(|c| slot(&w, q, &ctx.tz, c, fit)),
        );
        if out.len() == limit {
            return Ok((out, more_here || k + 1 < days.len()));
        }
    }
    Ok((out, false))
}

fn spans_start(date: Date, tz: &TimeZone) -> i64 {
    tz.to_ambiguous_timestamp(date.at(0, 0, 0, 0))
        .compatible()
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// The free, allowed, warning-free slots nearest to `around` (either side), one per day,
/// for a refused booking. Days are tried nearest first, so only a few are read.
pub async fn nearest_good(
    state: &AppState,
    ctx: &ClientContext,
    service: &Service,
    around: i64,
    moving: Option<&str>,
    now: i64,
) -> ApiResult<Vec<Slot>> {
    let day = local_date(around, &ctx.tz);
    let today = local_date(now, &ctx.tz);
    let from = add_days(day, -10).max(today);
    let q = Search {
        service,
        from,
        days: 24,
        therapist_id: None,
        not_before: now,
        moving,
        include_refused: false,
    };
    let w = window(state, &q).await?;
    let previous = ctx.previous(moving);
    let unavailable: HashSet<i64> = ctx.client.unavailable_weekdays.iter().copied().collect();
    let taken = ctx.booked_dates(moving);
    let mut out: Vec<Slot> = Vec::new();
    for k in (0..=12).flat_map(|k| if k == 0 { vec![0] } else { vec![-k, k] }) {
        let date = add_days(day, k);
        if date < from
            || date >= add_days(from, q.days as i32)
            || unavailable.contains(&i64::from(date.weekday().to_monday_zero_offset()))
            || taken.contains(&date)
        {
            continue;
        }
        let fit = day_fit(&ctx.season, wanted(service), date, None, &previous);
        if !fit.allowed
            || fit
                .findings
                .iter()
                .any(|f| f.severity >= kneadtime_domain::Severity::Warning)
        {
            continue;
        }
        let found = day_candidates(state, ctx, &q, &w, date).await?;
        if let Some(best) = found.into_iter().min_by_key(|(_, s)| (s - around).abs()) {
            out.push(slot(&w, &q, &ctx.tz, best, &fit));
        }
        if out.len() == 5 {
            break;
        }
    }
    out.sort_by_key(|s| (s.start_at - around).abs());
    Ok(out)
}

/// Whether `[start, start + len)` lies inside one of the therapist's working spans on a
/// day off-duty days aside.
pub async fn within_hours(
    state: &AppState,
    therapist_id: &str,
    start: i64,
    len: i64,
    tz: &TimeZone,
) -> ApiResult<bool> {
    let date = local_date(start, tz);
    let hours = state.store.working_hours(therapist_id).await?;
    let exceptions = state
        .store
        .exceptions(therapist_id, &date.to_string(), &date.to_string())
        .await?;
    if off_on(date, &exceptions) {
        return Ok(false);
    }
    Ok(spans_on(date, &hours, tz)
        .iter()
        .any(|(a, b)| *a <= start && start + len <= *b))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    /// The service to book; without it, the service for the session the client's
    /// training calls for next.
    pub service_id: Option<String>,
    pub from: Option<String>,
    pub days: Option<i64>,
    pub therapist_id: Option<String>,
    pub limit: Option<usize>,
    /// Also list days that break an error rule (staff only), marked not allowed.
    pub include_refused: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct SlotsOut {
    pub client_id: String,
    pub service_id: String,
    pub service_name: String,
    /// Set when the service was chosen for the client ("what should I book next?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Suggested>,
    pub time_zone: String,
    pub from: Date,
    pub to: Date,
    pub slots: Vec<Slot>,
    /// True when more slots than `limit` are free in the range.
    pub more: bool,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Suggested {
    pub kind: Option<Kind>,
    pub summary: String,
    pub earliest_good_day: Option<Date>,
    pub not_today: Vec<Finding>,
}

/// GET /api/clients/{id}/slots: free slots ranked by fit.
pub async fn slots(
    State(state): State<AppState>,
    caller: Caller,
    Path(client_id): Path<String>,
    ApiQuery(q): ApiQuery<SlotQuery>,
) -> ApiResult<Json<SlotsOut>> {
    // The owner for anyone, a therapist for the clients they treat, a client for themself.
    if !crate::policy::permitted(&state, &caller, crate::policy::Act::Client(&client_id)).await? {
        return Err(ApiError::not_found("client"));
    }
    let (ctx, services) = tokio::try_join!(client_context(&state, &client_id), async {
        state.store.services().await.map_err(ApiError::from)
    })?;
    let now = state.now();
    let today = local_date(now, &ctx.tz);
    let from = match &q.from {
        Some(s) => parse_date("from", s)?.max(today),
        None => today,
    };
    let days = q.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::field(
            "days",
            format!("expected 1 to {MAX_DAYS}, found {days}"),
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("expected 1 to 500, found {limit}"),
        ));
    }
    let services: Vec<Service> = services.into_iter().filter(|s| s.active).collect();
    let (service, suggested) = match &q.service_id {
        Some(id) => {
            let s = services
                .iter()
                .find(|s| &s.id == id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("service"))?;
            (s, None)
        }
        None => {
            let req = PlanRequest {
                from: Some(from),
                ..PlanRequest::default()
            };
            let season = ctx.season.clone();
            let answer = crate::cpu(move || next(&season, &req, from)).await?;
            let kind = answer.planned.as_ref().map(|p| p.kind);
            let pick = services
                .iter()
                .filter(|s| kind.is_some_and(|k| s.kind == ServiceKind::Massage(k)))
                .chain(
                    services
                        .iter()
                        .filter(|s| s.kind == ServiceKind::Massage(Kind::Maintenance)),
                )
                .chain(services.iter())
                .next()
                .cloned()
                .ok_or_else(|| {
                    ApiError::unprocessable("no_services", "the clinic offers no services yet")
                })?;
            let sugg = Suggested {
                kind,
                summary: answer.summary.clone(),
                earliest_good_day: answer.earliest_good_day,
                not_today: answer.not_today.clone(),
            };
            (pick, Some(sugg))
        }
    };
    let include_refused = q.include_refused.unwrap_or(false) && caller.is_staff();
    let therapist_id = q.therapist_id.as_deref();
    let search_q = Search {
        service: &service,
        from,
        days,
        therapist_id,
        not_before: now,
        moving: None,
        include_refused,
    };
    let (slots, more) = best(&state, &ctx, &search_q, limit).await?;
    Ok(Json(SlotsOut {
        client_id,
        service_id: service.id.clone(),
        service_name: service.name.clone(),
        suggested,
        time_zone: ctx.tz.iana_name().unwrap_or("UTC").to_string(),
        from,
        to: add_days(from, days as i32 - 1),
        more,
        slots,
        warnings: ctx.warnings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    fn nightly() -> Vec<WorkingHours> {
        (0..7)
            .map(|weekday| WorkingHours {
                weekday,
                start_minute: 0,
                end_minute: 240,
            })
            .collect()
    }

    #[test]
    fn spans_follow_the_clocks() {
        let tz = london();
        // 28 March 2027: the clocks go forward at 01:00, so 00:00–04:00 is three hours.
        let (a, b) = spans_on(date(2027, 3, 28), &nightly(), &tz)[0];
        assert_eq!(b - a, 3 * 3600);
        // 31 October 2027: they go back at 02:00, so it is five.
        let (a, b) = spans_on(date(2027, 10, 31), &nightly(), &tz)[0];
        assert_eq!(b - a, 5 * 3600);
        let (a, b) = spans_on(date(2027, 6, 1), &nightly(), &tz)[0];
        assert_eq!(b - a, 4 * 3600);
    }

    #[test]
    fn a_full_day_span_ends_at_the_next_midnight() {
        let tz = london();
        let h = vec![WorkingHours {
            weekday: 0,
            start_minute: 1320,
            end_minute: 1440,
        }];
        let (a, b) = spans_on(date(2027, 6, 7), &h, &tz)[0];
        assert_eq!(b - a, 2 * 3600);
    }

    #[test]
    fn wall_clock_times_in_gaps_and_folds_are_refused() {
        let tz = london();
        assert!(
            parse_instant("start", "2027-03-28T01:30", &tz)
                .unwrap_err()
                .message
                .contains("does not exist")
        );
        let e = parse_instant("start", "2027-10-31T01:30", &tz).unwrap_err();
        assert!(e.message.contains("happens twice"), "{}", e.message);
        let early = parse_instant("start", "2027-10-31T01:30:00+01:00", &tz).unwrap();
        let late = parse_instant("start", "2027-10-31T01:30:00+00:00", &tz).unwrap();
        assert_eq!(late - early, 3600);
        assert_eq!(show(late, &tz), "2027-10-31T01:30:00+00:00");
        assert_eq!(
            parse_instant("start", "2027-06-01T10:00", &tz).unwrap(),
            parse_instant("start", "2027-06-01T09:00Z", &tz).unwrap()
        );
        assert_eq!(
            parse_instant("start", "tomorrow", &tz)
                .unwrap_err()
                .field
                .as_deref(),
            Some("start")
        );
    }
}
