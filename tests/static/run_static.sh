#!/bin/sh
# Static analysis of lib/ and tools/ (docs/reliability.md, "Static analysis").
#
#   tests/static/run_static.sh SRCDIR BUILDDIR [analyzer|cppcheck|all]
#
# BUILDDIR is a configured build (for the generated include/cva/cva_version.h).
# analyzer: every lib/ and tools/ source through gcc's -fanalyzer (gcc >= 12),
#           any [-Wanalyzer-*] diagnostic fails; two compilers at a time.
# cppcheck: cppcheck --enable=warning,portability,performance over lib/ and
#           tools/ with the suppressions in tests/static/cppcheck.supp (each
#           with its reason); any other finding fails.
# Exit 0 clean, 1 findings, 77 (skip) when the tool is missing.
set -eu
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
what=${3:-all}
cd "$src"
rc=0

if [ "$what" = analyzer ] || [ "$what" = all ]; then
    cc=${CC:-gcc}
    if ! echo 'int main(void){return 0;}' | "$cc" -fanalyzer -x c -c -o /dev/null - 2>/dev/null; then
        echo "SKIP: $cc has no -fanalyzer (gcc >= 10 needed)"
        exit 77
    fi
    n=$(ls lib/*.c tools/*.c | wc -l)
    log=$(mktemp)
    # -O1: the analyzer's findings do not depend on it, the plain warnings
    # (the regular build's job) are not the point here: only [-Wanalyzer-*] fails.
    ls lib/*.c tools/*.c | xargs -P 2 -n 1 sh -c '
        case "$0" in lib/*) def=-DCVA_BUILDING ;; *) def= ;; esac
        '"$cc"' -std=c99 -O1 -fanalyzer -fdiagnostics-plain-output $def \
            -Iinclude -I'"$build"'/include -Ilib -Itools -c "$0" -o /dev/null' >"$log" 2>&1 || true
    if grep -q -- '-Wanalyzer-' "$log"; then
        cat "$log"
        echo "analyzer: FAIL ($(grep -c -- '-Wanalyzer-' "$log") -fanalyzer diagnostics above)"
        rc=1
    elif grep -q 'error:' "$log"; then
        cat "$log"
        echo "analyzer: FAIL (a file does not compile)"
        rc=1
    else
        echo "analyzer: $n files in lib/ and tools/, no -fanalyzer diagnostics"
    fi
    rm -f "$log"
fi

if [ "$what" = cppcheck ] || [ "$what" = all ]; then
    if ! command -v cppcheck >/dev/null 2>&1; then
        echo "SKIP: cppcheck not installed"
        exit 77
    fi
    if cppcheck --std=c99 --enable=warning,portability,performance --inline-suppr -q \
        --suppressions-list=tests/static/cppcheck.supp --error-exitcode=1 -j 2 \
        -DCVA_BUILDING -D__GNUC__=12 -Iinclude -I"$build/include" -Ilib -Itools lib tools; then
        echo "cppcheck: lib/ and tools/ clean (warning, portability, performance)"
    else
        echo "cppcheck: FAIL (findings above)"
        rc=1
    fi
fi
exit $rc
