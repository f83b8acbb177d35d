//! The client's intake as a use-case: filled in with consent (by the client, or staff at
//! the desk), checked field by field before anything is kept, gone through again by staff
//! at a visit; every reading, change and review is logged. Who may do so is the caller's
//! question (the server's `policy`).

use kneadtime_domain::intake::Flag;
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{Intake, MAX_INTAKE_ANSWER_CHARS, StoreError};

use crate::people::audit;
use crate::{Clinic, CoreError, CoreResult};

/// The intake as typed.
#[derive(Debug, Clone, Default)]
pub struct IntakeInput {
    pub running: String,
    pub goals: String,
    pub injuries: String,
    pub current_pain: String,
    /// 0 (none) to 10.
    pub pain: i64,
    pub medication: String,
    pub conditions: String,
    /// Ids of the conditions that apply.
    pub flags: Vec<String>,
    /// The client agrees to treatment on what they have said.
    pub consent: bool,
    /// The client's name, typed as their signature.
    pub consent_name: String,
}

/// The conditions named, each once, or the first one not known.
fn flags_of(ids: &[String]) -> CoreResult<Vec<Flag>> {
    let mut flags = Vec::new();
    for (i, f) in ids.iter().enumerate() {
        let flag = Flag::parse(f).ok_or_else(|| {
            CoreError::field(
                &format!("flags[{i}]"),
                format!("expected one of the listed conditions, found {f:?}"),
            )
        })?;
        if !flags.contains(&flag) {
            flags.push(flag);
        }
    }
    Ok(flags)
}

/// Checks the intake and keeps it, signed by the client's consent, as changed by `actor`
/// (`client:ID` or `staff:ID`). Nothing is kept when any field is wrong.
pub async fn save(
    core: &Clinic,
    client_id: &ClientId,
    actor: &str,
    b: &IntakeInput,
) -> CoreResult<()> {
    if !(0..=10).contains(&b.pain) {
        return Err(CoreError::field(
            "pain",
            "expected a score from 0 (none) to 10",
        ));
    }
    let flags = flags_of(&b.flags)?;
    for (field, text) in [
        ("running", &b.running),
        ("goals", &b.goals),
        ("injuries", &b.injuries),
        ("current_pain", &b.current_pain),
        ("medication", &b.medication),
        ("conditions", &b.conditions),
        ("consent_name", &b.consent_name),
    ] {
        if text.chars().count() > MAX_INTAKE_ANSWER_CHARS {
            return Err(CoreError::field(
                field,
                format!("expected at most {MAX_INTAKE_ANSWER_CHARS} characters"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(CoreError::field(field, "expected plain text"));
        }
    }
    if !b.consent {
        return Err(CoreError::field(
            "consent",
            "the clinic needs the client's consent to treat them",
        ));
    }
    if b.consent_name.trim().chars().count() < 2 {
        return Err(CoreError::field(
            "consent_name",
            "type the client's full name to sign",
        ));
    }
    let now = core.now();
    core.store
        .save_intake(&Intake {
            client_id: client_id.clone(),
            running: b.running.clone(),
            goals: b.goals.clone(),
            injuries: b.injuries.clone(),
            current_pain: b.current_pain.clone(),
            pain: b.pain,
            medication: b.medication.clone(),
            conditions: b.conditions.clone(),
            flags,
            consent_name: b.consent_name.clone(),
            consented_at: UnixTime::from_second(now),
            updated_at: UnixTime::from_second(now),
            updated_by: actor.to_string(),
            reviewed_at: None,
            reviewed_by: None,
        })
        .await?;
    audit(core, actor, "intake.change", Some(client_id), "").await
}

/// Records that `actor` (staff) went through the client's intake with them again.
pub async fn review(core: &Clinic, client_id: &ClientId, actor: &str) -> CoreResult<()> {
    match core.store.review_intake(client_id, actor).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(CoreError::NotFound("intake")),
        Err(e) => return Err(e.into()),
    }
    audit(core, actor, "intake.review", Some(client_id), "").await
}

/// Logs that `actor` read the client's intake.
pub async fn viewed(core: &Clinic, client_id: &ClientId, actor: &str) -> CoreResult<()> {
    audit(core, actor, "intake.view", Some(client_id), "").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_read_once_each_and_an_unknown_one_is_named() {
        let known = Flag::ALL[0].as_str().to_string();
        let got = flags_of(&[known.clone(), known.clone()]).unwrap();
        assert_eq!(got.len(), 1);
        match flags_of(&[known, "not-a-condition".into()]) {
            Err(CoreError::Field { field, message }) => {
                assert_eq!(field, "flags[1]");
                assert!(message.contains("not-a-condition"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
