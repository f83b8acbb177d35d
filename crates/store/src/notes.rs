//! Session notes: one per appointment, edited until the therapist signs it, changed
//! after that only by amendments kept beside it with who made them, when and why.

use crate::UnixTime;
use crate::ids::*;
use sqlx::any::AnyRow;

use crate::{
    Amendment, NoteContent, SessionNote, Store, StoreError, col, found, from_json, json_text,
    new_id,
};
use kneadtime_domain::Pressure;

/// The columns a note is read from, written once.
const COLUMNS: &str = "n.id, n.appointment_id, n.findings, n.pressure_used, n.techniques, \
     n.homework_given, n.homework_done, n.created_at, n.subjective, n.pain, n.last_homework_done, \
     n.assessment, n.next_visit, n.author, n.updated_at, n.signed_at, n.signed_by";

fn opt_bool(row: &AnyRow, name: &str) -> Result<Option<bool>, StoreError> {
    Ok(col::<Option<i64>>(row, name)?.map(|v| v != 0))
}

fn note_from(row: &AnyRow) -> Result<SessionNote, StoreError> {
    let findings: String = col(row, "findings")?;
    let techniques: String = col(row, "techniques")?;
    let pressure: Option<String> = col(row, "pressure_used")?;
    let pressure_used = match pressure {
        Some(p) => Some(
            Pressure::parse(&p)
                .ok_or_else(|| StoreError::Backend(format!("stored pressure {p:?} is unknown")))?,
        ),
        None => None,
    };
    let created_at: i64 = col(row, "created_at")?;
    Ok(SessionNote {
        id: col(row, "id")?,
        appointment_id: col(row, "appointment_id")?,
        content: NoteContent {
            subjective: col(row, "subjective")?,
            pain: col::<Option<i64>>(row, "pain")?.map(|p| p.clamp(0, 10) as u8),
            last_homework_done: opt_bool(row, "last_homework_done")?,
            findings: from_json(&findings, "findings")?,
            pressure_used,
            techniques: from_json(&techniques, "techniques")?,
            assessment: col(row, "assessment")?,
            homework_given: col(row, "homework_given")?,
            next_visit: col(row, "next_visit")?,
        },
        homework_done: opt_bool(row, "homework_done")?,
        author: col(row, "author")?,
        created_at: UnixTime::from_second(created_at),
        updated_at: UnixTime::from_second(
            col::<Option<i64>>(row, "updated_at")?.unwrap_or(created_at),
        ),
        signed_at: col(row, "signed_at")?,
        signed_by: col(row, "signed_by")?,
        signed_content: None,
        amendments: Vec::new(),
    })
}

fn amendment_from(row: &AnyRow) -> Result<(String, Amendment), StoreError> {
    let content: String = col(row, "content")?;
    Ok((
        col(row, "note_id")?,
        Amendment {
            id: col(row, "id")?,
            at: col(row, "at")?,
            author: col(row, "author")?,
            reason: col(row, "reason")?,
            content: from_json(&content, "amendment")?,
        },
    ))
}

/// Hangs each amendment on its note, oldest first, and makes the last one the content
/// shown (keeping the signed text beside it).
fn attach(notes: &mut [SessionNote], amendments: Vec<(String, Amendment)>) {
    for (note_id, a) in amendments {
        if let Some(n) = notes.iter_mut().find(|n| n.id == note_id) {
            n.amendments.push(a);
        }
    }
    for n in notes {
        if let Some(last) = n.amendments.last() {
            n.signed_content = Some(std::mem::replace(&mut n.content, last.content.clone()));
        }
    }
}

fn check(content: &NoteContent) -> Result<(), StoreError> {
    if content.findings.iter().any(|f| f.tightness > 3) {
        return Err(StoreError::Invalid("tightness is 0 to 3".into()));
    }
    if content.pain.is_some_and(|p| p > 10) {
        return Err(StoreError::Invalid("pain is 0 to 10".into()));
    }
    Ok(())
}

impl Store {
    /// Writes the note of an appointment as a draft by `author` (a staff member's name).
    /// `Conflict` when the appointment has a note already.
    pub async fn create_note(
        &self,
        appointment_id: &AppointmentId,
        author: &str,
        content: &NoteContent,
    ) -> Result<SessionNote, StoreError> {
        check(content)?;
        let id: NoteId = new_id();
        let now = self.now();
        let _gate = self.gate().await;
        let c = content;
        sqlx::query(
            "INSERT INTO session_notes (id, appointment_id, findings, pressure_used, techniques, \
             homework_given, created_at, subjective, pain, last_homework_done, assessment, next_visit, \
             author, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $7)",
        )
        .bind(&id)
        .bind(appointment_id)
        .bind(json_text(&c.findings))
        .bind(c.pressure_used.map(|p| p.as_str().to_string()))
        .bind(json_text(&c.techniques))
        .bind(&c.homework_given)
        .bind(now)
        .bind(&c.subjective)
        .bind(c.pain.map(i64::from))
        .bind(c.last_homework_done.map(i64::from))
        .bind(&c.assessment)
        .bind(&c.next_visit)
        .bind(author)
        .execute(&mut *self.wconn().await?)
        .await?;
        drop(_gate);
        self.note(&id).await
    }

