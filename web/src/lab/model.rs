//! The lifecycle lab's model: a session (a seed, a start time and the steps the learner took)
//! replayed on the core's simulated engine ([`Sim`]), with one [`Frame`] kept per step so the
//! learner can step back and forward. Plain Rust without DOM code, tested natively.
//!
//! The lab drives and displays; every rule (what an operation does, the restart policy and its
//! backoff, health, waits, names, ID prefixes, the status text) is the core's. The one thing the
//! lab adds is the waiter deadline a learner chooses: the engine's `wait` has none (its client
//! gives up), so a waiter that is still pending at its virtual deadline is cancelled here with
//! the reference's result for that, exit code -1 and "context deadline exceeded".

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use berth_core::events::Event;
use berth_core::lifecycle::Transition;
use berth_core::ops::Op;
use berth_core::restart::RestartDecision;
use berth_core::sim::{Deadline, Outcome, Reply, Sim, SimError};
use berth_core::time::{Duration, Time};
use berth_core::view::View;
use berth_core::wait::{StateStatus, WaitCondition, Waiter};
use berth_core::ErrorKind;
use serde::{Deserialize, Serialize};

/// Where a container is in the lifecycle (the core's).
pub use berth_core::lifecycle::Place;

/// The session format's version.
pub const SESSION_VERSION: u32 = 1;
/// The most steps a session may hold (an imported one is refused beyond this).
pub const MAX_STEPS: usize = 5_000;
/// The most timers one step may fire before the lab stops the clock there (a health check
/// every millisecond and a jump of a year would otherwise never end).
pub const MAX_TIMERS_PER_STEP: usize = 10_000;
/// The most timers a whole session may fire: an imported session cannot keep the tab busy
/// for minutes (a probe every second played at 100× reaches it after hours).
pub const MAX_TIMERS_PER_SESSION: usize = 1_000_000;
/// The most events a step keeps for display (a long jump with a frequent health check causes
/// thousands; the moves are worked out from all of them first).
pub const MAX_EVENTS_KEPT: usize = 300;
/// The longest a single step may move the clock: ten years.
pub const MAX_ADVANCE_MS: i64 = 10 * 366 * 24 * 3_600_000;
/// The reason a waiter that reached its deadline gives up (Go's `context.DeadlineExceeded`).
pub const DEADLINE_EXCEEDED: &str = "context deadline exceeded";
/// Where a new session's clock starts: 2026-11-29T09:00:00Z.
pub const DEFAULT_START: Time = Time::from_unix_secs(1_795_942_800);
/// A new session's seed.
pub const DEFAULT_SEED: u64 = 42;

/// One thing the learner does (or lets happen). The JSON form is the session format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// `docker inspect`: finds a container by reference (to see a prefix resolve or not).
    Inspect {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// The process exits on its own with `code`.
    Exit {
        /// A name, an ID or an ID prefix.
        target: String,
        /// The exit code (0–255).
        code: i64,
    },
    /// The kernel kills the process for memory.
    Oom {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// A health probe runs now and passes or fails.
    Probe {
        /// A name, an ID or an ID prefix.
        target: String,
        /// Whether it passes.
        passed: bool,
    },
    /// A removal starts and stays in progress.
    BeginRemoval {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// A removal in progress completes.
    CompleteRemoval {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// A removal fails: the container is left dead.
    FailRemoval {
        /// A name, an ID or an ID prefix.
        target: String,
        /// The storage driver's error.
        message: String,
    },
    /// Time passes.
    Advance {
        /// How long, in milliseconds of virtual time.
        ms: i64,
    },
    /// The clock jumps to the next deadline (a timer of the engine or a waiter's).
    NextDeadline,
    /// An operation asked of the engine (`docker create`, `stop`, `wait`, …): the core's
    /// [`Op`], whose tag and fields are the session format's.
    #[serde(untagged)]
    Op(Op),
}

impl Step {
    /// The container reference the step names, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            Step::Op(op) => op.target(),
            Step::Inspect { target }
            | Step::Exit { target, .. }
            | Step::Oom { target }
            | Step::Probe { target, .. }
            | Step::BeginRemoval { target }
            | Step::CompleteRemoval { target }
            | Step::FailRemoval { target, .. } => Some(target),
            Step::Advance { .. } | Step::NextDeadline => None,
        }
    }

    /// Whether only the clock moves (nothing is asked of the engine).
    pub fn is_clock(&self) -> bool {
        matches!(self, Step::Advance { .. } | Step::NextDeadline)
    }
}

/// A session: everything needed to reproduce what the learner saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// [`SESSION_VERSION`].
    pub version: u32,
    /// The engine's seed (IDs and generated names).
    pub seed: u64,
    /// The virtual clock at the start.
    pub start: Time,
    /// The lesson being followed, by ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Default for Session {
    fn default() -> Session {
        Session::new(DEFAULT_SEED, DEFAULT_START)
    }
}

