//! Booking, moving, cancelling and settling appointments: every check a booking passes
//! (the service and therapist active, the therapist's location offering the service,
//! the time on the grid, ahead, inside the horizon and the clinic's notice, inside the
//! therapist's bookable hours, and the rules of the client's training), the write, and
//! a typed refusal carrying the nearest good times. Who may book whom is the caller's
//! question (the server's `policy`); what a booking must be is answered here.

use jiff::tz::TimeZone;
use kneadtime_domain::{DayFit, Finding, Severity, day_fit};
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{
    Appointment, Location, NewAppointment, Service, Status, StoreError, Therapist,
};

use crate::Clinic;
use crate::context::{ClientContext, client_context_in};
use crate::error::CoreError;
use crate::setup::Setup;
use crate::slots::{Slot, nearest_good, within_hours};
use crate::time::{changeable_online, local_date, local_datetime, parse_instant, show, zone_of};

/// Why a booking, a move, a cancellation or a status was refused, with what the client
/// can do instead.
#[derive(Debug)]
pub enum BookError {
    /// An input field is malformed.
    Field {
        field: &'static str,
        message: String,
    },
    /// What a field names does not exist.
    NotFound {
        what: &'static str,
        field: &'static str,
    },
    ServiceInactive,
    TherapistInactive,
    /// The service is offered only at another location than the therapist's.
    WrongLocation {
        message: String,
    },
    InThePast,
    /// Online bookings need the clinic's notice.
    TooSoon {
        hours: i64,
        nearest: Vec<Slot>,
    },
    BeyondHorizon {
        days: i64,
    },
    /// Not on the 5-minute grid.
    OffGrid {
        start: String,
    },
    OutsideHours {
        nearest: Vec<Slot>,
    },
    /// The day breaks an error rule: the first broken, every finding, and better times.
    RuleBroken {
        finding: Option<Finding>,
        findings: Vec<Finding>,
        staff: bool,
        nearest: Vec<Slot>,
    },
    /// The therapist's time was taken (by a racer, or since the review).
    SlotTaken {
        nearest: Vec<Slot>,
        moving: bool,
    },
    /// The client is booked elsewhere then.
    ClientBusy {
        nearest: Vec<Slot>,
        moving: bool,
    },
    /// A client booking themself holds as many upcoming bookings as the clinic takes.
    TooManyOpen {
        held: i64,
    },
    /// Inside the clinic's cancellation window: a client calls the clinic.
    TooLateToChange {
        hours: i64,
    },
    /// The appointment is not in a state that allows this.
    WrongState {
        message: String,
    },
    /// An idempotency key used before for a different request.
    KeyReused,
    Core(CoreError),
}

impl From<CoreError> for BookError {
    fn from(e: CoreError) -> BookError {
        BookError::Core(e)
    }
}

impl From<StoreError> for BookError {
    fn from(e: StoreError) -> BookError {
        BookError::Core(e.into())
    }
}

pub type BookResult<T> = Result<T, BookError>;

/// A booking as asked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub client_id: &'a ClientId,
    pub service_id: &'a ServiceId,
    pub therapist_id: &'a TherapistId,
    /// RFC 3339, or a wall-clock time in the location's zone.
    pub start: &'a str,
    /// Staff only: why it goes ahead against an error rule.
    pub override_reason: Option<&'a str>,
    /// Asked by staff (no notice needed, no open-booking limit, may override).
    pub staff: bool,
}

/// A booking judged and ready to write: what the review step shows and the booking
/// writes.
pub struct Prepared {
    pub client_id: ClientId,
    pub service: Service,
    pub therapist: Therapist,
    /// Where the session is (the therapist's location), and its zone.
    pub location: Location,
    pub tz: TimeZone,
    pub ctx: ClientContext,
    pub start: i64,
    pub fit: DayFit,
    /// The staff's reason, kept when the day breaks an error rule.
    pub override_reason: Option<String>,
    pub staff: bool,
}

fn active_service(setup: &Setup, id: &ServiceId) -> BookResult<Service> {
    match setup.service(id) {
        Some(s) if s.active => Ok(s.clone()),
        Some(_) => Err(BookError::ServiceInactive),
        None => Err(BookError::NotFound {
            what: "service",
            field: "service_id",
        }),
    }
}

fn active_therapist(setup: &Setup, id: &TherapistId) -> BookResult<Therapist> {
    match setup.therapist(id) {
        Some(t) if t.active => Ok(t.clone()),
        Some(_) => Err(BookError::TherapistInactive),
        None => Err(BookError::NotFound {
            what: "therapist",
            field: "therapist_id",
        }),
    }
}

