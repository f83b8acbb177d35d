//! Appointments over HTTP: book (with an idempotency key), cancel, reschedule, mark done
//! or no-show, list and read. A booking that breaks an error rule is refused with the
//! rule and the nearest good slots, unless staff override it with a recorded reason.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kneadtime_domain::{DayFit, day_fit};
use kneadtime_store::{Appointment, NewAppointment, Service, Status, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::{Caller, hash_token};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Code};
use crate::schedule::{
    ClientContext, client_context, local_date, local_datetime, nearest_good, parse_date,
    parse_instant, show, within_hours, zone_of,
};

#[derive(Debug, Clone, Serialize)]
pub struct AppointmentOut {
    pub id: String,
    pub therapist_id: String,
    pub therapist_name: String,
    pub client_id: String,
    pub client_name: String,
    pub service_id: String,
    pub service_name: String,
    pub start: String,
    pub end: String,
    pub date: jiff::civil::Date,
    pub local_time: String,
    pub time_zone: String,
    /// Where the session is.
    pub location_id: String,
    pub location_name: String,
    pub status: Status,
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
    therapists: HashMap<String, String>,
    services: HashMap<String, String>,
    clients: HashMap<String, String>,
    /// Each therapist's location: its id, name and zone.
    places: HashMap<String, (String, String, jiff::tz::TimeZone)>,
    /// The group's zone, for what belongs to no therapist.
    pub tz: jiff::tz::TimeZone,
}

