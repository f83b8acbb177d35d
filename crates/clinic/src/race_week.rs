//! Race week for the clinic group: events, the runners who asked, and the allocation
//! that gives each the best time the whole group can offer — solved exactly by the
//! domain (`kneadtime_domain::allocate`) over the rota the database holds, booked in one
//! transaction, every runner told through the outbox and the rest put on the waitlist.
//! Capacity planning says how many therapist-hours the week needs, beside the rota.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::collections::{HashMap, HashSet};

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use kneadtime_domain::allocate::{
    self, Allocation, Event, Outcome, Part, Runner, Shift, Summary, Tier, capacity,
};
use kneadtime_domain::dates::{self, add_days};
use kneadtime_domain::{Kind, Profile};
use kneadtime_store::{
    Appointment, NewRaceEvent, NewRaceRequest, NewRunner, RaceBooking, RaceEvent, RaceRequest,
    RaceRun, RaceWait, RequestState, Service, ServiceKind, Status, StoreError,
};
use serde::Serialize;

use crate::Clinic;
use crate::context::clinic_profile;
use crate::error::{Code, CoreError, CoreResult};
use crate::sites::{Sites, closures_at};
use crate::time::{day_start, local_datetime, off_on, zone_of};

/// Times a booking run reads and solves again when a time was taken meanwhile.
const MAX_ATTEMPTS: usize = 4;
/// The most runners a made-up field may have.
pub const MAX_SAMPLE: usize = 20_000;

/// An event as the owner gives it.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub name: String,
    /// 'YYYY-MM-DD'.
    pub date: String,
    /// "marathon", "half", "50k", "42.2"…
    pub distance: String,
    /// post_event or pre_event.
    pub kind: String,
    /// The service to book; the first active one of the kind when not given.
    pub service_id: Option<ServiceId>,
    /// When the race starts, "09:00".
    pub start: Option<String>,
}

/// A runner's request as given (by the API, a CSV file or the page).
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    /// A client the clinic knows, or else a name and an email.
    pub client_id: Option<ClientId>,
    pub name: String,
    pub email: String,
    /// Local finish, "2027-04-18 13:05" or "13:05" on race day.
    pub finish: Option<String>,
    /// Locations by id or name, best first.
    pub locations: Vec<String>,
    pub days: Vec<String>,
    pub parts: Vec<String>,
    /// A therapist by id or name.
    pub therapist: Option<String>,
    pub tier: Option<String>,
}

fn field(name: &str, message: impl Into<String>) -> CoreError {
    CoreError::field(name, message)
}

fn event_kind(s: &str) -> CoreResult<Kind> {
    match s.trim() {
        "post_event" | "post-race" | "post" | "" => Ok(Kind::PostEvent),
        "pre_event" | "pre-race" | "pre" => Ok(Kind::PreEvent),
        other => Err(field(
            "kind",
            format!("expected post_event or pre_event, found {other:?}"),
        )),
    }
}

fn clock_minutes(name: &str, s: &str) -> CoreResult<i64> {
    let t: Time = s.trim().parse().map_err(|_| {
        field(
            name,
            format!("expected a time like 09:00, found {:?}", s.trim()),
        )
    })?;
    Ok(i64::from(t.hour()) * 60 + i64::from(t.minute()))
}

/// A new event: the race, its distance and start, and the session each runner gets.
pub async fn create_event(core: &Clinic, input: EventInput) -> CoreResult<RaceEvent> {
    let name = crate::clients::check_text("name", &input.name, 200)?;
    let date = crate::time::parse_date("date", &input.date)?;
    let km = kneadtime_domain::session::parse_distance(input.distance.trim())
        .map_err(|e| field("distance", e))?;
    let kind = event_kind(&input.kind)?;
    let start_minute = match &input.start {
        Some(s) if !s.trim().is_empty() => clock_minutes("start", s)?,
        _ => 9 * 60,
    };
    let services = core.store.services().await?;
    let service = match &input.service_id {
        Some(id) if !id.trim().is_empty() => services
            .into_iter()
            .find(|s| s.id == id.trim() && s.active)
            .ok_or_else(|| field("service_id", "expected an active service"))?,
        _ => services
            .into_iter()
            .find(|s| s.active && s.kind == ServiceKind::Massage(kind))
            .ok_or_else(|| {
                field(
                    "service_id",
                    format!(
                        "no active {} service to book: add one or name the service",
                        kind.label()
                    ),
                )
            })?,
    };
    check_service(&service)?;
    core.store
        .create_race_event(&NewRaceEvent {
            name,
            race_date: date,
            distance_km: Some(km),
            kind,
            service_id: service.id,
            start_minute,
        })
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => field("distance", m),
            e => e.into(),
        })
}

/// The session must fit the allocation's bounds (10 to 240 minutes, a buffer of at most
/// two hours).
fn check_service(s: &Service) -> CoreResult<()> {
    if !(10..=240).contains(&s.length_min) || !(0..=120).contains(&s.buffer_after_min) {
        return Err(field(
            "service_id",
            format!(
                "{} cannot be given to a field of runners: race week books sessions of 10 to 240 minutes with a buffer of at most 120",
                s.name
            ),
        ));
    }
    Ok(())
}

