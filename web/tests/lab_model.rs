//! The lab's model: a session replays to the same frames as it was played, survives export and
//! import (JSON and the URL fragment), the clock's ticks merge without changing what a replay
//! gives, waiters give up at their virtual deadline, and moves follow the engine's events.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::container::HealthConfig;
use berth_core::ops::Op;
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Probe, Program};
use berth_core::state::StateKind;
use berth_core::time::{Duration, Time};
use berth_core::wait::WaitCondition;
use berth_web::lab::lessons;
use berth_web::lab::model::{
    Done, Frame, Lab, Place, Session, SessionError, Step, DEADLINE_EXCEEDED, MAX_EVENTS_KEPT,
    MAX_STEPS, MAX_TIMERS_PER_STEP,
};

fn create(spec: CreateSpec) -> Step {
    Step::Op(Op::Create {
        spec: Box::new(spec),
    })
}

fn t(s: &str) -> String {
    s.to_owned()
}

/// What a learner sees of a frame: the clock, every container's name, state, status text,
/// exit code and restart count, the waiters and the pending timers.
fn seen(f: &Frame) -> String {
    let mut out = format!("{:?}\n", f.now);
    for s in f.view.iter() {
        let c = &s.container;
        out.push_str(&format!(
            "{} {} {} {:?} exit={} restarts={} oom={}\n",
            s.id(),
            s.name,
            c.state.state_string(),
            s.status_at(f.now),
            c.state.exit_code,
            c.restart_count,
            c.state.oom_killed
        ));
    }
    out.push_str(&format!(
        "{:?}\n{:?}\n{:?}\n",
        f.waiters, f.deadlines, f.removed
    ));
    out
}

fn every_frame(lab: &Lab) -> Vec<String> {
    (0..=lab.len()).map(|k| seen(&lab.frame(k))).collect()
}

/// A session that touches every kind of step.
fn busy_session() -> Session {
    let mut s = Session::new(7, Time::from_unix_secs(1_795_942_800));
    s.steps = vec![
        create(
            CreateSpec::new("local/busybox:1", &["sh", "-c", "sleep 1; exit 7"])
                .named("crash")
                .restart(RestartPolicy::on_failure(2))
                .program(Program::ExitsAfter {
                    after_ms: 1000,
                    code: 7,
                }),
        ),
        create(
            CreateSpec::new("local/busybox:1", &["httpd", "-f"])
                .named("api")
                .healthcheck(
                    HealthConfig {
                        test: vec![t("CMD-SHELL"), t("true")],
                        interval: Duration::from_secs(1).as_nanos(),
                        retries: 2,
                        ..HealthConfig::default()
                    },
                    Probe::PassesThenFails { passes: 1 },
                ),
        ),
        Step::Op(Op::Start { target: t("crash") }),
        Step::Op(Op::Start { target: t("api") }),
        Step::Op(Op::Wait {
            target: t("crash"),
            condition: WaitCondition::NextExit,
            timeout_ms: Some(500),
        }),
        Step::Op(Op::Wait {
            target: t("crash"),
            condition: WaitCondition::NotRunning,
            timeout_ms: None,
        }),
        Step::NextDeadline,
        Step::Advance { ms: 2_500 },
        Step::Op(Op::Pause { target: t("api") }),
        Step::Op(Op::Start { target: t("api") }),
        Step::Op(Op::Unpause { target: t("api") }),
        Step::Probe {
            target: t("api"),
            passed: true,
        },
        Step::Op(Op::Rename {
            target: t("api"),
            name: t("web"),
        }),
        Step::Op(Op::Kill {
            target: t("web"),
            signal: Some(t("SIGTERM")),
        }),
        Step::Op(Op::Remove {
            target: t("crash"),
            force: false,
        }),
        Step::Inspect { target: t("nope") },
        Step::Advance { ms: 3 * 3_600_000 },
    ];
    s
}

#[test]
fn a_session_replays_to_the_frames_it_was_played_with() {
    let session = busy_session();
    let mut played = Lab::new(Session {
        steps: Vec::new(),
        ..session.clone()
    });
    for step in &session.steps {
        played.apply(step.clone());
    }
    let replayed = Lab::new(session.clone());
    assert_eq!(played.session(), &session);
    assert_eq!(every_frame(&played), every_frame(&replayed));
    // Refusals are kept as steps, with the engine's answer.
    let inspect = &replayed.records()[15];
    assert_eq!(
        inspect
            .result
            .as_ref()
            .map_err(|e| (e.status, e.message.clone())),
        Err((404, t("No such container: nope")))
    );
    // A session cut to k steps is the first k frames.
    let cut = replayed.truncated(9);
    assert_eq!(cut.len(), 9);
    assert_eq!(every_frame(&cut), every_frame(&replayed)[..10].to_vec());
}

