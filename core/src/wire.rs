//! The messages of berth's HTTP API and event stream, declared once: the adapter writes them and
//! the web app reads them, so the two cannot drift apart.
//!
//! Nothing here defaults silently. Every field is written, `null` included, and a reader that
//! finds one missing fails with serde's "missing field" error, which the web app shows as a
//! format mismatch ("reload") rather than reading an empty value.
//!
//! - [`EngineStatus`]: `GET /api/engine` and the stream's `engine` message.
//! - [`Snapshot`]: the stream's `snapshot` message.
//! - [`Change`]: the stream's `change` message.
//! - [`TransitionMessage`]: the stream's `transition` message.
//! - [`ContainerAnswer`]: `GET /api/containers/{ref}`.
//! - [`WaitResponse`]: `POST /api/containers/{ref}/wait`, in the Engine API's shape.
//! - [`ErrorBody`]: every error answer, in the Engine API's shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::api::ContainerInspect;
use crate::errdefs::ErrorKind;
use crate::lifecycle::Transition;
use crate::state::StateKind;
use crate::time::Time;
use crate::wait::StateStatus;

/// The `event:` types of berth's event stream, each with its message: [`Snapshot`],
/// [`Change`], [`TransitionMessage`] and [`EngineStatus`]. A reader listens for each (an
/// `EventSource` hears only the types it names).
pub const SSE_EVENTS: [&str; 4] = ["snapshot", "change", "transition", "engine"];

/// An `Option` field that must be present (as a value or `null`): serde reads a missing one
/// as an error, not as `None`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// The engine berth follows and the link to it (`GET /api/engine`, `event: engine`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineStatus {
    /// `docker`, `sim` or `dir`.
    pub engine: String,
    /// The engine's product name (`null` before it first answered).
    #[serde(deserialize_with = "present")]
    pub name: Option<String>,
    /// Its version.
    #[serde(deserialize_with = "present")]
    pub version: Option<String>,
    /// The API version in use.
    #[serde(deserialize_with = "present")]
    pub api_version: Option<String>,
    /// Its OS.
    #[serde(deserialize_with = "present")]
    pub os: Option<String>,
    /// Its architecture.
    #[serde(deserialize_with = "present")]
    pub arch: Option<String>,
    /// Whether berth follows the engine's events now.
    pub connected: bool,
    /// Since when the link has been in its current state.
    #[serde(deserialize_with = "present")]
    pub since: Option<Time>,
    /// The time of the last event that changed a container.
    #[serde(deserialize_with = "present")]
    pub last_event_time: Option<Time>,
    /// Why the engine is not followed now (`null` while it is).
    #[serde(deserialize_with = "present")]
    pub last_error: Option<String>,
    /// berth's revision.
    pub revision: u64,
    /// Containers per state (all seven).
    pub counts: BTreeMap<StateKind, usize>,
    /// How many containers.
    pub containers: usize,
    /// Whether every action is refused (`--read-only`, or an engine that cannot change).
    pub read_only: bool,
    /// The engine's clock now.
    pub now: Time,
    /// Containers whose latest record berth could not read: ID → why (each is shown at its
    /// last good record).
    pub unreadable: BTreeMap<String, String>,
}

/// Every container at a revision (`event: snapshot`), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// berth's revision.
    pub revision: u64,
    /// The containers, as inspect documents.
    pub containers: Vec<ContainerInspect>,
    /// The latest transitions of each container berth has seen move, oldest first.
    pub transitions: Vec<Transition>,
}

/// A container moved from one place of the lifecycle to another, and why (`event:
/// transition`): the cause the engine's events give ([`crate::model::Model`]). It comes after
/// the `change` that shows where the container is now, once the events that tell the cause
/// are in (a `stop` after a `die`, a `restart` after a `start`: about a second).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionMessage {
    /// berth's revision after it.
    pub revision: u64,
    /// The move and its cause.
    pub transition: Transition,
}

/// `GET /api/containers/{ref}`: the inspect document, and the container's last transition
/// (`null` when berth has seen none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerAnswer {
    /// The engine's inspect document.
    #[serde(flatten)]
    pub inspect: ContainerInspect,
    /// Its last transition, with its cause.
    #[serde(rename = "LastTransition")]
    pub last_transition: Option<Transition>,
}

/// One container changed (`event: change`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// berth's revision after the change.
    pub revision: u64,
    /// The container's full ID.
    pub id: String,
    /// Its record after the change; `null` when it was removed.
    #[serde(deserialize_with = "present")]
    pub container: Option<ContainerInspect>,
    /// Found by the resync after an outage of this many milliseconds (what happened meanwhile
    /// is known only by its result); `null` for a change followed live.
    #[serde(deserialize_with = "present")]
    pub after_outage_ms: Option<u64>,
}

