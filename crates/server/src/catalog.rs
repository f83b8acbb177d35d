//! The clinic's set-up over HTTP: the clinic itself (name, zone, rules profile),
//! therapists and their logins, working hours, days off, and services.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use kneadtime_clinic::catalog;
use kneadtime_domain::Pressure;
use kneadtime_store::ids::*;
use kneadtime_store::{
    ExceptionReason, NewService, NewStaff, Role, Service, ServiceKind, Skill, Staff, StoreError,
    Therapist, TherapistException, WorkingHours,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, MaybeCaller, check_new_password, hash_password};
use crate::doc;
use crate::error::{ApiError, ApiJson, ApiResult, Created, non_empty};
use crate::schedule::parse_date;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicOut {
    pub name: String,
    /// IANA zone name.
    pub time_zone: String,
    /// The rules profile as TOML; empty means the built-in defaults.
    pub profile_toml: String,
    /// How far ahead a booking may be made, in days.
    pub booking_horizon_days: i64,
    /// Future bookings a client may hold at once when booking themself.
    pub max_open_bookings: i64,
    /// Where clients come to.
    pub address: String,
    /// Hours before an appointment its reminder email goes out (0: none).
    pub reminder_hours: i64,
    /// Hours before an appointment a client may still cancel or move it themself.
    pub cancel_window_hours: i64,
    /// Hours of notice an online booking needs (staff may book sooner).
    pub min_notice_hours: i64,
    /// ISO 4217 code prices are shown in ("" for plain numbers).
    pub currency: String,
}

/// GET /api/clinic: public (the booking page shows the name and zone).
#[utoipa::path(
    get,
    path = "/api/clinic",
    operation_id = "getClinic",
    tag = "clinic",
    summary = "The clinic's name, zone and rules profile",
    responses(
        (status = 200, description = "The clinic.", body = ClinicOut),
    ),
    security(),
)]
pub async fn get_clinic(State(state): State<AppState>) -> ApiResult<Json<ClinicOut>> {
    Ok(Json(clinic_out(
        kneadtime_clinic::catalog::clinic(&state.clinic).await?,
    )))
}

fn clinic_out(c: kneadtime_store::Clinic) -> ClinicOut {
    ClinicOut {
        name: c.name,
        time_zone: c.time_zone,
        profile_toml: c.profile_toml,
        booking_horizon_days: c.booking_horizon_days,
        max_open_bookings: c.max_open_bookings,
        address: c.address,
        reminder_hours: c.reminder_hours,
        cancel_window_hours: c.cancel_window_hours,
        min_notice_hours: c.min_notice_hours,
        currency: c.currency,
    }
}

/// Fields left out (or null) are kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicBody {
    /// 1 to 200 characters, not blank.
    pub name: Option<String>,
    /// An IANA time zone name like Europe/London.
    pub time_zone: Option<String>,
    /// A rules profile as TOML; empty for the defaults.
    pub profile_toml: Option<String>,
    /// 1 to 3650.
    pub booking_horizon_days: Option<i64>,
    /// 1 to 1000.
    pub max_open_bookings: Option<i64>,
    /// At most 500 characters.
    pub address: Option<String>,
    /// 0 to 336.
    pub reminder_hours: Option<i64>,
    /// 0 to 336.
    pub cancel_window_hours: Option<i64>,
    /// 0 to 336.
    pub min_notice_hours: Option<i64>,
    /// GBP, EUR, USD… or "" for none.
    pub currency: Option<String>,
}

/// PUT /api/clinic (owner)
#[utoipa::path(
    put,
    path = "/api/clinic",
    operation_id = "putClinic",
    tag = "clinic",
    summary = "Change the clinic (owner)",
    description = "Owner only. Fields left out are kept; the zone must be a known IANA name and the profile valid TOML.",
    request_body(content = ClinicBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The clinic as now stored.", body = ClinicOut),
    ),
)]
pub async fn put_clinic(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClinicBody>,
) -> ApiResult<Json<ClinicOut>> {
    caller.require_owner()?;
    let c = catalog::change_clinic(
        &state.clinic,
        catalog::ClinicChange {
            name: body.name,
            time_zone: body.time_zone,
            profile_toml: body.profile_toml,
            booking_horizon_days: body.booking_horizon_days,
            max_open_bookings: body.max_open_bookings,
            address: body.address,
            reminder_hours: body.reminder_hours,
            cancel_window_hours: body.cancel_window_hours,
            min_notice_hours: body.min_notice_hours,
            currency: body.currency,
        },
    )
    .await?;
    Ok(Json(clinic_out(c)))
}

