/*
 * libcva — conditional distribution and variance of future transactions for
 * BG/NBD, MBG/NBD, Pareto/NBD and NBD (issue 15; NBD: always alive, the posterior
 * Gamma(r+x, α+T) in the NBD distribution, variance (r+x)t/(α+T) · (1 + t/(α+T))).
 *
 * Given the data (x, t_x, T) a customer is either dead at T (probability 1 − π,
 * π = P(alive), then Y(t) = 0) or alive, and then the posterior of the rates is
 * that of the model's likelihood with the drop-out factor of "still alive":
 *   BG/NBD, MBG/NBD:  λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x+s) independent (s = 0 / 1);
 *   Pareto/NBD:       λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T) independent.
 * An alive customer's future from T on is that of a new customer with these mixing
 * distributions (for both BG variants the one of the BG/NBD: a drop-out chance
 * after each further purchase only). So
 *   P(Y(t) = k | x, t_x, T) = π · P_new(X(t) = k; posterior) + (1 − π) [k = 0],
 * with P_new the unconditional distribution of cva_model_prob_n() at the posterior
 * parameters (BG/NBD table, (r+x, α+T, a, b+x+s); Pareto/NBD, (r+x, α+T, s, β+T)).
 * The mean of this distribution is the conditional expectation of
 * cva_model_expected() (same 2F1 after substitution; checked in the tests).
 *
 * Variance. For an alive customer with known rates the purchase intensity at T+v is
 * λ while alive, so E[Y(Y−1)] = 2 ∫∫_{u<v<t} λ² P(alive at v | purchase at u) du dv:
 *   BG:  E[Y(Y−1) | λ, p] = 2 λ² (1−p) ∫_0^t v e^{−λ p v} dv
 *   P/NBD: E[Y(Y−1) | λ, μ] = λ² E[min(τ, t)²] = 2 λ² ∫_0^t v e^{−μ v} dv.
 * Integrating λ ~ Gamma(r', α') first (E[λ² e^{−cλ}] = r'(r'+1)/α'² (1 + c/α')^{−(r'+2)}):
 *   BG:    m2 = 2 r'(r'+1) (t/α')² E_{p ~ Beta(a, b')} [(1−p) F(p t/α', r'+2)]
 *   P/NBD: m2 = 2 r'(r'+1) (t/α')² F(t/β', s)
 * with F(y, m) = ∫_0^1 w (1 + y w)^{−m} dw (= ½ 2F1(m, 2; 3; −y)); the p integral is a
 * tanh-sinh quadrature. Then Var[Y | data] = π m2 + E − E², E = π E[Y | alive] the
 * conditional expectation.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>

#include "churn_internal.h"

/* ln(1+y)·(1 − e^{−h})/h with h = (c−1) ln(1+y): ∫_1^{1+y} u^{−c} du for any real c */
static double pow_int(double c, double L)
{
    const double h = (c - 1.0) * L;
    if (fabs(h) < 1e-300)
        return L;
    return L * (-expm1(-h) / h);
}

/*
 * F(y, m) = ∫_0^1 w (1 + y w)^{−m} dw, y >= 0, m > 0. For y·max(m, 2) < 0.5 the
 * alternating series Σ_j (−1)^j (m)_j / j! y^j / (j+2) (terms shrinking by at least
 * half from the first); otherwise (I(m−1) − I(m))/y² with I(c) = ∫_1^{1+y} u^{−c} du,
 * which loses at most a factor 4·max(m, 2) to cancellation there.
 */
static double f_int(double y, double m)
{
    if (y * (m > 2.0 ? m : 2.0) < 0.5) {
        double c = 1.0, sum = 0.5;
        int j;
        for (j = 1; j < 200; j++) {
            double term;
            c *= -(m + (double)j - 1.0) * y / (double)j;
            term = c / ((double)j + 2.0);
            sum += term;
            if (fabs(term) <= 1e-17 * fabs(sum))
                break;
        }
        return sum;
    } else {
        const double L = log1p(y);
        return (pow_int(m - 1.0, L) - pow_int(m, L)) / (y * y);
    }
}

/* integrand of E_{Beta(a, b')}[(1−p) F(p c, m)] on (0, 1) */
typedef struct m2_ctx {
    double a, bb, c, m, lnorm;
} m2_ctx;

static double m2_f(void *vd, double pp, double lp, double l1mp)
{
    const m2_ctx *d = (const m2_ctx *)vd;
    if (!(pp > 0.0) || !(pp < 1.0))
        return 0.0;
    return exp((d->a - 1.0) * lp + d->bb * l1mp - d->lnorm) * f_int(pp * d->c, d->m);
}

