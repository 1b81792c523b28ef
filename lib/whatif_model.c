/*
 * libcva — the model-based what-if (docs/methods/retention.md#methods_clv_model, docs/methods/retention.md#methods_whatif): the retention what-if asked of a
 * fitted sBG, BG/NBD or Pareto/NBD model instead of a constant retention. The exact
 * definitions of what is shifted are in include/cva/retention.h (group
 * retention_whatif_model).
 * SPDX-License-Identifier: MIT
 */
#include "churn_internal.h"
#include "retention_internal.h"

#define WIFM_OPTS_MIN_SIZE sizeof(cva_whatif_model_opts)
#define WIFM_OUT_MIN_SIZE sizeof(cva_whatif_model_result)

static cva_whatif_model_opts wifm_defaults(void)
{
    cva_whatif_model_opts d;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)sizeof d;
    d.delta_mode = CVA_WHATIF_DELTA_ABS;
    d.delta_retention = 0.0;
    d.discount = 0.10;
    d.period = 52.0;
    d.margin = 1.0;
    d.n_renewals = 0.0;
    d.retention_cap = 0.999;
    d.alloc = NULL;
    return d;
}

cva_status cva_whatif_model_opts_init_defaults(cva_whatif_model_opts *opts, size_t struct_size)
{
    cva_whatif_model_opts d;
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < WIFM_OPTS_MIN_SIZE || struct_size > sizeof(cva_whatif_model_opts))
        return CVA_E_ABI_MISMATCH;
    d = wifm_defaults();
    memcpy(opts, &d, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

static void result_nan(cva_whatif_model_result *o)
{
    const double nan = CVA_NAN;
    int i;
    memset(o, 0, sizeof *o);
    o->struct_size = (uint32_t)sizeof *o;
    o->shift = CVA_WHATIF_SHIFT_UNDEFINED;
    o->retention_base = o->retention_target = o->retention_new = o->dropout_scale = nan;
    for (i = 0; i < 4; i++)
        o->params_new[i] = nan;
    o->del_base = o->del_new = o->del_change_pct = nan;
    o->derl_base = o->derl_new = o->derl_change_pct = nan;
    o->del_constant_base = o->del_constant_new = o->derl_constant_base = o->derl_constant_new = nan;
    o->customers = o->value_base = o->value_new = o->delta_value = o->delta_value_pct = nan;
    o->value_constant_base = o->value_constant_new = nan;
}

cva_status cva_whatif_model_result_init(cva_whatif_model_result *out, size_t struct_size)
{
    cva_whatif_model_result r;
    if (!out)
        return CVA_E_NULLPTR;
    if (struct_size < WIFM_OUT_MIN_SIZE || struct_size > sizeof(cva_whatif_model_result))
        return CVA_E_ABI_MISMATCH;
    result_nan(&r);
    memcpy(out, &r, struct_size);
    out->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* Copy and check the options; btyd = 1 checks period and margin for the BTYD models. */
static cva_status get_opts(const cva_whatif_model_opts *in, int32_t arg, int btyd, cva_whatif_model_opts *o,
                           cva_diag *diag)
{
    cva_status st;
    *o = wifm_defaults();
    if (in) {
        st = cva__copy_sized(o, sizeof *o, in, WIFM_OPTS_MIN_SIZE);
        if (st != CVA_OK)
            return cva__report(diag, st, arg, 0, -1, 0,
                               "opts->struct_size: use cva_whatif_model_opts_init_defaults()");
    }
    if (o->delta_mode != CVA_WHATIF_DELTA_ABS && o->delta_mode != CVA_WHATIF_DELTA_REL)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_WHATIFM_DELTA_MODE, -1, 0,
                           "delta_mode must be ABS (0) or REL (1)");
    if (!isfinite(o->delta_retention))
        return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_DELTA, -1, 0,
                           "delta_retention is NaN or infinite");
    if (!isfinite(o->discount))
        return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_DISCOUNT, -1, 0, "discount is NaN or infinite");
    if (!(o->discount > 0.0))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_WHATIFM_DISCOUNT, -1, 0,
                           "discount must be > 0 (a model's lifetime value may be infinite without discounting)");
    if (!isfinite(o->margin))
        return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_MARGIN, -1, 0, "margin is NaN or infinite");
    if (!isfinite(o->retention_cap))
        return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_CAP, -1, 0, "retention_cap is NaN or infinite");
    if (!(o->retention_cap > 0.0 && o->retention_cap < 1.0))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_WHATIFM_CAP, -1, 0, "retention_cap must be in (0, 1)");
    if (btyd) {
        if (!isfinite(o->period))
            return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_PERIOD, -1, 0, "period is NaN or infinite");
        if (!(o->period > 0.0))
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_WHATIFM_PERIOD, -1, 0,
                               "period must be > 0 (model time units per period)");
    } else {
        if (!isfinite(o->n_renewals))
            return cva__report(diag, CVA_E_NONFINITE, arg, CVA_OPT_WHATIFM_RENEWALS, -1, 0,
                               "n_renewals is NaN or infinite");
        if (!(o->n_renewals >= 0.0))
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_WHATIFM_RENEWALS, -1, 0, "n_renewals must be >= 0");
    }
    return CVA_OK;
}

