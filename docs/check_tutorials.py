#!/usr/bin/python3
"""Run every tutorial page as written and check the output it shows.

Usage: check_tutorials.py CVA_EXECUTABLE PYTHON_PACKAGE_DIR PAGE.md...

For each page, in an empty temporary directory, the fenced blocks run in
order: ```sh blocks with `sh -e` (the directory of CVA_EXECUTABLE first on
PATH), ```python blocks with this Python (PYTHON_PACKAGE_DIR on PYTHONPATH;
CVA_LIBRARY comes from the environment). An ```output block checks the block
before it: each of its non-empty lines must be a line of that block's
standard output. ```console and other blocks are for reading only. A command
that fails, or an expected line that is missing, fails the test and names the
page and the block.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(path):
    """(language, text, line number) of every fenced block of the page."""
    out, lang, buf, start = [], None, [], 0
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            m = FENCE.match(line.rstrip("\n"))
            if lang is None and m:
                lang, buf, start = m.group(1) or "text", [], no
            elif lang is not None and line.rstrip("\n") == "```":
                out.append((lang, "".join(buf), start))
                lang = None
            elif lang is not None:
                buf.append(line)
    if lang is not None:
        raise SystemExit("%s:%d: unterminated code block" % (path, start))
    return out


def run_page(path, env):
    failures = 0
    ran = 0
    with tempfile.TemporaryDirectory(prefix="cva-tutorial-") as work:
        last = None  # (stdout, where) of the previous runnable block
        for lang, text, line in blocks(path):
            where = "%s:%d" % (os.path.basename(path), line)
            if lang in ("sh", "python"):
                cmd = ["sh", "-e", "-c", text] if lang == "sh" else [sys.executable, "-c", text]
                proc = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=300)
                ran += 1
                out = proc.stdout.decode("utf-8", "replace")
                if proc.returncode != 0:
                    failures += 1
                    sys.stderr.write("FAIL %s: %s block exited %d\n--- block\n%s--- stdout\n%s--- stderr\n%s\n"
                                     % (where, lang, proc.returncode, text, out,
                                        proc.stderr.decode("utf-8", "replace")))
                last = (out, where)
            elif lang == "output":
                if last is None:
                    failures += 1
                    sys.stderr.write("FAIL %s: an output block with no command block before it\n" % where)
                    continue
                got = [l.rstrip() for l in last[0].splitlines()]
                for want in text.splitlines():
                    if want.strip() and want.rstrip() not in got:
                        failures += 1
                        sys.stderr.write("FAIL %s: the output of the block at %s has no line %r\n--- it printed\n%s\n"
                                         % (where, last[1], want.rstrip(), last[0]))
                last = None
    print("%s: %d blocks run, %s" % (os.path.basename(path), ran, "FAILED" if failures else "ok"))
    return failures


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    cva_exe, pydir, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        import pandas  # noqa: F401  the Python tutorial needs it
    except ImportError:
        sys.stderr.write("SKIP: pandas is not installed (the Python tutorial needs it)\n")
        return 77
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(cva_exe)) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.path.abspath(pydir) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    failures = sum(run_page(p, env) for p in pages)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
