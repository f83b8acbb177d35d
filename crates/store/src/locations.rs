//! The clinic group's locations: where each is, the zone its hours are read in, when it
//! is open, and their order on pages. A location is never deleted (past sessions name
//! it); one with therapists still working there cannot be closed down.

use crate::ids::*;
use sqlx::any::AnyRow;

use crate::{
    Location, NewLocation, Store, StoreError, WorkingHours, col, col_bool, new_id, weekday_number,
    weekday_of,
};

/// The most locations one group keeps.
pub const MAX_LOCATIONS: usize = 200;

macro_rules! location_columns {
    () => {
        "id, name, address, time_zone, active, position"
    };
}

fn location_from(row: &AnyRow) -> Result<Location, StoreError> {
    Ok(Location {
        id: col(row, "id")?,
        name: col(row, "name")?,
        address: col(row, "address")?,
        time_zone: col(row, "time_zone")?,
        active: col_bool(row, "active")?,
        position: col(row, "position")?,
    })
}

fn check_location(name: &str, address: &str, time_zone: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.chars().count() > 120 {
        return Err(StoreError::Invalid(
            "a location needs a name of at most 120 characters".into(),
        ));
    }
    if address.chars().count() > 500 {
        return Err(StoreError::Invalid(
            "the address is longer than 500 characters".into(),
        ));
    }
    if time_zone.trim().is_empty() {
        return Err(StoreError::Invalid("a location needs a time zone".into()));
    }
    Ok(())
}

/// Checks a weekly pattern: minutes inside the day, each span forward.
pub(crate) fn check_hours(hours: &[WorkingHours]) -> Result<(), StoreError> {
    for h in hours {
        if h.start_minute < 0 || h.end_minute > 1440 || h.end_minute <= h.start_minute {
            return Err(StoreError::Invalid(format!("bad hours {h:?}")));
        }
    }
    Ok(())
}

