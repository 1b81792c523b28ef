/*
 * libcva — Pareto/NBD with correlated purchase and dropout rates (CLVTools' pnbd(use.cor = TRUE)),
 * docs/methods/models.md#methods_pnbdcor.
 *
 * The rates (λ, μ) have the Sarmanov density (Park & Fader 2004; Glady, Lemmens & Croux 2015)
 *   f(λ, μ) = g(λ; r, α) h(μ; s, β) [1 + ω (e^−λ − L_A)(e^−μ − L_B)],
 *   L_A = (α/(α+1))^r = E e^−λ,  L_B = (β/(β+1))^s,
 * with Gamma marginals g, h (shape r, s; rate α, β). Since e^−λ g(λ; r, α) = L_A g(λ; r, α+1),
 * every integral of the independent model over f is a combination of four independent-model
 * integrals with the rates shifted by 0 or 1: with c = ω L_A L_B and L_ab the Pareto/NBD
 * likelihood of a customer at (r, α+a, s, β+b),
 *   L = (1+c) L_00 + c (L_11 − L_10 − L_01)                                         (exact)
 * and the same weights (times L_ab) give every posterior expectation: P(alive), E[Y(t)],
 * DERT; the unconditional E[X(t)] and P(X(t) = n) take them without the L_ab.
 *
 * Parameters (r, α, s, β, ρ): ρ = Corr(λ, μ) = ω √(rs) L_A L_B / ((1+α)(1+β)) (CLVTools'
 * Cor(life,trans)), so c = ρ (1+α)(1+β)/√(rs). f is a density (>= 0) exactly when
 *   c_lo = −min(1, o_A o_B) <= c <= c_hi = min(o_A, o_B),   o_A = L_A/(1−L_A), o_B likewise.
 * The fit optimises v > 0 with c = c_lo + (c_hi − c_lo) v/(1+v) (the fitting table below) and
 * reports ρ with its standard error by the delta method. The kernel e^−λ makes the model depend
 * on the time unit: no time rescaling (every scale_time is 0); CLVTools works in weeks.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "churn_internal.h"

#define PC_BLOCK 128 /* rows a block of the likelihood (stack scratch) */

/* o_A, ∂o_A/∂(shape, rate) of L_A = (a/(a+1))^k */
static void odds(double k, double a, double *o, double *dk, double *da)
{
    const double l = -k * log1p(1.0 / a), L = exp(l), om = -expm1(l); /* L_A, 1 − L_A */
    const double dLk = L * -log1p(1.0 / a), dLa = L * k / (a * (a + 1.0));
    *o = L / om;
    *dk = dLk / (om * om);
    *da = dLa / (om * om);
}

int cva__pnbdcor_range(const double *p, double *c_lo, double *c_hi)
{
    double oa, ob, d1, d2, d3, d4;
    odds(p[0], p[1], &oa, &d1, &d2);
    odds(p[2], p[3], &ob, &d3, &d4);
    *c_hi = oa < ob ? oa : ob;
    *c_lo = oa * ob < 1.0 ? -oa * ob : -1.0;
    return isfinite(*c_hi) && isfinite(*c_lo) && *c_hi > 0.0 && *c_lo < 0.0;
}

double cva__pnbdcor_c_of_rho(const double *p)
{
    return p[4] * (1.0 + p[1]) * (1.0 + p[3]) / sqrt(p[0] * p[2]);
}

/* c and ∂c/∂(r, α, s, β, p4) for the two parametrisations (fit: p4 = v); d2 (fit only, may
   be NULL): ∂²c/∂v∂(r, α, s, β) and ∂²c/∂v² */
