#!/usr/bin/env python3
"""BG/NBD fit over N summary rows: the extension's parallel aggregate cva_fit() against
`cva fit --summary`, in one run (bench/RESULTS.md).

Usage: /usr/bin/python3 bench/pg_fit.py BUILD_DIR [N]   (default N = 1000000)

The rows are simulated from BG/NBD with the CDNOW estimates (r 0.243, alpha 4.414,
a 0.793, b 2.426), T a whole number of days in 27..39 weeks, purchase times rounded up
to whole days (seed 1). The server is the private one of the test suite
(postgresql/tests/run_pg_tests.py: staged installation, unprivileged user). Timed: the
CLI's whole run (reading the CSV included) and the SQL statement `SELECT cva_fit(...)`
over a table already loaded, with 0 and with 2 parallel workers.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "postgresql", "tests"))
import run_pg_tests as rp  # noqa: E402


def simulate(n, seed=1):
    g = np.random.default_rng(seed)
    lam = g.gamma(0.243, 1 / 4.414, n)
    p = g.beta(0.793, 2.426, n)
    T = g.integers(27 * 7, 39 * 7 + 1, n) / 7.0
    t = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        t = t + g.exponential(1.0, n) / np.maximum(lam, 1e-300)
        buy = alive & (t <= T)
        x += buy
        tx = np.where(buy, t, tx)
        alive = buy & (g.random(n) >= p)
    tx = np.minimum(np.ceil(tx * 7) / 7, T)
    return x, tx, T


def main():
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    cva = os.path.join(build, "tools", "cva")
    module = os.path.join(build, "postgresql", "cva.so")
    bindir = "/usr/lib/postgresql/15/bin"
    src = os.path.join(HERE, "..", "postgresql")
    tmp = tempfile.mkdtemp(prefix="cva-pgbench-")
    srv = None
    try:
        x, tx, T = simulate(n)
        csvp = os.path.join(tmp, "summary.csv")
        with open(csvp, "w") as f:
            f.write("frequency,recency,T,time_unit\n")
            for a, b, c in zip(x.tolist(), tx.tolist(), T.tolist()):
                f.write("%d,%r,%r,week\n" % (a, b, c))
        os.chmod(tmp, 0o755)
        os.chmod(csvp, 0o644)
        t0 = time.perf_counter()
        cli = json.loads(rp.run([cva, "fit", "--model", "bgnbd", "--summary", csvp, "-q"]))
        t_cli = time.perf_counter() - t0
        sbin = rp.stage_tree(tmp, bindir, module, src)
        srv = rp.Server(tmp, sbin, bindir)
        srv.initdb_start("-c max_worker_processes=4 -c max_parallel_workers=2 -c shared_buffers=256MB")
        srv.psql("postgres", "CREATE EXTENSION cva")
        srv.psql("postgres", "CREATE TABLE s (x float8, t_x float8, t float8)")
        script = os.path.join(tmp, "load.sql")
        with open(script, "w") as f:
            f.write("CREATE TEMP TABLE raw (x float8, t_x float8, t float8, u text);\n"
                    "\\copy raw FROM '%s' WITH (FORMAT csv, HEADER true)\n"
                    "INSERT INTO s SELECT x, t_x, t FROM raw;\nVACUUM ANALYZE s;\n" % csvp)
        srv.psql("postgres", file=script)
        times = {}
        res = {}
        for workers in (0, 2):
            sql = ("SET max_parallel_workers_per_gather = %d; SET parallel_setup_cost = 0; "
                   "SET parallel_tuple_cost = 0; SELECT cva_fit('bgnbd', x, t_x, t) FROM s" % workers)
            t0 = time.perf_counter()
            out = srv.psql("postgres", sql)
            times[workers] = time.perf_counter() - t0
            res[workers] = json.loads(out.strip().splitlines()[-1])
        same = all(res[w]["params"] == cli["params"] and res[w]["log_likelihood"] == cli["log_likelihood"]
                   for w in res)
        print("rows %d, distinct after merging %d, load average %s" % (n, cli["n_rows"], os.getloadavg()))
        print("cva fit --summary (CSV read + fit):  %.2f s" % t_cli)
        print("SQL cva_fit, 0 parallel workers:     %.2f s" % times[0])
        print("SQL cva_fit, 2 parallel workers:     %.2f s" % times[2])
        print("same params and log-likelihood as the CLI: %s; params %s" % (same, cli["params"]))
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
