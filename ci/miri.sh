#!/usr/bin/env bash
# Runs pool-core's tests under Miri (strict provenance, symbolic alignment checks).
# Installs the Miri component itself; if that truly cannot be done, says so in one line
# and exits 0 so the rest of CI still runs. UB reported by Miri fails the run.
#
#   bash ci/miri.sh                      # everything, as CI runs it
#   bash ci/miri.sh --test binned shrink # extra arguments: one `cargo miri test` with them
#
# Miri interprets a program on one core. Every test program is a job of its own, and the
# jobs run MIRI_JOBS (default: the number of cores) at a time, the slowest first.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1; then
    echo "miri: SKIPPED: could not install the nightly miri component (rustup component add failed)"
    exit 0
fi
cargo +nightly miri setup >/dev/null 2>&1 || cargo +nightly miri setup

strict="-Zmiri-strict-provenance -Zmiri-symbolic-alignment-check"
export MIRIFLAGS="$strict"

if [ "$#" -gt 0 ]; then
    cargo +nightly miri test -p pool-core "$@"
    exit 0
fi

# The two targets the snapshots must also be the same bytes on: 32-bit and big-endian
# (Miri interprets them on this machine). The pool's occupancy map reads its bytes as
# little-endian words, and the binned allocator's page map splits addresses of the target's
# width: their unit tests run there too.
cross_targets=(i686-unknown-linux-gnu s390x-unknown-linux-gnu)

# Build everything first, one build at a time (each build uses every core already).
cargo +nightly miri test -p pool-core --lib --tests --no-run
MIRIFLAGS="-Zmiri-strict-provenance" \
    cargo +nightly miri test -p pool-core --features serde --test serde --no-run
for target in "${cross_targets[@]}"; do
    cargo +nightly miri test -p pool-core --target "$target" --lib --test binned_hardening --no-run
done
echo "miri: built at ${SECONDS} s"

# One job per line: a name, then the arguments of `cargo miri test`.
jobs_file="$(mktemp)"
logs="$(mktemp -d)"
trap 'rm -rf "$jobs_file" "$logs"' EXIT
{
    # The library's unit tests and every integration test; the doctests (examples, run
    # natively in the test step) are left out: each is a separate program under the
    # interpreter, and what they exercise the tests cover. The slowest programs go first
    # (about a minute or more each), so that the last jobs to start are short ones.
    slow=(binned small_pool unit binned_hardening arena_model serde small_pool_model
          sync_pool peer_sharded_slab arena_hardening sync_pool_reentrancy pool_model)
    for t in "${slow[@]}"; do
        case "$t" in
            unit) echo "unit --lib" ;;
            # The serde impls, through serde_json and postcard (see `run_job` for its flags).
            serde) echo "serde --features serde --test serde" ;;
            *) echo "$t --test $t" ;;
        esac
    done
    for f in pool-core/tests/*.rs; do
        t="$(basename "$f" .rs)"
        case " ${slow[*]} " in *" $t "*) continue ;; esac
        echo "$t --test $t"
    done
    for target in "${cross_targets[@]}"; do
        echo "$target-snapshots --target $target --test binned_hardening snapshots_are_the_same_bytes_on_every_target"
        echo "$target-maps --target $target --lib -- occupancy page_map"
    done
} >"$jobs_file"

run_job() {
    local name="$1"
    shift
    local flags="$MIRIFLAGS"
    # serde without the symbolic alignment check: memchr (used by serde_json to locate
    # errors) aligns its SSE loads by address, which that check cannot follow and reports
    # as a false positive.
    [ "$name" = serde ] && flags="-Zmiri-strict-provenance"
    local start=$SECONDS
    if MIRIFLAGS="$flags" cargo +nightly miri test -q -p pool-core "$@" >"$LOGS/$name" 2>&1; then
        echo "miri: $name passed in $((SECONDS - start)) s"
    else
        cat "$LOGS/$name"
        echo "miri: $name FAILED (cargo +nightly miri test -p pool-core $*)"
        return 1
    fi
}
export -f run_job
export LOGS="$logs"

if xargs -P "${MIRI_JOBS:-$(nproc)}" -L 1 bash -c 'run_job "$@"' _ <"$jobs_file"; then
    echo "miri: passed (strict provenance, symbolic alignment; serde without the alignment check) at ${SECONDS} s"
else
    echo "miri: FAILED"
    exit 1
fi
