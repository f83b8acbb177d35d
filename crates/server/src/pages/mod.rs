//! The web pages: server-rendered HTML (askama templates, no script needed) over the same
//! handlers and domain calls as the JSON API. Runners plan a season without an account,
//! clients book through their link or with name and email, staff run their day.

use kneadtime_store::ids::*;
pub mod client;
pub mod events;
pub mod record;
pub mod runner;
pub mod settings;
pub mod signin;
pub mod staff;
pub mod timeline;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use kneadtime_clinic::people::{self, Person};

use crate::AppState;
use crate::auth::{Caller, Who, constant_eq, session_caller, session_cookie};
use crate::error::ApiError;
use crate::schedule::zone_of;

/// Every page route.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(runner::home))
        .route("/static/app.css", get(css))
        .route("/plan", get(runner::form).post(runner::submit))
        .route("/c/{token}", get(client::link))
        .route("/me", get(client::me))
        .route("/signin", get(signin::form).post(signin::request))
        .route(
            "/signin/{token}",
            get(signin::landing).post(signin::use_link),
        )
        .route("/me/feed", post(client::me_feed))
        .route("/me/cancel/{id}", post(client::me_cancel))
        .route("/me/offers/{id}/accept", post(client::me_accept))
        .route("/me/offers/{id}/decline", post(client::me_decline))
        .route("/me/waitlist/{id}/leave", post(client::me_leave_waitlist))
        .route("/me/homework/{id}", post(client::me_homework))
        .route("/me/keep/{id}", post(client::me_keep))
        .route("/me/race-week/{id}", post(client::me_race_week))
        .route(
            "/me/race-week/{id}/withdraw",
            post(client::me_race_week_withdraw),
        )
        .route("/me/record", get(record::my_record))
        .route("/me/record.md", get(record::my_record_md))
        .route("/book/waitlist", post(client::book_waitlist))
        .route(
            "/me/move/{id}",
            get(client::move_form).post(client::move_submit),
        )
        .route("/book", get(client::start).post(client::book))
        .route("/book/start", post(client::start_submit))
        .route("/book/slots", get(client::slots))
        .route("/book/done/{id}", get(client::done))
        .route("/logout", post(staff::logout))
        .route("/staff", get(staff::schedule))
        .route("/staff/login", get(staff::login_form).post(staff::login))
        .route(
            "/staff/clients",
            get(staff::clients).post(staff::create_client),
        )
        .route("/staff/clients/{id}", get(staff::client))
        .route("/staff/clients/{id}/races", post(staff::add_race))
        .route("/staff/clients/{id}/signin-link", post(staff::send_sign_in))
        .route(
            "/staff/waitlist/{id}/remove",
            post(staff::remove_from_waitlist),
        )
        .route("/staff/daily-email", post(staff::daily_email))
        .route("/staff/clients/{id}/merge", post(staff::merge_client))
        .route(
            "/staff/clients/{id}/homework",
            post(record::homework_assign),
        )
        .route("/staff/homework/{id}/stop", post(record::homework_stop))
        .route("/staff/clients/{id}/record", get(record::staff_record))
        .route(
            "/staff/clients/{id}/record.md",
            get(record::staff_record_md),
        )
        .route("/staff/clients/{id}/erase", post(record::erase))
        .route(
            "/staff/clients/{id}/intake",
            get(staff::intake_form).post(staff::intake_save),
        )
        .route(
            "/staff/clients/{id}/intake/review",
            post(staff::intake_review),
        )
        .route(
            "/me/intake",
            get(client::me_intake).post(client::me_intake_save),
        )
        .route(
            "/staff/appointments/{id}/notes",
            get(record::note_form).post(record::note_submit),
        )
        .route("/staff/appointments/{id}/status", post(staff::set_status))
        .route("/staff/events", get(events::list).post(events::create))
        .route("/staff/events/{id}", get(events::show))
        .route("/staff/events/{id}/runners", post(events::add_runners))
        .route("/staff/events/{id}/book", post(events::book))
        .route("/staff/settings", get(settings::settings))
        .route("/staff/settings/{section}", post(settings::submit))
        .route("/staff/settings/{section}/{id}", post(settings::submit))
}

