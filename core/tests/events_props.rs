//! Property tests of the event parser and the mirror model: any input parses or fails cleanly,
//! and any sequence of events and engine records leaves the model consistent (store, view,
//! names, revisions, the state flags' invariants). Native only (proptest).

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};

use berth_core::{
    ChangeKind, Container, Event, Model, RestartPolicy, StateKind, Time, WaitCondition,
};
use proptest::prelude::*;

const IDS: [&str; 4] = [
    "1111111111111111111111111111111111111111111111111111111111111111",
    "1112222222222222222222222222222222222222222222222222222222222222",
    "3333333333333333333333333333333333333333333333333333333333333333",
    "4444444444444444444444444444444444444444444444444444444444444444",
];
const NAMES: [&str; 3] = ["web", "db", "/cache"];

#[derive(Debug, Clone)]
enum Step {
    Event {
        action: &'static str,
        id: usize,
        attrs: Vec<(&'static str, String)>,
        dt: i64,
    },
    Upsert {
        id: usize,
        name: usize,
        running: bool,
        restarting: bool,
        exit_code: i64,
        policy: usize,
    },
    Remove(usize),
    Resync(Vec<usize>),
    Wait(usize, usize),
}

fn action() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "create",
        "start",
        "die",
        "kill",
        "oom",
        "pause",
        "unpause",
        "stop",
        "restart",
        "rename",
        "destroy",
        "health_status: healthy",
        "health_status: unhealthy",
        "health_status: starting",
        "health_status: nonsense",
        "exec_create: /bin/sh -c true",
        "exec_start: /bin/sh -c true",
        "exec_die",
        "attach",
        "update",
        "top",
    ])
}

fn attrs() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "name", "oldName", "exitCode", "signal", "execID", "image", "label",
            ]),
            prop_oneof![
                prop::sample::select(vec!["web", "/db", "cache", "0", "1", "137", "9", "15", "x"])
                    .prop_map(str::to_owned),
                "[a-z0-9/:]{0,6}",
            ],
        ),
        0..4,
    )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (action(), 0..IDS.len(), attrs(), 0i64..3_000)
            .prop_map(|(action, id, attrs, dt)| Step::Event { action, id, attrs, dt }),
        1 => (0..IDS.len(), 0..NAMES.len(), any::<bool>(), any::<bool>(), -1i64..140, 0usize..4)
            .prop_map(|(id, name, running, restarting, exit_code, policy)| Step::Upsert {
                id, name, running, restarting, exit_code, policy,
            }),
        1 => (0..IDS.len()).prop_map(Step::Remove),
        1 => prop::collection::vec(0..IDS.len(), 0..4).prop_map(Step::Resync),
        1 => (0..IDS.len(), 0usize..3).prop_map(|(id, c)| Step::Wait(id, c)),
    ]
}

fn policy(n: usize) -> RestartPolicy {
    match n {
        0 => RestartPolicy::no(),
        1 => RestartPolicy::always(),
        2 => RestartPolicy::unless_stopped(),
        _ => RestartPolicy::on_failure(2),
    }
}

fn record(
    id: usize,
    name: usize,
    running: bool,
    restarting: bool,
    exit_code: i64,
    p: usize,
) -> Container {
    let mut c = Container::new_base(IDS[id]);
    c.name = NAMES[name].to_owned();
    c.host_config.restart_policy = policy(p);
    c.state.running = running || restarting;
    c.state.restarting = restarting;
    c.state.exit_code = exit_code;
    if running {
        c.state.started_at = Time::from_unix_secs(1_000);
    }
    c
}