fn skills(field: &str, names: &[String]) -> ApiResult<Vec<Skill>> {
    names
        .iter()
        .map(|n| {
            Skill::parse(n).ok_or_else(|| {
                let all: Vec<&str> = Skill::ALL.iter().map(|s| s.as_str()).collect();
                ApiError::field(
                    field,
                    format!("expected one of {}, found {n:?}", all.join(", ")),
                )
            })
        })
        .collect()
}

/// GET /api/therapists: active therapists; anyone may list them (clients choose one).
#[utoipa::path(
    get,
    path = "/api/therapists",
    operation_id = "listTherapists",
    tag = "therapists",
    summary = "Therapists",
    description = "Public: active therapists. With an owner's session, inactive ones too.",
    responses(
        (status = 200, description = "Therapists.", body = Vec<Therapist>),
    ),
    security((), ("bearerAuth" = []), ("cookieAuth" = [])),
)]
pub async fn list_therapists(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> ApiResult<Json<Vec<Therapist>>> {
    let owner = caller.as_ref().is_some_and(Caller::is_owner);
    Ok(Json(catalog::therapists(&state.clinic, owner).await?))
}

/// Give both email and password for a login, or neither (400 otherwise).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TherapistBody {
    /// 1 to 200 characters, not blank.
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Vec<kneadtime_store::Skill>)]
    pub skills: Vec<String>,
    /// Give the therapist a login: email and a first password (10 characters or more).
    pub email: Option<String>,
    /// With email: the login's first password (10 characters or more).
    pub password: Option<String>,
    /// Where they work; the group's first location when not given.
    pub location_id: Option<LocationId>,
}

/// POST /api/therapists (owner): a therapist, with a login when email and password are given.
#[utoipa::path(
    post,
    path = "/api/therapists",
    operation_id = "createTherapist",
    tag = "therapists",
    summary = "A new therapist (owner)",
    description = "Owner only. With email and password, the therapist also gets a login. If the login cannot be made (409, 400), the therapist record has already been created.",
    request_body(content = TherapistBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The therapist, and the login or null.", body = TherapistCreated),
        (status = 409, description = "That email already has a login (email_taken).", body = crate::error::ErrorBody),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn create_therapist(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TherapistBody>,
) -> ApiResult<Created<TherapistCreated>> {
    caller.require_owner()?;
    let name = non_empty("name", &body.name, 200)?;
    let skills = skills("skills", &body.skills)?;
    let login = match (body.email, body.password) {
        (Some(email), Some(p)) => {
            check_new_password(&p, &[&email, &name])?;
            Some(catalog::NewLogin {
                email,
                password_hash: hash_password(p).await?,
            })
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::bad(
                "give both email and password for a login, or neither",
            ));
        }
    };
    let (therapist, login) =
        catalog::add_therapist(&state.clinic, &name, skills, body.location_id, login).await?;
    Ok(Created(TherapistCreated {
        therapist,
        login: login.as_ref().map(staff_out),
    }))
}

/// A new therapist, and their login when one was asked for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TherapistCreated {
    pub therapist: Therapist,
    /// The therapist's login, or null when none was asked for.
    /// The therapist's login, or null when none was asked for.
    pub login: Option<StaffOut>,
}

/// A staff login, without its password hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffOut {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub therapist_id: Option<TherapistId>,
    /// False once the owner revoked the login.
    pub active: bool,
}

fn staff_out(s: &Staff) -> StaffOut {
    StaffOut {
        id: s.id.clone(),
        email: s.email.clone(),
        name: s.name.clone(),
        role: s.role,
        therapist_id: s.therapist_id.clone(),
        active: s.active,
    }
}

