/*
 * libcva — retention economics, closed forms (docs/methods/retention.md#methods_clv_closed, docs/methods/retention.md#methods_equity, docs/methods/retention.md#methods_steady_state, docs/methods/retention.md#methods_retention_edge):
 * margin multiple with both timings, finite/infinite horizon and margin growth,
 * the exact retention elasticity, customer equity, the steady-state model.
 * SPDX-License-Identifier: MIT
 */
#include "retention_internal.h"

static const cva_clv_terms terms_defaults = {
    (uint32_t)sizeof(cva_clv_terms), CVA_CLV_TIMING_END, 0, 0.10, 0.0,
};

#define TERMS_MIN_SIZE sizeof(cva_clv_terms)

static const int32_t TERMS_OPT_IDS[4] = {CVA_OPT_CLVT_TIMING, CVA_OPT_CLVT_HORIZON, CVA_OPT_CLVT_DISCOUNT,
                                         CVA_OPT_CLVT_GROWTH};

cva_status cva_clv_terms_init_defaults(cva_clv_terms *terms, size_t struct_size)
{
    if (!terms)
        return CVA_E_NULLPTR;
    if (struct_size < TERMS_MIN_SIZE || struct_size > sizeof(cva_clv_terms))
        return CVA_E_ABI_MISMATCH;
    memcpy(terms, &terms_defaults, struct_size);
    terms->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* Copy the caller's terms (or the defaults) into *t and check them. */
static cva_status load_terms(const cva_clv_terms *given, cva_clv_terms *t, int32_t arg, cva_diag *diag)
{
    *t = terms_defaults;
    if (given) {
        cva_status st = cva__copy_sized(t, sizeof *t, given, TERMS_MIN_SIZE);
        if (st != CVA_OK)
            return cva__report(diag, st, arg, 0, -1, 0, "terms->struct_size: use cva_clv_terms_init_defaults()");
    }
    return cva__terms_check(t, arg, TERMS_OPT_IDS, diag);
}

cva_status cva__terms_check(const cva_clv_terms *t, int32_t arg, const int32_t opt_ids[4], cva_diag *diag)
{
    if (t->timing != CVA_CLV_TIMING_END && t->timing != CVA_CLV_TIMING_START)
        return cva__report(diag, CVA_E_OPTION, arg, opt_ids[0], -1, 0, "timing must be END (0) or START (1)");
    if (t->horizon < 0)
        return cva__report(diag, CVA_E_OPTION, arg, opt_ids[1], -1, 0, "horizon must be >= 0 (0: infinite)");
    if (!isfinite(t->discount))
        return cva__report(diag, CVA_E_NONFINITE, arg, opt_ids[2], -1, 0, "discount rate is NaN or infinite");
    if (!(1.0 + t->discount > 0.0))
        return cva__report(diag, CVA_E_DOMAIN, arg, opt_ids[2], -1, 0, "discount rate must satisfy 1 + d > 0");
    if (!isfinite(t->growth))
        return cva__report(diag, CVA_E_NONFINITE, arg, opt_ids[3], -1, 0, "margin growth is NaN or infinite");
    if (t->growth < -1.0)
        return cva__report(diag, CVA_E_DOMAIN, arg, opt_ids[3], -1, 0, "margin growth must be >= -1");
    return CVA_OK;
}

/* φ(z) = 1/(e^z − 1) − 1/z + 1/2 = coth(z/2)/2 − 1/z, odd and smooth (φ(0) = 0). */
static double phi(double z)
{
    /* B_{2n}/(2n)!, n = 1..11: the Bernoulli series, radius 2π */
    static const double c[11] = {
        8.3333333333333333333e-2,  -1.3888888888888888889e-3, 3.3068783068783068783e-5,
        -8.2671957671957671958e-7, 2.0876756987868098979e-8,  -5.2841901386874931848e-10,
        1.3382536530684678833e-11, -3.3896802963225828668e-13, 8.5860620562778445641e-15,
        -2.1748686985580618730e-16, 5.5090028283602295152e-18,
    };
    if (isinf(z))
        return z > 0.0 ? 0.5 : -0.5;
    if (fabs(z) < 1.0) {
        double z2 = z * z, s = 0.0;
        int k;
        for (k = 10; k >= 0; k--)
            s = s * z2 + c[k];
        return s * z;
    }
    return 1.0 / expm1(z) - 1.0 / z + 0.5;
}

static const char *const DOMAIN_MSG[2][5] = {
    {"retention r is NaN or infinite", "retention r must be in [0, 1) (r = 1 only with a finite horizon)",
     "infinite horizon needs 1 + d - r > 0", "infinite horizon needs r(1+g) < 1 + d",
     "the finite-horizon sum overflows"},
    {"scenario retention r' is NaN or infinite",
     "scenario retention r' must be in [0, 1) (r' = 1 only with a finite horizon)",
     "infinite horizon needs 1 + d - r' > 0", "infinite horizon needs r'(1+g) < 1 + d",
     "the finite-horizon sum overflows at r'"},
};

cva_status cva__multiple(double r, const cva_clv_terms *t, double *mm, double *eps, int32_t arg, int32_t opt,
                         int scenario, cva_diag *diag)
{
    const char *const *msg = DOMAIN_MSG[scenario ? 1 : 0];
    double a = 1.0 + t->discount, num, u, S, f, mult;
    if (!isfinite(r))
        return cva__report(diag, CVA_E_NONFINITE, arg, opt, -1, 0, msg[0]);
    if (r < 0.0 || r > 1.0 || (r >= 1.0 && t->horizon == 0))
        return cva__report(diag, CVA_E_DOMAIN, arg, opt, -1, 0, msg[1]);
    /* num = (1 + d)(1 − p) = 1 + d − r − r g, p = r(1+g)/(1+d), formed as ((1 − r) + d) − r g:
       1 − r is exact for r >= 1/2 and (1 − r) + d exact when they nearly cancel, so p close
       to 1 keeps the digits of the inputs (1 + d itself would round them away) */
    num = fma(-r, t->growth, (1.0 - r) + t->discount);
    if (t->horizon == 0) {
        if (!((1.0 - r) + t->discount > 0.0))
            return cva__report(diag, CVA_E_DOMAIN, arg, opt, -1, 0, msg[2]);
        if (!(num > 0.0))
            return cva__report(diag, CVA_E_DOMAIN, arg, opt, -1, 0, msg[3]);
        /* S = 1/(1−p) = a/num, f = p/(1−p) = r(1+g)/num */
        mult = t->timing == CVA_CLV_TIMING_END ? r / num : a / num;
        f = r * (1.0 + t->growth) / num;
    } else {
        double H = (double)t->horizon, y;
        u = num / a;
        y = u >= 1.0 ? CVA_INF : -log1p(-u); /* y = −ln p; p = 0 when r = 0 or g = −1 */
        if (y > 0.0 || y < 0.0) {
            S = expm1(-H * y) / expm1(-y);
            f = 0.5 * (H - 1.0) + phi(y) - H * phi(H * y);
        } else {
            S = H;
            f = 0.5 * (H - 1.0);
        }
        mult = t->timing == CVA_CLV_TIMING_END ? r / a * S : S;
        if (!isfinite(mult) || !isfinite(f))
            return cva__report(diag, CVA_E_DOMAIN, arg, opt, -1, 0, msg[4]);
    }
    if (mm)
        *mm = mult;
    if (eps)
        *eps = t->timing == CVA_CLV_TIMING_END ? 1.0 + f : f;
    return CVA_OK;
}

cva_status cva_clv_constant(double m, double r, const cva_clv_terms *terms, double *clv, double *multiple,
                            cva_diag *diag)
{
    cva_clv_terms t;
    double mm;
    cva_status st = load_terms(terms, &t, 3, diag);
    if (st != CVA_OK)
        return st;
    if (!isfinite(m))
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, -1, 0, "margin m is NaN or infinite");
    st = cva__multiple(r, &t, &mm, NULL, 2, 0, 0, diag);
    if (st != CVA_OK)
        return st;
    if (clv)
        *clv = m * mm;
    if (multiple)
        *multiple = mm;
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_retention_elasticities(double m, double r, double c_acq, const cva_clv_terms *terms, double *eps_r,
                                      double *eps_m, double *eps_c, cva_diag *diag)
{
    cva_clv_terms t;
    double mm, er, clv;
    cva_status st = load_terms(terms, &t, 4, diag);
    if (st != CVA_OK)
        return st;
    if (!isfinite(m))
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, -1, 0, "margin m is NaN or infinite");
    if (!isfinite(c_acq))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "acquisition cost is NaN or infinite");
    st = cva__multiple(r, &t, &mm, &er, 2, 0, 0, diag);
    if (st != CVA_OK)
        return st;
    clv = m * mm;
    if (eps_r)
        *eps_r = er;
    if (eps_m)
        *eps_m = (clv > 0.0 || clv < 0.0) ? 1.0 : CVA_NAN;
    if (eps_c) {
        double net = clv - c_acq;
        *eps_c = (net > 0.0 || net < 0.0) ? -c_acq / net : CVA_NAN;
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_customer_equity(double n_current, double m, double r, double c_acq, const double *n_new,
                               size_t n_cohorts, double n_perpetual, const cva_clv_terms *terms, double *ce_current,
                               double *ce_new, cva_diag *diag)
{
    cva_clv_terms t, ts;
    double mm, mm_start, value, cur, fut;
    int any = 0;
    size_t k;
    cva_status st = load_terms(terms, &t, 8, diag);
    if (st != CVA_OK)
        return st;
    if (!isfinite(n_current))
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, -1, 0, "n_current is NaN or infinite");
    if (n_current < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "n_current must be >= 0");
    if (!isfinite(m))
        return cva__report(diag, CVA_E_NONFINITE, 2, 0, -1, 0, "margin m is NaN or infinite");
    if (!isfinite(c_acq))
        return cva__report(diag, CVA_E_NONFINITE, 4, 0, -1, 0, "acquisition cost is NaN or infinite");
    if (!n_new && n_cohorts > 0)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "n_new is NULL with n_cohorts > 0");
    for (k = 0; k < n_cohorts; k++) {
        if (!isfinite(n_new[k]))
            return cva__report(diag, CVA_E_NONFINITE, 5, 0, (int64_t)k, 0, "a cohort size is NaN or infinite");
        if (n_new[k] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)k, 0, "a cohort size is negative");
        if (n_new[k] > 0.0)
            any = 1;
    }
    if (!n_new) {
        if (!isfinite(n_perpetual))
            return cva__report(diag, CVA_E_NONFINITE, 7, 0, -1, 0, "n_perpetual is NaN or infinite");
        if (n_perpetual < 0.0)
            return cva__report(diag, CVA_E_BADARG, 7, 0, -1, 0, "n_perpetual must be >= 0");
        if (n_perpetual > 0.0) {
            any = 1;
            if (!(t.discount > 0.0))
                return cva__report(diag, CVA_E_DOMAIN, 8, CVA_OPT_CLVT_DISCOUNT, -1, 0,
                                   "a perpetual stream of cohorts needs d > 0");
        }
    }
    st = cva__multiple(r, &t, &mm, NULL, 3, 0, 0, diag);
    if (st != CVA_OK)
        return st;
    ts = t;
    ts.timing = CVA_CLV_TIMING_START;
    st = cva__multiple(r, &ts, &mm_start, NULL, 3, 0, 0, diag);
    if (st != CVA_OK)
        return st;
    value = m * mm_start - c_acq;
    cur = n_current * m * mm;
    if (n_new) {
        cva__ksum s = {0.0, 0.0};
        double a = 1.0 + t.discount;
        for (k = 0; k < n_cohorts; k++)
            if (n_new[k] > 0.0)
                cva__ksum_add(&s, n_new[k] * pow(a, -(double)k));
        fut = cva__ksum_value(&s) * value;
    } else {
        fut = n_perpetual > 0.0 ? n_perpetual * (1.0 + t.discount) / t.discount * value : 0.0;
    }
    if (!isfinite(cur) || !isfinite(fut))
        return cva__report(diag, CVA_E_DOMAIN, 0, 0, -1, 0, "customer equity overflows");
    if (ce_current)
        *ce_current = cur;
    if (ce_new)
        *ce_new = fut;
    if (!(n_current > 0.0) && !any)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no current customers and no cohorts");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

