//! What the clinic knows about a client for judging days and slots: their season from
//! the stored calendars, recorded history and races under the clinic's profile, and
//! their other appointments.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_domain::{Profile, RaceSpec, Season};
use kneadtime_store::{Client, Status};

use crate::Clinic;
use crate::error::{CoreError, CoreResult};
use crate::setup::Setup;
use crate::time::{local_date, zone_of};

/// What is known about a client for judging slots.
pub struct ClientContext {
    pub client: Client,
    /// The clinic as read with the client (zone, profile, booking limits).
    pub clinic: kneadtime_store::Clinic,
    pub season: Arc<Season>,
    pub tz: TimeZone,
    /// The client's appointments that matter for judging a day.
    bookings: Arc<Bookings>,
    pub warnings: Arc<Vec<String>>,
    /// What the client told the clinic before their first visit, if they have.
    pub intake: Option<kneadtime_store::Intake>,
}

impl ClientContext {
    /// The firmest pressure the client's intake allows, if it holds any back.
    pub fn pressure_cap(&self) -> Option<kneadtime_domain::Pressure> {
        let i = self.intake.as_ref()?;
        kneadtime_domain::intake::pressure_cap(&i.flags, i.pain, &self.season.profile().intake)
    }

    /// What a booking of `service` asks of the domain for this client: the service's
    /// pressure range, held back by their intake.
    pub fn wanted(&self, service: &kneadtime_store::Service) -> kneadtime_domain::Wanted {
        let mut w = crate::slots::wanted(service);
        if let Some(cap) = self.pressure_cap() {
            w.pressure_max = w.pressure_max.min(cap);
            w.pressure_min = w.pressure_min.min(w.pressure_max);
        }
        w
    }

    /// What staff are told about the client's intake, one line each (none filled in
    /// says so).
    pub fn cautions(&self) -> Vec<String> {
        match &self.intake {
            None => vec!["No intake yet: go through it at the first visit".to_string()],
            Some(i) => {
                kneadtime_domain::intake::cautions(&i.flags, i.pain, &self.season.profile().intake)
            }
        }
    }

    /// Whether the client is booked during any of `[start, end)`, leaving out the
    /// appointment being moved.
    pub fn busy_during(&self, start: i64, end: i64, except: Option<&AppointmentId>) -> bool {
        self.bookings
            .booked
            .iter()
            .any(|(id, a, b)| Some(id) != except && *a < end && start < *b)
    }

    /// Local dates that already hold one of the client's booked massages.
    pub fn booked_dates(&self, except: Option<&AppointmentId>) -> HashSet<Date> {
        self.bookings
            .booked
            .iter()
            .filter(|(id, _, _)| Some(id) != except)
            .map(|(_, a, _)| local_date(*a, &self.tz))
            .collect()
    }

    pub fn previous(&self, except: Option<&AppointmentId>) -> Vec<Date> {
        self.bookings
            .massages
            .iter()
            .filter(|(id, _)| Some(id) != except)
            .map(|(_, d)| *d)
            .collect()
    }
}

/// The clinic's rules profile: its TOML, or the defaults when it has none.
pub fn clinic_profile(toml_text: &str) -> Result<Profile, String> {
    if toml_text.trim().is_empty() {
        Ok(Profile::default())
    } else {
        Profile::from_toml(toml_text).map_err(|e| match e.line {
            Some(l) => format!("line {l}: {}", e.message),
            None => e.message,
        })
    }
}

/// Builds the client's season from their stored calendars and races, in the clinic's
/// zone and under the clinic's profile; or takes the one kept, when the database says
/// nothing it is built from has changed since (on any instance).
pub async fn client_context(core: &Clinic, client_id: &ClientId) -> CoreResult<ClientContext> {
    let setup = core.setup().await?;
    client_context_in(core, &setup, client_id).await
}

