//! The operations a client asks of an engine, as one type: [`Op`], each with its `docker` CLI
//! spelling ([`Op::cli`]) and its Engine API request ([`Op::request`]) as data. The simulated
//! engine carries them out ([`crate::sim::Sim::apply`]), the lab's steps carry them, and the
//! web app sends them to berth's API, which takes the Engine API's paths under `/api`.
//!
//! What the engine does on its own (a process exiting, an OOM kill, a restart by policy) is not
//! an operation: see [`crate::lifecycle::Trigger`].

use std::fmt;

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::actions::Action;
use crate::errdefs::{ErrorKind, HasKind};
use crate::restart::RestartPolicy;
use crate::sim::CreateSpec;
use crate::wait::WaitCondition;

/// An operation on a container, or the making of one. The JSON form (`{"op": "stop", "target":
/// "web", "timeout": 1}`) is the lab's session format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `docker create`.
    Create {
        /// What to create.
        spec: Box<CreateSpec>,
    },
    /// `docker start`.
    Start {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// `docker stop [-t]`.
    Stop {
        /// A name, an ID or an ID prefix.
        target: String,
        /// `-t` in seconds; `None` for the container's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<i64>,
    },
    /// `docker restart [-t]`.
    Restart {
        /// A name, an ID or an ID prefix.
        target: String,
        /// `-t` in seconds; `None` for the container's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<i64>,
    },
    /// `docker kill [-s]`.
    Kill {
        /// A name, an ID or an ID prefix.
        target: String,
        /// `-s`; `None` for SIGKILL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<String>,
    },
    /// `docker pause`.
    Pause {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// `docker unpause`.
    Unpause {
        /// A name, an ID or an ID prefix.
        target: String,
    },
    /// `docker rm [-f]`.
    Remove {
        /// A name, an ID or an ID prefix.
        target: String,
        /// `-f`.
        #[serde(default)]
        force: bool,
    },
    /// `docker rename`.
    Rename {
        /// A name, an ID or an ID prefix.
        target: String,
        /// The new name.
        name: String,
    },
    /// `POST /containers/{id}/wait?condition=…` (`docker wait` for `not-running`).
    Wait {
        /// A name, an ID or an ID prefix.
        target: String,
        /// The condition.
        condition: WaitCondition,
        /// When the client gives up, in milliseconds (its context's deadline); `None` to wait
        /// forever. Not part of the request: the engine has no timeout for a wait.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<i64>,
    },
    /// `docker update --restart`: a new restart policy.
    Update {
        /// A name, an ID or an ID prefix.
        target: String,
        /// The policy.
        restart: RestartPolicy,
    },
}

/// An Engine API request: what [`Op::request`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRequest {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The path, its segments percent-encoded, e.g. `/containers/web/stop`.
    pub path: String,
    /// The query's parameters, in order, not encoded.
    pub query: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<serde_json::Value>,
}

impl ApiRequest {
    fn new(method: &'static str, path: String) -> ApiRequest {
        ApiRequest {
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    fn with(mut self, key: &'static str, value: impl Into<String>) -> ApiRequest {
        self.query.push((key, value.into()));
        self
    }

    /// The path and the query, encoded: `/containers/web/kill?signal=HUP`.
    pub fn uri(&self) -> String {
        let mut uri = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(k);
            uri.push('=');
            uri.push_str(&url_part(v));
        }
        uri
    }
}

impl fmt::Display for ApiRequest {
    /// `POST /containers/web/stop?t=1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.uri())
    }
}

/// An Engine API request that names no operation, or names one with a parameter the engine
/// refuses: its kind (404 for an unknown path, 400 for a bad parameter) and the engine's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    /// The error's kind.
    pub kind: ErrorKind,
    /// The engine's message.
    pub message: String,
}

impl RequestError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> RequestError {
        RequestError {
            kind,
            message: message.into(),
        }
    }
}

impl HasKind for RequestError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// The engine's `httputils.BoolValue`: false for absent, "", "0", "no", "false", "none" (any
/// case, trimmed); true otherwise.
pub fn bool_value(value: Option<&str>) -> bool {
    let v = value.unwrap_or_default().trim().to_ascii_lowercase();
    !matches!(v.as_str(), "" | "0" | "no" | "false" | "none")
}

