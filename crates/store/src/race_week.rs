//! Race week in the store: events, the runners who asked, and a booking run written
//! whole. A run books every runner it was given a time for and puts the rest on the
//! waitlist in ONE transaction: the appointments with their cells (so no therapist and
//! no runner is ever booked twice), the messages that tell each runner, and the state of
//! each request. Each appointment carries the key `race:EVENT:CLIENT`, so a run repeated
//! after it committed — or racing another — books nobody twice; a run that finds a time
//! taken or a request changed since it read them is rolled back whole and says so.

use crate::ids::*;
use sqlx::any::AnyRow;

use crate::booking::is_unique;
use crate::model::parse_or;
use crate::{
    Appointment, Enrolled, NewRaceEvent, NewRaceRequest, NewRunner, RaceBooking, RaceEvent,
    RaceRequest, RaceRun, RaceWait, RequestState, Status, Store, StoreError, cells, col, col_date,
    from_json, json_text, new_id, retry_write,
};

/// The most runners one event takes.
pub const MAX_REQUESTS: usize = 200_000;

/// What a runner whose race-week session was cancelled is told beside their request.
pub const CANCELLED_REASON: &str = "Your session was cancelled.";
/// Rows written per multi-row statement.
const CHUNK: usize = 200;

macro_rules! event_columns {
    () => {
        "id, name, race_date, distance_km, kind, service_id, start_minute, created_at, booked_at"
    };
}

macro_rules! request_columns {
    () => {
        "event_id, client_id, finish_at, locations, days, parts, therapist_id, tier, state, \
         appointment_id, wait_id, reason, created_at"
    };
}

fn event_from(row: &AnyRow) -> Result<RaceEvent, StoreError> {
    let kind: String = col(row, "kind")?;
    Ok(RaceEvent {
        id: col(row, "id")?,
        name: col(row, "name")?,
        race_date: col_date(row, "race_date")?,
        distance_km: col(row, "distance_km")?,
        kind: parse_or(kneadtime_domain::Kind::parse(&kind), "event kind", &kind)?,
        service_id: col(row, "service_id")?,
        start_minute: col(row, "start_minute")?,
        created_at: col(row, "created_at")?,
        booked_at: col(row, "booked_at")?,
    })
}

fn request_from(row: &AnyRow) -> Result<RaceRequest, StoreError> {
    let state: String = col(row, "state")?;
    let list = |name: &str| -> Result<Vec<String>, StoreError> {
        from_json(&col::<String>(row, name)?, name)
    };
    Ok(RaceRequest {
        event_id: col(row, "event_id")?,
        client_id: col(row, "client_id")?,
        finish_at: col(row, "finish_at")?,
        locations: from_json(&col::<String>(row, "locations")?, "locations")?,
        days: from_json(&col::<String>(row, "days")?, "days")?,
        parts: list("parts")?,
        therapist_id: col(row, "therapist_id")?,
        tier: col(row, "tier")?,
        state: parse_or(RequestState::parse(&state), "request state", &state)?,
        appointment_id: col(row, "appointment_id")?,
        wait_id: col(row, "wait_id")?,
        reason: col(row, "reason")?,
        created_at: col(row, "created_at")?,
    })
}

fn check_requests(requests: &[NewRaceRequest]) -> Result<(), StoreError> {
    if requests.len() > MAX_REQUESTS {
        return Err(StoreError::Invalid(format!(
            "an event takes at most {MAX_REQUESTS} runners at once"
        )));
    }
    for r in requests {
        if r.days.len() > kneadtime_domain::allocate::MAX_DAYS
            || r.locations.len() > kneadtime_domain::allocate::MAX_CHOICES
        {
            return Err(StoreError::Invalid(format!(
                "a runner names at most {} days and {} locations",
                kneadtime_domain::allocate::MAX_DAYS,
                kneadtime_domain::allocate::MAX_CHOICES
            )));
        }
        if kneadtime_domain::allocate::Tier::parse(&r.tier).is_none() {
            return Err(StoreError::Invalid(format!(
                "{:?} is not a tier: standard, charity, elite or pre-booked",
                r.tier
            )));
        }
    }
    Ok(())
}

