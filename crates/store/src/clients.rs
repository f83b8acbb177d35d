//! Clients and what they bring: their races, their uploaded training calendars, and the
//! therapists' session notes about them.

use crate::ids::*;
use kneadtime_domain::Priority;
use sqlx::any::AnyRow;

use crate::found;
use crate::model::parse_or;
use crate::retry_write;
use crate::{
    Client, ClientCalendar, ClientHistory, ClientRace, NewClient, Store, StoreError, col, col_date,
    from_json, new_id, weekday_of, weekdays_text,
};

/// Versions of what an instance may keep about a client, each moved in the same
/// transaction as what it versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// Their calendars, recorded history and races (what their season is built from).
    pub season: i64,
    /// Their appointments, in any state (moved by the database on every change).
    pub bookings: i64,
}

/// The columns [`client_from`] reads, written once.
macro_rules! client_columns {
    () => {
        "id, name, email, phone, unavailable_weekdays, access_token_hash, password_hash, created_at"
    };
}
pub(crate) use client_columns;

pub(crate) fn client_from(row: &AnyRow) -> Result<Client, StoreError> {
    let days: String = col(row, "unavailable_weekdays")?;
    let days: Vec<i64> = from_json(&days, "unavailable_weekdays")?;
    Ok(Client {
        id: col(row, "id")?,
        name: col(row, "name")?,
        email: col(row, "email")?,
        phone: col(row, "phone")?,
        unavailable_weekdays: days
            .into_iter()
            .map(|d| weekday_of(d, "unavailable_weekdays"))
            .collect::<Result<_, _>>()?,
        access_token_hash: col(row, "access_token_hash")?,
        password_hash: col(row, "password_hash")?,
        created_at: col(row, "created_at")?,
    })
}

fn race_from(row: &AnyRow) -> Result<ClientRace, StoreError> {
    let p: String = col(row, "priority")?;
    Ok(ClientRace {
        id: col(row, "id")?,
        client_id: col(row, "client_id")?,
        date: col_date(row, "date")?,
        distance_km: col(row, "distance_km")?,
        priority: parse_or(Priority::parse(&p), "priority", &p)?,
        name: col(row, "name")?,
    })
}

impl Store {
    pub async fn create_client(&self, new: &NewClient) -> Result<Client, StoreError> {
        if new.name.trim().is_empty() {
            return Err(StoreError::Invalid("a client needs a name".into()));
        }
        let c = Client {
            id: new_id(),
            name: new.name.clone(),
            email: new.email.trim().to_string(),
            phone: new.phone.clone(),
            unavailable_weekdays: new.unavailable_weekdays.clone(),
            access_token_hash: new.access_token_hash.clone(),
            password_hash: new.password_hash.clone(),
            created_at: self.now(),
        };
        sqlx::query(
            "INSERT INTO clients (id, name, email, phone, unavailable_weekdays, access_token_hash, password_hash, \
             created_at, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(weekdays_text(&c.unavailable_weekdays))
        .bind(&c.access_token_hash)
        .bind(c.password_hash.clone())
        .bind(c.created_at)
        .bind(crate::email_key(&c.email))
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(c)
    }

    pub async fn client(&self, id: &ClientId) -> Result<Client, StoreError> {
        let sql = concat!("SELECT ", client_columns!(), " FROM clients WHERE id = $1");
        let row = sqlx::query(sql).bind(id).fetch_one(self.db()?).await?;
        client_from(&row)
    }

    /// The client, the versions of what is kept about them and their intake (if they
    /// filled one in), in one read.
    pub async fn client_and_versions(
        &self,
        id: &str,
    ) -> Result<(Client, Versions, Option<crate::Intake>), StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let of = |table: &str, columns: &str| {
                columns
                    .split(',')
                    .map(|c| format!("{table}.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "SELECT {}, c.season_version, COALESCE(v.version, 0) AS bookings_version, {} \
                 FROM clients c LEFT JOIN intakes i ON i.client_id = c.id \
                 LEFT JOIN bookings_versions v ON v.client_id = c.id WHERE c.id = $1",
                of("c", client_columns!()),
                of("i", crate::intake::INTAKE_COLUMNS)
            )
        });
        let row = sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(id)
            .fetch_one(self.db()?)
            .await?;
        let versions = Versions {
            season: col(&row, "season_version")?,
            bookings: col(&row, "bookings_version")?,
        };
        let intake = match col::<Option<String>>(&row, "client_id")? {
            Some(_) => Some(crate::intake::intake_from(&row)?),
            None => None,
        };
        Ok((client_from(&row)?, versions, intake))
    }

