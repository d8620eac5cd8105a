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

use berth_core::actions::Action;
use berth_core::api::ContainerInspect;
use berth_core::events::{ContainerAction, Event};
use berth_core::lifecycle::{Place, Transition};
use berth_core::model::{ChangeKind, Model};
use berth_core::state::StateKind;
use berth_core::time::Time;
use berth_core::view::View;
use berth_core::wire::{Change, TransitionMessage};
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
/// How often the mirror lets the model take the containers whose events paused for
/// [`berth_core::model::QUIET`] as done ([`Model::settle`]), so that their held transitions
/// get their causes.
pub const SETTLE_EVERY: Duration = Duration::from_millis(250);

/// One entry of the feed, serialized once (as the `data` of an SSE message) and shared by every
/// client: a change (a container's record after it changed, or its removal) or a transition
/// (a container's move, with its cause).
#[derive(Debug)]
pub struct ChangeRecord {
    /// The public revision of the entry; each entry has its own.
    pub revision: u64,
    /// The container's full ID.
    pub id: String,
    /// The SSE message type: `change` or `transition`.
    pub event: &'static str,
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
        ChangeRecord {
            revision,
            id,
            event: "change",
            json,
        }
    }

    fn transition(revision: u64, transition: Transition) -> ChangeRecord {
        let id = transition.id.clone();
        let message = TransitionMessage {
            revision,
            transition,
        };
        let json = Arc::from(serde_json::to_string(&message).unwrap_or_default());
        ChangeRecord {
            revision,
            id,
            event: "transition",
            json,
        }
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

    /// The message: `{"revision":…,"id":…,"container":<inspect document>|null,
    /// "after_outage_ms":…}` for a change, `{"revision":…,"transition":{…}}` for a transition.
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
    /// The latest transitions of each container, oldest first per container.
    pub transitions: Vec<Transition>,
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

    /// The containers now, their latest transitions and the revision they are at, read
    /// together.
    pub fn reading(&self) -> Reading {
        let inner = self.read();
        let view = inner.model.view();
        let transitions = view
            .iter()
            .flat_map(|s| inner.model.transitions_of(s.id()))
            .collect();
        Reading {
            revision: self.shared.base + inner.model.revision(),
            view,
            transitions,
        }
    }

    /// The last transition of container `id` (its full ID), if berth has seen it move.
    pub fn last_transition(&self, id: &str) -> Option<Transition> {
        self.read().model.last_transition(id).cloned()
    }

    /// berth itself is about to ask the engine for `action` on container `id`: the transition
    /// it makes is berth's ([`berth_core::lifecycle::By::Berth`]), not another client's; or
    /// (`asked` false) the engine refused it after all.
    pub fn expect(&self, id: &str, action: Action, asked: bool) {
        self.write().model.expect(id, action, asked);
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

    /// Records the change to `id` (after the model made it), found by a resync
    /// `after_outage` when given.
    ///
    /// A change that leaves the container's document as it was last recorded (the mirror's
    /// prediction from an event, undone by the engine's record) is not recorded again: a
    /// client sees each engine change once.
    fn record(&self, inner: &mut Inner, id: &str, after_outage: Option<Duration>) {
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
        let revision = self.next_revision(inner);
        let record = ChangeRecord::new(
            revision,
            id.to_owned(),
            inner.model.container(id),
            after_outage,
        );
        self.push(inner, record);
    }

    /// Records the transitions the model has found since the last call, each with its cause.
    fn record_transitions(&self, inner: &mut Inner) {
        for t in inner.model.drain_transitions() {
            let revision = self.next_revision(inner);
            self.push(inner, ChangeRecord::transition(revision, t));
        }
    }

    /// The public revision of the next entry of the feed: the model's, made new if an entry
    /// has it already (each entry has its own, so that a client resumes after the right one).
    fn next_revision(&self, inner: &mut Inner) -> u64 {
        let current = self.shared.base + inner.model.revision();
        if inner.ring.back().is_some_and(|r| r.revision >= current) {
            inner.model.touch();
        }
        self.shared.base + inner.model.revision()
    }

    fn push(&self, inner: &mut Inner, record: ChangeRecord) {
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
            inner.model.upsert(c, now);
            if inner.model.revision() != before {
                self.record(&mut inner, &id, after_outage);
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
            if inner.model.remove(&id, now).is_some() {
                self.record(&mut inner, &id, after_outage);
            }
        }
        self.record_transitions(&mut inner);
        self.publish(&inner);
    }

    /// Applies one event. A change the event alone settles is recorded and published at once;
    /// an event that needs an inspect returns its container's ID, for the change to be
    /// recorded once, with the engine's values, after the inspect
    /// ([`Mirror::record_latest`]): one engine change is one change in the feed, not the
    /// mirror's prediction and then the engine's record.
    fn apply(&self, event: &Event) -> Option<String> {
        let mut inner = self.write();
        let applied = inner.model.apply(event);
        let changed = applied.change != ChangeKind::Ignored;
        if changed {
            inner.last_change_event = inner.last_change_event.max(event.at());
        }
        if applied.needs_inspect {
            // Its transitions are recorded after the change, once the inspect confirmed it.
            return Some(applied.id);
        }
        if changed {
            self.record(&mut inner, &applied.id, None);
        }
        self.record_transitions(&mut inner);
        self.publish(&inner);
        None
    }

    /// Lets the model settle the containers whose events paused (see [`SETTLE_EVERY`]) and
    /// records the transitions that got their causes.
    fn settle(&self, now: Time) {
        let mut inner = self.write();
        inner.model.settle(now);
        self.record_transitions(&mut inner);
        self.publish(&inner);
    }

    /// The engine's events stopped (the connection broke): the transitions held for events
    /// still to come are recorded with unknown causes.
    fn lost(&self) {
        let mut inner = self.write();
        inner.model.lost();
        self.record_transitions(&mut inner);
        self.publish(&inner);
    }

    /// Whether the model holds transitions for events still to come.
    fn holds_transitions(&self) -> bool {
        self.read().model.holds_transitions()
    }

    /// Whether container `id` has a health check (so its probes' results are worth reading).
    fn has_health_check(&self, id: &str) -> bool {
        self.read()
            .model
            .container(id)
            .is_some_and(|c| c.state.health.is_some())
    }

    /// Records container `id` as it is now (unless that document is recorded already), then
    /// the transitions found meanwhile.
    fn record_latest(&self, id: &str) {
        let mut inner = self.write();
        if inner.model.container(id).is_some() {
            self.record(&mut inner, id, None);
        }
        self.record_transitions(&mut inner);
        self.publish(&inner);
    }

    /// Applies the engine's record of a container. Returns whether it changed anything.
    fn upsert(&self, container: Container, now: Time) -> bool {
        let mut inner = self.write();
        let id = container.id.clone();
        let before = inner.model.revision();
        inner.model.upsert(container, now);
        let changed = inner.model.revision() != before;
        if changed {
            self.record(&mut inner, &id, None);
        }
        self.record_transitions(&mut inner);
        self.publish(&inner);
        changed
    }

    /// Where container `id` is, as the mirror has it (`None`: it does not have it).
    fn place_of(&self, id: &str) -> Option<Place> {
        self.read()
            .model
            .container(id)
            .map(|c| Place::State(c.state.kind()))
    }

    /// Applies what an inspect found.
    fn apply_record(&self, record: Record, now: Time) {
        match record {
            Record::Found(container) => {
                let id = container.id.clone();
                self.upsert(*container, now);
                self.mark(&id, None);
            }
            Record::Gone(id) => {
                self.remove(&id, now);
                self.mark(&id, None);
            }
        }
    }

    /// Applies a container's removal. Returns whether the mirror had it.
    fn remove(&self, id: &str, now: Time) -> bool {
        let mut inner = self.write();
        if inner.model.remove(id, now).is_none() {
            return false;
        }
        self.record(&mut inner, id, None);
        self.record_transitions(&mut inner);
        self.publish(&inner);
        true
    }
}

/// How long a record that shows a move waits for the engine's events of it (Engine 20.10 sends
/// them within milliseconds of the move).
pub const AWAIT_EVENTS: Duration = Duration::from_secs(1);

/// What an inspect found.
enum Record {
    /// The container's record.
    Found(Box<Container>),
    /// No such container (the ID).
    Gone(String),
}

impl Record {
    fn id(&self) -> &str {
        match self {
            Record::Found(c) => &c.id,
            Record::Gone(id) => id,
        }
    }

    /// Where it is: `None` when gone.
    fn place(&self) -> Option<Place> {
        match self {
            Record::Found(c) => Some(Place::State(c.state.kind())),
            Record::Gone(_) => None,
        }
    }
}

/// A record waiting for the engine's events, and who waits for it to be applied.
struct Awaited {
    record: Record,
    done: Option<oneshot::Sender<()>>,
    until: tokio::time::Instant,
}

impl Awaited {
    fn new(record: Record, done: Option<oneshot::Sender<()>>) -> Awaited {
        Awaited {
            record,
            done,
            until: tokio::time::Instant::now() + AWAIT_EVENTS,
        }
    }

    /// Applies the record and tells whoever waits.
    fn apply(self, mirror: &Mirror, now: Time) {
        let id = self.record.id().to_owned();
        mirror.apply_record(self.record, now);
        mirror.record_latest(&id);
        if let Some(done) = self.done {
            let _ = done.send(());
        }
    }
}

/// The earliest deadline of `awaited` (now when empty).
fn next_deadline(awaited: &[Awaited]) -> tokio::time::Instant {
    awaited
        .iter()
        .map(|a| a.until)
        .min()
        .unwrap_or_else(tokio::time::Instant::now)
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
            self.mirror.lost();
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
        // Records that show what the events have not yet (an inspect is often ahead of the
        // stream): each waits for the events, which tell the cause of the move, or for
        // AWAIT_EVENTS.
        let mut awaited: Vec<Awaited> = Vec::new();
        let mut refresh = tokio::time::interval(HEALTH_REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut settle_tick = tokio::time::interval(SETTLE_EVERY);
        settle_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                        if event.at() <= listed_at {
                            if !event.id().is_empty() {
                                if let Err(e) = self.confirm(event.id()).await {
                                    return (e, ran_for());
                                }
                            }
                            continue;
                        }
                        let pending = self.mirror.apply(&event);
                        // An operation of berth's whose events are now in: its confirmation
                        // is done.
                        let (arrived, rest): (Vec<_>, Vec<_>) =
                            std::mem::take(&mut awaited).into_iter().partition(|a| {
                                a.record.id() == event.id()
                                    && self.mirror.place_of(event.id()) == a.record.place()
                            });
                        awaited = rest;
                        for a in arrived {
                            a.apply(&self.mirror, engine.now());
                        }
                        if let Some(id) = pending {
                            match self.confirm_ahead(&id).await {
                                // The record shows more than the events so far: it waits for
                                // them, which tell why.
                                Ok(Some(record)) => awaited.push(Awaited::new(record, None)),
                                // The engine's record agreed with what the event did: record
                                // the change now, once, then the transitions it made.
                                Ok(None) => self.mirror.record_latest(&id),
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
                _ = settle_tick.tick(), if self.mirror.holds_transitions() => {
                    self.mirror.settle(engine.now());
                }
                _ = refresh.tick(), if !probed.is_empty() => {
                    for id in std::mem::take(&mut probed) {
                        if let Err(e) = self.confirm(&id).await {
                            return (e, ran_for());
                        }
                    }
                }
                Some(request) = self.confirms.recv() => {
                    match self.confirm_ahead(&request.id).await {
                        Ok(Some(record)) => awaited.push(Awaited::new(record, Some(request.done))),
                        Ok(None) => {
                            let _ = request.done.send(());
                        }
                        Err(e) => {
                            let _ = request.done.send(());
                            return (e, ran_for());
                        }
                    }
                }
                () = tokio::time::sleep_until(next_deadline(&awaited)), if !awaited.is_empty() => {
                    let now = tokio::time::Instant::now();
                    let (due, rest): (Vec<_>, Vec<_>) =
                        std::mem::take(&mut awaited).into_iter().partition(|a| a.until <= now);
                    awaited = rest;
                    for a in due {
                        // The events never came: the engine's record now says where it is
                        // (the one awaited may be stale), and the cause of the move stays
                        // unknown.
                        let result = self.confirm(a.record.id()).await;
                        if let Some(done) = a.done {
                            let _ = done.send(());
                        }
                        if let Err(e) = result {
                            return (e, ran_for());
                        }
                    }
                }
            }
        }
    }

    /// Inspects `id`. If the engine's record shows a move the events have not yet shown (it is
    /// often ahead of the stream: a crash loop's `die` already restarting, a `--rm` container
    /// already gone), returns it, to be applied once the events have arrived and told the
    /// cause; otherwise applies it as [`Follower::confirm`] does.
    async fn confirm_ahead(&self, id: &str) -> Result<Option<Record>, EngineError> {
        let engine = self.mirror.engine();
        let record = match engine.inspect(id).await {
            Ok(container) => Record::Found(Box::new(container)),
            Err(e) if e.is_not_found() => Record::Gone(id.to_owned()),
            Err(_) => {
                self.confirm(id).await?;
                return Ok(None);
            }
        };
        let ahead = self
            .mirror
            .place_of(id)
            .is_some_and(|known| Some(known) != record.place());
        if ahead {
            return Ok(Some(record));
        }
        self.mirror.apply_record(record, engine.now());
        Ok(None)
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
