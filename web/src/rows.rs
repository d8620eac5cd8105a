//! The containers list: the filter box (`docker ps` filters through the core's
//! [`Filters::parse_query`] and [`Filters::compile`], plus free words) and the column sort. Pure.

use std::cmp::Ordering;
use std::sync::Arc;

use berth_core::api::Port;
use berth_core::filters::Filters;
use berth_core::state::StateKind;
use berth_core::view::{Snapshot, View};

/// A sortable column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// CONTAINER ID.
    Id,
    /// IMAGE.
    Image,
    /// COMMAND.
    Command,
    /// CREATED.
    Created,
    /// STATUS.
    Status,
    /// PORTS.
    Ports,
    /// NAMES.
    Names,
}

impl Column {
    /// Every column, in `docker ps` order.
    pub const ALL: [Column; 7] = [
        Column::Id,
        Column::Image,
        Column::Command,
        Column::Created,
        Column::Status,
        Column::Ports,
        Column::Names,
    ];

    /// The header, as `docker ps` prints it.
    pub fn title(self) -> &'static str {
        match self {
            Column::Id => "CONTAINER ID",
            Column::Image => "IMAGE",
            Column::Command => "COMMAND",
            Column::Created => "CREATED",
            Column::Status => "STATUS",
            Column::Ports => "PORTS",
            Column::Names => "NAMES",
        }
    }
}

/// A sort: a column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    /// The column.
    pub column: Column,
    /// Descending.
    pub descending: bool,
}

impl Default for Sort {
    /// `docker ps` order: newest first.
    fn default() -> Sort {
        Sort {
            column: Column::Created,
            descending: true,
        }
    }
}

/// The filter box's text, compiled once: the core's filters and the free-text words.
#[derive(Debug, Clone)]
pub struct Query {
    filters: Filters,
    words: Vec<String>,
}

impl Query {
    /// Parses the filter box. A wrong filter gives the core's (the engine's) message.
    pub fn parse(text: &str) -> Result<Query, String> {
        let (filters, words) = Filters::parse_query(text).map_err(|e| e.to_string())?;
        Ok(Query {
            filters,
            words: words.into_iter().map(|w| w.to_lowercase()).collect(),
        })
    }

    /// Whether it filters anything.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.words.is_empty()
    }
}

/// Whether free word `w` (lowercase) appears in the names, image, ID or command of `s`.
fn has_word(s: &Snapshot, w: &str) -> bool {
    let sum = &s.summary;
    sum.id.starts_with(w)
        || sum.names.iter().any(|n| n.to_lowercase().contains(w))
        || sum.image.to_lowercase().contains(w)
        || sum.command.to_lowercase().contains(w)
}

/// The rows the list shows: every container of `view` passing `query` (`docker ps -a` with the
/// filters, and every free word found in a name, the image, the ID or the command), sorted.
/// Errors are the core's messages (e.g. a `before=` naming no container).
pub fn rows(view: &View, query: &Query, sort: Sort) -> Result<Vec<Arc<Snapshot>>, String> {
    let compiled = query.filters.compile(view).map_err(|e| e.to_string())?;
    let mut out: Vec<Arc<Snapshot>> = view
        .iter()
        .filter(|s| compiled.matches(s) && query.words.iter().all(|w| has_word(s, w)))
        .cloned()
        .collect();
    sort_rows(&mut out, sort);
    Ok(out)
}

/// A state's place in the status sort: running first, gone last.
fn state_rank(k: StateKind) -> u8 {
    match k {
        StateKind::Running => 0,
        StateKind::Paused => 1,
        StateKind::Restarting => 2,
        StateKind::Created => 3,
        StateKind::Exited => 4,
        StateKind::Removing => 5,
        StateKind::Dead => 6,
    }
}

/// The PORTS column as `docker ps` prints it: `0.0.0.0:8080->80/tcp, 443/tcp`.
pub fn ports_text(ports: &[Port]) -> String {
    ports
        .iter()
        .map(|p| {
            if p.public_port != 0 {
                let ip = if p.ip.is_empty() { "0.0.0.0" } else { &p.ip };
                format!("{ip}:{}->{}/{}", p.public_port, p.private_port, p.r#type)
            } else {
                format!("{}/{}", p.private_port, p.r#type)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The NAMES column: names without their slash, comma-separated.
pub fn names_text(s: &Snapshot) -> String {
    s.summary
        .names
        .iter()
        .map(|n| n.trim_start_matches('/'))
        .collect::<Vec<_>>()
        .join(",")
}

fn compare(a: &Snapshot, b: &Snapshot, column: Column) -> Ordering {
    match column {
        Column::Id => a.id().cmp(b.id()),
        Column::Image => a.summary.image.cmp(&b.summary.image),
        Column::Command => a.summary.command.cmp(&b.summary.command),
        Column::Created => a.created_at.cmp(&b.created_at),
        Column::Status => {
            let (sa, sb) = (&a.container.state, &b.container.state);
            state_rank(sa.kind())
                .cmp(&state_rank(sb.kind()))
                // Within a state, the longest up (or exited) first.
                .then_with(|| sa.started_at.cmp(&sb.started_at))
                .then_with(|| sb.finished_at.cmp(&sa.finished_at))
        }
        Column::Ports => {
            let first = |s: &Snapshot| {
                s.summary
                    .ports
                    .first()
                    .map(|p| (p.public_port, p.private_port))
            };
            first(a).cmp(&first(b))
        }
        Column::Names => a.name.cmp(&b.name),
    }
}

/// Sorts in place; ties in `docker ps` order (newest first, then ID).
pub fn sort_rows(rows: &mut [Arc<Snapshot>], sort: Sort) {
    rows.sort_unstable_by(|a, b| {
        let o = compare(a, b, sort.column);
        let o = if sort.descending { o.reverse() } else { o };
        o.then_with(|| b.created_at.cmp(&a.created_at))
            .then_with(|| a.id().cmp(b.id()))
    });
}