/// A session that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not JSON of a session.
    #[error("not a lab session: {0}")]
    Json(String),
    /// A version this lab does not know.
    #[error("unsupported session version {0} (this lab reads version {SESSION_VERSION})")]
    Version(u32),
    /// Too many steps.
    #[error("a session holds at most {MAX_STEPS} steps; this one has {0}")]
    TooLong(usize),
    /// The link's fragment is not base64url.
    #[error("the link is damaged: {0}")]
    Fragment(String),
}

impl Session {
    /// An empty session.
    pub fn new(seed: u64, start: Time) -> Session {
        Session {
            version: SESSION_VERSION,
            seed,
            start,
            lesson: None,
            steps: Vec::new(),
        }
    }

    /// The JSON export.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads an export. Refuses other versions and over-long sessions.
    pub fn from_json(text: &str) -> Result<Session, SessionError> {
        let session: Session =
            serde_json::from_str(text).map_err(|e| SessionError::Json(e.to_string()))?;
        if session.version != SESSION_VERSION {
            return Err(SessionError::Version(session.version));
        }
        if session.steps.len() > MAX_STEPS {
            return Err(SessionError::TooLong(session.steps.len()));
        }
        Ok(session)
    }

    /// The URL fragment that reproduces the session: `s=` and the compact JSON in base64url.
    /// It stays in the browser (a fragment never reaches the server).
    pub fn to_fragment(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("s={}", URL_SAFE_NO_PAD.encode(json.as_bytes()))
    }

    /// Reads a fragment made by [`Session::to_fragment`] (with or without the leading `#`).
    /// `Ok(None)` when the fragment holds no session.
    pub fn from_fragment(fragment: &str) -> Result<Option<Session>, SessionError> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let Some(encoded) = fragment.split('&').find_map(|part| part.strip_prefix("s=")) else {
            return Ok(None);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|e| SessionError::Fragment(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| SessionError::Fragment(e.to_string()))?;
        Session::from_json(&text).map(Some)
    }
}

/// How a waiter ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitOutcome {
    /// What the wait returned (`StatusCode` and `Error` of the API's answer).
    pub status: StateStatus,
    /// When (virtual time).
    pub at: Time,
    /// It reached its deadline first.
    pub timed_out: bool,
}

/// A waiter the learner placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitInfo {
    /// Its number, from 1.
    pub number: usize,
    /// The reference as typed.
    pub target: String,
    /// The container's ID.
    pub container_id: String,
    /// The container's name then (with its slash).
    pub name: String,
    /// The condition.
    pub condition: WaitCondition,
    /// When it was placed.
    pub placed_at: Time,
    /// When it gives up, if ever.
    pub deadline: Option<Time>,
    /// The condition was met when it was placed (it returned at once).
    pub immediate: bool,
    /// How it ended; `None` while waiting.
    pub outcome: Option<WaitOutcome>,
}

