//! Ports the container package's `ViewDB`, `View` and `Snapshot`: an in-memory transactional store
//! of read-only container snapshots and of name reservations.
//!
//! Built on persistent maps (`im`, i.e. imbl): [`ViewDb::snapshot`] is O(1) and the [`View`] it
//! gives never sees later writes; two views can be diffed in time proportional to what changed.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use equivalent::{Comparable, Equivalent};
use im::{OrdMap, OrdSet};
use serde::Serialize;

use crate::api::{summarize, ContainerSummary};
use crate::container::Container;
use crate::errdefs::{ErrorKind, HasKind};
use crate::health::HealthStatus;
use crate::state::StateKind;
use crate::time::Time;

/// Errors of the ViewDB, with the reference's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// `ErrNameReserved`: the name belongs to another container.
    #[error("name is reserved")]
    NameReserved,
    /// `ErrNameNotReserved`: no container has that name.
    #[error("name is not reserved")]
    NameNotReserved,
    /// Releasing a name that is not reserved.
    #[error("not found")]
    ReleaseNotFound,
    /// No container with that ID (or prefix).
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// `GetByPrefix("")`.
    #[error("prefix can't be empty")]
    EmptyPrefix,
    /// More than one ID starts with the prefix.
    #[error("multiple IDs found with provided prefix: {0}")]
    AmbiguousPrefix(String),
}

impl HasKind for ViewError {
    fn kind(&self) -> ErrorKind {
        match self {
            ViewError::NameReserved => ErrorKind::Conflict,
            ViewError::NameNotReserved
            | ViewError::ReleaseNotFound
            | ViewError::NoSuchContainer(_) => ErrorKind::NotFound,
            ViewError::EmptyPrefix | ViewError::AmbiguousPrefix(_) => ErrorKind::InvalidParameter,
        }
    }
}

/// A read-only snapshot of one container (`Snapshot`): the `docker ps` item, the extra fields
/// queries filter on, and the container record it was made from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// The list item (`types.Container`), its `Status` rendered at save time.
    #[serde(flatten)]
    pub summary: ContainerSummary,
    /// Creation time with nanoseconds.
    #[serde(rename = "CreatedAt")]
    pub created_at: Time,
    /// Start time with nanoseconds.
    #[serde(rename = "StartedAt")]
    pub started_at: Time,
    /// The container's own name, with its slash.
    #[serde(rename = "Name")]
    pub name: String,
    /// Pid.
    #[serde(rename = "Pid")]
    pub pid: i64,
    /// Exit code.
    #[serde(rename = "ExitCode")]
    pub exit_code: i64,
    /// Running (also when paused or restarting).
    #[serde(rename = "Running")]
    pub running: bool,
    /// Paused.
    #[serde(rename = "Paused")]
    pub paused: bool,
    /// Managed by swarm.
    #[serde(rename = "Managed")]
    pub managed: bool,
    /// Exposed ports, e.g. `80/tcp`.
    #[serde(rename = "ExposedPorts")]
    pub exposed_ports: Vec<String>,
    /// Ports with host bindings.
    #[serde(rename = "PortBindings")]
    pub port_bindings: Vec<String>,
    /// Health status; `none` without a health check.
    #[serde(rename = "Health")]
    pub health: HealthStatus,
    /// Isolation.
    #[serde(rename = "Isolation")]
    pub isolation: String,
    /// The container record the snapshot was made from.
    #[serde(skip)]
    pub container: Arc<Container>,
}

impl Snapshot {
    /// The snapshot of `c` with `names`, its status rendered at `now` (the reference's `transform`).
    pub fn of(c: &Container, names: Vec<String>, now: Time) -> Snapshot {
        let health = match &c.state.health {
            Some(h) => h.status(),
            None => HealthStatus::None,
        };
        Snapshot {
            summary: summarize(c, names, now),
            created_at: c.created,
            started_at: c.state.started_at,
            name: c.name.clone(),
            pid: c.state.pid,
            exit_code: c.state.exit_code,
            running: c.state.running,
            paused: c.state.paused,
            managed: c.managed,
            exposed_ports: c.config.exposed_ports.keys().cloned().collect(),
            port_bindings: c.host_config.port_bindings.keys().cloned().collect(),
            health,
            isolation: c.host_config.isolation.clone(),
            container: Arc::new(c.clone()),
        }
    }

