//! The `berth` binary's log when it is not a terminal (issue 8): redirected to a file, as
//! [`Berth::spawn`] does, it is plain text without ANSI colour codes. Runs on the simulated
//! engine: no root, no Docker.

use std::time::{Duration, Instant};

use berth_tests::Berth;

/// The line the mirror logs at `info` once it follows the engine: proof that the log has lines.
const FOLLOWING: &str = "following the engine's events";

#[test]
fn a_redirected_log_has_no_colour_codes() {
    let berth = Berth::spawn(&["--engine", "sim"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let log = loop {
        let log = berth.log();
        if log.contains(FOLLOWING) || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        log.contains(FOLLOWING),
        "berth logged no {FOLLOWING:?}:\n{log}"
    );
    assert!(
        !log.contains("\x1b["),
        "the redirected log carries ANSI codes:\n{log:?}"
    );
}
