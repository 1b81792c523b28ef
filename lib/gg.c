/*
 * libcva — Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; docs/methods/models.md#methods_gg).
 *
 *   LL_i = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
 *   ∂/∂p = x [ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+xm)]
 *   ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+xm)
 *   ∂/∂γ = q/γ − (px+q)/(γ+xm)
 *
 * With a = px, s = x m and y = s/(γ+s) the same LL is the log of a beta density,
 *   LL_i = −ln B(a, q) − q ln(1 + s/γ) − a ln(1 + γ/s) − ln m,
 * and it is evaluated in one of three forms chosen per distinct x (per group),
 * so that no large logarithms cancel at the edges of the parameter space
 * (q, γ → ∞: no heterogeneity of the transaction value; p → ∞, γ → 0: none
 * within a customer; both):
 *   q >= a:  δ(q,a) − lnΓ(a) + a ln(q/γ) + a ln x + (a−1) ln m − (a+q) L,  L = ln(1 + s/γ)
 *   a > q:   δ(a,q) − lnΓ(q) + q ln(aγ) − q ln x − (q+1) ln m − (a+q) M,  M = ln(1 + γ/s)
 *   a, q >= GG_BIG (both large, the data near the mode y0 = a/(a+q) of the beta):
 *            C − ln m + a·log1pmx(e) + q·log1pmx(−a e/q),  e = y/y0 − 1 = (q s − a γ)/(a(γ+s)),
 *            C = −ln B(a,q) − a ln y0 − q ln(1−y0) = ½ ln(aq/(2π(a+q))) − ω(a) − ω(q) + ω(a+q)
 * with δ(x,h) = lnΓ(x+h) − lnΓ(x) − h ln x (cva__lgamma_delta), log1pmx(u) = ln(1+u) − u
 * and ω the Stirling remainder; L and M are each computed by one log1p of a ratio <= 1
 * or one log of a ratio > 1. The gradient uses the same forms, with ψ differences
 * (cva__digamma_diff, cva__digamma_mlog) and γ ∂/∂γ = (q s − a γ)/(γ + s).
 *
 * The fit sorts the usable rows by (x, m_x) (stable LSD radix sort), merges identical rows and groups
 * them by x: the Gamma-function terms are then evaluated once per distinct x,
 * ln m_x is precomputed, and each evaluation costs one logarithm and one division per row
 * (two divisions where a > q).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "churn_internal.h"

static const double LN_SQRT_2PI = 0.91893853320467274178032973640562;

/* a and q both at least this: the near-mode form (the other two lose ~(a+q)·1e-16). */
#define GG_BIG 64.0

/* −ln(num/den) for 0 < num <= den, given u = num/den: ln den − ln num when u is subnormal. */
static inline double neg_log_ratio(double u, double num, double den)
{
    return u >= DBL_MIN ? -log(u) : log(den) - log(num);
}

/* The same −ln u when also v = 1 − u is known to a few ulps: −log1p(−v) when u is near 1
   (−ln u ≈ v), the log of u when u <= 2/3 (|ln u| >= 0.405 keeps its relative accuracy). */
static inline double neg_log_split(double u, double v, double num, double den)
{
    return v > 1.0 / 3.0 ? neg_log_ratio(u, num, den) : -log1p(-v);
}

/*
 * The fast form of a group: Σ w ln(γ+s) from one log of an argument away from 1 per
 * row (glibc's log is 2-3 times slower near 1, log1p about 2 times), and
 * Σ w ln(1 + s/γ) = Σ w ln(γ+s) − W ln γ, Σ w ln(1 + γ/s) = Σ w ln(γ+s) − Σ w ln s
 * formed per group. Their cancellation costs about (a+q)·2.2e-16·(|ln γ| + |ln(γ+s)| +
 * |ln s|) in LL_i; the fast form is taken when that bound is below 2.2e-16·GG_FAST_K
 * (2.3e-13 in a log-likelihood, i.e. in the relative value of a likelihood), the exact
 * forms otherwise. s is sorted within a group (s[0] smallest).
 */
#define GG_FAST_K 1024.0

/* Merged rows per piece of the likelihood sum of a fit (a group of one x is cut into such
   pieces; a task is a run of pieces, gg_tasks). */
#define GG_PIECE CVA__LL_CHUNK

/* ln(u·v) for u, v > 0 without overflow or underflow of the product. */
static double log_prod(double u, double v)
{
    const double uv = u * v;
    if (uv < HUGE_VAL && uv > DBL_MIN)
        return log(uv);
    return log(u) + log(v);
}

/* Per-evaluation constants of the group kernel. */
typedef struct gg_consts {
    double q, g, ig, lg, lgq, psq, pmlq, lq, wq;
} gg_consts;

static int gg_consts_init(gg_consts *c, const double *prm)
{
    const double q = prm[1], g = prm[2];
    if (!(prm[0] > 0 && q > 0 && g > 0) || !isfinite(prm[0] + q + g))
        return 0;
    c->q = q;
    c->g = g;
    c->ig = 1.0 / g;
    c->lg = log(g);
    c->lgq = cva__lgamma(q);
    c->psq = cva__digamma(q);
    c->pmlq = cva__digamma_mlog(q);
    c->lq = log(q);
    c->wq = cva__lgamma_corr(q);
    return 1;
}

static int gg_fast(const gg_consts *c, double a, const double *s, size_t n)
{
    const double k = (a + c->q) * (1.0 + fabs(c->lg) + fabs(log(c->g + s[n - 1])) + fabs(log(s[0])));
    return k <= GG_FAST_K;
}

/*
 * Σ_i w_i LL_i over the rows i < n of one x (a = p x): s_i = x m_i, weights w_i (NULL: 1),
 * W = Σ w_i, S = Σ w_i ln m_i, lx = ln x. Adds ∂/∂a, ∂/∂q, ∂/∂γ of the sum to d[0..2]
 * when d is not NULL.
 */
