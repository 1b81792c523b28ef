/*
 * libcva — Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; SPEC §5.5).
 *
 *   LL_i = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
 *   ∂/∂p = x [ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+xm)]
 *   ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+xm)
 *   ∂/∂γ = q/γ − (px+q)/(γ+xm)
 *
 * The fit sorts the usable rows by (x, m_x) (stable LSD radix sort), merges identical rows and groups
 * them by x: the Gamma-function terms are then evaluated once per distinct x,
 * ln m_x is precomputed, and each evaluation costs one log and one division per row.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "churn_internal.h"

double cva__gg_ll(const double *prm, const double *x, const double *m_x, const double *w, size_t n,
                  double *grad, double *ll_i)
{
    const double p = prm[0], q = prm[1], g = prm[2];
    const double lgq = cva__lgamma(q), lng = log(g), psq = cva__digamma(q);
    double gp = 0.0, gq = 0.0, gg = 0.0;
    cva__ksum acc = {0.0, 0.0};
    size_t i;
    if (!(p > 0 && q > 0 && g > 0) || !isfinite(p + q + g))
        return CVA_NAN;
    for (i = 0; i < n; i++) {
        const double xi = x[i], mi = m_x[i], wi = w ? w[i] : 1.0;
        const double px = p * xi, lm = log(mi), lx = log(xi), lgs = log(g + xi * mi);
        const double l = cva__lgamma(px + q) - cva__lgamma(px) - lgq + q * lng + (px - 1.0) * lm + px * lx -
                         (px + q) * lgs;
        if (ll_i)
            ll_i[i] = l;
        cva__ksum_add(&acc, wi * l);
        if (grad) {
            const double pspq = cva__digamma(px + q);
            gp += wi * xi * (pspq - cva__digamma(px) + lm + lx - lgs);
            gq += wi * (pspq - psq + lng - lgs);
            gg += wi * (q / g - (px + q) / (g + xi * mi));
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

typedef struct gg_data {
    size_t n_rows, n_groups;
    const double *s;      /* x·m per row */
    const double *w;      /* weight per row */
    const double *gx;     /* x per group */
    const double *gW;     /* Σ w per group */
    const double *gS;     /* Σ w ln m per group */
    const size_t *gend;   /* one past the last row of each group */
} gg_data;

static double gg_fit_ll(void *vd, const double *prm, double *grad)
{
    const gg_data *d = (const gg_data *)vd;
    const double p = prm[0], q = prm[1], g = prm[2];
    const double lgq = cva__lgamma(q), lng = log(g), psq = cva__digamma(q);
    double gp = 0.0, gq = 0.0, gg = 0.0;
    cva__ksum acc = {0.0, 0.0};
    size_t k, i = 0;
    if (!(p > 0 && q > 0 && g > 0) || !isfinite(p + q + g))
        return CVA_NAN;
    for (k = 0; k < d->n_groups; k++) {
        const double x = d->gx[k], W = d->gW[k], S = d->gS[k], px = p * x, lx = log(x);
        double SL = 0.0, SR = 0.0;
        for (; i < d->gend[k]; i++) {
            const double v = g + d->s[i];
            SL += d->w[i] * log(v);
            SR += d->w[i] / v;
        }
        cva__ksum_add(&acc, W * (cva__lgamma(px + q) - cva__lgamma(px) - lgq + q * lng + px * lx) +
                                (px - 1.0) * S - (px + q) * SL);
        if (grad) {
            const double pspq = cva__digamma(px + q);
            gp += x * (W * (pspq - cva__digamma(px) + lx) + S - SL);
            gq += W * (pspq - psq + lng) - SL;
            gg += W * q / g - (px + q) * SR;
        }
    }
    if (grad) {
        grad[0] = gp;
        grad[1] = gq;
        grad[2] = gg;
    }
    return cva__ksum_value(&acc);
}

/* The data checks shared by the fit and the correlation: pointers, finite
   values, positive weights; *usable = rows with x >= 1 and m_x > 0. */
