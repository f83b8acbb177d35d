//! Homework between visits as the clinic gives it: a routine of the library assigned
//! so many times a week, the days the client ticks done (only from the day it was given
//! to today, at most two weeks back), and how well it is kept up.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_domain::homework::{self, Compliance, Routine};
use kneadtime_store::ids::*;
use kneadtime_store::{Homework, StoreError};

use crate::time::local_date;
use crate::{Clinic, CoreError, CoreResult};

/// A routine given, with the library's words for it and how it is kept up.
#[derive(Debug, Clone)]
pub struct HomeworkView {
    pub homework: Homework,
    pub routine: &'static Routine,
    pub compliance: Compliance,
    /// The shorter routine suggested when it is not getting done.
    pub shorter: Option<&'static Routine>,
    /// The days the client can tick now, oldest first (at most a week, from the day it
    /// was given), each with whether it is ticked.
    pub days: Vec<(Date, bool)>,
}

fn view(h: Homework, today: Date) -> Option<HomeworkView> {
    let routine = homework::routine(&h.routine)?;
    let compliance = homework::compliance(&h.routine, h.from_date, h.per_week, &h.ticks, today);
    let shorter = compliance.suggest.and_then(homework::routine);
    let days = homework::days_shown(h.from_date, today)
        .into_iter()
        .map(|d| (d, h.ticks.contains(&d)))
        .collect();
    Some(HomeworkView {
        homework: h,
        routine,
        compliance,
        shorter,
        days,
    })
}

/// Gives a routine to a client from today (in the clinic's zone), by the therapist or
/// owner named `by`, logged as `actor`. A note it follows must be about the same client.
#[allow(clippy::too_many_arguments)]
pub async fn assign(
    core: &Clinic,
    client_id: &ClientId,
    note_id: Option<&NoteId>,
    routine_id: &str,
    per_week: i64,
    by: &str,
    actor: &str,
    tz: &TimeZone,
) -> CoreResult<HomeworkView> {
    if let Some(n) = note_id {
        let note = core.store.note(n).await.map_err(|e| match e {
            StoreError::NotFound => CoreError::field("note_id", "no such note"),
            e => e.into(),
        })?;
        if core
            .store
            .appointment(&note.appointment_id)
            .await?
            .client_id
            != client_id
        {
            return Err(CoreError::field(
                "note_id",
                "the note is about another client",
            ));
        }
    }
    let Some(r) = homework::routine(routine_id.trim()) else {
        return Err(CoreError::field(
            "routine",
            format!("expected a routine of the library, found {routine_id:?}"),
        ));
    };
    if !(1..=14).contains(&per_week) {
        return Err(CoreError::field(
            "per_week",
            format!("expected 1 to 14 times a week, found {per_week}"),
        ));
    }
    let today = local_date(core.now(), tz);
    let h = core
        .store
        .assign_homework(client_id, note_id, r.id, per_week as u8, today, by)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(why) => CoreError::field("routine", why),
            e => e.into(),
        })?;
    crate::people::audit(core, actor, "homework.assign", Some(client_id), &h.id).await?;
    view(h, today).ok_or(CoreError::Fault)
}

/// Stops a routine under way (its ticks stay on record), logged as `actor`.
pub async fn stop(core: &Clinic, h: &Homework, actor: &str) -> CoreResult<()> {
    core.store.end_homework(&h.id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("homework under way"),
        e => e.into(),
    })?;
    crate::people::audit(core, actor, "homework.stop", Some(&h.client_id), &h.id).await
}

/// Every routine given to a client, under way first. Routines the library no longer
/// holds are left out.
pub async fn list(
    core: &Clinic,
    client_id: &ClientId,
    tz: &TimeZone,
) -> CoreResult<Vec<HomeworkView>> {
    let today = local_date(core.now(), tz);
    Ok(core
        .store
        .homework_for_client(client_id)
        .await?
        .into_iter()
        .filter_map(|h| view(h, today))
        .collect())
}

/// Ticks (or unticks) a day of a routine under way: from the day it was given to
/// today, and no more than two weeks back.
pub async fn tick(
    core: &Clinic,
    h: &Homework,
    day: Date,
    done: bool,
    tz: &TimeZone,
) -> CoreResult<()> {
    if h.ended_at.is_some() {
        return Err(CoreError::field("homework", "this routine was stopped"));
    }
    let today = local_date(core.now(), tz);
    let earliest = homework::first_tickable(h.from_date, today);
    if day > today || day < earliest {
        return Err(CoreError::field(
            "date",
            format!("expected a day from {earliest} to {today}, found {day}"),
        ));
    }
    Ok(core.store.tick_homework(&h.id, day, done).await?)
}

/// Words for how a routine is kept up: "done 3 of 6 days expected in the last 10 days".
pub fn compliance_text(c: &Compliance) -> String {
    if c.expected == 0 {
        return "just given".to_string();
    }
    format!(
        "done {} of {} day{} expected in the last {} day{}",
        c.done,
        c.expected,
        if c.expected == 1 { "" } else { "s" },
        c.days,
        if c.days == 1 { "" } else { "s" }
    )
}

/// The routine given as `id`.
pub async fn get(core: &Clinic, id: &HomeworkId) -> CoreResult<Homework> {
    core.store.homework(id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("homework"),
        e => e.into(),
    })
}
