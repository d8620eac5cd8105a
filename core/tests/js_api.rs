//! The JavaScript API (core/src/js.rs) as a JS caller sees it: every method, the Promise of
//! `wait`, thrown errors with their `kind`, and ViewDb/View round trips. Runs in node:
//! `wasm-pack test --node core -- --test js_api`.
#![cfg(target_arch = "wasm32")]

use berth_core::js::{
    human_duration, is_valid_health_string, is_valid_state_string, parse_cli_filters, parse_event,
    replace_or_append_env_values, JsContainerState, JsModel, JsView, JsViewDb,
};
use js_sys::{Function, Promise, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test as test;

/// 2024-05-06T07:08:09Z in milliseconds.
const T0: f64 = 1_714_979_289_000.0;
const ID_A: &str = "abc123aaaa";
const ID_B: &str = "abd456bbbb";
const ID_C: &str = "f00dcafe01";

fn to_json(v: JsValue) -> Value {
    serde_wasm_bindgen::from_value(v).expect("a JSON-shaped JS value")
}

fn ok<T>(r: Result<T, JsValue>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected JS error: {:?}", e),
    }
}

/// The `kind` and `message` of a thrown JS error; fails unless it is a real `Error`.
fn thrown<T>(r: Result<T, JsValue>) -> (String, String) {
    let Err(e) = r else {
        panic!("expected a thrown error, got a value");
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let kind = Reflect::get(&e, &"kind".into())
        .ok()
        .and_then(|k| k.as_string())
        .expect("a string kind property");
    let message: String = e.unchecked_into::<js_sys::Error>().message().into();
    (kind, message)
}

fn err(kind: &str, message: &str) -> (String, String) {
    (kind.to_owned(), message.to_owned())
}

fn state(id: &str, name: Option<&str>) -> JsContainerState {
    ok(JsContainerState::new(
        id.to_owned(),
        name.map(str::to_owned),
        None,
    ))
}

/// Whether `p` has settled by the next macrotask (after every queued microtask has run).
async fn is_settled(p: &Promise) -> bool {
    let probe = Function::new_with_args(
        "p",
        "return Promise.race([p.then(() => true, () => true), \
         new Promise((r) => setTimeout(() => r(false), 0))]);",
    );
    let race: Promise = ok(probe.call1(&JsValue::NULL, p)).unchecked_into();
    ok(JsFuture::from(race).await).as_bool() == Some(true)
}

async fn resolved(p: Promise) -> Value {
    to_json(ok(JsFuture::from(p).await))
}

// --- free functions -----------------------------------------------------------------------

#[test]
fn human_duration_follows_go_units() {
    for (ms, text) in [
        (0.0, "Less than a second"),
        (-5_000.0, "Less than a second"),
        (999.0, "Less than a second"),
        (1_000.0, "1 second"),
        (59_999.0, "59 seconds"),
        (60_000.0, "About a minute"),
        (119_999.0, "About a minute"),
        (45.0 * 60_000.0, "45 minutes"),
        (3_600_000.0, "About an hour"),
        (3.0 * 3_600_000.0, "3 hours"),
        (3.0 * 86_400_000.0, "3 days"),
    ] {
        assert_eq!(ok(human_duration(ms)), text, "{ms} ms");
    }
    assert_eq!(
        thrown(human_duration(f64::NAN)),
        err(
            "invalid_parameter",
            "invalid duration: NaN is not a finite number of milliseconds"
        )
    );
}

#[test]
fn valid_state_and_health_strings() {
    for s in [
        "created",
        "running",
        "paused",
        "restarting",
        "removing",
        "exited",
        "dead",
    ] {
        assert!(is_valid_state_string(s), "{s}");
    }
    for s in ["", "Running", "stopped", "up"] {
        assert!(!is_valid_state_string(s), "{s}");
    }
    for s in ["starting", "healthy", "unhealthy", "none"] {
        assert!(is_valid_health_string(s), "{s}");
    }
    for s in ["", "Healthy", "health: starting"] {
        assert!(!is_valid_health_string(s), "{s}");
    }
}

#[test]
fn env_overrides_replace_append_and_remove() {
    let defaults = vec!["A=1".to_owned(), "B=2".to_owned(), "C=3".to_owned()];
    let overrides = vec!["B=20".to_owned(), "D=4".to_owned(), "A".to_owned()];
    assert_eq!(
        replace_or_append_env_values(defaults, overrides),
        vec!["B=20", "C=3", "D=4"]
    );
}

// --- ContainerState: construction and transitions ------------------------------------------

#[test]
fn a_new_state_is_created_with_defaults() {
    let c = state(ID_A, Some("web"));
    assert_eq!(c.id(), ID_A);
    assert_eq!(c.name(), "/web");
    assert_eq!(state(ID_B, Some("/db")).name(), "/db");
    assert_eq!(state(ID_B, None).name(), "");
    assert_eq!(c.state_string(), "created");
    assert_eq!(ok(c.status_text(T0)), "Created");
    assert_eq!(c.stop_signal(), "SIGTERM");
    assert_eq!(c.stop_timeout(), 10.0);
    assert_eq!(c.restart_count(), 0.0);
    assert_eq!(c.pending_waiters(), 0);
    assert_eq!(
        to_json(ok(c.flags())),
        json!({
            "Running": false, "Paused": false, "Restarting": false, "OOMKilled": false,
            "RemovalInProgress": false, "Dead": false, "Removed": false,
            "Pid": 0, "ExitCode": 0, "Error": "",
            "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": null
        })
    );
    let created = ok(JsContainerState::new(ID_C.to_owned(), None, Some(T0 + 0.5)));
    assert_eq!(
        to_json(ok(created.to_json()))["Created"],
        "2024-05-06T07:08:09.0005Z"
    );
}

#[test]
fn run_pause_health_stop_and_status_text() {
    let c = state(ID_A, Some("web"));
    ok(c.set_running(42, true, T0));
    assert_eq!(c.state_string(), "running");
    assert_eq!(ok(c.status_text(T0 + 5_000.0)), "Up 5 seconds");
    let f = to_json(ok(c.flags()));
    assert_eq!(f["Running"], true);
    assert_eq!(f["Pid"], 42);
    assert_eq!(f["StartedAt"], "2024-05-06T07:08:09Z");

    c.pause();
    assert_eq!(c.state_string(), "paused");
    assert_eq!(ok(c.status_text(T0 + 5_000.0)), "Up 5 seconds (Paused)");
    let f = to_json(ok(c.flags()));
    assert_eq!(
        (f["Running"].clone(), f["Paused"].clone()),
        (json!(true), json!(true))
    );
    c.unpause();
    assert_eq!(c.state_string(), "running");

    ok(c.set_health("starting"));
    assert_eq!(
        ok(c.status_text(T0 + 5_000.0)),
        "Up 5 seconds (health: starting)"
    );
    ok(c.set_health("healthy"));
    assert_eq!(ok(c.status_text(T0 + 5_000.0)), "Up 5 seconds (healthy)");
    assert_eq!(to_json(ok(c.flags()))["Health"]["Status"], "healthy");
    assert_eq!(
        thrown(c.set_health("bogus")),
        err("invalid_parameter", "invalid health status: bogus")
    );
    ok(c.set_health("none"));
    assert_eq!(to_json(ok(c.flags()))["Health"], Value::Null);
    assert_eq!(ok(c.status_text(T0 + 5_000.0)), "Up 5 seconds");

    c.set_oom_killed();
    ok(c.set_stopped(137, T0 + 10_000.0));
    assert_eq!(c.state_string(), "exited");
    assert_eq!(
        ok(c.status_text(T0 + 10_000.0 + 3.0 * 3_600_000.0)),
        "Exited (137) 3 hours ago"
    );
    let f = to_json(ok(c.flags()));
    assert_eq!(f["OOMKilled"], true);
    assert_eq!(f["ExitCode"], 137);
    assert_eq!(f["Pid"], 0);
    assert_eq!(f["Running"], false);
    assert_eq!(f["FinishedAt"], "2024-05-06T07:08:19Z");

    // A new run clears the OOM flag and the exit code; a re-attach keeps StartedAt.
    ok(c.set_running(43, false, T0 + 20_000.0));
    let f = to_json(ok(c.flags()));
    assert_eq!(f["OOMKilled"], false);
    assert_eq!(f["ExitCode"], 0);
    assert_eq!(f["StartedAt"], "2024-05-06T07:08:09Z");
}

#[test]
fn errors_removal_and_dead() {
    let c = state(ID_A, Some("web"));
    c.set_error(Some("boom".to_owned()));
    assert_eq!(to_json(ok(c.flags()))["Error"], "boom");
    c.set_error(None);
    assert_eq!(to_json(ok(c.flags()))["Error"], "");

    ok(c.set_running(1, true, T0));
    ok(c.set_stopped(0, T0 + 1_000.0));
    assert!(!c.set_removal_in_progress());
    assert!(c.set_removal_in_progress());
    assert_eq!(c.state_string(), "removing");
    assert_eq!(ok(c.status_text(T0)), "Removal In Progress");
    assert_eq!(to_json(ok(c.flags()))["RemovalInProgress"], true);
    c.reset_removal_in_progress();
    assert_eq!(c.state_string(), "exited");

    assert!(!c.set_removal_in_progress());
    c.set_dead();
    assert_eq!(c.state_string(), "dead");
    assert_eq!(ok(c.status_text(T0)), "Dead");
    assert_eq!(to_json(ok(c.flags()))["RemovalInProgress"], false);

    c.set_removal_error("driver failed");
    let f = to_json(ok(c.flags()));
    assert_eq!(f["Removed"], true);
    assert_eq!(f["Error"], "driver failed");
    c.set_removed();
    let f = to_json(ok(c.flags()));
    assert_eq!(f["Removed"], true);
    assert_eq!(f["Error"], "");
}

#[test]
fn restarting_state_and_status() {
    let c = state(ID_A, None);
    ok(c.set_running(7, true, T0));
    ok(c.set_restarting(2, T0 + 1_000.0));
    assert_eq!(c.state_string(), "restarting");
    assert_eq!(
        ok(c.status_text(T0 + 61_000.0)),
        "Restarting (2) About a minute ago"
    );
    let f = to_json(ok(c.flags()));
    assert_eq!(f["Running"], true);
    assert_eq!(f["Restarting"], true);
    assert_eq!(f["Pid"], 0);
    assert_eq!(f["ExitCode"], 2);
}

#[test]
fn times_must_be_finite_and_keep_fractions() {
    let c = state(ID_A, None);
    assert_eq!(
        thrown(c.set_running(1, true, f64::NAN)),
        err(
            "invalid_parameter",
            "invalid time: NaN is not a finite number of milliseconds"
        )
    );
    assert_eq!(
        c.state_string(),
        "created",
        "a rejected call changes nothing"
    );
    assert_eq!(
        thrown(c.status_text(f64::INFINITY)),
        err(
            "invalid_parameter",
            "invalid time: inf is not a finite number of milliseconds"
        )
    );
    ok(c.set_running(1, true, T0 + 0.25));
    assert_eq!(
        to_json(ok(c.flags()))["StartedAt"],
        "2024-05-06T07:08:09.00025Z"
    );
}

#[test]
fn health_probes_count_the_failing_streak() {
    let c = state(ID_A, None);
    ok(c.set_running(1, true, T0));
    assert_eq!(
        ok(c.record_probe(1, "no".into(), T0, T0 + 10.0)),
        "starting"
    );
    assert_eq!(ok(c.record_probe(0, "ok".into(), T0, T0 + 10.0)), "healthy");
    assert_eq!(ok(c.status_text(T0 + 2_000.0)), "Up 2 seconds (healthy)");
    for i in 0..2 {
        assert_eq!(
            ok(c.record_probe(1, format!("fail {i}"), T0, T0 + 10.0)),
            "healthy"
        );
    }
    assert_eq!(
        ok(c.record_probe(1, "fail 2".into(), T0, T0 + 10.0)),
        "unhealthy"
    );
    for i in 0..3 {
        ok(c.record_probe(1, format!("more {i}"), T0, T0 + 10.0));
    }
    let health = to_json(ok(c.flags()))["Health"].clone();
    assert_eq!(health["FailingStreak"], 6);
    let log = health["Log"].as_array().expect("a log array");
    assert_eq!(log.len(), 5, "the last five probes are kept");
    assert_eq!(log[4]["Output"], "more 2");
    assert_eq!(log[4]["ExitCode"], 1);
    assert_eq!(log[4]["End"], "2024-05-06T07:08:09.01Z");
}

// --- wait ----------------------------------------------------------------------------------

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_not_running_is_met_at_once_when_not_running() {
    let c = state(ID_A, None);
    let v = resolved(c.wait(None)).await;
    assert_eq!(v, json!({"StatusCode": 0, "Error": null}));
    let v = resolved(c.wait(Some("not-running".into()))).await;
    assert_eq!(v, json!({"StatusCode": 0, "Error": null}));
    assert_eq!(c.pending_waiters(), 0);
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_resolves_on_set_stopped() {
    let c = state(ID_A, None);
    ok(c.set_running(9, true, T0));
    let p = c.wait(Some("not-running".into()));
    assert!(!is_settled(&p).await, "pending while running");
    assert_eq!(c.pending_waiters(), 1);
    // The pending wait holds no borrow: every method still works.
    c.pause();
    c.unpause();
    assert_eq!(c.state_string(), "running");
    ok(c.set_stopped(3, T0 + 1_000.0));
    assert_eq!(c.pending_waiters(), 0);
    assert!(is_settled(&p).await, "settled by the stop");
    assert_eq!(resolved(p).await, json!({"StatusCode": 3, "Error": null}));
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_next_exit_waits_even_when_stopped() {
    let c = state(ID_A, None);
    let p = c.wait(Some("next-exit".into()));
    assert!(!is_settled(&p).await, "next-exit is never met at once");
    ok(c.set_running(9, true, T0));
    assert!(!is_settled(&p).await, "a start is not an exit");
    ok(c.set_stopped(0, T0 + 1_000.0));
    assert_eq!(resolved(p).await, json!({"StatusCode": 0, "Error": null}));
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_removed_resolves_only_on_set_removed() {
    let c = state(ID_A, None);
    ok(c.set_running(9, true, T0));
    let removed = c.wait(Some("removed".into()));
    let stopped = c.wait(Some("not-running".into()));
    assert_eq!(c.pending_waiters(), 2);
    ok(c.set_stopped(5, T0 + 1_000.0));
    assert_eq!(
        resolved(stopped).await,
        json!({"StatusCode": 5, "Error": null})
    );
    assert!(!is_settled(&removed).await, "a stop does not meet removed");
    assert_eq!(c.pending_waiters(), 1);
    c.set_removed();
    assert_eq!(
        resolved(removed).await,
        json!({"StatusCode": 5, "Error": null})
    );
    // Once removed, a new `removed` wait is met at once.
    let again = resolved(c.wait(Some("removed".into()))).await;
    assert_eq!(again, json!({"StatusCode": 5, "Error": null}));
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_carries_the_removal_error() {
    let c = state(ID_A, None);
    let p = c.wait(Some("removed".into()));
    c.set_removal_error("device busy");
    assert_eq!(
        resolved(p).await,
        json!({"StatusCode": 0, "Error": {"Message": "device busy"}})
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wait_with_a_bad_condition_rejects() {
    let c = state(ID_A, None);
    let rejected = JsFuture::from(c.wait(Some("sometimes".into()))).await;
    assert_eq!(
        thrown(rejected),
        err("invalid_parameter", "invalid condition: \"sometimes\"")
    );
    assert_eq!(c.pending_waiters(), 0);
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_freed_state_cancels_its_waits() {
    let c = state(ID_A, None);
    ok(c.set_running(9, true, T0));
    let p = c.wait(Some("next-exit".into()));
    drop(c);
    assert_eq!(
        resolved(p).await,
        json!({"StatusCode": -1, "Error": {"Message": "container state dropped"}})
    );
}

/// The engine's regression case 39352: a policy restart wakes a `not-running` wait with the
/// exit code of the run that ended, driven as a JS host would.
#[wasm_bindgen_test::wasm_bindgen_test]
async fn restart_wakes_not_running_waiters_39352() {
    let c = state(ID_A, Some("crash"));
    ok(c.set_restart_policy("on-failure:3"));
    ok(c.set_running(100, true, T0));
    let p = c.wait(Some("not-running".into()));
    assert!(!is_settled(&p).await);

    let d = to_json(ok(c.decide_restart(1, 500.0)));
    assert_eq!(
        d,
        json!({"restart": true, "delayMs": 100, "restartCount": 1})
    );
    ok(c.set_restarting(1, T0 + 500.0));
    assert_eq!(resolved(p).await, json!({"StatusCode": 1, "Error": null}));
    assert_eq!(c.state_string(), "restarting");
    assert_eq!(c.restart_count(), 1.0);
    assert_eq!(to_json(ok(c.to_json()))["RestartCount"], 1);

    assert_eq!(
        thrown(c.decide_restart(1, 500.0)),
        err("system", "invalid call on an active restart manager")
    );
    c.restart_fired();
    ok(c.set_running(101, true, T0 + 600.0));
    let d = to_json(ok(c.decide_restart(1, 500.0)));
    assert_eq!(
        d,
        json!({"restart": true, "delayMs": 200, "restartCount": 2})
    );
    c.restart_fired();
    let d = to_json(ok(c.decide_restart(1, 500.0)));
    assert_eq!(
        d,
        json!({"restart": true, "delayMs": 400, "restartCount": 3})
    );
    c.restart_fired();
    let d = to_json(ok(c.decide_restart(1, 500.0)));
    assert_eq!(d["restart"], false, "on-failure:3 stops after three");
    assert_eq!(d["restartCount"], 3);

    c.exit_on_next();
    assert_eq!(
        thrown(c.decide_restart(1, 500.0)),
        err("conflict", "restart canceled")
    );
}

#[test]
fn restart_policies_in_cli_form() {
    let c = state(ID_A, None);
    assert_eq!(c.restart_policy(), "no");
    for p in [
        "always",
        "unless-stopped",
        "on-failure",
        "on-failure:3",
        "no",
    ] {
        ok(c.set_restart_policy(p));
        assert_eq!(c.restart_policy(), p);
    }
    assert_eq!(
        thrown(c.set_restart_policy("sometimes")),
        err(
            "invalid_parameter",
            "invalid restart policy format: sometimes"
        )
    );
    assert_eq!(c.restart_policy(), "no", "a refused policy changes nothing");

    let d = to_json(ok(c.decide_restart(1, 0.0)));
    assert_eq!(d["restart"], false);

    ok(c.set_restart_policy("unless-stopped"));
    c.set_manually_stopped(true);
    assert_eq!(to_json(ok(c.decide_restart(0, 0.0)))["restart"], false);
    c.set_manually_stopped(false);
    let d = to_json(ok(c.decide_restart(0, 20_000.0)));
    assert_eq!(
        d,
        json!({"restart": true, "delayMs": 100, "restartCount": 1})
    );
    assert_eq!(
        thrown(c.decide_restart(0, f64::NAN)),
        err(
            "invalid_parameter",
            "invalid duration: NaN is not a finite number of milliseconds"
        )
    );
}

// --- actions -------------------------------------------------------------------------------

#[test]
fn check_gives_the_engines_verdicts() {
    let c = state(ID_A, Some("web"));
    assert_eq!(
        to_json(ok(c.check("start"))),
        json!({"ok": true, "notModified": false})
    );
    assert_eq!(
        to_json(ok(c.check("stop"))),
        json!({"ok": true, "notModified": true})
    );
    assert_eq!(
        to_json(ok(c.check("pause"))),
        json!({
            "ok": false, "status": 409, "kind": "conflict",
            "message": format!("Container {ID_A} is not running")
        })
    );
    assert_eq!(
        c.allowed_actions(),
        vec!["start", "stop", "restart", "remove", "force-remove"]
    );

    ok(c.set_running(5, true, T0));
    c.pause();
    assert_eq!(
        to_json(ok(c.check("remove")))["message"],
        format!(
            "You cannot remove a paused container {ID_A}. Unpause and then stop the container \
             before attempting removal or force remove"
        )
    );
    assert_eq!(
        to_json(ok(c.check("start")))["message"],
        "cannot start a paused container, try unpause instead"
    );
    assert!(c.allowed_actions().contains(&"unpause".to_owned()));
    assert!(!c.allowed_actions().contains(&"pause".to_owned()));

    assert_eq!(
        thrown(c.check("jump")),
        err("invalid_parameter", "unknown action: jump")
    );
}

// --- inspect JSON --------------------------------------------------------------------------

#[test]
fn to_json_and_from_inspect_round_trip() {
    let c = state(ID_A, Some("web"));
    ok(c.set_restart_policy("on-failure:2"));
    ok(c.set_running(77, true, T0));
    ok(c.set_health("healthy"));
    let doc = to_json(ok(c.to_json()));
    assert_eq!(doc["Id"], ID_A);
    assert_eq!(doc["Name"], "/web");
    assert_eq!(doc["State"]["Status"], "running");
    assert_eq!(doc["State"]["Pid"], 77);
    assert_eq!(doc["State"]["StartedAt"], "2024-05-06T07:08:09Z");
    assert_eq!(doc["State"]["Health"]["Status"], "healthy");
    assert_eq!(
        doc["HostConfig"]["RestartPolicy"],
        json!({"Name": "on-failure", "MaximumRetryCount": 2})
    );

    let from_object = ok(JsContainerState::from_inspect(ok(c.to_json())));
    assert_eq!(to_json(ok(from_object.to_json())), doc);
    assert_eq!(from_object.restart_policy(), "on-failure:2");
    assert_eq!(from_object.state_string(), "running");

    let text = doc.to_string();
    let from_text = ok(JsContainerState::from_inspect(JsValue::from_str(&text)));
    assert_eq!(to_json(ok(from_text.to_json())), doc);

    let (kind, _) = thrown(JsContainerState::from_inspect(JsValue::from_str(
        "{not json",
    )));
    assert_eq!(kind, "invalid_parameter");
    let (kind, _) = thrown(JsContainerState::from_inspect(JsValue::from(42)));
    assert_eq!(kind, "invalid_parameter");
}

#[test]
fn from_inspect_reads_an_engine_document() {
    let engine = json!({
        "Id": ID_B,
        "Created": "2024-05-06T07:00:00.123456789Z",
        "Path": "sh",
        "Args": ["-c", "exit 3"],
        "State": {
            "Status": "exited", "Running": false, "Paused": false, "Restarting": false,
            "OOMKilled": false, "Dead": false, "Pid": 0, "ExitCode": 3, "Error": "",
            "StartedAt": "2024-05-06T07:00:01Z", "FinishedAt": "2024-05-06T07:00:02Z"
        },
        "Name": "/crash",
        "RestartCount": 0,
        "HostConfig": {"NetworkMode": "none", "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}},
        "Config": {"Image": "local/busybox:1", "StopSignal": "SIGINT", "StopTimeout": 3,
                   "Labels": null, "Env": null},
        "Mounts": null,
        "SomethingNewer": {"ignored": true}
    });
    let c = ok(JsContainerState::from_inspect(JsValue::from_str(
        &engine.to_string(),
    )));
    assert_eq!(c.id(), ID_B);
    assert_eq!(c.name(), "/crash");
    assert_eq!(c.state_string(), "exited");
    assert_eq!(ok(c.status_text(T0)), "Exited (3) 8 minutes ago");
    assert_eq!(c.stop_signal(), "SIGINT");
    assert_eq!(c.stop_timeout(), 3.0);
    assert_eq!(
        to_json(ok(c.to_json()))["Created"],
        "2024-05-06T07:00:00.123456789Z"
    );
}

// --- ViewDb and View -----------------------------------------------------------------------

fn db_with_three() -> (JsViewDb, [JsContainerState; 3]) {
    let mut db = JsViewDb::new();
    let a = state(ID_A, Some("web"));
    let b = state(ID_B, Some("db"));
    let c = state(ID_C, Some("cache"));
    ok(a.set_running(10, true, T0));
    ok(b.set_running(11, true, T0));
    ok(b.set_stopped(1, T0 + 2_000.0));
    ok(db.reserve_name("/web", ID_A));
    ok(db.reserve_name("/db", ID_B));
    ok(db.reserve_name("/cache", ID_C));
    for s in [&a, &b, &c] {
        ok(db.save(s, T0 + 5_000.0));
    }
    (db, [a, b, c])
}

#[test]
fn save_snapshot_and_list() {
    let (db, _) = db_with_three();
    assert_eq!(db.length(), 3);
    let view: JsView = db.snapshot();
    assert_eq!(view.length(), 3);
    let all = to_json(ok(view.all(None)).into());
    let items = all.as_array().expect("an array");
    let ids: Vec<&str> = items.iter().filter_map(|i| i["Id"].as_str()).collect();
    assert_eq!(ids, vec![ID_A, ID_B, ID_C], "ordered by ID");
    assert_eq!(items[0]["Names"], json!(["/web"]));
    assert_eq!(items[0]["State"], "running");
    assert_eq!(items[0]["Status"], "Up 5 seconds", "rendered at save time");
    assert_eq!(items[1]["State"], "exited");
    assert_eq!(items[1]["Status"], "Exited (1) 3 seconds ago");
    assert_eq!(items[2]["Status"], "Created");
    assert_eq!(items[2]["Ports"], json!([]));
    assert_eq!(items[2]["Labels"], json!({}));

    let later = to_json(ok(view.all(Some(T0 + 125_000.0))).into());
    assert_eq!(later[0]["Status"], "Up 2 minutes");
    assert_eq!(later[1]["Status"], "Exited (1) 2 minutes ago");
    assert_eq!(
        thrown(view.all(Some(f64::NAN))).0,
        "invalid_parameter".to_owned()
    );
}

#[test]
fn get_get_id_names_and_resolve() {
    let (db, _) = db_with_three();
    let view = db.snapshot();
    assert_eq!(to_json(ok(view.get(ID_B, None)))["Names"], json!(["/db"]));
    assert_eq!(
        to_json(ok(view.get(ID_A, Some(T0 + 60_000.0))))["Status"],
        "Up About a minute"
    );
    assert_eq!(
        thrown(view.get("abc", None)),
        err("not_found", "No such container: abc")
    );
    assert_eq!(ok(view.get_id("/db")), ID_B);
    assert_eq!(
        thrown(view.get_id("/nobody")),
        err("not_found", "name is not reserved")
    );
    assert_eq!(
        to_json(ok(view.get_all_names())),
        json!({ID_A: ["/web"], ID_B: ["/db"], ID_C: ["/cache"]})
    );
    for reference in [ID_C, "/cache", "cache", "f00"] {
        assert_eq!(
            to_json(ok(view.resolve(reference, None)))["Id"],
            ID_C,
            "{reference}"
        );
    }
    assert_eq!(
        thrown(view.resolve("zzz", None)),
        err("not_found", "No such container: zzz")
    );
}

#[test]
fn prefix_lookups_and_their_errors() {
    let (db, _) = db_with_three();
    let view = db.snapshot();
    for lookup in [
        |p: &str, db: &JsViewDb, _: &JsView| db.get_by_prefix(p),
        |p: &str, _: &JsViewDb, v: &JsView| v.get_by_prefix(p),
    ] {
        assert_eq!(ok(lookup("abc", &db, &view)), ID_A);
        assert_eq!(ok(lookup("f", &db, &view)), ID_C);
        assert_eq!(ok(lookup(ID_B, &db, &view)), ID_B);
        assert_eq!(
            thrown(lookup("", &db, &view)),
            err("invalid_parameter", "prefix can't be empty")
        );
        assert_eq!(
            thrown(lookup("ab", &db, &view)),
            err(
                "invalid_parameter",
                "multiple IDs found with provided prefix: ab"
            )
        );
        assert_eq!(
            thrown(lookup("zz", &db, &view)),
            err("not_found", "No such container: zz")
        );
    }
}

#[test]
fn name_reservations_conflict_and_release() {
    let mut db = JsViewDb::new();
    ok(db.reserve_name("/web", ID_A));
    ok(db.reserve_name("/web", ID_A));
    assert_eq!(
        thrown(db.reserve_name("/web", ID_B)),
        err("conflict", "name is reserved")
    );
    assert_eq!(ok(db.snapshot().get_id("/web")), ID_A);
    ok(db.release_name("/web"));
    assert_eq!(
        thrown(db.release_name("/web")),
        err("not_found", "not found")
    );
    ok(db.reserve_name("/web", ID_B));
    assert_eq!(ok(db.snapshot().get_id("/web")), ID_B);
}

#[test]
fn snapshots_never_see_later_writes() {
    let (mut db, [a, _, _]) = db_with_three();
    let before = db.snapshot();
    ok(a.set_stopped(0, T0 + 6_000.0));
    ok(db.save(&a, T0 + 6_000.0));
    db.delete(ID_B);
    let after = db.snapshot();

    assert_eq!(to_json(ok(before.get(ID_A, None)))["State"], "running");
    assert_eq!(to_json(ok(after.get(ID_A, None)))["State"], "exited");
    assert_eq!(before.length(), 3);
    assert_eq!(after.length(), 2);
    assert_eq!(db.length(), 2);
    assert_eq!(ok(before.get_id("/db")), ID_B);
    assert_eq!(
        thrown(after.get_id("/db")),
        err("not_found", "name is not reserved"),
        "delete releases the container's names"
    );
    assert_eq!(
        thrown(after.get(ID_B, None)),
        err("not_found", &format!("No such container: {ID_B}"))
    );
    // Deleting what is not there changes nothing.
    db.delete("nothing");
    assert_eq!(db.length(), 2);
}

// --- docker ps filters ---------------------------------------------------------------------

/// Three containers created a minute apart (A oldest, C newest): A running, B exited (1), C
/// created; names reserved, saved at T0 + 5 s.
fn db_for_list() -> JsView {
    let mut db = JsViewDb::new();
    for (i, (id, name)) in [(ID_A, "web"), (ID_B, "db"), (ID_C, "cache")]
        .into_iter()
        .enumerate()
    {
        let s = ok(JsContainerState::new(
            id.to_owned(),
            Some(name.to_owned()),
            Some(T0 - 180_000.0 + 60_000.0 * i as f64),
        ));
        if id != ID_C {
            ok(s.set_running(10, true, T0));
        }
        if id == ID_B {
            ok(s.set_stopped(1, T0 + 2_000.0));
        }
        ok(db.reserve_name(&format!("/{name}"), id));
        ok(db.save(&s, T0 + 5_000.0));
    }
    db.snapshot()
}

fn listed_ids(view: &JsView, options: Value) -> Vec<String> {
    let options = options.serialize(&serde_wasm_bindgen::Serializer::json_compatible());
    let items = to_json(ok(view.list(ok(options.map_err(JsValue::from)))).into());
    items
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|i| i["Id"].as_str().map(str::to_owned))
        .collect()
}

use serde::Serialize as _;

#[test]
fn list_is_docker_ps() {
    let view = db_for_list();
    assert_eq!(
        to_json(ok(view.list(JsValue::UNDEFINED)).into())
            .as_array()
            .map(Vec::len),
        Some(1),
        "running only by default"
    );
    assert_eq!(listed_ids(&view, json!({})), vec![ID_A]);
    assert_eq!(
        listed_ids(&view, json!({"all": true})),
        vec![ID_C, ID_B, ID_A],
        "newest first"
    );
    assert_eq!(listed_ids(&view, json!({"limit": 2})), vec![ID_C, ID_B]);
    assert_eq!(
        listed_ids(&view, json!({"limit": 0})),
        vec![ID_A],
        "0 is no limit"
    );
    // Filters as the engine's JSON text, and as objects of both of its forms.
    assert_eq!(
        listed_ids(&view, json!({"filters": "{\"status\":[\"exited\"]}"})),
        vec![ID_B]
    );
    assert_eq!(
        listed_ids(&view, json!({"filters": {"status": {"created": true}}})),
        vec![ID_C]
    );
    assert_eq!(
        listed_ids(&view, json!({"all": true, "filters": {"name": ["ca"]}})),
        vec![ID_C]
    );
    assert_eq!(
        listed_ids(
            &view,
            json!({"all": true, "filters": {"status": ["running", "exited"]}})
        ),
        vec![ID_B, ID_A]
    );
    let text = ok(parse_cli_filters("status=exited"));
    assert_eq!(listed_ids(&view, json!({ "filters": text })), vec![ID_B]);

    let items = to_json(
        ok(view.list(ok(json!({"all": true, "nowMs": T0 + 125_000.0})
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(JsValue::from))))
        .into(),
    );
    assert_eq!(items[1]["Status"], "Exited (1) 2 minutes ago");
    assert_eq!(items[2]["Status"], "Up 2 minutes");
}

#[test]
fn list_refuses_filters_in_the_engines_words() {
    let view = db_for_list();
    let list = |options: Value| {
        let options = options
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(JsValue::from);
        view.list(ok(options))
    };
    assert_eq!(
        thrown(list(json!({"filters": "{\"bogus\":[\"x\"]}"}))),
        err("invalid_parameter", "invalid filter 'bogus'")
    );
    assert_eq!(
        thrown(list(json!({"filters": "not json"}))),
        err("invalid_parameter", "invalid filter")
    );
    assert_eq!(
        thrown(list(json!({"filters": {"status": ["sleeping"]}}))),
        err("invalid_parameter", "invalid filter 'status=sleeping'")
    );
    assert_eq!(
        thrown(list(json!({"filters": {"before": ["nobody"]}}))),
        err("not_found", "No such container: nobody")
    );
    assert_eq!(
        thrown(list(json!({"filters": {"health": ["sick"]}}))),
        err(
            "invalid_parameter",
            "Unrecognised filter value for health: sick"
        )
    );
    assert_eq!(thrown(list(json!({"limit": "ten"}))).0, "invalid_parameter");
    assert_eq!(
        thrown(list(json!({"nowMs": "soon"}))).0,
        "invalid_parameter"
    );
}

#[test]
fn cli_filters_become_the_engines_json() {
    assert_eq!(
        ok(parse_cli_filters("status=exited  label=a=b")),
        r#"{"label":["a=b"],"status":["exited"]}"#
    );
    assert_eq!(ok(parse_cli_filters("")), "{}");
    assert_eq!(
        thrown(parse_cli_filters("status=exited oops")),
        err(
            "invalid_parameter",
            "bad format of filter (expected name=value)"
        )
    );
    assert_eq!(
        thrown(parse_cli_filters("colour=red")),
        err("invalid_parameter", "invalid filter 'colour'")
    );
}

// --- events and the mirror model -----------------------------------------------------------

/// A container event as the engine sends it: `time` in seconds and `timeNano`.
fn event(action: &str, id: &str, at_ms: f64, attributes: Value) -> Value {
    let nanos = (at_ms as i64) * 1_000_000;
    json!({
        "Type": "container", "Action": action, "scope": "local",
        "Actor": {"ID": id, "Attributes": attributes},
        "time": nanos / 1_000_000_000, "timeNano": nanos,
        "status": action, "id": id, "from": "busybox"
    })
}

/// `value` as a browser has it: `JSON.parse` of its text.
fn js(value: &Value) -> JsValue {
    ok(js_sys::JSON::parse(&value.to_string()))
}

#[test]
fn events_parse_from_text_and_objects() {
    let ev = event("die", ID_A, T0, json!({"exitCode": "3", "name": "web"}));
    let expected = json!({
        "Type": "container", "Action": "die", "scope": "local",
        "Actor": {"ID": ID_A, "Attributes": {"exitCode": "3", "name": "web"}},
        "time": 1_714_979_289
    });
    for input in [js(&ev), JsValue::from_str(&ev.to_string())] {
        let mut parsed = to_json(ok(parse_event(input)));
        let nanos = parsed
            .as_object_mut()
            .and_then(|o| o.remove("timeNano"))
            .and_then(|n| n.as_f64());
        assert_eq!(nanos, Some(1.714_979_289e18), "as JSON.parse reads it");
        assert_eq!(parsed, expected);
    }
    assert_eq!(
        thrown(parse_event(js(&json!({"Type": "container", "Action": ""})))),
        err("invalid_parameter", "invalid event: empty Action")
    );
    let (kind, message) = thrown(parse_event(JsValue::from_str("not an event")));
    assert_eq!(kind, "invalid_parameter");
    assert!(message.starts_with("invalid event: "), "{message}");
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn the_model_follows_events_and_settles_waits() {
    let mut m = JsModel::new();
    assert_eq!(m.revision(), 0.0);
    assert_eq!(m.last_event_time_ms(), None);

    let created = to_json(ok(m.apply(js(&event(
        "create",
        ID_A,
        T0,
        json!({"name": "web", "image": "busybox"}),
    )))));
    assert_eq!(
        created,
        json!({"revision": 1, "id": ID_A, "change": "created", "needsInspect": true})
    );
    assert_eq!(m.length(), 1);
    assert_eq!(ok(m.view().get_id("/web")), ID_A);

    let started = to_json(ok(m.apply(JsValue::from_str(
        &event("start", ID_A, T0 + 1_000.0, json!({})).to_string(),
    ))));
    assert_eq!(started["change"], "updated");
    assert_eq!(started["revision"], 2);
    assert_eq!(to_json(ok(m.counts()))["running"], 1);
    assert_eq!(to_json(ok(m.counts()))["created"], 0);

    let p = m.wait(ID_A, Some("not-running".into()));
    assert!(!is_settled(&p).await);
    let died = to_json(ok(m.apply(js(&event(
        "die",
        ID_A,
        T0 + 4_000.0,
        json!({"exitCode": "3"}),
    )))));
    assert_eq!(died["change"], "updated");
    assert_eq!(resolved(p).await, json!({"StatusCode": 3, "Error": null}));
    assert_eq!(m.last_event_time_ms(), Some(T0 + 4_000.0));

    let doc = to_json(ok(m.container(ID_A)));
    assert_eq!(doc["State"]["Status"], "exited");
    assert_eq!(doc["State"]["ExitCode"], 3);
    assert!(ok(m.container("nobody")).is_undefined());
    let listed = to_json(ok(m.view().get(ID_A, Some(T0 + 64_000.0))));
    assert_eq!(listed["Status"], "Exited (3) About a minute ago");

    let unknown = JsFuture::from(m.wait("nobody", None)).await;
    assert_eq!(
        thrown(unknown),
        err("not_found", "No such container: nobody")
    );
    let bad = JsFuture::from(m.wait(ID_A, Some("later".into()))).await;
    assert_eq!(
        thrown(bad),
        err("invalid_parameter", "invalid condition: \"later\"")
    );

    let removed = m.wait(ID_A, Some("removed".into()));
    assert_eq!(ok(m.remove(ID_A, T0 + 9_000.0)), Some(4.0));
    assert_eq!(
        resolved(removed).await,
        json!({"StatusCode": 3, "Error": null})
    );
    assert_eq!(ok(m.remove(ID_A, T0 + 9_000.0)), None);
    assert_eq!(m.length(), 0);
    assert_eq!(
        thrown(m.apply(JsValue::from_str("{"))).0,
        "invalid_parameter"
    );
}

#[test]
fn the_model_takes_inspect_documents() {
    let c = state(ID_B, Some("db"));
    ok(c.set_running(55, true, T0));
    let mut m = JsModel::new();
    let revision = ok(m.upsert(ok(c.to_json()), T0 + 1_000.0));
    assert_eq!(revision, 1.0);
    assert_eq!(
        ok(m.upsert(
            JsValue::from_str(&to_json(ok(c.to_json())).to_string()),
            T0 + 2_000.0
        )),
        1.0,
        "an unchanged record keeps its revision"
    );
    let doc = to_json(ok(m.container(ID_B)));
    assert_eq!(doc["State"]["Pid"], 55);
    assert_eq!(ok(m.view().get_id("/db")), ID_B);
    assert_eq!(
        thrown(m.upsert(JsValue::from_str("[]"), T0)).0,
        "invalid_parameter"
    );
}
