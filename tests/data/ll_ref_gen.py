#!/usr/bin/python3
"""High-precision reference log-likelihoods (and gradients) of every model over a
grid reaching the edges of the parameter space, for tests/test_llref.c.

Each likelihood is written here from its paper's closed form, term by term, with
no rearrangement (the C library rearranges them to avoid cancellation; here the
cancellation is absorbed by the working precision, which is raised with the
magnitude of the terms: up to ~550 digits for q = 1.6e231). Every argument is a
double, seen exactly by mpmath (mpf(float) is exact, a = p*x is formed exactly),
and every result is rounded once to the nearest double ('%.17g').

Run from the repository root:  /usr/bin/python3 tests/data/ll_ref_gen.py
SPDX-License-Identifier: MIT
"""
import math
import os

import mpmath as mp

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ll_ref.h")
lines = []


def f(v):
    return "%.17g" % float(v)


def table(name, ncol, rows, comment):
    lines.append("/* %s */" % comment)
    lines.append("static const double %s[][%d] = {" % (name, ncol))
    for r in rows:
        lines.append("    {" + ", ".join(f(v) for v in r) + "},")
    lines.append("};")
    lines.append("")


def digits(*v):
    """Working digits: 60 plus twice the decimal range of the arguments (the terms of
    the closed forms grow like a·ln a and cancel down to O(1))."""
    e = max(abs(math.log10(abs(t))) for t in v if t != 0)
    return 60 + 2 * int(e) + 10


# ------------------------------------------------------------------ Gamma-Gamma
# LL = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
# (Fader, Hardie & Lee 2005b), gradient w.r.t. (p, q, γ) and a scale per component
# (the sum of the magnitudes of its terms) used for the absolute part of the tolerance.
def gg_row(p, q, g, x, m):
    with mp.workdps(digits(p, q, g, x, m, p * x)):
        p, q, g, x, m = [mp.mpf(v) for v in (p, q, g, x, m)]
        a, s = p * x, x * m
        ll = (mp.loggamma(a + q) - mp.loggamma(a) - mp.loggamma(q) + q * mp.log(g) + (a - 1) * mp.log(m) +
              a * mp.log(x) - (a + q) * mp.log(g + s))
        pa, pq = mp.digamma(a + q) - mp.digamma(a), mp.digamma(a + q) - mp.digamma(q)
        ly, l1y = mp.log(s) - mp.log(g + s), mp.log(g) - mp.log(g + s)
        da, dq, dg = pa + ly, pq + l1y, q / g - (a + q) / (g + s)
        return (ll, x * da, dq, dg, x * (abs(pa) + abs(ly)), abs(pq) + abs(l1y), q / g + (a + q) / (g + s))


GG_P = [1e-6, 0.02, 1.29, 6.25, 300.0, 1e6, 1e12]
GG_Q = [1e-6, 0.7, 3.74, 150.0, 1e6, 1e12, 1.569005953682817e231]
GG_G = [1e-6, 0.3, 15.45, 1e4, 1e12, 1.6502164026171015e233]
GG_XM = [(1, 0.01), (1, 35.0), (2, 104.75), (3, 30.76666666666667), (12, 1e4), (400, 2.5)]
gg = []
for p in GG_P:
    for q in GG_Q:
        for g in GG_G:
            for x, m in GG_XM:
                gg.append((p, q, g, x, m) + gg_row(p, q, g, x, m))
# near the mode of the beta (a, q both large, γ ≈ q s / a): the three-form split's third form
for p, q, x, m in [(1e6, 1e6, 1, 35.0), (100.0, 80.0, 1, 35.0), (5e3, 1e12, 3, 7.0), (1e12, 1e12, 2, 1e3),
                   (70.0, 1e9, 1, 0.5)]:
    for eps in [0.0, 1e-9, 1e-4, -0.01, 0.3, -0.9, 5.0]:
        g = q * x * m / (p * x) * (1 + eps)
        gg.append((p, q, g, x, m) + gg_row(p, q, g, x, m))
