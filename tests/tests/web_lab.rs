//! The lifecycle lab end to end in headless Chromium: a guided lesson runs to the end and the
//! page shows the engine's texts at each step; the session survives a reload through its link;
//! and the lab works from static files alone (no berth, no /api request).
//!
//! Needs the built web app (`trunk build`, or BERTH_WEB_DIST) and writes screenshots to
//! tests/artifacts/lab-*.png.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_tests::browser::{free_port, web_dist, Browser, SimBerth};
use berth_tests::{skip_unless, Need};
use serde_json::Value;

/// The "Why is my container restarting?" lesson: after each step, the container the step is
/// about and its `docker ps` status text (the engine's texts: testdata/engine/crash-poll.jsonl,
/// ps-snapshots.jsonl), plus the state string.
const RESTARTING: &[(&str, &str, &str)] = &[
    ("crash", "created", "Created"),
    ("crash", "running", "Up Less than a second"),
    (
        "crash",
        "restarting",
        "Restarting (7) Less than a second ago",
    ),
    ("crash", "running", "Up Less than a second"),
    (
        "crash",
        "restarting",
        "Restarting (7) Less than a second ago",
    ),
    ("crash", "running", "Up Less than a second"),
    ("crash", "exited", "Exited (7) Less than a second ago"),
    ("looper", "created", "Created"),
    ("looper", "running", "Up Less than a second"),
    ("looper", "running", "Up 3 hours"),
    (
        "looper",
        "restarting",
        "Restarting (1) Less than a second ago",
    ),
    ("looper", "running", "Up Less than a second"),
];

async fn wait_text_of(b: &Browser, selector: &str, expected: &str) {
    let script = format!(
        "const e = document.querySelector({}); return !!e && e.textContent === {};",
        Value::String(selector.to_owned()),
        Value::String(expected.to_owned())
    );
    b.wait_js(&script, &format!("{selector} to read {expected:?}"))
        .await;
}

/// A screenshot with the element matching `selector` scrolled to the top.
async fn shot_of(b: &Browser, selector: &str, name: &str) {
    let script = format!(
        "const e = document.querySelector({}); if (e) {{ e.scrollIntoView(); window.scrollBy(0, -64); }} return true;",
        Value::String(selector.to_owned())
    );
    b.js(&script).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    b.screenshot(name).await;
}

/// A screenshot of the top of the page (clicks scroll it).
async fn shot(b: &Browser, name: &str) {
    b.js("window.scrollTo(0, 0); return true;").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    b.screenshot(name).await;
}

async fn pick_lesson(b: &Browser, id: &str) {
    let script = format!(
        "const s = document.getElementById('lesson-pick'); if (!s) return false; s.value = {}; \
         s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;",
        Value::String(id.to_owned())
    );
    b.wait_js(&script, "the lesson picker").await;
    b.wait_text("Step 0 of").await;
}

/// The URLs the page requested so far (resource timing), to prove the lab asks no API.
async fn requested(b: &Browser) -> Vec<String> {
    b.js_strings("return performance.getEntriesByType('resource').map(e => e.name);")
        .await
}

