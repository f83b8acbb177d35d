//! A client's record taken elsewhere, and erased on request, over HTTP: the record as
//! Markdown for a coach, a physiotherapist or the clinic (the client chooses theirs),
//! and the owner's erasure, each in the audit log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kneadtime_clinic::export::{self, Audience, Export};
use kneadtime_clinic::people;
use kneadtime_store::ids::*;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::clients::visible_client;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// coach, physio or clinic; clinic for staff and physio for the client by default.
    #[serde(rename = "for")]
    pub audience: Option<String>,
}

/// Who the record is for, as asked: clients choose between a coach and a physio.
pub fn audience_of(caller: &Caller, asked: Option<&str>) -> ApiResult<Audience> {
    let default = if caller.is_staff() {
        Audience::Clinic
    } else {
        Audience::Physio
    };
    let a = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => Audience::parse(s).ok_or_else(|| {
            ApiError::field(
                "for",
                format!("expected coach, physio or clinic, found {s:?}"),
            )
        })?,
    };
    Ok(a)
}

/// The record for `audience`, read under the access rules and logged.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    client_id: &ClientId,
    audience: Audience,
) -> ApiResult<Export> {
    visible_client(state, caller, client_id).await?;
    Ok(export::logged(&state.clinic, client_id, audience, &caller.actor()).await?)
}

/// A Markdown download of `e`.
pub fn markdown_file(e: &Export, name: &str) -> Response {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let file = format!(
        "attachment; filename=\"record-{}.md\"",
        if slug.is_empty() { "client" } else { &slug }
    );
    let mut r = export::markdown(e).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&file) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// GET /api/clients/{id}/record: the record as Markdown.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/record",
    operation_id = "exportRecord",
    tag = "clients",
    summary = "A client's record as Markdown",
    description = "For a coach (findings, patterns and homework, no health history), a physiotherapist (the intake and every signed note with its amendments) or the clinic (all of it with contact details). The client chooses theirs; staff who may see the client any. Logged in the audit log.",
    params(
        ("id" = String, Path, description = "The record's id."),
        RecordQuery,
    ),
    responses(
        (status = 200, description = "The record.", body = String, content_type = "text/markdown"),
    ),
)]
pub async fn get_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiQuery(q): ApiQuery<RecordQuery>,
) -> ApiResult<Response> {
    let audience = audience_of(&caller, q.audience.as_deref())?;
    let e = record(&state, &caller, &id, audience).await?;
    let name = people::client(&state.clinic, &id).await?.name;
    Ok(markdown_file(&e, &name))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// The client's name as on file, typed to confirm.
    pub confirm_name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub erased: bool,
    /// Bookings kept as anonymous counts.
    pub bookings_counted: i64,
}

/// POST /api/clients/{id}/erase: the owner erases a client on request.
#[utoipa::path(
    post,
    path = "/api/clients/{id}/erase",
    operation_id = "eraseClient",
    tag = "clients",
    summary = "Erase a client on request (owner)",
    description = "Their details, intake, notes, homework, calendars, races, links and bookings go in one transaction; bookings stay only as counts per day, therapist, service and status. The audit log keeps the erasure, naming the client by id only.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = EraseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Erased.", body = Erased),
    ),
)]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<EraseBody>,
) -> ApiResult<Json<Erased>> {
    caller.require_owner()?;
    let n = people::erase(&state.clinic, &id, &body.confirm_name, &caller.actor()).await?;
    Ok(Json(Erased {
        erased: true,
        bookings_counted: n,
    }))
}
