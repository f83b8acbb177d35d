//! Appointments over HTTP: book (with an idempotency key), cancel, reschedule, mark done
//! or no-show, list and read. Who may book whom, the hourly limits and the idempotency
//! key's scope are decided here; what a booking must be, and the write, are the clinic
//! core's (`kneadtime_clinic::booking`), whose refusals map to the API's errors in one
//! place (`error.rs`).

use kneadtime_store::ids::*;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kneadtime_clinic::booking as core_booking;
use kneadtime_domain::DayFit;
use kneadtime_store::{Appointment, Service, Status, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, hash_token};
use crate::doc;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Code};
use crate::schedule::{local_date, local_datetime, parse_date, show, zone_of};

/// fit is present only when the day was judged in this request (booking, rescheduling).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppointmentOut {
    pub id: AppointmentId,
    pub therapist_id: TherapistId,
    pub therapist_name: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub service_id: ServiceId,
    pub service_name: String,
    /// RFC 3339 with the clinic's offset, e.g. 2027-04-27T10:00:00+01:00.
    #[schema(format = DateTime)]
    pub start: String,
    /// RFC 3339 with the clinic's offset, e.g. 2027-04-27T10:00:00+01:00.
    #[schema(format = DateTime)]
    pub end: String,
    /// Local date in time_zone.
    pub date: jiff::civil::Date,
    /// "HH:MM" in time_zone.
    pub local_time: String,
    pub time_zone: String,
    /// Where the session is.
    pub location_id: LocationId,
    pub location_name: String,
    pub status: Status,
    /// Why staff booked against an error rule; left out when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// How the day fits the client's training, when it was judged in this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<DayFit>,
    /// Cancelled inside the clinic's cancellation window.
    pub late_cancellation: bool,
    /// Moved by the clinic, waiting for the client to keep the new time or choose another.
    pub awaiting_client: bool,
}

/// Names for ids, loaded once per request.
pub struct Names {
    therapists: HashMap<TherapistId, String>,
    services: HashMap<ServiceId, String>,
    clients: HashMap<ClientId, String>,
    /// Each therapist's location: its id, name and zone.
    places: HashMap<TherapistId, (LocationId, String, jiff::tz::TimeZone)>,
    /// The group's zone, for what belongs to no therapist.
    pub tz: jiff::tz::TimeZone,
}

impl Names {
    pub async fn load(state: &AppState) -> ApiResult<Names> {
        // The set-up is kept by the core: one query while it holds.
        let setup = state.clinic.setup().await?;
        let places = setup
            .therapists
            .iter()
            .filter_map(|t| {
                let l = setup.sites.location(&t.location_id)?;
                Some((
                    t.id.clone(),
                    (l.id.clone(), l.name.clone(), setup.sites.zone(&l.id)),
                ))
            })
            .collect();
        Ok(Names {
            therapists: setup
                .therapists
                .iter()
                .map(|t| (t.id.clone(), t.name.clone()))
                .collect(),
            services: setup
                .services
                .iter()
                .map(|s| (s.id.clone(), s.name.clone()))
                .collect(),
            clients: HashMap::new(),
            places,
            tz: zone_of(&setup.clinic.time_zone),
        })
    }

    /// Names for one appointment whose therapist, location and service are at hand.
    pub fn single(
        t: &kneadtime_store::Therapist,
        l: &kneadtime_store::Location,
        s: &Service,
    ) -> Names {
        let tz = zone_of(&l.time_zone);
        Names {
            therapists: HashMap::from([(t.id.clone(), t.name.clone())]),
            services: HashMap::from([(s.id.clone(), s.name.clone())]),
            clients: HashMap::new(),
            places: HashMap::from([(t.id.clone(), (l.id.clone(), l.name.clone(), tz.clone()))]),
            tz,
        }
    }

    /// The zone a therapist's sessions are told in: their location's.
    pub fn zone(&self, therapist_id: &str) -> &jiff::tz::TimeZone {
        self.places
            .get(therapist_id)
            .map_or(&self.tz, |(_, _, tz)| tz)
    }

    /// The name of the location a therapist works at ("" when unknown).
    pub fn place(&self, therapist_id: &str) -> String {
        self.places
            .get(therapist_id)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_default()
    }

