//! `kneadtime serve` as a process: starts on port 0, prints where it listens and the
//! first-run setup token, logs requests without secrets, stops cleanly on SIGTERM, and
//! refuses bad settings with exit code 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kneadtime"))
}

/// A minimal HTTP/1.1 client: one request per connection.
fn http(base: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn json_of(body: &str) -> Value {
    // Bodies may be chunked; the JSON is the part between the first '{' or '[' and the last '}' or ']'.
    let start = body.find(['{', '[']).unwrap_or(0);
    let end = body.rfind(['}', ']']).map(|e| e + 1).unwrap_or(body.len());
    serde_json::from_str(&body[start..end]).unwrap_or(Value::Null)
}

struct Server {
    child: Child,
    base: String,
    setup_token: Option<String>,
    stdout_lines: Vec<String>,
}

fn start(db: &str, extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
        .args(extra)
        .env_remove("KNEADTIME_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-kneadtime-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut base = None;
    let mut setup_token = None;
    let mut expect_token = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if let Some(url) = line.strip_prefix("kneadtime clinic server listening on ") {
            base = Some(url.to_string());
        }
        if expect_token {
            setup_token = Some(line.trim().to_string());
            expect_token = false;
        }
        if line.starts_with("first run:") {
            expect_token = true;
        }
        let done = line.starts_with("API description:");
        lines.push(line);
        if done {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    Server { child, base: base.expect("the server says where it listens"), setup_token, stdout_lines: lines }
}

fn terminate(mut s: Server) -> (std::process::ExitStatus, String) {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut err = String::new();
    s.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (s.child.wait().unwrap(), err)
}

#[test]
fn serve_logs_requests_without_secrets_and_stops_cleanly() {
    let dir = tempfile_dir();
    let db = format!("sqlite://{}/clinic.db", dir);
    let s = start(&db, &[]);
    let setup = s.setup_token.clone().expect("a fresh database offers setup");
    let password = "owner-secret-pass-7";
    let (st, body) = http(&s.base, "POST", "/api/setup", None, Some(&json!({
        "token": setup, "clinic_name": "Log Clinic", "time_zone": "Europe/London",
        "email": "o@log.test", "name": "Owner", "password": password
    })));
    assert_eq!(st, 200, "{body}");
    let (st, body) = http(&s.base, "POST", "/api/login", None, Some(&json!({ "email": "o@log.test", "password": password })));
    assert_eq!(st, 200, "{body}");
    let session = json_of(&body)["token"].as_str().unwrap().to_string();
    let (st, _) = http(&s.base, "POST", "/api/login", None, Some(&json!({ "email": "o@log.test", "password": "wrong-secret-guess" })));
    assert_eq!(st, 401);
    let (st, body) = http(&s.base, "POST", "/api/clients", Some(&session), Some(&json!({ "name": "Runner" })));
    assert_eq!(st, 201, "{body}");
    let created = json_of(&body);
    let link = created["link_token"].as_str().unwrap().to_string();
    let feed_url = created["feed_url"].as_str().unwrap().to_string();
    let feed_token = feed_url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_string();
    let (st, _) = http(&s.base, "POST", "/api/client-login", None, Some(&json!({ "token": link })));
    assert_eq!(st, 200);
    let feed_path = feed_url.trim_start_matches(&s.base).to_string();
    let (st, ics) = http(&s.base, "GET", &feed_path, None, None);
    assert_eq!(st, 200);
    assert!(ics.contains("BEGIN:VCALENDAR"));

    let (status, log) = terminate(s);
    assert!(status.success(), "SIGTERM stops the server cleanly: {status:?}\n{log}");
    assert!(log.contains("POST /api/login 200"), "{log}");
    assert!(log.contains("GET /feeds/[secret].ics 200"), "{log}");
    for secret in [password, "wrong-secret-guess", &setup, &session, &link, &feed_token] {
        assert!(!log.contains(secret), "a secret reached the log:\n{log}");
    }
    // The data outlives the process: a second start finds the owner and offers no setup.
    let s2 = start(&db, &[]);
    assert!(s2.setup_token.is_none());
    let (st, _) = http(&s2.base, "POST", "/api/login", None, Some(&json!({ "email": "o@log.test", "password": password })));
    assert_eq!(st, 200);
    let (status, _) = terminate(s2);
    assert!(status.success());
}

#[test]
fn serve_demo_has_a_clinic_to_look_at() {
    let dir = tempfile_dir();
    let s = start(&format!("sqlite://{dir}/demo.db"), &["--demo"]);
    assert!(s.stdout_lines.iter().any(|l| l.contains("owner@demo.kneadtime.test")), "{:?}", s.stdout_lines);
    assert!(s.setup_token.is_none(), "the demo has an owner already");
    let (st, body) = http(&s.base, "POST", "/api/login", None, Some(&json!({ "email": "owner@demo.kneadtime.test", "password": "demo-owner-pass" })));
    assert_eq!(st, 200, "{body}");
    let owner = json_of(&body)["token"].as_str().unwrap().to_string();
    let (_, body) = http(&s.base, "GET", "/api/clients", Some(&owner), None);
    let clients = json_of(&body);
    let priya = clients.as_array().unwrap().iter().find(|c| c["name"] == "Priya Shah").expect("a runner with a marathon");
    let (_, body) = http(&s.base, "GET", "/api/appointments", Some(&owner), None);
    assert!(json_of(&body).as_array().unwrap().len() >= 10, "a week of bookings");
    let (_, body) = http(&s.base, "GET", &format!("/api/clients/{}/plan", priya["id"].as_str().unwrap()), Some(&owner), None);
    let plan = json_of(&body);
    let kinds: Vec<&str> = plan["plan"]["massages"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"post_event"), "{kinds:?}");
    let (status, _) = terminate(s);
    assert!(status.success());
}

#[test]
fn serve_refuses_bad_settings_with_exit_2() {
    for (args, want) in [
        (vec!["serve", "--db", "mysql://x"], "--db: expected sqlite://PATH or postgres://"),
        (vec!["serve", "--addr", "localhost"], "--addr: expected HOST:PORT"),
        (vec!["serve", "--public-url", "book.example.com"], "--public-url: expected a URL"),
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    let dir = tempfile_dir();
    let cfg = format!("{dir}/server.toml");
    std::fs::write(&cfg, "addr = \"127.0.0.1:0\"\nsession_days = 0\n").unwrap();
    let out = bin().args(["serve", "--config", &cfg]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.toml: session_days: expected 1 to 365, found 0"));
    let out = bin().args(["serve", "--db", "sqlite:///tmp/x.db"]).env("KNEADTIME_ADDR", "nope").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KNEADTIME_ADDR: expected HOST:PORT"));

    // A port already taken: a clear message, exit 2.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = bin().args(["serve", "--addr", &addr, "--db", &format!("sqlite://{dir}/busy.db")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot listen on {addr}")));
}

/// A fresh folder under the target directory (removed by the next `cargo clean`).
fn tempfile_dir() -> String {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut b = [0u8; 8];
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    b.copy_from_slice(&(t as u64 ^ std::process::id() as u64).to_le_bytes());
    let name: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let p = base.join(format!("serve-{name}"));
    std::fs::create_dir_all(&p).unwrap();
    p.display().to_string()
}

/// Two server processes on one PostgreSQL database: sessions made on one work on the
/// other, and clients spread over both racing for the same slots get exactly one
/// booking per slot and no 5xx.
#[test]
fn two_instances_share_one_postgres_without_double_booking() {
    let Ok(base_url) = std::env::var("KNEADTIME_TEST_POSTGRES_URL") else {
        println!("skipped: KNEADTIME_TEST_POSTGRES_URL not set (this test needs a PostgreSQL server)");
        return;
    };
    let schema = format!("kt_multi_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let exec = |sql: String| {
        rt.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&base_url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.expect("statement");
        })
    };
    exec(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    exec(format!("CREATE SCHEMA {schema}"));
    let sep = if base_url.contains('?') { '&' } else { '?' };
    let db = format!("{base_url}{sep}options=-c%20search_path%3D{schema}");
    let a = start(&db, &[]);
    let b = start(&db, &[]);
    let token = a.setup_token.clone().or(b.setup_token.clone()).expect("setup offered");
    let (st, body) = http(&a.base, "POST", "/api/setup", None, Some(&json!({
        "token": token, "clinic_name": "Group", "time_zone": "Europe/London",
        "email": "o@group.test", "name": "Owner", "password": "group-owner-pass"
    })));
    assert_eq!(st, 200, "{body}");
    let owner = json_of(&body)["token"].as_str().unwrap().to_string();
    let (st, _) = http(&b.base, "GET", "/api/me", Some(&owner), None);
    assert_eq!(st, 200, "a session made on one instance works on the other");

    let (_, body) = http(&a.base, "POST", "/api/therapists", Some(&owner), Some(&json!({ "name": "T" })));
    let t = json_of(&body)["therapist"]["id"].as_str().unwrap().to_string();
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "20:00" }))
        .collect();
    let (st, _) = http(&b.base, "PUT", &format!("/api/therapists/{t}/hours"), Some(&owner), Some(&json!(hours)));
    assert_eq!(st, 200);
    let (_, body) = http(&a.base, "POST", "/api/services", Some(&owner), Some(&json!({
        "name": "Sports 45", "kind": "maintenance", "length_min": 45, "price_cents": 1,
        "pressure_min": "moderate", "pressure_max": "deep", "buffer_after_min": 15
    })));
    let svc = json_of(&body)["id"].as_str().unwrap().to_string();
    let (_, body) = http(&b.base, "POST", "/api/clients", Some(&owner), Some(&json!({ "name": "Runner" })));
    let client = json_of(&body)["client"]["id"].as_str().unwrap().to_string();

    // Ten slots an hour apart, twelve racers each, alternating between the instances.
    let day = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(200)).unwrap().to_string();
    let mut handles = Vec::new();
    for slot in 0..10 {
        for racer in 0..12 {
            let base = if racer % 2 == 0 { a.base.clone() } else { b.base.clone() };
            let body = json!({ "client_id": client, "service_id": svc, "therapist_id": t, "start": format!("{day}T{:02}:00", 8 + slot) });
            let owner = owner.clone();
            handles.push(std::thread::spawn(move || (slot, http(&base, "POST", "/api/appointments", Some(&owner), Some(&body)).0)));
        }
    }
    let mut wins = [0; 10];
    for h in handles {
        let (slot, status) = h.join().unwrap();
        match status {
            201 => wins[slot] += 1,
            409 => {}
            other => panic!("slot {slot}: unexpected status {other}"),
        }
    }
    assert_eq!(wins, [1; 10], "exactly one booking per slot");
    let (_, body) = http(&a.base, "GET", &format!("/api/appointments?from={day}&to={day}"), Some(&owner), None);
    assert_eq!(json_of(&body).as_array().unwrap().len(), 10);
    assert!(terminate(a).0.success());
    assert!(terminate(b).0.success());
    exec(format!("DROP SCHEMA {schema} CASCADE"));
}
