//! Race week over HTTP (the owner's): events, the runners who asked, the allocation
//! beside first come, first served, booking it for everyone at once, and capacity
//! planning. The work is the clinic core's (`kneadtime_clinic::race_week`).

use kneadtime_store::ids::*;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kneadtime_clinic::race_week::{
    self, Added, Booked, Capacity, CapacityInput, EventInput, Preview, RequestInput,
};
use kneadtime_store::{RaceEvent, RequestState};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::booking::Names;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Created};
use crate::policy::{Act, allow};

/// An event with how its runners stand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventOut {
    #[serde(flatten)]
    pub event: RaceEvent,
    pub service_name: String,
    /// When the race starts, "09:00".
    pub start: String,
    pub runners: usize,
    pub pending: usize,
    pub booked: usize,
    pub waitlisted: usize,
    pub withdrawn: usize,
}

pub async fn event_out(state: &AppState, e: RaceEvent) -> ApiResult<EventOut> {
    let (requests, setup) = tokio::try_join!(
        race_week::requests(&state.clinic, &e.id),
        state.clinic.setup()
    )?;
    let service_name = setup
        .service(&e.service_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let n = |s: RequestState| requests.iter().filter(|r| r.state == s).count();
    Ok(EventOut {
        service_name,
        start: format!("{:02}:{:02}", e.start_minute / 60, e.start_minute % 60),
        runners: requests.len(),
        pending: n(RequestState::Pending),
        booked: n(RequestState::Booked),
        waitlisted: n(RequestState::Waitlisted),
        withdrawn: n(RequestState::Withdrawn),
        event: e,
    })
}

/// GET /api/events (owner)
#[utoipa::path(
    get,
    path = "/api/events",
    operation_id = "listEvents",
    tag = "race week",
    summary = "Race-week events (owner)",
    responses(
        (status = 200, description = "Latest race first.", body = Vec<EventOut>),
    ),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<EventOut>>> {
    allow(&state, &caller, Act::Clinic).await?;
    let mut out = Vec::new();
    for e in race_week::events(&state.clinic).await? {
        out.push(event_out(&state, e).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub name: String,
    /// 'YYYY-MM-DD'.
    #[schema(format = Date)]
    pub date: String,
    /// "marathon", "half", "50k", "42.2"…
    pub distance: String,
    /// post_event (default) or pre_event.
    #[serde(default)]
    pub kind: String,
    /// The service to book; the first active service of the kind when left out.
    pub service_id: Option<ServiceId>,
    /// When the race starts, "09:00" (the default).
    pub start: Option<String>,
}

/// POST /api/events (owner)
#[utoipa::path(
    post,
    path = "/api/events",
    operation_id = "createEvent",
    tag = "race week",
    summary = "Create a race-week event (owner)",
    request_body(content = EventBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The event.", body = EventOut),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<EventBody>,
) -> ApiResult<Created<EventOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    let e = race_week::create_event(
        &state.clinic,
        EventInput {
            name: b.name,
            date: b.date,
            distance: b.distance,
            kind: b.kind,
            service_id: b.service_id,
            start: b.start,
        },
    )
    .await?;
    Ok(Created(event_out(&state, e).await?))
}

/// GET /api/events/{id} (owner)
#[utoipa::path(
    get,
    path = "/api/events/{id}",
    operation_id = "getEvent",
    tag = "race week",
    summary = "One event with how its runners stand (owner)",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "The event.", body = EventOut),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
) -> ApiResult<Json<EventOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    let e = race_week::event(&state.clinic, &id).await?;
    Ok(Json(event_out(&state, e).await?))
}

/// A runner's request as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestOut {
    pub client_id: ClientId,
    pub client_name: String,
    pub state: RequestState,
    pub tier: String,
    /// Location names, best first.
    pub locations: Vec<String>,
    pub days: Vec<jiff::civil::Date>,
    pub parts: Vec<String>,
    pub therapist_id: Option<TherapistId>,
    /// The booked time, once booked.
    pub appointment: Option<crate::booking::AppointmentOut>,
    /// Why they wait, when they do.
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestsQuery {
    /// pending, booked, waitlisted or withdrawn.
    pub state: Option<String>,
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// At most 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The page of requests asked for, and how many match.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestsOut {
    pub total: usize,
    pub requests: Vec<RequestOut>,
}

