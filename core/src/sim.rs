//! berth's simulated Docker engine: the daemon's container operations (Engine 20.10's `create`,
//! `start`, `stop`, `restart`, `pause`, `unpause`, `kill`, `rm`, `rename`, `wait`) and the
//! monitor's reactions (exits, restart policy, health probes, OOM kills) on top of the container
//! package, with a virtual clock. Deterministic and sans-I/O: no clock is read, the only
//! randomness is a seeded PRNG for IDs and generated names.
//!
//! # Time
//!
//! The clock moves only when the host says so ([`Sim::advance_to`]). Everything that takes time
//! in the engine is a timer: restart backoff, the grace period of `docker stop`, health probes,
//! and programs that exit or run out of memory on their own. [`Sim::next_deadline`] tells the
//! host when the next one is due; the adapter sleeps until then in real time, the lab plays the
//! clock at any speed or jumps to it.
//!
//! # Operations return at once
//!
//! The engine's `POST /containers/{id}/stop` blocks until the container has stopped. Here every
//! operation returns as soon as it has done what can be done at the current instant: a process
//! that honours the stop signal exits during the call (`kill`, `die`, `stop` are all emitted
//! before it returns), but one that ignores it ([`Program::IgnoresSigterm`]) keeps running, and
//! the operation leaves a timer that sends SIGKILL when the timeout has passed, then finishes
//! the stop (`kill` 9, `die` 137, `stop`) — or, for `restart`, also starts it again (`start`,
//! `restart`). A caller that must block as the API does uses [`Sim::wait`] (`next-exit` or
//! `not-running`) and advances the clock until the waiter resolves.
//!
//! # Events
//!
//! [`Sim::drain_events`] gives exactly what `GET /events` of Engine 20.10 sends for the same
//! operations, in the same order (recorded in `testdata/engine/`): container events with the
//! `image` and `name` attributes plus the container's labels, and the `network` events of the
//! `none` network every simulated container is attached to (`connect` before each `start`,
//! `disconnect` after each `die`). Times come from the virtual clock.
//!
//! # Refusals
//!
//! Errors carry the engine's HTTP status and message verbatim ([`SimError`]); "not modified"
//! (HTTP 304) is a success, [`Outcome::NotModified`].

mod command;
mod demo;
mod images;
mod names;
mod spec;

pub use names::Rng;

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::actions::{check_as, Action, Refusal, Verdict};
use crate::container::{Config, Container, EndpointSettings, HostConfig};
use crate::errdefs::{ErrorKind, HasKind};
use crate::events::{signal_number, Actor, Event, SIGKILL};
use crate::health::{Health, HealthStatus, ProbeResult};
use crate::lifecycle::{By, Cause, Place, Transition};
use crate::ops::Op;
use crate::restart::{RestartDecision, RestartPolicy};
use crate::state::{ExitStatus, StateKind};
use crate::store::{MemoryStore, Store};
use crate::time::{Duration, Time};
use crate::view::{View, ViewDb, ViewError};
use crate::wait::{WaitCondition, Waiter};

pub use command::{
    read_command, read_probe, split_words, Printed, Reading, UNREAD_DEFAULT, UNREAD_LABEL,
};
pub use demo::{CRASHY_RELAUNCH, DEMO_SEED};
pub use images::{is_valid_reference, normalize as normalize_image, Image, IMAGE_SIZE};
use names::{digest, is_valid_name, random_name, VALID_NAME_CHARS};
pub use spec::{CreateSpec, Probe, Program};

/// The first pid handed out; each start takes the next one.
const FIRST_PID: i64 = 4000;
/// How many transitions a sim keeps for [`Sim::drain_transitions`] (the oldest go first).
pub const MAX_UNDRAINED_TRANSITIONS: usize = 4096;
/// The engine's `MinimumDuration` for health-check durations: 1 ms.
const MINIMUM_DURATION: i64 = 1_000_000;
/// The engine's smallest memory limit (`linuxMinMemory`): 6 MB.
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// An operation the engine refuses: its HTTP status and message, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct SimError {
    /// The HTTP status the Engine API answers with.
    pub status: u16,
    /// The error's kind.
    pub kind: ErrorKind,
    /// The engine's message (the `message` of the JSON body).
    pub message: String,
}

impl SimError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> SimError {
        SimError {
            status: kind.http_status(),
            kind,
            message: message.into(),
        }
    }
    fn not_found(reference: &str) -> SimError {
        SimError::new(
            ErrorKind::NotFound,
            format!("No such container: {reference}"),
        )
    }
    fn conflict(message: impl Into<String>) -> SimError {
        SimError::new(ErrorKind::Conflict, message)
    }
    fn invalid(message: impl Into<String>) -> SimError {
        SimError::new(ErrorKind::InvalidParameter, message)
    }
    fn system(message: impl Into<String>) -> SimError {
        SimError::new(ErrorKind::System, message)
    }
    /// The same error with `prefix` in front of its message (the API's `errors.Wrap`).
    fn wrapped(mut self, prefix: &str) -> SimError {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

impl From<Refusal> for SimError {
    fn from(refusal: Refusal) -> SimError {
        SimError::new(refusal.kind, refusal.message)
    }
}

impl HasKind for SimError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// How an accepted operation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// It was carried out (or set in motion: see the module's notes on time).
    Done,
    /// There was nothing to do (HTTP 304): starting a running container, stopping a stopped one.
    NotModified,
}

/// What the simulated engine answers to an operation ([`Sim::apply`]).
#[derive(Debug)]
pub enum Reply {
    /// A container was created: its ID.
    Created(String),
    /// The operation was carried out, or there was nothing to do.
    Outcome(Outcome),
    /// A wait was placed: its waiter.
    Waiting(Waiter),
}

/// What a pending timer will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// The restart policy's backoff ends: the container starts again.
    RestartBackoff,
    /// A `docker stop` or `docker restart` timed out: SIGKILL.
    StopTimeout,
    /// The next health probe.
    HealthProbe,
    /// The program exits on its own ([`Program::ExitsAfter`]) or hits its memory limit
    /// ([`Program::AllocatesMemory`]).
    ProgramExit,
    /// The operator starts the container again after it settled (see [`Sim::relaunch_after`]).
    Relaunch,
}

/// A pending timer, as [`Sim::deadlines`] lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When it fires.
    pub at: Time,
    /// The container's ID.
    pub container_id: String,
    /// What it does.
    pub kind: TimerKind,
}

#[derive(Debug, Clone)]
struct Timer {
    id: String,
    kind: TimerKind,
    /// For [`TimerKind::StopTimeout`]: the stop operation it belongs to.
    op: u64,
}

/// A `docker stop` or `docker restart` waiting for the process to exit.
#[derive(Debug, Clone)]
struct PendingStop {
    op: u64,
    restart: bool,
    /// When the stop signal was sent.
    began: Time,
    /// The operation's cause, for what it does later (a SIGKILL after the timeout, the start
    /// of a restart).
    cause: Cause,
}

/// What the simulation keeps about a container besides the container itself.
#[derive(Debug, Clone)]
struct Process {
    program: Program,
    probe: Probe,
    /// Probes run since the last start.
    probes_run: u32,
    /// While paused: how long the program still had until its own exit.
    frozen: Option<Duration>,
    /// Signals sent while frozen, delivered when it thaws.
    queued_signals: Vec<i64>,
    /// Stops and restarts waiting for the exit, in call order.
    pending: Vec<PendingStop>,
    /// The last exit of the process.
    last_exit: ExitStatus,
    /// What the restart policy decided after the last exit.
    last_decision: Option<RestartDecision>,
    /// Start it again this long after it exited on its own and stayed exited.
    relaunch_after: Option<Duration>,
    /// What the process prints in each run.
    output: Vec<Printed>,
    /// The runs before the current or last one: when each started and ended.
    past_runs: Vec<(Time, Time)>,
}

/// A line of a container's output ([`Sim::logs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// When it was printed.
    pub time: Time,
    /// On standard error (else standard output).
    pub stderr: bool,
    /// What was printed.
    pub text: String,
}

