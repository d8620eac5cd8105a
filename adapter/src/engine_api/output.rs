//! What the simulated processes print, as the engine gives it: `GET /containers/{id}/logs`
//! and `POST /containers/{id}/attach` (the hijacked connection `docker run` in the foreground
//! reads), both in the engine's multiplexed stream framing (no TTY is simulated).
//!
//! Lines come from the core (`Sim::logs`, `CreateSpec::output`); following a container reads
//! its `start` and `die` events, so a line printed in a run that ends at once (`docker run
//! --rm … echo hello`) is not lost to its removal.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use berth_core::events::Event;
use berth_core::ops::bool_value;
use berth_core::sim::{LogLine, Printed};
use berth_core::time::{Duration, Time};
use futures_util::StreamExt as _;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{params, time_param, EngineApiError, Params};
use crate::engine::sim::SimEngine;
use crate::engine::Engine as _;

/// The content type of a multiplexed stream, as API 1.41 names it.
const RAW_STREAM: &str = "application/vnd.docker.raw-stream";

/// A line in the engine's stream framing: a header of the stream (1 stdout, 2 stderr), three
/// zero bytes and the payload's length (big-endian), then the payload.
pub fn frame(line: &LogLine, timestamps: bool) -> Bytes {
    let mut payload = String::new();
    if timestamps {
        payload.push_str(&line.time.to_rfc3339_fixed());
        payload.push(' ');
    }
    payload.push_str(&line.text);
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(8 + payload.len());
    out.push(if line.stderr { 2 } else { 1 });
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload.as_bytes());
    Bytes::from(out)
}

/// Which streams a request asks for.
#[derive(Debug, Clone, Copy)]
struct Streams {
    stdout: bool,
    stderr: bool,
}

impl Streams {
    fn of(q: &BTreeMap<String, String>) -> Streams {
        Streams {
            stdout: bool_value(q.get("stdout").map(String::as_str)),
            stderr: bool_value(q.get("stderr").map(String::as_str)),
        }
    }

    fn wants(self, line: &LogLine) -> bool {
        if line.stderr {
            self.stderr
        } else {
            self.stdout
        }
    }
}

/// `GET /containers/{id}/logs?stdout=&stderr=&timestamps=&tail=&since=&until=&follow=`.
pub async fn logs(
    State(sim): State<Arc<SimEngine>>,
    Path(reference): Path<String>,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let streams = Streams::of(&q);
    if !streams.stdout && !streams.stderr {
        return Err(EngineApiError::new(
            400,
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let timestamps = bool_value(get("timestamps"));
    let follow = bool_value(get("follow"));
    let since = time_param(&q, "since", sim.now())?;
    let until = time_param(&q, "until", sim.now())?;
    let tail = match get("tail") {
        None | Some("all") => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| EngineApiError::new(400, format!("invalid value for tail: {n:?}")))?,
        ),
    };
    let c = sim.inspect(&reference).await?;
    let (lines, now) = sim.logs(&c.id)?;
    let live = follow && c.state.running && until.is_none_or(|u| u > now);
    // When following, what is printed from now on comes live, once.
    let in_range = |l: &LogLine| {
        streams.wants(l)
            && since.is_none_or(|s| l.time >= s)
            && until.is_none_or(|u| l.time <= u)
            && !(live && l.time >= now)
    };
    let mut past: Vec<LogLine> = lines.into_iter().filter(|l| in_range(l)).collect();
    if let Some(n) = tail {
        past.drain(..past.len().saturating_sub(n));
    }
    let past = futures_util::stream::iter(
        past.into_iter()
            .map(move |l| Ok::<_, std::convert::Infallible>(frame(&l, timestamps))),
    );
    let body = if live {
        let live = follow_output(sim, c.id.clone(), now, Some(c.state.started_at))
            .filter(move |l| std::future::ready(streams.wants(l)))
            .map(move |l| Ok(frame(&l, timestamps)));
        Body::from_stream(past.chain(live))
    } else {
        Body::from_stream(past)
    };
    Ok(([(CONTENT_TYPE, RAW_STREAM)], body).into_response())
}

/// `POST /containers/{id}/attach?stream=1&stdout=1&stderr=1`: the connection is hijacked
/// (`101 UPGRADED`) and carries what the process prints from now until its run ends. Standard
/// input is not simulated.
pub async fn attach(
    State(sim): State<Arc<SimEngine>>,
    Path(reference): Path<String>,
    mut request: Request,
) -> Result<Response, EngineApiError> {
    let q = Query::<BTreeMap<String, String>>::try_from_uri(request.uri())
        .map(|Query(q)| q)
        .map_err(|e| EngineApiError::new(400, e.body_text()))?;
    let streams = Streams::of(&q);
    if bool_value(q.get("stdin").map(String::as_str)) {
        return Err(EngineApiError::new(
            501,
            "berth's simulated engine does not simulate stdin (docker attach with stdin)",
        ));
    }
    let c = sim.inspect(&reference).await?;
    sim.attach(&c.id)?;
    let now = sim.now();
    let running_since = c.state.running.then_some(c.state.started_at);
    let lines = follow_output(sim, c.id.clone(), now, running_since);
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else {
            return;
        };
        let mut io = TokioIo::new(upgraded);
        let mut lines = std::pin::pin!(lines);
        while let Some(line) = lines.next().await {
            if streams.wants(&line) && io.write_all(&frame(&line, false)).await.is_err() {
                return;
            }
        }
        let _ = io.flush().await;
        let _ = io.shutdown().await;
    });
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(RAW_STREAM));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("tcp"));
    Ok(response)
}

/// What container `id` prints from `from` on, as it prints it, until its current run (or, if
/// it is not running, its next one) ends or it is removed. `running_since` is the start of the
/// run under way, if one is.
fn follow_output(
    sim: Arc<SimEngine>,
    id: String,
    from: Time,
    running_since: Option<Time>,
) -> ReceiverStream<LogLine> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let output = sim.output_of(&id);
        let Ok(mut events) = sim.events(Some(from)).await else {
            return;
        };
        let mut run_start = running_since;
        let mut next = 0;
        let line = |start: Time, p: &Printed| LogLine {
            time: start.add(Duration::from_millis(p.at_ms)),
            stderr: p.stderr,
            text: p.text.clone(),
        };
        loop {
            let due = run_start.and_then(|s| output.get(next).map(|p| line(s, p)));
            tokio::select! {
                event = events.next() => {
                    let Some(Ok(event)) = event else { return };
                    if !is_of(&event, &id) {
                        continue;
                    }
                    match event.action.as_str() {
                        "start" => {
                            run_start = Some(event.at());
                            next = 0;
                        }
                        "die" => {
                            if let Some(start) = run_start {
                                for p in &output[next.min(output.len())..] {
                                    let l = line(start, p);
                                    if l.time <= event.at() && l.time >= from && tx.send(l).await.is_err() {
                                        return;
                                    }
                                }
                            }
                            return;
                        }
                        "destroy" => return,
                        _ => {}
                    }
                }
                () = sim.sleep_until(due.as_ref().map_or(Time::ZERO, |l| l.time)), if due.is_some() => {
                    next += 1;
                    if let Some(l) = due.filter(|l| l.time >= from) {
                        if tx.send(l).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

fn is_of(event: &Event, id: &str) -> bool {
    event.r#type == "container" && event.actor.id == id
}
