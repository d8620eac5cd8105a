//! A container's stored State flags (Running, Paused, Restarting, OOMKilled, RemovalInProgress,
//! Dead, and the lab's Removed) as a row of marks, each saying its name and its value: on the
//! container page and in the lab.

use berth_core::state::State;
use yew::prelude::*;

/// Props of [`Flags`].
#[derive(Properties, PartialEq)]
pub struct FlagsProps {
    /// The state whose flags are shown; `None` for a container that is gone (only Removed is
    /// set then, on the in-memory object).
    pub state: Option<State>,
    /// Show `Removed` too (the lab, where a removed container is still looked at).
    #[prop_or_default]
    pub removed: bool,
}

fn flag(name: &'static str, on: bool) -> Html {
    html! {
        <li class={classes!("flag", if on { "on" } else { "off" })} data-flag={name}
            title={format!("{name}: {on}")}>
            <span class="flag-dot" aria-hidden="true"></span>
            <span class="flag-name">{ name }</span>
            <span class="flag-value">{ if on { " true" } else { " false" } }</span>
        </li>
    }
}

/// The flags.
#[function_component(Flags)]
pub fn flags(p: &FlagsProps) -> Html {
    let Some(st) = &p.state else {
        return html! {
            <ul class="flags" aria-label="Stored flags">{ flag("Removed", true) }</ul>
        };
    };
    html! {
        <ul class="flags" aria-label="Stored flags">
            { flag("Running", st.running) }
            { flag("Paused", st.paused) }
            { flag("Restarting", st.restarting) }
            { flag("OOMKilled", st.oom_killed) }
            { flag("RemovalInProgress", st.removal_in_progress) }
            { flag("Dead", st.dead) }
            if p.removed { { flag("Removed", st.removed) } }
        </ul>
    }
}
