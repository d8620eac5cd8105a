//! berth's simulated engine behind its Docker Engine API (`berth --engine sim --engine-api
//! unix://…`), and the `docker` CLI run against it or against a [`PrivateDaemon`] alike, so a
//! scenario's outputs can be compared line by line.
//!
//! [`PrivateDaemon`]: crate::PrivateDaemon

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::berth_binary;
use crate::browser::free_port;
use crate::{docker_cli, IMAGE};

/// `berth --engine sim --sim-fleet empty --engine-api unix://DIR/berth.sock`, killed on drop.
pub struct SimEngineApi {
    child: Child,
    dir: tempfile::TempDir,
    /// The port of berth's own API and dashboard.
    pub port: u16,
}

impl SimEngineApi {
    /// Starts berth with an empty simulated engine whose clock runs `speed` times real time, and
    /// waits until its Engine API answers.
    pub fn start(speed: f64) -> SimEngineApi {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
        let port = free_port();
        let socket = dir.path().join("berth.sock");
        let mut child = Command::new(berth_binary())
            .args(["--engine", "sim", "--sim-fleet", "empty", "--log", "error"])
            .args(["--token", "engine-api-test", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--sim-speed")
            .arg(speed.to_string())
            .arg("--engine-api")
            .arg(format!("unix://{}", socket.display()))
            .env_remove("DOCKER_HOST")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start berth: {e}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("berth exited early with {status}");
            }
            assert!(
                Instant::now() < deadline,
                "berth's Engine API did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        SimEngineApi { child, dir, port }
    }

    /// The socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("berth.sock")
    }

    /// `unix://…/berth.sock`, for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// The `docker` CLI against it.
    pub fn cli(&self) -> Cli {
        Cli::new(&self.host(), self.dir.path())
    }
}

impl Drop for SimEngineApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one `docker` command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliRun {
    /// Its exit code (-1 when killed by a signal).
    pub code: i32,
    /// Its standard output, trimmed.
    pub stdout: String,
    /// Its standard error, trimmed.
    pub stderr: String,
}

/// The `docker` CLI ([`docker_cli`], or another binary) on one engine, with a private config
/// directory.
#[derive(Debug, Clone)]
pub struct Cli {
    host: String,
    config: PathBuf,
    binary: PathBuf,
}

impl Cli {
    /// The CLI on `host`, keeping its config under `dir`.
    pub fn new(host: &str, dir: &Path) -> Cli {
        Cli {
            host: host.to_owned(),
            config: dir.join("docker-config"),
            binary: docker_cli(),
        }
    }

    /// The same, with another `docker` binary (a newer CLI).
    pub fn with_binary(self, binary: &Path) -> Cli {
        Cli {
            binary: binary.to_owned(),
            ..self
        }
    }

    /// Runs the command line `line` (`IMAGE` standing for [`IMAGE`]), split as a shell splits
    /// it, and returns its output; panics unless it succeeds.
    pub fn ok(&self, line: &str) -> String {
        let words = berth_core::sim::split_words(&line.replace("IMAGE", IMAGE));
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let run = self.run(&args);
        assert_eq!(run.code, 0, "docker {line}: {run:?}");
        run.stdout
    }

    /// Runs `docker args…` with no stdin, for at most a minute.
    pub fn run(&self, args: &[&str]) -> CliRun {
        let out = Command::new("timeout")
            .arg("60")
            .arg(&self.binary)
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", &self.config)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.binary.display()));
        CliRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }
    }
}

/// A `docker` CLI newer than Debian's on this machine (`/usr/local/bin/docker`), if there is one.
pub fn newer_cli() -> Option<PathBuf> {
    let newer = PathBuf::from("/usr/local/bin/docker");
    (newer.is_file() && newer != docker_cli()).then_some(newer)
}
