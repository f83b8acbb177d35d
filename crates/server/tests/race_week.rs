//! Race week through the API on both backends: an event, runners added as JSON and as
//! CSV (a bad line named), the allocation beside first come, first served, booking it
//! for everyone at once (each runner told, the rest on the waitlist, no therapist or
//! runner booked twice), booking again changing nothing, and capacity planning.

mod common;

use std::collections::HashMap;

use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_is_allocated_booked_and_told_once() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        // Two hours a day at the one location: far fewer times than runners.
        let short: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "10:00", "end": "12:00" }))
            .collect();
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/locations/main/hours",
                Some(&o),
                Some(json!(short)),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {v}");
        let ev = srv
            .post(
                "/api/events",
                &o,
                json!({ "name": "Test City Marathon", "date": w.race.to_string(), "distance": "marathon", "start": "09:30" }),
            )
            .await;
        let id = ev["id"].as_str().unwrap().to_string();
        assert_eq!(ev["kind"], "post_event", "{backend}: {ev}");
        assert_eq!(ev["service_id"], w.post.as_str(), "the post-race service");
        // Bad input is refused by field.
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/events",
                Some(&o),
                Some(json!({ "name": "X", "date": "2027-13-01", "distance": "marathon" })),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("date")),
            "{backend}: {v}"
        );

        // Ada (a client already) and 11 new runners as JSON; 18 more as CSV.
        let mut runners = vec![json!({ "client_id": w.a, "tier": "elite", "parts": ["morning"] })];
        for n in 0..11 {
            runners.push(
                json!({ "name": format!("Json Runner {n}"), "email": format!("json{n}@example.org"),
                                 "finish": "13:10", "locations": ["main"] }),
            );
        }
        let added = srv
            .post(
                &format!("/api/events/{id}/requests"),
                &o,
                json!({ "runners": runners }),
            )
            .await;
        assert_eq!(added["requests"], 12, "{backend}: {added}");
        assert_eq!(added["new_clients"], 11);
        let mut csv = String::from("id,name,email,finish,clinics,days,times,therapist,priority\n");
        for n in 0..18 {
            csv.push_str(&format!(
                "r{n},Csv Runner {n},csv{n}@example.org,{} 12:40,main,,afternoon,,{}\n",
                w.race,
                if n % 6 == 0 { "charity" } else { "standard" }
            ));
        }
        let added = srv
            .post(
                &format!("/api/events/{id}/requests"),
                &o,
                json!({ "csv": csv, "filename": "field.csv" }),
            )
            .await;
        assert_eq!(added["requests"], 18, "{backend}: {added}");
        let bad = "name,email,times\nBo,bo@example.org,noon\n";
        let (s, v) = srv
            .call(
                Method::POST,
                &format!("/api/events/{id}/requests"),
                Some(&o),
                Some(json!({ "csv": bad, "filename": "bad.csv" })),
            )
            .await;
        assert_eq!(s, 400, "{backend}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("bad.csv:2") && msg.contains("times"),
            "{backend}: {msg}"
        );
        // A sample field is for the demo clinic only.
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/events/{id}/requests"),
                Some(&o),
                Some(json!({ "sample": 10 })),
            )
            .await;
        assert_eq!(s, 400, "{backend}");

        // The allocation, beside first come, first served, before anything is booked.
        let p = srv.get(&format!("/api/events/{id}/allocation"), &o).await;
        assert_eq!(p["summary"]["runners"], 30, "{backend}: {p}");
        let served = p["summary"]["served"].as_u64().unwrap();
        assert!(served > 0 && served < 30, "{backend}: scarce times: {p}");
        assert!(served >= p["first_come"]["served"].as_u64().unwrap());
        assert_eq!(p["pending"], 30);

        // Booking it: each runner has a time or a place on the waitlist.
        let booked = srv
            .post(&format!("/api/events/{id}/book"), &o, json!({}))
            .await;
        assert_eq!(
            booked["booked"].as_u64(),
            Some(served),
            "{backend}: {booked}"
        );
        assert_eq!(booked["waitlisted"].as_u64(), Some(30 - served));
        let all = srv
            .get(&format!("/api/events/{id}/requests?limit=1000"), &o)
            .await;
        assert_eq!(all["total"], 30);
        let mut by_therapist: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for r in all["requests"].as_array().unwrap() {
            match r["state"].as_str().unwrap() {
                "booked" => {
                    let a = &r["appointment"];
                    assert_eq!(a["location_name"], "Test Clinic", "{backend}: {r}");
                    let t = a["local_time"].as_str().unwrap();
                    assert!(
                        ("10:00".."11:16").contains(&t),
                        "{backend}: inside opening hours: {t}"
                    );
                    by_therapist
                        .entry(a["therapist_id"].as_str().unwrap().to_string())
                        .or_default()
                        .push((
                            a["start"].as_str().unwrap().to_string(),
                            a["end"].as_str().unwrap().to_string(),
                        ));
                }
                "waitlisted" => {
                    assert!(!r["reason"].as_str().unwrap().is_empty(), "{backend}: {r}")
                }
                other => panic!("{backend}: {other}: {r}"),
            }
        }
        // No therapist holds two sessions at once (the ends are RFC 3339 in one zone).
        for (t, mut spans) in by_therapist {
            spans.sort();
            for pair in spans.windows(2) {
                assert!(
                    pair[0].1 <= pair[1].0,
                    "{backend}: {t} double-booked: {pair:?}"
                );
            }
        }
        // Ada's elite request was served, and the runners were told.
        let ada = all["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["client_id"] == w.a.as_str())
            .unwrap();
        assert_eq!(ada["state"], "booked", "{backend}: {ada}");
        // Every runner has a message waiting: their time, or their place on the waitlist.
        let outbox = srv.get("/api/outbox", &o).await;
        assert_eq!(outbox["counts"]["waiting"], 30, "{backend}: {outbox}");

        // Booking again books nobody twice.
        let again = srv
            .post(&format!("/api/events/{id}/book"), &o, json!({}))
            .await;
        assert_eq!(
            (again["booked"].as_u64(), again["waitlisted"].as_u64()),
            (Some(0), Some(0)),
            "{backend}: {again}"
        );
        let appts = srv
            .get(
                &format!(
                    "/api/appointments?from={}&to={}",
                    w.race,
                    add_days(w.race, 14)
                ),
                &o,
            )
            .await;
        let race_appts = appts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["service_id"] == w.post.as_str())
            .count();
        assert_eq!(race_appts as u64, served, "{backend}");

        // Longer hours open times: the next run books waiting runners into them.
        let long: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "10:00", "end": "18:00" }))
            .collect();
        srv.call(
            Method::PUT,
            "/api/locations/main/hours",
            Some(&o),
            Some(json!(long)),
        )
        .await;
        let more = srv
            .post(&format!("/api/events/{id}/book"), &o, json!({}))
            .await;
        assert!(more["booked"].as_u64().unwrap() > 0, "{backend}: {more}");
        let ev = srv.get(&format!("/api/events/{id}"), &o).await;
        assert_eq!(
            ev["booked"].as_u64().unwrap() + ev["waitlisted"].as_u64().unwrap(),
            30,
            "{backend}: {ev}"
        );

        // Capacity planning: hours needed per day beside the rota.
        let c = srv
            .get(
                &format!(
                    "/api/events/{id}/capacity?finishers=500&median=4:15&spread=0:40&share=90"
                ),
                &o,
            )
            .await;
        let rows = c["plan"]["rows"].as_array().unwrap();
        assert!(!rows.is_empty(), "{backend}: {c}");
        let need: f64 = rows.iter().map(|r| r["sessions"].as_f64().unwrap()).sum();
        assert!((need - 450.0).abs() < 1e-6, "{backend}: {need}");
        assert!(
            rows.iter()
                .any(|r| r["short_hours"].as_f64().unwrap() > 0.0),
            "{backend}: two therapists fall short"
        );
        let (s, v) = srv
            .call(
                Method::GET,
                &format!("/api/events/{id}/capacity?finishers=500&median=four&spread=0:40"),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("median")),
            "{backend}: {v}"
        );
        // Not the therapists' business.
        let (s, _) = srv
            .call(
                Method::GET,
                &format!("/api/events/{id}"),
                Some(&w.t1_token),
                None,
            )
            .await;
        assert_eq!(s, 403, "{backend}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_asks_for_race_week_on_their_own_page() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    srv.post(
        "/api/locations",
        &o,
        json!({ "name": "Harbourside", "address": "7 Quay Street" }),
    )
    .await;
    let ev = srv
        .post(
            "/api/events",
            &o,
            json!({ "name": "Page Marathon", "date": w.race.to_string(), "distance": "marathon" }),
        )
        .await;
    let id = ev["id"].as_str().unwrap().to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = common::client_cookie(&http, &srv.base, &w.a_link).await;
    let page = common::page_text(&http, &srv.base, &cookie, "/me").await;
    assert!(page.contains("Page Marathon"), "{page}");
    assert!(page.contains("Ask for a post-race massage"), "{page}");
    assert!(page.contains("Harbourside"), "locations offered: {page}");
    let csrf = common::csrf_in(&page);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (http, base, cookie) = (http.clone(), srv.base.clone(), cookie.clone());
        async move {
            http.post(format!("{base}{path}"))
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let done = post(
        format!("/me/race-week/{id}"),
        vec![
            ("csrf_token", csrf.clone()),
            ("first", "main".into()),
            ("part", "afternoon".into()),
            ("finish", "13:20".into()),
        ],
    )
    .await;
    assert!(done.contains("emails you yours"), "{done}");
    assert!(done.contains("You asked for a post-race massage"), "{done}");
    let reqs = srv.get(&format!("/api/events/{id}/requests"), &o).await;
    let r = &reqs["requests"][0];
    assert_eq!(r["client_id"], w.a.as_str(), "{reqs}");
    assert_eq!(r["parts"], json!(["afternoon"]));
    assert_eq!(r["locations"], json!(["Test Clinic"]));
    // Withdrawn from the page, then the clinic's run books nobody.
    let done = post(
        format!("/me/race-week/{id}/withdraw"),
        vec![("csrf_token", csrf.clone())],
    )
    .await;
    assert!(done.contains("You have withdrawn"), "{done}");
    let booked = srv
        .post(&format!("/api/events/{id}/book"), &o, json!({}))
        .await;
    assert_eq!(booked["booked"], 0, "{booked}");
    // Another client cannot withdraw Ada's request through the API.
    let (s, _) = srv
        .call(
            Method::DELETE,
            &format!("/api/events/{id}/requests/{}", w.a),
            Some(&w.b_token),
            None,
        )
        .await;
    assert_eq!(s, 403);
    srv.stop().await;
}

