//! Every page passes an axe-core audit (npm's axe-core, installed by `cargo xtask setup` under
//! `target/npm/`), in the light and the dark theme, and none is wider than a 390 px phone.
//! Screenshots of each page at 1400 and 390 px, light and dark, go to tests/artifacts/
//! (`a11y-<page>-<theme>-<width>.png`).

use berth_tests::browser::{workspace_root, Browser, SimBerth};
use berth_tests::{skip_unless, Need};
use serde_json::Value;

/// axe-core's browser build, as `cargo xtask setup` installs it.
fn axe_source() -> String {
    let path = std::env::var_os("BERTH_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            workspace_root()
                .join("target")
                .join("npm")
                .join("node_modules")
                .join("axe-core")
                .join("axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read axe-core at {} ({e}): `cargo xtask setup` installs it, or point \
             BERTH_AXE_JS at an axe.min.js",
            path.display()
        )
    })
}

/// A page of the app and the script that says it has drawn what it shows.
struct Page {
    name: &'static str,
    path: String,
    ready: &'static str,
    /// What to do once it is ready: scripts, each with the script that says it is done.
    then: &'static [(&'static str, &'static str)],
}

/// Opens `page` in `theme` and waits for it.
async fn open(b: &Browser, berth: &SimBerth, page: &Page, theme: &str) {
    b.goto(&berth.url(&page.path)).await;
    b.js(&format!(
        "localStorage.setItem('berth-theme', '{theme}'); \
         document.documentElement.setAttribute('data-theme', '{theme}'); return true;"
    ))
    .await;
    b.wait_js(page.ready, &format!("the {} page", page.name))
        .await;
    for (act, done) in page.then {
        b.js(act).await;
        b.wait_js(done, &format!("the {} page, set up", page.name))
            .await;
    }
    // Let transitions (colours fade on theme change) settle before measuring contrast.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
}

