#!/usr/bin/python3
"""Render the formulas of the documentation in a browser and fail on any TeX error.

Usage: check_math.py DOXYGEN DOXYFILE

Builds the HTML documentation into a temporary directory with MathJax taken
from the local copy of Debian's libjs-mathjax (/usr/share/javascript/mathjax,
or CVA_MATHJAX_DIR), opens every page that holds a formula in headless
Chromium, lets MathJax typeset it, and checks that every formula was rendered
and none gave a TeX error (an undefined command, unbalanced braces, ...).
Exit 77 (skip) without Chromium or MathJax, unless CVA_REQUIRE_BROWSER=1.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile


def skip(why):
    if os.environ.get("CVA_REQUIRE_BROWSER") == "1":
        sys.stderr.write("FAIL: %s (CVA_REQUIRE_BROWSER=1)\n" % why)
        return 1
    sys.stderr.write("SKIP: %s\n" % why)
    return 77


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    doxygen, doxyfile = sys.argv[1], sys.argv[2]
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                   if shutil.which(n)), None)
    if chrome is None:
        return skip("no Chromium to render the formulas")
    mathjax = os.environ.get("CVA_MATHJAX_DIR", "/usr/share/javascript/mathjax")
    if not os.path.isfile(os.path.join(mathjax, "MathJax.js")):
        return skip("no local MathJax (Debian: apt-get install libjs-mathjax)")
    with open(doxyfile, encoding="utf-8") as f:
        config = f.read()
    bad = 0
    with tempfile.TemporaryDirectory(prefix="cva-math-") as out:
        config += '\nOUTPUT_DIRECTORY = "%s"\nQUIET = YES\nMATHJAX_RELPATH = "file://%s"\n' % (out, mathjax)
        proc = subprocess.run([doxygen, "-"], input=config.encode(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
            return 1
        pages = []
        for path in sorted(glob.glob(os.path.join(out, "html", "*.html"))):
            html = open(path, encoding="utf-8", errors="replace").read()
            n_formula = html.count('class="formulaDsp"') + len(re.findall(r"\\\(", html))
            if n_formula:
                pages.append((path, n_formula))
        if not pages:
            sys.stderr.write("FAIL: no page with formulas was found\n")
            return 1
        total = 0
        for path, n_formula in pages:
            dom = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  "--disable-extensions", "--disable-dev-shm-usage",
                                  "--allow-file-access-from-files", "--virtual-time-budget=10000",
                                  "--dump-dom", "file://" + path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180).stdout.decode(
                                     "utf-8", "replace")
            rendered = len(re.findall(r'<span class="MathJax"', dom)) + len(re.findall(
                r'<div class="MathJax_Display"', dom))
            errors = re.findall(r'class="merror"[^>]*>(?:<[^>]*>)*([^<]*)', dom)
            name = os.path.basename(path)
            if errors:
                bad += 1
                sys.stderr.write("FAIL %s: TeX errors: %s\n" % (name, "; ".join(sorted(set(errors)))))
            if rendered < n_formula:
                bad += 1
                sys.stderr.write("FAIL %s: %d of %d formulas rendered\n" % (name, rendered, n_formula))
            total += n_formula
        print("%d formulas on %d pages rendered by MathJax, %s" % (total, len(pages), "FAILED" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
