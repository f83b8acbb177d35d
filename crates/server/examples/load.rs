//! Load benchmark: a clinic of 50 therapists with a year of bookings, many concurrent
//! clients doing a realistic mix over HTTP (slot search, book, cancel, feed reads, plans),
//! slot search for one and for 16 clients, an open-loop mix offered at a fixed rate
//! (latency counted from when each request was due, so a slow server cannot hide it), the
//! SQL statements each booking costs, and, measured in the same run, the machine's own
//! limit: raw single-row transactional inserts into SQLite with the server's durability
//! settings.
//!
//! cargo run --release --locked -p kneadtime-server --example load -- [CLIENTS] [SECONDS] [DB-URL]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use jiff::tz::TimeZone;
use kneadtime_server::{Config, start};
use serde_json::{Value, json};
use sqlx::{Any, Connection};
use tokio::sync::Mutex;

/// Every SQL statement sqlx runs, as it reports them (target `sqlx::query`).
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// A tracing subscriber that only counts sqlx's statement events.
struct CountStatements;

impl tracing::Subscriber for CountStatements {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "sqlx::query"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        if e.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

const THERAPISTS: usize = 50;
const CLIENTS: usize = 1000;
const PER_DAY: i64 = 8;

fn percentile(v: &mut [u32], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    f64::from(v[i]) / 1000.0
}

struct Stats {
    name: &'static str,
    lat_us: Vec<u32>,
    codes: HashMap<u16, usize>,
}

impl Stats {
    fn new(name: &'static str) -> Stats {
        Stats {
            name,
            lat_us: Vec::new(),
            codes: HashMap::new(),
        }
    }

