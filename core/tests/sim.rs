//! Specification of the simulated engine (`berth_core::sim`): every operation's effect and
//! refusal, the timers (restart backoff, stop timeout, health probes, program exits), waits, the
//! demo fleet, determinism — and, against the real Engine 20.10 recorded in `testdata/engine/`,
//! the event sequence of each scenario and the refusal messages and statuses.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use berth_core::container::HealthConfig;
use berth_core::events::Event;
use berth_core::sim::{CreateSpec, Outcome, Probe, Program, Sim, SimError, TimerKind};
use berth_core::{
    Container, Duration, ErrorKind, HealthStatus, RestartPolicy, StateKind, StateStatus, Time,
    WaitCondition, Waiter,
};
use futures_util::FutureExt;

const T0: i64 = 1_795_934_161;
const BUSYBOX: &str = "local/busybox:1";
const RECORDED_EVENTS: &str = include_str!("../../testdata/engine/events.jsonl");
const RECORDED_ERRORS: &str = include_str!("../../testdata/engine/errors.json");
/// A second recording from the same engine (kills, stops and restarts of containers with health
/// checks, stop of a paused container); container events only, without `exec_*`.
const KILL_HEALTH_EVENTS: &str = include_str!("data/engine-kill-health.jsonl");

fn at_ms(ms: i64) -> Time {
    Time::from_unix_secs(T0).add(Duration::from_millis(ms))
}

fn new_sim() -> Sim {
    Sim::new(at_ms(0), 7)
}

fn spec(name: &str, program: Program) -> CreateSpec {
    CreateSpec::new(BUSYBOX, &["sleep", "1000"])
        .named(name)
        .program(program)
}

/// A process that exits with `code` after `after_ms` of running.
fn exits_after(after_ms: i64, code: i64) -> Program {
    Program::ExitsAfter { after_ms, code }
}

fn run(sim: &mut Sim, name: &str, program: Program) -> String {
    let id = sim.create(spec(name, program)).expect("create");
    assert_eq!(sim.start(&id), Ok(Outcome::Done));
    id
}

fn get(sim: &Sim, reference: &str) -> Container {
    sim.inspect(reference).expect("inspect")
}

fn status(sim: &Sim, reference: &str) -> String {
    get(sim, reference).state.status_string(sim.now())
}

fn err(status: u16, kind: ErrorKind, message: impl Into<String>) -> SimError {
    SimError {
        status,
        kind,
        message: message.into(),
    }
}

fn poll(w: &mut Waiter) -> Option<StateStatus> {
    w.now_or_never()
}

fn exited(code: i64) -> StateStatus {
    StateStatus {
        exit_code: code,
        error: None,
    }
}

fn shell_check(command: &str, interval_ms: i64, retries: i64) -> HealthConfig {
    HealthConfig {
        test: vec!["CMD-SHELL".to_owned(), command.to_owned()],
        interval: Duration::from_millis(interval_ms).as_nanos(),
        retries,
        ..HealthConfig::default()
    }
}

/// An event as a line of a sequence: `create`, `die exitCode=7`, `net:connect`, … Container
/// events of `id` other than probes and `attach` (a CLI artefact), and the network events that
/// name `id`; `image`, `name` and `execID` are left out.
fn line(e: &Event, id: &str) -> Option<String> {
    if e.r#type == "network" {
        return (e.attribute("container") == Some(id)).then(|| format!("net:{}", e.action));
    }
    if !e.is_container() || e.id() != id || e.verb().starts_with("exec_") || e.verb() == "attach" {
        return None;
    }
    let mut out = e.action.clone();
    for (k, v) in &e.actor.attributes {
        if !matches!(k.as_str(), "image" | "name" | "execID") {
            out.push_str(&format!(" {k}={v}"));
        }
    }
    Some(out)
}

fn sequence(events: &[Event], id: &str) -> Vec<String> {
    events.iter().filter_map(|e| line(e, id)).collect()
}

fn recorded() -> Vec<Event> {
    parse_recording(RECORDED_EVENTS)
}

fn parse_recording(text: &str) -> Vec<Event> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Event::parse(l).expect("recorded event"))
        .collect()
}

/// The recorded sequence of the container the engine created as `name`.
fn recorded_sequence(name: &str) -> Vec<String> {
    sequence_of_named(&recorded(), name)
}

/// The sequence of the container the recording created as `name`.
fn sequence_of_named(events: &[Event], name: &str) -> Vec<String> {
    let id = events
        .iter()
        .find(|e| e.is_container() && e.verb() == "create" && e.attribute("name") == Some(name))
        .map(|e| e.id().to_owned())
        .unwrap_or_else(|| panic!("no recorded container {name}"));
    sequence(events, &id)
}

/// [`sequence`] without the network events (for the recording that has none).
fn container_sequence(events: &[Event], id: &str) -> Vec<String> {
    sequence(events, id)
        .into_iter()
        .filter(|l| !l.starts_with("net:"))
        .collect()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------- create and start

#[test]
fn create_makes_a_created_container_with_a_create_event() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec {
            labels: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
            ..spec("fresh", Program::RunsForever)
        })
        .unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    let c = get(&sim, "fresh");
    assert_eq!(c.name, "/fresh");
    assert_eq!(c.state.kind(), StateKind::Created);
    assert_eq!(status(&sim, "fresh"), "Created");
    assert_eq!(c.command_line(), "sleep 1000");
    assert_eq!(c.host_config.network_mode, "none");
    assert!(c.image_id.starts_with("sha256:"));
    let events = sim.drain_events();
    let fresh = recorded_sequence("fresh");
    assert_eq!(fresh, ["create"]);
    assert_eq!(
        sequence(&events, &id),
        ["create team=a"],
        "labels ride along"
    );
    let create = &events[0];
    assert_eq!(create.attribute("name"), Some("fresh"));
    assert_eq!(create.attribute("image"), Some(BUSYBOX));
    assert_eq!(create.attribute("team"), Some("a"), "labels are attributes");
    assert_eq!(create.at(), at_ms(0));
    assert!(sim.drain_events().is_empty(), "drained");
}

#[test]
fn start_runs_with_a_pid_and_the_engine_events() {
    let mut sim = new_sim();
    let id = sim.create(spec("hello", exits_after(20, 0))).unwrap();
    sim.advance_by(Duration::from_millis(300));
    assert_eq!(sim.start("hello"), Ok(Outcome::Done));
    let c = get(&sim, &id);
    assert!(c.state.running);
    assert!(c.state.pid >= 4000);
    assert_eq!(c.state.started_at, at_ms(300));
    assert!(c.has_been_started_before);
    assert_eq!(status(&sim, "hello"), "Up Less than a second");
    sim.advance_by(Duration::from_secs(2));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.finished_at, at_ms(320));
    assert_eq!(status(&sim, "hello"), "Exited (0) 1 second ago");
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &id), recorded_sequence("hello"));
}

#[test]
fn pids_count_up_from_4000_across_starts() {
    let mut sim = new_sim();
    let a = run(&mut sim, "first", Program::RunsForever);
    let b = run(&mut sim, "second", Program::RunsForever);
    assert_eq!(get(&sim, &a).state.pid, 4000);
    assert_eq!(get(&sim, &b).state.pid, 4001);
    sim.restart(&a, None).unwrap();
    assert_eq!(get(&sim, &a).state.pid, 4002);
}

#[test]
fn start_refusals_are_the_engines() {
    let mut sim = new_sim();
    run(&mut sim, "busy", Program::RunsForever);
    assert_eq!(sim.start("busy"), Ok(Outcome::NotModified));
    sim.pause("busy").unwrap();
    assert_eq!(
        sim.start("busy"),
        Err(err(
            409,
            ErrorKind::Conflict,
            "cannot start a paused container, try unpause instead"
        ))
    );
    assert_eq!(
        sim.start("nope"),
        Err(err(404, ErrorKind::NotFound, "No such container: nope"))
    );
    sim.create(spec("doomed", Program::RunsForever)).unwrap();
    sim.begin_removal("doomed").unwrap();
    assert_eq!(
        sim.start("doomed"),
        Err(err(
            409,
            ErrorKind::Conflict,
            "container is marked for removal and cannot be started"
        ))
    );
}

