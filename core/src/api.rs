//! The Engine API's JSON shapes for containers: the list item (`GET /containers/json`, Go's
//! `types.Container`) and the inspect document (`GET /containers/{id}/json`), with the engine's
//! field names, and the conversions between them and the [`Container`] model.
//!
//! Unknown fields are ignored on input, so newer engines parse too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::container::{
    Config, Container, EndpointSettings, HostConfig, MountPoint, NetworkSettings,
};
use crate::health::Health;
use crate::serde_util::null_as_default;
use crate::state::State;
use crate::time::Time;

/// A published or exposed port in the list shape (`types.Port`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Port {
    /// Host IP, when bound.
    #[serde(rename = "IP", default, skip_serializing_if = "String::is_empty")]
    pub ip: String,
    /// Port in the container.
    #[serde(rename = "PrivatePort")]
    pub private_port: u16,
    /// Port on the host, when bound.
    #[serde(rename = "PublicPort", default, skip_serializing_if = "is_zero_u16")]
    pub public_port: u16,
    /// `tcp`, `udp` or `sctp`.
    #[serde(rename = "Type")]
    pub r#type: String,
}

fn is_zero_u16(v: &u16) -> bool {
    *v == 0
}

/// A mount in the list and inspect shapes (`types.MountPoint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MountSummary {
    /// `bind`, `volume`, `tmpfs`, …
    #[serde(default)]
    pub r#type: String,
    /// Volume name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Host path.
    #[serde(default)]
    pub source: String,
    /// Path in the container.
    #[serde(default)]
    pub destination: String,
    /// Volume driver.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub driver: String,
    /// Mode string, e.g. `z`.
    #[serde(default)]
    pub mode: String,
    /// Writable.
    #[serde(rename = "RW", default)]
    pub rw: bool,
    /// Propagation.
    #[serde(default)]
    pub propagation: String,
}

impl MountSummary {
    /// Whether this mount of an inspect document of `c` is an anonymous volume: one the daemon
    /// made for an entry of `Config.Volumes` (an image's `VOLUME` or `-v /path`) that no bind
    /// or named volume took. The daemon stores no source for those, so the list shows none.
    ///
    /// Named local volumes carry the mode `z` (or the user's options) and anonymous ones none;
    /// a named volume of another driver with no options over a `VOLUME` of the image, made with
    /// `--mount` rather than `-v`, would read as anonymous (berth does not model
    /// `HostConfig.Mounts`).
    fn is_anonymous_volume_of(&self, c: &ContainerInspect) -> bool {
        self.r#type == "volume"
            && self.mode.is_empty()
            && c.config
                .volumes
                .as_ref()
                .is_some_and(|v| v.contains_key(&self.destination))
            && !c.host_config.binds.iter().flatten().any(|b| {
                let mut parts = b.split(':');
                parts.next();
                parts.next() == Some(self.destination.as_str())
            })
    }
}

/// `HostConfig` as the list shape carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SummaryHostConfig {
    /// The network mode.
    #[serde(rename = "NetworkMode", default)]
    pub network_mode: String,
}

/// `NetworkSettings` as the list shape carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SummaryNetworkSettings {
    /// Network name → endpoint.
    #[serde(rename = "Networks", default, deserialize_with = "null_as_default")]
    pub networks: BTreeMap<String, EndpointSettings>,
}

/// One item of `GET /containers/json` (Go's `types.Container`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContainerSummary {
    /// Full ID.
    #[serde(rename = "Id")]
    pub id: String,
    /// Names, each with its leading slash; never null.
    #[serde(rename = "Names", default, deserialize_with = "null_as_default")]
    pub names: Vec<String>,
    /// The image as named at create.
    #[serde(rename = "Image", default)]
    pub image: String,
    /// The image ID.
    #[serde(rename = "ImageID", default)]
    pub image_id: String,
    /// The command line.
    #[serde(rename = "Command", default)]
    pub command: String,
    /// Creation time, Unix seconds.
    #[serde(rename = "Created", default)]
    pub created: i64,
    /// Ports.
    #[serde(rename = "Ports", default, deserialize_with = "null_as_default")]
    pub ports: Vec<Port>,
    /// The size of the container's own layer, when asked for (`size=1`) and not zero.
    #[serde(rename = "SizeRw", default, skip_serializing_if = "Option::is_none")]
    pub size_rw: Option<i64>,
    /// The size of its whole filesystem, image included, when asked for (`size=1`).
    #[serde(
        rename = "SizeRootFs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub size_root_fs: Option<i64>,
    /// Labels.
    #[serde(rename = "Labels", default, deserialize_with = "null_as_default")]
    pub labels: BTreeMap<String, String>,
    /// One of the seven state strings.
    #[serde(rename = "State", default)]
    pub state: String,
    /// The `docker ps` status text.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Host config summary.
    #[serde(rename = "HostConfig", default)]
    pub host_config: SummaryHostConfig,
    /// Network summary.
    #[serde(rename = "NetworkSettings", default)]
    pub network_settings: SummaryNetworkSettings,
    /// Mounts.
    #[serde(rename = "Mounts", default, deserialize_with = "null_as_default")]
    pub mounts: Vec<MountSummary>,
}

