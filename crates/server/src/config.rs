//! Server settings: built-in defaults, then a TOML file, then `KNEADTIME_*` environment
//! variables, then command-line flags (applied by the caller), each overriding the last.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where to listen. Port 0 picks a free port (printed on start).
    pub addr: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`.
    pub db: String,
    /// The address people reach the server at, for links and feed URLs. Defaults to
    /// `http://ADDR`.
    pub public_url: Option<String>,
    /// How long a sign-in lasts.
    pub session_days: i64,
    /// Largest request body accepted, in KiB.
    pub body_limit_kb: usize,
    /// Sign-in attempts allowed per address and per email in each 5-minute window.
    pub login_attempts: i64,
    /// Load the demo clinic when the database is empty.
    pub demo: bool,
    /// Write one line per request to stderr.
    pub log_requests: bool,
    /// Timeouts, caps and rate limits that keep one caller from taking the server down.
    pub limits: Limits,
    /// Where mail goes out: `smtp://HOST:PORT`, `smtps://USER:PASS@HOST` (TLS from the
    /// start) or `smtp://USER:PASS@HOST:587?tls=required` (STARTTLS). Unset, messages stay
    /// queued and the owner's pages say so.
    pub smtp_url: Option<SmtpUrl>,
    /// The address mail comes from (`desk@clinic.example`); needed with `smtp_url`.
    pub mail_from: Option<String>,
}

/// An SMTP URL, which may hold a password: shown only with the password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// The URL as given, password and all: for the mail transport only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password shown as `***`.
    pub fn redacted(&self) -> String {
        crate::redact_db(&self.0)
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted())
    }
}

/// What one caller may cost the server (the `[limits]` table; `KNEADTIME_LIMIT_NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Seconds a client has to send a request's headers.
    pub header_timeout_secs: u64,
    /// Seconds from a request's headers to its answer (body upload included); after it
    /// the answer is 503.
    pub request_timeout_secs: u64,
    /// Seconds an open connection may sit with no request before it is closed.
    pub idle_timeout_secs: u64,
    /// Open connections in all.
    pub max_connections: u64,
    /// Open connections from one address.
    pub max_connections_per_address: u64,
    /// Seconds a stop waits for requests in flight.
    pub shutdown_grace_secs: u64,
    /// A gzipped upload may inflate to at most this many times its size…
    pub inflate_ratio: u64,
    /// …and at most this many MiB.
    pub inflate_max_mb: u64,
    /// New client records one address may create per hour (booking without an account).
    pub new_clients_per_hour: u64,
    /// Bookings one address may make per hour without a staff sign-in.
    pub bookings_per_hour_per_address: u64,
    /// Bookings one client may make per hour.
    pub bookings_per_hour_per_client: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout_secs: 10,
            request_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 4096,
            max_connections_per_address: 256,
            shutdown_grace_secs: 10,
            inflate_ratio: 50,
            inflate_max_mb: 32,
            new_clients_per_hour: 10,
            bookings_per_hour_per_address: 20,
            bookings_per_hour_per_client: 10,
        }
    }
}

