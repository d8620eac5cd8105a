//! Specification of `State`, `Wait` and `Health`: the reference's `container/state_test.go`
//! ported by name, its `daemon/health_test.go` on the pure part (probe results), and the
//! transitions of SEMANTICS.md one by one.
//!
//! The reference waits on channels under `context.WithTimeout`; our waiters are futures and the
//! host owns timeouts, so "timed out" here means the host raced the waiter, dropped it and
//! answered with [`StateStatus::cancelled`].

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::health::{ProbeResult, MAX_LOG_ENTRIES};
use berth_core::state::StateKind;
use berth_core::wait::InvalidCondition;
use berth_core::{
    is_valid_health_string, is_valid_state_string, Duration, ErrorKind, ExitStatus, HasKind,
    Health, HealthStatus, State, StateStatus, Time, WaitCondition, Waiter,
};
use futures_util::future::{select, Either, FutureExt};

const T0: i64 = 1_700_000_000;

fn at(secs: i64) -> Time {
    Time::from_unix_secs(T0 + secs)
}

fn exit(code: i64) -> ExitStatus {
    ExitStatus::new(code, Time::ZERO)
}

fn pending(w: &mut Waiter) -> bool {
    w.try_result().is_none()
}

fn resolved(w: Waiter) -> StateStatus {
    w.now_or_never()
        .expect("the waiter should have resolved by now")
}

/// Ports `TestIsValidHealthString`.
#[test]
fn test_is_valid_health_string() {
    for (s, valid) in [
        ("healthy", true),
        ("unhealthy", true),
        ("starting", true),
        ("none", true),
        ("fail", false),
        ("", false),
        ("Healthy", false),
    ] {
        assert_eq!(is_valid_health_string(s), valid, "{s:?}");
    }
}

/// Ports `TestStateRunStop`: two full lifecycles under a removal wait placed at the start.
#[test]
fn test_state_run_stop() {
    let mut s = State::new();
    let mut removal_wait = s.wait(WaitCondition::Removed);
    assert!(pending(&mut removal_wait));

    for i in 1..=2_i64 {
        // Created (first round) or exited (second): not-running is met at once, with the
        // previous round's exit code.
        let now_wait = s.wait(WaitCondition::NotRunning);
        assert!(now_wait.is_ready());
        assert_eq!(resolved(now_wait).exit_code, i - 1);

        let mut initial_wait = s.wait(WaitCondition::NextExit);
        assert!(pending(&mut initial_wait), "next-exit is never met at once");

        s.set_running(i, true, at(i * 10));
        assert!(s.is_running());
        assert_eq!(s.get_pid(), i);
        assert_eq!(s.exit_code(), 0);

        let mut exit_wait = s.wait(WaitCondition::NotRunning);
        assert!(pending(&mut exit_wait));
        assert!(pending(&mut initial_wait));

        s.set_stopped(exit(i), at(i * 10 + 5));
        assert!(!s.is_running());
        assert_eq!(s.exit_code(), i);
        assert_eq!(s.get_pid(), 0);

        let got = resolved(initial_wait);
        assert_eq!(
            got,
            StateStatus {
                exit_code: i,
                error: None
            }
        );
        assert_eq!(resolved(exit_wait).exit_code, i);
        assert!(
            pending(&mut removal_wait),
            "a stop does not wake a removal wait"
        );
    }

    s.dead = true;
    s.set_removed();
    assert_eq!(removal_wait.try_result().map(|r| r.exit_code), Some(2));
    assert_eq!(s.pending_waiters(), 0);
}

