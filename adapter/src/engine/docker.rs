//! The Docker Engine API engine (`--engine docker`): a real daemon reached through bollard at
//! `--docker-host` (`unix://…` or `tcp://host:port`), with the API version negotiated, so it
//! works with Engine 20.10 (API 1.41) and with current engines.
//!
//! The list and inspect documents are read raw (`Reader`), capped in size, and an inspect
//! document goes straight into the core's [`ContainerInspect`] with every field the engine sent;
//! a document berth cannot read fails that container alone ([`Listing::unreadable`]). Events
//! and operations go through bollard; an event is re-read as [`Event`]. Every call has its own
//! timeout (`limits`), and the engine's own status codes and messages pass through unchanged in
//! [`EngineError::Api`].

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use berth_core::api::ContainerInspect;
use berth_core::errdefs::ErrorKind;
use berth_core::events::Event;
use berth_core::ops::{url_part, Op};
use berth_core::time::Time;
use berth_core::wire::ErrorBody;
use berth_core::Container;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, ContainerUpdateBody};
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, KillContainerOptions, RemoveContainerOptions,
    RenameContainerOptions, RestartContainerOptions, StartContainerOptions, StopContainerOptions,
    WaitContainerOptions,
};
use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use futures_util::stream::{self, StreamExt};
use http_body_util::{BodyExt as _, Empty, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::OnceCell;

use super::{
    Answer, Engine, EngineError, EngineInfo, EventStream, Listing, Outcome, WaitError, WaitResponse,
};

/// Seconds a request may take to get its response headers (bollard's default). Long polls
/// (`/events`, `/wait`) get their headers at once; `stop` and `restart` extend it by their own
/// timeout.
const REQUEST_TIMEOUT_SECS: u64 = 120;

/// How long each call may take before the engine is taken for hung: sized to the call, far
/// beyond what a healthy engine needs, far below the HTTP client's two minutes.
mod limits {
    use std::time::Duration;
    /// `GET /_ping`.
    pub const PING: Duration = Duration::from_secs(2);
    /// `GET /version` (also the API version negotiation).
    pub const VERSION: Duration = Duration::from_secs(5);
    /// `GET /containers/json?all=1` (thousands of containers).
    pub const LIST: Duration = Duration::from_secs(30);
    /// `GET /containers/{id}/json`.
    pub const INSPECT: Duration = Duration::from_secs(10);
}

/// `call`, or [`EngineError::Connection`] saying the engine is not answering when it takes
/// longer than `limit`.
async fn within<T>(
    what: &str,
    limit: Duration,
    call: impl std::future::Future<Output = Result<T, EngineError>>,
) -> Result<T, EngineError> {
    tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
        Err(EngineError::Connection(format!(
            "not answering: {what} took longer than {} s",
            limit.as_secs()
        )))
    })
}

/// How many inspects [`DockerEngine::list`] runs at once.
const INSPECT_CONCURRENCY: usize = 16;

tokio::task_local! {
    /// The HTTP status of the last response the transport received in this task. bollard
    /// reports 204 and 304 alike as `Ok(())`; this is how `start` and `stop` tell "not modified".
    static LAST_STATUS: Cell<u16>;
}

/// The largest inspect document berth reads (a real one is a few kB; labels and env of a
/// generous container, a few hundred).
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
/// The largest container list berth reads (a summary is about 1 kB: tens of thousands).
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

/// GETs read by berth itself rather than through bollard: the list and inspect documents, read
/// raw so that their size is capped ([`MAX_DOCUMENT_BYTES`], [`MAX_LIST_BYTES`]) and an inspect
/// document is parsed once, straight into the core's [`ContainerInspect`] with every field the
/// engine sent (bollard's models, of a newer API, drop Engine 20.10's legacy ones).
#[derive(Clone)]
enum Reader {
    Unix {
        client: Client<hyperlocal::UnixConnector, Empty<Bytes>>,
        socket: PathBuf,
    },
    Tcp {
        client: Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
        base: String,
    },
}

