//! The one error the command line shows: bad input or usage, exit code 2.

use std::fmt;

/// Bad input or usage. The message names the file, line or flag and what was expected.
#[derive(Debug)]
pub struct Bad(pub String);

impl Bad {
    pub fn new(msg: impl Into<String>) -> Bad {
        Bad(msg.into())
    }
}

impl fmt::Display for Bad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Bad {}
