#!/usr/bin/env python3
"""RFM tests of the libcva Python binding (docs/methods/rfm.md#methods_rfm), standard library unittest.

Run by meson twice: normally and with ``--no-numpy`` (an import hook makes
``import numpy``/``pandas`` fail before cva is imported). Every binning method
is compared with an independent reference written here from the text of docs/methods/rfm.md:

* rank-first: the integer rule of docs/methods/rfm.md, and pandas
  ``qcut(rank(method="first"), k, labels=range(1, k+1))`` (with pandas);
* NTILE: a T-SQL NTILE written from its definition (group sizes), and
  sqlite3's ``NTILE`` window function (``ORDER BY v, id``; recency DESC);
* value cuts: exact type-7 cut points (integer rule) and ``numpy.quantile``
  cut points (with numpy), bins ``1 + #(v > c)``;
* R rfm: R's ``quantile(type = 7)`` (with its 4-ulp fuzz) and the package's
  ``[lower, upper)`` interval loop;
* fixed cuts, the docs/methods/rfm.md#methods_rfm_vectors vectors, all-equal values, k = 1, m < k.

Mismatches with a float-based reference are accepted only when they are the
float-edge case docs/methods/rfm.md describes (an exact grid position that the float
computation misses); such cases are counted and printed.
"""

import array
import ctypes
import datetime
import math
import os
import random
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402  (blocks numpy and pandas under --no-numpy)

HERE = os.path.dirname(os.path.abspath(__file__))

import cva  # noqa: E402
from cva import _convert, _lib  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None
try:
    import pandas as pd
except ImportError:
    pd = None
try:
    import sqlite3
    HAVE_SQLITE_NTILE = sqlite3.sqlite_version_info >= (3, 25, 0)
except ImportError:  # pragma: no cover
    sqlite3 = None
    HAVE_SQLITE_NTILE = False

NAN = float("nan")
KS = (1, 2, 3, 5, 7, 10, 37, 100)
SIZES = (0, 1, 2, 3, 4, 6, 9, 36, 99, 250, 3000)
METHODS = ("rank-first", "ntile", "value-cuts", "r-rfm")
FLOAT_EDGE = {"pandas rank-first": 0, "numpy value-cuts": 0, "pandas value-cuts": 0,
              "R quantile r-rfm": 0}
COMPARED = {}
EDGE_CASES = []


