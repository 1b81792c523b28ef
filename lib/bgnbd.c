/*
 * libcva — BG/NBD (Fader, Hardie & Lee 2005a) and MBG/NBD (Batislam, Denizel
 * & Filiztekin 2007, as corrected by Wagner & Hoppe 2008). docs/methods/models.md#methods_bgnbd.
 *
 * Both models share one code path with a shift s: BG/NBD (s = 0) lets a
 * customer drop out only after a repeat purchase; MBG/NBD (s = 1) also right
 * after the first purchase, so b+x becomes b+x+1 in the Beta parts and a
 * customer with x = 0 can be inactive.
 *
 *   LL_i = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x+s) − lnΓ(b) − lnΓ(a+b+x+s)
 *          − (r+x) ln(α+T) + [x>0 or s] · ln(1 + e^D)
 *   D    = ln a − ln(b+x+s−1) + (r+x) ln((α+T)/(α+t_x)),   P(alive) = 1/(1+e^D)
 *
 * Conditional expectation (Euler form, docs/methods/models.md#methods_bgnbd), z = t/(α+T+t), 1−z = (α+T)/(α+T+t):
 *   E[Y(t)] = P(alive) · (a+b+x+s−1)/(a−1) · [1 − (1−z)^(a−1) 2F1(a+b+s−1−r, a−1; a+b+x+s−1; z)]
 * Population (x = 0, T = 0 with P(alive) = 1 — for MBG/NBD the factor b/(a+b) of the
 * survival of the first purchase is part of the closed form):
 *   BG/NBD  E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^(a−1) 2F1(a+b−1−r, a−1; a+b−1; t/(α+t))]
 *   MBG/NBD E[X(t)] = b/(a−1)       · [1 − (α/(α+t))^(a−1) 2F1(a+b−r,   a−1; a+b;   t/(α+t))]
 *
 * P(alive at T + τ): given alive at T, λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x+s); the
 * customer survives (T, T+τ] with probability E[e^{−λpτ}] (each Poisson purchase
 * kills with probability p). Integrating λ, then p (Euler integral) and applying Pfaff:
 *   P(alive at T+τ) = P(alive) · (1−w)^a · 2F1(a+b+s−r, a; a+b+x+s; w),  w = τ/(α+T+τ).
 *
 * DERT with continuous discounting δ: the purchase rate at T+τ is
 * P(alive)·E[λ e^{−λpτ}]; integrating e^{−δτ} first gives, with k = r+x,
 *   DERT = P(alive) · E_{p ~ Beta(a, b+x+s)} [ (k/p) · e^{z} E_{k+1}(z) ],  z = δ(α+T)/p,
 * a one-dimensional integral done by tanh-sinh quadrature (endpoint singularities of
 * the Beta density are harmless there). e^z E_s(z) comes from special.c.
 *
 * P(X(t) = k) (FHL 2005a eq. 8; MBG/NBD analogue with the first-purchase drop-out):
 *   BG/NBD: B(a,b+k)/B(a,b) NB_k + [k>0] B(a+1,b+k−1)/B(a,b) · P(NB >= k)
 *   MBG/NBD: B(a,b+k+1)/B(a,b) NB_k + B(a+1,b+k)/B(a,b) · P(NB >= k)
 * with NB_k = Γ(r+k)/(Γ(r)k!) (α/(α+t))^r (t/(α+t))^k and the tail summed downwards.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "churn_internal.h"

/* --------------------------------------------------------------- LL */

/* ln(1 + v), v >= 0: log1p only where it matters (glibc's log1p costs ~3 logs);
   for v >= 0.5 the rounding of 1 + v is below 1.2e-16 absolute in the result. */
static double log1p_fast(double v)
{
    return v < 0.5 ? log1p(v) : log(1.0 + v);
}

/* ln((α+T)/(α+t_x)) = ln(1 + d/u) with d = T − t_x >= 0, u = α + t_x > 0 */
static double log_ratio(double d, double u)
{
    return log1p_fast(d / u);
}


/*
 * Written so that no two large logarithms cancel at the edges of the parameter space
 * (r, α → ∞ with r/α fixed: no heterogeneity of the purchase rate; a, b → ∞: none of
 * the drop-out probability):
 *   lnΓ(r+x) − lnΓ(r) + r ln α − (r+x) ln(α+T)
 *     = [lnΓ(r+x) − lnΓ(r)] − x ln(α+T) − r ln(1 + T/α)                (cva__lgamma_diff)
 *   lnΓ(a+b) + lnΓ(b+x+s) − lnΓ(b) − lnΓ(a+b+x+s) = ln B(a, b+x+s) − ln B(a, b)  (cva__lbeta_ratio)
 * and in the gradient ψ(r+x) − ψ(r), ψ(b+x+s) − ψ(b), ψ(a+b+x+s) − ψ(a+b) as
 * cva__digamma_diff, r/α − (r+x)/(α+T) = (rT/α − x)/(α+T), and
 * 1/(α+T) − 1/(α+t_x) = −(T−t_x)/((α+T)(α+t_x)).
 */
