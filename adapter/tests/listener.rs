//! berth's listener on a real loopback socket, against clients that misbehave: slow and pinned
//! connections, oversized and garbled heads, more connections than the cap, and an event stream
//! nobody reads beside a live one.
//!
//! The limits are shortened so that each test takes seconds; `berth` runs with
//! `Limits::default()`.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth::engine::sim::SimEngine;
use berth::engine::Engine;
use berth::http::security::Security;
use berth::http::serve::{serve, Limits};
use berth::http::static_files::WebDist;
use berth::http::{app, AppState};
use berth::mirror::Mirror;
use berth_core::ops::Op;
use berth_core::sim::CreateSpec;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

struct Listener {
    addr: SocketAddr,
    engine: Arc<SimEngine>,
    _stop: oneshot::Sender<()>,
}

const QUICK: Limits = Limits {
    header_read_timeout: Duration::from_secs(1),
    max_header_bytes: 32 * 1024,
    max_connections: 256,
    write_stall_timeout: Duration::from_secs(1),
};

/// One test at a time: they count connections and measure this process's memory.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn listen(limits: Limits) -> Listener {
    let engine = Arc::new(SimEngine::demo(1.0));
    let mirror = Mirror::start(engine.clone());
    assert!(mirror.synced(Duration::from_secs(5)).await, "first sync");
    let security = Security::new(TOKEN, Vec::new(), false).unwrap();
    let state = AppState::new(
        engine.clone(),
        mirror,
        Arc::new(security),
        WebDist::new("no-such-dist"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let stop = async move {
        let _ = stop_rx.await;
    };
    tokio::spawn(serve(
        listener,
        app(state),
        limits,
        stop,
        Duration::from_millis(100),
    ));
    Listener {
        addr,
        engine,
        _stop: stop_tx,
    }
}

/// Everything the server sends until it closes the connection (or `within` passes).
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let closed = tokio::time::timeout(within, async {
        let mut buf = [0u8; 65536];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let (answer, closed) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "the server closes after its answer: {answer}");
    answer
}

/// A well-formed request is served.
async fn assert_served(addr: SocketAddr) {
    let ok = exchange(
        addr,
        format!(
            "GET /api/engine HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
}

fn assert_security_headers(answer: &str) {
    let head = answer.split("\r\n\r\n").next().unwrap_or_default();
    for line in [
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
        "content-security-policy: default-src 'self'",
        "cache-control: no-store",
    ] {
        assert!(head.contains(line), "{line:?} missing from\n{head}");
    }
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_is_cut_off() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(QUICK).await;
    let mut stream = TcpStream::connect(l.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let cut = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if stream.write_all(b"X").await.is_err() {
            break started.elapsed();
        }
        let mut byte = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await
        {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a trickling head is never cut off"
        );
    };
    println!("a head trickled a byte per 100 ms was cut off after {cut:?} (timeout 1 s)");
    assert!(cut >= Duration::from_millis(900), "{cut:?}");
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(QUICK).await;
    let mut stream = TcpStream::connect(l.addr).await.unwrap();
    let started = Instant::now();
    let (_, closed) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection stays open");
    println!("idle connection closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn an_oversized_head_is_431_and_a_garbled_one_400_with_the_security_headers() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(QUICK).await;
    let big = format!(
        "GET /api/engine HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let answer = exchange(l.addr, big.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{answer}"
    );
    assert_security_headers(&answer);

    // Unfinished and over the limit: refused as soon as the limit is passed.
    let mut stream = TcpStream::connect(l.addr).await.unwrap();
    let unfinished = format!("GET / HTTP/1.1\r\nX-Pad: {}", "a".repeat(40 * 1024));
    stream.write_all(unfinished.as_bytes()).await.unwrap();
    let (answer, closed) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 431 "), "{answer}");
    assert_security_headers(&answer);

    for garbled in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ] {
        let answer = exchange(l.addr, garbled).await;
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert_security_headers(&answer);
    }

    // Still serving.
    assert_served(l.addr).await;
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_and_closed() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(Limits {
        max_connections: 4,
        header_read_timeout: Duration::from_secs(30),
        ..QUICK
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(l.addr).await.unwrap());
    }
    // The accept loop takes them in order; give it a moment to count the four.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = exchange(
        l.addr,
        b"GET /api/engine HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );
    assert!(answer.contains("\r\nretry-after: 1\r\n"), "{answer}");
    assert!(
        answer.contains("\r\ncontent-type: application/json\r\n"),
        "{answer}"
    );
    assert_security_headers(&answer);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let message: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(
        message["message"]
            .as_str()
            .is_some_and(|m| m.contains("--max-connections")),
        "{body}"
    );

    // One closes: the next is served.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_served(l.addr).await;
}

#[tokio::test]
async fn pinned_connections_are_closed_and_memory_stays_bounded() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(Limits {
        header_read_timeout: Duration::from_secs(2),
        ..QUICK
    })
    .await;
    let before = common::rss_kib();
    // More than the cap, each with an unfinished head just under the limit.
    let pad = "a".repeat(30 * 1024);
    let mut pinned = Vec::new();
    for _ in 0..400 {
        let mut stream = TcpStream::connect(l.addr).await.unwrap();
        let head = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: {pad}");
        // A refused connection may be closed before all of it is written.
        let _ = stream.write_all(head.as_bytes()).await;
        pinned.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = common::rss_kib();
    let started = Instant::now();
    let mut refused = 0;
    for stream in &mut pinned {
        let (answer, closed) = read_to_close(stream, Duration::from_secs(6)).await;
        assert!(closed, "a pinned connection outlives the header timeout");
        if answer.starts_with("HTTP/1.1 503 ") {
            refused += 1;
        }
    }
    let after = common::rss_kib();
    println!(
        "400 connections with unfinished 30 KiB heads: {refused} refused over the cap of 256, \
         all closed {:?} after sending; RSS before {before:?} KiB, with them open {during:?} \
         KiB, after {after:?} KiB",
        started.elapsed()
    );
    assert_eq!(refused, 400 - 256, "the cap");
    if let (Some(before), Some(during)) = (before, during) {
        // 256 heads of 32 KiB at most are 8 MiB; allow for hyper's buffers doubling.
        assert!(
            during.saturating_sub(before) < 48 * 1024,
            "RSS grew by {} KiB",
            during.saturating_sub(before)
        );
    }
}

/// Reads an event stream's lines, and says when its first snapshot and each change of
/// container `id` arrive.
async fn watch_changes(
    stream: TcpStream,
    id: String,
    arrivals: tokio::sync::mpsc::UnboundedSender<Instant>,
) {
    let mut lines = BufReader::new(stream).lines();
    let mut change = false;
    while let Ok(Some(line)) = lines.next_line().await {
        if line == "event: snapshot" && arrivals.send(Instant::now()).is_err() {
            return;
        }
        if line == "event: change" {
            change = true;
        } else if change && line.starts_with("data: ") {
            if line.contains(&format!("\"id\":\"{id}\"")) && arrivals.send(Instant::now()).is_err()
            {
                return;
            }
            change = false;
        }
    }
}

/// Opens the event stream over HTTP/1.0, so that its body is not chunked and reads as lines.
async fn open_events(addr: SocketAddr, receive_buffer: Option<u32>) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    let mut stream = socket.connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /api/events HTTP/1.0\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream
}

/// Toggles `target` paused and back, and waits for the live client to see the change.
async fn latency(
    engine: &SimEngine,
    target: &str,
    arrivals: &mut tokio::sync::mpsc::UnboundedReceiver<Instant>,
) -> Duration {
    while arrivals.try_recv().is_ok() {}
    let sent = Instant::now();
    engine
        .apply(&Op::Pause {
            target: target.to_owned(),
        })
        .await
        .unwrap();

    let seen = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the live client sees the change")
        .unwrap();
    engine
        .apply(&Op::Unpause {
            target: target.to_owned(),
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the live client sees the change")
        .unwrap();
    seen - sent
}

#[tokio::test]
async fn a_stalled_event_stream_is_dropped_and_the_live_one_keeps_pace() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let l = listen(QUICK).await;
    // A container whose every change is a 64 KiB document.
    let labels: BTreeMap<String, String> = (0..64)
        .map(|i| (format!("pad.{i}"), "x".repeat(1024)))
        .collect();
    let spec = CreateSpec {
        labels,
        ..CreateSpec::new("local/busybox:1", &["sleep", "inf"]).named("big")
    };
    l.engine
        .apply(&Op::Create {
            spec: Box::new(spec),
        })
        .await
        .unwrap();
    l.engine
        .apply(&Op::Start {
            target: "big".to_owned(),
        })
        .await
        .unwrap();
    let id = l.engine.inspect("big").await.unwrap().id;

    let (tx, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    let live = open_events(l.addr, None).await;
    tokio::spawn(watch_changes(live, id.clone(), tx));
    tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
        .await
        .expect("the first snapshot");
    let mut alone = Vec::new();
    for _ in 0..5 {
        alone.push(latency(&l.engine, "big", &mut arrivals).await);
    }

    // A client that never reads, with a small receive window.
    let mut stalled = open_events(l.addr, Some(4096)).await;
    let mut beside = Vec::new();
    // 2 × 60 changes of 64 KiB: far more than the stalled client's socket buffers hold.
    for _ in 0..60 {
        beside.push(latency(&l.engine, "big", &mut arrivals).await);
    }
    // Past the write-stall timeout, the stalled client is cut off: what it reads now ends.
    tokio::time::sleep(QUICK.write_stall_timeout * 2).await;
    let (received, closed) = read_to_close(&mut stalled, Duration::from_secs(5)).await;
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "live client's latency, median: alone {:?}, beside a stalled client {:?}; the stalled \
         client got {} KiB before it was cut off",
        median(&mut alone),
        median(&mut beside),
        received.len() / 1024
    );
    assert!(closed, "the stalled client is never cut off");
    assert!(
        received.starts_with("HTTP/1.0 200 OK\r\n"),
        "{}",
        &received[..received.len().min(200)]
    );
    // And the live one is still served.
    latency(&l.engine, "big", &mut arrivals).await;
}
