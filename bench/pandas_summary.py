#!/usr/bin/python3
"""pandas reference for cva-bench (bench/bench_txn.c, --pandas).

Loads the raw little-endian arrays written by cva-bench (int64 customer id,
float64 time in days, float64 amount; each of --rows elements, one after the
other) with numpy.fromfile and times a pandas groupby computing the same
per-customer summary as cva_txn_summarize() with default options on this data
(all amounts > 0, occasions = calendar days, end = latest time, time unit 1):

  n_txn           rows per customer                    groupby(id).size
  first_t, last_t first and last purchase time         groupby(id).t.min/max
  total_amount    sum of amounts                       groupby(id).amount.sum
  n_occ           distinct days with a purchase        groupby([id, day]).amount.sum -> groupby(id).size
  frequency       n_occ - 1
  recency         last_t - first_t
  T               end - first_t
  monetary_value  mean spend of occasions 2..n_occ     (sum of occasion spends - first occasion) / frequency, 0 if frequency == 0
  days_since_last end - last_t

(the lifetimes `summary_data_from_transaction_data` recipe). The timed region
is everything after loading: DataFrame construction, the day column, both
groupbys and the derived columns, result sorted by customer id. Differences
from the C code: plain (pairwise) float sums instead of Neumaier sums, so
money agrees to rounding only; no input validation.

Prints "pandas seconds=<median>" and a checksum line that cva-bench compares.

With --cva-python DIR (the binding's directory; CVA_LIBRARY names the shared
library) the same process also times cva.summarize() on the same numpy arrays,
as a pandas user would call it: with the library allocating its scratch memory
on every call, and with one cva.Workspace reused across calls (its first call,
which maps the pages, is reported apart). Prints "python cva_alloc_seconds=",
"python cva_work_seconds=", "python cva_work_first_seconds=" and
"python cva_customers=".

The same run also times the plain one-groupby baseline (size, min, max, sum),
`df.groupby('id').agg(size, min t, max t, sum amount)` on the same arrays
(DataFrame construction included, no day column, no occasions), and prints
"pandas plain_seconds=<median>" (--plain-repeat N times, 0 to skip).
"""
import argparse
import sys
import time

import numpy as np
import pandas as pd


def summarize(cid, t, amount):
    df = pd.DataFrame({"id": cid, "t": t, "amount": amount})
    df["day"] = np.floor(df["t"].to_numpy()).astype(np.int64)
    end = df["t"].max()
    per = df.groupby("id", sort=True).agg(
        n_txn=("t", "size"), first_t=("t", "min"), last_t=("t", "max"), total_amount=("amount", "sum")
    )
    occ = df.groupby(["id", "day"], sort=True)["amount"].sum()
    og = occ.groupby(level=0, sort=True)
    n_occ = og.size()
    first_spend = og.first()
    occ_total = og.sum()
    per["frequency"] = (n_occ - 1).astype(np.float64)
    per["recency"] = per["last_t"] - per["first_t"]
    per["T"] = end - per["first_t"]
    freq = per["frequency"]
    per["monetary_value"] = np.where(freq > 0, (occ_total - first_spend) / freq.where(freq > 0, 1.0), 0.0)
    per["days_since_last"] = end - per["last_t"]
    return per


def plain(cid, t, amount):
    df = pd.DataFrame({"id": cid, "t": t, "amount": amount})
    return df.groupby("id", sort=True).agg(
        n_txn=("t", "size"), first_t=("t", "min"), last_t=("t", "max"), total_amount=("amount", "sum")
    )


def time_cva(path, cid, t, amount, repeat):
    sys.path.insert(0, path)
    import cva  # noqa: E402 (the binding under test, not an installed one)

    atimes, wtimes = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        s = cva.summarize(cid, t, amount)
        atimes.append(time.perf_counter() - t0)
        k = s.n_customers
        del s
    ws = cva.Workspace()
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        s = cva.summarize(cid, t, amount, workspace=ws)
        wtimes.append(time.perf_counter() - t0)
        del s
    print("python cva_version=%s library=%s" % (cva.version(), cva.library()._name))
    print("python cva_alloc_times=%s" % ",".join("%.4f" % x for x in atimes))
    print("python cva_work_times=%s" % ",".join("%.4f" % x for x in wtimes))
    print("python cva_customers=%d" % k)
    print("python cva_alloc_seconds=%.4f" % median(atimes))
    print("python cva_work_first_seconds=%.4f" % wtimes[0])
    print("python cva_work_seconds=%.4f" % median(wtimes[1:]))
    sys.stdout.flush()


def median(times):
    times = sorted(times)
    k = len(times)
    return times[k // 2] if k % 2 else 0.5 * (times[k // 2 - 1] + times[k // 2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--plain-repeat", type=int, default=1)
    ap.add_argument("--cva-python", default=None)
    a = ap.parse_args()
    n = a.rows
    with open(a.input, "rb") as f:
        cid = np.fromfile(f, dtype="<i8", count=n)
        t = np.fromfile(f, dtype="<f8", count=n)
        amount = np.fromfile(f, dtype="<f8", count=n)
    if len(cid) != n or len(t) != n or len(amount) != n:
        sys.exit("pandas_summary: short input file")
    if a.cva_python:
        time_cva(a.cva_python, cid, t, amount, max(3, a.repeat))
    ptimes = []
    for _ in range(max(0, a.plain_repeat)):
        t0 = time.perf_counter()
        pl = plain(cid, t, amount)
        ptimes.append(time.perf_counter() - t0)
        npl = len(pl)
        del pl
    times = []
    per = None
    for _ in range(max(1, a.repeat)):
        per = None
        t0 = time.perf_counter()
        per = summarize(cid, t, amount)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = median(times)
    print("pandas version=%s numpy=%s" % (pd.__version__, np.__version__))
    print("pandas times=%s" % ",".join("%.4f" % x for x in times))
    print("pandas customers=%d sum_frequency=%.0f sum_total_amount=%.6f" % (
        len(per), per["frequency"].sum(), per["total_amount"].sum()))
    if ptimes:
        print("pandas plain_times=%s" % ",".join("%.4f" % x for x in sorted(ptimes)))
        print("pandas plain_customers=%d" % npl)
        print("pandas plain_seconds=%.4f" % median(ptimes))
    print("pandas seconds=%.4f" % med)


if __name__ == "__main__":
    main()
