//! The dashboard end to end in headless Chromium against a real private dockerd (issue 4: "in
//! CI also against the real private dockerd"): the list shows the engine's own status texts,
//! and a change made behind berth's back, with the engine's API, appears without a reload.
//! Needs the built app (`cargo xtask build-web`) and Debian's docker.io (CI installs it).

use berth_tests::browser::{js_str, row_selector, wait_row, Browser, SimBerth};
use berth_tests::PrivateDaemon;
use serde_json::json;

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
    let daemon = PrivateDaemon::start();
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
    b.client
        .goto(&berth.start_url())
        .await
        .unwrap_or_else(|e| panic!("goto: {e}"));
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
        let before = engine_status(&daemon, id).await;
        let script = format!(
            "const r = document.querySelector({}); return r ? r.innerText : '';",
            js_str(&row_selector(id))
        );
        let shown = b.js(&script).await.as_str().unwrap_or_default().to_owned();
        let after = engine_status(&daemon, id).await;
        assert!(
            shown.contains(&before) || shown.contains(&after),
            "row of {id} shows {shown:?}; the engine said {before:?} then {after:?}"
        );
    }

    // Changes made with the engine's own API, not through berth, appear without a reload.
    engine.op(&running, "pause").await;
    wait_row(&b, &running, "(Paused)", true).await;
    engine.op(&running, "unpause").await;
    engine.op(&running, "kill").await;
    wait_row(&b, &running, "Exited (137)", true).await;
    b.screenshot("engine-list").await;

    // The detail page of the killed container shows the engine's exit code.
    b.client
        .goto(&berth.url(&format!("/containers/{running}")))
        .await
        .unwrap_or_else(|e| panic!("goto detail: {e}"));
    b.wait_text("137").await;
    b.screenshot("engine-detail").await;
    b.close().await;
}
