/*
 * Distributed fits (lib/fit_dist.c): cva_model_loglik_block() on blocks of rows and
 * cva_model_fit_loglik() driven by an objective that adds the blocks up, against the
 * single-process fits cva_model_fit_btyd() / cva_gg_fit() on the same rows (simulated
 * customers, with rows without a purchase, an empty block and a one-row block):
 * parameters, log-likelihood and standard errors within 1e-9 relative, same status and
 * diag->count. The block sums against cva_model_loglik() (no merge) and the checks.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#define CVA_NAN ((double)NAN)

enum { N = 4000, NB = 5 };

/* The blocks add the per-customer terms in another order than the single-process sum, so
   the optimiser takes a path that differs by rounding and stops (its f_tol and gradient
   rules) at another point of the same basin: parameters agree to the optimiser's
   tolerance, not to the last bit (the exact route is the merged-rows fit, see
   python/cva/dask.py). Measured here: BG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma <= 6e-13,
   MBG/NBD and NBD 9e-8 (both stopped by the f_tol rule); standard errors <= 1.3e-7. */
#define PARAM_RTOL 1e-6
#define SE_RTOL 1e-5

static double X[N], TX[N], TT[N], MX[N], W[N];
/* block b holds rows [cut[b], cut[b+1]): block 1 is empty, block 2 one row */
static const size_t CUT[NB + 1] = {0, 1500, 1500, 1501, 2900, N};

typedef struct blocks {
    int32_t model;
    const double *w;
    int calls;
} blocks;

static cva_status sum_blocks(void *user, const double *params, double time_scale, double *ll_sum, double *grad)
{
    blocks *bs = (blocks *)user;
    cva_loglik_block tot, b;
    int k;
    bs->calls++;
    assert_status(cva_loglik_block_init(&tot, sizeof tot), CVA_OK);
    for (k = 0; k < NB; k++) {
        const size_t a = CUT[k], n = CUT[k + 1] - CUT[k];
        cva_status st;
        assert_status(cva_loglik_block_init(&b, sizeof b), CVA_OK);
        st = cva_model_loglik_block(bs->model, params, time_scale, X + a, bs->model == CVA_MODEL_GG ? MX + a : TX + a,
                                    bs->model == CVA_MODEL_GG ? NULL : TT + a, bs->w ? bs->w + a : NULL, n, NULL,
                                    &b, NULL);
        if (st == CVA_E_DOMAIN) { /* outside the domain: the optimiser steps back */
            *ll_sum = CVA_NAN;
            return CVA_OK;
        }
        assert_int_equal(st, CVA_OK);
        assert_status(cva_loglik_block_add(&tot, &b, NULL), CVA_OK);
    }
    *ll_sum = tot.ll_sum;
    for (k = 0; k < 4; k++)
        grad[k] = tot.grad[k];
    return CVA_OK;
}

static void totals_of(int32_t model, const double *w, cva_loglik_block *tot)
{
    int k;
    assert_status(cva_loglik_block_init(tot, sizeof *tot), CVA_OK);
    for (k = 0; k < NB; k++) {
        cva_loglik_block b;
        const size_t a = CUT[k], n = CUT[k + 1] - CUT[k];
        assert_status(cva_loglik_block_init(&b, sizeof b), CVA_OK);
        assert_status(cva_model_loglik_block(model, NULL, 1.0, X + a, model == CVA_MODEL_GG ? MX + a : TX + a,
                                             model == CVA_MODEL_GG ? NULL : TT + a, w ? w + a : NULL, n, NULL, &b,
                                             NULL),
                      CVA_OK);
        assert_status(cva_loglik_block_add(tot, &b, NULL), CVA_OK);
    }
}

