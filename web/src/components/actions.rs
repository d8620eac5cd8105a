//! The action buttons (start, stop, restart, pause, unpause, kill, remove, force remove) for one
//! container or a selection. Each is disabled, with the engine's refusal as the reason, when the
//! core's rules ([`berth_core::actions::check`]) say the engine would refuse, and all are while
//! berth has lost the engine; destructive ones ask for confirmation (the dialog focuses Cancel).
//! A selection is acted on all at once, with each container's progress shown; the outcome
//! banner counts what was done, what the engine left unchanged (304) and what it refused.
//! Hidden when berth is read-only.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use berth_core::actions::{check, Action, Verdict};
use berth_core::container::{truncate_id, Container};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::api::{self, Acted};
use crate::route::{use_route, Route};
use crate::store::{use_dash, Connection, Msg, Notice};

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

/// The past tense, for the outcome (`Stopped web`).
fn done_label(a: Action) -> &'static str {
    match a {
        Action::Start => "Started",
        Action::Stop => "Stopped",
        Action::Restart => "Restarted",
        Action::Pause => "Paused",
        Action::Unpause => "Unpaused",
        Action::Kill => "Killed",
        Action::Remove => "Removed",
        Action::ForceRemove => "Force removed",
    }
}

/// The progressive, while the engine works (`Stopping web…`).
fn doing_label(a: Action) -> &'static str {
    match a {
        Action::Start => "Starting",
        Action::Stop => "Stopping",
        Action::Restart => "Restarting",
        Action::Pause => "Pausing",
        Action::Unpause => "Unpausing",
        Action::Kill => "Killing",
        Action::Remove => "Removing",
        Action::ForceRemove => "Force removing",
    }
}

/// What the engine would say to `action` on each of `targets`: the ones it accepts and the
/// refusals (name: message, with short IDs).
pub fn triage(action: Action, targets: &[Arc<Container>]) -> (Vec<Arc<Container>>, Vec<String>) {
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for c in targets {
        match check(action, c) {
            Ok(_) => ok.push(c.clone()),
            Err(r) => {
                let message = r.message.replace(&c.id, truncate_id(&c.id));
                refused.push(if targets.len() == 1 {
                    message
                } else {
                    format!("{}: {message}", c.display_name())
                })
            }
        }
    }
    (ok, refused)
}

/// Why no action can be sent now, if so: berth lost the engine, or the page lost berth.
fn offline_reason(dash: &crate::store::Dash) -> Option<&'static str> {
    if dash.synthetic {
        return Some("these are synthetic containers, with no engine behind them");
    }
    match &dash.connection {
        Connection::Live => dash
            .engine_lost()
            .then_some("berth has lost the engine. They come back when berth reconnects to it"),
        Connection::SignedOut => Some("berth refused this browser's token. Sign in again"),
        _ => Some("berth is not reachable. They come back when this page reconnects"),
    }
}

/// What the engine answered one container: done or unchanged, or its refusal.
type Answer = Result<Acted, String>;

/// Where an action stands on one container.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Sent; the engine has not answered.
    Waiting,
    /// The engine answered.
    Answered(Answer),
}

/// An action under way on some containers, each with where it stands.
#[derive(Debug, Clone, PartialEq, Default)]
struct Progress {
    action: Option<Action>,
    /// Name and step, in the order the containers were sent.
    steps: Vec<(String, Step)>,
}

enum ProgressMsg {
    Begin(Action, Vec<String>),
    Answer(usize, Answer),
    End,
}

impl Reducible for Progress {
    type Action = ProgressMsg;

    fn reduce(self: Rc<Self>, msg: ProgressMsg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            ProgressMsg::Begin(action, names) => {
                next.action = Some(action);
                next.steps = names.into_iter().map(|n| (n, Step::Waiting)).collect();
            }
            ProgressMsg::Answer(k, answer) => {
                if let Some(step) = next.steps.get_mut(k) {
                    step.1 = Step::Answered(answer);
                }
            }
            ProgressMsg::End => next = Progress::default(),
        }
        Rc::new(next)
    }
}

