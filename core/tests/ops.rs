//! The operations as one type (`core/src/ops.rs`): each one's `docker` CLI spelling and Engine
//! API request, its JSON form (the lab's session format), and the simulated engine carrying it
//! out through `Sim::apply` exactly as through the per-operation methods. `docker update
//! --restart` against what Engine 20.10 answered.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::actions::Action;
use berth_core::ops::{shell_word, url_part, Op};
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Outcome, Reply, Sim};
use berth_core::time::{Duration, Time};
use berth_core::wait::WaitCondition;
use berth_core::ErrorKind;

fn t(s: &str) -> String {
    s.to_owned()
}

/// Every operation: its CLI line, its request line, and its JSON form.
#[test]
fn each_operation_in_the_cli_the_api_and_json() {
    let spec = CreateSpec::new("local/busybox:1", &["sh", "-c", "exit 3"])
        .named("job")
        .restart(RestartPolicy::on_failure(2));
    let cases: Vec<(Op, Option<&str>, &str, &str)> = vec![
        (
            Op::Create {
                spec: Box::new(spec),
            },
            Some(
                "docker create --name job --network none --restart on-failure:2 local/busybox:1 \
                 sh -c 'exit 3'",
            ),
            "POST /containers/create?name=job",
            "create",
        ),
        (
            Op::Start { target: t("web") },
            Some("docker start web"),
            "POST /containers/web/start",
            "start",
        ),
        (
            Op::Stop {
                target: t("web"),
                timeout: Some(1),
            },
            Some("docker stop -t 1 web"),
            "POST /containers/web/stop?t=1",
            "stop",
        ),
        (
            Op::Stop {
                target: t("web"),
                timeout: None,
            },
            Some("docker stop web"),
            "POST /containers/web/stop",
            "stop",
        ),
        (
            Op::Restart {
                target: t("web"),
                timeout: Some(0),
            },
            Some("docker restart -t 0 web"),
            "POST /containers/web/restart?t=0",
            "restart",
        ),
        (
            Op::Kill {
                target: t("web"),
                signal: Some(t("HUP")),
            },
            Some("docker kill -s HUP web"),
            "POST /containers/web/kill?signal=HUP",
            "kill",
        ),
        (
            Op::Kill {
                target: t("web"),
                signal: None,
            },
            Some("docker kill web"),
            "POST /containers/web/kill",
            "kill",
        ),
        (
            Op::Pause { target: t("web") },
            Some("docker pause web"),
            "POST /containers/web/pause",
            "pause",
        ),
        (
            Op::Unpause { target: t("web") },
            Some("docker unpause web"),
            "POST /containers/web/unpause",
            "unpause",
        ),
        (
            Op::Remove {
                target: t("web"),
                force: false,
            },
            Some("docker rm web"),
            "DELETE /containers/web",
            "remove",
        ),
        (
            Op::Remove {
                target: t("web"),
                force: true,
            },
            Some("docker rm -f web"),
            "DELETE /containers/web?force=1",
            "remove",
        ),
        (
            Op::Rename {
                target: t("web"),
                name: t("my web"),
            },
            Some("docker rename web 'my web'"),
            "POST /containers/web/rename?name=my%20web",
            "rename",
        ),
        (
            Op::Wait {
                target: t("web"),
                condition: WaitCondition::NotRunning,
                timeout_ms: Some(2_000),
            },
            Some("docker wait web"),
            "POST /containers/web/wait?condition=not-running",
            "wait",
        ),
        (
            Op::Wait {
                target: t("web"),
                condition: WaitCondition::Removed,
                timeout_ms: None,
            },
            None,
            "POST /containers/web/wait?condition=removed",
            "wait",
        ),
        (
            Op::Update {
                target: t("web"),
                restart: RestartPolicy::unless_stopped(),
            },
            Some("docker update --restart unless-stopped web"),
            "POST /containers/web/update",
            "update",
        ),
    ];
    for (op, cli, request, tag) in cases {
        assert_eq!(op.cli().as_deref(), cli, "{op:?}");
        assert_eq!(op.request().to_string(), request, "{op:?}");
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["op"], tag, "{op:?}");
        let back: Op = serde_json::from_value(json).unwrap();
        assert_eq!(back, op, "JSON round trip");
    }
}

