//! The outbox: messages to clients, queued in the same transaction as the booking change
//! they tell of (see `booking.rs`), claimed by one worker at a time and marked sent,
//! skipped, retried later or failed.
//!
//! A claim is a lease: the guarded UPDATE sets `claimed_until` only where it has passed,
//! so two workers — in one process or in two instances on one PostgreSQL — never hold
//! the same message at once. A worker that dies mid-send loses its lease and the message
//! is tried again after it runs out.

use crate::UnixTime;
use crate::ids::*;
use sqlx::any::AnyRow;

use crate::model::parse_or;
use crate::{
    Notice, NoticeKind, NoticeState, OutboxCounts, Store, StoreError, col, new_id, retry_write,
};

macro_rules! notice_columns {
    () => {
        "id, kind, appointment_id, offer_id, wait_id, sequence, state, due_at, attempts, last_error, created_at, sent_at"
    };
}

fn notice_from(row: &AnyRow) -> Result<Notice, StoreError> {
    let kind: String = col(row, "kind")?;
    let state: String = col(row, "state")?;
    Ok(Notice {
        id: col(row, "id")?,
        kind: parse_or(NoticeKind::parse(&kind), "notice kind", &kind)?,
        appointment_id: col(row, "appointment_id")?,
        offer_id: col(row, "offer_id")?,
        wait_id: col(row, "wait_id")?,
        sequence: col(row, "sequence")?,
        state: parse_or(NoticeState::parse(&state), "notice state", &state)?,
        due_at: col(row, "due_at")?,
        attempts: col(row, "attempts")?,
        last_error: col(row, "last_error")?,
        created_at: col(row, "created_at")?,
        sent_at: col(row, "sent_at")?,
    })
}

/// A message held by one worker until `done` or `failed` is called, or its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub notice: Notice,
    /// The claim's own secret: only its holder can settle the message.
    claim: String,
}

/// Longest error text kept with a message.
const MAX_ERROR_CHARS: usize = 500;

/// Sent messages are counted over this many days; older ones stay on file uncounted.
pub(crate) const SENT_COUNTED_DAYS: i64 = 30;

/// Queued (and of those, due by `$1`) and failed messages, and those sent since `$2`:
/// each part a range of an index on the state, so the count does not grow with the years
/// of messages sent.
pub(crate) const OUTBOX_COUNTS: &str = "SELECT state, \
     SUM(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END) AS due, COUNT(*) AS n \
     FROM outbox WHERE state IN ('queued', 'failed') GROUP BY state \
     UNION ALL \
     SELECT 'sent' AS state, 0 AS due, COUNT(*) AS n FROM outbox \
     WHERE state = 'sent' AND sent_at > $2";

impl Store {
    /// Takes the next message due now, for `lease_secs`; `None` when none is due.
    pub async fn claim_notice(&self, lease_secs: i64) -> Result<Option<Claimed>, StoreError> {
        // A read first, so an idle worker's look costs no write.
        let due = sqlx::query(
            "SELECT id FROM outbox WHERE state = 'queued' AND due_at <= $1 AND claimed_until <= $1 LIMIT 1",
        )
        .bind(self.now())
        .fetch_optional(self.db()?)
        .await?;
        if due.is_none() {
            return Ok(None);
        }
        let claim: String = new_id();
        let gate = self.gate().await;
        let row = retry_write!(self, self.claim_once(&claim, lease_secs))?;
        drop(gate);
        row.as_ref()
            .map(|r| {
                Ok(Claimed {
                    notice: notice_from(r)?,
                    claim: claim.clone(),
                })
            })
            .transpose()
    }

