//! The rows the store hands out and takes in: plain data, no SQL. Enums that the domain
//! already names (`Kind`, `Pressure`, `Priority`) are reused; the rest (skills, statuses,
//! roles) are the clinic's vocabulary and live here, each with its snake_case spelling.

use jiff::civil::Weekday;
use kneadtime_domain::notes::Side;
use kneadtime_domain::{Kind, Pressure, Priority};
use serde::{Deserialize, Serialize};

use crate::ids::*;
use crate::{StoreError, UnixTime};

/// Defines a string-backed enum with `as_str` / `parse`, the spelling stored in SQL.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($s => Some($name::$var),)+ _ => None }
            }
        }
    };
}

text_enum!(
    /// What a therapist is trained to do.
    Skill {
        Sports => "sports",
        DeepTissue => "deep_tissue",
        TriggerPoint => "trigger_point",
        Cupping => "cupping",
        Myofascial => "myofascial",
        Relaxation => "relaxation",
        Acupuncture => "acupuncture",
    }
);

text_enum!(
    /// Why a therapist is away.
    ExceptionReason { Holiday => "holiday", Sick => "sick", Other => "other" }
);

text_enum!(
    /// Where an appointment stands. Only `Booked` holds cells; `Completed` and `NoShow`
    /// keep theirs (the time was spent), `Cancelled` frees them.
    Status { Booked => "booked", Cancelled => "cancelled", Completed => "completed", NoShow => "no_show" }
);

text_enum!(
    /// What a queued message tells the client.
    NoticeKind { Booked => "booked", Rescheduled => "rescheduled", Cancelled => "cancelled", Reminder => "reminder", Offer => "offer", Waitlisted => "waitlisted" }
);

text_enum!(
    /// Where a runner's race-week request stands: `Pending` until a booking run books
    /// them or puts them on the waitlist; waitlisted runners are tried again by the
    /// next run.
    RequestState { Pending => "pending", Booked => "booked", Waitlisted => "waitlisted", Withdrawn => "withdrawn" }
);

text_enum!(
    /// Where a waitlist entry stands. A waiting entry whose window has passed is simply
    /// no longer offered anything.
    WaitState { Waiting => "waiting", Booked => "booked", Withdrawn => "withdrawn" }
);

text_enum!(
    /// Where an offer of a freed time stands: `Open` until accepted, declined, taken by
    /// another waiting client, or past its expiry.
    OfferState { Open => "open", Accepted => "accepted", Taken => "taken", Expired => "expired", Declined => "declined" }
);

text_enum!(
    /// Where a queued message stands: `Queued` until sent (retried with backoff),
    /// `Failed` after the last attempt, `Skipped` when there was nothing to send (no
    /// email, or a reminder for an appointment moved or cancelled since).
    NoticeState { Queued => "queued", Sent => "sent", Failed => "failed", Skipped => "skipped" }
);

text_enum!(
    /// What a staff login may do.
    Role { Owner => "owner", Therapist => "therapist" }
);

/// A service is one of the domain's massage kinds, or something general (a consultation).
/// Serialised as its plain name: `pre_event` … `general`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    Massage(Kind),
    General,
}

impl ServiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Massage(k) => k.as_str(),
            ServiceKind::General => "general",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceKind> {
        match s.trim() {
            "general" => Some(ServiceKind::General),
            other => Kind::parse(other).map(ServiceKind::Massage),
        }
    }
}

impl Serialize for ServiceKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl utoipa::PartialSchema for ServiceKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names = Kind::ALL
            .iter()
            .map(|k| k.as_str())
            .chain([ServiceKind::General.as_str()]);
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(names))
            .description(Some("A massage kind, or general work (a consultation)."))
            .into()
    }
}

impl utoipa::ToSchema for ServiceKind {}

impl<'de> Deserialize<'de> for ServiceKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ServiceKind::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected pre_event, post_event, maintenance, recovery_phase or general, found {s:?}"
            ))
        })
    }
}

