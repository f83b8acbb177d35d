//! The clinic group's locations over HTTP: list (public, so clients see where they can
//! go), create, change, close down, and opening hours (the owner's).

use axum::Json;
use axum::extract::{Path, State};
use kneadtime_clinic::locations::{self, LocationInput};
use kneadtime_store::Location;
use kneadtime_store::ids::*;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::catalog::{HoursSpan, hours_in, hours_out};
use crate::doc;
use crate::error::{ApiError, ApiJson, ApiResult, Created};
use crate::policy::{Act, allow};

/// A location with its opening hours.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LocationOut {
    pub id: LocationId,
    pub name: String,
    pub address: String,
    /// IANA zone its opening hours and its therapists' hours are read in.
    pub time_zone: String,
    /// False once closed down.
    pub active: bool,
    /// Order on pages, lowest first.
    pub position: i64,
    /// When it is open; empty: whenever its therapists work.
    pub hours: Vec<HoursSpan>,
}

fn out(l: Location, hours: &[kneadtime_store::WorkingHours]) -> LocationOut {
    LocationOut {
        id: l.id,
        name: l.name,
        address: l.address,
        time_zone: l.time_zone,
        active: l.active,
        position: l.position,
        hours: hours_out(hours),
    }
}

async fn one(state: &AppState, id: &str) -> ApiResult<LocationOut> {
    let (l, hours) = locations::one(&state.clinic, &LocationId::from(id)).await?;
    Ok(out(l, &hours))
}

/// GET /api/locations: open locations for anyone; closed ones too for the owner.
#[utoipa::path(
    get,
    path = "/api/locations",
    operation_id = "listLocations",
    tag = "clinic",
    summary = "The clinic group's locations",
    description = "Public: the open locations with their addresses, zones and opening hours; the owner also sees closed-down ones.",
    responses(
        (status = 200, description = "In page order.", body = Vec<LocationOut>),
    ),
    security(),
)]
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> ApiResult<Json<Vec<LocationOut>>> {
    let owner = caller.as_ref().is_some_and(Caller::is_owner);
    Ok(Json(
        locations::all(&state.clinic)
            .await?
            .into_iter()
            .filter(|(l, _)| owner || l.active)
            .map(|(l, h)| out(l, &h))
            .collect(),
    ))
}

/// GET /api/locations/{id}
#[utoipa::path(
    get,
    path = "/api/locations/{id}",
    operation_id = "getLocation",
    tag = "clinic",
    summary = "One location",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "The location.", body = LocationOut),
    ),
    security(),
)]
pub async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LocationOut>> {
    let l = one(&state, &id).await?;
    if !l.active && !caller.as_ref().is_some_and(Caller::is_owner) {
        return Err(ApiError::not_found("location"));
    }
    Ok(Json(l))
}

/// Fields left out are kept (or take their defaults).
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// Required for a new location.
    pub name: Option<String>,
    pub address: Option<String>,
    /// IANA zone; a new location takes the group's when not given.
    pub time_zone: Option<String>,
    /// false closes it down (refused while active therapists work there, or for the last
    /// open location).
    pub active: Option<bool>,
    pub position: Option<i64>,
    /// Opening hours (new locations only; change them with PUT …/hours).
    pub hours: Option<Vec<HoursSpan>>,
}

fn input(b: LocationBody) -> LocationInput {
    LocationInput {
        name: b.name,
        address: b.address,
        time_zone: b.time_zone,
        active: b.active,
        position: b.position,
    }
}

/// POST /api/locations (owner)
#[utoipa::path(
    post,
    path = "/api/locations",
    operation_id = "createLocation",
    tag = "clinic",
    summary = "Add a location (owner)",
    request_body(content = LocationBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The location.", body = LocationOut),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LocationBody>,
) -> ApiResult<Created<LocationOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    if body.name.is_none() {
        return Err(ApiError::field("name", "expected the location's name"));
    }
    let hours = body.hours.as_deref().map(hours_in).transpose()?;
    let l = locations::create(
        &state.clinic,
        input(LocationBody {
            hours: None,
            ..body
        }),
    )
    .await?;
    if let Some(h) = &hours {
        locations::set_hours(&state.clinic, &l.id, h).await?;
    }
    Ok(Created(one(&state, &l.id).await?))
}

/// PATCH /api/locations/{id} (owner): name, address, zone, order, or closing it down.
#[utoipa::path(
    patch,
    path = "/api/locations/{id}",
    operation_id = "patchLocation",
    tag = "clinic",
    summary = "Change or close down a location (owner)",
    params(
        ("id" = String, Path),
    ),
    request_body(content = LocationBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The location as it now is.", body = LocationOut),
    ),
)]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<LocationId>,
    ApiJson(body): ApiJson<LocationBody>,
) -> ApiResult<Json<LocationOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    if body.hours.is_some() {
        return Err(ApiError::field(
            "hours",
            "change opening hours with PUT /api/locations/{id}/hours",
        ));
    }
    locations::update(&state.clinic, &id, input(body)).await?;
    Ok(Json(one(&state, &id).await?))
}

/// PUT /api/locations/{id}/hours (owner): replaces the opening hours; refused while
/// booked clients fall outside the new ones, each listed with the best other time.
#[utoipa::path(
    put,
    path = "/api/locations/{id}/hours",
    operation_id = "putLocationHours",
    tag = "clinic",
    summary = "Replace a location's opening hours (owner)",
    description = "An empty list: open whenever its therapists work. Refused while booked clients fall outside the new hours (409 bookings_affected), each with the best other time.",
    params(
        ("id" = String, Path),
    ),
    request_body(content = Vec<crate::catalog::HoursSpan>, content_type = "application/json"),
    responses(
        (status = 200, description = "The location with its new hours.", body = LocationOut),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn put_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<LocationId>,
    ApiJson(body): ApiJson<Vec<HoursSpan>>,
) -> ApiResult<Json<LocationOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    one(&state, &id).await?;
    let hours = hours_in(&body)?;
    locations::set_hours(&state.clinic, &id, &hours).await?;
    Ok(Json(one(&state, &id).await?))
}
