//! berth's engines: the one interface ([`Engine`]) through which the mirror and the HTTP API reach
//! a container engine, and [`connect`], the single place that picks one (`--engine`).
//!
//! Implementations: the simulated engine ([`sim`]); the Docker Engine API (`docker`) and the
//! read-only data-root view (`dir`) plug in here beside it.

pub mod dir;
pub mod docker;
pub mod sim;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use berth_core::errdefs::{ErrorKind, HasKind};
use berth_core::events::Event;
use berth_core::ops::Op;
use berth_core::time::Time;
use berth_core::Container;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};

/// An error from an engine. [`EngineError::Api`] carries the engine's own status code and
/// message, which the HTTP API passes through unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine answered with an error.
    #[error("{message}")]
    Api {
        /// The engine's HTTP status (404, 409, 400, 500, …).
        status: u16,
        /// Its kind, as `errdefs` classifies it.
        kind: ErrorKind,
        /// The engine's message, verbatim.
        message: String,
    },
    /// The engine could not be reached (socket gone, daemon down, stream broken).
    #[error("engine unreachable: {0}")]
    Connection(String),
}

impl EngineError {
    /// An [`EngineError::Api`] of `kind`, with the status the Engine API uses for it.
    pub fn api(kind: ErrorKind, message: impl Into<String>) -> EngineError {
        EngineError::Api {
            status: kind.http_status(),
            kind,
            message: message.into(),
        }
    }

    /// An [`EngineError::Api`] from any core error, keeping its kind and message.
    pub fn from_core<E: HasKind + fmt::Display>(err: &E) -> EngineError {
        EngineError::api(err.kind(), err.to_string())
    }

    /// The engine's `404 No such container: {reference}`.
    pub fn no_such_container(reference: &str) -> EngineError {
        EngineError::api(
            ErrorKind::NotFound,
            format!("No such container: {reference}"),
        )
    }

    /// The HTTP status to answer with: the engine's own, or its kind's (502) when it is
    /// unreachable.
    pub fn status(&self) -> u16 {
        match self {
            EngineError::Api { status, .. } => *status,
            EngineError::Connection(_) => ErrorKind::Unreachable.http_status(),
        }
    }

    /// Whether the engine said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            EngineError::Api {
                kind: ErrorKind::NotFound,
                ..
            }
        )
    }
}

impl HasKind for EngineError {
    fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Api { kind, .. } => *kind,
            EngineError::Connection(_) => ErrorKind::Unreachable,
        }
    }
}

/// What an engine says about itself (`GET /version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EngineInfo {
    /// The product, e.g. `Docker Engine - Community` or `berth simulated engine`.
    pub name: String,
    /// The engine's version, e.g. `20.10.24`.
    pub version: String,
    /// The API version in use, e.g. `1.41`.
    pub api_version: String,
    /// The engine's OS, e.g. `linux`.
    pub os: String,
    /// Its architecture, e.g. `amd64`.
    pub arch: String,
}

/// An engine's full list ([`Engine::list`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    /// The containers, as full records.
    pub containers: Vec<Container>,
    /// The containers the engine listed but whose records berth could not read (malformed,
    /// or too large): ID → why. The mirror keeps each at its last good record, marked.
    pub unreadable: BTreeMap<String, String>,
}

impl Listing {
    /// A list of `containers`, every one read.
    pub fn of(containers: Vec<Container>) -> Listing {
        Listing {
            containers,
            unreadable: BTreeMap::new(),
        }
    }
}

/// What an accepted operation did: carried out (HTTP 204), or nothing to do (304).
pub use berth_core::sim::Outcome;

/// What an engine answers to an operation ([`Engine::apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `create`: the new container's ID.
    Created(String),
    /// Carried out, or nothing to do.
    Outcome(Outcome),
    /// `wait`: the engine's answer once the condition was met.
    Waited(WaitResponse),
}

/// The wait answer and its error part, as the core's wire declares them.
pub use berth_core::wire::{WaitError, WaitResponse};

/// A stream of engine events; it ends (or yields an error) when the connection breaks.
pub type EventStream = BoxStream<'static, Result<Event, EngineError>>;

/// A container engine. Object-safe: the server holds an `Arc<dyn Engine>`.
///
/// Every method that takes a container takes a reference as the Engine API does: a full ID, a
/// name or a unique ID prefix. The HTTP API forwards the caller's reference unchanged, so the
/// engine's own errors (which repeat the reference) pass through as the engine wrote them.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// `"docker"`, `"sim"` or `"dir"`.
    fn kind(&self) -> &'static str;

    /// Whether the engine refuses every change (the `dir:` engine).
    fn read_only(&self) -> bool {
        false
    }

    /// The engine's clock: the time its records and events are in, and the "now" status texts
    /// are rendered at. The system clock for real engines; the virtual clock for the simulation.
    fn now(&self) -> Time {
        system_now()
    }

    /// The engine's version and platform (`GET /version`).
    async fn version(&self) -> Result<EngineInfo, EngineError>;

    /// Whether the engine answers at all, as cheaply as it can tell (`GET /_ping`).
    async fn ping(&self) -> Result<(), EngineError> {
        self.version().await.map(|_| ())
    }

    /// Every container, stopped ones included, as full records (what inspect gives), and the
    /// containers whose records could not be read.
    async fn list(&self) -> Result<Listing, EngineError>;

    /// One container's full record (`GET /containers/{id}/json`).
    async fn inspect(&self, id: &str) -> Result<Container, EngineError>;

    /// The engine's events from `since` on (`GET /events?since=…`), then live ones. With
    /// `since` the engine replays what it still holds from that time, so a follower that lists
    /// first and then subscribes from a little before the list loses nothing.
    async fn events(&self, since: Option<Time>) -> Result<EventStream, EngineError>;

    /// Carries out `op` under the caller's reference and answers as the engine does: a stop or
    /// restart once the process has exited (and started again), a wait once its condition is
    /// met. The wait's `timeout_ms` is the caller's to keep.
    async fn apply(&self, op: &Op) -> Result<Answer, EngineError>;
}

