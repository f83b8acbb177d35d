//! Who is asking: staff sign-in with argon2 passwords, clients through their personal
//! link (or a password they set), server-side sessions in the database, CSRF checks on
//! cookie sessions, and rate-limited sign-in. Only hashes of secrets are stored.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kneadtime_clinic::accounts;
use kneadtime_store::{Principal, Role, SignIn, WebSession};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::doc;
use crate::error::{ApiError, ApiJson, ApiResult, Code};

/// The session cookie's name over plain HTTP.
pub const COOKIE: &str = "kt_session";
/// Its name over HTTPS: the `__Host-` prefix makes browsers refuse it from a subdomain or
/// without `Secure`.
pub const SECURE_COOKIE: &str = "__Host-kt_session";

/// The session cookie's name for this server.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.base_url.starts_with("https://") {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// A Set-Cookie value that clears the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(state)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("kt_session=; Path=/; Max-Age=0"))
}
pub const CSRF_HEADER: &str = "x-csrf-token";
const LOGIN_WINDOW_SECS: i64 = 300;
const MIN_PASSWORD: usize = 12;

/// A fresh 256-bit secret as 64 hex digits.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source failed");
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What the database keeps of a secret token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string), computed off the async threads.
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the OS random source failed");
        let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Internal,
            "password hashing failed",
        )
    })?
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Internal,
            "password hashing failed",
        )
    })
}

/// Password checks made since the process started (so tests can see that a sign-in
/// costs one, whatever the data).
static PASSWORD_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn password_checks() -> u64 {
    PASSWORD_CHECKS.load(std::sync::atomic::Ordering::SeqCst)
}

/// True when `password` matches the stored argon2 hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    PASSWORD_CHECKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new password: at least 12 characters and not easily guessed, judged by zxcvbn's
/// estimate (dictionaries of common and breached passwords, names, keyboard walks,
/// dates, repeats) with the person's own words (`about`: email, name) counted against it.
pub fn check_new_password(p: &str, about: &[&str]) -> ApiResult<()> {
    if p.chars().count() < MIN_PASSWORD {
        return Err(ApiError::field(
            "password",
            format!("expected at least {MIN_PASSWORD} characters"),
        ));
    }
    if p.len() > 1024 {
        return Err(ApiError::field("password", "expected at most 1024 bytes"));
    }
    // zxcvbn's work grows with length; the first 100 characters decide.
    let judged: String = p.chars().take(100).collect();
    let words: Vec<&str> = about
        .iter()
        .map(|a| a.trim())
        .chain(
            about
                .iter()
                .flat_map(|a| a.split(['@', '.', ' ', '-', '_'])),
        )
        .filter(|w| w.len() >= 3)
        .collect();
    let e = zxcvbn::zxcvbn(&judged, &words);
    if (e.score() as u8) < MIN_PASSWORD_SCORE {
        let hint = e
            .feedback()
            .map(|f| {
                let mut parts: Vec<String> =
                    f.warning().map(|w| w.to_string()).into_iter().collect();
                parts.extend(f.suggestions().iter().map(|s| s.to_string()));
                parts.join(" ")
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| {
                "Add more words or characters that are not a common pattern.".into()
            });
        return Err(ApiError::field(
            "password",
            format!("this password is too easy to guess. {hint}"),
        ));
    }
    Ok(())
}

/// zxcvbn's score (0 to 4) a new password must reach: 3 is "safely unguessable" for an
/// online attack.
const MIN_PASSWORD_SCORE: u8 = 3;

/// The signed-in caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Owner {
        staff_id: StaffId,
    },
    Therapist {
        staff_id: StaffId,
        therapist_id: Option<TherapistId>,
    },
    Client {
        client_id: ClientId,
    },
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub who: Who,
    pub session_hash: String,
    pub csrf_token: String,
    /// How the session was opened, and when (Unix seconds).
    pub via: SignIn,
    pub signed_in_at: i64,
}

impl Caller {
    pub fn is_owner(&self) -> bool {
        matches!(self.who, Who::Owner { .. })
    }

    pub fn is_staff(&self) -> bool {
        !matches!(self.who, Who::Client { .. })
    }

    pub fn require_staff(&self) -> ApiResult<()> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The therapist record a therapist login works as.
    pub fn therapist_id(&self) -> Option<&TherapistId> {
        match &self.who {
            Who::Therapist { therapist_id, .. } => therapist_id.as_ref(),
            _ => None,
        }
    }