/// Where the daemon listens, read once from `--docker-host`: both the bollard transport and
/// the [`Reader`] connect through it.
#[derive(Debug, Clone)]
enum Endpoint {
    /// `unix:///path/to/docker.sock`.
    Unix(PathBuf),
    /// `tcp://host:port` (or `http://`), as `http://host:port`.
    Tcp(String),
}

impl Endpoint {
    fn parse(host: &str) -> Result<Endpoint, EngineError> {
        if let Some(path) = host.strip_prefix("unix://").filter(|p| !p.is_empty()) {
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        match host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
            .filter(|a| !a.is_empty())
        {
            Some(addr) => Ok(Endpoint::Tcp(format!(
                "http://{}",
                addr.trim_end_matches('/')
            ))),
            None => Err(EngineError::Connection(format!(
                "unsupported Docker host {host:?}: expected unix:///path/to/docker.sock or tcp://host:port"
            ))),
        }
    }

    /// An HTTP client builder as bollard's own transports set it: a fresh connection per
    /// request, so nothing stale survives a daemon restart.
    fn client_builder() -> hyper_util::client::legacy::Builder {
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_max_idle_per_host(0);
        builder
    }
}

impl Reader {
    fn new(endpoint: &Endpoint) -> Reader {
        let builder = Endpoint::client_builder();
        match endpoint {
            Endpoint::Unix(socket) => Reader::Unix {
                client: builder.build(hyperlocal::UnixConnector),
                socket: socket.clone(),
            },
            Endpoint::Tcp(base) => Reader::Tcp {
                client: builder.build_http(),
                base: base.clone(),
            },
        }
    }

    /// `GET path_and_query`: the body of a 200 answer, at most `max` bytes; the engine's own
    /// error (status and message) otherwise.
    async fn get(&self, path_and_query: &str, max: usize) -> Result<Bytes, EngineError> {
        let request = |uri: hyper::Uri| {
            hyper::Request::get(uri)
                .header(hyper::header::HOST, "docker")
                .body(Empty::<Bytes>::new())
                .map_err(|e| EngineError::Connection(e.to_string()))
        };
        let response = match self {
            Reader::Unix { client, socket } => {
                let uri: hyper::Uri = hyperlocal::Uri::new(socket, path_and_query).into();
                client.request(request(uri)?).await
            }
            Reader::Tcp { client, base } => {
                let uri = format!("{base}{path_and_query}")
                    .parse::<hyper::Uri>()
                    .map_err(|e| EngineError::Connection(e.to_string()))?;
                client.request(request(uri)?).await
            }
        }
        .map_err(|e| EngineError::Connection(root_cause(&e)))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes);
        let body = match body {
            Ok(body) => body,
            Err(e) if e.is::<LengthLimitError>() => {
                return Err(EngineError::Api {
                    status: 502,
                    kind: ErrorKind::System,
                    message: format!(
                        "the engine's answer to {} is larger than berth reads ({} MiB)",
                        path_only(path_and_query),
                        max / (1024 * 1024)
                    ),
                })
            }
            Err(e) => return Err(EngineError::Connection(root_cause(&*e))),
        };
        if status == 200 {
            return Ok(body);
        }
        // The engine's errors are {"message": …}; anything else (an HTML page from a proxy) is
        // named by its status and first line.
        let text = String::from_utf8_lossy(&body);
        let message = ErrorBody::message_in(&text).unwrap_or_else(|| {
            let first: String = text
                .trim()
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            format!("the engine answered HTTP {status}: {first}")
        });
        Err(EngineError::Api {
            status,
            kind: ErrorKind::of_status(status),
            message,
        })
    }
}

/// A request's path without its query, for messages.
fn path_only(path_and_query: &str) -> &str {
    path_and_query.split('?').next().unwrap_or(path_and_query)
}

/// A Docker Engine reached through its API.
pub struct DockerEngine {
    host: String,
    reader: Reader,
    /// The client at bollard's newest API version, before negotiation.
    unnegotiated: Docker,
    /// The client at the negotiated version, once the daemon has answered `/version`.
    negotiated: OnceCell<Docker>,
}