    /// The client whose link token hashes to `hash`.
    pub async fn client_by_token_hash(&self, hash: &str) -> Result<Client, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            client_columns!(),
            " FROM clients WHERE access_token_hash = $1"
        ))
        .bind(hash)
        .fetch_one(self.db()?)
        .await?;
        client_from(&row)
    }

    /// All clients by name.
    pub async fn clients(&self) -> Result<Vec<Client>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            client_columns!(),
            " FROM clients ORDER BY name, id"
        ))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(client_from).collect()
    }

    /// These clients by name (ids not on file are left out): one read per 200 ids.
    pub async fn clients_with_ids(&self, ids: &[ClientId]) -> Result<Vec<Client>, StoreError> {
        let mut out = self
            .rows_with_ids(client_columns!(), "clients", "id", ids, client_from)
            .await?;
        out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(out)
    }

    /// The names of these clients, by id (ids not on file are left out): one read per
    /// 200 ids, whatever the number of clients on file.
    pub async fn client_names(
        &self,
        ids: &[ClientId],
    ) -> Result<std::collections::HashMap<ClientId, String>, StoreError> {
        let pairs = self
            .rows_with_ids("id, name", "clients", "id", ids, |row| {
                Ok((col(row, "id")?, col(row, "name")?))
            })
            .await?;
        Ok(pairs.into_iter().collect())
    }

    /// Replaces every field but the id and creation time (matched by `c.id`).
    pub async fn update_client(&self, c: &Client) -> Result<(), StoreError> {
        // The secrets are never written here, so an edit racing a new link cannot bring
        // the old link back.
        let done = sqlx::query(
            "UPDATE clients SET name = $1, email = $2, phone = $3, unavailable_weekdays = $4, \
             email_key = $6 WHERE id = $5",
        )
        .bind(&c.name)
        .bind(c.email.trim())
        .bind(&c.phone)
        .bind(weekdays_text(&c.unavailable_weekdays))
        .bind(&c.id)
        .bind(crate::email_key(&c.email))
        .execute(&mut *self.wconn().await?)
        .await?;
        found(done)
    }

    /// A new personal link (its hash); every session the client had ends with it.
    pub async fn set_client_link(
        &self,
        client_id: &ClientId,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE clients SET access_token_hash = $1 WHERE id = $2")
            .bind(token_hash)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        found(done)?;
        sqlx::query("DELETE FROM web_sessions WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or clears) the client's password hash.
    pub async fn set_client_password(
        &self,
        client_id: &ClientId,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE clients SET password_hash = $1 WHERE id = $2")
            .bind(password_hash.map(str::to_string))
            .bind(client_id)
            .execute(&mut *self.wconn().await?)
            .await?;
        found(done)
    }

    pub async fn add_race(
        &self,
        client_id: &ClientId,
        date: jiff::civil::Date,
        distance_km: f64,
        priority: Priority,
        name: &str,
    ) -> Result<ClientRace, StoreError> {
        if !(distance_km.is_finite() && distance_km > 0.0) {
            return Err(StoreError::Invalid(
                "a race distance must be a positive number".into(),
            ));
        }
        let r = ClientRace {
            id: new_id(),
            client_id: client_id.clone(),
            date,
            distance_km,
            priority,
            name: name.to_string(),
        };
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO client_races (id, client_id, date, distance_km, priority, name) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&r.id)
        .bind(&r.client_id)
        .bind(r.date.to_string())
        .bind(r.distance_km)
        .bind(r.priority.as_str())
        .bind(&r.name)
        .execute(&mut *tx)
        .await?;
        bump_season(&mut tx, "$1", client_id).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// A client's races by date.
    pub async fn races(&self, client_id: &ClientId) -> Result<Vec<ClientRace>, StoreError> {
        let rows = sqlx::query("SELECT * FROM client_races WHERE client_id = $1 ORDER BY date, id")
            .bind(client_id)
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(race_from).collect()
    }

    pub async fn delete_race(&self, id: &RaceId) -> Result<(), StoreError> {
        self.delete_season_part("client_races", id).await
    }

    /// Stores an uploaded calendar file verbatim (the importer parses it later).
    pub async fn add_calendar(
        &self,
        client_id: &ClientId,
        filename: &str,
        content: &str,
    ) -> Result<ClientCalendar, StoreError> {
        let c = ClientCalendar {
            id: new_id(),
            client_id: client_id.clone(),
            filename: filename.to_string(),
            content: content.to_string(),
            uploaded_at: self.now(),
        };
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO client_calendars (id, client_id, filename, content, uploaded_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.id)
        .bind(&c.client_id)
        .bind(&c.filename)
        .bind(&c.content)
        .bind(c.uploaded_at)
        .execute(&mut *tx)
        .await?;
        bump_season(&mut tx, "$1", client_id).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// A client's calendars, oldest upload first.
    /// A client's calendars without their content: (id, filename), oldest first. The
    /// content of a stored calendar never changes, so callers may cache it by id.
    pub async fn calendar_heads(
        &self,
        client_id: &ClientId,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, filename FROM client_calendars WHERE client_id = $1 ORDER BY uploaded_at, id")
            .bind(client_id)
            .fetch_all(self.db()?)
            .await?;
        rows.iter()
            .map(|r| Ok((col(r, "id")?, col(r, "filename")?)))
            .collect()
    }

    /// One calendar's content.
    pub async fn calendar_content(&self, id: &UploadId) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT content FROM client_calendars WHERE id = $1")
            .bind(id)
            .fetch_one(self.db()?)
            .await?;
        col(&row, "content")
    }

    pub async fn calendars(&self, client_id: &ClientId) -> Result<Vec<ClientCalendar>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, client_id, filename, content, uploaded_at FROM client_calendars WHERE client_id = $1 \
             ORDER BY uploaded_at, id",
        )
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClientCalendar {
                    id: col(r, "id")?,
                    client_id: col(r, "client_id")?,
                    filename: col(r, "filename")?,
                    content: col(r, "content")?,
                    uploaded_at: col(r, "uploaded_at")?,
                })
            })
            .collect()
    }

    pub async fn delete_calendar(&self, id: &UploadId) -> Result<(), StoreError> {
        self.delete_season_part("client_calendars", id).await
    }

    /// Keeps what a watch file recorded (the sessions as JSON), moving the client's
    /// season version in the same transaction.
    pub async fn add_history(
        &self,
        client_id: &ClientId,
        filename: &str,
        sessions: &str,
    ) -> Result<ClientHistory, StoreError> {
        let h = ClientHistory {
            id: new_id(),
            client_id: client_id.clone(),
            filename: filename.to_string(),
            sessions: sessions.to_string(),
            uploaded_at: self.now(),
        };
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO client_history (id, client_id, filename, sessions, uploaded_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&h.id)
        .bind(&h.client_id)
        .bind(&h.filename)
        .bind(&h.sessions)
        .bind(h.uploaded_at)
        .execute(&mut *tx)
        .await?;
        bump_season(&mut tx, "$1", client_id).await?;
        tx.commit().await?;
        Ok(h)
    }

    /// A client's recorded history, oldest upload first.
    pub async fn history(&self, client_id: &ClientId) -> Result<Vec<ClientHistory>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, client_id, filename, sessions, uploaded_at FROM client_history \
             WHERE client_id = $1 ORDER BY uploaded_at, id",
        )
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClientHistory {
                    id: col(r, "id")?,
                    client_id: col(r, "client_id")?,
                    filename: col(r, "filename")?,
                    sessions: col(r, "sessions")?,
                    uploaded_at: col(r, "uploaded_at")?,
                })
            })
            .collect()
    }

    pub async fn delete_history(&self, id: &UploadId) -> Result<(), StoreError> {
        self.delete_season_part("client_history", id).await
    }

    /// Deletes row `id` of `table` (a table a client's season is built from, named by
    /// this crate), moving that client's season version in the same transaction.
    async fn delete_season_part(&self, table: &'static str, id: &str) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        bump_season(
            &mut tx,
            &format!("(SELECT client_id FROM {table} WHERE id = $1)"),
            id,
        )
        .await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        found(done)?;
        tx.commit().await?;
        Ok(())
    }

    /// The version of what the client's season is built from (calendars, recorded
    /// history, races): it changes in the same transaction as any of them.
    pub async fn season_version(&self, client_id: &ClientId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT season_version FROM clients WHERE id = $1")
            .bind(client_id)
            .fetch_one(self.db()?)
            .await?;
        col(&row, "season_version")
    }
}