#[test]
fn export_and_import_round_trip() {
    let lab = Lab::new(busy_session());
    let json = lab.session().to_json();
    let back = Session::from_json(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(&back, lab.session());
    assert_eq!(every_frame(&Lab::new(back)), every_frame(&lab));
    assert!(matches!(
        Session::from_json(
            "{\"version\": 2, \"seed\": 1, \"start\": \"2026-11-29T09:00:00Z\", \"steps\": []}"
        ),
        Err(SessionError::Version(2))
    ));
    assert!(matches!(
        Session::from_json("[1, 2]"),
        Err(SessionError::Json(_))
    ));
    let long = Session {
        steps: vec![Step::NextDeadline; MAX_STEPS + 1],
        ..Session::default()
    };
    assert!(matches!(
        Session::from_json(&long.to_json()),
        Err(SessionError::TooLong(n)) if n == MAX_STEPS + 1
    ));
}

#[test]
fn the_url_fragment_round_trips_and_rejects_damage() {
    let lab = Lab::new(busy_session());
    let fragment = lab.session().to_fragment();
    assert!(fragment.starts_with("s="));
    // base64url: nothing a URL would need to escape.
    assert!(fragment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c)));
    for form in [
        fragment.clone(),
        format!("#{fragment}"),
        format!("#x=1&{fragment}"),
    ] {
        let back = Session::from_fragment(&form)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no session in {form}"));
        assert_eq!(&back, lab.session());
    }
    assert_eq!(Session::from_fragment(""), Ok(None));
    assert_eq!(Session::from_fragment("#top"), Ok(None));
    assert!(matches!(
        Session::from_fragment("#s=***"),
        Err(SessionError::Fragment(_))
    ));
    assert!(matches!(
        Session::from_fragment("#s=bm90IGpzb24"),
        Err(SessionError::Json(_))
    ));
    // The lesson a session follows travels with it.
    let lesson = lessons::by_id("oom").unwrap_or_else(|| panic!("no oom lesson"));
    let s = lesson.session();
    let back = Session::from_fragment(&s.to_fragment())
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("lesson session lost"));
    assert_eq!(back.lesson.as_deref(), Some("oom"));
}

#[test]
fn quiet_ticks_merge_and_replay_the_same() {
    let mut lab = Lab::new(Session::default());
    lab.apply(create(
        CreateSpec::new("local/busybox:1", &["sh", "-c", "sleep 2; exit 1"])
            .named("loop")
            .restart(RestartPolicy::always())
            .program(Program::ExitsAfter {
                after_ms: 2000,
                code: 1,
            }),
    ));
    lab.apply(Step::Op(Op::Start { target: t("loop") }));
    // 100 ms ticks for 5 s: the quiet stretches merge, each exit and restart is its own step.
    for _ in 0..50 {
        lab.tick(100);
    }
    let steps = &lab.session().steps;
    assert!(
        steps.len() < 2 + 50,
        "ticks were not merged: {}",
        steps.len()
    );
    assert!(steps.len() > 2 + 1, "the exits got lost in one step");
    let total: i64 = steps
        .iter()
        .map(|s| match s {
            Step::Advance { ms } => *ms,
            _ => 0,
        })
        .sum();
    assert_eq!(total, 5_000);
    assert!(lab.records().iter().any(|r| r
        .moves
        .iter()
        .any(|m| m.path.contains(&Place::State(StateKind::Restarting)))));
    let replayed = Lab::new(lab.session().clone());
    assert_eq!(every_frame(&replayed), every_frame(&lab));
    // A step the learner asked for is never merged into.
    let mut lab = Lab::new(Session::default());
    lab.apply(Step::Advance { ms: 1_000 });
    lab.tick(100);
    lab.tick(100);
    assert_eq!(
        lab.session().steps,
        vec![Step::Advance { ms: 1_000 }, Step::Advance { ms: 200 }]
    );
}

#[test]
fn waiters_return_or_give_up_at_their_virtual_deadline() {
    let mut lab = Lab::new(Session::default());
    lab.apply(create(
        CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 3"]).named("job"),
    ));
    lab.apply(Step::Op(Op::Start { target: t("job") }));
    lab.apply(Step::Exit {
        target: t("job"),
        code: 3,
    });
    let placed_at = lab.current().now;
    // not-running on an exited container: at once.
    let r = lab
        .apply(Step::Op(Op::Wait {
            target: t("job"),
            condition: WaitCondition::NotRunning,
            timeout_ms: None,
        }))
        .clone();
    assert_eq!(r.result, Ok(Done::WaitPlaced { number: 1 }));
    let w = &r.frame.waiters[0];
    assert!(w.immediate);
    assert_eq!(w.outcome.as_ref().map(|o| o.status.exit_code), Some(3));
    // next-exit on the same container: waits, then gives up at its deadline.
    lab.apply(Step::Op(Op::Wait {
        target: t("job"),
        condition: WaitCondition::NextExit,
        timeout_ms: Some(1_500),
    }));
    assert!(lab.current().waiters[1].outcome.is_none());
    assert_eq!(
        lab.next_deadline(),
        Some(placed_at.add(Duration::from_millis(1_500)))
    );
    let r = lab.apply(Step::NextDeadline).clone();
    assert_eq!(r.resolved, vec![2]);
    let o = r.frame.waiters[1]
        .outcome
        .clone()
        .unwrap_or_else(|| panic!("still waiting"));
    assert!(o.timed_out);
    assert_eq!(o.status.exit_code, -1);
    assert_eq!(o.status.error.as_deref(), Some(DEADLINE_EXCEEDED));
    assert_eq!(o.at, placed_at.add(Duration::from_millis(1_500)));
    // A waiter whose container exits before its deadline returns the exit code then.
    lab.apply(Step::Op(Op::Start { target: t("job") }));
    lab.apply(Step::Op(Op::Wait {
        target: t("job"),
        condition: WaitCondition::NextExit,
        timeout_ms: Some(60_000),
    }));
    lab.apply(Step::Advance { ms: 10_000 });
    let exited_at = lab.current().now;
    let r = lab
        .apply(Step::Op(Op::Kill {
            target: t("job"),
            signal: None,
        }))
        .clone();
    let o = r.frame.waiters[2]
        .outcome
        .clone()
        .unwrap_or_else(|| panic!("not resolved by the kill"));
    assert_eq!(
        (o.status.exit_code, o.timed_out, o.at),
        (137, false, exited_at)
    );
    // Nothing left to wait for: the next deadline is none.
    assert_eq!(lab.next_deadline(), None);
    assert_eq!(lab.apply(Step::NextDeadline).result, Ok(Done::NothingDue));
}

