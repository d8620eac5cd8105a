//! Engine API events (`GET /events`, the daemon's `events.Message`): parsing them, and naming the
//! container actions that the mirror [`Model`](crate::model::Model) turns into the container
//! package's state transitions.
//!
//! Only the fields every engine version writes are read: `Type`, `Action`, `Actor.ID`,
//! `Actor.Attributes`, `scope`, `time` and `timeNano`. The legacy `status`, `id` and `from`
//! (dropped in API 1.52) and any other unknown field are ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::errdefs::{ErrorKind, HasKind};
use crate::serde_util::null_as_default;
use crate::time::Time;

/// The `Type` of the events about containers.
pub const CONTAINER_TYPE: &str = "container";

/// What an event is about (`events.Actor`): an ID and string attributes. For containers the
/// attributes hold `name` (without its slash), `image`, the container's labels, and per action
/// `exitCode`, `signal`, `oldName` or `execID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Actor {
    /// The object's ID (the full container ID for container events).
    #[serde(rename = "ID", default)]
    pub id: String,
    /// The attributes; `null` reads as none.
    #[serde(rename = "Attributes", default, deserialize_with = "null_as_default")]
    pub attributes: BTreeMap<String, String>,
}

/// One engine event (`events.Message`). Serializes to the engine's shape without the legacy
/// fields, so what the adapter forwards is what an API 1.52 engine sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Event {
    /// The object type: `container`, `image`, `network`, `volume`, `daemon`, …
    #[serde(rename = "Type")]
    pub r#type: String,
    /// The action; for some it carries a detail after `": "` (`health_status: healthy`,
    /// `exec_start: /bin/sh -c true`).
    #[serde(rename = "Action")]
    pub action: String,
    /// What the event is about.
    #[serde(rename = "Actor", default)]
    pub actor: Actor,
    /// `local` or `swarm`.
    #[serde(rename = "scope", default)]
    pub scope: String,
    /// Seconds since the epoch.
    #[serde(rename = "time", default)]
    pub time: i64,
    /// Nanoseconds since the epoch (the same instant as `time`, more precisely); 0 when absent.
    #[serde(rename = "timeNano", default)]
    pub time_nano: i64,
}

/// An event that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not a JSON event object, or a field of the wrong type.
    #[error("invalid event: {0}")]
    Json(String),
    /// An event without an action.
    #[error("invalid event: empty Action")]
    EmptyAction,
    /// A container event without the container's ID.
    #[error("invalid event: container event {action:?} without Actor.ID")]
    MissingId {
        /// The event's action.
        action: String,
    },
}

impl HasKind for EventError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidParameter
    }
}

impl Event {
    /// Parses one event, as one line of the `GET /events` stream carries it. Never panics; an
    /// invalid line is an [`EventError`] saying why.
    pub fn parse(json: &str) -> Result<Event, EventError> {
        let ev: Event = serde_json::from_str(json).map_err(|e| EventError::Json(e.to_string()))?;
        ev.validate()?;
        Ok(ev)
    }

    /// [`Event::parse`] from a JSON value already decoded (e.g. by a browser's `EventSource`).
    pub fn from_value(value: serde_json::Value) -> Result<Event, EventError> {
        let ev: Event =
            serde_json::from_value(value).map_err(|e| EventError::Json(e.to_string()))?;
        ev.validate()?;
        Ok(ev)
    }

    fn validate(&self) -> Result<(), EventError> {
        if self.action.is_empty() {
            return Err(EventError::EmptyAction);
        }
        if self.is_container() && self.actor.id.is_empty() {
            return Err(EventError::MissingId {
                action: self.action.clone(),
            });
        }
        Ok(())
    }

    /// A container event with `action` about container `id` at `at` (scope `local`, no
    /// attributes yet; add them with [`Event::with_attribute`]). For simulations and tests.
    pub fn container(action: impl Into<String>, id: impl Into<String>, at: Time) -> Event {
        let nanos = at.unix_nanos().unwrap_or(0);
        Event {
            r#type: CONTAINER_TYPE.to_owned(),
            action: action.into(),
            actor: Actor {
                id: id.into(),
                attributes: BTreeMap::new(),
            },
            scope: "local".to_owned(),
            time: nanos.div_euclid(1_000_000_000),
            time_nano: nanos,
        }
    }

