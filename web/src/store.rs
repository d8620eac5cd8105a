//! The dashboard's one store: the core's [`Model`] fed by the SSE stream, the [`View`] every page
//! reads, the connection's state and freshness, the history ring the scrubber replays and each
//! container's transitions. One [`Msg`] enum, one [`Reducible`] implementation, provided by context
//! ([`use_dash`]). Pure: no DOM, so it is tested natively (`web/tests/store.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use berth_core::api::ContainerInspect;
use berth_core::container::{truncate_id, Container};
use berth_core::lifecycle::Transition;
use berth_core::state::StateKind;
use berth_core::time::Time;
use berth_core::view::View;
use berth_core::wire::EngineStatus;
use berth_core::Model;
use yew::{hook, use_context, Reducible, UseReducerHandle};

use crate::narrate::describe_change;

/// The store as every component gets it: [`crate::app::App`] provides it by context.
pub type DashContext = UseReducerHandle<Dash>;

/// The store. Every component below [`crate::app::App`] has it.
#[hook]
pub fn use_dash() -> DashContext {
    use_context::<DashContext>().expect("use_dash is called below App, which provides the store")
}

/// How many past views the history ring keeps.
pub const HISTORY_LEN: usize = 500;
/// How many transitions the store keeps per container.
pub const TRANSITIONS_LEN: usize = 50;

/// The state of the link to berth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Nothing attempted yet (e.g. only the lab was opened).
    Idle,
    /// Opening the stream (first time or after a drop).
    Connecting,
    /// The stream is open and data is live.
    Live,
    /// The stream dropped at the given (browser) time; the data shown is as of the last event.
    Stale {
        /// When the drop was noticed.
        since: Time,
    },
    /// berth cannot be reached, or answered with an error.
    Failed {
        /// What went wrong, for the user.
        reason: String,
    },
    /// berth refused this browser's token (none, or not this launch's): the pages offer the
    /// sign-in field.
    SignedOut,
}

impl Connection {
    /// Whether the data shown is live.
    pub fn is_live(&self) -> bool {
        matches!(self, Connection::Live)
    }
}

/// One step of the history ring: the whole list as it was after a change.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// berth's revision after the change.
    pub revision: u64,
    /// The engine's time of the change (as the browser estimates it).
    pub at: Time,
    /// The list then (shares structure with its neighbours).
    pub view: View,
    /// The IDs that changed in this step.
    pub changed: Vec<String>,
    /// What happened, in words (one line per changed container).
    pub summary: Vec<String>,
}

/// The banner shown after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// An error (the engine refused) rather than information.
    pub error: bool,
    /// The text.
    pub text: String,
    /// The page of the action: the banner shows there only.
    pub page: crate::route::Route,
}

/// The store.
#[derive(Clone)]
pub struct Dash {
    /// The core's mirror, by value: a clone is O(1) (persistent maps), so each state of the
    /// store has its own and the previous one is left as it was.
    model: Model,
    /// The list as of [`Dash::revision`]; O(1) to clone.
    pub view: View,
    /// berth's revision the view is at (0 before the first snapshot).
    pub revision: u64,
    /// Whether a snapshot has arrived.
    pub loaded: bool,
    /// The link to berth.
    pub connection: Connection,
    /// The engine's status (`GET /api/engine`, `event: engine`).
    pub engine: Option<EngineStatus>,
    /// Engine clock minus browser clock, in milliseconds (status texts are rendered at engine
    /// time).
    pub clock_offset_ms: i64,
    /// The browser's clock at the last tick, in Unix milliseconds.
    pub browser_ms: i64,
    /// When (browser clock) the last message of the stream arrived.
    pub last_message: Option<Time>,
    /// When (engine time, as estimated at arrival) the last change arrived.
    pub last_change: Option<Time>,
    /// The ring of past views, oldest first.
    pub history: im::Vector<Rc<HistoryEntry>>,
    /// Each container's transitions with their causes, as berth read them from the engine's
    /// events, oldest first (at most [`TRANSITIONS_LEN`]).
    pub transitions: im::HashMap<String, im::Vector<Transition>>,
    /// The containers ticked for a bulk action.
    pub selection: Rc<BTreeSet<String>>,
    /// The last action's outcome.
    pub notice: Option<Notice>,
    /// Synthetic data loaded for a benchmark (no connection).
    pub synthetic: bool,
}