#[test]
fn moves_are_the_simulations_transitions() {
    let mut lab = Lab::new(Session::default());
    let r = lab
        .apply(create(
            CreateSpec::new("local/busybox:1", &["httpd", "-f"]).named("web"),
        ))
        .clone();
    assert_eq!(
        r.moves.iter().map(|m| m.path.clone()).collect::<Vec<_>>(),
        vec![vec![Place::New, Place::State(StateKind::Created)]]
    );
    lab.apply(Step::Op(Op::Start { target: t("web") }));
    // A restart of a running container goes out and back.
    let r = lab
        .apply(Step::Op(Op::Restart {
            target: t("web"),
            timeout: None,
        }))
        .clone();
    assert_eq!(
        r.moves[0].path,
        vec![
            Place::State(StateKind::Running),
            Place::State(StateKind::Exited),
            Place::State(StateKind::Running)
        ]
    );
    // Each move with its cause, as the simulation reports it.
    let causes: Vec<String> = r.transitions.iter().map(|t| t.describe()).collect();
    assert_eq!(
        causes,
        vec![
            "running → exited (143): docker restart (SIGTERM)",
            "exited → running: docker restart"
        ]
    );
    // rm -f of a running container: the daemon marks it RemovalInProgress first, then kills it,
    // so it reads running (Running outranks RemovalInProgress), then removing, never exited.
    let r = lab
        .apply(Step::Op(Op::Remove {
            target: t("web"),
            force: true,
        }))
        .clone();
    assert_eq!(
        r.moves[0].path,
        vec![
            Place::State(StateKind::Running),
            Place::State(StateKind::Removing),
            Place::Removed
        ]
    );
    assert_eq!(r.moves[0].name, "/web");
    assert_eq!(r.frame.removed.values().collect::<Vec<_>>(), vec!["/web"]);
    // A failed removal leaves the container dead, with no event at all; on the way it was
    // removing (RemovalInProgress), which the simulation's transitions show.
    lab.apply(create(
        CreateSpec::new("local/busybox:1", &["true"]).named("stuck"),
    ));
    let r = lab
        .apply(Step::FailRemoval {
            target: t("stuck"),
            message: t("device or resource busy"),
        })
        .clone();
    assert!(r.events.is_empty());
    assert_eq!(
        r.moves[0].path,
        vec![
            Place::State(StateKind::Created),
            Place::State(StateKind::Removing),
            Place::State(StateKind::Dead)
        ]
    );
}

#[test]
fn a_runaway_clock_is_cut_short_not_hung() {
    let mut lab = Lab::new(Session::default());
    lab.apply(create(
        CreateSpec::new("local/busybox:1", &["httpd", "-f"])
            .named("busy")
            .healthcheck(
                HealthConfig {
                    test: vec![t("CMD-SHELL"), t("true")],
                    interval: Duration::from_millis(1).as_nanos(),
                    ..HealthConfig::default()
                },
                Probe::Passes,
            ),
    ));
    lab.apply(Step::Op(Op::Start { target: t("busy") }));
    let r = lab.apply(Step::Advance { ms: 3_600_000 }).clone();
    match r.result {
        Ok(Done::Clock {
            cut_short,
            from,
            to,
        }) => {
            assert!(cut_short);
            assert!(to.since(from) < Duration::from_millis(MAX_TIMERS_PER_STEP as i64 + 2));
        }
        other => panic!("{other:?}"),
    }
    // Thousands of probe events; the record keeps the first few and the counts.
    assert_eq!(r.events.len(), MAX_EVENTS_KEPT);
    assert!(r.events_total > MAX_TIMERS_PER_STEP);
    assert_eq!(r.probes, MAX_TIMERS_PER_STEP);
    // Negative time is refused, as the engine refuses bad parameters.
    let r = lab.apply(Step::Advance { ms: -5 }).clone();
    assert_eq!(r.result.map_err(|e| e.status), Err(400));
}
