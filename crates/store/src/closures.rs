//! Days a location, or the whole group, is closed: every therapist there is away.

use sqlx::any::AnyRow;

use crate::{Closure, Store, StoreError, check_date, col, found, new_id};

fn closure_from(row: &AnyRow) -> Result<Closure, StoreError> {
    Ok(Closure {
        id: col(row, "id")?,
        from_date: col(row, "from_date")?,
        to_date: col(row, "to_date")?,
        note: col(row, "note")?,
        location_id: col(row, "location_id")?,
    })
}

impl Store {
    /// Records a location (or, with `None`, every location) closed on `from..=to`
    /// ('YYYY-MM-DD', inclusive).
    pub async fn create_closure(
        &self,
        from: &str,
        to: &str,
        note: &str,
        location_id: Option<&str>,
    ) -> Result<Closure, StoreError> {
        check_date(from)?;
        check_date(to)?;
        if to < from {
            return Err(StoreError::Invalid(
                "a closure cannot end before it starts".into(),
            ));
        }
        let c = Closure {
            id: new_id(),
            from_date: from.into(),
            to_date: to.into(),
            note: note.chars().take(500).collect(),
            location_id: location_id.map(str::to_string),
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
        .bind(&c.from_date)
        .bind(&c.to_date)
        .bind(&c.note)
        .bind(&c.location_id)
        .execute(&mut *tx)
        .await?;
        crate::catalog::bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Closures that touch `from..=to`, by start.
    pub async fn closures_between(&self, from: &str, to: &str) -> Result<Vec<Closure>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, from_date, to_date, note, location_id FROM closures WHERE to_date >= $1 AND from_date <= $2 \
             ORDER BY from_date, id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(closure_from).collect()
    }

    pub async fn delete_closure(&self, id: &str) -> Result<(), StoreError> {
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
