//! Ports the container package's `Container`: the model of one container, its defaults
//! (`StopSignal`, `StopTimeout`, `FullHostname`), `CheckpointTo`, and its on-disk form
//! (`config.v2.json` with the state embedded, `hostconfig.json` beside it).
//!
//! Host plumbing (stdio streams, mounts on disk, secrets, logging drivers, containerd tasks) is
//! not ported; what the dashboard needs of it (mounts, ports, pid, exit times) is kept as data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::exec::ExecStore;
use crate::mounts::{ConfigReference, MountSpec, SecretReference};
use crate::restart::{RestartManager, RestartPolicy};
use crate::serde_util::null_as_default;
use crate::state::State;
use crate::time::Time;
use crate::view::{ViewDb, ViewError};

/// The default stop signal.
pub const DEFAULT_STOP_SIGNAL: &str = "SIGTERM";
/// The default stop timeout, in seconds.
pub const DEFAULT_STOP_TIMEOUT: i64 = 10;

/// A health check's configuration (`HealthConfig`). Durations are nanoseconds, as on the wire;
/// zero means the engine's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct HealthConfig {
    /// The probe: `["CMD", …]`, `["CMD-SHELL", "…"]`, or `["NONE"]`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub test: Vec<String>,
    /// Time between probes (default 30 s).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interval: i64,
    /// Time a probe may take (default 30 s).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// Grace period after start in which failures do not count (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_period: i64,
    /// Consecutive failures that make it unhealthy (default 3).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: i64,
}

/// Go's `omitempty` for a number.
fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl HealthConfig {
    /// Whether this configures a real check (not absent, not `NONE`).
    pub fn is_enabled(&self) -> bool {
        !self.test.is_empty() && self.test[0] != "NONE"
    }
    /// Retries with the engine's default of 3.
    pub fn retries_or_default(&self) -> u32 {
        if self.retries > 0 {
            u32::try_from(self.retries).unwrap_or(u32::MAX)
        } else {
            3
        }
    }
    /// Interval with the engine's default of 30 s, in nanoseconds.
    pub fn interval_or_default(&self) -> i64 {
        if self.interval > 0 {
            self.interval
        } else {
            30_000_000_000
        }
    }
}

/// The container's configuration (`container.Config`): what the image and `docker create` say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Config {
    /// The hostname inside the container.
    #[serde(default)]
    pub hostname: String,
    /// The domain name inside the container.
    #[serde(default)]
    pub domainname: String,
    /// The user the process runs as.
    #[serde(default)]
    pub user: String,
    /// Environment, `KEY=value`; `None` is the engine's `null` (no environment at all).
    #[serde(default)]
    pub env: Option<Vec<String>>,
    /// The command.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cmd: Vec<String>,
    /// The entrypoint; `None` is the engine's `null` (the image's, or none).
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// The health check, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthConfig>,
    /// The image as the user named it.
    #[serde(default)]
    pub image: String,
    /// The working directory.
    #[serde(default)]
    pub working_dir: String,
    /// Labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: BTreeMap<String, String>,
    /// The signal `docker stop` sends first; empty for the default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    /// Seconds `docker stop` waits before killing; `None` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
    /// Exposed ports, `"80/tcp"` → `{}`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    /// Anonymous volumes, destination → `{}` (the image's `VOLUME`s and `-v /path`); `None` is
    /// the engine's `null`.
    #[serde(default)]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// Allocate a TTY.
    #[serde(default)]
    pub tty: bool,
    /// Keep stdin open.
    #[serde(default)]
    pub open_stdin: bool,
    /// The engine's fields berth does not model (`AttachStdin`, `OnBuild`, …), as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// One host binding of a port (`nat.PortBinding`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct PortBinding {
    /// Host IP.
    #[serde(rename = "HostIp", default)]
    pub host_ip: String,
    /// Host port.
    #[serde(rename = "HostPort", default)]
    pub host_port: String,
}

