//! The mirror against the simulated engine: it follows the engine exactly while connected, says
//! when the engine goes away, and after the reconnect ends equal to the engine again, with every
//! change in its feed. Runs on tokio's paused clock, which the simulation follows.

mod common;

use std::sync::Arc;
use std::time::Duration;

use berth::engine::sim::SimEngine;
use berth::engine::Engine;
use berth::mirror::{CatchUp, Mirror};
use berth_core::actions::Action;
use berth_core::ops::Op;
use berth_core::time::Time;
use berth_core::Container;
use common::Flaky;

/// What berth must agree with the engine on, per container, at the engine's "now".
fn facts(c: &Container, now: Time) -> String {
    let health = c
        .state
        .health
        .as_ref()
        .map(|h| h.status().to_string())
        .unwrap_or_default();
    format!(
        "{} {} [{}] exit={} oom={} restarts={} health={}",
        c.name,
        c.state.state_string(),
        c.state.status_string(now),
        c.state.exit_code,
        c.state.oom_killed,
        c.restart_count,
        health
    )
}

/// The mirror and the engine, as lists of facts, both at the engine's "now".
async fn both(mirror: &Mirror, engine: &dyn Engine) -> (Vec<String>, Vec<String>) {
    let engine_list = engine.list().await.unwrap();
    let now = engine.now();
    let mut expected: Vec<String> = engine_list.iter().map(|c| facts(c, now)).collect();
    let mut actual: Vec<String> = mirror
        .view()
        .iter()
        .map(|s| facts(&s.container, now))
        .collect();
    expected.sort();
    actual.sort();
    (actual, expected)
}

/// The mirror follows the engine's events as they come, so right after the engine changed it
/// may be a step behind: it must be equal once the events in flight are applied (within a few
/// virtual milliseconds, no real time).
async fn assert_mirror_equals_engine(mirror: &Mirror, engine: &dyn Engine) {
    for _ in 0..20 {
        let (actual, expected) = both(mirror, engine).await;
        if actual == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (actual, expected) = both(mirror, engine).await;
    assert_eq!(actual, expected);
}

async fn until(mirror: &Mirror, what: &str, mut ok: impl FnMut(&Mirror) -> bool) {
    let mut ticks = mirror.subscribe();
    let wait = async {
        while !ok(mirror) {
            if ticks.changed().await.is_err() {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .unwrap_or_else(|_| panic!("the mirror never got {what}"));
}

#[tokio::test(start_paused = true)]
async fn the_mirror_follows_the_simulation_exactly() {
    let engine = Arc::new(SimEngine::demo(1.0));
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
    // A minute and a half of the demo: crashy's loop gives up and is relaunched, worker turns
    // unhealthy, api's probes pass.
    for _ in 0..9 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
    }
    let status = mirror.status();
    assert!(status.connection.connected);
    assert!(status.last_event_time.is_some());
}

#[tokio::test(start_paused = true)]
async fn after_the_engine_comes_back_the_mirror_is_equal_again() {
    let engine = Arc::new(Flaky::new());
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    let before = mirror.revision();

    engine.down.send_replace(true);
    until(&mirror, "disconnected", |m| !m.connection().connected).await;
    let status = mirror.connection();
    assert_eq!(
        status.last_error.as_deref(),
        Some("engine unreachable: the event stream ended"),
        "{status:?}"
    );

    // While berth cannot see it, the engine changes: web stops, batch is removed, fresh starts.
    let sim = &engine.inner;
    let batch = sim.inspect("batch").await.unwrap().id;
    sim.apply(&Op::of_action(Action::Stop, "web"))
        .await
        .unwrap();
    sim.apply(&Op::of_action(Action::Remove, "batch"))
        .await
        .unwrap();
    sim.apply(&Op::of_action(Action::Start, "fresh"))
        .await
        .unwrap();
    // A few failed reconnects (with backoff) before it is back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!mirror.connection().connected);
    assert_eq!(
        mirror.connection().last_error.as_deref(),
        Some("engine unreachable: connection refused")
    );

    engine.down.send_replace(false);
    until(&mirror, "reconnected", |m| m.connection().connected).await;
    assert_mirror_equals_engine(&mirror, engine.as_ref()).await;

    // Every change made while away is in the feed, the removal as a null record.
    let CatchUp::Changes(changes) = mirror.catch_up(before) else {
        panic!("a resume from before the outage must not need a snapshot");
    };
    let removal = changes
        .iter()
        .find(|c| c.id == batch)
        .unwrap_or_else(|| panic!("batch's removal is not in the feed"));
    let message: serde_json::Value = serde_json::from_str(&removal.json()).unwrap();
    assert!(message["container"].is_null(), "{message}");
    let revisions: Vec<u64> = changes.iter().map(|c| c.revision).collect();
    assert!(revisions.windows(2).all(|w| w[0] < w[1]), "{revisions:?}");
    assert_eq!(revisions.last().copied(), Some(mirror.revision()));
}
