//! Specification of the stores and the container model: the reference's
//! `memory_store_test.go`, `env_test.go`, `container_unit_test.go` and
//! `restartmanager_test.go` ported by name; the exec store; the action preconditions; and the
//! JSON shapes (on disk and on the Engine API) against what a real Docker 20.10 engine wrote
//! (`testdata/engine/`, recorded by `scripts/record-engine.sh`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::actions::{allowed, check, check_as, Action, Verdict};
use berth_core::restart::{RestartError, DEFAULT_DELAY, MAX_DELAY};
use berth_core::{
    replace_or_append_env_values, Container, ContainerInspect, ContainerSummary, Duration,
    ErrorKind, ExecConfig, ExecStore, HasKind, MemoryStore, RestartManager, RestartPolicy, Store,
    Time,
};
use serde_json::Value;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

// ---- memory store (memory_store_test.go) ---------------------------------------------------

/// Ports `TestNewMemoryStore`.
#[test]
fn test_new_memory_store() {
    let s = MemoryStore::new();
    assert_eq!(s.size(), 0);
    assert!(s.list().is_empty());
}

/// Ports `TestAddContainers`.
#[test]
fn test_add_containers() {
    let mut s = MemoryStore::new();
    s.add("id", Container::new_base("id"));
    assert_eq!(s.size(), 1);
    // Adding under the same ID replaces.
    let mut again = Container::new_base("id");
    again.state.pid = 5;
    s.add("id", again);
    assert_eq!(s.size(), 1);
    assert_eq!(s.get("id").map(|c| c.state.pid), Some(5));
}

/// Ports `TestGetContainer`.
#[test]
fn test_get_container() {
    let mut s = MemoryStore::new();
    s.add("id", Container::new_base("id"));
    assert_eq!(s.get("id").map(|c| c.id.as_str()), Some("id"));
    assert!(s.get("other").is_none());
    if let Some(c) = s.get_mut("id") {
        c.state.exit_code = 3;
    }
    assert_eq!(s.get("id").map(|c| c.state.exit_code), Some(3));
}

/// Ports `TestDeleteContainer`.
#[test]
fn test_delete_container() {
    let mut s = MemoryStore::new();
    s.add("id", Container::new_base("id"));
    assert_eq!(s.delete("id").map(|c| c.id), Some("id".to_owned()));
    assert!(s.get("id").is_none());
    assert_eq!(s.size(), 0);
    assert!(s.delete("id").is_none(), "deleting twice is harmless");
}

/// Ports `TestListContainers`: newest first.
#[test]
fn test_list_containers() {
    let mut s = MemoryStore::new();
    let now = Time::from_unix_secs(1_700_000_000);
    let mut cont = Container::new_base("id");
    cont.created = now;
    let mut cont2 = Container::new_base("id2");
    cont2.created = now.add(Duration::from_secs(24 * 3600));
    s.add("id", cont);
    s.add("id2", cont2);
    let list = s.list();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, "id2");
    assert_eq!(list[1].id, "id");
}

#[test]
fn list_breaks_ties_by_id() {
    let mut s = MemoryStore::new();
    let t = Time::from_unix_secs(5);
    for id in ["c", "a", "b"] {
        let mut c = Container::new_base(id);
        c.created = t;
        s.add(id, c);
    }
    let mut older = Container::new_base("z");
    older.created = Time::from_unix_secs(1);
    s.add("z", older);
    let ids: Vec<&str> = s.list().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "z"]);
}

/// Ports `TestFirstContainer`.
#[test]
fn test_first_container() {
    let mut s = MemoryStore::new();
    s.add("id", Container::new_base("id"));
    s.add("id2", Container::new_base("id2"));
    let first = s.first(&mut |c| c.id == "id2");
    assert_eq!(first.map(|c| c.id.as_str()), Some("id2"));
    assert!(s.first(&mut |c| c.id == "nope").is_none());
}

/// Ports `TestApplyAllContainer`.
#[test]
fn test_apply_all_container() {
    let mut s = MemoryStore::new();
    s.add("id", Container::new_base("id"));
    s.add("id2", Container::new_base("id2"));
    let mut calls = 0;
    s.apply_all(&mut |c| {
        calls += 1;
        if c.id == "id2" {
            c.id = "newID".into();
        }
    });
    assert_eq!(calls, 2);
    assert_eq!(s.get("id2").map(|c| c.id.as_str()), Some("newID"));
    assert_eq!(s.get("id").map(|c| c.id.as_str()), Some("id"));
}

// ---- exec store ------------------------------------------------------------------------------

