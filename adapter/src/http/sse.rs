//! `GET /api/events`: the mirror as server-sent events.
//!
//! Messages, in order:
//! - `event: snapshot`, `id: <revision>`, data `{"revision": r, "containers": [<inspect>…]}`:
//!   the whole current set (newest first). First on every new stream, and again whenever a
//!   client is too far behind for the ring of recent changes.
//! - `event: engine`, data: the `GET /api/engine` document; after the first snapshot and
//!   whenever the connection to the engine changes. It carries no `id`, so it does not move the
//!   client's resume point.
//! - `event: change`, `id: <revision>`, data `{"revision": r, "id": "<full id>", "container":
//!   <inspect> | null}`: one container changed (`null`: it was removed).
//!
//! A client resumes with the `Last-Event-ID` header (sent by `EventSource` on reconnect) or
//! `?since=<revision>`, and gets every change after that revision. Comments keep the connection
//! alive every 15 s.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use berth_core::api::ContainerInspect;
use berth_core::wire::Snapshot;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::watch;

use super::api::engine_status;
use super::error::ApiQuery;
use super::AppState;
use crate::mirror::{CatchUp, Tick};

/// How often a keep-alive comment is sent.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/events` parameters (`token` is read by the security guard).
#[derive(Debug, Deserialize, Default)]
pub struct EventsQuery {
    since: Option<String>,
}

/// `GET /api/events`.
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(q.since)
        .and_then(|s| s.trim().parse::<u64>().ok());
    let feed = Feed {
        rx: state.mirror.subscribe(),
        state,
        at: resume,
        status_seen: None,
        queue: VecDeque::new(),
        started: false,
    };
    let stream = stream::unfold(feed, |mut feed| async move {
        feed.next().await.map(|event| (Ok(event), feed))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// One client's position in the mirror's change feed.
struct Feed {
    state: AppState,
    rx: watch::Receiver<Tick>,
    /// The last revision the client has (`None`: it has nothing).
    at: Option<u64>,
    status_seen: Option<u64>,
    queue: VecDeque<Event>,
    started: bool,
}

impl Feed {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.started {
                self.rx.changed().await.ok()?;
            }
            self.started = true;
            self.fill();
        }
    }

    /// Queues what the client is missing.
    fn fill(&mut self) {
        let tick = *self.rx.borrow_and_update();
        let catch_up = match self.at {
            None => CatchUp::Snapshot,
            Some(at) => self.state.mirror.catch_up(at),
        };
        match catch_up {
            CatchUp::Snapshot => self.queue_snapshot(),
            CatchUp::Changes(changes) => {
                for change in changes {
                    self.queue.push_back(
                        Event::default()
                            .event(change.event)
                            .id(change.revision.to_string())
                            .data(&*change.json()),
                    );
                    self.at = Some(change.revision);
                }
            }
        }
        if self.status_seen != Some(tick.status) {
            self.status_seen = Some(tick.status);
            let status = engine_status(&self.state);
            let data = serde_json::to_string(&status).unwrap_or_default();
            self.queue
                .push_back(Event::default().event("engine").data(data));
        }
    }

    fn queue_snapshot(&mut self) {
        let reading = self.state.mirror.reading();
        let mut snapshots: Vec<_> = reading.view.iter().collect();
        snapshots.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id().cmp(a.id()))
        });
        let message = Snapshot {
            revision: reading.revision,
            containers: snapshots
                .iter()
                .map(|s| ContainerInspect::of(&s.container))
                .collect(),
            transitions: reading.transitions,
        };
        let data = serde_json::to_string(&message).unwrap_or_default();
        self.queue.push_back(
            Event::default()
                .event("snapshot")
                .id(reading.revision.to_string())
                .data(data),
        );
        self.at = Some(reading.revision);
    }
}
