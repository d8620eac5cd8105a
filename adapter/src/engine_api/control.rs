//! The control API for tests, under `/berth/` on the Engine API's socket (never on a real
//! engine): move the virtual clock (by a duration, to the next deadline; stop and start it),
//! and make a container's process do now what it would do on its own: exit with a code, be
//! killed for memory, die of a signal, pass or fail a health probe, or run one.
//!
//! ```text
//! curl --unix-socket berth.sock -X POST 'http://berth/berth/clock/advance?by=30s'
//! curl --unix-socket berth.sock -X POST 'http://berth/berth/containers/web/exit?code=3'
//! ```

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_core::events::signal_number;
use berth_core::time::Time;
use serde_json::json;

use super::{go_duration, params, EngineApiError, Params};
use crate::engine::sim::SimEngine;

fn clock_json(sim: &SimEngine) -> Json<serde_json::Value> {
    let (now, paused, next) = sim.clock_status();
    Json(json!({
        "Now": now.to_rfc3339(),
        "Paused": paused,
        "Speed": sim.speed(),
        "NextDeadline": next.map(Time::to_rfc3339),
    }))
}

/// `GET /berth/clock`: the virtual time, whether it is stopped, its speed, and when something
/// next falls due.
pub async fn clock(State(sim): State<Arc<SimEngine>>) -> Json<serde_json::Value> {
    clock_json(&sim)
}

/// `POST /berth/clock/advance?by=30s` (or `?to=next`), `/berth/clock/pause`,
/// `/berth/clock/resume`: the clock afterwards.
pub async fn move_clock(
    State(sim): State<Arc<SimEngine>>,
    Path(action): Path<String>,
    q: Params,
) -> Result<Json<serde_json::Value>, EngineApiError> {
    let q = params(q)?;
    match action.as_str() {
        "advance" => match (q.get("by"), q.get("to").map(String::as_str)) {
            (Some(by), None) => {
                let d = go_duration(by).filter(|d| d.as_nanos() >= 0).ok_or_else(|| {
                    EngineApiError::new(
                        400,
                        format!("invalid duration {by:?}: use a Go duration such as 30s, 1m30s or 250ms"),
                    )
                })?;
                sim.advance_by(d);
            }
            (None, Some("next")) => {
                sim.advance_to_next_deadline();
            }
            _ => {
                return Err(EngineApiError::new(
                    400,
                    "advance takes by=DURATION (e.g. 30s) or to=next",
                ))
            }
        },
        "pause" => {
            sim.pause_clock(true);
        }
        "resume" => {
            sim.pause_clock(false);
        }
        _ => {
            return Err(EngineApiError::new(
                404,
                format!("no clock action {action:?}: advance, pause or resume"),
            ))
        }
    }
    Ok(clock_json(&sim))
}

/// `POST /berth/containers/{id}/exit?code=N`, `/oom`, `/signal?signal=TERM`,
/// `/health?result=pass|fail|run`: the container's process does it now, with what follows
/// (the restart policy, the health status). Refused (409) as the engine would refuse it: a
/// process that is not running cannot exit.
pub async fn process(
    State(sim): State<Arc<SimEngine>>,
    Path((reference, what)): Path<(String, String)>,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let bad = |m: &str| EngineApiError::new(400, m);
    match what.as_str() {
        "exit" => {
            let code = get("code")
                .and_then(|c| c.parse::<i64>().ok())
                .filter(|c| (0..=255).contains(c))
                .ok_or_else(|| bad("exit takes code=N, 0 to 255"))?;
            sim.control(|s| s.process_exit(&reference, code))?;
        }
        "oom" => {
            sim.control(|s| s.oom_kill(&reference))?;
        }
        "signal" => {
            let signal = get("signal").unwrap_or("KILL");
            let n =
                signal_number(signal).ok_or_else(|| bad(&format!("Invalid signal: {signal}")))?;
            // Dying of a signal: what the engine sees is the exit status 128 + n.
            sim.control(|s| s.process_exit(&reference, 128 + n))?;
        }
        "health" => match get("result") {
            Some("pass") => {
                sim.control(|s| s.probe_result(&reference, true))?;
            }
            Some("fail") => {
                sim.control(|s| s.probe_result(&reference, false))?;
            }
            Some("run") | None => {
                sim.control(|s| s.probe_now(&reference))?;
            }
            Some(other) => {
                return Err(bad(&format!(
                    "health takes result=pass, fail or run, not {other:?}"
                )))
            }
        },
        _ => {
            return Err(EngineApiError::new(
                404,
                format!("no process action {what:?}: exit, oom, signal or health"),
            ))
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