#[test]
fn create_refusals_are_the_engines() {
    let mut sim = new_sim();
    let first = sim.create(spec("hello", Program::RunsForever)).unwrap();
    assert_eq!(
        sim.create(spec("hello", Program::RunsForever)),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!(
                "Conflict. The container name \"/hello\" is already in use by container \
                 \"{first}\". You have to remove (or rename) that container to be able to reuse \
                 that name."
            )
        ))
    );
    assert_eq!(
        sim.create(spec("bad name", Program::RunsForever))
            .unwrap_err(),
        err(
            400,
            ErrorKind::InvalidParameter,
            "Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )
    );
    assert_eq!(
        sim.create(spec("x", Program::RunsForever))
            .unwrap_err()
            .status,
        400,
        "a one-character name does not match the engine's pattern"
    );
    let small = CreateSpec {
        memory: 1024,
        ..spec("small", Program::RunsForever)
    };
    assert_eq!(
        sim.create(small).unwrap_err(),
        err(
            400,
            ErrorKind::InvalidParameter,
            "Minimum memory limit allowed is 6MB"
        )
    );
    let rm_and_restart = CreateSpec {
        auto_remove: true,
        ..spec("both", Program::RunsForever).restart(RestartPolicy::always())
    };
    assert_eq!(
        sim.create(rm_and_restart).unwrap_err().message,
        "can't create 'AutoRemove' container with restart policy"
    );
    let bogus = spec("bogus", Program::RunsForever).restart(RestartPolicy {
        name: "sometimes".into(),
        maximum_retry_count: 0,
    });
    assert_eq!(
        sim.create(bogus).unwrap_err().message,
        "invalid restart policy 'sometimes'"
    );
    let fast = spec("fast", Program::RunsForever).healthcheck(
        HealthConfig {
            interval: 1_000,
            ..shell_check("true", 1, 0)
        },
        Probe::Passes,
    );
    assert_eq!(
        sim.create(fast).unwrap_err().message,
        "Interval in Healthcheck cannot be less than 1ms"
    );
    assert_eq!(sim.list().len(), 1, "refused creates leave nothing behind");
}

#[test]
fn unnamed_containers_get_distinct_docker_style_names() {
    let mut sim = new_sim();
    let mut names = Vec::new();
    for _ in 0..20 {
        let id = sim.create(CreateSpec::new(BUSYBOX, &["true"])).unwrap();
        let name = get(&sim, &id).name;
        let short = name.strip_prefix('/').unwrap().to_owned();
        let (adjective, surname) = short.split_once('_').expect("adjective_surname");
        assert!(adjective.chars().all(|c| c.is_ascii_lowercase()), "{short}");
        assert!(
            surname.chars().all(|c| c.is_ascii_alphanumeric()),
            "{short}"
        );
        assert_ne!(short, "boring_wozniak");
        names.push(short);
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert_eq!(get(&sim, &names[3]).name, format!("/{}", names[3]));
}

// ---------------------------------------------------------------------------- stop and kill

#[test]
fn stop_of_a_process_that_ignores_sigterm_takes_exactly_the_timeout_then_137() {
    let mut sim = new_sim();
    let id = run(&mut sim, "stopme", Program::IgnoresSigterm);
    sim.advance_by(Duration::from_secs(1));
    assert_eq!(sim.stop("stopme", Some(1)), Ok(Outcome::Done));
    assert!(
        get(&sim, &id).state.running,
        "still running during the grace period"
    );
    assert_eq!(sim.next_deadline(), Some(at_ms(2_000)));
    assert_eq!(sim.deadlines()[0].kind, TimerKind::StopTimeout);
    sim.advance_to(at_ms(2_000).add(Duration::from_nanos(-1)));
    assert!(get(&sim, &id).state.running);
    sim.advance_to(at_ms(2_000));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 137);
    assert!(!c.state.oom_killed);
    assert_eq!(c.state.finished_at, at_ms(2_000));
    assert!(c.has_been_manually_stopped);
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &id), recorded_sequence("stopme"));
    let kill15 = events.iter().find(|e| e.action == "kill").unwrap();
    assert_eq!(kill15.at(), at_ms(1_000));
    assert_eq!(events.last().unwrap().action, "stop");
    assert_eq!(events.last().unwrap().at(), at_ms(2_000));
}

#[test]
fn stop_uses_the_containers_stop_timeout_and_signal() {
    let mut sim = new_sim();
    let ignoring = sim
        .create(CreateSpec {
            stop_timeout: Some(3),
            ..spec("slow", Program::IgnoresSigterm)
        })
        .unwrap();
    sim.start(&ignoring).unwrap();
    sim.stop(&ignoring, None).unwrap();
    assert_eq!(sim.next_deadline(), Some(at_ms(3_000)));
    let plain = run(&mut sim, "plain", Program::IgnoresSigterm);
    sim.stop(&plain, None).unwrap();
    assert!(
        sim.deadlines().iter().any(|d| d.at == at_ms(10_000)),
        "default 10 s"
    );

    let usr1 = sim
        .create(CreateSpec {
            stop_signal: Some("SIGUSR1".into()),
            ..spec("usr1", Program::RunsForever)
        })
        .unwrap();
    sim.start(&usr1).unwrap();
    sim.drain_events();
    sim.stop(&usr1, None).unwrap();
    assert_eq!(get(&sim, &usr1).state.exit_code, 138);
    assert_eq!(
        sequence(&sim.drain_events(), &usr1),
        strs(&[
            "kill signal=10",
            "die exitCode=138",
            "net:disconnect",
            "stop"
        ])
    );
}

#[test]
fn stop_of_a_process_that_honours_sigterm_is_immediate_143() {
    let mut sim = new_sim();
    let id = run(&mut sim, "polite", Program::RunsForever);
    sim.drain_events();
    sim.stop(&id, None).unwrap();
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 143);
    assert_eq!(sim.next_deadline(), None);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&[
            "kill signal=15",
            "die exitCode=143",
            "net:disconnect",
            "stop"
        ])
    );
}

#[test]
fn stop_with_a_negative_timeout_waits_for_the_exit() {
    let mut sim = new_sim();
    let id = run(&mut sim, "patient", Program::IgnoresSigterm);
    sim.drain_events();
    sim.stop(&id, Some(-1)).unwrap();
    assert_eq!(sim.next_deadline(), None, "no SIGKILL timer");
    sim.advance_by(Duration::from_secs(3600));
    assert!(get(&sim, &id).state.running);
    sim.process_exit(&id, 0).unwrap();
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&["kill signal=15", "die exitCode=0", "net:disconnect", "stop"])
    );
}

#[test]
fn stop_of_stopped_or_created_is_not_modified() {
    let mut sim = new_sim();
    sim.create(spec("fresh", Program::RunsForever)).unwrap();
    assert_eq!(sim.stop("fresh", None), Ok(Outcome::NotModified));
    run(&mut sim, "done", exits_after(1, 0));
    sim.advance_by(Duration::from_secs(1));
    assert_eq!(sim.stop("done", Some(1)), Ok(Outcome::NotModified));
    assert_eq!(
        sim.stop("nope", None),
        Err(err(404, ErrorKind::NotFound, "No such container: nope"))
    );
}

#[test]
fn stop_of_a_paused_container_thaws_it_after_the_signal() {
    let mut sim = new_sim();
    let id = run(&mut sim, "p1", Program::IgnoresSigterm);
    sim.pause(&id).unwrap();
    sim.drain_events();
    sim.stop(&id, Some(1)).unwrap();
    assert_eq!(
        get(&sim, &id).state.kind(),
        StateKind::Running,
        "thawed, still running"
    );
    sim.advance_by(Duration::from_secs(1));
    assert_eq!(get(&sim, &id).state.exit_code, 137);
    let mut expected = sequence_of_named(&parse_recording(KILL_HEALTH_EVENTS), "pausestop");
    expected.drain(..3); // create, start, pause
    assert_eq!(
        container_sequence(&sim.drain_events(), &id),
        expected,
        "kill 15, unpause, kill 9, die 137, stop"
    );
}

#[test]
fn a_signal_to_a_frozen_process_is_delivered_when_it_thaws() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec {
            stop_signal: Some("SIGUSR1".into()),
            ..spec("frozen", Program::RunsForever)
        })
        .unwrap();
    sim.start(&id).unwrap();
    sim.pause(&id).unwrap();
    sim.drain_events();
    // Not the stop signal: the engine neither thaws the container nor cancels its policy.
    sim.kill(&id, Some("TERM")).unwrap();
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Paused);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&["kill signal=15"])
    );
    sim.unpause(&id).unwrap();
    assert_eq!(get(&sim, &id).state.exit_code, 143);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&["unpause", "die exitCode=143", "net:disconnect"])
    );
}

