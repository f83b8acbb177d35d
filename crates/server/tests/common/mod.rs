//! Test harness for the server's black-box tests: a real server on port 0 with a fresh
//! database per test (SQLite in a temporary folder; with KNEADTIME_TEST_POSTGRES_URL
//! set, also a fresh schema on that PostgreSQL server), an HTTP client, and a small
//! clinic built through the API.
#![allow(dead_code)]

pub mod smtp;

use std::net::SocketAddr;

use jiff::civil::{Date, Weekday};
use std::sync::Arc;

use kneadtime_server::{Clock, Config, Running, SetClock, SystemClock, start_with_clock};
use reqwest::Method;
use serde_json::{Value, json};

pub const OWNER_EMAIL: &str = "owner@clinic.test";
pub const OWNER_PASSWORD: &str = "owner-password-1";
pub const PG_SKIP: &str =
    "skipped on PostgreSQL: KNEADTIME_TEST_POSTGRES_URL not set (these tests need a server)";

pub struct Srv {
    pub base: String,
    pub http: reqwest::Client,
    pub owner: String,
    pub running: Option<Running>,
    pub db_url: String,
    _dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

/// Which databases to run on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    if std::env::var("KNEADTIME_TEST_POSTGRES_URL").is_ok() {
        vec!["sqlite", "postgres"]
    } else {
        println!("{PG_SKIP}");
        vec!["sqlite"]
    }
}

fn random_hex() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh database URL for `backend`, and the schema to drop afterwards on PostgreSQL.
pub async fn fresh_db(backend: &str, dir: &std::path::Path) -> (String, Option<(String, String)>) {
    if backend == "postgres" {
        let base = std::env::var("KNEADTIME_TEST_POSTGRES_URL").expect("postgres url");
        let schema = format!("kt_api_{}", random_hex());
        psql(&base, &format!("CREATE SCHEMA {schema}")).await;
        let sep = if base.contains('?') { '&' } else { '?' };
        (
            format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            Some((base, schema)),
        )
    } else {
        (
            format!("sqlite://{}", dir.join("clinic.db").display()),
            None,
        )
    }
}

async fn psql(url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect postgres");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect("schema statement");
}

impl Srv {
    /// A server on `backend` with an owner account and the clinic in `zone`.
    pub async fn start(backend: &str, zone: &str) -> Srv {
        Srv::start_with(backend, zone, |_| {}).await
    }

    /// A server like [`Srv::start`] with settings changed by `tune`.
    pub async fn start_with(backend: &str, zone: &str, tune: impl FnOnce(&mut Config)) -> Srv {
        Srv::start_full(backend, zone, Arc::new(SystemClock), tune).await
    }

    /// A server like [`Srv::start_with`] that tells the time by `clock`, which the test
    /// sets and moves.
    pub async fn start_at(
        backend: &str,
        zone: &str,
        clock: Arc<SetClock>,
        tune: impl FnOnce(&mut Config),
    ) -> Srv {
        Srv::start_full(backend, zone, clock, tune).await
    }

