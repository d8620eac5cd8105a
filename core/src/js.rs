//! berth's JavaScript API (wasm32 only): the container package's `State`, `Wait`, `ViewDB` and
//! `View`, the restart policy, the engine's action checks, `docker ps` filters, engine events and
//! the mirror `Model`, as plain JS classes and functions through wasm-bindgen.
//!
//! Conventions a JS user can rely on:
//! - Times are JS numbers of milliseconds since the epoch (`Date.now()`).
//! - JSON-shaped results (flags, inspect documents, list items, wait results) are plain JS
//!   objects with the engine's field names.
//! - Every failure is thrown as a JS `Error` whose `message` is the core's message verbatim and
//!   whose `kind` property is one of `"not_found"`, `"conflict"`, `"invalid_parameter"`,
//!   `"system"`, so callers can branch on it.
//! - `ContainerState.wait()` returns a `Promise` that settles when a transition on the same
//!   `ContainerState` meets the condition; nothing is borrowed while it is pending.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Promise};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::actions::{self, Action, Verdict};
use crate::api::ContainerInspect;
use crate::container::Container;
use crate::errdefs::{ErrorKind, HasKind};
use crate::events::Event;
use crate::filters::{self, Filters, ListOptions};
use crate::health::{Health, HealthStatus, ProbeResult};
use crate::model::{ChangeKind, Model};
use crate::restart::RestartPolicy;
use crate::state::ExitStatus;
use crate::time::{Duration, Time};
use crate::view::{Snapshot, View, ViewDb};
use crate::wait::WaitCondition;
use crate::wire::WaitResponse;

// ---------------------------------------------------------------------------------------------
// Errors and conversions
// ---------------------------------------------------------------------------------------------

/// The `kind` property of a thrown error: [`ErrorKind`]'s wire name.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not_found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::InvalidParameter => "invalid_parameter",
        ErrorKind::System => "system",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::NotAllowed => "not_allowed",
        ErrorKind::Unreachable => "unreachable",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::NotImplemented => "not_implemented",
    }
}

/// A JS `Error` with `message` and a `kind` property.
fn js_error(kind: ErrorKind, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh, extensible Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("kind"), &kind_name(kind).into());
    err.into()
}

/// A core error, thrown with its own kind.
fn core_error<E: HasKind + std::fmt::Display>(e: E) -> JsValue {
    js_error(e.kind(), &e.to_string())
}

/// A malformed argument (an error type of the core that has no kind of its own, or bad JSON).
fn invalid(e: impl std::fmt::Display) -> JsValue {
    js_error(ErrorKind::InvalidParameter, &e.to_string())
}

/// Converts JS milliseconds since the epoch (fractions allowed) to a [`Time`].
fn time_arg(ms: f64) -> Result<Time, JsValue> {
    if !ms.is_finite() {
        return Err(invalid(format!(
            "invalid time: {ms} is not a finite number of milliseconds"
        )));
    }
    let whole = ms.trunc();
    // Both casts saturate; the fraction is below one millisecond.
    let sub_ms_nanos = ((ms - whole) * 1e6).round() as i64;
    Ok(Time::from_unix_millis(whole as i64).add(Duration::from_nanos(sub_ms_nanos)))
}

/// Converts a JS span in milliseconds (fractions allowed) to a [`Duration`].
fn duration_arg(ms: f64) -> Result<Duration, JsValue> {
    if !ms.is_finite() {
        return Err(invalid(format!(
            "invalid duration: {ms} is not a finite number of milliseconds"
        )));
    }
    Ok(Duration::from_nanos((ms * 1e6).round() as i64))
}

/// Serializes `value` as a plain JS object (maps as objects, `None` as `null`).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(ErrorKind::System, &e.to_string()))
}

/// Reads a JSON document given either as a JSON string or as a plain JS object.
fn from_json_arg<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsValue> {
    match value.as_string() {
        Some(text) => serde_json::from_str(&text).map_err(invalid),
        None => serde_wasm_bindgen::from_value(value).map_err(invalid),
    }
}

