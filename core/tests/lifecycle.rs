//! The table of moves (`core/src/lifecycle.rs`) against the simulated engine: every state change
//! the engine makes is a move of the table with one of that move's triggers, the transitions of
//! a container chain (each starts where the last one ended, the last ends where it is), and a
//! random walk makes every move of the table with every trigger the table gives it.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::{BTreeMap, BTreeSet};

use berth_core::actions::Action;
use berth_core::container::{Container, HealthConfig};
use berth_core::health::HealthStatus;
use berth_core::lifecycle::{find, possible, By, Cause, Place, Transition, Trigger, MOVES};
use berth_core::model::{ChangeKind, Model, QUIET};
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Probe, Program, Rng, Sim, MAX_UNDRAINED_TRANSITIONS};
use berth_core::state::StateKind;
use berth_core::time::{Duration, Time};
#[cfg(not(target_arch = "wasm32"))]
use proptest::prelude::*;

/// The containers the walks create: every restart policy, stop signal, program and `--rm`.
fn specs() -> Vec<CreateSpec> {
    let health = HealthConfig {
        test: vec!["CMD".to_owned(), "true".to_owned()],
        interval: 1_000_000_000,
        timeout: 1_000_000_000,
        start_period: 0,
        retries: 1,
    };
    vec![
        CreateSpec::new("local/busybox:1", &["sleep", "1000"]),
        CreateSpec::new("local/busybox:1", &["sleep", "1000"]).program(Program::IgnoresSigterm),
        CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 3"])
            .program(Program::ExitsAfter {
                after_ms: 300,
                code: 3,
            })
            .restart(RestartPolicy::always()),
        CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 1"])
            .program(Program::ExitsAfter {
                after_ms: 500,
                code: 1,
            })
            .restart(RestartPolicy::on_failure(2)),
        CreateSpec {
            stop_signal: Some("SIGUSR1".to_owned()),
            ..CreateSpec::new("local/busybox:1", &["sleep", "1000"])
                .restart(RestartPolicy::unless_stopped())
        },
        CreateSpec {
            auto_remove: true,
            ..CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 0"]).program(
                Program::ExitsAfter {
                    after_ms: 200,
                    code: 0,
                },
            )
        },
        CreateSpec {
            memory: 64 << 20,
            ..CreateSpec::new("local/busybox:1", &["hog"])
                .program(Program::AllocatesMemory { after_ms: 400 })
                .restart(RestartPolicy::always())
        },
        CreateSpec::new("local/busybox:1", &["sleep", "1000"])
            .healthcheck(health, Probe::PassesThenFails { passes: 1 })
            .restart(RestartPolicy::on_failure(0)),
    ]
}

/// One thing a walk does.
#[derive(Debug, Clone)]
enum Step {
    Create(usize),
    Start(usize),
    Stop(usize, Option<i64>),
    Restart(usize, Option<i64>),
    Pause(usize),
    Unpause(usize),
    Kill(usize, Option<&'static str>),
    Remove(usize, bool),
    Exit(usize, i64),
    Oom(usize),
    FailRemoval(usize),
    BeginRemoval(usize),
    CompleteRemoval(usize),
    Relaunch(usize),
    Advance(i64),
    NextDeadline,
}

const TIMEOUTS: [Option<i64>; 4] = [None, Some(0), Some(1), Some(-1)];
const SIGNALS: [Option<&str>; 5] = [None, Some("TERM"), Some("USR1"), Some("KILL"), Some("CHLD")];

#[cfg(not(target_arch = "wasm32"))]
fn step_strategy() -> impl Strategy<Value = Step> {
    let c = 0usize..8;
    prop_oneof![
        (0usize..8).prop_map(Step::Create),
        c.clone().prop_map(Step::Start),
        (c.clone(), 0usize..4).prop_map(|(i, t)| Step::Stop(i, TIMEOUTS[t])),
        (c.clone(), 0usize..4).prop_map(|(i, t)| Step::Restart(i, TIMEOUTS[t])),
        c.clone().prop_map(Step::Pause),
        c.clone().prop_map(Step::Unpause),
        (c.clone(), 0usize..5).prop_map(|(i, s)| Step::Kill(i, SIGNALS[s])),
        (c.clone(), any::<bool>()).prop_map(|(i, f)| Step::Remove(i, f)),
        (c.clone(), 0i64..3).prop_map(|(i, code)| Step::Exit(i, code)),
        c.clone().prop_map(Step::Oom),
        c.clone().prop_map(Step::FailRemoval),
        c.clone().prop_map(Step::BeginRemoval),
        c.clone().prop_map(Step::CompleteRemoval),
        c.prop_map(Step::Relaunch),
        (1i64..15_000).prop_map(Step::Advance),
        Just(Step::NextDeadline),
    ]
}

/// A simulated engine and the containers a walk made, by the index of their spec.
struct Walk {
    sim: Sim,
    specs: Vec<CreateSpec>,
    ids: Vec<Option<String>>,
    /// Where each container is, as its transitions say.
    places: std::collections::BTreeMap<String, Place>,
    /// Every (move, trigger) made so far.
    made: BTreeSet<(Place, Place, Trigger)>,
    /// The transitions of the last step.
    last: Vec<Transition>,
}

impl Walk {
    fn new(seed: u64) -> Walk {
        let specs = specs();
        let n = specs.len();
        Walk {
            sim: Sim::new(Time::from_unix_secs(1_700_000_000), seed),
            specs,
            ids: vec![None; n],
            places: Default::default(),
            made: BTreeSet::new(),
            last: Vec::new(),
        }
    }

