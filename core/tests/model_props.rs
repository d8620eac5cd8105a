//! Model-based properties of the ViewDB and of `State` (native only: proptest).
//!
//! (a) The [`ViewDb`] against a naive model (ordered maps of IDs and names) under random
//! sequences of writes and reads; every snapshot taken along the way must keep answering as at
//! its time. (b) `State` under random transition sequences, with waiters placed and dropped:
//! the flag invariants, the seven states, and exactly which transitions wake which waiters.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use berth_core::state::StateKind;
use berth_core::{
    Container, ExitStatus, State, StateStatus, Time, View, ViewDb, ViewError, WaitCondition, Waiter,
};
use proptest::prelude::*;

// ---- (a) ViewDb against a naive model --------------------------------------------------------

/// The naive model: ID → (pid, names at save time), name → ID.
#[derive(Debug, Clone, Default)]
struct Model {
    containers: BTreeMap<String, (i64, Vec<String>)>,
    names: BTreeMap<String, String>,
}

impl Model {
    fn names_of(&self, id: &str) -> Vec<String> {
        // BTreeMap iteration is in name order, as the ViewDB's.
        self.names
            .iter()
            .filter(|(_, holder)| holder.as_str() == id)
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn save(&mut self, id: &str, pid: i64) {
        let names = self.names_of(id);
        self.containers.insert(id.to_owned(), (pid, names));
    }

    fn delete(&mut self, id: &str) {
        self.containers.remove(id);
        self.names.retain(|_, holder| holder != id);
    }

    fn reserve(&mut self, name: &str, id: &str) -> Result<(), ViewError> {
        match self.names.get(name) {
            Some(holder) if holder == id => Ok(()),
            Some(_) => Err(ViewError::NameReserved),
            None => {
                self.names.insert(name.to_owned(), id.to_owned());
                Ok(())
            }
        }
    }

    fn release(&mut self, name: &str) -> Result<(), ViewError> {
        self.names
            .remove(name)
            .map(|_| ())
            .ok_or(ViewError::ReleaseNotFound)
    }

    fn get_by_prefix(&self, prefix: &str) -> Result<String, ViewError> {
        if prefix.is_empty() {
            return Err(ViewError::EmptyPrefix);
        }
        let hits: Vec<&String> = self
            .containers
            .keys()
            .filter(|id| id.starts_with(prefix))
            .collect();
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(ViewError::NoSuchContainer(prefix.to_owned())),
            _ => Err(ViewError::AmbiguousPrefix(prefix.to_owned())),
        }
    }

    fn all_names(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, id) in &self.names {
            out.entry(id.clone()).or_default().push(name.clone());
        }
        out
    }
}

#[derive(Debug, Clone)]
enum DbOp {
    Save(String, i64),
    Delete(String),
    Reserve(String, String),
    Release(String),
    GetByPrefix(String),
    Snapshot,
}

/// IDs over a three-letter alphabet, so that prefixes collide often; some longer than eight
/// characters with the same first eight, where the ViewDb's key heads tie.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[abc]{1,4}", 1 => "aaaaaaa[ab]{0,3}"]
}

fn name() -> impl Strategy<Value = String> {
    "/[xyz]{1,2}"
}

fn db_op() -> impl Strategy<Value = DbOp> {
    prop_oneof![
        4 => (id(), 0..1000_i64).prop_map(|(id, pid)| DbOp::Save(id, pid)),
        2 => id().prop_map(DbOp::Delete),
        3 => (name(), id()).prop_map(|(n, id)| DbOp::Reserve(n, id)),
        2 => name().prop_map(DbOp::Release),
        3 => "[abc]{0,3}".prop_map(DbOp::GetByPrefix),
        1 => Just(DbOp::Snapshot),
    ]
}

/// Every prefix of up to two letters, plus the empty one: what the views are probed with.
fn probe_prefixes() -> Vec<String> {
    let mut out = vec![String::new()];
    for tail in ["", "a", "b", "aa", "ab", "ba", "aab"] {
        out.push(format!("aaaaaaa{tail}"));
    }
    for a in ['a', 'b', 'c', 'd'] {
        out.push(a.to_string());
        for b in ['a', 'b', 'c'] {
            out.push(format!("{a}{b}"));
        }
    }
    out
}

