/*
 * libcva — distributed fits: the log-likelihood of a block of rows (merged per block)
 * and a fit whose objective the caller supplies (the sum of the blocks of a cluster).
 *
 * cva_model_loglik_block() validates the rows as the fits do, merges identical rows
 * (sorted by x, T, t_x as models.c does), scales time by the caller's time_scale and
 * calls the model's own likelihood (the per-model tables of churn_internal.h, or
 * cva__gg_ll), so each block's terms are those of the single-process fit.
 * cva_model_fit_loglik() sets up the problem exactly as cva_model_fit_btyd() and
 * cva_gg_fit() do (start, s_T = the largest T, lower bounds, Σ w) and runs the shared
 * MLE driver cva__fit_mle() on the caller's objective.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "churn_internal.h"

cva_status cva_loglik_block_init(cva_loglik_block *block, size_t struct_size)
{
    if (!block)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_loglik_block))
        return CVA_E_ABI_MISMATCH;
    memset(block, 0, sizeof *block);
    block->struct_size = (uint32_t)struct_size;
    block->max_T = -CVA_INF;
    return CVA_OK;
}

static int block_ok(const cva_loglik_block *b)
{
    return b->struct_size == sizeof(cva_loglik_block);
}

cva_status cva_loglik_block_add(cva_loglik_block *dst, const cva_loglik_block *src, cva_diag *diag)
{
    int i;
    if (!dst || !src)
        return cva__report(diag, CVA_E_NULLPTR, !dst ? 1 : 2, 0, -1, 0, "block is NULL");
    if (!block_ok(dst) || !block_ok(src))
        return cva__report(diag, CVA_E_ABI_MISMATCH, !block_ok(dst) ? 1 : 2, 0, -1, 0,
                           "call cva_loglik_block_init first");
    if (dst->model != 0 && src->model != 0 && dst->model != src->model)
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "blocks of different models");
    if (dst->model == 0)
        dst->model = src->model;
    dst->ll_sum += src->ll_sum;
    for (i = 0; i < 4; i++)
        dst->grad[i] += src->grad[i];
    dst->weight_total += src->weight_total;
    if (src->max_T > dst->max_T)
        dst->max_T = src->max_T;
    dst->n_rows += src->n_rows;
    dst->n_distinct += src->n_distinct;
    dst->n_no_purchase += src->n_no_purchase;
    dst->n_ignored += src->n_ignored;
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ---------------------------------------------------------------- block */

typedef struct row3 {
    double x, T, tx, w;
} row3;

static int row3_cmp(const void *pa, const void *pb)
{
    const row3 *a = (const row3 *)pa, *b = (const row3 *)pb;
    return cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx);
}

static int is_int(double v)
{
    if (!(fabs(v) < 9007199254740992.0))
        return isfinite(v);
    return (double)(int64_t)v >= v && (double)(int64_t)v <= v;
}

/* the row checks of models.c (validate_rows_slow) for a row with a purchase */
static cva_status check_btyd_row(int32_t model, double xi, double ti, double Ti, const double *w, size_t i,
                                 cva_diag *diag)
{
    const int discrete = model == CVA_MODEL_BGBB;
    if (!isfinite(xi))
        return cva__report(diag, CVA_E_NONFINITE, 4, 0, (int64_t)i, 0, "x is not finite");
    if (!isfinite(ti))
        return cva__report(diag, CVA_E_NONFINITE, 5, 0, (int64_t)i, 0, "t_x is not finite");
    if (!isfinite(Ti))
        return cva__report(diag, CVA_E_NONFINITE, 6, 0, (int64_t)i, 0, "T is not finite");
    if (w && !isfinite(w[i]))
        return cva__report(diag, CVA_E_NONFINITE, 7, 0, (int64_t)i, 0, "weight is not finite");
    if (!(xi >= 0.0) || !is_int(xi))
        return cva__report(diag, CVA_E_BADARG, 4, 0, (int64_t)i, 0, "x must be an integer >= 0");
    if (!(ti >= 0.0) || !(ti <= Ti))
        return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0, "need 0 <= t_x <= T");
    if (xi <= 0.0 && ti > 0.0)
        return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0, "x = 0 requires t_x = 0");
    if (!discrete && xi > 0.0 && !(ti > 0.0))
        return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0,
                           "x > 0 requires t_x > 0 (a repeat purchase cannot fall at the first one)");
    if (discrete && (!is_int(ti) || !is_int(Ti) || xi > ti))
        return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0,
                           "BG/BB needs integer t_x and n with x <= t_x <= n");
    if (discrete && cva__bgbb_row_too_long(ti, Ti))
        return cva__report(diag, CVA_E_BADARG, 6, 0, (int64_t)i, 0,
                           "BG/BB: n above 1e9 or n - t_x above 1e6 opportunities");
    if (w && !(w[i] > 0.0))
        return cva__report(diag, CVA_E_BADARG, 7, 0, (int64_t)i, 0, "weights must be > 0");
    return CVA_OK;
}