/// The event, or not found.
pub async fn event(core: &Clinic, id: &RaceEventId) -> CoreResult<RaceEvent> {
    core.store.race_event(id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("event"),
        e => e.into(),
    })
}

/// Where the group stands, read once for resolving names.
struct Names {
    sites: Sites,
    therapists: Vec<kneadtime_store::Therapist>,
    tz: TimeZone,
}

impl Names {
    async fn read(core: &Clinic) -> CoreResult<Names> {
        let (sites, therapists, clinic) = tokio::try_join!(
            Sites::read(core),
            async { Ok(core.store.therapists().await?) },
            async { Ok(core.store.clinic().await?) },
        )?;
        Ok(Names {
            sites,
            therapists,
            tz: zone_of(&clinic.time_zone),
        })
    }

    fn location(&self, s: &str) -> Option<LocationId> {
        let s = s.trim();
        self.sites
            .locations
            .iter()
            .find(|l| l.id == s || l.name.eq_ignore_ascii_case(s))
            .map(|l| l.id.clone())
    }

    fn therapist(&self, s: &str) -> Option<TherapistId> {
        let s = s.trim();
        self.therapists
            .iter()
            .find(|t| t.id == s || t.name.eq_ignore_ascii_case(s))
            .map(|t| t.id.clone())
    }
}

/// Reads one request against the group; `at` names where it came from in errors
/// ("runners.csv line 12", "runners[3]").
fn read_request(
    names: &Names,
    ev: &RaceEvent,
    r: &RequestInput,
    at: &str,
) -> CoreResult<NewRaceRequest> {
    let bad = |f: &str, m: String| field(f, format!("{at}: {m}"));
    let race_day = ev.race_date;
    let finish_at = match r.finish.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let s = s.replacen(' ', "T", 1);
            let dt: DateTime = match s.parse::<DateTime>() {
                Ok(dt) => dt,
                Err(_) => race_day.to_datetime(s.parse::<Time>().map_err(|_| {
                    bad(
                        "finish",
                        format!(
                            "expected a local time like 13:05 or 2027-04-18 13:05, found {s:?}"
                        ),
                    )
                })?),
            };
            if dt.date() < race_day
                || dates::days_between(race_day, dt.date()) > allocate::MAX_RACE_DAYS
            {
                return Err(bad(
                    "finish",
                    format!(
                        "expected a finish on race day or within {} days after it, found {dt}",
                        allocate::MAX_RACE_DAYS
                    ),
                ));
            }
            Some(
                names
                    .tz
                    .to_ambiguous_timestamp(dt)
                    .compatible()
                    .map_err(|_| bad("finish", format!("{dt} is out of range")))?
                    .as_second(),
            )
        }
    };
    let mut locations = Vec::new();
    for l in r.locations.iter().filter(|l| !l.trim().is_empty()) {
        let id = names
            .location(l)
            .ok_or_else(|| bad("locations", format!("there is no location {:?}", l.trim())))?;
        if !locations.contains(&id) {
            locations.push(id);
        }
    }
    if locations.len() > allocate::MAX_CHOICES {
        return Err(bad(
            "locations",
            format!("expected at most {} locations", allocate::MAX_CHOICES),
        ));
    }
    let mut days = Vec::new();
    for d in r.days.iter().filter(|d| !d.trim().is_empty()) {
        let d = crate::time::parse_date("days", d).map_err(|e| bad("days", e.to_string()))?;
        if !days.contains(&d) {
            days.push(d);
        }
    }
    if days.len() > allocate::MAX_DAYS {
        return Err(bad(
            "days",
            format!(
                "expected at most {} days, found {}",
                allocate::MAX_DAYS,
                days.len()
            ),
        ));
    }
    let mut parts = Vec::new();
    for p in r.parts.iter().filter(|p| !p.trim().is_empty()) {
        let part = Part::parse(p).ok_or_else(|| {
            bad(
                "parts",
                format!(
                    "expected morning, afternoon or evening, found {:?}",
                    p.trim()
                ),
            )
        })?;
        parts.push(part.as_str().to_string());
    }
    let therapist_id = match r
        .therapist
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(t) => Some(
            names
                .therapist(t)
                .ok_or_else(|| bad("therapist", format!("there is no therapist {t:?}")))?,
        ),
    };
    let tier = match r.tier.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Tier::Standard,
        Some(t) => Tier::parse(t).ok_or_else(|| {
            bad(
                "tier",
                format!("expected standard, charity, elite or pre-booked, found {t:?}"),
            )
        })?,
    };
    Ok(NewRaceRequest {
        client_id: r.client_id.clone().unwrap_or_default(),
        finish_at: finish_at.map(UnixTime::from_second),
        locations,
        days,
        parts,
        therapist_id,
        tier: tier.as_str().to_string(),
    })
}

/// What adding runners did.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
#[schema(as = RaceAdded)]
pub struct Added {
    pub requests: usize,
    pub new_clients: usize,
}

