//! The treatment record on the staff pages: the session-note form in four parts (saved
//! as a draft, signed, then amended with a reason), and the notes and hints the client
//! page shows.

use kneadtime_store::ids::*;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kneadtime_clinic::notes::{self, FindingInput, NoteInput, Record, describe_findings};
use kneadtime_clinic::people;
use kneadtime_domain::notes::{Side, normal_region};
use kneadtime_store::{NoteContent, SessionNote};

use super::staff::staff_only;
use super::{
    ApptView, Chrome, PageCaller, day_label, error_page, message, page_with, require_form,
};
use crate::AppState;
use crate::auth::Caller;
use crate::booking::Names;
use crate::error::ApiError;
use crate::schedule::local_date;

/// The regions the notes form offers, each with a left and a right (others can be typed).
const REGIONS: [&str; 12] = [
    "calves",
    "achilles",
    "shins",
    "hamstrings",
    "quads",
    "IT band",
    "glutes",
    "hip flexors",
    "adductors",
    "lower back",
    "upper back",
    "feet",
];

/// Most region rows a posted form is read for.
const MAX_ROWS: usize = 40;

/// One row of the findings table: `g{i}` names the region, `l{i}` and `r{i}` the
/// tightness of each side, `p{i}` tender points, `n{i}` a note.
pub struct RegionInput {
    pub index: usize,
    pub name: String,
    /// Typed by the therapist (a text box) rather than offered.
    pub typed: bool,
    pub left: String,
    pub right: String,
    pub tender: String,
    pub note: String,
}

/// A posted note form as the note it asks for.
fn form_input(f: &BTreeMap<String, String>) -> Result<NoteInput, ApiError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut findings = Vec::new();
    for i in 0..MAX_ROWS {
        let region = get(&format!("g{i}"));
        let (l, r, p) = (
            get(&format!("l{i}")),
            get(&format!("r{i}")),
            get(&format!("p{i}")),
        );
        if region.is_empty() {
            if !(l.is_empty() && r.is_empty()) {
                return Err(ApiError::field(
                    &format!("g{i}"),
                    "Name the region you scored.",
                ));
            }
            continue;
        }
        let tender: i64 = match p.as_str() {
            "" => 0,
            v => v.parse().map_err(|_| {
                ApiError::field(
                    &format!("p{i}"),
                    "Give tender points as a number from 0 to 20.",
                )
            })?,
        };
        if l.is_empty() && r.is_empty() {
            if tender > 0 {
                return Err(ApiError::field(
                    &format!("l{i}"),
                    "Score the tightness of the side with the tender points.",
                ));
            }
            continue;
        }
        let mut first = true;
        for (side, v, key) in [("left", &l, "l"), ("right", &r, "r")] {
            if v.is_empty() {
                continue;
            }
            let tightness = v.parse::<i64>().map_err(|_| {
                ApiError::field(
                    &format!("{key}{i}"),
                    "Choose a tightness from 0 (free) to 3 (very tight).",
                )
            })?;
            findings.push(FindingInput {
                region: region.clone(),
                side: side.into(),
                tightness,
                tender_points: if first { tender } else { 0 },
                note: if first {
                    get(&format!("n{i}"))
                } else {
                    String::new()
                },
            });
            first = false;
        }
    }
    let pain = match get("pain").as_str() {
        "" => None,
        v => Some(
            v.parse()
                .map_err(|_| ApiError::field("pain", "Choose pain from 0 (none) to 10 (worst)."))?,
        ),
    };
    let yes_no = |k: &str| match get(k).as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    Ok(NoteInput {
        subjective: get("subjective"),
        pain,
        last_homework_done: yes_no("last_homework"),
        findings,
        pressure_used: Some(get("pressure")).filter(|p| !p.is_empty()),
        techniques: get("techniques")
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        assessment: get("assessment"),
        homework_given: get("homework"),
        next_visit: get("next_visit"),
    })
}

