//! The Engine API served for the simulated engine (`adapter/src/engine_api/`), request by
//! request: the version prefix and its refusals, the engine's headers, the error shapes, the
//! 501 for what is not simulated, the wait's head before its body, and the addresses it takes.
//! The real `docker` CLI against it, side by side with dockerd: `tests/tests/engine_api_cli.rs`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, Response, StatusCode};
use axum::Router;
use berth::engine::sim::SimEngine;
use berth::engine_api::{app, EngineApiAddr};
use berth_core::sim::Sim;
use berth_core::time::Time;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn engine() -> (Router, Arc<SimEngine>) {
    let start = Time::parse("2026-01-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    let sim = Arc::new(SimEngine::new(Sim::new(start, 7), 1.0));
    (app(sim.clone()), sim)
}

/// Sends a request; answers its head (the body may still be coming).
async fn send(app: &Router, method: Method, uri: &str, body: &str) -> Response<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap_or_else(|e| panic!("{e}"));
    app.clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {})
}

/// Sends a request; answers its status, its body as JSON (or as a string) and its headers.
async fn call(app: &Router, method: Method, uri: &str, body: &str) -> (StatusCode, Value, String) {
    let response = send(app, method, uri, body).await;
    let status = response.status();
    let headers = format!("{:?}", response.headers());
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value, headers)
}

#[tokio::test]
async fn ping_answers_with_the_engines_headers_with_and_without_a_version() {
    let (app, _) = engine();
    for uri in ["/_ping", "/v1.41/_ping", "/v1.24/_ping"] {
        let (status, body, headers) = call(&app, Method::GET, uri, "").await;
        assert_eq!((status, body), (StatusCode::OK, Value::from("OK")), "{uri}");
        for header in [
            "\"api-version\": \"1.41\"",
            "\"ostype\": \"linux\"",
            "\"docker-experimental\": \"false\"",
            "\"cache-control\": \"no-cache, no-store, must-revalidate\"",
        ] {
            assert!(headers.contains(header), "{uri}: {header} not in {headers}");
        }
    }
    let (status, body, _) = call(&app, Method::HEAD, "/_ping", "").await;
    assert_eq!((status, body), (StatusCode::OK, Value::from("")));
}

#[tokio::test]
async fn versions_out_of_range_are_refused_as_engine_20_10_refuses_them() {
    let (app, _) = engine();
    let (status, body, _) = call(&app, Method::GET, "/v1.99/version", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "client version 1.99 is too new. Maximum supported API version is 1.41"
    );
    let (status, body, headers) = call(&app, Method::GET, "/v1.5/version", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        Value::from(
            "client version 1.5 is too old. Minimum supported API version is 1.12, please \
             upgrade your client to a newer version\n"
        )
    );
    assert!(headers.contains("text/plain"), "{headers}");
    let (status, body, _) = call(&app, Method::GET, "/v1.41/version", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["ApiVersion"].as_str(), body["MinAPIVersion"].as_str()),
        (Some("1.41"), Some("1.12"))
    );
}

#[tokio::test]
async fn errors_are_the_engines_json_messages() {
    let (app, _) = engine();
    let cases = [
        (
            Method::GET,
            "/containers/nope/json",
            "",
            404,
            "No such container: nope",
        ),
        (
            Method::POST,
            "/containers/nope/start",
            "",
            404,
            "No such container: nope",
        ),
        (
            Method::DELETE,
            "/v1.41/containers/nope",
            "",
            404,
            "No such container: nope",
        ),
        (Method::GET, "/nothing/here", "", 404, "page not found"),
        (
            Method::POST,
            "/containers/x/frobnicate",
            "",
            501,
            "berth's simulated engine does not serve POST /containers/x/frobnicate",
        ),
        (
            Method::GET,
            "/v1.41/networks",
            "",
            501,
            "berth's simulated engine does not serve GET /networks: it is not simulated",
        ),
        (
            Method::GET,
            "/containers/x/top",
            "",
            501,
            "berth's simulated engine does not serve GET /containers/x/top",
        ),
        (
            Method::GET,
            "/containers/x/logs",
            "",
            400,
            "Bad parameters: you must choose at least one stream",
        ),
        (
            Method::GET,
            "/containers/x/logs?stdout=1",
            "",
            404,
            "No such container: x",
        ),
        (
            Method::POST,
            "/containers/x/attach?stdin=1",
            "",
            501,
            "berth's simulated engine does not simulate stdin",
        ),
        (Method::POST, "/containers/create", "{", 400, ""),
        (
            Method::POST,
            "/containers/create",
            r#"{"Image":"x","OpenStdin":true}"#,
            501,
            "berth's simulated engine does not simulate stdin (docker run -i)",
        ),
        (
            Method::GET,
            "/containers/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D",
            "",
            400,
            "invalid filter 'colour'",
        ),
        (
            Method::GET,
            "/containers/json?limit=x",
            "",
            400,
            "invalid value for limit",
        ),
        // What `docker inspect nope` asks after the container: every answer a "not found",
        // as the engine's, so the CLI says "No such object: nope".
        (
            Method::GET,
            "/images/nope/json",
            "",
            404,
            "no such image: nope: No such image: nope:latest",
        ),
        (
            Method::GET,
            "/networks/nope",
            "",
            404,
            "network nope not found",
        ),
        (
            Method::GET,
            "/volumes/nope",
            "",
            404,
            "get nope: no such volume",
        ),
        (
            Method::GET,
            "/plugins/nope/json",
            "",
            404,
            "plugin \"nope\" not found",
        ),
        (
            Method::GET,
            "/v1.41/nodes/nope",
            "",
            503,
            "This node is not a swarm manager.",
        ),
        (
            Method::GET,
            "/networks/none",
            "",
            501,
            "berth's simulated engine does not serve GET /networks/none",
        ),
    ];
    for (method, uri, body, want_status, want_message) in cases {
        let (status, got, _) = call(&app, method.clone(), uri, body).await;
        assert_eq!(status.as_u16(), want_status, "{method} {uri}: {got}");
        let message = got["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{uri}: no message in {got}"));
        assert!(
            message.starts_with(want_message),
            "{method} {uri}: {message}"
        );
    }
}

