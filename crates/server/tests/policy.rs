//! The clinic's booking policy, kept by the server: online bookings need the clinic's
//! notice, clients change bookings only outside the cancellation window (staff may, and
//! the cancellation is recorded as late), and nothing is marked done before it begins.

mod common;

use std::sync::Arc;

use common::{Srv, add_days, today_in, world};
use kneadtime_server::SetClock;
use reqwest::Method;
use serde_json::json;

/// 10:00 in London, `days` from today.
fn ten_am(days: i64) -> jiff::Timestamp {
    add_days(today_in("Europe/London"), days)
        .at(10, 0, 0, 0)
        .in_tz("Europe/London")
        .unwrap()
        .timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_window_and_status_follow_the_clinic_s_policy() {
    let clock = Arc::new(SetClock::at(ten_am(1)));
    let srv = Srv::start_at("sqlite", "Europe/London", clock.clone(), |_| {}).await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(today_in("Europe/London"), 1);
    let book = |token: String, at: &str| {
        let body = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                           "start": format!("{day}T{at}") });
        let srv = &srv;
        async move {
            srv.call(Method::POST, "/api/appointments", Some(&token), Some(body))
                .await
        }
    };

    // An hour ahead: too soon online (the default notice is 2 hours), fine for staff.
    let (s, v) = book(w.a_token.clone(), "11:00").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "too_soon");
    assert!(
        v["error"]["details"]["nearest"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["start"].as_str().unwrap() >= format!("{day}T12:00").as_str()),
        "the times offered instead keep the notice: {v}"
    );
    let slots = srv
        .get(
            &format!(
                "/api/clients/{}/slots?service_id={}&from={day}&days=1",
                w.a, w.sports
            ),
            &w.a_token,
        )
        .await;
    let first = slots["slots"][0]["start"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(first.as_str() >= format!("{day}T12:00").as_str(), "{slots}");
    let (s, staff_booked) = book(o.clone(), "11:00").await;
    assert_eq!(s, 201, "{staff_booked}");
    let soon = staff_booked["id"].as_str().unwrap().to_string();

    // Marked done before it begins: refused; once begun, fine.
    let mark = |id: String| {
        let srv = &srv;
        let o = o.clone();
        async move {
            srv.call(
                Method::POST,
                &format!("/api/appointments/{id}/status"),
                Some(&o),
                Some(json!({ "status": "completed" })),
            )
            .await
        }
    };
    let (s, v) = mark(soon.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "wrong_state");

    // Inside the 24-hour window the client is sent to the clinic; staff cancel, late.
    let (s, v) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{soon}/cancel"),
            Some(&w.a_token),
            None,
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "too_late_to_change");
    let (s, v) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{soon}/reschedule"),
            Some(&w.a_token),
            Some(json!({ "start": format!("{}T15:00", add_days(day, 5)) })),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "too_late_to_change");
    let cancelled = srv
        .post(&format!("/api/appointments/{soon}/cancel"), &o, json!({}))
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["late_cancellation"], true);

    // Well ahead, the client cancels themself and it is not late.
    let later = add_days(day, 6);
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/appointments",
            Some(&w.a_token),
            Some(json!({ "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{later}T14:00") })),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{id}/cancel"),
            Some(&w.a_token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["late_cancellation"], false);

    // The owner changes the notice: a client may now book an hour ahead.
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/clinic",
            Some(&o),
            Some(json!({ "min_notice_hours": 1 })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["min_notice_hours"], 1);
    let (s, v) = book(w.a_token.clone(), "11:00").await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    clock.advance(3600 + 60);
    let (s, v) = mark(id).await;
    assert_eq!(s, 200, "{v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_moves_their_own_booking_from_their_page_within_the_window() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let far = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                    "start": format!("{day}T10:00") }),
        )
        .await;
    let far_id = far["id"].as_str().unwrap().to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = common::client_cookie(&http, &srv.base, &w.a_link).await;
    let get = |path: String| {
        let http = &http;
        let cookie = cookie.clone();
        let base = srv.base.clone();
        async move {
            let res = http
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (_, me) = get("/me".into()).await;
    assert!(me.contains(&format!("/me/move/{far_id}")), "{me}");
    let (s, page) = get(format!("/me/move/{far_id}")).await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("Move your Sports 60"), "{page}");
    assert!(page.contains(&format!("action=\"/me/move/{far_id}\"")));
    assert!(!page.contains("pick-therapist"), "the same therapist");
    let field = |name: &str| {
        page.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    let (csrf, start) = (field("csrf_token"), field("start"));
    let res = http
        .post(format!("{}/me/move/{far_id}", srv.base))
        .header("cookie", &cookie)
        .header("origin", &srv.base)
        .form(&[("csrf_token", csrf.as_str()), ("start", start.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Moved:"));
    let moved = srv.get(&format!("/api/appointments/{far_id}"), &o).await;
    assert_eq!(moved["start"], start.as_str());
    assert_eq!(moved["therapist_id"], w.t1.as_str());

    // Inside the cancellation window (three days here, so tomorrow is always inside
    // it) the page sends the client to the clinic.
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/clinic",
            Some(&o),
            Some(json!({ "cancel_window_hours": 72 })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let tomorrow = add_days(today_in("Europe/London"), 1);
    let soon = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t2,
                    "start": format!("{tomorrow}T09:00") }),
        )
        .await;
    let soon_id = soon["id"].as_str().unwrap().to_string();
    let (_, me) = get("/me".into()).await;
    assert!(!me.contains(&format!("/me/move/{soon_id}")), "{me}");
    assert!(me.contains("call the clinic to change it"), "{me}");
    let (s, page) = get(format!("/me/move/{soon_id}")).await;
    assert_eq!(s, 409, "{page}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_are_shown_and_typed_in_the_clinic_s_currency() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/clinic",
            Some(&o),
            Some(json!({ "currency": "xyz" })),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "currency");
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/clinic",
            Some(&o),
            Some(json!({ "currency": "gbp" })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["currency"], "GBP");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = common::client_cookie(&http, &srv.base, &w.a_link).await;
    let page = http
        .get(format!("{}/book", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("60 min, £50.00"), "{page}");
    // The owner types a price with its symbol.
    let staff = common::page_sign_in(
        &http,
        &srv.base,
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    let settings = common::page_text(&http, &srv.base, &staff, "/staff/settings").await;
    let csrf = common::csrf_in(&settings);
    let res = http
        .post(format!("{}/staff/settings/service", srv.base))
        .header("cookie", &staff)
        .header("origin", &srv.base)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Hot stones"),
            ("kind", "general"),
            ("length_min", "45"),
            ("price", "£42,50"),
            ("pressure_min", "light"),
            ("pressure_max", "moderate"),
            ("buffer_after_min", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("£42.50"));
    let services = srv.get("/api/services", &o).await;
    let hot = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Hot stones")
        .unwrap()
        .clone();
    assert_eq!(hot["price_cents"], 4250);
    // And changes it later, kind and all, from the same page.
    let id = hot["id"].as_str().unwrap();
    let res = http
        .post(format!("{}/staff/settings/service-edit/{id}", srv.base))
        .header("cookie", &staff)
        .header("origin", &srv.base)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Hot stones 45"),
            ("kind", "maintenance"),
            ("length_min", "45"),
            ("price", "45"),
            ("pressure_min", "light"),
            ("pressure_max", "deep"),
            ("buffer_after_min", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let services = srv.get("/api/services", &o).await;
    let hot = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(hot["name"], "Hot stones 45");
    assert_eq!(hot["price_cents"], 4500);
    assert_eq!(hot["kind"], "maintenance");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_changes_the_timing_rules_as_numbers() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let _w = world(&srv, "Europe/London").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let staff = common::page_sign_in(
        &http,
        &srv.base,
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    let settings = common::page_text(&http, &srv.base, &staff, "/staff/settings").await;
    assert!(settings.contains("Pre-race massage: earliest, in days before the race"));
    assert!(!settings.contains("kneadtime profile"), "no command named");
    let csrf = common::csrf_in(&settings);
    let save = |max: &'static str| {
        http.post(format!("{}/staff/settings/clinic", srv.base))
            .header("cookie", &staff)
            .header("origin", &srv.base)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", "Test Clinic"),
                ("time_zone", "Europe/London"),
                ("booking_horizon_days", "365"),
                ("max_open_bookings", "4"),
                ("address", ""),
                ("reminder_hours", "24"),
                ("cancel_window_hours", "24"),
                ("min_notice_hours", "2"),
                ("currency", ""),
                ("profile_toml", ""),
                ("p.windows.pre_event_max_days", max),
                ("p.windows.pre_event_ideal_days", "5"),
                ("p.windows.pre_event_min_days", "3"),
            ])
            .send()
    };
    let res = save("8").await.unwrap();
    assert_eq!(res.status(), 200);
    let clinic = srv.get("/api/clinic", &srv.owner).await;
    let toml = clinic["profile_toml"].as_str().unwrap();
    assert!(toml.contains("pre_event_max_days = 8"), "{toml}");
    assert!(
        !toml.contains("pre_event_ideal_days"),
        "defaults are not written: {toml}"
    );
    // A window that ends before it starts is refused, and nothing changes.
    let res = save("2").await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("do not fit together"));
    assert_eq!(
        srv.get("/api/clinic", &srv.owner).await["profile_toml"],
        toml
    );
    srv.stop().await;
}
