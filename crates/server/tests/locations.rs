//! A clinic group with two locations in different time zones, through the API on both
//! backends: each location's sessions are told in its own zone and name its place;
//! opening hours, a closure of one location and a service offered at one location each
//! hold back only what they should.

mod common;

use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

async fn slots(srv: &Srv, client: &str, service: &str, therapist: &str, from: &str) -> Vec<Value> {
    let v = srv
        .get(
            &format!("/api/clients/{client}/slots?service_id={service}&therapist_id={therapist}&from={from}&days=1&limit=200"),
            &srv.owner,
        )
        .await;
    v["slots"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_location_keeps_its_zone_hours_closures_and_services() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        // The first location follows the clinic; a second one in New York.
        let all = srv.get("/api/locations", &o).await;
        assert_eq!(all.as_array().unwrap().len(), 1, "{backend}: {all}");
        assert_eq!(all[0]["time_zone"], "Europe/London", "{backend}");
        let ny = srv
            .post(
                "/api/locations",
                &o,
                json!({ "name": "Manhattan", "address": "5 Park Ave", "time_zone": "America/New_York",
                        "hours": [{ "day": "mon", "start": "10:00", "end": "12:00" },
                                  { "day": "tue", "start": "10:00", "end": "12:00" },
                                  { "day": "wed", "start": "10:00", "end": "12:00" },
                                  { "day": "thu", "start": "10:00", "end": "12:00" },
                                  { "day": "fri", "start": "10:00", "end": "12:00" },
                                  { "day": "sat", "start": "10:00", "end": "12:00" },
                                  { "day": "sun", "start": "10:00", "end": "12:00" }] }),
            )
            .await;
        let ny_id = ny["id"].as_str().unwrap().to_string();
        assert_eq!(ny["hours"].as_array().unwrap().len(), 7, "{backend}: {ny}");
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/locations",
                Some(&o),
                Some(json!({ "name": "Nowhere", "time_zone": "Mars/Olympus" })),
            )
            .await;
        assert_eq!(s, 400, "{backend}: {v}");
        assert_eq!(v["error"]["field"], "time_zone", "{backend}");

        // Theo moves to Manhattan (nothing booked yet).
        let t2 = srv
            .call(
                Method::PATCH,
                &format!("/api/therapists/{}", w.t2),
                Some(&o),
                Some(json!({ "location_id": ny_id })),
            )
            .await;
        assert_eq!(t2.0, 200, "{backend}: {}", t2.1);
        assert_eq!(t2.1["location_id"], ny_id.as_str());

        let day = add_days(w.race, -20);
        // Theo works 08:00–20:00 New York time, but Manhattan opens 10:00–12:00 only.
        let theirs = slots(&srv, &w.a, &w.sports, &w.t2, &day.to_string()).await;
        assert!(!theirs.is_empty(), "{backend}: Theo has slots");
        for s in &theirs {
            assert_eq!(s["time_zone"], "America/New_York", "{backend}: {s}");
            assert_eq!(s["location_name"], "Manhattan", "{backend}");
            let t = s["local_time"].as_str().unwrap();
            assert!(
                ("10:00".."11:01").contains(&t),
                "{backend}: inside opening hours: {t}"
            );
            assert!(
                s["start"].as_str().unwrap().ends_with("-05:00")
                    || s["start"].as_str().unwrap().ends_with("-04:00"),
                "{backend}: {s}"
            );
        }
        let ours = slots(&srv, &w.a, &w.sports, &w.t1, &day.to_string()).await;
        assert!(
            ours.iter()
                .all(|s| s["time_zone"] == "Europe/London" && s["location_id"] == "main"),
            "{backend}"
        );
        assert!(
            ours.len() > theirs.len(),
            "{backend}: London is open all day"
        );

        // A booking at Manhattan at 10:00 New York time is told in New York time.
        let booked = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t2, "start": format!("{day}T10:00") }),
            )
            .await;
        assert_eq!(booked["local_time"], "10:00", "{backend}: {booked}");
        assert_eq!(booked["time_zone"], "America/New_York", "{backend}");
        assert_eq!(booked["location_name"], "Manhattan", "{backend}");
        // 09:00 New York is before Manhattan opens.
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t2, "start": format!("{}T09:00", add_days(day, 1)) })),
            )
            .await;
        assert_eq!(s, 422, "{backend}: {v}");
        assert_eq!(v["error"]["code"], "outside_hours", "{backend}");
        // Theo cannot move back to London with a client booked ahead.
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/therapists/{}", w.t2),
                Some(&o),
                Some(json!({ "location_id": "main" })),
            )
            .await;
        assert_eq!(s, 400, "{backend}: {v}");
        assert_eq!(v["error"]["field"], "location_id", "{backend}");

        // Closing Manhattan for a day leaves London open.
        let closed_day = add_days(day, 2);
        let c = srv
            .post(
                "/api/closures",
                &o,
                json!({ "from": closed_day.to_string(), "location_id": ny_id, "note": "Flood" }),
            )
            .await;
        assert_eq!(c["location_id"], ny_id.as_str(), "{backend}: {c}");
        assert!(
            slots(&srv, &w.b, &w.sports, &w.t2, &closed_day.to_string())
                .await
                .is_empty(),
            "{backend}"
        );
        assert!(
            !slots(&srv, &w.b, &w.sports, &w.t1, &closed_day.to_string())
                .await
                .is_empty(),
            "{backend}"
        );
        // Closing Manhattan on the booked day is refused while Ada is booked there.
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/closures",
                Some(&o),
                Some(json!({ "from": day.to_string(), "location_id": ny_id })),
            )
            .await;
        assert_eq!(s, 409, "{backend}: {v}");
        assert_eq!(v["error"]["code"], "bookings_affected", "{backend}");

        // A service offered only in Manhattan is not booked in London.
        let only_ny = srv
            .post(
                "/api/services",
                &o,
                json!({ "name": "NY special", "kind": "maintenance", "length_min": 30, "price_cents": 100,
                        "pressure_min": "light", "pressure_max": "moderate", "location_id": ny_id }),
            )
            .await;
        let svc = only_ny["id"].as_str().unwrap().to_string();
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.b, "service_id": svc, "therapist_id": w.t1, "start": format!("{}T10:00", add_days(day, 3)) })),
            )
            .await;
        assert_eq!(s, 400, "{backend}: {v}");
        assert_eq!(v["error"]["field"], "therapist_id", "{backend}");
        let any = srv
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={svc}&from={}&days=3",
                    w.b,
                    add_days(day, 3)
                ),
                &o,
            )
            .await;
        assert!(
            any["slots"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["location_id"] == ny_id.as_str()),
            "{backend}: {any}"
        );

        // Manhattan cannot close down while Theo works there; the public list hides it once it has.
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/locations/{ny_id}"),
                Some(&o),
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(s, 400, "{backend}: {v}");
        let public = srv.call(Method::GET, "/api/locations", None, None).await.1;
        assert_eq!(public.as_array().unwrap().len(), 2, "{backend}");
        srv.stop().await;
    }
}

/// Closing down a location therapists still work at is refused on the settings page
/// with the reason shown beside the button, not a bare 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_down_a_location_in_use_says_why_on_the_settings_page() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let _w = world(&srv, "Europe/London").await;
    srv.post(
        "/api/locations",
        &srv.owner,
        json!({ "name": "Harbourside", "address": "7 Quay Street" }),
    )
    .await;
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
    let csrf = common::csrf_in(&settings);
    let res = http
        .post(format!("{}/staff/settings/location-active/main", srv.base))
        .header("cookie", &staff)
        .header("origin", &srv.base)
        .form(&[("csrf_token", csrf.as_str()), ("active", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("cannot close down while therapists work there"),
        "the reason is on the page"
    );
    assert!(srv.get("/api/locations/main", &srv.owner).await["active"] == true);
}
