//! The owner's race-week pages: events, and for each the runners who asked (a CSV file,
//! or on the demo clinic a made-up field), the allocation beside first come, first
//! served, one button that books it and emails every runner, the results, and capacity
//! planning as a table and a chart. Every action is the clinic core's.

use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kneadtime_clinic::race_week::{self, Capacity, CapacityInput, EventInput, Preview};
use kneadtime_domain::allocate::{Summary, Tier};
use kneadtime_store::ids::*;
use serde::Deserialize;

use super::{Chrome, PageCaller, error_page, message, page_with, require_form};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::{EventOut, RequestsQuery, event_out, requests_page};

async fn owner(state: &AppState, caller: &Option<Caller>) -> Result<Caller, Response> {
    match caller {
        Some(c) if c.is_owner() => Ok(c.clone()),
        Some(c) => Err(message(
            state,
            Some(c),
            StatusCode::FORBIDDEN,
            "Owner only",
            "Race week is run by the clinic's owner.",
            "/staff",
            "Schedule",
        )
        .await),
        None => Err(Redirect::to("/staff/login").into_response()),
    }
}

#[derive(Template)]
#[template(path = "staff_events.html")]
pub struct EventsPage {
    pub chrome: Chrome,
    pub events: Vec<EventOut>,
    pub error: String,
    pub field: String,
    pub form: EventForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct EventForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub distance: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub start: String,
}

async fn events_page(
    state: &AppState,
    c: &Caller,
    form: EventForm,
    e: Option<&ApiError>,
) -> Response {
    let mut events = Vec::new();
    match kneadtime_clinic::race_week::events(&state.clinic).await {
        Ok(all) => {
            for ev in all {
                match event_out(state, ev).await {
                    Ok(x) => events.push(x),
                    Err(e) => return error_page(state, Some(c), &e).await,
                }
            }
        }
        Err(e) => return error_page(state, Some(c), &e.into()).await,
    }
    let status = if e.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    page_with(
        status,
        &EventsPage {
            chrome: Chrome::load(state, Some(c)).await,
            events,
            error: e.map(|e| e.message.clone()).unwrap_or_default(),
            field: e.and_then(|e| e.field.clone()).unwrap_or_default(),
            form,
        },
    )
}

/// GET /staff/events
pub async fn list(State(state): State<AppState>, PageCaller(caller): PageCaller) -> Response {
    match owner(&state, &caller).await {
        Ok(c) => events_page(&state, &c, EventForm::default(), None).await,
        Err(r) => r,
    }
}

/// POST /staff/events: a new event, then its page.
pub async fn create(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(f): Form<EventForm>,
) -> Response {
    if let Err(r) = owner(&state, &caller).await {
        return r;
    }
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let made = race_week::create_event(
        &state.clinic,
        EventInput {
            name: f.name.clone(),
            date: f.date.clone(),
            distance: f.distance.clone(),
            kind: f.kind.clone(),
            service_id: None,
            start: Some(f.start.clone()),
        },
    )
    .await;
    match made {
        Ok(e) => Redirect::to(&format!("/staff/events/{}", e.id)).into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            if e.status.is_client_error() {
                events_page(&state, &c, f, Some(&e)).await
            } else {
                error_page(&state, Some(&c), &e).await
            }
        }
    }
}

/// One row of the allocation beside first come, first served.
pub struct CompareRow {
    pub what: &'static str,
    pub ours: String,
    pub theirs: String,
}

fn compare(ours: &Summary, theirs: &Summary) -> Vec<CompareRow> {
    let pct = |n: usize, of: usize| {
        if of == 0 {
            "—".to_string()
        } else {
            format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
        }
    };
    let tier = |s: &Summary, t: Tier| s.by_tier.get(&t).map_or(0, |x| x.1);
    let priority =
        |s: &Summary| tier(s, Tier::PreBooked) + tier(s, Tier::Elite) + tier(s, Tier::Charity);
    let asked = |s: &Summary| {
        [Tier::PreBooked, Tier::Elite, Tier::Charity]
            .iter()
            .map(|t| s.by_tier.get(t).map_or(0, |x| x.0))
            .sum::<usize>()
    };
    vec![
        CompareRow {
            what: "Runners given a time",
            ours: pct(ours.served, ours.runners),
            theirs: pct(theirs.served, theirs.runners),
        },
        CompareRow {
            what: "On one of their best days",
            ours: pct(ours.ideal, ours.runners),
            theirs: pct(theirs.ideal, theirs.runners),
        },
        CompareRow {
            what: "Priority runners given a time (pre-booked, elite, charity)",
            ours: pct(priority(ours), asked(ours)),
            theirs: pct(priority(theirs), asked(theirs)),
        },
        CompareRow {
            what: "Average fit of the times given (out of 100)",
            ours: if ours.served == 0 {
                "—".into()
            } else {
                format!("{:.0}", ours.total_fit as f64 / ours.served as f64)
            },
            theirs: if theirs.served == 0 {
                "—".into()
            } else {
                format!("{:.0}", theirs.total_fit as f64 / theirs.served as f64)
            },
        },
        CompareRow {
            what: "Left to wait",
            ours: ours.waitlisted.to_string(),
            theirs: theirs.waitlisted.to_string(),
        },
    ]
}

