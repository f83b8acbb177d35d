//! The waitlist over HTTP: joining and leaving it, the offers of freed times, accepting
//! one (a booking under every rule slot search and booking apply) or declining it, and
//! the worker that runs the offer rounds in every instance.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kneadtime_clinic::people;
use kneadtime_clinic::waitlist::{self, Join, tick};
use kneadtime_store::{Offer, OfferState, StoreError, WaitEntry, WaitState};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::booking::{AppointmentOut, BookBody, Names};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, Code};
use crate::policy::{Act, permitted};
use crate::schedule::{local_date, parse_date, show};

/// How often the worker looks when nothing wakes it (offers expire on this beat).
const POLL: std::time::Duration = std::time::Duration::from_secs(30);
/// Freed times taken per pass.
const BATCH: usize = 20;

/// Starts the waitlist worker for `state`; it runs until the task is aborted.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = tick(&state.clinic, BATCH).await {
                crate::log::line(&format!("waitlist: a round failed: {e}"));
            }
            let _ = tokio::time::timeout(POLL, waitlist::freed(&state.clinic).notified()).await;
        }
    })
}

/// A waitlist entry as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitOut {
    pub id: WaitId,
    pub client_id: ClientId,
    pub client_name: String,
    pub service_id: ServiceId,
    pub service_name: String,
    /// `None`: any therapist.
    pub therapist_id: Option<TherapistId>,
    /// First and last local day of the window.
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    /// What the window is for.
    pub note: String,
    pub state: WaitState,
}

/// An offer of a freed time as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferOut {
    pub id: OfferId,
    pub entry_id: WaitId,
    pub client_id: ClientId,
    pub service_id: ServiceId,
    pub service_name: String,
    pub therapist_id: TherapistId,
    pub therapist_name: String,
    /// RFC 3339 in the clinic's zone.
    pub start: String,
    pub end: String,
    pub date: jiff::civil::Date,
    pub local_time: String,
    /// When the offer ends, in the clinic's zone: RFC 3339, and in words.
    pub expires: String,
    pub expires_local: String,
    pub state: OfferState,
    /// What the client waited for.
    pub note: String,
}

fn wait_out(e: &WaitEntry, names: &Names, client_name: &str) -> WaitOut {
    WaitOut {
        id: e.id.clone(),
        client_id: e.client_id.clone(),
        client_name: client_name.to_string(),
        service_id: e.service_id.clone(),
        service_name: names.service(&e.service_id),
        therapist_id: e.therapist_id.clone(),
        from: local_date(e.from_at.as_second(), &names.tz),
        // The window ends at the start of the day after its last.
        to: local_date((e.until_at - 1).as_second(), &names.tz),
        note: e.note.clone(),
        state: e.state,
    }
}

fn offer_out(o: &Offer, e: &WaitEntry, names: &Names) -> OfferOut {
    OfferOut {
        id: o.id.clone(),
        entry_id: o.entry_id.clone(),
        client_id: e.client_id.clone(),
        service_id: e.service_id.clone(),
        service_name: names.service(&e.service_id),
        therapist_id: o.therapist_id.clone(),
        therapist_name: names.therapist(&o.therapist_id),
        start: show(o.start_at.as_second(), &names.tz),
        end: show(o.end_at.as_second(), &names.tz),
        date: local_date(o.start_at.as_second(), &names.tz),
        local_time: kneadtime_clinic::local_datetime(o.start_at.as_second(), &names.tz)
            .strftime("%H:%M")
            .to_string(),
        expires: show(o.expires_at.as_second(), &names.tz),
        expires_local: kneadtime_clinic::local_datetime(o.expires_at.as_second(), &names.tz)
            .strftime("%a %-d %b at %H:%M")
            .to_string(),
        state: o.state,
        note: e.note.clone(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// Required for staff; a client joins for themself.
    pub client_id: Option<ClientId>,
    pub service_id: ServiceId,
    /// Only this therapist; any when left out.
    pub therapist_id: Option<TherapistId>,
    /// First and last day (YYYY-MM-DD), both or neither: neither waits on the client's
    /// next race window for the service.
    #[schema(format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive.
    #[schema(format = Date)]
    pub to: Option<String>,
}

/// Whose entry a caller means: a client their own, staff the one they name.
fn client_of(caller: &Caller, named: Option<&str>) -> ApiResult<String> {
    match (caller.client_id(), named) {
        (Some(me), None) => Ok(me.to_string()),
        (Some(me), Some(c)) if c == me => Ok(me.to_string()),
        (Some(_), Some(_)) => Err(ApiError::forbidden()),
        (None, Some(c)) => Ok(c.to_string()),
        (None, None) => Err(ApiError::field("client_id", "expected the client's id")),
    }
}

/// Joins the waitlist for `caller`.
pub async fn join(state: &AppState, caller: &Caller, body: &JoinBody) -> ApiResult<WaitOut> {
    let client_id = client_of(caller, body.client_id.as_deref())?;
    if !permitted(state, caller, Act::Client(&client_id)).await? {
        return Err(ApiError::not_found("client").with_field("client_id"));
    }
    let date = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| parse_date(field, s))
            .transpose()
            .map_err(ApiError::from)
    };
    let (from, to) = (date("from", &body.from)?, date("to", &body.to)?);
    let entry = kneadtime_clinic::waitlist::join(
        &state.clinic,
        &Join {
            client_id: &ClientId::from(&client_id),
            service_id: &body.service_id,
            therapist_id: (body.therapist_id.as_deref())
                .map(TherapistId::from)
                .as_ref(),
            from,
            to,
        },
    )
    .await
    .map_err(|e| match e {
        kneadtime_clinic::CoreError::NotFound(_) => {
            ApiError::not_found("client").with_field("client_id")
        }
        e => e.into(),
    })?;
    let names = Names::load(state).await?;
    let client = people::client(&state.clinic, &ClientId::from(&client_id)).await?;
    Ok(wait_out(&entry, &names, &client.name))
}

