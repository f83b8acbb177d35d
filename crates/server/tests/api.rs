//! Black-box API tests: a real server on port 0 with a fresh database each, driven over
//! HTTP the way a clinic's front desk or a runner's app would.

mod common;

use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

/// Posts every booking at once, each from its own task (with an Idempotency-Key of its
/// own when `keyed`), and returns each answer's status and body.
async fn race_bookings(srv: &Srv, bodies: Vec<Value>, keyed: bool) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let http = srv.http.clone();
            let url = format!("{}/api/appointments", srv.base);
            let token = srv.owner.clone();
            tokio::spawn(async move {
                let mut req = http.post(url).bearer_auth(token).json(&body);
                if keyed {
                    req = req.header("Idempotency-Key", format!("racer-{i}"));
                }
                let res = req.send().await.unwrap();
                let s = res.status().as_u16();
                (s, res.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn slots(v: &Value) -> &Vec<Value> {
    v["slots"].as_array().expect("slots")
}

/// The whole "done when": set up, register a runner with their plan, find the best
/// post-marathon slot, book it, record notes, subscribe to the feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_day_from_setup_to_feed() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();

        // The best post-marathon slots: none on the day after, the recovery window first.
        let from = add_days(w.race, 1);
        let v = srv
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={from}&days=6",
                    w.a, w.post
                ),
                &o,
            )
            .await;
        let list = slots(&v);
        assert!(!list.is_empty(), "{v}");
        assert!(
            list.iter().all(|s| s["date"] != json!(from.to_string())),
            "the day after a marathon is never offered"
        );
        let top = &list[0];
        assert!(top["allowed"].as_bool().unwrap());
        assert!(
            top["reasons"][0]
                .as_str()
                .unwrap()
                .contains("after Test City Marathon"),
            "{top}"
        );
        let scores: Vec<u64> = list.iter().map(|s| s["score"].as_u64().unwrap()).collect();
        assert!(
            scores.windows(2).all(|p| p[0] >= p[1]),
            "best first: {scores:?}"
        );

        // Book it, twice with one key: one appointment.
        let body = json!({ "client_id": w.a, "service_id": w.post, "therapist_id": top["therapist_id"], "start": top["start"] });
        let book = |key: &'static str, body: Value| {
            let srv = &srv;
            let o = o.clone();
            async move {
                let res = srv
                    .http
                    .post(format!("{}/api/appointments", srv.base))
                    .bearer_auth(o)
                    .header("Idempotency-Key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let s = res.status().as_u16();
                (s, res.json::<Value>().await.unwrap())
            }
        };
        let (s1, a1) = book("key-1", body.clone()).await;
        assert_eq!(s1, 201, "{a1}");
        let (s2, a2) = book("key-1", body.clone()).await;
        assert_eq!(s2, 201);
        assert_eq!(a1["id"], a2["id"], "the same key books once");
        let mut other = body.clone();
        other["start"] = list.iter().find(|s| s["start"] != top["start"]).unwrap()["start"].clone();
        let (s3, e3) = book("key-1", other).await;
        assert_eq!(s3, 422);
        assert_eq!(e3["error"]["code"], "idempotency_key_reused");
        let appt = a1["id"].as_str().unwrap().to_string();
        assert_eq!(a1["status"], "booked");
        assert!(a1["fit"]["score"].as_u64().unwrap() > 0);

        // The slot is gone from the search now.
        let v2 = srv
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={from}&days=6&limit=500",
                    w.a, w.post
                ),
                &o,
            )
            .await;
        assert!(
            !slots(&v2)
                .iter()
                .any(|s| s["start"] == top["start"] && s["therapist_id"] == top["therapist_id"])
        );

        // Notes by the appointment's therapist, then the patterns.
        let t_token = if top["therapist_id"] == json!(w.t1) {
            &w.t1_token
        } else {
            &w.t2_token
        };
        let note = srv
            .post(&format!("/api/appointments/{appt}/notes"), t_token, json!({
                "findings": [{ "region": "Calves", "tightness": 3 }, { "region": "quads", "tightness": 2, "note": "left worse" }],
                "pressure_used": "light", "techniques": ["flushing", "effleurage"], "homework_given": "calf stretch twice a day"
            }))
            .await;
        assert_eq!(note["findings"][0]["region"], "calves");
        let notes = srv.get(&format!("/api/clients/{}/notes", w.a), &o).await;
        assert_eq!(notes.as_array().unwrap().len(), 1);
        assert_eq!(notes[0]["homework_given"], "calf stretch twice a day");
        let p = srv
            .get(&format!("/api/clients/{}/patterns", w.a), &w.a_token)
            .await;
        assert_eq!(p["sessions"], 1);
        assert_eq!(p["homework"]["given"], 1);
        assert!(
            p["regions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["region"] == "calves" && r["latest"] == 3)
        );

        // The client's feed carries the appointment.
        let feed = srv
            .post(&format!("/api/clients/{}/feed", w.a), &w.a_token, json!({}))
            .await;
        let url = feed["feed_url"].as_str().unwrap();
        let res = srv.http.get(url).send().await.unwrap();
        assert_eq!(
            res.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let ics = res.text().await.unwrap();
        assert!(ics.contains(&format!("UID:{appt}@kneadtime")), "{ics}");
        let parsed = kneadtime_import::parse_ics(&ics, "feed.ics", None)
            .expect("our own parser reads the feed");
        assert_eq!(parsed.entries.len(), 1);

        // Cancel: the feed keeps it as cancelled, the slot is free again.
        let (s, c) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{appt}/cancel"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(c["status"], "cancelled");
        let ics = srv
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(ics.contains("STATUS:CANCELLED"));
        srv.stop().await;
    }
}

