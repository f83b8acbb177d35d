//! Crash safety: the server is killed with SIGKILL at random moments while clients book,
//! and restarted, many times. Clients retry an unanswered request with its idempotency
//! key, as a real app would. In the end every booking a client saw confirmed is there
//! exactly once, and nothing else is.

mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use server::{http, json_of, start, tempfile_dir, terminate, try_http};

/// What a client knows about one booking attempt.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Confirmed(String),
    /// The connection broke: the booking may or may not have been made.
    NoAnswer,
}

fn random_below(n: u64) -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut x = t ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x % n
}

#[test]
fn confirmed_bookings_survive_sigkill() {
    let dir = tempfile_dir();
    let db = format!("sqlite://{dir}/clinic.db");
    let s = start(&db, &[]);
    let token = s.setup_token.clone().unwrap();
    let (_, body) = http(
        &s.base,
        "POST",
        "/api/setup",
        None,
        Some(&json!({
            "token": token, "clinic_name": "Crash", "time_zone": "UTC", "email": "o@crash.test", "name": "O", "password": "crash-owner-pass"
        })),
    );
    let owner = json_of(&body)["token"].as_str().unwrap().to_string();
    let (_, body) = http(
        &s.base,
        "POST",
        "/api/therapists",
        Some(&owner),
        Some(&json!({ "name": "T" })),
    );
    let t = json_of(&body)["therapist"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({ "day": d, "start": "00:00", "end": "24:00" }))
        .collect();
    http(
        &s.base,
        "PUT",
        &format!("/api/therapists/{t}/hours"),
        Some(&owner),
        Some(&json!(hours)),
    );
    let (_, body) = http(
        &s.base,
        "POST",
        "/api/services",
        Some(&owner),
        Some(&json!({
            "name": "Quick", "kind": "general", "length_min": 15, "price_cents": 0, "pressure_min": "light", "pressure_max": "light"
        })),
    );
    let svc = json_of(&body)["id"].as_str().unwrap().to_string();
    let (_, body) = http(
        &s.base,
        "POST",
        "/api/clients",
        Some(&owner),
        Some(&json!({ "name": "C" })),
    );
    let client = json_of(&body)["client"]["id"].as_str().unwrap().to_string();
    terminate(s);

    // Booking k takes its own quarter hour, starting 30 days out.
    let first = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();
    let body_of = {
        let (client, svc, t) = (client.clone(), svc.clone(), t.clone());
        move |k: usize| {
            let day = first
                .checked_add(jiff::Span::new().days((k / 96) as i64))
                .unwrap();
            let minute = (k % 96) * 15;
            json!({ "client_id": client, "service_id": svc, "therapist_id": t, "start": format!("{day}T{:02}:{:02}:00Z", minute / 60, minute % 60) })
        }
    };
    let seen: Arc<Mutex<BTreeMap<usize, Seen>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    for round in 0..8 {
        let s = start(&db, &[]);
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..6)
            .map(|_| {
                let (base, owner, seen, next, stop) = (
                    s.base.clone(),
                    owner.clone(),
                    seen.clone(),
                    next.clone(),
                    stop.clone(),
                );
                let body_of = body_of.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let k = next.fetch_add(1, Ordering::SeqCst);
                        let key = format!("booking-{k}");
                        let r = try_http(
                            &base,
                            "POST",
                            "/api/appointments",
                            Some(&owner),
                            Some(&body_of(k)),
                            &[("Idempotency-Key", &key)],
                        );
                        let outcome = match r {
                            Some((201, b)) => {
                                Seen::Confirmed(json_of(&b)["id"].as_str().unwrap().to_string())
                            }
                            Some((status, b)) => panic!("booking {k}: unexpected {status}: {b}"),
                            None => Seen::NoAnswer,
                        };
                        let broken = outcome == Seen::NoAnswer;
                        seen.lock().unwrap().insert(k, outcome);
                        if broken {
                            break;
                        }
                    }
                })
            })
            .collect();
        // Let the load run a random while, then pull the plug.
        std::thread::sleep(Duration::from_millis(150 + random_below(400)));
        let mut child = s.child;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        for w in workers {
            w.join().unwrap();
        }
        let n = seen.lock().unwrap().len();
        assert!(n > 0, "round {round}: some bookings were attempted");
    }

    // Back up: every unanswered request is sent again with its key until it is answered.
    let s = start(&db, &[]);
    let pending: Vec<usize> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, v)| **v == Seen::NoAnswer)
        .map(|(k, _)| *k)
        .collect();
    for k in &pending {
        let key = format!("booking-{k}");
        let (status, b) = try_http(
            &s.base,
            "POST",
            "/api/appointments",
            Some(&owner),
            Some(&body_of(*k)),
            &[("Idempotency-Key", &key)],
        )
        .expect("answered");
        assert_eq!(status, 201, "retry of booking {k}: {b}");
        seen.lock().unwrap().insert(
            *k,
            Seen::Confirmed(json_of(&b)["id"].as_str().unwrap().to_string()),
        );
    }
    let confirmed: BTreeSet<String> = seen
        .lock()
        .unwrap()
        .values()
        .map(|v| match v {
            Seen::Confirmed(id) => id.clone(),
            Seen::NoAnswer => unreachable!("every request was answered in the end"),
        })
        .collect();
    assert_eq!(
        confirmed.len(),
        seen.lock().unwrap().len(),
        "each booking has its own appointment"
    );
    let last = first.checked_add(jiff::Span::new().days(366)).unwrap();
    let (_, body) = http(
        &s.base,
        "GET",
        &format!("/api/appointments?from={first}&to={last}"),
        Some(&owner),
        None,
    );
    let stored: Vec<String> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "no appointment twice");
    assert_eq!(
        unique, confirmed,
        "exactly the confirmed bookings, nothing else"
    );
    println!(
        "{} bookings over 8 kills, {} retried after a kill",
        confirmed.len(),
        pending.len()
    );
    terminate(s);
}
