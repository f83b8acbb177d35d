//! Clients (runners) over HTTP: their details, personal link, races, training calendars,
//! the season plan the domain makes for them, and session notes with the patterns the
//! notes show over time.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kneadtime_clinic::clients as core_clients;
use kneadtime_domain::session::parse_distance;
use kneadtime_domain::{Priority, RaceSpec};
use kneadtime_store::ids::*;
use kneadtime_store::{Client, ClientRace, FeedOwner};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::auth::{Caller, hash_token, new_token};
use crate::booking::{Names, may_see};
use crate::doc;
use crate::error::{ApiBytes, ApiError, ApiJson, ApiQuery, ApiResult, Code, Created, non_empty};
use crate::schedule::{client_context, parse_date, zone_of};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientOut {
    pub id: ClientId,
    pub name: String,
    /// May be empty.
    pub email: String,
    /// May be empty.
    pub phone: String,
    /// Weekdays the client cannot come: mon … sun.
    pub unavailable_days: Vec<&'static str>,
    pub has_password: bool,
    /// RFC 3339 in UTC, e.g. 2027-04-27T09:00:00Z.
    #[schema(format = DateTime)]
    pub created_at: String,
}

pub fn client_out(c: &Client) -> ClientOut {
    ClientOut {
        id: c.id.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        unavailable_days: c
            .unavailable_weekdays
            .iter()
            .map(|d| DAYS[d.to_monday_zero_offset() as usize])
            .collect(),
        has_password: c.password_hash.is_some(),
        created_at: c
            .created_at
            .timestamp()
            .map(|t| t.to_string())
            .unwrap_or_default(),
    }
}

fn weekdays(field: &str, days: &[String]) -> ApiResult<Vec<jiff::civil::Weekday>> {
    Ok(kneadtime_clinic::clients::check_weekdays(field, days)?)
}

fn check_email(e: &str) -> ApiResult<String> {
    Ok(kneadtime_clinic::clients::check_email(e, false)?)
}

async fn client_or_404(state: &AppState, id: &str) -> ApiResult<Client> {
    Ok(core_clients::find(&state.clinic, &ClientId::from(id)).await?)
}