/// Time held across midnight counts on both days: a buffer that runs past midnight
/// keeps the next day's first slots, and a booking just after midnight keeps the evening
/// slots whose buffer would reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_held_across_midnight_is_busy_on_both_days() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let all_day: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "00:00", "end": "24:00" }))
            .collect();
        let (s, h) = srv
            .call(
                Method::PUT,
                &format!("/api/therapists/{}/hours", w.t1),
                Some(&o),
                Some(json!(all_day)),
            )
            .await;
        assert_eq!(s, 200, "{h}");
        let mut clients = Vec::new();
        for name in ["Cy Walker", "Di Walker", "Ed Walker"] {
            let c = srv.post("/api/clients", &o, json!({ "name": name })).await;
            clients.push(c["client"]["id"].as_str().unwrap().to_string());
        }
        // Sixty minutes and a fifteen-minute buffer.
        let day = add_days(common::today_in("Europe/London"), 10);
        let times = |client: String, date: jiff::civil::Date| {
            let srv = &srv;
            let (o, t1, sports) = (o.clone(), w.t1.clone(), w.sports.clone());
            async move {
                let v = srv
                    .get(
                        &format!(
                            "/api/clients/{client}/slots?service_id={sports}&therapist_id={t1}&from={date}&days=1&limit=500"
                        ),
                        &o,
                    )
                    .await;
                slots(&v)
                    .iter()
                    .map(|s| {
                        (
                            s["local_time"].as_str().unwrap().to_string(),
                            s["start"].clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        // Books `client` with the therapist at local time `at` on `date`, offered first.
        let book = |client: String, date: jiff::civil::Date, at: &'static str| {
            let (srv, o, sports, t1) = (&srv, o.clone(), w.sports.clone(), w.t1.clone());
            let offered = times(client.clone(), date);
            async move {
                let list = offered.await;
                let start = &list.iter().find(|(t, _)| t == at).expect("offered").1;
                let body = json!({ "client_id": client, "service_id": sports, "therapist_id": t1, "start": start });
                let (s, b) = srv
                    .call(Method::POST, "/api/appointments", Some(&o), Some(body))
                    .await;
                assert_eq!(s, 201, "{b}");
            }
        };
        // 23:00 to midnight, held until 00:15 by the buffer.
        book(clients[0].clone(), day, "23:00").await;
        let next = add_days(day, 1);
        let morning = times(clients[1].clone(), next).await;
        let at = |list: &Vec<(String, Value)>, t: &str| list.iter().any(|(x, _)| x == t);
        assert!(
            !at(&morning, "00:00"),
            "the buffer from the evening before holds 00:00"
        );
        assert!(at(&morning, "00:15"), "{morning:?}");
        // 00:00 the day after `next`: the 23:00 slot on `next` would run its buffer into it.
        book(clients[2].clone(), add_days(next, 1), "00:00").await;
        let evening = times(clients[1].clone(), next).await;
        assert!(
            !at(&evening, "23:00"),
            "its buffer would reach the booking at midnight"
        );
        assert!(at(&evening, "22:45"), "{evening:?}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_eve_is_refused_with_better_slots_and_staff_may_override() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let eve = add_days(w.race, -1);
        let body = json!({ "client_id": w.a, "service_id": w.pre, "therapist_id": w.t1, "start": format!("{eve}T10:00") });
        let (s, e) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(e["error"]["code"], "rule_broken");
        assert_eq!(e["error"]["details"]["rule"], "race-eve");
        let nearest = e["error"]["details"]["nearest"].as_array().unwrap();
        assert!(!nearest.is_empty());
        assert!(
            nearest
                .iter()
                .all(|n| n["allowed"] == json!(true) && n["date"] != json!(eve.to_string()))
        );

        // The client cannot override; staff can, and the reason is kept.
        let mut mine = body.clone();
        mine.as_object_mut().unwrap().remove("client_id");
        mine["override_reason"] = json!("I insist");
        let (s, e) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.a_token),
                Some(mine),
            )
            .await;
        assert_eq!(s, 403, "{e}");
        let mut over = body.clone();
        over["override_reason"] =
            json!("Runner asked for a 15-minute light flush only; agreed with their coach");
        let (s, a) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(over),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        assert!(a["override_reason"].as_str().unwrap().contains("coach"));

        // The day after the marathon is refused too (post-race-too-soon).
        let after = add_days(w.race, 1);
        let body = json!({ "client_id": w.a, "service_id": w.post, "therapist_id": w.t2, "start": format!("{after}T12:00") });
        let (s, e) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(body),
            )
            .await;
        assert_eq!(s, 422);
        assert_eq!(e["error"]["details"]["rule"], "post-race-too-soon");
        srv.stop().await;
    }
}

