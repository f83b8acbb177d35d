//! Slot search: when each therapist works (DST included), what is free for them and
//! for the client, and how well each free slot fits the client's training. The fit comes
//! from the domain's `day_fit`, never from rules computed here.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_domain::season::add_days;
use kneadtime_domain::{DayFit, Wanted, day_fit};
use kneadtime_store::{
    CELL_SECS, Service, ServiceKind, Therapist, TherapistException, WorkingHours,
};
use serde::Serialize;

use crate::Clinic;
use crate::context::ClientContext;
use crate::error::CoreResult;
use crate::setup::Setup;
use crate::sites::{Sites, closures_at};
use crate::time::{day_start, local_date, local_datetime, off_on, show};

/// Slots start on this grid (minutes past the hour, in absolute time).
pub const STEP_SECS: i64 = 15 * 60;

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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Slot {
    pub therapist_id: TherapistId,
    pub therapist_name: String,
    /// Where the session is.
    pub location_id: LocationId,
    pub location_name: String,
    pub service_id: ServiceId,
    /// RFC 3339 with the location's offset.
    #[schema(format = DateTime)]
    pub start: String,
    /// RFC 3339 with the clinic's offset, e.g. 2027-04-27T10:00:00+01:00.
    #[schema(format = DateTime)]
    pub end: String,
    /// Wall-clock start in `time_zone`, the location's (the local date is the fit's `date`).
    pub local_time: String,
    pub time_zone: String,
    #[serde(flatten)]
    pub fit: DayFit,
    #[serde(skip)]
    pub start_at: i64,
}

/// What to search.
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    pub service: &'a Service,
    pub from: Date,
    pub days: i64,
    pub therapist_id: Option<&'a TherapistId>,
    /// Nothing starting before this instant.
    pub not_before: i64,
    /// An appointment being moved: its own cells count as free, its date as not taken.
    pub moving: Option<&'a AppointmentId>,
    /// Keep slots on days that break an error rule (marked not allowed).
    pub include_refused: bool,
}

/// A closure as one therapist's time away.
fn closed(c: &kneadtime_store::Closure, therapist_id: &TherapistId) -> TherapistException {
    TherapistException {
        id: ExceptionId::from(c.id.as_str()),
        therapist_id: therapist_id.clone(),
        from_date: c.from_date,
        to_date: c.to_date,
        reason: kneadtime_store::ExceptionReason::Other,
        note: c.note.clone(),
    }
}

/// Who works, where, when, and who is away in a search's range: six queries for the
/// whole group.
struct Window {
    therapists: Vec<Therapist>,
    /// Each therapist's location zone, by index.
    zones: Vec<TimeZone>,
    /// The zones above once each (most groups work in one).
    distinct_zones: Vec<TimeZone>,
    /// Each therapist's index in `therapists`, by id.
    index: HashMap<TherapistId, usize>,
    sites: Sites,
    hours: HashMap<TherapistId, Vec<WorkingHours>>,
    exceptions: HashMap<TherapistId, Vec<TherapistException>>,
}

async fn window(clinic: &Clinic, q: &Search<'_>) -> CoreResult<Window> {
    let last = add_days(q.from, q.days as i32);
    // Independent reads, side by side on the pool; the set-up is kept by the core.
    let setup = clinic.setup().await?;
    let closures = setup.closures_between(q.from, last);
    let sites = setup.sites.clone();
    // Only where the service is offered, and only at open locations.
    let therapists: Vec<Therapist> = setup
        .therapists
        .iter()
        .filter(|t| t.active && q.therapist_id.is_none_or(|id| id == t.id))
        .filter(|t| {
            q.service
                .location_id
                .as_deref()
                .is_none_or(|l| l == t.location_id)
        })
        .filter(|t| sites.location(&t.location_id).is_some_and(|l| l.active))
        .cloned()
        .collect();
    let hours = setup.hours().clone();
    let mut exceptions = setup.exceptions_between(q.from, last);
    // A closed location is every therapist there away.
    for t in &therapists {
        for c in closures_at(&closures, &t.location_id) {
            exceptions
                .entry(t.id.clone())
                .or_default()
                .push(closed(c, &t.id));
        }
    }
    let zones: Vec<TimeZone> = therapists.iter().map(|t| sites.zone_of(t)).collect();
    let mut distinct_zones: Vec<TimeZone> = Vec::new();
    for z in &zones {
        if !distinct_zones
            .iter()
            .any(|d| d.iana_name().is_some() && d.iana_name() == z.iana_name())
        {
            distinct_zones.push(z.clone());
        }
    }
    let index = therapists
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    Ok(Window {
        therapists,
        zones,
        distinct_zones,
        index,
        sites,
        hours,
        exceptions,
    })
}

