//! The dashboard end to end in headless Chromium against `berth --engine sim` (its demo fleet:
//! web, api, worker running; cache paused; crashy restarting; batch and hog exited; fresh
//! created; leaving removing; broken dead). Needs the built app (`cargo xtask build-web`).
//! Screenshots of each page go to tests/artifacts/.

use berth_tests::browser::{js_str, row_selector, row_text, wait_row, Browser, SimBerth};
use berth_tests::{skip_unless, Need};
use hyper::Method;
use serde_json::Value;

/// Opens the start-up URL and waits for the fleet's rows.
async fn open_dashboard(berth: &SimBerth, b: &Browser) {
    b.open_list(&berth.start_url(), 10).await;
}

async fn shown_names(b: &Browser) -> Vec<String> {
    b.js_strings("return [...document.querySelectorAll('tr.row')].map(r => r.dataset.name);")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_the_fleet_follows_changes_and_filters() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let mut berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    open_dashboard(&berth, &b).await;

    // The engine's own status texts.
    let cache = berth.id_of("cache").await;
    let hog = berth.id_of("hog").await;
    let web = berth.id_of("web").await;
    let cache_row = row_text(&b, &cache).await;
    assert!(
        cache_row.contains("Up") && cache_row.contains("(Paused)"),
        "{cache_row}"
    );
    assert!(row_text(&b, &hog).await.contains("Exited (137)"));
    assert!(row_text(&b, &web).await.contains("Up About an hour"));
    assert!(b.body_text().await.contains("live"));
    // The token left the address bar.
    let href = b.js("return location.href;").await;
    assert!(
        !href.as_str().unwrap_or_default().contains("token"),
        "{href}"
    );
    b.screenshot("list").await;

    // A change in the engine appears without reload.
    let (status, body) = berth.api(Method::POST, "/api/containers/web/pause").await;
    assert_eq!(status, 204, "{body}");
    wait_row(&b, &web, "(Paused)", true).await;
    let (status, _) = berth.api(Method::POST, "/api/containers/web/unpause").await;
    assert_eq!(status, 204);
    wait_row(&b, &web, "(Paused)", false).await;

    // Filters narrow the list, as the engine's own list does.
    b.filter("status=exited").await;
    b.wait_js(
        "return [...document.querySelectorAll('tr.row')].every(r => r.classList.contains('row-exited')) \
         && document.querySelectorAll('tr.row').length > 0;",
        "only exited rows",
    )
    .await;
    // The demo's crash loop moves `crashy` in and out of `exited` every few seconds, so the page
    // and the API are each read afresh until they agree (they must, within the page timeout).
    let deadline = std::time::Instant::now() + berth_tests::browser::PAGE_TIMEOUT;
    loop {
        let (_, engine_list) = berth
            .api(
                Method::GET,
                "/api/containers?all=1&filters=%7B%22status%22%3A%5B%22exited%22%5D%7D",
            )
            .await;
        let mut expected: Vec<String> = engine_list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| {
                        c["Names"][0]
                            .as_str()
                            .map(|n| n.trim_start_matches('/').to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut names = shown_names(&b).await;
        names.sort();
        expected.sort();
        if names == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page shows {names:?} for status=exited; berth's API says {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.screenshot("list-filtered").await;

    b.filter("nginx").await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length === 1;",
        "one row for free text nginx",
    )
    .await;
    assert_eq!(shown_names(&b).await, vec!["web".to_owned()]);

    // A wrong filter gets the engine's message, word for word.
    b.filter("status=sleeping").await;
    b.wait_text("invalid filter 'status=sleeping'").await;
    let (status, body) = berth
        .api(
            Method::GET,
            "/api/containers?all=1&filters=%7B%22status%22%3A%5B%22sleeping%22%5D%7D",
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "invalid filter 'status=sleeping'");
    b.screenshot("list-bad-filter").await;

    // Counts are filters too.
    b.filter("").await;
    b.click("button.count[title*='status=paused']").await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length === 1;",
        "one paused row",
    )
    .await;
    assert_eq!(shown_names(&b).await, vec!["cache".to_owned()]);
    b.click("button.count[title*='status=paused']").await;

    // Sorting by NAMES.
    b.click("th.c-names button").await;
    b.wait_js(
        "const n = [...document.querySelectorAll('tr.row')].map(r => r.dataset.name); \
         return n.length >= 10 && n[0] === 'api';",
        "names sorted",
    )
    .await;

    // Narrow and dark.
    b.resize(400, 800).await;
    b.screenshot("list-narrow").await;
    b.resize(1280, 800).await;
    b.click("button.theme-toggle").await;
    b.wait_js(
        "return document.documentElement.dataset.theme === 'dark';",
        "dark theme",
    )
    .await;
    b.screenshot("list-dark").await;

    // berth goes away: the data is marked stale, never shown as live.
    berth.kill();
    b.wait_js(
        "const p = document.getElementById('connection'); \
         return !!p && !p.classList.contains('live') && !!document.getElementById('stale');",
        "the stale state",
    )
    .await;
    b.screenshot("list-stale").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_container_page_explains_acts_and_waits() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 900).await;
    open_dashboard(&berth, &b).await;
    let web = berth.id_of("web").await;

    // From the list to the detail page.
    b.click(&format!("{} td.c-names a", row_selector(&web)))
        .await;
    b.wait_js(
        "return !!document.getElementById('detail-status');",
        "the detail page",
    )
    .await;
    let text = b.body_text().await;
    for field in [
        "Running",
        "Paused",
        "Restarting",
        "OOMKilled",
        "RemovalInProgress",
        "Dead",
        "Pid",
        "ExitCode",
        "Error",
        "StartedAt",
        "FinishedAt",
        "RestartCount",
        "RestartPolicy",
    ] {
        assert!(text.contains(field), "no {field} on the page");
    }
    b.wait_js(
        "return !!document.querySelector('figure.diagram svg .node.current.st-running') \
         && document.querySelectorAll('figure.diagram .edge.possible').length > 0;",
        "the lifecycle diagram at running",
    )
    .await;
    assert!(
        b.js("return document.querySelector('td.wait-now').innerText;")
            .await
            .as_str()
            .unwrap_or_default()
            .contains("would wait"),
        "not-running on a running container waits"
    );
    b.resize(1280, 1700).await;
    b.screenshot("detail").await;
    b.resize(1280, 900).await;

    // Pause and unpause through the buttons; unpause is off (with the engine's reason) first.
    let title = b
        .js("return document.querySelector('button[data-action=unpause]').title;")
        .await;
    assert_eq!(
        title.as_str().unwrap_or_default(),
        // The engine's message, with the ID as `docker ps` shows it.
        format!("Container {} is not paused", &web[..12])
    );
    b.click("button[data-action=pause]").await;
    b.wait_js(
        "return document.getElementById('detail-status').innerText.includes('(Paused)') \
         && !!document.querySelector('.node.current.st-paused');",
        "paused",
    )
    .await;
    b.screenshot("detail-paused").await;
    b.click("button[data-action=unpause]").await;
    b.wait_js(
        "const t = document.getElementById('detail-status').innerText; \
         return t.startsWith('Up') && !t.includes('Paused');",
        "unpaused",
    )
    .await;

    // A wait for the next exit, resolved by a stop through the API.
    b.click("button[data-wait=next-exit]").await;
    b.wait_text("waiting…").await;
    let (status, body) = berth.api(Method::POST, "/api/containers/web/stop").await;
    assert_eq!(status, 204, "{body}");
    b.wait_js(
        "return document.querySelector('tr[data-condition=next-exit] .wait-result').innerText.startsWith('returned exit');",
        "the wait's result",
    )
    .await;
    b.wait_js(
        "return document.getElementById('detail-status').innerText.startsWith('Exited');",
        "exited",
    )
    .await;
    b.screenshot("detail-waited").await;

    // Start it again, then kill it: a confirmation first.
    b.click("button[data-action=start]").await;
    b.wait_js(
        "return document.getElementById('detail-status').innerText.startsWith('Up');",
        "started",
    )
    .await;
    b.click("button[data-action=kill]").await;
    b.wait_js(
        "return document.querySelector('dialog.confirm-dialog').open;",
        "the kill confirmation",
    )
    .await;
    b.screenshot("detail-confirm-kill").await;
    b.click("dialog.confirm-dialog button.confirm").await;
    b.wait_js(
        "return document.getElementById('detail-status').innerText.startsWith('Exited (137)');",
        "killed",
    )
    .await;
    let why = b
        .js("return document.getElementById('why').innerText;")
        .await;
    assert!(
        why.as_str().unwrap_or_default().contains("Exited 137"),
        "{why}"
    );

    // Remove, confirmed: the container is gone.
    b.click("button[data-action=remove]").await;
    b.wait_js(
        "return document.querySelector('dialog.confirm-dialog').open;",
        "the remove confirmation",
    )
    .await;
    b.click("dialog.confirm-dialog button.confirm").await;
    b.wait_text("No such container").await;
    let (status, _) = berth.api(Method::GET, "/api/containers/web").await;
    assert_eq!(status, 404);

    // The OOM-killed container says so.
    let hog = berth.id_of("hog").await;
    b.goto(&berth.url(&format!("/containers/{hog}"))).await;
    b.wait_text("killed for memory (OOMKilled)").await;
    let pause_title = b
        .js("return document.querySelector('button[data-action=pause]').title;")
        .await;
    assert_eq!(
        pause_title.as_str().unwrap_or_default(),
        format!("Container {} is not running", &hog[..12])
    );
    b.screenshot("detail-oom").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_scrubber_replays_older_states() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    open_dashboard(&berth, &b).await;
    let web = berth.id_of("web").await;
    let (status, _) = berth.api(Method::POST, "/api/containers/web/pause").await;
    assert_eq!(status, 204);
    wait_row(&b, &web, "(Paused)", true).await;

    b.click("nav a[href='/history']").await;
    b.wait_js(
        "return !!document.getElementById('scrubber');",
        "the scrubber",
    )
    .await;
    // Latest: web is paused.
    wait_row(&b, &web, "(Paused)", true).await;
    let latest = b
        .js("return document.getElementById('scrub-where').innerText;")
        .await;

    // One step back moves to an older revision.
    b.click("#scrub-back").await;
    b.wait_js(
        &format!(
            "return document.getElementById('scrub-where').innerText !== {};",
            latest
        ),
        "an older step",
    )
    .await;
    // Back to the start: web was running, not paused.
    b.js(
        "const s = document.getElementById('scrubber'); s.value = '0'; \
         s.dispatchEvent(new InputEvent('input', {bubbles: true})); return true;",
    )
    .await;
    b.wait_text("Step 1 of").await;
    wait_row(&b, &web, "(Paused)", false).await;
    assert!(row_text(&b, &web).await.contains("Up About an hour"));

    // Forward to the step where web was paused: its row is highlighted.
    let steps = b
        .js("return Number(document.getElementById('scrubber').max);")
        .await
        .as_u64()
        .unwrap_or(0);
    let mut found = false;
    for _ in 0..steps {
        b.click("#scrub-forward").await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let highlighted = b
            .js(&format!(
                "const r = document.querySelector({}); return !!r && r.classList.contains('changed') && r.innerText.includes('(Paused)');",
                js_str(&row_selector(&web))
            ))
            .await;
        if highlighted == Value::Bool(true) {
            found = true;
            break;
        }
    }
    assert!(found, "no step highlights web's pause");
    assert!(b.body_text().await.contains("web: paused"));
    b.screenshot("history").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_route_needs_no_api() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    b.goto(&berth.url("/lab")).await;
    b.wait_text("Lifecycle lab").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let api_calls = b
        .js("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/')).length;")
        .await;
    assert_eq!(api_calls, Value::from(0), "the lab called the API");
    b.screenshot("lab").await;

    // Without a token, a dashboard page says so and offers the sign-in field.
    b.goto(&berth.url("/")).await;
    b.wait_text("Sign in to berth").await;
    b.wait_text("signed out").await;
    b.screenshot("signed-out").await;
    b.close().await;
}

