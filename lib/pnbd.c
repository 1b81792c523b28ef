/*
 * libcva — Pareto/NBD (Schmittlein, Morrison & Colombo 1987), SPEC §5.4, §6.3.
 *
 * Likelihood in the two-branch form of Fader & Hardie (2005), with the unit-A
 * hypergeometric functions written through Euler's transformation (SPEC §5.9
 * item 3). With a(τ) = ln(α+τ), b(τ) = ln(β+τ), k = r+x, and for τ ∈ {t_x, T}:
 *
 *   α >= β:  z = (α−β)/(α+τ),  ℓ(τ) = −k a(τ) − s b(τ) + ln S(τ),
 *            S(τ) = Σ_j (k)_j/(k+s+1)_j z^j
 *   α <  β:  z = (β−α)/(β+τ),  ℓ(τ) = −(k−1) a(τ) − (s+1) b(τ) + ln S(τ),
 *            S(τ) = Σ_j (s+1)_j/(k+s+1)_j z^j
 *
 * (ℓ(τ) = ln[2F1(r+s+x, B; r+s+x+1; z)/(M+τ)^(r+s+x)] of SPEC §5.4.) Every term
 * ratio of S is below z, so the sum stops when t_J z/(1−z) <= 1e-17 S.
 *
 *   ln A0 = ℓ1 + ln(1 − e^d),  d = ℓ2 − ℓ1 < 0  (ℓ1 = ℓ(t_x), ℓ2 = ℓ(T)),
 * with d formed from log1p((T−t_x)/(M+t_x)) and log1p of the series tails so
 * that it keeps full relative accuracy when t_x is close to T or x is huge.
 *
 *   L1 = −k a(T) − s b(T),   L2 = ln s − ln(r+s+x) + ln A0   (L2 = −∞ when t_x = T)
 *   LL = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β + ln(e^L1 + e^L2)
 *   P(alive) = 1/(1 + e^(L2−L1))
 *
 * The gradient is analytic: d ln S/d(upper, lower, z) are accumulated term by
 * term (d ln t_j/dB' = Σ_{i<j} 1/(B'+i), d/dC' = −Σ 1/(C'+i), d/dz = j/z), and
 * d ln A0 = (dℓ1 − e^d dℓ2)/(1 − e^d).
 *
 * Predictions (Fader & Hardie 2005 note; FHL 2005b):
 *   P(alive at T+t) = P(alive) · ((β+T)/(β+T+t))^s
 *   E[Y(t)]  = P(alive) (r+x)(β+T)/(α+T) · g(s, log1p(t/(β+T))),
 *   E[X(t)]  = (r/α) β · g(s, log1p(t/β)),  g(s, u) = (1 − e^{−(s−1)u})/(s−1)  (= u at s = 1)
 *   DERT     = P(alive) (r+x)(β+T)/(α+T) · e^z E_s(z),  z = δ(β+T)  (SPEC §6.3)
 *   P(X(t)=k) = NB term + α^r β^s B(r+k, s+1)/B(r, s) · D_k,   D_k = B1 − Σ_{i<=k} c_i B2_i
 * (derived below at prob_n()).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define PNBD_CAP 1000000L
#define PNBD_TAB 256

/* ------------------------------------------------------------ the series */

typedef struct useries {
    double lS;          /* ln S */
    double tail;        /* S − 1 */
    double dB, dC, dz;  /* ∂ ln S / ∂B', ∂C', ∂z */
} useries;

/*
 * S = Σ_j (B')_j/(C')_j z^j, 0 <= z < 1, 0 < B' < C'. With grad, also the
 * partial derivatives of ln S. Returns 1 if the term cap was reached.
 */