/// Ports `TestStateTimeoutWait`: a wait that times out gives exit code -1 and an error, and leaves
/// nothing behind; a later wait on the stopped state is met at once with exit code 0.
#[test]
fn test_state_timeout_wait() {
    let mut s = State::new();
    s.set_running(0, true, at(0));

    let waiter = s.wait(WaitCondition::NotRunning);
    assert_eq!(s.pending_waiters(), 1);
    // The host races the wait against its timer; the timer wins.
    let timer = futures_util::future::ready(());
    let status = match select(waiter, timer).now_or_never() {
        Some(Either::Right(((), waiter))) => {
            drop(waiter);
            StateStatus::cancelled("context deadline exceeded")
        }
        Some(Either::Left((status, _))) => status,
        None => panic!("one side of the race is always ready"),
    };
    assert_eq!(status.exit_code, -1);
    assert_eq!(status.error.as_deref(), Some("context deadline exceeded"));
    assert_eq!(
        s.pending_waiters(),
        0,
        "a timed-out wait leaves nothing behind"
    );

    s.set_stopped(exit(0), at(1));
    let again = s.wait(WaitCondition::NotRunning);
    assert!(again.is_ready());
    assert_eq!(
        resolved(again),
        StateStatus {
            exit_code: 0,
            error: None
        }
    );
}

/// Ports `TestCorrectStateWaitResultAfterRestart` (moby issue 39352): a not-running wait placed
/// on a running container is woken by a policy restart with that run's exit code, even though
/// the container is running again by the time the waiter looks.
#[test]
fn test_correct_state_wait_result_after_restart() {
    let mut s = State::new();
    s.set_running(0, true, at(0));
    let waiter = s.wait(WaitCondition::NotRunning);
    s.set_restarting(ExitStatus::new(10, at(3)), at(3));
    s.set_running(0, true, at(4));
    assert_eq!(resolved(waiter).exit_code, 10);
}

/// Ports `TestIsValidStateString`.
#[test]
fn test_is_valid_state_string() {
    for (s, valid) in [
        ("paused", true),
        ("restarting", true),
        ("running", true),
        ("dead", true),
        ("start", false),
        ("created", true),
        ("exited", true),
        ("removing", true),
        ("stop", false),
        ("", false),
        ("Running", false),
    ] {
        assert_eq!(is_valid_state_string(s), valid, "{s:?}");
    }
}

