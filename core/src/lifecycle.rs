//! The lifecycle as data: every move of the state machine ([`MOVES`]: from, to, and what
//! triggers it), the moves open to a container now ([`possible`]), and the typed
//! [`Transition`]s, each with its [`Cause`], that the simulated engine makes
//! ([`crate::sim::Sim::drain_transitions`]) and the live mirror infers from the engine's events
//! ([`crate::model::Model`]).
//!
//! The table is checked against the simulated engine (`core/tests/lifecycle.rs`): every change
//! it makes is a move of the table with one of that move's triggers, and a random walk makes
//! every move of the table. Both diagrams of the web app draw it; only the layout is theirs.

use serde::{Deserialize, Serialize};

use crate::actions::{check, Action};
use crate::container::Container;
use crate::health::HealthStatus;
use crate::state::StateKind;
use crate::time::Time;

/// Where a container is in the lifecycle: one of the seven states, or not (yet, or any more)
/// in the engine. Written as its label (`new`, `running`, `removed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// Not created yet.
    New,
    /// One of the seven states.
    State(StateKind),
    /// Removed: gone from the engine.
    Removed,
}

impl Place {
    /// Every place: new, the seven states in [`StateKind::ALL`]'s order, removed.
    pub const ALL: [Place; 9] = [
        Place::New,
        Place::State(StateKind::Created),
        Place::State(StateKind::Running),
        Place::State(StateKind::Paused),
        Place::State(StateKind::Restarting),
        Place::State(StateKind::Removing),
        Place::State(StateKind::Exited),
        Place::State(StateKind::Dead),
        Place::Removed,
    ];

    /// Its label: the state string, `removed`, or `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::New => "new",
            Place::State(k) => k.as_str(),
            Place::Removed => "removed",
        }
    }
}

impl std::str::FromStr for Place {
    type Err = String;

    /// A label as [`Place::as_str`] writes it.
    fn from_str(s: &str) -> Result<Place, String> {
        match s {
            "new" => Ok(Place::New),
            "removed" => Ok(Place::Removed),
            other => other
                .parse::<StateKind>()
                .map(Place::State)
                .map_err(|_| format!("not a place of the lifecycle: {other:?}")),
        }
    }
}

impl Serialize for Place {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Place {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Place, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What makes a move: an operation asked of the engine, or the engine on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "action")]
pub enum Trigger {
    /// `docker create`.
    Create,
    /// One of the operations on an existing container (`docker start`, `stop`, `kill`, …).
    Op(Action),
    /// The process exits on its own.
    ProcessExits,
    /// The kernel kills the process for memory.
    OomKill,
    /// The restart policy's backoff is over: the engine starts the container again.
    BackoffOver,
    /// `--rm`: the engine removes a container that stopped for good.
    AutoRemove,
    /// A removal fails (the storage driver cannot delete the filesystem).
    RemovalFails,
    /// A removal that was in progress completes.
    RemovalDone,
}

impl Trigger {
    /// Whether the engine makes it on its own (no operation asked for it).
    pub fn is_automatic(self) -> bool {
        !matches!(self, Trigger::Create | Trigger::Op(_))
    }

    /// Its short name: the `docker` command for an operation, the engine's reason otherwise.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Create => "create",
            Trigger::Op(a) => a.as_str(),
            Trigger::ProcessExits => "process exits",
            Trigger::OomKill => "OOM kill",
            Trigger::BackoffOver => "backoff over",
            Trigger::AutoRemove => "--rm",
            Trigger::RemovalFails => "removal fails",
            Trigger::RemovalDone => "removal done",
        }
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One move of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// From.
    pub from: Place,
    /// To.
    pub to: Place,
    /// What makes it, in the order a reader meets them.
    pub triggers: &'static [Trigger],
    /// What a diagram writes on it.
    pub label: &'static str,
}

impl Move {
    /// Whether the engine makes it only on its own (no operation triggers it).
    pub fn is_automatic(&self) -> bool {
        self.triggers.iter().all(|t| t.is_automatic())
    }

    /// The operations that can make it.
    pub fn actions(&self) -> impl Iterator<Item = Action> + '_ {
        self.triggers.iter().filter_map(|t| match t {
            Trigger::Op(a) => Some(*a),
            _ => None,
        })
    }

    /// The other move between the same two places, in the opposite direction, if any.
    pub fn reverse(&self) -> Option<&'static Move> {
        MOVES
            .iter()
            .find(|m| m.from == self.to && m.to == self.from)
    }
}

