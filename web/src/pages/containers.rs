//! The Containers page: `docker ps -a` live, with counts per state (click to filter), the filter
//! box (`docker ps` filters and free text, the core's message for a wrong filter), sorting, and
//! actions on a selection.

use std::collections::HashSet;
use std::rc::Rc;

use berth_core::state::StateKind;
use yew::prelude::*;

use crate::bench;
use crate::components::actions::ActionBar;
use crate::components::badge::StateBadge;
use crate::components::banners::{NoData, NoticeBanner, StaleBanner};
use crate::components::table::{ContainerTable, Rows};
use crate::rows::{rows, Column, Query, Sort};
use crate::store::{use_dash, Msg};

/// The query parameter that carries the filter.
pub const FILTER_PARAM: &str = "q";

/// The page.
#[function_component(ContainersPage)]
pub fn containers_page() -> Html {
    let dash = use_dash();
    // The filter lives in the address (`/?q=status%3Dexited`): Back, a reload and a shared
    // link find it again.
    let text = use_state(|| crate::route::current_query(FILTER_PARAM).unwrap_or_default());
    use_effect_with((*text).clone(), |text| {
        crate::route::replace_query(FILTER_PARAM, text);
    });
    let sort = use_state(Sort::default);
    let view = dash.view.clone();
    let result = use_memo(
        (dash.revision, dash.view.len(), (*text).clone(), *sort),
        move |(_, _, text, sort)| {
            let t0 = bench::now_ms();
            let out = Query::parse(text)
                .and_then(|q| rows(&view, &q, *sort))
                .map(|r| Rows(Rc::new(r)));
            bench::record("filter-rows", bench::now_ms() - t0);
            out
        },
    );
    {
        let synthetic = dash.synthetic;
        let loaded = dash.loaded;
        use_effect_with(((*text).clone(), dash.revision), move |_| {
            bench::finish("filter-render");
            if synthetic && loaded {
                bench::finish("load");
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("bench-result"))
                {
                    let lines: Vec<String> = bench::results()
                        .iter()
                        .map(|(k, v)| format!("{k}={v:.2}ms"))
                        .collect();
                    el.set_text_content(Some(&lines.join(" ")));
                }
            }
        });
    }
    if !dash.loaded {
        return html! { <NoData /> };
    }
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                bench::start("filter-render");
                text.set(i.value());
            }
        })
    };
    let on_sort = {
        let sort = sort.clone();
        Callback::from(move |c: Column| {
            let descending = if sort.column == c {
                !sort.descending
            } else {
                c == Column::Created
            };
            sort.set(Sort {
                column: c,
                descending,
            });
        })
    };
    let counts = dash.counts();
    let count_buttons = StateKind::ALL.into_iter().map(|k| {
        let n = counts.get(&k).copied().unwrap_or(0);
        let filter = format!("status={}", k.as_str());
        let active = text.split_whitespace().any(|t| t == filter);
        let onclick = {
            let text = text.clone();
            let filter = filter.clone();
            Callback::from(move |_| {
                text.set(if active { String::new() } else { filter.clone() });
            })
        };
        html! {
            <button type="button" class={classes!("count", active.then_some("active"), (n == 0).then_some("zero"))}
                onclick={onclick} aria-pressed={active.to_string()} title={format!("Show only {} containers ({filter})", k.as_str())}>
                <StateBadge kind={k} /><span class="n">{ n }</span>
            </button>
        }
    });
    let selection = dash.selection.clone();
    let on_select = {
        let d = dash.dispatcher();
        Callback::from(move |(id, on): (String, bool)| d.dispatch(Msg::Select(id, on)))
    };
    let on_select_all = {
        let d = dash.dispatcher();
        Callback::from(move |ids: Vec<String>| d.dispatch(Msg::SelectOnly(ids)))
    };
    let clear = {
        let d = dash.dispatcher();
        Callback::from(move |_| d.dispatch(Msg::SelectOnly(Vec::new())))
    };
    let selected: Rc<Vec<String>> = Rc::new(
        selection
            .iter()
            .filter(|id| dash.view.get(id).is_ok())
            .cloned()
            .collect(),
    );
    let (table, shown, error) = match &*result {
        Ok(r) => (
            html! {
                <ContainerTable rows={r.clone()} now={dash.now()} sort={Some(*sort)} on_sort={on_sort}
                    highlight={Rc::new(HashSet::new())}
                    selection={(!dash.read_only()).then(|| selection.clone())}
                    on_select={on_select} on_select_all={on_select_all}
                    unreadable={dash.unreadable_all()} label="Containers" />
            },
            r.0.len(),
            None,
        ),
        Err(e) => (html! {}, 0, Some(e.clone())),
    };
    let total = dash.view.len();
    html! {
        <>
            <StaleBanner />
            <NoticeBanner />
            <h1 class="page-title">{ "Containers" }</h1>
            <section class="toolbar" aria-label="Filter">
                <div class="counts" role="group" aria-label="Containers per state">{ for count_buttons }</div>
                <label class="filter">
                    <span class="visually-hidden">{ "Filter containers" }</span>
                    <input type="search" id="filter" value={(*text).clone()} oninput={oninput}
                        placeholder="status=exited  health=unhealthy  name=web  label=tier=db  exited=137  before=…  or any text"
                        aria-describedby="filter-help" aria-invalid={error.is_some().to_string()}
                        autocomplete="off" spellcheck="false" />
                </label>
                if let Some(e) = &error {
                    <p class="filter-error" id="filter-error" role="alert">{ e.clone() }</p>
                }
                <p class="muted small" id="filter-help">
                    if error.is_none() { { format!("Showing {shown} of {total}. ") } }
                    { "docker ps filters (key=value) and free text (names, image, ID, command)." }
                </p>
            </section>
            if !selected.is_empty() {
                <section class="bulk" aria-label="Selection">
                    <span>{ format!("{} selected", selected.len()) }</span>
                    <ActionBar ids={selected.clone()} />
                    <button type="button" class="link-button" onclick={clear}>{ "Clear selection" }</button>
                </section>
            }
            if dash.synthetic {
                <section class="bench" aria-label="Benchmark">
                    <p class="muted small">{ format!("Benchmark: {total} synthetic containers, no berth connection.") }</p>
                    <pre id="bench-result"></pre>
                </section>
            }
            if error.is_none() && shown == 0 {
                <section class="empty">
                    if total == 0 {
                        <h2>{ "No containers" }</h2>
                        <p class="muted">{ "The engine has no containers yet. They appear here as soon as they are created." }</p>
                    } else {
                        <h2>{ "Nothing matches" }</h2>
                        <p class="muted">{ "No container passes this filter." }</p>
                    }
                </section>
            } else {
                { table }
            }
        </>
    }
}