/// One request per runner: the last of a runner named twice stands, in the place they
/// first asked.
fn last_per_client(requests: &[NewRaceRequest]) -> Vec<&NewRaceRequest> {
    let mut place: std::collections::HashMap<&str, usize> = Default::default();
    let mut out: Vec<&NewRaceRequest> = Vec::new();
    for r in requests {
        match place.get(r.client_id.as_str()) {
            Some(&i) => out[i] = r,
            None => {
                place.insert(&r.client_id, out.len());
                out.push(r);
            }
        }
    }
    out
}

/// Upserts the requests and puts the race in each runner's races (when they have none
/// on its day), moving their season version; in the caller's transaction.
async fn write_requests(
    tx: &mut crate::write::WriteTx,
    event: &RaceEvent,
    requests: &[&NewRaceRequest],
    now: i64,
) -> Result<usize, sqlx::Error> {
    let mut written = 0;
    // New requests join the end of the order of asking; changed ones keep their place.
    let last: i64 =
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM race_requests WHERE event_id = $1")
            .bind(&event.id)
            .fetch_one(&mut **tx)
            .await
            .and_then(|r| sqlx::Row::try_get::<i64, _>(&r, "last"))?;
    let mut next = last;
    for chunk in requests.chunks(CHUNK) {
        // Nine parameters a row after the event's: client, finish, locations, days,
        // parts, therapist, tier, created, and the place in the order of asking.
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (0..9).map(|k| format!("${}", 2 + i * 9 + k)).collect();
                format!("($1, {}, 'pending')", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO race_requests (event_id, client_id, finish_at, locations, days, parts, \
             therapist_id, tier, created_at, seq, state) VALUES {} \
             ON CONFLICT (event_id, client_id) DO UPDATE SET finish_at = excluded.finish_at, \
             locations = excluded.locations, days = excluded.days, parts = excluded.parts, \
             therapist_id = excluded.therapist_id, tier = excluded.tier, \
             state = CASE WHEN race_requests.state = 'withdrawn' THEN 'pending' ELSE race_requests.state END \
             WHERE race_requests.state <> 'booked'",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&event.id);
        for r in chunk {
            q = q
                .bind(&r.client_id)
                .bind(r.finish_at)
                .bind(json_text(&r.locations))
                .bind(json_text(&r.days))
                .bind(json_text(&r.parts))
                .bind(r.therapist_id.clone())
                .bind(&r.tier)
                .bind(now);
            next += 1;
            q = q.bind(next);
        }
        written += q.execute(&mut **tx).await?.rows_affected() as usize;
        // The race, for runners who do not have one on its day yet.
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT client_id FROM client_races WHERE date = $1 AND client_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(event.race_date.to_string());
        for r in chunk {
            q = q.bind(&r.client_id);
        }
        let has: std::collections::HashSet<ClientId> = q
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| sqlx::Row::try_get::<ClientId, _>(row, "client_id"))
            .collect::<Result<_, _>>()?;
        let missing: Vec<&&NewRaceRequest> = chunk
            .iter()
            .filter(|r| !has.contains(&r.client_id))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let values: Vec<String> = (0..missing.len())
            .map(|i| format!("(${}, ${}, $1, $2, 'B', $3)", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = format!(
            "INSERT INTO client_races (id, client_id, date, distance_km, priority, name) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event.race_date.to_string())
            .bind(event.distance_km.unwrap_or(42.195))
            .bind(&event.name);
        for r in &missing {
            q = q.bind(new_id::<String>()).bind(&r.client_id);
        }
        q.execute(&mut **tx).await?;
        let marks: Vec<String> = (0..missing.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "UPDATE clients SET season_version = season_version + 1 WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in &missing {
            q = q.bind(&r.client_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(written)
}

/// What one attempt of a booking run found.
enum Attempt {
    Done(usize, usize),
    Stale,
    Missing,
}

impl Store {
    pub async fn create_race_event(&self, new: &NewRaceEvent) -> Result<RaceEvent, StoreError> {
        if new.name.trim().is_empty() || new.name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "an event needs a name of at most 200 characters".into(),
            ));
        }
        if !matches!(
            new.kind,
            kneadtime_domain::Kind::PostEvent | kneadtime_domain::Kind::PreEvent
        ) {
            return Err(StoreError::Invalid(
                "an event books a post-race or a pre-race session".into(),
            ));
        }
        if !new
            .distance_km
            .is_some_and(|d| d.is_finite() && d > 0.0 && d <= 2000.0)
        {
            return Err(StoreError::Invalid(
                "an event needs its distance, above 0 and at most 2000 km".into(),
            ));
        }
        if !(0..1440).contains(&new.start_minute) {
            return Err(StoreError::Invalid(
                "the start is minutes after midnight, 0 to 1439".into(),
            ));
        }
        self.service(&new.service_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid("there is no such service".into()),
            e => e,
        })?;
        let e = RaceEvent {
            id: new_id(),
            name: new.name.trim().to_string(),
            race_date: new.race_date,
            distance_km: new.distance_km,
            kind: new.kind,
            service_id: new.service_id.clone(),
            start_minute: new.start_minute,
            created_at: self.now(),
            booked_at: None,
        };
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO race_events (id, name, race_date, distance_km, kind, service_id, start_minute, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(&e.name)
        .bind(e.race_date.to_string())
        .bind(e.distance_km)
        .bind(e.kind.as_str())
        .bind(&e.service_id)
        .bind(e.start_minute)
        .bind(e.created_at)
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(e)
    }

    /// Every event, the latest race first.
    pub async fn race_events(&self) -> Result<Vec<RaceEvent>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM race_events ORDER BY race_date DESC, created_at DESC, id"
        ))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(event_from).collect()
    }

    pub async fn race_event(&self, id: &RaceEventId) -> Result<RaceEvent, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM race_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        event_from(&row)
    }

    /// Adds runners' requests to an event, or changes those not yet booked (a runner who
    /// withdrew and asks again is pending again); the race goes into each runner's
    /// races, so their season knows it. Returns how many requests were written.
    pub async fn put_race_requests(
        &self,
        event_id: &RaceEventId,
        requests: &[NewRaceRequest],
    ) -> Result<usize, StoreError> {
        check_requests(requests)?;
        let event = self.race_event(event_id).await?;
        let requests = last_per_client(requests);
        self.room_for(event_id, requests.len()).await?;
        let now = self.now();
        let _gate = self.gate().await;
        let written: usize = retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            let written = write_requests(&mut tx, &event, &requests, now.as_second()).await?;
            tx.commit().await?;
            Ok::<usize, sqlx::Error>(written)
        })?;
        Ok(written)
    }

    /// Enrols runners known by email in one transaction: each is matched to the client
    /// with that email (case aside) or made a new client, gets the race in their races,
    /// and has their request written.
    pub async fn enrol_runners(
        &self,
        event_id: &RaceEventId,
        runners: &[NewRunner],
    ) -> Result<Enrolled, StoreError> {
        if runners.len() > MAX_REQUESTS {
            return Err(StoreError::Invalid(format!(
                "an event takes at most {MAX_REQUESTS} runners at once"
            )));
        }
        for r in runners {
            if r.name.trim().is_empty() || !r.email.contains('@') {
                return Err(StoreError::Invalid(format!(
                    "a runner needs a name and an email address, found {:?} <{}>",
                    r.name, r.email
                )));
            }
        }
        let requests: Vec<NewRaceRequest> = runners.iter().map(|r| r.request.clone()).collect();
        check_requests(&requests)?;
        let event = self.race_event(event_id).await?;
        self.room_for(event_id, requests.len()).await?;
        let now = self.now();
        let _gate = self.gate().await;
        let done: Enrolled = retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            // Who is known already, by the email key the unique index holds.
            let emails: Vec<String> = runners.iter().map(|r| crate::email_key(&r.email)).collect();
            let mut known: std::collections::HashMap<String, ClientId> = Default::default();
            for chunk in emails.chunks(CHUNK) {
                let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT email_key, id FROM clients WHERE email_key <> '' AND email_key IN ({})",
                    marks.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for e in chunk {
                    q = q.bind(e.clone());
                }
                for row in q.fetch_all(&mut *tx).await? {
                    let key: String = sqlx::Row::try_get(&row, "email_key")?;
                    let id: ClientId = sqlx::Row::try_get(&row, "id")?;
                    known.entry(key).or_insert(id);
                }
            }
            // The rest become clients, once each.
            let mut fresh: Vec<(ClientId, &NewRunner)> = Vec::new();
            for (r, email) in runners.iter().zip(&emails) {
                if !known.contains_key(email) {
                    let id: ClientId = new_id();
                    known.insert(email.clone(), id.clone());
                    fresh.push((id, r));
                }
            }
            for chunk in fresh.chunks(CHUNK) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let b = i * 6;
                        format!(
                            "(${}, ${}, ${}, '', '[]', ${}, NULL, ${}, ${})",
                            b + 1,
                            b + 2,
                            b + 3,
                            b + 4,
                            b + 5,
                            b + 6
                        )
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO clients (id, name, email, phone, unavailable_weekdays, access_token_hash, \
                     password_hash, created_at, email_key) VALUES {}",
                    values.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, r) in chunk {
                    // No link is issued: they sign in by an emailed link when they come.
                    q = q
                        .bind(id.clone())
                        .bind(r.name.trim().to_string())
                        .bind(r.email.trim().to_string())
                        .bind(format!("unissued:{}", new_id::<String>()))
                        .bind(now)
                        .bind(crate::email_key(&r.email));
                }
                q.execute(&mut *tx).await?;
            }
            let requests: Vec<NewRaceRequest> = runners
                .iter()
                .zip(&emails)
                .map(|(r, e)| NewRaceRequest {
                    client_id: known[e].clone(),
                    ..r.request.clone()
                })
                .collect();
            let requests = last_per_client(&requests);
            let written = write_requests(&mut tx, &event, &requests, now.as_second()).await?;
            tx.commit().await?;
            Ok::<Enrolled, sqlx::Error>(Enrolled {
                requests: written,
                new_clients: fresh.len(),
            })
        })?;
        Ok(done)
    }

    /// Refuses `more` requests when the event would then hold more than an allocation
    /// takes (counting each as new: a runner asking again counts twice here).
    async fn room_for(&self, event_id: &str, more: usize) -> Result<(), StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM race_requests WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(self.db()?)
            .await?;
        let held: i64 = col(&row, "n")?;
        if usize::try_from(held)
            .unwrap_or(usize::MAX)
            .saturating_add(more)
            > MAX_REQUESTS
        {
            return Err(StoreError::Invalid(format!(
                "an event takes at most {MAX_REQUESTS} runners; this one has {held} and {more} more were sent"
            )));
        }
        Ok(())
    }

    /// The event's requests, by when they came.
    pub async fn race_requests(
        &self,
        event_id: &RaceEventId,
    ) -> Result<Vec<RaceRequest>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM race_requests WHERE event_id = $1 ORDER BY seq, created_at, client_id"
        ))
        .bind(event_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(request_from).collect()
    }

    /// A client's requests across events.
    pub async fn race_requests_of(
        &self,
        client_id: &ClientId,
    ) -> Result<Vec<RaceRequest>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM race_requests WHERE client_id = $1 ORDER BY created_at, seq, event_id"
        ))
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(request_from).collect()
    }

    /// A runner no longer wants a session: a pending or waitlisted request is withdrawn
    /// (and its waitlist entry with it); one withdrawn already stays so. A booked one is
    /// refused (`Invalid`): cancel its appointment instead.
    pub async fn withdraw_race_request(
        &self,
        event_id: &RaceEventId,
        client_id: &ClientId,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let done: u64 = retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE waitlist SET state = 'withdrawn' WHERE state = 'waiting' AND id = \
                 (SELECT wait_id FROM race_requests WHERE event_id = $1 AND client_id = $2)",
            )
            .bind(event_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query(
                "UPDATE race_requests SET state = 'withdrawn', reason = '' WHERE event_id = $1 \
                 AND client_id = $2 AND state IN ('pending', 'waitlisted')",
            )
            .bind(event_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(done)
        })?;
        if done == 0 {
            let state: Option<String> = sqlx::query(
                "SELECT state FROM race_requests WHERE event_id = $1 AND client_id = $2",
            )
            .bind(event_id)
            .bind(client_id)
            .fetch_optional(self.db()?)
            .await?
            .map(|r| col(&r, "state"))
            .transpose()?;
            return match state.as_deref() {
                None => Err(StoreError::NotFound),
                Some("withdrawn") => Ok(()),
                Some(_) => Err(StoreError::Invalid(
                    "the runner is booked already: cancel the appointment instead".into(),
                )),
            };
        }
        Ok(())
    }

    /// Writes a booking run whole: every booking with its cells and messages, every
    /// runner left out on the waitlist with theirs, each request's new state. `Stale`
    /// (nothing written) when a time was taken or a request changed since they were read.
    pub async fn book_race_week(
        &self,
        event_id: &RaceEventId,
        by: &str,
        bookings: &[RaceBooking],
        waits: &[RaceWait],
    ) -> Result<RaceRun, StoreError> {
        if bookings.len() + waits.len() > MAX_REQUESTS {
            return Err(StoreError::Invalid(format!(
                "a run books at most {MAX_REQUESTS} runners"
            )));
        }
        for b in bookings {
            if let RaceBooking::New {
                start_at, end_at, ..
            } = b
                && (end_at <= start_at
                    || *end_at - *start_at > crate::MAX_APPOINTMENT_SECS
                    || start_at.as_second().rem_euclid(crate::CELL_SECS) != 0)
            {
                return Err(StoreError::Invalid(
                    "a race-week booking starts on the 5-minute grid and ends after it starts"
                        .into(),
                ));
            }
        }
        let event = self.race_event(event_id).await?;
        let gate = self.gate().await;
        let attempt = retry_write!(self, self.book_race_once(&event, by, bookings, waits))?;
        drop(gate);
        match attempt {
            Attempt::Done(booked, waitlisted) => {
                self.outbox_wake.notify_one();
                Ok(RaceRun::Done { booked, waitlisted })
            }
            Attempt::Stale => Ok(RaceRun::Stale),
            Attempt::Missing => Err(StoreError::NotFound),
        }
    }

    async fn book_race_once(
        &self,
        event: &RaceEvent,
        by: &str,
        bookings: &[RaceBooking],
        waits: &[RaceWait],
    ) -> Result<Attempt, sqlx::Error> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT s.buffer_after_min, c.reminder_hours FROM services s, clinic c \
             WHERE s.id = $1 ORDER BY c.id LIMIT 1",
        )
        .bind(&event.service_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Attempt::Missing);
        };
        let buffer: i64 = sqlx::Row::try_get(&row, "buffer_after_min")?;
        let reminder_hours: i64 = sqlx::Row::try_get(&row, "reminder_hours")?;
        // Where each request stands now, read inside the transaction.
        let states: std::collections::HashMap<ClientId, String> =
            sqlx::query("SELECT client_id, state FROM race_requests WHERE event_id = $1")
                .bind(&event.id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        sqlx::Row::try_get::<ClientId, _>(r, "client_id")?,
                        sqlx::Row::try_get::<String, _>(r, "state")?,
                    ))
                })
                .collect::<Result<_, _>>()?;
        let open = |c: &ClientId| {
            matches!(
                states.get(c).map(String::as_str),
                Some("pending" | "waitlisted")
            )
        };
        let mut fresh: Vec<Appointment> = Vec::new();
        let mut placed: Vec<(&ClientId, AppointmentId)> = Vec::new();
        for b in bookings {
            match b {
                RaceBooking::Held {
                    client_id,
                    appointment_id,
                } => placed.push((client_id, appointment_id.clone())),
                RaceBooking::New {
                    client_id,
                    therapist_id,
                    start_at,
                    end_at,
                } => {
                    let a = Appointment {
                        id: new_id(),
                        therapist_id: therapist_id.clone(),
                        client_id: client_id.clone(),
                        service_id: event.service_id.clone(),
                        start_at: *start_at,
                        end_at: *end_at,
                        status: Status::Booked,
                        override_reason: None,
                        created_by: by.to_string(),
                        created_at: now,
                        idempotency_key: Some(format!("race:{}:{}", event.id, client_id)),
                        request_hash: None,
                        sequence: 0,
                        cancelled_late: false,
                        awaiting_client: false,
                    };
                    placed.push((client_id, a.id.clone()));
                    fresh.push(a);
                }
            }
        }
        if placed.iter().any(|(c, _)| !open(c)) || fresh.iter().any(|a| a.start_at <= now) {
            return Ok(Attempt::Stale);
        }
        // A session a runner booked themselves still stands, and is still theirs.
        let held: Vec<(&str, &str)> = bookings
            .iter()
            .filter_map(|b| match b {
                RaceBooking::Held {
                    client_id,
                    appointment_id,
                } => Some((client_id.as_str(), appointment_id.as_str())),
                RaceBooking::New { .. } => None,
            })
            .collect();
        for chunk in held.chunks(CHUNK) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
            let sql = format!(
                "SELECT id, client_id FROM appointments WHERE status = 'booked' AND id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (_, a) in chunk {
                q = q.bind(*a);
            }
            let standing: std::collections::HashSet<(String, String)> = q
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        sqlx::Row::try_get::<String, _>(r, "client_id")?,
                        sqlx::Row::try_get::<String, _>(r, "id")?,
                    ))
                })
                .collect::<Result<_, _>>()?;
            if chunk
                .iter()
                .any(|(c, a)| !standing.contains(&((*c).to_string(), (*a).to_string())))
            {
                return Ok(Attempt::Stale);
            }
        }
        // The appointments, their cells (the therapist's with the buffer, the runner's
        // without), and the messages: a statement per chunk. A key or a cell already
        // taken fails the lot.
        for chunk in fresh.chunks(CHUNK) {
            if !insert_appointments(&mut tx, chunk).await? {
                return Ok(Attempt::Stale);
            }
            let therapist: Vec<(&str, &str, i64)> = chunk
                .iter()
                .flat_map(|a| {
                    cells(a.start_at.as_second(), (a.end_at + buffer * 60).as_second())
                        .map(move |c| (a.therapist_id.as_str(), a.id.as_str(), c))
                })
                .collect();
            let client: Vec<(&str, &str, i64)> = chunk
                .iter()
                .flat_map(|a| {
                    cells(a.start_at.as_second(), a.end_at.as_second())
                        .map(move |c| (a.client_id.as_str(), a.id.as_str(), c))
                })
                .collect();
            if !insert_cell_rows(&mut tx, "appointment_cells", "therapist_id", &therapist).await?
                || !insert_cell_rows(&mut tx, "client_cells", "client_id", &client).await?
            {
                return Ok(Attempt::Stale);
            }
            let mut notices: Vec<(String, &str, &str, i64)> = Vec::new();
            for a in chunk {
                notices.push((new_id(), "booked", a.id.as_str(), now.as_second()));
                let due = a.start_at - reminder_hours * 3600;
                if reminder_hours > 0 && due > now {
                    notices.push((new_id(), "reminder", a.id.as_str(), due.as_second()));
                }
            }
            insert_notices(&mut tx, "appointment_id", &notices, now.as_second()).await?;
        }
        // Each placed request is booked, and a wait it had ends.
        for chunk in placed.chunks(CHUNK) {
            let (case, ids, args) = case_of(chunk.iter().map(|(c, a)| (c.as_str(), a.as_str())), 2);
            // The waitlist row's own client_id picks its appointment.
            let sql = format!(
                "UPDATE waitlist SET state = 'booked', appointment_id = {case} \
                 WHERE state = 'waiting' AND id IN (SELECT r.wait_id FROM race_requests r \
                 WHERE r.event_id = $1 AND r.client_id IN ({ids}))"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&event.id);
            for a in &args {
                q = q.bind(*a);
            }
            q.execute(&mut *tx).await?;
            let sql = format!(
                "UPDATE race_requests SET state = 'booked', reason = '', appointment_id = {case} \
                 WHERE event_id = $1 AND state IN ('pending', 'waitlisted') AND client_id IN ({ids})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&event.id);
            for a in &args {
                q = q.bind(*a);
            }
            if q.execute(&mut *tx).await?.rows_affected() != chunk.len() as u64 {
                return Ok(Attempt::Stale);
            }
        }
        // Runners left out: those waiting from an earlier run keep their wait with the
        // reason brought up to date; the others get a wait, a message and the reason.
        let (again, new): (Vec<&RaceWait>, Vec<&RaceWait>) = waits
            .iter()
            .partition(|w| states.get(&w.client_id).map(String::as_str) == Some("waitlisted"));
        if new
            .iter()
            .any(|w| states.get(&w.client_id).map(String::as_str) != Some("pending"))
        {
            return Ok(Attempt::Stale);
        }
        for chunk in again.chunks(CHUNK) {
            let (case, ids, args) = case_of(
                chunk
                    .iter()
                    .map(|w| (w.client_id.as_str(), w.reason.as_str())),
                2,
            );
            let sql = format!(
                "UPDATE race_requests SET reason = {case} WHERE event_id = $1 AND state = 'waitlisted' \
                 AND client_id IN ({ids})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&event.id);
            for a in &args {
                q = q.bind(*a);
            }
            if q.execute(&mut *tx).await?.rows_affected() != chunk.len() as u64 {
                return Ok(Attempt::Stale);
            }
        }
        for chunk in new.chunks(CHUNK) {
            let ids: Vec<String> = chunk.iter().map(|_| new_id()).collect();
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = 3 + i * 5;
                    format!(
                        "(${b}, ${}, $1, NULL, ${}, ${}, ${}, 'waiting', $2)",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO waitlist (id, client_id, service_id, therapist_id, from_at, until_at, note, state, created_at) \
                 VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&event.service_id)
                .bind(now);
            for (w, id) in chunk.iter().zip(&ids) {
                q = q
                    .bind(id)
                    .bind(&w.client_id)
                    .bind(w.from_at)
                    .bind(w.until_at.max(w.from_at + 1))
                    .bind(&w.note);
            }
            q.execute(&mut *tx).await?;
            let (wait_case, wait_ids, mut args) = case_of(
                chunk
                    .iter()
                    .zip(&ids)
                    .map(|(w, id)| (w.client_id.as_str(), id.as_str())),
                2,
            );
            let (reason_case, _, reason_args) = case_of(
                chunk
                    .iter()
                    .map(|w| (w.client_id.as_str(), w.reason.as_str())),
                2 + args.len(),
            );
            args.extend(reason_args);
            let sql = format!(
                "UPDATE race_requests SET state = 'waitlisted', wait_id = {wait_case}, reason = {reason_case} \
                 WHERE event_id = $1 AND state = 'pending' AND client_id IN ({wait_ids})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&event.id);
            for a in &args {
                q = q.bind(*a);
            }
            if q.execute(&mut *tx).await?.rows_affected() != chunk.len() as u64 {
                return Ok(Attempt::Stale);
            }
            let notices: Vec<(String, &str, &str, i64)> = ids
                .iter()
                .map(|id| (new_id(), "waitlisted", id.as_str(), now.as_second()))
                .collect();
            insert_notices(&mut tx, "wait_id", &notices, now.as_second()).await?;
        }
        sqlx::query("UPDATE race_events SET booked_at = $2 WHERE id = $1")
            .bind(&event.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Attempt::Done(fresh.len(), new.len()))
    }
}

/// `CASE client_id WHEN $k THEN $k+1 … END` over `pairs`, the `$…` list of their
/// clients for an `IN`, and the arguments in order (client, value, …, then nothing
/// more: the `IN` list reuses the client parameters). Parameters start at `$first`.
fn case_of<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    first: usize,
) -> (String, String, Vec<&'a str>) {
    let mut case = String::from("CASE client_id");
    let mut ids = Vec::new();
    let mut args = Vec::new();
    for (i, (client, value)) in pairs.enumerate() {
        let k = first + 2 * i;
        case.push_str(&format!(" WHEN ${k} THEN ${}", k + 1));
        ids.push(format!("${k}"));
        args.push(client);
        args.push(value);
    }
    case.push_str(" END");
    (case, ids.join(", "), args)
}