/// The event's requests, filtered and paged, each with its booking.
pub async fn requests_page(
    state: &AppState,
    id: &str,
    q: &RequestsQuery,
) -> ApiResult<RequestsOut> {
    let want = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RequestState::parse(s).ok_or_else(|| {
            ApiError::field(
                "state",
                format!("expected pending, booked, waitlisted or withdrawn, found {s:?}"),
            )
        })?),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let event = RaceEventId::from(id);
    let (all, setup) = tokio::try_join!(
        race_week::requests(&state.clinic, &event),
        state.clinic.setup()
    )?;
    let locations = setup.sites.locations.clone();
    let ids: Vec<ClientId> = all.iter().map(|r| r.client_id.clone()).collect();
    let names = Names::load(state).await?.with_clients(state, &ids).await?;
    let place: HashMap<LocationId, String> =
        locations.into_iter().map(|l| (l.id, l.name)).collect();
    let matching: Vec<_> = all
        .into_iter()
        .filter(|r| want.is_none_or(|s| r.state == s))
        .collect();
    let total = matching.len();
    let mut requests = Vec::new();
    for r in matching.into_iter().skip(q.offset.unwrap_or(0)).take(limit) {
        let appointment = match &r.appointment_id {
            Some(a) => match kneadtime_clinic::booking::appointment(&state.clinic, a).await {
                Ok(a) => Some(names.view(&a, None, None)),
                Err(kneadtime_clinic::CoreError::Store(kneadtime_store::StoreError::NotFound)) => {
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        requests.push(RequestOut {
            client_name: names.client(&r.client_id),
            client_id: r.client_id,
            state: r.state,
            tier: r.tier,
            locations: r
                .locations
                .iter()
                .map(|l| {
                    place
                        .get(l)
                        .cloned()
                        .unwrap_or_else(|| String::from(l.clone()))
                })
                .collect(),
            days: r.days,
            parts: r.parts,
            therapist_id: r.therapist_id,
            appointment,
            reason: r.reason,
        });
    }
    Ok(RequestsOut { total, requests })
}

/// GET /api/events/{id}/requests (owner)
#[utoipa::path(
    get,
    path = "/api/events/{id}/requests",
    operation_id = "listEventRequests",
    tag = "race week",
    summary = "The runners who asked, with their bookings (owner)",
    params(
        ("id" = String, Path),
        RequestsQuery,
    ),
    responses(
        (status = 200, description = "A page of requests and how many match.", body = RequestsOut),
    ),
)]
pub async fn list_requests(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> ApiResult<Json<RequestsOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    race_week::event(&state.clinic, &id).await?;
    Ok(Json(requests_page(&state, &id, &q).await?))
}

/// One runner as the API takes them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunnerIn {
    /// A client of the clinic; otherwise name and email, matched to a client by email or
    /// made one.
    pub client_id: Option<ClientId>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// Predicted or recorded finish, local: "13:05" on race day or "2027-04-19 02:30".
    pub finish: Option<String>,
    /// Locations by id or name, best first (at most 5); empty for any.
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub days: Vec<String>,
    #[serde(default)]
    pub parts: Vec<String>,
    /// A therapist by id or name.
    pub therapist: Option<String>,
    pub tier: Option<String>,
}

/// Exactly one of runners, csv or sample.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestsBody {
    /// Runners as JSON.
    pub runners: Option<Vec<RunnerIn>>,
    /// Or a runners CSV file's text, and its name for errors.
    pub csv: Option<String>,
    /// The CSV file's name, for errors.
    pub filename: Option<String>,
    /// Or, on the demo clinic, a made-up field of this many runners.
    pub sample: Option<usize>,
}

