//! The real `docker` CLI against berth's simulated engine through its Engine API
//! (`adapter/src/engine_api/`), side by side with a private real dockerd: the same scenario on
//! both, and every command's exit code, output and error compared, with what must differ
//! (IDs, times) masked.

use berth_tests::engine_api::{newer_cli, Cli, CliRun, SimEngineApi};
use berth_tests::{skip_unless, EngineApi, Need, PrivateDaemon, IMAGE};
use hyper::Method;

/// IDs, times and durations masked, so two engines' outputs compare.
fn masked(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut words: Vec<String> = Vec::new();
        for word in line.split(' ') {
            let hex = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let is_id = hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit());
            words.push(if is_id {
                word.replace(hex, "<id>")
            } else {
                word.to_owned()
            });
        }
        out.push_str(&mask_times(&words.join(" ")));
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// `Up 3 seconds`, `Exited (0) 2 seconds ago`, RFC 3339 times and pids, masked.
fn mask_times(line: &str) -> String {
    let line = &line
        .split(' ')
        .map(|w| {
            let t = w.len() > 20 && w.as_bytes().get(10) == Some(&b'T') && w.ends_with('Z');
            if t && w[..4].chars().all(|c| c.is_ascii_digit()) {
                "<time>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = line.to_owned();
    for unit in ["Less than a second", "About a minute", "About an hour"] {
        s = s.replace(unit, "<t>");
    }
    let words: Vec<&str> = s.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next = words.get(i + 1).copied().unwrap_or_default();
        if w.chars().all(|c| c.is_ascii_digit())
            && !w.is_empty()
            && ["second", "seconds", "minute", "minutes", "hours"].contains(&next)
        {
            out.push("<t>".to_owned());
            i += 2;
            continue;
        }
        out.push(w.to_owned());
        i += 1;
    }
    let mut s = mask_json_times(&out.join(" "));
    if let Some(start) = s.find("\"Pid\":").map(|i| i + 6) {
        let end = s[start..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(s.len(), |e| start + e);
        if &s[start..end] != "0" {
            s.replace_range(start..end, "<pid>");
        }
    }
    s
}

/// `"StartedAt":"2026-…Z"` → `"StartedAt":"<time>"`; the zero time (`0001-01-01…`) is kept
/// apart as `<zero>`, since whether a time is set is part of the state.
fn mask_json_times(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    loop {
        let next = ["\"StartedAt\":\"", "\"FinishedAt\":\""]
            .iter()
            .filter_map(|key| rest.find(key).map(|i| i + key.len()))
            .min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        let end = rest[start..].find('"').map_or(rest.len(), |e| start + e);
        out.push_str(&rest[..start]);
        out.push_str(if rest[start..end].starts_with("0001-") {
            "<zero>"
        } else {
            "<time>"
        });
        rest = &rest[end..];
    }
}

/// One step of a scenario: the command, and a pause after it (for processes to exit).
struct Step {
    args: Vec<String>,
    pause_ms: u64,
}

fn step(line: &str) -> Step {
    Step {
        args: berth_core::sim::split_words(&line.replace("IMAGE", IMAGE)),
        pause_ms: 0,
    }
}

fn pause(ms: u64) -> Step {
    Step {
        args: Vec::new(),
        pause_ms: ms,
    }
}

/// Runs `steps` with `cli`: each command's outcome, masked.
fn play(cli: &Cli, steps: &[Step]) -> Vec<(String, CliRun)> {
    let mut out = Vec::new();
    for s in steps {
        if s.args.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(s.pause_ms));
            continue;
        }
        let args: Vec<&str> = s.args.iter().map(String::as_str).collect();
        let run = cli.run(&args);
        out.push((
            s.args.join(" "),
            CliRun {
                code: run.code,
                stdout: masked(&run.stdout),
                stderr: masked(&run.stderr),
            },
        ));
    }
    out
}

/// The first scenario of issue 23: `docker run -d`, `docker ps -a`, `docker stop`, `docker
/// kill`, `docker rm`, `docker inspect`, with the engine's refusals.
fn lifecycle() -> Vec<Step> {
    vec![
        step("run -d --name sleeper --network none IMAGE sleep 300"),
        step("run -d --name quick --network none IMAGE sh -c 'sleep 0.2; exit 3'"),
        step("run -d --name shell --network none IMAGE"),
        step("create --name made --network none IMAGE top"),
        step("run -d --name topper --network none IMAGE top"),
        step("images --format '{{.Repository}}:{{.Tag}} {{.Size}}'"),
        step("image inspect --format '{{.Os}} {{json .RepoTags}} {{json .Config.Cmd}}' IMAGE"),
        step("image inspect nope"),
        pause(1500),
        step("ps -a --format '{{.Names}} {{.State}} {{.Status}} {{.Command}} {{.Image}}'"),
        step("ps --format '{{.Names}}'"),
        step("ps -a --filter status=exited --format '{{.Names}}'"),
        step("ps -a --filter name=shell --filter name=quick --format '{{.Names}}'"),
        step("ps -a -n 2 --format '{{.Names}}'"),
        step("ps -a -s --format '{{.Names}} {{.Size}}'"),
        step("inspect --format '{{json .State}}' quick"),
        step("inspect --format '{{.Path}} {{json .Args}} {{.Config.Hostname | len}} {{json .HostConfig.RestartPolicy}}' quick"),
        step("stop -t 1 sleeper"),
        step("stop -t 1 topper"),
        step("stop shell"),
        step("kill shell"),
        step("start made"),
        step("kill -s BOGUS made"),
        step("rm made"),
        step("rm -f made"),
        step("run -d --name quick --network none IMAGE true"),
        step("stop nope"),
        step("rm nope"),
        step("inspect nope"),
        step("ps -a --filter exited=3 --filter status=exited --format '{{.Names}}'"),
        pause(300),
        step("ps -a --format '{{.Names}} {{.State}} {{.Status}}'"),
        step("inspect --format '{{json .State}}' sleeper topper"),
        // `--until 0s` is the CLI's now in whole seconds: let the second of the last event end.
        pause(1100),
        step("events --since 1h --until 0s --filter container=sleeper --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}} {{.Actor.Attributes.signal}}'"),
        step("events --since 1h --until 0s --filter event=die --filter container=sleeper --filter container=topper --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'"),
        step("events --since 1h --until 0s --filter type=network --filter container=topper --format '{{.Action}}'"),
        step("events --since 1h --until 0s --filter colour=red --filter container=sleeper --format '{{.Action}}'"),
        step("rm sleeper topper shell quick"),
        step("ps -a --format '{{.Names}}'"),
        // In the foreground: the output through the attached connection, the exit code.
        step("run --rm --network none IMAGE echo hello"),
        step(r#"run --name fg --network none IMAGE sh -c 'echo a; sleep 0.3; echo "b  c"; printf "%s-%d\n" x 5 y 6; echo -n z; exit 2'"#),
        step("run --name bad --network none IMAGE sleep x"),
        step("logs fg"),
        step("logs --tail 2 fg"),
        step("logs -t fg"),
        step("logs bad"),
        step("logs -f fg"),
        step("run -d --name later --network none IMAGE sh -c 'echo x; sleep 0.5; echo y'"),
        step("logs -f later"),
        // The engine ends `logs -f` when the output closes, a moment before it records the
        // exit: wait for both.
        pause(300),
        step("ps -a --format '{{.Names}} {{.Status}}'"),
        pause(1100),
        step("events --since 1h --until 0s --filter container=fg --format '{{.Status}} {{.ID | len}} {{.From}} {{.Type}} {{.Action}}'"),
        step("rm fg bad later"),
        // Pause, rename, restart, update, wait, and a restart policy that gives up.
        step("run -d --name p1 --network none IMAGE sleep 300"),
        step("pause p1"),
        step("pause p1"),
        step("ps --format '{{.Names}} {{.Status}}'"),
        step("stop p1"),
        step("unpause p1"),
        step("rename p1 p2"),
        step("rename p2 p2"),
        step("restart -t 1 p2"),
        step("update --restart always p2"),
        step("update --restart on-failure:3 p2"),
        step("inspect --format '{{.Name}} {{.State.Status}} {{json .HostConfig.RestartPolicy}}' p2"),
        step("update -m 64m p2"),
        step("run -d --name w1 --network none IMAGE sh -c 'sleep 0.2; exit 4'"),
        step("wait w1"),
        step("run -d --name crash --restart on-failure:2 --network none IMAGE sh -c 'exit 1'"),
        pause(2500),
        step("inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' crash"),
        step("ps -a --format '{{.Names}} {{.State}} {{.Status}}'"),
        step("rm -f p2"),
        step("create --name keep --label keep=1 --network none IMAGE true"),
        step("run -d --name up --network none IMAGE sleep 300"),
        step("container prune -f --filter label!=keep"),
        step("container prune -f --filter until=1h"),
        step("container prune -f --filter colour=red"),
        step("ps -a --format '{{.Names}} {{.State}}'"),
        step("container prune -f"),
        step("ps -a --format '{{.Names}} {{.State}}'"),
        step("rm -f up"),
        // A memory hog under -m: killed for memory.
        step("run -d --name oom -m 8m --network none IMAGE sh -c 'x=a; while true; do x=$x$x; done'"),
        pause(1100),
        step("inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' oom"),
        step("events --since 1h --until 0s --filter container=oom --format '{{.Action}} {{.Actor.Attributes.exitCode}}'"),
        step("rm oom"),
    ]
}

#[test]
fn the_docker_cli_drives_the_simulated_engine_as_it_drives_dockerd() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    let daemon = PrivateDaemon::start();
    let sim = SimEngineApi::start(1.0);
    compare(&daemon.cli(), &sim.cli());
}

/// The same with a newer CLI, when the machine has one (it negotiates API 1.41 with both).
#[test]
fn a_newer_docker_cli_drives_it_as_it_drives_dockerd() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    let Some(newer) = newer_cli() else {
        eprintln!("no newer docker CLI at /usr/local/bin/docker: nothing more to compare");
        return;
    };
    let daemon = PrivateDaemon::start();
    let sim = SimEngineApi::start(1.0);
    compare(
        &daemon.cli().with_binary(&newer),
        &sim.cli().with_binary(&newer),
    );
}