static int c_and_grad2(const double *p, int fit, double *c, double *dc, double *d2)
{
    double lo, hi;
    if (!(p[0] > 0.0 && p[1] > 0.0 && p[2] > 0.0 && p[3] > 0.0) || !isfinite(p[0] + p[1] + p[2] + p[3]) ||
        !isfinite(p[4]))
        return 0;
    if (!cva__pnbdcor_range(p, &lo, &hi))
        return 0;
    if (!fit) {
        const double k = (1.0 + p[1]) * (1.0 + p[3]) / sqrt(p[0] * p[2]);
        *c = p[4] * k;
        if (!(*c >= lo && *c <= hi))
            return 0;
        dc[0] = -0.5 * *c / p[0];
        dc[1] = *c / (1.0 + p[1]);
        dc[2] = -0.5 * *c / p[2];
        dc[3] = *c / (1.0 + p[3]);
        dc[4] = k;
    } else {
        double oa, ob, dak, daa, dbk, dba, dhi[4], dlo[4], sg;
        int i;
        if (!(p[4] > 0.0))
            return 0;
        odds(p[0], p[1], &oa, &dak, &daa);
        odds(p[2], p[3], &ob, &dbk, &dba);
        if (oa < ob) {
            dhi[0] = dak, dhi[1] = daa, dhi[2] = 0.0, dhi[3] = 0.0;
        } else {
            dhi[0] = 0.0, dhi[1] = 0.0, dhi[2] = dbk, dhi[3] = dba;
        }
        if (oa * ob < 1.0) {
            dlo[0] = -dak * ob, dlo[1] = -daa * ob, dlo[2] = -oa * dbk, dlo[3] = -oa * dba;
        } else {
            dlo[0] = dlo[1] = dlo[2] = dlo[3] = 0.0;
        }
        sg = p[4] / (1.0 + p[4]);
        if (!isfinite(sg))
            sg = 1.0;
        *c = lo + (hi - lo) * sg;
        for (i = 0; i < 4; i++)
            dc[i] = dlo[i] * (1.0 - sg) + dhi[i] * sg;
        dc[4] = (hi - lo) / ((1.0 + p[4]) * (1.0 + p[4]));
        if (d2) {
            for (i = 0; i < 4; i++)
                d2[i] = (dhi[i] - dlo[i]) / ((1.0 + p[4]) * (1.0 + p[4]));
            d2[4] = -2.0 * dc[4] / (1.0 + p[4]);
        }
    }
    return 1;
}

static int c_and_grad(const double *p, int fit, double *c, double *dc)
{
    return c_and_grad2(p, fit, c, dc, NULL);
}

/*
 * Σ w LL_i with c (and its gradient dc) given; grad: 5 values. The fit's start (models.c) asks
 * for more: hv (with grad; d2 from c_and_grad2()): the column ∂²/∂v∂(r, α, s, β, v) of the
 * Hessian, exactly (LL_i = L_00 + ln(1 + c D_i)); dsum (2 values): Σ w D/Q and Σ w (D/Q)²
 * (Q = 1 + c D), ∂LL/∂c and −∂²LL/∂c² at fixed (r, α, s, β). Neither changes the bits of the
 * value or the gradient.
 */
