//! What the lab says about a step: the docker CLI command, the Engine API call, and the plain
//! account built from the step's record.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::container::HealthConfig;
use berth_core::ops::Op;
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Probe, Program};
use berth_core::time::{Duration, Time};
use berth_core::wait::WaitCondition;
use berth_web::lab::model::{Lab, Session, Step, DEFAULT_START};
use berth_web::lab::teach;
use berth_web::time_text;

fn t(s: &str) -> String {
    s.to_owned()
}

#[test]
fn every_operation_has_its_cli_command_and_api_call() {
    let cases: Vec<(Step, Option<&str>, Option<&str>)> = vec![
        (
            Step::Op(Op::Stop {
                target: t("web"),
                timeout: Some(10),
            }),
            Some("docker stop -t 10 web"),
            Some("POST /containers/web/stop?t=10"),
        ),
        (
            Step::Op(Op::Stop {
                target: t("web"),
                timeout: None,
            }),
            Some("docker stop web"),
            Some("POST /containers/web/stop"),
        ),
        (
            Step::Op(Op::Restart {
                target: t("web"),
                timeout: Some(0),
            }),
            Some("docker restart -t 0 web"),
            Some("POST /containers/web/restart?t=0"),
        ),
        (
            Step::Op(Op::Start { target: t("web") }),
            Some("docker start web"),
            Some("POST /containers/web/start"),
        ),
        (
            Step::Op(Op::Kill {
                target: t("web"),
                signal: Some(t("SIGTERM")),
            }),
            Some("docker kill -s SIGTERM web"),
            Some("POST /containers/web/kill?signal=SIGTERM"),
        ),
        (
            Step::Op(Op::Kill {
                target: t("web"),
                signal: None,
            }),
            Some("docker kill web"),
            Some("POST /containers/web/kill"),
        ),
        (
            Step::Op(Op::Pause { target: t("web") }),
            Some("docker pause web"),
            Some("POST /containers/web/pause"),
        ),
        (
            Step::Op(Op::Unpause { target: t("web") }),
            Some("docker unpause web"),
            Some("POST /containers/web/unpause"),
        ),
        (
            Step::Op(Op::Remove {
                target: t("web"),
                force: true,
            }),
            Some("docker rm -f web"),
            Some("DELETE /containers/web?force=1"),
        ),
        (
            Step::Op(Op::Remove {
                target: t("web"),
                force: false,
            }),
            Some("docker rm web"),
            Some("DELETE /containers/web"),
        ),
        (
            Step::Op(Op::Rename {
                target: t("web"),
                name: t("api"),
            }),
            Some("docker rename web api"),
            Some("POST /containers/web/rename?name=api"),
        ),
        (
            Step::Inspect { target: t("3f2a") },
            Some("docker inspect 3f2a"),
            Some("GET /containers/3f2a/json"),
        ),
        (
            Step::Op(Op::Wait {
                target: t("web"),
                condition: WaitCondition::NotRunning,
                timeout_ms: None,
            }),
            Some("docker wait web"),
            Some("POST /containers/web/wait?condition=not-running"),
        ),
        // The CLI has no flag for the other conditions: only the API.
        (
            Step::Op(Op::Wait {
                target: t("web"),
                condition: WaitCondition::NextExit,
                timeout_ms: Some(5),
            }),
            None,
            Some("POST /containers/web/wait?condition=next-exit"),
        ),
        // A reference that needs escaping, in the shell and in the URL.
        (
            Step::Op(Op::Start {
                target: t("my web"),
            }),
            Some("docker start 'my web'"),
            Some("POST /containers/my%20web/start"),
        ),
        // Things that happen on their own have neither.
        (
            Step::Exit {
                target: t("web"),
                code: 3,
            },
            None,
            None,
        ),
        (Step::Oom { target: t("web") }, None, None),
        (Step::NextDeadline, None, None),
    ];
    for (step, cli, api) in cases {
        assert_eq!(teach::cli(&step).as_deref(), cli, "{step:?}");
        assert_eq!(teach::api(&step).as_deref(), api, "{step:?}");
        assert!(!teach::label(&step).is_empty(), "{step:?}");
    }
    assert_eq!(
        teach::happening(&Step::Exit {
            target: t("web"),
            code: 3
        })
        .as_deref(),
        Some("web's process exits with code 3")
    );
}