impl std::fmt::Debug for DockerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerEngine")
            .field("host", &self.host)
            .field("negotiated", &self.negotiated.initialized())
            .finish()
    }
}

impl DockerEngine {
    /// A client for `host` (`unix:///path` or `tcp://host:port`). Nothing is sent yet: the API
    /// version is negotiated on the first request, so a daemon that is down now can come later.
    pub fn new(host: &str) -> Result<DockerEngine, EngineError> {
        let endpoint = Endpoint::parse(host)?;
        Ok(DockerEngine {
            host: host.to_owned(),
            reader: Reader::new(&endpoint),
            unnegotiated: client_for(&endpoint)?,
            negotiated: OnceCell::new(),
        })
    }

    /// [`DockerEngine::new`], then negotiates the API version with the daemon, failing with
    /// [`EngineError::Connection`] when it does not answer.
    pub async fn connect(host: &str) -> Result<DockerEngine, EngineError> {
        let engine = DockerEngine::new(host)?;
        engine.client().await?;
        Ok(engine)
    }

    /// The Docker host this engine talks to.
    pub fn host(&self) -> &str {
        &self.host
    }

    async fn client(&self) -> Result<&Docker, EngineError> {
        self.negotiated
            .get_or_try_init(|| {
                within("/version", limits::VERSION, async {
                    self.unnegotiated
                        .clone()
                        .negotiate_version()
                        .await
                        .map_err(engine_error)
                })
            })
            .await
    }

    /// Runs `call` and reports whether the engine answered 304 Not Modified.
    async fn outcome<F>(call: F) -> Result<Outcome, EngineError>
    where
        F: std::future::Future<Output = Result<(), BollardError>>,
    {
        let (result, status) = LAST_STATUS
            .scope(Cell::new(0), async {
                let result = call.await;
                (result, LAST_STATUS.with(Cell::get))
            })
            .await;
        result.map_err(engine_error)?;
        Ok(if status == 304 {
            Outcome::NotModified
        } else {
            Outcome::Done
        })
    }
}

/// A response, with its status noted in [`LAST_STATUS`] for the task that asked.
async fn noting_status(
    response: impl std::future::Future<
        Output = Result<hyper::Response<hyper::body::Incoming>, hyper_util::client::legacy::Error>,
    >,
) -> Result<hyper::Response<hyper::body::Incoming>, BollardError> {
    let response = response.await.map_err(BollardError::from)?;
    let _ = LAST_STATUS.try_with(|s| s.set(response.status().as_u16()));
    Ok(response)
}

/// A bollard client whose transport records each response's status (see [`LAST_STATUS`]).
fn client_for(endpoint: &Endpoint) -> Result<Docker, EngineError> {
    let builder = Endpoint::client_builder();
    let docker = match endpoint {
        Endpoint::Unix(socket) => {
            let socket = socket.clone();
            let client = builder.build(hyperlocal::UnixConnector);
            let transport = move |req: BollardRequest| {
                let (mut parts, body) = req.into_parts();
                let path_and_query = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |pq| pq.as_str())
                    .to_owned();
                parts.uri = hyperlocal::Uri::new(&socket, &path_and_query).into();
                noting_status(client.request(BollardRequest::from_parts(parts, body)))
            };
            Docker::connect_with_custom_transport(
                transport,
                Some("http://docker"),
                REQUEST_TIMEOUT_SECS,
                API_DEFAULT_VERSION,
            )
        }
        Endpoint::Tcp(base) => {
            let client = builder.build_http();
            let transport = move |req: BollardRequest| noting_status(client.request(req));
            Docker::connect_with_custom_transport(
                transport,
                Some(base.clone()),
                REQUEST_TIMEOUT_SECS,
                API_DEFAULT_VERSION,
            )
        }
    };
    docker.map_err(|e| EngineError::Connection(e.to_string()))
}

