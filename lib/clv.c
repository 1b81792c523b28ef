/*
 * libcva — discrete model-based CLV (SPEC §6.3, decision 8):
 *
 *   CLV_i = Σ_{k=1..K} margin · E[M_i] · (E[Y_i(k·L)] − E[Y_i((k−1)·L)]) / (1+d)^k
 *
 * with E[Y_i(t)] the purchase model's conditional expectation in (T, T+t]
 * (cva_model_expected) and E[M_i] the Gamma-Gamma conditional expected spend
 * (cva_gg_expected_spend) — the scheme of the common Python implementation.
 * K = 0 means "until the step term is at most 1e-12 of the customer's running
 * total, or K = 1200" (SPEC §6.3 [D]); each customer stops on its own, so the
 * result does not depend on its neighbours; a customer still above the
 * tolerance at step 1200 makes the call return CVA_W_SERIES_LIMIT.
 *
 * No allocation: customers are processed in chunks of CHUNK (512; ~21 KB of stack)
 * buffers. Nothing is written to @p out before every row has been checked
 * (a first pass runs the models' own validation on every chunk).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define CHUNK 512
#define ADAPTIVE_MAX_STEPS 1200
#define ADAPTIVE_RTOL 1e-12

/* Smallest cva_clv_opts size ever released (0.1.0: the whole struct). */
#define CLV_OPTS_MIN_SIZE sizeof(cva_clv_opts)

static const cva_clv_opts clv_defaults = {
    .struct_size = sizeof(cva_clv_opts),
    .steps = 12,
    .step_length = 30.0 / 7.0,
    .discount = 0.01,
    .margin = 1.0,
};

cva_status cva_clv_opts_init_defaults(cva_clv_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < CLV_OPTS_MIN_SIZE || struct_size > sizeof(cva_clv_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &clv_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

static int is_btyd(int32_t model)
{
    return model == CVA_MODEL_BGNBD || model == CVA_MODEL_MBGNBD || model == CVA_MODEL_PNBD ||
           model == CVA_MODEL_BGBB;
}

/* Re-report a callee's diagnostics with cva_clv's argument numbers and row offset. */
static cva_status relay(cva_diag *diag, const cva_diag *loc, cva_status st, size_t offset, const int32_t *argmap,
                        int n_map)
{
    int32_t arg = (loc->arg >= 1 && loc->arg <= n_map) ? argmap[loc->arg - 1] : 0;
    int64_t idx = loc->index >= 0 ? loc->index + (int64_t)offset : -1;
    return cva__report(diag, st, arg, 0, idx, loc->count, loc->detail);
}

/* cva_model_p_alive / cva_model_expected argument positions → cva_clv's */
static const int32_t MODEL_ARGS[9] = {1, 2, 0, 4, 5, 6, 0, 0, 0};
/* cva_gg_expected_spend: params, x, m_x → gg_params, x, m_x */
static const int32_t GG_ARGS[7] = {3, 4, 7, 0, 0, 0, 0};

cva_status cva_clv(int32_t model, const double *params, const double *gg_params, const double *x,
                   const double *t_x, const double *T, const double *m_x, size_t n, const cva_clv_opts *opts,
                   double *out, cva_diag *diag)
{
    cva_clv_opts o = clv_defaults;
    cva_status st, warn = CVA_OK;
    cva_diag loc;
    double pa[CHUNK], em[CHUNK], prev[CHUNK], cur[CHUNK], acc[CHUNK];
    unsigned char done[CHUNK];
    size_t off, len, k;
    int32_t steps;
    int i;

    if (!is_btyd(model))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model must be a BTYD purchase model");
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 2, 0, -1, 0, "params is NULL");
    if (!gg_params)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "gg_params is NULL");
    if (opts) {
        st = cva__copy_sized(&o, sizeof o, opts, CLV_OPTS_MIN_SIZE);
        if (st < 0)
            return cva__report(diag, st, 9, 0, -1, 0, "opts->struct_size: use cva_clv_opts_init_defaults()");
    }
    if (o.steps < 0)
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_STEPS, -1, 0, "steps must be >= 0 (0: adaptive)");
    if (!isfinite(o.step_length) || !(o.step_length > 0.0))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_STEP_LENGTH, -1, 0, "step_length must be > 0");
    if (!isfinite(o.discount) || !(o.discount > -1.0))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_DISCOUNT, -1, 0, "discount must be > -1");
    if (!isfinite(o.margin))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_MARGIN, -1, 0, "margin must be finite");
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    if (!x || !t_x || !T || !m_x || !out)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : !t_x ? 5 : !T ? 6 : !m_x ? 7 : 10, 0, -1, 0,
                           "NULL data or output array");
    steps = o.steps > 0 ? o.steps : ADAPTIVE_MAX_STEPS;

    /* pass 1: let the models validate every row before anything is written */
    for (off = 0; off < n; off += len) {
        len = n - off < CHUNK ? n - off : CHUNK;
        cva_diag_init(&loc, sizeof loc);
        st = cva_model_p_alive(model, params, 0.0, x + off, t_x + off, T + off, len, pa, &loc);
        if (st < 0)
            return relay(diag, &loc, st, off, MODEL_ARGS, 9);
        cva_diag_init(&loc, sizeof loc);
        st = cva_gg_expected_spend(gg_params, x + off, m_x + off, len, em, NULL, &loc);
        if (st < 0)
            return relay(diag, &loc, st, off, GG_ARGS, 7);
    }

    /* pass 2 */
    for (off = 0; off < n; off += len) {
        size_t active;
        len = n - off < CHUNK ? n - off : CHUNK;
        cva_diag_init(&loc, sizeof loc);
        st = cva_gg_expected_spend(gg_params, x + off, m_x + off, len, em, NULL, &loc);
        if (st < 0)
            return relay(diag, &loc, st, off, GG_ARGS, 7);
        for (k = 0; k < len; k++) {
            prev[k] = 0.0;
            acc[k] = 0.0;
            done[k] = 0;
            em[k] *= o.margin;
        }
        active = len;
        for (i = 1; i <= steps && active > 0; i++) {
            double disc = pow(1.0 + o.discount, -(double)i);
            cva_diag_init(&loc, sizeof loc);
            st = cva_model_expected(model, params, (double)i * o.step_length, x + off, t_x + off, T + off, len, cur,
                                    &loc);
            if (st < 0)
                return relay(diag, &loc, st, off, MODEL_ARGS, 9);
            if (st > 0)
                warn = st;
            for (k = 0; k < len; k++) {
                double term;
                if (done[k])
                    continue;
                term = em[k] * (cur[k] - prev[k]) * disc;
                acc[k] += term;
                prev[k] = cur[k];
                if (o.steps == 0 && fabs(term) <= ADAPTIVE_RTOL * fabs(acc[k])) {
                    done[k] = 1;
                    active--;
                }
            }
        }
        if (o.steps == 0 && active > 0 && warn == CVA_OK)
            warn = CVA_W_SERIES_LIMIT; /* some customer still had a relevant term at step 1200 */
        for (k = 0; k < len; k++)
            out[off + k] = acc[k];
    }
    return cva__report(diag, warn, 0, 0, -1, 0, NULL);
}