/// Access to a client, answering 404 (not 403) to callers who may not know it exists.
pub(crate) async fn visible_client(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<Client> {
    let c = client_or_404(state, id).await?;
    caller
        .require_client_access(state, id)
        .await
        .map_err(|_| ApiError::not_found("client"))?;
    Ok(c)
}

/// GET /api/clients (staff): the owner sees every client, a therapist their own.
#[utoipa::path(
    get,
    path = "/api/clients",
    operation_id = "listClients",
    tag = "clients",
    summary = "Clients (staff)",
    description = "The owner sees every client, a therapist the clients they treat.",
    responses(
        (status = 200, description = "Clients.", body = Vec<ClientOut>),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ClientOut>>> {
    caller.require_staff()?;
    let listed = if caller.is_owner() {
        kneadtime_clinic::people::clients(&state.clinic).await?
    } else if let Some(t) = caller.therapist_id() {
        let since = state.now() - crate::policy::AWAITING_STATUS_SECS;
        core_clients::treated_by(&state.clinic, t, since).await?
    } else {
        Vec::new()
    };
    Ok(Json(listed.iter().map(client_out).collect()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientBody {
    /// 1 to 200 characters, not blank.
    pub name: String,
    /// Empty, or an email address (contains @, no spaces, at most 254 bytes).
    #[serde(default)]
    pub email: String,
    /// Kept up to 50 characters.
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub unavailable_days: Vec<String>,
}

/// POST /api/clients (staff): a new client with their personal link and feed URL. The
/// link's secret is shown only here (a new one can be made later).
#[utoipa::path(
    post,
    path = "/api/clients",
    operation_id = "createClient",
    tag = "clients",
    summary = "A new client (staff)",
    description = "Creates the client with a personal link and a calendar feed URL. The link's secret is shown only here. Emails are unique per clinic, case aside: an email another client has is refused (409 email_taken, with the existing client_id in details).",
    request_body(content = ClientBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The client, their link and feed URL.", body = ClientCreated),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClientBody>,
) -> ApiResult<Created<ClientCreated>> {
    caller.require_staff()?;
    let token = new_token();
    let c = kneadtime_clinic::register(
        &state.clinic,
        &kneadtime_clinic::Registration {
            name: body.name,
            email: body.email,
            email_required: false,
            phone: body.phone,
            unavailable_days: body.unavailable_days,
            race: None,
            access_token_hash: hash_token(&token),
        },
    )
    .await?;
    let feed = new_feed(&state, FeedOwner::Client(c.id.clone())).await?;
    Ok(Created(ClientCreated {
        client: client_out(&c),
        link: format!("{}/c/{token}", state.base_url),
        link_token: token,
        feed_url: feed,
    }))
}

/// A new client, with their personal link and calendar feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientCreated {
    pub client: ClientOut,
    /// BASE/c/TOKEN: the client's personal link.
    pub link: String,
    /// The link's secret; shown only here (POST /api/clients/{id}/link makes a new one).
    pub link_token: String,
    /// BASE/feeds/SECRET.ics
    pub feed_url: String,
}

/// A client's personal link, freshly made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientLink {
    /// BASE/c/TOKEN; earlier links stop working.
    pub link: String,
    pub link_token: String,
}

/// A calendar feed's address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedUrl {
    /// BASE/feeds/SECRET.ics; earlier feed URLs of the same owner stop working.
    pub feed_url: String,
}

/// A fresh feed URL for an owner (the old ones stop working).
pub async fn new_feed(state: &AppState, owner: FeedOwner) -> ApiResult<String> {
    let token = new_token();
    core_clients::new_feed(&state.clinic, &owner, &hash_token(&token)).await?;
    Ok(format!("{}/feeds/{token}.ics", state.base_url))
}

/// POST /api/clients/{id}/link (staff): a new personal link; the old one stops working.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/link",
    operation_id = "newClientLink",
    tag = "clients",
    summary = "A new personal link for a client (staff)",
    description = "Staff who may see the client. The old link stops working.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The new link.", body = ClientLink),
    ),
)]
pub async fn new_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<ClientLink>> {
    crate::policy::allow(&state, &caller, crate::policy::Act::RotateClientLink(&id)).await?;
    let token = new_token();
    core_clients::new_link(&state.clinic, &id, &hash_token(&token)).await?;
    Ok(Json(ClientLink {
        link: format!("{}/c/{token}", state.base_url),
        link_token: token,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The other record of the same person; it goes, and everything it holds moves here.
    pub from: String,
}

/// Merges the record `from` into `into` (owner): the one rule for both the API and the
/// client page.
pub async fn merge(state: &AppState, caller: &Caller, into: &str, from: &str) -> ApiResult<()> {
    caller.require_owner()?;
    Ok(core_clients::merge(&state.clinic, into, from).await?)
}

/// POST /api/clients/{id}/merge (owner): one person's two records become one.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/merge",
    operation_id = "mergeClients",
    tag = "clients",
    summary = "Merge another record of the same person into this one (owner)",
    description = "Owner only. The other record's appointments, races, calendars, history, feeds and waitlist entries move to this one, which keeps its details (taking the other's email or phone only where it has none); the other's sessions and sign-in links end and it is deleted. Refused while both are booked at the same time (409 client_busy).",
    params(
        ("id" = String, Path, description = "The record that stays."),
    ),
    request_body(content = MergeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The client.", body = ClientDetail),
        (status = 409, description = "Both records are booked at the same time (client_busy).", body = crate::error::ErrorBody),
    ),
)]
pub async fn post_merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<MergeBody>,
) -> ApiResult<Json<ClientDetail>> {
    merge(&state, &caller, &id, &body.from).await?;
    get(State(state), caller, Path(id)).await
}

/// POST /api/clients/{id}/feed: a new calendar feed URL for the client.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/feed",
    operation_id = "clientFeed",
    tag = "clients",
    summary = "A new calendar feed URL for a client",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404. Earlier feed URLs of the client stop working.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The feed URL.", body = FeedUrl),
    ),
)]
pub async fn client_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<FeedUrl>> {
    visible_client(&state, &caller, &id).await?;
    Ok(Json(FeedUrl {
        feed_url: new_feed(&state, FeedOwner::Client(id)).await?,
    }))
}

/// POST /api/therapists/{id}/feed: a new calendar feed URL for the therapist.
#[utoipa::path(
    post,
    path = "/api/therapists/{id}/feed",
    operation_id = "therapistFeed",
    tag = "therapists",
    summary = "A new calendar feed URL for a therapist (owner or the therapist)",
    description = "Earlier feed URLs of the therapist stop working.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The feed URL.", body = FeedUrl),
    ),
)]
pub async fn therapist_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
) -> ApiResult<Json<FeedUrl>> {
    caller.require_therapist_access(&id)?;
    kneadtime_clinic::catalog::therapist(&state.clinic, &id).await?;
    Ok(Json(FeedUrl {
        feed_url: new_feed(&state, FeedOwner::Therapist(id)).await?,
    }))
}