    /// Replaces what an unsigned note says. `Locked` once it is signed.
    pub async fn edit_note(
        &self,
        id: &NoteId,
        content: &NoteContent,
    ) -> Result<SessionNote, StoreError> {
        check(content)?;
        let c = content;
        let _gate = self.gate().await;
        let done = sqlx::query(
            "UPDATE session_notes SET findings = $1, pressure_used = $2, techniques = $3, \
             homework_given = $4, subjective = $5, pain = $6, last_homework_done = $7, \
             assessment = $8, next_visit = $9, updated_at = $10 WHERE id = $11 AND signed_at IS NULL",
        )
        .bind(json_text(&c.findings))
        .bind(c.pressure_used.map(|p| p.as_str().to_string()))
        .bind(json_text(&c.techniques))
        .bind(&c.homework_given)
        .bind(&c.subjective)
        .bind(c.pain.map(i64::from))
        .bind(c.last_homework_done.map(i64::from))
        .bind(&c.assessment)
        .bind(&c.next_visit)
        .bind(self.now())
        .bind(id)
        .execute(&mut *self.wconn().await?)
        .await?;
        drop(_gate);
        self.locked_unless(done, id).await
    }

    /// Signs a note as `by` (a staff member's name); it then changes only by amendment.
    /// `Locked` when it is signed already.
    pub async fn sign_note(&self, id: &NoteId, by: &str) -> Result<SessionNote, StoreError> {
        let _gate = self.gate().await;
        let done = sqlx::query(
            "UPDATE session_notes SET signed_at = $1, signed_by = $2 WHERE id = $3 AND signed_at IS NULL",
        )
        .bind(self.now())
        .bind(by)
        .bind(id)
        .execute(&mut *self.wconn().await?)
        .await?;
        drop(_gate);
        self.locked_unless(done, id).await
    }

    /// The note after a guarded write: itself when the write took, `Locked` when the
    /// note exists but was signed, `NotFound` when there is none.
    async fn locked_unless(
        &self,
        done: sqlx::any::AnyQueryResult,
        id: &NoteId,
    ) -> Result<SessionNote, StoreError> {
        let n = self.note(id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Locked);
        }
        Ok(n)
    }

    /// Amends a signed note: `content` is the whole note as it now reads. `Invalid`
    /// when the note is not signed yet (edit it instead).
    pub async fn amend_note(
        &self,
        id: &NoteId,
        author: &str,
        reason: &str,
        content: &NoteContent,
    ) -> Result<SessionNote, StoreError> {
        check(content)?;
        let _gate = self.gate().await;
        // Only a signed note takes amendments; the guard is in the insert itself, so a
        // note being signed at the same moment cannot slip between.
        let done = sqlx::query(
            "INSERT INTO note_amendments (id, note_id, at, author, reason, content) \
             SELECT $1, id, $2, $3, $4, $5 FROM session_notes WHERE id = $6 AND signed_at IS NOT NULL",
        )
        .bind(new_id::<String>())
        .bind(self.now())
        .bind(author)
        .bind(reason)
        .bind(json_text(content))
        .bind(id)
        .execute(&mut *self.wconn().await?)
        .await?;
        drop(_gate);
        let n = self.note(id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(
                "the note is not signed yet: change it directly".into(),
            ));
        }
        Ok(n)
    }

    /// One note by id, with its amendments.
    pub async fn note(&self, id: &NoteId) -> Result<SessionNote, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM session_notes n WHERE n.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(self.db()?)
            .await?;
        let mut notes = vec![note_from(&row)?];
        let rows = sqlx::query(
            "SELECT id, note_id, at, author, reason, content FROM note_amendments \
             WHERE note_id = $1 ORDER BY at, id",
        )
        .bind(id)
        .fetch_all(self.db()?)
        .await?;
        attach(
            &mut notes,
            rows.iter().map(amendment_from).collect::<Result<_, _>>()?,
        );
        Ok(notes.remove(0))
    }

    /// The note of an appointment, if it has one.
    pub async fn note_of_appointment(
        &self,
        appointment_id: &AppointmentId,
    ) -> Result<Option<SessionNote>, StoreError> {
        let id: Option<NoteId> =
            sqlx::query_scalar("SELECT id FROM session_notes WHERE appointment_id = $1")
                .bind(appointment_id)
                .fetch_optional(self.db()?)
                .await?;
        match id {
            Some(id) => Ok(Some(self.note(&id).await?)),
            None => Ok(None),
        }
    }

    /// Every note about a client, in appointment order, with their amendments.
    pub async fn notes_for_client(
        &self,
        client_id: &ClientId,
    ) -> Result<Vec<SessionNote>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM session_notes n JOIN appointments a ON a.id = n.appointment_id \
             WHERE a.client_id = $1 ORDER BY a.start_at, n.created_at, n.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(client_id)
            .fetch_all(self.db()?)
            .await?;
        let mut notes: Vec<SessionNote> = rows.iter().map(note_from).collect::<Result<_, _>>()?;
        let rows = sqlx::query(
            "SELECT m.id, m.note_id, m.at, m.author, m.reason, m.content FROM note_amendments m \
             JOIN session_notes n ON n.id = m.note_id JOIN appointments a ON a.id = n.appointment_id \
             WHERE a.client_id = $1 ORDER BY m.at, m.id",
        )
        .bind(client_id)
        .fetch_all(self.db()?)
        .await?;
        attach(
            &mut notes,
            rows.iter().map(amendment_from).collect::<Result<_, _>>()?,
        );
        Ok(notes)
    }

    /// Records whether the homework of a note was done.
    pub async fn set_homework_done(&self, note_id: &NoteId, done: bool) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let r = sqlx::query("UPDATE session_notes SET homework_done = $1 WHERE id = $2")
            .bind(i64::from(done))
            .bind(note_id)
            .execute(&mut *self.wconn().await?)
            .await?;
        found(r)
    }
}