/// Moves on the season version of the client `client_of` names (`$1`, or a subquery
/// on `$1`), inside the transaction that changes their season.
async fn bump_season(
    tx: &mut crate::write::WriteTx,
    client_of: &str,
    arg: &str,
) -> Result<(), sqlx::Error> {
    let sql =
        format!("UPDATE clients SET season_version = season_version + 1 WHERE id = {client_of}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(arg)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Folds again the keys of emails holding letters beyond ASCII, which a database may
    /// have folded otherwise (SQLite's `LOWER` leaves "Ü" as it is; PostgreSQL's follows
    /// its locale), and fills keys left empty by an older binary. A record whose key then
    /// names another record's email is the same person: the newer record is merged into
    /// the older. Records booked at the same time cannot be merged and are left apart.
    /// Runs on every open: a scan of the clients' emails, reading only the rows it folds.
    pub(crate) async fn refold_email_keys(&self) -> Result<(), StoreError> {
        let beyond_ascii = match self.backend() {
            crate::Backend::Sqlite => "email GLOB '*[^ -~]*'",
            crate::Backend::Postgres => "email ~ '[^ -~]'",
        };
        let sql = format!(
            "SELECT id, email, email_key FROM clients WHERE email <> '' \
             AND (email_key = '' OR {beyond_ascii}) ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.db()?)
            .await?;
        for row in rows {
            let (id, email, held): (ClientId, String, String) = (
                col(&row, "id")?,
                col(&row, "email")?,
                col(&row, "email_key")?,
            );
            let key = crate::email_key(&email);
            if key == held {
                continue;
            }
            let holder = sqlx::query(
                "SELECT id FROM clients WHERE email_key = $1 AND email_key <> '' AND id <> $2 \
                 ORDER BY created_at, id",
            )
            .bind(&key)
            .bind(&id)
            .fetch_optional(self.db()?)
            .await?;
            if let Some(holder) = holder {
                let other: ClientId = col(&holder, "id")?;
                // Rows come oldest first, so the record already holding the key is the
                // older one unless it was folded in this same pass.
                // Either may be gone already: another instance opening at the same time,
                // or an owner's merge.
                let (a, b) = match (self.client(&other).await, self.client(&id).await) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(StoreError::NotFound), _) | (_, Err(StoreError::NotFound)) => continue,
                    (Err(e), _) | (_, Err(e)) => return Err(e),
                };
                let age = |c: Client| (c.created_at, c.id);
                let older = age(a) <= age(b);
                let (keep, gone) = if older {
                    (other, id.clone())
                } else {
                    (id.clone(), other)
                };
                match self.merge_clients(&keep, &gone).await {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(StoreError::ClientBusy) => continue,
                    Err(e) => return Err(e),
                }
                if keep != id {
                    continue;
                }
            }
            match sqlx::query("UPDATE clients SET email_key = $1 WHERE id = $2 AND email_key = $3")
                .bind(&key)
                .bind(&id)
                .bind(&held)
                .execute(&mut *self.wconn().await?)
                .await
            {
                Ok(_) => {}
                // Another instance folding at the same time got there first.
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// What a merge of two client records found.
enum MergeOutcome {
    Done,
    Missing,
    /// Both records are booked at the same time somewhere.
    Overlap,
}

impl Store {
    /// Merges client `old` into `keep`: appointments, their cells, races, calendars and
    /// history, feeds and waitlist entries move to `keep`, which keeps its own details
    /// (taking `old`'s email or phone only where it has none); `old`'s sessions and
    /// sign-in links end and the record goes. All in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when either is missing, [`StoreError::Invalid`] for one
    /// record with itself, [`StoreError::ClientBusy`] when both are booked at one time.
    pub async fn merge_clients(&self, keep: &str, old: &str) -> Result<(), StoreError> {
        if keep == old {
            return Err(StoreError::Invalid(
                "a record cannot be merged with itself".into(),
            ));
        }
        let _gate = self.gate().await;
        match retry_write!(self, self.merge_once(keep, old))? {
            MergeOutcome::Done => Ok(()),
            MergeOutcome::Missing => Err(StoreError::NotFound),
            MergeOutcome::Overlap => Err(StoreError::ClientBusy),
        }
    }

    async fn merge_once(&self, keep: &str, old: &str) -> Result<MergeOutcome, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let found = sqlx::query("SELECT id, email, phone FROM clients WHERE id = $1 OR id = $2")
            .bind(keep)
            .bind(old)
            .fetch_all(&mut *tx)
            .await?;
        if found.len() != 2 {
            return Ok(MergeOutcome::Missing);
        }
        let clash = sqlx::query(
            "SELECT 1 FROM client_cells a JOIN client_cells b ON a.cell_start = b.cell_start \
             WHERE a.client_id = $1 AND b.client_id = $2 LIMIT 1",
        )
        .bind(old)
        .bind(keep)
        .fetch_optional(&mut *tx)
        .await?;
        if clash.is_some() {
            return Ok(MergeOutcome::Overlap);
        }
        let text = |id: &str, column: &str| -> Result<String, sqlx::Error> {
            let row = found
                .iter()
                .find(|r| sqlx::Row::try_get::<String, _>(*r, "id").ok().as_deref() == Some(id));
            row.map(|r| sqlx::Row::try_get::<String, _>(r, column))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let (old_email, old_phone) = (text(old, "email")?, text(old, "phone")?);
        for sql in [
            "UPDATE client_cells SET client_id = $1 WHERE client_id = $2",
            "UPDATE appointments SET client_id = $1 WHERE client_id = $2",
            "UPDATE client_races SET client_id = $1 WHERE client_id = $2",
            "UPDATE client_calendars SET client_id = $1 WHERE client_id = $2",
            "UPDATE client_history SET client_id = $1 WHERE client_id = $2",
            "UPDATE feed_tokens SET client_id = $1 WHERE client_id = $2",
            "UPDATE waitlist SET client_id = $1 WHERE client_id = $2",
            "UPDATE homework SET client_id = $1 WHERE client_id = $2",
            // One request per event: where the merged record's is booked and the kept
            // one's is not, the booked one stands (or a later run would book the runner
            // a second session); otherwise the kept record's stands where both asked.
            "DELETE FROM race_requests WHERE client_id = $1 AND state <> 'booked' \
             AND event_id IN (SELECT r.event_id FROM race_requests r \
             WHERE r.client_id = $2 AND r.state = 'booked')",
            "UPDATE race_requests SET client_id = $1 WHERE client_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM race_requests r WHERE r.client_id = $1 \
             AND r.event_id = race_requests.event_id)",
            // The kept record's intake stands; the other's moves over only when it has
            // none (what is left goes with the merged record).
            "UPDATE intakes SET client_id = $1 WHERE client_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM intakes i WHERE i.client_id = $1)",
        ] {
            sqlx::query(sql)
                .bind(keep)
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        for sql in [
            // A request of the merged record for an event the kept one also asked for.
            "DELETE FROM race_requests WHERE client_id = $1",
            "DELETE FROM web_sessions WHERE client_id = $1",
            "DELETE FROM sign_in_links WHERE client_id = $1",
            "DELETE FROM clients WHERE id = $1",
        ] {
            sqlx::query(sql).bind(old).execute(&mut *tx).await?;
        }
        // The kept record takes a way to reach the client it lacks; its season is
        // built from more now.
        sqlx::query(
            "UPDATE clients SET season_version = season_version + 1, \
             email_key = CASE WHEN email = '' THEN $4 ELSE email_key END, \
             email = CASE WHEN email = '' THEN $2 ELSE email END, \
             phone = CASE WHEN phone = '' THEN $3 ELSE phone END WHERE id = $1",
        )
        .bind(keep)
        .bind(old_email.trim())
        .bind(old_phone.trim())
        .bind(crate::email_key(&old_email))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(MergeOutcome::Done)
    }
}

/// Every table an erasure clears of a client, in the order the rows go (children
/// first). `$1` is the client's id.
const ERASE: [&str; 18] = [
    "DELETE FROM note_amendments WHERE note_id IN (SELECT n.id FROM session_notes n \
     JOIN appointments a ON a.id = n.appointment_id WHERE a.client_id = $1)",
    "DELETE FROM homework_ticks WHERE homework_id IN (SELECT id FROM homework WHERE client_id = $1)",
    "DELETE FROM homework WHERE client_id = $1",
    "DELETE FROM session_notes WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = $1)",
    // Messages about waitlist offers and entries go with them (ON DELETE CASCADE).
    "DELETE FROM outbox WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = $1)",
    "DELETE FROM race_requests WHERE client_id = $1",
    "DELETE FROM waitlist_offers WHERE entry_id IN (SELECT id FROM waitlist WHERE client_id = $1)",
    "DELETE FROM waitlist WHERE client_id = $1",
    "DELETE FROM client_cells WHERE client_id = $1",
    "DELETE FROM appointment_cells WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = $1)",
    "DELETE FROM appointments WHERE client_id = $1",
    "DELETE FROM client_races WHERE client_id = $1",
    "DELETE FROM client_calendars WHERE client_id = $1",
    "DELETE FROM client_history WHERE client_id = $1",
    "DELETE FROM feed_tokens WHERE client_id = $1",
    "DELETE FROM web_sessions WHERE client_id = $1",
    "DELETE FROM sign_in_links WHERE client_id = $1",
    "DELETE FROM intakes WHERE client_id = $1",
];

impl Store {
    /// Erases a client on request: their details, intake, notes, homework, calendars,
    /// races, links and bookings go; what stays of the bookings is a count per day,
    /// therapist, service and status. One transaction. Returns how many bookings were
    /// counted. `NotFound` when there is no such client.
    pub async fn erase_client(&self, client_id: &ClientId) -> Result<i64, StoreError> {
        let _gate = self.gate().await;
        retry_write!(self, self.erase_once(client_id))?.ok_or(StoreError::NotFound)
    }

    async fn erase_once(&self, client_id: &str) -> Result<Option<i64>, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM clients WHERE id = $1")
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let now = self.now();
        let groups = sqlx::query(
            "SELECT start_at - (start_at % 86400) AS day_at, therapist_id, service_id, status, \
             COUNT(*) AS visits FROM appointments WHERE client_id = $1 \
             GROUP BY start_at - (start_at % 86400), therapist_id, service_id, status",
        )
        .bind(client_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut counted = 0;
        for g in &groups {
            let visits: i64 = sqlx::Row::try_get(g, "visits")?;
            counted += visits;
            sqlx::query(
                "INSERT INTO anonymous_visits (id, erased_at, day_at, therapist_id, service_id, status, visits) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id::<String>())
            .bind(now)
            .bind(sqlx::Row::try_get::<i64, _>(g, "day_at")?)
            .bind(sqlx::Row::try_get::<String, _>(g, "therapist_id")?)
            .bind(sqlx::Row::try_get::<String, _>(g, "service_id")?)
            .bind(sqlx::Row::try_get::<String, _>(g, "status")?)
            .bind(visits)
            .execute(&mut *tx)
            .await?;
        }
        for sql in ERASE {
            sqlx::query(sql).bind(client_id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM clients WHERE id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(counted))
    }

    /// Bookings kept as counts after erasures: (total visits, erasures).
    pub async fn anonymous_visits(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(visits), 0) AS BIGINT) AS visits, \
             CAST(COUNT(DISTINCT erased_at) AS BIGINT) AS erasures \
             FROM anonymous_visits",
        )
        .fetch_one(self.db()?)
        .await?;
        Ok((col(&row, "visits")?, col(&row, "erasures")?))
    }
}
