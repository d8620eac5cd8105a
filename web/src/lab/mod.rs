//! The lifecycle lab (`/lab`, a page and a wasm of its own: [`LabApp`]): learn the container
//! state machine by driving the core's simulated engine ([`berth_core::sim::Sim`]) in the
//! browser. Works from static files alone: nothing here calls berth's API.
//!
//! - [`model`]: the session (seed + steps) replayed on the Sim, one frame per step; plain Rust.
//! - [`lessons`]: guided scripts with commentary and what each step shows.
//! - [`teach`]: the CLI command, API call and plain account of a step.
//! - [`state`]: what the page shows (the lab, the step, the container) and its one reducer.
//! - [`controls`], [`panels`]: the page (its lifecycle diagram is the dashboard's,
//!   [`crate::components::diagram`]).

pub mod controls;
pub mod lessons;
pub mod model;
pub mod panels;
pub mod state;
pub mod teach;

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::theme::ThemeToggle;
use crate::route::{Route, LAB_PATH};
use model::Session;
use state::{LabMsg, LabNotice, LabState};

/// Virtual milliseconds per real tick at 1× (the clock ticks every [`TICK_MS`] real ms).
pub const TICK_MS: u32 = 100;

/// Where the session is kept for this tab, so leaving the lab for the dashboard and coming
/// back (through a link without the fragment) finds it again.
const STORAGE_KEY: &str = "berth-lab-session";
/// Where the container the learner looks at is kept for this tab, so a reload shows it again.
const SELECTED_KEY: &str = "berth-lab-selected";

/// The container this tab looked at last, if the session has it (present or removed).
fn stored_selection(state: &LabState) -> Option<String> {
    let id = web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|st| st.get_item(SELECTED_KEY).ok().flatten())?;
    let frame = state.lab.borrow().current();
    (frame.view.get(&id).is_ok() || frame.removed.contains_key(&id)).then_some(id)
}

/// Keeps the container the learner looks at for a reload.
fn store_selection(id: Option<&str>) {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = match id {
            Some(id) => storage.set_item(SELECTED_KEY, id),
            None => storage.remove_item(SELECTED_KEY),
        };
    }
}

/// The session to start with: the address bar's fragment (`#s=…`, a link that reproduces it),
/// else the one this tab played last.
fn initial_session() -> Result<Option<Session>, String> {
    let window = web_sys::window();
    let hash = window
        .as_ref()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if let Some(s) = Session::from_fragment(&hash).map_err(|e| e.to_string())? {
        return Ok(Some(s));
    }
    let stored = window
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|st| st.get_item(STORAGE_KEY).ok().flatten());
    // A stored session that no longer reads (an older lab) is just forgotten.
    Ok(stored.and_then(|json| Session::from_json(&json).ok()))
}

/// Puts the session into the address bar's fragment (never sent to a server).
fn write_address(session: &Session) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(history) = window.history() else {
        return;
    };
    let path = window
        .location()
        .pathname()
        .unwrap_or_else(|_| LAB_PATH.to_owned());
    let url = if session.steps.is_empty() && session.lesson.is_none() {
        path
    } else {
        format!("{path}#{}", session.to_fragment())
    };
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    if let Ok(Some(storage)) = window.session_storage() {
        let _ = storage.set_item(STORAGE_KEY, &session.to_json());
    }
}

/// Whether a key press goes to a text field, a select or a range (which use the keys).
fn in_text_field(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// The lab as a page: the header (the dashboard's pages are plain links from here) and the lab.
#[function_component(LabApp)]
pub fn lab_app() -> Html {
    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <header class="topbar">
                <span class="brand"><span class="brand-mark" aria-hidden="true">{ "⚓" }</span>{ " berth" }</span>
                <nav class="nav" aria-label="Main">
                    <span class="nav-item"><a href={Route::Containers.to_path()}>{ "Containers" }</a></span>
                    <span class="nav-item"><a href={Route::History.to_path()}>{ "History" }</a></span>
                    <span class="nav-item current"><a href={LAB_PATH} aria-current="page">{ "Lab" }</a></span>
                </nav>
                <ThemeToggle />
            </header>
            <main class="page" id="main">
                <LabPage />
            </main>
        </>
    }
}