#[test]
fn kill_stop_and_restart_with_health_checks_equal_the_second_recording() {
    let recording = parse_recording(KILL_HEALTH_EVENTS);
    let mut sim = new_sim();
    let passing = |name: &str, program: Program| {
        spec(name, program).healthcheck(shell_check("true", 1_000, 0), Probe::Passes)
    };
    let hcstop = sim
        .create(passing("hcstop", Program::IgnoresSigterm))
        .unwrap();
    let hckill = sim
        .create(
            spec("hckill", Program::IgnoresSigterm)
                .healthcheck(shell_check("false", 1_000, 1), Probe::Fails),
        )
        .unwrap();
    let hcrestart = sim
        .create(passing("hcrestart", Program::IgnoresSigterm))
        .unwrap();
    let hcdie = sim
        .create(passing("hcdie", Program::RunsForever).restart(RestartPolicy::on_failure(1)))
        .unwrap();
    let alwayskill = sim
        .create(spec("alwayskill", Program::RunsForever).restart(RestartPolicy::always()))
        .unwrap();
    let unlesskill = sim
        .create(spec("unlesskill", Program::RunsForever).restart(RestartPolicy::unless_stopped()))
        .unwrap();
    for id in [
        &hcstop,
        &hckill,
        &hcrestart,
        &hcdie,
        &alwayskill,
        &unlesskill,
    ] {
        sim.start(id).unwrap();
    }
    sim.advance_by(Duration::from_millis(1_500));
    sim.stop(&hcstop, Some(1)).unwrap();
    sim.kill(&hckill, None).unwrap();
    sim.restart(&hcrestart, Some(1)).unwrap();
    sim.process_exit(&hcdie, 2).unwrap();
    sim.kill(&alwayskill, None).unwrap();
    sim.kill(&unlesskill, None).unwrap();
    sim.advance_by(Duration::from_millis(1_050));
    assert_eq!(
        get(&sim, &hcrestart).state.health.unwrap().status(),
        HealthStatus::Starting,
        "a restart starts the health check over"
    );
    sim.advance_by(Duration::from_millis(2_000));
    sim.process_exit(&hcdie, 2).unwrap();
    sim.advance_by(Duration::from_secs(10));

    let events = sim.drain_events();
    for (name, id) in [
        ("hcstop", &hcstop),
        ("hckill", &hckill),
        ("hcrestart", &hcrestart),
        ("hcdie", &hcdie),
        ("alwayskill", &alwayskill),
        ("unlesskill", &unlesskill),
    ] {
        assert_eq!(
            container_sequence(&events, id),
            sequence_of_named(&recording, name),
            "{name}"
        );
    }
    let final_health = |id: &str| get(&sim, id).state.health.map(|h| h.status());
    assert_eq!(final_health(&hcstop), Some(HealthStatus::Unhealthy));
    assert_eq!(final_health(&hckill), Some(HealthStatus::Unhealthy));
    assert_eq!(final_health(&hcrestart), Some(HealthStatus::Healthy));
    assert_eq!(final_health(&hcdie), Some(HealthStatus::Unhealthy));
    assert_eq!(get(&sim, &hcdie).restart_count, 1);
    assert_eq!(get(&sim, &alwayskill).restart_count, 0);
    assert_eq!(get(&sim, &unlesskill).state.exit_code, 137);
}

#[test]
fn kill_defaults_to_sigkill_and_137() {
    let mut sim = new_sim();
    let id = run(&mut sim, "killme", Program::RunsForever);
    assert_eq!(sim.kill("killme", None), Ok(Outcome::Done));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 137);
    assert!(c.has_been_manually_stopped);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        recorded_sequence("killme")
    );
}

#[test]
fn kill_with_a_signal_acts_as_the_program_dictates() {
    let mut sim = new_sim();
    let term = run(&mut sim, "k1", Program::RunsForever);
    let usr1 = run(&mut sim, "k2", Program::RunsForever);
    let deaf = run(&mut sim, "k3", Program::IgnoresSigterm);
    let winch = run(&mut sim, "k4", Program::RunsForever);
    sim.drain_events();
    sim.kill("k1", Some("TERM")).unwrap();
    sim.kill("k2", Some("SIGUSR1")).unwrap();
    sim.kill("k3", Some("15")).unwrap();
    sim.kill("k4", Some("WINCH")).unwrap();
    assert_eq!(get(&sim, &term).state.exit_code, 143);
    assert_eq!(get(&sim, &usr1).state.exit_code, 138);
    assert!(
        get(&sim, &deaf).state.running,
        "PID 1 sleep ignores SIGTERM"
    );
    assert!(
        get(&sim, &winch).state.running,
        "SIGWINCH is ignored by default"
    );
    let events = sim.drain_events();
    assert_eq!(
        sequence(&events, &term),
        strs(&["kill signal=15", "die exitCode=143", "net:disconnect"])
    );
    assert_eq!(sequence(&events, &deaf), strs(&["kill signal=15"]));
}

#[test]
fn kill_refusals_are_the_engines() {
    let mut sim = new_sim();
    let fresh = sim.create(spec("fresh", Program::RunsForever)).unwrap();
    run(&mut sim, "busy", Program::RunsForever);
    assert_eq!(
        sim.kill("fresh", None),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Cannot kill container: fresh: Container {fresh} is not running")
        ))
    );
    assert_eq!(
        sim.kill("busy", Some("NOPE")),
        Err(err(
            400,
            ErrorKind::InvalidParameter,
            "Invalid signal: NOPE"
        ))
    );
    assert_eq!(
        sim.kill("busy", Some("0")),
        Err(err(400, ErrorKind::InvalidParameter, "Invalid signal: 0"))
    );
    assert_eq!(
        sim.kill("busy", Some("99")),
        Err(err(
            500,
            ErrorKind::System,
            "Cannot kill container: busy: The linux daemon does not support signal 99"
        ))
    );
    assert_eq!(
        sim.kill("nope", None),
        Err(err(
            404,
            ErrorKind::NotFound,
            "Cannot kill container: nope: No such container: nope"
        ))
    );
    assert!(get(&sim, "busy").state.running);
}

#[test]
fn kill_of_a_restarting_container_cancels_the_restart_without_events() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("rs", exits_after(50, 1)).restart(RestartPolicy::on_failure(0)))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(50));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Restarting);
    sim.drain_events();
    assert_eq!(sim.kill("rs", None), Ok(Outcome::Done));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 1, "the exit of the last run");
    assert_eq!(c.state.finished_at, at_ms(50));
    assert_eq!(c.restart_count, 1);
    assert!(sim.drain_events().is_empty());
    assert_eq!(sim.next_deadline(), None, "the backoff timer is gone");
}

// ---------------------------------------------------------------------------- restart policy

#[test]
fn crash_loop_backs_off_100_200_400_ms_then_exits_with_restart_count_3() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("crashy", exits_after(2_000, 1)).restart(RestartPolicy::on_failure(3)))
        .unwrap();
    sim.start(&id).unwrap();
    let mut run_started = at_ms(0);
    for (n, backoff_ms) in [100, 200, 400].into_iter().enumerate() {
        let exit_at = run_started.add(Duration::from_secs(2));
        sim.advance_to(exit_at);
        let c = get(&sim, &id);
        assert_eq!(c.state.kind(), StateKind::Restarting, "run {n}");
        assert_eq!(c.state.exit_code, 1);
        assert_eq!(c.state.pid, 0);
        assert_eq!(c.restart_count, n as i64 + 1);
        assert_eq!(status(&sim, &id), "Restarting (1) Less than a second ago");
        let decision = sim.last_decision(&id).unwrap();
        assert!(decision.restart);
        assert_eq!(decision.delay, Duration::from_millis(backoff_ms));
        let next_start = exit_at.add(Duration::from_millis(backoff_ms));
        assert_eq!(sim.next_deadline(), Some(next_start));
        sim.advance_to(next_start.add(Duration::from_nanos(-1)));
        assert!(get(&sim, &id).state.restarting);
        sim.advance_to(next_start);
        let c = get(&sim, &id);
        assert_eq!(c.state.kind(), StateKind::Running);
        assert_eq!(c.state.started_at, next_start);
        assert_eq!(c.state.exit_code, 0);
        assert_eq!(
            c.state.finished_at, exit_at,
            "FinishedAt keeps the previous exit"
        );
        run_started = next_start;
    }
    sim.advance_to(run_started.add(Duration::from_secs(2)));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 1);
    assert_eq!(c.restart_count, 3);
    assert!(!sim.last_decision(&id).unwrap().restart);
    assert_eq!(sim.next_deadline(), None);
    sim.advance_by(Duration::from_secs(1));
    assert_eq!(status(&sim, &id), "Exited (1) 1 second ago");
    let events = sim.drain_events();
    let starts: Vec<Time> = events
        .iter()
        .filter(|e| e.action == "start")
        .map(Event::at)
        .collect();
    assert_eq!(
        starts,
        vec![at_ms(0), at_ms(2_100), at_ms(4_300), at_ms(6_700)]
    );
    assert!(
        events.iter().all(|e| e.action != "restart"),
        "a policy restart sends none"
    );
}