/// Runs the restarting lesson through the page, checking every step.
async fn run_restarting_lesson(b: &Browser, shots: &str) {
    pick_lesson(b, "restarting").await;
    b.wait_text("Why is my container restarting?").await;
    for (i, (name, state, status)) in RESTARTING.iter().enumerate() {
        b.click("#lesson-next").await;
        let n = i + 1;
        wait_text_of(
            b,
            "#lesson-progress",
            &format!("Step {n} of {}", RESTARTING.len()),
        )
        .await;
        // The selected container is the one the step is about.
        wait_text_of(b, "#sel-title", name).await;
        wait_text_of(b, "#lab-status", status).await;
        assert_eq!(b.text_of("#lab-state").await, *state, "step {n}");
        // The diagram fills the state the container is in now.
        let current = b
            .js("const n = document.querySelector('.diagram .node.current'); return n ? n.dataset.state : null;")
            .await;
        assert_eq!(current.as_str(), Some(*state), "diagram at step {n}");
        // Every expectation the lesson shows is met.
        let bad = b
            .js("return document.querySelectorAll('.expect li.bad').length;")
            .await;
        assert_eq!(
            bad.as_u64(),
            Some(0),
            "a lesson expectation failed at step {n}"
        );
        match n {
            3 => {
                shot(b, &format!("{shots}-restarting")).await;
                shot_of(b, ".diagram-card", &format!("{shots}-restarting-diagram")).await;
                let decision = b.text_of("#lab-decision").await;
                assert!(
                    decision.contains(
                        "on-failure:2 → restart (restart 1 of 2) after a backoff of 100 ms"
                    ),
                    "decision at step 3: {decision}"
                );
                assert_eq!(b.text_of("#lab-restart-count").await, "1");
                // The move, with its cause as the simulation gives it.
                let moved = b.text_of("#lab-transitions").await;
                assert!(
                    moved
                        .contains("crash running → restarting (7): the process exited with code 7"),
                    "moves at step 3: {moved}"
                );
            }
            5 => {
                let decision = b.text_of("#lab-decision").await;
                assert!(
                    decision.contains("restart 2 of 2) after a backoff of 200 ms"),
                    "{decision}"
                );
            }
            7 => {
                // Where the real engine ends (inspect/crash.json): exited (7), RestartCount 2.
                assert_eq!(b.text_of("#lab-exit-code").await, "7");
                assert_eq!(b.text_of("#lab-restart-count").await, "2");
                shot(b, &format!("{shots}-gave-up")).await;
            }
            _ => {}
        }
    }
    b.wait_text("Lesson complete").await;
    // The CLI and API of the last command-like step are shown for a command step.
    shot_of(b, ".diagram-card", &format!("{shots}-end-diagram")).await;
    b.click("#lab-back").await;
    // The keyboard steps too (outside text fields).
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })); return true;")
        .await;
    wait_text_of(
        b,
        "#lab-step-of",
        &format!("step {} of {}", RESTARTING.len() - 2, RESTARTING.len()),
    )
    .await;
    wait_text_of(b, "#lab-status", "Up 3 hours").await;
    b.click("#lab-forward").await;
    b.click("#lab-forward").await;
    wait_text_of(b, "#lab-status", "Up Less than a second").await;
    shot(b, &format!("{shots}-end")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_runs_to_the_end_on_berth_without_calling_the_api() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 800).await;
    b.goto(&berth.url("/lab")).await;
    b.wait_text("Lifecycle lab").await;
    shot(&b, "lab-empty").await;
    run_restarting_lesson(&b, "lab").await;

    // A command step shows its CLI and API forms.
    pick_lesson(&b, "stopping").await;
    for _ in 0..6 {
        b.click("#lesson-next").await;
    }
    wait_text_of(&b, "#lesson-progress", "Step 6 of 10").await;
    wait_text_of(&b, "#lab-cli", "docker stop -t 1 stubborn").await;
    wait_text_of(&b, "#lab-api", "POST /containers/stubborn/stop?t=1").await;
    wait_text_of(&b, "#lab-status", "Up Less than a second").await;
    b.click("#lesson-next").await;
    wait_text_of(&b, "#lab-status", "Exited (137) Less than a second ago").await;

    // The engine's refusal, verbatim: start of a running container is 304, rm of a running one
    // without force is 409 with the engine's message.
    b.click("#lesson-next").await;
    wait_text_of(&b, "#lab-status", "Up Less than a second").await;
    b.click("#op-rm").await;
    b.wait_text("You cannot remove a running container").await;
    let error = b.text_of("#lab-error").await;
    assert!(
        error.contains("Stop the container before attempting removal or force remove"),
        "{error}"
    );
    assert!(b.text_of("#lab-result").await.starts_with("409"));
    shot(&b, "lab-refused").await;

    // The link reproduces the session: reload with the address bar's fragment.
    let url = b
        .js("return location.href;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        url.contains("/lab#s="),
        "the address keeps the session: {url}"
    );
    b.goto(&berth.url("/")).await;
    b.client.goto(&url).await.unwrap_or_else(|e| panic!("{e}"));
    b.wait_text("stop, kill and the stop timeout").await;
    wait_text_of(&b, "#lab-step-of", "step 9 of 9").await;
    assert!(b
        .text_of("#lab-error")
        .await
        .contains("You cannot remove a running container"));
    // Leaving the lab and coming back through a plain /lab link finds the session again.
    b.goto(&berth.url("/lab")).await;
    wait_text_of(&b, "#lab-step-of", "step 9 of 9").await;

    // Medium screens: two columns, the explanation under the centre.
    b.resize(1024, 768).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&b, "lab-medium").await;

    // Narrow screens: one column.
    b.resize(400, 900).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&b, "lab-narrow").await;
    let wide = b
        .js("const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')] \
             .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > w + 1) \
             .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12);")
        .await;
    assert_eq!(
        wide,
        Value::Array(Vec::new()),
        "elements wider than a 400 px window"
    );
    let scrolls = b
        .js("return document.documentElement.scrollWidth > document.documentElement.clientWidth;")
        .await;
    if scrolls != Value::Bool(false) {
        let culprits = b
            .js("const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')] \
                 .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth > 0) \
                 .map(e => e.tagName + '.' + e.className + ' sw=' + e.scrollWidth + ' cw=' + e.clientWidth);")
            .await;
        panic!("the page scrolls sideways at 400 px: {culprits}");
    }

    // Nothing on the lab asked berth's API.
    let api: Vec<String> = requested(&b)
        .await
        .into_iter()
        .filter(|u| u.contains("/api/"))
        .collect();
    assert!(api.is_empty(), "the lab requested the API: {api:?}");
    b.close().await;
}

