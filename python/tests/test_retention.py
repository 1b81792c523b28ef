#!/usr/bin/env python3
"""Tests of the retention-economics functions of the Python binding (docs/methods/retention.md#methods_retention):
cva.clv_constant, cva.margin_multiple, cva.retention_elasticities,
cva.customer_equity, cva.steady_state_profit, cva.whatif and cva.cohort_table.

References: the worked examples of docs/methods/retention.md#methods_retention, discounted sums written out term by term
here (math.fsum), hand-derived what-if values, and the error mapping of docs/methods/retention.md#methods_retention_edge.
Run by meson twice: normally and with ``--no-numpy``. Environment: CVA_LIBRARY.
"""

import math
import os
import random
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402,F401  (blocks numpy and pandas under --no-numpy)

import cva  # noqa: E402


def brute_mm(r, d, timing="end", horizon=0, growth=0.0):
    """Discounted expected margins per unit margin, term by term."""
    n = horizon if horizon > 0 else 100000
    terms = []
    for k in range(1, n + 1):  # k-th margin
        if timing == "end":
            t = r ** k * (1 + growth) ** (k - 1) / (1 + d) ** k
        else:
            t = (r * (1 + growth) / (1 + d)) ** (k - 1)
        terms.append(t)
        if horizon == 0 and t < 1e-20:
            break
    return math.fsum(terms)


