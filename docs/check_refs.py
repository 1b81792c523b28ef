#!/usr/bin/python3
"""Fail on references to documents a user of libcva never sees.

Usage: check_refs.py SOURCE_ROOT

The definitions the library implements are on its own pages (docs/methods/);
headers, comments, docs, help texts and tests point there. This check fails on
any reference to an outside specification by section or decision number
("SPEC §5.3", "SPEC 3.2", "decision 7") in the source tree. CHANGELOG.md is
history and left as written.
"""
import os
import re
import sys

PATTERNS = [re.compile(r"\bSPEC\b"), re.compile(r"\b[Dd]ecisions?\s+\d+\b")]
DIRS = ["include", "lib", "tools", "python", "tests", "bench", "docs", "examples", "postgresql", ".ci"]
FILES = ["README.md", "meson.build", "meson_options.txt"]
EXT = (".c", ".h", ".py", ".md", ".txt", ".build", ".in", ".sql", ".out", ".sh", ".control", "run")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    root = sys.argv[1]
    paths = [os.path.join(root, f) for f in FILES]
    for d in DIRS:
        for top, dirs, files in os.walk(os.path.join(root, d)):
            dirs[:] = [x for x in dirs if x not in ("__pycache__", "corpus", "regress")]
            paths += [os.path.join(top, f) for f in files if f.endswith(EXT)]
    bad = 0
    me = os.path.abspath(__file__)
    for p in sorted(paths):
        if os.path.abspath(p) == me or not os.path.isfile(p):
            continue
        try:
            lines = open(p, encoding="utf-8").read().split("\n")
        except UnicodeDecodeError:
            continue
        for no, line in enumerate(lines, 1):
            if any(r.search(line) for r in PATTERNS):
                bad += 1
                sys.stderr.write("%s:%d: %s\n" % (os.path.relpath(p, root), no, line.strip()))
    if bad:
        sys.stderr.write("%d reference(s) to an outside specification: point to the project's own "
                         "page instead (docs/methods/, @ref methods_... in headers)\n" % bad)
        return 1
    print("no references to outside specifications in %d files" % len(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
