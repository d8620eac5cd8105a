//! docker-py against berth's simulated engine through its Engine API, side by side with a
//! private real dockerd: `tests/py/lifecycle.py` (run, wait, logs, run with remove, errors,
//! pause, stop, rename, list filters, prune) prints what it sees, and both engines must print
//! the same.

use std::process::Command;

use berth_tests::browser::workspace_root;
use berth_tests::engine_api::SimEngineApi;
use berth_tests::{docker_py, skip_unless, Need, PrivateDaemon, IMAGE};

/// Runs the script against `host`: its exit code and output.
fn lifecycle(host: &str) -> (i32, String) {
    let python = docker_py().unwrap_or_else(|| panic!("no python3 with docker-py"));
    let out = Command::new(python)
        .arg(
            workspace_root()
                .join("tests")
                .join("py")
                .join("lifecycle.py"),
        )
        .arg(IMAGE)
        .env("DOCKER_HOST", host)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn docker_py_sees_the_simulated_engine_as_it_sees_dockerd() {
    if skip_unless(&[Need::Engine, Need::DockerPy]) {
        return;
    }
    let daemon = PrivateDaemon::start();
    let sim = SimEngineApi::start(1.0);
    let real = lifecycle(&daemon.host());
    assert_eq!(real.0, 0, "the script failed on dockerd:\n{}", real.1);
    let simulated = lifecycle(&sim.host());
    assert_eq!(
        simulated.0, 0,
        "the script failed on berth:\n{}",
        simulated.1
    );
    let pairs: Vec<(&str, &str)> = real.1.lines().zip(simulated.1.lines()).collect();
    for (r, s) in &pairs {
        assert_eq!(
            r, s,
            "dockerd and berth differ\n--- dockerd:\n{}\n--- berth:\n{}",
            real.1, simulated.1
        );
    }
    assert_eq!(
        real.1.lines().count(),
        simulated.1.lines().count(),
        "{}\n---\n{}",
        real.1,
        simulated.1
    );
    assert!(
        real.1.contains("wait {'Error': None, 'StatusCode': 3}"),
        "{}",
        real.1
    );
}