#[test]
fn crash_loop_events_equal_the_engines() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("crash", exits_after(30, 7)).restart(RestartPolicy::on_failure(2)))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_by(Duration::from_secs(5));
    let c = get(&sim, &id);
    assert_eq!(c.restart_count, 2);
    assert_eq!(c.state.exit_code, 7);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        recorded_sequence("crash")
    );
}

#[test]
fn stop_of_a_restarting_container_sends_only_stop() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("always", exits_after(25, 1)).restart(RestartPolicy::always()))
        .unwrap();
    sim.start(&id).unwrap();
    // Four runs: exits at 25, 150, 375, 800 ms (backoff 100, 200, 400); the fourth backoff
    // (800 ms) is under way at 1 s.
    sim.advance_to(at_ms(1_000));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Restarting);
    assert_eq!(get(&sim, &id).restart_count, 4);
    assert_eq!(sim.stop(&id, None), Ok(Outcome::Done));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 1);
    assert_eq!(c.restart_count, 4);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        recorded_sequence("always")
    );
}

#[test]
fn unless_stopped_restarts_on_its_own_but_not_after_a_manual_stop() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("us", Program::RunsForever).restart(RestartPolicy::unless_stopped()))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_by(Duration::from_secs(20));
    sim.process_exit(&id, 0).unwrap();
    let decision = sim.last_decision("us").unwrap();
    assert!(decision.restart);
    assert_eq!(
        decision.delay,
        Duration::from_millis(100),
        "a 20 s run resets the backoff"
    );
    sim.advance_by(Duration::from_millis(100));
    assert!(get(&sim, &id).state.running);
    sim.kill(&id, Some("TERM")).unwrap();
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 143);
    assert_eq!(sim.next_deadline(), None);
}

#[test]
fn manual_restart_waits_for_the_timeout_then_starts_without_counting() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("unless", Program::IgnoresSigterm).restart(RestartPolicy::unless_stopped()))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_by(Duration::from_secs(1));
    let before = get(&sim, &id);
    assert_eq!(sim.restart("unless", None), Ok(Outcome::Done));
    sim.advance_by(Duration::from_secs(10));
    let after = get(&sim, &id);
    assert!(after.state.running);
    assert_eq!(after.restart_count, 0);
    assert!(!after.has_been_manually_stopped);
    assert_eq!(after.state.started_at, at_ms(11_000));
    assert_eq!(after.state.finished_at, at_ms(11_000));
    assert_ne!(after.state.pid, before.state.pid);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        recorded_sequence("unless")
    );
}

#[test]
fn restart_of_stopped_and_restarting_containers() {
    let mut sim = new_sim();
    let ex = run(&mut sim, "ex", exits_after(10, 0));
    sim.advance_by(Duration::from_secs(1));
    sim.drain_events();
    sim.restart("ex", None).unwrap();
    assert_eq!(
        sequence(&sim.drain_events(), &ex),
        strs(&["net:connect", "start", "restart"])
    );

    let rs = sim
        .create(spec("rs2", exits_after(10, 2)).restart(RestartPolicy::always()))
        .unwrap();
    sim.start(&rs).unwrap();
    sim.advance_by(Duration::from_millis(500));
    assert_eq!(get(&sim, &rs).state.kind(), StateKind::Restarting);
    assert!(get(&sim, &rs).restart_count >= 2);
    sim.drain_events();
    sim.restart("rs2", Some(1)).unwrap();
    assert_eq!(
        get(&sim, &rs).restart_count,
        0,
        "a manual start resets the count"
    );
    assert_eq!(get(&sim, &rs).state.kind(), StateKind::Running);
    // Recorded by hand from the same engine (`docker restart` of a restarting container).
    assert_eq!(
        sequence(&sim.drain_events(), &rs),
        strs(&["stop", "net:connect", "start", "restart"])
    );

    sim.create(spec("gone", Program::RunsForever)).unwrap();
    sim.begin_removal("gone").unwrap();
    assert_eq!(
        sim.restart("gone", None),
        Err(err(
            500,
            ErrorKind::System,
            "Cannot restart container gone: container is marked for removal and cannot be started"
        ))
    );
}

#[test]
fn restart_of_a_polite_running_container_completes_at_once() {
    let mut sim = new_sim();
    let id = run(&mut sim, "p3", Program::RunsForever);
    sim.drain_events();
    sim.restart(&id, Some(2)).unwrap();
    assert!(get(&sim, &id).state.running);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&[
            "kill signal=15",
            "die exitCode=143",
            "net:disconnect",
            "stop",
            "net:connect",
            "start",
            "restart"
        ])
    );
}

// ---------------------------------------------------------------------------- OOM

#[test]
fn memory_hog_with_a_limit_is_oom_killed_137() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec {
            memory: 8 * 1024 * 1024,
            ..spec("oom", Program::AllocatesMemory { after_ms: 40 })
        })
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_by(Duration::from_secs(1));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Exited);
    assert_eq!(c.state.exit_code, 137);
    assert!(c.state.oom_killed);
    assert_eq!(c.state.finished_at, at_ms(40));
    assert_eq!(sequence(&sim.drain_events(), &id), recorded_sequence("oom"));
    sim.start(&id).unwrap();
    assert!(
        !get(&sim, &id).state.oom_killed,
        "a new run clears OOMKilled"
    );
}

#[test]
fn memory_hog_without_a_limit_runs_and_oom_kill_is_an_operation() {
    let mut sim = new_sim();
    let id = run(
        &mut sim,
        "unbounded",
        Program::AllocatesMemory { after_ms: 40 },
    );
    sim.advance_by(Duration::from_secs(60));
    assert!(get(&sim, &id).state.running);
    sim.drain_events();
    sim.oom_kill("unbounded").unwrap();
    let c = get(&sim, &id);
    assert!(c.state.oom_killed);
    assert_eq!(c.state.exit_code, 137);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&["oom", "die exitCode=137", "net:disconnect"])
    );
    assert_eq!(
        sim.oom_kill("unbounded"),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {id} is not running")
        ))
    );
}

// ---------------------------------------------------------------------------- pause

#[test]
fn pause_and_unpause() {
    let mut sim = new_sim();
    let id = run(&mut sim, "web", Program::RunsForever);
    sim.advance_by(Duration::from_secs(5));
    assert_eq!(sim.pause("web"), Ok(Outcome::Done));
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Paused);
    assert!(c.state.running && c.state.paused);
    assert_eq!(status(&sim, "web"), "Up 5 seconds (Paused)");
    assert_eq!(sequence(&sim.drain_events(), &id), recorded_sequence("web"));
    assert_eq!(
        sim.pause("web"),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {id} is already paused")
        ))
    );
    assert_eq!(sim.unpause("web"), Ok(Outcome::Done));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Running);
    assert_eq!(sequence(&sim.drain_events(), &id), strs(&["unpause"]));
    assert_eq!(
        sim.unpause("web"),
        Err(err(
            500,
            ErrorKind::System,
            format!("Container {id} is not paused")
        ))
    );
    let fresh = sim.create(spec("fresh", Program::RunsForever)).unwrap();
    assert_eq!(
        sim.pause("fresh"),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {fresh} is not running")
        ))
    );
}

#[test]
fn pause_of_a_restarting_container_is_refused() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("rs", exits_after(10, 1)).restart(RestartPolicy::always()))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(10));
    assert_eq!(
        sim.pause(&id),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {id} is restarting, wait until the container is running")
        ))
    );
    assert_eq!(sim.start(&id), Ok(Outcome::NotModified));
}

#[test]
fn a_paused_program_does_not_exit_until_thawed() {
    let mut sim = new_sim();
    let id = run(&mut sim, "job", exits_after(10_000, 4));
    sim.advance_to(at_ms(4_000));
    sim.pause(&id).unwrap();
    sim.advance_to(at_ms(60_000));
    assert!(get(&sim, &id).state.paused);
    sim.unpause(&id).unwrap();
    assert_eq!(
        sim.next_deadline(),
        Some(at_ms(66_000)),
        "6 s of its run were left"
    );
    sim.advance_to(at_ms(66_000));
    assert_eq!(get(&sim, &id).state.exit_code, 4);
}

// ---------------------------------------------------------------------------- health

