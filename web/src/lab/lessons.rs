//! The lab's guided lessons: scripts of steps with commentary, and what the learner should see
//! after each step (the engine's texts, as the real engine shows them in testdata/engine).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use berth_core::container::HealthConfig;
use berth_core::ops::Op;
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Probe, Program};
use berth_core::time::Duration;
use berth_core::wait::WaitCondition;

use super::model::{Frame, Lab, Record, Session, Step, WaitInfo, DEFAULT_START};

/// What the page should show after a lesson step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Container `name` is in `state` with the `docker ps` status text `status`.
    Status {
        /// The container's name (without slash).
        name: &'static str,
        /// The state string.
        state: &'static str,
        /// The exact status text at the step's time.
        status: &'static str,
    },
    /// Waiter `number` returned `exit_code` with `error` (`None` for no error).
    Returned {
        /// The waiter's number.
        number: usize,
        /// The `StatusCode`.
        exit_code: i64,
        /// The `Error`.
        error: Option<&'static str>,
    },
    /// Waiter `number` is still waiting.
    Waiting {
        /// The waiter's number.
        number: usize,
    },
    /// The engine refuses the step with `status` and a message that contains `contains`.
    Refused {
        /// The HTTP status.
        status: u16,
        /// A part of the message.
        contains: &'static str,
    },
    /// Container `name` is gone.
    Gone {
        /// The container's name (without slash).
        name: &'static str,
    },
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonStep {
    /// The step.
    pub step: Step,
    /// What to notice, after the step.
    pub say: String,
    /// What the page shows after it.
    pub expect: Vec<Expect>,
}

/// A guided lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Its ID (in session exports and links).
    pub id: &'static str,
    /// The question it answers.
    pub title: &'static str,
    /// What it is about, before the first step.
    pub intro: &'static str,
    /// The engine's seed.
    pub seed: u64,
    /// The steps.
    pub steps: Vec<LessonStep>,
}

impl Lesson {
    /// An empty session for this lesson.
    pub fn session(&self) -> Session {
        let mut s = Session::new(self.seed, DEFAULT_START);
        s.lesson = Some(self.id.to_owned());
        s
    }

    /// How many of this lesson's steps the `steps` have taken, in order (other steps may come
    /// in between).
    pub fn progress(&self, steps: &[Step]) -> usize {
        let mut done = 0;
        for s in steps {
            if self.steps.get(done).is_some_and(|l| &l.step == s) {
                done += 1;
            }
        }
        done
    }
}

const BUSYBOX: &str = "local/busybox:1";
const HOUR_MS: i64 = 3_600_000;

fn t(s: &str) -> String {
    s.to_owned()
}

fn step(step: Step, say: &str, expect: Vec<Expect>) -> LessonStep {
    LessonStep {
        step,
        say: say.to_owned(),
        expect,
    }
}

fn status(name: &'static str, state: &'static str, status: &'static str) -> Expect {
    Expect::Status {
        name,
        state,
        status,
    }
}

fn create(spec: CreateSpec) -> Step {
    Step::Op(Op::Create {
        spec: Box::new(spec),
    })
}

/// Every lesson, in the order the page lists them (built once).
pub fn all() -> &'static [Lesson] {
    static ALL: OnceLock<Vec<Lesson>> = OnceLock::new();
    ALL.get_or_init(|| {
        vec![
            restarting(),
            waiting(),
            oom(),
            health(),
            stopping(),
            names(),
        ]
    })
}

/// The lesson with this ID.
pub fn by_id(id: &str) -> Option<&'static Lesson> {
    all().iter().find(|l| l.id == id)
}