class TestClosedForms(unittest.TestCase):
    def test_worked_examples(self):
        self.assertAlmostEqual(cva.clv_constant(1, 0.8), 8 / 3, delta=1e-14)
        self.assertAlmostEqual(cva.clv_constant(1, 0.8, timing="start"), 11 / 3, delta=1e-14)
        self.assertEqual(round(cva.margin_multiple(0.8), 3), 2.667)
        self.assertEqual(round(cva.margin_multiple(0.8, timing="start"), 3), 3.667)
        e = cva.retention_elasticities(100, 0.8, acquisition_cost=100)
        self.assertEqual(round(e.retention, 2), 3.67)
        self.assertEqual(e.margin, 1.0)
        self.assertAlmostEqual(e.acquisition_cost, -0.6, delta=1e-14)
        up = cva.margin_multiple(0.808) / cva.margin_multiple(0.8) - 1
        self.assertEqual(round(100 * up, 2), 3.77)
        self.assertEqual(round(cva.margin_multiple(0.808), 4), 2.7671)
        s0 = cva.steady_state_profit(100, 100, 0.80, growth=0.05, acquisition_cost=150)
        s1 = cva.steady_state_profit(100, 100, 0.85, growth=0.05, acquisition_cost=150)
        self.assertAlmostEqual(s0.profit, 47500, delta=1e-9)
        self.assertEqual(round(s1.profit), 78023)
        self.assertEqual(round(100 * (s1.profit / s0.profit - 1), 1), 64.3)
        self.assertAlmostEqual(s0.customers, 500, delta=1e-12)
        g0 = cva.steady_state_profit(100, 100, 0.80).profit
        g1 = cva.steady_state_profit(100, 100, 0.85).profit
        self.assertEqual(round(100 * (g1 / g0 - 1), 1), 33.3)

    def test_against_sums(self):
        rng = random.Random(7)
        n = 0
        for _ in range(300):
            r = rng.choice([0.0, 1.0, rng.random()])
            d = rng.choice([0.0, rng.uniform(-0.2, 0.5)])
            g = rng.choice([0.0, rng.uniform(-0.5, 0.2)])
            timing = rng.choice(["end", "start"])
            horizon = rng.choice([0, 1, 2, rng.randint(3, 60)])
            p = r * (1 + g) / (1 + d)
            if horizon == 0 and (r >= 1 or p >= 1 or 1 + d - r <= 0):
                with self.assertRaises(cva.DomainError):
                    cva.clv_constant(3.0, r, d, timing, horizon, g)
                continue
            if horizon == 0 and p >= 0.999:
                continue  # the term-by-term sum would be too long
            got = cva.clv_constant(3.0, r, d, timing, horizon, g)
            want = 3.0 * brute_mm(r, d, timing, horizon, g)
            self.assertTrue(abs(got - want) <= 1e-11 * abs(want) + 1e-300,
                            (r, d, g, timing, horizon, got, want))
            n += 1
        self.assertGreater(n, 150)

    def test_elasticity_finite_difference(self):
        # central difference of ln CLV in ln r (float; agreement to ~1e-7)
        for r, d, timing, H, g in [(0.8, 0.1, "end", 0, 0.0), (0.6, 0.05, "start", 0, 0.1),
                                   (0.9, 0.1, "end", 12, 0.03), (0.5, 0.0, "start", 7, 0.0)]:
            h = 1e-5
            f = lambda lr: math.log(brute_mm(math.exp(lr), d, timing, H, g))  # noqa: E731
            num = (f(math.log(r) + h) - f(math.log(r) - h)) / (2 * h)
            got = cva.retention_elasticities(1.0, r, 0.0, d, timing, H, g).retention
            self.assertAlmostEqual(got, num, delta=1e-7 * abs(num))

    def test_customer_equity(self):
        ce = cva.customer_equity(100, 0.8, customers=1000)
        self.assertAlmostEqual(ce.current, 1000 * 100 * 0.8 / 0.3, delta=1e-8)
        self.assertEqual(ce.new, 0.0)
        cohorts = [120, 80, 0, 95.5]
        ce = cva.customer_equity(100, 0.8, new_customers=cohorts, acquisition_cost=150)
        want = math.fsum(n / 1.1 ** k * (100 * 1.1 / 0.3 - 150) for k, n in enumerate(cohorts))
        self.assertAlmostEqual(ce.new, want, delta=1e-9 * want)
        self.assertEqual(ce.total, ce.current + ce.new)
        ce = cva.customer_equity(100, 0.8, new_customers=100, acquisition_cost=150)
        self.assertAlmostEqual(ce.new, 100 * 11 * (1100 / 3 - 150), delta=1e-8)
        ce = cva.customer_equity(clv=[1.5, 2.25, 3.0])
        self.assertEqual(ce, cva.CustomerEquity(6.75, 0.0, 6.75))
        ce = cva.customer_equity(100, 0.8, clv=[10.0, 20.0], new_customers=[5])
        self.assertEqual(ce.current, 30.0)
        self.assertAlmostEqual(ce.new, 5 * 1100 / 3, delta=1e-10)
        with self.assertRaises(cva.DomainError):
            cva.customer_equity(100, 0.8, new_customers=10, discount=0.0)
        with self.assertRaises(cva.BadArgumentError):
            cva.customer_equity(100, 0.8, new_customers=[1, -1])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ce = cva.customer_equity(100, 0.8)
        self.assertEqual(ce.total, 0.0)
        self.assertTrue(any(issubclass(x.category, cva.CvaWarning) for x in w))

    def test_domain_errors(self):
        with self.assertRaises(cva.DomainError):
            cva.clv_constant(1, 1.0)
        self.assertAlmostEqual(cva.clv_constant(1, 1.0, discount=0.0, horizon=12), 12.0, delta=1e-12)
        with self.assertRaises(cva.DomainError):
            cva.clv_constant(1, -0.1)
        with self.assertRaises(cva.DomainError):
            cva.clv_constant(1, 0.5, discount=-1.0)
        with self.assertRaises(cva.DomainError):
            cva.clv_constant(1, 0.8, growth=0.5)
        with self.assertRaises(cva.NonFiniteError):
            cva.clv_constant(float("nan"), 0.5)
        with self.assertRaises(cva.OptionError):
            cva.clv_constant(1, 0.5, horizon=-1)
        with self.assertRaises(ValueError):
            cva.clv_constant(1, 0.5, timing="middle")


def base(**kw):
    d = dict(customers=1000, margin=100, retention=0.8, delta_retention=0.05, retention_cost=10,
             delta_retention_cost=5)
    d.update(kw)
    return d