/// Adds runners' requests (or changes those not yet booked). Runners named by client id
/// must be clients; the others are matched by email or made clients. All or nothing:
/// one bad runner refuses the lot, naming it.
pub async fn add_requests(
    core: &Clinic,
    event_id: &RaceEventId,
    runners: &[RequestInput],
) -> CoreResult<Added> {
    let ev = event(core, event_id).await?;
    if runners.len() > kneadtime_store::MAX_RACE_REQUESTS {
        return Err(field(
            "runners",
            format!(
                "expected at most {} runners at once",
                kneadtime_store::MAX_RACE_REQUESTS
            ),
        ));
    }
    let names = Names::read(core).await?;
    let known: HashSet<ClientId> = core
        .store
        .clients()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut by_id = Vec::new();
    let mut by_email = Vec::new();
    for (i, r) in runners.iter().enumerate() {
        let at = format!("runners[{i}]");
        let req = read_request(&names, &ev, r, &at)?;
        match &r.client_id {
            Some(id) if !id.trim().is_empty() => {
                if !known.contains(id.trim()) {
                    return Err(field(
                        "client_id",
                        format!("{at}: there is no client {id:?}"),
                    ));
                }
                by_id.push(NewRaceRequest {
                    client_id: ClientId::from(id.trim()),
                    ..req
                });
            }
            _ => {
                let name = crate::clients::check_name("name", &r.name)
                    .map_err(|e| field("name", format!("{at}: {e}")))?;
                let email = crate::clients::check_email(&r.email, true)
                    .map_err(|e| field("email", format!("{at}: {e}")))?;
                by_email.push(NewRunner {
                    name,
                    email,
                    request: req,
                });
            }
        }
    }
    let mut added = Added::default();
    if !by_id.is_empty() {
        added.requests += core.store.put_race_requests(event_id, &by_id).await?;
    }
    if !by_email.is_empty() {
        let e = core.store.enrol_runners(event_id, &by_email).await?;
        added.requests += e.requests;
        added.new_clients += e.new_clients;
    }
    Ok(added)
}

/// Adds runners from a CSV file (`name`, `email`, `finish`, `clinics`, `days`, `times`,
/// `therapist`, `priority`; the columns of `kneadtime allocate`'s runners file), each
/// error naming the file, line and field.
pub async fn add_requests_csv(
    core: &Clinic,
    event_id: &RaceEventId,
    file: &str,
    text: &str,
) -> CoreResult<Added> {
    let rows = kneadtime_import::allocation::read_runner_rows(
        file,
        &text.replace("\r\n", "\n"),
        &["name", "email"],
    )
    .map_err(|e| field("file", e.to_string()))?;
    let runners: Vec<RequestInput> = rows
        .iter()
        .map(|r| RequestInput {
            client_id: None,
            name: r.runner.name.clone(),
            email: r.email.clone(),
            finish: r.runner.finish.map(|f| f.to_string()),
            locations: r.runner.clinics.clone(),
            days: r.runner.days.iter().map(Date::to_string).collect(),
            parts: r
                .runner
                .parts
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            therapist: r.runner.therapist.clone(),
            tier: Some(r.runner.tier.as_str().to_string()),
        })
        .collect();
    // Errors name the line of the file rather than the runner's place in the list.
    let ev = event(core, event_id).await?;
    let names = Names::read(core).await?;
    for (r, row) in runners.iter().zip(&rows) {
        read_request(&names, &ev, r, &format!("{file} line {}", row.line))?;
        crate::clients::check_email(&r.email, true)
            .map_err(|e| field("email", format!("{file} line {}: {e}", row.line)))?;
    }
    add_requests(core, event_id, &runners).await
}

/// A made-up field of `n` runners for trying race week out: names and example.org
/// emails, spread over the group's open locations, the same for the same seed.
pub async fn add_sample(
    core: &Clinic,
    event_id: &RaceEventId,
    n: usize,
    seed: u64,
) -> CoreResult<Added> {
    if n == 0 || n > MAX_SAMPLE {
        return Err(field(
            "runners",
            format!("expected 1 to {MAX_SAMPLE} runners, found {n}"),
        ));
    }
    let ev = event(core, event_id).await?;
    let names = Names::read(core).await?;
    let open: Vec<_> = names.sites.locations.iter().filter(|l| l.active).collect();
    if open.is_empty() {
        return Err(field("locations", "the clinic has no open location"));
    }
    let size = allocate::sample::Size {
        runners: n,
        clinics: open.len(),
        therapists_per_clinic: 0,
        days: 5,
    };
    let de = domain_event(&ev, 45, 15);
    let runners = allocate::sample::runners(seed, size, &de);
    let by_name: HashMap<String, String> = (0..open.len())
        .map(|c| (allocate::sample::clinic_name(c), open[c].id.to_string()))
        .collect();
    let input: Vec<RequestInput> = runners
        .into_iter()
        .map(|r| RequestInput {
            client_id: None,
            email: format!("{}@example.org", r.id),
            name: r.name,
            finish: r.finish.map(|f| f.to_string()),
            locations: r
                .clinics
                .iter()
                .filter_map(|c| by_name.get(c).cloned())
                .collect(),
            days: r.days.iter().map(Date::to_string).collect(),
            parts: r.parts.iter().map(|p| p.as_str().to_string()).collect(),
            therapist: None,
            tier: Some(r.tier.as_str().to_string()),
        })
        .collect();
    add_requests(core, event_id, &input).await
}

