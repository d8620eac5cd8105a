#!/usr/bin/env bash
# The adapter's benchmark, side by side with a real engine (tests/benches/adapter.rs): berth's
# GET /api/containers?all=1 against the engine's GET /containers/json?all=1 at 100 and 1,000
# containers, memory and idle CPU of berth and dockerd, event -> SSE latency.
#
#   scripts/bench-adapter.sh          (or: cargo xtask bench)
#
# Needs root, docker.io and busybox-static (see docs/ENGINE.md). The daemon is private:
# a temp dir, --bridge=none --iptables=false --ip6tables=false, every container --network none,
# stopped by its pidfile. Results go to stdout as Markdown (copied into docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p berth --bin berth
BERTH_BIN="$target/release/berth" cargo bench -p berth-tests --bench adapter
