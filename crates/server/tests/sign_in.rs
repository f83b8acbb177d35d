//! Sign-in that cannot be turned against its owner: failures slow the address that makes
//! them, successes never count, one password check per attempt whatever the data, and
//! the setup token works once however many use it at the same moment.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::*;
use serde_json::{Value, json};

/// A client whose connections come from `127.0.0.N`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .unwrap()
}

async fn login(http: &reqwest::Client, srv: &Srv, email: &str, password: &str) -> (u16, Value) {
    let res = http
        .post(format!("{}/api/login", srv.base))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guesser_slows_only_themself() {
    for backend in backends() {
        let srv = Srv::start_with(backend, "Europe/London", |c| c.login_attempts = 3).await;
        let owner_pc = from(1);
        // The owner signs in from their usual address; successes never count.
        for _ in 0..8 {
            assert_eq!(
                login(&owner_pc, &srv, OWNER_EMAIL, OWNER_PASSWORD).await.0,
                200,
                "{backend}"
            );
        }
        // A guesser at one address is stopped after three failures…
        let guesser = from(2);
        let codes: Vec<u16> = {
            let mut v = Vec::new();
            for _ in 0..6 {
                v.push(
                    login(&guesser, &srv, OWNER_EMAIL, "not-the-password")
                        .await
                        .0,
                );
            }
            v
        };
        assert_eq!(codes, [401, 401, 401, 429, 429, 429], "{backend}");
        // …even with the right password, while the owner's own address goes on working.
        assert_eq!(
            login(&guesser, &srv, OWNER_EMAIL, OWNER_PASSWORD).await.0,
            429,
            "{backend}"
        );
        assert_eq!(
            login(&owner_pc, &srv, OWNER_EMAIL, OWNER_PASSWORD).await.0,
            200,
            "{backend}"
        );
        // Guessing spread over many addresses locks new addresses out of the account
        // (3 x 10 failures), never the addresses the owner signs in from.
        for n in 3..=12u8 {
            let http = from(n);
            for _ in 0..3 {
                login(&http, &srv, OWNER_EMAIL, "still-not-it").await;
            }
        }
        assert_eq!(
            login(&from(13), &srv, OWNER_EMAIL, OWNER_PASSWORD).await.0,
            429,
            "{backend}"
        );
        assert_eq!(
            login(&owner_pc, &srv, OWNER_EMAIL, OWNER_PASSWORD).await.0,
            200,
            "{backend}"
        );
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_setup_token_makes_one_owner_and_strangers_cannot_spoil_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _schema) = fresh_db(backend, dir.path()).await;
        let config = kneadtime_server::Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            db,
            log_requests: false,
            login_attempts: 3,
            ..kneadtime_server::Config::default()
        };
        let running = kneadtime_server::start(config, false).await.unwrap();
        let base = format!("http://{}", running.addr);
        let token = running.setup_token.clone().unwrap();
        let body = |t: &str, i: usize| {
            json!({ "token": t, "clinic_name": "C", "time_zone": "Europe/London", "email": format!("owner{i}@clinic.test"),
                    "name": "O", "password": "granite-sparrow-42-yonder" })
        };
        // A stranger's bad tokens do not lock the holder of the real one out.
        let stranger = from(9);
        for _ in 0..6 {
            let res = stranger
                .post(format!("{base}/api/setup"))
                .json(&body("0000", 99))
                .send()
                .await
                .unwrap();
            assert!(matches!(res.status().as_u16(), 401 | 429));
        }
        // Eight at once with the real token: one owner.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (url, b) = (format!("{base}/api/setup"), body(&token, i));
            tasks.push(tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&b)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut codes = Vec::new();
        for t in tasks {
            codes.push(t.await.unwrap());
        }
        codes.sort();
        assert_eq!(codes, [200, 409, 409, 409, 409, 409, 409, 409], "{backend}");
        running.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_merges_one_person_s_two_records() {
    for backend in common::backends() {
        let srv = common::Srv::start(backend, "Europe/London").await;
        let w = common::world(&srv, "Europe/London").await;
        let o = srv.owner.clone();
        let online = srv
            .post(
                "/api/clients",
                &o,
                serde_json::json!({ "name": "Ben O.", "email": "ben.other@example.org" }),
            )
            .await;
        let online_id = online["client"]["id"].as_str().unwrap().to_string();
        let (s, v) = srv
            .call(
                reqwest::Method::POST,
                &format!("/api/clients/{}/merge", w.b),
                Some(&o),
                Some(serde_json::json!({ "from": online_id })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            v["client"]["name"], "Ben Other",
            "the kept record's details: {v}"
        );
        assert_eq!(v["client"]["email"], "ben.other@example.org", "{v}");
        let (s, _) = srv
            .call(
                reqwest::Method::GET,
                &format!("/api/clients/{online_id}"),
                Some(&o),
                None,
            )
            .await;
        assert_eq!(s, 404);
        srv.stop().await;
    }
}
