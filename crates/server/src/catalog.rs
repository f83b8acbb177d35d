//! The clinic's set-up over HTTP: the clinic itself (name, zone, rules profile),
//! therapists and their logins, working hours, days off, and services.

use crate::doc;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use kneadtime_domain::Pressure;
use kneadtime_store::{
    ExceptionReason, NewException, NewService, NewStaff, NewTherapist, Role, Service, ServiceKind,
    Skill, Staff, StoreError, Therapist, TherapistException, WorkingHours,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::{Caller, MaybeCaller, check_new_password, hash_password};
use crate::error::{ApiError, ApiJson, ApiResult, Code, Created, non_empty};
use crate::schedule::{clinic_profile, parse_date};

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
    Ok(Json(clinic_out(state.store.clinic().await?)))
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
    let mut c = state.store.clinic().await?;
    if let Some(n) = body.name {
        c.name = non_empty("name", &n, 200)?;
    }
    if let Some(z) = body.time_zone {
        let z = z.trim().to_string();
        jiff::tz::TimeZone::get(&z).map_err(|_| {
            ApiError::field(
                "time_zone",
                format!("expected an IANA time zone name like Europe/London, found {z:?}"),
            )
        })?;
        c.time_zone = z;
    }
    if let Some(p) = body.profile_toml {
        clinic_profile(&p).map_err(|e| ApiError::field("profile_toml", e))?;
        c.profile_toml = p;
    }
    if let Some(d) = body.booking_horizon_days {
        if !(1..=3650).contains(&d) {
            return Err(ApiError::field(
                "booking_horizon_days",
                format!("expected 1 to 3650 days, found {d}"),
            ));
        }
        c.booking_horizon_days = d;
    }
    if let Some(n) = body.max_open_bookings {
        if !(1..=1000).contains(&n) {
            return Err(ApiError::field(
                "max_open_bookings",
                format!("expected 1 to 1000, found {n}"),
            ));
        }
        c.max_open_bookings = n;
    }
    if let Some(a) = body.address {
        let a = a.trim();
        if a.chars().count() > 500 || a.chars().any(|ch| ch.is_control() && ch != '\n') {
            return Err(ApiError::field(
                "address",
                "expected at most 500 characters of plain text",
            ));
        }
        c.address = a.to_string();
    }
    let max = kneadtime_store::MAX_NOTICE_HOURS;
    for (field, value, slot) in [
        ("reminder_hours", body.reminder_hours, &mut c.reminder_hours),
        (
            "cancel_window_hours",
            body.cancel_window_hours,
            &mut c.cancel_window_hours,
        ),
        (
            "min_notice_hours",
            body.min_notice_hours,
            &mut c.min_notice_hours,
        ),
    ] {
        if let Some(h) = value {
            if !(0..=max).contains(&h) {
                return Err(ApiError::field(
                    field,
                    format!("expected 0 to {max} hours, found {h}"),
                ));
            }
            *slot = h;
        }
    }
    if let Some(code) = body.currency {
        let code = code.trim().to_ascii_uppercase();
        if !kneadtime_clinic::known_currency(&code) {
            let known: Vec<&str> = kneadtime_clinic::CURRENCIES
                .iter()
                .map(|(c, _, _)| *c)
                .collect();
            return Err(ApiError::field(
                "currency",
                format!("expected one of {} or empty", known.join(", ")),
            ));
        }
        c.currency = code;
    }
    state.store.update_clinic(&c).await?;
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
    Ok(Json(
        state
            .store
            .therapists()
            .await?
            .into_iter()
            .filter(|t| owner || t.active)
            .collect(),
    ))
}

