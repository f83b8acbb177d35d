//! The server under hostile input: dates at the ends of the calendar, idle and trickling
//! connections, a request that runs past its deadline, a gzip bomb. Each case is bounded
//! (every client call has a timeout), so a regression fails the test instead of hanging.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// No answer the server owes should take anywhere near this long.
const BOUND: Duration = Duration::from_secs(30);

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {BOUND:?}"))
}

/// A multipart body for POST /plan with one file.
fn plan_upload(filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kneadtimeboundary7d1f";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_plan(srv: &Srv, filename: &str, content: &[u8]) -> (u16, String) {
    let (ct, body) = plan_upload(filename, content);
    let res = bounded(
        "POST /plan",
        srv.http
            .post(format!("{}/plan", srv.base))
            .header("content-type", ct)
            .body(body)
            .send(),
    )
    .await
    .expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_at_the_ends_of_the_calendar_are_refused_by_name() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;

        let (status, page) = post_plan(
            &srv,
            "far.csv",
            b"date,title\n2027-01-05,Easy run\n9999-12-30,Race: Marathon\n",
        )
        .await;
        assert_eq!(status, 400, "{page}");
        assert!(
            page.contains("far.csv:3")
                && page.contains("expected a date between 1900-01-01 and 2199-12-31"),
            "{page}"
        );

        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:99991230\r\nSUMMARY:Marathon\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (status, page) = post_plan(&srv, "far.ics", ics.as_bytes()).await;
        assert_eq!(status, 400, "{page}");
        assert!(
            page.contains("expected dates between 1900-01-01 and 2199-12-31"),
            "{page}"
        );

        let path = format!("/api/clients/{}/slots?from=9999-12-31", w.a);
        let (s, v) = bounded(
            "slot search",
            srv.call(Method::GET, &path, Some(&srv.owner), None),
        )
        .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("from")),
            "{v}"
        );

        let race = json!({ "date": "9999-12-31", "distance": "marathon" });
        let (s, v) = bounded(
            "race",
            srv.call(
                Method::POST,
                &format!("/api/clients/{}/races", w.a),
                Some(&srv.owner),
                Some(race),
            ),
        )
        .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("date")),
            "{v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("2199-12-31"),
            "{v}"
        );

        let late = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": "9999-12-30T10:00" });
        let (s, v) = bounded(
            "booking",
            srv.call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(late),
            ),
        )
        .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("start")),
            "{v}"
        );

        // The last accepted days still plan and search, and answer.
        let (s, v) = bounded(
            "race",
            srv.call(
                Method::POST,
                &format!("/api/clients/{}/races", w.a),
                Some(&srv.owner),
                Some(json!({ "date": "2199-12-31", "distance": "half" })),
            ),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = bounded(
            "plan",
            srv.call(
                Method::GET,
                &format!("/api/clients/{}/plan", w.a),
                Some(&srv.owner),
                None,
            ),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = bounded(
            "slots",
            srv.call(
                Method::GET,
                &format!("/api/clients/{}/slots?from=2199-12-20&days=12", w.a),
                Some(&srv.owner),
                None,
            ),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        srv.stop().await;
    }
}

/// A TCP connection to the server from a loopback address of the test's choosing.
async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    sock.connect(to).await
}

