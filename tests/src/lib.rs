//! End-to-end test support: a private Docker daemon ([`PrivateDaemon`], per
//! `docs/ENGINE.md`), the `berth` binary run against it ([`Berth`]), raw HTTP clients
//! for both ([`EngineApi`], [`BerthApi`]), and the comparison of berth's view with the engine's
//! own ([`compare_views`]).
//!
//! Safety rules (docs/ENGINE.md): the daemon lives in a temp dir with `--bridge=none
//! --iptables=false --ip6tables=false`, every container gets `NetworkMode: none`, the daemon is
//! stopped by its pidfile only, and `/var/run/docker.sock` is never touched.
//!
//! A test that needs what a machine may lack (root and dockerd, Chromium) starts with
//! [`skip_unless`]: a plain `cargo test` then says what it skipped and how to run it, and
//! `cargo xtask test`, which sets [`REQUIRE_ENV`], fails instead.

pub mod browser;
pub mod engine_api;

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// The image every test container runs: static busybox, imported without a registry.
pub const IMAGE: &str = "local/busybox:1";

/// The Docker CLI that matches the daemon here (Debian's docker.io; `/usr/local/bin/docker` may
/// be a newer CLI). `BERTH_DOCKER_CLI` overrides it.
pub fn docker_cli() -> PathBuf {
    std::env::var_os("BERTH_DOCKER_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/docker"))
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// Set (to anything) by `cargo xtask test`, and so in CI: an end-to-end test that this machine
/// cannot run then fails instead of skipping, because a test skipped in CI is a defect.
pub const REQUIRE_ENV: &str = "BERTH_REQUIRE_ENGINE";

/// What an end-to-end test needs of the machine besides Rust (docs/ENGINE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A private dockerd: root, Debian's docker.io and busybox-static.
    Engine,
    /// Headless Chromium, its driver, and the built web app.
    Browser,
    /// The built web app (no browser).
    WebApp,
    /// docker-py, the Docker SDK for Python (`apt-get install python3-docker`, or `pip
    /// install docker`).
    DockerPy,
}

impl Need {
    /// What this machine lacks of it (empty when nothing).
    pub fn missing(self) -> Vec<String> {
        match self {
            Need::Engine => {
                let mut lacks = Vec::new();
                if which("dockerd").is_none() {
                    lacks.push("dockerd (apt-get install docker.io)".to_owned());
                }
                if which("busybox").is_none() {
                    lacks.push("busybox (apt-get install busybox-static)".to_owned());
                }
                if !is_root() {
                    lacks.push("root (dockerd runs as root)".to_owned());
                }
                lacks
            }
            Need::Browser => {
                let mut lacks = browser::chromium_missing();
                lacks.extend(browser::web_dist_missing());
                lacks
            }
            Need::WebApp => browser::web_dist_missing().into_iter().collect(),
            Need::DockerPy => match docker_py() {
                Some(_) => Vec::new(),
                None => vec!["docker-py (apt-get install python3-docker)".to_owned()],
            },
        }
    }
}

