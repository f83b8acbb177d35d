//! Calendar feeds: `/feeds/SECRET.ics`, one per therapist or client, that Google, Apple
//! and Outlook calendars subscribe to. The secret in the URL is the only credential.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kneadtime_import::{TimedEvent, write_feed};
use kneadtime_store::{FeedOwner, Status, StoreError};

use crate::AppState;
use crate::auth::hash_token;
use crate::booking::Names;
use crate::error::{ApiError, ApiResult};

/// How far back and ahead a feed reaches.
const PAST_SECS: i64 = 90 * 86_400;
const AHEAD_SECS: i64 = 400 * 86_400;

/// GET /feeds/{token}.ics
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("feed"));
    }
    let owner = match state.store.feed_owner(&hash_token(token)).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(ApiError::not_found("feed")),
        Err(e) => return Err(e.into()),
    };
    let names = Names::load(&state).await?.with_clients(&state).await?;
    let (clinic, locations, therapists) = tokio::try_join!(
        state.store.clinic(),
        state.store.locations(),
        state.store.therapists(),
    )?;
    // Where each session is: the clinic, its location, and the address.
    let place_of = |therapist_id: &str| {
        therapists
            .iter()
            .find(|t| t.id == therapist_id)
            .and_then(|t| locations.iter().find(|l| l.id == t.location_id))
            .map_or_else(
                || clinic.name.clone(),
                |l| kneadtime_clinic::notify::place_of(&clinic, l),
            )
    };
    let (from, to) = (state.now() - PAST_SECS, state.now() + AHEAD_SECS);
    let (title, appts) = match &owner {
        FeedOwner::Therapist(id) => {
            let t = state.store.therapist(id).await?;
            (
                format!("{} – {}", clinic.name, t.name),
                state.store.appointments_for_therapist(id, from, to).await?,
            )
        }
        FeedOwner::Client(id) => {
            let c = state.store.client(id).await?;
            let list = state.store.appointments_for_client(id).await?;
            (
                format!("{} – {}", clinic.name, c.name),
                list.into_iter()
                    .filter(|a| a.end_at >= from && a.start_at <= to)
                    .collect(),
            )
        }
    };
    let events: Vec<TimedEvent> = appts
        .iter()
        .filter(|a| a.status != Status::NoShow)
        .map(|a| {
            let v = names.view(a, None, None);
            let place = place_of(&a.therapist_id);
            let summary = match &owner {
                FeedOwner::Therapist(_) => format!("{}: {}", v.service_name, v.client_name),
                FeedOwner::Client(_) => format!("{} with {}", v.service_name, v.therapist_name),
            };
            TimedEvent {
                uid: format!("{}@kneadtime", a.id),
                start: jiff::Timestamp::from_second(a.start_at).unwrap_or_default(),
                end: jiff::Timestamp::from_second(a.end_at).unwrap_or_default(),
                summary,
                description: format!(
                    "{} at {}, {} ({}).",
                    v.service_name, place, v.local_time, v.time_zone
                ),
                location: place,
                cancelled: a.status == Status::Cancelled,
                // The same UID and sequence as the emailed invitations, so a calendar
                // that has both keeps one event.
                sequence: u32::try_from(a.sequence).unwrap_or(u32::MAX),
                reminder_minutes_before: Some(120),
            }
        })
        .collect();
    let body = write_feed(&title, &events, state.clock().now());
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
