//! Who may do what, and the server's bookkeeping: staff logins, web sessions (staff or
//! client), stored idempotent responses, and fixed-window rate limits. Only hashes of
//! secrets are stored; hashing happens in the server.

use sqlx::any::AnyRow;

use crate::found;
use crate::model::parse_or;
use crate::{
    IdempotentResponse, NewStaff, Principal, Role, Staff, Store, StoreError, WebSession, col,
    new_id, now,
};

fn staff_from(row: &AnyRow) -> Result<Staff, StoreError> {
    let role: String = col(row, "role")?;
    Ok(Staff {
        id: col(row, "id")?,
        email: col(row, "email")?,
        name: col(row, "name")?,
        role: parse_or(Role::parse(&role), "role", &role)?,
        therapist_id: col(row, "therapist_id")?,
        password_hash: col(row, "password_hash")?,
    })
}

fn normal_email(e: &str) -> String {
    e.trim().to_lowercase()
}

impl Store {
    /// Creates a staff login. The email is stored trimmed and lower-cased.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the email is taken.
    pub async fn create_staff(&self, new: &NewStaff) -> Result<Staff, StoreError> {
        let email = normal_email(&new.email);
        if !email.contains('@') {
            return Err(StoreError::Invalid(format!(
                "{email:?} is not an email address"
            )));
        }
        let s = Staff {
            id: new_id(),
            email,
            name: new.name.clone(),
            role: new.role,
            therapist_id: new.therapist_id.clone(),
            password_hash: new.password_hash.clone(),
        };
        sqlx::query(
            "INSERT INTO staff (id, email, name, role, therapist_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id)
        .bind(&s.email)
        .bind(&s.name)
        .bind(s.role.as_str())
        .bind(s.therapist_id.clone())
        .bind(&s.password_hash)
        .execute(&self.pool)
        .await?;
        Ok(s)
    }

    pub async fn staff_by_email(&self, email: &str) -> Result<Staff, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, name, role, therapist_id, password_hash FROM staff WHERE email = $1",
        )
        .bind(normal_email(email))
        .fetch_one(&self.pool)
        .await?;
        staff_from(&row)
    }

    /// Every staff login, owners first, then by name.
    pub async fn staff_list(&self) -> Result<Vec<Staff>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, email, name, role, therapist_id, password_hash FROM staff ORDER BY role, name, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(staff_from).collect()
    }

    pub async fn staff(&self, id: &str) -> Result<Staff, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, name, role, therapist_id, password_hash FROM staff WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        staff_from(&row)
    }

    pub async fn set_staff_password(
        &self,
        id: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let r = sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        found(r)
    }

    pub async fn create_web_session(&self, s: &WebSession) -> Result<(), StoreError> {
        let (staff, client) = match &s.principal {
            Principal::Staff(id) => (Some(id.clone()), None),
            Principal::Client(id) => (None, Some(id.clone())),
        };
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, staff_id, client_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.token_hash)
        .bind(staff)
        .bind(client)
        .bind(&s.csrf_token)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this token hash if it has not expired at `now` (Unix seconds).
    pub async fn web_session(&self, token_hash: &str, now: i64) -> Result<WebSession, StoreError> {
        let row = sqlx::query(
            "SELECT token_hash, staff_id, client_id, csrf_token, expires_at FROM web_sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let staff: Option<String> = col(&row, "staff_id")?;
        let client: Option<String> = col(&row, "client_id")?;
        let principal = match (staff, client) {
            (Some(s), None) => Principal::Staff(s),
            (None, Some(c)) => Principal::Client(c),
            _ => {
                return Err(StoreError::Backend(
                    "a web session must belong to staff or a client".into(),
                ));
            }
        };
        Ok(WebSession {
            token_hash: col(&row, "token_hash")?,
            principal,
            csrf_token: col(&row, "csrf_token")?,
            expires_at: col(&row, "expires_at")?,
        })
    }

    /// Logs a session out. Deleting an unknown session is not an error.
    pub async fn delete_web_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions expired at `now`; returns how many.
    pub async fn expire_web_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    pub async fn idempotent_response(
        &self,
        key: &str,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let row = sqlx::query(
            "SELECT key, request_hash, response_status, response_body, created_at FROM idempotency WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(IdempotentResponse {
                key: col(&r, "key")?,
                request_hash: col(&r, "request_hash")?,
                response_status: col(&r, "response_status")?,
                response_body: col(&r, "response_body")?,
                created_at: col(&r, "created_at")?,
            })
        })
        .transpose()
    }

    /// Stores the response for a key; the first writer wins.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the key is already stored.
    pub async fn put_idempotent_response(
        &self,
        key: &str,
        request_hash: &str,
        response_status: i64,
        response_body: &str,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO idempotency (key, request_hash, response_status, response_body, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key)
        .bind(request_hash)
        .bind(response_status)
        .bind(response_body)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes idempotency records created before `before`; returns how many.
    pub async fn expire_idempotency(&self, before: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM idempotency WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Counts one hit on `bucket` in the current fixed window of `window_secs`; true while
    /// the window has seen at most `limit` hits. One atomic upsert.
    pub async fn hit(
        &self,
        bucket: &str,
        window_secs: i64,
        limit: i64,
    ) -> Result<bool, StoreError> {
        self.hit_at(bucket, window_secs, limit, now()).await
    }

    /// [`Store::hit`] at a given time (Unix seconds), for tests.
    pub async fn hit_at(
        &self,
        bucket: &str,
        window_secs: i64,
        limit: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        if window_secs <= 0 {
            return Err(StoreError::Invalid(
                "a rate-limit window must be positive".into(),
            ));
        }
        let window_start = now.div_euclid(window_secs) * window_secs;
        let _gate = self.gate().await;
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
               window_start = excluded.window_start \
             RETURNING count",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        let count: i64 = col(&row, "count")?;
        Ok(count <= limit)
    }
}
