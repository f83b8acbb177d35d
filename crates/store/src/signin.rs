//! One-time sign-in links for clients: made when a client asks for one by email (or
//! staff send one), used once before they expire. Only the secret's hash is stored.

use crate::ids::*;
use crate::{Store, StoreError, col, retry_write};

impl Store {
    /// Keeps a new link for `client_id` (the hash of its secret), valid `ttl_secs`, and
    /// clears links that ended over a day ago.
    pub async fn create_sign_in_link(
        &self,
        client_id: &ClientId,
        token_hash: &str,
        ttl_secs: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        retry_write!(
            self,
            sqlx::query("DELETE FROM sign_in_links WHERE expires_at < $1")
                .bind(now - 86_400)
                .execute(&mut *self.wconn_sqlx().await?)
        )?;
        retry_write!(
            self,
            sqlx::query(
                "INSERT INTO sign_in_links (token_hash, client_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(client_id)
            .bind(now)
            .bind(now + ttl_secs.max(1))
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(())
    }

    /// Uses a link: the client it signs in, once. A second use, an expired link or an
    /// unknown one is [`StoreError::NotFound`].
    pub async fn use_sign_in_link(&self, token_hash: &str) -> Result<String, StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        let row = retry_write!(
            self,
            sqlx::query(
                "UPDATE sign_in_links SET used_at = $1 \
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING client_id",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *self.wconn_sqlx().await?)
        )?;
        match row {
            Some(r) => col(&r, "client_id"),
            None => Err(StoreError::NotFound),
        }
    }
}