#[test]
fn health_starts_then_turns_healthy_after_the_first_passing_probe() {
    let mut sim = new_sim();
    let id = sim
        .create(
            spec("hc", Program::RunsForever)
                .healthcheck(shell_check("true", 1_000, 0), Probe::Passes),
        )
        .unwrap();
    sim.start(&id).unwrap();
    assert_eq!(
        status(&sim, "hc"),
        "Up Less than a second (health: starting)"
    );
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!(h.status(), HealthStatus::Starting);
    assert_eq!(sim.next_deadline(), Some(at_ms(1_000)));
    sim.advance_to(at_ms(1_000));
    assert_eq!(status(&sim, "hc"), "Up 1 second (healthy)");
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &id), recorded_sequence("hc"));
    let probe: Vec<&str> = events.iter().skip(3).map(|e| e.action.as_str()).collect();
    assert_eq!(
        probe,
        [
            "exec_create: /bin/sh -c true",
            "exec_start: /bin/sh -c true",
            "exec_die",
            "health_status: healthy"
        ]
    );
    let exec_id = events[3].attribute("execID").unwrap();
    assert_eq!(exec_id.len(), 64);
    assert_eq!(events[5].attribute("execID"), Some(exec_id));
    assert_eq!(events[5].attribute("exitCode"), Some("0"));
    sim.advance_to(at_ms(10_000));
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!(h.log.len(), 5, "the last five probes are kept");
    assert_eq!(h.log[4].start, at_ms(10_000));
    let events = sim.drain_events();
    assert_eq!(
        events.len(),
        27,
        "nine probes of three events, no status change"
    );
    assert_eq!(sequence(&events, &id), Vec::<String>::new());
}

#[test]
fn health_turns_unhealthy_after_retries_failures() {
    let mut sim = new_sim();
    let id = sim
        .create(
            spec("sick", Program::RunsForever)
                .healthcheck(shell_check("false", 1_000, 2), Probe::Fails),
        )
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(1_000));
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!((h.status(), h.failing_streak), (HealthStatus::Starting, 1));
    sim.advance_to(at_ms(2_000));
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!((h.status(), h.failing_streak), (HealthStatus::Unhealthy, 2));
    assert_eq!(status(&sim, "sick"), "Up 2 seconds (unhealthy)");
    sim.advance_to(at_ms(5_000));
    assert_eq!(get(&sim, &id).state.health.unwrap().failing_streak, 5);
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &id), recorded_sequence("sick"));
    let unhealthy = events
        .iter()
        .find(|e| e.action == "health_status: unhealthy")
        .unwrap();
    assert_eq!(unhealthy.at(), at_ms(2_000));
    assert!(events
        .iter()
        .any(|e| e.action == "exec_die" && e.attribute("exitCode") == Some("1")));
}

#[test]
fn health_start_period_keeps_failures_from_counting() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("slow", Program::RunsForever).healthcheck(
            HealthConfig {
                start_period: Duration::from_secs(30).as_nanos(),
                ..shell_check("false", 5_000, 3)
            },
            Probe::Fails,
        ))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(25_000));
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!((h.status(), h.failing_streak), (HealthStatus::Starting, 0));
    assert_eq!(h.log.len(), 5);
    sim.advance_to(at_ms(35_000));
    let h = get(&sim, &id).state.health.unwrap();
    assert_eq!((h.status(), h.failing_streak), (HealthStatus::Starting, 2));
    sim.advance_to(at_ms(40_000));
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Unhealthy
    );
}

#[test]
fn health_passes_then_fails_and_probe_result_records_at_once() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("flaky", Program::RunsForever).healthcheck(
            shell_check("curl -f localhost", 1_000, 1),
            Probe::PassesThenFails { passes: 2 },
        ))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(2_000));
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Healthy
    );
    sim.advance_to(at_ms(3_000));
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Unhealthy
    );
    sim.drain_events();
    sim.probe_result("flaky", true).unwrap();
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Healthy
    );
    let actions: Vec<String> = sim.drain_events().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            "exec_create: /bin/sh -c curl -f localhost",
            "exec_start: /bin/sh -c curl -f localhost",
            "exec_die",
            "health_status: healthy"
        ]
    );
    let plain = run(&mut sim, "plain", Program::RunsForever);
    assert_eq!(
        sim.probe_result("plain", true),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {plain} has no health check")
        ))
    );
}

#[test]
fn pausing_stops_the_health_monitor_and_leaves_unhealthy() {
    let mut sim = new_sim();
    let id = sim
        .create(
            spec("h1", Program::RunsForever)
                .healthcheck(shell_check("true", 1_000, 0), Probe::Passes),
        )
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(2_500));
    sim.pause(&id).unwrap();
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Unhealthy
    );
    sim.advance_to(at_ms(10_000));
    assert_eq!(
        get(&sim, &id).state.health.unwrap().log.len(),
        2,
        "no probes while paused"
    );
    sim.unpause(&id).unwrap();
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Unhealthy
    );
    sim.drain_events();
    sim.advance_to(at_ms(11_000));
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Healthy
    );
    assert!(sim
        .drain_events()
        .iter()
        .any(|e| e.action == "health_status: healthy" && e.at() == at_ms(11_000)));
    sim.kill(&id, None).unwrap();
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Unhealthy,
        "the monitor stops with the process"
    );
    sim.start(&id).unwrap();
    assert_eq!(
        get(&sim, &id).state.health.unwrap().status(),
        HealthStatus::Starting
    );
}

// ---------------------------------------------------------------------------- remove

#[test]
fn remove_refusals_and_force() {
    let mut sim = new_sim();
    let busy = run(&mut sim, "busy", Program::RunsForever);
    assert_eq!(
        sim.remove("busy", false),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!(
                "You cannot remove a running container {busy}. Stop the container before \
                 attempting removal or force remove"
            )
        ))
    );
    assert_eq!(
        get(&sim, &busy).state.kind(),
        StateKind::Running,
        "nothing changed"
    );
    let web = run(&mut sim, "web", Program::RunsForever);
    sim.pause(&web).unwrap();
    assert_eq!(
        sim.remove("web", false).unwrap_err().message,
        format!(
            "You cannot remove a paused container {web}. Unpause and then stop the container \
             before attempting removal or force remove"
        )
    );
    assert_eq!(
        sim.remove("nope", true),
        Err(err(404, ErrorKind::NotFound, "No such container: nope"))
    );
    sim.drain_events();
    assert_eq!(sim.remove("busy", true), Ok(Outcome::Done));
    assert_eq!(
        sim.inspect("busy").unwrap_err(),
        err(404, ErrorKind::NotFound, "No such container: busy")
    );
    let events = sim.drain_events();
    assert_eq!(
        sequence(&events, &busy),
        recorded_sequence("busy")[3..].to_vec(),
        "kill 9, die 137, disconnect, destroy"
    );
    sim.remove("web", true).unwrap();
    // Recorded by hand: `docker rm -f` of a paused container sends no unpause.
    assert_eq!(
        sequence(&sim.drain_events(), &web),
        strs(&[
            "kill signal=9",
            "die exitCode=137",
            "net:disconnect",
            "destroy"
        ])
    );
    assert!(sim.list().is_empty());
    sim.create(spec("busy", Program::RunsForever))
        .expect("the name is free again");
}

#[test]
fn remove_of_stopped_restarting_and_removing_containers() {
    let mut sim = new_sim();
    let stopped = run(&mut sim, "stopped2", exits_after(30, 0));
    sim.advance_by(Duration::from_secs(3));
    sim.remove("stopped2", false).unwrap();
    assert_eq!(
        sequence(&sim.drain_events(), &stopped),
        recorded_sequence("stopped2")
    );

    let rs = sim
        .create(spec("rs3", exits_after(10, 3)).restart(RestartPolicy::always()))
        .unwrap();
    sim.start(&rs).unwrap();
    sim.advance_by(Duration::from_millis(50));
    assert_eq!(get(&sim, &rs).state.kind(), StateKind::Restarting);
    assert_eq!(
        sim.remove("rs3", false).unwrap_err().message,
        format!(
            "You cannot remove a restarting container {rs}. Stop the container before \
             attempting removal or force remove"
        )
    );
    sim.drain_events();
    sim.remove("rs3", true).unwrap();
    assert_eq!(sequence(&sim.drain_events(), &rs), strs(&["destroy"]));
    assert_eq!(sim.next_deadline(), None, "its timers went with it");

    let leaving = sim.create(spec("leaving", Program::RunsForever)).unwrap();
    sim.begin_removal("leaving").unwrap();
    assert_eq!(get(&sim, &leaving).state.kind(), StateKind::Removing);
    assert_eq!(status(&sim, "leaving"), "Removal In Progress");
    assert_eq!(
        sim.remove(&leaving[..12], true),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!(
                "removal of container {} is already in progress",
                &leaving[..12]
            )
        ))
    );
    sim.complete_removal("leaving").unwrap();
    assert!(sim.inspect("leaving").is_err());
}

