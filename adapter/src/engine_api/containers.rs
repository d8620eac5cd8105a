//! The container endpoints: list, create, inspect, the operations and removal, each read into
//! the core's operation and carried out by the simulated engine for another client.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_core::api::{ContainerInspect, ContainerSummary};
use berth_core::container::HostConfig;
use berth_core::errdefs::ErrorKind;
use berth_core::filters::{self, Filters, ListOptions};
use berth_core::lifecycle::By;
use berth_core::ops::{bool_value, int_value, Op};
use berth_core::sim::{CreateSpec, Reply, IMAGE_SIZE};
use berth_core::wait::Waiter;

use super::{not_served, params, timestamp, EngineApiError, Params};
use crate::engine::sim::SimEngine;
use crate::engine::{Answer, Engine as _, WaitResponse};

/// `GET /containers/json?all=&limit=&size=&filters=`: the simulated engine's containers in the
/// list shape, newest first, status texts as of now.
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
    // With `size`: nothing is written to a simulated container's layer, and its filesystem is
    // its image's.
    let size = bool_value(get("size"));
    Ok(Json(
        snapshots
            .iter()
            .map(|s| ContainerSummary {
                size_root_fs: size.then_some(IMAGE_SIZE),
                ..s.summary_at(now)
            })
            .collect(),
    ))
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
    Ok(answer.into_response())
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
            Reply::Outcome(o) => Ok(Answer::Outcome(o).into_response()),
            Reply::Created(id) => Ok(Answer::Created(id).into_response()),
        };
    }
    Ok(sim.apply_as(&op, By::Other).await?.into_response())
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
    Ok(sim.apply_as(&op, By::Other).await?.into_response())
}

/// `POST /containers/{reference}/update`: the restart policy and the resources the core
/// models (memory, CPU, …), checked as the engine checks them. Anything else it would update
/// (devices, ulimits, …) is not simulated: asking to change it is a 501 that says so.
pub async fn update(
    State(sim): State<Arc<SimEngine>>,
    Path(reference): Path<String>,
    body: Bytes,
) -> Result<Response, EngineApiError> {
    let update: HostConfig =
        serde_json::from_slice(&body).map_err(|e| EngineApiError::new(400, e.to_string()))?;
    let changed: Vec<&str> = update
        .rest
        .iter()
        .filter(|(_, v)| !is_unset(v))
        .map(|(k, _)| k.as_str())
        .collect();
    if !changed.is_empty() {
        return Err(EngineApiError::new(
            501,
            format!(
                "berth's simulated engine does not simulate updating {}",
                changed.join(", ")
            ),
        ));
    }
    sim.update(&reference, &update, By::Other)?;
    Ok(Json(serde_json::json!({ "Warnings": null })).into_response())
}

/// `POST /containers/prune?filters=`: removes every container that is not running (made
/// before `until`, with or without the `label`s), as the engine's prune does, and lists them.
/// No layer is simulated, so no space is reclaimed.
pub async fn prune(
    State(sim): State<Arc<SimEngine>>,
    q: Params,
) -> Result<Json<serde_json::Value>, EngineApiError> {
    let q = params(q)?;
    let filters = Filters::from_json(q.get("filters").map_or("", String::as_str))
        .map_err(|e| EngineApiError::of(&e))?;
    if let Some(key) = filters
        .keys()
        .find(|k| !["until", "label", "label!"].contains(k))
    {
        return Err(EngineApiError::new(400, format!("Invalid filter '{key}'")));
    }
    let (view, now) = sim.view();
    let until = match filters.get("until").as_slice() {
        [] => None,
        [value] => Some(timestamp(value, now).ok_or_else(|| {
            EngineApiError::new(400, format!("failed to parse value {value:?} for until"))
        })?),
        _ => {
            return Err(EngineApiError::new(
                400,
                "filters \"until\" must have one value",
            ))
        }
    };
    let has_label = |labels: &BTreeMap<String, String>, want: &str| match want.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
        None => labels.contains_key(want),
    };
    let doomed: Vec<String> = view
        .iter()
        .map(|s| &s.container)
        .filter(|c| !c.state.running)
        .filter(|c| until.is_none_or(|u| c.created < u))
        .filter(|c| {
            filters
                .get("label")
                .iter()
                .all(|l| has_label(&c.config.labels, l))
        })
        .filter(|c| {
            !filters
                .get("label!")
                .iter()
                .any(|l| has_label(&c.config.labels, l))
        })
        .map(|c| c.id.clone())
        .collect();
    let mut deleted = Vec::new();
    for id in doomed {
        let op = Op::Remove {
            target: id.clone(),
            force: false,
        };
        // One that cannot be removed (removal in progress) is skipped, as the engine skips it.
        if sim.apply_as(&op, By::Other).await.is_ok() {
            deleted.push(id);
        }
    }
    Ok(Json(serde_json::json!({
        "ContainersDeleted": (!deleted.is_empty()).then_some(deleted),
        "SpaceReclaimed": 0,
    })))
}

/// A field the client left at its zero value (the CLI sends every field of the update).
fn is_unset(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}
