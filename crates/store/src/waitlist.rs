//! The waitlist: clients waiting for a time in a window, the freed times a cancellation
//! or a move leaves (noted in that change's own transaction, see `booking.rs`), and the
//! offers of those times, each emailed through the outbox.
//!
//! A freed time is taken once: the worker deletes its row as it reads it (with SKIP
//! LOCKED on PostgreSQL), so two instances never offer one time twice. Who gets an
//! offered time is decided by the booking that accepts it: its cells are the time's,
//! so of two clients accepting at once one books and the other is told it was taken.

use crate::UnixTime;
use crate::ids::*;
use sqlx::any::AnyRow;

use crate::model::parse_or;
use crate::{
    FreedTime, NewOffer, NewWaitEntry, Offer, OfferState, Store, StoreError, WaitEntry, WaitState,
    col, new_id, retry_write,
};

/// Most windows one client waits on at once.
pub const MAX_WAITING_PER_CLIENT: i64 = 5;

macro_rules! entry_columns {
    () => {
        "id, client_id, service_id, therapist_id, from_at, until_at, note, state, appointment_id, created_at"
    };
}

macro_rules! offer_columns {
    () => {
        "id, entry_id, therapist_id, start_at, end_at, state, expires_at, created_at"
    };
}

fn entry_from(row: &AnyRow) -> Result<WaitEntry, StoreError> {
    let state: String = col(row, "state")?;
    Ok(WaitEntry {
        id: col(row, "id")?,
        client_id: col(row, "client_id")?,
        service_id: col(row, "service_id")?,
        therapist_id: col(row, "therapist_id")?,
        from_at: col(row, "from_at")?,
        until_at: col(row, "until_at")?,
        note: col(row, "note")?,
        state: parse_or(WaitState::parse(&state), "waitlist state", &state)?,
        appointment_id: col(row, "appointment_id")?,
        created_at: col(row, "created_at")?,
    })
}

fn offer_from(row: &AnyRow) -> Result<Offer, StoreError> {
    let state: String = col(row, "state")?;
    Ok(Offer {
        id: col(row, "id")?,
        entry_id: col(row, "entry_id")?,
        therapist_id: col(row, "therapist_id")?,
        start_at: col(row, "start_at")?,
        end_at: col(row, "end_at")?,
        state: parse_or(OfferState::parse(&state), "offer state", &state)?,
        expires_at: col(row, "expires_at")?,
        created_at: col(row, "created_at")?,
    })
}

fn freed_from(row: &AnyRow) -> Result<FreedTime, StoreError> {
    Ok(FreedTime {
        therapist_id: col(row, "therapist_id")?,
        start_at: col(row, "start_at")?,
        end_at: col(row, "end_at")?,
    })
}

/// Notes a time again for offering when no offer of it is still open (an accepted one
/// holds its time by the booking's cells, which slot search sees).
const REOFFER: &str = "INSERT INTO freed_times (id, therapist_id, start_at, end_at, created_at) \
     SELECT $1, o.therapist_id, o.start_at, o.end_at, $2 FROM waitlist_offers o WHERE o.id = $3 \
     AND o.start_at > $2 AND NOT EXISTS (SELECT 1 FROM waitlist_offers p \
     WHERE p.therapist_id = o.therapist_id AND p.state = 'open' \
     AND p.start_at < o.end_at AND p.end_at > o.start_at)";

