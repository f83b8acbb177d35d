//! The treatment record over the API, on both backends: a note is a draft until its
//! therapist signs it, then changes only by amendment (the signed text kept, with who,
//! when and why); one note per visit; only the client's people may write or read it;
//! and after four visits with calves tight while hill work rises, the record says so
//! with its evidence and the plan's focus and pressure follow.

mod common;

use common::{Srv, add_days, backends, hilly_csv, world};
use jiff::civil::{Date, Weekday};
use reqwest::Method;
use serde_json::{Value, json};

fn note(calves: i64) -> Value {
    json!({
        "subjective": "Calves heavy after the hill session",
        "pain": 3,
        "last_homework_done": true,
        "findings": [
            { "region": "Calves", "side": "left", "tightness": calves, "tender_points": 2, "note": "medial knot" },
            { "region": "calves", "side": "right", "tightness": 1 }
        ],
        "pressure_used": "moderate",
        "techniques": ["effleurage", "trigger point"],
        "assessment": "Left calf loaded more than right",
        "homework_given": "Calf stretch twice a day",
        "next_visit": "In a week"
    })
}

fn monday_after(d: Date) -> Date {
    let mut x = add_days(d, 1);
    while x.weekday() != Weekday::Monday {
        x = add_days(x, 1);
    }
    x
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_is_signed_then_amended_and_the_record_joins_findings_with_training() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let today = common::today_in("Europe/London");
        let w0 = monday_after(today);
        let c = srv
            .post(
                "/api/clients",
                &o,
                json!({ "name": "Cal Hills", "email": "cal@example.org" }),
            )
            .await;
        let cal = c["client"]["id"].as_str().unwrap().to_string();
        srv.post(
            &format!("/api/clients/{cal}/calendars"),
            &o,
            json!({ "filename": "hills.csv", "content": hilly_csv(w0, &[1, 2, 2, 3, 3]) }),
        )
        .await;
        // Four Thursday visits with Tess, in weeks 1 to 4.
        let mut visits = Vec::new();
        for k in 1..=4 {
            let day = add_days(w0, k * 7 + 3);
            let v = srv
                .post(
                    "/api/appointments",
                    &o,
                    json!({ "client_id": cal, "service_id": w.sports, "therapist_id": w.t1,
                            "start": format!("{day}T09:00") }),
                )
                .await;
            visits.push(v["id"].as_str().unwrap().to_string());
        }

        // The first note: a draft, changed, then signed.
        let path = format!("/api/appointments/{}/notes", visits[0]);
        let (s, e) = srv
            .call(
                Method::POST,
                &path,
                Some(&w.t1_token),
                Some(json!({ "techniques": [" "] })),
            )
            .await;
        assert_eq!((s, &e["error"]["field"]), (400, &json!("findings")), "{e}");
        let (s, e) = srv
            .call(
                Method::POST,
                &path,
                Some(&w.t1_token),
                Some(json!({ "findings": [{ "region": "calves", "side": "front", "tightness": 1 }] })),
            )
            .await;
        assert_eq!(
            (s, &e["error"]["field"]),
            (400, &json!("findings[0].side")),
            "{e}"
        );
        // Theo does not treat Cal: the appointment does not exist for him.
        let (s, _) = srv
            .call(Method::POST, &path, Some(&w.t2_token), Some(note(1)))
            .await;
        assert_eq!(s, 404);
        let draft = srv.post(&path, &w.t1_token, note(3)).await;
        assert_eq!(draft["author"], "Tess One");
        assert!(draft["signed_at"].is_null());
        assert_eq!(draft["findings"][0]["side"], "left");
        assert_eq!(draft["findings"][0]["tender_points"], 2);
        let id = draft["id"].as_str().unwrap().to_string();
        let (s, again) = srv
            .call(Method::POST, &path, Some(&w.t1_token), Some(note(1)))
            .await;
        assert_eq!((s, &again["error"]["code"]), (409, &json!("note_exists")));
        assert_eq!(again["error"]["details"]["note_id"], id.as_str());
        let (s, edited) = srv
            .call(
                Method::PUT,
                &format!("/api/notes/{id}"),
                Some(&w.t1_token),
                Some(note(1)),
            )
            .await;
        assert_eq!(s, 200, "{edited}");
        assert_eq!(edited["findings"][0]["tightness"], 1);
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/notes/{id}/sign"),
                Some(&w.t2_token),
                None,
            )
            .await;
        assert_eq!(s, 404, "only the client's people sign");
        let signed = srv
            .post(&format!("/api/notes/{id}/sign"), &w.t1_token, json!({}))
            .await;
        assert_eq!(signed["signed_by"], "Tess One");
        assert!(signed["signed_at"].is_i64());
        // Signed: locked.
        let (s, e) = srv
            .call(
                Method::PUT,
                &format!("/api/notes/{id}"),
                Some(&w.t1_token),
                Some(note(2)),
            )
            .await;
        assert_eq!(
            (s, &e["error"]["code"]),
            (409, &json!("note_signed")),
            "{e}"
        );
        let (s, _) = srv
            .call(
                Method::POST,
                &format!("/api/notes/{id}/sign"),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 409);
        // An amendment needs its reason, and keeps the signed text.
        let amend = format!("/api/notes/{id}/amendments");
        let (s, e) = srv
            .call(
                Method::POST,
                &amend,
                Some(&w.t1_token),
                Some(json!({ "reason": " ", "note": note(1) })),
            )
            .await;
        assert_eq!((s, &e["error"]["field"]), (400, &json!("reason")), "{e}");
        let amended = srv
            .post(
                &amend,
                &w.t1_token,
                json!({ "reason": "left calf scored low", "note": note(2) }),
            )
            .await;
        assert_eq!(amended["findings"][0]["tightness"], 2);
        assert_eq!(amended["signed_content"]["findings"][0]["tightness"], 1);
        assert_eq!(amended["amendments"][0]["author"], "Tess One");
        assert_eq!(amended["amendments"][0]["reason"], "left calf scored low");

        // A draft takes no amendment.
        let second = srv
            .post(
                &format!("/api/appointments/{}/notes", visits[1]),
                &w.t1_token,
                note(1),
            )
            .await;
        let (s, e) = srv
            .call(
                Method::POST,
                &format!("/api/notes/{}/amendments", second["id"].as_str().unwrap()),
                Some(&w.t1_token),
                Some(json!({ "reason": "x", "note": note(2) })),
            )
            .await;
        assert_eq!(
            (s, &e["error"]["code"]),
            (409, &json!("wrong_state")),
            "{e}"
        );

        // Two visits in: no pattern to speak of.
        let patterns = format!("/api/clients/{cal}/patterns");
        let p = srv.get(&patterns, &o).await;
        assert_eq!(p["hints"], json!([]), "{p}");

        // Visits three and four: calves tight again while hill sessions went 1 → 3.
        for (v, t) in [(&visits[2], 3), (&visits[3], 2)] {
            srv.post(
                &format!("/api/appointments/{v}/notes"),
                &w.t1_token,
                note(t),
            )
            .await;
        }
        let p = srv.get(&patterns, &w.t1_token).await;
        let hint = p["hints"][0]["text"].as_str().unwrap_or_default();
        assert!(
            hint.starts_with(
                "Calves tight in 3 of the last 4 visits while hill sessions rose from 1 to 3 a week"
            ),
            "{backend}: {p}"
        );
        assert!(hint.ends_with("worth raising with your coach."), "{hint}");
        assert_eq!(p["regions"][0]["asymmetry"]["tighter"], "left", "{p}");
        assert!(
            p["hints"][0]["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.as_str().unwrap().contains("3 with hills")),
            "{p}"
        );
        assert_eq!(p["see_physio_or_doctor"], false);
        // The client reads it too; a therapist who does not treat them does not.
        let cal_token = c["link_token"].as_str().unwrap().to_string();
        let cal_session = srv.client_login(&cal_token).await;
        let mine = srv.get(&patterns, &cal_session).await;
        assert_eq!(mine["hints"], p["hints"]);
        // Of the notes, Cal reads the signed one; the drafts are Tess's until signed.
        let notes_path = format!("/api/clients/{cal}/notes");
        let theirs = srv.get(&notes_path, &cal_session).await;
        assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
        assert_eq!(
            srv.get(&notes_path, &w.t1_token)
                .await
                .as_array()
                .unwrap()
                .len(),
            4
        );
        let (s, _) = srv
            .call(Method::GET, &patterns, Some(&w.t2_token), None)
            .await;
        assert_eq!(s, 404);

        // The plan's focus follows the record.
        let plan = srv.get(&format!("/api/clients/{cal}/plan"), &o).await;
        let massages = plan["plan"]["massages"].as_array().unwrap().clone();
        assert!(!massages.is_empty(), "{plan}");
        assert!(
            massages
                .iter()
                .filter(|m| m["kind"] == "maintenance")
                .all(|m| m["focus"].as_array().unwrap().iter().any(|f| f == "calves")),
            "{plan}"
        );
        // Pain 8 reported at the last visit: light work only, and see a physio or doctor.
        let last = srv
            .get(&format!("/api/clients/{cal}/notes"), &o)
            .await
            .as_array()
            .unwrap()
            .last()
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut sore = note(2);
        sore["pain"] = json!(8);
        let (s, v) = srv
            .call(
                Method::PUT,
                &format!("/api/notes/{last}"),
                Some(&w.t1_token),
                Some(sore),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let p = srv.get(&patterns, &o).await;
        assert_eq!(p["see_physio_or_doctor"], true);
        assert!(
            p["hints"][0]["text"]
                .as_str()
                .unwrap()
                .contains("see a physiotherapist or doctor"),
            "{p}"
        );
        let plan = srv.get(&format!("/api/clients/{cal}/plan"), &o).await;
        assert!(
            plan["plan"]["massages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["pressure"] == "light"),
            "{plan}"
        );
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn homework_is_given_by_the_clients_people_and_ticked_by_the_client() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let today = common::today_in("Europe/London");
        // Tess treats Ada (a booking); Theo does not.
        srv.post(
            "/api/appointments",
            &o,
            json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                    "start": format!("{}T09:00", add_days(today, 3)) }),
        )
        .await;
        let lib = srv.get("/api/homework/library", &w.a_token).await;
        assert!(
            lib.as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == "calf_stretch"),
            "{lib}"
        );
        let path = format!("/api/clients/{}/homework", w.a);
        for (token, body, status, field) in [
            (
                &w.t1_token,
                json!({ "routine": "yoga", "per_week": 3 }),
                400,
                "routine",
            ),
            (
                &w.t1_token,
                json!({ "routine": "calf_stretch", "per_week": 0 }),
                400,
                "per_week",
            ),
            (
                &w.t2_token,
                json!({ "routine": "calf_stretch", "per_week": 3 }),
                404,
                "",
            ),
            (
                &w.a_token,
                json!({ "routine": "calf_stretch", "per_week": 3 }),
                403,
                "",
            ),
        ] {
            let (s, v) = srv.call(Method::POST, &path, Some(token), Some(body)).await;
            assert_eq!(s, status, "{v}");
            if !field.is_empty() {
                assert_eq!(v["error"]["field"], field, "{v}");
            }
        }
        let h = srv
            .post(
                &path,
                &w.t1_token,
                json!({ "routine": "calf_stretch", "per_week": 7 }),
            )
            .await;
        assert_eq!(h["assigned_by"], "Tess One");
        assert_eq!(h["kept_up"], "done 0 of 1 day expected in the last 1 day");
        let id = h["id"].as_str().unwrap().to_string();
        let ticks = format!("/api/homework/{id}/ticks");
        // Ada ticks today; not tomorrow, nor before it was given.
        let t = srv
            .post(
                &ticks,
                &w.a_token,
                json!({ "date": today.to_string(), "done": true }),
            )
            .await;
        assert_eq!(t["ticks"], json!([today.to_string()]));
        assert_eq!(t["compliance"]["done"], 1);
        for day in [add_days(today, 1), add_days(today, -1)] {
            let (s, v) = srv
                .call(
                    Method::POST,
                    &ticks,
                    Some(&w.a_token),
                    Some(json!({ "date": day.to_string(), "done": true })),
                )
                .await;
            assert_eq!((s, &v["error"]["field"]), (400, &json!("date")), "{v}");
        }
        // Ben may not tick Ada's homework, nor Theo stop it.
        let (s, _) = srv
            .call(
                Method::POST,
                &ticks,
                Some(&w.b_token),
                Some(json!({ "date": today.to_string(), "done": true })),
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = srv
            .call(
                Method::DELETE,
                &format!("/api/homework/{id}"),
                Some(&w.t2_token),
                None,
            )
            .await;
        assert_eq!(s, 404);
        let list = srv.get(&path, &w.a_token).await;
        assert_eq!(list[0]["compliance"]["done"], 1, "{list}");
        let (s, _) = srv
            .call(
                Method::DELETE,
                &format!("/api/homework/{id}"),
                Some(&w.t1_token),
                None,
            )
            .await;
        assert_eq!(s, 204);
        let (s, v) = srv
            .call(
                Method::POST,
                &ticks,
                Some(&w.a_token),
                Some(json!({ "date": today.to_string(), "done": false })),
            )
            .await;
        assert_eq!((s, &v["error"]["field"]), (400, &json!("homework")), "{v}");
        assert_eq!(srv.get(&path, &o).await[0]["ended"], true);
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_record_exports_for_whom_the_client_chooses_and_the_owner_erases_it() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let today = common::today_in("Europe/London");
        let appt = srv
            .post(
                "/api/appointments",
                &o,
                json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1,
                        "start": format!("{}T09:00", add_days(today, 2)) }),
            )
            .await;
        let appt = appt["id"].as_str().unwrap().to_string();
        let (s, v) = srv
            .call(
                Method::PUT,
                &format!("/api/clients/{}/intake", w.a),
                Some(&w.a_token),
                Some(json!({ "running": "Six years", "medication": "Warfarin",
                             "flags": ["blood_thinners"], "pain": 2,
                             "consent": true, "consent_name": "Ada Runner" })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let n = srv
            .post(
                &format!("/api/appointments/{appt}/notes"),
                &w.t1_token,
                note(2),
            )
            .await;
        let id = n["id"].as_str().unwrap();
        srv.post(&format!("/api/notes/{id}/sign"), &w.t1_token, json!({}))
            .await;
        let get = |token: String, who: &'static str| {
            let srv = &srv;
            let a = w.a.clone();
            async move {
                let res = srv
                    .http
                    .get(format!("{}/api/clients/{a}/record?for={who}", srv.base))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let kind = res
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                (status, kind, res.text().await.unwrap())
            }
        };
        let (s, kind, coach) = get(w.a_token.clone(), "coach").await;
        assert_eq!(s, 200, "{coach}");
        assert!(kind.starts_with("text/markdown"), "{kind}");
        assert!(
            coach.starts_with("# Sports massage record: Ada Runner"),
            "{coach}"
        );
        assert!(coach.contains("found: calves left 2, right 1"), "{coach}");
        assert!(coach.contains("Calf stretch twice a day"), "{coach}");
        assert!(
            !coach.contains("Warfarin") && !coach.contains("pain 3/10"),
            "{coach}"
        );
        let (_, _, physio) = get(w.a_token.clone(), "physio").await;
        assert!(physio.contains("Medication: Warfarin"), "{physio}");
        assert!(physio.contains("pain 3/10"), "{physio}");
        assert!(physio.contains("Consent given by Ada Runner"), "{physio}");
        let (s, _, _) = get(w.a_token.clone(), "friend").await;
        assert_eq!(s, 400);
        let (s, _, _) = get(w.t2_token.clone(), "clinic").await;
        assert_eq!(s, 404, "only the client's people");
        let (s, _, _) = get(w.b_token.clone(), "coach").await;
        assert_eq!(s, 404);

        // Erasure: the owner's alone, confirmed by the name.
        let erase = format!("/api/clients/{}/erase", w.a);
        let (s, _) = srv
            .call(
                Method::POST,
                &erase,
                Some(&w.t1_token),
                Some(json!({ "confirm_name": "Ada Runner" })),
            )
            .await;
        assert_eq!(s, 403);
        let (s, v) = srv
            .call(
                Method::POST,
                &erase,
                Some(&o),
                Some(json!({ "confirm_name": "Ada" })),
            )
            .await;
        assert_eq!(
            (s, &v["error"]["field"]),
            (400, &json!("confirm_name")),
            "{v}"
        );
        let (s, v) = srv
            .call(
                Method::POST,
                &erase,
                Some(&o),
                Some(json!({ "confirm_name": " ada  runner " })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["bookings_counted"], 1);
        let (s, _) = srv
            .call(
                Method::GET,
                &format!("/api/clients/{}", w.a),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = srv
            .call(
                Method::GET,
                &format!("/api/appointments/{appt}"),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 404);
        // Her own sessions end with her record.
        let (s, _) = srv
            .call(Method::GET, "/api/me", Some(&w.a_token), None)
            .await;
        assert_eq!(s, 401);
        let log = srv.get(&format!("/api/audit?client_id={}", w.a), &o).await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"client.erase"), "{log}");
        assert!(actions.contains(&"record.export"), "{log}");
        srv.stop().await;
    }
}