/// The location the session would be at: the therapist's, which must offer the service.
pub fn at_location(
    setup: &Setup,
    service: &Service,
    therapist: &Therapist,
) -> BookResult<Location> {
    let location = setup
        .sites
        .location(&therapist.location_id)
        .cloned()
        .ok_or(BookError::Core(CoreError::NotFound("location")))?;
    if let Some(only) = &service.location_id
        && *only != location.id
    {
        let name = setup.sites.name(only);
        return Err(BookError::WrongLocation {
            message: format!(
                "{} is offered only at {name}, and {} works at {}",
                service.name, therapist.name, location.name
            ),
        });
    }
    Ok(location)
}

/// A client booking themself holds at most the clinic's number of upcoming bookings.
async fn limit_open_bookings(core: &Clinic, ctx: &ClientContext) -> BookResult<()> {
    let now = core.now();
    let until = now + ctx.clinic.booking_horizon_days * 86_400 + 86_400;
    let open = core
        .store
        .appointments_for_client_between(
            &ctx.client.id,
            UnixTime::from_second(now),
            UnixTime::from_second(until),
        )
        .await?;
    let held = open
        .iter()
        .filter(|a| a.status == Status::Booked && a.start_at > UnixTime::from_second(now))
        .count() as i64;
    if held >= ctx.clinic.max_open_bookings {
        return Err(BookError::TooManyOpen { held });
    }
    Ok(())
}

/// The checks a time passes, shared by booking and moving; returns the day's fit.
#[allow(clippy::too_many_arguments)]
async fn judge(
    core: &Clinic,
    setup: &Setup,
    ctx: &ClientContext,
    service: &Service,
    therapist_id: &TherapistId,
    tz: &TimeZone,
    start: i64,
    override_reason: Option<&str>,
    staff: bool,
    moving: Option<&AppointmentId>,
) -> BookResult<DayFit> {
    let now = core.now();
    let len = service.length_min * 60;
    if start < now {
        return Err(BookError::InThePast);
    }
    // Online, a booking needs the clinic's notice; staff may book sooner.
    let earliest = if staff {
        now
    } else {
        now + ctx.clinic.min_notice_hours * 3600
    };
    if start < earliest {
        let nearest = nearest_good(core, ctx, service, start, moving, earliest).await?;
        return Err(BookError::TooSoon {
            hours: ctx.clinic.min_notice_hours,
            nearest,
        });
    }
    if start.rem_euclid(kneadtime_store::CELL_SECS) != 0 {
        return Err(BookError::OffGrid {
            start: show(start, tz),
        });
    }
    if start > now + ctx.clinic.booking_horizon_days * 86_400 {
        return Err(BookError::BeyondHorizon {
            days: ctx.clinic.booking_horizon_days,
        });
    }
    if !within_hours(setup, therapist_id, start, len)? {
        let nearest = nearest_good(core, ctx, service, start, moving, earliest).await?;
        return Err(BookError::OutsideHours { nearest });
    }
    // The day as it is where the session happens.
    let date = local_date(start, tz);
    let fit = day_fit(
        &ctx.season,
        ctx.wanted(service),
        date,
        Some(local_datetime(start, tz)),
        &ctx.previous(moving),
    );
    if !fit.allowed {
        let overridden = staff && override_reason.is_some_and(|r| !r.trim().is_empty());
        if !overridden {
            let finding = fit
                .findings
                .iter()
                .find(|f| f.severity == Severity::Error)
                .cloned();
            let nearest = nearest_good(core, ctx, service, start, moving, earliest).await?;
            return Err(BookError::RuleBroken {
                finding,
                findings: fit.findings,
                staff,
                nearest,
            });
        }
    }
    Ok(fit)
}

/// Every check a booking passes before it is written (who may book whom aside).
pub async fn prepare(core: &Clinic, r: &Request<'_>) -> BookResult<Prepared> {
    let setup = core.setup().await?;
    let ctx = client_context_in(core, &setup, r.client_id)
        .await
        .map_err(|e| match e {
            CoreError::NotFound(_) => BookError::NotFound {
                what: "client",
                field: "client_id",
            },
            e => BookError::from(e),
        })?;
    let service = active_service(&setup, r.service_id)?;
    let therapist = active_therapist(&setup, r.therapist_id)?;
    if !r.staff {
        limit_open_bookings(core, &ctx).await?;
    }
    let location = at_location(&setup, &service, &therapist)?;
    let tz = zone_of(&location.time_zone);
    let start = parse_instant("start", r.start, &tz)?;
    let fit = judge(
        core,
        &setup,
        &ctx,
        &service,
        r.therapist_id,
        &tz,
        start,
        r.override_reason,
        r.staff,
        None,
    )
    .await?;
    let override_reason = if fit.allowed {
        None
    } else {
        r.override_reason.map(|x| x.trim().to_string())
    };
    Ok(Prepared {
        client_id: r.client_id.clone(),
        service,
        therapist,
        location,
        tz,
        ctx,
        start,
        fit,
        override_reason,
        staff: r.staff,
    })
}