def tolist(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


def isnan(v):
    return isinstance(v, float) and math.isnan(v)


def count(key, n=1):
    COMPARED[key] = COMPARED.get(key, 0) + n


# ---------------------------------------------------------------------------
# Random data with heavy ties

def make_data(rng, n, nan_share=0.1, style=None):
    style = style if style is not None else rng.randrange(4)
    if style == 0:    # tiny ranges: very heavy ties
        rec = [float(rng.randrange(4)) for _ in range(n)]
        fr = [float(rng.randrange(1, 3)) for _ in range(n)]
        mon = [float(rng.choice((-5, 0, 10, 10, 20))) for _ in range(n)]
    elif style == 1:  # moderate ranges, half-units, negatives
        rec = [float(rng.randrange(60)) for _ in range(n)]
        fr = [float(rng.randrange(1, 12)) for _ in range(n)]
        mon = [rng.randrange(-100, 400) / 2.0 for _ in range(n)]
    elif style == 2:  # all equal
        rec = [7.0] * n
        fr = [3.0] * n
        mon = [-2.5] * n
    else:             # repeated blocks from a small pool of fractional values
        pool = [rng.uniform(-50, 500) for _ in range(5)]
        rec = [float(rng.randrange(365)) for _ in range(n)]
        fr = [float(rng.randrange(1, 40)) for _ in range(n)]
        mon = [rng.choice(pool) for _ in range(n)]
    for i in range(n):
        if rng.random() < nan_share:
            rec[i] = NAN
            fr[i] = 0.0
            mon[i] = rng.choice((0.0, -3.0))
    return rec, fr, mon


# ---------------------------------------------------------------------------
# Independent references (pure Python, from the text of docs/methods/rfm.md)

def ref_order(vals, descending=False):
    """Positions sorted by (value, customer order); DESC on value if asked."""
    idx = list(range(len(vals)))
    if descending:
        return sorted(idx, key=lambda i: (-vals[i], i))
    return sorted(idx, key=lambda i: (vals[i], i))


def ref_rank_first(vals, k):
    """docs/methods/rfm.md#methods_rfm_bins(a): bin_asc = 1 if p = 1 else ceil(k(p-1)/(m-1))."""
    m = len(vals)
    out = [0] * m
    for p0, i in enumerate(ref_order(vals)):
        p = p0 + 1
        out[i] = 1 if p == 1 else -((-k * (p - 1)) // (m - 1))
    return out


def ref_ntile(vals, k, descending=False):
    """T-SQL NTILE(k): the first m mod k groups hold one row more; rows are
    dealt out to tiles 1..k in order (tile t has size q+1 or q)."""
    m = len(vals)
    q, rho = divmod(m, k)
    sizes = [q + 1 if t < rho else q for t in range(k)]
    out = [0] * m
    order = ref_order(vals, descending)
    pos = 0
    for t, size in enumerate(sizes):
        for _ in range(size):
            out[order[pos]] = t + 1
            pos += 1
    assert pos == m
    return out


def q7_exact(sorted_vals, j, k):
    """Type-7 quantile at j/k with the integer lo/f rule of docs/methods/rfm.md."""
    m = len(sorted_vals)
    lo, fr = divmod((m - 1) * j, k)
    x1 = sorted_vals[lo]
    if fr == 0:
        return x1
    x2 = sorted_vals[min(lo + 1, m - 1)]
    return x1 + (fr / k) * (x2 - x1)


def ref_value_cuts(vals, k, r_rfm=False):
    s = sorted(vals)
    cuts = [q7_exact(s, j, k) + (1.0 if r_rfm else 0.0) for j in range(1, k)]
    if r_rfm:
        return [1 + sum(1 for c in cuts if v >= c) for v in vals], cuts
    return [1 + sum(1 for c in cuts if v > c) for v in vals], cuts


def r_quantile7(x, probs):
    """R's quantile.default(type = 7) (R >= 4.0.0, with its fuzz)."""
    n = len(x)
    s = sorted(x)
    eps = 2.220446049250313e-16
    out = []
    for p in probs:
        index = 1 + max(n - 1, 0) * p
        lo = math.floor(index + 4 * eps)
        hi = math.ceil(index - 4 * eps)
        qs = s[lo - 1]
        h = index - lo
        if index > lo and s[hi - 1] != qs:
            qs = (1 - h) * qs + h * s[hi - 1]
        out.append(qs)
    return out


def ref_r_rfm(vals, k):
    """R package rfm's bin helper: type-7 quantiles at j/k without the 0 and 1
    ones, plus 1; left-closed intervals [lower_i, upper_i) with
    lower = (min, c_1, ...), upper = (c_1, ..., max + 1); later intervals
    overwrite earlier ones, as in the R loop."""
    probs = [j / k for j in range(1, k)]
    c = [q + 1 for q in r_quantile7(vals, probs)]
    lower = [min(vals)] + c
    upper = c + [max(vals) + 1]
    out = [None] * len(vals)
    for i in range(k):
        for t, v in enumerate(vals):
            if lower[i] <= v < upper[i]:
                out[t] = i + 1
    return out, c


def ref_fixed(vals, cuts, closure):
    if closure == "left":
        return [1 + sum(1 for c in cuts if v >= c) for v in vals]
    return [1 + sum(1 for c in cuts if v > c) for v in vals]


def ref_scores(rec, fr, mon, k, method, fixed=None, closure="right"):
    """Expected (r, f, m) for the whole table: unscored rows (NaN recency) get 0."""
    keep = [i for i, v in enumerate(rec) if not isnan(v)]
    cols = [[rec[i] for i in keep], [fr[i] for i in keep], [mon[i] for i in keep]]
    res = []
    for c, vals in enumerate(cols):
        if not vals:
            b = []
        elif method == "rank-first":
            b = ref_rank_first(vals, k)
            b = [k + 1 - x for x in b] if c == 0 else b
        elif method == "ntile":
            b = ref_ntile(vals, k, descending=(c == 0))
        elif method == "value-cuts":
            b = ref_value_cuts(vals, k)[0]
            b = [k + 1 - x for x in b] if c == 0 else b
        elif method == "r-rfm":
            b = ref_value_cuts(vals, k, r_rfm=True)[0]
            b = [k + 1 - x for x in b] if c == 0 else b
        else:
            b = ref_fixed(vals, fixed[c], closure)
            b = [k + 1 - x for x in b] if c == 0 else b
        full = [0] * len(rec)
        for i, x in zip(keep, b):
            full[i] = x
        res.append(full)
    return res


def score(rec, fr, mon, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cva.CvaWarning)
        return cva.rfm_score(rec, fr, mon, **kw)


# ---------------------------------------------------------------------------

class TestBinding(unittest.TestCase):
    def test_struct_sizes(self):
        for cls in (cva.RfmOpts, cva.RfmCuts, cva.RfmRule, cva.RfmSegmentStat):
            self.assertEqual(cva.sizeof(cls), ctypes.sizeof(cls), cls.__name__)
        self.assertEqual(cva.sizeof("rfm_opts"), cva.sizeof(cva.STRUCT_RFM_OPTS))
        self.assertEqual(cva.sizeof("CVA_STRUCT_RFM_SEGMENT_STAT"),
                         ctypes.sizeof(cva.RfmSegmentStat))
        self.assertEqual([cva.STRUCT_RFM_OPTS, cva.STRUCT_RFM_CUTS, cva.STRUCT_RFM_RULE,
                          cva.STRUCT_RFM_SEGMENT_STAT], [7, 8, 9, 10])

    @unittest.skipUnless(ctypes.sizeof(ctypes.c_void_p) == 8, "LP64 layout")
    def test_sizes_lp64(self):
        # ... + alloc + executor (appended for issue [15])
        self.assertEqual(cva.sizeof(cva.STRUCT_RFM_OPTS), 8 * 4 + 3 * 8 + 3 * 8 + 8 + 8)
        self.assertEqual(cva.sizeof(cva.STRUCT_RFM_CUTS), 6 * 4 + 8 + 99 * 8 + 99 * 8 + 100 * 8)
        self.assertEqual(cva.sizeof(cva.STRUCT_RFM_RULE), 7 * 4)
        self.assertEqual(cva.sizeof(cva.STRUCT_RFM_SEGMENT_STAT), 2 * 4 + 8 + 6 * 8)

    def test_every_rfm_symbol_bound(self):
        lib = cva.library()
        sym = os.path.join(os.path.dirname(os.path.dirname(HERE)), "lib", "cva.sym")
        if not os.path.exists(sym):
            self.skipTest("lib/cva.sym not found")
        with open(sym) as f:
            names = [ln.strip().rstrip(";") for ln in f if ln.strip().startswith("cva_")]
        rfm = [nm for nm in names if nm.startswith("cva_rfm_") or nm == "cva_label"]
        self.assertGreaterEqual(len(rfm), 13)
        for nm in rfm:
            self.assertIn(nm, _lib.PROTOTYPES)
            fn = getattr(lib, nm)
            self.assertIsNotNone(fn.argtypes, nm)

    def test_defaults_and_low_level(self):
        o = cva.RfmOpts()
        self.assertEqual((o.bins, o.method, o.frequency, o.monetary, o.fixed_closure, o.kernel),
                         (5, 0, 0, 0, 0, 0))
        self.assertEqual((o.w_r, o.w_f, o.w_m), (1.0, 1.0, 1.0))
        self.assertGreater(cva.rfm_workspace_size(1000), 0)
        rules, n = cva.rfm_map_get(1)
        self.assertEqual(n, 11)
        self.assertEqual(rules[0].label, cva.RFM_SEG_CHAMPIONS)
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_map_get(99)

    def test_labels(self):
        self.assertEqual(cva.label(cva.RFM_SEG_CHAMPIONS), "Champions")
        self.assertEqual(cva.label(cva.RFM_SEG_CANT_LOSE), "Can't Lose Them")
        self.assertEqual(cva.label(0), "None")
        self.assertEqual(cva.label(1), "Others")
        self.assertEqual(cva.label(999), "")
        t = cva.rfm_segment_labels("rf10-grid")
        self.assertEqual(t[0], "None")
        self.assertEqual(len(t), 12)

    def test_label_registry(self):
        # ranges and codes pinned in cva/common.h (group "labels"), names from cva_label
        want = {100: "BZ", 101: "MVC", 102: "MGC", 103: "OTHER", 110: "KEY", 111: "ORDINARY",
                112: "SMALL", 120: "PLATINUM", 121: "GOLD", 122: "IRON", 123: "LEAD",
                200: "PROSPECT", 201: "CUSTOMER", 202: "CLIENT", 203: "SUPPORTER", 204: "ADVOCATE",
                205: "PARTNER", 206: "LAPSED"}
        consts = {cva.TIER_BZ: "BZ", cva.TIER_MVC: "MVC", cva.TIER_MGC: "MGC", cva.TIER_OTHER: "OTHER",
                  cva.TIER_KEY: "KEY", cva.TIER_ORDINARY: "ORDINARY", cva.TIER_SMALL: "SMALL",
                  cva.TIER_PLATINUM: "PLATINUM", cva.TIER_GOLD: "GOLD", cva.TIER_IRON: "IRON",
                  cva.TIER_LEAD: "LEAD", cva.LADDER_PROSPECT: "PROSPECT", cva.LADDER_CUSTOMER: "CUSTOMER",
                  cva.LADDER_CLIENT: "CLIENT", cva.LADDER_SUPPORTER: "SUPPORTER",
                  cva.LADDER_ADVOCATE: "ADVOCATE", cva.LADDER_PARTNER: "PARTNER", cva.LADDER_LAPSED: "LAPSED"}
        self.assertEqual(consts, want)
        for code in range(cva.LABEL_TIER_FIRST, cva.LABEL_LADDER_LAST + 1):
            self.assertEqual(cva.label(code), want.get(code, ""), code)
        for code in (cva.LABEL_RESERVED_FIRST, cva.LABEL_RESERVED_LAST, cva.LABEL_CUSTOM_FIRST, 13, 99, -1):
            self.assertEqual(cva.label(code), "", code)
        self.assertEqual((cva.LABEL_NONE, cva.LABEL_RFM_FIRST, cva.LABEL_RFM_LAST, cva.LABEL_TIER_FIRST,
                          cva.LABEL_TIER_LAST, cva.LABEL_LADDER_FIRST, cva.LABEL_LADDER_LAST,
                          cva.LABEL_RESERVED_FIRST, cva.LABEL_RESERVED_LAST, cva.LABEL_CUSTOM_FIRST),
                         (0, 1, 99, 100, 199, 200, 299, 300, 999, 1000))
        # names kept until 1.0
        self.assertEqual((cva.SEG_NONE, cva.SEG_CHAMPIONS, cva.SEG_LOST, cva.SEG_CUSTOM),
                         (cva.RFM_SEG_NONE, cva.RFM_SEG_CHAMPIONS, cva.RFM_SEG_LOST, cva.LABEL_CUSTOM_FIRST))
        self.assertEqual((cva.REFUND_NET, cva.REFUND_AS_ROW, cva.REFUND_EXCLUDE, cva.F_ZERO_NOT_PURCHASE,
                          cva.F_SKIP_INVALID, cva.TIME_CONTINUOUS, cva.TIME_PERIOD, cva.NO_REFERRER),
                         (cva.TXN_REFUND_NET, cva.TXN_REFUND_AS_ROW, cva.TXN_REFUND_EXCLUDE,
                          cva.TXN_F_ZERO_NOT_PURCHASE, cva.TXN_F_SKIP_INVALID, cva.TXN_TIME_CONTINUOUS,
                          cva.TXN_TIME_PERIOD, cva.TXN_NO_REFERRER))


class TestSpecVectors(unittest.TestCase):
    """docs/methods/rfm.md#methods_rfm_vectors (k = 5, customer order = list order) and docs/methods/rfm.md#methods_rfm_edge."""

    M = [10, 20, 20, 20, 50, 60, 70, 80, 90, 100]
    R = [5, 40, 40, 3, 120, 365, 0, 12, 40, 200]

    def col(self, values, method, which):
        z = [0.0] * len(values)
        if which == "r":
            return tolist(score(values, z, z, method=method).r)
        return tolist(score(z, values, values, method=method).m)

    def test_monetary(self):
        self.assertEqual(self.col(self.M, "rank-first", "m"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        self.assertEqual(self.col(self.M, "ntile", "m"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        self.assertEqual(self.col(self.M, "value-cuts", "m"), [1, 1, 1, 1, 3, 3, 4, 4, 5, 5])
        self.assertEqual(self.col(self.M, "r-rfm", "m"), [1, 1, 1, 1, 3, 3, 4, 4, 5, 5])
        z = [0.0] * 10
        self.assertEqual(score(z, self.M, self.M, method="value-cuts").cuts[2].values,
                         [20, 38, 64, 82])
        self.assertEqual(score(z, self.M, self.M, method="r-rfm").cuts[2].values,
                         [21, 39, 65, 83])

    def test_frequency(self):
        F = [1, 2, 3, 4, 5, 6, 7]
        self.assertEqual(self.col(F, "rank-first", "m"), [1, 1, 2, 3, 4, 5, 5])
        self.assertEqual(self.col(F, "ntile", "m"), [1, 1, 2, 2, 3, 4, 5])

    def test_recency(self):
        self.assertEqual(self.col(self.R, "rank-first", "r"), [4, 3, 3, 5, 2, 1, 5, 4, 2, 1])
        self.assertEqual(self.col(self.R, "ntile", "r"), [4, 2, 3, 5, 2, 1, 5, 4, 3, 1])
        self.assertEqual(self.col(self.R, "value-cuts", "r"), [4, 3, 3, 5, 2, 1, 5, 4, 3, 1])
        self.assertEqual(self.col(self.R, "r-rfm", "r"), [5, 3, 3, 5, 2, 1, 5, 4, 3, 1])
        z = [0.0] * 10
        c = score(self.R, z, z, method="value-cuts").cuts[0].values
        for got, want in zip(c, [4.6, 28.8, 40, 136]):
            self.assertAlmostEqual(got, want, places=12)
        c = score(self.R, z, z, method="r-rfm").cuts[0].values
        for got, want in zip(c, [5.6, 29.8, 41, 137]):
            self.assertAlmostEqual(got, want, places=12)

    def test_all_equal(self):
        E = [7, 7, 7, 7]
        self.assertEqual(self.col(E, "rank-first", "m"), [1, 2, 4, 5])
        self.assertEqual(self.col(E, "ntile", "m"), [1, 2, 3, 4])
        self.assertEqual(self.col(E, "value-cuts", "m"), [1, 1, 1, 1])
        self.assertEqual(self.col(E, "r-rfm", "m"), [1, 1, 1, 1])
        self.assertEqual(self.col(E, "value-cuts", "r"), [5, 5, 5, 5])

    def test_single_customer(self):
        for method in ("rank-first", "value-cuts", "r-rfm"):
            s = score([3.0], [2.0], [9.0], method=method)
            self.assertEqual([tolist(a) for a in s], [[5], [1], [1]], method)
        s = score([3.0], [2.0], [9.0], method="ntile")
        self.assertEqual([tolist(a) for a in s], [[1], [1], [1]])

    def test_k1(self):
        for method in METHODS:
            s = score([1.0, 2, 2, NAN], [1.0, 1, 5, 0], [-3.0, 9, 9, 0], bins=1, method=method)
            self.assertEqual([tolist(a) for a in s], [[1, 1, 1, 0]] * 3, method)

    def test_status_and_cuts(self):
        s = score([1.0, 2, 3], [1.0, 1, 1], [1.0, 2, 3], method="rank-first")
        self.assertEqual(s.status, cva.W_TIES)
        self.assertTrue(s.ties_split)
        self.assertTrue(s.cuts[1].ties_split)
        self.assertFalse(s.cuts[2].ties_split)
        s = score([1.0, 2, 3], [1.0, 1, 1], [1.0, 2, 3], method="value-cuts")
        self.assertEqual(s.status, 0)
        self.assertEqual(s.cuts[1].counts, [3, 0, 0, 0, 0])
        self.assertEqual(s.cuts[0].counts, [1, 0, 1, 0, 1])  # recency reversed
        self.assertEqual(s.scored, 3)
        self.assertEqual(s.method, "value-cuts")
        self.assertIsNone(s.cuts[1].index[0])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            cva.rfm_score([1.0, 2, 3], [1.0, 1, 1], [1.0, 2, 3])
            self.assertEqual(len(w), 0)  # W_TIES is not warned by default
            cva.rfm_score([1.0, 2, 3], [1.0, 1, 1], [1.0, 2, 3], warn_ties=True)
            self.assertEqual(len(w), 1)
            self.assertEqual(w[0].category, cva.CvaWarning)
            s = cva.rfm_score([], [], [])
            self.assertEqual(s.status, cva.W_EMPTY)
            self.assertEqual(len(s.r), 0)
            s = cva.rfm_score([NAN, NAN], [1.0, 2], [1.0, 2])
            self.assertEqual(s.status, cva.W_EMPTY)
            self.assertEqual(tolist(s.r) + tolist(s.f), [0, 0, 0, 0])


class TestParityRandom(unittest.TestCase):
    """Every method against the independent references on random tied data."""

    def run_cases(self, method, seeds=3, check=None):
        rng = random.Random(sum(map(ord, method)))
        for n in SIZES:
            for k in KS:
                for seed in range(seeds if n < 1000 else 1):
                    rec, fr, mon = make_data(rng, n, style=seed % 4 if n > 3 else None)
                    got = score(rec, fr, mon, bins=k, method=method)
                    want = ref_scores(rec, fr, mon, k, method)
                    for c, name in enumerate("rfm"):
                        self.assertEqual(tolist(got[c]), want[c],
                                         "%s %s n=%d k=%d seed=%d" % (method, name, n, k, seed))
                    count("%s vs the independent reference" % method, 3)
                    if check:
                        check(rec, fr, mon, k, got)

    def test_rank_first(self):
        self.run_cases("rank-first", check=self.pandas_rank_first if pd is not None else None)

    def pandas_rank_first(self, rec, fr, mon, k, got):
        keep = [i for i, v in enumerate(rec) if not isnan(v)]
        m = len(keep)
        if m < 2:  # pandas raises for one value (docs/methods/rfm.md#methods_rfm_bins(a)); nothing to compare for 0
            if m == 1:
                with self.assertRaises(ValueError):
                    pd.qcut(pd.Series([1.0]).rank(method="first"), max(k, 2),
                            labels=range(1, max(k, 2) + 1))
            return
        for c, vals in enumerate((rec, fr, mon)):
            s = pd.Series([vals[i] for i in keep])
            rk = s.rank(method="first")
            labels = list(range(k, 0, -1)) if c == 0 else list(range(1, k + 1))
            pb, edges = pd.qcut(rk, k, labels=labels, retbins=True)
            pb = [int(x) for x in pb]
            ours = [tolist(got[c])[i] for i in keep]
            for t in range(m):
                if pb[t] != ours[t]:
                    # explained only by the float edge: rank p lies exactly on the
                    # exact edge 1 + (m-1)j/k but numpy's edge is off by ulps
                    p = int(rk.iloc[t])
                    js = [j for j in range(1, k) if (p - 1) * k == (m - 1) * j]
                    self.assertTrue(js and edges[js[0]] != p,
                                    "pandas rank-first mismatch m=%d k=%d p=%d" % (m, k, p))
                    FLOAT_EDGE["pandas rank-first"] += 1
                    EDGE_CASES.append("pandas rank-first k=%d m=%d rank p=%d: pandas edge %r"
                                      % (k, m, p, edges[js[0]]))
            count("rank-first vs pandas qcut(rank(first))", 3)

    def test_ntile(self):
        self.run_cases("ntile", check=self.sqlite_ntile if HAVE_SQLITE_NTILE else None)

    def sqlite_ntile(self, rec, fr, mon, k, got):
        keep = [i for i, v in enumerate(rec) if not isnan(v)]
        con = sqlite3.connect(":memory:")
        con.execute("create table t (id integer, r real, f real, m real)")
        con.executemany("insert into t values (?, ?, ?, ?)",
                        [(i, rec[i], fr[i], mon[i]) for i in keep])
        q = ("select id, ntile(%d) over (order by r desc, id), ntile(%d) over (order by f, id), "
             "ntile(%d) over (order by m, id) from t order by id" % (k, k, k))
        rows = con.execute(q).fetchall()
        con.close()
        for c in range(3):
            self.assertEqual([row[c + 1] for row in rows], [tolist(got[c])[i] for i in keep],
                             "sqlite NTILE k=%d col %d" % (k, c))
        count("ntile vs sqlite3 NTILE", 3)

    def test_value_cuts(self):
        self.run_cases("value-cuts", check=self.numpy_value_cuts if np is not None else None)

    def numpy_value_cuts(self, rec, fr, mon, k, got):
        keep = [i for i, v in enumerate(rec) if not isnan(v)]
        if not keep:
            return
        for c, vals in enumerate((rec, fr, mon)):
            v = np.array([vals[i] for i in keep])
            cuts = np.quantile(v, [j / k for j in range(1, k)])
            b = 1 + (v[:, None] > cuts[None, :]).sum(axis=1) if k > 1 else np.ones(len(v), int)
            if c == 0:
                b = k + 1 - b
            ours = np.array([tolist(got[c])[i] for i in keep])
            bad = np.nonzero(b != ours)[0]
            if bad.size:
                # float edge: a value equal to an exact grid cut that numpy misses
                s = sorted(v.tolist())
                exact = [q7_exact(s, j, k) for j in range(1, k)]
                for t in bad:
                    self.assertTrue(any(v[t] == e and cuts[j] != e for j, e in enumerate(exact)),
                                    "numpy value-cuts mismatch k=%d value=%r" % (k, v[t]))
                FLOAT_EDGE["numpy value-cuts"] += int(bad.size)
                EDGE_CASES.append("numpy value-cuts k=%d m=%d: %d value(s)" % (k, len(v), bad.size))
            count("value-cuts vs numpy.quantile bins", 3)
            if pd is not None and c > 0 and k > 1 and len(np.unique(cuts)) == k - 1 \
                    and cuts[0] > v.min():
                # no duplicate edges: pandas qcut (duplicates="drop") needs no relabelling
                pb, edges = pd.qcut(pd.Series(v), k, labels=False, duplicates="drop",
                                    retbins=True)
                pb = (pb + 1).tolist()
                s = sorted(v.tolist())
                exact = [q7_exact(s, j, k) for j in range(1, k)]
                for t in range(len(v)):
                    if pb[t] != ours[t]:
                        # pandas takes p from np.linspace(0, 1, k+1), which can be an ulp
                        # off j/k: explained when the value sits on an exact grid cut
                        js = [j for j in range(k - 1) if v[t] == exact[j] != edges[j + 1]]
                        self.assertTrue(js, "pandas qcut mismatch k=%d value=%r" % (k, v[t]))
                        FLOAT_EDGE["pandas value-cuts"] += 1
                        EDGE_CASES.append("pandas qcut k=%d m=%d value=%r: pandas edge %r, "
                                          "exact cut %r" % (k, len(v), v[t], edges[js[0] + 1],
                                                            exact[js[0]]))
                count("value-cuts vs pandas qcut(duplicates=drop)", 1)

    def test_r_rfm(self):
        def check(rec, fr, mon, k, got):
            keep = [i for i, v in enumerate(rec) if not isnan(v)]
            if not keep:
                return
            for c, vals in enumerate((rec, fr, mon)):
                v = [vals[i] for i in keep]
                b, cuts = ref_r_rfm(v, k)
                if c == 0:
                    b = [k + 1 - x for x in b]
                ours = [tolist(got[c])[i] for i in keep]
                for t in range(len(v)):
                    if b[t] != ours[t]:
                        ex = ref_value_cuts(v, k, r_rfm=True)[1]
                        bad = [(j, cuts[j], ex[j]) for j in range(k - 1) if cuts[j] != ex[j]
                               and min(cuts[j], ex[j]) <= v[t] <= max(cuts[j], ex[j])]
                        self.assertTrue(bad, "R rfm mismatch k=%d value=%r R=%d ours=%d"
                                        % (k, v[t], b[t], ours[t]))
                        EDGE_CASES.append("R rfm k=%d m=%d value=%r: R cut %r, exact cut %r"
                                          % (k, len(v), v[t], bad[0][1], bad[0][2]))
                        FLOAT_EDGE["R quantile r-rfm"] += 1
                count("r-rfm vs R helper reimplementation", 3)
        self.run_cases("r-rfm", check=check)

    def test_fixed(self):
        rng = random.Random(5)
        for n in SIZES:
            rec, fr, mon = make_data(rng, n, style=1)
            for closure in ("right", "left"):
                cuts = {"r": [7, 14, 30, 30], "f": [1, 2, 4, 8], "m": [-10, 0, 50.5, 100]}
                got = score(rec, fr, mon, method="fixed", fixed_cuts=cuts, closure=closure)
                want = ref_scores(rec, fr, mon, 5, "fixed",
                                  fixed=[cuts["r"], cuts["f"], cuts["m"]], closure=closure)
                self.assertEqual([tolist(a) for a in got], want, "fixed %s n=%d" % (closure, n))
                count("fixed cuts vs reference", 3)
        s = score([10.0, 45, 100, 200], [1.0] * 4, [1.0] * 4, bins=3, method="fixed",
                  fixed_cuts=([30, 90], [1, 2], [1, 2]))
        self.assertEqual(tolist(s.r), [3, 2, 1, 1])
        self.assertEqual(tolist(s.f), [1] * 4)

    def test_kernels_identical(self):
        rng = random.Random(11)
        for n in (0, 1, 5, 17, 1000, 4099):
            rec, fr, mon = make_data(rng, n)
            for k in KS:
                for method in METHODS:
                    a = score(rec, fr, mon, bins=k, method=method, kernel="auto")
                    b = score(rec, fr, mon, bins=k, method=method, kernel="scalar")
                    self.assertEqual([tolist(x) for x in a], [tolist(x) for x in b])
                    self.assertEqual([c.counts for c in a.cuts], [c.counts for c in b.cuts])

    def test_large(self):
        rng = random.Random(3)
        n = 20000
        rec, fr, mon = make_data(rng, n, style=0)
        for method in METHODS:
            got = score(rec, fr, mon, bins=10, method=method)
            want = ref_scores(rec, fr, mon, 10, method)
            self.assertEqual([tolist(a) for a in got], want, method)
            count("%s vs the independent reference" % method, 3)


class TestIds(unittest.TestCase):
    def test_ids_order_tie_break(self):
        rng = random.Random(8)
        for n in (0, 1, 7, 50, 999):
            rec, fr, mon = make_data(rng, n, style=0)
            ids = rng.sample(range(10 * n + 1), n)
            order = sorted(range(n), key=lambda i: ids[i])
            for method in METHODS:
                got = score(rec, fr, mon, method=method, ids=ids)
                srt = score([rec[i] for i in order], [fr[i] for i in order],
                            [mon[i] for i in order], method=method)
                for c in range(3):
                    back = [0] * n
                    for p, i in enumerate(order):
                        back[i] = tolist(srt[c])[p]
                    self.assertEqual(tolist(got[c]), back, "%s n=%d" % (method, n))
        # already sorted ids: no permutation
        s = score([1.0, 2], [1.0, 1], [1.0, 1], ids=[3, 9])
        self.assertIsNone(s.order)

    def test_text_ids(self):
        s = score([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [5.0, 5.0, 5.0], bins=3,
                  ids=["c", "a", "b"])
        self.assertEqual(tolist(s.f), [3, 1, 2])

    @unittest.skipIf(pd is None, "pandas not available")
    def test_pandas_idiom_with_ids(self):
        rng = random.Random(4)
        n = 400
        rec, fr, mon = make_data(rng, n, nan_share=0.0, style=1)
        ids = rng.sample(range(100000), n)
        df = pd.DataFrame({"id": ids, "r": rec, "f": fr, "m": mon}).sort_values("id")
        want_r = pd.qcut(df.r.rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
        want_f = pd.qcut(df.f.rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
        got = cva.rfm_score(rec, fr, mon, ids=ids)
        self.assertEqual(tolist(got.r), want_r.sort_index().tolist())
        self.assertEqual(tolist(got.f), want_f.sort_index().tolist())

    def test_error_index_maps_back(self):
        rec = [1.0, 2.0, 3.0, 4.0]
        mon = [1.0, 2.0, float("inf"), 4.0]
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_score(rec, [1.0] * 4, mon, ids=[40, 30, 20, 10])
        self.assertEqual(cm.exception.index, 2)
        self.assertEqual(cm.exception.column, "monetary")


class TestChunks(unittest.TestCase):
    def test_chunked_equals_one_call(self):
        rng = random.Random(21)
        for n in (0, 1, 10, 257, 5000):
            rec, fr, mon = make_data(rng, n)
            for method in METHODS:
                for k in (1, 3, 5, 37):
                    for col, direction in ((rec, "recency"), (fr, "ascending"),
                                           (mon, "ascending")):
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", cva.CvaWarning)
                            cuts = cva.rfm_cuts(col, bins=k, method=method, direction=direction)
                        whole = tolist(cva.rfm_assign(col, cuts.copy().reset_counts()))
                        cuts.reset_counts()
                        pieces, pos = [], 0
                        while pos < n:
                            ln = rng.randrange(1, 700)
                            pieces += tolist(cva.rfm_assign(col[pos:pos + ln], cuts, offset=pos,
                                                            kernel=rng.choice(("auto", "scalar"))))
                            pos += ln
                        self.assertEqual(pieces, whole, "%s k=%d n=%d" % (method, k, n))
                        hist = [pieces.count(s) for s in range(1, k + 1)]
                        self.assertEqual(cuts.counts, hist)

    def test_cuts_match_score(self):
        # masking F and M where recency is NaN reproduces rfm_score exactly
        rng = random.Random(22)
        rec, fr, mon = make_data(rng, 3000, style=1)
        fm = [NAN if isnan(r) else v for r, v in zip(rec, fr)]
        mm = [NAN if isnan(r) else v for r, v in zip(rec, mon)]
        for method in METHODS:
            s = score(rec, fr, mon, bins=7, method=method)
            for col, d, want, sc in ((rec, "recency", s.r, s.cuts[0]),
                                     (fm, "ascending", s.f, s.cuts[1]),
                                     (mm, "ascending", s.m, s.cuts[2])):
                c = cva.rfm_cuts(col, bins=7, method=method, direction=d)
                self.assertEqual(c.values, sc.values)
                self.assertEqual(c.index, sc.index)
                self.assertEqual(tolist(cva.rfm_assign(col, c)), tolist(want))
                self.assertEqual(c.counts, sc.counts)

    def test_fixed_cuts_single_column(self):
        c = cva.rfm_cuts([5.0, 30, 31, 90, 200], method="fixed", fixed_cuts=[30, 60, 90, 180],
                         direction="recency")
        self.assertEqual(tolist(cva.rfm_assign([5.0, 30, 31, 90, 200], c)), [5, 5, 4, 3, 1])
        c = cva.rfm_cuts([5.0, 30, 31, 90, 200], method="fixed", fixed_cuts=[30, 60, 90, 180],
                         closure="left")
        self.assertEqual(tolist(cva.rfm_assign([5.0, 30, 31, 90, 200], c)), [1, 2, 2, 4, 5])


# ---------------------------------------------------------------------------
# Segments

MAP_HEBBALI = [  # label, R, F, M (docs/methods/rfm.md#methods_rfm_maps, published order)
    ("Champions", (4, 5), (4, 5), (4, 5)),
    ("Loyal Customers", (2, 5), (3, 5), (3, 5)),
    ("Potential Loyalist", (3, 5), (1, 3), (1, 3)),
    ("New Customers", (4, 5), (1, 1), (1, 1)),
    ("Promising", (3, 4), (1, 1), (1, 1)),
    ("Need Attention", (2, 3), (2, 3), (2, 3)),
    ("About To Sleep", (2, 3), (1, 2), (1, 2)),
    ("At Risk", (1, 2), (2, 5), (2, 5)),
    ("Can't Lose Them", (1, 1), (4, 5), (4, 5)),
    ("Hibernating", (1, 2), (1, 2), (1, 2)),
    ("Lost", (1, 2), (1, 2), (1, 2)),
]
MAP_SPECIFIC_ORDER = ["New Customers", "Promising", "Can't Lose Them", "Champions",
                       "Loyal Customers", "Potential Loyalist", "Need Attention",
                       "About To Sleep", "At Risk", "Hibernating", "Lost"]
MAP_RF10 = [  # label, R, F (M free)
    ("Hibernating", (1, 2), (1, 2)), ("At Risk", (1, 2), (3, 4)),
    ("Can't Lose Them", (1, 2), (5, 5)), ("About To Sleep", (3, 3), (1, 2)),
    ("Need Attention", (3, 3), (3, 3)), ("Loyal Customers", (3, 4), (4, 5)),
    ("Promising", (4, 4), (1, 1)), ("New Customers", (5, 5), (1, 1)),
    ("Potential Loyalist", (4, 5), (2, 3)), ("Champions", (5, 5), (4, 5)),
]


def spec_map(name):
    if name == "rfm11-hebbali":
        return MAP_HEBBALI
    if name == "rfm11-specific-first":
        d = {r[0]: r for r in MAP_HEBBALI}
        return [d[x] for x in MAP_SPECIFIC_ORDER]
    return [(lab, r, f, (1, 5)) for lab, r, f in MAP_RF10]


def first_match(rules, r, f, m):
    if 0 in (r, f, m):
        return "None"
    for lab, rr, ff, mm in rules:
        if rr[0] <= r <= rr[1] and ff[0] <= f <= ff[1] and mm[0] <= m <= mm[1]:
            return lab
    return "Others"


CELLS = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


class TestSegments(unittest.TestCase):
    CELL_COUNTS = {
        "rfm11-hebbali": {"Champions": 8, "Loyal Customers": 28, "Potential Loyalist": 24,
                          "Need Attention": 3, "About To Sleep": 3, "At Risk": 20,
                          "Hibernating": 3, "Others": 36},
        "rfm11-specific-first": {"Champions": 8, "Loyal Customers": 28,
                                 "Potential Loyalist": 21, "New Customers": 2, "Promising": 1,
                                 "Need Attention": 3, "About To Sleep": 3, "At Risk": 16,
                                 "Can't Lose Them": 4, "Hibernating": 3, "Others": 36},
    }

    def test_map_check_spec_counts(self):
        for name, want in self.CELL_COUNTS.items():
            chk = cva.rfm_map_check(name)
            got = {lab: c for lab, c in chk.label_cells.items() if c}
            self.assertEqual(got, want, name)
            self.assertFalse(chk.ok)
            self.assertEqual(chk.status, cva.W_MAP)
            self.assertEqual(chk.uncovered, 36)
        heb = cva.rfm_map_check("rfm11-hebbali")
        self.assertEqual(heb.unreachable, 4)
        self.assertEqual(sorted(heb.unreachable_labels),
                         sorted(["New Customers", "Promising", "Can't Lose Them", "Lost"]))
        self.assertEqual(heb.shadowed, 4)
        sf = cva.rfm_map_check("rfm11-specific-first")
        self.assertEqual(sf.unreachable_labels, ["Lost"])
        grid = cva.rfm_map_check("rf10-grid")
        self.assertTrue(grid.ok)
        self.assertEqual((grid.uncovered, grid.shadowed, grid.unreachable), (0, 0, 0))
        self.assertEqual(sum(grid.rule_cells), 125)
        self.assertEqual(len(grid.label_cells), 10)
        self.assertTrue(cva.rfm_map_check(None).ok)  # default map

    def test_maps_against_spec_tables(self):
        r = [c[0] for c in CELLS] + [0, 3]
        f = [c[1] for c in CELLS] + [2, 0]
        m = [c[2] for c in CELLS] + [2, 2]
        for name in ("rf10-grid", "rfm11-hebbali", "rfm11-specific-first"):
            seg = cva.rfm_segment(r, f, m, segments=name)
            want = [first_match(spec_map(name), *c) for c in zip(r, f, m)]
            self.assertEqual(tolist(seg.labels), want, name)
            # the same table as a custom rule list (text labels) gives the same codes
            seg2 = cva.rfm_segment(r, f, m, segments=spec_map(name))
            self.assertEqual(tolist(seg2.codes), tolist(seg.codes), name)
            chk = cva.rfm_map_check(spec_map(name))
            self.assertEqual(chk.rule_cells, cva.rfm_map_check(name).rule_cells)
        default = cva.rfm_segment(r, f, m)
        self.assertEqual(tolist(default.codes),
                         tolist(cva.rfm_segment(r, f, m, segments="RF10_GRID").codes))

    def test_custom_rules(self):
        rules = [("VIP", (4, 5), (4, 5), None), {"label": "Sleepers", "r": 1},
                 ("Champions", 5, 5, 5), (2000, (1, 3), None, None)]
        seg = cva.rfm_segment([5, 1, 5, 3, 4, 0], [5, 3, 1, 1, 1, 1], [5, 1, 1, 1, 1, 1],
                              segments=rules)
        self.assertEqual(tolist(seg.labels), ["VIP", "Sleepers", "Others", "2000", "Others",
                                              "None"])
        self.assertEqual(tolist(seg.codes)[:2], [cva.LABEL_CUSTOM_FIRST, cva.LABEL_CUSTOM_FIRST + 1])
        chk = cva.rfm_map_check(rules)
        self.assertEqual(chk.shadowed_rules, [2])        # Champions 5/5/5 is inside VIP
        self.assertEqual(chk.unreachable_labels, ["Champions"])
        # custom maps work with any k
        seg = cva.rfm_segment([1, 7], [7, 1], [3, 3], segments=[("Top", 7, None, None)],
                              bins=7)
        self.assertEqual(tolist(seg.labels), ["Others", "Top"])
        self.assertTrue(cva.rfm_map_check([("all", None, None, None)], k=7).ok)

    def test_segment_errors(self):
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_segment([1], [1], [1], segments="rfm11-hebbali", bins=3)
        with self.assertRaises(cva.OptionError):
            cva.rfm_segment([1], [1], [1], segments="no-such-map")
        with self.assertRaises(cva.BadArgumentError) as cm:
            cva.rfm_segment([1, 6], [1, 1], [1, 1])
        self.assertEqual(cm.exception.index, 1)
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_map_check([("x", (3, 2), None, None)])


class TestComposite(unittest.TestCase):
    def test_composite(self):
        c = cva.rfm_composite([5, 1, 0], [4, 2, 3], [3, 3, 3])
        self.assertEqual(tolist(c.cell), [543, 123, 0])
        w = tolist(c.weighted)
        self.assertEqual(w[:2], [4.0, 2.0])
        self.assertTrue(math.isnan(w[2]))
        self.assertEqual(tolist(c.fm)[:2], [3.5, 2.5])
        c = cva.rfm_composite([10, 1], [3, 2], [7, 10], bins=10, weights=(2, 1, 1))
        self.assertEqual(tolist(c.cell), [(10 * 11 + 3) * 11 + 7, (1 * 11 + 2) * 11 + 10])
        self.assertEqual(tolist(c.weighted), [7.5, 3.5])
        with self.assertRaises(cva.OptionError):
            cva.rfm_composite([1], [1], [1], weights=(0, 0, 0))
        with self.assertRaises(cva.BadArgumentError) as cm:
            cva.rfm_composite([1, 6], [1, 1], [1, 1])
        self.assertEqual(cm.exception.index, 1)


def pure_report(seg, r, f, m, rev):
    n = len(seg)
    total = sum(rev)
    out = {}
    for code in sorted(set(seg)):
        rows = [i for i in range(n) if seg[i] == code]
        rv = math.fsum(rev[i] for i in rows)
        out[code] = dict(count=len(rows), share=len(rows) / n,
                         mean_r=sum(r[i] for i in rows) / len(rows),
                         mean_f=sum(f[i] for i in rows) / len(rows),
                         mean_m=sum(m[i] for i in rows) / len(rows), revenue=rv,
                         revenue_share=rv / total if total else NAN)
    return out


class TestReport(unittest.TestCase):
    def setUp(self):
        rng = random.Random(31)
        self.rec, self.fr, self.mon = make_data(rng, 2000, style=1)
        self.s = score(self.rec, self.fr, self.mon)
        self.seg = cva.rfm_segment(*self.s, segments="rfm11-hebbali")
        self.rep = cva.rfm_report(self.seg, *self.s, revenue=self.mon)

    def test_against_pure_python(self):
        want = pure_report(tolist(self.seg.codes), tolist(self.s.r), tolist(self.s.f),
                           tolist(self.s.m), self.mon)
        self.assertEqual([row["label"] for row in self.rep], sorted(want))
        for row in self.rep:
            w = want[row["label"]]
            self.assertEqual(row["count"], w["count"])
            for key in ("share", "mean_r", "mean_f", "mean_m", "revenue", "revenue_share"):
                self.assertAlmostEqual(row[key], w[key], places=9, msg=key)
            self.assertEqual(row["segment"], cva.label(row["label"]))
        self.assertEqual(sum(row["count"] for row in self.rep), 2000)

    @unittest.skipIf(pd is None, "pandas not available")
    def test_against_pandas_groupby(self):
        df = pd.DataFrame({"segment": tolist(self.seg.labels), "r": tolist(self.s.r),
                           "f": tolist(self.s.f), "m": tolist(self.s.m), "rev": self.mon})
        g = df.groupby("segment").agg(count=("r", "size"), mean_r=("r", "mean"),
                                      mean_f=("f", "mean"), mean_m=("m", "mean"),
                                      revenue=("rev", "sum"))
        g["share"] = g["count"] / len(df)
        g["revenue_share"] = g["revenue"] / df.rev.sum()
        got = self.rep.to_pandas().set_index("segment")
        self.assertEqual(sorted(got.index), sorted(g.index))
        for col in ("count", "share", "mean_r", "mean_f", "mean_m", "revenue", "revenue_share"):
            for seg in g.index:
                self.assertAlmostEqual(float(got.loc[seg, col]), float(g.loc[seg, col]),
                                       places=9, msg="%s %s" % (seg, col))

    def test_codes_and_errors(self):
        rep = cva.rfm_report(self.seg.codes, *self.s)
        self.assertEqual([r["count"] for r in rep], [r["count"] for r in self.rep])
        self.assertTrue(all(r["revenue"] == 0 and math.isnan(r["revenue_share"]) for r in rep))
        custom = cva.rfm_segment([5, 1], [5, 1], [5, 1], segments=[("VIP", 5, 5, 5)])
        rep = cva.rfm_report(custom, [5, 1], [5, 1], [5, 1], revenue=[10.0, 30.0])
        self.assertEqual([(r["segment"], r["revenue_share"]) for r in rep],
                         [("Others", 0.75), ("VIP", 0.25)])
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_report([1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], revenue=[1.0, NAN, 1.0])
        self.assertEqual(cm.exception.index, 1)
        self.assertEqual(list(cva.rfm_report([], [], [], [])), [])


class TestRawAndSummary(unittest.TestCase):
    def test_rfm_raw(self):
        raw = cva.rfm_raw(100.0, [90.0, NAN, 40.0], [3, 0, 1], [30.0, -5.0, 7.0],
                          n_occ=[2, 0, 1], monetary_value=[12.0, 0.0, 0.0])
        self.assertEqual(tolist(raw.recency)[0::2], [10.0, 60.0])
        self.assertTrue(math.isnan(tolist(raw.recency)[1]))
        self.assertEqual(tolist(raw.frequency), [3.0, 0.0, 1.0])
        self.assertEqual(tolist(raw.monetary), [30.0, -5.0, 7.0])
        raw = cva.rfm_raw(100.0, [90.0, NAN, 40.0], [3, 0, 1], [30.0, -5.0, 7.0],
                          n_occ=[2, 0, 1], monetary_value=[12.0, 0.0, 0.0],
                          frequency="repeat", monetary="repeat-mean")
        self.assertEqual(tolist(raw.frequency)[0::2], [1.0, 0.0])
        self.assertEqual(tolist(raw.monetary)[0::2], [12.0, 0.0])
        raw = cva.rfm_raw("1970-01-11", [5.0], [2], [10.0], monetary="mean")
        self.assertEqual((tolist(raw.recency), tolist(raw.monetary)), ([5.0], [5.0]))
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_raw(100.0, [1.0], [1], [1.0], frequency="occasions")  # needs n_occ
        with self.assertRaises(cva.BadArgumentError) as cm:
            cva.rfm_raw(10.0, [1.0, 20.0], [1, 1], [1.0, 1.0])  # purchase after the end
        self.assertEqual(cm.exception.index, 1)
        with self.assertRaises(cva.OptionError):
            cva.rfm_raw(10.0, [1.0], [1], [1.0], monetary="median")

    def test_from_summary(self):
        ids = [3, 1, 3, 2, 1, 4, 3]
        t = [1.0, 2.0, 5.0, 7.0, 7.5, 3.0, 9.0]
        amt = [10.0, 5.0, 20.0, 8.0, 1.0, -4.0, 30.0]
        res = cva.summarize(ids, t, amt)
        raw = cva.rfm_from_summary(res)
        self.assertEqual(raw.end, 9.0)
        self.assertEqual(tolist(raw.customer_id), [1, 2, 3, 4])
        rec = tolist(raw.recency)
        self.assertEqual(rec[:3], [1.5, 2.0, 0.0])
        self.assertTrue(math.isnan(rec[3]))          # only a refund: unscored
        self.assertEqual(tolist(raw.frequency)[:3], [2.0, 1.0, 3.0])
        self.assertEqual(tolist(raw.monetary), [6.0, 8.0, 60.0, -4.0])
        s = cva.rfm_score(*raw, bins=3)
        self.assertEqual(tolist(s.r)[3], 0)
        self.assertEqual(tolist(cva.rfm_segment(*s, segments=[("all", None, None, None)],
                                                bins=3).labels)[3], "None")
        raw2 = cva.rfm_from_summary(res, end=20, frequency="occasions", monetary="mean")
        self.assertEqual(tolist(raw2.recency)[:3], [12.5, 13.0, 11.0])
        self.assertEqual(tolist(raw2.monetary)[:3], [3.0, 8.0, 20.0])
        res = cva.summarize(ids, t, amt, calibration_end=6.0)
        self.assertEqual(cva.rfm_from_summary(res).end, 6.0)
        res = cva.summarize(ids, t, amt, fields=["n_txn"])
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_from_summary(res)
        with self.assertRaises(cva.BadArgumentError):   # a plain mapping carries no end
            cva.rfm_from_summary(cva.summarize(ids, t, amt).to_dict())
        self.assertEqual(tolist(cva.rfm_from_summary(cva.summarize(ids, t, amt).to_dict(), end=9.0).recency)[:3],
                         rec[:3])

    def test_from_summary_end_is_the_library_end(self):
        # The latest row is a refund, so no customer bought on the end date: the end used to
        # be recovered as max(last_t + days_since_last) = 6874.826 + 8850.954 =
        # 15725.780000000002, one ulp past the end (docs/methods/summaries.md#methods_window: the latest valid row, refunds
        # included, i.e. 15725.78, what the library and `cva rfm` use).
        ids, t, amt = [1, 2, 1, 2], [6874.826, 50.0, 100.0, 15725.78], [5.0, 7.0, 3.0, -7.0]
        res = cva.summarize(ids, t, amt)
        self.assertEqual((res.obs_end, res.calibration_end), (15725.78, 15725.78))
        self.assertIsNone(res.obs_end_date)
        self.assertGreater(tolist(res.last_t)[0] + tolist(res.days_since_last)[0], 15725.78)
        raw = cva.rfm_from_summary(res)
        self.assertEqual(raw.end, 15725.78)
        self.assertEqual(tolist(raw.recency), tolist(res.days_since_last))  # the RFM recency
        # only refunds: nobody is scored, the end is still the latest row (was 0.0)
        res = cva.summarize([1, 2], [3.0, 8.0], [-1.0, -2.0])
        self.assertEqual(res.obs_end, 8.0)
        self.assertEqual(cva.rfm_from_summary(res).end, 8.0)
        # dates: the ends also as datetimes; a calibration end; an explicit end; no rows
        res = cva.summarize([1, 1, 2], ["2024-01-01", "2024-02-01", "2024-03-01"], [5.0, 6.0, -1.0],
                            calibration_end="2024-01-15")
        e, c = cva.to_days("2024-03-01"), cva.to_days("2024-01-15")
        self.assertEqual((res.obs_end, res.calibration_end), (e, c))
        self.assertEqual((res.obs_end_date, res.calibration_end_date),
                         (datetime.datetime(2024, 3, 1), datetime.datetime(2024, 1, 15)))
        self.assertEqual(cva.rfm_from_summary(res).end, c)
        res = cva.summarize([1], [3.0], [1.0], end=10.0)
        self.assertEqual((res.obs_end, res.calibration_end), (10.0, 10.0))
        res = cva.summarize([], [], [])
        self.assertTrue(math.isnan(res.obs_end) and math.isnan(res.calibration_end))
        self.assertEqual(len(cva.rfm_from_summary(res).recency), 0)

    def test_high_influence(self):
        flags = cva.rfm_high_influence([1, 0, 2, 3, 1, 1], [5.0, 99.0, 5.0, 7.0, 1.0, 5.0],
                                       share=0.4)
        # 5 referrers -> top ceil(2 - 1e-9) = 2: 7.0 (row 3), then the first 5.0 (row 0)
        self.assertEqual(tolist(flags), [1, 0, 0, 1, 0, 0])
        self.assertEqual(tolist(cva.rfm_high_influence([1] * 5, [1.0] * 5)), [1, 0, 0, 0, 0])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            self.assertEqual(tolist(cva.rfm_high_influence([0, 0], [1.0, 2.0])), [0, 0])
            self.assertEqual(w[0].category, cva.CvaWarning)
        with self.assertRaises(cva.OptionError):
            cva.rfm_high_influence([1], [1.0], share=1.5)
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_high_influence([0, 1], [NAN, float("inf")])
        self.assertEqual(cm.exception.index, 1)
        res = cva.summarize([1, 2, 3, 3], [1.0, 2, 3, 4], [5.0, 6, 7, 8],
                            referrer_id=[None, 1, 1, 2])
        self.assertEqual(tolist(cva.rfm_high_influence(res, share=0.5)), [1, 0, 0])

    def test_high_influence_allocator(self):
        # cva_rfm_high_influence_advanced takes its two blocks from the caller's
        # allocator (here libc through ctypes, counted) and gives them back
        import ctypes.util
        from cva import _errors, _lib
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
        libc.free.restype, libc.free.argtypes = None, [ctypes.c_void_p]
        seen = {"calls": 0, "live": 0, "fail_at": 0}

        def alloc(user, size):
            seen["calls"] += 1
            if seen["calls"] == seen["fail_at"]:
                return None
            seen["live"] += 1
            return libc.malloc(size)

        def free(user, ptr):
            if ptr:
                seen["live"] -= 1
                libc.free(ptr)

        al = cva.Allocator(_lib.AllocFunc(alloc), _lib.FreeFunc(free), None)
        rn = (ctypes.c_uint32 * 6)(1, 0, 2, 3, 1, 1)
        ra = (ctypes.c_double * 6)(5.0, 99.0, 5.0, 7.0, 1.0, 5.0)
        flag = (ctypes.c_int32 * 6)()
        diag = cva.Diag()
        fn = _lib.get().cva_rfm_high_influence_advanced
        st = fn(rn, ra, 6, 0.4, flag, ctypes.byref(al), ctypes.byref(diag))
        self.assertEqual(st, 0)
        self.assertEqual(list(flag), [1, 0, 0, 1, 0, 0])
        self.assertEqual((seen["calls"], seen["live"]), (2, 0))
        for k in (1, 2):
            seen.update(calls=0, live=0, fail_at=k)
            st = fn(rn, ra, 6, 0.4, flag, ctypes.byref(al), ctypes.byref(diag))
            self.assertEqual(st, _errors.E_NOMEM)
            self.assertEqual(diag.status, _errors.E_NOMEM)
            self.assertEqual(seen["live"], 0)
        self.assertIsNone(cva.ClvOpts().alloc or None)


class TestErrors(unittest.TestCase):
    def test_option_errors(self):
        for kw, opt in ((dict(bins=0), "bins"), (dict(bins=101), "bins"),
                        (dict(method="median"), "method"), (dict(kernel="gpu"), "kernel"),
                        (dict(closure="both"), "closure"),
                        (dict(method="fixed"), "fixed_cuts"),
                        (dict(method="fixed", fixed_cuts={"r": [1, 2]}), "fixed_cuts"),
                        (dict(fixed_cuts={"r": [1, 2, 3, 4]}), "fixed_cuts"),
                        (dict(method="fixed", fixed_cuts={"r": [1, 2, 3, 4], "f": [1, 2, 3, 4],
                                                          "m": [4, 3, 2, 1]}), "fixed_cuts")):
            with self.assertRaises(cva.OptionError, msg=repr(kw)) as cm:
                cva.rfm_score([1.0], [1.0], [1.0], **kw)
            self.assertEqual(cm.exception.option_name, opt, repr(kw))
            self.assertIsInstance(cm.exception, ValueError)

    def test_nonfinite(self):
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_score([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [1.0, float("inf"), 1.0])
        self.assertEqual(cm.exception.index, 1)
        self.assertEqual(cm.exception.column, "monetary")
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_score([1.0, 2.0, 3.0], [1.0, 1.0, NAN], [1.0, 1.0, 1.0])
        self.assertEqual(cm.exception.index, 2)
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_score([1.0, float("-inf")], [1.0, 1.0], [1.0, 1.0], method="ntile")
        self.assertEqual((cm.exception.index, cm.exception.column), (1, "recency"))
        # unscored customers may carry anything in F and M
        s = cva.rfm_score([NAN, 1.0], [NAN, 1.0], [float("inf"), 1.0])
        self.assertEqual(tolist(s.r), [0, 5])
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.rfm_cuts([1.0, float("inf")])
        self.assertEqual(cm.exception.index, 1)

    def test_shape_errors(self):
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_score([1.0, 2.0], [1.0], [1.0, 2.0])
        with self.assertRaises(cva.BadArgumentError):
            cva.rfm_score([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], ids=[1])
        with self.assertRaises(TypeError):
            cva.rfm_assign([1.0], "not cuts")


class TestArrays(unittest.TestCase):
    def test_result_types(self):
        s = cva.rfm_score([1.0, 2.0], [1.0, 2.0], [1.0, 2.0])
        r, f, m = s
        if np is not None:
            self.assertIsInstance(r, np.ndarray)
            self.assertEqual(r.dtype, np.int32)
        else:
            self.assertIsInstance(r, array.array)
            self.assertEqual(r.itemsize, 4)
        self.assertIs(s.r, r)

    def test_array_array_inputs(self):
        a = array.array("d", [3.0, 1.0, 2.0])
        s = cva.rfm_score(a, a, a, bins=3)
        self.assertEqual(tolist(s.f), [3, 1, 2])
        seg = cva.rfm_segment(array.array("i", [5]), array.array("i", [5]),
                              array.array("i", [5]))
        self.assertEqual(tolist(seg.labels), ["Champions"])

    @unittest.skipIf(np is None, "numpy not available")
    def test_numpy_zero_copy(self):
        v = np.arange(10, dtype=np.float64)
        self.assertIs(_convert.as_float64(v).owner, v)
        i32 = np.arange(5, dtype=np.int32)
        self.assertIs(_convert.as_int32(i32).owner, i32)
        u32 = np.arange(5, dtype=np.uint32)
        self.assertIs(_convert.as_uint32(u32).owner, u32)
        # strided input is copied once and still scored correctly
        w = np.arange(20, dtype=np.float64)[::2]
        s = cva.rfm_score(w, w, w, bins=2)
        self.assertEqual(s.f.tolist(), [1] * 5 + [2] * 5)
        # scores (int32) feed segment/composite/report without a copy
        self.assertIs(_convert.as_int32(s.r).owner, s.r)

    @unittest.skipIf(pd is None, "pandas not available")
    def test_pandas_inputs(self):
        df = pd.DataFrame({"r": [1.0, 2.0, 3.0], "f": [3, 2, 1], "m": [1.5, 1.5, 9.0]})
        s = cva.rfm_score(df.r, df.f, df.m, bins=3)
        self.assertEqual(s.f.tolist(), [3, 2, 1])
        seg = cva.rfm_segment(s.r, s.f, s.m, segments=[("x", None, None, None)], bins=3)
        rep = cva.rfm_report(seg, *s, revenue=df.m).to_pandas()
        self.assertEqual(rep["count"].tolist(), [3])


def main():
    prog = unittest.main(exit=False, verbosity=2)
    ok = prog.result.wasSuccessful()
    mode = "without numpy" if NO_NUMPY else "with numpy"
    print("comparisons: " + ", ".join("%s: %d" % kv for kv in sorted(COMPARED.items())))
    print("float-edge mismatches accepted: " +
          ", ".join("%s: %d" % kv for kv in sorted(FLOAT_EDGE.items())))
    for line in sorted(set(EDGE_CASES))[:40]:
        print("  " + line)
    print("python RFM tests (%s): %s" % (mode, "OK" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
