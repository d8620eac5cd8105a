//! What a new user tripped on in the dashboard, each checked in headless Chromium against
//! `berth --engine sim` (its demo fleet): the filter in the address, the header's counts as
//! `docker info` gives them, confirmations that focus the safe choice, selections acted on all
//! at once with progress, a 304 that says nothing changed, banners that stay on their page, and
//! actions that are off while berth is out of reach.

use berth_tests::browser::{row_selector, wait_row, Browser, SimBerth};
use berth_tests::{skip_unless, Need};
use hyper::Method;
use serde_json::Value;

/// berth on the simulated engine and a browser signed in to it, showing the list; `None` when
/// this machine cannot run browser tests (the test then passes, saying so).
async fn signed_in() -> Option<(SimBerth, Browser)> {
    if skip_unless(&[Need::Browser]) {
        return None;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    b.open_list(&berth.start_url(), 10).await;
    Some((berth, b))
}

/// Opens the page of container `id` and waits for it.
async fn open_container(b: &Browser, berth: &SimBerth, id: &str) {
    b.goto(&berth.url(&format!("/containers/{id}"))).await;
    b.wait_js(
        "return !!document.getElementById('detail-status');",
        "the container's page",
    )
    .await;
}

/// Waits until the list shows only exited rows and the filter box says `status=exited`.
async fn wait_exited_only(b: &Browser, what: &str) {
    b.wait_js(
        "const rows = [...document.querySelectorAll('tr.row')]; \
         const f = document.getElementById('filter'); \
         return !!f && f.value === 'status=exited' && rows.length > 0 \
           && rows.every(r => r.classList.contains('row-exited'));",
        what,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_lives_in_the_address() {
    let Some((berth, b)) = signed_in().await else {
        return;
    };
    b.filter("status=exited").await;
    b.wait_js(
        "return location.search === '?q=status%3Dexited';",
        "the filter in the address",
    )
    .await;
    // To a container and Back: the filter is still there.
    b.click("tr.row td.c-names a").await;
    b.wait_js(
        "return !!document.getElementById('detail-status');",
        "a container's page",
    )
    .await;
    b.client
        .back()
        .await
        .unwrap_or_else(|e| panic!("back: {e}"));
    wait_exited_only(&b, "the filter after Back").await;
    // A reload keeps it.
    b.client
        .refresh()
        .await
        .unwrap_or_else(|e| panic!("refresh: {e}"));
    wait_exited_only(&b, "the filter after a reload").await;
    // A shared link applies it; clearing the box clears the address.
    b.open_list(&berth.url("/"), 10).await;
    b.goto(&berth.url("/?q=name%3Dweb")).await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length === 1 \
         && document.querySelector('tr.row').dataset.name === 'web';",
        "one row for ?q=name%3Dweb",
    )
    .await;
    b.filter("").await;
    b.wait_js("return location.search === '';", "no query")
        .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_counts_as_docker_info_does() {
    let Some((berth, b)) = signed_in().await else {
        return;
    };
    let web = berth.id_of("web").await;
    let (status, _) = berth.api(Method::POST, "/api/containers/web/pause").await;
    assert_eq!(status, 204);
    wait_row(&b, &web, "(Paused)", true).await;
    // Read the header and the chips in one go (crashy keeps moving).
    let seen = b
        .js(
            "const n = k => Number(document.querySelector('.count .badge.st-' + k).parentElement.querySelector('.n').innerText); \
             const total = document.querySelectorAll('tr.row').length; \
             return [document.getElementById('header-counts').innerText.trim(), n('running'), n('paused'), total];",
        )
        .await;
    let header = seen[0].as_str().unwrap_or_default();
    let (running, paused, total) = (
        seen[1].as_u64().unwrap_or(0),
        seen[2].as_u64().unwrap_or(0),
        seen[3].as_u64().unwrap_or(0),
    );
    assert_eq!(paused, 2, "web and cache are paused: {seen}");
    assert_eq!(
        header,
        format!(
            "{running} running · {paused} paused · {} stopped",
            total - running - paused
        ),
        "{seen}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_focus_the_safe_choice_and_count_what_will_happen() {
    let Some((berth, b)) = signed_in().await else {
        return;
    };
    let web = berth.id_of("web").await;
    open_container(&b, &berth, &web).await;
    b.click("button[data-action=kill]").await;
    b.wait_js(
        "return document.querySelector('dialog.confirm-dialog').open \
         && document.activeElement.classList.contains('dialog-cancel');",
        "the kill dialog with Cancel focused",
    )
    .await;
    // Enter on the focused choice cancels: web keeps running.
    b.client
        .active_element()
        .await
        .unwrap_or_else(|e| panic!("active element: {e}"))
        .send_keys("\u{E007}")
        .await
        .unwrap_or_else(|e| panic!("Enter: {e}"));
    b.wait_js(
        "return !document.querySelector('dialog.confirm-dialog').open;",
        "the dialog closed",
    )
    .await;
    let (_, doc) = berth.api(Method::GET, "/api/containers/web").await;
    assert_eq!(doc["State"]["Running"], Value::Bool(true), "{doc}");

    // A bulk remove of web, api (running: refused) and batch (exited) removes one.
    b.open_list(&berth.url("/"), 10).await;
    let mut ids = Vec::new();
    for name in ["web", "api", "batch"] {
        let id = berth.id_of(name).await;
        b.click(&format!("{} td.c-check input", row_selector(&id)))
            .await;
        ids.push(id);
    }
    b.wait_text("3 selected").await;
    b.click(".bulk button[data-action=remove]").await;
    b.wait_js(
        "return document.querySelector('dialog.confirm-dialog').open;",
        "the remove dialog",
    )
    .await;
    let dialog = b
        .js("return document.querySelector('dialog.confirm-dialog').innerText;")
        .await;
    let dialog = dialog.as_str().unwrap_or_default();
    assert!(dialog.contains("Remove batch?"), "{dialog}");
    assert!(dialog.contains("2 skipped"), "{dialog}");
    for id in &ids {
        assert!(!dialog.contains(id.as_str()), "a full ID in {dialog}");
    }
    assert!(dialog.contains(&ids[0][..12]), "{dialog}");
    let fits = b
        .js("const d = document.querySelector('dialog.confirm-dialog'); return d.scrollWidth <= d.clientWidth;")
        .await;
    assert_eq!(fits, Value::Bool(true), "the dialog overflows: {dialog}");
    b.screenshot("bulk-remove-dialog").await;
    b.click("dialog.confirm-dialog button.confirm").await;
    b.wait_text("Removed batch.").await;
    let (status, _) = berth.api(Method::GET, "/api/containers/batch").await;
    assert_eq!(status, 404);
    b.close().await;
}

/// Wraps `fetch` so that each action request is logged when it starts and when it ends, and
/// answered `delay_ms` later than the engine answers (to see the progress).
async fn log_actions(b: &Browser, delay_ms: u32) {
    b.js(&format!(
        "window.actionLog = []; const real = window.fetch.bind(window); \
         window.fetch = (input, init) => {{ \
           const url = String(input && input.url ? input.url : input); \
           if (!/\\/api\\/containers\\/[^/]+\\/[a-z]+/.test(url)) return real(input, init); \
           window.actionLog.push('start ' + url); \
           return real(input, init).then(r => new Promise(ok => setTimeout(() => {{ \
             window.actionLog.push('end ' + url); ok(r); }}, {delay_ms}))); \
         }}; return true;"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selection_is_acted_on_at_once_with_progress() {
    let Some((berth, b)) = signed_in().await else {
        return;
    };
    let web = berth.id_of("web").await;
    let api = berth.id_of("api").await;
    for id in [&web, &api] {
        b.click(&format!("{} td.c-check input", row_selector(id)))
            .await;
    }
    b.wait_text("2 selected").await;
    log_actions(&b, 1500).await;
    b.click(".bulk button[data-action=stop]").await;
    b.wait_js(
        "const p = document.getElementById('action-progress'); \
         return !!p && p.innerText.includes('Stopping 2 containers');",
        "the progress of the stop",
    )
    .await;
    b.screenshot("bulk-stop-progress").await;
    b.wait_text("Stopped 2 containers").await;
    let log = b.js_strings("return window.actionLog;").await;
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log[0].starts_with("start") && log[1].starts_with("start"),
        "the two stops went one after the other: {log:?}"
    );
    for id in [&web, &api] {
        wait_row(&b, id, "Exited", true).await;
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_304_says_nothing_changed_and_banners_stay_on_their_page() {
    let Some((berth, b)) = signed_in().await else {
        return;
    };
    let web = berth.id_of("web").await;
    b.click(&format!("{} td.c-names a", row_selector(&web)))
        .await;
    b.wait_js(
        "return !!document.getElementById('detail-status');",
        "web's page",
    )
    .await;
    b.click("button[data-action=start]").await;
    b.wait_text("nothing changed (already running), the engine answered 304 Not Modified")
        .await;
    assert!(!b.body_text().await.contains("Started web"));
    assert!(b.js("return document.title;").await.as_str() == Some("web · berth"));
    // The banner belongs to web's page, not to the list.
    b.click(".crumbs a").await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length >= 5;",
        "the list",
    )
    .await;
    assert_eq!(
        b.js("return document.querySelectorAll('.notice:not(.stale-banner)').length;")
            .await,
        Value::from(0),
        "the banner followed to the list"
    );
    assert_eq!(
        b.js("return document.title;").await.as_str(),
        Some("Containers · berth")
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_off_while_berth_is_out_of_reach() {
    let Some((mut berth, b)) = signed_in().await else {
        return;
    };
    let web = berth.id_of("web").await;
    open_container(&b, &berth, &web).await;
    b.wait_js(
        "return !document.querySelector('button[data-action=stop]').disabled;",
        "stop on",
    )
    .await;
    berth.kill();
    b.wait_js(
        "return [...document.querySelectorAll('button[data-action]')].every(x => x.disabled) \
         && document.querySelector('button[data-action=stop]').title.includes('not reachable');",
        "every action off, saying why",
    )
    .await;
    b.wait_text("Actions are off: berth is not reachable").await;
    b.screenshot("actions-off").await;
    b.close().await;
}