    /// The full ID.
    pub fn id(&self) -> &str {
        &self.summary.id
    }

    /// The `docker ps` status text at `now` (the stored one is from save time).
    pub fn status_at(&self, now: Time) -> String {
        self.container.state.status_string(now)
    }

    /// The list item with its status rendered at `now`.
    pub fn summary_at(&self, now: Time) -> ContainerSummary {
        let mut s = self.summary.clone();
        s.status = self.status_at(now);
        s
    }
}

/// What changed for one container between two views.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A container that the newer view has and the older did not.
    Added(Arc<Snapshot>),
    /// A container whose snapshot differs.
    Updated(Arc<Snapshot>),
    /// A container the newer view no longer has (its ID).
    Removed(String),
}

/// The first eight bytes of `s`, zero-padded, as a big-endian number: comparing two of these
/// orders strings as comparing their first eight bytes does, with a shorter string first when
/// it is a prefix of the other.
fn head_of(s: &str) -> u64 {
    let mut head = [0u8; 8];
    for (h, b) in head.iter_mut().zip(s.as_bytes()) {
        *h = *b;
    }
    u64::from_be_bytes(head)
}

/// An ID as the tables key it: the ID with its [`head_of`]. Ordered exactly as the ID string
/// (heads first, the whole string on a tie), but the heads of random 64-hex IDs almost always
/// differ, so a lookup compares integers instead of calling `memcmp` at every step. The ID is
/// shared, so copying a tree node on write (after a snapshot) allocates no strings.
#[derive(Debug, Clone)]
struct IdKey {
    head: u64,
    id: Arc<str>,
}

impl IdKey {
    fn new(id: &str) -> IdKey {
        IdKey {
            head: head_of(id),
            id: Arc::from(id),
        }
    }
}

impl PartialEq for IdKey {
    fn eq(&self, other: &IdKey) -> bool {
        self.head == other.head && self.id == other.id
    }
}

impl Eq for IdKey {}

impl PartialOrd for IdKey {
    fn partial_cmp(&self, other: &IdKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdKey {
    fn cmp(&self, other: &IdKey) -> Ordering {
        self.head
            .cmp(&other.head)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// A borrowed ID (or prefix) to look an [`IdKey`] up with, without allocating.
struct Probe<'a> {
    head: u64,
    id: &'a str,
}

impl Probe<'_> {
    fn new(id: &str) -> Probe<'_> {
        Probe {
            head: head_of(id),
            id,
        }
    }
}

impl Equivalent<IdKey> for Probe<'_> {
    fn equivalent(&self, key: &IdKey) -> bool {
        self.head == key.head && self.id == &*key.id
    }
}

impl Comparable<IdKey> for Probe<'_> {
    fn compare(&self, key: &IdKey) -> Ordering {
        self.head.cmp(&key.head).then_with(|| self.id.cmp(&key.id))
    }
}

/// The maps a [`ViewDb`] and a [`View`] share.
#[derive(Debug, Clone, Default)]
struct Tables {
    containers: OrdMap<IdKey, Arc<Snapshot>>,
    names: OrdMap<String, String>,
    names_by_id: OrdMap<IdKey, OrdSet<String>>,
}

/// The containers as `docker info` counts them ([`View::info_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InfoCounts {
    /// `ContainersRunning`: running and not paused.
    pub running: usize,
    /// `ContainersPaused`.
    pub paused: usize,
    /// `ContainersStopped`: every other state.
    pub stopped: usize,
}

/// The ViewDB: snapshots by ID and name reservations. Each method is one atomic transaction
/// (`&mut self`); readers take a [`View`] with [`ViewDb::snapshot`].
#[derive(Debug, Clone, Default)]
pub struct ViewDb {
    tables: Tables,
}

impl ViewDb {
    /// `NewViewDB`.
    pub fn new() -> ViewDb {
        ViewDb::default()
    }

