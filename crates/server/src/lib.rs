//! kneadtime's clinic server: a JSON API (documented at `/api/openapi.json`), calendar
//! feeds and web pages over the store, with slot search and booking judged by the
//! domain's massage-timing rules.
//!
//! [`app`] builds the router for a [`AppState`]; [`start`] binds, migrates, optionally
//! loads the demo, and serves until [`Running::shutdown`] or a signal. Handlers never
//! compute a rule: they ask `kneadtime_domain` (`day_fit`, `plan`, `next`).

pub mod audit;
pub mod auth;
pub mod booking;
pub mod catalog;
pub mod clients;
pub mod config;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod feeds;
pub mod homework;
pub mod intake;
pub mod listen;
pub mod locations;
pub mod log;
pub mod mail;
pub mod notes;
pub mod pages;
pub mod policy;
pub mod schedule;
pub mod shield;
pub mod waitlist;

use crate::error::Code;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kneadtime_store::Store;
pub use kneadtime_store::{Clock, SetClock, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::{Config, ConfigError};
use error::ApiError;

/// Runs domain work off the async threads, a bounded number at a time (see
/// [`kneadtime_clinic::cpu`]). When the request's deadline passes first, the answer is 503.
pub(crate) async fn cpu<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    Ok(kneadtime_clinic::cpu(f).await?)
}

/// Answers 503 when a request runs past its deadline (body upload included).
async fn deadline(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let secs = state.config.limits.request_timeout_secs;
    match tokio::time::timeout(std::time::Duration::from_secs(secs), next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::Timeout,
            format!("the request took longer than {secs} s and was stopped; try again (a booking retried with the same Idempotency-Key is never made twice)"),
        )
        .into_response(),
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Where people reach this server, for links and feed URLs (no trailing slash).
    pub base_url: Arc<str>,
    /// Hash of the one-time setup token, while the clinic has no staff account.
    pub setup_token: Option<Arc<str>>,
    /// The clinic's use-cases, over the same store and its clock.
    pub clinic: kneadtime_clinic::Clinic,
    /// Sends mail, when SMTP is set up.
    pub mailer: Option<Arc<mail::Mailer>>,
}

impl AppState {
    /// Where "now" comes from: the store's clock, which the clinic core shares.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clinic.clock
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock().unix()
    }
}

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    let mut res = (StatusCode::OK, OPENAPI).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// GET /api/health: 200 while the database takes writes (one small write is made to
/// know), 503 otherwise, so a balancer stops sending bookings to a server that would fail
/// them.
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.store.probe_write().await {
        Ok(()) => axum::Json(serde_json::json!({ "status": "ok", "database": "writable" }))
            .into_response(),
        Err(e) => {
            log::line(&format!("health: the database does not take writes: {e}"));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(
                    serde_json::json!({ "status": "unavailable", "database": "not_writable" }),
                ),
            )
                .into_response()
        }
    }
}