    pub fn client_id(&self) -> Option<&ClientId> {
        match &self.who {
            Who::Client { client_id } => Some(client_id),
            _ => None,
        }
    }

    /// Who did it, for the record: `staff:ID` or `client:ID`.
    pub fn actor(&self) -> String {
        match &self.who {
            Who::Owner { staff_id } | Who::Therapist { staff_id, .. } => {
                format!("staff:{staff_id}")
            }
            Who::Client { client_id } => format!("client:{client_id}"),
        }
    }
}

fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == name && !val.is_empty()).then(|| val.to_string())
            })
        })
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// A cross-site form post carries a foreign Origin; refuse it whatever the cookie says.
fn origin_ok(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    origin_host.eq_ignore_ascii_case(host)
}

/// Resolves the session of a request, if any. A cookie session must show its CSRF token
/// (header `X-CSRF-Token`) on anything but GET/HEAD; a bearer token needs none, since
/// browsers never attach it by themselves.
pub async fn caller_of(parts: &Parts, state: &AppState) -> ApiResult<Option<Caller>> {
    let (token, via_cookie) = match bearer_token(&parts.headers) {
        Some(t) => (t, false),
        None => match cookie_token(&parts.headers, cookie_name(state)) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    let Some((session, caller)) = session_caller(state, &token).await? else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Code::SessionExpired,
            "the session has expired or was signed out; sign in again",
        ));
    };
    if via_cookie && !matches!(parts.method, Method::GET | Method::HEAD) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !origin_ok(&parts.headers) || !constant_eq(sent, &session.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Code::Csrf,
                "missing or wrong X-CSRF-Token header for a cookie session",
            ));
        }
    }
    Ok(Some(caller))
}

/// The session a token opens, if it is live.
pub async fn session_caller(
    state: &AppState,
    token: &str,
) -> ApiResult<Option<(WebSession, Caller)>> {
    let hash = hash_token(token);
    // The session and its staff member in one read.
    let Some((session, staff)) = accounts::session(&state.clinic, &hash, state.now()).await? else {
        return Ok(None);
    };
    let who = match &session.principal {
        Principal::Client(id) => Who::Client {
            client_id: id.clone(),
        },
        Principal::Staff(_) => {
            let staff = match staff {
                Some(s) if s.active => s,
                // A revoked login's sessions are gone; one racing the revocation is too.
                _ => return Ok(None),
            };
            match staff.role {
                Role::Owner => Who::Owner { staff_id: staff.id },
                Role::Therapist => Who::Therapist {
                    staff_id: staff.id,
                    therapist_id: staff.therapist_id,
                },
            }
        }
    };
    let caller = Caller {
        who,
        session_hash: hash,
        csrf_token: session.csrf_token.clone(),
        via: session.via,
        signed_in_at: session.created_at.as_second(),
    };
    Ok(Some((session, caller)))
}

/// The session cookie of a request (pages read it; forms carry the CSRF token).
pub fn session_cookie(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie_token(headers, cookie_name(state))
}

pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        caller_of(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)
    }
}

/// A caller who may be anonymous.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(caller_of(parts, state).await?))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

/// Send either {"token"} alone or {"email", "password"} together; anything else is a 400.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientLoginBody {
    /// The secret from the client's personal link.
    pub token: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionOut {
    /// Send as `Authorization: Bearer TOKEN`; the same value is set as a cookie.
    pub token: String,
    /// Send as `X-CSRF-Token` with cookie-authenticated writes.
    pub csrf_token: String,
    /// RFC 3339 in UTC, e.g. 2027-04-27T09:00:00Z.
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub role: &'static str,
    /// The staff id, or the client id.
    pub id: String,
    pub name: String,
}

/// Sign-in limits. Only failures count. An address is slowed after `login_attempts`
/// failures in the five minutes after the first, whatever accounts it tried; an account after ten times that
/// many from all addresses together, except from addresses it signed in from before
/// (within the session lifetime), so a stranger guessing cannot lock its owner out.
pub(crate) struct Gate {
    address: String,
    account: String,
}

fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Code::TooManyAttempts,
        "too many failed sign-in attempts; wait five minutes and try again",
    )
}

