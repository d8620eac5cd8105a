//! Specification of `docker update` (`UpdateContainer`, `UpdateMonitor` and the daemon's
//! `update`): moby's `integration/container/update_test.go` and `update_linux_test.go` ported by
//! name at the level of the container (what the host configuration and the restart manager hold
//! afterwards), plus a table of every refusal with the reference's messages.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::restart::RestartPolicy;
use berth_core::time::Duration;
use berth_core::update::{CannotUpdateReason, UpdateError};
use berth_core::{Container, ErrorKind, HasKind, HostConfig};

const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A host configuration with what `f` sets.
fn hc(f: fn(&mut HostConfig)) -> HostConfig {
    let mut h = HostConfig::default();
    f(&mut h);
    h
}

fn container(host_config: HostConfig) -> Container {
    let mut c = Container::new_base(ID);
    c.host_config = host_config;
    c
}

/// `TestUpdateMemory`: memory and swap set together are both taken.
#[test]
fn update_memory() {
    const MEMORY: i64 = 314_572_800;
    const SWAP: i64 = 524_288_000;
    let mut c = container(HostConfig::default());
    c.update(&HostConfig {
        memory: MEMORY,
        memory_swap: SWAP,
        ..HostConfig::default()
    })
    .unwrap();
    assert_eq!(c.host_config.memory, MEMORY);
    assert_eq!(c.host_config.memory_swap, SWAP);
}

/// `TestUpdateCPUQuota`: each quota replaces the last, `-1` (unset) included.
#[test]
fn update_cpu_quota() {
    let mut c = container(HostConfig::default());
    for quota in [15_000, 20_000, 10_000, -1] {
        c.update(&HostConfig {
            cpu_quota: quota,
            ..HostConfig::default()
        })
        .unwrap();
        assert_eq!(c.host_config.cpu_quota, quota);
    }
}

