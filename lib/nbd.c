/*
 * libcva — the NBD model (Ehrenberg 1959; Morrison & Schmittlein 1988): purchases
 * Poisson(λ) for ever (no drop-out), λ ~ Gamma(r, α) across customers. The benchmark
 * the drop-out models extend (issue 15).
 *
 * Likelihood of the timing of x repeat purchases in (0, T] (BTYDplus nbd.LL, the same
 * constant terms: no ln x! and no product of purchase times):
 *   LL_i = lnΓ(r+x) − lnΓ(r) + r ln α − (r+x) ln(α+T)
 *        = [lnΓ(r+x) − lnΓ(r)] − x ln(α+T) − r ln(1 + T/α)
 *   ∂/∂r = ψ(r+x) − ψ(r) − ln(1 + T/α),  ∂/∂α = r/α − (r+x)/(α+T) = (rT/α − x)/(α+T).
 * Predictions: P(alive) = 1; λ | x, T ~ Gamma(r+x, α+T), so
 *   E[Y(t) | x, T] = (r+x) t/(α+T),  E[X(t)] = r t/α,
 *   P(X(t) = k) = Γ(r+k)/(Γ(r) k!) (α/(α+t))^r (t/(α+t))^k,
 *   DERT(δ) = (r+x)/((α+T) δ).
 * t_x does not enter (the rows are still validated as for every BTYD model).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "churn_internal.h"

static double nbd_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    const double r = p[0], al = p[1];
    double sum = 0.0, gr = 0.0, ga = 0.0;
    size_t i;
    if (!(r > 0.0) || !(al > 0.0) || !isfinite(r) || !isfinite(al))
        return CVA_NAN;
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], T = rows->T[i], w = rows->w ? rows->w[i] : 1.0;
        const double l1 = log1p(T / al);
        const double li = cva__lgamma_diff(r, x) - x * log(al + T) - r * l1;
        sum += w * li;
        if (ll_i)
            ll_i[i] = li;
        if (grad) {
            gr += w * (cva__digamma_diff(r, x) - l1);
            ga += w * ((r * T / al - x) / (al + T));
        }
    }
    if (grad) {
        grad[0] = gr;
        grad[1] = ga;
    }
    return sum;
}

static cva_status nbd_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                              const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    size_t i;
    (void)p;
    (void)t_future;
    (void)x;
    (void)t_x;
    (void)T;
    (void)alloc;
    for (i = 0; i < n; i++)
        out[i] = 1.0;
    return CVA_OK;
}

static cva_status nbd_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                               size_t n, double *out, const cva_allocator *alloc)
{
    size_t i;
    (void)t_x;
    (void)alloc;
    for (i = 0; i < n; i++)
        out[i] = t > 0.0 ? (p[0] + x[i]) * (t / (p[1] + T[i])) : 0.0;
    return CVA_OK;
}

static cva_status nbd_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i] = p[0] * (t[i] / p[1]);
    return CVA_OK;
}

static cva_status nbd_prob_n(const double *p, double t, size_t n_k, double *out)
{
    const double r = p[0], al = p[1];
    const double lq = -log1p(t / al), lz = -log1p(al / t); /* ln(α/(α+t)), ln(t/(α+t)) */
    size_t k;
    if (!(t > 0.0))
        return CVA_E_DOMAIN;
    for (k = 0; k < n_k; k++) {
        const double K = (double)k;
        out[k] = exp(cva__lgamma_diff(r, K) - cva__lgamma(K + 1.0) + r * lq + (k ? K * lz : 0.0));
    }
    return CVA_OK;
}

static cva_status nbd_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                           size_t n, double *out, const cva_allocator *alloc)
{
    size_t i;
    (void)t_x;
    (void)alloc;
    for (i = 0; i < n; i++)
        out[i] = (p[0] + x[i]) / ((p[1] + T[i]) * delta);
    return CVA_OK;
}

const cva__btyd_model cva__model_nbd = {
    CVA_MODEL_NBD, 2, {"r", "alpha", "", ""}, {1.0, 1.0, 1.0, 1.0}, {0, 1, 0, 0},
    nbd_ll, nbd_p_alive, nbd_expected, nbd_expected_pop, nbd_prob_n, nbd_dert, NULL};
