//! The live link to berth: `GET /api/engine` first (so that "unreachable" and "token refused"
//! are told apart), then the `GET /api/events` EventSource, whose messages go to the store.
//! When the stream drops the data is marked stale; the browser resumes it with `Last-Event-ID`,
//! and if it gives up the link reopens with `?since=<revision>`.

use std::cell::RefCell;
use std::rc::Rc;

use berth_core::errdefs::ErrorKind;
use gloo::timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::prelude::*;

use crate::api;
use crate::sse::parse_message;
use crate::store::{Dash, Msg};

/// How long to wait before trying again after berth could not be reached, or while signed out
/// (a sign-in in another tab then reaches this one).
const RETRY_MS: u32 = 3_000;
/// How long to wait after an answer that stands (not found, a server error): asking at once
/// would get the same answer.
const RETRY_STANDING_MS: u32 = 30_000;
/// How often the engine status is fetched again while the stream is open (the engine's clock,
/// for status texts, and its link state).
const REFRESH_MS: u32 = 15_000;

type Dispatch = UseReducerDispatcher<Dash>;
/// An event listener registered on the EventSource, by event type.
type Listener = (&'static str, Closure<dyn FnMut(web_sys::Event)>);

/// The browser's clock, Unix milliseconds.
pub fn browser_now_ms() -> i64 {
    js_sys::Date::now() as i64
}

#[derive(Default)]
struct Inner {
    alive: bool,
    source: Option<EventSource>,
    listeners: Vec<Listener>,
    retry: Option<Timeout>,
    refresh: Option<gloo::timers::callback::Interval>,
}

impl Inner {
    fn close(&mut self) {
        if let Some(source) = self.source.take() {
            for (name, l) in &self.listeners {
                let _ =
                    source.remove_event_listener_with_callback(name, l.as_ref().unchecked_ref());
            }
            source.close();
        }
        self.listeners.clear();
        self.retry = None;
        self.refresh = None;
    }
}

/// An open link; dropping it closes the stream.
pub struct Link {
    inner: Rc<RefCell<Inner>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.alive = false;
        inner.close();
    }
}

impl Link {
    /// Opens the link; `resume` holds the revision the store has (for `?since=`).
    pub fn open(dispatch: Dispatch, resume: Rc<RefCell<Option<u64>>>) -> Link {
        let inner = Rc::new(RefCell::new(Inner {
            alive: true,
            ..Inner::default()
        }));
        start(inner.clone(), dispatch, resume);
        Link { inner }
    }
}

/// How long to wait before asking again after an error of `kind`.
fn retry_after(kind: ErrorKind) -> u32 {
    match kind {
        ErrorKind::Unreachable | ErrorKind::Unavailable | ErrorKind::Unauthorized => RETRY_MS,
        _ => RETRY_STANDING_MS,
    }
}

fn schedule_retry(
    inner: Rc<RefCell<Inner>>,
    dispatch: Dispatch,
    resume: Rc<RefCell<Option<u64>>>,
    after_ms: u32,
) {
    let again = inner.clone();
    let timer = Timeout::new(after_ms, move || start(again, dispatch, resume));
    inner.borrow_mut().retry = Some(timer);
}

fn start(inner: Rc<RefCell<Inner>>, dispatch: Dispatch, resume: Rc<RefCell<Option<u64>>>) {
    if !inner.borrow().alive {
        return;
    }
    dispatch.dispatch(Msg::Connecting);
    wasm_bindgen_futures::spawn_local(async move {
        let answer = api::engine().await;
        if !inner.borrow().alive {
            return;
        }
        match answer {
            Ok(info) => {
                dispatch.dispatch(Msg::Engine(Box::new(info), browser_now_ms()));
                open_stream(inner, dispatch, resume);
            }
            Err(e) => {
                // Retried while signed out too: a sign-in in another tab reaches this one.
                let after_ms = retry_after(e.kind);
                dispatch.dispatch(if e.kind == ErrorKind::Unauthorized {
                    Msg::SignedOut
                } else {
                    Msg::Failed(e.message)
                });
                schedule_retry(inner, dispatch, resume, after_ms);
            }
        }
    });
}

