//! The dashboard's pure logic, natively: SSE messages → store → view, connection states, the
//! history ring and timelines, the filter box and sorting, the explanations and wait previews.
//! (The DOM parts are covered end to end in `tests/tests/web_*.rs`.) The same tests run in
//! node as wasm: `wasm-pack test --node --mode no-install web -- --test store`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;
use std::rc::Rc;

use berth_core::actions::Action;
use berth_core::api::ContainerInspect;
use berth_core::container::Container;
use berth_core::lifecycle::{By, Cause, Place, Transition};
use berth_core::restart::RestartPolicy;
use berth_core::state::StateKind;
use berth_core::time::{Duration, Time};
use berth_core::wait::WaitCondition;
use berth_core::wire::{Change, EngineStatus, ErrorBody};
use berth_web::components::table::{command_cell, window};
use berth_web::narrate::{describe_change, restart_delay, wait_now, why};
use berth_web::rows::{rows, Column, Query, Sort};
use berth_web::sse::parse_message;
use berth_web::store::{Connection, Dash, Msg, HISTORY_LEN};
use berth_web::synthetic;
use serde_json::json;
use yew::Reducible;

const T0: i64 = 1_700_000_000_000;

fn at(ms: i64) -> Time {
    Time::from_unix_millis(T0 + ms)
}

fn id(n: u32) -> String {
    format!("{n:02x}{n:062x}")
}

fn running(n: u32, name: &str, image: &str) -> Container {
    let mut c = Container::new_base(id(n));
    c.name = format!("/{name}");
    c.config.image = image.to_owned();
    c.path = "sh".into();
    c.args = vec!["-c".into(), format!("serve {name}")];
    c.created = at(-(n as i64) * 60_000);
    c.state.running = true;
    c.state.pid = 100 + n as i64;
    c.state.started_at = at(-30_000);
    c
}

fn exited(n: u32, name: &str, code: i64) -> Container {
    let mut c = running(n, name, "busybox");
    c.state.running = false;
    c.state.pid = 0;
    c.state.exit_code = code;
    c.state.finished_at = at(-5_000);
    c
}

fn doc(c: &Container) -> serde_json::Value {
    serde_json::to_value(ContainerInspect::of(c)).unwrap_or_default()
}

/// A `change` message as berth writes it.
fn change(
    revision: u64,
    id: String,
    container: Option<&Container>,
    after_outage_ms: Option<u64>,
) -> serde_json::Value {
    serde_json::to_value(Change {
        revision,
        id,
        container: container.map(ContainerInspect::of),
        after_outage_ms,
    })
    .unwrap_or_default()
}

/// An `engine` message as berth writes it: the simulated engine, connected, its clock at `now`.
fn engine(now: Time, last_event_time: Option<Time>) -> serde_json::Value {
    serde_json::to_value(EngineStatus {
        engine: "sim".to_owned(),
        name: Some("berth simulated engine".to_owned()),
        version: Some("0.1.0".to_owned()),
        api_version: Some("1.41".to_owned()),
        os: Some("linux".to_owned()),
        arch: Some("amd64".to_owned()),
        connected: true,
        since: Some(now),
        last_event_time,
        last_error: None,
        revision: 10,
        counts: BTreeMap::new(),
        containers: 0,
        read_only: false,
        now,
        unreadable: BTreeMap::new(),
    })
    .unwrap_or_default()
}

fn send(dash: Rc<Dash>, event: &str, data: serde_json::Value, received: i64) -> Rc<Dash> {
    match parse_message(event, &data.to_string(), T0 + received) {
        Ok(Some(msg)) => dash.reduce(msg),
        other => panic!("{event} did not parse: {other:?}"),
    }
}

fn fleet() -> Rc<Dash> {
    let containers = vec![
        doc(&running(1, "web", "nginx:1.25")),
        doc(&running(2, "api", "ghcr.io/acme/api:2")),
        doc(&exited(3, "batch", 0)),
        doc(&exited(4, "hog", 137)),
    ];
    send(
        Rc::new(Dash::default()),
        "snapshot",
        json!({"revision": 10, "containers": containers, "transitions": []}),
        0,
    )
}

