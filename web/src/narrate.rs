//! berth's narrator, for the dashboard and the lab: plain-language accounts derived from the
//! core — why a container is in its state (exit codes, OOM, the restart policy and the restart
//! manager's backoff), what the restart policy decided, what each wait condition would return
//! now, what a change did, and each transition with its cause. Pure. The lab's words about a
//! step of its own (the CLI command and API call, what the step did) are in `lab::teach`, built
//! on these.

use berth_core::container::Container;
use berth_core::events::signal_name;
use berth_core::lifecycle::Transition;
use berth_core::restart::{PolicyKind, RestartDecision, RestartManager};
use berth_core::state::StateKind;
use berth_core::time::{human_duration, Duration, Time};
use berth_core::wait::{StateStatus, WaitCondition};

use crate::time_text::delay_text;

/// What an exit code means: "killed for memory (OOMKilled)", "terminated by SIGTERM", …
pub fn exit_meaning(code: i64, oom_killed: bool) -> String {
    if oom_killed {
        return "killed for memory (OOMKilled)".to_owned();
    }
    match code {
        0 => "finished normally".to_owned(),
        137 => "killed by SIGKILL (docker kill, or docker stop after the stop timeout)".to_owned(),
        143 => "terminated by SIGTERM (docker stop, or the stop signal)".to_owned(),
        126 => "the command could not be run (not executable)".to_owned(),
        127 => "the command was not found".to_owned(),
        c if c > 128 && c < 160 => match signal_name(c - 128) {
            Some(name) => format!("killed by {name}"),
            None => format!("killed by signal {}", c - 128),
        },
        -1 => "the wait gave up".to_owned(),
        c => format!("the program failed with exit code {c}"),
    }
}

/// The restart manager's delay before the pending restart of `c`, replayed with the core's
/// [`RestartManager`]: one decision per restart so far, each run as long as the last one
/// (what the browser can see), so the backoff doubles from 100 ms and resets after a run of
/// 10 s or more.
pub fn restart_delay(c: &Container) -> Duration {
    let ran_for = c.state.finished_at.since(c.state.started_at);
    let mut rm = RestartManager::new(c.host_config.restart_policy.clone(), 0);
    let mut delay = berth_core::restart::DEFAULT_DELAY;
    for _ in 0..c.restart_count.clamp(1, 64) {
        match rm.should_restart(c.state.exit_code, false, ran_for) {
            Ok(d) => delay = d.delay,
            Err(_) => break,
        }
        rm.fire();
    }
    delay
}

/// Why `c` is in its state, in one or two sentences, at engine time `now`.
pub fn why(c: &Container, now: Time) -> String {
    let s = &c.state;
    let policy = &c.host_config.restart_policy;
    let ptext = policy.to_string();
    let mut out = match s.kind() {
        StateKind::Created => {
            "Created and never started: docker start (or docker run) runs it.".to_owned()
        }
        StateKind::Running => {
            let mut t = format!(
                "Running for {} (pid {}).",
                human_duration(now.since(s.started_at)).to_lowercase(),
                s.pid
            );
            if let Some(h) = &s.health {
                let status = h.status();
                t.push_str(&format!(
                    " Health check: {status}, failing streak {}.",
                    h.failing_streak
                ));
            }
            t
        }
        StateKind::Paused => format!(
            "Paused: its processes are frozen (docker pause) but it still counts as running, up {}. docker unpause resumes it.",
            human_duration(now.since(s.started_at)).to_lowercase()
        ),
        StateKind::Restarting => {
            let delay = restart_delay(c);
            let due = s.finished_at.add(delay);
            let of = match policy.kind() {
                PolicyKind::OnFailure if policy.maximum_retry_count > 0 => {
                    format!("restart {} of {ptext}", c.restart_count)
                }
                _ => format!("restart {} ({ptext})", c.restart_count),
            };
            let when = if due > now {
                format!("due in {}", delay_text(due.since(now)))
            } else {
                "due now".to_owned()
            };
            format!(
                "Exited {}, {}; waiting {} before {of}, {when}.",
                s.exit_code,
                exit_meaning(s.exit_code, s.oom_killed),
                delay_text(delay),
            )
        }
        StateKind::Exited => {
            let mut t = format!(
                "Exited {}, {}, {} ago.",
                s.exit_code,
                exit_meaning(s.exit_code, s.oom_killed),
                human_duration(now.since(s.finished_at)).to_lowercase()
            );
            let note = match policy.kind() {
                PolicyKind::No => " Restart policy no: it stays exited.".to_owned(),
                PolicyKind::OnFailure if s.exit_code == 0 => {
                    format!(" {ptext} does not restart a clean exit.")
                }
                PolicyKind::OnFailure
                    if policy.maximum_retry_count > 0
                        && c.restart_count >= policy.maximum_retry_count =>
                {
                    format!(
                        " {ptext} gave up after {} restarts.",
                        c.restart_count
                    )
                }
                _ => format!(" It was stopped by hand, so {ptext} does not restart it."),
            };
            t.push_str(&note);
            t
        }
        StateKind::Removing => "Being removed (docker rm in progress).".to_owned(),
        StateKind::Dead => {
            "Dead: a removal failed part-way; docker rm -f clears it.".to_owned()
        }
    };
    if !s.error.is_empty() {
        out.push_str(&format!(" Error: {}.", s.error.trim_end_matches('.')));
    }
    out
}