/// A stored note as the form's fields, to fill the form with it.
fn form_of(c: &NoteContent) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut names: Vec<String> = REGIONS.iter().map(|r| normal_region(r)).collect();
    for x in &c.findings {
        if !names.contains(&x.region) {
            names.push(x.region.clone());
        }
    }
    for (i, name) in names.iter().enumerate().take(MAX_ROWS) {
        let of: Vec<_> = c.findings.iter().filter(|x| &x.region == name).collect();
        if of.is_empty() {
            continue;
        }
        f.insert(format!("g{i}"), name.clone());
        for x in &of {
            let t = x.tightness.to_string();
            if x.side != Side::Right {
                f.insert(format!("l{i}"), t.clone());
            }
            if x.side != Side::Left {
                f.insert(format!("r{i}"), t);
            }
        }
        let tender: u32 = of.iter().map(|x| u32::from(x.tender_points)).sum();
        if tender > 0 {
            f.insert(format!("p{i}"), tender.to_string());
        }
        let words: Vec<&str> = of
            .iter()
            .map(|x| x.note.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        f.insert(format!("n{i}"), words.join("; "));
    }
    f.insert("subjective".into(), c.subjective.clone());
    f.insert(
        "pain".into(),
        c.pain.map(|p| p.to_string()).unwrap_or_default(),
    );
    f.insert(
        "last_homework".into(),
        match c.last_homework_done {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }
        .into(),
    );
    f.insert(
        "pressure".into(),
        c.pressure_used
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
    );
    f.insert("techniques".into(), c.techniques.join(", "));
    f.insert("assessment".into(), c.assessment.clone());
    f.insert("homework".into(), c.homework_given.clone());
    f.insert("next_visit".into(), c.next_visit.clone());
    f
}

/// The rows the form shows: the offered regions, the typed ones the note holds, and one
/// empty row to type another.
fn rows_of(f: &BTreeMap<String, String>) -> Vec<RegionInput> {
    let get = |k: String| f.get(&k).cloned().unwrap_or_default();
    let mut rows: Vec<RegionInput> = Vec::new();
    for i in 0..MAX_ROWS {
        let offered = REGIONS.get(i).map(|r| r.to_string());
        let name = offered.clone().unwrap_or_else(|| get(format!("g{i}")));
        if offered.is_none() && name.is_empty() {
            continue;
        }
        rows.push(RegionInput {
            index: i,
            typed: offered.is_none(),
            name,
            left: get(format!("l{i}")),
            right: get(format!("r{i}")),
            tender: get(format!("p{i}")),
            note: get(format!("n{i}")),
        });
    }
    let next = rows.last().map_or(0, |r| r.index + 1).max(REGIONS.len());
    if next < MAX_ROWS {
        rows.push(RegionInput {
            index: next,
            typed: true,
            name: String::new(),
            left: String::new(),
            right: String::new(),
            tender: String::new(),
            note: String::new(),
        });
    }
    rows
}

/// What a stored note shows on the pages: its status and its four parts in lines.
pub struct NoteView {
    pub id: NoteId,
    pub appointment_id: AppointmentId,
    pub date: String,
    pub therapist: String,
    /// "Draft", "Signed by Ana on 3 Feb 2027".
    pub status: String,
    pub signed: bool,
    pub reports: String,
    pub findings: String,
    pub treatment: String,
    pub assessment: String,
    pub plan: String,
    pub homework_done: String,
    /// When, who and why, oldest first.
    pub amendments: Vec<(String, String, String)>,
}

fn when(t: i64, tz: &jiff::tz::TimeZone) -> String {
    kneadtime_clinic::local_datetime(t, tz)
        .strftime("%-d %b %Y %H:%M")
        .to_string()
}