    fn id(&self, i: usize) -> String {
        self.ids[i % self.ids.len()].clone().unwrap_or_default()
    }

    /// The container `step` is about, if any.
    fn target(&self, step: &Step) -> Option<String> {
        match *step {
            Step::Start(i)
            | Step::Stop(i, _)
            | Step::Restart(i, _)
            | Step::Pause(i)
            | Step::Unpause(i)
            | Step::Kill(i, _)
            | Step::Remove(i, _)
            | Step::Exit(i, _)
            | Step::Oom(i)
            | Step::FailRemoval(i)
            | Step::BeginRemoval(i)
            | Step::CompleteRemoval(i)
            | Step::Relaunch(i) => Some(self.id(i)),
            Step::Create(_) | Step::Advance(_) | Step::NextDeadline => None,
        }
    }

    /// Does `step` (a refusal is fine: it must change nothing) and checks its transitions.
    fn step(&mut self, step: &Step) -> Result<(), String> {
        let id = self.target(step).unwrap_or_default();
        let sim = &mut self.sim;
        let _ = match *step {
            Step::Create(i) => {
                let i = i % self.specs.len();
                if self.ids[i].is_none() {
                    let spec = self.specs[i].clone();
                    self.ids[i] = Some(sim.create(spec).map_err(|e| e.message)?);
                }
                Ok(berth_core::sim::Outcome::Done)
            }
            Step::Start(_) => sim.start(&id),
            Step::Stop(_, t) => sim.stop(&id, t),
            Step::Restart(_, t) => sim.restart(&id, t),
            Step::Pause(_) => sim.pause(&id),
            Step::Unpause(_) => sim.unpause(&id),
            Step::Kill(_, s) => sim.kill(&id, s),
            Step::Remove(_, f) => sim.remove(&id, f),
            Step::Exit(_, code) => sim.process_exit(&id, code),
            Step::Oom(_) => sim.oom_kill(&id),
            Step::FailRemoval(_) => sim.fail_removal(&id, "device or resource busy"),
            Step::BeginRemoval(_) => sim.begin_removal(&id),
            Step::CompleteRemoval(_) => sim.complete_removal(&id),
            Step::Relaunch(_) => sim.relaunch_after(&id, Some(Duration::from_secs(2))),
            Step::Advance(ms) => {
                sim.advance_by(Duration::from_millis(ms));
                Ok(berth_core::sim::Outcome::Done)
            }
            Step::NextDeadline => {
                sim.advance_to_next_deadline();
                Ok(berth_core::sim::Outcome::Done)
            }
        };
        let transitions = self.sim.drain_transitions();
        for t in &transitions {
            self.check(t).map_err(|e| format!("after {step:?}: {e}"))?;
        }
        self.last = transitions;
        // Removed containers can be created again from their spec.
        for slot in &mut self.ids {
            if let Some(id) = slot {
                if self.places.get(id.as_str()) == Some(&Place::Removed) {
                    *slot = None;
                }
            }
        }
        // Every container is where its transitions left it.
        for c in self.sim.list() {
            let here = Place::State(c.state.kind());
            let said = self.places.get(&c.id).copied();
            if said != Some(here) {
                return Err(format!(
                    "after {step:?}: {} is {here}, its transitions say {said:?}",
                    c.id
                ));
            }
        }
        Ok(())
    }