/// A page that does not exist.
pub async fn not_found(state: &AppState, headers: &HeaderMap) -> Response {
    let caller = match session_cookie(state, headers) {
        Some(t) => session_caller(state, &t)
            .await
            .ok()
            .flatten()
            .map(|(_, c)| c),
        None => None,
    };
    message(
        state,
        caller.as_ref(),
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
        "/",
        "Back to the start",
    )
    .await
}

/// What every page's frame shows: the clinic, the zone times are in, who is signed in.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub clinic_name: String,
    pub zone: String,
    /// The signed-in person's name, empty when nobody is.
    pub who: String,
    /// "", "client", "owner" or "therapist".
    pub role: String,
    /// The session's CSRF token, for forms.
    pub csrf: String,
}

impl Chrome {
    pub async fn load(state: &AppState, caller: Option<&Caller>) -> Chrome {
        // The frame of every page, error pages too: what cannot be read is left out
        // rather than failing the page it frames.
        let (clinic_name, zone) = match state.clinic.setup().await {
            Ok(s) => (s.clinic.name.clone(), s.clinic.time_zone.clone()),
            Err(_) => ("kneadtime".into(), "UTC".into()),
        };
        let (person, role) = match caller.map(|c| &c.who) {
            Some(Who::Client { client_id }) => (Some(Person::Client(client_id.clone())), "client"),
            Some(Who::Owner { staff_id }) => (Some(Person::Staff(staff_id.clone())), "owner"),
            Some(Who::Therapist { staff_id, .. }) => {
                (Some(Person::Staff(staff_id.clone())), "therapist")
            }
            None => (None, ""),
        };
        let who = match &person {
            Some(p) => people::name_of(&state.clinic, p).await.unwrap_or_default(),
            None => String::new(),
        };
        Chrome {
            clinic_name,
            zone,
            who,
            role: role.to_string(),
            csrf: caller.map(|c| c.csrf_token.clone()).unwrap_or_default(),
        }
    }

    pub fn tz(&self) -> TimeZone {
        zone_of(&self.zone)
    }

    pub fn is_staff(&self) -> bool {
        self.role == "owner" || self.role == "therapist"
    }
}

/// Renders a template as a page (or a plain error page if rendering fails).
pub fn page<T: Template>(t: &T) -> Response {
    page_with(StatusCode::OK, t)
}

pub fn page_with<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            crate::log::line(&format!("template error: {e}"));
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(
                    "<h1>Something went wrong</h1><p>The page could not be drawn.</p>".to_string(),
                ),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
    pub link: String,
    pub link_text: String,
}

/// A page that says what went wrong, with a way on.
pub async fn message(
    state: &AppState,
    caller: Option<&Caller>,
    status: StatusCode,
    title: &str,
    message: &str,
    link: &str,
    link_text: &str,
) -> Response {
    page_with(
        status,
        &MessagePage {
            chrome: Chrome::load(state, caller).await,
            title: title.into(),
            message: message.into(),
            link: link.into(),
            link_text: link_text.into(),
        },
    )
}

/// An error from the shared handlers, shown as a page.
pub async fn error_page(state: &AppState, caller: Option<&Caller>, e: &ApiError) -> Response {
    let title = match e.status.as_u16() {
        404 => "Not found",
        403 => "Not allowed",
        401 => "Please sign in",
        409 => "Already taken",
        429 => "Too many attempts",
        s if s >= 500 => "Something went wrong",
        _ => "That did not work",
    };
    let mut msg = e.message.clone();
    if let Some(c) = msg.get(..1) {
        msg = c.to_uppercase() + &msg[1..];
    }
    message(
        state,
        caller,
        e.status,
        title,
        &msg,
        "/",
        "Back to the start",
    )
    .await
}

