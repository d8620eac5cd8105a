//! A synthetic fleet for the benchmark page (`/?bench=5000`): containers in all seven states,
//! with names, images, commands, ports, labels and health checks, built as the engine's inspect
//! documents so they go through the same path as berth's. Deterministic. Pure.

use berth_core::api::ContainerInspect;
use berth_core::container::{Container, PortBinding};
use berth_core::health::{Health, HealthStatus};
use berth_core::restart::RestartPolicy;
use berth_core::time::{Duration, Time};

const IMAGES: [&str; 6] = [
    "nginx:1.25",
    "redis:7",
    "postgres:16",
    "busybox",
    "ghcr.io/acme/api:2.3.1",
    "alpine:3.19",
];
const TIERS: [&str; 3] = ["web", "db", "cache"];

/// `n` synthetic containers, created over the last days before `now_ms` (Unix ms).
pub fn fleet(n: usize, now_ms: i64) -> Vec<ContainerInspect> {
    let now = Time::from_unix_millis(now_ms);
    (0..n).map(|i| ContainerInspect::of(&one(i, now))).collect()
}

fn one(i: usize, now: Time) -> Container {
    let k = i as i64;
    // IDs that differ in their first digits, as real ones do.
    let spread = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut c = Container::new_base(format!("{spread:016x}{:048x}", 0xbe57_0000_u64 + i as u64));
    c.name = format!("/bench-{i:05}");
    c.created = now.add(Duration::from_secs(-(k * 37 % 400_000) - 60));
    c.config.image = IMAGES[i % IMAGES.len()].to_owned();
    c.image_id = format!("sha256:{:064x}", i % IMAGES.len());
    c.path = "sh".to_owned();
    c.args = vec![
        "-c".to_owned(),
        format!("serve --port {} --worker {i}", 8000 + i % 100),
    ];
    c.config
        .labels
        .insert("tier".into(), TIERS[i % TIERS.len()].into());
    c.config.labels.insert("bench".into(), "1".into());
    c.host_config.network_mode = "bridge".into();
    c.host_config.restart_policy = match i % 4 {
        0 => RestartPolicy::always(),
        1 => RestartPolicy::on_failure(3),
        2 => RestartPolicy::unless_stopped(),
        _ => RestartPolicy::no(),
    };
    let started = c.created.add(Duration::from_secs(1));
    let finished = now.add(Duration::from_secs(-(k * 13 % 90_000) - 1));
    let s = &mut c.state;
    match i % 10 {
        0..=3 => {
            s.running = true;
            s.pid = 1000 + k;
            s.started_at = started;
            if i % 3 == 0 {
                s.health = Some(Health {
                    status: [
                        HealthStatus::Healthy,
                        HealthStatus::Starting,
                        HealthStatus::Unhealthy,
                    ][i % 3 % 3]
                        .as_str()
                        .to_owned(),
                    ..Health::default()
                });
            }
            let port = format!("{}/tcp", 80 + i % 3);
            c.network_settings.ports.insert(
                port,
                Some(vec![PortBinding {
                    host_ip: "0.0.0.0".into(),
                    host_port: (20_000 + i % 40_000).to_string(),
                }]),
            );
        }
        4 => {
            s.running = true;
            s.paused = true;
            s.pid = 1000 + k;
            s.started_at = started;
        }
        5 => {
            s.running = true;
            s.restarting = true;
            s.started_at = started;
            s.finished_at = now.add(Duration::from_millis(-300));
            s.exit_code = 1;
            c.restart_count = 2;
        }
        6 | 7 => {
            s.started_at = started;
            s.finished_at = finished;
            s.exit_code = [0, 137, 1, 143][i % 4];
            s.oom_killed = i % 20 == 7;
        }
        8 => {}
        _ => {
            s.started_at = started;
            s.finished_at = finished;
            if i % 20 == 9 {
                s.removal_in_progress = true;
            } else {
                s.dead = true;
            }
        }
    }
    c
}