static double gg_group(const gg_consts *c, double a, double lx, const double *s, const double *w, size_t n,
                       double W, double S, double *d)
{
    const double q = c->q, g = c->g;
    double s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, ll;
    size_t i;
    if (a >= GG_BIG && q >= GG_BIG) {
        /* near-mode form; e = (ρ s − γ)/(γ + s) with ρ = q/a, f = −e/ρ */
        const double rho = q / a, irho = a / q;
        const double C = -LN_SQRT_2PI + 0.5 * c->lq - 0.5 * log1p(rho) - cva__lgamma_corr(a) - c->wq +
                         cva__lgamma_corr(a + q);
        for (i = 0; i < n; i++) {
            const double wi = w ? w[i] : 1.0, t = 1.0 / (g + s[i]), e = (rho * s[i] - g) * t, f = -e * irho;
            double me, mf, le, lf;
            /* log1pmx(e) by its series near 0; 1 + e = (1+ρ) s/(γ+s) formed directly when
               e is near −1 (and 1 + f = (1 + 1/ρ) γ/(γ+s) likewise) */
            if (fabs(e) <= 0.5) {
                me = cva__log1pmx(e);
                le = me + e;
            } else {
                le = e < 0.0 ? log((1.0 + rho) * s[i] * t) : log1p(e);
                me = le - e;
            }
            if (fabs(f) <= 0.5) {
                mf = cva__log1pmx(f);
                lf = mf + f;
            } else {
                lf = f < 0.0 ? log((1.0 + irho) * g * t) : log1p(f);
                mf = lf - f;
            }
            s1 += wi * me;
            s2 += wi * mf;
            s3 += wi * le;
            s4 += wi * lf;
            s5 += wi * e;
        }
        ll = W * C - S + a * s1 + q * s2;
        if (d) {
            const double pm = cva__digamma_mlog(a + q);
            d[0] += W * (pm - cva__digamma_mlog(a)) + s3;
            d[1] += W * (pm - c->pmlq) + s4;
            d[2] += a * s5 * c->ig;
        }
        return ll;
    }
    if (q >= a) {
        /* L = ln(1 + s/γ) = −ln(γ t), t = 1/(γ+s); s1 = Σ w L, s2 = Σ w γ t, s3 = Σ w s t */
        const double lqg = log_prod(q, c->ig);
        if (gg_fast(c, a, s, n)) {
            double SL = 0.0, SR = 0.0, SV = 0.0;
            for (i = 0; i < n; i++) {
                const double wi = w ? w[i] : 1.0, v = g + s[i], t = 1.0 / v;
                SL += wi * log(v);
                SR += wi * t;
                SV += wi * s[i] * t;
            }
            s1 = SL - W * c->lg;
            s2 = g * SR;
            s3 = SV;
        } else {
            for (i = 0; i < n; i++) {
                const double wi = w ? w[i] : 1.0, t = 1.0 / (g + s[i]), u = g * t, v = s[i] * t;
                s1 += wi * neg_log_split(u, v, g, g + s[i]);
                s2 += wi * u;
                s3 += wi * v;
            }
        }
        ll = W * (cva__lgamma_delta(q, a) - cva__lgamma(a) + a * (lqg + lx)) + (a - 1.0) * S - (a + q) * s1;
        if (d) {
            const double pd = cva__digamma_diff(q, a);
            d[0] += W * (pd + c->pmlq - cva__digamma(a) + lqg + lx) + S - s1;
            d[1] += W * pd - s1;
            d[2] += (q * s3 - a * s2) * c->ig;
        }
        return ll;
    }
    {
        /* M = ln(1 + γ/s) = −ln(s t), t = 1/(γ+s); s1 = Σ w M, s2 = Σ w s t, s3 = Σ w γ t */
        const double lag = log_prod(a, g);
        if (gg_fast(c, a, s, n)) {
            double SL = 0.0, SR = 0.0, SV = 0.0;
            for (i = 0; i < n; i++) {
                const double wi = w ? w[i] : 1.0, v = g + s[i], t = 1.0 / v;
                SL += wi * log(v);
                SR += wi * t;
                SV += wi * s[i] * t;
            }
            s1 = SL - (W * lx + S); /* Σ w ln s = W ln x + Σ w ln m */
            s2 = SV;
            s3 = g * SR;
        } else {
            for (i = 0; i < n; i++) {
                const double wi = w ? w[i] : 1.0, t = 1.0 / (g + s[i]), u = s[i] * t, v = g * t;
                s1 += wi * neg_log_split(u, v, s[i], g + s[i]);
                s2 += wi * u;
                s3 += wi * v;
            }
        }
        ll = W * (cva__lgamma_delta(a, q) - c->lgq + q * (lag - lx)) - (q + 1.0) * S - (a + q) * s1;
        if (d) {
            const double pd = cva__digamma_diff(a, q);
            d[0] += W * pd - s1;
            d[1] += W * (pd + cva__digamma_mlog(a) - c->psq + lag - lx) - S - s1;
            d[2] += (q * s2 - a * s3) * c->ig;
        }
        return ll;
    }
}

double cva__gg_ll(const double *prm, const double *x, const double *m_x, const double *w, size_t n,
                  double *grad, double *ll_i)
{
    const double p = prm[0];
    gg_consts c;
    double gp = 0.0, gq = 0.0, gg = 0.0;
    cva__ksum acc = {0.0, 0.0};
    size_t i;
    if (!gg_consts_init(&c, prm))
        return CVA_NAN;
    for (i = 0; i < n; i++) {
        const double xi = x[i], mi = m_x[i], wi = w ? w[i] : 1.0, s = xi * mi;
        double d[3] = {0.0, 0.0, 0.0};
        const double l = gg_group(&c, p * xi, log(xi), &s, NULL, 1, 1.0, log(mi), grad ? d : NULL);
        if (ll_i)
            ll_i[i] = l;
        cva__ksum_add(&acc, wi * l);
        if (grad) {
            gp += wi * xi * d[0];
            gq += wi * d[1];
            gg += wi * d[2];
        }
    }
    if (grad) {
        grad[0] = gp;
        grad[1] = gq;
        grad[2] = gg;
    }
    return cva__ksum_value(&acc);
}

/* ------------------------------------------------------------------ fitting */

typedef struct gg_rec {
    double x, m, w;
    size_t idx;
} gg_rec;

/* bytes per record after the records in cva_gg_fit()'s scratch: the sort's buffer, then
   the merged rows (5 doubles) and the piece ends */
#define GG_AREA2 (sizeof(gg_rec) > 5 * sizeof(double) + sizeof(size_t) ? sizeof(gg_rec) : 5 * sizeof(double) + sizeof(size_t))