/// Port → its host bindings (`nat.PortMap`); a port may map to `null`.
pub type PortMap = BTreeMap<String, Option<Vec<PortBinding>>>;

/// The host configuration (`container.HostConfig`, `hostconfig.json`): the part berth models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    /// Bind mounts, `src:dst[:opts]`; `None` is the engine's `null` (no `-v` at all).
    #[serde(default)]
    pub binds: Option<Vec<String>>,
    /// The network mode: `none`, `bridge`, `host`, `container:…` or a network name.
    #[serde(default)]
    pub network_mode: String,
    /// Port bindings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub port_bindings: PortMap,
    /// The restart policy.
    #[serde(default)]
    pub restart_policy: RestartPolicy,
    /// Remove the container when it exits (`--rm`).
    #[serde(default)]
    pub auto_remove: bool,
    /// Memory limit in bytes; 0 for none.
    #[serde(default)]
    pub memory: i64,
    /// Isolation technology (Windows); empty on Linux.
    #[serde(default)]
    pub isolation: String,
    /// DNS servers; `None` (null) only for containers made before the field existed.
    #[serde(default)]
    pub dns: Option<Vec<String>>,
    /// DNS options; `None` as for `dns`.
    #[serde(default)]
    pub dns_options: Option<Vec<String>>,
    /// DNS search domains; `None` as for `dns`.
    #[serde(default)]
    pub dns_search: Option<Vec<String>>,
    /// `--tmpfs` mounts, destination → mount options.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub tmpfs: BTreeMap<String, String>,
    /// The root filesystem is read-only.
    #[serde(default)]
    pub readonly_rootfs: bool,
    /// Block IO weight (10 to 1000); 0 for the default.
    #[serde(default)]
    pub blkio_weight: i64,
    /// CPU shares (relative weight); 0 for the default.
    #[serde(default)]
    pub cpu_shares: i64,
    /// CPU quota in units of 10⁻⁹ CPUs (`--cpus`); 0 for none.
    #[serde(default)]
    pub nano_cpus: i64,
    /// CFS period, microseconds; 0 for the default.
    #[serde(default)]
    pub cpu_period: i64,
    /// CFS quota, microseconds; 0 for none.
    #[serde(default)]
    pub cpu_quota: i64,
    /// Real-time period, microseconds.
    #[serde(default)]
    pub cpu_realtime_period: i64,
    /// Real-time runtime, microseconds.
    #[serde(default)]
    pub cpu_realtime_runtime: i64,
    /// CPUs the container may use, e.g. `0-3`.
    #[serde(default)]
    pub cpuset_cpus: String,
    /// Memory nodes the container may use.
    #[serde(default)]
    pub cpuset_mems: String,
    /// Memory plus swap limit in bytes; 0 for the default, -1 for unlimited.
    #[serde(default)]
    pub memory_swap: i64,
    /// Memory soft limit in bytes.
    #[serde(default)]
    pub memory_reservation: i64,
    /// Kernel memory limit in bytes (deprecated by the engine).
    #[serde(default)]
    pub kernel_memory: i64,
    /// Pids limit; `None` (null) leaves it unchanged, 0 or -1 is unlimited.
    #[serde(default)]
    pub pids_limit: Option<i64>,
    /// The engine's fields berth does not model (`LogConfig`, `CapAdd`, …), as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// One network endpoint in `NetworkSettings.Networks` (the fields `docker ps` carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointSettings {
    /// Static IPAM settings, or null.
    #[serde(rename = "IPAMConfig", default)]
    pub ipam_config: serde_json::Value,
    /// Legacy links, or null.
    #[serde(default)]
    pub links: Option<Vec<String>>,
    /// DNS aliases, or null.
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    /// The network's ID.
    #[serde(rename = "NetworkID", default)]
    pub network_id: String,
    /// The endpoint's ID.
    #[serde(rename = "EndpointID", default)]
    pub endpoint_id: String,
    /// The gateway.
    #[serde(default)]
    pub gateway: String,
    /// The IPv4 address.
    #[serde(rename = "IPAddress", default)]
    pub ip_address: String,
    /// The IPv4 prefix length.
    #[serde(rename = "IPPrefixLen", default)]
    pub ip_prefix_len: i64,
    /// The IPv6 gateway.
    #[serde(rename = "IPv6Gateway", default)]
    pub ipv6_gateway: String,
    /// The global IPv6 address.
    #[serde(rename = "GlobalIPv6Address", default)]
    pub global_ipv6_address: String,
    /// The global IPv6 prefix length.
    #[serde(rename = "GlobalIPv6PrefixLen", default)]
    pub global_ipv6_prefix_len: i64,
    /// The MAC address.
    #[serde(default)]
    pub mac_address: String,
    /// Driver options, or null.
    #[serde(default)]
    pub driver_opts: serde_json::Value,
}

