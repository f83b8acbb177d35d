//! Homework over HTTP: the library of routines, routines given to a client (by the
//! staff who treat them), the days the client ticks done, and how well each is kept up.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kneadtime_clinic::homework::{self, HomeworkView, compliance_text};
use kneadtime_domain::homework::{Compliance, LIBRARY, Routine};
use kneadtime_store::Homework;
use kneadtime_store::ids::*;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::clients::visible_client;
use crate::error::{ApiError, ApiJson, ApiResult, Created};
use crate::schedule::{parse_date, zone_of};

/// The clinic's time zone.
async fn clinic_zone(state: &AppState) -> ApiResult<jiff::tz::TimeZone> {
    Ok(zone_of(&state.clinic.setup().await?.clinic.time_zone))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoutineShort {
    pub id: &'static str,
    pub name: &'static str,
    pub minutes: u8,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HomeworkOut {
    pub id: HomeworkId,
    pub routine: &'static Routine,
    pub per_week: u8,
    pub from_date: jiff::civil::Date,
    pub assigned_by: String,
    pub note_id: Option<NoteId>,
    pub ended: bool,
    pub ticks: Vec<jiff::civil::Date>,
    pub compliance: Compliance,
    /// The compliance in words.
    pub kept_up: String,
    /// A shorter routine to try when this one is not getting done.
    pub shorter: Option<RoutineShort>,
}

pub fn out(v: HomeworkView) -> HomeworkOut {
    HomeworkOut {
        kept_up: compliance_text(&v.compliance),
        id: v.homework.id,
        routine: v.routine,
        per_week: v.homework.per_week,
        from_date: v.homework.from_date,
        assigned_by: v.homework.assigned_by,
        note_id: v.homework.note_id,
        ended: v.homework.ended_at.is_some(),
        ticks: v.homework.ticks,
        compliance: v.compliance,
        shorter: v.shorter.map(|r| RoutineShort {
            id: r.id,
            name: r.name,
            minutes: r.minutes,
        }),
    }
}

/// GET /api/homework/library: every routine a therapist can give.
#[utoipa::path(
    get,
    path = "/api/homework/library",
    operation_id = "homeworkLibrary",
    tag = "homework",
    summary = "The routines a therapist can give",
    description = "Any signed-in caller.",
    responses(
        (status = 200, description = "Every routine.", body = Vec<Routine>),
    ),
)]
pub async fn library(caller: Caller) -> Json<&'static [Routine]> {
    let _ = caller;
    Json(LIBRARY)
}

/// GET /api/clients/{id}/homework: the routines given to the client, under way first.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/homework",
    operation_id = "listHomework",
    tag = "homework",
    summary = "Routines given to a client, under way first",
    description = "The owner, a therapist who treats the client, or the client themself.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "With compliance over the last two weeks.", body = Vec<HomeworkOut>),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<Vec<HomeworkOut>>> {
    visible_client(&state, &caller, &id).await?;
    let tz = clinic_zone(&state).await?;
    Ok(Json(
        homework::list(&state.clinic, &id, &tz)
            .await?
            .into_iter()
            .map(out)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A routine id of the library.
    pub routine: String,
    /// 1 … 14
    pub per_week: i64,
    /// The session note it goes with, if any.
    pub note_id: Option<NoteId>,
}

/// POST /api/clients/{id}/homework: staff who treat the client give a routine.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/homework",
    operation_id = "assignHomework",
    tag = "homework",
    summary = "Give a client a routine",
    description = "Staff who may see the client. At most a dozen routines under way at once.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = AssignBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The routine given.", body = HomeworkOut),
    ),
)]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Created<HomeworkOut>> {
    caller.require_staff()?;
    visible_client(&state, &caller, &id).await?;
    let by = crate::notes::author(&state, &caller).await?;
    let tz = clinic_zone(&state).await?;
    let v = homework::assign(
        &state.clinic,
        &id,
        (body.note_id.as_deref()).map(NoteId::from).as_ref(),
        &body.routine,
        body.per_week,
        &by,
        &caller.actor(),
        &tz,
    )
    .await?;
    Ok(Created(out(v)))
}

/// A routine the caller may see (the client's own, or staff who may see the client).
async fn visible(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Homework> {
    let h = homework::get(&state.clinic, &HomeworkId::from(id)).await?;
    visible_client(state, caller, &h.client_id)
        .await
        .map_err(|_| ApiError::not_found("homework"))?;
    Ok(h)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickBody {
    /// YYYY-MM-DD: from the day it was given to today, at most two weeks back.
    #[schema(format = Date)]
    pub date: String,
    pub done: bool,
}

/// POST /api/homework/{id}/ticks: the client (or staff for them) says whether the
/// routine was done that day.
#[utoipa::path(
    post,
    path = "/api/homework/{id}/ticks",
    operation_id = "tickHomework",
    tag = "homework",
    summary = "Say whether a routine was done on a day",
    description = "The client, or staff who may see them.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = TickBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The routine with its ticks.", body = HomeworkOut),
    ),
)]
pub async fn tick(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TickBody>,
) -> ApiResult<Json<HomeworkOut>> {
    let h = visible(&state, &caller, &id).await?;
    let day = parse_date("date", &body.date)?;
    let tz = clinic_zone(&state).await?;
    homework::tick(&state.clinic, &h, day, body.done, &tz).await?;
    let v = homework::list(&state.clinic, &h.client_id, &tz)
        .await?
        .into_iter()
        .find(|v| v.homework.id == id)
        .ok_or_else(|| ApiError::not_found("homework"))?;
    Ok(Json(out(v)))
}

/// DELETE /api/homework/{id}: staff stop a routine (its ticks stay on record).
#[utoipa::path(
    delete,
    path = "/api/homework/{id}",
    operation_id = "stopHomework",
    tag = "homework",
    summary = "Stop a routine",
    description = "Staff who may see the client; the ticks stay on record.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 204, description = "Stopped."),
    ),
)]
pub async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_staff()?;
    let h = visible(&state, &caller, &id).await?;
    homework::stop(&state.clinic, &h, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
