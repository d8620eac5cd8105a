//! The `berth` binary's log when it is not a terminal: redirected to a file, as
//! [`Berth::spawn`] does, it is plain text without ANSI colour codes, and it names what berth
//! could not find at start-up. Runs on the simulated engine: no root, no Docker.

use std::time::{Duration, Instant};

use berth_tests::Berth;

/// The line the mirror logs at `info` once it follows the engine: proof that the log has lines.
const FOLLOWING: &str = "following the engine's events";

/// berth's log once it has `needle` (or after 30 s without).
fn log_with(berth: &Berth, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = berth.log();
        if log.contains(needle) || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_redirected_log_has_no_colour_codes() {
    let berth = Berth::spawn(&["--engine", "sim"]);
    let log = log_with(&berth, FOLLOWING);
    assert!(
        log.contains(FOLLOWING),
        "berth logged no {FOLLOWING:?}:\n{log}"
    );
    assert!(
        !log.contains("\x1b["),
        "the redirected log carries ANSI codes:\n{log:?}"
    );
}

/// Started where it cannot find the web app (here: `--web` names an empty directory), berth
/// says so at start-up, with the path it looked in.
#[test]
fn a_missing_web_app_is_named_at_start_up() {
    let berth = Berth::spawn(&["--engine", "sim"]);
    let log = log_with(&berth, "no web app in");
    let line = log
        .lines()
        .find(|l| l.contains("no web app in"))
        .unwrap_or_else(|| panic!("no warning about the web app:\n{log}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("cargo xtask build-web"), "{line}");
    assert!(
        line.split("no web app in ")
            .nth(1)
            .is_some_and(|rest| rest.starts_with('/')),
        "the path it looked in, absolute: {line}"
    );
}