fn restarting() -> Lesson {
    let crash = CreateSpec::new(BUSYBOX, &["sh", "-c", "sleep 1; exit 7"])
        .named("crash")
        .restart(RestartPolicy::on_failure(2))
        .program(Program::ExitsAfter {
            after_ms: 1_000,
            code: 7,
        });
    let looper = CreateSpec::new(BUSYBOX, &["sh", "-c", "sleep 14400; exit 1"])
        .named("looper")
        .restart(RestartPolicy::always())
        .program(Program::ExitsAfter {
            after_ms: 4 * HOUR_MS,
            code: 1,
        });
    Lesson {
        id: "restarting",
        title: "Why is my container restarting?",
        intro: "A program that fails, under a restart policy: on-failure:2 restarts a failed run at most twice, waiting longer each time (100 ms, then 200 ms). Then a long-running container shows that a run of 10 s or more resets the wait.",
        seed: 11,
        steps: vec![
            step(create(crash), "docker create makes the container; nothing runs yet.", vec![status("crash", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("crash") }), "It runs. Its program sleeps 1 s, then exits 7.", vec![status("crash", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "It exited 7. The policy on-failure:2 decided to restart it (restart 1 of 2) after 100 ms. Meanwhile the container is Running and Restarting at once: the state reads restarting and the status shows the exit code.", vec![status("crash", "restarting", "Restarting (7) Less than a second ago")]),
            step(Step::NextDeadline, "The 100 ms backoff is over: the policy started it again. A policy restart sends no restart event, only start.", vec![status("crash", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "Exit 7 again: restart 2 of 2, and the backoff doubled to 200 ms.", vec![status("crash", "restarting", "Restarting (7) Less than a second ago")]),
            step(Step::NextDeadline, "Second restart.", vec![status("crash", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "The third failure: RestartCount is 2, the maximum, so the policy gives up and the container stays exited (7). The real engine ends exactly here: exited (7), RestartCount 2.", vec![status("crash", "exited", "Exited (7) Less than a second ago")]),
            step(create(looper), "Now a container under always whose program runs four hours before it fails.", vec![status("looper", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("looper") }), "Started.", vec![status("looper", "running", "Up Less than a second")]),
            step(Step::Advance { ms: 3 * HOUR_MS }, "Three hours later, at once: the status text is computed from the virtual clock.", vec![status("looper", "running", "Up 3 hours"), status("crash", "exited", "Exited (7) 3 hours ago")]),
            step(Step::NextDeadline, "It failed after four hours. The run lasted 10 s or more, so the backoff starts again at 100 ms: restarts are quick after a long healthy run, slow in a crash loop (up to 1 minute).", vec![status("looper", "restarting", "Restarting (1) Less than a second ago")]),
            step(Step::NextDeadline, "Restarted by always. docker stop (or kill) would stop the loop: a stopped container is not restarted by its policy.", vec![status("looper", "running", "Up Less than a second")]),
        ],
    }
}

fn waiting() -> Lesson {
    let job = CreateSpec::new(BUSYBOX, &["sh", "-c", "read line; exit 3"]).named("job");
    let wait = |condition, timeout_ms| {
        Step::Op(Op::Wait {
            target: t("job"),
            condition,
            timeout_ms,
        })
    };
    Lesson {
        id: "waiting",
        title: "What does docker wait return?",
        intro: "docker wait (POST /containers/{id}/wait) takes a condition: not-running (the default) returns at once when the container is not running; next-exit always waits for the next exit; removed waits for the removal. The answer is the exit code at that moment.",
        seed: 12,
        steps: vec![
            step(create(job), "A container that will exit 3 when told.", vec![status("job", "created", "Created")]),
            step(wait(WaitCondition::NotRunning, None), "not-running on a created container returns at once with 0: it is not running.", vec![Expect::Returned { number: 1, exit_code: 0, error: None }]),
            step(wait(WaitCondition::NextExit, Some(2_000)), "next-exit never returns at once; this waiter gives up after 2 s.", vec![Expect::Waiting { number: 2 }]),
            step(Step::NextDeadline, "Nothing exited in 2 s: the wait gave up with -1 and the context's error, as a client timeout does (the real engine sent no answer at all).", vec![Expect::Returned { number: 2, exit_code: -1, error: Some("context deadline exceeded") }]),
            step(Step::Op(Op::Start { target: t("job") }), "Running now.", vec![status("job", "running", "Up Less than a second")]),
            step(wait(WaitCondition::NextExit, None), "next-exit waits…", vec![Expect::Waiting { number: 3 }]),
            step(wait(WaitCondition::NotRunning, None), "…and so does not-running while it runs.", vec![Expect::Waiting { number: 4 }]),
            step(Step::Exit { target: t("job"), code: 3 }, "The process exits 3: both waiters return 3.", vec![Expect::Returned { number: 3, exit_code: 3, error: None }, Expect::Returned { number: 4, exit_code: 3, error: None }, status("job", "exited", "Exited (3) Less than a second ago")]),
            step(wait(WaitCondition::NotRunning, None), "On an exited container not-running returns at once, with the last exit code.", vec![Expect::Returned { number: 5, exit_code: 3, error: None }]),
            step(wait(WaitCondition::NextExit, Some(5_000)), "But next-exit waits for an exit that has not happened yet, even though the container is exited. This is the difference: not-running asks about now, next-exit about the future.", vec![Expect::Waiting { number: 6 }]),
            step(Step::NextDeadline, "No exit within 5 s: it gave up.", vec![Expect::Returned { number: 6, exit_code: -1, error: Some("context deadline exceeded") }]),
            step(wait(WaitCondition::Removed, None), "removed waits for docker rm.", vec![Expect::Waiting { number: 7 }]),
            step(Step::Op(Op::Remove { target: t("job"), force: false }), "Removed: the waiter returns the last exit code, 3.", vec![Expect::Returned { number: 7, exit_code: 3, error: None }, Expect::Gone { name: "job" }]),
        ],
    }
}

fn oom() -> Lesson {
    let hog = CreateSpec {
        memory: 8 * 1024 * 1024,
        ..CreateSpec::new(BUSYBOX, &["sh", "-c", "x=a; while true; do x=$x$x; done"])
            .named("hog")
            .program(Program::AllocatesMemory { after_ms: 100 })
    };
    let victim = CreateSpec::new(BUSYBOX, &["sleep", "1000"]).named("victim");
    Lesson {
        id: "oom",
        title: "OOM kill and exit 137",
        intro: "Exit code 137 is 128 + 9: the process died of SIGKILL. The kernel's OOM killer sends it, and so does docker kill. Only the OOMKilled flag tells them apart.",
        seed: 13,
        steps: vec![
            step(create(hog), "A container limited to 8 MB (-m 8m) whose shell doubles a string forever.", vec![status("hog", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("hog") }), "Running, allocating.", vec![status("hog", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "About 0.1 s later the kernel kills it for memory: an oom event, then die with exit code 137, and OOMKilled is true.", vec![status("hog", "exited", "Exited (137) Less than a second ago")]),
            step(create(victim), "For comparison, an ordinary container.", vec![status("victim", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("victim") }), "Running.", vec![status("victim", "running", "Up Less than a second")]),
            step(Step::Op(Op::Kill { target: t("victim"), signal: None }), "docker kill sends SIGKILL: also 137, but OOMKilled stays false.", vec![status("victim", "exited", "Exited (137) Less than a second ago")]),
            step(Step::Op(Op::Start { target: t("hog") }), "Starting hog again clears OOMKilled (every start does)…", vec![status("hog", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "…until the next OOM kill.", vec![status("hog", "exited", "Exited (137) Less than a second ago")]),
        ],
    }
}

fn health() -> Lesson {
    let check = HealthConfig {
        test: vec![t("CMD-SHELL"), t("wget -q -O- localhost/health")],
        interval: Duration::from_secs(1).as_nanos(),
        retries: 2,
        ..HealthConfig::default()
    };
    let api = CreateSpec::new(BUSYBOX, &["httpd", "-f"])
        .named("api")
        .healthcheck(check, Probe::PassesThenFails { passes: 2 });
    Lesson {
        id: "health",
        title: "Health checks from starting to unhealthy",
        intro: "A health check runs a probe every interval (here 1 s). The status starts as starting, turns healthy at the first pass, and unhealthy after retries (here 2) failures in a row. Here the first two probes pass and the later ones fail.",
        seed: 14,
        steps: vec![
            step(create(api), "Created with --health-cmd, --health-interval 1s and --health-retries 2.", vec![status("api", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("api") }), "Started: health starting until the first probe.", vec![status("api", "running", "Up Less than a second (health: starting)")]),
            step(Step::NextDeadline, "The first probe passed: healthy (an event health_status: healthy).", vec![status("api", "running", "Up 1 second (healthy)")]),
            step(Step::NextDeadline, "The second passed too.", vec![status("api", "running", "Up 2 seconds (healthy)")]),
            step(Step::NextDeadline, "The third failed: FailingStreak 1, still healthy, because retries is 2.", vec![status("api", "running", "Up 3 seconds (healthy)")]),
            step(Step::NextDeadline, "The second failure in a row: unhealthy. The container keeps running: the engine never restarts an unhealthy container by itself.", vec![status("api", "running", "Up 4 seconds (unhealthy)")]),
            step(Step::Op(Op::Restart { target: t("api"), timeout: None }), "docker restart: a new run starts with health starting again.", vec![status("api", "running", "Up Less than a second (health: starting)")]),
        ],
    }
}

fn stopping() -> Lesson {
    let polite = CreateSpec::new(BUSYBOX, &["httpd", "-f"]).named("polite");
    let stubborn = CreateSpec::new(BUSYBOX, &["sleep", "1000"])
        .named("stubborn")
        .program(Program::IgnoresSigterm);
    Lesson {
        id: "stopping",
        title: "stop, kill and the stop timeout",
        intro: "docker stop sends the stop signal (SIGTERM unless the image says otherwise), waits the stop timeout (10 s unless -t or --stop-timeout), then sends SIGKILL. docker kill sends SIGKILL (or -s) at once.",
        seed: 15,
        steps: vec![
            step(create(polite), "A program that exits when asked.", vec![status("polite", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("polite") }), "Running.", vec![status("polite", "running", "Up Less than a second")]),
            step(Step::Op(Op::Stop { target: t("polite"), timeout: Some(10) }), "SIGTERM, and it exits at once: 143 = 128 + 15.", vec![status("polite", "exited", "Exited (143) Less than a second ago")]),
            step(create(stubborn), "busybox sleep as PID 1 has no SIGTERM handler, and the kernel drops signals PID 1 does not handle.", vec![status("stubborn", "created", "Created")]),
            step(Step::Op(Op::Start { target: t("stubborn") }), "Running.", vec![status("stubborn", "running", "Up Less than a second")]),
            step(Step::Op(Op::Stop { target: t("stubborn"), timeout: Some(1) }), "docker stop -t 1: SIGTERM is ignored; it is still running and the engine waits 1 s.", vec![status("stubborn", "running", "Up Less than a second")]),
            step(Step::NextDeadline, "The timeout passed: SIGKILL, exit 137 (the real engine took 1.1 s and reported 137).", vec![status("stubborn", "exited", "Exited (137) Less than a second ago")]),
            step(Step::Op(Op::Start { target: t("stubborn") }), "Running again.", vec![status("stubborn", "running", "Up Less than a second")]),
            step(Step::Op(Op::Kill { target: t("stubborn"), signal: Some(t("SIGTERM")) }), "docker kill -s SIGTERM sends just that signal; ignored, it keeps running.", vec![status("stubborn", "running", "Up Less than a second")]),
            step(Step::Op(Op::Kill { target: t("stubborn"), signal: None }), "docker kill (SIGKILL) cannot be ignored: 137 at once.", vec![status("stubborn", "exited", "Exited (137) Less than a second ago")]),
        ],
    }
}

/// The unnamed containers the names lesson creates until two IDs share their first digit, and
/// that digit (IDs come from the seed, so this is the same every time).
fn ambiguous_prefix(seed: u64, named: &[CreateSpec]) -> (usize, String, String) {
    let mut session = Session::new(seed, DEFAULT_START);
    session.steps = named.iter().map(|spec| create(spec.clone())).collect();
    let mut lab = Lab::new(session);
    for extra in 0..17 {
        let mut first: BTreeMap<char, Vec<String>> = BTreeMap::new();
        for s in lab.current().view.iter() {
            if let Some(c) = s.id().chars().next() {
                first.entry(c).or_default().push(s.id().to_owned());
            }
        }
        if let Some((c, ids)) = first.iter().find(|(_, ids)| ids.len() > 1) {
            let unique = ids
                .iter()
                .find(|id| {
                    !lab.current()
                        .view
                        .iter()
                        .any(|o| o.id() != id.as_str() && o.id().get(..12) == id.get(..12))
                })
                .and_then(|id| id.get(..12))
                .unwrap_or_default()
                .to_owned();
            return (extra, c.to_string(), unique);
        }
        lab.apply(create(CreateSpec::new(BUSYBOX, &["sleep", "1000"])));
    }
    (17, String::new(), String::new())
}

fn names() -> Lesson {
    let seed = 16;
    let web = CreateSpec::new(BUSYBOX, &["httpd", "-f"]).named("web");
    let db = CreateSpec::new(BUSYBOX, &["sleep", "1000"]).named("db");
    let (extra, prefix, unique) = ambiguous_prefix(seed, &[web.clone(), db.clone()]);
    let mut steps = vec![
        step(
            create(web.clone()),
            "Every name is reserved in the ViewDb for one container ID.",
            vec![status("web", "created", "Created")],
        ),
        step(
            create(web),
            "A second container named web: refused, the name is taken (409, the engine's words).",
            vec![Expect::Refused {
                status: 409,
                contains: "Conflict. The container name \"/web\" is already in use by container",
            }],
        ),
        step(
            create(db),
            "db is free.",
            vec![status("db", "created", "Created")],
        ),
        step(
            Step::Op(Op::Rename {
                target: t("db"),
                name: t("web"),
            }),
            "Renaming onto a taken name fails the same way, wrapped.",
            vec![Expect::Refused {
                status: 409,
                contains: "Error when allocating new name: Conflict.",
            }],
        ),
        step(
            Step::Op(Op::Rename {
                target: t("db"),
                name: t("db"),
            }),
            "Renaming to its own name is a 400.",
            vec![Expect::Refused {
                status: 400,
                contains: "Renaming a container with the same name as its current name",
            }],
        ),
    ];
    for _ in 0..extra {
        steps.push(step(
            create(CreateSpec::new(BUSYBOX, &["sleep", "1000"])),
            "Without --name the engine makes up an adjective_surname name.",
            vec![],
        ));
    }
    steps.push(step(
        Step::Inspect { target: prefix },
        "Any unique beginning of an ID finds a container, but two IDs start with this one: the engine cannot choose (20.10 answers 500, with a capital M).",
        vec![Expect::Refused { status: 500, contains: "Multiple IDs found with provided prefix:" }],
    ));
    steps.push(step(
        Step::Inspect { target: unique },
        "Twelve digits, as docker ps shows them, are unique here: found.",
        vec![],
    ));
    Lesson {
        id: "names",
        title: "Names and ID prefixes",
        intro: "Names are unique: the ViewDb reserves each one for a single container. A container can be named by its name, its full ID, or any unique beginning of its ID.",
        seed,
        steps,
    }
}

impl Expect {
    /// What the learner should see, in words.
    pub fn describe(&self) -> String {
        match self {
            Expect::Status {
                name,
                state,
                status,
            } => format!("{name}: {state}, “{status}”"),
            Expect::Returned {
                number,
                exit_code,
                error,
            } => match error {
                Some(e) => format!("wait #{number} returns {exit_code} ({e})"),
                None => format!("wait #{number} returns {exit_code}"),
            },
            Expect::Waiting { number } => format!("wait #{number} is waiting"),
            Expect::Refused { status, contains } => format!("refused: {status} “{contains}…”"),
            Expect::Gone { name } => format!("{name} is gone"),
        }
    }

    /// Whether `record` (a step as it went) shows it; the difference when it does not.
    pub fn check(&self, record: &Record) -> Result<(), String> {
        let frame = &record.frame;
        match self {
            Expect::Status {
                name,
                state,
                status,
            } => {
                let s = frame
                    .view
                    .resolve(name)
                    .map_err(|e| format!("{name}: {e}"))?;
                let got_state = s.container.state.state_string();
                let got_status = s.status_at(frame.now);
                if got_state == *state && got_status == *status {
                    Ok(())
                } else {
                    Err(format!(
                        "{name}: expected {state} “{status}”, got {got_state} “{got_status}”"
                    ))
                }
            }
            Expect::Returned {
                number,
                exit_code,
                error,
            } => {
                let w = waiter(frame, *number)?;
                match &w.outcome {
                    Some(o)
                        if o.status.exit_code == *exit_code
                            && o.status.error.as_deref() == *error =>
                    {
                        Ok(())
                    }
                    Some(o) => Err(format!(
                        "wait #{number}: expected {exit_code} {error:?}, got {} {:?}",
                        o.status.exit_code, o.status.error
                    )),
                    None => Err(format!("wait #{number} is still waiting")),
                }
            }
            Expect::Waiting { number } => match waiter(frame, *number)?.outcome {
                None => Ok(()),
                Some(ref o) => Err(format!(
                    "wait #{number} returned {} instead of waiting",
                    o.status.exit_code
                )),
            },
            Expect::Refused { status, contains } => match &record.result {
                Err(e) if e.status == *status && e.message.contains(contains) => Ok(()),
                Err(e) => Err(format!(
                    "expected {status} “{contains}”, got {} “{}”",
                    e.status, e.message
                )),
                Ok(done) => Err(format!("expected a refusal, got {done:?}")),
            },
            Expect::Gone { name } => match frame.view.resolve(name) {
                Err(_) => Ok(()),
                Ok(s) => Err(format!("{name} is still there ({})", s.id())),
            },
        }
    }
}

fn waiter(frame: &Frame, number: usize) -> Result<&WaitInfo, String> {
    number
        .checked_sub(1)
        .and_then(|i| frame.waiters.get(i))
        .ok_or_else(|| format!("there is no wait #{number}"))
}