class TestWhatIf(unittest.TestCase):
    def test_values(self):
        w = cva.whatif(**base())
        mm0, mm1 = 0.8 / 0.3, 3.4
        want = dict(mm_base=mm0, mm_new=mm1, clv_base=240, clv_new=289, delta_clv=49,
                    delta_clv_pct=100 * 49 / 240, ce_base=240000, ce_new=289000, delta_ce=49000,
                    retention_elasticity=1.1 / 0.3, churned_base=200, churned_new=150,
                    acquisition_spend_base=10000, acquisition_spend_new=7500,
                    acquisition_spend_avoided=2500, break_even_retention_spend=90 * (1 - mm0 / mm1),
                    programme_roi=49 / (5 * 3.4), steady_state_profit_base=80000,
                    steady_state_profit_new=200 * (85 / 0.15 - 50),
                    steady_state_profit_change_pct=100 * ((85 / 0.15 - 50) / 400 - 1),
                    retention_budget_share=0.5, acq_ret_ratio_used=5)
        self.assertEqual(list(w.as_dict()), list(cva.WHATIF_OUTPUTS))
        self.assertEqual(sorted(want), sorted(cva.WHATIF_OUTPUTS))
        for k, v in want.items():
            self.assertAlmostEqual(getattr(w, k), v, delta=1e-12 * max(1.0, abs(v)), msg=k)
        self.assertIs(w.budget_share_below_target, False)
        self.assertAlmostEqual(w.retention_new, 0.85, delta=1e-15)
        self.assertEqual(w.acquisition_cost_used, 50.0)
        self.assertEqual(w.status, 0)

    def test_spec_names_and_modes(self):
        a = cva.whatif(**base())
        b = cva.whatif(N=1000, m=100, r=0.8, delta_r=0.05, c_ret=10, delta_c_ret=5)
        self.assertEqual(a.as_dict(), b.as_dict())
        w = cva.whatif(N=100, m=100, r=0.8, delta_r=1, delta_mode="rel")
        self.assertAlmostEqual(w.retention_new, 0.808, delta=1e-15)
        self.assertEqual(round(w.delta_clv_pct, 2), 3.77)
        w = cva.whatif(N=100, m=100, r=0.8, delta_r=0.05, timing="start", c_ret=1, delta_c_ret=1)
        self.assertTrue(math.isnan(w.programme_roi))
        w = cva.whatif(N=500, m=100, r=0.8, delta_r=0.05, g=0.05, c_acq=150, A=100)
        self.assertAlmostEqual(w.steady_state_profit_base, 47500, delta=1e-9)
        self.assertEqual(round(w.steady_state_profit_new), 78023)
        self.assertEqual(round(w.steady_state_profit_change_pct, 1), 64.3)
        w = cva.whatif(N=500, m=100, r=0.8, delta_r=0.05, c_acq=0, A=100)
        self.assertEqual(round(w.steady_state_profit_change_pct, 1), 33.3)
        w = cva.whatif(N=10, m=100, r=0.8)  # no change, no spend
        self.assertEqual(w.delta_clv, 0.0)
        self.assertTrue(math.isnan(w.acq_ret_ratio_used))
        self.assertIsNone(w.budget_share_below_target)

    def test_errors(self):
        with self.assertRaises(TypeError):
            cva.whatif(customers=1, margin=1)
        with self.assertRaises(TypeError):
            cva.whatif(customers=1, margin=1, retention=0.5, bogus=3)
        with self.assertRaises(TypeError):
            cva.whatif(customers=1, N=2, margin=1, retention=0.5)
        with self.assertRaises(cva.DomainError) as cm:
            cva.whatif(**base(retention=0.97))
        self.assertEqual(cm.exception.option_name, "delta_retention")
        with self.assertRaises(cva.DomainError) as cm:
            cva.whatif(**base(retention=1.0))
        self.assertEqual(cm.exception.option_name, "retention")
        with self.assertRaises(cva.DomainError):
            cva.whatif(**base(discount=-1.0))
        with self.assertRaises(cva.NonFiniteError) as cm:
            cva.whatif(**base(margin_growth=float("nan")))
        self.assertEqual(cm.exception.option_name, "margin_growth")
        with self.assertRaises(cva.BadArgumentError):
            cva.whatif(**base(customers=-1))
        with self.assertRaises(cva.BadArgumentError):
            cva.whatif(**base(budget_share_target=2))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = cva.whatif(**base(customers=0))
        self.assertEqual(r.status, cva.W_EMPTY)
        self.assertEqual(r.ce_base, 0.0)
        self.assertTrue(any(issubclass(x.category, cva.CvaWarning) for x in w))
        w = cva.whatif(**base(margin=10))  # m0 = 0: percent change undefined
        self.assertTrue(math.isnan(w.delta_clv_pct))

    def test_struct_defaults(self):
        i = cva.WhatifInputs()
        self.assertEqual((i.discount, i.acq_ret_ratio, i.budget_share_target), (0.10, 5.0, 0.20))
        self.assertTrue(math.isnan(i.acquisition_cost) and math.isnan(i.new_customers))
        self.assertEqual(cva.sizeof(cva.WhatifResult), cva.sizeof("whatif_result"))
        self.assertEqual(cva.ClvTerms().discount, 0.10)