#[test]
fn exec_store_add_get_delete_list_commands() {
    let mut store = ExecStore::new();
    assert!(store.is_empty());
    let mut probe = ExecConfig::new("e2", "c1");
    probe.entrypoint = "/bin/sh".into();
    probe.args = strings(&["-c", "true"]);
    probe.running = true;
    store.add("e2", probe);
    store.add("e1", ExecConfig::new("e1", "c1"));
    assert_eq!(store.len(), 2);
    assert_eq!(store.list(), strings(&["e1", "e2"]));
    assert_eq!(store.get("e2").map(|e| e.container_id.as_str()), Some("c1"));
    assert_eq!(
        store.commands().keys().cloned().collect::<Vec<_>>(),
        strings(&["e1", "e2"])
    );

    let e2 = store.get_mut("e2").expect("e2 was added");
    assert_eq!(e2.exit_code, None);
    e2.set_exit_code(1);
    assert_eq!(
        store.get("e2").map(|e| (e.running, e.exit_code)),
        Some((false, Some(1)))
    );

    store.delete("e1");
    store.delete("missing");
    assert_eq!(store.list(), strings(&["e2"]));
    assert!(store.get("e1").is_none());
}

#[test]
fn exec_config_new_records_its_ids() {
    let e = ExecConfig::new("exec-1", "container-1");
    assert_eq!(e.id, "exec-1");
    assert_eq!(e.container_id, "container-1");
    assert!(!e.running && !e.tty && !e.privileged && !e.open_stdin);
    assert!(e.exit_code.is_none());
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["ID"], "exec-1");
    assert_eq!(json["ContainerID"], "container-1");
    assert_eq!(json["ExitCode"], Value::Null);
}

#[test]
fn container_exec_ids_and_inspect() {
    let mut c = Container::new_base("c1");
    assert!(c.exec_ids().is_empty());
    assert_eq!(
        ContainerInspect::of(&c).exec_ids,
        None,
        "no execs is null, as Go's nil slice"
    );
    c.exec_commands.add("b", ExecConfig::new("b", "c1"));
    c.exec_commands.add("a", ExecConfig::new("a", "c1"));
    assert_eq!(c.exec_ids(), strings(&["a", "b"]));
    assert_eq!(
        ContainerInspect::of(&c).exec_ids,
        Some(strings(&["a", "b"]))
    );
}

// ---- env (env_test.go) -----------------------------------------------------------------------

/// Ports `TestReplaceAndAppendEnvVars`.
#[test]
fn test_replace_and_append_env_vars() {
    let d = strings(&["HOME=/", "FOO=foo_default"]);
    // Remove FOO from env; removing BAR is a no-op.
    let o = strings(&["HOME=/root", "TERM=xterm", "FOO", "BAR"]);
    let env = replace_or_append_env_values(&d, &o);
    assert_eq!(env, strings(&["HOME=/root", "TERM=xterm"]));
}

#[test]
fn env_merge_edges() {
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        // Order of the defaults is kept; replacements happen in place.
        (&["A=1", "B=2", "C=3"], &["B=x"], &["A=1", "B=x", "C=3"]),
        // A new key is appended; two overrides of a new key are both appended.
        (&["A=1"], &["N=1", "N=2"], &["A=1", "N=1", "N=2"]),
        // The last override of an existing key wins.
        (&["A=1"], &["A=2", "A=3"], &["A=3"]),
        // Removal, then re-adding: the key is gone from the defaults, so it is appended.
        (&["A=1", "B=2"], &["A", "A=9"], &["A=9", "B=2"]),
        // An empty value is still a value.
        (&["A=1"], &["A="], &["A="]),
        // Values may hold '='.
        (&["URL=x"], &["URL=a=b"], &["URL=a=b"]),
        // With duplicate keys in the defaults, the last one is the one replaced.
        (&["A=1", "A=2"], &["A=3"], &["A=1", "A=3"]),
        // A default without '=' is keyed by the whole entry (the reference panics).
        (&["FLAG", "B=2"], &["FLAG"], &["B=2"]),
        (&["FLAG"], &["FLAG=on"], &["FLAG=on"]),
        // Empty entries are dropped.
        (&["A=1", ""], &[], &["A=1"]),
        (&[], &[], &[]),
        (&[], &["GONE"], &[]),
    ];
    for (defaults, overrides, want) in cases {
        let got = replace_or_append_env_values(&strings(defaults), &strings(overrides));
        assert_eq!(got, strings(want), "{defaults:?} + {overrides:?}");
    }
}

// ---- container (container_unit_test.go) ------------------------------------------------------

/// Ports `TestContainerStopSignal`.
#[test]
fn test_container_stop_signal() {
    let c = Container::default();
    assert_eq!(c.stop_signal(), "SIGTERM");
    let mut c = Container::default();
    c.config.stop_signal = "SIGKILL".into();
    assert_eq!(c.stop_signal(), "SIGKILL");
}

/// Ports `TestContainerStopTimeout`.
#[test]
fn test_container_stop_timeout() {
    let c = Container::default();
    assert_eq!(c.stop_timeout(), 10);
    let mut c = Container::default();
    c.config.stop_timeout = Some(15);
    assert_eq!(c.stop_timeout(), 15);
    c.config.stop_timeout = Some(0);
    assert_eq!(c.stop_timeout(), 0, "a configured zero is not the default");
}

