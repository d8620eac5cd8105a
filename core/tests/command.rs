//! Reading commands as the simulated engine's PID 1 runs them (`core/src/sim/command.rs`),
//! against what Engine 20.10 with busybox was seen to do.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::sim::{read_command, split_words, Program};

fn read(line: &str) -> (Program, bool) {
    let reading = read_command(&split_words(line));
    (reading.program, reading.unread.is_some())
}

fn exits(after_ms: i64, code: i64) -> (Program, bool) {
    (Program::ExitsIgnoringSignals { after_ms, code }, false)
}

#[test]
fn commands_split_as_a_shell_would() {
    assert_eq!(
        split_words("sh -c 'sleep 1; exit 7'"),
        vec!["sh", "-c", "sleep 1; exit 7"]
    );
    assert_eq!(
        split_words(r#"  echo "a \"b\"" c\ d  "#),
        vec!["echo", "a \"b\"", "c d"]
    );
    assert_eq!(split_words("''"), vec![""]);
    assert!(split_words("   ").is_empty());
    // An unclosed quote keeps what it has (never panics on what a learner types).
    assert_eq!(split_words("sh -c 'exit"), vec!["sh", "-c", "exit"]);
}

#[test]
fn sleep_exits_after_its_durations_and_ignores_sigterm() {
    assert_eq!(read("sleep 30"), exits(30_000, 0));
    assert_eq!(read("/bin/sleep 0.5"), exits(500, 0));
    assert_eq!(read("sleep 1m 2s"), exits(62_000, 0));
    assert_eq!(read("sleep 1h"), exits(3_600_000, 0));
    assert_eq!(read("sleep infinity"), (Program::IgnoresSigterm, false));
    // busybox: "sleep: invalid number 'x'", exit 1; no operand is a usage error, exit 1.
    assert_eq!(read("sleep x"), exits(0, 1));
    assert_eq!(read("sleep"), exits(0, 1));
    assert_eq!(read("sleep -5"), exits(0, 1));
}

#[test]
fn shells_and_readers_of_stdin_exit_at_once() {
    // No stdin without -i: sh and cat read end-of-file and exit 0 (Engine 20.10: Exited (0)).
    assert_eq!(
        read_command(&[]).program,
        Program::ExitsIgnoringSignals {
            after_ms: 0,
            code: 0
        }
    );
    assert_eq!(read("sh"), exits(0, 0));
    assert_eq!(read("/bin/sh"), exits(0, 0));
    assert_eq!(read("cat"), exits(0, 0));
    assert_eq!(read("true"), exits(0, 0));
    assert_eq!(read("false"), exits(0, 1));
    assert_eq!(read("echo hello"), exits(0, 0));
}

#[test]
fn top_ends_on_sigterm() {
    // Engine 20.10: `docker stop -t 1` of busybox top answers at once, Exited (143).
    assert_eq!(read("top"), (Program::RunsForever, false));
    assert_eq!(read("sh -c top"), (Program::RunsForever, false));
}

#[test]
fn scripts_add_up_their_sleeps_and_end_with_exit() {
    assert_eq!(read("sh -c 'sleep 1; exit 3'"), exits(1_000, 3));
    assert_eq!(read("sh -c 'exit 7'"), exits(0, 7));
    assert_eq!(read("sh -c 'exit 300'"), exits(0, 44));
    assert_eq!(read("sh -c 'sleep 2 && false'"), exits(2_000, 1));
    assert_eq!(read("sh -c 'false || exit 4'"), exits(0, 4));
    assert_eq!(read("sh -c 'false && sleep 9; exit'"), exits(0, 1));
    assert_eq!(read("sh -c 'echo hi; sleep 0.25\nexit 2'"), exits(250, 2));
    assert_eq!(read("sh -c 'trap \"\" TERM; sleep 5'"), exits(5_000, 0));
    // sh as PID 1 ignores SIGTERM (Engine 20.10: `sh -c 'sleep 300'` stops with 137).
    assert_eq!(read("sh -c 'sleep 300'"), exits(300_000, 0));
    assert_eq!(read("sh -c 'sleep inf'"), (Program::IgnoresSigterm, false));
    assert_eq!(
        read("sh -c 'echo a; sleep infinity'"),
        (Program::IgnoresSigterm, false)
    );
}

#[test]
fn the_memory_hog_is_killed_for_memory_under_a_limit() {
    // scripts/record-engine.sh's OOM case: Engine 20.10 killed it 83 ms into its run under -m 8m.
    for line in [
        "sh -c 'x=a; while true; do x=$x$x; done'",
        "sh -c 'buf=0;  while :; do buf=$buf$buf; done;'",
    ] {
        assert_eq!(
            read(line),
            (Program::AllocatesMemory { after_ms: 80 }, false),
            "{line}"
        );
    }
    assert!(
        read("sh -c 'x=a; while true; do x=$x; done'").1,
        "not a hog: not read"
    );
}

#[test]
fn what_is_not_read_says_so_and_runs_until_stopped() {
    for line in [
        "nginx -g 'daemon off;'",
        "sh -c 'while true; do sleep 1; done'",
        "sh -c 'sleep 1 | cat'",
        "sh -c 'echo $HOME'",
        "sh -c 'trap \"exit 0\" TERM; sleep 9'",
        "sh -c 'exit x'",
        "sh script.sh",
        "cat /etc/hosts",
    ] {
        let reading = read_command(&split_words(line));
        assert_eq!(reading.program, Program::RunsForever, "{line}");
        let why = reading.unread.unwrap_or_default();
        assert!(why.contains("runs until it is stopped"), "{line}: {why}");
    }
}

mod create_request {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use berth_core::errdefs::ErrorKind;
    use berth_core::ops::Op;
    use berth_core::restart::RestartPolicy;
    use berth_core::sim::{CreateSpec, Probe, Program, UNREAD_LABEL};

    /// What `docker run -d --name web --network none --restart on-failure:3 -e A=1
    /// local/busybox:1 sleep 30` sends (CLI 20.10), trimmed of its zero fields.
    const CLI_BODY: &str = r#"{"Hostname":"","Domainname":"","User":"","AttachStdin":false,
        "AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,
        "Env":["A=1"],"Cmd":["sleep","30"],"Image":"local/busybox:1","Volumes":{},"WorkingDir":"",
        "Entrypoint":null,"OnBuild":null,"Labels":{},
        "HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},
        "NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"on-failure",
        "MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,
        "Mounts":null,"Memory":0},"NetworkingConfig":{"EndpointsConfig":{}}}"#;

    #[test]
    fn the_clis_body_reads_as_a_spec() {
        let spec = CreateSpec::from_create_request(Some("web"), CLI_BODY.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.name.as_deref(), Some("web"));
        assert_eq!(spec.image, "local/busybox:1");
        assert_eq!(spec.cmd, ["sleep", "30"]);
        assert_eq!(spec.env, ["A=1"]);
        assert_eq!(spec.restart, RestartPolicy::on_failure(3));
        assert_eq!(
            spec.program,
            Program::ExitsIgnoringSignals {
                after_ms: 30_000,
                code: 0
            }
        );
        assert!(spec.labels.is_empty());
    }

    #[test]
    fn a_spec_survives_its_own_request() {
        let mut spec = CreateSpec::new("local/busybox:1", &["sh", "-c", "sleep 2; exit 3"])
            .named("job")
            .restart(RestartPolicy::always());
        spec.program = Program::ExitsIgnoringSignals {
            after_ms: 2_000,
            code: 3,
        };
        spec.env = vec!["A=1".into(), "B".into()];
        spec.hostname = "h".into();
        spec.domainname = "example.org".into();
        spec.binds = Some(vec!["/srv:/srv:ro".into()]);
        spec.memory = 64 << 20;
        spec.stop_timeout = Some(3);
        spec.stop_signal = Some("SIGINT".into());
        spec.labels.insert("team".into(), "a".into());
        let request = Op::Create {
            spec: Box::new(spec.clone()),
        }
        .request();
        let body = serde_json::to_vec(&request.body).unwrap_or_default();
        let back = CreateSpec::from_create_request(spec.name.as_deref(), &body)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, spec);
    }

    #[test]
    fn health_checks_read_as_probes_and_unread_parts_are_labelled() {
        let body = |cmd: &str, health: &str| {
            format!(
                r#"{{"Image":"x","Cmd":{cmd},"Healthcheck":{{"Test":{health},"Interval":1000000000}}}}"#
            )
        };
        let read = |cmd: &str, health: &str| {
            CreateSpec::from_create_request(None, body(cmd, health).as_bytes())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(
            read(r#"["top"]"#, r#"["CMD-SHELL","true"]"#).probe,
            Probe::Passes
        );
        assert_eq!(read(r#"["top"]"#, r#"["CMD","false"]"#).probe, Probe::Fails);
        assert_eq!(
            read(r#"["top"]"#, r#"["CMD-SHELL","exit 2"]"#).probe,
            Probe::Fails
        );
        let spec = read(r#"["nginx"]"#, r#"["CMD-SHELL","curl -f localhost"]"#);
        assert_eq!(spec.probe, Probe::Passes);
        assert_eq!(spec.program, Program::RunsForever);
        let said = spec.labels.get(UNREAD_LABEL).cloned().unwrap_or_default();
        assert!(said.contains("`nginx`"), "{said}");
        assert!(said.contains("`sh -c curl -f localhost`"), "{said}");
    }

    #[test]
    fn what_is_not_simulated_is_refused_with_501() {
        for body in [
            r#"{"Image":"x","OpenStdin":true}"#,
            r#"{"Image":"x","HostConfig":{"NetworkMode":"host"}}"#,
            r#"{"Image":"x","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}"#,
            r#"{"Image":"x","HostConfig":{"Mounts":[{"Type":"volume","Target":"/d"}]}}"#,
        ] {
            let err = CreateSpec::from_create_request(None, body.as_bytes())
                .err()
                .unwrap_or_else(|| panic!("{body} was accepted"));
            assert_eq!(
                (err.status, err.kind),
                (501, ErrorKind::NotImplemented),
                "{body}"
            );
            assert!(err.message.contains("does not simulate"), "{}", err.message);
        }
        for body in ["", "{", "[1]"] {
            let err = CreateSpec::from_create_request(None, body.as_bytes())
                .err()
                .unwrap_or_else(|| panic!("{body} was accepted"));
            assert_eq!(err.status, 400, "{body}");
        }
    }
}

mod output {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use berth_core::sim::{read_command, split_words, Printed};

    fn printed(line: &str) -> Vec<(i64, bool, String)> {
        let reading = read_command(&split_words(line));
        assert_eq!(reading.unread, None, "{line}");
        reading
            .output
            .into_iter()
            .map(
                |Printed {
                     at_ms,
                     stderr,
                     text,
                 }| (at_ms, stderr, text),
            )
            .collect()
    }

    fn out(at_ms: i64, text: &str) -> (i64, bool, String) {
        (at_ms, false, text.to_owned())
    }

    /// What Engine 20.10 printed for the same commands (busybox as PID 1).
    #[test]
    fn echo_and_printf_print_as_busybox_does() {
        assert_eq!(printed("echo hello"), [out(0, "hello\n")]);
        assert_eq!(printed("echo -n z"), [out(0, "z")]);
        assert_eq!(printed("echo -e 'a\\tb'"), [out(0, "a\tb\n")]);
        assert_eq!(printed("sh -c 'echo \"a\\tb\"'"), [out(0, "a\\tb\n")]);
        assert_eq!(
            printed(
                r#"sh -c 'echo a; sleep 0.3; echo "b  c"; printf "%s-%d\n" x 5 y 6; echo -n z; exit 2'"#
            ),
            [
                out(0, "a\n"),
                out(300, "b  c\n"),
                out(300, "x-5\ny-6\n"),
                out(300, "z"),
            ]
        );
        assert_eq!(
            printed("sleep x"),
            [(0, true, "sleep: invalid number 'x'\n".to_owned())]
        );
        assert!(printed("sleep 1").is_empty());
    }

    #[test]
    fn output_beyond_what_is_read_is_not_guessed() {
        for line in ["echo -e '\\x41'", "printf '%5s' a", "sh -c 'echo a >&2'"] {
            let reading = read_command(&split_words(line));
            assert!(reading.unread.is_some(), "{line}");
            assert!(reading.output.is_empty(), "{line}");
        }
    }
}

mod logs {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use berth_core::sim::{CreateSpec, Sim};
    use berth_core::time::{Duration, Time};

    #[test]
    fn each_run_prints_what_comes_before_its_end() {
        let t0 = Time::from_unix_secs(1_700_000_000);
        let mut sim = Sim::new(t0, 1);
        let body = r#"{"Image":"local/busybox:1","Cmd":["sh","-c","echo a; sleep 1; echo b"]}"#;
        let spec = CreateSpec::from_create_request(Some("job"), body.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        sim.create(spec).unwrap_or_else(|e| panic!("{e}"));
        assert!(sim.logs("job").unwrap_or_default().is_empty());
        sim.start("job").unwrap_or_else(|e| panic!("{e}"));
        sim.advance_by(Duration::from_millis(500));
        // SIGKILL half-way: the second line is never printed.
        sim.kill("job", None).unwrap_or_else(|e| panic!("{e}"));
        let texts = |sim: &Sim| -> Vec<(i64, String)> {
            sim.logs("job")
                .unwrap_or_default()
                .into_iter()
                .map(|l| (l.time.since(t0).as_millis(), l.text))
                .collect()
        };
        assert_eq!(texts(&sim), [(0, "a\n".to_owned())]);
        sim.advance_by(Duration::from_millis(500));
        sim.start("job").unwrap_or_else(|e| panic!("{e}"));
        sim.advance_by(Duration::from_millis(2_000));
        assert_eq!(
            texts(&sim),
            [
                (0, "a\n".to_owned()),
                (1_000, "a\n".to_owned()),
                (2_000, "b\n".to_owned())
            ]
        );
        assert!(sim.logs("nope").is_err());
    }
}