fn parse_condition(condition: Option<String>) -> Result<WaitCondition, JsValue> {
    condition
        .as_deref()
        .unwrap_or_default()
        .parse::<WaitCondition>()
        .map_err(core_error)
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** The engine's wait response (`POST /containers/{id}/wait`). */
export interface WaitResponse { StatusCode: number; Error: { Message: string } | null }
/** A health record: status, failing streak, last five probes. */
export interface HealthRecord {
  Status: string; FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}
/** The stored state flags; times are RFC 3339. */
export interface StateFlags {
  Running: boolean; Paused: boolean; Restarting: boolean; OOMKilled: boolean;
  RemovalInProgress: boolean; Dead: boolean; Removed: boolean; Pid: number; ExitCode: number;
  Error: string; StartedAt: string; FinishedAt: string; Health: HealthRecord | null;
}
/** Whether the engine would carry out an action now. */
export type CheckResult =
  | { ok: true; notModified: boolean }
  | { ok: false; status: number; kind: ErrorKind; message: string };
/** The `kind` property of every error this module throws. */
export type ErrorKind = "not_found" | "conflict" | "invalid_parameter" | "system";
/** The restart policy's decision after an exit. */
export interface RestartDecision { restart: boolean; delayMs: number; restartCount: number }
/** The inspect document (`GET /containers/{id}/json`), engine field names. */
export type ContainerInspect =
  { Id: string; Name: string; State: Record<string, any>; RestartCount: number } & Record<string, any>;
/** One `GET /containers/json` item, engine field names. */
export type ListItem =
  { Id: string; Names: string[]; State: string; Status: string } & Record<string, any>;
/** `View.list` options; `filters` is the engine's JSON text or an object of either form. */
export interface ListOptions {
  all?: boolean; limit?: number; nowMs?: number;
  filters?: string | Record<string, string[] | Record<string, boolean>>;
}
/** One engine event (a `GET /events` line), engine field names. */
export interface EngineEvent {
  Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> | null };
  scope?: string; time?: number; timeNano?: number;
}
/** What `Model.apply` did. */
export interface Applied {
  revision: number; id: string; change: "created" | "updated" | "removed" | "ignored";
  needsInspect: boolean;
}
"#;

// ---------------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------------

/// go-units' `HumanDuration` of `ms` milliseconds: `"Less than a second"`, `"About a minute"`,
/// `"3 hours"`, … (the words of `docker ps`'s Status column).
#[wasm_bindgen(js_name = humanDuration)]
pub fn human_duration(ms: f64) -> Result<String, JsValue> {
    Ok(crate::time::human_duration(duration_arg(ms)?))
}

/// Whether `s` is one of the seven state strings (`created`, `running`, `paused`,
/// `restarting`, `removing`, `exited`, `dead`).
#[wasm_bindgen(js_name = isValidStateString)]
pub fn is_valid_state_string(s: &str) -> bool {
    crate::state::is_valid_state_string(s)
}

/// Whether `s` is one of `starting`, `healthy`, `unhealthy`, `none`.
#[wasm_bindgen(js_name = isValidHealthString)]
pub fn is_valid_health_string(s: &str) -> bool {
    crate::health::is_valid_health_string(s)
}

/// `ReplaceOrAppendEnvValues`: `defaults` with each `KEY=value` of `overrides` replacing the
/// default of the same key in place (or appended), and each bare `KEY` removing it.
#[wasm_bindgen(js_name = replaceOrAppendEnvValues)]
pub fn replace_or_append_env_values(defaults: Vec<String>, overrides: Vec<String>) -> Vec<String> {
    crate::env::replace_or_append_env_values(&defaults, &overrides)
}

// ---------------------------------------------------------------------------------------------
// ContainerState
// ---------------------------------------------------------------------------------------------

/// The state flags as `flags` returns them: the engine's names, times as RFC 3339, `Removed`
/// (in memory only) included and `Health` always present (`null` without a health check).
#[derive(Serialize)]
struct Flags<'a> {
    #[serde(rename = "Running")]
    running: bool,
    #[serde(rename = "Paused")]
    paused: bool,
    #[serde(rename = "Restarting")]
    restarting: bool,
    #[serde(rename = "OOMKilled")]
    oom_killed: bool,
    #[serde(rename = "RemovalInProgress")]
    removal_in_progress: bool,
    #[serde(rename = "Dead")]
    dead: bool,
    #[serde(rename = "Removed")]
    removed: bool,
    #[serde(rename = "Pid")]
    pid: i64,
    #[serde(rename = "ExitCode")]
    exit_code: i64,
    #[serde(rename = "Error")]
    error: &'a str,
    #[serde(rename = "StartedAt")]
    started_at: Time,
    #[serde(rename = "FinishedAt")]
    finished_at: Time,
    #[serde(rename = "Health")]
    health: Option<&'a Health>,
}

/// `check`'s answer: `{ok: true, notModified}` or `{ok: false, status, kind, message}`.
#[derive(Serialize)]
#[serde(untagged)]
enum CheckResult {
    Accepted {
        ok: bool,
        #[serde(rename = "notModified")]
        not_modified: bool,
    },
    Refused {
        ok: bool,
        status: u16,
        kind: &'static str,
        message: String,
    },
}

/// `decideRestart`'s answer.
#[derive(Serialize)]
struct RestartAnswer {
    restart: bool,
    #[serde(rename = "delayMs")]
    delay_ms: i64,
    #[serde(rename = "restartCount")]
    restart_count: i64,
}

/// One container and its state: every transition of the container package's `State`, its
/// derived strings, `Wait` as a Promise, the engine's action checks and the restart policy.
///
/// JS: `new ContainerState(id, name?, createdMs?)`.
#[wasm_bindgen(js_name = ContainerState)]
pub struct JsContainerState {
    /// Shared with nothing but the pending waits' senders, which live inside the state itself;
    /// never borrowed across an await.
    inner: Rc<RefCell<Container>>,
}