/// The simulated engine. See the module documentation.
#[derive(Debug)]
pub struct Sim {
    now: Time,
    rng: Rng,
    containers: MemoryStore,
    processes: BTreeMap<String, Process>,
    db: ViewDb,
    timers: BTreeMap<(Time, u64), Timer>,
    seq: u64,
    events: Vec<Event>,
    next_pid: i64,
    none_network: String,
    /// The transitions since the last drain (the newest [`MAX_UNDRAINED_TRANSITIONS`]).
    transitions: VecDeque<Transition>,
    /// Each container's state as last saved, to tell when it moves.
    observed: BTreeMap<String, StateKind>,
    /// Why what happens now happens: set by each operation and timer.
    cause: Cause,
    /// Who asks for the operations ([`Sim::set_client`]).
    client: By,
    /// The images the engine has.
    images: images::Images,
}

impl Sim {
    /// An engine with no containers, its clock at `start`, IDs and names drawn from `seed`.
    /// The zero time ("never") cannot be a clock reading: it starts the clock at the Unix epoch.
    pub fn new(start: Time, seed: u64) -> Sim {
        let mut rng = Rng::new(seed);
        let none_network = rng.hex_id();
        Sim {
            now: if start.is_zero() {
                Time::from_unix_nanos(0)
            } else {
                start
            },
            rng,
            containers: MemoryStore::new(),
            processes: BTreeMap::new(),
            db: ViewDb::new(),
            timers: BTreeMap::new(),
            seq: 0,
            events: Vec::new(),
            next_pid: FIRST_PID,
            none_network,
            transitions: VecDeque::new(),
            observed: BTreeMap::new(),
            cause: Cause::Unknown,
            client: By::Berth,
            images: images::Images::default(),
        }
    }

    /// The virtual clock.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The ID of the `none` network every simulated container is attached to.
    pub fn none_network_id(&self) -> &str {
        &self.none_network
    }

    // ------------------------------------------------------------------ operations

    /// `docker create`: a created container; returns its ID.
    ///
    /// Refusals as the engine's: invalid settings (400), an invalid name (400), a name in use
    /// (409 "Conflict. The container name …"). Every image exists; an empty one is accepted, as
    /// 20.10 accepts it (its events then carry no `image` attribute).
    pub fn create(&mut self, spec: CreateSpec) -> Result<String, SimError> {
        validate(&spec)?;
        self.cause = Cause::Create { by: self.client };
        let id = loop {
            let id = self.rng.hex_id();
            if self.containers.get(&id).is_none() {
                break id;
            }
        };
        let name = match &spec.name {
            Some(name) => {
                if !is_valid_name(name) {
                    return Err(SimError::invalid(format!(
                        "Invalid container name ({name}), only {VALID_NAME_CHARS} are allowed"
                    )));
                }
                let slashed = slashed(name);
                self.reserve_name(&slashed, &id)?;
                slashed
            }
            None => self.generate_name(&id),
        };

        // The image's command, `/bin/sh`, unless an entrypoint replaces it.
        let cmd = if spec.cmd.is_empty() && spec.entrypoint.is_none() {
            vec!["/bin/sh".to_owned()]
        } else {
            spec.cmd.clone()
        };
        let argv: Vec<String> = spec
            .entrypoint
            .iter()
            .flatten()
            .chain(cmd.iter())
            .cloned()
            .collect();
        let mut c = Container::new_base(id.clone());
        c.created = self.now;
        c.path = argv.first().cloned().unwrap_or_default();
        c.args = argv.get(1..).map(<[String]>::to_vec).unwrap_or_default();
        c.config = Config {
            hostname: if spec.hostname.is_empty() {
                id.get(..12).unwrap_or(&id).to_owned()
            } else {
                spec.hostname.clone()
            },
            domainname: spec.domainname.clone(),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            entrypoint: spec.entrypoint.clone(),
            cmd,
            healthcheck: spec.healthcheck.clone(),
            image: spec.image.clone(),
            labels: spec.labels.clone(),
            stop_signal: spec.stop_signal.clone().unwrap_or_default(),
            stop_timeout: spec.stop_timeout,
            ..Config::default()
        };
        // Every image exists: the one named is the engine's from now on, as if pulled before.
        c.image_id = if spec.image.is_empty() {
            format!("sha256:{}", digest(&spec.image))
        } else {
            self.images.get_or_add(&spec.image, self.now).0.id
        };
        c.name = name;
        c.driver = "overlay2".to_owned();
        c.os = "linux".to_owned();
        c.log_path = format!("/var/lib/docker/containers/{id}/{id}-json.log");
        c.host_config = HostConfig {
            binds: spec.binds.clone(),
            network_mode: "none".to_owned(),
            restart_policy: spec.restart.clone(),
            auto_remove: spec.auto_remove,
            memory: spec.memory,
            dns: Some(Vec::new()),
            dns_options: Some(Vec::new()),
            dns_search: Some(Vec::new()),
            rest: engine_host_defaults(),
            ..HostConfig::default()
        };
        c.config.rest = engine_config_defaults();
        c.network_settings.networks.insert(
            "none".to_owned(),
            Some(EndpointSettings {
                network_id: self.none_network.clone(),
                ..EndpointSettings::default()
            }),
        );
        self.containers.add(&id, c);
        self.processes.insert(
            id.clone(),
            Process {
                program: spec.program,
                probe: spec.probe,
                probes_run: 0,
                frozen: None,
                queued_signals: Vec::new(),
                pending: Vec::new(),
                last_exit: ExitStatus::default(),
                last_decision: None,
                relaunch_after: None,
                output: spec.output.clone(),
                past_runs: Vec::new(),
            },
        );
        self.save(&id);
        self.emit(&id, "create", &[]);
        Ok(id)
    }

