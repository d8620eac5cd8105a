//! Engine events → the mirror model: parsing (both event shapes, garbage), every transition rule
//! of `Model::apply`, waiters, revisions, resync, and replays of real Engine 20.10 recordings
//! (testdata/engine, core/tests/data) checked against the engine's own inspect output.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::{BTreeMap, HashMap};

use berth_core::container::HealthConfig;
use berth_core::events::{signal_name, signal_number, ContainerAction};
use berth_core::model::MAX_EXECS_PER_CONTAINER;
use berth_core::{
    Applied, ChangeKind, Container, ContainerInspect, ErrorKind, Event, EventError, HasKind,
    Health, HealthStatus, Model, RestartPolicy, StateKind, Time, WaitCondition,
};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

/// A point `secs` seconds into an arbitrary day.
fn t(secs: i64) -> Time {
    Time::from_unix_secs(1_700_000_000 + secs)
}

fn ev(action: &str, id: &str, secs: i64) -> Event {
    Event::container(action, id, t(secs))
}

/// A model holding container `id` named `name` with `policy`, created at 0 as an inspect right
/// after `create` would show it.
fn model_with(id: &str, name: &str, policy: RestartPolicy) -> Model {
    let mut m = Model::new();
    m.apply(&ev("create", id, 0).with_attribute("name", name));
    m.upsert(inspected(id, name, policy), t(0));
    m
}

fn inspected(id: &str, name: &str, policy: RestartPolicy) -> Container {
    let mut c = Container::new_base(id);
    c.name = format!("/{name}");
    c.created = t(0);
    c.host_config.restart_policy = policy;
    c
}

