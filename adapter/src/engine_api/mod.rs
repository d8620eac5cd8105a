//! The Docker Engine API served for berth's simulated engine (`berth --engine sim --engine-api
//! unix:///PATH/berth.sock`), so that the real `docker` CLI and docker-py drive the simulation
//! and the dashboard on the same berth shows what they do.
//!
//! It serves the engine's paths with and without the `/v1.xx` prefix, negotiating the version
//! as Engine 20.10 does (API 1.41, minimum 1.12), and answers with the engine's status codes,
//! messages and JSON shapes, which come from the core ([`berth_core::api`], [`berth_core::sim`]).
//! Requests become the core's operations ([`Op::from_request`],
//! [`CreateSpec::from_create_request`]) carried out by the [`SimEngine`] for another client
//! ([`By::Other`]), exactly as berth's own API carries out its actions.
//!
//! Safety: it exists for the simulated engine only (it takes a [`SimEngine`], never a real
//! engine, and forwards nothing). A unix socket is created owner-only (0600); TCP is served on
//! loopback only. Like the engine's own socket, it asks for no token: whoever can open the
//! socket drives the simulation.
//!
//! [`Op::from_request`]: berth_core::ops::Op::from_request
//! [`CreateSpec::from_create_request`]: berth_core::sim::CreateSpec::from_create_request
//! [`By::Other`]: berth_core::lifecycle::By::Other

mod containers;
mod control;
mod events;
mod objects;
mod output;
mod system;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request};
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use berth_core::errdefs::HasKind;
use berth_core::time::{Duration, Time};
use serde::Serialize;

use crate::engine::sim::SimEngine;
use crate::engine::EngineError;

/// The API version served, and the oldest one accepted (Engine 20.10's).
pub const API_VERSION: &str = "1.41";
/// The oldest API version accepted.
pub const MIN_API_VERSION: &str = "1.12";
/// The engine version the simulation behaves as.
pub const ENGINE_VERSION: &str = "20.10.24";

/// Where the Engine API is served: `unix:///PATH` or `tcp://127.0.0.1:PORT` (loopback only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineApiAddr {
    /// A unix socket at this path.
    Unix(PathBuf),
    /// A TCP address on loopback.
    Tcp(SocketAddr),
}

impl FromStr for EngineApiAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<EngineApiAddr, String> {
        if let Some(path) = s.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!(
                    "{s:?}: a unix address needs a path, e.g. unix:///tmp/berth.sock"
                ));
            }
            return Ok(EngineApiAddr::Unix(PathBuf::from(path)));
        }
        if let Some(addr) = s.strip_prefix("tcp://") {
            let addr: SocketAddr = addr.parse().map_err(|e| {
                format!("{s:?}: not an address and port ({e}), e.g. tcp://127.0.0.1:2375")
            })?;
            if !addr.ip().is_loopback() {
                return Err(format!(
                    "{s:?}: the Engine API is served on loopback only (127.0.0.1 or [::1]), \
                     since it asks for no token"
                ));
            }
            return Ok(EngineApiAddr::Tcp(addr));
        }
        Err(format!(
            "{s:?}: expected unix:///PATH or tcp://127.0.0.1:PORT"
        ))
    }
}

impl fmt::Display for EngineApiAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineApiAddr::Unix(path) => write!(f, "unix://{}", path.display()),
            EngineApiAddr::Tcp(addr) => write!(f, "tcp://{addr}"),
        }
    }
}

/// An Engine API error: the engine's status and `{"message": …}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineApiError {
    status: StatusCode,
    message: String,
}

impl EngineApiError {
    fn new(status: u16, message: impl Into<String>) -> EngineApiError {
        EngineApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
        }
    }

    /// The error of any core error, with its kind's status.
    fn of<E: HasKind + fmt::Display>(e: &E) -> EngineApiError {
        EngineApiError::new(e.kind().http_status(), e.to_string())
    }
}