    /// `docker start`. A running (or restarting) container is not modified; a paused one, or one
    /// marked for removal, is refused (409). A manual start resets the restart count and the
    /// "manually stopped" mark, as the engine does.
    pub fn start(&mut self, reference: &str) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(Action::Start);
        let id = self.resolve(reference)?;
        match check_as(Action::Start, self.container(&id)?, reference) {
            Err(refusal) => Err(refusal.into()),
            Ok(Verdict::NotModified) => Ok(Outcome::NotModified),
            Ok(Verdict::Proceed) => {
                self.container_start(&id, true)?;
                Ok(Outcome::Done)
            }
        }
    }

    /// `docker stop [-t timeout_s]`: sends the stop signal (a `kill` event); a process that
    /// honours it exits now, one that ignores it gets SIGKILL when the timeout (default: the
    /// container's, 10 s) has passed on the virtual clock (at once for 0); a negative timeout
    /// waits forever.
    /// The `stop` event follows the exit. A stopped container is not modified. A restarting one
    /// just stays stopped (only a `stop` event).
    pub fn stop(&mut self, reference: &str, timeout_s: Option<i64>) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(Action::Stop);
        let id = self.resolve(reference)?;
        let c = self.container(&id)?;
        if !c.state.running {
            return Ok(Outcome::NotModified);
        }
        let seconds = timeout_s.unwrap_or_else(|| c.stop_timeout());
        self.container_stop(&id, seconds, false);
        Ok(Outcome::Done)
    }

    /// `docker restart [-t timeout_s]`: a stop as [`Sim::stop`], then a manual start and a
    /// `restart` event once the process has exited. A stopped container just starts. One marked
    /// for removal is refused (500 "Cannot restart container …", as 20.10 wraps it).
    pub fn restart(
        &mut self,
        reference: &str,
        timeout_s: Option<i64>,
    ) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(Action::Restart);
        let id = self.resolve(reference)?;
        let c = self.container(&id)?;
        let seconds = timeout_s.unwrap_or_else(|| c.stop_timeout());
        if c.state.running {
            self.container_stop(&id, seconds, true);
            return Ok(Outcome::Done);
        }
        self.container_start(&id, true).map_err(|e| {
            SimError::system(format!(
                "Cannot restart container {reference}: {}",
                e.message
            ))
        })?;
        self.emit(&id, "restart", &[]);
        Ok(Outcome::Done)
    }

    /// `docker pause`. Refused (409) unless running, not paused and not restarting. The health
    /// monitor stops, which leaves the health status `unhealthy` (no event), as the engine does.
    pub fn pause(&mut self, reference: &str) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(Action::Pause);
        let id = self.resolve(reference)?;
        check_as(Action::Pause, self.container(&id)?, reference)?;
        let now = self.now;
        if let Some(c) = self.containers.get_mut(&id) {
            c.state.set_paused();
            if let Some(h) = c.state.health.as_mut() {
                h.close_monitor();
            }
        }
        self.cancel_timers(&id, TimerKind::HealthProbe);
        let due = self.take_timer(&id, TimerKind::ProgramExit);
        if let Some(p) = self.processes.get_mut(&id) {
            p.frozen = due.map(|at| at.since(now));
        }
        self.save(&id);
        self.emit(&id, "pause", &[]);
        Ok(Outcome::Done)
    }

    /// `docker unpause`. A container that is not paused is refused with 500 (20.10 returns a
    /// plain error). The health monitor starts again: the next probe is one interval away.
    pub fn unpause(&mut self, reference: &str) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(Action::Unpause);
        let id = self.resolve(reference)?;
        check_as(Action::Unpause, self.container(&id)?, reference)?;
        self.resume(&id);
        Ok(Outcome::Done)
    }

    /// `docker kill [-s signal]`: SIGKILL by default (exit 137). Other signals act as the
    /// program dictates (see [`Program`]). Marks the container manually stopped, and unless a
    /// stop signal other than `signal` is configured, its restart policy will not restart it
    /// (the engine's `ExitOnNext`). A restarting container just stays stopped, with no event.
    ///
    /// Refusals as the engine's: an unparsable signal (400 "Invalid signal: X"), no such
    /// container (404) or not running (409), both as "Cannot kill container: {reference}: …",
    /// and a number Linux has no signal for (500).
    pub fn kill(&mut self, reference: &str, signal: Option<&str>) -> Result<Outcome, SimError> {
        let sig = match signal {
            None | Some("") => SIGKILL,
            Some(raw) => parse_signal(raw)?,
        };
        let prefix = format!("Cannot kill container: {reference}");
        let id = self.resolve(reference).map_err(|e| e.wrapped(&prefix))?;
        if !is_linux_signal(sig) {
            return Err(SimError::system(format!(
                "The linux daemon does not support signal {sig}"
            ))
            .wrapped(&prefix));
        }
        check_as(Action::Kill, self.container(&id)?, reference)?;
        self.cause = Cause::Signal {
            signal: sig,
            by: self.client,
        };
        self.kill_with_signal(&id, sig);
        Ok(Outcome::Done)
    }

    /// `docker rm [-f]`. A running container is refused without force (409, the engine's
    /// message); with force it is killed first (`kill` 9, `die` 137). Then it is destroyed: its
    /// names are released, `removed` waiters wake, and a `destroy` event is sent. A removal
    /// already under way is refused (409).
    pub fn remove(&mut self, reference: &str, force: bool) -> Result<Outcome, SimError> {
        self.cause = self.op_cause(if force {
            Action::ForceRemove
        } else {
            Action::Remove
        });
        let id = self.resolve(reference)?;
        self.begin_rm(&id, reference, force)?;
        if self.container(&id)?.state.running {
            self.kill_with_signal(&id, SIGKILL);
        }
        self.destroy(&id);
        Ok(Outcome::Done)
    }

    /// `docker rename`. Refusals as the engine's: an empty name (400), the same name (400), an
    /// invalid name (400), a name in use (409), each as 20.10 words it.
    pub fn rename(&mut self, reference: &str, new_name: &str) -> Result<Outcome, SimError> {
        if reference.is_empty() || new_name.is_empty() {
            return Err(SimError::invalid("Neither old nor new names may be empty"));
        }
        let new_name = slashed(new_name);
        let id = self.resolve(reference)?;
        let old_name = self.container(&id)?.name.clone();
        if old_name == new_name {
            return Err(SimError::invalid(
                "Renaming a container with the same name as its current name",
            ));
        }
        if !is_valid_name(&new_name) {
            return Err(SimError::invalid(format!(
                "Error when allocating new name: Invalid container name ({new_name}), only \
                 {VALID_NAME_CHARS} are allowed"
            )));
        }
        self.reserve_name(&new_name, &id)
            .map_err(|e| e.wrapped("Error when allocating new name"))?;
        if let Some(c) = self.containers.get_mut(&id) {
            c.name = new_name;
        }
        // The old name was reserved to this container, so releasing it cannot fail.
        let _ = self.db.release_name(&old_name);
        self.save(&id);
        self.emit(&id, "rename", &[("oldName", old_name)]);
        Ok(Outcome::Done)
    }

    /// `POST /containers/{id}/wait?condition=…`: a waiter that resolves with the exit code when
    /// the condition is met (at once for `not-running` on a stopped container, and for
    /// `removed` on a removed one). Advance the clock to make it resolve.
    pub fn wait(&mut self, reference: &str, condition: WaitCondition) -> Result<Waiter, SimError> {
        let id = self.resolve(reference)?;
        let c = self
            .containers
            .get_mut(&id)
            .ok_or_else(|| SimError::not_found(reference))?;
        Ok(c.state.wait(condition))
    }

    /// `docker update --restart`: the restart policy for the container's next exits (a pending
    /// restart keeps its timer), and an `update` event. Refused as the daemon refuses it: while
    /// the container is being removed or is dead (500), and for a policy other than `no` on a
    /// container made with `--rm` (409), each as `Cannot update container {id}: …`.
    pub fn update(&mut self, reference: &str, policy: RestartPolicy) -> Result<Outcome, SimError> {
        self.update_host_config(
            reference,
            &HostConfig {
                restart_policy: policy.spelled_out(),
                ..HostConfig::default()
            },
        )
    }

    /// `POST /containers/{id}/update` with its whole body: the restart policy (when named; an
    /// empty name leaves it) and
    /// the resources (memory, CPU, …), checked and applied as the engine does
    /// ([`Container::update`]). A new memory limit takes effect from the next start.
    pub fn update_host_config(
        &mut self,
        reference: &str,
        update: &HostConfig,
    ) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        let c = self
            .containers
            .get_mut(&id)
            .ok_or_else(|| SimError::not_found(reference))?;
        c.update(update)
            .map_err(|e| SimError::new(e.kind(), e.to_string()))?;
        self.save(&id);
        self.emit(&id, "update", &[]);
        Ok(Outcome::Done)
    }

    /// Carries out `op`, as the per-operation methods do ([`Sim::create`], [`Sim::stop`], …).
    /// A wait's `timeout_ms` is the caller's: the waiter given back never gives up by itself.
    pub fn apply(&mut self, op: &Op) -> Result<Reply, SimError> {
        let done = Reply::Outcome;
        match op {
            Op::Create { spec } => self.create((**spec).clone()).map(Reply::Created),
            Op::Start { target } => self.start(target).map(done),
            Op::Stop { target, timeout } => self.stop(target, *timeout).map(done),
            Op::Restart { target, timeout } => self.restart(target, *timeout).map(done),
            Op::Kill { target, signal } => self.kill(target, signal.as_deref()).map(done),
            Op::Pause { target } => self.pause(target).map(done),
            Op::Unpause { target } => self.unpause(target).map(done),
            Op::Remove { target, force } => self.remove(target, *force).map(done),
            Op::Rename { target, name } => self.rename(target, name).map(done),
            Op::Wait {
                target, condition, ..
            } => self.wait(target, *condition).map(Reply::Waiting),
            Op::Update { target, restart } => self.update(target, restart.clone()).map(done),
        }
    }

    // ------------------------------------------------------------------ things that happen

    /// The container's process exits on its own with `code` (0–255): a `die` event, then the
    /// restart policy decides: `restarting` with a backoff timer, or exited (and removed with
    /// `--rm`). Refused (409) unless the process is running (not paused, not restarting).
    pub fn process_exit(&mut self, reference: &str, code: i64) -> Result<Outcome, SimError> {
        if !(0..=255).contains(&code) {
            return Err(SimError::invalid(format!(
                "exit code {code} is not between 0 and 255"
            )));
        }
        let id = self.resolve(reference)?;
        self.require_live_process(&id)?;
        self.cause = Cause::Exit { code };
        self.handle_exit(&id, code, false);
        Ok(Outcome::Done)
    }

    /// The kernel kills the container's process for memory: an `oom` event, `die` 137, and
    /// `OOMKilled` set. Refused (409) unless the process is running (not paused, not restarting).
    pub fn oom_kill(&mut self, reference: &str) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        self.require_live_process(&id)?;
        self.cause = Cause::Oom;
        self.handle_exit(&id, 137, true);
        Ok(Outcome::Done)
    }

    /// A health probe runs now and passes or fails (`exec_create`, `exec_start`, `exec_die`, and
    /// `health_status: …` when the status changes). The regular probes go on as scheduled.
    /// Refused (409) without a health check or unless the process is running.
    pub fn probe_result(&mut self, reference: &str, passed: bool) -> Result<Outcome, SimError> {
        self.probe(reference, Some(passed))
    }

    /// A health probe runs now, passing or failing as the container's probe does
    /// ([`Probe::passes`]); refused as [`Sim::probe_result`] is.
    pub fn probe_now(&mut self, reference: &str) -> Result<Outcome, SimError> {
        self.probe(reference, None)
    }

    fn probe(&mut self, reference: &str, forced: Option<bool>) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        self.require_live_process(&id)?;
        if !self.has_health_check(&id) {
            return Err(SimError::conflict(format!(
                "Container {id} has no health check"
            )));
        }
        self.run_probe(&id, forced);
        Ok(Outcome::Done)
    }

    /// A removal (`docker rm`, or one already in progress) fails with `message`, as when the
    /// storage driver cannot remove the container's filesystem: the container is left `dead`
    /// with `message` as its Error (the rm call itself would answer 500 with it). Refused as
    /// `docker rm` without force is (409) when the container is running.
    pub fn fail_removal(&mut self, reference: &str, message: &str) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        if !self.container(&id)?.state.removal_in_progress {
            // A `docker rm` that then fails: first the removal starts.
            self.cause = self.op_cause(Action::Remove);
            self.begin_rm(&id, reference, false)?;
        }
        self.cause = Cause::RemovalFailed {
            message: message.to_owned(),
        };
        if let Some(c) = self.containers.get_mut(&id) {
            c.state.set_dead();
            c.state.set_removal_error(Some(message));
        }
        self.save(&id);
        Ok(Outcome::Done)
    }

    /// A removal starts and stays in progress (`removing`, "Removal In Progress"), as when the
    /// daemon is slow to delete the filesystem. Finish it with [`Sim::complete_removal`] or
    /// [`Sim::fail_removal`]. Refused as `docker rm` without force is.
    pub fn begin_removal(&mut self, reference: &str) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        self.cause = self.op_cause(Action::Remove);
        self.begin_rm(&id, reference, false)?;
        Ok(Outcome::Done)
    }

    /// A removal in progress completes: the container is destroyed. Refused (409) when no
    /// removal is in progress.
    pub fn complete_removal(&mut self, reference: &str) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        if !self.container(&id)?.state.removal_in_progress {
            return Err(SimError::conflict(format!(
                "removal of container {reference} is not in progress"
            )));
        }
        self.cause = Cause::RemovalDone;
        self.destroy(&id);
        Ok(Outcome::Done)
    }

    /// The operator's habit: whenever the container has exited on its own and stays exited (its
    /// restart policy gave up), start it again `after` later, as a user would. `None` stops it.
    pub fn relaunch_after(
        &mut self,
        reference: &str,
        after: Option<Duration>,
    ) -> Result<Outcome, SimError> {
        let id = self.resolve(reference)?;
        if let Some(p) = self.processes.get_mut(&id) {
            p.relaunch_after = after.map(|d| d.max(Duration::from_millis(1)));
        }
        if after.is_none() {
            self.cancel_timers(&id, TimerKind::Relaunch);
        }
        Ok(Outcome::Done)
    }

    // ------------------------------------------------------------------ the clock

    /// When the next timer is due, if any.
    pub fn next_deadline(&self) -> Option<Time> {
        self.timers.keys().next().map(|(at, _)| *at)
    }

    /// Every pending timer, soonest first.
    pub fn deadlines(&self) -> Vec<Deadline> {
        self.timers
            .iter()
            .map(|((at, _), t)| Deadline {
                at: *at,
                container_id: t.id.clone(),
                kind: t.kind,
            })
            .collect()
    }

    /// Moves the clock to `t`, firing every timer due by then in order, each at its own time
    /// (the clock reads the timer's time while it fires). A `t` in the past fires nothing and
    /// leaves the clock where it is.
    pub fn advance_to(&mut self, t: Time) {
        while let Some((&(at, seq), _)) = self.timers.iter().next() {
            if at > t {
                break;
            }
            let Some(timer) = self.timers.remove(&(at, seq)) else {
                break;
            };
            if at > self.now {
                self.now = at;
            }
            self.fire(timer);
        }
        if t > self.now {
            self.now = t;
        }
    }

    /// Moves the clock by `d` (see [`Sim::advance_to`]).
    pub fn advance_by(&mut self, d: Duration) {
        self.advance_to(self.now.add(d));
    }

    /// Moves the clock to the next deadline and fires what is due then; `None` (and no change)
    /// when no timer is pending.
    pub fn advance_to_next_deadline(&mut self) -> Option<Time> {
        let t = self.next_deadline()?;
        self.advance_to(t);
        Some(t)
    }

    // ------------------------------------------------------------------ queries

    /// The events since the last drain, in order (engine-shaped, see the module documentation).
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The state changes since the last drain, in order, each with its cause: every one is a
    /// move of [`crate::lifecycle::MOVES`] with one of its triggers. At most the newest
    /// [`MAX_UNDRAINED_TRANSITIONS`]: a sim nobody drains does not grow without bound.
    pub fn drain_transitions(&mut self) -> Vec<Transition> {
        std::mem::take(&mut self.transitions).into()
    }

    fn record(&mut self, transition: Transition) {
        if self.transitions.len() == MAX_UNDRAINED_TRANSITIONS {
            self.transitions.pop_front();
        }
        self.transitions.push_back(transition);
    }

    /// Who asks for the operations from now on (berth by default): the causes of the
    /// transitions they make say so.
    pub fn set_client(&mut self, by: By) {
        self.client = by;
    }

    /// A client attaches to the container's output (`docker attach`, `docker run` in the
    /// foreground): nothing changes, and the engine says so in an `attach` event.
    pub fn attach(&mut self, reference: &str) -> Result<(), SimError> {
        let id = self.resolve(reference)?;
        self.emit(&id, "attach", &[]);
        Ok(())
    }

    /// `docker pull`: the image `name` names, got now if the engine has not got it (whether
    /// it was). A reference the engine would not accept is 400 "invalid reference format".
    pub fn pull(&mut self, name: &str) -> Result<(Image, bool), SimError> {
        if !is_valid_reference(name) {
            return Err(SimError::invalid("invalid reference format"));
        }
        Ok(self.images.get_or_add(name, self.now))
    }

    /// `docker images`: every image the engine has, newest first.
    pub fn images(&self) -> Vec<Image> {
        self.images.list()
    }

    /// `docker image inspect`: the image a name, an ID or a unique ID prefix names; otherwise
    /// Engine 20.10's 404, "no such image: nope: No such image: nope:latest".
    pub fn image(&self, reference: &str) -> Result<Image, SimError> {
        self.images.find(reference).cloned().ok_or_else(|| {
            SimError::new(
                ErrorKind::NotFound,
                format!(
                    "no such image: {reference}: No such image: {}",
                    images::normalize(reference)
                ),
            )
        })
    }

    /// What container `id`'s process prints in each run (nothing for an unknown one).
    pub fn output_of(&self, id: &str) -> Vec<Printed> {
        self.processes
            .get(id)
            .map(|p| p.output.clone())
            .unwrap_or_default()
    }

    /// `docker logs`: what the container's process printed in each of its runs so far, in
    /// order, a line an entry. A run ended early (stopped, killed) printed only what came before its end.
    /// Time paused is not told apart from time running.
    pub fn logs(&self, reference: &str) -> Result<Vec<LogLine>, SimError> {
        let c = self.inspect(reference)?;
        let Some(p) = self.processes.get(&c.id) else {
            return Ok(Vec::new());
        };
        let mut runs = p.past_runs.clone();
        if c.has_been_started_before {
            let end = if c.state.running {
                self.now
            } else {
                c.state.finished_at
            };
            runs.push((c.state.started_at, end));
        }
        let mut lines = Vec::new();
        for (start, end) in runs {
            for printed in &p.output {
                let time = start.add(Duration::from_millis(printed.at_ms));
                if time <= end {
                    // The engine's log keeps a line an entry (a last one without its newline
                    // too), whatever the writes were.
                    lines.extend(printed.text.split_inclusive('\n').map(|text| LogLine {
                        time,
                        stderr: printed.stderr,
                        text: text.to_owned(),
                    }));
                }
            }
        }
        Ok(lines)
    }

    /// `docker inspect`: finds the container by full ID, name (with or without its slash) or
    /// unique ID prefix, as the daemon does. An ambiguous prefix is 500 "Multiple IDs found with
    /// provided prefix: …" (20.10's wording); no match is 404 "No such container: …".
    pub fn inspect(&self, reference: &str) -> Result<Container, SimError> {
        let id = self.resolve(reference)?;
        self.container(&id).cloned()
    }

    /// Every container, newest first (`docker ps -a`).
    pub fn list(&self) -> Vec<Container> {
        self.containers.list().into_iter().cloned().collect()
    }

    /// A snapshot of the ViewDB. Its status texts were rendered when each container last
    /// changed: render them at [`Sim::now`] with [`crate::view::Snapshot::status_at`].
    pub fn view(&self) -> View {
        self.db.snapshot()
    }

    /// What the restart policy decided after the container's last exit (with the backoff it
    /// chose), if it exited since it was created.
    pub fn last_decision(&self, reference: &str) -> Option<RestartDecision> {
        let id = self.resolve(reference).ok()?;
        self.processes.get(&id)?.last_decision
    }

    /// How the container's process and its health probe behave (what it was created with).
    pub fn behaviour(&self, reference: &str) -> Option<(Program, Probe)> {
        let id = self.resolve(reference).ok()?;
        let p = self.processes.get(&id)?;
        Some((p.program, p.probe))
    }

    // ------------------------------------------------------------------ the daemon's internals

    fn container(&self, id: &str) -> Result<&Container, SimError> {
        self.containers
            .get(id)
            .ok_or_else(|| SimError::not_found(id))
    }

    /// The daemon's `GetContainer`: exact ID, then name, then unique ID prefix.
    fn resolve(&self, reference: &str) -> Result<String, SimError> {
        match self.db.snapshot().resolve(reference) {
            Ok(s) => Ok(s.id().to_owned()),
            Err(ViewError::AmbiguousPrefix(prefix)) => Err(SimError::system(format!(
                "Multiple IDs found with provided prefix: {prefix}"
            ))),
            Err(_) => Err(SimError::not_found(reference)),
        }
    }

    /// Checkpoints the container into the ViewDB, and records a transition when its state
    /// changed since the last checkpoint.
    fn save(&mut self, id: &str) {
        let Some(c) = self.containers.get(id) else {
            return;
        };
        // Saving never fails in the memory ViewDB.
        let _ = self.db.save(c, self.now);
        let now = c.state.kind();
        let before = self.observed.insert(id.to_owned(), now);
        if before != Some(now) {
            let transition = Transition {
                id: id.to_owned(),
                name: c.name.clone(),
                from: before.map_or(Place::New, Place::State),
                to: Place::State(now),
                at: self.now,
                cause: self.cause.clone(),
                exit_code: Transition::exit_code_of(Place::State(now), c),
            };
            self.record(transition);
        }
    }

    fn op_cause(&self, action: Action) -> Cause {
        Cause::Op {
            action,
            by: self.client,
        }
    }

    fn reserve_name(&mut self, name: &str, id: &str) -> Result<(), SimError> {
        match self.db.reserve_name(name, id) {
            Ok(()) => Ok(()),
            Err(_) => {
                let holder = self.db.snapshot().get_id(name).unwrap_or_default();
                Err(SimError::conflict(format!(
                    "Conflict. The container name \"{name}\" is already in use by container \
                     \"{holder}\". You have to remove (or rename) that container to be able to \
                     reuse that name."
                )))
            }
        }
    }

    /// The daemon's `generateNewName`: random names until one is free.
    fn generate_name(&mut self, id: &str) -> String {
        for retry in 0..10 {
            let name = format!("/{}", random_name(&mut self.rng, retry));
            if self.db.reserve_name(&name, id).is_ok() {
                return name;
            }
        }
        // The daemon falls back to the ID's first 12 characters.
        let name = format!("/{}", id.get(..12).unwrap_or(id));
        let _ = self.db.reserve_name(&name, id);
        name
    }

    fn emit(&mut self, id: &str, action: &str, extra: &[(&str, String)]) {
        if let Some(c) = self.containers.get(id) {
            let event = container_event(c, action, extra, self.now);
            self.events.push(event);
        }
    }

    fn emit_network(&mut self, id: &str, action: &str) {
        let nanos = self.now.unix_nanos().unwrap_or(0);
        let attributes = BTreeMap::from([
            ("container".to_owned(), id.to_owned()),
            ("name".to_owned(), "none".to_owned()),
            ("type".to_owned(), "null".to_owned()),
        ]);
        self.events.push(Event {
            r#type: "network".to_owned(),
            action: action.to_owned(),
            actor: Actor {
                id: self.none_network.clone(),
                attributes,
            },
            scope: "local".to_owned(),
            time: nanos.div_euclid(1_000_000_000),
            time_nano: nanos,
        });
    }

    fn schedule(&mut self, at: Time, id: &str, kind: TimerKind, op: u64) {
        self.seq += 1;
        self.timers.insert(
            (at, self.seq),
            Timer {
                id: id.to_owned(),
                kind,
                op,
            },
        );
    }

    fn cancel_timers(&mut self, id: &str, kind: TimerKind) {
        self.timers.retain(|_, t| !(t.id == id && t.kind == kind));
    }

    /// Removes the container's first timer of `kind` and returns when it was due.
    fn take_timer(&mut self, id: &str, kind: TimerKind) -> Option<Time> {
        let key = self
            .timers
            .iter()
            .find(|(_, t)| t.id == id && t.kind == kind)
            .map(|(k, _)| *k)?;
        self.timers.remove(&key);
        Some(key.0)
    }

    fn next_op(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn has_health_check(&self, id: &str) -> bool {
        self.containers
            .get(id)
            .and_then(|c| c.config.healthcheck.as_ref())
            .is_some_and(|h| h.is_enabled())
    }

    fn require_live_process(&self, id: &str) -> Result<(), SimError> {
        let s = &self.container(id)?.state;
        if !s.running {
            Err(SimError::conflict(format!("Container {id} is not running")))
        } else if s.restarting {
            Err(SimError::conflict(format!(
                "Container {id} is restarting, wait until the container is running"
            )))
        } else if s.paused {
            Err(SimError::conflict(format!("Container {id} is paused")))
        } else {
            Ok(())
        }
    }

    /// `containerStart`: connect, run, `start`. `manual` resets the restart manager and the
    /// "manually stopped" mark (`docker start`, `docker restart`); a policy restart does not.
    fn container_start(&mut self, id: &str, manual: bool) -> Result<(), SimError> {
        let now = self.now;
        {
            let c = self
                .containers
                .get_mut(id)
                .ok_or_else(|| SimError::not_found(id))?;
            if c.state.removal_in_progress || c.state.dead {
                let err =
                    SimError::conflict("container is marked for removal and cannot be started");
                c.state.set_error(Some(&err.message));
                if c.state.exit_code == 0 {
                    c.state.set_exit_code(128);
                }
                self.save(id);
                return Err(err);
            }
            if manual {
                c.reset_restart_manager(true);
                c.has_been_manually_stopped = false;
            }
        }
        self.cancel_timers(id, TimerKind::Relaunch);
        self.emit_network(id, "connect");
        let pid = self.next_pid;
        self.next_pid += 1;
        let mut probe_interval = None;
        if let Some(c) = self.containers.get_mut(id) {
            if c.has_been_started_before {
                let run = (c.state.started_at, c.state.finished_at);
                if let Some(p) = self.processes.get_mut(id) {
                    p.past_runs.push(run);
                }
            }
            c.state.set_running(pid, true, now);
            c.has_been_started_before = true;
            if let Some(config) = c.config.healthcheck.as_ref().filter(|h| h.is_enabled()) {
                probe_interval = Some(Duration::from_nanos(config.interval_or_default()));
                let h = c.state.health.get_or_insert_with(Health::starting);
                h.close_monitor();
                h.set_status(HealthStatus::Starting);
                h.failing_streak = 0;
                h.open_monitor();
            }
        }
        let memory = self.containers.get(id).map_or(0, |c| c.host_config.memory);
        let mut program_due = None;
        if let Some(p) = self.processes.get_mut(id) {
            p.probes_run = 0;
            p.frozen = None;
            program_due = match p.program {
                Program::AllocatesMemory { after_ms } if memory > 0 => Some(after_ms),
                program => program.exits_after().map(|(after_ms, _)| after_ms),
            };
        }
        if let Some(ms) = program_due {
            let at = now.add(Duration::from_millis(ms.max(0)));
            self.schedule(at, id, TimerKind::ProgramExit, 0);
        }
        if let Some(interval) = probe_interval {
            self.schedule(now.add(interval), id, TimerKind::HealthProbe, 0);
        }
        self.save(id);
        self.emit(id, "start", &[]);
        Ok(())
    }

    /// `containerStop`: the stop signal now, SIGKILL after `seconds` (never when negative).
    fn container_stop(&mut self, id: &str, seconds: i64, restart: bool) {
        let op = self.next_op();
        let sig = self
            .containers
            .get(id)
            .and_then(|c| signal_number(c.stop_signal()))
            .unwrap_or(15);
        let has_process = self
            .containers
            .get(id)
            .is_some_and(|c| c.state.running && !c.state.restarting);
        if let (true, Cause::Op { action, by }) = (has_process, &self.cause) {
            self.cause = Cause::Stop {
                action: *action,
                signal: sig,
                kill_after_ms: None,
                by: *by,
            };
        }
        let began = self.now;
        if let Some(p) = self.processes.get_mut(id) {
            p.pending.push(PendingStop {
                op,
                restart,
                began,
                cause: self.cause.clone(),
            });
        }
        self.kill_with_signal(id, sig);
        let still_pending = self
            .processes
            .get(id)
            .is_some_and(|p| p.pending.iter().any(|s| s.op == op));
        let running = self.containers.get(id).is_some_and(|c| c.state.running);
        if still_pending && seconds == 0 && running {
            // No grace at all: the engine kills at once.
            if let Cause::Stop { kill_after_ms, .. } = &mut self.cause {
                *kill_after_ms = Some(0);
            }
            self.kill_with_signal(id, SIGKILL);
        } else if still_pending && seconds > 0 {
            let at = self.now.add(Duration::from_secs(seconds));
            self.schedule(at, id, TimerKind::StopTimeout, op);
        }
    }

    /// `killWithSignal` on a running container.
    fn kill_with_signal(&mut self, id: &str, sig: i64) {
        let Some(c) = self.containers.get_mut(id) else {
            return;
        };
        let configured = (!c.config.stop_signal.is_empty())
            .then(|| signal_number(&c.config.stop_signal))
            .flatten();
        let mut unpause = false;
        if c.config.stop_signal.is_empty() || sig == SIGKILL || configured == Some(sig) {
            c.exit_on_next();
            unpause = c.state.paused;
        }
        c.has_been_manually_stopped = true;
        let restarting = c.state.restarting;
        self.save(id);
        if restarting {
            // The monitor is told to exit on its next event: the pending restart is abandoned.
            self.abandon_restart(id);
            return;
        }
        self.emit(id, "kill", &[("signal", sig.to_string())]);
        // SIGKILL takes a frozen process down as it is; other signals need it thawed first.
        let pid = self.containers.get(id).map(|c| c.state.pid);
        if unpause && sig != SIGKILL {
            self.resume(id);
        }
        if self.containers.get(id).map(|c| c.state.pid) != pid {
            // A signal queued while it was frozen ended this process on thawing (and a
            // restart may have begun another): this signal was for the one that is gone.
            return;
        }
        let paused = self.containers.get(id).is_some_and(|c| c.state.paused);
        if paused && sig != SIGKILL {
            // A frozen process gets the signal when it thaws.
            if let Some(p) = self.processes.get_mut(id) {
                p.queued_signals.push(sig);
            }
            return;
        }
        self.deliver(id, sig);
    }

    /// The restart manager was cancelled while a restart was pending: the container stops with
    /// the exit of its last run, without a `die` (there was no process).
    fn abandon_restart(&mut self, id: &str) {
        self.cancel_timers(id, TimerKind::RestartBackoff);
        self.stop_with_last_exit(id);
        self.complete_stops(id);
    }

    /// Stops a container that has no process (it was waiting for a restart) with the exit of
    /// its last run, as the daemon does when that restart does not happen.
    fn stop_with_last_exit(&mut self, id: &str) {
        let last = self
            .processes
            .get(id)
            .map(|p| p.last_exit)
            .unwrap_or_default();
        let now = self.now;
        if let Some(c) = self.containers.get_mut(id) {
            c.state.set_stopped(last, now);
        }
        self.save(id);
    }

    /// Thaws a paused container: `unpause`, the health monitor and the program's clock resume.
    fn resume(&mut self, id: &str) {
        let now = self.now;
        let mut probe_interval = None;
        if let Some(c) = self.containers.get_mut(id) {
            c.state.set_unpaused();
            if let (Some(config), Some(h)) =
                (c.config.healthcheck.as_ref(), c.state.health.as_mut())
            {
                if config.is_enabled() && c.state.running && h.open_monitor() {
                    probe_interval = Some(Duration::from_nanos(config.interval_or_default()));
                }
            }
        }
        if let Some(remaining) = self.processes.get_mut(id).and_then(|p| p.frozen.take()) {
            self.schedule(now.add(remaining), id, TimerKind::ProgramExit, 0);
        }
        if let Some(interval) = probe_interval {
            self.schedule(now.add(interval), id, TimerKind::HealthProbe, 0);
        }
        self.save(id);
        self.emit(id, "unpause", &[]);
        let queued = self
            .processes
            .get_mut(id)
            .map(|p| std::mem::take(&mut p.queued_signals))
            .unwrap_or_default();
        for sig in queued {
            if !self.containers.get(id).is_some_and(|c| c.state.running) {
                break;
            }
            // Thawed by `docker unpause`, the process acts on the signal `docker kill` sent
            // while it was frozen: that is why it ends. (Thawed by a stop, the stop is.)
            let unpaused = matches!(
                self.cause,
                Cause::Op {
                    action: Action::Unpause,
                    ..
                }
            );
            let cause = self.cause.clone();
            if unpaused {
                self.cause = Cause::Signal {
                    signal: sig,
                    by: self.client,
                };
            }
            self.deliver(id, sig);
            self.cause = cause;
        }
    }

    /// The process receives `sig`: it dies or carries on as its program dictates.
    fn deliver(&mut self, id: &str, sig: i64) {
        if let Some(code) = self
            .processes
            .get(id)
            .and_then(|p| p.program.exit_on_signal(sig))
        {
            self.handle_exit(id, code, false);
        }
    }

    /// The monitor's `handleContainerExit`: the process exited with `code`.
    fn handle_exit(&mut self, id: &str, code: i64, oom: bool) {
        let now = self.now;
        self.cancel_timers(id, TimerKind::HealthProbe);
        self.cancel_timers(id, TimerKind::ProgramExit);
        if oom {
            if let Some(c) = self.containers.get_mut(id) {
                c.state.set_oom_killed();
            }
            self.save(id);
            self.emit(id, "oom", &[]);
        }
        let exit = ExitStatus::new(code, now);
        let Some(c) = self.containers.get_mut(id) else {
            return;
        };
        let ran_for = now.since(c.state.started_at);
        let manually_stopped = c.has_been_manually_stopped;
        let rm = c.restart_manager();
        let decision = rm
            .should_restart(code, manually_stopped, ran_for)
            .unwrap_or(RestartDecision {
                restart: false,
                delay: rm.delay,
                restart_count: rm.restart_count,
            });
        if decision.restart {
            c.restart_count += 1;
            c.state.set_restarting(exit, now);
        } else {
            c.state.set_stopped(exit, now);
        }
        if let Some(h) = c.state.health.as_mut() {
            h.close_monitor();
        }
        let gave_up = !decision.restart && !manually_stopped;
        if let Some(p) = self.processes.get_mut(id) {
            p.last_exit = exit;
            p.last_decision = Some(decision);
            p.frozen = None;
            p.queued_signals.clear();
        }
        self.save(id);
        self.emit(id, "die", &[("exitCode", code.to_string())]);
        self.emit_network(id, "disconnect");
        if decision.restart {
            self.schedule(now.add(decision.delay), id, TimerKind::RestartBackoff, 0);
        }
        self.complete_stops(id);
        if !decision.restart {
            self.after_stopped(id, gave_up);
        }
    }

    /// The stops and restarts that waited for this exit finish: `stop`, and for a restart a
    /// manual start and `restart`.
    fn complete_stops(&mut self, id: &str) {
        let pending = match self.processes.get_mut(id) {
            Some(p) => std::mem::take(&mut p.pending),
            None => return,
        };
        for stop in pending {
            self.timers
                .retain(|_, t| !(t.kind == TimerKind::StopTimeout && t.op == stop.op));
            self.emit(id, "stop", &[]);
            if stop.restart {
                let cause = std::mem::replace(&mut self.cause, stop.cause.as_op());
                let running = self.containers.get(id).is_some_and(|c| c.state.running);
                if running || self.container_start(id, true).is_ok() {
                    self.emit(id, "restart", &[]);
                }
                self.cause = cause;
            }
        }
    }

    /// A container that stopped for good: `--rm` removes it; the operator may relaunch it.
    fn after_stopped(&mut self, id: &str, gave_up: bool) {
        let Some(c) = self.containers.get(id) else {
            return;
        };
        if c.state.running {
            return;
        }
        if c.host_config.auto_remove && !c.state.removal_in_progress {
            if let Some(c) = self.containers.get_mut(id) {
                c.state.set_removal_in_progress();
            }
            let cause = std::mem::replace(&mut self.cause, Cause::AutoRemove);
            self.save(id);
            self.destroy(id);
            self.cause = cause;
            return;
        }
        let relaunch = self.processes.get(id).and_then(|p| p.relaunch_after);
        if let (true, Some(after)) = (gave_up, relaunch) {
            self.cancel_timers(id, TimerKind::Relaunch);
            self.schedule(self.now.add(after), id, TimerKind::Relaunch, 0);
        }
    }

    /// `ContainerRm`'s checks: not already being removed, and not running unless forced.
    fn begin_rm(&mut self, id: &str, reference: &str, force: bool) -> Result<(), SimError> {
        let c = self
            .containers
            .get_mut(id)
            .ok_or_else(|| SimError::not_found(reference))?;
        // The engine names the container as the caller did here (`actions` uses the name).
        if c.state.removal_in_progress {
            return Err(SimError::conflict(format!(
                "removal of container {reference} is already in progress"
            )));
        }
        let action = if force {
            Action::ForceRemove
        } else {
            Action::Remove
        };
        check_as(action, c, reference)?;
        c.state.set_removal_in_progress();
        self.cancel_timers(id, TimerKind::Relaunch);
        self.save(id);
        Ok(())
    }

    /// `cleanupContainer` after the process is gone: forget it, release its names, wake the
    /// `removed` waiters, `destroy`.
    fn destroy(&mut self, id: &str) {
        self.timers.retain(|_, t| t.id != id);
        self.processes.remove(id);
        self.db.delete_id(id);
        if let Some(mut c) = self.containers.delete(id) {
            let from = self.observed.remove(id).map_or(Place::New, Place::State);
            self.record(Transition {
                id: id.to_owned(),
                name: c.name.clone(),
                from,
                to: Place::Removed,
                at: self.now,
                cause: self.cause.clone(),
                exit_code: None,
            });
            c.state.dead = true;
            c.state.set_removed();
            let event = container_event(&c, "destroy", &[], self.now);
            self.events.push(event);
        }
    }

    /// One health probe: passes as `forced` says, or as the container's [`Probe`] behaves.
    fn run_probe(&mut self, id: &str, forced: Option<bool>) {
        let now = self.now;
        let passed = match self.processes.get_mut(id) {
            Some(p) => {
                let n = p.probes_run;
                p.probes_run = p.probes_run.saturating_add(1);
                forced.unwrap_or_else(|| p.probe.passes(n))
            }
            None => return,
        };
        let Some(config) = self
            .containers
            .get(id)
            .and_then(|c| c.config.healthcheck.clone())
        else {
            return;
        };
        let command = probe_command(&config.test);
        let exec_id = self.rng.hex_id();
        let exec = [("execID", exec_id.clone())];
        self.emit(id, &format!("exec_create: {command}"), &exec);
        self.emit(id, &format!("exec_start: {command}"), &exec);
        let exit_code = if passed { 0 } else { 1 };
        let mut change = None;
        if let Some(c) = self.containers.get_mut(id) {
            let started_at = c.state.started_at;
            if let Some(h) = c.state.health.as_mut() {
                let before = h.status();
                let in_start_period =
                    now.since(started_at) < Duration::from_nanos(config.start_period.max(0));
                let result = ProbeResult {
                    start: now,
                    end: now,
                    exit_code,
                    output: String::new(),
                };
                let after = h.record_probe(result, config.retries_or_default(), in_start_period);
                if after != before {
                    change = Some(after);
                }
            }
        }
        self.save(id);
        self.emit(
            id,
            "exec_die",
            &[("execID", exec_id), ("exitCode", exit_code.to_string())],
        );
        if let Some(status) = change {
            self.emit(id, &format!("health_status: {status}"), &[]);
        }
    }

    /// Why what `timer` does happens.
    fn timer_cause(&self, timer: &Timer, c: &Container) -> Cause {
        let process = self.processes.get(&timer.id);
        match timer.kind {
            TimerKind::RestartBackoff => Cause::Policy {
                attempt: u64::try_from(c.restart_count).unwrap_or(0),
                backoff_ms: process
                    .and_then(|p| p.last_decision)
                    .map_or(0, |d| d.delay.as_millis()),
            },
            TimerKind::StopTimeout => {
                let Some(stop) = process.and_then(|p| p.pending.iter().find(|s| s.op == timer.op))
                else {
                    return Cause::Unknown;
                };
                let mut cause = stop.cause.clone();
                if let Cause::Stop { kill_after_ms, .. } = &mut cause {
                    *kill_after_ms = Some(self.now.since(stop.began).as_millis());
                }
                cause
            }
            TimerKind::ProgramExit => match process.map(|p| p.program) {
                Some(Program::AllocatesMemory { .. }) => Cause::Oom,
                Some(program) => program
                    .exits_after()
                    .map_or(Cause::Unknown, |(_, code)| Cause::Exit { code }),
                None => Cause::Unknown,
            },
            TimerKind::HealthProbe | TimerKind::Relaunch => Cause::Unknown,
        }
    }

    fn fire(&mut self, timer: Timer) {
        let id = timer.id.as_str();
        let Some(c) = self.containers.get(id) else {
            return;
        };
        let (running, paused, restarting) = (c.state.running, c.state.paused, c.state.restarting);
        self.cause = self.timer_cause(&timer, c);
        match timer.kind {
            TimerKind::RestartBackoff => {
                if let Some(c) = self.containers.get_mut(id) {
                    c.restart_manager().fire();
                }
                if self.container_start(id, false).is_err() {
                    self.stop_with_last_exit(id);
                }
            }
            TimerKind::StopTimeout => {
                let pending = self
                    .processes
                    .get(id)
                    .is_some_and(|p| p.pending.iter().any(|s| s.op == timer.op));
                if pending && running {
                    self.kill_with_signal(id, SIGKILL);
                }
            }
            TimerKind::HealthProbe => {
                if running && !paused && !restarting {
                    self.run_probe(id, None);
                    let interval = self
                        .containers
                        .get(id)
                        .and_then(|c| c.config.healthcheck.as_ref())
                        .map(|h| Duration::from_nanos(h.interval_or_default()));
                    if let Some(interval) = interval {
                        self.schedule(self.now.add(interval), id, TimerKind::HealthProbe, 0);
                    }
                }
            }
            TimerKind::ProgramExit => {
                if running && !paused && !restarting {
                    match self.processes.get(id).map(|p| p.program) {
                        Some(Program::AllocatesMemory { .. }) => self.handle_exit(id, 137, true),
                        Some(program) => {
                            if let Some((_, code)) = program.exits_after() {
                                self.handle_exit(id, code, false);
                            }
                        }
                        None => {}
                    }
                }
            }
            TimerKind::Relaunch => {
                if self.containers.get(id).map(|c| c.state.kind()) == Some(StateKind::Exited) {
                    // The operator is another client of the engine.
                    let client = std::mem::replace(&mut self.client, By::Other);
                    let _ = self.start(id);
                    self.client = client;
                }
            }
        }
    }
}

