//! The simulated engine as an [`Engine`]: the core's [`Sim`] driven by a tokio task in real
//! time (or `speed` times faster), so `berth --engine sim` shows the demo fleet and stays lively:
//! the crash loop restarts and gives up, health probes run, the stop timeouts expire.
//!
//! Virtual time is mapped onto tokio's clock (`virtual = start + (instant - origin) × speed`),
//! so under tokio's paused test clock a whole lifecycle runs in no real time. The `Sim` lives
//! behind a `std::sync::Mutex` that is never held across an await; a ticker task sleeps until
//! the next deadline (or until an operation changes the deadlines), advances the sim to "now",
//! and broadcasts what it emitted. Events are also kept in a bounded history, so that
//! `events(since)` replays what a follower has not seen.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use async_trait::async_trait;
use berth_core::events::Event;
use berth_core::lifecycle::By;
use berth_core::ops::Op;
use berth_core::sim::{Image, LogLine, Outcome, Printed, Reply, Sim, SimError};
use berth_core::time::Time;
use berth_core::view::View;
use berth_core::wait::WaitCondition;
use berth_core::{Container, HostConfig};
use futures_util::stream::{self, StreamExt};
use tokio::sync::{broadcast, Notify};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

use super::{
    system_now, Answer, Engine, EngineError, EngineInfo, EventStream, Listing, WaitResponse,
};

/// How many past events the simulation keeps for `events(since)`.
pub const HISTORY: usize = 4096;
/// How many events a slow follower may lag behind before its stream breaks (it then resyncs).
const BROADCAST_CAPACITY: usize = 4096;

/// Maps virtual time onto tokio's clock. The control API of the Engine API moves it
/// ([`SimEngine::advance_by`]) and stops it ([`SimEngine::pause_clock`]).
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// The virtual time at `origin`.
    start: Time,
    origin: tokio::time::Instant,
    speed: f64,
    /// Stopped at `start`.
    paused: bool,
}

impl Clock {
    fn now(&self) -> Time {
        if self.paused {
            return self.start;
        }
        let real = self.origin.elapsed().as_nanos() as f64;
        self.start.add(berth_core::time::Duration::from_nanos(
            (real * self.speed) as i64,
        ))
    }

    /// The instant the virtual time `t` is reached (a day ahead while the clock is paused:
    /// whoever sleeps is woken when it moves).
    fn instant_of(&self, t: Time) -> tokio::time::Instant {
        let day = 86_400e9;
        let ahead = if self.paused {
            day
        } else {
            t.since(self.start).as_nanos().max(0) as f64 / self.speed
        };
        // Far-off deadlines are clamped: a day of sleep is re-checked anyway.
        self.origin + std::time::Duration::from_nanos(ahead.min(day) as u64)
    }

    /// The same clock, reading `t` now.
    fn reading(self, t: Time) -> Clock {
        Clock {
            start: t,
            origin: tokio::time::Instant::now(),
            ..self
        }
    }
}

struct Core {
    sim: Sim,
    history: VecDeque<Event>,
}

struct Shared {
    core: Mutex<Core>,
    clock: Mutex<Clock>,
    /// Wakes whoever sleeps until a virtual time when the clock is moved or stopped.
    clock_moved: Notify,
    events: broadcast::Sender<Event>,
    /// Wakes the ticker when an operation may have changed the deadlines.
    wake: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn clock(&self) -> Clock {
        *self
            .clock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Brings the sim to the current virtual time and publishes what it emitted.
    fn catch_up(&self, core: &mut Core) {
        core.sim.advance_to(self.clock().now());
        self.publish(core);
    }

    fn publish(&self, core: &mut Core) {
        for event in core.sim.drain_events() {
            core.history.push_back(event.clone());
            if core.history.len() > HISTORY {
                core.history.pop_front();
            }
            // No subscriber is fine: nobody is following yet.
            let _ = self.events.send(event);
        }
    }
}

/// The simulated engine. Create it inside a tokio runtime: it spawns its ticker there. The
/// ticker ends when the engine is dropped.
pub struct SimEngine {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimEngine(speed {})", self.shared.clock().speed)
    }
}

impl SimEngine {
    /// The demo fleet ([`Sim::demo`]) as it stands now, running `speed` times faster than real
    /// time (1.0 for real time).
    pub fn demo(speed: f64) -> SimEngine {
        let start = system_now();
        SimEngine::new(Sim::demo(start), speed)
    }