static int gg_cmp(const void *pa, const void *pb)
{
    const gg_rec *a = (const gg_rec *)pa, *b = (const gg_rec *)pb;
    if (a->x < b->x)
        return -1;
    if (a->x > b->x)
        return 1;
    if (a->m < b->m)
        return -1;
    if (a->m > b->m)
        return 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx ? 1 : 0);
}

/*
 * Stable LSD radix sort of the records by (x, m) — the order gg_cmp gives, since
 * ties keep the input (idx) order. Both keys are positive doubles, whose IEEE bit
 * patterns order like the values; 11-bit digits, passes with a single occupied
 * bucket skipped (x is a small integer: usually one pass for it). tmp: n records.
 */
static void gg_radix_sort(gg_rec *rec, gg_rec *tmp, size_t n)
{
    enum { BITS = 11, NB = 1 << BITS };
    static const int PASSES = (64 + BITS - 1) / BITS;
    size_t cnt[NB];
    int key, pass;
    for (key = 0; key < 2; key++) /* m first, then x (most significant) */
        for (pass = 0; pass < PASSES; pass++) {
            const int shift = pass * BITS;
            size_t i, sum = 0;
            int b, skip = 0;
            memset(cnt, 0, sizeof cnt);
            for (i = 0; i < n; i++) {
                uint64_t u;
                memcpy(&u, key ? &rec[i].x : &rec[i].m, 8);
                cnt[(u >> shift) & (NB - 1)]++;
            }
            for (b = 0; b < NB; b++) {
                size_t c = cnt[b];
                if (c == n)
                    skip = 1;
                cnt[b] = sum;
                sum += c;
            }
            if (skip)
                continue;
            for (i = 0; i < n; i++) {
                uint64_t u;
                memcpy(&u, key ? &rec[i].x : &rec[i].m, 8);
                tmp[cnt[(u >> shift) & (NB - 1)]++] = rec[i];
            }
            memcpy(rec, tmp, n * sizeof *rec);
        }
}

/*
 * The likelihood sum of a fit. Its terms are the pieces (the rows of one x, at most
 * GG_PIECE merged rows): one value and gradient per piece, combined in piece order
 * (compensated sum of the values, plain sums of the gradients). The pieces are cut from
 * the data alone; so are the tasks: runs of consecutive pieces costing GG_TASK_COST or a
 * little more each (the last one less), a piece costing its rows plus GG_PIECE_COST for
 * its Gamma-function terms. A task is then a few thousand rows whether they belong to
 * one x (x = 1 holds half the rows of a typical customer base, cut into several pieces)
 * or to the hundreds of small groups of the large x, rather than one task per piece, most
 * of them tiny. The same sums in the same order for every executor: the bits do not
 * depend on the workers or on the order the tasks run in.
 */
#define GG_TASK_COST ((size_t)4096)
#define GG_PIECE_COST ((size_t)64)

typedef struct gg_data {
    size_t n_rows, n_groups, n_tasks;
    const double *s;      /* x·m per row */
    const double *w;      /* weight per row */
    const double *gx;     /* x per piece */
    const double *gW;     /* Σ w per piece */
    const double *gS;     /* Σ w ln m per piece */
    const size_t *gend;   /* one past the last row of each piece */
    const size_t *tend;   /* one past the last piece of each task */
    double *res;          /* per piece: its value and gradient (4 doubles) */
    const cva_executor *ex;
} gg_data;

/* The tasks: tend[t] one past the last piece of task t; returns their number. */
static size_t gg_tasks(const size_t *gend, size_t ng, size_t *tend)
{
    size_t k, t = 0, cost = 0, prev = 0;
    for (k = 0; k < ng; k++) {
        cost += gend[k] - prev + GG_PIECE_COST;
        prev = gend[k];
        if (cost >= GG_TASK_COST || k + 1 == ng) {
            tend[t++] = k + 1;
            cost = 0;
        }
    }
    return t;
}

/* piece k's Σ w LL; its gradient in (p, q, γ) to grad[0..2] when grad is not NULL */
static double gg_piece_ll(const gg_data *d, const gg_consts *c, double p, size_t k, double *grad)
{
    const double x = d->gx[k];
    const size_t i = k ? d->gend[k - 1] : 0;
    double dd[3] = {0.0, 0.0, 0.0}, ll;
    ll = gg_group(c, p * x, log(x), d->s + i, d->w + i, d->gend[k] - i, d->gW[k], d->gS[k], grad ? dd : NULL);
    if (grad) {
        grad[0] = x * dd[0];
        grad[1] = dd[1];
        grad[2] = dd[2];
    }
    return ll;
}

typedef struct gg_eval {
    const gg_data *d;
    const double *prm;
    int want_grad;
} gg_eval;

/* task t: the values and gradients of its pieces, into res */
static void gg_task(void *arg, size_t t, unsigned wk)
{
    const gg_eval *e = (const gg_eval *)arg;
    const gg_data *d = e->d;
    const size_t k1 = d->tend[t];
    size_t k = t ? d->tend[t - 1] : 0;
    gg_consts c;
    (void)wk;
    if (!gg_consts_init(&c, e->prm)) {
        for (; k < k1; k++)
            d->res[4 * k] = CVA_NAN;
        return;
    }
    for (; k < k1; k++) {
        double *r = d->res + 4 * k;
        r[0] = gg_piece_ll(d, &c, e->prm[0], k, e->want_grad ? r + 1 : NULL);
    }
}

static double gg_fit_ll(void *vd, const double *prm, double *grad)
{
    const gg_data *d = (const gg_data *)vd;
    cva__ksum acc = {0.0, 0.0};
    gg_eval e;
    size_t k;
    int j;
    if (d->n_groups == 1) { /* the one piece's own value, bit for bit */
        gg_consts c;
        if (!gg_consts_init(&c, prm))
            return CVA_NAN;
        return gg_piece_ll(d, &c, prm[0], 0, grad);
    }
    e.d = d;
    e.prm = prm;
    e.want_grad = grad != NULL;
    cva__parallel_for(d->ex, d->n_tasks, gg_task, &e);
    for (k = 0; k < d->n_groups; k++)
        cva__ksum_add(&acc, d->res[4 * k]);
    if (grad) /* plain sums in piece order */
        for (j = 0; j < 3; j++) {
            double g = 0.0;
            for (k = 0; k < d->n_groups; k++)
                g += d->res[4 * k + 1 + (size_t)j];
            grad[j] = g;
        }
    return cva__ksum_value(&acc);
}