impl Store {
    /// Puts a client on the waitlist.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty window or when the client already waits on
    /// [`MAX_WAITING_PER_CLIENT`] windows; [`StoreError::Invalid`] for an unknown client,
    /// service or therapist.
    pub async fn join_waitlist(&self, new: NewWaitEntry) -> Result<WaitEntry, StoreError> {
        if new.until_at <= new.from_at {
            return Err(StoreError::Invalid(
                "the window must end after it starts".into(),
            ));
        }
        let e = WaitEntry {
            id: new_id(),
            client_id: new.client_id,
            service_id: new.service_id,
            therapist_id: new.therapist_id,
            from_at: new.from_at,
            until_at: new.until_at,
            note: new.note,
            state: WaitState::Waiting,
            appointment_id: None,
            created_at: self.now(),
        };
        let _gate = self.gate().await;
        let done = retry_write!(
            self,
            sqlx::query(
                "INSERT INTO waitlist (id, client_id, service_id, therapist_id, from_at, until_at, note, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE (SELECT COUNT(*) FROM waitlist \
                 WHERE client_id = $2 AND state = 'waiting' AND until_at > $8) < $9",
            )
            .bind(&e.id)
            .bind(&e.client_id)
            .bind(&e.service_id)
            .bind(e.therapist_id.clone())
            .bind(e.from_at)
            .bind(e.until_at)
            .bind(&e.note)
            .bind(e.created_at)
            .bind(MAX_WAITING_PER_CLIENT)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "already waiting on {MAX_WAITING_PER_CLIENT} windows"
            )));
        }
        Ok(e)
    }

    pub async fn wait_entry(&self, id: &WaitId) -> Result<WaitEntry, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM waitlist WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        entry_from(&row)
    }

    /// The entries with these ids (ids not on file are left out), one read per 200.
    pub async fn wait_entries_with_ids(
        &self,
        ids: &[WaitId],
    ) -> Result<Vec<WaitEntry>, StoreError> {
        self.rows_with_ids(entry_columns!(), "waitlist", "id", ids, entry_from)
            .await
    }

    /// Entries still waiting (window not yet over), for one client or for everyone,
    /// soonest window first, at most 500.
    pub async fn waiting(
        &self,
        client_id: Option<&ClientId>,
    ) -> Result<Vec<WaitEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM waitlist WHERE state = 'waiting' AND until_at > $1 \
             AND ($2 = '' OR client_id = $2) ORDER BY from_at, created_at, id LIMIT 500"
        ))
        .bind(self.now())
        .bind(client_id.map_or("", ClientId::as_str))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    /// Takes a waiting client off the waitlist; their open offers end as declined (and
    /// those times go to the next in line).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no waiting entry has that id.
    pub async fn withdraw_wait(&self, id: &WaitId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let done = retry_write!(self, self.withdraw_once(id))?;
        if done {
            self.waitlist_wake.notify_one();
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn withdraw_once(&self, id: &str) -> Result<bool, sqlx::Error> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE waitlist SET state = 'withdrawn' WHERE id = $1 AND state = 'waiting'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        // A race-week request waiting on this entry is withdrawn with it, so a later
        // booking run does not place the runner after all.
        sqlx::query(
            "UPDATE race_requests SET state = 'withdrawn', reason = '' WHERE wait_id = $1 AND state = 'waitlisted'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let open: Vec<String> =
            sqlx::query("SELECT id FROM waitlist_offers WHERE entry_id = $1 AND state = 'open'")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| sqlx::Row::try_get(r, "id"))
                .collect::<Result<_, _>>()?;
        for offer in &open {
            sqlx::query("UPDATE waitlist_offers SET state = 'declined' WHERE id = $1")
                .bind(offer)
                .execute(&mut *tx)
                .await?;
            sqlx::query(REOFFER)
                .bind(new_id::<String>())
                .bind(now)
                .bind(offer)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Waiting entries whose window overlaps `t`, that may take its therapist, hold no
    /// open offer and did not let an offer of this time pass (declined or expired): the
    /// candidates for an offer of it, first come first, at most 100.
    pub async fn waiting_for(&self, t: &FreedTime) -> Result<Vec<WaitEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM waitlist w WHERE w.state = 'waiting' AND w.until_at > $1 AND w.from_at < $2 \
             AND w.until_at > $4 AND (w.therapist_id IS NULL OR w.therapist_id = $3) \
             AND NOT EXISTS (SELECT 1 FROM waitlist_offers o WHERE o.entry_id = w.id \
             AND (o.state = 'open' OR (o.state IN ('declined', 'expired') \
             AND o.therapist_id = $3 AND o.start_at < $2 AND o.end_at > $1))) \
             ORDER BY w.created_at, w.id LIMIT 100"
        ))
        .bind(t.start_at)
        .bind(t.end_at)
        .bind(&t.therapist_id)
        .bind(self.now())
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    /// Makes the offers of one time and queues their emails, in one transaction; none
    /// when an offer overlapping that therapist's time is already open.
    pub async fn make_offers(&self, offers: &[NewOffer]) -> Result<Vec<Offer>, StoreError> {
        let Some(first) = offers.first() else {
            return Ok(Vec::new());
        };
        let made: Vec<Offer> = offers
            .iter()
            .map(|o| Offer {
                id: new_id(),
                entry_id: o.entry_id.clone(),
                therapist_id: o.therapist_id.clone(),
                start_at: o.start_at,
                end_at: o.end_at,
                state: OfferState::Open,
                expires_at: o.expires_at,
                created_at: self.now(),
            })
            .collect();
        let span = (
            offers
                .iter()
                .map(|o| o.start_at)
                .min()
                .unwrap_or(first.start_at),
            offers
                .iter()
                .map(|o| o.end_at)
                .max()
                .unwrap_or(first.end_at),
        );
        let _gate = self.gate().await;
        let done = retry_write!(self, self.offer_once(&made, &first.therapist_id, span))?;
        if done {
            self.outbox_wake.notify_one();
            Ok(made)
        } else {
            Ok(Vec::new())
        }
    }

    async fn offer_once(
        &self,
        made: &[Offer],
        therapist_id: &str,
        (from, until): (UnixTime, UnixTime),
    ) -> Result<bool, sqlx::Error> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let busy = sqlx::query(
            "SELECT id FROM waitlist_offers WHERE therapist_id = $1 AND state = 'open' \
             AND start_at < $2 AND end_at > $3 LIMIT 1",
        )
        .bind(therapist_id)
        .bind(until)
        .bind(from)
        .fetch_optional(&mut *tx)
        .await?;
        if busy.is_some() {
            return Ok(false);
        }
        for o in made {
            sqlx::query(
                "INSERT INTO waitlist_offers (id, entry_id, therapist_id, start_at, end_at, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&o.id)
            .bind(&o.entry_id)
            .bind(&o.therapist_id)
            .bind(o.start_at)
            .bind(o.end_at)
            .bind(o.expires_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO outbox (id, kind, offer_id, sequence, due_at, created_at) \
                 VALUES ($1, 'offer', $2, 0, $3, $3)",
            )
            .bind(new_id::<String>())
            .bind(&o.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Takes up to `limit` freed times, oldest first; each is handed out once.
    pub async fn take_freed(&self, limit: usize) -> Result<Vec<FreedTime>, StoreError> {
        let sql = if self.is_sqlite() {
            "DELETE FROM freed_times WHERE id = (SELECT id FROM freed_times \
             ORDER BY created_at, id LIMIT 1) RETURNING therapist_id, start_at, end_at"
        } else {
            "DELETE FROM freed_times WHERE id = (SELECT id FROM freed_times \
             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING therapist_id, start_at, end_at"
        };
        // A read first, so an idle worker's look costs no write.
        let any = sqlx::query("SELECT id FROM freed_times LIMIT 1")
            .fetch_optional(self.db()?)
            .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for _ in 0..limit {
            let _gate = self.gate().await;
            let row = retry_write!(
                self,
                sqlx::query(sql).fetch_optional(&mut *self.wconn_sqlx().await?)
            )?;
            match row {
                Some(r) => out.push(freed_from(&r)?),
                None => break,
            }
        }
        Ok(out)
    }

    /// Ends the open offers past their expiry, and notes each time none of whose
    /// offers is still open for the next in line; how many offers ended.
    pub async fn expire_offers(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let due: Vec<OfferId> = sqlx::query(
            "SELECT id FROM waitlist_offers WHERE state = 'open' AND expires_at <= $1 LIMIT 200",
        )
        .bind(now)
        .fetch_all(self.db()?)
        .await?
        .iter()
        .map(|r| col(r, "id"))
        .collect::<Result<_, _>>()?;
        let mut ended = 0;
        for id in &due {
            if self.end_offer(id, OfferState::Expired).await? {
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Ends an open offer as `state` (declined, expired or taken); for declined and
    /// expired, the time goes back for the next in line. `false` when it was not open.
    pub async fn end_offer(&self, id: &OfferId, state: OfferState) -> Result<bool, StoreError> {
        let _gate = self.gate().await;
        let done = retry_write!(self, self.end_once(id, state))?;
        if done {
            self.waitlist_wake.notify_one();
        }
        Ok(done)
    }

    async fn end_once(&self, id: &str, state: OfferState) -> Result<bool, sqlx::Error> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE waitlist_offers SET state = $1 WHERE id = $2 AND state = 'open'")
                .bind(state.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if state != OfferState::Taken {
            sqlx::query(REOFFER)
                .bind(new_id::<String>())
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn offer(&self, id: &OfferId) -> Result<Offer, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            offer_columns!(),
            " FROM waitlist_offers WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        offer_from(&row)
    }

    /// The offers still open (and unexpired) to one client, or to anyone, soonest first.
    pub async fn open_offers(
        &self,
        client_id: Option<&ClientId>,
    ) -> Result<Vec<Offer>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.id, o.entry_id, o.therapist_id, o.start_at, o.end_at, o.state, o.expires_at, \
             o.created_at FROM waitlist_offers o JOIN waitlist w ON w.id = o.entry_id \
             WHERE o.state = 'open' AND o.expires_at > $1 AND ($2 = '' OR w.client_id = $2) \
             ORDER BY o.start_at, o.id LIMIT 500",
        )
        .bind(self.now())
        .bind(client_id.map_or("", ClientId::as_str))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(offer_from).collect()
    }
}
