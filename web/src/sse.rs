//! The messages of berth's `GET /api/events` stream and of `GET /api/engine`, parsed into the
//! store's [`Msg`]s. Pure: the EventSource itself is in [`crate::connection`].

use berth_core::wire::{Change, EngineStatus, Snapshot, TransitionMessage};

use crate::store::Msg;

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
    let bad = |e: serde_json::Error| {
        BadMessage(format!(
            "berth and this page disagree on the format of the {event} message ({e}): reload the page"
        ))
    };
    match event {
        "snapshot" => {
            let d: Snapshot = serde_json::from_str(data).map_err(bad)?;
            Ok(Some(Msg::Snapshot {
                revision: d.revision,
                containers: d.containers,
                transitions: d.transitions,
                received_ms,
            }))
        }
        "transition" => {
            let d: TransitionMessage = serde_json::from_str(data).map_err(bad)?;
            Ok(Some(Msg::Transition {
                revision: d.revision,
                transition: Box::new(d.transition),
                received_ms,
            }))
        }
        "change" => {
            let d: Change = serde_json::from_str(data).map_err(bad)?;
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
            let info: EngineStatus = serde_json::from_str(data).map_err(bad)?;
            Ok(Some(Msg::Engine(Box::new(info), received_ms)))
        }
        _ => Ok(None),
    }
}