/// A run made in the middle of race week books only what is still ahead, and never
/// gives a runner a second session on a day they are booked already (their own booking
/// would clash, and the whole run would never go through).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_mid_week_books_only_time_ahead_and_no_runner_twice_a_day() {
    use kneadtime_server::SetClock;
    use std::sync::Arc;
    for backend in backends() {
        let clock = Arc::new(SetClock::at(jiff::Timestamp::now()));
        // Sessions last the jump of the clock to race week.
        let srv = Srv::start_at(backend, "Europe/London", clock.clone(), |c| {
            c.session_days = 365;
        })
        .await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "10:00", "end": "16:00" }))
            .collect();
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/locations/main/hours",
                Some(&o),
                Some(json!(hours)),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {v}");
        // A therapist trained for relaxation only is not rostered for race week.
        let calm = srv
            .post(
                "/api/therapists",
                &o,
                json!({ "name": "Calm Only", "skills": ["relaxation"] }),
            )
            .await;
        let calm = calm["therapist"]["id"]
            .as_str()
            .or(calm["id"].as_str())
            .unwrap_or_else(|| panic!("{backend}: {calm}"))
            .to_string();
        let (s, v) = srv
            .call(
                Method::PUT,
                &format!("/api/therapists/{calm}/hours"),
                Some(&o),
                Some(json!(hours)),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {v}");
        // B has a sports massage of their own three days after the race.
        let busy_day = add_days(w.race, 3);
        let own = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t2,
                        "start": format!("{busy_day}T13:00") }),
            )
            .await;
        assert_eq!(own["status"], "booked", "{backend}: {own}");
        let ev = srv
            .post(
                "/api/events",
                &o,
                json!({ "name": "Midweek Marathon", "date": w.race.to_string(), "distance": "marathon" }),
            )
            .await;
        let id = ev["id"].as_str().unwrap().to_string();
        let mut runners = vec![json!({ "client_id": w.a }), json!({ "client_id": w.b })];
        for n in 0..6 {
            runners.push(json!({ "name": format!("Mid Runner {n}"), "email": format!("mid{n}@example.org") }));
        }
        srv.post(
            &format!("/api/events/{id}/requests"),
            &o,
            json!({ "runners": runners }),
        )
        .await;
        // Two days after the race, late morning: the days before are gone.
        let now = w
            .race
            .checked_add(jiff::Span::new().days(2))
            .unwrap()
            .at(11, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp();
        clock.set(now);
        let (s, booked) = srv
            .call(
                Method::POST,
                &format!("/api/events/{id}/book"),
                Some(&o),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {booked}");
        assert!(
            booked["booked"].as_u64().unwrap() > 0,
            "{backend}: {booked}"
        );
        let all = srv
            .get(&format!("/api/events/{id}/requests?limit=100"), &o)
            .await;
        for r in all["requests"].as_array().unwrap() {
            if r["state"] != "booked" {
                continue;
            }
            let start: jiff::Timestamp =
                r["appointment"]["start"].as_str().unwrap().parse().unwrap();
            assert!(start > now, "{backend}: booked in the past: {r}");
            assert_ne!(
                r["appointment"]["therapist_id"].as_str(),
                Some(calm.as_str()),
                "{backend}: not a sports therapist: {r}"
            );
            if r["client_id"] == w.b.as_str() {
                assert_ne!(
                    r["appointment"]["date"].as_str(),
                    Some(busy_day.to_string().as_str()),
                    "{backend}: B is booked already that day: {r}"
                );
            }
        }
        srv.stop().await;
    }
}
