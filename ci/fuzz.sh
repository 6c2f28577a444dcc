#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for FUZZ_SECONDS (default 10)
# seconds, starting from the saved inputs in fuzz/regressions/<target>/. A crash fails the
# run; its input is copied to fuzz/regressions/<target>/ so that, once committed, `cargo
# test` (tests/fuzz_regressions.rs) replays it for good. A fuzzer runs on one core: the
# targets run FUZZ_JOBS (default: the number of cores) at a time.
#
#   bash ci/fuzz.sh                      # every target, 10 s each
#   FUZZ_SECONDS=600 bash ci/fuzz.sh pool_ops
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

export FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build

fuzz_one() {
    local t="$1" seconds="$FUZZ_SECONDS"
    mkdir -p "corpus/$t" "regressions/$t"
    local log
    log="$(mktemp)"
    if cargo +nightly fuzz run "$t" "corpus/$t" "regressions/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        local runs
        runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
        echo "fuzz: $t passed ($runs runs in ${seconds}s)"
        rm -f "$log"
    else
        tail -n 60 "$log"
        rm -f "$log"
        for crash in artifacts/"$t"/*; do
            [ -f "$crash" ] && cp "$crash" "regressions/$t/" && echo "fuzz: kept $crash in fuzz/regressions/$t/"
        done
        echo "fuzz: $t FAILED"
        return 1
    fi
}
export -f fuzz_one

if ! printf '%s\n' "${targets[@]}" | xargs -P "${FUZZ_JOBS:-$(nproc)}" -I{} bash -c 'fuzz_one "$@"' _ {}; then
    echo "fuzz: FAILED"
    exit 1
fi