/// A Python interpreter that has docker-py: `python3` on the PATH, or Debian's.
pub fn docker_py() -> Option<PathBuf> {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .map(PathBuf::from)
        .find(|python| {
            Command::new(python)
                .args(["-c", "import docker"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

/// Whether this process runs as root (its effective uid, from `/proc`).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Where a test that cannot run here is sent.
const HOW: &str = "The engine tests need root, docker.io and busybox-static (and docker-py for \
                   tests/py: python3-docker), the browser tests Chromium, chromium-driver and \
                   the built web app: see docs/ENGINE.md.";

/// What a test that cannot run here does: `Ok(None)` runs it (nothing `lacks`), `Ok(Some(line))`
/// skips it with that line, `Err(message)` fails it (when `required`).
fn verdict(test: &str, lacks: &[String], required: bool) -> Result<Option<String>, String> {
    if lacks.is_empty() {
        return Ok(None);
    }
    let lacks = lacks.join(", no ");
    if required {
        return Err(format!(
            "{test}: this machine has no {lacks}. {REQUIRE_ENV} is set (`cargo xtask test` sets \
             it), so the test fails rather than skips. {HOW}"
        ));
    }
    Ok(Some(format!(
        "SKIPPED {test}: this machine has no {lacks}. Run it with `cargo xtask test` on a \
         machine set up as docs/ENGINE.md says."
    )))
}

/// Whether the running test must be skipped because this machine lacks one of `needs`. When it
/// does and [`REQUIRE_ENV`] is unset, says so on stderr (past the test harness's capture, so
/// `cargo test` shows it) and returns `true`; with [`REQUIRE_ENV`] set, panics. The first line
/// of such a test: `if skip_unless(&[Need::Engine]) { return; }`. The test is named by its
/// thread, which the harness names after it.
pub fn skip_unless(needs: &[Need]) -> bool {
    let lacks: Vec<String> = needs.iter().flat_map(|n| n.missing()).collect();
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("this test");
    match verdict(test, &lacks, std::env::var_os(REQUIRE_ENV).is_some()) {
        Ok(None) => false,
        Ok(Some(line)) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "{line}");
            true
        }
        Err(message) => panic!("{message}"),
    }
}

/// Panics, saying what is missing and where the way to run it is written, unless this machine
/// has `need`. For the harness's constructors, which cannot skip: a test that may skip calls
/// [`skip_unless`] before them.
pub fn require(need: Need) {
    require_none(&need.missing(), need);
}

/// [`require`] for a part of `need`, whose `lacks` are already known.
pub(crate) fn require_none(lacks: &[String], need: Need) {
    if !lacks.is_empty() {
        panic!(
            "this machine has no {}, which this test needs. {HOW} A test that skips without \
             them starts with `if skip_unless(&[Need::{need:?}]) {{ return; }}`.",
            lacks.join(", no ")
        );
    }
}

/// `dockerd`, or a panic that says what is missing (see [`require`]).
pub fn require_dockerd() -> PathBuf {
    require(Need::Engine);
    which("dockerd").unwrap_or_else(|| PathBuf::from("dockerd"))
}

fn require_busybox() -> PathBuf {
    require(Need::Engine);
    which("busybox").unwrap_or_else(|| PathBuf::from("busybox"))
}

/// A private Docker daemon in a temp dir, killed (by its pidfile) on drop.
pub struct PrivateDaemon {
    dir: PathBuf,
    tcp: Option<u16>,
    tmp: Option<tempfile::TempDir>,
    child: Option<Child>,
}

impl PrivateDaemon {
    /// Starts a daemon, waits until it answers, and imports [`IMAGE`].
    pub fn start() -> PrivateDaemon {
        PrivateDaemon::start_with(false)
    }

    /// [`PrivateDaemon::start`], also listening on `tcp://127.0.0.1:<free port>` when `tcp`
    /// (loopback only; see [`PrivateDaemon::tcp_host`]).
    pub fn start_with(tcp: bool) -> PrivateDaemon {
        let dockerd = require_dockerd();
        require_busybox();
        let tmp = tempfile::Builder::new()
            .prefix("berth-engine.")
            .tempdir()
            .unwrap_or_else(|e| panic!("temp dir: {e}"));
        let dir = tmp.path().join("d");
        std::fs::create_dir_all(dir.join("cfg")).unwrap_or_else(|e| panic!("{e}"));
        let tcp = tcp.then(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
        });
        let mut daemon = PrivateDaemon {
            dir,
            tcp,
            tmp: Some(tmp),
            child: None,
        };
        daemon.launch(&dockerd);
        daemon.import_image();
        daemon
    }

    fn launch(&mut self, dockerd: &Path) {
        // After a SIGKILL the daemon's containerd dies with it (Pdeathsig) but leaves its
        // pidfile; if another process has taken that pid since, dockerd would wait for it.
        let containerd_pid = self.dir.join("exec/containerd/containerd.pid");
        if let Some(pid) = std::fs::read_to_string(&containerd_pid)
            .ok()
            .map(|p| p.trim().to_owned())
        {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if !String::from_utf8_lossy(&cmdline).contains("containerd") {
                let _ = std::fs::remove_file(&containerd_pid);
            }
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .unwrap_or_else(|e| panic!("dockerd.log: {e}"));
        let log2 = log.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let mut command = Command::new(dockerd);
        if let Some(tcp) = self.tcp_host() {
            command.arg("--host").arg(tcp);
        }
        let child = command
            .arg("--host")
            .arg(self.host())
            .arg("--data-root")
            .arg(self.data_root())
            .arg("--exec-root")
            .arg(self.dir.join("exec"))
            .arg("--pidfile")
            .arg(self.pidfile())
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.docker_raw(&["version", "--format", "{{.Server.Version}}"]);
            if out.status.success() {
                break;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("dockerd exited ({status}):\n{}", self.log());
            }
            if Instant::now() > deadline {
                panic!("dockerd did not answer within 60 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn import_image(&self) {
        let root = self.dir.join("image-root");
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(require_busybox(), bin.join("busybox")).unwrap_or_else(|e| panic!("{e}"));
        for applet in ["sh", "sleep", "echo", "true", "false", "cat", "kill", "top"] {
            std::os::unix::fs::symlink("busybox", bin.join(applet))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let script = format!(
            "tar -C {} -c . | {} import -c 'CMD [\"/bin/sh\"]' - {IMAGE}",
            shell_quote(&root),
            shell_quote(&docker_cli())
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .envs(self.docker_env())
            .output()
            .unwrap_or_else(|e| panic!("import: {e}"));
        assert!(
            out.status.success(),
            "importing {IMAGE} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The daemon's state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    /// `unix://…/docker.sock`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// `tcp://127.0.0.1:PORT`, when started with one.
    pub fn tcp_host(&self) -> Option<String> {
        self.tcp.map(|port| format!("tcp://127.0.0.1:{port}"))
    }

    /// `--data-root` (what `berth --engine dir:` reads).
    pub fn data_root(&self) -> PathBuf {
        self.dir.join("root")
    }

    fn pidfile(&self) -> PathBuf {
        self.dir.join("docker.pid")
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
    }

    fn docker_env(&self) -> [(&'static str, String); 2] {
        [
            ("DOCKER_HOST", self.host()),
            (
                "DOCKER_CONFIG",
                self.dir.join("cfg").to_string_lossy().into_owned(),
            ),
        ]
    }

    fn docker_raw(&self, args: &[&str]) -> Output {
        Command::new(docker_cli())
            .args(args)
            .envs(self.docker_env())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", docker_cli().display()))
    }

    /// Runs the Docker CLI against this daemon; panics unless it succeeds. Returns stdout.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = self.docker_raw(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The `docker` CLI on this daemon, as [`engine_api::Cli`] runs it (any outcome).
    pub fn cli(&self) -> engine_api::Cli {
        engine_api::Cli::new(&self.host(), &self.dir)
    }

    /// An Engine API client on this daemon's socket.
    pub fn api(&self) -> EngineApi {
        EngineApi::new(self.socket())
    }

    /// The daemon's pid, from its pidfile.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.pidfile())
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Sends `signal` to the daemon (by its pidfile) and waits for it to exit.
    fn signal_and_reap(&mut self, signal: &str, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = self.pid().unwrap_or_else(|| child.id());
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status();
        let deadline = Instant::now() + grace;
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = Command::new("kill")
                        .arg("-KILL")
                        .arg(pid.to_string())
                        .status();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Kills the daemon with SIGKILL, as a crash would (containers keep running under
    /// containerd until the daemon is back).
    pub fn kill(&mut self) {
        self.signal_and_reap("KILL", Duration::from_secs(10));
    }

    /// Stops the daemon with SIGTERM and waits for it to exit (it stops its containers first).
    pub fn stop(&mut self) {
        self.signal_and_reap("TERM", Duration::from_secs(60));
    }

    /// Starts the daemon again on the same directories and waits until it answers.
    pub fn restart(&mut self) {
        let dockerd = require_dockerd();
        self.launch(&dockerd);
    }

    /// Whether the daemon process is running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        if self.is_running() {
            // Killing the running containers first makes the daemon's own shutdown quick.
            let ids = self.docker_raw(&["ps", "-q"]);
            let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids.iter().map(String::as_str));
                let _ = self.docker_raw(&args);
            }
        }
        self.stop();
        reap_orphans(&self.dir);
        // Whatever the daemon left mounted under its directory, deepest first.
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let prefix = self.dir.to_string_lossy().into_owned();
        let mut ours: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|m| m.starts_with(&prefix))
            .collect();
        ours.sort_unstable_by(|a, b| b.cmp(a));
        for m in ours {
            let _ = Command::new("umount").arg("-l").arg(m).status();
        }
        if let Some(tmp) = self.tmp.take() {
            let _ = tmp.close();
        }
    }
}

/// Processes of a daemon that could not shut down cleanly: the containerd shims whose command
/// line names `dir`, and everything under them (container processes, thawed first if paused).
/// Killed by pid, deepest first.
fn reap_orphans(dir: &Path) {
    let dir = dir.to_string_lossy().into_owned();
    let mut parent = BTreeMap::new();
    let mut shims = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent.insert(pid, ppid);
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains("containerd-shim") && cmdline.contains(&dir) {
            shims.push(pid);
        }
    }
    let depth = |mut pid: u32| -> Option<usize> {
        for d in 0..64 {
            if shims.contains(&pid) {
                return Some(d);
            }
            pid = *parent.get(&pid)?;
        }
        None
    };
    let mut doomed: Vec<(usize, u32)> = parent
        .keys()
        .filter_map(|&pid| depth(pid).map(|d| (d, pid)))
        .collect();
    doomed.sort_unstable_by(|a, b| b.cmp(a));
    for &(_, pid) in &doomed {
        let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        for line in cgroups.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next(), parts.next(), parts.next());
            match (controllers, path) {
                (Some(c), Some(path)) if c.split(',').any(|c| c == "freezer") => {
                    let _ = std::fs::write(
                        format!("/sys/fs/cgroup/freezer{path}/freezer.state"),
                        "THAWED",
                    );
                }
                (Some(""), Some(path)) => {
                    let _ = std::fs::write(format!("/sys/fs/cgroup{path}/cgroup.freeze"), "0");
                }
                _ => {}
            }
        }
    }
    for (_, pid) in doomed {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
    }
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.to_string_lossy().replace('\'', "'\\''"))
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (`null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn request(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Request<Full<Bytes>> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        builder = builder.header("Authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some(v) => {
            builder = builder.header("Content-Type", "application/json");
            Full::new(Bytes::from(v.to_string()))
        }
        None => Full::new(Bytes::new()),
    };
    builder
        .body(body)
        .unwrap_or_else(|e| panic!("request {uri}: {e}"))
}

async fn collect(
    resp: Result<Response<Incoming>, hyper_util::client::legacy::Error>,
) -> Result<Reply, String> {
    let resp = resp.map_err(|e| format!("{e:?}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Reply { status, body })
}

/// The Engine API on a unix socket, raw (paths without a version prefix: the daemon's own).
#[derive(Clone)]
pub struct EngineApi {
    socket: PathBuf,
    client: Client<hyperlocal::UnixConnector, Full<Bytes>>,
}

impl EngineApi {
    /// A client for the daemon at `socket`.
    pub fn new(socket: PathBuf) -> EngineApi {
        let client = Client::builder(TokioExecutor::new()).build(hyperlocal::UnixConnector);
        EngineApi { socket, client }
    }

    /// `method path` with an optional JSON body.
    pub async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let uri: hyper::Uri = hyperlocal::Uri::new(&self.socket, path).into();
        let req = request(method, &uri.to_string(), None, body);
        collect(self.client.request(req).await).await
    }

    /// Opens `GET path` and returns the streaming response (for `/events`).
    pub async fn open(&self, path: &str) -> Response<Incoming> {
        let uri: hyper::Uri = hyperlocal::Uri::new(&self.socket, path).into();
        let req = request(Method::GET, &uri.to_string(), None, None);
        self.client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("engine {path}: {e}"))
    }

    /// [`EngineApi::try_call`], panicking when the daemon cannot be reached.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("engine {path}: {e}"))
    }

    /// `GET path` as JSON, panicking unless 200.
    pub async fn get(&self, path: &str) -> Value {
        let r = self.call(Method::GET, path, None).await;
        assert_eq!(r.status, 200, "engine GET {path}: {}", r.text());
        r.json()
    }

    /// Creates containers `{prefix}{i}` for each `i` of `range` (`sleep 1000`, created, not
    /// started, no network), `par` at a time.
    pub async fn create_many(&self, prefix: &str, range: std::ops::Range<usize>, par: usize) {
        use futures_util::stream::{self, StreamExt as _};
        stream::iter(range)
            .for_each_concurrent(par, |i| async move {
                self.create(
                    &format!("{prefix}{i}"),
                    &["sleep", "1000"],
                    json!({}),
                    json!({}),
                )
                .await;
            })
            .await;
    }

    /// Creates container `name` running `cmd` on [`IMAGE`] with no network. `host_config` and
    /// `config` are merged into the create body. Returns the ID.
    pub async fn create(
        &self,
        name: &str,
        cmd: &[&str],
        config: Value,
        host_config: Value,
    ) -> String {
        let mut hc = json!({"NetworkMode": "none"});
        merge(&mut hc, host_config);
        let mut body = json!({"Image": IMAGE, "Cmd": cmd, "HostConfig": hc});
        merge(&mut body, config);
        let r = self
            .call(
                Method::POST,
                &format!("/containers/create?name={name}"),
                Some(&body),
            )
            .await;
        assert_eq!(r.status, 201, "create {name}: {}", r.text());
        r.json()["Id"].as_str().unwrap_or_default().to_owned()
    }

    /// `POST /containers/{id}/{op}`, panicking unless 204 or 304.
    pub async fn op(&self, id: &str, op: &str) {
        let r = self
            .call(Method::POST, &format!("/containers/{id}/{op}"), None)
            .await;
        assert!(
            r.status == 204 || r.status == 304,
            "engine {op} {id}: {} {}",
            r.status,
            r.text()
        );
    }

    /// The inspect document of `id`.
    pub async fn inspect(&self, id: &str) -> Value {
        self.get(&format!("/containers/{id}/json")).await
    }

    /// Polls `id`'s inspect document until `pred` holds (≤ `secs`).
    pub async fn wait_for(
        &self,
        id: &str,
        secs: u64,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let doc = self.inspect(id).await;
            if pred(&doc) {
                return doc;
            }
            if Instant::now() > deadline {
                panic!("{id} never became {what}: {}", doc["State"]);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// The `berth` binary of this workspace, built once per test process.
/// `BERTH_BIN`, when set, names a binary to use instead (the benchmark uses a release build).
pub fn berth_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(bin) = std::env::var_os("BERTH_BIN") {
                return PathBuf::from(bin);
            }
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".."));
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-p", "berth", "--bin", "berth"])
                .current_dir(&root)
                .status()
                .unwrap_or_else(|e| panic!("cargo build -p berth: {e}"));
            assert!(status.success(), "cargo build -p berth failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            let bin = target.join("debug").join("berth");
            assert!(bin.is_file(), "{} was not built", bin.display());
            bin
        })
        .clone()
}

/// A running `berth`, killed on drop.
pub struct Berth {
    child: Child,
    /// Its API.
    pub api: BerthApi,
    log: PathBuf,
    _logdir: tempfile::TempDir,
}

impl Berth {
    /// Starts `berth` with `args` (plus `--listen 127.0.0.1:0 --token test --web <empty dir>`)
    /// and waits for its start-up line with the URL.
    pub fn spawn(args: &[&str]) -> Berth {
        let bin = berth_binary();
        let logdir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = logdir.path().join("berth.log");
        let stderr = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
        let token = "test";
        let mut child = Command::new(bin)
            .args(args)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--token",
                token,
                "--log",
                "berth=debug,info",
            ])
            .arg("--web")
            .arg(logdir.path())
            .env_remove("DOCKER_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start berth: {e}"));
        let (tx, rx) = mpsc::channel::<String>();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout)
                    .lines()
                    .map_while(Result::ok)
                {
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                        let base = url.split("/?").next().unwrap_or(url).trim_end_matches('/');
                        break base.to_owned();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "berth {args:?} printed no URL:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            }
        };
        Berth {
            child,
            api: BerthApi::new(base, token.to_owned()),
            log,
            _logdir: logdir,
        }
    }

    /// berth's log (stderr) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// berth's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Berth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// berth's HTTP API with its token.
#[derive(Clone)]
pub struct BerthApi {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    token: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl BerthApi {
    /// A client for the berth at `base`.
    pub fn new(base: String, token: String) -> BerthApi {
        BerthApi {
            base,
            token,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// `method /api/…` with the token.
    pub async fn call(&self, method: Method, path: &str) -> Reply {
        let uri = format!("{}{path}", self.base);
        let req = request(method, &uri, Some(&self.token), None);
        collect(self.client.request(req).await)
            .await
            .unwrap_or_else(|e| panic!("berth {path}: {e}"))
    }

    /// `GET path` as JSON, panicking unless 200.
    pub async fn get(&self, path: &str) -> Value {
        let r = self.call(Method::GET, path).await;
        assert_eq!(r.status, 200, "berth GET {path}: {}", r.text());
        r.json()
    }

    /// Opens `GET /api/events` and returns the streaming response.
    pub async fn events(&self) -> Response<Incoming> {
        let uri = format!("{}/api/events", self.base);
        let mut req = request(Method::GET, &uri, Some(&self.token), None);
        req.headers_mut().insert(
            "Accept",
            hyper::header::HeaderValue::from_static("text/event-stream"),
        );
        self.client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("berth /api/events: {e}"))
    }
}

/// A client of berth's event stream, as the web app is one: it holds the containers of the
/// last snapshot and the changes since, and every `engine` message, with when each arrived.
pub struct SseClient {
    state: std::sync::Arc<Mutex<SseState>>,
    task: tokio::task::JoinHandle<()>,
}

/// What an [`SseClient`] has seen.
#[derive(Debug, Default, Clone)]
pub struct SseState {
    /// The containers, by ID, as inspect documents.
    pub containers: BTreeMap<String, Value>,
    /// The revision of the last snapshot or change.
    pub revision: u64,
    /// Every `engine` message, with its arrival.
    pub engine: Vec<(Instant, Value)>,
    /// Every `change` message's container ID and document (`null`: removed), in order.
    pub changes: Vec<(String, Value)>,
    /// Every `transition` message's transition, in order.
    pub transitions: Vec<Value>,
}

impl SseClient {
    /// Opens berth's event stream and follows it in the background.
    pub async fn open(api: &BerthApi) -> SseClient {
        let response = api.events().await;
        assert_eq!(response.status(), 200, "berth /api/events");
        let state = std::sync::Arc::new(Mutex::new(SseState::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut body = response.into_body();
            let mut pending = String::new();
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                pending.push_str(&String::from_utf8_lossy(&data));
                while let Some(end) = pending.find("\n\n") {
                    let message: String = pending.drain(..end + 2).collect();
                    if let Ok(mut state) = shared.lock() {
                        state.apply(&message);
                    }
                }
            }
        });
        SseClient { state, task }
    }

    /// What it has seen so far.
    pub fn state(&self) -> SseState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SseState {
    fn apply(&mut self, message: &str) {
        let mut event = "message";
        let mut data = String::new();
        for line in message.lines() {
            if let Some(name) = line.strip_prefix("event: ") {
                event = name;
            } else if let Some(d) = line.strip_prefix("data: ") {
                data.push_str(d);
            }
        }
        let Ok(data) = serde_json::from_str::<Value>(&data) else {
            return;
        };
        match event {
            "snapshot" => {
                self.containers = by_id(&data["containers"], Value::clone);
                self.revision = data["revision"].as_u64().unwrap_or_default();
            }
            "change" => {
                let id = data["id"].as_str().unwrap_or_default().to_owned();
                if data["container"].is_null() {
                    self.containers.remove(&id);
                } else {
                    self.containers
                        .insert(id.clone(), data["container"].clone());
                }
                self.changes.push((id, data["container"].clone()));
                self.revision = data["revision"].as_u64().unwrap_or_default();
            }
            "transition" => {
                self.transitions.push(data["transition"].clone());
                self.revision = data["revision"].as_u64().unwrap_or_default();
            }
            "engine" => self.engine.push((Instant::now(), data)),
            _ => {}
        }
    }
}

/// Whether `client` holds what the engine has: the same containers, each with the same
/// [`inspect_facts`]. `Err` says what differs.
pub async fn client_agrees(engine: &EngineApi, client: &SseClient) -> Result<(), String> {
    let list = engine.get("/containers/json?all=1").await;
    let mut theirs = BTreeMap::new();
    for id in by_id(&list, Value::clone).into_keys() {
        let doc = engine.get(&format!("/containers/{id}/json")).await;
        theirs.insert(id, inspect_facts(&doc));
    }
    let ours: BTreeMap<String, Value> = client
        .state()
        .containers
        .iter()
        .map(|(id, doc)| (id.clone(), inspect_facts(doc)))
        .collect();
    if ours == theirs {
        Ok(())
    } else {
        Err(format!("client {ours:#?}\nengine {theirs:#?}"))
    }
}

/// What must agree between berth and the engine for one container, from an inspect document.
pub fn inspect_facts(doc: &Value) -> Value {
    let s = &doc["State"];
    json!({
        "Id": doc["Id"],
        "Name": doc["Name"],
        "State": s["Status"],
        "Running": s["Running"],
        "Paused": s["Paused"],
        "Restarting": s["Restarting"],
        "Dead": s["Dead"],
        "OOMKilled": s["OOMKilled"],
        "ExitCode": s["ExitCode"],
        "StartedAt": s["StartedAt"],
        "FinishedAt": s["FinishedAt"],
        "Health": s.get("Health").map(|h| h["Status"].clone()).unwrap_or(Value::Null),
        "RestartCount": doc["RestartCount"],
    })
}

/// What must agree for one list item.
pub fn list_facts(item: &Value) -> Value {
    json!({
        "Id": item["Id"],
        "Names": item["Names"],
        "State": item["State"],
        "Status": item["Status"],
    })
}

fn by_id(list: &Value, facts: fn(&Value) -> Value) -> BTreeMap<String, Value> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| (i["Id"].as_str().unwrap_or_default().to_owned(), facts(i)))
                .collect()
        })
        .unwrap_or_default()
}

fn ids_in_order(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["Id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// One comparison of berth's list and inspect with the engine's, each berth request between
/// two engine requests: berth's answer must equal the engine's before or after it (so a status
/// text that ticks over a second boundary, or a change in between, is not a mismatch).
/// `Err` says what differed.
pub async fn compare_views(engine: &EngineApi, berth: &BerthApi) -> Result<(), String> {
    let before = engine.get("/containers/json?all=1").await;
    let ours = berth.get("/api/containers?all=1").await;
    let after = engine.get("/containers/json?all=1").await;
    let (b, o, a) = (
        by_id(&before, list_facts),
        by_id(&ours, list_facts),
        by_id(&after, list_facts),
    );
    if o != b && o != a {
        let mut diffs = Vec::new();
        for id in b
            .keys()
            .chain(o.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (x, y, z) = (b.get(id), o.get(id), a.get(id));
            if y != x && y != z {
                diffs.push(format!(
                    "  {id:.12}: engine {} / berth {} / engine {}",
                    x.map_or("-".into(), Value::to_string),
                    y.map_or("-".into(), Value::to_string),
                    z.map_or("-".into(), Value::to_string)
                ));
            }
        }
        return Err(format!("list differs:\n{}", diffs.join("\n")));
    }
    let order = ids_in_order(&ours);
    if order != ids_in_order(&before) && order != ids_in_order(&after) {
        return Err(format!(
            "list order differs: engine {:?}, berth {:?}",
            ids_in_order(&before),
            order
        ));
    }
    for id in a.keys() {
        let e1 = engine
            .call(Method::GET, &format!("/containers/{id}/json"), None)
            .await;
        let ours = berth
            .call(Method::GET, &format!("/api/containers/{id}"))
            .await;
        let e2 = engine
            .call(Method::GET, &format!("/containers/{id}/json"), None)
            .await;
        if e1.status != 200 || e2.status != 200 {
            // Removed meanwhile: the next round compares lists again.
            return Err(format!("{id:.12} vanished during the comparison"));
        }
        if ours.status != 200 {
            return Err(format!(
                "berth inspect {id:.12}: {} {}",
                ours.status,
                ours.text()
            ));
        }
        let (x, y, z) = (
            inspect_facts(&e1.json()),
            inspect_facts(&ours.json()),
            inspect_facts(&e2.json()),
        );
        if y != x && y != z {
            return Err(format!(
                "inspect {id:.12} differs:\n  engine {x}\n  berth  {y}\n  engine {z}"
            ));
        }
    }
    Ok(())
}

/// Mismatches seen on the way to agreement, kept for the report.
pub static TRANSIENT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Polls [`compare_views`] until berth agrees with the engine (≤ 10 s); panics with the last
/// difference and berth's log otherwise.
pub async fn assert_mirrors(step: &str, engine: &EngineApi, berth: &Berth) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let started = Instant::now();
    loop {
        match compare_views(engine, &berth.api).await {
            Ok(()) => {
                let took = started.elapsed();
                if took > Duration::from_secs(1) {
                    eprintln!("[{step}] agreed after {took:?}");
                }
                return;
            }
            Err(diff) => {
                if Instant::now() > deadline {
                    let log = berth.log();
                    let tail: Vec<&str> = log.lines().rev().take(40).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    panic!(
                        "[{step}] berth does not mirror the engine after 10 s:\n{diff}\n\
                         --- berth log (tail) ---\n{}",
                        tail.join("\n")
                    );
                }
                if let Ok(mut t) = TRANSIENT.lock() {
                    if t.len() < 100 {
                        t.push(format!("[{step}] {diff}"));
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Polls berth's `GET /api/engine` until `pred` holds (≤ `secs`); returns the document.
pub async fn wait_engine_status(
    berth: &Berth,
    secs: u64,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let doc = berth.api.get("/api/engine").await;
        if pred(&doc) {
            return doc;
        }
        if Instant::now() > deadline {
            panic!(
                "berth's /api/engine never showed {what}: {doc}\n{}",
                berth.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn a_test_runs_when_nothing_is_missing() {
        assert_eq!(verdict("t", &[], true), Ok(None));
        assert_eq!(verdict("t", &[], false), Ok(None));
    }

    #[test]
    fn a_test_skips_with_how_to_run_it_unless_required() {
        let lacks = ["dockerd".to_owned(), "root".to_owned()];
        let line = verdict("t", &lacks, false)
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(line.starts_with("SKIPPED t: this machine has no dockerd, no root."));
        assert!(line.contains("`cargo xtask test`") && line.contains("docs/ENGINE.md"));
    }

    #[test]
    fn a_required_test_fails_instead_of_skipping() {
        let message = verdict("t", &["dockerd".to_owned()], true).unwrap_err();
        assert!(message.contains("BERTH_REQUIRE_ENGINE is set"));
        assert!(message.contains("docs/ENGINE.md"));
    }
}
