//! The access-control matrix: every endpoint against every role. "Allowed" means the
//! request got past access control (any answer but 401, 403 or 404); "denied" means
//! 401, 403 or 404 (a client's or appointment's existence is not revealed to those who
//! may not see it).

mod common;

use common::{Srv, add_days, world};
use reqwest::Method;
use serde_json::{Value, json};

const ROLES: [&str; 6] = [
    "anon",
    "client_a",
    "client_b",
    "therapist_1",
    "therapist_2",
    "owner",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_by_every_role() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    // T1 treats A: one appointment with a note; a second one to cancel.
    let day = add_days(w.race, -20);
    let appt = srv
        .post("/api/appointments", &o, json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T09:00") }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let appt2 = srv
        .post("/api/appointments", &o, json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T15:00") }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wait = srv
        .post("/api/waitlist", &o, json!({ "client_id": w.a, "service_id": w.sports, "from": day.to_string(), "to": add_days(day, 2).to_string() }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let race = srv
        .post("/api/events", &o, json!({ "name": "Access Marathon", "date": w.race.to_string(), "distance": "marathon" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    srv.post(
        &format!("/api/events/{race}/requests"),
        &o,
        json!({ "runners": [{ "client_id": w.a }] }),
    )
    .await;
    let note = srv
        .post(&format!("/api/appointments/{appt}/notes"), &w.t1_token, json!({ "findings": [{ "region": "calves", "tightness": 2 }], "homework_given": "stretch" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let tokens = [
        None,
        Some(w.a_token.clone()),
        Some(w.b_token.clone()),
        Some(w.t1_token.clone()),
        Some(w.t2_token.clone()),
        Some(o.clone()),
    ];
    let hours = json!([{ "day": "mon", "start": "08:00", "end": "20:00" }, { "day": "tue", "start": "08:00", "end": "20:00" },
        { "day": "wed", "start": "08:00", "end": "20:00" }, { "day": "thu", "start": "08:00", "end": "20:00" },
        { "day": "fri", "start": "08:00", "end": "20:00" }, { "day": "sat", "start": "08:00", "end": "20:00" },
        { "day": "sun", "start": "08:00", "end": "20:00" }]);
    let service = json!({ "name": "S", "kind": "maintenance", "length_min": 60, "price_cents": 1, "pressure_min": "light", "pressure_max": "deep" });
    let (a, t1, svc) = (w.a.clone(), w.t1.clone(), w.sports.clone());
    let staff2 = srv
        .get("/api/staff", &o)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["therapist_id"] == json!(w.t2))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hw = srv
        .post(
            &format!("/api/clients/{}/homework", w.a),
            &w.t1_token,
            json!({ "routine": "calf_stretch", "per_week": 3 }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let zed = srv
        .post("/api/clients", &o, json!({ "name": "Zed Erase" }))
        .await["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let today = common::today_in("Europe/London").to_string();
    let note_body = json!({ "findings": [{ "region": "calves", "side": "left", "tightness": 2 }] });
    // (method, path, body, allowed for: anon, client_a, client_b, therapist_1, therapist_2, owner)
    let rows: Vec<(Method, String, Option<Value>, &str)> = vec![
        (Method::GET, "/api/health".into(), None, "YYYYYY"),
        (Method::GET, "/api/rules".into(), None, "YYYYYY"),
        (Method::GET, "/api/openapi.json".into(), None, "YYYYYY"),
        (Method::GET, "/api/me".into(), None, "NYYYYY"),
        (Method::GET, "/api/clinic".into(), None, "YYYYYY"),
        (
            Method::PUT,
            "/api/clinic".into(),
            Some(json!({ "name": "Test Clinic" })),
            "NNNNNY",
        ),
        (Method::GET, "/api/locations".into(), None, "YYYYYY"),
        (
            Method::POST,
            "/api/locations".into(),
            Some(json!({ "name": "Branch {n}" })),
            "NNNNNY",
        ),
        (Method::GET, "/api/locations/main".into(), None, "YYYYYY"),
        (
            Method::PATCH,
            "/api/locations/main".into(),
            Some(json!({ "address": "1 Track Lane" })),
            "NNNNNY",
        ),
        (
            Method::PUT,
            "/api/locations/main/hours".into(),
            Some(json!([])),
            "NNNNNY",
        ),
        (Method::GET, "/api/events".into(), None, "NNNNNY"),
        (
            Method::POST,
            "/api/events".into(),
            Some(json!({ "name": "Race {n}", "date": "2030-04-21", "distance": "half" })),
            "NNNNNY",
        ),
        (Method::GET, format!("/api/events/{race}"), None, "NNNNNY"),
        (
            Method::GET,
            format!("/api/events/{race}/requests"),
            None,
            "NNNNNY",
        ),
        (
            Method::POST,
            format!("/api/events/{race}/requests"),
            Some(json!({ "runners": [{ "name": "R", "email": "r{n}@example.org" }] })),
            "NNNNNY",
        ),
        (
            Method::DELETE,
            format!("/api/events/{race}/requests/{a}"),
            None,
            "NYNNNY",
        ),
        (
            Method::GET,
            format!("/api/events/{race}/allocation"),
            None,
            "NNNNNY",
        ),
        (
            Method::POST,
            format!("/api/events/{race}/book"),
            None,
            "NNNNNY",
        ),
        (
            Method::GET,
            format!("/api/events/{race}/capacity?finishers=100&median=4:00&spread=0:30"),
            None,
            "NNNNNY",
        ),
        (Method::GET, "/api/staff".into(), None, "NNNNNY"),
        (
            Method::POST,
            "/api/staff".into(),
            Some(
                json!({ "email": "x{n}@clinic.test", "name": "X", "role": "owner", "password": "a-long-password" }),
            ),
            "NNNNNY",
        ),
        (Method::GET, "/api/therapists".into(), None, "YYYYYY"),
        (
            Method::POST,
            "/api/therapists".into(),
            Some(json!({ "name": "New" })),
            "NNNNNY",
        ),
        (Method::GET, format!("/api/therapists/{t1}"), None, "NNNYYY"),
        (
            Method::PATCH,
            format!("/api/therapists/{t1}"),
            Some(json!({})),
            "NNNNNY",
        ),
        (
            Method::GET,
            format!("/api/therapists/{t1}/hours"),
            None,
            "NNNYYY",
        ),
        (
            Method::PUT,
            format!("/api/therapists/{t1}/hours"),
            Some(hours.clone()),
            "NNNYNY",
        ),
        (
            Method::GET,
            format!("/api/therapists/{t1}/exceptions"),
            None,
            "NNNYYY",
        ),
        (
            Method::POST,
            format!("/api/therapists/{t1}/exceptions"),
            Some(json!({ "from": "2030-01-01", "reason": "holiday" })),
            "NNNYNY",
        ),
        (
            Method::POST,
            format!("/api/therapists/{t1}/feed"),
            None,
            "NNNYNY",
        ),
        (Method::GET, "/api/services".into(), None, "YYYYYY"),
        (
            Method::POST,
            "/api/services".into(),
            Some(service.clone()),
            "NNNNNY",
        ),
        (
            Method::PUT,
            format!("/api/services/{svc}"),
            Some(
                json!({ "name": "Sports 60", "kind": "maintenance", "length_min": 60, "price_cents": 5000, "pressure_min": "moderate", "pressure_max": "deep", "buffer_after_min": 15 }),
            ),
            "NNNNNY",
        ),
        (Method::GET, "/api/clients".into(), None, "NNNYYY"),
        (
            Method::POST,
            "/api/clients".into(),
            Some(json!({ "name": "Walk-in" })),
            "NNNYYY",
        ),
        (Method::GET, format!("/api/clients/{a}"), None, "NYNYNY"),
        (
            Method::PATCH,
            format!("/api/clients/{a}"),
            Some(json!({ "phone": "0123" })),
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{a}/feed"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{a}/races"),
            Some(json!({ "date": "2031-05-01", "distance": 10 , "priority": "C" })),
            "NYNYNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/plan"),
            None,
            "NYNYNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/slots?days=1&limit=1"),
            None,
            "NYNYNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/notes"),
            None,
            "NYNYNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/patterns"),
            None,
            "NYNYNY",
        ),
        (Method::GET, "/api/appointments".into(), None, "NYYYYY"),
        (
            Method::GET,
            format!("/api/appointments?client_id={a}"),
            None,
            "NYNYYY",
        ),
        (
            Method::GET,
            format!("/api/appointments?therapist_id={t1}"),
            None,
            "NYYYNY",
        ),
        (
            Method::GET,
            format!("/api/appointments/{appt}"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/appointments/{appt}/notes"),
            Some(json!({ "findings": [] })),
            "NNNYNY",
        ),
        (
            Method::PATCH,
            format!("/api/notes/{note}"),
            Some(json!({ "homework_done": true })),
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/appointments/{appt}/status"),
            Some(json!({ "status": "completed" })),
            "NNNYNY",
        ),
        (
            Method::POST,
            format!("/api/appointments/{appt2}/cancel"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            "/api/appointments".into(),
            Some(
                json!({ "client_id": a, "service_id": svc, "therapist_id": t1, "start": format!("{}T12:00", add_days(day, 1)) }),
            ),
            "NYNYNY",
        ),
        (
            Method::PATCH,
            format!("/api/staff/{staff2}"),
            Some(json!({ "active": true })),
            "NNNNNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/intake"),
            None,
            "NYNYNY",
        ),
        (
            Method::PUT,
            format!("/api/clients/{a}/intake"),
            Some(json!({ "consent": true, "consent_name": "Ada Runner", "pain": 1 })),
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{a}/intake/review"),
            None,
            "NNNYNY",
        ),
        (Method::GET, "/api/waitlist".into(), None, "NYYYYY"),
        (Method::GET, "/api/offers".into(), None, "NYYYYY"),
        (
            Method::POST,
            "/api/waitlist".into(),
            Some(
                json!({ "client_id": a, "service_id": svc, "from": add_days(day, 1).to_string(), "to": add_days(day, 3).to_string() }),
            ),
            "NYNYNY",
        ),
        (
            Method::DELETE,
            format!("/api/waitlist/{wait}"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{a}/merge"),
            Some(json!({ "from": a })),
            "NNNNNY",
        ),
        (
            Method::PUT,
            format!("/api/notes/{note}"),
            Some(note_body.clone()),
            "NNNYNY",
        ),
        (
            Method::POST,
            format!("/api/notes/{note}/amendments"),
            Some(json!({ "reason": "typo", "note": note_body })),
            "NNNYNY",
        ),
        (
            Method::POST,
            format!("/api/notes/{note}/sign"),
            None,
            "NNNYNY",
        ),
        (Method::GET, "/api/homework/library".into(), None, "NYYYYY"),
        (
            Method::GET,
            format!("/api/clients/{a}/homework"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{a}/homework"),
            Some(json!({ "routine": "roll_quick", "per_week": 2 })),
            "NNNYNY",
        ),
        (
            Method::POST,
            format!("/api/homework/{hw}/ticks"),
            Some(json!({ "date": today, "done": true })),
            "NYNYNY",
        ),
        (
            Method::GET,
            format!("/api/clients/{a}/record?for=coach"),
            None,
            "NYNYNY",
        ),
        (
            Method::POST,
            format!("/api/clients/{zed}/erase"),
            Some(json!({ "confirm_name": "not the name" })),
            "NNNNNY",
        ),
        // Last: a new link ends the client's sessions.
        (
            Method::POST,
            format!("/api/clients/{a}/link"),
            None,
            "NNNNNY",
        ),
    ];
    let mut wrong = Vec::new();
    let mut n = 0;
    for (method, path, body, allowed) in &rows {
        for (i, role) in ROLES.iter().enumerate() {
            n += 1;
            let body = body.as_ref().map(|b| {
                serde_json::from_str(&b.to_string().replace("{n}", &n.to_string())).unwrap()
            });
            let (status, v) = srv
                .call(method.clone(), path, tokens[i].as_deref(), body)
                .await;
            let denied = matches!(status, 401 | 403 | 404);
            let want_allowed = allowed.as_bytes()[i] == b'Y';
            if denied == want_allowed || status >= 500 {
                wrong.push(format!("{method} {path} as {role}: {status} {v}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} checks wrong:\n{}",
        wrong.len(),
        rows.len() * ROLES.len(),
        wrong.join("\n")
    );

    // A client's list is only theirs; a therapist's only their schedule.
    let mine = srv
        .get(
            "/api/appointments?from=2000-01-01&to=2000-12-31",
            &w.b_token,
        )
        .await;
    assert!(mine.as_array().unwrap().is_empty());
    let theirs = srv
        .get(
            &format!("/api/appointments?from={day}&to={day}"),
            &w.t2_token,
        )
        .await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["therapist_id"] == json!(w.t2))
    );
    let listed = srv.get("/api/clients", &w.t2_token).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != json!(w.a)),
        "T2 does not treat A"
    );
    srv.stop().await;
}

/// The attack the rules close: a therapist cannot book a stranger to open their record,
/// and the tie ends with the appointments that made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationships_decide_who_sees_and_books_whom() {
    for backend in common::backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let day = add_days(w.race, -20);
        let book = |therapist: &str, start: &str| json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": therapist, "start": format!("{day}T{start}") });

        // T2 has never treated A: no booking, no record, no notes.
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.t2_token),
                Some(book(&w.t2, "10:00")),
            )
            .await;
        assert_eq!(s, 403, "{backend}: {v}");
        for path in [
            format!("/api/clients/{}", w.a),
            format!("/api/clients/{}/notes", w.a),
            format!("/api/clients/{}/plan", w.a),
        ] {
            let (s, _) = srv.call(Method::GET, &path, Some(&w.t2_token), None).await;
            assert_eq!(s, 404, "{backend}: {path}");
        }
        // The front desk books A with T2; T1 records a note on its own visit.
        let t1_visit = srv
            .post("/api/appointments", &o, book(&w.t1, "09:00"))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        srv.post(
            &format!("/api/appointments/{t1_visit}/notes"),
            &w.t1_token,
            json!({ "findings": [{ "region": "calves", "tightness": 3 }] }),
        )
        .await;
        let t2_visit = srv
            .post("/api/appointments", &o, book(&w.t2, "14:00"))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        // Now T2 treats A: the notes of every therapist are open to them, and T2 may book
        // A again on their own schedule (not on T1's).
        let notes = srv
            .get(&format!("/api/clients/{}/notes", w.a), &w.t2_token)
            .await;
        assert_eq!(notes.as_array().unwrap().len(), 1, "{backend}: {notes}");
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.t2_token),
                Some(book(&w.t2, "17:00")),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {v}");
        let (s, _) = srv
            .call(
                Method::POST,
                "/api/appointments",
                Some(&w.t2_token),
                Some(book(&w.t1, "18:00")),
            )
            .await;
        assert_eq!(s, 403, "{backend}");
        // Cancelling every visit with A ends the tie.
        let later = v["id"].as_str().unwrap().to_string();
        for id in [&t2_visit, &later] {
            let (s, v) = srv
                .call(
                    Method::POST,
                    &format!("/api/appointments/{id}/cancel"),
                    Some(&w.t2_token),
                    None,
                )
                .await;
            assert_eq!(s, 200, "{backend}: {v}");
        }
        let (s, _) = srv
            .call(
                Method::GET,
                &format!("/api/clients/{}/notes", w.a),
                Some(&w.t2_token),
                None,
            )
            .await;
        assert_eq!(s, 404, "{backend}: a cancelled booking is no tie");
        // Only the owner makes a new personal link.
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/clients/{}/link", w.a),
                Some(&w.t1_token),
                None,
            )
            .await;
        assert_eq!(s, 403, "{backend}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_logins_and_rotated_links_end_their_sessions() {
    for backend in common::backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        // A deactivated therapist is signed out everywhere and cannot sign in.
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/therapists/{}", w.t1),
                Some(&o),
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, _) = srv
            .call(Method::GET, "/api/me", Some(&w.t1_token), None)
            .await;
        assert_eq!(
            s, 401,
            "{backend}: the deactivated therapist's session still works"
        );
        let (s, _) = srv
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({ "email": "t1@clinic.test", "password": common::T1_PASSWORD })),
            )
            .await;
        assert_eq!(s, 401, "{backend}");
        srv.call(
            Method::PATCH,
            &format!("/api/therapists/{}", w.t1),
            Some(&o),
            Some(json!({ "active": true })),
        )
        .await;
        let t1 = srv.login("t1@clinic.test", common::T1_PASSWORD).await;

        // The owner resets T1's password: the old one and T1's sessions stop.
        let staff = srv.get("/api/staff", &o).await;
        let t1_staff = staff
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["therapist_id"] == json!(w.t1))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/staff/{t1_staff}"),
                Some(&o),
                Some(json!({ "password": "marigold-ledger-87-umbra" })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, _) = srv.call(Method::GET, "/api/me", Some(&t1), None).await;
        assert_eq!(s, 401, "{backend}");
        srv.login("t1@clinic.test", "marigold-ledger-87-umbra")
            .await;
        // Revoking the login stops it; the clinic's only owner cannot be revoked.
        let (s, _) = srv
            .call(
                Method::PATCH,
                &format!("/api/staff/{t1_staff}"),
                Some(&o),
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = srv
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({ "email": "t1@clinic.test", "password": "marigold-ledger-87-umbra" })),
            )
            .await;
        assert_eq!(s, 401, "{backend}");
        let me = srv.get("/api/me", &o).await;
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/staff/{}", me["id"].as_str().unwrap()),
                Some(&o),
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("last_owner")),
            "{v}"
        );

        // A new link ends every session opened with the old one; the old link is dead.
        let fresh = srv
            .post(&format!("/api/clients/{}/link", w.a), &o, json!(null))
            .await;
        let (s, _) = srv
            .call(Method::GET, "/api/me", Some(&w.a_token), None)
            .await;
        assert_eq!(s, 401, "{backend}: a session from the old link survived");
        let (s, _) = srv
            .call(
                Method::POST,
                "/api/client-login",
                None,
                Some(json!({ "token": w.a_link })),
            )
            .await;
        assert_eq!(s, 401, "{backend}");
        srv.client_login(fresh["link_token"].as_str().unwrap())
            .await;

        // An edit racing a new link never brings the old link back.
        let (client_path, link_path) = (
            format!("/api/clients/{}", w.a),
            format!("/api/clients/{}/link", w.a),
        );
        for i in 0..10 {
            let patch = srv.call(
                Method::PATCH,
                &client_path,
                Some(&o),
                Some(json!({ "phone": format!("0{i}") })),
            );
            let link = srv.call(Method::POST, &link_path, Some(&o), None);
            let ((ps, _), (ls, lv)) = tokio::join!(patch, link);
            assert_eq!((ps, ls), (200, 200), "{lv}");
            let (s, v) = srv
                .call(
                    Method::POST,
                    "/api/client-login",
                    None,
                    Some(json!({ "token": lv["link_token"] })),
                )
                .await;
            assert_eq!(
                s, 200,
                "{backend}: trial {i}: the new link does not sign in: {v}"
            );
        }
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_password_needs_the_current_one_or_a_fresh_link() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    // Right after the link sign-in, a first password is set without another.
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/me/password",
            Some(&w.a_token),
            Some(json!({ "password": "saffron-kettle-93-drift" })),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    // A password session must give the current one.
    let (s, v) = srv
        .call(
            Method::POST,
            "/api/client-login",
            None,
            Some(json!({ "email": "ada@example.org", "password": "saffron-kettle-93-drift" })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let by_password = v["token"].as_str().unwrap().to_string();
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/me/password",
            Some(&by_password),
            Some(json!({ "password": "orchid-lantern-55-quill" })),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (400, Some("current_password")),
        "{v}"
    );
    let (s, _) = srv
        .call(Method::PUT, "/api/me/password", Some(&by_password), Some(json!({ "password": "orchid-lantern-55-quill", "current_password": "wrong-one-entirely" })))
        .await;
    assert_eq!(s, 400);
    let (s, v) = srv
        .call(Method::PUT, "/api/me/password", Some(&by_password), Some(json!({ "password": "orchid-lantern-55-quill", "current_password": "saffron-kettle-93-drift" })))
        .await;
    assert_eq!(s, 204, "{v}");
    // Weak and short passwords are refused with a reason.
    for weak in [
        "short-pw",
        "password1234",
        "ada@example.org1",
        "qwertyuiopasdf",
    ] {
        let (s, v) = srv
            .call(
                Method::PUT,
                "/api/me/password",
                Some(&by_password),
                Some(json!({ "password": weak, "current_password": "orchid-lantern-55-quill" })),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some("password")),
            "{weak}: {v}"
        );
    }
    srv.stop().await;
}