/* the row checks of gg.c (check_rows); *use: 1 if the row enters the likelihood */
static cva_status check_gg_row(double xi, double mi, const double *w, size_t i, cva_diag *diag, int *use)
{
    if (!isfinite(xi))
        return cva__report(diag, CVA_E_NONFINITE, 4, 0, (int64_t)i, 0, "x is not finite");
    if (!isfinite(mi))
        return cva__report(diag, CVA_E_NONFINITE, 5, 0, (int64_t)i, 0, "m_x is not finite");
    if (w && !isfinite(w[i]))
        return cva__report(diag, CVA_E_NONFINITE, 7, 0, (int64_t)i, 0, "weight is not finite");
    if (w && !(w[i] > 0.0))
        return cva__report(diag, CVA_E_BADARG, 7, 0, (int64_t)i, 0, "weights must be > 0");
    *use = xi >= 1.0 && mi > 0.0;
    return CVA_OK;
}

cva_status cva_model_loglik_block(int32_t model, const double *params, double time_scale, const double *x,
                                  const double *t_x, const double *T, const double *weight, size_t n,
                                  const cva_allocator *alloc, cva_loglik_block *out, cva_diag *diag)
{
    const int gg = model == CVA_MODEL_GG;
    const cva__btyd_model *m = gg ? NULL : cva__btyd_table(model);
    cva_loglik_block b;
    row3 *rows = NULL;
    double *col = NULL;
    cva__ksum W = {0.0, 0.0};
    size_t i, nr = 0, nd = 0;
    int np, k;
    cva_status st = CVA_OK;

    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 10, 0, -1, 0, "out is NULL");
    if (!block_ok(out))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 10, 0, -1, 0, "out: call cva_loglik_block_init first");
    if (!gg && (!m || !m->ll))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model is not a BTYD model with a likelihood "
                                                          "or Gamma-Gamma");
    if (!gg && m->n_params > 4) /* cva_loglik_block holds four gradient values */
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "not available for this model (five parameters)");
    if (!(time_scale > 0.0) || !isfinite(time_scale) || (gg && !(time_scale >= 1.0 && time_scale <= 1.0)))
        return cva__report(diag, CVA_E_OPTION, 3, CVA_OPT_LOGLIK_TIME_SCALE, -1, 0,
                           "time_scale must be finite and > 0 (1 for Gamma-Gamma)");
    np = gg ? 3 : m->n_params;
    if (params)
        for (k = 0; k < np; k++)
            if (!(params[k] > 0.0) || !isfinite(params[k]))
                return cva__report(diag, CVA_E_DOMAIN, 2, 0, k, 0, "parameters must be finite and > 0");
    if (n > 0 && (!x || !t_x || (!gg && !T)))
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : (!t_x ? 5 : 6), 0, -1, 0, "data array is NULL");
    cva_loglik_block_init(&b, sizeof b);
    b.model = model;

    /* pass 1: validate, count, Σ w and the largest T */
    for (i = 0; i < n; i++) {
        const double Ti = gg ? 0.0 : T[i];
        int use = 1;
        if (isnan(x[i]) && isnan(t_x[i]) && (gg || isnan(Ti))) {
            b.n_no_purchase++;
            continue;
        }
        st = gg ? check_gg_row(x[i], t_x[i], weight, i, diag, &use) : check_btyd_row(model, x[i], t_x[i], Ti,
                                                                                   weight, i, diag);
        if (st != CVA_OK)
            return st;
        if (!use)
            continue;
        nr++;
        if (!gg && Ti > b.max_T)
            b.max_T = Ti;
    }
    b.n_rows = nr;
    b.n_ignored = (uint64_t)(n - nr);
    if (nr == 0) {
        *out = b;
        return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    }

    /* pass 2: the rows that enter, sorted and merged */
    rows = (row3 *)cva__alloc(alloc, nr * sizeof *rows);
    col = (double *)cva__alloc(alloc, 4 * nr * sizeof *col);
    if (!rows || !col) {
        cva__free(alloc, rows);
        cva__free(alloc, col);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    for (i = 0; i < n; i++) {
        const double Ti = gg ? 0.0 : T[i];
        if (isnan(x[i]) && isnan(t_x[i]) && (gg || isnan(Ti)))
            continue;
        if (gg && !(x[i] >= 1.0 && t_x[i] > 0.0))
            continue;
        rows[nd].x = x[i] + 0.0;
        rows[nd].tx = t_x[i] + 0.0;
        rows[nd].T = Ti + 0.0;
        rows[nd].w = weight ? weight[i] : 1.0;
        nd++;
    }
    qsort(rows, nr, sizeof *rows, row3_cmp);
    nd = 0;
    for (i = 0; i < nr; i++) {
        cva__ksum_add(&W, rows[i].w);
        if (nd > 0 && row3_cmp(&rows[nd - 1], &rows[i]) == 0) {
            rows[nd - 1].w += rows[i].w;
        } else {
            rows[nd] = rows[i];
            nd++;
        }
    }
    b.n_distinct = nd;
    b.weight_total = cva__ksum_value(&W);
    if (params) {
        double *cx = col, *ctx = col + nd, *cT = col + 2 * nd, *cw = col + 3 * nd;
        double g[4] = {0.0, 0.0, 0.0, 0.0}, s;
        for (i = 0; i < nd; i++) {
            cx[i] = rows[i].x;
            ctx[i] = gg ? rows[i].tx : rows[i].tx / time_scale;
            cT[i] = rows[i].T / time_scale;
            cw[i] = rows[i].w;
        }
        if (gg) {
            s = cva__gg_ll(params, cx, ctx, cw, nd, g, NULL);
        } else {
            cva__btyd_rows r;
            r.x = cx;
            r.t_x = ctx;
            r.T = cT;
            r.w = cw;
            r.n = nd;
            s = m->ll(params, &r, g, NULL);
        }
        if (!isfinite(s))
            st = cva__report(diag, CVA_E_DOMAIN, 2, 0, -1, 0, "likelihood not finite at these parameters");
        b.ll_sum = s;
        for (k = 0; k < np; k++)
            b.grad[k] = g[k];
    }
    cva__free(alloc, rows);
    cva__free(alloc, col);
    if (st != CVA_OK)
        return st;
    *out = b;
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ---------------------------------------------------------------- fit */

typedef struct loglik_ctx {
    cva_loglik_fn fn;
    void *user;
    double time_scale;
    int n_params;
    cva_status err;          /* first error fn returned */
    cva_progress_fn progress; /* the caller's */
    void *progress_user;
} loglik_ctx;

static double fit_ll(void *data, const double *p, double *grad)
{
    loglik_ctx *c = (loglik_ctx *)data;
    double s = CVA_NAN, g[4] = {0.0, 0.0, 0.0, 0.0};
    cva_status st;
    int i;
    if (c->err < 0)
        return CVA_NAN;
    st = c->fn(c->user, p, c->time_scale, &s, g);
    if (st < 0) {
        c->err = st;
        return CVA_NAN;
    }
    if (grad)
        for (i = 0; i < c->n_params; i++)
            grad[i] = g[i];
    return s;
}

/* stops the optimiser once fn failed; otherwise the caller's progress callback */
static int fit_progress(void *user, size_t iteration, double objective)
{
    const loglik_ctx *c = (const loglik_ctx *)user;
    if (c->err < 0)
        return 1;
    return c->progress ? c->progress(c->progress_user, iteration, objective) : 0;
}

cva_status cva_model_fit_loglik(int32_t model, cva_loglik_fn fn, void *user, const cva_loglik_block *totals,
                                const cva_fit_opts *opts, cva_model_fit *fit, cva_diag *diag)
{
    static const double lower_q1[3] = {0.0, 1.0, 0.0};
    static const double gg_start[3] = {1.0, 1.0, 1.0};
    static const int no_time[4] = {0, 0, 0, 0};
    const int gg = model == CVA_MODEL_GG;
    const cva__btyd_model *m = gg ? NULL : cva__btyd_table(model);
    cva_fit_opts o;
    cva_model_fit res;
    cva__mle_problem pb;
    loglik_ctx ctx;
    double start[4], s_T = 1.0;
    uint64_t iters = 0, n_skip;
    const int *scale_time;
    int i, np, any_time = 0;
    cva_status st;

    if (!fn || !totals || !fit)
        return cva__report(diag, CVA_E_NULLPTR, !fn ? 2 : (!totals ? 4 : 6), 0, -1, 0, "argument is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 6, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (!block_ok(totals))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 4, 0, -1, 0, "totals: call cva_loglik_block_init first");
    if (!gg && (!m || !m->ll))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model is not a BTYD model with a likelihood "
                                                          "or Gamma-Gamma");
    if (!gg && m->n_params > 4) /* cva_loglik_block holds four gradient values */
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "not available for this model (five parameters)");
    if (totals->model != 0 && totals->model != model)
        return cva__report(diag, CVA_E_BADARG, 4, 0, -1, 0, "totals are of another model");
    np = gg ? 3 : m->n_params;
    scale_time = gg ? no_time : m->scale_time;
    st = cva__fit_opts_get(opts, np, &o, diag, 5);
    if (st != CVA_OK)
        return st;
    n_skip = gg ? totals->n_ignored : totals->n_no_purchase;
    if (totals->n_rows == 0)
        return cva__report(diag, CVA_W_EMPTY, 4, 0, -1, n_skip, gg ? "no row with x >= 1 and m_x > 0" : NULL);
    if (!(totals->weight_total > 0.0) || !isfinite(totals->weight_total) ||
        (!gg && !isfinite(totals->max_T)))
        return cva__report(diag, CVA_E_OPTION, 4, CVA_OPT_LOGLIK_TOTALS, -1, 0,
                           "totals: weight_total must be finite and > 0 and max_T finite");

    for (i = 0; i < np; i++)
        any_time |= scale_time[i];
    if (any_time) {
        s_T = totals->max_T;
        if (!(s_T > 0.0))
            s_T = 1.0;
    }
    for (i = 0; i < np; i++) {
        if (gg)
            start[i] = o.start ? o.start[i] : gg_start[i];
        else
            start[i] = o.start ? o.start[i] / (scale_time[i] ? s_T : 1.0) : m->start[i];
    }
    if (gg && o.q_above_one && !(start[1] > 1.0))
        start[1] = 2.0;

    memset(&ctx, 0, sizeof ctx);
    ctx.fn = fn;
    ctx.user = user;
    ctx.time_scale = s_T;
    ctx.n_params = np;
    ctx.err = CVA_OK;
    ctx.progress = o.progress;
    ctx.progress_user = o.progress_user;
    o.progress = fit_progress;
    o.progress_user = &ctx;

    memset(&pb, 0, sizeof pb);
    pb.n_params = np;
    pb.model = model;
    pb.scale_time = gg ? NULL : scale_time;
    pb.time_scale = s_T;
    pb.lower = gg && o.q_above_one ? lower_q1 : NULL;
    pb.weight_total = totals->weight_total;
    pb.start = start;
    pb.ll = fit_ll;
    pb.data = &ctx;
    memset(&res, 0, sizeof res);
    st = cva__fit_mle(&pb, &o, &res, &iters);
    if (ctx.err < 0)
        return cva__report(diag, ctx.err, 2, 0, -1, iters, "the objective callback failed");
    if (st >= 0 && !gg) {
        /* the log-likelihood in the caller's time unit, as cva_model_fit_btyd() */
        ctx.time_scale = 1.0;
        res.log_likelihood = fit_ll(&ctx, res.params, NULL);
        if (ctx.err < 0)
            return cva__report(diag, ctx.err, 2, 0, -1, iters, "the objective callback failed");
    }
    if (st >= 0) {
        res.n_rows = totals->n_distinct;
        cva__fit_store(fit, &res);
    }
    if (st == CVA_E_NOCONVERGE)
        return cva__report(diag, st, 0, 0, -1, iters, "the objective is not finite at the start or at the estimate");
    if (st < 0)
        return cva__report(diag, st, 0, 0, -1, iters, NULL);
    if (gg) {
        if (st == CVA_OK && totals->n_no_purchase > 0)
            return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, n_skip,
                               "rows without a purchase (NaN x) and rows with x < 1 or m_x <= 0 were ignored");
        return cva__report(diag, st, 0, 0, -1, n_skip, n_skip ? "rows with x < 1 or m_x <= 0 were ignored" : NULL);
    }
    if (n_skip > 0)
        return cva__report(diag, st == CVA_OK ? CVA_W_EXCLUDED : st, 0, 0, -1, n_skip,
                           st == CVA_OK ? "rows without a purchase (NaN x, t_x and T) were skipped: their outputs "
                                          "are NaN (diag->count rows)"
                                        : NULL);
    return cva__report(diag, st, 0, 0, -1, iters, NULL);
}