static double bg_ll(const double *prm, const cva__btyd_rows *rows, double *grad, double *ll_i, int s)
{
    const double r = prm[0], al = prm[1], a = prm[2], b = prm[3];
    const double lna = log(a), lnal = log(al), ial = 1.0 / al;
    double gr = 0.0, gal = 0.0, ga = 0.0, gb = 0.0;
    double cx = -1.0, G = 0.0, lnbx = 0.0, dr0 = 0.0, dab0 = 0.0, db0 = 0.0, ibx = 0.0;
    double cT = -1.0, lT = 0.0, l1T = 0.0, iT = 0.0;
    cva__ksum acc = {0.0, 0.0};
    size_t i;

    if (!(r > 0 && al > 0 && a > 0 && b > 0) || !isfinite(r + al + a + b))
        return CVA_NAN;
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], T = rows->T[i], tx = rows->t_x[i];
        const double w = rows->w ? rows->w[i] : 1.0;
        const double rx = r + x;
        double lli;
        if (!(x >= cx && x <= cx)) { /* per-x quantities */
            const double h = x + (double)s;
            cx = x;
            G = cva__lgamma_diff(r, x) + cva__lbeta_ratio(a, b, 0.0, h);
            lnbx = (x > 0 || s) ? log(b + (h - 1.0)) : 0.0;
            ibx = (x > 0 || s) ? 1.0 / (b + (h - 1.0)) : 0.0;
            if (grad) {
                dr0 = cva__digamma_diff(r, x);
                dab0 = -cva__digamma_diff(a + b, h);
                db0 = dab0 + cva__digamma_diff(b, h);
            }
        }
        if (!(T >= cT && T <= cT)) {
            cT = T;
            lT = log(al + T);
            /* ln(1 + T/α): the difference of logs is exact enough once T/α >= ½ */
            l1T = T >= 0.5 * al ? lT - lnal : log1p(T * ial);
            iT = 1.0 / (al + T);
        }
        if (x > 0 || s) {
            /* The two terms of the likelihood, alive through T and dropped out after t_x:
                 t1 = G − x ln(α+T) − r ln(1 + T/α),
                 t2 = G − x ln(α+t_x) − r ln(1 + t_x/α) + ln a − ln(b+x+s−1),
               D = t2 − t1 = ln a − ln(b+x+s−1) + (r+x) ln((α+T)/(α+t_x)); LL is the larger
               term plus ln(1 + e^−|D|), each term formed from its own logs (r ln(1 + t/α)
               is large where r, α are, and t1 + D would cancel it). */
            const double lr = log_ratio(T - tx, al + tx);
            const double D = lna - lnbx + rx * lr;
            const double e = exp(-fabs(D));
            const double w2 = D > 0 ? 1.0 / (1.0 + e) : e / (1.0 + e); /* P(dead | data) */
            const double w1 = D > 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
            /* ln(1 + t_x/α): from the logs at hand unless r times them is large */
            const double l1tx = r * l1T <= 64.0 ? l1T - lr : (tx >= 0.5 * al ? log(al + tx) - lnal : log1p(tx * ial));
            if (D > 0)
                lli = G - x * (lT - lr) - r * l1tx + lna - lnbx + log1p_fast(e);
            else
                lli = G - x * lT - r * l1T + log1p_fast(e);
            if (grad) {
                /* the two terms' derivatives weighted by their shares w1, w2 */
                const double itx = 1.0 / (al + tx);
                gr += w * (dr0 - w1 * l1T - w2 * l1tx);
                gal += w * (w1 * (r * T * ial - x) * iT + w2 * (r * tx * ial - x) * itx);
                ga += w * (dab0 + w2 / a);
                gb += w * (db0 - w2 * ibx);
            }
        } else {
            lli = G - x * lT - r * l1T;
        }
        if (!(x > 0 || s) && grad) {
            gr += w * (dr0 - l1T);
            gal += w * (r * T * ial - x) * iT;
            ga += w * dab0;
            gb += w * db0;
        }
        if (ll_i)
            ll_i[i] = lli;
        cva__ksum_add(&acc, w * lli);
    }
    if (grad) {
        grad[0] = gr;
        grad[1] = gal;
        grad[2] = ga;
        grad[3] = gb;
    }
    return cva__ksum_value(&acc);
}

/* ψ'(x) for x > 0: the recurrence ψ'(x) = ψ'(x+1) + 1/x² up to x >= 10, then the asymptotic
   series 1/x + 1/(2x²) + Σ B_2k/x^(2k+1) (relative error below 1e-15 there) */
