//! `cargo xtask`: berth's only build orchestration.
//!
//! Every task is a sequence of real commands run from the workspace root with the
//! terminal's stdio, each printed before it runs, so anything CI did can be re-run by
//! hand. Tool versions are pinned here (trunk, wasm-pack) or read from Cargo.lock
//! (wasm-bindgen-cli must match the `wasm-bindgen` crate exactly), and nothing is
//! downloaded at build time except through `cargo install`.

use std::{
    env,
    ffi::{OsStr, OsString},
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

/// The target the core and the web app compile to.
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Pinned Trunk release; `cargo install` compiles it in about 7 minutes, so it is skipped
/// whenever this exact version is already on PATH.
const TRUNK_VERSION: &str = "0.21.14";
/// Pinned wasm-pack release, used only by `test` for the wasm conformance tests.
const WASM_PACK_VERSION: &str = "0.15.1";
/// Pinned axe-core release (npm), the accessibility audit `tests/tests/web_a11y.rs` runs in
/// Chromium; installed under `target/npm/`, where the test finds it.
const AXE_CORE_VERSION: &str = "4.10.3";
/// Where setup installs npm packages (`target/npm/node_modules/…`).
const NPM_PREFIX: &str = "target/npm";

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, run, test and benchmark berth",
    after_help = "Run from anywhere inside the repository; commands run at the workspace root."
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install the pinned tools (wasm32 target, wasm-bindgen-cli, trunk, wasm-pack, and npm's
    /// axe-core under target/npm/), skipping each one already present at the right version.
    Setup,
    /// Build the web app into dist/ with Trunk (Trunk.toml at the workspace root).
    BuildWeb {
        /// Optimised build, as `run` serves it.
        #[arg(long)]
        release: bool,
    },
    /// Set up, build the web app (release), then start berth serving it.
    ///
    /// Arguments after `--` go to berth, e.g. `cargo xtask run -- --engine sim`.
    Run {
        /// Arguments passed to berth unchanged.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Everything CI checks, in order, stopping at the first failure.
    Test,
    /// Run the benchmarks (core, adapter, and any scripts/bench-*.sh).
    Bench,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(task: Task) -> Result<()> {
    let root = workspace_root()?;
    match task {
        Task::Setup => setup(&root, Toolset::Everything),
        Task::BuildWeb { release } => build_web(&root, release),
        Task::Run { args } => run_berth(&root, &args),
        Task::Test => test(&root),
        Task::Bench => bench(&root),
    }
}

/// The workspace root: this crate's parent folder. `cargo xtask` always compiles xtask
/// from the tree it runs in, so this holds from any subdirectory and needs no other
/// member to build.
fn workspace_root() -> Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent folder")?
        .to_path_buf();
    if !root.join("Cargo.toml").is_file() {
        bail!(
            "no Cargo.toml at {}: is xtask/ still at the workspace root?",
            root.display()
        );
    }
    Ok(root)
}

// ---------------------------------------------------------------------------------------
// setup

/// Which tools a task needs: `run` does without wasm-pack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Toolset {
    /// The wasm target, wasm-bindgen-cli and trunk.
    WebBuild,
    /// Those and wasm-pack.
    Everything,
}

fn setup(root: &Path, toolset: Toolset) -> Result<()> {
    ensure_wasm_target()?;
    let bindgen = wasm_bindgen_version(root)?;
    ensure_cargo_tool(root, "wasm-bindgen-cli", "wasm-bindgen", &bindgen)?;
    ensure_cargo_tool(root, "trunk", "trunk", TRUNK_VERSION)?;
    if toolset == Toolset::Everything {
        ensure_cargo_tool(root, "wasm-pack", "wasm-pack", WASM_PACK_VERSION)?;
        ensure_npm_package(root, "axe-core", AXE_CORE_VERSION)?;
    }
    Ok(())
}

/// Installs the npm package `name` at exactly `version` under [`NPM_PREFIX`] unless its
/// `package.json` there already says that version.
fn ensure_npm_package(root: &Path, name: &str, version: &str) -> Result<()> {
    let prefix = root.join(NPM_PREFIX);
    let manifest = prefix.join("node_modules").join(name).join("package.json");
    let found = fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| json_string_field(&text, "version"));
    match found.as_deref() {
        Some(found) if found == version => {
            println!("ok {name} {version} (npm, already installed)");
            return Ok(());
        }
        Some(found) => println!("installing {name} {version} (npm, found {found})"),
        None => println!("installing {name} {version} (npm, not found)"),
    }
    fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    run(command("npm", root)
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("{name}@{version}")))
    .context("npm install (berth's browser tests need Node.js and npm)")
}

