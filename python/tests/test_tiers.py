#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Value tiers (docs/methods/tiers.md#methods_tiers) through the binding: the docs/methods/tiers.md#methods_tiers_edge vectors, a brute-force pure-Python
reference (pairwise Gini, sorted() rankings, per-group type-7 quantiles) on random data with
ties, negatives and zeros, edge cases and errors, zero-copy numpy input, and tiers() on a
summarize() result.

Run by meson normally and with ``--no-numpy``. Environment: CVA_LIBRARY.
"""

import math
import os
import random
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402

import cva  # noqa: E402
from cva import _convert  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

NAN = float("nan")


# ---------------------------------------------------------------------------
# brute-force reference

def rank(v):
    """descending value, ties by lower index"""
    return sorted(range(len(v)), key=lambda i: (-v[i], i))


def count(share, n):
    return max(0, min(n, math.ceil(share * n - 1e-9)))


def ref_gini(v, pp=False):
    x = [max(a, 0.0) if pp else a for a in v]
    n, s = len(x), math.fsum(x)
    if n == 0 or s == 0:
        return NAN
    return math.fsum(abs(a - b) for a in x for b in x) / (2 * n * s)


def ref_share(v, p):
    n = len(v)
    d = sorted(v, reverse=True)
    s = math.fsum(d)
    if n == 0 or s == 0:
        return NAN
    pn = p * n
    k = math.floor(pn)
    fr = pn - k
    if fr > 1 - 1e-9:
        k, fr = k + 1, 0.0
    elif fr < 1e-9:
        fr = 0.0
    top = math.fsum(d[:k]) + (fr * d[k] if k < n else 0.0)
    return top / s


def ref_lorenz(v, p):
    x = sorted(v)
    n, s = len(x), math.fsum(x)
    t = p * n
    k = min(n, int(math.floor(t + 1e-12)))
    c = math.fsum(x[:k])
    if k < n and t - k > 1e-12:
        c += (t - k) * x[k]
    return c / s


def ref_whale(pi):
    d = [pi[i] for i in rank(pi)]
    tot = math.fsum(d)
    cum, best, peak = [], None, 0
    for k in range(len(d)):
        c = math.fsum(d[:k + 1])
        cum.append(c)
        if best is None or c > best:
            best, peak = c, k + 1
    neg = [x for x in d if x < 0]
    return dict(cum=cum, peak_index=peak, total=tot,
                peak_height=best / tot if tot > 0 else NAN,
                unprofitable_share=len(neg) / len(d),
                profit_destroyed=-math.fsum(neg) / tot if tot > 0 else NAN)


def ref_grade(v, shares=(0.2, 0.3, 0.5)):
    n = len(v)
    b1, b2 = count(shares[0], n), count(shares[0] + shares[1], n)
    out = [None] * n
    for r, i in enumerate(rank(v)):
        out[i] = "KEY" if r < b1 else "ORDINARY" if r < b2 else "SMALL"
    return out


def ref_pyramid(v, kind="profit", shares=(0.2, 0.3)):
    n = len(v)
    b1, b2 = count(shares[0], n), count(shares[0] + shares[1], n)
    out = [None] * n
    for r, i in enumerate(rank(v)):
        x = v[i]
        out[i] = ("LEAD" if kind != "revenue" and x < 0 else "PLATINUM" if x > 0 and r < b1
                  else "GOLD" if x > 0 and r < b2 else "IRON")
    return out


def ref_q7(x, q):
    x = sorted(x)
    h = (len(x) - 1) * q
    lo = int(math.floor(h))
    if lo + 1 >= len(x):
        return x[-1]
    return x[lo] + (h - lo) * (x[lo + 1] - x[lo])


def ref_classes(v, pot, kind="profit", mvc=0.2, mgc=0.3, thr=0.0):
    n = len(v)
    out = ["OTHER"] * n
    taken = 0
    for i in rank(v):
        if kind != "revenue" and v[i] < thr:
            out[i] = "BZ"
        elif v[i] > 0 and taken < count(mvc, n):
            out[i] = "MVC"
            taken += 1
    gaps = [(-(pot[i] - v[i]), i) for i in range(n)
            if out[i] == "OTHER" and not math.isnan(pot[i]) and pot[i] - v[i] > 0]
    for _, i in sorted(gaps)[:count(mgc, n)]:
        out[i] = "MGC"
    return out


def close(a, b, rtol=1e-12, atol=1e-12):
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= atol + rtol * abs(b)


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def tl(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


class SpecVectors(unittest.TestCase):
    def test_vectors(self):
        self.assertAlmostEqual(cva.gini([1, 2, 3, 4, 10]), 0.4, places=15)
        self.assertAlmostEqual(cva.top_share([1, 2, 3, 4, 10], 0.2), 0.5, places=15)
        w = cva.whale_curve([50, 30, 10, -5, -15])
        self.assertEqual([round(x, 3) for x in tl(w.whale)], [0.714, 1.143, 1.286, 1.214, 1.0])
        self.assertEqual(w.total, 70)
        self.assertEqual(w.peak_index, 3)
        self.assertEqual(round(w.peak_height, 3), 1.286)
        self.assertEqual(w.unprofitable_share, 0.4)
        self.assertEqual(round(w.profit_destroyed, 3), 0.286)
        g = cva.grade(list(range(10)))
        self.assertEqual(g.counts, {"KEY": 2, "ORDINARY": 3, "SMALL": 5})
        self.assertEqual(g.labels[9], "KEY")
        self.assertEqual(tl(g.codes)[9], cva.TIER_KEY)


class Random(unittest.TestCase):
    def data(self, rng, n, kind):
        if kind == 0:
            return [float(rng.randint(-3, 10)) for _ in range(n)]
        if kind == 1:
            return [0.1 * rng.randint(0, 3) for _ in range(n)]
        if kind == 2:
            return [round(rng.uniform(-50, 500), 2) for _ in range(n)]
        if kind == 3:
            return [float(-rng.randint(1, 9)) for _ in range(n)]
        return [2.5] * n

    def test_against_reference(self):
        rng = random.Random(7)
        for n in (1, 2, 3, 5, 10, 11, 64, 333):
            for kind in range(5):
                v = self.data(rng, n, kind)
                neg = any(x < 0 for x in v)
                with warnings.catch_warnings(record=True) as rec:
                    warnings.simplefilter("always")
                    g = cva.gini(v)
                self.assertEqual(any(getattr(w.message, "name", "") == "CVA_W_NEGATIVE" for w in rec), neg)
                self.assertTrue(close(g, ref_gini(v), 1e-12, 1e-14), (n, kind, g, ref_gini(v)))
                self.assertTrue(close(quiet(cva.gini, v, positive_part=True), ref_gini(v, True), 1e-12, 1e-14))
                ps = [0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0]
                for p, s in zip(ps, quiet(cva.top_share, v, ps)):
                    self.assertTrue(close(s, ref_share(v, p)), (n, kind, p, s, ref_share(v, p)))
                if math.fsum(v) != 0:
                    pp, ll = quiet(cva.lorenz, v)
                    self.assertEqual(len(ll), n + 1)
                    for i in range(n + 1):
                        self.assertTrue(close(tl(ll)[i], ref_lorenz(v, i / n)))
                    pp, ll = quiet(cva.lorenz, v, points=5)
                    for i in range(5):
                        self.assertTrue(close(tl(pp)[i], i / 4))
                        self.assertTrue(close(tl(ll)[i], ref_lorenz(v, i / 4)))
                w = cva.whale_curve(v)
                r = ref_whale(v)
                self.assertEqual(w.peak_index, r["peak_index"])
                for a, b in zip(tl(w.cum), r["cum"]):
                    self.assertTrue(close(a, b, 1e-12, 1e-9))
                for key in ("peak_height", "unprofitable_share", "profit_destroyed"):
                    self.assertTrue(close(getattr(w, key), r[key]), key)
                self.assertEqual(quiet(cva.grade, v).labels, ref_grade(v))
                self.assertEqual(quiet(cva.grade, v, (0.1, 0.6, 0.3)).labels, ref_grade(v, (0.1, 0.6, 0.3)))
                self.assertEqual(quiet(cva.pyramid, v).labels, ref_pyramid(v))
                self.assertEqual(quiet(cva.pyramid, v, "revenue").labels, ref_pyramid(v, "revenue"))
                order = tl(cva.value_order(v))
                self.assertEqual(order, rank(v))

    def test_classes(self):
        rng = random.Random(11)
        for n in (1, 7, 10, 101, 400):
            v = [float(rng.randint(-20, 60)) for _ in range(n)]
            pot = [NAN if rng.random() < 0.1 else v[i] + rng.randint(-10, 30) for i in range(n)]
            sow = [rng.choice([0.0, 1.5, NAN, 0.1, 0.25, 0.5, 1.0]) for _ in range(n)]
            grp = [rng.randint(-2, 3) for _ in range(n)]
            c = quiet(cva.value_classes, v, pot)
            self.assertEqual(c.labels, ref_classes(v, pot))
            c = quiet(cva.value_classes, v, pot, source="model", mvc_share=0.1, mgc_share=0.5, bz_threshold=5)
            self.assertEqual(c.labels, ref_classes(v, pot, mvc=0.1, mgc=0.5, thr=5))
            wp = [v[i] / sow[i] if 0 < sow[i] <= 1 else NAN for i in range(n)]
            c = quiet(cva.value_classes, v, sow=sow)
            self.assertEqual(c.labels, ref_classes(v, wp))
            self.assertTrue(all(close(a, b) for a, b in zip(tl(c.potential), wp)))
            for q in (0.9, 0.5, 0.0):
                pq = [max(v[i], ref_q7([v[j] for j in range(n) if grp[j] == grp[i]], q)) for i in range(n)]
                c = quiet(cva.value_classes, v, group=grp, peer_quantile=q)
                self.assertTrue(all(close(a, b) for a, b in zip(tl(c.potential), pq)))
                self.assertEqual(c.labels, ref_classes(v, pq))
            c = quiet(cva.value_classes, v, pot, value_kind="revenue")
            self.assertEqual(c.labels, ref_classes(v, pot, "revenue"))
            self.assertNotIn("BZ", c.labels)

    def test_profit_and_diagnostics(self):
        rng = random.Random(3)
        n = 200
        rev = [float(rng.randint(-5, 100)) for _ in range(n)]
        cost = [float(rng.randint(0, 60)) for _ in range(n)]
        orders = [rng.randint(1, 5) for _ in range(n)]
        c, p = cva.customer_profit(rev, cost, orders, cost_per_order=1.5, cost_per_customer=2)
        for i in range(n):
            self.assertEqual(tl(c)[i], cost[i] + 1.5 * orders[i] + 2)
            self.assertEqual(tl(p)[i], rev[i] - tl(c)[i])
        c2, p2 = cva.customer_profit(rev, cost, orders, margin=0.3, cost_per_order=1.5)
        for i in range(n):
            self.assertTrue(close(tl(p2)[i], 0.3 * rev[i] - 1.5 * orders[i]))
        pi = [rev[i] - cost[i] for i in range(n)]
        d = quiet(cva.profit_diagnostics, rev, cost)
        r = rank(pi)
        t = count(0.2, n)
        top, bot = r[:t], r[-t:]
        self.assertTrue(close(d["top20_profit_to_cost"], math.fsum(pi[i] for i in top) / math.fsum(cost[i] for i in top)))
        self.assertTrue(close(d["bottom20_cost_to_revenue"],
                              math.fsum(cost[i] for i in bot) / math.fsum(rev[i] for i in bot)))
        self.assertTrue(close(d["top20_revenue_share"], ref_share(rev, 0.2)))
        self.assertTrue(close(d["top20_profit_share"], ref_share(pi, 0.2)))
        self.assertEqual(d["unprofitable_share"], sum(1 for x in pi if x < 0) / n)


class Edges(unittest.TestCase):
    def test_empty_and_one(self):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            self.assertTrue(math.isnan(cva.gini([])))
            self.assertTrue(math.isnan(cva.top_share([], 0.2)))
            self.assertEqual(len(cva.grade([])), 0)
        self.assertTrue(any(getattr(w.message, "name", "") == "CVA_W_EMPTY" for w in rec))
        self.assertEqual(cva.gini([5.0]), 0.0)
        self.assertEqual(cva.grade([5.0]).labels, ["KEY"])
        self.assertEqual(cva.pyramid([5.0]).labels, ["PLATINUM"])
        self.assertEqual(cva.value_classes([5.0]).labels, ["MVC"])
        self.assertEqual(cva.value_classes([-5.0]).labels, ["BZ"])
        self.assertEqual(cva.pyramid([-5.0]).labels, ["LEAD"])

    def test_all_equal_and_negative(self):
        self.assertEqual(cva.gini([3.0] * 7), 0.0)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            g = cva.grade([3.0] * 10)
        self.assertEqual(g.labels, ["KEY"] * 2 + ["ORDINARY"] * 3 + ["SMALL"] * 5)
        self.assertTrue(any(getattr(w.message, "name", "") == "CVA_W_TIES" for w in rec))
        v = [-1.0, -4.0, -2.0]
        self.assertNotIn("MVC", quiet(cva.value_classes, v).labels)
        self.assertEqual(quiet(cva.pyramid, v).labels, ["LEAD"] * 3)

    def test_errors(self):
        with self.assertRaises(cva.NonFiniteError) as e:
            cva.gini([1.0, NAN, 2.0])
        self.assertEqual(e.exception.index, 1)
        with self.assertRaises(cva.NonFiniteError):
            cva.grade([1.0, float("inf")])
        with self.assertRaises(cva.OptionError) as e:
            cva.grade([1.0, 2.0], shares=(0.5, 0.4, 0.2))
        self.assertEqual(e.exception.option_name, "grade_shares")
        with self.assertRaises(cva.OptionError):
            cva.grade([1.0, 2.0], shares=(-0.1, 0.4, 0.2))
        with self.assertRaises(cva.OptionError):
            cva.pyramid([1.0], shares=(0.7, 0.4))
        with self.assertRaises(cva.OptionError):
            cva.value_classes([1.0], mvc_share=0.8, mgc_share=0.3)
        with self.assertRaises(cva.OptionError):
            cva.value_classes([1.0], value_kind="bogus")
        with self.assertRaises(cva.BadArgumentError):
            cva.top_share([1.0, 2.0], 1.5)
        with self.assertRaises(cva.BadArgumentError):
            cva.value_classes([1.0, 2.0], source="peer")
        with self.assertRaises(cva.BadArgumentError):
            cva.value_classes([1.0, 2.0], [1.0])

    @unittest.skipIf(np is None, "numpy not available")
    def test_zero_copy(self):
        a = np.arange(10, dtype=np.float64)
        self.assertIs(_convert.as_float64(a).owner, a)
        self.assertEqual(cva.gini(a), ref_gini(a.tolist()))
        self.assertIsInstance(cva.grade(a).codes, np.ndarray)
        self.assertEqual(cva.grade(a).codes.dtype, np.int32)


class Workspace(unittest.TestCase):
    def test_size_query(self):
        vs = cva.tiers_workspace_size(1000)
        self.assertGreaterEqual(vs, 16 * 1000)
        self.assertGreaterEqual(cva.tiers_workspace_size(1000, "all"), max(vs, 32 * 1000))
        with self.assertRaises(cva.OptionError):
            cva.tiers_workspace_size(10, "everything")

    def test_scratch_reuse(self):
        """The per-thread scratch of the value-only calls: the same figures on
        the first call, on reuse, after growing and after release, as the
        brute-force reference."""
        from cva import _tiers
        rng = random.Random(7)
        small = [rng.randint(-5, 20) * 0.25 for _ in range(300)]
        big = [rng.randint(-50, 2000) * 0.01 for _ in range(1500)]
        _tiers._drop_scratch()
        g1 = quiet(cva.gini, small)
        g2 = quiet(cva.gini, big)   # grows the scratch
        g3 = quiet(cva.gini, small)  # reuses the larger one
        _tiers._drop_scratch()
        g4 = quiet(cva.gini, small)
        self.assertEqual(g1, g3)
        self.assertEqual(g1, g4)
        self.assertTrue(close(g1, ref_gini(small)))
        self.assertTrue(close(g2, ref_gini(big), 1e-11))
        for p in (0.01, 0.2, 0.5):
            self.assertTrue(close(quiet(cva.top_share, big, p), ref_share(big, p)))
        self.assertEqual(quiet(cva.whale_curve, big).peak_index, ref_whale(big)["peak_index"])
        if not NO_NUMPY:
            self.assertIsNotNone(getattr(_tiers._SCRATCH, "buf", None))


class TiersFromSummary(unittest.TestCase):
    def test_tiers(self):
        rng = random.Random(5)
        ids, t, amt, cost = [], [], [], []
        for c in range(60):
            for k in range(rng.randint(1, 4)):
                ids.append(c + 1)
                t.append(float(rng.randint(0, 300)))
                amt.append(float(rng.randint(-20, 200)))
                cost.append(float(rng.randint(0, 80)))
        s = cva.summarize(ids, t, amt, cost=cost)
        res = quiet(cva.tiers, s, cost_per_order=2.0)
        rev = tl(s["total_amount"])
        tc = tl(s["total_cost"])
        nt = tl(s["n_txn"])
        profit = [rev[i] - (tc[i] + 2.0 * nt[i]) for i in range(len(rev))]
        self.assertEqual(res.stats["value_kind"], "profit")
        self.assertEqual(tl(res.profit), profit)
        self.assertTrue(close(res.stats["gini"], ref_gini(profit), 1e-12, 1e-14))
        self.assertTrue(close(res.stats["gini_positive_part"], ref_gini(profit, True), 1e-12, 1e-14))
        for k, p in (("0.01", 0.01), ("0.05", 0.05), ("0.1", 0.1), ("0.2", 0.2), ("0.5", 0.5)):
            self.assertTrue(close(res.stats["top_share"][k], ref_share(profit, p)))
        self.assertEqual(res.grades.labels, ref_grade(profit))
        self.assertEqual(res.pyramid.labels, ref_pyramid(profit))
        self.assertEqual(res.classes.labels, ref_classes(profit, [NAN] * len(profit)))
        self.assertEqual(res.stats["whale"]["peak_index"], ref_whale(profit)["peak_index"])
        n_key = sum(1 for x in res.grades.labels if x == "KEY")
        self.assertEqual(res.stats["grades"]["KEY"]["count"], n_key)
        key_val = math.fsum(profit[i] for i in range(len(profit)) if res.grades.labels[i] == "KEY")
        self.assertTrue(close(res.stats["grades"]["KEY"]["value_share"], key_val / math.fsum(profit)))
        self.assertIn("CVA_W_NEGATIVE", res.stats["warnings"])
        self.assertEqual(sorted(res.stats), sorted([
            "n_customers", "value_kind", "total", "gini", "gini_positive_part", "top_share", "whale",
            "diagnostics", "classes", "grades", "pyramid", "warnings"]))
        # revenue by default without a cost column
        s2 = cva.summarize(ids, t, amt)
        self.assertEqual(quiet(cva.tiers, s2).stats["value_kind"], "revenue")
        # model-based potential: clv against historical profit
        clv = [abs(x) * 2 + 10 for x in profit]
        r3 = quiet(cva.tiers, s, potential="model", clv=clv, cost_per_order=2.0)
        self.assertEqual(r3.classes.labels, ref_classes(profit, clv))


if __name__ == "__main__":
    unittest.main()