/// The signed-in person on a page, read from the session cookie (no CSRF header: forms
/// carry the token in a field instead, checked by [`check_csrf`]).
pub struct PageCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_cookie(state, &parts.headers) else {
            return Ok(PageCaller(None));
        };
        Ok(PageCaller(
            session_caller(state, &token)
                .await
                .ok()
                .flatten()
                .map(|(_, c)| c),
        ))
    }
}

/// A form post must carry the session's CSRF token and come from this site.
pub fn check_csrf(caller: &Caller, sent: &str, headers: &HeaderMap) -> bool {
    same_origin(headers) && constant_eq(sent, &caller.csrf_token)
}

/// False when the browser says the form came from another site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    match (
        headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()),
        headers.get(header::HOST).and_then(|h| h.to_str().ok()),
    ) {
        (Some(o), Some(h)) => o
            .split_once("://")
            .map(|(_, x)| x)
            .unwrap_or(o)
            .eq_ignore_ascii_case(h),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// A redirect that also sets a cookie.
pub fn redirect_with_cookie(to: &str, cookie: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// "Tue 27 Apr 2027, 10:00" in the clinic's zone.
pub fn when(ts: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%a %-d %b %Y, %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// "Tue 27 Apr" for a date.
pub fn day_label(d: jiff::civil::Date) -> String {
    d.strftime("%a %-d %b").to_string()
}

/// GET /static/app.css
pub async fn css() -> Response {
    let mut res = (StatusCode::OK, include_str!("../../static/app.css")).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// An appointment as pages show it.
#[derive(Debug, Clone)]
pub struct ApptView {
    pub id: AppointmentId,
    pub when: String,
    pub time: String,
    pub service: String,
    pub therapist: String,
    pub client: String,
    pub client_id: ClientId,
    pub status: String,
    pub cancelled: bool,
    pub upcoming: bool,
    pub override_reason: String,
    /// What the client's intake holds back, for staff views ("" when nothing).
    pub caution: String,
    /// Moved by the clinic; the client has not yet kept the new time or chosen another.
    pub awaiting: bool,
    /// The location of the session.
    pub place: String,
}

impl ApptView {
    pub fn from(
        a: &crate::booking::AppointmentOut,
        start_at: i64,
        now: i64,
        tz: &TimeZone,
    ) -> ApptView {
        // Told in the zone of the location it is at.
        let here = if a.time_zone.is_empty() {
            tz.clone()
        } else {
            zone_of(&a.time_zone)
        };
        ApptView {
            id: a.id.clone(),
            when: when(start_at, &here),
            place: a.location_name.clone(),
            time: a.local_time.clone(),
            service: a.service_name.clone(),
            therapist: a.therapist_name.clone(),
            client: a.client_name.clone(),
            client_id: a.client_id.clone(),
            status: a.status.as_str().replace('_', " "),
            cancelled: a.status == kneadtime_store::Status::Cancelled,
            upcoming: start_at >= now && a.status == kneadtime_store::Status::Booked,
            override_reason: a.override_reason.clone().unwrap_or_default(),
            caution: String::new(),
            awaiting: a.awaiting_client && a.status == kneadtime_store::Status::Booked,
        }
    }
}

/// Checks a form's CSRF token or answers with a page saying why not.
pub async fn require_form(
    state: &AppState,
    caller: &Option<Caller>,
    sent: &str,
    headers: &HeaderMap,
) -> Result<Caller, Response> {
    match caller {
        Some(c) if check_csrf(c, sent, headers) => Ok(c.clone()),
        Some(c) => Err(message(
            state,
            Some(c),
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form is out of date or came from another site. Go back, reload the page and try again.",
            "/",
            "Back to the start",
        )
        .await),
        None => Err(Redirect::to("/staff/login").into_response()),
    }
}
