//! The banners over a dashboard page: the outcome of the last action (on the page of the
//! action only), the warning over data that is not live, and what a page shows while there is
//! no data (connecting, berth unreachable, or the sign-in field).

use yew::prelude::*;

use crate::components::sign_in::SignIn;
use crate::route::{use_route, LAB_PATH};
use crate::store::{use_dash, Connection, Msg};
use crate::time_text::clock;

/// The notice banner (last action's outcome).
#[function_component(NoticeBanner)]
pub fn notice_banner() -> Html {
    let dash = use_dash();
    let route = use_route();
    let Some(n) = dash.notice.clone().filter(|n| n.page == route) else {
        return html! {};
    };
    let close = {
        let d = dash.dispatcher();
        Callback::from(move |_| d.dispatch(Msg::Notify(None)))
    };
    html! {
        <div class={classes!("notice", n.error.then_some("error"))} role={if n.error { "alert" } else { "status" }}>
            <span>{ n.text }</span>
            <button type="button" class="link-button" onclick={close} aria-label="Dismiss">{ "✕" }</button>
        </div>
    }
}

/// The warning over data that is not live: the link dropped or berth lost the engine.
#[function_component(StaleBanner)]
pub fn stale_banner() -> Html {
    let dash = use_dash();
    let engine_down = dash.engine_lost();
    if dash.synthetic || !dash.loaded || (dash.connection.is_live() && !engine_down) {
        return html! {};
    }
    let since = match &dash.connection {
        Connection::Stale { since } => format!(" since {}", clock(*since)),
        _ => String::new(),
    };
    let last = dash
        .last_event()
        .map(|t| format!("the last event at {}", clock(t)))
        .unwrap_or_else(|| "the last message".to_owned());
    if dash.connection == Connection::SignedOut {
        return html! {
            <>
                <div class="notice stale-banner error" role="status" id="stale">
                    <span>{ "Not live: berth refused this browser's token (berth makes a new one each time it starts). Showing the containers as they were." }</span>
                </div>
                <SignIn />
            </>
        };
    }
    let why = if engine_down && dash.connection.is_live() {
        "berth has lost the engine".to_owned()
    } else {
        format!("the link to berth is down{since}")
    };
    html! {
        <div class="notice stale-banner error" role="status" id="stale">
            <span>{ format!("Not live: {why}. Showing the containers as of {last}; status times still tick.") }</span>
        </div>
    }
}

/// What a dashboard page shows while there is no data: connecting, berth unreachable, or the
/// sign-in field.
#[function_component(NoData)]
pub fn no_data() -> Html {
    let dash = use_dash();
    match &dash.connection {
        Connection::Failed { reason } => html! {
            <section class="empty unreachable" id="unreachable">
                <h1>{ "berth not reachable" }</h1>
                <p>{ reason.clone() }</p>
                <p>{ "Start berth with " }<code>{ "cargo xtask run" }</code>{ " (or " }
                    <code>{ "berth --engine sim" }</code>{ ") and open the address it prints, which carries the access token. This page retries every few seconds." }</p>
                <p>{ "The " }<a href={LAB_PATH}>{ "lifecycle lab" }</a>{ " works without berth." }</p>
            </section>
        },
        Connection::SignedOut => html! { <SignIn /> },
        _ => html! {
            <section class="empty loading" aria-busy="true">
                <p class="skeleton-line"></p>
                <p class="skeleton-line short"></p>
                <p class="muted">{ "Connecting to berth…" }</p>
            </section>
        },
    }
}
