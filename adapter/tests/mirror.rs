//! The mirror against the simulated engine: it follows the engine exactly while connected, says
//! when the engine goes away, and after the reconnect ends equal to the engine again, with every
//! change in its feed. Runs on tokio's paused clock, which the simulation follows.

mod common;

use std::sync::atomic::Ordering;
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
use futures_util::StreamExt;

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
    let engine_list = engine.list().await.unwrap().containers;
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

/// The change messages of container `id` after public revision `since`, in order.
fn changes_of(mirror: &Mirror, since: u64, id: &str) -> Vec<serde_json::Value> {
    let CatchUp::Changes(changes) = mirror.catch_up(since) else {
        panic!("a resume from revision {since} needs a snapshot");
    };
    changes
        .iter()
        .filter(|c| c.id == id && c.event == "change")
        .map(|c| serde_json::from_str(&c.json()).unwrap())
        .collect()
}

/// The state a change message shows (`State.Status`), empty for a removal.
fn state_in(message: &serde_json::Value) -> String {
    message["container"]["State"]["Status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
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
    until(&mirror, "connected", |m| m.connection().connected).await;
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

/// Issue 20, defect 1: an engine whose event stream breaks right after every connect is retried
/// ever more slowly (a few times a minute, not several times a second), and the status does
/// not flap: after the first connect it says "not connected" once and keeps saying it.
#[tokio::test(start_paused = true)]
async fn a_stream_that_breaks_at_once_is_retried_a_few_times_a_minute() {
    let engine = Arc::new(Flaky::new());
    engine.garbage_events.store(true, Ordering::SeqCst);
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    let mut ticks = mirror.subscribe();
    let mut status_changes = 0;
    let mut last_status = ticks.borrow_and_update().status;
    let mut per_minute = Vec::new();
    for _ in 0..5 {
        let before = engine.connects.load(Ordering::SeqCst);
        let minute = tokio::time::sleep(Duration::from_secs(60));
        tokio::pin!(minute);
        loop {
            tokio::select! {
                () = &mut minute => break,
                Ok(()) = ticks.changed() => {
                    let status = ticks.borrow_and_update().status;
                    if status != last_status {
                        status_changes += 1;
                        last_status = status;
                    }
                }
            }
        }
        per_minute.push(engine.connects.load(Ordering::SeqCst) - before);
    }
    println!("connects per minute: {per_minute:?}; status changes: {status_changes}");
    assert!(per_minute[0] <= 10, "{per_minute:?}");
    assert!(per_minute[1..].iter().all(|n| *n <= 3), "{per_minute:?}");
    assert!(!mirror.connection().connected);
    assert!(
        status_changes <= 1,
        "the status flapped {status_changes} times"
    );
    assert!(mirror
        .connection()
        .last_error
        .is_some_and(|e| e.contains("invalid character")));

    // Once the engine streams again, berth follows it.
    engine.garbage_events.store(false, Ordering::SeqCst);
    until(&mirror, "reconnected", |m| m.connection().connected).await;
    assert_eq!(mirror.connection().last_error, None);
}

/// Issue 20, defects 5 and 7: however long the engine was away, berth sees it back within
/// about a second of its answering again (not after a grown retry delay), and the old error
/// goes with the outage.
#[tokio::test(start_paused = true)]
async fn berth_sees_the_engine_back_within_seconds_of_its_answering() {
    let engine = Arc::new(Flaky::new());
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    until(&mirror, "connected", |m| m.connection().connected).await;
    for outage in [5, 120] {
        engine.down.send_replace(true);
        until(&mirror, "disconnected", |m| !m.connection().connected).await;
        tokio::time::sleep(Duration::from_secs(outage)).await;
        let back = tokio::time::Instant::now();
        engine.down.send_replace(false);
        until(&mirror, "reconnected", |m| m.connection().connected).await;
        let took = back.elapsed();
        println!("after a {outage} s outage, connected again {took:?} after the engine answered");
        // A probe a second, then the list, then a second for the stream to settle.
        assert!(took <= Duration::from_millis(2_100), "{took:?}");
        assert_eq!(mirror.connection().last_error, None);
        assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
    }
}

/// Issue 20, defect 6: after an outage the engine replays its events from a little before the
/// fresh list; they must not move a container backwards. A restart during the outage is one
/// change in the feed (the resync's), not running → exited → running.
#[tokio::test(start_paused = true)]
async fn events_from_before_the_fresh_list_do_not_move_it_backwards() {
    let engine = Arc::new(Flaky::new());
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    until(&mirror, "connected", |m| m.connection().connected).await;
    let web = engine.inner.inspect("web").await.unwrap().id;
    engine.down.send_replace(true);
    until(&mirror, "disconnected", |m| !m.connection().connected).await;
    let before = mirror.revision();
    engine
        .inner
        .apply(&Op::of_action(Action::Restart, "web"))
        .await
        .unwrap();
    engine.down.send_replace(false);
    until(&mirror, "reconnected", |m| m.connection().connected).await;
    assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
    let states: Vec<(String, bool)> = changes_of(&mirror, before, &web)
        .iter()
        .map(|m| (state_in(m), m["after_outage_ms"].as_u64().is_some()))
        .collect();
    // One change, found by the resync, marked so.
    assert_eq!(
        states,
        [("running".to_owned(), true)],
        "web's changes after the outage"
    );
    // A change followed live carries no such mark.
    engine
        .inner
        .apply(&Op::of_action(Action::Pause, "web"))
        .await
        .unwrap();
    let at = mirror.revision();
    until(&mirror, "web paused", |m| m.revision() > at).await;
    let live = changes_of(&mirror, at, &web);
    assert!(!live.is_empty());
    assert!(live.iter().all(|m| m["after_outage_ms"].is_null()));
}

/// Issue 20, defect 7: "last event" is the last event that changed a container, the one every
/// tab of the web app can know of too; execs (a health probe's) change nothing shown.
#[tokio::test(start_paused = true)]
async fn the_last_event_is_the_last_that_changed_a_container() {
    let engine = Arc::new(SimEngine::demo(1.0));
    let mut events = engine.events(None).await.unwrap();
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    let mut last_change = None;
    let mut execs = 0;
    let watch = async {
        while let Some(Ok(event)) = events.next().await {
            if event.action.starts_with("exec_") {
                execs += 1;
            } else {
                last_change = Some(event.at());
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(60), watch).await;
    assert!(execs > 0, "the demo's health probes run execs");
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(mirror.status().last_event_time, last_change);
}

/// Issue 20, defect 3: one container whose record cannot be read is kept at its last good
/// record and marked with the reason; the engine stays connected and every other container
/// live; the next good record clears the mark.
#[tokio::test(start_paused = true)]
async fn one_unreadable_record_marks_that_container_alone() {
    let engine = Arc::new(Flaky::new());
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    until(&mirror, "connected", |m| m.connection().connected).await;
    let web = engine.inner.inspect("web").await.unwrap();
    *engine.unreadable.lock().unwrap() = Some("web".to_owned());

    // web changes on the engine; berth cannot read its record, so keeps the last good one.
    engine
        .inner
        .apply(&Op::of_action(Action::Pause, "web"))
        .await
        .unwrap();
    until(&mirror, "web marked", |m| {
        m.connection().unreadable.contains_key(&web.id)
    })
    .await;
    let status = mirror.connection();
    assert!(status.connected, "{status:?}");
    assert_eq!(
        status.unreadable.get(&web.id).map(String::as_str),
        Some(common::MALFORMED)
    );
    // Every other container stays live.
    engine
        .inner
        .apply(&Op::of_action(Action::Stop, "api"))
        .await
        .unwrap();
    until(&mirror, "api stopped", |m| {
        m.view()
            .iter()
            .any(|s| s.container.name == "/api" && !s.container.state.running)
    })
    .await;
    // A reconnect (a fresh list) keeps web, marked, rather than dropping it.
    engine.down.send_replace(true);
    until(&mirror, "disconnected", |m| !m.connection().connected).await;
    engine.down.send_replace(false);
    until(&mirror, "reconnected", |m| m.connection().connected).await;
    assert!(
        mirror.view().iter().any(|s| s.id() == web.id),
        "web was dropped"
    );
    assert!(mirror.connection().unreadable.contains_key(&web.id));

    // A good record clears the mark.
    *engine.unreadable.lock().unwrap() = None;
    engine
        .inner
        .apply(&Op::of_action(Action::Unpause, "web"))
        .await
        .unwrap();
    until(&mirror, "web readable", |m| {
        m.connection().unreadable.is_empty()
    })
    .await;
    assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
}

/// Issue 25's "every change is published twice": an event the mirror confirms with an inspect
/// is one change in the feed, with the engine's values, not the mirror's prediction and then
/// the engine's record.
#[tokio::test(start_paused = true)]
async fn one_engine_change_is_one_change_in_the_feed() {
    let engine = Arc::new(SimEngine::demo(1.0));
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    let web = engine.inspect("web").await.unwrap().id;
    for (action, state) in [
        (Action::Stop, "exited"),
        (Action::Start, "running"),
        (Action::Pause, "paused"),
        (Action::Unpause, "running"),
        (Action::Restart, "running"),
    ] {
        let before = mirror.revision();
        engine.apply(&Op::of_action(action, "web")).await.unwrap();
        assert_mirror_equals_engine(&mirror, engine.as_ref()).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        let states: Vec<String> = changes_of(&mirror, before, &web)
            .iter()
            .map(state_in)
            .collect();
        // A restart too is one change: by the inspect that confirms its `die`, the engine
        // shows the container running again, and the mirror records what the engine shows.
        assert_eq!(states, [state], "{action:?}");
    }
}

/// Issue 25's "the health log freezes": a probe that does not change the health status is in no
/// event, only in the inspect document's `State.Health.Log`; the mirror reads it again (at most
/// once a second per container), so its log is the engine's.
#[tokio::test(start_paused = true)]
async fn the_health_log_follows_every_probe() {
    let engine = Arc::new(SimEngine::demo(1.0));
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await);
    let log_of = |c: &Container| {
        c.state
            .health
            .as_ref()
            .map(|h| {
                h.log
                    .iter()
                    .map(|p| (p.start, p.exit_code))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let api = engine.inspect("api").await.unwrap().id;
    for _ in 0..3 {
        // Past a probe of api's (every 30 s), and the refresh after it.
        tokio::time::sleep(Duration::from_secs(31)).await;
        let theirs = log_of(&engine.inspect("api").await.unwrap());
        let ours = mirror
            .view()
            .iter()
            .find(|s| s.id() == api)
            .map(|s| log_of(&s.container))
            .unwrap_or_default();
        assert!(!theirs.is_empty());
        assert_eq!(ours, theirs, "api's health log");
    }
}