fn open_stream(inner: Rc<RefCell<Inner>>, dispatch: Dispatch, resume: Rc<RefCell<Option<u64>>>) {
    inner.borrow_mut().close();
    let since = *resume.borrow();
    let source = match EventSource::new(&api::events_url(since)) {
        Ok(s) => s,
        Err(_) => {
            dispatch.dispatch(Msg::Failed(
                "this browser cannot open an event stream".into(),
            ));
            return;
        }
    };
    let mut listeners: Vec<Listener> = Vec::new();
    {
        let d = dispatch.clone();
        listeners.push((
            "open",
            Closure::new(move |_: web_sys::Event| d.dispatch(Msg::Opened)),
        ));
    }
    for name in berth_core::wire::SSE_EVENTS {
        let d = dispatch.clone();
        listeners.push((
            name,
            Closure::new(move |e: web_sys::Event| {
                let Some(m) = e.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let data = m.data().as_string().unwrap_or_default();
                match parse_message(name, &data, browser_now_ms()) {
                    Ok(Some(msg)) => d.dispatch(msg),
                    Ok(None) => {}
                    Err(bad) => gloo::console::warn!(bad.to_string()),
                }
            }),
        ));
    }
    {
        let d = dispatch.clone();
        let weak = Rc::downgrade(&inner);
        let resume = resume.clone();
        listeners.push((
            "error",
            Closure::new(move |_: web_sys::Event| {
                d.dispatch(Msg::Dropped(browser_now_ms()));
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let closed = inner
                    .borrow()
                    .source
                    .as_ref()
                    .is_none_or(|s| s.ready_state() == EventSource::CLOSED);
                if closed {
                    // The browser gave up (berth answered with an error): check berth again,
                    // then reopen from where the store is.
                    schedule_retry(inner, d.clone(), resume.clone(), RETRY_MS);
                }
            }),
        ));
    }
    for (name, l) in &listeners {
        let _ = source.add_event_listener_with_callback(name, l.as_ref().unchecked_ref());
    }
    let refresh = {
        let d = dispatch.clone();
        let weak = Rc::downgrade(&inner);
        gloo::timers::callback::Interval::new(REFRESH_MS, move || {
            let d = d.clone();
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::engine().await;
                let alive = weak.upgrade().is_some_and(|i| i.borrow().alive);
                if let (Ok(info), true) = (answer, alive) {
                    d.dispatch(Msg::Engine(Box::new(info), browser_now_ms()));
                }
            });
        })
    };
    let mut i = inner.borrow_mut();
    i.source = Some(source);
    i.listeners = listeners;
    i.refresh = Some(refresh);
}

/// Keeps the live link open while `active`; the revision the store has is used to resume.
#[hook]
pub fn use_live_link(active: bool, dash: UseReducerHandle<Dash>) {
    let resume = use_mut_ref(|| None::<u64>);
    *resume.borrow_mut() = dash.loaded.then_some(dash.revision);
    let dispatch = dash.dispatcher();
    use_effect_with(active, move |active| {
        let link = active.then(|| Link::open(dispatch, resume));
        move || drop(link)
    });
}

/// Ticks the store's clock every second, so that status texts move ("Up 5 seconds").
#[hook]
pub fn use_clock(dash: UseReducerHandle<Dash>) {
    let dispatch = dash.dispatcher();
    use_effect_with((), move |_| {
        dispatch.dispatch(Msg::Tick(browser_now_ms()));
        let interval = gloo::timers::callback::Interval::new(1_000, move || {
            dispatch.dispatch(Msg::Tick(browser_now_ms()))
        });
        move || drop(interval)
    });
}