async fn rules(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Response, ApiError> {
    let clinic = state.store.clinic().await?;
    let profile = schedule::clinic_profile(&clinic.profile_toml).unwrap_or_default();
    let list: Vec<_> = kneadtime_domain::RuleId::ALL
        .iter()
        .map(|id| {
            let r = kneadtime_domain::rule::describe(*id, &profile);
            serde_json::json!({ "id": id.as_str(), "severity": r.severity, "summary": r.summary, "why": r.why })
        })
        .collect();
    Ok(axum::Json(list).into_response())
}

async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/feeds/") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "no such endpoint; see /api/openapi.json",
        )
        .into_response()
    } else {
        pages::not_found(&state, &headers).await
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

/// Every route of the server.
pub fn app(state: AppState) -> Router {
    use booking as b;
    use catalog as k;
    use clients as c;
    use homework as hw;
    use notes as n;
    use waitlist as w;
    let limit = state.config.body_limit_kb * 1024;
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .route("/api/rules", get(rules))
        .route("/api/setup", post(auth::setup))
        .route("/api/login", post(auth::login))
        .route("/api/client-login", post(auth::client_login))
        .route("/api/logout", post(auth::logout))
        .route("/api/me", get(auth::me))
        .route("/api/me/password", axum::routing::put(auth::set_password))
        .route(
            "/api/me/daily-email",
            axum::routing::put(auth::put_daily_email),
        )
        .route("/api/clinic", get(k::get_clinic).put(k::put_clinic))
        .route(
            "/api/locations",
            get(crate::locations::list).post(crate::locations::create),
        )
        .route(
            "/api/locations/{id}",
            get(crate::locations::get).patch(crate::locations::patch),
        )
        .route(
            "/api/locations/{id}/hours",
            axum::routing::put(crate::locations::put_hours),
        )
        .route(
            "/api/events",
            get(crate::events::list).post(crate::events::create),
        )
        .route("/api/events/{id}", get(crate::events::get))
        .route(
            "/api/events/{id}/requests",
            get(crate::events::list_requests).post(crate::events::add_requests),
        )
        .route(
            "/api/events/{id}/requests/{client_id}",
            axum::routing::delete(crate::events::withdraw),
        )
        .route(
            "/api/events/{id}/allocation",
            get(crate::events::allocation),
        )
        .route("/api/events/{id}/book", post(crate::events::book))
        .route("/api/events/{id}/capacity", get(crate::events::capacity))
        .route("/api/outbox", get(mail::get_outbox))
        .route(
            "/api/closures",
            get(k::list_closures).post(k::create_closure),
        )
        .route(
            "/api/closures/{id}",
            axum::routing::delete(k::delete_closure),
        )
        .route("/api/outbox/{id}/retry", post(mail::retry))
        .route("/api/audit", get(audit::get))
        .route("/api/staff", get(k::list_staff).post(k::create_staff))
        .route("/api/staff/{id}", axum::routing::patch(k::patch_staff))
        .route(
            "/api/therapists",
            get(k::list_therapists).post(k::create_therapist),
        )
        .route(
            "/api/therapists/{id}",
            get(k::get_therapist).patch(k::patch_therapist),
        )
        .route(
            "/api/therapists/{id}/hours",
            get(k::get_hours).put(k::put_hours),
        )
        .route(
            "/api/therapists/{id}/exceptions",
            get(k::list_exceptions).post(k::create_exception),
        )
        .route(
            "/api/therapists/{id}/exceptions/{exception_id}",
            axum::routing::delete(k::delete_exception),
        )
        .route("/api/therapists/{id}/feed", post(c::therapist_feed))
        .route(
            "/api/services",
            get(k::list_services).post(k::create_service),
        )
        .route(
            "/api/services/{id}",
            axum::routing::put(k::put_service).delete(k::delete_service),
        )
        .route("/api/clients", get(c::list).post(c::create))
        .route("/api/clients/{id}", get(c::get).patch(c::patch))
        .route("/api/clients/{id}/link", post(c::new_link))
        .route("/api/clients/{id}/merge", post(c::post_merge))
        .route(
            "/api/clients/{id}/intake",
            get(intake::get).put(intake::put),
        )
        .route("/api/clients/{id}/intake/review", post(intake::post_review))
        .route("/api/clients/{id}/feed", post(c::client_feed))
        .route("/api/clients/{id}/races", post(c::add_race))
        .route(
            "/api/clients/{id}/races/{race_id}",
            axum::routing::delete(c::delete_race),
        )
        .route("/api/clients/{id}/calendars", post(c::add_calendar))
        .route("/api/clients/{id}/activities", post(c::add_activities))
        .route(
            "/api/clients/{id}/calendars/{calendar_id}",
            axum::routing::delete(c::delete_calendar),
        )
        .route("/api/clients/{id}/plan", get(c::get_plan))
        .route("/api/clients/{id}/slots", get(schedule::slots))
        .route("/api/clients/{id}/notes", get(n::list_notes))
        .route("/api/clients/{id}/patterns", get(n::get_patterns))
        .route("/api/waitlist", get(w::list).post(w::post_join))
        .route("/api/waitlist/{id}", axum::routing::delete(w::delete))
        .route("/api/offers", get(w::offers))
        .route("/api/offers/{id}/accept", post(w::post_accept))
        .route("/api/offers/{id}/decline", post(w::post_decline))
        .route("/api/appointments", get(b::list).post(b::create))
        .route("/api/appointments/{id}", get(b::get))
        .route("/api/appointments/{id}/cancel", post(b::cancel))
        .route("/api/appointments/{id}/reschedule", post(b::reschedule))
        .route("/api/appointments/{id}/keep", post(b::keep))
        .route("/api/appointments/{id}/status", post(b::set_status))
        .route("/api/appointments/{id}/notes", post(n::add_note))
        .route(
            "/api/notes/{id}",
            axum::routing::patch(n::patch_note).put(n::put_note),
        )
        .route("/api/notes/{id}/sign", post(n::sign_note))
        .route("/api/homework/library", get(hw::library))
        .route("/api/clients/{id}/record", get(export::get_record))
        .route("/api/clients/{id}/erase", post(export::erase))
        .route("/api/clients/{id}/homework", get(hw::list).post(hw::assign))
        .route("/api/homework/{id}/ticks", post(hw::tick))
        .route("/api/homework/{id}", axum::routing::delete(hw::stop))
        .route("/api/notes/{id}/amendments", post(n::amend_note))
        .route("/feeds/{file}", get(feeds::feed))
        .merge(pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shield::no_nul,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shield::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log::requests,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "the server hit a fault; nothing was changed by it",
            )
            .into_response()
        }))
        .with_state(state)
}