/// Plays the scenario on dockerd and on berth; fails with every command whose outcome differs.
fn compare(real_cli: &Cli, sim_cli: &Cli) {
    let steps = lifecycle();
    let real = play(real_cli, &steps);
    let simulated = play(sim_cli, &steps);
    for (command, run) in &simulated {
        println!("docker {command}\n  -> {run:?}");
    }
    let mut differences = Vec::new();
    for ((command, r), (_, s)) in real.iter().zip(&simulated) {
        if r != s {
            differences.push(format!(
                "docker {command}\n  dockerd: {r:?}\n  berth:   {s:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} commands differ:\n{}",
        differences.len(),
        real.len(),
        differences.join("\n")
    );
}

#[test]
fn versions_are_negotiated_as_the_engine_does() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    let sim = SimEngineApi::start(1.0);
    let cli = sim.cli();
    let version = cli.run(&[
        "version",
        "--format",
        "{{.Server.APIVersion}} {{.Server.Os}}",
    ]);
    assert_eq!(
        (version.code, version.stdout.as_str()),
        (0, "1.41 linux"),
        "{version:?}"
    );
    let info = cli.run(&[
        "info",
        "--format",
        "{{.ContainersRunning}} {{.ServerVersion}} {{json .Warnings}}",
    ]);
    assert_eq!(info.code, 0, "{info:?}");
    assert!(info.stdout.starts_with("0 20.10.24 "), "{info:?}");
    assert!(info.stdout.contains("simulated engine"), "{info:?}");
    // A client newer than the engine is told so, as Engine 20.10 tells it.
    let out = std::process::Command::new(berth_tests::docker_cli())
        .args(["ps"])
        .env("DOCKER_HOST", sim.host())
        .env("DOCKER_API_VERSION", "1.43")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("client version 1.43 is too new. Maximum supported API version is 1.41"),
        "{stderr}"
    );
}

#[test]
fn images_are_pulled_with_the_engines_progress_messages() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    // No registry is reachable here, so this one runs on the simulated engine alone.
    let sim = SimEngineApi::start(1.0);
    let cli = sim.cli();
    let pull = cli.run(&["pull", "nginx"]);
    assert_eq!(pull.code, 0, "{pull:?}");
    let lines: Vec<&str> = pull.stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"Using default tag: latest"),
        "{pull:?}"
    );
    assert!(
        lines.contains(&"latest: Pulling from library/nginx"),
        "{pull:?}"
    );
    assert!(
        lines.contains(&"Status: Downloaded newer image for nginx:latest"),
        "{pull:?}"
    );
    let again = cli.run(&["pull", "nginx:latest"]);
    assert!(
        again
            .stdout
            .contains("Status: Image is up to date for nginx:latest"),
        "{again:?}"
    );
    let bad = cli.run(&["pull", "Nginx"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("invalid reference format"), "{bad:?}");
    let images = cli.run(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(images.stdout, "nginx:latest", "{images:?}");
    // The pulled image's ID is the one its containers carry.
    cli.ok("run -d --name web --network none nginx nginx -g 'daemon off;'");
    let image_id = cli.run(&["image", "inspect", "--format", "{{.Id}}", "nginx"]);
    let container_image = cli.run(&["inspect", "--format", "{{.Image}}", "web"]);
    assert_eq!(image_id.stdout, container_image.stdout);
    // nginx is not a command berth reads (every image's default is busybox's /bin/sh): the
    // container says so.
    let label = cli.run(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"berth.sim.unread\"}}",
        "web",
    ]);
    assert!(
        label.stdout.contains("runs until it is stopped"),
        "{label:?}"
    );
}

