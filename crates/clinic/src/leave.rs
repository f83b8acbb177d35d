//! Time off that would strand booked clients: before a therapist's days off, a location's
//! closure or shorter working hours are recorded, the bookings they leave out are found, each with the best other time for that
//! client (another therapist or another day, judged by the same training fit), so the
//! clinic moves or cancels each one rather than leaving it silently unserved.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_store::{Appointment, Status, WorkingHours};

use crate::Clinic;
use crate::context::client_context;
use crate::error::{CoreError, CoreResult};
use crate::sites::Sites;
use crate::slots::{Slot, nearest_good};
use crate::time::{day_start, local_date};

/// Proposals are searched for this many bookings at most; the rest are listed without.
const MAX_PROPOSALS: usize = 50;

/// A booking that falls in the days off, and where it could go instead.
#[derive(Debug, Clone)]
pub struct Stranded {
    pub appointment: Appointment,
    pub client_name: String,
    pub service_name: String,
    /// The best free time outside the days off, when there is one nearby.
    pub proposal: Option<Slot>,
}

/// Whose time off it is.
#[derive(Debug, Clone, Copy)]
enum Away<'a> {
    Therapist(&'a TherapistId),
    /// One location closed, or (`None`) every location.
    Closed(Option<&'a LocationId>),
}

/// The therapist's booked, future appointments on local dates `from..=to`, each with a
/// proposal.
pub async fn stranded_by_leave(
    core: &Clinic,
    therapist_id: &TherapistId,
    from: Date,
    to: Date,
) -> CoreResult<Vec<Stranded>> {
    stranded(core, Away::Therapist(therapist_id), from, to).await
}

/// Every booked, future appointment on local dates `from..=to` at the location that
/// closes then (or, with `None`, at every location), each with a proposal outside it.
pub async fn stranded_by_closure(
    core: &Clinic,
    location_id: Option<&LocationId>,
    from: Date,
    to: Date,
) -> CoreResult<Vec<Stranded>> {
    stranded(core, Away::Closed(location_id), from, to).await
}

/// Bookings that the time away covers, with proposals that avoid it. Local dates are
/// read in each therapist's location zone.
async fn stranded(
    core: &Clinic,
    away: Away<'_>,
    from: Date,
    to: Date,
) -> CoreResult<Vec<Stranded>> {
    let (sites, therapists) = tokio::try_join!(Sites::read(core), async {
        Ok(core.store.therapists().await?)
    })?;
    let location: HashMap<TherapistId, LocationId> = therapists
        .into_iter()
        .map(|t| (t.id, t.location_id))
        .collect();
    let zone_of_therapist =
        |id: &TherapistId| location.get(id).map_or(TimeZone::UTC, |l| sites.zone(l));
    let now = core.now();
    // The widest span the dates cover in any of the group's zones.
    let (lo, hi) = sites
        .locations
        .iter()
        .map(|l| sites.zone(&l.id))
        .map(|tz| {
            (
                day_start(from, &tz),
                day_start(kneadtime_domain::dates::add_days(to, 1), &tz),
            )
        })
        .fold((i64::MAX, i64::MIN), |(a, b), (x, y)| (a.min(x), b.max(y)));
    let lo = lo.max(now);
    if hi <= lo {
        return Ok(Vec::new());
    }
    let all = match away {
        Away::Therapist(t) => {
            core.store
                .appointments_for_therapist(t, UnixTime::from_second(lo), UnixTime::from_second(hi))
                .await?
        }
        Away::Closed(_) => {
            core.store
                .appointments_between(UnixTime::from_second(lo), UnixTime::from_second(hi))
                .await?
        }
    };
    let covered = |therapist_id: &TherapistId, start_at: i64| {
        let here = match away {
            Away::Therapist(t) => therapist_id == t,
            Away::Closed(None) => true,
            Away::Closed(Some(l)) => location.get(therapist_id).is_some_and(|x| x == l),
        };
        let d = local_date(start_at, &zone_of_therapist(therapist_id));
        here && from <= d && d <= to
    };
    let booked: Vec<Appointment> = all
        .into_iter()
        .filter(|a| a.status == Status::Booked && a.start_at >= UnixTime::from_second(now))
        .filter(|a| covered(&a.therapist_id, a.start_at.as_second()))
        .collect();
    with_proposals(core, booked, |s, _| !covered(&s.therapist_id, s.start_at)).await
}

/// The therapist's booked, future appointments (up to the booking horizon) that fall
/// outside `hours`, were those their working hours; each with a proposal that does not.
pub async fn stranded_by_hours(
    core: &Clinic,
    therapist_id: &TherapistId,
    hours: &[WorkingHours],
) -> CoreResult<Vec<Stranded>> {
    let (clinic, sites, therapist) = tokio::try_join!(
        async { Ok(core.store.clinic().await?) },
        Sites::read(core),
        async { Ok(core.store.therapist(therapist_id).await?) },
    )?;
    let now = core.now();
    let until = now + (clinic.booking_horizon_days + 2) * 86_400;
    let fits = |start: i64, end: i64| {
        let date = local_date(start, &sites.zone_of(&therapist));
        sites
            .bookable_spans(&therapist, hours, date)
            .iter()
            .any(|(a, b)| *a <= start && end <= *b)
    };
    let booked: Vec<Appointment> = core
        .store
        .appointments_for_therapist(
            therapist_id,
            UnixTime::from_second(now),
            UnixTime::from_second(until),
        )
        .await?
        .into_iter()
        .filter(|a| a.status == Status::Booked && a.start_at >= UnixTime::from_second(now))
        .filter(|a| !fits(a.start_at.as_second(), a.end_at.as_second()))
        .collect();
    with_proposals(core, booked, |s, a| {
        s.therapist_id != therapist_id || fits(s.start_at, s.start_at + (a.end_at - a.start_at))
    })
    .await
}

/// The booked, future appointments (up to the booking horizon) at `location_id` that
/// fall outside `open`, were those its opening hours (empty: open whenever its
/// therapists work); each with a proposal that does not.
pub async fn stranded_by_opening_hours(
    core: &Clinic,
    location_id: &LocationId,
    open: &[WorkingHours],
) -> CoreResult<Vec<Stranded>> {
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let (clinic, location, therapists) = tokio::try_join!(
        async { Ok::<_, CoreError>(core.store.clinic().await?) },
        async { Ok(core.store.location(location_id).await?) },
        async { Ok(core.store.therapists().await?) },
    )?;
    let tz = crate::time::zone_of(&location.time_zone);
    let here: Vec<TherapistId> = therapists
        .into_iter()
        .filter(|t| t.location_id == location_id)
        .map(|t| t.id)
        .collect();
    let fits = |start: i64, end: i64| {
        crate::time::spans_on(local_date(start, &tz), open, &tz)
            .iter()
            .any(|(a, b)| *a <= start && end <= *b)
    };
    let now = core.now();
    let until = now + (clinic.booking_horizon_days + 2) * 86_400;
    let booked: Vec<Appointment> = core
        .store
        .appointments_between(UnixTime::from_second(now), UnixTime::from_second(until))
        .await?
        .into_iter()
        .filter(|a| a.status == Status::Booked && a.start_at >= UnixTime::from_second(now))
        .filter(|a| {
            here.contains(&a.therapist_id) && !fits(a.start_at.as_second(), a.end_at.as_second())
        })
        .collect();
    with_proposals(core, booked, |s, a| {
        s.location_id != location_id || fits(s.start_at, s.start_at + (a.end_at - a.start_at))
    })
    .await
}

/// Each booking with the nearest good time `keep` allows.
async fn with_proposals(
    core: &Clinic,
    booked: Vec<Appointment>,
    keep: impl Fn(&Slot, &Appointment) -> bool,
) -> CoreResult<Vec<Stranded>> {
    let now = core.now();
    let mut out = Vec::with_capacity(booked.len());
    for a in booked {
        let (ctx, service) = tokio::try_join!(client_context(core, &a.client_id), async {
            core.store
                .service(&a.service_id)
                .await
                .map_err(CoreError::from)
        })?;
        let near = if out.len() < MAX_PROPOSALS {
            nearest_good(
                core,
                &ctx,
                &service,
                a.start_at.as_second(),
                Some(&a.id),
                now,
            )
            .await?
        } else {
            Vec::new()
        };
        let proposal = near
            .into_iter()
            .filter(|s| keep(s, &a))
            .min_by_key(|s| (s.start_at - a.start_at.as_second()).abs());
        out.push(Stranded {
            client_name: ctx.client.name.clone(),
            service_name: service.name.clone(),
            appointment: a,
            proposal,
        });
    }
    Ok(out)
}

/// The therapist's days off and changed hours that touch `from..=to`.
pub async fn exceptions(
    core: &Clinic,
    therapist_id: &TherapistId,
    from: Date,
    to: Date,
) -> CoreResult<Vec<kneadtime_store::TherapistException>> {
    Ok(core.store.exceptions(therapist_id, from, to).await?)
}
