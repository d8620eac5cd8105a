//! The HTTP API on the simulated engine, request by request with `oneshot` (no server, no
//! sockets): every endpoint, every error, the security rules, the SSE feed and the web files.
//!
//! The tests run on tokio's paused clock and the simulation follows it, so a stop that waits for
//! a timeout or a crash loop's backoff takes no real time.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use berth::engine::sim::SimEngine;
use berth::engine::Engine;
use berth::http::security::Security;
use berth::http::static_files::WebDist;
use berth::http::{app, AppState};
use berth::mirror::Mirror;
use berth_core::actions::Action;
use berth_core::ops::Op;
use berth_core::sim::Rng;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use common::Flaky;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const HOST: &str = "localhost:7800";

struct Server {
    app: Router,
    mirror: Mirror,
    dist: tempfile::TempDir,
}

struct Options {
    read_only: bool,
    dist: bool,
}

const DEFAULTS: Options = Options {
    read_only: false,
    dist: true,
};

const INDEX: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>berth</title>\
<link rel=\"stylesheet\" href=\"/style-0123456789abcdef.css\">\
<script type=\"module\">import init from '/berth-web-0123456789abcdef.js';await init();</script>\
</head><body></body></html>";

const LAB_INDEX: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>berth · lab</title>\
<script type=\"module\">import init from '/lab/berth-lab-0123456789abcdef.js';await init();</script>\
</head><body></body></html>";

fn write_dist(dir: &Path) {
    std::fs::create_dir(dir.join("lab")).unwrap();
    std::fs::write(dir.join("lab").join("index.html"), LAB_INDEX).unwrap();
    let files: [(&str, &[u8]); 4] = [
        ("index.html", INDEX.as_bytes()),
        ("berth-web-0123456789abcdef_bg.wasm", b"\0asm\x01\0\0\0"),
        (
            "berth-web-0123456789abcdef.js",
            b"export default async function init() { return 1; }\n",
        ),
        (
            "favicon.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        ),
    ];
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    // Big and repetitive enough to be worth compressing.
    let css = "body { margin: 0; padding: 0; color: #222; }\n".repeat(200);
    std::fs::write(dir.join("style-0123456789abcdef.css"), css).unwrap();
}

async fn server_with(options: Options) -> Server {
    server_on(Arc::new(SimEngine::demo(1.0)), options).await
}

async fn server_on(engine: Arc<dyn Engine>, options: Options) -> Server {
    let dist = tempfile::tempdir().unwrap();
    let web_dir = dist.path().join("dist");
    if options.dist {
        std::fs::create_dir(&web_dir).unwrap();
        write_dist(&web_dir);
    }
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await, "first sync");
    let security = Security::new(TOKEN, Vec::new(), options.read_only).unwrap();
    let state = AppState::new(
        engine,
        mirror.clone(),
        Arc::new(security),
        WebDist::new(web_dir),
    );
    Server {
        app: app(state),
        mirror,
        dist,
    }
}

async fn server() -> Server {
    server_with(DEFAULTS).await
}

fn request(method: Method, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
}

fn get(uri: &str) -> Request<Body> {
    request(Method::GET, uri).body(Body::empty()).unwrap()
}

fn post(uri: &str) -> Request<Body> {
    request(Method::POST, uri).body(Body::empty()).unwrap()
}

