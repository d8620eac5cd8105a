//! The Container page: every State field, the restart policy, why it is in this state, the
//! lifecycle diagram, the health log, the three wait conditions (what each would return now,
//! and a real wait through the API) and the container's transitions with their causes.

use std::rc::Rc;

use berth_core::container::Container;
use berth_core::lifecycle::Place;
use berth_core::wait::WaitCondition;
use yew::prelude::*;

use crate::api;
use crate::components::actions::ActionBar;
use crate::components::badge::{HealthBadge, StateBadge};
use crate::components::banners::{NoData, NoticeBanner, StaleBanner};
use crate::components::diagram::Lifecycle;
use crate::components::flags::Flags;
use crate::narrate::{exit_meaning, wait_now, why};
use crate::route::{Link, Route};
use crate::store::use_dash;
use crate::time_text::{clock, time_cell};

/// Props of [`ContainerPage`].
#[derive(Properties, PartialEq)]
pub struct ContainerPageProps {
    /// An ID, unique prefix or name.
    pub id: AttrValue,
}

/// The page.
#[function_component(ContainerPage)]
pub fn container_page(p: &ContainerPageProps) -> Html {
    let dash = use_dash();
    let title = dash
        .view
        .resolve(&p.id)
        .map(|s| s.container.display_name())
        .unwrap_or_else(|_| "No such container".to_owned());
    use_effect_with(title, |title| crate::route::set_title(title));
    if !dash.loaded {
        return html! { <NoData /> };
    }
    let snapshot = match dash.view.resolve(&p.id) {
        Ok(s) => s,
        Err(e) => {
            return html! {
                <section class="empty">
                    <h1>{ "No such container" }</h1>
                    <p>{ e.to_string() }{ ". It may have been removed." }</p>
                    <p><Link to={Route::Containers}>{ "Back to the containers" }</Link></p>
                </section>
            }
        }
    };
    let c: &Container = &snapshot.container;
    let now = dash.now();
    let s = &c.state;
    let name = c.name.trim_start_matches('/').to_owned();
    let ids = Rc::new(vec![c.id.clone()]);
    let health = s.health.as_ref();
    let policy = &c.host_config.restart_policy;
    let rows: Vec<(&str, Html)> = vec![
        (
            "Status",
            html! { <><StateBadge kind={s.kind()} /><code>{ format!(" {}", s.state_string()) }</code></> },
        ),
        ("Flags", html! { <Flags state={Some(s.clone())} /> }),
        ("Pid", html! { <code>{ s.pid }</code> }),
        (
            "ExitCode",
            html! { <><code>{ s.exit_code }</code>
                if !s.started_at.is_zero() && !s.running { <span class="muted">{ format!(" — {}", exit_meaning(s.exit_code, s.oom_killed)) }</span> }
            </> },
        ),
        (
            "Error",
            if s.error.is_empty() {
                html! { <span class="muted">{ "none" }</span> }
            } else {
                html! { <code>{ s.error.clone() }</code> }
            },
        ),
        ("StartedAt", time_cell(s.started_at, now)),
        ("FinishedAt", time_cell(s.finished_at, now)),
        ("RestartCount", html! { <code>{ c.restart_count }</code> }),
        (
            "RestartPolicy",
            html! { <code>{ policy.to_string() }</code> },
        ),
        (
            "Health",
            match health {
                Some(h) => {
                    html! { <><HealthBadge status={h.status()} /><span class="muted">{ format!(" failing streak {}", h.failing_streak) }</span></> }
                }
                None => html! { <span class="muted">{ "no health check" }</span> },
            },
        ),
    ];
    let health_log = match health {
        Some(h) if !h.log.is_empty() => html! {
            <section class="card">
                <h2>{ "Health log" }</h2>
                <div class="table-wrap">
                    <table class="kv-table health-log">
                        <thead><tr><th scope="col">{ "Start" }</th><th scope="col">{ "End" }</th><th scope="col">{ "Exit code" }</th><th scope="col">{ "Output" }</th></tr></thead>
                        <tbody>
                            { for h.log.iter().rev().map(|r| html! {
                                <tr class={if r.exit_code == 0 { "probe-ok" } else { "probe-fail" }}>
                                    <td><code>{ clock(r.start) }</code></td>
                                    <td><code>{ clock(r.end) }</code></td>
                                    <td><code>{ r.exit_code }</code></td>
                                    <td><code class="output">{ r.output.clone() }</code></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
        },
        Some(_) => {
            html! { <section class="card"><h2>{ "Health log" }</h2><p class="muted">{ "No probe has run yet." }</p></section> }
        }
        None => html! {},
    };
    let transitions = dash.transitions_of(&c.id);
    html! {
        <>
            <StaleBanner />
            <NoticeBanner />
            if let Some(why) = dash.unreadable(&c.id) {
                <div class="notice error" role="status" id="unreadable">
                    <span>{ format!("berth cannot read this container's latest record from the engine ({why}). It shows the last good one; the next readable record replaces it.") }</span>
                </div>
            }
            <nav class="crumbs" aria-label="Breadcrumb"><Link to={Route::Containers}>{ "Containers" }</Link>{ " / " }{ name.clone() }</nav>
            <section class="container-head">
                <h1>{ name.clone() }{ " " }<StateBadge kind={s.kind()} /></h1>
                <p class="status-line"><span id="detail-status">{ s.status_string(now) }</span></p>
                <p class="muted small"><code>{ c.id.clone() }</code>{ " · " }{ c.config.image.clone() }{ " · " }<code>{ c.command_line() }</code></p>
                <p class="why" id="why">{ why(c, now) }</p>
                if let Some(t) = transitions.iter().rev().find(|t| t.from != t.to).filter(|t| t.to == Place::State(s.kind())) {
                    <p class="small" id="last-move">{ format!("How it got here ({}): {}", clock(t.at), t.describe()) }</p>
                }
                <ActionBar ids={ids} show_reasons=true />
            </section>
            <div class="detail-grid">
                <section class="card">
                    <h2>{ "State" }</h2>
                    <table class="kv-table state-fields">
                        <tbody>
                            { for rows.into_iter().map(|(k, v)| html! { <tr><th scope="row">{ k }</th><td>{ v }</td></tr> }) }
                        </tbody>
                    </table>
                </section>
                <section class="card">
                    <h2>{ "Lifecycle" }</h2>
                    <Lifecycle container={Some(snapshot.container.clone())} place={Some(Place::State(s.kind()))} />
                </section>
            </div>
            <WaitPanel container={snapshot.container.clone()} />
            { health_log }
            <section class="card" id="transitions">
                <h2>{ "Transitions" }</h2>
                if transitions.is_empty() {
                    <p class="muted">{ "No move seen yet. Each move of this container is listed here as berth reads it from the engine's events, with its cause." }</p>
                } else {
                    <ol class="timeline" reversed=true>
                        { for transitions.iter().rev().map(|t| html! {
                            <li>
                                <code class="muted">{ clock(t.at) }</code>
                                if let Place::State(kind) = t.to { <StateBadge kind={kind} /> }
                                <span class="move">{ t.describe() }</span>
                            </li>
                        }) }
                    </ol>
                }
            </section>
        </>
    }
}

/// Props of [`WaitPanel`].
#[derive(Properties, PartialEq)]
pub struct WaitPanelProps {
    /// The container.
    pub container: std::sync::Arc<Container>,
}

/// The three wait conditions: what each returns now, and a real wait.
#[function_component(WaitPanel)]
pub fn wait_panel(p: &WaitPanelProps) -> Html {
    let dash = use_dash();
    // Condition → the state of the wait placed through the API.
    let waits = use_reducer(WaitResults::default);
    let id = p.container.id.clone();
    let rows = WaitCondition::ALL.into_iter().map(|cond| {
        let now_answer = match wait_now(&p.container, cond) {
            Some(r) => {
                let mut t = format!("returns at once: exit {}", r.exit_code);
                if let Some(e) = r.error.filter(|e| !e.is_empty()) {
                    t.push_str(&format!(", error: {e}"));
                }
                t
            }
            None => "would wait".to_owned(),
        };
        let onclick = {
            let waits = waits.clone();
            let id = id.clone();
            Callback::from(move |_| {
                waits.dispatch((cond.as_str(), true, "waiting…".to_owned()));
                let waits = waits.dispatcher();
                let id = id.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text = match api::wait(&id, cond).await {
                        Ok(a) => format!("returned {}", a.describe()),
                        Err(e) => format!("failed: {}", e.message),
                    };
                    waits.dispatch((cond.as_str(), false, text));
                })
            })
        };
        let state = waits.0.get(cond.as_str()).cloned();
        let pending = state.as_ref().is_some_and(|(p, _)| *p);
        html! {
            <tr data-condition={cond.as_str()}>
                <th scope="row"><code>{ cond.as_str() }</code></th>
                <td class="wait-now">{ now_answer }</td>
                <td>
                    <button type="button" class="act" onclick={onclick} disabled={pending || dash.synthetic}
                        data-wait={cond.as_str()}>{ format!("docker wait --condition {}", cond.as_str()) }</button>
                </td>
                <td class="wait-result" aria-live="polite">{ state.map(|(_, t)| t).unwrap_or_default() }</td>
            </tr>
        }
    });
    html! {
        <section class="card">
            <h2>{ "Wait conditions" }</h2>
            <div class="table-wrap">
                <table class="kv-table waits">
                    <thead><tr><th scope="col">{ "Condition" }</th><th scope="col">{ "Now" }</th><th scope="col">{ "Wait through the API" }</th><th scope="col">{ "Result" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            <p class="muted small">{ "\"Now\" places the core's waiter on a copy of the state: not-running returns at once unless it runs, next-exit always waits for the next exit, removed waits for removal." }</p>
        </section>
    }
}

/// The waits placed through the API: condition → (pending, text).
#[derive(Default, PartialEq)]
struct WaitResults(std::collections::BTreeMap<&'static str, (bool, String)>);

impl Reducible for WaitResults {
    type Action = (&'static str, bool, String);
    fn reduce(self: Rc<Self>, (cond, pending, text): Self::Action) -> Rc<Self> {
        let mut m = self.0.clone();
        m.insert(cond, (pending, text));
        Rc::new(WaitResults(m))
    }
}