    /// A therapist's name ("" when unknown).
    pub fn therapist(&self, id: &str) -> String {
        self.therapists.get(id).cloned().unwrap_or_default()
    }

    /// A client's name, once [`Names::with_clients`] has loaded them ("" otherwise).
    pub fn client(&self, id: &str) -> String {
        self.clients.get(id).cloned().unwrap_or_default()
    }

    /// A service's name ("" when unknown).
    pub fn service(&self, id: &str) -> String {
        self.services.get(id).cloned().unwrap_or_default()
    }

    /// These names with those of the clients `ids` beside them.
    pub async fn with_clients(mut self, state: &AppState, ids: &[ClientId]) -> ApiResult<Names> {
        self.add_clients(state, ids).await?;
        Ok(self)
    }

    /// Loads the names of the clients `ids` not yet known: one read for the clients on
    /// show, whatever the number on file.
    pub async fn add_clients(&mut self, state: &AppState, ids: &[ClientId]) -> ApiResult<()> {
        let missing: Vec<ClientId> = ids
            .iter()
            .filter(|id| !self.clients.contains_key(*id))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            self.clients
                .extend(kneadtime_clinic::people::names_of(&state.clinic, &missing).await?);
        }
        Ok(())
    }

    pub fn view(
        &self,
        a: &Appointment,
        client_name: Option<&str>,
        fit: Option<DayFit>,
    ) -> AppointmentOut {
        fn name<K: std::borrow::Borrow<str> + Eq + std::hash::Hash>(
            m: &HashMap<K, String>,
            id: &str,
        ) -> String {
            m.get(id).cloned().unwrap_or_default()
        }
        let tz = self.zone(&a.therapist_id);
        let (location_id, location_name) = self
            .places
            .get(&a.therapist_id)
            .map(|(id, n, _)| (id.clone(), n.clone()))
            .unwrap_or_default();
        AppointmentOut {
            id: a.id.clone(),
            therapist_id: a.therapist_id.clone(),
            therapist_name: name(&self.therapists, &a.therapist_id),
            client_id: a.client_id.clone(),
            client_name: client_name
                .map(str::to_string)
                .unwrap_or_else(|| name(&self.clients, &a.client_id)),
            service_id: a.service_id.clone(),
            service_name: name(&self.services, &a.service_id),
            start: show(a.start_at.as_second(), tz),
            end: show(a.end_at.as_second(), tz),
            date: local_date(a.start_at.as_second(), tz),
            local_time: local_datetime(a.start_at.as_second(), tz)
                .time()
                .strftime("%H:%M")
                .to_string(),
            time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
            location_id,
            location_name,
            status: a.status,
            override_reason: a.override_reason.clone(),
            fit,
            late_cancellation: a.cancelled_late,
            awaiting_client: a.awaiting_client,
        }
    }
}

/// Owner, the appointment's therapist, or its client (see [`crate::policy`]).
pub fn may_see(caller: &Caller, a: &Appointment) -> bool {
    crate::policy::decide(caller, crate::policy::Act::Appointment(a)) == Some(true)
}