#[test]
fn failed_removal_leaves_a_dead_container_that_can_be_removed() {
    let mut sim = new_sim();
    let id = run(&mut sim, "broken", exits_after(10, 0));
    sim.advance_by(Duration::from_secs(1));
    let mut removed = sim.wait("broken", WaitCondition::Removed).unwrap();
    sim.fail_removal("broken", "driver failed: device or resource busy")
        .unwrap();
    let c = get(&sim, &id);
    assert_eq!(c.state.kind(), StateKind::Dead);
    assert_eq!(c.state.error, "driver failed: device or resource busy");
    assert_eq!(status(&sim, "broken"), "Dead");
    assert_eq!(
        poll(&mut removed),
        Some(StateStatus {
            exit_code: 0,
            error: Some("driver failed: device or resource busy".into())
        })
    );
    assert_eq!(
        sim.start("broken").unwrap_err().message,
        "container is marked for removal and cannot be started"
    );
    sim.drain_events();
    sim.remove("broken", false).unwrap();
    assert_eq!(sequence(&sim.drain_events(), &id), strs(&["destroy"]));
}

#[test]
fn auto_remove_destroys_after_the_exit() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec {
            auto_remove: true,
            ..spec("once", exits_after(100, 0))
        })
        .unwrap();
    sim.start(&id).unwrap();
    let mut removed = sim.wait(&id, WaitCondition::Removed).unwrap();
    sim.advance_by(Duration::from_secs(1));
    assert!(sim.inspect(&id).is_err());
    assert_eq!(poll(&mut removed), Some(exited(0)));
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&[
            "create",
            "net:connect",
            "start",
            "die exitCode=0",
            "net:disconnect",
            "destroy"
        ])
    );
}

#[test]
fn auto_remove_after_a_stop_sends_stop_then_destroy() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec {
            auto_remove: true,
            ..spec("rm1", Program::IgnoresSigterm)
        })
        .unwrap();
    sim.start(&id).unwrap();
    sim.drain_events();
    sim.stop(&id, Some(1)).unwrap();
    sim.advance_by(Duration::from_secs(1));
    assert!(sim.inspect(&id).is_err());
    // Recorded by hand from the same engine (`docker run --rm …; docker stop -t 1`).
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&[
            "kill signal=15",
            "kill signal=9",
            "die exitCode=137",
            "net:disconnect",
            "stop",
            "destroy"
        ])
    );
}

#[test]
fn restart_and_term_of_paused_containers_thaw_them_first() {
    let mut sim = new_sim();
    let ps1 = run(&mut sim, "ps1", Program::RunsForever);
    let ps2 = run(&mut sim, "ps2", Program::RunsForever);
    sim.pause(&ps1).unwrap();
    sim.pause(&ps2).unwrap();
    sim.drain_events();
    sim.restart(&ps1, Some(1)).unwrap();
    sim.kill(&ps2, Some("TERM")).unwrap();
    let events = sim.drain_events();
    // Recorded by hand from the same engine (paused `--init sleep` containers).
    assert_eq!(
        sequence(&events, &ps1),
        strs(&[
            "kill signal=15",
            "unpause",
            "die exitCode=143",
            "net:disconnect",
            "stop",
            "net:connect",
            "start",
            "restart"
        ])
    );
    assert_eq!(
        sequence(&events, &ps2),
        strs(&[
            "kill signal=15",
            "unpause",
            "die exitCode=143",
            "net:disconnect"
        ])
    );
}

#[test]
fn restart_with_no_grace_kills_at_once() {
    let mut sim = new_sim();
    let id = run(&mut sim, "rn2", Program::IgnoresSigterm);
    sim.drain_events();
    sim.restart(&id, Some(0)).unwrap();
    assert!(get(&sim, &id).state.running);
    assert_eq!(sim.next_deadline(), None);
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        strs(&[
            "kill signal=15",
            "kill signal=9",
            "die exitCode=137",
            "net:disconnect",
            "stop",
            "net:connect",
            "start",
            "restart"
        ])
    );
}

#[test]
fn create_accepts_an_empty_image_and_checks_the_stop_signal() {
    let mut sim = new_sim();
    let id = sim
        .create(CreateSpec::new("", &["true"]).named("noimg"))
        .unwrap();
    let events = sim.drain_events();
    assert_eq!(events[0].attribute("image"), None, "no image, no attribute");
    assert_eq!(events[0].attribute("name"), Some("noimg"));
    assert_eq!(get(&sim, &id).config.image, "");
    let bad = CreateSpec {
        stop_signal: Some("NOPE".into()),
        ..spec("sig1", Program::RunsForever)
    };
    assert_eq!(
        sim.create(bad),
        Err(err(
            400,
            ErrorKind::InvalidParameter,
            "Invalid signal: NOPE"
        ))
    );
    let negative = spec("rp2", Program::RunsForever).restart(RestartPolicy::on_failure(-1));
    assert_eq!(
        sim.create(negative).unwrap_err().message,
        "maximum retry count cannot be negative"
    );
    let counted = spec("rp3", Program::RunsForever).restart(RestartPolicy {
        name: "always".into(),
        maximum_retry_count: 2,
    });
    assert_eq!(
        sim.create(counted).unwrap_err().message,
        "maximum retry count cannot be used with restart policy 'always'"
    );
}

// ---------------------------------------------------------------------------- rename, resolve

#[test]
fn rename_and_its_refusals() {
    let mut sim = new_sim();
    let renamed = sim.create(spec("renamed", Program::RunsForever)).unwrap();
    let hc = sim.create(spec("hc", Program::RunsForever)).unwrap();
    assert_eq!(sim.rename("renamed", "renamed2"), Ok(Outcome::Done));
    assert_eq!(get(&sim, &renamed).name, "/renamed2");
    assert!(sim.inspect("renamed").is_err(), "the old name is released");
    assert_eq!(get(&sim, "/renamed2").id, renamed);
    assert_eq!(sim.view().get_all_names()[&renamed], ["/renamed2"]);
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &renamed), recorded_sequence("renamed"));
    assert_eq!(events.last().unwrap().attribute("name"), Some("renamed2"));
    assert_eq!(
        sim.rename("renamed2", "hc"),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!(
                "Error when allocating new name: Conflict. The container name \"/hc\" is already \
                 in use by container \"{hc}\". You have to remove (or rename) that container to \
                 be able to reuse that name."
            )
        ))
    );
    assert_eq!(
        sim.rename("hc", "hc"),
        Err(err(
            400,
            ErrorKind::InvalidParameter,
            "Renaming a container with the same name as its current name"
        ))
    );
    assert_eq!(
        sim.rename("hc", ""),
        Err(err(
            400,
            ErrorKind::InvalidParameter,
            "Neither old nor new names may be empty"
        ))
    );
    assert_eq!(
        sim.rename("hc", "bad name"),
        Err(err(
            400,
            ErrorKind::InvalidParameter,
            "Error when allocating new name: Invalid container name (/bad name), only \
             [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        ))
    );
    assert_eq!(
        sim.rename("nope", "x2"),
        Err(err(404, ErrorKind::NotFound, "No such container: nope"))
    );
    assert_eq!(get(&sim, &hc).name, "/hc");
}

#[test]
fn references_resolve_by_id_name_and_unique_prefix() {
    let mut sim = new_sim();
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(
            sim.create(spec(&format!("c{n}"), Program::RunsForever))
                .unwrap(),
        );
    }
    let first = &ids[0];
    assert_eq!(get(&sim, first).id, *first);
    assert_eq!(get(&sim, &first[..12]).id, *first);
    assert_eq!(get(&sim, "c0").id, *first);
    assert_eq!(get(&sim, "/c0").id, *first);
    // Forty IDs over sixteen hex digits: some first digit is shared.
    let shared = ids
        .iter()
        .map(|id| &id[..1])
        .find(|p| ids.iter().filter(|id| id.starts_with(*p)).count() > 1)
        .unwrap()
        .to_owned();
    assert_eq!(
        sim.inspect(&shared).unwrap_err(),
        err(
            500,
            ErrorKind::System,
            format!("Multiple IDs found with provided prefix: {shared}")
        )
    );
    assert_eq!(
        sim.start(&shared).unwrap_err().status,
        500,
        "every operation resolves the same way"
    );
    assert_eq!(
        sim.inspect("zzz").unwrap_err(),
        err(404, ErrorKind::NotFound, "No such container: zzz")
    );
}

// ---------------------------------------------------------------------------- wait

