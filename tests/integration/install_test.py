#!/usr/bin/python3
"""Install the current build into a temporary DESTDIR and build a consumer outside meson.

Checks that `meson install` puts the public headers, the shared library
(with its SONAME link), the static archive, cva.pc and the `cva` program in
place, then compiles examples/summary.c the way a user would:

    cc -std=c99 -pedantic -Wall -Wextra -Werror summary.c \
       $(pkg-config --cflags --libs cva)

with PKG_CONFIG_SYSROOT_DIR pointing at the DESTDIR, runs it with
LD_LIBRARY_PATH and compares its output; finally links the same program
against libcva.a (`pkg-config --static`) and runs it without the shared
library. In a sanitizer build the installed library needs the sanitizer
runtime, so the consumer is compiled with the same -fsanitize flags.
"""
import argparse
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

STRICT = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror"]


class Failure(Exception):
    pass


def run(cmd, env=None, what=None):
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise Failure("%s failed (exit %d):\n$ %s\n%s%s" % (
            what or cmd[0], proc.returncode, " ".join(shlex.quote(c) for c in cmd), out, err))
    return out


def build_options(builddir):
    with open(os.path.join(builddir, "meson-info", "intro-buildoptions.json"), encoding="utf-8") as f:
        return {o["name"]: o["value"] for o in json.load(f)}


def under(destdir, prefix, path):
    if not os.path.isabs(path):
        path = os.path.join(prefix, path)
    return os.path.join(destdir, path.lstrip("/"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meson", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--srcdir", required=True, help="project source root")
    ap.add_argument("--example", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--soversion", required=True)
    ap.add_argument("--cc", default="cc", help="compiler command (shell words)")
    ap.add_argument("--pkg-config", default="pkg-config")
    ap.add_argument("--sanitize", default="none")
    a = ap.parse_args()

    opts = build_options(a.builddir)
    prefix = opts["prefix"]
    with open(a.expected, encoding="utf-8") as f:
        expected = f.read()

    tmp = tempfile.mkdtemp(prefix="cva-install-")
    try:
        destdir = os.path.join(tmp, "root")
        run([a.meson, "install", "-C", a.builddir, "--no-rebuild", "--destdir", destdir],
            what="meson install")

        incdir = under(destdir, prefix, opts["includedir"])
        libdir = under(destdir, prefix, opts["libdir"])
        bindir = under(destdir, prefix, opts["bindir"])
        pcdir = os.path.join(libdir, "pkgconfig")

        # 1. the installed files
        headers = sorted(os.path.basename(h) for h in glob.glob(os.path.join(a.srcdir, "include", "cva", "*.h")))
        wanted = [os.path.join(incdir, "cva", h) for h in headers + ["cva_version.h"]]
        wanted += [os.path.join(libdir, n) for n in
                   ("libcva.so", "libcva.so." + a.soversion, "libcva.a")]
        wanted += [os.path.join(pcdir, "cva.pc"), os.path.join(bindir, "cva")]
        missing = [w for w in wanted if not os.path.exists(w)]
        if missing:
            found = []
            for root, _, files in os.walk(destdir):
                found += [os.path.join(root, f) for f in files]
            raise Failure("not installed:\n  %s\ninstalled:\n  %s" % (
                "\n  ".join(missing), "\n  ".join(sorted(found))))
        if not os.access(os.path.join(bindir, "cva"), os.X_OK):
            raise Failure("bin/cva is not executable")
        if "cva.h" not in headers:
            raise Failure("no public headers found under %s/include/cva" % a.srcdir)
        print("installed: %d headers, libcva.so.%s, libcva.a, cva.pc, bin/cva"
              % (len(headers) + 1, a.soversion))

        # 2. pkg-config sees the installed cva.pc (and nothing else)
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = pcdir
        env["PKG_CONFIG_LIBDIR"] = pcdir
        env["PKG_CONFIG_SYSROOT_DIR"] = destdir
        pc = [a.pkg_config]
        modversion = run(pc + ["--modversion", "cva"], env=env).strip()
        if modversion != a.version:
            raise Failure("pkg-config --modversion cva says %r, project version is %r"
                          % (modversion, a.version))
        flags = shlex.split(run(pc + ["--cflags", "--libs", "cva"], env=env))
        static_flags = shlex.split(run(pc + ["--cflags", "--libs", "--static", "cva"], env=env))
        print("pkg-config --cflags --libs cva:", " ".join(flags))
        if not any(f.startswith("-I" + destdir) for f in flags):
            raise Failure("pkg-config --cflags does not point into DESTDIR: %s" % flags)

        # 3. build the consumer outside meson and run it
        cc = shlex.split(a.cc)
        san = ["-fsanitize=" + a.sanitize] if a.sanitize not in ("", "none") else []
        env_run = dict(os.environ)
        env_run.pop("LD_LIBRARY_PATH", None)
        shared_exe = os.path.join(tmp, "summary")
        run(cc + STRICT + san + [a.example, "-o", shared_exe] + flags, what="compiling against cva.pc")
        env_shared = dict(env_run)
        env_shared["LD_LIBRARY_PATH"] = libdir
        out = run([shared_exe], env=env_shared, what="installed example")
        if out != expected:
            raise Failure("example output differs:\n--- expected\n%s--- actual\n%s" % (expected, out))
        print("shared consumer: output OK")

        # 4. the same program against the static archive, without the .so
        archive = os.path.join(libdir, "libcva.a")
        static_link = [archive if f == "-lcva" else f for f in static_flags]
        static_exe = os.path.join(tmp, "summary-static")
        run(cc + STRICT + san + [a.example, "-o", static_exe] + static_link,
            what="compiling against libcva.a")
        out = run([static_exe], env=env_run, what="statically linked example")
        if out != expected:
            raise Failure("static example output differs:\n--- expected\n%s--- actual\n%s" % (expected, out))
        print("static consumer: output OK")
    except Failure as e:
        sys.stderr.write("FAIL: %s\n" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
