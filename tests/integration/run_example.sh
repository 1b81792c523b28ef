#!/bin/sh
# Run an example program and compare its standard output with a file.
# Usage: run_example.sh PROGRAM EXPECTED_OUTPUT
set -eu
[ $# -eq 2 ] || { echo "usage: $0 PROGRAM EXPECTED" >&2; exit 2; }
actual=$("$1") || { echo "$1 exited with status $?" >&2; exit 1; }
expected=$(cat "$2")
if [ "$actual" != "$expected" ]; then
    echo "output of $1 differs from $2" >&2
    echo "--- expected" >&2
    printf '%s\n' "$expected" >&2
    echo "--- actual" >&2
    printf '%s\n' "$actual" >&2
    exit 1
fi
printf '%s\n' "$actual"