fn ensure_wasm_target() -> Result<()> {
    let installed = capture(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("listing rustup targets (berth needs a rustup-managed toolchain)")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("ok {WASM_TARGET} target (already installed)");
        return Ok(());
    }
    println!("installing {WASM_TARGET} target");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Installs `krate` at exactly `version` unless `binary --version` already reports it.
fn ensure_cargo_tool(root: &Path, krate: &str, binary: &str, version: &str) -> Result<()> {
    match installed_version(binary) {
        Some(found) if found == version => {
            println!("ok {binary} {version} (already installed)");
            return Ok(());
        }
        Some(found) => println!("installing {krate} {version} (found {binary} {found})"),
        None => println!("installing {krate} {version} ({binary} not found)"),
    }
    let locked = run(cargo(root).args(["install", krate, "--version", version, "--locked"]));
    if let Err(err) = locked {
        // A tool's own Cargo.lock can pin a dependency version that the registry no longer
        // serves (yanked, or absent from a mirror): resolving afresh still honours the
        // tool's version requirements.
        eprintln!("warning: {err:#}; retrying without --locked");
        run(cargo(root).args(["install", krate, "--version", version]))?;
    }
    match installed_version(binary) {
        Some(found) if found == version => Ok(()),
        Some(found) => bail!(
            "installed {krate} {version} but `{binary} --version` reports {found}: \
             is another {binary} earlier on PATH?"
        ),
        None => bail!(
            "installed {krate} {version} but `{binary}` is not on PATH: add ~/.cargo/bin to PATH"
        ),
    }
}

/// The version `binary --version` prints as its second word (`trunk 0.21.14`), or None
/// when the binary is missing or prints nothing usable.
fn installed_version(binary: &str) -> Option<String> {
    let output = Command::new(binary).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.split_whitespace().nth(1).map(str::to_owned)
}

/// The `wasm-bindgen` version the workspace builds with, which wasm-bindgen-cli must
/// match exactly: Cargo.lock's entry, or before the first build the exact (`=`) pin in
/// the root Cargo.toml.
fn wasm_bindgen_version(root: &Path) -> Result<String> {
    if let Ok(lock) = fs::read_to_string(root.join("Cargo.lock")) {
        if let Some(version) = locked_version(&lock, "wasm-bindgen") {
            return Ok(version);
        }
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    exact_pin(&manifest, "wasm-bindgen").context(
        "no wasm-bindgen entry in Cargo.lock and no exact `wasm-bindgen = \"=x.y.z\"` \
         pin in Cargo.toml's [workspace.dependencies]",
    )
}

/// The first `"field": "value"` of a JSON text (a package.json), without a JSON parser.
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\"");
    let rest = json[json.find(&key)? + key.len()..].trim_start();
    let quoted = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(quoted[..quoted.find('"')?].to_owned())
}

/// The `version` of the `[[package]]` named `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines.next()?.strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

/// The version of an exact requirement `name = "=x.y.z"` (or `{ version = "=x.y.z", … }`)
/// in a Cargo.toml.
fn exact_pin(manifest: &str, name: &str) -> Option<String> {
    manifest.lines().map(str::trim).find_map(|line| {
        let rest = line.strip_prefix(name)?.trim_start().strip_prefix('=')?;
        let quoted = rest.split('"').nth(1)?;
        Some(quoted.strip_prefix('=')?.trim().to_owned())
    })
}

// ---------------------------------------------------------------------------------------
// build-web and run

fn build_web(root: &Path, release: bool) -> Result<()> {
    if !root.join("Trunk.toml").is_file() {
        bail!(
            "no Trunk.toml at {}: build-web needs it to know how to build web/ into dist/",
            root.display()
        );
    }
    let bindgen = wasm_bindgen_version(root)?;
    // The dashboard first: Trunk replaces its whole dist directory, the lab's with it.
    for page in WEB_PAGES {
        let mut trunk = command("trunk", root);
        trunk
            .arg("build")
            .arg(page.html)
            .arg("--dist")
            .arg(page.dist)
            .arg("--public-url")
            .arg(page.public_url)
            .env("NO_COLOR", "true")
            // Use the wasm-bindgen on PATH (setup installs this exact version), never a
            // download; and skip Trunk's check for a newer release of itself.
            .env("TRUNK_TOOLS_WASM_BINDGEN", &bindgen)
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        if release {
            trunk.arg("--release");
        }
        run(&mut trunk)?;
    }
    Ok(())
}

/// One page of the web app: its own HTML, its own wasm, its own place in `dist/`.
struct WebPage {
    html: &'static str,
    dist: &'static str,
    public_url: &'static str,
}

/// The pages Trunk builds, in this order: the dashboard (`berth-web`) into `dist/`, then the
/// lab (`berth-lab`) into `dist/lab/`, which berth and any static server serve as `/lab`.
const WEB_PAGES: [WebPage; 2] = [
    WebPage {
        html: "web/index.html",
        dist: "dist",
        public_url: "/",
    },
    WebPage {
        html: "web/lab.html",
        dist: "dist/lab",
        public_url: "/lab/",
    },
];