impl Store {
    /// Every location, closed ones too, in page order.
    pub async fn locations(&self) -> Result<Vec<Location>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            location_columns!(),
            " FROM locations ORDER BY position, name, id"
        ))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(location_from).collect()
    }

    pub async fn location(&self, id: &LocationId) -> Result<Location, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            location_columns!(),
            " FROM locations WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        location_from(&row)
    }

    /// The location `id` when it is open for business; `Invalid` naming it otherwise.
    pub(crate) async fn active_location(&self, id: &LocationId) -> Result<Location, StoreError> {
        match self.location(id).await {
            Ok(l) if l.active => Ok(l),
            Ok(l) => Err(StoreError::Invalid(format!(
                "the location {:?} is closed down",
                l.name
            ))),
            Err(StoreError::NotFound) => {
                Err(StoreError::Invalid(format!("there is no location {id:?}")))
            }
            Err(e) => Err(e),
        }
    }

    /// The first open location in page order (the migration makes one).
    pub(crate) async fn first_location(&self) -> Result<Location, StoreError> {
        self.locations()
            .await?
            .into_iter()
            .find(|l| l.active)
            .ok_or_else(|| StoreError::Invalid("the clinic has no open location".into()))
    }

    pub async fn create_location(&self, new: &NewLocation) -> Result<Location, StoreError> {
        check_location(&new.name, &new.address, &new.time_zone)?;
        let existing = self.locations().await?;
        if existing.len() >= MAX_LOCATIONS {
            return Err(StoreError::Invalid(format!(
                "a clinic group keeps at most {MAX_LOCATIONS} locations"
            )));
        }
        let l = Location {
            id: new_id(),
            name: new.name.trim().to_string(),
            address: new.address.trim().to_string(),
            time_zone: new.time_zone.trim().to_string(),
            active: true,
            position: existing.iter().map(|l| l.position + 1).max().unwrap_or(0),
        };
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO locations (id, name, address, time_zone, active, position) \
             VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(&l.id)
        .bind(&l.name)
        .bind(&l.address)
        .bind(&l.time_zone)
        .bind(l.position)
        .execute(&mut *tx)
        .await?;
        crate::catalog::bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(l)
    }

    /// Replaces name, address, zone, order and the open flag (matched by `l.id`). A
    /// location with active therapists, or the last open one, stays open.
    pub async fn update_location(&self, l: &Location) -> Result<(), StoreError> {
        check_location(&l.name, &l.address, &l.time_zone)?;
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        // A new zone moves every local hour there; sessions booked ahead would be left
        // at instants their therapist's hours no longer cover.
        let ahead = booked_ahead(&mut tx, &l.id, &l.time_zone, self.now().as_second()).await?;
        if ahead > 0 {
            return Err(StoreError::Invalid(format!(
                "{ahead} session(s) are booked ahead at {:?}: its time zone cannot change until they are moved or cancelled",
                l.name.trim()
            )));
        }
        let done = sqlx::query(
            "UPDATE locations SET name = $1, address = $2, time_zone = $3, position = $4, active = $5 \
             WHERE id = $6 AND ($5 = 1 OR (NOT EXISTS (SELECT 1 FROM therapists t \
                 WHERE t.location_id = $6 AND t.active = 1) \
             AND EXISTS (SELECT 1 FROM locations o WHERE o.id <> $6 AND o.active = 1)))",
        )
        .bind(l.name.trim())
        .bind(l.address.trim())
        .bind(l.time_zone.trim())
        .bind(l.position)
        .bind(i64::from(l.active))
        .bind(&l.id)
        .execute(&mut *tx)
        .await?;
        // A clinic with one location is that location: the clinic's name, address and
        // zone follow it (as it follows the clinic's).
        sqlx::query(
            "UPDATE clinic SET name = $1, address = $2, time_zone = $3 \
             WHERE (SELECT COUNT(*) FROM locations) = 1",
        )
        .bind(l.name.trim())
        .bind(l.address.trim())
        .bind(l.time_zone.trim())
        .execute(&mut *tx)
        .await?;
        crate::catalog::bump_setup(&mut tx).await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            self.location(&l.id).await?;
            return Err(StoreError::Invalid(format!(
                "{:?} cannot close down while therapists work there or while it is the only open location",
                l.name
            )));
        }
        Ok(())
    }

    /// Replaces a location's opening hours in one transaction; empty: open whenever its
    /// therapists work.
    pub async fn set_location_hours(
        &self,
        location_id: &LocationId,
        hours: &[WorkingHours],
    ) -> Result<(), StoreError> {
        check_hours(hours)?;
        self.location(location_id).await?;
        let _gate = self.gate().await;
        let result: Result<(), sqlx::Error> = crate::retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            crate::catalog::bump_setup(&mut tx).await?;
            sqlx::query("DELETE FROM location_hours WHERE location_id = $1")
                .bind(location_id)
                .execute(&mut *tx)
                .await?;
            for h in hours {
                sqlx::query(
                    "INSERT INTO location_hours (location_id, weekday, start_minute, end_minute) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(location_id)
                .bind(weekday_number(h.weekday))
                .bind(h.start_minute)
                .bind(h.end_minute)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        });
        Ok(result?)
    }

    /// Every location's opening hours in one query, by location, weekday, start.
    pub async fn location_hours_all(&self) -> Result<Vec<(LocationId, WorkingHours)>, StoreError> {
        let rows = sqlx::query(
            "SELECT location_id, weekday, start_minute, end_minute FROM location_hours \
             ORDER BY location_id, weekday, start_minute",
        )
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col(r, "location_id")?,
                    WorkingHours {
                        weekday: weekday_of(col(r, "weekday")?, "weekday")?,
                        start_minute: col(r, "start_minute")?,
                        end_minute: col(r, "end_minute")?,
                    },
                ))
            })
            .collect()
    }

    /// A location's opening hours, by weekday then start.
    pub async fn location_hours(
        &self,
        location_id: &LocationId,
    ) -> Result<Vec<WorkingHours>, StoreError> {
        Ok(self
            .location_hours_all()
            .await?
            .into_iter()
            .filter(|(l, _)| l == location_id)
            .map(|(_, h)| h)
            .collect())
    }

    /// The location a therapist works at.
    pub async fn location_of_therapist(
        &self,
        therapist_id: &TherapistId,
    ) -> Result<Location, StoreError> {
        let row = sqlx::query(
            "SELECT l.id, l.name, l.address, l.time_zone, l.active, l.position FROM locations l \
             JOIN therapists t ON t.location_id = l.id WHERE t.id = $1",
        )
        .bind(therapist_id)
        .fetch_one(self.db()?)
        .await?;
        location_from(&row)
    }
}

/// Sessions booked to start after `now` at location `id`, when its zone would change to
/// `zone`; 0 when the zone stays.
pub(crate) async fn booked_ahead(
    tx: &mut crate::write::WriteTx,
    id: &str,
    zone: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM appointments a JOIN therapists t ON t.id = a.therapist_id \
         JOIN locations l ON l.id = t.location_id \
         WHERE l.id = $1 AND l.time_zone <> $2 AND a.status = 'booked' AND a.start_at > $3",
    )
    .bind(id)
    .bind(zone.trim())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::Row::try_get(&row, "n")
}
