#!/usr/bin/env bash
# Runs the loom models of the concurrent stores (pool-core/tests/loom_*.rs): the real code,
# through the `sync` facade, under every interleaving up to LOOM_MAX_PREEMPTIONS (default
# 2, which keeps the run to seconds; raise it locally for a deeper search).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
# A target dir of its own: `--cfg loom` changes every crate's build.
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p pool-core --release --test loom_sync_pool --test loom_small_pool
echo "loom: passed (preemption bound $LOOM_MAX_PREEMPTIONS)"
