//! What the simulated engine is asked to create (`docker create`'s options that berth models) and
//! how the simulated process and its health probe behave. Serializable: the lab exports sessions
//! as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::container::HealthConfig;
use crate::restart::RestartPolicy;

/// A `docker create` request to the simulated engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CreateSpec {
    /// `--name`; `None` for a generated docker-style name (`adjective_surname`).
    pub name: Option<String>,
    /// The image as the user names it, e.g. `local/busybox:1`.
    pub image: String,
    /// The command: the executable, then its arguments. Empty for the image's default
    /// (`/bin/sh`, as `local/busybox:1` has).
    pub cmd: Vec<String>,
    /// `--restart`.
    pub restart: RestartPolicy,
    /// `--health-*`; `None` for no health check.
    pub healthcheck: Option<HealthConfig>,
    /// How the health probe behaves (ignored without a health check).
    pub probe: Probe,
    /// `--stop-timeout` in seconds; `None` for the default (10 s).
    pub stop_timeout: Option<i64>,
    /// `--stop-signal`; `None` for the default (SIGTERM).
    pub stop_signal: Option<String>,
    /// `--rm`.
    pub auto_remove: bool,
    /// `--memory` in bytes; 0 for no limit.
    pub memory: i64,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
    /// What the container's process does.
    pub program: Program,
}

impl CreateSpec {
    /// A spec for `image` running `cmd` with everything else at the engine's defaults and a
    /// process that runs until it is signalled.
    pub fn new(image: impl Into<String>, cmd: &[&str]) -> CreateSpec {
        CreateSpec {
            image: image.into(),
            cmd: cmd.iter().map(|s| (*s).to_owned()).collect(),
            ..CreateSpec::default()
        }
    }

    /// This spec with the name `name`.
    pub fn named(mut self, name: impl Into<String>) -> CreateSpec {
        self.name = Some(name.into());
        self
    }

    /// This spec with the process behaving as `program`.
    pub fn program(mut self, program: Program) -> CreateSpec {
        self.program = program;
        self
    }

    /// This spec with the restart policy `policy`.
    pub fn restart(mut self, policy: RestartPolicy) -> CreateSpec {
        self.restart = policy;
        self
    }

    /// This spec with the health check `config` whose probe behaves as `probe`.
    pub fn healthcheck(mut self, config: HealthConfig, probe: Probe) -> CreateSpec {
        self.healthcheck = Some(config);
        self.probe = probe;
        self
    }
}

/// What a simulated container's main process does.
///
/// Signals: every program dies of SIGKILL (exit 137). [`Program::IgnoresSigterm`] ignores every
/// other signal, as busybox `sleep` does as PID 1 (the kernel drops signals that PID 1 has no
/// handler for). The others are ordinary processes (as under `--init`): a signal whose default
/// action terminates kills them with exit code 128 + the signal's number (143 for SIGTERM, 138
/// for SIGUSR1); SIGCHLD, SIGCONT, SIGURG and SIGWINCH are ignored and the job-control stops
/// (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) are not modelled, so they change nothing. A frozen
/// (paused) process receives a signal other than SIGKILL only when it is thawed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Program {
    /// Runs until signalled, like a server (`nginx -g 'daemon off;'` under an init).
    #[default]
    RunsForever,
    /// Exits with `code` after running `after_ms` milliseconds (`sh -c 'sleep 2; exit 1'`).
    ExitsAfter {
        /// How long each run lasts, in milliseconds.
        after_ms: i64,
        /// The exit code.
        code: i64,
    },
    /// Runs until SIGKILL: `docker stop` waits for its timeout, then kills it (exit 137).
    IgnoresSigterm,
    /// Allocates memory without bound: with a memory limit the kernel kills it for memory
    /// `after_ms` milliseconds into each run (an `oom` event, exit 137, `OOMKilled`); without one
    /// it runs until signalled.
    AllocatesMemory {
        /// How long until the limit is hit, in milliseconds.
        after_ms: i64,
    },
}

impl Program {
    /// Whether the process dies of signal `signal` (by number), and with which exit code.
    pub fn exit_on_signal(self, signal: i64) -> Option<i64> {
        const SIGKILL: i64 = 9;
        if signal == SIGKILL {
            return Some(128 + SIGKILL);
        }
        match self {
            Program::IgnoresSigterm => None,
            Program::RunsForever | Program::ExitsAfter { .. } | Program::AllocatesMemory { .. } => {
                // SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH.
                let harmless = matches!(signal, 17..=23 | 28);
                (!harmless).then_some(128 + signal)
            }
        }
    }
}

/// How a container's health probe behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Probe {
    /// Every probe passes (exit 0).
    #[default]
    Passes,
    /// Every probe fails (exit 1).
    Fails,
    /// The first `passes` probes of each run pass, the later ones fail.
    PassesThenFails {
        /// How many probes pass after each start.
        passes: u32,
    },
}

impl Probe {
    /// Whether probe number `n` (0 for the first since the start) passes.
    pub fn passes(self, n: u32) -> bool {
        match self {
            Probe::Passes => true,
            Probe::Fails => false,
            Probe::PassesThenFails { passes } => n < passes,
        }
    }
}