/* The requested r' of base retention r; the cap applied into *used; the shift code. */
static int32_t target(const cva_whatif_model_opts *o, double r, double *req, double *used)
{
    double t = o->delta_mode == CVA_WHATIF_DELTA_ABS ? r + o->delta_retention
                                                     : r * (1.0 + o->delta_retention / 100.0);
    *req = t;
    if (!(t > 0.0)) {
        *used = CVA_NAN;
        return CVA_WHATIF_SHIFT_UNDEFINED;
    }
    if (t >= o->retention_cap && t > r) {
        *used = o->retention_cap > r ? o->retention_cap : r;
        return CVA_WHATIF_SHIFT_CAPPED;
    }
    *used = t;
    return CVA_WHATIF_SHIFT_EXACT;
}

static double pct(double now, double base)
{
    return base > 0.0 && isfinite(now) ? 100.0 * (now / base - 1.0) : CVA_NAN;
}

static cva_status shift_report(cva_diag *diag, int32_t shift, cva_status other)
{
    if (shift == CVA_WHATIF_SHIFT_CAPPED)
        return cva__report(diag, CVA_W_BOUNDARY, 0, CVA_OPT_WHATIFM_DELTA, -1, 0,
                           "the shifted retention was capped at retention_cap");
    if (shift == CVA_WHATIF_SHIFT_UNDEFINED)
        return cva__report(diag, CVA_W_BOUNDARY, 0, CVA_OPT_WHATIFM_DELTA, -1, 0,
                           "the shifted retention cannot be reached by scaling the dropout (r' <= 0, or below "
                           "the fitted retention for BG/NBD): the new values are undefined");
    return cva__report(diag, other, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------ sBG */

cva_status cva_whatif_sbg(const double *params, const double *counts, size_t n_counts,
                          const cva_whatif_model_opts *opts_, cva_whatif_model_result *out, cva_diag *diag)
{
    cva_whatif_model_opts o;
    cva_whatif_model_result res;
    cva_status st, sw = CVA_OK;
    double a, b, ab, r, r1 = CVA_NAN, req, d, pnew[2] = {0.0, 0.0};
    uint32_t out_size;
    size_t k;
    int32_t shift;

    if (!params || !out)
        return cva__report(diag, CVA_E_NULLPTR, !params ? 1 : 5, 0, -1, 0, "NULL params or result");
    if (!counts && n_counts > 0)
        return cva__report(diag, CVA_E_NULLPTR, 2, 0, -1, 0, "counts is NULL with n_counts > 0");
    out_size = out->struct_size;
    if (out_size < WIFM_OUT_MIN_SIZE || out_size > sizeof(cva_whatif_model_result))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 5, 0, -1, 0, "out->struct_size: use cva_whatif_model_result_init()");
    st = get_opts(opts_, 4, 0, &o, diag);
    if (st != CVA_OK)
        return st;
    a = params[0];
    b = params[1];
    if (!(isfinite(a) && a > 0.0) || !(isfinite(b) && b > 0.0))
        return cva__report(diag, CVA_E_DOMAIN, 1, 0, a > 0.0 && isfinite(a) ? 1 : 0, 0,
                           "sBG alpha and beta must be finite and > 0");
    for (k = 0; k < n_counts; k++) {
        if (!isfinite(counts[k]))
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)k, 0, "a count is NaN or infinite");
        if (counts[k] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)k, 0, "a count is negative");
    }
    d = o.discount;
    ab = a + b;
    r = b / ab;

    result_nan(&res);
    res.model = CVA_MODEL_SBG;
    res.n_params = 2;
    res.retention_base = r;
    shift = target(&o, r, &req, &r1);
    res.shift = shift;
    res.retention_target = req;
    st = cva_sbg_lifetime(params, d, o.n_renewals, &res.del_base, &res.derl_base, diag);
    if (st < 0)
        return st;
    sw = st;
    res.del_constant_base = (1.0 + d) / (1.0 + d - r);
    res.derl_constant_base = r * res.del_constant_base;
    if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
        res.retention_new = r1;
        if (r1 >= r && r1 <= r) { /* Δ = 0: the fitted model itself */
            pnew[0] = a;
            pnew[1] = b;
        } else {
            pnew[0] = (1.0 - r1) * ab;
            pnew[1] = r1 * ab;
        }
        res.params_new[0] = pnew[0];
        res.params_new[1] = pnew[1];
        res.dropout_scale = pnew[0] / a;
        st = cva_sbg_lifetime(pnew, d, o.n_renewals, &res.del_new, &res.derl_new, diag);
        if (st < 0)
            return st;
        if (st > sw)
            sw = st;
        res.del_change_pct = pct(res.del_new, res.del_base);
        res.derl_change_pct = pct(res.derl_new, res.derl_base);
        res.del_constant_new = (1.0 + d) / (1.0 + d - r1);
        res.derl_constant_new = r1 * res.del_constant_new;
    }
    if (counts) {
        double vb = 0.0, vn = 0.0, nc = 0.0, cb = 0.0, cn = 0.0;
        for (k = 0; k < n_counts; k++) {
            double db = 0.0, dn = 0.0;
            if (!(counts[k] > 0.0))
                continue;
            nc += counts[k];
            st = cva_sbg_lifetime(params, d, (double)k, NULL, &db, diag);
            if (st < 0)
                return st;
            if (st > sw)
                sw = st;
            vb += counts[k] * db;
            if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
                st = cva_sbg_lifetime(pnew, d, (double)k, NULL, &dn, diag);
                if (st < 0)
                    return st;
                if (st > sw)
                    sw = st;
                vn += counts[k] * dn;
            }
        }
        res.customers = nc;
        res.value_base = o.margin * vb;
        cb = o.margin * nc * res.derl_constant_base;
        res.value_constant_base = cb;
        if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
            res.value_new = o.margin * vn;
            res.delta_value = res.value_new - res.value_base;
            res.delta_value_pct = res.value_base > 0.0 ? 100.0 * res.delta_value / res.value_base : CVA_NAN;
            cn = o.margin * nc * res.derl_constant_new;
            res.value_constant_new = cn;
        }
    }
    res.struct_size = out_size;
    memcpy(out, &res, out_size);
    return shift_report(diag, shift, sw);
}