#[test]
fn full_hostname_adds_the_domain_when_set() {
    let mut c = Container::default();
    c.config.hostname = "web".into();
    assert_eq!(c.full_hostname(), "web");
    c.config.domainname = "example.org".into();
    assert_eq!(c.full_hostname(), "web.example.org");
}

#[test]
fn names_and_command_lines() {
    let mut c = Container::new_base("abc");
    c.name = "/web".into();
    assert_eq!(c.short_name(), "web");
    c.name = "bare".into();
    assert_eq!(c.short_name(), "bare");
    c.path = "sh".into();
    c.args = strings(&["-c", "echo hi; exit 0"]);
    assert_eq!(c.command_line(), "sh -c 'echo hi; exit 0'");
    c.args = strings(&["1000"]);
    assert_eq!(c.command_line(), "sh 1000");
    c.args.clear();
    assert_eq!(c.command_line(), "sh");
}

// ---- restart manager (restartmanager_test.go) ------------------------------------------------

fn secs(n: i64) -> Duration {
    Duration::from_secs(n)
}

/// Ports `TestRestartManagerTimeout`: the first delay is 100 ms.
#[test]
fn test_restart_manager_timeout() {
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    let d = rm.should_restart(0, false, secs(1)).unwrap();
    assert!(d.restart);
    assert_eq!(d.delay, Duration::from_millis(100));
    assert_eq!(rm.delay, DEFAULT_DELAY);
}

/// Ports `TestRestartManagerTimeoutReset`: a run of 10 s resets the backoff.
#[test]
fn test_restart_manager_timeout_reset() {
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    rm.delay = secs(5);
    rm.should_restart(0, false, secs(10)).unwrap();
    assert_eq!(rm.delay, Duration::from_millis(100));
}

#[test]
fn backoff_doubles_up_to_one_minute() {
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    let mut delays = Vec::new();
    for _ in 0..13 {
        let d = rm
            .should_restart(1, false, Duration::from_millis(50))
            .unwrap();
        assert!(d.restart);
        delays.push(d.delay.as_millis());
        rm.fire();
    }
    assert_eq!(
        delays,
        [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000, 60000]
    );
    assert_eq!(rm.delay, MAX_DELAY);
    assert_eq!(rm.restart_count, 13);
}

#[test]
fn only_a_run_of_ten_seconds_or_more_resets_the_backoff() {
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    rm.should_restart(1, false, secs(1)).unwrap();
    rm.fire();
    let d = rm
        .should_restart(1, false, Duration::from_millis(9_999))
        .unwrap();
    assert_eq!(d.delay.as_millis(), 200);
    rm.fire();
    let d = rm.should_restart(1, false, secs(10)).unwrap();
    assert_eq!(d.delay.as_millis(), 100);
}

#[test]
fn on_failure_restarts_non_zero_exits_up_to_max() {
    let mut rm = RestartManager::new(RestartPolicy::on_failure(2), 0);
    let d = rm.should_restart(0, false, secs(1)).unwrap();
    assert!(!d.restart, "a clean exit does not restart");
    assert_eq!(d.restart_count, 0);
    assert!(!rm.active);
    for want in 1..=2 {
        let d = rm.should_restart(7, false, secs(1)).unwrap();
        assert!(d.restart);
        assert_eq!(d.restart_count, want);
        rm.fire();
    }
    let d = rm.should_restart(7, false, secs(1)).unwrap();
    assert!(!d.restart, "max reached");
    assert_eq!(d.restart_count, 2);

    // Max 0: no limit.
    let mut rm = RestartManager::new(RestartPolicy::on_failure(0), 100);
    assert!(rm.should_restart(1, false, secs(1)).unwrap().restart);
    // The count continues from the container's RestartCount.
    assert_eq!(rm.restart_count, 101);
}

#[test]
fn unless_stopped_restarts_unless_stopped_by_hand() {
    let mut rm = RestartManager::new(RestartPolicy::unless_stopped(), 0);
    assert!(!rm.should_restart(0, true, secs(1)).unwrap().restart);
    assert!(rm.should_restart(0, false, secs(1)).unwrap().restart);
    // `always` ignores a manual stop (the daemon cancels the manager on stop instead).
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    assert!(rm.should_restart(0, true, secs(1)).unwrap().restart);
}

#[test]
fn no_policy_never_restarts_and_never_errs() {
    for policy in [RestartPolicy::no(), RestartPolicy::default()] {
        let mut rm = RestartManager::new(policy, 0);
        rm.cancel();
        let d = rm.should_restart(1, false, secs(1)).unwrap();
        assert!(!d.restart);
    }
}

