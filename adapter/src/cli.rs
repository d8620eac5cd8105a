//! The `berth` command line: options, start-up (engine, mirror, security checks) and the server.

use std::ffi::OsStr;
use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;

use crate::engine::{self, ConnectOptions, Engine, EngineSpec, SimFleet};
use crate::engine_api::{self, EngineApiAddr};
use crate::http::security::{check_listen, generate_token, Security};
use crate::http::serve::{serve, Limits};
use crate::http::static_files::WebDist;
use crate::http::{app, AppState};
use crate::mirror::Mirror;

/// berth: a live, exact mirror of a container engine, served over HTTP and SSE.
#[derive(Debug, Clone, Parser)]
#[command(name = "berth", version, about)]
pub struct Args {
    /// Which engine: auto (Docker if its socket answers, else the simulation), docker, sim, or
    /// dir:PATH (read-only view of a Docker data root).
    #[arg(long, env = "BERTH_ENGINE", default_value = "auto")]
    pub engine: EngineSpec,

    /// The Docker host: unix:///path/to/docker.sock or tcp://host:port.
    #[arg(
        long,
        env = "DOCKER_HOST",
        default_value = "unix:///var/run/docker.sock"
    )]
    pub docker_host: String,

    /// Address to listen on. Anything but loopback requires an explicit --token.
    #[arg(long, env = "BERTH_LISTEN", default_value = "127.0.0.1:7800")]
    pub listen: SocketAddr,

    /// The API token; a random 256-bit one per launch when not given.
    #[arg(long, env = "BERTH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Another Host name to answer to besides loopback (repeatable), e.g. when behind a proxy.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_host: Vec<String>,

    /// Refuse every action (start, stop, kill, remove, …); reads still work.
    #[arg(long)]
    pub read_only: bool,

    /// The web app's built files (Trunk's dist/).
    #[arg(long, env = "BERTH_WEB_DIST", default_value = "dist")]
    pub web: PathBuf,

    /// Log filter, e.g. info, berth=debug.
    #[arg(long, env = "BERTH_LOG", default_value = "info")]
    pub log: String,

    /// How many connections may be open at once; one more is answered 503 and closed.
    #[arg(long, env = "BERTH_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections, value_parser = parse_connections)]
    pub max_connections: usize,

    /// How many times faster than real time the simulated engine runs.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub sim_speed: f64,

    /// What the simulated engine starts with: the demo fleet, or no container.
    #[arg(long, value_enum, default_value = "demo")]
    pub sim_fleet: SimFleet,

    /// Also serve the Docker Engine API for the simulated engine here (`unix:///PATH` or
    /// `tcp://127.0.0.1:PORT`), so that `DOCKER_HOST=… docker …` and docker-py drive it.
    /// Needs `--engine sim`.
    #[arg(long, env = "BERTH_ENGINE_API", value_name = "ADDR")]
    pub engine_api: Option<EngineApiAddr>,
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn parse_connections(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is not a positive whole number")),
    }
}