const fn mv(from: Place, to: Place, triggers: &'static [Trigger], label: &'static str) -> Move {
    Move {
        from,
        to,
        triggers,
        label,
    }
}

const fn st(k: StateKind) -> Place {
    Place::State(k)
}

use Action::{ForceRemove, Kill, Pause, Remove, Restart, Start, Stop, Unpause};
use StateKind::{Created, Dead, Exited, Paused, Removing, Restarting, Running};
use Trigger::{AutoRemove, BackoffOver, OomKill, Op, ProcessExits, RemovalDone, RemovalFails};

/// Every move the engine makes, and what makes each.
///
/// Two are easy to miss: a signal other than SIGKILL reaches a paused process only once it is
/// thawed, so `stop`, `restart` and `kill -s TERM` of a paused container go through running
/// (an `unpause` event); and `rm -f` of a running container is marked for removal while its
/// process is still being killed, so it goes running → removing → removed.
pub const MOVES: &[Move] = &[
    mv(Place::New, st(Created), &[Trigger::Create], "create"),
    mv(st(Created), st(Running), &[Op(Start), Op(Restart)], "start"),
    mv(st(Running), st(Paused), &[Op(Pause)], "pause"),
    mv(
        st(Paused),
        st(Running),
        &[Op(Unpause), Op(Stop), Op(Restart), Op(Kill)],
        "unpause",
    ),
    mv(
        st(Running),
        st(Exited),
        &[Op(Stop), Op(Restart), Op(Kill), ProcessExits, OomKill],
        "stop · kill · exit",
    ),
    mv(
        st(Exited),
        st(Running),
        &[Op(Start), Op(Restart)],
        "start · restart",
    ),
    mv(
        st(Running),
        st(Restarting),
        &[ProcessExits, OomKill],
        "exit + policy",
    ),
    mv(st(Restarting), st(Running), &[BackoffOver], "backoff over"),
    mv(
        st(Restarting),
        st(Exited),
        &[Op(Stop), Op(Restart), Op(Kill)],
        "stop · kill",
    ),
    mv(
        st(Paused),
        st(Exited),
        &[Op(Kill), Op(Stop), Op(Restart)],
        "kill",
    ),
    mv(
        st(Created),
        st(Removing),
        &[Op(Remove), Op(ForceRemove)],
        "rm",
    ),
    mv(
        st(Exited),
        st(Removing),
        &[Op(Remove), Op(ForceRemove), AutoRemove],
        "rm",
    ),
    mv(st(Running), st(Removing), &[Op(ForceRemove)], "rm -f"),
    mv(st(Paused), st(Removing), &[Op(ForceRemove)], "rm -f"),
    mv(st(Restarting), st(Removing), &[Op(ForceRemove)], "rm -f"),
    mv(st(Removing), st(Dead), &[RemovalFails], "removal fails"),
    mv(st(Dead), st(Removing), &[Op(Remove), Op(ForceRemove)], "rm"),
    mv(
        st(Removing),
        Place::Removed,
        &[Op(Remove), Op(ForceRemove), AutoRemove, RemovalDone],
        "removed",
    ),
];

/// The move from `from` to `to`, if the table has one.
pub fn find(from: Place, to: Place) -> Option<&'static Move> {
    MOVES.iter().find(|m| m.from == from && m.to == to)
}

/// The moves open to `c` now: those leaving its state that an operation the rules accept
/// ([`crate::actions::check`]) can make, and those the engine can make on its own from there.
pub fn possible(c: &Container) -> Vec<&'static Move> {
    let here = Place::State(c.state.kind());
    MOVES
        .iter()
        .filter(|m| m.from == here)
        .filter(|m| m.is_automatic() || m.actions().any(|a| check(a, c).is_ok()))
        .collect()
}

/// Who asked for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// berth itself (its API, dashboard or lab).
    Berth,
    /// Another client of the engine (the `docker` CLI, a script, the simulated operator).
    Other,
}

