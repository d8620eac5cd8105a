//! The dashboard on the berth that serves the Engine API of the simulated engine follows what
//! the real `docker` CLI does to it, live, and says who did it and why (the transitions with
//! their causes).

use berth_tests::browser::{js_str, row_selector, wait_row, Browser, SimBerth};
use berth_tests::engine_api::Cli;
use berth_tests::{skip_unless, Need};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_follows_what_the_docker_cli_does() {
    if skip_unless(&[Need::Browser, Need::Engine]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let host = format!("unix://{}", dir.path().join("berth.sock").display());
    let berth = SimBerth::start_with(&["--sim-fleet", "empty", "--engine-api", &host]);
    let b = Browser::start(1280, 800).await;
    b.open_list(&berth.start_url(), 0).await;
    let cli = Cli::new(&host, dir.path());
    let id = cli.ok("run -d --name web --network none IMAGE sleep 300");
    wait_row(&b, &id, "Up", true).await;
    cli.ok("stop -t 1 web");
    wait_row(&b, &id, "Exited (137)", true).await;
    b.goto(&berth.url(&format!("/containers/{id}"))).await;
    b.wait_text("killed by SIGKILL (docker kill, or docker stop after the stop timeout)")
        .await;
    b.wait_text(
        "running → exited (137): docker stop (SIGTERM, then SIGKILL after 1 s), by another client",
    )
    .await;
    b.wait_text("created → running: docker start, by another client")
        .await;
    b.js("document.getElementById('transitions').scrollIntoView(); return null;")
        .await;
    b.screenshot("engine-api-transitions").await;
    let last = b.text_of("#last-move").await;
    assert!(
        last.contains("docker stop (SIGTERM, then SIGKILL after 1 s), by another client"),
        "{last}"
    );
    b.screenshot("engine-api-container").await;
    let body = b.body_text().await;
    assert!(body.contains("Exited (137)"), "{body}");
    cli.ok("rm web");
    b.goto(&berth.url("/")).await;
    b.wait_js(
        &format!(
            "return !!document.getElementById('header-counts') && !document.querySelector({});",
            js_str(&row_selector(&id))
        ),
        "the removed container's row gone",
    )
    .await;
    b.close().await;
}
