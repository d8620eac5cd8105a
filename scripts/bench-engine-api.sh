#!/usr/bin/env bash
# berth's simulated engine behind its Engine API, side by side with a real engine
# (tests/benches/engine_api.rs): docker ps -a and the list at 100 and 1,000 containers, and a
# lifecycle scenario's wall time on dockerd and on berth at --sim-speed 1 and 100.
#
#   scripts/bench-engine-api.sh          (or: cargo xtask bench)
#
# Needs root, docker.io and busybox-static (see docs/ENGINE.md). The daemon is private: a temp
# dir, --bridge=none --iptables=false --ip6tables=false, every container --network none. Results
# go to stdout as Markdown (copied into docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p berth --bin berth
BERTH_BIN="$target/release/berth" cargo bench -p berth-tests --bench engine_api