#[tokio::test]
async fn the_control_api_moves_time_and_makes_processes_act_now() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    // Real time, but nothing waits for it: the test moves the clock.
    let sim = SimEngineApi::start(1.0);
    let cli = sim.cli();
    let api = EngineApi::new(sim.socket());
    let post = |path: &'static str| {
        let api = &api;
        async move { api.call(Method::POST, path, None).await }
    };
    cli.ok("run -d --name nap --network none IMAGE sleep 300");
    cli.ok("run -d --name job --restart on-failure:1 --network none IMAGE sleep 3000");
    cli.ok(
        "run -d --name hc --health-cmd true --health-interval 1m --health-retries 1 \
         --network none IMAGE sleep 3000",
    );
    // `docker wait` returns because the process really ended, five minutes later, now.
    let clock = post("/berth/clock/advance?by=5m1s").await;
    assert_eq!(clock.status, 200, "{}", clock.text());
    let wait = cli.run(&["wait", "nap"]);
    assert_eq!((wait.code, wait.stdout.as_str()), (0, "0"), "{wait:?}");
    // The process exits with a code: the restart policy restarts it after its backoff.
    assert_eq!(post("/berth/containers/job/exit?code=3").await.status, 204);
    let status = cli.run(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.State.ExitCode}}",
        "job",
    ]);
    assert_eq!(status.stdout, "restarting 3", "{status:?}");
    assert_eq!(post("/berth/clock/advance?to=next").await.status, 200);
    let status = cli.run(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.RestartCount}}",
        "job",
    ]);
    assert_eq!(status.stdout, "running 1", "{status:?}");
    // Killed for memory: on-failure:1 has used its one restart.
    assert_eq!(post("/berth/containers/job/oom").await.status, 204);
    let status = cli.run(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}",
        "job",
    ]);
    assert_eq!(status.stdout, "exited 137 true", "{status:?}");
    // A health probe fails on demand; one retry makes it unhealthy.
    assert_eq!(
        post("/berth/containers/hc/health?result=fail").await.status,
        204
    );
    let health = cli.run(&["inspect", "--format", "{{.State.Health.Status}}", "hc"]);
    assert_eq!(health.stdout, "unhealthy", "{health:?}");
    assert_eq!(
        post("/berth/containers/hc/health?result=run").await.status,
        204
    );
    let health = cli.run(&["inspect", "--format", "{{.State.Health.Status}}", "hc"]);
    assert_eq!(health.stdout, "healthy", "{health:?}");
    // Death by a signal; a process that is not running cannot exit.
    assert_eq!(
        post("/berth/containers/hc/signal?signal=TERM").await.status,
        204
    );
    let status = cli.run(&["inspect", "--format", "{{.State.ExitCode}}", "hc"]);
    assert_eq!(status.stdout, "143", "{status:?}");
    let refused = post("/berth/containers/nap/exit?code=1").await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    // A stopped clock stays where it is.
    let paused = post("/berth/clock/pause").await.json();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let later = api.get("/berth/clock").await;
    assert_eq!(
        (paused["Now"].clone(), later["Paused"].clone()),
        (later["Now"].clone(), true.into())
    );
    let bad = post("/berth/clock/advance?by=soon").await;
    assert_eq!(bad.status, 400, "{}", bad.text());
}

#[test]
fn time_runs_at_the_simulations_speed() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    // At 100× real time, `docker stop` of a process that ignores SIGTERM waits its 10 s
    // timeout in 0.1 s, and `sleep 30` exits in 0.3 s.
    let sim = SimEngineApi::start(100.0);
    let cli = sim.cli();
    cli.ok("run -d --name nap --network none IMAGE sleep 30");
    cli.ok("run -d --name stubborn --network none IMAGE sleep 3000");
    let stop = cli.run(&["stop", "stubborn"]);
    assert_eq!(
        (stop.code, stop.stdout.as_str()),
        (0, "stubborn"),
        "{stop:?}"
    );
    let wait = cli.run(&["wait", "nap"]);
    assert_eq!((wait.code, wait.stdout.as_str()), (0, "0"), "{wait:?}");
    let ps = cli.run(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    let lines: Vec<String> = ps.stdout.lines().map(mask_times).collect();
    assert_eq!(
        lines,
        ["stubborn Exited (137) <t> ago", "nap Exited (0) <t> ago"],
        "{ps:?}"
    );
}