/// [`client_context`] under a set-up already read.
pub async fn client_context_in(
    core: &Clinic,
    setup: &Setup,
    client_id: &ClientId,
) -> CoreResult<ClientContext> {
    let now = core.now();
    // The versions are read with the client and their intake, before anything they
    // version (below, only when what is kept is out of date), so nothing is kept under a
    // version newer than what it was read from.
    let (client, versions, intake) =
        core.store
            .client_and_versions(client_id)
            .await
            .map_err(|e| match e {
                kneadtime_store::StoreError::NotFound => CoreError::NotFound("client"),
                e => e.into(),
            })?;
    let clinic = setup.clinic.clone();
    let tz = zone_of(&clinic.time_zone);
    let profile = setup.profile()?;
    let zone = tz.iana_name().unwrap_or("UTC").to_string();
    let key = SeasonKey {
        version: versions.season,
        zone: zone.clone(),
        profile: clinic.profile_toml.clone(),
    };
    let (season, warnings) = match core.seasons.get(client_id, &key) {
        Some(kept) => kept,
        None => {
            let built = build_season(core, client_id, &tz, &zone, profile).await?;
            core.seasons.put(client_id, key, built.clone());
            built
        }
    };
    let key = BookingsKey {
        version: versions.bookings,
        day: now.div_euclid(86_400),
        zone,
    };
    let bookings = match core.seasons.bookings(client_id, &key) {
        Some(kept) => kept,
        None => {
            // Massages that matter for judging a day: a season back, a year ahead.
            let appointments = core
                .store
                .appointments_for_client_between(
                    client_id,
                    UnixTime::from_second(now - 180 * 86_400),
                    UnixTime::from_second(now + 400 * 86_400),
                )
                .await?;
            let read = Arc::new(Bookings::of(appointments, &tz));
            core.seasons.put_bookings(client_id, key, read.clone());
            read
        }
    };
    Ok(ClientContext {
        client,
        clinic,
        season,
        tz,
        bookings,
        warnings,
        intake,
    })
}

/// A client's appointments as a day is judged against them.
pub(crate) struct Bookings {
    /// Local dates of their massages (booked or done), by appointment id.
    massages: Vec<(AppointmentId, Date)>,
    /// Their booked appointments: id, start and end (no buffer).
    booked: Vec<(AppointmentId, i64, i64)>,
}

impl Bookings {
    fn of(appointments: Vec<kneadtime_store::Appointment>, tz: &TimeZone) -> Bookings {
        let booked = appointments
            .iter()
            .filter(|a| a.status == Status::Booked)
            .map(|a| (a.id.clone(), a.start_at.as_second(), a.end_at.as_second()))
            .collect();
        let massages = appointments
            .into_iter()
            .filter(|a| matches!(a.status, Status::Booked | Status::Completed))
            .map(|a| (a.id, local_date(a.start_at.as_second(), tz)))
            .collect();
        Bookings { massages, booked }
    }
}

/// Reads the client's calendars (each stored file once per zone) and races, and builds
/// their season off the async threads.
async fn build_season(
    core: &Clinic,
    client_id: &ClientId,
    tz: &TimeZone,
    zone: &str,
    profile: Profile,
) -> CoreResult<(Arc<Season>, Arc<Vec<String>>)> {
    let (heads, races, recorded) = tokio::try_join!(
        core.store.calendar_heads(client_id),
        core.store.races(client_id),
        core.store.history(client_id),
    )?;
    let specs = race_specs(&races);
    // A plan laid out by week is placed from the goal race, so it is read again when
    // that race moves.
    let race_day = RaceSpec::goal_day(&specs);
    let key = match race_day {
        Some(d) => format!("{zone} {d}"),
        None => zone.to_string(),
    };
    let mut parsed_all = Vec::new();
    for (id, filename) in heads {
        let parsed = match core.calendars.get(&id, &key) {
            Some(p) => p,
            None => {
                let content = core.store.calendar_content(&UploadId::from(&id)).await?;
                let tz = tz.clone();
                let p = std::sync::Arc::new(
                    crate::cpu(move || parse_stored(&filename, &content, &tz, race_day)).await?,
                );
                core.calendars.put(&id, &key, p.clone());
                p
            }
        };
        parsed_all.push(parsed);
    }
    // What the watch recorded: the sessions as stored, read once per upload.
    for h in recorded {
        let id = h.id.clone();
        let parsed = match core.calendars.get(&id, "") {
            Some(p) => p,
            None => {
                let p = std::sync::Arc::new(crate::cpu(move || parse_history(&h)).await?);
                core.calendars.put(&id, "", p.clone());
                p
            }
        };
        parsed_all.push(parsed);
    }
    let (season, warnings) = crate::cpu(move || season_of(&parsed_all, &specs, &profile)).await?;
    Ok((Arc::new(season), Arc::new(warnings)))
}

/// The races a client told the clinic about, as the season reads them.
pub fn race_specs(races: &[kneadtime_store::ClientRace]) -> Vec<RaceSpec> {
    races
        .iter()
        .filter_map(|r| {
            // A race stored before dates were bounded is left out rather than planned.
            let date = Some(r.date).filter(|d| kneadtime_domain::dates::accepted(*d))?;
            Some(RaceSpec {
                date,
                name: r.name.clone(),
                distance_km: Some(r.distance_km),
                priority: Some(r.priority),
            })
        })
        .collect()
}