/// True when the server closed (or refused) the connection: EOF, a reset, or an answer
/// followed by EOF.
async fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_trickling_connections_do_not_end_service() {
    let srv = Srv::start_with("sqlite", "Europe/London", |c| {
        c.limits.max_connections = 120;
        c.limits.max_connections_per_address = 40;
        c.limits.header_timeout_secs = 2;
        c.limits.idle_timeout_secs = 3;
    })
    .await;
    let w = world(&srv, "Europe/London").await;
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();

    // 160 idle connections from four addresses: more than the server holds in all.
    let mut idle = Vec::new();
    for host in 2..=5u8 {
        for _ in 0..40 {
            idle.push(
                connect_from(Ipv4Addr::new(127, 0, 0, host), addr)
                    .await
                    .expect("connect"),
            );
        }
    }
    // An address past its share is turned away at once.
    let mut extra = connect_from(Ipv4Addr::new(127, 0, 0, 2), addr)
        .await
        .expect("connect");
    assert!(
        closed_by_server(&mut extra, Duration::from_secs(5)).await,
        "the 41st connection from one address was kept"
    );

    // Twenty that trickle a request's headers a byte at a time.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut s = connect_from(Ipv4Addr::new(127, 0, 0, 6), addr)
            .await
            .expect("connect");
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    let trickle = tokio::spawn(async move {
        for _ in 0..4 {
            for s in slow.iter_mut() {
                let _ = s.write_all(b"X").await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        slow
    });

    // Service goes on: health, a slot search and a booking answer from another address.
    let (s, v) = bounded("health", srv.call(Method::GET, "/api/health", None, None)).await;
    assert_eq!(s, 200, "{v}");
    let day = add_days(w.race, -20);
    let body = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T11:00") });
    let (s, v) = bounded(
        "booking",
        srv.call(
            Method::POST,
            "/api/appointments",
            Some(&srv.owner),
            Some(body),
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");

    // The trickling ones are cut off by the header timeout, the idle ones by the idle
    // timeout (or to make room).
    let mut slow = trickle.await.unwrap();
    for s in slow.iter_mut() {
        assert!(
            closed_by_server(s, Duration::from_secs(10)).await,
            "a trickling connection was kept open"
        );
    }
    for s in idle.iter_mut() {
        assert!(
            closed_by_server(s, Duration::from_secs(10)).await,
            "an idle connection was kept open"
        );
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_answers_503_and_the_server_stops_anyway() {
    let srv = Srv::start_with("sqlite", "Europe/London", |c| {
        c.limits.request_timeout_secs = 2;
        c.limits.shutdown_grace_secs = 2;
    })
    .await;
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();
    // A body that is promised and never comes.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = bounded("deadline", s.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"timeout\""), "{answer}");

    // A stop with a connection open mid-request still ends within the grace period.
    let mut hanging = TcpStream::connect(addr).await.unwrap();
    hanging
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n")
        .await
        .unwrap();
    bounded("shutdown", srv.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_refused_without_inflating_it() {
    use std::io::Write;
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    // About 1 MB of gzip that inflates to 1 GiB of zeros.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 4 << 20, "the bomb fits the body limit");

    let url = format!(
        "{}/api/clients/{}/activities?filename=run.gpx.gz",
        srv.base, w.a
    );
    let res = bounded(
        "upload",
        srv.http
            .post(url)
            .bearer_auth(&srv.owner)
            .body(bomb.clone())
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inflates to more than 32 MiB"),
        "{v}"
    );

    let (status, page) = post_plan(&srv, "run.gpx.gz", &bomb).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("inflates to more than 32 MiB"), "{page}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_without_staff_has_limits() {
    for backend in backends() {
        let srv = Srv::start_with(backend, "Europe/London", |c| {
            c.limits.bookings_per_hour_per_client = 4;
            c.limits.new_clients_per_hour = 2;
        })
        .await;
        let w = world(&srv, "Europe/London").await;
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/clinic",
                Some(&srv.owner),
                Some(json!({ "max_open_bookings": 2 })),
            )
            .await;
        assert_eq!((s, v["max_open_bookings"].as_i64()), (200, Some(2)), "{v}");
        let today = today_in("Europe/London");
        let at = |days: i64, time: &str| json!({ "service_id": w.sports, "therapist_id": w.t1, "start": format!("{}T{time}", add_days(today, days)) });

        // Times sit on the 5-minute grid.
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.b_token),
                Some(at(3, "10:02")),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("start")),
            "{v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("5-minute grid"),
            "{v}"
        );
        // Nobody books past the horizon.
        let far = json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t1, "start": "2099-06-01T10:00" });
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(far),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("beyond_horizon")),
            "{v}"
        );

        // A client holds at most the clinic's number of upcoming bookings…
        let first = srv
            .post("/api/appointments", &w.b_token, at(3, "10:00"))
            .await;
        srv.post("/api/appointments", &w.b_token, at(4, "10:00"))
            .await;
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.b_token),
                Some(at(5, "10:00")),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("too_many_open")),
            "{backend}: {v}"
        );
        // …and makes a few bookings an hour.
        srv.post(
            &format!("/api/appointments/{}/cancel", first["id"].as_str().unwrap()),
            &w.b_token,
            json!(null),
        )
        .await;
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.b_token),
                Some(at(6, "10:00")),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (429, Some("too_many_bookings")),
            "{backend}: {v}"
        );
        // Staff book past both.
        let mut staff = at(7, "11:00");
        staff["client_id"] = json!(w.b);
        srv.post("/api/appointments", &srv.owner, staff).await;

        // One address starts only a few new client records an hour.
        let http = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut codes = Vec::new();
        for i in 0..3 {
            let res = http
                .post(format!("{}/book/start", srv.base))
                .form(&[
                    ("service_id", w.sports.as_str()),
                    ("name", &format!("Visitor {i}")),
                    ("email", &format!("v{i}@example.org")),
                ])
                .send()
                .await
                .unwrap();
            codes.push(res.status().as_u16());
        }
        assert_eq!(codes, [303, 303, 429], "{backend}");
        let clients = srv.get("/api/clients", &srv.owner).await;
        assert_eq!(
            clients
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["name"].as_str().unwrap().starts_with("Visitor"))
                .count(),
            2
        );
        srv.stop().await;
    }
}