    /// `Save`: inserts or replaces the snapshot of `c`, its status rendered at `now`.
    /// Time: O(log n).
    pub fn save(&mut self, c: &Container, now: Time) -> Result<(), ViewError> {
        let names = self.names_of(&c.id);
        let snapshot = Arc::new(Snapshot::of(c, names, now));
        // A replacement keeps the stored key: no new key string.
        match self.tables.containers.get_mut(&Probe::new(&c.id)) {
            Some(slot) => *slot = snapshot,
            None => {
                self.tables.containers.insert(IdKey::new(&c.id), snapshot);
            }
        }
        Ok(())
    }

    /// `Delete`: removes the snapshot of `c` if present and, always, every name reserved to its ID.
    /// Time: O(k log n) for k names.
    pub fn delete(&mut self, c: &Container) -> Result<(), ViewError> {
        self.delete_id(&c.id);
        Ok(())
    }

    /// [`ViewDb::delete`] by ID.
    pub fn delete_id(&mut self, id: &str) {
        let probe = Probe::new(id);
        self.tables.containers.remove(&probe);
        if let Some(names) = self.tables.names_by_id.remove(&probe) {
            for n in names {
                self.tables.names.remove(&n);
            }
        }
    }

    /// `ReserveName`: reserves `name` for `id`. Idempotent for the same pair; a name held by
    /// another ID fails with [`ViewError::NameReserved`]. Time: O(log n).
    pub fn reserve_name(&mut self, name: &str, id: &str) -> Result<(), ViewError> {
        match self.tables.names.get(name) {
            Some(holder) if holder == id => return Ok(()),
            Some(_) => return Err(ViewError::NameReserved),
            None => {}
        }
        self.tables.names.insert(name.to_owned(), id.to_owned());
        self.tables
            .names_by_id
            .entry(IdKey::new(id))
            .or_default()
            .insert(name.to_owned());
        Ok(())
    }

    /// `ReleaseName`: frees `name`; a name that is not reserved fails with
    /// [`ViewError::ReleaseNotFound`] and changes nothing. Time: O(log n).
    pub fn release_name(&mut self, name: &str) -> Result<(), ViewError> {
        let id = self
            .tables
            .names
            .remove(name)
            .ok_or(ViewError::ReleaseNotFound)?;
        let now_empty = match self.tables.names_by_id.get_mut(&Probe::new(&id)) {
            Some(set) => {
                set.remove(name);
                set.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.tables.names_by_id.remove(&Probe::new(&id));
        }
        Ok(())
    }

    /// `GetByPrefix`: the one ID starting with `prefix`. Time: O(log n).
    pub fn get_by_prefix(&self, prefix: &str) -> Result<String, ViewError> {
        get_by_prefix(&self.tables.containers, prefix)
    }

    /// `Snapshot`: a consistent read-only view that never sees later writes. Time: O(1).
    pub fn snapshot(&self) -> View {
        View {
            tables: self.tables.clone(),
        }
    }

    /// How many containers are stored.
    pub fn len(&self) -> usize {
        self.tables.containers.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.tables.containers.is_empty()
    }

    fn names_of(&self, id: &str) -> Vec<String> {
        self.tables
            .names_by_id
            .get(&Probe::new(id))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

fn get_by_prefix(
    containers: &OrdMap<IdKey, Arc<Snapshot>>,
    prefix: &str,
) -> Result<String, ViewError> {
    if prefix.is_empty() {
        return Err(ViewError::EmptyPrefix);
    }
    let probe = Probe::new(prefix);
    let mut matches = containers
        .range::<_, Probe<'_>>((
            std::ops::Bound::Included(&probe),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(key, _)| key.id.starts_with(prefix));
    match (matches.next(), matches.next()) {
        (Some((key, _)), None) => Ok(String::from(&*key.id)),
        (Some(_), Some(_)) => Err(ViewError::AmbiguousPrefix(prefix.to_owned())),
        (None, _) => Err(ViewError::NoSuchContainer(prefix.to_owned())),
    }
}

/// A consistent read-only view of the database (`View`). Cloning is O(1).
#[derive(Debug, Clone, Default)]
pub struct View {
    tables: Tables,
}

impl View {
    /// `All`: every snapshot, ordered by ID. Time: O(n).
    pub fn all(&self) -> Vec<Arc<Snapshot>> {
        self.tables.containers.values().cloned().collect()
    }

    /// Every snapshot by reference, ordered by ID, without collecting.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Snapshot>> + '_ {
        self.tables.containers.values()
    }

    /// Containers per state, every one of the seven states a key. Time: O(n).
    pub fn counts(&self) -> BTreeMap<StateKind, usize> {
        let mut counts: BTreeMap<StateKind, usize> =
            StateKind::ALL.iter().map(|k| (*k, 0)).collect();
        for s in self.iter() {
            *counts.entry(s.container.state.kind()).or_insert(0) += 1;
        }
        counts
    }

    /// The containers as `docker info` counts them (`ContainersRunning`, `ContainersPaused`,
    /// `ContainersStopped`): running and not paused, paused, and every other state — restarting,
    /// created, exited, removing, dead — stopped (the daemon's state counter; seen on Engine
    /// 20.10). Time: O(n).
    pub fn info_counts(&self) -> InfoCounts {
        let mut counts = InfoCounts::default();
        for s in self.iter() {
            match s.container.state.kind() {
                StateKind::Running => counts.running += 1,
                StateKind::Paused => counts.paused += 1,
                _ => counts.stopped += 1,
            }
        }
        counts
    }

    /// `Get`: the snapshot with exactly this ID. Time: O(log n).
    pub fn get(&self, id: &str) -> Result<Arc<Snapshot>, ViewError> {
        self.tables
            .containers
            .get(&Probe::new(id))
            .cloned()
            .ok_or_else(|| ViewError::NoSuchContainer(id.to_owned()))
    }

    /// `GetID`: the ID `name` is reserved to.
    pub fn get_id(&self, name: &str) -> Result<String, ViewError> {
        self.tables
            .names
            .get(name)
            .cloned()
            .ok_or(ViewError::NameNotReserved)
    }

    /// `GetAllNames`: ID → its names, in name order.
    pub fn get_all_names(&self) -> BTreeMap<String, Vec<String>> {
        self.tables
            .names_by_id
            .iter()
            .map(|(key, names)| (String::from(&*key.id), names.iter().cloned().collect()))
            .collect()
    }

    /// Every reserved name with the ID it is reserved to, in name order, without copying
    /// (what [`View::get_all_names`] inverts). Time: O(1) per item.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.tables
            .names
            .iter()
            .map(|(name, id)| (name.as_str(), id.as_str()))
    }

