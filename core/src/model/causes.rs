//! Why each container moved, read from the engine's events in the order Engine 20.10 sends them
//! (testdata/engine/README.md):
//!
//! - `docker stop`: `kill` (the stop signal), `kill` 9 when the timeout passed, `die`, `stop`;
//!   of a restarting container only `stop`.
//! - `docker restart`: the same as `docker stop`, then `start`, `restart`; of a container that
//!   is not running, `start`, `restart`.
//! - `docker kill [-s]`: `kill`, then `die` when the signal ends the process. A signal other than
//!   SIGKILL reaches a paused process only once thawed: `kill`, `unpause`, `die`.
//! - `docker rm -f` of a running container: `kill` 9, `die`, `destroy`; `docker rm`: `destroy`.
//! - The kernel's OOM kill: `oom`, `die`. The restart policy: `die`, then `start` once the
//!   backoff is over (no `restart` event).
//!
//! Some causes are known only from what follows: a `die` after a `kill` is `docker stop` if
//! `stop` follows, `docker restart` if `start` and `restart` follow, `docker rm -f` if `destroy`
//! follows, and `docker kill` if nothing does; a manual `start` is `docker restart` if `restart`
//! follows. Such transitions are held until the container's next event decides, or until the
//! host says the stream has gone quiet ([`super::Model::settle`]). What the events cannot tell is
//! [`Cause::Unknown`], never a guess.

use crate::actions::Action;
use crate::container::Container;
use crate::events::{ContainerAction, SIGKILL};
use crate::health::HealthStatus;
use crate::lifecycle::{By, Cause, Place, Transition};
use crate::state::StateKind;
use crate::time::Time;

/// A signal the engine sent: its number and when.
type Sent = (i64, Time);

/// What the model reads of one container's events to tell why it moves.
#[derive(Debug, Clone, Default)]
pub(super) struct Reader {
    /// Where the transitions so far left it (`None` before the model knew it).
    pub(super) place: Option<Place>,
    /// The signals sent since its process last started or ended.
    signals: Vec<Sent>,
    /// Some signal was sent since the stream was last quiet ([`Reader::quiet`]).
    fresh: bool,
    /// The time of its last event read.
    pub(super) last: Time,
    /// The StartedAt of the engine's last record of it: which run that record showed.
    run: Option<Time>,
    /// A `start` event came since that record.
    started: bool,
    /// The health check's status as the events last said it (its first record's before any).
    health: Option<HealthStatus>,
    /// The kernel killed it for memory since its process last started.
    oom: bool,
    /// Transitions whose cause the next events decide, oldest first.
    held: Vec<Held>,
    /// A `stop` event came for the held transitions.
    stopped: bool,
    /// The operations berth asked for on it that no transition has shown yet.
    own: Vec<Action>,
}

/// A transition waiting for its cause.
#[derive(Debug, Clone)]
struct Held {
    transition: Transition,
    role: Role,
    /// The signals sent before it.
    signals: Vec<Sent>,
    /// Whether one was sent since the stream was last quiet.
    fresh: bool,
}

/// What a held transition was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A paused process thawed by a signal.
    Thaw,
    /// The process ended with this code after a signal.
    Die(i64),
    /// The kernel killed the process for memory.
    Oom,
    /// A manual start.
    Start,
    /// A restarting container stopped (`stop` with no process).
    Unwound,
    /// A change whose cause is known already (the health check's), held only to keep its
    /// place after the transitions held before it.
    Known,
}

/// How the held transitions turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Nothing followed: `docker kill`, `docker start`.
    Quiet,
    /// `docker stop`.
    Stop,
    /// `docker restart`.
    Restart,
    /// `docker rm -f`.
    ForceRemove,
}

impl Reader {
    /// A reader for a container the model learned of from its record, `c`.
    pub(super) fn at(c: &Container) -> Reader {
        Reader {
            place: Some(place_of(c)),
            run: Some(c.state.started_at),
            health: health_of(Some(c)),
            ..Reader::default()
        }
    }

