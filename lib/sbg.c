/*
 * libcva — contractual retention: empirical cohort curves and the
 * shifted-beta-geometric model (Fader & Hardie 2007; docs/methods/models.md#methods_sbg, docs/methods/retention.md#methods_clv_model).
 *
 *  - cva_cohort_curves: pooled retention r̂_j = Σ_c N[c][j] / Σ_c N[c][j−1] over the
 *    cohorts observed at j, survival Ŝ_j = Π r̂_i, churn 1 − r̂_j.
 *  - cva_sbg_fit: maximum likelihood on a multi-cohort survivor matrix. The
 *    matrix is reduced once to two sufficient vectors, D[t] (customers lost at
 *    the end of period t, over every cohort observed at t) and E[t] (survivors of
 *    the cohorts whose last observed period is t), so
 *        LL = Σ_t D[t] ln P(T=t) + E[t] ln S(t),
 *    and each evaluation costs O(J) whatever the number of cohorts. The
 *    recursions ln S(t) = ln S(t−1) + log1p(−α/(α+β+t−1)),
 *    ln P(T=t) = ln α − ln(α+β+t−1) + ln S(t−1) and their α/β derivatives give an
 *    analytic gradient. Fitted by the shared MLE driver (cva__fit_mle: BFGS on
 *    (ln α, ln β), objective −LL/N + penalty, standard errors from the observed
 *    information by the delta method), as every other model.
 *  - cva_sbg_curves: S(t), r_t, P(T=t) by the product recursions.
 *  - cva_sbg_lifetime: DEL = 2F1(1, β; α+β; z) and
 *    DERL(n) = (β+n−1)/(α+β+n−1)·2F1(1, β+n; α+β+n; z), z = 1/(1+d), by the
 *    series Σ_k (B)_k/(C)_k z^k with B < C: every term ratio (B+k)/(C+k)·z is
 *    below z, so after the term t_K the remainder is at most t_K·z/(1−z); the
 *    sum stops once that bound is <= 1e-17 of the partial sum (docs/methods/models.md#methods_numerics item 3).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define SBG_SERIES_CAP 1000000L

/* ------------------------------------------------------------ validation */

/*
 * Check one cohort row. On success *last = index of the last observed period
 * (SIZE_MAX when the row is empty: all NaN or N[0] = 0). On failure *bad is the
 * offending column.
 */
static cva_status sbg_check_row(const double *row, size_t n_periods, size_t *last, size_t *bad)
{
    size_t j, end = 0;
    int seen_nan = 0;
    for (j = 0; j < n_periods; j++) {
        double v = row[j];
        if (isnan(v)) {
            seen_nan = 1;
            continue;
        }
        if (seen_nan || isinf(v)) {
            *bad = j;
            return CVA_E_NONFINITE;
        }
        if (v < 0.0 || (j > 0 && v > row[j - 1])) {
            *bad = j;
            return CVA_E_BADARG;
        }
        end = j;
    }
    if (isnan(row[0]) || !(row[0] > 0.0))
        *last = SIZE_MAX;
    else
        *last = end;
    return CVA_OK;
}

static cva_status sbg_check_matrix(const double *survivors, size_t n_cohorts, size_t n_periods,
                                   cva_diag *diag, size_t *n_used)
{
    size_t c, last, bad = 0, used = 0;
    for (c = 0; c < n_cohorts; c++) {
        cva_status st = sbg_check_row(survivors + c * n_periods, n_periods, &last, &bad);
        if (st < 0)
            return cva__report(diag, st, 1, 0, (int64_t)(c * n_periods + bad), 0,
                               st == CVA_E_BADARG ? "survivor counts must be >= 0 and non-increasing"
                                                  : "Inf, or NaN before the end of a cohort row");
        if (last != SIZE_MAX)
            used++;
    }
    *n_used = used;
    return CVA_OK;
}

static int sizes_ok(size_t n_cohorts, size_t n_periods)
{
    return n_periods == 0 || n_cohorts <= SIZE_MAX / n_periods;
}

