//! The objects besides containers: the images the simulated engine has (each one a container
//! was made from, and each one pulled), and what `docker inspect NAME` looks a name up among
//! when no container has it. The simulated engine has no volume, no plugin, only the `none`
//! network, and is no swarm manager, so it answers as an engine in that state does (404s, and
//! the 503 of a node outside a swarm); the `none` network is not described yet (501).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{not_served, params, EngineApiError, Params, ENGINE_VERSION};
use crate::engine::sim::{engine_arch, SimEngine};

/// `GET /images/json`: every image the simulated engine has, newest first.
pub async fn images(State(sim): State<Arc<SimEngine>>) -> Json<Vec<serde_json::Value>> {
    Json(
        sim.images()
            .iter()
            .map(|i| {
                json!({
                    "Containers": -1,
                    "Created": i.created.unix_secs(),
                    "Id": i.id,
                    "Labels": null,
                    "ParentId": "",
                    "RepoDigests": null,
                    "RepoTags": [i.tag],
                    "SharedSize": -1,
                    "Size": i.size,
                    "VirtualSize": i.size,
                })
            })
            .collect(),
    )
}

/// `GET /images/{name}/json`: the image's inspect document, or the engine's 404. Every other
/// endpoint under `/images/{name}/…` (history, tag, push, removal) is not served, and says so.
pub async fn image(
    State(sim): State<Arc<SimEngine>>,
    Path(path): Path<String>,
    uri: Uri,
) -> Result<Json<serde_json::Value>, EngineApiError> {
    let Some(name) = path.strip_suffix("/json") else {
        return Err(not_served(Method::GET, &uri));
    };
    let i = sim.image(name)?;
    let config = json!({
        "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false,
        "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false,
        "StdinOnce": false, "Env": null, "Cmd": ["/bin/sh"], "Image": "", "Volumes": null,
        "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null,
    });
    Ok(Json(json!({
        "Id": i.id,
        "RepoTags": [i.tag],
        "RepoDigests": [],
        "Parent": "",
        "Comment": "berth's simulated engine: no layer is stored",
        "Created": i.created.to_rfc3339(),
        "Container": "",
        "ContainerConfig": config,
        "DockerVersion": ENGINE_VERSION,
        "Author": "",
        "Config": config,
        "Architecture": engine_arch(),
        "Os": "linux",
        "Size": i.size,
        "VirtualSize": i.size,
        "GraphDriver": { "Data": null, "Name": "overlay2" },
        "RootFS": { "Type": "layers", "Layers": [] },
        "Metadata": { "LastTagTime": i.created.to_rfc3339() },
    })))
}

/// `POST /images/create?fromImage=&tag=` (`docker pull`): the image is the engine's from now
/// on, and the answer is the engine's progress stream: where it pulls from, the digest, and
/// whether it was new. `fromSrc` (an import) is not simulated.
pub async fn pull(
    State(sim): State<Arc<SimEngine>>,
    q: Params,
) -> Result<Response, EngineApiError> {
    let q = params(q)?;
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("fromSrc").is_some() {
        return Err(EngineApiError::new(
            501,
            "berth's simulated engine does not simulate importing an image (docker import)",
        ));
    }
    let Some(from) = get("fromImage") else {
        return Err(EngineApiError::new(400, "fromImage or fromSrc is required"));
    };
    let name = match get("tag") {
        Some(tag) if tag.starts_with("sha256:") => format!("{from}@{tag}"),
        Some(tag) => format!("{from}:{tag}"),
        None => from.to_owned(),
    };
    let (image, new) = sim.pull(&name)?;
    let (repo, tag) = image.tag.rsplit_once(':').unwrap_or((&image.tag, "latest"));
    let shown = if repo.contains('/') {
        repo.to_owned()
    } else {
        format!("library/{repo}")
    };
    let status = if new {
        format!("Status: Downloaded newer image for {}", image.tag)
    } else {
        format!("Status: Image is up to date for {}", image.tag)
    };
    let messages = [
        json!({ "status": format!("Pulling from {shown}"), "id": tag }),
        json!({ "status": format!("Digest: {}", image.id) }),
        json!({ "status": status }),
    ];
    let body: String = messages.iter().map(|m| format!("{m}\r\n")).collect();
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /networks/{id}`: the engine's 404 for any network but `none` (by name, ID or ID
/// prefix).
pub async fn network(
    State(sim): State<Arc<SimEngine>>,
    Path(id): Path<String>,
    uri: Uri,
) -> EngineApiError {
    if id == "none" || (!id.is_empty() && sim.none_network_id().starts_with(&id)) {
        return not_served(Method::GET, &uri);
    }
    EngineApiError::new(404, format!("network {id} not found"))
}

/// `GET /volumes/{name}`: there is no volume.
pub async fn volume(Path(name): Path<String>) -> EngineApiError {
    EngineApiError::new(404, format!("get {name}: no such volume"))
}

/// `GET /plugins/{name}/json`: there is no plugin.
pub async fn plugin(Path(path): Path<String>, uri: Uri) -> EngineApiError {
    match path.strip_suffix("/json") {
        Some(name) => EngineApiError::new(404, format!("plugin {name:?} not found")),
        None => not_served(Method::GET, &uri),
    }
}

/// `GET /services/{id}`, `/tasks/{id}`, `/nodes/{id}`, `/secrets/{id}`, `/configs/{id}`: the
/// simulated engine is no swarm manager.
pub async fn swarm_object() -> EngineApiError {
    EngineApiError::new(
        503,
        "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" \
         to connect this node to swarm and try again.",
    )
}
