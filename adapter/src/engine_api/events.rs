//! `GET /events`: the simulated engine's events as Engine 20.10 streams them (one JSON object a
//! line, with the legacy `status`, `id` and `from` of container events), from `since` (replayed
//! from the engine's history) to `until` (then the stream ends), through the `docker events`
//! filters of the core ([`event_matches`]).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use berth_core::event_filters::event_matches;
use berth_core::events::Event;
use berth_core::filters::Filters;
use berth_core::time::Time;
use futures_util::StreamExt as _;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{params, time_param, EngineApiError, Params};
use crate::engine::sim::SimEngine;
use crate::engine::Engine as _;

/// An event as API 1.41 writes it: container events lead with the legacy `status`, `id` and
/// `from`.
pub fn event_json(event: &Event) -> String {
    let mut out = String::new();
    let rest = serde_json::to_string(event).unwrap_or_default();
    if event.r#type == "container" {
        let field = |k: &str, v: &str| {
            format!(
                "{}:{},",
                serde_json::Value::from(k),
                serde_json::Value::from(v)
            )
        };
        out.push('{');
        out.push_str(&field("status", &event.action));
        out.push_str(&field("id", &event.actor.id));
        if let Some(image) = event.attribute("image") {
            out.push_str(&field("from", image));
        }
        out.push_str(rest.strip_prefix('{').unwrap_or(&rest));
    } else {
        out.push_str(&rest);
    }
    out.push('\n');
    out
}

/// `GET /events?since=&until=&filters=`.
pub async fn events(
    State(sim): State<Arc<SimEngine>>,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let filters = Filters::from_json(get("filters").unwrap_or_default())
        .map_err(|e| EngineApiError::of(&e))?;
    let now = sim.now();
    let since = time_param(&q, "since", now)?;
    let until = time_param(&q, "until", now)?;
    // `until` alone (or before `since`) reads the past only.
    let mut stream = sim.events(Some(since.unwrap_or(now))).await?;
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    tokio::spawn(async move {
        let end = until.unwrap_or(Time::from_unix_nanos(i64::MAX));
        loop {
            let next = tokio::select! {
                // What is ready (the history since `since`) goes out before `until` ends it.
                biased;
                next = stream.next() => next,
                () = sim.sleep_until(end), if until.is_some() => return,
            };
            let Some(Ok(event)) = next else { return };
            if event.at() > end {
                return;
            }
            if event_matches(&filters, &event)
                && tx.send(Bytes::from(event_json(&event))).await.is_err()
            {
                return;
            }
        }
    });
    let body = Body::from_stream(ReceiverStream::new(rx).map(Ok::<_, std::convert::Infallible>));
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}
