#!/usr/bin/python3
"""The calls most users make, with default arguments, against their peers in the
same run (issue 20, "fast where users meet it"; figures in bench/RESULTS.md).

  summarize  cva.summarize(ids, t, amount) on --rows rows of --customers customers
             (every customer has a row, the rest drawn uniformly: most buy once or
             twice), rows in random order, all fields, default arguments; against
             a plain pandas groupby(id).agg(size, min t, max t, sum amount) on the
             same arrays (DataFrame construction included), cva.summarize with
             workspace=False (the library allocating its scratch memory per call),
             and the C call alone (c_call_workspace: cva_txn_summarize through
             ctypes, inputs, outputs and workspace prepared once), with the thread
             CPU time of the default call and of the C call (their difference is
             the binding's own work per call).
  rfm        cva.rfm_score(r, f, m) on --rfm-n customers (rank-first, then
             value-cuts), default arguments; against the C call cva_rfm_score on
             the same arrays with caller outputs and a caller workspace (through
             ctypes: one foreign call, no conversion), numpy quantile+searchsorted
             (value cuts) and, with --pandas-rank, pandas qcut(rank(first)).

Cases alternate sample by sample, so each ratio is measured in one run under the
same load; the medians and minima are printed, with the load average before the
run. Needs numpy and pandas; the binding is imported from --cva-python (default:
../python next to this file) and the library from CVA_LIBRARY.

  CVA_LIBRARY=build-rel/lib/libcva.so /usr/bin/python3 bench/python_defaults.py --case summarize
"""
import argparse
import ctypes
import os
import sys
import time

import numpy as np
import pandas as pd

from bench_txn_py import median, txn_c_inputs


def alternate(cases, repeat):
    """Time each (name, fn) `repeat` times, round-robin; returns {name: [seconds]}."""
    times = {name: [] for name, _ in cases}
    for _ in range(repeat):
        for name, fn in cases:
            t0 = time.perf_counter()
            res = fn()
            times[name].append(time.perf_counter() - t0)
            del res
    return times


def report(times, peer, what):
    pm = median(times[peer])
    for name, ts in times.items():
        m = median(ts)
        print("%s %-28s median %.4f s  min %.4f s  %s/this %.2f (min %.2f)  samples %s" % (
            what, name, m, min(ts), peer, pm / m, min(times[peer]) / min(ts),
            ",".join("%.4f" % x for x in ts)))
    sys.stdout.flush()


def summarize_case(cva, rows, customers, repeat, seed):
    rng = np.random.default_rng(seed)
    base = np.arange(customers, dtype=np.int64) * 7 + 100000
    ids = np.concatenate([base, base[rng.integers(0, customers, rows - customers)]])
    ids = ids[rng.permutation(rows)]
    t = np.round(rng.uniform(0.0, 365.0, rows), 3)
    amount = np.round(rng.lognormal(3.0, 1.0, rows), 2)

    def plain():
        df = pd.DataFrame({"id": ids, "t": t, "amount": amount})
        return df.groupby("id", sort=True).agg(n_txn=("t", "size"), first_t=("t", "min"),
                                                last_t=("t", "max"), total_amount=("amount", "sum"))

    ref = cva.summarize(ids, t, amount, workspace=False)
    got = cva.summarize(ids, t, amount)
    same = all(np.array_equal(ref[k].view(np.uint8), got[k].view(np.uint8)) for k in ref.keys())
    # the columns the library writes for the default call (the all-zero ones are made by numpy)
    got_fields = set(ref.keys()) - {"ref_n_txn", "ref_n_cust", "ref_amount", "total_cost"}
    pl = plain()
    agree = (np.array_equal(pl.index.to_numpy(), ref["customer_id"])
             and np.array_equal(pl["n_txn"].to_numpy(), ref["n_txn"])
             and np.array_equal(pl["first_t"].to_numpy(), ref["first_t"]))
    print("summarize rows=%d customers=%d fields=%d identical(default, workspace=False)=%s "
          "agrees_with_pandas(id, n_txn, first_t)=%s" % (rows, ref.n_customers, len(ref.keys()),
                                                          "yes" if same else "NO", "yes" if agree else "NO"))
    del ref, got, pl
    c_call = summarize_c_call(cva, ids, t, amount, got_fields)
    times = alternate([("pandas_plain_groupby", plain),
                       ("cva_default", lambda: cva.summarize(ids, t, amount)),
                       ("c_call_workspace", c_call),
                       ("cva_workspace_false", lambda: cva.summarize(ids, t, amount, workspace=False))],
                      repeat)
    report(times, "pandas_plain_groupby", "summarize")
    cpu = {}
    for name, fn in (("cva_default", lambda: cva.summarize(ids, t, amount)), ("c_call_workspace", c_call)):
        cpu[name] = []
        for _ in range(repeat):
            c0 = time.thread_time()
            res = fn()
            cpu[name].append(time.thread_time() - c0)
            del res
    print("summarize thread cpu median: cva_default %.4f s, c_call_workspace %.4f s (binding %.4f s a call)" % (
        median(cpu["cva_default"]), median(cpu["c_call_workspace"]),
        median(cpu["cva_default"]) - median(cpu["c_call_workspace"])))


