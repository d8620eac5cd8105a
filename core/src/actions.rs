//! The daemon's preconditions for the operations on a container (`docker start`, `stop`,
//! `restart`, `pause`, `unpause`, `kill`, `rm`): which the engine would refuse in the current
//! state, with its status code and message. The simulated engine enforces them, the dashboard
//! disables buttons with them, and the lab explains them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::container::Container;
use crate::errdefs::{ErrorKind, HasKind};

/// An operation on a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// `docker start`.
    Start,
    /// `docker stop`.
    Stop,
    /// `docker restart`.
    Restart,
    /// `docker pause`.
    Pause,
    /// `docker unpause`.
    Unpause,
    /// `docker kill`.
    Kill,
    /// `docker rm` (without `--force`).
    Remove,
    /// `docker rm --force`.
    ForceRemove,
}

impl Action {
    /// Every action, in the order the dashboard shows them.
    pub const ALL: [Action; 8] = [
        Action::Start,
        Action::Stop,
        Action::Restart,
        Action::Pause,
        Action::Unpause,
        Action::Kill,
        Action::Remove,
        Action::ForceRemove,
    ];

    /// The lowercase name (the API path segment; `remove` and `force-remove` for `rm`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
            Action::Pause => "pause",
            Action::Unpause => "unpause",
            Action::Kill => "kill",
            Action::Remove => "remove",
            Action::ForceRemove => "force-remove",
        }
    }

    /// The `docker` subcommand that asks for it, with its flag: `stop`, `rm`, `rm -f`.
    pub fn cli_words(self) -> &'static str {
        match self {
            Action::Remove => "rm",
            Action::ForceRemove => "rm -f",
            other => other.as_str(),
        }
    }

    /// Whether it destroys something the user may want back (asks for confirmation).
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Kill | Action::Remove | Action::ForceRemove)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// An action name that is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action: {0}")]
pub struct UnknownAction(pub String);

/// The engine accepts the operation: it either does something or answers 304 Not Modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The operation goes ahead.
    Proceed,
    /// Nothing to do (start of a running container, stop of a stopped one): HTTP 304.
    NotModified,
}

/// The engine refuses the operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct Refusal {
    /// The kind (HTTP status).
    pub kind: ErrorKind,
    /// The engine's message.
    pub message: String,
}

impl HasKind for Refusal {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

fn conflict(message: String) -> Refusal {
    Refusal {
        kind: ErrorKind::Conflict,
        message,
    }
}

/// Whether the engine would carry out `action` on `c` now, with Engine 20.10's statuses and
/// messages (recorded in `testdata/engine/errors.json`). The container is named by its ID where a
/// message names the reference the caller used; see [`check_as`].
pub fn check(action: Action, c: &Container) -> Result<Verdict, Refusal> {
    check_as(action, c, &c.id)
}

/// [`check`] for a container the caller named `reference` (an ID, prefix or name): the engine
/// repeats that reference in the refusal of a kill.
pub fn check_as(action: Action, c: &Container, reference: &str) -> Result<Verdict, Refusal> {
    let s = &c.state;
    let id = &c.id;
    match action {
        Action::Start => {
            if s.paused {
                Err(conflict(
                    "cannot start a paused container, try unpause instead".into(),
                ))
            } else if s.running {
                Ok(Verdict::NotModified)
            } else if s.removal_in_progress || s.dead {
                Err(conflict(
                    "container is marked for removal and cannot be started".into(),
                ))
            } else {
                Ok(Verdict::Proceed)
            }
        }
        Action::Stop => {
            if s.running {
                Ok(Verdict::Proceed)
            } else {
                Ok(Verdict::NotModified)
            }
        }
        Action::Restart => {
            if s.removal_in_progress || s.dead {
                Err(conflict(
                    "container is marked for removal and cannot be started".into(),
                ))
            } else {
                Ok(Verdict::Proceed)
            }
        }
        Action::Pause => {
            if !s.running {
                Err(conflict(format!("Container {id} is not running")))
            } else if s.paused {
                Err(conflict(format!("Container {id} is already paused")))
            } else if s.restarting {
                Err(conflict(format!(
                    "Container {id} is restarting, wait until the container is running"
                )))
            } else {
                Ok(Verdict::Proceed)
            }
        }
        Action::Unpause => {
            if !s.paused {
                // Engine 20.10 answers this one with 500, not 409.
                Err(Refusal {
                    kind: ErrorKind::System,
                    message: format!("Container {id} is not paused"),
                })
            } else {
                Ok(Verdict::Proceed)
            }
        }
        Action::Kill => {
            // A restarting container is Running: the kill goes ahead and only cancels the restart.
            if !s.running {
                Err(conflict(format!(
                    "Cannot kill container: {reference}: Container {id} is not running"
                )))
            } else {
                Ok(Verdict::Proceed)
            }
        }
        Action::Remove | Action::ForceRemove => {
            if s.removal_in_progress {
                Err(conflict(format!(
                    "removal of container {} is already in progress",
                    c.short_name()
                )))
            } else if s.running && action == Action::Remove {
                let state = s.state_string();
                let procedure = if state == "paused" {
                    "Unpause and then stop the container before attempting removal or force remove"
                } else {
                    "Stop the container before attempting removal or force remove"
                };
                Err(conflict(format!(
                    "You cannot remove a {state} container {id}. {procedure}"
                )))
            } else {
                Ok(Verdict::Proceed)
            }
        }
    }
}

/// The actions the engine would accept on `c` now (304s count as accepted).
pub fn allowed(c: &Container) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| check(*a, c).is_ok())
        .collect()
}
