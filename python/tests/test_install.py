#!/usr/bin/env python3
"""The Python binding installs with pip, offline, and keeps its public names.

1. The in-tree package (python/cva) has exactly the public names listed in
   python/tests/public_names.txt (recorded before the private modules were
   renamed), and every name of __all__ exists and is in that list.
2. ``python3 -m pip install --no-build-isolation --no-deps --no-index --target TMP``
   of a copy of python/ (so the source tree gets no build/ or egg-info) installs
   the package from python/pyproject.toml with no download; a fresh interpreter
   importing it from TMP gets the installed files (not the source tree), the same
   public names, and works against CVA_LIBRARY (version, summarize).

Exits 77 (meson: skipped) when pip, setuptools or wheel is not importable.
Environment: CVA_LIBRARY (the build's shared library).
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)

PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import cva
names = sorted(n for n in dir(cva) if not n.startswith("_"))
missing = [n for n in cva.__all__ if not hasattr(cva, n)]
s = cva.summarize([1, 1, 2], [0.0, 7.0, 3.0], [10.0, 20.0, 5.0], end=14.0)
# cva.lifetimes (needs numpy and pandas): the __all__ of the package and its modules
lt_names = None
try:
    import pandas  # noqa: F401
except ImportError:
    pass
else:
    import importlib
    lt_names = []
    for sub in ("", ".fitters", ".utils", ".plotting"):
        mod = importlib.import_module("cva.lifetimes" + sub)
        prefix = "lifetimes%s." % sub
        lt_names += [prefix + n for n in mod.__all__]
        missing += [prefix + n for n in mod.__all__ if not hasattr(mod, n)]
    lt_names.sort()
print(json.dumps({"file": cva.__file__, "names": names, "lt_names": lt_names, "all": sorted(cva.__all__),
                  "missing_all": missing, "version": cva.version(),
                  "pkg_version": cva.__version__,
                  "frequency": list(s["frequency"]), "recency": list(s["recency"]),
                  "T": list(s["T"])}))
"""


def fail(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


def listed_names():
    with open(os.path.join(HERE, "public_names.txt")) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


def expected_names():
    """The names of the cva package (lines without a dot)."""
    return [n for n in listed_names() if "." not in n]


def expected_lifetimes_names():
    """The names of cva.lifetimes and its modules (lines ``lifetimes[.module].NAME``)."""
    return sorted(n for n in listed_names() if "." in n)


def probe(path, cwd):
    proc = subprocess.run([sys.executable, "-c", PROBE, path], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=dict(os.environ, PYTHONPATH=""))
    if proc.returncode != 0:
        fail("importing cva from %s:\n%s" % (path, proc.stderr))
    return json.loads(proc.stdout)


def check(where, got, want):
    if got["names"] != want:
        extra = sorted(set(got["names"]) - set(want))
        lost = sorted(set(want) - set(got["names"]))
        fail("%s: public names differ from public_names.txt: new %s, gone %s" % (where, extra, lost))
    if got["missing_all"]:
        fail("%s: __all__ names missing attributes: %s" % (where, got["missing_all"]))
    if got["lt_names"] is None:
        print("%s: pandas not importable: cva.lifetimes names not checked" % where)
    elif got["lt_names"] != expected_lifetimes_names():
        want_lt = expected_lifetimes_names()
        fail("%s: cva.lifetimes names differ from public_names.txt: new %s, gone %s" % (
            where, sorted(set(got["lt_names"]) - set(want_lt)), sorted(set(want_lt) - set(got["lt_names"]))))
    not_public = sorted(set(got["all"]) - set(want) - {"__version__"})
    if not_public:
        fail("%s: __all__ names not in public_names.txt: %s" % (where, not_public))
    # customer 1: purchases at 0 and 7, end 14 -> frequency 1, recency 7, T 14
    if got["frequency"][0] != 1 or got["recency"][0] != 7.0 or got["T"][0] != 14.0:
        fail("%s: summarize gave frequency %r recency %r T %r" % (
            where, got["frequency"], got["recency"], got["T"]))
    print("%s: %d public names as listed, version %s, summarize ok" % (
        where, len(got["names"]), got["version"]))


def main():
    for mod in ("pip", "setuptools", "wheel"):
        if importlib.util.find_spec(mod) is None:
            print("SKIP: %s is not importable by %s (Debian: python3-pip python3-setuptools "
                  "python3-wheel)" % (mod, sys.executable))
            return 77
    if not os.environ.get("CVA_LIBRARY"):
        fail("CVA_LIBRARY must name the build's shared library")
    want = expected_names()

    with tempfile.TemporaryDirectory(prefix="cva-pyinstall-") as tmp:
        check("in-tree", probe(PYDIR, tmp), want)

        src = os.path.join(tmp, "src")
        shutil.copytree(PYDIR, src, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", "build", "*.egg-info", "tests"))
        target = os.path.join(tmp, "site")
        cmd = [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
               "--no-index", "--disable-pip-version-check", "--no-cache-dir", "--quiet",
               "--target", target, src]
        print("$ " + " ".join(cmd), flush=True)
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)
        if proc.returncode != 0:
            fail("pip install exited with %d:\n%s" % (proc.returncode, proc.stdout))

        def modules(root):
            return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root)
                          for f in fs if f.endswith(".py"))
        installed = modules(os.path.join(target, "cva"))
        source = modules(os.path.join(PYDIR, "cva"))
        if installed != source:
            fail("installed modules %s != source modules %s" % (installed, source))
        got = probe(target, tmp)
        if not os.path.realpath(got["file"]).startswith(os.path.realpath(target) + os.sep):
            fail("cva imported from %s, not from the install in %s" % (got["file"], target))
        check("pip --target", got, want)
        if got["pkg_version"] != probe(PYDIR, tmp)["pkg_version"]:
            fail("installed version differs from the source's")
        dist = [d for d in os.listdir(target) if d.endswith(".dist-info")]
        if dist != ["cva-%s.dist-info" % got["pkg_version"]]:
            fail("expected cva-%s.dist-info in %s, found %s" % (got["pkg_version"], target, dist))
        print("pip installed %s (%d modules) into a temporary directory" % (dist[0], len(installed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
