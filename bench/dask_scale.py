#!/usr/bin/python3
"""cva.dask on a LocalCluster: each step's wall time with 1 and 2 worker processes,
and the peak resident memory of each worker (issue [13]).

Usage: CVA_LIBRARY=build/lib/libcva.so bench/dask_scale.py N_TXN [PARTITIONS]

Simulates about N_TXN transactions (cva.simulate, BG/NBD + Gamma-Gamma, CDNOW
parameters), splits them into PARTITIONS (default 16) partitions in shuffled row
order (customers spread over partitions), then times: summarize (with the shuffle by
customer), fit BG/NBD (merge and blocks), predict (10 weeks), rfm_score, tiers. Peak
memory per worker is the workers' ru_maxrss (KiB, Linux) after the run.
"""
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    import numpy as np
    import pandas as pd
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster
    import cva
    import cva.dask as cd
    warnings.simplefilter("ignore", cva.CvaWarning)
    n_txn = int(float(sys.argv[1]))
    nparts = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    # ~6.3 transactions per simulated customer with the default parameters
    sim = cva.simulate(max(1, int(n_txn / 6.3)), seed=1)
    n = len(sim.t)
    perm = np.random.default_rng(0).permutation(n)
    cols = {"customer_id": np.asarray(sim.customer_id)[perm], "date": np.asarray(sim.t)[perm],
            "amount": np.asarray(sim.amount)[perm]}
    del sim
    bounds = np.linspace(0, n, nparts + 1).astype(int)
    parts = [pd.DataFrame({k: v[bounds[i]:bounds[i + 1]] for k, v in cols.items()}) for i in range(nparts)]
    del cols
    print("transactions %d, partitions %d, load average %s" % (n, nparts, os.getloadavg()))
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=50, memory_limit=0)
        client = Client(cluster)
        futs = client.scatter(parts)
        ddf = dd.from_delayed(futs, meta=parts[0].iloc[:0])
        times = {}
        t0 = time.perf_counter()
        s = cd.summarize(ddf, calibration_end=400.0, time_unit=7).persist()
        s.map_partitions(len).compute()
        times["summarize (shuffle + cva_txn_summarize)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = cd.fit("bgnbd", s, method="merge")
        times["fit bgnbd, merge"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mb = cd.fit("bgnbd", s, method="blocks")
        times["fit bgnbd, blocks (%d evaluations)" % mb.evaluations_distributed] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cd.predict(m, s, 10.0).map_partitions(len).compute()
        times["predict"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = cd.rfm_from_summary(s, 400.0)
        cd.rfm_score(raw, bins=5).map_partitions(len).compute()
        times["rfm_from_summary + rfm_score"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cd.tiers(s)
        times["tiers"] = time.perf_counter() - t0
        rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
        print("workers %d:" % workers)
        for k, v in times.items():
            print("  %-45s %8.2f s" % (k, v))
        print("  %-45s %8.2f s" % ("total", sum(times.values())))
        print("  peak RSS per worker (MiB): %s; client %.0f" % (
            ", ".join("%.0f" % v for v in rss.values()), peak_rss()))
        print("  params merge %s, blocks rel. diff %.2g" % (
            {k: round(v, 6) for k, v in m.params.items()},
            max(abs(mb.params[k] / m.params[k] - 1) for k in m.params)))
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