#[test]
fn cancel_gives_restart_canceled_and_active_is_refused() {
    let mut rm = RestartManager::new(RestartPolicy::always(), 0);
    assert!(rm.should_restart(1, false, secs(1)).unwrap().restart);
    let err = rm.should_restart(1, false, secs(1)).unwrap_err();
    assert_eq!(err, RestartError::Active);
    assert_eq!(err.to_string(), "invalid call on an active restart manager");
    rm.cancel();
    assert!(!rm.active, "cancel abandons a pending restart");
    let err = rm.should_restart(1, false, secs(1)).unwrap_err();
    assert_eq!(err, RestartError::Canceled);
    assert_eq!(err.to_string(), "restart canceled");
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn restart_policy_parses_and_prints_the_cli_forms() {
    for (input, want, shown) in [
        ("", RestartPolicy::no(), "no"),
        ("no", RestartPolicy::no(), "no"),
        ("always", RestartPolicy::always(), "always"),
        (
            "unless-stopped",
            RestartPolicy::unless_stopped(),
            "unless-stopped",
        ),
        ("on-failure", RestartPolicy::on_failure(0), "on-failure"),
        ("on-failure:3", RestartPolicy::on_failure(3), "on-failure:3"),
    ] {
        let got: RestartPolicy = input.parse().unwrap();
        assert_eq!(got, want, "{input:?}");
        assert_eq!(got.to_string(), shown);
    }
    for bad in [
        "sometimes",
        "on-failure:x",
        "on-failure:-1",
        "always:3",
        "no:1",
    ] {
        let err = bad.parse::<RestartPolicy>().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid restart policy format: {bad}")
        );
    }
    assert!(RestartPolicy::no().is_none());
    assert!(RestartPolicy {
        name: "bogus".into(),
        maximum_retry_count: 0
    }
    .is_none());
    assert!(!RestartPolicy::always().is_none());
}

#[test]
fn container_restart_manager_is_made_from_the_policy_and_count() {
    let mut c = Container::new_base("c");
    c.host_config.restart_policy = RestartPolicy::on_failure(3);
    c.restart_count = 2;
    let t0 = Time::from_unix_secs(1_000);
    c.state.set_running(1, true, t0);
    c.state
        .set_stopped(berth_core::ExitStatus::new(1, t0.add(secs(1))), t0);
    assert!(c.should_restart());
    assert!(
        c.restart_manager.is_none(),
        "should_restart decides on a copy"
    );

    assert_eq!(c.restart_manager().restart_count, 2);
    c.restart_count = 3;
    assert!(
        c.should_restart(),
        "the existing manager is used, not the count"
    );
    c.reset_restart_manager(false);
    assert_eq!(c.restart_count, 3);
    assert!(!c.should_restart(), "a fresh manager at the maximum");
    c.reset_restart_manager(true);
    assert_eq!(c.restart_count, 0);
    assert!(c.should_restart());

    c.exit_on_next();
    assert!(!c.should_restart(), "cancelled");
    assert!(c.restart_manager.as_ref().is_some_and(|rm| rm.canceled));
}

// ---- action preconditions (actions.rs) --------------------------------------------------------

const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn container_in(kind: &str) -> Container {
    let mut c = Container::new_base(ID);
    c.name = "/web".into();
    let t0 = Time::from_unix_secs(1_000);
    match kind {
        "created" => {}
        "running" => c.state.set_running(10, true, t0),
        "paused" => {
            c.state.set_running(10, true, t0);
            c.state.set_paused();
        }
        "restarting" => {
            c.state.set_running(10, true, t0);
            c.state
                .set_restarting(berth_core::ExitStatus::new(1, t0), t0);
        }
        "exited" => {
            c.state.set_running(10, true, t0);
            c.state.set_stopped(berth_core::ExitStatus::new(0, t0), t0);
        }
        "removing" => {
            c.state.set_running(10, true, t0);
            c.state.set_stopped(berth_core::ExitStatus::new(0, t0), t0);
            c.state.set_removal_in_progress();
        }
        "dead" => {
            c.state.set_running(10, true, t0);
            c.state.set_stopped(berth_core::ExitStatus::new(0, t0), t0);
            c.state.set_dead();
        }
        other => panic!("no such state in this table: {other}"),
    }
    assert_eq!(c.state.state_string(), kind);
    c
}

/// What the engine answers: `Ok(None)` for 304, `Ok(Some(()))` to proceed, or the refusal.
type Answer = Result<Verdict, (ErrorKind, String)>;

fn answer(action: Action, c: &Container) -> Answer {
    check(action, c).map_err(|r| (r.kind(), r.message))
}

