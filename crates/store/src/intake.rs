//! Each client's intake: one row, written whole when they (or staff) fill it in, and
//! stamped when staff go through it with them again at a visit.

use crate::ids::*;
use kneadtime_domain::intake::Flag;
use sqlx::any::AnyRow;

use crate::{Intake, Store, StoreError, col, found, retry_write};

/// The longest any free-text answer may be.
pub const MAX_ANSWER_CHARS: usize = 2000;

/// The columns [`intake_from`] reads, written once.
pub(crate) const INTAKE_COLUMNS: &str = "client_id, running, goals, injuries, current_pain, pain, medication, \
     conditions, flags, consent_name, consented_at, updated_at, updated_by, reviewed_at, reviewed_by";

pub(crate) fn intake_from(row: &AnyRow) -> Result<Intake, StoreError> {
    let flags: String = col(row, "flags")?;
    Ok(Intake {
        client_id: col(row, "client_id")?,
        running: col(row, "running")?,
        goals: col(row, "goals")?,
        injuries: col(row, "injuries")?,
        current_pain: col(row, "current_pain")?,
        pain: col(row, "pain")?,
        medication: col(row, "medication")?,
        conditions: col(row, "conditions")?,
        // An id no longer known is dropped rather than failing the read.
        flags: flags.split(',').filter_map(Flag::parse).collect(),
        consent_name: col(row, "consent_name")?,
        consented_at: col(row, "consented_at")?,
        updated_at: col(row, "updated_at")?,
        updated_by: col(row, "updated_by")?,
        reviewed_at: col(row, "reviewed_at")?,
        reviewed_by: col(row, "reviewed_by")?,
    })
}

impl Store {
    /// The client's intake, if they have filled one in.
    pub async fn intake(&self, client_id: &ClientId) -> Result<Option<Intake>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTAKE_COLUMNS} FROM intakes WHERE client_id = $1"
        )))
        .bind(client_id)
        .fetch_optional(self.db()?)
        .await?;
        row.as_ref().map(intake_from).transpose()
    }

    /// The intakes of the clients named (those without one are left out), for staff
    /// views that show many clients at once.
    pub async fn intakes_of(&self, client_ids: &[ClientId]) -> Result<Vec<Intake>, StoreError> {
        self.rows_with_ids(
            INTAKE_COLUMNS,
            "intakes",
            "client_id",
            client_ids,
            intake_from,
        )
        .await
    }

    /// Writes the client's intake whole (a new one, or the answers changed). A change
    /// clears the last review: staff go through it again.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a pain score outside 0–10, an answer over
    /// [`MAX_ANSWER_CHARS`] or a consent without a name.
    pub async fn save_intake(&self, i: &Intake) -> Result<(), StoreError> {
        if !(0..=10).contains(&i.pain) {
            return Err(StoreError::Invalid("pain is scored 0 to 10".into()));
        }
        if i.consent_name.trim().is_empty() {
            return Err(StoreError::Invalid(
                "consent needs the client's name".into(),
            ));
        }
        let answers = [
            &i.running,
            &i.goals,
            &i.injuries,
            &i.current_pain,
            &i.medication,
            &i.conditions,
            &i.consent_name,
        ];
        if answers.iter().any(|a| a.chars().count() > MAX_ANSWER_CHARS) {
            return Err(StoreError::Invalid(format!(
                "an answer is longer than {MAX_ANSWER_CHARS} characters"
            )));
        }
        let flags: Vec<&str> = i.flags.iter().map(|f| f.as_str()).collect();
        let _gate = self.gate().await;
        retry_write!(
            self,
            sqlx::query(
                "INSERT INTO intakes (client_id, running, goals, injuries, current_pain, pain, medication, \
                 conditions, flags, consent_name, consented_at, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (client_id) DO UPDATE SET running = $2, goals = $3, injuries = $4, \
                 current_pain = $5, pain = $6, medication = $7, conditions = $8, flags = $9, \
                 consent_name = $10, consented_at = $11, updated_at = $12, updated_by = $13, \
                 reviewed_at = NULL, reviewed_by = NULL",
            )
            .bind(&i.client_id)
            .bind(i.running.trim())
            .bind(i.goals.trim())
            .bind(i.injuries.trim())
            .bind(i.current_pain.trim())
            .bind(i.pain)
            .bind(i.medication.trim())
            .bind(i.conditions.trim())
            .bind(flags.join(","))
            .bind(i.consent_name.trim())
            .bind(i.consented_at)
            .bind(i.updated_at)
            .bind(&i.updated_by)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        Ok(())
    }

    /// Records that `by` went through the client's intake with them now.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the client has no intake.
    pub async fn review_intake(&self, client_id: &ClientId, by: &str) -> Result<(), StoreError> {
        let now = self.now();
        let _gate = self.gate().await;
        let done = retry_write!(
            self,
            sqlx::query(
                "UPDATE intakes SET reviewed_at = $1, reviewed_by = $2 WHERE client_id = $3"
            )
            .bind(now)
            .bind(by)
            .bind(client_id)
            .execute(&mut *self.wconn_sqlx().await?)
        )?;
        found(done)
    }
}