/* The checks of row i, in the order the fit reports them: 0 fine, -1 a customer
   without a purchase (NaN x and m_x: left out), 1..4 x, m_x, the weight not finite,
   the weight <= 0. */
static int row_check(const double *x, const double *m_x, const double *weight, size_t i)
{
    if (isnan(x[i]) && isnan(m_x[i])) /* a customer without a purchase (cva_txn_summarize) */
        return -1;
    if (!isfinite(x[i]))
        return 1;
    if (!isfinite(m_x[i]))
        return 2;
    if (weight && !isfinite(weight[i]))
        return 3;
    if (weight && !(weight[i] > 0.0))
        return 4;
    return 0;
}

static cva_status row_report(cva_diag *diag, int code, size_t i)
{
    switch (code) {
    case 1:
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "x is not finite");
    case 2:
        return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "m_x is not finite");
    case 3:
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "weight is not finite");
    default:
        return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "weights must be > 0");
    }
}

/* The data checks shared by the fit and the correlation: pointers, finite
   values, positive weights; *usable = rows with x >= 1 and m_x > 0. */
static cva_status check_rows(const double *x, const double *m_x, const double *weight, size_t n, cva_diag *diag,
                             size_t *usable, size_t *no_purchase)
{
    size_t i, nk = 0, np = 0;
    if (n > 0 && (!x || !m_x))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 1 : 2, 0, -1, 0, "data array is NULL");
    for (i = 0; i < n; i++) {
        const int r = row_check(x, m_x, weight, i);
        if (r < 0) {
            np++;
            continue;
        }
        if (r > 0)
            return row_report(diag, r, i);
        nk += x[i] >= 1.0 && m_x[i] > 0.0;
    }
    *usable = nk;
    *no_purchase = np;
    return CVA_OK;
}

/* The fit's rows: the usable rows sorted by (x, m_x) (ties in input order), identical
   rows merged (merge_rows), the rows of one x cut into pieces of at most GG_PIECE merged
   rows. The record block (free it) holds the records, then s, w, gx, gW, gS (nk doubles
   each) and gend (nk). */
typedef struct gg_rows {
    gg_rec *rec;          /* the block */
    double *s, *w, *gx, *gW, *gS;
    size_t *gend;
    size_t nk, np, nr, ng; /* usable rows, rows without a purchase, merged rows, pieces */
    double wt;            /* Σ w over the usable rows (compensated, in sorted order) */
} gg_rows;

/* the block for nk usable rows: NULL when it does not fit in size_t or memory is short */
static gg_rec *gg_block(const cva_allocator *al, size_t nk, gg_rows *r)
{
    gg_rec *rec;
    double *blk;
    if (nk > SIZE_MAX / (sizeof *rec + GG_AREA2))
        return NULL;
    rec = (gg_rec *)cva__alloc(al, nk * (sizeof *rec + GG_AREA2));
    if (!rec)
        return NULL;
    blk = (double *)(void *)(rec + nk);
    r->rec = rec;
    r->s = blk;
    r->w = blk + nk;
    r->gx = blk + 2 * nk;
    r->gW = blk + 3 * nk;
    r->gS = blk + 4 * nk;
    r->gend = (size_t *)(void *)(blk + 5 * nk);
    return rec;
}

/* The serial preparation (no executor, or fewer than GG_PAR_MIN rows). */
static cva_status gg_rows_serial(const double *x, const double *m_x, const double *weight, size_t n,
                                 const cva_fit_opts *o, gg_rows *r, cva_diag *diag)
{
    gg_rec *rec;
    double *s, *w, *gx, *gW, *gS;
    size_t *gend;
    size_t i, nk = 0, np = 0, nr = 0, ng = 0;
    cva__ksum Wt = {0.0, 0.0};
    cva_status st;
    if ((st = check_rows(x, m_x, weight, n, diag, &nk, &np)) != CVA_OK)
        return st;
    if (nk == 0)
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, n, "no row with x >= 1 and m_x > 0");

    /* one scratch block for the whole call (fresh pages cost a fault each on first touch,
       on the calling thread): the records, then the sort's buffer, reused for the merged
       rows (5 doubles) and the piece ends once the records are sorted */
    rec = gg_block(o->alloc, nk, r);
    if (!rec)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    for (i = 0; i < n; i++)
        if (x[i] >= 1.0 && m_x[i] > 0.0) {
            rec[nr].x = x[i];
            rec[nr].m = m_x[i];
            rec[nr].w = weight ? weight[i] : 1.0;
            rec[nr].idx = nr;
            nr++;
        }
    if (nr >= 4096)
        gg_radix_sort(rec, (gg_rec *)(void *)(rec + nk), nr);
    else
        qsort(rec, nr, sizeof *rec, gg_cmp);
    s = r->s;
    w = r->w;
    gx = r->gx;
    gW = r->gW;
    gS = r->gS;
    gend = r->gend;
    {
        /* groups: the rows of one x, cut into pieces of at most GG_PIECE rows (the
           terms of the likelihood sum, whose tasks are runs of pieces) */
        size_t j = 0, pstart = 0; /* rows after merging; first row of the current group */
        for (i = 0; i < nr; i++) {
            const int same_x = j > 0 && ng > 0 && gx[ng - 1] >= rec[i].x && gx[ng - 1] <= rec[i].x;
            if (o->merge_rows && same_x && i > 0 && rec[i - 1].m >= rec[i].m && rec[i - 1].m <= rec[i].m) {
                w[j - 1] += rec[i].w;
            } else {
                if (same_x && j - pstart == GG_PIECE) { /* the piece is full: the next one, same x */
                    gx[ng] = rec[i].x;
                    gW[ng] = 0.0;
                    gS[ng] = 0.0;
                    ng++;
                    pstart = j;
                }
                s[j] = rec[i].x * rec[i].m;
                w[j] = rec[i].w;
                j++;
            }
            if (!same_x) {
                gx[ng] = rec[i].x;
                gW[ng] = 0.0;
                gS[ng] = 0.0;
                ng++;
                pstart = j - 1;
            }
            gW[ng - 1] += rec[i].w;
            gS[ng - 1] += rec[i].w * log(rec[i].m);
            gend[ng - 1] = j;
            cva__ksum_add(&Wt, rec[i].w);
        }
        nr = j;
    }
    r->nk = nk;
    r->np = np;
    r->nr = nr;
    r->ng = ng;
    r->wt = cva__ksum_value(&Wt);
    return CVA_OK;
}

