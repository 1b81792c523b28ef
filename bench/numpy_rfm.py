#!/usr/bin/python3
"""numpy/pandas reference for cva-bench-rfm (bench/bench_rfm.c, --numpy).

Loads the raw little-endian float64 arrays written by cva-bench-rfm (recency,
frequency, monetary; --n elements each, one after the other; NaN recency =
unscored customer) and times, on the scored customers:

  pandas_rank_first  pd.qcut(s.rank(method="first"), k, labels=...) per column,
                     recency with labels [k..1] (docs/methods/rfm.md#methods_rfm_bins (a), the pandas idiom)
  numpy_quantile     np.quantile (type 7) + np.searchsorted(side="left") per column,
                     bin = 1 + #{c_j < v} (docs/methods/rfm.md#methods_rfm_bins (c) value cuts), recency reversed
  numpy_argsort      np.argsort(kind="stable") + the closed form of rank-first per column

The timed region excludes loading and the mask selection. Writes the pandas
rank-first bins and the numpy value-cut bins (int32, 0 = unscored, three
columns each) to --out-rank / --out-cuts so the C program can compare them.
"""
import argparse
import time

import numpy as np
import pandas as pd


def pandas_rank_first(cols, k):
    out = []
    for c, x in enumerate(cols):
        s = pd.Series(x)
        labels = list(range(k, 0, -1)) if c == 0 else list(range(1, k + 1))
        out.append(pd.qcut(s.rank(method="first"), k, labels=labels).astype(np.int32).to_numpy())
    return out


def numpy_quantile(cols, k):
    out = []
    p = np.arange(1, k) / k
    for c, x in enumerate(cols):
        cuts = np.quantile(x, p)
        b = (np.searchsorted(cuts, x, side="left") + 1).astype(np.int32)
        out.append(k + 1 - b if c == 0 else b)
    return out


def numpy_argsort(cols, k):
    out = []
    for c, x in enumerate(cols):
        m = len(x)
        order = np.argsort(x, kind="stable")
        pos = np.arange(m, dtype=np.int64)
        b = np.where(pos == 0, 1, (k * pos + m - 2) // max(m - 1, 1)).astype(np.int32)
        r = np.empty(m, dtype=np.int32)
        r[order] = b
        out.append(k + 1 - r if c == 0 else r)
    return out


def timed(fn, cols, k, repeat):
    ts, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn(cols, k)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), res


def write(path, n, mask, res):
    with open(path, "wb") as f:
        for r in res:
            full = np.zeros(n, dtype=np.int32)
            full[mask] = r
            full.tofile(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--bins", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out-rank", required=True)
    ap.add_argument("--out-cuts", required=True)
    a = ap.parse_args()
    raw = np.fromfile(a.input, dtype=np.float64, count=3 * a.n)
    R, F, M = raw[: a.n], raw[a.n : 2 * a.n], raw[2 * a.n :]
    mask = ~np.isnan(R)
    cols = [np.ascontiguousarray(R[mask]), np.ascontiguousarray(F[mask]), np.ascontiguousarray(M[mask])]
    t, rank = timed(pandas_rank_first, cols, a.bins, a.repeat)
    print(f"pandas_rank_first seconds={t:.4f}", flush=True)
    t, cuts = timed(numpy_quantile, cols, a.bins, a.repeat)
    print(f"numpy_quantile seconds={t:.4f}", flush=True)
    t, srt = timed(numpy_argsort, cols, a.bins, a.repeat)
    print(f"numpy_argsort seconds={t:.4f}", flush=True)
    for c in range(3):
        if not np.array_equal(srt[c], rank[c]):
            print(f"numpy argsort and pandas rank-first differ in column {c}", flush=True)
    write(a.out_rank, a.n, mask, rank)
    write(a.out_cuts, a.n, mask, cuts)
    print(f"numpy {np.__version__} pandas {pd.__version__}", flush=True)


if __name__ == "__main__":
    main()
