//! Ports the container package's paths under a container's root (`container.go`,
//! `container_unix.go`): `ConfigPath`, `HostConfigPath`, `CheckpointDir`, `GetRootResourcePath`,
//! `MountsResourcePath`, `ShmResourcePath`, `SecretMountPath`, `SecretFilePath` and
//! `ConfigFilePath`.
//!
//! The core does no I/O: the root is data ([`Container::root`], the reference's `Root`) and the
//! paths are strings built with `/`, cleaned as Go's `filepath.Join` cleans them. The reference
//! also resolves symlinks inside the root (`FollowSymlinkInScope`), which needs the filesystem; a
//! host that opens these paths does that step itself. What is kept is the lexical scoping: no
//! `..` in the argument climbs out of the root. Without the symlink walk nothing can fail, so these
//! return a `String` where the reference returns `(string, error)`.

use crate::container::Container;
use crate::mounts::{ConfigReference, SecretReference};

/// The file name of the container's configuration (with its state) under its root.
pub const CONFIG_FILE_NAME: &str = "config.v2.json";
/// The file name of the container's host configuration under its root.
pub const HOST_CONFIG_FILE_NAME: &str = "hostconfig.json";

/// Go's `path.Clean`: the shortest lexically equal path. `.` and empty elements go, `..` removes
/// the element before it (and nothing at the root), a lone empty path is `.`.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&p) if p != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Join` on Unix: the non-empty elements joined by `/` and cleaned; empty when
/// every element is.
pub fn join(elements: &[&str]) -> String {
    let kept: Vec<&str> = elements.iter().copied().filter(|e| !e.is_empty()).collect();
    if kept.is_empty() {
        String::new()
    } else {
        clean(&kept.join("/"))
    }
}

impl Container {
    /// `GetRootResourcePath`, lexically: `path` under the root, as if the root were `/`.
    pub fn root_resource_path(&self, path: &str) -> String {
        join(&[&self.root, &clean(&format!("/{path}"))])
    }

    /// `ConfigPath`: `{root}/config.v2.json`.
    pub fn config_path(&self) -> String {
        self.root_resource_path(CONFIG_FILE_NAME)
    }

    /// `HostConfigPath`: `{root}/hostconfig.json`.
    pub fn host_config_path(&self) -> String {
        self.root_resource_path(HOST_CONFIG_FILE_NAME)
    }

    /// `CheckpointDir`: `{root}/checkpoints`.
    pub fn checkpoint_dir(&self) -> String {
        join(&[&self.root, "checkpoints"])
    }

    /// `MountsResourcePath`: `{root}/mounts/{mount}`.
    pub fn mounts_resource_path(&self, mount: &str) -> String {
        self.root_resource_path(&join(&["mounts", mount]))
    }

    /// `ShmResourcePath`: `{root}/mounts/shm`.
    pub fn shm_resource_path(&self) -> String {
        self.mounts_resource_path("shm")
    }

    /// `SecretMountPath`: `{root}/mounts/secrets`.
    pub fn secret_mount_path(&self) -> String {
        self.mounts_resource_path("secrets")
    }

    /// `SecretFilePath`: the secret's file on the host, named by its ID under the secret mount.
    pub fn secret_file_path(&self, secret: &SecretReference) -> String {
        join(&[&self.secret_mount_path(), &secret.secret_id])
    }

    /// `ConfigFilePath`: the config's file on the host, named by its ID under the secret mount
    /// (on Unix, configs are kept as secrets are).
    pub fn config_file_path(&self, config: &ConfigReference) -> String {
        join(&[&self.secret_mount_path(), &config.config_id])
    }
}
