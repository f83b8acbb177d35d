//! The treatment record: session notes read from typed input (refusing an empty one),
//! written as drafts, signed and amended; and what the record shows over time — the
//! patterns per body region and the hints that join them with the client's training.

use jiff::civil::Date;
use kneadtime_domain::notes::{
    Hint, Observation, RegionPattern, Side, hints, normal_region, patterns,
};
use kneadtime_domain::{Pressure, intake};
use kneadtime_store::ids::*;
use kneadtime_store::{Appointment, Finding, NoteContent, SessionNote, StoreError};

use crate::context::ClientContext;
use crate::time::local_date;
use crate::{Clinic, CoreError, CoreResult};

/// Most findings one note may hold, and most techniques.
pub const MAX_FINDINGS: usize = 40;
pub const MAX_TECHNIQUES: usize = 20;

/// One finding as a form or request gives it.
#[derive(Debug, Clone, Default)]
pub struct FindingInput {
    pub region: String,
    /// left, right or both (empty is both).
    pub side: String,
    pub tightness: i64,
    pub tender_points: i64,
    pub note: String,
}

/// A note as a form or request gives it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub subjective: String,
    pub pain: Option<i64>,
    pub last_homework_done: Option<bool>,
    pub findings: Vec<FindingInput>,
    /// light, moderate or deep.
    pub pressure_used: Option<String>,
    pub techniques: Vec<String>,
    pub assessment: String,
    pub homework_given: String,
    pub next_visit: String,
}

fn text(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Checks a note and puts it in stored form; each refusal names its field. A note that
/// says nothing is refused.
pub fn content_of(input: &NoteInput) -> CoreResult<NoteContent> {
    if input.findings.len() > MAX_FINDINGS || input.techniques.len() > MAX_TECHNIQUES {
        return Err(CoreError::field(
            "findings",
            format!("expected at most {MAX_FINDINGS} findings and {MAX_TECHNIQUES} techniques"),
        ));
    }
    let mut findings = Vec::new();
    for (i, f) in input.findings.iter().enumerate() {
        let region = normal_region(&f.region);
        if region.is_empty() || region.chars().count() > 60 {
            return Err(CoreError::field(
                &format!("findings[{i}].region"),
                "expected a body region, up to 60 characters",
            ));
        }
        if !(0..=3).contains(&f.tightness) {
            return Err(CoreError::field(
                &format!("findings[{i}].tightness"),
                format!("expected 0 (free) to 3 (very tight), found {}", f.tightness),
            ));
        }
        if !(0..=20).contains(&f.tender_points) {
            return Err(CoreError::field(
                &format!("findings[{i}].tender_points"),
                format!("expected 0 to 20 tender points, found {}", f.tender_points),
            ));
        }
        let side = Side::parse(&f.side).ok_or_else(|| {
            CoreError::field(
                &format!("findings[{i}].side"),
                format!("expected left, right or both, found {:?}", f.side),
            )
        })?;
        findings.push(Finding {
            region,
            side,
            tightness: f.tightness as u8,
            tender_points: f.tender_points as u8,
            note: text(&f.note, 500),
        });
    }
    let pain = match input.pain {
        None => None,
        Some(p) if (0..=10).contains(&p) => Some(p as u8),
        Some(p) => {
            return Err(CoreError::field(
                "pain",
                format!("expected pain from 0 (none) to 10 (worst), found {p}"),
            ));
        }
    };
    let pressure_used = match input.pressure_used.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(Pressure::parse(p).ok_or_else(|| {
            CoreError::field(
                "pressure_used",
                format!("expected light, moderate or deep, found {p:?}"),
            )
        })?),
    };
    let content = NoteContent {
        subjective: text(&input.subjective, 2000),
        pain,
        last_homework_done: input.last_homework_done,
        findings,
        pressure_used,
        techniques: input
            .techniques
            .iter()
            .map(|t| text(t, 60))
            .filter(|t| !t.is_empty())
            .collect(),
        assessment: text(&input.assessment, 2000),
        homework_given: text(&input.homework_given, 2000),
        next_visit: text(&input.next_visit, 500),
    };
    if content.is_empty() {
        return Err(CoreError::field(
            "findings",
            "an empty note is not saved: record what the client reports, a finding, the pressure or techniques used, or the plan",
        ));
    }
    Ok(content)
}