/// The clinic itself: one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clinic {
    pub id: String,
    pub name: String,
    /// IANA zone name; working hours are read in it.
    pub time_zone: String,
    /// The domain `Profile` as TOML, stored verbatim.
    pub profile_toml: String,
    /// How far ahead a booking may be made, in days.
    pub booking_horizon_days: i64,
    /// Future bookings one client may hold at once (staff may book past it).
    pub max_open_bookings: i64,
    /// Where clients come to, as shown in emails and on the home page.
    pub address: String,
    /// Hours before an appointment its reminder is sent.
    pub reminder_hours: i64,
    /// Hours before an appointment a client may still cancel or move it themself.
    pub cancel_window_hours: i64,
    /// Hours of notice an online booking needs (staff may book sooner).
    pub min_notice_hours: i64,
    /// ISO 4217 code prices are shown in; empty for plain numbers.
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Therapist {
    pub id: TherapistId,
    pub name: String,
    pub skills: Vec<Skill>,
    pub active: bool,
    /// The location they work at.
    pub location_id: LocationId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTherapist {
    pub name: String,
    pub skills: Vec<Skill>,
    /// Where they work; the group's first active location when not given.
    #[serde(default)]
    pub location_id: Option<LocationId>,
}

/// One of the clinic group's locations: where clients come, in its own time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub name: String,
    /// Where clients come to, as shown in emails, feeds and pages.
    pub address: String,
    /// IANA zone name; its therapists' hours and its opening hours are read in it.
    pub time_zone: String,
    pub active: bool,
    /// Order on pages, lowest first.
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewLocation {
    pub name: String,
    pub address: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    pub kind: ServiceKind,
    pub length_min: i64,
    pub price_cents: i64,
    pub pressure_min: Pressure,
    pub pressure_max: Pressure,
    /// Minutes kept free after the service (turnover, notes); blocks cells too.
    pub buffer_after_min: i64,
    pub active: bool,
    /// The one location that offers it; `None` for every location.
    pub location_id: Option<LocationId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewService {
    pub name: String,
    pub kind: ServiceKind,
    pub length_min: i64,
    pub price_cents: i64,
    pub pressure_min: Pressure,
    pub pressure_max: Pressure,
    pub buffer_after_min: i64,
    #[serde(default)]
    pub location_id: Option<LocationId>,
}

/// One working span in the clinic's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub weekday: Weekday,
    pub start_minute: i64,
    pub end_minute: i64,
}

/// Days off, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TherapistException {
    pub id: ExceptionId,
    pub therapist_id: TherapistId,
    /// The first day, inclusive.
    pub from_date: jiff::civil::Date,
    /// The last day, inclusive.
    pub to_date: jiff::civil::Date,
    pub reason: ExceptionReason,
    pub note: String,
}

/// Days a location, or the whole group, is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Closure {
    pub id: ClosureId,
    /// The first day, inclusive.
    pub from_date: jiff::civil::Date,
    /// The last day, inclusive.
    pub to_date: jiff::civil::Date,
    pub note: String,
    /// The location closed; `None` for every location.
    pub location_id: Option<LocationId>,
}