impl Names {
    pub async fn load(state: &AppState) -> ApiResult<Names> {
        let (clinic, therapists, services, locations) = tokio::try_join!(
            state.store.clinic(),
            state.store.therapists(),
            state.store.services(),
            state.store.locations(),
        )?;
        let places = therapists
            .iter()
            .filter_map(|t| {
                let l = locations.iter().find(|l| l.id == t.location_id)?;
                Some((
                    t.id.clone(),
                    (l.id.clone(), l.name.clone(), zone_of(&l.time_zone)),
                ))
            })
            .collect();
        Ok(Names {
            therapists: therapists.into_iter().map(|t| (t.id, t.name)).collect(),
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
            clients: HashMap::new(),
            places,
            tz: zone_of(&clinic.time_zone),
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

    pub async fn with_clients(mut self, state: &AppState) -> ApiResult<Names> {
        self.clients = state
            .store
            .clients()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(self)
    }

    pub fn view(
        &self,
        a: &Appointment,
        client_name: Option<&str>,
        fit: Option<DayFit>,
    ) -> AppointmentOut {
        let name = |m: &HashMap<String, String>, id: &str| m.get(id).cloned().unwrap_or_default();
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
            start: show(a.start_at, tz),
            end: show(a.end_at, tz),
            date: local_date(a.start_at, tz),
            local_time: local_datetime(a.start_at, tz)
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
    let a = match state.store.appointment(id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return Err(ApiError::not_found("appointment")),
        Err(e) => return Err(e.into()),
    };
    // Someone who may not see it is told it does not exist: ids are not probed.
    if may_see(caller, &a) {
        Ok(a)
    } else {
        Err(ApiError::not_found("appointment"))
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    /// Required for staff; a client books for themself.
    pub client_id: Option<String>,
    pub service_id: String,
    pub therapist_id: String,
    /// RFC 3339 (`2027-04-27T10:00:00+01:00`) or wall-clock time in the clinic's zone.
    pub start: String,
    /// Staff only: why the booking goes ahead against an error rule.
    pub override_reason: Option<String>,
    /// The waitlist offer this booking accepts (set by accepting an offer, not sent).
    #[serde(skip)]
    pub offer_id: Option<String>,
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
        && let Some(a) = state.store.appointment_by_key(k).await?
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
            Some(k) => match state.store.appointment_by_key(k).await? {
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
    let names = Names::load(state).await?.with_clients(state).await?;
    Ok((StatusCode::CREATED, Json(names.view(a, None, None))).into_response())
}

async fn active_service(state: &AppState, id: &str) -> ApiResult<Service> {
    match state.store.service(id).await {
        Ok(s) if s.active => Ok(s),
        Ok(_) => Err(ApiError::unprocessable(
            Code::ServiceInactive,
            "this service is no longer offered",
        )
        .with_field("service_id")),
        Err(StoreError::NotFound) => Err(ApiError::not_found("service").with_field("service_id")),
        Err(e) => Err(e.into()),
    }
}

async fn active_therapist(state: &AppState, id: &str) -> ApiResult<kneadtime_store::Therapist> {
    match state.store.therapist(id).await {
        Ok(t) if t.active => Ok(t),
        Ok(_) => Err(ApiError::unprocessable(
            Code::TherapistInactive,
            "this therapist no longer takes bookings",
        )
        .with_field("therapist_id")),
        Err(StoreError::NotFound) => {
            Err(ApiError::not_found("therapist").with_field("therapist_id"))
        }
        Err(e) => Err(e.into()),
    }
}

/// The location the session would be at: the therapist's, which must offer the service.
pub async fn at_location(
    state: &AppState,
    service: &Service,
    therapist: &kneadtime_store::Therapist,
) -> ApiResult<kneadtime_store::Location> {
    let location = state.store.location(&therapist.location_id).await?;
    if let Some(only) = &service.location_id
        && *only != location.id
    {
        let name = state
            .store
            .location(only)
            .await
            .map(|l| l.name)
            .unwrap_or_else(|_| only.clone());
        return Err(ApiError::field(
            "therapist_id",
            format!(
                "{} is offered only at {name}, and {} works at {}",
                service.name, therapist.name, location.name
            ),
        ));
    }
    Ok(location)
}

/// The checks shared by booking and rescheduling; returns the day's fit.
#[allow(clippy::too_many_arguments)]
async fn judge(
    state: &AppState,
    caller: &Caller,
    ctx: &ClientContext,
    service: &Service,
    therapist_id: &str,
    tz: &jiff::tz::TimeZone,
    start: i64,
    override_reason: Option<&str>,
    moving: Option<&str>,
) -> ApiResult<DayFit> {
    let now = state.now();
    let len = service.length_min * 60;
    if start < now {
        return Err(
            ApiError::unprocessable(Code::InThePast, "that time has already passed")
                .with_field("start"),
        );
    }
    // Online, a booking needs the clinic's notice; staff may book sooner.
    let earliest = if caller.is_staff() {
        now
    } else {
        now + ctx.clinic.min_notice_hours * 3600
    };
    if start < earliest {
        let nearest = nearest_good(&state.clinic, ctx, service, start, moving, earliest).await?;
        return Err(ApiError::unprocessable(
            Code::TooSoon,
            format!(
                "online bookings need at least {} hours' notice; pick a later time or call the clinic",
                ctx.clinic.min_notice_hours
            ),
        )
        .with_field("start")
        .with_details(json!({ "nearest": nearest })));
    }
    let grid = kneadtime_store::CELL_SECS;
    if start.rem_euclid(grid) != 0 {
        return Err(ApiError::field(
            "start",
            format!(
                "times start on the clinic's {}-minute grid (10:00, 10:05, 10:10…); found {}",
                grid / 60,
                crate::schedule::show(start, tz)
            ),
        ));
    }
    let clinic = &ctx.clinic;
    if start > now + clinic.booking_horizon_days * 86_400 {
        return Err(ApiError::unprocessable(
            Code::BeyondHorizon,
            format!(
                "the clinic takes bookings up to {} days ahead",
                clinic.booking_horizon_days
            ),
        )
        .with_field("start"));
    }
    if !within_hours(&state.clinic, therapist_id, start, len).await? {
        let nearest = nearest_good(&state.clinic, ctx, service, start, moving, earliest).await?;
        return Err(ApiError::unprocessable(
            Code::OutsideHours,
            "the therapist does not work then (outside working hours or on leave)",
        )
        .with_field("start")
        .with_details(json!({ "nearest": nearest })));
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
        let overridden = caller.is_staff() && override_reason.is_some_and(|r| !r.trim().is_empty());
        if !overridden {
            let broken = fit
                .findings
                .iter()
                .find(|f| f.severity == kneadtime_domain::Severity::Error);
            let rule = broken.map(|f| f.rule.as_str()).unwrap_or("");
            let mut message = broken.map(|f| f.message.clone()).unwrap_or_default();
            if caller.is_staff() {
                message.push_str(" Staff may book it anyway with an override_reason.");
            }
            let nearest =
                nearest_good(&state.clinic, ctx, service, start, moving, earliest).await?;
            return Err(ApiError::unprocessable(Code::RuleBroken, message)
                .with_field("start")
                .with_details(json!({
                    "rule": rule,
                    "findings": fit.findings,
                    "nearest": nearest,
                })));
        }
    }
    Ok(fit)
}

/// Limits on booking without staff: per address and per client each hour, and open
/// future bookings per client. Staff book past them.
async fn limit_self_booking(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    from: IpAddr,
) -> ApiResult<()> {
    if caller.is_staff() {
        return Ok(());
    }
    let l = &state.config.limits;
    let slow = |what: &str| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Code::TooManyBookings,
            format!(
                "too many bookings {what} in the last hour; try again later or call the clinic"
            ),
        )
    };
    if !state
        .store
        .hit(
            &format!("book:ip:{from}"),
            3600,
            l.bookings_per_hour_per_address as i64,
        )
        .await?
    {
        return Err(slow("from this address"));
    }
    if !state
        .store
        .hit(
            &format!("book:client:{client_id}"),
            3600,
            l.bookings_per_hour_per_client as i64,
        )
        .await?
    {
        return Err(slow("for this client"));
    }
    Ok(())
}

/// A client booking themself holds at most the clinic's number of upcoming bookings
/// (read from the appointments up to the booking horizon, the clinic from the context).
async fn limit_open_bookings(
    state: &AppState,
    caller: &Caller,
    ctx: &ClientContext,
) -> ApiResult<()> {
    if caller.is_staff() {
        return Ok(());
    }
    let now = state.now();
    let until = now + ctx.clinic.booking_horizon_days * 86_400 + 86_400;
    let open = state
        .store
        .appointments_for_client_between(&ctx.client.id, now, until)
        .await?;
    let held = open
        .iter()
        .filter(|a| a.status == Status::Booked && a.start_at > now)
        .count() as i64;
    if held >= ctx.clinic.max_open_bookings {
        return Err(ApiError::unprocessable(
            Code::TooManyOpen,
            format!(
                "you already hold {held} upcoming bookings, the most the clinic takes at once; cancel one or call the clinic"
            ),
        ));
    }
    Ok(())
}

/// A booking judged and ready to commit: what the review step shows and the booking
/// writes.
pub struct Prepared {
    pub client_id: String,
    pub service: Service,
    pub therapist: kneadtime_store::Therapist,
    /// Where the session is (the therapist's location), and its zone.
    pub location: kneadtime_store::Location,
    pub tz: jiff::tz::TimeZone,
    pub ctx: ClientContext,
    pub start: i64,
    pub fit: DayFit,
    /// The staff's reason, kept when the day breaks an error rule.
    pub override_reason: Option<String>,
}

/// Whom a booking is for: a client themself, or the client staff name.
fn booked_client(caller: &Caller, body: &BookBody) -> ApiResult<String> {
    match (caller.client_id(), &body.client_id) {
        (Some(me), None) => Ok(me.to_string()),
        (Some(me), Some(c)) if c == me => Ok(me.to_string()),
        (Some(_), Some(_)) => Err(ApiError::forbidden()),
        (None, Some(c)) => Ok(c.clone()),
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
    let (service, therapist, ctx) = tokio::try_join!(
        active_service(state, &body.service_id),
        active_therapist(state, &body.therapist_id),
        async {
            client_context(&state.clinic, &client_id)
                .await
                .map_err(|e| ApiError::from(e).with_field("client_id"))
        },
    )?;
    limit_open_bookings(state, caller, &ctx).await?;
    let location = at_location(state, &service, &therapist).await?;
    let tz = zone_of(&location.time_zone);
    let start = parse_instant("start", &body.start, &tz)?;
    let fit = judge(
        state,
        caller,
        &ctx,
        &service,
        &body.therapist_id,
        &tz,
        start,
        body.override_reason.as_deref(),
        None,
    )
    .await?;
    let override_reason = if fit.allowed {
        None
    } else {
        body.override_reason.as_ref().map(|r| r.trim().to_string())
    };
    Ok(Prepared {
        client_id,
        service,
        therapist,
        location,
        tz,
        ctx,
        start,
        fit,
        override_reason,
    })
}

/// The review step: the booking judged as [`book`] would judge it, and the time still
/// free, without writing anything (nor counting towards the hourly limits).
pub(crate) async fn review(
    state: &AppState,
    caller: &Caller,
    body: &BookBody,
) -> ApiResult<Prepared> {
    let p = prepare(state, caller, body).await?;
    let len = p.service.length_min * 60;
    let taken = !state
        .store
        .busy_cells(
            &p.therapist.id,
            p.start,
            p.start + len + p.service.buffer_after_min * 60,
        )
        .await?
        .is_empty();
    if taken || p.ctx.busy_during(p.start, p.start + len, None) {
        let nearest = nearest_good(
            &state.clinic,
            &p.ctx,
            &p.service,
            p.start,
            None,
            state.now(),
        )
        .await?;
        let (code, message) = if taken {
            (
                Code::SlotTaken,
                "that time was just taken; here are the nearest good slots",
            )
        } else {
            (
                Code::ClientBusy,
                "the client already has an appointment at that time; here are the nearest good slots",
            )
        };
        return Err(ApiError::conflict(code, message)
            .with_field("start")
            .with_details(json!({ "nearest": nearest })));
    }
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
    limit_self_booking(state, caller, &booked_client(caller, body)?, from).await?;
    let Prepared {
        client_id,
        service,
        therapist,
        location,
        ctx,
        start,
        fit,
        override_reason,
        ..
    } = prepare(state, caller, body).await?;
    let my_hash = key.as_ref().map(|(_, h)| h.clone());
    let new = NewAppointment {
        therapist_id: body.therapist_id.clone(),
        client_id: client_id.clone(),
        service_id: service.id.clone(),
        start_at: start,
        end_at: start + service.length_min * 60,
        override_reason,
        created_by: caller.actor(),
        idempotency_key: key.as_ref().map(|(k, _)| k.clone()),
        request_hash: my_hash.clone(),
        offer_id: body.offer_id.clone(),
    };
    let a = match state.store.book(new).await {
        Ok(a) => a,
        Err(StoreError::Conflict) => {
            let nearest =
                nearest_good(&state.clinic, &ctx, &service, start, None, state.now()).await?;
            return Err(ApiError::conflict(
                Code::SlotTaken,
                "that time was just taken; here are the nearest good slots",
            )
            .with_field("start")
            .with_details(json!({ "nearest": nearest })));
        }
        Err(StoreError::ClientBusy) => {
            let nearest =
                nearest_good(&state.clinic, &ctx, &service, start, None, state.now()).await?;
            return Err(ApiError::conflict(
                Code::ClientBusy,
                "the client already has an appointment at that time; here are the nearest good slots",
            )
            .with_field("start")
            .with_details(json!({ "nearest": nearest })));
        }
        Err(e) => return Err(e.into()),
    };
    // A racer with the same key but another request booked first.
    if let (Some(mine), Some(theirs)) = (&my_hash, &a.request_hash)
        && mine != theirs
    {
        return Err(ApiError::unprocessable(
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request; use a new key",
        ));
    }
    let names = Names::single(&therapist, &location, &service);
    Ok(names.view(&a, Some(&ctx.client.name), Some(fit)))
}

/// POST /api/appointments/{id}/cancel
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    let late = inside_window(&state, &caller, &a).await?;
    let a = state
        .store
        .cancel_as(&id, late)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => {
                ApiError::conflict(Code::WrongState, format!("cannot cancel: {why}"))
            }
            e => e.into(),
        })?;
    let names = Names::load(&state).await?.with_clients(&state).await?;
    Ok(Json(names.view(&a, None, None)))
}

/// Whether a change to `a` now falls inside the clinic's cancellation window. A client
/// is refused there (they call the clinic); staff go ahead and the cancellation is
/// recorded as late.
async fn inside_window(state: &AppState, caller: &Caller, a: &Appointment) -> ApiResult<bool> {
    if a.status != Status::Booked {
        return Ok(false);
    }
    let clinic = state.store.clinic().await?;
    let window = clinic.cancel_window_hours;
    let late = !kneadtime_clinic::changeable_online(&clinic, a.start_at, state.now());
    if late && !caller.is_staff() {
        return Err(ApiError::conflict(
            Code::TooLateToChange,
            format!(
                "this booking starts within {window} hours, the clinic's cancellation window; call the clinic to change it"
            ),
        ));
    }
    Ok(late)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    pub start: String,
    /// Move to another therapist (staff only; a therapist only to themself).
    pub therapist_id: Option<String>,
    pub override_reason: Option<String>,
    /// Staff only: the clinic moves it on its own account (a day off in the way), and
    /// the client is asked to keep the new time or choose another.
    #[serde(default)]
    pub ask_client: bool,
}

/// POST /api/appointments/{id}/reschedule
pub async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    if a.status != Status::Booked {
        return Err(ApiError::conflict(
            Code::WrongState,
            format!("the appointment is {}", a.status.as_str()),
        ));
    }
    if !caller.is_staff()
        && (body.therapist_id.is_some() || body.override_reason.is_some() || body.ask_client)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "only staff may change the therapist, override a rule or ask the client to confirm",
        ));
    }
    inside_window(&state, &caller, &a).await?;
    let therapist_id = body
        .therapist_id
        .clone()
        .unwrap_or_else(|| a.therapist_id.clone());
    if let Some(t) = caller.therapist_id()
        && t != therapist_id
    {
        return Err(ApiError::forbidden());
    }
    let therapist = active_therapist(&state, &therapist_id).await?;
    let service = state.store.service(&a.service_id).await?;
    let ctx = client_context(&state.clinic, &a.client_id).await?;
    let location = at_location(&state, &service, &therapist).await?;
    let tz = zone_of(&location.time_zone);
    let start = parse_instant("start", &body.start, &tz)?;
    let fit = judge(
        &state,
        &caller,
        &ctx,
        &service,
        &therapist_id,
        &tz,
        start,
        body.override_reason.as_deref(),
        Some(&id),
    )
    .await?;
    let moved = state
        .store
        .reschedule_by(
            &id,
            start,
            start + service.length_min * 60,
            Some(&therapist_id),
            body.ask_client,
        )
        .await;
    let a = match moved {
        Ok(a) => a,
        Err(e @ (StoreError::Conflict | StoreError::ClientBusy)) => {
            let nearest =
                nearest_good(&state.clinic, &ctx, &service, start, Some(&id), state.now()).await?;
            let (code, message) = if e == StoreError::ClientBusy {
                (
                    Code::ClientBusy,
                    "the client already has another appointment at that time; the appointment is unchanged",
                )
            } else {
                (
                    Code::SlotTaken,
                    "that time is taken; the appointment is unchanged",
                )
            };
            return Err(ApiError::conflict(code, message)
                .with_field("start")
                .with_details(json!({ "nearest": nearest })));
        }
        Err(StoreError::Invalid(why)) => return Err(ApiError::conflict(Code::WrongState, why)),
        Err(e) => return Err(e.into()),
    };
    let names = Names::load(&state).await?;
    Ok(Json(names.view(&a, Some(&ctx.client.name), Some(fit))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `completed` or `no_show`.
    pub status: String,
}

/// POST /api/appointments/{id}/status: staff mark an appointment completed or a no-show.
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
    if a.status == Status::Booked && a.start_at > state.now() {
        return Err(ApiError::conflict(
            Code::WrongState,
            format!(
                "the appointment has not started yet, so it cannot be marked {}; cancel it instead, or mark it once it has begun",
                status.as_str().replace('_', "-")
            ),
        ));
    }
    let a = state
        .store
        .set_status(&id, status)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => ApiError::conflict(Code::WrongState, why),
            e => e.into(),
        })?;
    let names = Names::load(&state).await?.with_clients(&state).await?;
    Ok(Json(names.view(&a, None, None)))
}

