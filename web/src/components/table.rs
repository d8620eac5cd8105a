//! The `docker ps -a` table: the seven columns with live status texts, a badge per state and
//! health, sortable headers, optional selection checkboxes and highlighted rows. Long lists are
//! windowed: only the rows in view (plus a margin) are in the DOM, the rest is two spacers
//! (sized with SVG attributes, since the CSP forbids inline styles).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use berth_core::container::truncate_id;
use berth_core::time::{human_duration, Time};
use berth_core::view::Snapshot;
use yew::prelude::*;

use crate::components::badge::{HealthBadge, StateBadge};
use crate::route::{Link, Route};
use crate::rows::{names_text, ports_text, Column, Sort};

/// The height of one row in pixels (the stylesheet fixes it: `.ps tbody tr.row`).
pub const ROW_HEIGHT: f64 = 41.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;
/// Lists up to this long are rendered whole.
const WINDOW_FROM: usize = 150;
/// The COMMAND column's width in characters, as `docker ps` truncates it.
const COMMAND_WIDTH: usize = 20;

/// The rows to show; compared by pointer, so an unchanged list does not re-render.
#[derive(Clone, Default)]
pub struct Rows(pub Rc<Vec<Arc<Snapshot>>>);

impl PartialEq for Rows {
    fn eq(&self, other: &Rows) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Props of [`ContainerTable`].
#[derive(Properties, PartialEq)]
pub struct TableProps {
    /// The rows, in display order.
    pub rows: Rows,
    /// The time status texts are rendered at (engine time).
    pub now: Time,
    /// The current sort, when sortable.
    #[prop_or_default]
    pub sort: Option<Sort>,
    /// Called with a column when its header is clicked.
    #[prop_or_default]
    pub on_sort: Option<Callback<Column>>,
    /// Rows to highlight (IDs).
    #[prop_or_default]
    pub highlight: Rc<HashSet<String>>,
    /// The ticked rows, when selectable.
    #[prop_or_default]
    pub selection: Option<Rc<BTreeSet<String>>>,
    /// Called when a row is ticked or unticked.
    #[prop_or_default]
    pub on_select: Option<Callback<(String, bool)>>,
    /// Called with every visible ID when the header box is ticked (or an empty list).
    #[prop_or_default]
    pub on_select_all: Option<Callback<Vec<String>>>,
    /// Containers whose latest record berth could not read: ID → why.
    #[prop_or_default]
    pub unreadable: Rc<BTreeMap<String, String>>,
    /// The table's accessible name.
    pub label: AttrValue,
}

/// `docker ps`'s command text: quoted, truncated to 20 characters with an ellipsis.
pub fn command_cell(command: &str) -> String {
    let chars: Vec<char> = command.chars().collect();
    if chars.len() > COMMAND_WIDTH {
        let head: String = chars.iter().take(COMMAND_WIDTH - 1).collect();
        format!("\"{head}…\"")
    } else {
        format!("\"{command}\"")
    }
}

/// The first and last (exclusive) row to render for a scroll position.
pub fn window(len: usize, scroll_top: f64, viewport: f64) -> (usize, usize) {
    if len <= WINDOW_FROM {
        return (0, len);
    }
    let first = (scroll_top.max(0.0) / ROW_HEIGHT) as usize;
    let visible = (viewport.max(ROW_HEIGHT) / ROW_HEIGHT).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(len);
    let end = (first + visible + OVERSCAN).min(len);
    (start, end)
}

/// The containers table.
#[function_component(ContainerTable)]
pub fn container_table(p: &TableProps) -> Html {
    let scroller = use_node_ref();
    let scroll = use_state(|| (0.0_f64, 800.0_f64));
    {
        // Measure the viewport once mounted.
        let scroller = scroller.clone();
        let scroll = scroll.clone();
        use_effect_with((), move |_| {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                scroll.set((el.scroll_top() as f64, el.client_height() as f64));
            }
        });
    }
    let onscroll = {
        let scroller = scroller.clone();
        let scroll = scroll.clone();
        Callback::from(move |_: Event| {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                let next = (el.scroll_top() as f64, el.client_height() as f64);
                let (s, v) = *scroll;
                // Re-render only when the window moves by a row.
                if ((next.0 - s).abs() >= ROW_HEIGHT / 2.0) || (next.1 - v).abs() >= 1.0 {
                    scroll.set(next);
                }
            }
        })
    };
    let rows = &p.rows.0;
    let (start, end) = window(rows.len(), scroll.0, scroll.1);
    let selectable = p.selection.is_some() && p.on_select.is_some();
    let columns = Column::ALL.len() + usize::from(selectable);
    let header_cell = |c: Column| {
        let (aria, arrow) = match p.sort {
            Some(s) if s.column == c && s.descending => ("descending", " ▼"),
            Some(s) if s.column == c => ("ascending", " ▲"),
            _ => ("none", ""),
        };
        match &p.on_sort {
            Some(cb) => {
                let cb = cb.clone();
                html! {
                    <th scope="col" aria-sort={aria} class={format!("c-{}", col_class(c))}>
                        <button type="button" class="sort" onclick={Callback::from(move |_| cb.emit(c))}>
                            { c.title() }{ arrow }
                        </button>
                    </th>
                }
            }
            None => {
                html! { <th scope="col" class={format!("c-{}", col_class(c))}>{ c.title() }</th> }
            }
        }
    };
    let all_ticked = selectable
        && !rows.is_empty()
        && p.selection
            .as_ref()
            .is_some_and(|sel| rows.iter().all(|r| sel.contains(r.id())));
    let select_all = p.on_select_all.clone().map(|cb| {
        let ids: Vec<String> = rows.iter().map(|r| r.id().to_owned()).collect();
        Callback::from(move |e: Event| {
            let on = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .is_some_and(|i| i.checked());
            cb.emit(if on { ids.clone() } else { Vec::new() });
        })
    });
    let spacer = |px: f64| {
        html! {
            <tr class="spacer" aria-hidden="true">
                <td colspan={columns.to_string()}>
                    <svg width="1" height={format!("{px:.0}")} focusable="false"></svg>
                </td>
            </tr>
        }
    };
    html! {
        <div class="table-scroll" ref={scroller} onscroll={onscroll} tabindex="0" aria-label={p.label.clone()}>
            <table class="ps" aria-rowcount={rows.len().to_string()}>
                <thead>
                    <tr>
                        if selectable {
                            <th scope="col" class="c-check">
                                <input type="checkbox" aria-label="Select all shown"
                                    checked={all_ticked} onchange={select_all} />
                            </th>
                        }
                        { for Column::ALL.into_iter().map(header_cell) }
                    </tr>
                </thead>
                <tbody>
                    if start > 0 { { spacer(start as f64 * ROW_HEIGHT) } }
                    { for rows.get(start..end).unwrap_or_default().iter().map(|s| row(p, s, selectable)) }
                    if end < rows.len() { { spacer((rows.len() - end) as f64 * ROW_HEIGHT) } }
                </tbody>
            </table>
        </div>
    }
}

