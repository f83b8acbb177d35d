//! Session notes over HTTP: written as a draft by the appointment's therapist (or the
//! owner), changed until signed, amended after; the client's record with its patterns
//! and hints; and the homework answer. Every read and change goes to the audit log.

use axum::Json;
use axum::extract::{Path, State};
use kneadtime_clinic::notes::{self, FindingInput, NoteInput};
use kneadtime_clinic::{CoreError, booking, people};
use kneadtime_domain::notes::{Hint, RegionPattern};
use kneadtime_store::ids::*;
use kneadtime_store::{Appointment, SessionNote, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppState;
use crate::auth::{Caller, Who};
use crate::booking::{Names, may_see};
use crate::clients::visible_client;
use crate::doc;
use crate::error::{ApiError, ApiJson, ApiResult, Code, Created};
use crate::policy::{Act, decide};
use crate::schedule::client_context;

/// A session note in four parts. A note that says nothing is refused (400 naming findings).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// What the client reports.
    #[serde(default)]
    pub subjective: String,
    /// Pain the client reports today, 0 … 10.
    pub pain: Option<i64>,
    /// Whether the client says they did the last visit's homework.
    pub last_homework_done: Option<bool>,
    #[serde(default)]
    pub findings: Vec<FindingIn>,
    /// light, moderate or deep
    pub pressure_used: Option<String>,
    #[serde(default)]
    pub techniques: Vec<String>,
    /// The therapist's assessment, up to 2000 characters.
    #[serde(default)]
    pub assessment: String,
    #[serde(default)]
    pub homework_given: String,
    /// When and what the next visit should be.
    #[serde(default)]
    pub next_visit: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingIn {
    /// A body region, up to 60 characters (compared trimmed, lower case).
    pub region: String,
    /// left, right or both (the default)
    #[serde(default)]
    pub side: String,
    /// 0 (free) … 3 (very tight)
    pub tightness: i64,
    /// Tender or trigger points found.
    #[serde(default)]
    pub tender_points: i64,
    /// Kept up to 500 characters.
    #[serde(default)]
    pub note: String,
}

impl NoteBody {
    pub fn input(&self) -> NoteInput {
        NoteInput {
            subjective: self.subjective.clone(),
            pain: self.pain,
            last_homework_done: self.last_homework_done,
            findings: self
                .findings
                .iter()
                .map(|f| FindingInput {
                    region: f.region.clone(),
                    side: f.side.clone(),
                    tightness: f.tightness,
                    tender_points: f.tender_points,
                    note: f.note.clone(),
                })
                .collect(),
            pressure_used: self.pressure_used.clone(),
            techniques: self.techniques.clone(),
            assessment: self.assessment.clone(),
            homework_given: self.homework_given.clone(),
            next_visit: self.next_visit.clone(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendBody {
    /// Why the signed note changes.
    pub reason: String,
    /// The whole note as it now reads.
    pub note: NoteBody,
}

/// Logs that `caller` did `action` to the client's record.
async fn log(
    state: &AppState,
    caller: &Caller,
    action: &str,
    client_id: Option<&ClientId>,
    subject: &str,
) -> ApiResult<()> {
    Ok(people::audit(&state.clinic, &caller.actor(), action, client_id, subject).await?)
}

/// The name a note records for the staff member calling.
pub async fn author(state: &AppState, caller: &Caller) -> ApiResult<String> {
    match &caller.who {
        Who::Owner { staff_id } | Who::Therapist { staff_id, .. } => {
            Ok(people::staff(&state.clinic, staff_id).await?.name)
        }
        Who::Client { .. } => Err(ApiError::forbidden()),
    }
}

/// An appointment the caller may write notes for; 404 for anyone else.
pub async fn treated(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Appointment> {
    caller.require_staff()?;
    let a = booking::appointment(&state.clinic, &AppointmentId::from(id))
        .await
        .map_err(|e| match e {
            CoreError::Store(StoreError::NotFound) => ApiError::not_found("appointment"),
            e => e.into(),
        })?;
    if decide(caller, Act::Treat(&a)) != Some(true) {
        return Err(ApiError::not_found("appointment"));
    }
    Ok(a)
}

/// A note and its appointment, when the caller may write it; 404 for anyone else.
async fn writable(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(SessionNote, Appointment)> {
    caller.require_staff()?;
    let n = notes::get(&state.clinic, &NoteId::from(id)).await?;
    let a = booking::appointment(&state.clinic, &n.appointment_id).await?;
    if decide(caller, Act::Treat(&a)) != Some(true) {
        return Err(ApiError::not_found("note"));
    }
    Ok((n, a))
}

/// POST /api/appointments/{id}/notes: the appointment's note, as a draft (409
/// `note_exists` when it has one: change that).
#[utoipa::path(
    post,
    path = "/api/appointments/{id}/notes",
    operation_id = "addNote",
    tag = "notes",
    summary = "Write a session note as a draft (the appointment's therapist or the owner)",
    description = "One note per appointment: 409 note_exists (details.note_id) when it has one. A note that says nothing is refused (400 naming findings). The draft changes with PUT /api/notes/{id} until signed.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = NoteBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The note.", body = SessionNote),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<AppointmentId>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Created<SessionNote>> {
    let a = treated(&state, &caller, &id).await?;
    if let Some(n) = notes::of_appointment(&state.clinic, &id).await? {
        return Err(ApiError::conflict(
            Code::NoteExists,
            "this appointment has a note: change it with PUT /api/notes/{id}",
        )
        .with_details(json!({ "note_id": n.id })));
    }
    let who = author(&state, &caller).await?;
    let n = notes::write(&state.clinic, &a, &who, &body.input()).await?;
    log(&state, &caller, "notes.add", Some(&a.client_id), &n.id).await?;
    Ok(Created(n))
}

/// PUT /api/notes/{id}: what an unsigned note says (409 `note_signed` once signed).
#[utoipa::path(
    put,
    path = "/api/notes/{id}",
    operation_id = "putNote",
    tag = "notes",
    summary = "Change a draft note",
    description = "The whole note as it now reads. The appointment's therapist or the owner; 409 note_signed once signed (amend it instead).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = NoteBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The note.", body = SessionNote),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn put_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<NoteId>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Json<SessionNote>> {
    let (_, a) = writable(&state, &caller, &id).await?;
    let n = notes::edit(&state.clinic, &id, &body.input()).await?;
    log(&state, &caller, "notes.change", Some(&a.client_id), &id).await?;
    Ok(Json(n))
}

/// POST /api/notes/{id}/sign: signs the note; it then changes only by amendment.
#[utoipa::path(
    post,
    path = "/api/notes/{id}/sign",
    operation_id = "signNote",
    tag = "notes",
    summary = "Sign a note",
    description = "Locks the note: later changes are amendments. 409 note_signed when it is signed already.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "The signed note.", body = SessionNote),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn sign_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<NoteId>,
) -> ApiResult<Json<SessionNote>> {
    let (_, a) = writable(&state, &caller, &id).await?;
    let who = author(&state, &caller).await?;
    let n = notes::sign(&state.clinic, &id, &who).await?;
    log(&state, &caller, "notes.sign", Some(&a.client_id), &id).await?;
    Ok(Json(n))
}

/// POST /api/notes/{id}/amendments: changes a signed note, keeping the signed text.
#[utoipa::path(
    post,
    path = "/api/notes/{id}/amendments",
    operation_id = "amendNote",
    tag = "notes",
    summary = "Amend a signed note",
    description = "The whole note as it now reads and why; the signed text is kept beside it with the amendment's author and time. 409 wrong_state when the note is not signed yet.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = AmendBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The note as amended.", body = SessionNote),
        (status = 409, response = doc::Conflict),
    ),
)]
pub async fn amend_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<NoteId>,
    ApiJson(body): ApiJson<AmendBody>,
) -> ApiResult<Created<SessionNote>> {
    let (n, a) = writable(&state, &caller, &id).await?;
    if !n.signed() {
        return Err(ApiError::conflict(
            Code::WrongState,
            "the note is not signed yet: change it with PUT /api/notes/{id}",
        ));
    }
    let who = author(&state, &caller).await?;
    let n = notes::amend(&state.clinic, &id, &who, &body.reason, &body.note.input()).await?;
    log(&state, &caller, "notes.amend", Some(&a.client_id), &id).await?;
    Ok(Created(n))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteOut {
    #[serde(flatten)]
    pub note: SessionNote,
    /// The appointment's local date.
    pub date: jiff::civil::Date,
    pub therapist_id: TherapistId,
    pub therapist_name: String,
    pub service_name: String,
}

/// A client's record as the API gives it.
pub struct RecordOut {
    pub notes: Vec<NoteOut>,
    pub regions: Vec<RegionPattern>,
    pub hints: Vec<Hint>,
    pub refer: bool,
}

async fn record_out(state: &AppState, client_id: &str) -> ApiResult<RecordOut> {
    let ctx = client_context(&state.clinic, &ClientId::from(client_id)).await?;
    let r = notes::record(&state.clinic, &ctx).await?;
    let names = Names::load(state).await?;
    let notes = r
        .visits
        .into_iter()
        .map(|v| {
            let view = names.view(&v.appointment, Some(""), None);
            NoteOut {
                date: v.date,
                therapist_id: view.therapist_id,
                therapist_name: view.therapist_name,
                service_name: view.service_name,
                note: v.note,
            }
        })
        .collect();
    Ok(RecordOut {
        notes,
        regions: r.patterns,
        hints: r.hints,
        refer: r.refer,
    })
}

/// GET /api/clients/{id}/notes: every note, oldest first (a client sees only the
/// signed ones: a draft is the therapist's until signed).
#[utoipa::path(
    get,
    path = "/api/clients/{id}/notes",
    operation_id = "listNotes",
    tag = "clients",
    summary = "A client's session notes, oldest first",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "Notes.", body = Vec<NoteOut>),
    ),
)]
pub async fn list_notes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<Vec<NoteOut>>> {
    visible_client(&state, &caller, &id).await?;
    log(&state, &caller, "notes.view", Some(&id), "").await?;
    let mut notes = record_out(&state, &id).await?.notes;
    if !caller.is_staff() {
        notes.retain(|n| n.note.signed());
    }
    Ok(Json(notes))
}