impl JsContainerState {
    /// The container this object wraps (a copy; waiters are not copied).
    pub fn container(&self) -> Container {
        self.inner.borrow().clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Container) -> R) -> R {
        f(&mut self.inner.borrow_mut())
    }
}

#[wasm_bindgen(js_class = ContainerState)]
impl JsContainerState {
    /// A created container that never ran, with `id`, the optional `name` (a leading `/` is
    /// added when missing, as the engine stores names) and creation time.
    #[wasm_bindgen(constructor)]
    pub fn new(
        id: String,
        name: Option<String>,
        #[wasm_bindgen(js_name = createdMs)] created_ms: Option<f64>,
    ) -> Result<JsContainerState, JsValue> {
        let mut c = Container::new_base(id);
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            c.name = if name.starts_with('/') {
                name
            } else {
                format!("/{name}")
            };
        }
        if let Some(ms) = created_ms {
            c.created = time_arg(ms)?;
        }
        Ok(JsContainerState {
            inner: Rc::new(RefCell::new(c)),
        })
    }

    /// A container from the engine's `GET /containers/{id}/json` document (what `toJSON`
    /// gives), as JSON text or an object; throws `invalid_parameter` when it is not one.
    #[wasm_bindgen(js_name = fromInspect)]
    pub fn from_inspect(
        #[wasm_bindgen(unchecked_param_type = "ContainerInspect | string")] json: JsValue,
    ) -> Result<JsContainerState, JsValue> {
        let doc: ContainerInspect = from_json_arg(json)?;
        Ok(JsContainerState {
            inner: Rc::new(RefCell::new(doc.to_container())),
        })
    }

    /// The inspect document (`GET /containers/{id}/json`); `JSON.stringify` uses it.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "ContainerInspect")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&ContainerInspect::of(&self.inner.borrow()))
    }

    /// The full ID.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.borrow().id.clone()
    }

    /// The name, with its leading slash (empty when none).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.borrow().name.clone()
    }

    /// `StopSignal`: the configured stop signal, or `SIGTERM`.
    #[wasm_bindgen(getter, js_name = stopSignal)]
    pub fn stop_signal(&self) -> String {
        self.inner.borrow().stop_signal().to_owned()
    }

    /// `StopTimeout`: the configured stop timeout in seconds, or 10.
    #[wasm_bindgen(getter, js_name = stopTimeout)]
    pub fn stop_timeout(&self) -> f64 {
        self.inner.borrow().stop_timeout() as f64
    }

    /// Restarts made by the restart policy (`RestartCount`).
    #[wasm_bindgen(getter, js_name = restartCount)]
    pub fn restart_count(&self) -> f64 {
        self.inner.borrow().restart_count as f64
    }

    /// `SetRunning`: the task with `pid` started (`initial`) or was re-attached at boot.
    #[wasm_bindgen(js_name = setRunning)]
    pub fn set_running(
        &self,
        pid: i32,
        initial: bool,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        let now = time_arg(now_ms)?;
        self.with(|c| {
            c.state.set_running(i64::from(pid), initial, now);
            if initial {
                c.has_been_started_before = true;
            }
        });
        Ok(())
    }

    /// `SetStopped`: the process exited with `exitCode` at `nowMs`. Settles every pending
    /// `not-running` and `next-exit` wait.
    #[wasm_bindgen(js_name = setStopped)]
    pub fn set_stopped(
        &self,
        #[wasm_bindgen(js_name = exitCode)] exit_code: i32,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        let now = time_arg(now_ms)?;
        self.with(|c| {
            c.state
                .set_stopped(ExitStatus::new(i64::from(exit_code), now), now)
        });
        Ok(())
    }

    /// `SetRestarting`: the process exited with `exitCode` and the policy will start it again.
    /// Settles every pending `not-running` and `next-exit` wait with that exit code.
    #[wasm_bindgen(js_name = setRestarting)]
    pub fn set_restarting(
        &self,
        #[wasm_bindgen(js_name = exitCode)] exit_code: i32,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        let now = time_arg(now_ms)?;
        self.with(|c| {
            c.state
                .set_restarting(ExitStatus::new(i64::from(exit_code), now), now)
        });
        Ok(())
    }

    /// Pause: sets Paused (a paused container is still Running).
    pub fn pause(&self) {
        self.with(|c| c.state.set_paused());
    }

    /// Unpause: clears Paused.
    pub fn unpause(&self) {
        self.with(|c| c.state.set_unpaused());
    }

    /// The kernel killed the process for memory (call before `setStopped`).
    #[wasm_bindgen(js_name = setOomKilled)]
    pub fn set_oom_killed(&self) {
        self.with(|c| c.state.set_oom_killed());
    }

    /// `SetRemovalInProgress`: true if a removal was already under way, else starts one.
    #[wasm_bindgen(js_name = setRemovalInProgress)]
    pub fn set_removal_in_progress(&self) -> bool {
        self.with(|c| c.state.set_removal_in_progress())
    }

    /// `ResetRemovalInProgress`.
    #[wasm_bindgen(js_name = resetRemovalInProgress)]
    pub fn reset_removal_in_progress(&self) {
        self.with(|c| c.state.reset_removal_in_progress());
    }

    /// `SetRemoved`: marks the container removed and settles every pending wait.
    #[wasm_bindgen(js_name = setRemoved)]
    pub fn set_removed(&self) {
        self.with(|c| c.state.set_removed());
    }

    /// `SetRemovalError`: records `message`, marks the container removed and settles every
    /// pending wait with that error.
    #[wasm_bindgen(js_name = setRemovalError)]
    pub fn set_removal_error(&self, message: &str) {
        self.with(|c| c.state.set_removal_error(Some(message)));
    }

    /// A failed removal left the container dead.
    #[wasm_bindgen(js_name = setDead)]
    pub fn set_dead(&self) {
        self.with(|c| c.state.set_dead());
    }

    /// `SetError`: records `message`, or clears the error with `null`/`undefined`.
    #[wasm_bindgen(js_name = setError)]
    pub fn set_error(&self, message: Option<String>) {
        self.with(|c| c.state.set_error(message.as_deref()));
    }

    /// Sets the health status (`starting`, `healthy`, `unhealthy`); `none` removes the health
    /// record (no health check).
    #[wasm_bindgen(js_name = setHealth)]
    pub fn set_health(&self, status: &str) -> Result<(), JsValue> {
        let status: HealthStatus = status.parse().map_err(invalid)?;
        self.with(|c| match status {
            HealthStatus::None => c.state.health = None,
            other => c
                .state
                .health
                .get_or_insert_with(Health::default)
                .set_status(other),
        });
        Ok(())
    }

    /// Records one health probe as the daemon's monitor does (keeps the last five, counts the
    /// failing streak, turns `unhealthy` after the configured retries, default 3; failures
    /// during the start period do not count while `starting`). Starts a `starting` record when
    /// there is none. Returns the new status.
    #[wasm_bindgen(js_name = recordProbe)]
    pub fn record_probe(
        &self,
        #[wasm_bindgen(js_name = exitCode)] exit_code: i32,
        output: String,
        #[wasm_bindgen(js_name = startMs)] start_ms: f64,
        #[wasm_bindgen(js_name = endMs)] end_ms: f64,
    ) -> Result<String, JsValue> {
        let start = time_arg(start_ms)?;
        let end = time_arg(end_ms)?;
        Ok(self.with(|c| {
            let (retries, start_period) = match &c.config.healthcheck {
                Some(hc) => (hc.retries_or_default(), hc.start_period),
                None => (3, 0),
            };
            let in_start_period = start_period > 0
                && !c.state.started_at.is_zero()
                && start < c.state.started_at.add(Duration::from_nanos(start_period));
            let health = c.state.health.get_or_insert_with(Health::starting);
            let result = ProbeResult {
                start,
                end,
                exit_code: i64::from(exit_code),
                output,
            };
            health
                .record_probe(result, retries, in_start_period)
                .as_str()
                .to_owned()
        }))
    }

    /// `StateString`: one of the seven state strings.
    #[wasm_bindgen(getter, js_name = stateString)]
    pub fn state_string(&self) -> String {
        self.inner.borrow().state.state_string().to_owned()
    }

    /// `String`: the `docker ps` Status column at `nowMs` (`"Up 5 seconds (Paused)"`,
    /// `"Exited (3) 2 minutes ago"`, …).
    #[wasm_bindgen(js_name = statusText)]
    pub fn status_text(
        &self,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<String, JsValue> {
        let now = time_arg(now_ms)?;
        Ok(self.inner.borrow().state.status_string(now))
    }

    /// The stored flags as a plain object: `Running`, `Paused`, `Restarting`, `OOMKilled`,
    /// `RemovalInProgress`, `Dead`, `Removed`, `Pid`, `ExitCode`, `Error`, `StartedAt` and
    /// `FinishedAt` (RFC 3339), `Health` (`{Status, FailingStreak, Log}` or `null`).
    #[wasm_bindgen(getter, unchecked_return_type = "StateFlags")]
    pub fn flags(&self) -> Result<JsValue, JsValue> {
        let c = self.inner.borrow();
        let s = &c.state;
        to_js(&Flags {
            running: s.running,
            paused: s.paused,
            restarting: s.restarting,
            oom_killed: s.oom_killed,
            removal_in_progress: s.removal_in_progress,
            dead: s.dead,
            removed: s.removed,
            pid: s.pid,
            exit_code: s.exit_code,
            error: &s.error,
            started_at: s.started_at,
            finished_at: s.finished_at,
            health: s.health.as_ref(),
        })
    }

    /// `Wait`: a Promise of `{StatusCode, Error}` (the engine's wait response; `Error` is `null`
    /// or `{Message}`) that resolves when `condition` is met: `"not-running"` (the default; at
    /// once when not running), `"next-exit"` (at the next exit, restart or removal) or
    /// `"removed"`. Any other condition gives a rejected Promise with the engine's message.
    /// If this object is freed first, it resolves with `StatusCode` -1.
    #[wasm_bindgen(unchecked_return_type = "Promise<WaitResponse>")]
    pub fn wait(&self, condition: Option<String>) -> Promise {
        let condition = match parse_condition(condition) {
            Ok(c) => c,
            Err(e) => return Promise::reject(&e),
        };
        // The borrow ends here: the future owns only the receiving end of the channel.
        let waiter = self.inner.borrow_mut().state.wait(condition);
        future_to_promise(async move {
            let status = waiter.await;
            to_js(&WaitResponse::from(status))
        })
    }

    /// How many waits are still pending.
    #[wasm_bindgen(getter, js_name = pendingWaiters)]
    pub fn pending_waiters(&self) -> u32 {
        u32::try_from(self.inner.borrow().state.pending_waiters()).unwrap_or(u32::MAX)
    }

    /// Whether the engine would carry out `action` (`start`, `stop`, `restart`, `pause`,
    /// `unpause`, `kill`, `remove`, `force-remove`) now: `{ok: true, notModified}` (a 304 when
    /// `notModified`), or `{ok: false, status, kind, message}` with the engine's refusal.
    /// An unknown action is thrown (`invalid_parameter`).
    #[wasm_bindgen(unchecked_return_type = "CheckResult")]
    pub fn check(&self, action: &str) -> Result<JsValue, JsValue> {
        let action: Action = action.parse().map_err(invalid)?;
        let answer = match actions::check(action, &self.inner.borrow()) {
            Ok(verdict) => CheckResult::Accepted {
                ok: true,
                not_modified: verdict == Verdict::NotModified,
            },
            Err(refusal) => CheckResult::Refused {
                ok: false,
                status: refusal.kind.http_status(),
                kind: kind_name(refusal.kind),
                message: refusal.message,
            },
        };
        to_js(&answer)
    }

    /// The actions the engine would accept now (304s count as accepted), in the dashboard's
    /// order.
    #[wasm_bindgen(js_name = allowedActions)]
    pub fn allowed_actions(&self) -> Vec<String> {
        actions::allowed(&self.inner.borrow())
            .into_iter()
            .map(|a| a.as_str().to_owned())
            .collect()
    }

    /// The restart policy in the CLI's form: `no`, `always`, `unless-stopped`, `on-failure` or
    /// `on-failure:3`.
    #[wasm_bindgen(getter, js_name = restartPolicy)]
    pub fn restart_policy(&self) -> String {
        self.inner.borrow().host_config.restart_policy.to_string()
    }

    /// Sets the restart policy from the CLI's `--restart` value (throws `invalid_parameter` on
    /// a value the CLI refuses). The restart manager starts afresh; the count is kept.
    #[wasm_bindgen(setter, js_name = restartPolicy)]
    pub fn set_restart_policy(&self, policy: &str) -> Result<(), JsValue> {
        let policy: RestartPolicy = policy.parse().map_err(invalid)?;
        self.with(|c| {
            c.host_config.restart_policy = policy;
            c.reset_restart_manager(false);
        });
        Ok(())
    }

    /// `ShouldRestart` after an exit with `exitCode` of a run that lasted `ranForMs`:
    /// `{restart, delayMs, restartCount}`. A yes raises `RestartCount` (as the daemon does) and
    /// keeps the manager busy until `restartFired()`; deciding again before that throws
    /// (`system`), and after `exitOnNext()` it throws "restart canceled" (`conflict`).
    #[wasm_bindgen(js_name = decideRestart, unchecked_return_type = "RestartDecision")]
    pub fn decide_restart(
        &self,
        #[wasm_bindgen(js_name = exitCode)] exit_code: i32,
        #[wasm_bindgen(js_name = ranForMs)] ran_for_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let ran_for = duration_arg(ran_for_ms)?;
        let decision = self.with(|c| {
            let manually_stopped = c.has_been_manually_stopped;
            let decision = c.restart_manager().should_restart(
                i64::from(exit_code),
                manually_stopped,
                ran_for,
            )?;
            if decision.restart {
                c.restart_count = decision.restart_count;
            }
            Ok(decision)
        });
        let decision = decision.map_err(core_error::<crate::restart::RestartError>)?;
        to_js(&RestartAnswer {
            restart: decision.restart,
            delay_ms: decision.delay.as_millis(),
            restart_count: decision.restart_count,
        })
    }

    /// The restart delay elapsed and the container is being started again: the restart
    /// manager may decide again.
    #[wasm_bindgen(js_name = restartFired)]
    pub fn restart_fired(&self) {
        self.with(|c| c.restart_manager().fire());
    }

    /// `ExitOnNext`: the next exit does not restart (what `docker stop` does first).
    #[wasm_bindgen(js_name = exitOnNext)]
    pub fn exit_on_next(&self) {
        self.with(|c| c.exit_on_next());
    }

    /// Records that the user stopped the container by hand (`unless-stopped` then does not
    /// restart it) or clears that.
    #[wasm_bindgen(js_name = setManuallyStopped)]
    pub fn set_manually_stopped(&self, stopped: bool) {
        self.with(|c| c.has_been_manually_stopped = stopped);
    }
}