#[test]
fn wait_conditions_resolve_as_the_engines() {
    let mut sim = new_sim();
    // not-running on an exited container: at once, with its exit code.
    run(&mut sim, "crash", exits_after(10, 7));
    sim.advance_by(Duration::from_secs(1));
    let mut w = sim.wait("crash", WaitCondition::NotRunning).unwrap();
    assert!(w.is_ready());
    assert_eq!(poll(&mut w), Some(exited(7)));
    // not-running on a created one: at once, 0. next-exit on it: pending.
    sim.create(spec("fresh", Program::RunsForever)).unwrap();
    assert_eq!(
        poll(&mut sim.wait("fresh", WaitCondition::NotRunning).unwrap()),
        Some(exited(0))
    );
    let mut next = sim.wait("fresh", WaitCondition::NextExit).unwrap();
    sim.advance_by(Duration::from_secs(2));
    assert_eq!(poll(&mut next), None);
    // next-exit on a running container that exits 3.
    let exit3 = run(&mut sim, "exit3", exits_after(2_000, 3));
    let mut next = sim.wait("exit3", WaitCondition::NextExit).unwrap();
    sim.advance_by(Duration::from_millis(1_999));
    assert_eq!(poll(&mut next), None);
    sim.advance_by(Duration::from_millis(1));
    assert_eq!(poll(&mut next), Some(exited(3)));
    // removed on a created container, then rm.
    let rmwait = sim.create(spec("rmwait", Program::RunsForever)).unwrap();
    let mut removed = sim.wait("rmwait", WaitCondition::Removed).unwrap();
    assert_eq!(poll(&mut removed), None);
    sim.remove("rmwait", false).unwrap();
    assert_eq!(poll(&mut removed), Some(exited(0)));
    // removed / not-running on a running container, then rm -f: 137.
    let rmwait2 = run(&mut sim, "rmwait2", Program::RunsForever);
    let mut removed = sim.wait("rmwait2", WaitCondition::Removed).unwrap();
    let mut stopped = sim.wait("rmwait2", WaitCondition::NotRunning).unwrap();
    sim.remove("rmwait2", true).unwrap();
    assert_eq!(poll(&mut removed), Some(exited(137)));
    assert_eq!(poll(&mut stopped), Some(exited(137)));
    assert_eq!(
        sim.wait("nope", WaitCondition::NotRunning).unwrap_err(),
        err(404, ErrorKind::NotFound, "No such container: nope")
    );
    let events = sim.drain_events();
    assert_eq!(sequence(&events, &exit3), recorded_sequence("exit3"));
    assert_eq!(sequence(&events, &rmwait), recorded_sequence("rmwait"));
    assert_eq!(sequence(&events, &rmwait2), recorded_sequence("rmwait2"));
    assert_eq!(sequence(&events, &rmwait2), recorded_sequence("rmwait3"));
}

#[test]
fn not_running_waiter_is_woken_by_a_policy_restart_with_the_runs_exit_code() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("w39352", exits_after(1_000, 5)).restart(RestartPolicy::on_failure(1)))
        .unwrap();
    sim.start(&id).unwrap();
    let mut w = sim.wait(&id, WaitCondition::NotRunning).unwrap();
    sim.advance_to(at_ms(1_000));
    assert!(get(&sim, &id).state.restarting);
    assert_eq!(poll(&mut w), Some(exited(5)));
    sim.advance_by(Duration::from_secs(5));
    let c = get(&sim, &id);
    assert_eq!((c.state.kind(), c.restart_count), (StateKind::Exited, 1));
    assert_eq!(
        sequence(&sim.drain_events(), &id),
        recorded_sequence("w39352")
    );
}

// ---------------------------------------------------------------------------- the clock

#[test]
fn timers_fire_in_order_each_at_its_own_time() {
    let mut sim = new_sim();
    run(&mut sim, "ca", exits_after(300, 3));
    run(&mut sim, "cb", exits_after(100, 1));
    run(&mut sim, "cc", exits_after(200, 2));
    sim.drain_events();
    assert_eq!(sim.next_deadline(), Some(at_ms(100)));
    sim.advance_to(at_ms(1_000));
    assert_eq!(sim.now(), at_ms(1_000));
    let dies: Vec<(String, Time)> = sim
        .drain_events()
        .into_iter()
        .filter(|e| e.action == "die")
        .map(|e| (e.attribute("exitCode").unwrap().to_owned(), e.at()))
        .collect();
    assert_eq!(
        dies,
        [
            ("1".to_owned(), at_ms(100)),
            ("2".to_owned(), at_ms(200)),
            ("3".to_owned(), at_ms(300))
        ]
    );
    sim.advance_to(at_ms(0));
    assert_eq!(sim.now(), at_ms(1_000), "the clock never goes back");
    assert_eq!(sim.advance_to_next_deadline(), None);
    assert_eq!(sim.now(), at_ms(1_000));
}

#[test]
fn advance_to_next_deadline_steps_one_deadline_at_a_time() {
    let mut sim = new_sim();
    let id = sim
        .create(spec("crashy", exits_after(2_000, 1)).restart(RestartPolicy::on_failure(1)))
        .unwrap();
    sim.start(&id).unwrap();
    assert_eq!(sim.advance_to_next_deadline(), Some(at_ms(2_000)));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Restarting);
    assert_eq!(sim.advance_to_next_deadline(), Some(at_ms(2_100)));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Running);
    assert_eq!(sim.advance_to_next_deadline(), Some(at_ms(4_100)));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Exited);
    assert_eq!(sim.advance_to_next_deadline(), None);
}

#[test]
fn process_exit_refusals() {
    let mut sim = new_sim();
    let fresh = sim.create(spec("fresh", Program::RunsForever)).unwrap();
    assert_eq!(
        sim.process_exit("fresh", 1),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {fresh} is not running")
        ))
    );
    let web = run(&mut sim, "web", Program::RunsForever);
    assert_eq!(sim.process_exit("web", 256).unwrap_err().status, 400);
    sim.pause(&web).unwrap();
    assert_eq!(
        sim.process_exit("web", 1),
        Err(err(
            409,
            ErrorKind::Conflict,
            format!("Container {web} is paused")
        ))
    );
    sim.unpause(&web).unwrap();
    sim.process_exit("web", 2).unwrap();
    assert_eq!(get(&sim, &web).state.exit_code, 2);
    assert!(!get(&sim, &web).has_been_manually_stopped);
}

// ---------------------------------------------------------------------------- the engine's refusals

#[test]
fn refusals_match_the_recorded_engine() {
    #[derive(serde::Deserialize)]
    struct Case {
        case: String,
        target: String,
        target_id: String,
        path: String,
        status: u16,
        body: Option<serde_json::Value>,
    }
    let cases: Vec<Case> = serde_json::from_str(RECORDED_ERRORS).unwrap();
    let mut sim = new_sim();
    let mut ours: BTreeMap<String, String> = BTreeMap::new();
    ours.insert("busy".into(), run(&mut sim, "busy", Program::RunsForever));
    let web = run(&mut sim, "web", Program::RunsForever);
    sim.pause(&web).unwrap();
    ours.insert("web".into(), web);
    let hello = run(&mut sim, "hello", exits_after(10, 0));
    ours.insert("hello".into(), hello);
    for name in ["fresh", "hc"] {
        ours.insert(
            name.into(),
            sim.create(spec(name, Program::RunsForever)).unwrap(),
        );
    }
    sim.advance_by(Duration::from_secs(1));
    // Containers until two IDs share a first digit, for the ambiguous prefix.
    let mut ids: Vec<String> = ours.values().cloned().collect();
    let shared = loop {
        let first_digits: Vec<&str> = ids.iter().map(|id| &id[..1]).collect();
        if let Some(p) = first_digits
            .iter()
            .find(|p| first_digits.iter().filter(|q| q == p).count() > 1)
        {
            break (*p).to_owned();
        }
        ids.push(sim.create(CreateSpec::new(BUSYBOX, &["true"])).unwrap());
    };
    // The recorder's IDs by name, to put ours in their place in the messages.
    let recorded_ids: BTreeMap<String, String> = recorded()
        .iter()
        .filter(|e| e.is_container() && e.verb() == "create")
        .filter_map(|e| Some((e.attribute("name")?.to_owned(), e.id().to_owned())))
        .collect();

    for case in &cases {
        let (path, query) = case
            .path
            .split_once('?')
            .unwrap_or((case.path.as_str(), ""));
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let in_path = parts[2];
        let reference = if case.case == "prefix-ambiguous" {
            shared.clone()
        } else if !case.target_id.is_empty() && in_path == case.target_id {
            ours[&case.target].clone()
        } else {
            in_path.to_owned()
        };
        let param = |key: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_owned)
        };
        let result = if in_path == "create" {
            sim.create(spec(&param("name").unwrap(), Program::RunsForever))
                .map(|_| Outcome::Done)
        } else {
            match parts.get(3).copied() {
                Some("json") => sim.inspect(&reference).map(|_| Outcome::Done),
                Some("start") => sim.start(&reference),
                Some("stop") => sim.stop(&reference, None),
                Some("pause") => sim.pause(&reference),
                Some("unpause") => sim.unpause(&reference),
                Some("kill") => sim.kill(&reference, param("signal").as_deref()),
                Some("rename") => sim.rename(&reference, &param("name").unwrap()),
                None => sim.remove(&reference, param("force").is_some()),
                Some(other) => panic!("{}: no such operation {other}", case.case),
            }
        };
        match result {
            Ok(Outcome::NotModified) => assert_eq!(case.status, 304, "{}", case.case),
            Ok(Outcome::Done) => panic!("{}: accepted, the engine said {}", case.case, case.status),
            Err(e) => {
                let mut expected = case
                    .body
                    .as_ref()
                    .and_then(|b| b["message"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                for (name, recorded_id) in &recorded_ids {
                    if let Some(our_id) = ours.get(name) {
                        expected = expected.replace(recorded_id.as_str(), our_id);
                    }
                }
                if case.case == "prefix-ambiguous" {
                    expected = expected.replace("prefix: 2", &format!("prefix: {shared}"));
                }
                assert_eq!(
                    (e.status, e.message),
                    (case.status, expected),
                    "{}",
                    case.case
                );
            }
        }
    }
    assert!(cases.len() >= 20, "the recording has {} cases", cases.len());
}

