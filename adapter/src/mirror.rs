//! The mirror: a live copy of an engine's containers in the core's [`Model`], kept equal to the
//! engine by listing, following its events (each confirmed with an inspect where the event does
//! not carry everything), and resyncing by diff after every reconnect.
//!
//! Every change gets a revision. Public revisions are the model's revision plus a base taken
//! from the launch time in milliseconds, so they increase for the life of one berth process and
//! a client resuming against a restarted berth (whose revisions would otherwise start again at
//! 0) is behind the new floor and gets a full snapshot instead of a wrong diff. A bounded ring of
//! recent changes lets SSE clients resume from a revision; a `watch` channel wakes them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use berth_core::api::ContainerInspect;
use berth_core::events::{ContainerAction, Event};
use berth_core::model::{ChangeKind, Model};
use berth_core::state::StateKind;
use berth_core::time::Time;
use berth_core::view::View;
use berth_core::wire::Change;
use berth_core::Container;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};

use crate::engine::{Engine, EngineError, EngineInfo, Listing};

/// How many recent changes the mirror keeps for clients that resume (a client further behind
/// gets a snapshot). Each is kept as its serialized message only, a few kB.
pub const RING_CAPACITY: usize = 1024;
/// First delay before a reconnect to an engine that answered but failed (its event stream
/// broke, or it answered the list with an error).
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// How much longer each next delay is, up to [`BACKOFF_MAX`].
pub const BACKOFF_FACTOR: u32 = 3;
/// Longest delay between reconnects to an engine that answers but fails.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long the event stream must have run before a failure starts the delays again from
/// [`BACKOFF_MIN`]: an engine that drops every stream right after connecting is retried ever
/// more slowly, not several times a second.
pub const HEALTHY_AFTER: Duration = Duration::from_secs(30);
/// After a stream that broke at once, how long the next must hold (or deliver an event) before
/// berth calls the engine connected, so that an engine whose streams break at once does not
/// flip the status to and fro.
pub const SETTLE: Duration = Duration::from_secs(1);
/// How often an engine that does not answer at all is checked (`/_ping`); berth reconnects as
/// soon as it answers.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How often the health logs of the containers whose probes ran are read again: a probe that
/// does not change the health status says so in no event, only in the inspect document's
/// `State.Health.Log`; each container is inspected at most once a period, however many probes
/// it ran.
pub const HEALTH_REFRESH: Duration = Duration::from_secs(1);
/// How far before the list the event stream is asked to start (`since`), so that an event the
/// engine logged around the list is not lost to clock differences. An event from before the
/// list is not applied (the list is newer): its container is inspected instead.
pub const EVENTS_MARGIN: berth_core::time::Duration = berth_core::time::Duration::from_secs(1);

/// One change: a container's record after it changed, or its removal, serialized once (as the
/// `data` of an SSE `change` message) and shared by every client.
#[derive(Debug)]
pub struct ChangeRecord {
    /// The public revision of the change.
    pub revision: u64,
    /// The container's full ID.
    pub id: String,
    json: Arc<str>,
}

impl ChangeRecord {
    fn new(
        revision: u64,
        id: String,
        container: Option<&Container>,
        after_outage: Option<Duration>,
    ) -> ChangeRecord {
        let message = Change {
            revision,
            id: id.clone(),
            container: container.map(ContainerInspect::of),
            after_outage_ms: after_outage.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        };
        let json = Arc::from(serde_json::to_string(&message).unwrap_or_default());
        ChangeRecord { revision, id, json }
    }

    /// What a client sees of `container` (its inspect document), as a digest.
    fn digest(container: Option<&Container>) -> u64 {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        serde_json::to_string(&container.map(ContainerInspect::of))
            .unwrap_or_default()
            .hash(&mut hasher);
        hasher.finish()
    }

    /// `{"revision":…,"id":…,"container":<inspect document>|null[,"after_outage_ms":…]}`.
    pub fn json(&self) -> Arc<str> {
        self.json.clone()
    }
}

/// What a client that has seen everything up to a revision needs next.
#[derive(Debug)]
pub enum CatchUp {
    /// The changes after it, oldest first (possibly none).
    Changes(Vec<Arc<ChangeRecord>>),
    /// It is too far behind (or from another berth process): it needs a full snapshot.
    Snapshot,
}

/// What wakes followers: the revision and a counter of status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tick {
    /// The latest public revision.
    pub revision: u64,
    /// Bumped whenever the connection status changes.
    pub status: u64,
}

