//! Ports the container package's mounts: the `Mount` type (`mounts_unix.go`) and the mount
//! methods of `Container` in `container_unix.go` and `container.go`: `GetMountPoints`,
//! `HasMountFor`, `IsDestinationMounted`, `AddMountPointWithVolume`, `TrySetNetworkMount`,
//! `TmpfsMounts`, `SecretMounts`, `NetworkMounts` and `IpcMounts`.
//!
//! These only compute the list of mounts; making them (and the SELinux relabelling the reference
//! does on the way) is the host's business. Maps the reference iterates in Go's random order are
//! walked in destination order here.

use serde::{Deserialize, Serialize};

use crate::api::MountSummary;
use crate::container::{Container, MountPoint};

/// Where secrets are mounted in the container when their target is relative.
pub const CONTAINER_SECRET_MOUNT_PATH: &str = "/run/secrets";
/// Where configs are mounted in the container when their target is relative.
pub const CONTAINER_CONFIG_MOUNT_PATH: &str = "/";
/// The propagation of the mounts the daemon adds itself (the Linux parser's default).
pub const DEFAULT_PROPAGATION: &str = "rprivate";

/// One mount to make for the runtime (`Mount`), with the reference's JSON names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mount {
    /// The host path (or `tmpfs`).
    #[serde(rename = "source", default)]
    pub source: String,
    /// The path in the container.
    #[serde(rename = "destination", default)]
    pub destination: String,
    /// Mounted read-write.
    #[serde(rename = "writable", default)]
    pub writable: bool,
    /// Mount data, e.g. tmpfs options `size=64m,mode=1777`.
    #[serde(rename = "data", default)]
    pub data: String,
    /// Propagation, e.g. `rprivate`.
    #[serde(rename = "mountpropagation", default)]
    pub propagation: String,
    /// Do not mount submounts (bind only).
    #[serde(rename = "nonrecursive", default)]
    pub non_recursive: bool,
    /// Make only the top mount read-only.
    #[serde(rename = "readonlynonrecursive", default)]
    pub read_only_non_recursive: bool,
    /// Fail unless every submount can be made read-only.
    #[serde(rename = "readonlyforcerecursive", default)]
    pub read_only_force_recursive: bool,
}

/// The size and mode of a tmpfs mount (`mount.TmpfsOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TmpfsOptions {
    /// Size in bytes; 0 for the kernel's default.
    #[serde(default)]
    pub size_bytes: i64,
    /// Permission bits, e.g. `0o1777`; 0 for the default.
    #[serde(default)]
    pub mode: u32,
}

/// The `--mount` request behind a mount point (`mount.Mount`): the part the mounts use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MountSpec {
    /// `bind`, `volume`, `tmpfs`, …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub r#type: String,
    /// Host path or volume name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Path in the container.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// Read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// Tmpfs options, for tmpfs mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs_options: Option<TmpfsOptions>,
}

impl MountSpec {
    /// Whether nothing is set (a mount made by `-v` or by the daemon).
    pub fn is_empty(&self) -> bool {
        *self == MountSpec::default()
    }
}

/// Where a secret or config appears in the container (`SecretReferenceFileTarget`,
/// `ConfigReferenceFileTarget`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ReferenceFileTarget {
    /// The file name, relative to the mount path or absolute.
    #[serde(default)]
    pub name: String,
    /// Owner user ID.
    #[serde(rename = "UID", default)]
    pub uid: String,
    /// Owner group ID.
    #[serde(rename = "GID", default)]
    pub gid: String,
    /// Permission bits.
    #[serde(default)]
    pub mode: u32,
}

/// A swarm secret given to the container (`swarm.SecretReference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SecretReference {
    /// Where it appears; `None` for a secret that is not a file.
    #[serde(rename = "File", default)]
    pub file: Option<ReferenceFileTarget>,
    /// The secret's ID (its file name on the host).
    #[serde(rename = "SecretID", default)]
    pub secret_id: String,
    /// The secret's name.
    #[serde(rename = "SecretName", default)]
    pub secret_name: String,
}