/// 200 clients race for one slot: exactly one booking, 199 clean 409s, nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_racers_one_winner() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let day = add_days(w.race, -20);
        let start = format!("{day}T11:00");
        let bodies = (0..200)
            .map(|i| json!({ "client_id": if i % 2 == 0 { &w.a } else { &w.b }, "service_id": w.sports, "therapist_id": w.t1, "start": start }))
            .collect();
        let mut won = 0;
        let mut lost = 0;
        for (s, v) in race_bookings(&srv, bodies, true).await {
            match s {
                201 => won += 1,
                409 => {
                    assert_eq!(v["error"]["code"], "slot_taken", "{v}");
                    lost += 1;
                }
                other => panic!("unexpected {other}: {v}"),
            }
        }
        assert_eq!((won, lost), (1, 199));
        let list = srv
            .get(
                &format!("/api/appointments?from={day}&to={day}"),
                &srv.owner,
            )
            .await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clean_4xx_in_one_shape() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    // A fresh connection per request: after refusing an oversized body the server closes
    // the connection without reading the rest, so it must not be reused.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let raw = |method: Method, path: &str, ctype: Option<&str>, body: Vec<u8>| {
        let mut rb = fresh
            .request(method, format!("{}{path}", srv.base))
            .bearer_auth(&o)
            .body(body);
        if let Some(c) = ctype {
            rb = rb.header("content-type", c);
        }
        async move {
            let r = rb.send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.expect("every error is JSON"))
        }
    };
    let json_ct = Some("application/json");
    let cases: Vec<(u16, &str, (u16, Value))> = vec![
        (400, "invalid_json", raw(Method::POST, "/api/services", json_ct, b"{not json".to_vec()).await),
        (400, "invalid_json", raw(Method::POST, "/api/services", json_ct, vec![0xff, 0xfe, b'{']).await),
        (415, "unsupported_media_type", raw(Method::POST, "/api/services", None, b"{}".to_vec()).await),
        (422, "invalid_body", raw(Method::POST, "/api/services", json_ct, br#"{"name": 5}"#.to_vec()).await),
        (422, "invalid_body", raw(Method::POST, "/api/services", json_ct, br#"{"name":"x","kind":"maintenance","length_min":60,"price_cents":1,"pressure_min":"light","pressure_max":"deep","colour":"red"}"#.to_vec()).await),
        (413, "too_large", raw(Method::POST, "/api/clients", json_ct, vec![b' '; 5 * 1024 * 1024]).await),
        (404, "not_found", raw(Method::GET, "/api/nothing-here", None, vec![]).await),
        (404, "not_found", raw(Method::GET, "/api/clients/%2e%2e%2f%2e%2e%2fetc%2fpasswd", None, vec![]).await),
        (405, "method_not_allowed", raw(Method::DELETE, "/api/clinic", None, vec![]).await),
        (400, "bad_request", raw(Method::GET, &format!("/api/clients/{}/slots?from=2027-02-30", w.a), None, vec![]).await),
        (400, "bad_request", raw(Method::GET, &format!("/api/clients/{}/slots?days=9999", w.a), None, vec![]).await),
        (400, "bad_request", raw(Method::GET, &format!("/api/clients/{}/slots?days=many", w.a), None, vec![]).await),
        (404, "not_found", raw(Method::GET, "/feeds/..%2F..%2Fetc%2Fpasswd.ics", None, vec![]).await),
    ];
    for (want, code, (got, body)) in cases {
        assert_eq!(got, want, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(body["error"]["status"], want);
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // Field-level messages name the field.
    let (s, e) = srv
        .call(Method::POST, "/api/appointments", Some(&o), Some(json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": "next tuesday" })))
        .await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["field"], "start");
    let (s, e) = srv
        .call(
            Method::PUT,
            &format!("/api/therapists/{}/hours", w.t1),
            Some(&o),
            Some(json!([{ "day": "mon", "start": "9am", "end": "17:00" }])),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["field"], "hours[0].start");
    let (s, e) = srv
        .call(Method::POST, &format!("/api/clients/{}/calendars", w.a), Some(&o), Some(json!({ "filename": "plan.ics", "content": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027XXXX\r\n" })))
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("plan.ics"),
        "{e}"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_and_sessions_end() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let (s, e) = srv
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": common::OWNER_EMAIL, "password": "wrong-wrong" })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (401, Some("wrong_credentials"))
    );
    let mut last = 0;
    for _ in 0..12 {
        last = srv
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({ "email": common::OWNER_EMAIL, "password": "wrong-wrong" })),
            )
            .await
            .0;
    }
    assert_eq!(last, 429);
    // The right password is refused too while the window lasts.
    let (s, _) = srv
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": common::OWNER_EMAIL, "password": common::OWNER_PASSWORD })),
        )
        .await;
    assert_eq!(s, 429);

    let (s, _) = srv
        .call(Method::POST, "/api/logout", Some(&srv.owner), None)
        .await;
    assert_eq!(s, 204);
    let (s, e) = srv
        .call(Method::GET, "/api/me", Some(&srv.owner), None)
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (401, Some("session_expired"))
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let login = srv
        .http
        .post(format!("{}/api/login", srv.base))
        .json(&json!({ "email": common::OWNER_EMAIL, "password": common::OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let body: Value = login.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap();
    let svc = json!({ "name": "Sports 60", "kind": "maintenance", "length_min": 60, "price_cents": 100, "pressure_min": "moderate", "pressure_max": "deep" });
    let post = |csrf: Option<&str>, origin: Option<&str>| {
        let mut rb = srv
            .http
            .post(format!("{}/api/services", srv.base))
            .header("cookie", &pair)
            .json(&svc);
        if let Some(c) = csrf {
            rb = rb.header("x-csrf-token", c);
        }
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        async move { rb.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(None, None).await, 403);
    assert_eq!(post(Some("forged"), None).await, 403);
    let host = srv.base.trim_start_matches("http://").to_string();
    assert_eq!(post(Some(csrf), Some("https://evil.example")).await, 403);
    assert_eq!(post(Some(csrf), Some(&format!("http://{host}"))).await, 201);
    // Reads need no token.
    let s = srv
        .http
        .get(format!("{}/api/me", srv.base))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 200);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_to_book_next_and_the_plan() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let v = srv
        .get(&format!("/api/clients/{}/slots?limit=5", w.a), &w.a_token)
        .await;
    assert!(
        v["suggested"]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    assert!(!slots(&v).is_empty());
    let plan = srv
        .get(&format!("/api/clients/{}/plan", w.a), &w.a_token)
        .await;
    let kinds: Vec<&str> = plan["plan"]["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"pre_event") && kinds.contains(&"post_event"),
        "{kinds:?}"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reschedule_moves_all_or_nothing() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let mk = |client: &str, t: &str| json!({ "client_id": client, "service_id": w.sports, "therapist_id": t, "start": format!("{day}T10:00") });
    let a = srv.post("/api/appointments", &o, mk(&w.a, &w.t1)).await;
    let b = srv
        .post("/api/appointments", &o, {
            let mut x = mk(&w.b, &w.t1);
            x["start"] = json!(format!("{day}T14:00"));
            x
        })
        .await;
    let id = a["id"].as_str().unwrap();
    // Onto B's time: refused, A unchanged.
    let (s, e) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(&o),
            Some(json!({ "start": format!("{day}T14:30") })),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    let still = srv.get(&format!("/api/appointments/{id}"), &o).await;
    assert_eq!(still["start"], a["start"]);
    // Fifteen minutes later overlaps only itself: fine.
    let (s, m) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(&w.a_token),
            Some(json!({ "start": format!("{day}T10:15") })),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert!(m["local_time"] == "10:15");
    let _ = b;
    // Outside working hours: refused with the reason.
    let (s, e) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(&o),
            Some(json!({ "start": format!("{day}T21:00") })),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["code"], "outside_hours");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_files_become_completed_sessions() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let realdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata");
    let upload = |name: &str, bytes: Vec<u8>| {
        let req = srv
            .http
            .post(format!(
                "{}/api/clients/{}/activities?filename={name}",
                srv.base, w.b
            ))
            .bearer_auth(&w.b_token)
            .header("content-type", "application/octet-stream")
            .body(bytes);
        async move {
            let r = req.send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap())
        }
    };
    let run = std::fs::read(realdata.join("fit_run_fenix2_hr.fit"))
        .expect("realdata beside the repository");
    let (s, v) = upload("fit_run_fenix2_hr.fit", run.clone()).await;
    assert_eq!(s, 201, "{v}");
    let session = &v["sessions"][0];
    assert_eq!(session["date"], "2015-08-15");
    assert!(session["load"].as_f64().unwrap() > 0.0, "{v}");
    assert_ne!(session["class"], "rest");
    // Uploading it again does not count it twice in the season.
    let (s, _) = upload("again.fit", run).await;
    assert_eq!(s, 201);
    let (s, plan) = srv
        .call(
            Method::GET,
            &format!("/api/clients/{}/plan", w.b),
            Some(&w.b_token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{plan}");

    let monitoring = std::fs::read(realdata.join("fit_monitoring_not_activity.fit")).unwrap();
    let (s, e) = upload("fit_monitoring_not_activity.fit", monitoring).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("not_an_activity")),
        "{e}"
    );
    // A huge upload is refused before it is read.
    let huge = srv
        .http
        .post(format!(
            "{}/api/clients/{}/activities?filename=huge.fit",
            srv.base, w.b
        ))
        .bearer_auth(&w.b_token)
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 6 * 1024 * 1024]);
    let r = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .execute(huge.build().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "too_large"
    );
    let (s, e) = upload("notes.doc", b"hello".to_vec()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("unsupported_file")),
        "{e}"
    );
    let (s, e) = upload(
        "broken.fit",
        vec![14, 16, 0, 0, 0, 0, 0, 0, b'.', b'F', b'I', b'T'],
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("broken.fit"),
        "{e}"
    );
    // Another client's history is not theirs to change.
    let (s, _) = srv
        .call(
            Method::POST,
            &format!("/api/clients/{}/activities?filename=x.fit", w.a),
            Some(&w.b_token),
            None,
        )
        .await;
    assert_eq!(s, 404);
    srv.stop().await;
}

/// A client is never in two rooms: racers booking one client with two therapists at one
/// time get one booking; an overlapping booking or reschedule is refused with the
/// nearest good slots; slot search offers neither the time nor a second massage that day.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_is_never_in_two_rooms() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let day = add_days(w.race, -20);
        let at = |t: &str, time: &str| json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": t, "start": format!("{day}T{time}") });
        let bodies = (0..40)
            .map(|i| at(if i % 2 == 0 { &w.t1 } else { &w.t2 }, "12:00"))
            .collect();
        let mut won = 0;
        for (s, v) in race_bookings(&srv, bodies, false).await {
            match s {
                201 => won += 1,
                409 => assert!(
                    v["error"]["code"] == "client_busy" || v["error"]["code"] == "slot_taken",
                    "{v}"
                ),
                other => panic!("{backend}: unexpected {other}: {v}"),
            }
        }
        assert_eq!(won, 1, "{backend}: one booking for one client at one time");
        let list = srv
            .get(
                &format!("/api/appointments?from={day}&to={day}"),
                &srv.owner,
            )
            .await;
        let booked = list.as_array().unwrap();
        assert_eq!(booked.len(), 1, "{backend}: {list}");
        let other = if booked[0]["therapist_id"] == json!(w.t1) {
            &w.t2
        } else {
            &w.t1
        };
        // Half an hour in, with the other therapist: still the same client, refused.
        let (s, e) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(at(other, "12:30")),
            )
            .await;
        assert_eq!(s, 409, "{backend}: {e}");
        assert_eq!(e["error"]["code"], "client_busy", "{e}");
        assert!(e["error"]["details"]["nearest"].is_array(), "{e}");
        // Slot search: nothing for this client on that day, with any therapist.
        let v = srv
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={day}&days=3&limit=500",
                    w.a, w.sports
                ),
                &srv.owner,
            )
            .await;
        let offered = slots(&v);
        assert!(!offered.is_empty(), "{v}");
        assert!(
            offered.iter().all(|s| s["date"] != json!(day.to_string())),
            "{backend}: a second massage offered on a day that has one"
        );
        // Another client at that time is fine; moving the client's own appointment
        // within itself is fine; moving a second one of theirs onto it is not.
        let (s, b) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&srv.owner),
                Some(json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": other, "start": format!("{day}T12:00") })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: another client at the same time");
        let b_id = b["id"].as_str().unwrap();
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{b_id}/cancel"),
                Some(&srv.owner),
                None,
            )
            .await;
        assert_eq!(s, 200);
        let next_day = add_days(day, 1);
        let second = srv
            .post(
                "/api/appointments",
                &srv.owner,
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": other, "start": format!("{next_day}T09:00") }),
            )
            .await;
        let id = second["id"].as_str().expect("booked the next day");
        let (s, e) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{id}/reschedule"),
                Some(&srv.owner),
                Some(json!({ "start": format!("{day}T09:00"), "therapist_id": other })),
            )
            .await;
        // 09:00 with the other therapist is free, and the client is free then: allowed.
        assert_eq!(s, 200, "{backend}: {e}");
        let (s, e) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{id}/reschedule"),
                Some(&srv.owner),
                Some(json!({ "start": format!("{day}T12:45") })),
            )
            .await;
        assert_eq!(s, 409, "{backend}: {e}");
        assert_eq!(e["error"]["code"], "client_busy", "{e}");
        // Cancelling frees the client's time.
        let first = booked[0]["id"].as_str().unwrap();
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{first}/cancel"),
                Some(&srv.owner),
                None,
            )
            .await;
        assert_eq!(s, 200);
        let (s, e) = srv
            .call(
                Method::POST,
                &format!("/api/appointments/{id}/reschedule"),
                Some(&srv.owner),
                Some(json!({ "start": format!("{day}T12:45") })),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {e}");
        srv.stop().await;
    }
}