/// GET /api/clients/{id}/patterns: per body region, tightness over time, its trend and
/// any one-sidedness; hints joined with training; and how often homework was done.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/patterns",
    operation_id = "getPatterns",
    tag = "clients",
    summary = "Tightness per body region over time, and homework",
    description = "The owner, a therapist who treats the client, or the client themself; anyone else is told 404.",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    responses(
        (status = 200, description = "Patterns, the most concerning first.", body = Patterns),
    ),
)]
pub async fn get_patterns(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<Patterns>> {
    visible_client(&state, &caller, &id).await?;
    log(&state, &caller, "notes.view", Some(&id), "patterns").await?;
    let r = record_out(&state, &id).await?;
    let given: Vec<&NoteOut> = r
        .notes
        .iter()
        .filter(|n| !n.note.content.homework_given.is_empty())
        .collect();
    let done = given
        .iter()
        .filter(|n| n.note.homework_done == Some(true))
        .count();
    let not_done = given
        .iter()
        .filter(|n| n.note.homework_done == Some(false))
        .count();
    Ok(Json(Patterns {
        sessions: r.notes.len(),
        regions: r.regions,
        hints: r.hints,
        see_physio_or_doctor: r.refer,
        homework: HomeworkCount {
            given: given.len(),
            done,
            not_done,
            unknown: given.len() - done - not_done,
        },
    }))
}

/// What a client's notes show over time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Patterns {
    /// Notes read.
    pub sessions: usize,
    pub regions: Vec<kneadtime_domain::notes::RegionPattern>,
    /// Regions tight in most recent visits, getting worse or tighter on one side, joined
    /// with the training of the weeks around them.
    pub hints: Vec<kneadtime_domain::notes::Hint>,
    /// Reported pain at the clinic's threshold or a red flag calls for a physiotherapist
    /// or doctor.
    pub see_physio_or_doctor: bool,
    pub homework: HomeworkCount,
}

