//! The intake over HTTP: the client (or staff at the desk) fills it in with consent, and
//! staff read it, with what it holds back, and record going through it again at a visit.
//! Who may do so is the client rule of `policy`: the client, the owner, and therapists
//! who treat them.

use axum::Json;
use axum::extract::{Path, State};
use kneadtime_clinic::intake::{self, IntakeInput};
use kneadtime_domain::Pressure;
use kneadtime_store::Intake;
use kneadtime_store::ids::*;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::clients::visible_client;
use crate::error::{ApiJson, ApiResult};
use crate::schedule::client_context;

/// A reported condition as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagOut {
    pub id: &'static str,
    pub label: &'static str,
}

/// The client's intake, what it holds back, and when it was last gone through.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntakeView {
    /// Null until filled in.
    /// `None` until the client (or staff) fills it in.
    pub intake: Option<Intake>,
    pub flags: Vec<FlagOut>,
    /// The firmest pressure slot search and the plan propose for the client.
    /// The firmest pressure slot search and the plan propose for the client.
    pub pressure_cap: Option<Pressure>,
    /// What staff are told, one line each.
    pub cautions: Vec<String>,
}

/// The client's intake view, for `caller` who may see the client; the reading is logged.
pub async fn view(state: &AppState, caller: &Caller, client_id: &str) -> ApiResult<IntakeView> {
    visible_client(state, caller, client_id).await?;
    intake::viewed(&state.clinic, &ClientId::from(client_id), &caller.actor()).await?;
    view_unlogged(state, client_id).await
}

async fn view_unlogged(state: &AppState, client_id: &str) -> ApiResult<IntakeView> {
    let ctx = client_context(&state.clinic, &ClientId::from(client_id)).await?;
    Ok(IntakeView {
        flags: ctx
            .intake
            .as_ref()
            .map(|i| {
                i.flags
                    .iter()
                    .map(|f| FlagOut {
                        id: f.as_str(),
                        label: f.label(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        pressure_cap: ctx.pressure_cap(),
        cautions: ctx.cautions(),
        intake: ctx.intake,
    })
}

/// GET /api/clients/{id}/intake
#[utoipa::path(
    get,
    path = "/api/clients/{id}/intake",
    operation_id = "getIntake",
    tag = "clients",
    summary = "A client's intake and what it holds back",
    description = "The client, the owner, or a therapist who treats them.",
    params(
        ("id" = String, Path, description = "The client's id."),
    ),
    responses(
        (status = 200, description = "The intake view.", body = IntakeView),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<IntakeView>> {
    Ok(Json(view(&state, &caller, &id).await?))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    #[serde(default)]
    pub running: String,
    #[serde(default)]
    pub goals: String,
    #[serde(default)]
    pub injuries: String,
    #[serde(default)]
    pub current_pain: String,
    /// 0 (none) to 10.
    #[serde(default)]
    pub pain: i64,
    #[serde(default)]
    pub medication: String,
    #[serde(default)]
    pub conditions: String,
    /// Ids of the conditions that apply (see `flags` in GET).
    #[serde(default)]
    pub flags: Vec<String>,
    /// The client agrees to treatment on what they have said.
    pub consent: bool,
    /// The client's name, typed as their signature.
    pub consent_name: String,
}

impl From<&IntakeBody> for IntakeInput {
    fn from(b: &IntakeBody) -> IntakeInput {
        IntakeInput {
            running: b.running.clone(),
            goals: b.goals.clone(),
            injuries: b.injuries.clone(),
            current_pain: b.current_pain.clone(),
            pain: b.pain,
            medication: b.medication.clone(),
            conditions: b.conditions.clone(),
            flags: b.flags.clone(),
            consent: b.consent,
            consent_name: b.consent_name.clone(),
        }
    }
}

/// Saves the client's intake, as the client or staff at the desk, with consent.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    client_id: &ClientId,
    b: &IntakeBody,
) -> ApiResult<IntakeView> {
    visible_client(state, caller, client_id).await?;
    intake::save(&state.clinic, client_id, &caller.actor(), &b.into()).await?;
    view_unlogged(state, client_id).await
}

/// PUT /api/clients/{id}/intake
#[utoipa::path(
    put,
    path = "/api/clients/{id}/intake",
    operation_id = "putIntake",
    tag = "clients",
    summary = "Fill in or change a client's intake, with consent",
    description = "The client, the owner, or a therapist who treats them (at the desk). A change clears the last review. Red flags hold back the pressure slot search and the plan propose.",
    params(
        ("id" = String, Path, description = "The client's id."),
    ),
    request_body(content = IntakeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The intake view, saved.", body = IntakeView),
    ),
)]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
    ApiJson(body): ApiJson<IntakeBody>,
) -> ApiResult<Json<IntakeView>> {
    Ok(Json(save(&state, &caller, &id, &body).await?))
}

/// Staff record going through the intake with the client again (at a visit).
pub async fn review(state: &AppState, caller: &Caller, client_id: &str) -> ApiResult<IntakeView> {
    caller.require_staff()?;
    visible_client(state, caller, client_id).await?;
    intake::review(&state.clinic, &ClientId::from(client_id), &caller.actor()).await?;
    view_unlogged(state, client_id).await
}

/// POST /api/clients/{id}/intake/review (staff)
#[utoipa::path(
    post,
    path = "/api/clients/{id}/intake/review",
    operation_id = "reviewIntake",
    tag = "clients",
    summary = "Record going through the intake with the client (staff)",
    description = "Staff who may see the client; 404 when the client has no intake yet.",
    params(
        ("id" = String, Path, description = "The client's id."),
    ),
    responses(
        (status = 200, description = "The intake view.", body = IntakeView),
    ),
)]
pub async fn post_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<IntakeView>> {
    Ok(Json(review(&state, &caller, &id).await?))
}