fn run_berth(root: &Path, args: &[OsString]) -> Result<()> {
    setup(root, Toolset::WebBuild)?;
    build_web(root, true)?;
    run(cargo(root)
        .args(["run", "--release", "-p", "berth", "--", "--web"])
        .arg(root.join("dist"))
        .args(args))
}

// ---------------------------------------------------------------------------------------
// test

/// A named step of `test` and what it runs.
type Step<'a> = (&'static str, Box<dyn Fn() -> Result<()> + 'a>);

fn test(root: &Path) -> Result<()> {
    let dist = root.join("dist");
    let steps: Vec<Step<'_>> = vec![
        ("setup", Box::new(|| setup(root, Toolset::Everything))),
        (
            "fmt",
            Box::new(|| run(cargo(root).args(["fmt", "--all", "--", "--check"]))),
        ),
        (
            "clippy (native)",
            Box::new(|| {
                run(cargo(root).args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]))
            }),
        ),
        (
            "clippy (wasm32)",
            Box::new(|| {
                run(cargo(root).args([
                    "clippy",
                    "-p",
                    "berth-core",
                    "-p",
                    "berth-web",
                    "--target",
                    WASM_TARGET,
                    "--",
                    "-D",
                    "warnings",
                ]))
            }),
        ),
        (
            "build berth-core (wasm32)",
            Box::new(|| {
                run(cargo(root).args(["build", "-p", "berth-core", "--target", WASM_TARGET]))
            }),
        ),
        // The release build users get: the browser tests run it, and tests/tests/web_size.rs
        // holds the dashboard's first load to its aim.
        ("build-web --release", Box::new(|| build_web(root, true))),
        (
            "cargo test",
            Box::new(|| {
                // BERTH_REQUIRE_ENGINE: a test that finds no root, dockerd or Chromium fails
                // here instead of skipping (tests/src/lib.rs, docs/ENGINE.md).
                run(cargo(root)
                    .args(["test", "--workspace"])
                    .env("BERTH_WEB_DIST", &dist)
                    .env("BERTH_REQUIRE_ENGINE", "1"))
            }),
        ),
        (
            "wasm-pack test (node)",
            Box::new(|| {
                // `--mode no-install`: use the wasm-bindgen-test-runner that setup put
                // beside wasm-bindgen on PATH, and fail rather than download one.
                run(command("wasm-pack", root).args([
                    "test",
                    "--node",
                    "--mode",
                    "no-install",
                    "core",
                ]))
            }),
        ),
        (
            "JavaScript API from node",
            Box::new(|| {
                // The package a plain-JS user gets, exercised from plain JavaScript.
                run(command("wasm-pack", root).args([
                    "build",
                    "--mode",
                    "no-install",
                    "--no-opt",
                    "--target",
                    "nodejs",
                    "--out-dir",
                    "pkg-node",
                    "core",
                ]))?;
                run(command("node", root).args(["core/tests/js/smoke.cjs", "core/pkg-node"]))
            }),
        ),
    ];

    println!("berth workspace: {}", root.display());
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut failure = None;
    for (index, (name, action)) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", index + 1, steps.len());
        let step_started = Instant::now();
        let outcome = action();
        timings.push(step_started.elapsed());
        if let Err(err) = outcome {
            failure = Some((*name, err));
            break;
        }
    }

    // Steps ran in order and the loop stopped at the first failure, so only the last
    // step timed can have failed.
    let failed_index = failure.as_ref().map(|_| timings.len() - 1);
    println!("\nsummary:");
    for (index, (name, _)) in steps.iter().enumerate() {
        match timings.get(index) {
            Some(took) if Some(index) == failed_index => {
                println!("  FAILED  {:>8}  {name}", duration(*took))
            }
            Some(took) => println!("  ok      {:>8}  {name}", duration(*took)),
            None => println!("  skipped {:>8}  {name}", ""),
        }
    }
    match failure {
        None => {
            println!(
                "all {} steps ok in {}",
                steps.len(),
                duration(started.elapsed())
            );
            Ok(())
        }
        Some((name, err)) => {
            Err(err.context(format!("`cargo xtask test` stopped: step `{name}` failed")))
        }
    }
}

/// `1m05s` or `4.2s`.
fn duration(took: Duration) -> String {
    let secs = took.as_secs();
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", took.as_secs_f64())
    }
}

// ---------------------------------------------------------------------------------------
// bench

