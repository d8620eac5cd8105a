//! Ports `State.Wait`, `WaitCondition` and `StateStatus`: waiting for a container to stop, to exit
//! next, or to be removed.
//!
//! Runtime-agnostic: a [`Waiter`] is a future on a one-shot channel whose sender the [`State`]
//! holds. The host adds cancellation and timeouts (dropping the waiter, or racing it against a
//! timer and answering with [`StateStatus::cancelled`]); a waiter that is dropped leaves nothing
//! behind in the state.
//!
//! [`State`]: crate::state::State

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use futures_channel::oneshot;
use serde::{Deserialize, Serialize};

/// What to wait for (`WaitCondition`). The wire form is the Engine API's `condition` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitCondition {
    /// Any non-running state: met at once when not running (the default).
    #[default]
    NotRunning,
    /// The next time the container stops, restarts or is removed: never met at once.
    NextExit,
    /// Removal: met at once only when already removed.
    Removed,
}

impl WaitCondition {
    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitCondition::NotRunning => "not-running",
            WaitCondition::NextExit => "next-exit",
            WaitCondition::Removed => "removed",
        }
    }

    /// All three, in the reference's order.
    pub const ALL: [WaitCondition; 3] = [
        WaitCondition::NotRunning,
        WaitCondition::NextExit,
        WaitCondition::Removed,
    ];
}

impl fmt::Display for WaitCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `condition` that is none of the three, with the engine's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid condition: \"{0}\"")]
pub struct InvalidCondition(pub String);

impl crate::errdefs::HasKind for InvalidCondition {
    fn kind(&self) -> crate::errdefs::ErrorKind {
        crate::errdefs::ErrorKind::InvalidParameter
    }
}

impl FromStr for WaitCondition {
    type Err = InvalidCondition;
    /// The empty string is the default, `not-running`, as in the Engine API.
    fn from_str(s: &str) -> Result<Self, InvalidCondition> {
        match s {
            "" | "not-running" => Ok(WaitCondition::NotRunning),
            "next-exit" => Ok(WaitCondition::NextExit),
            "removed" => Ok(WaitCondition::Removed),
            other => Err(InvalidCondition(other.to_owned())),
        }
    }
}

/// A wait result (`StateStatus`): the exit code and the error at the moment the wait resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateStatus {
    /// The container's exit code then; -1 when the wait was cancelled or timed out.
    pub exit_code: i64,
    /// The container's error then (`None` when it had exited on its own), or why the wait gave up.
    pub error: Option<String>,
}

impl StateStatus {
    /// The result of a wait that gave up before its condition was met: exit code -1 and the reason
    /// (the reference returns the context's error, e.g. "context deadline exceeded").
    pub fn cancelled(reason: impl Into<String>) -> StateStatus {
        StateStatus {
            exit_code: -1,
            error: Some(reason.into()),
        }
    }
}

/// A pending wait. Resolves to the [`StateStatus`] at the transition that meets its condition.
///
/// If the state is dropped with the wait still pending (the container object went away without a
/// removal), it resolves as cancelled.
#[derive(Debug)]
pub struct Waiter {
    inner: WaiterInner,
}

#[derive(Debug)]
enum WaiterInner {
    Ready(Option<StateStatus>),
    Pending(oneshot::Receiver<StateStatus>),
}

impl Waiter {
    pub(crate) fn ready(status: StateStatus) -> Waiter {
        Waiter {
            inner: WaiterInner::Ready(Some(status)),
        }
    }

    pub(crate) fn pending(rx: oneshot::Receiver<StateStatus>) -> Waiter {
        Waiter {
            inner: WaiterInner::Pending(rx),
        }
    }

    /// The result if it is already there, without waiting; `None` while pending.
    pub fn try_result(&mut self) -> Option<StateStatus> {
        match &mut self.inner {
            WaiterInner::Ready(s) => s.clone(),
            WaiterInner::Pending(rx) => match rx.try_recv() {
                Ok(Some(s)) => {
                    self.inner = WaiterInner::Ready(Some(s.clone()));
                    Some(s)
                }
                Ok(None) => None,
                Err(_) => {
                    let s = StateStatus::cancelled("container state dropped");
                    self.inner = WaiterInner::Ready(Some(s.clone()));
                    Some(s)
                }
            },
        }
    }

    /// Whether the condition was already met when the wait was placed.
    pub fn is_ready(&self) -> bool {
        matches!(self.inner, WaiterInner::Ready(_))
    }
}

impl Future for Waiter {
    type Output = StateStatus;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StateStatus> {
        match &mut self.inner {
            WaiterInner::Ready(s) => Poll::Ready(
                s.take()
                    .unwrap_or_else(|| StateStatus::cancelled("polled after completion")),
            ),
            WaiterInner::Pending(rx) => match Pin::new(rx).poll(cx) {
                Poll::Ready(Ok(s)) => Poll::Ready(s),
                Poll::Ready(Err(_)) => {
                    Poll::Ready(StateStatus::cancelled("container state dropped"))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The waiters a state holds: stop waiters (`not-running`, `next-exit`) and remove-only waiters.
///
/// Cloning gives an empty set: a copy of a state is data, and waiters belong to the live object.
#[derive(Default)]
pub(crate) struct Waiters {
    stop: Vec<oneshot::Sender<StateStatus>>,
    remove_only: Vec<oneshot::Sender<StateStatus>>,
}

impl Waiters {
    pub(crate) fn add(&mut self, condition: WaitCondition) -> oneshot::Receiver<StateStatus> {
        self.prune();
        let (tx, rx) = oneshot::channel();
        match condition {
            WaitCondition::Removed => self.remove_only.push(tx),
            WaitCondition::NotRunning | WaitCondition::NextExit => self.stop.push(tx),
        }
        rx
    }

    /// Drops the senders whose waiter gave up.
    pub(crate) fn prune(&mut self) {
        self.stop.retain(|tx| !tx.is_canceled());
        self.remove_only.retain(|tx| !tx.is_canceled());
    }

    pub(crate) fn notify_stop(&mut self, status: &StateStatus) {
        for tx in self.stop.drain(..) {
            let _ = tx.send(status.clone());
        }
    }

    pub(crate) fn notify_remove_only(&mut self, status: &StateStatus) {
        for tx in self.remove_only.drain(..) {
            let _ = tx.send(status.clone());
        }
    }

    /// How many waiters are still waiting (those that gave up are not counted).
    pub(crate) fn len(&self) -> usize {
        self.stop
            .iter()
            .chain(&self.remove_only)
            .filter(|tx| !tx.is_canceled())
            .count()
    }
}

impl Clone for Waiters {
    fn clone(&self) -> Waiters {
        Waiters::default()
    }
}

impl fmt::Debug for Waiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Waiters({})", self.len())
    }
}

impl PartialEq for Waiters {
    /// Waiters are not part of a state's value.
    fn eq(&self, _: &Waiters) -> bool {
        true
    }
}
impl Eq for Waiters {}
