//! The action buttons (start, stop, restart, pause, unpause, kill, remove, force remove) for one
//! container or a selection. Each is disabled, with the engine's refusal as the reason, when the
//! core's rules ([`berth_core::actions::check`]) say the engine would refuse; destructive ones
//! ask for confirmation; the engine's error is shown when it refuses anyway. Hidden when berth
//! is read-only.

use std::rc::Rc;
use std::sync::Arc;

use berth_core::actions::{check, Action, Verdict};
use berth_core::container::Container;
use yew::prelude::*;

use crate::api;
use crate::app::use_dash;
use crate::store::{Msg, Notice};

/// The button's label.
pub fn label(a: Action) -> &'static str {
    match a {
        Action::Start => "Start",
        Action::Stop => "Stop",
        Action::Restart => "Restart",
        Action::Pause => "Pause",
        Action::Unpause => "Unpause",
        Action::Kill => "Kill",
        Action::Remove => "Remove",
        Action::ForceRemove => "Force remove",
    }
}

/// What the engine would say to `action` on each of `targets`: the ones it accepts and the
/// refusals (name: message).
pub fn triage(action: Action, targets: &[Arc<Container>]) -> (Vec<Arc<Container>>, Vec<String>) {
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for c in targets {
        match check(action, c) {
            Ok(_) => ok.push(c.clone()),
            Err(r) => refused.push(if targets.len() == 1 {
                r.message
            } else {
                format!("{}: {}", c.display_name(), r.message)
            }),
        }
    }
    (ok, refused)
}

/// Props of [`ActionBar`].
#[derive(Properties, PartialEq)]
pub struct ActionBarProps {
    /// The containers acted on (IDs).
    pub ids: Rc<Vec<String>>,
    /// List the reasons of disabled buttons under the bar.
    #[prop_or_default]
    pub show_reasons: bool,
}

/// The action buttons.
#[function_component(ActionBar)]
pub fn action_bar(p: &ActionBarProps) -> Html {
    let dash = use_dash();
    let confirming = use_state(|| None::<Action>);
    let busy = use_state(|| false);
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with(*confirming, move |c| {
            if let Some(d) = dialog.cast::<web_sys::HtmlDialogElement>() {
                if c.is_some() {
                    if !d.open() {
                        let _ = d.show_modal();
                    }
                } else if d.open() {
                    d.close();
                }
            }
        });
    }
    if dash.read_only() {
        return html! {
            <p class="muted read-only">{ "Read-only: berth refuses actions, so none are offered." }</p>
        };
    }
    let targets: Vec<Arc<Container>> = p
        .ids
        .iter()
        .filter_map(|id| dash.view.get(id).ok().map(|s| s.container.clone()))
        .collect();
    let run = {
        let dash = dash.clone();
        let busy = busy.clone();
        let confirming = confirming.clone();
        let targets = targets.clone();
        Callback::from(move |action: Action| {
            confirming.set(None);
            let (ok, _) = triage(action, &targets);
            if ok.is_empty() {
                return;
            }
            busy.set(true);
            let dispatch = dash.dispatcher();
            let busy = busy.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut errors = Vec::new();
                for c in &ok {
                    if let Err(e) = api::act(&c.id, action).await {
                        errors.push(format!("{}: {}", c.display_name(), e.message));
                    }
                }
                busy.set(false);
                let done = ok.len() - errors.len();
                let notice = if errors.is_empty() {
                    Notice {
                        error: false,
                        text: format!(
                            "{} {}",
                            label(action),
                            if done == 1 {
                                ok[0].display_name()
                            } else {
                                format!("{done} containers")
                            }
                        ),
                    }
                } else {
                    Notice {
                        error: true,
                        text: format!("{} refused. {}", label(action), errors.join(" · ")),
                    }
                };
                dispatch.dispatch(Msg::Notify(Some(notice)));
            });
        })
    };
    let mut reasons = Vec::new();
    let buttons = Action::ALL.into_iter().map(|action| {
        let (ok, refused) = triage(action, &targets);
        let disabled = ok.is_empty() || *busy;
        let title = if ok.is_empty() {
            refused.join("\n")
        } else if !refused.is_empty() {
            format!(
                "{} of {} would be refused:\n{}",
                refused.len(),
                targets.len(),
                refused.join("\n")
            )
        } else {
            let unchanged = ok
                .iter()
                .all(|c| check(action, c) == Ok(Verdict::NotModified));
            if unchanged {
                format!(
                    "docker {}: nothing to do, the engine answers 304 Not Modified",
                    action.cli_words()
                )
            } else {
                format!("docker {}", action.cli_words())
            }
        };
        if ok.is_empty() && !refused.is_empty() {
            reasons.push(html! { <li><strong>{ label(action) }</strong>{ ": " }{ refused.join("; ") }</li> });
        }
        let onclick = {
            let run = run.clone();
            let confirming = confirming.clone();
            Callback::from(move |_| {
                if action.is_destructive() {
                    confirming.set(Some(action));
                } else {
                    run.emit(action);
                }
            })
        };
        html! {
            <button type="button" class={classes!("act", format!("act-{}", action.as_str()), action.is_destructive().then_some("danger"))}
                disabled={disabled} title={title} onclick={onclick} data-action={action.as_str()}>
                { label(action) }
            </button>
        }
    });
    let buttons: Html = buttons.collect();
    let what = if targets.len() == 1 {
        targets
            .first()
            .map(|c| c.display_name())
            .unwrap_or_default()
    } else {
        format!("{} containers", targets.len())
    };
    let dialog_body = match *confirming {
        Some(action) => {
            let (ok, refused) = triage(action, &targets);
            let confirm = {
                let run = run.clone();
                Callback::from(move |_| run.emit(action))
            };
            let cancel = {
                let confirming = confirming.clone();
                Callback::from(move |_| confirming.set(None))
            };
            html! {
                <>
                    <h2>{ format!("{} {what}?", label(action)) }</h2>
                    <p>{ consequence(action) }</p>
                    <p class="muted"><code>{ format!("docker {} {}", action.cli_words(),
                        ok.iter().map(|c| c.display_name()).collect::<Vec<_>>().join(" ")) }</code></p>
                    if !refused.is_empty() {
                        <p class="muted">{ format!("Skipped (the engine would refuse): {}", refused.join("; ")) }</p>
                    }
                    <div class="dialog-buttons">
                        <button type="button" class="act" onclick={cancel}>{ "Cancel" }</button>
                        <button type="button" class="act danger confirm" onclick={confirm} autofocus=true>
                            { label(action) }
                        </button>
                    </div>
                </>
            }
        }
        None => html! {},
    };
    let onclose = {
        let confirming = confirming.clone();
        Callback::from(move |_: Event| confirming.set(None))
    };
    html! {
        <div class="actions">
            <div class="action-buttons" role="group" aria-label={format!("Actions on {what}")}>{ buttons }</div>
            if p.show_reasons && !reasons.is_empty() {
                <ul class="reasons muted" aria-label="Why some actions are off">{ for reasons }</ul>
            }
            <dialog ref={dialog} class="confirm-dialog" onclose={onclose} aria-label="Confirm">
                { dialog_body }
            </dialog>
        </div>
    }
}

/// What the action does beyond its name, for the confirmation dialog.
fn consequence(a: Action) -> &'static str {
    match a {
        Action::Kill => "SIGKILL ends the process at once: no clean shutdown, exit code 137.",
        Action::Remove => "The container and its writable layer are deleted. This cannot be undone.",
        Action::ForceRemove => {
            "A running container is killed first, then deleted with its writable layer. This cannot be undone."
        }
        _ => "",
    }
}
