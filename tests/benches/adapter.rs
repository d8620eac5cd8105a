//! The adapter's benchmark, side by side with the engine it mirrors, on a private dockerd:
//! `GET /api/containers?all=1` on berth against the engine's `GET /containers/json?all=1` at 100
//! and 1,000 containers, resident memory and idle CPU of berth and dockerd, the time berth
//! takes to sync 1,000 containers, and engine event → SSE delivery latency.
//!
//! Run with `scripts/bench-adapter.sh` (or `cargo xtask bench`), which builds berth in release
//! mode and points `BERTH_BIN` at it. Needs root, docker.io and busybox-static. Prints a
//! Markdown report on stdout.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use berth_tests::{Berth, BerthApi, EngineApi, PrivateDaemon};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::Method;
use serde_json::{json, Value};
use tokio::sync::mpsc;

const LIST_REQUESTS: usize = 50;
const LATENCY_EVENTS: usize = 200;
const IDLE: Duration = Duration::from_secs(10);

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// (median, p95, p99) of `samples`, in the samples' unit.
fn percentiles(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: usize| {
        let i = (samples.len() * q / 100).min(samples.len().saturating_sub(1));
        samples.get(i).copied().unwrap_or(f64::NAN)
    };
    (at(50), at(95), at(99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn proc_status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the command: state(0) ppid(1) … utime(11) stime(12).
    field(11) + field(12)
}

fn clock_ticks_per_sec() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

async fn wait_for_count(berth: &BerthApi, n: usize, secs: u64) -> Duration {
    let started = Instant::now();
    loop {
        let list = berth.get("/api/containers?all=1").await;
        if list.as_array().map_or(0, Vec::len) == n {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "berth did not reach {n} containers in {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `LIST_REQUESTS` timed list requests to each, interleaved; returns (berth, engine) samples
/// in ms and the body sizes.
async fn time_lists(
    berth: &BerthApi,
    engine: &EngineApi,
    n: usize,
) -> (Vec<f64>, Vec<f64>, usize, usize) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut our_size, mut their_size) = (0, 0);
    for i in 0..LIST_REQUESTS + 5 {
        let t = Instant::now();
        let r = berth.call(Method::GET, "/api/containers?all=1").await;
        let berth_took = t.elapsed();
        assert_eq!(r.status, 200);
        assert_eq!(r.json().as_array().map_or(0, Vec::len), n);
        our_size = r.body.len();
        let t = Instant::now();
        let r = engine
            .call(Method::GET, "/containers/json?all=1", None)
            .await;
        let engine_took = t.elapsed();
        assert_eq!(r.status, 200);
        their_size = r.body.len();
        if i >= 5 {
            ours.push(ms(berth_took));
            theirs.push(ms(engine_took));
        }
    }
    (ours, theirs, our_size, their_size)
}

/// Reads `body` and sends each record (split at `sep`) with its arrival time in ns.
fn records(mut body: Incoming, sep: &'static str) -> mpsc::UnboundedReceiver<(i64, String)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let arrived = now_ns();
            let Ok(data) = frame.into_data() else {
                continue;
            };
            buf.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buf.find(sep) {
                let record: String = buf.drain(..end + sep.len()).collect();
                if tx.send((arrived, record)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// The `data:` of an SSE record whose `event:` is `change`, as JSON.
fn sse_change(record: &str) -> Option<Value> {
    let mut event = "";
    let mut data = String::new();
    for line in record.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            event = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    (event == "change")
        .then(|| serde_json::from_str(&data).ok())
        .flatten()
}

/// Pauses and unpauses `id` through the engine `LATENCY_EVENTS` times; for each, the engine's
/// own delivery delay (event timeNano → arrival on `/events`) and berth's (timeNano → arrival
/// of the SSE change showing the new state), in ms.
async fn event_latency(berth: &BerthApi, engine: &EngineApi, id: &str) -> (Vec<f64>, Vec<f64>) {
    let filters = format!("{{\"container\":[\"{id}\"],\"type\":[\"container\"]}}");
    let engine_events = engine
        .open(&format!("/events?filters={}", urlencode(&filters)))
        .await;
    let mut engine_rx = records(engine_events.into_body(), "\n");
    let sse = berth.events().await;
    assert_eq!(sse.status(), 200);
    let mut sse_rx = records(sse.into_body(), "\n\n");
    // The first SSE message is the full snapshot; wait for it before acting.
    let _ = tokio::time::timeout(Duration::from_secs(30), sse_rx.recv()).await;
    let (mut engine_delays, mut berth_delays) = (Vec::new(), Vec::new());
    for i in 0..LATENCY_EVENTS {
        let (op, paused) = if i % 2 == 0 {
            ("pause", true)
        } else {
            ("unpause", false)
        };
        engine.op(id, op).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let time_nano = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((arrived, line))) = tokio::time::timeout(left, engine_rx.recv()).await
            else {
                panic!("no {op} event from the engine");
            };
            let ev: Value = serde_json::from_str(line.trim()).unwrap_or(Value::Null);
            if ev["Action"] == op {
                let t = ev["timeNano"].as_i64().unwrap_or(0);
                engine_delays.push((arrived - t) as f64 / 1e6);
                break t;
            }
        };
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((arrived, record))) = tokio::time::timeout(left, sse_rx.recv()).await
            else {
                panic!("no SSE change for {op}");
            };
            let Some(change) = sse_change(&record) else {
                continue;
            };
            if change["id"] == id && change["container"]["State"]["Paused"] == paused {
                berth_delays.push((arrived - time_nano) as f64 / 1e6);
                break;
            }
        }
    }
    (engine_delays, berth_delays)
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let started = Instant::now();
    let daemon = PrivateDaemon::start();
    let engine = daemon.api();
    let version = engine.get("/version").await;
    let dockerd = daemon.pid().unwrap_or(0);
    let host = daemon.host();
    let mut report = Vec::new();
    report.push(format!(
        "Engine {} (API {}), {} CPUs; berth {}",
        version["Version"].as_str().unwrap_or("?"),
        version["ApiVersion"].as_str().unwrap_or("?"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        berth_tests::berth_binary().display()
    ));

    engine.create_many("c", 0..100, 16).await;
    let berth = Berth::spawn(&["--engine", "docker", "--docker-host", &host]);
    wait_for_count(&berth.api, 100, 60).await;
    let (b100, e100, bs100, es100) = time_lists(&berth.api, &engine, 100).await;

    let t = Instant::now();
    engine.create_many("c", 100..1000, 16).await;
    let created_in = t.elapsed();
    let caught_up = wait_for_count(&berth.api, 1000, 120).await;
    let (b1k, e1k, bs1k, es1k) = time_lists(&berth.api, &engine, 1000).await;

    let t = Instant::now();
    let fresh = Berth::spawn(&["--engine", "docker", "--docker-host", &host]);
    wait_for_count(&fresh.api, 1000, 120).await;
    let sync_1k = t.elapsed();
    drop(fresh);

    // Idle: nothing happens for IDLE; how much CPU does each use?
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hz = clock_ticks_per_sec();
    let (b0, d0) = (cpu_ticks(berth.pid()), cpu_ticks(dockerd));
    tokio::time::sleep(IDLE).await;
    let (b1, d1) = (cpu_ticks(berth.pid()), cpu_ticks(dockerd));
    let idle_ms = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / hz * 1e3;
    let berth_rss = proc_status_kb(berth.pid(), "VmRSS:");
    let berth_hwm = proc_status_kb(berth.pid(), "VmHWM:");
    let dockerd_rss = proc_status_kb(dockerd, "VmRSS:");

    let id = engine
        .create("latency", &["sleep", "1000"], json!({}), json!({}))
        .await;
    engine.op(&id, "start").await;
    wait_for_count(&berth.api, 1001, 30).await;
    let (engine_delays, berth_delays) = event_latency(&berth.api, &engine, &id).await;
    engine.op(&id, "kill").await;

    let row = |what: &str, ours: &[f64], theirs: &[f64]| {
        let (bm, b95, _) = percentiles(ours.to_vec());
        let (em, e95, _) = percentiles(theirs.to_vec());
        format!(
            "| {what} | {bm:.2} ms | {b95:.2} ms | {em:.2} ms | {e95:.2} ms | {:.0}× |",
            em / bm
        )
    };
    report.push(String::new());
    report.push(format!(
        "`GET` list, all containers, {LIST_REQUESTS} requests each, interleaved (keep-alive clients):"
    ));
    report.push(String::new());
    report.push("| containers | berth median | berth p95 | engine median | engine p95 | engine ÷ berth (median) |".into());
    report.push("|---|---|---|---|---|---|".into());
    report.push(row("100", &b100, &e100));
    report.push(row("1,000", &b1k, &e1k));
    report.push(String::new());
    report.push(format!(
        "Body sizes: berth {bs100} / {bs1k} bytes, engine {es100} / {es1k} bytes (100 / 1,000)."
    ));
    let (em, e99, _) = percentiles(engine_delays.clone());
    let (bm, b95, b99) = percentiles(berth_delays.clone());
    report.push(String::new());
    report.push(format!(
        "| at 1,000 containers | berth | dockerd |\n|---|---|---|\n\
         | resident memory (VmRSS) | {:.1} MB (peak {:.1} MB) | {:.1} MB |\n\
         | CPU over {} s idle | {:.0} ms | {:.0} ms |",
        berth_rss as f64 / 1024.0,
        berth_hwm as f64 / 1024.0,
        dockerd_rss as f64 / 1024.0,
        IDLE.as_secs(),
        idle_ms(b0, b1),
        idle_ms(d0, d1)
    ));
    report.push(String::new());
    report.push(format!(
        "Event delivery over {LATENCY_EVENTS} pause/unpause events at 1,001 containers, from the \
         event's `timeNano`: engine `/events` p50 {em:.2} ms, p99 {e99:.2} ms; berth SSE \
         (applied, published) p50 {bm:.2} ms, p95 {b95:.2} ms, p99 {b99:.2} ms."
    ));
    report.push(String::new());
    report.push(format!(
        "Creating 900 containers through the API (16 at a time) took {:.1} s; berth followed \
         their `create` events and listed all 1,000 {:.2} s after the last create returned. A \
         fresh berth synced 1,000 containers (list + 1,000 inspects) in {:.2} s. Whole run: \
         {:.0} s.",
        created_in.as_secs_f64(),
        caught_up.as_secs_f64(),
        sync_1k.as_secs_f64(),
        started.elapsed().as_secs_f64()
    ));
    println!("{}", report.join("\n"));
    drop(berth);
    drop(daemon);
}
