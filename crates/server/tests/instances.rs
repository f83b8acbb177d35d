//! Two servers on one database, as a clinic group runs them: what one instance keeps
//! (a client's season) follows what the other changes.

mod common;

use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

fn race_dates(plan: &Value) -> Vec<String> {
    plan["plan"]["races"]
        .as_array()
        .expect("races")
        .iter()
        .map(|r| r["date"].as_str().unwrap().to_string())
        .collect()
}

/// The slots a slot-search path answers with.
async fn slots(srv: &Srv, o: &str, path: &str) -> Vec<Value> {
    srv.get(path, o).await["slots"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The local start times a slot-search path offers.
async fn local_times(srv: &Srv, o: &str, path: &str) -> Vec<String> {
    slots(srv, o, path)
        .await
        .iter()
        .map(|s| s["local_time"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_season_kept_by_one_server_follows_changes_made_on_another() {
    for backend in backends() {
        let a = Srv::start(backend, "Europe/London").await;
        let w = world(&a, "Europe/London").await;
        let b = a.beside().await;
        let o = a.owner.clone();
        let plan_path = format!("/api/clients/{}/plan", w.a);

        // Server A builds (and keeps) the client's season: one race.
        let before = a.get(&plan_path, &o).await;
        assert_eq!(race_dates(&before), [w.race.to_string()], "{backend}");
        assert_eq!(
            race_dates(&a.get(&plan_path, &o).await),
            race_dates(&before)
        );

        // Server B adds a tune-up half marathon three weeks before the marathon.
        let tune_up = add_days(w.race, -21);
        let (s, r) = b
            .call(
                Method::POST,
                &format!("/api/clients/{}/races", w.a),
                Some(&o),
                Some(json!({ "date": tune_up.to_string(), "distance": "half", "priority": "B" })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {r}");
        let race_id = r["id"].as_str().expect("race id").to_string();

        // Server A's next answer has it, and slot search on A refuses its eve.
        let after = a.get(&plan_path, &o).await;
        assert_eq!(
            race_dates(&after),
            [tune_up.to_string(), w.race.to_string()],
            "{backend}"
        );
        let eve = add_days(tune_up, -1);
        let v = a
            .get(
                &format!(
                    "/api/clients/{}/slots?service_id={}&from={eve}&days=1&include_refused=true",
                    w.a, w.sports
                ),
                &o,
            )
            .await;
        let slots = v["slots"].as_array().expect("slots");
        assert!(!slots.is_empty(), "{backend}: {v}");
        assert!(
            slots.iter().all(|s| s["allowed"] == json!(false)),
            "{backend}: the eve of the new race is refused on the other server: {v}"
        );

        // Removed on B, gone on A.
        let (s, e) = b
            .call(
                Method::DELETE,
                &format!("/api/clients/{}/races/{race_id}", w.a),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 204, "{backend}: {e}");
        assert_eq!(
            race_dates(&a.get(&plan_path, &o).await),
            [w.race.to_string()],
            "{backend}"
        );

        // A calendar uploaded on B changes A's season too.
        let (s, c) = b
            .call(
                Method::POST,
                &format!("/api/clients/{}/calendars", w.a),
                Some(&o),
                Some(json!({ "filename": "extra.csv",
                             "content": format!("date,title,distance_km,kind\n{tune_up},Town 10K,10,race\n") })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {c}");
        assert_eq!(
            race_dates(&a.get(&plan_path, &o).await),
            [tune_up.to_string(), w.race.to_string()],
            "{backend}"
        );
        b.stop().await;
        a.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_up_kept_by_one_server_follows_changes_made_on_another() {
    for backend in backends() {
        let a = Srv::start(backend, "Europe/London").await;
        let w = world(&a, "Europe/London").await;
        let b = a.beside().await;
        let o = a.owner.clone();
        let day = add_days(w.race, -20);
        let path = format!(
            "/api/clients/{}/slots?service_id={}&therapist_id={}&from={day}&days=1&limit=200",
            w.a, w.sports, w.t1
        );
        // Server A reads (and keeps) the set-up: Tess works 08:00–20:00.
        let before = slots(&a, &o, &path).await;
        assert!(
            before.iter().any(|s| s["local_time"] == "08:00"),
            "{backend}"
        );
        // Server B shortens her day to 12:00–14:00.
        let short: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({ "day": d, "start": "12:00", "end": "14:00" }))
            .collect();
        let (s, v) = b
            .call(
                Method::PUT,
                &format!("/api/therapists/{}/hours", w.t1),
                Some(&o),
                Some(json!(short)),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {v}");
        // Server A offers only the new hours at once, and refuses a booking outside them.
        let after = slots(&a, &o, &path).await;
        assert!(!after.is_empty(), "{backend}");
        assert!(
            after
                .iter()
                .all(|s| ("12:00".."13:01").contains(&s["local_time"].as_str().unwrap())),
            "{backend}: {after:?}"
        );
        let (s, e) = a
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T09:00") })),
            )
            .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("outside_hours")),
            "{backend}: {e}"
        );
        // A day off B records is kept from A's slots and bookings at once, and
        // comes back when B takes it away; the same for a closure.
        let book_noon = |d: jiff::civil::Date| {
            let a = &a;
            let o = o.clone();
            let body = json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{d}T12:00") });
            async move {
                let (s, e) = a
                    .call(Method::POST, "/api/appointments", Some(&o), Some(body))
                    .await;
                (s, e["error"]["code"].as_str().map(str::to_string))
            }
        };
        let off_day = add_days(day, 1);
        let off_path = path.replace(&format!("from={day}"), &format!("from={off_day}"));
        assert!(!slots(&a, &o, &off_path).await.is_empty(), "{backend}");
        let (s, v) = b
            .call(
                Method::POST,
                &format!("/api/therapists/{}/exceptions", w.t1),
                Some(&o),
                Some(json!({ "from": off_day.to_string(), "reason": "holiday" })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let off_id = v["id"].as_str().unwrap().to_string();
        assert!(slots(&a, &o, &off_path).await.is_empty(), "{backend}");
        assert_eq!(
            book_noon(off_day).await,
            (422, Some("outside_hours".to_string())),
            "{backend}"
        );
        let (s, _) = b
            .call(
                Method::DELETE,
                &format!("/api/therapists/{}/exceptions/{off_id}", w.t1),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 204, "{backend}");
        assert!(!slots(&a, &o, &off_path).await.is_empty(), "{backend}");
        let closed_day = add_days(day, 2);
        let closed_path = path.replace(&format!("from={day}"), &format!("from={closed_day}"));
        let (s, v) = b
            .call(
                Method::POST,
                "/api/closures",
                Some(&o),
                Some(json!({ "from": closed_day.to_string(), "note": "Floor works" })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        assert!(slots(&a, &o, &closed_path).await.is_empty(), "{backend}");
        assert_eq!(
            book_noon(closed_day).await,
            (422, Some("outside_hours".to_string())),
            "{backend}"
        );
        // A service B stops offering is refused on A.
        let (s, _) = b
            .call(
                Method::DELETE,
                &format!("/api/services/{}", w.sports),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 204, "{backend}");
        let (s, e) = a
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T12:00") })),
            )
            .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("service_inactive")),
            "{backend}: {e}"
        );
        b.stop().await;
        a.stop().await;
    }
}

/// A client's appointments kept by one server follow bookings made, cancelled and
/// moved on another: the client is never offered a time they hold elsewhere, and is
/// offered it again once it is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_bookings_kept_by_one_server_follow_changes_made_on_another() {
    for backend in backends() {
        let a = Srv::start(backend, "Europe/London").await;
        let w = world(&a, "Europe/London").await;
        let b = a.beside().await;
        let o = a.owner.clone();
        let day = add_days(w.race, -20);
        // Times offered to client B with Tess on `day`.
        let path = format!(
            "/api/clients/{}/slots?service_id={}&therapist_id={}&from={day}&days=1&limit=200",
            w.b, w.sports, w.t1
        );
        let ten = "10:00".to_string();
        // Server A reads (and keeps) the client's appointments: none.
        assert!(local_times(&a, &o, &path).await.contains(&ten), "{backend}");
        // Server B books the client with Theo at 10:00.
        let (s, v) = b
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t2, "start": format!("{day}T10:00") })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let id = v["id"].as_str().unwrap().to_string();
        // Server A no longer offers the client 10:00 with Tess, and refuses it.
        assert!(
            !local_times(&a, &o, &path).await.contains(&ten),
            "{backend}"
        );
        let (s, e) = a
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T10:00") })),
            )
            .await;
        assert_eq!(s, 409, "{backend}: {e}");
        // Server B moves the booking to the next day: A offers 10:00 again.
        let next = add_days(day, 1);
        let (s, v) = b
            .call(
                Method::POST,
                &format!("/api/appointments/{id}/reschedule"),
                Some(&o),
                Some(json!({ "start": format!("{next}T10:00") })),
            )
            .await;
        assert_eq!(s, 200, "{backend}: {v}");
        assert!(local_times(&a, &o, &path).await.contains(&ten), "{backend}");
        // Server B cancels it, after A has read the moved booking.
        b.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
            .await;
        let (s, v) = a
            .call(
                Method::POST,
                "/api/appointments",
                Some(&o),
                Some(json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{next}T10:00") })),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        b.stop().await;
        a.stop().await;
    }
}
