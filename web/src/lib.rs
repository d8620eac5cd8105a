//! berth-web: the dashboard and the lifecycle lab, in Yew.
//!
//! Two apps, each its own wasm: the dashboard (`src/main.rs`, [`run`]) and the lab
//! (`src/bin/berth-lab.rs`, [`run_lab`]); each binary carries only what it reaches.
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
pub mod lab;
pub mod narrate;
pub mod pages;
pub mod route;
pub mod rows;
pub mod sse;
pub mod store;
pub mod synthetic;
pub mod time_text;

/// Starts the dashboard (the `berth-web` binary): takes the token from the address bar, then
/// renders into `#app`.
pub fn run() {
    api::capture_token();
    mount::<app::App>();
}

/// Starts the lab (the `berth-lab` binary, served as `/lab`): renders into `#app`. It needs no
/// berth and no token.
pub fn run_lab() {
    mount::<lab::LabApp>();
}

/// Renders `C` into `#app`, replacing the static skeleton of the page's HTML.
fn mount<C: yew::BaseComponent<Properties = ()>>() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<C>::with_root(root).render();
        }
        None => {
            yew::Renderer::<C>::new().render();
        }
    }
}