/// Give both email and password for a login, or neither (400 otherwise).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TherapistBody {
    /// 1 to 200 characters, not blank.
    pub name: String,
    #[schema(value_type = Vec<kneadtime_store::Skill>)]
    #[serde(default)]
    pub skills: Vec<String>,
    /// Give the therapist a login: email and a first password (10 characters or more).
    pub email: Option<String>,
    /// With email: the login's first password (10 characters or more).
    pub password: Option<String>,
    /// Where they work; the group's first location when not given.
    pub location_id: Option<String>,
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
    let login = match (&body.email, &body.password) {
        (Some(e), Some(p)) => {
            check_new_password(p, &[e, &name])?;
            Some((e.clone(), p.clone()))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::bad(
                "give both email and password for a login, or neither",
            ));
        }
    };
    if let Some((email, _)) = &login {
        match state.store.staff_by_email(email).await {
            Ok(_) => {
                return Err(
                    ApiError::conflict(Code::EmailTaken, "that email already has a login")
                        .with_field("email"),
                );
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        if !email.contains('@') {
            return Err(ApiError::field(
                "email",
                format!("expected an email address, found {email:?}"),
            ));
        }
    }
    let t = state
        .store
        .create_therapist(&NewTherapist {
            name: name.clone(),
            skills,
            location_id: body.location_id.clone(),
        })
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => ApiError::field("location_id", m),
            e => e.into(),
        })?;
    let mut staff = None;
    if let Some((email, password)) = login {
        let s = state
            .store
            .create_staff(&NewStaff {
                email,
                name,
                role: Role::Therapist,
                therapist_id: Some(t.id.clone()),
                password_hash: hash_password(password).await?,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict => {
                    ApiError::conflict(Code::EmailTaken, "that email already has a login")
                        .with_field("email")
                }
                StoreError::Invalid(m) => ApiError::field("email", m),
                e => e.into(),
            })?;
        staff = Some(staff_out(&s));
    }
    Ok(Created(TherapistCreated {
        therapist: t,
        login: staff,
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
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub therapist_id: Option<String>,
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffPatch>,
) -> ApiResult<Json<StaffOut>> {
    caller.require_owner()?;
    let s = state.store.staff(&id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("staff login"),
        e => e.into(),
    })?;
    if body.active == Some(false) && s.role == Role::Owner {
        let owners = state
            .store
            .staff_list()
            .await?
            .iter()
            .filter(|x| x.role == Role::Owner && x.active && x.id != s.id)
            .count();
        if owners == 0 {
            return Err(ApiError::conflict(
                Code::LastOwner,
                "the clinic's only active owner cannot be revoked",
            )
            .with_field("active"));
        }
    }
    if let Some(p) = &body.password {
        check_new_password(p, &[&s.email, &s.name])?;
        state
            .store
            .set_staff_password(&s.id, &hash_password(p.clone()).await?)
            .await?;
        let keep =
            (caller.actor() == format!("staff:{}", s.id)).then_some(caller.session_hash.as_str());
        state.store.end_staff_sessions(&s.id, keep).await?;
    }
    if let Some(a) = body.active {
        state.store.set_staff_active(&s.id, a).await?;
    }
    Ok(Json(staff_out(&state.store.staff(&s.id).await?)))
}

async fn therapist_or_404(state: &AppState, id: &str) -> ApiResult<Therapist> {
    state.store.therapist(id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("therapist"),
        e => e.into(),
    })
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
    Path(id): Path<String>,
) -> ApiResult<Json<TherapistDetail>> {
    caller.require_staff()?;
    let t = therapist_or_404(&state, &id).await?;
    let hours = state.store.working_hours(&id).await?;
    let exceptions = state
        .store
        .exceptions(&id, "0000-01-01", "9999-12-31")
        .await?;
    Ok(Json(TherapistDetail {
        therapist: t,
        hours: hours_out(&hours),
        exceptions,
    }))
}