impl From<EngineError> for EngineApiError {
    fn from(e: EngineError) -> EngineApiError {
        match e {
            EngineError::Api {
                status, message, ..
            } => EngineApiError::new(status, message),
            EngineError::Connection(message) => EngineApiError::new(500, message),
        }
    }
}

#[derive(Serialize)]
struct MessageBody<'a> {
    message: &'a str,
}

impl IntoResponse for EngineApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(MessageBody {
                message: &self.message,
            }),
        )
            .into_response()
    }
}

/// The Engine API for `sim`: its routes behind the version prefix, with the engine's headers.
pub fn app(sim: Arc<SimEngine>) -> Router {
    // The version prefix is rewritten before routing, so the middleware wraps the routes.
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(axum::middleware::from_fn(versioned))
            .service(routes(sim)),
    )
}

fn routes(sim: Arc<SimEngine>) -> Router {
    Router::new()
        .route("/_ping", get(system::ping).head(system::ping))
        .route("/version", get(system::version))
        .route("/info", get(system::info))
        .route("/containers/json", get(containers::list))
        .route("/containers/create", post(containers::create))
        .route("/containers/prune", post(containers::prune))
        .route("/containers/{reference}/json", get(containers::inspect))
        .route(
            "/containers/{reference}",
            axum::routing::delete(containers::remove),
        )
        .route("/containers/{reference}/logs", get(output::logs))
        .route("/containers/{reference}/attach", post(output::attach))
        .route("/containers/{reference}/update", post(containers::update))
        .route("/containers/{reference}/{verb}", post(containers::operate))
        .route("/events", get(events::events))
        .route("/images/json", get(objects::images))
        .route("/images/create", post(objects::pull))
        .route("/images/{*path}", get(objects::image))
        .route("/networks/{id}", get(objects::network))
        .route("/volumes/{name}", get(objects::volume))
        .route("/plugins/{*path}", get(objects::plugin))
        .route("/services/{id}", get(objects::swarm_object))
        .route("/tasks/{id}", get(objects::swarm_object))
        .route("/nodes/{id}", get(objects::swarm_object))
        .route("/secrets/{id}", get(objects::swarm_object))
        .route("/configs/{id}", get(objects::swarm_object))
        .route("/berth/clock", get(control::clock))
        .route("/berth/clock/{action}", post(control::move_clock))
        .route(
            "/berth/containers/{reference}/{what}",
            post(control::process),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(sim)
}

/// The first path segments of the Engine API's endpoints.
const ENGINE_PATHS: &[&str] = &[
    "auth",
    "build",
    "commit",
    "configs",
    "containers",
    "distribution",
    "events",
    "exec",
    "grpc",
    "images",
    "info",
    "networks",
    "nodes",
    "plugins",
    "secrets",
    "services",
    "session",
    "swarm",
    "system",
    "tasks",
    "version",
    "volumes",
];

/// A request for an endpoint the simulated engine does not serve: 501 with a message that names
/// it, never a silent success; a path that is no endpoint of the engine is its 404.
async fn not_found(method: axum::http::Method, uri: Uri) -> EngineApiError {
    not_served(method, &uri)
}

pub(crate) fn not_served(method: axum::http::Method, uri: &Uri) -> EngineApiError {
    let path = uri.path();
    let root = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if ENGINE_PATHS.contains(&root) {
        EngineApiError::new(
            501,
            format!(
                "berth's simulated engine does not serve {method} {path}: it is not simulated \
                 (see \"berth as a Docker engine\" in berth's README)"
            ),
        )
    } else {
        EngineApiError::new(404, "page not found")
    }
}

/// The engine's headers on every answer, and the version prefix: `/v1.41/containers/json` is
/// served as `/containers/json`; a version above [`API_VERSION`] or below
/// [`MIN_API_VERSION`] is refused as Engine 20.10 refuses it.
async fn versioned(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let mut response = match version_prefix(path) {
        Some((version, rest)) => match refusal_of_version(version) {
            Some(refusal) => refusal,
            None => {
                let rest = rest.to_owned();
                let uri = match req.uri().query() {
                    Some(q) => format!("{rest}?{q}"),
                    None => rest,
                };
                match uri.parse::<Uri>() {
                    Ok(uri) => {
                        *req.uri_mut() = uri;
                        next.run(req).await
                    }
                    Err(_) => EngineApiError::new(400, "invalid request path").into_response(),
                }
            }
        },
        None => next.run(req).await,
    };
    let headers = response.headers_mut();
    headers.insert("api-version", HeaderValue::from_static(API_VERSION));
    headers.insert("ostype", HeaderValue::from_static("linux"));
    headers.insert(
        "server",
        HeaderValue::from_static(concat!(
            "berth/",
            env!("CARGO_PKG_VERSION"),
            " (linux; simulating Docker Engine)"
        )),
    );
    response
}

/// `/v1.41/rest` → `("1.41", "/rest")`.
fn version_prefix(path: &str) -> Option<(&str, &str)> {
    let after = path.strip_prefix("/v")?;
    let end = after.find('/').unwrap_or(after.len());
    let version = &after[..end];
    let plausible = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit() || c == '.')
        && version.starts_with(|c: char| c.is_ascii_digit());
    plausible.then(|| {
        (
            version,
            if end == after.len() {
                "/"
            } else {
                &after[end..]
            },
        )
    })
}