# the boundary fit (cases/gg_boundary.csv): its q and γ with rows of that file
for x, m in [(1, 108.76), (2, 209.5), (4, 73.0725), (3, 30.76666666666667)]:
    p, q, g = 1.293412638744527, 1.569005953682817e231, 1.6502164026171015e233
    gg.append((p, q, g, x, m) + gg_row(p, q, g, x, m))
table("ref_gg", 12, gg, "Gamma-Gamma: p, q, gamma, x, m, LL, dLL/dp, dLL/dq, dLL/dgamma, "
      "and the term scales of the three derivatives")

# ------------------------------------------------------------ the BTYD models
# Parameter sets: the published fits, hand-picked edges (no heterogeneity: r, α → ∞
# with r/α fixed, a, b → ∞, s, β → ∞; a → 0; everything tiny), and log-uniform draws
# over [1e-6, 1e12] for every parameter (seeded). Rows (x, t_x, T): none, one purchase
# just after the start or just before T, several, many, a long T.
import random

rng = random.Random(20261206)


def draws(n):
    return [tuple(10 ** rng.uniform(-6, 12) for _ in range(4)) for _ in range(n)]


ROWS_C = [(0, 0.0, 38.86), (1, 1e-4, 38.86), (1, 38.85, 38.86), (2, 30.43, 38.86), (5, 20.0, 52.0),
          (200, 51.9, 52.0), (3, 0.5, 1000.0), (0, 0.0, 1e4)]


def dgrad(fn, p):
    """Gradient of fn at p by mpmath's numerical differentiation at the working precision."""
    out = []
    for j in range(len(p)):
        out.append(mp.diff(lambda v: fn(*(p[:j] + [v] + p[j + 1:])), p[j]))
    return out


def lbeta(a_, b_):
    return mp.loggamma(a_) + mp.loggamma(b_) - mp.loggamma(a_ + b_)


# BG/NBD (FHL 2005a eq. 3) and MBG/NBD (Batislam et al. 2007): the sum of the two terms
def bg_ll(r, al, a, b, x, tx, T, sh):
    c = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al)
    t1 = lbeta(a, b + x + sh) - lbeta(a, b) - (r + x) * mp.log(al + T)
    if x > 0 or sh:
        t2 = lbeta(a + 1, b + x + sh - 1) - lbeta(a, b) - (r + x) * mp.log(al + tx)
        m = max(t1, t2)
        return c + m + mp.log(mp.exp(t1 - m) + mp.exp(t2 - m))
    return c + t1


BG_SETS = [(0.243, 4.414, 0.793, 2.426), (0.525, 6.183, 0.891, 1.614), (1e6, 4e6, 0.8, 2.4),
           (1e12, 4e12, 1e-6, 3.0), (0.25, 4.4, 1e6, 3e6), (0.25, 4.4, 1e12, 1e12), (1e-6, 1e-6, 1e-6, 1e-6),
           (5e4, 2e5, 1e-3, 1e9)] + draws(32)


def btyd_rows(fn, sets, rows, label):
    out = []
    for prm in sets:
        for (x, tx, T) in rows:
            with mp.workdps(digits(*(list(prm) + [T]))):
                P = [mp.mpf(v) for v in prm]
                ll = fn(*(P + [x, mp.mpf(tx), mp.mpf(T)]))
                g = dgrad(lambda *q: fn(*(list(q) + [x, mp.mpf(tx), mp.mpf(T)])), P)
            out.append(tuple(prm) + (x, tx, T, ll) + tuple(g))
    print(label, len(out), "rows")
    return out


table("ref_bgnbd", 12, btyd_rows(lambda r, al, a, b, x, tx, T: bg_ll(r, al, a, b, x, tx, T, 0), BG_SETS, ROWS_C,
                                 "bgnbd"),
      "BG/NBD: r, alpha, a, b, x, t_x, T, LL, dLL/d(r, alpha, a, b)")