/* ---------------------------------------------------------- cohort curves */

cva_status cva_cohort_curves(const double *survivors, size_t n_cohorts, size_t n_periods, double *retention,
                             double *survival, double *churn, cva_diag *diag)
{
    size_t j, c, used = 0;
    cva_status st;
    double s = 1.0;
    if (n_periods < 2)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "n_periods must be >= 2");
    if (!sizes_ok(n_cohorts, n_periods))
        return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0, "n_cohorts * n_periods overflows");
    if (n_cohorts > 0 && !survivors)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "survivors is NULL");
    st = sbg_check_matrix(survivors, n_cohorts, n_periods, diag, &used);
    if (st < 0)
        return st;
    for (j = 1; j < n_periods; j++) {
        double num = 0.0, den = 0.0, r = CVA_NAN;
        int any = 0;
        for (c = 0; c < n_cohorts; c++) {
            const double *row = survivors + c * n_periods;
            if (isnan(row[j]) || !(row[0] > 0.0))
                continue;
            num += row[j];
            den += row[j - 1];
            any = 1;
        }
        if (any && den > 0.0)
            r = num / den;
        s = isnan(r) ? CVA_NAN : s * r;
        if (retention)
            retention[j - 1] = r;
        if (survival)
            survival[j - 1] = s;
        if (churn)
            churn[j - 1] = 1.0 - r;
    }
    if (used == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "every cohort is empty");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ----------------------------------------------------------------- curves */

static int sbg_params_ok(const double *p)
{
    return p && isfinite(p[0]) && isfinite(p[1]) && p[0] > 0.0 && p[1] > 0.0;
}

/* The diag of a bad (alpha, beta): argument 1, index of the first bad parameter. */
static cva_status sbg_params_report(const double *p, cva_diag *diag)
{
    if (!p)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    return cva__report(diag, CVA_E_DOMAIN, 1, 0, isfinite(p[0]) && p[0] > 0.0 ? 1 : 0, 0,
                       "sBG alpha and beta must be finite and > 0");
}