static double ll_core(const double *p, double c, const double *dc, const double *d2, const cva__btyd_rows *rows,
                      double *grad, double *hv, double *dsum, double *ll_i)
{
    double l[4][PC_BLOCK], g[4][4 * PC_BLOCK], gs[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    double hs[5] = {0.0, 0.0, 0.0, 0.0, 0.0}, ds[2] = {0.0, 0.0};
    const int indep = !(c < 0.0 || c > 0.0); /* c = 0: the independent model */
    const int comb = !indep || grad || dsum;   /* the four shifted likelihoods are needed */
    cva__ksum acc = {0.0, 0.0};
    size_t i0;
    int j;
    for (i0 = 0; i0 < rows->n; i0 += PC_BLOCK) {
        const size_t len = rows->n - i0 < PC_BLOCK ? rows->n - i0 : PC_BLOCK;
        cva__btyd_rows sub;
        size_t i;
        sub.x = rows->x + i0;
        sub.t_x = rows->t_x + i0;
        sub.T = rows->T + i0;
        sub.w = NULL;
        sub.n = len;
        if (!comb) { /* the plain model: L_00 only, bit for bit */
            if (!isfinite(cva__pnbd_ll_rows(p, &sub, l[0], NULL)))
                return CVA_NAN;
        } else {
            /* the four shifted likelihoods in one pass (their series share the divisions) */
            double *const l4[4] = {l[0], l[1], l[2], l[3]}, *const g4[4] = {g[0], g[1], g[2], g[3]};
            if (!isfinite(cva__pnbd_ll_rows4(p, &sub, l4, grad ? g4 : NULL)))
                return CVA_NAN;
        }
        for (i = 0; i < len; i++) {
            const double w = rows->w ? rows->w[i0 + i] : 1.0;
            double lli = l[0][i];
            if (comb) {
                /* ab = 1: α+1; 2: β+1; 3: both */
                const double e10 = exp(l[1][i] - l[0][i]), e01 = exp(l[2][i] - l[0][i]);
                const double e11 = exp(l[3][i] - l[0][i]);
                const double D = 1.0 + e11 - e10 - e01, Q = 1.0 + c * D;
                if (!(Q > 0.0))
                    return CVA_NAN;
                if (!indep)
                    lli += log(Q);
                if (dsum) {
                    const double dq = D / Q;
                    ds[0] += w * dq;
                    ds[1] += w * (dq * dq);
                }
                if (grad) {
                    for (j = 0; j < 4; j++) {
                        const double g0 = g[0][4 * i + (size_t)j];
                        const double dD = e11 * (g[3][4 * i + (size_t)j] - g0) - e10 * (g[1][4 * i + (size_t)j] - g0) -
                                          e01 * (g[2][4 * i + (size_t)j] - g0);
                        gs[j] += w * (g0 + (dc[j] * D + c * dD) / Q);
                        if (hv) /* ∂/∂θ_j of c_v D/Q */
                            hs[j] += w * ((d2[j] * D + dc[4] * dD) / Q - dc[4] * D * (dc[j] * D + c * dD) / (Q * Q));
                    }
                    gs[4] += w * (dc[4] * D / Q);
                    if (hv)
                        hs[4] += w * (d2[4] * D / Q - (dc[4] * D / Q) * (dc[4] * D / Q));
                }
            }
            if (ll_i)
                ll_i[i0 + i] = lli;
            cva__ksum_add(&acc, w * lli);
        }
    }
    if (grad)
        for (j = 0; j < 5; j++)
            grad[j] = gs[j];
    if (grad && hv)
        for (j = 0; j < 5; j++)
            hv[j] = hs[j];
    if (dsum) {
        dsum[0] = ds[0];
        dsum[1] = ds[1];
    }
    return cva__ksum_value(&acc);
}

static double pc_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    double c, dc[5];
    if (!c_and_grad(p, 0, &c, dc))
        return CVA_NAN;
    return ll_core(p, c, dc, NULL, rows, grad, NULL, NULL, ll_i);
}

static double pc_ll_fit(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    double c, dc[5];
    if (!c_and_grad(p, 1, &c, dc))
        return CVA_NAN;
    return ll_core(p, c, dc, NULL, rows, grad, NULL, NULL, ll_i);
}

/* the fitting parametrisation's value with 10 values in out (when not NULL): the gradient,
   then the Hessian column ∂²/∂v∂(r, α, s, β, v) */
static double pc_ll_fit_hv(const double *p, const cva__btyd_rows *rows, double *out, double *ll_i)
{
    double c, dc[5], d2[5];
    if (!c_and_grad2(p, 1, &c, dc, d2))
        return CVA_NAN;
    return ll_core(p, c, dc, d2, rows, out, out ? out + 5 : NULL, NULL, ll_i);
}

/* the fitting parametrisation's value with out (when not NULL) = Σ w D/Q, Σ w (D/Q)² */
static double pc_ll_fit_dsum(const double *p, const cva__btyd_rows *rows, double *out, double *ll_i)
{
    double c, dc[5];
    if (!c_and_grad(p, 1, &c, dc))
        return CVA_NAN;
    return ll_core(p, c, dc, NULL, rows, NULL, NULL, out, ll_i);
}

int cva__pnbdcor_v_of_c(const double *p, double c, double *v)
{
    double lo, hi, sg;
    if (!cva__pnbdcor_range(p, &lo, &hi) || !(c > lo && c < hi))
        return 0;
    sg = (c - lo) / (hi - lo);
    *v = sg / (1.0 - sg);
    return *v > 0.0 && isfinite(*v);
}

cva_status cva__pnbdcor_start(const double *user, double T_max, double *start)
{
    double lo, hi, c, sg;
    int i;
    if (user) {
        for (i = 0; i < 5; i++)
            start[i] = user[i];
    } else {
        start[0] = 1.0;
        start[1] = T_max;
        start[2] = 1.0;
        start[3] = T_max;
        start[4] = 0.0;
    }
    if (!cva__pnbdcor_range(start, &lo, &hi))
        return CVA_E_OPTION;
    c = cva__pnbdcor_c_of_rho(start);
    if (!(c > lo && c < hi))
        return CVA_E_OPTION;
    sg = (c - lo) / (hi - lo);
    start[4] = sg / (1.0 - sg);
    return start[4] > 0.0 && isfinite(start[4]) ? CVA_OK : CVA_E_OPTION;
}