impl Gate {
    /// The gate for `account` (an email, or a purpose such as "setup") from `addr`;
    /// 429 when this caller has failed too often.
    pub(crate) async fn open(state: &AppState, addr: SocketAddr, account: &str) -> ApiResult<Gate> {
        let g = Gate {
            address: addr.ip().to_string(),
            account: hash_token(&account.trim().to_lowercase()),
        };
        let n = state.config.login_attempts;
        let (a, b) = (g.address_bucket(), g.account_bucket());
        let (by_addr, by_account) = tokio::try_join!(
            accounts::failures(&state.clinic, &a, LOGIN_WINDOW_SECS),
            accounts::failures(&state.clinic, &b, LOGIN_WINDOW_SECS)
        )?;
        if by_addr >= n {
            return Err(too_many());
        }
        if by_account >= n * 10 {
            let since = state.now() - state.config.session_days * 86_400;
            if !accounts::known_address(&state.clinic, &g.account, &g.address, since).await? {
                return Err(too_many());
            }
        }
        Ok(g)
    }

    fn address_bucket(&self) -> String {
        format!("login-fail:ip:{}", self.address)
    }

    fn account_bucket(&self) -> String {
        format!("login-fail:acct:{}", self.account)
    }

    /// Counts a failure against the address and the account.
    pub(crate) async fn failed(&self, state: &AppState) -> ApiResult<()> {
        let (a, b) = (self.address_bucket(), self.account_bucket());
        tokio::try_join!(
            kneadtime_clinic::people::attempt(&state.clinic, &a, LOGIN_WINDOW_SECS, i64::MAX),
            kneadtime_clinic::people::attempt(&state.clinic, &b, LOGIN_WINDOW_SECS, i64::MAX),
        )?;
        Ok(())
    }

    /// Remembers the address as one the account signs in from.
    pub(crate) async fn succeeded(&self, state: &AppState) -> ApiResult<()> {
        Ok(accounts::remember_address(&state.clinic, &self.account, &self.address).await?)
    }
}

/// A new session: its token, CSRF token, expiry (Unix seconds) and Set-Cookie value.
pub(crate) async fn new_session(
    state: &AppState,
    principal: Principal,
    via: SignIn,
) -> ApiResult<(String, String, i64, String)> {
    let token = new_token();
    let csrf = new_token();
    let created_at = state.now();
    let expires_at = created_at + state.config.session_days * 86_400;
    accounts::start_session(
        &state.clinic,
        &WebSession {
            token_hash: hash_token(&token),
            principal,
            csrf_token: csrf.clone(),
            expires_at: UnixTime::from_second(expires_at),
            via,
            created_at: UnixTime::from_second(created_at),
        },
    )
    .await?;
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(state),
        state.config.session_days * 86_400
    );
    Ok((token, csrf, expires_at, cookie))
}

async fn start_session(
    state: &AppState,
    principal: Principal,
    via: SignIn,
    role: &'static str,
    id: String,
    name: String,
) -> ApiResult<Response> {
    let (token, csrf, expires_at, cookie) = new_session(state, principal, via).await?;
    let body = SessionOut {
        token,
        csrf_token: csrf,
        expires_at: jiff::Timestamp::from_second(expires_at)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        role,
        id,
        name,
    };
    let mut res = (StatusCode::OK, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        Code::WrongCredentials,
        "the email or password is not right",
    )
}

/// POST /api/login: staff sign-in.
#[utoipa::path(
    post,
    path = "/api/login",
    operation_id = "login",
    tag = "auth",
    summary = "Staff sign-in",
    description = "Signs an owner or therapist in with email and password. Rate-limited per address and per account.",
    request_body(content = LoginBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; the token is also set as the kt_session cookie.", body = SessionOut, headers(("Set-Cookie" = String, description = "kt_session=TOKEN; Path=/; HttpOnly; SameSite=Lax; Max-Age=…"))),
        (status = 401, description = "The email or password is not right (wrong_credentials).", body = crate::error::ErrorBody),
        (status = 429, response = doc::TooManyRequests),
    ),
    security(),
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let staff = staff_sign_in(&state, addr, &body.email, body.password).await?;
    let role = staff.role.as_str();
    start_session(
        &state,
        Principal::Staff(staff.id.clone()),
        SignIn::Password,
        role,
        String::from(staff.id),
        staff.name,
    )
    .await
}