fn domain_event(ev: &RaceEvent, length_min: i64, buffer_min: i64) -> Event {
    Event {
        name: ev.name.clone(),
        date: ev.race_date,
        distance_km: ev.distance_km,
        kind: ev.kind,
        length_min: length_min as i32,
        buffer_min: buffer_min as i32,
    }
}

/// The days race week covers: the pre-race days before the race, or the post-race days
/// after it up to the window of the last runner to finish (`last_finish`).
fn week_of(ev: &RaceEvent, profile: &Profile, last_finish: Date) -> (Date, Date) {
    let day = ev.race_date;
    let w = &profile.windows;
    match ev.kind {
        Kind::PreEvent => (add_days(day, -w.pre_event_max_days), add_days(day, -1)),
        _ => (
            add_days(day, 1),
            add_days(last_finish.max(day), w.post_event_max_days),
        ),
    }
}

/// The day the last runner of `requests` finishes (the race day when none said).
fn last_finish(ev: &RaceEvent, requests: &[RaceRequest], tz: &TimeZone) -> Date {
    let day = ev.race_date;
    requests
        .iter()
        .filter_map(|r| r.finish_at)
        .map(|t| crate::time::local_date(t.as_second(), tz))
        .filter(|d| dates::days_between(day, *d) <= allocate::MAX_RACE_DAYS)
        .fold(day, Date::max)
}

/// Everything one allocation is made from, read together.
struct Field {
    ev: RaceEvent,
    service: Service,
    profile: Profile,
    names: Names,
    requests: Vec<RaceRequest>,
    shifts: Vec<Shift>,
    /// Runners who booked a session of the event's kind in race week themselves.
    held: HashMap<ClientId, Appointment>,
    /// The days of race week each runner has another appointment on.
    taken: HashMap<ClientId, Vec<Date>>,
    client_names: HashMap<ClientId, String>,
}

async fn read_field(core: &Clinic, event_id: &RaceEventId) -> CoreResult<Field> {
    let ev = event(core, event_id).await?;
    let (service, clinic, names, requests, clients) = tokio::try_join!(
        async { Ok::<_, CoreError>(core.store.service(&ev.service_id).await?) },
        async { Ok(core.store.clinic().await?) },
        Names::read(core),
        async { Ok(core.store.race_requests(event_id).await?) },
        async { Ok(core.store.clients().await?) },
    )?;
    check_service(&service)?;
    let profile = clinic_profile(&clinic.profile_toml).map_err(|e| CoreError::Refused {
        code: Code::BadProfile,
        message: format!("the clinic's rules profile cannot be read: {e}"),
    })?;
    let (from, to) = week_of(&ev, &profile, last_finish(&ev, &requests, &names.tz));
    // Times already past, or too soon to tell a runner about, are not handed out: a run
    // made mid-week books only what is still ahead.
    let earliest = core.now() + clinic.min_notice_hours.max(1) * 3600;
    let shifts = rota(core, &names, &service, from, to, earliest).await?;
    // Sessions of the event's kind the runners booked in race week themselves.
    let (lo, hi) = (
        day_start(add_days(from, -1), &names.tz),
        day_start(add_days(to, 2), &names.tz),
    );
    let asking: HashSet<&str> = requests.iter().map(|r| r.client_id.as_str()).collect();
    let kind_services: HashSet<ServiceId> = core
        .store
        .services()
        .await?
        .into_iter()
        .filter(|s| s.kind == ServiceKind::Massage(ev.kind))
        .map(|s| s.id)
        .collect();
    let mut held = HashMap::new();
    // The days each runner has another appointment already: they are not given a
    // second session that day (and could not be in two rooms at once).
    let mut taken: HashMap<ClientId, Vec<Date>> = HashMap::new();
    for a in core
        .store
        .appointments_between(UnixTime::from_second(lo), UnixTime::from_second(hi))
        .await?
    {
        if a.status != Status::Booked || !asking.contains(a.client_id.as_str()) {
            continue;
        }
        let zone = names
            .therapists
            .iter()
            .find(|t| t.id == a.therapist_id)
            .map_or_else(|| names.tz.clone(), |t| names.sites.zone_of(t));
        let day = crate::time::local_date(a.start_at.as_second(), &zone);
        if (from..=to).contains(&day) {
            let days = taken.entry(a.client_id.clone()).or_default();
            if !days.contains(&day) {
                days.push(day);
            }
        }
        if kind_services.contains(&a.service_id)
            && !a
                .idempotency_key
                .as_deref()
                .is_some_and(|k| k.starts_with(&format!("race:{}:", ev.id)))
        {
            held.entry(a.client_id.clone()).or_insert(a);
        }
    }
    Ok(Field {
        ev,
        service,
        profile,
        names,
        requests,
        shifts,
        held,
        taken,
        client_names: clients.into_iter().map(|c| (c.id, c.name)).collect(),
    })
}

