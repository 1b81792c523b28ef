#!/usr/bin/env python3
"""Loyalty-ladder tests of the libcva Python binding (docs/methods/ladder.md#methods_ladder), standard library unittest.

Run by meson twice: normally and with ``--no-numpy``. The reference is a
brute-force Python implementation written here from the text of docs/methods/ladder.md: occasions,
first/last purchase and referral counts straight from random transactions
(with refunds, zero-value rows, referrers and rows after the date), the docs/methods/ladder.md#methods_ladder_rules
rules in order, migration counts by a dictionary, projection by repeated
matrix-vector products.
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

NAN = float("nan")
RUNGS = ["PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE", "PARTNER"]


def make_data(rng, n_rows, n_cust, text_ids):
    def cid(k):
        return "C-%04d" % k if text_ids else k * 3 + 1
    ids, ts, am, refs = [], [], [], []
    for _ in range(n_rows):
        ids.append(cid(rng.randrange(n_cust)))
        ts.append(float(rng.randrange(0, 1100)) + rng.choice([0.0, 0.25, 0.5]))
        am.append(rng.choice([10.0, 20.0, 0.0, -5.0, 35.5]))
        refs.append(cid(rng.randrange(n_cust + 15)) if rng.random() < 0.3 else None)
    for k in range(n_cust + 20, n_cust + 40):  # one-time buyers, some of them referrers
        ids.append(cid(k))
        ts.append(float(rng.randrange(0, 900)))
        am.append(15.0)
        refs.append(cid(rng.randrange(n_cust)) if rng.random() < 0.3 else None)
        if k % 3 == 0:
            ids.append(cid(rng.randrange(n_cust)))
            ts.append(float(rng.randrange(500, 800)))
            am.append(15.0)
            refs.append(cid(k))
    return ids, ts, am, refs


def reference(ids, ts, am, refs, at, L, nps, sat, bond, prospects, opts):
    """Rung, rule name, has_referred, active per customer id, from the rows."""
    days = {}
    first, last = {}, {}
    win, tot = {}, {}
    known = set()
    for c, t, a, r in zip(ids, ts, am, refs):
        if t > at:
            continue
        known.add(c)
        if a >= 0:
            days.setdefault(c, set()).add(math.floor(t))
            first[c] = min(first.get(c, t), t)
            last[c] = max(last.get(c, t), t)
            if r is not None:
                known.add(r)
                tot[r] = tot.get(r, 0) + 1
                if t > at - L:
                    win[r] = win.get(r, 0) + 1
    known.update(prospects)
    out = {}
    for c in known:
        occ = len(days.get(c, ()))
        n = nps.get(c)
        s = sat.get(c)
        b = bond.get(c, -1)
        n = NAN if n is None else n
        s = NAN if s is None else s
        act = 1 if occ > 0 and at - last[c] <= opts["hiatus"] else 0
        if occ == 0:
            rule = "no_purchase"
        elif occ == 1:
            rule = "one_occasion"
        elif b == 4 and at - first[c] >= 365:
            rule = "structural_bond"
        elif win.get(c, 0) >= opts["min_referrals"]:
            rule = "referrals"
        elif opts["promoter"] and n >= 9:
            rule = "nps_promoter"
        elif s >= 0.8:
            rule = "satisfaction"
        elif n >= 7:
            rule = "nps"
        elif not (math.isnan(s) and math.isnan(n)):
            rule = "attitude_below"
        else:
            rule = "no_attitude"
        out[c] = (rule, tot.get(c, 0) > 0, act, occ, win.get(c, 0))
    return out


RULE_RUNG = {"no_purchase": "PROSPECT", "one_occasion": "CUSTOMER", "structural_bond": "PARTNER",
             "referrals": "ADVOCATE", "nps_promoter": "ADVOCATE", "satisfaction": "SUPPORTER",
             "nps": "SUPPORTER", "behavioural_proxy": "SUPPORTER", "attitude_below": "CLIENT",
             "no_attitude": "CLIENT"}


class LadderBruteForce(unittest.TestCase):
    def run_case(self, seed, text_ids, promoter, min_referrals, hiatus):
        rng = random.Random(seed)
        n_cust = 150
        ids, ts, am, refs = make_data(rng, 2500, n_cust, text_ids)
        at = 800.0
        L = 365.0
        universe = sorted(set(ids) | {r for r in refs if r is not None}, key=str)
        nps = {c: rng.choice([None, 3, 6.5, 7, 8, 9, 10]) for c in universe if rng.random() < 0.5}
        sat = {c: rng.choice([None, 0.1, 0.79, 0.8, 0.95]) for c in universe if rng.random() < 0.5}
        bond = {c: rng.choice([-1, 0, 1, 2, 3, 4, 4]) for c in universe if rng.random() < 0.5}
        prospects = ["P-1", "P-2"] if text_ids else [10 ** 9, 10 ** 9 + 1]
        prospects.append(universe[0])  # a prospect that is also a customer: no duplicate
        ref = reference(ids, ts, am, refs, at, L, nps, sat, bond, prospects,
                        dict(hiatus=hiatus, min_referrals=min_referrals, promoter=promoter))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cva.CvaWarning)
            s = cva.summarize(ids, ts, am, referrer_id=refs, end=at)
        res = cva.ladder(s, at=at, nps=nps, sat=sat, bond=bond, prospects=prospects,
                         transactions=dict(customer_id=ids, time=ts, amount=am, referrer_id=refs),
                         min_referrals=min_referrals, nps_promoter_is_advocate=promoter, hiatus=hiatus)
        got_ids = list(res.customer_id)
        self.assertEqual(sorted(got_ids, key=str), sorted(ref, key=str))
        self.assertEqual(len(got_ids), len(set(got_ids)))
        stage = list(res.stage)
        seen_rules = set()
        for i, c in enumerate(got_ids):
            rule, hr, act, occ, w = ref[c]
            self.assertEqual(res.decided_by_names[i], rule, c)
            self.assertEqual(res.stage_names[i], RULE_RUNG[rule], c)
            self.assertEqual(stage[i], 200 + RUNGS.index(RULE_RUNG[rule]))
            self.assertEqual(int(res.has_referred[i]), int(hr), c)
            self.assertEqual(int(res.active[i]), act, c)
            self.assertEqual(int(res.n_occ[i]), occ, c)
            self.assertEqual(int(res.referrals[i]), w, c)
            seen_rules.add(rule)
        # counts are the tallies of the per-customer results
        for r in RUNGS:
            self.assertEqual(res.counts[r], sum(1 for x in res.stage_names if x == r))
        for r in res.rule_counts:
            self.assertEqual(res.rule_counts[r], sum(1 for x in res.decided_by_names if x == r))
        by = {}
        for i, c in enumerate(got_ids):
            b = bond.get(c, -1)
            name = ("unknown", "none", "financial", "social", "customisation", "structural")[b + 1]
            key = (res.stage_names[i], name)
            by[key] = by.get(key, 0) + 1
        for r in RUNGS:
            for bn, cnt in res.bond_counts[r].items():
                self.assertEqual(cnt, by.get((r, bn), 0))
        return seen_rules

    def test_random(self):
        seen = set()
        for seed, text, prom, mr, h in ((1, False, False, 1, 270.0), (2, True, True, 2, 270.0),
                                        (3, False, True, 1, 90.0), (4, True, False, 3, 400.0)):
            seen |= self.run_case(seed, text, prom, mr, h)
        # the random data reach every rule except the proxy (off)
        self.assertEqual(seen, set(RULE_RUNG) - {"behavioural_proxy"})

    def test_behavioural_proxy(self):
        cols = dict(customer_id=[1, 2, 3, 4], n_occ=[4, 4, 3, 6], first_t=[0.0, 0.0, 0.0, 0.0],
                    last_t=[90.0, 90.0, 90.0, 10.0])
        res = cva.ladder(cols, at=100.0, f_score=[4, 3, 5, 5], behavioural_proxy=True)
        # F score 3 too low; 3 occasions too few
        self.assertEqual(res.decided_by_names, ["behavioural_proxy", "no_attitude", "no_attitude",
                                                "behavioural_proxy"])
        self.assertEqual(list(res.active), [1, 1, 1, 1])
        res = cva.ladder(cols, at=100.0, f_score=[4, 3, 5, 5], behavioural_proxy=True, hiatus=50)
        self.assertEqual(res.decided_by_names[0], "behavioural_proxy")
        self.assertEqual(res.decided_by_names[3], "no_attitude")  # 90 days > 50: inactive, no proxy
        self.assertEqual(list(res.active), [1, 1, 1, 0])
        res = cva.ladder(cols, at=100.0, f_score=[4, 3, 5, 5])
        self.assertEqual(res.stage_names, ["CLIENT"] * 4)  # off by default

    def test_errors(self):
        cols = dict(customer_id=[1, 2], n_occ=[2, 3], first_t=[0.0, 0.0], last_t=[5.0, 9.0])
        with self.assertRaises(cva.BadArgumentError) as e:
            cva.ladder(cols, at=10.0, nps=[5, 11])
        self.assertEqual(e.exception.index, 1)
        with self.assertRaises(cva.BadArgumentError):
            cva.ladder(cols, at=10.0, sat={2: 1.5})
        with self.assertRaises(cva.BadArgumentError):
            cva.ladder(cols, at=8.0)  # a purchase after at
        with self.assertRaises(cva.OptionError) as e:
            cva.ladder(cols, at=10.0, sat_threshold=2)
        self.assertEqual(e.exception.option_name, "sat_threshold")
        with self.assertRaises(cva.BadArgumentError):
            cva.ladder_migration([201, 202], [202, 202], n_occ_from=[1, 3], n_occ_to=[2, 2])

    def test_missing_window_warns(self):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = cva.summarize([1, 1, 2, 2], [0.0, 5.0, 1.0, 2.0], [1.0, 1.0, 1.0, 1.0],
                              referrer_id=[None, 2, None, None], end=10.0)
            res = cva.ladder(s)
        self.assertTrue(any("window" in str(x.message) for x in w))
        self.assertEqual(list(res.has_referred), [0, 1])
        self.assertEqual(res.at, 10.0)

    def test_active_from_churn_flags(self):
        # days: A buys at 0, 60, 152; B once at 4; C at 31, 91; F at 121, 140; G at -1, 95; date 365.
        # ipt rule (k = 3): A 152 / 2 = 76 -> recency 213 <= 228 active; C 60 -> 274 > 180;
        # F 19 -> 225 > 57; G 96 -> 270 <= 288 active
        ids = ["A", "A", "A", "B", "C", "C", "F", "F", "G", "G"]
        t = [0, 60, 152, 4, 31, 91, 121, 140, -1, 95]
        s = cva.summarize(ids, t, [1] * 10, end=365)
        flags = cva.churn_flags(summary=s, rule="ipt")
        # median ipt of A (76), C (60), F (19), G (96) = 68: B's recency 361 > 204: inactive
        self.assertEqual(flags.median_ipt, 68.0)
        want = [1, 0, 0, 0, 1]
        for act in (flags.active, flags):
            res = cva.ladder(s, at=365, active=act)
            self.assertEqual(list(res.active), want)
        # the default hiatus rule keeps F (225 days) active: the flags did change the result
        self.assertEqual(list(cva.ladder(s, at=365).active), [1, 0, 0, 1, 1])

    def test_bond_table(self):
        t = cva.ladder_bond_table()
        self.assertEqual(t["PARTNER"], (4, "structural"))
        self.assertEqual(t["CUSTOMER"], (1, "financial"))
        self.assertEqual(t["PROSPECT"], (0, "none"))
        self.assertEqual(cva.ladder_state_name(206), "LAPSED")
        self.assertEqual(cva.ladder_rule_name(4), "referrals")


class MigrationBruteForce(unittest.TestCase):
    def test_random(self):
        rng = random.Random(5)
        n = 3000
        sf = [rng.randrange(200, 205) for _ in range(n)]
        sc = [s if s == 200 and rng.random() < 0.5 else rng.randrange(201, 206) for s in sf]
        af = [int(rng.random() < 0.8) for _ in range(n)]
        ac = [int(rng.random() < 0.7) for _ in range(n)]
        m = cva.ladder_migration(sf, sc, af, ac)
        self.assertEqual(m.states, tuple(RUNGS + ["LAPSED"]))
        cnt = [[0] * 7 for _ in range(7)]
        net, nn = 0, 0
        for a, b, x, y in zip(sf, sc, af, ac):
            i = 6 if (a != 200 and x == 0) else a - 200
            j = 6 if (b != 200 and y == 0) else b - 200
            cnt[i][j] += 1
            if i != 6 and j != 6:
                net += b - a
                nn += 1
        self.assertEqual(m.counts, cnt)
        self.assertEqual(m.n_net, nn)
        self.assertAlmostEqual(m.net_movement, net / nn, places=14)
        ups = downs = stays = lapses = tot = 0
        for i in range(7):
            row = sum(cnt[i])
            for j in range(7):
                if row:
                    self.assertAlmostEqual(m.transition[i][j], cnt[i][j] / row, places=15)
                else:
                    self.assertTrue(math.isnan(m.transition[i][j]))
            if i < 6 and row:
                u = sum(cnt[i][i + 1:6])
                d = sum(cnt[i][:i])
                self.assertAlmostEqual(m.rates["up"][RUNGS[i]], u / row, places=15)
                self.assertAlmostEqual(m.rates["down"][RUNGS[i]], d / row, places=15)
                self.assertAlmostEqual(m.rates["lapse"][RUNGS[i]], cnt[i][6] / row, places=15)
                ups += u
                downs += d
                stays += cnt[i][i]
                lapses += cnt[i][6]
                tot += row
        self.assertAlmostEqual(m.rates["overall_up"], ups / tot, places=15)
        self.assertAlmostEqual(m.rates["overall_down"], downs / tot, places=15)
        self.assertAlmostEqual(m.rates["overall_stay"], stays / tot, places=15)
        self.assertAlmostEqual(m.rates["overall_lapse"], lapses / tot, places=15)
        self.assertAlmostEqual(m.rates["reactivation"], sum(cnt[6][:6]) / sum(cnt[6]), places=15)
        # names are accepted too
        m2 = cva.ladder_migration([RUNGS[s - 200] for s in sf], [RUNGS[s - 200] for s in sc], af, ac)
        self.assertEqual(m2.counts, cnt)
        # projection against repeated vector-matrix products; PARTNER row empty (absorbing, warns)
        P = m.transition
        pi = [float(sum(cnt[i][j] for i in range(7))) for j in range(7)]
        v = [0, 1, 2, 3, 4, 5, 0.5]
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            traj, total = m.project(6, value=v, discount=0.02)
        self.assertTrue(any(getattr(x.message, "name", "") == "CVA_W_EXCLUDED" for x in w))
        cur = pi
        ref_total = 0.0
        for k in range(7):
            for j in range(7):
                self.assertAlmostEqual(traj[k][j], cur[j], delta=1e-9 * sum(pi))
            ref_total += sum(cur[j] * v[j] for j in range(7)) / 1.02 ** k
            cur = [sum(cur[i] * (P[i][j] if not math.isnan(P[i][0]) else float(i == j)) for i in range(7))
                   for j in range(7)]
        self.assertAlmostEqual(total, ref_total, delta=1e-9 * abs(ref_total))

    def test_without_lapsed(self):
        m = cva.ladder_migration([200, 201, 202], [201, 201, 204], [1, 0, 1], [1, 0, 1], lapsed_state=False)
        self.assertEqual(len(m.states), 6)
        self.assertEqual(m.counts[1][1], 1)
        self.assertAlmostEqual(m.net_movement, 1.0)


if __name__ == "__main__":
    unittest.main(verbosity=1)
