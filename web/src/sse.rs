//! The messages of berth's `GET /api/events` stream and of `GET /api/engine`, parsed into the
//! store's [`Msg`]s. Pure: the EventSource itself is in [`crate::connection`].

use std::collections::BTreeMap;

use berth_core::api::ContainerInspect;
use berth_core::time::Time;
use serde::Deserialize;

use crate::store::Msg;

/// `GET /api/engine` and `event: engine`: the engine berth follows and the link to it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct EngineInfo {
    /// `docker`, `sim` or `dir`.
    #[serde(default)]
    pub engine: String,
    /// The engine's product name.
    #[serde(default)]
    pub name: Option<String>,
    /// The engine's version.
    #[serde(default)]
    pub version: Option<String>,
    /// The API version.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Whether berth follows the engine's events now.
    #[serde(default)]
    pub connected: bool,
    /// Since when the link to the engine has been in its current state.
    #[serde(default)]
    pub since: Option<Time>,
    /// The time of the last engine event berth applied.
    #[serde(default)]
    pub last_event_time: Option<Time>,
    /// The last error talking to the engine.
    #[serde(default)]
    pub last_error: Option<String>,
    /// berth's revision.
    #[serde(default)]
    pub revision: u64,
    /// Containers per state.
    #[serde(default)]
    pub counts: BTreeMap<String, usize>,
    /// How many containers.
    #[serde(default)]
    pub containers: usize,
    /// Whether actions are refused.
    #[serde(default)]
    pub read_only: bool,
    /// The engine's clock now.
    #[serde(default)]
    pub now: Option<Time>,
    /// Containers whose latest record berth could not read: ID → why (each shown at its last
    /// good record).
    #[serde(default)]
    pub unreadable: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct SnapshotData {
    revision: u64,
    #[serde(default)]
    containers: Vec<ContainerInspect>,
}

#[derive(Deserialize)]
struct ChangeData {
    revision: u64,
    id: String,
    #[serde(default)]
    container: Option<ContainerInspect>,
    #[serde(default)]
    after_outage_ms: Option<u64>,
}

/// A message berth sent that the app cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessage(pub String);

impl std::fmt::Display for BadMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses one SSE message (`event` type and `data`) received at `received_ms` (browser clock,
/// Unix ms) into a store message. Unknown event types are `Ok(None)`.
pub fn parse_message(event: &str, data: &str, received_ms: i64) -> Result<Option<Msg>, BadMessage> {
    let bad = |e: serde_json::Error| BadMessage(format!("unreadable {event} message: {e}"));
    match event {
        "snapshot" => {
            let d: SnapshotData = serde_json::from_str(data).map_err(bad)?;
            Ok(Some(Msg::Snapshot {
                revision: d.revision,
                containers: d.containers,
                received_ms,
            }))
        }
        "change" => {
            let d: ChangeData = serde_json::from_str(data).map_err(bad)?;
            if d.id.is_empty() {
                return Err(BadMessage("change message without an id".into()));
            }
            Ok(Some(Msg::Change {
                revision: d.revision,
                id: d.id,
                container: d.container.map(Box::new),
                after_outage_ms: d.after_outage_ms,
                received_ms,
            }))
        }
        "engine" => {
            let info: EngineInfo = serde_json::from_str(data).map_err(bad)?;
            Ok(Some(Msg::Engine(Box::new(info), received_ms)))
        }
        _ => Ok(None),
    }
}

/// The `{"message": …}` of an error response, or the body itself when it is not that shape.
pub fn error_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: String,
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => e.message,
        Err(_) => body.trim().to_owned(),
    }
}

/// `POST /containers/{id}/wait`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WaitAnswer {
    /// The exit code.
    #[serde(rename = "StatusCode", default)]
    pub status_code: i64,
    /// The error, if any.
    #[serde(rename = "Error", default)]
    pub error: Option<WaitError>,
}

/// The error part of a wait answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WaitError {
    /// The message.
    #[serde(rename = "Message", default)]
    pub message: String,
}

impl WaitAnswer {
    /// "exit 137" or "exit 1, error: …".
    pub fn describe(&self) -> String {
        match self.error.as_ref().filter(|e| !e.message.is_empty()) {
            Some(e) => format!("exit {}, error: {}", self.status_code, e.message),
            None => format!("exit {}", self.status_code),
        }
    }
}