/// What `docker wait --condition cond` would return right now: the result, or `None` when it
/// would wait. Places the waiter on a copy of the state with the core's [`State::wait`].
///
/// [`State::wait`]: berth_core::state::State::wait
pub fn wait_now(c: &Container, cond: WaitCondition) -> Option<StateStatus> {
    let mut state = c.state.clone();
    let mut waiter = state.wait(cond);
    waiter.try_result()
}

/// What a change from `before` to `after` did, in a few words.
pub fn describe_change(before: Option<&Container>, after: Option<&Container>) -> String {
    let (b, a) = match (before, after) {
        (None, None) => return "unknown".to_owned(),
        (Some(_), None) => return "removed".to_owned(),
        (None, Some(a)) => {
            return match a.state.kind() {
                StateKind::Created => "created".to_owned(),
                k => format!("appeared ({k})"),
            }
        }
        (Some(b), Some(a)) => (b, a),
    };
    let (bs, s) = (&b.state, &a.state);
    let (bk, k) = (bs.kind(), s.kind());
    if bk != k {
        return match (bk, k) {
            (StateKind::Running, StateKind::Paused) => "paused".to_owned(),
            (StateKind::Paused, StateKind::Running) => "unpaused".to_owned(),
            (StateKind::Restarting, StateKind::Running) => {
                format!("restarted by its policy (restart {})", a.restart_count)
            }
            (_, StateKind::Running) => "started".to_owned(),
            (_, StateKind::Exited) => {
                let mut t = format!("exited ({})", s.exit_code);
                if s.oom_killed {
                    t.push_str(", OOM killed");
                }
                t
            }
            (_, StateKind::Restarting) => format!(
                "exited ({}), restarting by policy (restart {})",
                s.exit_code, a.restart_count
            ),
            (_, StateKind::Removing) => "removal started".to_owned(),
            (_, StateKind::Dead) => "removal failed: dead".to_owned(),
            (_, StateKind::Created) => "reset to created".to_owned(),
            (_, StateKind::Paused) => "paused".to_owned(),
        };
    }
    if a.name != b.name {
        return format!("renamed to {}", a.name.trim_start_matches('/'));
    }
    if s.started_at != bs.started_at && k == StateKind::Running {
        return "restarted".to_owned();
    }
    let health = |c: &Container| c.state.health.as_ref().map(|h| h.status());
    if health(a) != health(b) {
        if let Some(h) = health(a) {
            return format!("health: {h}");
        }
    }
    if s.finished_at != bs.finished_at && k == StateKind::Exited {
        return format!("exited again ({})", s.exit_code);
    }
    if a.restart_count != b.restart_count {
        return format!("restart count {}", a.restart_count);
    }
    if s.error != bs.error {
        return if s.error.is_empty() {
            "error cleared".to_owned()
        } else {
            format!("error: {}", s.error)
        };
    }
    if s.pid != bs.pid {
        return format!("pid {}", s.pid);
    }
    if a.host_config.restart_policy != b.host_config.restart_policy {
        return format!("restart policy now {}", a.host_config.restart_policy);
    }
    if let (Some(h), Some(hb)) = (&s.health, &bs.health) {
        if h.log != hb.log || h.failing_streak != hb.failing_streak {
            return format!("health probe ran (failing streak {})", h.failing_streak);
        }
    }
    "updated".to_owned()
}

/// What the restart policy decided after `c`'s last exit, in words.
pub fn decision_text(c: &Container, d: &RestartDecision) -> String {
    let policy = c.host_config.restart_policy.to_string();
    if d.restart {
        let of = if c.host_config.restart_policy.maximum_retry_count > 0 {
            format!(
                "restart {} of {}",
                d.restart_count, c.host_config.restart_policy.maximum_retry_count
            )
        } else {
            format!("restart {}", d.restart_count)
        };
        format!(
            "{policy} → restart ({of}) after a backoff of {}",
            delay_text(d.delay)
        )
    } else if c.host_config.restart_policy.is_none() {
        "no → never restart".to_owned()
    } else {
        format!(
            "{policy} → do not restart (RestartCount {}; last backoff {})",
            d.restart_count,
            delay_text(d.delay)
        )
    }
}

/// A transition with its cause, as one line: "crash running → restarting: the process exited
/// with code 7".
pub fn transition_text(t: &Transition) -> String {
    format!("{} {}", t.name.trim_start_matches('/'), t.describe())
}