/*
 * The same rows from tasks on the executor (n >= GG_PAR_MIN input rows and at least two
 * workers). Every split is fixed by the input (row chunks of max(16384, n/64) rows, 64 key
 * ranges whose bounds are sample keys at fixed positions), and every result is unique or
 * summed in the serial order, so the bytes are those of gg_rows_serial:
 *  A, B (one pass). Per row chunk: the checks (the first failing row of each chunk; the
 *     first of all is reported), the usable rows counted, each usable row's key range (the
 *     number of bounds <= (x, m_x): equal keys share a range; for a whole x below GG_XT a
 *     search among the bounds of that x only, from a table made on the calling thread),
 *     counted per (chunk, range);
 *  C. per row chunk: the records scattered to their ranges (in input order within a range);
 *  D. per key range: its records sorted (the unique order by (x, m_x, input order));
 *  E. per key range: its merged rows and runs of one x counted; on the calling thread
 *     (64 steps) where each range's rows and pieces start; per key range the merged rows,
 *     their weights (summed in sorted order), the pieces' x, first records and ends written;
 *  F. per run of pieces: Σ w and Σ w ln m_x of each piece over its records in sorted order.
 * The total weight is the count of rows when there are no weights (the compensated sum of
 * ones is exact), and the serial compensated sum over the sorted records otherwise.
 */
#define GG_PAR_MIN ((size_t)65536)
#define GG_NB 64u
#define GG_CHUNK_MIN ((size_t)16384)
#define GG_CHUNKS_MAX ((size_t)64)
#define GG_SAMPLE ((size_t)2048)
#define GG_XT 128u

typedef struct gg_range {
    size_t nm;        /* merged rows */
    size_t lf, ll;    /* merged rows in the first and the last run of one x */
    size_t inner;     /* pieces started by the runs after the first */
    int single;       /* one run of one x */
    double xf, xl;    /* the first and the last x */
    size_t j0, r0, g0; /* first merged row; its rank in its x; first piece started here */
} gg_range;

typedef struct gg_par {
    const double *x, *m, *wt;
    size_t n, chunk, nch;
    int merge;
    size_t *ck;          /* per chunk: usable rows (then their offset), no-purchase rows,
                            first failing row (n: none), its check */
    size_t *cnt;         /* nch x GG_NB: rows per (chunk, range), then where they go */
    unsigned char *bk;   /* per input row (usable rows only): its key range */
    double sx[GG_NB], sm[GG_NB]; /* the range bounds (the last: +inf) */
    unsigned char xlo[GG_XT], xhi[GG_XT]; /* per whole x < GG_XT: its bounds [xlo, xhi) */
    size_t rstart[GG_NB + 1];
    gg_range rg[GG_NB];
    gg_rows *r;
    size_t *prec;        /* per piece its first record; prec[ng] = nk */
    size_t per_task;     /* pieces per task of F */
} gg_par;

static void gg_chunk_bounds(const gg_par *p, size_t c, size_t *i0, size_t *i1)
{
    *i0 = c * p->chunk;
    *i1 = p->n - *i0 < p->chunk ? p->n : *i0 + p->chunk;
}

/* the number of range bounds <= (x, m) (GG_NB - 1 at most: the last bound is +inf), for
   any finite x and m: branch-free but for the loop's length (the order of the rows'
   ranges is random; a mispredicted branch costs more than the search) */
static unsigned gg_range_of(const gg_par *p, double x, double m)
{
    unsigned b = 0, step;
    if (x >= 0.0 && x < (double)GG_XT && (double)(unsigned)x >= x) { /* (truncated: never above x) */
        /* a whole x (the usual frequency): the bounds below x, then those of x with
           m_x <= m among [xlo, xhi), m_x ascending there */
        unsigned len;
        b = p->xlo[(unsigned)x];
        len = p->xhi[(unsigned)x] - b;
        while (len > 1) {
            const unsigned half = len / 2;
            b += half & (0u - (unsigned)(p->sm[b + half - 1] <= m));
            len -= half;
        }
        return b + (len & (unsigned)(p->sm[b] <= m)); /* sm[b] is a bound (b <= GG_NB - 1) */
    }
    for (step = GG_NB / 2; step; step >>= 1) {
        const double sx = p->sx[b + step - 1], sm = p->sm[b + step - 1];
        b += step & (0u - (unsigned)((sx < x) | ((sx <= x) & (sm <= m))));
    }
    return b;
}

/* A and B: the checks of the chunk's rows (its first failing row), the usable rows
   counted, each usable row's key range, counted per (chunk, range) */
static void gg_check_task(void *arg, size_t c, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    size_t *ck = p->ck + 4 * c, *cc = p->cnt + c * GG_NB, i0, i1, i, nk = 0, np = 0;
    (void)wk;
    gg_chunk_bounds(p, c, &i0, &i1);
    memset(cc, 0, GG_NB * sizeof *cc);
    ck[2] = p->n;
    ck[3] = 0;
    for (i = i0; i < i1; i++) {
        const int rc = row_check(p->x, p->m, p->wt, i);
        size_t use;
        unsigned b;
        if (rc < 0) {
            np++;
            continue;
        }
        if (rc > 0) {
            ck[2] = i;
            ck[3] = (size_t)rc;
            break;
        }
        /* every checked row's range (its own byte), counted when the row is usable */
        use = (size_t)((p->x[i] >= 1.0) & (p->m[i] > 0.0));
        b = gg_range_of(p, p->x[i], p->m[i]);
        p->bk[i] = (unsigned char)b;
        cc[b] += use;
        nk += use;
    }
    ck[0] = nk;
    ck[1] = np;
}

