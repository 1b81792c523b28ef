#!/usr/bin/env python3
"""Time-invariant covariates through the Python classes (``cva.ParetoNBD(covariates=...)``,
``cva.BetaGeo(covariates=...)``): CLVTools' published apparel fit (when CVA_DATA_DIR has the
data), the gradient against central differences computed here, predictions equal to the
model without covariates at each customer's own parameters (computed here from the
coefficients), constraints, L2, errors, to_dict/from_dict.

Run by meson twice: normally and with ``--no-numpy``. Exit codes: 0 pass, 1 failure.
"""

import csv
import math
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cva_harness import NO_NUMPY  # noqa: E402,F401  (blocks numpy and pandas under --no-numpy)

import cva  # noqa: E402

try:
    import pandas as pd
except ImportError:
    pd = None


def simulated(seed=11, n=500):
    """(x, t_x, T, z) from the library's simulator, customer by customer at its own parameters."""
    rng = random.Random(seed)
    p = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}
    gl, gt = {"g": -0.4, "c": 0.5}, {"g": 0.6, "c": -0.3}
    xs, txs, Ts, zg, zc = [], [], [], [], []
    for i in range(n):
        g, c = i % 2, round(rng.uniform(-1, 1), 1)
        pi = dict(p)
        pi["alpha"] = p["alpha"] * math.exp(-(gt["g"] * g + gt["c"] * c))
        pi["beta"] = p["beta"] * math.exp(-(gl["g"] * g + gl["c"] * c))
        T = 30.0 + (i % 25)
        sim = cva.simulate_btyd(cva.ParetoNBD(params=pi), T=T, seed=seed * 100003 + i)
        xs.append(float(sim.frequency))
        txs.append(float(sim.recency))
        Ts.append(T)
        zg.append(g)
        zc.append(c)
    return xs, txs, Ts, {"g": zg, "c": zc}