/// The banner once every container has answered.
fn outcome(action: Action, answers: &[(String, Answer)], page: Route) -> Notice {
    let done: Vec<&str> = answers
        .iter()
        .filter(|(_, a)| *a == Ok(Acted::Done))
        .map(|(n, _)| n.as_str())
        .collect();
    let unchanged: Vec<&str> = answers
        .iter()
        .filter(|(_, a)| *a == Ok(Acted::Unchanged))
        .map(|(n, _)| n.as_str())
        .collect();
    let failed: Vec<String> = answers
        .iter()
        .filter_map(|(n, a)| a.as_ref().err().map(|e| format!("{n}: {e}")))
        .collect();
    let mut parts = Vec::new();
    match done.as_slice() {
        [] => {}
        [one] => parts.push(format!("{} {one}.", done_label(action))),
        many => parts.push(format!(
            "{} {} containers: {}.",
            done_label(action),
            many.len(),
            many.join(", ")
        )),
    }
    if !unchanged.is_empty() {
        let already = match action {
            Action::Start => " (already running)",
            Action::Stop => " (already stopped)",
            _ => "",
        };
        parts.push(format!(
            "{} {}: nothing changed{already}, the engine answered 304 Not Modified.",
            label(action),
            unchanged.join(", ")
        ));
    }
    if !failed.is_empty() {
        parts.push(format!(
            "The engine refused {} of {}: {}",
            failed.len(),
            answers.len(),
            failed.join(" · ")
        ));
    }
    Notice {
        error: !failed.is_empty(),
        text: parts.join(" "),
        page,
    }
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
    let route = use_route();
    let confirming = use_state(|| None::<Action>);
    let progress = use_reducer(Progress::default);
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with(*confirming, move |c| {
            if let Some(d) = dialog.cast::<web_sys::HtmlDialogElement>() {
                if c.is_some() {
                    if !d.open() {
                        let _ = d.show_modal();
                    }
                    // Enter must not destroy: the safe choice has the focus.
                    if let Ok(Some(cancel)) = d.query_selector(".dialog-cancel") {
                        if let Ok(cancel) = cancel.dyn_into::<web_sys::HtmlElement>() {
                            let _ = cancel.focus();
                        }
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
    let busy = progress.action.is_some();
    let offline = offline_reason(&dash);
    let targets: Vec<Arc<Container>> = p
        .ids
        .iter()
        .filter_map(|id| dash.view.get(id).ok().map(|s| s.container.clone()))
        .collect();
    let run = {
        let dash = dash.clone();
        let confirming = confirming.clone();
        let targets = targets.clone();
        let progress = progress.dispatcher();
        let route = route.clone();
        Callback::from(move |action: Action| {
            confirming.set(None);
            let (ok, _) = triage(action, &targets);
            if ok.is_empty() {
                return;
            }
            let names: Vec<String> = ok.iter().map(|c| c.display_name()).collect();
            // The last action's banner goes: the progress line says what happens now.
            dash.dispatcher().dispatch(Msg::Notify(None));
            progress.dispatch(ProgressMsg::Begin(action, names.clone()));
            // All at once, as `docker stop a b` does: each container answers in its own time.
            let answers: Rc<RefCell<Vec<Option<Answer>>>> =
                Rc::new(RefCell::new(vec![None; ok.len()]));
            for (k, c) in ok.iter().enumerate() {
                let id = c.id.clone();
                let answers = answers.clone();
                let names = names.clone();
                let progress = progress.clone();
                let store = dash.dispatcher();
                let route = route.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = api::act(&id, action).await.map_err(|e| e.message);
                    progress.dispatch(ProgressMsg::Answer(k, answer.clone()));
                    let all = {
                        let mut answers = answers.borrow_mut();
                        if let Some(slot) = answers.get_mut(k) {
                            *slot = Some(answer);
                        }
                        answers.iter().cloned().collect::<Option<Vec<_>>>()
                    };
                    if let Some(all) = all {
                        let named: Vec<(String, Answer)> = names.into_iter().zip(all).collect();
                        store.dispatch(Msg::Notify(Some(outcome(action, &named, route))));
                        progress.dispatch(ProgressMsg::End);
                    }
                });
            }
        })
    };
    let mut reasons = Vec::new();
    let buttons = Action::ALL.into_iter().map(|action| {
        let (ok, refused) = triage(action, &targets);
        let disabled = ok.is_empty() || busy || offline.is_some();
        let title = if let Some(why) = offline {
            format!("Off: {why}.")
        } else if ok.is_empty() {
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
        if offline.is_none() && ok.is_empty() && !refused.is_empty() {
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
    let what = |of: &[Arc<Container>]| match of {
        [one] => one.display_name(),
        many => format!("{} containers", many.len()),
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
                    <h2 id="confirm-title">{ format!("{} {}?", label(action), what(&ok)) }</h2>
                    <p>{ consequence(action) }</p>
                    <p class="muted"><code>{ format!("docker {} {}", action.cli_words(),
                        ok.iter().map(|c| c.display_name()).collect::<Vec<_>>().join(" ")) }</code></p>
                    if !refused.is_empty() {
                        <p class="muted">{ format!("{} skipped (the engine would refuse):", refused.len()) }</p>
                        <ul class="muted skipped">{ for refused.iter().map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
                    }
                    <div class="dialog-buttons">
                        <button type="button" class="act dialog-cancel" onclick={cancel} autofocus=true>{ "Cancel" }</button>
                        <button type="button" class="act danger confirm" onclick={confirm}>
                            { format!("{} {}", label(action), what(&ok)) }
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
    let progress_line = progress.action.map(|action| {
        let answered = progress
            .steps
            .iter()
            .filter(|(_, s)| *s != Step::Waiting)
            .count();
        html! {
            <p class="progress" id="action-progress" role="status">
                <strong>{ format!("{} {}… ", doing_label(action), if progress.steps.len() == 1 {
                    progress.steps[0].0.clone()
                } else {
                    format!("{} containers ({answered} of {} done)", progress.steps.len(), progress.steps.len())
                }) }</strong>
                if progress.steps.len() > 1 {
                    { for progress.steps.iter().map(|(name, step)| {
                        let (class, mark) = match step {
                            Step::Waiting => ("waiting", "…"),
                            Step::Answered(Ok(_)) => ("done", "✓"),
                            Step::Answered(Err(_)) => ("failed", "✗"),
                        };
                        html! { <span class={classes!("step", class)}>{ format!("{name} {mark}") }</span> }
                    }) }
                }
            </p>
        }
    });
    html! {
        <div class="actions">
            <div class="action-buttons" role="group" aria-label={format!("Actions on {}", what(&targets))}>{ buttons }</div>
            { for progress_line }
            if let Some(why) = offline {
                <p class="muted small offline-reason" id="actions-off">{ format!("Actions are off: {why}.") }</p>
            }
            if p.show_reasons && !reasons.is_empty() {
                <ul class="reasons muted" aria-label="Why some actions are off">{ for reasons }</ul>
            }
            <dialog ref={dialog} class="confirm-dialog" onclose={onclose} aria-labelledby="confirm-title">
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

#[cfg(test)]
mod tests {
    use super::{outcome, triage, Acted, Action, Route};

    fn named(items: &[(&str, Result<Acted, &str>)]) -> Vec<(String, super::Answer)> {
        items
            .iter()
            .map(|(n, a)| ((*n).to_owned(), a.map_err(str::to_owned)))
            .collect()
    }

    #[test]
    fn the_outcome_counts_what_happened() {
        let page = Route::Containers;
        let one = outcome(
            Action::Stop,
            &named(&[("web", Ok(Acted::Done))]),
            page.clone(),
        );
        assert_eq!(one.text, "Stopped web.");
        assert!(!one.error);
        let unchanged = outcome(
            Action::Start,
            &named(&[("web", Ok(Acted::Unchanged))]),
            page.clone(),
        );
        assert_eq!(
            unchanged.text,
            "Start web: nothing changed (already running), the engine answered 304 Not Modified."
        );
        let mixed = outcome(
            Action::Stop,
            &named(&[
                ("a", Ok(Acted::Done)),
                ("b", Ok(Acted::Done)),
                ("c", Ok(Acted::Unchanged)),
                ("d", Err("no such container")),
            ]),
            page,
        );
        assert!(mixed.error);
        assert_eq!(
            mixed.text,
            "Stopped 2 containers: a, b. Stop c: nothing changed (already stopped), the engine \
             answered 304 Not Modified. The engine refused 1 of 4: d: no such container"
        );
    }

    #[test]
    fn refusals_name_containers_by_short_id() {
        let c = std::sync::Arc::new(berth_core::container::Container::new_base(
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ));
        let (ok, refused) = triage(Action::Unpause, &[c]);
        assert!(ok.is_empty());
        assert_eq!(
            refused,
            vec!["Container 0123456789ab is not paused".to_owned()]
        );
    }
}