static double trigamma(double x)
{
    double acc = 0.0, ix, ix2;
    while (x < 10.0) {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    ix = 1.0 / x;
    ix2 = ix * ix;
    return acc + ix + 0.5 * ix2 +
           ix * ix2 * (1.0 / 6.0 + ix2 * (-1.0 / 30.0 + ix2 * (1.0 / 42.0 + ix2 * (-1.0 / 30.0 + ix2 * (5.0 / 66.0 +
                                                                                               ix2 * (-691.0 / 2730.0))))));
}

/* ψ'(x+h) − ψ'(x), x > 0, h >= 0: a sum of −1/(x+i)² for an integer h up to 256 (no
   cancellation), else the difference of the two values */
static double trigamma_diff(double x, double h)
{
    if (h <= 256.0 && !(h > floor(h))) {
        double acc = 0.0;
        int i, n = (int)h;
        for (i = 0; i < n; i++)
            acc -= 1.0 / ((x + (double)i) * (x + (double)i));
        return acc;
    }
    return trigamma(x + h) - trigamma(x);
}

/*
 * Σ w_i LL_i's gradient and Hessian in (r, α, a, b) in one pass (the covariate fit's block
 * Hessian, covariates.c): LL_i = G + t1 + [x>0 or s] ln(1 + e^D) with
 *   G  = lnΓ(r+x) − lnΓ(r) + ln B(a, b+x+s) − ln B(a, b),  t1 = r ln α − (r+x) ln(α+T),
 *   D  = ln a − ln(b+x+s−1) + (r+x) ln((α+T)/(α+t_x)),
 * so with w2 = e^D/(1+e^D) (P(dead | data)) and w1 = 1 − w2,
 *   ∇²LL_i = ∇²G + ∇²t1 + w2 ∇²D + w1 w2 ∇D ∇D',
 *   ∇²G: ∂rr = ψ'(r+x) − ψ'(r), ∂aa = ∂ab = ψ'(a+b) − ψ'(a+b+x+s) =: c,
 *        ∂bb = ψ'(b+x+s) − ψ'(b) + c;
 *   ∇²t1: ∂rα = T/(α(α+T)), ∂αα = x/(α+T)² − r T(2α+T)/(α²(α+T)²);
 *   ∇D = (L, −(r+x)(T−t_x)/((α+T)(α+t_x)), 1/a, −1/(b+x+s−1)),  L = ln((α+T)/(α+t_x)),
 *   ∇²D: ∂rα = −(T−t_x)/((α+T)(α+t_x)), ∂αα = (r+x)(1/(α+t_x)² − 1/(α+T)²), ∂aa = −1/a²,
 *        ∂bb = 1/(b+x+s−1)².
 * The gradient is bg_ll()'s. Returns 0 when a value is not finite.
 */
int cva__bg_ll_hess(const double *prm, const cva__btyd_rows *rows, int s, double *grad, double *hess)
{
    const double r = prm[0], al = prm[1], a = prm[2], b = prm[3];
    const double ial = 1.0 / al, ia = 1.0 / a;
    double g[4] = {0.0, 0.0, 0.0, 0.0}, H[16];
    double cx = -1.0, dr0 = 0.0, dab0 = 0.0, db0 = 0.0, ibx = 0.0, tr0 = 0.0, tab = 0.0, tb = 0.0;
    double cT = -1.0, l1T = 0.0, iT = 0.0, lT = 0.0;
    size_t i;
    int j;
    if (!(r > 0 && al > 0 && a > 0 && b > 0) || !isfinite(r + al + a + b))
        return 0;
    for (j = 0; j < 16; j++)
        H[j] = 0.0;
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], T = rows->T[i], tx = rows->t_x[i];
        const double w = rows->w ? rows->w[i] : 1.0;
        const double rx = r + x;
        if (!(x >= cx && x <= cx)) { /* per-x quantities */
            const double h = x + (double)s;
            cx = x;
            ibx = (x > 0 || s) ? 1.0 / (b + (h - 1.0)) : 0.0;
            dr0 = cva__digamma_diff(r, x);
            dab0 = -cva__digamma_diff(a + b, h);
            db0 = dab0 + cva__digamma_diff(b, h);
            tr0 = trigamma_diff(r, x);
            tab = -trigamma_diff(a + b, h);
            tb = tab + trigamma_diff(b, h);
        }
        if (!(T >= cT && T <= cT)) {
            cT = T;
            lT = log(al + T);
            l1T = T >= 0.5 * al ? lT - log(al) : log1p(T * ial);
            iT = 1.0 / (al + T);
        }
        /* G and t1 */
        H[0] += w * tr0;
        H[1] += w * T * ial * iT;
        H[5] += w * (x * iT * iT - r * T * (2.0 * al + T) * ial * ial * iT * iT);
        H[10] += w * tab;
        H[11] += w * tab;
        H[15] += w * tb;
        if (x > 0 || s) {
            const double itx = 1.0 / (al + tx), dd = (T - tx) * iT * itx;
            const double lr = log_ratio(T - tx, al + tx);
            const double lnbx = -log(ibx);
            const double D = log(a) - lnbx + rx * lr;
            const double e = exp(-fabs(D));
            const double w2 = D > 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            const double w1 = D > 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
            const double dD[4] = {lr, -rx * dd, ia, -ibx};
            const double l1tx = tx >= 0.5 * al ? log(al + tx) - log(al) : log1p(tx * ial);
            int k;
            g[0] += w * (dr0 - w1 * l1T - w2 * l1tx);
            g[1] += w * (w1 * (r * T * ial - x) * iT + w2 * (r * tx * ial - x) * itx);
            g[2] += w * (dab0 + w2 * ia);
            g[3] += w * (db0 - w2 * ibx);
            H[1] += w * w2 * (-dd);
            H[5] += w * w2 * rx * (itx * itx - iT * iT);
            H[10] += w * w2 * (-ia * ia);
            H[15] += w * w2 * ibx * ibx;
            for (j = 0; j < 4; j++)
                for (k = j; k < 4; k++)
                    H[j * 4 + k] += w * w1 * w2 * dD[j] * dD[k];
        } else {
            g[0] += w * (dr0 - l1T);
            g[1] += w * (r * T * ial - x) * iT;
            g[2] += w * dab0;
            g[3] += w * db0;
        }
    }
    for (j = 0; j < 4; j++) {
        int k;
        for (k = 0; k < j; k++)
            H[j * 4 + k] = H[k * 4 + j];
    }
    for (j = 0; j < 16; j++)
        if (!isfinite(H[j]))
            return 0;
    for (j = 0; j < 4; j++)
        if (!isfinite(g[j]))
            return 0;
    if (grad)
        for (j = 0; j < 4; j++)
            grad[j] = g[j];
    for (j = 0; j < 16; j++)
        hess[j] = H[j];
    return 1;
}

static double bgnbd_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    return bg_ll(p, rows, grad, ll_i, 0);
}

static double mbgnbd_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    return bg_ll(p, rows, grad, ll_i, 1);
}

/* --------------------------------------------------------------- P(alive) */

