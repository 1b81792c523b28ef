#!/bin/sh
# A fuzzing campaign: every libFuzzer target of tests/fuzz/ (or the ones named)
# for a time budget each, with a random seed (or a given one), from a fresh work
# directory plus the committed seed corpus and regression inputs.
# Prints per target: the seed, seconds, executions, edges (libFuzzer "cov"),
# and "clean" or the path of the input that broke an invariant or crashed.
# Exits 1 when a target found something, 2 on a usage or build error.
#
#   tests/fuzz/campaign.sh [-t SECONDS] [-s SEED] [-b BUILD_DIR] [-o OUT_DIR] [TARGET...]
#
#   -t  seconds per target (default 240)
#   -s  libFuzzer seed (default: a random one per target, printed so that a run
#       can be repeated; CI uses -seed=1, see docs/reliability.md "Campaigns")
#   -b  build directory (default build-fuzz; set up with clang and -Dfuzz=true
#       when it does not exist)
#   -o  where logs, work directories and crash inputs go (default: a new
#       directory under ${TMPDIR:-/tmp})
#
# Run it from the source root, preferably niced on a shared machine:
#   nice -n 5 tests/fuzz/campaign.sh -t 300 txn rfm
# Reproduce a finding by running the target binary on the input:
#   ./build-fuzz/tests/fuzz/fuzz_txn OUT_DIR/crash-txn-...
# With its fix, copy it to tests/fuzz/regress/<target>/ under a name that says
# what it found (the fuzz-replay tests then run it in every build).
# SPDX-License-Identifier: MIT
set -u

all="csv summary_file params_json txn rfm tiers models ladder_whatif"
secs=240
seed=
build='build-fuzz'
out=

usage() {
    sed -n '9,17p' "$0" >&2
    exit 2
}

while getopts t:s:b:o:h opt; do
    case $opt in
    t) secs=$OPTARG ;;
    s) seed=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-$all}

case $secs in '' | *[!0-9]*) echo "campaign: -t wants whole seconds" >&2; exit 2 ;; esac
case $seed in *[!0-9]*) echo "campaign: -s wants a non-negative integer" >&2; exit 2 ;; esac
for t in $targets; do
    case " $all " in *" $t "*) ;; *) echo "campaign: unknown target '$t' (targets: $all)" >&2; exit 2 ;; esac
done
if [ ! -f tests/fuzz/meson.build ]; then
    echo "campaign: run it from the libcva source root" >&2
    exit 2
fi

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false -Ddocs=disabled -Dbench=false -Dtests=disabled \
        >"${TMPDIR:-/tmp}/campaign-setup.$$.log" 2>&1 || {
        cat "${TMPDIR:-/tmp}/campaign-setup.$$.log" >&2
        echo "campaign: meson setup $build failed (needs clang and libclang-rt)" >&2
        exit 2
    }
fi
# shellcheck disable=SC2046 # one word per target
ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/fuzz_%s ' "$t"; done) >/dev/null || {
    echo "campaign: building the targets in $build failed" >&2
    exit 2
}

if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/cva-campaign.XXXXXX") || exit 2
fi
mkdir -p "$out" || exit 2

found=0
printf '%-14s %10s %7s %12s %7s  %s\n' target seed seconds executions edges result
for t in $targets; do
    s=$seed
    if [ -z "$s" ]; then
        # a random 31-bit seed (libFuzzer takes an unsigned int; 0 would mean "pick one")
        s=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
        s=$((s % 2147483646 + 1))
    fi
    work="$out/work-$t"
    rm -rf "$work"
    mkdir -p "$work"
    log="$out/$t.log"
    start=$(date +%s)
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
        "$build/tests/fuzz/fuzz_$t" -seed="$s" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$out/crash-$t-" "$work" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    edges=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
    crash=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        result=clean
    else
        found=1
        result="FOUND (exit $rc): ${crash:-no input written, see $log}"
    fi
    printf '%-14s %10s %7s %12s %7s  %s\n' "$t" "$s" "$took" "${execs:-?}" "${edges:-?}" "$result"
    if [ "$rc" -ne 0 ]; then
        grep -m 3 -E 'fuzz invariant failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$log" |
            sed 's/^/    /'
    fi
done
echo "logs, work directories and inputs: $out"
exit $found
