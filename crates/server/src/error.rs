//! The one JSON error shape every endpoint answers with, and extractors that turn bad
//! bodies and queries into it instead of axum's plain-text rejections.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kneadtime_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Every code an error answer can carry, as one enum: handlers and pages match on it,
/// and the JSON spells it in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    AlreadyBooked,
    AlreadySetUp,
    BadActivity,
    BadCalendar,
    BadProfile,
    BadRequest,
    BeyondHorizon,
    BookingsAffected,
    CannotAllocate,
    ClientBusy,
    Conflict,
    Csrf,
    DatabaseUnavailable,
    EmailNeeded,
    EmailTaken,
    EmptyCalendar,
    Forbidden,
    IdempotencyKeyReused,
    InThePast,
    Internal,
    InvalidBody,
    InvalidJson,
    LastOwner,
    MethodNotAllowed,
    NoServices,
    NoWindow,
    NotAnActivity,
    NoteExists,
    NoteSigned,
    NotFound,
    NulCharacter,
    OfferGone,
    OutsideHours,
    OverrideNotAllowed,
    RuleBroken,
    ServiceInactive,
    SessionExpired,
    SlotTaken,
    TherapistInactive,
    Timeout,
    TooLarge,
    TooManyAttempts,
    TooManyBookings,
    TooManyOpen,
    TooManyWaiting,
    TooLateToChange,
    TooSoon,
    Unauthorized,
    Unavailable,
    UnsupportedFile,
    UnsupportedMediaType,
    WrongCredentials,
    WrongState,
}

impl Code {
    /// Every code, in the order declared.
    pub const ALL: [Code; 53] = [
        Code::AlreadyBooked,
        Code::AlreadySetUp,
        Code::BadActivity,
        Code::BadCalendar,
        Code::BadProfile,
        Code::BadRequest,
        Code::BeyondHorizon,
        Code::BookingsAffected,
        Code::CannotAllocate,
        Code::ClientBusy,
        Code::Conflict,
        Code::Csrf,
        Code::DatabaseUnavailable,
        Code::EmailNeeded,
        Code::EmailTaken,
        Code::EmptyCalendar,
        Code::Forbidden,
        Code::IdempotencyKeyReused,
        Code::InThePast,
        Code::Internal,
        Code::InvalidBody,
        Code::InvalidJson,
        Code::LastOwner,
        Code::MethodNotAllowed,
        Code::NoServices,
        Code::NoWindow,
        Code::NotAnActivity,
        Code::NoteExists,
        Code::NoteSigned,
        Code::NotFound,
        Code::NulCharacter,
        Code::OfferGone,
        Code::OutsideHours,
        Code::OverrideNotAllowed,
        Code::RuleBroken,
        Code::ServiceInactive,
        Code::SessionExpired,
        Code::SlotTaken,
        Code::TherapistInactive,
        Code::Timeout,
        Code::TooLarge,
        Code::TooManyAttempts,
        Code::TooManyBookings,
        Code::TooManyOpen,
        Code::TooManyWaiting,
        Code::TooLateToChange,
        Code::TooSoon,
        Code::Unauthorized,
        Code::Unavailable,
        Code::UnsupportedFile,
        Code::UnsupportedMediaType,
        Code::WrongCredentials,
        Code::WrongState,
    ];