/* ------------------------------------------------------------------ BG/NBD, Pareto/NBD */

/* BG/NBD one-period retention with p scaled by c (0 < c <= 1):
   (α/(α+cP))^r 2F1(r, b; a+b; cP/(α+cP)). */
static cva_status bg_surv(const double *p, double P, double c, double *out)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    double cP = c * P, lv = 0.0;
    int sign = 1;
    cva_status st = cva__hyp2f1_log(r, b, a + b, cP / (al + cP), &lv, &sign);
    if (st < 0)
        return st;
    *out = exp(lv - r * log1p(cP / al)) * (double)sign;
    return st;
}

/* c in (0, 1] with bg_surv(c) = t for S(1) <= t < 1, by bisection on ln c. */
static cva_status bg_solve(const double *p, double P, double t, double *c_out)
{
    double lo = -745.0, hi = 0.0, s = 0.0;
    cva_status st = CVA_OK, s1;
    int it;
    for (it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi))
            break;
        s1 = bg_surv(p, P, exp(mid), &s);
        if (s1 < 0)
            return s1;
        if (s1 > st)
            st = s1;
        if (s > t)
            lo = mid; /* survival too high: more dropout */
        else
            hi = mid;
    }
    *c_out = exp(0.5 * (lo + hi));
    return st;
}