/// Writes the appointment's note: a new draft, or the draft it has changed. A signed
/// note is refused with `Locked` (amend it instead).
pub async fn write(
    core: &Clinic,
    appointment: &Appointment,
    author: &str,
    input: &NoteInput,
) -> CoreResult<SessionNote> {
    let content = content_of(input)?;
    match core.store.note_of_appointment(&appointment.id).await? {
        Some(n) => Ok(core.store.edit_note(&n.id, &content).await?),
        None => match core
            .store
            .create_note(&appointment.id, author, &content)
            .await
        {
            // Written at the same moment by someone else: change that one.
            Err(StoreError::Conflict) => {
                let n = core
                    .store
                    .note_of_appointment(&appointment.id)
                    .await?
                    .ok_or(CoreError::NotFound("note"))?;
                Ok(core.store.edit_note(&n.id, &content).await?)
            }
            other => Ok(other?),
        },
    }
}

/// Amends a signed note with the whole note as it now reads and why.
pub async fn amend(
    core: &Clinic,
    note_id: &NoteId,
    author: &str,
    reason: &str,
    input: &NoteInput,
) -> CoreResult<SessionNote> {
    let reason = text(reason, 500);
    if reason.is_empty() {
        return Err(CoreError::field(
            "reason",
            "say why the signed note changes (for example \"right calf scored wrong\")",
        ));
    }
    let content = content_of(input)?;
    Ok(core
        .store
        .amend_note(note_id, author, &reason, &content)
        .await?)
}

/// One noted visit: the note, its appointment and the local date of the visit.
#[derive(Debug, Clone)]
pub struct NotedVisit {
    pub note: SessionNote,
    pub appointment: Appointment,
    pub date: Date,
}

/// What a client's record shows: every noted visit (oldest first), the patterns per
/// body region, the hints joined with training, and whether reported pain or a red flag
/// calls for a physiotherapist or doctor.
#[derive(Debug, Clone)]
pub struct Record {
    pub visits: Vec<NotedVisit>,
    pub patterns: Vec<RegionPattern>,
    pub hints: Vec<Hint>,
    pub refer: bool,
    /// The pain the latest note reports, when it does.
    pub latest_pain: Option<u8>,
}

impl Record {
    /// Regions the record keeps finding tight or getting worse: they lead the focus of
    /// the next planned sessions.
    pub fn focus(&self) -> Vec<String> {
        kneadtime_domain::notes::focus(&self.patterns)
    }

    /// The firmest pressure the record and the intake leave: light while pain at or over
    /// the threshold is reported or a flag calls for a doctor first.
    pub fn pressure_cap(&self, ctx: &ClientContext) -> Option<Pressure> {
        if self.refer {
            Some(Pressure::Light)
        } else {
            ctx.pressure_cap()
        }
    }
}

/// Reads a client's record: their notes with the visits they belong to, and what they
/// show joined with the season's training.
pub async fn record(core: &Clinic, ctx: &ClientContext) -> CoreResult<Record> {
    let (notes, appts) = tokio::try_join!(
        core.store.notes_for_client(&ctx.client.id),
        core.store.appointments_for_client(&ctx.client.id)
    )?;
    let mut visits = Vec::new();
    let mut obs = Vec::new();
    for n in notes {
        let Some(a) = appts.iter().find(|a| a.id == n.appointment_id) else {
            continue;
        };
        let date = local_date(a.start_at.as_second(), &ctx.tz);
        for f in &n.content.findings {
            obs.push(Observation {
                date,
                region: f.region.clone(),
                side: f.side,
                tightness: f.tightness,
            });
        }
        visits.push(NotedVisit {
            note: n,
            appointment: a.clone(),
            date,
        });
    }
    let latest_pain = visits.last().and_then(|v| v.note.content.pain);
    let rules = &ctx.season.profile().intake;
    let (flags, intake_pain) = ctx
        .intake
        .as_ref()
        .map_or((&[][..], 0), |i| (&i.flags[..], i.pain));
    let refer = intake::refer(
        flags,
        intake_pain.max(latest_pain.map_or(0, i64::from)),
        rules,
    );
    let patterns = patterns(&obs);
    let dates: Vec<Date> = visits.iter().map(|v| v.date).collect();
    let hints = hints(&patterns, &dates, &ctx.season.sessions, refer);
    Ok(Record {
        visits,
        patterns,
        hints,
        refer,
        latest_pain,
    })
}

