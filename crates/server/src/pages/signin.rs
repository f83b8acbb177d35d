//! Signing in by emailed link: a client gives the email they booked with and gets a link
//! that works once, for a short time, on whatever device opens it. Opening the link shows
//! a button rather than signing in at once, so a mail scanner that fetches links does not
//! use it up. Every answer to "send me a link" is the same, whether the email is known.

use kneadtime_store::ids::*;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kneadtime_clinic::people;
use kneadtime_store::{Client, Principal, SignIn};
use serde::Deserialize;

use super::{
    Chrome, PageCaller, error_page, message, page_with, redirect_with_cookie, same_origin,
};
use crate::AppState;
use crate::auth::{hash_token, new_session, new_token};
use crate::error::ApiError;

/// How long an emailed link works.
pub const LINK_MINUTES: i64 = 30;
/// Links one address may ask for each hour, and one email.
const PER_ADDRESS_PER_HOUR: i64 = 10;
const PER_EMAIL_PER_HOUR: i64 = 5;

#[derive(Template, Default)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub chrome: Chrome,
    pub email: String,
    pub error: String,
    /// Set on the page a link opens: the button signs in with it.
    pub token: String,
    pub minutes: i64,
}

/// Emails `client` a fresh one-time sign-in link. `Ok(false)` when this server sends no
/// mail; an error when the mail server would not take it.
pub async fn send_link(state: &AppState, client: &Client) -> Result<bool, ApiError> {
    let Some(mailer) = &state.mailer else {
        return Ok(false);
    };
    let token = new_token();
    let hash = hash_token(&token);
    people::keep_sign_in_link(&state.clinic, &client.id, &hash, LINK_MINUTES).await?;
    let setup = state.clinic.setup().await?;
    let email = kneadtime_clinic::notify::sign_in_email(
        &setup.clinic,
        client,
        &format!("{}/signin/{token}", state.base_url),
        LINK_MINUTES,
        &format!("<signin-{}@kneadtime>", &hash[..24]),
    );
    mailer.send_now(&email).await.map_err(|why| {
        crate::log::line(&format!("mail: a sign-in link was not sent: {why}"));
        ApiError::unavailable()
    })?;
    Ok(true)
}

/// The answer to a form posted from another site.
async fn foreign_form(state: &AppState) -> Response {
    message(
        state,
        None,
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form came from another site.",
        "/signin",
        "Start again",
    )
    .await
}

/// GET /signin
pub async fn form(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    if caller.as_ref().is_some_and(|c| c.client_id().is_some()) {
        return Redirect::to("/me").into_response();
    }
    page_with(
        StatusCode::OK,
        &SignInPage {
            chrome: Chrome::load(&state, caller.as_ref()).await,
            minutes: LINK_MINUTES,
            ..SignInPage::default()
        },
    )
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
}

/// POST /signin: send a link to that email, if a client has it.
pub async fn request(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<EmailForm>,
) -> Response {
    if !same_origin(&headers) {
        return foreign_form(&state).await;
    }
    let email = f.email.trim().to_lowercase();
    if kneadtime_clinic::clients::check_email(&email, true).is_err() {
        return page_with(
            StatusCode::BAD_REQUEST,
            &SignInPage {
                chrome: Chrome::load(&state, None).await,
                email: f.email.chars().take(200).collect(),
                error: "Enter the email you booked with, like runner@example.org.".into(),
                minutes: LINK_MINUTES,
                ..SignInPage::default()
            },
        );
    }
    match sign_in_request(&state, addr, &email).await {
        Ok(Some(true)) | Ok(None) => {
            message(&state, None, StatusCode::OK, "Check your email",
                &format!("If {email} is the email you booked with, a sign-in link is on its way. It works once, within {LINK_MINUTES} minutes. Nothing arrived? Check your spam folder, or call the clinic."),
                "/", "Back to the start").await
        }
        Ok(Some(false)) => {
            message(&state, None, StatusCode::OK, "Ask the clinic",
                "This clinic does not send email yet, so a link cannot be sent. Ask the clinic for your personal link.",
                "/", "Back to the start").await
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            message(&state, None, StatusCode::TOO_MANY_REQUESTS, "Please wait",
                "Several sign-in links were asked for in the last hour. Use the newest one, or try again later.",
                "/", "Back to the start").await
        }
        Err(e) => error_page(&state, None, &e).await,
    }
}

/// Sends the link for `email` under the limits: `Some(sent)` when a client has that
/// email (`false` when mail is off), `None` when none has.
async fn sign_in_request(
    state: &AppState,
    addr: SocketAddr,
    email: &str,
) -> Result<Option<bool>, ApiError> {
    let slow = || {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            crate::error::Code::TooManyAttempts,
            "too many sign-in links were asked for; try again later",
        )
    };
    let core = &state.clinic;
    if !people::attempt(
        core,
        &format!("signin:ip:{}", addr.ip()),
        3600,
        PER_ADDRESS_PER_HOUR,
    )
    .await?
        || !people::attempt(
            core,
            &format!("signin:email:{email}"),
            3600,
            PER_EMAIL_PER_HOUR,
        )
        .await?
    {
        return Err(slow());
    }
    if state.mailer.is_none() {
        return Ok(Some(false));
    }
    let Some(client) = people::clients_by_email(core, email)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    send_link(state, &client).await.map(Some)
}

/// GET /signin/{token}: the page an emailed link opens.
pub async fn landing(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(token): Path<String>,
) -> Response {
    let token: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(128)
        .collect();
    page_with(
        StatusCode::OK,
        &SignInPage {
            chrome: Chrome::load(&state, caller.as_ref()).await,
            token,
            minutes: LINK_MINUTES,
            ..SignInPage::default()
        },
    )
}

/// POST /signin/{token}: use the link.
pub async fn use_link(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if !same_origin(&headers) {
        return foreign_form(&state).await;
    }
    let gate = match crate::auth::Gate::open(&state, addr, "client-link").await {
        Ok(g) => g,
        Err(e) => return error_page(&state, None, &e).await,
    };
    let client_id = match people::use_sign_in_link(&state.clinic, &hash_token(token.trim())).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            if let Err(e) = gate.failed(&state).await {
                return error_page(&state, None, &e).await;
            }
            return message(&state, None, StatusCode::NOT_FOUND, "Link used or expired",
                &format!("Each sign-in link works once, within {LINK_MINUTES} minutes. Ask for a new one."),
                "/signin", "Email me a new link").await;
        }
        Err(e) => return error_page(&state, None, &e.into()).await,
    };
    match new_session(
        &state,
        Principal::Client(ClientId::from(client_id)),
        SignIn::Link,
    )
    .await
    {
        Ok((_, _, _, cookie)) => redirect_with_cookie("/me", &cookie),
        Err(e) => error_page(&state, None, &e).await,
    }
}