/// One runner in the results list.
pub struct RunnerRow {
    pub name: String,
    pub state: String,
    pub when: String,
    pub place: String,
    pub reason: String,
}

/// One row of the capacity table.
pub struct NeedRow {
    pub place: String,
    pub day: String,
    pub sessions: String,
    pub hours: String,
    pub rota_hours: String,
    pub short_hours: String,
    pub short: bool,
}

#[derive(Template)]
#[template(path = "staff_event.html")]
pub struct EventPage {
    pub chrome: Chrome,
    pub event: EventOut,
    pub date_words: String,
    pub kind_words: &'static str,
    pub notice: String,
    pub error: String,
    pub demo: bool,
    /// The allocation for everyone still to place, when anyone is.
    pub preview: Option<Preview>,
    pub compare: Vec<CompareRow>,
    pub window: String,
    /// Results: the filter, the rows shown, how many match, and the next page.
    pub filter: String,
    pub runners: Vec<RunnerRow>,
    pub total: usize,
    pub next_offset: Option<usize>,
    /// Capacity planning: the form's values, and the answer.
    pub cap_finishers: String,
    pub cap_median: String,
    pub cap_spread: String,
    pub cap_share: String,
    pub needs: Vec<NeedRow>,
    pub cap_summary: String,
    pub chart: String,
}

#[derive(Deserialize, Default)]
pub struct EventQuery {
    pub state: Option<String>,
    pub offset: Option<usize>,
    pub finishers: Option<String>,
    pub median: Option<String>,
    pub spread: Option<String>,
    pub share: Option<String>,
    pub done: Option<String>,
}

async fn event_page(
    state: &AppState,
    c: &Caller,
    id: &str,
    q: &EventQuery,
    notice: &str,
    error: &str,
) -> Response {
    let ev = match race_week::event(&state.clinic, &RaceEventId::from(id)).await {
        Ok(e) => e,
        Err(e) => return error_page(state, Some(c), &e.into()).await,
    };
    let event = match event_out(state, ev).await {
        Ok(e) => e,
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    let to_place = event.pending + event.waitlisted;
    let (preview, mut error) = if to_place > 0 {
        match race_week::preview(&state.clinic, &RaceEventId::from(id)).await {
            Ok(p) => (Some(p), error.to_string()),
            Err(e) => (None, ApiError::from(e).message),
        }
    } else {
        (None, error.to_string())
    };
    let compare = preview
        .as_ref()
        .map(|p| compare(&p.summary, &p.first_come))
        .unwrap_or_default();
    let window = preview
        .as_ref()
        .map(|p| {
            format!(
                "{} to {}",
                p.from.strftime("%a %-d %b"),
                p.to.strftime("%a %-d %b")
            )
        })
        .unwrap_or_default();
    let filter = q.state.clone().unwrap_or_default();
    let page_q = RequestsQuery {
        state: Some(filter.clone()).filter(|s| !s.is_empty()),
        offset: q.offset,
        limit: Some(100),
    };
    let (runners, total) = match requests_page(state, id, &page_q).await {
        Ok(p) => (
            p.requests
                .into_iter()
                .map(|r| RunnerRow {
                    name: r.client_name,
                    state: r.state.as_str().to_string(),
                    when: r
                        .appointment
                        .as_ref()
                        .map(|a| format!("{} {}", a.date.strftime("%a %-d %b"), a.local_time))
                        .unwrap_or_default(),
                    place: r
                        .appointment
                        .as_ref()
                        .map(|a| format!("{}, {}", a.location_name, a.therapist_name))
                        .unwrap_or_else(|| r.locations.join(", ")),
                    reason: r.reason,
                })
                .collect(),
            p.total,
        ),
        Err(e) => {
            error = e.message;
            (Vec::new(), 0)
        }
    };
    let offset = q.offset.unwrap_or(0);
    let next_offset = (offset + 100 < total).then_some(offset + 100);
    // Capacity planning, when asked.
    let cap_finishers = q
        .finishers
        .clone()
        .unwrap_or_else(|| event.runners.max(100).to_string());
    let cap_median = q.median.clone().unwrap_or_else(|| "4:30".into());
    let cap_spread = q.spread.clone().unwrap_or_else(|| "0:45".into());
    let cap_share = q.share.clone().unwrap_or_else(|| "90".into());
    let (mut needs, mut cap_summary, mut chart) = (Vec::new(), String::new(), String::new());
    if q.finishers.is_some() {
        let finishers = cap_finishers.trim().parse::<usize>();
        let share = cap_share.trim().trim_end_matches('%').trim().parse::<f64>();
        match (finishers, share) {
            (Err(_), _) => {
                error = format!(
                    "Finishers: expected a whole number, found {:?}",
                    cap_finishers.trim()
                );
            }
            (_, Err(_)) => {
                error = format!(
                    "Share: expected a percentage like 90, found {:?}",
                    cap_share.trim()
                );
            }
            (Ok(finishers), Ok(share_percent)) => {
                let input = CapacityInput {
                    finishers,
                    median: cap_median.clone(),
                    spread: cap_spread.clone(),
                    share_percent,
                };
                match race_week::capacity(&state.clinic, &RaceEventId::from(id), &input).await {
                    Ok(cap) => {
                        (needs, cap_summary) = need_rows(&cap);
                        chart = capacity_chart(&cap);
                    }
                    Err(e) => error = ApiError::from(e).message,
                }
            }
        }
    }
    let date_words = event.event.race_date.strftime("%A %-d %B %Y").to_string();
    let kind_words = match event.event.kind {
        kneadtime_domain::Kind::PreEvent => "pre-race",
        _ => "post-race",
    };
    page_with(
        if error.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        },
        &EventPage {
            chrome: Chrome::load(state, Some(c)).await,
            date_words,
            kind_words,
            notice: notice.to_string(),
            error,
            demo: state.config.demo,
            preview,
            compare,
            window,
            filter,
            runners,
            total,
            next_offset,
            cap_finishers,
            cap_median,
            cap_spread,
            cap_share,
            needs,
            cap_summary,
            chart,
            event,
        },
    )
}