    async fn start_full(
        backend: &str,
        zone: &str,
        clock: Arc<dyn Clock>,
        tune: impl FnOnce(&mut Config),
    ) -> Srv {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, schema) = fresh_db(backend, dir.path()).await;
        let mut config = Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: db_url.clone(),
            log_requests: false,
            ..Config::default()
        };
        tune(&mut config);
        let running = start_with_clock(config, false, clock)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        let token = running
            .setup_token
            .clone()
            .expect("a fresh clinic offers setup");
        let mut srv = Srv {
            base,
            http,
            owner: String::new(),
            running: Some(running),
            db_url,
            _dir: dir,
            schema,
        };
        let (status, body) = srv
            .call(
                Method::POST,
                "/api/setup",
                None,
                Some(json!({
                    "token": token, "clinic_name": "Test Clinic", "time_zone": zone,
                    "email": OWNER_EMAIL, "name": "Olive Owner", "password": OWNER_PASSWORD
                })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        srv.owner = body["token"].as_str().unwrap().to_string();
        srv
    }

    /// A second server on this one's database, as another instance of a clinic group
    /// would run: its own process state, the same data (the owner's session works on
    /// both). Stop it before the first.
    pub async fn beside(&self) -> Srv {
        self.beside_with(|_| {}).await
    }

    /// A second server like [`Srv::beside`] with settings changed by `tune`.
    pub async fn beside_with(&self, tune: impl FnOnce(&mut Config)) -> Srv {
        let mut config = Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: self.db_url.clone(),
            log_requests: false,
            ..Config::default()
        };
        tune(&mut config);
        let running = start_with_clock(config, false, Arc::new(SystemClock))
            .await
            .expect("second server starts");
        Srv {
            base: format!("http://{}", running.addr),
            http: self.http.clone(),
            owner: self.owner.clone(),
            running: Some(running),
            db_url: self.db_url.clone(),
            _dir: tempfile::tempdir().expect("temp dir"),
            schema: None,
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("clean shutdown");
        }
        if let Some((base, schema)) = self.schema.take() {
            psql(&base, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }

    /// One request; the status and the JSON body (Null when empty, a string when not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let (s, v) = self.call(Method::GET, path, Some(token), None).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let (s, v) = self.call(Method::POST, path, Some(token), Some(body)).await;
        assert!(s == 200 || s == 201, "POST {path}: {s} {v}");
        v
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let (s, v) = self
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    pub async fn client_login(&self, link_token: &str) -> String {
        let (s, v) = self
            .call(
                Method::POST,
                "/api/client-login",
                None,
                Some(json!({ "token": link_token })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }
}

/// The body of page `path` fetched with session `cookie`.
pub async fn page_text(http: &reqwest::Client, base: &str, cookie: &str, path: &str) -> String {
    http.get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The CSRF token of the first form on a page.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .expect("a form with a CSRF token")
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Signs in on the staff page; the session cookie's `name=value`.
pub async fn page_sign_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> String {
    let res = http
        .post(format!("{base}/staff/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "staff sign-in redirects");
    let cookie = res
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    cookie.split(';').next().unwrap().to_string()
}

/// Opens a client's personal link; the session cookie's `name=value`.
pub async fn client_cookie(http: &reqwest::Client, base: &str, link_token: &str) -> String {
    let res = http
        .get(format!("{base}/c/{link_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        303,
        "the link signs in and redirects"
    );
    res.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// Waits (up to 30 s) until nothing is due in the outbox, and returns it.
pub async fn outbox_settled(srv: &Srv, owner: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let out = srv.get("/api/outbox", owner).await;
        if out["counts"]["waiting"] == 0 {
            return out;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox never emptied: {out}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub fn today_in(zone: &str) -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(zone).unwrap())
        .date()
}

pub fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(jiff::Span::new().days(n)).unwrap()
}

/// The first Sunday on or after `d`.
pub fn sunday_from(d: Date) -> Date {
    let mut x = d;
    while x.weekday() != Weekday::Sunday {
        x = add_days(x, 1);
    }
    x
}

/// A training calendar (CSV) around a marathon on `race`: five weeks of build-up with
/// intervals on Tuesdays and long runs on Saturdays, rest on Mondays and Fridays, and
/// two easy weeks after.
pub fn marathon_csv(race: Date) -> String {
    let mut out = String::from("date,title,duration_min,distance_km,kind\n");
    for k in -35..=14i64 {
        let d = add_days(race, k);
        let line = if k == 0 {
            format!("{d},Test City Marathon,,42.2,race")
        } else if k > 0 {
            if k % 3 == 0 {
                format!("{d},Easy run 6 km,35,6,")
            } else {
                format!("{d},Rest,,,rest")
            }
        } else {
            match d.weekday() {
                Weekday::Monday | Weekday::Friday => format!("{d},Rest,,,rest"),
                Weekday::Tuesday if k < -7 => format!("{d},\"Intervals: 6x800m @ 5K pace\",60,,"),
                Weekday::Saturday if k < -1 => format!("{d},Long run 26 km,,26,"),
                _ => format!("{d},Easy run 8 km,45,8,"),
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A small clinic made through the API.
pub struct World {
    pub t1: String,
    pub t1_token: String,
    pub t2: String,
    pub t2_token: String,
    pub pre: String,
    pub post: String,
    pub sports: String,
    /// Client A runs the marathon on `race`; T1 treats them.
    pub a: String,
    pub a_token: String,
    pub a_link: String,
    pub b: String,
    pub b_token: String,
    pub race: Date,
    pub zone: String,
}

pub const T1_PASSWORD: &str = "therapist-one-pw";
pub const T2_PASSWORD: &str = "therapist-two-pw";

pub async fn world(srv: &Srv, zone: &str) -> World {
    let o = srv.owner.clone();
    let all_week: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "20:00" }))
        .collect();
    let mut therapists = Vec::new();
    for (name, email, pw) in [
        ("Tess One", "t1@clinic.test", T1_PASSWORD),
        ("Theo Two", "t2@clinic.test", T2_PASSWORD),
    ] {
        let v = srv
            .post("/api/therapists", &o, json!({ "name": name, "skills": ["sports", "deep_tissue"], "email": email, "password": pw }))
            .await;
        let id = v["therapist"]["id"].as_str().unwrap().to_string();
        let (s, h) = srv
            .call(
                Method::PUT,
                &format!("/api/therapists/{id}/hours"),
                Some(&o),
                Some(json!(all_week)),
            )
            .await;
        assert_eq!(s, 200, "{h}");
        let token = srv.login(email, pw).await;
        therapists.push((id, token));
    }
    let svc = |name: &str, kind: &str, len: i64, lo: &str, hi: &str| {
        json!({ "name": name, "kind": kind, "length_min": len, "price_cents": 5000,
                "pressure_min": lo, "pressure_max": hi, "buffer_after_min": 15 })
    };
    let pre = srv
        .post(
            "/api/services",
            &o,
            svc("Pre-race 30", "pre_event", 30, "light", "moderate"),
        )
        .await;
    let post = srv
        .post(
            "/api/services",
            &o,
            svc("Post-race 45", "post_event", 45, "light", "moderate"),
        )
        .await;
    let sports = srv
        .post(
            "/api/services",
            &o,
            svc("Sports 60", "maintenance", 60, "moderate", "deep"),
        )
        .await;

    let today = today_in(zone);
    let race = sunday_from(add_days(today, 40));
    let a = srv
        .post(
            "/api/clients",
            &o,
            json!({ "name": "Ada Runner", "email": "ada@example.org" }),
        )
        .await;
    let a_id = a["client"]["id"].as_str().unwrap().to_string();
    let a_link = a["link_token"].as_str().unwrap().to_string();
    srv.post(
        &format!("/api/clients/{a_id}/calendars"),
        &o,
        json!({ "filename": "block.csv", "content": marathon_csv(race) }),
    )
    .await;
    srv.post(&format!("/api/clients/{a_id}/races"), &o, json!({ "date": race.to_string(), "distance": "marathon", "priority": "A", "name": "Test City Marathon" }))
        .await;
    let b = srv
        .post("/api/clients", &o, json!({ "name": "Ben Other" }))
        .await;
    let b_id = b["client"]["id"].as_str().unwrap().to_string();
    let b_link = b["link_token"].as_str().unwrap().to_string();
    let a_token = srv.client_login(&a_link).await;
    let b_token = srv.client_login(&b_link).await;
    let (t1, t1_token) = therapists[0].clone();
    let (t2, t2_token) = therapists[1].clone();
    World {
        t1,
        t1_token,
        t2,
        t2_token,
        pre: pre["id"].as_str().unwrap().to_string(),
        post: post["id"].as_str().unwrap().to_string(),
        sports: sports["id"].as_str().unwrap().to_string(),
        a: a_id,
        a_token,
        a_link,
        b: b_id,
        b_token,
        race,
        zone: zone.to_string(),
    }
}

/// Ten weeks of running from `start` (a Monday): four runs a week, of which the first
/// `hills[w]` are hill sessions (the last count holds after the list ends).
pub fn hilly_csv(start: Date, hills: &[usize]) -> String {
    let mut out = String::from("date,title,duration_min,distance_km,kind\n");
    for w in 0..10 {
        let h = hills[w.min(hills.len() - 1)];
        for (i, day) in [1i64, 2, 4, 6].iter().enumerate() {
            let d = add_days(start, w as i64 * 7 + day);
            let title = if i < h {
                "Hill repeats 8x60s"
            } else {
                "Easy run 8 km"
            };
            out.push_str(&format!("{d},{title},50,8,\n"));
        }
    }
    out
}
