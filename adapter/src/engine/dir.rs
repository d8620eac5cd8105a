//! The read-only data-root engine (`--engine dir:PATH`): the containers a Docker daemon left in
//! `PATH/containers/<id>/config.v2.json` and `hostconfig.json`, read with
//! [`Container::from_disk`], for a daemon that is stopped or broken.
//!
//! There is no daemon to ask, so there is no event stream to follow: [`DirEngine::events`]
//! re-reads the directory every [`POLL_INTERVAL`] and yields synthetic events (`create`,
//! `destroy`, `rename`, `start`, `die`, `pause`, `unpause`, `health_status: …`) for what
//! changed on disk; a follower confirms each with an inspect, which reads the files again, so
//! it ends equal to them whatever the event said. It ignores `since`: the files keep no
//! history. This is the only engine that polls. Files that cannot be read or parsed are skipped
//! with a warning. Every change is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use berth_core::errdefs::ErrorKind;
use berth_core::events::Event;
use berth_core::ops::Op;
use berth_core::time::Time;
use berth_core::Container;
use futures_util::stream::{self, StreamExt};

use super::{system_now, Answer, Engine, EngineError, EngineInfo, EventStream, Listing};

/// How often [`DirEngine::events`] re-reads the data root.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The message every refused change carries.
pub const READ_ONLY_MESSAGE: &str = "read-only: the dir engine cannot change containers";

/// A read-only view of a Docker data root.
#[derive(Debug, Clone)]
pub struct DirEngine {
    root: PathBuf,
}

impl DirEngine {
    /// The data root at `root` (the directory that holds `containers/`). Fails when
    /// `root/containers` is not a readable directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<DirEngine, EngineError> {
        let root = root.into();
        let containers = root.join("containers");
        std::fs::read_dir(&containers).map_err(|e| {
            EngineError::Connection(format!(
                "{} is not a Docker data root: cannot read {}: {e}",
                root.display(),
                containers.display()
            ))
        })?;
        Ok(DirEngine { root })
    }

    /// The data root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every readable container record, by ID.
    async fn read_all(&self) -> Result<BTreeMap<String, Container>, EngineError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || read_containers(&root))
            .await
            .map_err(|e| EngineError::Connection(format!("reading the data root failed: {e}")))?
    }

    fn refuse() -> EngineError {
        EngineError::Api {
            status: 403,
            kind: ErrorKind::Conflict,
            message: READ_ONLY_MESSAGE.to_owned(),
        }
    }
}

/// Reads `root/containers/*/config.v2.json` (+ `hostconfig.json`), skipping what cannot be read.
fn read_containers(root: &Path) -> Result<BTreeMap<String, Container>, EngineError> {
    let dir = root.join("containers");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| EngineError::Connection(format!("cannot read {}: {e}", dir.display())))?;
    let mut out = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        match read_container(&path) {
            Ok(Some(c)) if !c.id.is_empty() => {
                out.insert(c.id.clone(), c);
            }
            Ok(Some(_)) => {
                tracing::warn!("skipping {}: config.v2.json has no ID", path.display());
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("skipping {}: {e}", path.display()),
        }
    }
    Ok(out)
}

/// One container directory; `None` when it has no `config.v2.json` (yet).
fn read_container(dir: &Path) -> Result<Option<Container>, String> {
    let config = match std::fs::read_to_string(dir.join("config.v2.json")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read config.v2.json: {e}")),
    };
    let host = match std::fs::read_to_string(dir.join("hostconfig.json")) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read hostconfig.json: {e}")),
    };
    Container::from_disk(&config, host.as_deref())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The container `reference` names: its full ID, its name (with or without the slash), or a
/// unique ID prefix, as the engine resolves them.
fn resolve<'a>(
    all: &'a BTreeMap<String, Container>,
    reference: &str,
) -> Result<&'a Container, EngineError> {
    if let Some(c) = all.get(reference) {
        return Ok(c);
    }
    let name = reference.strip_prefix('/').unwrap_or(reference);
    if let Some(c) = all.values().find(|c| c.short_name() == name) {
        return Ok(c);
    }
    let mut matches = all.values().filter(|c| c.id.starts_with(reference));
    match (reference.is_empty(), matches.next(), matches.next()) {
        (false, Some(c), None) => Ok(c),
        (false, Some(_), Some(_)) => Err(EngineError::api(
            ErrorKind::InvalidParameter,
            format!("multiple IDs found with provided prefix: {reference}"),
        )),
        _ => Err(EngineError::no_such_container(reference)),
    }
}