def _ref_header():
    """The tables of tests/data/whatif_model_ref.h (mpmath references) as lists of floats."""
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                        "whatif_model_ref.h")
    with open(path) as f:
        text = f.read()
    out = {}
    for name, body in re.findall(r"static const double (\w+)\[[^=]*= \{(.*?)\};", text, re.S):
        rows = re.findall(r"\{([^{}]*)\}", body) or [body]
        out[name] = [[float(v) for v in row.split(",")] for row in rows]
    return out


def brute_sbg(al, be, d, n_ren=None):
    """sBG DEL (n_ren None) or DERL after n_ren renewals, term by term."""
    terms, ratio, t = [], 1.0, 0 if n_ren is None else n_ren
    k = 0
    if n_ren is None:
        terms.append(1.0)
    while True:
        t += 1
        ratio *= (be + t - 1) / (al + be + t - 1)
        term = ratio / (1 + d) ** (t if n_ren is None else k)
        terms.append(term)
        k += 1
        if term < 1e-18:
            break
    return math.fsum(terms)


PN = [0.5534, 10.5776, 0.6061, 11.6650]
BG = [0.243, 4.414, 0.793, 2.426]


class TestWhatIfModel(unittest.TestCase):
    def test_sbg_brute_force(self):
        m = cva.ShiftedBetaGeo(params=[0.704, 1.182])
        w = cva.whatif_model(m, delta_retention=0.05, discount=0.1, counts=[100, 50, 20], margin=2.0)
        self.assertEqual(list(w.as_dict()), list(cva.WHATIF_MODEL_OUTPUTS))
        self.assertEqual((w.model, w.shift, w.status), ("sbg", "exact", 0))
        r = 1.182 / 1.886
        self.assertAlmostEqual(w.retention_base, r, delta=1e-15)
        a1, b1 = (1 - r - 0.05) * 1.886, (r + 0.05) * 1.886
        self.assertAlmostEqual(w.params_new[0], a1, delta=1e-14)
        self.assertAlmostEqual(w.params_new[1], b1, delta=1e-14)
        self.assertAlmostEqual(w.del_base, brute_sbg(0.704, 1.182, 0.1), delta=1e-12)
        self.assertAlmostEqual(w.del_new, brute_sbg(a1, b1, 0.1), delta=1e-12)
        self.assertAlmostEqual(w.derl_new, brute_sbg(a1, b1, 0.1, 0), delta=1e-12)
        v = 2.0 * math.fsum(c * brute_sbg(a1, b1, 0.1, k) for k, c in enumerate([100, 50, 20]))
        self.assertAlmostEqual(w.value_new, v, delta=1e-10 * v)
        self.assertAlmostEqual(w.del_constant_base, 1.1 / (1.1 - r), delta=1e-14)
        self.assertEqual(w.customers, 170.0)

    def test_parity_with_reference(self):
        ref = _ref_header()
        cust = ref["wm_cust"]
        x, tx, T = [c[0] for c in cust], [c[1] for c in cust], [c[2] for c in cust]
        for row in ref["wm_pnbd_ref"]:
            P, d, mode, dl = row[:4]
            w = cva.whatif_model(cva.ParetoNBD(params=PN), x, tx, T, delta_retention=dl,
                                 delta_mode="rel" if mode else "abs", discount=d, period=P)
            self.assertAlmostEqual(w.retention_new, row[5], delta=1e-14)
            self.assertAlmostEqual(w.dropout_scale, row[6], delta=1e-13 * row[6])
            # closed form: (beta/(beta + cP))^s = r'
            c = PN[3] * ((w.retention_new ** (-1 / PN[2])) - 1) / P
            self.assertAlmostEqual(w.dropout_scale, c, delta=1e-12 * c)
            self.assertAlmostEqual((PN[3] / (PN[3] + c * P)) ** PN[2], w.retention_new, delta=1e-12)
            dert = cva.ParetoNBD(params=PN).dert(math.log1p(d) / P, x, tx, T)
            vn = math.fsum(b * q for b, q in zip(list(dert), row[7:]))
            self.assertAlmostEqual(w.value_new, vn, delta=1e-11 * vn)
        for row in ref["wm_bg_ref"]:
            P, d, mode, dl = row[:4]
            w = cva.whatif_model(cva.BetaGeo(params=BG), x[:3], tx[:3], T[:3], delta_retention=dl,
                                 delta_mode="rel" if mode else "abs", discount=d, period=P)
            self.assertAlmostEqual(w.retention_base, row[4], delta=1e-13)
            self.assertAlmostEqual(w.dropout_scale, row[6], delta=1e-11)
        counts = ref["wm_sbg_counts"][0]
        for row in ref["wm_sbg_ref"]:
            w = cva.whatif_model(cva.ShiftedBetaGeo(params=row[:2]), counts=counts, discount=row[2],
                                 delta_mode="rel" if row[3] else "abs", delta_retention=row[4], n_renewals=row[5])
            for got, want in ((w.del_new, row[11]), (w.derl_new, row[13]), (w.value_new, row[15])):
                self.assertAlmostEqual(got, want, delta=1e-12 * want)

    def test_gamma_gamma_and_zero_delta(self):
        gg = cva.GammaGamma(params=[6.25, 3.74, 15.45])
        x, tx, T, m = [2, 0, 5], [30.43, 0, 10], [38.86, 38.86, 38.86], [35.0, 0.0, 20.0]
        for model in (cva.ParetoNBD(params=PN), cva.BetaGeo(params=BG)):
            w = cva.whatif_model(model, x, tx, T, m, spend_model=gg, margin=0.3)
            self.assertEqual(w.value_new, w.value_base)
            self.assertEqual(w.dropout_scale, 1.0)
            w1 = cva.whatif_model(model, x, tx, T, m, spend_model=gg, margin=0.3, delta_retention=0.02)
            self.assertGreater(w1.value_new, w.value_new)
            self.assertEqual(w1.value_base, w.value_base)

    def test_warnings_and_errors(self):
        m = cva.ShiftedBetaGeo(params=[0.704, 1.182])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            w = cva.whatif_model(m, delta_retention=0.5)
        self.assertEqual((w.shift, w.status, w.retention_new), ("capped", cva.W_BOUNDARY, 0.999))
        self.assertTrue(any(issubclass(x.category, cva.CvaWarning) for x in caught))
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            w = cva.whatif_model(cva.BetaGeo(params=BG), [1], [20], [30], delta_retention=-0.1)
        self.assertEqual(w.shift, "undefined")
        self.assertTrue(math.isnan(w.value_new))
        with self.assertRaises(cva.OptionError) as cm:
            cva.whatif_model(m, discount=0.0)
        self.assertEqual(cm.exception.option_name, "discount")
        with self.assertRaises(ValueError):
            cva.whatif_model(m, delta_mode="percent")
        with self.assertRaises(cva.OptionError) as cm:
            cva.whatif_model(cva.ParetoNBD(params=PN), [1], [20], [30], period=-1)
        self.assertEqual(cm.exception.option_name, "period")
        with self.assertRaises(cva.BadArgumentError):
            cva.whatif_model(m, counts=[1, -1])
        with self.assertRaises(TypeError):
            cva.whatif_model(cva.GammaGamma(params=[6.25, 3.74, 15.45]))
        with self.assertRaises(TypeError):
            cva.whatif_model(cva.ParetoNBD(params=PN))
        self.assertEqual(cva.sizeof(cva.WhatifModelOpts), cva.sizeof("whatif_model_opts"))
        self.assertEqual(cva.sizeof(cva.WhatifModelResult), cva.sizeof("whatif_model_result"))
        self.assertEqual(cva.WhatifModelOpts().period, 52.0)