impl Closure {
    /// Whether it closes the location `location_id`.
    pub fn closes(&self, location_id: &LocationId) -> bool {
        self.location_id.as_deref().is_none_or(|l| l == location_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewException {
    pub therapist_id: TherapistId,
    pub from_date: jiff::civil::Date,
    pub to_date: jiff::civil::Date,
    pub reason: ExceptionReason,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// Weekdays the client cannot come.
    pub unavailable_weekdays: Vec<Weekday>,
    /// Hash of the client's link token; the raw token is never stored.
    pub access_token_hash: String,
    pub password_hash: Option<String>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub unavailable_weekdays: Vec<Weekday>,
    pub access_token_hash: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClientRace {
    pub id: RaceId,
    pub client_id: ClientId,
    /// The day it starts.
    pub date: jiff::civil::Date,
    pub distance_km: f64,
    pub priority: Priority,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCalendar {
    pub id: UploadId,
    pub client_id: ClientId,
    pub filename: String,
    pub content: String,
    pub uploaded_at: UnixTime,
}

/// What a runner's watch recorded, from one uploaded file: the runs as the domain's
/// sessions (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHistory {
    pub id: UploadId,
    pub client_id: ClientId,
    pub filename: String,
    pub sessions: String,
    pub uploaded_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub therapist_id: TherapistId,
    pub client_id: ClientId,
    pub service_id: ServiceId,
    /// Unix seconds, UTC.
    pub start_at: UnixTime,
    /// End of the service itself; the service's buffer is not included.
    pub end_at: UnixTime,
    pub status: Status,
    /// Why staff booked against the domain's advice, when they did.
    pub override_reason: Option<String>,
    pub created_by: String,
    pub created_at: UnixTime,
    pub idempotency_key: Option<String>,
    /// A digest of the request that booked it with the key, so a different request
    /// under the same key can be told apart.
    pub request_hash: Option<String>,
    /// Rises with every reschedule and the cancellation (an invitation's SEQUENCE).
    pub sequence: i64,
    /// Cancelled inside the clinic's cancellation window.
    pub cancelled_late: bool,
    /// Moved by the clinic; the client has not yet kept the new time or chosen another.
    #[serde(default)]
    pub awaiting_client: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAppointment {
    pub therapist_id: TherapistId,
    pub client_id: ClientId,
    pub service_id: ServiceId,
    pub start_at: UnixTime,
    pub end_at: UnixTime,
    pub override_reason: Option<String>,
    pub created_by: String,
    /// Same key twice returns the first appointment instead of booking again.
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    /// The waitlist offer this booking accepts: it must still be open, and the booking
    /// settles it (and the other offers of the same time) in its own transaction.
    #[serde(default)]
    pub offer_id: Option<OfferId>,
}

/// A client waiting for a time in `[from_at, until_at)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitEntry {
    pub id: WaitId,
    pub client_id: ClientId,
    pub service_id: ServiceId,
    /// `None`: any therapist.
    pub therapist_id: Option<TherapistId>,
    pub from_at: UnixTime,
    pub until_at: UnixTime,
    /// What the window is for, in the client's words ("pre-race, before the City Half").
    pub note: String,
    pub state: WaitState,
    /// The booking that ended the wait.
    pub appointment_id: Option<AppointmentId>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWaitEntry {
    pub client_id: ClientId,
    pub service_id: ServiceId,
    pub therapist_id: Option<TherapistId>,
    pub from_at: UnixTime,
    pub until_at: UnixTime,
    pub note: String,
}

/// A freed time offered to one waiting client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub id: OfferId,
    pub entry_id: WaitId,
    pub therapist_id: TherapistId,
    pub start_at: UnixTime,
    pub end_at: UnixTime,
    pub state: OfferState,
    pub expires_at: UnixTime,
    pub created_at: UnixTime,
}

/// An offer to make: the entry, the time and when the offer ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    pub entry_id: WaitId,
    pub therapist_id: TherapistId,
    pub start_at: UnixTime,
    pub end_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A therapist's time freed by a cancellation or a move (or left by an offer no one took).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreedTime {
    pub therapist_id: TherapistId,
    pub start_at: UnixTime,
    pub end_at: UnixTime,
}

/// One finding of a session: a body region, its side, how tight it was and how many
/// tender points were found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = NoteFinding)]
pub struct Finding {
    /// Body region, trimmed and lower-cased.
    pub region: String,
    #[serde(default)]
    pub side: Side,
    /// 0 (free) … 3 (very tight).
    pub tightness: u8,
    /// Tender or trigger points found, 0 … 20.
    #[serde(default)]
    pub tender_points: u8,
    #[serde(default)]
    pub note: String,
}

/// What a session note says, in the four parts therapists write: what the client
/// reports, what was found and done, what it means, and what comes next.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoteContent {
    /// What the client reports, in their words.
    #[serde(default)]
    pub subjective: String,
    /// Pain the client reports today, 0 … 10.
    #[serde(default)]
    pub pain: Option<u8>,
    /// Whether the client says they did the homework of the last visit.
    #[serde(default)]
    pub last_homework_done: Option<bool>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub pressure_used: Option<Pressure>,
    #[serde(default)]
    pub techniques: Vec<String>,
    /// What the therapist makes of it.
    #[serde(default)]
    pub assessment: String,
    #[serde(default)]
    pub homework_given: String,
    /// When and what the next visit should be.
    #[serde(default)]
    pub next_visit: String,
}

impl NoteContent {
    /// Whether the note says nothing at all.
    pub fn is_empty(&self) -> bool {
        self.subjective.trim().is_empty()
            && self.pain.is_none()
            && self.last_homework_done.is_none()
            && self.findings.is_empty()
            && self.pressure_used.is_none()
            && self.techniques.is_empty()
            && self.assessment.trim().is_empty()
            && self.homework_given.trim().is_empty()
            && self.next_visit.trim().is_empty()
    }
}

/// A change made to a signed note: the whole note as it now reads, who changed it,
/// when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Amendment {
    pub id: AmendmentId,
    /// Unix seconds.
    pub at: UnixTime,
    /// The name of the staff member who made it.
    pub author: String,
    pub reason: String,
    pub content: NoteContent,
}

/// A therapist's note on one appointment (one per appointment). The content shown is
/// the latest: the note as signed, or its last amendment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionNote {
    pub id: NoteId,
    pub appointment_id: AppointmentId,
    #[serde(flatten)]
    pub content: NoteContent,
    /// Whether the homework given in this note was done (the client says so later).
    pub homework_done: Option<bool>,
    /// The name of the staff member who wrote it.
    pub author: String,
    /// Unix seconds (not RFC 3339, unlike other instants).
    pub created_at: UnixTime,
    /// Unix seconds.
    pub updated_at: UnixTime,
    /// When it was signed, and by whom; a signed note changes only by amendment.
    pub signed_at: Option<UnixTime>,
    pub signed_by: Option<String>,
    /// The note as signed, when amendments have changed it since.
    /// The note as it was signed, when amendments have changed it since.
    pub signed_content: Option<NoteContent>,
    /// Oldest first.
    pub amendments: Vec<Amendment>,
}