    async fn claim_once(
        &self,
        claim: &str,
        lease_secs: i64,
    ) -> Result<Option<AnyRow>, sqlx::Error> {
        let now = self.now();
        // On PostgreSQL a racer skips the row another worker is claiming instead of
        // waiting for it and then finding it taken; SQLite has one writer anyway.
        let sql = if self.is_sqlite() {
            concat!(
                "UPDATE outbox SET claimed_until = $1, claim = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND due_at <= $3 \
                 AND claimed_until <= $3 ORDER BY due_at, id LIMIT 1) \
                 AND state = 'queued' AND claimed_until <= $3 RETURNING ",
                notice_columns!()
            )
        } else {
            concat!(
                "UPDATE outbox SET claimed_until = $1, claim = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND due_at <= $3 \
                 AND claimed_until <= $3 ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 AND state = 'queued' AND claimed_until <= $3 RETURNING ",
                notice_columns!()
            )
        };
        sqlx::query(sql)
            .bind(now + lease_secs.max(1))
            .bind(claim)
            .bind(now)
            .fetch_optional(&mut *self.wconn_sqlx().await?)
            .await
    }

    /// Settles a claimed message as sent or skipped, with a note (why it was skipped).
    /// `false` when the claim had lapsed and another worker holds the message now.
    pub async fn notice_done(
        &self,
        c: &Claimed,
        state: NoticeState,
        note: &str,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        let done = retry_write!(
            self,
            sqlx::query(
                "UPDATE outbox SET state = $1, sent_at = $2, claimed_until = 0, claim = NULL, \
                 last_error = $5 WHERE id = $3 AND claim = $4",
            )
            .bind(state.as_str())
            .bind(now)
            .bind(&c.notice.id)
            .bind(&c.claim)
            .bind(note)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: queued again at `retry_at`, or failed for good when
    /// `None`.
    pub async fn notice_failed(
        &self,
        c: &Claimed,
        error: &str,
        retry_at: Option<UnixTime>,
    ) -> Result<bool, StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let (state, due) = match retry_at {
            Some(t) => (NoticeState::Queued, t),
            None => (NoticeState::Failed, c.notice.due_at),
        };
        let _gate = self.gate().await;
        let done = retry_write!(
            self,
            sqlx::query(
                "UPDATE outbox SET state = $1, due_at = $2, last_error = $3, claimed_until = 0, \
                 claim = NULL WHERE id = $4 AND claim = $5",
            )
            .bind(state.as_str())
            .bind(due)
            .bind(&error)
            .bind(&c.notice.id)
            .bind(&c.claim)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts a failed message back in the queue, due now, with its attempts reset.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no failed message has that id.
    pub async fn retry_notice(&self, id: &NoticeId) -> Result<(), StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        let done = retry_write!(
            self,
            sqlx::query(
                "UPDATE outbox SET state = 'queued', attempts = 0, due_at = $1, last_error = '' \
                 WHERE id = $2 AND state = 'failed'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        crate::found(done)
    }

    /// How many messages stand in each state.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let now = self.now();
        let rows = sqlx::query(OUTBOX_COUNTS)
            .bind(now)
            .bind(now - SENT_COUNTED_DAYS * 86_400)
            .fetch_all(self.db()?)
            .await?;
        let mut c = OutboxCounts::default();
        for r in &rows {
            let state: String = col(r, "state")?;
            let due: i64 = col(r, "due")?;
            let n: i64 = col(r, "n")?;
            match NoticeState::parse(&state) {
                Some(NoticeState::Queued) => {
                    c.waiting += due;
                    c.later += n - due;
                }
                Some(NoticeState::Sent) => c.sent += n,
                Some(NoticeState::Failed) => c.failed += n,
                Some(NoticeState::Skipped) | None => {}
            }
        }
        Ok(c)
    }

    /// Messages in `state`, newest first, at most `limit`.
    pub async fn notices(&self, state: NoticeState, limit: i64) -> Result<Vec<Notice>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            notice_columns!(),
            " FROM outbox WHERE state = $1 ORDER BY due_at DESC, id LIMIT $2"
        ))
        .bind(state.as_str())
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(notice_from).collect()
    }

    /// Every message about one appointment, by the change it tells of, then when due.
    pub async fn notices_for(
        &self,
        appointment_id: &AppointmentId,
    ) -> Result<Vec<Notice>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            notice_columns!(),
            " FROM outbox WHERE appointment_id = $1 ORDER BY sequence, due_at, id"
        ))
        .bind(appointment_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(notice_from).collect()
    }
}