/// Every answer about appointments names their clients: a booking, the same booking
/// asked again under its key, a list holding several clients, a cancellation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_name_the_clients_they_are_about() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        // Clients on file that no answer here is about.
        for i in 0..5 {
            srv.post(
                "/api/clients",
                &o,
                json!({ "name": format!("Bystander {i}") }),
            )
            .await;
        }
        let from = add_days(common::today_in("Europe/London"), 3);
        let mut ids = Vec::new();
        for (client, name, key) in [
            (&w.a, "Ada Runner", "names-a"),
            (&w.b, "Ben Other", "names-b"),
        ] {
            let v = srv
                .get(
                    &format!(
                        "/api/clients/{client}/slots?service_id={}&therapist_id={}&from={from}&days=14&limit=1",
                        w.sports, w.t1
                    ),
                    &o,
                )
                .await;
            let start = slots(&v)[0]["start"].clone();
            let body = json!({ "client_id": client, "service_id": w.sports, "therapist_id": w.t1, "start": start });
            for _ in 0..2 {
                let res = srv
                    .http
                    .post(format!("{}/api/appointments", srv.base))
                    .bearer_auth(&o)
                    .header("Idempotency-Key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 201);
                let a: Value = res.json().await.unwrap();
                assert_eq!(a["client_name"], name, "{a}");
                ids.push(a["id"].as_str().unwrap().to_string());
            }
        }
        let to = add_days(from, 20);
        let listed = srv
            .get(&format!("/api/appointments?from={from}&to={to}"), &o)
            .await;
        let mut names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["client_name"].as_str().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["Ada Runner", "Ben Other"], "{listed}");
        let cancelled = srv
            .post(
                &format!("/api/appointments/{}/cancel", ids[2]),
                &o,
                json!({}),
            )
            .await;
        assert_eq!(cancelled["client_name"], "Ben Other", "{cancelled}");
    }
}

