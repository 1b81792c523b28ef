#!/usr/bin/python3
"""High-precision references for the model-based what-if (cva_whatif_sbg,
cva_whatif_btyd; the definitions are in include/cva/retention.h), for
tests/test_whatif_model.c.

Everything here is evaluated from the model definitions, WITHOUT the closed forms the
library uses:

* sBG: the shifted parameters alpha' = (1-r')(alpha+beta), beta' = r'(alpha+beta) with
  r = beta/(alpha+beta); DEL = sum_{t>=0} S(t)/(1+d)^t and
  DERL(n renewals) = sum_{k>=0} S(n+1+k)/S(n)/(1+d)^k, S(t) = prod_{i=1..t}
  (beta+i-1)/(alpha+beta+i-1), summed term by term (the library uses 2F1 series);
* Pareto/NBD: the one-period retention E[exp(-mu P)], mu ~ Gamma(s, beta), by quadrature
  over mu; the scale c of mu solving E[exp(-c mu P)] = r' by root finding on that
  quadrature; the ratio DERT_c / DERT_1 for a customer, E[1/(delta + c mu)] over the
  posterior Gamma(s, beta+T) of mu, by quadrature (the library uses e^z E_s(z));
* BG/NBD: the one-period retention E[exp(-lambda p P)] = E_p[(alpha/(alpha+pP))^r] by
  quadrature over p ~ Beta(a, b) (the library uses a 2F1 closed form); c by root
  finding; the ratio DERT_c / DERT_1, E[lambda/(delta + c p lambda)] over the posterior
  Gamma(r+x, alpha+T) x Beta(a, b+x), by two-dimensional quadrature.

delta = ln(1+d)/P. Each input is a double, seen exactly by mpmath; results are rounded
once to the nearest double ('%.17g'). Run from the repository root:
    /usr/bin/python3 tests/data/whatif_model_ref.py
SPDX-License-Identifier: MIT
"""
import os

import mpmath as mp

mp.mp.dps = 30
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "whatif_model_ref.h")


def g17(v):
    return "%.17g" % float(v)


# ------------------------------------------------------------------ sBG

def sbg_sums(al, be, d, n_ren):
    al, be, d = mp.mpf(al), mp.mpf(be), mp.mpf(d)
    q = 1 / (1 + d)
    # DEL
    s, S, t, disc = mp.mpf(0), mp.mpf(1), 0, mp.mpf(1)
    while True:
        term = S * disc
        s += term
        if term < mp.mpf(10) ** -32 * s and t > 10:
            break
        t += 1
        S *= (be + t - 1) / (al + be + t - 1)
        disc *= q
    del_ = s
    # DERL after n_ren renewals: S(n+1+k)/S(n), n = n_ren
    s, ratio, k, disc = mp.mpf(0), mp.mpf(1), 0, mp.mpf(1)
    t = n_ren
    while True:
        t += 1
        ratio *= (be + t - 1) / (al + be + t - 1)  # S(t)/S(n_ren)
        term = ratio * disc
        s += term
        if term < mp.mpf(10) ** -32 * s and k > 10:
            break
        k += 1
        disc *= q
    return del_, s


SBG_CASES = [
    # alpha, beta, d, mode (0 abs, 1 rel), delta, n_renewals
    (0.704, 1.182, 0.10, 0, 0.05, 0),
    (0.704, 1.182, 0.10, 0, 0.05, 3),
    (0.6681, 3.8061, 0.10, 1, 5.0, 1),
    (0.6681, 3.8061, 0.02, 0, -0.2, 2),
    (5.0, 0.3, 0.15, 0, 0.3, 0),
]
SBG_COUNTS = [100.0, 50.0, 20.0, 0.0, 5.0]

sbg_rows = []
for al, be, d, mode, dl, n_ren in SBG_CASES:
    A, B = mp.mpf(al), mp.mpf(be)
    r = B / (A + B)
    r1 = r + mp.mpf(dl) if mode == 0 else r * (1 + mp.mpf(dl) / 100)
    a1, b1 = (1 - r1) * (A + B), r1 * (A + B)
    del0, derl0 = sbg_sums(al, be, d, n_ren)
    del1, derl1 = sbg_sums(a1, b1, d, n_ren)
    v0 = mp.fsum(c * sbg_sums(al, be, d, k)[1] for k, c in enumerate(SBG_COUNTS) if c > 0)
    v1 = mp.fsum(c * sbg_sums(a1, b1, d, k)[1] for k, c in enumerate(SBG_COUNTS) if c > 0)
    sbg_rows.append([al, be, d, mode, dl, n_ren, r, r1, a1, b1, del0, del1, derl0, derl1, v0, v1])

# ------------------------------------------------------------------ Pareto/NBD

PNBD = (0.5534, 10.5776, 0.6061, 11.6650)
CUST = [(2.0, 30.43, 38.86), (0.0, 0.0, 38.86), (5.0, 10.0, 38.86), (25.0, 35.0, 38.0)]