/// The connection to the engine, as the mirror sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ConnectionStatus {
    /// Following the engine's events now.
    pub connected: bool,
    /// Since when the connection has been in its current state (`None` before the first try).
    pub since: Option<Time>,
    /// Why the engine is not followed now (`None` while connected).
    pub last_error: Option<String>,
    /// What the engine said about itself at the last connect.
    pub info: Option<EngineInfo>,
    /// The first full list has been applied.
    pub synced: bool,
    /// Containers whose records the engine gave but berth could not read (malformed, too
    /// large): ID → why. Each is kept at its last good record; the next good one clears it.
    pub unreadable: BTreeMap<String, String>,
}

/// A consistent reading of the mirror.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The public revision the view is at.
    pub revision: u64,
    /// The containers.
    pub view: View,
}

/// The status the engine endpoint reports.
#[derive(Debug, Clone)]
pub struct MirrorStatus {
    /// The connection.
    pub connection: ConnectionStatus,
    /// The public revision.
    pub revision: u64,
    /// The time of the last event that changed a container, if any: what every tab of the web
    /// app can know too (an exec, a health probe's, changes nothing they are sent).
    pub last_event_time: Option<Time>,
    /// Containers per state (all seven).
    pub counts: BTreeMap<StateKind, usize>,
}

struct Inner {
    model: Model,
    ring: VecDeque<Arc<ChangeRecord>>,
    /// Revisions at or below this may be missing from the ring.
    floor: u64,
    status: ConnectionStatus,
    status_counter: u64,
    /// The time of the last event that changed a container.
    last_change_event: Time,
    /// The digest of each container's last recorded document ([`ChangeRecord::digest`]).
    recorded: HashMap<String, u64>,
}

struct Shared {
    engine: Arc<dyn Engine>,
    base: u64,
    inner: RwLock<Inner>,
    tick: watch::Sender<Tick>,
    confirm: mpsc::UnboundedSender<ConfirmRequest>,
}

struct ConfirmRequest {
    id: String,
    done: oneshot::Sender<()>,
}

/// A handle on the mirror (cheap to clone).
#[derive(Clone)]
pub struct Mirror {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mirror({})", self.shared.engine.kind())
    }
}

impl Mirror {
    /// Starts mirroring `engine` on the current tokio runtime: the first list, then events,
    /// reconnecting for as long as the runtime runs.
    pub fn start(engine: Arc<dyn Engine>) -> Mirror {
        let base = crate::engine::system_now()
            .unix_nanos()
            .and_then(|n| u64::try_from(n / 1_000_000).ok())
            .unwrap_or(0);
        let (tick, _) = watch::channel(Tick {
            revision: base,
            status: 0,
        });
        let (confirm_tx, confirm_rx) = mpsc::unbounded_channel();
        let mirror = Mirror {
            shared: Arc::new(Shared {
                engine,
                base,
                inner: RwLock::new(Inner {
                    model: Model::new(),
                    ring: VecDeque::new(),
                    floor: base,
                    status: ConnectionStatus::default(),
                    status_counter: 0,
                    last_change_event: Time::default(),
                    recorded: HashMap::new(),
                }),
                tick,
                confirm: confirm_tx,
            }),
        };
        tokio::spawn(Follower::new(mirror.clone(), confirm_rx).run());
        mirror
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.shared
            .inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.shared
            .inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The engine mirrored.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.shared.engine
    }

    /// The containers now. Time: O(1).
    pub fn view(&self) -> View {
        self.read().model.view()
    }

    /// The containers now and the revision they are at, read together.
    pub fn reading(&self) -> Reading {
        let inner = self.read();
        Reading {
            revision: self.shared.base + inner.model.revision(),
            view: inner.model.view(),
        }
    }

    /// The public revision now.
    pub fn revision(&self) -> u64 {
        self.shared.base + self.read().model.revision()
    }

    /// The connection status.
    pub fn connection(&self) -> ConnectionStatus {
        self.read().status.clone()
    }

    /// Everything the engine endpoint reports.
    pub fn status(&self) -> MirrorStatus {
        let inner = self.read();
        let last = inner.last_change_event;
        MirrorStatus {
            connection: inner.status.clone(),
            revision: self.shared.base + inner.model.revision(),
            last_event_time: (!last.is_zero()).then_some(last),
            counts: inner.model.counts(),
        }
    }

    /// What a client at public revision `since` needs next.
    pub fn catch_up(&self, since: u64) -> CatchUp {
        let inner = self.read();
        let current = self.shared.base + inner.model.revision();
        if since > current || since < inner.floor {
            return CatchUp::Snapshot;
        }
        let start = inner.ring.partition_point(|r| r.revision <= since);
        CatchUp::Changes(inner.ring.iter().skip(start).cloned().collect())
    }