/* P(alive at T) kernel: parameters and a table of ln(b+x+s−1) for small x. */
#define LNBX_TAB 128
typedef struct pa_ctx {
    double r, al, lna, b1, s1; /* b1 = b, s1 = s − 1: ln(b + (x + s − 1)) without b + s − 1 */
    int s, tab;
    double lnbx[LNBX_TAB];
} pa_ctx;

static void pa_init(pa_ctx *c, const double *p, int s, size_t n)
{
    int k;
    c->r = p[0];
    c->al = p[1];
    c->lna = log(p[2]);
    c->b1 = p[3];
    c->s1 = (double)s - 1.0;
    c->s = s;
    c->tab = n >= 1024;
    if (c->tab)
        for (k = 0; k < LNBX_TAB; k++)
            c->lnbx[k] = (k > 0 || s) ? log(c->b1 + ((double)k + c->s1)) : 0.0;
}

static double pa_eval(const pa_ctx *c, double x, double tx, double T)
{
    double lbx, D, e;
    if (x <= 0 && !c->s)
        return 1.0;
    lbx = (c->tab && x < LNBX_TAB) ? c->lnbx[(int)x] : log(c->b1 + (x + c->s1));
    /* D = ln a − ln(b+x+s−1) + (r+x) ln((α+T)/(α+t_x)); P = 1/(1+e^D) */
    D = c->lna - lbx + (c->r + x) * log_ratio(T - tx, c->al + tx);
    if (D <= 0.0)
        return 1.0 / (1.0 + exp(D));
    e = exp(-D);
    return e / (1.0 + e);
}

/* P(alive at T) for one customer. */
static double bg_palive_now(const double *p, double x, double tx, double T, int s)
{
    pa_ctx c;
    pa_init(&c, p, s, 0);
    return pa_eval(&c, x, tx, T);
}

/* Small direct-mapped cache of per-(x, T) factors for the array kernels:
   customers with the same x and T share the 2F1 factor. */
typedef struct fcache_ent {
    double x, T, v;
} fcache_ent;

typedef struct fcache {
    fcache_ent *e;
    size_t mask;
    const cva_allocator *alloc;
} fcache;

/* The cache is optional: when alloc fails the caller computes every row. */
static void fcache_open(fcache *c, size_t n, const cva_allocator *alloc)
{
    size_t cap = 1;
    c->e = NULL;
    c->mask = 0;
    c->alloc = alloc;
    if (n < 64)
        return;
    while (cap < n && cap < ((size_t)1 << 14))
        cap <<= 1;
    c->e = (fcache_ent *)cva__alloc(alloc, cap * sizeof *c->e);
    if (c->e) {
        size_t i;
        c->mask = cap - 1;
        for (i = 0; i < cap; i++)
            c->e[i].x = -1.0; /* never a valid x */
    }
}

static void fcache_close(fcache *c)
{
    cva__free(c->alloc, c->e);
}

static size_t fcache_slot(const fcache *c, double x, double T)
{
    uint64_t bx, bt, h;
    x += 0.0;
    T += 0.0;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&bt, &T, sizeof bt);
    h = (bx * 0x9E3779B97F4A7C15u) ^ (bt + 0x632BE59BD9B4E019u + (bx << 6));
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 32;
    return (size_t)h & c->mask;
}

/* The Beta mixture of the survival: p ~ Beta(a, bb), (1 + c p)^(−k), integrated
   over u = p^e, e = min(a, 1): the p^(a−1) singularity of a < 1 becomes flat and
   the mass near p ~ 1/(c k) sits at u ~ (c k)^(−e), inside the nodes' reach. */
typedef struct surv_ctx {
    double a, bb, k, c, e, lnorm;
    int expect; /* 1: the integrand of E[Y(t) | alive], (1 − (1 + c p)^(−k))/p */
} surv_ctx;

static double surv_f(void *ctx, double u, double lu, double l1mu)
{
    const surv_ctx *d = (const surv_ctx *)ctx;
    const double lp = lu / d->e, l1mp = d->e < 1.0 ? cva__log1mexp(lp) : l1mu;
    const double lw = (d->a / d->e - 1.0) * lu + (d->bb - 1.0) * l1mp - d->lnorm;
    const double lk = -d->k * log1p(d->c * exp(lp));
    (void)u;
    if (d->expect)
        return -expm1(lk) * exp(lw - lp);
    return exp(lw + lk);
}

/* The Beta-mixture integral above for survival (expect = 0) or E[Y(t) | alive]
   (expect = 1), k = r+x, c = τ/(α+T), bb = b+x+s; status OK while the decay scale
   is inside the nodes' reach, ((k c)^e <= 1e20), else the series-limit warning. */
static cva_status bg_mixture_quad(double a, double bb, double k, double c, int expect, double *out)
{
    surv_ctx d;
    d.a = a;
    d.bb = bb;
    d.k = k;
    d.c = c;
    d.e = a < 1.0 ? a : 1.0;
    d.lnorm = cva__lbeta(a, bb) + log(d.e);
    d.expect = expect;
    *out = cva__tanh_sinh_unit(surv_f, &d);
    if (!(*out >= 0.0))
        *out = 0.0;
    return (d.e * log(k * c) <= 46.0 && isfinite(*out)) ? CVA_OK : CVA_W_SERIES_LIMIT;
}

