/*
 * libcva — the model simulators of sim.h (cva_sim_btyd, cva_sim_gg, cva_sim_sbg): BTYD
 * statistics (x, t_x) for BG/NBD, MBG/NBD, Pareto/NBD, NBD and BG/BB customers,
 * Gamma-Gamma mean spend, and sBG cohort survivor counts.
 *
 * As in sim.c, unit i (customer or cohort member) draws from its own
 * xoshiro256** stream seeded from (seed, i), so its result does not depend
 * on how many units are simulated. Everything is validated before any
 * output is written, so outputs are untouched on error.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "cva_internal.h"
#include "cva/sim.h"

static void unit_stream(cva__rng *rng, uint64_t seed, size_t i)
{
    uint64_t st = seed ^ (UINT64_C(0xD1B54A32D192ED03) * (uint64_t)(i + 1));
    cva__rng_seed(rng, cva__splitmix64(&st));
}

/* params[0..k-1] finite and > 0. Returns the index of the first bad one or -1. */
static int bad_param(const double *params, int k)
{
    int j;
    for (j = 0; j < k; j++)
        if (!(isfinite(params[j]) && params[j] > 0.0))
            return j;
    return -1;
}

/* BG/NBD (mbg = 0) or MBG/NBD (mbg = 1). */
static void sim_bgnbd(cva__rng *rng, const double *pr, int mbg, double T, double *x, double *t_x)
{
    double lambda = cva__rng_gamma(rng, pr[0]) / pr[1];
    double p = cva__rng_beta(rng, pr[2], pr[3]);
    double now = 0.0, k = 0.0, last = 0.0;

    if (!(mbg && cva__rng_uniform(rng) < p)) {
        while (lambda > 0.0) {
            now += cva__rng_exp(rng) / lambda;
            if (!(now <= T))
                break;
            k += 1.0;
            last = now;
            if (cva__rng_uniform(rng) < p)
                break; /* dropped out after this repeat purchase */
        }
    }
    *x = k;
    *t_x = last;
}

static void sim_pnbd(cva__rng *rng, const double *pr, double T, double *x, double *t_x)
{
    double lambda = cva__rng_gamma(rng, pr[0]) / pr[1];
    double mu = cva__rng_gamma(rng, pr[2]) / pr[3];
    double tau = mu > 0.0 ? cva__rng_exp(rng) / mu : CVA_INF;
    double end = tau < T ? tau : T;
    double now = 0.0, k = 0.0, last = 0.0;

    while (lambda > 0.0) {
        now += cva__rng_exp(rng) / lambda;
        if (!(now <= end))
            break;
        k += 1.0;
        last = now;
    }
    *x = k;
    *t_x = last;
}

/* NBD: Poisson purchases at rate λ ~ Gamma(r, rate α) for ever */
static void sim_nbd(cva__rng *rng, const double *pr, double T, double *x, double *t_x)
{
    double lambda = cva__rng_gamma(rng, pr[0]) / pr[1];
    double now = 0.0, k = 0.0, last = 0.0;
    while (lambda > 0.0) {
        now += cva__rng_exp(rng) / lambda;
        if (!(now <= T))
            break;
        k += 1.0;
        last = now;
    }
    *x = k;
    *t_x = last;
}

/* BG/BB: before each of the n opportunities the customer dies with prob θ;
   while alive it transacts with prob p. */
static void sim_bgbb(cva__rng *rng, const double *pr, double n, double *x, double *t_x)
{
    double p = cva__rng_beta(rng, pr[0], pr[1]);
    double theta = cva__rng_beta(rng, pr[2], pr[3]);
    double k = 0.0, last = 0.0, j;

    for (j = 1.0; j <= n; j += 1.0) {
        if (cva__rng_uniform(rng) < theta)
            break;
        if (cva__rng_uniform(rng) < p) {
            k += 1.0;
            last = j;
        }
    }
    *x = k;
    *t_x = last;
}

