//! What the simulated engine is asked to create (`docker create`'s options that berth models) and
//! how the simulated process and its health probe behave. Serializable: the lab exports sessions
//! as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::container::{Config, HealthConfig, HostConfig};
use crate::errdefs::ErrorKind;
use crate::restart::RestartPolicy;

use super::command::{read_command, read_probe, Printed, UNREAD_LABEL};
use super::SimError;

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
    /// `--entrypoint`; `None` for the image's (busybox has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `--env`, `KEY=value` entries; the image's `PATH` comes first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// `--hostname`; empty for the first 12 characters of the ID.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    /// `--domainname`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domainname: String,
    /// `--volume` bind specifications, kept as data (volumes are not simulated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binds: Option<Vec<String>>,
    /// What the process prints in each run (`docker logs`, `docker run` in the foreground).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<Printed>,
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

/// `POST /containers/create`'s body: the container's configuration with its host
/// configuration, as the Engine API names them. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateBody {
    #[serde(flatten)]
    config: Config,
    #[serde(default)]
    host_config: Option<HostConfig>,
    #[serde(default)]
    attach_stdin: bool,
}

impl CreateSpec {
    /// The spec of an Engine API `POST /containers/create?name=…` with JSON `body`: its
    /// command and health check read as the simulated process and probe behave
    /// ([`read_command`], [`read_probe`]); what berth does not read is said in the
    /// [`UNREAD_LABEL`] label. What the simulated engine does not simulate (stdin, published
    /// ports, mounts, other networks than `none`) is refused with a 501 that says so.
    pub fn from_create_request(name: Option<&str>, body: &[u8]) -> Result<CreateSpec, SimError> {
        let body: CreateBody = if body.iter().all(u8::is_ascii_whitespace) {
            return Err(SimError::new(
                ErrorKind::InvalidParameter,
                "config cannot be empty in order to create a container",
            ));
        } else {
            serde_json::from_slice(body)
                .map_err(|e| SimError::new(ErrorKind::InvalidParameter, e.to_string()))?
        };
        let not_simulated = |what: &str| {
            Err(SimError::new(
                ErrorKind::NotImplemented,
                format!("berth's simulated engine does not simulate {what}"),
            ))
        };
        let config = body.config;
        let host = body.host_config.unwrap_or_default();
        if config.open_stdin || body.attach_stdin {
            return not_simulated("stdin (docker run -i)");
        }
        match host.network_mode.as_str() {
            "" | "default" | "bridge" | "none" => {}
            other => {
                return not_simulated(&format!(
                    "networks: every container is on the none network, not {other:?}"
                ))
            }
        }
        if host
            .port_bindings
            .values()
            .any(|b| b.as_ref().is_some_and(|b| !b.is_empty()))
        {
            return not_simulated("published ports: every container is on the none network");
        }
        if host
            .rest
            .get("Mounts")
            .is_some_and(|m| m.as_array().is_some_and(|m| !m.is_empty()))
        {
            return not_simulated("mounts (--mount); --volume binds are kept as data");
        }
        let mut argv = config.entrypoint.clone().unwrap_or_default();
        argv.extend(config.cmd.iter().cloned());
        let reading = read_command(&argv);
        let mut labels = config.labels.clone();
        let mut unread = reading.unread.into_iter().collect::<Vec<_>>();
        let probe = match config.healthcheck.as_ref().filter(|h| h.is_enabled()) {
            Some(h) => read_probe(&h.test).unwrap_or_else(|why| {
                unread.push(why);
                Probe::Passes
            }),
            None => Probe::Passes,
        };
        if !unread.is_empty() {
            labels.insert(UNREAD_LABEL.to_owned(), unread.join("; "));
        }
        Ok(CreateSpec {
            name: name.filter(|n| !n.is_empty()).map(str::to_owned),
            image: config.image,
            cmd: config.cmd,
            restart: host.restart_policy,
            healthcheck: config.healthcheck,
            probe,
            stop_timeout: config.stop_timeout,
            stop_signal: Some(config.stop_signal).filter(|s| !s.is_empty()),
            auto_remove: host.auto_remove,
            memory: host.memory,
            labels,
            program: reading.program,
            entrypoint: config.entrypoint.filter(|e| !e.is_empty()),
            env: config.env.unwrap_or_default(),
            hostname: config.hostname,
            domainname: config.domainname,
            binds: host.binds,
            output: reading.output,
        })
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
    /// Exits with `code` after running `after_ms` milliseconds, and until then ignores every
    /// signal but SIGKILL, as [`Program::IgnoresSigterm`] does: busybox `sleep 30` or
    /// `sh -c 'sleep 2; exit 1'` as PID 1.
    ExitsIgnoringSignals {
        /// How long each run lasts, in milliseconds.
        after_ms: i64,
        /// The exit code.
        code: i64,
    },
    /// Allocates memory without bound: with a memory limit the kernel kills it for memory
    /// `after_ms` milliseconds into each run (an `oom` event, exit 137, `OOMKilled`); without one
    /// it runs until signalled.
    AllocatesMemory {
        /// How long until the limit is hit, in milliseconds.
        after_ms: i64,
    },
}

impl Program {
    /// When the process exits on its own: after how many milliseconds of each run, with which
    /// code. `None` for one that runs until it is signalled (or, for
    /// [`Program::AllocatesMemory`], killed for memory).
    pub fn exits_after(self) -> Option<(i64, i64)> {
        match self {
            Program::ExitsAfter { after_ms, code }
            | Program::ExitsIgnoringSignals { after_ms, code } => Some((after_ms, code)),
            Program::RunsForever | Program::IgnoresSigterm | Program::AllocatesMemory { .. } => {
                None
            }
        }
    }

    /// Whether the process dies of signal `signal` (by number), and with which exit code.
    pub fn exit_on_signal(self, signal: i64) -> Option<i64> {
        const SIGKILL: i64 = 9;
        if signal == SIGKILL {
            return Some(128 + SIGKILL);
        }
        match self {
            Program::IgnoresSigterm | Program::ExitsIgnoringSignals { .. } => None,
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
