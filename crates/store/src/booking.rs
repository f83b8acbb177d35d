//! Appointments and the no-double-booking guarantee.
//!
//! A booking occupies every [`CELL_SECS`] cell from `start_at` to `end_at` plus the
//! service's `buffer_after_min`; each cell is one `appointment_cells` row under PRIMARY
//! KEY (therapist_id, cell_start). The client is held the same way for the session's own
//! time, one `client_cells` row per cell under PRIMARY KEY (client_id, cell_start), so a
//! client is never in two rooms. Booking, cancelling and rescheduling each write the
//! appointment row and its cells in one transaction, so an overlapping racer fails on a
//! key and is told [`StoreError::Conflict`] (the therapist is taken) or
//! [`StoreError::ClientBusy`]; nothing is left half-written.

use crate::UnixTime;
use crate::ids::*;
use sqlx::any::AnyRow;

use crate::model::parse_or;
use crate::{
    Appointment, CELL_SECS, MAX_APPOINTMENT_SECS, NewAppointment, Status, Store, StoreError, col,
    new_id, retry_write,
};

/// The columns [`appointment_from`] reads, written once for every query that feeds it.
macro_rules! appointment_columns {
    () => {
        "id, therapist_id, client_id, service_id, start_at, end_at, status, override_reason, \
         created_by, created_at, idempotency_key, request_hash, sequence, cancelled_late, awaiting_client"
    };
}

/// Every appointment overlapping `[$1, $2)`; `$3` is `$1` less a day, the longest an
/// appointment lasts.
pub(crate) const APPOINTMENTS_BETWEEN: &str = concat!(
    "SELECT ",
    appointment_columns!(),
    " FROM appointments \
     WHERE start_at < $2 AND start_at > $3 AND end_at > $1 ORDER BY start_at, id"
);

/// A therapist's (`$1`) appointments overlapping `[$2, $3)`; `$4` is `$2` less a day.
pub(crate) const APPOINTMENTS_FOR_THERAPIST: &str = concat!(
    "SELECT ",
    appointment_columns!(),
    " FROM appointments \
     WHERE therapist_id = $1 AND start_at < $3 AND start_at > $4 AND end_at > $2 \
     ORDER BY start_at, id"
);

/// The bookings holding time in `[$1, $2)` and the end of their last cell; `$3` bounds
/// the starts from below. Both parts are read from indexes alone.
pub(crate) const BUSY_INTERVALS_BETWEEN: &str = "SELECT a.id, a.therapist_id, a.start_at, \
     (SELECT MAX(c.cell_start) FROM appointment_cells c WHERE c.appointment_id = a.id) AS last_cell \
     FROM appointments a \
     WHERE a.status <> 'cancelled' AND a.start_at < $2 AND a.start_at > $3";

fn appointment_from(row: &AnyRow) -> Result<Appointment, StoreError> {
    let status: String = col(row, "status")?;
    Ok(Appointment {
        id: col(row, "id")?,
        therapist_id: col(row, "therapist_id")?,
        client_id: col(row, "client_id")?,
        service_id: col(row, "service_id")?,
        start_at: col(row, "start_at")?,
        end_at: col(row, "end_at")?,
        status: parse_or(Status::parse(&status), "status", &status)?,
        override_reason: col(row, "override_reason")?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
        idempotency_key: col(row, "idempotency_key")?,
        request_hash: col(row, "request_hash")?,
        sequence: col(row, "sequence")?,
        cancelled_late: crate::col_bool(row, "cancelled_late")?,
        awaiting_client: crate::col_bool(row, "awaiting_client")?,
    })
}

/// The cell starts covering `[from, until)`: from the cell holding `from` up to the last
/// cell that `until` reaches into. Starts are on the grid, so only an end off the grid
/// (a service stored before lengths were whole steps) is rounded up.
pub fn cells(from: i64, until: i64) -> impl Iterator<Item = i64> {
    let first = from.div_euclid(CELL_SECS) * CELL_SECS;
    (0..)
        .map(move |i| first + i * CELL_SECS)
        .take_while(move |&t| t < until)
}