/* C */
static void gg_scatter_task(void *arg, size_t c, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    size_t cur[GG_NB], u = p->ck[4 * c], i0, i1, i;
    gg_rec *rec = p->r->rec;
    (void)wk;
    gg_chunk_bounds(p, c, &i0, &i1);
    memcpy(cur, p->cnt + c * GG_NB, sizeof cur);
    for (i = i0; i < i1; i++)
        if (p->x[i] >= 1.0 && p->m[i] > 0.0) {
            gg_rec *d = &rec[cur[p->bk[i]]++];
            d->x = p->x[i];
            d->m = p->m[i];
            d->w = p->wt ? p->wt[i] : 1.0;
            d->idx = u;
            u++;
        }
}

/* D */
static void gg_sort_task(void *arg, size_t b, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    const size_t a = p->rstart[b], len = p->rstart[b + 1] - a;
    (void)wk;
    if (len >= 512)
        gg_radix_sort(p->r->rec + a, (gg_rec *)(void *)(p->r->rec + p->r->nk) + a, len);
    else if (len > 1)
        qsort(p->r->rec + a, len, sizeof(gg_rec), gg_cmp);
}

static int gg_same_x(const gg_rec *a, const gg_rec *b)
{
    return a->x >= b->x && a->x <= b->x;
}

/* record i merges into the row of record i - 1 (never the first of a range: equal keys
   share a range) */
static int gg_merges(const gg_par *p, const gg_rec *rec, size_t i, size_t a)
{
    return p->merge && i > a && gg_same_x(&rec[i - 1], &rec[i]) && rec[i - 1].m >= rec[i].m &&
           rec[i - 1].m <= rec[i].m;
}

/* E, first pass: merged rows and runs of one x of range b */
static void gg_runs_task(void *arg, size_t b, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    const gg_rec *rec = p->r->rec;
    const size_t a = p->rstart[b], e = p->rstart[b + 1];
    gg_range *g = &p->rg[b];
    size_t i, runs = 0, len = 0;
    (void)wk;
    memset(g, 0, sizeof *g);
    if (a == e)
        return;
    for (i = a; i < e; i++) {
        if (gg_merges(p, rec, i, a))
            continue;
        if (i == a || !gg_same_x(&rec[i - 1], &rec[i])) {
            if (runs == 1)
                g->lf = len;
            else if (runs > 1)
                g->inner += (len + GG_PIECE - 1) / GG_PIECE;
            runs++;
            len = 0;
        }
        len++;
        g->nm++;
    }
    if (runs == 1) {
        g->lf = len;
        g->single = 1;
    } else {
        g->inner += (len + GG_PIECE - 1) / GG_PIECE;
    }
    g->ll = len;
    g->xf = rec[a].x;
    g->xl = rec[e - 1].x;
}

/* E, second pass: range b's merged rows and piece starts */
static void gg_rows_task(void *arg, size_t b, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    const gg_rec *rec = p->r->rec;
    const gg_range *g = &p->rg[b];
    const size_t a = p->rstart[b], e = p->rstart[b + 1];
    double *s = p->r->s, *w = p->r->w;
    size_t i, j = g->j0, k = g->g0, rank = g->r0;
    (void)wk;
    for (i = a; i < e; i++) {
        if (gg_merges(p, rec, i, a)) {
            w[j - 1] += rec[i].w;
            continue;
        }
        if (i > a)
            rank = gg_same_x(&rec[i - 1], &rec[i]) ? rank + 1 : 0;
        if (rank % GG_PIECE == 0) { /* a piece starts */
            p->r->gx[k] = rec[i].x;
            p->prec[k] = i;
            if (k > 0)
                p->r->gend[k - 1] = j;
            k++;
        }
        s[j] = rec[i].x * rec[i].m;
        w[j] = rec[i].w;
        j++;
    }
}

/* F: Σ w and Σ w ln m_x of pieces [t·per_task, (t+1)·per_task) */
static void gg_piece_sums_task(void *arg, size_t t, unsigned wk)
{
    gg_par *p = (gg_par *)arg;
    const gg_rec *rec = p->r->rec;
    const size_t k0 = t * p->per_task, k1 = p->r->ng - k0 < p->per_task ? p->r->ng : k0 + p->per_task;
    size_t k, i;
    (void)wk;
    for (k = k0; k < k1; k++) {
        double W = 0.0, S = 0.0;
        for (i = p->prec[k]; i < p->prec[k + 1]; i++) {
            W += rec[i].w;
            S += rec[i].w * log(rec[i].m);
        }
        p->r->gW[k] = W;
        p->r->gS[k] = S;
    }
}

static int gg_key_cmp(const void *pa, const void *pb)
{
    const double *a = (const double *)pa, *b = (const double *)pb;
    if (a[0] < b[0] || (a[0] <= b[0] && a[1] < b[1]))
        return -1;
    if (a[0] > b[0] || (a[0] >= b[0] && a[1] > b[1]))
        return 1;
    return 0;
}