/// A therapist with their weekly hours and days off.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TherapistDetail {
    pub therapist: Therapist,
    pub hours: Vec<HoursSpan>,
    pub exceptions: Vec<TherapistException>,
}

/// Fields left out are kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPatch {
    /// false revokes the login (its sessions end); true restores it.
    pub active: Option<bool>,
    /// A new password set by the owner (the login's sessions end).
    pub password: Option<String>,
}

/// PATCH /api/staff/{id} (owner): revoke or restore a login, or reset its password.
#[utoipa::path(
    patch,
    path = "/api/staff/{id}",
    operation_id = "patchStaff",
    tag = "staff",
    summary = "Revoke, restore or reset a staff login (owner)",
    params(
        ("id" = String, Path),
    ),
    request_body(content = StaffPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The login as it now stands.", body = StaffOut),
        (status = 409, description = "The clinic's only active owner cannot be revoked (last_owner).", body = crate::error::ErrorBody),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn patch_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<StaffId>,
    ApiJson(body): ApiJson<StaffPatch>,
) -> ApiResult<Json<StaffOut>> {
    caller.require_owner()?;
    let mut change = catalog::StaffChange {
        active: body.active,
        ..Default::default()
    };
    if let Some(p) = body.password {
        let s = kneadtime_clinic::people::staff(&state.clinic, &id)
            .await
            .map_err(|e| match e {
                kneadtime_clinic::CoreError::Store(StoreError::NotFound) => {
                    ApiError::not_found("staff login")
                }
                e => e.into(),
            })?;
        check_new_password(&p, &[&s.email, &s.name])?;
        change.password_hash = Some(hash_password(p).await?);
        change.keep_session =
            (caller.actor() == format!("staff:{}", s.id)).then(|| caller.session_hash.clone());
    }
    let s = catalog::change_staff(&state.clinic, &id, change).await?;
    Ok(Json(staff_out(&s)))
}

/// GET /api/therapists/{id}: the therapist with hours and days off (staff).
#[utoipa::path(
    get,
    path = "/api/therapists/{id}",
    operation_id = "getTherapist",
    tag = "therapists",
    summary = "A therapist with hours and days off (staff)",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The therapist.", body = TherapistDetail),
    ),
)]
pub async fn get_therapist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
) -> ApiResult<Json<TherapistDetail>> {
    caller.require_staff()?;
    let (therapist, hours, exceptions) = catalog::therapist_with_time(&state.clinic, &id).await?;
    Ok(Json(TherapistDetail {
        therapist,
        hours: hours_out(&hours),
        exceptions,
    }))
}

/// Fields left out (or null) are kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TherapistPatch {
    /// 1 to 200 characters, not blank.
    pub name: Option<String>,
    #[schema(value_type = Option<Vec<kneadtime_store::Skill>>)]
    pub skills: Option<Vec<String>>,
    pub active: Option<bool>,
    /// Move them to another location (refused while they have sessions booked ahead).
    pub location_id: Option<LocationId>,
}

/// PATCH /api/therapists/{id} (owner)
#[utoipa::path(
    patch,
    path = "/api/therapists/{id}",
    operation_id = "patchTherapist",
    tag = "therapists",
    summary = "Change a therapist (owner)",
    description = "Deactivating a therapist who still has clients booked is refused (409 bookings_affected) with each booking and the best other time for its client; move or cancel each first.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = TherapistPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The therapist as now stored.", body = Therapist),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn patch_therapist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
    ApiJson(body): ApiJson<TherapistPatch>,
) -> ApiResult<Json<Therapist>> {
    caller.require_owner()?;
    let skills = body.skills.map(|s| skills("skills", &s)).transpose()?;
    let name = body.name.map(|n| non_empty("name", &n, 200)).transpose()?;
    Ok(Json(
        catalog::change_therapist(
            &state.clinic,
            &id,
            catalog::TherapistChange {
                name,
                skills,
                active: body.active,
                location_id: body.location_id,
            },
        )
        .await?,
    ))
}