/// The inspect document's `State`: the stored flags plus `Status`, without `RemovalInProgress`
/// (which `Status` = `removing` tells).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InspectState {
    /// One of the seven state strings.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Running.
    #[serde(rename = "Running", default)]
    pub running: bool,
    /// Paused.
    #[serde(rename = "Paused", default)]
    pub paused: bool,
    /// Restarting.
    #[serde(rename = "Restarting", default)]
    pub restarting: bool,
    /// OOM-killed.
    #[serde(rename = "OOMKilled", default)]
    pub oom_killed: bool,
    /// Dead.
    #[serde(rename = "Dead", default)]
    pub dead: bool,
    /// Pid.
    #[serde(rename = "Pid", default)]
    pub pid: i64,
    /// Exit code.
    #[serde(rename = "ExitCode", default)]
    pub exit_code: i64,
    /// Error.
    #[serde(rename = "Error", default)]
    pub error: String,
    /// Start time, RFC 3339.
    #[serde(rename = "StartedAt", default)]
    pub started_at: Time,
    /// End time, RFC 3339.
    #[serde(rename = "FinishedAt", default)]
    pub finished_at: Time,
    /// Health, when there is a health check.
    #[serde(rename = "Health", default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
}

impl From<&State> for InspectState {
    fn from(s: &State) -> InspectState {
        InspectState {
            status: s.state_string().to_owned(),
            running: s.running,
            paused: s.paused,
            restarting: s.restarting,
            oom_killed: s.oom_killed,
            dead: s.dead,
            pid: s.pid,
            exit_code: s.exit_code,
            error: s.error.clone(),
            started_at: s.started_at,
            finished_at: s.finished_at,
            health: s.health.clone(),
        }
    }
}

impl From<&InspectState> for State {
    fn from(s: &InspectState) -> State {
        let mut state = State::new();
        state.running = s.running;
        state.paused = s.paused;
        state.restarting = s.restarting;
        state.oom_killed = s.oom_killed;
        state.removal_in_progress = s.status == "removing";
        state.dead = s.dead;
        state.pid = s.pid;
        state.exit_code = s.exit_code;
        state.error = s.error.clone();
        state.started_at = s.started_at;
        state.finished_at = s.finished_at;
        state.health = s.health.clone();
        state
    }
}

/// `GET /containers/{id}/json` (Go's `types.ContainerJSON`): the fields berth models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ContainerInspect {
    /// Full ID.
    #[serde(rename = "Id")]
    pub id: String,
    /// Creation time.
    #[serde(rename = "Created", default)]
    pub created: Time,
    /// The executable.
    #[serde(rename = "Path", default)]
    pub path: String,
    /// Its arguments.
    #[serde(rename = "Args", default, deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    /// The state.
    #[serde(rename = "State", default)]
    pub state: InspectState,
    /// The image ID.
    #[serde(rename = "Image", default)]
    pub image: String,
    /// The log path.
    #[serde(rename = "LogPath", default)]
    pub log_path: String,
    /// The name with its slash.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Restarts by policy.
    #[serde(rename = "RestartCount", default)]
    pub restart_count: i64,
    /// Storage driver.
    #[serde(rename = "Driver", default)]
    pub driver: String,
    /// `linux`.
    #[serde(rename = "Platform", default)]
    pub platform: String,
    /// Exec IDs, or null.
    #[serde(rename = "ExecIDs", default)]
    pub exec_ids: Option<Vec<String>>,
    /// Host configuration.
    #[serde(rename = "HostConfig", default)]
    pub host_config: HostConfig,
    /// Mounts.
    #[serde(rename = "Mounts", default, deserialize_with = "null_as_default")]
    pub mounts: Vec<MountSummary>,
    /// Configuration.
    #[serde(rename = "Config", default)]
    pub config: Config,
    /// Network settings.
    #[serde(rename = "NetworkSettings", default)]
    pub network_settings: NetworkSettings,
    /// The engine's fields berth does not model (`GraphDriver`, `ProcessLabel`, …), as they
    /// came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