    fn line(&mut self, secs: f64) -> String {
        let n = self.lat_us.len();
        let mut codes: Vec<_> = self.codes.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        codes.sort();
        format!(
            "| {} | {} | {:.0}/s | {:.2} ms | {:.2} ms | {} |",
            self.name,
            n,
            n as f64 / secs,
            percentile(&mut self.lat_us, 0.50),
            percentile(&mut self.lat_us, 0.99),
            codes.join(" ")
        )
    }
}

fn rand(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Raw single-row transactional inserts into a fresh SQLite file: WAL, synchronous=FULL,
/// one transaction per row, one connection. The machine's limit for durable writes.
async fn raw_sqlite_inserts(dir: &std::path::Path, seconds: f64) -> f64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", dir.join("raw.db").display());
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "CREATE TABLE t (id TEXT PRIMARY KEY, v BIGINT NOT NULL)",
    ] {
        sqlx::query(pragma).execute(&mut c).await.unwrap();
    }
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        let mut tx = sqlx::Connection::begin(&mut c).await.unwrap();
        sqlx::query::<Any>("INSERT INTO t (id, v) VALUES ($1, $2)")
            .bind(format!("{n:032x}"))
            .bind(n as i64)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

struct World {
    base: String,
    owner: String,
    therapists: Vec<String>,
    services: Vec<String>,
    clients: Vec<String>,
    feeds: Vec<String>,
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> (u16, Value) {
    let mut rb = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(b);
    }
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    // A request the server would not take (its connection caps) counts as status 0.
    match rb.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            (s, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// The clinic, through the API; the year of past bookings straight into the database.
async fn seed(base: &str, setup: &str, db: &str) -> World {
    let http = reqwest::Client::new();
    let (_, v) = call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/api/setup"),
        "",
        Some(&json!({
            "token": setup, "clinic_name": "Load Clinic", "time_zone": "Europe/London",
            "email": "owner@load.test", "name": "Owner", "password": "load-owner-pass"
        })),
        None,
    )
    .await;
    let owner = v["token"].as_str().unwrap().to_string();
    let post = |path: &str, body: Value| {
        let (http, owner, url) = (http.clone(), owner.clone(), format!("{base}{path}"));
        async move {
            call(
                &http,
                reqwest::Method::POST,
                &url,
                &owner,
                Some(&body),
                None,
            )
            .await
            .1
        }
    };
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat"]
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "20:00" }))
        .collect();
    let mut therapists = Vec::new();
    for i in 0..THERAPISTS {
        let t = post(
            "/api/therapists",
            json!({ "name": format!("Therapist {i:02}"), "skills": ["sports"] }),
        )
        .await["therapist"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        call(
            &http,
            reqwest::Method::PUT,
            &format!("{base}/api/therapists/{t}/hours"),
            &owner,
            Some(&json!(hours)),
            None,
        )
        .await;
        therapists.push(t);
    }
    let mut services = Vec::new();
    for (name, kind, len, lo, hi) in [
        ("Sports 60", "maintenance", 60, "moderate", "deep"),
        ("Pre-race 30", "pre_event", 30, "light", "moderate"),
        ("Post-race 45", "post_event", 45, "light", "moderate"),
    ] {
        let v = post("/api/services", json!({ "name": name, "kind": kind, "length_min": len, "price_cents": 6000, "pressure_min": lo, "pressure_max": hi, "buffer_after_min": 15 })).await;
        services.push(v["id"].as_str().unwrap().to_string());
    }
    let ics = include_str!("../../../examples/marathon-18-weeks.ics");
    let mut clients = Vec::new();
    let mut feeds = Vec::new();
    for i in 0..CLIENTS {
        let v = post(
            "/api/clients",
            json!({ "name": format!("Runner {i:03}"), "email": format!("r{i}@load.test") }),
        )
        .await;
        let id = v["client"]["id"].as_str().unwrap().to_string();
        feeds.push(v["feed_url"].as_str().unwrap().to_string());
        if i % 4 == 0 {
            post(
                &format!("/api/clients/{id}/calendars"),
                json!({ "filename": "plan.ics", "content": ics }),
            )
            .await;
            post(
                &format!("/api/clients/{id}/races"),
                json!({ "date": "2027-04-25", "distance": "marathon", "priority": "A" }),
            )
            .await;
        }
        clients.push(id);
    }
    // A year of past bookings, 8 a day per therapist, written directly.
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(db).await.unwrap();
    let tz = TimeZone::get("Europe/London").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let mut tx = sqlx::Connection::begin(&mut c).await.unwrap();
    let mut n = 0u64;
    for back in 1..=365 {
        let d = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        if d.weekday() == jiff::civil::Weekday::Sunday {
            continue;
        }
        for t in &therapists {
            for k in 0..PER_DAY {
                let start = tz
                    .to_ambiguous_timestamp(d.at(8, 0, 0, 0))
                    .compatible()
                    .unwrap()
                    .as_second()
                    + k * 90 * 60;
                let id = format!("seed{n:028x}");
                let client = &clients[n as usize % clients.len()];
                sqlx::query::<Any>("INSERT INTO appointments (id, therapist_id, client_id, service_id, start_at, end_at, status, override_reason, created_by, created_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, 'completed', NULL, 'seed', $7, NULL)")
                    .bind(&id).bind(t).bind(client).bind(&services[0]).bind(start).bind(start + 3600).bind(start - 86_400)
                    .execute(&mut *tx).await.unwrap();
                for cell in kneadtime_store::cells(start, start + 3600 + 900) {
                    sqlx::query::<Any>("INSERT INTO appointment_cells (therapist_id, cell_start, appointment_id) VALUES ($1, $2, $3)")
                        .bind(t).bind(cell).bind(&id).execute(&mut *tx).await.unwrap();
                }
                n += 1;
            }
        }
    }
    tx.commit().await.unwrap();
    // A year of bookings arrived in one transaction here, not over a year: the planner's
    // statistics are brought up to date as a database that grew to this size has them
    // (PostgreSQL's autovacuum would do it a minute or so into the run, mid-phase).
    sqlx::query::<Any>("ANALYZE").execute(&mut c).await.unwrap();
    eprintln!("seeded {n} past appointments");
    World {
        base: base.to_string(),
        owner,
        therapists,
        services,
        clients,
        feeds,
    }
}

/// A start in the coming three weeks on a working day, on the quarter hour.
fn future_start(seed: &mut u64, tz: &TimeZone) -> String {
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    loop {
        let d = today
            .checked_add(jiff::Span::new().days(1 + (rand(seed) % 21) as i64))
            .unwrap();
        if d.weekday() == jiff::civil::Weekday::Sunday {
            continue;
        }
        let q = rand(seed) % 44; // 08:00 … 18:45
        return format!("{d}T{:02}:{:02}", 8 + q / 4, (q % 4) * 15);
    }
}

/// Operations, by index: slot search, book, cancel, feed read, season plan.
const OPS: [&str; 5] = ["slot search", "book", "cancel", "feed", "plan"];

