//! The library's error types: bad input (exit 2) versus failures while running (exit 3).

use crate::exit::ExitCode;
use std::fmt;

/// Something a person wrote (a scenario, a CSV file, a command-line value) is wrong.
///
/// `source` names the file (or "command line"), `location` the key, row or flag, and
/// `message` says what was expected, so the user can fix it without reading the code.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub source: String,
    pub location: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(
        source: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            source: source.into(),
            location: Some(location.into()),
            message: message.into(),
        }
    }

    pub fn whole(source: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            location: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{}: {}: {}", self.source, loc, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: exit code 2.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A result file could not be written: exit code 3. (The I/O error is part of the message,
    /// not a `source`, so that printing the error chain does not say it twice.)
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
    /// Anything else that went wrong while running: exit code 3.
    #[error("{0}")]
    Runtime(String),
    /// Stopped by Ctrl-C (SIGINT) before the end: exit code 130, nothing written.
    #[error("interrupted; no result was written")]
    Interrupted,
}

impl Error {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Input(_) => ExitCode::BadInput,
            Error::Write { .. } | Error::Runtime(_) => ExitCode::Failure,
            Error::Interrupted => ExitCode::Interrupted,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