    /// The code as the JSON answer spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::AlreadyBooked => "already_booked",
            Code::AlreadySetUp => "already_set_up",
            Code::BadActivity => "bad_activity",
            Code::BadCalendar => "bad_calendar",
            Code::BadProfile => "bad_profile",
            Code::BadRequest => "bad_request",
            Code::BeyondHorizon => "beyond_horizon",
            Code::BookingsAffected => "bookings_affected",
            Code::CannotAllocate => "cannot_allocate",
            Code::ClientBusy => "client_busy",
            Code::Conflict => "conflict",
            Code::Csrf => "csrf",
            Code::DatabaseUnavailable => "database_unavailable",
            Code::EmailNeeded => "email_needed",
            Code::EmailTaken => "email_taken",
            Code::EmptyCalendar => "empty_calendar",
            Code::Forbidden => "forbidden",
            Code::IdempotencyKeyReused => "idempotency_key_reused",
            Code::InThePast => "in_the_past",
            Code::Internal => "internal",
            Code::InvalidBody => "invalid_body",
            Code::InvalidJson => "invalid_json",
            Code::LastOwner => "last_owner",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::NoServices => "no_services",
            Code::NotAnActivity => "not_an_activity",
            Code::NotFound => "not_found",
            Code::NulCharacter => "nul_character",
            Code::OutsideHours => "outside_hours",
            Code::OverrideNotAllowed => "override_not_allowed",
            Code::RuleBroken => "rule_broken",
            Code::ServiceInactive => "service_inactive",
            Code::SessionExpired => "session_expired",
            Code::SlotTaken => "slot_taken",
            Code::TherapistInactive => "therapist_inactive",
            Code::Timeout => "timeout",
            Code::TooLarge => "too_large",
            Code::TooManyAttempts => "too_many_attempts",
            Code::TooManyBookings => "too_many_bookings",
            Code::TooManyOpen => "too_many_open",
            Code::TooManyWaiting => "too_many_waiting",
            Code::NoWindow => "no_window",
            Code::OfferGone => "offer_gone",
            Code::NoteExists => "note_exists",
            Code::NoteSigned => "note_signed",
            Code::TooLateToChange => "too_late_to_change",
            Code::TooSoon => "too_soon",
            Code::Unauthorized => "unauthorized",
            Code::Unavailable => "unavailable",
            Code::UnsupportedFile => "unsupported_file",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::WrongCredentials => "wrong_credentials",
            Code::WrongState => "wrong_state",
        }
    }
}

impl From<kneadtime_clinic::Code> for Code {
    fn from(c: kneadtime_clinic::Code) -> Code {
        match c {
            kneadtime_clinic::Code::BadProfile => Code::BadProfile,
            kneadtime_clinic::Code::NoWindow => Code::NoWindow,
            kneadtime_clinic::Code::TooManyWaiting => Code::TooManyWaiting,
            kneadtime_clinic::Code::CannotAllocate => Code::CannotAllocate,
            kneadtime_clinic::Code::AlreadyBooked => Code::AlreadyBooked,
            kneadtime_clinic::Code::EmailTaken => Code::EmailTaken,
            kneadtime_clinic::Code::LastOwner => Code::LastOwner,
            kneadtime_clinic::Code::ClientBusy => Code::ClientBusy,
            kneadtime_clinic::Code::AlreadySetUp => Code::AlreadySetUp,
        }
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An error answer: `{"error": {"status", "code", "message", "field"?, "details"?}}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable: `bad_request`, `not_found`, `slot_taken`, `rule_broken`…
    pub code: Code,
    /// For people: what was wrong and what was expected.
    pub message: String,
    /// The request field at fault, when one is.
    pub field: Option<String>,
    /// Extra data (the broken rule and better slots, say).
    pub details: Option<Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }

    /// 400: a value that cannot be used, naming its field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(StatusCode::BAD_REQUEST, Code::BadRequest, message)
        }
    }

    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, Code::BadRequest, message)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            Code::Unauthorized,
            "sign in first: send a session token or cookie",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden,
            "this account may not do that",
        )
    }

    pub fn conflict(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 503: the server cannot take this on now.
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::Unavailable,
            "the server is busy; try again shortly",
        )
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn with_field(mut self, field: &str) -> ApiError {
        self.field = Some(field.to_string());
        self
    }

    /// The error as the JSON value sent.
    pub fn body(&self) -> Value {
        serde_json::to_value(ErrorBody {
            error: ErrorFields {
                status: self.status.as_u16(),
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
                details: self.details.clone(),
            },
        })
        .unwrap_or_else(
            |_| json!({ "error": { "status": 500, "code": "internal", "message": "" } }),
        )
    }
}

/// Every error answer: `{"error": {"status", "code", "message", "field"?, "details"?}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorFields,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorFields {
    /// The HTTP status, repeated.
    pub status: u16,
    pub code: Code,
    /// For people: what was wrong and what was expected.
    pub message: String,
    /// The request field at fault, when one is (e.g. start, hours[0].end, Idempotency-Key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Extra data: for rule_broken the broken `rule`, every finding for that day
    /// (`findings`) and the nearest good slots (`nearest`); for outside_hours, slot_taken,
    /// client_busy and too_soon the nearest good slots (`nearest`); for email_taken the
    /// client on file (`client_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .description(Some(
                "Stable and machine-readable: what kind of error this is.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Code {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            crate::log::line(&format!("error {}: {}", self.code.as_str(), self.message));
        }
        (self.status, axum::Json(self.body())).into_response()
    }
}

impl From<kneadtime_clinic::CoreError> for ApiError {
    fn from(e: kneadtime_clinic::CoreError) -> Self {
        use kneadtime_clinic::CoreError as E;
        match e {
            E::NotFound(what) => ApiError::not_found(what),
            E::Field { field, message } => ApiError::field(&field, message),
            E::Refused { code, message } => ApiError::unprocessable(code.into(), message),
            E::EmailTaken { existing } => ApiError::conflict(
                Code::EmailTaken,
                "a client with this email is already on file; use that record",
            )
            .with_field("email")
            .with_details(json!({ "client_id": existing })),
            E::Conflict {
                code,
                field,
                message,
            } => {
                let e = ApiError::conflict(code.into(), message);
                match field {
                    Some(f) => e.with_field(f),
                    None => e,
                }
            }
            E::Stranded { stranded, zone } => stranded_error(&stranded, &zone),
            E::Busy => ApiError::unavailable(),
            E::Fault => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "the server hit a fault; nothing was changed by it",
            ),
            E::Store(e) => e.into(),
        }
    }
}

