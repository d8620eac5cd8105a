//! Ports the container package's `State`: the stored flags, every transition, the seven-valued
//! state (`StateString`) and the `docker ps` status text (`String`), plus `Wait`.
//!
//! The flags are the single source of truth; [`StateKind`] and the status text are derived from
//! them with the reference's precedence. Time is always an argument: the core reads no clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::health::Health;
use crate::time::{human_duration, Time};
use crate::wait::{StateStatus, WaitCondition, Waiter, Waiters};

/// The exit of a container's process (`ExitStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExitStatus {
    /// The process's exit code (128 + signal when a signal killed it).
    pub exit_code: i64,
    /// When it exited; zero means "now" to [`State::set_stopped`].
    pub exited_at: Time,
}

impl ExitStatus {
    /// An exit with `code` at `at`.
    pub fn new(exit_code: i64, exited_at: Time) -> ExitStatus {
        ExitStatus {
            exit_code,
            exited_at,
        }
    }
}

/// A container's state.
///
/// Invariants kept by the transitions (not by the type): Paused ⇒ Running and Restarting ⇒
/// Running. Running and Paused are *not* exclusive: a paused container is frozen, not stopped.
/// `Removed` is kept in memory only. Field names on the wire are the engine's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct State {
    /// The process is running (also while paused or waiting for a policy restart).
    #[serde(rename = "Running", default)]
    pub running: bool,
    /// Frozen by the freezer cgroup.
    #[serde(rename = "Paused", default)]
    pub paused: bool,
    /// Waiting for a restart by its restart policy.
    #[serde(rename = "Restarting", default)]
    pub restarting: bool,
    /// The kernel killed the last run for memory.
    #[serde(rename = "OOMKilled", default)]
    pub oom_killed: bool,
    /// A removal is under way.
    #[serde(rename = "RemovalInProgress", default)]
    pub removal_in_progress: bool,
    /// A removal failed and left the container unusable.
    #[serde(rename = "Dead", default)]
    pub dead: bool,
    /// The process ID on the host; 0 when none.
    #[serde(rename = "Pid", default)]
    pub pid: i64,
    /// The last exit code.
    #[serde(rename = "ExitCode", default)]
    pub exit_code: i64,
    /// The last error of a start, stop or remove; empty for none.
    #[serde(rename = "Error", default)]
    pub error: String,
    /// When the last run started; zero if it never ran.
    #[serde(rename = "StartedAt", default)]
    pub started_at: Time,
    /// When the last run ended; zero if none ended.
    #[serde(rename = "FinishedAt", default)]
    pub finished_at: Time,
    /// The health check's state; `None` without a health check.
    #[serde(rename = "Health", default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    /// Removed from the daemon (in memory only).
    #[serde(skip)]
    pub removed: bool,
    #[serde(skip)]
    waiters: Waiters,
}

impl State {
    /// `NewState`: a created container that never ran.
    pub fn new() -> State {
        State::default()
    }

    /// `StateString` as a typed value.
    pub fn kind(&self) -> StateKind {
        if self.running {
            if self.paused {
                return StateKind::Paused;
            }
            if self.restarting {
                return StateKind::Restarting;
            }
            return StateKind::Running;
        }
        if self.removal_in_progress {
            return StateKind::Removing;
        }
        if self.dead {
            return StateKind::Dead;
        }
        if self.started_at.is_zero() {
            return StateKind::Created;
        }
        StateKind::Exited
    }