/// The rota from the database: each active therapist's bookable spans on each day of
/// `from..=to` (working hours inside their location's opening hours, days off and
/// closures aside), from `earliest` on, in their location's local time, with what is
/// booked already.
async fn rota(
    core: &Clinic,
    names: &Names,
    service: &Service,
    from: Date,
    to: Date,
    earliest: i64,
) -> CoreResult<Vec<Shift>> {
    let (hours, exceptions, closures) = tokio::try_join!(
        core.store.working_hours_all(),
        core.store.exceptions_between(from, to),
        core.store.closures_between(from, to),
    )?;
    let mut by_therapist: HashMap<&str, Vec<kneadtime_store::WorkingHours>> = HashMap::new();
    for (id, h) in &hours {
        by_therapist.entry(id.as_str()).or_default().push(*h);
    }
    let (lo, hi) = (
        day_start(add_days(from, -1), &names.tz),
        day_start(add_days(to, 2), &names.tz),
    );
    let busy = core
        .store
        .busy_intervals_between(UnixTime::from_second(lo), UnixTime::from_second(hi))
        .await?;
    let mut out = Vec::new();
    for th in &names.therapists {
        let Some(loc) = names.sites.location(&th.location_id) else {
            continue;
        };
        // Race week's sessions are sports massage: a therapist whose skills are listed
        // without it is not rostered (none listed: the clinic has not said, so they are).
        let sports = th.skills.is_empty() || th.skills.contains(&kneadtime_store::Skill::Sports);
        if !th.active
            || !loc.active
            || !sports
            || service
                .location_id
                .as_deref()
                .is_some_and(|l| l != th.location_id)
        {
            continue;
        }
        let Some(own) = by_therapist.get(th.id.as_str()) else {
            continue;
        };
        let away: Vec<_> = exceptions
            .iter()
            .filter(|e| e.therapist_id == th.id)
            .cloned()
            .chain(closures_at(&closures, &th.location_id).map(|c| {
                kneadtime_store::TherapistException {
                    id: ExceptionId::from(c.id.as_str()),
                    therapist_id: th.id.clone(),
                    from_date: c.from_date,
                    to_date: c.to_date,
                    reason: kneadtime_store::ExceptionReason::Other,
                    note: c.note.clone(),
                }
            }))
            .collect();
        let tz = names.sites.zone_of(th);
        let mine: Vec<(i64, i64)> = busy
            .iter()
            .filter(|(_, t, _, _)| *t == th.id)
            .map(|(_, _, a, b)| (a.as_second(), b.as_second()))
            .collect();
        let n = dates::days_between(from, to).max(-1) + 1;
        for k in 0..n {
            let date = add_days(from, k);
            if off_on(date, &away) {
                continue;
            }
            // Spans that touch are one shift: a session may run across the join, and its
            // buffer with it.
            let mut spans = names.sites.bookable_spans(th, own, date);
            spans.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
            for (a, b) in spans {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            for (a, b) in merged {
                let a = a.max(earliest);
                if a >= b {
                    continue;
                }
                let Some((start, end)) = local_span(a, b, date, &tz) else {
                    continue;
                };
                let busy_here = mine
                    .iter()
                    .filter(|(x, y)| *x < b && a < *y)
                    .filter_map(|(x, y)| local_span((*x).max(a), (*y).min(b), date, &tz))
                    .collect();
                out.push(Shift {
                    therapist: th.id.to_string(),
                    therapist_name: th.name.clone(),
                    clinic: th.location_id.to_string(),
                    date,
                    from: start,
                    to: end,
                    busy: busy_here,
                });
            }
        }
    }
    Ok(out)
}

/// An absolute span as local times of `date` in `tz`, the start rounded up and the end
/// down to the 5-minute grid; a span reaching midnight ends at the day's last minute.
fn local_span(a: i64, b: i64, date: Date, tz: &TimeZone) -> Option<(Time, Time)> {
    let grid = |dt: DateTime, up: bool| -> Option<Time> {
        if dt.date() > date {
            return Some(Time::constant(23, 55, 0, 0));
        }
        if dt.date() < date {
            return Some(Time::MIN);
        }
        let m = i32::from(dt.hour()) * 60 + i32::from(dt.minute());
        let m = if up && (m % 5 != 0 || dt.second() > 0) {
            (m / 5 + 1) * 5
        } else {
            m / 5 * 5
        };
        if m >= 24 * 60 {
            return Some(Time::constant(23, 55, 0, 0));
        }
        Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok()
    };
    let from = grid(local_datetime(a, tz), true)?;
    let to = grid(local_datetime(b, tz), false)?;
    (to > from).then_some((from, to))
}

/// The runners of a field still to place: pending and waitlisted, less those holding a
/// session of their own.
fn runners_of(f: &Field) -> Vec<Runner> {
    f.requests
        .iter()
        .filter(|r| matches!(r.state, RequestState::Pending | RequestState::Waitlisted))
        .filter(|r| !f.held.contains_key(&r.client_id))
        .map(|r| Runner {
            id: r.client_id.to_string(),
            name: f
                .client_names
                .get(&r.client_id)
                .cloned()
                .unwrap_or_default(),
            finish: r
                .finish_at
                .map(|t| local_datetime(t.as_second(), &f.names.tz)),
            clinics: r.locations.iter().map(ToString::to_string).collect(),
            days: r.days.clone(),
            parts: r.parts.iter().filter_map(|p| Part::parse(p)).collect(),
            therapist: r.therapist_id.as_ref().map(ToString::to_string),
            tier: Tier::parse(&r.tier).unwrap_or_default(),
            taken: f.taken.get(&r.client_id).cloned().unwrap_or_default(),
        })
        .collect()
}

async fn solve(f: &Field) -> CoreResult<Allocation> {
    let event = domain_event(&f.ev, f.service.length_min, f.service.buffer_after_min);
    let (runners, shifts, profile) = (runners_of(f), f.shifts.clone(), f.profile.clone());
    crate::cpu(move || Allocation::solve(event, runners, shifts, &profile))
        .await?
        .map_err(|e| {
            // The solver names runners by id; the clinic knows them by name.
            let mut message = e.to_string();
            if let Some(r) = f
                .requests
                .iter()
                .find(|r| message.contains(r.client_id.as_str()))
            {
                let name = f
                    .client_names
                    .get(&r.client_id)
                    .map_or("a runner", String::as_str);
                message = message.replace(r.client_id.as_str(), name);
            }
            CoreError::Refused {
                code: Code::CannotAllocate,
                message,
            }
        })
}

/// What an allocation of an event is made from, as the clinic holds it: for allocating
/// outside the server (`kneadtime allocate --db`). Clinics are named by their locations'
/// names when those are unique.
#[derive(Debug, Clone)]
pub struct FieldInput {
    pub event: Event,
    pub runners: Vec<Runner>,
    pub shifts: Vec<Shift>,
    pub profile: Profile,
    /// The group's zone, the finishes and days are local to.
    pub tz: TimeZone,
    /// Each clinic's zone (by the name the shifts give it), its times are local to.
    pub zones: HashMap<String, TimeZone>,
}

/// The event named `which` (its id, or its name in any case).
pub async fn find_event(core: &Clinic, which: &str) -> CoreResult<RaceEvent> {
    let all = core.store.race_events().await?;
    let which = which.trim();
    all.iter()
        .find(|e| e.id == which)
        .or_else(|| all.iter().find(|e| e.name.eq_ignore_ascii_case(which)))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<String> = all
                .iter()
                .map(|e| format!("{:?} ({})", e.name, e.race_date))
                .collect();
            field(
                "event",
                if names.is_empty() {
                    format!("there is no event {which:?}: the clinic has none")
                } else {
                    format!(
                        "there is no event {which:?}; the clinic has {}",
                        names.join(", ")
                    )
                },
            )
        })
}

