//! `/_ping`, `/version` and `/info`: what the simulated engine says about itself, in Engine
//! 20.10's shapes, with berth named wherever a client shows it to a person.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{API_VERSION, ENGINE_VERSION, MIN_API_VERSION};
use crate::engine::sim::{engine_arch, SimEngine};
use crate::engine::Engine as _;

/// `GET` and `HEAD /_ping`: `OK` (no body for `HEAD`), with the engine's headers.
pub async fn ping(method: Method) -> Response {
    let body = if method == Method::HEAD { "" } else { "OK" };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert("docker-experimental", HeaderValue::from_static("false"));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `GET /version`: the engine the simulation behaves as (Engine 20.10, API 1.41), and berth
/// itself as the platform and a component.
pub async fn version() -> Json<serde_json::Value> {
    Json(json!({
        "Platform": { "Name": concat!("berth simulated engine ", env!("CARGO_PKG_VERSION")) },
        "Components": [
            {
                "Name": "Engine",
                "Version": ENGINE_VERSION,
                "Details": {
                    "ApiVersion": API_VERSION,
                    "Arch": engine_arch(),
                    "Experimental": "false",
                    "MinAPIVersion": MIN_API_VERSION,
                    "Os": "linux",
                },
            },
            { "Name": "berth", "Version": env!("CARGO_PKG_VERSION"), "Details": {} },
        ],
        "Version": ENGINE_VERSION,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "",
        "GoVersion": "",
        "Os": "linux",
        "Arch": engine_arch(),
        "KernelVersion": "",
        "BuildTime": "",
    }))
}

/// `GET /info`: the container counts as the engine counts them (`View::info_counts`), the
/// images the engine has, and a warning that says no container runs for real.
pub async fn info(State(sim): State<Arc<SimEngine>>) -> Json<serde_json::Value> {
    let (view, now) = sim.view();
    let counts = view.info_counts();
    let images = sim.images();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut info = json!({
        "ID": "BERT:HSIM:ENGI:NE00:0000:0000:0000:0000:0000:0000:0000:0000",
        "Containers": view.len(),
        "ContainersRunning": counts.running,
        "ContainersPaused": counts.paused,
        "ContainersStopped": counts.stopped,
        "Images": images.len(),
        "Driver": "overlay2",
        "DriverStatus": [],
        "Plugins": { "Volume": [], "Network": ["null"], "Authorization": null, "Log": ["json-file"] },
        "MemoryLimit": true,
        "SwapLimit": true,
        "OomKillDisable": false,
        "Debug": false,
        "NFd": 0,
        "NGoroutines": 0,
        "SystemTime": now.to_rfc3339(),
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": "1",
        "NEventsListener": 0,
        "KernelVersion": "",
    });
    let more = json!({
        "OperatingSystem": concat!("berth simulated engine ", env!("CARGO_PKG_VERSION")),
        "OSVersion": "",
        "OSType": "linux",
        "Architecture": std::env::consts::ARCH,
        "IndexServerAddress": "",
        "RegistryConfig": null,
        "NCPU": cpus,
        "MemTotal": 0,
        "DockerRootDir": "",
        "Name": "berth-sim",
        "Labels": [],
        "ExperimentalBuild": false,
        "ServerVersion": ENGINE_VERSION,
        "Runtimes": {},
        "DefaultRuntime": "",
        "Swarm": { "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null },
        "LiveRestoreEnabled": false,
        "Isolation": "",
        "SecurityOptions": [],
        "Warnings": [
            format!("this is berth's simulated engine (kind {}): no container runs for real, \
                     and its clock runs {}× real time", sim.kind(), sim.speed()),
        ],
    });
    if let (Some(info), serde_json::Value::Object(more)) = (info.as_object_mut(), more) {
        info.extend(more);
    }
    Json(info)
}