/// The review step: the time still free for the therapist and the client, without
/// writing anything.
pub async fn still_free(core: &Clinic, p: &Prepared) -> BookResult<()> {
    let len = p.service.length_min * 60;
    let taken = !core
        .store
        .busy_cells(
            &p.therapist.id,
            p.start,
            p.start + len + p.service.buffer_after_min * 60,
        )
        .await?
        .is_empty();
    if taken || p.ctx.busy_during(p.start, p.start + len, None) {
        let nearest = nearest_good(core, &p.ctx, &p.service, p.start, None, core.now()).await?;
        return Err(if taken {
            BookError::SlotTaken {
                nearest,
                moving: false,
            }
        } else {
            BookError::ClientBusy {
                nearest,
                moving: false,
            }
        });
    }
    Ok(())
}

/// Writes a prepared booking. `key` is the idempotency key and the request's digest; a
/// key already used returns the appointment it booked (or `KeyReused` for another
/// request). `offer` is the waitlist offer it accepts.
pub async fn commit(
    core: &Clinic,
    p: &Prepared,
    created_by: &str,
    key: Option<(String, String)>,
    offer: Option<OfferId>,
) -> BookResult<Appointment> {
    let my_hash = key.as_ref().map(|(_, h)| h.clone());
    let new = NewAppointment {
        therapist_id: p.therapist.id.clone(),
        client_id: p.client_id.clone(),
        service_id: p.service.id.clone(),
        start_at: UnixTime::from_second(p.start),
        end_at: UnixTime::from_second(p.start + p.service.length_min * 60),
        override_reason: p.override_reason.clone(),
        created_by: created_by.to_string(),
        idempotency_key: key.map(|(k, _)| k),
        request_hash: my_hash.clone(),
        offer_id: offer,
    };
    let a = match core.store.book(new).await {
        Ok(a) => a,
        Err(e @ (StoreError::Conflict | StoreError::ClientBusy)) => {
            let nearest = nearest_good(core, &p.ctx, &p.service, p.start, None, core.now()).await?;
            return Err(if e == StoreError::Conflict {
                BookError::SlotTaken {
                    nearest,
                    moving: false,
                }
            } else {
                BookError::ClientBusy {
                    nearest,
                    moving: false,
                }
            });
        }
        Err(e) => return Err(e.into()),
    };
    // A racer with the same key but another request booked first.
    if let (Some(mine), Some(theirs)) = (&my_hash, &a.request_hash)
        && mine != theirs
    {
        return Err(BookError::KeyReused);
    }
    Ok(a)
}

/// Whether a change to `a` now falls inside the clinic's cancellation window. A client
/// is refused there (they call the clinic); staff go ahead and it is recorded as late.
pub async fn inside_window(core: &Clinic, a: &Appointment, staff: bool) -> BookResult<bool> {
    if a.status != Status::Booked {
        return Ok(false);
    }
    let clinic = core.store.clinic().await?;
    let late = !changeable_online(&clinic, a.start_at.as_second(), core.now());
    if late && !staff {
        return Err(BookError::TooLateToChange {
            hours: clinic.cancel_window_hours,
        });
    }
    Ok(late)
}

/// Cancels `a` (a cancellation inside the window by staff is recorded as late).
pub async fn cancel(core: &Clinic, a: &Appointment, staff: bool) -> BookResult<Appointment> {
    let late = inside_window(core, a, staff).await?;
    core.store
        .cancel_as(&a.id, late)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => BookError::WrongState {
                message: format!("cannot cancel: {why}"),
            },
            e => e.into(),
        })
}

/// A move as asked.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub start: &'a str,
    /// The therapist after the move (the same one unless staff change it).
    pub therapist_id: &'a TherapistId,
    pub override_reason: Option<&'a str>,
    /// The clinic moves it on its own account; the client is asked to keep it.
    pub ask_client: bool,
    pub staff: bool,
}