double cva__steady_profit(double A, double m1, double r, double g, double c_acq)
{
    double den = 1.0 - r * (1.0 + g);
    if (!(den > 0.0))
        return CVA_NAN;
    return A * (m1 / den - c_acq);
}

cva_status cva_steady_state_profit(double A, double m1, double r, double g, double c_acq, double *n_ss,
                                   double *p_ss, cva_diag *diag)
{
    if (!isfinite(A))
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, -1, 0, "A is NaN or infinite");
    if (A < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "A (new customers per period) must be >= 0");
    if (!isfinite(m1))
        return cva__report(diag, CVA_E_NONFINITE, 2, 0, -1, 0, "margin m1 is NaN or infinite");
    if (!isfinite(r))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "retention r is NaN or infinite");
    if (r < 0.0 || r > 1.0)
        return cva__report(diag, CVA_E_DOMAIN, 3, 0, -1, 0, "retention r must be in [0, 1]");
    if (!isfinite(g))
        return cva__report(diag, CVA_E_NONFINITE, 4, 0, -1, 0, "margin growth is NaN or infinite");
    if (g < -1.0)
        return cva__report(diag, CVA_E_DOMAIN, 4, 0, -1, 0, "margin growth must be >= -1");
    if (!isfinite(c_acq))
        return cva__report(diag, CVA_E_NONFINITE, 5, 0, -1, 0, "acquisition cost is NaN or infinite");
    if (n_ss)
        *n_ss = A > 0.0 ? (r < 1.0 ? A / (1.0 - r) : CVA_NAN) : 0.0;
    if (p_ss)
        *p_ss = cva__steady_profit(A, m1, r, g, c_acq);
    if (!(A > 0.0))
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "A = 0: no customers in the steady state");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