/// A container's network settings: its endpoints and its published ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkSettings {
    /// Network name → endpoint.
    #[serde(default, deserialize_with = "null_as_default")]
    pub networks: BTreeMap<String, Option<EndpointSettings>>,
    /// Published ports of the running container.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ports: PortMap,
    /// The engine's fields berth does not model (`SandboxID`, `Bridge`, …), as they came.
    #[serde(flatten)]
    pub rest: BTreeMap<String, serde_json::Value>,
}

/// A mount point (`volumemounts.MountPoint`, the on-disk `MountPoints` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MountPoint {
    /// `bind`, `volume`, `tmpfs`, …
    #[serde(default)]
    pub r#type: String,
    /// Volume name, for volumes.
    #[serde(default)]
    pub name: String,
    /// Host path.
    #[serde(default)]
    pub source: String,
    /// Path in the container.
    #[serde(default)]
    pub destination: String,
    /// Volume driver.
    #[serde(default)]
    pub driver: String,
    /// Writable.
    #[serde(rename = "RW", default)]
    pub rw: bool,
    /// Mount propagation.
    #[serde(default)]
    pub propagation: String,
    /// The options the user gave, e.g. `ro` or `z` (on disk under its old name, `Relabel`).
    #[serde(rename = "Relabel", default, skip_serializing_if = "String::is_empty")]
    pub mode: String,
    /// The `--mount` request that made it (for tmpfs: its size and mode).
    #[serde(default, skip_serializing_if = "MountSpec::is_empty")]
    pub spec: MountSpec,
    /// Where the attached volume lives on the host (the reference's `Volume.Path()`); in memory
    /// only, empty when no volume is attached. See [`MountPoint::path`].
    #[serde(skip)]
    pub volume_path: String,
}