/// The field of the event `which` as the clinic holds it: its runners still to place and
/// the rota of race week.
pub async fn field_input(core: &Clinic, which: &str) -> CoreResult<FieldInput> {
    let ev = find_event(core, which).await?;
    let f = read_field(core, &ev.id).await?;
    let mut runners = runners_of(&f);
    let mut shifts = f.shifts.clone();
    // Locations by name when no two share one.
    let names: HashMap<String, String> = f
        .names
        .sites
        .locations
        .iter()
        .map(|l| (l.id.to_string(), l.name.clone()))
        .collect();
    let distinct: HashSet<&String> = names.values().collect();
    let by_name = distinct.len() == names.len();
    let zones: HashMap<String, TimeZone> = f
        .names
        .sites
        .locations
        .iter()
        .map(|l| {
            (
                if by_name {
                    l.name.clone()
                } else {
                    l.id.to_string()
                },
                f.names.sites.zone(&l.id),
            )
        })
        .collect();
    if by_name {
        for r in &mut runners {
            for c in &mut r.clinics {
                if let Some(n) = names.get(c) {
                    *c = n.clone();
                }
            }
        }
        for s in &mut shifts {
            if let Some(n) = names.get(&s.clinic) {
                s.clinic = n.clone();
            }
        }
    }
    Ok(FieldInput {
        event: domain_event(&f.ev, f.service.length_min, f.service.buffer_after_min),
        runners,
        shifts,
        profile: f.profile,
        tz: f.names.tz,
        zones,
    })
}

/// One location's share of an allocation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationRow {
    pub location_id: LocationId,
    pub name: String,
    /// Sessions the rota holds in race week, and how many are given.
    pub times: usize,
    pub booked: usize,
}

/// What an allocation would do, before anything is booked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RaceAllocation)]
pub struct Preview {
    pub event: RaceEvent,
    /// Runners by state before this run.
    pub pending: usize,
    pub booked_before: usize,
    pub waitlisted_before: usize,
    pub withdrawn: usize,
    /// Runners holding a session they booked themselves.
    pub held: usize,
    /// The exact allocation, and first come, first served on the same field.
    pub summary: Summary,
    pub first_come: Summary,
    pub locations: Vec<LocationRow>,
    /// The first days the rota covers, and the last.
    pub from: Date,
    pub to: Date,
}

fn count(requests: &[RaceRequest], s: RequestState) -> usize {
    requests.iter().filter(|r| r.state == s).count()
}

