//! The lab's results for recorded sequences equal what the real engine reported: every
//! testdata/lab/*.json is replayed through the lab model, and after each step the container's
//! state, status text, exit code, restart count, OOM flag, health, the waiters' answers and the
//! engine's refusals are compared with the recordings in testdata/engine (see
//! testdata/lab/README.md).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use berth_web::lab::model::{Done, Lab, Record, Session, Step};
use serde::Deserialize;
use serde_json::Value;

/// The recorded sequences (testdata/lab), embedded so the test also runs in wasm.
const SEQUENCES: &[(&str, &str)] = &[
    (
        "always.json",
        include_str!("../../testdata/lab/always.json"),
    ),
    ("crash.json", include_str!("../../testdata/lab/crash.json")),
    (
        "health.json",
        include_str!("../../testdata/lab/health.json"),
    ),
    ("oom.json", include_str!("../../testdata/lab/oom.json")),
    (
        "refusals.json",
        include_str!("../../testdata/lab/refusals.json"),
    ),
    (
        "stop-kill.json",
        include_str!("../../testdata/lab/stop-kill.json"),
    ),
    ("waits.json", include_str!("../../testdata/lab/waits.json")),
];

/// The real engine's recordings the sequences refer to (testdata/engine).
const ERRORS: &str = include_str!("../../testdata/engine/errors.json");
const WAITS: &str = include_str!("../../testdata/engine/waits.json");
#[path = "../../testdata/engine/inspect.rs"]
mod recorded_inspect;
use recorded_inspect::INSPECT;
/// Recordings named in the sequences without being compared field by field.
const OTHER_RECORDINGS: &[&str] = &[
    "crash-poll.jsonl",
    "always-poll.jsonl",
    "hc-poll.jsonl",
    "sick-poll.jsonl",
    "ps-snapshots.jsonl",
    "events.jsonl",
    "unless-restart.json",
    "cli.jsonl",
    "errors.json",
    "waits.json",
];

fn parse(what: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[derive(Deserialize)]
struct Sequence {
    description: String,
    recording: Vec<String>,
    seed: u64,
    steps: Vec<SeqStep>,
}

#[derive(Deserialize)]
struct SeqStep {
    #[serde(rename = "do")]
    step: Step,
    #[serde(default)]
    expect: Expect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    container: Option<String>,
    state: Option<String>,
    status: Option<String>,
    exit_code: Option<i64>,
    restart_count: Option<i64>,
    oom_killed: Option<bool>,
    health: Option<String>,
    failing_streak: Option<i64>,
    inspect: Option<String>,
    error: Option<String>,
    wait: Option<WaitCase>,
    waiting: Option<usize>,
    gone: Option<bool>,
}

#[derive(Deserialize)]
struct WaitCase {
    number: usize,
    case: String,
}

/// The real engine's recordings.
struct Engine {
    errors: Vec<Value>,
    waits: Vec<Value>,
    /// Recorded container name → its recorded ID.
    ids: BTreeMap<String, String>,
}

impl Engine {
    fn load() -> Engine {
        let errors = parse("errors.json", ERRORS)
            .as_array()
            .cloned()
            .unwrap_or_default();
        let waits = parse("waits.json", WAITS)
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut ids = BTreeMap::new();
        for (name, text) in INSPECT {
            let doc = parse(name, text);
            if let (Some(name), Some(id)) = (doc["Name"].as_str(), doc["Id"].as_str()) {
                ids.insert(name.trim_start_matches('/').to_owned(), id.to_owned());
            }
        }
        for case in errors.iter().chain(&waits) {
            if let (Some(name), Some(id)) = (case["target"].as_str(), case["target_id"].as_str()) {
                if !name.is_empty() && !id.is_empty() {
                    ids.insert(name.to_owned(), id.to_owned());
                }
            }
        }
        Engine { errors, waits, ids }
    }

    fn case<'a>(list: &'a [Value], name: &str) -> &'a Value {
        list.iter()
            .find(|c| c["case"] == name)
            .unwrap_or_else(|| panic!("no recorded case {name}"))
    }

    fn inspect(name: &str) -> Value {
        let text = INSPECT
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .unwrap_or_else(|| panic!("no recorded inspect/{name}.json"));
        parse(name, text)
    }
}