async fn load_visible(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Appointment> {
    let a = match core_booking::appointment(&state.clinic, &AppointmentId::from(id)).await {
        Ok(a) => a,
        Err(kneadtime_clinic::CoreError::Store(StoreError::NotFound)) => {
            return Err(ApiError::not_found("appointment"));
        }
        Err(e) => return Err(e.into()),
    };
    // Someone who may not see it is told it does not exist: ids are not probed.
    if may_see(caller, &a) {
        Ok(a)
    } else {
        Err(ApiError::not_found("appointment"))
    }
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    /// Required for staff; a client books for themself.
    pub client_id: Option<ClientId>,
    pub service_id: ServiceId,
    pub therapist_id: TherapistId,
    /// RFC 3339 (`2027-04-27T10:00:00+01:00`) or wall-clock time in the clinic's zone.
    pub start: String,
    /// Staff only: why the booking goes ahead against an error rule.
    pub override_reason: Option<String>,
    /// The waitlist offer this booking accepts (set by accepting an offer, not sent).
    #[serde(skip)]
    pub offer_id: Option<OfferId>,
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v
        .to_str()
        .map_err(|_| ApiError::field("Idempotency-Key", "expected printable ASCII"))?
        .trim();
    if k.is_empty() || k.len() > 200 {
        return Err(ApiError::field(
            "Idempotency-Key",
            "expected 1 to 200 characters",
        ));
    }
    Ok(Some(k.to_string()))
}

/// POST /api/appointments
#[utoipa::path(
    post,
    path = "/api/appointments",
    operation_id = "createAppointment",
    tag = "appointments",
    summary = "Book an appointment",
    description = "Books a slot after judging it against the client's training. A booking that breaks an error rule is refused (422 rule_broken, with the rule and the nearest good slots) unless staff give an override_reason. A therapist books only on their own schedule. With an Idempotency-Key, repeating the same request returns the first answer; the same key with a different body is refused (422 idempotency_key_reused). Without a staff sign-in, bookings are limited per address and per client each hour (429 too_many_bookings) and a client may hold the clinic's max_open_bookings upcoming bookings (422 too_many_open). No one books past the clinic's booking_horizon_days (422 beyond_horizon). Starts are on the 5-minute grid (400 naming start). Online (without a staff sign-in) a booking needs the clinic's min_notice_hours of notice (422 too_soon, with the nearest good slots).",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body return the first booking. Keys are per caller.", min_length = 1, max_length = 200),
    ),
    request_body(content = BookBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Booked (or the first answer replayed for a repeated Idempotency-Key); fit is included.", body = AppointmentOut),
        (status = 403, description = "Forbidden: a client booking for someone else, a client giving override_reason (override_not_allowed), a therapist booking for another therapist, or a cookie session without the right X-CSRF-Token (csrf).", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown service, therapist or client (field says which), or no such endpoint.", body = crate::error::ErrorBody),
        (status = 409, description = "The time was just taken (slot_taken), or the client already has an appointment then (client_busy); both with the nearest good slots in details.", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid body (invalid_body), or refused: rule_broken, outside_hours, in_the_past, service_inactive, therapist_inactive, idempotency_key_reused, bad_profile.", body = crate::error::ErrorBody),
        (status = 429, response = doc::TooManyRequests),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BookBody>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    // Keys are per caller, so one caller's key can never replay another's answer.
    let scoped = key
        .as_ref()
        .map(|k| hash_token(&format!("{}\n{k}", caller.actor())));
    let request_hash = hash_token(&serde_json::to_string(&body).unwrap_or_default());
    if let Some(k) = &scoped
        && let Some(a) = core_booking::by_key(&state.clinic, k).await?
    {
        return replay(&state, &a, &request_hash).await;
    }
    let out = book(
        &state,
        &caller,
        &body,
        scoped.clone().map(|k| (k, request_hash.clone())),
        addr.ip(),
    )
    .await;
    match out {
        Ok(view) => Ok((StatusCode::CREATED, Json(view)).into_response()),
        // A racer with the same key booked first: answer as it was answered.
        Err(e) if e.code == Code::SlotTaken => match &scoped {
            Some(k) => match core_booking::by_key(&state.clinic, k).await? {
                Some(a) => replay(&state, &a, &request_hash).await,
                None => Err(e),
            },
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The answer to a repeated key: the appointment it booked, as it stands now; or a
/// refusal when the key was used for a different request.
async fn replay(state: &AppState, a: &Appointment, request_hash: &str) -> ApiResult<Response> {
    if a.request_hash.as_deref().is_some_and(|h| h != request_hash) {
        return Err(ApiError::unprocessable(
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request; use a new key",
        ));
    }
    let names = Names::load(state)
        .await?
        .with_clients(state, std::slice::from_ref(&a.client_id))
        .await?;
    Ok((StatusCode::CREATED, Json(names.view(a, None, None))).into_response())
}

/// Limits on booking without staff: per address and per client each hour, and open
/// future bookings per client. Staff book past them.
async fn limit_self_booking(
    state: &AppState,
    caller: &Caller,
    client_id: &ClientId,
    from: IpAddr,
) -> ApiResult<()> {
    if caller.is_staff() {
        return Ok(());
    }
    let l = &state.config.limits;
    for (bucket, limit, what) in [
        (
            format!("book:ip:{from}"),
            l.bookings_per_hour_per_address,
            "from this address",
        ),
        (
            format!("book:client:{client_id}"),
            l.bookings_per_hour_per_client,
            "for this client",
        ),
    ] {
        if !kneadtime_clinic::people::attempt(&state.clinic, &bucket, 3600, limit as i64).await? {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::TooManyBookings,
                format!(
                    "too many bookings {what} in the last hour; try again later or call the clinic"
                ),
            ));
        }
    }
    Ok(())
}

/// A booking judged and ready to write (the clinic core's).
pub use kneadtime_clinic::booking::Prepared;

/// Whom a booking is for: a client themself, or the client staff name.
fn booked_client(caller: &Caller, body: &BookBody) -> ApiResult<String> {
    match (caller.client_id(), &body.client_id) {
        (Some(me), None) => Ok(me.to_string()),
        (Some(me), Some(c)) if c == me => Ok(me.to_string()),
        (Some(_), Some(_)) => Err(ApiError::forbidden()),
        (None, Some(c)) => Ok(String::from(c.clone())),
        (None, None) => Err(ApiError::field("client_id", "expected the client's id")),
    }
}

/// Every check a booking for `caller` passes before it is written: who may book whom,
/// the service, therapist and client, the open-booking limit, and the time judged
/// against the clinic's rules and the client's training.
pub(crate) async fn prepare(
    state: &AppState,
    caller: &Caller,
    body: &BookBody,
) -> ApiResult<Prepared> {
    let client_id = booked_client(caller, body)?;
    if !caller.is_staff() && body.override_reason.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::OverrideNotAllowed,
            "only staff may override a rule",
        ));
    }
    if let Some(t) = caller.therapist_id()
        && t != body.therapist_id
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "a therapist books on their own schedule",
        ));
    }
    if !crate::policy::permitted(
        state,
        caller,
        crate::policy::Act::Book {
            client: &client_id,
            therapist: &body.therapist_id,
        },
    )
    .await?
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "a therapist books only clients they already treat; the front desk or the client books a first visit",
        ));
    }
    Ok(kneadtime_clinic::booking::prepare(
        &state.clinic,
        &kneadtime_clinic::booking::Request {
            client_id: &ClientId::from(&client_id),
            service_id: &body.service_id,
            therapist_id: &body.therapist_id,
            start: &body.start,
            override_reason: body.override_reason.as_deref(),
            staff: caller.is_staff(),
        },
    )
    .await?)
}