pub fn note_view(
    n: &SessionNote,
    date: jiff::civil::Date,
    therapist: &str,
    tz: &jiff::tz::TimeZone,
) -> NoteView {
    let c = &n.content;
    let mut reports = Vec::new();
    if !c.subjective.is_empty() {
        reports.push(c.subjective.clone());
    }
    if let Some(p) = c.pain {
        reports.push(format!("pain {p}/10"));
    }
    match c.last_homework_done {
        Some(true) => reports.push("did the last homework".into()),
        Some(false) => reports.push("did not do the last homework".into()),
        None => {}
    }
    let mut treatment = Vec::new();
    if let Some(p) = c.pressure_used {
        treatment.push(format!("{} pressure", p.as_str()));
    }
    if !c.techniques.is_empty() {
        treatment.push(c.techniques.join(", "));
    }
    let mut plan = Vec::new();
    if !c.homework_given.is_empty() {
        plan.push(format!("Homework: {}", c.homework_given));
    }
    if !c.next_visit.is_empty() {
        plan.push(format!("Next visit: {}", c.next_visit));
    }
    let status = match (&n.signed_at, &n.signed_by) {
        (Some(at), by) => {
            let by = by.as_deref().filter(|b| !b.is_empty());
            let mut s = match by {
                Some(by) => format!("Signed by {by} on {}", when(at.as_second(), tz)),
                None => format!("Signed on {}", when(at.as_second(), tz)),
            };
            if !n.amendments.is_empty() {
                s.push_str(&format!(
                    " · amended {} time{}",
                    n.amendments.len(),
                    if n.amendments.len() == 1 { "" } else { "s" }
                ));
            }
            s
        }
        (None, _) => "Draft: not signed yet".into(),
    };
    NoteView {
        id: n.id.clone(),
        appointment_id: n.appointment_id.clone(),
        date: day_label(date),
        therapist: therapist.to_string(),
        status,
        signed: n.signed(),
        reports: reports.join(" · "),
        findings: describe_findings(&c.findings),
        treatment: treatment.join(" · "),
        assessment: c.assessment.clone(),
        plan: plan.join(" · "),
        homework_done: match n.homework_done {
            Some(true) => "done".into(),
            Some(false) => "not done".into(),
            None => String::new(),
        },
        amendments: n
            .amendments
            .iter()
            .map(|a| {
                (
                    when(a.at.as_second(), tz),
                    if a.author.is_empty() {
                        "—".to_string()
                    } else {
                        a.author.clone()
                    },
                    a.reason.clone(),
                )
            })
            .collect(),
    }
}

