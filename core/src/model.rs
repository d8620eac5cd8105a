//! The mirror of an engine's containers that berth keeps on the container package: a
//! [`MemoryStore`] of full [`Container`]s, the [`ViewDb`] the dashboard reads, and the rules that
//! turn each Engine API [`Event`] into the transitions the daemon made (`daemon/monitor.go`,
//! `start.go`, `kill.go`, `stop.go`, `rename.go`, `health.go` of Engine 20.10).
//!
//! The adapter and the browser run the same model. The host feeds it events ([`Model::apply`])
//! and the engine's own records ([`Model::upsert`] after an inspect, [`Model::resync`] after a
//! list); every change bumps one revision counter, so a reader can ask "what changed since
//! revision r". Sans-I/O: the event's time is "now", and an event that implies data it does not
//! carry says so with [`Applied::needs_inspect`], for the host to confirm with an inspect.
//!
//! Rules verified against a real Engine 20.10 (testdata/engine and core/tests/data):
//! - A `start` of a container that is not `restarting` is a manual start (`docker start`,
//!   `docker restart`): the daemon resets the restart manager and RestartCount to 0 and clears
//!   HasBeenManuallyStopped. A `start` while `restarting` is the policy's restart.
//! - A `kill` marks the container manually stopped and, unless it sends a signal other than a
//!   custom `StopSignal` (SIGKILL always counts), cancels the restart manager: after
//!   `docker kill` (any signal) or `docker stop`, even `always` does not restart.
//! - `docker stop` of a `restarting` container sends only `stop` (no kill, no die): it ends
//!   `exited` with the last exit code and RestartCount unchanged.
//! - On `die` the health monitor stops and an open monitor leaves Health `unhealthy` (the streak
//!   and log are kept); a `start` with a health check sets `starting` and a zero streak.
//!
//! An event the model cannot place (a `die` or `pause` of a container it did not see running, a
//! `stop` of one it still sees running, any event of an unknown container) keeps the flags'
//! invariants and asks for an inspect.

mod causes;

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::actions::Action;
use crate::container::Container;
use crate::events::{signal_number, ContainerAction, Event, SIGKILL};
use crate::exec::ExecConfig;
use crate::health::{Health, HealthStatus};
use crate::lifecycle::Transition;
use crate::state::{ExitStatus, State, StateKind};
use crate::store::{MemoryStore, Store};
use crate::time::Time;
use crate::view::{View, ViewDb};

/// How many execs the model keeps per container (oldest dropped first), so that health probes,
/// one exec each, do not grow memory without bound.
pub const MAX_EXECS_PER_CONTAINER: usize = 10;
/// How long a container's events must pause before the model takes what it read so far as the
/// whole operation ([`Model::settle`]): Engine 20.10 sends `stop` up to 80 ms after the `die`,
/// and `docker restart`'s `start` 300 ms after its `stop`.
pub const QUIET: crate::time::Duration = crate::time::Duration::from_secs(1);
/// How many of its latest transitions the model keeps per container.
pub const TRANSITIONS_PER_CONTAINER: usize = 8;
/// How many transitions the model keeps for [`Model::drain_transitions`] (the oldest go first).
pub const MAX_UNDRAINED_TRANSITIONS: usize = 1024;

/// What one event did to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A container was added.
    Created,
    /// A container's record changed.
    Updated,
    /// A container was removed.
    Removed,
    /// Nothing the view shows changed (an event of another type, an action without a state
    /// change, an exec, or an unknown container).
    Ignored,
}

/// The outcome of [`Model::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The model's revision after the event (unchanged when nothing changed).
    pub revision: u64,
    /// The actor's ID.
    pub id: String,
    /// What happened to the container.
    pub change: ChangeKind,
    /// The event implies data it does not carry (a new container's config, a started task's
    /// pid, a health probe's log, an unknown container): the host should inspect the container
    /// and [`Model::upsert`] the result.
    pub needs_inspect: bool,
}