fn assert_view_matches(view: &View, model: &Model) -> Result<(), TestCaseError> {
    let all = view.all();
    let ids: Vec<&str> = all.iter().map(|s| s.id()).collect();
    let want: Vec<&str> = model.containers.keys().map(String::as_str).collect();
    prop_assert_eq!(&ids, &want);
    prop_assert_eq!(view.len(), model.containers.len());
    for (id, (pid, names)) in &model.containers {
        let s = view
            .get(id)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(s.pid, *pid);
        prop_assert_eq!(&s.summary.names, names);
    }
    prop_assert_eq!(
        view.get("zzz").unwrap_err(),
        ViewError::NoSuchContainer("zzz".into())
    );
    for (name, id) in &model.names {
        prop_assert_eq!(view.get_id(name), Ok(id.clone()));
    }
    prop_assert_eq!(view.get_id("/none"), Err(ViewError::NameNotReserved));
    prop_assert_eq!(view.get_all_names(), model.all_names());
    for p in probe_prefixes() {
        prop_assert_eq!(
            view.get_by_prefix(&p),
            model.get_by_prefix(&p),
            "prefix {:?}",
            p
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn viewdb_behaves_like_the_naive_model(ops in proptest::collection::vec(db_op(), 1..80)) {
        let now = Time::from_unix_secs(1_700_000_000);
        let mut db = ViewDb::new();
        let mut model = Model::default();
        let mut snapshots: Vec<(View, Model)> = Vec::new();
        for op in ops {
            match op {
                DbOp::Save(id, pid) => {
                    let mut c = Container::new_base(id.clone());
                    c.state.pid = pid;
                    prop_assert_eq!(db.save(&c, now), Ok(()));
                    model.save(&id, pid);
                }
                DbOp::Delete(id) => {
                    prop_assert_eq!(db.delete(&Container::new_base(id.clone())), Ok(()));
                    model.delete(&id);
                }
                DbOp::Reserve(name, id) => {
                    prop_assert_eq!(db.reserve_name(&name, &id), model.reserve(&name, &id));
                }
                DbOp::Release(name) => {
                    prop_assert_eq!(db.release_name(&name), model.release(&name));
                }
                DbOp::GetByPrefix(p) => {
                    prop_assert_eq!(db.get_by_prefix(&p), model.get_by_prefix(&p));
                }
                DbOp::Snapshot => snapshots.push((db.snapshot(), model.clone())),
            }
            prop_assert_eq!(db.len(), model.containers.len());
            prop_assert_eq!(db.is_empty(), model.containers.is_empty());
        }
        assert_view_matches(&db.snapshot(), &model)?;
        // Every earlier snapshot still answers as at its time.
        for (view, then) in &snapshots {
            assert_view_matches(view, then)?;
        }
    }
}

// ---- (b) State under random transitions ------------------------------------------------------

#[derive(Debug, Clone)]
enum StateOp {
    Run { pid: i64, initial: bool },
    Stop { code: i64, exited_at_zero: bool },
    Restart { code: i64 },
    Pause,
    Unpause,
    RemovalInProgress,
    ResetRemoval,
    Removed { error: bool },
    Dead,
    OomKilled,
    Wait(WaitCondition),
    DropWaiter(usize),
    Tick(i64),
}

fn state_op() -> impl Strategy<Value = StateOp> {
    let condition = prop_oneof![
        Just(WaitCondition::NotRunning),
        Just(WaitCondition::NextExit),
        Just(WaitCondition::Removed),
    ];
    prop_oneof![
        4 => (1..5000_i64, any::<bool>()).prop_map(|(pid, initial)| StateOp::Run { pid, initial }),
        3 => (0..256_i64, any::<bool>())
            .prop_map(|(code, exited_at_zero)| StateOp::Stop { code, exited_at_zero }),
        2 => (0..256_i64).prop_map(|code| StateOp::Restart { code }),
        2 => Just(StateOp::Pause),
        1 => Just(StateOp::Unpause),
        1 => Just(StateOp::RemovalInProgress),
        1 => Just(StateOp::ResetRemoval),
        1 => any::<bool>().prop_map(|error| StateOp::Removed { error }),
        1 => Just(StateOp::Dead),
        1 => Just(StateOp::OomKilled),
        4 => condition.prop_map(StateOp::Wait),
        2 => (0..8_usize).prop_map(StateOp::DropWaiter),
        2 => (0..100_000_i64).prop_map(StateOp::Tick),
    ]
}

const SEVEN: [&str; 7] = [
    "created",
    "running",
    "paused",
    "restarting",
    "removing",
    "exited",
    "dead",
];

/// Which waiters a transition wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wakes {
    Nobody,
    StopWaiters,
    Everyone,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn state_invariants_hold_under_any_transition_sequence(
        ops in proptest::collection::vec(state_op(), 1..100)
    ) {
        let mut now = Time::from_unix_secs(1_700_000_000);
        let mut s = State::new();
        let mut live: Vec<(WaitCondition, Waiter)> = Vec::new();
        for op in ops {
            let mut wakes = Wakes::Nobody;
            match op {
                StateOp::Run { pid, initial } => s.set_running(pid, initial, now),
                StateOp::Stop { code, exited_at_zero } => {
                    let at = if exited_at_zero { Time::ZERO } else { now };
                    s.set_stopped(ExitStatus::new(code, at), now);
                    prop_assert_eq!(s.finished_at, now);
                    prop_assert_eq!(s.pid, 0);
                    wakes = Wakes::StopWaiters;
                }
                StateOp::Restart { code } => {
                    s.set_restarting(ExitStatus::new(code, now), now);
                    prop_assert_eq!(s.state_string(), "restarting");
                    wakes = Wakes::StopWaiters;
                }
                // The daemon pauses only a running container.
                StateOp::Pause => {
                    if s.running {
                        s.set_paused();
                    }
                }
                StateOp::Unpause => s.set_unpaused(),
                StateOp::RemovalInProgress => {
                    let was = s.removal_in_progress;
                    prop_assert_eq!(s.set_removal_in_progress(), was);
                    prop_assert!(s.removal_in_progress);
                }
                StateOp::ResetRemoval => s.reset_removal_in_progress(),
                StateOp::Removed { error } => {
                    if error {
                        s.set_removal_error(Some("driver failed"));
                    } else {
                        s.set_removed();
                    }
                    prop_assert!(s.removed);
                    wakes = Wakes::Everyone;
                }
                StateOp::Dead => s.set_dead(),
                StateOp::OomKilled => s.set_oom_killed(),
                StateOp::Wait(cond) => {
                    let before = s.pending_waiters();
                    let w = s.wait(cond);
                    let met_at_once = match cond {
                        WaitCondition::NotRunning => !s.running,
                        WaitCondition::NextExit => false,
                        WaitCondition::Removed => s.removed,
                    };
                    prop_assert_eq!(w.is_ready(), met_at_once, "{:?}", cond);
                    prop_assert_eq!(
                        s.pending_waiters(),
                        before + usize::from(!met_at_once)
                    );
                    live.push((cond, w));
                }
                StateOp::DropWaiter(i) => {
                    if !live.is_empty() {
                        let i = i % live.len();
                        let (_, dropped) = live.remove(i);
                        drop(dropped);
                    }
                }
                StateOp::Tick(ms) => now = now.add(berth_core::Duration::from_millis(ms)),
            }

            // The flag invariants and the seven states.
            prop_assert!(!s.paused || s.running, "Paused ⇒ Running");
            prop_assert!(!s.restarting || s.running, "Restarting ⇒ Running");
            prop_assert!(SEVEN.contains(&s.state_string()));
            prop_assert_eq!(s.state_string().parse::<StateKind>(), Ok(s.kind()));
            // The status text is empty exactly when a container that started has no finish.
            let started_unfinished = !s.running
                && !s.removal_in_progress
                && !s.dead
                && !s.started_at.is_zero()
                && s.finished_at.is_zero();
            prop_assert_eq!(s.status_string(now).is_empty(), started_unfinished);

            // Exactly the waiters this transition meets resolve, with the state's status then.
            let expected = StateStatus { exit_code: s.exit_code, error: s.err().map(str::to_owned) };
            let mut still = Vec::new();
            for (cond, mut w) in live.drain(..) {
                let was_ready = w.is_ready();
                match w.try_result() {
                    Some(got) => {
                        if !was_ready {
                            let woken = match wakes {
                                Wakes::Nobody => false,
                                Wakes::StopWaiters => cond != WaitCondition::Removed,
                                Wakes::Everyone => true,
                            };
                            prop_assert!(woken, "{:?} resolved by the wrong transition", cond);
                            prop_assert_eq!(&got, &expected);
                        }
                    }
                    None => {
                        let should_have = match wakes {
                            Wakes::Nobody => false,
                            Wakes::StopWaiters => cond != WaitCondition::Removed,
                            Wakes::Everyone => true,
                        };
                        prop_assert!(!should_have, "{:?} was not woken", cond);
                        still.push((cond, w));
                    }
                }
            }
            // A waiter that resolved, or that the test dropped, leaves nothing behind.
            prop_assert_eq!(s.pending_waiters(), still.len());
            if wakes == Wakes::Everyone {
                prop_assert_eq!(s.pending_waiters(), 0, "removal resolves every waiter");
            }
            live = still;
        }
        drop(live);
        prop_assert_eq!(s.pending_waiters(), 0);
    }
}