/// One operation of kind `op` by a random client; its status.
async fn one(
    w: &World,
    http: &reqwest::Client,
    op: usize,
    seed: &mut u64,
    mine: &Mutex<Vec<String>>,
    key: String,
) -> u16 {
    let tz = TimeZone::get("Europe/London").unwrap();
    let client = &w.clients[rand(seed) as usize % w.clients.len()];
    match op {
        0 => {
            let svc = &w.services[rand(seed) as usize % w.services.len()];
            call(
                http,
                reqwest::Method::GET,
                &format!("{}/api/clients/{client}/slots?service_id={svc}", w.base),
                &w.owner,
                None,
                None,
            )
            .await
            .0
        }
        1 => {
            let t = &w.therapists[rand(seed) as usize % w.therapists.len()];
            let body = json!({ "client_id": client, "service_id": w.services[0], "therapist_id": t, "start": future_start(seed, &tz) });
            let (s, v) = call(
                http,
                reqwest::Method::POST,
                &format!("{}/api/appointments", w.base),
                &w.owner,
                Some(&body),
                Some(&key),
            )
            .await;
            if s == 201 {
                mine.lock()
                    .await
                    .push(v["id"].as_str().unwrap_or_default().to_string());
            }
            s
        }
        2 => {
            let id = {
                let mut m = mine.lock().await;
                if m.is_empty() {
                    return 0;
                }
                let i = rand(seed) as usize % m.len();
                m.swap_remove(i)
            };
            call(
                http,
                reqwest::Method::POST,
                &format!("{}/api/appointments/{id}/cancel", w.base),
                &w.owner,
                None,
                None,
            )
            .await
            .0
        }
        3 => {
            let url = &w.feeds[rand(seed) as usize % w.feeds.len()];
            http.get(url)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
        _ => {
            call(
                http,
                reqwest::Method::GET,
                &format!("{}/api/clients/{client}/plan", w.base),
                &w.owner,
                None,
                None,
            )
            .await
            .0
        }
    }
}

/// An open-loop phase: requests offered at `rate` a second for `seconds`, each of a kind
/// drawn from `mix`, whatever the answers; each latency counted from when it was due.
async fn open_loop(
    w: &Arc<World>,
    rate: f64,
    seconds: f64,
    mix: [u64; 5],
) -> (Vec<Stats>, f64, usize) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let mine = Arc::new(Mutex::new(Vec::<String>::new()));
    let total: u64 = mix.iter().sum();
    let n = (rate * seconds) as usize;
    let started = tokio::time::Instant::now();
    let mut seed = 0x0123_4567_89AB_CDEFu64;
    let mut tasks = Vec::with_capacity(n);
    for k in 0..n {
        let due = started + std::time::Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(due).await;
        let mut pick = rand(&mut seed) % total;
        let mut op = 0;
        while pick >= mix[op] {
            pick -= mix[op];
            op += 1;
        }
        let (w, http, mine) = (w.clone(), http.clone(), mine.clone());
        let mut s = rand(&mut seed) | 1;
        tasks.push(tokio::spawn(async move {
            let status = one(&w, &http, op, &mut s, &mine, format!("open-{k}")).await;
            (op, due.elapsed().as_micros() as u32, status)
        }));
    }
    let mut stats: Vec<Stats> = OPS.iter().map(|n| Stats::new(n)).collect();
    let mut late = 0;
    for t in tasks {
        let Ok((op, us, status)) = t.await else {
            continue;
        };
        // A cancel with nothing of its own to cancel did not happen.
        if status == 0 && op == 2 {
            continue;
        }
        if us > 1_000_000 {
            late += 1;
        }
        stats[op].lat_us.push(us);
        *stats[op].codes.entry(status).or_default() += 1;
    }
    (stats, started.elapsed().as_secs_f64(), late)
}

