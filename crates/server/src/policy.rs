//! Who may do what, decided in this one place from the clinic's real relationships.
//!
//! * The **owner** (who also runs the front desk) may do everything.
//! * A **therapist** works on their own schedule. They *treat* a client while an
//!   appointment with them is completed, or booked and not yet more than a week past
//!   (upcoming, or awaiting its status); a cancelled or missed appointment is no tie.
//!   They may see a client they treat (details, races, calendars, plan, notes by any
//!   therapist, patterns), book such a client on their own schedule, and change the
//!   appointments on their own schedule. Booking a client they do not yet treat is the
//!   front desk's or the client's own act, so a therapist cannot make the tie that would
//!   open a stranger's record.
//! * A **client** sees and books only for themself, and changes only their own
//!   appointments (not their status).
//! * A waitlist offer is seen and declined by its client, the therapist whose time it
//!   offers, and the owner; accepting it is booking, under the booking rule.
//! * Rotating a client's personal link (which signs in as the client) and everything in
//!   the clinic's set-up are the owner's.

use kneadtime_store::Appointment;
use kneadtime_store::ids::*;

use crate::AppState;
use crate::auth::{Caller, Who};
use crate::error::{ApiError, ApiResult};

/// How long after a booked appointment's end its therapist still treats the client
/// while its status is not yet recorded.
pub const AWAITING_STATUS_SECS: i64 = 7 * 86_400;

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Act<'a> {
    /// See or change a client's record: details, races, calendars, plan, slot search,
    /// notes and patterns.
    Client(&'a str),
    /// Book `client` with `therapist`.
    Book { client: &'a str, therapist: &'a str },
    /// See an appointment, or cancel or move it.
    Appointment(&'a Appointment),
    /// Record an appointment's status or its session notes (staff only).
    Treat(&'a Appointment),
    /// See or change a therapist's hours, days off and feed.
    Therapist(&'a str),
    /// See or decline a waitlist offer of `therapist`'s time to `client` (accepting it
    /// is booking, [`Act::Book`]).
    Offer { client: &'a str, therapist: &'a str },
    /// Make a new personal link for a client.
    RotateClientLink(&'a str),
    /// The clinic's set-up: settings, services, therapists, staff logins.
    Clinic,
    /// Anything staff share (the client list they may see is filtered separately).
    Staff,
}

/// Ok when `caller` may do `act`; 403 otherwise (callers that may not know a client
/// exists are told 404 by the handler).
pub async fn allow(state: &AppState, caller: &Caller, act: Act<'_>) -> ApiResult<()> {
    if permitted(state, caller, act).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Whether `caller` may do `act`.
pub async fn permitted(state: &AppState, caller: &Caller, act: Act<'_>) -> ApiResult<bool> {
    if let Some(answer) = decide(caller, act) {
        return Ok(answer);
    }
    Ok(match (&caller.who, act) {
        (
            Who::Therapist {
                therapist_id: Some(t),
                ..
            },
            Act::Client(c),
        ) => treats(state, t, c).await?,
        (
            Who::Therapist {
                therapist_id: Some(t),
                ..
            },
            Act::Book { client, therapist },
        ) => therapist == t && treats(state, t, client).await?,
        _ => false,
    })
}

/// The rules that need no database: an appointment, a therapist's own set-up, the
/// clinic's set-up. `None` when the answer needs the relationship read.
pub fn decide(caller: &Caller, act: Act<'_>) -> Option<bool> {
    Some(match (&caller.who, act) {
        (Who::Owner { .. }, _) => true,
        (Who::Client { client_id }, Act::Appointment(a)) => *client_id == a.client_id,
        (
            Who::Client { client_id },
            Act::Client(c) | Act::Book { client: c, .. } | Act::Offer { client: c, .. },
        ) => client_id == c,
        (Who::Client { .. }, _) => false,
        (
            Who::Therapist {
                therapist_id: None, ..
            },
            act,
        ) => matches!(act, Act::Staff),
        (
            Who::Therapist {
                therapist_id: Some(t),
                ..
            },
            act,
        ) => match act {
            Act::Appointment(a) | Act::Treat(a) => a.therapist_id == *t,
            Act::Therapist(id) => id == t,
            Act::Offer { therapist, .. } => therapist == t,
            Act::Staff => true,
            Act::RotateClientLink(_) | Act::Clinic => false,
            Act::Client(_) | Act::Book { .. } => return None,
        },
    })
}

/// True when `therapist` treats `client` now.
pub async fn treats(state: &AppState, therapist: &str, client: &str) -> ApiResult<bool> {
    Ok(kneadtime_clinic::people::treats(
        &state.clinic,
        &TherapistId::from(therapist),
        &ClientId::from(client),
        state.now() - AWAITING_STATUS_SECS,
    )
    .await?)
}

/// The checks handlers call, each one rule of this module.
impl Caller {
    /// The clinic's set-up.
    pub fn require_owner(&self) -> ApiResult<()> {
        if decide(self, Act::Clinic) == Some(true) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Owner, the client themself, or a therapist who treats them.
    pub async fn require_client_access(&self, state: &AppState, client_id: &str) -> ApiResult<()> {
        allow(state, self, Act::Client(client_id)).await
    }

    /// Owner, or the therapist themself.
    pub fn require_therapist_access(&self, therapist_id: &str) -> ApiResult<()> {
        if decide(self, Act::Therapist(therapist_id)) == Some(true) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}