/// What the model keeps beside each container record.
#[derive(Debug, Default, Clone)]
struct Entry {
    /// The model revision of the container's last change.
    revision: u64,
    /// The name reserved for it in the ViewDb (with its slash).
    name: Option<String>,
    /// Its exec IDs, oldest first (at most [`MAX_EXECS_PER_CONTAINER`]).
    execs: VecDeque<String>,
    /// What the model reads of its events to tell why it moves.
    reader: causes::Reader,
    /// Its latest transitions, oldest first (at most [`TRANSITIONS_PER_CONTAINER`]).
    transitions: VecDeque<Transition>,
}

/// A live mirror of an engine's containers.
///
/// Invariant: the store, the ViewDb and the per-container entries hold the same IDs. A change to
/// a container checkpoints it into the ViewDb with the status rendered at the change's time.
///
/// Every part is a persistent structure (imbl), so a clone is O(1): a reader (the web app's
/// store) can keep the model by value and change a copy.
#[derive(Debug, Default, Clone)]
pub struct Model {
    store: MemoryStore,
    db: ViewDb,
    revision: u64,
    entries: im::HashMap<String, Entry>,
    last_event: Time,
    /// The transitions since the last drain.
    transitions: VecDeque<Transition>,
    /// The containers whose reader holds transitions until [`Model::settle`].
    holding: BTreeSet<String>,
}

/// `name` with a leading slash, as the ViewDb reserves names.
fn slashed(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/{name}")
    }
}

impl Model {
    /// An empty model at revision 0.
    pub fn new() -> Model {
        Model::default()
    }

    /// The current revision: how many changes the model has seen.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The revision of the last change to container `id`, if the model has it.
    pub fn revision_of(&self, id: &str) -> Option<u64> {
        self.entries.get(id).map(|e| e.revision)
    }

    /// The time of the latest event applied (zero before any): where a host resumes the event
    /// stream (`since=`) after a reconnect.
    pub fn last_event_time(&self) -> Time {
        self.last_event
    }

    /// How many containers the model holds.
    pub fn len(&self) -> usize {
        self.store.size()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.store.size() == 0
    }

    /// A snapshot of the ViewDb, for queries (`docker ps`). Time: O(1).
    pub fn view(&self) -> View {
        self.db.snapshot()
    }

    /// The full record of container `id` (exact ID).
    pub fn container(&self, id: &str) -> Option<&Container> {
        self.store.get(id)
    }

    /// The live record of container `id`, e.g. to place a waiter with
    /// [`State::wait`]; it resolves when an applied event stops or removes the container.
    /// Changes made through it are not checkpointed into the view.
    pub fn container_mut(&mut self, id: &str) -> Option<&mut Container> {
        self.store.get_mut(id)
    }

    /// Every container, newest first (`History` order).
    pub fn list(&self) -> Vec<&Container> {
        self.store.list()
    }

    /// How many containers are in each state; all seven keys are present.
    pub fn counts(&self) -> BTreeMap<StateKind, usize> {
        self.view().counts()
    }

