//! Ports the container package's `Health` (and the engine's `types.Health` it embeds): the
//! health-check status, its display text, the failing streak, the last probe results and the
//! monitor "channel".

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::time::Time;

/// How many probe results the engine keeps (`maxLogEntries`).
pub const MAX_LOG_ENTRIES: usize = 5;

/// A health status. The wire form is lowercase (`starting`, `healthy`, `unhealthy`, `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// No health check is configured.
    #[default]
    None,
    /// Probes have not yet passed or failed enough to decide.
    Starting,
    /// The last probe passed.
    Healthy,
    /// Probes failed `retries` times in a row (or the monitor stopped).
    Unhealthy,
}

impl HealthStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::None => "none",
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the four health statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid health status: {0}")]
pub struct InvalidHealth(pub String);

impl FromStr for HealthStatus {
    type Err = InvalidHealth;
    fn from_str(s: &str) -> Result<Self, InvalidHealth> {
        match s {
            "none" => Ok(HealthStatus::None),
            "starting" => Ok(HealthStatus::Starting),
            "healthy" => Ok(HealthStatus::Healthy),
            "unhealthy" => Ok(HealthStatus::Unhealthy),
            other => Err(InvalidHealth(other.to_owned())),
        }
    }
}

/// `IsValidHealthString`: whether `s` is one of `starting`, `healthy`, `unhealthy`, `none`.
pub fn is_valid_health_string(s: &str) -> bool {
    s.parse::<HealthStatus>().is_ok()
}

/// One probe's result (`types.HealthcheckResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ProbeResult {
    /// When the probe started.
    pub start: Time,
    /// When it ended.
    pub end: Time,
    /// Its exit code: 0 passed, 1 failed, anything else is an error of the probe itself.
    pub exit_code: i64,
    /// What it printed (the engine truncates to 4 KiB).
    pub output: String,
}

/// A container's health-check state. Present only on containers that have a health check.
///
/// The stored status may be empty, as in old engine data; [`Health::status`] reads that as
/// `unhealthy`, as the reference does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    /// The stored status string (normally one of the four).
    #[serde(default)]
    pub status: String,
    /// How many probes in a row have failed.
    #[serde(default)]
    pub failing_streak: i64,
    /// The last [`MAX_LOG_ENTRIES`] probe results, oldest first.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub log: Vec<ProbeResult>,
    /// Whether a monitor is running (the reference's `stop` channel is non-nil). In memory only.
    #[serde(skip)]
    pub monitor_open: bool,
}

impl Health {
    /// A fresh record, as the daemon makes when a container with a health check starts: `starting`.
    pub fn starting() -> Health {
        Health {
            status: HealthStatus::Starting.as_str().to_owned(),
            ..Health::default()
        }
    }

    /// The status; an empty or unknown stored string reads as `unhealthy`.
    pub fn status(&self) -> HealthStatus {
        self.status.parse().unwrap_or(HealthStatus::Unhealthy)
    }

    /// `SetStatus`.
    pub fn set_status(&mut self, status: HealthStatus) {
        self.status = status.as_str().to_owned();
    }

    /// `OpenMonitorChannel`: opens the monitor and returns true, or returns false when one is
    /// already open.
    pub fn open_monitor(&mut self) -> bool {
        if self.monitor_open {
            return false;
        }
        self.monitor_open = true;
        true
    }

    /// `CloseMonitorChannel`: closes an open monitor and sets the status to `unhealthy` (for
    /// compatibility, as the reference does); does nothing when none is open.
    pub fn close_monitor(&mut self) {
        if self.monitor_open {
            self.monitor_open = false;
            self.set_status(HealthStatus::Unhealthy);
        }
    }

    /// Records a probe result the way the daemon's monitor does: keeps the last five, counts the
    /// failing streak, and turns `unhealthy` after `retries` failures in a row (a failure while
    /// `starting` within the start period does not count). Returns the new status.
    pub fn record_probe(
        &mut self,
        result: ProbeResult,
        retries: u32,
        in_start_period: bool,
    ) -> HealthStatus {
        let passed = result.exit_code == 0;
        self.log.push(result);
        if self.log.len() > MAX_LOG_ENTRIES {
            let excess = self.log.len() - MAX_LOG_ENTRIES;
            self.log.drain(..excess);
        }
        if passed {
            self.failing_streak = 0;
            self.set_status(HealthStatus::Healthy);
        } else if !(in_start_period && self.status() == HealthStatus::Starting) {
            self.failing_streak += 1;
            if self.failing_streak >= i64::from(retries.max(1)) {
                self.set_status(HealthStatus::Unhealthy);
            }
        }
        self.status()
    }
}

impl fmt::Display for Health {
    /// `health: starting` for starting, the status itself otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status() {
            HealthStatus::Starting => f.write_str("health: starting"),
            other => f.write_str(other.as_str()),
        }
    }
}