/// Whether the log (on stderr) may carry ANSI colours: only when it goes to a terminal, and not
/// when `NO_COLOR` is set to anything but the empty string (<https://no-color.org>). A log
/// redirected to a file or a pipe stays plain text.
fn log_colours(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// Runs berth until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log)
                .with_context(|| format!("invalid --log filter {:?}", args.log))?,
        )
        .with_writer(std::io::stderr)
        .with_ansi(log_colours(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .init();

    let explicit_token = args.token.is_some();
    check_listen(args.listen, explicit_token)?;
    let token = match args.token {
        Some(t) => t,
        None => generate_token()?,
    };
    let mut allowed_hosts = args.allow_host.clone();
    if !args.listen.ip().is_unspecified() && !args.listen.ip().is_loopback() {
        // Requests to the address berth listens on name it by its IP, which no DNS name can
        // rebind to.
        allowed_hosts.push(args.listen.ip().to_string());
    }
    let security = Security::new(&token, allowed_hosts, args.read_only)?;

    let connect = ConnectOptions {
        docker_host: args.docker_host.clone(),
        sim_speed: args.sim_speed,
        sim_fleet: args.sim_fleet,
    };
    let (engine, engine_api): (Arc<dyn Engine>, _) = match &args.engine_api {
        Some(addr) => {
            if args.engine != EngineSpec::Sim {
                anyhow::bail!(
                    "--engine-api serves the simulated engine only, never a real one: add                      --engine sim (the engine is {})",
                    args.engine
                );
            }
            let sim = engine::sim_engine(&connect);
            let listener = engine_api::bind(addr).await?;
            (sim.clone(), Some((addr.clone(), listener, sim)))
        }
        None => {
            let (engine, why) = engine::connect(&args.engine, &connect)
                .await
                .with_context(|| format!("cannot use the {} engine", args.engine))?;
            if let Some(why) = why {
                eprintln!("berth: {why}");
            }
            (engine, None)
        }
    };
    let mirror = Mirror::start(engine.clone());
    // A first page load should find the containers: give the first list a moment.
    mirror.synced(Duration::from_secs(3)).await;

    if !args.web.join("index.html").is_file() {
        let shown = std::path::absolute(&args.web).unwrap_or_else(|_| args.web.clone());
        tracing::warn!(
            "no web app in {}: the pages will say it is not built (the API works). Build it \
             with `cargo xtask build-web`, or point --web (BERTH_WEB_DIST) at Trunk's dist/",
            shown.display()
        );
    }
    let state = AppState::new(
        engine.clone(),
        mirror,
        Arc::new(security),
        WebDist::new(&args.web),
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().unwrap_or(args.listen);
    println!(
        "berth: serving {} on http://{addr}/?token={token}",
        engine.kind()
    );
    if args.read_only {
        println!("berth: read-only: every action is refused");
    }
    if let Some((addr, listener, sim)) = engine_api {
        println!("berth: serving the Docker Engine API of the simulated engine on {addr}");
        tokio::spawn(engine_api::serve(listener, sim, shutdown_signal()));
    }
    // On Ctrl-C or SIGTERM: stop accepting, let requests in flight finish, but do not wait for
    // event streams, which never end on their own.
    let limits = Limits {
        max_connections: args.max_connections,
        ..Limits::default()
    };
    let stop = async {
        shutdown_signal().await;
        eprintln!("berth: shutting down");
    };
    serve(listener, app(state), limits, stop, SHUTDOWN_GRACE).await;
    Ok(())
}

/// How long requests in flight may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        let set = |v: &'static str| Some(OsStr::new(v));
        assert!(log_colours(true, None));
        assert!(
            log_colours(true, set("")),
            "an empty NO_COLOR is as if unset"
        );
        assert!(!log_colours(true, set("1")));
        assert!(!log_colours(false, None));
        assert!(!log_colours(false, set("")));
    }

    #[test]
    fn defaults_are_secure() {
        let args = Args::try_parse_from(["berth"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(args.listen.to_string(), "127.0.0.1:7800");
        assert!(!args.read_only);
        assert!(args.allow_host.is_empty());
    }

    #[test]
    fn options_parse() {
        let args = Args::try_parse_from([
            "berth",
            "--engine",
            "dir:/srv/docker",
            "--allow-host",
            "a.example",
            "--allow-host",
            "b.example",
            "--read-only",
            "--sim-speed",
            "10",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(args.engine, EngineSpec::Dir(PathBuf::from("/srv/docker")));
        assert_eq!(args.allow_host, vec!["a.example", "b.example"]);
        assert!(args.read_only);
        assert!((args.sim_speed - 10.0).abs() < f64::EPSILON);
        assert!(Args::try_parse_from(["berth", "--engine", "podman"]).is_err());
        assert!(Args::try_parse_from(["berth", "--sim-speed", "0"]).is_err());
        // A negative speed is read as a value and refused as one, not taken for a flag.
        let negative = Args::try_parse_from(["berth", "--sim-speed", "-1"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            negative.contains("\"-1\" is not a positive number"),
            "{negative}"
        );
    }

    #[test]
    fn the_engine_api_takes_a_unix_path_or_loopback_tcp() {
        let args = Args::try_parse_from([
            "berth",
            "--engine",
            "sim",
            "--sim-fleet",
            "empty",
            "--engine-api",
            "unix:///tmp/berth.sock",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(args.sim_fleet, SimFleet::Empty);
        assert_eq!(
            args.engine_api,
            Some(EngineApiAddr::Unix(PathBuf::from("/tmp/berth.sock")))
        );
        let public = Args::try_parse_from(["berth", "--engine-api", "tcp://0.0.0.0:2375"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(public.contains("loopback only"), "{public}");
    }

    #[tokio::test]
    async fn the_engine_api_is_refused_for_a_real_engine() {
        let args = Args::try_parse_from([
            "berth",
            "--engine",
            "docker",
            "--engine-api",
            "tcp://127.0.0.1:1",
            "--token",
            "t",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let refused = run(args)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            refused.contains("--engine-api serves the simulated engine only"),
            "{refused}"
        );
    }
}
