#!/usr/bin/env python3
"""Correlated Pareto/NBD through Python (``cva.ParetoNBD(correlation=True)``, i.e.
``cva.ParetoNBDCorrelated``; CLVTools' ``pnbd(use.cor = TRUE)``): the log-likelihood and
P(alive) at tests/data/pnbdcor_ref.h's 30-digit mpmath values (parsed here), correlation 0
equal to the plain ParetoNBD, the gradient against central differences, a fit on data
simulated here from the Sarmanov density, the range error, to_dict/from_dict and the CLI JSON.

Run by meson twice: normally and with ``--no-numpy``. Exit codes: 0 pass, 1 failure.
"""

import math
import os
import random
import re
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402,F401  (blocks numpy and pandas under --no-numpy)

import cva  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "..", "tests", "data", "pnbdcor_ref.h")


def c_array(text, name):
    """the numbers of a C initializer `name[...] = { ... };`"""
    body = text[text.index(name):]
    body = body[body.index("=") + 1: body.index("};")]
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", body)]


def ref():
    text = open(REF).read()
    npar = int(re.search(r"PNBDCOR_REF_NP (\d+)", text).group(1))
    nr = int(re.search(r"PNBDCOR_REF_NR (\d+)", text).group(1))
    nt = int(re.search(r"PNBDCOR_REF_NT (\d+)", text).group(1))
    p = c_array(text, "pnbdcor_ref_p[")
    rows = c_array(text, "pnbdcor_ref_rows[")
    val = c_array(text, "pnbdcor_ref_val[")
    w = 7 + nt
    P = [p[5 * i: 5 * i + 5] for i in range(npar)]
    R = [rows[3 * i: 3 * i + 3] for i in range(nr)]
    V = [[val[(ip * nr + ir) * w: (ip * nr + ir + 1) * w] for ir in range(nr)] for ip in range(npar)]
    return P, R, V


NAMES = ("r", "alpha", "s", "beta", "correlation")


def simulate(p, n, seed):
    """(x, t_x, T): rates from the Sarmanov density by rejection, Poisson purchases while alive"""
    rng = random.Random(seed)
    r, a, s, b, rho = p
    LA, LB = (a / (a + 1)) ** r, (b / (b + 1)) ** s
    om = rho * (1 + a) * (1 + b) / (math.sqrt(r * s) * LA * LB)
    xs, txs, Ts = [], [], []
    for i in range(n):
        while True:
            lam, mu = rng.gammavariate(r, 1 / a), rng.gammavariate(s, 1 / b)
            if rng.random() * (1 + abs(om)) <= 1 + om * (math.exp(-lam) - LA) * (math.exp(-mu) - LB):
                break
        T = 20.0 + 40.0 * rng.random()
        end = min(rng.expovariate(mu), T)
        t, k, last = 0.0, 0, 0.0
        while True:
            t += rng.expovariate(lam)
            if not t < end:
                break
            k, last = k + 1, t
        xs.append(float(k))
        txs.append(last)
        Ts.append(T)
    return xs, txs, Ts


