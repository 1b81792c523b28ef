#!/usr/bin/python3
"""ABI baseline of libcva: abi/libcva.abi, written by abidw, compared by abidiff.

Usage:
  abi_baseline.py write SRCDIR SHARED_LIB   (re)write SRCDIR/abi/libcva.abi from SHARED_LIB
  abi_baseline.py check SRCDIR SHARED_LIB   compare SHARED_LIB with the baseline (suite 'abi')

The baseline is written from a build with debug information (-g; meson's
default buildtype debugoptimized has it): `ninja -C build abi-baseline` runs

  abidw --no-corpus-path --no-comp-dir-path --no-show-locs --type-id-style hash \\
        --out-file SRCDIR/abi/libcva.abi BUILD/lib/libcva.so.0.0.0

(no paths, no source locations, hashed type ids: the file depends on the
types and symbols only, not on where or with which compiler it was built).

The check compares the shared library of the build it runs in (whatever the
compiler, optimisation or sanitizers: abidiff compares the exported symbols and
the types reachable from them, not code; only the exported functions, those of
lib/cva.sym, are visible) with

  abidiff --no-added-syms --suppressions SIZED.abignore abi/libcva.abi BUILD/lib/libcva.so.0.0.0

and

  - symbols added (new exports)                      -> pass, listed;
  - members appended at the END of a sized struct     -> pass (the struct_size
    handshake, STYLE: sized structs grow at the end only), suppressed by a
    libabigail suppression written from the headers: every public struct whose
    first member is `uint32_t struct_size`;
  - anything else abidiff reports (a removed or changed function, a member
    inserted, removed or retyped, a struct without struct_size growing, a
    changed enum value)                               -> FAIL,
    unless the SONAME major of meson.build's abi_current - abi_age differs from
    the baseline's SONAME (a deliberate ABI break: regenerate the baseline).

It exits 77 (skip, visible in the test log) when abidw/abidiff are not
installed or the library has no DWARF (a build with -Ddebug=false).
"""
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
BASELINE = os.path.join("abi", "libcva.abi")
ABIDW_FLAGS = ["--no-corpus-path", "--no-comp-dir-path", "--no-show-locs", "--type-id-style", "hash"]


