//! The cause of every transition, against a real private dockerd: berth's event stream must say
//! why each container moved, as the engine's events tell it (issue 25). The operations go
//! through the engine's own API (another client) or through berth (berth's own, unmarked).
//! The same sequences, recorded, are the table of `core/tests/events.rs`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use berth_core::lifecycle::Transition;
use berth_tests::{skip_unless, Berth, EngineApi, Need, PrivateDaemon, SseClient};
use hyper::Method;
use serde_json::json;

/// PID 1 that ignores SIGTERM (busybox `sleep`): `stop` ends in SIGKILL, exit 137.
const STUBBORN: [&str; 2] = ["sleep", "1000"];
/// PID 1 that ends on SIGTERM (busybox `top`: exit 143).
const TOP: [&str; 1] = ["top"];

/// Each container's transitions as berth's stream said them, in words.
fn said(client: &SseClient, names: &BTreeMap<String, String>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for value in client.state().transitions {
        let t: Transition = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("a transition berth sent does not read: {e}: {value}"));
        let name = names.get(&t.id).cloned().unwrap_or_else(|| t.name.clone());
        out.entry(name).or_default().push(t.describe());
    }
    out
}

/// Waits until berth said `want` for container `name` (≤ 20 s).
async fn expect(client: &SseClient, names: &BTreeMap<String, String>, name: &str, want: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = said(client, names).remove(name).unwrap_or_default();
        if got == want {
            return;
        }
        if Instant::now() > deadline {
            panic!("{name}: berth said {got:#?}, not {want:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create(
    engine: &EngineApi,
    names: &mut BTreeMap<String, String>,
    name: &str,
    cmd: &[&str],
    host_config: serde_json::Value,
) {
    create_with(engine, names, name, cmd, json!({}), host_config).await;
}

async fn create_with(
    engine: &EngineApi,
    names: &mut BTreeMap<String, String>,
    name: &str,
    cmd: &[&str],
    config: serde_json::Value,
    host_config: serde_json::Value,
) {
    let id = engine.create(name, cmd, config, host_config).await;
    names.insert(id, name.to_owned());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn berth_says_why_each_container_moved() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    let mut daemon = PrivateDaemon::start_with(false);
    let engine = daemon.api();
    let berth = Berth::spawn(&["--engine", "docker", "--docker-host", &daemon.host()]);
    let client = SseClient::open(&berth.api).await;
    let mut names = BTreeMap::new();
    let other = ", by another client";

    // docker stop of a process that ignores SIGTERM, by another client.
    create(&engine, &mut names, "stopme", &STUBBORN, json!({})).await;
    engine.op("stopme", "start").await;
    engine.op("stopme", "stop?t=1").await;
    expect(
        &client,
        &names,
        "stopme",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            &format!(
                "running → exited (137): docker stop (SIGTERM, then SIGKILL after 1 s){other}"
            ),
        ],
    )
    .await;

    // docker kill -s TERM of a process that ends on it, then docker rm.
    create(&engine, &mut names, "termme", &TOP, json!({})).await;
    engine.op("termme", "start").await;
    engine.op("termme", "kill?signal=TERM").await;
    engine
        .wait_for("termme", 10, "exited", |d| d["State"]["Status"] == "exited")
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = engine
        .call(Method::DELETE, "/containers/termme", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    expect(
        &client,
        &names,
        "termme",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            &format!("running → exited (143): docker kill (SIGTERM){other}"),
            &format!("exited → removing: docker rm{other}"),
            &format!("removing → removed: docker rm{other}"),
        ],
    )
    .await;

    // berth's own operations: pause, unpause, restart (unmarked).
    create(&engine, &mut names, "mine", &TOP, json!({})).await;
    engine.op("mine", "start").await;
    for op in ["pause", "unpause", "restart"] {
        let r = berth
            .api
            .call(Method::POST, &format!("/api/containers/mine/{op}"))
            .await;
        assert_eq!(r.status, 204, "{op}: {}", r.text());
    }
    expect(
        &client,
        &names,
        "mine",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            "running → paused: docker pause",
            "paused → running: docker unpause",
            "running → exited (143): docker restart (SIGTERM)",
            "exited → running: docker restart",
        ],
    )
    .await;
    let doc = berth.api.get("/api/containers/mine").await;
    assert_eq!(doc["LastTransition"]["cause"]["kind"], "op", "{doc}");
    assert_eq!(doc["LastTransition"]["cause"]["action"], "restart");
    assert_eq!(doc["LastTransition"]["cause"]["by"], "berth");

    // A health check that fails: the status changes where the container is.
    create_with(
        &engine,
        &mut names,
        "sick",
        &STUBBORN,
        json!({"Healthcheck": {"Test": ["CMD", "false"], "Interval": 1_000_000_000_i64, "Retries": 1}}),
        json!({}),
    )
    .await;
    engine.op("sick", "start").await;
    expect(
        &client,
        &names,
        "sick",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            "running: health check starting → unhealthy",
        ],
    )
    .await;

    // An on-failure:2 crash loop until the policy gives up.
    create(
        &engine,
        &mut names,
        "crash",
        &["sh", "-c", "exit 7"],
        json!({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}}),
    )
    .await;
    engine.op("crash", "start").await;
    expect(
        &client,
        &names,
        "crash",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            "running → restarting (7): the process exited with code 7",
            "restarting → running: the restart policy's restart 1, after a 100 ms backoff",
            "running → restarting (7): the process exited with code 7",
            "restarting → running: the restart policy's restart 2, after a 200 ms backoff",
            "running → exited (7): the process exited with code 7",
        ],
    )
    .await;

    // An OOM kill under a memory limit.
    create(
        &engine,
        &mut names,
        "oom",
        &["sh", "-c", "x=a; while true; do x=$x$x; done"],
        json!({"Memory": 8 * 1024 * 1024}),
    )
    .await;
    engine.op("oom", "start").await;
    expect(
        &client,
        &names,
        "oom",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            "running → exited (137): the kernel killed the process for memory (OOM)",
        ],
    )
    .await;

    // The daemon restarts (live-restore off): it stops every container on its way down and
    // starts the `always` one again when it is back, while berth is not connected. What berth
    // could not read is unknown, never guessed.
    create(
        &engine,
        &mut names,
        "restored",
        &TOP,
        json!({"RestartPolicy": {"Name": "always"}}),
    )
    .await;
    engine.op("restored", "start").await;
    expect(
        &client,
        &names,
        "restored",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
        ],
    )
    .await;
    daemon.stop();
    daemon.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    while berth.api.get("/api/engine").await["connected"] != true {
        assert!(
            Instant::now() < deadline,
            "berth never followed the engine again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = loop {
        let got = said(&client, &names).remove("restored").unwrap_or_default();
        if got.len() >= 4 || Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Whether berth read the daemon's own stop (kill, die) before the connection broke depends
    // on timing; either way the stop's cause is unknown, and so is the start it did not see.
    let unknown = "unknown: seen only in the engine's record, not in its events";
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[2].starts_with("running → exited") && got[2].ends_with(unknown),
        "{got:#?}"
    );
    assert_eq!(got[3], format!("exited → running: {unknown}"), "{got:#?}");

    // docker rm -f of a running container.
    create(&engine, &mut names, "forced", &STUBBORN, json!({})).await;
    engine.op("forced", "start").await;
    let r = engine
        .call(Method::DELETE, "/containers/forced?force=1", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    expect(
        &client,
        &names,
        "forced",
        &[
            &format!("new → created: docker create{other}"),
            &format!("created → running: docker start{other}"),
            &format!("running → removing: docker rm -f{other}"),
            &format!("removing → removed: docker rm -f{other}"),
        ],
    )
    .await;
}