/// The lab page.
#[function_component(LabPage)]
pub fn lab_page() -> Html {
    let state = use_reducer(|| match initial_session() {
        Ok(Some(s)) => {
            let mut state = LabState::with_session(s);
            if let Some(id) = stored_selection(&state) {
                state.selected = Some(id);
            }
            state
        }
        Ok(None) => LabState::with_session(Session::default()),
        Err(e) => {
            let mut s = LabState::with_session(Session::default());
            s.notice = Some(LabNotice::error(format!(
                "This link's session could not be read ({e}): the link is damaged or cut short. \
                 A new session started instead; copy the link again from \
                 \u{201c}Export · import · link\u{201d}."
            )));
            s
        }
    });

    // A reload shows the container the learner was looking at.
    use_effect_with(state.selected.clone(), |selected| {
        store_selection(selected.as_deref());
    });

    // The tab's title names the page and the container looked at.
    {
        let name = state.selected.as_ref().and_then(|id| {
            let frame = state.lab.borrow().current();
            frame
                .view
                .get(id)
                .ok()
                .map(|s| s.name.trim_start_matches('/').to_owned())
                .or_else(|| {
                    frame
                        .removed
                        .get(id)
                        .map(|n| n.trim_start_matches('/').to_owned())
                })
        });
        use_effect_with(name, |name| {
            crate::route::set_title(&match name {
                Some(n) => format!("{n} · Lab"),
                None => "Lab".to_owned(),
            });
        });
    }

    // The clock plays: a real interval advancing the virtual clock.
    {
        let dispatcher = state.dispatcher();
        let (playing, speed) = (state.playing, state.speed);
        use_effect_with((playing, speed), move |(playing, speed)| {
            let interval = playing.then(|| {
                let step = i64::from(TICK_MS) * i64::from(*speed);
                gloo::timers::callback::Interval::new(TICK_MS, move || {
                    dispatcher.dispatch(LabMsg::Tick(step));
                })
            });
            move || drop(interval)
        });
    }

    // The address keeps the session (when the clock is not running, to keep history quiet).
    {
        let lab = state.lab.clone();
        let key = (state.rev, state.playing, Rc::as_ptr(&state.lab) as usize);
        use_effect_with(key, move |(_, playing, _)| {
            if !*playing {
                write_address(lab.borrow().session());
            }
        });
    }

    // Keys, outside text fields: ← and → step through the history, N takes the lesson's next
    // step, P plays or pauses the clock.
    {
        let dispatcher = state.dispatcher();
        let playing = state.playing;
        use_effect_with(playing, move |playing| {
            let playing = *playing;
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                // Not passive: ← and → would also scroll the page.
                let options = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || in_text_field(e) {
                        return;
                    }
                    let msg = match e.key().as_str() {
                        "ArrowLeft" => LabMsg::Back,
                        "ArrowRight" => LabMsg::Forward,
                        "n" | "N" => LabMsg::LessonNext,
                        "p" | "P" => LabMsg::Play(!playing),
                        _ => return,
                    };
                    e.prevent_default();
                    dispatcher.dispatch(msg);
                })
            });
            move || drop(listener)
        });
    }

    let dispatch = {
        let state = state.clone();
        Callback::from(move |m: LabMsg| state.dispatch(m))
    };
    let view = Rc::new((*state).clone());
    let has_lesson = state.lab.borrow().session().lesson.is_some();
    html! {
        <section class="lab" aria-labelledby="lab-title">
            <panels::LabHeader state={view.clone()} dispatch={dispatch.clone()} />
            <div class={classes!("lab-grid", has_lesson.then_some("with-lesson"))}>
                <section class="lab-left" aria-label="Controls">
                    <controls::Controls state={view.clone()} dispatch={dispatch.clone()} />
                </section>
                <div class="lab-center">
                    <panels::Center state={view.clone()} dispatch={dispatch.clone()} />
                </div>
                if has_lesson {
                    <div class="lab-lesson">
                        <panels::LessonPanel state={view.clone()} dispatch={dispatch.clone()} />
                    </div>
                }
                <section class="lab-right" aria-label="Explanation">
                    <panels::Right state={view} dispatch={dispatch} />
                </section>
            </div>
        </section>
    }
}