/// POST /api/waitlist
#[utoipa::path(
    post,
    path = "/api/waitlist",
    operation_id = "joinWaitlist",
    tag = "waitlist",
    summary = "Wait for a time in a window",
    description = "A client joins for themself; staff name the client. Without from and to, the window is the client's next pre-race (or post-race) window for the service (422 no_window when none is ahead). When a cancellation or a move frees a time in the window that suits the client's training, the best-fitting waiting clients are offered it by email; the first to accept books it. A client waits on at most 5 windows (422 too_many_waiting); a window is at most 62 days and within the booking horizon.",
    request_body(content = JoinBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The entry.", body = WaitOut),
    ),
)]
pub async fn post_join(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<JoinBody>,
) -> ApiResult<Response> {
    let out = join(&state, &caller, &body).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this client's entries.
    pub client_id: Option<ClientId>,
}

/// The entries still waiting that `caller` may see (a client their own; a therapist
/// those of clients they treat; the owner all), for one client or all.
pub async fn visible_waiting(
    state: &AppState,
    caller: &Caller,
    client_id: Option<&ClientId>,
) -> ApiResult<Vec<WaitOut>> {
    let client_id = match caller.client_id() {
        Some(me) => Some(ClientId::from(client_of(
            caller,
            client_id.map(ClientId::as_str).or(Some(me)),
        )?)),
        None => client_id.cloned(),
    };
    let entries = waitlist::waiting(&state.clinic, client_id.as_ref()).await?;
    let ids: Vec<ClientId> = entries.iter().map(|e| e.client_id.clone()).collect();
    let names = Names::load(state).await?.with_clients(state, &ids).await?;
    let mut out = Vec::new();
    for e in &entries {
        if permitted(state, caller, Act::Client(&e.client_id)).await? {
            let client = names.client(&e.client_id);
            out.push(wait_out(e, &names, &client));
        }
    }
    Ok(out)
}

/// GET /api/waitlist
#[utoipa::path(
    get,
    path = "/api/waitlist",
    operation_id = "listWaitlist",
    tag = "waitlist",
    summary = "Who waits for a time",
    description = "Entries still waiting, soonest window first: a client sees their own, a therapist those of clients they treat, the owner all.",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "The entries.", body = Vec<WaitOut>),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<WaitOut>>> {
    Ok(Json(
        visible_waiting(
            &state,
            &caller,
            (q.client_id.as_deref()).map(ClientId::from).as_ref(),
        )
        .await?,
    ))
}

/// The entry `id` when `caller` may change it; 404 otherwise (so no one learns of
/// another client's entry).
async fn entry_for(state: &AppState, caller: &Caller, id: &str) -> ApiResult<WaitEntry> {
    let e = waitlist::entry(&state.clinic, &WaitId::from(id)).await?;
    if !permitted(state, caller, Act::Client(&e.client_id)).await? {
        return Err(ApiError::not_found("waitlist entry"));
    }
    Ok(e)
}

/// Takes `caller`'s entry off the waitlist.
pub async fn withdraw(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let e = entry_for(state, caller, id).await?;
    if e.state != WaitState::Waiting {
        return Err(ApiError::conflict(
            Code::WrongState,
            format!(
                "this entry is no longer waiting (it is {})",
                e.state.as_str()
            ),
        ));
    }
    if waitlist::withdraw(&state.clinic, &WaitId::from(id)).await? {
        Ok(())
    } else {
        Err(ApiError::conflict(
            Code::WrongState,
            "this entry is no longer waiting",
        ))
    }
}

