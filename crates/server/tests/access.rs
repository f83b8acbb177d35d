//! The access-control matrix: every endpoint against every role. "Allowed" means the
//! request got past access control (any answer but 401, 403 or 404); "denied" means
//! 401, 403 or 404 (a client's or appointment's existence is not revealed to those who
//! may not see it).

mod common;

use common::{Srv, add_days, world};
use reqwest::Method;
use serde_json::{Value, json};

const ROLES: [&str; 6] = ["anon", "client_a", "client_b", "therapist_1", "therapist_2", "owner"];

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
    let note = srv
        .post(&format!("/api/appointments/{appt}/notes"), &w.t1_token, json!({ "findings": [{ "region": "calves", "tightness": 2 }], "homework_given": "stretch" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let tokens = [None, Some(w.a_token.clone()), Some(w.b_token.clone()), Some(w.t1_token.clone()), Some(w.t2_token.clone()), Some(o.clone())];
    let hours = json!([{ "day": "mon", "start": "08:00", "end": "20:00" }, { "day": "tue", "start": "08:00", "end": "20:00" },
        { "day": "wed", "start": "08:00", "end": "20:00" }, { "day": "thu", "start": "08:00", "end": "20:00" },
        { "day": "fri", "start": "08:00", "end": "20:00" }, { "day": "sat", "start": "08:00", "end": "20:00" },
        { "day": "sun", "start": "08:00", "end": "20:00" }]);
    let service = json!({ "name": "S", "kind": "maintenance", "length_min": 60, "price_cents": 1, "pressure_min": "light", "pressure_max": "deep" });
    let (a, t1, svc) = (w.a.clone(), w.t1.clone(), w.sports.clone());
    // (method, path, body, allowed for: anon, client_a, client_b, therapist_1, therapist_2, owner)
    let rows: Vec<(Method, String, Option<Value>, &str)> = vec![
        (Method::GET, "/api/health".into(), None, "YYYYYY"),
        (Method::GET, "/api/rules".into(), None, "YYYYYY"),
        (Method::GET, "/api/openapi.json".into(), None, "YYYYYY"),
        (Method::GET, "/api/me".into(), None, "NYYYYY"),
        (Method::GET, "/api/clinic".into(), None, "YYYYYY"),
        (Method::PUT, "/api/clinic".into(), Some(json!({ "name": "Test Clinic" })), "NNNNNY"),
        (Method::GET, "/api/staff".into(), None, "NNNNNY"),
        (Method::POST, "/api/staff".into(), Some(json!({ "email": "x{n}@clinic.test", "name": "X", "role": "owner", "password": "a-long-password" })), "NNNNNY"),
        (Method::GET, "/api/therapists".into(), None, "YYYYYY"),
        (Method::POST, "/api/therapists".into(), Some(json!({ "name": "New" })), "NNNNNY"),
        (Method::GET, format!("/api/therapists/{t1}"), None, "NNNYYY"),
        (Method::PATCH, format!("/api/therapists/{t1}"), Some(json!({})), "NNNNNY"),
        (Method::GET, format!("/api/therapists/{t1}/hours"), None, "NNNYYY"),
        (Method::PUT, format!("/api/therapists/{t1}/hours"), Some(hours.clone()), "NNNYNY"),
        (Method::GET, format!("/api/therapists/{t1}/exceptions"), None, "NNNYYY"),
        (Method::POST, format!("/api/therapists/{t1}/exceptions"), Some(json!({ "from": "2030-01-01", "reason": "holiday" })), "NNNYNY"),
        (Method::POST, format!("/api/therapists/{t1}/feed"), None, "NNNYNY"),
        (Method::GET, "/api/services".into(), None, "YYYYYY"),
        (Method::POST, "/api/services".into(), Some(service.clone()), "NNNNNY"),
        (Method::PUT, format!("/api/services/{svc}"), Some(json!({ "name": "Sports 60", "kind": "maintenance", "length_min": 60, "price_cents": 5000, "pressure_min": "moderate", "pressure_max": "deep", "buffer_after_min": 15 })), "NNNNNY"),
        (Method::GET, "/api/clients".into(), None, "NNNYYY"),
        (Method::POST, "/api/clients".into(), Some(json!({ "name": "Walk-in" })), "NNNYYY"),
        (Method::GET, format!("/api/clients/{a}"), None, "NYNYNY"),
        (Method::PATCH, format!("/api/clients/{a}"), Some(json!({ "phone": "0123" })), "NYNYNY"),
        (Method::POST, format!("/api/clients/{a}/link"), None, "NNNYNY"),
        (Method::POST, format!("/api/clients/{a}/feed"), None, "NYNYNY"),
        (Method::POST, format!("/api/clients/{a}/races"), Some(json!({ "date": "2031-05-01", "distance": 10 , "priority": "C" })), "NYNYNY"),
        (Method::GET, format!("/api/clients/{a}/plan"), None, "NYNYNY"),
        (Method::GET, format!("/api/clients/{a}/slots?days=1&limit=1"), None, "NYNYYY"),
        (Method::GET, format!("/api/clients/{a}/notes"), None, "NYNYNY"),
        (Method::GET, format!("/api/clients/{a}/patterns"), None, "NYNYNY"),
        (Method::GET, "/api/appointments".into(), None, "NYYYYY"),
        (Method::GET, format!("/api/appointments?client_id={a}"), None, "NYNYYY"),
        (Method::GET, format!("/api/appointments?therapist_id={t1}"), None, "NYYYNY"),
        (Method::GET, format!("/api/appointments/{appt}"), None, "NYNYNY"),
        (Method::POST, format!("/api/appointments/{appt}/notes"), Some(json!({ "findings": [] })), "NNNYNY"),
        (Method::PATCH, format!("/api/notes/{note}"), Some(json!({ "homework_done": true })), "NYNYNY"),
        (Method::POST, format!("/api/appointments/{appt}/status"), Some(json!({ "status": "completed" })), "NNNYNY"),
        (Method::POST, format!("/api/appointments/{appt2}/cancel"), None, "NYNYNY"),
        (Method::POST, "/api/appointments".into(), Some(json!({ "client_id": a, "service_id": svc, "therapist_id": t1, "start": format!("{}T12:00", add_days(day, 1)) })), "NYNYNY"),
    ];
    let mut wrong = Vec::new();
    let mut n = 0;
    for (method, path, body, allowed) in &rows {
        for (i, role) in ROLES.iter().enumerate() {
            n += 1;
            let body = body.as_ref().map(|b| serde_json::from_str(&b.to_string().replace("{n}", &n.to_string())).unwrap());
            let (status, v) = srv.call(method.clone(), path, tokens[i].as_deref(), body).await;
            let denied = matches!(status, 401 | 403 | 404);
            let want_allowed = allowed.as_bytes()[i] == b'Y';
            if denied == want_allowed || status >= 500 {
                wrong.push(format!("{method} {path} as {role}: {status} {v}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {} checks wrong:\n{}", wrong.len(), rows.len() * ROLES.len(), wrong.join("\n"));

    // A client's list is only theirs; a therapist's only their schedule.
    let mine = srv.get("/api/appointments?from=2000-01-01&to=2000-12-31", &w.b_token).await;
    assert!(mine.as_array().unwrap().is_empty());
    let theirs = srv.get(&format!("/api/appointments?from={day}&to={day}"), &w.t2_token).await;
    assert!(theirs.as_array().unwrap().iter().all(|x| x["therapist_id"] == json!(w.t2)));
    let listed = srv.get("/api/clients", &w.t2_token).await;
    assert!(listed.as_array().unwrap().iter().all(|c| c["id"] != json!(w.a)), "T2 does not treat A");
    srv.stop().await;
}
