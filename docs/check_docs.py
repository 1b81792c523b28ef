#!/usr/bin/python3
"""Build the Doxygen documentation into a temporary directory; fail on any warning.

Usage: check_docs.py DOXYGEN DOXYFILE

The Doxyfile already says WARN_AS_ERROR = YES; this script additionally
treats anything doxygen writes to stderr as a failure (so a warning that
doxygen does not count, e.g. about the configuration, still fails) and
checks that the HTML index was written.
"""
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    doxygen, doxyfile = sys.argv[1], sys.argv[2]
    with open(doxyfile, encoding="utf-8") as f:
        config = f.read()
    with tempfile.TemporaryDirectory(prefix="cva-docs-") as out:
        config += '\nOUTPUT_DIRECTORY = "%s"\nQUIET = YES\n' % out
        proc = subprocess.run([doxygen, "-"], input=config.encode("utf-8"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0 or err:
            sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
            sys.stderr.write(err + "\n")
            sys.stderr.write("doxygen failed (exit %d): every public symbol in include/cva/ "
                             "needs a doc comment and the pages must be warning-free\n"
                             % proc.returncode)
            return 1
        index = os.path.join(out, "html", "index.html")
        if not os.path.isfile(index):
            sys.stderr.write("doxygen wrote no %s\n" % index)
            return 1
        for page in ("group__txn.html", "group__common.html"):
            if not os.path.isfile(os.path.join(out, "html", page)):
                sys.stderr.write("expected page %s is missing\n" % page)
                return 1
    print("documentation builds without warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