    /// berth itself asks for `action` on the container: the transition it makes is by berth;
    /// or (`asked` false) the engine refused it.
    pub(super) fn expect(&mut self, action: Action, asked: bool) {
        if !asked {
            if let Some(i) = self.own.iter().rposition(|a| *a == action) {
                self.own.remove(i);
            }
            return;
        }
        self.own.push(action);
        if self.own.len() > 8 {
            self.own.remove(0);
        }
    }

    /// Whether [`Reader::quiet`] has something to do: a signal was sent since the stream was
    /// last quiet, or transitions are held (but a lone thaw, which waits for the next event).
    pub(super) fn waits(&self) -> bool {
        self.fresh
            || !matches!(
                self.held.as_slice(),
                [] | [Held {
                    role: Role::Thaw,
                    ..
                }]
            )
    }

    fn holds(&self) -> bool {
        !self.held.is_empty()
    }

    /// The stream went quiet: nothing more will decide the held transitions, and a process that
    /// ends from now on without a `stop` did not end of the signals sent so far (it ignored
    /// them).
    pub(super) fn quiet(&mut self) -> Vec<Transition> {
        self.fresh = false;
        // A paused process thawed by a signal that has not ended it: `docker stop` sends
        // SIGKILL only after its timeout, however long, so only the next event tells.
        if matches!(self.held.as_slice(), [h] if h.role == Role::Thaw) {
            return Vec::new();
        }
        self.release_now()
    }