/// A note's findings in a line: region by region, each side's tightness out of 3, then
/// tender points and the therapist's words ("calves left 3, right 1, 2 tender points
/// (medial knot); lower back 2").
pub fn describe_findings(findings: &[Finding]) -> String {
    let mut order: Vec<&str> = Vec::new();
    for f in findings {
        if !order.contains(&f.region.as_str()) {
            order.push(&f.region);
        }
    }
    order
        .into_iter()
        .map(|region| {
            let of: Vec<&Finding> = findings.iter().filter(|f| f.region == region).collect();
            let mut parts: Vec<String> = of
                .iter()
                .map(|f| match f.side {
                    Side::Both => format!("{}", f.tightness),
                    s => format!("{} {}", s.as_str(), f.tightness),
                })
                .collect();
            let tender: u32 = of.iter().map(|f| u32::from(f.tender_points)).sum();
            if tender > 0 {
                parts.push(format!(
                    "{tender} tender point{}",
                    if tender == 1 { "" } else { "s" }
                ));
            }
            let words: Vec<&str> = of
                .iter()
                .map(|f| f.note.as_str())
                .filter(|n| !n.is_empty())
                .collect();
            let mut line = format!("{region} {}", parts.join(", "));
            if !words.is_empty() {
                line.push_str(&format!(" ({})", words.join("; ")));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The note written for the appointment, when there is one.
pub async fn of_appointment(
    core: &Clinic,
    appointment_id: &AppointmentId,
) -> CoreResult<Option<SessionNote>> {
    Ok(core.store.note_of_appointment(appointment_id).await?)
}

/// Signs the note as `by`: from then on it changes only by amendment.
pub async fn sign(core: &Clinic, note_id: &NoteId, by: &str) -> CoreResult<SessionNote> {
    Ok(core.store.sign_note(note_id, by).await?)
}

/// The note `id`.
pub async fn get(core: &Clinic, id: &NoteId) -> CoreResult<SessionNote> {
    core.store.note(id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("note"),
        e => e.into(),
    })
}

/// Replaces what an unsigned note says (a signed note is refused by the store).
pub async fn edit(core: &Clinic, id: &NoteId, input: &NoteInput) -> CoreResult<SessionNote> {
    let content = content_of(input)?;
    Ok(core.store.edit_note(id, &content).await?)
}

/// Records whether the homework a note gave was done, and returns the note.
pub async fn set_homework_done(core: &Clinic, id: &NoteId, done: bool) -> CoreResult<SessionNote> {
    core.store.set_homework_done(id, done).await?;
    get(core, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NoteInput {
        NoteInput {
            findings: vec![FindingInput {
                region: " Calves ".into(),
                side: "left".into(),
                tightness: 3,
                tender_points: 2,
                note: "knot".into(),
            }],
            ..NoteInput::default()
        }
    }

    #[test]
    fn an_empty_note_is_refused_and_fields_are_named() {
        let err = content_of(&NoteInput::default()).unwrap_err();
        assert!(matches!(err, CoreError::Field { ref field, .. } if field == "findings"));
        let only_spaces = NoteInput {
            subjective: "   ".into(),
            techniques: vec![" ".into()],
            ..NoteInput::default()
        };
        assert!(content_of(&only_spaces).is_err());
        let mut bad = input();
        bad.findings[0].side = "front".into();
        assert!(
            matches!(content_of(&bad), Err(CoreError::Field { field, .. }) if field == "findings[0].side")
        );
        let mut bad = input();
        bad.pain = Some(11);
        assert!(matches!(content_of(&bad), Err(CoreError::Field { field, .. }) if field == "pain"));
        let c = content_of(&input()).unwrap();
        assert_eq!(c.findings[0].region, "calves");
        assert_eq!(c.findings[0].side, Side::Left);
    }

    #[test]
    fn findings_read_as_one_line() {
        let f = |region: &str, side, t, p, note: &str| Finding {
            region: region.into(),
            side,
            tightness: t,
            tender_points: p,
            note: note.into(),
        };
        assert_eq!(
            describe_findings(&[
                f("calves", Side::Left, 3, 2, "medial knot"),
                f("lower back", Side::Both, 2, 0, ""),
                f("calves", Side::Right, 1, 0, ""),
            ]),
            "calves left 3, right 1, 2 tender points (medial knot); lower back 2"
        );
    }
}
