#!/usr/bin/python3
"""ABI and "no global state" hygiene checks for libcva.

Usage:
  abi_check.py exports   NM SYMFILE SHARED_LIB   nm -D --defined-only == lib/cva.sym
  abi_check.py writable  NM STATIC_LIB           no writable data in our objects
  abi_check.py calls     SRCDIR                  no I/O, environment or locale calls in lib/
  abi_check.py api       SRCDIR                  CVA_API declarations == lib/cva.sym, and the
                                                 CVA_EXPERIMENTAL_API ones == its CVA_EXPERIMENTAL node
  abi_check.py alloc     SRCDIR                  no malloc/free in lib/ outside the allocator
  abi_check.py conventions SRCDIR                cva_diag * last and CVA_NODISCARD (common.h)

Rules are STYLE.md docs/methods/models.md#methods_models (symbol control), §31 (no mutable global state) and
§32 (no I/O and no locale in the core).
"""
import glob
import os
import re
import subprocess
import sys


def fail(msg):
    sys.stderr.write("FAIL: " + msg.rstrip() + "\n")
    return 1


def nm(nm_prog, *args):
    proc = subprocess.run([nm_prog] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit(fail("%s %s: %s" % (nm_prog, " ".join(args),
                                             proc.stderr.decode("utf-8", "replace"))))
    return proc.stdout.decode("utf-8", "replace")


def strip_c_comments(text):
    """Remove comments and the contents of string/char literals, keep line count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_sym(symfile):
    """Global symbols and version node names of a GNU ld version script."""
    text = open(symfile, encoding="utf-8").read()
    text = re.sub(r"#[^\n]*", "", strip_c_comments(text))
    nodes = re.findall(r"([A-Za-z_][\w.]*)\s*\{", text)
    globals_, blocks = set(), []
    for block in re.findall(r"global\s*:(.*?)(?:local\s*:|\})", text, re.S):
        names = re.findall(r"([A-Za-z_]\w*)\s*;", block)
        globals_.update(names)
        blocks.append(names)
    return globals_, nodes, blocks


def check_exports(nm_prog, symfile, shlib):
    want, nodes, blocks = read_sym(symfile)
    if not want:
        return fail("%s lists no global symbols" % symfile)
    problems = []
    for names in blocks:
        if names != sorted(names):
            problems.append("%s: keep the symbols of each node in alphabetical order" % symfile)
    got, versions = set(), set()
    for line in nm(nm_prog, "-D", "--defined-only", shlib).splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2]
        if kind == "A":                       # version node definitions, e.g. CVA_0.1
            versions.add(name)
            continue
        base, _, ver = name.partition("@")
        got.add(base)
        if not ver.lstrip("@"):
            problems.append("%s is exported without a symbol version" % base)
    extra, missing = sorted(got - want), sorted(want - got)
    if extra:
        problems.append("exported but not in %s: %s" % (os.path.basename(symfile), ", ".join(extra)))
    if missing:
        problems.append("in %s but not exported: %s" % (os.path.basename(symfile), ", ".join(missing)))
    if versions != set(nodes):
        problems.append("version nodes %s, expected %s" % (sorted(versions), sorted(nodes)))
    if problems:
        return fail("\n".join(problems))
    print("%d exported symbols match %s (version nodes: %s)"
          % (len(got), os.path.basename(symfile), ", ".join(sorted(versions))))
    return 0


# Writable sections; .data.rel.ro is read-only after relocation (RELRO).
WRITABLE = re.compile(r"^\.(data|bss|tdata|tbss|sdata|sbss)(\.|$)")
# Symbols instrumentation adds (sanitizers, coverage, profiling).
TOOLCHAIN = re.compile(r"^(\.L|_+asan|_+odr_asan|_+ubsan|_+sancov|_+gcov|_+llvm|_+profc|_+profd|"
                       r"__tsan|__msan|__covrec|_GLOBAL_OFFSET_TABLE_|__dso_handle|__TMC_END__)")


def check_writable(nm_prog, archive):
    bad, objects, member = [], 0, "?"
    for line in nm(nm_prog, "-f", "sysv", archive).splitlines():
        m = re.match(r"^Symbols from .*\[(.*)\]:", line)
        if m:
            member, objects = m.group(1), objects + 1
            continue
        cols = [c.strip() for c in line.split("|")]
        if len(cols) < 7:
            continue
        name, cls, section = cols[0], cols[2], cols[6]
        if cls in ("U", "w", "v") or TOOLCHAIN.match(name) or section.startswith(".data.rel.ro"):
            continue
        if cls in ("C", "c", "B", "b", "D", "d") or WRITABLE.match(section):
            bad.append("%s: %s (class %s, section %s)" % (member, name, cls, section or "COMMON"))
    if objects == 0:
        return fail("%s: no object files found" % archive)
    if bad:
        return fail("writable data in %s (no mutable global or static state in lib/; "
                    "make it const or move it into the caller's struct):\n  %s"
                    % (os.path.basename(archive), "\n  ".join(bad)))
    print("%d objects in %s: no writable data symbols" % (objects, os.path.basename(archive)))
    return 0


FORBIDDEN = [
    # output and files
    "printf", "fprintf", "vprintf", "vfprintf", "puts", "fputs", "fputc", "putc", "putchar",
    "perror", "fopen", "freopen", "fdopen", "fclose", "fread", "fwrite", "fflush", "fgets",
    "fscanf", "scanf", "sscanf", "tmpfile", "open", "write", "read",
    # environment, process-wide state
    "getenv", "secure_getenv", "setenv", "putenv", "atexit", "signal", "raise", "exit", "abort",
    "rand", "srand",
    # locale-dependent conversion and the locale itself
    "strtod", "strtof", "strtold", "atof", "sprintf", "snprintf", "vsnprintf", "setlocale",
    "localeconv", "strcoll",
]
CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(FORBIDDEN))
HEADERS = re.compile(r"#\s*include\s*<(stdio|locale|unistd|fcntl|signal)\.h>")


def check_calls(srcdir):
    files = sorted(glob.glob(os.path.join(srcdir, "lib", "*.c")) +
                   glob.glob(os.path.join(srcdir, "lib", "*.h")))
    if not files:
        return fail("no sources under %s/lib" % srcdir)
    bad = []
    for path in files:
        code = strip_c_comments(open(path, encoding="utf-8").read())
        for lineno, line in enumerate(code.splitlines(), 1):
            for m in CALL.finditer(line):
                bad.append("%s:%d: %s()" % (os.path.relpath(path, srcdir), lineno, m.group(1)))
            m = HEADERS.search(line)
            if m:
                bad.append("%s:%d: <%s.h>" % (os.path.relpath(path, srcdir), lineno, m.group(1)))
    if bad:
        return fail("I/O, environment or locale use in lib/ (STYLE §31-32):\n  " + "\n  ".join(bad))
    print("%d files in lib/: no I/O, environment or locale calls" % len(files))
    return 0


# Every block lib/ takes comes from the caller's cva_allocator through
# cva__alloc()/cva__free() (lib/common.c, the only place that may fall back to
# malloc/free); a literal NULL allocator there is a block the caller cannot redirect.
HEAP = ["malloc", "calloc", "realloc", "reallocarray", "free", "aligned_alloc", "posix_memalign",
        "memalign", "valloc", "pvalloc", "strdup", "strndup", "alloca"]
HEAP_CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(HEAP))
NULL_ALLOC = re.compile(r"\b(cva__alloc|cva__free)\s*\(\s*(NULL|0)\s*,")
ALLOCATOR_FILE = os.path.join("lib", "common.c")
ALLOCATOR_FUNCS = ("cva__alloc", "cva__free")


def blank_functions(code, names):
    """Blank the bodies of the named function definitions, keep line count."""
    found = set()
    for name in names:
        m = re.search(r"^[A-Za-z_][\w \t*]*\b%s\s*\([^;{]*\)\s*\{" % re.escape(name), code, re.M)
        if not m:
            continue
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        body = code[m.start():j]
        code = code[:m.start()] + re.sub(r"[^\n]", " ", body) + code[j:]
        found.add(name)
    return code, found


def check_alloc(srcdir):
    files = sorted(glob.glob(os.path.join(srcdir, "lib", "*.c")) +
                   glob.glob(os.path.join(srcdir, "lib", "*.h")))
    if not files:
        return fail("no sources under %s/lib" % srcdir)
    bad, found = [], set()
    for path in files:
        rel = os.path.relpath(path, srcdir)
        code = strip_c_comments(open(path, encoding="utf-8").read())
        if rel == ALLOCATOR_FILE:
            code, found = blank_functions(code, ALLOCATOR_FUNCS)
        for lineno, line in enumerate(code.splitlines(), 1):
            for m in HEAP_CALL.finditer(line):
                bad.append("%s:%d: %s()" % (rel, lineno, m.group(1)))
            for m in NULL_ALLOC.finditer(line):
                bad.append("%s:%d: %s(%s, ...)" % (rel, lineno, m.group(1), m.group(2)))
    if found != set(ALLOCATOR_FUNCS):
        bad.append("%s: definitions of %s not found (the only place allowed to call malloc/free)"
                   % (ALLOCATOR_FILE, ", ".join(sorted(set(ALLOCATOR_FUNCS) - found))))
    if bad:
        return fail("allocation outside the caller's allocator in lib/ (use cva__alloc/cva__free "
                    "with the cva_allocator the entry point received):\n  " + "\n  ".join(bad))
    print("%d files in lib/: every allocation goes through cva__alloc/cva__free" % len(files))
    return 0


DECL = re.compile(r"\bCVA_API\b([^;{]*?)\b(cva_\w+)\s*\(", re.S)
# The experimental gate (cva/common.h, group "experimental"): declarations inside
# `#if defined(CVA_EXPERIMENTAL_API) ...` sections, exported in this .sym node only.
GATE_MACRO = "CVA_EXPERIMENTAL_API"
EXPERIMENTAL_NODE = "CVA_EXPERIMENTAL"
IF_LINE = re.compile(r"^\s*#\s*if(n?def)?\b")
GATE_LINE = re.compile(r"^\s*#\s*(ifdef\s+|if\s+defined\s*\(?\s*)%s\b" % GATE_MACRO)
ENDIF_LINE = re.compile(r"^\s*#\s*endif\b")


def split_gated(code):
    """(stable, gated): copies of code with the other part's lines blanked."""
    stable, gated, depth, gate_depth = [], [], 0, None
    for line in code.split("\n"):
        is_if, is_endif = IF_LINE.match(line), ENDIF_LINE.match(line)
        if is_if:
            depth += 1
            if gate_depth is None and GATE_LINE.match(line):
                gate_depth = depth
        inside = gate_depth is not None
        stable.append("" if inside else line)
        gated.append(line if inside else "")
        if is_endif:
            if gate_depth is not None and depth == gate_depth:
                gate_depth = None
            depth -= 1
    return "\n".join(stable), "\n".join(gated)


def read_sym_nodes(symfile):
    """Global symbols per version node of a GNU ld version script."""
    text = re.sub(r"#[^\n]*", "", strip_c_comments(open(symfile, encoding="utf-8").read()))
    nodes = {}
    for name, body in re.findall(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}", text, re.S):
        m = re.search(r"global\s*:(.*?)(?:local\s*:|$)", body, re.S)
        nodes[name] = set(re.findall(r"([A-Za-z_]\w*)\s*;", m.group(1))) if m else set()
    return nodes


def check_api(srcdir):
    symfile = os.path.join(srcdir, "lib", "cva.sym")
    want, _, _ = read_sym(symfile)
    nodes = read_sym_nodes(symfile)
    experimental_syms = nodes.get(EXPERIMENTAL_NODE, set())
    declared, gated = {}, {}
    for path in sorted(glob.glob(os.path.join(srcdir, "include", "cva", "*.h"))):
        code = strip_c_comments(open(path, encoding="utf-8").read())
        for part, where in zip(split_gated(code), (declared, gated)):
            part = re.sub(r"^\s*#.*?(?<!\\)$", "", part, flags=re.M | re.S)  # drop directives
            for m in DECL.finditer(part):
                where.setdefault(m.group(2), os.path.relpath(path, srcdir))
    if not declared:
        return fail("no CVA_API declarations found in include/cva/*.h")
    problems = []
    everything = dict(gated, **declared)
    for name in sorted(set(everything) - want):
        problems.append("%s (%s) is declared CVA_API but missing from lib/cva.sym" % (name, everything[name]))
    for name in sorted(want - set(everything)):
        problems.append("%s is in lib/cva.sym but no public header declares it with CVA_API" % name)
    for name in sorted(set(declared) & set(gated)):
        problems.append("%s is declared both outside and inside the %s gate" % (name, GATE_MACRO))
    for name in sorted(set(gated) & want - experimental_syms):
        problems.append("%s (%s) is declared under %s but exported in a stable node of lib/cva.sym "
                        "(move it to the %s node)" % (name, gated[name], GATE_MACRO, EXPERIMENTAL_NODE))
    for name in sorted(experimental_syms - set(gated)):
        problems.append("%s is in the %s node of lib/cva.sym but declared outside the %s gate "
                        "(a stable function belongs in a stable node)" % (name, EXPERIMENTAL_NODE, GATE_MACRO))
    if problems:
        return fail("\n".join(problems))
    print("%d CVA_API functions == lib/cva.sym (%d stable, %d experimental under %s in node %s)"
          % (len(everything), len(declared), len(gated), GATE_MACRO, EXPERIMENTAL_NODE))
    return 0


# Public API conventions (include/cva/common.h, docs/mainpage.md "Conventions"):
#  - a function returning cva_status takes `cva_diag *diag` LAST, except the
#    initialisers (*_init, *_init_defaults: they only fill the struct they are
#    given) and the pure queries below, whose only failures (NULL out pointer,
#    unknown id, size overflow) the status names completely;
#  - CVA_NODISCARD on every function returning cva_status except the initialisers.
# the workspace-size queries (every name ending in _workspace_size) and one lookup
DIAG_EXEMPT_QUERIES = {"cva_rfm_map_get"}
PROTO = re.compile(r"CVA_API\s+((?:CVA_NODISCARD\s+)?)([\w\s\*]+?)\b(cva_\w+)\s*\(([^;]*?)\)\s*;", re.S)


def is_init(name):
    return name.endswith("_init") or name.endswith("_init_defaults")


def check_conventions(srcdir):
    problems, n = [], 0
    for path in sorted(glob.glob(os.path.join(srcdir, "include", "cva", "*.h"))):
        code = strip_c_comments(open(path, encoding="utf-8").read())
        code = re.sub(r"^\s*#.*?(?<!\\)$", "", code, flags=re.M | re.S)
        rel = os.path.relpath(path, srcdir)
        for m in PROTO.finditer(code):
            nodiscard, ret, name, params = bool(m.group(1)), m.group(2).split(), m.group(3), m.group(4)
            if ret != ["cva_status"]:
                continue
            n += 1
            last = " ".join(params.split(",")[-1].split())
            if not is_init(name) and name not in DIAG_EXEMPT_QUERIES and not name.endswith("_workspace_size") and last != "cva_diag *diag":
                problems.append("%s (%s): last parameter is '%s', not 'cva_diag *diag'" % (name, rel, last))
            if is_init(name) and nodiscard:
                problems.append("%s (%s): an initialiser is not CVA_NODISCARD" % (name, rel))
            if not is_init(name) and not nodiscard:
                problems.append("%s (%s): returns cva_status and computes outputs: needs CVA_NODISCARD"
                                % (name, rel))
    if n == 0:
        return fail("no cva_status functions found in include/cva/*.h")
    if problems:
        return fail("\n".join(problems))
    print("%d cva_status functions follow the diag-last and CVA_NODISCARD rules" % n)
    return 0


def main(argv):
    cmds = {"exports": (check_exports, 3), "writable": (check_writable, 2),
            "calls": (check_calls, 1), "api": (check_api, 1), "alloc": (check_alloc, 1),
            "conventions": (check_conventions, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