/// 409 `bookings_affected`: the bookings in the way, each with the best other time.
pub fn stranded_error(
    stranded: &[kneadtime_clinic::leave::Stranded],
    tz: &jiff::tz::TimeZone,
) -> ApiError {
    let list: Vec<_> = stranded
        .iter()
        .map(|s| {
            json!({
                "appointment_id": s.appointment.id,
                "client_id": s.appointment.client_id,
                "client_name": s.client_name,
                "service_name": s.service_name,
                "start": kneadtime_clinic::show(s.appointment.start_at.as_second(), tz),
                "proposal": s.proposal.as_ref().map(|p| json!({
                    "therapist_id": p.therapist_id,
                    "therapist_name": p.therapist_name,
                    "start": p.start,
                    "reasons": p.fit.reasons,
                })),
            })
        })
        .collect();
    ApiError::conflict(
        Code::BookingsAffected,
        format!(
            "{} booked appointment(s) would be left without their therapist; move or cancel each first (the client is emailed either way), then try again",
            stranded.len()
        ),
    )
    .with_details(json!({ "appointments": list }))
}

impl From<kneadtime_clinic::booking::BookError> for ApiError {
    fn from(e: kneadtime_clinic::booking::BookError) -> Self {
        use kneadtime_clinic::booking::BookError as B;
        let nearest = |n: Vec<kneadtime_clinic::Slot>| json!({ "nearest": n });
        match e {
            B::Field { field, message } => ApiError::field(field, message),
            B::NotFound { what, field } => ApiError::not_found(what).with_field(field),
            B::ServiceInactive => ApiError::unprocessable(
                Code::ServiceInactive,
                "this service is no longer offered",
            )
            .with_field("service_id"),
            B::TherapistInactive => ApiError::unprocessable(
                Code::TherapistInactive,
                "this therapist no longer takes bookings",
            )
            .with_field("therapist_id"),
            B::WrongLocation { message } => ApiError::field("therapist_id", message),
            B::InThePast => {
                ApiError::unprocessable(Code::InThePast, "that time has already passed")
                    .with_field("start")
            }
            B::TooSoon { hours, nearest: n } => ApiError::unprocessable(
                Code::TooSoon,
                format!(
                    "online bookings need at least {hours} hours' notice; pick a later time or call the clinic"
                ),
            )
            .with_field("start")
            .with_details(nearest(n)),
            B::OffGrid { start } => ApiError::field(
                "start",
                format!(
                    "times start on the clinic's {}-minute grid (10:00, 10:05, 10:10…); found {start}",
                    kneadtime_store::CELL_SECS / 60
                ),
            ),
            B::BeyondHorizon { days } => ApiError::unprocessable(
                Code::BeyondHorizon,
                format!("the clinic takes bookings up to {days} days ahead"),
            )
            .with_field("start"),
            B::OutsideHours { nearest: n } => ApiError::unprocessable(
                Code::OutsideHours,
                "the therapist does not work then (outside working hours or on leave)",
            )
            .with_field("start")
            .with_details(nearest(n)),
            B::RuleBroken {
                finding,
                findings,
                staff,
                nearest: n,
            } => {
                let mut message = finding
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_default();
                if staff {
                    message.push_str(" Staff may book it anyway with an override_reason.");
                }
                ApiError::unprocessable(Code::RuleBroken, message)
                    .with_field("start")
                    .with_details(json!({
                        "rule": finding.as_ref().map(|f| f.rule.as_str()).unwrap_or(""),
                        "findings": findings,
                        "nearest": n,
                    }))
            }
            B::SlotTaken { nearest: n, moving } => ApiError::conflict(
                Code::SlotTaken,
                if moving {
                    "that time is taken; the appointment is unchanged"
                } else {
                    "that time was just taken; here are the nearest good slots"
                },
            )
            .with_field("start")
            .with_details(nearest(n)),
            B::ClientBusy { nearest: n, moving } => ApiError::conflict(
                Code::ClientBusy,
                if moving {
                    "the client already has another appointment at that time; the appointment is unchanged"
                } else {
                    "the client already has an appointment at that time; here are the nearest good slots"
                },
            )
            .with_field("start")
            .with_details(nearest(n)),
            B::TooManyOpen { held } => ApiError::unprocessable(
                Code::TooManyOpen,
                format!(
                    "you already hold {held} upcoming bookings, the most the clinic takes at once; cancel one or call the clinic"
                ),
            ),
            B::TooLateToChange { hours } => ApiError::conflict(
                Code::TooLateToChange,
                format!(
                    "this booking starts within {hours} hours, the clinic's cancellation window; call the clinic to change it"
                ),
            ),
            B::WrongState { message } => ApiError::conflict(Code::WrongState, message),
            B::KeyReused => ApiError::unprocessable(
                Code::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request; use a new key",
            ),
            B::Core(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found("the record"),
            StoreError::Conflict => ApiError::conflict(Code::Conflict, "already taken"),
            StoreError::ClientBusy => ApiError::conflict(
                Code::ClientBusy,
                "the client already has an appointment at that time",
            ),
            StoreError::OfferGone => ApiError::conflict(
                Code::OfferGone,
                "this time is no longer offered to you: it was taken, declined or the offer ended",
            ),
            StoreError::Locked => ApiError::conflict(
                Code::NoteSigned,
                "the note is signed: add an amendment saying what changes and why",
            ),
            StoreError::Invalid(why) => ApiError::bad(why),
            StoreError::Backend(why) => {
                crate::log::line(&format!("database error: {why}"));
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::DatabaseUnavailable,
                    "the database could not complete the request; try again",
                )
            }
        }
    }
}