/// Checks a staff sign-in (rate-limited) and returns the account. Exactly one argon2
/// check runs whether or not the email exists or the login is revoked.
pub(crate) async fn staff_sign_in(
    state: &AppState,
    addr: SocketAddr,
    email: &str,
    password: String,
) -> ApiResult<kneadtime_store::Staff> {
    let gate = Gate::open(state, addr, email).await?;
    let staff = accounts::staff_by_email(&state.clinic, email).await?;
    let hash = staff
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let right = verify_password(password, hash).await;
    match staff {
        Some(s) if right && s.active => {
            gate.succeeded(state).await?;
            Ok(s)
        }
        _ => {
            gate.failed(state).await?;
            Err(wrong_credentials())
        }
    }
}

/// An argon2 hash of a random password, for equal-time failures.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2eMQK3l9dWAbR/LHX0aCNG9bk5kGbJAEbbdOpUbkCyE";

/// POST /api/client-login: a client by personal-link token, or by email and password.
#[utoipa::path(
    post,
    path = "/api/client-login",
    operation_id = "clientLogin",
    tag = "auth",
    summary = "Client sign-in",
    description = "A client signs in with their personal link's token ({\"token\"}) or with email and password ({\"email\", \"password\"}). Rate-limited.",
    request_body(content = ClientLoginBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; the token is also set as the kt_session cookie.", body = SessionOut, headers(("Set-Cookie" = String, description = "kt_session=TOKEN; Path=/; HttpOnly; SameSite=Lax; Max-Age=…"))),
        (status = 401, description = "The link or the email and password are not right (wrong_credentials).", body = crate::error::ErrorBody),
        (status = 429, response = doc::TooManyRequests),
    ),
    security(),
)]
pub async fn client_login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<ClientLoginBody>,
) -> ApiResult<Response> {
    let (client, via) = match (&body.token, &body.email, &body.password) {
        (Some(token), None, None) => {
            // The link's secret cannot be guessed; the limit is per address only, so one
            // noisy caller cannot lock every client out.
            let gate = Gate::open(&state, addr, "client-link").await?;
            match kneadtime_clinic::people::client_by_link(&state.clinic, &hash_token(token.trim()))
                .await?
            {
                Some(c) => (c, SignIn::Link),
                None => {
                    gate.failed(&state).await?;
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        Code::WrongCredentials,
                        "this link is not valid",
                    ));
                }
            }
        }
        (None, Some(email), Some(password)) => {
            let gate = Gate::open(&state, addr, email).await?;
            // One argon2 check, found or not: the client's hash when they have a password
            // (emails are unique), else a dummy.
            let found = accounts::client_with_password(&state.clinic, email).await?;
            let hash = found
                .as_ref()
                .and_then(|c| c.password_hash.clone())
                .unwrap_or_else(|| DUMMY_HASH.to_string());
            let right = verify_password(password.clone(), hash).await;
            match found {
                Some(c) if right => {
                    gate.succeeded(&state).await?;
                    (c, SignIn::Password)
                }
                _ => {
                    gate.failed(&state).await?;
                    return Err(wrong_credentials());
                }
            }
        }
        _ => {
            return Err(ApiError::bad(
                "send either {\"token\"} or {\"email\", \"password\"}",
            ));
        }
    };
    start_session(
        &state,
        Principal::Client(client.id.clone()),
        via,
        "client",
        String::from(client.id),
        client.name,
    )
    .await
}

/// Ends the caller's session.
pub async fn end_session(state: &AppState, caller: &Caller) -> ApiResult<()> {
    Ok(accounts::end_session(&state.clinic, &caller.session_hash).await?)
}

/// POST /api/logout: ends the session and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "End the session",
    description = "Ends the session and clears the kt_session cookie.",
    responses(
        (status = 204, description = "Signed out; no body.", headers(("Set-Cookie" = String, description = "kt_session=; Max-Age=0"))),
    ),
)]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    end_session(&state, &caller).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&state));
    Ok(res)
}

/// GET /api/me: who the session belongs to.
#[utoipa::path(
    get,
    path = "/api/me",
    operation_id = "me",
    tag = "auth",
    summary = "Who the session belongs to",
    responses(
        (status = 200, description = "The caller.", body = Me),
    ),
)]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(match &caller.who {
        Who::Client { client_id } => {
            let c = kneadtime_clinic::people::client(&state.clinic, client_id).await?;
            Me {
                role: MeRole::Client,
                id: String::from(c.id),
                name: c.name,
                email: None,
                therapist_id: None,
                daily_email: None,
                csrf_token: caller.csrf_token,
            }
        }
        Who::Owner { staff_id } | Who::Therapist { staff_id, .. } => {
            let s = kneadtime_clinic::people::staff(&state.clinic, staff_id).await?;
            Me {
                role: match s.role {
                    Role::Owner => MeRole::Owner,
                    Role::Therapist => MeRole::Therapist,
                },
                id: String::from(s.id),
                name: s.name,
                email: Some(s.email),
                therapist_id: Some((s.therapist_id).map(String::from)),
                daily_email: Some(s.daily_email),
                csrf_token: caller.csrf_token,
            }
        }
    }))
}