/// The system clock as a [`Time`].
pub fn system_now() -> Time {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Time::from_unix_nanos(nanos)
}

/// Which engine to use (`--engine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineSpec {
    /// Docker when its socket answers within about a second, else the simulation.
    Auto,
    /// The Docker Engine API at `--docker-host`.
    Docker,
    /// The simulated engine with its demo fleet.
    Sim,
    /// A read-only view of a Docker data root.
    Dir(PathBuf),
}

/// An `--engine` value that is none of `auto`, `docker`, `sim`, `dir:PATH`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid engine {0:?}: expected auto, docker, sim or dir:PATH")]
pub struct InvalidEngineSpec(pub String);

impl FromStr for EngineSpec {
    type Err = InvalidEngineSpec;
    fn from_str(s: &str) -> Result<EngineSpec, InvalidEngineSpec> {
        match s {
            "auto" => Ok(EngineSpec::Auto),
            "docker" => Ok(EngineSpec::Docker),
            "sim" => Ok(EngineSpec::Sim),
            _ => match s.strip_prefix("dir:") {
                Some(path) if !path.is_empty() => Ok(EngineSpec::Dir(PathBuf::from(path))),
                _ => Err(InvalidEngineSpec(s.to_owned())),
            },
        }
    }
}

impl fmt::Display for EngineSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineSpec::Auto => f.write_str("auto"),
            EngineSpec::Docker => f.write_str("docker"),
            EngineSpec::Sim => f.write_str("sim"),
            EngineSpec::Dir(p) => write!(f, "dir:{}", p.display()),
        }
    }
}

/// How to reach the engines [`connect`] may pick.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectOptions {
    /// The Docker host: `unix:///var/run/docker.sock`, `tcp://host:2375`, …
    pub docker_host: String,
    /// How many times faster than real time the simulation runs.
    pub sim_speed: f64,
    /// What the simulation starts with.
    pub sim_fleet: SimFleet,
}

/// What the simulated engine starts with (`--sim-fleet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SimFleet {
    /// The demo fleet: a web server, a healthy API, a crash loop, an OOM, a paused cache.
    #[default]
    Demo,
    /// No container: an empty engine, for a lesson or a test that starts from nothing.
    Empty,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            docker_host: "unix:///var/run/docker.sock".to_owned(),
            sim_speed: 1.0,
            sim_fleet: SimFleet::Demo,
        }
    }
}

/// The engine `spec` names, connected. The only place that picks an engine. For `auto`, the
/// second value says why the pick was made (printed at start).
pub async fn connect(
    spec: &EngineSpec,
    opts: &ConnectOptions,
) -> Result<(Arc<dyn Engine>, Option<String>), EngineError> {
    match spec {
        EngineSpec::Sim => Ok((sim_engine(opts), None)),
        EngineSpec::Auto => match answers(&opts.docker_host).await {
            Ok(engine) => Ok((
                Arc::new(engine),
                Some(format!("using the Docker engine at {}", opts.docker_host)),
            )),
            Err(why) => Ok((
                sim_engine(opts),
                Some(format!(
                    "no Docker engine at {} ({why}); using the simulated engine",
                    opts.docker_host
                )),
            )),
        },
        EngineSpec::Docker => match answers(&opts.docker_host).await {
            Ok(engine) => Ok((Arc::new(engine), None)),
            // Not up yet: the mirror reports it disconnected and keeps trying.
            Err(why) => Ok((
                Arc::new(docker::DockerEngine::new(&opts.docker_host)?),
                Some(format!(
                    "the Docker engine at {} does not answer yet ({why}); retrying",
                    opts.docker_host
                )),
            )),
        },
        EngineSpec::Dir(path) => Ok((Arc::new(dir::DirEngine::open(path)?), None)),
    }
}

/// The Docker engine at `host` if it answers within a second.
async fn answers(host: &str) -> Result<docker::DockerEngine, String> {
    match tokio::time::timeout(
        std::time::Duration::from_secs(1),
        docker::DockerEngine::connect(host),
    )
    .await
    {
        Ok(Ok(engine)) => Ok(engine),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 1 s".to_owned()),
    }
}

/// The simulated engine `opts` ask for, running.
pub fn sim_engine(opts: &ConnectOptions) -> Arc<sim::SimEngine> {
    Arc::new(match opts.sim_fleet {
        SimFleet::Demo => sim::SimEngine::demo(opts.sim_speed),
        SimFleet::Empty => sim::SimEngine::new(
            berth_core::sim::Sim::new(system_now(), berth_core::sim::DEMO_SEED),
            opts.sim_speed,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_spec_parses_every_form() {
        assert_eq!("auto".parse(), Ok(EngineSpec::Auto));
        assert_eq!("docker".parse(), Ok(EngineSpec::Docker));
        assert_eq!("sim".parse(), Ok(EngineSpec::Sim));
        assert_eq!(
            "dir:/var/lib/docker".parse(),
            Ok(EngineSpec::Dir(PathBuf::from("/var/lib/docker")))
        );
        assert!("dir:".parse::<EngineSpec>().is_err());
        assert!("podman".parse::<EngineSpec>().is_err());
    }

    #[test]
    fn errors_keep_the_engine_status() {
        let e = EngineError::no_such_container("abc");
        assert_eq!(e.status(), 404);
        assert!(e.is_not_found());
        assert_eq!(e.to_string(), "No such container: abc");
        assert_eq!(EngineError::Connection("gone".into()).status(), 502);
    }
}