fn state_of(m: &Model, id: &str) -> StateKind {
    m.container(id).expect("container in model").state.kind()
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A line of Engine 20.10's stream (API 1.41): legacy `status`, `id` and `from` present.
const LEGACY_DIE: &str = r#"{"status":"die","id":"864c429aefadd2235c02fd9742e84deddc35bbde3fece60faafe28051f9ad869","from":"local/busybox:1","Type":"container","Action":"die","Actor":{"ID":"864c429aefadd2235c02fd9742e84deddc35bbde3fece60faafe28051f9ad869","Attributes":{"exitCode":"0","image":"local/busybox:1","name":"hello"}},"scope":"local","time":1795934073,"timeNano":1795934073748664623}"#;

/// The same event as API 1.52 (Engine 29) sends it: no legacy fields.
const MODERN_HEALTH: &str = r#"{"Type":"container","Action":"health_status: healthy","Actor":{"ID":"7bdc0a1c5bdb77a271f93296b92459159631ebc4e763afcc1069018d26d0d467","Attributes":{"image":"local/busybox:1","name":"hc","com.example.tier":"web"}},"scope":"local","time":1795934078,"timeNano":1795934078535434574}"#;

#[test]
fn parses_the_legacy_shape_reading_only_the_current_fields() {
    let e = Event::parse(LEGACY_DIE).unwrap();
    assert_eq!(e.r#type, "container");
    assert_eq!(e.action, "die");
    assert_eq!(
        e.actor.id,
        "864c429aefadd2235c02fd9742e84deddc35bbde3fece60faafe28051f9ad869"
    );
    assert_eq!(e.attribute("exitCode"), Some("0"));
    assert_eq!(e.attribute("name"), Some("hello"));
    assert_eq!(e.scope, "local");
    assert_eq!(e.time, 1795934073);
    assert_eq!(e.time_nano, 1795934073748664623);
    assert!(e.is_container());
    assert_eq!(e.container_action(), Some(ContainerAction::Die));
    assert_eq!(e.at().to_rfc3339(), "2026-11-29T06:34:33.748664623Z");
}

#[test]
fn parses_the_api_1_52_shape() {
    let e = Event::parse(MODERN_HEALTH).unwrap();
    assert_eq!(e.verb(), "health_status");
    assert_eq!(e.detail(), Some("healthy"));
    assert_eq!(e.container_action(), Some(ContainerAction::HealthStatus));
    assert_eq!(e.attribute("com.example.tier"), Some("web"));
    assert_eq!(e.at(), Time::from_unix_nanos(1795934078535434574));
}

#[test]
fn serializes_to_the_engine_shape_without_legacy_fields() {
    let e = Event::parse(LEGACY_DIE).unwrap();
    let v: serde_json::Value = serde_json::to_value(&e).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["Action", "Actor", "Type", "scope", "time", "timeNano"]
    );
    assert_eq!(
        v["Actor"]["ID"],
        "864c429aefadd2235c02fd9742e84deddc35bbde3fece60faafe28051f9ad869"
    );
    assert_eq!(v["Actor"]["Attributes"]["exitCode"], "0");
    let back = Event::parse(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

#[test]
fn non_container_events_parse_with_null_attributes() {
    let e = Event::parse(
        r#"{"Type":"network","Action":"connect","Actor":{"ID":"421b","Attributes":null},"scope":"local","time":5,"timeNano":0}"#,
    )
    .unwrap();
    assert!(!e.is_container());
    assert_eq!(e.container_action(), None);
    assert!(e.actor.attributes.is_empty());
    assert_eq!(e.at(), Time::from_unix_secs(5));
    let daemon = Event::parse(r#"{"Type":"daemon","Action":"reload","Actor":{"ID":""}}"#).unwrap();
    assert_eq!(daemon.at(), Time::ZERO);
}

#[test]
fn garbage_is_an_invalid_parameter_error_never_a_panic() {
    let deep = "[".repeat(10_000);
    let cases: Vec<&str> = vec![
        "",
        " ",
        "{",
        "null",
        "[]",
        "42",
        "\"die\"",
        "{}",
        r#"{"Type":"container"}"#,
        r#"{"Type":"container","Action":""}"#,
        r#"{"Type":"container","Action":"die"}"#,
        r#"{"Type":"container","Action":"die","Actor":{"ID":""}}"#,
        r#"{"Type":1,"Action":"die","Actor":{"ID":"x"}}"#,
        r#"{"Type":"container","Action":"die","Actor":{"ID":"x","Attributes":{"exitCode":1}}}"#,
        r#"{"Type":"container","Action":"die","Actor":{"ID":"x"},"timeNano":"soon"}"#,
        r#"{"Type":"container","Action":"die","Actor":{"ID":"x"},"time":1.5}"#,
        "\u{0}\u{1}\u{ffff}",
        &deep,
    ];
    for input in cases {
        let err = Event::parse(input).expect_err(input);
        assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{input}");
        assert!(err.to_string().starts_with("invalid event"), "{err}");
    }
    assert_eq!(
        Event::parse(r#"{"Type":"container","Action":"die","Actor":{"ID":""}}"#),
        Err(EventError::MissingId {
            action: "die".into()
        })
    );
    assert_eq!(
        Event::parse(r#"{"Type":"image","Action":""}"#),
        Err(EventError::EmptyAction)
    );
}

#[test]
fn verb_and_detail_split_at_the_first_colon_space() {
    let cases = [
        ("health_status: healthy", "health_status", Some("healthy")),
        (
            "health_status: unhealthy",
            "health_status",
            Some("unhealthy"),
        ),
        (
            "exec_start: /bin/sh -c true",
            "exec_start",
            Some("/bin/sh -c true"),
        ),
        (
            "exec_create: sh -c 'a: b'",
            "exec_create",
            Some("sh -c 'a: b'"),
        ),
        ("exec_die", "exec_die", None),
        ("die", "die", None),
        ("archive-path", "archive-path", None),
    ];
    for (action, verb, detail) in cases {
        let e = ev(action, A, 0);
        assert_eq!(e.verb(), verb, "{action}");
        assert_eq!(e.detail(), detail, "{action}");
    }
}

#[test]
fn signals_by_number_and_name() {
    assert_eq!(signal_number("9"), Some(9));
    assert_eq!(signal_number("SIGKILL"), Some(9));
    assert_eq!(signal_number("term"), Some(15));
    assert_eq!(signal_number("SIGHUP"), Some(1));
    assert_eq!(signal_number("0"), None);
    assert_eq!(signal_number("NOPE"), None);
    assert_eq!(signal_number(""), None);
    // And back: the one table serves both ways.
    assert_eq!(signal_name(9).as_deref(), Some("SIGKILL"));
    assert_eq!(signal_name(10).as_deref(), Some("SIGUSR1"));
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(64), None);
    for n in 1..=31 {
        let name = signal_name(n).unwrap_or_default();
        assert_eq!(signal_number(&name), Some(n), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Rules

#[test]
fn create_inserts_a_created_container_with_name_image_and_labels() {
    let mut m = Model::new();
    let applied = m.apply(
        &ev("create", A, 1)
            .with_attribute("name", "web")
            .with_attribute("image", "nginx:1")
            .with_attribute("tier", "front"),
    );
    assert_eq!(
        applied,
        Applied {
            revision: 1,
            id: A.into(),
            change: ChangeKind::Created,
            needs_inspect: true
        }
    );
    let c = m.container(A).unwrap();
    assert_eq!(c.name, "/web");
    assert_eq!(c.config.image, "nginx:1");
    assert_eq!(
        c.config.labels,
        BTreeMap::from([("tier".to_string(), "front".to_string())])
    );
    assert_eq!(c.created, t(1));
    assert_eq!(c.state.kind(), StateKind::Created);
    let view = m.view();
    assert_eq!(view.get_id("/web").unwrap(), A);
    assert_eq!(view.get(A).unwrap().summary.state, "created");
    assert_eq!(m.revision_of(A), Some(1));
    // A second create of a known ID changes nothing.
    let again = m.apply(&ev("create", A, 2).with_attribute("name", "web"));
    assert_eq!(again.change, ChangeKind::Ignored);
    assert_eq!(m.revision(), 1);
}

#[test]
fn start_runs_with_pid_zero_and_asks_for_an_inspect() {
    let mut m = model_with(A, "web", RestartPolicy::no());
    let applied = m.apply(&ev("start", A, 5));
    assert_eq!(applied.change, ChangeKind::Updated);
    assert!(applied.needs_inspect);
    let c = m.container(A).unwrap();
    assert!(c.state.running);
    assert_eq!(c.state.pid, 0);
    assert_eq!(c.state.started_at, t(5));
    assert!(c.has_been_started_before);
    assert!(c.state.health.is_none());
    assert_eq!(
        m.view().get(A).unwrap().summary.status,
        "Up Less than a second"
    );
}

#[test]
fn start_with_a_health_check_resets_health_to_starting_keeping_the_log() {
    let mut m = Model::new();
    m.apply(&ev("create", A, 0).with_attribute("name", "hc"));
    let mut c = inspected(A, "hc", RestartPolicy::no());
    c.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD-SHELL".into(), "true".into()],
        ..HealthConfig::default()
    });
    m.upsert(c, t(0));
    m.apply(&ev("start", A, 1));
    let h = m.container(A).unwrap().state.health.clone().unwrap();
    assert_eq!(h.status(), HealthStatus::Starting);
    assert_eq!(
        m.view().get(A).unwrap().summary.status,
        "Up Less than a second (health: starting)"
    );
    m.apply(&ev("health_status: healthy", A, 4));
    let mut record = m.container(A).unwrap().clone();
    let health = record.state.health.as_mut().unwrap();
    health.failing_streak = 3;
    health.log.push(berth_core::health::ProbeResult::default());
    m.upsert(record, t(4));
    // die closes the monitor: the engine reports unhealthy, streak and log kept.
    m.apply(&ev("die", A, 6).with_attribute("exitCode", "137"));
    let h = m.container(A).unwrap().state.health.clone().unwrap();
    assert_eq!(h.status(), HealthStatus::Unhealthy);
    assert_eq!(h.failing_streak, 3);
    assert_eq!(h.log.len(), 1);
    // A new start: starting, streak 0, log kept.
    m.apply(&ev("start", A, 8));
    let h = m.container(A).unwrap().state.health.clone().unwrap();
    assert_eq!(h.status(), HealthStatus::Starting);
    assert_eq!(h.failing_streak, 0);
    assert_eq!(h.log.len(), 1);
}

#[test]
fn die_stops_with_the_exit_code_and_wakes_waiters() {
    let mut m = model_with(A, "job", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    let c = m.container_mut(A).unwrap();
    let mut not_running = c.state.wait(WaitCondition::NotRunning);
    let mut next_exit = c.state.wait(WaitCondition::NextExit);
    let mut removed = c.state.wait(WaitCondition::Removed);
    assert_eq!(not_running.try_result(), None);
    let applied = m.apply(&ev("die", A, 3).with_attribute("exitCode", "3"));
    assert_eq!(applied.change, ChangeKind::Updated);
    // The engine's FinishedAt is containerd's exit time, which a die does not carry.
    assert!(applied.needs_inspect);
    for w in [&mut not_running, &mut next_exit] {
        let status = w.try_result().expect("resolved by die");
        assert_eq!(status.exit_code, 3);
        assert_eq!(status.error, None);
    }
    assert_eq!(removed.try_result(), None);
    let c = m.container(A).unwrap();
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 3);
    assert_eq!(c.state.finished_at, t(3));
    assert_eq!(
        m.view().get(A).unwrap().summary.status,
        "Exited (3) Less than a second ago"
    );
    m.apply(&ev("destroy", A, 4));
    let status = removed.try_result().expect("resolved by destroy");
    assert_eq!(status.exit_code, 3);
}

#[test]
fn die_without_a_readable_exit_code_reads_zero() {
    for code in [
        None,
        Some(""),
        Some("x"),
        Some("99999999999999999999999"),
        Some("-"),
    ] {
        let mut m = model_with(A, "job", RestartPolicy::no());
        m.apply(&ev("start", A, 1));
        m.container_mut(A).unwrap().state.exit_code = 5;
        let mut die = ev("die", A, 2);
        if let Some(code) = code {
            die = die.with_attribute("exitCode", code);
        }
        m.apply(&die);
        assert_eq!(m.container(A).unwrap().state.exit_code, 0, "{code:?}");
        assert_eq!(state_of(&m, A), StateKind::Exited);
    }
}

#[test]
fn a_die_the_model_cannot_place_asks_for_an_inspect() {
    // Never seen started.
    let mut m = model_with(A, "job", RestartPolicy::no());
    let applied = m.apply(&ev("die", A, 1).with_attribute("exitCode", "1"));
    assert!(applied.needs_inspect);
    assert!(!m.container(A).unwrap().state.running);
    // The policy's start was missed: the restart still counts, and the next decision is made.
    let mut m = model_with(B, "crash", RestartPolicy::on_failure(2));
    m.apply(&ev("start", B, 1));
    m.apply(&ev("die", B, 2).with_attribute("exitCode", "7"));
    let applied = m.apply(&ev("die", B, 4).with_attribute("exitCode", "7"));
    assert!(applied.needs_inspect);
    let c = m.container(B).unwrap();
    assert_eq!(c.state.kind(), StateKind::Restarting);
    assert_eq!(c.restart_count, 2);
}

#[test]
fn crash_loop_under_on_failure_2() {
    let mut m = model_with(A, "crash", RestartPolicy::on_failure(2));
    let mut waiter = None;
    for (round, secs) in [(1, 10), (2, 20), (3, 30)] {
        m.apply(&ev("start", A, secs));
        assert_eq!(state_of(&m, A), StateKind::Running, "round {round}");
        waiter = Some(
            m.container_mut(A)
                .unwrap()
                .state
                .wait(WaitCondition::NotRunning),
        );
        m.apply(&ev("die", A, secs + 1).with_attribute("exitCode", "7"));
        let c = m.container(A).unwrap();
        let status = waiter.as_mut().unwrap().try_result().expect("exit wakes");
        assert_eq!(status.exit_code, 7);
        if round < 3 {
            assert_eq!(c.state.kind(), StateKind::Restarting, "round {round}");
            assert!(c.state.running && c.state.restarting);
            assert_eq!(c.restart_count, round);
            assert_eq!(
                m.view().get(A).unwrap().summary.status,
                "Restarting (7) Less than a second ago"
            );
        } else {
            assert_eq!(c.state.kind(), StateKind::Exited);
            assert_eq!(c.state.exit_code, 7);
            assert_eq!(c.restart_count, 2);
        }
    }
    assert!(waiter.is_some());
    // A manual start resets the count, as the engine's containerStart does.
    m.apply(&ev("start", A, 40));
    assert_eq!(m.container(A).unwrap().restart_count, 0);
    m.apply(&ev("die", A, 41).with_attribute("exitCode", "7"));
    assert_eq!(state_of(&m, A), StateKind::Restarting);
    assert_eq!(m.container(A).unwrap().restart_count, 1);
}

#[test]
fn on_failure_does_not_restart_after_exit_zero_but_always_does() {
    let mut m = model_with(A, "ok", RestartPolicy::on_failure(0));
    m.apply(&ev("start", A, 1));
    m.apply(&ev("die", A, 2).with_attribute("exitCode", "0"));
    assert_eq!(state_of(&m, A), StateKind::Exited);

    let mut m = model_with(B, "forever", RestartPolicy::always());
    m.apply(&ev("start", B, 1));
    m.apply(&ev("die", B, 2).with_attribute("exitCode", "0"));
    assert_eq!(state_of(&m, B), StateKind::Restarting);
    assert_eq!(m.container(B).unwrap().restart_count, 1);
}

#[test]
fn kill_then_die_does_not_restart_any_policy() {
    // Engine 20.10: `docker kill` (any signal without a custom StopSignal) cancels the restart
    // manager; recorded as alwayskill / alwayshup / unlesskill in core/tests/data.
    for policy in [
        RestartPolicy::always(),
        RestartPolicy::unless_stopped(),
        RestartPolicy::on_failure(0),
    ] {
        for signal in ["9", "15", "1"] {
            let mut m = model_with(A, "victim", policy.clone());
            m.apply(&ev("start", A, 1));
            let kill = m.apply(&ev("kill", A, 2).with_attribute("signal", signal));
            assert_eq!(kill.change, ChangeKind::Updated);
            assert!(m.container(A).unwrap().has_been_manually_stopped);
            m.apply(&ev("die", A, 3).with_attribute("exitCode", "137"));
            let c = m.container(A).unwrap();
            assert_eq!(c.state.kind(), StateKind::Exited, "{policy} {signal}");
            assert_eq!(c.restart_count, 0);
        }
    }
}

#[test]
fn kill_with_another_signal_than_a_custom_stop_signal_keeps_the_policy() {
    let mut m = Model::new();
    m.apply(&ev("create", A, 0).with_attribute("name", "a"));
    let mut c = inspected(A, "a", RestartPolicy::always());
    c.config.stop_signal = "SIGINT".into();
    m.upsert(c, t(0));
    m.apply(&ev("start", A, 1));
    m.apply(&ev("kill", A, 2).with_attribute("signal", "1"));
    m.apply(&ev("die", A, 3).with_attribute("exitCode", "129"));
    // always ignores the manual-stop mark; the manager was not cancelled.
    assert_eq!(state_of(&m, A), StateKind::Restarting);

    let mut m = Model::new();
    m.apply(&ev("create", B, 0).with_attribute("name", "b"));
    let mut c = inspected(B, "b", RestartPolicy::always());
    c.config.stop_signal = "SIGINT".into();
    m.upsert(c, t(0));
    m.apply(&ev("start", B, 1));
    m.apply(&ev("kill", B, 2).with_attribute("signal", "2"));
    m.apply(&ev("die", B, 3).with_attribute("exitCode", "130"));
    assert_eq!(state_of(&m, B), StateKind::Exited);
}

#[test]
fn stop_while_restarting_ends_exited_with_the_last_exit() {
    // The "always" scenario of testdata/engine: 4 × start/die(1), then only `stop`.
    let mut m = model_with(A, "always", RestartPolicy::always());
    for round in 0..4 {
        m.apply(&ev("start", A, round * 10));
        m.apply(&ev("die", A, round * 10 + 1).with_attribute("exitCode", "1"));
    }
    assert_eq!(state_of(&m, A), StateKind::Restarting);
    let mut waiter = m
        .container_mut(A)
        .unwrap()
        .state
        .wait(WaitCondition::NotRunning);
    assert_eq!(waiter.try_result(), None);
    let applied = m.apply(&ev("stop", A, 35));
    assert_eq!(applied.change, ChangeKind::Updated);
    let c = m.container(A).unwrap();
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 1);
    assert_eq!(c.restart_count, 4);
    assert_eq!(c.state.finished_at, t(31));
    assert_eq!(waiter.try_result().unwrap().exit_code, 1);
    // A policy start can no longer come; a manual one resets.
    m.apply(&ev("start", A, 50));
    assert_eq!(m.container(A).unwrap().restart_count, 0);
    assert!(!m.container(A).unwrap().has_been_manually_stopped);
}

#[test]
fn manual_restart_of_unless_stopped_runs_again() {
    // The "unless" scenario: kill(15), kill(9), die(137), stop, start, restart.
    let mut m = model_with(A, "unless", RestartPolicy::unless_stopped());
    m.apply(&ev("start", A, 1));
    for (action, attr) in [
        ("kill", Some(("signal", "15"))),
        ("kill", Some(("signal", "9"))),
        ("die", Some(("exitCode", "137"))),
        ("stop", None),
    ] {
        let mut e = ev(action, A, 12);
        if let Some((k, v)) = attr {
            e = e.with_attribute(k, v);
        }
        m.apply(&e);
    }
    assert_eq!(state_of(&m, A), StateKind::Exited);
    m.apply(&ev("start", A, 13));
    let restart = m.apply(&ev("restart", A, 13));
    assert_eq!(restart.change, ChangeKind::Ignored);
    let c = m.container(A).unwrap();
    assert_eq!(c.state.kind(), StateKind::Running);
    assert_eq!(c.restart_count, 0);
    assert!(!c.has_been_manually_stopped);
    // Not stopped by hand any more: the policy restarts the next crash.
    m.apply(&ev("die", A, 20).with_attribute("exitCode", "1"));
    assert_eq!(state_of(&m, A), StateKind::Restarting);
}

#[test]
fn oom_marks_the_exit_and_the_next_start_clears_it() {
    let mut m = model_with(A, "oom", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    m.apply(&ev("oom", A, 2));
    assert!(m.container(A).unwrap().state.oom_killed);
    m.apply(&ev("die", A, 2).with_attribute("exitCode", "137"));
    let c = m.container(A).unwrap();
    assert!(c.state.oom_killed);
    assert_eq!(c.state.exit_code, 137);
    assert_eq!(c.state.kind(), StateKind::Exited);
    m.apply(&ev("start", A, 5));
    assert!(!m.container(A).unwrap().state.oom_killed);
}

#[test]
fn pause_and_unpause() {
    let mut m = model_with(A, "web", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    let paused = m.apply(&ev("pause", A, 2));
    assert_eq!(paused.change, ChangeKind::Updated);
    assert!(!paused.needs_inspect);
    assert_eq!(state_of(&m, A), StateKind::Paused);
    assert_eq!(
        m.view().get(A).unwrap().summary.status,
        "Up 1 second (Paused)"
    );
    let again = m.apply(&ev("pause", A, 3));
    assert_eq!(again.change, ChangeKind::Ignored);
    assert_eq!(again.revision, paused.revision);
    m.apply(&ev("unpause", A, 4));
    assert_eq!(state_of(&m, A), StateKind::Running);
    // Only a running container can be paused: a pause the model cannot place asks for an
    // inspect and keeps the flags consistent.
    m.apply(&ev("die", A, 5).with_attribute("exitCode", "0"));
    let stray = m.apply(&ev("pause", A, 6));
    assert_eq!(stray.change, ChangeKind::Ignored);
    assert!(stray.needs_inspect);
    assert!(!m.container(A).unwrap().state.paused);
}

#[test]
fn rename_moves_the_name_reservation() {
    let mut m = model_with(A, "renamed", RestartPolicy::no());
    let applied = m.apply(
        &ev("rename", A, 1)
            .with_attribute("name", "renamed2")
            .with_attribute("oldName", "/renamed"),
    );
    assert_eq!(applied.change, ChangeKind::Updated);
    let view = m.view();
    assert_eq!(view.get_id("/renamed2").unwrap(), A);
    assert!(view.get_id("/renamed").is_err());
    assert_eq!(view.get(A).unwrap().summary.names, vec!["/renamed2"]);
    assert_eq!(m.container(A).unwrap().name, "/renamed2");
    // oldName without its slash works too.
    m.apply(
        &ev("rename", A, 2)
            .with_attribute("name", "third")
            .with_attribute("oldName", "renamed2"),
    );
    let view = m.view();
    assert_eq!(view.get_id("/third").unwrap(), A);
    assert!(view.get_id("/renamed2").is_err());
    assert_eq!(view.get_all_names()[A], vec!["/third"]);
}

#[test]
fn destroy_removes_the_container_and_frees_its_name() {
    let mut m = model_with(A, "gone", RestartPolicy::no());
    let mut waiter = m
        .container_mut(A)
        .unwrap()
        .state
        .wait(WaitCondition::Removed);
    let applied = m.apply(&ev("destroy", A, 3));
    assert_eq!(applied.change, ChangeKind::Removed);
    assert!(!applied.needs_inspect);
    assert_eq!(applied.revision, m.revision());
    assert!(m.container(A).is_none());
    assert_eq!(m.revision_of(A), None);
    assert!(m.view().get(A).is_err());
    assert!(m.view().get_id("/gone").is_err());
    assert_eq!(waiter.try_result().unwrap().exit_code, 0);
    // The name is free for a new container.
    m.apply(&ev("create", B, 4).with_attribute("name", "gone"));
    assert_eq!(m.view().get_id("/gone").unwrap(), B);
    // Destroying an unknown container: nothing to do, nothing to inspect.
    let unknown = m.apply(&ev("destroy", C, 5));
    assert_eq!(unknown.change, ChangeKind::Ignored);
    assert!(!unknown.needs_inspect);
}

#[test]
fn health_status_sets_the_status_and_asks_for_the_log() {
    let mut m = model_with(A, "hc", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    let applied = m.apply(&ev("health_status: healthy", A, 2));
    assert_eq!(applied.change, ChangeKind::Updated);
    assert!(applied.needs_inspect);
    assert_eq!(
        m.container(A)
            .unwrap()
            .state
            .health
            .as_ref()
            .unwrap()
            .status(),
        HealthStatus::Healthy
    );
    assert_eq!(m.view().get(A).unwrap().health, HealthStatus::Healthy);
    assert_eq!(
        m.view().get(A).unwrap().summary.status,
        "Up 1 second (healthy)"
    );
    m.apply(&ev("health_status: unhealthy", A, 3));
    assert_eq!(m.view().get(A).unwrap().health, HealthStatus::Unhealthy);
    let bogus = m.apply(&ev("health_status: sideways", A, 4));
    assert_eq!(bogus.change, ChangeKind::Ignored);
    assert!(bogus.needs_inspect);
    let bare = m.apply(&ev("health_status", A, 4));
    assert_eq!(bare.change, ChangeKind::Ignored);
}

#[test]
fn execs_are_recorded_bounded_and_do_not_bump_the_revision() {
    let mut m = model_with(A, "hc", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    let revision = m.revision();
    for i in 0..25 {
        let exec = format!("exec{i:02}");
        for (action, code) in [
            ("exec_create: /bin/sh -c true", None),
            ("exec_start: /bin/sh -c true", None),
            ("exec_die", Some(if i % 2 == 0 { "0" } else { "1" })),
        ] {
            let mut e = ev(action, A, 2 + i).with_attribute("execID", exec.as_str());
            if let Some(code) = code {
                e = e.with_attribute("exitCode", code);
            }
            let applied = m.apply(&e);
            assert_eq!(applied.change, ChangeKind::Ignored);
            assert!(!applied.needs_inspect);
            assert_eq!(applied.revision, revision);
        }
    }
    assert_eq!(m.revision(), revision);
    let c = m.container(A).unwrap();
    assert_eq!(c.exec_commands.len(), MAX_EXECS_PER_CONTAINER);
    let ids = c.exec_ids();
    assert_eq!(ids.first().map(String::as_str), Some("exec15"));
    assert_eq!(ids.last().map(String::as_str), Some("exec24"));
    let last = c.exec_commands.get("exec24").unwrap();
    assert_eq!(last.entrypoint, "/bin/sh");
    assert_eq!(last.args, vec!["-c", "true"]);
    assert_eq!(last.exit_code, Some(0));
    assert!(!last.running);
    assert_eq!(c.exec_commands.get("exec23").unwrap().exit_code, Some(1));
    // An exec event without execID is ignored.
    let no_id = m.apply(&ev("exec_start: sh", A, 99));
    assert_eq!(no_id.change, ChangeKind::Ignored);
    assert_eq!(
        m.container(A).unwrap().exec_commands.len(),
        MAX_EXECS_PER_CONTAINER
    );
}

#[test]
fn events_for_unknown_containers_ask_for_an_inspect_and_insert_nothing() {
    let mut m = Model::new();
    for action in [
        "start",
        "die",
        "kill",
        "pause",
        "health_status: healthy",
        "exec_start: sh",
        "rename",
    ] {
        let applied = m.apply(
            &ev(action, A, 1)
                .with_attribute("name", "x")
                .with_attribute("execID", "e"),
        );
        assert_eq!(applied.change, ChangeKind::Ignored, "{action}");
        assert!(applied.needs_inspect, "{action}");
        assert_eq!(applied.revision, 0);
    }
    assert!(m.is_empty());
    assert_eq!(m.revision(), 0);
    assert!(m.view().is_empty());
}

#[test]
fn other_types_and_stateless_actions_are_ignored() {
    let mut m = model_with(A, "web", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    let revision = m.revision();
    let mut network = ev("connect", A, 2);
    network.r#type = "network".into();
    let mut image = ev("pull", "sha256:1234", 2);
    image.r#type = "image".into();
    for e in [
        network,
        image,
        ev("attach", A, 2),
        ev("commit", A, 2),
        ev("copy", A, 2),
        ev("export", A, 2),
        ev("top", A, 2),
        ev("resize", A, 2),
        ev("detach", A, 2),
        ev("exec_detach", A, 2),
        ev("restart", A, 2),
        ev("stop", B, 2),
    ] {
        let applied = m.apply(&e);
        assert_eq!(applied.change, ChangeKind::Ignored, "{e}");
        assert_eq!(applied.revision, revision, "{e}");
    }
    let update = m.apply(&ev("update", A, 3));
    assert_eq!(update.change, ChangeKind::Ignored);
    assert!(update.needs_inspect);
    assert_eq!(m.revision(), revision);
    assert_eq!(m.last_event_time(), t(3));
}

#[test]
fn every_change_bumps_the_revision_by_one() {
    let mut m = Model::new();
    let steps: Vec<(Event, bool)> = vec![
        (ev("create", A, 0).with_attribute("name", "a"), true),
        (ev("start", A, 1), true),
        (ev("pause", A, 2), true),
        (ev("pause", A, 2), false),
        (ev("unpause", A, 3), true),
        (ev("kill", A, 4).with_attribute("signal", "15"), true),
        (ev("kill", A, 4).with_attribute("signal", "9"), false),
        (ev("die", A, 5).with_attribute("exitCode", "137"), true),
        (ev("stop", A, 5), false),
        (ev("destroy", A, 6), true),
    ];
    let mut expected = 0;
    for (e, changes) in steps {
        let applied = m.apply(&e);
        if changes {
            expected += 1;
        }
        assert_eq!(applied.revision, expected, "{e}");
        assert_eq!(m.revision(), expected, "{e}");
        assert_eq!(applied.change == ChangeKind::Ignored, !changes, "{e}");
    }
}

#[test]
fn events_without_time_use_the_last_event_time() {
    let mut m = model_with(A, "a", RestartPolicy::no());
    m.apply(&ev("attach", A, 7));
    let mut start = ev("start", A, 0);
    start.time = 0;
    start.time_nano = 0;
    m.apply(&start);
    assert_eq!(m.container(A).unwrap().state.started_at, t(7));
    assert_eq!(m.last_event_time(), t(7));
}

// ---------------------------------------------------------------------------------------------
// upsert, resync, counts

#[test]
fn upsert_keeps_waiters_and_what_only_the_model_knows() {
    let mut m = model_with(A, "a", RestartPolicy::always());
    m.apply(&ev("start", A, 1));
    m.apply(&ev("kill", A, 2).with_attribute("signal", "15"));
    let mut waiter = m
        .container_mut(A)
        .unwrap()
        .state
        .wait(WaitCondition::NotRunning);
    // The inspect after start: pid known, HasBeenManuallyStopped not shown.
    let mut running = m.container(A).unwrap().clone();
    running.state.pid = 4242;
    running.has_been_manually_stopped = false;
    running.restart_manager = None;
    let before = m.revision();
    let revision = m.upsert(running.clone(), t(3));
    assert_eq!(revision, before + 1);
    let c = m.container(A).unwrap();
    assert_eq!(c.state.pid, 4242);
    assert!(c.has_been_manually_stopped);
    assert!(c.restart_manager.as_ref().unwrap().canceled);
    assert_eq!(waiter.try_result(), None);
    // The same record again changes nothing.
    assert_eq!(m.upsert(running.clone(), t(4)), revision);
    assert_eq!(m.revision(), revision);
    // An inspect showing an exit the model missed resolves the waiter.
    let mut exited = running;
    exited.state.running = false;
    exited.state.pid = 0;
    exited.state.exit_code = 143;
    exited.state.finished_at = t(5);
    m.upsert(exited, t(6));
    assert_eq!(waiter.try_result().unwrap().exit_code, 143);
    assert_eq!(state_of(&m, A), StateKind::Exited);
}

#[test]
fn upsert_takes_a_name_from_a_stale_holder_and_releases_the_old_one() {
    let mut m = model_with(A, "web", RestartPolicy::no());
    m.upsert(inspected(B, "db", RestartPolicy::no()), t(1));
    // B is now called /web (A was renamed and removed behind the model's back).
    m.upsert(inspected(B, "web", RestartPolicy::no()), t(2));
    let view = m.view();
    assert_eq!(view.get_id("/web").unwrap(), B);
    assert!(view.get_id("/db").is_err());
    assert_eq!(view.get_all_names().get(A), None);
    // A name without a slash is stored with one.
    let mut c = inspected(C, "x", RestartPolicy::no());
    c.name = "cache".into();
    m.upsert(c, t(3));
    assert_eq!(m.container(C).unwrap().name, "/cache");
    assert_eq!(m.view().get_id("/cache").unwrap(), C);
    // No ID: ignored.
    let r = m.revision();
    assert_eq!(m.upsert(Container::default(), t(4)), r);
    assert_eq!(m.len(), 3);
}

#[test]
fn upsert_rebuilds_the_restart_manager_when_the_policy_changes() {
    let mut m = model_with(A, "a", RestartPolicy::no());
    m.apply(&ev("start", A, 1));
    // The create-time record had no policy yet; the inspect brings on-failure:1.
    let mut c = m.container(A).unwrap().clone();
    c.host_config.restart_policy = RestartPolicy::on_failure(1);
    m.upsert(c, t(2));
    m.apply(&ev("die", A, 3).with_attribute("exitCode", "2"));
    assert_eq!(state_of(&m, A), StateKind::Restarting);
    assert_eq!(m.container(A).unwrap().restart_count, 1);
}

#[test]
fn resync_removes_absent_containers_and_keeps_unchanged_revisions() {
    let mut m = Model::new();
    let a = inspected(A, "a", RestartPolicy::no());
    let b = inspected(B, "b", RestartPolicy::no());
    let c = inspected(C, "c", RestartPolicy::no());
    let first = m.resync(vec![a.clone(), b.clone(), c.clone()], t(1));
    assert_eq!(first, vec![1, 2, 3]);
    let (ra, rb) = (m.revision_of(A).unwrap(), m.revision_of(B).unwrap());
    let mut waiter = m
        .container_mut(C)
        .unwrap()
        .state
        .wait(WaitCondition::Removed);
    let mut b2 = b.clone();
    b2.state.set_running(77, true, t(2));
    let changed = m.resync(vec![a.clone(), b2], t(3));
    assert_eq!(changed, vec![4, 5]);
    assert_eq!(m.revision_of(A), Some(ra));
    assert_ne!(m.revision_of(B), Some(rb));
    assert_eq!(m.revision_of(B), Some(4));
    assert_eq!(m.revision_of(C), None);
    assert!(m.view().get_id("/c").is_err());
    assert_eq!(waiter.try_result().unwrap().exit_code, 0);
    assert_eq!(m.len(), 2);
    // Nothing changed: nothing reported, same revision.
    let mut b3 = m.container(B).unwrap().clone();
    b3.exec_commands = Default::default();
    assert_eq!(m.resync(vec![a, b3], t(4)), Vec::<u64>::new());
    assert_eq!(m.revision(), 5);
    assert!(m.resync(Vec::new(), t(5)).len() == 2 && m.is_empty());
}

#[test]
fn counts_has_all_seven_states() {
    let mut m = Model::new();
    let empty = m.counts();
    assert_eq!(empty.len(), 7);
    assert!(empty.values().all(|n| *n == 0));
    let mut created = inspected(A, "a", RestartPolicy::no());
    created.state.health = None;
    let mut running = inspected(B, "b", RestartPolicy::no());
    running.state.set_running(1, true, t(1));
    let mut paused = inspected(C, "c", RestartPolicy::no());
    paused.state.set_running(2, true, t(1));
    paused.state.set_paused();
    let mut dead = inspected("dddd", "d", RestartPolicy::no());
    dead.state.set_running(3, true, t(1));
    dead.state.set_stopped(Default::default(), t(2));
    dead.state.set_dead();
    m.resync(vec![created, running, paused, dead], t(3));
    let counts = m.counts();
    assert_eq!(counts.len(), 7);
    assert_eq!(counts[&StateKind::Created], 1);
    assert_eq!(counts[&StateKind::Running], 1);
    assert_eq!(counts[&StateKind::Paused], 1);
    assert_eq!(counts[&StateKind::Dead], 1);
    assert_eq!(counts[&StateKind::Exited], 0);
    assert_eq!(counts.values().sum::<usize>(), m.len());
    assert_eq!(
        m.view().counts(),
        counts,
        "the view counts as the model does"
    );
    let named = m.container(A).map(|c| c.display_name());
    assert_eq!(named.as_deref(), Some("a"));
    let unnamed = berth_core::Container::new_base("0123456789abcdef0123");
    assert_eq!(unnamed.display_name(), "0123456789ab");
    // `docker info` counts running (not paused), paused, and the rest as stopped.
    assert_eq!(
        m.view().info_counts(),
        berth_core::view::InfoCounts {
            running: 1,
            paused: 1,
            stopped: 2
        }
    );
    assert_eq!(
        berth_core::container::truncate_id("sha256:0123456789abcdef"),
        "0123456789ab"
    );
    assert_eq!(berth_core::container::truncate_id("abc"), "abc");
}

// ---------------------------------------------------------------------------------------------
// Replays of real engine recordings

/// The final `docker inspect` of every container left at the end of testdata/engine's run.
#[path = "../../testdata/engine/inspect.rs"]
mod recorded_inspect;

fn parse_inspect(json: &str) -> ContainerInspect {
    // Saved either as the object or as `docker inspect`'s one-element array.
    let value: serde_json::Value = serde_json::from_str(json).expect("inspect JSON");
    let value = match value {
        serde_json::Value::Array(mut items) => items.remove(0),
        other => other,
    };
    serde_json::from_value(value).expect("inspect document")
}

/// What an inspect right after `create` shows: the final record's configuration (policy,
/// health check, image…) in the created state, under the name the model has.
fn as_created(final_record: &Container, name: &str) -> Container {
    let mut c = final_record.clone();
    c.state = Default::default();
    c.restart_count = 0;
    c.has_been_started_before = false;
    c.name = name.to_owned();
    c
}

/// Replays `lines` like a host: every event applied, and a newly created container inspected
/// (from `configs`) as the host does when `needs_inspect` says so. `check` runs after each event.
fn replay(
    lines: &str,
    configs: &HashMap<String, Container>,
    mut check: impl FnMut(&Model, &Event),
) -> Model {
    let mut m = Model::new();
    let mut last_revision = 0;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let e = Event::parse(line).unwrap_or_else(|err| panic!("{err}: {line}"));
        let applied = m.apply(&e);
        assert!(applied.revision == last_revision || applied.revision == last_revision + 1);
        assert_eq!(
            applied.change == ChangeKind::Ignored,
            applied.revision == last_revision
        );
        last_revision = applied.revision;
        if applied.change == ChangeKind::Created && applied.needs_inspect {
            if let Some(config) = configs.get(e.id()) {
                let name = m.container(e.id()).unwrap().name.clone();
                m.upsert(as_created(config, &name), e.at());
                last_revision = m.revision();
            }
        }
        check(&m, &e);
    }
    m
}

fn millis_apart(a: Time, b: Time) -> i64 {
    (a.since(b).as_nanos() / 1_000_000).abs()
}

/// The inspect documents recorded at the end of the engine run, and the containers they give,
/// by ID.
fn recorded_configs() -> (Vec<ContainerInspect>, HashMap<String, Container>) {
    let inspects: Vec<ContainerInspect> = recorded_inspect::INSPECT
        .iter()
        .map(|(_, j)| parse_inspect(j))
        .collect();
    let configs = inspects
        .iter()
        .map(|i| (i.id.clone(), i.to_container()))
        .collect();
    (inspects, configs)
}

#[test]
fn replaying_the_recorded_engine_run_ends_in_the_engines_states() {
    let (inspects, configs) = recorded_configs();
    let m = replay(
        include_str!("../../testdata/engine/events.jsonl"),
        &configs,
        |_, _| {},
    );
    // Destroyed containers are gone; every inspected one is there.
    assert_eq!(m.len(), inspects.len());
    for want in &inspects {
        let got = m
            .container(&want.id)
            .unwrap_or_else(|| panic!("{} missing", want.name));
        let (g, w) = (&got.state, &want.state);
        let who = &want.name;
        assert_eq!(got.name, want.name);
        assert_eq!(g.state_string(), w.status, "{who}");
        assert_eq!(g.running, w.running, "{who} Running");
        assert_eq!(g.paused, w.paused, "{who} Paused");
        assert_eq!(g.restarting, w.restarting, "{who} Restarting");
        assert_eq!(g.oom_killed, w.oom_killed, "{who} OOMKilled");
        assert_eq!(g.dead, w.dead, "{who} Dead");
        assert_eq!(g.exit_code, w.exit_code, "{who} ExitCode");
        assert_eq!(got.restart_count, want.restart_count, "{who} RestartCount");
        assert_eq!(
            g.health.as_ref().map(Health::status),
            w.health.as_ref().map(Health::status),
            "{who} Health"
        );
        assert_eq!(m.view().get_id(&want.name).unwrap(), want.id, "{who} name");
        // The model's times are the events'; the engine's are the task's, a few ms apart.
        assert_eq!(g.started_at.is_zero(), w.started_at.is_zero(), "{who}");
        if !w.started_at.is_zero() {
            assert!(
                millis_apart(g.started_at, w.started_at) < 100,
                "{who} StartedAt"
            );
        }
        if !w.running && !w.finished_at.is_zero() {
            assert!(
                millis_apart(g.finished_at, w.finished_at) < 100,
                "{who} FinishedAt"
            );
        }
    }
}

/// Recorded for this model on Engine 20.10: kill on restart policies, health after exit and
/// restart, manual start after a crash loop, stop of a paused container.
const KILL_HEALTH_EVENTS: &str = include_str!("data/engine-kill-health.jsonl");
const KILL_HEALTH_EXPECTED: &str = include_str!("data/engine-kill-health.json");

#[derive(serde::Deserialize)]
struct Recorded {
    containers: BTreeMap<String, RecordedContainer>,
    checkpoints: Vec<Checkpoint>,
}

#[derive(serde::Deserialize)]
struct RecordedContainer {
    name: String,
    restart_policy: RestartPolicy,
    healthcheck: Option<HealthConfig>,
    stop_signal: String,
    #[serde(rename = "final")]
    end: Expected,
}

#[derive(serde::Deserialize)]
struct Checkpoint {
    inspect: String,
    after_time_nano: i64,
    id: String,
    expect: Expected,
}

#[derive(serde::Deserialize)]
struct Expected {
    status: String,
    exit_code: i64,
    restart_count: Option<i64>,
    health: Option<String>,
}

fn assert_matches(m: &Model, id: &str, want: &Expected, label: &str) {
    let c = m.container(id).unwrap_or_else(|| panic!("{label} missing"));
    assert_eq!(c.state.state_string(), want.status, "{label}");
    assert_eq!(c.state.exit_code, want.exit_code, "{label} ExitCode");
    if let Some(n) = want.restart_count {
        assert_eq!(c.restart_count, n, "{label} RestartCount");
    }
    assert_eq!(
        c.state
            .health
            .as_ref()
            .map(|h| h.status().as_str().to_owned()),
        want.health,
        "{label} Health"
    );
}

/// The settings of the containers of the kill and health recording.
fn kill_health_configs(recorded: &Recorded) -> HashMap<String, Container> {
    recorded
        .containers
        .iter()
        .map(|(id, r)| {
            let mut c = Container::new_base(id.clone());
            c.name = r.name.clone();
            c.host_config.restart_policy = r.restart_policy.clone();
            c.config.healthcheck = r.healthcheck.clone();
            c.config.stop_signal = r.stop_signal.clone();
            (id.clone(), c)
        })
        .collect()
}

#[test]
fn replaying_kills_health_and_manual_starts_matches_the_engine() {
    let recorded: Recorded = serde_json::from_str(KILL_HEALTH_EXPECTED).unwrap();
    let configs = kill_health_configs(&recorded);
    let mut checked = 0;
    let m = replay(KILL_HEALTH_EVENTS, &configs, |m, e| {
        for cp in &recorded.checkpoints {
            if cp.after_time_nano == e.time_nano && cp.id == e.id() {
                assert_matches(m, &cp.id, &cp.expect, &cp.inspect);
                checked += 1;
            }
        }
    });
    assert_eq!(checked, recorded.checkpoints.len());
    assert_eq!(m.len(), recorded.containers.len());
    for (id, r) in &recorded.containers {
        assert_matches(&m, id, &r.end, &r.name);
    }
}

/// Replays a recording as the mirror reads it: the stream counts as quiet
/// ([`Model::settle`]) for a container with no event for [`model::QUIET`]. Returns every transition as
/// `name: from → to (exit code): cause`, grouped by name.
fn transitions_of_recording(lines: &str, configs: &HashMap<String, Container>) -> Vec<String> {
    let mut last: Option<Time> = None;
    let mut m = Model::new();
    let mut out = Vec::new();
    let mut describe = |m: &mut Model| {
        for t in m.drain_transitions() {
            out.push(format!(
                "{}: {}",
                t.name.trim_start_matches('/'),
                t.describe()
            ));
        }
    };
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let e = Event::parse(line).unwrap_or_else(|err| panic!("{err}: {line}"));
        if !e.is_container() {
            continue;
        }
        last = Some(e.at());
        m.settle(e.at());
        let applied = m.apply(&e);
        if applied.change == ChangeKind::Created && applied.needs_inspect {
            if let Some(config) = configs.get(e.id()) {
                let name = m.container(e.id()).unwrap().name.clone();
                m.upsert(as_created(config, &name), e.at());
            }
        }
        describe(&mut m);
    }
    let end = last
        .unwrap_or_default()
        .add(berth_core::time::Duration::from_secs(60));
    m.settle(end);
    describe(&mut m);
    // Each container's in order; the containers by name.
    out.sort_by(|a, b| a.split(':').next().cmp(&b.split(':').next()));
    out
}

/// The table of causes: Engine 20.10's own event sequences (`docker stop` of a process that
/// ignores SIGTERM, `docker restart`, `docker kill` and `kill -s HUP`, an OOM kill, on-failure
/// crash loops until the policy gives up, `rm -f`, a stop of a paused container) and the cause
/// the model reads for each transition, as `core/tests/data/*-causes.txt` lists them.
#[test]
fn the_causes_of_the_recorded_engine_runs() {
    let (_, configs) = recorded_configs();
    let got =
        transitions_of_recording(include_str!("../../testdata/engine/events.jsonl"), &configs);
    assert_table(&got, include_str!("data/recorded-causes.txt"));
    let recorded: Recorded = serde_json::from_str(KILL_HEALTH_EXPECTED).unwrap();
    let configs = kill_health_configs(&recorded);
    let got = transitions_of_recording(KILL_HEALTH_EVENTS, &configs);
    assert_table(&got, include_str!("data/kill-health-causes.txt"));
}

/// `got` is `table` line by line (its `#` lines are comments).
fn assert_table(got: &[String], table: &str) {
    if std::env::var("BERTH_PRINT_CAUSES").is_ok() {
        // To review a new recording: print the table instead of checking it.
        println!("{}", got.join("\n"));
        return;
    }
    let want: Vec<&str> = table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "transition {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

/// What the events cannot tell is unknown: a run that no `start` began (the daemon restarted
/// and restored the container while berth was away), and a stop whose events the broken
/// connection cut short.
#[test]
fn what_the_events_do_not_show_is_unknown() {
    let mut m = model_with(C, "web", RestartPolicy::always());
    m.apply(&ev("start", C, 1));
    let mut record = m.container(C).unwrap().clone();
    m.upsert(record.clone(), t(1));
    m.settle(t(10));
    let seen = |m: &mut Model| -> Vec<String> {
        m.drain_transitions().iter().map(|t| t.describe()).collect()
    };
    assert_eq!(
        seen(&mut m),
        [
            "new → created: docker create, by another client",
            "created → running: docker start, by another client"
        ]
    );
    // The same record again, and one of a new run: only the second is a move.
    m.upsert(record.clone(), t(20));
    assert!(seen(&mut m).is_empty());
    record.state.started_at = t(30);
    m.upsert(record, t(31));
    let unknown = "unknown: seen only in the engine's record, not in its events";
    assert_eq!(
        seen(&mut m),
        [
            format!("running → exited: {unknown}"),
            format!("exited → running: {unknown}"),
        ]
    );
    // A die after a kill, then the connection breaks before `stop` could come.
    m.apply(&ev("kill", C, 40).with_attribute("signal", "15"));
    m.apply(&ev("die", C, 40).with_attribute("exitCode", "143"));
    assert!(seen(&mut m).is_empty(), "held for what follows");
    m.lost();
    assert_eq!(seen(&mut m), [format!("running → exited (143): {unknown}")]);
}

/// `docker rm -f` reads as such even when a health change is held behind the kill.
#[test]
fn a_forced_removal_keeps_its_cause_past_a_health_change() {
    let mut m = model_with(C, "web", RestartPolicy::no());
    let mut record = m.container(C).unwrap().clone();
    record.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD".to_owned(), "true".to_owned()],
        interval: 1_000_000_000,
        timeout: 1_000_000_000,
        start_period: 0,
        retries: 1,
    });
    m.upsert(record, t(0));
    m.apply(&ev("start", C, 1));
    m.apply(&ev("health_status: healthy", C, 2));
    m.settle(t(10));
    m.drain_transitions();
    m.apply(&ev("kill", C, 20).with_attribute("signal", "9"));
    m.apply(&ev("die", C, 20).with_attribute("exitCode", "137"));
    m.apply(&ev("health_status: unhealthy", C, 20));
    m.apply(&ev("destroy", C, 20));
    let said: Vec<String> = m.drain_transitions().iter().map(|t| t.describe()).collect();
    assert_eq!(
        said,
        [
            "running → removing: docker rm -f, by another client",
            "removing: health check healthy → unhealthy",
            "removing → removed: docker rm -f, by another client",
        ]
    );
}