cva_status cva_sim_btyd(int32_t model, const double *params, const double *T, size_t n, uint64_t seed,
                        double *x, double *t_x, cva_diag *diag)
{
    size_t i;
    int bad;

    if (model != CVA_MODEL_BGNBD && model != CVA_MODEL_MBGNBD && model != CVA_MODEL_PNBD &&
        model != CVA_MODEL_BGBB && model != CVA_MODEL_NBD)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model is not a BTYD model");
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 2, 0, -1, 0, "params is NULL");
    if (n > 0 && (!T || !x || !t_x))
        return cva__report(diag, CVA_E_NULLPTR, !T ? 3 : (!x ? 6 : 7), 0, -1, 0, "array is NULL");
    bad = bad_param(params, model == CVA_MODEL_NBD ? 2 : 4);
    if (bad >= 0)
        return cva__report(diag, CVA_E_DOMAIN, 2, 0, bad, 0, "parameters must be finite and > 0");
    for (i = 0; i < n; i++) {
        if (!(isfinite(T[i]) && T[i] >= 0.0))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "T must be finite and >= 0");
        if (model == CVA_MODEL_BGBB && (T[i] < floor(T[i]) || T[i] > floor(T[i])))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0,
                               "BG/BB: T (opportunities) must be an integer");
    }
    for (i = 0; i < n; i++) {
        cva__rng rng;
        unit_stream(&rng, seed, i);
        switch (model) {
        case CVA_MODEL_BGNBD:
            sim_bgnbd(&rng, params, 0, T[i], &x[i], &t_x[i]);
            break;
        case CVA_MODEL_MBGNBD:
            sim_bgnbd(&rng, params, 1, T[i], &x[i], &t_x[i]);
            break;
        case CVA_MODEL_PNBD:
            sim_pnbd(&rng, params, T[i], &x[i], &t_x[i]);
            break;
        case CVA_MODEL_NBD:
            sim_nbd(&rng, params, T[i], &x[i], &t_x[i]);
            break;
        default:
            sim_bgbb(&rng, params, T[i], &x[i], &t_x[i]);
            break;
        }
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, n, NULL);
}

cva_status cva_sim_gg(const double *params, const double *x, size_t n, uint64_t seed, double *m_x,
                      cva_diag *diag)
{
    size_t i;
    int bad;

    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    if (n > 0 && (!x || !m_x))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 2 : 5, 0, -1, 0, "array is NULL");
    bad = bad_param(params, 3);
    if (bad >= 0)
        return cva__report(diag, CVA_E_DOMAIN, 1, 0, bad, 0, "parameters must be finite and > 0");
    for (i = 0; i < n; i++)
        if (!(isfinite(x[i]) && x[i] >= 0.0 && !(x[i] > floor(x[i]))))
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)i, 0,
                               "x must be a finite integer >= 0");
    for (i = 0; i < n; i++) {
        cva__rng rng;
        double nu;
        if (!(x[i] > 0.0)) {
            m_x[i] = 0.0;
            continue;
        }
        unit_stream(&rng, seed, i);
        nu = cva__rng_gamma(&rng, params[1]) / params[2];
        /* the sum of x iid Gamma(p, ν) values is Gamma(x·p, ν) */
        m_x[i] = cva__rng_gamma(&rng, x[i] * params[0]) / nu / x[i];
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, n, NULL);
}

cva_status cva_sim_sbg(const double *params, double cohort_size, size_t n_periods, uint64_t seed,
                       double *survivors, cva_diag *diag)
{
    size_t i, j, size;
    int bad;

    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    if (n_periods > 0 && !survivors)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "survivors is NULL");
    bad = bad_param(params, 2);
    if (bad >= 0)
        return cva__report(diag, CVA_E_DOMAIN, 1, 0, bad, 0, "parameters must be finite and > 0");
    if (!(isfinite(cohort_size) && cohort_size >= 0.0 && !(cohort_size > floor(cohort_size)) &&
          cohort_size <= 9007199254740992.0))
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0,
                           "cohort_size must be an integer in [0, 2^53]");
    if (n_periods == 0)
        return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    size = (size_t)cohort_size;
    if ((double)size < cohort_size || (double)size > cohort_size)
        return cva__report(diag, CVA_E_OVERFLOW, 2, 0, -1, 0, "cohort_size exceeds size_t");

    /* Histogram of renewals K (capped at n_periods-1) in survivors[], then suffix sums:
       a member is counted at period j when K >= j. P(K >= j | θ) = (1−θ)^j. */
    for (j = 0; j < n_periods; j++)
        survivors[j] = 0.0;
    for (i = 0; i < size; i++) {
        cva__rng rng;
        double theta, hazard, k;
        unit_stream(&rng, seed, i);
        theta = cva__rng_beta(&rng, params[0], params[1]);
        hazard = -log1p(-theta); /* > 0 unless θ underflowed to 0; +Inf when θ = 1 */
        k = hazard > 0.0 ? floor(cva__rng_exp(&rng) / hazard) : CVA_INF;
        if (!(k < (double)(n_periods - 1)))
            k = (double)(n_periods - 1);
        survivors[(size_t)k] += 1.0;
    }
    for (j = n_periods - 1; j > 0; j--)
        survivors[j - 1] += survivors[j];
    return cva__report(diag, CVA_OK, 0, 0, -1, size, NULL);
}