/// GET /api/clients/{id}: details, races, calendars and appointments.
#[utoipa::path(
    get,
    path = "/api/clients/{id}",
    operation_id = "getClient",
    tag = "clients",
    summary = "A client with races, calendars and appointments",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The client.", body = ClientDetail),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<ClientDetail>> {
    let c = visible_client(&state, &caller, &id).await?;
    let (file, names) = tokio::try_join!(
        async { Ok(core_clients::file(&state.clinic, &id).await?) },
        Names::load(&state),
    )?;
    let races = file.races;
    let calendars: Vec<Upload> = file
        .calendars
        .iter()
        .map(|k| {
            Upload::new(
                &k.id,
                &k.filename,
                k.content.len(),
                k.uploaded_at.as_second(),
            )
        })
        .collect();
    let history: Vec<Upload> = file
        .history
        .iter()
        .map(|h| {
            Upload::new(
                &h.id,
                &h.filename,
                h.sessions.len(),
                h.uploaded_at.as_second(),
            )
        })
        .collect();
    let appointments: Vec<_> = file
        .appointments
        .iter()
        .filter(|a| may_see(&caller, a))
        .map(|a| names.view(a, Some(&c.name), None))
        .collect();
    Ok(Json(ClientDetail {
        client: client_out(&c),
        races,
        calendars,
        history,
        appointments,
    }))
}

/// A client with everything on file about their training and their bookings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientDetail {
    pub client: ClientOut,
    pub races: Vec<ClientRace>,
    pub calendars: Vec<Upload>,
    /// Uploads of recorded history (watch files), each as the sessions it held; removed
    /// like a calendar.
    pub history: Vec<Upload>,
    pub appointments: Vec<crate::booking::AppointmentOut>,
}

/// An uploaded file: a training calendar or recorded history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Upload {
    pub id: String,
    pub filename: String,
    pub bytes: usize,
    /// RFC 3339 in UTC, e.g. 2027-04-27T09:00:00Z.
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

