//! Homework between visits: routines given to a client and the days they tick done.

use crate::ids::*;
use jiff::civil::Date;
use sqlx::any::AnyRow;

use crate::{Homework, Store, StoreError, col, found, new_id};

const MAX_ACTIVE: i64 = 12;

fn date_col(row: &AnyRow, name: &str) -> Result<Date, StoreError> {
    let s: String = col(row, name)?;
    s.parse()
        .map_err(|_| StoreError::Backend(format!("stored {name} {s:?} is not a date")))
}

fn homework_from(row: &AnyRow) -> Result<Homework, StoreError> {
    Ok(Homework {
        id: col(row, "id")?,
        client_id: col(row, "client_id")?,
        note_id: col(row, "note_id")?,
        routine: col(row, "routine")?,
        per_week: col::<i64>(row, "per_week")?.clamp(1, 14) as u8,
        from_date: date_col(row, "from_date")?,
        assigned_by: col(row, "assigned_by")?,
        assigned_at: col(row, "assigned_at")?,
        ended_at: col(row, "ended_at")?,
        ticks: Vec::new(),
    })
}

impl Store {
    /// Gives `routine` to a client from `from` on, `per_week` times a week. `Invalid`
    /// past a dozen routines under way at once.
    pub async fn assign_homework(
        &self,
        client_id: &ClientId,
        note_id: Option<&NoteId>,
        routine: &str,
        per_week: u8,
        from: Date,
        by: &str,
    ) -> Result<Homework, StoreError> {
        if !(1..=14).contains(&per_week) {
            return Err(StoreError::Invalid("1 to 14 times a week".into()));
        }
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM homework WHERE client_id = $1 AND ended_at IS NULL",
        )
        .bind(client_id)
        .fetch_one(&mut *tx)
        .await?;
        if active >= MAX_ACTIVE {
            return Err(StoreError::Invalid(format!(
                "at most {MAX_ACTIVE} routines at once: stop one first"
            )));
        }
        let id: String = new_id();
        sqlx::query(
            "INSERT INTO homework (id, client_id, note_id, routine, per_week, from_date, assigned_by, assigned_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(client_id)
        .bind(note_id.cloned())
        .bind(routine)
        .bind(i64::from(per_week))
        .bind(from.to_string())
        .bind(by)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(_gate);
        self.homework(&HomeworkId::from(&id)).await
    }

    /// One routine given, with its ticks.
    pub async fn homework(&self, id: &HomeworkId) -> Result<Homework, StoreError> {
        let row = sqlx::query("SELECT * FROM homework WHERE id = $1")
            .bind(id)
            .fetch_one(self.db()?)
            .await?;
        let mut h = homework_from(&row)?;
        let rows =
            sqlx::query("SELECT day FROM homework_ticks WHERE homework_id = $1 ORDER BY day")
                .bind(id)
                .fetch_all(self.db()?)
                .await?;
        h.ticks = rows
            .iter()
            .map(|r| date_col(r, "day"))
            .collect::<Result<_, _>>()?;
        Ok(h)
    }

    /// Every routine given to a client (under way first, then stopped; newest first),
    /// with their ticks.
    pub async fn homework_for_client(
        &self,
        client_id: &ClientId,
    ) -> Result<Vec<Homework>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM homework WHERE client_id = $1 \
             ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, assigned_at DESC, id",
        )
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        let mut out: Vec<Homework> = rows.iter().map(homework_from).collect::<Result<_, _>>()?;
        let ticks = sqlx::query(
            "SELECT t.homework_id, t.day FROM homework_ticks t JOIN homework h ON h.id = t.homework_id \
             WHERE h.client_id = $1 ORDER BY t.day",
        )
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        for r in &ticks {
            let hid: String = col(r, "homework_id")?;
            if let Some(h) = out.iter_mut().find(|h| h.id == hid) {
                h.ticks.push(date_col(r, "day")?);
            }
        }
        Ok(out)
    }

    /// Sets whether the routine was done on `day`.
    pub async fn tick_homework(
        &self,
        id: &HomeworkId,
        day: Date,
        done: bool,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        if done {
            sqlx::query(
                "INSERT INTO homework_ticks (homework_id, day, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (homework_id, day) DO NOTHING",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(self.now())
            .execute(&mut *self.wconn().await?)
            .await?;
        } else {
            sqlx::query("DELETE FROM homework_ticks WHERE homework_id = $1 AND day = $2")
                .bind(id)
                .bind(day.to_string())
                .execute(&mut *self.wconn().await?)
                .await?;
        }
        Ok(())
    }

    /// Stops a routine (its ticks stay on record).
    pub async fn end_homework(&self, id: &HomeworkId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let r = sqlx::query("UPDATE homework SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(self.now())
            .bind(id)
            .execute(&mut *self.wconn().await?)
            .await?;
        found(r)
    }
}