/* (1−w)^a · 2F1(a+b+s−r, a; a+b+x+s; w), w = τ/(α+T+τ): survival of (T, T+τ]
   given alive at T. When the series cannot deliver it (a huge r makes the upper
   parameter a+b+s−r hugely negative: the terms alternate and cancel, or hit the
   term cap), the same number as the Euler integral it came from,
   E_{p ~ Beta(a, b+x+s)} (1 + p τ/(α+T))^(−(r+x)), by tanh-sinh quadrature. Its
   nodes reach u ~ 1e-37; against 40-digit values (tests/data/survival_ref.py)
   it is good to 1e-11 while ((r+x)·τ/(α+T))^e <= 1e20: then the status is OK,
   beyond it the series-limit warning stays (the value is still a probability). */
static cva_status bg_future_survival(const double *p, double tau, double x, double T, int s, double *out)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const double w = tau / (al + T + tau);
    double lf;
    int sg;
    cva_status st;
    if (tau <= 0) {
        *out = 1.0;
        return CVA_OK;
    }
    st = cva__hyp2f1_log(a + b + s - r, a, a + b + x + s, w, &lf, &sg);
    /* a series error (w rounding to 1 at a horizon near DBL_MAX: CVA_E_DOMAIN, a
       fuzz find that left earlier rows written) is no error of the survival: the
       integral below is defined for every τ >= 0 */
    *out = st < 0 ? CVA_NAN : (double)sg * exp(a * log1p(-w) + lf);
    if (st != CVA_OK || !(*out >= 0.0 && *out <= 1.0 + 1e-12))
        st = bg_mixture_quad(a, b + x + s, r + x, tau / (al + T), 0, out);
    if (*out > 1.0)
        *out = 1.0;
    if (*out < 0.0)
        *out = 0.0;
    return st;
}

static cva_status bg_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                             const double *T, size_t n, double *out, int s, const cva_allocator *alloc)
{
    cva_status st = CVA_OK;
    fcache c;
    pa_ctx pc;
    size_t i;
    pa_init(&pc, p, s, n);
    if (t_future <= 0) {
        for (i = 0; i < n; i++)
            out[i] = pa_eval(&pc, x[i], t_x[i], T[i]);
        return CVA_OK;
    }
    fcache_open(&c, n, alloc);
    for (i = 0; i < n; i++) {
        double f, pa = pa_eval(&pc, x[i], t_x[i], T[i]);
        if (pa <= 0.0) {
            /* dead at T stays dead: no survival factor needed (and none that a
               series at extreme parameters could turn into 0 * NaN) */
            out[i] = 0.0;
            continue;
        }
        if (c.e) {
            fcache_ent *e = &c.e[fcache_slot(&c, x[i], T[i])];
            if (!(e->x >= x[i] && e->x <= x[i] && e->T >= T[i] && e->T <= T[i])) {
                cva_status s1 = bg_future_survival(p, t_future, x[i], T[i], s, &e->v);
                if (s1 < 0) {
                    fcache_close(&c);
                    return s1;
                }
                if (s1 > st)
                    st = s1;
                e->x = x[i];
                e->T = T[i];
            }
            f = e->v;
        } else {
            cva_status s1 = bg_future_survival(p, t_future, x[i], T[i], s, &f);
            if (s1 < 0)
                return s1;
            if (s1 > st)
                st = s1;
        }
        out[i] = pa * f;
    }
    fcache_close(&c);
    return st;
}

static cva_status bgnbd_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                                const double *T, size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_p_alive(p, t_future, x, t_x, T, n, out, 0, alloc);
}

static cva_status mbgnbd_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                                 const double *T, size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_p_alive(p, t_future, x, t_x, T, n, out, 1, alloc);
}

/* ------------------------------------------------------ conditional E[Y] */

/*
 * (1/(a−1)) · [1 − (1−z)^(a−1) 2F1(a+u, a−1; a+v; z)] with u = b+s−1−r and
 * v = b+x+s−1 (the Euler-form parameters of docs/methods/models.md#methods_bgnbd written around a), and
 * the removable singularity at a = 1 (docs/methods/models.md: average at a = 1 ± 1e-5).
 */
static cva_status bg_bracket_a(double a, double u, double v, double z, double *out)
{
    double lf, L;
    int sg;
    cva_status st = cva__hyp2f1_log(a + u, a - 1.0, a + v, z, &lf, &sg);
    if (st < 0)
        return st;
    L = (a - 1.0) * log1p(-z) + lf;
    /* 1 − sg·e^L, accurate for small L */
    *out = (sg > 0 ? -expm1(L) : 1.0 + exp(L)) / (a - 1.0);
    return st;
}

static cva_status bg_bracket(double a, double u, double v, double z, double *out)
{
    if (fabs(a - 1.0) < 1e-7) {
        double v1, v2;
        const double h = 1e-5;
        cva_status s1 = bg_bracket_a(1.0 + h, u, v, z, &v1);
        cva_status s2 = bg_bracket_a(1.0 - h, u, v, z, &v2);
        if (s1 < 0)
            return s1;
        if (s2 < 0)
            return s2;
        *out = 0.5 * (v1 + v2);
        return s1 > s2 ? s1 : s2;
    }
    return bg_bracket_a(a, u, v, z, out);
}

/* E[Y(t) | alive at T] for given x, T. */
static cva_status bg_cond_factor(const double *p, double t, double x, double T, int s, double *out)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const double C = a + b + x + s - 1.0;
    double br;
    cva_status st;
    if (t <= 0) {
        *out = 0.0;
        return CVA_OK;
    }
    st = bg_bracket(a, b + s - 1.0 - r, b + x + s - 1.0, t / (al + T + t), &br);
    /* a series error (z rounding to 1 at t near DBL_MAX) goes to the integral, as
       in bg_future_survival() */
    *out = st < 0 ? CVA_NAN : C * br;
    /* 0 <= E[Y(t) | alive] <= (r+x) t/(α+T); outside, or not converged: the integral
       E_p[(1 − (1 + p t/(α+T))^(−(r+x)))/p] (see bg_future_survival) */
    if (st != CVA_OK || !(*out >= 0.0 && *out <= (r + x) * (t / (al + T)) * (1.0 + 1e-9)))
        st = bg_mixture_quad(a, b + x + s, r + x, t / (al + T), 1, out);
    return st;
}

