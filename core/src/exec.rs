//! Ports the container package's `ExecConfig` and `ExecStore`: the execs of a container
//! (`docker exec`, and every health probe), kept after they finish so they can be inspected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One exec's configuration (`ExecConfig`), as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ExecConfig {
    /// The exec's ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The container it runs in.
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    /// Whether it is running.
    pub running: bool,
    /// Its exit code, once it exited.
    pub exit_code: Option<i64>,
    /// The program.
    pub entrypoint: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// With a TTY.
    pub tty: bool,
    /// Privileged.
    pub privileged: bool,
    /// The user it runs as.
    pub user: String,
    /// The working directory.
    pub working_dir: String,
    /// Its environment.
    pub env: Vec<String>,
    /// Stdin kept open.
    pub open_stdin: bool,
    /// May be removed once it exits.
    pub can_remove: bool,
}

impl ExecConfig {
    /// `NewExecConfig`: a new exec for `container_id`.
    pub fn new(id: impl Into<String>, container_id: impl Into<String>) -> ExecConfig {
        ExecConfig {
            id: id.into(),
            container_id: container_id.into(),
            ..ExecConfig::default()
        }
    }

    /// `SetExitCode`: records the exit code (the exec is no longer running).
    pub fn set_exit_code(&mut self, code: i64) {
        self.exit_code = Some(code);
        self.running = false;
    }
}

/// The exec store (`ExecStore`), ordered by ID.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExecStore {
    by_id: BTreeMap<String, ExecConfig>,
}

impl ExecStore {
    /// `NewExecStore`.
    pub fn new() -> ExecStore {
        ExecStore::default()
    }
    /// `Add`: adds or replaces the exec `id`.
    pub fn add(&mut self, id: impl Into<String>, config: ExecConfig) {
        self.by_id.insert(id.into(), config);
    }
    /// `Get`.
    pub fn get(&self, id: &str) -> Option<&ExecConfig> {
        self.by_id.get(id)
    }
    /// Mutable access, to record an exit.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut ExecConfig> {
        self.by_id.get_mut(id)
    }
    /// `Delete`.
    pub fn delete(&mut self, id: &str) {
        self.by_id.remove(id);
    }
    /// `List`: every exec ID, in order.
    pub fn list(&self) -> Vec<String> {
        self.by_id.keys().cloned().collect()
    }
    /// `Commands`: every exec configuration by ID.
    pub fn commands(&self) -> &BTreeMap<String, ExecConfig> {
        &self.by_id
    }
    /// How many execs are held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}
