//! The waitlist for the crowded weeks, on both backends with mail read back from a real
//! SMTP server: two runners wait on their pre-race window, a cancellation frees a time
//! in it, both are emailed the offer (once, with two servers on one database), the first
//! to accept books it and the second is told it was taken; a declined or withdrawn
//! offer goes to the next in line; and only the people concerned see any of it.

mod common;

use common::smtp::{Sink, free_port, mail_to, python, subject};
use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

async fn offers(srv: &Srv, token: &str) -> Vec<Value> {
    srv.get("/api/offers", token)
        .await
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freed_pre_race_time_goes_to_the_waiting_runner_who_accepts_first() {
    let Some(py) = python() else { return };
    for backend in backends() {
        let sink = Sink::start(py, free_port());
        let one = Srv::start_with(backend, "Europe/London", mail_to(&sink)).await;
        let two = one.beside_with(mail_to(&sink)).await;
        let w = world(&one, "Europe/London").await;
        let o = one.owner.clone();

        // A second runner with the same race, and an email.
        let c = one
            .post(
                "/api/clients",
                &o,
                json!({ "name": "Cleo Pace", "email": "cleo@example.org" }),
            )
            .await;
        let cleo = c["client"]["id"].as_str().unwrap().to_string();
        let cleo_token = one.client_login(c["link_token"].as_str().unwrap()).await;
        one.post(
            &format!("/api/clients/{cleo}/races"),
            &o,
            json!({ "date": w.race.to_string(), "distance": "marathon", "priority": "A", "name": "Test City Marathon" }),
        )
        .await;

        // Ada's best pre-race time, held by Ben.
        let slots = one
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={}&days=7",
                    w.a,
                    w.pre,
                    add_days(w.race, -7)
                ),
                &o,
            )
            .await;
        let best = slots["slots"][0].clone();
        let start = best["start"].as_str().unwrap().to_string();
        let therapist = best["therapist_id"].as_str().unwrap().to_string();
        let held = one
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.b, "service_id": w.pre, "therapist_id": therapist,
                        "start": start, "override_reason": "held for the test" }),
            )
            .await;

        // Both runners wait on their pre-race window, named by nothing but the service.
        let ada_wait = one
            .post("/api/waitlist", &w.a_token, json!({ "service_id": w.pre }))
            .await;
        assert_eq!(
            ada_wait["from"],
            add_days(w.race, -7).to_string(),
            "{ada_wait}"
        );
        assert_eq!(
            ada_wait["to"],
            add_days(w.race, -3).to_string(),
            "{ada_wait}"
        );
        assert!(
            ada_wait["note"]
                .as_str()
                .unwrap()
                .contains("before Test City Marathon"),
            "{ada_wait}"
        );
        let cleo_wait = one
            .post("/api/waitlist", &cleo_token, json!({ "service_id": w.pre }))
            .await;
        let listed = one.get("/api/waitlist", &o).await;
        assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
        let mine = one.get("/api/waitlist", &w.a_token).await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "a client sees their own");
        assert!(offers(&one, &o).await.is_empty());

        // The cancellation frees the time; each runner is emailed its offer once.
        let id = held["id"].as_str().unwrap();
        one.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
            .await;
        let got = sink
            .wait_for(2, |m| subject(m).starts_with("A time opened up"))
            .await;
        let to: Vec<&str> = got.iter().map(|m| m["to"].as_str().unwrap()).collect();
        assert!(to.iter().any(|t| t.contains("ada@example.org")), "{to:?}");
        assert!(to.iter().any(|t| t.contains("cleo@example.org")), "{to:?}");
        let text = got[0]["text"].as_str().unwrap();
        for part in [
            "first to accept books it",
            "days before the Test City Marathon",
            &format!("{}/me", one.base),
        ] {
            assert!(text.contains(part), "missing {part:?} in:\n{text}");
        }
        // The owner sees both offers, the therapist whose time it is too, the other
        // therapist and an uninvolved client none.
        assert_eq!(offers(&one, &o).await.len(), 2);
        let (mine_t, other_t) = if therapist == w.t1 {
            (&w.t1_token, &w.t2_token)
        } else {
            (&w.t2_token, &w.t1_token)
        };
        assert_eq!(offers(&one, mine_t).await.len(), 2);
        assert!(offers(&one, other_t).await.is_empty());
        assert!(offers(&one, &w.b_token).await.is_empty());
        let ada_offer = offers(&one, &w.a_token).await;
        assert_eq!(ada_offer.len(), 1);
        assert_eq!(ada_offer[0]["start"], best["start"]);
        let cleo_offer = offers(&one, &cleo_token).await;
        let (ada_id, cleo_id) = (
            ada_offer[0]["id"].as_str().unwrap().to_string(),
            cleo_offer[0]["id"].as_str().unwrap().to_string(),
        );
        // No one accepts another's offer, or learns it exists.
        let (s, _) = one
            .call(
                Method::POST,
                &format!("/api/offers/{ada_id}/accept"),
                Some(&w.b_token),
                None,
            )
            .await;
        assert_eq!(s, 404);

        // Cleo accepts first, on the other server; Ada is then told it was taken.
        let (s, booked) = two
            .call(
                Method::POST,
                &format!("/api/offers/{cleo_id}/accept"),
                Some(&cleo_token),
                None,
            )
            .await;
        assert_eq!(s, 201, "{booked}");
        assert_eq!(booked["client_id"], cleo.as_str());
        assert_eq!(booked["start"], best["start"]);
        let (s, v) = one
            .call(
                Method::POST,
                &format!("/api/offers/{ada_id}/accept"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 409, "{v}");
        assert_eq!(v["error"]["code"], "offer_gone");
        assert!(offers(&one, &w.a_token).await.is_empty());
        // Cleo's wait is over; Ada still waits.
        assert!(one.get("/api/waitlist", &cleo_token).await[0].is_null());
        assert_eq!(
            one.get("/api/waitlist", &w.a_token).await[0]["id"],
            ada_wait["id"]
        );
        sink.wait_for(1, |m| {
            subject(m).starts_with("Booked:") && m["to"].as_str().unwrap().contains("cleo@")
        })
        .await;

        // Cleo cancels: the time is offered again, to Ada (whose earlier offer was only
        // taken, not passed on), and she declines it.
        let booked_id = booked["id"].as_str().unwrap();
        one.post(
            &format!("/api/appointments/{booked_id}/cancel"),
            &cleo_token,
            json!({}),
        )
        .await;
        sink.wait_for(3, |m| subject(m).starts_with("A time opened up"))
            .await;
        let again = offers(&one, &w.a_token).await;
        assert_eq!(again.len(), 1);
        let again_id = again[0]["id"].as_str().unwrap();
        let (s, v) = one
            .call(
                Method::POST,
                &format!("/api/offers/{again_id}/decline"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 204, "{v}");
        let (s, v) = one
            .call(
                Method::POST,
                &format!("/api/offers/{again_id}/decline"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 409, "{v}");

        // Leaving the waitlist: only the runner (or staff), once.
        let ada_entry = ada_wait["id"].as_str().unwrap();
        let (s, _) = one
            .call(
                Method::DELETE,
                &format!("/api/waitlist/{ada_entry}"),
                Some(&w.b_token),
                None,
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = one
            .call(
                Method::DELETE,
                &format!("/api/waitlist/{ada_entry}"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 204);
        let (s, _) = one
            .call(
                Method::DELETE,
                &format!("/api/waitlist/{ada_entry}"),
                Some(&w.a_token),
                None,
            )
            .await;
        assert_eq!(s, 409);
        assert_eq!(cleo_wait["state"], "waiting");
        // Two servers, one database: three offers made, three emails sent.
        assert_eq!(
            sink.messages()
                .iter()
                .filter(|m| subject(m).starts_with("A time opened up"))
                .count(),
            3
        );
        two.stop().await;
        one.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_asks_for_a_window_it_can_keep() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let today = common::today_in("Europe/London");
        let join = |body: Value| {
            let srv = &srv;
            let token = w.a_token.clone();
            async move {
                srv.call(Method::POST, "/api/waitlist", Some(&token), Some(body))
                    .await
            }
        };
        // Maintenance work has no race window to default to.
        let (s, v) = join(json!({ "service_id": w.sports })).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["error"]["code"], "no_window");
        let (s, v) =
            join(json!({ "service_id": w.sports, "from": add_days(today, 3).to_string() })).await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"]["field"], "to");
        let (s, v) = join(
            json!({ "service_id": w.sports, "from": add_days(today, 9).to_string(),
                                   "to": add_days(today, 3).to_string() }),
        )
        .await;
        assert_eq!(s, 400, "{v}");
        let (s, v) = join(
            json!({ "service_id": w.sports, "from": add_days(today, 1).to_string(),
                                   "to": add_days(today, 120).to_string() }),
        )
        .await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"]["field"], "to");
        let (s, v) =
            join(json!({ "service_id": w.sports, "from": "2026-02-30", "to": "2026-03-02" })).await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"]["field"], "from");
        // A client joins only for themself; staff name the client.
        let (s, _) = join(json!({ "service_id": w.pre, "client_id": w.b })).await;
        assert_eq!(s, 403);
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/waitlist",
                Some(&srv.owner),
                Some(json!({ "service_id": w.sports, "client_id": w.b,
                             "from": add_days(today, 2).to_string(), "to": add_days(today, 8).to_string() })),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["client_name"], "Ben Other");
        // A therapist who does not treat Ben cannot put him on it, or see that he is.
        let (s, _) = srv
            .call(
                Method::POST,
                "/api/waitlist",
                Some(&w.t1_token),
                Some(json!({ "service_id": w.sports, "client_id": w.b,
                             "from": add_days(today, 2).to_string(), "to": add_days(today, 8).to_string() })),
            )
            .await;
        assert_eq!(s, 404);
        assert!(srv.get("/api/waitlist", &w.t1_token).await[0].is_null());
        // Five windows at most.
        for k in 0..5 {
            let (s, v) = join(
                json!({ "service_id": w.sports, "from": add_days(today, 2 + k).to_string(),
                                       "to": add_days(today, 9 + k).to_string() }),
            )
            .await;
            assert_eq!(s, 201, "{v}");
        }
        let (s, v) = join(json!({ "service_id": w.pre })).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["error"]["code"], "too_many_waiting");
        srv.stop().await;
    }
}