/// A version as numbers, for comparing: "1.41" → [1, 41].
fn version_numbers(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// The engine's refusal of `version`, if it refuses it.
fn refusal_of_version(version: &str) -> Option<Response> {
    let v = version_numbers(version);
    if v > version_numbers(API_VERSION) {
        return Some(EngineApiError::new(
            400,
            format!(
                "client version {version} is too new. Maximum supported API version is {API_VERSION}"
            ),
        )
        .into_response());
    }
    if v < version_numbers(MIN_API_VERSION) {
        // The engine answers this one in plain text.
        let mut response = (
            StatusCode::BAD_REQUEST,
            format!(
                "client version {version} is too old. Minimum supported API version is \
                 {MIN_API_VERSION}, please upgrade your client to a newer version\n"
            ),
        )
            .into_response();
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return Some(response);
    }
    None
}

/// A time as the engine's filters take it (`timetypes.GetTimestamp`): Unix seconds (with a
/// fraction), RFC 3339, or a Go duration before `now` (`10m`, `1h30m`, `90s`).
pub(crate) fn timestamp(value: &str, now: Time) -> Option<Time> {
    if let Ok(t) = Time::parse(value) {
        return Some(t);
    }
    if let Some(t) = unix_seconds(value) {
        return Some(t);
    }
    go_duration(value).map(|d| now.add(Duration::from_nanos(-d.as_nanos())))
}

/// The time parameter `name` of query `q` (`since`, `until`), read by [`timestamp`] against
/// `now`; `None` when absent or empty, the engine's 400 when unreadable.
pub(crate) fn time_param(
    q: &BTreeMap<String, String>,
    name: &str,
    now: Time,
) -> Result<Option<Time>, EngineApiError> {
    match q.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => timestamp(v, now)
            .map(Some)
            .ok_or_else(|| EngineApiError::new(400, format!("invalid value for {name}: {v:?}"))),
    }
}

/// Unix seconds with an optional fraction (`1700000000.123456789`), to the nanosecond.
fn unix_seconds(value: &str) -> Option<Time> {
    let (secs, frac) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(secs) || !(frac.is_empty() || digits(frac)) {
        return None;
    }
    let nanos: String = frac.chars().chain("000000000".chars()).take(9).collect();
    let secs: i64 = secs.parse().ok()?;
    let nanos: i64 = nanos.parse().ok()?;
    Some(Time::from_unix_nanos(
        secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
    ))
}