/// Trimmed text of 1 to `max` characters, or a 400 naming `field`.
pub fn non_empty(field: &str, s: &str, max: usize) -> ApiResult<String> {
    Ok(kneadtime_clinic::clients::check_text(field, s, max)?)
}

/// `Json<T>` whose rejections (bad JSON, wrong type, missing field, too large, wrong
/// content type) come back in the one error shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let text = r.body_text();
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            "expected a JSON body with Content-Type: application/json",
        ),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::TooLarge,
            "the request body is too large",
        ),
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::InvalidBody,
            tidy(&text),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, Code::InvalidJson, tidy(&text)),
    }
}

/// axum's messages start with a generic prefix; keep the serde part, which names the field.
fn tidy(text: &str) -> String {
    let t = text
        .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim_start_matches("Failed to parse the request body as JSON: ");
    format!("the JSON body could not be used: {t}")
}

/// `Query<T>` with rejections in the one error shape.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    let t = r.body_text();
    ApiError::bad(format!(
        "the query string could not be used: {}",
        t.trim_start_matches("Failed to deserialize query string: ")
    ))
}

/// A raw request body (an uploaded file), with rejections in the one error shape.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(ApiBytes(b)),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::TooLarge,
                "the uploaded file is too large",
            )),
            Err(r) => Err(ApiError::bad(format!(
                "the request body could not be read: {}",
                r.body_text()
            ))),
        }
    }
}

/// A created resource: 201 with its JSON.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(self.0)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_snake_case_spelling() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                !s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{s}"
            );
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(s));
        }
    }
}