/// A refused booking's nearest good times come from further days when the nearest are
/// full, and each is a time slot search offers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nearest_good_times_reach_past_a_full_week() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        // One hour a day each: one slot a day per therapist.
        let one_slot: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "10:00", "end": "11:00" }))
            .collect();
        for t in [&w.t1, &w.t2] {
            let (s, h) = srv
                .call(
                    Method::PUT,
                    &format!("/api/therapists/{t}/hours"),
                    Some(&o),
                    Some(json!(one_slot)),
                )
                .await;
            assert_eq!(s, 200, "{h}");
        }
        // Both therapists booked by others for a week either side of the wanted day.
        let wanted = add_days(w.race, -20);
        for (i, t) in [&w.t1, &w.t2].into_iter().enumerate() {
            let other = srv
                .post("/api/clients", &o, json!({ "name": format!("Other {i}") }))
                .await["client"]["id"]
                .as_str()
                .unwrap()
                .to_string();
            for k in -6..=6 {
                let day = add_days(wanted, k);
                let body = json!({ "client_id": other, "service_id": w.sports, "therapist_id": t,
                                   "start": format!("{day}T10:00"), "override_reason": "test set-up" });
                let (s, v) = srv
                    .call(Method::POST, "/api/appointments", Some(&o), Some(body))
                    .await;
                assert_eq!(s, 201, "{v}");
            }
        }
        let body = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{wanted}T10:00") });
        let (s, e) = srv
            .call(Method::POST, "/api/appointments", Some(&o), Some(body))
            .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (409, Some("slot_taken")),
            "{e}"
        );
        let nearest = e["error"]["details"]["nearest"].as_array().unwrap();
        assert!(!nearest.is_empty(), "{e}");
        let from = add_days(wanted, -10);
        let offered = srv
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={from}&days=24&limit=200",
                    w.a, w.sports
                ),
                &o,
            )
            .await;
        let offered: Vec<(Value, Value)> = slots(&offered)
            .iter()
            .map(|s| (s["therapist_id"].clone(), s["start"].clone()))
            .collect();
        for n in nearest {
            let day: jiff::civil::Date = n["date"].as_str().unwrap().parse().unwrap();
            assert!(
                (day - wanted).get_days().abs() > 6,
                "{day} is inside the full fortnight: {e}"
            );
            assert!(
                offered.contains(&(n["therapist_id"].clone(), n["start"].clone())),
                "{n} is not offered by slot search"
            );
        }
    }
}