fn delete(uri: &str) -> Request<Body> {
    request(Method::DELETE, uri).body(Body::empty()).unwrap()
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

impl Server {
    async fn send(&self, req: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn list(&self, query: &str) -> Vec<Value> {
        let reply = self.send(get(&format!("/api/containers{query}"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json().as_array().cloned().unwrap_or_default()
    }

    async fn inspect(&self, reference: &str) -> Value {
        let reply = self
            .send(get(&format!("/api/containers/{reference}")))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    async fn id_of(&self, name: &str) -> String {
        self.inspect(name).await["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn names(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["Names"][0].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn status_of<'a>(list: &'a [Value], name: &str) -> &'a str {
    list.iter()
        .find(|c| c["Names"][0] == format!("/{name}").as_str())
        .and_then(|c| c["Status"].as_str())
        .unwrap_or_else(|| panic!("{name} not listed"))
}

// ---------------------------------------------------------------------------------------------
// GET /api/containers

#[tokio::test(start_paused = true)]
async fn list_shows_running_containers_newest_first_with_their_status_texts() {
    let s = server().await;
    let running = s.list("").await;
    assert_eq!(
        names(&running),
        ["/crashy", "/worker", "/cache", "/api", "/web"],
        "docker ps: running, paused and restarting, newest first"
    );
    assert_eq!(status_of(&running, "web"), "Up About an hour");
    assert_eq!(status_of(&running, "api"), "Up 50 minutes (healthy)");
    assert_eq!(status_of(&running, "cache"), "Up 30 minutes (Paused)");
    assert_eq!(
        status_of(&running, "worker"),
        "Up 20 seconds (health: starting)"
    );
    assert!(status_of(&running, "crashy").starts_with("Restarting (1) "));
    let web = running
        .iter()
        .find(|c| c["Names"][0] == "/web")
        .cloned()
        .unwrap_or_default();
    for field in [
        "Id",
        "Names",
        "Image",
        "ImageID",
        "Command",
        "Created",
        "Ports",
        "Labels",
        "State",
        "Status",
        "HostConfig",
        "NetworkSettings",
        "Mounts",
    ] {
        assert!(web.get(field).is_some(), "list item without {field}: {web}");
    }
    assert_eq!(web["State"], "running");
    assert_eq!(web["Image"], "local/nginx:1");
    assert_eq!(web["Command"], "nginx -g 'daemon off;'");
    assert_eq!(web["Labels"]["com.example.tier"], "frontend");
}

#[tokio::test(start_paused = true)]
async fn list_all_shows_every_state() {
    let s = server().await;
    let all = s.list("?all=1").await;
    assert_eq!(all.len(), 10);
    assert_eq!(s.list("?all=true").await.len(), 10);
    assert_eq!(s.list("?all=0").await.len(), 5);
    assert_eq!(status_of(&all, "batch"), "Exited (0) 40 minutes ago");
    assert_eq!(status_of(&all, "hog"), "Exited (137) 24 minutes ago");
    assert_eq!(status_of(&all, "fresh"), "Created");
    assert_eq!(status_of(&all, "leaving"), "Removal In Progress");
    assert_eq!(status_of(&all, "broken"), "Dead");
    let states: std::collections::BTreeSet<&str> =
        all.iter().filter_map(|c| c["State"].as_str()).collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        [
            "created",
            "dead",
            "exited",
            "paused",
            "removing",
            "restarting",
            "running"
        ]
    );
    let created: Vec<i64> = all.iter().filter_map(|c| c["Created"].as_i64()).collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
    assert_eq!(s.list("?all=1&limit=3").await.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn list_filters_as_docker_ps_does() {
    let s = server().await;
    let q = |f: &str| format!("?all=1&filters={}", urlencode(f));
    assert_eq!(
        names(&s.list(&q(r#"{"status":["exited"]}"#)).await),
        ["/hog", "/batch"]
    );
    assert_eq!(names(&s.list(&q(r#"{"name":["^/web$"]}"#)).await), ["/web"]);
    assert_eq!(
        names(
            &s.list(&q(r#"{"label":{"com.example.tier=backend":true}}"#))
                .await
        ),
        ["/worker", "/cache", "/api"]
    );
    assert_eq!(
        names(&s.list(&q(r#"{"health":["healthy"]}"#)).await),
        ["/api"]
    );
    // A status filter shows stopped containers without all, as the engine does.
    assert_eq!(
        names(
            &s.list(&format!(
                "?filters={}",
                urlencode(r#"{"status":["created"]}"#)
            ))
            .await
        ),
        ["/fresh"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_bad_filter_is_400_with_the_engine_message() {
    let s = server().await;
    for (filters, message) in [
        (r#"{"color":["red"]}"#, "invalid filter 'color'"),
        ("not json", "invalid filter"),
        (
            r#"{"status":["sleeping"]}"#,
            "invalid filter 'status=sleeping'",
        ),
    ] {
        let reply = s
            .send(get(&format!(
                "/api/containers?filters={}",
                urlencode(filters)
            )))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{filters}");
        assert_eq!(reply.message(), message, "{filters}");
    }
    let reply = s.send(get("/api/containers?limit=many")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn undecodable_paths_and_queries_answer_in_the_api_shape() {
    let s = server().await;
    for uri in ["/api/containers/%FF%FE", "/api/containers/%FF/start"] {
        let req = if uri.ends_with("/start") {
            post(uri)
        } else {
            get(uri)
        };
        let reply = s.send(req).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.text()
        );
        assert!(!reply.message().is_empty(), "{uri}: {}", reply.text());
    }
}

// ---------------------------------------------------------------------------------------------
// GET /api/containers/{ref}

#[tokio::test(start_paused = true)]
async fn inspect_by_name_id_and_unique_prefix() {
    let s = server().await;
    let api = s.inspect("api").await;
    let id = api["Id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 64);
    assert_eq!(api["Name"], "/api");
    assert_eq!(api["State"]["Status"], "running");
    assert_eq!(api["State"]["Running"], true);
    assert_eq!(api["State"]["Health"]["Status"], "healthy");
    assert_eq!(api["HostConfig"]["RestartPolicy"]["Name"], "unless-stopped");
    assert_eq!(api["Config"]["Image"], "local/api:1");
    for field in ["Created", "Path", "Args", "Image", "RestartCount"] {
        assert!(api.get(field).is_some(), "inspect without {field}");
    }
    assert_eq!(s.inspect("%2Fapi").await["Id"], id.as_str());
    assert_eq!(s.inspect(&id).await["Id"], id.as_str());
    // The shortest prefix no other ID shares.
    let all = s.list("?all=1").await;
    let ids: Vec<String> = all
        .iter()
        .filter_map(|c| c["Id"].as_str().map(str::to_owned))
        .collect();
    let unique = (1..=id.len())
        .map(|n| &id[..n])
        .find(|p| ids.iter().filter(|i| i.starts_with(p)).count() == 1)
        .unwrap_or(&id);
    assert_eq!(s.inspect(unique).await["Id"], id.as_str());

    let hog = s.inspect("hog").await;
    assert_eq!(hog["State"]["OOMKilled"], true);
    assert_eq!(hog["State"]["ExitCode"], 137);
    let broken = s.inspect("broken").await;
    assert_eq!(broken["State"]["Dead"], true);
    assert_ne!(broken["State"]["Error"], "");
}

#[tokio::test(start_paused = true)]
async fn inspect_unknown_is_404_and_an_ambiguous_prefix_is_400() {
    let s = server().await;
    let reply = s.send(get("/api/containers/nope")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.message(), "No such container: nope");

    let all = s.list("?all=1").await;
    let ids: Vec<String> = all
        .iter()
        .filter_map(|c| c["Id"].as_str().map(str::to_owned))
        .collect();
    let shared = ambiguous_prefix(&ids);
    let reply = s.send(get(&format!("/api/containers/{shared}"))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.message(),
        format!("multiple IDs found with provided prefix: {shared}")
    );
}

/// A prefix at least two of `ids` share. The demo's ten IDs always share one: there are more
/// of them than the 16 hex digits can keep apart only at length 1 with luck, so the longest
/// common prefix of the closest pair is used.
fn ambiguous_prefix(ids: &[String]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted
        .windows(2)
        .map(|w| {
            let n = w[0]
                .chars()
                .zip(w[1].chars())
                .take_while(|(a, b)| a == b)
                .count();
            w[0][..n].to_owned()
        })
        .max_by_key(String::len)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| panic!("no two demo IDs share a first digit: {sorted:?}"))
}

// ---------------------------------------------------------------------------------------------
// Actions

#[tokio::test(start_paused = true)]
async fn stop_and_start_are_forwarded_and_read_back() {
    let s = server().await;
    let reply = s.send(post("/api/containers/web/stop")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let web = s.inspect("web").await;
    assert_eq!(web["State"]["Status"], "exited");
    assert_eq!(web["State"]["ExitCode"], 143, "SIGTERM ends a server");
    // Stopping it again: nothing to do.
    let reply = s.send(post("/api/containers/web/stop")).await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);

    let reply = s.send(post("/api/containers/web/start")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
    let reply = s.send(post("/api/containers/web/start")).await;
    assert_eq!(
        reply.status,
        StatusCode::NOT_MODIFIED,
        "start of a running container"
    );
    assert!(reply.body.is_empty());
}

#[tokio::test(start_paused = true)]
async fn restart_pause_unpause_kill_and_rename() {
    let s = server().await;
    let started = s.inspect("web").await["State"]["StartedAt"].clone();
    let reply = s.send(post("/api/containers/web/restart?t=1")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let web = s.inspect("web").await;
    assert_eq!(web["State"]["Status"], "running");
    assert_ne!(web["State"]["StartedAt"], started);

    assert_eq!(
        s.send(post("/api/containers/web/pause")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.inspect("web").await["State"]["Status"], "paused");
    assert_eq!(
        s.send(post("/api/containers/web/unpause")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");

    let reply = s
        .send(post("/api/containers/web/kill?signal=SIGKILL"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let web = s.inspect("web").await;
    assert_eq!(web["State"]["Status"], "exited");
    assert_eq!(web["State"]["ExitCode"], 137);

    let id = s.id_of("fresh").await;
    let reply = s
        .send(post("/api/containers/fresh/rename?name=newborn"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_eq!(s.inspect("newborn").await["Id"], id.as_str());
    assert_eq!(
        s.send(get("/api/containers/fresh")).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = s.send(post("/api/containers/newborn/rename")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn engine_refusals_pass_through_with_their_status_and_message() {
    let s = server().await;
    let id = s.id_of("web").await;
    let reply = s.send(delete("/api/containers/web")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.message(),
        format!("You cannot remove a running container {id}. Stop the container before attempting removal or force remove")
    );
    let reply = s.send(post("/api/containers/batch/pause")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.message().ends_with("is not running"),
        "{}",
        reply.message()
    );
    let reply = s.send(post("/api/containers/cache/start")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.message(),
        "cannot start a paused container, try unpause instead"
    );
    let reply = s.send(post("/api/containers/nope/start")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.message(), "No such container: nope");
    let reply = s.send(post("/api/containers/web/explode")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = s.send(post("/api/containers/web/stop?t=soon")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn remove_with_force_removes() {
    let s = server().await;
    let reply = s.send(delete("/api/containers/web?force=1")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let reply = s.send(get("/api/containers/web")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(s.list("?all=1").await.len(), 9);
    let reply = s.send(delete("/api/containers/batch")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(s.list("?all=1").await.len(), 8);
}

// ---------------------------------------------------------------------------------------------
// POST /api/containers/{ref}/wait

#[tokio::test(start_paused = true)]
async fn a_wait_resolves_when_the_container_stops() {
    let s = server().await;
    let waiting = tokio::spawn(
        s.app
            .clone()
            .oneshot(post("/api/containers/web/wait?condition=not-running")),
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!waiting.is_finished(), "web is running: the wait must wait");
    let reply = s.send(post("/api/containers/web/stop")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let response = waiting.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, serde_json::json!({"StatusCode": 143, "Error": null}));

    // Already stopped: not-running answers at once.
    let reply = s.send(post("/api/containers/batch/wait")).await;
    assert_eq!(
        reply.json(),
        serde_json::json!({"StatusCode": 0, "Error": null})
    );
}

#[tokio::test(start_paused = true)]
async fn a_bad_wait_condition_is_400() {
    let s = server().await;
    let reply = s
        .send(post("/api/containers/web/wait?condition=bogus"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.message(), "invalid condition: \"bogus\"");
    let reply = s.send(post("/api/containers/nope/wait")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// GET /api/engine

#[tokio::test(start_paused = true)]
async fn engine_reports_the_simulation_and_its_counts() {
    let s = server().await;
    let reply = s.send(get("/api/engine")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let e = reply.json();
    assert_eq!(e["engine"], "sim");
    assert_eq!(e["connected"], true);
    assert_eq!(e["read_only"], false);
    assert_eq!(e["containers"], 10);
    assert_eq!(e["revision"].as_u64(), Some(s.mirror.revision()));
    assert!(e["version"].is_string());
    assert!(e["api_version"].is_string());
    let counts = e["counts"].as_object().cloned().unwrap_or_default();
    assert_eq!(counts.len(), 7);
    assert_eq!(counts["running"], 3);
    assert_eq!(counts["paused"], 1);
    assert_eq!(counts["restarting"], 1);
    assert_eq!(counts["exited"], 2);
    assert_eq!(counts["created"], 1);
    assert_eq!(counts["removing"], 1);
    assert_eq!(counts["dead"], 1);
    let reply = s.send(get("/api/nothing-here")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.message(), "page not found");
}

// ---------------------------------------------------------------------------------------------
// Security

#[tokio::test(start_paused = true)]
async fn the_api_needs_the_token() {
    let s = server().await;
    let no_token = Request::get("/api/containers")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let reply = s.send(no_token).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    let wrong = Request::get("/api/containers")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, "Bearer not-the-token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(s.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let basic = Request::get("/api/containers")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Basic {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(s.send(basic).await.status, StatusCode::UNAUTHORIZED);
    let unauthorized_action = Request::post("/api/containers/web/stop")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        s.send(unauthorized_action).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
}

#[tokio::test(start_paused = true)]
async fn the_token_in_the_query_works_on_the_event_stream_only() {
    let s = server().await;
    let in_query = |uri: &str| {
        Request::get(uri)
            .header(header::HOST, HOST)
            .body(Body::empty())
            .unwrap()
    };
    let reply = s
        .send(in_query(&format!("/api/containers?token={TOKEN}")))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = s
        .send(in_query(&format!("/api/engine?token={TOKEN}")))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = s.send(in_query("/api/events?token=wrong")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let response = s
        .app
        .clone()
        .oneshot(in_query(&format!("/api/events?token={TOKEN}")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut feed = SseReader::new(response.into_body());
    assert_eq!(feed.next_message().await.event, "snapshot");
}

#[tokio::test(start_paused = true)]
async fn a_foreign_host_is_refused() {
    let s = server().await;
    for host in [
        "evil.example",
        "evil.example:7800",
        "localhost.evil.example",
    ] {
        let req = Request::get("/api/containers")
            .header(header::HOST, host)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(s.send(req).await.status, StatusCode::FORBIDDEN, "{host}");
        let page = Request::get("/")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(s.send(page).await.status, StatusCode::FORBIDDEN, "{host}");
    }
    for host in ["127.0.0.1:7800", "[::1]:7800", "localhost"] {
        let req = Request::get("/api/containers")
            .header(header::HOST, host)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(s.send(req).await.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test(start_paused = true)]
async fn cross_origin_changes_are_refused() {
    let s = server().await;
    let from = |origin: &str| {
        request(Method::POST, "/api/containers/web/stop")
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    for origin in ["http://evil.example", "http://localhost:9999", "null"] {
        let reply = s.send(from(origin)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin}");
    }
    let cross_site = request(Method::DELETE, "/api/containers/batch")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(s.send(cross_site).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
    assert_eq!(s.list("?all=1").await.len(), 10);
    // The app's own origin may.
    let reply = s.send(from("http://localhost:7800")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test(start_paused = true)]
async fn read_only_refuses_every_action_but_serves_reads_and_waits() {
    let s = server_with(Options {
        read_only: true,
        ..DEFAULTS
    })
    .await;
    for req in [
        post("/api/containers/web/stop"),
        post("/api/containers/web/start"),
        post("/api/containers/web/restart"),
        post("/api/containers/web/pause"),
        post("/api/containers/cache/unpause"),
        post("/api/containers/web/kill"),
        post("/api/containers/web/rename?name=x"),
        delete("/api/containers/batch?force=1"),
    ] {
        let uri = req.uri().to_string();
        let reply = s.send(req).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(reply.message(), "berth is read-only", "{uri}");
    }
    assert_eq!(s.list("?all=1").await.len(), 10);
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
    let reply = s.send(post("/api/containers/batch/wait")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(s.send(get("/api/engine")).await.json()["read_only"], true);
}

#[tokio::test(start_paused = true)]
async fn an_engine_that_cannot_change_refuses_every_action() {
    let s = server_on(Arc::new(Flaky::refusing_changes()), DEFAULTS).await;
    for req in [
        post("/api/containers/web/stop"),
        post("/api/containers/web/rename?name=x"),
        delete("/api/containers/batch?force=1"),
    ] {
        let uri = req.uri().to_string();
        let reply = s.send(req).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(
            reply.message(),
            "berth is read-only: the dir engine cannot change containers",
            "{uri}"
        );
    }
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
    let engine = s.send(get("/api/engine")).await.json();
    assert_eq!(engine["engine"], "dir");
    assert_eq!(engine["read_only"], true);
}

#[tokio::test(start_paused = true)]
async fn every_response_carries_the_security_headers() {
    let s = server().await;
    for reply in [
        s.send(get("/api/containers")).await,
        s.send(get("/")).await,
        s.send(Request::get("/").body(Body::empty()).unwrap()).await,
    ] {
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
        assert_eq!(reply.header("referrer-policy"), "no-referrer");
        let csp = reply.header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ] {
            assert!(csp.contains(directive), "{csp}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET /api/events

struct Message {
    event: String,
    id: Option<String>,
    data: Value,
}

struct SseReader {
    body: Body,
    buffer: String,
    /// Messages read so far: a test that waits for something that never comes fails at
    /// [`MESSAGE_BUDGET`] instead of looping for ever on the simulation's endless events.
    read: usize,
    /// How many messages it may read before the test is taken to wait in vain.
    budget: usize,
}

const MESSAGE_BUDGET: usize = 500;

impl SseReader {
    fn new(body: Body) -> SseReader {
        SseReader {
            body,
            buffer: String::new(),
            read: 0,
            budget: MESSAGE_BUDGET,
        }
    }

    /// The next message with an event name (keep-alive comments are skipped).
    async fn next_message(&mut self) -> Message {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::new();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if event.is_empty() {
                    continue;
                }
                let data = serde_json::from_str(&data).unwrap_or(Value::Null);
                self.read += 1;
                assert!(
                    self.read <= self.budget,
                    "{MESSAGE_BUDGET} messages without what the test waits for"
                );
                return Message { event, id, data };
            }
            let frame = tokio::time::timeout(Duration::from_secs(600), self.body.frame())
                .await
                .expect("an SSE message within 10 virtual minutes")
                .expect("the stream goes on")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// The next message named `event`.
    async fn next_named(&mut self, event: &str) -> Message {
        loop {
            let m = self.next_message().await;
            if m.event == event {
                return m;
            }
        }
    }
}

async fn open_events(s: &Server, last_event_id: Option<&str>) -> SseReader {
    // Browsers always accept compression; an event stream must not be compressed (a
    // compressor would hold messages back).
    let mut req = request(Method::GET, "/api/events").header(header::ACCEPT_ENCODING, "gzip, br");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let response = s
        .app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    SseReader::new(response.into_body())
}

#[tokio::test(start_paused = true)]
async fn the_first_event_is_a_snapshot_of_every_container() {
    let s = server().await;
    let mut feed = open_events(&s, None).await;
    let first = feed.next_message().await;
    assert_eq!(first.event, "snapshot");
    let revision = first.data["revision"].as_u64().unwrap_or_default();
    assert_eq!(first.id, Some(revision.to_string()));
    let containers = first.data["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(containers.len(), 10);
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["Name"].as_str())
        .collect();
    assert_eq!(names.first(), Some(&"/crashy"), "newest first");
    let api = containers
        .iter()
        .find(|c| c["Name"] == "/api")
        .cloned()
        .unwrap_or_default();
    assert_eq!(api["State"]["Health"]["Status"], "healthy");
    assert!(api["State"]["StartedAt"].is_string());
    let engine = feed.next_message().await;
    assert_eq!(engine.event, "engine");
    assert_eq!(engine.id, None);
    assert_eq!(engine.data["connected"], true);
}

#[tokio::test(start_paused = true)]
async fn changes_arrive_with_increasing_ids() {
    let s = server().await;
    let mut feed = open_events(&s, None).await;
    let snapshot = feed.next_named("snapshot").await;
    let mut last = snapshot.data["revision"].as_u64().unwrap_or_default();
    let id = s.id_of("web").await;
    let reply = s.send(post("/api/containers/web/stop")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    loop {
        let change = feed.next_named("change").await;
        let revision = change.data["revision"].as_u64().unwrap_or_default();
        assert_eq!(change.id, Some(revision.to_string()));
        assert!(revision > last, "{revision} after {last}");
        last = revision;
        if change.data["id"] == id.as_str()
            && change.data["container"]["State"]["Status"] == "exited"
        {
            assert_eq!(change.data["container"]["State"]["ExitCode"], 143);
            break;
        }
    }
    let reply = s.send(delete("/api/containers/web")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    loop {
        let change = feed.next_named("change").await;
        let revision = change.data["revision"].as_u64().unwrap_or_default();
        assert!(revision > last);
        last = revision;
        if change.data["id"] == id.as_str() && change.data["container"].is_null() {
            break;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_crash_loop_keeps_the_feed_lively() {
    let s = server().await;
    let crashy = s.id_of("crashy").await;
    let mut feed = open_events(&s, None).await;
    feed.next_named("snapshot").await;
    // With no request at all, the simulation goes on: crashy restarts and finally gives up.
    loop {
        let change = feed.next_named("change").await;
        if change.data["id"] == crashy.as_str()
            && change.data["container"]["State"]["Status"] == "exited"
        {
            assert_eq!(change.data["container"]["State"]["ExitCode"], 1);
            break;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn last_event_id_resumes_without_loss() {
    let s = server().await;
    let mut feed = open_events(&s, None).await;
    let snapshot = feed.next_named("snapshot").await;
    let from = snapshot.data["revision"].as_u64().unwrap_or_default();
    // A client that stays, to compare with.
    let mut stayed = open_events(&s, Some(&from.to_string())).await;
    drop(feed);

    // While the client is away: web stops.
    assert_eq!(
        s.send(post("/api/containers/web/stop")).await.status,
        StatusCode::NO_CONTENT
    );
    let now = s.mirror.revision();
    assert!(now > from);

    // Changes and transitions are entries of one feed, each with its own revision, in order.
    async fn entries(reader: &mut SseReader, until: u64) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut last = 0;
        while last < until {
            let next = reader.next_message().await;
            if next.event != "change" && next.event != "transition" {
                continue;
            }
            let revision = next.data["revision"].as_u64().unwrap_or_default();
            assert!(revision > last, "in order");
            assert_eq!(next.id, Some(revision.to_string()));
            last = revision;
            out.push((next.event, revision));
        }
        out
    }
    let seen = entries(&mut stayed, now).await;
    assert!(!seen.is_empty());
    let mut resumed = open_events(&s, Some(&from.to_string())).await;
    assert_eq!(
        entries(&mut resumed, now).await,
        seen,
        "a resume gets every entry a client that stayed got"
    );

    // `?since=` does the same.
    let req = request(Method::GET, &format!("/api/events?since={from}"))
        .body(Body::empty())
        .unwrap();
    let response = s.app.clone().oneshot(req).await.unwrap();
    let mut by_query = SseReader::new(response.into_body());
    assert_eq!(entries(&mut by_query, now).await, seen);

    // Too far behind (or from another berth process): a full snapshot.
    let mut stale = open_events(&s, Some("1")).await;
    assert_eq!(stale.next_message().await.event, "snapshot");
    let mut ahead = open_events(&s, Some(&(now + 1000).to_string())).await;
    assert_eq!(ahead.next_message().await.event, "snapshot");
}

#[tokio::test(start_paused = true)]
async fn the_feed_says_when_the_engine_goes_away_and_comes_back() {
    let engine = Arc::new(Flaky::new());
    let s = server_on(engine.clone(), DEFAULTS).await;
    let mut feed = open_events(&s, None).await;
    feed.next_named("snapshot").await;
    assert_eq!(feed.next_named("engine").await.data["connected"], true);

    engine.down.send_replace(true);
    let lost = feed.next_named("engine").await;
    assert_eq!(lost.data["connected"], false);
    assert_eq!(
        lost.data["last_error"],
        "engine unreachable: the event stream ended"
    );
    // Reads still work, from the mirror; an action reports the engine's absence.
    assert_eq!(s.list("?all=1").await.len(), 10);
    let reply = s.send(get("/api/engine")).await;
    assert_eq!(reply.json()["connected"], false);

    // While away, web stops; back, the feed carries it.
    let web = s.id_of("web").await;
    engine
        .inner
        .apply(&berth_core::ops::Op::of_action(
            berth_core::actions::Action::Stop,
            "web",
        ))
        .await
        .unwrap();
    engine.down.send_replace(false);
    // The resync's changes, then the news that the engine is back (in that order: a client
    // that sees "connected" already has what changed meanwhile).
    let mut web_stopped = false;
    for _ in 0..100 {
        let m = feed.next_message().await;
        match m.event.as_str() {
            "change" if m.data["id"] == web.as_str() => {
                assert_eq!(m.data["container"]["State"]["Status"], "exited");
                web_stopped = true;
            }
            "engine" => {
                assert_eq!(m.data["connected"], true);
                assert!(web_stopped, "the resync's changes come first");
                return;
            }
            _ => {}
        }
    }
    panic!("the feed never said the engine was back");
}

// ---------------------------------------------------------------------------------------------
// The web app's files

fn page(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_web_app_is_served_with_its_types_and_caching() {
    let s = server().await;
    let index = s.send(page("/")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.text(), INDEX);
    assert_eq!(index.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(index.header("cache-control"), "no-cache");
    // The CSP admits exactly the page's inline module script.
    let csp = index.header("content-security-policy");
    let script = "import init from '/berth-web-0123456789abcdef.js';await init();";
    let hash =
        berth::http::static_files::inline_script_hashes(&format!("<script>{script}</script>"));
    assert_eq!(hash.len(), 1);
    assert!(
        csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {}", hash[0])),
        "{csp}"
    );
    assert!(csp.contains("style-src 'self'"));

    let wasm = s.send(page("/berth-web-0123456789abcdef_bg.wasm")).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), "application/wasm");
    assert_eq!(
        wasm.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&wasm.body[..], b"\0asm\x01\0\0\0");
    let js = s.send(page("/berth-web-0123456789abcdef.js")).await;
    assert!(
        js.header("content-type").contains("javascript"),
        "{}",
        js.header("content-type")
    );
    let svg = s.send(page("/favicon.svg")).await;
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert_eq!(svg.header("cache-control"), "no-cache");
}

#[tokio::test(start_paused = true)]
async fn unknown_paths_load_the_app_and_api_paths_do_not() {
    let s = server().await;
    for uri in [
        "/containers/web",
        "/containers/abc/logs",
        "/index.html",
        "/lab/unknown",
        "/lab/index.htm",
    ] {
        let reply = s.send(page(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.text(), INDEX, "{uri}");
        assert_eq!(reply.header("cache-control"), "no-cache", "{uri}");
    }
    // The lab is a page of its own, with a CSP for its own inline script.
    let lab_hash = berth::http::static_files::inline_script_hashes(LAB_INDEX)
        .pop()
        .unwrap_or_default();
    for uri in ["/lab", "/lab/", "/lab/index.html"] {
        let reply = s.send(page(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.text(), LAB_INDEX, "{uri}");
        assert_eq!(reply.header("cache-control"), "no-cache", "{uri}");
        assert!(
            reply.header("content-security-policy").contains(&lab_hash),
            "{uri}: {}",
            reply.header("content-security-policy")
        );
    }
    // Nothing outside the web directory is reachable.
    std::fs::write(s.dist.path().join("secret.txt"), "the secret").unwrap();
    for uri in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"] {
        let reply = s.send(page(uri)).await;
        assert!(!reply.text().contains("the secret"), "{uri}");
    }
    let reply = s.send(get("/api/containers/web/logs/more")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.message(), "page not found");
    let reply = s.send(get("/api/containers/web/stop")).await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "no GET changes anything"
    );
    assert_eq!(reply.message(), "method not allowed");
    assert_eq!(s.inspect("web").await["State"]["Status"], "running");
}

#[tokio::test(start_paused = true)]
async fn assets_are_compressed_when_the_client_accepts_it() {
    let s = server().await;
    let req = Request::get("/style-0123456789abcdef.css")
        .header(header::HOST, HOST)
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let reply = s.send(req).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-encoding"), "gzip");
    assert_eq!(reply.header("content-type"), "text/css");
    assert!(reply.body.len() < 9000 / 4, "{} bytes", reply.body.len());
    let req = Request::get("/style-0123456789abcdef.css")
        .header(header::HOST, HOST)
        .header(header::ACCEPT_ENCODING, "br")
        .body(Body::empty())
        .unwrap();
    assert_eq!(s.send(req).await.header("content-encoding"), "br");
}

#[tokio::test(start_paused = true)]
async fn without_a_build_the_page_says_how_to_make_one_and_the_api_works() {
    let s = server_with(Options {
        dist: false,
        ..DEFAULTS
    })
    .await;
    for uri in ["/", "/lab"] {
        let reply = s.send(page(uri)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.header("content-type"), "text/plain; charset=utf-8");
        let text = reply.text();
        assert!(text.contains("the web app is not built"), "{text}");
        assert!(text.contains("cargo xtask run"), "{text}");
        assert!(text.contains("--web"), "{text}");
    }
    assert_eq!(s.list("?all=1").await.len(), 10);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Issue 19, defects 2, 3 and 5: every `/api` answer is JSON in the `{"message"}` shape for an
/// error, the same client mistake gets the same 4xx on every route, and `/api` answers are
/// never stored.
#[tokio::test]
async fn every_api_answer_is_json_and_a_client_mistake_is_a_4xx() {
    let s = server().await;
    let cases: Vec<(Request<Body>, StatusCode)> = vec![
        (get("/api/"), StatusCode::NOT_FOUND),
        (get("/api"), StatusCode::NOT_FOUND),
        (get("/api/nope"), StatusCode::NOT_FOUND),
        (post("/api/"), StatusCode::NOT_FOUND),
        (post("/api/engine"), StatusCode::METHOD_NOT_ALLOWED),
        (get("/api/events?since=1&since=2"), StatusCode::BAD_REQUEST),
        (
            get("/api/containers?filters=%7B%22exited%22%3A%5B%22x%22%5D%7D"),
            StatusCode::BAD_REQUEST,
        ),
        (
            get("/api/containers?filters=%7B%22publish%22%3A%5B%22x%2Fy%2Fz%22%5D%7D"),
            StatusCode::BAD_REQUEST,
        ),
        (
            post("/api/containers/web/kill?signal=NOPE"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (req, want) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let reply = s.send(req).await;
        assert_eq!(reply.status, want, "{what}: {}", reply.text());
        assert!(
            reply.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {}",
            reply.text()
        );
        assert_eq!(
            reply
                .headers
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap_or_default()),
            Some("no-store"),
            "{what}"
        );
    }
    // An ID prefix that several containers share: the same 400 for a read, an operation and a
    // removal.
    let ids: Vec<String> = s
        .list("?all=1")
        .await
        .iter()
        .map(|c| c["Id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let shared = (0..16u32)
        .filter_map(|d| char::from_digit(d, 16))
        .find(|c| ids.iter().filter(|id| id.starts_with(*c)).count() > 1)
        .expect("two of the demo's IDs share a first digit");
    for req in [
        get(&format!("/api/containers/{shared}")),
        post(&format!("/api/containers/{shared}/pause")),
        delete(&format!("/api/containers/{shared}")),
    ] {
        let what = format!("{} {}", req.method(), req.uri());
        let reply = s.send(req).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.text()
        );
        assert!(
            reply.message().contains("multiple IDs found"),
            "{what}: {}",
            reply.text()
        );
    }
    // The event stream too (its headers only: the stream never ends).
    let events = s.app.clone().oneshot(get("/api/events")).await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(
        events
            .headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap_or_default()),
        Some("no-store")
    );
}

/// Issue 19, defect 4: an ambiguous Host is refused, not read by its first copy.
#[tokio::test]
async fn ambiguous_hosts_and_origins_are_refused() {
    let s = server().await;
    let two_hosts = Request::builder()
        .uri("/api/containers")
        .header(header::HOST, HOST)
        .header(header::HOST, "evil.example")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let reply = s.send(two_hosts).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(
        reply.message().contains("more than one Host"),
        "{}",
        reply.text()
    );

    // An absolute-form request line naming another authority than the Host header.
    let foreign = Request::builder()
        .uri("http://evil.example/api/containers")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let reply = s.send(foreign).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    // The same form naming berth itself is served.
    let own = Request::builder()
        .uri(format!("http://{HOST}/api/engine"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(s.send(own).await.status, StatusCode::OK);

    // A change with an https Origin on berth's plain-HTTP loopback listener, or with two
    // Origins, is cross-origin.
    for origins in [
        vec![format!("https://{HOST}")],
        vec![format!("http://{HOST}"), "http://evil.example".to_owned()],
    ] {
        let mut req = request(Method::POST, "/api/containers/web/pause");
        for o in &origins {
            req = req.header(header::ORIGIN, o.as_str());
        }
        let reply = s.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{origins:?}: {}",
            reply.text()
        );
    }
}

/// The fuzzer's randomness: the core's seeded generator, so a run is the same on every machine.
struct Seeded(Rng);

impl Seeded {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    /// Bytes a client might send: printable, percent-escapes, controls, non-ASCII.
    fn junk(&mut self, max: usize) -> String {
        let len = self.below(max + 1);
        (0..len)
            .map(|_| match self.below(6) {
                0 => format!("%{:02X}", self.below(256)),
                1 => self
                    .pick(&["%", "%G", "/", "..", "?", "&", "=", "#", " ", "+"])
                    .to_owned(),
                2 => self
                    .pick(&["é", "\u{202e}", "\u{0}", "\t", "ü🚢"])
                    .to_owned(),
                _ => char::from(b'!' + u8::try_from(self.below(94)).unwrap_or(0)).to_string(),
            })
            .collect()
    }
}

const FUZZ_PATHS: &[&str] = &[
    "/api",
    "/api/",
    "/api/containers",
    "/api/containers/",
    "/api/containers/{ref}",
    "/api/containers/{ref}/",
    "/api/containers/{ref}/{op}",
    "/api/containers/{ref}/{op}/{junk}",
    "/api/engine",
    "/api/events",
    "/api/{junk}",
    "/api//containers",
    "/api/containers/../engine",
    "/",
    "/index.html",
    "/{junk}",
];
const FUZZ_REFS: &[&str] = &[
    "web", "db", "cache", "crashy", "nope", "a", "0", "", "%00", "%2F", "..", "web%20x",
];
const FUZZ_OPS: &[&str] = &[
    "start", "stop", "restart", "pause", "unpause", "kill", "rename", "wait", "update", "exec", "",
    "START",
];
const FUZZ_KEYS: &[&str] = &[
    "all",
    "limit",
    "filters",
    "t",
    "signal",
    "force",
    "name",
    "condition",
    "since",
    "token",
    "size",
    "restart",
    "",
];
const FUZZ_VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "true",
    "yes",
    "",
    "99999999999999999999999",
    "1e9",
    "NaN",
    "SIGKILL",
    "NOPE",
    "not-running",
    "next-exit",
    "removed",
    "new_name",
    "%7B%22status%22%3A%5B%22running%22%5D%7D",
    "%7B%22status%22%3A%5B%22nope%22%5D%7D",
    "%7B%22exited%22%3A%5B%22x%22%5D%7D",
    "%7B%22publish%22%3A%5B%221%2F2%2F3%22%5D%7D",
    "%7B%22label%22%3A%7B%22a%22%3Atrue%7D%7D",
    "%7B%22name%22%3A%5B%22%5B%22%5D%7D",
    "%7B",
    "%5B%5D",
    "null",
];
const FUZZ_METHODS: &[&str] = &[
    "GET", "GET", "POST", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW",
];

/// One request of the fuzzer: `None` when the `http` crate refuses to build it (hyper would
/// answer such bytes 400 before berth sees them; `adapter/tests/listener.rs` covers that).
fn fuzz_request(rng: &mut Seeded) -> Option<Request<Body>> {
    let mut path = rng.pick(FUZZ_PATHS).to_owned();
    while let Some(at) = path.find("{ref}") {
        let reference = if rng.chance(20) {
            rng.junk(12)
        } else {
            rng.pick(FUZZ_REFS).to_owned()
        };
        path.replace_range(at..at + 5, &reference);
    }
    path = path.replace("{op}", rng.pick(FUZZ_OPS));
    let junk = rng.junk(24);
    path = path.replace("{junk}", &junk);
    if rng.chance(70) {
        let pairs: Vec<String> = (0..rng.below(4))
            .map(|_| {
                let value = if rng.chance(20) {
                    rng.junk(16)
                } else {
                    rng.pick(FUZZ_VALUES).to_owned()
                };
                format!("{}={value}", rng.pick(FUZZ_KEYS))
            })
            .collect();
        path = format!("{path}?{}", pairs.join("&"));
    }
    let method = Method::from_bytes(rng.pick(FUZZ_METHODS).as_bytes()).ok()?;
    let mut req = Request::builder().method(method).uri(path);
    req = match rng.below(40) {
        0 => req,
        1 => req.header(header::HOST, "evil.example"),
        2 => req.header(header::HOST, HOST).header(header::HOST, "[::1]"),
        3 => req.header(header::HOST, rng.junk(10)),
        _ => req.header(header::HOST, HOST),
    };
    req = match rng.below(40) {
        0 => req,
        1 => req.header(header::AUTHORIZATION, "Bearer wrong"),
        2 => req.header(header::AUTHORIZATION, rng.junk(20)),
        _ => req.header(header::AUTHORIZATION, format!("Bearer {TOKEN}")),
    };
    if rng.chance(10) {
        let origin = rng.pick(&[
            "http://localhost:7800",
            "https://localhost:7800",
            "http://evil.example",
            "null",
            "",
        ]);
        req = req.header(header::ORIGIN, origin);
    }
    if rng.chance(10) {
        req = req.header("last-event-id", rng.junk(12));
    }
    if rng.chance(10) {
        req = req.header(
            header::ACCEPT_ENCODING,
            rng.pick(&["gzip", "br", "x, y;q=", ""]),
        );
    }
    let body = match rng.below(5) {
        0 => Body::from(rng.junk(64)),
        1 => Body::from("{\"Name\": 5}"),
        _ => Body::empty(),
    };
    req.body(body).ok()
}

/// Issue 19: ten thousand seeded malformed requests against the app in-process. None panics,
/// none is a 5xx (each is a client's mistake or a valid call), every response carries the
/// security headers, and every `/api` answer is JSON (an error in the `{"message"}` shape).
#[tokio::test(start_paused = true)]
async fn a_seeded_fuzzer_finds_no_5xx_no_panic_and_no_answer_outside_the_api_shape() {
    let s = server().await;
    let seed = std::env::var("BERTH_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(19_u64);
    let mut rng = Seeded(Rng::new(seed));
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let tries = 10_000;
    for _ in 0..tries {
        let Some(req) = fuzz_request(&mut rng) else {
            continue;
        };
        let what = format!("{} {}", req.method(), req.uri());
        let is_api = berth::http::security::is_api_path(req.uri().path());
        let is_events = req.uri().path() == "/api/events";
        // A wait may long-poll a container that never stops: the paused clock runs it out.
        let Ok(response) =
            tokio::time::timeout(Duration::from_secs(60), s.app.clone().oneshot(req)).await
        else {
            continue;
        };
        let response = response.unwrap();
        sent += 1;
        let status = response.status();
        *statuses.entry(status.as_u16()).or_default() += 1;
        let headers = response.headers().clone();
        if status.is_server_error() {
            let body = response.into_body().collect().await.unwrap().to_bytes();
            // The engine's own answer, passed through as berth passes every engine refusal of an
            // action: Engine 20.10 answers an unpause of a container that is not paused with 500.
            let engines_own = what.contains("/unpause")
                && String::from_utf8_lossy(&body).contains(" is not paused\",");
            if engines_own {
                continue;
            }
            panic!(
                "seed {seed}: {what} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
        ] {
            assert!(headers.contains_key(name), "seed {seed}: {what}: no {name}");
        }
        if !is_api || (is_events && status == StatusCode::OK) {
            continue;
        }
        assert_eq!(
            headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "seed {seed}: {what}"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        if body.is_empty() {
            // 204 and 304: no body at all.
            assert!(
                matches!(status.as_u16(), 204 | 304) || what.starts_with("HEAD "),
                "seed {seed}: {what}: {status} with an empty body"
            );
            continue;
        }
        assert!(
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("application/json")),
            "seed {seed}: {what}: {status} {headers:?}"
        );
        if headers.contains_key(header::CONTENT_ENCODING) {
            // Compressed for a client that asked: its type is checked above.
            continue;
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "seed {seed}: {what}: {status}, not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        if !status.is_success() {
            assert!(
                json["message"].as_str().is_some_and(|m| !m.is_empty()),
                "seed {seed}: {what}: {status} {json}"
            );
            let kind: berth_core::errdefs::ErrorKind = serde_json::from_value(json["kind"].clone())
                .unwrap_or_else(|e| panic!("seed {seed}: {what}: {status} {json}: {e}"));
            // The kind's status, or the engine's own that berth passed through.
            assert!(
                kind.http_status() == status.as_u16()
                    || kind == berth_core::errdefs::ErrorKind::System,
                "seed {seed}: {what}: {status} names {kind:?}"
            );
        }
    }
    println!("fuzzer (seed {seed}): {sent} requests, statuses {statuses:?}");
    assert!(sent > tries / 2, "most requests are buildable: {sent}");
}

/// Issue 20: three virtual minutes of 10,000 events a minute from the simulated engine, with
/// three clients on the event stream: memory stays flat (the mirror's ring, the sim's history
/// and each client's place are bounded) and every client ends at the mirror's revision.
#[tokio::test(start_paused = true)]
async fn a_sustained_flood_of_events_keeps_memory_flat_and_every_client_converges() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let s = server().await;
    let engine = s.mirror.engine().clone();
    let mut readers = Vec::new();
    let mut positions = Vec::new();
    for _ in 0..3 {
        let mut feed = open_events(&s, None).await;
        feed.budget = usize::MAX;
        let at = Arc::new(AtomicU64::new(0));
        positions.push(at.clone());
        readers.push(tokio::spawn(async move {
            loop {
                let m = feed.next_message().await;
                if let Some(r) = m.id.and_then(|id| id.parse::<u64>().ok()) {
                    at.store(r, Ordering::SeqCst);
                }
            }
        }));
    }
    let mut rss = vec![common::rss_kib()];
    let mut events = 0;
    for _minute in 0..3 {
        // 5,000 pauses and 5,000 unpauses, 6 ms apart: 10,000 events a virtual minute.
        for _ in 0..5_000 {
            for op in [Action::Pause, Action::Unpause] {
                engine.apply(&Op::of_action(op, "web")).await.unwrap();
                events += 1;
                tokio::time::sleep(Duration::from_millis(6)).await;
            }
        }
        rss.push(common::rss_kib());
    }
    let target = s.mirror.revision();
    let converged = async {
        while positions.iter().any(|p| p.load(Ordering::SeqCst) != target) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), converged)
        .await
        .unwrap_or_else(|_| {
            let at: Vec<u64> = positions.iter().map(|p| p.load(Ordering::SeqCst)).collect();
            panic!("the clients stopped at {at:?}, the mirror is at {target}")
        });
    for r in readers {
        r.abort();
    }
    println!("{events} events in 3 virtual minutes; RSS (KiB) at the start and after each minute: {rss:?}");
    if let (Some(Some(first)), Some(Some(last))) = (rss.get(1), rss.last()) {
        // Past the first minute (the ring and the history are full), flat.
        assert!(
            last.saturating_sub(*first) < 8 * 1024,
            "RSS grew from {first} to {last} KiB"
        );
    }
}

/// The top-level fields of a recorded message in `testdata/wire/`.
fn recorded_fields(name: &str) -> Vec<String> {
    let path = format!(
        "{}/../testdata/wire/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    fields(&doc)
}

fn fields(doc: &Value) -> Vec<String> {
    let mut keys: Vec<String> = doc
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// What berth writes has exactly the fields of the messages recorded in `testdata/wire/`, which
/// `web/tests/store.rs` reads as the web app does: a change to one side that the other does not
/// follow fails one of the two tests.
#[tokio::test(start_paused = true)]
async fn berth_writes_the_recorded_wire_messages() {
    let s = server().await;
    let mut feed = open_events(&s, None).await;
    let snapshot = feed.next_named("snapshot").await;
    assert_eq!(fields(&snapshot.data), recorded_fields("snapshot"));
    let engine = feed.next_named("engine").await;
    assert_eq!(fields(&engine.data), recorded_fields("engine"));
    let reply = s.send(get("/api/engine")).await;
    assert_eq!(fields(&reply.json()), recorded_fields("engine"));
    tokio::time::sleep(Duration::from_millis(10)).await;
    s.send(post("/api/containers/web/pause")).await;
    let change = feed.next_named("change").await;
    assert_eq!(fields(&change.data), recorded_fields("change"));
    let transition = feed.next_named("transition").await;
    assert_eq!(fields(&transition.data), recorded_fields("transition"));
    let wait = s
        .send(post("/api/containers/broken/wait?condition=not-running"))
        .await;
    assert_eq!(fields(&wait.json()), recorded_fields("wait"));
    let error = s.send(get("/api/containers/nope")).await;
    assert_eq!(fields(&error.json()), recorded_fields("error"));
}

/// Every move the mirror sees comes with its cause: as a `transition` message after the
/// `change`, and as the `LastTransition` of the container's document. berth's own operations
/// are berth's; the demo's are another client's.
#[tokio::test(start_paused = true)]
async fn transitions_come_with_their_causes() {
    let s = server().await;
    let web = s.id_of("web").await;
    let mut feed = open_events(&s, None).await;
    let snapshot = feed.next_named("snapshot").await;
    assert!(snapshot.data["transitions"].is_array());
    // Past the list's instant: the events at it are taken for replays of what it shows.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        s.send(post("/api/containers/web/stop?t=1")).await.status,
        StatusCode::NO_CONTENT
    );
    let stopped = loop {
        let m = feed.next_named("transition").await;
        if m.data["transition"]["id"] == web.as_str() {
            break m;
        }
    };
    assert_eq!(stopped.id, Some(stopped.data["revision"].to_string()));
    let t = &stopped.data["transition"];
    assert_eq!(
        (t["from"].as_str(), t["to"].as_str()),
        (Some("running"), Some("exited"))
    );
    assert_eq!(t["cause"]["kind"], "stop", "{t}");
    assert_eq!(t["cause"]["action"], "stop");
    assert_eq!(t["cause"]["signal"], 15);
    assert_eq!(t["cause"]["by"], "berth");
    let doc = s.send(get("/api/containers/web")).await.json();
    assert_eq!(doc["State"]["Status"], "exited");
    assert_eq!(doc["LastTransition"], *t);

    // The demo's crash loop: the policy's restarts, then the operator's start after it gave up.
    let crashy = s.id_of("crashy").await;
    let mut causes = Vec::new();
    while causes.len() < 12 {
        let m = feed.next_named("transition").await;
        let t = &m.data["transition"];
        if t["id"] == crashy.as_str() {
            causes.push(format!(
                "{}→{} {} {}",
                t["from"].as_str().unwrap_or_default(),
                t["to"].as_str().unwrap_or_default(),
                t["cause"]["kind"].as_str().unwrap_or_default(),
                t["cause"]["by"].as_str().unwrap_or_default(),
            ));
        }
    }
    println!("{causes:#?}");
    for c in &causes {
        assert!(!c.contains("unknown"), "{causes:#?}");
    }
    assert!(causes.iter().any(|c| c == "running→restarting exit "));
    assert!(causes.iter().any(|c| c == "restarting→running policy "));
    assert!(
        causes.iter().any(|c| c == "exited→running op other"),
        "{causes:#?}"
    );
}