static cva_status check_rows(const double *x, const double *m_x, const double *weight, size_t n, cva_diag *diag,
                             size_t *usable)
{
    size_t i, nk = 0;
    if (n > 0 && (!x || !m_x))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 1 : 2, 0, -1, 0, "data array is NULL");
    for (i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "x is not finite");
        if (!isfinite(m_x[i]))
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "m_x is not finite");
        if (weight && !isfinite(weight[i]))
            return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "weight is not finite");
        if (weight && !(weight[i] > 0.0))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "weights must be > 0");
        nk += x[i] >= 1.0 && m_x[i] > 0.0;
    }
    *usable = nk;
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
    gg_rec *rec = NULL;
    double *blk = NULL, *s, *w, *gx, *gW, *gS;
    size_t *gend = NULL;
    size_t i, nk = 0, nr = 0, ng = 0, ignored = 0;
    double start[3];
    uint64_t iters = 0;
    cva__ksum Wt = {0.0, 0.0};
    cva_status st;

    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 6, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 6, 0, -1, 0, "fit: call cva_model_fit_init first");
    st = cva__fit_opts_get(opts, 3, &o, diag, 5);
    if (st != CVA_OK)
        return st;
    if ((st = check_rows(x, m_x, weight, n, diag, &nk)) != CVA_OK)
        return st;
    ignored = n - nk;
    if (nk == 0)
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, ignored, "no row with x >= 1 and m_x > 0");

    rec = (gg_rec *)cva__alloc(o.alloc, nk * sizeof *rec);
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
    {
        gg_rec *tmp = nr >= 4096 ? (gg_rec *)cva__alloc(o.alloc, nr * sizeof *tmp) : NULL;
        if (tmp) {
            gg_radix_sort(rec, tmp, nr);
            cva__free(o.alloc, tmp);
        } else {
            qsort(rec, nr, sizeof *rec, gg_cmp);
        }
    }
    blk = (double *)cva__alloc(o.alloc, 5 * nr * sizeof(double));
    gend = (size_t *)cva__alloc(o.alloc, nr * sizeof(size_t));
    if (!blk || !gend) {
        cva__free(o.alloc, rec);
        cva__free(o.alloc, blk);
        cva__free(o.alloc, gend);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    s = blk;
    w = s + nr;
    gx = w + nr;
    gW = gx + nr;
    gS = gW + nr;
    {
        size_t j = 0; /* rows after merging */
        for (i = 0; i < nr; i++) {
            const int same_x = j > 0 && ng > 0 && gx[ng - 1] >= rec[i].x && gx[ng - 1] <= rec[i].x;
            if (o.merge_rows && same_x && i > 0 && rec[i - 1].m >= rec[i].m && rec[i - 1].m <= rec[i].m) {
                w[j - 1] += rec[i].w;
            } else {
                s[j] = rec[i].x * rec[i].m;
                w[j] = rec[i].w;
                j++;
            }
            if (!same_x) {
                gx[ng] = rec[i].x;
                gW[ng] = 0.0;
                gS[ng] = 0.0;
                ng++;
            }
            gW[ng - 1] += rec[i].w;
            gS[ng - 1] += rec[i].w * log(rec[i].m);
            gend[ng - 1] = j;
            cva__ksum_add(&Wt, rec[i].w);
        }
        nr = j;
    }
    cva__free(o.alloc, rec);
    d.n_rows = nr;
    d.n_groups = ng;
    d.s = s;
    d.w = w;
    d.gx = gx;
    d.gW = gW;
    d.gS = gS;
    d.gend = gend;

    for (i = 0; i < 3; i++)
        start[i] = o.start ? o.start[i] : start_default[i];
    if (o.q_above_one && !(start[1] > 1.0))
        start[1] = 2.0;
    memset(&pb, 0, sizeof pb);
    pb.n_params = 3;
    pb.model = CVA_MODEL_GG;
    pb.time_scale = 1.0;
    pb.lower = o.q_above_one ? lower_q1 : NULL;
    pb.weight_total = cva__ksum_value(&Wt);
    pb.start = start;
    pb.ll = gg_fit_ll;
    pb.data = &d;
    memset(&out, 0, sizeof out);
    st = cva__fit_mle(&pb, &o, &out, &iters);
    if (st >= 0) {
        out.n_rows = nr;
        cva__fit_store(fit, &out);
    }
    cva__free(o.alloc, blk);
    cva__free(o.alloc, gend);
    if (st < 0)
        return cva__report(diag, st, 0, 0, -1, iters, NULL);
    return cva__report(diag, st, 0, 0, -1, ignored, ignored ? "rows with x < 1 or m_x <= 0 were ignored" : NULL);
}

cva_status cva_gg_expected_spend(const double *params, const double *x, const double *m_x, size_t n,
                                 double *out, int32_t *flag, cva_diag *diag)
{
    double p, q, g, em;
    size_t i;
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
        out[i] = pop ? em : p * (g + x[i] * m_x[i]) / (p * x[i] + q - 1.0);
        if (flag)
            flag[i] = pop;
    }
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}

cva_status cva_gg_correlation(const double *x, const double *m_x, const double *weight, size_t n, double *corr,
                              cva_diag *diag)
{
    cva__ksum W = {0.0, 0.0}, Sx = {0.0, 0.0}, Sm = {0.0, 0.0}, Cxx = {0.0, 0.0}, Cmm = {0.0, 0.0},
              Cxm = {0.0, 0.0};
    size_t i, used = 0;
    double mx, mm, vxx, vmm;
    cva_status st;
    if (!corr)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "corr is NULL");
    if ((st = check_rows(x, m_x, weight, n, diag, &used)) != CVA_OK)
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
    return cva__report(diag, CVA_OK, 0, 0, -1, n - used, NULL);
}