def ref_flags(rec, occ, first, last, pa, rule, h, k, tau):
    """docs/methods/models.md#methods_heuristics written out: (active, rule name) per customer."""
    ipts = sorted((l - f) / (o - 1) for o, f, l in zip(occ, first, last) if o >= 2 and (l - f) / (o - 1) > 0)
    med = None
    if ipts:
        m = len(ipts)
        med = ipts[m // 2] if m % 2 else (ipts[m // 2 - 1] + ipts[m // 2]) / 2
    out = []
    for i, R in enumerate(rec):
        verdicts = []  # (name, inactive) in the order p-alive, ipt, hiatus
        if rule in ("all", "p-alive") and pa is not None:
            verdicts.append(("p-alive", pa[i] < tau))
        if rule in ("all", "ipt") and occ is not None:
            ipt = (last[i] - first[i]) / (occ[i] - 1) if occ[i] >= 2 else 0.0
            if ipt > 0:
                verdicts.append(("ipt", R > k * ipt))
            elif med is not None:
                verdicts.append(("ipt-median", R > k * med))
            else:
                verdicts.append(("hiatus", R > h))
        if rule in ("all", "hiatus"):
            verdicts.append(("hiatus", R > h))
        flagged = [name for name, bad in verdicts if bad]
        out.append((0, flagged[0]) if flagged else (1, verdicts[0][0]))
    return out


class TestChurnFlags(unittest.TestCase):
    def test_random_against_reference(self):
        rng = random.Random(11)
        for trial in range(40):
            n = rng.randint(1, 60)
            occ = [rng.choice([1, 1, 2, 3, 5, 9]) for _ in range(n)]
            first = [float(rng.randint(0, 300)) for _ in range(n)]
            last = [f + (0.0 if rng.random() < 0.2 else float(rng.randint(0, 400))) for f in first]
            rec = [float(rng.randint(0, 600)) for _ in range(n)]
            pa = [rng.choice([0.5, rng.random()]) for _ in range(n)]
            clv = [rng.uniform(-10, 500) for _ in range(n)]
            if trial % 5 == 0:
                occ = [1] * n  # no median: the hiatus fallback
            h, k, tau = rng.choice([270.0, 90.0]), rng.choice([3.0, 1.5]), rng.choice([0.5, 0.3])
            for rule in ("all", "hiatus", "ipt", "p-alive"):
                got = cva.churn_flags(rec, occ, first, last, pa, clv, rule=rule, hiatus=h, ipt_multiple=k,
                                      threshold=tau)
                want = ref_flags(rec, occ, first, last, pa, rule, h, k, tau)
                self.assertEqual(list(got.active), [a for a, _ in want], (trial, rule))
                self.assertEqual(got.rule_name, [r for _, r in want], (trial, rule))
                self.assertEqual(got.n_inactive, sum(1 - a for a, _ in want))
                for v, c, p in zip(got.value_at_risk, clv, pa):
                    self.assertEqual(v, c * (1 - p))
        # all rules without P(alive): ipt and hiatus only
        got = cva.churn_flags([10.0, 400.0], [3, 1], [0.0, 5.0], [100.0, 5.0])
        self.assertEqual(list(got.active), [1, 0])
        self.assertEqual(got.rule_name, ["ipt", "ipt-median"])
        self.assertEqual(got.median_ipt, 50.0)
        self.assertIsNone(got.value_at_risk)

    def test_from_summary(self):
        # customer 1: days 0, 10, 20 (ipt 10, recency 80 at day 100); customer 2: day 95
        s = cva.summarize([1, 1, 1, 2], [0.0, 10.0, 20.0, 95.0], [5.0, 5.0, 5.0, 5.0], end=100.0)
        got = cva.churn_flags(summary=s, rule="ipt")
        self.assertEqual(list(got.active), [0, 1])  # 80 > 30; 5 <= 3 * median 10
        self.assertEqual(got.rule_name, ["ipt", "ipt-median"])
        got = cva.churn_flags(summary=s, rule="hiatus", hiatus=50)
        self.assertEqual(list(got.active), [0, 1])

    def test_errors(self):
        with self.assertRaises(cva.BadArgumentError):
            cva.churn_flags([1.0, 2.0], p_alive=[0.5, 1.5])
        with self.assertRaises(cva.NullPointerError):
            cva.churn_flags([1.0], rule="p-alive")
        with self.assertRaises(cva.OptionError) as cm:
            cva.churn_flags([1.0], hiatus=0)
        self.assertEqual(cm.exception.option_name, "hiatus")
        with self.assertRaises(ValueError):
            cva.churn_flags([1.0], rule="vibes")
        with self.assertRaises(cva.BadArgumentError):
            cva.churn_flags([1.0, 2.0], p_alive=[0.5])
        with self.assertRaises(cva.NonFiniteError):
            cva.churn_flags([float("nan")])


def cohort_txns(seed, n_cust=120, span=420):
    """Random transactions (customer, ISO date, amount) with refunds, zero amounts, a gap of
    quiet periods and a customer with refunds only."""
    import datetime
    rng = random.Random(seed)
    base = datetime.date(2023, 11, 20)
    out = []
    for c in range(1, n_cust + 1):
        d = rng.randint(0, span - 1)
        for _ in range(rng.randint(1, 6)):
            out.append(("K%03d" % c, (base + datetime.timedelta(days=min(span, d))).isoformat(),
                        rng.choice([5.0, 12.5, 0.0, 30.0])))
            if rng.random() < 0.1:
                out.append(("K%03d" % c, out[-1][1], -4.0))  # a refund: no purchase
            d += int(rng.expovariate(1 / 75.0))
    out.append(("R001", base.isoformat(), -3.0))
    out.append(("K001", (base + datetime.timedelta(days=span)).isoformat(), 1.0))  # the data end
    rng.shuffle(out)
    return out


def cohort_ref_python(txns, cohort):
    """Pure-Python reference of cva.cohort_table: {(cohort date, j): row tuple}."""
    import datetime

    def per(iso):
        d = datetime.date.fromisoformat(iso)
        return {"day": d.toordinal(), "week": (d.toordinal() - 1) // 7, "month": d.year * 12 + d.month - 1,
                "quarter": d.year * 4 + (d.month - 1) // 3}[cohort]

    def start(p):
        if cohort == "day":
            return datetime.date.fromordinal(p).isoformat()
        if cohort == "week":
            return datetime.date.fromordinal(7 * p + 1).isoformat()
        if cohort == "month":
            return datetime.date(p // 12, p % 12 + 1, 1).isoformat()
        return datetime.date(p // 4, 3 * (p % 4) + 1, 1).isoformat()

    pend = per(max(d for _, d, _ in txns))
    bought = {}
    for c, d, a in txns:
        if a >= 0:
            bought.setdefault(c, set()).add(per(d))
    first = {c: min(s) for c, s in bought.items()}
    p0 = min(first.values())
    ret = {}
    for c, s in bought.items():
        for j in range(pend - first[c] + 1):
            key = (first[c], j)
            ret.setdefault(key, [0, 0, 0])
            ret[key][0] += 1
            ret[key][1] += (first[c] + j) in s
            ret[key][2] += max(s) >= first[c] + j
    r_pool, s_pool = [None], [1.0]
    for j in range(1, pend - p0 + 1):
        num = sum(v[2] for (p, jj), v in ret.items() if jj == j)
        den = sum(ret[(p, j - 1)][2] for (p, jj) in ret if jj == j)
        r_pool.append(num / den if den else None)
        s_pool.append(s_pool[-1] * r_pool[-1] if r_pool[-1] is not None and s_pool[-1] is not None else None)
    return {(start(p), j): (v[0], v[1], v[2], v[1] / v[0], r_pool[j], s_pool[j]) for (p, j), v in ret.items()}


class TestCohortTable(unittest.TestCase):
    COLS = ["cohort", "period", "customers", "active", "retained", "active_rate", "retention", "survival"]

    def _rows(self, table):
        if hasattr(table, "to_dict"):
            cols = {k: list(table[k]) for k in table.columns}
        else:
            cols = table
        self.assertEqual(list(cols), self.COLS)
        return [tuple(cols[k][i] for k in self.COLS) for i in range(len(cols["cohort"]))]

    def _close(self, got, want):
        if want is None:
            return math.isnan(got)
        return abs(got - want) <= 1e-12 * max(1.0, abs(want))

    def test_against_python_reference(self):
        txns = cohort_txns(5)
        cols = tuple(zip(*txns))
        for cohort in ("day", "week", "month", "quarter"):
            got = self._rows(cva.cohort_table(cols, cohort=cohort))
            want = cohort_ref_python(txns, cohort)
            self.assertEqual(len(got), len(want), cohort)
            self.assertGreater(len({k[0] for k in want}), 3, cohort)
            for row in got:
                w = want[(row[0], row[1])]
                self.assertEqual(tuple(row[2:5]), w[:3], (cohort, row))
                for g, x in zip(row[5:], w[3:]):
                    self.assertTrue(self._close(g, x), (cohort, row, w))

    def test_summary_input(self):
        txns = cohort_txns(9)
        cid, t, amt = zip(*txns)
        s = cva.summarize(list(cid), list(t), list(amt))
        a = self._rows(cva.cohort_table((cid, t, amt), cohort="month"))
        b = self._rows(cva.cohort_table(s, cohort="month"))
        self.assertEqual(len(a), len(b))
        for x, y in zip(a, b):
            self.assertEqual((x[0], x[1], x[2], x[4]), (y[0], y[1], y[2], y[4]))
            if x[1] == 0:
                self.assertEqual(y[3], x[3])
            else:
                self.assertTrue(math.isnan(y[3]) and math.isnan(y[5]))
            for g, h in zip(x[6:], y[6:]):
                self.assertTrue((math.isnan(g) and math.isnan(h)) or g == h)

    def test_against_pandas_groupby(self):
        try:
            import pandas as pd
        except ImportError:
            self.skipTest("pandas is not importable")
        txns = cohort_txns(17, n_cust=200)
        df = pd.DataFrame(txns, columns=["customer_id", "date", "amount"])
        df["date"] = pd.to_datetime(df["date"])
        got = cva.cohort_table(df, cohort="month")
        self.assertIsInstance(got, pd.DataFrame)
        self.assertEqual(list(got.columns), self.COLS)
        # reference: pandas groupby on calendar months
        buy = df[df.amount >= 0].copy()
        buy["p"] = buy.date.dt.year * 12 + buy.date.dt.month - 1
        end_p = int(df.date.max().year * 12 + df.date.max().month - 1)
        first = buy.groupby("customer_id").p.min().rename("c")
        last = buy.groupby("customer_id").p.max().rename("last")
        buy = buy.join(first, on="customer_id")
        size = first.value_counts()
        act = buy.assign(j=buy.p - buy.c).groupby(["c", "j"]).customer_id.nunique()
        cust = pd.concat([first, last], axis=1)
        ref = []
        for c in sorted(size.index):
            for j in range(end_p - c + 1):
                ref.append({"c": c, "j": j, "customers": int(size[c]), "active": int(act.get((c, j), 0)),
                            "retained": int(((cust.c == c) & (cust["last"] >= c + j)).sum())})
        ref = pd.DataFrame(ref)
        prev = ref.assign(j=ref.j + 1)[["c", "j", "retained"]].rename(columns={"retained": "prev"})
        pooled = ref.merge(prev, on=["c", "j"]).groupby("j")[["retained", "prev"]].sum()
        pooled_r = (pooled.retained / pooled.prev)
        ref["retention"] = ref.j.map(pooled_r)
        ref["survival"] = ref.j.map(pooled_r.cumprod()).fillna(1.0)
        ref["cohort"] = [pd.Timestamp(year=c // 12, month=c % 12 + 1, day=1).strftime("%Y-%m-%d") for c in ref.c]
        self.assertEqual(len(got), len(ref))
        self.assertEqual(list(got.cohort), list(ref.cohort))
        self.assertEqual(list(got.period), list(ref.j))
        for col in ("customers", "active", "retained"):
            self.assertEqual(list(got[col].astype(int)), list(ref[col]), col)
        self.assertTrue(((got.active_rate - ref.active / ref.customers).abs() < 1e-12).all())
        r0 = got.period == 0
        self.assertTrue(got.retention[r0].isna().all())
        self.assertTrue(((got.retention[~r0] - ref.retention[~r0]).abs() < 1e-12).all())
        self.assertTrue(((got.survival - ref.survival).abs() < 1e-12).all())

    def test_errors(self):
        with self.assertRaises(cva.BadArgumentError):
            cva.cohort_table((["a"], ["2024-01-01"], [1.0]), cohort="year")
        with self.assertRaises(cva.BadArgumentError):
            cva.cohort_table({"customer_id": ["a"], "amount": [1.0]})
        s = cva.summarize(["a"], ["2024-01-01"], [1.0])
        with self.assertRaises(cva.BadArgumentError):
            cva.cohort_table(s, end="2024-02-01")


if __name__ == "__main__":
    unittest.main()