/// Moves `a` to another time (and therapist), judged as a booking is; the moved
/// appointment, its fit, and the client's context.
pub async fn reschedule(
    core: &Clinic,
    a: &Appointment,
    m: &Move<'_>,
) -> BookResult<(Appointment, DayFit, ClientContext)> {
    if a.status != Status::Booked {
        return Err(BookError::WrongState {
            message: format!("the appointment is {}", a.status.as_str()),
        });
    }
    inside_window(core, a, m.staff).await?;
    let setup = core.setup().await?;
    let therapist = active_therapist(&setup, m.therapist_id)?;
    let service = setup
        .service(&a.service_id)
        .cloned()
        .ok_or(BookError::Core(CoreError::NotFound("service")))?;
    let ctx = client_context_in(core, &setup, &a.client_id).await?;
    let location = at_location(&setup, &service, &therapist)?;
    let tz = zone_of(&location.time_zone);
    let start = parse_instant("start", m.start, &tz)?;
    let fit = judge(
        core,
        &setup,
        &ctx,
        &service,
        m.therapist_id,
        &tz,
        start,
        m.override_reason,
        m.staff,
        Some(&a.id),
    )
    .await?;
    let moved = core
        .store
        .reschedule_by(
            &a.id,
            UnixTime::from_second(start),
            UnixTime::from_second(start + service.length_min * 60),
            Some(m.therapist_id),
            m.ask_client,
        )
        .await;
    match moved {
        Ok(moved) => Ok((moved, fit, ctx)),
        Err(e @ (StoreError::Conflict | StoreError::ClientBusy)) => {
            let nearest =
                nearest_good(core, &ctx, &service, start, Some(&a.id), core.now()).await?;
            Err(if e == StoreError::ClientBusy {
                BookError::ClientBusy {
                    nearest,
                    moving: true,
                }
            } else {
                BookError::SlotTaken {
                    nearest,
                    moving: true,
                }
            })
        }
        Err(StoreError::Invalid(why)) => Err(BookError::WrongState { message: why }),
        Err(e) => Err(e.into()),
    }
}

/// Records that `a` took place or the client did not come; never before it starts.
pub async fn set_status(core: &Clinic, a: &Appointment, status: Status) -> BookResult<Appointment> {
    if !matches!(status, Status::Completed | Status::NoShow) {
        return Err(BookError::Field {
            field: "status",
            message: format!("expected completed or no_show, found {:?}", status.as_str()),
        });
    }
    if a.status == Status::Booked && a.start_at > UnixTime::from_second(core.now()) {
        return Err(BookError::WrongState {
            message: format!(
                "the appointment has not started yet, so it cannot be marked {}; cancel it instead, or mark it once it has begun",
                status.as_str().replace('_', "-")
            ),
        });
    }
    core.store
        .set_status(&a.id, status)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => BookError::WrongState { message: why },
            e => e.into(),
        })
}

/// The client keeps the time the clinic moved their booking to.
pub async fn keep(core: &Clinic, a: &Appointment) -> BookResult<Appointment> {
    let not_waiting = || BookError::WrongState {
        message: "this booking is not waiting for you to keep a new time".into(),
    };
    if !a.awaiting_client || a.status != Status::Booked {
        return Err(not_waiting());
    }
    core.store
        .keep_moved_time(&a.id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => not_waiting(),
            e => e.into(),
        })
}

/// The appointment `id`, as it stands.
pub async fn appointment(core: &Clinic, id: &AppointmentId) -> crate::CoreResult<Appointment> {
    Ok(core.store.appointment(id).await?)
}

/// Every appointment of the client, by start, cancelled ones too.
pub async fn of_client(core: &Clinic, client_id: &ClientId) -> crate::CoreResult<Vec<Appointment>> {
    Ok(core.store.appointments_for_client(client_id).await?)
}

/// The therapist's appointments starting in `from..to` (Unix seconds), by start.
pub async fn of_therapist(
    core: &Clinic,
    therapist_id: &TherapistId,
    from: i64,
    to: i64,
) -> crate::CoreResult<Vec<Appointment>> {
    Ok(core
        .store
        .appointments_for_therapist(
            therapist_id,
            UnixTime::from_second(from),
            UnixTime::from_second(to),
        )
        .await?)
}

/// Every appointment starting in `from..to` (Unix seconds), by start.
pub async fn between(core: &Clinic, from: i64, to: i64) -> crate::CoreResult<Vec<Appointment>> {
    Ok(core
        .store
        .appointments_between(UnixTime::from_second(from), UnixTime::from_second(to))
        .await?)
}

/// The appointment booked under an idempotency key (already scoped to its caller), if
/// any: a retry is answered as the first request was.
pub async fn by_key(core: &Clinic, key: &str) -> crate::CoreResult<Option<Appointment>> {
    Ok(core.store.appointment_by_key(key).await?)
}