#[test]
fn action_check_table() {
    use Action::*;
    let proceed: Answer = Ok(Verdict::Proceed);
    let unchanged: Answer = Ok(Verdict::NotModified);
    let conflict = |m: &str| -> Answer { Err((ErrorKind::Conflict, m.replace("<id>", ID))) };
    let system = |m: &str| -> Answer { Err((ErrorKind::System, m.replace("<id>", ID))) };
    let not_running = conflict("Container <id> is not running");
    let cannot_kill = conflict("Cannot kill container: <id>: Container <id> is not running");
    let marked = conflict("container is marked for removal and cannot be started");
    let not_paused = system("Container <id> is not paused");

    let table: Vec<(&str, Action, Answer)> = vec![
        ("created", Start, proceed.clone()),
        ("created", Stop, unchanged.clone()),
        ("created", Restart, proceed.clone()),
        ("created", Pause, not_running.clone()),
        ("created", Unpause, not_paused.clone()),
        ("created", Kill, cannot_kill.clone()),
        ("created", Remove, proceed.clone()),
        ("created", ForceRemove, proceed.clone()),
        ("running", Start, unchanged.clone()),
        ("running", Stop, proceed.clone()),
        ("running", Restart, proceed.clone()),
        ("running", Pause, proceed.clone()),
        ("running", Unpause, not_paused.clone()),
        ("running", Kill, proceed.clone()),
        (
            "running",
            Remove,
            conflict("You cannot remove a running container <id>. Stop the container before attempting removal or force remove"),
        ),
        ("running", ForceRemove, proceed.clone()),
        (
            "paused",
            Start,
            conflict("cannot start a paused container, try unpause instead"),
        ),
        ("paused", Stop, proceed.clone()),
        ("paused", Pause, conflict("Container <id> is already paused")),
        ("paused", Unpause, proceed.clone()),
        ("paused", Kill, proceed.clone()),
        (
            "paused",
            Remove,
            conflict("You cannot remove a paused container <id>. Unpause and then stop the container before attempting removal or force remove"),
        ),
        ("paused", ForceRemove, proceed.clone()),
        ("restarting", Start, unchanged.clone()),
        ("restarting", Stop, proceed.clone()),
        (
            "restarting",
            Pause,
            conflict("Container <id> is restarting, wait until the container is running"),
        ),
        ("restarting", Kill, proceed.clone()),
        (
            "restarting",
            Remove,
            conflict("You cannot remove a restarting container <id>. Stop the container before attempting removal or force remove"),
        ),
        ("exited", Start, proceed.clone()),
        ("exited", Stop, unchanged.clone()),
        ("exited", Pause, not_running.clone()),
        ("exited", Unpause, not_paused.clone()),
        ("exited", Kill, cannot_kill.clone()),
        ("exited", Remove, proceed.clone()),
        ("removing", Start, marked.clone()),
        ("removing", Restart, marked.clone()),
        ("removing", Stop, unchanged.clone()),
        (
            "removing",
            Remove,
            conflict("removal of container web is already in progress"),
        ),
        (
            "removing",
            ForceRemove,
            conflict("removal of container web is already in progress"),
        ),
        ("dead", Start, marked.clone()),
        ("dead", Restart, marked.clone()),
        ("dead", Remove, proceed.clone()),
        ("dead", Kill, cannot_kill.clone()),
    ];
    for (state, action, want) in table {
        let c = container_in(state);
        assert_eq!(answer(action, &c), want, "{action} on a {state} container");
    }
}

#[test]
fn kill_refusal_names_the_reference_as_given() {
    let c = container_in("exited");
    let r = check_as(Action::Kill, &c, "web").unwrap_err();
    assert_eq!(
        r.to_string(),
        format!("Cannot kill container: web: Container {ID} is not running")
    );
    assert_eq!(r.kind().http_status(), 409);
}

#[test]
fn allowed_lists_what_the_engine_accepts() {
    use Action::*;
    assert_eq!(
        allowed(&container_in("running")),
        [Start, Stop, Restart, Pause, Kill, ForceRemove],
        "a 304 counts as accepted"
    );
    assert_eq!(
        allowed(&container_in("paused")),
        [Stop, Restart, Unpause, Kill, ForceRemove]
    );
    assert_eq!(
        allowed(&container_in("exited")),
        [Start, Stop, Restart, Remove, ForceRemove]
    );
}

#[test]
fn action_names_round_trip() {
    for a in Action::ALL {
        assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        assert_eq!(a.to_string(), a.as_str());
    }
    assert_eq!(
        "explode".parse::<Action>().unwrap_err().to_string(),
        "unknown action: explode"
    );
    assert!(Action::Kill.is_destructive());
    assert!(Action::ForceRemove.is_destructive());
    assert!(!Action::Stop.is_destructive());
}

// ---- the JSON shapes, against a real engine ------------------------------------------------

/// Inspect documents recorded from Docker 20.10 (`testdata/engine/inspect/`), by container name.
#[path = "../../testdata/engine/inspect.rs"]
mod recorded_inspect;
use recorded_inspect::INSPECT;

/// `config.v2.json` and `hostconfig.json` from the engine's data root, by container name.
const DISK: &[(&str, &str, &str)] = &[
    (
        "crash",
        include_str!("../../testdata/engine/disk/crash/config.v2.json"),
        include_str!("../../testdata/engine/disk/crash/hostconfig.json"),
    ),
    (
        "fresh",
        include_str!("../../testdata/engine/disk/fresh/config.v2.json"),
        include_str!("../../testdata/engine/disk/fresh/hostconfig.json"),
    ),
    (
        "hc",
        include_str!("../../testdata/engine/disk/hc/config.v2.json"),
        include_str!("../../testdata/engine/disk/hc/hostconfig.json"),
    ),
    (
        "web",
        include_str!("../../testdata/engine/disk/web/config.v2.json"),
        include_str!("../../testdata/engine/disk/web/hostconfig.json"),
    ),
];

