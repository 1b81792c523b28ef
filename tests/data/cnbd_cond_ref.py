#!/usr/bin/python3
"""High-precision references for the conditional distribution P(Y(t) = n | x, t_x, T) of
BG/CNBD-k and MBG/CNBD-k (lib/cnbd.c, cva_model_cond_prob_n) and its mean.

Written from the model's definition, by another route than the library's (which splits the
alive customers by Erlang phase and sums negative binomial probabilities): here the joint
density of the data and the future is written for given (lambda, p) with the Poisson event
counts spelled out, the p part is integrated exactly (Beta moments of polynomials in p) and
the lambda part numerically with mpmath.quad (25 digits) over the Gamma(r, alpha) prior,
the Poisson sums over the events done inside the integrand until their terms vanish.

Model (s = 0 BG/CNBD-k, s = 1 MBG/CNBD-k): purchases are every k-th event of a Poisson(lambda)
process started at the first purchase; after each repeat purchase (s = 1: also at the first)
the customer drops out with probability p. Data x, t_x, T (constants common to every case
left out):
  alive at T, j = 0..k-1 events in (t_x, T]: (1-p)^(x+s) lambda^(kx) e^(-lambda t_x) Pois(j; lambda (T - t_x))
  dead (dropped out after the last purchase): [x+s > 0] p (1-p)^(x+s-1) lambda^(kx) e^(-lambda t_x)
Future of an alive customer in phase j: N ~ Pois(lambda t) events in (T, T+t], M = floor((N+j)/k)
purchase opportunities; Y = 0 if M = 0, else Y = m < M with probability (1-p)^(m-1) p (dropped
after the m-th) and Y = M with probability (1-p)^(M-1).
Writes cnbd_cond_ref.h. Run: /usr/bin/python3 tests/data/cnbd_cond_ref.py > tests/data/cnbd_cond_ref.h
"""
import functools
import sys

import mpmath as mp

mp.mp.dps = 25
NMAX = 5  # n = 0..NMAX

GROC_M = (1.329, 2.813, 0.425, 0.790)  # BTYDplus grocery mbgcnbd (printed digits)
GROC_B = (0.359, 1.129, 0.523, 2.785)  # BTYDplus grocery bgcnbd
CASES = [
    # model, k, params, t, (x, t_x, T)
    ("CVA_MODEL_MBGCNBD", 2, GROC_M, 52.0, (1, 12.0, 52.0)),
    ("CVA_MODEL_MBGCNBD", 2, GROC_M, 52.0, (5, 40.0, 52.0)),
    ("CVA_MODEL_MBGCNBD", 2, GROC_M, 52.0, (0, 0.0, 30.0)),
    ("CVA_MODEL_BGCNBD", 2, GROC_B, 52.0, (3, 45.0, 52.0)),
    ("CVA_MODEL_BGCNBD", 2, GROC_B, 26.0, (0, 0.0, 52.0)),
    ("CVA_MODEL_BGCNBD", 3, (2.0, 6.0, 1.5, 4.0), 20.0, (4, 10.0, 18.0)),
    ("CVA_MODEL_MBGCNBD", 5, (3.0, 2.0, 0.8, 2.5), 10.0, (6, 8.0, 9.5)),
    ("CVA_MODEL_MBGCNBD", 4, (1.5, 3.0, 0.6, 1.2), 30.0, (2, 20.0, 20.0)),
    ("CVA_MODEL_BGCNBD", 1, (0.242594, 4.41359, 0.792919, 2.42589), 39.0, (2, 30.43, 38.86)),
]


def beta_moment(a, b, i, j):
    """E[p^i (1-p)^j] for p ~ Beta(a, b)."""
    return mp.beta(a + i, b + j) / mp.beta(a, b)


def pois(n, mu):
    if mu == 0:
        return mp.mpf(1) if n == 0 else mp.mpf(0)
    return mp.exp(n * mp.log(mu) - mu - mp.loggamma(n + 1))