    /// This event with the attribute `key` set to `value`.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Event {
        self.actor.attributes.insert(key.into(), value.into());
        self
    }

    /// When it happened: `timeNano` if non-zero, else `time` in seconds; [`Time::ZERO`] when the
    /// event carries neither.
    pub fn at(&self) -> Time {
        if self.time_nano != 0 {
            Time::from_unix_nanos(self.time_nano)
        } else if self.time != 0 {
            Time::from_unix_secs(self.time)
        } else {
            Time::ZERO
        }
    }

    /// The action without its detail: `health_status: healthy` → `health_status`,
    /// `exec_start: sh -c x` → `exec_start`, `die` → `die`.
    pub fn verb(&self) -> &str {
        match self.action.split_once(": ") {
            Some((verb, _)) => verb,
            None => &self.action,
        }
    }

    /// The action's detail after `": "` (`healthy`, `sh -c x`), if any.
    pub fn detail(&self) -> Option<&str> {
        self.action.split_once(": ").map(|(_, detail)| detail)
    }

    /// Whether this is an event about a container.
    pub fn is_container(&self) -> bool {
        self.r#type == CONTAINER_TYPE
    }

    /// The actor's ID.
    pub fn id(&self) -> &str {
        &self.actor.id
    }

    /// The attribute `key`, if present.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.actor.attributes.get(key).map(String::as_str)
    }

    /// The container action this event reports; `None` for events of other types.
    pub fn container_action(&self) -> Option<ContainerAction> {
        if self.is_container() {
            Some(ContainerAction::of_verb(self.verb()))
        } else {
            None
        }
    }
}

impl fmt::Display for Event {
    /// `container die 4f3a…` style, as `docker events` prints the head of a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.r#type, self.action, self.actor.id)
    }
}

/// The actions the engine reports about containers, by their verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerAction {
    /// `create`: the container exists (created state).
    Create,
    /// `start`: its task started (by hand or by its restart policy).
    Start,
    /// `die`: its process exited (attribute `exitCode`).
    Die,
    /// `kill`: a signal was sent (attribute `signal`, a number).
    Kill,
    /// `oom`: the kernel killed it for memory (before its `die`).
    Oom,
    /// `pause`.
    Pause,
    /// `unpause`.
    Unpause,
    /// `stop`: a `docker stop` finished.
    Stop,
    /// `restart`: a `docker restart` finished.
    Restart,
    /// `rename` (attribute `oldName`, with its slash).
    Rename,
    /// `destroy`: removed.
    Destroy,
    /// `health_status: <status>`.
    HealthStatus,
    /// `exec_create: <command>` (attribute `execID`).
    ExecCreate,
    /// `exec_start: <command>` (attribute `execID`).
    ExecStart,
    /// `exec_die` (attributes `execID`, `exitCode`).
    ExecDie,
    /// Anything else (`attach`, `commit`, `copy`, `export`, `top`, `resize`, `update`, `detach`,
    /// `exec_detach`, `archive-path`, `extract-to-dir`, …): no state change.
    Other,
}

impl ContainerAction {
    /// The action for a verb (see [`Event::verb`]).
    pub fn of_verb(verb: &str) -> ContainerAction {
        match verb {
            "create" => ContainerAction::Create,
            "start" => ContainerAction::Start,
            "die" => ContainerAction::Die,
            "kill" => ContainerAction::Kill,
            "oom" => ContainerAction::Oom,
            "pause" => ContainerAction::Pause,
            "unpause" => ContainerAction::Unpause,
            "stop" => ContainerAction::Stop,
            "restart" => ContainerAction::Restart,
            "rename" => ContainerAction::Rename,
            "destroy" => ContainerAction::Destroy,
            "health_status" => ContainerAction::HealthStatus,
            "exec_create" => ContainerAction::ExecCreate,
            "exec_start" => ContainerAction::ExecStart,
            "exec_die" => ContainerAction::ExecDie,
            _ => ContainerAction::Other,
        }
    }

    /// Whether the action is about an exec (a `docker exec` or a health probe), not the
    /// container's own process.
    pub fn is_exec(self) -> bool {
        matches!(
            self,
            ContainerAction::ExecCreate | ContainerAction::ExecStart | ContainerAction::ExecDie
        )
    }
}

/// The Linux signals by name (without `SIG`) and number.
const SIGNALS: [(&str, i64); 31] = [
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// The name of Linux signal `n` (`SIGKILL` for 9), if it is one.
pub fn signal_name(n: i64) -> Option<String> {
    SIGNALS
        .iter()
        .find(|(_, number)| *number == n)
        .map(|(name, _)| format!("SIG{name}"))
}

/// The number of a Linux signal given as the engine and the CLI write it: `9`, `SIGKILL` or
/// `KILL` (case-insensitive); `None` for anything else.
pub fn signal_number(signal: &str) -> Option<i64> {
    let s = signal.trim();
    if let Ok(n) = s.parse::<i64>() {
        return (n > 0).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, number)| *number)
}

/// `SIGKILL`'s number.
pub const SIGKILL: i64 = 9;
