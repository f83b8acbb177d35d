//! Days a location, or the whole group, is closed: every therapist there is away.

use crate::ids::*;
use sqlx::any::AnyRow;

use jiff::civil::Date;

use crate::{Closure, Store, StoreError, col, col_date, found, new_id};

fn closure_from(row: &AnyRow) -> Result<Closure, StoreError> {
    Ok(Closure {
        id: col(row, "id")?,
        from_date: col_date(row, "from_date")?,
        to_date: col_date(row, "to_date")?,
        note: col(row, "note")?,
        location_id: col(row, "location_id")?,
    })
}

impl Store {
    /// Records a location (or, with `None`, every location) closed on `from..=to`
    /// ('YYYY-MM-DD', inclusive).
    pub async fn create_closure(
        &self,
        from: Date,
        to: Date,
        note: &str,
        location_id: Option<&LocationId>,
    ) -> Result<Closure, StoreError> {
        if to < from {
            return Err(StoreError::Invalid(
                "a closure cannot end before it starts".into(),
            ));
        }
        let c = Closure {
            id: new_id(),
            from_date: from,
            to_date: to,
            note: note.chars().take(500).collect(),
            location_id: location_id.cloned(),
        };
        if let Some(l) = location_id {
            self.location(l).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid(format!("there is no location {l:?}")),
                e => e,
            })?;
        }
        // Closures are part of the set-up the core keeps: the version moves with them.
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO closures (id, from_date, to_date, note, location_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.id)
        .bind(c.from_date.to_string())
        .bind(c.to_date.to_string())
        .bind(&c.note)
        .bind(&c.location_id)
        .execute(&mut *tx)
        .await?;
        crate::catalog::bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Closures that touch `from..=to`, by start.
    pub async fn closures_between(&self, from: Date, to: Date) -> Result<Vec<Closure>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, from_date, to_date, note, location_id FROM closures WHERE to_date >= $1 AND from_date <= $2 \
             ORDER BY from_date, id",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(closure_from).collect()
    }

    pub async fn delete_closure(&self, id: &ClosureId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM closures WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        found(done)?;
        crate::catalog::bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
