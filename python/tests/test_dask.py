"""cva.dask (issue [13]): the single-process answers from a Dask DataFrame spread over many
partitions, on a distributed.LocalCluster with two worker processes (one per module).

References are the single-process calls on the whole data (themselves tested against
published figures and brute force elsewhere): summaries equal to the last bit, bins
exactly equal, parameters of the merge fit equal to the bit, of the blocks fit within the
optimiser's tolerance, tier statistics equal. Partitionings: simulated transactions in
many partitions (one holding a single customer, empty ones, a customer spread over all),
CDNOW in 17. Exit 77 (skip) without dask/distributed.
"""

import math
import os
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cva_harness  # noqa: E402,F401  (puts python/ on the path)

import cva  # noqa: E402

try:
    import numpy as np
    import pandas as pd
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster
except ImportError as e:
    print("SKIP: dask/distributed not installed (%s): apt-get install python3-dask python3-distributed" % e)
    sys.exit(77)

import cva.dask as cd  # noqa: E402

DATA_DIR = os.environ.get("CVA_DATA_DIR", "")
REQUIRE_DATA = os.environ.get("CVA_REQUIRE_DATA") == "1"
SKIPPED = []
CLIENT = None


def setUpModule():
    global CLIENT
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           memory_limit="1GiB", silence_logs=50)
    CLIENT = Client(cluster)


def tearDownModule():
    if CLIENT is not None:
        cluster = CLIENT.cluster
        CLIENT.close()
        cluster.close()


