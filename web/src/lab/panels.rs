//! The lab's header (lessons, export, import, link), its centre (clock, step history, the
//! selected container's flags, status and diagram, `docker ps -a`, waiters, timers) and its right
//! column (the lesson's commentary, the step's CLI command, API call and explanation, the names
//! and ID prefixes).

use std::sync::Arc;

use berth_core::state::StateKind;
use berth_core::view::Snapshot;
use berth_core::wait::WaitCondition;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use berth_core::container::truncate_id;

use crate::components::badge::{PlaceBadge, StateBadge};
use crate::components::diagram::Lifecycle;
use crate::components::flags::Flags;
use crate::narrate;
use crate::route::LAB_PATH;
use crate::time_text;

use super::controls::PanelProps;
use super::lessons::{self, Lesson};
use super::model::{Frame, Place, Record, Session, Step};
use super::state::{LabMsg, LabNotice};
use super::teach;

fn lesson_of(session: &Session) -> Option<&'static Lesson> {
    session.lesson.as_deref().and_then(lessons::by_id)
}

/// The header: title, lessons, session tools.
#[function_component(LabHeader)]
pub fn lab_header(p: &PanelProps) -> Html {
    let import_text = use_state(String::new);
    let lab = p.state.lab.borrow();
    let session = lab.session().clone();
    let json = session.to_json();
    let link = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .map(|origin| format!("{origin}{LAB_PATH}#{}", session.to_fragment()))
        .unwrap_or_default();
    let download = format!(
        "data:application/json;charset=utf-8,{}",
        js_sys::encode_uri_component(&json)
    );
    let current_lesson = session.lesson.clone().unwrap_or_default();
    let on_lesson = {
        let dispatch = p.dispatch.clone();
        Callback::from(move |e: Event| {
            let id = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            match lessons::by_id(&id) {
                Some(l) => dispatch.emit(LabMsg::Load(l.session())),
                None => dispatch.emit(LabMsg::Load(Session::default())),
            }
        })
    };
    let on_reset = {
        let dispatch = p.dispatch.clone();
        Callback::from(move |_| dispatch.emit(LabMsg::Load(Session::default())))
    };
    let on_import_input = {
        let import_text = import_text.clone();
        Callback::from(move |e: InputEvent| {
            import_text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let on_import = {
        let dispatch = p.dispatch.clone();
        let import_text = import_text.clone();
        Callback::from(move |_| {
            let text = (*import_text).trim().to_owned();
            // A pasted link or fragment works as well as the JSON.
            let parsed = if text.starts_with('{') {
                Session::from_json(&text).map(Some)
            } else {
                let fragment = text.rsplit_once('#').map(|(_, f)| f).unwrap_or(&text);
                Session::from_fragment(fragment)
            };
            match parsed {
                Ok(Some(s)) => {
                    dispatch.emit(LabMsg::Load(s));
                    dispatch.emit(LabMsg::Notice(Some(LabNotice::info("Session imported."))));
                }
                Ok(None) => dispatch.emit(LabMsg::Notice(Some(LabNotice::error(
                    "Nothing to load: paste a session's JSON or a lab link (…/lab#s=…).",
                )))),
                Err(e) => dispatch.emit(LabMsg::Notice(Some(LabNotice::error(format!(
                    "Import failed: {e}. Nothing changed. Paste the JSON of \u{201c}This session \
                     as JSON\u{201d} or a link copied from a lab, whole."
                ))))),
            }
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
    let close_notice = {
        let dispatch = p.dispatch.clone();
        Callback::from(move |_| dispatch.emit(LabMsg::Notice(None)))
    };
    html! {
        <header class="lab-head">
            <div class="lab-title">
                <h1 id="lab-title">{ "Lifecycle lab" }</h1>
                <p class="muted">{ "Drive a simulated Docker engine (berth's core, in your browser) and watch the container state machine. Nothing here talks to a server." }</p>
            </div>
            <div class="lab-tools">
                <label class="field lesson-pick" for="lesson-pick">
                    <span>{ "Guided lesson" }</span>
                    <select id="lesson-pick" onchange={on_lesson}>
                        <option value="" selected={current_lesson.is_empty()}>{ "Free play (no lesson)" }</option>
                        { for lessons::all().iter().map(|l| html! {
                            <option value={l.id} selected={current_lesson == l.id}>{ l.title }</option>
                        }) }
                    </select>
                </label>
                <button type="button" class="btn" id="lab-reset" onclick={on_reset}>{ "New session" }</button>
                <details class="session-tools">
                    <summary class="btn">{ "Export · import · link" }</summary>
                    <div class="session-pop card">
                        <label class="field" for="lab-link">
                            <span>{ "Link that reproduces this session (the session travels in the #fragment, never to a server)" }</span>
                            <input id="lab-link" type="text" readonly=true value={link} onfocus={select_all} />
                        </label>
                        <p>
                            <a class="btn" href={download} download="berth-lab-session.json">{ "Download JSON" }</a>
                        </p>
                        <label class="field" for="lab-export">
                            <span>{ "This session as JSON" }</span>
                            <textarea id="lab-export" readonly=true rows="6" value={json} />
                        </label>
                        <label class="field" for="lab-import">
                            <span>{ "Import: paste a session's JSON or a lab link" }</span>
                            <textarea id="lab-import" rows="4" value={(*import_text).clone()} oninput={on_import_input} />
                        </label>
                        <button type="button" class="btn primary" id="lab-import-go" onclick={on_import}>{ "Load session" }</button>
                    </div>
                </details>
            </div>
            if let Some(n) = &p.state.notice {
                <p class={classes!("notice", "lab-notice", n.error.then_some("error"))} id="lab-notice"
                    role={if n.error { "alert" } else { "status" }}>
                    <span>
                        if n.error { <strong>{ "Error: " }</strong> }
                        { n.text.clone() }
                    </span>
                    <button type="button" class="link-button" onclick={close_notice}>{ "dismiss" }</button>
                </p>
            }
        </header>
    }
}

/// The centre: clock, history, the selected container, the list, waiters, timers.
#[function_component(Center)]
pub fn center(p: &PanelProps) -> Html {
    let lab = p.state.lab.borrow();
    let len = lab.len();
    let cursor = p.state.cursor.min(len);
    let frame = lab.frame(cursor);
    let start = lab.session().start;
    let record = cursor.checked_sub(1).and_then(|i| lab.records().get(i));
    let next_due = if cursor == len {
        lab.next_deadline()
    } else {
        None
    };
    let d = p.dispatch.clone();
    let seek = move |k: usize| {
        let d = d.clone();
        Callback::from(move |_| d.emit(LabMsg::Seek(k)))
    };
    let on_range = {
        let d = p.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(k) = v.parse::<usize>() {
                d.emit(LabMsg::Seek(k));
            }
        })
    };
    let play = {
        let d = p.dispatch.clone();
        let playing = p.state.playing;
        Callback::from(move |_| d.emit(LabMsg::Play(!playing)))
    };
    let speed_btn = |s: u32| {
        let d = p.dispatch.clone();
        let on = p.state.speed == s;
        html! {
            <button type="button" class={classes!("btn", "seg", on.then_some("on"))} aria-pressed={on.to_string()}
                id={format!("speed-{s}")} onclick={Callback::from(move |_| d.emit(LabMsg::Speed(s)))}>{ format!("{s}×") }</button>
        }
    };
    let apply = |step: Step, label: &str, id: &str| {
        let d = p.dispatch.clone();
        html! {
            <button type="button" class="btn" id={id.to_owned()}
                onclick={Callback::from(move |_| d.emit(LabMsg::Apply(step.clone())))}>{ label }</button>
        }
    };
    let due_text = match next_due {
        Some(t) => format!(
            "next deadline {} (in {})",
            time_text::clock_text(t),
            time_text::span_text(t.since(frame.now).as_millis())
        ),
        None if cursor == len => "nothing pending".to_owned(),
        None => "viewing an earlier step".to_owned(),
    };

    // The selected container as this frame has it (or its removal).
    let selected = p.state.selected.clone();
    let snap: Option<Arc<Snapshot>> = selected.as_ref().and_then(|id| frame.view.get(id).ok());
    let removed_name = selected
        .as_ref()
        .and_then(|id| frame.removed.get(id).cloned());
    let path = match (record, &selected) {
        (Some(r), Some(id)) => r
            .moves
            .iter()
            .find(|m| &m.id == id)
            .map(|m| m.path.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let place = match (&snap, &removed_name) {
        (Some(s), _) => Some(Place::State(s.container.state.kind())),
        (None, Some(_)) => Some(Place::Removed),
        _ => None,
    };

    let status_card = match (&snap, &removed_name) {
        (Some(s), _) => {
            let c = &s.container;
            let st = &c.state;
            let kind = st.state_string();
            let health = st
                .health
                .as_ref()
                .map(|h| format!("{} (failing streak {})", h.status(), h.failing_streak));
            let decision = frame
                .decisions
                .get(&c.id)
                .map(|d| narrate::decision_text(c, d));
            let due = teach::restart_due(&frame, &c.id);
            html! {
                <section class="card status-card" aria-labelledby="sel-title" data-id={c.id.clone()}>
                    <div class="status-head">
                        <h2 id="sel-title">{ s.name.trim_start_matches('/').to_owned() }</h2>
                        <StateBadge kind={st.kind()} />
                        <code class="muted" title={c.id.clone()}>{ truncate_id(&c.id).to_owned() }</code>
                    </div>
                    <p class="status-text" id="lab-status" data-state={kind}>{ s.status_at(frame.now) }</p>
                    <p class="muted small status-sub">{ "docker ps Status at the virtual clock; State " }<code id="lab-state">{ kind }</code></p>
                    <Flags state={Some(st.clone())} removed=true />
                    <dl class="facts">
                        <div><dt>{ "ExitCode" }</dt><dd id="lab-exit-code">{ st.exit_code }</dd></div>
                        <div><dt>{ "RestartCount" }</dt><dd id="lab-restart-count">{ c.restart_count }</dd></div>
                        <div><dt>{ "Pid" }</dt><dd>{ st.pid }</dd></div>
                        <div><dt>{ "Restart policy" }</dt><dd>{ c.host_config.restart_policy.to_string() }</dd></div>
                        if let Some(h) = health {
                            <div><dt>{ "Health" }</dt><dd>{ h }</dd></div>
                        }
                        if !st.error.is_empty() {
                            <div><dt>{ "Error" }</dt><dd>{ st.error.clone() }</dd></div>
                        }
                    </dl>
                    <p class="decision" id="lab-decision">
                        <strong>{ "After its last exit the restart policy decided: " }</strong>
                        { decision.unwrap_or_else(|| "nothing yet (it has not exited)".to_owned()) }
                        if let Some(t) = due {
                            { format!("; restart due at {} (in {})", time_text::clock_text(t), time_text::span_text(t.since(frame.now).as_millis())) }
                        }
                    </p>
                </section>
            }
        }
        (None, Some(name)) => html! {
            <section class="card status-card" aria-labelledby="sel-title">
                <div class="status-head">
                    <h2 id="sel-title">{ name.trim_start_matches('/').to_owned() }</h2>
                    <PlaceBadge place={Place::Removed} />
                </div>
                <p class="status-text" id="lab-status" data-state="removed">{ "Removed" }</p>
                <p class="muted small">{ "Gone from the engine: docker ps no longer lists it, docker inspect answers 404 No such container, and its name is free again. Removed is set on the in-memory object only; the other flags went with the container." }</p>
                <Flags state={None::<berth_core::state::State>} removed=true />
            </section>
        },
        _ => html! {
            <section class="card status-card empty-card">
                <h2>{ "No container yet" }</h2>
                <p class="muted">{ "Create one on the left, or pick a guided lesson above." }</p>
            </section>
        },
    };

    let rows = frame.view.iter().map(|s| {
        let id = s.id().to_owned();
        let on = selected.as_deref() == Some(s.id());
        let d = p.dispatch.clone();
        let pick = id.clone();
        let kind = s.container.state.kind();
        html! {
            <tr class={classes!("row", on.then_some("selected"))} key={id.clone()} data-id={id.clone()}>
                <td><button type="button" class="link-button mono" onclick={Callback::from(move |_| d.emit(LabMsg::Select(pick.clone())))}
                    aria-pressed={on.to_string()}>{ truncate_id(&id).to_owned() }</button></td>
                <td>{ s.name.trim_start_matches('/').to_owned() }</td>
                <td><StateBadge kind={kind} /></td>
                <td class="c-status">{ s.status_at(frame.now) }</td>
                <td class="muted">{ s.container.restart_count }</td>
            </tr>
        }
    });
    let gone = frame.removed.iter().map(|(id, name)| html! {
        <li key={id.clone()}><code>{ truncate_id(id).to_owned() }</code>{ format!(" {} — removed", name.trim_start_matches('/')) }</li>
    });
    let waiters = frame.waiters.iter().rev().map(|w| {
        let state = match &w.outcome {
            Some(o) if o.timed_out => "timed-out",
            Some(_) => "returned",
            None => "waiting",
        };
        html! {
            <li class={classes!("waiter", state)} key={w.number} data-number={w.number.to_string()}>
                <strong>{ format!("#{} ", w.number) }</strong>
                <code>{ w.condition.as_str() }</code>
                { format!(" on {} (placed {}): ", w.name.trim_start_matches('/'), time_text::clock_text(w.placed_at)) }
                <span class="wait-result">{ teach::wait_text(w) }</span>
            </li>
        }
    });
    let timers = frame.deadlines.iter().take(8).map(|dl| {
        let name = frame.view.get(&dl.container_id).map(|s| s.name.trim_start_matches('/').to_owned()).unwrap_or_default();
        html! {
            <li>{ format!("{} (in {}) — {}: {}", time_text::clock_text(dl.at), time_text::span_text(dl.at.since(frame.now).as_millis()), name, teach::timer_text(dl.kind)) }</li>
        }
    });
    let waiter_deadlines = frame.waiters.iter().filter(|w| w.outcome.is_none()).filter_map(|w| w.deadline.map(|d| (w, d))).map(|(w, d)| html! {
        <li>{ format!("{} (in {}) — wait #{} gives up", time_text::clock_text(d), time_text::span_text(d.since(frame.now).as_millis()), w.number) }</li>
    });
    html! {
        <>
        <section class="card clock" aria-label="Virtual clock">
            <div class="clock-read">
                <span class="clock-time" id="lab-clock">{ time_text::clock_text(frame.now) }</span>
                <span class="muted">{ time_text::elapsed_text(start, frame.now) }</span>
                <span class="muted small" id="lab-next-due">{ due_text }</span>
            </div>
            <div class="clock-buttons">
                <button type="button" class="btn primary" id="lab-play" onclick={play} aria-pressed={p.state.playing.to_string()}>
                    { if p.state.playing { "❚❚ pause" } else { "▶ play" } }
                </button>
                <span class="seg-group" role="group" aria-label="Speed">
                    { speed_btn(1) }{ speed_btn(10) }{ speed_btn(100) }
                </span>
                { apply(Step::NextDeadline, "⇥ next deadline", "lab-next") }
                { apply(Step::Advance { ms: 1_000 }, "+1 s", "lab-plus-1s") }
                { apply(Step::Advance { ms: 60_000 }, "+1 min", "lab-plus-1m") }
                { apply(Step::Advance { ms: 3_600_000 }, "+1 h", "lab-plus-1h") }
            </div>
            <div class="history">
                <button type="button" class="btn" id="lab-back" disabled={cursor == 0} onclick={seek(cursor.saturating_sub(1))} aria-label="Step back">{ "◀" }</button>
                <input type="range" min="0" max={len.to_string()} value={cursor.to_string()} oninput={on_range} aria-label="Step" />
                <button type="button" class="btn" id="lab-forward" disabled={cursor >= len} onclick={seek(cursor + 1)} aria-label="Step forward">{ "▶" }</button>
                <span class="muted small" id="lab-step-of">{ format!("step {cursor} of {len}") }</span>
            </div>
            <p class="muted small keys">{ "Keys: ← → step back and forward · N the lesson's next step · P play or pause" }</p>
        </section>
        <div class="center-split">
            { status_card }
            <section class="card diagram-card" aria-label="Lifecycle diagram">
                <Lifecycle container={snap.as_ref().map(|s| s.container.clone())} place={place} path={path} />
            </section>
        </div>
        <section class="card" aria-labelledby="ps-title">
            <h2 id="ps-title">{ "docker ps -a" }</h2>
            if frame.view.is_empty() {
                <p class="muted">{ "No containers." }</p>
            } else {
                <div class="table-wrap">
                    <table class="ps lab-ps">
                        <thead><tr><th>{ "CONTAINER ID" }</th><th>{ "NAMES" }</th><th>{ "STATE" }</th><th>{ "STATUS" }</th><th>{ "RESTARTS" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            if !frame.removed.is_empty() {
                <ul class="gone muted small">{ for gone }</ul>
            }
        </section>
        <div class="center-split">
            <section class="card" aria-labelledby="waiters-title">
                <h2 id="waiters-title">{ "Waiters" }</h2>
                if let Some(s) = &snap {
                    <table class="kv-table wait-now" id="lab-wait-now">
                        <caption class="muted small">{ format!("A wait on {} placed now would…", s.name.trim_start_matches('/')) }</caption>
                        <tbody>
                            { for WaitCondition::ALL.iter().map(|c| {
                                let now = crate::narrate::wait_now(&s.container, *c);
                                let answer = match &now {
                                    Some(st) => format!("return at once: {}", st.exit_code),
                                    None => "wait".to_owned(),
                                };
                                html! {
                                    <tr key={c.as_str()} data-condition={c.as_str()}>
                                        <th scope="row"><code>{ c.as_str() }</code></th>
                                        <td class={classes!(if now.is_some() { "at-once" } else { "waits" })}>{ answer }</td>
                                        <td class="muted small">{ teach::wait_reason(*c, Some(s.container.state.kind())) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }
                if frame.waiters.is_empty() {
                    <p class="muted small">{ "None yet. Place one on the left: not-running returns at once when the container is not running; next-exit always waits for the next exit." }</p>
                } else {
                    <ul class="waiters" id="lab-waiters">{ for waiters }</ul>
                }
            </section>
            <section class="card" aria-labelledby="timers-title">
                <h2 id="timers-title">{ "Pending deadlines" }</h2>
                if frame.deadlines.is_empty() && !frame.waiters.iter().any(|w| w.outcome.is_none() && w.deadline.is_some()) {
                    <p class="muted small">{ "No timers: nothing will happen until you act." }</p>
                } else {
                    <ul class="timers small">{ for timers }{ for waiter_deadlines }</ul>
                }
            </section>
        </div>
        </>
    }
}

/// The lesson being followed: its question, the commentary on the step just shown with what
/// the learner should see (checked against the step's record), and the button to the next step.
#[function_component(LessonPanel)]
pub fn lesson_panel(p: &PanelProps) -> Html {
    let lab = p.state.lab.borrow();
    let len = lab.len();
    let cursor = p.state.cursor.min(len);
    let record = cursor.checked_sub(1).and_then(|i| lab.records().get(i));
    let lesson = lesson_of(lab.session());
    let steps_so_far = lab.session().steps.get(..cursor).unwrap_or_default();

    let lesson_panel = lesson.map(|l| {
        let done = l.progress(steps_so_far);
        // The commentary belongs to the step just shown if that step was the lesson's.
        let last_is_lesson = done > 0 && record.is_some_and(|r| l.steps.get(done - 1).is_some_and(|s| s.step == r.step));
        let next = {
            let d = p.dispatch.clone();
            Callback::from(move |_| d.emit(LabMsg::LessonNext))
        };
        let upcoming = l.steps.get(done).map(|s| teach::label(&s.step));
        html! {
            <section class="card lesson" aria-labelledby="lesson-title" data-lesson={l.id}>
                <h2 id="lesson-title">{ l.title }</h2>
                <p class="muted small" id="lesson-progress">{ format!("Step {done} of {}", l.steps.len()) }</p>
                if done == 0 {
                    <p>{ l.intro }</p>
                }
                if last_is_lesson {
                    if let Some(ls) = l.steps.get(done - 1) {
                        <p class="lesson-say" id="lesson-say">{ ls.say.clone() }</p>
                        if !ls.expect.is_empty() {
                            <ul class="expect" aria-label="What you should see">
                                { for ls.expect.iter().map(|e| {
                                    let ok = record.map(|r| e.check(r)).unwrap_or(Err(String::new()));
                                    html! {
                                        <li class={classes!(if ok.is_ok() { "ok" } else { "bad" })}>
                                            <span aria-hidden="true">{ if ok.is_ok() { "✓ " } else { "✗ " } }</span>
                                            { e.describe() }
                                        </li>
                                    }
                                }) }
                            </ul>
                        }
                    }
                }
                if let Some(u) = upcoming {
                    <p class="small"><span class="muted">{ "Next: " }</span><code>{ u }</code></p>
                    <button type="button" class="btn primary" id="lesson-next" onclick={next}>{ "Next step ▸" }</button>
                } else {
                    <p class="lesson-done" id="lesson-done">{ "Lesson complete. Keep experimenting, or pick another lesson." }</p>
                }
            </section>
        }
    });

    html! { { for lesson_panel } }
}

/// The right column: this step, names, the steps.
#[function_component(Right)]
pub fn right(p: &PanelProps) -> Html {
    let lab = p.state.lab.borrow();
    let len = lab.len();
    let cursor = p.state.cursor.min(len);
    let record = cursor.checked_sub(1).and_then(|i| lab.records().get(i));
    let before = lab.frame(cursor.saturating_sub(1));
    let frame = lab.frame(cursor);
    let step_panel = match record {
        Some(r) => step_view(r, &before),
        None => html! {
            <section class="card">
                <h2>{ "This step" }</h2>
                <p class="muted">{ "Every step you take is shown here with the docker command, the Engine API call and what the engine did." }</p>
            </section>
        },
    };

    let names = frame.view.names().map(|(name, id)| html! {
        <tr key={name.to_owned()}><td><code>{ name.to_owned() }</code></td><td><code title={id.to_owned()}>{ truncate_id(id).to_owned() }</code></td></tr>
    });
    let ids: Vec<String> = frame.view.iter().map(|s| s.id().to_owned()).collect();
    let shortest = ids.iter().map(|id| {
        // The shortest prefix that names only this ID (what `docker inspect` would accept).
        let n = (1..=id.len()).find(|&n| {
            let pre = id.get(..n).unwrap_or(id);
            ids.iter().filter(|o| o.starts_with(pre)).count() == 1
        }).unwrap_or(id.len());
        html! { <li key={id.clone()}><code>{ id.get(..n).unwrap_or(id).to_owned() }</code><span class="muted">{ id.get(n..12).unwrap_or("").to_owned() }</span></li> }
    });

    let history = lab.records().iter().enumerate().rev().take(60).map(|(i, r)| {
        let k = i + 1;
        let d = p.dispatch.clone();
        let here = k == cursor;
        let failed = r.result.is_err();
        html! {
            <li key={k} class={classes!(here.then_some("here"), failed.then_some("refused"))}>
                <button type="button" class="link-button" onclick={Callback::from(move |_| d.emit(LabMsg::Seek(k)))}>
                    { format!("{k}. {}", teach::label(&r.step)) }
                </button>
            </li>
        }
    });
    html! {
        <>
            { step_panel }
            <section class="card" aria-labelledby="names-title">
                <h2 id="names-title">{ "Names and ID prefixes" }</h2>
                <p class="muted small">{ "The ViewDb reserves each name for one ID. A reference is an exact ID, then a name, then a unique ID prefix; try a short prefix in the container field and inspect." }</p>
                if frame.view.is_empty() {
                    <p class="muted small">{ "No names reserved." }</p>
                } else {
                    <table class="kv-table names"><thead><tr><th>{ "name" }</th><th>{ "ID" }</th></tr></thead><tbody>{ for names }</tbody></table>
                    <p class="small">{ "Shortest unique prefixes:" }</p>
                    <ul class="prefixes">{ for shortest }</ul>
                }
            </section>
            <section class="card" aria-labelledby="steps-title">
                <h2 id="steps-title">{ format!("Steps ({len})") }</h2>
                if len == 0 {
                    <p class="muted small">{ "No steps yet." }</p>
                } else {
                    <ol class="step-list" reversed=true>{ for history }</ol>
                }
            </section>
        </>
    }
}

fn step_view(r: &Record, before: &Frame) -> Html {
    let cli = teach::cli(&r.step);
    let api = teach::api(&r.step);
    let happening = teach::happening(&r.step);
    let result = match &r.result {
        Ok(_) if matches!(r.result, Ok(super::model::Done::NotModified)) => {
            html! { <p class="result ok" id="lab-result">{ "304 Not Modified" }</p> }
        }
        Ok(_) => html! { <p class="result ok" id="lab-result">{ "accepted" }</p> },
        Err(e) => html! {
            <p class="result bad" id="lab-result" role="alert">
                <strong>{ format!("{} ", e.status) }</strong>
                <code id="lab-error">{ format!("{{\"message\": {}}}", serde_json::Value::String(e.message.clone())) }</code>
            </p>
        },
    };
    let explanation = teach::explain(r, before);
    let events = r.events.iter().filter(|e| e.is_container() && !e.verb().starts_with("exec_")).take(40).map(|e| {
        let attrs: Vec<String> = ["exitCode", "signal", "oldName"].iter()
            .filter_map(|k| e.attribute(k).map(|v| format!("{k}={v}")))
            .collect();
        html! {
            <li><code>{ e.action.clone() }</code>{ format!(" {} {}", e.attribute("name").unwrap_or_default(), attrs.join(" ")) }</li>
        }
    });
    let probes = r.probes;
    let kind_after = r.moves.last().and_then(|m| m.path.last().copied());
    html! {
        <section class="card this-step" aria-labelledby="step-title">
            <h2 id="step-title">{ "This step" }</h2>
            if let Some(c) = cli {
                <p class="cmd"><span class="cmd-label">{ "CLI" }</span><code id="lab-cli">{ c }</code></p>
            }
            if let Some(a) = api {
                <p class="cmd"><span class="cmd-label">{ "API" }</span><code id="lab-api">{ a }</code></p>
            }
            if let Some(h) = happening {
                <p class="cmd"><span class="cmd-label">{ "on its own" }</span><span>{ h }</span></p>
            }
            { result }
            <div class="explanation" id="lab-explanation">
                { for explanation.lines().map(|l| html! { <p>{ l.to_owned() }</p> }) }
            </div>
            if !r.transitions.is_empty() {
                <ol class="transitions small" id="lab-transitions" aria-label="Moves and their causes">
                    { for r.transitions.iter().map(|t| html! { <li>{ narrate::transition_text(t) }</li> }) }
                </ol>
            }
            if matches!(kind_after, Some(Place::State(StateKind::Restarting))) {
                <p class="muted small">{ "Restarting means Running and Restarting are both true: the process is gone and the restart manager's timer is running." }</p>
            }
            if !r.events.is_empty() {
                <details class="events">
                    <summary>{ format!("{} engine event(s) (GET /events){}", r.events_total, if probes > 0 { format!(", {probes} health probe(s)") } else { String::new() }) }</summary>
                    <ul class="small">{ for events }</ul>
                </details>
            }
        </section>
    }
}