table("ref_mbgnbd", 12, btyd_rows(lambda r, al, a, b, x, tx, T: bg_ll(r, al, a, b, x, tx, T, 1), BG_SETS,
                                  ROWS_C, "mbgnbd"),
      "MBG/NBD: r, alpha, a, b, x, t_x, T, LL, dLL/d(r, alpha, a, b)")


# BG/BB (FHS 2010 eq. 5), summed term by term
def bgbb_ll(a, b, g, d, x, tx, n):
    lab, lgd = lbeta(a, b), lbeta(g, d)
    terms = [lbeta(a + x, b + n - x) - lab + lbeta(g, d + n) - lgd]
    for i in range(0, int(n - tx)):
        terms.append(lbeta(a + x, b + tx - x + i) - lab + lbeta(g + 1, d + tx + i) - lgd)
    m = max(terms)
    return m + mp.log(mp.fsum(mp.exp(t - m) for t in terms))


BGBB_SETS = [(1.204, 0.750, 0.657, 2.783), (1e6, 6e5, 0.66, 2.8), (1.2, 0.75, 1e6, 4e6), (1e12, 1e12, 1e12, 1e12),
             (1e-6, 1e-6, 1e-6, 1e-6), (1e-3, 5.0, 1e9, 1e-2)] + draws(24)
ROWS_D = [(0, 0, 6), (1, 1, 6), (3, 5, 6), (6, 6, 6), (2, 3, 30), (50, 180, 200), (0, 0, 200)]
table("ref_bgbb", 12, btyd_rows(bgbb_ll, BGBB_SETS, ROWS_D, "bgbb"),
      "BG/BB: alpha, beta, gamma, delta, x, t_x, n, LL, dLL/d(alpha, beta, gamma, delta)")


# Pareto/NBD: LL = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β + ln(L1 + L2),
#   L1 = (α+T)^−(r+x) (β+T)^−s,  L2 = s ∫_{t_x}^{T} (α+u)^−(r+x) (β+u)^−(s+1) du
# (the integral the hypergeometric form comes from, as in pnbd_gen.py), by tanh-sinh
# with breakpoints growing geometrically from t_x on the decay length there; the
# gradient from the same integrals of the derivatives of the integrand.
def pnbd_row(r, al, s, be, x, tx, T):
    k = r + x
    lg = mp.loggamma(r + x) - mp.loggamma(r)
    lL1 = -k * mp.log(al + T) - s * mp.log(be + T)
    base = r * mp.log(al) + s * mp.log(be)
    dr = mp.digamma(r + x) - mp.digamma(r) + mp.log(al) - mp.log(al + T)
    da = r / al - k / (al + T)
    ds = mp.log(be) - mp.log(be + T)
    db = s / be - s / (be + T)
    if tx < T:
        # g(u) = e^{h(u)}, h normalised at its maximum (t_x: h is decreasing)
        h = lambda u: k * mp.log((al + T) / (al + u)) + s * mp.log((be + T) / (be + u)) - mp.log(be + u)
        h0 = h(tx)
        g = lambda u: mp.exp(h(u) - h0)
        scale = 1 / (k / (al + tx) + (s + 1) / (be + tx))
        pts, c = [tx], scale / 16
        while tx + c < T:
            pts.append(tx + c)
            c *= 4
        pts.append(T)
        I0, err = mp.quad(g, pts, error=True, maxdegree=10)
        if err > mp.mpf(10) ** (-25) * I0:
            print("warning: quadrature error", float(err / I0), r, al, s, be, x, tx, T)
        m1 = mp.quad(lambda u: g(u) * mp.log((al + T) / (al + u)), pts, maxdegree=10) / I0
        m2 = mp.quad(lambda u: g(u) * mp.log((be + T) / (be + u)), pts, maxdegree=10) / I0
        m3 = mp.quad(lambda u: g(u) / (al + u), pts, maxdegree=10) / I0
        m4 = mp.quad(lambda u: g(u) / (be + u), pts, maxdegree=10) / I0
        lE = mp.log(s) + h0 + mp.log(I0)
        w = 1 / (1 + mp.exp(-lE))                     # E/(1+E)
        l1pE = lE + mp.log1p(mp.exp(-lE)) if lE > 0 else mp.log1p(mp.exp(lE))
        dr += w * m1
        da += w * (k / (al + T) - k * m3)
        ds += w * (1 / s + m2)
        db += w * (s / (be + T) - (s + 1) * m4)
    else:
        l1pE = 0
    return lg + base + lL1 + l1pE, [dr, da, ds, db]