/// Waits (up to 10 s) for the waitlist worker to offer `token`'s client something.
async fn offered(srv: &Srv, token: &str) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = offers(srv, token).await;
        if !got.is_empty() || std::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_given_back_goes_to_those_waiting() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let (from, to) = (add_days(w.race, -7), add_days(w.race, -3));
        // Both therapists are off for Ada's whole pre-race window, and she waits on it.
        let mut days_off = Vec::new();
        for t in [&w.t1, &w.t2] {
            let e = srv
                .post(
                    &format!("/api/therapists/{t}/exceptions"),
                    &o,
                    json!({ "from": from.to_string(), "to": to.to_string(), "reason": "holiday" }),
                )
                .await;
            days_off.push(e["id"].as_str().unwrap().to_string());
        }
        srv.post("/api/waitlist", &w.a_token, json!({ "service_id": w.pre }))
            .await;
        assert!(offers(&srv, &w.a_token).await.is_empty());

        // Tess comes back: her time in the window is offered to Ada.
        let (s, _) = srv
            .call(
                Method::DELETE,
                &format!("/api/therapists/{}/exceptions/{}", w.t1, days_off[0]),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 204);
        let got = offered(&srv, &w.a_token).await;
        assert!(
            !got.is_empty(),
            "{backend}: no offer after the day off went"
        );
        for offer in &got {
            assert_eq!(offer["therapist_id"], w.t1.as_str(), "{offer}");
            let day = &offer["start"].as_str().unwrap()[..10];
            assert!(
                day >= from.to_string().as_str() && day <= to.to_string().as_str(),
                "{offer}"
            );
        }
        srv.stop().await;
    }
}