impl PartialEq for Dash {
    fn eq(&self, other: &Dash) -> bool {
        self.model.revision() == other.model.revision()
            && self.revision == other.revision
            && self.loaded == other.loaded
            && self.connection == other.connection
            && self.engine == other.engine
            && self.clock_offset_ms == other.clock_offset_ms
            && self.browser_ms == other.browser_ms
            && self.last_message == other.last_message
            && self.last_change == other.last_change
            && self.history.len() == other.history.len()
            && self.selection == other.selection
            && self.notice == other.notice
            && self.synthetic == other.synthetic
    }
}

impl Default for Dash {
    fn default() -> Dash {
        Dash {
            model: Model::new(),
            view: View::default(),
            revision: 0,
            loaded: false,
            connection: Connection::Idle,
            engine: None,
            clock_offset_ms: 0,
            browser_ms: 0,
            last_message: None,
            last_change: None,
            history: im::Vector::new(),
            transitions: im::HashMap::new(),
            selection: Rc::new(BTreeSet::new()),
            notice: None,
            synthetic: false,
        }
    }
}

/// What can happen to the store.
#[derive(Debug, Clone)]
pub enum Msg {
    /// The stream is being opened.
    Connecting,
    /// The stream opened.
    Opened,
    /// The stream dropped (browser time, Unix ms).
    Dropped(i64),
    /// berth cannot be used: unreachable, or an error.
    Failed(String),
    /// berth refused the token.
    SignedOut,
    /// `event: snapshot`: the whole set at `revision` (browser time of arrival, Unix ms).
    Snapshot {
        /// berth's revision.
        revision: u64,
        /// Every container.
        containers: Vec<ContainerInspect>,
        /// The latest transitions of each, oldest first.
        transitions: Vec<Transition>,
        /// Browser time of arrival, Unix ms.
        received_ms: i64,
    },
    /// `event: change`: one container changed (`None`: removed).
    Change {
        /// berth's revision.
        revision: u64,
        /// The container's ID.
        id: String,
        /// Its new record, or `None` when removed.
        container: Option<Box<ContainerInspect>>,
        /// Found by berth's resync after an outage of this many ms (what happened meanwhile is
        /// known only by its result); `None` for a change followed live.
        after_outage_ms: Option<u64>,
        /// Browser time of arrival, Unix ms.
        received_ms: i64,
    },
    /// `event: transition`: a container moved, and why.
    Transition {
        /// berth's revision.
        revision: u64,
        /// The move and its cause.
        transition: Box<Transition>,
        /// Browser time of arrival, Unix ms.
        received_ms: i64,
    },
    /// The engine's status (browser time of arrival, Unix ms).
    Engine(Box<EngineStatus>, i64),
    /// The clock ticked (browser time, Unix ms).
    Tick(i64),
    /// Tick or untick a container for bulk actions.
    Select(String, bool),
    /// Replace the selection.
    SelectOnly(Vec<String>),
    /// Show (or clear) the banner.
    Notify(Option<Notice>),
    /// Load synthetic containers (benchmark page): the model is replaced.
    Synthetic(Vec<ContainerInspect>, i64),
}

impl Dash {
    /// The engine's time now (browser clock plus offset): status texts are rendered at it.
    pub fn now(&self) -> Time {
        Time::from_unix_millis(self.browser_ms + self.clock_offset_ms)
    }

    /// Engine time for a browser time in Unix ms.
    fn engine_time(&self, browser_ms: i64) -> Time {
        Time::from_unix_millis(browser_ms + self.clock_offset_ms)
    }

    /// berth is linked to this page but has lost the engine (its status says not connected).
    pub fn engine_lost(&self) -> bool {
        self.engine.as_ref().is_some_and(|e| !e.connected)
    }

    /// Why berth could not read container `id`'s latest record, if it could not (the dashboard
    /// shows its last good one).
    pub fn unreadable(&self, id: &str) -> Option<&str> {
        self.engine.as_ref()?.unreadable.get(id).map(String::as_str)
    }