fn need_rows(cap: &Capacity) -> (Vec<NeedRow>, String) {
    let name = |id: &str| {
        cap.names
            .iter()
            .find(|(l, _)| l == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let rows = cap
        .plan
        .rows
        .iter()
        .filter(|r| r.sessions > 0.05 || r.rota_sessions > 0)
        .map(|r| NeedRow {
            place: name(&r.clinic),
            day: r.date.strftime("%a %-d %b").to_string(),
            sessions: format!("{:.0}", r.sessions),
            hours: format!("{:.1}", r.hours),
            rota_hours: format!("{:.1}", r.rota_hours),
            short_hours: format!("{:.1}", r.short_hours),
            short: r.short_hours > 0.05,
        })
        .collect();
    let short: f64 = cap.plan.rows.iter().map(|r| r.short_hours).sum();
    let summary = format!(
        "Serving {:.0} runners inside their best days takes {:.0} sessions of {} minutes (with {} minutes between). The rota can hold {:.0} of them there{}.",
        cap.plan.target_sessions,
        cap.plan.target_sessions,
        cap.length_min,
        cap.buffer_min,
        cap.plan.coverable_sessions,
        if short > 0.05 {
            format!("; it is {short:.0} therapist-hours short")
        } else {
            String::new()
        }
    );
    (rows, summary)
}

/// Therapist-hours needed beside the rota's, per day and location, as an SVG bar chart
/// with labelled axes.
fn capacity_chart(cap: &Capacity) -> String {
    let mut days: Vec<jiff::civil::Date> = cap
        .plan
        .rows
        .iter()
        .filter(|r| r.sessions > 0.05 || r.rota_hours > 0.0)
        .map(|r| r.date)
        .collect();
    days.sort();
    days.dedup();
    let mut places: Vec<String> = cap.plan.rows.iter().map(|r| r.clinic.clone()).collect();
    places.sort();
    places.dedup();
    if days.is_empty() || places.is_empty() {
        return String::new();
    }
    let max = cap
        .plan
        .rows
        .iter()
        .map(|r| r.hours.max(r.rota_hours))
        .fold(1.0_f64, f64::max);
    let (left, top, height) = (56.0, 16.0, 220.0);
    let group = 24.0 * places.len() as f64 + 24.0;
    let width = left + group * days.len() as f64 + 16.0;
    let y = |h: f64| top + height - height * h / max;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width:.0} {:.0}\" xmlns=\"http://www.w3.org/2000/svg\" aria-labelledby=\"cap-title\"><title id=\"cap-title\">Therapist-hours needed (outline) and on the rota (filled), per day and location</title>",
        top + height + 56.0
    );
    // The hours axis, with four marks.
    for k in 0..=4 {
        let h = max * f64::from(k) / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{:.0}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d5dd\"/><text x=\"{:.0}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{h:.0} h</text>",
            width - 8.0,
            y(h),
            y(h),
            left - 6.0,
            y(h) + 4.0
        ));
    }
    let colours = [
        "#1f7a5a", "#3b6fb6", "#b5651d", "#7a3fb6", "#a3334a", "#4a7a1f",
    ];
    let name = |id: &str| {
        cap.names
            .iter()
            .find(|(l, _)| l == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    for (i, d) in days.iter().enumerate() {
        let x0 = left + group * i as f64 + 12.0;
        for (k, p) in places.iter().enumerate() {
            let Some(r) = cap
                .plan
                .rows
                .iter()
                .find(|r| r.date == *d && &r.clinic == p)
            else {
                continue;
            };
            let x = x0 + 24.0 * k as f64;
            let c = colours[k % colours.len()];
            let place = esc(&name(p));
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"18\" height=\"{:.1}\" fill=\"{c}\" fill-opacity=\"0.55\"><title>{place}: {:.1} h free on the rota</title></rect>",
                y(r.rota_hours),
                top + height - y(r.rota_hours),
                r.rota_hours
            ));
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"18\" height=\"{:.1}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"><title>{place}: {:.1} h needed</title></rect>",
                y(r.hours),
                top + height - y(r.hours),
                r.hours
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.0}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            x0 + 12.0 * places.len() as f64 - 6.0,
            top + height + 18.0,
            d.strftime("%a %-d %b")
        ));
    }
    // The key: each location's colour.
    let mut x = left;
    for (k, p) in places.iter().enumerate() {
        let c = colours[k % colours.len()];
        let label = esc(&name(p));
        svg.push_str(&format!(
            "<rect x=\"{x:.0}\" y=\"{:.0}\" width=\"12\" height=\"12\" fill=\"{c}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{label}</text>",
            top + height + 30.0,
            x + 16.0,
            top + height + 40.0
        ));
        x += 28.0 + 7.0 * label.chars().count() as f64;
    }
    svg.push_str("</svg>");
    svg
}