class PnbdCor(unittest.TestCase):
    def test_constructor(self):
        self.assertIs(type(cva.ParetoNBD(correlation=True)), cva.ParetoNBDCorrelated)
        self.assertIs(type(cva.ParetoNBD()), cva.ParetoNBD)
        self.assertEqual(cva.ParetoNBDCorrelated().param_names, NAMES)
        self.assertEqual(cva.ParetoNBDCorrelated().model_code, "pnbdcor")
        with self.assertRaises(cva.DomainError) as cm:  # range at (1, 1, 1, 1): [-0.25, 0.25]
            cva.ParetoNBD(correlation=True, params=dict(r=1, alpha=1, s=1, beta=1, correlation=0.3))
        self.assertIn("correlation", str(cm.exception))
        cva.ParetoNBD(correlation=True, params=dict(r=1, alpha=1, s=1, beta=1, correlation=-0.2499))

    def test_reference(self):
        P, R, V = ref()
        for p, vals in zip(P, V):
            m = cva.ParetoNBDCorrelated(params=dict(zip(NAMES, p)))
            x, tx, T = [r[0] for r in R], [r[1] for r in R], [r[2] for r in R]
            ll = m.individual_log_likelihood(x, tx, T)
            pa = m.p_alive(x, tx, T)
            for i in range(len(R)):
                self.assertAlmostEqual(ll[i], vals[i][0], delta=1e-12 * (1 + abs(vals[i][0])))
                self.assertAlmostEqual(pa[i], vals[i][6], delta=1e-11 * vals[i][6] + 1e-15)
            total, g = m.log_likelihood_gradient(x, tx, T)
            for j, nm in enumerate(NAMES):
                want = sum(v[1 + j] for v in vals)
                self.assertAlmostEqual(g[nm], want, delta=1e-9 * (1 + abs(want)))

    def test_zero_is_pnbd(self):
        p = dict(r=0.55, alpha=10.58, s=0.61, beta=11.67)
        a = cva.ParetoNBD(params=p)
        b = cva.ParetoNBDCorrelated(params=dict(p, correlation=0.0))
        x, tx, T = [0.0, 2.0, 14.0], [0.0, 30.43, 37.0], [38.86, 38.86, 37.57]
        for u, v in zip(a.individual_log_likelihood(x, tx, T), b.individual_log_likelihood(x, tx, T)):
            self.assertEqual(u, v)
        for u, v in zip(a.expected_purchases(39.0, x, tx, T), b.expected_purchases(39.0, x, tx, T)):
            self.assertAlmostEqual(u, v, delta=1e-13 * u)

    def test_gradient_central_differences(self):
        p = [1.2, 0.8, 1.5, 2.0, 0.1]
        x, tx, T = [0.0, 3.0, 25.0], [0.0, 12.0, 30.0], [35.0, 40.0, 31.0]
        _, g = cva.ParetoNBDCorrelated(params=p).log_likelihood_gradient(x, tx, T)
        for j, nm in enumerate(NAMES):
            h = 1e-6 * max(abs(p[j]), 0.01)
            up, dn = list(p), list(p)
            up[j] += h
            dn[j] -= h
            fu = cva.ParetoNBDCorrelated(params=up).log_likelihood_gradient(x, tx, T)[0]
            fd = cva.ParetoNBDCorrelated(params=dn).log_likelihood_gradient(x, tx, T)[0]
            self.assertAlmostEqual(g[nm], (fu - fd) / (2 * h), delta=1e-5 * (1 + abs(g[nm])))

    def test_fit_recovery(self):
        truth = [1.2, 0.8, 1.5, 2.0, 0.12]
        x, tx, T = simulate(truth, 6000, 3)
        m = cva.ParetoNBD(correlation=True).fit(x, tx, T)
        self.assertTrue(m.converged)
        for nm, v in zip(NAMES, truth):
            self.assertLess(abs(m.params[nm] - v), 3.5 * m.standard_errors[nm], nm)
        d = m.to_dict()
        self.assertEqual(d["model"], "pnbdcor")
        m2 = cva.ParetoNBDCorrelated.from_dict(d)
        self.assertEqual(list(m2.params.values()), list(m.params.values()))
        self.assertEqual(m2.p_alive(2.0, 10.0, 30.0), m.p_alive(2.0, 10.0, 30.0))
        # a start correlation outside its range is an option error
        with self.assertRaises(cva.OptionError):
            cva.ParetoNBD(correlation=True).fit(x, tx, T, start=[1, 1, 1, 1, 0.9])

    def test_boundary_warning(self):
        # purchase and dropout rates proportional (far more correlated than a Sarmanov
        # density allows): the fit runs to the correlation's upper end and warns
        rng = random.Random(5)
        x, tx, T = [], [], []
        for i in range(3000):
            lam = rng.gammavariate(2.0, 0.5)
            end = min(rng.expovariate(0.05 * lam), 40.0)
            t, k, last = 0.0, 0, 0.0
            while True:
                t += rng.expovariate(lam)
                if not t < end:
                    break
                k, last = k + 1, t
            x.append(float(k))
            tx.append(last)
            T.append(40.0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = cva.ParetoNBDCorrelated().fit(x, tx, T)
        self.assertIn("correlation", m.boundary)
        self.assertEqual(m.boundary_direction.get("correlation"), "upper")
        self.assertTrue(any(issubclass(i.category, cva.CvaWarning) for i in w))


if __name__ == "__main__":
    argv = [a for a in sys.argv if a != "--no-numpy"]
    unittest.main(argv=argv)
