#!/usr/bin/env python3
"""Wheat & Morrison regularity on BTYDplus' groceryElog (tests/test_grocery.c).

Independent of lib/cnbd.c (pandas/numpy). BTYDplus estimateRegularity(method = "wheat"):
same-day events merged, customers with more than 2 events, M = one of the last two
inter-event times (drawn at random) over their sum, k = (1 - 4 var(M)) / (8 var(M)).
Its vignette prints 1.824447 for one random draw. libcva's deterministic estimator uses
V = mean((M - 1/2)^2) over the customers (both draws at once). This script prints
  * the deterministic value (asserted in the test to 1e-12),
  * the mean and standard deviation of BTYDplus' random estimator over 20000 draws (seeded),
    so the test can check that the published 1.824447 is a plausible draw around it.
Run: /usr/bin/python3 tests/data/grocery_wheat_ref.py /work/shared/data/external/btydplus_groceryElog.csv
Output (2026-12-07): n 779, deterministic 1.8273807792617662, random mean 1.827412 sd 0.004305;
published 1.824447 at z = -0.69.
"""
import sys

import numpy as np
import pandas as pd


def main(path):
    el = pd.read_csv(path)
    el["day"] = (pd.to_datetime(el["date"]) - pd.Timestamp("1970-01-01")).dt.days
    el = el.drop_duplicates(["cust", "day"]).sort_values(["cust", "day"])
    d1, d2 = [], []
    for _, g in el.groupby("cust"):
        t = g["day"].to_numpy()
        if len(t) > 2:
            d1.append(t[-2] - t[-3])
            d2.append(t[-1] - t[-2])
    d1 = np.array(d1, float)
    d2 = np.array(d2, float)
    m = d1 / (d1 + d2)
    V = np.mean((m - 0.5) ** 2)
    k_det = (1 - 4 * V) / (8 * V)
    rng = np.random.default_rng(20261207)
    ks = []
    for _ in range(20000):
        pick = np.where(rng.random(len(m)) < 0.5, m, 1 - m)
        v = np.var(pick, ddof=1)
        ks.append((1 - 4 * v) / (8 * v))
    ks = np.array(ks)
    print("n %d" % len(m))
    print("deterministic %.17g" % k_det)
    print("random mean %.6f sd %.6f; published 1.824447 at z = %.2f"
          % (ks.mean(), ks.std(), (1.824447 - ks.mean()) / ks.std()))


if __name__ == "__main__":
    main(sys.argv[1])