cva_status cva_sbg_curves(const double *params, size_t n_t, double *survival, double *retention, double *churn,
                          cva_diag *diag)
{
    double a, b, s = 1.0;
    size_t t;
    if (!sbg_params_ok(params))
        return sbg_params_report(params, diag);
    a = params[0];
    b = params[1];
    for (t = 1; t <= n_t; t++) {
        double tt = (double)t;
        double den = a + b + tt - 1.0;
        double r = (b + tt - 1.0) / den;
        double pt = s * a / den; /* P(T=t) = S(t−1)·α/(α+β+t−1) */
        s *= r;
        if (survival)
            survival[t - 1] = s;
        if (retention)
            retention[t - 1] = r;
        if (churn)
            churn[t - 1] = pt;
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* --------------------------------------------------------------- lifetime */

/*
 * Σ_k (B)_k/(C)_k z^k for 0 < B < C, 0 <= z < 1 (= 2F1(1, B; C; z)).
 * z = 1 is accepted when C − B > 1: then the value is (C−1)/(C−B−1) (Gauss).
 */
static cva_status series_1bc(double B, double C, double z, double *out)
{
    double term = 1.0, sum = 1.0, k;
    long i;
    if (z >= 1.0) {
        if (C - B > 1.0) {
            *out = (C - 1.0) / (C - B - 1.0);
            return CVA_OK;
        }
        *out = HUGE_VAL;
        return CVA_E_DOMAIN;
    }
    if (z <= 0.0) {
        *out = 1.0;
        return CVA_OK;
    }
    for (i = 0, k = 0.0; i < SBG_SERIES_CAP; i++, k += 1.0) {
        term *= (B + k) / (C + k) * z;
        sum += term;
        if (term * z <= 1e-17 * (1.0 - z) * sum) {
            *out = sum;
            return CVA_OK;
        }
    }
    *out = sum;
    return CVA_W_SERIES_LIMIT;
}

cva_status cva_sbg_lifetime(const double *params, double d, double n_renewals, double *del, double *derl,
                            cva_diag *diag)
{
    double a, b, z, v_del = 0.0, v_derl = 0.0, nn;
    cva_status st1 = CVA_OK, st2 = CVA_OK;
    if (!sbg_params_ok(params))
        return sbg_params_report(params, diag);
    if (!isfinite(d) || !(d >= 0.0))
        return cva__report(diag, CVA_E_DOMAIN, 2, 0, -1, 0, "the discount rate d must be finite and >= 0");
    if (!isfinite(n_renewals) || !(n_renewals >= 0.0))
        return cva__report(diag, CVA_E_DOMAIN, 3, 0, -1, 0, "n_renewals must be finite and >= 0");
    a = params[0];
    b = params[1];
    z = 1.0 / (1.0 + d);
    if (!(d > 0.0) && !(a > 1.0)) /* undiscounted expected lifetime is infinite for α <= 1 */
        return cva__report(diag, CVA_E_DOMAIN, 2, 0, -1, 0,
                           "with d = 0 the expected lifetime is infinite unless alpha > 1");
    if (del) {
        st1 = series_1bc(b, a + b, z, &v_del);
        if (st1 < 0)
            return cva__report(diag, st1, 0, 0, -1, 0, NULL);
    }
    if (derl) {
        /* a customer who has renewed n_renewals times faces renewal n = n_renewals + 1 */
        nn = n_renewals + 1.0;
        st2 = series_1bc(b + nn, a + b + nn, z, &v_derl);
        if (st2 < 0)
            return cva__report(diag, st2, 0, 0, -1, 0, NULL);
        v_derl *= (b + nn - 1.0) / (a + b + nn - 1.0);
    }
    if (del)
        *del = v_del;
    if (derl)
        *derl = v_derl;
    return cva__report(diag, st1 != CVA_OK ? st1 : st2, 0, 0, -1, 0, NULL);
}

/* -------------------------------------------------------------- fitting */

typedef struct sbg_ctx {
    const double *D; /* D[t], t = 1..J (index t) */
    const double *E; /* E[t], t = 1..J */
    size_t J;
} sbg_ctx;

/* Σ D ln P + E ln S and its gradient w.r.t. (α, β). With b_t = β + t − 1 and
   den = α + b_t: ln P(T=t) = ln(α/den) + ln S(t−1), ln S(t) = ln S(t−1) + log1p(−α/den),
   ln(1 − α/den) = ln(b_t/den) as the log of the smaller ratio, and the derivative
   increments 1/α − 1/den = b_t/(α den), 1/b_t − 1/den = α/(b_t den)
   are formed as products (no difference of nearly equal reciprocals when α ≫ β + t or
   β + t ≫ α). */
double cva__sbg_ll(const double *D, const double *E, size_t J, double a, double b, double *g)
{
    cva__ksum ll = {0.0, 0.0};
    double ls = 0.0, dsa = 0.0, dsb = 0.0, ga = 0.0, gb = 0.0;
    size_t t;
    for (t = 1; t <= J; t++) {
        const double bt = b + ((double)t - 1.0), den = a + bt, inv = 1.0 / den;
        const double lp = (a <= bt ? log(a * inv) : -log1p(bt / a)) + ls;
        const double dpa = bt / (a * den) + dsa;
        const double dpb = -inv + dsb;
        ls += bt <= a ? log(bt * inv) : log1p(-a * inv); /* ln(b_t/den) */
        dsa -= inv;
        dsb += a / (bt * den);
        if (D[t] > 0.0) {
            cva__ksum_add(&ll, D[t] * lp);
            ga += D[t] * dpa;
            gb += D[t] * dpb;
        }
        if (E[t] > 0.0) {
            cva__ksum_add(&ll, E[t] * ls);
            ga += E[t] * dsa;
            gb += E[t] * dsb;
        }
    }
    if (g) {
        g[0] = ga;
        g[1] = gb;
    }
    return cva__ksum_value(&ll);
}

/* Σ w LL for the shared MLE driver (models.c): NaN outside the domain. */
static double sbg_ll_driver(void *data, const double *p, double *grad)
{
    const sbg_ctx *c = (const sbg_ctx *)data;
    double ll;
    if (!(p[0] > 0.0) || !(p[1] > 0.0) || !isfinite(p[0]) || !isfinite(p[1]))
        return CVA_NAN;
    ll = cva__sbg_ll(c->D, c->E, c->J, p[0], p[1], grad);
    return isfinite(ll) ? ll : CVA_NAN;
}

cva_status cva_sbg_fit(const double *survivors, size_t n_cohorts, size_t n_periods, const cva_fit_opts *opts,
                       cva_model_fit *fit, cva_diag *diag)
{
    static const double default_start[2] = {1.0, 1.0};
    cva_fit_opts o;
    cva_status st;
    size_t c, t, used = 0, J = 0;
    double *buf, *D, *E, n_total = 0.0, info = 0.0;
    sbg_ctx ctx;
    cva__mle_problem pb;
    cva_model_fit out;
    uint64_t iters = 0;

    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 5, 0, -1, 0, "fit->struct_size: use cva_model_fit_init()");
    if (n_cohorts > 0 && !survivors)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "survivors is NULL");
    if (n_periods < 2)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "n_periods must be >= 2");
    if (!sizes_ok(n_cohorts, n_periods))
        return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0, "n_cohorts * n_periods overflows");
    st = cva__fit_opts_get(opts, 2, &o, diag, 4);
    if (st < 0)
        return st;
    st = sbg_check_matrix(survivors, n_cohorts, n_periods, diag, &used);
    if (st < 0)
        return st;

    if (n_periods > SIZE_MAX / (2 * sizeof(double)))
        return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0, "n_periods too large");
    buf = (double *)cva__alloc(o.alloc, 2 * n_periods * sizeof(double));
    if (!buf)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "sBG sufficient statistics");
    D = buf;
    E = buf + n_periods;
    for (t = 0; t < 2 * n_periods; t++)
        buf[t] = 0.0;
    for (c = 0; c < n_cohorts; c++) {
        const double *row = survivors + c * n_periods;
        size_t last = 0, bad = 0;
        (void)sbg_check_row(row, n_periods, &last, &bad);
        if (last == SIZE_MAX)
            continue;
        n_total += row[0];
        for (t = 1; t <= last; t++)
            D[t] += row[t - 1] - row[t];
        E[last] += row[last];
        if (last > J)
            J = last;
    }
    for (t = 1; t <= J; t++)
        info += D[t] + E[t];
    if (used == 0 || J == 0 || !(info > 0.0)) {
        cva__free(o.alloc, buf);
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0,
                           used == 0 ? "every cohort is empty" : "no cohort has an observed period after acquisition");
    }

    ctx.D = D;
    ctx.E = E;
    ctx.J = J;
    memset(&pb, 0, sizeof pb);
    pb.n_params = 2;
    pb.model = CVA_MODEL_SBG;
    pb.scale_time = NULL;
    pb.time_scale = 1.0;
    pb.lower = NULL;
    pb.weight_total = n_total;
    pb.start = o.start ? o.start : default_start;
    pb.ll = sbg_ll_driver;
    pb.data = &ctx;
    memset(&out, 0, sizeof out);
    st = cva__fit_mle(&pb, &o, &out, &iters);
    cva__free(o.alloc, buf);
    if (st < 0)
        return cva__report(diag, st, 0, 0, -1, iters,
                           st == CVA_E_CANCELED ? "canceled by the progress callback" : "no finite objective");
    out.n_rows = (uint64_t)used;
    cva__fit_store(fit, &out);
    return cva__report(diag, st, 0, 0, -1, iters, NULL);
}