// ---------------------------------------------------------------------------------------------
// ViewDb and View
// ---------------------------------------------------------------------------------------------

/// The ViewDB: snapshots of containers by ID and name reservations. Each call is one atomic
/// transaction; read with `snapshot()`.
///
/// A snapshot's `Names` are the names reserved to its ID when it is saved: reserve first, then
/// save.
#[wasm_bindgen(js_name = ViewDb)]
#[derive(Default)]
pub struct JsViewDb {
    db: ViewDb,
}

#[wasm_bindgen(js_class = ViewDb)]
impl JsViewDb {
    /// An empty database.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsViewDb {
        JsViewDb::default()
    }

    /// `Save`: inserts or replaces the snapshot of `container`, its Status rendered at `nowMs`.
    pub fn save(
        &mut self,
        container: &JsContainerState,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        let now = time_arg(now_ms)?;
        self.db
            .save(&container.inner.borrow(), now)
            .map_err(core_error)
    }

    /// `Delete`: removes the snapshot with `id` (if any) and every name reserved to it.
    pub fn delete(&mut self, id: &str) {
        self.db.delete_id(id);
    }

    /// `ReserveName`: reserves `name` for `id`; idempotent for the same pair, throws "name is
    /// reserved" (`conflict`) when another ID holds it.
    #[wasm_bindgen(js_name = reserveName)]
    pub fn reserve_name(&mut self, name: &str, id: &str) -> Result<(), JsValue> {
        self.db.reserve_name(name, id).map_err(core_error)
    }

    /// `ReleaseName`: frees `name`; throws "not found" (`not_found`) when it is not reserved.
    #[wasm_bindgen(js_name = releaseName)]
    pub fn release_name(&mut self, name: &str) -> Result<(), JsValue> {
        self.db.release_name(name).map_err(core_error)
    }

    /// `GetByPrefix`: the one ID starting with `prefix`; throws `invalid_parameter` for an
    /// empty or ambiguous prefix and `not_found` when none matches.
    #[wasm_bindgen(js_name = getByPrefix)]
    pub fn get_by_prefix(&self, prefix: &str) -> Result<String, JsValue> {
        self.db.get_by_prefix(prefix).map_err(core_error)
    }

    /// `Snapshot`: a read-only view that never sees later writes (O(1)).
    pub fn snapshot(&self) -> JsView {
        JsView {
            view: self.db.snapshot(),
        }
    }

    /// How many containers are stored.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.db.len()).unwrap_or(u32::MAX)
    }
}