    /// `StateString`: one of the seven state strings.
    pub fn state_string(&self) -> &'static str {
        self.kind().as_str()
    }

    /// `String`: the `docker ps` Status column at `now`.
    pub fn status_string(&self, now: Time) -> String {
        if self.running {
            if self.paused {
                return format!("Up {} (Paused)", human_duration(now.since(self.started_at)));
            }
            if self.restarting {
                return format!(
                    "Restarting ({}) {} ago",
                    self.exit_code,
                    human_duration(now.since(self.finished_at))
                );
            }
            if let Some(h) = &self.health {
                return format!("Up {} ({})", human_duration(now.since(self.started_at)), h);
            }
            return format!("Up {}", human_duration(now.since(self.started_at)));
        }
        if self.removal_in_progress {
            return "Removal In Progress".to_owned();
        }
        if self.dead {
            return "Dead".to_owned();
        }
        if self.started_at.is_zero() {
            return "Created".to_owned();
        }
        if self.finished_at.is_zero() {
            return String::new();
        }
        format!(
            "Exited ({}) {} ago",
            self.exit_code,
            human_duration(now.since(self.finished_at))
        )
    }

    /// `IsRunning`.
    pub fn is_running(&self) -> bool {
        self.running
    }
    /// `IsPaused`.
    pub fn is_paused(&self) -> bool {
        self.paused
    }
    /// `IsRestarting`.
    pub fn is_restarting(&self) -> bool {
        self.restarting
    }
    /// `IsDead`.
    pub fn is_dead(&self) -> bool {
        self.dead
    }
    /// `IsRemovalInProgress`.
    pub fn is_removal_in_progress(&self) -> bool {
        self.removal_in_progress
    }
    /// `GetPID`.
    pub fn get_pid(&self) -> i64 {
        self.pid
    }
    /// `ExitCode`.
    pub fn exit_code(&self) -> i64 {
        self.exit_code
    }
    /// `SetExitCode`.
    pub fn set_exit_code(&mut self, code: i64) {
        self.exit_code = code;
    }
    /// `Err`: the stored error, `None` when empty.
    pub fn err(&self) -> Option<&str> {
        if self.error.is_empty() {
            None
        } else {
            Some(&self.error)
        }
    }

    /// `SetRunning`: the task started (`initial`) or the daemon re-attached to it at boot.
    /// `pid` is the task's pid, 0 when there is no task.
    pub fn set_running(&mut self, pid: i64, initial: bool, now: Time) {
        self.error.clear();
        self.paused = false;
        self.running = true;
        self.restarting = false;
        self.exit_code = 0;
        self.pid = pid;
        self.oom_killed = false;
        if initial {
            self.started_at = now;
        }
    }

    /// `SetStopped`: the process exited. Wakes every stop waiter.
    pub fn set_stopped(&mut self, exit: ExitStatus, now: Time) {
        self.running = false;
        self.paused = false;
        self.restarting = false;
        self.pid = 0;
        self.finished_at = if exit.exited_at.is_zero() {
            now
        } else {
            exit.exited_at
        };
        self.exit_code = exit.exit_code;
        let status = self.current_status();
        self.waiters.notify_stop(&status);
    }

    /// `SetRestarting`: the process exited and the restart policy will start it again. The
    /// container stays Running (so rm and stop treat it as such). Wakes every stop waiter.
    pub fn set_restarting(&mut self, exit: ExitStatus, now: Time) {
        self.running = true;
        self.restarting = true;
        self.paused = false;
        self.pid = 0;
        self.finished_at = now;
        self.exit_code = exit.exit_code;
        let status = self.current_status();
        self.waiters.notify_stop(&status);
    }

    /// `SetError`: records `err`, or clears the error with `None`.
    pub fn set_error(&mut self, err: Option<&str>) {
        self.error = err.unwrap_or_default().to_owned();
    }

    /// `SetRemovalInProgress`: returns true if a removal was already under way, else starts one.
    pub fn set_removal_in_progress(&mut self) -> bool {
        if self.removal_in_progress {
            return true;
        }
        self.removal_in_progress = true;
        false
    }

    /// `ResetRemovalInProgress`.
    pub fn reset_removal_in_progress(&mut self) {
        self.removal_in_progress = false;
    }

    /// `SetRemoved`: `set_removal_error(None)`.
    pub fn set_removed(&mut self) {
        self.set_removal_error(None);
    }

    /// `SetRemovalError`: records the error, marks the state removed, and wakes every remove-only
    /// waiter, then every stop waiter.
    pub fn set_removal_error(&mut self, err: Option<&str>) {
        self.set_error(err);
        self.removed = true;
        let status = self.current_status();
        self.waiters.notify_remove_only(&status);
        self.waiters.notify_stop(&status);
    }

    /// Pause (the daemon's freezer step): sets Paused.
    pub fn set_paused(&mut self) {
        self.paused = true;
    }

    /// Unpause: clears Paused.
    pub fn set_unpaused(&mut self) {
        self.paused = false;
    }

    /// The kernel reported an OOM kill of this container's process (before its exit).
    pub fn set_oom_killed(&mut self) {
        self.oom_killed = true;
    }

    /// A failed removal leaves the container dead: it cannot be started, only removed.
    pub fn set_dead(&mut self) {
        self.dead = true;
        self.removal_in_progress = false;
    }

    /// `Wait`: a waiter for `condition`. Ready at once when the condition already holds
    /// (`not-running` and not running; `removed` and removed); `next-exit` never is.
    pub fn wait(&mut self, condition: WaitCondition) -> Waiter {
        let met = match condition {
            WaitCondition::NotRunning => !self.running,
            WaitCondition::Removed => self.removed,
            WaitCondition::NextExit => false,
        };
        if met {
            return Waiter::ready(self.current_status());
        }
        Waiter::pending(self.waiters.add(condition))
    }

    /// How many waiters are still pending; those that gave up are not counted.
    pub fn pending_waiters(&self) -> usize {
        self.waiters.len()
    }

    /// Forgets the waiters that gave up (also done whenever a waiter is added).
    pub fn prune_waiters(&mut self) {
        self.waiters.prune();
    }

    fn current_status(&self) -> StateStatus {
        StateStatus {
            exit_code: self.exit_code,
            error: self.err().map(str::to_owned),
        }
    }
}

/// The seven container states (`StateString`); derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateKind {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Running and frozen.
    Paused,
    /// Waiting for a policy restart.
    Restarting,
    /// Removal under way.
    Removing,
    /// Ran and stopped.
    Exited,
    /// A removal failed.
    Dead,
}

impl StateKind {
    /// All seven, in the order `docker ps --filter status=` documents them.
    pub const ALL: [StateKind; 7] = [
        StateKind::Created,
        StateKind::Restarting,
        StateKind::Running,
        StateKind::Removing,
        StateKind::Paused,
        StateKind::Exited,
        StateKind::Dead,
    ];

    /// The state string.
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Created => "created",
            StateKind::Running => "running",
            StateKind::Paused => "paused",
            StateKind::Restarting => "restarting",
            StateKind::Removing => "removing",
            StateKind::Exited => "exited",
            StateKind::Dead => "dead",
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the seven state strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid state: {0}")]
pub struct InvalidState(pub String);

impl FromStr for StateKind {
    type Err = InvalidState;
    fn from_str(s: &str) -> Result<StateKind, InvalidState> {
        StateKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| InvalidState(s.to_owned()))
    }
}

/// `IsValidStateString`: whether `s` is one of the seven state strings.
pub fn is_valid_state_string(s: &str) -> bool {
    s.parse::<StateKind>().is_ok()
}
