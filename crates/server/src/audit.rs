//! The owner's view of the audit log: who read or changed which client's intake or
//! notes, and when, with names rather than ids.

use axum::Json;
use axum::extract::State;
use kneadtime_clinic::people;
use kneadtime_store::ids::*;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiQuery, ApiResult};

/// One entry as the owner reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditOut {
    /// RFC 3339 in the clinic's zone.
    pub at: String,
    /// staff:ID or client:ID.
    pub actor: String,
    /// The person behind `actor` ("" when the record is gone).
    pub actor_name: String,
    /// intake.view, intake.change, intake.review, notes.view, notes.add, notes.change,
    /// record.view.
    pub action: String,
    pub client_id: Option<ClientId>,
    /// "" when the client was erased.
    pub client_name: String,
    pub subject: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub client_id: Option<ClientId>,
    /// 1 to 1000; 200 by default.
    pub limit: Option<i64>,
}

/// The newest entries (for one client, or all), named.
pub async fn entries(
    state: &AppState,
    caller: &Caller,
    client_id: Option<&ClientId>,
    limit: i64,
) -> ApiResult<Vec<AuditOut>> {
    caller.require_owner()?;
    let (list, setup) = tokio::try_join!(
        people::audit_log(&state.clinic, client_id, limit),
        state.clinic.setup(),
    )?;
    let tz = kneadtime_clinic::zone_of(&setup.clinic.time_zone);
    Ok(list
        .into_iter()
        .map(|e| AuditOut {
            at: kneadtime_clinic::show(e.at, &tz),
            actor: e.actor,
            actor_name: e.actor_name,
            action: e.action,
            client_id: e.client_id,
            client_name: e.client_name,
            subject: e.subject,
        })
        .collect())
}

/// GET /api/audit (owner)
#[utoipa::path(
    get,
    path = "/api/audit",
    operation_id = "getAudit",
    tag = "clinic",
    summary = "Who read or changed clients' intakes and notes (owner)",
    description = "Owner only. Every view and change of a client's intake or session notes, newest first.",
    params(
        AuditQuery,
    ),
    responses(
        (status = 200, description = "The entries.", body = Vec<AuditOut>),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    Ok(Json(
        entries(
            &state,
            &caller,
            (q.client_id.as_deref()).map(ClientId::from).as_ref(),
            q.limit.unwrap_or(200),
        )
        .await?,
    ))
}

/// An audit action in words, for the owner's pages.
pub fn action_words(action: &str) -> &'static str {
    match action {
        "client.erase" => "erased the client",
        "homework.assign" => "gave a homework routine",
        "homework.stop" => "stopped a homework routine",
        "intake.change" => "changed the intake",
        "intake.review" => "went through the intake",
        "intake.view" => "read the intake",
        "notes.add" => "wrote a note",
        "notes.amend" => "amended a signed note",
        "notes.change" => "changed a note",
        "notes.sign" => "signed a note",
        "notes.view" => "read notes",
        "record.export" => "exported the record",
        "record.view" => "opened the record",
        _ => "other",
    }
}
