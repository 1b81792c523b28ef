/*
 * libcva — holdout tracking and model comparison (issue 15).
 *
 * Tracking: the expected repeat purchases of a whole customer base by calendar time,
 *   C(t) = Σ_i w_i E[X(t − b_i)]   (t > b_i; 0 before a customer's first purchase b_i),
 * with E[X(·)] the unconditional expectation of a new customer (cva_model_expected_pop),
 * as BTYD's *.ExpectedCumulativeTransactions does per acquisition date; the increments
 * C(t_j) − C(t_{j−1}) are the per-period purchases.
 * Comparison: AIC = 2k − 2 LL, BIC = k ln N − 2 LL (N = customers), the likelihood-ratio
 * statistic 2 (LL_full − LL_restricted) with a χ²(k_full − k_restricted) p-value
 * (regularised upper incomplete gamma: series / continued fraction), and the forecast
 * accuracy of per-customer predictions (MAE, RMSE, MSLE, bias as in BTYDplus' demos).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "churn_internal.h"

/* --------------------------------------------------------------- tracking */

#define TRACK_CHUNK 64

cva_status cva_model_tracking(int32_t model, const double *params, const double *birth, const double *weight,
                              size_t n, const double *t, size_t n_t, double *cumulative, double *incremental,
                              cva_diag *diag)
{
    const cva__btyd_model *m = cva__btyd_table(model);
    cva_status st = CVA_OK;
    size_t i, j0, j;
    if (!m || model == CVA_MODEL_BGBB)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0,
                           "tracking is available for BG/NBD, MBG/NBD, Pareto/NBD and NBD");
    st = cva__btyd_check(model, params, NULL, NULL, NULL, 0, diag, 3);
    if (st != CVA_OK)
        return st;
    if ((n > 0 && !birth) || (n_t > 0 && (!t || !cumulative)))
        return cva__report(diag, CVA_E_NULLPTR, n > 0 && !birth ? 3 : (!t ? 6 : 8), 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        if (!isfinite(birth[i]))
            return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "birth is not finite");
        if (weight && !(weight[i] > 0.0 && weight[i] < HUGE_VAL))
            return cva__report(diag, CVA_E_BADARG, 4, 0, (int64_t)i, 0, "weights must be finite and > 0");
    }
    for (j = 0; j < n_t; j++) {
        if (!isfinite(t[j]))
            return cva__report(diag, CVA_E_NONFINITE, 6, 0, (int64_t)j, 0, "t is not finite");
        if (j > 0 && !(t[j] >= t[j - 1]))
            return cva__report(diag, CVA_E_BADARG, 6, 0, (int64_t)j, 0, "t must be nondecreasing");
    }
    for (j = 0; j < n_t; j++)
        cumulative[j] = 0.0;
    /* chunks of horizons; rows with the birth of the row before share its values */
    for (j0 = 0; j0 < n_t; j0 += TRACK_CHUNK) {
        const size_t nc = n_t - j0 < TRACK_CHUNK ? n_t - j0 : TRACK_CHUNK;
        double h[TRACK_CHUNK], ey[TRACK_CHUNK], acc[TRACK_CHUNK], comp[TRACK_CHUNK], prev = 0.0;
        int have = 0;
        for (j = 0; j < nc; j++)
            acc[j] = comp[j] = 0.0;
        for (i = 0; i < n; i++) {
            const double w = weight ? weight[i] : 1.0;
            if (!have || !(birth[i] >= prev && birth[i] <= prev)) {
                cva_status s1;
                for (j = 0; j < nc; j++)
                    h[j] = t[j0 + j] > birth[i] ? t[j0 + j] - birth[i] : 0.0;
                s1 = m->expected_pop(params, h, nc, ey);
                if (s1 < 0)
                    return cva__report(diag, s1, 2, 0, (int64_t)i, 0, "not computable at these parameters");
                if (s1 > st)
                    st = s1;
                prev = birth[i];
                have = 1;
            }
            for (j = 0; j < nc; j++) { /* Kahan sums over the customers */
                const double y = w * ey[j] - comp[j], s = acc[j] + y;
                comp[j] = (s - acc[j]) - y;
                acc[j] = s;
            }
        }
        for (j = 0; j < nc; j++)
            cumulative[j0 + j] = acc[j];
    }
    if (incremental)
        for (j = 0; j < n_t; j++)
            incremental[j] = j ? cumulative[j] - cumulative[j - 1] : cumulative[0];
    if (st == CVA_OK && (n == 0 || n_t == 0))
        st = CVA_W_EMPTY;
    return cva__report(diag, st, 0, 0, -1, 0, NULL);
}