/// The review step: the booking judged as [`book`] would judge it, and the time still
/// free, without writing anything (nor counting towards the hourly limits).
pub(crate) async fn review(
    state: &AppState,
    caller: &Caller,
    body: &BookBody,
) -> ApiResult<Prepared> {
    let p = prepare(state, caller, body).await?;
    kneadtime_clinic::booking::still_free(&state.clinic, &p).await?;
    Ok(p)
}

/// Books for `caller` (whose request came from `from`); `key` is the scoped idempotency
/// key and the request's digest.
pub(crate) async fn book(
    state: &AppState,
    caller: &Caller,
    body: &BookBody,
    key: Option<(String, String)>,
    from: IpAddr,
) -> ApiResult<AppointmentOut> {
    // Every attempt counts towards the hourly limits, refused ones too.
    limit_self_booking(
        state,
        caller,
        &ClientId::from(booked_client(caller, body)?),
        from,
    )
    .await?;
    let p = prepare(state, caller, body).await?;
    let a = kneadtime_clinic::booking::commit(
        &state.clinic,
        &p,
        &caller.actor(),
        key,
        body.offer_id.clone(),
    )
    .await?;
    let names = Names::single(&p.therapist, &p.location, &p.service);
    Ok(names.view(&a, Some(&p.ctx.client.name), Some(p.fit)))
}