/// A server that is up.
pub struct Running {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    pub base_url: String,
    pub demo: Option<demo::DemoInfo>,
    /// Set when the clinic had no staff account at start: give it to POST /api/setup.
    pub setup_token: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The mail worker, when mail is set up.
    mail: Option<tokio::task::JoinHandle<()>>,
    /// The waitlist worker.
    waitlist: tokio::task::JoinHandle<()>,
    /// Sweeps expired sessions away.
    upkeep: tokio::task::JoinHandle<()>,
    store: Store,
}

impl Running {
    /// Stops taking connections, lets requests in flight finish, and closes the database.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.wait().await
    }

    /// Serves until a stop signal (SIGINT or SIGTERM) and a graceful shutdown.
    pub async fn wait(self) -> std::io::Result<()> {
        let r = match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        // A send cut short here is tried again when its claim runs out.
        if let Some(m) = &self.mail {
            m.abort();
        }
        // A freed time taken by a round cut short here is not offered again.
        self.waitlist.abort();
        self.upkeep.abort();
        self.store.close().await;
        r
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Database(String),
    #[error("{0}")]
    Mail(String),
    #[error("{0}")]
    Demo(String),
}

/// Opens the database (creating and migrating it), binds, loads the demo when asked,
/// and serves in the background. With `signals`, SIGINT/SIGTERM start a graceful stop.
pub async fn start(config: Config, signals: bool) -> Result<Running, StartError> {
    start_with_clock(config, signals, Arc::new(SystemClock)).await
}

/// Starts like [`start`], telling the time by `clock` (tests set it instead of waiting).
pub async fn start_with_clock(
    config: Config,
    signals: bool,
    clock: Arc<dyn Clock>,
) -> Result<Running, StartError> {
    if let Some(path) = config.db.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| StartError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }
    let mailer = match config.mail().map_err(|e| StartError::Mail(e.0))? {
        Some((url, from)) => Some(mail::Mailer::new(url, from).map_err(StartError::Mail)?),
        None => None,
    };
    let store = Store::open(&config.db)
        .await
        .map_err(|e| {
            StartError::Database(e.to_string().replace(&config.db, &redact_db(&config.db)))
        })?
        .with_clock(clock);
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let base_url = config.base_url(addr);
    let mut state = AppState {
        store: store.clone(),
        config: Arc::new(config.clone()),
        base_url: base_url.clone().into(),
        setup_token: None,
        clinic: kneadtime_clinic::Clinic::new(store.clone()),
        mailer: mailer.map(Arc::new),
    };
    let demo = if config.demo {
        let clinic = store
            .clinic()
            .await
            .map_err(|e| StartError::Database(e.to_string()))?;
        let today = state
            .clock()
            .now()
            .to_zoned(schedule::zone_of(&clinic.time_zone))
            .date();
        demo::load(&state, today).await.map_err(StartError::Demo)?
    } else {
        None
    };
    let no_staff = store
        .staff_list()
        .await
        .map_err(|e| StartError::Database(e.to_string()))?
        .is_empty();
    let setup_token = no_staff.then(auth::new_token);
    state.setup_token = setup_token.as_deref().map(|t| auth::hash_token(t).into());
    let mail = state.mailer.clone().map(|m| mail::spawn(state.clone(), m));
    let waitlist = waitlist::spawn(state.clone());
    let upkeep = spawn_upkeep(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let router = app(state);
    let limits = config.limits.clone();
    let task = tokio::spawn(listen::serve(listener, router, limits, async move {
        if signals {
            tokio::select! {
                _ = rx => {}
                _ = stop_signal() => {}
            }
        } else {
            let _ = rx.await;
        }
    }));
    Ok(Running {
        addr,
        base_url,
        demo,
        setup_token,
        stop: Some(tx),
        task,
        mail,
        waitlist,
        upkeep,
        store,
    })
}