/// DELETE /api/waitlist/{id}
#[utoipa::path(
    delete,
    path = "/api/waitlist/{id}",
    operation_id = "leaveWaitlist",
    tag = "waitlist",
    summary = "Leave the waitlist",
    description = "The client themself, or staff who may see the client. Open offers to the entry end as declined and go to the next in line.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 204, description = "Left."),
        (status = 409, description = "The entry is no longer waiting (wrong_state).", body = crate::error::ErrorBody),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    withdraw(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The open offers `caller` may see: a client their own; a therapist those on their
/// schedule; the owner all.
pub async fn visible_offers(state: &AppState, caller: &Caller) -> ApiResult<Vec<OfferOut>> {
    let offers = waitlist::open_offers(&state.clinic, caller.client_id()).await?;
    let names = Names::load(state).await?;
    let mut out = Vec::new();
    for (o, e) in &offers {
        let act = Act::Offer {
            client: &e.client_id,
            therapist: &o.therapist_id,
        };
        if permitted(state, caller, act).await? {
            out.push(offer_out(o, e, &names));
        }
    }
    Ok(out)
}

/// GET /api/offers
#[utoipa::path(
    get,
    path = "/api/offers",
    operation_id = "listOffers",
    tag = "waitlist",
    summary = "Open offers of freed times",
    description = "A client sees the offers made to them, a therapist those of their own time, the owner all.",
    responses(
        (status = 200, description = "The open offers, soonest first.", body = Vec<OfferOut>),
    ),
)]
pub async fn offers(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<OfferOut>>> {
    Ok(Json(visible_offers(&state, &caller).await?))
}

/// The offer `id` with its entry, when `caller` may book for its client; 404 otherwise.
async fn offer_for(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(Offer, WaitEntry)> {
    let (o, e) = waitlist::offer(&state.clinic, &OfferId::from(id)).await?;
    let act = Act::Book {
        client: &e.client_id,
        therapist: &o.therapist_id,
    };
    if !permitted(state, caller, act).await? {
        return Err(ApiError::not_found("offer"));
    }
    Ok((o, e))
}

/// The store's answer for an offer no longer open, as every caller gives it.
fn gone() -> ApiError {
    StoreError::OfferGone.into()
}

/// Accepts an offer: books its time for the client under every booking rule. Of two
/// clients accepting one time, one books and the other is told it was taken.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    id: &str,
    from: IpAddr,
) -> ApiResult<AppointmentOut> {
    let (o, e) = offer_for(state, caller, id).await?;
    if o.state != OfferState::Open || o.expires_at <= UnixTime::from_second(state.now()) {
        return Err(gone());
    }
    let body = BookBody {
        client_id: Some(e.client_id.clone()),
        service_id: e.service_id.clone(),
        therapist_id: o.therapist_id.clone(),
        start: o.start_at.timestamp().ok_or_else(gone)?.to_string(),
        override_reason: None,
        offer_id: Some(o.id.clone()),
    };
    crate::booking::book(state, caller, &body, None, from).await
}

/// POST /api/offers/{id}/accept
#[utoipa::path(
    post,
    path = "/api/offers/{id}/accept",
    operation_id = "acceptOffer",
    tag = "waitlist",
    summary = "Accept an offered time",
    description = "Books the offered time for its client under every booking rule. Of several clients offered one time, the first to accept books it; the others are told 409 offer_gone, as is anyone accepting a declined or expired offer.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 201, description = "The booking.", body = crate::booking::AppointmentOut),
        (status = 409, description = "The offer has ended (offer_gone), or the time was taken (slot_taken) or the client is booked then (client_busy).", body = crate::error::ErrorBody),
        (status = 429, description = "Too many bookings from this address or client in the last hour (too_many_bookings).", body = crate::error::ErrorBody),
    ),
)]
pub async fn post_accept(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let a = accept(&state, &caller, &id, addr.ip()).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// Declines an offer; the time goes to the next in line.
pub async fn decline(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let (o, e) = waitlist::offer(&state.clinic, &OfferId::from(id)).await?;
    let act = Act::Offer {
        client: &e.client_id,
        therapist: &o.therapist_id,
    };
    if !permitted(state, caller, act).await? {
        return Err(ApiError::not_found("offer"));
    }
    if o.state != OfferState::Open || !waitlist::decline(&state.clinic, &OfferId::from(id)).await? {
        return Err(gone());
    }
    Ok(())
}

/// POST /api/offers/{id}/decline
#[utoipa::path(
    post,
    path = "/api/offers/{id}/decline",
    operation_id = "declineOffer",
    tag = "waitlist",
    summary = "Decline an offered time",
    description = "The client stays on the waitlist; the time goes to the next in line.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 204, description = "Declined."),
        (status = 409, description = "The offer has already ended (offer_gone).", body = crate::error::ErrorBody),
    ),
)]
pub async fn post_decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    decline(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