/* E[Y(t) | alive at T] of (M)BG/NBD for the regularity models (cnbd.c: BTYDplus'
   approximation evaluates it at α' = kα). */
cva_status cva__bg_cond_factor(const double *p, double t, double x, double T, int s, double *out)
{
    return bg_cond_factor(p, t, x, T, s, out);
}

static cva_status bg_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                              size_t n, double *out, int s, const cva_allocator *alloc)
{
    cva_status st = CVA_OK;
    fcache c;
    pa_ctx pc;
    size_t i;
    if (t <= 0) {
        for (i = 0; i < n; i++)
            out[i] = 0.0;
        return CVA_OK;
    }
    pa_init(&pc, p, s, n);
    fcache_open(&c, n, alloc);
    for (i = 0; i < n; i++) {
        double f, pa = pa_eval(&pc, x[i], t_x[i], T[i]);
        if (pa <= 0.0) {
            out[i] = 0.0; /* a customer dead at T buys nothing more */
            continue;
        }
        if (c.e) {
            fcache_ent *e = &c.e[fcache_slot(&c, x[i], T[i])];
            if (!(e->x >= x[i] && e->x <= x[i] && e->T >= T[i] && e->T <= T[i])) {
                cva_status s1 = bg_cond_factor(p, t, x[i], T[i], s, &e->v);
                if (s1 < 0) {
                    fcache_close(&c);
                    return s1;
                }
                if (s1 > st)
                    st = s1;
                e->x = x[i];
                e->T = T[i];
            }
            f = e->v;
        } else {
            cva_status s1 = bg_cond_factor(p, t, x[i], T[i], s, &f);
            if (s1 < 0)
                return s1;
            if (s1 > st)
                st = s1;
        }
        out[i] = f * pa;
    }
    fcache_close(&c);
    return st;
}

static cva_status bgnbd_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                                 size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_expected(p, t, x, t_x, T, n, out, 0, alloc);
}

static cva_status mbgnbd_expected(const double *p, double t, const double *x, const double *t_x,
                                  const double *T, size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_expected(p, t, x, t_x, T, n, out, 1, alloc);
}

/*
 * E[Y(t_k)] at n_t horizons in one pass (the CLV path): P(alive) once per customer,
 * the n_t factors C·bracket once per distinct (x, T) in a direct-mapped cache that
 * lives for the whole call; values bit-identical to bg_expected() at each t_k.
 */
static cva_status bg_expected_multi(const double *p, const double *t, size_t n_t, const double *x,
                                    const double *t_x, const double *T, size_t n, cva__ey_sink sink, void *user,
                                    int s, const cva_allocator *alloc)
{
    cva_status st = CVA_OK;
    double ey[CVA__EY_MAX_T], fl[CVA__EY_MAX_T];
    double *key = NULL, *val = NULL;
    size_t mask = 0, i, k;
    pa_ctx pc;
    if (n_t > CVA__EY_MAX_T)
        return CVA_E_INTERNAL;
    pa_init(&pc, p, s, n);
    if (n >= 64) {
        size_t cap = 64;
        while (cap < n && cap < ((size_t)1 << 14))
            cap <<= 1;
        key = (double *)cva__alloc(alloc, 2 * cap * sizeof *key);
        val = (double *)cva__alloc(alloc, cap * (n_t ? n_t : 1) * sizeof *val);
        if (key && val) {
            mask = cap - 1;
            for (k = 0; k < cap; k++)
                key[2 * k] = -1.0; /* never a valid x */
        } else {
            cva__free(alloc, key);
            cva__free(alloc, val);
            key = val = NULL;
        }
    }
    for (i = 0; i < n; i++) {
        const double xi = x[i], Ti = T[i];
        double *f = fl, *e = NULL, pa;
        if (key) {
            fcache c1;
            size_t slot;
            c1.e = NULL;
            c1.mask = mask;
            c1.alloc = NULL;
            slot = fcache_slot(&c1, xi, Ti);
            e = key + 2 * slot;
            f = val + slot * n_t;
        }
        if (!e || !(e[0] >= xi && e[0] <= xi && e[1] >= Ti && e[1] <= Ti)) {
            for (k = 0; k < n_t; k++) {
                cva_status s1 = bg_cond_factor(p, t[k], xi, Ti, s, &f[k]);
                if (s1 < 0) {
                    cva__free(alloc, key);
                    cva__free(alloc, val);
                    return s1;
                }
                if (s1 > st)
                    st = s1;
            }
            if (e) {
                e[0] = xi;
                e[1] = Ti;
            }
        }
        pa = pa_eval(&pc, xi, t_x[i], Ti);
        for (k = 0; k < n_t; k++)
            ey[k] = f[k] * pa;
        sink(user, i, ey);
    }
    cva__free(alloc, key);
    cva__free(alloc, val);
    return st;
}

static cva_status bgnbd_expected_multi(const double *p, const double *t, size_t n_t, const double *x,
                                       const double *t_x, const double *T, size_t n, cva__ey_sink sink,
                                       void *user, const cva_allocator *alloc)
{
    return bg_expected_multi(p, t, n_t, x, t_x, T, n, sink, user, 0, alloc);
}