/// bollard's error as berth's: the engine's answers keep their status and message verbatim;
/// failures to reach it are [`EngineError::Connection`].
fn engine_error(err: BollardError) -> EngineError {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => EngineError::Api {
            status: status_code,
            kind: ErrorKind::of_status(status_code),
            message: if message.trim().is_empty() {
                format!("the engine answered HTTP {status_code} without a message")
            } else {
                message
            },
        },
        BollardError::JsonDataError { .. }
        | BollardError::JsonSerdeError { .. }
        | BollardError::APIVersionParseError {} => EngineError::Api {
            status: 502,
            kind: ErrorKind::System,
            message: format!("unexpected answer from the Docker engine: {err}"),
        },
        other => EngineError::Connection(root_cause(&other)),
    }
}

/// The innermost cause of `err`: what a user can act on ("No such file or directory", "Connection
/// refused") rather than the HTTP client's wrappers around it.
fn root_cause(err: &dyn std::error::Error) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An engine model re-read as a core type through its JSON form (the field names agree).
fn convert<T: serde::Serialize, U: serde::de::DeserializeOwned>(
    what: &str,
    value: &T,
) -> Result<U, EngineError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| EngineError::Api {
            status: 502,
            kind: ErrorKind::System,
            message: format!("unexpected {what} from the Docker engine: {e}"),
        })
}

/// An inspect document as the engine sent it, read into the core's record with every field.
fn read_inspect(body: &[u8]) -> Result<Container, EngineError> {
    let doc: ContainerInspect = serde_json::from_slice(body).map_err(|e| EngineError::Api {
        status: 502,
        kind: ErrorKind::System,
        message: format!("unreadable inspect document from the Docker engine: {e}"),
    })?;
    Ok(doc.to_container())
}

/// `since` as the engine reads it: `seconds.nanoseconds`.
fn since_param(t: Time) -> String {
    let nanos = t.unix_nanos().unwrap_or(0).max(0);
    format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000)
}

/// The wait answer from bollard's, which turns a non-zero exit into an error variant.
fn wait_response(
    item: Option<Result<bollard::models::ContainerWaitResponse, BollardError>>,
) -> Result<WaitResponse, EngineError> {
    let error = |message: String| (!message.is_empty()).then_some(WaitError { message });
    match item {
        Some(Ok(resp)) => Ok(WaitResponse {
            status_code: resp.status_code,
            error: resp.error.and_then(|e| e.message).and_then(error),
        }),
        Some(Err(BollardError::DockerContainerWaitError {
            error: message,
            code,
        })) => Ok(WaitResponse {
            status_code: code,
            error: error(message),
        }),
        Some(Err(e)) => Err(engine_error(e)),
        None => Err(EngineError::Connection(
            "the wait ended without an answer".to_owned(),
        )),
    }
}

fn opt_secs(t: Option<i64>) -> Option<i32> {
    t.map(|t| i32::try_from(t).unwrap_or(if t < 0 { -1 } else { i32::MAX }))
}