PNBD_SETS = [(0.553, 10.58, 0.606, 11.67), (2.0, 8.0, 2.6e4, 8e5), (2.0, 8.0, 2.6e5, 8e6), (1e6, 1e7, 0.6, 11.7),
             (0.55, 10.6, 1e9, 1e10), (0.5, 1e8, 0.6, 1e-3), (1e-6, 1e-6, 1e-6, 1e-6), (0.55, 10.6, 0.6, 10.6)] + \
    draws(16)
pn = []
for prm in PNBD_SETS:
    for (x, tx, T) in ROWS_C:
        with mp.workdps(digits(*(list(prm) + [T])) // 2 + 20):
            P = [mp.mpf(v) for v in prm]
            ll, g = pnbd_row(*(P + [x, mp.mpf(tx), mp.mpf(T)]))
        pn.append(tuple(prm) + (x, tx, T, ll) + tuple(g))
print("pnbd", len(pn), "rows")
table("ref_pnbd", 12, pn, "Pareto/NBD: r, alpha, s, beta, x, t_x, T, LL, dLL/d(r, alpha, s, beta)")


# sBG (Fader & Hardie 2007): Σ_t D_t ln P(T=t) + E_t ln S(t), S(t) = B(α, β+t)/B(α, β),
# P(T=t) = B(α+1, β+t−1)/B(α, β), on one fixed pair of vectors (t = 1..12)
SBG_D = [0, 131, 126, 90, 60, 30, 20, 15, 10, 0, 5, 3, 1]
SBG_E = [0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 400]


def sbg_ll(a, b):
    lb = lbeta(a, b)
    acc = 0
    for t in range(1, 13):
        if SBG_D[t]:
            acc += SBG_D[t] * (lbeta(a + 1, b + t - 1) - lb)
        if SBG_E[t]:
            acc += SBG_E[t] * (lbeta(a, b + t) - lb)
    return acc


sb = []
for a_ in [1e-6, 1e-3, 0.704, 1.182, 40.0, 1e6, 1e12]:
    for b_ in [1e-6, 1e-3, 0.704, 1.182, 40.0, 1e6, 1e12]:
        with mp.workdps(digits(a_, b_)):
            A, B = mp.mpf(a_), mp.mpf(b_)
            ll = sbg_ll(A, B)
            g = dgrad(sbg_ll, [A, B])
        sb.append((a_, b_, ll, g[0], g[1]))
table("ref_sbg", 5, sb, "sBG: alpha, beta, LL, dLL/d(alpha, beta) for SBG_D, SBG_E")
lines.append("static const double SBG_D[13] = {%s};" % ", ".join("%d" % v for v in SBG_D))
lines.append("static const double SBG_E[13] = {%s};" % ", ".join("%d" % v for v in SBG_E))
lines.append("")

with open(OUT, "w") as fh:
    fh.write("/* Generated by tests/data/ll_ref_gen.py (mpmath %s); do not edit. */\n" % mp.__version__)
    fh.write("/* SPDX-License-Identifier: MIT */\n\n")
    fh.write("\n".join(lines))
print("wrote", OUT)
