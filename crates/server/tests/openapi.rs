//! The OpenAPI document and the server agree: every documented operation is served
//! (no 404 "no such endpoint", no 405), and every route in the router is documented.

mod common;

use std::collections::BTreeSet;

use common::Srv;
use reqwest::Method;
use serde_json::Value;

fn documented() -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_str(include_str!("../src/openapi.json")).expect("valid JSON");
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Routes as written in the router (`.route("PATH", get(..).post(..))`).
fn routed() -> BTreeSet<(String, String)> {
    // Without whitespace, however formatting wraps a route.
    let src: String = include_str!("../src/lib.rs")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = BTreeSet::new();
    for chunk in src.split(".route(\"").skip(1) {
        let (path, rest) = chunk.split_once('"').unwrap();
        // The route's handlers run to the next builder call (formatting may wrap them).
        let call = rest
            .split(".merge(")
            .next()
            .unwrap()
            .split(".fallback(")
            .next()
            .unwrap();
        let call = call.strip_prefix(',').unwrap_or(call);
        for method in ["get", "post", "put", "patch", "delete"] {
            if call.contains(&format!("{method}(")) {
                out.insert((method.to_uppercase(), path.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let (doc, routes) = (documented(), routed());
    assert!(routes.len() > 40, "{routes:?}");
    let missing: Vec<_> = routes.difference(&doc).collect();
    let extra: Vec<_> = doc.difference(&routes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "undocumented: {missing:?}\ndocumented but not routed: {extra:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let (status, served) = srv.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        served,
        serde_json::from_str::<Value>(include_str!("../src/openapi.json")).unwrap()
    );
    for (method, path) in documented() {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "0123456789abcdef".to_string()
                } else {
                    seg.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, body) = srv.call(m, &concrete, Some(&srv.owner), None).await;
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(
            !(status == 404
                && body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no such endpoint"))),
            "{method} {path} is documented but not served"
        );
        assert!(status < 500, "{method} {path}: {status} {body}");
    }
    srv.stop().await;
}