/// The season of a client's stored calendars and races.
fn season_of(
    parsed_all: &[std::sync::Arc<Parsed>],
    specs: &[RaceSpec],
    profile: &Profile,
) -> (Season, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut history: Vec<kneadtime_domain::Session> = Vec::new();
    for parsed in parsed_all {
        entries.extend(parsed.entries.iter().cloned());
        history.extend(parsed.history.iter().cloned());
        warnings.extend(parsed.warnings.iter().cloned());
    }
    (Season::build(&entries, history, specs, profile), warnings)
}

/// A stored calendar, read: planned entries, or recorded sessions, and what to tell.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<kneadtime_domain::Entry>,
    pub history: Vec<kneadtime_domain::Session>,
    pub warnings: Vec<String>,
}

/// A recorded-history upload, read: its sessions.
fn parse_history(h: &kneadtime_store::ClientHistory) -> Parsed {
    match serde_json::from_str(&h.sessions) {
        Ok(history) => Parsed {
            history,
            ..Parsed::default()
        },
        Err(e) => Parsed {
            warnings: vec![format!(
                "{}: stored sessions could not be read: {e}",
                h.filename
            )],
            ..Parsed::default()
        },
    }
}

fn parse_stored(
    filename: &str,
    content: &str,
    tz: &TimeZone,
    race_day: Option<jiff::civil::Date>,
) -> Parsed {
    match kneadtime_import::read_named_ending(filename, content.as_bytes(), Some(tz), race_day) {
        Ok(c) => Parsed {
            entries: c.entries,
            warnings: c
                .warnings
                .into_iter()
                .map(|w| format!("{filename}: {w}"))
                .collect(),
            ..Parsed::default()
        },
        Err(e) => Parsed {
            warnings: vec![e.to_string()],
            ..Parsed::default()
        },
    }
}

/// What a kept season was built under: the client's season version, the clinic's zone
/// and its rules profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeasonKey {
    version: i64,
    zone: String,
    profile: String,
}

type Kept = (Arc<Season>, Arc<Vec<String>>);

/// What kept bookings were read for: the client's bookings version, the day (the window
/// read moves with it) and the zone their dates are told in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BookingsKey {
    version: i64,
    day: i64,
    zone: String,
}

/// What is kept of one client.
#[derive(Default)]
struct KeptFor {
    season: Option<(SeasonKey, Kept)>,
    bookings: Option<(BookingsKey, Arc<Bookings>)>,
}

/// Each client's season as last built and their appointments as last read, with what
/// each was read under (a bounded map; cleared when full). Anything whose key no longer
/// matches the database is read again.
#[derive(Default)]
pub struct SeasonCache(Mutex<HashMap<String, KeptFor>>);

impl SeasonCache {
    pub(crate) fn get(&self, client_id: &str, key: &SeasonKey) -> Option<Kept> {
        let m = self.0.lock().ok()?;
        let (k, kept) = m.get(client_id)?.season.as_ref()?;
        (k == key).then(|| kept.clone())
    }

    pub(crate) fn put(&self, client_id: &str, key: SeasonKey, kept: Kept) {
        self.with_entry(client_id, |e| e.season = Some((key, kept)));
    }

    pub(crate) fn bookings(&self, client_id: &str, key: &BookingsKey) -> Option<Arc<Bookings>> {
        let m = self.0.lock().ok()?;
        let (k, kept) = m.get(client_id)?.bookings.as_ref()?;
        (k == key).then(|| kept.clone())
    }

    pub(crate) fn put_bookings(&self, client_id: &str, key: BookingsKey, kept: Arc<Bookings>) {
        self.with_entry(client_id, |e| e.bookings = Some((key, kept)));
    }

    fn with_entry(&self, client_id: &str, change: impl FnOnce(&mut KeptFor)) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= CACHE_MAX && !m.contains_key(client_id) {
                m.clear();
            }
            change(m.entry(client_id.to_string()).or_default());
        }
    }

    /// Drops what is kept for a client (an erased one).
    pub fn forget(&self, client_id: &ClientId) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(client_id.as_str());
        }
    }
}

/// Stored calendars never change once uploaded, so each is read once per zone and kept
/// (a bounded map; cleared when full).
#[derive(Default)]
pub struct CalendarCache(std::sync::Mutex<HashMap<(String, String), std::sync::Arc<Parsed>>>);

const CACHE_MAX: usize = 4096;

impl CalendarCache {
    /// Drops a calendar read in any zone (its client was erased).
    pub fn forget(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|(c, _), _| c != id);
        }
    }

    pub(crate) fn get(&self, id: &str, zone: &str) -> Option<std::sync::Arc<Parsed>> {
        self.0
            .lock()
            .ok()?
            .get(&(id.to_string(), zone.to_string()))
            .cloned()
    }

    pub(crate) fn put(&self, id: &str, zone: &str, p: std::sync::Arc<Parsed>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert((id.to_string(), zone.to_string()), p);
        }
    }
}
