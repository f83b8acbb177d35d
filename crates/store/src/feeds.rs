//! Calendar feed tokens (one secret per therapist or client, stored as a hash) and the
//! lookups the server's access rules need: which clients a therapist treats, which
//! note belongs to which appointment, clients by email.

use crate::UnixTime;
use crate::ids::*;
use crate::{Client, Store, StoreError, col};

/// Whose appointments a feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOwner {
    Therapist(TherapistId),
    Client(ClientId),
}

/// Whether therapist `$1` treats client `$2`: a completed appointment, or a booked one
/// ending after `$3`.
pub(crate) const TREATS: &str = "SELECT COUNT(*) AS n FROM appointments \
     WHERE therapist_id = $1 AND client_id = $2 \
     AND (status = 'completed' OR (status = 'booked' AND end_at > $3))";

/// The clients therapist `$1` treats, as [`TREATS`] reads it (`$2` for its `$3`).
pub(crate) const CLIENTS_OF_THERAPIST: &str = "SELECT DISTINCT client_id FROM appointments \
     WHERE therapist_id = $1 \
     AND (status = 'completed' OR (status = 'booked' AND end_at > $2)) ORDER BY client_id";

impl Store {
    /// Records a feed token hash for a therapist or a client. An owner may have several
    /// (a new one is made when the old link is revoked).
    pub async fn create_feed_token(
        &self,
        token_hash: &str,
        owner: &FeedOwner,
    ) -> Result<(), StoreError> {
        let (t, c) = match owner {
            FeedOwner::Therapist(id) => (Some(id.as_str()), None),
            FeedOwner::Client(id) => (None, Some(id.as_str())),
        };
        sqlx::query("INSERT INTO feed_tokens (token_hash, therapist_id, client_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(t)
            .bind(c)
            .bind(self.now())
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(())
    }

    /// Whose feed a token hash opens.
    pub async fn feed_owner(&self, token_hash: &str) -> Result<FeedOwner, StoreError> {
        let row =
            sqlx::query("SELECT therapist_id, client_id FROM feed_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_one(self.db()?)
                .await?;
        let t: Option<TherapistId> = col(&row, "therapist_id")?;
        let c: Option<ClientId> = col(&row, "client_id")?;
        match (t, c) {
            (Some(t), None) => Ok(FeedOwner::Therapist(t)),
            (None, Some(c)) => Ok(FeedOwner::Client(c)),
            _ => Err(StoreError::Backend(
                "a feed token must belong to one therapist or client".into(),
            )),
        }
    }

    /// Revokes every feed token of an owner.
    pub async fn revoke_feed_tokens(&self, owner: &FeedOwner) -> Result<u64, StoreError> {
        let (sql, id) = match owner {
            FeedOwner::Therapist(id) => (
                "DELETE FROM feed_tokens WHERE therapist_id = $1",
                id.as_str(),
            ),
            FeedOwner::Client(id) => ("DELETE FROM feed_tokens WHERE client_id = $1", id.as_str()),
        };
        Ok(sqlx::query(sql)
            .bind(id)
            .execute(&mut *self.wconn().await?)
            .await?
            .rows_affected())
    }

    /// Clients with this email (trimmed, compared without case), oldest first.
    pub async fn clients_by_email(&self, email: &str) -> Result<Vec<Client>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            crate::clients::client_columns!(),
            " FROM clients WHERE email_key = $1 AND email_key <> '' ORDER BY created_at, id"
        ))
        .bind(crate::email_key(email))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(crate::clients::client_from).collect()
    }

    /// True when the therapist has (or had) an appointment with the client.
    /// True when the therapist treats the client: an appointment between them is
    /// completed, or booked and ending after `booked_since` (Unix seconds).
    pub async fn treats(
        &self,
        therapist_id: &TherapistId,
        client_id: &ClientId,
        booked_since: UnixTime,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(TREATS)
            .bind(therapist_id)
            .bind(client_id)
            .bind(booked_since)
            .fetch_one(self.db()?)
            .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    /// Ids of the clients a therapist treats, as [`Store::treats`] reads it.
    pub async fn client_ids_of_therapist(
        &self,
        therapist_id: &TherapistId,
        booked_since: UnixTime,
    ) -> Result<Vec<ClientId>, StoreError> {
        let rows = sqlx::query(CLIENTS_OF_THERAPIST)
            .bind(therapist_id)
            .bind(booked_since)
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(|r| col(r, "client_id")).collect()
    }
}
