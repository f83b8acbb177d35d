//! A sign-in costs one password check whatever the data: a client with a password or
//! without one, an unknown email, a right or wrong password. Alone in its test binary, so the
//! process-wide count it reads sees no other test's sign-ins.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_password_check_per_sign_in_whatever_the_data() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let o = srv.owner.clone();
    // Forty clients; one of them has a password.
    let mut links = Vec::new();
    for i in 0..40 {
        let c = srv
            .post(
                "/api/clients",
                &o,
                json!({ "name": format!("Copy {i}"), "email": format!("copy{i}@example.org") }),
            )
            .await;
        links.push(c["link_token"].as_str().unwrap().to_string());
    }
    let t = srv.client_login(&links[7]).await;
    let (s, v) = srv
        .call(
            Method::PUT,
            "/api/me/password",
            Some(&t),
            Some(json!({ "password": "copper-meadow-61-violet" })),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    for (email, password) in [
        ("copy7@example.org", "wrong-guess-entirely"),
        ("copy7@example.org", "copper-meadow-61-violet"),
        ("copy3@example.org", "a client without a password"),
        ("nobody@example.org", "wrong-guess-entirely"),
    ] {
        let before = kneadtime_server::auth::password_checks();
        srv.call(
            Method::POST,
            "/api/client-login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await;
        assert_eq!(
            kneadtime_server::auth::password_checks() - before,
            1,
            "{email}"
        );
    }
    for (email, password) in [
        (OWNER_EMAIL, "wrong-guess-entirely"),
        ("ghost@clinic.test", "wrong-guess-entirely"),
        (OWNER_EMAIL, OWNER_PASSWORD),
    ] {
        let before = kneadtime_server::auth::password_checks();
        srv.call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await;
        assert_eq!(
            kneadtime_server::auth::password_checks() - before,
            1,
            "{email}"
        );
    }
    srv.stop().await;
}