def summarize_c_call(cva, ids, t, amount, fields):
    """The C call cva.summarize makes, through ctypes with everything prepared once:
    inputs, options, the same output columns (kept, written warm) and a workspace (its
    pages mapped); what is left of the binding's time is per-call Python work."""
    from cva import _lib
    lib, n, inp, opts, ws_size = txn_c_inputs(ids, t, amount)
    P = ctypes.POINTER
    work = np.empty(ws_size, dtype=np.uint8)
    work[:] = 0
    wp = work.ctypes.data_as(ctypes.c_void_p)
    out = _lib.TxnSummary()
    out.capacity = n
    keep = []
    for name, ct in _lib.SUMMARY_ARRAYS:
        if name in fields:
            a = np.zeros(n, dtype=np.dtype(ct))
            keep.append(a)
            setattr(out, name, a.ctypes.data_as(P(ct)))
    diag = _lib.Diag()

    def call():
        st = lib.cva_txn_summarize(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(out), wp, ws_size,
                                   ctypes.byref(diag))
        assert st >= 0 and keep and work is not None, st
        return st
    return call


def rfm_case(cva, n, repeat, seed, pandas_rank):
    from cva import _lib
    rng = np.random.default_rng(seed)
    rec = np.round(rng.uniform(0.0, 365.0, n), 0)
    freq = rng.poisson(2.0, n).astype(np.float64)
    mon = np.round(rng.lognormal(3.0, 1.0, n), 2)
    lib = _lib.get()
    ws_size = _lib.rfm_workspace_size(n)
    work = np.empty(ws_size, dtype=np.uint8)
    work[:] = 0  # mapped once, as a C caller's reused workspace
    outs = [np.zeros(n, dtype=np.int32) for _ in range(3)]
    P = ctypes.POINTER
    dp = [a.ctypes.data_as(P(ctypes.c_double)) for a in (rec, freq, mon)]
    ip = [a.ctypes.data_as(P(ctypes.c_int32)) for a in outs]
    wp = work.ctypes.data_as(ctypes.c_void_p)
    for method, libm in (("rank-first", _lib.RFM_RANK_FIRST), ("value-cuts", _lib.RFM_VALUE_CUTS)):
        opts = _lib.RfmOpts()
        opts.method = libm
        cuts = (_lib.RfmCuts * 3)()
        for c in cuts:
            c.struct_size = ctypes.sizeof(_lib.RfmCuts)
        diag = _lib.Diag()

        def c_call():
            st = lib.cva_rfm_score(dp[0], dp[1], dp[2], n, ctypes.byref(opts), ip[0], ip[1], ip[2],
                                   cuts, wp, ws_size, ctypes.byref(diag))
            assert st >= 0, st
            return st

        def py_call():
            return cva.rfm_score(rec, freq, mon, method=method)

        res = py_call()
        c_call()
        same = all(np.array_equal(res[i], outs[i]) for i in range(3))
        cases = [("c_call_workspace", c_call), ("cva_rfm_score_default", py_call)]
        if method == "value-cuts":
            def numpy_cuts():
                out = []
                for v in (rec, freq, mon):
                    q = np.quantile(v, np.linspace(0, 1, 6)[1:-1])
                    out.append(np.searchsorted(q, v, side="left") + 1)
                return out
            cases.append(("numpy_quantile_searchsorted", numpy_cuts))
        elif pandas_rank:
            def pandas_qcut():
                return [pd.qcut(pd.Series(v).rank(method="first"), 5, labels=False) + 1
                        for v in (rec, freq, mon)]
            cases.append(("pandas_qcut_rank_first", pandas_qcut))
        print("rfm n=%d method=%s identical(python, C)=%s" % (n, method, "yes" if same else "NO"))
        times = alternate(cases, repeat)
        report(times, "c_call_workspace", "rfm-" + method)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default="summarize,rfm")
    ap.add_argument("--rows", type=float, default=2e6)
    ap.add_argument("--customers", type=float, default=1e6)
    ap.add_argument("--rfm-n", type=float, default=1e7)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--pandas-rank", action="store_true")
    ap.add_argument("--cva-python", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "..", "python"))
    a = ap.parse_args()
    sys.path.insert(0, a.cva_python)
    import cva
    print("load average %s; numpy %s pandas %s; cva %s (%s)" % (
        " ".join("%.2f" % x for x in os.getloadavg()), np.__version__, pd.__version__, cva.version(),
        cva.library()._name))
    cases = a.case.split(",")
    if "summarize" in cases:
        summarize_case(cva, int(a.rows), int(a.customers), a.repeat, a.seed)
    if "rfm" in cases:
        rfm_case(cva, int(a.rfm_n), a.repeat, a.seed, a.pandas_rank)


if __name__ == "__main__":
    main()