/// The recorded message with the recorded IDs replaced by the lab's IDs of the same names.
fn translate(message: &str, engine: &Engine, record: &Record) -> String {
    let mut out = message.to_owned();
    for (name, real) in &engine.ids {
        let ours = record
            .frame
            .view
            .resolve(name)
            .map(|s| s.id().to_owned())
            .ok()
            .or_else(|| {
                record
                    .frame
                    .removed
                    .iter()
                    .find(|(_, n)| n.trim_start_matches('/') == name)
                    .map(|(id, _)| id.clone())
            });
        if let Some(ours) = ours {
            out = out.replace(real.as_str(), &ours);
        }
    }
    out
}

fn check_step(file: &str, i: usize, s: &SeqStep, record: &Record, engine: &Engine) {
    let at = format!("{file} step {} ({:?})", i + 1, s.step);
    let e = &s.expect;
    let frame = &record.frame;

    if let Some(case) = &e.error {
        let recorded = Engine::case(&engine.errors, case);
        let status = recorded["status"].as_u64().unwrap_or(0);
        if status == 304 {
            assert_eq!(record.result, Ok(Done::NotModified), "{at}: {case}");
        } else {
            let err = record.result.as_ref().err().unwrap_or_else(|| {
                panic!("{at}: expected the refusal {case}, got {:?}", record.result)
            });
            assert_eq!(
                u64::from(err.status),
                status,
                "{at}: {case} status ({})",
                err.message
            );
            let mut message = translate(
                recorded["body"]["message"].as_str().unwrap_or_default(),
                engine,
                record,
            );
            // An ID prefix is the step's own (IDs differ from the recording's).
            if let (Some(path), Some(target)) = (recorded["path"].as_str(), s.step.target()) {
                let recorded_ref = path.split('/').nth(3).unwrap_or_default();
                let suffix = format!("prefix: {recorded_ref}");
                if message.ends_with(&suffix) {
                    message = format!(
                        "{}prefix: {target}",
                        &message[..message.len() - suffix.len()]
                    );
                }
            }
            assert_eq!(err.message, message, "{at}: {case} message");
        }
    } else {
        assert!(record.result.is_ok(), "{at}: refused: {:?}", record.result);
    }

    if let Some(w) = &e.wait {
        let recorded = Engine::case(&engine.waits, &w.case);
        let waiter = frame
            .waiters
            .get(w.number.wrapping_sub(1))
            .unwrap_or_else(|| panic!("{at}: no waiter {}", w.number));
        if recorded["body"].is_null() {
            // The engine never answered: the waiter did not return on its own.
            assert!(
                waiter.outcome.as_ref().is_none_or(|o| o.timed_out),
                "{at}: waiter {} returned {:?}, the engine never answered",
                w.number,
                waiter.outcome
            );
        } else {
            let outcome = waiter
                .outcome
                .as_ref()
                .unwrap_or_else(|| panic!("{at}: waiter {} is still waiting", w.number));
            assert!(!outcome.timed_out, "{at}: waiter {} timed out", w.number);
            assert_eq!(
                Some(outcome.status.exit_code),
                recorded["body"]["StatusCode"].as_i64(),
                "{at}: {}",
                w.case
            );
            assert_eq!(
                outcome.status.error.as_deref(),
                recorded["body"]["Error"]["Message"].as_str(),
                "{at}: {}",
                w.case
            );
        }
    }
    if let Some(n) = e.waiting {
        let waiter = frame
            .waiters
            .get(n.wrapping_sub(1))
            .unwrap_or_else(|| panic!("{at}: no waiter {n}"));
        assert_eq!(waiter.outcome, None, "{at}: waiter {n}");
    }

    let Some(name) = &e.container else {
        return;
    };
    if e.gone == Some(true) {
        assert!(
            frame.view.resolve(name).is_err(),
            "{at}: {name} is still there"
        );
        return;
    }
    let s = frame
        .view
        .resolve(name)
        .unwrap_or_else(|err| panic!("{at}: {name}: {err}"));
    let c = &s.container;
    if let Some(state) = &e.state {
        assert_eq!(c.state.state_string(), state, "{at}: {name} state");
    }
    if let Some(status) = &e.status {
        assert_eq!(&s.status_at(frame.now), status, "{at}: {name} status");
    }
    if let Some(code) = e.exit_code {
        assert_eq!(c.state.exit_code, code, "{at}: {name} exit code");
    }
    if let Some(n) = e.restart_count {
        assert_eq!(c.restart_count, n, "{at}: {name} restart count");
    }
    if let Some(oom) = e.oom_killed {
        assert_eq!(c.state.oom_killed, oom, "{at}: {name} OOMKilled");
    }
    if let Some(h) = &e.health {
        let got = c.state.health.as_ref().map(|h| h.status().to_string());
        assert_eq!(got.as_deref(), Some(h.as_str()), "{at}: {name} health");
    }
    if let Some(n) = e.failing_streak {
        let got = c.state.health.as_ref().map(|h| h.failing_streak);
        assert_eq!(got, Some(n), "{at}: {name} failing streak");
    }
    if let Some(recorded_name) = &e.inspect {
        let doc = Engine::inspect(recorded_name);
        let st = &doc["State"];
        assert_eq!(
            Some(c.state.state_string()),
            st["Status"].as_str(),
            "{at}: inspect/{recorded_name} Status"
        );
        assert_eq!(
            Some(c.state.exit_code),
            st["ExitCode"].as_i64(),
            "{at}: inspect/{recorded_name} ExitCode"
        );
        assert_eq!(
            Some(c.state.oom_killed),
            st["OOMKilled"].as_bool(),
            "{at}: inspect/{recorded_name} OOMKilled"
        );
        assert_eq!(
            Some(c.restart_count),
            doc["RestartCount"].as_i64(),
            "{at}: inspect/{recorded_name} RestartCount"
        );
        assert_eq!(
            Some(c.state.running),
            st["Running"].as_bool(),
            "{at}: inspect/{recorded_name} Running"
        );
        assert_eq!(
            Some(c.state.paused),
            st["Paused"].as_bool(),
            "{at}: inspect/{recorded_name} Paused"
        );
        assert_eq!(
            Some(c.state.restarting),
            st["Restarting"].as_bool(),
            "{at}: inspect/{recorded_name} Restarting"
        );
        assert_eq!(
            Some(c.state.dead),
            st["Dead"].as_bool(),
            "{at}: inspect/{recorded_name} Dead"
        );
        let health = c.state.health.as_ref().map(|h| h.status().to_string());
        assert_eq!(
            health.as_deref(),
            st["Health"]["Status"].as_str(),
            "{at}: inspect/{recorded_name} Health"
        );
    }
}