/// What one attempt at a write transaction found (errors that may be retried travel as
/// `sqlx::Error` beside it).
enum Outcome {
    Done,
    /// A cell of the therapist was already taken.
    Taken,
    /// A cell of the client was already taken.
    ClientTaken,
    /// The idempotency key was already used (by a racer that committed first).
    KeyUsed,
    /// The appointment or service does not exist.
    Missing,
    /// The appointment exists but is not in a state that allows this.
    WrongState(Status),
    /// The waitlist offer being accepted is no longer open.
    OfferGone,
}

pub(crate) fn is_unique(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn check_times(start_at: i64, end_at: i64) -> Result<(), StoreError> {
    if end_at <= start_at {
        return Err(StoreError::Invalid(
            "an appointment must end after it starts".into(),
        ));
    }
    if end_at - start_at > MAX_APPOINTMENT_SECS {
        return Err(StoreError::Invalid(
            "an appointment cannot last over a day".into(),
        ));
    }
    // On the grid, the cells an appointment takes are exactly its time: two bookings
    // conflict when, and only when, their times (buffers included) overlap.
    if start_at.rem_euclid(CELL_SECS) != 0 {
        return Err(StoreError::Invalid(format!(
            "appointments start on the {}-minute grid (10:00, 10:05, …)",
            CELL_SECS / 60
        )));
    }
    Ok(())
}

/// Whose cell was already taken.
enum Clash {
    Therapist,
    Client,
}

/// One multi-row INSERT of `(owner, appointment, cell)` rows: all the cells or none (a
/// unique violation fails the lot). `Ok(false)` when a cell is taken.
pub(crate) async fn insert_rows(
    tx: &mut crate::write::WriteTx,
    table: &str,
    owner_column: &str,
    owner: &str,
    appointment_id: &str,
    cells: &[i64],
) -> Result<bool, sqlx::Error> {
    if cells.is_empty() {
        return Ok(true);
    }
    let values: Vec<String> = (0..cells.len())
        .map(|i| format!("($1, $2, ${})", i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, appointment_id, cell_start) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner)
        .bind(appointment_id);
    for c in cells {
        q = q.bind(*c);
    }
    match q.execute(&mut **tx).await {
        Ok(_) => Ok(true),
        Err(e) if is_unique(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Inserts the therapist's cells of `[start_at, end_at + buffer)` and the client's of
/// `[start_at, end_at)` for `appointment_id`, in ascending order (so two PostgreSQL
/// racers wait on each other instead of deadlocking). `Ok(Some(_))` says whose cell was
/// taken; the caller then drops (rolls back) the transaction.
async fn insert_cells(
    tx: &mut crate::write::WriteTx,
    a: &Appointment,
    therapist_id: &str,
    start_at: i64,
    end_at: i64,
    buffer_min: i64,
) -> Result<Option<Clash>, sqlx::Error> {
    let therapist: Vec<i64> = cells(start_at, end_at + buffer_min * 60).collect();
    if !insert_rows(
        tx,
        "appointment_cells",
        "therapist_id",
        therapist_id,
        &a.id,
        &therapist,
    )
    .await?
    {
        return Ok(Some(Clash::Therapist));
    }
    let client: Vec<i64> = cells(start_at, end_at).collect();
    if !insert_rows(
        tx,
        "client_cells",
        "client_id",
        &a.client_id,
        &a.id,
        &client,
    )
    .await?
    {
        return Ok(Some(Clash::Client));
    }
    Ok(None)
}

/// Queues, in the booking change's own transaction, the message that tells the client of
/// it and, unless cancelled, the reminder the clinic sends `reminder_hours` before (when
/// that is still ahead). One statement; the clinic row gives the reminder's lead.
pub(crate) async fn queue_notices(
    tx: &mut crate::write::WriteTx,
    a: &Appointment,
    kind: crate::NoticeKind,
    now: i64,
) -> Result<(), sqlx::Error> {
    let remind = kind != crate::NoticeKind::Cancelled;
    sqlx::query(
        "INSERT INTO outbox (id, kind, appointment_id, sequence, due_at, created_at) \
         SELECT $1, $2, $3, $4, $5, $5 \
         UNION ALL \
         SELECT $6, 'reminder', $3, $4, $7 - c.reminder_hours * 3600, $5 FROM clinic c \
         WHERE $8 = 1 AND c.reminder_hours > 0 AND $7 - c.reminder_hours * 3600 > $5",
    )
    .bind(new_id::<String>())
    .bind(kind.as_str())
    .bind(&a.id)
    .bind(a.sequence)
    .bind(now)
    .bind(new_id::<String>())
    .bind(a.start_at)
    .bind(i64::from(remind))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Frees every cell an appointment holds, the therapist's and the client's.
async fn delete_cells(tx: &mut crate::write::WriteTx, id: &str) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM appointment_cells WHERE appointment_id = $1",
        "DELETE FROM client_cells WHERE appointment_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Notes `[start_at, end_at)` of `therapist_id` as freed when some waiting client's
/// window covers it, for the waitlist worker to offer; `true` when noted.
async fn note_freed(
    tx: &mut crate::write::WriteTx,
    therapist_id: &str,
    start_at: i64,
    end_at: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if start_at <= now {
        return Ok(false);
    }
    let done = sqlx::query(
        "INSERT INTO freed_times (id, therapist_id, start_at, end_at, created_at) \
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM waitlist w \
         WHERE w.state = 'waiting' AND w.until_at > $3 AND w.from_at < $4 \
         AND (w.therapist_id IS NULL OR w.therapist_id = $2))",
    )
    .bind(new_id::<String>())
    .bind(therapist_id)
    .bind(start_at)
    .bind(end_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// Notes `[start_at, end_at)` of `therapist_id` as open when some waiting client's
    /// window covers it (the owner gave back a day off, lifted a closure or lengthened
    /// the hours), and wakes the waitlist worker; `true` when noted.
    pub async fn note_opened(
        &self,
        therapist_id: &TherapistId,
        start_at: UnixTime,
        end_at: UnixTime,
    ) -> Result<bool, StoreError> {
        let noted = self
            .note_free(therapist_id, start_at.as_second(), end_at.as_second())
            .await?;
        if noted {
            self.waitlist_wake.notify_one();
        }
        Ok(noted)
    }

    /// Puts a freed time back for a later round (one that failed), without waking the
    /// worker; `true` when someone still waits over it.
    pub async fn put_back_freed(&self, t: &crate::FreedTime) -> Result<bool, StoreError> {
        self.note_free(
            &t.therapist_id,
            t.start_at.as_second(),
            t.end_at.as_second(),
        )
        .await
    }

    async fn note_free(
        &self,
        therapist_id: &str,
        start_at: i64,
        end_at: i64,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        let noted = crate::retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            let noted =
                note_freed(&mut tx, therapist_id, start_at, end_at, now.as_second()).await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(noted)
        })?;
        Ok(noted)
    }
}

/// Settles the waitlist offer a booking accepts: open and unexpired, or the booking is
/// rolled back. Its entry is booked and the other open offers of an overlapping time
/// end as taken.
async fn settle_offer(
    tx: &mut crate::write::WriteTx,
    offer_id: &str,
    a: &Appointment,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE waitlist_offers SET state = 'accepted' WHERE id = $1 AND state = 'open' \
         AND expires_at > $2 AND start_at = $3 AND therapist_id = $4",
    )
    .bind(offer_id)
    .bind(now)
    .bind(a.start_at)
    .bind(&a.therapist_id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE waitlist SET state = 'booked', appointment_id = $1 \
         WHERE id = (SELECT entry_id FROM waitlist_offers WHERE id = $2) AND client_id = $3",
    )
    .bind(&a.id)
    .bind(offer_id)
    .bind(&a.client_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE waitlist_offers SET state = 'taken' WHERE state = 'open' AND id <> $1 \
         AND therapist_id = $2 AND start_at < $3 AND end_at > $4",
    )
    .bind(offer_id)
    .bind(&a.therapist_id)
    .bind(a.end_at)
    .bind(a.start_at)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

fn clash_outcome(c: Clash) -> Outcome {
    match c {
        Clash::Therapist => Outcome::Taken,
        Clash::Client => Outcome::ClientTaken,
    }
}

async fn service_buffer(
    tx: &mut crate::write::WriteTx,
    service_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query("SELECT buffer_after_min FROM services WHERE id = $1")
        .bind(service_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| sqlx::Row::try_get::<i64, _>(&r, "buffer_after_min"))
        .transpose()
}

async fn status_of(tx: &mut crate::write::WriteTx, id: &str) -> Result<Outcome, sqlx::Error> {
    let row = sqlx::query("SELECT status FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        None => Outcome::Missing,
        Some(r) => {
            let s: String = sqlx::Row::try_get(&r, "status")?;
            Outcome::WrongState(Status::parse(&s).unwrap_or(Status::Cancelled))
        }
    })
}

impl Store {
    /// Books an appointment: the row and all its cells, or nothing.
    ///
    /// With an idempotency key, a key already used returns the appointment first booked
    /// with it (even when both requests raced).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when any cell of the therapist is taken,
    /// [`StoreError::Invalid`] for bad times or an unknown therapist, client or service.
    pub async fn book(&self, new: NewAppointment) -> Result<Appointment, StoreError> {
        check_times(new.start_at.as_second(), new.end_at.as_second())?;
        // A key already used is found by its unique index when the row is written (and
        // the appointment it booked returned), so it is not looked up first.
        let offer = new.offer_id.clone();
        let a = Appointment {
            id: new_id(),
            therapist_id: new.therapist_id,
            client_id: new.client_id,
            service_id: new.service_id,
            start_at: new.start_at,
            end_at: new.end_at,
            status: Status::Booked,
            override_reason: new.override_reason,
            created_by: new.created_by,
            created_at: self.now(),
            idempotency_key: new.idempotency_key,
            request_hash: new.request_hash,
            sequence: 0,
            cancelled_late: false,
            awaiting_client: false,
        };
        let gate = self.gate().await;
        let outcome = retry_write!(self, self.book_once(&a, offer.as_deref()))?;
        drop(gate);
        match outcome {
            Outcome::Done => {
                self.outbox_wake.notify_one();
                Ok(a)
            }
            Outcome::Taken => {
                // Someone else has the time: an offer of it has ended.
                if let Some(offer) = &offer {
                    self.end_offer(offer, crate::OfferState::Taken).await?;
                }
                Err(StoreError::Conflict)
            }
            Outcome::OfferGone => Err(StoreError::OfferGone),
            Outcome::ClientTaken => Err(StoreError::ClientBusy),
            Outcome::KeyUsed => {
                let key = a.idempotency_key.as_deref().unwrap_or_default();
                self.appointment_by_key(key)
                    .await?
                    .ok_or(StoreError::Conflict)
            }
            Outcome::Missing => Err(StoreError::Invalid(format!(
                "unknown service {:?}",
                a.service_id
            ))),
            Outcome::WrongState(_) => Err(StoreError::Conflict),
        }
    }

    async fn book_once(
        &self,
        a: &Appointment,
        offer: Option<&str>,
    ) -> Result<Outcome, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let Some(buffer) = service_buffer(&mut tx, &a.service_id).await? else {
            return Ok(Outcome::Missing);
        };
        let inserted = sqlx::query(
            "INSERT INTO appointments (id, therapist_id, client_id, service_id, start_at, end_at, status, \
             override_reason, created_by, created_at, idempotency_key, request_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&a.id)
        .bind(&a.therapist_id)
        .bind(&a.client_id)
        .bind(&a.service_id)
        .bind(a.start_at)
        .bind(a.end_at)
        .bind(a.status.as_str())
        .bind(a.override_reason.clone())
        .bind(&a.created_by)
        .bind(a.created_at)
        .bind(a.idempotency_key.clone())
        .bind(a.request_hash.clone())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // The id is 128 random bits: a unique violation here is the idempotency key.
            Err(e) if is_unique(&e) => return Ok(Outcome::KeyUsed),
            Err(e) => return Err(e),
        }
        // An offer no longer open refuses the booking whether or not its time is free.
        if let Some(offer) = offer
            && !settle_offer(&mut tx, offer, a, a.created_at.as_second()).await?
        {
            return Ok(Outcome::OfferGone);
        }
        if let Some(clash) = insert_cells(
            &mut tx,
            a,
            &a.therapist_id,
            a.start_at.as_second(),
            a.end_at.as_second(),
            buffer,
        )
        .await?
        {
            return Ok(clash_outcome(clash));
        }
        queue_notices(
            &mut tx,
            a,
            crate::NoticeKind::Booked,
            a.created_at.as_second(),
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Done)
    }

    /// Cancels a booked appointment and frees its cells. Cancelling a cancelled one
    /// returns it unchanged.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or [`StoreError::Invalid`] when it was completed or a no-show.
    pub async fn cancel(&self, id: &AppointmentId) -> Result<Appointment, StoreError> {
        self.cancel_as(id, false).await
    }

    /// Cancels like [`Store::cancel`], recording whether it came inside the clinic's
    /// cancellation window.
    pub async fn cancel_as(
        &self,
        id: &AppointmentId,
        late: bool,
    ) -> Result<Appointment, StoreError> {
        let gate = self.gate().await;
        let outcome = retry_write!(self, self.finish_once(id, Status::Cancelled, late))?;
        drop(gate);
        match outcome {
            Outcome::Done => {
                self.outbox_wake.notify_one();
                self.waitlist_wake.notify_one();
                self.appointment(id).await
            }
            Outcome::WrongState(Status::Cancelled) => self.appointment(id).await,
            Outcome::Missing => Err(StoreError::NotFound),
            other => Err(state_error(other)),
        }
    }

    /// Marks a booked appointment completed or a no-show (its cells stay taken).
    pub async fn set_status(
        &self,
        id: &AppointmentId,
        status: Status,
    ) -> Result<Appointment, StoreError> {
        if status == Status::Booked {
            return Err(StoreError::Invalid("use book or reschedule to book".into()));
        }
        let gate = self.gate().await;
        let outcome = retry_write!(self, self.finish_once(id, status, false))?;
        drop(gate);
        match outcome {
            Outcome::Done => self.appointment(id).await,
            Outcome::WrongState(s) if s == status => self.appointment(id).await,
            Outcome::Missing => Err(StoreError::NotFound),
            other => Err(state_error(other)),
        }
    }

    async fn finish_once(
        &self,
        id: &str,
        status: Status,
        late: bool,
    ) -> Result<Outcome, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        // The guarded UPDATE comes first: on PostgreSQL it locks the row, so a racing
        // reschedule or cancel waits and then finds the status changed.
        let cancelling = status == Status::Cancelled;
        let done = sqlx::query(
            "UPDATE appointments SET status = $1, sequence = sequence + $2, cancelled_late = $3, \
             awaiting_client = 0 WHERE id = $4 AND status = 'booked'",
        )
        .bind(status.as_str())
        .bind(i64::from(cancelling))
        .bind(i64::from(cancelling && late))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return status_of(&mut tx, id).await;
        }
        if cancelling {
            delete_cells(&mut tx, id).await?;
            let row = sqlx::query(concat!(
                "SELECT ",
                appointment_columns!(),
                " FROM appointments WHERE id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let a =
                appointment_from(&row).map_err(|e| sqlx::Error::Decode(e.to_string().into()))?;
            let now = self.now();
            queue_notices(&mut tx, &a, crate::NoticeKind::Cancelled, now.as_second()).await?;
            note_freed(
                &mut tx,
                &a.therapist_id,
                a.start_at.as_second(),
                a.end_at.as_second(),
                now.as_second(),
            )
            .await?;
            // A race-week session cancelled: the runner's request no longer stands booked
            // (they may ask again, or be added again), and the event's key is freed so a
            // later run can give them another time.
            if a.idempotency_key
                .as_deref()
                .is_some_and(|k| k.starts_with("race:"))
            {
                sqlx::query(
                    "UPDATE race_requests SET state = 'withdrawn', appointment_id = NULL, \
                     reason = $2 WHERE appointment_id = $1 AND state = 'booked'",
                )
                .bind(id)
                .bind(crate::race_week::CANCELLED_REASON)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE appointments SET idempotency_key = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Outcome::Done)
    }

    /// Moves a booked appointment to new times (and optionally another therapist): old
    /// cells out, new cells in, row updated — all or nothing.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a new cell is taken (the appointment is unchanged),
    /// [`StoreError::NotFound`], [`StoreError::Invalid`] when it is not booked.
    pub async fn reschedule(
        &self,
        id: &AppointmentId,
        start_at: UnixTime,
        end_at: UnixTime,
        therapist_id: Option<&TherapistId>,
    ) -> Result<Appointment, StoreError> {
        self.reschedule_by(id, start_at, end_at, therapist_id, false)
            .await
    }

    /// Moves a booking as [`Store::reschedule`] does; `by_clinic` marks it as waiting
    /// for the client to keep the new time or choose another (a move by the client
    /// clears that), in the same transaction as the move and its email.
    pub async fn reschedule_by(
        &self,
        id: &AppointmentId,
        start_at: UnixTime,
        end_at: UnixTime,
        therapist_id: Option<&TherapistId>,
        by_clinic: bool,
    ) -> Result<Appointment, StoreError> {
        check_times(start_at.as_second(), end_at.as_second())?;
        let gate = self.gate().await;
        let outcome = retry_write!(
            self,
            self.reschedule_once(
                id,
                start_at.as_second(),
                end_at.as_second(),
                therapist_id,
                by_clinic
            )
        )?;
        drop(gate);
        match outcome {
            Outcome::Done => {
                self.outbox_wake.notify_one();
                self.waitlist_wake.notify_one();
                self.appointment(id).await
            }
            Outcome::Taken => Err(StoreError::Conflict),
            Outcome::ClientTaken => Err(StoreError::ClientBusy),
            Outcome::Missing => Err(StoreError::NotFound),
            other => Err(state_error(other)),
        }
    }

    async fn reschedule_once(
        &self,
        id: &AppointmentId,
        start_at: i64,
        end_at: i64,
        therapist_id: Option<&TherapistId>,
        by_clinic: bool,
    ) -> Result<Outcome, sqlx::Error> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        // The time being left, noted before the row changes (rolled back with the rest
        // when the move fails).
        sqlx::query(
            "INSERT INTO freed_times (id, therapist_id, start_at, end_at, created_at) \
             SELECT $1, a.therapist_id, a.start_at, a.end_at, $2 FROM appointments a \
             WHERE a.id = $3 AND a.status = 'booked' AND a.start_at > $2 AND EXISTS \
             (SELECT 1 FROM waitlist w WHERE w.state = 'waiting' AND w.until_at > a.start_at \
             AND w.from_at < a.end_at AND (w.therapist_id IS NULL OR w.therapist_id = a.therapist_id))",
        )
        .bind(new_id::<String>())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE appointments SET start_at = $1, end_at = $2, therapist_id = COALESCE($3, therapist_id), \
             sequence = sequence + 1, awaiting_client = $5 WHERE id = $4 AND status = 'booked'",
        )
        .bind(start_at)
        .bind(end_at)
        .bind(therapist_id.cloned())
        .bind(id)
        .bind(i64::from(by_clinic))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return status_of(&mut tx, id).await;
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            appointment_columns!(),
            " FROM appointments WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let a = appointment_from(&row).map_err(|e| sqlx::Error::Decode(e.to_string().into()))?;
        let buffer = service_buffer(&mut tx, &a.service_id).await?.unwrap_or(0);
        delete_cells(&mut tx, id).await?;
        if let Some(clash) =
            insert_cells(&mut tx, &a, &a.therapist_id, start_at, end_at, buffer).await?
        {
            return Ok(clash_outcome(clash));
        }
        queue_notices(&mut tx, &a, crate::NoticeKind::Rescheduled, now.as_second()).await?;
        tx.commit().await?;
        Ok(Outcome::Done)
    }

    /// The client keeps the time the clinic moved their booking to. `NotFound` when the
    /// booking is not waiting for that.
    pub async fn keep_moved_time(&self, id: &AppointmentId) -> Result<Appointment, StoreError> {
        let _gate = self.gate().await;
        let done = sqlx::query(
            "UPDATE appointments SET awaiting_client = 0 WHERE id = $1 AND awaiting_client = 1 \
             AND status = 'booked'",
        )
        .bind(id)
        .execute(&mut *self.wconn().await?)
        .await?;
        crate::found(done)?;
        drop(_gate);
        self.appointment(id).await
    }

    pub async fn appointment(&self, id: &AppointmentId) -> Result<Appointment, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            appointment_columns!(),
            " FROM appointments WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        appointment_from(&row)
    }

    pub async fn appointment_by_key(&self, key: &str) -> Result<Option<Appointment>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            appointment_columns!(),
            " FROM appointments WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(self.db()?)
        .await?;
        row.as_ref().map(appointment_from).transpose()
    }

    /// A therapist's appointments of every status that overlap `[from, to)`, by start.
    pub async fn appointments_for_therapist(
        &self,
        therapist_id: &TherapistId,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<Appointment>, StoreError> {
        let rows = sqlx::query(APPOINTMENTS_FOR_THERAPIST)
            .bind(therapist_id)
            .bind(from)
            .bind(to)
            .bind(from - MAX_APPOINTMENT_SECS)
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(appointment_from).collect()
    }

    /// Every appointment of every status overlapping `[from, to)`, by start.
    pub async fn appointments_between(
        &self,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<Appointment>, StoreError> {
        let rows = sqlx::query(APPOINTMENTS_BETWEEN)
            .bind(from)
            .bind(to)
            // An appointment lasts at most a day: earlier starts cannot reach `from`,
            // and the index on start_at skips them instead of reading all history.
            .bind(from - MAX_APPOINTMENT_SECS)
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(appointment_from).collect()
    }

    /// A client's appointments of every status starting within `[from, to)`, by start.
    pub async fn appointments_for_client_between(
        &self,
        client_id: &ClientId,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<Appointment>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            appointment_columns!(),
            " FROM appointments WHERE client_id = $1 AND start_at >= $2 AND start_at < $3 \
             ORDER BY start_at, id"
        ))
        .bind(client_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(appointment_from).collect()
    }

    /// A client's appointments of every status, by start.
    pub async fn appointments_for_client(
        &self,
        client_id: &ClientId,
    ) -> Result<Vec<Appointment>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            appointment_columns!(),
            " FROM appointments WHERE client_id = $1 ORDER BY start_at, id"
        ))
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(appointment_from).collect()
    }

    /// Starts of the therapist's taken cells (buffers included) within `[from, to)`,
    /// ascending: what slot search must avoid.
    pub async fn busy_cells(
        &self,
        therapist_id: &TherapistId,
        from: i64,
        to: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT cell_start FROM appointment_cells WHERE therapist_id = $1 AND cell_start >= $2 AND cell_start < $3 \
             ORDER BY cell_start",
        )
        .bind(therapist_id)
        .bind(from.div_euclid(CELL_SECS) * CELL_SECS)
        .bind(to)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(|r| col(r, "cell_start")).collect()
    }

    /// Bookings that hold time within `[from, to)`, buffers included: (appointment id,
    /// therapist, start, end of the last cell it holds). The end is what the booking
    /// holds, not what its service's buffer is today: a buffer changed since leaves
    /// earlier bookings holding what they held. Cancelled ones hold none.
    pub async fn busy_intervals_between(
        &self,
        from: UnixTime,
        to: UnixTime,
    ) -> Result<Vec<(AppointmentId, TherapistId, UnixTime, UnixTime)>, StoreError> {
        let rows = sqlx::query(BUSY_INTERVALS_BETWEEN)
            .bind(from)
            .bind(to)
            // An appointment lasts at most a day and a buffer at most four hours: earlier
            // starts cannot reach `from`, and the index on start_at skips them.
            .bind(from - 2 * 86_400)
            .fetch_all(self.db()?)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let last: Option<i64> = col(r, "last_cell")?;
            let Some(last) = last else { continue };
            let until = UnixTime::from_second(last + CELL_SECS);
            if until > from {
                out.push((
                    col(r, "id")?,
                    col(r, "therapist_id")?,
                    col(r, "start_at")?,
                    until,
                ));
            }
        }
        Ok(out)
    }

    /// The cells held by one appointment, ascending.
    pub async fn cells_of(&self, appointment_id: &AppointmentId) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT cell_start FROM appointment_cells WHERE appointment_id = $1 ORDER BY cell_start")
            .bind(appointment_id)
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(|r| col(r, "cell_start")).collect()
    }
}

fn state_error(o: Outcome) -> StoreError {
    match o {
        Outcome::WrongState(s) => StoreError::Invalid(format!("the appointment is {}", s.as_str())),
        Outcome::Taken => StoreError::Conflict,
        _ => StoreError::Invalid("unexpected appointment state".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::cells;

    #[test]
    fn cells_cover_every_five_minutes_touched() {
        assert_eq!(cells(600, 1200).collect::<Vec<_>>(), vec![600, 900]);
        assert_eq!(cells(650, 1201).collect::<Vec<_>>(), vec![600, 900, 1200]);
        assert_eq!(cells(-10, 10).collect::<Vec<_>>(), vec![-300, 0]);
        assert_eq!(cells(600, 600).count(), 0);
    }
}