static void make_data(int32_t model)
{
    static const double pb[4] = {0.25, 4.0, 0.8, 2.5}, pp[4] = {0.55, 10.6, 0.61, 11.7};
    static const double pbb[4] = {1.2, 0.75, 0.66, 2.8}, pg[3] = {6.25, 3.74, 15.44};
    size_t i;
    for (i = 0; i < N; i++) {
        TT[i] = model == CVA_MODEL_BGBB ? (double)(6 - (int)(i % 3)) : 20.0 + (double)(i % 53) * 0.5;
        W[i] = 1.0 + (double)(i % 3);
    }
    assert_status(cva_sim_btyd((model == CVA_MODEL_GG || model == CVA_MODEL_NBD) ? CVA_MODEL_BGNBD : model,
                               model == CVA_MODEL_PNBD ? pp : (model == CVA_MODEL_BGBB ? pbb : pb), TT, N, 7, X, TX,
                               NULL),
                  CVA_OK);
    if (model == CVA_MODEL_BGBB) /* BG/BB's t_x is the period of the last transaction */
        for (i = 0; i < N; i++)
            if (X[i] > 0 && TX[i] < X[i])
                TX[i] = X[i];
    assert_status(cva_sim_gg(pg, X, N, 11, MX, NULL), CVA_OK);
    /* customers without a purchase, among them the one-row block */
    for (i = 0; i < N; i += 97) {
        X[i] = TX[i] = TT[i] = MX[i] = CVA_NAN;
    }
    X[1500] = TX[1500] = TT[1500] = MX[1500] = CVA_NAN;
}

static void same_fit(int32_t model, const double *w, int q1)
{
    cva_model_fit a, b;
    cva_diag da, db;
    cva_fit_opts o;
    cva_loglik_block tot;
    blocks bs;
    cva_status sa, sb;
    int i, np = cva_model_n_params(model);
    make_data(model);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.q_above_one = q1;
    assert_status(cva_model_fit_init(&a, sizeof a), CVA_OK);
    assert_status(cva_model_fit_init(&b, sizeof b), CVA_OK);
    cva_diag_init(&da, sizeof da);
    cva_diag_init(&db, sizeof db);
    if (model == CVA_MODEL_GG)
        sa = cva_gg_fit(X, MX, w, N, &o, &a, &da);
    else
        sa = cva_model_fit_btyd(model, X, TX, TT, w, N, &o, &a, &da);
    totals_of(model, w, &tot);
    bs.model = model;
    bs.w = w;
    bs.calls = 0;
    sb = cva_model_fit_loglik(model, sum_blocks, &bs, &tot, &o, &b, &db);
    assert_int_equal(sb, sa);
    assert_true(sa == CVA_W_EXCLUDED);
    assert_int_equal(db.count, da.count);
    assert_true(bs.calls > 5);
    assert_int_equal(b.model, model);
    assert_int_equal(b.n_params, np);
    assert_int_equal(b.converged, a.converged);
    assert_int_equal(b.boundary, a.boundary);
    for (i = 0; i < np; i++) {
        cva_assert_close(b.params[i], a.params[i], PARAM_RTOL, 0);
        cva_assert_close(b.std_err[i], a.std_err[i], SE_RTOL, 0);
    }
    cva_assert_close(b.log_likelihood, a.log_likelihood, 1e-12, 0);
    cva_assert_close(b.n_customers, a.n_customers, 0, 0);
    assert_true(b.n_rows >= a.n_rows); /* distinct per block, summed */
}

static void bgnbd(void **state)
{
    (void)state;
    same_fit(CVA_MODEL_BGNBD, NULL, 0);
    same_fit(CVA_MODEL_BGNBD, W, 0);
}

static void mbgnbd(void **state)
{
    (void)state;
    same_fit(CVA_MODEL_MBGNBD, NULL, 0);
}

static void pnbd(void **state)
{
    (void)state;
    same_fit(CVA_MODEL_PNBD, W, 0);
}

static void nbd_bgbb(void **state)
{
    (void)state;
    same_fit(CVA_MODEL_NBD, NULL, 0);
    same_fit(CVA_MODEL_BGBB, NULL, 0);
}

static void gg(void **state)
{
    (void)state;
    same_fit(CVA_MODEL_GG, NULL, 0);
    same_fit(CVA_MODEL_GG, W, 1);
}

/* a block's sum and gradient are those of cva_model_loglik() on its rows (no merging
   there), weights counting as repeated rows, and time_scale rescales t_x and T */
