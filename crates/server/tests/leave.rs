//! Days off, closures, deactivation and shorter working hours never strand a booked
//! client: the server names the bookings in the way,
//! each with the best other time for that client, and adds the days off only once each
//! is moved or cancelled — through the API and on the owner's settings page.

mod common;

use common::{OWNER_EMAIL, OWNER_PASSWORD, Srv, add_days, page_sign_in, world};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_off_over_booked_clients_are_refused_until_each_is_moved_or_cancelled() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let mut ids = Vec::new();
    for (client, at) in [(&w.a, "10:00"), (&w.b, "15:00")] {
        let a = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": client, "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{day}T{at}") }),
            )
            .await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    let off = json!({ "from": day.to_string(), "reason": "sick" });
    let path = format!("/api/therapists/{}/exceptions", w.t1);
    let (s, v) = srv
        .call(Method::POST, &path, Some(&o), Some(off.clone()))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "bookings_affected");
    let listed = v["error"]["details"]["appointments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{v}");
    assert_eq!(listed[0]["appointment_id"], ids[0].as_str());
    assert_eq!(listed[0]["client_name"], "Ada Runner");
    let p = &listed[0]["proposal"];
    assert!(
        p["therapist_id"] != w.t1.as_str()
            || !p["start"].as_str().unwrap().starts_with(&day.to_string()),
        "the proposal is outside the days off: {p}"
    );
    assert!(
        srv.get(&path, &o).await.as_array().unwrap().is_empty(),
        "nothing recorded while bookings are in the way"
    );

    // Move Ada as proposed through the API, asking her to keep the new time.
    let moved = srv
        .post(
            &format!("/api/appointments/{}/reschedule", ids[0]),
            &o,
            json!({ "start": p["start"], "therapist_id": p["therapist_id"], "ask_client": true }),
        )
        .await;
    assert_eq!(moved["awaiting_client"], true, "{moved}");
    // Only Ada keeps it (Ben is told it does not exist), once.
    let keep = format!("/api/appointments/{}/keep", ids[0]);
    let (s, _) = srv.call(Method::POST, &keep, Some(&w.b_token), None).await;
    assert_eq!(s, 404);
    let kept = srv.post(&keep, &w.a_token, json!({})).await;
    assert_eq!(kept["awaiting_client"], false, "{kept}");
    let (s, v) = srv.call(Method::POST, &keep, Some(&w.a_token), None).await;
    assert_eq!(
        (s, &v["error"]["code"]),
        (409, &json!("wrong_state")),
        "{v}"
    );
    // A client cannot ask themself to confirm.
    let (s, _) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{}/reschedule", ids[0]),
            Some(&w.a_token),
            Some(json!({ "start": p["start"], "ask_client": true })),
        )
        .await;
    assert_eq!(s, 403);

    // Ben is left: the owner's page lists him with both choices and cancels.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = page_sign_in(&http, &srv.base, OWNER_EMAIL, OWNER_PASSWORD).await;
    let settings = common::page_text(&http, &srv.base, &cookie, "/staff/settings").await;
    let csrf = common::csrf_in(&settings);
    let form = |extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("therapist_id".into(), w.t1.clone()),
            ("from".into(), day.to_string()),
            ("reason".into(), "sick".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let res = http
        .post(format!("{}/staff/settings/dayoff", srv.base))
        .header("cookie", &cookie)
        .header("origin", &srv.base)
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("Ben Other"), "{page}");
    assert!(!page.contains("Ada Runner"), "Ada was moved already");
    assert!(page.contains(&format!("/staff/settings/cancel-booking/{}", ids[1])));
    let res = http
        .post(format!(
            "{}/staff/settings/cancel-booking/{}",
            srv.base, ids[1]
        ))
        .header("cookie", &cookie)
        .header("origin", &srv.base)
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("the days off are added"));
    assert_eq!(srv.get(&path, &o).await.as_array().unwrap().len(), 1);
    let ben = srv.get(&format!("/api/appointments/{}", ids[1]), &o).await;
    assert_eq!(ben["status"], "cancelled");
    let (s, v) = srv.call(Method::POST, &path, Some(&o), Some(off)).await;
    assert_eq!(s, 201, "nothing in the way now: {v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_therapist_with_clients_booked_is_not_deactivated_until_each_is_settled() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let a = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t2,
                    "start": format!("{}T11:00", add_days(w.race, -25)) }),
        )
        .await;
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/therapists/{}", w.t2);
    let (s, v) = srv
        .call(
            Method::PATCH,
            &path,
            Some(&o),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "bookings_affected");
    assert_eq!(
        v["error"]["details"]["appointments"][0]["appointment_id"],
        id.as_str()
    );
    let p = &v["error"]["details"]["appointments"][0]["proposal"];
    assert_eq!(p["therapist_id"], w.t1.as_str(), "the other therapist: {p}");
    let t = srv.get(&path, &o).await;
    assert_eq!(
        t["therapist"]["active"].as_bool().or(t["active"].as_bool()),
        Some(true)
    );
    srv.post(
        &format!("/api/appointments/{id}/reschedule"),
        &o,
        json!({ "start": p["start"], "therapist_id": p["therapist_id"] }),
    )
    .await;
    let (s, v) = srv
        .call(
            Method::PATCH,
            &path,
            Some(&o),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_closure_takes_every_therapist_off_and_strands_no_one() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let a = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t2,
                    "start": format!("{day}T10:00") }),
        )
        .await;
    let id = a["id"].as_str().unwrap().to_string();
    let closed = json!({ "from": day.to_string(), "note": "Staff training" });
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/closures",
            Some(&o),
            Some(json!({ "from": day.to_string(), "to": add_days(day, 400).to_string() })),
        )
        .await;
    assert_eq!(s, 400, "a closure is at most a year: {v}");
    assert_eq!(v["error"]["field"], "to");
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/closures",
            Some(&o),
            Some(closed.clone()),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "bookings_affected");
    let p = &v["error"]["details"]["appointments"][0]["proposal"];
    assert!(
        !p["start"].as_str().unwrap().starts_with(&day.to_string()),
        "no therapist works that day: {p}"
    );
    let (s, _) = srv
        .call(
            Method::POST,
            "/api/closures",
            Some(&w.t1_token),
            Some(closed.clone()),
        )
        .await;
    assert_eq!(s, 403, "closing the clinic is the owner's");
    srv.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
        .await;
    let c = srv.post("/api/closures", &o, closed).await;
    let (s, listed) = srv.call(Method::GET, "/api/closures", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(listed[0]["note"], "Staff training", "public: {listed}");
    let path = format!(
        "/api/clients/{}/slots?service_id={}&from={day}&days=1",
        w.a, w.sports
    );
    let count = |v: serde_json::Value| v["slots"].as_array().unwrap().len();
    assert_eq!(
        count(srv.get(&path, &o).await),
        0,
        "nothing offered on a closed day"
    );
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/appointments",
            Some(&o),
            Some(
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                         "start": format!("{day}T11:00") }),
            ),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "outside_hours");
    let (s, _) = srv
        .call(
            Method::DELETE,
            &format!("/api/closures/{}", c["id"].as_str().unwrap()),
            Some(&o),
            None,
        )
        .await;
    assert_eq!(s, 204);
    assert!(count(srv.get(&path, &o).await) > 0, "open again");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shorter_working_hours_strand_no_one() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -20);
    let a = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t1,
                    "start": format!("{day}T18:00") }),
        )
        .await;
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/therapists/{}/hours", w.t1);
    let before = srv.get(&path, &o).await;
    // Evenings off every day: the 18:00 booking is in the way.
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let short: Vec<_> = days
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "17:00" }))
        .collect();
    let (s, v) = srv
        .call(Method::PUT, &path, Some(&o), Some(json!(short)))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "bookings_affected");
    let listed = v["error"]["details"]["appointments"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{v}");
    assert_eq!(listed[0]["appointment_id"], id.as_str());
    let p = &listed[0]["proposal"];
    if p["therapist_id"] == w.t1.as_str() {
        let start = p["start"].as_str().unwrap();
        let hour: u32 = start[11..13].parse().unwrap();
        assert!(hour < 17, "a proposal with Tess fits her new hours: {p}");
    }
    assert_eq!(srv.get(&path, &o).await, before, "nothing changed");
    // Hours that still cover the booking are saved as they are.
    let (s, v) = srv
        .call(
            Method::PUT,
            &path,
            Some(&o),
            Some(json!(
                days.iter()
                    .map(|d| json!({ "day": d, "start": "09:00", "end": "20:00" }))
                    .collect::<Vec<_>>()
            )),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Once it is cancelled, the evenings come off.
    srv.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
        .await;
    let (s, v) = srv
        .call(Method::PUT, &path, Some(&o), Some(json!(short)))
        .await;
    assert_eq!(s, 200, "{v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sets_a_week_in_the_hours_grid() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = page_sign_in(&http, &srv.base, OWNER_EMAIL, OWNER_PASSWORD).await;
    let settings = common::page_text(&http, &srv.base, &cookie, "/staff/settings").await;
    // Every day shows in the grid, with the hours as they are.
    assert!(settings.contains("name=\"sun_from_1\""), "{settings}");
    assert!(settings.contains("value=\"08:00\""));
    let csrf = common::csrf_in(&settings);
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("grid".into(), "1".into()),
        ];
        form.extend(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        http.post(format!("{}/staff/settings/hours/{}", srv.base, w.t2))
            .header("cookie", &cookie)
            .header("origin", &srv.base)
            .form(&form)
            .send()
    };
    // A split Monday and a short Friday; the rest of the week off.
    let res = post(vec![
        ("mon_from_1", "09:00"),
        ("mon_to_1", "12:00"),
        ("mon_from_2", "13:00"),
        ("mon_to_2", "17:30"),
        ("fri_from_1", "10:00"),
        ("fri_to_1", "14:00"),
        ("tue_from_1", ""),
        ("tue_to_1", ""),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let hours = srv
        .get(&format!("/api/therapists/{}/hours", w.t2), &srv.owner)
        .await;
    assert_eq!(
        hours,
        json!([
            { "day": "mon", "start": "09:00", "end": "12:00" },
            { "day": "mon", "start": "13:00", "end": "17:30" },
            { "day": "fri", "start": "10:00", "end": "14:00" },
        ])
    );
    // A span with one end missing is refused and nothing changes.
    let res = post(vec![("wed_from_1", "09:00")]).await.unwrap();
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("field-error"), "{page}");
    assert!(page.contains("name=\"wed_from_1\""));
    let again = srv
        .get(&format!("/api/therapists/{}/hours", w.t2), &srv.owner)
        .await;
    assert_eq!(again, hours);
    srv.stop().await;
}
