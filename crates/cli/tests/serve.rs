//! `kneadtime serve` as a process: starts on port 0, prints where it listens and the
//! first-run setup token, logs requests without secrets, stops cleanly on SIGTERM, and
//! refuses bad settings with exit code 2.

mod server;

use serde_json::{Value, json};
use server::{bin, http, json_of, start, tempfile_dir, terminate};

#[test]
fn serve_logs_requests_without_secrets_and_stops_cleanly() {
    let dir = tempfile_dir();
    let db = format!("sqlite://{}/clinic.db", dir);
    let s = start(&db, &[]);
    let setup = s
        .setup_token
        .clone()
        .expect("a fresh database offers setup");
    let password = "owner-secret-pass-7";
    let (st, body) = http(
        &s.base,
        "POST",
        "/api/setup",
        None,
        Some(&json!({
            "token": setup, "clinic_name": "Log Clinic", "time_zone": "Europe/London",
            "email": "o@log.test", "name": "Owner", "password": password
        })),
    );
    assert_eq!(st, 200, "{body}");
    let (st, body) = http(
        &s.base,
        "POST",
        "/api/login",
        None,
        Some(&json!({ "email": "o@log.test", "password": password })),
    );
    assert_eq!(st, 200, "{body}");
    let session = json_of(&body)["token"].as_str().unwrap().to_string();
    let (st, _) = http(
        &s.base,
        "POST",
        "/api/login",
        None,
        Some(&json!({ "email": "o@log.test", "password": "wrong-secret-guess" })),
    );
    assert_eq!(st, 401);
    let (st, body) = http(
        &s.base,
        "POST",
        "/api/clients",
        Some(&session),
        Some(&json!({ "name": "Runner" })),
    );
    assert_eq!(st, 201, "{body}");
    let created = json_of(&body);
    let link = created["link_token"].as_str().unwrap().to_string();
    let feed_url = created["feed_url"].as_str().unwrap().to_string();
    let feed_token = feed_url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_string();
    let (st, _) = http(
        &s.base,
        "POST",
        "/api/client-login",
        None,
        Some(&json!({ "token": link })),
    );
    assert_eq!(st, 200);
    let feed_path = feed_url.trim_start_matches(&s.base).to_string();
    let (st, ics) = http(&s.base, "GET", &feed_path, None, None);
    assert_eq!(st, 200);
    assert!(ics.contains("BEGIN:VCALENDAR"));

    let (status, log) = terminate(s);
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly: {status:?}\n{log}"
    );
    assert!(log.contains("POST /api/login 200"), "{log}");
    assert!(log.contains("GET /feeds/[secret].ics 200"), "{log}");
    for secret in [
        password,
        "wrong-secret-guess",
        &setup,
        &session,
        &link,
        &feed_token,
    ] {
        assert!(!log.contains(secret), "a secret reached the log:\n{log}");
    }
    // The data outlives the process: a second start finds the owner and offers no setup.
    let s2 = start(&db, &[]);
    assert!(s2.setup_token.is_none());
    let (st, _) = http(
        &s2.base,
        "POST",
        "/api/login",
        None,
        Some(&json!({ "email": "o@log.test", "password": password })),
    );
    assert_eq!(st, 200);
    let (status, _) = terminate(s2);
    assert!(status.success());
}

