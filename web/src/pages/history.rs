//! The History page: every change the dashboard saw is a ViewDb snapshot in a bounded ring; a
//! scrubber replays the whole list as it was at any of them, status texts rendered at that
//! moment, with the rows that changed at that step highlighted. Play and step buttons.

use std::collections::HashSet;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::components::banners::NoData;
use crate::components::table::{ContainerTable, Rows};
use crate::rows::{sort_rows, Sort};
use crate::store::{use_dash, HistoryEntry, HISTORY_LEN};
use crate::time_text::clock;

/// Where the scrubber is in `history` for a chosen revision (`None`: the latest).
pub fn index_of(history: &im::Vector<Rc<HistoryEntry>>, revision: Option<u64>) -> usize {
    let last = history.len().saturating_sub(1);
    match revision {
        None => last,
        Some(r) => history.iter().position(|e| e.revision >= r).unwrap_or(last),
    }
}

/// The page.
#[function_component(HistoryPage)]
pub fn history_page() -> Html {
    let dash = use_dash();
    // The revision shown; None follows the latest.
    let chosen = use_state(|| None::<u64>);
    let playing = use_state(|| false);
    let latest = use_mut_ref(im::Vector::<Rc<HistoryEntry>>::new);
    *latest.borrow_mut() = dash.history.clone();
    let pos_ref = use_mut_ref(|| None::<u64>);
    *pos_ref.borrow_mut() = *chosen;
    {
        let chosen = chosen.clone();
        let playing_handle = playing.clone();
        let latest = latest.clone();
        let pos_ref = pos_ref.clone();
        use_effect_with(*playing, move |on| {
            let interval = on.then(|| {
                Interval::new(700, move || {
                    let h = latest.borrow();
                    let i = index_of(&h, *pos_ref.borrow());
                    match h.get(i + 1) {
                        Some(next) => {
                            *pos_ref.borrow_mut() = Some(next.revision);
                            chosen.set(Some(next.revision));
                        }
                        None => {
                            chosen.set(None);
                            playing_handle.set(false);
                        }
                    }
                })
            });
            move || drop(interval)
        });
    }
    if !dash.loaded && dash.history.is_empty() {
        return html! { <NoData /> };
    }
    let history = &dash.history;
    let len = history.len();
    let index = index_of(history, *chosen);
    let Some(entry) = history.get(index).cloned() else {
        return html! { <NoData /> };
    };
    let go = |i: usize| {
        let chosen = chosen.clone();
        let playing = playing.clone();
        let rev = history.get(i).map(|e| e.revision);
        let last = i + 1 >= len;
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            chosen.set(if last { None } else { rev });
        })
    };
    let oninput = {
        let chosen = chosen.clone();
        let playing = playing.clone();
        let revisions: Vec<u64> = history.iter().map(|e| e.revision).collect();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .and_then(|i| i.value().parse::<usize>().ok())
            {
                playing.set(false);
                chosen.set(if i + 1 >= revisions.len() {
                    None
                } else {
                    revisions.get(i).copied()
                });
            }
        })
    };
    let toggle_play = {
        let playing = playing.clone();
        let chosen = chosen.clone();
        let first = history.front().map(|e| e.revision);
        let at_end = index + 1 >= len;
        Callback::from(move |_| {
            if !*playing && at_end {
                // Replay from the oldest.
                chosen.set(first);
            }
            playing.set(!*playing);
        })
    };
    let mut rows: Vec<_> = entry.view.iter().cloned().collect();
    sort_rows(&mut rows, Sort::default());
    let highlight: HashSet<String> = entry.changed.iter().cloned().collect();
    let live = chosen.is_none();
    html! {
        <>
            <section class="card scrubber" aria-label="History scrubber">
                <div class="scrub-head">
                    <h1>{ "History" }</h1>
                    <p class="muted small">{ format!("{len} {} kept (a ring of {HISTORY_LEN}); each is the whole list as a ViewDb snapshot, sharing structure with its neighbours.", if len == 1 { "step" } else { "steps" }) }</p>
                </div>
                <label class="scrub">
                    <span class="visually-hidden">{ "Step" }</span>
                    <input type="range" id="scrubber" min="0" max={len.saturating_sub(1).to_string()}
                        value={index.to_string()} oninput={oninput}
                        aria-valuetext={format!("revision {} at {}", entry.revision, clock(entry.at))} />
                </label>
                <div class="scrub-buttons" role="group" aria-label="Replay">
                    <button type="button" class="act" onclick={go(0)} disabled={index == 0} id="scrub-first">{ "« Oldest" }</button>
                    <button type="button" class="act" onclick={go(index.saturating_sub(1))} disabled={index == 0} id="scrub-back">{ "◀ Step back" }</button>
                    <button type="button" class="act" onclick={toggle_play} id="scrub-play" aria-pressed={playing.to_string()}>
                        { if *playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                    <button type="button" class="act" onclick={go((index + 1).min(len.saturating_sub(1)))} disabled={index + 1 >= len} id="scrub-forward">{ "Step forward ▶" }</button>
                    <button type="button" class="act" onclick={go(len.saturating_sub(1))} disabled={live} id="scrub-live">{ "Latest »" }</button>
                </div>
                <p class="scrub-where" id="scrub-where">
                    <strong>{ format!("Step {} of {len}", index + 1) }</strong>
                    { format!(" · revision {} · {}", entry.revision, clock(entry.at)) }
                    if live { <span class="pill live small-pill">{ "latest" }</span> } else { <span class="pill warn small-pill">{ "replay" }</span> }
                </p>
                <ul class="changes">
                    { for entry.summary.iter().map(|s| html! { <li>{ s.clone() }</li> }) }
                </ul>
            </section>
            <ContainerTable rows={Rows(Rc::new(rows))} now={entry.at} highlight={Rc::new(highlight)}
                label={AttrValue::from(format!("Containers at revision {}", entry.revision))} />
        </>
    }
}