/// Who the session belongs to. Staff sessions also carry email, therapist_id and
/// daily_email.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub role: MeRole,
    pub id: String,
    pub name: String,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Staff only: the therapist record a therapist login works as (null for an owner
    /// who does not treat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub therapist_id: Option<Option<String>>,
    /// Staff only: whether they get their day by email each morning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_email: Option<bool>,
    /// Send it as X-CSRF-Token with every write made with the session cookie.
    pub csrf_token: String,
}

/// Who is signed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeRole {
    Owner,
    Therapist,
    Client,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupBody {
    /// The one-time setup token the server printed when it started with no accounts.
    pub token: String,
    /// 1 to 200 characters, not blank.
    pub clinic_name: String,
    /// IANA zone name, e.g. Europe/London.
    pub time_zone: String,
    /// The owner's email address (must contain @).
    pub email: String,
    /// The owner's name: 1 to 200 characters, not blank.
    pub name: String,
    /// At least 10 characters, at most 1024 bytes.
    pub password: String,
}

/// POST /api/setup: the first owner account and the clinic's name and zone, once.
#[utoipa::path(
    post,
    path = "/api/setup",
    operation_id = "setup",
    tag = "auth",
    summary = "First run: create the owner account and name the clinic",
    description = "Once only, while the clinic has no staff account: creates the owner login with the setup token the server printed at start, sets the clinic's name and zone, and signs the owner in. Rate-limited.",
    request_body(content = SetupBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Set up and signed in as the owner; the token is also set as the kt_session cookie.", body = SessionOut, headers(("Set-Cookie" = String, description = "kt_session=TOKEN; Path=/; HttpOnly; SameSite=Lax; Max-Age=…"))),
        (status = 401, description = "The setup token is not right (wrong_credentials, field token).", body = crate::error::ErrorBody),
        (status = 409, description = "The clinic already has an owner, or the email already has a login (already_set_up).", body = crate::error::ErrorBody),
        (status = 429, response = doc::TooManyRequests),
        (status = 500, response = doc::Internal),
    ),
    security(),
)]
pub async fn setup(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<SetupBody>,
) -> ApiResult<Response> {
    // Guesses are limited per address: another address guessing cannot lock the holder
    // of the real token out.
    let gate = Gate::open(&state, addr, &format!("setup:{}", addr.ip())).await?;
    let already = || {
        ApiError::conflict(
            Code::AlreadySetUp,
            "the clinic already has an owner; sign in instead",
        )
    };
    if !accounts::unclaimed(&state.clinic).await? {
        return Err(already());
    }
    let Some(expected) = &state.setup_token else {
        return Err(already());
    };
    if !constant_eq(&hash_token(body.token.trim()), expected) {
        gate.failed(&state).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Code::WrongCredentials,
            "the setup token is not right",
        )
        .with_field("token"));
    }
    let name = crate::error::non_empty("name", &body.name, 200)?;
    let clinic_name = crate::error::non_empty("clinic_name", &body.clinic_name, 200)?;
    jiff::tz::TimeZone::get(body.time_zone.trim()).map_err(|_| {
        ApiError::field(
            "time_zone",
            format!(
                "expected an IANA time zone name like Europe/London, found {:?}",
                body.time_zone
            ),
        )
    })?;
    check_new_password(&body.password, &[&body.email, &name, &clinic_name])?;
    // The token is good once: the first claim wins, the rest are told it is done.
    let staff = accounts::first_owner(
        &state.clinic,
        kneadtime_store::NewStaff {
            email: body.email.clone(),
            name,
            role: Role::Owner,
            therapist_id: None,
            password_hash: hash_password(body.password.clone()).await?,
        },
        &clinic_name,
        body.time_zone.trim(),
    )
    .await?;
    start_session(
        &state,
        Principal::Staff(staff.id.clone()),
        SignIn::Password,
        "owner",
        String::from(staff.id),
        staff.name,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// At least 10 characters, at most 1024 bytes.
    pub password: String,
    /// Required for staff: the password being replaced.
    pub current_password: Option<String>,
}

