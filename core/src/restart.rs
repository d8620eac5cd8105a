//! Ports the restart manager the container package drives (`RestartManager`, `ShouldRestart`,
//! `ExitOnNext`): a pure decision of whether a container restarts after an exit, and after what
//! delay. The host owns the timer: it waits `delay`, then calls [`RestartManager::fire`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::errdefs::{ErrorKind, HasKind};
use crate::time::Duration;

/// The first restart delay (`defaultTimeout`).
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);
/// The longest restart delay (`maxRestartTimeout`).
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// A run at least this long resets the delay to [`DEFAULT_DELAY`].
pub const RESET_AFTER: Duration = Duration::from_secs(10);

/// A restart policy (`HostConfig.RestartPolicy`), as the engine writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct RestartPolicy {
    /// `""`, `no`, `always`, `unless-stopped` or `on-failure`.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// For `on-failure`: the most restarts; 0 means no limit.
    #[serde(rename = "MaximumRetryCount", default)]
    pub maximum_retry_count: i64,
}

/// The kinds of restart policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Never restart (`no` or empty).
    No,
    /// Always restart.
    Always,
    /// Restart unless stopped by hand.
    UnlessStopped,
    /// Restart on a non-zero exit.
    OnFailure,
}

impl RestartPolicy {
    /// `no`.
    pub fn no() -> RestartPolicy {
        RestartPolicy::default()
    }
    /// `always`.
    pub fn always() -> RestartPolicy {
        RestartPolicy {
            name: "always".into(),
            maximum_retry_count: 0,
        }
    }
    /// `unless-stopped`.
    pub fn unless_stopped() -> RestartPolicy {
        RestartPolicy {
            name: "unless-stopped".into(),
            maximum_retry_count: 0,
        }
    }
    /// `on-failure[:max]`.
    pub fn on_failure(max: i64) -> RestartPolicy {
        RestartPolicy {
            name: "on-failure".into(),
            maximum_retry_count: max,
        }
    }

    /// Which kind; an unknown name reads as `no` (the engine refuses those at create time).
    pub fn kind(&self) -> PolicyKind {
        match self.name.as_str() {
            "always" => PolicyKind::Always,
            "unless-stopped" => PolicyKind::UnlessStopped,
            "on-failure" => PolicyKind::OnFailure,
            _ => PolicyKind::No,
        }
    }

    /// `IsNone`.
    pub fn is_none(&self) -> bool {
        self.kind() == PolicyKind::No
    }

    /// The policy as `docker update --restart` sends it: `no` spelled out, because an update
    /// with an empty name leaves the policy as it was.
    pub fn spelled_out(&self) -> RestartPolicy {
        if self.is_none() {
            RestartPolicy {
                name: "no".into(),
                maximum_retry_count: 0,
            }
        } else {
            self.clone()
        }
    }
}

impl fmt::Display for RestartPolicy {
    /// The CLI's form: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            PolicyKind::No => f.write_str("no"),
            PolicyKind::Always => f.write_str("always"),
            PolicyKind::UnlessStopped => f.write_str("unless-stopped"),
            PolicyKind::OnFailure if self.maximum_retry_count > 0 => {
                write!(f, "on-failure:{}", self.maximum_retry_count)
            }
            PolicyKind::OnFailure => f.write_str("on-failure"),
        }
    }
}

/// A policy string the CLI would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid restart policy format: {0}")]
pub struct InvalidPolicy(pub String);

impl FromStr for RestartPolicy {
    type Err = InvalidPolicy;
    /// Parses the CLI's `--restart` value.
    fn from_str(s: &str) -> Result<RestartPolicy, InvalidPolicy> {
        let (name, max) = match s.split_once(':') {
            Some((n, m)) => (n, Some(m)),
            None => (s, None),
        };
        match (name, max) {
            ("" | "no", None) => Ok(RestartPolicy::no()),
            ("always", None) => Ok(RestartPolicy::always()),
            ("unless-stopped", None) => Ok(RestartPolicy::unless_stopped()),
            ("on-failure", None) => Ok(RestartPolicy::on_failure(0)),
            ("on-failure", Some(m)) => m
                .parse::<i64>()
                .ok()
                .filter(|m| *m >= 0)
                .map(RestartPolicy::on_failure)
                .ok_or_else(|| InvalidPolicy(s.to_owned())),
            _ => Err(InvalidPolicy(s.to_owned())),
        }
    }
}