/// `POST /containers/{id}/wait`'s answer, in the Engine API's shape. `Error` is `null` when
/// there is none, as Engine 20.10 writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitResponse {
    /// The error, if any (first, as the engine writes it).
    #[serde(rename = "Error", deserialize_with = "present")]
    pub error: Option<WaitError>,
    /// The exit code.
    #[serde(rename = "StatusCode")]
    pub status_code: i64,
}

/// The error part of a wait answer (`{"Message": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitError {
    /// Why the container exited with an error, or why the wait gave up.
    #[serde(rename = "Message")]
    pub message: String,
}

impl From<StateStatus> for WaitResponse {
    fn from(s: StateStatus) -> WaitResponse {
        WaitResponse {
            status_code: s.exit_code,
            error: s.error.map(|message| WaitError { message }),
        }
    }
}

impl WaitResponse {
    /// "exit 137", or "exit 1, error: …".
    pub fn describe(&self) -> String {
        match self.error.as_ref().filter(|e| !e.message.is_empty()) {
            Some(e) => format!("exit {}, error: {}", self.status_code, e.message),
            None => format!("exit {}", self.status_code),
        }
    }
}

/// The body of every error answer: the Engine API's `{"message": …}`, with the error's kind
/// (which decides the status, [`ErrorKind::http_status`], and whether to retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, verbatim from the engine or the core where they said it.
    pub message: String,
    /// Which kind of error it is.
    pub kind: ErrorKind,
}

impl ErrorBody {
    /// The message of an error answer's `body`, or the body itself (trimmed) when it is not
    /// in this shape (a proxy's page, say).
    pub fn message_of(body: &str) -> String {
        ErrorBody::message_in(body).unwrap_or_else(|| body.trim().to_owned())
    }

    /// The message of an error answer's `body` if it is in the Engine API's `{"message": …}`
    /// shape (the engine's own errors, which name no kind).
    pub fn message_in(body: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Message {
            message: String,
        }
        serde_json::from_str::<Message>(body)
            .ok()
            .map(|e| e.message)
    }

    /// The kind an error answer's `body` names, if it is in this shape.
    pub fn kind_of(body: &str) -> Option<ErrorKind> {
        serde_json::from_str::<ErrorBody>(body).ok().map(|e| e.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_an_error_not_an_empty_value() {
        let change = r#"{"revision":3,"id":"abc","container":null,"after_outage_ms":null}"#;
        let read: Change = serde_json::from_str(change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.container, None);
        let missing = r#"{"revision":3,"id":"abc","after_outage_ms":null}"#;
        let e = serde_json::from_str::<Change>(missing)
            .map(|c| c.id)
            .unwrap_err();
        assert!(e.to_string().contains("missing field `container`"), "{e}");
        let renamed = r#"{"revision":3,"id":"abc","container":null,"outage":null}"#;
        assert!(serde_json::from_str::<Change>(renamed).is_err());
        let wait: WaitResponse = serde_json::from_str(r#"{"StatusCode":0,"Error":null}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wait.describe(), "exit 0");
        assert!(serde_json::from_str::<WaitResponse>(r#"{"StatusCode":0}"#).is_err());
    }

    #[test]
    fn wait_response_has_the_engine_shape() {
        let ok = WaitResponse::from(StateStatus {
            exit_code: 0,
            error: None,
        });
        assert_eq!(
            serde_json::to_string(&ok).unwrap_or_default(),
            // Engine 20.10's order, as docker-py reads it: {'Error': None, 'StatusCode': 3}.
            r#"{"Error":null,"StatusCode":0}"#
        );
        let cancelled = WaitResponse::from(StateStatus::cancelled("context canceled"));
        assert_eq!(
            serde_json::to_string(&cancelled).unwrap_or_default(),
            r#"{"Error":{"Message":"context canceled"},"StatusCode":-1}"#
        );
        assert_eq!(cancelled.describe(), "exit -1, error: context canceled");
    }

    #[test]
    fn error_bodies_name_their_kind() {
        let body = serde_json::to_string(&ErrorBody {
            message: "No such container: x".to_owned(),
            kind: ErrorKind::NotFound,
        })
        .unwrap_or_default();
        assert_eq!(
            body,
            r#"{"message":"No such container: x","kind":"not_found"}"#
        );
        assert_eq!(ErrorBody::kind_of(&body), Some(ErrorKind::NotFound));
        assert_eq!(ErrorBody::kind_of(r#"{"message":"old shape"}"#), None);
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            ErrorBody::message_of(r#"{"message":"No such container: x"}"#),
            "No such container: x"
        );
        assert_eq!(
            ErrorBody::message_of(" <html>bad gateway</html>\n"),
            "<html>bad gateway</html>"
        );
    }
}
