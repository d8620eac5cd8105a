//! berth's HTTP server: the router ([`app`]), its state, and the pieces it is made of — the API
//! handlers, the SSE stream, the security rules, the web app's static files, and the bounded
//! listener that serves them ([`serve::serve`]).

pub mod api;
pub mod error;
pub mod security;
pub mod serve;
pub mod sse;
pub mod static_files;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_http::CompressionLevel;

use crate::engine::Engine;
use crate::mirror::Mirror;
use security::Security;
use static_files::WebDist;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The engine actions go to.
    pub engine: Arc<dyn Engine>,
    /// The mirror reads come from.
    pub mirror: Mirror,
    /// Token, allowed hosts, read-only.
    pub security: Arc<Security>,
    /// The web app's files.
    pub web: Arc<WebDist>,
}

impl AppState {
    /// The state of a server for `engine`, mirrored by `mirror`.
    pub fn new(
        engine: Arc<dyn Engine>,
        mirror: Mirror,
        security: Arc<Security>,
        web: WebDist,
    ) -> AppState {
        AppState {
            engine,
            mirror,
            security,
            web: Arc::new(web),
        }
    }
}

/// How long a client may take to send a request's body.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole server: the API under `/api`, the web app everywhere else, behind the security
/// guard and with the security headers and compression on every response.
pub fn app(state: AppState) -> Router {
    let web = state.web.clone();
    let security = state.security.clone();
    let api = Router::new()
        .route("/containers", get(api::list))
        .route(
            "/containers/{reference}",
            get(api::inspect).delete(api::remove),
        )
        .route("/containers/{reference}/{operation}", post(api::operate))
        .route("/engine", get(api::engine))
        .route("/events", get(sse::events))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state);
    Router::new()
        .nest("/api", api)
        // `/api` and `/api/` themselves are no route of the API, and no page of the web app.
        .route("/api", any(api::not_found))
        .route("/api/", any(api::not_found))
        .fallback(move |req: Request| {
            let web = web.clone();
            async move { web.serve(req).await }
        })
        .layer(axum::middleware::from_fn_with_state(
            security,
            security::guard,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        // A client that sends a request's head and then trickles its body is cut off.
        .layer(RequestBodyTimeoutLayer::new(BODY_READ_TIMEOUT))
        // Fastest: the app's wasm is megabytes and compressed on the fly; the gain of a higher
        // level is small and its cost is paid on every load.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        // Paths only: the query of `/?token=` and `/api/events?token=` must not reach the logs.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
}
