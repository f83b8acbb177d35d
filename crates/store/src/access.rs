//! Who may do what, and the server's bookkeeping: staff logins, web sessions (staff or
//! client), and rate limits whose window begins with its first hit. Only hashes of
//! secrets are stored; hashing happens in the server.

use crate::UnixTime;
use crate::ids::*;
use sqlx::any::AnyRow;

use crate::found;
use crate::model::parse_or;
use crate::{
    NewStaff, Principal, Role, Staff, Store, StoreError, WebSession, col, new_id, retry_write,
};

/// The longest rate-limit window: counts older than this are never read again.
pub const RATE_LIMIT_WINDOW_MAX_SECS: i64 = 86_400;

fn staff_from(row: &AnyRow) -> Result<Staff, StoreError> {
    let role: String = col(row, "role")?;
    Ok(Staff {
        id: col(row, "id")?,
        email: col(row, "email")?,
        name: col(row, "name")?,
        role: parse_or(Role::parse(&role), "role", &role)?,
        therapist_id: col(row, "therapist_id")?,
        password_hash: col(row, "password_hash")?,
        active: col::<i64>(row, "active")? != 0,
        daily_email: col::<i64>(row, "daily_email")? != 0,
    })
}

/// A web session from its row.
fn session_from(row: &AnyRow) -> Result<WebSession, StoreError> {
    let staff: Option<StaffId> = col(row, "staff_id")?;
    let client: Option<ClientId> = col(row, "client_id")?;
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
        token_hash: col(row, "token_hash")?,
        principal,
        csrf_token: col(row, "csrf_token")?,
        expires_at: col(row, "expires_at")?,
        via: crate::SignIn::parse(&col::<String>(row, "via")?),
        created_at: col(row, "created_at")?,
    })
}

/// The staff columns `staff_from` reads, written once.
macro_rules! staff_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, email, name, role, therapist_id, password_hash, active, daily_email FROM staff ",
            $rest
        )
    };
}