    /// Drives `sim`, whose clock is taken to read "now", at `speed` (a non-positive or
    /// non-finite speed is read as 1).
    pub fn new(sim: Sim, speed: f64) -> SimEngine {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        let clock = Clock {
            start: sim.now(),
            origin: tokio::time::Instant::now(),
            speed,
            paused: false,
        };
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                sim,
                history: VecDeque::new(),
            }),
            clock: Mutex::new(clock),
            clock_moved: Notify::new(),
            events,
            wake: Notify::new(),
        });
        tokio::spawn(tick(Arc::downgrade(&shared)));
        SimEngine { shared }
    }

    /// How many times faster than real time the virtual clock runs.
    pub fn speed(&self) -> f64 {
        self.shared.clock().speed
    }

    /// `POST /containers/{id}/update` for the client `by`: the restart policy and resources in
    /// `update`.
    pub fn update(&self, reference: &str, update: &HostConfig, by: By) -> Result<(), EngineError> {
        self.control(|sim| {
            sim.set_client(by);
            sim.update_host_config(reference, update)
        })
        .map(|_| ())
    }

    /// Runs `f` on the sim at the current virtual time, publishing what it emitted: what a
    /// container's process does on its own (by the control API), and the operations of the
    /// Engine API that are not [`Op`]s.
    pub fn control<T>(
        &self,
        f: impl FnOnce(&mut Sim) -> Result<T, SimError>,
    ) -> Result<T, EngineError> {
        self.with_sim(f).map_err(engine_error)
    }

    /// A client attaches to container `id`'s output: its `attach` event.
    pub fn attach(&self, id: &str) -> Result<(), EngineError> {
        self.control(|sim| sim.attach(id))
    }

    /// `docker pull`: the image `name` names, and whether it was new.
    pub fn pull(&self, name: &str) -> Result<(Image, bool), EngineError> {
        self.control(|sim| sim.pull(name))
    }

    /// `docker images`.
    pub fn images(&self) -> Vec<Image> {
        self.shared.lock().sim.images()
    }

    /// `docker image inspect`.
    pub fn image(&self, reference: &str) -> Result<Image, EngineError> {
        self.shared
            .lock()
            .sim
            .image(reference)
            .map_err(engine_error)
    }

    /// What container `id` has printed so far (`docker logs`), and the virtual time now.
    pub fn logs(&self, id: &str) -> Result<(Vec<LogLine>, Time), EngineError> {
        self.control(|sim| sim.logs(id).map(|lines| (lines, sim.now())))
    }

    /// What container `id`'s process prints in each run (nothing for an unknown one).
    pub fn output_of(&self, id: &str) -> Vec<Printed> {
        self.shared.lock().sim.output_of(id)
    }

    /// Sleeps until the virtual time `t`, however the clock is moved meanwhile.
    pub async fn sleep_until(&self, t: Time) {
        loop {
            let moved = self.shared.clock_moved.notified();
            let clock = self.shared.clock();
            if clock.now() >= t {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep_until(clock.instant_of(t)) => {}
                () = moved => {}
            }
        }
    }

    /// Moves the virtual clock `d` ahead at once: what falls due meanwhile (exits, restarts,
    /// probes, stop timeouts) happens, in order. Returns the new time.
    pub fn advance_by(&self, d: berth_core::time::Duration) -> Time {
        self.set_clock(|c| c.reading(c.now().add(d)))
    }

    /// Moves the virtual clock to the next deadline, if there is one ahead; returns the time.
    pub fn advance_to_next_deadline(&self) -> Time {
        let (next, now) = {
            let mut core = self.shared.lock();
            self.shared.catch_up(&mut core);
            (core.sim.next_deadline(), core.sim.now())
        };
        match next.filter(|t| *t > now) {
            Some(t) => self.set_clock(|c| c.reading(t)),
            None => now,
        }
    }

    /// Stops the virtual clock (`true`) or starts it again (`false`); returns the time.
    pub fn pause_clock(&self, paused: bool) -> Time {
        self.set_clock(|c| Clock {
            paused,
            ..c.reading(c.now())
        })
    }

    /// The virtual time, whether the clock is stopped, and the next deadline.
    pub fn clock_status(&self) -> (Time, bool, Option<Time>) {
        let mut core = self.shared.lock();
        self.shared.catch_up(&mut core);
        (
            core.sim.now(),
            self.shared.clock().paused,
            core.sim.next_deadline(),
        )
    }

    fn set_clock(&self, change: impl FnOnce(Clock) -> Clock) -> Time {
        {
            let mut clock = self
                .shared
                .clock
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *clock = change(*clock);
        }
        let now = {
            let mut core = self.shared.lock();
            self.shared.catch_up(&mut core);
            core.sim.now()
        };
        self.shared.wake.notify_one();
        self.shared.clock_moved.notify_waiters();
        now
    }

    /// The ID of the `none` network every simulated container is on.
    pub fn none_network_id(&self) -> String {
        self.shared.lock().sim.none_network_id().to_owned()
    }

    /// The containers as they stand at the current virtual time, and that time.
    pub fn view(&self) -> (View, Time) {
        self.with_sim(|sim| (sim.view(), sim.now()))
    }

    /// Carries out `op` for the client `by` (berth itself, or another client of the engine
    /// such as the `docker` CLI through [`crate::engine_api`]), answering as the Engine API
    /// does: a stop or restart once the process has exited, a wait once its condition is met.
    pub async fn apply_as(&self, op: &Op, by: By) -> Result<Answer, EngineError> {
        match op {
            Op::Stop { target, .. } | Op::Restart { target, .. } => {
                // The engine answers a stop or restart once the process has exited (and, for a
                // restart, started again, which the sim does in the same step): when the
                // process ignores the stop signal, wait for the exit the operation set in
                // motion (the SIGKILL at the timeout).
                let placed = self.with_sim(|sim| {
                    sim.set_client(by);
                    let was_running = sim
                        .inspect(target)
                        .map(|c| c.state.running && !c.state.restarting)
                        .unwrap_or(false);
                    let mut waiter = sim.wait(target, WaitCondition::NextExit)?;
                    let result = sim.apply(op)?;
                    let pending = waiter.try_result().is_none();
                    let must_wait =
                        matches!(result, Reply::Outcome(Outcome::Done)) && was_running && pending;
                    Ok((result, must_wait.then_some(waiter)))
                });
                let (result, waiter) = placed.map_err(engine_error)?;
                if let Some(waiter) = waiter {
                    waiter.await;
                }
                answer(result).await
            }
            _ => answer(self.begin(op, by)?).await,
        }
    }

    /// Carries out `op` for the client `by` as far as it goes at once: a wait is placed, and
    /// its [`Reply::Waiting`] resolves when the condition is met (the ticker advances the
    /// clock meanwhile), which lets the Engine API answer a wait's head before its body.
    pub fn begin(&self, op: &Op, by: By) -> Result<Reply, EngineError> {
        self.control(|sim| {
            sim.set_client(by);
            sim.apply(op)
        })
    }

    /// Runs `op` on the sim at the current virtual time, publishes its events and wakes the
    /// ticker.
    fn with_sim<T>(&self, op: impl FnOnce(&mut Sim) -> T) -> T {
        let result = {
            let mut core = self.shared.lock();
            self.shared.catch_up(&mut core);
            let result = op(&mut core.sim);
            self.shared.publish(&mut core);
            result
        };
        self.shared.wake.notify_one();
        result
    }
}

