//! The owner's settings page: the clinic (name, zone, rules profile), services,
//! therapists, working hours and days off. Each form posts to the same handlers as the
//! JSON API; a rejected form comes back with its values and the message beside the field.

use kneadtime_store::ids::*;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kneadtime_store::Skill;

use super::{Chrome, PageCaller, error_page, message, page_with, require_form};
use crate::AppState;
use crate::auth::Caller;
use crate::catalog::{self, HoursSpan};
use crate::error::{ApiError, ApiJson};

/// Values of the form that came back, and where its error belongs.
#[derive(Default)]
pub struct Sent {
    pub section: String,
    pub field: String,
    pub message: String,
    pub values: BTreeMap<String, String>,
    /// Bookings in the way of days off, each to be moved or cancelled.
    pub stranded: Vec<StrandedRow>,
}

/// A booking on days being taken off, and the best other time for it.
pub struct StrandedRow {
    pub id: String,
    pub what: String,
    /// (therapist id, start, in words), when a good time was found.
    pub proposal: Option<(String, String, String)>,
}

fn stranded_rows(details: Option<&serde_json::Value>) -> Vec<StrandedRow> {
    let Some(list) = details.and_then(|d| d["appointments"].as_array()) else {
        return Vec::new();
    };
    let words = |start: &str| {
        start
            .parse::<jiff::Zoned>()
            .map(|z| z.strftime("%a %-d %b %H:%M").to_string())
            .unwrap_or_else(|_| start.to_string())
    };
    list.iter()
        .map(|a| {
            let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_string();
            StrandedRow {
                id: s(a, "appointment_id"),
                what: format!(
                    "{}, {} · {}",
                    words(&s(a, "start")),
                    s(a, "service_name"),
                    s(a, "client_name")
                ),
                proposal: a["proposal"].as_object().map(|_| {
                    let p = &a["proposal"];
                    (
                        s(p, "therapist_id"),
                        s(p, "start"),
                        format!("{} with {}", words(&s(p, "start")), s(p, "therapist_name")),
                    )
                }),
            }
        })
        .collect()
}