void cva__pnbdcor_finish(cva_model_fit *f)
{
    double c, dc[5], J[5], cov[25], k;
    int i, j;
    if (!c_and_grad(f->params5, 1, &c, dc))
        return;
    k = sqrt(f->params5[0] * f->params5[2]) / ((1.0 + f->params5[1]) * (1.0 + f->params5[3]));
    /* ρ = c k: ∂ρ/∂θ = k ∂c/∂θ + c ∂k/∂θ */
    J[0] = k * dc[0] + c * k * 0.5 / f->params5[0];
    J[1] = k * dc[1] - c * k / (1.0 + f->params5[1]);
    J[2] = k * dc[2] + c * k * 0.5 / f->params5[2];
    J[3] = k * dc[3] - c * k / (1.0 + f->params5[3]);
    J[4] = k * dc[4];
    memcpy(cov, f->cov5, sizeof cov);
    for (i = 0; i < 4; i++) { /* cov(θ_i, ρ) */
        double s = 0.0;
        for (j = 0; j < 5; j++)
            s += cov[i * 5 + j] * J[j];
        f->cov5[i * 5 + 4] = f->cov5[4 * 5 + i] = s;
    }
    {
        double s = 0.0;
        for (i = 0; i < 5; i++)
            for (j = 0; j < 5; j++)
                s += J[i] * cov[i * 5 + j] * J[j];
        f->cov5[24] = s;
        f->std_err5[4] = s >= 0.0 ? sqrt(s) : CVA_NAN;
    }
    f->params5[4] = c * k;
}

/* ------------------------------------------------------------ predictions */

/* the four shifted parameter sets */
static void shifted(const double *p, int ab, double *q)
{
    q[0] = p[0];
    q[1] = p[1] + (double)(ab & 1);
    q[2] = p[2];
    q[3] = p[3] + (double)(ab >> 1);
}

/* posterior expectation: Σ_ab w_ab L_ab Q_ab / Σ_ab w_ab L_ab with the independent model's Q_ab */
static cva_status posterior(const double *p, double s, const double *x, const double *t_x, const double *T,
                            size_t n, double *out, const cva_allocator *alloc, int which)
{
    double c, dc[5], *buf;
    cva__btyd_rows rows;
    cva_status st = CVA_OK;
    size_t i;
    int ab;
    if (!c_and_grad(p, 0, &c, dc))
        return CVA_E_DOMAIN;
    buf = (double *)cva__alloc(alloc, 8 * (n ? n : 1) * sizeof(double));
    if (!buf)
        return CVA_E_NOMEM;
    rows.x = x;
    rows.t_x = t_x;
    rows.T = T;
    rows.w = NULL;
    rows.n = n;
    for (ab = 0; ab < 4 && st >= 0; ab++) {
        double q[4], *l = buf + (size_t)ab * n, *v = buf + (size_t)(4 + ab) * n;
        cva_status s2;
        shifted(p, ab, q);
        if (!isfinite(cva__pnbd_ll_rows(q, &rows, l, NULL))) {
            st = CVA_E_DOMAIN;
            break;
        }
        s2 = which == 0   ? cva__model_pnbd.p_alive(q, s, x, t_x, T, n, v, alloc)
             : which == 1 ? cva__model_pnbd.expected(q, s, x, t_x, T, n, v, alloc)
                          : cva__model_pnbd.dert(q, s, x, t_x, T, n, v, alloc);
        if (s2 < 0 || (s2 != CVA_OK && st == CVA_OK))
            st = s2;
    }
    if (st >= 0)
        for (i = 0; i < n; i++) {
            const double e10 = exp(buf[n + i] - buf[i]), e01 = exp(buf[2 * n + i] - buf[i]);
            const double e11 = exp(buf[3 * n + i] - buf[i]);
            const double *v = buf + 4 * n;
            const double num = v[i] + c * (v[i] + e11 * v[3 * n + i] - e10 * v[n + i] - e01 * v[2 * n + i]);
            const double den = 1.0 + c * (1.0 + e11 - e10 - e01);
            out[i] = num / den;
        }
    cva__free(alloc, buf);
    return st;
}

static cva_status pc_p_alive(const double *p, double t_future, const double *x, const double *t_x, const double *T,
                             size_t n, double *out, const cva_allocator *alloc)
{
    return posterior(p, t_future, x, t_x, T, n, out, alloc, 0);
}