impl Limits {
    /// Each setting by name with its accepted range.
    fn fields(&mut self) -> [(&'static str, &mut u64, u64, u64); 11] {
        [
            (
                "header_timeout_secs",
                &mut self.header_timeout_secs,
                1,
                3600,
            ),
            (
                "request_timeout_secs",
                &mut self.request_timeout_secs,
                1,
                3600,
            ),
            ("idle_timeout_secs", &mut self.idle_timeout_secs, 1, 86_400),
            ("max_connections", &mut self.max_connections, 1, 1_000_000),
            (
                "max_connections_per_address",
                &mut self.max_connections_per_address,
                1,
                1_000_000,
            ),
            (
                "shutdown_grace_secs",
                &mut self.shutdown_grace_secs,
                0,
                3600,
            ),
            ("inflate_ratio", &mut self.inflate_ratio, 1, 10_000),
            ("inflate_max_mb", &mut self.inflate_max_mb, 1, 4096),
            (
                "new_clients_per_hour",
                &mut self.new_clients_per_hour,
                1,
                1_000_000,
            ),
            (
                "bookings_per_hour_per_address",
                &mut self.bookings_per_hour_per_address,
                1,
                1_000_000,
            ),
            (
                "bookings_per_hour_per_client",
                &mut self.bookings_per_hour_per_client,
                1,
                1_000_000,
            ),
        ]
    }

    fn validate(&mut self, source: &str) -> Result<(), ConfigError> {
        for (name, v, lo, hi) in self.fields() {
            check_range(
                *v as i64,
                lo as i64,
                hi as i64,
                &format!("{source}: limits.{name}"),
            )?;
        }
        Ok(())
    }

    /// Largest size an upload of `compressed` bytes may inflate to.
    pub fn inflate_cap(&self, compressed: usize) -> u64 {
        (compressed as u64)
            .saturating_mul(self.inflate_ratio)
            .clamp(1 << 20, self.inflate_max_mb << 20)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    db: Option<String>,
    public_url: Option<String>,
    session_days: Option<i64>,
    body_limit_kb: Option<usize>,
    login_attempts: Option<i64>,
    demo: Option<bool>,
    log_requests: Option<bool>,
    limits: Option<Limits>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
}

/// A setting that could not be used, naming where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: default_db_url(),
            public_url: None,
            session_days: 14,
            body_limit_kb: 4096,
            login_attempts: 10,
            demo: false,
            log_requests: true,
            limits: Limits::default(),
            smtp_url: None,
            mail_from: None,
        }
    }
}

/// `sqlite://` in the user's data folder (e.g. `~/.local/share/kneadtime/clinic.db`).
pub fn default_db_url() -> String {
    let dir = dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("kneadtime");
    format!("sqlite://{}", dir.join("clinic.db").display())
}

/// The config file read when none is named: `~/.config/kneadtime/server.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("kneadtime").join("server.toml"))
}