    /// A receiver that sees every new revision and status change.
    pub fn subscribe(&self) -> watch::Receiver<Tick> {
        self.shared.tick.subscribe()
    }

    /// Waits until the first list is applied, at most `timeout`. Returns whether it was.
    pub async fn synced(&self, timeout: Duration) -> bool {
        let mut rx = self.subscribe();
        let wait = async {
            loop {
                if self.read().status.synced {
                    return;
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
        self.read().status.synced
    }

    /// Asks the follower to inspect container `id` now and apply the engine's record (or its
    /// removal), and waits for that, at most `timeout`. Used after an action so that a client
    /// reads its own writes. Returns at once when the engine is not connected.
    pub async fn confirm(&self, id: &str, timeout: Duration) {
        if !self.read().status.connected {
            return;
        }
        let (done, rx) = oneshot::channel();
        let request = ConfirmRequest {
            id: id.to_owned(),
            done,
        };
        if self.shared.confirm.send(request).is_ok() {
            let _ = tokio::time::timeout(timeout, rx).await;
        }
    }

    fn publish(&self, inner: &Inner) {
        let tick = Tick {
            revision: self.shared.base + inner.model.revision(),
            status: inner.status_counter,
        };
        self.shared.tick.send_replace(tick);
    }

    /// Records the change to `id` at model revision `revision` (after the model made it),
    /// found by a resync `after_outage` when given.
    ///
    /// A change that leaves the container's document as it was last recorded (the mirror's
    /// prediction from an event, undone by the engine's record) is not recorded again: a
    /// client sees each engine change once.
    fn record(&self, inner: &mut Inner, revision: u64, id: &str, after_outage: Option<Duration>) {
        let container = inner.model.container(id);
        let digest = ChangeRecord::digest(container);
        if inner.recorded.get(id) == Some(&digest) {
            return;
        }
        if container.is_some() {
            inner.recorded.insert(id.to_owned(), digest);
        } else {
            inner.recorded.remove(id);
        }
        let record = ChangeRecord::new(
            self.shared.base + revision,
            id.to_owned(),
            inner.model.container(id),
            after_outage,
        );
        inner.ring.push_back(Arc::new(record));
        while inner.ring.len() > RING_CAPACITY {
            if let Some(old) = inner.ring.pop_front() {
                inner.floor = old.revision;
            }
        }
    }

    fn set_status(&self, f: impl FnOnce(&mut ConnectionStatus)) {
        let mut inner = self.write();
        let before = inner.status.clone();
        f(&mut inner.status);
        if inner.status != before {
            inner.status_counter += 1;
            self.publish(&inner);
        }
    }

    /// Marks the engine connected, now, with no error.
    fn connected(&self, engine: &dyn Engine) {
        tracing::info!(engine = engine.kind(), "following the engine's events");
        let now = engine.now();
        self.set_status(|s| {
            s.connected = true;
            s.since = Some(now);
            s.last_error = None;
        });
    }

    /// Marks container `id` unreadable for `why`, or (`None`) clears its mark.
    fn mark(&self, id: &str, why: Option<String>) {
        self.set_status(|s| match why {
            Some(why) => {
                s.unreadable.insert(id.to_owned(), why);
            }
            None => {
                s.unreadable.remove(id);
            }
        });
    }

    /// Makes the model equal to the engine's full list; a container whose record could not be
    /// read keeps its last good one, marked. The changes it finds are recorded once each,
    /// marked as found `after_outage` when given.
    fn resync(&self, listing: Listing, now: Time, after_outage: Option<Duration>) {
        let Listing {
            containers,
            unreadable,
        } = listing;
        self.set_status(|s| s.unreadable.clone_from(&unreadable));
        let mut inner = self.write();
        let present: HashSet<String> = containers
            .iter()
            .map(|c| c.id.clone())
            .chain(unreadable.into_keys())
            .collect();
        for c in containers {
            let id = c.id.clone();
            let before = inner.model.revision();
            let revision = inner.model.upsert(c, now);
            if inner.model.revision() != before {
                self.record(&mut inner, revision, &id, after_outage);
            }
        }
        let absent: Vec<String> = inner
            .model
            .view()
            .iter()
            .map(|s| s.id().to_owned())
            .filter(|id| !present.contains(id))
            .collect();
        for id in absent {
            if let Some(revision) = inner.model.remove(&id, now) {
                self.record(&mut inner, revision, &id, after_outage);
            }
        }
        self.publish(&inner);
    }

    /// Applies one event. A change the event alone settles is recorded and published at once;
    /// an event that needs an inspect returns its container (and whether the event changed
    /// it), to be recorded once, with the engine's values, after the inspect
    /// ([`Mirror::record_latest`]): one engine change is one change in the feed, not the
    /// mirror's prediction and then the engine's record.
    fn apply(&self, event: &Event) -> Option<Pending> {
        let mut inner = self.write();
        let applied = inner.model.apply(event);
        let changed = applied.change != ChangeKind::Ignored;
        if changed {
            inner.last_change_event = inner.last_change_event.max(event.at());
        }
        if applied.needs_inspect {
            return Some(Pending {
                id: applied.id,
                changed,
            });
        }
        if changed {
            self.record(&mut inner, applied.revision, &applied.id, None);
            self.publish(&inner);
        }
        None
    }

    /// Whether container `id` has a health check (so its probes' results are worth reading).
    fn has_health_check(&self, id: &str) -> bool {
        self.read()
            .model
            .container(id)
            .is_some_and(|c| c.state.health.is_some())
    }

    /// Records container `id` as it is now, unless its latest revision is recorded already.
    fn record_latest(&self, id: &str) {
        let mut inner = self.write();
        let Some(revision) = inner.model.revision_of(id) else {
            return;
        };
        let public = self.shared.base + revision;
        if inner.ring.back().is_some_and(|r| r.revision >= public) {
            return;
        }
        self.record(&mut inner, revision, id, None);
        self.publish(&inner);
    }

    /// Applies the engine's record of a container. Returns whether it changed anything.
    fn upsert(&self, container: Container, now: Time) -> bool {
        let mut inner = self.write();
        let id = container.id.clone();
        let before = inner.model.revision();
        let revision = inner.model.upsert(container, now);
        let changed = inner.model.revision() != before;
        if changed {
            self.record(&mut inner, revision, &id, None);
            self.publish(&inner);
        }
        changed
    }

    /// Applies a container's removal. Returns whether the mirror had it.
    fn remove(&self, id: &str, now: Time) -> bool {
        let mut inner = self.write();
        let Some(revision) = inner.model.remove(id, now) else {
            return false;
        };
        self.record(&mut inner, revision, id, None);
        self.publish(&inner);
        true
    }
}

/// An event's change waiting for the inspect that confirms it.
struct Pending {
    /// The container.
    id: String,
    /// Whether the event changed it.
    changed: bool,
}

/// The task that follows the engine.
struct Follower {
    mirror: Mirror,
    confirms: mpsc::UnboundedReceiver<ConfirmRequest>,
}

impl Follower {
    fn new(mirror: Mirror, confirms: mpsc::UnboundedReceiver<ConfirmRequest>) -> Follower {
        Follower { mirror, confirms }
    }

    async fn run(mut self) {
        let mut backoff = BACKOFF_MIN;
        // Whether the last stream broke within SETTLE of starting: the next one must then hold
        // for SETTLE before berth calls the engine connected.
        let mut on_probation = false;
        // Since when the engine has been lost (`None` before the first connection).
        let mut lost_at: Option<tokio::time::Instant> = None;
        loop {
            let outage = lost_at.map(|t| t.elapsed());
            let (error, ran_for) = self.follow(on_probation, outage).await;
            on_probation = ran_for.is_some_and(|d| d < SETTLE);
            if self.mirror.connection().connected {
                lost_at = Some(tokio::time::Instant::now());
            }
            tracing::warn!(%error, "lost the engine");
            let engine_now = self.mirror.engine().now();
            self.mirror.set_status(|s| {
                if s.connected || s.since.is_none() {
                    s.since = Some(engine_now);
                }
                s.connected = false;
                s.last_error = Some(error.to_string());
            });
            // Answer pending confirmations at once: there is nothing to confirm against.
            while let Ok(request) = self.confirms.try_recv() {
                let _ = request.done.send(());
            }
            match ran_for {
                // Not even its version: wait for the engine to answer a ping, checking every
                // second, and connect as soon as it does.
                None if matches!(error, EngineError::Connection(_)) => self.probe().await,
                ran_for => {
                    if ran_for.is_some_and(|d| d >= HEALTHY_AFTER) {
                        backoff = BACKOFF_MIN;
                    }
                    tracing::info!("reconnecting in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * BACKOFF_FACTOR).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// Returns once the engine answers a ping, trying every [`PROBE_EVERY`].
    async fn probe(&self) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if self.mirror.engine().ping().await.is_ok() {
                return;
            }
        }
    }

    /// One connection: version, list, events. Returns why it ended, and for how long the event
    /// stream ran (`None` when it never started). On `probation`, the engine is called
    /// connected only once the stream has held for [`SETTLE`] or delivered an event. The
    /// changes the list shows are marked as found after an `outage` of that long, if any.
    async fn follow(
        &mut self,
        probation: bool,
        outage: Option<Duration>,
    ) -> (EngineError, Option<Duration>) {
        let engine = self.mirror.engine().clone();
        let info = match engine.version().await {
            Ok(info) => info,
            Err(e) => return (e, None),
        };
        let listed_at = engine.now();
        let listing = match engine.list().await {
            Ok(listing) => listing,
            Err(e) => return (e, None),
        };
        let since = listed_at.add(berth_core::time::Duration(-EVENTS_MARGIN.as_nanos()));
        let mut events = match engine.events(Some(since)).await {
            Ok(stream) => stream,
            Err(e) => return (e, None),
        };
        self.mirror.resync(listing, engine.now(), outage);
        self.mirror.set_status(|s| {
            s.info = Some(info);
            s.synced = true;
        });
        let started = tokio::time::Instant::now();
        let ran_for = || Some(started.elapsed());
        let settle = tokio::time::sleep(SETTLE);
        tokio::pin!(settle);
        let mut settled = !probation;
        if settled {
            self.mirror.connected(engine.as_ref());
        }
        // Containers whose health probes ran since the last refresh.
        let mut probed: BTreeSet<String> = BTreeSet::new();
        let mut refresh = tokio::time::interval(HEALTH_REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                next = events.next() => match next {
                    Some(Ok(event)) => {
                        if !std::mem::replace(&mut settled, true) {
                            self.mirror.connected(engine.as_ref());
                        }
                        if event.container_action() == Some(ContainerAction::ExecDie)
                            && self.mirror.has_health_check(event.id())
                        {
                            probed.insert(event.id().to_owned());
                        }
                        // The list is newer than what the engine replays from before it: such an
                        // event must not move the container back; an inspect says where it is.
                        let pending = if event.at() <= listed_at {
                            Some(Pending {
                                id: event.id().to_owned(),
                                changed: false,
                            })
                            .filter(|p| !p.id.is_empty())
                        } else {
                            self.mirror.apply(&event)
                        };
                        if let Some(pending) = pending {
                            match self.confirm(&pending.id).await {
                                // The event changed the container and the engine's record
                                // agreed with it: record the change now, once.
                                Ok(false) if pending.changed => {
                                    self.mirror.record_latest(&pending.id);
                                }
                                Ok(_) => {}
                                Err(e) => return (e, ran_for()),
                            }
                        }
                    }
                    Some(Err(e)) => return (e, ran_for()),
                    None => {
                        let e = EngineError::Connection("the event stream ended".to_owned());
                        return (e, ran_for());
                    }
                },
                () = &mut settle, if !settled => {
                    settled = true;
                    self.mirror.connected(engine.as_ref());
                }
                _ = refresh.tick(), if !probed.is_empty() => {
                    for id in std::mem::take(&mut probed) {
                        if let Err(e) = self.confirm(&id).await {
                            return (e, ran_for());
                        }
                    }
                }
                Some(request) = self.confirms.recv() => {
                    let result = self.confirm(&request.id).await;
                    let _ = request.done.send(());
                    if let Err(e) = result {
                        return (e, ran_for());
                    }
                }
            }
        }
    }

    /// Inspects `id` and applies what the engine says: its record, or its removal on 404. A
    /// record berth cannot read marks the container and keeps its last good one. Returns
    /// whether a change was recorded.
    async fn confirm(&self, id: &str) -> Result<bool, EngineError> {
        let engine = self.mirror.engine();
        match engine.inspect(id).await {
            Ok(container) => {
                let changed = self.mirror.upsert(container, engine.now());
                self.mirror.mark(id, None);
                Ok(changed)
            }
            Err(e) if e.is_not_found() => {
                let removed = self.mirror.remove(id, engine.now());
                self.mirror.mark(id, None);
                Ok(removed)
            }
            Err(e @ EngineError::Connection(_)) => Err(e),
            Err(e) => {
                tracing::warn!(%id, error = %e, "cannot read the container's record");
                self.mirror.mark(id, Some(e.to_string()));
                Ok(false)
            }
        }
    }
}
