//! The one error type of this crate: which file, what was wrong, and whether the file was
//! broken or merely not an activity.

/// What kind of problem an [`ActivityError`] reports; [`crate::import_paths`] puts
/// [`ErrorKind::NotAnActivity`] into `skipped` and everything else into `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The file is damaged, truncated or not in the format its name says.
    Invalid,
    /// The file is valid but holds no activity (a FIT workout plan or daily monitoring
    /// file, a GPX with only waypoints or routes, a TCX without `<Activity>`…).
    NotAnActivity,
    /// The file's extension is none of the formats read here.
    Unsupported,
    /// The file could not be read from disk.
    Io,
    /// A bug inside a decoder (a caught panic); the file may well be fine.
    Internal,
}

/// A file that could not be turned into activities. Displays as `FILE: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ActivityError {
    /// The file as the caller named it.
    pub file: String,
    /// What was wrong, in words a runner can act on.
    pub message: String,
    pub kind: ErrorKind,
}

impl ActivityError {
    pub fn new(file: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        ActivityError {
            file: file.into(),
            message: message.into(),
            kind,
        }
    }

    pub(crate) fn invalid(file: &str, message: impl Into<String>) -> Self {
        Self::new(file, ErrorKind::Invalid, message)
    }

    pub(crate) fn not_activity(file: &str, message: impl Into<String>) -> Self {
        Self::new(file, ErrorKind::NotAnActivity, message)
    }

    /// True when the file is valid but simply holds no activity.
    pub fn is_not_an_activity(&self) -> bool {
        self.kind == ErrorKind::NotAnActivity
    }
}
