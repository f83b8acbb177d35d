//! Time off that would strand booked clients: before a therapist's days off, a clinic
//! closure or shorter working hours are recorded, the bookings they leave out are found, each with the best other time for that
//! client (another therapist or another day, judged by the same training fit), so the
//! clinic moves or cancels each one rather than leaving it silently unserved.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_store::{Appointment, Status, WorkingHours};

use crate::Clinic;
use crate::context::client_context;
use crate::error::{CoreError, CoreResult};
use crate::slots::{Slot, nearest_good};
use crate::time::{day_start, local_date, spans_on, zone_of};

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

/// The therapist's booked, future appointments on local dates `from..=to`, each with a
/// proposal.
pub async fn stranded_by_leave(
    core: &Clinic,
    therapist_id: &str,
    from: Date,
    to: Date,
) -> CoreResult<Vec<Stranded>> {
    stranded(core, Some(therapist_id), from, to).await
}

/// Every booked, future appointment on local dates `from..=to` when the whole clinic
/// closes then, each with a proposal outside those days.
pub async fn stranded_by_closure(core: &Clinic, from: Date, to: Date) -> CoreResult<Vec<Stranded>> {
    stranded(core, None, from, to).await
}

/// Bookings of `therapist` (or of everyone) on `from..=to`, with proposals that avoid it.
async fn stranded(
    core: &Clinic,
    therapist: Option<&str>,
    from: Date,
    to: Date,
) -> CoreResult<Vec<Stranded>> {
    let clinic = core.store.clinic().await?;
    let tz = zone_of(&clinic.time_zone);
    let now = core.now();
    let (lo, hi) = (
        day_start(from, &tz).max(now),
        day_start(kneadtime_domain::dates::add_days(to, 1), &tz),
    );
    if hi <= lo {
        return Ok(Vec::new());
    }
    let all = match therapist {
        Some(t) => core.store.appointments_for_therapist(t, lo, hi).await?,
        None => core.store.appointments_between(lo, hi).await?,
    };
    let booked: Vec<Appointment> = all
        .into_iter()
        .filter(|a| a.status == Status::Booked && a.start_at >= now)
        .collect();
    with_proposals(core, booked, |s, _, tz| {
        let d = local_date(s.start_at, tz);
        let away = therapist.is_none_or(|t| s.therapist_id == t);
        !(away && from <= d && d <= to)
    })
    .await
}

/// The therapist's booked, future appointments (up to the booking horizon) that fall
/// outside `hours`, were those their working hours; each with a proposal that does not.
pub async fn stranded_by_hours(
    core: &Clinic,
    therapist_id: &str,
    hours: &[WorkingHours],
) -> CoreResult<Vec<Stranded>> {
    let clinic = core.store.clinic().await?;
    let tz = zone_of(&clinic.time_zone);
    let now = core.now();
    let until = now + (clinic.booking_horizon_days + 2) * 86_400;
    let fits = |start: i64, end: i64, tz: &TimeZone| {
        spans_on(local_date(start, tz), hours, tz)
            .iter()
            .any(|(a, b)| *a <= start && end <= *b)
    };
    let booked: Vec<Appointment> = core
        .store
        .appointments_for_therapist(therapist_id, now, until)
        .await?
        .into_iter()
        .filter(|a| a.status == Status::Booked && a.start_at >= now)
        .filter(|a| !fits(a.start_at, a.end_at, &tz))
        .collect();
    with_proposals(core, booked, |s, a, tz| {
        s.therapist_id != therapist_id || fits(s.start_at, s.start_at + (a.end_at - a.start_at), tz)
    })
    .await
}

/// Each booking with the nearest good time `keep` allows.
async fn with_proposals(
    core: &Clinic,
    booked: Vec<Appointment>,
    keep: impl Fn(&Slot, &Appointment, &TimeZone) -> bool,
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
            nearest_good(core, &ctx, &service, a.start_at, Some(&a.id), now).await?
        } else {
            Vec::new()
        };
        let proposal = near
            .into_iter()
            .filter(|s| keep(s, &a, &ctx.tz))
            .min_by_key(|s| (s.start_at - a.start_at).abs());
        out.push(Stranded {
            client_name: ctx.client.name.clone(),
            service_name: service.name.clone(),
            appointment: a,
            proposal,
        });
    }
    Ok(out)
}