#[test]
fn create_writes_the_options_as_flags() {
    let spec = CreateSpec {
        memory: 8 * 1024 * 1024,
        stop_timeout: Some(1),
        stop_signal: Some(t("SIGQUIT")),
        ..CreateSpec::new("local/busybox:1", &["sh", "-c", "sleep 1; exit 7"])
            .named("crash")
            .restart(RestartPolicy::on_failure(2))
            .healthcheck(
                HealthConfig {
                    test: vec![t("CMD-SHELL"), t("true")],
                    interval: Duration::from_millis(1500).as_nanos(),
                    retries: 2,
                    ..HealthConfig::default()
                },
                Probe::Passes,
            )
            .program(Program::ExitsAfter {
                after_ms: 1000,
                code: 7,
            })
    };
    assert_eq!(
        Op::Create {
            spec: Box::new(spec.clone())
        }
        .cli()
        .unwrap_or_default(),
        "docker create --name crash --network none --restart on-failure:2 -m 8m --stop-timeout 1 \
         --stop-signal SIGQUIT --health-cmd true --health-interval 1500ms --health-retries 2 \
         local/busybox:1 sh -c 'sleep 1; exit 7'"
    );
    let step = Step::Op(Op::Create {
        spec: Box::new(spec),
    });
    assert_eq!(
        teach::api(&step).as_deref(),
        Some("POST /containers/create?name=crash")
    );
    let bare = CreateSpec::new("nginx", &[]);
    assert_eq!(
        Op::Create {
            spec: Box::new(bare.clone())
        }
        .cli()
        .unwrap_or_default(),
        "docker create --network none nginx"
    );
}

#[test]
fn the_clock_reads_in_hours_minutes_seconds_and_millis() {
    let t0 = DEFAULT_START;
    assert_eq!(time_text::clock_text(t0), "09:00:00.000");
    assert_eq!(
        time_text::clock_text(t0.add(Duration::from_millis(1_100))),
        "09:00:01.100"
    );
    assert_eq!(time_text::clock_text(Time::ZERO), "never");
    assert_eq!(
        time_text::elapsed_text(t0, t0.add(Duration::from_millis(2_500))),
        "+2.500 s"
    );
    assert_eq!(
        time_text::elapsed_text(t0, t0.add(Duration::from_secs(3 * 3600 + 120))),
        "+3 h 2 min"
    );
    assert_eq!(time_text::span_text(100), "100 ms");
    assert_eq!(time_text::span_text(3 * 3_600_000), "3 hours");
}

#[test]
fn the_account_of_a_step_says_what_the_engine_did_and_decided() {
    let mut lab = Lab::new(Session::new(3, DEFAULT_START));
    lab.apply(Step::Op(Op::Create {
        spec: Box::new(
            CreateSpec::new("local/busybox:1", &["sleep", "1000"])
                .named("stubborn")
                .program(Program::IgnoresSigterm),
        ),
    }));
    lab.apply(Step::Op(Op::Start {
        target: t("stubborn"),
    }));
    let before = lab.current();
    let r = lab
        .apply(Step::Op(Op::Stop {
            target: t("stubborn"),
            timeout: Some(1),
        }))
        .clone();
    let text = teach::explain(&r, &before);
    assert!(
        text.contains("the engine sends SIGKILL at 09:00:01.000 (in 1 s)"),
        "{text}"
    );
    let before = lab.current();
    let r = lab.apply(Step::NextDeadline).clone();
    let text = teach::explain(&r, &before);
    assert!(text.contains("stubborn: running → exited."), "{text}");
    assert!(text.contains("Exit code 137: killed by SIGKILL"), "{text}");

    // A policy restart: the decision and the backoff, from the engine.
    lab.apply(Step::Op(Op::Create {
        spec: Box::new(
            CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 7"])
                .named("crash")
                .restart(RestartPolicy::on_failure(2)),
        ),
    }));
    lab.apply(Step::Op(Op::Start { target: t("crash") }));
    let before = lab.current();
    let r = lab
        .apply(Step::Exit {
            target: t("crash"),
            code: 7,
        })
        .clone();
    let text = teach::explain(&r, &before);
    assert!(text.contains("crash: running → restarting."), "{text}");
    assert!(
        text.contains("on-failure:2 → restart (restart 1 of 2) after a backoff of 100 ms"),
        "{text}"
    );

    // A refusal names the status; the message itself is shown verbatim beside it.
    let before = lab.current();
    let r = lab
        .apply(Step::Op(Op::Pause {
            target: t("stubborn"),
        }))
        .clone();
    let text = teach::explain(&r, &before);
    assert!(
        text.starts_with("The engine refused: HTTP 409 Conflict"),
        "{text}"
    );
}