def gamma_mean(f, shape, rate):
    shape, rate = mp.mpf(shape), mp.mpf(rate)
    dens = lambda m: rate ** shape * m ** (shape - 1) * mp.exp(-rate * m) / mp.gamma(shape)  # noqa: E731
    return mp.quad(lambda m: dens(m) * f(m), [0, mp.mpf(1) / rate, 10 / rate, mp.inf])


def pnbd_surv(c, P):
    s, be = PNBD[2], PNBD[3]
    return gamma_mean(lambda m: mp.exp(-c * m * P), s, be)


PNBD_CASES = [(52.0, 0.10, 0, 0.05), (4.0, 0.10, 1, 5.0), (52.0, 0.25, 0, -0.2)]
pnbd_rows = []
for P, d, mode, dl in PNBD_CASES:
    P_ = mp.mpf(P)
    r = pnbd_surv(1, P_)
    r1 = r + mp.mpf(dl) if mode == 0 else r * (1 + mp.mpf(dl) / 100)
    c = mp.findroot(lambda c: pnbd_surv(c, P_) - r1, mp.mpf(0.8))
    delta = mp.log(1 + mp.mpf(d)) / P_
    ratios = []
    for x, tx, T in CUST:
        f0 = gamma_mean(lambda m: 1 / (delta + m), PNBD[2], PNBD[3] + T)
        f1 = gamma_mean(lambda m: 1 / (delta + c * m), PNBD[2], PNBD[3] + T)
        ratios.append(f1 / f0)
    pnbd_rows.append([P, d, mode, dl, r, r1, c] + ratios)

# ------------------------------------------------------------------ BG/NBD

BGNBD = (0.243, 4.414, 0.793, 2.426)


def beta_mean(f, a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    lB = mp.log(mp.beta(a, b))
    return mp.quad(lambda p: mp.exp((a - 1) * mp.log(p) + (b - 1) * mp.log(1 - p) - lB) * f(p), [0, 0.5, 1])


def bg_surv(c, P):
    r, al, a, b = BGNBD
    return beta_mean(lambda p: (al / (al + c * p * P)) ** r, a, b)


BG_CASES = [(52.0, 0.10, 0, 0.05), (4.0, 0.10, 1, 1.0)]
bg_rows = []
mp.mp.dps = 20
for P, d, mode, dl in BG_CASES:
    P_ = mp.mpf(P)
    r = bg_surv(1, P_)
    r1 = r + mp.mpf(dl) if mode == 0 else r * (1 + mp.mpf(dl) / 100)
    c = mp.findroot(lambda c: bg_surv(c, P_) - r1, mp.mpf(0.7))
    delta = mp.log(1 + mp.mpf(d)) / P_
    ratios = []
    for x, tx, T in CUST[:3]:
        rr, al, a, b = BGNBD

        def inner(p, cc):
            return gamma_mean(lambda lam: lam / (delta + cc * p * lam), rr + x, al + T)

        f0 = beta_mean(lambda p: inner(p, 1), a, b + x)
        f1 = beta_mean(lambda p: inner(p, c), a, b + x)
        ratios.append(f1 / f0)
    bg_rows.append([P, d, mode, dl, r, r1, c] + ratios)

with open(OUT, "w") as f:
    f.write("/* Generated by tests/data/whatif_model_ref.py (mpmath %s); do not edit. */\n" % mp.__version__)
    f.write("/* SPDX-License-Identifier: MIT */\n\n")
    f.write("/* sBG: alpha, beta, d, mode (0 abs, 1 rel), delta, n_renewals, r, r', alpha', beta', DEL, DEL',\n"
            "   DERL, DERL', base value and shifted value of the counts below (margin 1) */\n")
    f.write("static const double wm_sbg_counts[%d] = {%s};\n" % (len(SBG_COUNTS), ", ".join(g17(v) for v in SBG_COUNTS)))
    f.write("static const double wm_sbg_ref[][16] = {\n")
    for row in sbg_rows:
        f.write("    {%s},\n" % ", ".join(g17(v) for v in row))
    f.write("};\n\n")
    f.write("/* customers (x, t_x, T) of the BTYD rows */\n")
    f.write("static const double wm_cust[%d][3] = {%s};\n\n" % (len(CUST), ", ".join(
        "{%s}" % ", ".join(g17(v) for v in cst) for cst in CUST)))
    f.write("/* Pareto/NBD (0.5534, 10.5776, 0.6061, 11.6650): period P, d, mode, delta, r, r', c,\n"
            "   DERT_c/DERT_1 of each customer */\n")
    f.write("static const double wm_pnbd_ref[][%d] = {\n" % (7 + len(CUST)))
    for row in pnbd_rows:
        f.write("    {%s},\n" % ", ".join(g17(v) for v in row))
    f.write("};\n\n")
    f.write("/* BG/NBD (0.243, 4.414, 0.793, 2.426): period P, d, mode, delta, r, r', c, DERT_c/DERT_1\n"
            "   of the first three customers (20-digit quadrature) */\n")
    f.write("static const double wm_bg_ref[][10] = {\n")
    for row in bg_rows:
        f.write("    {%s},\n" % ", ".join(g17(v) for v in row))
    f.write("};\n")
print("wrote", OUT)