/// Working hours as people write them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursSpan {
    /// mon … sun
    pub day: String,
    /// "09:00"
    pub start: String,
    /// "17:30"; "24:00" for midnight.
    pub end: String,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn minute_of(field: &str, s: &str) -> ApiResult<i64> {
    let bad = || {
        ApiError::field(
            field,
            format!("expected a time like 09:00 (00:00 to 24:00), found {s:?}"),
        )
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub fn hours_out(hours: &[WorkingHours]) -> Vec<HoursSpan> {
    hours
        .iter()
        .map(|h| HoursSpan {
            day: DAYS[h.weekday.to_monday_zero_offset() as usize].to_string(),
            start: format!("{:02}:{:02}", h.start_minute / 60, h.start_minute % 60),
            end: format!("{:02}:{:02}", h.end_minute / 60, h.end_minute % 60),
        })
        .collect()
}

/// Reads and checks a weekly pattern: known days, end after start, no overlaps.
pub fn hours_in(spans: &[HoursSpan]) -> ApiResult<Vec<WorkingHours>> {
    let mut out = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        let f = |name: &str| format!("hours[{i}].{name}");
        let weekday = kneadtime_domain::season::parse_weekday(&s.day).ok_or_else(|| {
            ApiError::field(
                &f("day"),
                format!(
                    "expected mon, tue, wed, thu, fri, sat or sun, found {:?}",
                    s.day
                ),
            )
        })?;
        let start = minute_of(&f("start"), &s.start)?;
        let end = minute_of(&f("end"), &s.end)?;
        if end <= start {
            return Err(ApiError::field(
                &f("end"),
                "expected the end after the start",
            ));
        }
        out.push(WorkingHours {
            weekday,
            start_minute: start,
            end_minute: end,
        });
    }
    out.sort_by_key(|h| (h.weekday.to_monday_zero_offset(), h.start_minute));
    for w in out.windows(2) {
        if w[0].weekday == w[1].weekday && w[1].start_minute < w[0].end_minute {
            return Err(ApiError::field(
                "hours",
                format!(
                    "two spans overlap on {}",
                    DAYS[w[0].weekday.to_monday_zero_offset() as usize]
                ),
            ));
        }
    }
    Ok(out)
}

/// GET /api/therapists/{id}/hours (staff)
#[utoipa::path(
    get,
    path = "/api/therapists/{id}/hours",
    operation_id = "getHours",
    tag = "therapists",
    summary = "A therapist's weekly working hours (staff)",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "Spans, by day then start.", body = Vec<HoursSpan>),
    ),
)]
pub async fn get_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
) -> ApiResult<Json<Vec<HoursSpan>>> {
    caller.require_staff()?;
    let (_, hours, _) = catalog::therapist_with_time(&state.clinic, &id).await?;
    Ok(Json(hours_out(&hours)))
}