cva_status cva_whatif_btyd(int32_t model, const double *params, const double *gg_params, const double *x,
                           const double *t_x, const double *T, const double *m_x, size_t n,
                           const cva_whatif_model_opts *opts_, cva_whatif_model_result *out, cva_diag *diag)
{
    cva_whatif_model_opts o;
    cva_whatif_model_result res;
    cva_status st, sw = CVA_OK;
    cva_diag loc;
    double r, r1 = CVA_NAN, req, c = CVA_NAN, delta, *dert = NULL, *spend = NULL, *scaled = NULL;
    double ncust = 0.0;
    cva__ksum vb = {0.0, 0.0}, vn = {0.0, 0.0};
    uint32_t out_size;
    uint64_t excluded = 0;
    size_t i;
    int32_t shift;

    if (!params || !out)
        return cva__report(diag, CVA_E_NULLPTR, !params ? 2 : 10, 0, -1, 0, "NULL params or result");
    if (model != CVA_MODEL_BGNBD && model != CVA_MODEL_PNBD)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0,
                           "the model-based what-if takes BG/NBD or Pareto/NBD (sBG: cva_whatif_sbg())");
    if (n > 0 && (!x || !t_x || !T || (gg_params && !m_x)))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : !t_x ? 5 : !T ? 6 : 7, 0, -1, 0,
                           "x, t_x, T (and m_x with gg_params) are required with n > 0");
    if (!CVA__ROWS_FIT(n))
        return cva__report(diag, CVA_E_OVERFLOW, 8, 0, -1, 0, "n: the per-customer work arrays do not fit in size_t");
    out_size = out->struct_size;
    if (out_size < WIFM_OUT_MIN_SIZE || out_size > sizeof(cva_whatif_model_result))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 10, 0, -1, 0,
                           "out->struct_size: use cva_whatif_model_result_init()");
    st = get_opts(opts_, 9, 1, &o, diag);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < 4; i++)
        if (!(isfinite(params[i]) && params[i] > 0.0))
            return cva__report(diag, CVA_E_DOMAIN, 2, 0, (int64_t)i, 0, "model parameters must be finite and > 0");
    delta = log1p(o.discount) / o.period;

    result_nan(&res);
    res.model = model;
    res.n_params = 4;
    /* one-period retention of the population at the fitted parameters */
    if (model == CVA_MODEL_PNBD) {
        r = exp(-params[2] * log1p(o.period / params[3]));
    } else {
        st = bg_surv(params, o.period, 1.0, &r);
        if (st < 0)
            return cva__report(diag, st, 2, 0, -1, 0, "BG/NBD one-period retention");
        sw = st;
    }
    res.retention_base = r;
    shift = target(&o, r, &req, &r1);
    res.retention_target = req;
    if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
        if (r1 >= r && r1 <= r) {
            c = 1.0;
        } else if (model == CVA_MODEL_PNBD) {
            /* (β/(β+cP))^s = r'  <=>  c = β (r'^{−1/s} − 1)/P */
            c = params[3] * expm1(-log(r1) / params[2]) / o.period;
        } else if (r1 < r) {
            shift = CVA_WHATIF_SHIFT_UNDEFINED; /* would need c > 1: c·p above 1 */
        } else {
            st = bg_solve(params, o.period, r1, &c);
            if (st < 0)
                return cva__report(diag, st, 2, 0, -1, 0, "BG/NBD one-period retention");
            if (st > sw)
                sw = st;
        }
    }
    res.shift = shift;
    if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
        res.retention_new = r1;
        res.dropout_scale = c;
        for (i = 0; i < 4; i++)
            res.params_new[i] = params[i];
        if (model == CVA_MODEL_PNBD)
            res.params_new[3] = params[3] / c;
    } else {
        for (i = 0; i < 4; i++)
            res.params_new[i] = CVA_NAN;
    }

    if (n > 0) {
        if (n > SIZE_MAX / (3 * sizeof(double)))
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "what-if work arrays");
        dert = (double *)cva__alloc(o.alloc, 3 * n * sizeof(double));
        if (!dert)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "what-if work arrays");
        spend = dert + n;
        scaled = dert + 2 * n;
        (void)cva_diag_init(&loc, sizeof loc);
        st = cva_model_dert(model, params, delta, x, t_x, T, n, dert, NULL, &loc);
        if (st < 0) {
            cva__free(o.alloc, dert);
            if (diag)
                *diag = loc;
            return st;
        }
        if (st != CVA_W_EXCLUDED && st > sw)
            sw = st;
        for (i = 0; i < n; i++)
            excluded += isnan(dert[i]) != 0;
        if (gg_params) {
            (void)cva_diag_init(&loc, sizeof loc);
            st = cva_gg_expected_spend(gg_params, x, m_x, n, spend, NULL, &loc);
            if (st < 0) {
                cva__free(o.alloc, dert);
                if (diag)
                    *diag = loc;
                return st;
            }
        } else {
            for (i = 0; i < n; i++)
                spend[i] = 1.0;
        }
        /* BG/NBD with every row valid: one call, which caches repeated (x, T) */
        if (model == CVA_MODEL_BGNBD && excluded == 0 && shift != CVA_WHATIF_SHIFT_UNDEFINED &&
            !(c >= 1.0 && c <= 1.0)) {
            st = cva__bgnbd_dert_scaled(params, delta, c, x, t_x, T, n, scaled, o.alloc);
            if (st < 0) {
                cva__free(o.alloc, dert);
                return cva__report(diag, st, 0, 0, -1, 0, "BG/NBD DERT");
            }
            if (st > sw)
                sw = st;
        }
        for (i = 0; i < n; i++) {
            double base = dert[i], now = base, v;
            if (isnan(base))
                continue; /* no purchase: skipped (counted by cva_model_dert) */
            ncust += 1.0;
            if (shift != CVA_WHATIF_SHIFT_UNDEFINED && !(c >= 1.0 && c <= 1.0)) {
                if (model == CVA_MODEL_PNBD) {
                    const double s = params[2], z = delta * (params[3] + T[i]);
                    double e0 = 0.0, e1 = 0.0;
                    cva_status s0 = cva__expint_scaled(s, z, &e0), s1 = cva__expint_scaled(s, z / c, &e1);
                    if (s0 < 0 || s1 < 0) {
                        cva__free(o.alloc, dert);
                        return cva__report(diag, s0 < 0 ? s0 : s1, 0, 0, (int64_t)i, 0, "e^z E_s(z)");
                    }
                    if (s0 > sw)
                        sw = s0;
                    if (s1 > sw)
                        sw = s1;
                    now = base > 0.0 ? base * (e1 / (c * e0)) : 0.0;
                } else if (excluded == 0) {
                    now = scaled[i];
                } else {
                    st = cva__bgnbd_dert_scaled(params, delta, c, x + i, t_x + i, T + i, 1, &now, o.alloc);
                    if (st < 0) {
                        cva__free(o.alloc, dert);
                        return cva__report(diag, st, 0, 0, (int64_t)i, 0, "BG/NBD DERT");
                    }
                    if (st > sw)
                        sw = st;
                }
            }
            v = o.margin * spend[i];
            cva__ksum_add(&vb, v * base);
            cva__ksum_add(&vn, v * now);
        }
        cva__free(o.alloc, dert);
    } else {
        ncust = 0.0;
    }
    res.customers = ncust;
    res.value_base = cva__ksum_value(&vb);
    if (shift != CVA_WHATIF_SHIFT_UNDEFINED) {
        res.value_new = cva__ksum_value(&vn);
        res.delta_value = res.value_new - res.value_base;
        res.delta_value_pct = res.value_base > 0.0 ? 100.0 * res.delta_value / res.value_base : CVA_NAN;
    }
    res.struct_size = out_size;
    memcpy(out, &res, out_size);
    if (shift != CVA_WHATIF_SHIFT_EXACT)
        return shift_report(diag, shift, sw);
    if (excluded > 0 && sw == CVA_OK)
        return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, excluded, "rows without a purchase were skipped");
    return cva__report(diag, sw, 0, 0, -1, 0, NULL);
}