static int unit_series(double bp, double cp, double z, int grad, useries *o)
{
    double t = 1.0, tail = 0.0, zr = z / (1.0 - z);
    double hb = 0.0, hc = 0.0, sb = 0.0, sc = 0.0, sz = 0.0;
    long j;
    int capped = 1;
    if (grad) {
        for (j = 0; j < PNBD_CAP; j++) {
            double dj = (double)j, ib = 1.0 / (bp + dj), ic = 1.0 / (cp + dj);
            double u = t * (bp + dj) * ic; /* t_{j+1} / z */
            hb += ib;
            hc += ic;
            sz += (dj + 1.0) * u;
            t = u * z;
            tail += t;
            sb += t * hb;
            sc += t * hc;
            if (t * zr <= 1e-17 * (1.0 + tail)) {
                capped = 0;
                break;
            }
        }
        o->dB = sb / (1.0 + tail);
        o->dC = -sc / (1.0 + tail);
        o->dz = sz / (1.0 + tail);
    } else {
        for (j = 0; j < PNBD_CAP; j++) {
            double dj = (double)j;
            t *= (bp + dj) / (cp + dj) * z;
            tail += t;
            if (t * zr <= 1e-17 * (1.0 + tail)) {
                capped = 0;
                break;
            }
        }
    }
    o->tail = tail;
    o->lS = log1p(tail);
    return capped;
}

/* ------------------------------------------------------------ per row */

typedef struct pnbd_par {
    double r, al, s, be;
    int abr;            /* 1: α >= β branch */
    double lnal, lnbe, lns;
} pnbd_par;

static int par_init(pnbd_par *q, const double *p)
{
    q->r = p[0];
    q->al = p[1];
    q->s = p[2];
    q->be = p[3];
    if (!(q->r > 0 && q->al > 0 && q->s > 0 && q->be > 0) || !isfinite(q->r + q->al + q->s + q->be))
        return 0;
    q->abr = q->al >= q->be;
    q->lnal = log(q->al);
    q->lnbe = log(q->be);
    q->lns = log(q->s);
    return 1;
}

/* results of one row */
typedef struct pnbd_row {
    double L1, L2;      /* L2 = −∞ when t_x = T */
    double g[4];        /* ∂(ln(e^L1 + e^L2))/∂(r, α, s, β) when requested */
    int capped;
} pnbd_row;

/* ℓ(τ) derivatives from the series and the closed-form parts */
static void ell_grad(const pnbd_par *q, double k, double tau, const useries *S, double *d)
{
    double ia = 1.0 / (q->al + tau), ib = 1.0 / (q->be + tau);
    if (q->abr) {
        /* B' = k = r+x, C' = r+s+x+1, z = (α−β)/(α+τ) */
        d[0] = -log(q->al + tau) + S->dB + S->dC;
        d[2] = -log(q->be + tau) + S->dC;
        d[1] = -k * ia + S->dz * (q->be + tau) * ia * ia;
        d[3] = -q->s * ib - S->dz * ia;
    } else {
        /* B' = s+1, C' = r+s+x+1, z = (β−α)/(β+τ) */
        d[0] = -log(q->al + tau) + S->dC;
        d[2] = -log(q->be + tau) + S->dB + S->dC;
        d[1] = -(k - 1.0) * ia - S->dz * ib;
        d[3] = -(q->s + 1.0) * ib + S->dz * (q->al + tau) * ib * ib;
    }
}

static void row_eval(const pnbd_par *q, double x, double tx, double T, int grad, pnbd_row *o)
{
    const double r = q->r, al = q->al, s = q->s, be = q->be;
    const double k = r + x, rsx = r + s + x;
    const double aT = log(al + T), bT = log(be + T);
    o->L1 = -k * aT - s * bT;
    o->capped = 0;
    if (grad) {
        o->g[0] = -aT;
        o->g[1] = -k / (al + T);
        o->g[2] = -bT;
        o->g[3] = -s / (be + T);
    }
    if (tx < T) {
        double bp = q->abr ? k : s + 1.0, cp = rsx + 1.0, M = q->abr ? al : be;
        double z1 = fabs(al - be) / (M + tx), z2 = fabs(al - be) / (M + T);
        double da = log1p((T - tx) / (al + tx)), db = log1p((T - tx) / (be + tx));
        double l1, d, lnA0, w2;
        useries S1, S2;
        o->capped |= unit_series(bp, cp, z1, grad, &S1);
        o->capped |= unit_series(bp, cp, z2, grad, &S2);
        if (q->abr) {
            l1 = -k * log(al + tx) - s * log(be + tx) + S1.lS;
            d = -k * da - s * db;
        } else {
            l1 = -(k - 1.0) * log(al + tx) - (s + 1.0) * log(be + tx) + S1.lS;
            d = -(k - 1.0) * da - (s + 1.0) * db;
        }
        d += log1p((S2.tail - S1.tail) / (1.0 + S1.tail));
        if (!(d < 0.0)) /* rounding when T − t_x is below the resolution of ℓ */
            d = -DBL_MIN;
        lnA0 = l1 + cva__log1mexp(d);
        o->L2 = q->lns - log(rsx) + lnA0;
        if (grad) {
            double d1[4], d2[4], c1, c2, w1, dl;
            int i;
            ell_grad(q, k, tx, &S1, d1);
            ell_grad(q, k, T, &S2, d2);
            c1 = -1.0 / expm1(d); /* 1/(1−e^d) */
            c2 = c1 - 1.0;        /* e^d/(1−e^d) */
            w2 = cva__expit(o->L2 - o->L1);
            w1 = 1.0 - w2;
            for (i = 0; i < 4; i++) {
                dl = c1 * d1[i] - c2 * d2[i];
                if (i == 0)
                    dl -= 1.0 / rsx;
                else if (i == 2)
                    dl += 1.0 / s - 1.0 / rsx;
                o->g[i] = w1 * o->g[i] + w2 * dl;
            }
        }
    } else {
        o->L2 = -HUGE_VAL;
    }
}

