//! Calendar feeds are valid RFC 5545: read back by two independent parsers (ours, on
//! the `icalendar` crate, and Python's `icalendar`), with awkward names escaped and
//! folded, cancellations kept, and secrets that do not open other feeds.

mod common;

use std::process::Command;

use common::{Srv, add_days, world};
use reqwest::Method;
use serde_json::{Value, json};

/// A Python interpreter that has the `icalendar` package, if any.
fn python_with_icalendar() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import icalendar"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

const PY: &str = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
out = []
for ev in cal.walk("VEVENT"):
    out.append({
        "uid": str(ev["UID"]),
        "start": ev.decoded("DTSTART").isoformat(),
        "end": ev.decoded("DTEND").isoformat(),
        "summary": str(ev["SUMMARY"]),
        "status": str(ev.get("STATUS", "")),
    })
print(json.dumps({"name": str(cal.get("X-WR-CALNAME", "")), "events": out}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_parse_back_with_two_parsers() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let o = srv.owner.clone();
    let long_name = "Zoë O'Brien-Łukasiewicz, Jr.; the fastest vet in the club (\\ and / too)";
    let c = srv
        .post("/api/clients", &o, json!({ "name": long_name }))
        .await["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let day = add_days(w.race, -20);
    let mut ids = Vec::new();
    for (client, time) in [(&w.a, "09:00"), (&c, "11:00"), (&c, "15:00")] {
        let a = srv
            .post("/api/appointments", &o, json!({ "client_id": client, "service_id": w.sports, "therapist_id": w.t1, "start": format!("{day}T{time}") }))
            .await;
        ids.push((
            a["id"].as_str().unwrap().to_string(),
            a["start"].as_str().unwrap().to_string(),
        ));
    }
    let (s, _) = srv
        .call(
            Method::POST,
            &format!("/api/appointments/{}/cancel", ids[2].0),
            Some(&o),
            None,
        )
        .await;
    assert_eq!(s, 200);

    let url = srv
        .post(
            &format!("/api/therapists/{}/feed", w.t1),
            &w.t1_token,
            json!({}),
        )
        .await["feed_url"]
        .as_str()
        .unwrap()
        .to_string();
    let ics = srv
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ics.lines().all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert!(ics.contains("\r\n"));

    // Ours.
    let ours = kneadtime_import::parse_ics(&ics, "feed.ics", None).expect("parses");
    assert_eq!(ours.entries.len(), 2, "the cancelled one is not a session");
    for name in [long_name, "Ada Runner"] {
        assert!(
            ours.entries.iter().any(|e| e.title.contains(name)),
            "{name}: {:?}",
            ours.entries
        );
    }

    // Python's.
    match python_with_icalendar() {
        Some(py) => {
            let mut child = Command::new(py)
                .args(["-c", PY])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(ics.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let events = v["events"].as_array().unwrap();
            assert_eq!(events.len(), 3);
            for (id, start) in &ids {
                let e = events
                    .iter()
                    .find(|e| e["uid"] == json!(format!("{id}@kneadtime")))
                    .expect("every appointment");
                let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
                assert_eq!(at(e["start"].as_str().unwrap()), at(start));
            }
            assert!(
                events
                    .iter()
                    .any(|e| e["summary"].as_str().unwrap().contains(long_name))
            );
            assert_eq!(
                events.iter().filter(|e| e["status"] == "CANCELLED").count(),
                1
            );
            assert!(v["name"].as_str().unwrap().contains("Tess One"));
        }
        None if std::env::var_os("KNEADTIME_REQUIRE_PYTHON_ICALENDAR").is_some() => {
            panic!("KNEADTIME_REQUIRE_PYTHON_ICALENDAR is set but no python3 can import icalendar")
        }
        None => println!(
            "skipped the Python check: no python3 with the icalendar package (pip install icalendar)"
        ),
    }

    // A new feed URL retires the old one; a made-up one opens nothing.
    let url2 = srv
        .post(&format!("/api/therapists/{}/feed", w.t1), &o, json!({}))
        .await["feed_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(url, url2);
    assert_eq!(srv.http.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(srv.http.get(&url2).send().await.unwrap().status(), 200);
    let fake = format!("{}/feeds/{}.ics", srv.base, "0".repeat(64));
    assert_eq!(srv.http.get(&fake).send().await.unwrap().status(), 404);
    srv.stop().await;
}