/// A Go duration (`10m`, `1h30m`, `1.5s`, `250ms`).
pub(crate) fn go_duration(value: &str) -> Option<Duration> {
    let mut total_ms: f64 = 0.0;
    let mut number = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                1.0
            }
            ('h', _) => 3_600_000.0,
            ('m', _) => 60_000.0,
            ('s', _) => 1_000.0,
            _ => return None,
        };
        total_ms += number.parse::<f64>().ok()? * unit;
        number.clear();
    }
    if !number.is_empty() || value.is_empty() {
        return None;
    }
    Some(Duration::from_nanos((total_ms * 1e6) as i64))
}

/// A request's query parameters, or axum's refusal of a query that is not one.
pub(crate) type Params = Result<Query<BTreeMap<String, String>>, QueryRejection>;

/// The query's parameters, or the engine's 400 for a query that is not one.
pub(crate) fn params(q: Params) -> Result<BTreeMap<String, String>, EngineApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| EngineApiError::new(400, e.body_text()))
}

/// A bound Engine API listener, ready to serve.
pub enum Listener {
    /// On a unix socket, removed when the listener is dropped.
    Unix(tokio::net::UnixListener, SocketFile),
    /// On loopback TCP.
    Tcp(tokio::net::TcpListener),
}

/// A unix socket's file, removed when berth stops serving it.
#[derive(Debug)]
pub struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Binds `addr`. A unix socket left behind by a berth that is gone is replaced; one that
/// answers is not (another process serves it). The socket is made owner-only.
pub async fn bind(addr: &EngineApiAddr) -> anyhow::Result<Listener> {
    use anyhow::Context as _;
    match addr {
        EngineApiAddr::Tcp(a) => Ok(Listener::Tcp(
            tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?,
        )),
        EngineApiAddr::Unix(path) => {
            if path.exists() {
                if tokio::net::UnixStream::connect(path).await.is_ok() {
                    anyhow::bail!("{addr} is in use: another process serves it");
                }
                std::fs::remove_file(path).with_context(|| {
                    format!("cannot replace the stale socket {}", path.display())
                })?;
            }
            let listener = tokio::net::UnixListener::bind(path)
                .with_context(|| format!("cannot listen on {addr}"))?;
            let file = SocketFile(path.clone());
            owner_only(path)?;
            Ok(Listener::Unix(listener, file))
        }
    }
}

#[cfg(unix)]
fn owner_only(path: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot make {} owner-only", path.display()))
}

/// Serves the Engine API for `sim` on `listener` until `stop` resolves. Requests in flight
/// are not waited for: waits and event streams never end on their own.
pub async fn serve(
    listener: Listener,
    sim: Arc<SimEngine>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use std::future::IntoFuture as _;
    let make = app(sim).into_make_service();
    let result = match listener {
        Listener::Unix(l, _file) => tokio::select! {
            r = axum::serve(l, make).into_future() => r,
            () = stop => Ok(()),
        },
        Listener::Tcp(l) => tokio::select! {
            r = axum::serve(l, make).into_future() => r,
            () = stop => Ok(()),
        },
    };
    if let Err(e) = result {
        tracing::warn!("the Engine API stopped: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_the_engines_timetypes_reads_them() {
        let now = Time::from_unix_secs(1_800_000_000);
        // Unix seconds, to the nanosecond.
        assert_eq!(
            timestamp("1700000000.123456789", now),
            Some(Time::from_unix_nanos(1_700_000_000_123_456_789))
        );
        assert_eq!(
            timestamp("1700000000", now),
            Some(Time::from_unix_secs(1_700_000_000))
        );
        assert_eq!(
            timestamp("2026-01-01T00:00:00Z", now),
            Time::parse("2026-01-01T00:00:00Z").ok()
        );
        // A duration is that long before now.
        assert_eq!(
            timestamp("1m30s", now),
            Some(Time::from_unix_secs(1_799_999_910))
        );
        assert_eq!(
            go_duration("250ms").map(Duration::as_nanos),
            Some(250_000_000)
        );
        for bad in ["", "soon", "1.2.3", "-5", "10x", "1e9"] {
            assert_eq!(timestamp(bad, now), None, "{bad}");
        }
    }
}
