//! Ports the container package's daemon-side defaults of a container: `CreateDaemonEnvironment`
//! (`container_unix.go`), the environment a container's process starts with, and
//! `InitDNSHostConfig` (`container.go`).

use crate::container::Container;
use crate::env::replace_or_append_env_values;

/// The `PATH` a Linux container gets unless its configuration sets one (`oci.DefaultPathEnv`).
pub const DEFAULT_PATH_ENV: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `oci.DefaultPathEnv`: the default `PATH` for a container of `os` (empty for Windows, whose
/// containers take theirs from the image).
pub fn default_path_env(os: &str) -> &'static str {
    if os == "windows" {
        ""
    } else {
        DEFAULT_PATH_ENV
    }
}

impl Container {
    /// `CreateDaemonEnvironment`, on a Linux daemon: `PATH`, `HOSTNAME`, `TERM=xterm` when `tty`,
    /// then `linked_env` (the environment of linked containers), each replaced by the config's
    /// `Env` entry with the same key, and the config's other entries after them
    /// ([`replace_or_append_env_values`]).
    pub fn create_daemon_environment(&self, tty: bool, linked_env: &[String]) -> Vec<String> {
        let own = self.config.env.as_deref().unwrap_or_default();
        let mut env = Vec::with_capacity(3 + linked_env.len() + own.len());
        env.push(format!("PATH={}", default_path_env(&self.os)));
        env.push(format!("HOSTNAME={}", self.config.hostname));
        if tty {
            env.push("TERM=xterm".to_owned());
        }
        env.extend_from_slice(linked_env);
        replace_or_append_env_values(&env, own)
    }

    /// `InitDNSHostConfig`: makes the DNS servers, search domains and options empty lists where
    /// they are null (containers made by old engines, or started with a host config that
    /// cleared them).
    pub fn init_dns_host_config(&mut self) {
        let h = &mut self.host_config;
        for field in [&mut h.dns, &mut h.dns_search, &mut h.dns_options] {
            field.get_or_insert_with(Vec::new);
        }
    }
}