impl Upload {
    fn new(id: &str, filename: &str, bytes: usize, at: i64) -> Upload {
        Upload {
            id: id.to_string(),
            filename: filename.to_string(),
            bytes,
            uploaded_at: jiff::Timestamp::from_second(at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }
}

/// Fields left out (or null) are kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    /// 1 to 200 characters, not blank.
    pub name: Option<String>,
    /// Empty, or an email address.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unavailable_days: Option<Vec<String>>,
}

/// PATCH /api/clients/{id}: the owner, the client's therapist, or the client.
#[utoipa::path(
    patch,
    path = "/api/clients/{id}",
    operation_id = "patchClient",
    tag = "clients",
    summary = "Change a client's details",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404. Fields left out are kept. Emails are unique per clinic, case aside: an email another client has is refused (409 email_taken).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = ClientPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The client as now stored.", body = ClientOut),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClientPatch>,
) -> ApiResult<Json<ClientOut>> {
    let mut c = visible_client(&state, &caller, &id).await?;
    if let Some(n) = body.name {
        c.name = non_empty("name", &n, 200)?;
    }
    if let Some(e) = body.email {
        c.email = check_email(&e)?;
    }
    if let Some(p) = body.phone {
        c.phone = p.trim().chars().take(50).collect();
    }
    if let Some(d) = body.unavailable_days {
        c.unavailable_weekdays = weekdays("unavailable_days", &d)?;
    }
    core_clients::change(&state.clinic, &c).await?;
    Ok(Json(client_out(&c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaceBody {
    /// A local date, YYYY-MM-DD.
    #[schema(format = Date)]
    pub date: String,
    /// Kilometres, or a name: marathon, half, 10k, 5k, 50k…
    pub distance: Value,
    /// A, B or C (default A).
    pub priority: Option<String>,
    /// Kept up to 200 characters.
    #[serde(default)]
    pub name: String,
}

/// POST /api/clients/{id}/races
#[utoipa::path(
    post,
    path = "/api/clients/{id}/races",
    operation_id = "addRace",
    tag = "clients",
    summary = "Add a race to a client's season",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = RaceBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The race.", body = ClientRace),
    ),
)]
pub async fn add_race(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<RaceBody>,
) -> ApiResult<Created<ClientRace>> {
    visible_client(&state, &caller, &id).await?;
    let date = parse_date("date", &body.date)?;
    let km = match &body.distance {
        Value::Number(n) => n.as_f64().unwrap_or(-1.0),
        Value::String(s) => parse_distance(s).map_err(|e| ApiError::field("distance", e))?,
        _ => {
            return Err(ApiError::field(
                "distance",
                "expected kilometres or a name like marathon",
            ));
        }
    };
    if !(km.is_finite() && km > 0.0 && km <= 1000.0) {
        return Err(ApiError::field(
            "distance",
            "expected a distance above 0 and at most 1000 km",
        ));
    }
    let priority = match &body.priority {
        None => Priority::A,
        Some(p) => Priority::parse(p).ok_or_else(|| {
            ApiError::field("priority", format!("expected A, B or C, found {p:?}"))
        })?,
    };
    Ok(Created(
        core_clients::add_race(&state.clinic, &id, date, km, priority, &body.name).await?,
    ))
}

/// DELETE /api/clients/{id}/races/{race_id}
#[utoipa::path(
    delete,
    path = "/api/clients/{id}/races/{race_id}",
    operation_id = "deleteRace",
    tag = "clients",
    summary = "Remove a race",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
        ("race_id" = String, Path, description = "The race's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
    ),
)]
pub async fn delete_race(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, race_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    visible_client(&state, &caller, &id).await?;
    core_clients::remove_race(&state.clinic, &ClientId::from(&id), &RaceId::from(&race_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// Ends in .ics or .csv.
    pub filename: String,
    /// The file's text: iCalendar or CSV.
    pub content: String,
}

/// POST /api/clients/{id}/calendars: a training calendar, checked before it is kept.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/calendars",
    operation_id = "addCalendar",
    tag = "clients",
    summary = "Upload a training calendar (.ics or .csv)",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404. The calendar is parsed before it is kept.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = CalendarBody, content_type = "application/json"),
    responses(
        (status = 201, description = "What was read from the calendar.", body = CalendarCreated),
        (status = 422, description = "Invalid body, or a calendar that cannot be read (bad_calendar) or holds no training sessions (empty_calendar).", body = crate::error::ErrorBody),
    ),
)]
pub async fn add_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<CalendarBody>,
) -> ApiResult<Created<CalendarCreated>> {
    visible_client(&state, &caller, &id).await?;
    let filename: String = body
        .filename
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if !kneadtime_import::is_calendar_name(&filename) {
        return Err(ApiError::field(
            "filename",
            format!("expected a file ending in .ics or .csv, found {filename:?}"),
        ));
    }
    let clinic = kneadtime_clinic::catalog::clinic(&state.clinic).await?;
    let tz = zone_of(&clinic.time_zone);
    // A plan laid out by week is placed from the client's goal race.
    let races = kneadtime_clinic::people::races(&state.clinic, &id).await?;
    let race_day = RaceSpec::goal_day(&kneadtime_clinic::context::race_specs(&races));
    let cal = kneadtime_import::read_named_ending(
        &filename,
        body.content.as_bytes(),
        Some(&tz),
        race_day,
    )
    .map_err(|e| {
        let message = if e.needs_race_day {
            format!(
                "{}: a plan laid out by week has no dates and is placed from the client's goal race; add that race to the client first, then send the file again",
                e.file
            )
        } else {
            e.to_string()
        };
        ApiError::unprocessable(Code::BadCalendar, message).with_field("content")
    })?;
    if cal.entries.is_empty() {
        return Err(ApiError::unprocessable(
            Code::EmptyCalendar,
            format!("{filename}: no training sessions found"),
        )
        .with_field("content"));
    }
    let stored = core_clients::add_calendar(&state.clinic, &id, &filename, &body.content).await?;
    let first = cal.entries.first().map(|e| e.date);
    let last = cal.entries.last().map(|e| e.date);
    Ok(Created(CalendarCreated {
        id: stored.id,
        filename,
        entries: cal.entries.len(),
        first,
        last,
        warnings: cal.warnings,
    }))
}

/// A training calendar taken in, and what was read from it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarCreated {
    pub id: UploadId,
    pub filename: String,
    /// Training sessions read.
    #[schema(minimum = 1)]
    pub entries: usize,
    /// The first day with training.
    pub first: Option<jiff::civil::Date>,
    /// The last day with training.
    pub last: Option<jiff::civil::Date>,
    /// What could not be read, line by line.
    pub warnings: Vec<String>,
}

/// Recorded history taken in: the runs it held.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryCreated {
    pub id: UploadId,
    pub filename: String,
    pub sessions: Vec<RecordedRun>,
}

/// One recorded activity, as the planner reads it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordedRun {
    pub date: jiff::civil::Date,
    pub title: String,
    pub class: kneadtime_domain::Class,
    pub distance_km: Option<f64>,
    pub duration_min: Option<f64>,
    /// Training load measured from the activity.
    pub load: Option<f64>,
}