/// The way a container went in one step: the places it passed through, in order (at least two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// The container's ID.
    pub id: String,
    /// Its name (with its slash).
    pub name: String,
    /// The places, first to last, without repeats in a row (but a way out and back, such as
    /// running → exited → running for a restart, is kept).
    pub path: Vec<Place>,
}

/// Everything the page shows after a step.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The virtual clock.
    pub now: Time,
    /// The ViewDb as it stood (snapshots with the full container records, names).
    pub view: View,
    /// The engine's pending timers, soonest first.
    pub deadlines: Vec<Deadline>,
    /// Every waiter placed so far.
    pub waiters: Vec<WaitInfo>,
    /// By container ID: what its restart policy decided after its last exit.
    pub decisions: BTreeMap<String, RestartDecision>,
    /// By container ID: the containers removed so far, with their last names.
    pub removed: BTreeMap<String, String>,
}

/// What an accepted step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Done {
    /// A container was created (its ID).
    Created {
        /// The new container's ID.
        id: String,
    },
    /// The operation was carried out (or set in motion).
    Ok,
    /// Nothing to do (HTTP 304).
    NotModified,
    /// The reference resolved to this container.
    Found {
        /// The container's ID.
        id: String,
    },
    /// A waiter was placed (its number).
    WaitPlaced {
        /// The waiter's number.
        number: usize,
    },
    /// The clock moved.
    Clock {
        /// From.
        from: Time,
        /// To.
        to: Time,
        /// The lab stopped the clock early after [`MAX_TIMERS_PER_STEP`] timers.
        cut_short: bool,
    },
    /// Nothing was due: the clock stays.
    NothingDue,
}

/// One step as it went.
#[derive(Debug, Clone)]
pub struct Record {
    /// The step.
    pub step: Step,
    /// What it did, or the engine's refusal.
    pub result: Result<Done, SimError>,
    /// The engine events it caused, in order (`GET /events`): the first [`MAX_EVENTS_KEPT`].
    pub events: Vec<Event>,
    /// How many events it caused in all.
    pub events_total: usize,
    /// How many health probes ran during it.
    pub probes: usize,
    /// The containers it moved.
    pub moves: Vec<Move>,
    /// Every move of a container it made, with its cause, as the simulation reports them (the
    /// first [`MAX_EVENTS_KEPT`]).
    pub transitions: Vec<Transition>,
    /// The waiters it resolved (their numbers).
    pub resolved: Vec<usize>,
    /// The page after it.
    pub frame: Arc<Frame>,
    /// It was made by the playing clock ([`Lab::tick`]), not asked for.
    pub played: bool,
}

impl Record {
    /// The container the step was mostly about: the one it named (resolved after the step), or
    /// the first one it moved.
    pub fn focus(&self) -> Option<String> {
        match &self.result {
            Ok(Done::Created { id }) | Ok(Done::Found { id }) => return Some(id.clone()),
            _ => {}
        }
        if let Some(target) = self.step.target() {
            if let Ok(s) = self.frame.view.resolve(target) {
                return Some(s.id().to_owned());
            }
        }
        self.moves.first().map(|m| m.id.clone())
    }
}

struct LiveWaiter {
    info: WaitInfo,
    waiter: Option<Waiter>,
}

/// A session being played: the engine, the waiters, and a record per step.
pub struct Lab {
    session: Session,
    sim: Sim,
    waiters: Vec<LiveWaiter>,
    removed: BTreeMap<String, String>,
    initial: Arc<Frame>,
    records: Vec<Record>,
    /// Timers fired so far (see [`MAX_TIMERS_PER_SESSION`]).
    fired: usize,
}

impl Lab {
    /// Replays `session` from its start. Steps the engine refuses are kept, with the refusal.
    pub fn new(session: Session) -> Lab {
        let mut session = session;
        let steps = std::mem::take(&mut session.steps);
        let sim = Sim::new(session.start, session.seed);
        let mut lab = Lab {
            session,
            sim,
            waiters: Vec::new(),
            removed: BTreeMap::new(),
            initial: Arc::new(Frame {
                now: Time::ZERO,
                view: View::default(),
                deadlines: Vec::new(),
                waiters: Vec::new(),
                decisions: BTreeMap::new(),
                removed: BTreeMap::new(),
            }),
            records: Vec::new(),
            fired: 0,
        };
        lab.initial = Arc::new(lab.frame_now());
        for step in steps.into_iter().take(MAX_STEPS) {
            lab.apply(step);
        }
        lab
    }