/// POST /api/appointments/{id}/cancel
#[utoipa::path(
    post,
    path = "/api/appointments/{id}/cancel",
    operation_id = "cancelAppointment",
    tag = "appointments",
    summary = "Cancel an appointment",
    description = "The owner, its therapist or its client. Cancelling a cancelled appointment returns it unchanged. A client cancels only outside the clinic's cancellation window (409 too_late_to_change); staff may, and a cancellation inside the window is recorded as late_cancellation.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The appointment, now cancelled.", body = AppointmentOut),
        (status = 409, description = "It was completed or a no-show (wrong_state).", body = crate::error::ErrorBody),
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    let a = kneadtime_clinic::booking::cancel(&state.clinic, &a, caller.is_staff()).await?;
    let names = Names::load(&state)
        .await?
        .with_clients(&state, std::slice::from_ref(&a.client_id))
        .await?;
    Ok(Json(names.view(&a, None, None)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    /// RFC 3339 or wall-clock time in the clinic's zone.
    pub start: String,
    /// Move to another therapist (staff only; a therapist only to themself).
    pub therapist_id: Option<TherapistId>,
    /// Staff only.
    pub override_reason: Option<String>,
    /// Staff only: the clinic moves it on its own account (a day off in the way), and
    /// the client is asked to keep the new time or choose another.
    #[serde(default)]
    pub ask_client: bool,
}

/// POST /api/appointments/{id}/reschedule
#[utoipa::path(
    post,
    path = "/api/appointments/{id}/reschedule",
    operation_id = "rescheduleAppointment",
    tag = "appointments",
    summary = "Move an appointment",
    description = "The owner, its therapist or its client. Judged like a booking; only staff may change the therapist or override a rule. A client moves a booking only outside the clinic's cancellation window (409 too_late_to_change).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = RescheduleBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The appointment at its new time; fit is included.", body = AppointmentOut),
        (status = 409, description = "Not booked any more (wrong_state), or the new time is taken (slot_taken) or the client is booked then (client_busy), with the nearest good slots.", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid body (invalid_body), or refused: rule_broken, outside_hours, in_the_past, therapist_inactive, bad_profile.", body = crate::error::ErrorBody),
    ),
)]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    if !caller.is_staff()
        && (body.therapist_id.is_some() || body.override_reason.is_some() || body.ask_client)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "only staff may change the therapist, override a rule or ask the client to confirm",
        ));
    }
    let therapist_id = body
        .therapist_id
        .clone()
        .unwrap_or_else(|| a.therapist_id.clone());
    if let Some(t) = caller.therapist_id()
        && t != therapist_id
    {
        return Err(ApiError::forbidden());
    }
    let (a, fit, ctx) = kneadtime_clinic::booking::reschedule(
        &state.clinic,
        &a,
        &kneadtime_clinic::booking::Move {
            start: &body.start,
            therapist_id: &therapist_id,
            override_reason: body.override_reason.as_deref(),
            ask_client: body.ask_client,
            staff: caller.is_staff(),
        },
    )
    .await?;
    let names = Names::load(&state).await?;
    Ok(Json(names.view(&a, Some(&ctx.client.name), Some(fit))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `completed` or `no_show`.
    pub status: String,
}

/// POST /api/appointments/{id}/status: staff mark an appointment completed or a no-show.
#[utoipa::path(
    post,
    path = "/api/appointments/{id}/status",
    operation_id = "setAppointmentStatus",
    tag = "appointments",
    summary = "Mark an appointment completed or a no-show (staff)",
    description = "Staff who may see the appointment. Setting the status it already has returns it unchanged. An appointment that has not started yet cannot be marked completed or no_show (409 wrong_state).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = StatusBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The appointment.", body = AppointmentOut),
        (status = 409, description = "It is not booked (wrong_state).", body = crate::error::ErrorBody),
    ),
)]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<AppointmentOut>> {
    caller.require_staff()?;
    let a = load_visible(&state, &caller, &id).await?;
    let status = match Status::parse(&body.status) {
        Some(s @ (Status::Completed | Status::NoShow)) => s,
        _ => {
            return Err(ApiError::field(
                "status",
                format!("expected completed or no_show, found {:?}", body.status),
            ));
        }
    };
    let a = kneadtime_clinic::booking::set_status(&state.clinic, &a, status).await?;
    let names = Names::load(&state)
        .await?
        .with_clients(&state, std::slice::from_ref(&a.client_id))
        .await?;
    Ok(Json(names.view(&a, None, None)))
}

