//! Browser end-to-end support: `berth --engine sim` serving the built web app ([`SimBerth`]),
//! chromedriver on a free port driving a headless Chromium ([`Browser`], through fantoccini),
//! and small helpers for waiting on the page and writing screenshots to `tests/artifacts/`.
//!
//! The web app must be built first (`cargo xtask build-web`, or `trunk build`): its folder is
//! `BERTH_WEB_DIST`, else `dist/` at the workspace root; a missing build fails with a message
//! that says so. The `berth` binary is `target/debug/berth`, built once with `cargo build -p berth`
//! when absent.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::berth_binary;

use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// How long a page condition may take before a test fails.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where the built web app is: `BERTH_WEB_DIST`, else `dist/` at the workspace root.
fn web_dist_dir() -> PathBuf {
    std::env::var_os("BERTH_WEB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"))
}

/// What is missing of Chromium and its driver (empty when nothing).
pub(crate) fn chromium_missing() -> Vec<String> {
    [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|bin| !Path::new(bin).is_file())
        .map(|bin| format!("{bin} (apt-get install chromium chromium-driver)"))
        .collect()
}

/// The web build, when it is missing.
pub(crate) fn web_dist_missing() -> Option<String> {
    let dist = web_dist_dir();
    (!is_built(&dist)).then(|| {
        format!(
            "built web app in {} (the dashboard's index.html and the lab's lab/index.html: \
             cargo xtask build-web, or BERTH_WEB_DIST)",
            dist.display()
        )
    })
}

/// Whether `dist` holds both pages: the dashboard and the lab.
fn is_built(dist: &std::path::Path) -> bool {
    dist.join("index.html").is_file() && dist.join("lab").join("index.html").is_file()
}

/// The built web app, or a panic that says how to build it.
pub fn web_dist() -> PathBuf {
    let dist = web_dist_dir();
    if !is_built(&dist) {
        panic!(
            "the web app is not built: no index.html or lab/index.html in {}. Build it with \
             `cargo xtask build-web`, or point BERTH_WEB_DIST at a build.",
            dist.display()
        );
    }
    dist
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Where screenshots and measurements go (gitignored).
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("tests").join("artifacts");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 30 s");
}

/// `berth --engine sim` on a free port with the built web app.
pub struct SimBerth {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Its API token.
    pub token: String,
}

impl SimBerth {
    /// Starts berth with the simulated engine's demo fleet.
    pub fn start() -> SimBerth {
        SimBerth::start_with(&[])
    }

    /// [`SimBerth::start`] with more arguments, e.g. `--read-only`.
    pub fn start_with(extra: &[&str]) -> SimBerth {
        let mut args = vec!["--engine", "sim"];
        args.extend_from_slice(extra);
        SimBerth::start_args(&args)
    }

    /// berth with the built web app and exactly these engine arguments, e.g.
    /// `["--engine", "docker", "--docker-host", "unix://…"]` for a real engine.
    pub fn start_args(args: &[&str]) -> SimBerth {
        let dist = web_dist();
        let port = free_port();
        let token = format!("web-test-{port}");
        let mut child = Command::new(berth_binary())
            .args(["--token", &token, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--web")
            .arg(&dist)
            .args(["--log", "warn"])
            .args(args)
            .env_remove("DOCKER_HOST")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start berth: {e}"));
        wait_for_port(port, &mut child, "berth");
        SimBerth { child, port, token }
    }

    /// The start-up URL a user opens (with the token).
    pub fn start_url(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token)
    }

    /// A URL of the app (no token: a browser signed in once keeps it in localStorage).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Calls the API: the status and the JSON body (`Null` when empty).
    pub async fn api(&self, method: Method, path: &str) -> (u16, Value) {
        let client: HttpClient<HttpConnector, Full<Bytes>> =
            HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new());
        let request = Request::builder()
            .method(method)
            .uri(self.url(path))
            .header("Authorization", format!("Bearer {}", self.token))
            .body(Full::new(Bytes::new()))
            .unwrap_or_else(|e| panic!("bad request {path}: {e}"));
        let response = client
            .request(request)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (status, value)
    }

    /// The full ID of the container named `name`.
    pub async fn id_of(&self, name: &str) -> String {
        let (status, doc) = self
            .api(Method::GET, &format!("/api/containers/{name}"))
            .await;
        assert_eq!(status, 200, "inspect {name}: {doc}");
        doc["Id"]
            .as_str()
            .unwrap_or_else(|| panic!("inspect {name} has no Id: {doc}"))
            .to_owned()
    }

