//! What a lab step means: the docker CLI command and the Engine API call it corresponds to, and
//! a plain account of what the engine did, built from the step's record (the engine's result,
//! events, the restart policy's decision). Pure.

use berth_core::container::{truncate_id, Container};
use berth_core::ops::{shell_word, url_part, Op};
use berth_core::sim::{Program, TimerKind};
use berth_core::state::StateKind;
use berth_core::time::Time;
use berth_core::wait::WaitCondition;

use super::model::{Done, Frame, Place, Record, Step, WaitInfo, DEADLINE_EXCEEDED};
use crate::narrate::{decision_text, exit_meaning};
use crate::time_text::{clock_text, span_text};

/// The docker CLI command for a step ([`Op::cli`]); `None` for what happens on its own.
pub fn cli(step: &Step) -> Option<String> {
    match step {
        Step::Op(op) => op.cli(),
        Step::Inspect { target } => Some(format!("docker inspect {}", shell_word(target))),
        _ => None,
    }
}

/// The Engine API call for a step ([`Op::request`]); `None` for what happens on its own.
pub fn api(step: &Step) -> Option<String> {
    match step {
        Step::Op(op) => Some(op.request().to_string()),
        Step::Inspect { target } => Some(format!("GET /containers/{}/json", url_part(target))),
        _ => None,
    }
}

/// What happens on its own, in a few words, for steps that have no command.
pub fn happening(step: &Step) -> Option<String> {
    Some(match step {
        Step::Exit { target, code } => format!("{target}'s process exits with code {code}"),
        Step::Oom { target } => format!("the kernel kills {target}'s process for memory"),
        Step::Probe { target, passed } => format!(
            "a health probe of {target} {}",
            if *passed { "passes" } else { "fails" }
        ),
        Step::BeginRemoval { target } => format!("a removal of {target} starts (slowly)"),
        Step::CompleteRemoval { target } => format!("the removal of {target} completes"),
        Step::FailRemoval { target, .. } => format!("the removal of {target} fails"),
        Step::Advance { ms } => format!("time passes: {}", span_text(*ms)),
        Step::NextDeadline => "the clock jumps to the next deadline".to_owned(),
        _ => return None,
    })
}

/// A short label of the step for the step list.
pub fn label(step: &Step) -> String {
    cli(step)
        .or_else(|| happening(step))
        .or_else(|| api(step))
        .unwrap_or_default()
}

/// When the container's pending policy restart is due, from the engine's timers.
pub fn restart_due(frame: &Frame, id: &str) -> Option<Time> {
    frame
        .deadlines
        .iter()
        .find(|d| d.container_id == id && d.kind == TimerKind::RestartBackoff)
        .map(|d| d.at)
}

/// What a timer does, in words.
pub fn timer_text(kind: TimerKind) -> &'static str {
    match kind {
        TimerKind::RestartBackoff => "restart after the backoff",
        TimerKind::StopTimeout => "stop timeout: SIGKILL",
        TimerKind::HealthProbe => "health probe",
        TimerKind::ProgramExit => "the program exits on its own",
        TimerKind::Relaunch => "the operator starts it again",
    }
}

/// What a waiter shows: "returned 3", "waiting (gives up at …)", "gave up: -1 …".
pub fn wait_text(w: &WaitInfo) -> String {
    match &w.outcome {
        Some(o) if o.timed_out => format!(
            "gave up at {}: StatusCode -1, Error “{}”",
            clock_text(o.at),
            o.status.error.as_deref().unwrap_or(DEADLINE_EXCEEDED)
        ),
        Some(o) => {
            let error = match &o.status.error {
                Some(e) => format!("“{e}”"),
                None => "null".to_owned(),
            };
            let when = if w.immediate {
                "at once".to_owned()
            } else {
                format!("at {}", clock_text(o.at))
            };
            format!(
                "returned {when}: StatusCode {}, Error {error}",
                o.status.exit_code
            )
        }
        None => match w.deadline {
            Some(d) => format!("waiting… (gives up at {})", clock_text(d)),
            None => "waiting…".to_owned(),
        },
    }
}

/// Why a wait condition returned at once or waits, for the container as it is now.
pub fn wait_reason(condition: WaitCondition, kind: Option<StateKind>) -> &'static str {
    match (condition, kind) {
        (WaitCondition::NotRunning, Some(StateKind::Running | StateKind::Paused | StateKind::Restarting)) => {
            "not-running waits: the container is running (a paused or restarting one counts as running)."
        }
        (WaitCondition::NotRunning, _) => {
            "not-running returns at once: the container is not running, so the condition already holds."
        }
        (WaitCondition::NextExit, _) => {
            "next-exit always waits: it wants an exit that happens after the wait was placed, even when the container already exited."
        }
        (WaitCondition::Removed, None) => "removed returns: the container is gone.",
        (WaitCondition::Removed, Some(_)) => "removed waits until docker rm removes the container.",
    }
}