/// The span of time a date's slots can touch: from the day's start in the earliest zone
/// the group works in to the end, in the latest, of the last slot that starts in it, its
/// buffer included.
fn reach(ctx: &ClientContext, q: &Search<'_>, w: &Window, date: Date) -> (i64, i64) {
    let (day_begins, day_end) = w
        .distinct_zones
        .iter()
        .chain(std::iter::once(&ctx.tz))
        .map(|tz| (day_start(date, tz), day_start(add_days(date, 1), tz)))
        .fold((i64::MAX, i64::MIN), |(a, b), (x, y)| (a.min(x), b.max(y)));
    let len = q.service.length_min * 60;
    let buffer = q.service.buffer_after_min * 60;
    (day_begins, day_end + len + buffer)
}

/// Bookings holding time in a span, each therapist's as (start, end with buffer), by
/// the window's therapist index, earliest first. The appointment being moved is left out.
struct Busy(Vec<Vec<(i64, i64)>>);

impl Busy {
    /// Sorts the store's rows (appointment, therapist, start, end) by therapist, once per
    /// read rather than once per day looked at.
    fn of(
        w: &Window,
        q: &Search<'_>,
        rows: Vec<(AppointmentId, TherapistId, UnixTime, UnixTime)>,
    ) -> Busy {
        let mut by = vec![Vec::new(); w.therapists.len()];
        for (id, t, a, b) in rows {
            if Some(&id) == q.moving {
                continue;
            }
            if let Some(&i) = w.index.get(&t) {
                by[i].push((a.as_second(), b.as_second()));
            }
        }
        for list in &mut by {
            list.sort_unstable();
        }
        Busy(by)
    }
}

/// Whether `[a1, b1)` and `[a2, b2)` hold a cell in common, as the store's cells count
/// them (every cell from the one holding the start to the last one begun before the end).
fn share_a_cell(a1: i64, b1: i64, a2: i64, b2: i64) -> bool {
    let floor = |t: i64| t.div_euclid(CELL_SECS) * CELL_SECS;
    floor(a1).max(floor(a2)) < b1.min(b2)
}

/// The free start times of one local date, as (therapist index, start), earliest first
/// (then by therapist name). One query for the day's bookings across the clinic.
async fn day_candidates(
    clinic: &Clinic,
    ctx: &ClientContext,
    q: &Search<'_>,
    w: &Window,
    date: Date,
) -> CoreResult<Vec<(usize, i64)>> {
    let span = reach(ctx, q, w, date);
    let rows = clinic
        .store
        .busy_intervals_between(UnixTime::from_second(span.0), UnixTime::from_second(span.1))
        .await?;
    Ok(candidates_in(ctx, q, w, date, span, &Busy::of(w, q, rows)))
}

