//! Intake and consent before the first visit, on both backends: the client fills it in
//! (consent and a typed name required), what they report holds back the pressure slot
//! search and the plan propose, staff see it and record going through it again, and no
//! one else reads it.

mod common;

use common::{Srv, add_days, backends, world};
use reqwest::Method;
use serde_json::{Value, json};

fn pressures(slots: &Value) -> Vec<String> {
    slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pressure"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_client_reports_holds_back_the_work_and_only_their_people_see_it() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let path = format!("/api/clients/{}/intake", w.a);
        // T1 treats Ada: a booking with her.
        let day = add_days(w.race, -20);
        srv.post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                    "start": format!("{day}T09:00") }),
        )
        .await;

        let none = srv.get(&path, &w.a_token).await;
        assert!(none["intake"].is_null(), "{none}");
        assert!(
            none["cautions"][0]
                .as_str()
                .unwrap()
                .contains("No intake yet")
        );
        let slots_path = format!(
            "/api/clients/{}/slots?service_id={}&from={}&days=14&limit=200",
            w.a,
            w.sports,
            add_days(w.race, -35)
        );
        let before = pressures(&srv.get(&slots_path, &o).await);
        assert!(
            before.iter().any(|p| p != "light"),
            "firmer work is offered: {before:?}"
        );
        let plan_path = format!("/api/clients/{}/plan", w.a);
        let plan = srv.get(&plan_path, &o).await;
        assert!(
            plan["plan"]["massages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["pressure"] != "light"),
            "{plan}"
        );

        // Consent and a name are needed; answers are checked.
        let answers = json!({
            "running": "Six years, 60 km a week",
            "goals": "Test City Marathon",
            "medication": "Warfarin",
            "flags": ["blood_thinners"],
            "pain": 2,
            "consent": true,
            "consent_name": "Ada Runner",
        });
        for (change, field) in [
            (json!({ "consent": false }), "consent"),
            (json!({ "consent_name": " " }), "consent_name"),
            (json!({ "pain": 11 }), "pain"),
            (json!({ "flags": ["tired"] }), "flags[0]"),
        ] {
            let mut body = answers.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = srv
                .call(Method::PUT, &path, Some(&w.a_token), Some(body))
                .await;
            assert_eq!(s, 400, "{field}: {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        let (s, saved) = srv
            .call(Method::PUT, &path, Some(&w.a_token), Some(answers.clone()))
            .await;
        assert_eq!(s, 200, "{saved}");
        assert_eq!(saved["pressure_cap"], "moderate");
        assert_eq!(saved["intake"]["consent_name"], "Ada Runner");
        assert!(
            saved["cautions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "No deep pressure"),
            "{saved}"
        );

        // Slot search holds back to moderate.
        let after = pressures(&srv.get(&slots_path, &o).await);
        assert!(
            !after.is_empty() && after.iter().all(|p| p != "deep"),
            "{after:?}"
        );

        // Pain scored 8 asks for a doctor or physio first: light work at most.
        let mut sore = answers.clone();
        sore["pain"] = json!(8);
        sore["current_pain"] = json!("left knee, two weeks");
        let (s, v) = srv
            .call(Method::PUT, &path, Some(&w.a_token), Some(sore))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["pressure_cap"], "light");
        assert!(
            v["cautions"][0]
                .as_str()
                .unwrap()
                .contains("physiotherapist or doctor")
        );
        // Slot search and the plan keep to light work.
        let after = pressures(&srv.get(&slots_path, &o).await);
        assert!(
            !after.is_empty() && after.iter().all(|p| p == "light"),
            "{after:?}"
        );
        let plan = srv.get(&plan_path, &o).await;
        let massages = plan["plan"]["massages"].as_array().unwrap();
        assert!(!massages.is_empty());
        assert!(massages.iter().all(|m| m["pressure"] == "light"), "{plan}");
        assert!(
            plan["plan"]["notes"]
                .to_string()
                .contains("reported at intake"),
            "{plan}"
        );

        // Her treating therapist and the owner read it; Ben and the other therapist
        // do not learn it exists.
        assert_eq!(srv.get(&path, &w.t1_token).await["intake"]["pain"], 8);
        assert_eq!(srv.get(&path, &o).await["intake"]["pain"], 8);
        for token in [&w.b_token, &w.t2_token] {
            let (s, _) = srv.call(Method::GET, &path, Some(token), None).await;
            assert_eq!(s, 404);
            let (s, _) = srv
                .call(Method::PUT, &path, Some(token), Some(answers.clone()))
                .await;
            assert_eq!(s, 404);
        }
        let (s, _) = srv.call(Method::GET, &path, None, None).await;
        assert_eq!(s, 401);

        // Gone through again at a visit; a later change asks for it again.
        let review = format!("{path}/review");
        let (s, _) = srv
            .call(Method::POST, &review, Some(&w.a_token), None)
            .await;
        assert_eq!(s, 403, "clients do not review their own");
        let (s, v) = srv
            .call(Method::POST, &review, Some(&w.t1_token), None)
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(v["intake"]["reviewed_at"].is_i64(), "{v}");
        assert!(
            v["intake"]["reviewed_by"]
                .as_str()
                .unwrap()
                .starts_with("staff:")
        );
        let (s, v) = srv
            .call(Method::PUT, &path, Some(&w.a_token), Some(answers))
            .await;
        assert_eq!(s, 200);
        assert!(v["intake"]["reviewed_at"].is_null(), "{v}");
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/clients/{}/intake/review", w.b),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 404, "Ben has no intake to go through");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_and_change_of_a_record_is_in_the_owner_s_log() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let day = add_days(w.race, -20);
        let appt = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{day}T09:00") }),
            )
            .await;
        let id = appt["id"].as_str().unwrap();
        // An empty note is refused; a real one is kept.
        let notes = format!("/api/appointments/{id}/notes");
        let (s, v) = srv
            .call(Method::POST, &notes, Some(&w.t1_token), Some(json!({})))
            .await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"]["field"], "findings");
        srv.post(
            &notes,
            &w.t1_token,
            json!({ "findings": [{ "region": "calves", "tightness": 2 }] }),
        )
        .await;
        srv.call(
            Method::PUT,
            &format!("/api/clients/{}/intake", w.a),
            Some(&w.a_token),
            Some(json!({ "consent": true, "consent_name": "Ada Runner" })),
        )
        .await;
        srv.get(&format!("/api/clients/{}/intake", w.a), &w.t1_token)
            .await;
        srv.get(&format!("/api/clients/{}/notes", w.a), &w.t1_token)
            .await;
        let log = srv.get(&format!("/api/audit?client_id={}", w.a), &o).await;
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .all(|e| e["client_name"] == "Ada Runner"),
            "{log}"
        );
        let seen: Vec<(String, String)> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["actor_name"].as_str().unwrap().to_string(),
                    e["action"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for want in [
            ("Tess One", "notes.add"),
            ("Ada Runner", "intake.change"),
            ("Tess One", "intake.view"),
            ("Tess One", "notes.view"),
        ] {
            assert!(
                seen.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} missing from {seen:?}"
            );
        }
        // Only the owner reads the log.
        for token in [&w.t1_token, &w.a_token] {
            let (s, _) = srv.call(Method::GET, "/api/audit", Some(token), None).await;
            assert_eq!(s, 403);
        }
        srv.stop().await;
    }
}