impl Config {
    /// Defaults, then `file` (or `KNEADTIME_CONFIG`, or the default path when it exists),
    /// then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let env_file = std::env::var_os("KNEADTIME_CONFIG").map(PathBuf::from);
        let named = file.map(Path::to_path_buf).or(env_file);
        let path = named
            .clone()
            .or_else(|| default_config_path().filter(|p| p.exists()));
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ConfigError(format!(
                    "{}: cannot read the config file: {e}",
                    path.display()
                ))
            })?;
            c.apply_toml(&text, &path.display().to_string())?;
        }
        c.apply_env(|k| std::env::var(k).ok())?;
        Ok(c)
    }

    /// Applies a TOML config file's settings.
    pub fn apply_toml(&mut self, text: &str, name: &str) -> Result<(), ConfigError> {
        let f: FileConfig = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(l) => ConfigError(format!("{name}:{l}: {}", e.message())),
                None => ConfigError(format!("{name}: {}", e.message())),
            }
        })?;
        if let Some(a) = f.addr {
            self.addr = parse_addr(&a, &format!("{name}: addr"))?;
        }
        if let Some(d) = f.db {
            self.db = check_db(&d, &format!("{name}: db"))?;
        }
        if let Some(u) = f.public_url {
            self.public_url = Some(check_url(&u, &format!("{name}: public_url"))?);
        }
        if let Some(n) = f.session_days {
            self.session_days = check_range(n, 1, 365, &format!("{name}: session_days"))?;
        }
        if let Some(n) = f.body_limit_kb {
            self.body_limit_kb =
                check_range(n as i64, 16, 1024 * 1024, &format!("{name}: body_limit_kb"))? as usize;
        }
        if let Some(n) = f.login_attempts {
            self.login_attempts = check_range(n, 1, 10_000, &format!("{name}: login_attempts"))?;
        }
        if let Some(b) = f.demo {
            self.demo = b;
        }
        if let Some(b) = f.log_requests {
            self.log_requests = b;
        }
        if let Some(mut l) = f.limits {
            l.validate(name)?;
            self.limits = l;
        }
        if let Some(u) = f.smtp_url {
            self.smtp_url = check_smtp(&u, &format!("{name}: smtp_url"))?;
        }
        if let Some(m) = f.mail_from {
            self.mail_from = check_mail_from(&m, &format!("{name}: mail_from"))?;
        }
        Ok(())
    }

    /// Applies `KNEADTIME_ADDR`, `KNEADTIME_DB`, `KNEADTIME_PUBLIC_URL`,
    /// `KNEADTIME_SESSION_DAYS`, `KNEADTIME_BODY_LIMIT_KB`, `KNEADTIME_LOGIN_ATTEMPTS`,
    /// `KNEADTIME_DEMO`, `KNEADTIME_LOG_REQUESTS`, `KNEADTIME_SMTP_URL` and
    /// `KNEADTIME_MAIL_FROM`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(a) = get("KNEADTIME_ADDR") {
            self.addr = parse_addr(&a, "KNEADTIME_ADDR")?;
        }
        if let Some(d) = get("KNEADTIME_DB") {
            self.db = check_db(&d, "KNEADTIME_DB")?;
        }
        if let Some(u) = get("KNEADTIME_PUBLIC_URL") {
            self.public_url = Some(check_url(&u, "KNEADTIME_PUBLIC_URL")?);
        }
        if let Some(n) = get("KNEADTIME_SESSION_DAYS") {
            self.session_days = check_range(
                parse_int(&n, "KNEADTIME_SESSION_DAYS")?,
                1,
                365,
                "KNEADTIME_SESSION_DAYS",
            )?;
        }
        if let Some(n) = get("KNEADTIME_BODY_LIMIT_KB") {
            let v = parse_int(&n, "KNEADTIME_BODY_LIMIT_KB")?;
            self.body_limit_kb =
                check_range(v, 16, 1024 * 1024, "KNEADTIME_BODY_LIMIT_KB")? as usize;
        }
        if let Some(n) = get("KNEADTIME_LOGIN_ATTEMPTS") {
            let v = parse_int(&n, "KNEADTIME_LOGIN_ATTEMPTS")?;
            self.login_attempts = check_range(v, 1, 10_000, "KNEADTIME_LOGIN_ATTEMPTS")?;
        }
        if let Some(b) = get("KNEADTIME_DEMO") {
            self.demo = parse_bool(&b, "KNEADTIME_DEMO")?;
        }
        if let Some(b) = get("KNEADTIME_LOG_REQUESTS") {
            self.log_requests = parse_bool(&b, "KNEADTIME_LOG_REQUESTS")?;
        }
        if let Some(u) = get("KNEADTIME_SMTP_URL") {
            self.smtp_url = check_smtp(&u, "KNEADTIME_SMTP_URL")?;
        }
        if let Some(m) = get("KNEADTIME_MAIL_FROM") {
            self.mail_from = check_mail_from(&m, "KNEADTIME_MAIL_FROM")?;
        }
        for (name, v, lo, hi) in self.limits.fields() {
            let key = format!("KNEADTIME_LIMIT_{}", name.to_ascii_uppercase());
            if let Some(n) = get(&key) {
                *v = check_range(parse_int(&n, &key)?, lo as i64, hi as i64, &key)? as u64;
            }
        }
        Ok(())
    }

    /// Whether mail can go out: an SMTP server and a sender address. The second is
    /// `Err` with what is missing when only one of the two is set.
    pub fn mail(&self) -> Result<Option<(&SmtpUrl, &str)>, ConfigError> {
        match (&self.smtp_url, &self.mail_from) {
            (Some(u), Some(f)) => Ok(Some((u, f.as_str()))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError(
                "mail_from: expected the address mail comes from (desk@clinic.example) beside smtp_url".into(),
            )),
            (None, Some(_)) => Err(ConfigError(
                "smtp_url: expected the SMTP server (smtp://HOST:PORT) beside mail_from".into(),
            )),
        }
    }

    /// The base of links the server hands out, without a trailing slash.
    pub fn base_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }
}