/* lnΓ(r+x) − lnΓ(r) and ψ(r+x) − ψ(r) with a lazily filled table for small integer x */
typedef struct lg_cache {
    double lgr, psr;
    double lg[PNBD_TAB], dg[PNBD_TAB];
    int filled; /* entries 0..filled−1 valid */
    int want_dg;
} lg_cache;

static void lgc_init(lg_cache *c, double r, int want_dg)
{
    c->lgr = cva__lgamma(r);
    c->psr = want_dg ? cva__digamma(r) : 0.0;
    c->lg[0] = 0.0;
    c->dg[0] = 0.0;
    c->filled = 1;
    c->want_dg = want_dg;
}

static void lgc_get(lg_cache *c, double r, double x, double *lg, double *dg)
{
    if (x < (double)PNBD_TAB && !(floor(x) < x)) {
        int xi = (int)x;
        while (c->filled <= xi) {
            int j = c->filled;
            c->lg[j] = cva__lgamma(r + (double)j) - c->lgr;
            c->dg[j] = c->dg[j - 1] + 1.0 / (r + (double)(j - 1));
            c->filled++;
        }
        *lg = c->lg[xi];
        *dg = c->dg[xi];
    } else {
        *lg = cva__lgamma(r + x) - c->lgr;
        *dg = c->want_dg ? cva__digamma(r + x) - c->psr : 0.0;
    }
}

/* ------------------------------------------------------------------ LL */

static double pnbd_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    pnbd_par q;
    lg_cache lc;
    cva__ksum acc = {0.0, 0.0};
    double g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0, base;
    size_t i;
    if (!par_init(&q, p))
        return (double)NAN;
    lgc_init(&lc, q.r, grad != NULL);
    base = q.r * q.lnal + q.s * q.lnbe;
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], w = rows->w ? rows->w[i] : 1.0;
        double lg, dg, lli;
        pnbd_row o;
        row_eval(&q, x, rows->t_x[i], rows->T[i], grad != NULL, &o);
        lgc_get(&lc, q.r, x, &lg, &dg);
        lli = lg + base + cva__logaddexp(o.L1, o.L2);
        if (ll_i)
            ll_i[i] = lli;
        cva__ksum_add(&acc, w * lli);
        if (grad) {
            g0 += w * (dg + o.g[0]);
            g1 += w * o.g[1];
            g2 += w * o.g[2];
            g3 += w * o.g[3];
        }
    }
    if (grad) {
        double W = 0.0;
        if (rows->w) {
            for (i = 0; i < rows->n; i++)
                W += rows->w[i];
        } else {
            W = (double)rows->n;
        }
        grad[0] = g0 + W * q.lnal;
        grad[1] = g1 + W * q.r / q.al;
        grad[2] = g2 + W * q.lnbe;
        grad[3] = g3 + W * q.s / q.be;
    }
    return cva__ksum_value(&acc);
}

/* ---------------------------------------------------------- predictions */

