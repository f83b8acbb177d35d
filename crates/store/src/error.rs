//! The store's one public error type, and the mapping from sqlx errors into it. Kept
//! separate so that no sqlx type ever crosses the crate boundary.

use std::fmt;

/// What can go wrong in the store. Callers (the server) match on the variant; the
/// strings are for logs, never for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The row asked for does not exist.
    NotFound,
    /// A uniqueness rule was hit: the slot is taken, or the email is in use.
    Conflict,
    /// The client already has an appointment at that time (with any therapist).
    ClientBusy,
    /// The waitlist offer being accepted is no longer open (taken, declined or expired).
    OfferGone,
    /// The session note is signed: it changes only by amendment.
    Locked,
    /// The request cannot be stored as given (bad value, unknown reference, wrong state).
    Invalid(String),
    /// The database failed or could not be reached.
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Conflict => f.write_str("conflict: already taken"),
            StoreError::ClientBusy => f.write_str("conflict: the client is booked then"),
            StoreError::OfferGone => f.write_str("conflict: the offer is no longer open"),
            StoreError::Locked => f.write_str("conflict: the note is signed"),
            StoreError::Invalid(why) => write!(f, "invalid: {why}"),
            StoreError::Backend(why) => write!(f, "database error: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Invalid(format!("unknown reference: {}", db.message()))
            }
            sqlx::Error::Database(db) if db.is_check_violation() => {
                StoreError::Invalid(format!("value out of range: {}", db.message()))
            }
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Backend(format!("migration failed: {e}"))
    }
}

/// True when a write transaction failed for contention alone and is safe to run again
/// from the start: SQLite's SQLITE_BUSY / SQLITE_LOCKED (and extended codes), or
/// PostgreSQL's serialization failure / deadlock.
pub(crate) fn is_retryable(e: &sqlx::Error, sqlite: bool) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    if sqlite {
        let n = code.parse::<i64>().unwrap_or(-1);
        matches!(n & 0xff, 5 | 6) || db.message().contains("database is locked")
    } else {
        code == "40001" || code == "40P01"
    }
}