#[test]
fn serve_demo_has_a_clinic_to_look_at() {
    let dir = tempfile_dir();
    let s = start(&format!("sqlite://{dir}/demo.db"), &["--demo"]);
    assert!(
        s.stdout_lines
            .iter()
            .any(|l| l.contains("owner@demo.kneadtime.test")),
        "{:?}",
        s.stdout_lines
    );
    assert!(s.setup_token.is_none(), "the demo has an owner already");
    let (st, body) = http(
        &s.base,
        "POST",
        "/api/login",
        None,
        Some(&json!({ "email": "owner@demo.kneadtime.test", "password": "demo-owner-pass" })),
    );
    assert_eq!(st, 200, "{body}");
    let owner = json_of(&body)["token"].as_str().unwrap().to_string();
    let (_, body) = http(&s.base, "GET", "/api/clients", Some(&owner), None);
    let clients = json_of(&body);
    let priya = clients
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Priya Shah")
        .expect("a runner with a marathon");
    let (_, body) = http(&s.base, "GET", "/api/appointments", Some(&owner), None);
    assert!(
        json_of(&body).as_array().unwrap().len() >= 10,
        "a week of bookings"
    );
    let (_, body) = http(
        &s.base,
        "GET",
        &format!("/api/clients/{}/plan", priya["id"].as_str().unwrap()),
        Some(&owner),
        None,
    );
    let plan = json_of(&body);
    let kinds: Vec<&str> = plan["plan"]["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"post_event"), "{kinds:?}");
    let (status, _) = terminate(s);
    assert!(status.success());
}

#[test]
fn serve_refuses_bad_settings_with_exit_2() {
    for (args, want) in [
        (
            vec!["serve", "--db", "mysql://x"],
            "--db: expected sqlite://PATH or postgres://",
        ),
        (
            vec!["serve", "--addr", "localhost"],
            "--addr: expected HOST:PORT",
        ),
        (
            vec!["serve", "--public-url", "book.example.com"],
            "--public-url: expected a URL",
        ),
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
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("server.toml: session_days: expected 1 to 365, found 0")
    );
    let out = bin()
        .args(["serve", "--db", "sqlite:///tmp/x.db"])
        .env("KNEADTIME_ADDR", "nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KNEADTIME_ADDR: expected HOST:PORT"));

    // A port already taken: a clear message, exit 2.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = bin()
        .args([
            "serve",
            "--addr",
            &addr,
            "--db",
            &format!("sqlite://{dir}/busy.db"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot listen on {addr}")));
}

/// Two server processes on one PostgreSQL database: sessions made on one work on the
/// other, and clients spread over both racing for the same slots get exactly one
/// booking per slot and no 5xx.
#[test]
fn two_instances_share_one_postgres_without_double_booking() {
    let Ok(base_url) = std::env::var("KNEADTIME_TEST_POSTGRES_URL") else {
        println!(
            "skipped: KNEADTIME_TEST_POSTGRES_URL not set (this test needs a PostgreSQL server)"
        );
        return;
    };
    let schema = format!("kt_multi_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exec = |sql: String| {
        rt.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&base_url)
                .await
                .expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .expect("statement");
        })
    };
    exec(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    exec(format!("CREATE SCHEMA {schema}"));
    let sep = if base_url.contains('?') { '&' } else { '?' };
    let db = format!("{base_url}{sep}options=-c%20search_path%3D{schema}");
    let a = start(&db, &[]);
    let b = start(&db, &[]);
    let token = a
        .setup_token
        .clone()
        .or(b.setup_token.clone())
        .expect("setup offered");
    let (st, body) = http(
        &a.base,
        "POST",
        "/api/setup",
        None,
        Some(&json!({
            "token": token, "clinic_name": "Group", "time_zone": "Europe/London",
            "email": "o@group.test", "name": "Owner", "password": "group-owner-pass"
        })),
    );
    assert_eq!(st, 200, "{body}");
    let owner = json_of(&body)["token"].as_str().unwrap().to_string();
    let (st, _) = http(&b.base, "GET", "/api/me", Some(&owner), None);
    assert_eq!(st, 200, "a session made on one instance works on the other");

    let (_, body) = http(
        &a.base,
        "POST",
        "/api/therapists",
        Some(&owner),
        Some(&json!({ "name": "T" })),
    );
    let t = json_of(&body)["therapist"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "20:00" }))
        .collect();
    let (st, _) = http(
        &b.base,
        "PUT",
        &format!("/api/therapists/{t}/hours"),
        Some(&owner),
        Some(&json!(hours)),
    );
    assert_eq!(st, 200);
    let (_, body) = http(
        &a.base,
        "POST",
        "/api/services",
        Some(&owner),
        Some(&json!({
            "name": "Sports 45", "kind": "maintenance", "length_min": 45, "price_cents": 1,
            "pressure_min": "moderate", "pressure_max": "deep", "buffer_after_min": 15
        })),
    );
    let svc = json_of(&body)["id"].as_str().unwrap().to_string();
    let (_, body) = http(
        &b.base,
        "POST",
        "/api/clients",
        Some(&owner),
        Some(&json!({ "name": "Runner" })),
    );
    let client = json_of(&body)["client"]["id"].as_str().unwrap().to_string();

    // Ten slots an hour apart, twelve racers each, alternating between the instances.
    let day = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(200))
        .unwrap()
        .to_string();
    let mut handles = Vec::new();
    for slot in 0..10 {
        for racer in 0..12 {
            let base = if racer % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            };
            let body = json!({ "client_id": client, "service_id": svc, "therapist_id": t, "start": format!("{day}T{:02}:00", 8 + slot) });
            let owner = owner.clone();
            handles.push(std::thread::spawn(move || {
                (
                    slot,
                    http(
                        &base,
                        "POST",
                        "/api/appointments",
                        Some(&owner),
                        Some(&body),
                    )
                    .0,
                )
            }));
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
    let (_, body) = http(
        &a.base,
        "GET",
        &format!("/api/appointments?from={day}&to={day}"),
        Some(&owner),
        None,
    );
    assert_eq!(json_of(&body).as_array().unwrap().len(), 10);
    assert!(terminate(a).0.success());
    assert!(terminate(b).0.success());
    exec(format!("DROP SCHEMA {schema} CASCADE"));
}
