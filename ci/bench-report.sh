#!/usr/bin/env bash
# Runs every benchmark family (typed-pool and its peers, same process, same workloads)
# BENCH_ROUNDS times (3 unless set), the rounds minutes apart, and regenerates
# docs/benchmarks.md and docs/charts/*.svg from that one run: each ratio is the median of
# the per-round ratios, with the lowest and highest round beside it.
# Takes about 20 minutes on 2 cores. Usage: bash ci/bench-report.sh [family ...]
set -euo pipefail
cd "$(dirname "$0")/.."

families=("$@")
if [ "${#families[@]}" -eq 0 ]; then
    families=(pool arena shuffler binned sync_pool small_pool)
fi
rounds="${BENCH_ROUNDS:-3}"
out=target/bench-report
for family in "${families[@]}"; do
    rm -rf "${out:?}/$family"
    cargo bench --bench "$family" --no-run
done
for round in $(seq 1 "$rounds"); do
    for family in "${families[@]}"; do
        echo "bench-report: round $round of $rounds: $family"
        CRITERION_HOME="$PWD/$out/$family/round-$round" cargo bench --bench "$family" -- --noplot
    done
done
cargo run --release --bin bench-report -- "$out" docs
echo "bench-report: wrote docs/benchmarks.md and docs/charts/"
