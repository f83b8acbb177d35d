//! What every answer carries and every request is checked for, in one place: the
//! security headers browsers act on, `Cache-Control: no-store` on anything personal, and
//! the refusal of NUL characters before any handler or database sees them.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, Code};

/// Pages use no scripts and no inline styles; nothing may frame them.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers people check to every answer.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Personal links carry their secret in the path: never hand it to another site.
    // (`no-referrer` would also make browsers send `Origin: null` with the site's own
    // forms, which the same-origin check must refuse.)
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.base_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // Only what says it may be kept (the stylesheet) is cached; pages, JSON and feeds
    // hold people's data and are never stored by the browser.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Refuses a request with a NUL character in its path, query, JSON or form body: 422,
/// the same on every database (PostgreSQL cannot store one, SQLite would).
pub async fn no_nul(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("");
    if has_encoded_nul(target) {
        return nul_error("the address").into_response();
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json = kind.starts_with("application/json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Read no more than the server's body limit, as the handler's extractor would.
    let bytes = match axum::body::to_bytes(body, state.config.body_limit_kb * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::TooLarge,
                "the request body is too large",
            )
            .into_response();
        }
    };
    let bad = bytes.contains(&0)
        || (json && has_json_nul(&bytes))
        || (form && std::str::from_utf8(&bytes).is_ok_and(has_encoded_nul));
    if bad {
        return nul_error("the request body").into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn nul_error(place: &str) -> ApiError {
    ApiError::unprocessable(
        Code::NulCharacter,
        format!("{place} contains a NUL character, which no field accepts"),
    )
}

/// `%00` in a URL-encoded text.
fn has_encoded_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

/// A `\u0000` escape in JSON text (not an escaped backslash followed by `u0000`).
fn has_json_nul(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'u') && b.get(i + 2..i + 6) == Some(b"0000".as_slice()) {
                return true;
            }
            // Skip the escaped character, whatever it is.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// `to` when it is a path on this site, else `fallback`: no scheme, no `//host`, no
/// backslash, no control character.
pub fn local_path<'a>(to: &'a str, fallback: &'a str) -> &'a str {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.contains('\\')
        && !to.chars().any(|c| c.is_control())
        && to.len() <= 2048;
    if ok { to } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_are_told_from_escaped_backslashes() {
        assert!(has_json_nul(br#"{"name":"a\u0000b"}"#));
        assert!(!has_json_nul(br#"{"name":"a\\u0000b"}"#));
        assert!(has_json_nul(br#"{"name":"a\\\u0000b"}"#));
        assert!(!has_json_nul(br#"{"name":"\u00e9"}"#));
        assert!(has_encoded_nul("/api/x?name=a%00"));
        assert!(!has_encoded_nul("/api/x?name=a%20"));
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(local_path("/staff/clients/1", "/staff"), "/staff/clients/1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/staff\r\nSet-Cookie: x",
            "staff",
            "",
        ] {
            assert_eq!(local_path(bad, "/staff"), "/staff", "{bad:?}");
        }
    }
}
