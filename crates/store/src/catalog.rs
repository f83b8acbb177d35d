//! What the clinic offers and who works when: the clinic row, therapists, services,
//! working hours and exceptions (holidays, sick days). Plain CRUD; "deactivate" keeps
//! the row so old appointments still point at something.

use crate::ids::*;
use jiff::civil::Date;
use kneadtime_domain::Pressure;
use sqlx::any::AnyRow;

use crate::found;
use crate::model::parse_or;
use crate::{
    Clinic, ExceptionReason, NewException, NewService, NewTherapist, Service, ServiceKind, Skill,
    Store, StoreError, Therapist, TherapistException, WorkingHours, col, col_bool, col_date,
    from_json, json_text, new_id, weekday_number, weekday_of,
};

fn therapist_from(row: &AnyRow) -> Result<Therapist, StoreError> {
    let raw: String = col(row, "skills")?;
    let names: Vec<String> = from_json(&raw, "skills")?;
    let skills = names
        .iter()
        .map(|s| parse_or(Skill::parse(s), "skill", s))
        .collect::<Result<_, _>>()?;
    Ok(Therapist {
        id: col(row, "id")?,
        name: col(row, "name")?,
        skills,
        active: col_bool(row, "active")?,
        location_id: col(row, "location_id")?,
    })
}

