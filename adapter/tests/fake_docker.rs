//! berth's Docker engine against a fake Docker daemon on a unix socket that misbehaves:
//! a hung daemon, an HTML error page, truncated and wrongly typed inspect documents, a document
//! of 50 MB, garbage on the event stream. For each: no panic, a clear error, and a bad document
//! fails its container alone.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use berth::engine::docker::{DockerEngine, MAX_DOCUMENT_BYTES};
use berth::engine::{Engine, EngineError};
use futures_util::StreamExt;

const GOOD: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BAD: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// How the fake daemon misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Answers everything well.
    Good,
    /// Never answers `/version` or `/_ping`.
    Hung,
    /// `BAD`'s inspect has `"State": 5`.
    WrongType,
    /// `BAD`'s inspect is cut off halfway.
    Truncated,
    /// `BAD`'s inspect has a time the parser refuses.
    BadTime,
    /// `BAD`'s inspect is 50 MB.
    Huge,
    /// The list and `BAD`'s inspect are an HTML error page.
    HtmlError,
    /// The event stream sends lines that are no JSON.
    GarbageEvents,
}

type Shared = Arc<Mutex<Mode>>;

fn mode(s: &Shared) -> Mode {
    *s.lock().unwrap()
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn html_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html")],
        "<!DOCTYPE html>\n<html><body>502 Bad Gateway (nginx)</body></html>",
    )
        .into_response()
}

async fn hang_if(s: &Shared) {
    if mode(s) == Mode::Hung {
        std::future::pending::<()>().await;
    }
}

async fn ping(State(s): State<Shared>) -> Response {
    hang_if(&s).await;
    "OK".into_response()
}

async fn version(State(s): State<Shared>) -> Response {
    hang_if(&s).await;
    json(
        r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","Platform":{"Name":"fake dockerd"}}"#
            .to_owned(),
    )
}

async fn list(State(s): State<Shared>) -> Response {
    if mode(&s) == Mode::HtmlError {
        return html_error();
    }
    json(format!(r#"[{{"Id":"{GOOD}"}},{{"Id":"{BAD}"}}]"#))
}

/// A recorded Engine 20.10 inspect document with the ID `id`.
fn document(id: &str) -> String {
    let path = format!(
        "{}/../testdata/engine/inspect/web.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["Id"] = id.into();
    doc["Name"] = format!("/c{}", &id[..4]).into();
    doc.to_string()
}

async fn inspect(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let good = document(&id);
    if id != BAD {
        return json(good);
    }
    match mode(&s) {
        Mode::WrongType => {
            let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
            doc["State"] = 5.into();
            json(doc.to_string())
        }
        Mode::Truncated => json(good[..good.len() / 2].to_owned()),
        Mode::BadTime => json(good.replace("\"Created\":\"", "\"Created\":\"yesterday ")),
        Mode::Huge => {
            let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
            doc["Config"]["Labels"]["pad"] = "x".repeat(50 * 1024 * 1024).into();
            // Streamed without a length, as the engine writes large answers.
            let body = doc.to_string().into_bytes();
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
        Mode::HtmlError => html_error(),
        _ => json(good),
    }
}

async fn events(State(s): State<Shared>) -> Response {
    if mode(&s) == Mode::GarbageEvents {
        return "this is not an event\n{\"Type\":\n".into_response();
    }
    let stream = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    Response::new(Body::from_stream(stream))
}

struct Fake {
    mode: Shared,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Fake {
    async fn start() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let mode: Shared = Arc::new(Mutex::new(Mode::Good));
        let app = Router::new()
            .route("/_ping", get(ping))
            .route("/version", get(version))
            .route("/v1.41/version", get(version))
            .route("/v1.41/_ping", get(ping))
            .route("/v1.41/containers/json", get(list))
            .route("/v1.41/containers/{id}/json", get(inspect))
            .route("/v1.41/events", get(events))
            .route("/events", get(events))
            .with_state(mode.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake {
            mode,
            socket,
            _dir: dir,
        }
    }

    fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }

    fn engine(&self) -> DockerEngine {
        DockerEngine::new(&format!("unix://{}", self.socket.display())).unwrap()
    }
}

#[tokio::test]
async fn a_good_daemon_is_read_whole() {
    let fake = Fake::start().await;
    let engine = fake.engine();
    assert_eq!(engine.version().await.unwrap().name, "fake dockerd");
    engine.ping().await.unwrap();
    let listing = engine.list().await.unwrap();
    assert_eq!(listing.containers.len(), 2);
    assert!(listing.unreadable.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_hung_daemon_is_named_within_seconds() {
    let fake = Fake::start().await;
    fake.set(Mode::Hung);
    let engine = fake.engine();
    let started = tokio::time::Instant::now();
    let e = engine.version().await.unwrap_err();
    assert!(matches!(e, EngineError::Connection(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "engine unreachable: not answering: /version took longer than 5 s"
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    let e = engine.ping().await.unwrap_err();
    assert!(e.to_string().contains("not answering"), "{e}");
}

#[tokio::test]
async fn a_document_berth_cannot_read_fails_its_container_alone() {
    let fake = Fake::start().await;
    let engine = fake.engine();
    for (m, reason) in [
        (
            Mode::WrongType,
            "unreadable inspect document from the Docker engine: invalid type: integer `5`",
        ),
        (
            Mode::Truncated,
            "unreadable inspect document from the Docker engine: EOF while parsing",
        ),
        (
            Mode::BadTime,
            "unreadable inspect document from the Docker engine: ",
        ),
        (
            Mode::Huge,
            "the engine's answer to /v1.41/containers/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/json is larger than berth reads (4 MiB)",
        ),
        (
            Mode::HtmlError,
            "the engine answered HTTP 500: <!DOCTYPE html>",
        ),
    ] {
        fake.set(if m == Mode::HtmlError { Mode::Good } else { m });
        if m == Mode::HtmlError {
            // An error page for one inspect only.
            fake.set(Mode::HtmlError);
            let e = engine.inspect(BAD).await.map(|c| c.id).unwrap_err();
            assert!(e.to_string().starts_with(reason), "{m:?}: {e}");
            continue;
        }
        let listing = engine.list().await.unwrap();
        let ids: Vec<&str> = listing.containers.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [GOOD], "{m:?}");
        let why = listing.unreadable.get(BAD).cloned().unwrap_or_default();
        assert!(why.starts_with(reason), "{m:?}: {why}");
        let e = engine.inspect(BAD).await.map(|c| c.id).unwrap_err();
        assert_eq!(e.to_string(), why, "{m:?}");
    }
    assert_eq!(MAX_DOCUMENT_BYTES, 4 * 1024 * 1024);
}

#[tokio::test]
async fn an_html_error_page_for_the_list_is_a_clear_error() {
    let fake = Fake::start().await;
    fake.set(Mode::HtmlError);
    let e = fake
        .engine()
        .list()
        .await
        .map(|l| l.containers.len())
        .unwrap_err();
    assert_eq!(e.status(), 500);
    assert_eq!(
        e.to_string(),
        "the engine answered HTTP 500: <!DOCTYPE html>"
    );
}

#[tokio::test]
async fn garbage_on_the_event_stream_is_an_error_not_a_panic() {
    let fake = Fake::start().await;
    fake.set(Mode::GarbageEvents);
    let mut events = fake.engine().events(None).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("an answer");
    match first {
        Some(Err(e)) => {
            println!("garbage events: {e}");
            assert!(!e.to_string().is_empty(), "{e:?}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