/// Why a container moved. Written as an object with its `kind` and the variant's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", try_from = "CauseFields")]
pub enum Cause {
    /// `docker create`.
    Create {
        /// Who asked.
        by: By,
    },
    /// An operation on the container (for `kill`, see [`Cause::Signal`]).
    Op {
        /// Which.
        action: Action,
        /// Who asked.
        by: By,
    },
    /// `docker stop` or `docker restart` (`action`) stopping a running process: its stop signal,
    /// then SIGKILL when it was still running after the timeout.
    Stop {
        /// [`Action::Stop`] or [`Action::Restart`].
        action: Action,
        /// The stop signal's number.
        signal: i64,
        /// How long after the stop signal SIGKILL was sent, in milliseconds; `None` when the
        /// stop signal was enough.
        kill_after_ms: Option<i64>,
        /// Who asked.
        by: By,
    },
    /// `docker kill`: a signal sent to the process.
    Signal {
        /// Its number.
        signal: i64,
        /// Who sent it.
        by: By,
    },
    /// The process exited on its own.
    Exit {
        /// Its exit code.
        code: i64,
    },
    /// The kernel killed the process for memory.
    Oom,
    /// The restart policy started the container again.
    Policy {
        /// Which restart this is since the last manual start (1 for the first).
        attempt: u64,
        /// The backoff waited before it, in milliseconds.
        backoff_ms: i64,
    },
    /// `--rm` removed the container after it stopped for good.
    AutoRemove,
    /// The removal failed.
    RemovalFailed {
        /// The engine's error.
        message: String,
    },
    /// A removal in progress completed.
    RemovalDone,
    /// The health check's status changed (a `health_status` event); the container stays where
    /// it is.
    Health {
        /// The status before.
        was: HealthStatus,
        /// The status now.
        status: HealthStatus,
    },
    /// The engine's events do not tell.
    Unknown,
}

/// A [`Cause`] as written, read into one flat struct and checked: serde's reader of an
/// internally tagged enum buffers every field (19 KB of the dashboard's wasm); this costs little.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CauseFields {
    kind: String,
    action: Option<Action>,
    by: Option<By>,
    signal: Option<i64>,
    kill_after_ms: Option<i64>,
    code: Option<i64>,
    attempt: Option<u64>,
    backoff_ms: Option<i64>,
    message: Option<String>,
    was: Option<HealthStatus>,
    status: Option<HealthStatus>,
}

impl TryFrom<CauseFields> for Cause {
    type Error = String;

    fn try_from(f: CauseFields) -> Result<Cause, String> {
        let kind = f.kind;
        let missing = |field: &str| format!("a cause of kind {kind:?} without {field}");
        let by = || f.by.ok_or_else(|| missing("by"));
        let action = || f.action.ok_or_else(|| missing("action"));
        let signal = || f.signal.ok_or_else(|| missing("signal"));
        Ok(match kind.as_str() {
            "create" => Cause::Create { by: by()? },
            "op" => Cause::Op {
                action: action()?,
                by: by()?,
            },
            "stop" => Cause::Stop {
                action: action()?,
                signal: signal()?,
                kill_after_ms: f.kill_after_ms,
                by: by()?,
            },
            "signal" => Cause::Signal {
                signal: signal()?,
                by: by()?,
            },
            "exit" => Cause::Exit {
                code: f.code.ok_or_else(|| missing("code"))?,
            },
            "oom" => Cause::Oom,
            "policy" => Cause::Policy {
                attempt: f.attempt.ok_or_else(|| missing("attempt"))?,
                backoff_ms: f.backoff_ms.ok_or_else(|| missing("backoff_ms"))?,
            },
            "auto_remove" => Cause::AutoRemove,
            "removal_failed" => Cause::RemovalFailed {
                message: f.message.ok_or_else(|| missing("message"))?,
            },
            "removal_done" => Cause::RemovalDone,
            "health" => Cause::Health {
                was: f.was.ok_or_else(|| missing("was"))?,
                status: f.status.ok_or_else(|| missing("status"))?,
            },
            "unknown" => Cause::Unknown,
            other => return Err(format!("unknown kind of cause {other:?}")),
        })
    }
}

impl Cause {
    /// The trigger of the table it stands for; `None` for [`Cause::Unknown`] and for
    /// [`Cause::Health`], which is no move.
    pub fn trigger(&self) -> Option<Trigger> {
        Some(match self {
            Cause::Create { .. } => Trigger::Create,
            Cause::Op { action, .. } | Cause::Stop { action, .. } => Trigger::Op(*action),
            Cause::Signal { .. } => Trigger::Op(Action::Kill),
            Cause::Exit { .. } => Trigger::ProcessExits,
            Cause::Oom => Trigger::OomKill,
            Cause::Policy { .. } => Trigger::BackoffOver,
            Cause::AutoRemove => Trigger::AutoRemove,
            Cause::RemovalFailed { .. } => Trigger::RemovalFails,
            Cause::RemovalDone => Trigger::RemovalDone,
            Cause::Health { .. } | Cause::Unknown => return None,
        })
    }

    /// The operation behind it, without what the process did: [`Cause::Stop`] becomes
    /// [`Cause::Op`] (the start of a `docker restart` has no signal); any other is itself.
    pub fn as_op(&self) -> Cause {
        match self {
            Cause::Stop { action, by, .. } => Cause::Op {
                action: *action,
                by: *by,
            },
            other => other.clone(),
        }
    }