/// How often the homework given was done.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HomeworkCount {
    pub given: usize,
    pub done: usize,
    pub not_done: usize,
    pub unknown: usize,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeworkBody {
    pub homework_done: bool,
}

/// PATCH /api/notes/{id}: record whether the homework was done (the client or staff
/// who may see the note).
#[utoipa::path(
    patch,
    path = "/api/notes/{id}",
    operation_id = "patchNote",
    tag = "notes",
    summary = "Record whether the homework was done",
    description = "Anyone who may see the note's appointment (the owner, its therapist, its client).",
    params(
        ("id" = String, Path, description = "The record's id."),
    ),
    request_body(content = HomeworkBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The note.", body = SessionNote),
    ),
)]
pub async fn patch_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<NoteId>,
    ApiJson(body): ApiJson<HomeworkBody>,
) -> ApiResult<Json<SessionNote>> {
    let n = notes::get(&state.clinic, &id).await?;
    let a = booking::appointment(&state.clinic, &n.appointment_id).await?;
    if !may_see(&caller, &a) {
        return Err(ApiError::not_found("note"));
    }
    let n = notes::set_homework_done(&state.clinic, &id, body.homework_done).await?;
    log(&state, &caller, "notes.change", Some(&a.client_id), &id).await?;
    Ok(Json(n))
}