impl SessionNote {
    pub fn signed(&self) -> bool {
        self.signed_at.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: StaffId,
    /// Stored trimmed and lower-cased; unique.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub therapist_id: Option<TherapistId>,
    pub password_hash: String,
    /// False once the owner revokes the login: it cannot sign in and has no sessions.
    pub active: bool,
    /// Wants the day's schedule by email each morning.
    pub daily_email: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub therapist_id: Option<TherapistId>,
    pub password_hash: String,
}

/// Who a web session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    Staff(StaffId),
    Client(ClientId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSession {
    pub token_hash: String,
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: UnixTime,
    /// How it was opened.
    pub via: SignIn,
    /// When it was opened (Unix seconds).
    pub created_at: UnixTime,
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignIn {
    /// A client's personal link.
    Link,
    /// An email and password (client or staff).
    Password,
}

impl SignIn {
    pub fn as_str(self) -> &'static str {
        match self {
            SignIn::Link => "link",
            SignIn::Password => "password",
        }
    }

    pub fn parse(s: &str) -> SignIn {
        if s == "link" {
            SignIn::Link
        } else {
            SignIn::Password
        }
    }
}

pub(crate) fn parse_or<T>(v: Option<T>, what: &str, raw: &str) -> Result<T, StoreError> {
    v.ok_or_else(|| StoreError::Backend(format!("stored {what} {raw:?} is not recognised")))
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: NoticeId,
    pub kind: NoticeKind,
    /// What the message is about: an appointment, a waitlist offer (for `Offer`), or a
    /// waitlist entry (for `Waitlisted`).
    pub appointment_id: Option<AppointmentId>,
    pub offer_id: Option<OfferId>,
    pub wait_id: Option<WaitId>,
    /// The appointment's sequence when the message was queued.
    pub sequence: i64,
    pub state: NoticeState,
    /// Unix seconds: not sent before this.
    pub due_at: UnixTime,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: UnixTime,
    pub sent_at: Option<UnixTime>,
}

/// How many messages stand in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutboxCounts {
    /// Queued and due now.
    pub waiting: i64,
    /// Queued for later (reminders, retries).
    pub later: i64,
    /// Sent in the last 30 days.
    pub sent: i64,
    pub failed: i64,
}

/// A routine from the homework library given to a client, with the days they ticked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Homework {
    pub id: HomeworkId,
    pub client_id: ClientId,
    /// The session note it was given with, when it was.
    pub note_id: Option<NoteId>,
    /// A routine id of the library.
    pub routine: String,
    /// 1 … 14 times a week.
    pub per_week: u8,
    /// The local date it starts.
    pub from_date: jiff::civil::Date,
    /// The staff member's name.
    pub assigned_by: String,
    pub assigned_at: UnixTime,
    /// Set when it was stopped.
    pub ended_at: Option<UnixTime>,
    /// Local dates ticked done, oldest first.
    pub ticks: Vec<jiff::civil::Date>,
}