#[test]
fn bodies_are_the_engine_apis() {
    let spec = CreateSpec::new("local/busybox:1", &["sleep", "1000"])
        .named("web")
        .restart(RestartPolicy::always());
    let body = Op::Create {
        spec: Box::new(spec),
    }
    .request()
    .body
    .unwrap();
    assert_eq!(body["Image"], "local/busybox:1");
    assert_eq!(body["Cmd"], serde_json::json!(["sleep", "1000"]));
    assert_eq!(body["HostConfig"]["NetworkMode"], "none");
    assert_eq!(
        body["HostConfig"]["RestartPolicy"],
        serde_json::json!({"Name": "always", "MaximumRetryCount": 0})
    );
    let update = Op::Update {
        target: t("web"),
        restart: RestartPolicy::on_failure(3),
    }
    .request();
    assert_eq!(
        update.body,
        Some(serde_json::json!({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}))
    );
    assert!(Op::Start { target: t("web") }.request().body.is_none());
    // `no` is spelled out: an empty name would leave the policy as it was (Engine 20.10).
    let to_no = Op::Update {
        target: t("web"),
        restart: RestartPolicy::no(),
    };
    assert_eq!(
        to_no.request().body,
        Some(serde_json::json!({"RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}}))
    );
    assert_eq!(
        to_no.cli().as_deref(),
        Some("docker update --restart no web")
    );
}

#[test]
fn every_action_is_an_operation_and_back() {
    for a in Action::ALL {
        let op = Op::of_action(a, "web");
        assert_eq!(op.action(), Some(a));
        assert_eq!(op.target(), Some("web"));
        let cli = op.cli().unwrap();
        assert_eq!(cli, format!("docker {} web", a.cli_words()));
    }
    assert_eq!(
        Op::Rename {
            target: t("a"),
            name: t("b")
        }
        .action(),
        None
    );
}

#[test]
fn words_and_url_parts_are_quoted() {
    assert_eq!(shell_word("plain-1.0"), "plain-1.0");
    assert_eq!(shell_word(""), "''");
    assert_eq!(shell_word("it's"), r"'it'\''s'");
    assert_eq!(url_part("a b/c?d"), "a%20b%2Fc%3Fd");
    assert_eq!(url_part("SIGHUP"), "SIGHUP");
}

/// A session of operations carried out twice, through `Sim::apply` and through the
/// per-operation methods, gives the same answers, events and transitions.
#[test]
fn apply_is_the_operations_themselves() {
    let start = Time::from_unix_secs(1_795_942_800);
    let spec = CreateSpec::new("local/busybox:1", &["sleep", "1000"]).named("web");
    let ops = vec![
        Op::Create {
            spec: Box::new(spec.clone()),
        },
        Op::Start { target: t("web") },
        Op::Pause { target: t("web") },
        Op::Start { target: t("web") },
        Op::Unpause { target: t("web") },
        Op::Kill {
            target: t("web"),
            signal: Some(t("HUP")),
        },
        Op::Rename {
            target: t("web"),
            name: t("api"),
        },
        Op::Update {
            target: t("api"),
            restart: RestartPolicy::always(),
        },
        Op::Stop {
            target: t("api"),
            timeout: Some(1),
        },
        Op::Restart {
            target: t("api"),
            timeout: None,
        },
        Op::Remove {
            target: t("api"),
            force: true,
        },
        Op::Start { target: t("api") },
    ];
    let mut by_apply = Sim::new(start, 9);
    let mut by_method = Sim::new(start, 9);
    for op in &ops {
        let a = by_apply.apply(op).map(|r| match r {
            Reply::Created(id) => format!("created {id}"),
            Reply::Outcome(o) => format!("{o:?}"),
            Reply::Waiting(_) => "waiting".to_owned(),
        });
        let b = match op {
            Op::Create { spec } => by_method
                .create((**spec).clone())
                .map(|id| format!("created {id}")),
            Op::Start { target } => by_method.start(target).map(|o| format!("{o:?}")),
            Op::Stop { target, timeout } => {
                by_method.stop(target, *timeout).map(|o| format!("{o:?}"))
            }
            Op::Restart { target, timeout } => by_method
                .restart(target, *timeout)
                .map(|o| format!("{o:?}")),
            Op::Kill { target, signal } => by_method
                .kill(target, signal.as_deref())
                .map(|o| format!("{o:?}")),
            Op::Pause { target } => by_method.pause(target).map(|o| format!("{o:?}")),
            Op::Unpause { target } => by_method.unpause(target).map(|o| format!("{o:?}")),
            Op::Remove { target, force } => {
                by_method.remove(target, *force).map(|o| format!("{o:?}"))
            }
            Op::Rename { target, name } => by_method.rename(target, name).map(|o| format!("{o:?}")),
            Op::Update { target, restart } => by_method
                .update(target, restart.clone())
                .map(|o| format!("{o:?}")),
            Op::Wait {
                target, condition, ..
            } => by_method
                .wait(target, *condition)
                .map(|_| "waiting".to_owned()),
        };
        assert_eq!(a, b, "{op:?}");
        let later = by_apply.now().add(Duration::from_secs(2));
        by_apply.advance_to(later);
        by_method.advance_to(later);
    }
    assert_eq!(by_apply.drain_events(), by_method.drain_events());
    assert_eq!(by_apply.drain_transitions(), by_method.drain_transitions());
}

/// `docker update --restart`: the policy takes effect at the next exit, with an `update` event;
/// on a `--rm` container it is refused with the engine's 409 and words (Engine 20.10:
/// `Cannot update container <id>: Restart policy cannot be updated because AutoRemove is
/// enabled for the container`).
#[test]
fn update_sets_the_restart_policy_as_the_engine_does() {
    let mut sim = Sim::new(Time::from_unix_secs(1_795_942_800), 3);
    let id = sim
        .create(CreateSpec::new("local/busybox:1", &["sleep", "1000"]).named("job"))
        .unwrap();
    sim.drain_events();
    let reply = sim.apply(&Op::Update {
        target: t("job"),
        restart: RestartPolicy::on_failure(2),
    });
    assert!(matches!(reply, Ok(Reply::Outcome(Outcome::Done))));
    let events = sim.drain_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].verb(), "update");
    assert_eq!(events[0].attribute("name"), Some("job"));
    let c = sim.inspect("job").unwrap();
    assert_eq!(c.host_config.restart_policy, RestartPolicy::on_failure(2));

    // It now restarts on a failure.
    sim.start("job").unwrap();
    sim.process_exit("job", 3).unwrap();
    assert_eq!(
        sim.inspect("job").unwrap().state.state_string(),
        "restarting"
    );

    let rm = sim
        .create(
            CreateSpec {
                auto_remove: true,
                ..CreateSpec::new("local/busybox:1", &["sleep", "1000"])
            }
            .named("rm"),
        )
        .unwrap();
    let err = sim
        .update("rm", RestartPolicy::always())
        .expect_err("a --rm container keeps the policy no");
    assert_eq!(err.status, 409);
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(
        err.message,
        format!(
            "Cannot update container {rm}: Restart policy cannot be updated because AutoRemove \
             is enabled for the container"
        )
    );
    assert_ne!(rm, id);
    // Back to no: the policy reads `no`, as the engine's does after `docker update --restart no`.
    sim.update("job", RestartPolicy::no()).unwrap();
    assert_eq!(
        sim.inspect("job").unwrap().host_config.restart_policy.name,
        "no"
    );
    assert!(sim.update("nope", RestartPolicy::always()).is_err());
}

/// Decodes `%XX` in a query value or path segment as the server's router does.
fn decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], s.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[test]
fn each_request_reads_back_as_its_operation() {
    let ops = [
        Op::Start { target: t("a b") },
        Op::Stop {
            target: t("web"),
            timeout: Some(3),
        },
        Op::Stop {
            target: t("web"),
            timeout: None,
        },
        Op::Restart {
            target: t("web"),
            timeout: Some(-1),
        },
        Op::Kill {
            target: t("web"),
            signal: Some(t("SIGHUP")),
        },
        Op::Kill {
            target: t("web"),
            signal: None,
        },
        Op::Pause { target: t("web") },
        Op::Unpause { target: t("web") },
        Op::Remove {
            target: t("web"),
            force: true,
        },
        Op::Remove {
            target: t("web"),
            force: false,
        },
        Op::Rename {
            target: t("web"),
            name: t("new/name"),
        },
        Op::Wait {
            target: t("web"),
            condition: WaitCondition::NextExit,
            timeout_ms: None,
        },
    ];
    for op in ops {
        let request = op.request();
        let segments: Vec<&str> = request.path.split('/').collect();
        let (target, verb) = match segments.as_slice() {
            ["", "containers", target] => (decoded(target), ""),
            ["", "containers", target, verb] => (decoded(target), *verb),
            other => panic!("{other:?}"),
        };
        let query = request
            .query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let back = Op::from_request(request.method, &target, verb, &query);
        assert_eq!(back, Ok(op), "{request}");
    }
}