/// A plain account of what the step did.
pub fn explain(record: &Record, before: &Frame) -> String {
    let frame = &record.frame;
    let mut out = Vec::new();
    match &record.result {
        Err(e) => {
            let phrase = match e.status {
                400 => "Bad Request",
                404 => "Not Found",
                409 => "Conflict",
                500 => "Internal Server Error",
                _ => "",
            };
            out.push(format!(
                "The engine refused: HTTP {} {phrase}, with the message above, word for word.",
                e.status
            ));
            out.push(refusal_hint(&record.step, e.status).to_owned());
        }
        Ok(Done::NotModified) => out.push(
            "Nothing to do: the engine answers 304 Not Modified (starting a running container, stopping a stopped one)."
                .to_owned(),
        ),
        Ok(Done::Created { id }) => out.push(format!(
            "Created {} with ID {}… The name is now reserved for this ID.",
            frame
                .view
                .get(id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            truncate_id(id)
        )),
        Ok(Done::Found { id }) => out.push(format!(
            "The reference resolved to {} (full ID {id}): an exact ID, then a name, then a unique ID prefix.",
            frame.view.get(id).map(|s| s.name.clone()).unwrap_or_default()
        )),
        Ok(Done::WaitPlaced { number }) => {
            if let Some(w) = number.checked_sub(1).and_then(|i| frame.waiters.get(i)) {
                let kind = frame
                    .view
                    .get(&w.container_id)
                    .ok()
                    .map(|s| s.container.state.kind());
                out.push(format!("Wait #{number} ({}): {}", w.condition, wait_text(w)));
                out.push(wait_reason(w.condition, kind).to_owned());
            }
        }
        Ok(Done::Clock {
            from,
            to,
            cut_short,
        }) => {
            out.push(format!(
                "The virtual clock moved {} to {}.",
                span_text(to.since(*from).as_millis()),
                clock_text(*to)
            ));
            if *cut_short {
                out.push(
                    "The lab stopped the clock early: too many timers fired (a very frequent health check?). Step on to continue."
                        .to_owned(),
                );
            }
        }
        Ok(Done::NothingDue) => out.push("Nothing is due: no timer and no waiter deadline.".to_owned()),
        Ok(Done::Ok) => {
            if let Some(what) = step_meaning(&record.step) {
                out.push(what.to_owned());
            }
            if let Some(line) = pending_kill(record) {
                out.push(line);
            }
        }
    }
    for m in &record.moves {
        let path: Vec<&str> = m.path.iter().map(|p| p.as_str()).collect();
        let mut line = format!("{}: {}.", m.name.trim_start_matches('/'), path.join(" → "));
        if let Some(Place::State(k)) = m.path.last() {
            if let Ok(s) = frame.view.get(&m.id) {
                let c = &s.container;
                line.push(' ');
                line.push_str(&state_sentence(c, *k, frame, before));
            }
        }
        out.push(line);
    }
    for n in &record.resolved {
        if let Some(w) = n.checked_sub(1).and_then(|i| frame.waiters.get(i)) {
            out.push(format!("Wait #{n} ({}) {}", w.condition, wait_text(w)));
        }
    }
    out.retain(|s| !s.is_empty());
    out.join("\n")
}

/// After a stop or restart the process survived: when the engine's SIGKILL is due.
fn pending_kill(record: &Record) -> Option<String> {
    if !matches!(
        record.step,
        Step::Op(Op::Stop { .. }) | Step::Op(Op::Restart { .. })
    ) {
        return None;
    }
    let frame = &record.frame;
    let id = record
        .step
        .target()
        .and_then(|t| frame.view.resolve(t).ok())
        .map(|s| s.id().to_owned())?;
    let due = frame
        .deadlines
        .iter()
        .find(|d| d.container_id == id && d.kind == TimerKind::StopTimeout)?;
    Some(format!(
        "The process ignored the stop signal and is still running: the engine sends SIGKILL at {} (in {}) unless it exits first.",
        clock_text(due.at),
        span_text(due.at.since(frame.now).as_millis())
    ))
}

fn step_meaning(step: &Step) -> Option<&'static str> {
    Some(match step {
        Step::Op(Op::Start { .. }) => "docker start runs the container's process (a manual start resets RestartCount).",
        Step::Op(Op::Stop { .. }) => "docker stop sends the stop signal, then SIGKILL when the timeout passes.",
        Step::Op(Op::Restart { .. }) => "docker restart is a stop, then a start; it does not count as a policy restart.",
        Step::Op(Op::Kill { .. }) => "docker kill sends a signal (SIGKILL unless -s); the restart policy will not restart a container stopped by hand.",
        Step::Op(Op::Pause { .. }) => "docker pause freezes the processes; the container still counts as running.",
        Step::Op(Op::Unpause { .. }) => "docker unpause thaws it.",
        Step::Op(Op::Remove { .. }) => "docker rm removes the container and frees its name.",
        Step::Op(Op::Rename { .. }) => "docker rename reserves the new name and frees the old one.",
        Step::Exit { .. } => "The process ended on its own; the restart policy decides what happens next.",
        Step::Oom { .. } => "The kernel's OOM killer sent SIGKILL: exit 137 and OOMKilled.",
        Step::Probe { .. } => "A health probe ran (exec_create, exec_start, exec_die events).",
        Step::BeginRemoval { .. } => "The removal is under way: RemovalInProgress.",
        Step::CompleteRemoval { .. } => "The removal finished: the container is gone.",
        Step::FailRemoval { .. } => "The removal failed: the container is left dead, with the error.",
        _ => return None,
    })
}