    /// Reads one event of the container. `before` is its record before the event and `after`
    /// after it. Returns the transitions whose causes are now known, in order.
    pub(super) fn event(
        &mut self,
        action: ContainerAction,
        signal: Option<i64>,
        code: i64,
        before: Option<&Container>,
        after: Option<&Container>,
        at: Time,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut forced: Option<Cause> = None;
        self.last = self.last.max(at);
        // Does the event carry on the operation of the held transitions, or decide them?
        match action {
            ContainerAction::Kill
            | ContainerAction::Unpause
            | ContainerAction::Die
            | ContainerAction::Stop
                if self.stopped =>
            {
                out.extend(self.release(Outcome::Stop));
            }
            ContainerAction::Start if !self.stopped => {
                out.extend(self.release(Outcome::Quiet));
            }
            ContainerAction::Restart => {
                out.extend(self.release(Outcome::Restart));
                return out;
            }
            ContainerAction::Destroy => {
                // `--rm` removes a container after any exit, so its `destroy` is that.
                let auto_remove = before.is_some_and(|c| c.host_config.auto_remove);
                let force = !self.stopped
                    && !auto_remove
                    && self.held.iter().any(|h| matches!(h.role, Role::Die(_)))
                    && self.signals_of_held_die_end_with_kill();
                if force {
                    let released = self.release(Outcome::ForceRemove);
                    // The removal's cause is the kill's (a health change may be held too).
                    forced = released
                        .iter()
                        .rev()
                        .map(|t| &t.cause)
                        .find(|c| matches!(c, Cause::Op { .. }))
                        .cloned();
                    self.place = Some(Place::State(StateKind::Removing));
                    out.extend(released);
                } else {
                    out.extend(self.release_now());
                }
            }
            ContainerAction::Pause | ContainerAction::Create => {
                out.extend(self.release_now());
            }
            // Execs, health, renames and the rest belong to no operation of the state machine.
            _ => {}
        }
        let from = match action {
            ContainerAction::Create => Some(Place::New),
            _ => self.place.or(before.map(place_of)),
        };
        let to = match (action, after) {
            (ContainerAction::Destroy, _) | (_, None) => Place::Removed,
            (_, Some(c)) => place_of(c),
        };
        let name = after.or(before).map(|c| c.name.clone()).unwrap_or_default();
        let id = after.or(before).map(|c| c.id.clone()).unwrap_or_default();
        let transition = |from: Place, to: Place, cause: Cause| Transition {
            id: id.clone(),
            name: name.clone(),
            from,
            to,
            at,
            cause,
            exit_code: after
                .or(before)
                .and_then(|c| Transition::exit_code_of(to, c)),
        };
        match action {
            ContainerAction::Kill => {
                if let Some(s) = signal {
                    if !self.fresh && s != SIGKILL {
                        // After a quiet moment a signal other than a stop's final SIGKILL
                        // starts a new operation: the earlier ones were ignored.
                        self.signals.clear();
                    }
                    self.signals.push((s, at));
                    self.fresh = true;
                }
                return out;
            }
            ContainerAction::Oom => {
                self.oom = true;
                return out;
            }
            ContainerAction::Start => {
                self.started = true;
                // A start begins the health check again at `starting` (no event says so).
                self.health = health_of(after);
            }
            ContainerAction::Stop => self.stopped = true,
            ContainerAction::HealthStatus => {
                if let (Some(place), Some(status)) = (self.place, health_of(after)) {
                    if self.health != Some(status) {
                        let was = self
                            .health
                            .replace(status)
                            .unwrap_or(HealthStatus::Starting);
                        let change = transition(place, place, Cause::Health { was, status });
                        if self.holds() {
                            self.held.push(Held {
                                transition: change,
                                role: Role::Known,
                                signals: Vec::new(),
                                fresh: false,
                            });
                        } else {
                            out.push(change);
                        }
                    }
                }
                return out;
            }
            _ => {}
        }
        let from = match from {
            Some(from) if from != to => from,
            _ => return self.finish(out, action, to),
        };
        if action == ContainerAction::Destroy {
            // The engine marks a container for removal before it removes it: every road to
            // removed goes through removing.
            let cause = match forced {
                Some(cause) => cause,
                // `--rm` removes a container once it stopped; one never started is `docker rm`'s.
                None if from == Place::State(StateKind::Exited)
                    && after.or(before).is_some_and(|c| c.host_config.auto_remove) =>
                {
                    Cause::AutoRemove
                }
                None => self.op(Action::Remove),
            };
            let from = self.place.unwrap_or(from);
            if from != Place::State(StateKind::Removing) {
                out.push(transition(
                    from,
                    Place::State(StateKind::Removing),
                    cause.clone(),
                ));
            }
            out.push(transition(
                Place::State(StateKind::Removing),
                Place::Removed,
                cause,
            ));
            self.place = Some(Place::Removed);
            return out;
        }
        let was_restarting = before.is_some_and(|c| c.state.restarting);
        let (role, cause) = match action {
            ContainerAction::Create => (None, Some(Cause::Create { by: By::Other })),
            ContainerAction::Start if was_restarting => {
                let c = after.or(before);
                let cause = Cause::Policy {
                    attempt: c.map_or(0, |c| u64::try_from(c.restart_count).unwrap_or(0)),
                    backoff_ms: c
                        .and_then(|c| c.restart_manager.as_ref())
                        .map_or(0, |rm| rm.delay.as_millis()),
                };
                (None, Some(cause))
            }
            ContainerAction::Start => (Some(Role::Start), None),
            // An OOM kill during a stop: the `stop` still decides the thaw before it.
            ContainerAction::Die if self.oom && !self.held.is_empty() => (Some(Role::Oom), None),
            ContainerAction::Die if self.oom => (None, Some(Cause::Oom)),
            ContainerAction::Die if !self.signals.is_empty() => (Some(Role::Die(code)), None),
            ContainerAction::Die => (None, Some(Cause::Exit { code })),
            // The engine thaws a paused process at once to deliver a stop signal; a later
            // unpause is `docker unpause`.
            ContainerAction::Unpause if self.fresh => (Some(Role::Thaw), None),
            ContainerAction::Unpause => (None, Some(self.op(Action::Unpause))),
            ContainerAction::Pause => (None, Some(self.op(Action::Pause))),
            ContainerAction::Stop if was_restarting => (Some(Role::Unwound), None),
            _ => (None, Some(Cause::Unknown)),
        };
        let t = transition(from, to, cause.unwrap_or(Cause::Unknown));
        match role {
            Some(role) => self.held.push(Held {
                transition: t,
                role,
                signals: self.signals.clone(),
                fresh: self.fresh,
            }),
            None => {
                // A transition the event settles decides those held before it.
                out.extend(self.release_now());
                out.push(t);
            }
        }
        self.place = Some(to);
        self.finish(out, action, to)
    }