    fn check(&mut self, t: &Transition) -> Result<(), String> {
        let Some(m) = find(t.from, t.to) else {
            return Err(format!("{} → {} is not in the table ({t:?})", t.from, t.to));
        };
        let Some(trigger) = t.cause.trigger() else {
            return Err(format!("the simulated engine does not know why: {t:?}"));
        };
        if !m.triggers.contains(&trigger) {
            return Err(format!(
                "{} → {} by {trigger} is not one of the table's triggers {:?} ({t:?})",
                t.from, t.to, m.triggers
            ));
        }
        let last = self.places.get(&t.id).copied().unwrap_or(Place::New);
        if last != t.from {
            return Err(format!("{t:?} starts from {}, but it was {last}", t.from));
        }
        if t.at != self.sim.now() && t.at > self.sim.now() {
            return Err(format!("{t:?} is in the future (now {:?})", self.sim.now()));
        }
        self.places.insert(t.id.clone(), t.to);
        self.made.insert((t.from, t.to, trigger));
        Ok(())
    }
}

// Native only: proptest does not build for wasm32 here; the random walk below runs in both.
#[cfg(not(target_arch = "wasm32"))]
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever is asked, every change the engine makes is a move of the table, for a reason
    /// the table gives that move.
    /// The mirror's model, reading the simulated engine's events, gives every transition the
    /// cause the engine knows it had.
    #[test]
    fn the_model_reads_the_causes_the_engine_knows(
        seed in any::<u64>(),
        steps in proptest::collection::vec(observable_step(), 1..60),
    ) {
        let mut m = Mirrored::new(seed);
        for step in &steps {
            m.step(step).map_err(TestCaseError::fail)?;
        }
        m.same_causes().map_err(TestCaseError::fail)?;
    }

    #[test]
    fn every_change_is_a_move_of_the_table(
        seed in any::<u64>(),
        steps in proptest::collection::vec(step_strategy(), 1..80),
    ) {
        let mut walk = Walk::new(seed);
        for step in &steps {
            if let Err(e) = walk.step(step) {
                return Err(TestCaseError::fail(e));
            }
        }
    }
}

fn random_step(r: &mut Rng) -> Step {
    let c = r.below(8);
    match r.below(16) {
        0 => Step::Create(c),
        1 => Step::Start(c),
        2 => Step::Stop(c, TIMEOUTS[r.below(4)]),
        3 => Step::Restart(c, TIMEOUTS[r.below(4)]),
        4 => Step::Pause(c),
        5 => Step::Unpause(c),
        6 => Step::Kill(c, SIGNALS[r.below(5)]),
        7 => Step::Remove(c, r.below(2) == 0),
        8 => Step::Exit(c, i64::try_from(r.below(3)).unwrap_or(0)),
        9 => Step::Oom(c),
        10 => Step::FailRemoval(c),
        11 => Step::BeginRemoval(c),
        12 => Step::CompleteRemoval(c),
        13 => Step::Relaunch(c),
        14 => Step::Advance(i64::try_from(r.below(15_000)).unwrap_or(1) + 1),
        _ => Step::NextDeadline,
    }
}