#[test]
fn a_snapshot_fills_the_view_and_starts_the_history() {
    let dash = fleet();
    assert!(dash.loaded);
    assert_eq!(dash.connection, Connection::Live);
    assert_eq!(dash.revision, 10);
    assert_eq!(dash.view.len(), 4);
    assert_eq!(dash.history.len(), 1);
    let web = dash.view.resolve("web").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(web.id(), id(1));
    let counts = dash.counts();
    assert_eq!(counts.get(&StateKind::Running), Some(&2));
    assert_eq!(counts.get(&StateKind::Exited), Some(&2));
    assert_eq!(counts.len(), 7);
}

#[test]
fn a_change_updates_one_container_and_records_history() {
    let dash = fleet();
    let mut paused = running(1, "web", "nginx:1.25");
    paused.state.paused = true;
    let dash = send(
        dash,
        "change",
        change(11, id(1), Some(&paused), None),
        1_000,
    );
    assert_eq!(dash.revision, 11);
    let web = dash.view.get(&id(1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(web.container.state.kind(), StateKind::Paused);
    assert_eq!(dash.history.len(), 2);
    let last = dash
        .history
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no history"));
    assert_eq!(last.changed, vec![id(1)]);
    assert_eq!(last.summary, vec!["web: paused".to_owned()]);
    // The older step still shows the container running: snapshots never see later writes.
    let first = dash
        .history
        .front()
        .cloned()
        .unwrap_or_else(|| panic!("no history"));
    let then = first.view.get(&id(1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(then.container.state.kind(), StateKind::Running);
}

/// A container's transitions: the snapshot's, then each `transition` message; a replay of one
/// already seen (a resume) is not added again.
#[test]
fn transitions_follow_the_snapshot_and_the_stream() {
    let first = Transition {
        id: id(1),
        name: "/web".to_owned(),
        from: Place::New,
        to: Place::State(StateKind::Created),
        at: at(0),
        cause: Cause::Create { by: By::Other },
        exit_code: None,
    };
    let dash = send(
        Rc::new(Dash::default()),
        "snapshot",
        json!({"revision": 10, "containers": [doc(&running(1, "web", "nginx"))], "transitions": [first]}),
        0,
    );
    assert_eq!(dash.transitions_of(&id(1)), vec![first.clone()]);
    let stop = Transition {
        from: Place::State(StateKind::Running),
        to: Place::State(StateKind::Exited),
        at: at(1_000),
        cause: Cause::Stop {
            action: Action::Stop,
            signal: 15,
            kill_after_ms: Some(10_000),
            by: By::Berth,
        },
        exit_code: Some(137),
        ..first.clone()
    };
    let message = json!({"revision": 11, "transition": stop});
    let dash = send(dash, "transition", message.clone(), 1_000);
    assert_eq!(dash.revision, 11);
    assert_eq!(dash.transitions_of(&id(1)), vec![first, stop.clone()]);
    let dash = send(dash, "transition", message, 2_000);
    assert_eq!(
        dash.transitions_of(&id(1)).len(),
        2,
        "a replay is not added"
    );
    assert_eq!(
        stop.describe(),
        "running → exited (137): docker stop (SIGTERM, then SIGKILL after 10 s)"
    );
}

#[test]
fn a_removal_drops_the_container_and_its_selection() {
    let dash = fleet().reduce(Msg::Select(id(3), true));
    assert!(dash.selection.contains(&id(3)));
    let dash = send(dash, "change", change(11, id(3), None, None), 1_000);
    assert!(dash.view.get(&id(3)).is_err());
    assert!(!dash.selection.contains(&id(3)));
    assert_eq!(
        dash.history.back().map(|h| h.summary.clone()),
        Some(vec!["batch: removed".to_owned()])
    );
}

/// Issue 20, defect 6: a change berth found by its resync after an outage says so in the
/// history, so that it does not read as something seen happen.
#[test]
fn a_change_found_after_an_outage_says_so() {
    let dash = fleet();
    let stopped = exited(1, "web", 137);
    let dash = send(
        dash,
        "change",
        change(11, id(1), Some(&stopped), Some(12_345)),
        1_000,
    );
    let last = dash
        .history
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no history"));
    assert_eq!(last.summary.len(), 1);
    assert!(
        last.summary[0].ends_with("(found when berth saw the engine again after 12.3 s away)"),
        "{:?}",
        last.summary
    );
}

#[test]
fn a_replayed_change_is_applied_once() {
    let dash = fleet();
    let mut stopped = exited(1, "web", 0);
    stopped.state.finished_at = at(500);
    let change = change(11, id(1), Some(&stopped), None);
    let dash = send(dash, "change", change.clone(), 1_000);
    let dash = send(dash, "change", change, 2_000);
    assert_eq!(dash.history.len(), 2);
    assert_eq!(dash.revision, 11);
}

#[test]
fn a_new_snapshot_after_a_drop_records_only_what_differs() {
    let dash = fleet().reduce(Msg::Dropped(T0 + 5_000));
    assert_eq!(
        dash.connection,
        Connection::Stale {
            since: Time::from_unix_millis(T0 + 5_000)
        }
    );
    assert!(!dash.connection.is_live());
    let containers = vec![
        doc(&running(1, "web", "nginx:1.25")),
        doc(&running(2, "api", "ghcr.io/acme/api:2")),
        doc(&exited(3, "batch", 0)),
    ];
    let dash = send(
        dash,
        "snapshot",
        json!({"revision": 20, "containers": containers, "transitions": []}),
        6_000,
    );
    assert_eq!(dash.connection, Connection::Live);
    assert_eq!(dash.view.len(), 3);
    let last = dash
        .history
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no history"));
    assert_eq!(last.changed, vec![id(4)], "only hog was removed");
}

#[test]
fn the_engine_clock_sets_the_time_status_texts_are_rendered_at() {
    let info = engine(at(60_000), None);
    let dash = send(Rc::new(Dash::default()), "engine", info, 0);
    assert!(!dash.read_only());
    let dash = dash.reduce(Msg::Tick(T0 + 1_000));
    assert_eq!(dash.now(), at(61_000));
    assert_eq!(dash.engine.as_ref().map(|e| e.engine.as_str()), Some("sim"));
}

#[test]
fn unknown_and_broken_messages() {
    assert!(matches!(parse_message("ping", "{}", 0), Ok(None)));
    assert!(parse_message("change", "{not json", 0).is_err());
    assert!(parse_message("change", r#"{"revision":1,"id":""}"#, 0).is_err());
    assert_eq!(
        ErrorBody::message_of(r#"{"message":"No such container: x"}"#),
        "No such container: x"
    );
    assert_eq!(ErrorBody::message_of("plain"), "plain");
}

#[test]
fn the_history_ring_is_bounded() {
    let mut dash = fleet();
    for r in 0..(HISTORY_LEN as u64 + 20) {
        let mut c = running(1, "web", "nginx:1.25");
        c.state.paused = r % 2 == 0;
        dash = send(
            dash,
            "change",
            change(11 + r, id(1), Some(&c), None),
            r as i64,
        );
    }
    assert_eq!(dash.history.len(), HISTORY_LEN);
    assert_eq!(
        dash.history.back().map(|h| h.revision),
        Some(10 + HISTORY_LEN as u64 + 20)
    );
}

fn shown(dash: &Dash, text: &str, sort: Sort) -> Result<Vec<String>, String> {
    let q = Query::parse(text)?;
    Ok(rows(&dash.view, &q, sort)?
        .iter()
        .map(|s| s.name.trim_start_matches('/').to_owned())
        .collect())
}

#[test]
fn filters_and_free_text_narrow_the_list() {
    let dash = fleet();
    let by_name = Sort {
        column: Column::Names,
        descending: false,
    };
    assert_eq!(
        shown(&dash, "", by_name),
        Ok(vec![
            "api".into(),
            "batch".into(),
            "hog".into(),
            "web".into()
        ])
    );
    assert_eq!(
        shown(&dash, "status=exited", by_name),
        Ok(vec!["batch".into(), "hog".into()])
    );
    assert_eq!(shown(&dash, "exited=137", by_name), Ok(vec!["hog".into()]));
    assert_eq!(shown(&dash, "name=we", by_name), Ok(vec!["web".into()]));
    assert_eq!(shown(&dash, "NGINX", by_name), Ok(vec!["web".into()]));
    assert_eq!(shown(&dash, "serve acme", by_name), Ok(vec!["api".into()]));
    assert_eq!(shown(&dash, &id(2)[..4], by_name), Ok(vec!["api".into()]));
    assert_eq!(
        shown(&dash, "status=exited nothing-matches", by_name),
        Ok(vec![])
    );
}

#[test]
fn a_wrong_filter_gives_the_engine_message() {
    let dash = fleet();
    assert_eq!(
        shown(&dash, "status=nope", Sort::default()),
        Err("invalid filter 'status=nope'".to_owned())
    );
    assert_eq!(
        shown(&dash, "colour=red", Sort::default()),
        Err("invalid filter 'colour'".to_owned())
    );
    assert_eq!(
        shown(&dash, "before=ghost", Sort::default()),
        Err("No such container: ghost".to_owned())
    );
    assert_eq!(
        shown(&dash, "health=sick", Sort::default()),
        Err("Unrecognised filter value for health: sick".to_owned())
    );
}

#[test]
fn sorting_by_each_column() {
    let dash = fleet();
    let names =
        |column, descending| shown(&dash, "", Sort { column, descending }).unwrap_or_default();
    // docker ps order: newest first (web was created last).
    assert_eq!(
        names(Column::Created, true),
        vec!["web", "api", "batch", "hog"]
    );
    assert_eq!(
        names(Column::Created, false),
        vec!["hog", "batch", "api", "web"]
    );
    assert_eq!(
        names(Column::Names, true),
        vec!["web", "hog", "batch", "api"]
    );
    assert_eq!(
        names(Column::Status, false),
        vec!["web", "api", "batch", "hog"]
    );
    assert_eq!(names(Column::Id, false), vec!["web", "api", "batch", "hog"]);
    assert_eq!(
        names(Column::Image, false).first().map(String::as_str),
        Some("batch")
    );
    for c in Column::ALL {
        assert_eq!(names(c, false).len(), 4);
    }
}

#[test]
fn plain_language_accounts() {
    let now = at(0);
    let mut hog = exited(4, "hog", 137);
    hog.state.oom_killed = true;
    assert!(
        why(&hog, now).contains("Exited 137, killed for memory (OOMKilled)"),
        "{}",
        why(&hog, now)
    );

    let mut crashy = exited(5, "crashy", 1);
    crashy.host_config.restart_policy = RestartPolicy::on_failure(3);
    crashy.restart_count = 3;
    crashy.state.running = true;
    crashy.state.restarting = true;
    crashy.state.started_at = at(-2_000);
    crashy.state.finished_at = at(-100);
    assert_eq!(restart_delay(&crashy), Duration::from_millis(400));
    let text = why(&crashy, now);
    assert!(
        text.contains("waiting 400 ms before restart 3 of on-failure:3"),
        "{text}"
    );
    assert!(text.contains("due in 300 ms"), "{text}");

    // A run of 10 s or more resets the backoff.
    crashy.state.started_at = at(-20_000);
    assert_eq!(restart_delay(&crashy), Duration::from_millis(100));

    let batch = exited(3, "batch", 0);
    assert!(why(&batch, now).contains("finished normally"));
    assert!(why(&batch, now).contains("Restart policy no"));
}

#[test]
fn wait_conditions_as_they_stand() {
    let web = running(1, "web", "nginx");
    assert_eq!(wait_now(&web, WaitCondition::NotRunning), None);
    assert_eq!(wait_now(&web, WaitCondition::NextExit), None);
    assert_eq!(wait_now(&web, WaitCondition::Removed), None);
    let hog = exited(4, "hog", 137);
    let r = wait_now(&hog, WaitCondition::NotRunning).unwrap_or_else(|| panic!("returns"));
    assert_eq!(r.exit_code, 137);
    assert_eq!(wait_now(&hog, WaitCondition::NextExit), None);
}

#[test]
fn change_descriptions() {
    let web = running(1, "web", "nginx");
    let mut paused = web.clone();
    paused.state.paused = true;
    let mut oom = exited(1, "web", 137);
    oom.state.oom_killed = true;
    assert_eq!(describe_change(None, Some(&web)), "appeared (running)");
    assert_eq!(describe_change(Some(&web), Some(&paused)), "paused");
    assert_eq!(describe_change(Some(&paused), Some(&web)), "unpaused");
    assert_eq!(
        describe_change(Some(&web), Some(&oom)),
        "exited (137), OOM killed"
    );
    assert_eq!(describe_change(Some(&web), None), "removed");
    let mut repid = web.clone();
    repid.state.pid = 4242;
    assert_eq!(describe_change(Some(&web), Some(&repid)), "pid 4242");
}

#[test]
fn table_helpers() {
    assert_eq!(
        command_cell("nginx -g 'daemon off;'"),
        "\"nginx -g 'daemon of…\""
    );
    assert_eq!(command_cell("sleep 1"), "\"sleep 1\"");
    // Short lists are rendered whole; long ones only around the visible rows.
    assert_eq!(window(40, 0.0, 800.0), (0, 40));
    let (start, end) = window(5_000, 0.0, 800.0);
    assert_eq!(start, 0);
    assert!(end < 60, "{end}");
    let (start, end) = window(5_000, 41_000.0, 800.0);
    assert!(
        start > 900 && start < 1_000 && end < 1_060,
        "{start}..{end}"
    );
    let (_, end) = window(5_000, 1e9, 800.0);
    assert_eq!(end, 5_000);
}

#[test]
fn the_synthetic_fleet_has_every_state_and_filters() {
    let docs = synthetic::fleet(5_000, T0);
    assert_eq!(docs.len(), 5_000);
    let dash = Rc::new(Dash::default()).reduce(Msg::Synthetic(docs, T0));
    assert!(dash.synthetic && dash.read_only());
    assert_eq!(dash.view.len(), 5_000);
    for (kind, n) in dash.counts() {
        assert!(n > 0, "no {kind} container");
    }
    let q = Query::parse("status=exited label=tier=db").unwrap_or_else(|e| panic!("{e}"));
    let r = rows(&dash.view, &q, Sort::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!r.is_empty() && r.len() < 1_000);
    assert!(r
        .iter()
        .all(|s| s.container.state.kind() == StateKind::Exited
            && s.summary.labels.get("tier").map(String::as_str) == Some("db")));
}

#[test]
fn the_last_event_is_the_later_of_berth_s_and_the_last_change() {
    let info = engine(at(0), Some(at(-10_000)));
    let dash = send(fleet(), "engine", info, 0);
    assert_eq!(dash.last_event(), Some(at(-10_000)));
    let mut paused = running(1, "web", "nginx:1.25");
    paused.state.paused = true;
    let dash = send(
        dash,
        "change",
        change(11, id(1), Some(&paused), None),
        2_000,
    );
    assert_eq!(dash.last_event(), Some(at(2_000)));
}

/// The messages berth wrote, recorded in `testdata/wire/`, read as the web app reads them: a
/// change of format on berth's side that the app cannot follow fails here (and
/// `adapter/tests/api.rs` checks that berth still writes these fields).
#[test]
fn the_recorded_wire_messages_read() {
    for (event, data) in [
        (
            "snapshot",
            include_str!("../../testdata/wire/snapshot.json"),
        ),
        ("change", include_str!("../../testdata/wire/change.json")),
        (
            "transition",
            include_str!("../../testdata/wire/transition.json"),
        ),
        ("engine", include_str!("../../testdata/wire/engine.json")),
    ] {
        // The app listens for every type berth sends.
        assert!(berth_core::wire::SSE_EVENTS.contains(&event), "{event}");
        match parse_message(event, data, T0) {
            Ok(Some(_)) => {}
            other => panic!("recorded {event} message: {other:?}"),
        }
    }
    let wait: berth_core::wire::WaitResponse =
        serde_json::from_str(include_str!("../../testdata/wire/wait.json"))
            .unwrap_or_else(|e| panic!("recorded wait answer: {e}"));
    assert!(wait.describe().starts_with("exit "));
    assert_eq!(
        ErrorBody::message_of(include_str!("../../testdata/wire/error.json")),
        "No such container: nope"
    );
}

#[test]
fn a_message_that_changes_nothing_keeps_the_same_value() {
    let dash = Rc::new(Dash::default()).reduce(Msg::Connecting);
    let again = dash.clone().reduce(Msg::Connecting);
    assert!(
        Rc::ptr_eq(&dash, &again),
        "a repeated Connecting renders again"
    );
    let notified = dash.clone().reduce(Msg::Notify(None));
    assert!(Rc::ptr_eq(&dash, &notified));
    let opened = dash.clone().reduce(Msg::Opened);
    assert!(!Rc::ptr_eq(&dash, &opened));
    assert_eq!(opened.connection, Connection::Live);
}