    /// What an event leaves behind once read: a process that started or ended has had its
    /// signals.
    fn finish(
        &mut self,
        out: Vec<Transition>,
        action: ContainerAction,
        to: Place,
    ) -> Vec<Transition> {
        if matches!(action, ContainerAction::Start | ContainerAction::Die) {
            self.signals.clear();
            self.fresh = false;
            self.oom = false;
        }
        if !self.holds() {
            self.stopped = false;
        }
        self.place = Some(to);
        out
    }

    /// Whether the last signal before the held `die` was SIGKILL.
    fn signals_of_held_die_end_with_kill(&self) -> bool {
        self.held
            .iter()
            .rev()
            .find(|h| matches!(h.role, Role::Die(_)))
            .and_then(|h| h.signals.last())
            .is_some_and(|(s, _)| *s == SIGKILL)
    }

    /// The engine's record of the container, `c`, shows it at `to`. A move the events did not
    /// show (berth was not reading them, or the engine sends none) is a transition of unknown
    /// cause; so is a run no `start` event began (the record's StartedAt is new): the process
    /// ended and another started unseen, as when the daemon restarts and restores a container.
    pub(super) fn seen(&mut self, c: &Container, to: Place, at: Time) -> Vec<Transition> {
        let run = c.state.started_at;
        let last_run = self.run.replace(run);
        let started_by_event = std::mem::take(&mut self.started);
        let Some(from) = self.place else {
            self.place = Some(to);
            return Vec::new();
        };
        let transition = |from: Place, to: Place| Transition {
            id: c.id.clone(),
            name: c.name.clone(),
            from,
            to,
            at,
            cause: Cause::Unknown,
            exit_code: Transition::exit_code_of(to, c),
        };
        let running = Place::State(StateKind::Running);
        let unseen_run = last_run.is_some_and(|last| !last.is_zero() && last != run)
            && !started_by_event
            && !run.is_zero();
        if from == to {
            if !(unseen_run && to == running) {
                return Vec::new();
            }
            let exited = Place::State(StateKind::Exited);
            let mut stopped = transition(from, exited);
            stopped.exit_code = None;
            return vec![stopped, transition(exited, to)];
        }
        self.place = Some(to);
        vec![transition(from, to)]
    }

    /// berth stopped reading the engine's events (the connection broke): nothing it reads
    /// later can decide the held transitions, and what it missed may have: their causes are
    /// unknown.
    pub(super) fn lost(&mut self) -> Vec<Transition> {
        self.fresh = false;
        self.stopped = false;
        std::mem::take(&mut self.held)
            .into_iter()
            .map(|h| Transition {
                cause: match h.role {
                    Role::Oom => Cause::Oom,
                    Role::Known => h.transition.cause.clone(),
                    _ => Cause::Unknown,
                },
                ..h.transition
            })
            .collect()
    }

    /// The container is gone without a `destroy` berth read: what is held is released and it
    /// moves to removed, cause unknown.
    pub(super) fn gone(&mut self, id: &str, name: &str, at: Time) -> Vec<Transition> {
        let mut out = self.release_now();
        if let Some(from) = self.place.filter(|p| *p != Place::Removed) {
            out.push(Transition {
                id: id.to_owned(),
                name: name.to_owned(),
                from,
                to: Place::Removed,
                at,
                cause: Cause::Unknown,
                exit_code: None,
            });
        }
        self.place = Some(Place::Removed);
        out
    }

    /// The stream went quiet: nothing more will decide the held transitions.
    pub(super) fn release_now(&mut self) -> Vec<Transition> {
        let outcome = if self.stopped {
            Outcome::Stop
        } else {
            Outcome::Quiet
        };
        self.release(outcome)
    }