/// A consistent read-only view of a [`JsViewDb`] (`View`).
#[wasm_bindgen(js_name = View)]
pub struct JsView {
    view: View,
}

/// The list item of a snapshot, with its Status at save time or rendered at `now`.
fn summary_js(s: &Snapshot, now: Option<Time>) -> Result<JsValue, JsValue> {
    match now {
        Some(now) => to_js(&s.summary_at(now)),
        None => to_js(&s.summary),
    }
}

fn optional_time(ms: Option<f64>) -> Result<Option<Time>, JsValue> {
    ms.map(time_arg).transpose()
}

#[wasm_bindgen(js_class = View)]
impl JsView {
    /// `All`: every container as a `GET /containers/json` item, ordered by ID; `Status` as at
    /// save time, or rendered at `nowMs` when given.
    #[wasm_bindgen(unchecked_return_type = "ListItem[]")]
    pub fn all(
        &self,
        #[wasm_bindgen(js_name = nowMs)] now_ms: Option<f64>,
    ) -> Result<Array, JsValue> {
        let now = optional_time(now_ms)?;
        self.view
            .iter()
            .map(|s| summary_js(s, now))
            .collect::<Result<Array, JsValue>>()
    }

    /// `Get`: the list item of the container with exactly this ID; throws "No such container:
    /// {id}" (`not_found`).
    pub fn get(
        &self,
        id: &str,
        #[wasm_bindgen(js_name = nowMs)] now_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let now = optional_time(now_ms)?;
        let snapshot = self.view.get(id).map_err(core_error)?;
        summary_js(&snapshot, now)
    }