static void block_values(void **state)
{
    static const double p[4] = {0.3, 5.0, 0.7, 2.0};
    double ll_sum, g[4], ps[4], xs[6], txs[6], Ts[6];
    static const double x[6] = {0, 2, 2, 5, 0, 2}, tx[6] = {0, 10, 10, 18.5, 0, 10}, T[6] = {30, 30, 30, 31, 25, 30};
    static const double w[3] = {1, 3, 1}, xw[3] = {0, 2, 5}, txw[3] = {0, 10, 18.5}, Tw[3] = {25, 30, 31};
    cva_loglik_block b, c;
    int i;
    (void)state;
    assert_status(cva_model_loglik(CVA_MODEL_BGNBD, p, x, tx, T, 6, NULL, &ll_sum, g, NULL), CVA_OK);
    assert_status(cva_loglik_block_init(&b, sizeof b), CVA_OK);
    assert_true(b.max_T < 0 && isinf(b.max_T));
    assert_status(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, x, tx, T, NULL, 6, NULL, &b, NULL), CVA_OK);
    cva_assert_close(b.ll_sum, ll_sum, 1e-13, 0);
    for (i = 0; i < 4; i++)
        cva_assert_close(b.grad[i], g[i], 1e-12, 1e-14);
    assert_int_equal(b.n_rows, 6);
    assert_int_equal(b.n_distinct, 4);
    cva_assert_same(b.weight_total, 6.0);
    cva_assert_same(b.max_T, 31.0);
    /* the same customers as 4 weighted rows (one of them twice, weights 3 and 1) */
    {
        double xw4[4], txw4[4], Tw4[4], ww4[4];
        for (i = 0; i < 3; i++) {
            xw4[i] = xw[i];
            txw4[i] = txw[i];
            Tw4[i] = Tw[i];
            ww4[i] = w[i];
        }
        xw4[3] = 0;
        txw4[3] = 0;
        Tw4[3] = 30;
        ww4[3] = 1;
        assert_status(cva_loglik_block_init(&c, sizeof c), CVA_OK);
        assert_status(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, xw4, txw4, Tw4, ww4, 4, NULL, &c, NULL), CVA_OK);
        cva_assert_close(c.ll_sum, ll_sum, 1e-13, 0);
        cva_assert_same(c.weight_total, 6.0);
    }
    /* time_scale s: LL_i(params with alpha/s; t/s) = LL_i(params; t) − x ln s (BG/NBD density in time) */
    for (i = 0; i < 6; i++) {
        xs[i] = x[i];
        txs[i] = tx[i];
        Ts[i] = T[i];
    }
    memcpy(ps, p, sizeof ps);
    ps[1] = p[1] / 10.0;
    assert_status(cva_loglik_block_init(&c, sizeof c), CVA_OK);
    assert_status(cva_model_loglik_block(CVA_MODEL_BGNBD, ps, 10.0, xs, txs, Ts, NULL, 6, NULL, &c, NULL), CVA_OK);
    cva_assert_close(c.ll_sum, ll_sum + 11.0 * log(10.0), 1e-12, 0);
    /* add: sums, max */
    assert_status(cva_loglik_block_add(&b, &c, NULL), CVA_OK);
    assert_int_equal(b.n_rows, 12);
    cva_assert_same(b.weight_total, 12.0);
}