/// A container (`Container`). The state is embedded, as in the reference.
///
/// The serde form is the engine's `config.v2.json` plus `HostConfig` (which the on-disk form keeps
/// in `hostconfig.json`; see [`Container::to_disk`] and [`Container::from_disk`]). Unknown fields
/// are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Container {
    /// The state.
    #[serde(rename = "State", default)]
    pub state: State,
    /// The full 64-hex ID.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// When it was created.
    #[serde(rename = "Created", default)]
    pub created: Time,
    /// Managed by an orchestrator (swarm).
    #[serde(rename = "Managed", default)]
    pub managed: bool,
    /// The executable.
    #[serde(rename = "Path", default)]
    pub path: String,
    /// Its arguments.
    #[serde(rename = "Args", default, deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    /// The configuration.
    #[serde(rename = "Config", default)]
    pub config: Config,
    /// The image ID (`sha256:…`); the JSON name is `Image`.
    #[serde(rename = "Image", default)]
    pub image_id: String,
    /// Network settings.
    #[serde(rename = "NetworkSettings", default)]
    pub network_settings: NetworkSettings,
    /// The log file.
    #[serde(rename = "LogPath", default)]
    pub log_path: String,
    /// The name with its leading slash, e.g. `/web`.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// The storage driver.
    #[serde(rename = "Driver", default)]
    pub driver: String,
    /// The OS, `linux`.
    #[serde(rename = "OS", default)]
    pub os: String,
    /// Restarts made by the restart policy.
    #[serde(rename = "RestartCount", default)]
    pub restart_count: i64,
    /// Started at least once.
    #[serde(rename = "HasBeenStartedBefore", default)]
    pub has_been_started_before: bool,
    /// Stopped by hand (for `unless-stopped`).
    #[serde(rename = "HasBeenManuallyStopped", default)]
    pub has_been_manually_stopped: bool,
    /// Restarted by hand, as opposed to by policy (in memory only).
    #[serde(skip)]
    pub has_been_manually_restarted: bool,
    /// Mount points by destination.
    #[serde(rename = "MountPoints", default, deserialize_with = "null_as_default")]
    pub mount_points: BTreeMap<String, MountPoint>,
    /// The host configuration (on disk: `hostconfig.json`).
    #[serde(rename = "HostConfig", default)]
    pub host_config: HostConfig,
    /// The execs of this container (in memory only).
    #[serde(skip)]
    pub exec_commands: ExecStore,
    /// The restart manager, made on first use from the policy (in memory only).
    #[serde(skip)]
    pub restart_manager: Option<RestartManager>,
    /// The container's metadata directory on the host (`Root`, in memory only).
    #[serde(skip)]
    pub root: String,
    /// The SELinux mount label.
    #[serde(
        rename = "MountLabel",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub mount_label: String,
    /// The host file mounted at `/etc/hostname`.
    #[serde(
        rename = "HostnamePath",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub hostname_path: String,
    /// The host file mounted at `/etc/hosts`.
    #[serde(
        rename = "HostsPath",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub hosts_path: String,
    /// The host directory mounted at `/dev/shm`.
    #[serde(rename = "ShmPath", default, skip_serializing_if = "String::is_empty")]
    pub shm_path: String,
    /// The host file mounted at `/etc/resolv.conf`.
    #[serde(
        rename = "ResolvConfPath",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub resolv_conf_path: String,
    /// Swarm secrets given to the container.
    #[serde(
        rename = "SecretReferences",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub secret_references: Vec<SecretReference>,
    /// Swarm configs given to the container.
    #[serde(
        rename = "ConfigReferences",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub config_references: Vec<ConfigReference>,
    /// The top-level fields of the engine's inspect document that berth does not model
    /// (`GraphDriver`, `ProcessLabel`, `AppArmorProfile`, …), as they came, for
    /// [`crate::api::ContainerInspect::of`] to give back (in memory only; empty for a container
    /// read from disk or made by the simulated engine).
    #[serde(skip)]
    pub inspect_rest: BTreeMap<String, serde_json::Value>,
}

/// A config file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    /// `config.v2.json` is not valid.
    #[error("invalid config.v2.json: {0}")]
    Config(serde_json::Error),
    /// `hostconfig.json` is not valid.
    #[error("invalid hostconfig.json: {0}")]
    HostConfig(serde_json::Error),
}

impl crate::errdefs::HasKind for DiskError {
    fn kind(&self) -> crate::errdefs::ErrorKind {
        crate::errdefs::ErrorKind::System
    }
}

/// `stringid.TruncateID`: an ID as `docker ps` shows it, its first 12 characters (after any
/// `algorithm:` prefix such as `sha256:`).
pub fn truncate_id(id: &str) -> &str {
    let id = id.split_once(':').map_or(id, |(_, rest)| rest);
    id.get(..12).unwrap_or(id)
}

impl Container {
    /// `NewBaseContainer`: a created container with `id`, empty otherwise.
    pub fn new_base(id: impl Into<String>) -> Container {
        Container {
            id: id.into(),
            ..Container::default()
        }
    }

    /// The name without its leading slash.
    pub fn short_name(&self) -> &str {
        self.name.strip_prefix('/').unwrap_or(&self.name)
    }