#[test]
fn relaunch_starts_a_container_that_gave_up_but_not_one_stopped_by_hand() {
    let mut sim = new_sim();
    let id = sim.create(spec("job", exits_after(1_000, 0))).unwrap();
    sim.relaunch_after(&id, Some(Duration::from_secs(5)))
        .unwrap();
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(1_000));
    assert_eq!(sim.next_deadline(), Some(at_ms(6_000)));
    assert_eq!(sim.deadlines()[0].kind, TimerKind::Relaunch);
    sim.advance_to(at_ms(6_000));
    assert!(get(&sim, &id).state.running, "started again");
    assert_eq!(get(&sim, &id).state.started_at, at_ms(6_000));
    sim.stop(&id, None).unwrap();
    assert_eq!(sim.next_deadline(), None, "a manual stop is respected");
    sim.start(&id).unwrap();
    sim.advance_to(at_ms(7_000));
    sim.start(&id).unwrap();
    assert!(
        sim.deadlines()
            .iter()
            .all(|d| d.kind != TimerKind::Relaunch),
        "a manual start makes the pending relaunch moot"
    );
    sim.relaunch_after(&id, None).unwrap();
    sim.advance_to(at_ms(60_000));
    assert_eq!(get(&sim, &id).state.kind(), StateKind::Exited);
    assert_eq!(sim.next_deadline(), None);
}

#[test]
fn a_zero_start_time_starts_the_clock_at_the_epoch() {
    let mut sim = Sim::new(Time::ZERO, 1);
    assert_eq!(sim.now(), Time::from_unix_nanos(0));
    let id = run(&mut sim, "early", exits_after(5, 0));
    sim.advance_by(Duration::from_secs(1));
    assert_eq!(
        get(&sim, &id).state.finished_at,
        Time::from_unix_nanos(5_000_000)
    );
    assert_eq!(
        sim.behaviour("early"),
        Some((exits_after(5, 0), Probe::Passes))
    );
}

// ---------------------------------------------------------------------------- determinism

fn script(seed: u64) -> (Vec<Event>, Vec<Container>) {
    let mut sim = Sim::new(at_ms(0), seed);
    let crashy = sim
        .create(
            CreateSpec::new(BUSYBOX, &["sh", "-c", "exit 1"])
                .restart(RestartPolicy::on_failure(3))
                .program(exits_after(500, 1)),
        )
        .unwrap();
    sim.start(&crashy).unwrap();
    let hc = sim
        .create(CreateSpec::new(BUSYBOX, &["sleep", "1000"]).healthcheck(
            shell_check("true", 1_000, 0),
            Probe::PassesThenFails { passes: 3 },
        ))
        .unwrap();
    sim.start(&hc).unwrap();
    sim.advance_by(Duration::from_secs(3));
    sim.stop(&hc, Some(1)).unwrap();
    sim.advance_by(Duration::from_secs(10));
    (sim.drain_events(), sim.list())
}

#[test]
fn same_seed_and_steps_give_the_same_events() {
    let (events_a, list_a) = script(42);
    let (events_b, list_b) = script(42);
    assert!(!events_a.is_empty());
    assert_eq!(events_a, events_b);
    assert_eq!(list_a, list_b);
    let (events_c, _) = script(43);
    assert_ne!(events_a, events_c, "another seed gives other IDs");
    let actions =
        |events: &[Event]| -> Vec<String> { events.iter().map(|e| e.action.clone()).collect() };
    assert_eq!(actions(&events_a), actions(&events_c), "but the same story");
}

// ---------------------------------------------------------------------------- the demo fleet

#[test]
fn demo_fleet_shows_every_state_and_status_at_start() {
    let start = Time::from_unix_secs(1_800_000_000);
    let mut sim = Sim::demo(start);
    assert_eq!(sim.now(), start);
    assert!(sim.drain_events().is_empty(), "the history is not replayed");
    let by_name: BTreeMap<String, (String, String)> = sim
        .list()
        .iter()
        .map(|c| {
            (
                c.short_name().to_owned(),
                (
                    c.state.state_string().to_owned(),
                    c.state.status_string(start),
                ),
            )
        })
        .collect();
    let expect = |name: &str, state: &str, status: &str| {
        assert_eq!(
            by_name.get(name),
            Some(&(state.to_owned(), status.to_owned())),
            "{name}"
        );
    };
    expect("web", "running", "Up About an hour");
    expect("api", "running", "Up 50 minutes (healthy)");
    expect("worker", "running", "Up 20 seconds (health: starting)");
    expect("cache", "paused", "Up 30 minutes (Paused)");
    expect(
        "crashy",
        "restarting",
        "Restarting (1) Less than a second ago",
    );
    expect("batch", "exited", "Exited (0) 40 minutes ago");
    expect("hog", "exited", "Exited (137) 24 minutes ago");
    expect("fresh", "created", "Created");
    expect("leaving", "removing", "Removal In Progress");
    expect("broken", "dead", "Dead");
    assert_eq!(by_name.len(), 10);
    let states: std::collections::BTreeSet<&str> =
        by_name.values().map(|(s, _)| s.as_str()).collect();
    assert_eq!(states.len(), 7, "all seven states: {states:?}");

    assert!(get(&sim, "hog").state.oom_killed);
    assert_eq!(get(&sim, "crashy").restart_count, 3);
    assert!(get(&sim, "broken")
        .state
        .error
        .contains("device or resource busy"));
    let snapshot = sim.view();
    assert_eq!(snapshot.len(), 10);
    let web = snapshot.resolve("web").unwrap();
    assert_eq!(web.status_at(start), "Up About an hour");
}

#[test]
fn demo_fleet_stays_lively() {
    let start = Time::from_unix_secs(1_800_000_000);
    let mut sim = Sim::demo(start);
    let secs = |s: i64| start.add(Duration::from_secs(s));
    // crashy: started again 400 ms after its third exit, gives up 2 s later.
    sim.advance_to(start.add(Duration::from_millis(200)));
    assert_eq!(get(&sim, "crashy").state.kind(), StateKind::Running);
    sim.advance_to(start.add(Duration::from_millis(2_200)));
    let crashy = get(&sim, "crashy");
    assert_eq!(
        (crashy.state.kind(), crashy.restart_count),
        (StateKind::Exited, 3)
    );
    sim.advance_to(secs(3));
    assert_eq!(status(&sim, "crashy"), "Exited (1) Less than a second ago");
    // worker: unhealthy once its start period is over and three probes failed.
    sim.advance_to(secs(19));
    assert_eq!(status(&sim, "worker"), "Up 39 seconds (health: starting)");
    sim.advance_to(secs(20));
    assert_eq!(status(&sim, "worker"), "Up 40 seconds (unhealthy)");
    // crashy is started again by the operator 45 s after it gave up, and loops again.
    sim.advance_to(start.add(Duration::from_millis(47_200)));
    let crashy = get(&sim, "crashy");
    assert_eq!(
        (crashy.state.kind(), crashy.restart_count),
        (StateKind::Running, 0)
    );
    sim.advance_to(start.add(Duration::from_millis(49_200)));
    assert_eq!(get(&sim, "crashy").state.kind(), StateKind::Restarting);
    let events = sim.drain_events();
    assert!(events
        .iter()
        .any(|e| e.action == "health_status: unhealthy"));
    assert!(events
        .iter()
        .any(|e| e.action == "exec_die" && e.attribute("name") == Some("api")));
    // Always something due: the fleet keeps moving.
    assert!(sim.next_deadline().is_some());
}

#[test]
fn demo_fleet_is_deterministic() {
    let start = Time::from_unix_secs(1_800_000_000);
    let a = Sim::demo(start).list();
    let b = Sim::demo(start).list();
    assert_eq!(a, b);
}
