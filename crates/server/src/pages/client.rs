//! The client's pages: the personal link, their appointments, and booking — the
//! recommended slots first with the reason each fits, the rest by day, a clear refusal
//! with better slots when a chosen time breaks a rule, and a confirmation with an
//! "add to calendar" file.

use kneadtime_store::ids::*;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use kneadtime_clinic::{booking, people};
use kneadtime_domain::Kind;
use kneadtime_domain::session::parse_distance;
use kneadtime_store::{Principal, Service, SignIn};
use serde::Deserialize;
use serde_json::Value;

use super::{
    ApptView, Chrome, PageCaller, day_label, error_page, message, page, page_with,
    redirect_with_cookie, require_form,
};
use crate::AppState;
use crate::auth::{Caller, hash_token, new_session, new_token};
use crate::booking::{BookBody, Names};
use crate::error::{ApiError, Code};
use crate::schedule::{Search, client_context, local_date, parse_date};

/// GET /c/{token}: a client's personal link signs them in.
pub async fn link(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    let gate = match crate::auth::Gate::open(&state, addr, "client-link").await {
        Ok(g) => g,
        Err(e) => return error_page(&state, None, &e).await,
    };
    let client = match people::client_by_link(&state.clinic, &hash_token(token.trim())).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            if let Err(e) = gate.failed(&state).await {
                return error_page(&state, None, &e).await;
            }
            return message(
                &state,
                None,
                StatusCode::NOT_FOUND,
                "Link not recognised",
                "This personal link is not valid any more. Ask the clinic for a new one.",
                "/",
                "Back to the start",
            )
            .await;
        }
        Err(e) => return error_page(&state, None, &e.into()).await,
    };
    match new_session(&state, Principal::Client(client.id), SignIn::Link).await {
        Ok((_, _, _, cookie)) => redirect_with_cookie("/me", &cookie),
        Err(e) => error_page(&state, None, &e).await,
    }
}

#[derive(Template)]
#[template(path = "me.html")]
pub struct Me {
    pub chrome: Chrome,
    /// Each booking to come, and whether the client may still cancel it here.
    pub upcoming: Vec<(ApptView, bool)>,
    /// The clinic's cancellation window, in hours.
    pub window: i64,
    pub past: Vec<ApptView>,
    pub feed_url: String,
    pub notice: String,
    /// Whether the client has filled in their intake.
    pub intake_done: bool,
    /// Freed times offered to the client, and the windows they wait on.
    pub offers: Vec<crate::waitlist::OfferOut>,
    pub waiting: Vec<crate::waitlist::WaitOut>,
    /// What the record shows, in sentences with their evidence; what the last signed
    /// note found.
    pub found: Vec<(String, Vec<String>)>,
    pub latest: Option<super::record::NoteView>,
    /// Routines under way, each with the days that can be ticked now.
    pub homework: Vec<MyHomework>,
    /// Race-week events the client can ask for a session at, and where they stand.
    pub race_week: Vec<RaceWeekView>,
    /// The clinic's open locations to choose from: id and name (one: not asked).
    pub locations: Vec<(String, String)>,
}

/// One race-week event on the client's page.
pub struct RaceWeekView {
    pub id: RaceEventId,
    /// "City Marathon, Sun 18 Apr".
    pub title: String,
    /// "post-race" or "pre-race".
    pub kind: &'static str,
    /// pending, booked, waitlisted, withdrawn, or "" when not asked.
    pub state: String,
    /// Why they wait, when they do.
    pub reason: String,
}

/// A routine under way on the client's page.
pub struct MyHomework {
    pub id: HomeworkId,
    pub name: String,
    pub minutes: u8,
    pub per_week: u8,
    pub steps: Vec<&'static str>,
    pub kept_up: String,
    /// "2027-03-14", "Sun 14", ticked.
    pub days: Vec<(String, String, bool)>,
    /// The shown days, comma-separated (so unticking one is read as not done).
    pub shown: String,
}

/// Hints with their evidence, the last signed note, the routines under way.
type MyRecord = (
    Vec<(String, Vec<String>)>,
    Option<super::record::NoteView>,
    Vec<MyHomework>,
);

/// The client's own record for their page: hints, the last signed note, the routines
/// under way. Reading it is logged.
async fn my_record(
    state: &AppState,
    caller: &Caller,
    me: &str,
    names: &Names,
) -> Result<MyRecord, crate::error::ApiError> {
    let ctx = client_context(&state.clinic, &ClientId::from(me)).await?;
    let record = kneadtime_clinic::notes::record(&state.clinic, &ctx).await?;
    let latest = record
        .visits
        .iter()
        .rev()
        .find(|v| v.note.signed())
        .map(|v| {
            super::record::note_view(
                &v.note,
                v.date,
                &names.view(&v.appointment, Some(""), None).therapist_name,
                &names.tz,
            )
        });
    if latest.is_some() {
        people::audit(
            &state.clinic,
            &caller.actor(),
            "notes.view",
            Some(&ClientId::from(me)),
            "own record",
        )
        .await?;
    }
    let homework = kneadtime_clinic::homework::list(&state.clinic, &ClientId::from(me), &names.tz)
        .await?
        .into_iter()
        .filter(|v| v.homework.ended_at.is_none())
        .map(|v| MyHomework {
            id: v.homework.id.clone(),
            name: v.routine.name.to_string(),
            minutes: v.routine.minutes,
            per_week: v.homework.per_week,
            steps: v.routine.steps.to_vec(),
            kept_up: kneadtime_clinic::homework::compliance_text(&v.compliance),
            shown: v
                .days
                .iter()
                .map(|(d, _)| d.to_string())
                .collect::<Vec<_>>()
                .join(","),
            days: v
                .days
                .iter()
                .map(|(d, t)| (d.to_string(), d.strftime("%a %-d").to_string(), *t))
                .collect(),
        })
        .collect();
    Ok((
        record
            .hints
            .into_iter()
            .map(|h| (h.text, h.evidence))
            .collect(),
        latest,
        homework,
    ))
}

async fn my_page(state: &AppState, caller: &Caller, feed_url: String, notice: String) -> Response {
    let Some(me) = caller.client_id() else {
        return Redirect::to("/staff").into_response();
    };
    match my_view(state, caller, me, feed_url, notice).await {
        Ok(p) => page(&p),
        Err(e) => error_page(state, Some(caller), &e).await,
    }
}

