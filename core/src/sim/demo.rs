//! The demo fleet of the simulated engine: ten containers that between them show every state and
//! every status text the engine can show, made by running two hours of history through the
//! public operations so that every time agrees ("Up About an hour", "Exited (0) 40 minutes ago").

use std::collections::BTreeMap;

use super::{CreateSpec, Probe, Program, Sim};
use crate::container::HealthConfig;
use crate::restart::RestartPolicy;
use crate::time::{Duration, Time};

/// The seed of the demo's IDs and names.
pub const DEMO_SEED: u64 = 0x6265_7274_685f_6465;

/// How long after `crashy` gives up the demo's operator starts it again.
pub const CRASHY_RELAUNCH: Duration = Duration::from_secs(45);

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn shell_check(command: &str, interval_s: i64) -> HealthConfig {
    HealthConfig {
        test: vec!["CMD-SHELL".to_owned(), command.to_owned()],
        interval: Duration::from_secs(interval_s).as_nanos(),
        ..HealthConfig::default()
    }
}

impl Sim {
    /// The demo fleet, as it stands at `start` (the clock reads `start`; the history's events are
    /// drained, as a fresh `GET /events` would not replay them):
    ///
    /// | name | state at `start` | then |
    /// |---|---|---|
    /// | `web` | running, "Up About an hour" | |
    /// | `api` | running, "Up 50 minutes (healthy)" | a passing probe every 30 s |
    /// | `worker` | running, "Up 20 seconds (health: starting)" | unhealthy 20 s later (its probe fails; start period 30 s, 3 retries) |
    /// | `cache` | paused, "Up 30 minutes (Paused)" | |
    /// | `crashy` | restarting, "Restarting (1) Less than a second ago", RestartCount 3 | exits 1 every 2 s under `on-failure:3` (backoff 100, 200, 400 ms); "Exited (1) …" from `start` + 2.2 s; started again 45 s after each time it gives up |
    /// | `batch` | exited, "Exited (0) 40 minutes ago" | |
    /// | `hog` | exited, "Exited (137) 24 minutes ago", OOMKilled | |
    /// | `fresh` | created, "Created" | |
    /// | `leaving` | removing, "Removal In Progress" | |
    /// | `broken` | dead, "Dead", with an Error | |
    pub fn demo(start: Time) -> Sim {
        let at = |ms: i64| start.add(Duration::from_millis(ms));
        let mut sim = Sim::new(at(-125 * MINUTE), DEMO_SEED);
        let busybox = "local/busybox:1";

        // Every step below is valid by construction; a refusal would be a bug in the history,
        // and the fleet is still usable without that step, so results are not unwrapped.
        let leaving = sim.create(
            CreateSpec::new(busybox, &["sh", "-c", "sleep 3600"])
                .named("leaving")
                .program(Program::ExitsAfter {
                    after_ms: 60 * MINUTE,
                    code: 0,
                }),
        );
        let _ = leaving.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-100 * MINUTE));
        let broken = sim.create(
            CreateSpec::new(
                "local/postgres:1",
                &["postgres", "-D", "/var/lib/postgresql"],
            )
            .named("broken"),
        );
        let _ = broken.as_deref().map(|id| sim.start(id));
        sim.advance_to(at(-95 * MINUTE));
        let _ = broken.as_deref().map(|id| sim.stop(id, None));

        sim.advance_to(at(-65 * MINUTE));
        let web = sim.create(CreateSpec {
            labels: labels(&[("com.example.tier", "frontend")]),
            ..CreateSpec::new("local/nginx:1", &["nginx", "-g", "daemon off;"]).named("web")
        });
        let _ = web.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-50 * MINUTE));
        let api = sim.create(CreateSpec {
            labels: labels(&[("com.example.tier", "backend")]),
            restart: RestartPolicy::unless_stopped(),
            ..CreateSpec::new("local/api:1", &["/app/api", "--port", "8080"])
                .named("api")
                .healthcheck(
                    shell_check("wget -q -O- http://localhost:8080/health || exit 1", 30),
                    Probe::Passes,
                )
        });
        let _ = api.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-40 * MINUTE - 20 * SECOND));
        let batch = sim.create(
            CreateSpec::new(busybox, &["sh", "-c", "tar czf /backup/data.tgz /data"])
                .named("batch")
                .program(Program::ExitsAfter {
                    after_ms: 20 * SECOND,
                    code: 0,
                }),
        );
        let _ = batch.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-30 * MINUTE));
        let cache = sim.create(CreateSpec {
            labels: labels(&[("com.example.tier", "backend")]),
            ..CreateSpec::new("local/redis:1", &["redis-server", "--appendonly", "yes"])
                .named("cache")
        });
        let _ = cache.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-25 * MINUTE));
        let hog = sim.create(CreateSpec {
            memory: 64 * 1024 * 1024,
            ..CreateSpec::new(busybox, &["sh", "-c", "x=a; while true; do x=$x$x; done"])
                .named("hog")
                .program(Program::AllocatesMemory { after_ms: 1_500 })
        });
        let _ = hog.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-10 * MINUTE));
        let _ = cache.as_deref().map(|id| sim.pause(id));

        sim.advance_to(at(-5 * MINUTE));
        if let Ok(id) = broken.as_deref() {
            let message = format!(
                "unable to remove filesystem for {id}: remove \
                 /var/lib/docker/containers/{id}/mounts/shm: device or resource busy"
            );
            let _ = sim.fail_removal(id, &message);
        }

        sim.advance_to(at(-2 * MINUTE));
        let _ = sim.create(
            CreateSpec::new(busybox, &["sh", "-c", "echo ready; sleep 1000"]).named("fresh"),
        );

        sim.advance_to(at(-20 * SECOND));
        let worker = sim.create(CreateSpec {
            labels: labels(&[("com.example.tier", "backend")]),
            ..CreateSpec::new(
                "local/worker:1",
                &["python3", "-m", "worker", "--queue", "jobs"],
            )
            .named("worker")
            .healthcheck(
                HealthConfig {
                    start_period: Duration::from_secs(30).as_nanos(),
                    retries: 3,
                    ..shell_check("test -f /tmp/worker.alive", 5)
                },
                Probe::Fails,
            )
        });
        let _ = worker.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-7 * SECOND));
        let crashy = sim.create(
            CreateSpec::new(
                busybox,
                &["sh", "-c", "sleep 2; echo 'config missing' >&2; exit 1"],
            )
            .named("crashy")
            .restart(RestartPolicy::on_failure(3))
            .program(Program::ExitsAfter {
                after_ms: 2 * SECOND,
                code: 1,
            }),
        );
        if let Ok(id) = crashy.as_deref() {
            let _ = sim.relaunch_after(id, Some(CRASHY_RELAUNCH));
        }
        sim.advance_to(at(-6_500));
        let _ = crashy.as_deref().map(|id| sim.start(id));

        sim.advance_to(at(-2 * SECOND));
        let _ = leaving.as_deref().map(|id| sim.begin_removal(id));

        sim.advance_to(start);
        sim.drain_events();
        sim
    }
}