/// `TestUpdatePidsLimit`: a null limit leaves it, any other value replaces it. (The API router
/// turns limits below zero into 0 before the container sees them.)
#[test]
fn update_pids_limit() {
    // (description, initial, update, expected)
    type Case = (&'static str, Option<i64>, Option<i64>, Option<i64>);
    let cases: &[Case] = &[
        ("update from none", None, Some(32), Some(32)),
        ("no change", Some(32), None, Some(32)),
        ("update lower", Some(32), Some(16), Some(16)),
        ("unset limit with zero", Some(32), Some(0), Some(0)),
    ];
    for &(desc, initial, update, expect) in cases {
        let mut c = container(HostConfig {
            pids_limit: initial,
            ..HostConfig::default()
        });
        c.update(&HostConfig {
            pids_limit: update,
            ..HostConfig::default()
        })
        .unwrap();
        assert_eq!(c.host_config.pids_limit, expect, "{desc}");
    }
}

/// `TestUpdateRestartPolicy`: on-failure:3 updated to on-failure:5 restarts a failing container
/// five times, then stops.
#[test]
fn update_restart_policy() {
    let mut c = container(HostConfig {
        restart_policy: RestartPolicy::on_failure(3),
        ..HostConfig::default()
    });
    let _ = c.restart_manager();
    c.update(&HostConfig {
        restart_policy: RestartPolicy::on_failure(5),
        ..HostConfig::default()
    })
    .unwrap();
    assert_eq!(c.host_config.restart_policy, RestartPolicy::on_failure(5));
    let rm = c.restart_manager();
    assert_eq!(rm.policy, RestartPolicy::on_failure(5));
    let mut restarts = 0;
    while rm
        .should_restart(1, false, Duration::from_secs(1))
        .unwrap()
        .restart
    {
        rm.fire();
        restarts += 1;
    }
    assert_eq!(restarts, 5);
}

/// `TestUpdateRestartWithAutoRemove`: a `--rm` container refuses a restart policy, as a conflict.
#[test]
fn update_restart_with_auto_remove() {
    let mut c = container(HostConfig {
        auto_remove: true,
        ..HostConfig::default()
    });
    let err = c
        .update(&HostConfig {
            restart_policy: RestartPolicy::always(),
            ..HostConfig::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains(
        "Restart policy cannot be updated because AutoRemove is enabled for the container"
    ));
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(c.host_config.restart_policy, RestartPolicy::no());
    // Setting `no` again is allowed.
    c.update(&HostConfig {
        restart_policy: RestartPolicy {
            name: "no".into(),
            maximum_retry_count: 0,
        },
        ..HostConfig::default()
    })
    .unwrap();
}

/// Every refusal of `UpdateContainer`, with its message, and that a refused update changes
/// nothing (the daemon restores the old host configuration).
#[test]
fn refusals_are_conflicts_and_change_nothing() {
    let cases: Vec<(HostConfig, HostConfig, UpdateError, &str)> = vec![
        (
            hc(|h| h.cpu_period = 100_000),
            hc(|h| h.nano_cpus = 1_500_000_000),
            UpdateError::NanoCpusAfterCpuPeriod,
            "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set",
        ),
        (
            hc(|h| h.cpu_quota = 50_000),
            hc(|h| h.nano_cpus = 1_500_000_000),
            UpdateError::NanoCpusAfterCpuQuota,
            "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set",
        ),
        (
            hc(|h| h.nano_cpus = 1_000_000_000),
            hc(|h| h.cpu_period = 100_000),
            UpdateError::CpuPeriodAfterNanoCpus,
            "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set",
        ),
        (
            hc(|h| h.nano_cpus = 1_000_000_000),
            hc(|h| h.cpu_quota = 50_000),
            UpdateError::CpuQuotaAfterNanoCpus,
            "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set",
        ),
        (
            hc(|h| h.memory_swap = 100 << 20),
            hc(|h| {
                h.memory = 200 << 20;
                h.cpu_shares = 512;
            }),
            UpdateError::MemoryAboveSwap,
            "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
        ),
        (
            HostConfig::default(),
            hc(|h| h.memory = 64 << 20),
            UpdateError::MemoryAboveSwap,
            "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
        ),
        (
            hc(|h| h.auto_remove = true),
            hc(|h| {
                h.restart_policy = RestartPolicy::on_failure(2);
                h.blkio_weight = 300;
            }),
            UpdateError::RestartPolicyWithAutoRemove,
            "Restart policy cannot be updated because AutoRemove is enabled for the container",
        ),
    ];
    for (have, update, want, message) in cases {
        let mut c = container(have.clone());
        let err = c.update_container(&update).unwrap_err();
        assert_eq!(err, want);
        assert_eq!(err.to_string(), message);
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert_eq!(c.host_config, have, "{message}: nothing changes");

        let wrapped = c.update(&update).unwrap_err();
        assert_eq!(
            wrapped.to_string(),
            format!("Cannot update container {ID}: {message}")
        );
        assert_eq!(wrapped.reason, CannotUpdateReason::Refused(want));
        assert_eq!(wrapped.kind(), ErrorKind::Conflict);
    }
}

/// Only the fields the update sets change; zero and empty mean "leave it".
#[test]
fn unset_fields_are_left_alone() {
    let have = HostConfig {
        blkio_weight: 500,
        cpu_shares: 1024,
        cpuset_cpus: "0-1".into(),
        cpuset_mems: "0".into(),
        memory: 64 << 20,
        memory_swap: 128 << 20,
        memory_reservation: 32 << 20,
        kernel_memory: 16 << 20,
        cpu_realtime_period: 1000,
        cpu_realtime_runtime: 500,
        pids_limit: Some(10),
        restart_policy: RestartPolicy::always(),
        ..HostConfig::default()
    };
    let mut c = container(have.clone());
    c.update_container(&HostConfig::default()).unwrap();
    assert_eq!(c.host_config, have);

    c.update_container(&HostConfig {
        cpuset_cpus: "2".into(),
        memory: 100 << 20,
        memory_swap: 200 << 20,
        restart_policy: RestartPolicy::unless_stopped(),
        ..HostConfig::default()
    })
    .unwrap();
    assert_eq!(
        c.host_config,
        HostConfig {
            cpuset_cpus: "2".into(),
            memory: 100 << 20,
            memory_swap: 200 << 20,
            restart_policy: RestartPolicy::unless_stopped(),
            ..have
        }
    );
}

/// A memory limit at or under the swap limit needs no new swap limit; CPU period and quota go
/// together, and `--cpus` may be raised again.
#[test]
fn allowed_combinations() {
    let cases = [
        (
            hc(|h| h.memory_swap = 128 << 20),
            hc(|h| h.memory = 128 << 20),
        ),
        (hc(|h| h.cpu_period = 100_000), hc(|h| h.cpu_quota = 50_000)),
        (hc(|h| h.nano_cpus = 1 << 30), hc(|h| h.nano_cpus = 2 << 30)),
    ];
    for (have, update) in cases {
        let mut c = container(have.clone());
        assert_eq!(
            c.update_container(&update),
            Ok(()),
            "{update:?} on {have:?}"
        );
    }
}

/// The daemon refuses to update a container being removed or dead, as a system error.
#[test]
fn marked_for_removal() {
    for dead in [false, true] {
        let mut c = container(HostConfig::default());
        if dead {
            c.state.dead = true;
        } else {
            c.state.removal_in_progress = true;
        }
        let err = c
            .update(&HostConfig {
                cpu_shares: 512,
                ..HostConfig::default()
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Cannot update container {ID}: container is marked for removal and cannot be \"update\""
            )
        );
        assert_eq!(err.kind(), ErrorKind::System);
        assert_eq!(c.host_config.cpu_shares, 0);
    }
}

/// `UpdateMonitor` makes a restart manager when there is none, and gives it the policy; the
/// daemon's update calls it only when the update names a policy.
#[test]
fn update_monitor() {
    let mut c = container(HostConfig::default());
    c.update_monitor(RestartPolicy::always());
    assert_eq!(c.restart_manager().policy, RestartPolicy::always());

    c.update(&HostConfig {
        cpu_shares: 256,
        ..HostConfig::default()
    })
    .unwrap();
    assert_eq!(c.restart_manager().policy, RestartPolicy::always());
}
