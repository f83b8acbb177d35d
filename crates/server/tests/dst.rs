//! Slot search and booking across daylight-saving changes, and rule days counted in the
//! clinic's local calendar, not in UTC.

mod common;

use common::{Srv, add_days, backends, today_in};
use jiff::civil::{Date, Weekday, date};
use reqwest::Method;
use serde_json::{Value, json};

/// The last Sunday of `month` in `year`: when Europe's clocks change.
fn last_sunday(year: i16, month: i8) -> Date {
    let mut d = date(year, month, 1).last_of_month();
    while d.weekday() != Weekday::Sunday {
        d = add_days(d, -1);
    }
    d
}

struct Night {
    srv: Srv,
    client: String,
    therapist: String,
    service: String,
}

/// A therapist who works 00:00–04:00 every night, a 60-minute service without buffer,
/// and a client with no training calendar.
async fn night_clinic(backend: &str, zone: &str) -> Night {
    let srv = Srv::start(backend, zone).await;
    let o = srv.owner.clone();
    let t = srv
        .post("/api/therapists", &o, json!({ "name": "Nina Night" }))
        .await["therapist"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "00:00", "end": "04:00" }))
        .collect();
    let (s, v) = srv
        .call(
            Method::PUT,
            &format!("/api/therapists/{t}/hours"),
            Some(&o),
            Some(json!(hours)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let svc = srv
        .post(
            "/api/services",
            &o,
            json!({ "name": "Sports 60", "kind": "maintenance", "length_min": 60, "price_cents": 1,
            "pressure_min": "moderate", "pressure_max": "deep", "buffer_after_min": 0 }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = srv
        .post("/api/clients", &o, json!({ "name": "Owl Runner" }))
        .await["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Night {
        srv,
        client: c,
        therapist: t,
        service: svc,
    }
}

async fn slots_on(n: &Night, d: Date) -> Vec<Value> {
    let v = n
        .srv
        .get(
            &format!(
                "/api/clients/{}/slots?service_id={}&from={d}&days=1&limit=500",
                n.client, n.service
            ),
            &n.srv.owner,
        )
        .await;
    let mut s = v["slots"].as_array().unwrap().clone();
    s.sort_by_key(|x| x["start"].as_str().unwrap().to_string());
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_follow_the_clocks_in_spring_and_autumn() {
    for backend in backends() {
        let n = night_clinic(backend, "Europe/London").await;
        let year = today_in("Europe/London").year() + 1;

        // Spring: 01:00 becomes 02:00, so the night is three hours long and no slot
        // starts in the missing hour.
        let spring = last_sunday(year, 3);
        let s = slots_on(&n, spring).await;
        let times: Vec<&str> = s
            .iter()
            .map(|x| x["local_time"].as_str().unwrap())
            .collect();
        assert_eq!(s.len(), 9, "{times:?}");
        assert!(times.iter().all(|t| !t.starts_with("01:")), "{times:?}");
        assert_eq!(s[0]["start"], json!(format!("{spring}T00:00:00+00:00")));
        assert_eq!(
            s.last().unwrap()["start"],
            json!(format!("{spring}T03:00:00+01:00"))
        );
        assert!(s.iter().all(|x| x["time_zone"] == "Europe/London"));

        // Autumn: 02:00 becomes 01:00 again, so the night is five hours long and 01:00
        // happens twice, once in summer time and once in winter time.
        let autumn = last_sunday(year, 10);
        let s = slots_on(&n, autumn).await;
        assert_eq!(s.len(), 17);
        let at_one: Vec<&str> = s
            .iter()
            .filter(|x| x["local_time"] == "01:00")
            .map(|x| x["start"].as_str().unwrap())
            .collect();
        assert_eq!(at_one.len(), 2, "{at_one:?}");
        assert!(at_one.contains(&format!("{autumn}T01:00:00+01:00").as_str()));
        assert!(at_one.contains(&format!("{autumn}T01:00:00+00:00").as_str()));

        // Booking by wall-clock time: the missing hour and the doubled hour are refused
        // with the reason; with an offset, both 01:30s can be booked.
        let book = |start: String| {
            let body = json!({ "client_id": n.client, "service_id": n.service, "therapist_id": n.therapist, "start": start });
            n.srv.call(
                Method::POST,
                "/api/appointments",
                Some(&n.srv.owner),
                Some(body),
            )
        };
        let (s, e) = book(format!("{spring}T01:30")).await;
        assert_eq!(s, 400);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("does not exist"),
            "{e}"
        );
        let (s, e) = book(format!("{autumn}T01:30")).await;
        assert_eq!(s, 400);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("happens twice"),
            "{e}"
        );
        let (s, first) = book(format!("{autumn}T00:30:00+01:00")).await;
        assert_eq!(s, 201, "{first}");
        let (s, second) = book(format!("{autumn}T01:30:00+00:00")).await;
        assert_eq!(s, 201, "{second}");
        // 00:30 BST + 60 min = 01:30 BST; the second starts an hour after that.
        let (s, clash) = book(format!("{autumn}T01:00:00+01:00")).await;
        assert_eq!(s, 409, "overlaps the first: {clash}");
        n.srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_days_are_local_days() {
    // 18:00 in Los Angeles on the eve of a race is already race day in UTC: it must be
    // judged as the race eve all the same.
    let zone = "America/Los_Angeles";
    let srv = Srv::start("sqlite", zone).await;
    let o = srv.owner.clone();
    let t = srv
        .post("/api/therapists", &o, json!({ "name": "Lou" }))
        .await["therapist"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "08:00", "end": "21:00" }))
        .collect();
    srv.call(
        Method::PUT,
        &format!("/api/therapists/{t}/hours"),
        Some(&o),
        Some(json!(hours)),
    )
    .await;
    let pre = srv
        .post(
            "/api/services",
            &o,
            json!({ "name": "Pre-race", "kind": "pre_event", "length_min": 30, "price_cents": 1,
            "pressure_min": "light", "pressure_max": "moderate" }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = srv
        .post("/api/clients", &o, json!({ "name": "Runner LA" }))
        .await["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let race = add_days(today_in(zone), 30);
    srv.post(
        &format!("/api/clients/{c}/races"),
        &o,
        json!({ "date": race.to_string(), "distance": "marathon" }),
    )
    .await;
    let eve = add_days(race, -1);
    let body = |d: Date| json!({ "client_id": c, "service_id": pre, "therapist_id": t, "start": format!("{d}T18:00") });
    let (s, e) = srv
        .call(Method::POST, "/api/appointments", Some(&o), Some(body(eve)))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["details"]["rule"], "race-eve");
    let (s, a) = srv
        .call(
            Method::POST,
            "/api/appointments",
            Some(&o),
            Some(body(add_days(race, -2))),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["date"], json!(add_days(race, -2).to_string()));
    assert_eq!(a["local_time"], "18:00");
    // Slot search agrees: nothing on the eve, and the eve's evening is not shifted onto
    // the day before.
    let v = srv
        .get(
            &format!(
                "/api/clients/{c}/slots?service_id={pre}&from={}&days=3&limit=500",
                add_days(race, -3)
            ),
            &o,
        )
        .await;
    let dates: Vec<&str> = v["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["date"].as_str().unwrap())
        .collect();
    assert!(!dates.contains(&eve.to_string().as_str()));
    assert!(!dates.contains(&race.to_string().as_str()));
    srv.stop().await;
}