/// An integer parameter as the engine's `strconv.Atoi` reads it, with its error.
pub fn int_value(name: &str, value: &str) -> Result<i64, RequestError> {
    value.trim().parse::<i64>().map_err(|_| {
        RequestError::new(
            ErrorKind::InvalidParameter,
            format!("invalid value for {name}: strconv.Atoi: parsing {value:?}: invalid syntax"),
        )
    })
}

/// A path segment or query value, percent-encoded where a URL needs it.
pub fn url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A shell word, quoted as a user would type it.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// A memory size as `-m` takes it: `8m`, `1g`, or bytes.
fn memory_flag(bytes: i64) -> String {
    const MIB: i64 = 1024 * 1024;
    if bytes % (1024 * MIB) == 0 {
        format!("{}g", bytes / (1024 * MIB))
    } else if bytes % MIB == 0 {
        format!("{}m", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

/// A duration in nanoseconds as the health flags take it: `1s`, `250ms`.
fn seconds_flag(nanos: i64) -> String {
    let ms = nanos / 1_000_000;
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// `docker create …` for `spec`: the options berth models, in the CLI's words. The simulated
/// engine puts every container on the `none` network, so the command says so, and a real
/// engine given it makes the same container (and sends nothing over a network).
fn create_command(spec: &CreateSpec) -> String {
    let mut words = vec!["docker".to_owned(), "create".to_owned()];
    if let Some(name) = &spec.name {
        words.push(format!("--name {}", shell_word(name)));
    }
    words.push("--network none".to_owned());
    if !spec.restart.is_none() {
        words.push(format!("--restart {}", spec.restart));
    }
    if spec.auto_remove {
        words.push("--rm".to_owned());
    }
    if spec.memory > 0 {
        words.push(format!("-m {}", memory_flag(spec.memory)));
    }
    if let Some(t) = spec.stop_timeout {
        words.push(format!("--stop-timeout {t}"));
    }
    if let Some(s) = spec.stop_signal.as_deref().filter(|s| !s.is_empty()) {
        words.push(format!("--stop-signal {}", shell_word(s)));
    }
    if let Some(h) = spec.healthcheck.as_ref().filter(|h| h.is_enabled()) {
        let cmd = h.test.get(1..).unwrap_or_default().join(" ");
        words.push(format!("--health-cmd {}", shell_word(&cmd)));
        if h.interval > 0 {
            words.push(format!("--health-interval {}", seconds_flag(h.interval)));
        }
        if h.retries > 0 {
            words.push(format!("--health-retries {}", h.retries));
        }
        if h.start_period > 0 {
            words.push(format!(
                "--health-start-period {}",
                seconds_flag(h.start_period)
            ));
        }
    }
    for (k, v) in &spec.labels {
        words.push(format!("--label {}", shell_word(&format!("{k}={v}"))));
    }
    for e in &spec.env {
        words.push(format!("--env {}", shell_word(e)));
    }
    if !spec.hostname.is_empty() {
        words.push(format!("--hostname {}", shell_word(&spec.hostname)));
    }
    if !spec.domainname.is_empty() {
        words.push(format!("--domainname {}", shell_word(&spec.domainname)));
    }
    for b in spec.binds.iter().flatten() {
        words.push(format!("--volume {}", shell_word(b)));
    }
    // The CLI takes one word for --entrypoint; the rest of an entrypoint goes before the command.
    let mut rest: &[String] = &[];
    if let Some((first, more)) = spec.entrypoint.as_deref().and_then(<[String]>::split_first) {
        words.push(format!("--entrypoint {}", shell_word(first)));
        rest = more;
    }
    words.push(shell_word(&spec.image));
    words.extend(rest.iter().chain(&spec.cmd).map(|w| shell_word(w)));
    words.join(" ")
}

/// The body of `POST /containers/create` for `spec`: the options berth models, as the Engine
/// API names them, on the `none` network as [`create_command`] says.
fn create_body(spec: &CreateSpec) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert("Image".into(), spec.image.clone().into());
    body.insert("Cmd".into(), spec.cmd.clone().into());
    if let Some(entrypoint) = &spec.entrypoint {
        body.insert("Entrypoint".into(), entrypoint.clone().into());
    }
    if !spec.env.is_empty() {
        body.insert("Env".into(), spec.env.clone().into());
    }
    if !spec.hostname.is_empty() {
        body.insert("Hostname".into(), spec.hostname.clone().into());
    }
    if !spec.domainname.is_empty() {
        body.insert("Domainname".into(), spec.domainname.clone().into());
    }
    if !spec.labels.is_empty() {
        body.insert(
            "Labels".into(),
            serde_json::to_value(&spec.labels).unwrap_or_default(),
        );
    }
    if let Some(s) = spec.stop_signal.as_deref().filter(|s| !s.is_empty()) {
        body.insert("StopSignal".into(), s.into());
    }
    if let Some(t) = spec.stop_timeout {
        body.insert("StopTimeout".into(), t.into());
    }
    if let Some(h) = &spec.healthcheck {
        body.insert(
            "Healthcheck".into(),
            serde_json::to_value(h).unwrap_or_default(),
        );
    }
    let mut host = serde_json::Map::new();
    host.insert("NetworkMode".into(), "none".into());
    if !spec.restart.is_none() {
        host.insert(
            "RestartPolicy".into(),
            serde_json::to_value(&spec.restart).unwrap_or_default(),
        );
    }
    if spec.auto_remove {
        host.insert("AutoRemove".into(), true.into());
    }
    if spec.memory > 0 {
        host.insert("Memory".into(), spec.memory.into());
    }
    if let Some(binds) = &spec.binds {
        host.insert("Binds".into(), binds.clone().into());
    }
    body.insert("HostConfig".into(), host.into());
    body.into()
}

impl Op {
    /// The container reference it names; `None` for [`Op::Create`].
    pub fn target(&self) -> Option<&str> {
        match self {
            Op::Create { .. } => None,
            Op::Start { target }
            | Op::Stop { target, .. }
            | Op::Restart { target, .. }
            | Op::Kill { target, .. }
            | Op::Pause { target }
            | Op::Unpause { target }
            | Op::Remove { target, .. }
            | Op::Rename { target, .. }
            | Op::Wait { target, .. }
            | Op::Update { target, .. } => Some(target),
        }
    }

    /// The operation among those the engine refuses by state ([`crate::actions::check`]) and the
    /// lifecycle's moves name; `None` for create, rename, wait and update, which move no
    /// container between states.
    pub fn action(&self) -> Option<Action> {
        Some(match self {
            Op::Start { .. } => Action::Start,
            Op::Stop { .. } => Action::Stop,
            Op::Restart { .. } => Action::Restart,
            Op::Kill { .. } => Action::Kill,
            Op::Pause { .. } => Action::Pause,
            Op::Unpause { .. } => Action::Unpause,
            Op::Remove { force: false, .. } => Action::Remove,
            Op::Remove { force: true, .. } => Action::ForceRemove,
            Op::Create { .. } | Op::Rename { .. } | Op::Wait { .. } | Op::Update { .. } => {
                return None
            }
        })
    }

    /// The plain operation `action` on `target` with the engine's defaults.
    pub fn of_action(action: Action, target: impl Into<String>) -> Op {
        let target = target.into();
        match action {
            Action::Start => Op::Start { target },
            Action::Stop => Op::Stop {
                target,
                timeout: None,
            },
            Action::Restart => Op::Restart {
                target,
                timeout: None,
            },
            Action::Kill => Op::Kill {
                target,
                signal: None,
            },
            Action::Pause => Op::Pause { target },
            Action::Unpause => Op::Unpause { target },
            Action::Remove => Op::Remove {
                target,
                force: false,
            },
            Action::ForceRemove => Op::Remove {
                target,
                force: true,
            },
        }
    }

    /// The `docker` command line that asks for it, with its words quoted for a shell; `None`
    /// for a wait on another condition than `not-running`, which the CLI cannot ask for.
    pub fn cli(&self) -> Option<String> {
        let r = |t: &str| shell_word(t);
        Some(match self {
            Op::Create { spec } => create_command(spec),
            Op::Stop { target, timeout } => match timeout {
                Some(t) => format!("docker stop -t {t} {}", r(target)),
                None => format!("docker stop {}", r(target)),
            },
            Op::Restart { target, timeout } => match timeout {
                Some(t) => format!("docker restart -t {t} {}", r(target)),
                None => format!("docker restart {}", r(target)),
            },
            Op::Kill {
                target,
                signal: Some(s),
            } => format!("docker kill -s {} {}", r(s), r(target)),
            Op::Start { target }
            | Op::Kill { target, .. }
            | Op::Pause { target }
            | Op::Unpause { target }
            | Op::Remove { target, .. } => match self.action() {
                Some(a) => format!("docker {} {}", a.cli_words(), r(target)),
                None => return None,
            },
            Op::Rename { target, name } => format!("docker rename {} {}", r(target), r(name)),
            Op::Wait {
                target, condition, ..
            } => match condition {
                WaitCondition::NotRunning => format!("docker wait {}", r(target)),
                _ => return None,
            },
            Op::Update { target, restart } => {
                format!("docker update --restart {restart} {}", r(target))
            }
        })
    }

    /// Reads an Engine API request on a container: `method` (`POST` or `DELETE`), the
    /// container reference of its path, the `verb` after it (`stop`, `kill`, …; empty for
    /// `DELETE /containers/{id}`), and its query, decoded. The reverse of [`Op::request`], for
    /// every operation but create (whose body [`CreateSpec::from_create_request`] reads).
    pub fn from_request(
        method: &str,
        target: &str,
        verb: &str,
        query: &BTreeMap<String, String>,
    ) -> Result<Op, RequestError> {
        let target = target.to_owned();
        let param = |name: &str| {
            query
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let timeout = || param("t").map(|t| int_value("t", t)).transpose();
        Ok(match (method, verb) {
            ("DELETE", "") => Op::Remove {
                target,
                force: bool_value(param("force")),
            },
            ("POST", "start") => Op::Start { target },
            ("POST", "stop") => Op::Stop {
                target,
                timeout: timeout()?,
            },
            ("POST", "restart") => Op::Restart {
                target,
                timeout: timeout()?,
            },
            ("POST", "kill") => Op::Kill {
                target,
                signal: param("signal").map(str::to_owned),
            },
            ("POST", "pause") => Op::Pause { target },
            ("POST", "unpause") => Op::Unpause { target },
            ("POST", "rename") => match param("name") {
                Some(name) => Op::Rename {
                    target,
                    name: name.to_owned(),
                },
                None => {
                    return Err(RequestError::new(
                        ErrorKind::InvalidParameter,
                        "Neither old nor new names may be empty",
                    ))
                }
            },
            ("POST", "wait") => Op::Wait {
                target,
                condition: WaitCondition::from_str(param("condition").unwrap_or_default())
                    .map_err(|e| RequestError::new(e.kind(), e.to_string()))?,
                timeout_ms: None,
            },
            _ => return Err(RequestError::new(ErrorKind::NotFound, "page not found")),
        })
    }

    /// The Engine API request that asks for it.
    pub fn request(&self) -> ApiRequest {
        let at = |target: &str, verb: &str| format!("/containers/{}/{verb}", url_part(target));
        match self {
            Op::Create { spec } => {
                let mut request = ApiRequest::new("POST", "/containers/create".to_owned());
                if let Some(name) = &spec.name {
                    request = request.with("name", name.clone());
                }
                request.body = Some(create_body(spec));
                request
            }
            Op::Start { target } => ApiRequest::new("POST", at(target, "start")),
            Op::Stop { target, timeout } | Op::Restart { target, timeout } => {
                let verb = if matches!(self, Op::Stop { .. }) {
                    "stop"
                } else {
                    "restart"
                };
                let request = ApiRequest::new("POST", at(target, verb));
                match timeout {
                    Some(t) => request.with("t", t.to_string()),
                    None => request,
                }
            }
            Op::Kill { target, signal } => {
                let request = ApiRequest::new("POST", at(target, "kill"));
                match signal {
                    Some(s) => request.with("signal", s.clone()),
                    None => request,
                }
            }
            Op::Pause { target } => ApiRequest::new("POST", at(target, "pause")),
            Op::Unpause { target } => ApiRequest::new("POST", at(target, "unpause")),
            Op::Remove { target, force } => {
                let request =
                    ApiRequest::new("DELETE", format!("/containers/{}", url_part(target)));
                if *force {
                    request.with("force", "1")
                } else {
                    request
                }
            }
            Op::Rename { target, name } => {
                ApiRequest::new("POST", at(target, "rename")).with("name", name.clone())
            }
            Op::Wait {
                target, condition, ..
            } => ApiRequest::new("POST", at(target, "wait")).with("condition", condition.as_str()),
            Op::Update { target, restart } => {
                let mut request = ApiRequest::new("POST", at(target, "update"));
                request.body = Some(serde_json::json!({ "RestartPolicy": restart.spelled_out() }));
                request
            }
        }
    }
}