/// The client's own page: a store that cannot be read fails the page rather than
/// showing no bookings.
async fn my_view(
    state: &AppState,
    caller: &Caller,
    me: &str,
    feed_url: String,
    notice: String,
) -> Result<Me, ApiError> {
    let core = &state.clinic;
    let names = Names::load(state).await?;
    let appts = booking::of_client(core, &ClientId::from(me)).await?;
    let t = state.now();
    let views: Vec<ApptView> = appts
        .iter()
        .map(|a| {
            ApptView::from(
                &names.view(a, None, None),
                a.start_at.as_second(),
                t,
                &names.tz,
            )
        })
        .collect();
    let (upcoming, past): (Vec<_>, Vec<_>) = views.into_iter().partition(|v| v.upcoming);
    let setup = core.setup().await?;
    let clinic = &setup.clinic;
    let window = clinic.cancel_window_hours;
    // Inside the cancellation window a booking is changed by calling the clinic.
    let changeable: Vec<bool> = upcoming
        .iter()
        .map(|v| {
            appts.iter().find(|a| a.id == v.id).is_some_and(|a| {
                kneadtime_clinic::changeable_online(clinic, a.start_at.as_second(), t)
            })
        })
        .collect();
    let offers = crate::waitlist::visible_offers(state, caller).await?;
    let waiting =
        crate::waitlist::visible_waiting(state, caller, Some(&ClientId::from(me))).await?;
    let (found, latest, homework) = my_record(state, caller, me, &names).await?;
    let race_week = kneadtime_clinic::race_week::for_client(core, &ClientId::from(me))
        .await?
        .into_iter()
        .map(|(e, r)| RaceWeekView {
            title: format!("{}, {}", e.name, e.race_date.strftime("%a %-d %b")),
            kind: match e.kind {
                Kind::PreEvent => "pre-race",
                _ => "post-race",
            },
            id: e.id,
            state: r
                .as_ref()
                .map(|r| r.state.as_str().to_string())
                .unwrap_or_default(),
            reason: r.map(|r| r.reason).unwrap_or_default(),
        })
        .collect();
    let locations = if setup.sites.several() {
        setup
            .sites
            .locations
            .iter()
            .filter(|l| l.active)
            .map(|l| (l.id.to_string(), l.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Me {
        chrome: Chrome::load(state, Some(caller)).await,
        race_week,
        locations,
        found,
        latest,
        homework,
        upcoming: upcoming.into_iter().zip(changeable).collect(),
        window,
        past: past.into_iter().rev().collect(),
        feed_url,
        notice,
        offers,
        waiting,
        intake_done: people::intake(core, &ClientId::from(me)).await?.is_some(),
    })
}

#[derive(Deserialize)]
pub struct WaitForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub client_id: ClientId,
    #[serde(default)]
    pub service_id: ServiceId,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// POST /book/waitlist: the client (or staff for them) waits on a window.
pub async fn book_waitlist(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<WaitForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let given = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let body = crate::waitlist::JoinBody {
        client_id: c.is_staff().then(|| f.client_id.clone()),
        service_id: f.service_id.clone(),
        therapist_id: None,
        from: given(&f.from),
        to: given(&f.to),
    };
    match crate::waitlist::join(&state, &c, &body).await {
        Ok(w) => {
            let what = format!(
                "On the waitlist for {} from {} to {}. We email {} when a time that suits frees up.",
                w.service_name,
                day_label(w.from),
                day_label(w.to),
                if c.is_staff() { "the client" } else { "you" }
            );
            if c.is_staff() {
                message(
                    &state,
                    Some(&c),
                    StatusCode::OK,
                    "On the waitlist",
                    &what,
                    &format!("/staff/clients/{}", w.client_id),
                    "Back to the client",
                )
                .await
            } else {
                my_page(&state, &c, String::new(), what).await
            }
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /me/offers/{id}/accept: books the offered time.
pub async fn me_accept(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match crate::waitlist::accept(&state, &c, &id, addr.ip()).await {
        Ok(a) => Redirect::to(&format!("/book/done/{}", a.id)).into_response(),
        Err(e) if e.status.is_client_error() && c.client_id().is_some() => {
            my_page(&state, &c, String::new(), e.message.clone()).await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /me/offers/{id}/decline
pub async fn me_decline(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match crate::waitlist::decline(&state, &c, &id).await {
        Ok(()) => "Declined; the time goes to the next in line. You stay on the waitlist.".into(),
        Err(e) if e.status.is_client_error() => e.message.clone(),
        Err(e) => return error_page(&state, Some(&c), &e).await,
    };
    my_page(&state, &c, String::new(), notice).await
}

/// POST /me/waitlist/{id}/leave
pub async fn me_leave_waitlist(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match crate::waitlist::withdraw(&state, &c, &id).await {
        Ok(()) => "You have left the waitlist for those days.".into(),
        Err(e) if e.status.is_client_error() => e.message.clone(),
        Err(e) => return error_page(&state, Some(&c), &e).await,
    };
    my_page(&state, &c, String::new(), notice).await
}

#[derive(Deserialize)]
pub struct RaceWeekForm {
    #[serde(default)]
    pub csrf_token: String,
    /// Location ids, best first ("" for no choice).
    #[serde(default)]
    pub first: String,
    #[serde(default)]
    pub second: String,
    /// morning, afternoon, evening or "" for any.
    #[serde(default)]
    pub part: String,
    /// Expected finish, "13:05" ("" when not known).
    #[serde(default)]
    pub finish: String,
}

/// POST /me/race-week/{id}: the client asks for a session in an event's race week.
pub async fn me_race_week(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<RaceEventId>,
    Form(f): Form<RaceWeekForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(me) = c.client_id() else {
        return Redirect::to("/staff/events").into_response();
    };
    // Only an event whose race week is still ahead.
    let open = kneadtime_clinic::race_week::for_client(&state.clinic, me)
        .await
        .unwrap_or_default()
        .iter()
        .any(|(e, _)| e.id == id);
    if !open {
        return my_page(
            &state,
            &c,
            String::new(),
            "That race week is over or was never offered.".into(),
        )
        .await;
    }
    let request = kneadtime_clinic::race_week::RequestInput {
        client_id: Some(ClientId::from(me.to_string())),
        finish: Some(f.finish.clone()).filter(|s| !s.trim().is_empty()),
        locations: [f.first.clone(), f.second.clone()]
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect(),
        parts: Some(f.part.clone())
            .filter(|p| !p.trim().is_empty())
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let notice = match kneadtime_clinic::race_week::add_requests(&state.clinic, &id, &[request])
        .await
    {
        Ok(_) => "Thanks: the clinic gives every runner of race week their time together, and emails you yours.".to_string(),
        Err(e) => return refused_on_my_page(&state, &c, e.into()).await,
    };
    my_page(&state, &c, String::new(), notice).await
}

/// The runner's own page saying why their request was refused; a fault is an error page.
async fn refused_on_my_page(state: &AppState, c: &Caller, e: ApiError) -> Response {
    if !e.status.is_client_error() {
        return error_page(state, Some(c), &e).await;
    }
    my_page(state, c, String::new(), e.message).await
}

/// POST /me/race-week/{id}/withdraw: the client no longer wants it (before it is booked).
pub async fn me_race_week_withdraw(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(me) = c.client_id() else {
        return Redirect::to("/staff/events").into_response();
    };
    let notice =
        match kneadtime_clinic::race_week::withdraw(&state.clinic, &RaceEventId::from(&id), me)
            .await
        {
            Ok(()) => {
                "You have withdrawn: the clinic will not book you for that race week.".to_string()
            }
            Err(e) => return refused_on_my_page(&state, &c, e.into()).await,
        };
    my_page(&state, &c, String::new(), notice).await
}

/// POST /me/keep/{id}: the client keeps the time the clinic moved their booking to.
pub async fn me_keep(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match crate::booking::keep(State(state.clone()), c.clone(), Path(id)).await {
        Ok(_) => "Thanks: the new time is yours, and the clinic knows.".to_string(),
        Err(e) if e.status.is_client_error() => e.message.clone(),
        Err(e) => return error_page(&state, Some(&c), &e).await,
    };
    my_page(&state, &c, String::new(), notice).await
}

/// GET /me
pub async fn me(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    match caller {
        Some(c) if c.client_id().is_some() => {
            my_page(&state, &c, String::new(), String::new()).await
        }
        Some(_) => Redirect::to("/staff").into_response(),
        None => Redirect::to("/signin").into_response(),
    }
}

/// POST /me/homework/{id}: the days shown for a routine, ticked or not.
pub async fn me_homework(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let c = match require_form(&state, &caller, get("csrf_token"), &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done: Vec<&str> = f
        .iter()
        .filter(|(n, _)| n == "done")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut notice = "Thanks: your therapist sees how it is going.".to_string();
    // A week is shown at most; more is not read.
    for day in get("shown").split(',').filter(|d| !d.is_empty()).take(7) {
        let body = crate::homework::TickBody {
            date: day.to_string(),
            done: done.contains(&day),
        };
        match crate::homework::tick(
            State(state.clone()),
            c.clone(),
            Path(id.clone()),
            crate::error::ApiJson(body),
        )
        .await
        {
            Ok(_) => {}
            Err(e) if e.status.is_client_error() => {
                notice = e.message.clone();
                break;
            }
            Err(e) => return error_page(&state, Some(&c), &e).await,
        }
    }
    my_page(&state, &c, String::new(), notice).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// POST /me/feed: a calendar subscription URL for the client.
pub async fn me_feed(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(me) = c.client_id().cloned() else {
        return Redirect::to("/staff").into_response();
    };
    match crate::clients::new_feed(&state, kneadtime_store::FeedOwner::Client(me)).await {
        Ok(url) => my_page(&state, &c, url, String::new()).await,
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// POST /me/cancel/{id}
pub async fn me_cancel(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match crate::booking::cancel(State(state.clone()), c.clone(), Path(id)).await {
        Ok(a) => {
            my_page(
                &state,
                &c,
                String::new(),
                format!(
                    "Cancelled: {} on {} at {}.",
                    a.0.service_name,
                    day_label(a.0.date),
                    a.0.local_time
                ),
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Clone)]
pub struct ServiceOpt {
    pub id: ServiceId,
    pub name: String,
    pub detail: String,
    pub selected: bool,
}

fn service_opts(services: &[Service], selected: &str, currency: &str) -> Vec<ServiceOpt> {
    services
        .iter()
        .filter(|s| s.active)
        .map(|s| ServiceOpt {
            id: s.id.clone(),
            name: s.name.clone(),
            detail: format!(
                "{} min, {}",
                s.length_min,
                kneadtime_clinic::price_text(s.price_cents, currency)
            ),
            selected: s.id == selected,
        })
        .collect()
}

#[derive(Template, Default)]
#[template(path = "book_start.html")]
pub struct BookStart {
    pub chrome: Chrome,
    pub services: Vec<ServiceOpt>,
    pub signed_in: bool,
    pub name: String,
    pub email: String,
    pub race_date: String,
    pub race_distance: String,
    pub error_service: String,
    pub error_name: String,
    pub error_email: String,
    pub error_race: String,
}

/// GET /book: choose a service (and, without a link, say who you are).
pub async fn start(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    let setup = match state.clinic.setup().await {
        Ok(s) => s,
        Err(e) => return error_page(&state, caller.as_ref(), &e.into()).await,
    };
    let (services, currency) = (&setup.services, &setup.clinic.currency);
    page(&BookStart {
        chrome: Chrome::load(&state, caller.as_ref()).await,
        services: service_opts(services, "", currency),
        signed_in: caller.as_ref().is_some_and(|c| c.client_id().is_some()),
        ..BookStart::default()
    })
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    pub service_id: ServiceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub race_date: String,
    #[serde(default)]
    pub race_distance: String,
}

/// POST /book/start: a new client from name and email (and their next race), signed in
/// for this booking; or a signed-in client going on to the slots.
pub async fn start_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<StartForm>,
) -> Response {
    let setup = match state.clinic.setup().await {
        Ok(s) => s,
        Err(e) => return error_page(&state, caller.as_ref(), &e.into()).await,
    };
    let (services, currency) = (&setup.services, &setup.clinic.currency);
    let mut form = BookStart {
        chrome: Chrome::load(&state, caller.as_ref()).await,
        services: service_opts(services, &f.service_id, currency),
        signed_in: caller.as_ref().is_some_and(|c| c.client_id().is_some()),
        name: f.name.clone(),
        email: f.email.clone(),
        race_date: f.race_date.clone(),
        race_distance: f.race_distance.clone(),
        ..BookStart::default()
    };
    if !services.iter().any(|s| s.active && s.id == f.service_id) {
        form.error_service = "Choose a service.".into();
        return page_with(StatusCode::BAD_REQUEST, &form);
    }
    let next = format!("/book/slots?service_id={}", f.service_id);
    if form.signed_in {
        return Redirect::to(&next).into_response();
    }
    // A new visitor: the origin must be this site (there is no session to carry a token yet).
    if !super::same_origin(&headers) {
        return message(
            &state,
            None,
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form came from another site.",
            "/book",
            "Start again",
        )
        .await;
    }
    // The clinic core's own checks, asked first so a typo costs no sign-up allowance.
    use kneadtime_clinic::clients::{check_email, check_name, check_race};
    if check_name("name", &f.name).is_err() {
        form.error_name = "Enter your name (at most 200 characters).".into();
    }
    if check_email(&f.email, true).is_err() {
        form.error_email = "Enter an email address, like runner@example.org.".into();
    }
    let today = local_date(state.now(), &form.chrome.tz());
    let race = if f.race_date.trim().is_empty() && f.race_distance.trim().is_empty() {
        None
    } else {
        match (
            parse_date("race_date", &f.race_date),
            parse_distance(f.race_distance.trim()),
        ) {
            (Ok(d), Ok(km)) => match check_race(today, d, km) {
                Ok(()) => Some((d, km)),
                Err(kneadtime_clinic::CoreError::Field { field, .. }) if field == "race_date" => {
                    form.error_race =
                        "The race date has passed; leave it empty or give your next race.".into();
                    None
                }
                Err(e) => {
                    form.error_race = format!("Distance: {e}.");
                    None
                }
            },
            (Err(_), _) => {
                form.error_race = "Enter the race date like 2027-04-25.".into();
                None
            }
            (_, Err(e)) => {
                form.error_race = format!("Distance: {e}.");
                None
            }
        }
    };
    if !form.error_name.is_empty() || !form.error_email.is_empty() || !form.error_race.is_empty() {
        return page_with(StatusCode::BAD_REQUEST, &form);
    }
    // One address makes a few client records an hour, not hundreds.
    match people::attempt(
        &state.clinic,
        &format!("new-client:ip:{}", addr.ip()),
        3600,
        state.config.limits.new_clients_per_hour as i64,
    )
    .await
    {
        Ok(true) => {}
        Ok(false) => {
            return message(&state, None, StatusCode::TOO_MANY_REQUESTS, "Please wait",
                "Too many new bookings were started from this address in the last hour. Try again later, or call the clinic.",
                "/book", "Back").await;
        }
        Err(e) => return error_page(&state, None, &e.into()).await,
    }
    // One client per email: a known email gets a sign-in link, never a second record
    // (and never the first record's bookings without proof of the address).
    match people::clients_by_email(&state.clinic, f.email.trim()).await {
        Ok(known) if !known.is_empty() => {
            return match super::signin::send_link(&state, &known[0]).await {
                Ok(true) => message(&state, None, StatusCode::OK, "Welcome back",
                    &format!("We already know {}. We have emailed a sign-in link there: open it to see your bookings and book this one. It works once, within {} minutes.", f.email.trim(), super::signin::LINK_MINUTES),
                    "/signin", "Send it again").await,
                Ok(false) => message(&state, None, StatusCode::OK, "Welcome back",
                    "That email is already on file with the clinic. Ask the clinic for your personal link to sign in and book.",
                    "/book", "Back").await,
                Err(e) => error_page(&state, None, &e).await,
            };
        }
        Ok(_) => {}
        Err(e) => return error_page(&state, None, &e.into()).await,
    }
    let token = new_token();
    let registration = kneadtime_clinic::Registration {
        name: f.name.clone(),
        email: f.email.clone(),
        email_required: true,
        race,
        access_token_hash: hash_token(&token),
        ..kneadtime_clinic::Registration::default()
    };
    let client = match kneadtime_clinic::register(&state.clinic, &registration).await {
        Ok(c) => c,
        Err(e) => return error_page(&state, None, &e.into()).await,
    };
    match new_session(&state, Principal::Client(client.id), SignIn::Link).await {
        Ok((_, _, _, cookie)) => redirect_with_cookie(&next, &cookie),
        Err(e) => error_page(&state, None, &e).await,
    }
}

#[derive(Clone, Debug)]
pub struct SlotView {
    pub therapist_id: TherapistId,
    pub therapist_name: String,
    /// Where the session is.
    pub location_name: String,
    pub start: String,
    pub day: String,
    pub time: String,
    pub score: u64,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
}

impl SlotView {
    fn from_slot(s: &crate::schedule::Slot) -> SlotView {
        SlotView {
            therapist_id: s.therapist_id.clone(),
            therapist_name: s.therapist_name.clone(),
            location_name: s.location_name.clone(),
            start: s.start.clone(),
            day: day_label(s.fit.date),
            time: s.local_time.clone(),
            score: u64::from(s.fit.score),
            reasons: s.fit.reasons.clone(),
            warnings: s
                .fit
                .findings
                .iter()
                .filter(|f| f.severity == kneadtime_domain::Severity::Warning)
                .map(|f| f.message.clone())
                .collect(),
        }
    }

    /// A slot as a refusal's details carry it (the nearest good times).
    fn from_json(v: &Value) -> SlotView {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let date: Option<jiff::civil::Date> = v["date"].as_str().and_then(|d| d.parse().ok());
        SlotView {
            therapist_id: TherapistId::from(s("therapist_id")),
            therapist_name: s("therapist_name"),
            location_name: s("location_name"),
            start: s("start"),
            day: date.map(day_label).unwrap_or_default(),
            time: s("local_time"),
            score: v["score"].as_u64().unwrap_or(0),
            reasons: v["reasons"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            warnings: v["findings"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|f| f["severity"] == "warning")
                        .filter_map(|f| f["message"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

pub struct DaySlots {
    pub day: String,
    /// How many start times are free, and the link that lists them.
    pub count: usize,
    pub link: String,
    /// The day listed: only its times are on the page.
    pub selected: bool,
    pub slots: Vec<SlotView>,
}

#[derive(Template)]
#[template(path = "book_slots.html")]
pub struct BookSlots {
    pub chrome: Chrome,
    pub client_id: ClientId,
    pub client_name: String,
    pub service_id: ServiceId,
    pub service_name: String,
    pub recommended: Vec<SlotView>,
    pub days: Vec<DaySlots>,
    pub refusal: String,
    pub refusal_rule: String,
    pub nearest: Vec<SlotView>,
    pub therapists: Vec<(String, String)>,
    pub pick_date: String,
    pub pick_time: String,
    pub staff: bool,
    /// The clinic's policy, shown before anything is booked.
    pub policy: String,
    /// Where a chosen time is posted: `/book`, or `/me/move/ID` when moving a booking.
    pub action: String,
    /// When moving a booking: what it is now, in words.
    pub moving: String,
    /// The race windows this booking matters most in, each with its best time.
    pub windows: Vec<(String, SlotView)>,
    /// The days shown, in words, and links to the weeks before and after.
    pub range: String,
    pub earlier: String,
    pub later: String,
    /// The waitlist form's window (first and last day) and what it is for; empty
    /// days when no race window is ahead (the client picks them).
    pub wait_from: String,
    pub wait_to: String,
    pub wait_note: String,
}

/// The price, the place and what the clinic allows, in one line for the booking page.
fn policy_line(clinic: &kneadtime_store::Clinic, service: &Service) -> String {
    let mut out = format!(
        "{} min, {}",
        service.length_min,
        kneadtime_clinic::price_text(service.price_cents, &clinic.currency)
    );
    if !clinic.address.trim().is_empty() {
        out.push_str(&format!(" · at {}", clinic.address.trim()));
    }
    if clinic.cancel_window_hours > 0 {
        out.push_str(&format!(
            " · cancel or move online up to {} hours before",
            clinic.cancel_window_hours
        ));
    }
    if clinic.min_notice_hours > 0 {
        out.push_str(&format!(
            " · online bookings need {} hours' notice",
            clinic.min_notice_hours
        ));
    }
    out
}

#[derive(Deserialize)]
pub struct SlotsQuery {
    pub service_id: ServiceId,
    /// Staff booking for a client.
    pub client_id: Option<ClientId>,
    /// First day shown (default today): pages through the season three weeks at a time.
    pub from: Option<String>,
    /// The day whose free times are listed (default the first with any).
    pub day: Option<String>,
}

/// Days of free times on one page.
const PAGE_DAYS: i64 = 21;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub from: Option<String>,
    pub day: Option<String>,
}

async fn whose(
    state: &AppState,
    caller: &Option<Caller>,
    client_id: Option<&ClientId>,
) -> Result<(Caller, String), Response> {
    match caller {
        Some(c) if c.client_id().is_some() => Ok((
            c.clone(),
            c.client_id().map(ToString::to_string).unwrap_or_default(),
        )),
        Some(c) if c.is_staff() => match client_id {
            Some(id) => Ok((c.clone(), id.to_string())),
            None => Err(message(
                state,
                Some(c),
                StatusCode::BAD_REQUEST,
                "Which client?",
                "Open the client's page and book from there.",
                "/staff/clients",
                "Clients",
            )
            .await),
        },
        _ => Err(Redirect::to("/book").into_response()),
    }
}

/// The slots page, with an optional refusal and its better slots.
async fn slots_page(
    state: &AppState,
    caller: &Caller,
    client_id: &ClientId,
    service_id: &ServiceId,
    refusal: Option<&ApiError>,
) -> Response {
    slots_page_for(
        state,
        caller,
        client_id,
        service_id,
        refusal,
        None,
        &PageQuery::default(),
    )
    .await
}

/// The slots page for booking, or for moving `moving` (same therapist, same service).
async fn slots_page_for(
    state: &AppState,
    caller: &Caller,
    client_id: &ClientId,
    service_id: &ServiceId,
    refusal: Option<&ApiError>,
    moving: Option<&kneadtime_store::Appointment>,
    paging: &PageQuery,
) -> Response {
    let from = paging.from.as_deref();
    let ctx = match client_context(&state.clinic, client_id).await {
        Ok(c) => c,
        Err(e) => return error_page(state, Some(caller), &e.into()).await,
    };
    let setup = match state.clinic.setup().await {
        Ok(s) => s,
        Err(e) => return error_page(state, Some(caller), &e.into()).await,
    };
    let service = match setup.service(service_id) {
        Some(s) if s.active => s.clone(),
        _ => {
            return message(
                state,
                Some(caller),
                StatusCode::NOT_FOUND,
                "Service not offered",
                "Choose another service.",
                "/book",
                "Choose a service",
            )
            .await;
        }
    };
    let t = state.now();
    let today = local_date(t, &ctx.tz);
    let last = kneadtime_domain::season::add_days(today, ctx.clinic.booking_horizon_days as i32);
    let first = from
        .and_then(|f| f.parse::<jiff::civil::Date>().ok())
        .unwrap_or(today)
        .clamp(today, last.max(today));
    let q = Search {
        service: &service,
        from: first,
        days: PAGE_DAYS,
        therapist_id: moving.map(|a| &a.therapist_id),
        not_before: if caller.is_staff() {
            t
        } else {
            t + ctx.clinic.min_notice_hours * 3600
        },
        moving: moving.map(|a| &a.id),
        include_refused: false,
    };
    let all = match crate::schedule::search(&state.clinic, &ctx, &q).await {
        Ok(s) => s,
        Err(e) => return error_page(state, Some(caller), &e.into()).await,
    };
    let as_view = SlotView::from_slot;
    // The windows that matter for this service (pre-race work before the next race, post-
    // race work after it), each led by its best free time.
    let kind = match service.kind {
        kneadtime_store::ServiceKind::Massage(k) => Some(k),
        kneadtime_store::ServiceKind::General => None,
    };
    let mut windows = Vec::new();
    if matches!(kind, None | Some(Kind::PreEvent | Kind::PostEvent)) {
        for w in kneadtime_clinic::race_windows(&ctx.season, today, kind, 2) {
            if w.from > last {
                continue;
            }
            let wq = Search {
                from: w.from,
                days: i64::from(kneadtime_domain::season::days_between(
                    w.from,
                    w.to.min(last),
                )) + 1,
                ..q
            };
            let found = match crate::schedule::search(&state.clinic, &ctx, &wq).await {
                Ok(s) => s,
                Err(e) => return error_page(state, Some(caller), &e.into()).await,
            };
            if let Some(best) = found.first() {
                let d = best.fit.date;
                let ideal = w.ideal_from <= d && d <= w.ideal_to;
                let heading = format!(
                    "{}: {}{}",
                    day_label(d),
                    kneadtime_domain::care::purpose(Some(w.kind), Some(&w.race), d),
                    if ideal { " — ideal" } else { "" }
                );
                windows.push((heading, as_view(best)));
            }
        }
    }
    // The best few, one per day, then every day's times in order.
    let mut recommended = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in &all {
        if recommended.len() == 5 {
            break;
        }
        if seen.insert(s.fit.date) {
            recommended.push(as_view(s));
        }
    }
    let mut by_day: std::collections::BTreeMap<jiff::civil::Date, Vec<&crate::schedule::Slot>> =
        Default::default();
    for s in &all {
        by_day.entry(s.fit.date).or_default().push(s);
    }
    // A day picker: every day with its count, and the times of the one chosen only, so
    // the page stays light however many times are free.
    let chosen = paging
        .day
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .filter(|d| by_day.contains_key(d))
        .or_else(|| by_day.keys().next().copied());
    let days = by_day
        .into_iter()
        .map(|(d, mut v)| {
            v.sort_by_key(|s| (s.start_at, s.therapist_name.clone()));
            // One button per start time (the best-fitting therapist first is enough).
            let mut times = std::collections::HashSet::new();
            v.retain(|s| times.insert(s.start_at));
            let selected = Some(d) == chosen;
            DaySlots {
                day: day_label(d),
                count: v.len(),
                link: format!(
                    "{}&day={d}#all-times",
                    page_link(moving, client_id, &service.id, first, caller.is_staff())
                ),
                selected,
                slots: if selected {
                    v.into_iter().map(as_view).collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let (refusal_text, refusal_rule, nearest) = match refusal {
        Some(e) => {
            let nearest = e
                .details
                .as_ref()
                .and_then(|d| d["nearest"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(SlotView::from_json)
                .collect();
            let rule = e
                .details
                .as_ref()
                .and_then(|d| d["rule"].as_str().map(str::to_string))
                .unwrap_or_default();
            (e.message.clone(), rule, nearest)
        }
        None => (String::new(), String::new(), Vec::new()),
    };
    let therapists = setup
        .therapists
        .iter()
        .filter(|t| t.active)
        .map(|t| (t.id.to_string(), t.name.clone()))
        .collect();
    let status = refusal.map(|e| e.status).unwrap_or(StatusCode::OK);
    let wait = kneadtime_clinic::waitlist::default_window(&ctx.season, &service, today);
    page_with(
        status,
        &BookSlots {
            chrome: Chrome::load(state, Some(caller)).await,
            policy: policy_line(&ctx.clinic, &service),
            client_id: ClientId::from(client_id.to_string()),
            client_name: ctx.client.name.clone(),
            service_id: service.id.clone(),
            service_name: service.name.clone(),
            recommended,
            days,
            refusal: refusal_text,
            refusal_rule,
            nearest,
            therapists,
            pick_date: String::new(),
            pick_time: String::new(),
            staff: caller.is_staff(),
            windows,
            wait_from: wait
                .as_ref()
                .map_or_else(String::new, |w| w.from.to_string()),
            wait_to: wait.as_ref().map_or_else(String::new, |w| w.to.to_string()),
            wait_note: wait.map_or_else(String::new, |w| w.note),
            range: format!(
                "{} to {}",
                day_label(first),
                day_label(kneadtime_domain::season::add_days(
                    first,
                    PAGE_DAYS as i32 - 1
                ))
            ),
            earlier: if first > today {
                page_link(
                    moving,
                    client_id,
                    &service.id,
                    kneadtime_domain::season::add_days(first, -(PAGE_DAYS as i32)).max(today),
                    caller.is_staff(),
                )
            } else {
                String::new()
            },
            later: if kneadtime_domain::season::add_days(first, PAGE_DAYS as i32) <= last {
                page_link(
                    moving,
                    client_id,
                    &service.id,
                    kneadtime_domain::season::add_days(first, PAGE_DAYS as i32),
                    caller.is_staff(),
                )
            } else {
                String::new()
            },
            action: moving
                .map(|a| format!("/me/move/{}", a.id))
                .unwrap_or_else(|| "/book".to_string()),
            moving: moving
                .map(|a| {
                    let when = kneadtime_clinic::local_datetime(a.start_at.as_second(), &ctx.tz);
                    when.strftime("%a %-d %b at %H:%M").to_string()
                })
                .unwrap_or_default(),
        },
    )
}

/// The address of another page of times.
fn page_link(
    moving: Option<&kneadtime_store::Appointment>,
    client_id: &ClientId,
    service_id: &ServiceId,
    from: jiff::civil::Date,
    staff: bool,
) -> String {
    match moving {
        Some(a) => format!("/me/move/{}?from={from}", a.id),
        None if staff => {
            format!("/book/slots?service_id={service_id}&client_id={client_id}&from={from}")
        }
        None => format!("/book/slots?service_id={service_id}&from={from}"),
    }
}

/// The client's own booking `id`, when they may still move or cancel it themself.
async fn my_changeable(
    state: &AppState,
    c: &Caller,
    id: &str,
) -> Result<kneadtime_store::Appointment, Response> {
    let a = match booking::appointment(&state.clinic, &AppointmentId::from(id)).await {
        Ok(a) if c.client_id() == Some(&ClientId::from(a.client_id.as_str())) => a,
        _ => {
            return Err(message(
                state,
                Some(c),
                StatusCode::NOT_FOUND,
                "Booking not found",
                "That booking is not one of yours.",
                "/me",
                "My bookings",
            )
            .await);
        }
    };
    let setup = match state.clinic.setup().await {
        Ok(k) => k,
        Err(e) => return Err(error_page(state, Some(c), &e.into()).await),
    };
    let clinic = &setup.clinic;
    let window = clinic.cancel_window_hours;
    if a.status != kneadtime_store::Status::Booked
        || !kneadtime_clinic::changeable_online(clinic, a.start_at.as_second(), state.now())
    {
        return Err(message(state, Some(c), StatusCode::CONFLICT, "Call the clinic",
            &format!("This booking can no longer be changed online (less than {window} hours to go, or it is not booked). Call the clinic to change it."),
            "/me", "My bookings").await);
    }
    Ok(a)
}

/// GET /me/move/{id}: times to move the client's own booking to.
pub async fn move_form(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Response {
    let Some(c) = caller.filter(|c| c.client_id().is_some()) else {
        return Redirect::to("/signin").into_response();
    };
    let a = match my_changeable(&state, &c, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    slots_page_for(
        &state,
        &c,
        &a.client_id,
        &a.service_id,
        None,
        Some(&a),
        &page,
    )
    .await
}

/// POST /me/move/{id}: move it to the chosen time (same rules as booking).
pub async fn move_submit(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<BookForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let a = match my_changeable(&state, &c, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let start = if f.start.is_empty() {
        format!("{}T{}", f.date.trim(), f.time.trim())
    } else {
        f.start.clone()
    };
    let body = crate::booking::RescheduleBody {
        start,
        therapist_id: None,
        override_reason: None,
        ask_client: false,
    };
    match crate::booking::reschedule(
        State(state.clone()),
        c.clone(),
        Path(id),
        crate::error::ApiJson(body),
    )
    .await
    {
        Ok(moved) => {
            my_page(
                &state,
                &c,
                String::new(),
                format!(
                    "Moved: {} is now on {} at {}. We have emailed you the new time.",
                    moved.0.service_name,
                    day_label(moved.0.date),
                    moved.0.local_time
                ),
            )
            .await
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            slots_page_for(
                &state,
                &c,
                &a.client_id,
                &a.service_id,
                Some(&e),
                Some(&a),
                &PageQuery::default(),
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// GET /book/slots
pub async fn slots(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Query(q): Query<SlotsQuery>,
) -> Response {
    let (c, client_id) = match whose(
        &state,
        &caller,
        (q.client_id.as_deref()).map(ClientId::from).as_ref(),
    )
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    slots_page_for(
        &state,
        &c,
        &ClientId::from(&client_id),
        &q.service_id,
        None,
        None,
        &PageQuery {
            from: q.from.clone(),
            day: q.day.clone(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct BookForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub service_id: ServiceId,
    #[serde(default)]
    pub therapist_id: TherapistId,
    /// RFC 3339 from a slot button, or empty when `date` and `time` are picked by hand.
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub client_id: ClientId,
    #[serde(default)]
    pub override_reason: String,
    /// "1" once the client has seen the review step and confirms.
    #[serde(default)]
    pub confirm: String,
}

#[derive(Template)]
#[template(path = "book_review.html")]
pub struct BookReview {
    pub chrome: Chrome,
    pub service: String,
    pub length: i64,
    pub price: String,
    pub therapist: String,
    pub client: String,
    pub when: String,
    pub place: String,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
    pub policy: String,
    pub override_reason: String,
    /// What the confirm button posts again.
    pub client_id: ClientId,
    pub service_id: ServiceId,
    pub therapist_id: TherapistId,
    pub start: String,
    pub back: String,
}

/// The review step's page for a booking that passed every check.
async fn review_page(
    state: &AppState,
    c: &Caller,
    p: &crate::booking::Prepared,
    override_reason: Option<&str>,
) -> Response {
    let clinic = &p.ctx.clinic;
    let place = kneadtime_clinic::notify::place_of(clinic, &p.location);
    let when = kneadtime_clinic::local_datetime(p.start, &p.tz);
    page(&BookReview {
        chrome: Chrome::load(state, Some(c)).await,
        service: p.service.name.clone(),
        length: p.service.length_min,
        price: kneadtime_clinic::price_text(p.service.price_cents, &clinic.currency),
        therapist: p.therapist.name.clone(),
        client: p.ctx.client.name.clone(),
        when: when.strftime("%A %-d %B %Y at %H:%M").to_string(),
        place,
        reasons: p.fit.reasons.clone(),
        warnings: p
            .fit
            .findings
            .iter()
            .filter(|f| f.severity >= kneadtime_domain::Severity::Warning)
            .map(|f| f.message.clone())
            .collect(),
        policy: policy_line(clinic, &p.service),
        override_reason: p
            .override_reason
            .clone()
            .or(override_reason.map(str::to_string))
            .unwrap_or_default(),
        client_id: p.client_id.clone(),
        service_id: p.service.id.clone(),
        therapist_id: p.therapist.id.clone(),
        start: crate::schedule::show(p.start, &p.tz),
        back: if c.is_staff() {
            format!(
                "/book/slots?service_id={}&client_id={}",
                p.service.id, p.client_id
            )
        } else {
            format!("/book/slots?service_id={}", p.service.id)
        },
    })
}

/// POST /book
pub async fn book(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<BookForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let client_id = if c.is_staff() {
        Some(f.client_id.clone())
    } else {
        None
    };
    let start = if f.start.is_empty() {
        format!("{}T{}", f.date.trim(), f.time.trim())
    } else {
        f.start.clone()
    };
    let body = BookBody {
        client_id: client_id.clone(),
        service_id: f.service_id.clone(),
        therapist_id: f.therapist_id.clone(),
        start,
        override_reason: (c.is_staff() && !f.override_reason.trim().is_empty())
            .then(|| f.override_reason.clone()),
        offer_id: None,
    };
    // First the review (price, place, policy and why the day suits), then the booking.
    let done = if f.confirm == "1" {
        crate::booking::book(&state, &c, &body, None, addr.ip())
            .await
            .map(|a| Redirect::to(&format!("/book/done/{}", a.id)).into_response())
    } else {
        match crate::booking::review(&state, &c, &body).await {
            Ok(p) => Ok(review_page(&state, &c, &p, body.override_reason.as_deref()).await),
            Err(e) => Err(e),
        }
    };
    match done {
        Ok(r) => r,
        Err(e)
            if matches!(
                e.code,
                Code::RuleBroken
                    | Code::SlotTaken
                    | Code::ClientBusy
                    | Code::OutsideHours
                    | Code::InThePast
                    | Code::BadRequest
                    | Code::BeyondHorizon
                    | Code::TooManyOpen
            ) =>
        {
            let who = client_id.unwrap_or_else(|| c.client_id().cloned().unwrap_or_default());
            slots_page(&state, &c, &who, &f.service_id, Some(&e)).await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Template)]
#[template(path = "book_done.html")]
pub struct BookDone {
    pub chrome: Chrome,
    pub appt: ApptView,
    pub reasons: Vec<String>,
    pub ics_href: String,
}

/// GET /book/done/{id}: the confirmation.
pub async fn done(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<AppointmentId>,
) -> Response {
    let Some(c) = caller else {
        return Redirect::to("/book").into_response();
    };
    let a = match booking::appointment(&state.clinic, &id).await {
        Ok(a) if crate::booking::may_see(&c, &a) => a,
        _ => {
            return message(
                &state,
                Some(&c),
                StatusCode::NOT_FOUND,
                "Not found",
                "That booking is not yours to see.",
                "/",
                "Back",
            )
            .await;
        }
    };
    let names = match Names::load(&state).await {
        Ok(n) => n,
        Err(e) => return error_page(&state, Some(&c), &e).await,
    };
    let (ctx, setup) = match tokio::try_join!(
        client_context(&state.clinic, &a.client_id),
        state.clinic.setup()
    ) {
        Ok(x) => x,
        Err(e) => return error_page(&state, Some(&c), &e.into()).await,
    };
    let view = names.view(&a, Some(&ctx.client.name), None);
    // Why the day suits, in the same words slot search used.
    let mut reasons = Vec::new();
    if let Some(service) = setup.service(&a.service_id) {
        let f = kneadtime_domain::day_fit(
            &ctx.season,
            ctx.wanted(service),
            view.date,
            None,
            &ctx.previous(Some(&a.id)),
        );
        reasons = f.reasons;
    }
    let event = kneadtime_import::TimedEvent {
        uid: format!("{}@kneadtime", a.id),
        start: a.start_at.timestamp().unwrap_or_default(),
        end: a.end_at.timestamp().unwrap_or_default(),
        summary: format!("{} with {}", view.service_name, view.therapist_name),
        description: format!(
            "{} at {}.",
            view.service_name,
            Chrome::load(&state, Some(&c)).await.clinic_name
        ),
        location: String::new(),
        cancelled: false,
        sequence: 0,
        reminder_minutes_before: Some(120),
    };
    let ics = kneadtime_import::write_feed(&view.service_name, &[event], state.clock().now());
    let ics_href = format!(
        "data:text/calendar;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(ics)
    );
    page(&BookDone {
        chrome: Chrome::load(&state, Some(&c)).await,
        appt: ApptView::from(&view, a.start_at.as_second(), state.now(), &names.tz),
        reasons,
        ics_href,
    })
}

/// The intake form's values as typed (or as saved).
#[derive(Default)]
pub struct IntakeValues {
    pub running: String,
    pub goals: String,
    pub injuries: String,
    pub current_pain: String,
    pub pain: i64,
    pub medication: String,
    pub conditions: String,
    pub consent: bool,
    pub consent_name: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub chrome: Chrome,
    pub staff: bool,
    pub client_name: String,
    pub action: String,
    pub v: IntakeValues,
    /// Each condition: its id, the question, and whether it is ticked.
    pub flags: Vec<(&'static str, &'static str, bool)>,
    pub error: String,
    pub field: String,
}

/// The intake form for `client_id`, filled with what is saved (or was just typed).
pub async fn intake_page(
    state: &AppState,
    c: &Caller,
    client_id: &ClientId,
    typed: Option<(&BTreeMap<String, String>, &ApiError)>,
) -> Response {
    let saved = match crate::intake::view(state, c, client_id).await {
        Ok(v) => v.intake,
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    let name = match people::client(&state.clinic, client_id).await {
        Ok(x) => x.name,
        Err(e) => return error_page(state, Some(c), &e.into()).await,
    };
    let (v, ticked): (IntakeValues, Vec<kneadtime_domain::intake::Flag>) = match typed {
        Some((f, _)) => {
            let g = |k: &str| f.get(k).cloned().unwrap_or_default();
            (
                IntakeValues {
                    running: g("running"),
                    goals: g("goals"),
                    injuries: g("injuries"),
                    current_pain: g("current_pain"),
                    pain: g("pain").trim().parse().unwrap_or(0),
                    medication: g("medication"),
                    conditions: g("conditions"),
                    consent: f.contains_key("consent"),
                    consent_name: g("consent_name"),
                },
                kneadtime_domain::intake::Flag::ALL
                    .into_iter()
                    .filter(|fl| f.contains_key(&format!("flag_{}", fl.as_str())))
                    .collect(),
            )
        }
        None => match saved {
            Some(i) => (
                IntakeValues {
                    running: i.running,
                    goals: i.goals,
                    injuries: i.injuries,
                    current_pain: i.current_pain,
                    pain: i.pain,
                    medication: i.medication,
                    conditions: i.conditions,
                    consent: true,
                    consent_name: i.consent_name,
                },
                i.flags,
            ),
            None => (IntakeValues::default(), Vec::new()),
        },
    };
    let (error, field) = typed
        .map(|(_, e)| {
            let mut m = e.message.clone();
            if let Some(first) = m.get(..1) {
                m = first.to_uppercase() + &m[1..];
            }
            (m, e.field.clone().unwrap_or_default())
        })
        .unwrap_or_default();
    let status = typed.map(|(_, e)| e.status).unwrap_or(StatusCode::OK);
    page_with(
        status,
        &IntakePage {
            chrome: Chrome::load(state, Some(c)).await,
            staff: c.is_staff(),
            client_name: name,
            action: if c.is_staff() {
                format!("/staff/clients/{client_id}/intake")
            } else {
                "/me/intake".to_string()
            },
            v,
            flags: kneadtime_domain::intake::Flag::ALL
                .into_iter()
                .map(|f| (f.as_str(), f.question(), ticked.contains(&f)))
                .collect(),
            error,
            field: if field.starts_with("flags") {
                String::new()
            } else {
                field
            },
        },
    )
}

/// The form's values as the API takes them.
pub fn intake_body(f: &BTreeMap<String, String>) -> Result<crate::intake::IntakeBody, ApiError> {
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    Ok(crate::intake::IntakeBody {
        running: g("running"),
        goals: g("goals"),
        injuries: g("injuries"),
        current_pain: g("current_pain"),
        pain: g("pain")
            .trim()
            .parse()
            .map_err(|_| ApiError::field("pain", "choose a score from 0 to 10"))?,
        medication: g("medication"),
        conditions: g("conditions"),
        flags: kneadtime_domain::intake::Flag::ALL
            .into_iter()
            .filter(|fl| f.contains_key(&format!("flag_{}", fl.as_str())))
            .map(|fl| fl.as_str().to_string())
            .collect(),
        consent: f.contains_key("consent"),
        consent_name: g("consent_name"),
    })
}

/// GET /me/intake
pub async fn me_intake(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    match caller {
        Some(c) if c.client_id().is_some() => {
            let me = c.client_id().cloned().unwrap_or_default();
            intake_page(&state, &c, &me, None).await
        }
        Some(_) => Redirect::to("/staff").into_response(),
        None => Redirect::to("/signin").into_response(),
    }
}

/// POST /me/intake
pub async fn me_intake_save(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
    let token = f.get("csrf_token").cloned().unwrap_or_default();
    let c = match require_form(&state, &caller, &token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(me) = c.client_id().cloned() else {
        return Redirect::to("/staff").into_response();
    };
    let saved = match intake_body(&f) {
        Ok(body) => crate::intake::save(&state, &c, &me, &body).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => {
            my_page(
                &state,
                &c,
                String::new(),
                "Thank you: your answers are saved for your therapist.".into(),
            )
            .await
        }
        Err(e) if e.status.is_client_error() && e.field.is_some() => {
            intake_page(&state, &c, &me, Some((&f, &e))).await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}