pub fn parse_addr(s: &str, what: &str) -> Result<SocketAddr, ConfigError> {
    s.trim().parse().map_err(|_| {
        ConfigError(format!(
            "{what}: expected HOST:PORT like 127.0.0.1:8080, found {s:?}"
        ))
    })
}

pub fn check_db(s: &str, what: &str) -> Result<String, ConfigError> {
    let s = s.trim();
    if s.starts_with("sqlite:") || s.starts_with("postgres://") || s.starts_with("postgresql://") {
        Ok(s.to_string())
    } else {
        Err(ConfigError(format!(
            "{what}: expected sqlite://PATH or postgres://USER@HOST/DB, found {:?}",
            crate::redact_db(s)
        )))
    }
}

fn check_url(s: &str, what: &str) -> Result<String, ConfigError> {
    let s = s.trim();
    if s.starts_with("http://") || s.starts_with("https://") {
        Ok(s.trim_end_matches('/').to_string())
    } else {
        Err(ConfigError(format!(
            "{what}: expected a URL starting with http:// or https://, found {s:?}"
        )))
    }
}

/// An SMTP URL, or `None` for an empty value (mail off).
fn check_smtp(s: &str, what: &str) -> Result<Option<SmtpUrl>, ConfigError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let rest = s
        .strip_prefix("smtp://")
        .or_else(|| s.strip_prefix("smtps://"));
    let host = rest
        .map(|r| r.rsplit('@').next().unwrap_or(r))
        .and_then(|r| r.split(['/', '?', ':']).next())
        .unwrap_or("");
    if host.is_empty() || s.len() > 2000 {
        return Err(ConfigError(format!(
            "{what}: expected smtp://HOST:PORT or smtps://USER:PASSWORD@HOST, found {:?}",
            crate::redact_db(s)
        )));
    }
    Ok(Some(SmtpUrl(s.to_string())))
}

/// A sender address, or `None` for an empty value.
fn check_mail_from(s: &str, what: &str) -> Result<Option<String>, ConfigError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<lettre::Address>() {
        Ok(_) => Ok(Some(s.to_string())),
        Err(_) => Err(ConfigError(format!(
            "{what}: expected an email address like desk@clinic.example, found {s:?}"
        ))),
    }
}

fn parse_int(s: &str, what: &str) -> Result<i64, ConfigError> {
    s.trim()
        .parse()
        .map_err(|_| ConfigError(format!("{what}: expected a whole number, found {s:?}")))
}

fn check_range(v: i64, lo: i64, hi: i64, what: &str) -> Result<i64, ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(ConfigError(format!(
            "{what}: expected {lo} to {hi}, found {v}"
        )))
    }
}