fn col_class(c: Column) -> &'static str {
    match c {
        Column::Id => "id",
        Column::Image => "image",
        Column::Command => "command",
        Column::Created => "created",
        Column::Status => "status",
        Column::Ports => "ports",
        Column::Names => "names",
    }
}

fn row(p: &TableProps, s: &Arc<Snapshot>, selectable: bool) -> Html {
    let id = s.id().to_owned();
    let short = truncate_id(&id).to_owned();
    let state = &s.container.state;
    let kind = state.kind();
    let names = names_text(s);
    let created = format!("{} ago", human_duration(p.now.since(s.created_at)));
    let status = s.status_at(p.now);
    let changed = p.highlight.contains(&id);
    let checkbox = if selectable {
        let ticked = p.selection.as_ref().is_some_and(|sel| sel.contains(&id));
        let cb = p.on_select.clone();
        let rid = id.clone();
        let onchange = Callback::from(move |e: Event| {
            let on = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .is_some_and(|i| i.checked());
            if let Some(cb) = &cb {
                cb.emit((rid.clone(), on));
            }
        });
        html! {
            <td class="c-check">
                <input type="checkbox" aria-label={format!("Select {names}")} checked={ticked} {onchange} />
            </td>
        }
    } else {
        html! {}
    };
    let to = Route::Container { id: id.clone() };
    let unreadable = match p.unreadable.get(&id) {
        Some(why) => html! {
            <span class="unreadable-mark" title={format!("berth cannot read this container's latest record: {why}")}>
                { " ⚠ " }<span class="visually-hidden">{ format!("latest record unreadable: {why}") }</span>
            </span>
        },
        None => html! {},
    };
    html! {
        <tr key={id.clone()} class={classes!("row", format!("row-{}", kind.as_str()), changed.then_some("changed"))}
            data-id={id.clone()} data-name={names.clone()}>
            { checkbox }
            <td class="c-id"><Link to={to.clone()}><code>{ short }</code></Link></td>
            <td class="c-image" title={s.summary.image.clone()}>{ s.summary.image.clone() }</td>
            <td class="c-command" title={s.summary.command.clone()}><code>{ command_cell(&s.summary.command) }</code></td>
            <td class="c-created">{ created }</td>
            <td class="c-status">
                <StateBadge kind={kind} />
                <span class="ps-status">{ status }</span>
                <HealthBadge status={s.health} />
            </td>
            <td class="c-ports" title={ports_text(&s.summary.ports)}>{ ports_text(&s.summary.ports) }</td>
            <td class="c-names"><Link to={to}>{ names }</Link>{ unreadable }</td>
        </tr>
    }
}
