//! Ports the container package's `UpdateContainer` (`container_unix.go`) and `UpdateMonitor`
//! (`container.go`): `docker update` of a container's resources and restart policy, and the
//! checks the daemon's `update` (`daemon/update.go`) makes around them.

use crate::container::{Container, HostConfig};
use crate::errdefs::{ErrorKind, HasKind};
use crate::restart::RestartPolicy;

/// Why an update is refused (`conflictingUpdateOptions`, a conflict in the reference).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// `--cpus` after `--cpu-period`.
    #[error("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")]
    NanoCpusAfterCpuPeriod,
    /// `--cpus` after `--cpu-quota`.
    #[error("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")]
    NanoCpusAfterCpuQuota,
    /// `--cpu-period` after `--cpus`.
    #[error("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set")]
    CpuPeriodAfterNanoCpus,
    /// `--cpu-quota` after `--cpus`.
    #[error("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")]
    CpuQuotaAfterNanoCpus,
    /// A memory limit above the swap limit already set, with no new swap limit.
    #[error(
        "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"
    )]
    MemoryAboveSwap,
    /// A restart policy on a container made with `--rm`.
    #[error("Restart policy cannot be updated because AutoRemove is enabled for the container")]
    RestartPolicyWithAutoRemove,
}

impl HasKind for UpdateError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

/// Why the daemon's `update` failed: `Cannot update container {id}: {reason}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cannot update container {id}: {reason}")]
pub struct CannotUpdate {
    /// The container's full ID.
    pub id: String,
    /// What went wrong.
    pub reason: CannotUpdateReason,
}

/// What stopped the daemon's `update`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CannotUpdateReason {
    /// The container is being removed, or is dead.
    #[error("container is marked for removal and cannot be \"update\"")]
    MarkedForRemoval,
    /// `UpdateContainer` refused.
    #[error(transparent)]
    Refused(#[from] UpdateError),
}

impl HasKind for CannotUpdate {
    /// The refusal's kind; a container being removed is a plain error, a system error in the
    /// reference (it wraps an untyped error).
    fn kind(&self) -> ErrorKind {
        match &self.reason {
            CannotUpdateReason::MarkedForRemoval => ErrorKind::System,
            CannotUpdateReason::Refused(e) => e.kind(),
        }
    }
}

/// Sets `*field` to `new` unless `new` is the "unchanged" value `zero`.
fn set_if<T: PartialEq + Clone>(field: &mut T, new: &T, zero: &T) {
    if new != zero {
        *field = new.clone();
    }
}

impl Container {
    /// `UpdateContainer`: applies the resources and restart policy of `update` that are set
    /// (non-zero, non-empty, `PidsLimit` not null) to the host configuration.
    ///
    /// `--cpus` and `--cpu-period`/`--cpu-quota` exclude each other across updates; a memory
    /// limit above the current swap limit needs a new swap limit with it; a container made with
    /// `--rm` keeps the policy `no`. All or nothing: a refused update changes nothing (the
    /// reference stops half-way, and the daemon puts the old host configuration back).
    pub fn update_container(&mut self, update: &HostConfig) -> Result<(), UpdateError> {
        let have = &self.host_config;
        if update.nano_cpus > 0 && have.cpu_period > 0 {
            return Err(UpdateError::NanoCpusAfterCpuPeriod);
        }
        if update.nano_cpus > 0 && have.cpu_quota > 0 {
            return Err(UpdateError::NanoCpusAfterCpuQuota);
        }
        if update.cpu_period > 0 && have.nano_cpus > 0 {
            return Err(UpdateError::CpuPeriodAfterNanoCpus);
        }
        if update.cpu_quota > 0 && have.nano_cpus > 0 {
            return Err(UpdateError::CpuQuotaAfterNanoCpus);
        }
        if update.memory != 0 && update.memory > have.memory_swap && update.memory_swap == 0 {
            return Err(UpdateError::MemoryAboveSwap);
        }
        let policy = &update.restart_policy;
        if !policy.name.is_empty() && have.auto_remove && !policy.is_none() {
            return Err(UpdateError::RestartPolicyWithAutoRemove);
        }

        let h = &mut self.host_config;
        set_if(&mut h.blkio_weight, &update.blkio_weight, &0);
        set_if(&mut h.cpu_shares, &update.cpu_shares, &0);
        set_if(&mut h.nano_cpus, &update.nano_cpus, &0);
        set_if(&mut h.cpu_period, &update.cpu_period, &0);
        set_if(&mut h.cpu_quota, &update.cpu_quota, &0);
        set_if(&mut h.cpuset_cpus, &update.cpuset_cpus, &String::new());
        set_if(&mut h.cpuset_mems, &update.cpuset_mems, &String::new());
        set_if(&mut h.memory, &update.memory, &0);
        set_if(&mut h.memory_swap, &update.memory_swap, &0);
        set_if(&mut h.memory_reservation, &update.memory_reservation, &0);
        set_if(&mut h.kernel_memory, &update.kernel_memory, &0);
        set_if(&mut h.cpu_realtime_period, &update.cpu_realtime_period, &0);
        set_if(
            &mut h.cpu_realtime_runtime,
            &update.cpu_realtime_runtime,
            &0,
        );
        set_if(&mut h.pids_limit, &update.pids_limit, &None);
        if !policy.name.is_empty() {
            h.restart_policy = policy.clone();
        }
        Ok(())
    }

    /// `UpdateMonitor`: gives the restart manager (made now if there is none) `policy`.
    pub fn update_monitor(&mut self, policy: RestartPolicy) {
        self.restart_manager().policy = policy;
    }

    /// The daemon's `update` of this container: refused while it is being removed or dead;
    /// then [`Container::update_container`], and [`Container::update_monitor`] when the update
    /// names a restart policy. The host then checkpoints, and on a running container that is not
    /// restarting, applies the resources to the runtime.
    pub fn update(&mut self, update: &HostConfig) -> Result<(), CannotUpdate> {
        let refuse = |id: &str, reason| CannotUpdate {
            id: id.to_owned(),
            reason,
        };
        if self.state.removal_in_progress || self.state.dead {
            return Err(refuse(&self.id, CannotUpdateReason::MarkedForRemoval));
        }
        self.update_container(update)
            .map_err(|e| refuse(&self.id, e.into()))?;
        if !update.restart_policy.name.is_empty() {
            self.update_monitor(update.restart_policy.clone());
        }
        Ok(())
    }
}