fn normal_email(e: &str) -> String {
    crate::email_key(e)
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
            active: true,
            daily_email: false,
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
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(s)
    }

    pub async fn staff_by_email(&self, email: &str) -> Result<Staff, StoreError> {
        let row = sqlx::query(staff_select!("WHERE email = $1"))
            .bind(normal_email(email))
            .fetch_one(self.db()?)
            .await?;
        staff_from(&row)
    }

    /// Every staff login, owners first, then by name.
    pub async fn staff_list(&self) -> Result<Vec<Staff>, StoreError> {
        let rows = sqlx::query(staff_select!("ORDER BY role, name, id"))
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(staff_from).collect()
    }

    pub async fn staff(&self, id: &StaffId) -> Result<Staff, StoreError> {
        let row = sqlx::query(staff_select!("WHERE id = $1"))
            .bind(id)
            .fetch_one(self.db()?)
            .await?;
        staff_from(&row)
    }

    pub async fn set_staff_password(
        &self,
        id: &StaffId,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let r = sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *self.wconn().await?)
            .await?;
        found(r)
    }

    /// Turns a staff member's morning schedule email on or off.
    pub async fn set_staff_daily_email(&self, id: &StaffId, on: bool) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let r = retry_write!(
            self,
            sqlx::query("UPDATE staff SET daily_email = $1 WHERE id = $2")
                .bind(i64::from(on))
                .bind(id)
                .execute(&mut *self.wconn_sqlx().await?)
        )?;
        found(r)
    }

    /// Takes the sending of `staff_id`'s schedule for `day` (YYYY-MM-DD): `true` for
    /// the one caller that gets it, on any instance.
    pub async fn claim_daily_schedule(
        &self,
        staff_id: &StaffId,
        day: &str,
    ) -> Result<bool, StoreError> {
        let _gate = self.gate().await;
        let r = retry_write!(
            self,
            sqlx::query(
                "INSERT INTO daily_schedules (staff_id, day, sent_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (staff_id, day) DO NOTHING",
            )
            .bind(staff_id)
            .bind(day)
            .bind(self.now())
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives back a claimed day whose email could not be sent, to be tried again.
    pub async fn release_daily_schedule(
        &self,
        staff_id: &StaffId,
        day: &str,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        retry_write!(
            self,
            sqlx::query("DELETE FROM daily_schedules WHERE staff_id = $1 AND day = $2")
                .bind(staff_id)
                .bind(day)
                .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(())
    }

    /// Revokes or restores a staff login. Revoking ends every session it has.
    pub async fn set_staff_active(&self, id: &StaffId, active: bool) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        found(r)?;
        if !active {
            sqlx::query("DELETE FROM web_sessions WHERE staff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Revokes or restores the logins that work as a therapist (when the therapist is
    /// deactivated or comes back).
    pub async fn set_therapist_logins_active(
        &self,
        therapist_id: &TherapistId,
        active: bool,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE staff SET active = $1 WHERE therapist_id = $2")
            .bind(i64::from(active))
            .bind(therapist_id)
            .execute(&mut *tx)
            .await?;
        if !active {
            sqlx::query("DELETE FROM web_sessions WHERE staff_id IN (SELECT id FROM staff WHERE therapist_id = $1)")
                .bind(therapist_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of a staff login but `keep` (a password reset ends the rest).
    pub async fn end_staff_sessions(
        &self,
        staff_id: &StaffId,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE staff_id = $1 AND token_hash <> $2")
            .bind(staff_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(())
    }

    /// Ends every session of a client but `keep`.
    pub async fn end_client_sessions(
        &self,
        client_id: &ClientId,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE client_id = $1 AND token_hash <> $2")
            .bind(client_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(())
    }

    /// Claims the one-time setup: true for the first caller only, however many race.
    pub async fn claim_setup(&self) -> Result<bool, StoreError> {
        let r = sqlx::query("INSERT INTO setup_claims (id, claimed_at) VALUES ('owner', $1) ON CONFLICT (id) DO NOTHING")
            .bind(self.now())
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives the setup claim back (the owner could not be created after all).
    pub async fn release_setup(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM setup_claims WHERE id = 'owner'")
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(())
    }

    /// Remembers that `account` signed in from `address`.
    pub async fn remember_sign_in(&self, account: &str, address: &str) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO known_sign_ins (account, address, last_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account, address) DO UPDATE SET last_at = excluded.last_at",
        )
        .bind(account)
        .bind(address)
        .bind(self.now())
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(())
    }

    /// True when `account` signed in from `address` since `since` (Unix seconds).
    pub async fn known_sign_in(
        &self,
        account: &str,
        address: &str,
        since: UnixTime,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM known_sign_ins WHERE account = $1 AND address = $2 AND last_at >= $3")
            .bind(account)
            .bind(address)
            .bind(since)
            .fetch_one(self.db()?)
            .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    pub async fn create_web_session(&self, s: &WebSession) -> Result<(), StoreError> {
        let (staff, client) = match &s.principal {
            Principal::Staff(id) => (Some(id.clone()), None),
            Principal::Client(id) => (None, Some(id.clone())),
        };
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, staff_id, client_id, csrf_token, expires_at, via, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.token_hash)
        .bind(staff)
        .bind(client)
        .bind(&s.csrf_token)
        .bind(s.expires_at)
        .bind(s.via.as_str())
        .bind(s.created_at)
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(())
    }

    /// The session with this token hash if it has not expired at `now` (Unix seconds).
    pub async fn web_session(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<WebSession, StoreError> {
        let row = sqlx::query(
            "SELECT token_hash, staff_id, client_id, csrf_token, expires_at, via, created_at FROM web_sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(self.db()?)
        .await?;
        session_from(&row)
    }

    /// [`Store::web_session`] with the staff member it belongs to (none for a client's,
    /// or when the staff record is gone), in one read.
    pub async fn web_session_with_staff(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<(WebSession, Option<Staff>), StoreError> {
        let row = sqlx::query(
            "SELECT w.token_hash, w.staff_id, w.client_id, w.csrf_token, w.expires_at, w.via, \
             w.created_at, s.id, s.email, s.name, s.role, s.therapist_id, s.password_hash, \
             s.active, s.daily_email FROM web_sessions w LEFT JOIN staff s ON s.id = w.staff_id \
             WHERE w.token_hash = $1 AND w.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(self.db()?)
        .await?;
        let session = session_from(&row)?;
        let staff = match col::<Option<String>>(&row, "id")? {
            Some(_) => Some(staff_from(&row)?),
            None => None,
        };
        Ok((session, staff))
    }

    /// Logs a session out. Deleting an unknown session is not an error.
    pub async fn delete_web_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(())
    }

    /// Deletes sessions expired at `now`; returns how many.
    pub async fn expire_web_sessions(&self, now: UnixTime) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(r.rows_affected())
    }

    /// Counts one hit on `bucket` in its current window of `window_secs` (which begins
    /// with the first hit after the last window ended); true while the window has seen at
    /// most `limit` hits. One atomic upsert.
    pub async fn hit(
        &self,
        bucket: &str,
        window_secs: i64,
        limit: i64,
    ) -> Result<bool, StoreError> {
        self.hit_at(bucket, window_secs, limit, self.now()).await
    }

    /// How many hits `bucket` has in its current window of `window_secs` (none counted
    /// by asking). A window begins with the first hit after the last one ended.
    pub async fn hits(&self, bucket: &str, window_secs: i64) -> Result<i64, StoreError> {
        if !(1..=RATE_LIMIT_WINDOW_MAX_SECS).contains(&window_secs) {
            return Err(StoreError::Invalid(
                "a rate-limit window must be positive and at most a day".into(),
            ));
        }
        let now = self.now();
        let row = sqlx::query("SELECT count, window_start FROM rate_limits WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(self.db()?)
            .await?;
        match row {
            Some(r) if col::<UnixTime>(&r, "window_start")? > now - window_secs => col(&r, "count"),
            _ => Ok(0),
        }
    }

    /// Forgets rate-limit counts whose window began at or before `before` (Unix
    /// seconds); returns how many went.
    pub async fn forget_rate_limits(&self, before: UnixTime) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
            .bind(before)
            .execute(&mut *self.wconn().await?)
            .await?;
        Ok(r.rows_affected())
    }

    /// [`Store::hit`] at a given time (Unix seconds), for tests.
    pub async fn hit_at(
        &self,
        bucket: &str,
        window_secs: i64,
        limit: i64,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        if !(1..=RATE_LIMIT_WINDOW_MAX_SECS).contains(&window_secs) {
            return Err(StoreError::Invalid(
                "a rate-limit window must be positive and at most a day".into(),
            ));
        }
        // A window is the `window_secs` after its first hit, so hits either side of a
        // round time still count together. Both SET expressions read the old row.
        let _gate = self.gate().await;
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start > $3 THEN rate_limits.count + 1 ELSE 1 END, \
               window_start = CASE WHEN rate_limits.window_start > $3 THEN rate_limits.window_start ELSE excluded.window_start END \
             RETURNING count",
        )
        .bind(bucket)
        .bind(now)
        .bind(now - window_secs)
        .fetch_one(&mut *self.wconn().await?)
        .await?;
        let count: i64 = col(&row, "count")?;
        Ok(count <= limit)
    }
}
