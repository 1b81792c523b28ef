#!/usr/bin/python3
"""cva.summarize with default arguments against DuckDB's plain GROUP BY on one thread,
same arrays, samples alternating in one run (issue 20; figures in bench/RESULTS.md).

  CVA_LIBRARY=build/lib/libcva.so /usr/bin/python3 bench/duckdb_groupby.py --rows 5e7 \\
      --duckdb-modules /tmp/duck/node_modules

Rows i = 0 .. n-1 (integer formulas, so numpy here and DuckDB's SQL make the same
values without a file between them):
  id = (i * 2654435761 mod 1000003) + 100000   (about n / 1e6 rows per customer, any order)
  t = (i * 40503 mod 365000) / 1000,  amount = (i * 7919 mod 100000) / 100
Cases, one sample of each per round:
  duckdb_1thread       CREATE TEMP TABLE res AS SELECT id, count(*), min(t), max(t),
                       sum(amount) FROM tx GROUP BY id  (threads = 1; node with
                       @duckdb/node-api, bench/duckdb_groupby.mjs; the table is built
                       before the run, not timed)
  cva_default          cva.summarize(ids, t, amount): default arguments, every field (the
                       binding's cached workspace and pooled outputs, one thread)
  cva_workspace        the same given a cva.Workspace() reused across the calls (the
                       workspace figure of the Python call)
  cva_workspace_false  the same with workspace=False: the library allocates its scratch
                       memory on every call (a C caller passing no workspace)
  c_default            the C call alone, cva_txn_summarize through ctypes with default
                       options and no workspace (the library allocates through malloc, as
                       a C caller with default arguments gets), the 13 columns the
                       Python call asks for, output arrays made once
  c_workspace          the same C call given the cva_workspace case's memory
The ratios printed are DuckDB's median over each case's median (and the same for the
minima), then the two targets of issue 20 from the same run: default / workspace
(Python and C, <= 1.5) and DuckDB / default (Python and C, >= 3). --no-c leaves out
the two C cases, --no-false the workspace=False case (less memory at 5e7 rows). @duckdb/node-api is a benchmark peer only: install it outside the project's
dependencies (npm install @duckdb/node-api under /tmp/duck or bench/, which git ignores)
and pass its node_modules directory; without it (or without node) the script says so
and exits 0 with no figures.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

from bench_txn_py import median, txn_c_inputs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=float, default=5e7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duckdb-modules", default=os.environ.get("CVA_DUCKDB_MODULES",
                                                               os.path.join(here, "node_modules")))
    ap.add_argument("--cva-python", default=os.path.join(here, "..", "python"))
    ap.add_argument("--no-c", action="store_true", help="leave out the C calls through ctypes")
    ap.add_argument("--no-false", action="store_true", help="leave out cva.summarize(workspace=False)")
    a = ap.parse_args()
    n = int(a.rows)
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(a.duckdb_modules, "@duckdb", "node-api")):
        print("SKIP: needs node and @duckdb/node-api under %s (npm install @duckdb/node-api there, "
              "or pass --duckdb-modules DIR)" % a.duckdb_modules)
        return 0
    import numpy as np
    sys.path.insert(0, a.cva_python)
    import cva

    duck = subprocess.Popen([node, os.path.join(here, "duckdb_groupby.mjs"), str(n), a.duckdb_modules],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    i = np.arange(n, dtype=np.int64)
    ids = (i * 2654435761) % 1000003 + 100000
    t = ((i * 40503) % 365000).astype(np.float64) / 1000.0
    amount = ((i * 7919) % 100000).astype(np.float64) / 100.0
    del i
    ready = duck.stdout.readline().strip()
    if not ready.startswith("ready"):
        print("SKIP: DuckDB did not start: %s" % ready)
        duck.kill()
        return 0
    print("load average %s; rows %d; cva %s (%s); duckdb %s" % (
        " ".join("%.2f" % x for x in os.getloadavg()), n, cva.version(), cva.library()._name, ready))

    def run_duck():
        duck.stdin.write("run\n")
        duck.stdin.flush()
        parts = duck.stdout.readline().split()
        return float(parts[1]), int(parts[3]), int(parts[5])

    res = cva.summarize(ids, t, amount)
    k = res.n_customers
    ref = res.to_dict()
    del res
    ws = cva.Workspace()
    cases = [("cva_default", lambda: cva.summarize(ids, t, amount)),
             ("cva_workspace", lambda: cva.summarize(ids, t, amount, workspace=ws))]
    if not a.no_false:
        cases.append(("cva_workspace_false", lambda: cva.summarize(ids, t, amount, workspace=False)))
    if not a.no_c:
        c_default, c_workspace = c_calls(cva, np, ids, t, amount, ws, ref)
        cases += [("c_default", c_default), ("c_workspace", c_workspace)]
    del ref
    times = {"duckdb_1thread": []}
    cpu = {}
    for name, _ in cases:
        times[name], cpu[name] = [], []
    for _ in range(a.repeat):
        s, groups, rows = run_duck()
        if groups != k or rows != n:
            print("MISMATCH: DuckDB %d groups of %d rows, cva %d customers of %d rows" % (groups, rows, k, n))
            return 1
        times["duckdb_1thread"].append(s)
        for name, fn in cases:
            t0, c0 = time.perf_counter(), time.thread_time()
            res = fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.thread_time() - c0)
            del res
    duck.stdin.close()
    duck.wait()
    dm, dmin = median(times["duckdb_1thread"]), min(times["duckdb_1thread"])
    for name, ts in times.items():
        extra = ""
        if name in cpu:
            extra = "  thread cpu median %.3f s" % median(cpu[name])
        print("groupby %-20s median %.3f s  min %.3f s  duckdb/this %.2f (min %.2f)%s  samples %s" % (
            name, median(ts), min(ts), dm / median(ts), dmin / min(ts), extra,
            ",".join("%.3f" % x for x in ts)))
    med = {name: median(ts) for name, ts in times.items()}
    line = "customers %d; python: cva_default/cva_workspace %.2f (target <= 1.5), duckdb/cva_default %.2f " \
           "(target >= 3)" % (k, med["cva_default"] / med["cva_workspace"], dm / med["cva_default"])
    if "c_default" in med:
        line += "; C: c_default/c_workspace %.2f (target <= 1.5), duckdb/c_default %.2f (target >= 3)" % (
            med["c_default"] / med["c_workspace"], dm / med["c_default"])
    if "cva_workspace_false" in med:
        line += "; cva_workspace_false/cva_default %.2f" % (med["cva_workspace_false"] / med["cva_default"])
    print(line)
    return 0


def c_calls(cva, np, ids, t, amount, ws, ref):
    """The C call with default options through ctypes, without and with a workspace (the
    memory of ws, the Python workspace case's): inputs, options and the output columns of
    the Python default call made once (their pages touched by the first call); checks
    that both give the Python call's bytes."""
    import ctypes
    from cva import _lib
    lib, n, inp, opts, ws_size = txn_c_inputs(ids, t, amount)
    P = ctypes.POINTER
    out = _lib.TxnSummary()
    out.capacity = n
    keep = {}
    for name, ct in _lib.SUMMARY_ARRAYS:
        if name in ref and name not in ("ref_n_txn", "ref_n_cust", "ref_amount", "total_cost"):
            keep[name] = np.empty(n, dtype=np.dtype(ct))
            setattr(out, name, keep[name].ctypes.data_as(P(ct)))
    diag = _lib.Diag()

    def call(work, keep=keep):  # the closure holds the output arrays
        wp, wsz = (ws._pointer(ws_size), ws_size) if work else (None, 0)
        st = lib.cva_txn_summarize(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(out), wp, wsz,
                                   ctypes.byref(diag))
        if st < 0:
            raise RuntimeError("cva_txn_summarize: status %d" % st)
        return st

    for work in (False, True):
        call(work)
        k = int(out.n_customers)
        for name, arr in keep.items():
            if not np.array_equal(arr[:k].view(np.uint8), np.asarray(ref[name]).view(np.uint8)):
                raise RuntimeError("C call (workspace %s): %s differs from cva.summarize" % (work, name))
    return (lambda: call(False)), (lambda: call(True))


if __name__ == "__main__":
    sys.exit(main())
