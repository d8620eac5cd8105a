//! berth-core: moby's `container` package in Rust.
//!
//! The state machine of a container and everything the daemon derives from it: [`State`] and its
//! transitions, the `docker ps` status text, wait conditions, health, the [`ViewDb`] of snapshots
//! on persistent maps, the memory and exec stores, environment merging and the restart policy;
//! plus the Engine API's container JSON, event parsing and `docker ps` filters.
//!
//! No I/O, no clock, no async runtime: every "now" is an argument, waiters are futures on
//! channels the host drives, so the same code runs in the adapter, in the browser (wasm) and in a
//! deterministic simulation.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod actions;
pub mod api;
pub mod container;
pub mod daemon_env;
pub mod env;
pub mod errdefs;
pub mod event_filters;
pub mod events;
pub mod exec;
pub mod filters;
pub mod health;
pub mod history;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub mod js;
pub mod lifecycle;
pub mod model;
pub mod mounts;
pub mod ops;
pub mod paths;
pub mod restart;
mod serde_util;
pub mod sim;
pub mod state;
pub mod store;
pub mod time;
pub mod update;
pub mod view;
pub mod wait;
pub mod wire;

pub use api::{ContainerInspect, ContainerSummary};
pub use container::{Config, Container, HostConfig};
pub use env::replace_or_append_env_values;
pub use errdefs::{ErrorKind, HasKind};
pub use events::{Actor, ContainerAction, Event, EventError};
pub use exec::{ExecConfig, ExecStore};
pub use filters::{CompiledFilter, FilterError, Filters, ListOptions};
pub use health::{is_valid_health_string, Health, HealthStatus};
pub use model::{Applied, ChangeKind, Model};
pub use ops::Op;
pub use restart::{RestartDecision, RestartManager, RestartPolicy};
pub use state::{is_valid_state_string, ExitStatus, State, StateKind};
pub use store::{MemoryStore, Store};
pub use time::{human_duration, Duration, Time};
pub use view::{Snapshot, View, ViewDb, ViewError};
pub use wait::{StateStatus, WaitCondition, Waiter};