/* posterior parameters of an alive customer, in the parameter order of the table *pm */
static const cva__btyd_model *alive_model(int32_t model, const double *p, double x, double T, double *q)
{
    q[0] = p[0] + x;
    q[1] = p[1] + T;
    if (model == CVA_MODEL_NBD) { /* no drop-out: two parameters, q[2], q[3] unused */
        q[2] = q[3] = 1.0;
        return &cva__model_nbd;
    }
    q[2] = p[2];
    if (model == CVA_MODEL_PNBD) {
        q[3] = p[3] + T;
        return &cva__model_pnbd;
    }
    q[3] = p[3] + x + (model == CVA_MODEL_MBGNBD ? 1.0 : 0.0);
    return &cva__model_bgnbd;
}

/* E[Y(t)(Y(t)−1) | alive at T] for one customer */
static double alive_m2(int32_t model, const double *p, double t, double x, double T)
{
    double q[4], lead;
    (void)alive_model(model, p, x, T, q);
    lead = 2.0 * q[0] * (q[0] + 1.0) * (t / q[1]) * (t / q[1]);
    if (model == CVA_MODEL_PNBD)
        return lead * f_int(t / q[3], q[2]);
    if (model == CVA_MODEL_NBD) /* E[λ²] t² */
        return 0.5 * lead;
    {
        m2_ctx d;
        d.a = q[2];
        d.bb = q[3];
        d.c = t / q[1];
        d.m = q[0] + 2.0;
        d.lnorm = cva__lbeta(q[2], q[3]);
        return lead * cva__tanh_sinh_unit(m2_f, &d);
    }
}

static int same2(double a1, double b1, double a2, double b2)
{
    return a1 >= a2 && a1 <= a2 && b1 >= b2 && b1 <= b2;
}

cva_status cva__cond_prob_n(int32_t model, const double *p, double t, const double *x, const double *t_x,
                            const double *T, size_t n, size_t n_k, double *out, const cva_allocator *alloc)
{
    const cva__btyd_model *m = cva__btyd_table(model);
    cva_status st = CVA_OK, s1;
    size_t i, k;
    double *pa, *pmf, px = -1.0, pT = -1.0;
    if (model == CVA_MODEL_BGCNBD || model == CVA_MODEL_MBGCNBD) /* cnbd.c; k in p[4] */
        return cva__cnbd_cond_prob_n(model, p, t, x, t_x, T, n, n_k, out, alloc);
    if (!m || !m->p_alive)
        return CVA_E_BADARG;
    if (n == 0 || n_k == 0)
        return CVA_OK;
    pa = (double *)cva__alloc(alloc, (n + n_k) * sizeof(double));
    if (!pa)
        return CVA_E_NOMEM;
    pmf = pa + n;
    s1 = m->p_alive(p, 0.0, x, t_x, T, n, pa, alloc);
    if (s1 < 0) {
        cva__free(alloc, pa);
        return s1;
    }
    st = s1;
    for (i = 0; i < n; i++) {
        double *o = out + i * n_k;
        if (!(t > 0.0)) {
            for (k = 0; k < n_k; k++)
                o[k] = k == 0 ? 1.0 : 0.0;
            continue;
        }
        if (!same2(x[i], T[i], px, pT)) { /* the alive part depends on (x, T) only */
            double q[4];
            const cva__btyd_model *am = alive_model(model, p, x[i], T[i], q);
            s1 = am->prob_n(q, t, n_k, pmf);
            if (s1 < 0) {
                cva__free(alloc, pa);
                return s1;
            }
            if (s1 > st)
                st = s1;
            px = x[i];
            pT = T[i];
        }
        for (k = 0; k < n_k; k++)
            o[k] = pa[i] * pmf[k];
        o[0] += 1.0 - pa[i];
    }
    cva__free(alloc, pa);
    return st;
}

cva_status cva__cond_variance(int32_t model, const double *p, double t, const double *x, const double *t_x,
                              const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    const cva__btyd_model *m = cva__btyd_table(model);
    cva_status st, s1;
    size_t i;
    double *pa, px = -1.0, pT = -1.0, m2 = 0.0;
    if (!m || !m->p_alive || !m->expected)
        return CVA_E_BADARG;
    if (n == 0)
        return CVA_OK;
    if (!(t > 0.0)) {
        for (i = 0; i < n; i++)
            out[i] = 0.0;
        return CVA_OK;
    }
    pa = (double *)cva__alloc(alloc, n * sizeof(double));
    if (!pa)
        return CVA_E_NOMEM;
    st = m->p_alive(p, 0.0, x, t_x, T, n, pa, alloc);
    if (st >= 0) {
        s1 = m->expected(p, t, x, t_x, T, n, out, alloc);
        st = s1 < 0 || s1 > st ? s1 : st;
    }
    if (st < 0) {
        cva__free(alloc, pa);
        return st;
    }
    for (i = 0; i < n; i++) {
        const double e = out[i];
        double v;
        if (!same2(x[i], T[i], px, pT)) {
            m2 = alive_m2(model, p, t, x[i], T[i]);
            px = x[i];
            pT = T[i];
        }
        v = pa[i] * m2 + e * (1.0 - e);
        out[i] = v > 0.0 ? v : 0.0;
    }
    cva__free(alloc, pa);
    return st;
}
