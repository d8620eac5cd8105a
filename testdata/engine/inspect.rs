//! The final inspect document of every container left at the end of `scripts/record-engine.sh`
//! (Docker 20.10), by container name, embedded for tests of several crates (`#[path]`-included,
//! so the same list serves native and wasm tests).

/// (container name, its inspect JSON).
pub const INSPECT: &[(&str, &str)] = &[
    ("always", include_str!("inspect/always.json")),
    ("crash", include_str!("inspect/crash.json")),
    ("exit3", include_str!("inspect/exit3.json")),
    ("fresh", include_str!("inspect/fresh.json")),
    ("hc", include_str!("inspect/hc.json")),
    ("hello", include_str!("inspect/hello.json")),
    ("killme", include_str!("inspect/killme.json")),
    ("oom", include_str!("inspect/oom.json")),
    ("renamed2", include_str!("inspect/renamed2.json")),
    ("sick", include_str!("inspect/sick.json")),
    ("stopme", include_str!("inspect/stopme.json")),
    ("unless", include_str!("inspect/unless.json")),
    ("w39352", include_str!("inspect/w39352.json")),
    ("web", include_str!("inspect/web.json")),
];