    /// The session (its steps are exactly the records').
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Sets the lesson the session follows.
    pub fn set_lesson(&mut self, lesson: Option<String>) {
        self.session.lesson = lesson;
    }

    /// Every step as it went.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// How many steps.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no step was taken yet.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The page after `k` steps (0: before any).
    pub fn frame(&self, k: usize) -> Arc<Frame> {
        match k.checked_sub(1).and_then(|i| self.records.get(i)) {
            Some(r) => r.frame.clone(),
            None => self.initial.clone(),
        }
    }

    /// The latest page.
    pub fn current(&self) -> Arc<Frame> {
        self.frame(self.records.len())
    }

    /// The live engine (read-only).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The same session cut to its first `k` steps, replayed.
    pub fn truncated(&self, k: usize) -> Lab {
        let mut session = self.session.clone();
        session.steps.truncate(k);
        Lab::new(session)
    }

    /// The next moment something is due: an engine timer or a waiter's deadline.
    pub fn next_deadline(&self) -> Option<Time> {
        let waiter = self.next_waiter_deadline();
        match (self.sim.next_deadline(), waiter) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn next_waiter_deadline(&self) -> Option<Time> {
        self.waiters
            .iter()
            .filter(|w| w.info.outcome.is_none())
            .filter_map(|w| w.info.deadline)
            .min()
    }

    /// Takes a step and records it.
    pub fn apply(&mut self, step: Step) -> &Record {
        let waiting_before: Vec<usize> = self.pending_numbers();
        let result = self.run(&step);
        let events = self.sim.drain_events();
        let transitions = self.sim.drain_transitions();
        for ev in events
            .iter()
            .filter(|e| e.is_container() && e.verb() == "destroy")
        {
            let name = ev.attribute("name").unwrap_or_default();
            self.removed.insert(ev.id().to_owned(), format!("/{name}"));
        }
        self.poll_waiters();
        let frame = Arc::new(self.frame_now());
        let moves = moves(&transitions);
        let mut transitions = transitions;
        transitions.truncate(MAX_EVENTS_KEPT);
        let events_total = events.len();
        let probes = events.iter().filter(|e| e.verb() == "exec_die").count();
        let mut events = events;
        events.truncate(MAX_EVENTS_KEPT);
        let resolved = waiting_before
            .into_iter()
            .filter(|n| !self.pending_numbers().contains(n))
            .collect();
        self.session.steps.push(step.clone());
        self.records.push(Record {
            step,
            result,
            events,
            events_total,
            probes,
            moves,
            transitions,
            resolved,
            frame,
            played: false,
        });
        let last = self.records.len() - 1;
        &self.records[last]
    }

    /// The clock plays on by `ms`: merged into the last step when that was played too and both
    /// it and this stretch are quiet (nothing happened), so playing does not fill the session
    /// with empty steps (a step the learner asked for is never merged into).
    pub fn tick(&mut self, ms: i64) {
        let ms = ms.clamp(0, MAX_ADVANCE_MS);
        if ms == 0 {
            return;
        }
        let quiet = |r: &Record| {
            matches!(r.step, Step::Advance { .. })
                && r.events.is_empty()
                && r.moves.is_empty()
                && r.resolved.is_empty()
                && matches!(
                    r.result,
                    Ok(Done::Clock {
                        cut_short: false,
                        ..
                    })
                )
        };
        let last_quiet = self.records.last().is_some_and(|r| r.played && quiet(r));
        self.apply(Step::Advance { ms });
        if let Some(r) = self.records.last_mut() {
            r.played = true;
        }
        let n = self.records.len();
        if !last_quiet || n < 2 || !quiet(&self.records[n - 1]) {
            return;
        }
        // Both quiet: one Advance of the sum replays to the same state.
        let Some(latest) = self.records.pop() else {
            return;
        };
        self.session.steps.pop();
        if let (Some(prev), Some(step)) = (self.records.last_mut(), self.session.steps.last_mut()) {
            let total = match prev.step {
                Step::Advance { ms: m } => m.saturating_add(ms),
                _ => ms,
            };
            let from = match prev.result {
                Ok(Done::Clock { from, .. }) => from,
                _ => latest.frame.now,
            };
            prev.step = Step::Advance { ms: total };
            *step = prev.step.clone();
            prev.result = Ok(Done::Clock {
                from,
                to: latest.frame.now,
                cut_short: false,
            });
            prev.frame = latest.frame;
        }
    }

    fn pending_numbers(&self) -> Vec<usize> {
        self.waiters
            .iter()
            .filter(|w| w.info.outcome.is_none())
            .map(|w| w.info.number)
            .collect()
    }

    fn run(&mut self, step: &Step) -> Result<Done, SimError> {
        /// Refuses a span of virtual time outside 0 to [`MAX_ADVANCE_MS`], as the engine
        /// refuses a bad parameter (400).
        fn span_in_range(ms: i64, what: &str) -> Result<(), SimError> {
            if (0..=MAX_ADVANCE_MS).contains(&ms) {
                return Ok(());
            }
            Err(SimError {
                status: 400,
                kind: ErrorKind::InvalidParameter,
                message: format!("{what} 0 to {MAX_ADVANCE_MS} ms, not {ms}"),
            })
        }

        let done = |o: Outcome| match o {
            Outcome::Done => Done::Ok,
            Outcome::NotModified => Done::NotModified,
        };
        match step {
            Step::Op(op) => {
                if let Op::Wait {
                    timeout_ms: Some(ms),
                    ..
                } = op
                {
                    span_in_range(*ms, "a wait gives up after")?;
                }
                match self.sim.apply(op)? {
                    Reply::Created(id) => Ok(Done::Created { id }),
                    Reply::Outcome(o) => Ok(done(o)),
                    Reply::Waiting(waiter) => self.keep_waiter(op, waiter),
                }
            }
            Step::Inspect { target } => self.sim.inspect(target).map(|c| Done::Found { id: c.id }),
            Step::Exit { target, code } => self.sim.process_exit(target, *code).map(done),
            Step::Oom { target } => self.sim.oom_kill(target).map(done),
            Step::Probe { target, passed } => self.sim.probe_result(target, *passed).map(done),
            Step::BeginRemoval { target } => self.sim.begin_removal(target).map(done),
            Step::CompleteRemoval { target } => self.sim.complete_removal(target).map(done),
            Step::FailRemoval { target, message } => {
                self.sim.fail_removal(target, message).map(done)
            }
            Step::Advance { ms } => {
                span_in_range(*ms, "the clock moves forward by")?;
                let from = self.sim.now();
                let to = from.add(Duration::from_millis(*ms));
                let cut_short = self.advance_to(to);
                Ok(Done::Clock {
                    from,
                    to: self.sim.now(),
                    cut_short,
                })
            }
            Step::NextDeadline => match self.next_deadline() {
                None => Ok(Done::NothingDue),
                Some(t) => {
                    let from = self.sim.now();
                    let cut_short = self.advance_to(t);
                    Ok(Done::Clock {
                        from,
                        to: self.sim.now(),
                        cut_short,
                    })
                }
            },
        }
    }

    /// Keeps the waiter that the wait `op` placed, with the deadline the learner gave it.
    fn keep_waiter(&mut self, op: &Op, waiter: Waiter) -> Result<Done, SimError> {
        let (condition, timeout_ms) = match op {
            Op::Wait {
                condition,
                timeout_ms,
                ..
            } => (*condition, *timeout_ms),
            _ => (WaitCondition::default(), None),
        };
        let target = op.target().unwrap_or_default();
        let c = self.sim.inspect(target)?;
        let now = self.sim.now();
        let number = self.waiters.len() + 1;
        let immediate = waiter.is_ready();
        self.waiters.push(LiveWaiter {
            info: WaitInfo {
                number,
                target: target.to_owned(),
                container_id: c.id,
                name: c.name,
                condition,
                placed_at: now,
                deadline: timeout_ms.map(|ms| now.add(Duration::from_millis(ms))),
                immediate,
                outcome: None,
            },
            waiter: Some(waiter),
        });
        Ok(Done::WaitPlaced { number })
    }

    /// Moves the clock to `t` one due moment at a time, so each waiter resolves (or gives up)
    /// at its own time. Returns true when it stopped early, at [`MAX_TIMERS_PER_STEP`] or
    /// [`MAX_TIMERS_PER_SESSION`].
    fn advance_to(&mut self, t: Time) -> bool {
        let mut fired = 0usize;
        loop {
            let engine = self.sim.next_deadline().filter(|d| *d <= t);
            let waiter = self.next_waiter_deadline().filter(|d| *d <= t);
            let next = match (engine, waiter) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => break,
            };
            if fired >= MAX_TIMERS_PER_STEP || self.fired >= MAX_TIMERS_PER_SESSION {
                return true;
            }
            fired += 1;
            self.fired += 1;
            // The engine's timers due at `next` fire before a waiter gives up at `next`.
            self.sim.advance_to(next);
            self.poll_waiters();
            self.expire_waiters(next);
        }
        self.sim.advance_to(t);
        self.poll_waiters();
        false
    }