    /// `GetID`: the ID `name` is reserved to; throws "name is not reserved" (`not_found`).
    #[wasm_bindgen(js_name = getId)]
    pub fn get_id(&self, name: &str) -> Result<String, JsValue> {
        self.view.get_id(name).map_err(core_error)
    }

    /// `GetAllNames`: `{id: [names…]}`, names in order.
    #[wasm_bindgen(js_name = getAllNames, unchecked_return_type = "Record<string, string[]>")]
    pub fn get_all_names(&self) -> Result<JsValue, JsValue> {
        to_js(&self.view.get_all_names())
    }

    /// `GetByPrefix` on this view.
    #[wasm_bindgen(js_name = getByPrefix)]
    pub fn get_by_prefix(&self, prefix: &str) -> Result<String, JsValue> {
        self.view.get_by_prefix(prefix).map_err(core_error)
    }

    /// Finds a container as the daemon does for `docker inspect REF`: exact ID, then name (with
    /// or without its slash), then unique ID prefix. Returns its list item.
    pub fn resolve(
        &self,
        reference: &str,
        #[wasm_bindgen(js_name = nowMs)] now_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let now = optional_time(now_ms)?;
        let snapshot = self.view.resolve(reference).map_err(core_error)?;
        summary_js(&snapshot, now)
    }