/// Why no decision could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestartError {
    /// The manager was cancelled (a manual stop, or the container is going away).
    #[error("restart canceled")]
    Canceled,
    /// A restart is already pending.
    #[error("invalid call on an active restart manager")]
    Active,
}

impl HasKind for RestartError {
    fn kind(&self) -> ErrorKind {
        match self {
            RestartError::Canceled => ErrorKind::Conflict,
            RestartError::Active => ErrorKind::System,
        }
    }
}

/// What the policy decided after an exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartDecision {
    /// Whether the container restarts.
    pub restart: bool,
    /// How long to wait first (the backoff after this exit).
    pub delay: Duration,
    /// Restarts made by this policy so far, including this one.
    pub restart_count: i64,
}

/// The restart manager: the policy, its count and the backoff. Pure data; the host runs the timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartManager {
    /// The policy.
    pub policy: RestartPolicy,
    /// Restarts made under this manager.
    pub restart_count: i64,
    /// The current backoff; zero before the first decision.
    pub delay: Duration,
    /// A restart is pending (between a yes and [`RestartManager::fire`]).
    pub active: bool,
    /// Cancelled: no more restarts.
    pub canceled: bool,
}

impl RestartManager {
    /// A manager for `policy`, continuing from `restart_count` (the container's `RestartCount`).
    pub fn new(policy: RestartPolicy, restart_count: i64) -> RestartManager {
        RestartManager {
            policy,
            restart_count,
            delay: Duration::ZERO,
            active: false,
            canceled: false,
        }
    }

    /// `ShouldRestart`: decides after an exit with `exit_code` of a run that lasted `ran_for`.
    /// A yes raises the count and makes the manager active until [`RestartManager::fire`].
    pub fn should_restart(
        &mut self,
        exit_code: i64,
        manually_stopped: bool,
        ran_for: Duration,
    ) -> Result<RestartDecision, RestartError> {
        let no = |rm: &RestartManager| RestartDecision {
            restart: false,
            delay: rm.delay,
            restart_count: rm.restart_count,
        };
        if self.policy.is_none() {
            return Ok(no(self));
        }
        if self.canceled {
            return Err(RestartError::Canceled);
        }
        if self.active {
            return Err(RestartError::Active);
        }
        if ran_for >= RESET_AFTER {
            self.delay = Duration::ZERO;
        }
        if self.delay == Duration::ZERO {
            self.delay = DEFAULT_DELAY;
        } else if self.delay < MAX_DELAY {
            self.delay = self.delay.doubled();
        }
        if self.delay > MAX_DELAY {
            self.delay = MAX_DELAY;
        }
        let restart = match self.policy.kind() {
            PolicyKind::Always => true,
            PolicyKind::UnlessStopped => !manually_stopped,
            PolicyKind::OnFailure => {
                let max = self.policy.maximum_retry_count;
                (max == 0 || self.restart_count < max) && exit_code != 0
            }
            PolicyKind::No => false,
        };
        if !restart {
            self.active = false;
            return Ok(no(self));
        }
        self.restart_count += 1;
        self.active = true;
        Ok(RestartDecision {
            restart: true,
            delay: self.delay,
            restart_count: self.restart_count,
        })
    }

    /// The delay elapsed: the restart goes ahead and the manager may decide again.
    pub fn fire(&mut self) {
        self.active = false;
    }

    /// `Cancel` (what `ExitOnNext` does): no restart after the next exit, and a pending one is
    /// abandoned with [`RestartError::Canceled`].
    pub fn cancel(&mut self) {
        self.canceled = true;
        self.active = false;
    }
}
