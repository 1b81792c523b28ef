#!/usr/bin/python3
"""cva.dask's exact order statistics on a LocalCluster: RFM cut sets and scores,
concentration figures and tier labels without gathering the columns, with 1 and 2
worker processes (issue [13]).

Usage: CVA_LIBRARY=build/lib/libcva.so bench/dask_order.py N_CUSTOMERS [PARTITIONS] [--check]

Every partition makes its own customers on its worker (ids interleaved over the
partitions, recency with ties and 10 % unscored, frequency 1..20, lognormal money with
5 % negative profit), so the client never holds a column. Times: the partitions' stores
(one sort per partition and column, inside rfm_cuts / concentration), rfm_cuts
(rank-first, 5 bins), rfm_score's assignment pass, concentration (Gini, top shares,
whale, Lorenz 101 points), tier_labels; the round trips and bytes the client received.
``--check`` (1 worker run only) gathers the columns once and compares with the
single-process calls (scores equal, figures within 1e-12).
"""
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def make_part(i, nparts, per):
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(1000 + i)
    ids = np.arange(per, dtype=np.int64) * nparts + i
    r = rng.integers(0, 365, per).astype(float)
    r[rng.random(per) < 0.1] = np.nan
    f = rng.integers(1, 21, per).astype(float)
    m = np.round(rng.lognormal(4.0, 1.2, per), 2)
    m[rng.random(per) < 0.05] *= -0.2
    return pd.DataFrame({"r": r, "f": f, "m": m}, index=pd.Index(ids, name="customer_id"))


def main():
    import dask
    import dask.dataframe as dd
    import numpy as np
    from distributed import Client, LocalCluster
    import cva
    import cva.dask as cd
    warnings.simplefilter("ignore", cva.CvaWarning)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    n = int(float(args[0]))
    nparts = int(args[1]) if len(args) > 1 else 16
    per = n // nparts
    print("customers %d, partitions %d, load average %s" % (per * nparts, nparts,
                                                            tuple(round(x, 1) for x in os.getloadavg())))
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=50, memory_limit=0)
        client = Client(cluster)
        meta = make_part(0, 1, 0)
        ddf = dd.from_delayed([dask.delayed(make_part)(i, nparts, per) for i in range(nparts)],
                              meta=meta).persist()
        ddf.map_partitions(len).compute()
        t = {}
        t0 = time.perf_counter()
        cuts = cd.rfm_cuts(ddf, bins=5, method="rank-first")
        t["rfm_cuts (rank-first, 5 bins)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        scores = cd.rfm_score(ddf, cuts=cuts).persist()
        scores.map_partitions(len).compute()
        t["rfm_score assignment"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conc = cd.concentration(ddf["m"], points=101)
        t["concentration"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        labels, info = cd.tier_labels(ddf["m"])
        labels = labels.persist()
        labels.map_partitions(len).compute()
        t["tier_labels"] = time.perf_counter() - t0
        print("\n%d worker(s), load average %s" % (workers, tuple(round(x, 1) for x in os.getloadavg())))
        for k, v in t.items():
            print("  %-32s %8.2f s" % (k, v))
        print("  rfm_cuts: %d round trips, %d bytes to the client; concentration: %d, %d bytes; "
              "tier_labels: %d, %d bytes" % (cuts.rounds, cuts.bytes, conc["rounds"], conc["bytes"],
                                             info["rounds"], info["bytes"]))
        if check and workers == 1:
            whole = ddf.compute().sort_index()
            ref = cva.rfm_score(whole.r.to_numpy(), whole.f.to_numpy(), whole.m.to_numpy(), bins=5)
            got = scores.compute().sort_index()
            same = all(np.array_equal(got[c].to_numpy(), np.asarray(ref[q]))
                       for q, c in enumerate(("s_r", "s_f", "s_m")))
            x = whole.m.to_numpy()
            g = cva.gini(x)
            lab = labels.compute().sort_index()
            same_lab = np.array_equal(lab["grade"].to_numpy(), np.asarray(cva.grade(x).codes))
            print("  check: scores equal %s, gini %.17g vs %.17g (rel %.1e), grades equal %s"
                  % (same, conc["gini"], g, abs(conc["gini"] / g - 1), same_lab))
            del whole
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