/// The events that take `before` to `after` (see the module documentation), at `at`.
fn changes(
    before: &BTreeMap<String, Container>,
    after: &BTreeMap<String, Container>,
    at: Time,
) -> Vec<Event> {
    let event = |action: &str, c: &Container| {
        Event::container(action, c.id.clone(), at)
            .with_attribute("name", c.short_name())
            .with_attribute("image", c.config.image.clone())
    };
    let mut out = Vec::new();
    for (id, old) in before {
        if !after.contains_key(id) {
            out.push(event("destroy", old));
        }
    }
    for (id, new) in after {
        let Some(old) = before.get(id) else {
            out.push(event("create", new));
            continue;
        };
        if old.name != new.name {
            out.push(event("rename", new).with_attribute("oldName", old.name.clone()));
        }
        let (was, is) = (&old.state, &new.state);
        let restarted = is.running && was.running && was.started_at != is.started_at;
        if was.running && (!is.running || is.restarting && !was.restarting || restarted) {
            out.push(event("die", new).with_attribute("exitCode", is.exit_code.to_string()));
        }
        if is.running && !is.restarting && (!was.running || was.restarting || restarted) {
            out.push(event("start", new));
        }
        if is.running && was.running && !restarted {
            if is.paused && !was.paused {
                out.push(event("pause", new));
            } else if was.paused && !is.paused {
                out.push(event("unpause", new));
            }
        }
        let health = |c: &Container| c.state.health.as_ref().map(|h| h.status().to_string());
        if let (Some(h), true) = (health(new), health(old) != health(new)) {
            out.push(event(&format!("health_status: {h}"), new));
        }
    }
    out
}