/// Every move of the table, with every trigger it lists, is made by some sequence: a fixed
/// random walk of the simulated engine, and two scripts for what it is unlikely to meet, make
/// them all (and nothing else).
#[test]
fn a_random_walk_makes_every_move_of_the_table() {
    let mut walk = Walk::new(7);
    let mut r = Rng::new(2026);
    for _ in 0..40_000 {
        let step = random_step(&mut r);
        walk.step(&step).unwrap_or_else(|e| panic!("{e}"));
    }
    // Too rare to come up at random: a pause while `stop` or `restart` waits out its grace
    // period, so the SIGKILL at its end finds the process paused (paused → exited).
    for op in [Step::Stop(1, Some(5)), Step::Restart(1, Some(5))] {
        let script = [
            Step::Remove(1, true),
            Step::Create(1),
            Step::Start(1),
            op,
            Step::Advance(100),
            Step::Pause(1),
            Step::Advance(6_000),
        ];
        for step in &script {
            walk.step(step).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let table: BTreeSet<(Place, Place, Trigger)> = MOVES
        .iter()
        .flat_map(|m| m.triggers.iter().map(move |t| (m.from, m.to, *t)))
        .collect();
    let missing: Vec<_> = table.difference(&walk.made).collect();
    assert!(
        missing.is_empty(),
        "the walk never made {missing:?}; it made {:?}",
        walk.made
    );
}

/// The table has each pair of places once, and only places a container can be in.
#[test]
fn the_table_has_each_move_once() {
    let mut pairs = BTreeSet::new();
    for m in MOVES {
        assert!(pairs.insert((m.from, m.to)), "{} → {} twice", m.from, m.to);
        assert_ne!(m.from, Place::Removed, "nothing leaves removed");
        assert_ne!(m.to, Place::New, "nothing goes back to new");
        assert!(
            !m.triggers.is_empty(),
            "{} → {} has no trigger",
            m.from,
            m.to
        );
    }
    // Every state is reached and left.
    for k in StateKind::ALL {
        assert!(
            MOVES.iter().any(|m| m.to == Place::State(k)),
            "{k} is never reached"
        );
        assert!(
            MOVES.iter().any(|m| m.from == Place::State(k)),
            "{k} is never left"
        );
    }
}

/// `possible`: the moves open now follow the action rules, plus the engine's own.
#[test]
fn possible_moves_follow_the_rules() {
    let mut sim = Sim::new(Time::from_unix_secs(1_700_000_000), 1);
    let id = sim
        .create(CreateSpec::new("local/busybox:1", &["sleep", "1000"]))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let open = |sim: &Sim| -> Vec<(Place, Place)> {
        let c = sim.inspect(&id).unwrap_or_else(|e| panic!("{e:?}"));
        possible(&c).iter().map(|m| (m.from, m.to)).collect()
    };
    let created = Place::State(StateKind::Created);
    assert_eq!(
        open(&sim),
        vec![
            (created, Place::State(StateKind::Running)),
            (created, Place::State(StateKind::Removing)),
        ]
    );
    sim.start(&id).unwrap_or_else(|e| panic!("{e:?}"));
    let running = Place::State(StateKind::Running);
    let to: Vec<Place> = open(&sim)
        .into_iter()
        .map(|(f, t)| {
            assert_eq!(f, running);
            t
        })
        .collect();
    for k in [
        StateKind::Paused,
        StateKind::Exited,
        StateKind::Restarting,
        StateKind::Removing,
    ] {
        assert!(
            to.contains(&Place::State(k)),
            "running → {k} should be open: {to:?}"
        );
    }
}

/// The causes are what happened: a kill carries its signal, a policy restart its attempt and
/// backoff, the operator's relaunch is another client's start.
#[test]
fn transitions_carry_their_causes() {
    let mut sim = Sim::new(Time::from_unix_secs(1_700_000_000), 3);
    let id = sim
        .create(
            CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 2"])
                .program(Program::ExitsAfter {
                    after_ms: 1_000,
                    code: 2,
                })
                .restart(RestartPolicy::on_failure(1)),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    sim.start(&id).unwrap_or_else(|e| panic!("{e:?}"));
    sim.advance_by(Duration::from_secs(1));
    sim.advance_to_next_deadline();
    sim.advance_by(Duration::from_secs(1));
    let causes: Vec<(Place, Place, Cause)> = sim
        .drain_transitions()
        .into_iter()
        .map(|t| (t.from, t.to, t.cause))
        .collect();
    let st = Place::State;
    assert_eq!(
        causes,
        vec![
            (
                Place::New,
                st(StateKind::Created),
                Cause::Create { by: By::Berth }
            ),
            (
                st(StateKind::Created),
                st(StateKind::Running),
                Cause::Op {
                    action: Action::Start,
                    by: By::Berth
                }
            ),
            (
                st(StateKind::Running),
                st(StateKind::Restarting),
                Cause::Exit { code: 2 }
            ),
            (
                st(StateKind::Restarting),
                st(StateKind::Running),
                Cause::Policy {
                    attempt: 1,
                    backoff_ms: 100
                }
            ),
            (
                st(StateKind::Running),
                st(StateKind::Exited),
                Cause::Exit { code: 2 }
            ),
        ]
    );

    sim.relaunch_after(&id, Some(Duration::from_secs(5)))
        .unwrap_or_else(|e| panic!("{e:?}"));
    sim.start(&id).unwrap_or_else(|e| panic!("{e:?}"));
    sim.kill(&id, Some("SIGUSR1"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let t = sim.drain_transitions();
    assert_eq!(
        t.last().map(|t| (&t.cause, t.to)),
        Some((
            &Cause::Signal {
                signal: 10,
                by: By::Berth
            },
            st(StateKind::Exited)
        )),
        "{t:?}"
    );
    // It exited on its own and its policy gave up: the operator starts it 5 s later.
    sim.start(&id).unwrap_or_else(|e| panic!("{e:?}"));
    sim.advance_by(Duration::from_secs(1));
    sim.advance_by(Duration::from_millis(100));
    sim.advance_by(Duration::from_secs(1));
    sim.drain_transitions();
    sim.advance_by(Duration::from_secs(5));
    let t = sim.drain_transitions();
    assert_eq!(
        t.first().map(|t| &t.cause),
        Some(&Cause::Op {
            action: Action::Start,
            by: By::Other
        }),
        "{t:?}"
    );
}

/// A sim nobody drains keeps only the newest transitions: a long-running simulated engine does
/// not grow without bound (found by the adapter's sustained-flood test).
#[test]
fn undrained_transitions_are_bounded() {
    let mut sim = Sim::new(Time::from_unix_secs(1_700_000_000), 3);
    let id = sim
        .create(CreateSpec::new("local/busybox:1", &["sleep", "inf"]))
        .unwrap_or_else(|e| panic!("{e:?}"));
    sim.start(&id).unwrap_or_else(|e| panic!("{e:?}"));
    for _ in 0..MAX_UNDRAINED_TRANSITIONS {
        sim.pause(&id).unwrap_or_else(|e| panic!("{e:?}"));
        sim.unpause(&id).unwrap_or_else(|e| panic!("{e:?}"));
    }
    let kept = sim.drain_transitions();
    assert_eq!(kept.len(), MAX_UNDRAINED_TRANSITIONS);
    // The newest: the last unpause.
    assert_eq!(
        kept.last().map(|t| t.to),
        Some(Place::State(StateKind::Running))
    );
    assert!(sim.drain_transitions().is_empty());
}

/// The simulated engine, and the mirror's model reading its events as the mirror does: each
/// event applied, a new container's settings read from its record (the mirror's inspect), the
/// records of the containers read after each step, and each step followed by a quiet second
/// ([`Model::settle`]).
struct Mirrored {
    walk: Walk,
    model: Model,
    /// Each container's transitions as the simulated engine made them, and as the model read
    /// them from its events.
    by_sim: BTreeMap<String, Vec<Transition>>,
    by_model: BTreeMap<String, Vec<Transition>>,
    /// The containers a `docker stop` or `docker restart` is waiting on (their process
    /// ignored the stop signal).
    stopping: BTreeSet<String>,
    /// The containers whose events do not tell which operation it was, not compared: asked
    /// for a second operation while one waited (the events of the two interleave), or
    /// removed with force while running with `--rm`.
    overlapped: BTreeSet<String>,
}

impl Mirrored {
    fn new(seed: u64) -> Mirrored {
        Mirrored {
            walk: Walk::new(seed),
            model: Model::new(),
            by_sim: BTreeMap::new(),
            by_model: BTreeMap::new(),
            stopping: BTreeSet::new(),
            overlapped: BTreeSet::new(),
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let target = self.walk.target(step);
        if let Some(id) = target.as_ref().filter(|id| self.stopping.contains(*id)) {
            self.overlapped.insert(id.clone());
        }
        // `docker rm -f` of a running `--rm` container sends what `docker kill` does (`kill`
        // 9, `die`, `destroy`): the model reads the kill and the auto-removal.
        if let (Step::Remove(_, true), Some(id)) = (step, &target) {
            let running_rm = self
                .walk
                .sim
                .list()
                .into_iter()
                .any(|c| c.id == *id && c.state.running && c.host_config.auto_remove);
            if running_rm {
                self.overlapped.insert(id.clone());
            }
        }
        self.walk.step(step)?;
        let running = |t: &Transition| t.to == Place::State(StateKind::Running);
        for t in std::mem::take(&mut self.walk.last) {
            if !running(&t) && t.from == Place::State(StateKind::Running) {
                self.stopping.remove(&t.id);
            }
            self.by_sim.entry(t.id.clone()).or_default().push(t);
        }
        if let (Step::Stop(..) | Step::Restart(..), Some(id)) = (step, target) {
            let still = self
                .walk
                .sim
                .list()
                .into_iter()
                .any(|c| c.id == id && c.state.running && !c.state.restarting);
            if still {
                self.stopping.insert(id);
            }
        }
        let records: BTreeMap<String, Container> = self
            .walk
            .sim
            .list()
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        for e in self.walk.sim.drain_events() {
            let applied = self.model.apply(&e);
            if applied.change == ChangeKind::Created {
                // The inspect after a create: the settings, at the state the events left.
                if let (Some(record), Some(now)) =
                    (records.get(e.id()), self.model.container(e.id()))
                {
                    let mut record = record.clone();
                    record.state = now.state.clone();
                    record.restart_count = now.restart_count;
                    self.model.upsert(record, e.at());
                }
            }
        }
        let now = self.walk.sim.now();
        for record in records.into_values() {
            self.model.upsert(record, now);
        }
        self.model.settle(now.add(QUIET));
        for t in self.model.drain_transitions() {
            // The simulation's transitions are its moves; the health check's changes are the
            // model's too (the simulation says them in events).
            if !matches!(t.cause, Cause::Health { .. }) {
                self.by_model.entry(t.id.clone()).or_default().push(t);
            }
        }
        Ok(())
    }

    /// Each container's transitions, as the engine made them and as the model read them, the
    /// same: places and causes, but who asked (the events do not say), `rm -f` of a container
    /// with no process (only `destroy` is seen: `docker rm`), and what no event shows (the
    /// model's cause is unknown).
    fn same_causes(&self) -> Result<(), String> {
        let norm = |ts: &[Transition]| -> Vec<(Place, Place, Cause, Option<i64>)> {
            let mut out: Vec<(Place, Place, Cause, Option<i64>)> = Vec::new();
            for t in ts {
                let mut cause = t.cause.clone().by(By::Other);
                let quiet_rm = matches!(
                    t.from,
                    Place::State(
                        StateKind::Created
                            | StateKind::Exited
                            | StateKind::Dead
                            | StateKind::Restarting
                    )
                ) || (t.from == Place::State(StateKind::Removing)
                    && out.last().is_some_and(|(_, _, c, _)| {
                        *c == Cause::Op {
                            action: Action::Remove,
                            by: By::Other,
                        }
                    }));
                if quiet_rm
                    && cause
                        == (Cause::Op {
                            action: Action::ForceRemove,
                            by: By::Other,
                        })
                {
                    cause = Cause::Op {
                        action: Action::Remove,
                        by: By::Other,
                    };
                }
                out.push((t.from, t.to, cause, t.exit_code));
            }
            out
        };
        let ids: BTreeSet<&String> = self
            .by_sim
            .keys()
            .chain(self.by_model.keys())
            .filter(|id| !self.overlapped.contains(*id))
            .collect();
        for id in ids {
            let sim = norm(self.by_sim.get(id).map_or(&[], Vec::as_slice));
            let model = norm(self.by_model.get(id).map_or(&[], Vec::as_slice));
            // A paused process thawed by a signal that has not ended it is held until its next
            // event: a `docker stop` may still kill it when its timeout passes.
            let thawed = |rest: &[(Place, Place, Cause, Option<i64>)]| {
                rest.first().is_some_and(|(from, to, _, _)| {
                    *from == Place::State(StateKind::Paused)
                        && *to == Place::State(StateKind::Running)
                })
            };
            let held = model.len() < sim.len() && thawed(&sim[model.len()..]);
            let sim = if held { &sim[..model.len()] } else { &sim[..] };
            // Where the engine sends no event (`docker kill` of a restarting container), the
            // model does not guess: the cause is unknown.
            let agree = sim.len() == model.len()
                && sim.iter().zip(&model).all(|(s, m)| {
                    s.0 == m.0 && s.1 == m.1 && s.3 == m.3 && (s.2 == m.2 || m.2 == Cause::Unknown)
                });
            if !agree {
                return Err(format!(
                    "{id}:\n the engine made {sim:#?}\n the model read {model:#?}"
                ));
            }
        }
        Ok(())
    }
}

/// The same as the property, in the browser too: one long random walk.
#[test]
fn the_model_reads_the_causes_of_a_long_walk() {
    let mut m = Mirrored::new(11);
    let mut r = Rng::new(2027);
    for _ in 0..3_000 {
        let step = observable(random_step(&mut r));
        m.step(&step).unwrap_or_else(|e| panic!("{e}"));
    }
    m.same_causes().unwrap_or_else(|e| panic!("{e}"));
}

/// `step`, or a start in place of a removal failure the simulation stages (the engine's events
/// do not show those).
fn observable(step: Step) -> Step {
    match step {
        Step::FailRemoval(i) | Step::BeginRemoval(i) | Step::CompleteRemoval(i) => Step::Start(i),
        s => s,
    }
}

/// Steps of the operations and of the process (not the removal failures the simulation
/// stages, which the engine's events do not show).
#[cfg(not(target_arch = "wasm32"))]
fn observable_step() -> impl Strategy<Value = Step> {
    step_strategy().prop_map(observable)
}

/// Every cause reads back as it was written, as `{"kind": …, fields}`; a damaged one is refused
/// with what is wrong.
#[test]
fn causes_round_trip_through_json() {
    let by = By::Other;
    let causes = [
        Cause::Create { by },
        Cause::Op {
            action: Action::ForceRemove,
            by: By::Berth,
        },
        Cause::Stop {
            action: Action::Restart,
            signal: 15,
            kill_after_ms: Some(10_000),
            by,
        },
        Cause::Stop {
            action: Action::Stop,
            signal: 10,
            kill_after_ms: None,
            by,
        },
        Cause::Signal { signal: 9, by },
        Cause::Exit { code: 3 },
        Cause::Oom,
        Cause::Policy {
            attempt: 2,
            backoff_ms: 200,
        },
        Cause::AutoRemove,
        Cause::RemovalFailed {
            message: "device or resource busy".to_owned(),
        },
        Cause::RemovalDone,
        Cause::Health {
            was: HealthStatus::Starting,
            status: HealthStatus::Unhealthy,
        },
        Cause::Unknown,
    ];
    for cause in causes {
        let json = serde_json::to_value(&cause).unwrap_or_else(|e| panic!("{e}"));
        assert!(json["kind"].is_string(), "{json}");
        let back: Cause = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, cause, "{json}");
    }
    let stop = serde_json::json!({"kind": "stop", "action": "stop", "by": "other"});
    let err = serde_json::from_value::<Cause>(stop)
        .unwrap_err()
        .to_string();
    assert!(err.contains("without signal"), "{err}");
    let odd = serde_json::json!({"kind": "gremlins"});
    let err = serde_json::from_value::<Cause>(odd)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown kind of cause"), "{err}");
}

/// A signal sent to a paused process waits for the thaw. When `docker restart` thaws it with
/// its stop signal and the waiting SIGTERM ends it, the restart starts a new process: the stop
/// signal was for the old one and must not end the new one (the property test found this).
#[test]
fn a_signal_is_for_the_process_it_was_sent_to() {
    let mut walk = Walk::new(0);
    let mut moves = Vec::new();
    for step in [
        Step::Create(4),
        Step::Start(4),
        Step::Pause(4),
        Step::Kill(4, Some("TERM")),
        Step::Restart(4, None),
    ] {
        walk.step(&step).unwrap_or_else(|e| panic!("{e}"));
        moves.extend(walk.last.iter().map(Transition::describe));
    }
    assert_eq!(
        moves[moves.len() - 3..],
        [
            "paused → running: docker restart (SIGUSR1)",
            "running → exited (143): docker restart (SIGUSR1)",
            "exited → running: docker restart",
        ]
    );
}
