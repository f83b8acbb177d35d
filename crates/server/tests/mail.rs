//! Mail really leaves: a real SMTP server on localhost (Python's aiosmtpd, writing a
//! maildir) receives the confirmation, the change, the cancellation and the reminder;
//! each is read back with Python's `email` and `icalendar` packages, so the invitation
//! is checked by a second parser. Two servers on one database send each message once;
//! without SMTP settings messages wait and the owner is told.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::smtp::{Down, Sink, free_port, link_in, mail_to, python, subject};
use common::{Srv, add_days, backends, world};
use kneadtime_server::SetClock;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_its_change_and_its_cancellation_each_reach_the_client() {
    let Some(py) = python() else { return };
    for backend in backends() {
        let sink = Sink::start(py, free_port());
        let srv = Srv::start_with(backend, "Europe/London", mail_to(&sink)).await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/clinic",
                Some(&o),
                Some(json!({ "address": "12 Mill Lane, Leeds", "cancel_window_hours": 48 })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let day = add_days(w.race, -20);
        let a = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{day}T10:00") }),
            )
            .await;
        let id = a["id"].as_str().unwrap().to_string();
        let uid = format!("{id}@kneadtime");

        let got = sink
            .wait_for(1, |m| subject(m).starts_with("Booked:"))
            .await;
        let m = &got[0];
        assert!(m["to"].as_str().unwrap().contains("ada@example.org"), "{m}");
        assert!(
            m["from"].as_str().unwrap().contains("desk@clinic.test"),
            "{m}"
        );
        assert!(subject(m).contains("Sports 60 with Tess One"), "{m}");
        let text = m["text"].as_str().unwrap();
        for part in [
            "Hello Ada Runner",
            "Sports 60 (60 min), 50.00",
            "10:00 (Europe/London)",
            "Test Clinic, 12 Mill Lane, Leeds",
            "up to 48 hours before it starts",
            &format!("{}/me", srv.base),
        ] {
            assert!(text.contains(part), "missing {part:?} in:\n{text}");
        }
        let ics = &m["ics"];
        assert_eq!(ics["method"], "REQUEST", "{m}");
        assert_eq!(ics["part_method"], "REQUEST", "{m}");
        assert_eq!(ics["uid"], uid.as_str());
        assert_eq!(ics["sequence"], 0);
        assert_eq!(ics["status"], "CONFIRMED");
        assert!(
            ics["start"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{day}T")),
            "{ics}"
        );
        assert!(
            ics["organizer"]
                .as_str()
                .unwrap()
                .ends_with("desk@clinic.test"),
            "{ics}"
        );
        assert!(
            ics["attendee"]
                .as_str()
                .unwrap()
                .ends_with("ada@example.org"),
            "{ics}"
        );

        let moved = add_days(day, 1);
        srv.post(
            &format!("/api/appointments/{id}/reschedule"),
            &o,
            json!({ "start": format!("{moved}T11:00") }),
        )
        .await;
        let got = sink.wait_for(1, |m| subject(m).starts_with("Moved:")).await;
        let ics = &got[0]["ics"];
        assert_eq!(
            ics["uid"],
            uid.as_str(),
            "one event for the booking's whole life"
        );
        assert_eq!(ics["sequence"], 1);
        assert_eq!(ics["method"], "REQUEST");
        assert!(
            ics["start"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{moved}T")),
            "{ics}"
        );
        assert!(got[0]["text"].as_str().unwrap().contains("11:00"));

        srv.post(&format!("/api/appointments/{id}/cancel"), &o, json!({}))
            .await;
        let got = sink
            .wait_for(1, |m| subject(m).starts_with("Cancelled:"))
            .await;
        let ics = &got[0]["ics"];
        assert_eq!(ics["method"], "CANCEL");
        assert_eq!(ics["part_method"], "CANCEL");
        assert_eq!(ics["uid"], uid.as_str());
        assert_eq!(
            ics["sequence"], 2,
            "a cancellation outranks the change before it"
        );
        assert_eq!(ics["status"], "CANCELLED");

        // Ben has no email: his booking's message is skipped, not failed or stuck.
        srv.post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.b, "service_id": w.sports, "therapist_id": w.t2,
                    "start": format!("{day}T15:00") }),
        )
        .await;
        let out = common::outbox_settled(&srv, &o).await;
        assert_eq!(out["sending"], true);
        assert_eq!(out["counts"]["failed"], 0, "{out}");
        assert_eq!(out["counts"]["sent"], 3, "{out}");
        // The outbox is the owner's.
        let (s, _) = srv
            .call(Method::GET, "/api/outbox", Some(&w.t1_token), None)
            .await;
        assert_eq!(s, 403);
        let (s, _) = srv
            .call(Method::GET, "/api/outbox", Some(&w.a_token), None)
            .await;
        assert_eq!(s, 403);
        assert_eq!(
            sink.messages().len(),
            3,
            "no reminders for a booking that was cancelled, none to Ben"
        );
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminder_goes_out_a_day_before_and_says_what_the_session_is_for() {
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let clock = Arc::new(SetClock::at(jiff::Timestamp::now()));
    let srv = Srv::start_at("sqlite", "Europe/London", clock.clone(), mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let day = add_days(w.race, -3);
    let a = srv
        .post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.pre, "therapist_id": w.t1,
                    "start": format!("{day}T10:00") }),
        )
        .await;
    let start: jiff::Timestamp = a["start"].as_str().unwrap().parse().unwrap();
    sink.wait_for(1, |m| subject(m).starts_with("Booked:"))
        .await;
    // A day and a minute before: not yet.
    clock.set(start - jiff::SignedDuration::from_secs(24 * 3600 + 60));
    // Weeks later: the owner signs in again.
    let o = srv.login(common::OWNER_EMAIL, common::OWNER_PASSWORD).await;
    let out = srv.get("/api/outbox", &o).await;
    assert_eq!(out["counts"]["later"], 1, "the reminder waits: {out}");
    clock.set(start - jiff::SignedDuration::from_secs(24 * 3600 - 60));
    let got = sink
        .wait_for(1, |m| subject(m).starts_with("Reminder:"))
        .await;
    let m = &got[0];
    assert!(subject(m).contains("tomorrow at 10:00"), "{m}");
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains("your pre-race massage, 3 days before the Test City Marathon"),
        "{text}"
    );
    assert!(
        text.contains("try nothing new"),
        "the pre-race care: {text}"
    );
    assert!(
        m["ics"].is_null(),
        "a reminder changes nothing in the calendar"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_messages_wait_and_a_server_that_was_down_is_tried_again() {
    let Some(py) = python() else { return };
    // Mail off: queued, and the owner is told it is not being sent.
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    srv.post(
        "/api/appointments",
        &o,
        json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                "start": format!("{}T10:00", add_days(w.race, -20)) }),
    )
    .await;
    let out = srv.get("/api/outbox", &o).await;
    assert_eq!(out["sending"], false, "{out}");
    assert_eq!(out["counts"]["waiting"], 1, "{out}");
    // The owner's pages say so.
    let http = browser();
    let cookie = common::page_sign_in(
        &http,
        &srv.base,
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    for page in ["/staff", "/staff/settings"] {
        let text = http
            .get(format!("{}{page}", srv.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("Email is not set up"), "{page}: {text}");
    }
    srv.stop().await;

    // The SMTP server is down at first: the message is kept and tried again later.
    let down = Down::start();
    let clock = Arc::new(SetClock::at(jiff::Timestamp::now()));
    let url = format!("smtp://127.0.0.1:{}", down.port());
    let srv = Srv::start_at("sqlite", "Europe/London", clock.clone(), |c| {
        c.apply_env(|k| match k {
            "KNEADTIME_SMTP_URL" => Some(url.clone()),
            "KNEADTIME_MAIL_FROM" => Some("desk@clinic.test".into()),
            _ => None,
        })
        .unwrap();
    })
    .await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    srv.post(
        "/api/appointments",
        &o,
        json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                "start": format!("{}T10:00", add_days(w.race, -20)) }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    // The confirmation's first try has failed once nothing is due now: it waits for its
    // retry beside the reminder, and nothing was sent.
    loop {
        let out = srv.get("/api/outbox", &o).await;
        let c = &out["counts"];
        if c["waiting"] == 0 && c["later"] == 2 && c["sent"] == 0 && c["failed"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no retry was scheduled: {out}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sink = Sink::start(py, down.stop());
    clock.advance(61);
    let got = sink
        .wait_for(1, |m| subject(m).starts_with("Booked:"))
        .await;
    assert!(got[0]["to"].as_str().unwrap().contains("ada@example.org"));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_send_each_message_once() {
    let Some(py) = python() else { return };
    for backend in backends() {
        let sink = Sink::start(py, free_port());
        let one = Srv::start_with(backend, "Europe/London", mail_to(&sink)).await;
        let two = one.beside_with(mail_to(&sink)).await;
        let w = world(&one, "Europe/London").await;
        let o = one.owner.clone();
        let day = add_days(w.race, -20);
        let mut ids = Vec::new();
        for i in 0..12 {
            let srv = if i % 2 == 0 { &one } else { &two };
            let t = if i % 4 < 2 { &w.t1 } else { &w.t2 };
            let d = add_days(day, i / 2);
            let a = srv
                .post(
                    "/api/appointments",
                    &o,
                    json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": t,
                            "start": format!("{d}T{:02}:00", 9 + (i % 2) * 3) }),
                )
                .await;
            ids.push(a["id"].as_str().unwrap().to_string());
        }
        let got = sink
            .wait_for(12, |m| subject(m).starts_with("Booked:"))
            .await;
        let mut uids: Vec<String> = got
            .iter()
            .map(|m| m["ics"]["uid"].as_str().unwrap().to_string())
            .collect();
        uids.sort();
        let mut want: Vec<String> = ids.iter().map(|i| format!("{i}@kneadtime")).collect();
        want.sort();
        assert_eq!(uids, want, "each booking's confirmation once");
        let out = common::outbox_settled(&one, &o).await;
        assert_eq!(out["counts"]["sent"], 12, "{out}");
        assert_eq!(sink.messages().len(), 12, "and nothing sent twice");
        two.stop().await;
        one.stop().await;
    }
}

/// A browser of its own: no cookies shared, redirects not followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_signs_in_on_another_device_by_emailed_link_and_is_never_made_twice() {
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let srv = Srv::start_with("sqlite", "Europe/London", mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    srv.post(
        "/api/appointments",
        &o,
        json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                "start": format!("{}T10:00", add_days(w.race, -20)) }),
    )
    .await;
    let clients_before = srv.get("/api/clients", &o).await.as_array().unwrap().len();

    // A new device: /me asks who you are.
    let b = browser();
    let res = b.get(format!("{}/me", srv.base)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/signin");
    let ask = |email: &'static str| {
        b.post(format!("{}/signin", srv.base))
            .header("origin", &srv.base)
            .form(&[("email", email)])
            .send()
    };
    let known = ask("  ADA@example.org ").await.unwrap();
    assert_eq!(known.status(), 200);
    let known = known.text().await.unwrap();
    let unknown = ask("nobody@example.org")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let said = |page: &str| page.contains("a sign-in link is on its way");
    assert!(said(&known) && said(&unknown), "the same answer either way");

    let got = sink
        .wait_for(1, |m| subject(m).starts_with("Your sign-in link"))
        .await;
    assert!(got[0]["to"].as_str().unwrap().contains("ada@example.org"));
    let link = link_in(got[0]["text"].as_str().unwrap(), &srv.base);

    // Opening the link shows a button; a mail scanner's fetch signs no one in.
    let page = b.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_none());
    let path = link.trim_start_matches(&srv.base).to_string();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains(&format!("action=\"{path}\""))
    );
    let used = b
        .post(&link)
        .header("origin", &srv.base)
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 303);
    assert_eq!(used.headers()["location"], "/me");
    let cookie = used.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me = b
        .get(format!("{}/me", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains("Sports 60"), "the booking made elsewhere: {me}");
    // Once only.
    let again = b
        .post(&link)
        .header("origin", &srv.base)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);

    // Signing up again with the same email sends a link instead of a second record.
    let start = b
        .post(format!("{}/book/start", srv.base))
        .header("origin", &srv.base)
        .form(&[
            ("service_id", w.sports.as_str()),
            ("name", "Ada R"),
            ("email", "Ada@Example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    assert!(start.text().await.unwrap().contains("Welcome back"));
    sink.wait_for(2, |m| subject(m).starts_with("Your sign-in link"))
        .await;
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/clients",
            Some(&o),
            Some(json!({ "name": "Ada Again", "email": "ada@EXAMPLE.org" })),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "email_taken");
    assert_eq!(v["error"]["details"]["client_id"], w.a.as_str());
    assert_eq!(
        srv.get("/api/clients", &o).await.as_array().unwrap().len(),
        clients_before,
        "no duplicate was made"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_who_ask_get_their_day_each_morning_once() {
    let Some(py) = python() else { return };
    for backend in backends() {
        let sink = Sink::start(py, free_port());
        let day = add_days(common::today_in("Europe/London"), 5);
        let at = |h: i8, m: i8| {
            day.at(h, m, 0, 0)
                .to_zoned(jiff::tz::TimeZone::get("Europe/London").unwrap())
                .unwrap()
                .timestamp()
        };
        let clock = Arc::new(SetClock::at(at(5, 0)));
        let srv = Srv::start_at(backend, "Europe/London", clock.clone(), mail_to(&sink)).await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        for (client, t, time) in [(&w.a, &w.t1, "10:00"), (&w.b, &w.t2, "11:00")] {
            srv.post(
                "/api/appointments",
                &o,
                json!({ "client_id": client, "service_id": w.sports, "therapist_id": t,
                        "start": format!("{day}T{time}") }),
            )
            .await;
        }
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/me/daily-email",
                Some(&w.t1_token),
                Some(json!({ "daily_email": true })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(srv.get("/api/me", &w.t1_token).await["daily_email"], true);
        // Clients cannot ask for it.
        let (s, _) = srv
            .call(
                Method::PUT,
                "/api/me/daily-email",
                Some(&w.a_token),
                Some(json!({ "daily_email": true })),
            )
            .await;
        assert_eq!(s, 403);

        // From six in the morning, Tess gets her own day.
        clock.set(at(6, 30));
        srv.call(
            Method::PUT,
            "/api/me/daily-email",
            Some(&w.t1_token),
            Some(json!({ "daily_email": true })),
        )
        .await;
        let got = sink
            .wait_for(1, |m| subject(m).starts_with("Your day on"))
            .await;
        let m = &got[0];
        assert!(m["to"].as_str().unwrap().contains("t1@clinic.test"), "{m}");
        let text = m["text"].as_str().unwrap();
        assert!(
            text.contains("10:00–11:00  Sports 60 · Ada Runner"),
            "{text}"
        );
        assert!(!text.contains("Ben Other"), "only her own: {text}");
        assert!(
            text.contains(&format!("{}/staff?date={day}", srv.base)),
            "{text}"
        );

        // The owner asks too and gets everyone's; Tess's is not sent twice.
        srv.call(
            Method::PUT,
            "/api/me/daily-email",
            Some(&o),
            Some(json!({ "daily_email": true })),
        )
        .await;
        let got = sink
            .wait_for(2, |m| subject(m).starts_with("Your day on"))
            .await;
        let owner = got
            .iter()
            .find(|m| m["to"].as_str().unwrap().contains(common::OWNER_EMAIL))
            .expect("the owner's day");
        let text = owner["text"].as_str().unwrap();
        assert!(
            text.contains("Ada Runner") && text.contains("Ben Other"),
            "{text}"
        );
        assert!(text.contains("with Theo Two"), "{text}");
        assert_eq!(got.len(), 2, "{got:?}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_week_tells_each_runner_their_time_or_their_place_on_the_waitlist() {
    let Some(py) = python() else { return };
    let sink = Sink::start(py, free_port());
    let srv = Srv::start_with("sqlite", "Europe/London", mail_to(&sink)).await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    // One therapist working one morning hour in the window: one runner gets it.
    for (t, hours) in [
        (
            &w.t1,
            json!([{ "day": "wed", "start": "10:00", "end": "11:00" }]),
        ),
        (&w.t2, json!([])),
    ] {
        let (s, v) = srv
            .call(
                Method::PUT,
                &format!("/api/therapists/{t}/hours"),
                Some(&o),
                Some(hours),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    // A second location, so the waitlist email says where the runner waits.
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
            json!({ "name": "Harbour Marathon", "date": w.race.to_string(), "distance": "marathon" }),
        )
        .await;
    let id = ev["id"].as_str().unwrap();
    srv.post(
        &format!("/api/events/{id}/requests"),
        &o,
        json!({ "runners": [
            { "name": "Ivy Fast", "email": "ivy@example.org", "tier": "elite" },
            { "name": "Max Later", "email": "max@example.org", "locations": ["main"] }
        ] }),
    )
    .await;
    let booked = srv
        .post(&format!("/api/events/{id}/book"), &o, json!({}))
        .await;
    assert_eq!(
        (booked["booked"].as_u64(), booked["waitlisted"].as_u64()),
        (Some(1), Some(1)),
        "{booked}"
    );
    let got = sink
        .wait_for(2, |m| {
            subject(m).starts_with("Booked:") || subject(m).starts_with("On the waitlist")
        })
        .await;
    let to = |who: &str| {
        got.iter()
            .find(|m| m["to"].as_str().unwrap_or("").contains(who))
            .unwrap_or_else(|| panic!("no mail to {who}: {got:?}"))
    };
    let ivy = to("ivy@example.org");
    assert!(subject(ivy).starts_with("Booked:"), "{ivy}");
    let text = ivy["text"].as_str().unwrap();
    assert!(text.contains("Harbour Marathon"), "{text}");
    assert!(text.contains("10:00 (Europe/London)"), "{text}");
    let max = to("max@example.org");
    assert!(subject(max).starts_with("On the waitlist"), "{max}");
    let text = max["text"].as_str().unwrap();
    assert!(text.contains("post-race, after Harbour Marathon"), "{text}");
    assert!(text.contains("You are on the waitlist for"), "{text}");
    assert!(
        text.contains(" at Test Clinic."),
        "the place they wait at: {text}"
    );
    assert!(text.contains(&format!("{}/me", srv.base)), "{text}");
    srv.stop().await;
}