#[async_trait]
impl Engine for DirEngine {
    fn kind(&self) -> &'static str {
        "dir"
    }

    fn read_only(&self) -> bool {
        true
    }

    async fn version(&self) -> Result<EngineInfo, EngineError> {
        Ok(EngineInfo {
            name: format!("Docker data root {} (read-only)", self.root.display()),
            version: String::new(),
            api_version: String::new(),
            os: std::env::consts::OS.to_owned(),
            arch: match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                other => other,
            }
            .to_owned(),
        })
    }

    async fn list(&self) -> Result<Listing, EngineError> {
        Ok(Listing::of(self.read_all().await?.into_values().collect()))
    }

    async fn inspect(&self, id: &str) -> Result<Container, EngineError> {
        let all = self.read_all().await?;
        resolve(&all, id).cloned()
    }

    async fn events(&self, _since: Option<Time>) -> Result<EventStream, EngineError> {
        let engine = self.clone();
        let first = engine.read_all().await?;
        let polls = stream::unfold((engine, first), |(engine, mut seen)| async move {
            loop {
                tokio::time::sleep(POLL_INTERVAL).await;
                match engine.read_all().await {
                    Ok(now) => {
                        let events = changes(&seen, &now, system_now());
                        seen = now;
                        if !events.is_empty() {
                            return Some((events, (engine, seen)));
                        }
                    }
                    Err(e) => tracing::warn!("{e}"),
                }
            }
        });
        Ok(polls
            .flat_map(|events| stream::iter(events.into_iter().map(Ok)))
            .boxed())
    }

    async fn apply(&self, _op: &Op) -> Result<Answer, EngineError> {
        Err(DirEngine::refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_core::actions::Action;
    use berth_core::wait::WaitCondition;

    fn recorded(name: &str) -> (String, String) {
        let dir = format!(
            "{}/../testdata/engine/disk/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let read = |f: &str| {
            std::fs::read_to_string(format!("{dir}/{f}"))
                .unwrap_or_else(|e| panic!("{dir}/{f}: {e}"))
        };
        (read("config.v2.json"), read("hostconfig.json"))
    }

    /// A data root with the recorded `fresh`, `web`, `crash` and `hc` containers, plus a garbled
    /// one and a half-created one.
    fn data_root() -> (tempfile::TempDir, BTreeMap<String, Container>) {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut expected = BTreeMap::new();
        for name in ["fresh", "web", "crash", "hc"] {
            let (config, host) = recorded(name);
            let c = Container::from_disk(&config, Some(&host)).unwrap_or_else(|e| panic!("{e}"));
            let dir = tmp.path().join("containers").join(&c.id);
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(dir.join("config.v2.json"), config).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(dir.join("hostconfig.json"), host).unwrap_or_else(|e| panic!("{e}"));
            expected.insert(c.id.clone(), c);
        }
        let garbled = tmp.path().join("containers/garbled");
        std::fs::create_dir_all(&garbled).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(garbled.join("config.v2.json"), "{\"State\": [")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(tmp.path().join("containers/half"))
            .unwrap_or_else(|e| panic!("{e}"));
        (tmp, expected)
    }

    #[tokio::test]
    async fn lists_and_inspects_what_the_files_say() {
        let (tmp, expected) = data_root();
        let engine = DirEngine::open(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
        let listed: BTreeMap<String, Container> = engine
            .list()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .containers
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        assert_eq!(listed, expected);
        let web = engine
            .inspect("web")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(web.state.state_string(), "paused");
        assert_eq!(web.name, "/web");
        let by_prefix = engine
            .inspect(&web.id[..12])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_prefix.id, web.id);
        let crash = engine
            .inspect("/crash")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(crash.state.state_string(), "exited");
        assert_eq!(crash.restart_count, 2);
        assert_eq!(
            engine
                .inspect("fresh")
                .await
                .map(|c| c.state.state_string()),
            Ok("created")
        );
        assert_eq!(
            engine.inspect("nope").await,
            Err(EngineError::no_such_container("nope"))
        );
    }

    #[tokio::test]
    async fn every_change_is_refused() {
        let (tmp, _) = data_root();
        let engine = DirEngine::open(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
        assert!(engine.read_only());
        let mut ops: Vec<Op> = Action::ALL
            .into_iter()
            .map(|a| Op::of_action(a, "web"))
            .collect();
        ops.push(Op::Rename {
            target: "web".into(),
            name: "other".into(),
        });
        ops.push(Op::Wait {
            target: "web".into(),
            condition: WaitCondition::NotRunning,
            timeout_ms: None,
        });
        for op in &ops {
            let err = engine.apply(op).await.err();
            assert_eq!(
                err.map(|e| e.to_string()),
                Some(READ_ONLY_MESSAGE.to_owned()),
                "{op:?}"
            );
        }
    }

    #[test]
    fn a_missing_data_root_is_an_error() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            DirEngine::open(tmp.path()),
            Err(EngineError::Connection(_))
        ));
    }

    #[test]
    fn changes_on_disk_become_events() {
        let (_tmp, before) = data_root();
        let at = Time::from_unix_secs(1_700_000_000);
        let mut after = before.clone();
        let web_id = after
            .values()
            .find(|c| c.short_name() == "web")
            .map(|c| c.id.clone())
            .unwrap_or_default();
        let fresh_id = after
            .values()
            .find(|c| c.short_name() == "fresh")
            .map(|c| c.id.clone())
            .unwrap_or_default();
        if let Some(web) = after.get_mut(&web_id) {
            web.state.set_unpaused();
            web.name = "/web2".to_owned();
        }
        after.remove(&fresh_id);
        let verbs: Vec<(String, String)> = changes(&before, &after, at)
            .into_iter()
            .map(|e| (e.action.clone(), e.actor.id.clone()))
            .collect();
        assert_eq!(
            verbs,
            vec![
                ("destroy".to_owned(), fresh_id.clone()),
                ("rename".to_owned(), web_id.clone()),
                ("unpause".to_owned(), web_id.clone()),
            ]
        );
        if let Some(web) = after.get_mut(&web_id) {
            web.state
                .set_stopped(berth_core::ExitStatus::new(137, at), at);
        }
        let web_changes = changes(&before, &after, at);
        let die = web_changes.iter().find(|e| e.action == "die");
        assert_eq!(die.and_then(|e| e.attribute("exitCode")), Some("137"));
        assert!(changes(&after, &after, at).is_empty());
    }
}