fn check_consistent(m: &Model) {
    let view = m.view();
    let in_view: BTreeSet<String> = view.iter().map(|s| s.id().to_owned()).collect();
    let in_store: BTreeSet<String> = m.list().iter().map(|c| c.id.clone()).collect();
    assert_eq!(in_view, in_store, "view and store hold the same containers");
    assert_eq!(m.len(), in_store.len());
    let counts = m.counts();
    assert_eq!(counts.len(), StateKind::ALL.len());
    assert_eq!(counts.values().sum::<usize>(), m.len());
    let mut owners = BTreeMap::new();
    for (id, names) in view.get_all_names() {
        assert!(in_store.contains(&id), "names only for known containers");
        for n in names {
            assert!(n.starts_with('/'));
            assert!(
                owners.insert(n, id.clone()).is_none(),
                "a name has one owner"
            );
        }
    }
    for c in m.list() {
        let s = &c.state;
        assert!(!s.paused || s.running, "paused implies running");
        assert!(!s.restarting || s.running, "restarting implies running");
        let rev = m
            .revision_of(&c.id)
            .expect("every container has a revision");
        assert!(rev <= m.revision());
        if !c.name.is_empty() {
            assert!(c.name.starts_with('/'));
        }
        assert!(c.exec_commands.len() <= berth_core::model::MAX_EXECS_PER_CONTAINER);
        let snap = view.get(&c.id).unwrap();
        assert_eq!(snap.running, s.running);
        assert_eq!(snap.paused, s.paused);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_strings(s in ".{0,200}") {
        let _ = Event::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_event_like_json(
        ty in prop_oneof![Just(serde_json::json!("container")), Just(serde_json::json!(null)), any::<i64>().prop_map(|n| serde_json::json!(n))],
        action in prop_oneof![".{0,12}".prop_map(|s| serde_json::json!(s)), Just(serde_json::json!([]))],
        id in prop_oneof!["[a-f0-9]{0,8}".prop_map(|s| serde_json::json!(s)), Just(serde_json::json!(1))],
        attr in prop_oneof![".{0,6}".prop_map(|s| serde_json::json!(s)), any::<i32>().prop_map(|n| serde_json::json!(n))],
        time in prop_oneof![any::<i64>().prop_map(|n| serde_json::json!(n)), Just(serde_json::json!(1.5)), Just(serde_json::json!("x"))],
    ) {
        let v = serde_json::json!({
            "Type": ty, "Action": action,
            "Actor": {"ID": id, "Attributes": {"exitCode": attr}},
            "time": time, "timeNano": time,
        });
        if let Ok(e) = Event::from_value(v.clone()) {
            // Whatever parses applies without panicking and round-trips.
            let mut m = Model::new();
            let _ = e.at();
            m.apply(&e);
            let back = Event::parse(&serde_json::to_string(&e).unwrap()).unwrap();
            prop_assert_eq!(back, e);
        }
        let _ = Event::parse(&v.to_string());
    }

    #[test]
    fn any_sequence_keeps_the_model_consistent(steps in prop::collection::vec(step(), 1..60)) {
        let mut m = Model::new();
        let mut now = 1_000_000i64;
        let mut waiters = Vec::new();
        for step in steps {
            let before = m.revision();
            match step {
                Step::Event { action, id, attrs, dt } => {
                    now += dt;
                    let mut e = Event::container(action, IDS[id], Time::from_unix_millis(now));
                    for (k, v) in attrs {
                        e = e.with_attribute(k, v);
                    }
                    let applied = m.apply(&e);
                    prop_assert_eq!(applied.revision, m.revision());
                    if applied.change == ChangeKind::Ignored {
                        prop_assert_eq!(m.revision(), before);
                    } else {
                        prop_assert_eq!(m.revision(), before + 1);
                    }
                    match applied.change {
                        ChangeKind::Removed => prop_assert!(m.container(IDS[id]).is_none()),
                        ChangeKind::Created | ChangeKind::Updated => prop_assert!(m.container(IDS[id]).is_some()),
                        ChangeKind::Ignored => {}
                    }
                }
                Step::Upsert { id, name, running, restarting, exit_code, policy } => {
                    let rev = m.upsert(record(id, name, running, restarting, exit_code, policy), Time::from_unix_millis(now));
                    prop_assert_eq!(Some(rev), m.revision_of(IDS[id]));
                    prop_assert!(m.revision() <= before + 1);
                    // The same record again changes nothing.
                    let again = m.upsert(record(id, name, running, restarting, exit_code, policy), Time::from_unix_millis(now));
                    prop_assert_eq!(again, rev);
                }
                Step::Remove(id) => {
                    let had = m.container(IDS[id]).is_some();
                    prop_assert_eq!(m.remove(IDS[id], Time::from_unix_millis(now)).is_some(), had);
                    prop_assert!(m.container(IDS[id]).is_none());
                }
                Step::Resync(ids) => {
                    let list: Vec<Container> = ids.iter().map(|i| record(*i, *i % NAMES.len(), false, false, 0, 0)).collect();
                    let wanted: BTreeSet<&str> = ids.iter().map(|i| IDS[*i]).collect();
                    let changed = m.resync(list, Time::from_unix_millis(now));
                    prop_assert_eq!(m.revision(), before + changed.len() as u64);
                    let have: BTreeSet<&str> = m.list().iter().map(|c| c.id.as_str()).collect();
                    prop_assert_eq!(have, wanted);
                }
                Step::Wait(id, cond) => {
                    if let Some(c) = m.container_mut(IDS[id]) {
                        waiters.push(c.state.wait(WaitCondition::ALL[cond]));
                    }
                }
            }
            check_consistent(&m);
        }
        // Removing everything resolves every waiter.
        m.resync(Vec::new(), Time::from_unix_millis(now));
        prop_assert!(m.is_empty());
        for mut w in waiters {
            let status = w.try_result();
            prop_assert!(status.is_some());
            // Resolved by a transition, not by the state being dropped.
            prop_assert_ne!(
                status.and_then(|s| s.error),
                Some("container state dropped".to_owned())
            );
        }
    }
}
