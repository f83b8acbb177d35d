//! Calendar feeds: `/feeds/SECRET.ics`, one per therapist or client, that Google, Apple
//! and Outlook calendars subscribe to. The secret in the URL is the only credential.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kneadtime_import::write_feed;

use crate::AppState;
use crate::auth::hash_token;
use crate::error::{ApiError, ApiResult};

/// GET /feeds/{token}.ics
#[utoipa::path(
    get,
    path = "/feeds/{file}",
    operation_id = "feed",
    tag = "feeds",
    summary = "A calendar feed (iCalendar)",
    description = "The secret in the URL is the only credential. Appointments from 90 days back to 400 days ahead; cancelled ones are marked cancelled.",
    params(
        ("file" = String, Path, description = "SECRET.ics: the feed's 64-hex-digit secret, with or without the .ics suffix."),
    ),
    responses(
        (status = 200, description = "The feed.", body = String, content_type = "text/calendar", headers(("Cache-Control" = String, description = "private, max-age=300"))),
    ),
    security(),
)]
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("feed"));
    }
    let f = kneadtime_clinic::feeds::feed(&state.clinic, &hash_token(token)).await?;
    let body = write_feed(&f.title, &f.events, state.clock().now());
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(res)
}