/// axe-core's violations on the open page, one line each with the elements concerned.
async fn violations(b: &Browser, axe: &str) -> Vec<String> {
    b.js(&format!("{axe}\n;return true;")).await;
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => \
               v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(n => \
                 n.target.join(' ') + ' [' + (n.failureSummary || '').replace(/\\s+/g, ' ') + ']' \
               ).join('; ')))).catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("axe.run: {e}"));
    result
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// How much wider than the window the page is (0 when it fits), and the widest culprits.
async fn overflow(b: &Browser) -> (i64, Vec<String>) {
    let wider = b
        .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        .await
        .as_i64()
        .unwrap_or(0);
    let culprits = b
        .js_strings(
            "const w = document.documentElement.clientWidth; \
             return [...document.querySelectorAll('body *')] \
               .filter(e => e.getBoundingClientRect().right > w + 1) \
               .slice(0, 8) \
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                 (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : '') + \
                 ' right=' + Math.round(e.getBoundingClientRect().right));",
        )
        .await;
    (wider, culprits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_both_themes_and_fits_a_phone() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let axe = axe_source();
    let berth = SimBerth::start();
    let web = berth.id_of("web").await;
    let b = Browser::start(1400, 900).await;
    // Sign in once: the token stays in this profile's localStorage.
    b.open_list(&berth.start_url(), 10).await;

    let pages = [
        Page {
            name: "containers",
            path: "/".to_owned(),
            ready: "return document.querySelectorAll('tr.row').length >= 10;",
            then: &[],
        },
        Page {
            name: "container",
            path: format!("/containers/{web}"),
            ready: "return !!document.getElementById('detail-status') \
                    && !!document.querySelector('figure.diagram svg');",
            then: &[],
        },
        Page {
            name: "history",
            path: "/history".to_owned(),
            ready: "return !!document.getElementById('scrubber') \
                    && document.querySelectorAll('tr.row').length > 0;",
            then: &[],
        },
        Page {
            name: "lab",
            path: "/lab/".to_owned(),
            ready: "return document.body.innerText.includes('Lifecycle lab');",
            then: &[],
        },
        // The lab with a container that ran and exited: the taken path, the decision, the
        // flags (the session stays in the tab, so a second pass creates a second container).
        Page {
            name: "lab-played",
            path: "/lab/".to_owned(),
            ready: "return document.body.innerText.includes('Lifecycle lab');",
            then: &[
                (
                    "document.getElementById('lab-create').click(); return true;",
                    "return !!document.getElementById('lab-status');",
                ),
                (
                    "document.getElementById('op-start').click(); return true;",
                    "return document.getElementById('lab-state').innerText === 'running';",
                ),
                (
                    "document.getElementById('ev-exit').click(); return true;",
                    "return document.getElementById('lab-state').innerText === 'exited';",
                ),
            ],
        },
    ];
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        for page in &pages {
            for (width, height) in [(1400u32, 900u32), (390, 844)] {
                b.resize(width, height).await;
                open(&b, &berth, page, theme).await;
                b.screenshot(&format!("a11y-{}-{theme}-{width}", page.name))
                    .await;
                for v in violations(&b, &axe).await {
                    failures.push(format!("{} {theme} {width}px: {v}", page.name));
                }
                if width == 390 {
                    let (wider, culprits) = overflow(&b).await;
                    if wider > 0 {
                        failures.push(format!(
                            "{} {theme} 390px: the page is {wider} px wider than the window: {}",
                            page.name,
                            culprits.join(", ")
                        ));
                    }
                }
            }
        }
    }
    b.close().await;
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Presses Tab up to `presses` times from the top of the page and returns, for each element
/// that took the focus, its description and whether it shows a focus ring.
async fn tab_through(b: &Browser, presses: usize) -> Vec<(String, bool)> {
    b.js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); return true;")
        .await;
    let mut seen = Vec::new();
    for _ in 0..presses {
        let body = b
            .client
            .find(fantoccini::Locator::Css("body"))
            .await
            .unwrap_or_else(|e| panic!("body: {e}"));
        let active = b.client.active_element().await.unwrap_or(body);
        active
            .send_keys("\u{E004}")
            .await
            .unwrap_or_else(|e| panic!("Tab: {e}"));
        let v = b
            .js(
                "const e = document.activeElement; if (!e || e === document.body) return null; \
                 const s = getComputedStyle(e); \
                 const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) \
                   || s.boxShadow !== 'none'; \
                 const what = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                   (e.dataset.action ? '[data-action=' + e.dataset.action + ']' : '') + \
                   (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/)[0] : ''); \
                 return [what, ring];",
            )
            .await;
        if let Some(a) = v.as_array() {
            let what = a[0].as_str().unwrap_or_default().to_owned();
            seen.push((what, a[1].as_bool().unwrap_or(false)));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_is_reachable_from_the_keyboard_with_a_visible_focus() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let web = berth.id_of("web").await;
    let b = Browser::start(1400, 900).await;
    b.open_list(&berth.start_url(), 10).await;
    let mut failures = Vec::new();
    let checks: [(&str, String, &str, Vec<&str>); 3] = [
        (
            "containers",
            "/".to_owned(),
            "return document.querySelectorAll('tr.row').length >= 10;",
            vec!["input#filter", "button.count", "button.sort", "input", "a"],
        ),
        (
            "container",
            format!("/containers/{web}"),
            "return !!document.getElementById('detail-status');",
            vec![
                "button[data-action=stop]",
                "button[data-action=restart]",
                "button[data-action=pause]",
                "button[data-action=kill]",
                "button[data-action=force-remove]",
            ],
        ),
        (
            "lab",
            "/lab/".to_owned(),
            "return document.body.innerText.includes('Lifecycle lab');",
            vec![
                "select#lesson-pick",
                "button#lab-reset",
                "button#lab-create",
            ],
        ),
    ];
    for (name, path, ready, wanted) in checks {
        b.goto(&berth.url(&path)).await;
        b.wait_js(ready, name).await;
        let seen = tab_through(&b, 45).await;
        for w in wanted {
            if !seen.iter().any(|(what, _)| what.starts_with(w)) {
                failures.push(format!(
                    "{name}: Tab never reaches {w}; it reaches {:?}",
                    seen.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>()
                ));
            }
        }
        for (what, ring) in &seen {
            if !ring {
                failures.push(format!(
                    "{name}: {what} has the focus but shows no focus ring"
                ));
            }
        }
    }
    b.close().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