/// GET /api/appointments/{id}
#[utoipa::path(
    get,
    path = "/api/appointments/{id}",
    operation_id = "getAppointment",
    tag = "appointments",
    summary = "An appointment",
    description = "The owner, its therapist or its client; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The appointment.", body = AppointmentOut),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    let names = Names::load(&state).await?;
    let client = kneadtime_clinic::people::client(&state.clinic, &a.client_id).await?;
    Ok(Json(names.view(&a, Some(&client.name), None)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// First local date (default: today).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last local date, inclusive, on or after from and at most 366 days later (default: from + 7 days).
    #[param(format = Date)]
    pub to: Option<String>,
    /// Only this therapist.
    pub therapist_id: Option<TherapistId>,
    /// Only this client.
    pub client_id: Option<ClientId>,
    /// Include cancelled appointments.
    #[param(default = json!(false))]
    pub include_cancelled: Option<bool>,
}

/// GET /api/appointments: the owner sees all, a therapist their own schedule, a client
/// their own appointments.
#[utoipa::path(
    get,
    path = "/api/appointments",
    operation_id = "listAppointments",
    tag = "appointments",
    summary = "Appointments in a date range",
    description = "The owner sees all, a therapist their own schedule, a client their own appointments (403 when asking for someone else's).",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "Appointments.", body = Vec<AppointmentOut>),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<AppointmentOut>>> {
    let names = Names::load(&state).await?;
    let tz = names.tz.clone();
    let today = local_date(state.now(), &tz);
    let from = q
        .from
        .as_deref()
        .map(|s| parse_date("from", s))
        .transpose()?
        .unwrap_or(today);
    let to =
        q.to.as_deref()
            .map(|s| parse_date("to", s))
            .transpose()?
            .unwrap_or_else(|| kneadtime_domain::season::add_days(from, 7));
    if to < from {
        return Err(ApiError::field("to", "expected a date on or after from"));
    }
    if kneadtime_domain::season::days_between(from, to) > 366 {
        return Err(ApiError::field(
            "to",
            "expected a range of at most 366 days",
        ));
    }
    let start = |d: jiff::civil::Date| kneadtime_clinic::day_start(d, &tz);
    let (lo, hi) = (
        start(from),
        start(kneadtime_domain::season::add_days(to, 1)),
    );
    let mut therapist = q.therapist_id.clone();
    let mut client = q.client_id.clone();
    if let Some(me) = caller.client_id() {
        if client.as_deref().is_some_and(|c| c != me) {
            return Err(ApiError::forbidden());
        }
        client = Some(ClientId::from(me.to_string()));
    } else if !caller.is_owner() {
        let me = caller.therapist_id().ok_or_else(ApiError::forbidden)?;
        if therapist.as_deref().is_some_and(|t| t != me) {
            return Err(ApiError::forbidden());
        }
        therapist = Some(TherapistId::from(me.to_string()));
    }
    let all = match &therapist {
        Some(t) => core_booking::of_therapist(&state.clinic, t, lo, hi).await?,
        None => core_booking::between(&state.clinic, lo, hi).await?,
    };
    let include_cancelled = q.include_cancelled.unwrap_or(false);
    let shown: Vec<&Appointment> = all
        .iter()
        .filter(|a| client.as_deref().is_none_or(|c| a.client_id == c))
        .filter(|a| include_cancelled || a.status != Status::Cancelled)
        .collect();
    let ids: Vec<ClientId> = shown.iter().map(|a| a.client_id.clone()).collect();
    let names = names.with_clients(&state, &ids).await?;
    Ok(Json(
        shown
            .into_iter()
            .map(|a| names.view(a, None, None))
            .collect(),
    ))
}

/// POST /api/appointments/{id}/keep: the client keeps the time the clinic moved their
/// booking to (409 `wrong_state` when it is not waiting for that).
#[utoipa::path(
    post,
    path = "/api/appointments/{id}/keep",
    operation_id = "keepMovedTime",
    tag = "appointments",
    summary = "Keep the time the clinic moved a booking to",
    description = "The client (or staff for them). 409 wrong_state when the booking is not waiting for that.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The appointment, kept.", body = AppointmentOut),
        (status = 409, description = "It is not waiting for the client to keep a new time (wrong_state).", body = crate::error::ErrorBody),
    ),
)]
pub async fn keep(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    let a = kneadtime_clinic::booking::keep(&state.clinic, &a).await?;
    let names = Names::load(&state).await?;
    Ok(Json(names.view(&a, None, None)))
}