/// How often expired web sessions are swept away.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes expired web sessions at start and every hour after, in every instance (the
/// delete is idempotent, so instances need not agree on who does it).
fn spawn_upkeep(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = state.store.expire_web_sessions(state.now()).await {
                log::line(&format!("upkeep: expired sessions were not swept: {e}"));
            }
            tokio::time::sleep(UPKEEP).await;
        }
    })
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Runs the server on its own runtime until a stop signal: the `kneadtime serve` command.
pub fn run_blocking(config: Config) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let db = config.db.clone();
        let mail = config
            .mail()
            .ok()
            .flatten()
            .map(|(u, f)| (u.redacted(), f.to_string()));
        let running = start(config, true).await.map_err(|e| e.to_string())?;
        println!("kneadtime clinic server listening on {}", running.base_url);
        println!("database: {}", redact_db(&db));
        match &mail {
            Some((url, from)) => println!("mail: sent through {url} as {from}"),
            None => println!(
                "mail: not set up (smtp_url, mail_from); messages to clients wait in the outbox"
            ),
        }
        if let Some(d) = &running.demo {
            println!("demo clinic loaded:");
            println!(
                "  owner:     {} / {}",
                demo::OWNER_EMAIL,
                demo::OWNER_PASSWORD
            );
            println!(
                "  therapist: {} / {}",
                demo::THERAPIST_EMAIL,
                demo::THERAPIST_PASSWORD
            );
            for (name, token) in &d.client_links {
                println!("  client {name}: {}/c/{token}", running.base_url);
            }
        }
        if let Some(t) = &running.setup_token {
            println!("first run: create the owner account with this one-time setup token:");
            println!("  {t}");
            println!(
                "  POST {}/api/setup with token, clinic_name, time_zone, email, name, password",
                running.base_url
            );
        }
        println!(
            "API description: {}/api/openapi.json — stop with Ctrl-C",
            running.base_url
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        running.wait().await.map_err(|e| e.to_string())?;
        println!("stopped cleanly");
        Ok::<(), String>(())
    })?;
    // Work still running past the grace period is not waited for.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

/// A database URL with any password replaced, for printing: `user:secret@` before the
/// host, and `password=`/`sslpassword=` parameters after it.
pub fn redact_db(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match (head.find("://"), head.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &head[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &head[..s + 3], &head[at..]),
                None => head.to_string(),
            }
        }
        _ => head.to_string(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_db;

    #[test]
    fn database_passwords_never_print() {
        for (url, shown) in [
            (
                "postgres://kt:s3cret@db:5432/clinic",
                "postgres://kt:***@db:5432/clinic",
            ),
            (
                "postgresql://kt@db/clinic?password=s3cret&sslmode=require",
                "postgresql://kt@db/clinic?password=***&sslmode=require",
            ),
            (
                "postgres://db/clinic?user=kt&PASSWORD=s3cret",
                "postgres://db/clinic?user=kt&PASSWORD=***",
            ),
            (
                "postgres://kt:p%40ss@db/clinic?sslpassword=s3cret",
                "postgres://kt:***@db/clinic?sslpassword=***",
            ),
            ("sqlite:///srv/clinic.db", "sqlite:///srv/clinic.db"),
        ] {
            assert_eq!(redact_db(url), shown);
            assert!(!redact_db(url).contains("s3cret"));
        }
    }
}