    fn release(&mut self, outcome: Outcome) -> Vec<Transition> {
        self.stopped = false;
        let held = std::mem::take(&mut self.held);
        // One operation is asked for once: the transitions it makes share who asked.
        let mut asked: Vec<(Action, By)> = Vec::new();
        held.into_iter()
            .map(|h| {
                if h.role == Role::Known {
                    let mut t = h.transition;
                    if outcome == Outcome::ForceRemove {
                        // Where it was then: marked for removal before the kill.
                        t.from = Place::State(StateKind::Removing);
                        t.to = t.from;
                    }
                    return t;
                }
                let (action, cause) = cause_of(&h, outcome);
                let by = match asked.iter().find(|(a, _)| *a == action) {
                    Some((_, by)) => *by,
                    None => {
                        let by = self.by(action);
                        asked.push((action, by));
                        by
                    }
                };
                let mut t = Transition {
                    cause: cause.by(by),
                    ..h.transition
                };
                if outcome == Outcome::ForceRemove && !matches!(h.role, Role::Start | Role::Oom) {
                    // `docker rm -f` marks the container for removal before it kills it.
                    t.to = Place::State(StateKind::Removing);
                    t.exit_code = None;
                }
                t
            })
            .collect()
    }

    fn op(&mut self, action: Action) -> Cause {
        Cause::Op {
            action,
            by: self.by(action),
        }
    }

    /// Who asked for `action`: berth if it said it would ([`Reader::expect`]).
    fn by(&mut self, action: Action) -> By {
        let same = |a: &Action| {
            *a == action
                || matches!(
                    (a, action),
                    (Action::Remove, Action::ForceRemove) | (Action::ForceRemove, Action::Remove)
                )
        };
        match self.own.iter().position(same) {
            Some(i) => {
                self.own.remove(i);
                By::Berth
            }
            None => By::Other,
        }
    }
}

/// The status of `c`'s health check, if it has one.
fn health_of(c: Option<&Container>) -> Option<HealthStatus> {
    c.and_then(|c| c.state.health.as_ref()).map(|h| h.status())
}

/// Where `c` is in the lifecycle.
pub(super) fn place_of(c: &Container) -> Place {
    Place::State(c.state.kind())
}

/// The operation behind a held transition once the `outcome` is known, and its cause (asked
/// by another client; [`Reader::release`] says who asked).
fn cause_of(h: &Held, outcome: Outcome) -> (Action, Cause) {
    let by = By::Other;
    let op = |action: Action| (action, Cause::Op { action, by });
    let first = h.signals.first().copied();
    let stop = |action: Action| match first {
        Some((signal, at)) => {
            let kill_after_ms = h
                .signals
                .iter()
                .skip(1)
                .find(|(s, _)| *s == SIGKILL)
                .map(|(_, killed)| killed.since(at).as_millis());
            let cause = Cause::Stop {
                action,
                signal,
                kill_after_ms,
                by,
            };
            (action, cause)
        }
        None => op(action),
    };
    let signal = |signal: i64| (Action::Kill, Cause::Signal { signal, by });
    match (h.role, outcome) {
        (Role::Start | Role::Unwound, Outcome::Restart) => op(Action::Restart),
        (Role::Start, _) => op(Action::Start),
        (Role::Oom, _) => (Action::Kill, Cause::Oom),
        (Role::Known, _) => (Action::Kill, h.transition.cause.clone()),
        (Role::Unwound, _) => op(Action::Stop),
        (_, Outcome::Stop) => stop(Action::Stop),
        (_, Outcome::Restart) => stop(Action::Restart),
        (_, Outcome::ForceRemove) => op(Action::ForceRemove),
        (Role::Thaw, Outcome::Quiet) => match first {
            Some((s, _)) => signal(s),
            None => (Action::Kill, Cause::Unknown),
        },
        (Role::Die(code), Outcome::Quiet) => match h.signals.last() {
            // It ended right after a signal, or with the code of dying of one (SIGKILL's 137,
            // the shell's 128 + n).
            Some((s, _)) if h.fresh || *s == SIGKILL || code == 128 + s => signal(*s),
            // It ignored the signals and ended later.
            _ => (Action::Kill, Cause::Exit { code }),
        },
    }
}