/// The allocation for everyone still to place, beside first come, first served.
pub async fn preview(core: &Clinic, event_id: &RaceEventId) -> CoreResult<Preview> {
    let f = read_field(core, event_id).await?;
    let a = solve(&f).await?;
    let (from, to) = week_of(
        &f.ev,
        &f.profile,
        last_finish(&f.ev, &f.requests, &f.names.tz),
    );
    let mut locations: Vec<LocationRow> = f
        .names
        .sites
        .locations
        .iter()
        .filter(|l| l.active)
        .map(|l| LocationRow {
            location_id: l.id.clone(),
            name: l.name.clone(),
            times: a.slots().iter().filter(|s| s.clinic == l.id).count(),
            booked: 0,
        })
        .collect();
    for r in 0..a.runners().len() {
        if let Outcome::Booked { slot, .. } = a.outcome(r)
            && let Some(row) = locations.iter_mut().find(|l| l.location_id == slot.clinic)
        {
            row.booked += 1;
        }
    }
    Ok(Preview {
        pending: count(&f.requests, RequestState::Pending),
        booked_before: count(&f.requests, RequestState::Booked),
        waitlisted_before: count(&f.requests, RequestState::Waitlisted),
        withdrawn: count(&f.requests, RequestState::Withdrawn),
        held: f.held.len(),
        summary: a.summary(),
        first_come: a.first_come(),
        locations,
        from,
        to,
        event: f.ev,
    })
}

/// What a booking run did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RaceBooked)]
pub struct Booked {
    /// Runners given a time now, put on the waitlist now, and found holding a session
    /// they booked themselves.
    pub booked: usize,
    pub waitlisted: usize,
    pub held: usize,
    /// The allocation that was booked.
    pub summary: Summary,
    /// Times a run was read and solved again because a time was taken meanwhile.
    pub attempts: usize,
}

/// Books the allocation: every runner still to place gets their time, or a place on
/// the waitlist for their window, in one transaction, each told by email. Run again, it
/// books only runners added since (or places freed); a run that finds a time taken in
/// the meantime is read and solved again.
pub async fn book(core: &Clinic, event_id: &RaceEventId, by: &str) -> CoreResult<Booked> {
    for attempt in 1..=MAX_ATTEMPTS {
        let f = read_field(core, event_id).await?;
        let a = solve(&f).await?;
        let what = match f.ev.kind {
            Kind::PreEvent => format!("pre-race, before {}", f.ev.name),
            _ => format!("post-race, after {}", f.ev.name),
        };
        let mut bookings: Vec<RaceBooking> = f
            .held
            .iter()
            .filter(|(c, _)| {
                f.requests.iter().any(|r| {
                    r.client_id == *c
                        && matches!(r.state, RequestState::Pending | RequestState::Waitlisted)
                })
            })
            .map(|(c, appt)| RaceBooking::Held {
                client_id: c.clone(),
                appointment_id: appt.id.clone(),
            })
            .collect();
        let held = bookings.len();
        let mut waits = Vec::new();
        for (r, runner) in a.runners().iter().enumerate() {
            match a.outcome(r) {
                Outcome::Booked { slot, .. } => {
                    let tz = f.names.sites.zone(&LocationId::from(&slot.clinic));
                    let start = tz
                        .to_ambiguous_timestamp(slot.start)
                        .compatible()
                        .map_err(|_| CoreError::Fault)?
                        .as_second();
                    bookings.push(RaceBooking::New {
                        client_id: ClientId::from(&runner.id),
                        therapist_id: TherapistId::from(&slot.therapist),
                        start_at: UnixTime::from_second(start),
                        end_at: UnixTime::from_second(start + f.service.length_min * 60),
                    });
                }
                Outcome::Waitlisted { reason } => {
                    let (lo, hi) = a.window_of(r);
                    let (lo, hi) = if hi < lo { (lo, lo) } else { (lo, hi) };
                    // The days are those where they would go first.
                    let tz = runner.clinics.first().map_or_else(
                        || f.names.tz.clone(),
                        |l| f.names.sites.zone(&LocationId::from(l)),
                    );
                    waits.push(RaceWait {
                        client_id: ClientId::from(&runner.id),
                        from_at: UnixTime::from_second(day_start(lo, &tz)),
                        until_at: UnixTime::from_second(day_start(add_days(hi, 1), &tz)),
                        note: what.clone(),
                        reason,
                    });
                }
                Outcome::Withdrawn => {}
            }
        }
        match core
            .store
            .book_race_week(event_id, by, &bookings, &waits)
            .await?
        {
            RaceRun::Done { booked, waitlisted } => {
                return Ok(Booked {
                    booked,
                    waitlisted,
                    held,
                    summary: a.summary(),
                    attempts: attempt,
                });
            }
            RaceRun::Stale => continue,
        }
    }
    Err(CoreError::Busy)
}

/// A client's view of race week: every event they can still ask for (a race today or
/// ahead, or just run for a post-race session), with their request when they made one.
pub async fn for_client(
    core: &Clinic,
    client_id: &ClientId,
) -> CoreResult<Vec<(RaceEvent, Option<RaceRequest>)>> {
    let (events, mine, clinic) = tokio::try_join!(
        core.store.race_events(),
        core.store.race_requests_of(client_id),
        core.store.clinic(),
    )?;
    let profile = clinic_profile(&clinic.profile_toml).unwrap_or_default();
    let today = crate::time::local_date(core.now(), &zone_of(&clinic.time_zone));
    let mut out: Vec<(RaceEvent, Option<RaceRequest>)> = events
        .into_iter()
        .filter(|e| {
            let day = e.race_date;
            let last = match e.kind {
                Kind::PreEvent => add_days(day, -1),
                _ => add_days(day, profile.windows.post_event_max_days),
            };
            last >= today || mine.iter().any(|r| r.event_id == e.id)
        })
        .map(|e| {
            let r = mine.iter().find(|r| r.event_id == e.id).cloned();
            (e, r)
        })
        .collect();
    out.sort_by_key(|a| a.0.race_date);
    Ok(out)
}