    /// Stops berth now (to see how the page copes).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SimBerth {
    fn drop(&mut self) {
        self.kill();
    }
}

/// chromedriver and a headless Chromium session.
pub struct Browser {
    driver: Child,
    /// The WebDriver session.
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium with a fresh profile and a
    /// `width`×`height` window.
    pub async fn start(width: u32, height: u32) -> Browser {
        crate::require_none(&chromium_missing(), crate::Need::Browser);
        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        wait_for_port(port, &mut driver, "chromedriver");
        let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot open a Chromium session: {e}"));
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Opens `url`, a list of containers, and waits until it shows at least `rows` of them.
    pub async fn open_list(&self, url: &str, rows: usize) {
        self.goto(url).await;
        self.wait_js(
            &format!("return document.querySelectorAll('tr.row').length >= {rows};"),
            &format!("{rows} rows of containers"),
        )
        .await;
    }

    /// Types `text` into the list's filter box, replacing what is there.
    pub async fn filter(&self, text: &str) {
        let script = format!(
            "const i = document.getElementById('filter'); i.focus(); i.value = {}; \
             i.dispatchEvent(new InputEvent('input', {{bubbles: true}})); return true;",
            js_str(text)
        );
        self.js(&script).await;
    }

    /// Runs `script` (a function body; `arguments` available) and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script`, which returns an array of strings, and gives them back (other items are
    /// left out).
    pub async fn js_strings(&self, script: &str) -> Vec<String> {
        let v = self.js(script).await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The text of the first element `selector` matches (empty when none does).
    pub async fn text_of(&self, selector: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.textContent : null;",
            js_str(selector)
        );
        self.js(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's visible text.
    pub async fn body_text(&self) -> String {
        self.js("return document.body.innerText;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until `script` returns `true`; panics with `what` and the page text on timeout.
    pub async fn wait_js(&self, script: &str, what: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            if self.js(script).await == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let text = self.body_text().await;
                let _ = self.screenshot(&format!("failed-{}", slug(what))).await;
                panic!("timed out waiting for {what}\n--- page text ---\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page text contains `needle`.
    pub async fn wait_text(&self, needle: &str) {
        let script = format!(
            "return document.body.innerText.includes({});",
            Value::String(needle.to_owned())
        );
        self.wait_js(&script, &format!("text {needle:?}")).await;
    }

    /// Clicks the element matching CSS `selector` (waiting for it).
    pub async fn click(&self, selector: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        // The header is sticky: bring the element to the middle so that nothing covers it.
        let center = format!(
            "const e = document.querySelector({}); if (e) e.scrollIntoView({{block: 'center'}}); return true;",
            Value::String(selector.to_owned())
        );
        loop {
            let _ = self.client.execute(&center, vec![]).await;
            let error = match self.client.find(Locator::Css(selector)).await {
                Ok(el) => match el.click().await {
                    Ok(()) => return,
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            if Instant::now() > deadline {
                let text = self.body_text().await;
                panic!("cannot click {selector}: {error}\n--- page text ---\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Writes a screenshot to `tests/artifacts/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize: {e}"));
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(60)
        .collect()
}

/// The selector of the list row of the container with full ID `id`.
pub fn row_selector(id: &str) -> String {
    format!("tr.row[data-id=\"{id}\"]")
}

/// The text of the row of container `id` (empty when not shown).
pub async fn row_text(b: &Browser, id: &str) -> String {
    let script = format!(
        "const r = document.querySelector({}); return r ? r.innerText : '';",
        Value::String(row_selector(id))
    );
    b.js(&script).await.as_str().unwrap_or_default().to_owned()
}

/// `s` as a JavaScript string literal, for building scripts.
pub fn js_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// Waits until the list row of the container `id` shows `needle` (or, with `present == false`,
/// no longer does).
pub async fn wait_row(b: &Browser, id: &str, needle: &str, present: bool) {
    let script = format!(
        "const r = document.querySelector({}); return !!r && r.innerText.includes({}) === {present};",
        js_str(&row_selector(id)),
        js_str(needle)
    );
    b.wait_js(
        &script,
        &format!(
            "row {id} {} {needle:?}",
            if present { "showing" } else { "not showing" }
        ),
    )
    .await;
}