static cva_status pc_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                              size_t n, double *out, const cva_allocator *alloc)
{
    return posterior(p, t, x, t_x, T, n, out, alloc, 1);
}

static cva_status pc_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                          size_t n, double *out, const cva_allocator *alloc)
{
    return posterior(p, delta, x, t_x, T, n, out, alloc, 2);
}

/* prior expectations: (1+c) Q_00 + c (Q_11 − Q_10 − Q_01), in blocks of stack scratch */
static cva_status prior_comb(const double *p, const double *t, size_t n, double *out)
{
    double c, dc[5], v[4][PC_BLOCK];
    size_t i0;
    if (!c_and_grad(p, 0, &c, dc))
        return CVA_E_DOMAIN;
    for (i0 = 0; i0 < n; i0 += PC_BLOCK) {
        const size_t len = n - i0 < PC_BLOCK ? n - i0 : PC_BLOCK;
        size_t i;
        int ab;
        for (ab = 0; ab < 4; ab++) {
            double q[4];
            cva_status st;
            shifted(p, ab, q);
            st = cva__model_pnbd.expected_pop(q, t + i0, len, v[ab]);
            if (st < 0)
                return st;
        }
        for (i = 0; i < len; i++)
            out[i0 + i] = v[0][i] + c * (v[0][i] + v[3][i] - v[1][i] - v[2][i]);
    }
    return CVA_OK;
}

static cva_status pc_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    return prior_comb(p, t, n, out);
}

static cva_status pc_prob_n(const double *p, double t, size_t n_k, double *out)
{
    double c, dc[5], v[4][PC_BLOCK];
    cva_status st = CVA_OK;
    size_t k0;
    if (!c_and_grad(p, 0, &c, dc))
        return CVA_E_DOMAIN;
    for (k0 = 0; k0 < n_k; k0 += PC_BLOCK) { /* each k on its own: blocks of stack scratch */
        const size_t len = n_k - k0 < PC_BLOCK ? n_k - k0 : PC_BLOCK;
        size_t k;
        int ab;
        for (ab = 0; ab < 4; ab++) {
            double q[4];
            cva_status s2;
            shifted(p, ab, q);
            s2 = cva__pnbd_prob_n_from(q, t, k0, len, v[ab]);
            if (s2 < 0)
                return s2;
            if (s2 != CVA_OK)
                st = s2;
        }
        for (k = 0; k < len; k++)
            out[k0 + k] = v[0][k] + c * (v[0][k] + v[3][k] - v[1][k] - v[2][k]);
    }
    return st;
}

const cva__btyd_model cva__model_pnbdcor = {
    CVA_MODEL_PNBDCOR,
    5,
    {"r", "alpha", "s", "beta", "correlation"},
    {1.0, 1.0, 1.0, 1.0, 0.0},
    {0, 0, 0, 0, 0},
    pc_ll,
    pc_p_alive,
    pc_expected,
    pc_expected_pop,
    pc_prob_n,
    pc_dert,
    NULL,
};

/* the fitting parametrisation (r, α, s, β, v), v/(1+v) the place of c in [c_lo, c_hi] */
const cva__btyd_model cva__model_pnbdcor_fit = {
    CVA_MODEL_PNBDCOR,
    5,
    {"r", "alpha", "s", "beta", "v"},
    {1.0, 1.0, 1.0, 1.0, 1.0},
    {0, 0, 0, 0, 0},
    pc_ll_fit,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* the fit's start (models.c): the same parametrisation, with more out of an evaluation */
const cva__btyd_model cva__model_pnbdcor_fithv = {
    CVA_MODEL_PNBDCOR, 5, {"r", "alpha", "s", "beta", "v"}, {1.0, 1.0, 1.0, 1.0, 1.0}, {0, 0, 0, 0, 0},
    pc_ll_fit_hv, NULL, NULL, NULL, NULL, NULL, NULL,
};

const cva__btyd_model cva__model_pnbdcor_fitd = {
    CVA_MODEL_PNBDCOR, 5, {"r", "alpha", "s", "beta", "v"}, {1.0, 1.0, 1.0, 1.0, 1.0}, {0, 0, 0, 0, 0},
    pc_ll_fit_dsum, NULL, NULL, NULL, NULL, NULL, NULL,
};