/// A container event as the daemon's `LogContainerEventWithAttributes` makes it: the action's
/// own attributes, the labels (without overriding those), then `image` and `name`.
fn container_event(c: &Container, action: &str, extra: &[(&str, String)], at: Time) -> Event {
    let mut event = Event::container(action, c.id.clone(), at);
    let attributes = &mut event.actor.attributes;
    for (k, v) in extra {
        attributes.insert((*k).to_owned(), v.clone());
    }
    for (k, v) in &c.config.labels {
        attributes.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if !c.config.image.is_empty() {
        attributes.insert("image".to_owned(), c.config.image.clone());
    }
    attributes.insert("name".to_owned(), c.short_name().to_owned());
    event
}

/// The probe's command line as the exec events show it: `CMD-SHELL x` runs `/bin/sh -c x`,
/// `CMD a b` runs `a b` (entrypoint, a space, the arguments joined, as the daemon formats it).
fn probe_command(test: &[String]) -> String {
    let rest = test.get(1..).unwrap_or_default();
    match test.first().map(String::as_str) {
        Some("CMD-SHELL") => format!("/bin/sh -c {}", rest.join(" ")),
        _ => {
            let entrypoint = rest.first().cloned().unwrap_or_default();
            let args = rest.get(1..).unwrap_or_default().join(" ");
            format!("{entrypoint} {args}")
        }
    }
}

fn slashed(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/{name}")
    }
}