    /// How to call it: its name without the slash, or its short (12-digit) ID when it has
    /// no name.
    pub fn display_name(&self) -> String {
        match self.short_name() {
            "" => truncate_id(&self.id).to_owned(),
            name => name.to_owned(),
        }
    }

    /// `StopSignal`: the configured stop signal, or SIGTERM.
    pub fn stop_signal(&self) -> &str {
        if self.config.stop_signal.is_empty() {
            DEFAULT_STOP_SIGNAL
        } else {
            &self.config.stop_signal
        }
    }

    /// `StopTimeout`: the configured stop timeout in seconds, or 10.
    pub fn stop_timeout(&self) -> i64 {
        self.config.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT)
    }

    /// `FullHostname`: `hostname.domainname` when a domain name is set.
    pub fn full_hostname(&self) -> String {
        if self.config.domainname.is_empty() {
            self.config.hostname.clone()
        } else {
            format!("{}.{}", self.config.hostname, self.config.domainname)
        }
    }

    /// The command line as `docker ps` shows it: the path, then each argument, an argument with a
    /// space in single quotes, joined by spaces.
    pub fn command_line(&self) -> String {
        let mut out = self.path.clone();
        for arg in &self.args {
            out.push(' ');
            if arg.contains(' ') {
                out.push('\'');
                out.push_str(arg);
                out.push('\'');
            } else {
                out.push_str(arg);
            }
        }
        out
    }

    /// `CheckpointTo`: makes the current state visible to queries by saving a snapshot into `db`
    /// (the reference also writes `config.v2.json`; a host that persists does that with
    /// [`Container::to_disk`]). `now` is the time the status text is rendered for.
    pub fn checkpoint_to(&self, db: &mut ViewDb, now: Time) -> Result<(), ViewError> {
        db.save(self, now)
    }

    /// `RestartManager`: the restart manager, made from the policy and restart count on first use.
    pub fn restart_manager(&mut self) -> &mut RestartManager {
        let policy = self.host_config.restart_policy.clone();
        let count = self.restart_count;
        self.restart_manager
            .get_or_insert_with(|| RestartManager::new(policy, count))
    }

    /// `ResetRestartManager`: forgets the manager (and the count when `reset_count`).
    pub fn reset_restart_manager(&mut self, reset_count: bool) {
        if reset_count {
            self.restart_count = 0;
        }
        self.restart_manager = None;
    }

    /// `ExitOnNext`: the next exit does not restart.
    pub fn exit_on_next(&mut self) {
        self.restart_manager().cancel();
    }

    /// `ShouldRestart`: whether the policy would restart the container after its last exit
    /// (a decision on a copy of the manager: nothing is changed).
    pub fn should_restart(&self) -> bool {
        let mut rm = self.restart_manager.clone().unwrap_or_else(|| {
            RestartManager::new(self.host_config.restart_policy.clone(), self.restart_count)
        });
        let ran_for = self.state.finished_at.since(self.state.started_at);
        rm.should_restart(
            self.state.exit_code,
            self.has_been_manually_stopped,
            ran_for,
        )
        .map(|d| d.restart)
        .unwrap_or(false)
    }

    /// `GetExecIDs`.
    pub fn exec_ids(&self) -> Vec<String> {
        self.exec_commands.list()
    }

    /// The on-disk form: (`config.v2.json`, `hostconfig.json`).
    pub fn to_disk(&self) -> (String, String) {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("HostConfig");
        }
        let host = serde_json::to_string(&self.host_config).unwrap_or_default();
        (value.to_string(), host)
    }

    /// `FromDisk`: reads `config.v2.json` and, when there is one, `hostconfig.json`.
    pub fn from_disk(config_v2: &str, hostconfig: Option<&str>) -> Result<Container, DiskError> {
        let mut c: Container = serde_json::from_str(config_v2).map_err(DiskError::Config)?;
        if let Some(h) = hostconfig {
            c.host_config = serde_json::from_str(h).map_err(DiskError::HostConfig)?;
        }
        Ok(c)
    }
}