#[async_trait]
impl Engine for DockerEngine {
    fn kind(&self) -> &'static str {
        "docker"
    }

    async fn ping(&self) -> Result<(), EngineError> {
        let docker = self.client().await?;
        within("/_ping", limits::PING, async {
            docker.ping().await.map(|_| ()).map_err(engine_error)
        })
        .await
    }

    async fn version(&self) -> Result<EngineInfo, EngineError> {
        let docker = self.client().await?;
        let v = within("/version", limits::VERSION, async {
            docker.version().await.map_err(engine_error)
        })
        .await?;
        Ok(EngineInfo {
            name: v
                .platform
                .map(|p| p.name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Docker Engine".to_owned()),
            version: v.version.unwrap_or_default(),
            api_version: docker.client_version().to_string(),
            os: v.os.unwrap_or_default(),
            arch: v.arch.unwrap_or_default(),
        })
    }

    async fn list(&self) -> Result<Listing, EngineError> {
        let docker = self.client().await?;
        let path = format!("/v{}/containers/json?all=1", docker.client_version());
        let body = within("/containers/json", limits::LIST, async {
            self.reader.get(&path, MAX_LIST_BYTES).await
        })
        .await?;
        #[derive(serde::Deserialize)]
        struct Summary {
            #[serde(rename = "Id")]
            id: String,
        }
        let summaries: Vec<Summary> =
            serde_json::from_slice(&body).map_err(|e| EngineError::Api {
                status: 502,
                kind: ErrorKind::System,
                message: format!("unexpected container list from the Docker engine: {e}"),
            })?;
        let inspected: Vec<(String, Result<Container, EngineError>)> =
            stream::iter(summaries.into_iter().map(|s| s.id))
                .map(|id| async move {
                    let result = self.inspect(&id).await;
                    (id, result)
                })
                .buffered(INSPECT_CONCURRENCY)
                .collect()
                .await;
        let mut listing = Listing::default();
        for (id, result) in inspected {
            match result {
                Ok(c) => listing.containers.push(c),
                // Removed between the list and its inspect.
                Err(e) if e.is_not_found() => {}
                // The engine is gone: the whole list is.
                Err(e @ EngineError::Connection(_)) => return Err(e),
                // One document berth cannot read: the others stand.
                Err(e) => {
                    listing.unreadable.insert(id, e.to_string());
                }
            }
        }
        Ok(listing)
    }

    async fn inspect(&self, id: &str) -> Result<Container, EngineError> {
        let docker = self.client().await?;
        let path = format!(
            "/v{}/containers/{}/json",
            docker.client_version(),
            url_part(id)
        );
        let body = within("/containers/{id}/json", limits::INSPECT, async {
            self.reader.get(&path, MAX_DOCUMENT_BYTES).await
        })
        .await?;
        read_inspect(&body)
    }

    async fn events(&self, since: Option<Time>) -> Result<EventStream, EngineError> {
        let docker = self.client().await?;
        // The stream is lazy: make sure the daemon answers before promising one.
        self.ping().await?;
        let filters = HashMap::from([("type".to_owned(), vec!["container".to_owned()])]);
        let events = docker.events(Some(EventsOptions {
            since: since.map(since_param),
            until: None,
            filters: Some(filters),
        }));
        let stream = events.filter_map(|item| async move {
            match item {
                Ok(msg) => {
                    let value = match serde_json::to_value(&msg) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::warn!("skipping an engine event: {e}");
                            return None;
                        }
                    };
                    match Event::from_value(value) {
                        Ok(ev) => Some(Ok(ev)),
                        Err(e) => {
                            tracing::warn!("skipping an engine event: {e}");
                            None
                        }
                    }
                }
                Err(e) => Some(Err(engine_error(e))),
            }
        });
        Ok(stream.boxed())
    }

    async fn apply(&self, op: &Op) -> Result<Answer, EngineError> {
        let docker = self.client().await?;
        let done = |o: Result<Outcome, EngineError>| o.map(Answer::Outcome);
        match op {
            Op::Create { spec } => {
                let body: ContainerCreateBody = convert("create request", &op.request().body)?;
                let options = CreateContainerOptions {
                    name: spec.name.clone(),
                    ..CreateContainerOptions::default()
                };
                let created = docker
                    .create_container(Some(options), body)
                    .await
                    .map_err(engine_error)?;
                Ok(Answer::Created(created.id))
            }
            Op::Start { target } => done(
                DockerEngine::outcome(
                    docker.start_container(target, None::<StartContainerOptions>),
                )
                .await,
            ),
            Op::Stop { target, timeout } | Op::Restart { target, timeout } => {
                let t = opt_secs(*timeout);
                // stop and restart answer only after their timeout has run out.
                let patient = match t {
                    Some(t) if t < 0 => docker
                        .clone()
                        .with_timeout(Duration::from_secs(365 * 86_400)),
                    Some(t) => docker.clone().with_timeout(Duration::from_secs(
                        REQUEST_TIMEOUT_SECS + u64::try_from(t).unwrap_or(0),
                    )),
                    None => docker.clone(),
                };
                let outcome = if matches!(op, Op::Stop { .. }) {
                    DockerEngine::outcome(
                        patient
                            .stop_container(target, Some(StopContainerOptions { signal: None, t })),
                    )
                    .await
                } else {
                    DockerEngine::outcome(patient.restart_container(
                        target,
                        Some(RestartContainerOptions { signal: None, t }),
                    ))
                    .await
                };
                done(outcome)
            }
            Op::Pause { target } => {
                done(DockerEngine::outcome(docker.pause_container(target)).await)
            }
            Op::Unpause { target } => {
                done(DockerEngine::outcome(docker.unpause_container(target)).await)
            }
            Op::Kill { target, signal } => {
                let signal = signal.clone().unwrap_or_else(|| "SIGKILL".to_owned());
                done(
                    DockerEngine::outcome(
                        docker.kill_container(target, Some(KillContainerOptions { signal })),
                    )
                    .await,
                )
            }
            Op::Remove { target, force } => done(
                DockerEngine::outcome(docker.remove_container(
                    target,
                    Some(RemoveContainerOptions {
                        force: *force,
                        ..RemoveContainerOptions::default()
                    }),
                ))
                .await,
            ),
            Op::Rename { target, name } => {
                docker
                    .rename_container(
                        target,
                        RenameContainerOptions {
                            name: name.to_owned(),
                        },
                    )
                    .await
                    .map_err(engine_error)?;
                Ok(Answer::Outcome(Outcome::Done))
            }
            Op::Wait {
                target, condition, ..
            } => {
                let mut answers = docker.wait_container(
                    target,
                    Some(WaitContainerOptions {
                        condition: condition.as_str().to_owned(),
                    }),
                );
                wait_response(answers.next().await).map(Answer::Waited)
            }
            Op::Update { target, .. } => {
                let body: ContainerUpdateBody = convert("update request", &op.request().body)?;
                docker
                    .update_container(target, body)
                    .await
                    .map_err(engine_error)?;
                Ok(Answer::Outcome(Outcome::Done))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(rel: &str) -> String {
        let path = format!("{}/../testdata/engine/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `doc` without the object members that are `null` or `{}`, and with its mounts by
    /// destination.
    fn nulls_dropped(doc: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match doc {
            Value::Object(members) => {
                let mut out: serde_json::Map<String, Value> = members
                    .into_iter()
                    .filter(|(_, v)| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()))
                    .map(|(k, v)| (k, nulls_dropped(v)))
                    .collect();
                if let Some(Value::Array(mounts)) = out.get_mut("Mounts") {
                    mounts
                        .sort_by(|a, b| a["Destination"].as_str().cmp(&b["Destination"].as_str()));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.into_iter().map(nulls_dropped).collect()),
            other => other,
        }
    }

    /// The paths at which `ours` and `theirs` differ.
    fn differences_at(
        path: &str,
        ours: &serde_json::Value,
        theirs: &serde_json::Value,
        out: &mut Vec<String>,
    ) {
        use serde_json::Value;
        match (ours, theirs) {
            (Value::Object(a), Value::Object(b)) => {
                for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                    match (a.get(k), b.get(k)) {
                        (Some(x), Some(y)) => differences_at(&format!("{path}.{k}"), x, y, out),
                        (x, y) => out.push(format!("{path}.{k}: {x:?} ≠ {y:?}")),
                    }
                }
            }
            _ if ours != theirs => out.push(format!("{path}: {ours} ≠ {theirs}")),
            _ => {}
        }
    }

    /// Every inspect document recorded from Engine 20.10, read as berth reads the engine's
    /// answer, gives back the engine's document: Engine 20.10's legacy fields included, which
    /// bollard's models (of a newer API) would drop.
    #[test]
    fn recorded_inspect_documents_come_back_whole() {
        let dir = format!("{}/../testdata/engine/inspect", env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            let engine: serde_json::Value =
                serde_json::from_slice(&raw).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let container = read_inspect(&raw).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let ours = serde_json::to_value(ContainerInspect::of(&container))
                .unwrap_or_else(|e| panic!("{e}"));
            let (ours, engine) = (nulls_dropped(ours), nulls_dropped(engine));
            let mut differences = Vec::new();
            differences_at("", &ours, &engine, &mut differences);
            assert!(
                differences.is_empty(),
                "{path:?}: berth ≠ engine at {differences:?}"
            );
            // A legacy field bollard's model lacks, kept.
            assert!(
                engine["NetworkSettings"].get("IPAddress").is_some(),
                "{path:?}"
            );
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} recorded inspect documents");
    }

    #[test]
    fn an_unreadable_document_is_a_clear_error() {
        for body in [
            &br#"{"Id": "abc", "State": 5}"#[..],
            br#"{"Id": "abc", "Created": "yesterday"}"#,
            br#"{"Id": "ab"#,
            b"<html>oops</html>",
        ] {
            let e = read_inspect(body).map(|c| c.id).unwrap_err();
            assert_eq!(e.status(), 502, "{e}");
            assert!(
                e.to_string()
                    .starts_with("unreadable inspect document from the Docker engine: "),
                "{e}"
            );
        }
    }

    /// Every recorded 20.10 event (with its legacy fields) reads through bollard's model.
    #[test]
    fn recorded_events_survive_bollards_model() {
        let raw = testdata("events.jsonl");
        let mut containers = 0;
        for line in raw.lines().filter(|l| !l.trim().is_empty()) {
            let direct = Event::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let wire: bollard::models::EventMessage =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let value = serde_json::to_value(&wire).unwrap_or_else(|e| panic!("{e}"));
            let through = Event::from_value(value).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(through, direct);
            containers += usize::from(direct.is_container());
        }
        assert!(containers > 20, "only {containers} container events");
    }

    #[test]
    fn engine_errors_keep_status_and_message() {
        let e = engine_error(BollardError::DockerResponseServerError {
            status_code: 500,
            message: "Container abc is not paused".to_owned(),
        });
        assert_eq!(
            e,
            EngineError::Api {
                status: 500,
                kind: ErrorKind::System,
                message: "Container abc is not paused".to_owned()
            }
        );
        let e = engine_error(BollardError::DockerResponseServerError {
            status_code: 409,
            message: "cannot start a paused container, try unpause instead".to_owned(),
        });
        assert_eq!(e.status(), 409);
        assert!(matches!(
            e,
            EngineError::Api {
                kind: ErrorKind::Conflict,
                ..
            }
        ));
        assert!(engine_error(BollardError::DockerResponseServerError {
            status_code: 404,
            message: "No such container: nope".to_owned(),
        })
        .is_not_found());
        assert!(matches!(
            engine_error(BollardError::RequestTimeoutError),
            EngineError::Connection(_)
        ));
    }

    #[test]
    fn wait_answers_take_the_engine_shape() {
        let nonzero = wait_response(Some(Err(BollardError::DockerContainerWaitError {
            error: String::new(),
            code: 137,
        })));
        assert_eq!(
            nonzero,
            Ok(WaitResponse {
                status_code: 137,
                error: None
            })
        );
        let zero = wait_response(Some(Ok(bollard::models::ContainerWaitResponse {
            status_code: 0,
            error: None,
        })));
        assert_eq!(
            zero,
            Ok(WaitResponse {
                status_code: 0,
                error: None
            })
        );
        let with_error = wait_response(Some(Err(BollardError::DockerContainerWaitError {
            error: "oops".to_owned(),
            code: 1,
        })));
        assert_eq!(
            with_error,
            Ok(WaitResponse {
                status_code: 1,
                error: Some(WaitError {
                    message: "oops".to_owned()
                })
            })
        );
        assert!(matches!(
            wait_response(None),
            Err(EngineError::Connection(_))
        ));
    }

    #[test]
    fn since_is_seconds_dot_nanoseconds() {
        assert_eq!(
            since_param(Time::from_unix_nanos(1_700_000_000_012_345_678)),
            "1700000000.012345678"
        );
        assert_eq!(since_param(Time::from_unix_secs(5)), "5.000000000");
    }

    #[test]
    fn hosts_are_unix_or_tcp() {
        assert!(DockerEngine::new("unix:///run/docker.sock").is_ok());
        assert!(DockerEngine::new("tcp://127.0.0.1:2375").is_ok());
        assert!(matches!(
            DockerEngine::new("ssh://host"),
            Err(EngineError::Connection(_))
        ));
        assert!(DockerEngine::new("unix://").is_err());
    }
}
