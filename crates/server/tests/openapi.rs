//! The OpenAPI document is generated from the router's handlers and their types: every
//! documented operation is served and takes no other method, every operation says what
//! it answers, and the codes and rule ids in it are the code's own.

mod common;

use std::collections::BTreeSet;

use common::Srv;
use reqwest::Method;
use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(kneadtime_server::openapi_document()).expect("valid JSON")
}

fn documented() -> BTreeSet<(String, String)> {
    let doc = document();
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

/// Every `$ref` in the document, so each can be checked to resolve.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_operation_is_complete_and_every_reference_resolves() {
    let doc = document();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no id"));
            assert!(ids.insert(id.to_string()), "{at}: operationId {id} twice");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}"
            );
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{at}");
            let answers = op["responses"].as_object().unwrap();
            assert!(
                answers.keys().any(|s| s.starts_with('2')),
                "{at}: no success answer"
            );
            for shared in ["400", "404", "413", "503"] {
                assert!(answers.contains_key(shared), "{at}: no {shared}");
            }
            // Path parameters are exactly the template's.
            let mut in_path: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let mut template: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            in_path.sort();
            template.sort();
            assert_eq!(in_path, template, "{at}");
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100);
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

#[test]
fn error_codes_and_rule_ids_are_the_codes_own() {
    let doc = document();
    let listed = |name: &str| -> BTreeSet<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let codes: BTreeSet<String> = kneadtime_server::error::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed("Code"), codes);
    let rules: BTreeSet<String> = kneadtime_domain::RuleId::ALL
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    assert_eq!(listed("RuleId"), rules);
    assert_eq!(
        doc["components"]["schemas"]["ErrorFields"]["properties"]["code"]["$ref"],
        "#/components/schemas/Code"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let srv = Srv::start("sqlite", "Europe/London").await;
    let (status, served) = srv.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(served, document());
    let ops = documented();
    assert!(ops.len() > 90, "{ops:?}");
    for (method, path) in &ops {
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
        // Every other method on the path is refused: the router serves no more than
        // is documented there.
        for other in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if ops.contains(&(other.to_string(), path.clone())) {
                continue;
            }
            let m = Method::from_bytes(other.as_bytes()).unwrap();
            let (status, body) = srv.call(m, &concrete, Some(&srv.owner), None).await;
            assert_eq!(
                status, 405,
                "{other} {path} is served but not documented: {body}"
            );
        }
    }
    srv.stop().await;
}