static cva_status mbgnbd_expected_multi(const double *p, const double *t, size_t n_t, const double *x,
                                        const double *t_x, const double *T, size_t n, cva__ey_sink sink,
                                       void *user, const cva_allocator *alloc)
{
    return bg_expected_multi(p, t, n_t, x, t_x, T, n, sink, user, 1, alloc);
}

/* ------------------------------------------------------ population E[X] */

static cva_status bg_expected_pop(const double *p, const double *t, size_t n, double *out, int s)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    cva_status st = CVA_OK;
    size_t i;
    for (i = 0; i < n; i++) {
        double br;
        cva_status s1;
        if (t[i] <= 0) {
            out[i] = 0.0;
            continue;
        }
        /* BG/NBD: C = a+b−1, lead (a+b−1); MBG/NBD: C = a+b, lead b */
        s1 = bg_bracket(a, b + s - 1.0 - r, b + s - 1.0, t[i] / (al + t[i]), &br);
        if (s1 < 0)
            return s1;
        if (s1 > st)
            st = s1;
        out[i] = (s ? b : a + b - 1.0) * br;
    }
    return st;
}

static cva_status bgnbd_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    return bg_expected_pop(p, t, n, out, 0);
}

static cva_status mbgnbd_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    return bg_expected_pop(p, t, n, out, 1);
}

/* ------------------------------------------------------------ P(X(t)=k) */

/* ln B(x, y); beyond 1e15 the three ln Γ of the plain form would cancel (to
   inf − inf = NaN near DBL_MAX, a fuzz find), so the guarded cva__lbeta() */
static double lbeta(double x, double y)
{
    if (!(x + y < 1e15))
        return cva__lbeta(x, y);
    return cva__lgamma(x) + cva__lgamma(y) - cva__lgamma(x + y);
}

/* ln Γ(r+K) − ln Γ(r), lgr = ln Γ(r): the plain difference, or for r beyond 1e15
   (where it cancels, to inf − inf near DBL_MAX) the guarded cva__lgamma_diff() */
static double lg_rise(double r, double K, double lgr)
{
    if (!(r < 1e15))
        return cva__lgamma_diff(r, K);
    return cva__lgamma(r + K) - lgr;
}

static cva_status bg_prob_n(const double *p, double t, size_t n_k, double *out, int s)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    /* ln(α/(α+t)), ln(t/(α+t)) and t/(α+t) without forming α + t, which rounds to α
       when t is below α's last digit (r = α = DBL_MAX: r ln(α/(α+t)) came out 0 instead
       of −t, a fuzz find whose probabilities summed to 2.6e7) */
    const double lq = -log1p(t / al), lz = -log1p(al / t), z = 1.0 / (1.0 + al / t);
    const double lbab = lbeta(a, b), lgr = cva__lgamma(r);
    double tail, lnb, term;
    cva_status st = CVA_OK;
    size_t k;
    long j;
    if (n_k == 0)
        return CVA_OK;
    /* tail(K) = P(NB >= K) with K = n_k − 1, summed upwards from the pmf */
    {
        double K = (double)(n_k - 1);
        double lpk = lg_rise(r, K, lgr) - cva__lgamma(K + 1.0) + r * lq + K * lz;
        double sum = 0.0;
        term = exp(lpk);
        if (K <= 0) {
            sum = 1.0;
        } else if (!(term > 0.0) && r * (t / al) > K) {
            /* the pmf at K underflows below a mean beyond K (r near DBL_MAX, a fuzz
               find: the upward sum was 0): P(NB >= K) = 1 − Σ_{k<K} P(NB = k), the
               terms below K are the small ones */
            double lower = 0.0, kk;
            for (kk = 0.0; kk < K; kk += 1.0)
                lower += exp(lg_rise(r, kk, lgr) - cva__lgamma(kk + 1.0) + r * lq + (kk > 0 ? kk * lz : 0.0));
            sum = 1.0 - lower;
        } else {
            st = CVA_W_SERIES_LIMIT;
            for (j = 0; j < 1000000L; j++) {
                double dj = K + (double)j;
                double ratio = (r + dj) / (dj + 1.0) * z;
                sum += term;
                term *= ratio;
                if (ratio < 1.0 && term * ratio / (1.0 - ratio) <= 1e-17 * sum) {
                    st = CVA_OK;
                    break;
                }
                if (!(term > 0.0)) {
                    st = CVA_OK;
                    break;
                }
            }
            if (sum > 1.0)
                sum = 1.0;
        }
        tail = sum;
    }
    /* downwards: out[k] uses NB_k and P(NB >= k); tail(k) = tail(k+1) + NB_k */
    for (k = n_k; k-- > 0;) {
        double K = (double)k, v;
        lnb = lg_rise(r, K, lgr) - cva__lgamma(K + 1.0) + r * lq + (K > 0 ? K * lz : 0.0);
        if (k + 1 < n_k)
            tail += exp(lnb); /* now tail = P(NB >= k) */
        if (tail > 1.0)
            tail = 1.0;
        if (a + b < 1e15) {
            /* b + (K+s−1), not b + K + s − 1: the latter is 0 for b below 1's last
               digit at K + s = 1 (a fuzz find: ln B(a+1, 0), NaN, at b = 1e-300) */
            v = exp(lbeta(a, b + (K + s)) - lbab + lnb);
            if (k > 0 || s)
                v += exp(lbeta(a + 1.0, b + (K + s - 1.0)) - lbab) * tail;
        } else {
            /* a + b beyond 1e15, where the two ln B cancel (to NaN near DBL_MAX, a
               fuzz find): the ratios B(a, b+y)/B(a, b) = [Γ(b+y)/Γ(b)] / [Γ(a+b+y)/Γ(a+b)]
               by cva__lgamma_diff(); when a + b itself overflows, ln Γ(z+y) − ln Γ(z)
               = y ln z (to O(y²/z), z > DBL_MAX). B(a+1, c) = B(a, c) a/(a+c). */
            const double hi = a > b ? a : b, lo = a > b ? b : a, lab = log(hi) + log1p(lo / hi);
            const int big = !(a + b + K + s <= DBL_MAX);
            const double y1 = K + s, y2 = K + s - 1.0;
            v = exp(cva__lgamma_diff(b, y1) - (big ? y1 * lab : cva__lgamma_diff(a + b, y1)) + lnb);
            if (k > 0 || s)
                v += exp(cva__lgamma_diff(b, y2) - (big ? y2 * lab : cva__lgamma_diff(a + b, y2)) + log(a) -
                         (big ? lab : log(a + b + y2))) *
                     tail;
        }
        out[k] = v;
    }
    return st;
}

