//! The header: navigation, the engine (kind and version), the link's state with the time of the
//! last event (never "live" when it is not), the counts, and the light/dark toggle.

use berth_core::time::human_duration;
use berth_core::view::InfoCounts;
use yew::prelude::*;

use crate::components::theme::ThemeToggle;
use crate::route::{use_route, Link, Route, LAB_PATH};
use crate::store::{use_dash, Connection};
use crate::time_text::clock;

/// The header of the dashboard's pages.
#[function_component(Header)]
pub fn header() -> Html {
    let dash = use_dash();
    let route = use_route();
    let nav = |to: Route, text: &str| {
        let current = match (&route, &to) {
            (Route::Container { .. }, Route::Containers) => true,
            (r, t) => r == t,
        };
        html! {
            <span class={classes!("nav-item", current.then_some("current"))}>
                <Link to={to}>{ text }</Link>
            </span>
        }
    };
    let now = dash.now();
    let engine = dash.engine.as_ref();
    let engine_text = match engine {
        Some(e) => {
            let mut t = e.engine.clone();
            if let Some(v) = e.version.as_deref().filter(|v| !v.is_empty()) {
                t.push(' ');
                t.push_str(v);
            }
            t
        }
        None if dash.synthetic => "synthetic".to_owned(),
        None => String::new(),
    };
    let last_event = dash.last_event();
    let last_text = match last_event {
        Some(t) => format!(
            "last event {} ({} ago)",
            clock(t),
            human_duration(now.since(t)).to_lowercase()
        ),
        None => "no events yet".to_owned(),
    };
    let engine_down = dash.engine_lost();
    let (pill_class, pill_text, detail) = if dash.synthetic {
        (
            "warn",
            "synthetic".to_owned(),
            format!(
                "{} synthetic containers (benchmark, not live)",
                dash.view.len()
            ),
        )
    } else {
        match &dash.connection {
            Connection::Idle => ("idle", "not connected".to_owned(), String::new()),
            Connection::Connecting if dash.loaded => (
                "warn",
                "reconnecting".to_owned(),
                format!("data as of {last_text}"),
            ),
            Connection::Connecting => ("idle", "connecting…".to_owned(), String::new()),
            Connection::Live if engine_down => (
                "warn",
                "engine disconnected".to_owned(),
                format!(
                    "{}; data as of {last_text}",
                    engine
                        .and_then(|e| e.last_error.clone())
                        .unwrap_or_else(|| "berth lost the engine".to_owned())
                ),
            ),
            Connection::Live => ("live", "live".to_owned(), last_text),
            Connection::Stale { since } => (
                "warn",
                format!("stale since {}", clock(*since)),
                format!("reconnecting; data as of {last_text}"),
            ),
            Connection::Failed { reason } if dash.loaded => (
                "bad",
                "berth not reachable".to_owned(),
                format!("{reason}; data as of {last_text}"),
            ),
            Connection::Failed { reason } => {
                ("bad", "berth not reachable".to_owned(), reason.clone())
            }
            Connection::SignedOut => (
                "bad",
                "signed out".to_owned(),
                "berth refused this browser's token".to_owned(),
            ),
        }
    };
    // As `docker info` counts them.
    let InfoCounts {
        running,
        paused,
        stopped,
    } = dash.view.info_counts();
    html! {
        <header class="topbar">
            <span class="brand"><span class="brand-mark" aria-hidden="true">{ "⚓" }</span>{ " berth" }</span>
            <nav class="nav" aria-label="Main">
                { nav(Route::Containers, "Containers") }
                { nav(Route::History, "History") }
                <span class="nav-item"><a href={LAB_PATH}>{ "Lab" }</a></span>
            </nav>
            <div class="status" role="status" aria-live="polite">
                <span class="engine" title="The engine berth follows">{ engine_text }</span>
                <span class={classes!("pill", pill_class)} id="connection" title={detail.clone()}>
                    <span class="dot" aria-hidden="true"></span>{ pill_text }
                </span>
                <span class="freshness muted">{ detail }</span>
                if dash.loaded {
                    <span class="counts-mini muted" id="header-counts" title="As docker info counts them">
                        { format!("{running} running · {paused} paused · {stopped} stopped") }
                    </span>
                }
            </div>
            <ThemeToggle />
        </header>
    }
}
