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
pub mod doc;
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
use kneadtime_store::Store;
pub use kneadtime_store::{Clock, SetClock, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

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

/// The generated OpenAPI document, set when the router is built.
static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The OpenAPI document of the routes this server has.
pub fn openapi_document() -> &'static str {
    DOCUMENT.get_or_init(|| {
        let (_, document) = api_routes().split_for_parts();
        doc::document(document)
    })
}

/// GET /api/openapi.json: the document generated from the handlers and their types.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    summary = "This API description",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object),
    ),
    security(),
)]
async fn openapi() -> Response {
    let mut res = (StatusCode::OK, openapi_document()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Whether the server can take bookings.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok`, or `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
    /// `writable`, or `not_writable`.
    database: &'static str,
}

/// A massage-timing rule with the clinic profile's numbers.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct RuleOut {
    id: kneadtime_domain::RuleId,
    /// Usually info, warning or error; may be a phrase ("error for races of half-marathon
    /// distance or more; warning for shorter ones").
    severity: &'static str,
    /// The rule with the numbers of the clinic's profile.
    summary: String,
    why: &'static str,
}

/// GET /api/health: 200 while the database takes writes (one small write is made to
/// know), 503 otherwise, so a balancer stops sending bookings to a server that would fail
/// them.
#[utoipa::path(
    get,
    path = "/api/health",
    operation_id = "health",
    tag = "meta",
    summary = "Is the server up and its database reachable?",
    responses(
        (status = 200, description = "Up.", body = Health),
        (status = 503, description = "The database does not take writes (full disk, read-only, removed file).", body = Health),
    ),
    security(),
)]
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.clinic.writable().await {
        Ok(()) => axum::Json(Health {
            status: "ok",
            database: "writable",
        })
        .into_response(),
        Err(e) => {
            log::line(&format!("health: the database does not take writes: {e}"));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "unavailable",
                    database: "not_writable",
                }),
            )
                .into_response()
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/rules",
    operation_id = "listRules",
    tag = "meta",
    summary = "The massage-timing rules, with the clinic profile's numbers",
    responses(
        (status = 200, description = "Every rule.", body = Vec<RuleOut>),
    ),
    security(),
)]
async fn rules(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Response, ApiError> {
    let clinic = kneadtime_clinic::catalog::clinic(&state.clinic).await?;
    let profile = schedule::clinic_profile(&clinic.profile_toml).unwrap_or_default();
    let list: Vec<RuleOut> = kneadtime_domain::RuleId::ALL
        .iter()
        .map(|id| {
            let r = kneadtime_domain::rule::describe(*id, &profile);
            RuleOut {
                id: *id,
                severity: r.severity,
                summary: r.summary,
                why: r.why,
            }
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

/// Every API route, each documented by its handler.
fn api_routes() -> OpenApiRouter<AppState> {
    use booking as b;
    use catalog as k;
    use clients as c;
    use homework as hw;
    use notes as n;
    use waitlist as w;
    OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(openapi))
        .routes(routes!(rules))
        .routes(routes!(auth::setup))
        .routes(routes!(auth::login))
        .routes(routes!(auth::client_login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::set_password))
        .routes(routes!(auth::put_daily_email))
        .routes(routes!(k::get_clinic, k::put_clinic))
        .routes(routes!(crate::locations::list, crate::locations::create))
        .routes(routes!(crate::locations::get, crate::locations::patch))
        .routes(routes!(crate::locations::put_hours))
        .routes(routes!(crate::events::list, crate::events::create))
        .routes(routes!(crate::events::get))
        .routes(routes!(
            crate::events::list_requests,
            crate::events::add_requests
        ))
        .routes(routes!(crate::events::withdraw))
        .routes(routes!(crate::events::allocation))
        .routes(routes!(crate::events::book))
        .routes(routes!(crate::events::capacity))
        .routes(routes!(mail::get_outbox))
        .routes(routes!(k::list_closures, k::create_closure))
        .routes(routes!(k::delete_closure))
        .routes(routes!(mail::retry))
        .routes(routes!(audit::get))
        .routes(routes!(k::list_staff, k::create_staff))
        .routes(routes!(k::patch_staff))
        .routes(routes!(k::list_therapists, k::create_therapist))
        .routes(routes!(k::get_therapist, k::patch_therapist))
        .routes(routes!(k::get_hours, k::put_hours))
        .routes(routes!(k::list_exceptions, k::create_exception))
        .routes(routes!(k::delete_exception))
        .routes(routes!(c::therapist_feed))
        .routes(routes!(k::list_services, k::create_service))
        .routes(routes!(k::put_service, k::delete_service))
        .routes(routes!(c::list, c::create))
        .routes(routes!(c::get, c::patch))
        .routes(routes!(c::new_link))
        .routes(routes!(c::post_merge))
        .routes(routes!(intake::get, intake::put))
        .routes(routes!(intake::post_review))
        .routes(routes!(c::client_feed))
        .routes(routes!(c::add_race))
        .routes(routes!(c::delete_race))
        .routes(routes!(c::add_calendar))
        .routes(routes!(c::add_activities))
        .routes(routes!(c::delete_calendar))
        .routes(routes!(c::get_plan))
        .routes(routes!(schedule::slots))
        .routes(routes!(n::list_notes))
        .routes(routes!(n::get_patterns))
        .routes(routes!(w::list, w::post_join))
        .routes(routes!(w::delete))
        .routes(routes!(w::offers))
        .routes(routes!(w::post_accept))
        .routes(routes!(w::post_decline))
        .routes(routes!(b::list, b::create))
        .routes(routes!(b::get))
        .routes(routes!(b::cancel))
        .routes(routes!(b::reschedule))
        .routes(routes!(b::keep))
        .routes(routes!(b::set_status))
        .routes(routes!(n::add_note))
        .routes(routes!(n::patch_note, n::put_note))
        .routes(routes!(n::sign_note))
        .routes(routes!(hw::library))
        .routes(routes!(export::get_record))
        .routes(routes!(export::erase))
        .routes(routes!(hw::list, hw::assign))
        .routes(routes!(hw::tick))
        .routes(routes!(hw::stop))
        .routes(routes!(n::amend_note))
        .routes(routes!(feeds::feed))
}

/// Every route of the server.
pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit_kb * 1024;
    let (api, document) = api_routes().split_for_parts();
    let _ = DOCUMENT.set(doc::document(document));
    api.merge(pages::routes())
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
    clinic: kneadtime_clinic::Clinic,
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
        self.clinic.close().await;
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
    let clinic = kneadtime_clinic::Clinic::new(store);
    let mut state = AppState {
        config: Arc::new(config.clone()),
        base_url: base_url.clone().into(),
        setup_token: None,
        clinic: clinic.clone(),
        mailer: mailer.map(Arc::new),
    };
    let demo = if config.demo {
        let clinic = kneadtime_clinic::catalog::clinic(&state.clinic)
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
    let no_staff = kneadtime_clinic::catalog::staff_list(&state.clinic)
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
        clinic,
    })
}

/// How often expired web sessions and rate-limit counts are swept away.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes expired web sessions and rate-limit counts at start and every hour after, in
/// every instance (the deletes are idempotent, so instances need not agree on who does it), and brings the
/// database's query statistics up to date for tables that grew.
fn spawn_upkeep(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = kneadtime_clinic::accounts::sweep_sessions(&state.clinic).await {
                log::line(&format!("upkeep: expired sessions were not swept: {e}"));
            }
            if let Err(e) = kneadtime_clinic::accounts::sweep_rate_limits(&state.clinic).await {
                log::line(&format!(
                    "upkeep: old rate-limit counts were not swept: {e}"
                ));
            }
            if let Err(e) = state.clinic.refresh_statistics().await {
                log::line(&format!("upkeep: query statistics were not refreshed: {e}"));
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

    /// True when Rust source `text` reaches the store (comments aside): a `store` field
    /// or binding used with a dot (`state.store.x`, `store.book(…)`, `&core.store;`).
    /// Whitespace is taken out, so a call split over lines is seen too.
    fn names_the_store(text: &str) -> bool {
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<String>()
            .split_whitespace()
            .collect();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        // Split, so this function's own words do not match themselves.
        let word = ["st", "ore"].concat();
        code.match_indices(&word).any(|(i, _)| {
            let before = code[..i].chars().next_back();
            let after = code[i + word.len()..].chars().next();
            // `x.store` as a field (an atomic's `.store(…)` is a method, not the store).
            let field = before == Some('.') && after.is_none_or(|c| !ident(c) && c != '(');
            let binding = before.is_none_or(|c| !ident(c) && c != '.') && after == Some('.');
            field || binding
        })
    }

    /// Every source file of this crate: the handlers, the pages, sign-in, the workers,
    /// start-up and the demo reach the clinic through its core. Only start-up opens the
    /// database, and it hands it straight to the core.
    #[test]
    fn no_file_touches_the_store() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("source folder").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 30, "found {} source files", files.len());
        for f in files {
            let text = std::fs::read_to_string(&f).expect("source file");
            // This file's tests spell the pattern out to try it.
            let text = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or(&text);
            assert!(
                !names_the_store(text),
                "{} reads the store directly",
                f.display()
            );
        }
    }

    #[test]
    fn the_store_check_sees_fields_and_bindings() {
        let s = ["st", "ore"].concat();
        assert!(names_the_store(&format!("state.{s}.book(x)")));
        assert!(names_the_store(&format!("let db = &core.{s};")));
        assert!(names_the_store(&format!("{s}\n  .book(x)")));
        assert!(names_the_store(&format!("if x {{ {s}.close() }}")));
        assert!(!names_the_store(&format!("kneadtime_{s}::Service")));
        assert!(!names_the_store(&format!("// {s}.book(x)")));
        assert!(!names_the_store(&format!("the_{s}d.len()")));
        assert!(!names_the_store(&format!(
            "self.last.{s}(ms, Ordering::SeqCst)"
        )));
    }

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
