//! One line per request on stderr, with secrets kept out: no query strings, no bodies,
//! no headers, and the secret part of feed and personal-link paths replaced.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Writes one log line to stderr.
pub fn line(msg: &str) {
    eprintln!(
        "{} {msg}",
        jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ")
    );
}

/// The path with secret segments replaced: `/feeds/…​.ics`, `/c/…`.
pub fn redact(path: &str) -> String {
    let mut out = Vec::new();
    let mut secret_next = false;
    for seg in path.split('/') {
        if secret_next && !seg.is_empty() {
            out.push(if seg.ends_with(".ics") {
                "[secret].ics"
            } else {
                "[secret]"
            });
            secret_next = false;
            continue;
        }
        secret_next = matches!(seg, "feeds" | "c");
        out.push(seg);
    }
    out.join("/")
}

pub async fn requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.config.log_requests {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact(req.uri().path());
    let res = next.run(req).await;
    line(&format!(
        "{method} {path} {} {:.1}ms",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    res
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn secrets_leave_the_path() {
        assert_eq!(redact("/feeds/abc123.ics"), "/feeds/[secret].ics");
        assert_eq!(redact("/c/tok"), "/c/[secret]");
        assert_eq!(redact("/c/tok/book"), "/c/[secret]/book");
        assert_eq!(redact("/api/clients/42"), "/api/clients/42");
    }
}