/// Dates across the whole accepted calendar, the edges included, on the plan page and in
/// slot search: every one gets its answer within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_page_and_slot_search_answer_for_every_accepted_date() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let lo = jiff::civil::date(1900, 1, 1);
    let span = lo
        .until(jiff::civil::date(2199, 12, 31))
        .unwrap()
        .get_days() as i64;
    let mut dates: Vec<jiff::civil::Date> = [0, 1, 2, span - 2, span - 1, span]
        .iter()
        .map(|k| add_days(lo, *k))
        .collect();
    // And a spread between, the same every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..10 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        dates.push(add_days(lo, (x % span as u64) as i64));
    }
    for d in dates {
        let csv = format!(
            "date,title,duration_min,distance_km,kind\n{},Long run 30 km,,30,\n{},Intervals 6x800,60,,\n{d},City Marathon,,42.2,race\n",
            add_days(d, -3).max(lo),
            add_days(d, -2).max(lo)
        );
        let (status, page) = post_plan(&srv, "season.csv", csv.as_bytes()).await;
        assert_eq!(status, 200, "{d}: {}", &page[..page.len().min(400)]);
        let path = format!(
            "/api/clients/{}/slots?from={d}&days=14&service_id={}",
            w.a, w.sports
        );
        let (s, v) = bounded(
            "slots",
            srv.call(Method::GET, &path, Some(&srv.owner), None),
        )
        .await;
        assert_eq!(s, 200, "{d}: {v}");
    }
    srv.stop().await;
}

/// An upload over the size limit is answered 413 even when the client sends all of it
/// before reading the answer (as simple clients do): the connection is not reset under
/// it, losing the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_a_whole_oversized_upload_still_reads_the_refusal() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();
    let uploads = [
        (
            format!("/api/clients/{}/activities?filename=huge.fit", w.b),
            "application/octet-stream",
        ),
        ("/api/clients".to_string(), "application/json"),
    ];
    // A reset is a race the client usually wins once: each upload is tried a few times.
    for (path, kind) in uploads.iter().cycle().take(8) {
        let size = 6 * 1024 * 1024;
        let mut s = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: {kind}\r\nContent-Length: {size}\r\n\r\n",
            w.b_token
        );
        let sent = bounded("upload", async {
            s.write_all(head.as_bytes()).await?;
            s.write_all(&vec![b' '; size]).await
        })
        .await;
        assert!(sent.is_ok(), "{path}: the upload was cut off: {sent:?}");
        let mut answer = Vec::new();
        let read = bounded("answer", s.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(read.is_ok(), "{path}: {read:?} after {answer}");
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(
            answer.contains("\"code\":\"too_large\""),
            "{path}: {answer}"
        );
    }
}