/// PUT /api/therapists/{id}/hours (owner, or the therapist): replaces the weekly pattern.
#[utoipa::path(
    put,
    path = "/api/therapists/{id}/hours",
    operation_id = "putHours",
    tag = "therapists",
    summary = "Replace a therapist's weekly hours (owner or the therapist)",
    description = "Replaces the whole weekly pattern. Spans on one day may not overlap. Refused while booked clients fall outside the new hours (409 bookings_affected).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = Vec<HoursSpan>, content_type = "application/json"),
    responses(
        (status = 200, description = "The pattern as stored.", body = Vec<HoursSpan>),
        (status = 409, description = "Booked clients fall outside the new hours (bookings_affected), each listed with the best other time; move or cancel each first.", body = crate::error::ErrorBody),
    ),
)]
pub async fn put_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
    ApiJson(body): ApiJson<Vec<HoursSpan>>,
) -> ApiResult<Json<Vec<HoursSpan>>> {
    caller.require_therapist_access(&id)?;
    catalog::therapist(&state.clinic, &id).await?;
    let hours = hours_in(&body)?;
    catalog::set_hours(&state.clinic, &id, &hours).await?;
    Ok(Json(hours_out(&hours)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionBody {
    /// A local date, YYYY-MM-DD.
    #[schema(format = Date)]
    pub from: String,
    /// Inclusive; defaults to `from`.
    #[schema(format = Date)]
    pub to: Option<String>,
    /// holiday, sick or other
    pub reason: String,
    /// Kept up to 500 characters.
    #[serde(default)]
    pub note: String,
}

/// Days `from..=to` from a form or body (`to` defaults to `from`), at most a year.
fn date_range(from: &str, to: Option<&str>) -> ApiResult<(Date, Date)> {
    let from = parse_date("from", from)?;
    let to = to.map(|t| parse_date("to", t)).transpose()?.unwrap_or(from);
    if to < from {
        return Err(ApiError::field("to", "expected a date on or after from"));
    }
    if kneadtime_domain::dates::days_between(from, to) > 366 {
        return Err(ApiError::field(
            "to",
            "expected at most 366 days after from",
        ));
    }
    Ok((from, to))
}

/// POST /api/therapists/{id}/exceptions (owner, or the therapist): days off.
#[utoipa::path(
    post,
    path = "/api/therapists/{id}/exceptions",
    operation_id = "createException",
    tag = "therapists",
    summary = "Add days off (owner or the therapist)",
    description = "Days off that cover booked appointments are refused (409 bookings_affected) with each booking and the best other time for its client (details.appointments[].proposal); move or cancel each (the client is emailed), then add the days off.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = ExceptionBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The days off.", body = TherapistException),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn create_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
    ApiJson(body): ApiJson<ExceptionBody>,
) -> ApiResult<Created<TherapistException>> {
    caller.require_therapist_access(&id)?;
    catalog::therapist(&state.clinic, &id).await?;
    let (from, to) = date_range(&body.from, body.to.as_deref())?;
    let reason = ExceptionReason::parse(&body.reason).ok_or_else(|| {
        ApiError::field(
            "reason",
            format!("expected holiday, sick or other, found {:?}", body.reason),
        )
    })?;
    Ok(Created(
        catalog::add_days_off(&state.clinic, &id, from, to, reason, &body.note).await?,
    ))
}

/// GET /api/therapists/{id}/exceptions (staff)
#[utoipa::path(
    get,
    path = "/api/therapists/{id}/exceptions",
    operation_id = "listExceptions",
    tag = "therapists",
    summary = "A therapist's days off (staff)",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "Days off.", body = Vec<TherapistException>),
    ),
)]
pub async fn list_exceptions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<TherapistId>,
) -> ApiResult<Json<Vec<TherapistException>>> {
    caller.require_staff()?;
    let (_, _, days_off) = catalog::therapist_with_time(&state.clinic, &id).await?;
    Ok(Json(days_off))
}