/* ln P(alive) at T */
static double ln_palive(const pnbd_row *o)
{
    /* −ln(1 + e^(L2−L1)) */
    return -cva__log1pexp(o->L2 - o->L1);
}

static cva_status pnbd_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                               const double *T, size_t n, double *out)
{
    pnbd_par q;
    size_t i;
    int capped = 0;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        pnbd_row o;
        double lp;
        row_eval(&q, x[i], t_x[i], T[i], 0, &o);
        capped |= o.capped;
        lp = ln_palive(&o);
        if (t_future > 0.0)
            lp -= q.s * log1p(t_future / (q.be + T[i]));
        out[i] = exp(lp);
    }
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

/* (1 − e^{−(s−1)u})/(s−1), = u at s = 1 */
static double g_fun(double s, double u)
{
    double h = s - 1.0;
    if (fabs(h) * u < 1e-300)
        return u;
    return -expm1(-h * u) / h;
}

static cva_status pnbd_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                                size_t n, double *out)
{
    pnbd_par q;
    size_t i;
    int capped = 0;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        pnbd_row o;
        double bT = q.be + T[i];
        if (!(t > 0.0)) {
            out[i] = 0.0;
            continue;
        }
        row_eval(&q, x[i], t_x[i], T[i], 0, &o);
        capped |= o.capped;
        out[i] = exp(ln_palive(&o) + log(q.r + x[i]) + log(bT) - log(q.al + T[i])) * g_fun(q.s, log1p(t / bT));
    }
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

static cva_status pnbd_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    pnbd_par q;
    size_t i;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++)
        out[i] = q.r / q.al * q.be * g_fun(q.s, log1p(t[i] / q.be));
    return CVA_OK;
}

static cva_status pnbd_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                            size_t n, double *out)
{
    pnbd_par q;
    size_t i;
    cva_status st = CVA_OK;
    if (!par_init(&q, p) || !(delta > 0.0))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        pnbd_row o;
        double bT = q.be + T[i], e = 0.0;
        cva_status s1;
        row_eval(&q, x[i], t_x[i], T[i], 0, &o);
        if (o.capped)
            st = CVA_W_SERIES_LIMIT;
        s1 = cva__expint_scaled(q.s, delta * bT, &e);
        if (s1 < 0)
            return s1;
        if (s1 != CVA_OK)
            st = s1;
        out[i] = exp(ln_palive(&o) + log(q.r + x[i]) + log(bT) - log(q.al + T[i])) * e;
    }
    return st;
}

/*
 * P(X(t) = k) for a new customer. Given λ, μ the customer is alive at t with
 * probability e^{−μt} (then X ~ Poisson(λt)); otherwise dies at τ < t:
 *   ∫_0^t μ e^{−μτ} (λτ)^k e^{−λτ}/k! dτ = μ λ^k/(λ+μ)^{k+1} · P(Gamma(k+1, λ+μ) <= t)
 *     = μ λ^k/(λ+μ)^{k+1} · [1 − e^{−(λ+μ)t} Σ_{i<=k} ((λ+μ)t)^i / i!].
 * Mixing over λ ~ Gamma(r, α), μ ~ Gamma(s, β) with (λ, μ) = ρ(p, 1−p):
 *   E[μ λ^k (λ+μ)^{i−k−1} e^{−(λ+μ)t}] = α^r β^s Γ(r+s+i) B(r+k, s+1)/(Γ(r)Γ(s)) · H_i(t),
 *   H_i(t) = 2F1(r+s+i, s+1; r+s+k+1; (α−β)/(α+t)) / (α+t)^(r+s+i)      (α >= β)
 *          = 2F1(r+s+i, r+k; r+s+k+1; (β−α)/(β+t)) / (β+t)^(r+s+i)      (α <  β)
 * so  P(X(t)=k) = Γ(r+k)/(Γ(r)k!) (α/(α+t))^r (t/(α+t))^k (β/(β+t))^s
 *              + α^r β^s B(r+k, s+1)/B(r, s) · [H_0(0) − Σ_{i<=k} (Γ(r+s+i)/(Γ(r+s) i!)) t^i H_i(t)].
 * The bracket is a difference; when it cancels (more than 3 digits lost) it is
 * summed instead as the positive tail Σ_{i>k} (same terms), which converges
 * quickly exactly where the difference cancels (small (λ+μ)t).
 */