static cva_status gg_rows_par(const double *x, const double *m_x, const double *weight, size_t n,
                              const cva_fit_opts *o, gg_rows *r, cva_diag *diag)
{
    const cva_executor *ex = o->executor;
    gg_par p;
    size_t c, b, acc, nk = 0, np = 0, ns = 0, j, g, prev_rank = 0, ntask;
    double *smp;
    int have_prev = 0;
    double prev_x = 0.0;

    if (!x || !m_x)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 1 : 2, 0, -1, 0, "data array is NULL");
    memset(&p, 0, sizeof p);
    p.x = x;
    p.m = m_x;
    p.wt = weight;
    p.n = n;
    p.merge = o->merge_rows != 0;
    p.r = r;
    p.chunk = (n + GG_CHUNKS_MAX - 1) / GG_CHUNKS_MAX;
    if (p.chunk < GG_CHUNK_MIN)
        p.chunk = GG_CHUNK_MIN;
    p.nch = (n + p.chunk - 1) / p.chunk;
    /* chunk counts, (chunk, range) counts, the sample, the ranges of the input rows */
    p.ck = (size_t *)cva__alloc(o->alloc, (4 + GG_NB) * p.nch * sizeof(size_t) + 2 * GG_SAMPLE * sizeof(double) + n);
    if (!p.ck)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    p.cnt = p.ck + 4 * p.nch;
    smp = (double *)(void *)(p.cnt + GG_NB * p.nch);
    p.bk = (unsigned char *)(void *)(smp + 2 * GG_SAMPLE);

    /* the range bounds: GG_SAMPLE rows at fixed positions, their usable keys sorted (a
       bad row among them does no harm: the checks below report it) */
    for (c = 0; c < GG_SAMPLE; c++) {
        const size_t i = c * (n / GG_SAMPLE);
        if (x[i] >= 1.0 && m_x[i] > 0.0) {
            smp[2 * ns] = x[i];
            smp[2 * ns + 1] = m_x[i];
            ns++;
        }
    }
    qsort(smp, ns, 2 * sizeof(double), gg_key_cmp);
    for (b = 0; b + 1 < GG_NB; b++) {
        const size_t k = (b + 1) * ns / GG_NB;
        p.sx[b] = ns ? smp[2 * k] : HUGE_VAL;
        p.sm[b] = ns ? smp[2 * k + 1] : HUGE_VAL;
    }
    p.sx[GG_NB - 1] = HUGE_VAL;
    p.sm[GG_NB - 1] = HUGE_VAL;
    for (c = 0, b = 0; c < GG_XT; c++) { /* the bounds of each whole x (they are sorted) */
        while (b + 1 < GG_NB && p.sx[b] < (double)c)
            b++;
        p.xlo[c] = (unsigned char)b;
        while (b + 1 < GG_NB && p.sx[b] <= (double)c)
            b++;
        p.xhi[c] = (unsigned char)b;
        b = p.xlo[c];
    }

    cva__parallel_for(ex, p.nch, gg_check_task, &p);
    for (c = 0; c < p.nch; c++) {
        size_t *ck = p.ck + 4 * c;
        if (ck[2] < n) {
            const size_t bad = ck[2];
            const int code = (int)ck[3];
            cva__free(o->alloc, p.ck);
            return row_report(diag, code, bad);
        }
        np += ck[1];
        acc = ck[0];
        ck[0] = nk;
        nk += acc;
    }
    if (nk == 0) {
        cva__free(o->alloc, p.ck);
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, n, "no row with x >= 1 and m_x > 0");
    }
    if (!gg_block(o->alloc, nk, r)) {
        cva__free(o->alloc, p.ck);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    r->nk = nk;
    r->np = np;

    for (acc = 0, b = 0; b < GG_NB; b++) {
        p.rstart[b] = acc;
        for (c = 0; c < p.nch; c++) {
            const size_t v = p.cnt[c * GG_NB + b];
            p.cnt[c * GG_NB + b] = acc;
            acc += v;
        }
    }
    p.rstart[GG_NB] = acc;
    cva__parallel_for(ex, p.nch, gg_scatter_task, &p);
    cva__parallel_for(ex, GG_NB, gg_sort_task, &p);
    cva__parallel_for(ex, GG_NB, gg_runs_task, &p);
    for (j = 0, g = 0, b = 0; b < GG_NB; b++) {
        gg_range *rg = &p.rg[b];
        size_t r0;
        if (rg->nm == 0)
            continue;
        r0 = have_prev && prev_x >= rg->xf && prev_x <= rg->xf ? prev_rank : 0;
        rg->j0 = j;
        rg->r0 = r0;
        rg->g0 = g;
        g += (r0 + rg->lf + GG_PIECE - 1) / GG_PIECE - (r0 + GG_PIECE - 1) / GG_PIECE + rg->inner;
        j += rg->nm;
        prev_rank = rg->single ? r0 + rg->lf : rg->ll;
        prev_x = rg->xl;
        have_prev = 1;
    }
    r->nr = j;
    r->ng = g;
    p.prec = (size_t *)cva__alloc(o->alloc, (g + 1) * sizeof(size_t));
    if (!p.prec) {
        cva__free(o->alloc, p.ck);
        cva__free(o->alloc, r->rec);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    cva__parallel_for(ex, GG_NB, gg_rows_task, &p);
    r->gend[g - 1] = j;
    p.prec[g] = nk;
    p.per_task = (g + GG_NB - 1) / GG_NB;
    ntask = (g + p.per_task - 1) / p.per_task;
    cva__parallel_for(ex, ntask, gg_piece_sums_task, &p);
    if (weight) {
        cva__ksum Wt = {0.0, 0.0};
        size_t i;
        for (i = 0; i < nk; i++)
            cva__ksum_add(&Wt, r->rec[i].w);
        r->wt = cva__ksum_value(&Wt);
    } else {
        r->wt = (double)nk; /* the compensated sum of nk ones */
    }
    cva__free(o->alloc, p.prec);
    cva__free(o->alloc, p.ck);
    return CVA_OK;
}

cva_status cva_gg_fit(const double *x, const double *m_x, const double *weight, size_t n,
                      const cva_fit_opts *opts, cva_model_fit *fit, cva_diag *diag)
{
    static const double lower_q1[3] = {0.0, 1.0, 0.0};
    static const double start_default[3] = {1.0, 1.0, 1.0};
    cva_fit_opts o;
    cva_model_fit out;
    cva__mle_problem pb;
    gg_data d;
    gg_rows gr;
    size_t ignored;
    double start[3];
    uint64_t iters = 0;
    cva_status st;

    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 6, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 6, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (!CVA__ROWS_FIT(n))
        return cva__report(diag, CVA_E_OVERFLOW, 4, 0, -1, 0, "n: the merged rows do not fit in size_t");
    st = cva__fit_opts_get(opts, 3, &o, diag, 5);
    if (st != CVA_OK)
        return st;
    memset(&gr, 0, sizeof gr);
    if (n >= GG_PAR_MIN && cva__workers(o.executor) > 1)
        st = gg_rows_par(x, m_x, weight, n, &o, &gr, diag);
    else
        st = gg_rows_serial(x, m_x, weight, n, &o, &gr, diag);
    if (st != CVA_OK)
        return st;
    ignored = n - gr.nk;
    d.n_rows = gr.nr;
    d.n_groups = gr.ng;
    d.s = gr.s;
    d.w = gr.w;
    d.gx = gr.gx;
    d.gW = gr.gW;
    d.gS = gr.gS;
    d.gend = gr.gend;
    d.ex = o.executor;
    d.n_tasks = 1;
    d.res = NULL;
    d.tend = NULL;
    if (gr.ng > 1) {
        /* per piece 4 doubles, then the task ends (at most one task per piece) */
        d.res = (double *)cva__alloc(o.alloc, gr.ng * (4 * sizeof(double) + sizeof(size_t)));
        if (!d.res) {
            cva__free(o.alloc, gr.rec);
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        }
        d.tend = (const size_t *)(void *)(d.res + 4 * gr.ng);
        d.n_tasks = gg_tasks(gr.gend, gr.ng, (size_t *)(void *)(d.res + 4 * gr.ng));
    }

    /* three assignments, not a loop: gcc's -fanalyzer lost track of start[1] through the loop */
    start[0] = o.start ? o.start[0] : start_default[0];
    start[1] = o.start ? o.start[1] : start_default[1];
    start[2] = o.start ? o.start[2] : start_default[2];
    if (o.q_above_one && !(start[1] > 1.0))
        start[1] = 2.0;
    memset(&pb, 0, sizeof pb);
    pb.n_params = 3;
    pb.model = CVA_MODEL_GG;
    pb.time_scale = 1.0;
    pb.lower = o.q_above_one ? lower_q1 : NULL;
    pb.weight_total = gr.wt;
    pb.start = start;
    pb.ll = gg_fit_ll;
    pb.data = &d;
    memset(&out, 0, sizeof out);
    st = cva__fit_mle(&pb, &o, &out, &iters);
    if (st >= 0) {
        out.n_rows = gr.nr;
        cva__fit_store(fit, &out);
    }
    cva__free(o.alloc, d.res);
    cva__free(o.alloc, gr.rec);
    if (st < 0)
        return cva__report(diag, st, 0, 0, -1, iters, NULL);
    if (st == CVA_OK && gr.np > 0)
        return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, ignored,
                           "rows without a purchase (NaN x) and rows with x < 1 or m_x <= 0 were ignored");
    return cva__report(diag, st, 0, 0, -1, ignored, ignored ? "rows with x < 1 or m_x <= 0 were ignored" : NULL);
}