impl ContainerInspect {
    /// The inspect document of `c`.
    pub fn of(c: &Container) -> ContainerInspect {
        let execs = c.exec_ids();
        ContainerInspect {
            id: c.id.clone(),
            created: c.created,
            path: c.path.clone(),
            args: c.args.clone(),
            state: InspectState::from(&c.state),
            image: c.image_id.clone(),
            log_path: c.log_path.clone(),
            name: c.name.clone(),
            restart_count: c.restart_count,
            driver: c.driver.clone(),
            platform: if c.os.is_empty() {
                "linux".into()
            } else {
                c.os.clone()
            },
            exec_ids: if execs.is_empty() { None } else { Some(execs) },
            host_config: c.host_config.clone(),
            mounts: c.get_mount_points(),
            config: c.config.clone(),
            network_settings: c.network_settings.clone(),
            rest: c.inspect_rest.clone(),
        }
    }

    /// The container this document describes (what the mirror holds). The fields berth does
    /// not model are dropped. An anonymous volume's source is kept as its volume's path, with
    /// no stored source, as the daemon holds it.
    pub fn to_container(&self) -> Container {
        Container {
            state: State::from(&self.state),
            id: self.id.clone(),
            created: self.created,
            path: self.path.clone(),
            args: self.args.clone(),
            config: self.config.clone(),
            image_id: self.image.clone(),
            network_settings: self.network_settings.clone(),
            log_path: self.log_path.clone(),
            name: self.name.clone(),
            driver: self.driver.clone(),
            os: self.platform.clone(),
            restart_count: self.restart_count,
            has_been_started_before: !self.state.started_at.is_zero(),
            mount_points: self
                .mounts
                .iter()
                .map(|m| {
                    let (source, volume_path) = if m.is_anonymous_volume_of(self) {
                        (String::new(), m.source.clone())
                    } else {
                        (m.source.clone(), String::new())
                    };
                    (
                        m.destination.clone(),
                        MountPoint {
                            r#type: m.r#type.clone(),
                            name: m.name.clone(),
                            source,
                            destination: m.destination.clone(),
                            driver: m.driver.clone(),
                            rw: m.rw,
                            propagation: m.propagation.clone(),
                            mode: m.mode.clone(),
                            volume_path,
                            ..MountPoint::default()
                        },
                    )
                })
                .collect(),
            host_config: self.host_config.clone(),
            inspect_rest: self.rest.clone(),
            ..Container::default()
        }
    }
}

/// Builds the list item of `c` with `names`, its status text rendered at `now`.
pub fn summarize(c: &Container, names: Vec<String>, now: Time) -> ContainerSummary {
    let mut ports = Vec::new();
    for (port, bindings) in &c.network_settings.ports {
        let (num, proto) = port.split_once('/').unwrap_or((port.as_str(), "tcp"));
        let Ok(private_port) = num.parse::<u16>() else {
            continue;
        };
        match bindings.as_deref() {
            None | Some([]) => ports.push(Port {
                ip: String::new(),
                private_port,
                public_port: 0,
                r#type: proto.to_owned(),
            }),
            Some(bs) => {
                for b in bs {
                    let Ok(public_port) = b.host_port.parse::<u16>() else {
                        continue;
                    };
                    ports.push(Port {
                        ip: b.host_ip.clone(),
                        private_port,
                        public_port,
                        r#type: proto.to_owned(),
                    });
                }
            }
        }
    }
    ports.sort();
    ContainerSummary {
        id: c.id.clone(),
        names,
        image: c.config.image.clone(),
        image_id: c.image_id.clone(),
        command: c.command_line(),
        created: c.created.unix_secs(),
        ports,
        size_rw: None,
        size_root_fs: None,
        labels: c.config.labels.clone(),
        state: c.state.state_string().to_owned(),
        status: c.state.status_string(now),
        host_config: SummaryHostConfig {
            network_mode: c.host_config.network_mode.clone(),
        },
        network_settings: SummaryNetworkSettings {
            networks: c
                .network_settings
                .networks
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
                .collect(),
        },
        mounts: c.list_mount_points(),
    }
}
