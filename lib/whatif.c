/*
 * libcva — the retention-profit what-if (docs/methods/retention.md#methods_whatif, docs/methods/retention.md#methods_retention_edge).
 * SPDX-License-Identifier: MIT
 */
#include "retention_internal.h"

#define WHATIF_IN_MIN_SIZE sizeof(cva_whatif_inputs)
#define WHATIF_OUT_MIN_SIZE sizeof(cva_whatif_result)

static cva_whatif_inputs whatif_defaults(void)
{
    cva_whatif_inputs d;
    memset(&d, 0, sizeof d);
    d.struct_size = (uint32_t)sizeof d;
    d.timing = CVA_CLV_TIMING_END;
    d.horizon = 0;
    d.delta_mode = CVA_WHATIF_DELTA_ABS;
    d.customers = CVA_NAN;
    d.margin = CVA_NAN;
    d.retention = CVA_NAN;
    d.discount = 0.10;
    d.margin_growth = 0.0;
    d.delta_retention = 0.0;
    d.retention_cost = 0.0;
    d.delta_retention_cost = 0.0;
    d.acquisition_cost = CVA_NAN;
    d.acq_ret_ratio = 5.0;
    d.new_customers = CVA_NAN;
    d.budget_share_target = 0.20;
    return d;
}

