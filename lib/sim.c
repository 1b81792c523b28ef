/*
 * libcva — cva_sim_transactions: the BG/NBD + Gamma-Gamma transaction-log simulator
 * (the model simulators of sim.h are in simulate.c).
 *
 * Each customer draws from its own xoshiro256** stream seeded from
 * (seed, customer index), so customer i's history does not depend on how
 * many customers are simulated, and counting and writing passes agree.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "cva_internal.h"

static const cva_sim_opts sim_defaults = {
    .struct_size = sizeof(cva_sim_opts),
    .round_times = 1,
    .seed = 42,
    .first_id = 1,
    .r = 0.243,
    .alpha = 4.414,
    .a = 0.793,
    .b = 2.426,
    .p = 6.25,
    .q = 3.74,
    .gamma = 15.44,
    .time_scale = 7.0,
    .start = 0.0,
    .acquisition_span = 84.0,
    .end = 546.0,
};

cva_status cva_sim_opts_init_defaults(cva_sim_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_sim_opts))
        return CVA_E_ABI_MISMATCH;
    *opts = sim_defaults;
    return CVA_OK;
}

/* Simulate one customer; write rows when the arrays are given. Returns the row count. */
static size_t sim_customer(const cva_sim_opts *o, size_t i, int64_t *id, double *t, double *amount)
{
    cva__rng rng;
    uint64_t st = o->seed ^ (UINT64_C(0xD1B54A32D192ED03) * (uint64_t)(i + 1));
    double lambda, p, nu, now, t0, end_model;
    size_t k = 0;
    const int64_t cid = o->first_id + (int64_t)i;

    cva__rng_seed(&rng, cva__splitmix64(&st));
    lambda = cva__rng_gamma(&rng, o->r) / o->alpha;   /* per model unit */
    p = cva__rng_beta(&rng, o->a, o->b);
    nu = cva__rng_gamma(&rng, o->q) / o->gamma;
    t0 = o->start + o->acquisition_span * cva__rng_uniform(&rng);
    if (o->round_times)
        t0 = floor(t0);

    /* Work in model units from the first purchase. */
    end_model = (o->end - t0) / o->time_scale;
    now = 0.0;
    for (;;) {
        double when = t0 + now * o->time_scale;
        if (o->round_times)
            when = floor(when);
        if (t) {
            id[k] = cid;
            t[k] = when;
            amount[k] = cva__rng_gamma(&rng, o->p) / nu;
        } else {
            (void)cva__rng_gamma(&rng, o->p);
        }
        k++;
        if (k > 1 && cva__rng_uniform(&rng) < p)
            break; /* dropped out after a repeat purchase */
        if (!(lambda > 0.0))
            break;
        now += cva__rng_exp(&rng) / lambda;
        if (!(now <= end_model))
            break;
    }
    return k;
}

cva_status cva_sim_transactions(const cva_sim_opts *opts, size_t n_customers, int64_t *customer_id,
                                double *t, double *amount, size_t capacity, size_t *n_rows,
                                cva_diag *diag)
{
    cva_sim_opts o = sim_defaults;
    size_t i, total = 0;
    int have = (customer_id != NULL) + (t != NULL) + (amount != NULL);

    if (!n_rows)
        return cva__report(diag, CVA_E_NULLPTR, 7, 0, -1, 0, "n_rows is NULL");
    if (have != 0 && have != 3)
        return cva__report(diag, CVA_E_NULLPTR, customer_id ? (t ? 5 : 4) : 3, 0, -1, 0,
                           "customer_id, t and amount must be all NULL or all non-NULL");
    if (opts && opts->struct_size != sizeof(cva_sim_opts))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_sim_opts size");
    if (opts)
        o = *opts;
#define SIM_CHECK_POS_(field, id)                                                  \
    if (!(isfinite(o.field) && o.field > 0.0))                                     \
        return cva__report(diag, CVA_E_OPTION, 1, id, -1, 0, #field " must be finite and > 0");
    SIM_CHECK_POS_(r, CVA_OPT_SIM_R)
    SIM_CHECK_POS_(alpha, CVA_OPT_SIM_ALPHA)
    SIM_CHECK_POS_(a, CVA_OPT_SIM_A)
    SIM_CHECK_POS_(b, CVA_OPT_SIM_B)
    SIM_CHECK_POS_(p, CVA_OPT_SIM_P)
    SIM_CHECK_POS_(q, CVA_OPT_SIM_Q)
    SIM_CHECK_POS_(gamma, CVA_OPT_SIM_GAMMA)
    SIM_CHECK_POS_(time_scale, CVA_OPT_SIM_TIME_SCALE)
#undef SIM_CHECK_POS_
    if (!isfinite(o.start))
        return cva__report(diag, CVA_E_OPTION, 1, CVA_OPT_SIM_START, -1, 0, "start must be finite");
    if (!(isfinite(o.acquisition_span) && o.acquisition_span >= 0.0))
        return cva__report(diag, CVA_E_OPTION, 1, CVA_OPT_SIM_ACQUISITION_SPAN, -1, 0,
                           "acquisition_span must be finite and >= 0");
    if (!(isfinite(o.end) && o.end > o.start + o.acquisition_span))
        return cva__report(diag, CVA_E_OPTION, 1, CVA_OPT_SIM_END, -1, 0,
                           "end must be finite and after start + acquisition_span");
    if (n_customers > 0 && o.first_id > INT64_MAX - (int64_t)(n_customers - 1))
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "first_id + n_customers overflows int64");

    if (n_customers == 0) {
        *n_rows = 0;
        return cva__report(diag, CVA_W_EMPTY, 2, 0, -1, 0, "no customers to simulate");
    }
    for (i = 0; i < n_customers; i++)
        total += sim_customer(&o, i, NULL, NULL, NULL);
    if (!customer_id) {
        *n_rows = total;
        return cva__report(diag, CVA_OK, 0, 0, -1, total, NULL);
    }
    if (capacity < total) {
        *n_rows = total;
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 6, 0, -1, total,
                           "capacity is less than the number of simulated rows");
    }
    total = 0;
    for (i = 0; i < n_customers; i++)
        total += sim_customer(&o, i, customer_id + total, t + total, amount + total);
    *n_rows = total;
    return cva__report(diag, CVA_OK, 0, 0, -1, total, NULL);
}
