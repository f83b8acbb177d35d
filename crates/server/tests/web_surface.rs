//! The headers people check on every answer, redirects that stay on the site, NUL
//! characters refused the same way on both databases, and `__Host-` cookies over HTTPS.

mod common;

use common::*;
use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use serde_json::json;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_json_carry_the_security_headers_and_are_never_cached() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let http = no_redirects();
    let cookie = page_sign_in(&http, &srv.base, OWNER_EMAIL, OWNER_PASSWORD).await;
    for path in ["/staff", &format!("/staff/clients/{}", w.a), "/plan", "/"] {
        let res = http
            .get(format!("{}{path}", srv.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let h = res.headers();
        let csp = h
            .get(CONTENT_SECURITY_POLICY)
            .expect("CSP")
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline")
                && csp.contains("default-src 'none'"),
            "{csp}"
        );
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
        assert_eq!(h.get(CACHE_CONTROL).unwrap(), "no-store", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("style=\"") && !body.contains("<script"),
            "{path} has inline style or script"
        );
    }
    let res = srv
        .http
        .get(format!("{}/api/clients/{}/notes", srv.base, w.a))
        .bearer_auth(&srv.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get(CACHE_CONTROL).unwrap(), "no-store");
    // The stylesheet alone may be kept.
    let res = srv
        .http
        .get(format!("{}/static/app.css", srv.base))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get(CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("public")
    );

    // After sign-out the staff page is gone, and nothing of it was stored.
    let res = http
        .get(format!("{}/staff/clients/{}", srv.base, w.a))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stay_on_the_site_and_bad_targets_never_fail_after_the_change() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let w = world(&srv, "Europe/London").await;
    let http = no_redirects();
    let cookie = page_sign_in(&http, &srv.base, OWNER_EMAIL, OWNER_PASSWORD).await;
    // A page session's CSRF token comes from the page itself.
    let page = http
        .get(format!("{}/staff", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::csrf_in(&page);
    let day = add_days(w.race, -20);
    for (i, back) in [
        "//evil.example/x",
        "https://evil.example",
        "/staff\r\nX-Injected: 1",
        "/\\evil.example",
    ]
    .iter()
    .enumerate()
    {
        let start = format!("{day}T{:02}:00", 9 + i);
        let a = srv
            .post("/api/appointments", &srv.owner, json!({ "client_id": w.a, "service_id": w.sports, "therapist_id": w.t1, "start": start }))
            .await;
        let id = a["id"].as_str().unwrap();
        let res = http
            .post(format!("{}/staff/appointments/{id}/status", srv.base))
            .header("cookie", &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("status", "cancelled"),
                ("back", back),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303, "{back:?}");
        assert_eq!(res.headers().get(LOCATION).unwrap(), "/staff", "{back:?}");
        assert!(res.headers().get("x-injected").is_none());
        let v = srv
            .get(&format!("/api/appointments/{id}"), &srv.owner)
            .await;
        assert_eq!(v["status"], "cancelled");
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_is_refused_the_same_on_every_database() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let (s, v) = srv
            .call(
                Method::POST,
                "/api/clients",
                Some(&srv.owner),
                Some(json!({ "name": "Nul\u{0}Runner" })),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("nul_character")),
            "{backend}: {v}"
        );
        let (s, v) = srv
            .call(
                Method::PATCH,
                &format!("/api/clients/{}", w.a),
                Some(&srv.owner),
                Some(json!({ "phone": "0\u{0}1" })),
            )
            .await;
        assert_eq!(s, 422, "{backend}: {v}");
        let (s, v) = srv
            .call(
                Method::GET,
                &format!("/api/clients?q=a%00b&x={}", w.a),
                Some(&srv.owner),
                None,
            )
            .await;
        assert_eq!(s, 422, "{backend}: {v}");
        let http = no_redirects();
        let res = http
            .post(format!("{}/staff/login", srv.base))
            .form(&[("email", "a\u{0}@b"), ("password", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 422, "{backend}");
        // Nothing was written: the client list is as it was.
        let list = srv.get("/api/clients", &srv.owner).await;
        assert!(!list.to_string().contains("Nul"), "{list}");
        srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_cookies_are_host_only_and_hsts_is_sent() {
    let srv = Srv::start_with("sqlite", "Europe/London", |c| {
        c.public_url = Some("https://book.example.test".into())
    })
    .await;
    let res = srv
        .http
        .post(format!("{}/api/login", srv.base))
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("__Host-kt_session=")
            && cookie.contains("; Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        res.headers().get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    // The prefixed cookie signs in; the plain name does not.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let me = srv
        .http
        .get(format!("{}/api/me", srv.base))
        .header("cookie", format!("__Host-kt_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let me = srv
        .http
        .get(format!("{}/api/me", srv.base))
        .header("cookie", format!("kt_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    srv.stop().await;
}

/// A runner starting a booking on the page and staff adding a client through the API go
/// through the same checks: what one refuses, the other refuses, and nothing is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_up_page_and_the_api_check_a_new_client_alike() {
    for backend in backends() {
        let srv = Srv::start(backend, "Europe/London").await;
        let w = world(&srv, "Europe/London").await;
        let http = no_redirects();
        let count = || async {
            srv.get("/api/clients", &srv.owner)
                .await
                .as_array()
                .unwrap()
                .len()
        };
        let before = count().await;
        let long_name = "N".repeat(201);
        for (name, email) in [
            ("Ada Runner", "@example.org"),
            ("Ada Runner", "ada@"),
            ("Ada Runner", "ada runner@example.org"),
            (long_name.as_str(), "ada@example.org"),
        ] {
            let res = http
                .post(format!("{}/book/start", srv.base))
                .form(&[
                    ("service_id", w.sports.as_str()),
                    ("name", name),
                    ("email", email),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{backend}: page, {name:.20} <{email}>");
            let (s, e) = srv
                .call(
                    Method::POST,
                    "/api/clients",
                    Some(&srv.owner),
                    Some(json!({ "name": name, "email": email })),
                )
                .await;
            assert_eq!(s, 400, "{backend}: API, {name:.20} <{email}>: {e}");
            let field = if name.len() > 200 { "name" } else { "email" };
            assert_eq!(e["error"]["field"], json!(field), "{backend}: {e}");
        }
        assert_eq!(count().await, before, "{backend}: nothing was kept");

        // A good sign-up with the next race keeps the client and the race.
        let race = add_days(today_in("Europe/London"), 30);
        let res = http
            .post(format!("{}/book/start", srv.base))
            .form(&[
                ("service_id", w.sports.as_str()),
                ("name", "  Ada Runner  "),
                ("email", "ada.new@example.org"),
                ("race_date", &race.to_string()),
                ("race_distance", "half"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{backend}");
        let clients = srv.get("/api/clients", &srv.owner).await;
        let ada = clients
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == json!("ada.new@example.org"))
            .expect("the new client");
        assert_eq!(ada["name"], json!("Ada Runner"));
        let id = ada["id"].as_str().unwrap();
        let plan = srv
            .get(&format!("/api/clients/{id}/plan"), &srv.owner)
            .await;
        assert_eq!(
            plan["plan"]["races"][0]["date"],
            json!(race.to_string()),
            "{backend}: {plan}"
        );
        srv.stop().await;
    }
}

/// A multipart body for POST /plan: one file and the races typed on the page.
fn plan_form(filename: &str, content: &[u8], races: &str) -> (String, Vec<u8>) {
    let boundary = "kneadtimeboundary93ab";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"races\"\r\n\r\n{races}\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A published plan laid out by week plans on the page once its race is typed there;
/// without it the page says what is missing, in words, naming no command-line flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_laid_out_by_week_plans_on_the_page_with_its_race() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let grid = b"Week,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday\n\
        1,Rest,Intervals 6x800,Easy 8 km,Tempo 40',Rest,Easy 6 km,Long run 24 km\n\
        2,Rest,Intervals 5x1000,Easy 8 km,Tempo 45',Rest,Easy 6 km,Long run 28 km\n\
        3,Rest,Intervals 6x1000,Easy 8 km,Tempo 50',Rest,Easy 6 km,Long run 30 km\n\
        4,Rest,Easy 6 km,Easy 5 km,Strides,Rest,Shakeout,Riverside Marathon\n";
    for (races, status, said) in [
        ("", 400, "laid out by week"),
        ("2027-05-09 marathon A", 200, "Riverside Marathon"),
    ] {
        let (ct, body) = plan_form("weeks.csv", grid, races);
        let res = srv
            .http
            .post(format!("{}/plan", srv.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), status);
        let page = res.text().await.unwrap();
        assert!(page.contains(said), "{races:?}: {page}");
        assert!(!page.contains("--race"), "{page}");
    }
    srv.stop().await;
}