/// A runner no longer wants their race-week session (before it is booked).
pub async fn withdraw(
    core: &Clinic,
    event_id: &RaceEventId,
    client_id: &ClientId,
) -> CoreResult<()> {
    core.store
        .withdraw_race_request(event_id, client_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => CoreError::NotFound("request"),
            StoreError::Invalid(m) => CoreError::Refused {
                code: Code::AlreadyBooked,
                message: m,
            },
            e => e.into(),
        })
}

/// What the owner expects of race day, for capacity planning.
#[derive(Debug, Clone)]
pub struct CapacityInput {
    pub finishers: usize,
    /// The median finish time, "4:15" (hours:minutes after the start).
    pub median: String,
    /// How far finish times typically lie from it, "0:45".
    pub spread: String,
    /// Percent of finishers to serve inside their ideal days.
    pub share_percent: f64,
}

/// Capacity planning with each location's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RaceCapacity)]
pub struct Capacity {
    pub plan: capacity::CapacityPlan,
    /// [location id, name] pairs.
    pub names: Vec<(String, String)>,
    pub length_min: i64,
    pub buffer_min: i64,
}

fn duration_minutes(name: &str, s: &str) -> CoreResult<i32> {
    let s = s.trim();
    let bad = || {
        field(
            name,
            format!("expected hours and minutes like 4:15, found {s:?}"),
        )
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (
        h.trim().parse().map_err(|_| bad())?,
        m.trim().parse().map_err(|_| bad())?,
    );
    if !(0..=14 * 24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// How many sessions and therapist-hours each location needs each day to serve the
/// share asked for inside the ideal days, beside what the rota holds. Runners split
/// between locations as the requests' first choices do (evenly when there are none).
pub async fn capacity(
    core: &Clinic,
    event_id: &RaceEventId,
    input: &CapacityInput,
) -> CoreResult<Capacity> {
    let f = read_field(core, event_id).await?;
    let median_min = duration_minutes("median", &input.median)?;
    let spread_min = duration_minutes("spread", &input.spread)?;
    if !(input.share_percent > 0.0 && input.share_percent <= 100.0) {
        return Err(field(
            "share",
            "expected a share above 0 and at most 100 percent",
        ));
    }
    // Demand by location, from the runners who asked: each counts for their first open
    // choice, and a runner with no choice counts for every open location alike. With
    // nobody asked yet, the open locations share it evenly.
    let open: Vec<&str> = f
        .names
        .sites
        .locations
        .iter()
        .filter(|l| l.active)
        .map(|l| l.id.as_str())
        .collect();
    let mut weights: HashMap<String, f64> = open.iter().map(|l| ((*l).to_string(), 0.0)).collect();
    let mut counted = 0usize;
    for r in f
        .requests
        .iter()
        .filter(|r| r.state != RequestState::Withdrawn)
    {
        counted += 1;
        match r.locations.iter().find(|l| open.contains(&l.as_str())) {
            Some(first) => *weights.entry(first.to_string()).or_default() += 1.0,
            None => {
                for l in &open {
                    *weights.entry((*l).to_string()).or_default() += 1.0 / open.len() as f64;
                }
            }
        }
    }
    if counted == 0 {
        for w in weights.values_mut() {
            *w = 1.0;
        }
    }
    let mut weights: Vec<(String, f64)> = weights.into_iter().filter(|(_, w)| *w > 0.0).collect();
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    let demand = capacity::Demand {
        finishers: input.finishers,
        start: Time::new(
            (f.ev.start_minute / 60) as i8,
            (f.ev.start_minute % 60) as i8,
            0,
            0,
        )
        .unwrap_or(Time::MIN),
        median_min,
        spread_min,
        share: input.share_percent / 100.0,
        weights,
    };
    let event = domain_event(&f.ev, f.service.length_min, f.service.buffer_after_min);
    let (shifts, profile) = (f.shifts.clone(), f.profile.clone());
    let plan = crate::cpu(move || capacity::plan(&event, &demand, &shifts, &profile))
        .await?
        .map_err(|e| {
            let m = e.to_string();
            let name = ["median", "spread", "share"]
                .into_iter()
                .find(|f| m.starts_with(f))
                .unwrap_or("finishers");
            field(name, m)
        })?;
    Ok(Capacity {
        plan,
        names: f
            .names
            .sites
            .locations
            .iter()
            .map(|l| (l.id.to_string(), l.name.clone()))
            .collect(),
        length_min: f.service.length_min,
        buffer_min: f.service.buffer_after_min,
    })
}

/// Every race-week event the clinic holds.
pub async fn events(core: &Clinic) -> CoreResult<Vec<RaceEvent>> {
    Ok(core.store.race_events().await?)
}

/// Every runner's request for an event, as it stands.
pub async fn requests(core: &Clinic, event_id: &RaceEventId) -> CoreResult<Vec<RaceRequest>> {
    Ok(core.store.race_requests(event_id).await?)
}