/// How long after a link sign-in a client may set a password without the current one.
const FRESH_LINK_SECS: i64 = 15 * 60;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyEmailBody {
    pub daily_email: bool,
}

/// Turns the signed-in staff member's morning schedule email on or off.
pub async fn set_daily_email(state: &AppState, caller: &Caller, on: bool) -> ApiResult<()> {
    let (Who::Owner { staff_id } | Who::Therapist { staff_id, .. }) = &caller.who else {
        return Err(ApiError::forbidden());
    };
    Ok(kneadtime_clinic::people::set_daily_email(&state.clinic, staff_id, on).await?)
}

/// PUT /api/me/daily-email: staff ask for (or stop) their day by email each morning.
#[utoipa::path(
    put,
    path = "/api/me/daily-email",
    operation_id = "setDailyEmail",
    tag = "auth",
    summary = "Get one's day by email each morning (staff)",
    description = "Staff only. From 06:00 in the clinic's zone, a staff member who asked gets the day's booked appointments (a therapist their own, the owner everyone's), each with what it is for in the client's season; nothing is sent on a day with nothing booked, or without mail set up.",
    request_body(content = DailyEmailBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The setting as saved.", body = DailyEmailBody),
    ),
)]
pub async fn put_daily_email(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<DailyEmailBody>,
) -> ApiResult<axum::Json<DailyEmailBody>> {
    set_daily_email(&state, &caller, body.daily_email).await?;
    Ok(axum::Json(body))
}

/// PUT /api/me/password: a client sets (or a staff member changes) their password. It
/// takes the current password, or for a client, a link sign-in in the last 15 minutes.
/// Every other session of the account ends.
#[utoipa::path(
    put,
    path = "/api/me/password",
    operation_id = "setPassword",
    tag = "auth",
    summary = "Set or change one's password",
    description = "A client sets a password (they need an email on file); a staff member changes theirs, giving current_password.",
    request_body(content = PasswordBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Password set; no body."),
        (status = 422, description = "Invalid body, or a client without an email on file (email_needed).", body = crate::error::ErrorBody),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    let wrong_current = || ApiError::field("current_password", "the current password is not right");
    match &caller.who {
        Who::Client { client_id } => {
            let c = kneadtime_clinic::people::client(&state.clinic, client_id).await?;
            check_new_password(&body.password, &[&c.email, &c.name])?;
            if c.email.trim().is_empty() {
                return Err(ApiError::unprocessable(
                    Code::EmailNeeded,
                    "a password signs in with the email on file; ask the clinic to add your email first",
                ));
            }
            let fresh_link =
                caller.via == SignIn::Link && state.now() - caller.signed_in_at <= FRESH_LINK_SECS;
            if !fresh_link {
                let (Some(current), Some(hash)) =
                    (body.current_password.clone(), c.password_hash.clone())
                else {
                    return Err(ApiError::field(
                        "current_password",
                        "send the current password, or open your personal link again and set it within 15 minutes",
                    ));
                };
                if !verify_password(current, hash).await {
                    return Err(wrong_current());
                }
            }
            let hash = hash_password(body.password).await?;
            accounts::set_client_password(&state.clinic, client_id, &hash, &caller.session_hash)
                .await?;
        }
        Who::Owner { staff_id } | Who::Therapist { staff_id, .. } => {
            let s = kneadtime_clinic::people::staff(&state.clinic, staff_id).await?;
            check_new_password(&body.password, &[&s.email, &s.name])?;
            let current = body.current_password.unwrap_or_default();
            if !verify_password(current, s.password_hash).await {
                return Err(wrong_current());
            }
            let hash = hash_password(body.password).await?;
            accounts::set_staff_password(&state.clinic, staff_id, &hash, &caller.session_hash)
                .await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), h.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), h).await);
        assert!(!verify_password("x".into(), DUMMY_HASH.into()).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn tokens_are_long_and_hashes_differ() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(hash_token(&t).len(), 64);
        assert_ne!(hash_token(&t), t);
        assert!(
            constant_eq("abc", "abc") && !constant_eq("abc", "abd") && !constant_eq("ab", "abc")
        );
    }
}