/// A swarm config given to the container (`swarm.ConfigReference`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConfigReference {
    /// Where it appears; `None` for a runtime config (a Windows credential spec).
    #[serde(rename = "File", default)]
    pub file: Option<ReferenceFileTarget>,
    /// The config's ID (its file name on the host).
    #[serde(rename = "ConfigID", default)]
    pub config_id: String,
    /// The config's name.
    #[serde(rename = "ConfigName", default)]
    pub config_name: String,
}

impl MountPoint {
    /// `Path`: where the mount's data is on the host: the attached volume's path when there is
    /// one, else the stored source.
    pub fn path(&self) -> &str {
        if self.volume_path.is_empty() {
            &self.source
        } else {
            &self.volume_path
        }
    }

    fn summary(&self, source: &str) -> MountSummary {
        MountSummary {
            r#type: self.r#type.clone(),
            name: self.name.clone(),
            source: source.to_owned(),
            destination: self.destination.clone(),
            driver: self.driver.clone(),
            mode: self.mode.clone(),
            rw: self.rw,
            propagation: self.propagation.clone(),
        }
    }
}

/// `ConvertTmpfsOptions` (the Linux parser): `ro`, `mode=` in octal and `size=` with the
/// largest of `g`, `m`, `k` that divides it evenly, joined by commas.
pub fn convert_tmpfs_options(options: Option<&TmpfsOptions>, read_only: bool) -> String {
    let mut raw = Vec::new();
    if read_only {
        raw.push("ro".to_owned());
    }
    if let Some(o) = options {
        if o.mode != 0 {
            raw.push(format!("mode={:o}", o.mode));
        }
        if o.size_bytes != 0 {
            let (size, suffix) = [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)]
                .into_iter()
                .find(|(_, d)| o.size_bytes % d == 0)
                .map_or((o.size_bytes, ""), |(s, d)| (o.size_bytes / d, s));
            raw.push(format!("size={size}{suffix}"));
        }
    }
    raw.join(",")
}

/// Where a file reference lands: an absolute name as is, a relative one under `base`.
fn target_path(file: &ReferenceFileTarget, base: &str) -> String {
    if file.name.starts_with('/') {
        file.name.clone()
    } else {
        crate::paths::join(&[base, &file.name])
    }
}

impl Container {
    /// `GetMountPoints`: the mounts as the inspect document shows them, by destination. A
    /// volume's source is where the attached volume lives ([`MountPoint::path`]).
    pub fn get_mount_points(&self) -> Vec<MountSummary> {
        self.mount_points
            .values()
            .map(|m| m.summary(m.path()))
            .collect()
    }

    /// The mounts as `GET /containers/json` shows them: `GetMountPoints` of the copy that
    /// `CheckpointTo` saves, which has no volumes attached, so the source is the stored one. That
    /// is empty for anonymous volumes (made by [`Container::add_mount_point_with_volume`]).
    pub fn list_mount_points(&self) -> Vec<MountSummary> {
        self.mount_points
            .values()
            .map(|m| m.summary(&m.source))
            .collect()
    }

    /// `HasMountFor`: whether `path` is a mount point or a `--tmpfs` destination.
    pub fn has_mount_for(&self, path: &str) -> bool {
        self.mount_points.contains_key(path) || self.host_config.tmpfs.contains_key(path)
    }

    /// `IsDestinationMounted`: whether a mount point has `destination` (tmpfs not counted).
    pub fn is_destination_mounted(&self, destination: &str) -> bool {
        self.mount_points.contains_key(destination)
    }

    /// `AddMountPointWithVolume`: mounts the volume `name` of `driver`, which lives at
    /// `volume_path` on the host, at `destination`. No source is stored (the list shows none).
    pub fn add_mount_point_with_volume(
        &mut self,
        destination: &str,
        name: &str,
        driver: &str,
        volume_path: &str,
        rw: bool,
    ) {
        self.mount_points.insert(
            destination.to_owned(),
            MountPoint {
                r#type: "volume".to_owned(),
                name: name.to_owned(),
                driver: driver.to_owned(),
                destination: destination.to_owned(),
                rw,
                volume_path: volume_path.to_owned(),
                ..MountPoint::default()
            },
        );
    }