/// `clients` concurrent clients for `seconds`, each doing `mix` (weights for search,
/// book, cancel, feed).
async fn run(w: &Arc<World>, clients: usize, seconds: f64, mix: [u64; 4]) -> (Vec<Stats>, f64) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let stats = Arc::new(Mutex::new(vec![
        Stats::new("slot search"),
        Stats::new("book"),
        Stats::new("cancel"),
        Stats::new("feed"),
    ]));
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (w, http, stats, counter) = (w.clone(), http.clone(), stats.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let tz = TimeZone::get("Europe/London").unwrap();
            let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (c as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
            let mut mine: Vec<String> = Vec::new();
            let total: u64 = mix.iter().sum();
            let mut local: Vec<(usize, u32, u16)> = Vec::new();
            while started.elapsed().as_secs_f64() < seconds {
                let mut pick = rand(&mut seed) % total;
                let mut op = 0;
                while pick >= mix[op] {
                    pick -= mix[op];
                    op += 1;
                }
                if op == 2 && mine.is_empty() {
                    op = 1;
                }
                let client = &w.clients[rand(&mut seed) as usize % w.clients.len()];
                let t0 = Instant::now();
                let status = match op {
                    0 => {
                        let svc = &w.services[rand(&mut seed) as usize % w.services.len()];
                        call(&http, reqwest::Method::GET, &format!("{}/api/clients/{client}/slots?service_id={svc}", w.base), &w.owner, None, None).await.0
                    }
                    1 => {
                        let t = &w.therapists[rand(&mut seed) as usize % w.therapists.len()];
                        let key = format!("load-{c}-{}", counter.fetch_add(1, Ordering::Relaxed));
                        let body = json!({ "client_id": client, "service_id": w.services[0], "therapist_id": t, "start": future_start(&mut seed, &tz) });
                        let (s, v) = call(&http, reqwest::Method::POST, &format!("{}/api/appointments", w.base), &w.owner, Some(&body), Some(&key)).await;
                        if s == 201 {
                            mine.push(v["id"].as_str().unwrap_or_default().to_string());
                        }
                        s
                    }
                    2 => {
                        let id = mine.swap_remove(rand(&mut seed) as usize % mine.len());
                        call(&http, reqwest::Method::POST, &format!("{}/api/appointments/{id}/cancel", w.base), &w.owner, None, None).await.0
                    }
                    _ => {
                        let url = &w.feeds[rand(&mut seed) as usize % w.feeds.len()];
                        http.get(url).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
                    }
                };
                local.push((op, t0.elapsed().as_micros() as u32, status));
            }
            let mut s = stats.lock().await;
            for (op, us, status) in local {
                s[op].lat_us.push(us);
                *s[op].codes.entry(status).or_default() += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let s = Arc::try_unwrap(stats).ok().unwrap().into_inner();
    (s, secs)
}

#[tokio::main]
async fn main() {
    tracing::subscriber::set_global_default(CountStatements).expect("the only subscriber");
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let seconds: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20.0);
    let dir = tempfile::tempdir().unwrap();
    let db = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("clinic.db").display()));
    let backend = if db.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let raw = raw_sqlite_inserts(dir.path(), seconds.min(10.0)).await;
    let mut config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        db: db.clone(),
        log_requests: false,
        ..Config::default()
    };
    // Every request comes from this one address: its cap is the machine's here.
    config.limits.max_connections_per_address = config.limits.max_connections;
    let running = start(config, false).await.expect("server");
    let setup = running.setup_token.clone().expect("a fresh database");
    let w = Arc::new(seed(&running.base_url, &setup, &db).await);

    println!(
        "## {backend}: {THERAPISTS} therapists, {CLIENTS} clients, a year of bookings; {clients} concurrent clients, {seconds:.0} s per phase\n"
    );
    println!(
        "Raw single-row transactional inserts into SQLite (WAL, synchronous=FULL), one connection: **{raw:.0}/s**\n"
    );
    println!(
        "| phase / operation | requests | throughput | p50 | p99 | statuses |\n|---|---|---|---|---|---|"
    );
    let (mut s, secs) = run(&w, 1, seconds / 2.0, [1, 0, 0, 0]).await;
    println!(
        "{}",
        s[0].line(secs)
            .replacen("slot search", "slot search, 1 client", 1)
    );
    let (mut s, secs) = run(&w, 16, seconds / 2.0, [1, 0, 0, 0]).await;
    println!(
        "{}",
        s[0].line(secs)
            .replacen("slot search", "slot search, 16 clients", 1)
    );
    let before = STATEMENTS.load(Ordering::Relaxed);
    let (mut s, secs) = run(&w, clients, seconds, [0, 1, 0, 0]).await;
    let statements = STATEMENTS.load(Ordering::Relaxed) - before;
    let asked = s[1].lat_us.len().max(1) as f64;
    let confirmed = s[1].codes.get(&201).copied().unwrap_or(0);
    let booked = confirmed as f64 / secs;
    println!(
        "{}",
        s[1].line(secs)
            .replacen("book", &format!("book only, {clients} clients"), 1)
    );
    let (mut s, secs) = run(&w, clients, seconds, [5, 2, 1, 2]).await;
    for st in s.iter_mut() {
        println!(
            "{}",
            st.line(secs)
                .replacen('|', &format!("| mix, {clients} clients:"), 1)
        );
    }
    let rate = 300.0;
    let (mut s, secs, late) = open_loop(&w, rate, seconds, [50, 20, 10, 10, 10]).await;
    for st in s.iter_mut() {
        println!(
            "{}",
            st.line(secs).replacen(
                '|',
                &format!("| open loop, {rate:.0} requests/s offered:"),
                1
            )
        );
    }
    println!(
        "\nBookings confirmed per second (book-only phase): **{booked:.0}/s** = {:.0}% of the raw insert limit",
        100.0 * booked / raw
    );
    println!(
        "SQL statements in the book-only phase: {statements}, **{:.1} per booking asked** ({:.1} per booking confirmed; a 409 also looks for the nearest good times)",
        statements as f64 / asked,
        statements as f64 / confirmed.max(1) as f64
    );
    println!("Open loop: {late} requests answered more than a second after they were due");
    running.shutdown().await.unwrap();
}
