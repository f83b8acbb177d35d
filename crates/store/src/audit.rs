//! The audit log: one row for each time someone reads or changes a client's intake or
//! session notes, for the owner to read.

use crate::ids::*;
use sqlx::any::AnyRow;

use crate::{AuditEntry, Store, StoreError, col, new_id, retry_write};

fn entry_from(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: col(row, "at")?,
        actor: col(row, "actor")?,
        action: col(row, "action")?,
        client_id: col(row, "client_id")?,
        subject: col(row, "subject")?,
    })
}

/// The newest `$2` entries about client `$1`.
pub(crate) const AUDIT_OF_CLIENT: &str = "SELECT at, actor, action, client_id, subject \
     FROM audit_log WHERE client_id = $1 ORDER BY at DESC, id LIMIT $2";

/// The newest `$1` entries.
pub(crate) const AUDIT_LATEST: &str = "SELECT at, actor, action, client_id, subject \
     FROM audit_log ORDER BY at DESC, id LIMIT $1";

impl Store {
    /// Records that `actor` (`staff:ID` or `client:ID`) did `action` to `client_id`'s
    /// record (`subject` names the note or part, when there is one).
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        client_id: Option<&ClientId>,
        subject: &str,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        retry_write!(
            self,
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor, action, client_id, subject) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id::<String>())
            .bind(self.now())
            .bind(actor)
            .bind(action)
            .bind(client_id.cloned())
            .bind(subject)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(())
    }

    /// The newest entries, for one client or all, at most `limit` (1–1000).
    pub async fn audit_entries(
        &self,
        client_id: Option<&ClientId>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = limit.clamp(1, 1000);
        // One statement each, so each is read by its own index (a filter written as
        // "no client, or this one" would walk the whole log by time).
        let rows = match client_id.filter(|c| !c.is_empty()) {
            Some(c) => {
                sqlx::query(AUDIT_OF_CLIENT)
                    .bind(c)
                    .bind(limit)
                    .fetch_all(self.db()?)
                    .await?
            }
            None => {
                sqlx::query(AUDIT_LATEST)
                    .bind(limit)
                    .fetch_all(self.db()?)
                    .await?
            }
        };
        rows.iter().map(entry_from).collect()
    }
}
