//! berth-web: the dashboard and the lifecycle lab, in Yew.
//!
//! The dashboard runs berth's core in the browser: the SSE stream feeds a core
//! [`Model`](berth_core::Model), every page reads a [`View`](berth_core::View) snapshot, status
//! texts are rendered by the core at the engine's time, filters are the core's, and actions are
//! checked with the core's rules before they are offered. The store, the SSE parsing, the
//! filtering and the explanations are plain Rust, tested natively (`cargo test -p berth-web`).

pub mod api;
pub mod app;
pub mod bench;
pub mod components;
pub mod connection;
pub mod explain;
pub mod lab;
pub mod pages;
pub mod rows;
pub mod sse;
pub mod store;
pub mod synthetic;

/// Starts the app: takes the token from the address bar, then renders into `#app` (replacing
/// the static skeleton of index.html).
pub fn run() {
    api::capture_token();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