const LIST: &str = include_str!("../../testdata/engine/list.json");
const PS_SNAPSHOTS: &str = include_str!("../../testdata/engine/ps-snapshots.jsonl");
const ERRORS: &str = include_str!("../../testdata/engine/errors.json");

fn inspect_of(name: &str) -> Option<(ContainerInspect, Value)> {
    let (_, text) = INSPECT.iter().find(|(n, _)| *n == name)?;
    let parsed = serde_json::from_str(text).expect("a recorded inspect document parses");
    let raw = serde_json::from_str(text).expect("recorded JSON is JSON");
    Some((parsed, raw))
}

#[test]
fn recorded_inspect_documents_round_trip_and_derive_the_engine_state() {
    for (name, text) in INSPECT {
        let doc: ContainerInspect = serde_json::from_str(text).unwrap();
        let again: ContainerInspect =
            serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(again, doc, "{name}: parse → serialize → parse");

        let raw: Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc.id, raw["Id"].as_str().unwrap_or_default(), "{name}");
        assert_eq!(doc.name, format!("/{name}"));
        // The seven-valued state derived from the stored flags is the engine's.
        let c = doc.to_container();
        assert_eq!(c.state.state_string(), raw["State"]["Status"], "{name}");
        assert_eq!(c.state.exit_code, raw["State"]["ExitCode"], "{name}");
        match raw["State"].get("Health") {
            Some(h) => assert_eq!(
                c.state.health.as_ref().map(|x| x.status().as_str()),
                h["Status"].as_str(),
                "{name}"
            ),
            None => assert!(c.state.health.is_none(), "{name}: no Health key, no health"),
        }
        // Inspecting the container again gives the document back (execs aside: the model
        // does not carry them over).
        let mut back = ContainerInspect::of(&c);
        back.exec_ids = doc.exec_ids.clone();
        assert_eq!(back, doc, "{name}: inspect → container → inspect");
    }
}

/// Where two JSON values differ, by path (`HostConfig.Binds: [] ≠ null`), at most `limit`.
fn json_differences(ours: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, bv) in b {
                let at = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => json_differences(av, bv, &at, out),
                    None => out.push(format!("{at}: missing, engine has {bv}")),
                }
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{path}.{k}: {} not in the engine's", a[k]));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                json_differences(av, bv, &format!("{path}[{i}]"), out);
            }
        }
        _ if ours != theirs => out.push(format!("{path}: {ours} ≠ engine's {theirs}")),
        _ => {}
    }
}

/// An inspect document with its mounts by destination (the engine lists them in Go's map order).
fn mounts_in_order(mut doc: Value) -> Value {
    if let Some(Value::Array(mounts)) = doc.get_mut("Mounts") {
        mounts.sort_by(|a, b| a["Destination"].as_str().cmp(&b["Destination"].as_str()));
    }
    doc
}

/// berth's inspect document of a container it read from the engine's is the engine's own,
/// field by field: `null` stays `null`, `[]` stays `[]`, and the fields the core does not
/// model (GraphDriver, LogConfig, most of HostConfig, …) come back as they came.
#[test]
fn recorded_inspect_documents_come_back_as_the_engine_wrote_them() {
    let mounts: Value = serde_json::from_str(RECORDED_MOUNTS).unwrap();
    let mut cases: Vec<(String, Value)> = INSPECT
        .iter()
        .map(|(name, text)| ((*name).to_owned(), serde_json::from_str(text).unwrap()))
        .collect();
    for c in mounts["containers"].as_array().unwrap() {
        cases.push((c["name"].as_str().unwrap().to_owned(), c["inspect"].clone()));
    }
    for (name, engine) in cases {
        let doc: ContainerInspect = serde_json::from_value(engine.clone()).unwrap();
        let ours = serde_json::to_value(ContainerInspect::of(&doc.to_container())).unwrap();
        let mut differences = Vec::new();
        json_differences(
            &mounts_in_order(ours),
            &mounts_in_order(engine),
            "",
            &mut differences,
        );
        assert!(
            differences.is_empty(),
            "{name}: {} differences:\n{}",
            differences.len(),
            differences.join("\n")
        );
    }
}

const RECORDED_MOUNTS: &str = include_str!("../../testdata/engine/mounts.json");