impl Sent {
    /// The value typed into `name` of `section`, when that form came back.
    pub fn get(&self, section: &str, name: &str) -> String {
        if self.section == section {
            self.values.get(name).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// True when `field` of `section` is the one the refusal names: it takes the focus
    /// (and the page scrolls to it) when the page comes back.
    pub fn focus(&self, section: &str, field: &str) -> bool {
        self.section == section && self.field == field
    }

    /// True when the form that came back had `value` in `name`.
    pub fn is(&self, section: &str, name: &str, value: &str) -> bool {
        self.get(section, name) == value
    }

    /// The message for `field` of `section` ("" for the section's general message).
    pub fn error(&self, section: &str, field: &str) -> String {
        if self.section == section
            && (self.field == field || (field.is_empty() && !self.known_field()))
        {
            self.message.clone()
        } else {
            String::new()
        }
    }

    fn known_field(&self) -> bool {
        [
            "name",
            "time_zone",
            "profile_toml",
            "profile_numbers",
            "booking_horizon_days",
            "max_open_bookings",
            "address",
            "reminder_hours",
            "cancel_window_hours",
            "min_notice_hours",
            "currency",
            "kind",
            "length_min",
            "price",
            "pressure_max",
            "buffer_after_min",
            "email",
            "password",
            "from",
            "to",
            "hours",
            "location_id",
            "position",
            "active",
        ]
        .contains(&self.field.as_str())
            || self.field.starts_with("p.")
    }
}

pub struct ServiceRow {
    pub id: ServiceId,
    pub name: String,
    /// In words, and as the form sends it.
    pub kind: String,
    pub kind_value: String,
    pub length: i64,
    pub price: String,
    /// The price as typed in the change form ("42.50").
    pub price_input: String,
    pub pressure: String,
    pub pressure_min: String,
    pub pressure_max: String,
    pub buffer: i64,
    pub active: bool,
    /// The location that offers it ("" for every location), and where in words.
    pub location_id: LocationId,
    pub place: String,
}

/// One of the group's locations as the settings page shows it.
pub struct LocationRow {
    pub id: LocationId,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub active: bool,
    pub position: i64,
    /// Opening hours in words ("" when open whenever its therapists work).
    pub hours: String,
    pub grid: Vec<GridDay>,
    /// The section name of this location's opening-hours form.
    pub hours_key: String,
    /// Therapists working there, in words.
    pub staff: String,
}

/// The service kinds as the forms offer them: what is sent, and in words.
pub const SERVICE_KINDS: [(&str, &str); 5] = [
    (
        "maintenance",
        "Maintenance (regular work between hard sessions)",
    ),
    ("pre_event", "Pre-race (light, in the days before a race)"),
    ("post_event", "Post-race (gentle, after a race)"),
    ("recovery_phase", "Recovery (the weeks after a goal race)"),
    ("general", "General (judged by the day it falls on)"),
];

/// A service as the add and change forms send it; the price may carry a symbol.
fn service_body(f: &BTreeMap<String, String>) -> Result<catalog::ServiceBody, ApiError> {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let price_cents = kneadtime_clinic::parse_price(&v("price")).ok_or_else(|| {
        ApiError::field(
            "price",
            "Enter a price like 65 or 65.50 (a currency symbol is fine).",
        )
    })?;
    Ok(catalog::ServiceBody {
        name: v("name"),
        kind: v("kind"),
        length_min: v("length_min").trim().parse().unwrap_or(0),
        price_cents,
        pressure_min: v("pressure_min"),
        pressure_max: v("pressure_max"),
        buffer_after_min: v("buffer_after_min").trim().parse().unwrap_or(-1),
        location_id: (f
            .get("location_id")
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty()))
        .map(LocationId::from),
    })
}

/// The skills ticked in a therapist form (`skill_<id>` boxes).
/// The location a form picked; none when left blank.
fn chosen_location(f: &BTreeMap<String, String>) -> Option<LocationId> {
    f.get("location_id")
        .filter(|l| !l.is_empty())
        .map(|l| LocationId::from(l.as_str()))
}

fn ticked_skills(f: &BTreeMap<String, String>) -> Vec<String> {
    Skill::ALL
        .iter()
        .filter(|s| f.contains_key(&format!("skill_{}", s.as_str())))
        .map(|s| s.as_str().to_string())
        .collect()
}

/// A skill in words ("deep tissue").
fn skill_words(s: Skill) -> String {
    s.as_str().replace('_', " ")
}

pub struct TherapistRow {
    pub id: TherapistId,
    /// The name as the change form shows it (without "(inactive)").
    pub plain_name: String,
    /// The skills as the change form ticks them.
    pub skill_values: Vec<String>,
    /// The week as the hours grid shows it.
    pub grid: Vec<GridDay>,
    /// The section name of this therapist's hours form.
    pub hours_key: String,
    pub name: String,
    pub skills: String,
    pub hours: String,
    pub days_off: Vec<(String, String)>,
    /// Where they work: the location's id, and its name.
    pub location_id: LocationId,
    pub place: String,
}

#[derive(Template)]
#[template(path = "staff_settings.html")]
pub struct Settings {
    pub chrome: Chrome,
    pub clinic_name: String,
    pub time_zone: String,
    pub profile_toml: String,
    pub booking_horizon_days: i64,
    pub max_open_bookings: i64,
    pub address: String,
    pub reminder_hours: i64,
    pub cancel_window_hours: i64,
    pub min_notice_hours: i64,
    /// The clinic's currency code, and the choices (code, in words).
    pub currency: String,
    pub currencies: Vec<(String, String)>,
    /// Messages to clients: whether mail goes out, and what waits or failed.
    pub outbox: Option<crate::mail::OutboxOut>,
    /// Upcoming closures: id and what they are, in words.
    pub closures: Vec<(String, String)>,
    pub locations: Vec<LocationRow>,
    /// Open locations to choose from: id and name.
    pub location_choices: Vec<(String, String)>,
    /// More than one open location: the forms ask which.
    pub several_locations: bool,
    pub services: Vec<ServiceRow>,
    pub therapists: Vec<TherapistRow>,
    /// Every skill: what the form sends, and in words.
    pub skills: Vec<(&'static str, String)>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub sent: Sent,
    pub saved: String,
    /// The built-in rules profile as TOML, for the owner to start from.
    pub default_profile: String,
    /// The rules owners change most: the form field, the words, and the value now.
    pub rule_numbers: Vec<(String, &'static str, String)>,
}

/// A whole number from a form field; empty keeps what is stored.
fn whole(field: &str, s: &str) -> Result<Option<i64>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| ApiError::field(field, format!("expected a whole number, found {s:?}")))
}

async fn render(state: &AppState, c: &Caller, sent: Sent, saved: &str) -> Response {
    let setup = match state.clinic.setup().await {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(c), &e.into()).await,
    };
    let clinic = &setup.clinic;
    let all_locations = &setup.sites.locations;
    let all_therapists = &setup.therapists;
    let place_name = |id: &str| {
        all_locations
            .iter()
            .find(|l| l.id == id)
            .map_or_else(|| id.to_string(), |l| l.name.clone())
    };
    let location_choices: Vec<(String, String)> = all_locations
        .iter()
        .filter(|l| l.active)
        .map(|l| (l.id.to_string(), l.name.clone()))
        .collect();
    let locations: Vec<LocationRow> = all_locations
        .iter()
        .map(|l| {
            let text = catalog::hours_out(setup.sites.opening_hours(&l.id))
                .iter()
                .map(|h| format!("{} {}-{}", h.day, h.start, h.end))
                .collect::<Vec<_>>()
                .join("\n");
            LocationRow {
                id: l.id.clone(),
                name: l.name.clone(),
                address: l.address.clone(),
                time_zone: l.time_zone.clone(),
                active: l.active,
                position: l.position,
                grid: grid_of(&text),
                hours: text.replace('\n', ", "),
                hours_key: format!("location-hours-{}", l.id),
                staff: all_therapists
                    .iter()
                    .filter(|t| t.active && t.location_id == l.id)
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    let services = setup
        .services
        .iter()
        .cloned()
        .map(|s| ServiceRow {
            id: s.id,
            name: s.name,
            kind: match s.kind {
                kneadtime_store::ServiceKind::Massage(k) => k.label().to_string(),
                kneadtime_store::ServiceKind::General => "general".to_string(),
            },
            kind_value: s.kind.as_str().to_string(),
            length: s.length_min,
            price: kneadtime_clinic::price_text(s.price_cents, &clinic.currency),
            price_input: kneadtime_clinic::price_text(s.price_cents, ""),
            pressure: format!("{}–{}", s.pressure_min.as_str(), s.pressure_max.as_str()),
            pressure_min: s.pressure_min.as_str().to_string(),
            pressure_max: s.pressure_max.as_str().to_string(),
            buffer: s.buffer_after_min,
            active: s.active,
            place: s
                .location_id
                .as_deref()
                .map_or_else(|| "every location".to_string(), place_name),
            location_id: s.location_id.unwrap_or_default(),
        })
        .collect();
    let mut therapists = Vec::new();
    let today =
        crate::schedule::local_date(state.now(), &crate::schedule::zone_of(&clinic.time_zone));
    for t in all_therapists.iter().cloned() {
        let hours = catalog::hours_out(setup.hours_of(&t.id))
            .iter()
            .map(|h| format!("{} {}-{}", h.day, h.start, h.end))
            .collect::<Vec<_>>()
            .join("\n");
        let days_off = match kneadtime_clinic::leave::exceptions(
            &state.clinic,
            &t.id,
            today,
            jiff::civil::date(9999, 12, 31),
        )
        .await
        {
            Ok(x) => x,
            Err(e) => return error_page(state, Some(c), &e.into()).await,
        };
        let days_off = days_off
            .into_iter()
            .map(|e| {
                (
                    e.id.to_string(),
                    format!(
                        "{} to {}: {}{}",
                        e.from_date,
                        e.to_date,
                        e.reason.as_str(),
                        if e.note.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", e.note)
                        }
                    ),
                )
            })
            .collect();
        let skills = t
            .skills
            .iter()
            .map(|s| skill_words(*s))
            .collect::<Vec<_>>()
            .join(", ");
        let skill_values = t.skills.iter().map(|s| s.as_str().to_string()).collect();
        let plain_name = t.name.clone();
        therapists.push(TherapistRow {
            place: place_name(&t.location_id),
            location_id: t.location_id.clone(),
            name: if t.active {
                t.name
            } else {
                format!("{} (inactive)", t.name)
            },
            hours_key: format!("hours-{}", t.id),
            plain_name,
            grid: grid_of(&hours),
            id: t.id,
            skills,
            skill_values,
            hours,
            days_off,
        });
    }
    let status = if sent.message.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page_with(
        status,
        &Settings {
            default_profile: kneadtime_domain::Profile::default().to_toml(),
            rule_numbers: {
                let effective =
                    kneadtime_clinic::clinic_profile(&clinic.profile_toml).unwrap_or_default();
                kneadtime_clinic::rules::PROFILE_NUMBERS
                    .iter()
                    .map(|(section, key, words)| {
                        (
                            format!("p.{section}.{key}"),
                            *words,
                            kneadtime_clinic::rules::profile_number(&effective, section, key)
                                .map(|n| n.to_string())
                                .unwrap_or_default(),
                        )
                    })
                    .collect()
            },
            chrome: Chrome::load(state, Some(c)).await,
            clinic_name: clinic.name.clone(),
            time_zone: clinic.time_zone.clone(),
            profile_toml: clinic.profile_toml.clone(),
            booking_horizon_days: clinic.booking_horizon_days,
            max_open_bookings: clinic.max_open_bookings,
            address: clinic.address.clone(),
            reminder_hours: clinic.reminder_hours,
            cancel_window_hours: clinic.cancel_window_hours,
            min_notice_hours: clinic.min_notice_hours,
            currency: clinic.currency.clone(),
            currencies: kneadtime_clinic::CURRENCIES
                .iter()
                .map(|(code, _, _)| {
                    (
                        code.to_string(),
                        format!("{code} ({})", kneadtime_clinic::price_text(6500, code)),
                    )
                })
                .collect(),
            outbox: crate::mail::outbox(state).await.ok(),
            closures: closures_of(state, all_locations).await,
            several_locations: location_choices.len() > 1,
            location_choices,
            locations,
            services,
            therapists,
            skills: Skill::ALL
                .iter()
                .map(|s| (s.as_str(), skill_words(*s)))
                .collect(),
            kinds: SERVICE_KINDS.to_vec(),
            sent,
            saved: saved.to_string(),
        },
    )
}

/// The closures from today on, in words.
async fn closures_of(
    state: &AppState,
    locations: &[kneadtime_store::Location],
) -> Vec<(String, String)> {
    let Ok(axum::Json(list)) = catalog::list_closures(State(state.clone())).await else {
        return Vec::new();
    };
    let several = locations.len() > 1;
    list.into_iter()
        .map(|c| {
            let mut days = if c.from_date == c.to_date {
                c.from_date.to_string()
            } else {
                format!("{} to {}", c.from_date, c.to_date)
            };
            if several {
                let place = match &c.location_id {
                    None => "every location".to_string(),
                    Some(l) => String::from(
                        locations
                            .iter()
                            .find(|x| x.id == l)
                            .map_or_else(|| l.clone(), |x| LocationId::from(x.name.clone())),
                    ),
                };
                days = format!("{days} ({place})");
            }
            let label = if c.note.is_empty() {
                days
            } else {
                format!("{days}: {}", c.note)
            };
            (c.id.to_string(), label)
        })
        .collect()
}

async fn owner_only(state: &AppState, caller: &Option<Caller>) -> Result<Caller, Response> {
    match caller {
        Some(c) if c.is_owner() => Ok(c.clone()),
        Some(c) => Err(message(
            state,
            Some(c),
            StatusCode::FORBIDDEN,
            "Owner only",
            "Only the clinic's owner can change settings.",
            "/staff",
            "Schedule",
        )
        .await),
        None => Err(Redirect::to("/staff/login").into_response()),
    }
}

/// GET /staff/settings
pub async fn settings(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    match owner_only(&state, &caller).await {
        Ok(c) => render(&state, &c, Sent::default(), "").await,
        Err(r) => r,
    }
}

fn field_of(e: &ApiError) -> String {
    e.field.clone().unwrap_or_default()
}

/// POST /staff/settings/{section} (and /staff/settings/{section}/{id} for one row).
pub async fn submit(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(path): Path<Vec<String>>,
    Form(mut f): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = owner_only(&state, &caller).await {
        return r;
    }
    // The weekly grid of working hours reads as the one-span-a-line text.
    if f.contains_key("grid") {
        let text = grid_text(&f);
        f.insert("hours".into(), text);
    }
    let c = match require_form(
        &state,
        &caller,
        f.get("csrf_token").map(String::as_str).unwrap_or(""),
        &headers,
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let section = path.first().cloned().unwrap_or_default();
    let id = path.get(1).cloned().unwrap_or_default();
    let st = State(state.clone());
    let result: Result<&str, ApiError> = match section.as_str() {
        "clinic" => {
            async {
                let booking_horizon_days =
                    whole("booking_horizon_days", &v("booking_horizon_days"))?;
                let max_open_bookings = whole("max_open_bookings", &v("max_open_bookings"))?;
                let reminder_hours = whole("reminder_hours", &v("reminder_hours"))?;
                let cancel_window_hours = whole("cancel_window_hours", &v("cancel_window_hours"))?;
                let min_notice_hours = whole("min_notice_hours", &v("min_notice_hours"))?;
                // The rules in numbers go into the profile's TOML (the advanced text).
                let mut numbers = Vec::new();
                for (section, key, _) in kneadtime_clinic::rules::PROFILE_NUMBERS {
                    let field = format!("p.{section}.{key}");
                    let Some(text) = f.get(&field).map(|t| t.trim()).filter(|t| !t.is_empty())
                    else {
                        continue;
                    };
                    let n: i64 = text
                        .parse()
                        .map_err(|_| ApiError::field(&field, "Enter a whole number of days."))?;
                    numbers.push((*section, *key, n));
                }
                let profile_toml = if numbers.is_empty() {
                    v("profile_toml")
                } else {
                    kneadtime_clinic::rules::profile_with(&v("profile_toml"), &numbers).map_err(
                        |e| {
                            ApiError::field(
                                "profile_numbers",
                                format!("These rules do not fit together: {e}."),
                            )
                        },
                    )?
                };
                let body = catalog::ClinicBody {
                    name: Some(v("name")),
                    time_zone: Some(v("time_zone")),
                    profile_toml: Some(profile_toml),
                    booking_horizon_days,
                    max_open_bookings,
                    address: f.get("address").cloned(),
                    reminder_hours,
                    cancel_window_hours,
                    min_notice_hours,
                    currency: f.get("currency").cloned(),
                };
                catalog::put_clinic(st, c.clone(), ApiJson(body))
                    .await
                    .map(|_| "Clinic saved.")
            }
            .await
        }
        "retry" => kneadtime_clinic::notify::retry(&state.clinic, &NoticeId::from(&id))
            .await
            .map(|()| "The message will be sent again.")
            .map_err(ApiError::from),
        "service" => match service_body(&f) {
            Ok(body) => catalog::create_service(st, c.clone(), ApiJson(body))
                .await
                .map(|_| "Service added."),
            Err(e) => Err(e),
        },
        "service-stop" => catalog::delete_service(st, c.clone(), Path(ServiceId::from(id.clone())))
            .await
            .map(|_| "Service no longer offered."),
        "therapist" => {
            let skills = ticked_skills(&f);
            let (email, password) = (v("email"), v("password"));
            let body = catalog::TherapistBody {
                name: v("name"),
                skills,
                email: (!email.trim().is_empty()).then_some(email),
                password: (!password.is_empty()).then_some(password),
                location_id: chosen_location(&f),
            };
            catalog::create_therapist(st, c.clone(), ApiJson(body))
                .await
                .map(|_| "Therapist added.")
        }
        "service-edit" => match service_body(&f) {
            Ok(body) => catalog::put_service(
                st,
                c.clone(),
                Path(ServiceId::from(id.clone())),
                ApiJson(body),
            )
            .await
            .map(|_| "Service saved."),
            Err(e) => Err(e),
        },
        "therapist-edit" => {
            let skills = ticked_skills(&f);
            let body = catalog::TherapistPatch {
                name: Some(v("name")),
                skills: Some(skills),
                active: None,
                location_id: chosen_location(&f),
            };
            catalog::patch_therapist(
                st,
                c.clone(),
                Path(TherapistId::from(id.clone())),
                ApiJson(body),
            )
            .await
            .map(|_| "Therapist saved.")
        }
        "hours" => match parse_hours(&v("hours")) {
            Ok(spans) => catalog::put_hours(
                st,
                c.clone(),
                Path(TherapistId::from(id.clone())),
                ApiJson(spans),
            )
            .await
            .map(|_| "Working hours saved."),
            Err(e) => Err(e),
        },
        "location" => {
            let body = crate::locations::LocationBody {
                name: Some(v("name")),
                address: Some(v("address")),
                time_zone: Some(v("time_zone")).filter(|z| !z.trim().is_empty()),
                ..Default::default()
            };
            crate::locations::create(st, c.clone(), ApiJson(body))
                .await
                .map(|_| "Location added.")
        }
        "location-edit" => match whole("position", &v("position")) {
            Ok(position) => {
                let body = crate::locations::LocationBody {
                    name: Some(v("name")),
                    address: Some(v("address")),
                    time_zone: Some(v("time_zone")),
                    position,
                    ..Default::default()
                };
                crate::locations::patch(
                    st,
                    c.clone(),
                    Path(LocationId::from(id.clone())),
                    ApiJson(body),
                )
                .await
                .map(|_| "Location saved.")
            }
            Err(e) => Err(e),
        },
        "location-active" => {
            let open = v("active") == "1";
            let body = crate::locations::LocationBody {
                active: Some(open),
                ..Default::default()
            };
            crate::locations::patch(
                st,
                c.clone(),
                Path(LocationId::from(id.clone())),
                ApiJson(body),
            )
            .await
            .map(|_| {
                if open {
                    "Location open again."
                } else {
                    "Location closed down."
                }
            })
        }
        "location-hours" => match parse_hours(&v("hours")) {
            Ok(spans) => crate::locations::put_hours(
                st,
                c.clone(),
                Path(LocationId::from(id.clone())),
                ApiJson(spans),
            )
            .await
            .map(|_| "Opening hours saved."),
            Err(e) => Err(e),
        },
        "dayoff" => add_days_off(&state, &c, &f).await,
        "closure" => add_closure(&state, &c, &f).await,
        "closure-delete" => catalog::delete_closure(st, c.clone(), Path(id.clone()))
            .await
            .map(|_| "The clinic is open again on those days."),
        // A booking in the way of days off: moved or cancelled (the client is emailed),
        // then the days off are tried again.
        "move" | "cancel-booking" => {
            let done = if section == "move" {
                let body = crate::booking::RescheduleBody {
                    start: v("start"),
                    therapist_id: Some(TherapistId::from(v("to_therapist"))),
                    override_reason: None,
                    ask_client: true,
                };
                crate::booking::reschedule(st, c.clone(), Path(id.clone()), ApiJson(body))
                    .await
                    .map(|_| ())
            } else {
                crate::booking::cancel(st, c.clone(), Path(id.clone()))
                    .await
                    .map(|_| ())
            };
            match done {
                Ok(()) if v("then") == "hours" => match parse_hours(&v("hours")) {
                    Ok(spans) => catalog::put_hours(
                        State(state.clone()),
                        c.clone(),
                        Path(TherapistId::from(v("hours_therapist"))),
                        ApiJson(spans),
                    )
                    .await
                    .map(|_| "Booking changed and the client emailed; the working hours are saved."),
                    Err(e) => Err(e),
                },
                Ok(()) if v("then") == "closure" => add_closure(&state, &c, &f).await.map(|_| {
                    "Booking changed and the client emailed; the clinic is closed on those days."
                }),
                Ok(()) => add_days_off(&state, &c, &f).await.map(|_| {
                    "Booking changed and the client emailed; the days off are added."
                }),
                Err(e) => Err(e),
            }
        }
        "dayoff-delete" => {
            let (tid, eid) = id
                .split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .unwrap_or_default();
            catalog::delete_exception(st, c.clone(), Path((tid, eid)))
                .await
                .map(|_| "Day off removed.")
        }
        _ => Err(ApiError::not_found("settings section")),
    };
    match result {
        Ok(saved) => render(&state, &c, Sent::default(), saved).await,
        Err(e)
            if e.status.is_client_error()
                && e.status != StatusCode::NOT_FOUND
                && e.status != StatusCode::FORBIDDEN =>
        {
            let section_key = match section.as_str() {
                "hours" => format!("hours-{id}"),
                "location-hours" => format!("location-hours-{id}"),
                "location-edit" | "location-active" => format!("location-{id}"),
                "move" | "cancel-booking" if v("then") == "closure" => "closure".to_string(),
                "move" | "cancel-booking" if v("then") == "hours" => {
                    format!("hours-{}", v("hours_therapist"))
                }
                "move" | "cancel-booking" => "dayoff".to_string(),
                _ => section.clone(),
            };
            let stranded = if e.code == crate::error::Code::BookingsAffected {
                stranded_rows(e.details.as_ref())
            } else {
                Vec::new()
            };
            let mut msg = e.message.clone();
            if let Some(first) = msg.get(..1) {
                msg = first.to_uppercase() + &msg[1..];
            }
            let field = field_of(&e);
            let field = if field.starts_with("hours") {
                "hours".to_string()
            } else {
                field
            };
            render(
                &state,
                &c,
                Sent {
                    section: section_key,
                    field,
                    message: msg,
                    values: f,
                    stranded,
                },
                "",
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// Adds the days off in form `f`; refused while bookings are in the way.
async fn add_days_off(
    state: &AppState,
    c: &Caller,
    f: &BTreeMap<String, String>,
) -> Result<&'static str, ApiError> {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let body = catalog::ExceptionBody {
        from: v("from"),
        to: (!v("to").is_empty()).then(|| v("to")),
        reason: v("reason"),
        note: v("note"),
    };
    catalog::create_exception(
        State(state.clone()),
        c.clone(),
        Path(TherapistId::from(v("therapist_id"))),
        ApiJson(body),
    )
    .await
    .map(|_| "Day off added.")
}

/// Closes the clinic on the days in form `f`; refused while bookings are in the way.
async fn add_closure(
    state: &AppState,
    c: &Caller,
    f: &BTreeMap<String, String>,
) -> Result<&'static str, ApiError> {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let body = catalog::ClosureBody {
        from: v("from"),
        to: (!v("to").is_empty()).then(|| v("to")),
        note: v("note"),
        location_id: chosen_location(f),
    };
    catalog::create_closure(State(state.clone()), c.clone(), ApiJson(body))
        .await
        .map(|_| "Closed on those days.")
}

/// "mon 09:00-17:00" per line (commas also separate spans).
/// The weekday names the hours grid and text use, Monday first.
const GRID_DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The hours grid (`mon_from_1`, `mon_to_1`, `mon_from_2`, `mon_to_2`…) as text, one
/// span a line; a span with one end left empty is kept so the owner is told.
fn grid_text(f: &BTreeMap<String, String>) -> String {
    let mut lines = Vec::new();
    for (day, _) in GRID_DAYS {
        for n in 1..=2 {
            let get = |k: &str| {
                f.get(&format!("{day}_{k}_{n}"))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            let (a, b) = (get("from"), get("to"));
            if !(a.is_empty() && b.is_empty()) {
                lines.push(format!("{day} {a}-{b}"));
            }
        }
    }
    lines.join("\n")
}

/// One therapist's week as the grid shows it: each day with up to two spans.
pub struct GridDay {
    pub key: &'static str,
    pub name: &'static str,
    pub spans: [(String, String); 2],
    /// The form fields of each span's ends.
    pub names: [(String, String); 2],
}

fn grid_of(text: &str) -> Vec<GridDay> {
    let spans = parse_hours(text).unwrap_or_default();
    GRID_DAYS
        .iter()
        .map(|(key, name)| {
            let mut mine = spans
                .iter()
                .filter(|s| s.day == *key)
                .map(|s| (s.start.clone(), s.end.clone()));
            GridDay {
                names: [1, 2].map(|n| (format!("{key}_from_{n}"), format!("{key}_to_{n}"))),
                key,
                name,
                spans: [
                    mine.next().unwrap_or_default(),
                    mine.next().unwrap_or_default(),
                ],
            }
        })
        .collect()
}

fn parse_hours(text: &str) -> Result<Vec<HoursSpan>, ApiError> {
    let mut out = Vec::new();
    for (i, line) in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let bad = || {
            ApiError::field(
                "hours",
                format!(
                    "Line {}: expected a day and a span like mon 09:00-17:00; found \"{line}\".",
                    i + 1
                ),
            )
        };
        let (day, span) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (a, b) = span.trim().split_once('-').ok_or_else(bad)?;
        out.push(HoursSpan {
            day: day.to_string(),
            start: a.trim().to_string(),
            end: b.trim().to_string(),
        });
    }
    Ok(out)
}
