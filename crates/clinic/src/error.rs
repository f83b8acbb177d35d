//! What a clinic use-case can answer instead of a result: typed, with a code from one
//! enum, so the HTTP layer and the pages match on variants, never on strings.

use kneadtime_store::StoreError;
use kneadtime_store::ids::*;

/// The machine-readable code of a refusal, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The clinic's rules profile cannot be read.
    BadProfile,
    /// No window to wait on was named and none follows from the client's races.
    NoWindow,
    /// The client already waits on as many windows as one may.
    TooManyWaiting,
    /// Race week cannot be allocated from what the clinic holds (a shift or a runner
    /// the allocation refuses, named in the message).
    CannotAllocate,
    /// The runner's race-week request is booked already.
    AlreadyBooked,
    /// Another login has this email.
    EmailTaken,
    /// The clinic's only active owner cannot be revoked.
    LastOwner,
    /// Two records of one client are booked at the same time.
    ClientBusy,
    /// The clinic's first owner is made already.
    AlreadySetUp,
}

impl Code {
    /// The code as the API and the pages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadProfile => "bad_profile",
            Code::NoWindow => "no_window",
            Code::TooManyWaiting => "too_many_waiting",
            Code::CannotAllocate => "cannot_allocate",
            Code::AlreadyBooked => "already_booked",
            Code::EmailTaken => "email_taken",
            Code::LastOwner => "last_owner",
            Code::ClientBusy => "client_busy",
            Code::AlreadySetUp => "already_set_up",
        }
    }
}

/// Why a clinic use-case did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The thing asked for does not exist (or is not visible).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An input field is malformed: the field and what was expected.
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    /// Well-formed, but the clinic cannot do it.
    #[error("{message}")]
    Refused { code: Code, message: String },
    /// Something already there stands in the way (a login with that email, the last
    /// owner), naming the field when one is at fault.
    #[error("{message}")]
    Conflict {
        code: Code,
        field: Option<&'static str>,
        message: String,
    },
    /// The change would leave booked clients without their therapist: each booking, with
    /// the best other time, and the clinic's zone to show them in.
    #[error("{} booked appointment(s) in the way", stranded.len())]
    Stranded {
        stranded: Vec<crate::leave::Stranded>,
        zone: jiff::tz::TimeZone,
    },
    /// Another client already has this email; `existing` is theirs.
    #[error("a client with this email is already on file")]
    EmailTaken { existing: ClientId },
    /// Too much work is under way; try again shortly.
    #[error("the server is busy; try again shortly")]
    Busy,
    /// The work failed inside (a fault, not the input); nothing was changed by it.
    #[error("the work failed inside; nothing was changed by it")]
    Fault,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CoreError {
    /// A store's "not found" as `what` not found; any other store error as it is.
    pub fn missing(e: StoreError, what: &'static str) -> CoreError {
        match e {
            StoreError::NotFound => CoreError::NotFound(what),
            e => e.into(),
        }
    }

    /// A malformed input field.
    pub fn field(field: &str, message: impl Into<String>) -> CoreError {
        CoreError::Field {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A use-case's answer.
pub type CoreResult<T> = Result<T, CoreError>;
