//! The server tells the time by the clock it is given: sessions end, sign-in lockouts
//! lift, slot search starts and past times are refused by that clock, not the wall's.

mod common;

use std::sync::Arc;

use common::{OWNER_EMAIL, OWNER_PASSWORD, Srv, backends};
use jiff::Timestamp;
use kneadtime_server::SetClock;
use reqwest::Method;
use serde_json::json;

/// Monday 3 March 2031, 09:00 in London: years from the machine's own date.
fn monday_morning() -> Timestamp {
    "2031-03-03T09:00:00Z".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_lockouts_end_by_the_clinic_clock() {
    for backend in backends() {
        let clock = Arc::new(SetClock::at(monday_morning()));
        let srv = Srv::start_at(backend, "Europe/London", clock.clone(), |c| {
            c.session_days = 3;
        })
        .await;
        let me = || srv.call(Method::GET, "/api/me", Some(&srv.owner), None);
        assert_eq!(me().await.0, 200, "{backend}");
        clock.advance(3 * 86_400 - 60);
        assert_eq!(me().await.0, 200, "{backend}: a minute before the end");
        clock.advance(120);
        let (s, e) = me().await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (401, Some("session_expired")),
            "{backend}: a minute after"
        );

        // Wrong passwords lock the account out for the window, however fast they come.
        let login = |pw: &str| {
            srv.call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({ "email": OWNER_EMAIL, "password": pw })),
            )
        };
        let mut last = 0;
        for _ in 0..12 {
            last = login("wrong-wrong").await.0;
        }
        assert_eq!(last, 429, "{backend}");
        assert_eq!(
            login(OWNER_PASSWORD).await.0,
            429,
            "{backend}: still locked"
        );
        clock.advance(301);
        let (s, v) = login(OWNER_PASSWORD).await;
        assert_eq!(s, 200, "{backend}: the window has passed: {v}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slot_search_and_booking_start_from_the_clinic_clock() {
    for backend in backends() {
        let clock = Arc::new(SetClock::at(monday_morning()));
        let srv = Srv::start_at(backend, "Europe/London", clock.clone(), |_| {}).await;
        let o = srv.owner.clone();
        let t = srv
            .post(
                "/api/therapists",
                &o,
                json!({ "name": "Tess One", "skills": ["sports"] }),
            )
            .await;
        let tid = t["therapist"]["id"].as_str().unwrap().to_string();
        let week: Vec<_> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "08:00", "end": "18:00" }))
            .collect();
        let (s, h) = srv
            .call(
                Method::PUT,
                &format!("/api/therapists/{tid}/hours"),
                Some(&o),
                Some(json!(week)),
            )
            .await;
        assert_eq!(s, 200, "{h}");
        let svc = srv
            .post(
                "/api/services",
                &o,
                json!({ "name": "Sports 60", "kind": "maintenance", "length_min": 60,
                        "price_cents": 5000, "pressure_min": "light", "pressure_max": "deep" }),
            )
            .await;
        let sid = svc["id"].as_str().unwrap().to_string();
        let c = srv
            .post(
                "/api/clients",
                &o,
                json!({ "name": "Ada Runner", "email": "ada@example.org" }),
            )
            .await;
        let cid = c["client"]["id"].as_str().unwrap().to_string();

        // With no "from", the search starts on the clinic's today by its clock.
        let v = srv
            .get(
                &format!("/api/clients/{cid}/slots?service_id={sid}&days=2&limit=500"),
                &o,
            )
            .await;
        let list = v["slots"].as_array().expect("slots");
        assert!(!list.is_empty(), "{backend}: {v}");
        let dates: Vec<&str> = list.iter().filter_map(|s| s["date"].as_str()).collect();
        assert!(
            dates
                .iter()
                .all(|d| *d == "2031-03-03" || *d == "2031-03-04"),
            "{backend}: {dates:?}"
        );
        // Nothing offered today is earlier than the clock.
        for s in list {
            let start: Timestamp = s["start"].as_str().unwrap().parse().unwrap();
            assert!(start >= monday_morning(), "{backend}: {s}");
        }

        // An hour ago by the clock is in the past; an hour ahead books.
        let book = |start: &str| {
            srv.call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(
                    json!({ "client_id": cid, "therapist_id": tid, "service_id": sid,
                             "start": start }),
                ),
            )
        };
        let (s, e) = book("2031-03-03T08:00:00Z").await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("in_the_past")),
            "{backend}: {e}"
        );
        let (s, v) = book("2031-03-03T10:00:00Z").await;
        assert_eq!(s, 201, "{backend}: {v}");
        // The same time a day later by the clock is past too.
        clock.advance(86_400 + 3_600);
        let (s, e) = book("2031-03-04T09:00:00Z").await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("in_the_past")),
            "{backend}: {e}"
        );
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_are_swept_out_of_the_database() {
    for backend in backends() {
        // An instance whose clock stands years back: its sessions ended long ago by the
        // clock of a second instance, which sweeps them away when it starts.
        let clock = Arc::new(SetClock::at("2020-01-06T09:00:00Z".parse().unwrap()));
        let srv = Srv::start_at(backend, "Europe/London", clock, |c| {
            c.session_days = 3;
        })
        .await;
        let me = || srv.call(Method::GET, "/api/me", Some(&srv.owner), None);
        assert_eq!(me().await.0, 200, "{backend}");
        let other = srv.beside().await;
        // The first instance still calls the session current; once swept it is gone.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut status = 200;
        while std::time::Instant::now() < deadline {
            status = me().await.0;
            if status == 401 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status, 401, "{backend}: the expired session was swept away");
        other.stop().await;
        srv.stop().await;
    }
}