/// A plain static file server (Python's `http.server`: a directory serves its index.html, after
/// a redirect to the path with a slash; no fallback) of a copy of the built app, logging every
/// request path to a shared list.
struct StaticServer {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

const SERVER: &str = r#"
import http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass
    def send_head(self):
        sys.stderr.write("REQ " + self.path + "\n"); sys.stderr.flush()
        return super().send_head()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

/// Copies the files of `from` into `to`, subdirectories included.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("mkdir: {e}"));
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy: {e}"));
        }
    }
}

impl StaticServer {
    fn start() -> StaticServer {
        let dist = web_dist();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        copy_tree(&dist, dir.path());
        let port = free_port();
        let mut child = Command::new("python3")
            .args(["-c", SERVER, &port.to_string()])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3: {e}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(path) = line.strip_prefix("REQ ") {
                        if let Ok(mut l) = log.lock() {
                            l.push(path.to_owned());
                        }
                    }
                }
            });
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the static server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        StaticServer {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    fn paths(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_works_from_static_files_alone() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let server = StaticServer::start();
    let b = Browser::start(1280, 800).await;
    b.goto(&format!("http://127.0.0.1:{}/lab", server.port))
        .await;
    b.wait_text("Lifecycle lab").await;
    run_restarting_lesson(&b, "lab-static").await;

    // Free play: create a container with the form, start it, place waiters.
    b.js("document.getElementById('lesson-pick').value=''; document.getElementById('lesson-pick').dispatchEvent(new Event('change', {bubbles: true})); return true;").await;
    b.wait_text("step 0 of 0").await;
    b.click("#lab-create").await;
    wait_text_of(&b, "#lab-status", "Created").await;
    wait_text_of(
        &b,
        "#lab-cli",
        "docker create --name web --network none local/busybox:1 httpd -f",
    )
    .await;
    b.click("#w-place").await;
    b.wait_text("returned at once: StatusCode 0, Error null")
        .await;
    // What each condition would do now, for the created container.
    let row = |c: &str| format!("#lab-wait-now tr[data-condition='{c}'] td");
    wait_text_of(&b, &row("not-running"), "return at once: 0").await;
    wait_text_of(&b, &row("next-exit"), "wait").await;
    wait_text_of(&b, &row("removed"), "wait").await;
    shot_of(&b, "#waiters-title", "lab-static-waiters").await;
    b.click("#op-start").await;
    wait_text_of(&b, "#lab-status", "Up Less than a second").await;
    b.click("#lab-plus-1h").await;
    wait_text_of(&b, "#lab-status", "Up About an hour").await;
    shot(&b, "lab-static-free").await;

    // Play the clock at 100×: it moves, and the quiet ticks merge into one step.
    let before = b.text_of("#lab-clock").await;
    b.click("#speed-100").await;
    b.click("#lab-play").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.click("#lab-play").await;
    let after = b.text_of("#lab-clock").await;
    assert_ne!(before, after, "the clock did not move while playing");
    wait_text_of(&b, "#lab-step-of", "step 5 of 5").await;
    wait_text_of(&b, "#lab-status", "Up About an hour").await;

    // Dark theme.
    b.js("document.documentElement.dataset.theme = 'dark'; return true;")
        .await;
    shot(&b, "lab-static-dark").await;
    shot_of(&b, ".diagram-card", "lab-static-dark-diagram").await;

    // The names lesson to its end: a name conflict and an ambiguous ID prefix, as the engine
    // words them.
    b.js("document.documentElement.dataset.theme = 'light'; return true;")
        .await;
    pick_lesson(&b, "names").await;
    for _ in 0..30 {
        if b.js("return !!document.getElementById('lesson-done');")
            .await
            == Value::Bool(true)
        {
            break;
        }
        b.click("#lesson-next").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.wait_text("Lesson complete").await;
    b.click("#lab-back").await;
    b.wait_text("Multiple IDs found with provided prefix:")
        .await;
    assert!(b.text_of("#lab-result").await.starts_with("500"));
    shot(&b, "lab-static-names").await;

    // Export, start afresh, import: the session comes back.
    b.js("document.querySelector('.session-tools').open = true; return true;")
        .await;
    let exported = b
        .js("return document.getElementById('lab-export').value;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let doc: Value = serde_json::from_str(&exported)
        .unwrap_or_else(|e| panic!("the export is not JSON: {e}\n{exported}"));
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["lesson"], "names");
    let steps = doc["steps"].as_array().map(Vec::len).unwrap_or(0);
    assert!(steps >= 7, "{exported}");
    let link = b
        .js("return document.getElementById('lab-link').value;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(link.contains("/lab#s="), "{link}");
    shot(&b, "lab-static-export").await;
    b.click("#lab-reset").await;
    wait_text_of(&b, "#lab-step-of", "step 0 of 0").await;
    b.js("document.querySelector('.session-tools').open = true; return true;")
        .await;
    let script = format!(
        "const t = document.getElementById('lab-import'); t.value = {}; \
         t.dispatchEvent(new InputEvent('input', {{ bubbles: true }})); return true;",
        Value::String(exported.clone())
    );
    b.js(&script).await;
    b.click("#lab-import-go").await;
    wait_text_of(&b, "#lab-step-of", &format!("step {steps} of {steps}")).await;
    b.wait_text("Session imported.").await;
    // A damaged import says why and keeps the session.
    b.js(
        "const t = document.getElementById('lab-import'); t.value = '{\"version\": 9}'; \
          t.dispatchEvent(new InputEvent('input', { bubbles: true })); return true;",
    )
    .await;
    b.click("#lab-import-go").await;
    b.wait_text("Import failed: not a lab session").await;
    wait_text_of(&b, "#lab-step-of", &format!("step {steps} of {steps}")).await;

    let paths = server.paths();
    assert!(
        paths.iter().any(|p| p == "/lab"),
        "the server saw the page load: {paths:?}"
    );
    let api: Vec<&String> = paths.iter().filter(|p| p.starts_with("/api")).collect();
    assert!(api.is_empty(), "the lab asked for {api:?}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_keeps_its_place_owns_its_keys_and_says_what_went_wrong() {
    if skip_unless(&[Need::Browser]) {
        return;
    }
    let berth = SimBerth::start();
    let b = Browser::start(1280, 900).await;
    b.goto(&berth.url("/lab/")).await;
    b.wait_text("Lifecycle lab").await;
    assert_eq!(
        b.js("return document.title;").await.as_str(),
        Some("Lab · berth")
    );

    // Create web, then let a second pass: the last step moved no container.
    b.click("#lab-create").await;
    wait_text_of(&b, "#sel-title", "web").await;
    b.click("#lab-plus-1s").await;
    wait_text_of(&b, "#lab-step-of", "step 2 of 2").await;
    assert_eq!(
        b.js("return document.title;").await.as_str(),
        Some("web · Lab · berth")
    );
    // A reload shows web again, with its status.
    b.client
        .refresh()
        .await
        .unwrap_or_else(|e| panic!("refresh: {e}"));
    wait_text_of(&b, "#sel-title", "web").await;
    wait_text_of(&b, "#lab-status", "Created").await;

    // ← is the lab's: its default (scrolling) is prevented, which a passive listener cannot.
    let prevented = b
        .js("const e = new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true, cancelable: true}); \
             document.dispatchEvent(e); return e.defaultPrevented;")
        .await;
    assert_eq!(
        prevented,
        Value::Bool(true),
        "the key went on to scroll the page"
    );
    wait_text_of(&b, "#lab-step-of", "step 1 of 2").await;

    // An import that is not a session is an error, and says what to paste.
    b.click("details.session-tools summary").await;
    b.js(
        "const t = document.getElementById('lab-import'); t.value = '{\"not\": \"a session\"}'; \
          t.dispatchEvent(new InputEvent('input', {bubbles: true})); return true;",
    )
    .await;
    b.click("#lab-import-go").await;
    b.wait_js(
        "const n = document.getElementById('lab-notice'); \
         return !!n && n.classList.contains('error') && n.getAttribute('role') === 'alert' \
           && n.innerText.includes('Import failed') && n.innerText.includes('Paste the JSON');",
        "the import's error",
    )
    .await;
    shot(&b, "lab-import-error").await;

    // A damaged link: an error that says what happened and what to do.
    b.goto(&berth.url("/lab/#s=!!!damaged")).await;
    b.client
        .refresh()
        .await
        .unwrap_or_else(|e| panic!("refresh: {e}"));
    b.wait_js(
        "const n = document.getElementById('lab-notice'); \
         return !!n && n.classList.contains('error') && n.innerText.includes('damaged or cut short');",
        "the damaged link's error",
    )
    .await;
    b.close().await;
}