cva_status cva_gg_expected_spend(const double *params, const double *x, const double *m_x, size_t n,
                                 double *out, int32_t *flag, cva_diag *diag)
{
    double p, q, g, em;
    size_t i, np = 0;
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    p = params[0];
    q = params[1];
    g = params[2];
    for (i = 0; i < 3; i++)
        if (!(params[i] > 0.0) || !isfinite(params[i]))
            return cva__report(diag, CVA_E_DOMAIN, 1, 0, (int64_t)i, 0, "parameters must be finite and > 0");
    if (!(q > 1.0))
        return cva__report(diag, CVA_E_DOMAIN, 1, 0, 1, 0, "q <= 1: E[M] does not exist");
    if (n > 0 && (!x || !m_x || !out))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 2 : (!m_x ? 3 : 5), 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        if (isnan(x[i]) && isnan(m_x[i])) { /* a customer without a purchase: NaN out */
            np++;
            continue;
        }
        if (!isfinite(x[i]))
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "x is not finite");
        if (!isfinite(m_x[i]))
            return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "m_x is not finite");
        if (x[i] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)i, 0, "x must be >= 0");
        if (m_x[i] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0,
                               "m_x < 0: a negative mean spend (net refunds) has no Gamma-Gamma prediction");
    }
    em = p * g / (q - 1.0);
    for (i = 0; i < n; i++) {
        const int pop = !(x[i] > 0.0) || !(m_x[i] > 0.0);
        out[i] = isnan(x[i]) ? CVA_NAN : pop ? em : p * (g + x[i] * m_x[i]) / (p * x[i] + q - 1.0);
        if (flag)
            flag[i] = pop && !isnan(x[i]);
    }
    if (np > 0)
        return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, np,
                           "rows without a purchase (NaN x): their expected spend is NaN (diag->count rows)");
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}

cva_status cva_gg_correlation(const double *x, const double *m_x, const double *weight, size_t n, double *corr,
                              cva_diag *diag)
{
    cva__ksum W = {0.0, 0.0}, Sx = {0.0, 0.0}, Sm = {0.0, 0.0}, Cxx = {0.0, 0.0}, Cmm = {0.0, 0.0},
              Cxm = {0.0, 0.0};
    size_t i, used = 0, np = 0;
    double mx, mm, vxx, vmm;
    cva_status st;
    if (!corr)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "corr is NULL");
    if ((st = check_rows(x, m_x, weight, n, diag, &used, &np)) != CVA_OK)
        return st;
    *corr = CVA_NAN;
    if (used < 2)
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, n - used, "fewer than two rows with x >= 1 and m_x > 0");
    /* pass 1: weighted means of the usable rows */
    for (i = 0; i < n; i++)
        if (x[i] >= 1.0 && m_x[i] > 0.0) {
            const double w = weight ? weight[i] : 1.0;
            cva__ksum_add(&W, w);
            cva__ksum_add(&Sx, w * x[i]);
            cva__ksum_add(&Sm, w * m_x[i]);
        }
    mx = cva__ksum_value(&Sx) / cva__ksum_value(&W);
    mm = cva__ksum_value(&Sm) / cva__ksum_value(&W);
    /* pass 2: centred sums of squares and products */
    for (i = 0; i < n; i++)
        if (x[i] >= 1.0 && m_x[i] > 0.0) {
            const double w = weight ? weight[i] : 1.0, dx = x[i] - mx, dm = m_x[i] - mm;
            cva__ksum_add(&Cxx, w * dx * dx);
            cva__ksum_add(&Cmm, w * dm * dm);
            cva__ksum_add(&Cxm, w * dx * dm);
        }
    vxx = cva__ksum_value(&Cxx);
    vmm = cva__ksum_value(&Cmm);
    if (!(vxx > 0.0) || !(vmm > 0.0))
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, n - used, "x or m_x is constant over the usable rows");
    *corr = cva__ksum_value(&Cxm) / sqrt(vxx * vmm);
    if (*corr > 1.0) /* rounding at perfect correlation */
        *corr = 1.0;
    if (*corr < -1.0)
        *corr = -1.0;
    if (np > 0)
        return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, n - used,
                           "rows without a purchase (NaN x) were left out with the rows x < 1 or m_x <= 0");
    return cva__report(diag, CVA_OK, 0, 0, -1, n - used, NULL);
}