/// GET /api/appointments/{id}
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    let names = Names::load(&state).await?;
    let client = state.store.client(&a.client_id).await?;
    Ok(Json(names.view(&a, Some(&client.name), None)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// First local date (default: today).
    pub from: Option<String>,
    /// Last local date, inclusive (default: a week from `from`).
    pub to: Option<String>,
    pub therapist_id: Option<String>,
    pub client_id: Option<String>,
    /// Include cancelled appointments.
    pub include_cancelled: Option<bool>,
}

/// GET /api/appointments: the owner sees all, a therapist their own schedule, a client
/// their own appointments.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<AppointmentOut>>> {
    let names = Names::load(&state).await?.with_clients(&state).await?;
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
        client = Some(me.to_string());
    } else if !caller.is_owner() {
        let me = caller.therapist_id().ok_or_else(ApiError::forbidden)?;
        if therapist.as_deref().is_some_and(|t| t != me) {
            return Err(ApiError::forbidden());
        }
        therapist = Some(me.to_string());
    }
    let all = match &therapist {
        Some(t) => state.store.appointments_for_therapist(t, lo, hi).await?,
        None => state.store.appointments_between(lo, hi).await?,
    };
    let include_cancelled = q.include_cancelled.unwrap_or(false);
    Ok(Json(
        all.iter()
            .filter(|a| client.as_deref().is_none_or(|c| a.client_id == c))
            .filter(|a| include_cancelled || a.status != Status::Cancelled)
            .map(|a| names.view(a, None, None))
            .collect(),
    ))
}

/// POST /api/appointments/{id}/keep: the client keeps the time the clinic moved their
/// booking to (409 `wrong_state` when it is not waiting for that).
pub async fn keep(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentOut>> {
    let a = load_visible(&state, &caller, &id).await?;
    if !a.awaiting_client || a.status != Status::Booked {
        return Err(ApiError::conflict(
            Code::WrongState,
            "this booking is not waiting for you to keep a new time",
        ));
    }
    let a = state
        .store
        .keep_moved_time(&id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::conflict(
                Code::WrongState,
                "this booking is not waiting for you to keep a new time",
            ),
            e => e.into(),
        })?;
    let names = Names::load(&state).await?;
    Ok(Json(names.view(&a, None, None)))
}
