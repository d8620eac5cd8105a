//! The container endpoints: list, create, inspect, the operations and removal, each read into
//! the core's operation and carried out by the simulated engine for another client.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_core::api::{ContainerInspect, ContainerSummary};
use berth_core::errdefs::ErrorKind;
use berth_core::filters::{self, Filters, ListOptions};
use berth_core::lifecycle::By;
use berth_core::ops::{bool_value, int_value, Op};
use berth_core::sim::{CreateSpec, Reply};
use berth_core::wait::Waiter;

use super::{not_served, EngineApiError};
use crate::engine::sim::SimEngine;
use crate::engine::{Answer, Engine as _, Outcome, WaitResponse};

type Params = Result<Query<BTreeMap<String, String>>, QueryRejection>;

/// The query's parameters, or the engine's 400 for a query that is not one.
fn params(q: Params) -> Result<BTreeMap<String, String>, EngineApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| EngineApiError::new(400, e.body_text()))
}

/// `GET /containers/json?all=&limit=&filters=`: the simulated engine's containers in the list
/// shape, newest first, status texts as of now.
pub async fn list(
    State(sim): State<Arc<SimEngine>>,
    q: Params,
) -> Result<Json<Vec<ContainerSummary>>, EngineApiError> {
    let q = params(q)?;
    let get = |k: &str| q.get(k).map(String::as_str);
    let limit = match get("limit").filter(|l| !l.is_empty()) {
        Some(l) => {
            // The engine lists everything for a limit of 0 or below.
            let n = int_value("limit", l).map_err(|e| EngineApiError::of(&e))?;
            usize::try_from(n).ok().filter(|n| *n > 0)
        }
        None => None,
    };
    let opts = ListOptions {
        all: bool_value(get("all")),
        limit,
        filters: Filters::from_json(get("filters").unwrap_or_default())
            .map_err(|e| EngineApiError::of(&e))?,
    };
    let (view, now) = sim.view();
    let snapshots = filters::list(&view, &opts).map_err(|e| EngineApiError::of(&e))?;
    Ok(Json(snapshots.iter().map(|s| s.summary_at(now)).collect()))
}

/// `POST /containers/create?name=`: the body read as a [`CreateSpec`], its command read as
/// what the simulated process does.
pub async fn create(
    State(sim): State<Arc<SimEngine>>,
    q: Params,
    body: Bytes,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let spec = CreateSpec::from_create_request(q.get("name").map(String::as_str), &body)
        .map_err(|e| EngineApiError::of(&e))?;
    let answer = sim
        .apply_as(
            &Op::Create {
                spec: Box::new(spec),
            },
            By::Other,
        )
        .await?;
    Ok(respond(answer))
}

/// `GET /containers/{reference}/json`: the inspect document.
pub async fn inspect(
    State(sim): State<Arc<SimEngine>>,
    Path(reference): Path<String>,
) -> Result<Json<ContainerInspect>, EngineApiError> {
    let c = sim.inspect(&reference).await?;
    Ok(Json(ContainerInspect::of(&c)))
}

/// `POST /containers/{reference}/{verb}`: `start`, `stop`, `restart`, `kill`, `pause`,
/// `unpause`, `rename` and `wait`, read as the engine reads them.
pub async fn operate(
    State(sim): State<Arc<SimEngine>>,
    Path((reference, verb)): Path<(String, String)>,
    uri: Uri,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let op = match Op::from_request("POST", &reference, &verb, &q) {
        Ok(op) => op,
        // `attach`, `update`, `exec`, …: not served (yet), and said so.
        Err(e) if e.kind == ErrorKind::NotFound => return Err(not_served(Method::POST, &uri)),
        Err(e) => return Err(EngineApiError::of(&e)),
    };
    if let Op::Wait { .. } = op {
        return match sim.begin(&op, By::Other)? {
            Reply::Waiting(waiter) => Ok(streamed_wait(waiter)),
            Reply::Outcome(o) => Ok(respond(Answer::Outcome(o))),
            Reply::Created(id) => Ok(respond(Answer::Created(id))),
        };
    }
    Ok(respond(sim.apply_as(&op, By::Other).await?))
}

/// A wait as the engine answers it: the status line and headers at once, the body when the
/// condition is met. Clients rely on it: `docker run` places its wait and reads the head
/// before it starts the container, and reads the body when the container has exited.
fn streamed_wait(waiter: Waiter) -> Response {
    let body = futures_util::stream::once(async move {
        let mut json = serde_json::to_vec(&WaitResponse::from(waiter.await)).unwrap_or_default();
        json.push(b'\n');
        Ok::<_, std::convert::Infallible>(Bytes::from(json))
    });
    (
        [(CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

/// `DELETE /containers/{reference}?force=&v=`. Volumes are not simulated, so `v` removes
/// nothing more.
pub async fn remove(
    State(sim): State<Arc<SimEngine>>,
    Path(reference): Path<String>,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let op = Op::from_request("DELETE", &reference, "", &q).map_err(|e| EngineApiError::of(&e))?;
    Ok(respond(sim.apply_as(&op, By::Other).await?))
}

/// The engine's answer: 201 with the ID for a create, 204 for a change, 304 for none, the
/// wait's result.
fn respond(answer: Answer) -> Response {
    match answer {
        Answer::Created(id) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "Id": id, "Warnings": [] })),
        )
            .into_response(),
        Answer::Outcome(Outcome::Done) => StatusCode::NO_CONTENT.into_response(),
        Answer::Outcome(Outcome::NotModified) => StatusCode::NOT_MODIFIED.into_response(),
        Answer::Waited(response) => Json(response).into_response(),
    }
}
