//! The OpenAPI document, generated: each handler's `#[utoipa::path]` and the types it
//! takes and answers with make the paths and schemas; this module adds what every
//! operation shares (the error answers, sign-in) and the document's front matter.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse};

/// Declares a reusable error answer: its name in `components/responses` and what it means.
macro_rules! error_answers {
    ($($name:ident: $text:literal;)+) => {
        $(
            #[doc = $text]
            pub struct $name;

            impl<'s> ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    (stringify!($name), error_answer($text).into())
                }
            }
        )+
    };
}

fn error_answer(text: &str) -> Response {
    ResponseBuilder::new()
        .description(text)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

error_answers! {
    BadRequest: "Bad request: a value that cannot be used (code bad_request, naming field), malformed JSON (invalid_json), or a query string that cannot be read (unknown parameters are refused).";
    Unauthorized: "No session (unauthorized), or an expired or signed-out one (session_expired).";
    Forbidden: "This account may not do that (forbidden), or a cookie session without the right X-CSRF-Token header or with a foreign Origin (csrf).";
    NotFound: "Not found (also answered for records the caller may not see).";
    Conflict: "Conflict.";
    TooLarge: "The request body is too large (too_large).";
    UnsupportedMediaType: "Expected a JSON body with Content-Type: application/json (unsupported_media_type).";
    Unprocessable: "A JSON body of the wrong shape: missing or unknown field, wrong type (invalid_body); or a request the rules refuse.";
    TooManyRequests: "Too many sign-in attempts from this address or for this account; wait five minutes (too_many_attempts).";
    Internal: "The server hit a fault (internal).";
    Unavailable: "The database could not complete the request (database_unavailable), or the server is busy (unavailable, timeout).";
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kneadtime clinic API",
        description = "A sports-massage clinic's booking server: slot search and booking judged by massage-timing rules against each runner's training calendar.\n\nAuthentication: sign in with POST /api/login (staff) or POST /api/client-login (clients). Send the token as `Authorization: Bearer TOKEN`, or rely on the `kt_session` cookie that is set too. Cookie sessions must send the session's csrf_token in an `X-CSRF-Token` header on every request other than GET and HEAD (and any Origin header must match Host); bearer tokens need no CSRF header.\n\nEvery error answers with the one shape in components/schemas/ErrorBody. JSON bodies and query strings refuse unknown fields. Dates are YYYY-MM-DD; instants are RFC 3339.",
    ),
    tags(
        (name = "meta", description = "Health, this document, the rules."),
        (name = "auth", description = "Sessions and passwords."),
        (name = "clinic", description = "The clinic and its locations."),
        (name = "staff", description = "Staff accounts."),
        (name = "therapists", description = "Therapists, their hours and their days off."),
        (name = "services", description = "What the clinic offers."),
        (name = "clients", description = "Runners on file, their training and their plan."),
        (name = "appointments", description = "Booking, moving and cancelling."),
        (name = "notes", description = "The treatment record."),
        (name = "feeds", description = "iCalendar feeds for calendar apps."),
        (name = "waitlist", description = "Waiting for a freed time, and the offers of one."),
        (name = "homework", description = "Routines between visits and the days they are done."),
        (name = "race week", description = "Events where a field of runners all want a post-race (or pre-race) session: allocated together, exactly, and booked at once."),
    ),
    components(
        schemas(crate::error::ErrorBody),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            TooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            Internal,
            Unavailable
        )
    ),
    security(("bearerAuth" = []), ("cookieAuth" = []))
)]
pub struct ApiDoc;

/// Adds the sign-in schemes, and to every operation the error answers every route can
/// give: a query or body that cannot be used, a record not found, a body too large, a
/// refusal, a database that cannot answer; with sign-in, 401 and 403; with a JSON body,
/// 415. An operation that says more about one of them keeps its own words.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token from a sign-in."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookieAuth",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "kt_session",
                "The session cookie set at sign-in. Writes also need the X-CSRF-Token header.",
            ))),
        );
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                add_shared(op);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn add_shared(op: &mut Operation) {
    // No requirement of its own: the document's sign-in holds. An empty list: open to
    // all. An empty requirement among others: sign-in is optional, and a session sent
    // can still be refused.
    let signed_in = match &op.security {
        None => true,
        Some(s) => s.iter().any(|r| *r != Default::default()),
    };
    let json_body = op.request_body.as_ref().is_some_and(|b| match b {
        RefOr::T(b) => b.content.contains_key("application/json"),
        RefOr::Ref(_) => false,
    });
    let mut shared = vec![
        ("400", "BadRequest"),
        ("404", "NotFound"),
        ("413", "TooLarge"),
        ("422", "Unprocessable"),
        ("503", "Unavailable"),
    ];
    if signed_in {
        shared.extend([("401", "Unauthorized"), ("403", "Forbidden")]);
    }
    if json_body {
        shared.push(("415", "UnsupportedMediaType"));
    }
    for (status, name) in shared {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// The document as served at /api/openapi.json: the routes' own, with what they share.
pub fn document(mut doc: utoipa::openapi::OpenApi) -> String {
    Shared.modify(&mut doc);
    doc.to_pretty_json()
        .expect("an OpenAPI document always serialises")
}