/// The notes of a record as the pages show them, newest first.
pub fn note_views(r: &Record, names: &Names) -> Vec<NoteView> {
    r.visits
        .iter()
        .rev()
        .map(|v| {
            note_view(
                &v.note,
                v.date,
                &names.view(&v.appointment, Some(""), None).therapist_name,
                &names.tz,
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_note.html")]
pub struct NotePage {
    pub chrome: Chrome,
    pub appt: ApptView,
    /// The note as stored, when there is one.
    pub note: Option<NoteView>,
    /// Signed: the form amends rather than edits.
    pub amending: bool,
    pub rows: Vec<RegionInput>,
    pub f: BTreeMap<String, String>,
    pub reason: String,
    pub error: String,
    pub error_field: String,
    pub saved: String,
}

impl NotePage {
    /// A field's value as posted or stored.
    pub fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn note_page(
    state: &AppState,
    c: &Caller,
    id: &str,
    form: Option<&BTreeMap<String, String>>,
    err: Option<ApiError>,
    saved: &str,
) -> Response {
    let a = match crate::notes::treated(state, c, id).await {
        Ok(a) => a,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            return message(
                state,
                Some(c),
                StatusCode::NOT_FOUND,
                "Not found",
                "No such appointment on your schedule.",
                "/staff",
                "Schedule",
            )
            .await;
        }
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    let (names, note, client) = match tokio::try_join!(
        async { Names::load(state).await },
        async { Ok(notes::of_appointment(&state.clinic, &AppointmentId::from(id)).await?) },
        async { Ok(people::client(&state.clinic, &a.client_id).await?) },
    ) {
        Ok(x) => x,
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    let appt = ApptView::from(
        &names.view(&a, Some(&client.name), None),
        a.start_at.as_second(),
        state.now(),
        &names.tz,
    );
    let f = match (form, &note) {
        (Some(f), _) => f.clone(),
        (None, Some(n)) => form_of(&n.content),
        (None, None) => BTreeMap::new(),
    };
    let view = note.as_ref().map(|n| {
        note_view(
            n,
            local_date(a.start_at.as_second(), &names.tz),
            &appt.therapist,
            &names.tz,
        )
    });
    let status = err.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    page_with(
        status,
        &NotePage {
            chrome: Chrome::load(state, Some(c)).await,
            appt,
            amending: note.as_ref().is_some_and(SessionNote::signed),
            note: view,
            rows: rows_of(&f),
            reason: f.get("reason").cloned().unwrap_or_default(),
            f,
            error_field: err
                .as_ref()
                .and_then(|e| e.field.clone())
                .unwrap_or_default(),
            error: err.map(|e| e.message).unwrap_or_default(),
            saved: saved.to_string(),
        },
    )
}

/// GET /staff/appointments/{id}/notes
pub async fn note_form(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
) -> Response {
    match staff_only(&state, caller).await {
        Ok(c) => {
            // The page shows the note to those who may write it: the reading is logged.
            if let Ok(a) = crate::notes::treated(&state, &c, &id).await
                && let Err(e) = people::audit(
                    &state.clinic,
                    &c.actor(),
                    "notes.view",
                    Some(&a.client_id),
                    &id,
                )
                .await
            {
                return error_page(&state, Some(&c), &e.into()).await;
            }
            note_page(&state, &c, &id, None, None, "").await
        }
        Err(r) => r,
    }
}

/// POST /staff/appointments/{id}/notes: saves the draft (`sign=1` signs it too), or,
/// once signed, adds an amendment with its reason.
pub async fn note_submit(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<BTreeMap<String, String>>,
) -> Response {
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
    let result = save(&state, &c, &id, &f).await;
    match result {
        Ok((client, what)) => {
            if what == "signed" || what == "amended" {
                Redirect::to(&format!("/staff/clients/{client}?note={what}#notes")).into_response()
            } else {
                note_page(
                    &state,
                    &c,
                    &id,
                    None,
                    None,
                    "Draft saved. Sign it when it is complete.",
                )
                .await
            }
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            note_page(&state, &c, &id, Some(&f), Some(e), "").await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// Saves what the form says; the client's id and what was done.
async fn save(
    state: &AppState,
    c: &Caller,
    id: &str,
    f: &BTreeMap<String, String>,
) -> Result<(String, &'static str), ApiError> {
    let a = crate::notes::treated(state, c, id).await?;
    let input = form_input(f)?;
    let who = crate::notes::author(state, c).await?;
    let existing = notes::of_appointment(&state.clinic, &AppointmentId::from(id)).await?;
    let (note, what) = match existing {
        Some(n) if n.signed() => {
            let reason = f.get("reason").map(String::as_str).unwrap_or("");
            let n = notes::amend(&state.clinic, &n.id, &who, reason, &input).await?;
            (n, "amended")
        }
        _ => {
            let n = notes::write(&state.clinic, &a, &who, &input).await?;
            if f.get("sign").is_some_and(|v| v == "1") {
                (notes::sign(&state.clinic, &n.id, &who).await?, "signed")
            } else {
                (n, "saved")
            }
        }
    };
    let action = match what {
        "amended" => "notes.amend",
        "signed" => "notes.sign",
        _ => "notes.change",
    };
    people::audit(
        &state.clinic,
        &c.actor(),
        action,
        Some(&a.client_id),
        &note.id,
    )
    .await?;
    Ok((String::from(a.client_id), what))
}

/// A routine given, as the client page shows it to staff.
pub struct HomeworkRow {
    pub id: HomeworkId,
    pub name: String,
    pub per_week: u8,
    pub since: String,
    pub by: String,
    pub kept_up: String,
    pub low: bool,
    /// A shorter routine to suggest: its id and name.
    pub shorter: Option<(String, String)>,
    pub ended: bool,
}

pub async fn homework_rows(
    state: &AppState,
    client_id: &ClientId,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<HomeworkRow>, ApiError> {
    Ok(
        kneadtime_clinic::homework::list(&state.clinic, client_id, tz)
            .await?
            .into_iter()
            .map(|v| HomeworkRow {
                id: v.homework.id.clone(),
                name: v.routine.name.to_string(),
                per_week: v.homework.per_week,
                since: day_label(v.homework.from_date),
                by: v.homework.assigned_by.clone(),
                kept_up: kneadtime_clinic::homework::compliance_text(&v.compliance),
                low: v
                    .compliance
                    .share
                    .is_some_and(|s| s < kneadtime_domain::homework::LOW_SHARE),
                shorter: v
                    .shorter
                    .map(|r| (r.id.to_string(), format!("{} ({} min)", r.name, r.minutes))),
                ended: v.homework.ended_at.is_some(),
            })
            .collect(),
    )
}

/// The library as choices: id and "Calf and Achilles stretch · stretching, 8 min".
pub fn routine_options() -> Vec<(String, String)> {
    kneadtime_domain::homework::LIBRARY
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                format!("{} · {}, {} min", r.name, r.kind.label(), r.minutes),
            )
        })
        .collect()
}

#[derive(serde::Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub routine: String,
    #[serde(default)]
    pub per_week: String,
}

/// POST /staff/clients/{id}/homework: gives the client a routine.
pub async fn homework_assign(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = crate::homework::AssignBody {
        routine: f.routine.clone(),
        per_week: f.per_week.trim().parse().unwrap_or(0),
        note_id: None,
    };
    match crate::homework::assign(
        State(state.clone()),
        c.clone(),
        Path(ClientId::from(id.clone())),
        crate::error::ApiJson(body),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/staff/clients/{id}#homework")).into_response(),
        Err(e) => {
            message(
                &state,
                Some(&c),
                e.status,
                "Not given",
                &e.message,
                &format!("/staff/clients/{id}#homework"),
                "Back to the client",
            )
            .await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct StopForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// POST /staff/homework/{id}/stop: stops a routine.
pub async fn homework_stop(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<StopForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let client = kneadtime_clinic::homework::get(&state.clinic, &HomeworkId::from(&id))
        .await
        .map(|h| h.client_id);
    match crate::homework::stop(State(state.clone()), c.clone(), Path(id)).await {
        Ok(_) => Redirect::to(&format!(
            "/staff/clients/{}#homework",
            client.unwrap_or_default()
        ))
        .into_response(),
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

#[derive(Template)]
#[template(path = "record_print.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub e: kneadtime_clinic::export::Export,
    pub md_link: String,
    pub back: String,
    /// The audiences offered: label, link, whether it is this one.
    pub choices: Vec<(String, String, bool)>,
}

#[derive(serde::Deserialize)]
pub struct ForQuery {
    #[serde(rename = "for", default)]
    pub audience: String,
}

/// The record page or its Markdown for `client_id`, as `c` may see it.
async fn record_response(
    state: &AppState,
    c: &Caller,
    client_id: &ClientId,
    asked: &str,
    markdown: bool,
    base: &str,
    back: &str,
) -> Response {
    let audience = match crate::export::audience_of(c, Some(asked)) {
        Ok(a) => a,
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    let e = match crate::export::record(state, c, client_id, audience).await {
        Ok(e) => e,
        Err(e) => return error_page(state, Some(c), &e).await,
    };
    if markdown {
        let name = match people::client(&state.clinic, client_id).await {
            Ok(c) => c.name,
            Err(e) => return error_page(state, Some(c), &e.into()).await,
        };
        return crate::export::markdown_file(&e, &name);
    }
    let mut offered = vec![("your coach", "coach"), ("your physio", "physio")];
    if c.is_staff() {
        offered = vec![
            ("the clinic", "clinic"),
            ("a coach", "coach"),
            ("a physio", "physio"),
        ];
    }
    super::page(&RecordPage {
        chrome: Chrome::load(state, Some(c)).await,
        md_link: format!("{base}.md?for={}", audience.as_str()),
        back: back.to_string(),
        choices: offered
            .into_iter()
            .map(|(label, a)| {
                (
                    label.to_string(),
                    format!("{base}?for={a}"),
                    a == audience.as_str(),
                )
            })
            .collect(),
        e,
    })
}

/// GET /staff/clients/{id}/record and /staff/clients/{id}/record.md
pub async fn staff_record(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ForQuery>,
) -> Response {
    staff_record_as(state, caller, id, q, false).await
}

pub async fn staff_record_md(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ForQuery>,
) -> Response {
    staff_record_as(state, caller, id, q, true).await
}

async fn staff_record_as(
    state: AppState,
    caller: Option<Caller>,
    id: String,
    q: ForQuery,
    markdown: bool,
) -> Response {
    let c = match staff_only(&state, caller).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let base = format!("/staff/clients/{id}/record");
    let back = format!("/staff/clients/{id}");
    record_response(
        &state,
        &c,
        &ClientId::from(&id),
        &q.audience,
        markdown,
        &base,
        &back,
    )
    .await
}

/// GET /me/record and /me/record.md: the client's own record for their coach or physio.
pub async fn my_record(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    axum::extract::Query(q): axum::extract::Query<ForQuery>,
) -> Response {
    my_record_as(state, caller, q, false).await
}

pub async fn my_record_md(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    axum::extract::Query(q): axum::extract::Query<ForQuery>,
) -> Response {
    my_record_as(state, caller, q, true).await
}

async fn my_record_as(
    state: AppState,
    caller: Option<Caller>,
    q: ForQuery,
    markdown: bool,
) -> Response {
    let Some(c) = caller else {
        return Redirect::to("/signin").into_response();
    };
    let Some(me) = c.client_id().cloned() else {
        return Redirect::to("/staff").into_response();
    };
    let asked = if q.audience.is_empty() {
        "physio"
    } else {
        &q.audience
    };
    record_response(&state, &c, &me, asked, markdown, "/me/record", "/me").await
}

#[derive(serde::Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub confirm_name: String,
}

/// POST /staff/clients/{id}/erase: the owner erases a client on request.
pub async fn erase(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EraseForm>,
) -> Response {
    let c = match require_form(&state, &caller, &f.csrf_token, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = crate::export::EraseBody {
        confirm_name: f.confirm_name.clone(),
    };
    match crate::export::erase(State(state.clone()), c.clone(), Path(ClientId::from(id.clone())), crate::error::ApiJson(body))
        .await
    {
        Ok(done) => {
            message(
                &state,
                Some(&c),
                StatusCode::OK,
                "Client erased",
                &format!(
                    "Their details, intake, notes, homework, calendars and bookings are gone; {} booking{} stay only as anonymous counts. The erasure is in the audit log.",
                    done.bookings_counted,
                    if done.bookings_counted == 1 { "" } else { "s" }
                ),
                "/staff/clients",
                "Clients",
            )
            .await
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            message(
                &state,
                Some(&c),
                e.status,
                "Not erased",
                &e.message,
                &format!("/staff/clients/{id}#erase"),
                "Back to the client",
            )
            .await
        }
        Err(e) => error_page(&state, Some(&c), &e).await,
    }
}

/// One of the plan's next massages, in words.
pub struct PlannedRow {
    pub date: String,
    pub kind: String,
    pub pressure: String,
    pub focus: String,
    pub why: String,
}

/// The plan's next three massages for a client, their focus and pressure following the
/// record.
pub async fn next_planned(
    state: &AppState,
    ctx: &kneadtime_clinic::ClientContext,
    record: &Record,
) -> Result<Vec<PlannedRow>, ApiError> {
    let p = kneadtime_clinic::plan::season_plan(&state.clinic, ctx, record).await?;
    Ok(p.massages
        .iter()
        .take(3)
        .map(|m| PlannedRow {
            date: day_label(m.date),
            kind: m.kind.label().to_string(),
            pressure: m.pressure.as_str().to_string(),
            focus: m.focus.join(", "),
            why: m.why.clone(),
        })
        .collect())
}