/// The API's `signal.ParseSignal`: a number (not 0) or a name with or without `SIG`.
fn parse_signal(raw: &str) -> Result<i64, SimError> {
    let invalid = || SimError::invalid(format!("Invalid signal: {raw}"));
    if let Ok(n) = raw.parse::<i64>() {
        return if n == 0 { Err(invalid()) } else { Ok(n) };
    }
    signal_number(raw).ok_or_else(invalid)
}

/// `ValidSignalForPlatform` on Linux: the 31 classic signals and the real-time ones (34–64).
fn is_linux_signal(sig: i64) -> bool {
    matches!(sig, 1..=31 | 34..=64)
}

/// `verifyContainerSettings`: what the engine refuses at create (400).
/// The host configuration's fields the core does not model, as Engine 20.10 fills them in
/// for `docker run --network none` (clients such as docker-py read `LogConfig`).
fn engine_host_defaults() -> BTreeMap<String, serde_json::Value> {
    serde_json::from_str(ENGINE_HOST_DEFAULTS).unwrap_or_default()
}

/// What [`engine_host_defaults`] reads: Engine 20.10's answer, verbatim.
const ENGINE_HOST_DEFAULTS: &str = r#"{
    "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "VolumeDriver": "", "VolumesFrom": null, "CapAdd": null, "CapDrop": null,
    "CgroupnsMode": "host", "ExtraHosts": null, "GroupAdd": null, "IpcMode": "private",
    "Cgroup": "", "Links": null, "OomScoreAdj": 0, "PidMode": "", "Privileged": false,
    "PublishAllPorts": false, "SecurityOpt": null, "UTSMode": "", "UsernsMode": "",
    "ShmSize": 67108864, "Runtime": "runc", "ConsoleSize": [0, 0], "CgroupParent": "",
    "BlkioWeightDevice": [], "BlkioDeviceReadBps": null, "BlkioDeviceWriteBps": null,
    "BlkioDeviceReadIOps": null, "BlkioDeviceWriteIOps": null, "Devices": [],
    "DeviceCgroupRules": null, "DeviceRequests": null, "KernelMemoryTCP": 0,
    "MemorySwappiness": null, "OomKillDisable": false, "Ulimits": null, "CpuCount": 0,
    "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
    "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/proc/scsi", "/sys/firmware"],
    "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}"#;