    /// How many containers the view holds.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.view.len()).unwrap_or(u32::MAX)
    }
}

// ---------------------------------------------------------------------------------------------
// `docker ps` filters (core/src/filters.rs)
// ---------------------------------------------------------------------------------------------

/// `View.list`'s options: `{all?, limit?, filters?, nowMs?}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListArgs {
    #[serde(default)]
    all: Option<bool>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    filters: Option<serde_json::Value>,
    #[serde(default)]
    now_ms: Option<f64>,
}

/// Filters given as the engine's JSON text, or as an object of either of its forms
/// (`{status: ["running"]}` or `{status: {running: true}}`).
fn filters_arg(value: Option<serde_json::Value>) -> Result<Filters, JsValue> {
    let parsed = match value {
        None | Some(serde_json::Value::Null) => Ok(Filters::new()),
        Some(serde_json::Value::String(text)) => Filters::from_json(&text),
        Some(other) => Filters::from_json(&other.to_string()),
    };
    parsed.map_err(core_error)
}

/// The CLI's `--filter` values (`"status=exited label=a=b"`, whitespace-separated) as the
/// engine's `filters` JSON, ready for `View.list({filters})`; throws "bad format of filter
/// (expected name=value)" (`invalid_parameter`) on a token without `=`, and the engine's
/// refusal for a key or value it would refuse.
#[wasm_bindgen(js_name = parseCliFilters)]
pub fn parse_cli_filters(cli: &str) -> Result<String, JsValue> {
    let filters = Filters::parse_cli(cli).map_err(core_error)?;
    filters.validate().map_err(core_error)?;
    Ok(filters.to_json())
}

#[wasm_bindgen(js_class = View)]
impl JsView {
    /// `docker ps` (`GET /containers/json`) over this view: options `{all, limit, filters,
    /// nowMs}`; `filters` is the engine's JSON text or an object of either of its forms. Running
    /// containers only unless `all`, a `status` filter or a `limit`; newest first; at most
    /// `limit`. Throws the engine's refusal of a filter with its kind.
    #[wasm_bindgen(unchecked_return_type = "ListItem[]")]
    pub fn list(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListOptions")] options: JsValue,
    ) -> Result<Array, JsValue> {
        let args: ListArgs = if options.is_undefined() || options.is_null() {
            ListArgs::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(invalid)?
        };
        let now = optional_time(args.now_ms)?;
        let opts = ListOptions {
            all: args.all.unwrap_or(false),
            limit: args
                .limit
                .filter(|n| *n > 0)
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            filters: filters_arg(args.filters)?,
        };
        filters::list(&self.view, &opts)
            .map_err(core_error)?
            .iter()
            .map(|s| summary_js(s, now))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Engine events and the mirror model (core/src/events.rs, core/src/model.rs)
// ---------------------------------------------------------------------------------------------

/// `Model.apply`'s answer.
#[derive(Serialize)]
struct AppliedJs {
    revision: u64,
    id: String,
    change: ChangeKind,
    #[serde(rename = "needsInspect")]
    needs_inspect: bool,
}

/// An event given as one line of `GET /events` (JSON text) or as the object `JSON.parse` made
/// of it. An object goes back through `JSON.stringify`: its `timeNano` is beyond JS's safe
/// integers, which only the JSON text carries as the integer the event needs.
fn event_arg(value: JsValue) -> Result<Event, JsValue> {
    let text = match value.as_string() {
        Some(text) => text,
        None => js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| invalid("invalid event: not a JSON value"))?,
    };
    Event::parse(&text).map_err(core_error)
}

/// An event in the engine's shape, made as `JSON.parse` makes it of the engine's line (a
/// `timeNano` beyond JS's safe integers is a rounded number there too).
fn event_js(ev: &Event) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(ev).map_err(|e| js_error(ErrorKind::System, &e.to_string()))?;
    js_sys::JSON::parse(&text)
}

