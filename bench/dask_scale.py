#!/usr/bin/python3
"""cva.dask on a LocalCluster: each step's wall time with 1 and 2 worker processes, the
scaling, and the peak resident memory of every worker per step (issue [13]).

Usage (one command; the lead's 1e8 run on an idle 2-core, 24 GiB machine):

    CVA_LIBRARY=build/lib/libcva.so bench/dask_scale.py 1e8 [--partitions P] [--workers 1,2]
        [--memory-limit GiB] [--spill-dir DIR] [--blocks]

N_TXN simulated transactions (cva.simulate: BG/NBD + Gamma-Gamma, CDNOW parameters,
~2.73 transactions per customer) are made ON THE WORKERS, one partition at a time
(default ~1e6 transactions per partition: 100 partitions at 1e8), so the client never
holds the log; then, timed one after the other on the persisted data:

  summarize   cd.summarize: the shuffle by customer hash + cva_txn_summarize per partition
  fit         cd.fit("bgnbd") and cd.fit("gg"), method="merge" (the default; --blocks adds
              BG/NBD with method="blocks": ~50 round trips)
  predict     cd.predict(bg, s, 10, spend_model=gg), every partition computed
  clv         cd.clv_total (cva.clv per partition, 12 steps) and cd.clv persisted
  rfm         cd.rfm_from_summary + cd.rfm_score (rank-first, 5 bins), scores computed
  tiers       cd.tiers(gather=False): concentration, classes, grades, pyramid, stats
  tiers+mgc   cd.tiers(gather=False, potential="model", clv=...): with the MGC step

Peak memory per worker: the kernel's high-water mark of the worker process's resident
set (VmHWM in /proc/self/status, what getrusage's ru_maxrss reports), read in the
worker with client.run and reset before every step by writing 5 to
/proc/self/clear_refs (Linux >= 4.0), so each step gets its own peak. This counts
everything the process touched: pandas / numpy buffers, the C library's workspaces
(which distributed's managed-memory accounting, based on sizeof of the stored
results, does not see) and the interpreter; distributed's memory monitor samples RSS
every ~0.5 s and misses short peaks, the high-water mark does not. Spilled bytes
(disk, not RSS) are reported per worker too.

Memory: every worker gets memory_limit = --memory-limit (default: 80 % of the
machine's RAM divided by the workers) with spilling to disk from 60 % (managed) / 70 %
(process memory) of it, pausing at 90 %, and no termination (a killed worker would lose the run). At 1e8
transactions the log is 2.4 GB (id, time, amount), the shuffle holds ~3x the bytes a
worker receives, the summary ~6 GiB (37e6 customers x ~21 columns): see the
estimate printed at the start.
"""
import argparse
import math
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

ROWS_PER_CUSTOMER = 2.73  # cva.simulate's defaults (2.729 measured on 20000 customers)


def make_part(i, n_cust):
    """Partition i: n_cust simulated customers (ids i*n_cust+1 ...), rows in time order
    over the partition (as a log written day by day)."""
    import numpy as np
    import pandas as pd
    import cva
    sim = cva.simulate(n_cust, seed=1000 + i, first_id=1 + i * n_cust)
    df = pd.DataFrame({"customer_id": np.asarray(sim.customer_id), "date": np.asarray(sim.t),
                       "amount": np.asarray(sim.amount)})
    return df.sort_values("date", kind="stable").reset_index(drop=True)


def count(ddf):
    """Rows of a Dask collection, every partition computed."""
    return int(sum(ddf.map_partitions(len).compute()))


def hwm_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def hwm_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def spilled(dask_worker):
    """Bytes the worker holds spilled to disk now (distributed's SpillBuffer), 0 if unknown."""
    tot = getattr(dask_worker.data, "spilled_total", None)
    return float(getattr(tot, "disk", 0) or 0) if tot is not None else 0.0