#[test]
fn recorded_restart_and_oom_facts() {
    let (crash, _) = inspect_of("crash").unwrap();
    assert_eq!(
        crash.host_config.restart_policy,
        RestartPolicy::on_failure(2)
    );
    assert_eq!(crash.restart_count, 2);
    assert_eq!(crash.state.exit_code, 7);
    let c = crash.to_container();
    assert!(!c.should_restart(), "on-failure:2 after two restarts stops");

    let (oom, _) = inspect_of("oom").unwrap();
    assert!(oom.state.oom_killed);
    assert_eq!(oom.state.exit_code, 137);

    let (web, _) = inspect_of("web").unwrap();
    assert!(web.state.running && web.state.paused);
    assert_eq!(web.to_container().state.state_string(), "paused");
}

#[test]
fn recorded_disk_files_round_trip_and_agree_with_inspect() {
    for (name, config, hostconfig) in DISK {
        let c = Container::from_disk(config, Some(hostconfig)).unwrap();
        let (v2, host) = c.to_disk();
        let v2_json: Value = serde_json::from_str(&v2).unwrap();
        assert!(
            v2_json.get("HostConfig").is_none(),
            "{name}: HostConfig lives apart"
        );
        assert!(
            v2_json["State"].get("Status").is_none(),
            "{name}: no Status on disk"
        );
        let back = Container::from_disk(&v2, Some(&host)).unwrap();
        assert_eq!(back, c, "{name}: disk → container → disk");

        let (doc, _) = inspect_of(name).unwrap();
        assert_eq!(c.id, doc.id, "{name}");
        assert_eq!(c.name, doc.name, "{name}");
        assert_eq!(c.restart_count, doc.restart_count, "{name}");
        assert_eq!(c.host_config, doc.host_config, "{name}");
        assert_eq!(c.config.cmd, doc.config.cmd, "{name}");
        let mut from_disk = ContainerInspect::of(&c).state;
        let mut from_api = doc.state.clone();
        assert_eq!(
            from_disk.health.as_ref().map(|h| h.status()),
            from_api.health.as_ref().map(|h| h.status()),
            "{name}"
        );
        // Probes keep running between the two recordings: compare all but the probe log.
        from_disk.health = None;
        from_api.health = None;
        assert_eq!(from_disk, from_api, "{name}");
    }
    // No hostconfig.json: the defaults.
    let (_, config, _) = DISK[0];
    let c = Container::from_disk(config, None).unwrap();
    assert_eq!(c.host_config, berth_core::HostConfig::default());
}

#[test]
fn broken_disk_files_say_which_file() {
    let err = Container::from_disk("{", None).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid config.v2.json: "),
        "{err}"
    );
    let err = Container::from_disk("{}", Some("[1]")).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid hostconfig.json: "),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::System);
}

/// The engine's `t` (ns) of the `final` `docker ps` snapshot, which `list.json` was taken with.
fn final_snapshot_time() -> Time {
    PS_SNAPSHOTS
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["label"] == "final")
        .and_then(|v| v["t"].as_i64())
        .map(Time::from_unix_nanos)
        .expect("ps-snapshots.jsonl has a final snapshot")
}

#[test]
fn recorded_list_items_are_our_summaries() {
    let raw: Value = serde_json::from_str(LIST).unwrap();
    let items: Vec<ContainerSummary> =
        serde_json::from_value(raw["containers_json_all"].clone()).unwrap();
    assert_eq!(items.len(), INSPECT.len());
    let again: Vec<ContainerSummary> =
        serde_json::from_str(&serde_json::to_string(&items).unwrap()).unwrap();
    assert_eq!(again, items, "parse → serialize → parse");

    let mut containers = Vec::new();
    for item in &items {
        let name = item
            .names
            .first()
            .and_then(|n| n.strip_prefix('/'))
            .unwrap();
        let (doc, _) = inspect_of(name).unwrap();
        assert_eq!(doc.id, item.id);
        let c = doc.to_container();
        let mut ours = berth_core::api::summarize(&c, item.names.clone(), Time::ZERO);
        ours.status = item.status.clone();
        assert_eq!(
            &ours, item,
            "{name}: every field but the time-dependent status"
        );
        containers.push(c);
    }

    // The status column: the engine rendered every item at one instant shortly after the
    // request was sent; some instant must reproduce all of them at once.
    let sent = final_snapshot_time();
    let reproduces = |now: Time| {
        containers
            .iter()
            .zip(&items)
            .all(|(c, item)| c.state.status_string(now) == item.status)
    };
    let found = (0..2_000)
        .map(|ms| sent.add(Duration::from_millis(ms)))
        .find(|now| reproduces(*now));
    assert!(
        found.is_some(),
        "no instant within 2 s of {sent} renders the recorded statuses"
    );
}

