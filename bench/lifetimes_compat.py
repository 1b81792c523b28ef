#!/usr/bin/env python3
"""Cost of the lifetimes compatibility layer (cva.lifetimes) over the direct
binding (cva), issue [10]: the same library work through both, timed in one run.

    CVA_LIBRARY=build/lib/libcva.so /usr/bin/python3 bench/lifetimes_compat.py [--n 1000000] [--rows 2000000] [--repeat 5]

Cases (both sides get the same numpy arrays / DataFrame):
  fit        BG/NBD fit             cva.BetaGeo().fit            vs BetaGeoFitter().fit
  expected   E[X(T, T+t) | x,t_x,T] BetaGeo.expected_purchases   vs conditional_expected_number_of_purchases_up_to_time
  p_alive    P(alive)               BetaGeo.p_alive              vs conditional_probability_alive
  clv        12-month CLV (GG)      cva.clv                      vs GammaGammaFitter.customer_lifetime_value
  summary    daily summary of a DataFrame of transactions
             cva.summarize(df, customer=, time=, amount=, time_convention="period").to_pandas()
             vs utils.summary_data_from_transaction_data(df, ..., monetary_value_col=)
Prints the median and the minimum of --repeat runs per side (the sides alternate)
and the ratios compat/direct.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cva  # noqa: E402
from cva import lifetimes as lt  # noqa: E402


def paired_times(fd, fc, repeat):
    """Alternate the two sides (direct, compat, direct, ...) so that the load of a
    shared machine hits both alike; returns (median direct, median compat, min d, min c)."""
    td, tc = [], []
    for _ in range(repeat):
        for fn, acc in ((fd, td), (fc, tc)):
            t0 = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t0)
    return statistics.median(td), statistics.median(tc), min(td), min(tc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000000, help="customers for the model cases")
    ap.add_argument("--rows", type=int, default=2000000, help="transactions for the summary case")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    warnings.simplefilter("ignore")

    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    rng = np.random.default_rng(7)
    T = rng.uniform(1.0, 78.0, a.n)
    sim = cva.simulate_btyd(cva.BetaGeo(params=params), T=T, seed=11)
    x, tx = np.asarray(sim.frequency), np.asarray(sim.recency)
    mv = np.where(x > 0, rng.gamma(6.0, 5.0, a.n), 0.0)
    gg = {"p": 6.25, "q": 3.74, "gamma": 15.44}

    direct = cva.BetaGeo(params=params)
    compat = lt.BetaGeoFitter()
    compat.params_ = pd.Series(params)
    ggd = cva.GammaGamma(params=gg)
    ggc = lt.GammaGammaFitter()
    ggc.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})

    # transactions for the summary case: ids, dates over 3 years, amounts
    ids = rng.integers(0, a.rows // 8, a.rows)
    days = rng.integers(0, 3 * 365, a.rows)
    df = pd.DataFrame({"cust": ids, "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
                       "amount": rng.gamma(2.0, 20.0, a.rows).round(2)})

    cases = [
        ("fit", lambda: cva.BetaGeo().fit(x, tx, T), lambda: lt.BetaGeoFitter().fit(x, tx, T)),
        ("expected", lambda: direct.expected_purchases(10.0, x, tx, T),
         lambda: compat.conditional_expected_number_of_purchases_up_to_time(10.0, x, tx, T)),
        ("p_alive", lambda: direct.p_alive(x, tx, T), lambda: compat.conditional_probability_alive(x, tx, T)),
        ("clv", lambda: cva.clv(direct, ggd, x, tx, T, mv, steps=12, step_length=30 / 7, discount=0.01),
         lambda: ggc.customer_lifetime_value(compat, x, tx, T, mv, time=12, discount_rate=0.01, freq="W")),
        ("summary", lambda: cva.summarize(df, customer="cust", time="date", amount="amount",
                                          time_convention="period").to_pandas(),
         lambda: lt.utils.summary_data_from_transaction_data(df, "cust", "date", monetary_value_col="amount")),
    ]
    print("n = %d customers, %d transactions, median of %d; load average %s"
          % (a.n, a.rows, a.repeat, " ".join("%.2f" % v for v in os.getloadavg())))
    # the fixed cost per call, on 10 customers (many calls: independent of the load's noise
    # on long runs); the library work is the same on both sides
    import timeit
    xs, txs, Ts = x[:10].copy(), tx[:10].copy(), T[:10].copy()
    for name, fd, fc in (("p_alive", lambda: direct.p_alive(xs, txs, Ts),
                          lambda: compat.conditional_probability_alive(xs, txs, Ts)),
                         ("expected", lambda: direct.expected_purchases(10.0, xs, txs, Ts),
                          lambda: compat.conditional_expected_number_of_purchases_up_to_time(10.0, xs, txs, Ts))):
        d_us = min(timeit.repeat(fd, number=2000, repeat=5)) / 2000 * 1e6
        c_us = min(timeit.repeat(fc, number=2000, repeat=5)) / 2000 * 1e6
        print("per call, 10 customers, %-8s: direct %.1f us, compat %.1f us (+%.1f us)"
              % (name, d_us, c_us, c_us - d_us), flush=True)
    print("%-10s %12s %12s %8s %12s %12s %8s" % ("case", "direct s", "compat s", "ratio", "min direct",
                                                  "min compat", "ratio"))
    for name, fd, fc in cases:
        fd()
        fc()  # warm up both
        td, tc, md, mc = paired_times(fd, fc, a.repeat)
        print("%-10s %12.4f %12.4f %8.3f %12.4f %12.4f %8.3f" % (name, td, tc, tc / td, md, mc, mc / md),
              flush=True)
    print("load average after: %s" % " ".join("%.2f" % v for v in os.getloadavg()))


if __name__ == "__main__":
    main()
