#!/usr/bin/python3
"""Check the generated man pages: each renders without a groff warning and
holds every option its command's --help names.

Usage: check_man.py CVA_EXECUTABLE PAGE.1...
"""
import os
import re
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    exe, pages = sys.argv[1], sys.argv[2:]
    groff = shutil.which("groff")
    if groff is None:
        sys.stderr.write("SKIP: groff is not installed\n")
        return 77
    bad = 0
    for p in pages:
        proc = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", p], stderr=subprocess.PIPE)
        if proc.returncode != 0 or proc.stderr:
            bad += 1
            sys.stderr.write("FAIL %s: groff: %s\n" % (p, proc.stderr.decode()))
        name = os.path.basename(p)[:-2]
        args = [name[4:], "--help"] if name != "cva" else ["--help"]
        text = subprocess.run([exe] + args, stdout=subprocess.PIPE, check=True).stdout.decode()
        proc = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-u", p],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        rendered = proc.stdout.decode("utf-8", "replace").replace("\u2010", "-").replace("\u2212", "-")
        if proc.stderr:
            bad += 1
            sys.stderr.write("FAIL %s: groff -Tutf8 (text): %s\n" % (p, proc.stderr.decode()))
        for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))):
            if opt not in rendered:
                bad += 1
                sys.stderr.write("FAIL %s: option %s of '%s' missing\n" % (p, opt, " ".join(args)))
        if ".SH NAME" not in open(p, encoding="utf-8").read():
            bad += 1
            sys.stderr.write("FAIL %s: no NAME section\n" % p)
    print("%d man pages checked, %s" % (len(pages), "FAILED" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