    fn poll_waiters(&mut self) {
        let now = self.sim.now();
        for w in &mut self.waiters {
            if w.info.outcome.is_some() {
                continue;
            }
            if let Some(status) = w.waiter.as_mut().and_then(Waiter::try_result) {
                w.info.outcome = Some(WaitOutcome {
                    status,
                    at: now,
                    timed_out: false,
                });
                w.waiter = None;
            }
        }
    }

    fn expire_waiters(&mut self, now: Time) {
        for w in &mut self.waiters {
            if w.info.outcome.is_none() && w.info.deadline.is_some_and(|d| d <= now) {
                // Dropping the waiter leaves nothing behind in the state.
                w.waiter = None;
                w.info.outcome = Some(WaitOutcome {
                    status: StateStatus::cancelled(DEADLINE_EXCEEDED),
                    at: now,
                    timed_out: true,
                });
            }
        }
    }

    fn frame_now(&self) -> Frame {
        let view = self.sim.view();
        let mut decisions = BTreeMap::new();
        for s in view.iter() {
            if let Some(d) = self.sim.last_decision(s.id()) {
                decisions.insert(s.id().to_owned(), d);
            }
        }
        Frame {
            now: self.sim.now(),
            view,
            deadlines: self.sim.deadlines(),
            waiters: self.waiters.iter().map(|w| w.info.clone()).collect(),
            decisions,
            removed: self.removed.clone(),
        }
    }
}

/// How the containers moved in a step: the simulation's own transitions, grouped by container in
/// the order they first moved, each path from where it was to where it ended through every state
/// it passed (a restart keeps its way out and back: running → exited → running).
fn moves(transitions: &[Transition]) -> Vec<Move> {
    let mut order: Vec<Move> = Vec::new();
    for t in transitions {
        match order.iter_mut().find(|m| m.id == t.id) {
            Some(m) => {
                push_place(&mut m.path, t.to);
                m.name.clone_from(&t.name);
            }
            None => order.push(Move {
                id: t.id.clone(),
                name: t.name.clone(),
                path: vec![t.from, t.to],
            }),
        }
    }
    order.retain(|m| m.path.len() >= 2);
    order
}

fn push_place(path: &mut Vec<Place>, p: Place) {
    if path.last() != Some(&p) {
        path.push(p);
    }
}