/* ---------------------------------------------------------- comparison */

cva_status cva_model_ic(const cva_model_fit *fit, double *aic, double *bic, cva_diag *diag)
{
    double k;
    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (!(fit->n_params >= 1 && fit->n_params <= 5) || !isfinite(fit->log_likelihood) ||
        !(fit->n_customers > 0.0))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "fit holds no fitted model");
    k = (double)fit->n_params;
    if (aic)
        *aic = 2.0 * k - 2.0 * fit->log_likelihood;
    if (bic)
        *bic = k * log(fit->n_customers) - 2.0 * fit->log_likelihood;
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_lr_test(double ll_restricted, int32_t k_restricted, double ll_full, int32_t k_full,
                       double *statistic, double *p_value, cva_diag *diag)
{
    double stat, p;
    cva_status st = CVA_OK;
    if (isnan(ll_restricted) || isnan(ll_full))
        return cva__report(diag, CVA_E_NONFINITE, isnan(ll_restricted) ? 1 : 3, 0, -1, 0, "log-likelihood is NaN");
    if (!isfinite(ll_restricted) || !isfinite(ll_full))
        return cva__report(diag, CVA_E_BADARG, !isfinite(ll_restricted) ? 1 : 3, 0, -1, 0,
                           "log-likelihoods must be finite");
    if (k_restricted < 0 || k_full <= k_restricted)
        return cva__report(diag, CVA_E_BADARG, 4, 0, -1, 0, "need 0 <= k_restricted < k_full");
    stat = 2.0 * (ll_full - ll_restricted);
    if (stat < 0.0) {
        /* the restricted model fits better: not nested, or the full fit stopped short */
        st = CVA_W_NOT_CONVERGED;
        stat = 0.0;
    }
    p = cva__gamma_q(0.5 * (double)(k_full - k_restricted), 0.5 * stat);
    if (statistic)
        *statistic = stat;
    if (p_value)
        *p_value = p;
    return cva__report(diag, st, st == CVA_OK ? 0 : 3, 0, -1, 0,
                       st == CVA_OK ? NULL
                                    : "the full model has the lower log-likelihood: statistic set to 0 (p = 1); "
                                      "are the models nested and both fits converged?");
}

/* --------------------------------------------------------- accuracy */

cva_status cva_forecast_accuracy(const double *actual, const double *predicted, const double *weight, size_t n,
                                 double *out, cva_diag *diag)
{
    cva__ksum sw = {0.0, 0.0}, sa = {0.0, 0.0}, sp = {0.0, 0.0}, se = {0.0, 0.0}, s2 = {0.0, 0.0},
              sl = {0.0, 0.0};
    double W, at;
    size_t i;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "out is NULL");
    if (n > 0 && (!actual || !predicted))
        return cva__report(diag, CVA_E_NULLPTR, !actual ? 1 : 2, 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        const double a = actual[i], f = predicted[i], w = weight ? weight[i] : 1.0;
        if (!isfinite(a) || !isfinite(f))
            return cva__report(diag, CVA_E_NONFINITE, !isfinite(a) ? 1 : 2, 0, (int64_t)i, 0, "value not finite");
        if (!(a >= 0.0) || !(f >= 0.0))
            return cva__report(diag, CVA_E_BADARG, !(a >= 0.0) ? 1 : 2, 0, (int64_t)i, 0,
                               "purchase counts must be >= 0");
        if (!(w > 0.0 && w < HUGE_VAL))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "weights must be finite and > 0");
        cva__ksum_add(&sw, w);
        cva__ksum_add(&sa, w * a);
        cva__ksum_add(&sp, w * f);
        cva__ksum_add(&se, w * fabs(a - f));
        cva__ksum_add(&s2, w * (a - f) * (a - f));
        {
            const double d = log1p(a) - log1p(f);
            cva__ksum_add(&sl, w * d * d);
        }
    }
    if (n == 0) {
        for (i = 0; i < CVA_ACC_N; i++)
            out[i] = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 4, 0, -1, 0, NULL);
    }
    W = cva__ksum_value(&sw);
    at = cva__ksum_value(&sa);
    out[CVA_ACC_MAE] = cva__ksum_value(&se) / W;
    out[CVA_ACC_RMSE] = sqrt(cva__ksum_value(&s2) / W);
    out[CVA_ACC_MSLE] = cva__ksum_value(&sl) / W;
    out[CVA_ACC_BIAS] = at > 0.0 ? cva__ksum_value(&sp) / at - 1.0 : CVA_NAN;
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