#[test]
fn state_kind_parses_and_prints_the_seven() {
    for kind in StateKind::ALL {
        assert_eq!(kind.as_str().parse::<StateKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    let err = "stop".parse::<StateKind>().unwrap_err();
    assert_eq!(err.to_string(), "invalid state: stop");
}

#[test]
fn state_string_follows_the_reference_precedence() {
    let base = || {
        let mut s = State::new();
        s.started_at = at(0);
        s
    };
    let cases: Vec<(&str, State, &str)> = vec![
        ("never started", State::new(), "created"),
        ("started and stopped", base(), "exited"),
        (
            "running",
            {
                let mut s = base();
                s.running = true;
                s
            },
            "running",
        ),
        (
            "paused wins over restarting",
            {
                let mut s = base();
                s.running = true;
                s.paused = true;
                s.restarting = true;
                s
            },
            "paused",
        ),
        (
            "restarting",
            {
                let mut s = base();
                s.running = true;
                s.restarting = true;
                s
            },
            "restarting",
        ),
        (
            "running wins over removal",
            {
                let mut s = base();
                s.running = true;
                s.removal_in_progress = true;
                s
            },
            "running",
        ),
        (
            "removing wins over dead",
            {
                let mut s = base();
                s.removal_in_progress = true;
                s.dead = true;
                s
            },
            "removing",
        ),
        (
            "dead",
            {
                let mut s = base();
                s.dead = true;
                s
            },
            "dead",
        ),
        (
            "dead even if never started",
            {
                let mut s = State::new();
                s.dead = true;
                s
            },
            "dead",
        ),
        (
            "paused flag alone is not running",
            {
                let mut s = base();
                s.paused = true;
                s
            },
            "exited",
        ),
    ];
    for (name, s, want) in cases {
        assert_eq!(s.state_string(), want, "{name}");
        assert_eq!(s.kind().as_str(), want, "{name}");
    }
}

#[test]
fn set_running_clears_the_last_run_and_stamps_only_an_initial_start() {
    let mut s = State::new();
    s.set_running(7, true, at(0));
    s.set_paused();
    s.set_oom_killed();
    s.set_error(Some("boom"));
    s.set_stopped(ExitStatus::new(137, at(5)), at(6));
    assert!(s.oom_killed, "an OOM kill survives the exit");
    assert_eq!(s.finished_at, at(5), "the exit time wins over now");

    s.set_running(8, true, at(10));
    assert!(s.running);
    assert!(!s.paused && !s.restarting && !s.oom_killed);
    assert_eq!(s.err(), None);
    assert_eq!(s.exit_code, 0);
    assert_eq!(s.pid, 8);
    assert_eq!(s.started_at, at(10));
    assert_eq!(s.finished_at, at(5), "a start keeps the last finish");

    // Re-attaching at boot keeps the original start time.
    s.set_running(9, false, at(20));
    assert_eq!(s.started_at, at(10));
    assert_eq!(s.pid, 9);
}

#[test]
fn set_stopped_uses_now_when_the_exit_time_is_zero() {
    let mut s = State::new();
    s.set_running(3, true, at(0));
    s.set_paused();
    s.set_stopped(exit(2), at(9));
    assert_eq!(s.finished_at, at(9));
    assert!(!s.running && !s.paused && !s.restarting);
    assert_eq!((s.pid, s.exit_code), (0, 2));
    assert_eq!(s.state_string(), "exited");
}

#[test]
fn set_restarting_keeps_running_and_stamps_now() {
    let mut s = State::new();
    s.set_running(3, true, at(0));
    s.set_paused();
    s.set_restarting(ExitStatus::new(1, at(4)), at(5));
    assert!(s.running && s.restarting && !s.paused);
    assert_eq!(s.pid, 0);
    assert_eq!(s.exit_code, 1);
    assert_eq!(
        s.finished_at,
        at(5),
        "set_restarting stamps now, as the reference does"
    );
    assert_eq!(s.state_string(), "restarting");
}

#[test]
fn removal_in_progress_reports_whether_it_was_already_set() {
    let mut s = State::new();
    assert!(!s.set_removal_in_progress());
    assert!(s.is_removal_in_progress());
    assert!(s.set_removal_in_progress());
    s.reset_removal_in_progress();
    assert!(!s.is_removal_in_progress());
    assert!(!s.set_removal_in_progress());
}

#[test]
fn set_dead_ends_the_removal() {
    let mut s = State::new();
    s.set_removal_in_progress();
    s.set_dead();
    assert!(s.is_dead());
    assert!(!s.is_removal_in_progress());
    assert_eq!(s.state_string(), "dead");
}

#[test]
fn set_error_and_err() {
    let mut s = State::new();
    assert_eq!(s.err(), None);
    s.set_error(Some("oci runtime error"));
    assert_eq!(s.err(), Some("oci runtime error"));
    s.set_error(None);
    assert_eq!(s.err(), None);
    assert_eq!(s.error, "");
    s.set_exit_code(42);
    assert_eq!(s.exit_code(), 42);
}

#[test]
fn removal_wakes_remove_only_waiters_then_stop_waiters_with_the_error() {
    let mut s = State::new();
    s.set_running(1, true, at(0));
    let stop = s.wait(WaitCondition::NotRunning);
    let next = s.wait(WaitCondition::NextExit);
    let removed = s.wait(WaitCondition::Removed);
    assert_eq!(s.pending_waiters(), 3);
    s.set_removal_error(Some("driver failed"));
    let want = StateStatus {
        exit_code: 0,
        error: Some("driver failed".to_owned()),
    };
    assert_eq!(resolved(removed), want);
    assert_eq!(resolved(stop), want);
    assert_eq!(resolved(next), want);
    assert_eq!(s.pending_waiters(), 0);
    assert!(s.removed);
    // Removed is met at once from now on.
    let again = s.wait(WaitCondition::Removed);
    assert!(again.is_ready());
    assert_eq!(resolved(again), want);
}

#[test]
fn removed_wait_is_not_met_by_a_stop() {
    let mut s = State::new();
    let mut removed = s.wait(WaitCondition::Removed);
    s.set_running(1, true, at(0));
    s.set_stopped(exit(0), at(1));
    s.set_restarting(exit(1), at(2));
    assert!(pending(&mut removed));
    s.set_removed();
    assert_eq!(
        removed.try_result(),
        Some(StateStatus {
            exit_code: 1,
            error: None
        })
    );
}

#[test]
fn not_running_is_met_at_once_when_not_running_and_next_exit_never() {
    let mut s = State::new();
    assert!(s.wait(WaitCondition::NotRunning).is_ready());
    let mut next = s.wait(WaitCondition::NextExit);
    assert!(!next.is_ready());
    assert!(pending(&mut next));
    s.set_running(1, true, at(0));
    s.set_stopped(exit(3), at(1));
    assert_eq!(next.try_result().map(|r| r.exit_code), Some(3));
    // A result, once there, stays there.
    assert_eq!(next.try_result().map(|r| r.exit_code), Some(3));
}

#[test]
fn a_restart_wakes_next_exit_waiters() {
    let mut s = State::new();
    s.set_running(1, true, at(0));
    let next = s.wait(WaitCondition::NextExit);
    s.set_restarting(exit(9), at(1));
    assert_eq!(resolved(next).exit_code, 9);
}

#[test]
fn dropped_waiters_leave_nothing_behind() {
    let mut s = State::new();
    s.set_running(1, true, at(0));
    let a = s.wait(WaitCondition::NotRunning);
    let b = s.wait(WaitCondition::Removed);
    let keep = s.wait(WaitCondition::NextExit);
    assert_eq!(s.pending_waiters(), 3);
    drop(a);
    drop(b);
    assert_eq!(s.pending_waiters(), 1);
    s.prune_waiters();
    assert_eq!(s.pending_waiters(), 1);
    drop(keep);
    assert_eq!(s.pending_waiters(), 0);
    // Transitions with nobody listening are fine.
    s.set_stopped(exit(0), at(1));
    s.set_removed();
}

#[test]
fn a_waiter_outliving_its_state_resolves_as_cancelled() {
    let mut s = State::new();
    s.set_running(1, true, at(0));
    let mut w = s.wait(WaitCondition::NotRunning);
    drop(s);
    let got = w.try_result().expect("the sender is gone");
    assert_eq!(got.exit_code, -1);
    assert!(got.error.is_some());
}

#[test]
fn a_cloned_state_carries_no_waiters() {
    let mut s = State::new();
    s.set_running(1, true, at(0));
    let mut w = s.wait(WaitCondition::NotRunning);
    let copy = s.clone();
    assert_eq!(copy.pending_waiters(), 0);
    assert_eq!(copy, s, "waiters are not part of the value");
    drop(copy);
    assert!(
        pending(&mut w),
        "dropping a copy does not cancel the original's waiters"
    );
}

#[test]
fn cancelled_status_is_exit_minus_one_with_the_reason() {
    let got = StateStatus::cancelled("context canceled");
    assert_eq!(got.exit_code, -1);
    assert_eq!(got.error.as_deref(), Some("context canceled"));
}

#[test]
fn wait_condition_parses_the_api_values() {
    for (s, want) in [
        ("", WaitCondition::NotRunning),
        ("not-running", WaitCondition::NotRunning),
        ("next-exit", WaitCondition::NextExit),
        ("removed", WaitCondition::Removed),
    ] {
        assert_eq!(s.parse::<WaitCondition>(), Ok(want));
    }
    for c in WaitCondition::ALL {
        assert_eq!(c.as_str().parse::<WaitCondition>(), Ok(c));
        assert_eq!(c.to_string(), c.as_str());
    }
    assert_eq!(WaitCondition::default(), WaitCondition::NotRunning);
    let err = "gone".parse::<WaitCondition>().unwrap_err();
    assert_eq!(err, InvalidCondition("gone".to_owned()));
    assert_eq!(err.to_string(), "invalid condition: \"gone\"");
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    assert_eq!(
        serde_json::to_string(&WaitCondition::NextExit).unwrap(),
        "\"next-exit\""
    );
}

#[test]
fn state_json_uses_the_engine_names_and_keeps_removed_in_memory() {
    let mut s = State::new();
    s.set_running(42, true, Time::parse("2024-01-02T03:04:05.5Z").unwrap());
    s.health = Some(Health::starting());
    s.removed = true;
    let v = serde_json::to_value(&s).unwrap();
    for key in [
        "Running",
        "Paused",
        "Restarting",
        "OOMKilled",
        "RemovalInProgress",
        "Dead",
        "Pid",
        "ExitCode",
        "Error",
        "StartedAt",
        "FinishedAt",
        "Health",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(v.get("Removed").is_none());
    assert_eq!(v["StartedAt"], "2024-01-02T03:04:05.5Z");
    assert_eq!(v["FinishedAt"], "0001-01-01T00:00:00Z");
    assert_eq!(v["Health"]["Status"], "starting");
    let back: State = serde_json::from_value(v).unwrap();
    assert!(!back.removed);
    assert_eq!(back.started_at, s.started_at);
    assert_eq!(back.health, s.health);

    let without: serde_json::Value = serde_json::to_value(State::new()).unwrap();
    assert!(
        without.get("Health").is_none(),
        "no health check, no Health"
    );
}

// ---- Health --------------------------------------------------------------------------------

#[test]
fn health_status_reads_empty_and_unknown_as_unhealthy() {
    let mut h = Health::default();
    assert_eq!(h.status, "");
    assert_eq!(h.status(), HealthStatus::Unhealthy);
    h.status = "confused".into();
    assert_eq!(h.status(), HealthStatus::Unhealthy);
    for st in [
        HealthStatus::None,
        HealthStatus::Starting,
        HealthStatus::Healthy,
        HealthStatus::Unhealthy,
    ] {
        h.set_status(st);
        assert_eq!(h.status(), st);
        assert_eq!(st.as_str().parse::<HealthStatus>(), Ok(st));
    }
    assert_eq!(
        "fail".parse::<HealthStatus>().unwrap_err().to_string(),
        "invalid health status: fail"
    );
}

#[test]
fn health_display_says_health_starting_only_for_starting() {
    let mut h = Health::starting();
    assert_eq!(h.to_string(), "health: starting");
    h.set_status(HealthStatus::Healthy);
    assert_eq!(h.to_string(), "healthy");
    h.set_status(HealthStatus::Unhealthy);
    assert_eq!(h.to_string(), "unhealthy");
    h.status.clear();
    assert_eq!(h.to_string(), "unhealthy");
}

#[test]
fn health_monitor_channel_opens_once_and_closing_marks_unhealthy() {
    let mut h = Health::starting();
    assert!(h.open_monitor());
    assert!(!h.open_monitor(), "a second open gives no channel");
    h.close_monitor();
    assert_eq!(h.status(), HealthStatus::Unhealthy);
    h.set_status(HealthStatus::Healthy);
    h.close_monitor();
    assert_eq!(
        h.status(),
        HealthStatus::Healthy,
        "closing a closed monitor does nothing"
    );
    assert!(h.open_monitor());
}

fn probe(at_secs: i64, exit_code: i64) -> ProbeResult {
    ProbeResult {
        start: at(at_secs),
        end: at(at_secs),
        exit_code,
        output: format!("probe at {at_secs}"),
    }
}

/// Ports `TestHealthStates` (daemon/health_test.go) on the probe bookkeeping: retries, the
/// failing streak, and the start period.
#[test]
fn test_health_states() {
    // starting → failed → success → failed, with retries 1.
    let mut h = Health::starting();
    assert_eq!(
        h.record_probe(probe(1, 1), 1, false),
        HealthStatus::Unhealthy
    );
    assert_eq!(h.record_probe(probe(2, 0), 1, false), HealthStatus::Healthy);
    assert_eq!(
        h.record_probe(probe(3, 1), 1, false),
        HealthStatus::Unhealthy
    );

    // Retries 3: two failures keep it starting with a streak of 2; the third turns it unhealthy.
    let mut h = Health::starting();
    h.record_probe(probe(20, 1), 3, false);
    assert_eq!(
        h.record_probe(probe(40, 1), 3, false),
        HealthStatus::Starting
    );
    assert_eq!(h.failing_streak, 2);
    assert_eq!(
        h.record_probe(probe(60, 1), 3, false),
        HealthStatus::Unhealthy
    );
    assert_eq!(
        h.record_probe(probe(80, 0), 3, false),
        HealthStatus::Healthy
    );
    assert_eq!(h.failing_streak, 0);

    // Start period: a failure inside it does not count; one after it does.
    let mut h = Health::starting();
    assert_eq!(
        h.record_probe(probe(20, 1), 2, true),
        HealthStatus::Starting
    );
    assert_eq!(h.failing_streak, 0);
    assert_eq!(
        h.record_probe(probe(50, 1), 2, false),
        HealthStatus::Starting
    );
    assert_eq!(h.failing_streak, 1);
    assert_eq!(
        h.record_probe(probe(80, 0), 2, false),
        HealthStatus::Healthy
    );
    assert_eq!(h.failing_streak, 0);
}

#[test]
fn health_log_keeps_the_last_five_oldest_first() {
    let mut h = Health::starting();
    for i in 0..8 {
        h.record_probe(probe(i, 0), 3, false);
    }
    assert_eq!(h.log.len(), MAX_LOG_ENTRIES);
    let starts: Vec<Time> = h.log.iter().map(|p| p.start).collect();
    assert_eq!(starts, (3..8).map(at).collect::<Vec<_>>());
}

/// Ports `TestNoneHealthcheck`: a `NONE` test configures no health check.
#[test]
fn test_none_healthcheck() {
    let none = berth_core::container::HealthConfig {
        test: vec!["NONE".into()],
        ..Default::default()
    };
    assert!(!none.is_enabled());
    assert!(!berth_core::container::HealthConfig::default().is_enabled());
    let cmd = berth_core::container::HealthConfig {
        test: vec!["CMD-SHELL".into(), "true".into()],
        ..Default::default()
    };
    assert!(cmd.is_enabled());
    assert_eq!(cmd.retries_or_default(), 3);
    assert_eq!(
        cmd.interval_or_default(),
        Duration::from_secs(30).as_nanos()
    );
}

#[test]
fn health_json_accepts_a_null_log() {
    let h: Health =
        serde_json::from_str(r#"{"Status":"healthy","FailingStreak":0,"Log":null}"#).unwrap();
    assert_eq!(h.status(), HealthStatus::Healthy);
    assert!(h.log.is_empty());
    let h: Health = serde_json::from_str(
        r#"{"Status":"unhealthy","FailingStreak":4,"Log":[{"Start":"2024-01-01T00:00:00.1Z","End":"2024-01-01T00:00:01Z","ExitCode":1,"Output":"no\n"}]}"#,
    )
    .unwrap();
    assert_eq!(h.failing_streak, 4);
    assert_eq!(h.log[0].output, "no\n");
    assert_eq!(h.log[0].start.to_rfc3339(), "2024-01-01T00:00:00.1Z");
}