/// [`day_candidates`] from bookings already read for a span holding the date's `span`
/// (its [`reach`]).
fn candidates_in(
    ctx: &ClientContext,
    q: &Search<'_>,
    w: &Window,
    date: Date,
    (from, until): (i64, i64),
    busy: &Busy,
) -> Vec<(usize, i64)> {
    let len = q.service.length_min * 60;
    let buffer = q.service.buffer_after_min * 60;
    let mut out = Vec::new();
    let mut taken: Vec<(i64, i64)> = Vec::new();
    for (i, t) in w.therapists.iter().enumerate() {
        let Some(hours) = w.hours.get(&t.id) else {
            continue;
        };
        if w.exceptions.get(&t.id).is_some_and(|e| off_on(date, e)) {
            continue;
        }
        taken.clear();
        taken.extend(
            busy.0[i]
                .iter()
                .filter(|(a, b)| *b > from && *a < until)
                .copied(),
        );
        for (a, b) in w.sites.bookable_spans(t, hours, date) {
            let mut s = a.div_euclid(STEP_SECS) * STEP_SECS;
            if s < a {
                s += STEP_SECS;
            }
            while s + len <= b {
                let start = s;
                s += STEP_SECS;
                let end = start + len + buffer;
                // Free for the therapist, and the client is not in another room then.
                if start >= q.not_before
                    && !taken.iter().any(|&(x, y)| share_a_cell(start, end, x, y))
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
    out
}

fn slot(w: &Window, q: &Search<'_>, (i, start): (usize, i64), fit: &DayFit) -> Slot {
    let t = &w.therapists[i];
    let tz = &w.zones[i];
    Slot {
        therapist_id: t.id.clone(),
        therapist_name: t.name.clone(),
        location_id: t.location_id.clone(),
        location_name: w.sites.name(&t.location_id),
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
    let w = ctx.wanted(q.service);
    let unavailable = &ctx.client.unavailable_weekdays;
    // A day that already holds one of the client's massages is not offered a second.
    let taken = ctx.booked_dates(q.moving);
    let mut days: Vec<DayFit> = (0..q.days as i32)
        .map(|k| add_days(q.from, k))
        .filter(|d| !unavailable.contains(&d.weekday()))
        .filter(|d| !taken.contains(d))
        // Nor a day the runner's calendar says they are away.
        .filter(|d| !ctx.season.is_away(*d))
        .map(|d| day_fit(&ctx.season, w, d, None, &previous))
        .filter(|f| f.allowed || q.include_refused)
        .collect();
    days.sort_by(|a, b| b.score.cmp(&a.score).then(a.date.cmp(&b.date)));
    days
}

/// Every free slot in the range for every active therapist, best fit first (then
/// earliest, then therapist name).
pub async fn search(clinic: &Clinic, ctx: &ClientContext, q: &Search<'_>) -> CoreResult<Vec<Slot>> {
    let w = window(clinic, q).await?;
    let mut out = Vec::new();
    for fit in ranked_days(ctx, q) {
        for c in day_candidates(clinic, ctx, q, &w, fit.date).await? {
            out.push(slot(&w, q, c, &fit));
        }
    }
    Ok(out)
}

/// The best `limit` slots, in the same order as [`search`], looking only at as many days
/// as it takes; and whether more slots may follow.
pub async fn best(
    clinic: &Clinic,
    ctx: &ClientContext,
    q: &Search<'_>,
    limit: usize,
) -> CoreResult<(Vec<Slot>, bool)> {
    let w = window(clinic, q).await?;
    let days = ranked_days(ctx, q);
    let mut out = Vec::new();
    for (k, fit) in days.iter().enumerate() {
        let found = day_candidates(clinic, ctx, q, &w, fit.date).await?;
        let room = limit - out.len();
        let more_here = found.len() > room;
        out.extend(found.into_iter().take(room).map(|c| slot(&w, q, c, fit)));
        if out.len() == limit {
            return Ok((out, more_here || k + 1 < days.len()));
        }
    }
    Ok((out, false))
}

/// How many days' bookings [`nearest_good`] reads at a time, nearest first.
const NEAR_DAYS: usize = 7;

/// The free, allowed, warning-free slots nearest to `around` (either side), one per day,
/// for a refused booking. Days are tried nearest first, their bookings read a week of
/// days at a time until five are found.
pub async fn nearest_good(
    clinic: &Clinic,
    ctx: &ClientContext,
    service: &Service,
    around: i64,
    moving: Option<&AppointmentId>,
    now: i64,
) -> CoreResult<Vec<Slot>> {
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
    let w = window(clinic, &q).await?;
    let previous = ctx.previous(moving);
    let unavailable = &ctx.client.unavailable_weekdays;
    let taken = ctx.booked_dates(moving);
    // The days to look at, nearest first, with their fit: those the client can come
    // and whose fit is clean.
    let days: Vec<(Date, DayFit)> = (0..=12)
        .flat_map(|k| if k == 0 { vec![0] } else { vec![-k, k] })
        .map(|k| add_days(day, k))
        .filter(|date| {
            *date >= from
                && *date < add_days(from, q.days as i32)
                && !unavailable.contains(&date.weekday())
                && !taken.contains(date)
                && !ctx.season.is_away(*date)
        })
        .filter_map(|date| {
            let fit = day_fit(&ctx.season, ctx.wanted(service), date, None, &previous);
            let clean = fit.allowed
                && !fit
                    .findings
                    .iter()
                    .any(|f| f.severity >= kneadtime_domain::Severity::Warning);
            clean.then_some((date, fit))
        })
        .collect();
    // The bookings are read a week of days at a time, nearest first, and only until five
    // are found: a few reads at most, instead of one a day, each no larger than it needs.
    let mut out: Vec<Slot> = Vec::new();
    let mut looked = 0;
    for ring in (1..=days.len().div_ceil(NEAR_DAYS)).map(|r| r * NEAR_DAYS) {
        let part = &days[looked.min(days.len())..ring.min(days.len())];
        looked = ring;
        if part.is_empty() || out.len() == 5 {
            continue;
        }
        let spans: Vec<(i64, i64)> = part
            .iter()
            .map(|(date, _)| reach(ctx, &q, &w, *date))
            .collect();
        let (lo, hi) = spans.iter().fold((i64::MAX, i64::MIN), |(a, b), (x, y)| {
            (a.min(*x), b.max(*y))
        });
        let rows = clinic
            .store
            .busy_intervals_between(UnixTime::from_second(lo), UnixTime::from_second(hi))
            .await?;
        let busy = Busy::of(&w, &q, rows);
        for ((date, fit), span) in part.iter().zip(spans) {
            let found = candidates_in(ctx, &q, &w, *date, span, &busy);
            if let Some(best) = found.into_iter().min_by_key(|(_, s)| (s - around).abs()) {
                out.push(slot(&w, &q, best, fit));
            }
            if out.len() == 5 {
                break;
            }
        }
    }
    out.sort_by_key(|s| (s.start_at - around).abs());
    Ok(out)
}

/// Whether `[start, start + len)` lies inside one of the therapist's bookable spans on
/// its local date (in their location's zone, inside its opening hours), days off and
/// closures aside.
pub fn within_hours(
    setup: &Setup,
    therapist_id: &TherapistId,
    start: i64,
    len: i64,
) -> CoreResult<bool> {
    let Some(therapist) = setup.therapist(therapist_id) else {
        return Err(crate::error::CoreError::NotFound("therapist"));
    };
    let (sites, hours) = (&setup.sites, setup.hours_of(therapist_id));
    let date = local_date(start, &sites.zone_of(therapist));
    let exceptions = setup.exceptions_of(therapist_id, date, date);
    let closures = setup.closures_between(date, date);
    if closures_at(&closures, &therapist.location_id)
        .next()
        .is_some()
        || off_on(date, &exceptions)
    {
        return Ok(false);
    }
    Ok(sites
        .bookable_spans(therapist, hours, date)
        .iter()
        .any(|(a, b)| *a <= start && start + len <= *b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_a_cell_is_what_the_stores_cells_say() {
        // Every pair of spans on a 100-second grid across a few cells, negative times too.
        let times: Vec<i64> = (-8..=16).map(|k| k * 100).collect();
        for &a1 in &times {
            for &b1 in times.iter().filter(|&&b| b > a1) {
                for &a2 in &times {
                    for &b2 in times.iter().filter(|&&b| b > a2) {
                        let by_cells = kneadtime_store::cells(a1, b1)
                            .any(|c| kneadtime_store::cells(a2, b2).any(|d| d == c));
                        assert_eq!(
                            share_a_cell(a1, b1, a2, b2),
                            by_cells,
                            "[{a1}, {b1}) and [{a2}, {b2})"
                        );
                    }
                }
            }
        }
    }
}
