//! The dashboard end to end in headless Chromium against a real private dockerd (issue 4: "in
//! CI also against the real private dockerd"): the list shows the engine's own status texts,
//! and a change made behind berth's back, with the engine's API, appears without a reload; the
//! header counts as the engine's `docker info`; a start of a running container says that the
//! engine changed nothing (304); and once the engine is gone, every action is off.
//! Needs the built app (`cargo xtask build-web`) and Debian's docker.io (CI installs it).

use berth_core::api::InspectState;
use berth_core::state::State;
use berth_core::time::Time;
use berth_tests::browser::{js_str, row_selector, wait_row, Browser, SimBerth};
use berth_tests::PrivateDaemon;
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

/// The browser re-renders the ticking texts once a second (`web/src/connection.rs`), so a row
/// may show the text of up to this long ago.
const TICK_MS: i64 = 1_000;

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_else(|e| panic!("clock before 1970: {e}"));
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Every `docker ps` status the core renders for the engine's inspected `State` at some moment
/// of `[from_ms, to_ms]` (Unix ms), one per 100 ms; the texts change at whole seconds at most.
fn statuses_between(state: &serde_json::Value, from_ms: i64, to_ms: i64) -> Vec<String> {
    let inspected: InspectState = serde_json::from_value(state.clone())
        .unwrap_or_else(|e| panic!("the engine's State does not parse: {e}: {state}"));
    let state = State::from(&inspected);
    let mut texts: Vec<String> = Vec::new();
    let mut t = from_ms;
    while t <= to_ms + 100 {
        let text = state.status_string(Time::from_unix_millis(t.min(to_ms)));
        if !texts.contains(&text) {
            texts.push(text);
        }
        t += 100;
    }
    texts
}

/// The engine's own `Status` for `id` right now (`GET /containers/json?all=1`).
async fn engine_status(daemon: &PrivateDaemon, id: &str) -> String {
    let list = daemon.api().get("/containers/json?all=1").await;
    list.as_array()
        .and_then(|items| items.iter().find(|c| c["Id"] == id))
        .and_then(|c| c["Status"].as_str())
        .unwrap_or_else(|| panic!("the engine does not list {id}: {list}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_mirrors_a_real_engine_live() {
    if berth_tests::skip_unless(&[berth_tests::Need::Engine, berth_tests::Need::Browser]) {
        return;
    }
    let mut daemon = PrivateDaemon::start();
    let engine = daemon.api();
    let running = engine
        .create("runner", &["sleep", "1000"], json!({}), json!({}))
        .await;
    engine.op(&running, "start").await;
    let done = engine
        .create("done", &["sh", "-c", "exit 3"], json!({}), json!({}))
        .await;
    engine.op(&done, "start").await;
    engine
        .wait_for(&done, 20, "exited", |d| d["State"]["Status"] == "exited")
        .await;
    let fresh = engine
        .create("fresh", &["true"], json!({}), json!({}))
        .await;

    let berth = SimBerth::start_args(&["--engine", "docker", "--docker-host", &daemon.host()]);
    let b = Browser::start(1280, 800).await;
    b.goto(&berth.start_url()).await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length === 3;",
        "the engine's three containers",
    )
    .await;

    // The texts the engine itself shows. "Up …" and "Exited (3) … ago" tick, so compare the
    // part before the duration and then the whole text as the engine renders it now.
    wait_row(&b, &fresh, "Created", true).await;
    wait_row(&b, &done, "Exited (3)", true).await;
    wait_row(&b, &running, "Up ", true).await;
    for id in [&running, &done, &fresh] {
        let asked = now_ms();
        let before = engine_status(&daemon, id).await;
        let script = format!(
            "const r = document.querySelector({}); return r ? r.innerText : '';",
            js_str(&row_selector(id))
        );
        let shown = b.js(&script).await.as_str().unwrap_or_default().to_owned();
        let after = engine_status(&daemon, id).await;
        let answered = now_ms();
        // The row was rendered at the last tick, up to a second before it was read: accept the
        // engine's text at any moment from then to now, as the core renders it from the
        // engine's own State, and check that the core renders it as the engine does.
        let state = &engine.inspect(id).await["State"];
        let texts = statuses_between(state, asked - TICK_MS - 100, answered);
        assert!(
            texts.contains(&before) && texts.contains(&after),
            "the core renders {texts:?} for {state}; the engine said {before:?} then {after:?}"
        );
        assert!(
            texts.iter().any(|t| shown.contains(t.as_str())),
            "row of {id} shows {shown:?}; the engine said {before:?} then {after:?}, \
             and over the last tick {texts:?}"
        );
    }

    // The header counts as the engine's own `docker info` does (running, paused, stopped).
    let info = engine.get("/info").await;
    let counts = format!(
        "{} running · {} paused · {} stopped",
        info["ContainersRunning"], info["ContainersPaused"], info["ContainersStopped"]
    );
    b.wait_js(
        &format!(
            "const h = document.getElementById('header-counts'); return !!h && h.innerText.trim() === {};",
            js_str(&counts)
        ),
        &format!("the header to count {counts}"),
    )
    .await;

    // Changes made with the engine's own API, not through berth, appear without a reload.
    engine.op(&running, "pause").await;
    wait_row(&b, &running, "(Paused)", true).await;
    engine.op(&running, "unpause").await;
    engine.op(&running, "kill").await;
    wait_row(&b, &running, "Exited (137)", true).await;
    b.screenshot("engine-list").await;

    // The detail page of the killed container shows the engine's exit code.
    b.goto(&berth.url(&format!("/containers/{running}"))).await;
    b.wait_text("137").await;
    b.screenshot("engine-detail").await;

    // A start of a running container: the engine answers 304, and the page says nothing changed.
    engine.op(&running, "start").await;
    b.wait_js(
        "const s = document.getElementById('detail-status'); return !!s && s.innerText.startsWith('Up');",
        "runner running again",
    )
    .await;
    b.click("button[data-action=start]").await;
    b.wait_text("nothing changed (already running), the engine answered 304 Not Modified")
        .await;

    // The engine goes away: berth stays up, and every action is off, saying why.
    daemon.kill();
    b.wait_js(
        "return [...document.querySelectorAll('button[data-action]')].every(x => x.disabled) \
         && document.querySelector('button[data-action=stop]').title.includes('lost the engine');",
        "every action off while the engine is away",
    )
    .await;
    b.wait_text("Actions are off: berth has lost the engine")
        .await;
    b.screenshot("engine-lost-actions-off").await;
    b.close().await;
}