fn refusal_hint(step: &Step, status: u16) -> &'static str {
    match (step, status) {
        (_, 404) => "No container has that ID, name or ID prefix.",
        (Step::Inspect { .. }, 500)
        | (Step::Op(Op::Start { .. }), 500)
        | (Step::Op(Op::Stop { .. }), 500) => {
            "More than one ID starts with that prefix: type more of it."
        }
        (Step::Op(Op::Remove { .. }), 409) => {
            "docker rm refuses a running or paused container without -f."
        }
        (Step::Op(Op::Start { .. }), 409) => "A paused container is unpaused, not started.",
        (Step::Op(Op::Create { .. }) | Step::Op(Op::Rename { .. }), 409) => {
            "Names are unique: rename or remove the container holding it first."
        }
        (_, 409) => "The operation does not fit the container's current state.",
        (_, 400) => "The request itself is invalid.",
        _ => "",
    }
}

/// One sentence about where a container ended after a step.
fn state_sentence(c: &Container, k: StateKind, frame: &Frame, _before: &Frame) -> String {
    let s = &c.state;
    match k {
        StateKind::Restarting => {
            let due = restart_due(frame, &c.id)
                .map(|t| format!(" (due at {})", clock_text(t)))
                .unwrap_or_default();
            match frame.decisions.get(&c.id) {
                Some(d) => format!(
                    "It exited {} ({}); the policy decided {}{due}.",
                    s.exit_code,
                    exit_meaning(s.exit_code, s.oom_killed),
                    decision_text(c, d)
                ),
                None => "Waiting for a policy restart.".to_owned(),
            }
        }
        StateKind::Exited => {
            let mut t = format!(
                "Exit code {}: {}.",
                s.exit_code,
                exit_meaning(s.exit_code, s.oom_killed)
            );
            if let Some(d) = frame.decisions.get(&c.id) {
                if !c.host_config.restart_policy.is_none() {
                    t.push_str(&format!(" Policy: {}.", decision_text(c, d)));
                }
            }
            t
        }
        StateKind::Running => match &s.health {
            Some(h) => format!(
                "Health: {} (failing streak {}).",
                h.status(),
                h.failing_streak
            ),
            None => String::new(),
        },
        StateKind::Paused => "Frozen; Running and Paused are both true.".to_owned(),
        StateKind::Removing => "RemovalInProgress is set.".to_owned(),
        StateKind::Dead => format!("Dead. Error: {}", s.error),
        StateKind::Created => String::new(),
    }
}

/// The program choices of the create form: a label and a description for each.
pub fn program_text(p: &Program) -> String {
    match p {
        Program::RunsForever => "runs until signalled".to_owned(),
        Program::ExitsAfter { after_ms, code } => {
            format!("exits {code} after {}", span_text(*after_ms))
        }
        Program::IgnoresSigterm => "ignores SIGTERM (PID 1 without a handler)".to_owned(),
        Program::ExitsIgnoringSignals { after_ms, code } => format!(
            "exits {code} after {}, ignoring SIGTERM (PID 1 without a handler)",
            span_text(*after_ms)
        ),
        Program::AllocatesMemory { after_ms } => {
            format!(
                "allocates memory (OOM after {} with -m)",
                span_text(*after_ms)
            )
        }
    }
}