#[test]
fn requests_the_engine_refuses() {
    let q = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let refused = |method, verb, query| {
        Op::from_request(method, "web", verb, &query)
            .err()
            .map(|e| (e.kind, e.message))
    };
    assert_eq!(
        refused("POST", "stop", q(&[("t", "soon")])),
        Some((
            ErrorKind::InvalidParameter,
            t(r#"invalid value for t: strconv.Atoi: parsing "soon": invalid syntax"#)
        ))
    );
    assert_eq!(
        refused("POST", "rename", q(&[])),
        Some((
            ErrorKind::InvalidParameter,
            t("Neither old nor new names may be empty")
        ))
    );
    assert_eq!(
        refused("POST", "wait", q(&[("condition", "later")])).map(|e| e.0),
        Some(ErrorKind::InvalidParameter)
    );
    assert_eq!(
        refused("POST", "frobnicate", q(&[])),
        Some((ErrorKind::NotFound, t("page not found")))
    );
    assert_eq!(
        refused("GET", "stop", q(&[])).map(|e| e.0),
        Some(ErrorKind::NotFound)
    );
}

#[test]
fn bool_values_as_the_engine_reads_them() {
    use berth_core::ops::bool_value;
    for v in [
        None,
        Some(""),
        Some("0"),
        Some("no"),
        Some("FALSE"),
        Some(" none "),
    ] {
        assert!(!bool_value(v), "{v:?}");
    }
    for v in [Some("1"), Some("true"), Some("yes"), Some("x")] {
        assert!(bool_value(v), "{v:?}");
    }
}
