#!/usr/bin/env bash
# Runs every benchmark family (typed-pool and its peers, same process, same workloads) and
# regenerates docs/benchmarks.md and docs/charts/*.svg from that one run.
# Takes about 15-20 minutes on 2 cores. Usage: bash ci/bench-report.sh [family ...]
set -euo pipefail
cd "$(dirname "$0")/.."

families=("$@")
if [ "${#families[@]}" -eq 0 ]; then
    families=(pool arena shuffler binned sync_pool small_pool)
fi
out=target/bench-report
for family in "${families[@]}"; do
    rm -rf "$out/$family"
    CRITERION_HOME="$PWD/$out/$family" cargo bench --bench "$family" -- --noplot
done
cargo run --release --bin bench-report -- "$out" docs
echo "bench-report: wrote docs/benchmarks.md and docs/charts/"