/// The ticker: sleeps until the next deadline, fires it, publishes, repeats.
async fn tick(shared: Weak<Shared>) {
    loop {
        let (deadline, clock) = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let mut core = shared.lock();
            shared.catch_up(&mut core);
            (core.sim.next_deadline(), shared.clock())
        };
        // Hold only a weak reference while asleep, so a dropped engine ends the task.
        let notified = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let shared = shared.clone();
            async move { shared.wake.notified().await }
        };
        match deadline {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(clock.instant_of(at)) => {}
                    _ = notified => {}
                }
            }
            None => notified.await,
        }
    }
}

fn engine_error(e: SimError) -> EngineError {
    EngineError::Api {
        status: e.status,
        kind: e.kind,
        message: e.message,
    }
}

/// The engine's answer to what the simulation replied, once a waiter has resolved.
async fn answer(reply: Reply) -> Result<Answer, EngineError> {
    Ok(match reply {
        Reply::Created(id) => Answer::Created(id),
        Reply::Outcome(o) => Answer::Outcome(o),
        Reply::Waiting(waiter) => Answer::Waited(WaitResponse::from(waiter.await)),
    })
}

/// The architecture as the Engine API names it.
pub(crate) fn engine_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[async_trait]
impl Engine for SimEngine {
    fn kind(&self) -> &'static str {
        "sim"
    }

    fn now(&self) -> Time {
        self.shared.clock().now()
    }

    async fn version(&self) -> Result<EngineInfo, EngineError> {
        Ok(EngineInfo {
            name: "berth simulated engine".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            api_version: "1.41".to_owned(),
            os: "linux".to_owned(),
            arch: engine_arch().to_owned(),
        })
    }

    async fn list(&self) -> Result<Listing, EngineError> {
        Ok(Listing::of(self.with_sim(|sim| sim.list())))
    }

    async fn inspect(&self, id: &str) -> Result<Container, EngineError> {
        self.with_sim(|sim| sim.inspect(id)).map_err(engine_error)
    }

    async fn events(&self, since: Option<Time>) -> Result<EventStream, EngineError> {
        let (past, live) = {
            let mut core = self.shared.lock();
            self.shared.catch_up(&mut core);
            let past: Vec<Event> = match since {
                Some(since) => core
                    .history
                    .iter()
                    .filter(|e| e.at() >= since)
                    .cloned()
                    .collect(),
                None => Vec::new(),
            };
            // Subscribed under the lock: nothing falls between the replay and the live feed.
            (past, self.shared.events.subscribe())
        };
        let live = BroadcastStream::new(live).map(|item| {
            item.map_err(|BroadcastStreamRecvError::Lagged(n)| {
                EngineError::Connection(format!("the event stream fell {n} events behind"))
            })
        });
        Ok(stream::iter(past.into_iter().map(Ok)).chain(live).boxed())
    }

    async fn apply(&self, op: &Op) -> Result<Answer, EngineError> {
        self.apply_as(op, By::Berth).await
    }
}