/// DELETE /api/therapists/{id}/exceptions/{exception_id} (owner, or the therapist)
#[utoipa::path(
    delete,
    path = "/api/therapists/{id}/exceptions/{exception_id}",
    operation_id = "deleteException",
    tag = "therapists",
    summary = "Remove days off (owner or the therapist)",
    params(
        ("id" = String, Path, description = "The record's id."),
        ("exception_id" = String, Path, description = "The day off's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
    ),
)]
pub async fn delete_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, exception_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.require_therapist_access(&id)?;
    catalog::remove_days_off(
        &state.clinic,
        &TherapistId::from(&id),
        &ExceptionId::from(&exception_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureBody {
    #[schema(format = Date)]
    pub from: String,
    /// Inclusive; defaults to `from`.
    #[schema(format = Date)]
    pub to: Option<String>,
    #[serde(default)]
    pub note: String,
    /// The location closed; every location when not given.
    pub location_id: Option<LocationId>,
}

/// GET /api/closures: the days a location or the whole group is closed, from today on;
/// public (a client booking should know).
#[utoipa::path(
    get,
    path = "/api/closures",
    operation_id = "listClosures",
    tag = "clinic",
    summary = "Days a location, or every location, is closed",
    description = "Public. The closures from today on; no one can be booked on them.",
    responses(
        (status = 200, description = "The closures, by start.", body = Vec<kneadtime_store::Closure>),
    ),
    security(),
)]
pub async fn list_closures(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<kneadtime_store::Closure>>> {
    Ok(Json(catalog::closures_ahead(&state.clinic).await?))
}

/// POST /api/closures (owner): a location, or every location, closed on some days.
/// Refused while clients are booked there then, each listed with the best other time.
#[utoipa::path(
    post,
    path = "/api/closures",
    operation_id = "createClosure",
    tag = "clinic",
    summary = "Close a location, or every location, on some days (owner)",
    description = "Owner only. Refused while clients are booked on those days (409 bookings_affected) with each booking and the best other time for its client; move or cancel each first.",
    request_body(content = ClosureBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The closure.", body = kneadtime_store::Closure),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn create_closure(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClosureBody>,
) -> ApiResult<Created<kneadtime_store::Closure>> {
    crate::policy::allow(&state, &caller, crate::policy::Act::Clinic).await?;
    let (from, to) = date_range(&body.from, body.to.as_deref())?;
    let location = body.location_id.as_deref().map(str::trim);
    Ok(Created(
        catalog::add_closure(
            &state.clinic,
            from,
            to,
            &body.note,
            (location).map(LocationId::from).as_ref(),
        )
        .await?,
    ))
}

/// DELETE /api/closures/{id} (owner)
#[utoipa::path(
    delete,
    path = "/api/closures/{id}",
    operation_id = "deleteClosure",
    tag = "clinic",
    summary = "Open again on a closure's days (owner)",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 204, description = "Removed."),
    ),
)]
pub async fn delete_closure(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    crate::policy::allow(&state, &caller, crate::policy::Act::Clinic).await?;
    catalog::remove_closure(&state.clinic, &ClosureId::from(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/services: what the clinic offers; public.
#[utoipa::path(
    get,
    path = "/api/services",
    operation_id = "listServices",
    tag = "services",
    summary = "Services",
    description = "Public: active services. With an owner's session, inactive ones too.",
    responses(
        (status = 200, description = "Services.", body = Vec<Service>),
    ),
    security((), ("bearerAuth" = []), ("cookieAuth" = [])),
)]
pub async fn list_services(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> ApiResult<Json<Vec<Service>>> {
    let owner = caller.as_ref().is_some_and(Caller::is_owner);
    Ok(Json(catalog::services(&state.clinic, owner).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    /// 1 to 200 characters, not blank.
    pub name: String,
    /// pre_event, post_event, maintenance, recovery_phase or general
    #[schema(value_type = kneadtime_store::ServiceKind)]
    pub kind: String,
    pub length_min: i64,
    pub price_cents: i64,
    #[schema(value_type = Pressure)]
    pub pressure_min: String,
    /// At least pressure_min.
    #[schema(value_type = Pressure)]
    pub pressure_max: String,
    #[serde(default)]
    pub buffer_after_min: i64,
    /// The one location that offers it; every location when not given.
    #[serde(default)]
    pub location_id: Option<LocationId>,
}

fn service_in(b: &ServiceBody) -> ApiResult<NewService> {
    let kind = ServiceKind::parse(&b.kind).ok_or_else(|| {
        ApiError::field("kind", format!("expected pre_event, post_event, maintenance, recovery_phase or general, found {:?}", b.kind))
    })?;
    let pressure = |field: &str, s: &str| {
        Pressure::parse(s).ok_or_else(|| {
            ApiError::field(
                field,
                format!("expected light, moderate or deep, found {s:?}"),
            )
        })
    };
    Ok(NewService {
        name: b.name.clone(),
        kind,
        length_min: b.length_min,
        price_cents: b.price_cents,
        pressure_min: pressure("pressure_min", &b.pressure_min)?,
        pressure_max: pressure("pressure_max", &b.pressure_max)?,
        buffer_after_min: b.buffer_after_min,
        location_id: b.location_id.clone(),
    })
}

/// POST /api/services (owner)
#[utoipa::path(
    post,
    path = "/api/services",
    operation_id = "createService",
    tag = "services",
    summary = "A new service (owner)",
    request_body(content = ServiceBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The service.", body = Service),
    ),
)]
pub async fn create_service(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ServiceBody>,
) -> ApiResult<Created<Service>> {
    caller.require_owner()?;
    Ok(Created(
        catalog::add_service(&state.clinic, service_in(&body)?).await?,
    ))
}

/// PUT /api/services/{id} (owner): replaces the service's fields.
#[utoipa::path(
    put,
    path = "/api/services/{id}",
    operation_id = "putService",
    tag = "services",
    summary = "Replace a service's fields (owner)",
    description = "Owner only. Whether it is active is kept.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = ServiceBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The service as now stored.", body = Service),
    ),
)]
pub async fn put_service(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ServiceId>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> ApiResult<Json<Service>> {
    caller.require_owner()?;
    let spec = service_in(&body)?;
    Ok(Json(
        catalog::change_service(&state.clinic, &id, spec).await?,
    ))
}

/// DELETE /api/services/{id} (owner): stops offering it; past bookings keep it.
#[utoipa::path(
    delete,
    path = "/api/services/{id}",
    operation_id = "deleteService",
    tag = "services",
    summary = "Stop offering a service (owner)",
    description = "Deactivates it; past bookings keep it.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
    ),
)]
pub async fn delete_service(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ServiceId>,
) -> ApiResult<StatusCode> {
    caller.require_owner()?;
    catalog::retire_service(&state.clinic, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/staff (owner): every login, without password hashes.
#[utoipa::path(
    get,
    path = "/api/staff",
    operation_id = "listStaff",
    tag = "staff",
    summary = "Every staff login (owner)",
    responses(
        (status = 200, description = "Staff logins, without password hashes.", body = Vec<StaffOut>),
    ),
)]
pub async fn list_staff(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<StaffOut>>> {
    caller.require_owner()?;
    Ok(Json(
        catalog::staff_list(&state.clinic)
            .await?
            .iter()
            .map(staff_out)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    /// An email address (stored trimmed and lower-cased; unique).
    pub email: String,
    /// 1 to 200 characters, not blank.
    pub name: String,
    /// owner or therapist
    #[schema(value_type = Role)]
    pub role: String,
    /// Required for a therapist login: an existing therapist's id.
    pub therapist_id: Option<TherapistId>,
    pub password: String,
}

/// POST /api/staff (owner): another login.
#[utoipa::path(
    post,
    path = "/api/staff",
    operation_id = "createStaff",
    tag = "staff",
    summary = "Another staff login (owner)",
    description = "Owner only. A therapist login needs an existing therapist_id (404 with field therapist_id otherwise).",
    request_body(content = StaffBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new login.", body = StaffOut),
        (status = 409, description = "That email already has a login (email_taken).", body = crate::error::ErrorBody),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn create_staff(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<StaffBody>,
) -> ApiResult<Created<StaffOut>> {
    caller.require_owner()?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::field(
            "role",
            format!("expected owner or therapist, found {:?}", body.role),
        )
    })?;
    let name = non_empty("name", &body.name, 200)?;
    check_new_password(&body.password, &[&body.email, &name])?;
    let s = catalog::add_staff(
        &state.clinic,
        NewStaff {
            email: body.email,
            name,
            role,
            therapist_id: body.therapist_id,
            password_hash: hash_password(body.password).await?,
        },
    )
    .await?;
    Ok(Created(staff_out(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_and_checked() {
        let span = |d: &str, a: &str, b: &str| HoursSpan {
            day: d.into(),
            start: a.into(),
            end: b.into(),
        };
        let h = hours_in(&[
            span("Tuesday", "09:00", "12:30"),
            span("mon", "13:00", "24:00"),
        ])
        .unwrap();
        assert_eq!(
            h[0],
            WorkingHours {
                weekday: jiff::civil::Weekday::Monday,
                start_minute: 780,
                end_minute: 1440
            }
        );
        assert_eq!(h[1].end_minute, 750);
        let e =
            hours_in(&[span("mon", "09:00", "12:00"), span("mon", "11:00", "13:00")]).unwrap_err();
        assert!(e.message.contains("overlap"));
        let e = hours_in(&[span("mon", "9am", "12:00")]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("hours[0].start"));
        assert!(hours_in(&[span("funday", "09:00", "12:00")]).is_err());
        assert!(hours_in(&[span("mon", "12:00", "09:00")]).is_err());
        assert!(hours_in(&[span("mon", "24:30", "25:00")]).is_err());
    }
}