fn parse_bool(s: &str, what: &str) -> Result<bool, ConfigError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(ConfigError(format!(
            "{what}: expected true or false, found {s:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_override_in_order() {
        let mut c = Config::default();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert!(c.db.starts_with("sqlite://") && c.db.ends_with("clinic.db"));
        c.apply_toml(
            "addr = \"0.0.0.0:9000\"\ndb = \"sqlite:///tmp/a.db\"\nsession_days = 3\n",
            "server.toml",
        )
        .unwrap();
        assert_eq!(c.addr.port(), 9000);
        assert_eq!(c.session_days, 3);
        c.apply_env(|k| (k == "KNEADTIME_DB").then(|| "postgres://u@h/db".to_string()))
            .unwrap();
        assert_eq!(c.db, "postgres://u@h/db");
        assert_eq!(
            c.addr.port(),
            9000,
            "the environment leaves unset values alone"
        );
    }

    #[test]
    fn bad_settings_name_their_source() {
        let mut c = Config::default();
        let e = c.apply_toml("addr = 5\n", "server.toml").unwrap_err();
        assert!(e.0.starts_with("server.toml:1:"), "{e}");
        let e = c
            .apply_toml("colour = \"red\"\n", "server.toml")
            .unwrap_err();
        assert!(e.0.contains("colour"), "{e}");
        let e = c
            .apply_env(|k| (k == "KNEADTIME_DB").then(|| "mysql://x".into()))
            .unwrap_err();
        assert!(e.0.starts_with("KNEADTIME_DB: expected sqlite://"), "{e}");
        let e = c
            .apply_env(|k| (k == "KNEADTIME_SESSION_DAYS").then(|| "0".into()))
            .unwrap_err();
        assert_eq!(e.0, "KNEADTIME_SESSION_DAYS: expected 1 to 365, found 0");
        let e = c
            .apply_toml("[limits]\nmax_connections = 0\n", "server.toml")
            .unwrap_err();
        assert_eq!(
            e.0,
            "server.toml: limits.max_connections: expected 1 to 1000000, found 0"
        );
        let e = c
            .apply_toml("[limits]\nmax_conections = 5\n", "server.toml")
            .unwrap_err();
        assert!(e.0.contains("max_conections"), "{e}");
    }

    #[test]
    fn mail_settings_are_checked_and_the_password_never_shown() {
        let mut c = Config::default();
        assert_eq!(c.mail().unwrap(), None, "mail is off by default");
        c.apply_toml(
            "smtp_url = \"smtps://desk:s3cret@mail.example.com\"\n",
            "server.toml",
        )
        .unwrap();
        let e = c.mail().unwrap_err();
        assert!(e.0.starts_with("mail_from:"), "{e}");
        c.apply_env(|k| (k == "KNEADTIME_MAIL_FROM").then(|| "desk@clinic.example".into()))
            .unwrap();
        let (url, from) = c.mail().unwrap().unwrap();
        assert_eq!(from, "desk@clinic.example");
        assert_eq!(url.expose(), "smtps://desk:s3cret@mail.example.com");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let e = c
            .apply_toml("smtp_url = \"http://mail.example.com\"\n", "server.toml")
            .unwrap_err();
        assert!(
            e.0.starts_with("server.toml: smtp_url: expected smtp://"),
            "{e}"
        );
        let e = c
            .apply_env(|k| (k == "KNEADTIME_SMTP_URL").then(|| "smtp://u:pw@".into()))
            .unwrap_err();
        assert!(!e.0.contains("pw"), "{e}");
        let e = c
            .apply_env(|k| (k == "KNEADTIME_MAIL_FROM").then(|| "not an address".into()))
            .unwrap_err();
        assert!(
            e.0.starts_with("KNEADTIME_MAIL_FROM: expected an email"),
            "{e}"
        );
    }

    #[test]
    fn limits_come_from_the_file_and_the_environment() {
        let mut c = Config::default();
        c.apply_toml("[limits]\nidle_timeout_secs = 5\n", "server.toml")
            .unwrap();
        assert_eq!(c.limits.idle_timeout_secs, 5);
        assert_eq!(
            c.limits.max_connections,
            Limits::default().max_connections,
            "unnamed limits keep their default"
        );
        c.apply_env(|k| (k == "KNEADTIME_LIMIT_MAX_CONNECTIONS_PER_ADDRESS").then(|| "3".into()))
            .unwrap();
        assert_eq!(c.limits.max_connections_per_address, 3);
        assert_eq!(c.limits.inflate_cap(100_000), 5_000_000);
        assert_eq!(
            c.limits.inflate_cap(10 << 20),
            32 << 20,
            "never more than the absolute cap"
        );
    }
}