    /// `GetByPrefix` on this view.
    pub fn get_by_prefix(&self, prefix: &str) -> Result<String, ViewError> {
        get_by_prefix(&self.tables.containers, prefix)
    }

    /// Finds a container the way the daemon's `GetContainer` does: an exact ID, then a name
    /// (with or without its slash), then a unique ID prefix.
    pub fn resolve(&self, reference: &str) -> Result<Arc<Snapshot>, ViewError> {
        if reference.is_empty() {
            return Err(ViewError::NoSuchContainer(String::new()));
        }
        if let Some(s) = self.tables.containers.get(&Probe::new(reference)) {
            return Ok(s.clone());
        }
        let slashed = if reference.starts_with('/') {
            reference.to_owned()
        } else {
            format!("/{reference}")
        };
        if let Some(id) = self
            .tables
            .names
            .get(&slashed)
            .or_else(|| self.tables.names.get(reference))
        {
            if let Some(s) = self.tables.containers.get(&Probe::new(id)) {
                return Ok(s.clone());
            }
        }
        let id = self.get_by_prefix(reference)?;
        self.get(&id)
    }

    /// How many containers the view holds.
    pub fn len(&self) -> usize {
        self.tables.containers.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.tables.containers.is_empty()
    }

    /// What changed from `older` to this view; shared subtrees are skipped, so the time is about
    /// proportional to the number of changes.
    pub fn diff(&self, older: &View) -> Vec<Change> {
        use im::ordmap::DiffItem;
        older
            .tables
            .containers
            .diff(&self.tables.containers)
            .filter_map(|item| match item {
                DiffItem::Add(_, v) => Some(Change::Added(v.clone())),
                DiffItem::Update { old, new } => {
                    if Arc::ptr_eq(old.1, new.1) {
                        None
                    } else {
                        Some(Change::Updated(new.1.clone()))
                    }
                }
                DiffItem::Remove(k, _) => Some(Change::Removed(String::from(&*k.id))),
            })
            .collect()
    }
}