    /// Every container whose latest record berth could not read: ID → why.
    pub fn unreadable_all(&self) -> Rc<BTreeMap<String, String>> {
        Rc::new(
            self.engine
                .as_ref()
                .map(|e| e.unreadable.clone())
                .unwrap_or_default(),
        )
    }

    /// The time of the last engine event the dashboard knows of: berth's `last_event_time`, or
    /// the arrival of a later change.
    pub fn last_event(&self) -> Option<Time> {
        let engine = self
            .engine
            .as_ref()
            .and_then(|e| e.last_event_time)
            .filter(|t| !t.is_zero());
        match (engine, self.last_change) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether actions are refused (`read_only` of the engine status); unknown counts as
    /// read-only until berth says otherwise.
    pub fn read_only(&self) -> bool {
        self.engine.as_ref().is_none_or(|e| e.read_only) || self.synthetic
    }

    /// Containers per state in the current view (all seven keys).
    pub fn counts(&self) -> BTreeMap<StateKind, usize> {
        self.view.counts()
    }

    /// The transitions of container `id` berth has sent, oldest first.
    pub fn transitions_of(&self, id: &str) -> Vec<Transition> {
        self.transitions
            .get(id)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn push_history(&mut self, entry: HistoryEntry) {
        self.history.push_back(Rc::new(entry));
        while self.history.len() > HISTORY_LEN {
            self.history.pop_front();
        }
    }

    fn push_transition(&mut self, t: Transition) {
        let mut line = self.transitions.get(&t.id).cloned().unwrap_or_default();
        let id = t.id.clone();
        line.push_back(t);
        while line.len() > TRANSITIONS_LEN {
            line.pop_front();
        }
        self.transitions.insert(id, line);
    }

    /// Applies one container record (`None`: removed) and returns what to say about it.
    fn apply_one(&mut self, id: &str, record: Option<&ContainerInspect>, at: Time) -> String {
        let before = self.model.container(id).cloned();
        let after = {
            let model = &mut self.model;
            match record {
                Some(doc) => {
                    model.upsert(doc.to_container(), at);
                    model.container(id).cloned()
                }
                None => {
                    model.remove(id, at);
                    None
                }
            }
        };
        let what = describe_change(before.as_ref(), after.as_ref());
        let name = after
            .as_ref()
            .or(before.as_ref())
            .map(Container::display_name)
            .unwrap_or_else(|| truncate_id(id).to_owned());
        format!("{name}: {what}")
    }

    fn snapshot(
        &mut self,
        revision: u64,
        containers: Vec<ContainerInspect>,
        transitions: Vec<Transition>,
        received_ms: i64,
    ) {
        // berth's are the whole truth: what this page gathered before is replaced.
        self.transitions = im::HashMap::new();
        for t in transitions {
            self.push_transition(t);
        }
        let at = self.engine_time(received_ms);
        let older = self.model.view();
        let incoming: BTreeMap<&str, &ContainerInspect> =
            containers.iter().map(|c| (c.id.as_str(), c)).collect();
        self.revision = revision;
        let mut changed = Vec::new();
        let mut summary = Vec::new();
        // Removed first, then each record that differs from what the model has.
        let gone: Vec<String> = older
            .iter()
            .map(|s| s.id().to_owned())
            .filter(|id| !incoming.contains_key(id.as_str()))
            .collect();
        for id in gone {
            summary.push(self.apply_one(&id, None, at));
            changed.push(id);
        }
        for (id, doc) in &incoming {
            let same = self
                .model
                .container(id)
                .is_some_and(|c| ContainerInspect::of(c) == **doc);
            if same {
                continue;
            }
            summary.push(self.apply_one(id, Some(doc), at));
            changed.push((*id).to_owned());
        }
        self.view = self.model.view();
        self.loaded = true;
        self.last_message = Some(Time::from_unix_millis(received_ms));
        if !changed.is_empty() || self.history.is_empty() {
            let first = self.history.is_empty();
            self.push_history(HistoryEntry {
                revision,
                at,
                view: self.view.clone(),
                changed: if first { Vec::new() } else { changed },
                summary: if first {
                    vec![format!("snapshot of {} containers", self.view.len())]
                } else {
                    summary
                },
            });
        }
    }

    fn change(
        &mut self,
        revision: u64,
        id: &str,
        container: Option<&ContainerInspect>,
        after_outage_ms: Option<u64>,
        received_ms: i64,
    ) {
        self.last_message = Some(Time::from_unix_millis(received_ms));
        if revision <= self.revision && self.loaded {
            // Already applied (a replay after a reconnect).
            return;
        }
        let at = self.engine_time(received_ms);
        self.revision = revision;
        self.last_change = Some(at);
        let mut line = self.apply_one(id, container, at);
        if let Some(ms) = after_outage_ms {
            line.push_str(&format!(
                " (found when berth saw the engine again after {}.{} s away)",
                ms / 1000,
                ms % 1000 / 100
            ));
        }
        self.view = self.model.view();
        self.push_history(HistoryEntry {
            revision,
            at,
            view: self.view.clone(),
            changed: vec![id.to_owned()],
            summary: vec![line],
        });
        if container.is_none() && self.selection.contains(id) {
            let mut sel = (*self.selection).clone();
            sel.remove(id);
            self.selection = Rc::new(sel);
        }
    }
}

impl Reducible for Dash {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            Msg::Connecting => {
                if matches!(
                    next.connection,
                    Connection::Idle | Connection::Failed { .. }
                ) {
                    next.connection = Connection::Connecting;
                }
            }
            Msg::Opened => next.connection = Connection::Live,
            Msg::Dropped(ms) => {
                if !matches!(next.connection, Connection::Stale { .. }) {
                    next.connection = Connection::Stale {
                        since: Time::from_unix_millis(ms),
                    };
                }
            }
            Msg::Failed(reason) => next.connection = Connection::Failed { reason },
            Msg::SignedOut => next.connection = Connection::SignedOut,
            Msg::Snapshot {
                revision,
                containers,
                transitions,
                received_ms,
            } => {
                next.connection = Connection::Live;
                next.snapshot(revision, containers, transitions, received_ms);
            }
            Msg::Transition {
                revision,
                transition,
                received_ms,
            } => {
                next.connection = Connection::Live;
                next.last_message = Some(Time::from_unix_millis(received_ms));
                if revision > next.revision || !next.loaded {
                    next.revision = revision;
                    next.push_transition(*transition);
                }
            }
            Msg::Change {
                revision,
                id,
                container,
                after_outage_ms,
                received_ms,
            } => {
                next.connection = Connection::Live;
                next.change(
                    revision,
                    &id,
                    container.as_deref(),
                    after_outage_ms,
                    received_ms,
                );
            }
            Msg::Engine(info, received_ms) => {
                next.clock_offset_ms = info
                    .now
                    .unix_nanos()
                    .map(|n| n / 1_000_000 - received_ms)
                    .unwrap_or(0);
                next.engine = Some(*info);
            }
            Msg::Tick(ms) => {
                if ms == next.browser_ms {
                    return self;
                }
                next.browser_ms = ms;
            }
            Msg::Select(id, on) => {
                let mut sel = (*next.selection).clone();
                if on {
                    sel.insert(id);
                } else {
                    sel.remove(&id);
                }
                next.selection = Rc::new(sel);
            }
            Msg::SelectOnly(ids) => next.selection = Rc::new(ids.into_iter().collect()),
            Msg::Notify(notice) => next.notice = notice,
            Msg::Synthetic(containers, ms) => {
                let mut fresh = Dash {
                    browser_ms: ms,
                    synthetic: true,
                    ..Dash::default()
                };
                let at = Time::from_unix_millis(ms);
                {
                    let model = &mut fresh.model;
                    for doc in &containers {
                        model.upsert(doc.to_container(), at);
                    }
                }
                fresh.view = fresh.model.view();
                fresh.revision = containers.len() as u64;
                fresh.loaded = true;
                fresh.connection = Connection::Idle;
                return Rc::new(fresh);
            }
        }
        // Nothing changed (a repeated state of the link, the same notice): the same value, so
        // no component renders again.
        if next == *self {
            return self;
        }
        Rc::new(next)
    }
}
