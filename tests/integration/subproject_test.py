#!/usr/bin/python3
"""Build examples/subproject/ with libcva as its meson subproject, in a temp dir.

Layout created:
    TMP/consumer/                  copy of examples/subproject/
    TMP/consumer/subprojects/cva/  copy of the libcva source tree
                                   (without .git, build directories, caches)
Then `meson setup --force-fallback-for=cva`, `meson compile`, run the program
and check its output (it also compares header and library versions).
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile


def is_build_dir(path):
    return (os.path.isdir(os.path.join(path, "meson-private"))
            or os.path.isfile(os.path.join(path, "build.ninja")))


def copy_source(src, dst):
    def ignore(directory, names):
        skip = {n for n in names if n in (".git", "__pycache__", "packagecache")
                or n.endswith(".pyc")}
        for n in names:
            p = os.path.join(directory, n)
            if os.path.isdir(p) and is_build_dir(p):
                skip.add(n)
        return skip
    shutil.copytree(src, dst, ignore=ignore, symlinks=True)


def run(cmd, cwd=None):
    print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.stdout.write(out)
        raise SystemExit("FAIL: %s exited with %d" % (cmd[0], proc.returncode))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meson", required=True)
    ap.add_argument("--srcdir", required=True, help="libcva source root")
    ap.add_argument("--version", required=True)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="cva-subproject-") as tmp:
        proj = os.path.join(tmp, "consumer")
        shutil.copytree(os.path.join(a.srcdir, "examples", "subproject"), proj)
        copy_source(a.srcdir, os.path.join(proj, "subprojects", "cva"))
        build = os.path.join(proj, "build")
        log = run([a.meson, "setup", "--force-fallback-for=cva", build, proj])
        if "Subproject cva finished" not in log and "subprojects/cva" not in log:
            sys.stdout.write(log)
            raise SystemExit("FAIL: the cva subproject was not configured")
        run([a.meson, "compile", "-C", build])
        exe = os.path.join(build, "consumer")
        out = run([exe])
        expected = "libcva %s: customer 7, frequency 2, monetary_value 20.00\n" % a.version
        if out != expected:
            raise SystemExit("FAIL: output %r, expected %r" % (out, expected))
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
