#!/usr/bin/env python3
"""Checks of the Python binding: no silent wrong answers on bad input.

- calibration_end after the latest transaction with the end left to default is the
  same OptionError as with an explicit end;
- simulate() and probability_of_n_purchases() refuse sizes that cannot fit at once;
- clv(steps=...) validates the step count and names the 1200-step cap of steps=0;
- conversion errors name the argument and the row;
- skip_invalid=True drops missing/blank ids (the pandas NaN case) and bad rows, with
  counts per reason;
- summaries carry their time unit; to_pandas().to_csv() is read by `cva fit --summary`
  in the right unit (CVA_EXE: the command-line program, optional).

Run by meson normally and with ``--no-numpy`` (numpy and pandas blocked before cva is
imported). Environment: CVA_LIBRARY, CVA_EXE, CVA_DATA_DIR.
"""

import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402  (blocks numpy and pandas under --no-numpy)

HERE = os.path.dirname(os.path.abspath(__file__))

import cva  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None
try:
    import pandas as pd
except ImportError:
    pd = None

CVA_EXE = os.environ.get("CVA_EXE", "")
DATA_DIR = os.environ.get("CVA_DATA_DIR", "")
PAPER = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
PAPER_GG = dict(p=6.25, q=3.74, gamma=15.44)
HUGE = 10 ** 13  # 240 TB of simulated rows, 80 TB of probabilities: more than any machine


