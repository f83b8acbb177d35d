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
