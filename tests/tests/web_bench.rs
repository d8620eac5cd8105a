//! Measurements of the dashboard in headless Chromium (printed and written to
//! tests/artifacts/web-bench.json, never asserted): the time from an action sent to berth to the
//! updated row in the page, and load and filter times with 5,000 synthetic containers
//! (`/?bench=5000`). What is asserted is only that the page did the work.
//! docs/BENCHMARKS.md ("web") says how to run it against a release build.

use std::time::{SystemTime, UNIX_EPOCH};

use berth_tests::browser::{artifacts_dir, js_str, row_selector, Browser, SimBerth};
use berth_tests::{skip_unless, Need};
use hyper::Method;
use serde_json::{json, Value};

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn summary(mut v: Vec<f64>) -> Value {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = v.get(n / 2).copied().unwrap_or(0.0);
    let max = v.last().copied().unwrap_or(0.0);
    let min = v.first().copied().unwrap_or(0.0);
    json!({"n": n, "min_ms": min, "median_ms": median, "max_ms": max})
}

/// Parses `name=1.23ms name2=4.56ms`.
fn results(text: &str) -> Vec<(String, f64)> {
    text.split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_owned(), v.trim_end_matches("ms").parse().ok()?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_update_latency_and_5000_containers() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    b.goto(&berth.start_url()).await;
    b.wait_js(
        "return document.querySelectorAll('tr.row').length >= 10;",
        "the fleet",
    )
    .await;
    let web = berth.id_of("web").await;

    // Action sent → row changed, seen by a MutationObserver (same machine, same clock).
    let mut latencies = Vec::new();
    for i in 0..10 {
        let pause = i % 2 == 0;
        let arm = format!(
            "window.__seen = null; if (window.__obs) window.__obs.disconnect(); \
             const want = {pause}; const sel = {}; \
             window.__obs = new MutationObserver(() => {{ const r = document.querySelector(sel); \
               if (window.__seen === null && r && r.innerText.includes('(Paused)') === want) window.__seen = Date.now(); }}); \
             window.__obs.observe(document.querySelector('table.ps'), {{subtree: true, childList: true, characterData: true, attributes: true}}); \
             return true;",
            js_str(&row_selector(&web))
        );
        b.js(&arm).await;
        let sent = unix_ms();
        let op = if pause { "pause" } else { "unpause" };
        let (status, body) = berth
            .api(Method::POST, &format!("/api/containers/web/{op}"))
            .await;
        assert_eq!(status, 204, "{op}: {body}");
        b.wait_js("return window.__seen !== null;", "the row update")
            .await;
        let seen = b.js("return window.__seen;").await.as_f64().unwrap_or(0.0);
        latencies.push(seen - sent);
    }

    // 5,000 synthetic containers: load, then filters typed one after another.
    b.goto(&berth.url("/?bench=5000")).await;
    b.wait_js(
        "const r = document.getElementById('bench-result'); return !!r && r.innerText.includes('load=');",
        "the synthetic fleet",
    )
    .await;
    let shown = b.body_text().await;
    assert!(shown.contains("Showing 5000 of 5000"), "{shown}");
    let rendered = b
        .js("return document.querySelectorAll('tr.row').length;")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(
        rendered < 200,
        "windowing renders only the visible rows, not {rendered}"
    );
    let first = results(
        b.js("return document.getElementById('bench-result').innerText;")
            .await
            .as_str()
            .unwrap_or_default(),
    );
    let load = first
        .iter()
        .find(|(k, _)| k == "load")
        .map(|(_, v)| *v)
        .unwrap_or(0.0);
    b.screenshot("bench-5000").await;

    let queries = [
        "status=exited",
        "status=exited label=tier=db",
        "bench-01",
        "health=unhealthy",
        "nginx status=running",
        "",
    ];
    let mut filter_rows = Vec::new();
    let mut filter_render = Vec::new();
    let mut per_query: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for round in 0..5 {
        for q in queries {
            // The page writes the results again after the render the input causes.
            b.js("document.getElementById('bench-result').textContent = ''; return true;")
                .await;
            let script = format!(
                "const i = document.getElementById('filter'); i.value = {}; \
                 i.dispatchEvent(new InputEvent('input', {{bubbles: true}})); return true;",
                js_str(q)
            );
            b.js(&script).await;
            b.wait_js(
                "const r = document.getElementById('bench-result'); \
                 return !!r && r.innerText.includes('filter-render=');",
                "a filter measurement",
            )
            .await;
            let text = b
                .js("return document.getElementById('bench-result').innerText;")
                .await;
            for (k, v) in results(text.as_str().unwrap_or_default()) {
                if round > 0 {
                    match k.as_str() {
                        "filter-rows" => filter_rows.push(v),
                        "filter-render" => {
                            filter_render.push(v);
                            per_query.entry(format!("{q:?}")).or_default().push(v);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    // Scrolling far down renders the rows there instead of the first ones.
    b.js(
        "window.__before = [...document.querySelectorAll('tr.row')].map(r => r.dataset.id); \
         const s = document.querySelector('.table-scroll'); s.scrollTop = s.scrollHeight; return true;",
    )
    .await;
    b.wait_js(
        "const now = [...document.querySelectorAll('tr.row')].map(r => r.dataset.id); \
         return now.length > 0 && now.every(id => !window.__before.includes(id));",
        "other rows after scrolling to the end",
    )
    .await;
    b.screenshot("bench-5000-scrolled").await;

    let report = json!({
        "action_to_row_ms": summary(latencies),
        "load_5000_ms": load,
        "filter_rows_5000_ms": summary(filter_rows),
        "filter_and_render_5000_ms": summary(filter_render),
        "filter_and_render_by_query_ms": per_query
            .into_iter()
            .map(|(q, v)| (q, summary(v)))
            .collect::<serde_json::Map<String, Value>>(),
        "dist": std::env::var("BERTH_WEB_DIST").unwrap_or_else(|_| "dist".into()),
    });
    let path = artifacts_dir().join("web-bench.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!("web bench: {report:#}");
    b.close().await;
}