/// Fields left out (or null) are kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TherapistPatch {
    /// 1 to 200 characters, not blank.
    #[schema(value_type = Option<Vec<kneadtime_store::Skill>>)]
    pub name: Option<String>,
    pub skills: Option<Vec<String>>,
    pub active: Option<bool>,
    /// Move them to another location (refused while they have sessions booked ahead).
    pub location_id: Option<String>,
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TherapistPatch>,
) -> ApiResult<Json<Therapist>> {
    caller.require_owner()?;
    let mut t = therapist_or_404(&state, &id).await?;
    if let Some(n) = body.name {
        t.name = non_empty("name", &n, 200)?;
    }
    if let Some(s) = body.skills {
        t.skills = skills("skills", &s)?;
    }
    let was_active = t.active;
    if let Some(a) = body.active {
        t.active = a;
    }
    if let Some(l) = body.location_id {
        t.location_id = l;
    }
    // Never silent: a therapist leaving with clients booked has each moved or cancelled
    // first, as for days off (the whole booking horizon).
    if was_active && !t.active {
        let clinic = state.store.clinic().await?;
        let today = kneadtime_clinic::local_date(
            state.now(),
            &kneadtime_clinic::zone_of(&clinic.time_zone),
        );
        let until =
            kneadtime_domain::dates::add_days(today, clinic.booking_horizon_days as i32 + 1);
        let stranded =
            kneadtime_clinic::leave::stranded_by_leave(&state.clinic, &id, today, until).await?;
        if !stranded.is_empty() {
            return Err(stranded_error(&state, &stranded).await?);
        }
    }
    state
        .store
        .update_therapist(&t)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => ApiError::field("location_id", m),
            e => e.into(),
        })?;
    // A deactivated therapist's logins stop at once: sign-in refused, sessions ended.
    if was_active != t.active {
        state
            .store
            .set_therapist_logins_active(&t.id, t.active)
            .await?;
    }
    Ok(Json(t))
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
            day: DAYS[h.weekday.clamp(0, 6) as usize].to_string(),
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
        let weekday = kneadtime_domain::season::parse_weekday(&s.day)
            .map(|w| w.to_monday_zero_offset())
            .ok_or_else(|| {
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
            weekday: i64::from(weekday),
            start_minute: start,
            end_minute: end,
        });
    }
    out.sort_by_key(|h| (h.weekday, h.start_minute));
    for w in out.windows(2) {
        if w[0].weekday == w[1].weekday && w[1].start_minute < w[0].end_minute {
            return Err(ApiError::field(
                "hours",
                format!("two spans overlap on {}", DAYS[w[0].weekday as usize]),
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
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HoursSpan>>> {
    caller.require_staff()?;
    therapist_or_404(&state, &id).await?;
    Ok(Json(hours_out(&state.store.working_hours(&id).await?)))
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Vec<HoursSpan>>,
) -> ApiResult<Json<Vec<HoursSpan>>> {
    caller.require_therapist_access(&id)?;
    therapist_or_404(&state, &id).await?;
    let hours = hours_in(&body)?;
    // Never silent: booked clients the new hours leave out are moved or cancelled first.
    let stranded = kneadtime_clinic::leave::stranded_by_hours(&state.clinic, &id, &hours).await?;
    if !stranded.is_empty() {
        return Err(stranded_error(&state, &stranded).await?);
    }
    let before = state.store.working_hours(&id).await?;
    state.store.set_working_hours(&id, &hours).await?;
    // Longer hours are time for those waiting on these weeks.
    let gained = kneadtime_clinic::waitlist::weekdays_gained(&before, &hours);
    if !gained.is_empty() {
        let clinic = state.store.clinic().await?;
        let today = kneadtime_clinic::local_date(
            state.now(),
            &kneadtime_clinic::zone_of(&clinic.time_zone),
        );
        let days: Vec<_> = kneadtime_clinic::waitlist::dates_between(
            today,
            kneadtime_domain::season::add_days(today, kneadtime_clinic::waitlist::OPENED_DAYS),
        )
        .into_iter()
        .filter(|d| gained.contains(&i64::from(d.weekday().to_monday_zero_offset())))
        .collect();
        kneadtime_clinic::waitlist::opened(&state.clinic, std::slice::from_ref(&id), &days).await?;
    }
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExceptionBody>,
) -> ApiResult<Created<TherapistException>> {
    caller.require_therapist_access(&id)?;
    therapist_or_404(&state, &id).await?;
    let (from, to) = date_range(&body.from, body.to.as_deref())?;
    let reason = ExceptionReason::parse(&body.reason).ok_or_else(|| {
        ApiError::field(
            "reason",
            format!("expected holiday, sick or other, found {:?}", body.reason),
        )
    })?;
    // Never silent: booked clients on these days are moved or cancelled first.
    let stranded = kneadtime_clinic::leave::stranded_by_leave(&state.clinic, &id, from, to).await?;
    if !stranded.is_empty() {
        return Err(stranded_error(&state, &stranded).await?);
    }
    let e = state
        .store
        .create_exception(&NewException {
            therapist_id: id,
            from_date: from.to_string(),
            to_date: to.to_string(),
            reason,
            note: body.note.chars().take(500).collect(),
        })
        .await?;
    Ok(Created(e))
}

/// 409 `bookings_affected`: the bookings in the way, each with the best other time.
pub async fn stranded_error(
    state: &AppState,
    stranded: &[kneadtime_clinic::leave::Stranded],
) -> ApiResult<ApiError> {
    let clinic = state.store.clinic().await?;
    let tz = kneadtime_clinic::zone_of(&clinic.time_zone);
    let list: Vec<_> = stranded
        .iter()
        .map(|s| {
            json!({
                "appointment_id": s.appointment.id,
                "client_id": s.appointment.client_id,
                "client_name": s.client_name,
                "service_name": s.service_name,
                "start": kneadtime_clinic::show(s.appointment.start_at, &tz),
                "proposal": s.proposal.as_ref().map(|p| json!({
                    "therapist_id": p.therapist_id,
                    "therapist_name": p.therapist_name,
                    "start": p.start,
                    "reasons": p.fit.reasons,
                })),
            })
        })
        .collect();
    Ok(ApiError::conflict(
        Code::BookingsAffected,
        format!(
            "{} booked appointment(s) would be left without their therapist; move or cancel each first (the client is emailed either way), then try again",
            stranded.len()
        ),
    )
    .with_details(json!({ "appointments": list })))
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
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TherapistException>>> {
    caller.require_staff()?;
    therapist_or_404(&state, &id).await?;
    Ok(Json(
        state
            .store
            .exceptions(&id, "0000-01-01", "9999-12-31")
            .await?,
    ))
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
    let mine = state
        .store
        .exceptions(&id, "0000-01-01", "9999-12-31")
        .await?;
    let Some(gone) = mine.iter().find(|e| e.id == exception_id) else {
        return Err(ApiError::not_found("day off"));
    };
    state.store.delete_exception(&exception_id).await?;
    // The days come back: offered to those waiting on them.
    if let (Ok(from), Ok(to)) = (gone.from_date.parse(), gone.to_date.parse()) {
        let days = kneadtime_clinic::waitlist::dates_between(from, to);
        kneadtime_clinic::waitlist::opened(&state.clinic, std::slice::from_ref(&id), &days).await?;
    }
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
    pub location_id: Option<String>,
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
    let clinic = state.store.clinic().await?;
    let today =
        kneadtime_clinic::local_date(state.now(), &kneadtime_clinic::zone_of(&clinic.time_zone));
    Ok(Json(
        state
            .store
            .closures_between(&today.to_string(), "9999-12-31")
            .await?,
    ))
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
    if let Some(l) = location {
        state.store.location(l).await.map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::field("location_id", format!("there is no location {l:?}"))
            }
            e => e.into(),
        })?;
    }
    let stranded =
        kneadtime_clinic::leave::stranded_by_closure(&state.clinic, location, from, to).await?;
    if !stranded.is_empty() {
        return Err(stranded_error(&state, &stranded).await?);
    }
    let c = state
        .store
        .create_closure(
            &from.to_string(),
            &to.to_string(),
            body.note.trim(),
            location,
        )
        .await?;
    Ok(Created(c))
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
    let gone = state
        .store
        .closures_between("0000-01-01", "9999-12-31")
        .await?
        .into_iter()
        .find(|c| c.id == id);
    match state.store.delete_closure(&id).await {
        Ok(()) => {}
        Err(kneadtime_store::StoreError::NotFound) => return Err(ApiError::not_found("closure")),
        Err(e) => return Err(e.into()),
    }
    // The location opens again on those days: every active therapist's time there is
    // offered to those waiting on it.
    if let Some(c) = gone
        && let (Ok(from), Ok(to)) = (c.from_date.parse(), c.to_date.parse())
    {
        let therapists: Vec<String> = state
            .store
            .therapists()
            .await?
            .into_iter()
            .filter(|t| t.active && c.closes(&t.location_id))
            .map(|t| t.id)
            .collect();
        let days = kneadtime_clinic::waitlist::dates_between(from, to);
        kneadtime_clinic::waitlist::opened(&state.clinic, &therapists, &days).await?;
    }
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
    Ok(Json(
        state
            .store
            .services()
            .await?
            .into_iter()
            .filter(|s| owner || s.active)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    /// 1 to 200 characters, not blank.
    pub name: String,
    #[schema(value_type = kneadtime_store::ServiceKind)]
    /// pre_event, post_event, maintenance, recovery_phase or general
    pub kind: String,
    pub length_min: i64,
    #[schema(value_type = Pressure)]
    pub price_cents: i64,
    pub pressure_min: String,
    #[schema(value_type = Pressure)]
    /// At least pressure_min.
    pub pressure_max: String,
    #[serde(default)]
    pub buffer_after_min: i64,
    /// The one location that offers it; every location when not given.
    #[serde(default)]
    pub location_id: Option<String>,
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
    let (pmin, pmax) = (
        pressure("pressure_min", &b.pressure_min)?,
        pressure("pressure_max", &b.pressure_max)?,
    );
    if pmax < pmin {
        return Err(ApiError::field(
            "pressure_max",
            "expected a pressure at least pressure_min",
        ));
    }
    if !(5..=480).contains(&b.length_min) || b.length_min % 5 != 0 {
        return Err(ApiError::field(
            "length_min",
            "expected minutes from 5 to 480, in steps of 5",
        ));
    }
    if !(0..=10_000_000).contains(&b.price_cents) {
        return Err(ApiError::field("price_cents", "expected 0 to 10000000"));
    }
    if !(0..=240).contains(&b.buffer_after_min) || b.buffer_after_min % 5 != 0 {
        // Bookings sit on the 5-minute grid, so a length and buffer in whole steps of it
        // block exactly the time they take.
        return Err(ApiError::field(
            "buffer_after_min",
            "expected 0 to 240 minutes, in steps of 5",
        ));
    }
    Ok(NewService {
        name: non_empty("name", &b.name, 200)?,
        kind,
        length_min: b.length_min,
        price_cents: b.price_cents,
        pressure_min: pmin,
        pressure_max: pmax,
        buffer_after_min: b.buffer_after_min,
        location_id: b
            .location_id
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    })
}

/// A store refusal of a service's location, on its field.
fn location_field(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(m) if m.contains("location") => ApiError::field("location_id", m),
        e => e.into(),
    }
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
        state
            .store
            .create_service(&service_in(&body)?)
            .await
            .map_err(location_field)?,
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> ApiResult<Json<Service>> {
    caller.require_owner()?;
    let old = state.store.service(&id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("service"),
        e => e.into(),
    })?;
    let n = service_in(&body)?;
    let s = Service {
        id: old.id,
        name: n.name,
        kind: n.kind,
        length_min: n.length_min,
        price_cents: n.price_cents,
        pressure_min: n.pressure_min,
        pressure_max: n.pressure_max,
        buffer_after_min: n.buffer_after_min,
        active: old.active,
        location_id: n.location_id,
    };
    state
        .store
        .update_service(&s)
        .await
        .map_err(location_field)?;
    Ok(Json(s))
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
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_owner()?;
    state
        .store
        .deactivate_service(&id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("service"),
            e => e.into(),
        })?;
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
        state
            .store
            .staff_list()
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
    #[schema(value_type = Role)]
    /// owner or therapist
    pub role: String,
    /// Required for a therapist login: an existing therapist's id.
    pub therapist_id: Option<String>,
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
    if role == Role::Therapist && body.therapist_id.is_none() {
        return Err(ApiError::field(
            "therapist_id",
            "a therapist login needs the therapist's id",
        ));
    }
    if let Some(t) = &body.therapist_id {
        therapist_or_404(&state, t)
            .await
            .map_err(|e| e.with_field("therapist_id"))?;
    }
    check_new_password(&body.password, &[&body.email, &body.name])?;
    let s = state
        .store
        .create_staff(&NewStaff {
            email: body.email,
            name: non_empty("name", &body.name, 200)?,
            role,
            therapist_id: body.therapist_id,
            password_hash: hash_password(body.password).await?,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict => {
                ApiError::conflict(Code::EmailTaken, "that email already has a login")
                    .with_field("email")
            }
            StoreError::Invalid(m) => ApiError::field("email", m),
            e => e.into(),
        })?;
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
                weekday: 0,
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