    /// `TrySetNetworkMount`: when `destination` is `/etc/resolv.conf`, `/etc/hostname` or
    /// `/etc/hosts`, records `path` as that file and returns true.
    pub fn try_set_network_mount(&mut self, destination: &str, path: &str) -> bool {
        let field = match destination {
            "/etc/resolv.conf" => &mut self.resolv_conf_path,
            "/etc/hostname" => &mut self.hostname_path,
            "/etc/hosts" => &mut self.hosts_path,
            _ => return false,
        };
        *field = path.to_owned();
        true
    }

    /// `TmpfsMounts`: the `--tmpfs` mounts, then the tmpfs mount points with their options
    /// converted ([`convert_tmpfs_options`]). The Linux conversion cannot fail, so neither can
    /// this.
    pub fn tmpfs_mounts(&self) -> Vec<Mount> {
        let tmpfs = |destination: &str, data: String| Mount {
            source: "tmpfs".to_owned(),
            destination: destination.to_owned(),
            data,
            ..Mount::default()
        };
        let flags = self
            .host_config
            .tmpfs
            .iter()
            .map(|(dest, data)| tmpfs(dest, data.clone()));
        let points = self
            .mount_points
            .iter()
            .filter(|(_, m)| m.r#type == "tmpfs")
            .map(|(dest, m)| {
                let data = convert_tmpfs_options(m.spec.tmpfs_options.as_ref(), m.spec.read_only);
                tmpfs(dest, data)
            });
        flags.chain(points).collect()
    }

    /// `SecretMounts`: a read-only mount for each file secret (under `/run/secrets` unless its
    /// name is absolute), then one for each config (under `/`). Sources are under
    /// [`Container::secret_mount_path`]. A config that is not a file is skipped, as secrets are
    /// (the reference would dereference nil).
    pub fn secret_mounts(&self) -> Vec<Mount> {
        let secrets = self.secret_references.iter().filter_map(|r| {
            let file = r.file.as_ref()?;
            Some((
                self.secret_file_path(r),
                target_path(file, CONTAINER_SECRET_MOUNT_PATH),
            ))
        });
        let configs = self.config_references.iter().filter_map(|r| {
            let file = r.file.as_ref()?;
            Some((
                self.config_file_path(r),
                target_path(file, CONTAINER_CONFIG_MOUNT_PATH),
            ))
        });
        secrets
            .chain(configs)
            .map(|(source, destination)| Mount {
                source,
                destination,
                writable: false,
                ..Mount::default()
            })
            .collect()
    }

    /// `NetworkMounts`: `/etc/resolv.conf`, `/etc/hostname` and `/etc/hosts` from their host
    /// files, each when its path is set and `exists` says the file is there (the reference stats
    /// it, and skips it with a warning). Writable unless the root filesystem is read-only; a
    /// user's mount point at the same destination decides instead.
    pub fn network_mounts(&self, exists: impl Fn(&str) -> bool) -> Vec<Mount> {
        [
            (&self.resolv_conf_path, "/etc/resolv.conf"),
            (&self.hostname_path, "/etc/hostname"),
            (&self.hosts_path, "/etc/hosts"),
        ]
        .into_iter()
        .filter(|(path, _)| !path.is_empty() && exists(path))
        .map(|(path, destination)| Mount {
            source: path.clone(),
            destination: destination.to_owned(),
            writable: self
                .mount_points
                .get(destination)
                .map_or(!self.host_config.readonly_rootfs, |m| m.rw),
            propagation: DEFAULT_PROPAGATION.to_owned(),
            ..Mount::default()
        })
        .collect()
    }

    /// `IpcMounts`: `/dev/shm` from [`Container::shm_path`], writable, unless the user mounts
    /// something there or there is no shm path.
    pub fn ipc_mounts(&self) -> Vec<Mount> {
        if self.has_mount_for("/dev/shm") || self.shm_path.is_empty() {
            return Vec::new();
        }
        vec![Mount {
            source: self.shm_path.clone(),
            destination: "/dev/shm".to_owned(),
            writable: true,
            propagation: DEFAULT_PROPAGATION.to_owned(),
            ..Mount::default()
        }]
    }
}