static void errors(void **state)
{
    static const double p[4] = {0.3, 5.0, 0.7, 2.0}, bad[4] = {0.3, -5.0, 0.7, 2.0};
    static const double x[3] = {0, 2, 1.5}, tx[3] = {0, 10, 3}, T[3] = {30, 30, 30};
    static double xn[2] = {0, 1}, txn[2] = {0, 3}, Tn[2] = {30, 30};
    cva_loglik_block b, g;
    cva_model_fit f;
    cva_diag d;
    (void)state;
    txn[0] = CVA_NAN;
    cva_diag_init(&d, sizeof d);
    assert_int_equal(cva_sizeof(CVA_STRUCT_LOGLIK_BLOCK), sizeof(cva_loglik_block));
    assert_int_equal(cva_loglik_block_init(NULL, sizeof b), CVA_E_NULLPTR);
    assert_int_equal(cva_loglik_block_init(&b, sizeof b - 8), CVA_E_ABI_MISMATCH);
    assert_status(cva_loglik_block_init(&b, sizeof b), CVA_OK);
    assert_int_equal(cva_model_loglik_block(99, p, 1.0, x, tx, T, NULL, 2, NULL, &b, &d), CVA_E_BADARG);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_SBG, p, 1.0, x, tx, T, NULL, 2, NULL, &b, &d), CVA_E_BADARG);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 0.0, x, tx, T, NULL, 2, NULL, &b, &d),
                     CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_LOGLIK_TIME_SCALE);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_GG, p, 2.0, x, tx, NULL, NULL, 2, NULL, &b, &d),
                     CVA_E_OPTION);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, bad, 1.0, x, tx, T, NULL, 2, NULL, &b, &d),
                     CVA_E_DOMAIN);
    assert_int_equal(d.index, 1);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, x, tx, T, NULL, 3, NULL, &b, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 2);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, xn, txn, Tn, NULL, 2, NULL, &b, &d),
                     CVA_E_NONFINITE);
    assert_int_equal(d.index, 0);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, NULL, tx, T, NULL, 2, NULL, &b, &d),
                     CVA_E_NULLPTR);
    assert_int_equal(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, x, tx, T, NULL, 2, NULL, NULL, &d),
                     CVA_E_NULLPTR);
    /* an empty block: nothing enters */
    assert_status(cva_model_loglik_block(CVA_MODEL_BGNBD, p, 1.0, NULL, NULL, NULL, NULL, 0, NULL, &b, &d), CVA_OK);
    assert_int_equal(b.n_rows, 0);
    assert_true(isinf(b.max_T));
    /* blocks of different models do not add */
    assert_status(cva_loglik_block_init(&g, sizeof g), CVA_OK);
    assert_status(cva_model_loglik_block(CVA_MODEL_GG, NULL, 1.0, x, tx, NULL, NULL, 2, NULL, &g, &d), CVA_OK);
    assert_int_equal(g.n_rows, 1);
    assert_int_equal(g.n_ignored, 1);
    assert_int_equal(cva_loglik_block_add(&g, &b, &d), CVA_E_BADARG);
    /* the fit: empty totals, another model's totals, NULLs */
    assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
    assert_int_equal(cva_model_fit_loglik(CVA_MODEL_BGNBD, sum_blocks, NULL, &b, NULL, &f, &d), CVA_W_EMPTY);
    assert_int_equal(cva_model_fit_loglik(CVA_MODEL_BGNBD, sum_blocks, NULL, &g, NULL, &f, &d), CVA_E_BADARG);
    assert_int_equal(cva_model_fit_loglik(CVA_MODEL_BGNBD, NULL, NULL, &b, NULL, &f, &d), CVA_E_NULLPTR);
    g.weight_total = CVA_NAN;
    assert_int_equal(cva_model_fit_loglik(CVA_MODEL_GG, sum_blocks, NULL, &g, NULL, &f, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_LOGLIK_TOTALS);
}

static cva_status failing(void *user, const double *params, double time_scale, double *ll_sum, double *grad)
{
    int *calls = (int *)user;
    (void)params;
    (void)time_scale;
    (void)grad;
    *ll_sum = -1.0;
    grad[0] = grad[1] = grad[2] = grad[3] = 0.0;
    return ++*calls >= 3 ? CVA_E_CANCELED : CVA_OK;
}

/* an objective that fails (a lost worker) stops the fit with its status */
static void callback_error(void **state)
{
    cva_loglik_block tot;
    cva_model_fit f;
    cva_diag d;
    int calls = 0;
    (void)state;
    make_data(CVA_MODEL_BGNBD);
    totals_of(CVA_MODEL_BGNBD, NULL, &tot);
    assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
    cva_diag_init(&d, sizeof d);
    assert_int_equal(cva_model_fit_loglik(CVA_MODEL_BGNBD, failing, &calls, &tot, NULL, &f, &d), CVA_E_CANCELED);
    assert_int_equal(calls, 3);
    assert_int_equal(f.n_params, 0); /* untouched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_values), cmocka_unit_test(errors),   cmocka_unit_test(callback_error),
        cmocka_unit_test(bgnbd),        cmocka_unit_test(mbgnbd),   cmocka_unit_test(pnbd),
        cmocka_unit_test(nbd_bgbb),     cmocka_unit_test(gg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