def case(model, k, params, t, row):
    r, al, a, b = [mp.mpf(v) for v in params]
    s = 1 if model == "CVA_MODEL_MBGCNBD" else 0
    x, tx, T = row
    x = int(x)
    tx, T, t = mp.mpf(tx), mp.mpf(T), mp.mpf(t)
    d = T - tx
    # p parts: alive (1-p)^(x+s) times P(Y = n | M, p); dead p (1-p)^(x+s-1)
    @functools.lru_cache(maxsize=None)
    def g(n, M):
        if M == 0:
            return beta_moment(a, b, 0, x + s) if n == 0 else mp.mpf(0)
        if n == 0 or n > M:
            return mp.mpf(0)
        if n < M:
            return beta_moment(a, b, 1, x + s + n - 1)
        return beta_moment(a, b, 0, x + s + M - 1)

    @functools.lru_cache(maxsize=None)
    def gmean(M):  # E_p[(1-p)^(x+s) E[Y | M, p]]
        return mp.fsum(beta_moment(a, b, 0, x + s + m - 1) for m in range(1, M + 1))

    dead_p = beta_moment(a, b, 1, x + s - 1) if x + s > 0 else mp.mpf(0)
    prior = lambda lam: mp.exp(r * mp.log(al) + (r - 1) * mp.log(lam) - al * lam - mp.loggamma(r))
    base = lambda lam: prior(lam) * mp.exp(k * x * mp.log(lam) - lam * tx)

    memo = {}

    def future(lam):
        # for n = 0..NMAX and the mean: sum over the phase j and the future events N of
        # Pois(j; lam d) Pois(N; lam t) g(n, floor((N+j)/k)) (memoised: every quadrature below
        # evaluates at the same nodes)
        key = mp.nstr(lam, 40)
        if key in memo:
            return memo[key]
        tot = [mp.mpf(0)] * (NMAX + 2)
        mu = lam * t
        top = int(mu + 20 * mp.sqrt(mu) + 40)
        for j in range(k):
            pj = pois(j, lam * d)
            if pj == 0:
                continue
            pn = mp.exp(-mu)  # Pois(N; mu) by its recursion
            for N in range(top + 1):
                if N > 0:
                    pn = pn * mu / N
                M = (N + j) // k
                w = pj * pn
                for n in range(NMAX + 1):
                    gv = g(n, M)
                    if gv:
                        tot[n] += w * gv
                tot[NMAX + 1] += w * gmean(M)
        memo[key] = tot
        return tot

    def integ(f, alive=True):
        # nodes where the active customers' posterior weight is below 1e-60 (far in the tails)
        # contribute nothing at this precision and are skipped (their Poisson sums would be long)
        def h(lam):
            if alive:
                aw = base(lam) * mp.fsum(pois(j, lam * d) for j in range(k))
                if not aw > mp.mpf(10) ** -60:
                    return mp.mpf(0)
            return f(lam)
        # the prior's lambda^(r-1) at 0 (r < 1) is integrated on intervals shrinking towards 0
        m0 = (r + k * x) / (al + T)
        return mp.quad(h, [0, m0 * mp.mpf(10) ** -8, m0 * mp.mpf(10) ** -5, m0 * mp.mpf(10) ** -2, m0,
                           4 * (r + k * x + 10) / (al + T), mp.inf])

    lik_dead = dead_p * integ(base, alive=False)
    lik_alive = integ(lambda lam: base(lam) * sum(pois(j, lam * d) for j in range(k))) * \
        beta_moment(a, b, 0, x + s)
    # the alive likelihood written with the survival of the phase: P(fewer than k events in (t_x, T])
    lik = lik_dead + lik_alive
    pk = []
    for n in range(NMAX + 1):
        v = integ(lambda lam: base(lam) * future(lam)[n])
        if n == 0:
            v += lik_dead
        pk.append(v / lik)
    mean = integ(lambda lam: base(lam) * future(lam)[NMAX + 1]) / lik
    return pk, mean, lik_alive / lik


def fmt(v):
    return mp.nstr(v, 20, min_fixed=-30, max_fixed=30)


def main():
    print("/* Generated by tests/data/cnbd_cond_ref.py (mpmath %s, %d digits): do not edit. */"
          % (mp.__version__, mp.mp.dps))
    print("#define CNBD_COND_NMAX %d" % NMAX)
    print("typedef struct cnbd_cond_ref {")
    print("    int model, k;")
    print("    double params[4], t, x, t_x, T;")
    print("    double pn[%d], mean, p_alive;" % (NMAX + 1))
    print("} cnbd_cond_ref;")
    print("static const cnbd_cond_ref CNBD_COND_REF[] = {")
    for model, k, params, t, row in CASES:
        pk, mean, pa = case(model, k, params, t, row)
        sys.stderr.write("case %s k=%d %r done\n" % (model, k, row))
        print("    {%s, %d, {%s}, %r, %r, %r, %r," % (model, k, ", ".join(repr(float(v)) for v in params),
                                                    float(t), float(row[0]), float(row[1]), float(row[2])))
        print("     {%s}," % ", ".join(fmt(v) for v in pk))
        print("     %s, %s}," % (fmt(mean), fmt(pa)))
    print("};")


if __name__ == "__main__":
    main()