static cva_status ln_H(const pnbd_par *q, double k, double i, double t, double *lv)
{
    double r = q->r, s = q->s, z, lf;
    int sg = 1;
    cva_status st;
    if (q->abr) {
        z = (q->al - q->be) / (q->al + t);
        st = cva__hyp2f1_log(r + s + i, s + 1.0, r + s + k + 1.0, z, &lf, &sg);
        *lv = lf - (r + s + i) * log(q->al + t);
    } else {
        z = (q->be - q->al) / (q->be + t);
        st = cva__hyp2f1_log(r + s + i, r + k, r + s + k + 1.0, z, &lf, &sg);
        *lv = lf - (r + s + i) * log(q->be + t);
    }
    if (st >= 0 && sg <= 0)
        st = CVA_E_DOMAIN;
    return st;
}

static cva_status pnbd_prob_n(const double *p, double t, size_t n_k, double *out)
{
    pnbd_par q;
    size_t kk;
    cva_status st = CVA_OK, s1;
    double lgr, lgs, lgrs, lt = log(t);
    if (!par_init(&q, p) || !(t > 0.0))
        return CVA_E_DOMAIN;
    lgr = cva__lgamma(q.r);
    lgs = cva__lgamma(q.s);
    lgrs = cva__lgamma(q.r + q.s);
    for (kk = 0; kk < n_k; kk++) {
        double k = (double)kk, lb1, lsum = 0.0, acc, term1, lpre, lbr, i, lterm, frac;
        /* NB part */
        term1 = exp(cva__lgamma(q.r + k) - lgr - cva__lgamma(k + 1.0) + q.r * (q.lnal - log(q.al + t)) +
                    k * (lt - log(q.al + t)) - q.s * log1p(t / q.be));
        /* α^r β^s B(r+k, s+1)/B(r, s) */
        lbr = cva__lgamma(q.r + k) + cva__lgamma(q.s + 1.0) - cva__lgamma(q.r + q.s + k + 1.0) - (lgr + lgs - lgrs);
        lpre = q.r * q.lnal + q.s * q.lnbe + lbr;
        s1 = ln_H(&q, k, 0.0, 0.0, &lb1);
        if (s1 < 0)
            return s1;
        if (s1 != CVA_OK)
            st = s1;
        /* difference form, relative to H_0(0) */
        acc = 0.0;
        for (i = 0.0; i <= k; i += 1.0) {
            double lh;
            s1 = ln_H(&q, k, i, t, &lh);
            if (s1 < 0)
                return s1;
            if (s1 != CVA_OK)
                st = s1;
            lterm = cva__lgamma(q.r + q.s + i) - lgrs - cva__lgamma(i + 1.0) + i * lt + lh;
            acc += exp(lterm - lb1);
        }
        frac = 1.0 - acc;
        if (frac > 1e-3) {
            lsum = lb1 + log(frac);
        } else {
            /* positive tail Σ_{i>k} */
            double first = 0.0, sum = 0.0;
            long m;
            int done = 0;
            for (m = 0; m < 100000; m++) {
                double lh;
                i = k + 1.0 + (double)m;
                s1 = ln_H(&q, k, i, t, &lh);
                if (s1 < 0)
                    return s1;
                if (s1 != CVA_OK)
                    st = s1;
                lterm = cva__lgamma(q.r + q.s + i) - lgrs - cva__lgamma(i + 1.0) + i * lt + lh;
                if (m == 0)
                    first = lterm;
                sum += exp(lterm - first);
                if (exp(lterm - first) <= 1e-17 * sum && m > 2) {
                    done = 1;
                    break;
                }
            }
            if (!done)
                st = CVA_W_SERIES_LIMIT;
            lsum = first + log(sum);
        }
        out[kk] = term1 + exp(lpre + lsum);
    }
    return st;
}

const cva__btyd_model cva__model_pnbd = {
    CVA_MODEL_PNBD,
    4,
    {"r", "alpha", "s", "beta"},
    {1.0, 1.0, 1.0, 1.0},
    {0, 1, 0, 1},
    pnbd_ll,
    pnbd_p_alive,
    pnbd_expected,
    pnbd_expected_pop,
    pnbd_prob_n,
    pnbd_dert,
};