/// Parses one engine event (`GET /events` line, text or object) and returns it in the
/// engine's shape (`Type`, `Action`, `Actor {ID, Attributes}`, `scope`, `time`, `timeNano`),
/// legacy fields dropped; throws `invalid_parameter` with the reason when it is not an event.
#[wasm_bindgen(js_name = parseEvent, unchecked_return_type = "EngineEvent")]
pub fn parse_event(
    #[wasm_bindgen(unchecked_param_type = "EngineEvent | string")] event: JsValue,
) -> Result<JsValue, JsValue> {
    event_js(&event_arg(event)?)
}

/// A live mirror of an engine's containers: feed it the engine's events and inspect documents,
/// read it through `view()`, wait on its containers.
#[wasm_bindgen(js_name = Model)]
#[derive(Default)]
pub struct JsModel {
    model: Model,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// An empty model at revision 0.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsModel {
        JsModel::default()
    }

    /// Applies one engine event (JSON text or object) with the event's own time as "now":
    /// `{revision, id, change: "created"|"updated"|"removed"|"ignored", needsInspect}`. When
    /// `needsInspect`, inspect the container and `upsert` the document.
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EngineEvent | string")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        let ev = event_arg(event)?;
        let applied = self.model.apply(&ev);
        to_js(&AppliedJs {
            revision: applied.revision,
            id: applied.id,
            change: applied.change,
            needs_inspect: applied.needs_inspect,
        })
    }

    /// Makes an inspect document (JSON text or object) the record of its container; returns the
    /// container's revision.
    pub fn upsert(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ContainerInspect | string")] inspect: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<f64, JsValue> {
        let now = time_arg(now_ms)?;
        let doc: ContainerInspect = from_json_arg(inspect)?;
        Ok(self.model.upsert(doc.to_container(), now) as f64)
    }

    /// Removes container `id` (settling every wait on it); the new revision, or `undefined` when
    /// the model did not have it.
    pub fn remove(
        &mut self,
        id: &str,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<Option<f64>, JsValue> {
        let now = time_arg(now_ms)?;
        Ok(self.model.remove(id, now).map(|r| r as f64))
    }

    /// How many changes the model has seen.
    #[wasm_bindgen(getter)]
    pub fn revision(&self) -> f64 {
        self.model.revision() as f64
    }

    /// How many containers it holds.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.model.len()).unwrap_or(u32::MAX)
    }

    /// The time of the latest event applied, in milliseconds since the epoch (`undefined` before
    /// any): where to resume the event stream after a reconnect.
    #[wasm_bindgen(getter, js_name = lastEventTimeMs)]
    pub fn last_event_time_ms(&self) -> Option<f64> {
        self.model
            .last_event_time()
            .unix_nanos()
            .map(|n| n as f64 / 1e6)
    }

    /// How many containers are in each of the seven states: `{created: 1, running: 2, …}`.
    #[wasm_bindgen(unchecked_return_type = "Record<string, number>")]
    pub fn counts(&self) -> Result<JsValue, JsValue> {
        let counts: std::collections::BTreeMap<&str, usize> = self
            .model
            .counts()
            .into_iter()
            .map(|(kind, n)| (kind.as_str(), n))
            .collect();
        to_js(&counts)
    }

    /// The inspect document of container `id` (exact ID), or `undefined`.
    pub fn container(&self, id: &str) -> Result<JsValue, JsValue> {
        match self.model.container(id) {
            Some(c) => to_js(&ContainerInspect::of(c)),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// A snapshot of the model's ViewDb, for `docker ps` queries.
    pub fn view(&self) -> JsView {
        JsView {
            view: self.model.view(),
        }
    }

    /// `Wait` on container `id` (exact ID), settled by the events applied later: the same
    /// Promise as `ContainerState.wait`. Rejects with "No such container: {id}" (`not_found`)
    /// or the engine's message for a bad condition.
    #[wasm_bindgen(unchecked_return_type = "Promise<WaitResponse>")]
    pub fn wait(&mut self, id: &str, condition: Option<String>) -> Promise {
        let condition = match parse_condition(condition) {
            Ok(c) => c,
            Err(e) => return Promise::reject(&e),
        };
        let waiter = match self.model.container_mut(id) {
            Some(c) => c.state.wait(condition),
            None => {
                return Promise::reject(&js_error(
                    ErrorKind::NotFound,
                    &format!("No such container: {id}"),
                ))
            }
        };
        future_to_promise(async move { to_js(&WaitResponse::from(waiter.await)) })
    }
}