def run(n_txn, nparts, workers, mem_limit, spill_dir, blocks):
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, wait
    import cva
    import cva.dask as cd
    warnings.simplefilter("ignore", cva.CvaWarning)
    dask.config.set({"distributed.worker.memory.target": 0.6, "distributed.worker.memory.spill": 0.7,
                     "distributed.worker.memory.pause": 0.9, "distributed.worker.memory.terminate": False,
                     "distributed.comm.timeouts.connect": "120s", "distributed.comm.timeouts.tcp": "600s",
                     "distributed.scheduler.allowed-failures": 0})
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=50, memory_limit=int(mem_limit), local_directory=spill_dir)
    client = Client(cluster)
    n_cust = max(1, int(round(n_txn / ROWS_PER_CUSTOMER / nparts)))
    t0 = time.perf_counter()
    ddf = dd.from_delayed([dask.delayed(make_part)(i, n_cust) for i in range(nparts)],
                          meta=make_part(0, 1).iloc[:0], verify_meta=False).persist()
    wait(ddf)
    rows = int(count(ddf))
    gen = time.perf_counter() - t0
    times, peaks = {}, {}
    end = 546.0

    def step(name, fn):
        client.run(hwm_reset)
        t = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - t
        peaks[name] = [v for _, v in sorted(client.run(hwm_mib).items())]
        return out

    def summarize():
        s = cd.summarize(ddf, end=end, time_unit=7).persist()
        wait(s)
        return s
    s = step("summarize", summarize)
    n_customers = int(count(s))
    client.cancel(ddf)  # the log is not read again: its memory is the summary's now
    ddf = None
    bg, gg = step("fit (bgnbd + gg, merge)", lambda: (cd.fit("bgnbd", s), cd.fit("gg", s)))
    if blocks:
        step("fit bgnbd, blocks", lambda: cd.fit("bgnbd", s, method="blocks"))
    step("predict", lambda: count(cd.predict(bg, s, 10.0, spend_model=gg)))

    def clv():
        tot = cd.clv_total(bg, gg, s)
        v = cd.clv(bg, gg, s).persist()
        wait(v)
        return tot, v
    tot, v = step("clv (total + persisted)", clv)

    def rfm():
        raw = cd.rfm_from_summary(s, end).persist()
        wait(raw)
        sc = count(cd.rfm_score(raw, bins=5))
        client.cancel(raw)
        return sc
    step("rfm (from_summary + score)", rfm)
    ts = step("tiers (gather=False)", lambda: cd.tiers(s, gather=False))
    tm = step("tiers + MGC (model potential)", lambda: cd.tiers(s, gather=False, potential="model", clv=v))
    sp = [x for _, x in sorted(client.run(spilled).items())]
    info = {"rows": rows, "customers": n_customers, "generate": gen, "bg": dict(bg.params),
            "gini": ts.stats["gini"], "mgc": tm.stats["classes"]["MGC"]["count"], "clv_total": tot["total"],
            "spilled": sp}
    client.close()
    cluster.close()
    return times, peaks, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n_txn", type=float, help="transactions, e.g. 1e6 or 1e8")
    ap.add_argument("--partitions", type=int, default=0, help="default: one per ~1e6 transactions, at least 4")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, default 1,2")
    ap.add_argument("--memory-limit", type=float, default=0.0, help="GiB per worker (default 80%% of RAM / workers)")
    ap.add_argument("--spill-dir", default=None, help="the workers' spill directory (default dask's)")
    ap.add_argument("--blocks", action="store_true", help="also time the blocks fit")
    a = ap.parse_args()
    n_txn = int(a.n_txn)
    nparts = a.partitions or max(4, int(math.ceil(n_txn / 1e6)))
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    wl = [int(w) for w in a.workers.split(",")]
    cust = n_txn / ROWS_PER_CUSTOMER
    print("# cva.dask scale: %.3g transactions (~%.3g customers), %d partitions (~%.2g rows each), %.1f GiB RAM"
          % (n_txn, cust, nparts, n_txn / nparts, ram / 2 ** 30))
    print("# estimate: log %.2f GiB, summary %.2f GiB on the workers in all" % (n_txn * 24 / 2 ** 30,
                                                                             cust * 21 * 8 / 2 ** 30))
    print("# load average at start: %s" % " ".join("%.1f" % x for x in os.getloadavg()))
    res = {}
    for w in wl:
        lim = a.memory_limit * 2 ** 30 if a.memory_limit else 0.8 * ram / w
        t0 = time.perf_counter()
        res[w] = run(n_txn, nparts, w, lim, a.spill_dir, a.blocks)
        times, peaks, info = res[w]
        print("# %d worker(s): %d rows, %d customers, generated in %.1f s, run %.1f s, load average %s; "
              "BG/NBD %s, gini %.6f, MGC %d, CLV total %.6g, spilled bytes per worker %s"
              % (w, info["rows"], info["customers"], info["generate"], time.perf_counter() - t0,
                 " ".join("%.1f" % x for x in os.getloadavg()),
                 {k: round(x, 5) for k, x in info["bg"].items()}, info["gini"], info["mgc"], info["clv_total"],
                 info["spilled"]))
    steps = list(res[wl[0]][0])
    head = "| step | " + " | ".join("%d worker%s s" % (w, "s" if w > 1 else "") for w in wl)
    if len(wl) > 1:
        head += " | speed-up %d/%d" % (wl[-1], wl[0])
    head += " | " + " | ".join("peak MiB per worker (%d)" % w for w in wl) + " |"
    print()
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    tot = {w: 0.0 for w in wl}
    for st in steps:
        row = "| %s | " % st + " | ".join("%.2f" % res[w][0][st] for w in wl)
        for w in wl:
            tot[w] += res[w][0][st]
        if len(wl) > 1:
            row += " | %.2fx" % (res[wl[0]][0][st] / res[wl[-1]][0][st])
        row += " | " + " | ".join(", ".join("%.0f" % p for p in res[w][1][st]) for w in wl) + " |"
        print(row)
    row = "| total | " + " | ".join("%.2f" % tot[w] for w in wl)
    if len(wl) > 1:
        row += " | %.2fx" % (tot[wl[0]] / tot[wl[-1]])
    row += " | " + " | ".join(", ".join("%.0f" % max(res[w][1][st][i] for st in steps)
                                        for i in range(w)) for w in wl) + " |"
    print(row)
    print("\n# load average at end: %s" % " ".join("%.1f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