fn bench(root: &Path) -> Result<()> {
    run(cargo(root).args(["bench", "-p", "berth-core"]))?;
    if has_benches(&root.join("adapter")) {
        run(cargo(root).args(["bench", "-p", "berth"]))?;
    } else {
        println!("skipping `cargo bench -p berth`: adapter/ has no benches yet");
    }
    for script in bench_scripts(root)? {
        run(&mut command(&script, root))?;
    }
    println!(
        "\nCriterion keeps its measurements under {} (compared against the previous run).\n\
         docs/BENCHMARKS.md is written by hand from the output above.",
        root.join("target/criterion").display()
    );
    Ok(())
}

fn has_benches(package: &Path) -> bool {
    let bench_dir = fs::read_dir(package.join("benches")).map(|entries| {
        entries
            .flatten()
            .any(|entry| entry.path().extension() == Some(OsStr::new("rs")))
    });
    let declared = fs::read_to_string(package.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.contains("[[bench]]"));
    bench_dir.unwrap_or(false) || declared
}

/// Executable `bench-*.sh` files in scripts/, benches/ and tests/bench/, sorted.
fn bench_scripts(root: &Path) -> Result<Vec<PathBuf>> {
    let mut scripts = Vec::new();
    for dir in ["scripts", "benches", "tests/bench"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let name = path.file_name().and_then(OsStr::to_str).unwrap_or_default();
            if name.starts_with("bench-") && name.ends_with(".sh") && is_executable(&path) {
                scripts.push(path);
            }
        }
    }
    scripts.sort();
    Ok(scripts)
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

// ---------------------------------------------------------------------------------------
// running commands

/// A command run at the workspace root. The variables `cargo run` set for xtask itself
/// are removed so they cannot leak into the tools it starts.
fn command(program: impl AsRef<OsStr>, root: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(root)
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_MANIFEST_PATH");
    command
}

fn cargo(root: &Path) -> Command {
    command("cargo", root)
}

/// Prints `command`, runs it with the terminal's stdio and fails unless it exits 0.
fn run(command: &mut Command) -> Result<()> {
    let shown = show(command);
    println!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{shown}` (is it installed and on PATH?)"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `command` quietly and returns its stdout.
fn capture(command: &mut Command) -> Result<String> {
    let shown = show(command);
    let output = command
        .output()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !output.status.success() {
        bail!(
            "`{shown}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The command as a shell line: the variables it sets, the program, its arguments.
fn show(command: &Command) -> String {
    let vars = command.get_envs().filter_map(|(key, value)| {
        value.map(|value| format!("{}={}", key.to_string_lossy(), quote(value)))
    });
    // A script under the folder the command runs in is shown relative to it.
    let program = command
        .get_current_dir()
        .and_then(|dir| Path::new(command.get_program()).strip_prefix(dir).ok())
        .map(|relative| Path::new(".").join(relative).into_os_string())
        .unwrap_or_else(|| command.get_program().to_owned());
    let words = std::iter::once(quote(&program)).chain(command.get_args().map(quote));
    vars.chain(words).collect::<Vec<_>>().join(" ")
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n\
                    [[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.50\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-futures").as_deref(),
            Some("0.4.50")
        );
        assert_eq!(locked_version(lock, "trunk"), None);
    }

    #[test]
    fn reads_a_package_json_version() {
        let json = "{\n  \"name\": \"axe-core\",\n  \"version\" : \"4.10.3\",\n}";
        assert_eq!(
            json_string_field(json, "version").as_deref(),
            Some("4.10.3")
        );
        assert_eq!(json_string_field(json, "main"), None);
        assert_eq!(json_string_field("{\"version\": 4}", "version"), None);
    }

    #[test]
    fn reads_only_exact_pins() {
        let manifest = "wasm-bindgen = \"=0.2.130\"\nwasm-bindgen-futures = \"0.4\"\n";
        assert_eq!(
            exact_pin(manifest, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(exact_pin(manifest, "wasm-bindgen-futures"), None);
        let table = "wasm-bindgen = { version = \"=0.2.130\", default-features = false }";
        assert_eq!(exact_pin(table, "wasm-bindgen").as_deref(), Some("0.2.130"));
    }

    #[test]
    fn shows_commands_as_shell_lines() {
        let mut command = Command::new("cargo");
        command
            .args(["test", "--workspace", "a b"])
            .env("BERTH_WEB_DIST", "/r/dist");
        assert_eq!(
            show(&command),
            "BERTH_WEB_DIST=/r/dist cargo test --workspace 'a b'"
        );
    }

    #[test]
    fn passes_run_arguments_through() {
        for argv in [
            &["cargo xtask", "run", "--", "--engine", "sim"][..],
            &["cargo xtask", "run", "--engine", "sim"][..],
        ] {
            let Task::Run { args } = Cli::try_parse_from(argv).unwrap().task else {
                panic!("{argv:?} did not parse as run");
            };
            assert_eq!(args, ["--engine", "sim"]);
        }
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(Duration::from_millis(4_200)), "4.2s");
        assert_eq!(duration(Duration::from_secs(65)), "1m05s");
    }
}