def tolist(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


def caught(fn, *a, **kw):
    """Run fn; return (result, [CvaWarning messages])."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = fn(*a, **kw)
    return res, [x.message for x in w if isinstance(x.message, cva.CvaWarning)]


class TestCalibrationEnd(unittest.TestCase):
    """The default end is the latest time; a calibration end after it is
    the error of an explicit end after it (not T running to the calibration end)."""

    def check_same(self, ids, times, amounts, last, cal):
        with self.assertRaises(cva.OptionError) as explicit:
            cva.summarize(ids, times, amounts, end=last, calibration_end=cal)
        with self.assertRaises(cva.OptionError) as default:
            cva.summarize(ids, times, amounts, calibration_end=cal)
        a, b = explicit.exception, default.exception
        self.assertEqual((type(a), a.status, a.name, a.option, a.option_name),
                         (type(b), b.status, b.name, b.option, b.option_name))
        self.assertEqual(b.option_name, "calibration_end")
        self.assertTrue(b.detail.startswith(a.detail), (a.detail, b.detail))
        return b

    def test_dates(self):
        e = self.check_same([1, 1, 2], ["2024-01-01", "2024-01-05", "2024-01-03"], [1.0, 2.0, 3.0],
                            "2024-01-05", "2030-01-01")
        self.assertIn("2024-01-05", str(e))
        self.assertIn("2030-01-01", str(e))

    def test_numbers(self):
        e = self.check_same([1, 2], [0.0, 5.0], [1.0, 1.0], 5.0, 5.5)
        self.assertIn("latest time, 5", str(e))

    def test_latest_valid_row(self):
        # a row before start or with a non-finite amount (skipped) does not make the default end
        with self.assertRaises(cva.OptionError):
            cva.summarize([1, 1, 2], [0.0, 5.0, 9.0], [1.0, 1.0, float("nan")], calibration_end=6.0,
                          skip_invalid=True)
        res, _ = caught(cva.summarize, [1, 1, 2], [0.0, 5.0, 9.0], [1.0, 1.0, float("nan")],
                        calibration_end=5.0, skip_invalid=True)
        self.assertEqual(tolist(res.T), [5.0])

    def test_inside_is_fine(self):
        res = cva.summarize([1, 1, 2], [0.0, 5.0, 9.0], [1.0, 1.0, 1.0], calibration_end=9.0)
        self.assertEqual(tolist(res.T), [9.0, 0.0])
        self.assertEqual(tolist(res.duration_holdout), [0.0, 0.0])
        res = cva.summarize([1, 1, 2], [0.0, 5.0, 9.0], [1.0, 1.0, 1.0], calibration_end=4.0)
        self.assertEqual(tolist(res.duration_holdout)[0], 5.0)


class TestSizes(unittest.TestCase):
    """Sizes that cannot fit in memory are refused at once, not after hours."""

    def test_simulate_huge(self):
        t0 = time.time()
        with self.assertRaises(cva.NoMemoryError) as cm:
            cva.simulate(HUGE)
        self.assertLess(time.time() - t0, 2.0)
        self.assertIsInstance(cm.exception, MemoryError)
        self.assertIn("n_customers=%d" % HUGE, str(cm.exception))
        self.assertIn("GB", str(cm.exception))

    def test_simulate_bad_count(self):
        for bad in (2.5, "10", True):
            with self.assertRaises(cva.BadArgumentError, msg=repr(bad)):
                cva.simulate(bad)
        self.assertEqual(len(tolist(cva.simulate(0).t)), 0)

    def test_simulate_row_estimate(self):
        # the memory check's expected rows per customer (1 + E[X(T)] from the BG/NBD
        # population formula) against an actual simulation
        from cva import _sim, _lib
        est = _sim._sim_rows_per_customer(_lib.SimOpts())
        n = 20000
        sim = cva.simulate(n, seed=7)
        rows = len(tolist(sim.t)) / n
        self.assertLess(abs(rows / est - 1), 0.03, (rows, est))
        self.assertGreater(est, 2.0)

    def test_probability_of_n_huge(self):
        bg = cva.BetaGeo(params=PAPER)
        t0 = time.time()
        with self.assertRaises(cva.NoMemoryError) as cm:
            bg.probability_of_n_purchases(39, HUGE)
        self.assertLess(time.time() - t0, 2.0)
        self.assertIn("n_max=%d" % HUGE, str(cm.exception))
        for bad in (2.5, True, "3"):
            with self.assertRaises(cva.BadArgumentError, msg=repr(bad)):
                bg.probability_of_n_purchases(39, bad)
        p = tolist(bg.probability_of_n_purchases(39, 3.0))
        self.assertEqual(len(p), 4)

    def test_pareto_cap(self):
        pn = cva.ParetoNBD(params=dict(r=0.5534, alpha=10.5776, s=0.6061, beta=11.665))
        t0 = time.time()
        with self.assertRaises(cva.BadArgumentError) as cm:
            pn.probability_of_n_purchases(39, cva.ParetoNBD.PROB_N_MAX + 1)
        self.assertLess(time.time() - t0, 2.0)
        self.assertIn("at most %d" % cva.ParetoNBD.PROB_N_MAX, str(cm.exception))
        self.assertEqual(len(tolist(pn.probability_of_n_purchases(39, 5))), 6)


class TestClvSteps(unittest.TestCase):
    def setUp(self):
        self.bg = cva.BetaGeo(params=PAPER)
        self.gg = cva.GammaGamma(params=PAPER_GG)
        self.data = ([2, 0], [30.43, 0.0], [38.86, 38.86], [35.0, 0.0])

    def test_step_cap_named(self):
        # without discounting the terms never vanish: steps=0 stops at its cap of 1200
        got, ws = caught(cva.clv, self.bg, self.gg, *self.data, steps=0, discount=0.0)
        self.assertEqual(len(ws), 1)
        msg = str(ws[0])
        self.assertIn("1200 steps", msg)
        self.assertIn("step cap", msg)
        self.assertNotIn("special-function", msg)
        self.assertEqual(ws[0].count, 2)
        self.assertEqual(ws[0].name, "CVA_W_SERIES_LIMIT")
        # ... and its value is the sum of the first 1200 steps
        ref, _ = caught(cva.clv, self.bg, self.gg, *self.data, steps=1200, discount=0.0)
        for a, b in zip(tolist(got), tolist(ref)):
            self.assertAlmostEqual(a / b, 1.0, places=12)

    def test_converging_is_silent(self):
        _, ws = caught(cva.clv, self.bg, self.gg, *self.data, steps=0, discount=0.05)
        self.assertEqual(ws, [])

    def test_bad_steps(self):
        for bad in (2.5, -1, 2 ** 31, True, "3", None):
            with self.assertRaises(cva.OptionError, msg=repr(bad)) as cm:
                cva.clv(self.bg, self.gg, *self.data, steps=bad)
            self.assertEqual(cm.exception.option_name, "steps")
            self.assertIn("1200 steps", str(cm.exception))
        a = cva.clv(self.bg, self.gg, 2, 30.43, 38.86, 35.0, steps=6.0)
        b = cva.clv(self.bg, self.gg, 2, 30.43, 38.86, 35.0, steps=6)
        self.assertEqual(a, b)


class TestConversionErrors(unittest.TestCase):
    def test_amount_row(self):
        amounts = [1.0] * 17 + ["abc"] + [2.0]
        n = len(amounts)
        with self.assertRaises(ValueError) as cm:
            cva.summarize(list(range(n)), [0.0] * n, amounts)
        self.assertEqual(str(cm.exception), "amount[17]: could not convert 'abc' to float")
        with self.assertRaises(TypeError) as cm:
            cva.summarize([1, 2], [0.0, 1.0], [1.0, 2.0], cost=[0.5, object()])
        self.assertTrue(str(cm.exception).startswith("cost[1]: could not convert <object"))

    def test_numpy_pandas(self):
        if np is None:
            self.skipTest("numpy blocked")
        with self.assertRaises(ValueError) as cm:
            cva.summarize([1, 2, 3], [0.0, 1.0, 2.0], np.array([1.0, 2.0, "x"], dtype=object))
        self.assertEqual(str(cm.exception), "amount[2]: could not convert 'x' to float")
        # numbers as text convert
        res = cva.summarize([1, 1], [0.0, 1.0], np.array(["1.5", "2.5"]))
        self.assertEqual(tolist(res.total_amount), [4.0])
        if pd is not None:
            df = pd.DataFrame({"id": [1, 2, 3], "t": [0.0, 1.0, 2.0], "amount": ["1", "2", "zz"]})
            with self.assertRaises(ValueError) as cm:
                cva.summarize(df.id, df.t, df.amount)
            self.assertEqual(str(cm.exception), "amount[2]: could not convert 'zz' to float")

    def test_time_and_period_rows(self):
        with self.assertRaises(ValueError) as cm:
            cva.summarize([1, 2, 3], ["2024-01-01", "2024-01-02", "2024-02-30"], [1.0] * 3)
        self.assertTrue(str(cm.exception).startswith("time[2]: bad date '2024-02-30'"), str(cm.exception))
        with self.assertRaises(TypeError) as cm:
            cva.summarize([1, 2], [0.0, 1.0], [1.0, 1.0], period=[0, "x"])
        self.assertEqual(str(cm.exception), "period[1]: 'x' is not an integer")

    def test_rfm_values(self):
        with self.assertRaises(ValueError) as cm:
            cva.rfm_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, "n/a", 3.0])
        self.assertEqual(str(cm.exception), "monetary[1]: could not convert 'n/a' to float")


class TestSkipInvalid(unittest.TestCase):
    ROWS = [  # id, date, amount
        (1, "2024-01-01", 10.0), (None, "2024-01-02", 5.0), (2, "2024-01-02", 7.0),
        (float("nan"), "2024-01-03", 1.0), (2, "not a date", 3.0), (1, "2024-01-09", float("nan")),
        (3, "2024-01-04", 4.0), (1, "2024-01-10", 2.0), (3, float("nan"), 1.0), (2, "2024-01-20", "x"),
    ]
    GOOD = [0, 2, 6, 7]
    WANT = {"missing_id": 2, "blank_id": 0, "bad_time": 2, "bad_amount": 2, "bad_cost": 0}

    def compare(self, res, ids, dates, amounts, keep, end=None):
        ref = cva.summarize([ids[i] for i in keep], [dates[i] for i in keep], [amounts[i] for i in keep],
                            end=end)
        for k in ("customer_id", "frequency", "recency", "T", "total_amount"):
            self.assertEqual(tolist(res[k]), tolist(ref[k]), k)

    def test_lists(self):
        ids, dates, amounts = (list(c) for c in zip(*self.ROWS))
        with self.assertRaises(ValueError):
            cva.summarize(ids, dates, amounts)
        res, ws = caught(cva.summarize, ids, dates, amounts, skip_invalid=True)
        self.assertEqual(res.skipped, self.WANT)
        self.assertEqual(res.excluded, 6)
        self.assertEqual(res.status_name, "CVA_W_EXCLUDED")
        self.assertEqual(len(ws), 1)
        self.assertEqual(ws[0].count, 6)
        for text in ("6 row(s) excluded", "2 missing customer_id", "2 bad time", "2 bad amount"):
            self.assertIn(text, str(ws[0]))
        self.compare(res, ids, dates, amounts, self.GOOD)
        # with a window: window exclusions and skipped rows add up
        res, ws = caught(cva.summarize, ids, dates, amounts, skip_invalid=True, end="2024-01-05")
        self.assertEqual(res.excluded, 6 + 1)
        self.assertEqual(ws[0].count, 7)
        self.compare(res, ids, dates, amounts, [0, 2, 6, 7], end="2024-01-05")

    def test_blank_text_ids(self):
        ids = ["a", "", "  ", None, "b", float("nan")]
        res, ws = caught(cva.summarize, ids, [0.0] * 6, [1.0] * 6, skip_invalid=True)
        self.assertEqual(tolist(res.customer_id), ["a", "b"])
        self.assertEqual(res.skipped["blank_id"], 2)
        self.assertEqual(res.skipped["missing_id"], 2)
        # without skip_invalid a missing text id is still an error naming the row
        with self.assertRaises(ValueError) as cm:
            cva.summarize(ids, [0.0] * 6, [1.0] * 6)
        self.assertIn("customer_id[3]", str(cm.exception))

    def test_nothing_to_skip(self):
        res, ws = caught(cva.summarize, [1, 2], [0.0, 1.0], [1.0, 1.0], skip_invalid=True)
        self.assertEqual(res.status_name, "CVA_OK")
        self.assertEqual(ws, [])
        self.assertEqual(sum(res.skipped.values()), 0)

    def test_pandas_nan_ids(self):
        if pd is None:
            self.skipTest("pandas not available")
        # ids from a spreadsheet export: a float column with gaps (17850.0, NaN)
        df = pd.DataFrame({"CustomerID": [17850.0, np.nan, 13047.0, 17850.0, np.nan],
                           "InvoiceDate": pd.to_datetime(["2010-12-01", "2010-12-01", "2010-12-02",
                                                          "2010-12-05", "2010-12-06"]),
                           "amount": [15.3, 2.0, 20.0, np.nan, 1.0],
                           "cost": [1.0, 1.0, np.inf, 1.0, 1.0]})
        res, ws = caught(cva.summarize, df.CustomerID, df.InvoiceDate, df.amount, cost=df.cost,
                         skip_invalid=True)
        self.assertEqual(tolist(res.customer_id), [17850])
        self.assertEqual(res.skipped, {"missing_id": 2, "blank_id": 0, "bad_time": 0, "bad_amount": 1,
                                       "bad_cost": 1})
        self.assertEqual(tolist(res.n_txn), [1])
        # object column with text ids and NaN
        ids = pd.Series(["C1", np.nan, "C2", ""], dtype=object)
        res, _ = caught(cva.summarize, ids, pd.Series([0.0, 1.0, 2.0, 3.0]), [1.0] * 4, skip_invalid=True)
        self.assertEqual(tolist(res.customer_id), ["C1", "C2"])
        self.assertEqual((res.skipped["missing_id"], res.skipped["blank_id"]), (1, 1))


class TestTimeUnit(unittest.TestCase):
    def test_label(self):
        dates = ["2024-01-01", "2024-01-15"]
        self.assertEqual(cva.summarize([1, 1], dates, [1.0, 1.0]).time_unit, "day")
        self.assertEqual(cva.summarize([1, 1], dates, [1.0, 1.0], time_unit=7).time_unit, "week")
        self.assertEqual(cva.summarize([1, 1], dates, [1.0, 1.0], time_unit="weeks").time_unit, "week")
        self.assertIsNone(cva.summarize([1, 1], dates, [1.0, 1.0], time_unit=30).time_unit)
        # plain numbers are in the caller's unit: unknown unless named
        self.assertIsNone(cva.summarize([1, 1], [0.0, 14.0], [1.0, 1.0]).time_unit)
        self.assertEqual(cva.summarize([1, 1], [0.0, 14.0], [1.0, 1.0], time_unit="day").time_unit, "day")

    def test_to_pandas_column(self):
        if pd is None:
            self.skipTest("pandas not available")
        res = cva.summarize([1, 1, 2], ["2024-01-01", "2024-01-15", "2024-01-08"], [1.0, 2.0, 3.0],
                            time_unit="week")
        df = res.to_pandas()
        self.assertEqual(list(df.columns)[-1], "time_unit")
        self.assertEqual(list(df.time_unit), ["week", "week"])
        self.assertEqual(df.loc[1, "recency"], 2.0)
        self.assertNotIn("time_unit", cva.summarize([1], [0.0], [1.0]).to_pandas().columns)

    def test_cli_reads_python_summary(self):
        """to_pandas().to_csv() is the representation of `cva summary`: the CLI fits it in its
        unit, with the parameters of a fit on the CLI's own summary."""
        if pd is None:
            self.skipTest("pandas not available")
        sample = os.path.join(DATA_DIR, "CDNOW_sample.txt")
        if not (CVA_EXE and os.path.exists(CVA_EXE) and os.path.exists(sample)):
            if os.environ.get("CVA_REQUIRE_DATA") == "1" and not os.path.exists(sample):
                self.fail("CVA_REQUIRE_DATA=1 but %s is missing" % sample)
            self.skipTest("CVA_EXE or CDNOW_sample.txt not available")
        raw = pd.read_csv(sample, sep=r"\s+", header=None, names=["c", "id", "date", "n", "amount"],
                          dtype={"date": str})
        with tempfile.TemporaryDirectory() as tmp:
            fits = {}
            for unit in ("day", "week"):
                res = cva.summarize(raw.id, raw.date, raw.amount, calibration_end="1997-09-30",
                                    end="1998-06-30", time_unit=unit)
                self.assertEqual(res.time_unit, unit)
                py = os.path.join(tmp, "py_%s.csv" % unit)
                res.to_pandas().to_csv(py)
                cli = os.path.join(tmp, "cli_%s.csv" % unit)
                p = subprocess.run([CVA_EXE, "summary", "--input", sample, "--no-header", "--delimiter",
                                    "whitespace", "--customer-col", "2", "--date-col", "3", "--amount-col", "5",
                                    "--calibration-end", "1997-09-30", "--time-unit", unit, "-o", cli],
                                   capture_output=True)
                self.assertEqual(p.returncode, 0, p.stderr)
                for path in (py, cli):
                    p = subprocess.run([CVA_EXE, "fit", "--model", "bgnbd", "--summary", path],
                                       capture_output=True)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    fits[(unit, path == py)] = json.loads(p.stdout)
                with open(py) as f:
                    self.assertEqual(next(csv.reader(f))[-1], "time_unit")
            for unit in ("day", "week"):
                a, b = fits[(unit, True)], fits[(unit, False)]
                self.assertEqual(a["time_unit"], unit)
                self.assertEqual(a["params"], b["params"])
            self.assertAlmostEqual(fits[("week", True)]["params"]["alpha"], 4.414, places=3)
            self.assertAlmostEqual(fits[("day", True)]["params"]["alpha"] / 7,
                                   fits[("week", True)]["params"]["alpha"], places=4)


def main():
    prog = unittest.main(exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