/// Inserts appointment rows in one statement; `false` when a key is already used (a run
/// that committed first booked one of these runners).
async fn insert_appointments(
    tx: &mut crate::write::WriteTx,
    chunk: &[Appointment],
) -> Result<bool, sqlx::Error> {
    if chunk.is_empty() {
        return Ok(true);
    }
    let values: Vec<String> = (0..chunk.len())
        .map(|i| {
            let p: Vec<String> = (1..=9).map(|k| format!("${}", i * 9 + k)).collect();
            format!("({}, 'booked', NULL, NULL)", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO appointments (id, therapist_id, client_id, service_id, start_at, end_at, \
         created_by, created_at, idempotency_key, status, override_reason, request_hash) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in chunk {
        q = q
            .bind(&a.id)
            .bind(&a.therapist_id)
            .bind(&a.client_id)
            .bind(&a.service_id)
            .bind(a.start_at)
            .bind(a.end_at)
            .bind(&a.created_by)
            .bind(a.created_at)
            .bind(a.idempotency_key.clone());
    }
    match q.execute(&mut **tx).await {
        Ok(_) => Ok(true),
        Err(e) if is_unique(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Inserts `(owner, appointment, cell)` rows, a thousand a statement; `false` when a
/// cell is taken.
async fn insert_cell_rows(
    tx: &mut crate::write::WriteTx,
    table: &str,
    owner_column: &str,
    rows: &[(&str, &str, i64)],
) -> Result<bool, sqlx::Error> {
    for chunk in rows.chunks(1000) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({owner_column}, appointment_id, cell_start) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (owner, appointment, cell) in chunk {
            q = q.bind(*owner).bind(*appointment).bind(*cell);
        }
        match q.execute(&mut **tx).await {
            Ok(_) => {}
            Err(e) if is_unique(&e) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Queues messages `(id, kind, subject, due)` about appointments or waits
/// (`subject_column`), in one statement.
async fn insert_notices(
    tx: &mut crate::write::WriteTx,
    subject_column: &str,
    rows: &[(String, &str, &str, i64)],
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 2 + 4 * i;
                format!("(${b}, ${}, ${}, 0, ${}, $1)", b + 1, b + 2, b + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO outbox (id, kind, {subject_column}, sequence, due_at, created_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for (id, kind, subject, due) in chunk {
            q = q.bind(id).bind(*kind).bind(*subject).bind(*due);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