static cva_status bgnbd_prob_n(const double *p, double t, size_t n_k, double *out)
{
    return bg_prob_n(p, t, n_k, out, 0);
}

static cva_status mbgnbd_prob_n(const double *p, double t, size_t n_k, double *out)
{
    return bg_prob_n(p, t, n_k, out, 1);
}

/* ------------------------------------------------------------------ DERT */

/* integrand on p in (0,1): Beta(a, bb) density × (k/q) e^z E_{k+1}(z), z = c/q, q = cs·p
   (cs = 1 except in the model-based what-if, which scales the dropout probability) */
typedef struct dert_ctx {
    double a, bb, k, c, lnorm, cs;
    cva_status st;
} dert_ctx;

static double dert_f(void *vd, double pp, double lp, double l1mp)
{
    dert_ctx *d = (dert_ctx *)vd;
    double e;
    cva_status st;
    if (!(pp > 0.0) || !(pp < 1.0))
        return 0.0;
    {
        const double q = d->cs * pp, z = d->c / q, s1 = d->k + 1.0;
        if (z >= 1e6 * (1.0 + s1)) {
            /* asymptotic e^z E_s(z) = 1/(z+s) · (1 + s/(z+s)² + O(s²/z³)) */
            const double zs = z + s1;
            e = (1.0 + s1 / (zs * zs)) / zs;
            st = CVA_OK;
        } else {
            st = cva__expint_scaled(s1, z, &e);
        }
    }
    if (st > d->st)
        d->st = st;
    if (st < 0)
        return 0.0;
    return exp((d->a - 1.0) * lp + (d->bb - 1.0) * l1mp - d->lnorm) * d->k / (d->cs * pp) * e;
}

static cva_status bg_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                          size_t n, double *out, int s, double cs, const cva_allocator *alloc)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    cva_status st = CVA_OK;
    size_t i;
    fcache c;
    fcache_open(&c, n, alloc);
    for (i = 0; i < n; i++) {
        double f = 0.0;
        int hit = 0;
        fcache_ent *e = NULL;
        if (c.e) {
            e = &c.e[fcache_slot(&c, x[i], T[i])];
            hit = e->x >= x[i] && e->x <= x[i] && e->T >= T[i] && e->T <= T[i];
            f = e->v;
        }
        if (!hit) {
            dert_ctx d;
            d.a = a;
            d.bb = b + x[i] + s;
            d.k = r + x[i];
            d.c = delta * (al + T[i]);
            d.lnorm = lbeta(a, d.bb);
            d.cs = cs;
            d.st = CVA_OK;
            f = cva__tanh_sinh_unit(dert_f, &d);
            if (d.st < 0) {
                fcache_close(&c);
                return d.st;
            }
            if (d.st > st)
                st = d.st;
            if (e) {
                e->x = x[i];
                e->T = T[i];
                e->v = f;
            }
        }
        out[i] = bg_palive_now(p, x[i], t_x[i], T[i], s) * f;
    }
    fcache_close(&c);
    return st;
}

static cva_status bgnbd_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                             size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_dert(p, delta, x, t_x, T, n, out, 0, 1.0, alloc);
}

cva_status cva__bgnbd_dert_scaled(const double *p, double delta, double cs, const double *x, const double *t_x,
                                  const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    return bg_dert(p, delta, x, t_x, T, n, out, 0, cs, alloc);
}

static cva_status mbgnbd_dert(const double *p, double delta, const double *x, const double *t_x,
                              const double *T, size_t n, double *out,
                              const cva_allocator *alloc)
{
    return bg_dert(p, delta, x, t_x, T, n, out, 1, 1.0, alloc);
}

const cva__btyd_model cva__model_bgnbd = {
    CVA_MODEL_BGNBD, 4, {"r", "alpha", "a", "b"}, {1.0, 1.0, 1.0, 1.0}, {0, 1, 0, 0},
    bgnbd_ll, bgnbd_p_alive, bgnbd_expected, bgnbd_expected_pop, bgnbd_prob_n, bgnbd_dert,
    bgnbd_expected_multi};

const cva__btyd_model cva__model_mbgnbd = {
    CVA_MODEL_MBGNBD, 4, {"r", "alpha", "a", "b"}, {1.0, 1.0, 1.0, 1.0}, {0, 1, 0, 0},
    mbgnbd_ll, mbgnbd_p_alive, mbgnbd_expected, mbgnbd_expected_pop, mbgnbd_prob_n, mbgnbd_dert,
    mbgnbd_expected_multi};