/// A client's season plan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanOut {
    pub time_zone: String,
    pub plan: kneadtime_domain::Plan,
    /// What could not be read from the client's calendars.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name; its extension gives the format.
    #[param(min_length = 1)]
    pub filename: String,
}

/// POST /api/clients/{id}/activities?filename=NAME: a recorded activity file from a watch
/// (the raw bytes as the body). Its runs become completed sessions with their measured
/// load, so phases and the plan follow what the runner really did.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/activities",
    operation_id = "addActivities",
    tag = "clients",
    summary = "Upload a recorded activity file (.fit, .tcx or .gpx, optionally .gz)",
    description = "The raw file is the body. Its activities become completed sessions with their measured load, so the client's phases and plan follow what they really ran. The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
        UploadQuery,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "The sessions read from the file.", body = HistoryCreated),
        (status = 422, description = "A file that is not a supported activity (unsupported_file, not_an_activity) or cannot be read (bad_activity).", body = crate::error::ErrorBody),
    ),
    security(("bearerAuth" = []), ("cookieAuth" = [])),
)]
pub async fn add_activities(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    ApiBytes(bytes): ApiBytes,
) -> ApiResult<Created<HistoryCreated>> {
    visible_client(&state, &caller, &id).await?;
    let filename: String = q
        .filename
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if bytes.is_empty() {
        return Err(ApiError::bad("the body is empty: send the file's bytes"));
    }
    let clinic = kneadtime_clinic::catalog::clinic(&state.clinic).await?;
    let tz = zone_of(&clinic.time_zone);
    let cap = state.config.limits.inflate_cap(bytes.len());
    let name = filename.clone();
    let activities =
        crate::cpu(move || kneadtime_activity::parse_named_within(&bytes, &name, &tz, cap))
            .await?
            .map_err(|e| {
                let code = match e.kind {
                    kneadtime_activity::ErrorKind::Unsupported => Code::UnsupportedFile,
                    kneadtime_activity::ErrorKind::NotAnActivity => Code::NotAnActivity,
                    _ => Code::BadActivity,
                };
                ApiError::unprocessable(code, e.to_string()).with_field("filename")
            })?;
    let sessions =
        kneadtime_domain::load::recorded(&kneadtime_domain::load::Athlete::default(), &activities)
            .sessions();
    if sessions.is_empty() {
        return Err(ApiError::unprocessable(
            Code::NotAnActivity,
            format!("{filename}: no activity found"),
        )
        .with_field("filename"));
    }
    let text = serde_json::to_string(&sessions).map_err(|e| ApiError::bad(e.to_string()))?;
    let stored = core_clients::add_history(&state.clinic, &id, &filename, &text).await?;
    let summary: Vec<RecordedRun> = sessions
        .iter()
        .map(|s| RecordedRun {
            date: s.date,
            title: s.title.to_string(),
            class: s.class,
            distance_km: s.distance_km,
            duration_min: s.duration_min,
            load: s.load,
        })
        .collect();
    Ok(Created(HistoryCreated {
        id: stored.id,
        filename,
        sessions: summary,
    }))
}

/// DELETE /api/clients/{id}/calendars/{calendar_id}: a training calendar, or an upload
/// of recorded history, by its id.
#[utoipa::path(
    delete,
    path = "/api/clients/{id}/calendars/{calendar_id}",
    operation_id = "deleteCalendar",
    tag = "clients",
    summary = "Remove a training calendar or an upload of recorded history",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
        ("calendar_id" = String, Path, description = "The calendar's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
    ),
)]
pub async fn delete_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, cal_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    visible_client(&state, &caller, &id).await?;
    core_clients::remove_upload(
        &state.clinic,
        &ClientId::from(&id),
        &UploadId::from(&cal_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/clients/{id}/plan: the season's massages from today, as the domain plans
/// them, with the regions the notes keep finding tight leading the focus and the pain
/// they report holding back the pressure.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/plan",
    operation_id = "getPlan",
    tag = "clients",
    summary = "The client's season massage plan from today",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The plan.", body = PlanOut),
        (status = 422, description = "The clinic's rules profile cannot be read (bad_profile).", body = crate::error::ErrorBody),
    ),
)]
pub async fn get_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<PlanOut>> {
    visible_client(&state, &caller, &id).await?;
    let ctx = client_context(&state.clinic, &id).await?;
    let record = kneadtime_clinic::notes::record(&state.clinic, &ctx).await?;
    let p = kneadtime_clinic::plan::season_plan(&state.clinic, &ctx, &record).await?;
    Ok(Json(PlanOut {
        time_zone: ctx.tz.iana_name().unwrap_or("UTC").to_string(),
        plan: p,
        warnings: ctx.warnings.to_vec(),
    }))
}