/// A plan laid out by week is placed from the client's goal race; a client with no race
/// is told what the file needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_laid_out_by_week_is_placed_from_the_clients_race() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let grid = "Week,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday\n\
                1,Rest,Intervals 6x800,Easy 8 km,,,,Long run 24 km\n\
                2,Rest,Easy 6 km,,,,Shakeout,Test City Marathon\n";
    let upload = |client: String| {
        let srv = &srv;
        async move {
            srv.call(
                Method::POST,
                &format!("/api/clients/{client}/calendars"),
                Some(&srv.owner),
                Some(json!({ "filename": "weeks.csv", "content": grid })),
            )
            .await
        }
    };
    let (s, v) = upload(w.b.clone()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "bad_calendar");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("add that race to the client first"),
        "{v}"
    );
    let (s, v) = upload(w.a.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["entries"], 8, "{v}");
    assert_eq!(v["last"], w.race.to_string(), "{v}");
    assert_eq!(v["first"], add_days(w.race, -13).to_string(), "{v}");
    srv.stop().await;
}

/// A holiday in the runner's own calendar keeps slot search off every day it covers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_time_is_offered_while_the_runner_is_away() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let first = add_days(w.race, -30);
    let last = add_days(w.race, -17);
    let csv = format!("date,title,end\n{first},Holiday in Portugal,{last}\n");
    let (s, v) = srv
        .call(
            Method::POST,
            &format!("/api/clients/{}/calendars", w.a),
            Some(&o),
            Some(json!({ "filename": "away.csv", "content": csv })),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let from = add_days(first, -3);
    let offered = srv
        .get(
            &format!(
                "/api/clients/{}/slots?service_id={}&from={from}&days=21&limit=500",
                w.a, w.sports
            ),
            &o,
        )
        .await;
    let days: Vec<String> = slots(&offered)
        .iter()
        .map(|s| s["start"].as_str().unwrap()[..10].to_string())
        .collect();
    assert!(!days.is_empty(), "{offered}");
    for d in &days {
        assert!(
            *d < first.to_string() || *d > last.to_string(),
            "offered {d} while away {first}..{last}"
        );
    }
    // The front desk may still book it (plans change), and is told the runner is away.
    let mut day = add_days(first, 2);
    while day.weekday() == jiff::civil::Weekday::Sunday {
        day = add_days(day, 1);
    }
    let body = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T11:00") });
    let (s, a) = srv
        .call(Method::POST, "/api/appointments", Some(&o), Some(body))
        .await;
    assert_eq!(s, 201, "{a}");
    let away = a["fit"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "away")
        .unwrap_or_else(|| panic!("no away finding: {a}"));
    assert_eq!(away["severity"], "warning");
    assert!(
        away["message"]
            .as_str()
            .unwrap()
            .contains("Holiday in Portugal"),
        "{away}"
    );
    srv.stop().await;
}
