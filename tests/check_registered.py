#!/usr/bin/env python3
"""Every test file in the tree is registered with meson.

Usage: check_registered.py SRCROOT REGISTERED_FILE...

The meson.build files list their tests by hand (no discovery); each passes
the files it registers, and this script fails when a file matching one of
the patterns below exists but is not among them (a test that never runs),
or when a registered file does not exist.
"""
import glob
import os
import sys

PATTERNS = ["tests/test_*.c", "python/tests/test_*.py", "tools/tests/test_*.py", "tools/tests/test_*.c"]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: check_registered.py SRCROOT REGISTERED_FILE...\n")
        return 2
    root = os.path.realpath(argv[1])
    registered = {os.path.realpath(p) for p in argv[2:]}
    found = set()
    for pat in PATTERNS:
        found.update(os.path.realpath(p) for p in glob.glob(os.path.join(root, pat)))
    if not found:
        sys.stderr.write("no test files under %s (patterns: %s)\n" % (root, ", ".join(PATTERNS)))
        return 1
    missing = sorted(os.path.relpath(p, root) for p in found - registered)
    absent = sorted(os.path.relpath(p, root) for p in registered if not os.path.isfile(p))
    for p in missing:
        sys.stderr.write("%s exists but no meson.build registers it\n" % p)
    for p in absent:
        sys.stderr.write("%s is registered but does not exist\n" % p)
    if missing or absent:
        return 1
    print("%d test files, all registered" % len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