/// GET /staff/events/{id}
pub async fn show(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<EventQuery>,
) -> Response {
    let c = match owner(&state, &caller).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = match q.done.as_deref() {
        Some("booked") => {
            "Booked: every runner given a time has been emailed it, and the others their place on the waitlist."
        }
        Some("added") => "Runners added.",
        _ => "",
    };
    event_page(&state, &c, &id, &q, notice, "").await
}

/// POST /staff/events/{id}/runners: a runners CSV file (multipart), or a made-up field.
pub async fn add_runners(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<RaceEventId>,
    mut mp: Multipart,
) -> Response {
    if let Err(r) = owner(&state, &caller).await {
        return r;
    }
    let (mut csrf, mut file, mut text, mut sample) =
        (String::new(), String::new(), Vec::new(), String::new());
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let e = ApiError::bad(format!("the upload could not be read: {}", e.body_text()));
                return error_page(&state, caller.as_ref(), &e).await;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().unwrap_or("").to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let e = ApiError::bad(format!("the upload could not be read: {}", e.body_text()));
                return error_page(&state, caller.as_ref(), &e).await;
            }
        };
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => {
                file = filename;
                text = bytes.to_vec();
            }
            "sample" => sample = String::from_utf8_lossy(&bytes).trim().to_string(),
            _ => {}
        }
    }
    let c = match require_form(&state, &caller, &csrf, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done = if !sample.is_empty() {
        if !state.config.demo {
            Err("A made-up field is for the demo clinic only.".to_string())
        } else {
            match sample.parse::<usize>() {
                Ok(n) => race_week::add_sample(&state.clinic, &id, n, 7)
                    .await
                    .map_err(|e| ApiError::from(e).message),
                Err(_) => Err(format!("Enter a number of runners, found {sample:?}.")),
            }
        }
    } else if text.is_empty() {
        Err("Choose a runners file (.csv) to upload.".to_string())
    } else {
        match String::from_utf8(text) {
            Ok(t) => race_week::add_requests_csv(&state.clinic, &id, &file, &t)
                .await
                .map_err(|e| ApiError::from(e).message),
            Err(_) => Err(format!("{file}: expected a text file (UTF-8).")),
        }
    };
    match done {
        Ok(_) => Redirect::to(&format!("/staff/events/{id}?done=added")).into_response(),
        Err(msg) => event_page(&state, &c, &id, &EventQuery::default(), "", &msg).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// POST /staff/events/{id}/book: books the allocation and emails every runner.
pub async fn book(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<RaceEventId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = owner(&state, &caller).await {
        return r;
    }
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match race_week::book(&state.clinic, &id, &c.actor()).await {
        Ok(_) => Redirect::to(&format!("/staff/events/{id}?done=booked")).into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            event_page(&state, &c, &id, &EventQuery::default(), "", &e.message).await
        }
    }
}