#[test]
fn recorded_sequences_replay_to_what_the_engine_reported() {
    let engine = Engine::load();
    let mut checked = 0;
    for (file, text) in SEQUENCES {
        let file = *file;
        let seq: Sequence = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            !seq.description.is_empty() && !seq.recording.is_empty(),
            "{file}"
        );
        for r in &seq.recording {
            let known = OTHER_RECORDINGS.contains(&r.as_str())
                || r.strip_prefix("inspect/")
                    .and_then(|n| n.strip_suffix(".json"))
                    .is_some_and(|n| INSPECT.iter().any(|(i, _)| *i == n));
            assert!(known, "{file}: unknown recording {r}");
        }
        let mut lab = Lab::new(Session::new(seq.seed, berth_web::lab::model::DEFAULT_START));
        for (i, s) in seq.steps.iter().enumerate() {
            let record = lab.apply(s.step.clone()).clone();
            check_step(file, i, s, &record, &engine);
            checked += 1;
        }
        // The sequence replays to the same result from its session (export, import, replay).
        let replayed = Lab::new(lab.session().clone());
        assert_eq!(replayed.len(), lab.len(), "{file}");
        for (i, s) in seq.steps.iter().enumerate() {
            check_step(file, i, s, &replayed.records()[i], &engine);
        }
    }
    assert!(checked > 80, "only {checked} steps checked");
}

/// Every sequence file is in [`SEQUENCES`], and every recording they name exists.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_sequence_in_testdata_lab_is_checked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
        .join("testdata");
    let mut on_disk: Vec<String> = std::fs::read_dir(root.join("lab"))
        .unwrap_or_else(|e| panic!("testdata/lab: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = SEQUENCES.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, listed);
    for r in OTHER_RECORDINGS {
        assert!(
            root.join("engine").join(r).is_file(),
            "no testdata/engine/{r}"
        );
    }
}