def which(prog):
    for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        p = os.path.join(d, prog)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def has_dwarf(lib):
    """True if the ELF file has a .debug_info section (read from the section headers)."""
    import struct
    with open(lib, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:        # 64-bit ELF only; else let abidiff decide
        return True
    end = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(end + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
    def sh(i):
        return struct.unpack_from(end + "IIQQQQIIQQ", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        name_off = sh(i)[0]
        name = data[stroff + name_off:data.index(b"\0", stroff + name_off)]
        if name in (b".debug_info", b".zdebug_info"):
            return True
    return False


def abi_numbers(srcdir):
    """(current, revision, age) from meson.build."""
    text = open(os.path.join(srcdir, "meson.build"), encoding="utf-8").read()
    vals = []
    for key in ("abi_current", "abi_revision", "abi_age"):
        m = re.search(r"^%s\s*=\s*(\d+)" % key, text, re.M)
        if not m:
            raise SystemExit("FAIL: %s not found in meson.build" % key)
        vals.append(int(m.group(1)))
    return tuple(vals)


def baseline_soname(path):
    head = open(path, encoding="utf-8").read(4096)
    m = re.search(r"soname='([^']*)'", head)
    return m.group(1) if m else None


SIZED = re.compile(r"typedef\s+struct\s+(cva_\w+)\s*\{\s*uint32_t\s+struct_size\s*;")


def sized_structs(srcdir):
    names = set()
    inc = os.path.join(srcdir, "include", "cva")
    for fn in sorted(os.listdir(inc)):
        if fn.endswith(".h"):
            text = open(os.path.join(inc, fn), encoding="utf-8").read()
            text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
            names.update(SIZED.findall(text))
    return sorted(names)


def suppressions(srcdir, path):
    names = sized_structs(srcdir)
    if not names:
        raise SystemExit("FAIL: no sized structs (first member uint32_t struct_size) in include/cva")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# written by tests/abi/abi_baseline.py: members appended at the end of a\n"
                "# sized struct are compatible (the struct_size handshake)\n")
        f.write("[suppress_type]\n  type_kind = struct\n  has_data_member_inserted_at = end\n"
                "  has_size_change = yes\n  name_regexp = ^(%s)$\n" % "|".join(names))
    return len(names)


def write(srcdir, lib):
    abidw = which("abidw")
    if not abidw:
        sys.stderr.write("abidw not found (Debian: apt-get install abigail-tools)\n")
        return 1
    if not has_dwarf(lib):
        sys.stderr.write("%s has no debug information: write the baseline from a -g build "
                         "(the default buildtype debugoptimized)\n" % lib)
        return 1
    out = os.path.join(srcdir, BASELINE)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = [abidw] + ABIDW_FLAGS + ["--out-file", out, lib]
    print(" ".join(cmd))
    return subprocess.call(cmd)


def check(srcdir, lib):
    abidiff = which("abidiff")
    if not abidiff:
        print("SKIP: abidiff not found (Debian: apt-get install abigail-tools)")
        return SKIP
    if not has_dwarf(lib):
        print("SKIP: %s has no debug information (-Ddebug=false); abidiff needs DWARF "
              "to compare types" % lib)
        return SKIP
    base = os.path.join(srcdir, BASELINE)
    if not os.path.exists(base):
        sys.stderr.write("FAIL: %s is missing: run `ninja -C BUILD abi-baseline`\n" % BASELINE)
        return 1
    current, revision, age = abi_numbers(srcdir)
    want_soname = "libcva.so.%d" % (current - age)
    old_soname = baseline_soname(base)
    with tempfile.TemporaryDirectory() as tmp:
        supp = os.path.join(tmp, "sized.abignore")
        n_sized = suppressions(srcdir, supp)
        cmd = [abidiff, "--no-added-syms", "--suppressions", supp, base, lib]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        report = proc.stdout.decode("utf-8", "replace")
        added = subprocess.run([abidiff, "--suppressions", supp, base, lib],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rc = proc.returncode
    if rc & 3:                       # 1: abidiff error, 2: usage error
        sys.stderr.write("FAIL: abidiff failed (exit %d):\n%s\n%s\n" % (rc, " ".join(cmd), report))
        return 1
    added_funcs = re.findall(r"\[A\] '[^']*'", added.stdout.decode("utf-8", "replace"))
    print("baseline %s (%s); library %s; meson.build abi %d:%d:%d -> %s; "
          "%d sized structs may grow at the end"
          % (BASELINE, old_soname, os.path.basename(lib), current, revision, age, want_soname, n_sized))
    if added_funcs:
        print("added since the baseline (compatible; refresh with `ninja abi-baseline` when "
              "releasing):\n  " + "\n  ".join(added_funcs))
    if rc == 0:
        print("no incompatible ABI change against the baseline")
        return 0
    if old_soname != want_soname:
        print("ABI changes against the baseline, allowed: the SONAME moves from %s to %s "
              "(regenerate the baseline with `ninja -C BUILD abi-baseline`):\n%s"
              % (old_soname, want_soname, report))
        return 0
    sys.stderr.write(
        "FAIL: ABI change against %s while the SONAME stays %s.\n"
        "Either undo it (append fields at the END of sized structs only, never change or remove\n"
        "a public function), or bump the ABI in meson.build (abi_current += 1, abi_revision = 0,\n"
        "abi_age = 0) and regenerate the baseline (`ninja -C BUILD abi-baseline`).\n"
        "abidiff exit %d (%s):\n%s\n"
        % (BASELINE, want_soname, rc, "incompatible" if rc & 8 else "change", report))
    return 1


def main(argv):
    if len(argv) != 4 or argv[1] not in ("write", "check"):
        sys.stderr.write(__doc__)
        return 2
    return (write if argv[1] == "write" else check)(argv[2], argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