    /// Makes `incoming` (the engine's record, e.g. from an inspect) the record of its container:
    /// the engine's data wins, while what only the model knows is kept when the ID is the same
    /// (waiters, the restart manager if the policy is unchanged, execs, HasBeenManuallyStopped,
    /// which inspect does not show). If the record shows that a run ended that the model thought
    /// was going on, the container's stop waiters resolve. Its name (with a slash) is reserved,
    /// taken from a stale holder if needed, and its former name released.
    ///
    /// Returns the container's revision: a new one if anything changed, else the one it had.
    /// A container without an ID is ignored.
    pub fn upsert(&mut self, mut incoming: Container, now: Time) -> u64 {
        if incoming.id.is_empty() {
            return self.revision;
        }
        if !incoming.name.is_empty() {
            incoming.name = slashed(&incoming.name);
        }
        let id = incoming.id.clone();
        let changed = match self.store.get_mut(&id) {
            Some(current) => merge_record(current, incoming, now),
            None => {
                let running = incoming.state.running && !incoming.state.restarting;
                if let Some(h) = incoming.state.health.as_mut() {
                    h.monitor_open = running;
                }
                let entry = Entry {
                    reader: causes::Reader::at(&incoming),
                    ..Entry::default()
                };
                self.store.add(&id, incoming);
                self.entries.insert(id.clone(), entry);
                true
            }
        };
        if let (Some(c), Some(entry)) = (self.store.get(&id), self.entries.get_mut(&id)) {
            let seen = entry.reader.seen(c, causes::place_of(c), now);
            self.note(&id, seen);
        }
        if !changed {
            return self.revision_of(&id).unwrap_or(self.revision);
        }
        let name = self
            .store
            .get(&id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        self.claim_name(&id, &name);
        self.commit(&id, now)
    }

    /// Removes container `id`, found gone without a `destroy` event (a 404, a list without it):
    /// marks its state removed (which resolves every waiter on it), deletes it from the store
    /// and the view, and frees its names; its move to removed at `now` has an unknown cause.
    /// Returns the new revision, or `None` if the model did not have it.
    pub fn remove(&mut self, id: &str, now: Time) -> Option<u64> {
        let name = self.store.get(id)?.name.clone();
        if let Some(entry) = self.entries.get_mut(id) {
            let gone = entry.reader.gone(id, &name, now);
            self.note(id, gone);
        }
        self.drop_container(id)
    }

    /// Deletes container `id` from the store, the view and the entries.
    fn drop_container(&mut self, id: &str) -> Option<u64> {
        let mut c = self.store.delete(id)?;
        c.state.set_removed();
        self.db.delete_id(id);
        self.entries.remove(id);
        self.revision += 1;
        Some(self.revision)
    }

    /// Makes the model equal to `containers`, the engine's full list: each is upserted, and the
    /// containers absent from it are removed. Returns the revisions of what changed, in order;
    /// a container whose record is unchanged keeps its revision and adds nothing.
    pub fn resync(&mut self, containers: Vec<Container>, now: Time) -> Vec<u64> {
        let mut changed = Vec::new();
        let mut present = HashSet::new();
        for c in containers {
            if c.id.is_empty() {
                continue;
            }
            present.insert(c.id.clone());
            let before = self.revision;
            let revision = self.upsert(c, now);
            if self.revision != before {
                changed.push(revision);
            }
        }
        let mut absent: Vec<String> = self
            .entries
            .keys()
            .filter(|id| !present.contains(*id))
            .cloned()
            .collect();
        absent.sort();
        for id in absent {
            if let Some(revision) = self.remove(&id, now) {
                changed.push(revision);
            }
        }
        changed
    }

    /// Applies one event, with the event's time as "now" (the last event's time if it carries
    /// none). See the module's rules; actions that change no state (`attach`, `top`, `resize`,
    /// `commit`, `copy`, `export`, …) and events of other types are [`ChangeKind::Ignored`].
    ///
    /// Execs (`exec_create`, `exec_start`, `exec_die`, one set per health probe) are recorded in
    /// the container's [`ExecStore`](crate::exec::ExecStore), at most
    /// [`MAX_EXECS_PER_CONTAINER`] of them, but are [`ChangeKind::Ignored`]: they change nothing
    /// the view shows, so a probe every second does not bump the revision every second. The
    /// health status a probe changes arrives as its own `health_status` event.
    pub fn apply(&mut self, ev: &Event) -> Applied {
        let at = ev.at();
        let now = if at.is_zero() { self.last_event } else { at };
        if at > self.last_event {
            self.last_event = at;
        }
        let id = ev.id().to_owned();
        let action = match ev.container_action() {
            Some(action) if !id.is_empty() => action,
            _ => return self.unchanged(id, false),
        };
        match action {
            ContainerAction::Create => return self.apply_create(ev, now),
            ContainerAction::Destroy => {
                let before = self.store.get(&id).cloned();
                if let Some(entry) = self.entries.get_mut(&id) {
                    let read = entry
                        .reader
                        .event(action, None, 0, before.as_ref(), None, now);
                    self.note(&id, read);
                }
                // An unknown container that is gone has nothing left to inspect.
                return match self.drop_container(&id) {
                    Some(revision) => Applied {
                        revision,
                        id,
                        change: ChangeKind::Removed,
                        needs_inspect: false,
                    },
                    None => self.unchanged(id, false),
                };
            }
            ContainerAction::Rename => return self.apply_rename(ev, now),
            ContainerAction::ExecCreate | ContainerAction::ExecStart | ContainerAction::ExecDie => {
                return self.apply_exec(action, ev)
            }
            _ => {}
        }
        let Some(c) = self.store.get_mut(&id) else {
            return self.unchanged(id, true);
        };
        let before = c.clone();
        let needs_inspect = transition(c, action, ev, now);
        let after = c.clone();
        if let Some(entry) = self.entries.get_mut(&id) {
            let signal = ev.attribute("signal").and_then(signal_number);
            let read = entry.reader.event(
                action,
                signal,
                exit_code_of(ev),
                Some(&before),
                Some(&after),
                now,
            );
            self.note(&id, read);
        }
        if after == before {
            return self.unchanged(id, needs_inspect);
        }
        let revision = self.commit(&id, now);
        Applied {
            revision,
            id,
            change: ChangeKind::Updated,
            needs_inspect,
        }
    }

    fn apply_create(&mut self, ev: &Event, now: Time) -> Applied {
        let id = ev.id().to_owned();
        if self.store.get(&id).is_some() {
            return self.unchanged(id, true);
        }
        let mut c = Container::new_base(id.clone());
        c.created = now;
        for (key, value) in &ev.actor.attributes {
            match key.as_str() {
                "name" => c.name = slashed(value),
                "image" => c.config.image = value.clone(),
                _ => {
                    c.config.labels.insert(key.clone(), value.clone());
                }
            }
        }
        let name = c.name.clone();
        let mut entry = Entry::default();
        let read = entry
            .reader
            .event(ContainerAction::Create, None, 0, None, Some(&c), now);
        self.store.add(&id, c);
        self.entries.insert(id.clone(), entry);
        self.note(&id, read);
        self.claim_name(&id, &name);
        let revision = self.commit(&id, now);
        Applied {
            revision,
            id,
            change: ChangeKind::Created,
            needs_inspect: true,
        }
    }

    fn apply_rename(&mut self, ev: &Event, now: Time) -> Applied {
        let id = ev.id().to_owned();
        let new_name = match ev.attribute("name") {
            Some(n) if !n.is_empty() => slashed(n),
            _ => return self.unchanged(id, true),
        };
        let Some(c) = self.store.get_mut(&id) else {
            return self.unchanged(id, true);
        };
        if c.name == new_name {
            return self.unchanged(id, true);
        }
        c.name = new_name.clone();
        if let Some(old) = ev.attribute("oldName").filter(|n| !n.is_empty()) {
            self.release_name_of(&id, &slashed(old));
        }
        self.claim_name(&id, &new_name);
        let revision = self.commit(&id, now);
        Applied {
            revision,
            id,
            change: ChangeKind::Updated,
            needs_inspect: true,
        }
    }

    fn apply_exec(&mut self, action: ContainerAction, ev: &Event) -> Applied {
        let id = ev.id().to_owned();
        let Some(c) = self.store.get_mut(&id) else {
            return self.unchanged(id, true);
        };
        let exec_id = match ev.attribute("execID") {
            Some(e) if !e.is_empty() => e.to_owned(),
            _ => return self.unchanged(id, false),
        };
        let entry = self.entries.entry(id.clone()).or_default();
        if c.exec_commands.get(&exec_id).is_none() {
            let mut config = ExecConfig::new(exec_id.clone(), id.clone());
            if let Some(command) = ev.detail() {
                let mut words = command.split(' ').filter(|w| !w.is_empty());
                config.entrypoint = words.next().unwrap_or_default().to_owned();
                config.args = words.map(str::to_owned).collect();
            }
            c.exec_commands.add(exec_id.clone(), config);
            entry.execs.push_back(exec_id.clone());
            while entry.execs.len() > MAX_EXECS_PER_CONTAINER {
                if let Some(oldest) = entry.execs.pop_front() {
                    c.exec_commands.delete(&oldest);
                }
            }
        }
        if let Some(exec) = c.exec_commands.get_mut(&exec_id) {
            match action {
                ContainerAction::ExecStart => exec.running = true,
                ContainerAction::ExecDie => exec.set_exit_code(exit_code_of(ev)),
                _ => {}
            }
        }
        self.unchanged(id, false)
    }

    /// berth itself is about to ask the engine for `action` on container `id`: the transitions
    /// it makes are marked as berth's ([`By::Berth`](crate::lifecycle::By)), the others as
    /// another client's. With `asked` false: the engine refused it, it makes none.
    pub fn expect(&mut self, id: &str, action: Action, asked: bool) {
        if let Some(entry) = self.entries.get_mut(id) {
            entry.reader.expect(action, asked);
        }
    }

    /// The containers with no event since `now` less [`QUIET`] are quiet: the transitions
    /// held for the events that could still explain them (a `stop` after a `die`, a `restart`
    /// after a `start`) take the causes the events so far give, and a process that ends from
    /// then on did not end of a signal sent before (it ignored it). The host calls it every
    /// fraction of [`QUIET`] with the engine's time.
    pub fn settle(&mut self, now: Time) {
        let cutoff = now.add(crate::time::Duration(-QUIET.as_nanos()));
        let quiet: Vec<String> = self
            .holding
            .iter()
            .filter(|id| {
                self.entries
                    .get(*id)
                    .is_none_or(|e| e.reader.last <= cutoff)
            })
            .cloned()
            .collect();
        for id in quiet {
            self.holding.remove(&id);
            if let Some(entry) = self.entries.get_mut(&id) {
                let released = entry.reader.quiet();
                self.note(&id, released);
            }
        }
    }

    /// A change the view does not show (a host's entry of its own, such as a transition whose
    /// cause became known): bumps the revision. Returns the new one.
    pub fn touch(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    /// berth stopped reading the engine's events (the connection broke): the transitions held
    /// for events still to come take an unknown cause (what berth missed may have decided
    /// them).
    pub fn lost(&mut self) {
        self.holding.clear();
        let ids: Vec<String> = self.entries.keys().cloned().collect();
        for id in ids {
            if let Some(entry) = self.entries.get_mut(&id) {
                let released = entry.reader.lost();
                self.note(&id, released);
            }
        }
    }

    /// Whether some transitions wait for [`Model::settle`].
    pub fn holds_transitions(&self) -> bool {
        !self.holding.is_empty()
    }

    /// The transitions since the last drain, oldest first: each move of each container, with
    /// its cause as the engine's events tell it (see `model/causes.rs`), or
    /// [`Cause::Unknown`](crate::lifecycle::Cause::Unknown) for a move seen only in a record.
    /// At most the newest [`MAX_UNDRAINED_TRANSITIONS`].
    pub fn drain_transitions(&mut self) -> Vec<Transition> {
        std::mem::take(&mut self.transitions).into()
    }

    /// The latest transitions of container `id`, oldest first (at most
    /// [`TRANSITIONS_PER_CONTAINER`]).
    pub fn transitions_of(&self, id: &str) -> Vec<Transition> {
        self.entries
            .get(id)
            .map(|e| e.transitions.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The latest transition of container `id`.
    pub fn last_transition(&self, id: &str) -> Option<&Transition> {
        self.entries.get(id).and_then(|e| e.transitions.back())
    }

    /// Keeps the transitions the reader of `id` released, and notes whether it still holds
    /// some.
    fn note(&mut self, id: &str, released: Vec<Transition>) {
        let Some(entry) = self.entries.get_mut(id) else {
            return;
        };
        if entry.reader.waits() {
            self.holding.insert(id.to_owned());
        } else {
            self.holding.remove(id);
        }
        for t in released {
            entry.transitions.push_back(t.clone());
            while entry.transitions.len() > TRANSITIONS_PER_CONTAINER {
                entry.transitions.pop_front();
            }
            if self.transitions.len() == MAX_UNDRAINED_TRANSITIONS {
                self.transitions.pop_front();
            }
            self.transitions.push_back(t);
        }
    }

    fn unchanged(&self, id: String, needs_inspect: bool) -> Applied {
        Applied {
            revision: self.revision,
            id,
            change: ChangeKind::Ignored,
            needs_inspect,
        }
    }

    /// Bumps the revision for a change to `id` and checkpoints it into the view.
    fn commit(&mut self, id: &str, now: Time) -> u64 {
        self.revision += 1;
        let revision = self.revision;
        self.entries.entry(id.to_owned()).or_default().revision = revision;
        if let Some(c) = self.store.get(id) {
            // ViewDb::save cannot fail: it only inserts.
            let _ = c.checkpoint_to(&mut self.db, now);
        }
        revision
    }

    /// Reserves `name` for `id` (nothing for an empty name): a stale holder loses it, and the
    /// name `id` held before is released.
    fn claim_name(&mut self, id: &str, name: &str) {
        let previous = self.entries.get(id).and_then(|e| e.name.clone());
        if let Some(previous) = previous.filter(|p| p != name) {
            self.release_name_of(id, &previous);
        }
        if name.is_empty() {
            return;
        }
        if let Ok(holder) = self.db.snapshot().get_id(name) {
            if holder == id {
                return;
            }
            let _ = self.db.release_name(name);
            if let Some(e) = self.entries.get_mut(&holder) {
                e.name = None;
            }
        }
        if self.db.reserve_name(name, id).is_ok() {
            self.entries.entry(id.to_owned()).or_default().name = Some(name.to_owned());
        }
    }

    /// Releases `name` if `id` holds it.
    fn release_name_of(&mut self, id: &str, name: &str) {
        if self
            .db
            .snapshot()
            .get_id(name)
            .is_ok_and(|holder| holder == id)
        {
            let _ = self.db.release_name(name);
        }
        if let Some(e) = self.entries.get_mut(id) {
            if e.name.as_deref() == Some(name) {
                e.name = None;
            }
        }
    }
}

/// The event's `exitCode` attribute; absent or malformed reads as 0.
fn exit_code_of(ev: &Event) -> i64 {
    ev.attribute("exitCode")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0)
}

/// Applies a state-changing container action to `c` as the daemon did. Returns whether the host
/// should inspect the container to learn what the event does not carry.
fn transition(c: &mut Container, action: ContainerAction, ev: &Event, now: Time) -> bool {
    match action {
        ContainerAction::Start => {
            if c.state.restarting {
                // The restart policy's start: the manager's delay has elapsed.
                c.restart_manager().fire();
            } else {
                // `docker start` / `docker restart`: containerStart(resetRestartManager=true).
                c.reset_restart_manager(true);
                c.has_been_manually_stopped = false;
            }
            c.state.set_running(0, true, now);
            c.has_been_started_before = true;
            let has_check = c
                .config
                .healthcheck
                .as_ref()
                .is_some_and(|h| h.is_enabled());
            if has_check {
                // initHealthMonitor: the status restarts at `starting`, the log is kept.
                let health = c.state.health.get_or_insert_with(Health::default);
                health.set_status(HealthStatus::Starting);
                health.failing_streak = 0;
                health.monitor_open = true;
            }
            true
        }
        ContainerAction::Die => {
            if c.state.restarting {
                // The policy's start was missed: that restart did happen.
                c.restart_manager().fire();
            }
            let code = exit_code_of(ev);
            let ran_for = now.since(c.state.started_at);
            let manually_stopped = c.has_been_manually_stopped;
            let decision = c
                .restart_manager()
                .should_restart(code, manually_stopped, ran_for);
            let exit = ExitStatus::new(code, now);
            match decision {
                Ok(d) if d.restart => {
                    c.restart_count += 1;
                    c.state.set_restarting(exit, now);
                }
                _ => c.state.set_stopped(exit, now),
            }
            if let Some(h) = c.state.health.as_mut() {
                h.close_monitor();
            }
            // The engine's FinishedAt is containerd's exit time, which the event does not carry
            // (it is earlier than the event's time); and a die of a container the model did not
            // see running means its start was missed. Either way only an inspect is exact.
            true
        }
        ContainerAction::Kill => {
            let signal = ev.attribute("signal").and_then(signal_number);
            let stop_signal = &c.config.stop_signal;
            let cancels_restart = stop_signal.is_empty()
                || signal == Some(SIGKILL)
                || (signal.is_some() && signal == signal_number(stop_signal));
            c.has_been_manually_stopped = true;
            if cancels_restart {
                c.exit_on_next();
            }
            false
        }
        ContainerAction::Stop => {
            c.has_been_manually_stopped = true;
            if c.state.restarting {
                // Stopped while waiting for a policy restart: the manager is cancelled and the
                // container ends with the exit of its last run.
                c.exit_on_next();
                let exit = ExitStatus::new(c.state.exit_code, c.state.finished_at);
                c.state.set_stopped(exit, now);
                // The engine then reports the last run's exit time as FinishedAt, which the
                // model cannot know (it recorded the time of the restarting transition).
                true
            } else {
                // `stop` follows the `die`; still running means the model missed it.
                c.state.running
            }
        }
        ContainerAction::Oom => {
            c.state.set_oom_killed();
            false
        }
        ContainerAction::Pause => {
            if c.state.running && !c.state.restarting {
                c.state.set_paused();
                false
            } else {
                // The engine pauses only a running container: the model missed its start.
                true
            }
        }
        ContainerAction::Unpause => {
            c.state.set_unpaused();
            false
        }
        ContainerAction::HealthStatus => {
            match ev
                .detail()
                .and_then(|d| d.trim().parse::<HealthStatus>().ok())
            {
                Some(status) => {
                    let health = c.state.health.get_or_insert_with(Health::default);
                    health.set_status(status);
                    if status == HealthStatus::Healthy {
                        health.failing_streak = 0;
                    }
                    // Only a running monitor reports.
                    health.monitor_open = c.state.running && !c.state.restarting;
                }
                None => return true,
            }
            // The probe log and the failing streak come with an inspect.
            true
        }
        // `update` may change the restart policy or resources.
        ContainerAction::Other => ev.verb() == "update",
        ContainerAction::Restart
        | ContainerAction::Create
        | ContainerAction::Destroy
        | ContainerAction::Rename
        | ContainerAction::ExecCreate
        | ContainerAction::ExecStart
        | ContainerAction::ExecDie => false,
    }
}

/// Replaces `current`'s record with `incoming`, keeping what only the model knows. Returns
/// whether anything changed.
fn merge_record(current: &mut Container, mut incoming: Container, now: Time) -> bool {
    incoming.exec_commands = current.exec_commands.clone();
    incoming.has_been_manually_restarted = current.has_been_manually_restarted;
    incoming.has_been_manually_stopped |= current.has_been_manually_stopped;
    incoming.has_been_started_before |= current.has_been_started_before;
    incoming.restart_manager = current
        .restart_manager
        .clone()
        .filter(|rm| rm.policy == incoming.host_config.restart_policy)
        .map(|mut rm| {
            rm.restart_count = incoming.restart_count;
            rm
        });
    incoming.state.removed = current.state.removed;
    let monitor_open = incoming.state.running && !incoming.state.restarting;
    if let Some(h) = incoming.state.health.as_mut() {
        h.monitor_open = monitor_open;
    }
    if incoming == *current {
        return false;
    }
    let old = &current.state;
    let new = &incoming.state;
    let run_ended = old.running
        && !old.restarting
        && (!new.running || new.restarting || new.started_at != old.started_at);
    if run_ended {
        // A die the model did not see: wake the stop waiters with the engine's result.
        current.state.error = new.error.clone();
        current.state.exit_code = new.exit_code;
        let exit = ExitStatus::new(new.exit_code, new.finished_at);
        current.state.set_stopped(exit, now);
    }
    let data = std::mem::take(&mut incoming.state);
    copy_state_data(&mut current.state, data);
    let state = std::mem::take(&mut current.state);
    *current = incoming;
    current.state = state;
    true
}

/// Copies the stored fields of `src` into `dst`, keeping `dst`'s waiters and Removed flag.
fn copy_state_data(dst: &mut State, src: State) {
    dst.running = src.running;
    dst.paused = src.paused;
    dst.restarting = src.restarting;
    dst.oom_killed = src.oom_killed;
    dst.removal_in_progress = src.removal_in_progress;
    dst.dead = src.dead;
    dst.pid = src.pid;
    dst.exit_code = src.exit_code;
    dst.error = src.error;
    dst.started_at = src.started_at;
    dst.finished_at = src.finished_at;
    dst.health = src.health;
}