    /// The same cause, asked for `by` (a cause no one asks for is itself).
    pub fn by(self, by: By) -> Cause {
        match self {
            Cause::Create { .. } => Cause::Create { by },
            Cause::Op { action, .. } => Cause::Op { action, by },
            Cause::Stop {
                action,
                signal,
                kill_after_ms,
                ..
            } => Cause::Stop {
                action,
                signal,
                kill_after_ms,
                by,
            },
            Cause::Signal { signal, .. } => Cause::Signal { signal, by },
            other => other,
        }
    }

    /// One line for a reader: what happened.
    pub fn describe(&self) -> String {
        // berth's own operations (its dashboard, API or lab) go unmarked.
        let by = |by: &By| match by {
            By::Berth => "",
            By::Other => ", by another client",
        };
        match self {
            Cause::Create { by: b } => format!("docker create{}", by(b)),
            Cause::Op { action, by: b } => format!("docker {}{}", action.cli_words(), by(b)),
            Cause::Stop {
                action,
                signal,
                kill_after_ms,
                by: b,
            } => {
                let mut text = format!("docker {} ({}", action.cli_words(), signal_text(*signal));
                if let Some(ms) = kill_after_ms {
                    text.push_str(&format!(", then SIGKILL after {}", short_duration(*ms)));
                }
                text.push(')');
                text.push_str(by(b));
                text
            }
            Cause::Signal { signal, by: b } => {
                format!("docker kill ({}){}", signal_text(*signal), by(b))
            }
            Cause::Exit { code } => format!("the process exited with code {code}"),
            Cause::Oom => "the kernel killed the process for memory (OOM)".to_owned(),
            Cause::Policy {
                attempt,
                backoff_ms,
            } => format!(
                "the restart policy's restart {attempt}, after a {} backoff",
                short_duration(*backoff_ms)
            ),
            Cause::AutoRemove => "--rm: removed once it stopped".to_owned(),
            Cause::RemovalFailed { message } => format!("the removal failed: {message}"),
            Cause::RemovalDone => "the removal completed".to_owned(),
            Cause::Health { was, status } => {
                format!("health check {} → {}", was.as_str(), status.as_str())
            }
            Cause::Unknown => {
                "unknown: seen only in the engine's record, not in its events".to_owned()
            }
        }
    }
}

/// A duration for a reader, to a tenth of a second: `200 ms`, `1 s`, `2.5 s`, `90 s`.
pub fn short_duration(ms: i64) -> String {
    if ms.abs() < 1000 {
        return format!("{ms} ms");
    }
    let tenths = (ms + 50).div_euclid(100);
    if tenths % 10 == 0 {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// `SIGTERM` for 15; the number itself for a number Linux has no signal for.
fn signal_text(signal: i64) -> String {
    crate::events::signal_name(signal).unwrap_or_else(|| format!("signal {signal}"))
}

/// A container moved from one place to another, or (`from` = `to`, [`Cause::Health`]) its health
/// check's status changed where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The container's ID.
    pub id: String,
    /// Its name then, with its slash.
    pub name: String,
    /// From.
    pub from: Place,
    /// To.
    pub to: Place,
    /// When.
    pub at: Time,
    /// Why.
    pub cause: Cause,
    /// The process's exit code, for a move to exited, restarting or dead.
    pub exit_code: Option<i64>,
}

impl Transition {
    /// One line for a reader, without the container's name: `running → exited (137): docker
    /// stop (SIGTERM, then SIGKILL after 10 s), by another client`.
    pub fn describe(&self) -> String {
        if self.from == self.to {
            // Not a move: a change where it is (the health check's).
            return format!("{}: {}", self.to.as_str(), self.cause.describe());
        }
        let code = self
            .exit_code
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        format!(
            "{} → {}{code}: {}",
            self.from.as_str(),
            self.to.as_str(),
            self.cause.describe()
        )
    }

    /// The exit code a move of `c` to `to` reports: its ExitCode if `to` is exited, restarting
    /// or dead.
    pub fn exit_code_of(to: Place, c: &Container) -> Option<i64> {
        matches!(
            to,
            Place::State(StateKind::Exited | StateKind::Restarting | StateKind::Dead)
        )
        .then_some(c.state.exit_code)
    }

    /// The move of the table it makes, if the table has it.
    pub fn table_move(&self) -> Option<&'static Move> {
        find(self.from, self.to)
    }
}
