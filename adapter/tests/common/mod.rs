//! Test engines shared by the adapter's integration tests.

// Each test crate compiles this module and uses a part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use berth::engine::sim::SimEngine;
use berth::engine::{Answer, Engine, EngineError, EngineInfo, EventStream, Listing};
use berth_core::errdefs::ErrorKind;
use berth_core::ops::Op;
use berth_core::time::Time;
use berth_core::Container;
use futures_util::StreamExt;
use tokio::sync::watch;

/// The simulated engine behind a switch that can take it "down": its event streams end and
/// every call fails as an unreachable engine would, until it is brought back.
///
/// With `read_only` it also says it refuses changes, as the `dir` engine does. With
/// `garbage_events` its event streams fail right after connecting, as an engine sending lines
/// that are no events.
pub struct Flaky {
    /// The simulated engine.
    pub inner: SimEngine,
    /// `true` takes it down, `false` brings it back.
    pub down: watch::Sender<bool>,
    /// `true`: every event stream fails at once.
    pub garbage_events: AtomicBool,
    /// How many times `version` was asked (a connect attempt each).
    pub connects: AtomicUsize,
    /// The container (by name) whose record cannot be read, as a malformed document.
    pub unreadable: Mutex<Option<String>>,
    read_only: bool,
}

/// What the engine's malformed document gives.
pub const MALFORMED: &str =
    "unreadable inspect document from the Docker engine: invalid type: integer `5`, expected struct State";

impl Flaky {
    /// The demo fleet, up.
    pub fn new() -> Flaky {
        Flaky {
            inner: SimEngine::demo(1.0),
            down: watch::channel(false).0,
            garbage_events: AtomicBool::new(false),
            connects: AtomicUsize::new(0),
            unreadable: Mutex::new(None),
            read_only: false,
        }
    }

    /// The demo fleet, up, behind an engine that refuses changes.
    pub fn refusing_changes() -> Flaky {
        Flaky {
            read_only: true,
            ..Flaky::new()
        }
    }

    /// The ID of the container whose record cannot be read, if any.
    async fn unreadable_id(&self) -> Option<String> {
        let name = self.unreadable.lock().ok()?.clone()?;
        Some(self.inner.inspect(&name).await.ok()?.id)
    }

    fn check(&self) -> Result<(), EngineError> {
        if *self.down.borrow() {
            Err(EngineError::Connection("connection refused".to_owned()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Engine for Flaky {
    fn kind(&self) -> &'static str {
        if self.read_only {
            "dir"
        } else {
            "sim"
        }
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn now(&self) -> Time {
        self.inner.now()
    }
    async fn version(&self) -> Result<EngineInfo, EngineError> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.version().await
    }
    async fn list(&self) -> Result<Listing, EngineError> {
        self.check()?;
        let mut listing = self.inner.list().await?;
        let unreadable = self.unreadable_id().await;
        listing.containers.retain(|c| {
            if Some(&c.id) == unreadable.as_ref() {
                listing
                    .unreadable
                    .insert(c.id.clone(), MALFORMED.to_owned());
                false
            } else {
                true
            }
        });
        Ok(listing)
    }
    async fn inspect(&self, id: &str) -> Result<Container, EngineError> {
        self.check()?;
        let container = self.inner.inspect(id).await?;
        if Some(&container.id) == self.unreadable_id().await.as_ref() {
            return Err(EngineError::Api {
                status: 502,
                kind: ErrorKind::System,
                message: MALFORMED.to_owned(),
            });
        }
        Ok(container)
    }
    async fn events(&self, since: Option<Time>) -> Result<EventStream, EngineError> {
        self.check()?;
        if self.garbage_events.load(Ordering::SeqCst) {
            let garbage = EngineError::Connection("invalid character 'x' in an event".to_owned());
            return Ok(futures_util::stream::iter([Err(garbage)]).boxed());
        }
        let mut down = self.down.subscribe();
        let goes_down = async move {
            let _ = down.wait_for(|d| *d).await;
        };
        Ok(self
            .inner
            .events(since)
            .await?
            .take_until(goes_down)
            .boxed())
    }
    async fn apply(&self, op: &Op) -> Result<Answer, EngineError> {
        self.inner.apply(op).await
    }
}

/// The resident memory of this process (server and clients alike), in KiB; `None` where
/// `/proc` does not say.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