def simulated():
    """Simulated transactions, dates as numbers (days), with tricky partitions."""
    sim = cva.simulate(1500, seed=5)
    df = pd.DataFrame({"customer_id": np.asarray(sim.customer_id), "date": np.asarray(sim.t),
                       "amount": np.asarray(sim.amount)})
    # a customer with a row in every partition, shuffled through the log
    spread = pd.DataFrame({"customer_id": 999999, "date": np.linspace(3.0, 500.0, 24),
                           "amount": np.linspace(5.0, 50.0, 24)})
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    n = len(df)
    chunks = [df.iloc[k * n // 20:(k + 1) * n // 20] for k in range(20)]
    chunks.insert(3, df.iloc[:0])                            # empty partitions
    chunks.insert(9, df.iloc[:0])
    chunks.append(pd.DataFrame({"customer_id": [123456789], "date": [40.0], "amount": [12.5]}))  # one customer
    parts = []
    for k, c in enumerate(chunks):  # the spread customer in every non-empty partition
        parts.append(pd.concat([c, spread.iloc[k:k + 1]]) if len(c) else c)
    whole = pd.concat(parts, ignore_index=True)
    ddf = dd.from_delayed([dask.delayed(p.reset_index(drop=True)) for p in parts], meta=whole.iloc[:0])
    return whole, ddf


def assert_frames_equal(test, a, b):
    a = a.sort_index()
    b = b.sort_index()
    test.assertEqual(list(a.columns), list(b.columns))
    test.assertEqual(list(a.index), list(b.index))
    for c in a.columns:
        if a[c].dtype.kind == "f":
            np.testing.assert_array_equal(a[c].to_numpy(), b[c].to_numpy(), err_msg=c)  # bits (NaN == NaN)
        else:
            test.assertEqual(list(a[c]), list(b[c]), c)


class TestSimulated(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.whole, cls.ddf = simulated()
        cls.ce = 60.0  # customers are acquired over 84 days: some have no purchase by 60
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cva.CvaWarning)
            cls.ref = cva.summarize(cls.whole, customer="customer_id", time="date", amount="amount",
                                    calibration_end=cls.ce, time_unit=7)
        cls.ref_df = cls.ref.to_pandas()
        cls.dsum = cd.summarize(cls.ddf, calibration_end=cls.ce, time_unit=7).persist()

    def test_partitions(self):
        sizes = self.ddf.map_partitions(len).compute()
        self.assertIn(0, list(sizes))
        self.assertGreater(self.ddf.npartitions, 20)

    def test_summary_bits(self):
        got = self.dsum.compute()
        assert_frames_equal(self, got, self.ref_df)
        # customers without a purchase before the calibration end are kept (NaN statistics)
        self.assertGreater(int(got.frequency.isna().sum()), 0)
        self.assertEqual(int(got.frequency.isna().sum()), int(self.ref_df.frequency.isna().sum()))
        self.assertIn(123456789, got.index)
        w = self.whole
        self.assertEqual(int(got.loc[999999, "n_txn"]),
                         int(((w.customer_id == 999999) & (w.date <= self.ce)).sum()))

    def fit_both(self, key, cls, method, **kw):
        with warnings.catch_warnings(record=True) as w1:
            warnings.simplefilter("always")
            ref = cls().fit_summary(self.ref_df, **kw)
        with warnings.catch_warnings(record=True) as w2:
            warnings.simplefilter("always")
            got = cd.fit(key, self.dsum, method=method, **kw)
        self.assertIs(type(got), cls)
        self.assertEqual(got.status, ref.status)
        self.assertEqual([type(x.message) for x in w2], [type(x.message) for x in w1])
        self.assertEqual(got.n_customers, ref.n_customers)
        return ref, got

    def test_fit_merge_bits(self):
        for key, cls in (("bgnbd", cva.BetaGeo), ("mbgnbd", cva.ModifiedBetaGeo), ("pnbd", cva.ParetoNBD)):
            ref, got = self.fit_both(key, cls, "merge")
            for k in ref.params:
                self.assertEqual(got.params[k], ref.params[k], (key, k))
                self.assertEqual(got.standard_errors[k], ref.standard_errors[k], (key, k))
            self.assertEqual(got.log_likelihood, ref.log_likelihood)
            self.assertEqual(got.note, ref.note)

    def test_fit_gg(self):
        for method in ("merge", "blocks"):
            ref, got = self.fit_both("gg", cva.GammaGamma, method)
            for k in ref.params:
                self.assertLess(abs(got.params[k] / ref.params[k] - 1), 1e-9, (method, k))
            self.assertLess(abs(got.log_likelihood / ref.log_likelihood - 1), 1e-12)
            self.assertEqual(got.ignored, ref.ignored)
            self.assertEqual(got.no_purchase, ref.no_purchase)
            self.assertEqual(got.note, ref.note)
            self.assertLess(abs(got.correlation - ref.correlation), 1e-12)

    def test_fit_blocks(self):
        # the client's optimiser on the sum of the partitions' likelihood blocks: the
        # terms are added in another order, so the path differs by rounding and the fit
        # stops at another point of the same basin: equal to the optimiser's tolerance
        # (measured 2.7e-9 on Pareto/NBD's s on these data), not to the bit as method="merge"
        # (one model: every evaluation is a round trip to the workers, and the C test
        # test_fit_dist covers every model on blocks)
        for key, cls in (("bgnbd", cva.BetaGeo),):
            ref, got = self.fit_both(key, cls, "blocks")
            for k in ref.params:
                self.assertLess(abs(got.params[k] / ref.params[k] - 1), 1e-7, (key, k))
                self.assertLess(abs(got.standard_errors[k] / ref.standard_errors[k] - 1), 1e-5, (key, k))
            self.assertLess(abs(got.log_likelihood / ref.log_likelihood - 1), 1e-12)
            self.assertEqual(got.note, ref.note)
            self.assertGreater(got.evaluations_distributed, 5)

    def test_predict(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cva.CvaWarning)
            m = cva.BetaGeo().fit_summary(self.ref_df)
            ref = cva.predict(m, self.ref_df, 10.0).to_pandas()
            got = cd.predict(m, self.dsum, 10.0).compute()
        assert_frames_equal(self, got, ref)

    def test_rfm(self):
        end = self.ref.calibration_end
        raw = cva.rfm_from_summary(self.ref)
        draw = cd.rfm_from_summary(self.dsum, end).persist()
        got_raw = draw.compute().sort_index()
        np.testing.assert_array_equal(got_raw.r.to_numpy(), np.asarray(raw.recency))
        np.testing.assert_array_equal(got_raw.f.to_numpy(), np.asarray(raw.frequency))
        for method in ("rank-first", "ntile", "value-cuts"):
            ref = cva.rfm_score(raw.recency, raw.frequency, raw.monetary, bins=5, method=method,
                                ids=list(self.ref_df.index))
            got = cd.rfm_score(draw, bins=5, method=method).compute().sort_index()
            np.testing.assert_array_equal(got.s_r.to_numpy(), np.asarray(ref[0]), err_msg=method)
            np.testing.assert_array_equal(got.s_f.to_numpy(), np.asarray(ref[1]), err_msg=method)
            np.testing.assert_array_equal(got.s_m.to_numpy(), np.asarray(ref[2]), err_msg=method)

    def test_tiers(self):
        ref = cva.tiers(self.ref)
        got = cd.tiers(self.dsum)
        for k in ("gini", "total"):
            self.assertEqual(got.stats[k], ref.stats[k])
        self.assertEqual(got.stats["top_share"], ref.stats["top_share"])
        np.testing.assert_array_equal(np.asarray(got.classes.codes), np.asarray(ref.classes.codes))
        np.testing.assert_array_equal(np.asarray(got.grades.codes), np.asarray(ref.grades.codes))

    def test_refused(self):
        with self.assertRaises(cva.BadArgumentError):
            cd.summarize(self.ddf, referrer="customer_id")
        with self.assertRaises(cva.BadArgumentError):
            cd.fit("weibull", self.dsum)


class TestCdnow(unittest.TestCase):
    def test_cdnow(self):
        p = os.path.join(DATA_DIR, "CDNOW_master.txt")
        if not DATA_DIR or not os.path.exists(p):
            if REQUIRE_DATA:
                self.fail("reference data %s not found (CVA_REQUIRE_DATA=1)" % p)
            SKIPPED.append("CDNOW")
            self.skipTest("no CDNOW")
        d = pd.read_csv(p, sep=r"\s+", header=0, names=["customer_id", "date", "n", "amount"])
        d["date"] = pd.to_datetime(d["date"].astype(str), format="%Y%m%d")
        ddf = dd.from_pandas(d, npartitions=17, sort=False)
        ce = "1997-09-30"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cva.CvaWarning)
            ref = cva.summarize(d, customer="customer_id", time="date", amount="amount", calibration_end=ce,
                                time_unit="week").to_pandas()
            got = cd.summarize(ddf, calibration_end=ce, time_unit="week").persist()
            assert_frames_equal(self, got.compute(), ref)
            m_ref = cva.BetaGeo().fit_summary(ref)
            m = cd.fit("bgnbd", got)
        for k in m_ref.params:
            self.assertEqual(m.params[k], m_ref.params[k])


def main():
    prog = unittest.main(exit=False, verbosity=2)
    if not prog.result.wasSuccessful():
        print("python dask tests: FAILED")
        sys.exit(1)
    print("python dask tests: OK")
    if SKIPPED:
        print("SKIP: %s" % ", ".join(sorted(set(SKIPPED))))
        sys.exit(77)
    sys.exit(0)


if __name__ == "__main__":
    main()
