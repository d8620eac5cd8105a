//! Error kinds, after moby's `errdefs`: every error the core returns says which kind it is, so a
//! host maps kind → HTTP status in one place.

use serde::{Deserialize, Serialize};

/// The kind of an error, as moby's `errdefs` classifies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The object does not exist (HTTP 404).
    NotFound,
    /// The request conflicts with the object's current state (HTTP 409).
    Conflict,
    /// The request itself is malformed (HTTP 400).
    InvalidParameter,
    /// Something failed inside the system (HTTP 500).
    System,
}

impl ErrorKind {
    /// The HTTP status code the Engine API answers with for this kind.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::InvalidParameter => 400,
            ErrorKind::System => 500,
        }
    }
}

/// Implemented by every error enum of the core.
pub trait HasKind {
    /// Which kind of error this is.
    fn kind(&self) -> ErrorKind;
}
