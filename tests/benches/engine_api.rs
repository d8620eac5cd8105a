//! berth's simulated engine behind its Engine API, side by side with a private real dockerd:
//! `docker ps -a` (the real CLI) and `GET /containers/json?all=1` at 100 and 1,000 containers,
//! and the wall time of one lifecycle scenario through the CLI on dockerd and on berth at
//! `--sim-speed 1` and `100`.
//!
//! Run with `scripts/bench-engine-api.sh` (or `cargo xtask bench`), which builds berth in release
//! mode and points `BERTH_BIN` at it. Needs root, docker.io and busybox-static. Prints a
//! Markdown report on stdout.

use std::time::{Duration, Instant};

use berth_tests::engine_api::{Cli, SimEngineApi};
use berth_tests::{EngineApi, PrivateDaemon, IMAGE};
use hyper::Method;

const RUNS: usize = 10;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median wall time of `docker ps -a` (whole CLI run) and of the list request, in ms.
async fn time_lists(cli: &Cli, api: &EngineApi) -> (f64, f64) {
    let mut cli_ms = Vec::new();
    let mut api_ms = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let run = cli.run(&["ps", "-a"]);
        cli_ms.push(ms(t.elapsed()));
        assert_eq!(run.code, 0, "{run:?}");
        let t = Instant::now();
        let r = api.call(Method::GET, "/containers/json?all=1", None).await;
        api_ms.push(ms(t.elapsed()));
        assert_eq!(r.status, 200);
    }
    (median(cli_ms), median(api_ms))
}

/// A lifecycle through the CLI: a job that runs 2 s, a server stopped with its 10 s timeout
/// (busybox sleep ignores SIGTERM), a foreground run; the wall time.
fn lifecycle(cli: &Cli) -> Duration {
    let t = Instant::now();
    for line in [
        vec![
            "run",
            "-d",
            "--name",
            "job",
            "--network",
            "none",
            IMAGE,
            "sleep",
            "2",
        ],
        vec!["wait", "job"],
        vec![
            "run",
            "-d",
            "--name",
            "srv",
            "--network",
            "none",
            IMAGE,
            "sleep",
            "300",
        ],
        vec!["stop", "srv"],
        vec!["run", "--rm", "--network", "none", IMAGE, "echo", "hello"],
        vec!["rm", "job", "srv"],
    ] {
        let run = cli.run(&line);
        assert_eq!(run.code, 0, "{line:?}: {run:?}");
    }
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let daemon = PrivateDaemon::start();
    let sim = SimEngineApi::start(1.0);
    let (real, fake) = (daemon.api(), EngineApi::new(sim.socket()));
    let (real_cli, fake_cli) = (daemon.cli(), sim.cli());
    let mut report = vec![format!(
        "berth {} against dockerd, {} CPUs",
        berth_tests::berth_binary().display(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )];

    let lr = lifecycle(&real_cli);
    let ls = lifecycle(&fake_cli);
    let fast = SimEngineApi::start(100.0);
    let lf = lifecycle(&fast.cli());
    drop(fast);

    let mut rows = Vec::new();
    for (from, to) in [(0, 100), (100, 1000)] {
        real.create_many("c", from..to, 16).await;
        fake.create_many("c", from..to, 16).await;
        let (rc, ra) = time_lists(&real_cli, &real).await;
        let (fc, fa) = time_lists(&fake_cli, &fake).await;
        rows.push(format!(
            "| {to} | {rc:.1} ms | {fc:.1} ms | {ra:.2} ms | {fa:.2} ms |"
        ));
    }
    report.push(format!(
        "\n`docker ps -a` (the whole CLI run) and `GET /containers/json?all=1`, median of {RUNS}:\n"
    ));
    report.push(
        "| containers | `docker ps -a` on dockerd | on berth | list on dockerd | list on berth |"
            .into(),
    );
    report.push("|---|---|---|---|---|".into());
    report.extend(rows);
    report.push(format!(
        "\nThe lifecycle scenario (run a 2 s job and wait for it, run a server and stop it with \
         its 10 s timeout, a foreground `echo`, remove): dockerd {:.2} s, berth at --sim-speed 1 \
         {:.2} s, berth at --sim-speed 100 {:.2} s. Whole run: {:.0} s.",
        lr.as_secs_f64(),
        ls.as_secs_f64(),
        lf.as_secs_f64(),
        started.elapsed().as_secs_f64()
    ));
    println!("{}", report.join("\n"));
}