/// Types `text` into the sign-in field and submits it.
async fn sign_in_with(b: &Browser, text: &str) {
    let script = format!(
        "const i = document.getElementById('token-field'); i.value = {}; \
         i.dispatchEvent(new InputEvent('input', {{bubbles: true}})); \
         i.form.requestSubmit(); return true;",
        js_str(text)
    );
    b.js(&script).await;
}

/// Issue 19, defect 8: the token reaches every tab of the browser, a bookmark or a Ctrl-click
/// included, leaves the address bar, and a page without it offers a field to paste it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sign_in_reaches_every_tab_and_a_page_without_it_offers_the_field() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let web = berth.id_of("web").await;
    let b = Browser::start(1280, 800).await;

    // A bookmark of a container page, never signed in: the field, and a wrong token refused.
    b.goto(&berth.url(&format!("/containers/{web}"))).await;
    b.wait_text("Sign in to berth").await;
    sign_in_with(&b, "not-the-token").await;
    b.wait_text("berth refused this token").await;
    // The whole address berth printed, pasted: signed in, on the page the user was on.
    sign_in_with(&b, &berth.start_url()).await;
    b.wait_js(
        "return !!document.querySelector('h1') && document.body.innerText.includes('web') \
         && !document.getElementById('sign-in');",
        "the container page, signed in",
    )
    .await;

    // A new tab (WebDriver's new tabs share no sessionStorage, as a Ctrl-click's do not),
    // opened on the list without a token: signed in.
    let tab = b
        .client
        .new_window(true)
        .await
        .unwrap_or_else(|e| panic!("new tab: {e}"));
    b.client
        .switch_to_window(tab.handle)
        .await
        .unwrap_or_else(|e| panic!("switch tab: {e}"));
    b.open_list(&berth.url("/"), 10).await;

    // The start-up address itself: the token leaves the address bar at once.
    open_dashboard(&berth, &b).await;
    let href = b.js("return location.href;").await;
    assert!(
        !href.as_str().unwrap_or_default().contains("token"),
        "{href}"
    );
    b.screenshot("signed-in-second-tab").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_offers_no_actions() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start_with(&["--read-only"]);
    let b = Browser::start(1280, 800).await;
    open_dashboard(&berth, &b).await;
    // No selection boxes on the list, no buttons on the detail page.
    let boxes = b
        .js("return document.querySelectorAll('tr.row input[type=checkbox]').length;")
        .await;
    assert_eq!(boxes, Value::from(0));
    let web = berth.id_of("web").await;
    b.click(&format!("{} td.c-names a", row_selector(&web)))
        .await;
    b.wait_text("Read-only: berth refuses actions").await;
    let buttons = b
        .js("return document.querySelectorAll('button[data-action]').length;")
        .await;
    assert_eq!(buttons, Value::from(0));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_on_a_selection() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    open_dashboard(&berth, &b).await;
    let web = berth.id_of("web").await;
    let api = berth.id_of("api").await;
    let cache = berth.id_of("cache").await;
    for id in [&web, &api, &cache] {
        b.click(&format!("{} td.c-check input", row_selector(id)))
            .await;
    }
    b.wait_text("3 selected").await;
    // Pause: cache is already paused, so the engine would refuse it there; the others go ahead.
    let title = b
        .js("return document.querySelector('.bulk button[data-action=pause]').title;")
        .await;
    let title = title.as_str().unwrap_or_default().to_owned();
    assert!(
        title.starts_with("1 of 3 would be refused") && title.contains("is already paused"),
        "{title}"
    );
    b.screenshot("list-selection").await;
    b.click(".bulk button[data-action=pause]").await;
    wait_row(&b, &web, "(Paused)", true).await;
    wait_row(&b, &api, "(Paused)", true).await;
    b.wait_text("Paused 2 containers: ").await;
    // Unpause all three.
    b.click(".bulk button[data-action=unpause]").await;
    for id in [&web, &api, &cache] {
        wait_row(&b, id, "(Paused)", false).await;
    }
    b.close().await;
}