/// The configuration's fields the core does not model, as Engine 20.10 fills them in.
fn engine_config_defaults() -> BTreeMap<String, serde_json::Value> {
    [
        ("AttachStdin", serde_json::Value::Bool(false)),
        ("AttachStdout", serde_json::Value::Bool(false)),
        ("AttachStderr", serde_json::Value::Bool(false)),
        ("StdinOnce", serde_json::Value::Bool(false)),
        ("OnBuild", serde_json::Value::Null),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn validate(spec: &CreateSpec) -> Result<(), SimError> {
    if spec.auto_remove && !spec.restart.is_none() {
        return Err(SimError::invalid(
            "can't create 'AutoRemove' container with restart policy",
        ));
    }
    if let Some(h) = &spec.healthcheck {
        if h.interval != 0 && h.interval < MINIMUM_DURATION {
            return Err(SimError::invalid(
                "Interval in Healthcheck cannot be less than 1ms",
            ));
        }
        if h.timeout != 0 && h.timeout < MINIMUM_DURATION {
            return Err(SimError::invalid(
                "Timeout in Healthcheck cannot be less than 1ms",
            ));
        }
        if h.retries < 0 {
            return Err(SimError::invalid(
                "Retries in Healthcheck cannot be negative",
            ));
        }
        if h.start_period != 0 && h.start_period < MINIMUM_DURATION {
            return Err(SimError::invalid(
                "StartPeriod in Healthcheck cannot be less than 1ms",
            ));
        }
    }
    let policy = &spec.restart;
    match policy.name.as_str() {
        "always" | "unless-stopped" | "no" => {
            if policy.maximum_retry_count != 0 {
                return Err(SimError::invalid(format!(
                    "maximum retry count cannot be used with restart policy '{}'",
                    policy.name
                )));
            }
        }
        "on-failure" => {
            if policy.maximum_retry_count < 0 {
                return Err(SimError::invalid("maximum retry count cannot be negative"));
            }
        }
        "" => {}
        other => {
            return Err(SimError::invalid(format!(
                "invalid restart policy '{other}'"
            )))
        }
    }
    if spec.memory != 0 && spec.memory < MIN_MEMORY {
        return Err(SimError::invalid("Minimum memory limit allowed is 6MB"));
    }
    if let Some(signal) = spec.stop_signal.as_deref().filter(|s| !s.is_empty()) {
        parse_signal(signal)?;
    }
    Ok(())
}
