//! The clinic group's locations over HTTP: list (public, so clients see where they can
//! go), create, change, close down, and opening hours (the owner's).

use axum::Json;
use axum::extract::{Path, State};
use kneadtime_clinic::locations::{self, LocationInput};
use kneadtime_store::{Location, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::catalog::{HoursSpan, hours_in, hours_out, stranded_error};
use crate::error::{ApiError, ApiJson, ApiResult, Created};
use crate::policy::{Act, allow};

/// A location with its opening hours.
#[derive(Debug, Serialize)]
pub struct LocationOut {
    pub id: String,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub active: bool,
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
    let l = state.store.location(id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("location"),
        e => e.into(),
    })?;
    let hours = state.store.location_hours(id).await?;
    Ok(out(l, &hours))
}

/// GET /api/locations: open locations for anyone; closed ones too for the owner.
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> ApiResult<Json<Vec<LocationOut>>> {
    let owner = caller.as_ref().is_some_and(Caller::is_owner);
    let (all, hours) = tokio::try_join!(state.store.locations(), state.store.location_hours_all())?;
    Ok(Json(
        all.into_iter()
            .filter(|l| owner || l.active)
            .map(|l| {
                let h: Vec<_> = hours
                    .iter()
                    .filter(|(id, _)| *id == l.id)
                    .map(|(_, h)| *h)
                    .collect();
                out(l, &h)
            })
            .collect(),
    ))
}

/// GET /api/locations/{id}
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    pub name: Option<String>,
    pub address: Option<String>,
    /// IANA zone; a new location takes the group's when not given.
    pub time_zone: Option<String>,
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
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
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
pub async fn put_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Vec<HoursSpan>>,
) -> ApiResult<Json<LocationOut>> {
    allow(&state, &caller, Act::Clinic).await?;
    one(&state, &id).await?;
    let hours = hours_in(&body)?;
    let stranded =
        kneadtime_clinic::leave::stranded_by_opening_hours(&state.clinic, &id, &hours).await?;
    if !stranded.is_empty() {
        return Err(stranded_error(&state, &stranded).await?);
    }
    let before = state.store.location_hours(&id).await?;
    locations::set_hours(&state.clinic, &id, &hours).await?;
    // Longer opening hours are time for those waiting on these weeks.
    let gained = if hours.is_empty() {
        if before.is_empty() {
            Vec::new()
        } else {
            (0..7).collect()
        }
    } else if before.is_empty() {
        Vec::new()
    } else {
        kneadtime_clinic::waitlist::weekdays_gained(&before, &hours)
    };
    if !gained.is_empty() {
        let here: Vec<String> = state
            .store
            .therapists()
            .await?
            .into_iter()
            .filter(|t| t.active && t.location_id == id)
            .map(|t| t.id)
            .collect();
        let l = state.store.location(&id).await?;
        let today =
            kneadtime_clinic::local_date(state.now(), &kneadtime_clinic::zone_of(&l.time_zone));
        let days: Vec<_> = kneadtime_clinic::waitlist::dates_between(
            today,
            kneadtime_domain::dates::add_days(today, kneadtime_clinic::waitlist::OPENED_DAYS),
        )
        .into_iter()
        .filter(|d| gained.contains(&i64::from(d.weekday().to_monday_zero_offset())))
        .collect();
        kneadtime_clinic::waitlist::opened(&state.clinic, &here, &days).await?;
    }
    Ok(Json(one(&state, &id).await?))
}