class Covariates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x, cls.tx, cls.T, cls.z = simulated()

    def test_fit_and_recovery(self):
        m = cva.ParetoNBD(covariates=self.z).fit(self.x, self.tx, self.T)
        self.assertTrue(m.has_covariates)
        self.assertEqual(set(m.coefficients["life"]), {"g", "c"})
        self.assertEqual(set(m.coefficient_standard_errors["trans"]), {"g", "c"})
        truth = {"life": {"g": -0.4, "c": 0.5}, "trans": {"g": 0.6, "c": -0.3}}
        for p in ("life", "trans"):
            for k in ("g", "c"):
                se = m.coefficient_standard_errors[p][k]
                self.assertTrue(0 < se < 1.0)
                self.assertLess(abs(m.coefficients[p][k] - truth[p][k]), 4 * se, (p, k))

    def test_gradient_central_differences(self):
        for cls, params in ((cva.ParetoNBD, {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}),
                            (cva.BetaGeo, {"r": 0.8, "alpha": 8.0, "a": 0.9, "b": 2.5})):
            coef = {"life": {"g": -0.2, "c": 0.3}, "trans": {"g": 0.4, "c": -0.1}}
            m = cls(params=params, coefficients=coef)
            ll, g = m.covariate_log_likelihood(self.x, self.tx, self.T, covariates=self.z)
            for name in list(params) + ["life.g", "life.c", "trans.g", "trans.c"]:
                def at(v):
                    p2 = dict(params)
                    c2 = {"life": dict(coef["life"]), "trans": dict(coef["trans"])}
                    if "." in name:
                        proc, k = name.split(".")
                        c2[proc][k] = v
                    else:
                        p2[name] = v
                    return cls(params=p2, coefficients=c2).covariate_log_likelihood(
                        self.x, self.tx, self.T, covariates=self.z)[0]
                v0 = (coef[name.split(".")[0]][name.split(".")[1]] if "." in name else params[name])
                h = 1e-5 * max(1.0, abs(v0))
                fd = (at(v0 + h) - at(v0 - h)) / (2 * h)
                self.assertLess(abs(g[name] - fd), 1e-6 * max(1.0, abs(fd)), (cls.__name__, name, g[name], fd))

    def test_predictions_at_own_parameters(self):
        coef = {"life": {"g": -0.4, "c": 0.5}, "trans": {"g": 0.6, "c": -0.3}}
        params = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 12.0}
        m = cva.ParetoNBD(params=params, coefficients=coef)
        pa = m.p_alive(self.x, self.tx, self.T, covariates=self.z)
        ey = m.expected_purchases(10.0, self.x, self.tx, self.T, covariates=self.z)
        de = m.dert(0.01, self.x, self.tx, self.T, covariates=self.z)
        for i in (0, 1, 7, 100, 333):
            g, c = self.z["g"][i], self.z["c"][i]
            pi = dict(params)
            pi["alpha"] *= math.exp(-(0.6 * g - 0.3 * c))
            pi["beta"] *= math.exp(-(-0.4 * g + 0.5 * c))
            plain = cva.ParetoNBD(params=pi)
            for got, want in ((pa[i], plain.p_alive(self.x[i], self.tx[i], self.T[i])),
                              (ey[i], plain.expected_purchases(10.0, self.x[i], self.tx[i], self.T[i])),
                              (de[i], plain.dert(0.01, self.x[i], self.tx[i], self.T[i]))):
                self.assertLess(abs(got - want), 1e-13 * max(1.0, abs(want)))
        ip = m.individual_params(self.z)
        self.assertAlmostEqual(ip[1][1], 8.0 * math.exp(-(0.6 * 1 - 0.3 * self.z["c"][1])), places=12)

    def test_threads_same_bits(self):
        """threads= reaches the covariate fit (sums in tasks of 2048 merged rows) and the
        predictions (tasks of 16384 customers): the same bits as one thread."""
        rng = random.Random(5)
        n = 5000
        x = [float(min(20, int(-math.log(rng.random()) * 2.5))) for _ in range(n)]
        T = [1.0 + 77.0 * rng.random() for _ in range(n)]
        tx = [T[i] * (0.05 + 0.95 * rng.random()) if x[i] > 0 else 0.0 for i in range(n)]
        z = {"g": [float(i % 2) for i in range(n)], "c": [float((i // 2) % 3) for i in range(n)]}
        for cls in (cva.BetaGeo, cva.ParetoNBD):
            m1 = cls(covariates=z).fit(x, tx, T)
            m2 = cls(covariates=z).fit(x, tx, T, threads=2)
            self.assertEqual(m1.params, m2.params)
            self.assertEqual(m1.coefficients, m2.coefficients)
            # repr: exact for floats, and a NaN (a coefficient at an edge) equals itself
            se1, se2 = (
                {p: {k: repr(v) for k, v in d.items()} for p, d in m.coefficient_standard_errors.items()}
                for m in (m1, m2)
            )
            self.assertEqual(se1, se2)
            big = {k: v * 7 for k, v in z.items()}  # 35000 customers: three prediction tasks
            a = m1.p_alive(x * 7, tx * 7, T * 7, covariates=big)
            b = m1.p_alive(x * 7, tx * 7, T * 7, covariates=big, threads=3)
            self.assertEqual(list(a), list(b))
            a = m1.expected_purchases(10.0, x * 7, tx * 7, T * 7, covariates=big)
            b = m1.expected_purchases(10.0, x * 7, tx * 7, T * 7, covariates=big, threads=2)
            self.assertEqual(list(a), list(b))

    def test_constraint_l2_and_choice(self):
        m = cva.ParetoNBD(covariates=self.z, constrain=["g"]).fit(self.x, self.tx, self.T)
        self.assertEqual(m.coefficients["life"]["g"], m.coefficients["trans"]["g"])
        self.assertEqual(m.constrained, ("g",))
        free = cva.ParetoNBD(covariates=self.z).fit(self.x, self.tx, self.T)
        reg = cva.ParetoNBD(covariates=self.z, l2=1.0).fit(self.x, self.tx, self.T)
        for p in ("life", "trans"):
            for k in ("g", "c"):
                self.assertLess(abs(reg.coefficients[p][k]), abs(free.coefficients[p][k]))
        one = cva.BetaGeo(covariates=self.z, life=["c"], trans="g").fit(self.x, self.tx, self.T)
        self.assertEqual(list(one.coefficients["life"]), ["c"])
        self.assertEqual(list(one.coefficients["trans"]), ["g"])

    def test_errors_and_roundtrip(self):
        m = cva.ParetoNBD(covariates=self.z).fit(self.x, self.tx, self.T)
        with self.assertRaises(cva.BadArgumentError):
            m.p_alive(self.x, self.tx, self.T, covariates={"g": self.z["g"]})  # no column c
        with self.assertRaises(cva.BadArgumentError):
            cva.ParetoNBD(covariates=self.z, life=["nope"]).fit(self.x, self.tx, self.T)
        with self.assertRaises(TypeError):  # MBG/NBD has no covariate form
            cva.ModifiedBetaGeo(params={"r": 1, "alpha": 1, "a": 1, "b": 1}).fit(
                self.x, self.tx, self.T, covariates=self.z)
        m2 = cva.ParetoNBD.from_dict(m.to_dict())
        self.assertEqual(m2.coefficients["trans"]["c"], m.coefficients["trans"]["c"])
        a = m.p_alive(self.x[:20], self.tx[:20], self.T[:20], covariates={k: v[:20] for k, v in self.z.items()})
        b = m2.p_alive(self.x[:20], self.tx[:20], self.T[:20], covariates={k: v[:20] for k, v in self.z.items()})
        self.assertEqual(list(a), list(b))
        plain = cva.ParetoNBD().fit(self.x, self.tx, self.T)  # no covariates: the model without them
        self.assertFalse(plain.has_covariates)

    @unittest.skipIf(pd is None, "pandas not available")
    def test_apparel_clvtools(self):
        d = os.environ.get("CVA_DATA_DIR", "")
        tx = os.path.join(d, "external", "clvtools_apparelTrans_600.csv")
        cov = os.path.join(d, "external", "clvtools_apparelStaticCov_600.csv")
        if not (os.path.exists(tx) and os.path.exists(cov)):
            if os.environ.get("CVA_REQUIRE_DATA") == "1":
                self.fail("CVA_REQUIRE_DATA=1 but the apparel data are missing")
            self.skipTest("apparel data not found")
        t = pd.read_csv(tx, dtype={"Id": str})
        s = cva.summarize(t, customer="Id", time="Date", amount="Price", calibration_end="2006-12-31",
                          time_unit=7.0).to_pandas()
        z = pd.read_csv(cov, dtype={"Id": str}).set_index("Id").loc[s.index, ["Gender", "Channel"]]
        m = cva.ParetoNBD(covariates=z).fit(s["frequency"], s["recency"], s["T"])
        # CLVTools 0.12.1 vignette: LL -5821.0627, trans.Channel 0.6239 (SE 0.1049)
        self.assertEqual(round(m.log_likelihood, 4), -5821.0627)
        self.assertLess(abs(m.coefficients["trans"]["Channel"] - 0.6239), 0.03 * 0.1049)
        self.assertLess(abs(m.coefficients["life"]["Gender"] + 0.6428), 0.03 * 0.2956)


if __name__ == "__main__":
    argv = [a for a in sys.argv if a != "--no-numpy"]
    unittest.main(argv=argv)