fn skills_text(skills: &[Skill]) -> String {
    json_text(&skills.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

fn service_from(row: &AnyRow) -> Result<Service, StoreError> {
    let kind: String = col(row, "kind")?;
    let pmin: String = col(row, "pressure_min")?;
    let pmax: String = col(row, "pressure_max")?;
    Ok(Service {
        id: col(row, "id")?,
        name: col(row, "name")?,
        kind: parse_or(ServiceKind::parse(&kind), "service kind", &kind)?,
        length_min: col(row, "length_min")?,
        price_cents: col(row, "price_cents")?,
        pressure_min: parse_or(Pressure::parse(&pmin), "pressure", &pmin)?,
        pressure_max: parse_or(Pressure::parse(&pmax), "pressure", &pmax)?,
        buffer_after_min: col(row, "buffer_after_min")?,
        active: col_bool(row, "active")?,
        location_id: col(row, "location_id")?,
    })
}

/// The columns [`service_from`] reads.
macro_rules! service_columns {
    () => {
        "id, name, kind, length_min, price_cents, pressure_min, pressure_max, buffer_after_min, \
         active, location_id"
    };
}

/// The columns [`therapist_from`] reads.
macro_rules! therapist_columns {
    () => {
        "id, name, skills, active, location_id"
    };
}

fn check_service(s: &NewService) -> Result<(), StoreError> {
    if s.name.trim().is_empty() {
        return Err(StoreError::Invalid("a service needs a name".into()));
    }
    if s.length_min <= 0 || s.price_cents < 0 || s.buffer_after_min < 0 {
        return Err(StoreError::Invalid(
            "length must be positive, price and buffer not negative".into(),
        ));
    }
    if s.pressure_min > s.pressure_max {
        return Err(StoreError::Invalid(
            "pressure_min is firmer than pressure_max".into(),
        ));
    }
    Ok(())
}

fn exception_from(row: &AnyRow) -> Result<TherapistException, StoreError> {
    let reason: String = col(row, "reason")?;
    Ok(TherapistException {
        id: col(row, "id")?,
        therapist_id: col(row, "therapist_id")?,
        from_date: col_date(row, "from_date")?,
        to_date: col_date(row, "to_date")?,
        reason: parse_or(ExceptionReason::parse(&reason), "exception reason", &reason)?,
        note: col(row, "note")?,
    })
}

/// Moves the set-up version (what the core keeps of therapists, hours, services and
/// locations is checked against it), in the caller's transaction.
pub(crate) async fn bump_setup(tx: &mut crate::write::WriteTx) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE clinic SET setup_version = setup_version + 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The most hours ahead a reminder or the cancellation window may reach (two weeks).
pub const MAX_NOTICE_HOURS: i64 = 336;

impl Store {
    /// The clinic's one row (created by the first migration as "Clinic", UTC).
    pub async fn clinic(&self) -> Result<Clinic, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, time_zone, profile_toml, booking_horizon_days, max_open_bookings, \
                 address, reminder_hours, cancel_window_hours, min_notice_hours, currency FROM clinic ORDER BY id LIMIT 1",
        )
        .fetch_one(self.db()?)
        .await?;
        Ok(Clinic {
            id: col(&row, "id")?,
            name: col(&row, "name")?,
            time_zone: col(&row, "time_zone")?,
            profile_toml: col(&row, "profile_toml")?,
            booking_horizon_days: col(&row, "booking_horizon_days")?,
            max_open_bookings: col(&row, "max_open_bookings")?,
            address: col(&row, "address")?,
            reminder_hours: col(&row, "reminder_hours")?,
            cancel_window_hours: col(&row, "cancel_window_hours")?,
            min_notice_hours: col(&row, "min_notice_hours")?,
            currency: col(&row, "currency")?,
        })
    }

    /// The set-up version: it moves in the same transaction as any change to the clinic,
    /// its locations and opening hours, therapists and their hours, or services.
    pub async fn setup_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT setup_version FROM clinic ORDER BY id LIMIT 1")
            .fetch_one(self.db()?)
            .await?;
        col(&row, "setup_version")
    }

    /// Replaces the clinic's settings (matched by `clinic.id`). While the group has one
    /// location, that location's name, address and zone are the clinic's and change with it.
    pub async fn update_clinic(&self, clinic: &Clinic) -> Result<(), StoreError> {
        if clinic.time_zone.trim().is_empty() {
            return Err(StoreError::Invalid("the clinic needs a time zone".into()));
        }
        if !(1..=3650).contains(&clinic.booking_horizon_days)
            || !(1..=1000).contains(&clinic.max_open_bookings)
        {
            return Err(StoreError::Invalid(
                "the booking horizon or open-booking limit is out of range".into(),
            ));
        }
        if [
            clinic.reminder_hours,
            clinic.cancel_window_hours,
            clinic.min_notice_hours,
        ]
        .iter()
        .any(|h| !(0..=MAX_NOTICE_HOURS).contains(h))
        {
            return Err(StoreError::Invalid(format!(
                "the reminder, cancellation and notice hours are 0 to {MAX_NOTICE_HOURS}"
            )));
        }
        if clinic.address.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "the address is longer than 500 characters".into(),
            ));
        }
        let _gate = self.gate().await;
        // The one location's zone follows the clinic's: not while sessions are booked
        // ahead there, whose local hours it would move.
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM appointments a JOIN therapists t ON t.id = a.therapist_id \
             JOIN locations l ON l.id = t.location_id \
             WHERE (SELECT COUNT(*) FROM locations) = 1 AND l.time_zone <> $1 \
             AND a.status = 'booked' AND a.start_at > $2",
        )
        .bind(clinic.time_zone.trim())
        .bind(self.now())
        .fetch_one(self.db()?)
        .await?;
        let ahead: i64 = col(&row, "n")?;
        if ahead > 0 {
            return Err(StoreError::Invalid(format!(
                "{ahead} session(s) are booked ahead: the time zone cannot change until they are moved or cancelled"
            )));
        }
        let done: u64 = crate::retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE clinic SET name = $1, time_zone = $2, profile_toml = $3, booking_horizon_days = $4, \
                 max_open_bookings = $5, address = $6, reminder_hours = $7, cancel_window_hours = $8, \
                 min_notice_hours = $9, currency = $11 WHERE id = $10",
            )
            .bind(&clinic.name)
            .bind(&clinic.time_zone)
            .bind(&clinic.profile_toml)
            .bind(clinic.booking_horizon_days)
            .bind(clinic.max_open_bookings)
            .bind(&clinic.address)
            .bind(clinic.reminder_hours)
            .bind(clinic.cancel_window_hours)
            .bind(clinic.min_notice_hours)
            .bind(&clinic.id)
            .bind(&clinic.currency)
            .execute(&mut *tx)
            .await?;
            // A clinic with one location is that location: its name, address and zone
            // follow.
            bump_setup(&mut tx).await?;
            sqlx::query(
                "UPDATE locations SET address = $1, time_zone = $2, name = $3 \
                 WHERE (SELECT COUNT(*) FROM locations) = 1",
            )
            .bind(&clinic.address)
            .bind(&clinic.time_zone)
            .bind(&clinic.name)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(done.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn create_therapist(&self, new: &NewTherapist) -> Result<Therapist, StoreError> {
        if new.name.trim().is_empty() {
            return Err(StoreError::Invalid("a therapist needs a name".into()));
        }
        let location_id = match &new.location_id {
            Some(id) => self.active_location(id).await?.id,
            None => self.first_location().await?.id,
        };
        let t = Therapist {
            id: new_id(),
            name: new.name.clone(),
            skills: new.skills.clone(),
            active: true,
            location_id,
        };
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO therapists (id, name, skills, active, location_id) VALUES ($1, $2, $3, 1, $4)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(skills_text(&t.skills))
        .bind(&t.location_id)
        .execute(&mut *tx)
        .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(t)
    }

    pub async fn therapist(&self, id: &TherapistId) -> Result<Therapist, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            therapist_columns!(),
            " FROM therapists WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        therapist_from(&row)
    }

    /// All therapists, inactive ones too, by name.
    pub async fn therapists(&self) -> Result<Vec<Therapist>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            therapist_columns!(),
            " FROM therapists ORDER BY name, id"
        ))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(therapist_from).collect()
    }

    /// Replaces name, skills, the active flag and the location (matched by `t.id`).
    /// A therapist moves to another location only with no booked session ahead, so no
    /// client is told one place and sent to another.
    pub async fn update_therapist(&self, t: &Therapist) -> Result<(), StoreError> {
        let before = self.therapist(&t.id).await?;
        if before.location_id != t.location_id {
            self.active_location(&t.location_id).await?;
        }
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE therapists SET name = $1, skills = $2, active = $3, location_id = $5 WHERE id = $4 \
             AND (location_id = $5 OR NOT EXISTS (SELECT 1 FROM appointments a \
                  WHERE a.therapist_id = $4 AND a.status = 'booked' AND a.end_at > $6 \
                  AND a.start_at > $7))",
        )
        .bind(&t.name)
        .bind(skills_text(&t.skills))
        .bind(i64::from(t.active))
        .bind(&t.id)
        .bind(&t.location_id)
        .bind(self.now())
        // Appointments last at most a day: earlier starts have ended.
        .bind(self.now() - crate::MAX_APPOINTMENT_SECS)
        .execute(&mut *tx)
        .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "{} has sessions booked ahead at their location: move or cancel them before \
                 moving {} to another location",
                before.name, before.name
            )));
        }
        Ok(())
    }

    pub async fn deactivate_therapist(&self, id: &TherapistId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE therapists SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        found(done)
    }

    pub async fn create_service(&self, new: &NewService) -> Result<Service, StoreError> {
        check_service(new)?;
        let s = Service {
            id: new_id(),
            name: new.name.clone(),
            kind: new.kind,
            length_min: new.length_min,
            price_cents: new.price_cents,
            pressure_min: new.pressure_min,
            pressure_max: new.pressure_max,
            buffer_after_min: new.buffer_after_min,
            active: true,
            location_id: new.location_id.clone(),
        };
        if let Some(l) = &s.location_id {
            self.active_location(l).await?;
        }
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO services (id, name, kind, length_min, price_cents, pressure_min, pressure_max, \
             buffer_after_min, active, location_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)",
        )
        .bind(&s.id)
        .bind(&s.name)
        .bind(s.kind.as_str())
        .bind(s.length_min)
        .bind(s.price_cents)
        .bind(s.pressure_min.as_str())
        .bind(s.pressure_max.as_str())
        .bind(s.buffer_after_min)
        .bind(&s.location_id)
        .execute(&mut *tx)
        .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn service(&self, id: &ServiceId) -> Result<Service, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            service_columns!(),
            " FROM services WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(self.db()?)
        .await?;
        service_from(&row)
    }

    /// All services, inactive ones too, by name.
    pub async fn services(&self) -> Result<Vec<Service>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            service_columns!(),
            " FROM services ORDER BY name, id"
        ))
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(service_from).collect()
    }

    /// Replaces every field but the id. Existing appointments keep their cells: a new
    /// buffer applies to bookings made (or rescheduled) from now on.
    pub async fn update_service(&self, s: &Service) -> Result<(), StoreError> {
        check_service(&NewService {
            name: s.name.clone(),
            kind: s.kind,
            length_min: s.length_min,
            price_cents: s.price_cents,
            pressure_min: s.pressure_min,
            pressure_max: s.pressure_max,
            buffer_after_min: s.buffer_after_min,
            location_id: s.location_id.clone(),
        })?;
        if let Some(l) = &s.location_id {
            self.active_location(l).await?;
        }
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE services SET name = $1, kind = $2, length_min = $3, price_cents = $4, pressure_min = $5, \
             pressure_max = $6, buffer_after_min = $7, active = $8, location_id = $10 WHERE id = $9",
        )
        .bind(&s.name)
        .bind(s.kind.as_str())
        .bind(s.length_min)
        .bind(s.price_cents)
        .bind(s.pressure_min.as_str())
        .bind(s.pressure_max.as_str())
        .bind(s.buffer_after_min)
        .bind(i64::from(s.active))
        .bind(&s.id)
        .bind(&s.location_id)
        .execute(&mut *tx)
        .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        found(done)
    }

    pub async fn deactivate_service(&self, id: &ServiceId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE services SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        found(done)
    }

    /// Replaces a therapist's whole weekly pattern in one transaction.
    pub async fn set_working_hours(
        &self,
        therapist_id: &TherapistId,
        hours: &[WorkingHours],
    ) -> Result<(), StoreError> {
        crate::locations::check_hours(hours)?;
        self.therapist(therapist_id).await?;
        let result: Result<(), sqlx::Error> = crate::retry_write!(self, async {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM working_hours WHERE therapist_id = $1")
                .bind(therapist_id)
                .execute(&mut *tx)
                .await?;
            bump_setup(&mut tx).await?;
            for h in hours {
                sqlx::query(
                    "INSERT INTO working_hours (therapist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)",
                )
                .bind(therapist_id)
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

    /// A therapist's weekly pattern, by weekday then start.
    pub async fn working_hours(
        &self,
        therapist_id: &TherapistId,
    ) -> Result<Vec<WorkingHours>, StoreError> {
        let rows = sqlx::query(
            "SELECT weekday, start_minute, end_minute FROM working_hours WHERE therapist_id = $1 \
             ORDER BY weekday, start_minute",
        )
        .bind(therapist_id)
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkingHours {
                    weekday: weekday_of(col(r, "weekday")?, "weekday")?,
                    start_minute: col(r, "start_minute")?,
                    end_minute: col(r, "end_minute")?,
                })
            })
            .collect()
    }

    /// Every therapist's weekly pattern in one query, by therapist, weekday, start.
    pub async fn working_hours_all(&self) -> Result<Vec<(TherapistId, WorkingHours)>, StoreError> {
        let rows = sqlx::query(
            "SELECT therapist_id, weekday, start_minute, end_minute FROM working_hours \
             ORDER BY therapist_id, weekday, start_minute",
        )
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col(r, "therapist_id")?,
                    WorkingHours {
                        weekday: weekday_of(col(r, "weekday")?, "weekday")?,
                        start_minute: col(r, "start_minute")?,
                        end_minute: col(r, "end_minute")?,
                    },
                ))
            })
            .collect()
    }

    /// Every therapist's days off overlapping `from`..=`to` ('YYYY-MM-DD'), in one query.
    pub async fn exceptions_between(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<TherapistException>, StoreError> {
        let rows = sqlx::query("SELECT * FROM exceptions WHERE to_date >= $1 AND from_date <= $2 ORDER BY therapist_id, from_date, id")
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(self.db()?)
            .await?;
        rows.iter().map(exception_from).collect()
    }

    pub async fn create_exception(
        &self,
        new: &NewException,
    ) -> Result<TherapistException, StoreError> {
        if new.to_date < new.from_date {
            return Err(StoreError::Invalid(
                "an exception cannot end before it starts".into(),
            ));
        }
        let e = TherapistException {
            id: new_id(),
            therapist_id: new.therapist_id.clone(),
            from_date: new.from_date,
            to_date: new.to_date,
            reason: new.reason,
            note: new.note.clone(),
        };
        // Days off are part of the set-up the core keeps: the version moves with them.
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO exceptions (id, therapist_id, from_date, to_date, reason, note) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&e.id)
        .bind(&e.therapist_id)
        .bind(e.from_date.to_string())
        .bind(e.to_date.to_string())
        .bind(e.reason.as_str())
        .bind(&e.note)
        .execute(&mut *tx)
        .await?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// A therapist's exceptions that touch the dates `from..=to` ('YYYY-MM-DD').
    pub async fn exceptions(
        &self,
        therapist_id: &TherapistId,
        from: Date,
        to: Date,
    ) -> Result<Vec<TherapistException>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM exceptions WHERE therapist_id = $1 AND to_date >= $2 AND from_date <= $3 ORDER BY from_date, id",
        )
        .bind(therapist_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(exception_from).collect()
    }

    /// Replaces dates, reason and note (matched by `e.id`).
    pub async fn update_exception(&self, e: &TherapistException) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE exceptions SET from_date = $1, to_date = $2, reason = $3, note = $4 WHERE id = $5")
            .bind(e.from_date.to_string())
            .bind(e.to_date.to_string())
            .bind(e.reason.as_str())
            .bind(&e.note)
            .bind(&e.id)
            .execute(&mut *tx)
            .await?;
        found(done)?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_exception(&self, id: &ExceptionId) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM exceptions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        found(done)?;
        bump_setup(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