cva_status cva_whatif_inputs_init_defaults(cva_whatif_inputs *in, size_t struct_size)
{
    cva_whatif_inputs d;
    if (!in)
        return CVA_E_NULLPTR;
    if (struct_size < WHATIF_IN_MIN_SIZE || struct_size > sizeof(cva_whatif_inputs))
        return CVA_E_ABI_MISMATCH;
    d = whatif_defaults();
    memcpy(in, &d, struct_size);
    in->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

static void result_nan(cva_whatif_result *o)
{
    const double nan = CVA_NAN;
    memset(o, 0, sizeof *o);
    o->struct_size = (uint32_t)sizeof *o;
    o->budget_share_below_target = -1;
    o->retention_new = o->acquisition_cost_used = o->new_customers_used = nan;
    o->mm_base = o->mm_new = o->clv_base = o->clv_new = o->delta_clv = o->delta_clv_pct = nan;
    o->ce_base = o->ce_new = o->delta_ce = o->retention_elasticity = nan;
    o->churned_base = o->churned_new = nan;
    o->acquisition_spend_base = o->acquisition_spend_new = o->acquisition_spend_avoided = nan;
    o->break_even_retention_spend = o->programme_roi = nan;
    o->steady_state_profit_base = o->steady_state_profit_new = o->steady_state_profit_change_pct = nan;
    o->retention_budget_share = o->acq_ret_ratio_used = nan;
}

cva_status cva_whatif_result_init(cva_whatif_result *out, size_t struct_size)
{
    cva_whatif_result r;
    if (!out)
        return CVA_E_NULLPTR;
    if (struct_size < WHATIF_OUT_MIN_SIZE || struct_size > sizeof(cva_whatif_result))
        return CVA_E_ABI_MISMATCH;
    result_nan(&r);
    memcpy(out, &r, struct_size);
    out->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* A finite value, or (allow_nan) NaN meaning "default". */
static cva_status need_finite(double v, int allow_nan, int32_t opt, const char *msg, cva_diag *diag)
{
    if (isfinite(v) || (allow_nan && isnan(v)))
        return CVA_OK;
    return cva__report(diag, CVA_E_NONFINITE, 1, opt, -1, 0, msg);
}

static cva_status check_inputs(const cva_whatif_inputs *in, cva_diag *diag)
{
    static const int32_t ids[4] = {CVA_OPT_WHATIF_TIMING, CVA_OPT_WHATIF_HORIZON, CVA_OPT_WHATIF_DISCOUNT,
                                   CVA_OPT_WHATIF_GROWTH};
    cva_clv_terms t;
    cva_status st;
    if (in->delta_mode != CVA_WHATIF_DELTA_ABS && in->delta_mode != CVA_WHATIF_DELTA_REL)
        return cva__report(diag, CVA_E_OPTION, 1, CVA_OPT_WHATIF_DELTA_MODE, -1, 0,
                           "delta_mode must be ABS (0) or REL (1)");
    if (isnan(in->customers))
        return cva__report(diag, CVA_E_NONFINITE, 1, CVA_OPT_WHATIF_CUSTOMERS, -1, 0,
                           "customers (N) is required (NaN: not set)");
    if (isnan(in->margin))
        return cva__report(diag, CVA_E_NONFINITE, 1, CVA_OPT_WHATIF_MARGIN, -1, 0,
                           "margin (m) is required (NaN: not set)");
    if (isnan(in->retention))
        return cva__report(diag, CVA_E_NONFINITE, 1, CVA_OPT_WHATIF_RETENTION, -1, 0,
                           "retention (r) is required (NaN: not set)");
    if ((st = need_finite(in->customers, 0, CVA_OPT_WHATIF_CUSTOMERS, "customers (N) is infinite", diag)) ||
        (st = need_finite(in->margin, 0, CVA_OPT_WHATIF_MARGIN, "margin (m) is infinite", diag)) ||
        (st = need_finite(in->retention, 0, CVA_OPT_WHATIF_RETENTION, "retention (r) is infinite", diag)) ||
        (st = need_finite(in->delta_retention, 0, CVA_OPT_WHATIF_DELTA, "delta_retention is NaN or infinite",
                          diag)) ||
        (st = need_finite(in->retention_cost, 0, CVA_OPT_WHATIF_RET_COST, "retention_cost is NaN or infinite",
                          diag)) ||
        (st = need_finite(in->delta_retention_cost, 0, CVA_OPT_WHATIF_DELTA_RET_COST,
                          "delta_retention_cost is NaN or infinite", diag)) ||
        (st = need_finite(in->acquisition_cost, 1, CVA_OPT_WHATIF_ACQ_COST, "acquisition_cost is infinite",
                          diag)) ||
        (st = need_finite(in->acq_ret_ratio, 0, CVA_OPT_WHATIF_ACQ_RET_RATIO, "acq_ret_ratio is NaN or infinite",
                          diag)) ||
        (st = need_finite(in->new_customers, 1, CVA_OPT_WHATIF_NEW_CUSTOMERS, "new_customers (A) is infinite",
                          diag)) ||
        (st = need_finite(in->budget_share_target, 0, CVA_OPT_WHATIF_BUDGET_TARGET,
                          "budget_share_target is NaN or infinite", diag)))
        return st;
    t.struct_size = (uint32_t)sizeof t;
    t.timing = in->timing;
    t.horizon = in->horizon;
    t.discount = in->discount;
    t.growth = in->margin_growth;
    st = cva__terms_check(&t, 1, ids, diag);
    if (st != CVA_OK)
        return st;
    if (in->customers < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_CUSTOMERS, -1, 0, "customers (N) must be >= 0");
    if (in->retention_cost < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_RET_COST, -1, 0, "retention_cost must be >= 0");
    if (in->acquisition_cost < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_ACQ_COST, -1, 0,
                           "acquisition_cost must be >= 0");
    if (in->acq_ret_ratio < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_ACQ_RET_RATIO, -1, 0,
                           "acq_ret_ratio must be >= 0");
    if (in->new_customers < 0.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_NEW_CUSTOMERS, -1, 0,
                           "new_customers (A) must be >= 0");
    if (in->budget_share_target < 0.0 || in->budget_share_target > 1.0)
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_WHATIF_BUDGET_TARGET, -1, 0,
                           "budget_share_target must be in [0, 1]");
    return CVA_OK;
}

cva_status cva_whatif(const cva_whatif_inputs *in_, cva_whatif_result *out, cva_diag *diag)
{
    cva_whatif_inputs in = whatif_defaults();
    cva_whatif_result o;
    cva_clv_terms t;
    cva_status st;
    double N, r, r1, m0, m1, c_acq, A, eps, den;
    uint32_t out_size;

    if (!in_ || !out)
        return cva__report(diag, CVA_E_NULLPTR, !in_ ? 1 : 2, 0, -1, 0, "NULL inputs or result");
    st = cva__copy_sized(&in, sizeof in, in_, WHATIF_IN_MIN_SIZE);
    if (st != CVA_OK)
        return cva__report(diag, st, 1, 0, -1, 0, "in->struct_size: use cva_whatif_inputs_init_defaults()");
    out_size = out->struct_size;
    if (out_size < WHATIF_OUT_MIN_SIZE || out_size > sizeof(cva_whatif_result))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "out->struct_size: use cva_whatif_result_init()");
    st = check_inputs(&in, diag);
    if (st != CVA_OK)
        return st;

    t.struct_size = (uint32_t)sizeof t;
    t.timing = in.timing;
    t.horizon = in.horizon;
    t.discount = in.discount;
    t.growth = in.margin_growth;
    N = in.customers;
    r = in.retention;
    r1 = in.delta_mode == CVA_WHATIF_DELTA_ABS ? r + in.delta_retention : r * (1.0 + in.delta_retention / 100.0);

    result_nan(&o);
    st = cva__multiple(r, &t, &o.mm_base, &eps, 1, CVA_OPT_WHATIF_RETENTION, 0, diag);
    if (st != CVA_OK)
        return st;
    st = cva__multiple(r1, &t, &o.mm_new, NULL, 1, CVA_OPT_WHATIF_DELTA, 1, diag);
    if (st != CVA_OK)
        return st;

    m0 = in.margin - in.retention_cost;
    m1 = m0 - in.delta_retention_cost;
    c_acq = !isnan(in.acquisition_cost) ? in.acquisition_cost
            : in.retention_cost > 0.0   ? in.acq_ret_ratio * in.retention_cost
                                        : 0.0;
    A = !isnan(in.new_customers) ? in.new_customers : N * (1.0 - r);

    o.retention_new = r1;
    o.acquisition_cost_used = c_acq;
    o.new_customers_used = A;
    o.clv_base = m0 * o.mm_base;
    o.clv_new = m1 * o.mm_new;
    o.delta_clv = o.clv_new - o.clv_base;
    if (o.clv_base > 0.0)
        o.delta_clv_pct = 100.0 * o.delta_clv / o.clv_base;
    o.ce_base = N * o.clv_base;
    o.ce_new = N * o.clv_new;
    o.delta_ce = o.ce_new - o.ce_base;
    o.retention_elasticity = eps;
    o.churned_base = N * (1.0 - r);
    o.churned_new = N * (1.0 - r1);
    o.acquisition_spend_base = o.churned_base * c_acq;
    o.acquisition_spend_new = o.churned_new * c_acq;
    o.acquisition_spend_avoided = o.acquisition_spend_base - o.acquisition_spend_new;
    if (o.mm_new > 0.0)
        o.break_even_retention_spend = m0 * (1.0 - o.mm_base / o.mm_new);
    if (in.timing == CVA_CLV_TIMING_END && in.delta_retention_cost > 0.0 && o.mm_new > 0.0)
        o.programme_roi = o.delta_clv / (in.delta_retention_cost * o.mm_new);
    o.steady_state_profit_base = cva__steady_profit(A, m0, r, in.margin_growth, c_acq);
    o.steady_state_profit_new = cva__steady_profit(A, m1, r1, in.margin_growth, c_acq);
    if (o.steady_state_profit_base > 0.0 && isfinite(o.steady_state_profit_new))
        o.steady_state_profit_change_pct = 100.0 * (o.steady_state_profit_new / o.steady_state_profit_base - 1.0);
    den = in.retention_cost * N + c_acq * A;
    if (den > 0.0) {
        o.retention_budget_share = in.retention_cost * N / den;
        o.budget_share_below_target = o.retention_budget_share < in.budget_share_target ? 1 : 0;
    }
    if (in.retention_cost > 0.0)
        o.acq_ret_ratio_used = c_acq / in.retention_cost;

    o.struct_size = out_size;
    memcpy(out, &o, out_size);
    if (!(N > 0.0))
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "customers = 0: totals are zero");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
