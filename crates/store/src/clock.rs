//! What time it is, asked in one place: the system clock in a running clinic, a clock
//! the test sets in tests, so "now" is an input rather than a wall-clock read.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

/// The source of "now" for the store and the server.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// The current instant in whole Unix seconds, as the database keeps it.
    fn unix(&self) -> i64 {
        self.now().as_second()
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until it is set or moved (whole seconds).
#[derive(Debug)]
pub struct SetClock(AtomicI64);

impl SetClock {
    /// A clock showing `at` (truncated to the second).
    pub fn at(at: Timestamp) -> SetClock {
        SetClock(AtomicI64::new(at.as_second()))
    }

    /// Shows `at` from now on.
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.as_second(), Ordering::SeqCst);
    }

    /// Moves the clock on by `secs` (back when negative).
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for SetClock {
    fn now(&self) -> Timestamp {
        // Whole seconds within jiff's range by construction of `at` and `advance` use.
        Timestamp::from_second(self.0.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_shows_what_it_was_set_to_and_moves_when_told() {
        let start: Timestamp = "2027-04-20T09:00:00Z".parse().unwrap();
        let c = SetClock::at(start);
        assert_eq!(c.now(), start);
        c.advance(3600);
        assert_eq!(c.unix(), start.as_second() + 3600);
        c.set("2027-05-01T00:00:00Z".parse().unwrap());
        assert_eq!(c.now().to_string(), "2027-05-01T00:00:00Z");
    }
}
