//! The runner's pages, no account needed: the start page, and the season planner (upload
//! a training calendar or watch files, see the season with each massage placed and
//! explained, download it as a calendar).

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use jiff::tz::TimeZone;
use kneadtime_domain::season::parse_weekday;
use kneadtime_domain::{PlanRequest, RaceSpec, Season, plan};

use super::timeline::{MassageRow, WeekRow, build};
use super::{Chrome, PageCaller, page, page_with};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: Chrome,
    pub clinic_name: String,
    /// Each open location: where, when, and who works there.
    pub places: Vec<Place>,
    /// Name, length and price, and the kind in words (and where, when not everywhere).
    pub services: Vec<(String, String, String)>,
    /// Something is set up to show (a service or a therapist).
    pub has_setup: bool,
}

/// One location on the home page.
pub struct Place {
    pub name: String,
    pub address: String,
    pub time_zone: String,
    /// Each weekday and when it is open ("08:00–20:00", or "closed").
    pub hours: Vec<(&'static str, String)>,
    /// Name, and skills in words.
    pub therapists: Vec<(String, String)>,
}

/// GET /: what the clinic offers, where and when, and the two ways in.
pub async fn home(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let setup = match state.clinic.setup().await {
        Ok(s) => s,
        Err(e) => return super::error_page(&state, caller.as_ref(), &e.into()).await,
    };
    let (clinic, all_therapists, all_services) =
        (&setup.clinic, &setup.therapists, &setup.services);
    let locations = &setup.sites.locations;
    let clock = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    let open_locations: Vec<_> = locations.iter().filter(|l| l.active).collect();
    let several = open_locations.len() > 1;
    let places = open_locations
        .iter()
        .map(|l| {
            let working: Vec<_> = all_therapists
                .iter()
                .filter(|t| t.active && t.location_id == l.id)
                .collect();
            // When it is open: its opening hours, or else the span its therapists work.
            let own = setup.sites.opening_hours(&l.id);
            let mut span: [Vec<(i64, i64)>; 7] = Default::default();
            if own.is_empty() {
                for h in working.iter().flat_map(|w| setup.hours_of(&w.id)) {
                    let d = h.weekday.to_monday_zero_offset() as usize;
                    let merged = match span[d].first() {
                        Some(&(a, b)) => (a.min(h.start_minute), b.max(h.end_minute)),
                        None => (h.start_minute, h.end_minute),
                    };
                    span[d] = vec![merged];
                }
            } else {
                for h in own {
                    span[h.weekday.to_monday_zero_offset() as usize]
                        .push((h.start_minute, h.end_minute));
                }
            }
            let hours = DAYS
                .iter()
                .zip(span)
                .map(|(d, s)| {
                    let text = if s.is_empty() {
                        "closed".to_string()
                    } else {
                        s.iter()
                            .map(|(a, b)| format!("{}–{}", clock(*a), clock(*b)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    (*d, text)
                })
                .collect();
            Place {
                name: if several {
                    l.name.clone()
                } else {
                    String::new()
                },
                address: l.address.clone(),
                time_zone: if l.time_zone == clinic.time_zone {
                    String::new()
                } else {
                    l.time_zone.clone()
                },
                hours,
                therapists: working
                    .iter()
                    .map(|t| {
                        (
                            t.name.clone(),
                            t.skills
                                .iter()
                                .map(|s| s.as_str().replace('_', " "))
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let services = all_services
        .iter()
        .filter(|s| s.active)
        .map(|s| {
            let only = s
                .location_id
                .as_ref()
                .filter(|_| several)
                .and_then(|l| locations.iter().find(|x| x.id == l))
                .map(|l| format!(" · at {} only", l.name))
                .unwrap_or_default();
            (
                s.name.clone(),
                format!(
                    "{} min · {}{only}",
                    s.length_min,
                    kneadtime_clinic::price_text(s.price_cents, &clinic.currency)
                ),
                match s.kind {
                    kneadtime_store::ServiceKind::Massage(k) => format!("{} massage", k.label()),
                    kneadtime_store::ServiceKind::General => String::new(),
                },
            )
        })
        .collect();
    let has_setup =
        all_services.iter().any(|s| s.active) || all_therapists.iter().any(|t| t.active);
    page(&Home {
        chrome: Chrome::load(&state, caller.as_ref()).await,
        clinic_name: clinic.name.clone(),
        places,
        services,
        has_setup,
    })
}

#[derive(Template, Default)]
#[template(path = "plan_form.html")]
pub struct PlanForm {
    pub chrome: Chrome,
    pub races: String,
    pub zone: String,
    pub unavailable: String,
    pub error_files: String,
    pub error_races: String,
    pub error_zone: String,
    pub error_unavailable: String,
}

/// GET /plan
pub async fn form(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    let chrome = Chrome::load(&state, caller.as_ref()).await;
    let zone = chrome.zone.clone();
    page(&PlanForm {
        chrome,
        zone,
        ..PlanForm::default()
    })
}

#[derive(Template)]
#[template(path = "plan_result.html")]
pub struct PlanResult {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
    pub zone: String,
    pub weeks: Vec<WeekRow>,
    pub massages: Vec<MassageRow>,
    pub svg: String,
    pub ics_href: String,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub dropped: Vec<String>,
    pub races: Vec<String>,
    pub files: Vec<String>,
}

/// What the planner form sent.
#[derive(Default)]
struct Upload {
    files: Vec<(String, Vec<u8>)>,
    races: String,
    zone: String,
    unavailable: String,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let mut up = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("the upload could not be read: {}", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| format!("the upload could not be read: {}", e.body_text()))?;
        match (name.as_str(), filename) {
            ("files", Some(f)) if !f.is_empty() && !bytes.is_empty() => {
                up.files.push((f, bytes.to_vec()))
            }
            ("races", _) => up.races = String::from_utf8_lossy(&bytes).into_owned(),
            ("zone", _) => up.zone = String::from_utf8_lossy(&bytes).trim().to_string(),
            ("unavailable", _) => {
                up.unavailable = String::from_utf8_lossy(&bytes).trim().to_string()
            }
            _ => {}
        }
    }
    Ok(up)
}

/// One race per line: `2027-04-25 marathon A` (or `2027-04-25:marathon:A`).
fn parse_races(text: &str) -> Result<Vec<RaceSpec>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| RaceSpec::parse(line).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// POST /plan
pub async fn submit(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    mp: Multipart,
) -> Response {
    let chrome = Chrome::load(&state, caller.as_ref()).await;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => {
            let zone = chrome.zone.clone();
            return page_with(
                StatusCode::BAD_REQUEST,
                &PlanForm {
                    chrome,
                    zone,
                    error_files: e,
                    ..PlanForm::default()
                },
            );
        }
    };
    let mut form = PlanForm {
        chrome: chrome.clone(),
        races: up.races.clone(),
        zone: up.zone.clone(),
        unavailable: up.unavailable.clone(),
        ..PlanForm::default()
    };
    let tz = match TimeZone::get(if up.zone.is_empty() {
        &chrome.zone
    } else {
        &up.zone
    }) {
        Ok(t) => t,
        Err(_) => {
            form.error_zone = format!(
                "Expected a time zone name like Europe/London or America/New_York; found \"{}\".",
                up.zone
            );
            return page_with(StatusCode::BAD_REQUEST, &form);
        }
    };
    let races = match parse_races(&up.races) {
        Ok(r) => r,
        Err(e) => {
            form.error_races = cap(&e);
            return page_with(StatusCode::BAD_REQUEST, &form);
        }
    };
    let mut unavailable = Vec::new();
    for d in up
        .unavailable
        .split([',', ' '])
        .filter(|d| !d.trim().is_empty())
    {
        match parse_weekday(d) {
            Some(w) => unavailable.push(w),
            None => {
                form.error_unavailable = format!("Expected weekdays like sat, sun; found \"{d}\".");
                return page_with(StatusCode::BAD_REQUEST, &form);
            }
        }
    }
    if up.files.is_empty() && races.is_empty() {
        form.error_files =
            "Choose a training calendar (.ics or .csv) or activity files, or enter a race.".into();
        return page_with(StatusCode::BAD_REQUEST, &form);
    }
    let profile = match state.clinic.setup().await.and_then(|s| s.profile()) {
        Ok(p) => p,
        Err(e) => return super::error_page(&state, caller.as_ref(), &e.into()).await,
    };
    let now = state.clock().now();
    let limits = state.config.limits.clone();
    let files = up.files;
    let planned =
        crate::cpu(move || plan_upload(&files, &tz, &races, &profile, unavailable, now, &limits))
            .await;
    match planned {
        Ok(Ok(result)) => page(&PlanResult { chrome, ..result }),
        Ok(Err(e)) => {
            // The message starts with the file's own name, kept as the runner wrote it.
            form.error_files = e;
            page_with(StatusCode::BAD_REQUEST, &form)
        }
        Err(e) => page_with(
            e.status,
            &PlanForm {
                error_files: e.message,
                ..form
            },
        ),
    }
}

/// Reads the uploaded files and plans the season: the CPU work of POST /plan, or the
/// message for the files field.
fn plan_upload(
    files: &[(String, Vec<u8>)],
    tz: &TimeZone,
    races: &[RaceSpec],
    profile: &kneadtime_domain::Profile,
    unavailable: Vec<jiff::civil::Weekday>,
    now: jiff::Timestamp,
    limits: &crate::config::Limits,
) -> Result<PlanResult, String> {
    let today = now.to_zoned(tz.clone()).date();
    let mut entries = Vec::new();
    let mut activities = Vec::new();
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    let race_day = RaceSpec::goal_day(races);
    for (name, bytes) in files {
        names.push(name.clone());
        if kneadtime_import::is_calendar_name(name) {
            let c = kneadtime_import::read_named_ending(name, bytes, Some(tz), race_day)
                .map_err(|e| e.to_string())?;
            warnings.extend(c.warnings.into_iter().map(|w| format!("{name}: {w}")));
            entries.extend(c.entries);
        } else {
            match kneadtime_activity::parse_named_within(
                bytes,
                name,
                tz,
                limits.inflate_cap(bytes.len()),
            ) {
                Ok(a) => activities.extend(a),
                Err(e) if e.kind == kneadtime_activity::ErrorKind::NotAnActivity => {
                    warnings.push(format!("{e} (skipped)"));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    let recorded =
        kneadtime_domain::load::recorded(&kneadtime_domain::load::Athlete::default(), &activities)
            .sessions();
    let season = Season::build(&entries, recorded, races, profile);
    let req = PlanRequest {
        unavailable_weekdays: unavailable,
        ..PlanRequest::starting(&season, today)
    };
    let p = plan(&season, &req);
    let t = build(&season, &p);
    let ics =
        kneadtime_import::write_ics("Massage plan", &kneadtime_import::plan_events(&p), now, 0);
    let ics_href = format!(
        "data:text/calendar;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(ics)
    );
    Ok(PlanResult {
        chrome: Chrome::default(),
        from: p.from.strftime("%-d %b %Y").to_string(),
        to: p.to.strftime("%-d %b %Y").to_string(),
        zone: tz.iana_name().unwrap_or("UTC").to_string(),
        weeks: t.weeks,
        massages: t.massages,
        svg: t.svg,
        ics_href,
        notes: p
            .notes
            .iter()
            .cloned()
            .chain(p.races.iter().all(|r| r.priority != kneadtime_domain::Priority::A).then(|| {
                "On the planner, the Races box takes a race per line, like 2027-04-25 marathon A (A for your goal race).".to_string()
            }))
            .collect(),
        warnings,
        dropped: p
            .dropped
            .iter()
            .map(|d| {
                format!(
                    "{} ({}): {}",
                    super::timeline::kind_title(d.kind),
                    d.date,
                    d.why
                )
            })
            .collect(),
        races: p
            .races
            .iter()
            .map(|r| kneadtime_import::race_line(&r.date, &r.name, r.distance_km, r.priority))
            .collect(),
        files: names,
    })
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
