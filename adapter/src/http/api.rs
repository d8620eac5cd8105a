//! The JSON API: the container list and inspect (served from the mirror), the actions and the
//! wait (forwarded to the engine), and the engine's status.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_core::api::{ContainerInspect, ContainerSummary};
use berth_core::errdefs::ErrorKind;
use berth_core::filters::{self, Filters, ListOptions};
use berth_core::ops::{bool_value, int_value, Op};
use berth_core::view::ViewError;
use berth_core::wire::{ContainerAnswer, EngineStatus};
use serde::Deserialize;

use super::error::{ApiError, ApiPath, ApiQuery};
use super::AppState;
use crate::engine::{Answer, Outcome};

/// How long an action's answer waits for the mirror to show its effect.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /api/containers` parameters.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    all: Option<String>,
    limit: Option<String>,
    filters: Option<String>,
}

/// `GET /api/containers?all=1&limit=n&filters=…`: the engine's `/containers/json`, from the
/// mirror, status texts rendered now.
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ContainerSummary>>, ApiError> {
    let limit = match q.limit.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => {
            usize::try_from(int_value("limit", l).map_err(|e| ApiError::from_core(&e))?).ok()
        }
        None => None,
    };
    let opts = ListOptions {
        all: bool_value(q.all.as_deref()),
        limit,
        filters: Filters::from_json(q.filters.as_deref().unwrap_or_default())
            .map_err(|e| ApiError::client_mistake(&e))?,
    };
    let view = state.mirror.view();
    let now = state.engine.now();
    let snapshots = filters::list(&view, &opts).map_err(|e| ApiError::client_mistake(&e))?;
    Ok(Json(snapshots.iter().map(|s| s.summary_at(now)).collect()))
}

/// `GET /api/containers/{reference}`: the inspect document, from the mirror, with the last
/// transition and its cause. The reference is an ID, a name or a unique ID prefix.
pub async fn inspect(
    State(state): State<AppState>,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<ContainerAnswer>, ApiError> {
    let snapshot = state
        .mirror
        .view()
        .resolve(&reference)
        .map_err(|e| ApiError::from_core(&e))?;
    Ok(Json(ContainerAnswer {
        inspect: ContainerInspect::of(&snapshot.container),
        last_transition: state.mirror.last_transition(snapshot.id()),
    }))
}

fn refuse_if_read_only(state: &AppState) -> Result<(), ApiError> {
    if state.security.read_only() {
        return Err(ApiError::forbidden("berth is read-only"));
    }
    if state.engine.read_only() {
        return Err(ApiError::forbidden(format!(
            "berth is read-only: the {} engine cannot change containers",
            state.engine.kind()
        )));
    }
    Ok(())
}

/// The full ID the mirror knows `reference` by, if it does. A prefix that several containers
/// share is refused here, with the answer a read gets (400), whatever the engine would answer
/// (Engine 20.10: 500); one the mirror does not know yet is left to the engine.
fn known_id(state: &AppState, reference: &str) -> Result<Option<String>, ApiError> {
    match state.mirror.view().resolve(reference) {
        Ok(snapshot) => Ok(Some(snapshot.id().to_owned())),
        Err(e @ ViewError::AmbiguousPrefix(_)) => Err(ApiError::from_core(&e)),
        Err(_) => Ok(None),
    }
}

/// Forwards `op` to the engine under the caller's reference. A change is refused in read-only
/// mode, and its answer waits (briefly) for the mirror to show its effect, so that the caller
/// reads its own write.
async fn forward(state: &AppState, op: Op) -> Result<Response, ApiError> {
    let changes = !matches!(op, Op::Wait { .. });
    if changes {
        refuse_if_read_only(state)?;
    }
    let id = match op.target() {
        Some(reference) => known_id(state, reference)?,
        None => None,
    };
    // The transitions it makes are berth's; a refused one makes none.
    let expected = id.as_deref().filter(|_| changes).zip(op.action());
    if let Some((id, action)) = expected {
        state.mirror.expect(id, action, true);
    }
    let answer = state.engine.apply(&op).await;
    if let (Some((id, action)), Err(_)) = (expected, &answer) {
        state.mirror.expect(id, action, false);
    }
    let answer = answer?;
    if let Some(id) = id.filter(|_| changes) {
        state.mirror.confirm(&id, CONFIRM_TIMEOUT).await;
    }
    Ok(answer.into_response())
}

/// An engine's answer as the Engine API gives it, for berth's API and for the Engine API of the
/// simulated engine alike: 201 with the ID for a create, 204 for a change, 304 for none, the
/// wait's result.
impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Outcome(Outcome::Done) => StatusCode::NO_CONTENT.into_response(),
            Answer::Outcome(Outcome::NotModified) => StatusCode::NOT_MODIFIED.into_response(),
            Answer::Waited(response) => Json(response).into_response(),
            Answer::Created(id) => (
                StatusCode::CREATED,
                Json(serde_json::json!({ "Id": id, "Warnings": [] })),
            )
                .into_response(),
        }
    }
}

/// `POST /api/containers/{reference}/{operation}`: `start`, `stop` and `restart` (`?t=`),
/// `pause`, `unpause`, `kill` (`?signal=`), `rename` (`?name=`) and `wait` (`?condition=`),
/// read as the engine reads them ([`Op::from_request`]).
pub async fn operate(
    State(state): State<AppState>,
    ApiPath((target, operation)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let op =
        Op::from_request("POST", &target, &operation, &q).map_err(|e| ApiError::from_core(&e))?;
    forward(&state, op).await
}

/// `DELETE /api/containers/{reference}?force=1`.
pub async fn remove(
    State(state): State<AppState>,
    ApiPath(target): ApiPath<String>,
    ApiQuery(q): ApiQuery<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let op = Op::from_request("DELETE", &target, "", &q).map_err(|e| ApiError::from_core(&e))?;
    forward(&state, op).await
}

/// The engine status now (`GET /api/engine`, the stream's `engine` message).
pub fn engine_status(state: &AppState) -> EngineStatus {
    let status = state.mirror.status();
    let info = status.connection.info.clone().unwrap_or_default();
    let known = status.connection.info.is_some();
    let some = |s: String| known.then_some(s);
    EngineStatus {
        engine: state.engine.kind().to_owned(),
        name: some(info.name),
        version: some(info.version),
        api_version: some(info.api_version),
        os: some(info.os),
        arch: some(info.arch),
        connected: status.connection.connected,
        since: status.connection.since,
        last_event_time: status.last_event_time,
        last_error: status.connection.last_error,
        revision: status.revision,
        containers: status.counts.values().sum(),
        counts: status.counts,
        read_only: state.security.read_only() || state.engine.read_only(),
        now: state.engine.now(),
        unreadable: status.connection.unreadable,
    }
}

/// `GET /api/engine`.
pub async fn engine(State(state): State<AppState>) -> Json<EngineStatus> {
    Json(engine_status(&state))
}

fn page_not_found() -> ApiError {
    ApiError::of_kind(ErrorKind::NotFound, "page not found")
}

/// Any other path under `/api`: the engine's 404.
pub async fn not_found() -> ApiError {
    page_not_found()
}

/// A known path with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::of_kind(ErrorKind::NotAllowed, "method not allowed")
}