#[tokio::test]
async fn a_container_made_through_the_api_reads_its_command() {
    let (app, sim) = engine();
    let (status, created, _) = call(
        &app,
        Method::POST,
        "/v1.41/containers/create?name=job",
        r#"{"Image":"local/busybox:1","Cmd":["sh","-c","sleep 2; exit 3"],"HostConfig":{"NetworkMode":"none"}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["Warnings"], Value::Array(Vec::new()));
    let id = created["Id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 64);
    let (status, _, _) = call(&app, Method::POST, "/containers/job/start", "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&app, Method::POST, "/containers/job/start", "").await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (_, list, _) = call(&app, Method::GET, "/containers/json", "").await;
    assert_eq!(list[0]["Names"][0], "/job");
    assert_eq!(list[0]["State"], "running");
    // A command berth does not read runs until stopped, and the container says so.
    let (_, unread, _) = call(
        &app,
        Method::POST,
        "/containers/create?name=srv",
        r#"{"Image":"nginx","Cmd":["nginx","-g","daemon off;"]}"#,
    )
    .await;
    let (_, doc, _) = call(
        &app,
        Method::GET,
        &format!(
            "/containers/{}/json",
            unread["Id"].as_str().unwrap_or_default()
        ),
        "",
    )
    .await;
    let said = doc["Config"]["Labels"]["berth.sim.unread"]
        .as_str()
        .unwrap_or_default();
    assert!(
        said.contains("`nginx -g daemon off;`") && said.contains("runs until it is stopped"),
        "{doc}"
    );
    drop(sim);
}

#[tokio::test(start_paused = true)]
async fn a_wait_answers_its_head_at_once_and_its_body_when_the_process_exits() {
    let (app, _) = engine();
    call(
        &app,
        Method::POST,
        "/containers/create?name=job",
        r#"{"Image":"local/busybox:1","Cmd":["sh","-c","sleep 2; exit 3"]}"#,
    )
    .await;
    let response = send(
        &app,
        Method::POST,
        "/v1.41/containers/job/wait?condition=next-exit",
        "",
    )
    .await;
    // The head has come, before the container has even started.
    assert_eq!(response.status(), StatusCode::OK);
    call(&app, Method::POST, "/containers/job/start", "").await;
    let body = tokio::time::timeout(Duration::from_secs(5), response.into_body().collect())
        .await
        .unwrap_or_else(|_| panic!("no body 5 s after a 2 s process started"))
        .map(|b| b.to_bytes())
        .unwrap_or_else(|_| Bytes::new());
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(body["StatusCode"], 3, "{body}");
}

#[test]
fn addresses_are_unix_sockets_or_loopback_tcp() {
    assert_eq!(
        "unix:///tmp/berth.sock".parse::<EngineApiAddr>(),
        Ok(EngineApiAddr::Unix("/tmp/berth.sock".into()))
    );
    assert_eq!(
        "tcp://127.0.0.1:2375"
            .parse::<EngineApiAddr>()
            .map(|a| a.to_string()),
        Ok("tcp://127.0.0.1:2375".to_owned())
    );
    for bad in [
        "tcp://0.0.0.0:2375",
        "tcp://192.168.1.2:2375",
        "unix://",
        "http://x",
        "tcp://localhost",
    ] {
        assert!(bad.parse::<EngineApiAddr>().is_err(), "{bad}");
    }
}
