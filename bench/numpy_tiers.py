#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cva.gini against numpy.sort on the same array (issue [6]: cva.gini at least 5x faster).

Usage: numpy_tiers.py N [SEED]; environment CVA_LIBRARY (the shared library).
Prints: case=numpy_sort n=N seconds=S / case=cva_gini_py n=N seconds=S ratio=R.
"""
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.environ.get("CVA_BENCH_PYDIR", os.path.join(os.path.dirname(__file__), "..", "python")))
import cva  # noqa: E402


def median_time(fn, reps=5):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1000000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20241206
    rng = np.random.default_rng(seed)
    rev = np.exp(3.5 + 1.2 * rng.standard_normal(n))
    u = rng.random(n)
    v = np.round(np.where(u < 0.05, 0.0, rev - rev * (0.55 + 0.5 * u)) * 100.0) / 100.0
    t_sort = median_time(lambda: np.sort(v))
    warnings.simplefilter("ignore", cva.CvaWarning)  # the data has losses: W_NEGATIVE
    t_gini = median_time(lambda: cva.gini(v))
    print("case=numpy_sort n=%d seconds=%.6f" % (n, t_sort))
    print("case=cva_gini_py n=%d seconds=%.6f ratio_numpy_sort_over_gini=%.2f" % (n, t_gini, t_sort / t_gini))


if __name__ == "__main__":
    main()