/// A client's intake: their background and what holds back the work, with consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Intake {
    pub client_id: ClientId,
    /// Years running, weekly volume, recent training.
    pub running: String,
    /// The races they are training for.
    pub goals: String,
    /// Injuries and surgery, past and present.
    pub injuries: String,
    /// Where it hurts now, in their words.
    pub current_pain: String,
    /// 0–10.
    pub pain: i64,
    /// Medication that matters for massage.
    pub medication: String,
    /// Other conditions, in their words.
    pub conditions: String,
    /// Reported conditions that hold back pressure.
    pub flags: Vec<kneadtime_domain::intake::Flag>,
    /// The client's typed name, and when they consented.
    pub consent_name: String,
    /// Unix seconds.
    pub consented_at: UnixTime,
    pub updated_at: UnixTime,
    /// `client:ID` or `staff:ID`.
    pub updated_by: String,
    /// When staff last went through it with the client, and who.
    pub reviewed_at: Option<UnixTime>,
    pub reviewed_by: Option<String>,
}

/// One read or change of a client's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: UnixTime,
    /// `staff:ID` or `client:ID`.
    pub actor: String,
    /// What was done: `intake.view`, `intake.change`, `notes.view`…
    pub action: String,
    pub client_id: Option<ClientId>,
    pub subject: String,
}

/// A race-week event: the race, and the session runners ask for around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RaceEvent {
    pub id: RaceEventId,
    pub name: String,
    /// The day it starts.
    pub race_date: jiff::civil::Date,
    pub distance_km: Option<f64>,
    /// post_event or pre_event.
    pub kind: Kind,
    /// What is booked for each runner.
    pub service_id: ServiceId,
    /// When the race starts, minutes after local midnight.
    pub start_minute: i64,
    pub created_at: UnixTime,
    /// The last booking run.
    pub booked_at: Option<UnixTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRaceEvent {
    pub name: String,
    pub race_date: jiff::civil::Date,
    pub distance_km: Option<f64>,
    pub kind: Kind,
    pub service_id: ServiceId,
    pub start_minute: i64,
}

/// One runner who asked for a session in race week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceRequest {
    pub event_id: RaceEventId,
    pub client_id: ClientId,
    /// Predicted or recorded finish, Unix seconds.
    pub finish_at: Option<UnixTime>,
    /// Location ids, best first; empty for any.
    pub locations: Vec<LocationId>,
    /// The days they can come; empty for any.
    pub days: Vec<jiff::civil::Date>,
    /// morning, afternoon or evening; empty for any.
    pub parts: Vec<String>,
    pub therapist_id: Option<TherapistId>,
    /// standard, charity, elite or pre-booked.
    pub tier: String,
    pub state: RequestState,
    pub appointment_id: Option<AppointmentId>,
    pub wait_id: Option<WaitId>,
    /// Why they were left out, in their words.
    pub reason: String,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRaceRequest {
    pub client_id: ClientId,
    pub finish_at: Option<UnixTime>,
    pub locations: Vec<LocationId>,
    pub days: Vec<jiff::civil::Date>,
    pub parts: Vec<String>,
    pub therapist_id: Option<TherapistId>,
    pub tier: String,
}

/// A time a booking run gives a runner, or the booking they already hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaceBooking {
    New {
        client_id: ClientId,
        therapist_id: TherapistId,
        start_at: UnixTime,
        end_at: UnixTime,
    },
    /// They booked a session in their window themselves: that one counts.
    Held {
        client_id: ClientId,
        appointment_id: AppointmentId,
    },
}

/// A runner a booking run leaves out: the window they wait on and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceWait {
    pub client_id: ClientId,
    pub from_at: UnixTime,
    pub until_at: UnixTime,
    /// What the window is for ("post-race, after the City Marathon").
    pub note: String,
    pub reason: String,
}

/// What a booking run did, or why it has to be run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaceRun {
    Done {
        booked: usize,
        waitlisted: usize,
    },
    /// A time was taken, or a request changed, since the run read them: read again.
    Stale,
}

/// A runner who asked for a race-week session, known by email: matched to the client
/// with that email, or made a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRunner {
    pub name: String,
    pub email: String,
    /// The request, its `client_id` filled in when enrolled.
    pub request: NewRaceRequest,
}

/// What enrolling runners did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Enrolled {
    /// Requests written (new or changed).
    pub requests: usize,
    /// Clients made for runners the clinic did not know.
    pub new_clients: usize,
}
