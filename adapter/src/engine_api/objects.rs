//! The other objects `docker inspect NAME` looks a name up among when no container has it:
//! images, networks, volumes, plugins and the swarm's objects. The simulated engine has no
//! volume, no plugin, only the `none` network, and is no swarm manager, so it answers as an
//! engine in that state does (404s, and the 503 of a node outside a swarm); images and the
//! `none` network are not described yet, and say so (501).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{Method, Uri};

use super::{not_served, EngineApiError};
use crate::engine::sim::SimEngine;

/// `GET /images/{name}/json`: the engine's 404 for an image no container was made from.
pub async fn image(
    State(sim): State<Arc<SimEngine>>,
    Path(path): Path<String>,
    uri: Uri,
) -> EngineApiError {
    if let Some(name) = path.strip_suffix("/json") {
        let (view, _) = sim.view();
        if !view.iter().any(|s| s.container.config.image == name) {
            return EngineApiError::new(404, format!("No such image: {name}"));
        }
    }
    not_served(Method::GET, &uri)
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
