//! Error kinds, after moby's `errdefs`: every error the core returns says which kind it is, so a
//! host maps kind → HTTP status in one place ([`ErrorKind::http_status`]). berth's API adds the
//! kinds of its own refusals (token, Host and Origin rules, methods) and of an engine it cannot
//! reach; every error body names its kind (`core::wire::ErrorBody`).

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
    /// No credentials, or the wrong ones (HTTP 401).
    Unauthorized,
    /// Refused by a rule: a foreign Host or Origin, read-only mode (HTTP 403).
    Forbidden,
    /// The method is not one the path takes (HTTP 405).
    NotAllowed,
    /// The engine cannot be reached, or does not answer (HTTP 502): worth retrying.
    Unreachable,
    /// The server is at capacity (HTTP 503): worth retrying.
    Unavailable,
    /// The request asks for something not implemented (HTTP 501): what berth's simulated
    /// engine does not simulate (stdin, networks, volumes, builds).
    NotImplemented,
}

impl ErrorKind {
    /// The HTTP status code the Engine API answers with for this kind.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::InvalidParameter => 400,
            ErrorKind::System => 500,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotAllowed => 405,
            ErrorKind::Unreachable => 502,
            ErrorKind::Unavailable => 503,
            ErrorKind::NotImplemented => 501,
        }
    }

    /// The kind of an answer with HTTP `status` that names none (an engine's error, a proxy's
    /// page): the inverse of [`ErrorKind::http_status`], [`ErrorKind::System`] for the rest.
    pub fn of_status(status: u16) -> ErrorKind {
        match status {
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 => ErrorKind::InvalidParameter,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            405 => ErrorKind::NotAllowed,
            502 | 504 => ErrorKind::Unreachable,
            503 => ErrorKind::Unavailable,
            501 => ErrorKind::NotImplemented,
            _ => ErrorKind::System,
        }
    }
}

/// Implemented by every error enum of the core.
pub trait HasKind {
    /// Which kind of error this is.
    fn kind(&self) -> ErrorKind;
}