/// POST /api/events/{id}/requests (owner): runners who asked, as JSON, a CSV file or a
/// made-up field (demo only). All or nothing.
#[utoipa::path(
    post,
    path = "/api/events/{id}/requests",
    operation_id = "addEventRequests",
    tag = "race week",
    summary = "Add runners who asked (owner)",
    description = "As JSON, a CSV file's text, or (demo clinic only) a made-up field. Runners are matched to clients by email or made clients, and the race goes into their races. All or nothing: a bad runner refuses the lot, naming the field and the line.",
    params(
        ("id" = String, Path),
    ),
    request_body(content = RequestsBody, content_type = "application/json"),
    responses(
        (status = 200, description = "What was added.", body = Added),
    ),
)]
pub async fn add_requests(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
    ApiJson(b): ApiJson<RequestsBody>,
) -> ApiResult<Json<Added>> {
    allow(&state, &caller, Act::Clinic).await?;
    let given = [b.runners.is_some(), b.csv.is_some(), b.sample.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if given != 1 {
        return Err(ApiError::bad("give one of runners, csv or sample"));
    }
    let added = if let Some(runners) = b.runners {
        let input: Vec<RequestInput> = runners
            .into_iter()
            .map(|r| RequestInput {
                client_id: r.client_id,
                name: r.name,
                email: r.email,
                finish: r.finish,
                locations: r.locations,
                days: r.days,
                parts: r.parts,
                therapist: r.therapist,
                tier: r.tier,
            })
            .collect();
        race_week::add_requests(&state.clinic, &id, &input).await?
    } else if let Some(text) = b.csv {
        let file = b.filename.unwrap_or_else(|| "runners.csv".into());
        race_week::add_requests_csv(&state.clinic, &id, &file, &text).await?
    } else {
        if !state.config.demo {
            return Err(ApiError::field(
                "sample",
                "a made-up field is for the demo clinic only",
            ));
        }
        let n = b.sample.unwrap_or(0);
        race_week::add_sample(&state.clinic, &id, n, 7).await?
    };
    Ok(Json(added))
}

/// DELETE /api/events/{id}/requests/{client_id}: the owner, or the runner themself,
/// withdraws a request not yet booked.
#[utoipa::path(
    delete,
    path = "/api/events/{id}/requests/{client_id}",
    operation_id = "withdrawEventRequest",
    tag = "race week",
    summary = "Withdraw a request not yet booked (owner, or the runner)",
    params(
        ("id" = String, Path),
        ("client_id" = String, Path),
    ),
    responses(
        (status = 204, description = "Withdrawn."),
    ),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, client_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    if caller.client_id() != Some(&ClientId::from(client_id.as_str())) {
        allow(&state, &caller, Act::Clinic).await?;
    }
    race_week::withdraw(
        &state.clinic,
        &RaceEventId::from(id),
        &ClientId::from(client_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/events/{id}/allocation (owner): what booking would do now, beside first
/// come, first served; nothing is written.
#[utoipa::path(
    get,
    path = "/api/events/{id}/allocation",
    operation_id = "getEventAllocation",
    tag = "race week",
    summary = "What booking would do now, beside first come, first served (owner)",
    description = "The exact allocation (most runners served, then priority, then fit) for everyone still to place, over the rota the clinic holds; nothing is written.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "The allocation.", body = Preview),
    ),
)]
pub async fn allocation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
) -> ApiResult<Json<Preview>> {
    allow(&state, &caller, Act::Clinic).await?;
    Ok(Json(race_week::preview(&state.clinic, &id).await?))
}

/// POST /api/events/{id}/book (owner): books the allocation for everyone still to
/// place, emails each runner, and puts the rest on the waitlist. Repeating it books
/// only what changed since.
#[utoipa::path(
    post,
    path = "/api/events/{id}/book",
    operation_id = "bookEvent",
    tag = "race week",
    summary = "Book the allocation for everyone at once (owner)",
    description = "In one transaction: each runner still to place gets their time (or keeps a session of the kind they booked themselves) or a place on the waitlist for their window, each told by email. Repeating it books only runners added since, or waiting runners into times opened since; nobody is booked twice.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "What the run did.", body = Booked),
    ),
)]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
) -> ApiResult<Json<Booked>> {
    allow(&state, &caller, Act::Clinic).await?;
    Ok(Json(
        race_week::book(&state.clinic, &id, &caller.actor()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CapacityQuery {
    #[param(minimum = 1, maximum = 1000000)]
    pub finishers: usize,
    /// Median finish after the start, "4:15".
    pub median: String,
    /// Typical spread either side, "0:45".
    pub spread: String,
    /// Percent to serve inside their ideal days.
    #[param(maximum = 100, default = json!(90), exclusive_minimum = 0)]
    pub share: Option<f64>,
}

/// GET /api/events/{id}/capacity (owner): therapist-hours needed per day and location.
#[utoipa::path(
    get,
    path = "/api/events/{id}/capacity",
    operation_id = "getEventCapacity",
    tag = "race week",
    summary = "Therapist-hours needed per day and location (owner)",
    params(
        ("id" = String, Path),
        CapacityQuery,
    ),
    responses(
        (status = 200, description = "Need beside the rota, per location and day.", body = Capacity),
    ),
)]
pub async fn capacity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<RaceEventId>,
    ApiQuery(q): ApiQuery<CapacityQuery>,
) -> ApiResult<Json<Capacity>> {
    allow(&state, &caller, Act::Clinic).await?;
    Ok(Json(
        race_week::capacity(
            &state.clinic,
            &id,
            &CapacityInput {
                finishers: q.finishers,
                median: q.median,
                spread: q.spread,
                share_percent: q.share.unwrap_or(90.0),
            },
        )
        .await?,
    ))
}