#[test]
fn recorded_refusals_are_ours() {
    let cases: Vec<Value> = serde_json::from_str(ERRORS).unwrap();
    let mut checked = 0;
    for case in &cases {
        let target = case["target"].as_str().unwrap_or_default();
        let path = case["path"].as_str().unwrap_or_default();
        let method = case["method"].as_str().unwrap_or_default();
        let Some((doc, _)) = inspect_of(target) else {
            continue; // a container that is gone by the end of the recording
        };
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let reference = route
            .split('/')
            .nth(3)
            .expect("a /v1.xx/containers/{ref}/… path");
        let action = match (method, route.rsplit('/').next(), query) {
            ("DELETE", _, q) if !q.contains("force=1") => Action::Remove,
            ("POST", Some("start"), _) => Action::Start,
            ("POST", Some("stop"), _) => Action::Stop,
            ("POST", Some("pause"), _) => Action::Pause,
            ("POST", Some("unpause"), _) => Action::Unpause,
            ("POST", Some("kill"), "") => Action::Kill,
            _ => continue, // rename, create, signals: not preconditions of a state
        };
        assert_eq!(case["target_id"], doc.id.as_str());
        let c = doc.to_container();
        let got = check_as(action, &c, reference);
        let status = case["status"].as_u64().unwrap_or_default();
        match got {
            Ok(Verdict::NotModified) => assert_eq!(status, 304, "{}", case["case"]),
            Ok(Verdict::Proceed) => panic!("{}: the engine refused with {status}", case["case"]),
            Err(refusal) => {
                assert_eq!(
                    u64::from(refusal.kind().http_status()),
                    status,
                    "{}",
                    case["case"]
                );
                assert_eq!(
                    case["body"]["message"],
                    refusal.message.as_str(),
                    "{}",
                    case["case"]
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 8,
        "only {checked} recorded refusals could be checked"
    );
}

#[test]
fn go_nulls_and_unknown_fields_are_accepted() {
    let summary: ContainerSummary = serde_json::from_str(
        r#"{"Id":"abc","Names":null,"Image":"x","ImageID":"sha256:1","Command":"sh",
            "Created":1,"Ports":null,"Labels":null,"State":"created","Status":"Created",
            "HostConfig":{"NetworkMode":"none","Annotations":{"a":"b"}},
            "NetworkSettings":{"Networks":null},"Mounts":null,"SizeRw":12,"Future":[1,2]}"#,
    )
    .unwrap();
    assert!(summary.names.is_empty() && summary.ports.is_empty() && summary.mounts.is_empty());
    assert!(summary.labels.is_empty() && summary.network_settings.networks.is_empty());
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(
        json["Names"],
        serde_json::json!([]),
        "never null on the way out"
    );

    let doc: ContainerInspect = serde_json::from_str(
        r#"{"Id":"abc","Created":"2024-01-01T00:00:00.5Z","Path":"sh","Args":null,
            "State":{"Status":"exited","Running":false,"Paused":false,"Restarting":false,
                     "OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":2,"Error":"",
                     "StartedAt":"2024-01-01T00:00:01Z","FinishedAt":"2024-01-01T00:00:02Z",
                     "Health":null,"Extra":true},
            "ExecIDs":null,"Mounts":null,"GraphDriver":{"Name":"overlay2"},
            "HostConfig":{"Binds":null,"PortBindings":null,"NetworkMode":"none",
                          "RestartPolicy":{"Name":"no","MaximumRetryCount":0},"LogConfig":{}},
            "Config":{"Env":null,"Cmd":null,"Entrypoint":null,"Labels":null,
                      "ExposedPorts":null,"Healthcheck":null,"OnBuild":null},
            "NetworkSettings":{"Networks":{"none":null},"Ports":{"80/tcp":null}}}"#,
    )
    .unwrap();
    assert!(doc.args.is_empty() && doc.exec_ids.is_none() && doc.mounts.is_empty());
    assert!(doc.config.env.is_none() && doc.config.healthcheck.is_none());
    assert_eq!(doc.network_settings.ports.get("80/tcp"), Some(&None));
    let c = doc.to_container();
    assert_eq!(c.state.state_string(), "exited");
    assert_eq!(
        c.state
            .status_string(Time::parse("2024-01-01T00:01:02Z").unwrap()),
        "Exited (2) About a minute ago"
    );
    let ports = berth_core::api::summarize(&c, vec![], Time::ZERO).ports;
    assert_eq!(ports.len(), 1);
    assert_eq!((ports[0].private_port, ports[0].public_port), (80, 0));

    let minimal: ContainerInspect = serde_json::from_str(r#"{"Id":"x"}"#).unwrap();
    assert_eq!(minimal.to_container().state.state_string(), "created");
    assert!(
        serde_json::from_str::<ContainerInspect>(r#"{"Names":[]}"#).is_err(),
        "Id is required"
    );
}

#[test]
fn inspect_state_carries_removing_through_status() {
    let mut c = container_in("exited");
    c.state.set_removal_in_progress();
    let doc = ContainerInspect::of(&c);
    assert_eq!(doc.state.status, "removing");
    let json = serde_json::to_value(&doc).unwrap();
    assert!(json["State"].get("RemovalInProgress").is_none());
    let back: ContainerInspect = serde_json::from_value(json).unwrap();
    assert!(back.to_container().state.removal_in_progress);
    assert_eq!(back.platform, "linux");
}
