/*
 * Fitting driver and public entry points of the churn models: options and
 * struct contracts, CDNOW fits to the published digits (BG/NBD, MBG/NBD,
 * Gamma-Gamma), row merging, standard errors, bad input, cancel, and
 * parameter recovery on simulated customers.
 * CDNOW parts need CVA_DATA_DIR: they skip (exit 77, "SKIP: reference data not
 * found") when it is missing and fail instead when CVA_REQUIRE_DATA=1.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

enum { NCUST = 2357 };

static char g_dir[1024];
static int g_have_data;

/* CDNOW from the published summary CSV (rounded to 2 decimals) */
static double c_x[NCUST], c_tx[NCUST], c_T[NCUST], c_m[NCUST];
/* CDNOW from the transaction log with cva_txn_summarize */
static double s_x[NCUST + 1], s_tx[NCUST + 1], s_T[NCUST + 1], s_m[NCUST + 1];

static int load_csv(void)
{
    char path[1200], line[256];
    FILE *f;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/cdnow_customers_summary_with_transactions.csv", g_dir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof line, f) && n < NCUST) {
        long id;
        if (sscanf(line, "%ld,%lf,%lf,%lf,%lf", &id, &c_x[n], &c_tx[n], &c_T[n], &c_m[n]) == 5)
            n++;
    }
    fclose(f);
    return n == NCUST;
}

static int load_log(void)
{
    return cva_test_cdnow_summary(g_dir, s_x, s_tx, s_T, s_m);
}

static double round_to(double v, int digits)
{
    double s = pow(10.0, digits);
    return floor(v * s + 0.5) / s;
}

/* ----------------------------------------------------------------- contracts */

static void opts_and_structs(void **state)
{
    cva_fit_opts o;
    cva_model_fit fit;
    (void)state;
    assert_status(cva_fit_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o + 8), CVA_E_ABI_MISMATCH);
    assert_status(cva_fit_opts_init_defaults(&o, 4), CVA_E_ABI_MISMATCH);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_int_equal(o.max_iter, 1000);
    assert_int_equal(o.merge_rows, 1);
    assert_int_equal(o.q_above_one, 0);
    cva_assert_same(o.grad_tol, 1e-9);
    cva_assert_same(o.f_tol, 1e-14);
    cva_assert_same(o.penalty, 0.0);
    assert_null(o.start);
    assert_status(cva_model_fit_init(NULL, sizeof fit), CVA_E_NULLPTR);
    assert_status(cva_model_fit_init(&fit, sizeof fit - 4), CVA_E_ABI_MISMATCH);
    assert_status(cva_model_fit_init(&fit, sizeof fit + 8), CVA_E_ABI_MISMATCH);
    /* the size before the boundary fields were appended stays accepted */
    assert_status(cva_model_fit_init(&fit, offsetof(cva_model_fit, boundary)), CVA_OK);
    assert_int_equal(fit.struct_size, offsetof(cva_model_fit, boundary));
    assert_status(cva_model_fit_init(&fit, sizeof fit), CVA_OK);
    assert_int_equal(fit.struct_size, sizeof fit);
    assert_int_equal(cva_sizeof(CVA_STRUCT_FIT_OPTS), sizeof o);
    assert_int_equal(cva_sizeof(CVA_STRUCT_MODEL_FIT), sizeof fit);

    assert_int_equal(cva_model_n_params(CVA_MODEL_BGNBD), 4);
    assert_int_equal(cva_model_n_params(CVA_MODEL_MBGNBD), 4);
    assert_int_equal(cva_model_n_params(CVA_MODEL_PNBD), 4);
    assert_int_equal(cva_model_n_params(CVA_MODEL_BGBB), 4);
    assert_int_equal(cva_model_n_params(CVA_MODEL_GG), 3);
    assert_int_equal(cva_model_n_params(CVA_MODEL_SBG), 2);
    assert_int_equal(cva_model_n_params(99), 0);
    assert_string_equal(cva_model_param_name(CVA_MODEL_BGNBD, 0), "r");
    assert_string_equal(cva_model_param_name(CVA_MODEL_BGNBD, 1), "alpha");
    assert_string_equal(cva_model_param_name(CVA_MODEL_MBGNBD, 3), "b");
    assert_string_equal(cva_model_param_name(CVA_MODEL_PNBD, 2), "s");
    assert_string_equal(cva_model_param_name(CVA_MODEL_PNBD, 3), "beta");
    assert_string_equal(cva_model_param_name(CVA_MODEL_BGBB, 3), "delta");
    assert_string_equal(cva_model_param_name(CVA_MODEL_GG, 2), "gamma");
    assert_string_equal(cva_model_param_name(CVA_MODEL_SBG, 1), "beta");
    assert_string_equal(cva_model_param_name(CVA_MODEL_SBG, 2), "");
    assert_string_equal(cva_model_param_name(CVA_MODEL_GG, -1), "");
    assert_string_equal(cva_model_param_name(0, 0), "");
}

/* small synthetic data set used by the contract tests */
static const double X8[8] = {0, 1, 2, 0, 5, 1, 3, 2};
static const double TX8[8] = {0, 2.5, 10, 0, 30, 7, 20, 12};
static const double T8[8] = {40, 38, 39, 12, 35, 30, 39, 20};

static void bad_input(void **state)
{
    const double p[4] = {0.3, 5, 0.8, 2.5};
    double x[8], tx[8], T[8], out[8], w[8];
    cva_model_fit fit;
    cva_fit_opts o;
    cva_diag d;
    (void)state;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    memcpy(x, X8, sizeof x);
    memcpy(tx, TX8, sizeof tx);
    memcpy(T, T8, sizeof T);

    x[3] = -1;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 3);
    assert_int_equal(d.arg, 2);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, p, 0, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 3);
    x[3] = 0.5; /* non-integer */
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    x[3] = 0;
    tx[5] = 31; /* t_x > T */
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 5);
    assert_int_equal(d.arg, 3);
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, 10, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_loglik(CVA_MODEL_BGNBD, p, x, tx, T, 8, out, NULL, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 4);
    tx[5] = -1; /* t_x < 0 */
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    tx[5] = 7;
    tx[0] = 1; /* x = 0 with t_x > 0 */
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 0);
    tx[0] = 0;
    T[6] = (double)NAN;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 6);
    assert_int_equal(d.arg, 4);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, p, 0, x, tx, T, 8, out, NULL, &d), CVA_E_NONFINITE);
    T[6] = (double)INFINITY;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_NONFINITE);
    T[6] = 39;
    w[0] = 1;
    w[1] = 0;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, 2, NULL, &fit, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 5);
    /* parameters <= 0 or NaN */
    {
        double q[4] = {0.3, 5, 0.8, 2.5};
        int i;
        for (i = 0; i < 4; i++) {
            double keep = q[i];
            q[i] = 0;
            assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, q, 0, x, tx, T, 8, out, NULL, &d), CVA_E_DOMAIN);
            assert_int_equal(d.index, i);
            q[i] = (double)NAN;
            assert_status(cva_model_expected(CVA_MODEL_MBGNBD, q, 1, x, tx, T, 8, out, NULL, &d), CVA_E_DOMAIN);
            q[i] = -1;
            assert_status(cva_model_loglik(CVA_MODEL_BGNBD, q, x, tx, T, 8, out, NULL, NULL, &d), CVA_E_DOMAIN);
            assert_status(cva_model_dert(CVA_MODEL_BGNBD, q, 0.01, x, tx, T, 8, out, NULL, &d), CVA_E_DOMAIN);
            assert_status(cva_model_prob_n(CVA_MODEL_BGNBD, q, 1, 3, out, &d), CVA_E_DOMAIN);
            assert_status(cva_model_expected_pop(CVA_MODEL_BGNBD, q, T, 3, out, &d), CVA_E_DOMAIN);
            q[i] = keep;
        }
    }
    /* bad horizons, NULLs, model ids, options */
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, -1, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, (double)NAN, x, tx, T, 8, out, NULL, &d), CVA_E_NONFINITE);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, p, -1, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_dert(CVA_MODEL_BGNBD, p, 0, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_prob_n(CVA_MODEL_BGNBD, p, 0, 3, out, &d), CVA_E_BADARG);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, p, 0, x, tx, T, 8, NULL, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, NULL, 0, x, tx, T, 8, out, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_model_p_alive(CVA_MODEL_GG, p, 0, x, tx, T, 8, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, p, 0, x, tx, T, 0, out, NULL, &d), CVA_W_EMPTY);
    assert_status(cva_model_fit_btyd(CVA_MODEL_GG, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_BADARG);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, NULL, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_NULLPTR);
    fit.params[0] = 123;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 0, NULL, &fit, &d), CVA_W_EMPTY);
    cva_assert_same(fit.params[0], 123); /* untouched */
    cva_fit_opts_init_defaults(&o, sizeof o);
    o.max_iter = 0;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, &o, &fit, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_FIT_MAX_ITER);
    o.max_iter = 100;
    o.penalty = -1;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, &o, &fit, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_FIT_PENALTY);
    o.penalty = 0;
    o.grad_tol = (double)NAN;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, &o, &fit, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_FIT_TOL);
    o.grad_tol = 1e-9;
    {
        const double bad_start[4] = {1, -1, 1, 1};
        o.start = bad_start;
        assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, &o, &fit, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_FIT_START);
    }
    fit.struct_size = 3;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, 8, NULL, &fit, &d), CVA_E_ABI_MISMATCH);
}

static int cancel_after_2(void *user, size_t iter, double f)
{
    int *calls = user;
    (void)f;
    ++*calls;
    return iter >= 2;
}

/* Pareto/NBD predictions take parameters in [DBL_MIN, 1e30] (fuzz finds: P(alive)
   0.48 instead of 0 at r = 1e50, NaN at r = DBL_MAX and at a subnormal beta); the
   values just inside are finite probabilities, and P(alive) falls with beta */
static void pnbd_prediction_range(void **state)
{
    const double x = 0.0, tx = 0.0, T = 26.25, sub = 4.9406564584124654e-324;
    const double bad[4][4] = {{1e31, 0.05, 0.05, 1.0}, {3.8, 0.05, 0.05, sub}, {3.8, sub, 0.05, 1.0},
                              {3.8, 0.05, 0.05, 1e300}};
    const double ok[3] = {1e-200, 1e-300, 2.2250738585072014e-308};
    double out = -1.0, prev = 1.0;
    int c;
    (void)state;
    for (c = 0; c < 4; c++) {
        cva_diag d;
        assert_status(cva_diag_init(&d, sizeof d), CVA_OK);
        out = -1.0;
        assert_status(cva_model_p_alive(CVA_MODEL_PNBD, bad[c], 0.0, &x, &tx, &T, 1, &out, NULL, &d), CVA_E_DOMAIN);
        assert_true(out == -1.0);
        assert_int_equal(d.index, c == 0 ? 0 : c == 1 ? 3 : c == 2 ? 1 : 3);
        assert_status(cva_model_expected(CVA_MODEL_PNBD, bad[c], 5.0, &x, &tx, &T, 1, &out, NULL, NULL),
                      CVA_E_DOMAIN);
    }
    /* β → 0: nearly every customer is gone at once and P(alive) ∝ β^s, so
       consecutive values are in the ratio (β'/β)^s (at DBL_MIN T/β overflows: the
       quadrature's range is taken in logarithms). The quadrature reaches its panel
       cap there and says so (a warning, not an error). */
    for (c = 0; c < 3; c++) {
        const double p[4] = {3.8, 0.05, 0.05, ok[c]};
        cva_status st = cva_model_p_alive(CVA_MODEL_PNBD, p, 0.0, &x, &tx, &T, 1, &out, NULL, NULL);
        assert_true(st == CVA_OK || st == CVA_W_SERIES_LIMIT);
        assert_true(out > 0.0 && out < prev);
        if (c > 0)
            cva_assert_close(out / prev, pow(ok[c] / ok[c - 1], 0.05), 1e-6, 0);
        prev = out;
    }
}

static void cancel_and_maxiter(void **state)
{
    cva_model_fit fit;
    cva_fit_opts o;
    cva_diag d;
    int calls = 0;
    (void)state;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    cva_fit_opts_init_defaults(&o, sizeof o);
    o.progress = cancel_after_2;
    o.progress_user = &calls;
    fit.params[0] = 42;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, X8, TX8, T8, NULL, 8, &o, &fit, &d), CVA_E_CANCELED);
    assert_int_equal(calls, 2);
    cva_assert_same(fit.params[0], 42); /* untouched on failure */
    calls = 0;
    assert_status(cva_gg_fit(X8, TX8, NULL, 8, &o, &fit, &d), CVA_E_CANCELED);
    assert_int_equal(calls, 2);
    o.progress = NULL;
    o.max_iter = 2;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, X8, TX8, T8, NULL, 8, &o, &fit, &d), CVA_W_MAXITER);
    assert_int_equal(fit.iterations, 2);
    assert_int_equal(fit.converged, 0);
    assert_true(isfinite(fit.log_likelihood));
}

/* -------------------------------------------------------------- CDNOW fits */

#define SKIP_NO_DATA()                       \
    do {                                     \
        if (!g_have_data) {                  \
            skip();                          \
        }                                    \
    } while (0)

static void check_bgnbd_cdnow(const double *x, const double *tx, const double *T, const char *what)
{
    cva_model_fit fit;
    cva_diag d;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, NCUST, NULL, &fit, &d), CVA_OK);
    print_message("BG/NBD CDNOW (%s): r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f (%u it, %u rows)\n"
                  "   SE %.5f %.5f %.5f %.5f\n",
                  what, fit.params[0], fit.params[1], fit.params[2], fit.params[3], fit.log_likelihood,
                  (unsigned)fit.iterations, (unsigned)fit.n_rows, fit.std_err[0], fit.std_err[1],
                  fit.std_err[2], fit.std_err[3]);
    assert_int_equal(fit.converged, 1);
    assert_int_equal(fit.model, CVA_MODEL_BGNBD);
    assert_int_equal(fit.n_params, 4);
    cva_assert_same(fit.n_customers, NCUST);
    cva_assert_same(round_to(fit.params[0], 3), 0.243);
    cva_assert_same(round_to(fit.params[1], 3), 4.414);
    cva_assert_same(round_to(fit.params[2], 3), 0.793);
    cva_assert_same(round_to(fit.params[3], 3), 2.426);
    cva_assert_same(round_to(fit.log_likelihood, 1), -9582.4);
}

static void bgnbd_cdnow(void **state)
{
    (void)state;
    SKIP_NO_DATA();
    check_bgnbd_cdnow(c_x, c_tx, c_T, "summary csv");
    check_bgnbd_cdnow(s_x, s_tx, s_T, "transaction log");
}

static void mbgnbd_cdnow(void **state)
{
    cva_model_fit fit;
    (void)state;
    SKIP_NO_DATA();
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(CVA_MODEL_MBGNBD, c_x, c_tx, c_T, NULL, NCUST, NULL, &fit, NULL), CVA_OK);
    print_message("MBG/NBD CDNOW: r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f\n", fit.params[0], fit.params[1],
                  fit.params[2], fit.params[3], fit.log_likelihood);
    assert_int_equal(fit.converged, 1);
    /* lifetimes' ModifiedBetaGeoFitter on this data prints r 0.52, alpha 6.18, a 0.89, b 1.61 */
    cva_assert_same(round_to(fit.params[0], 2), 0.52);
    cva_assert_same(round_to(fit.params[1], 2), 6.18);
    cva_assert_same(round_to(fit.params[2], 2), 0.89);
    cva_assert_same(round_to(fit.params[3], 2), 1.61);
    assert_true(fit.log_likelihood < -9500 && fit.log_likelihood > -9700);
}

static void check_gg_cdnow(const double *x, const double *m, const char *what, int expect_gamma_1544)
{
    cva_model_fit fit;
    cva_diag d;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    assert_status(cva_gg_fit(x, m, NULL, NCUST, NULL, &fit, &d), CVA_OK);
    print_message("Gamma-Gamma CDNOW (%s): p=%.6f q=%.6f gamma=%.6f LL=%.4f (%u it), ignored %u\n"
                  "   SE %.5f %.5f %.5f\n",
                  what, fit.params[0], fit.params[1], fit.params[2], fit.log_likelihood, (unsigned)fit.iterations,
                  (unsigned)d.count, fit.std_err[0], fit.std_err[1], fit.std_err[2]);
    assert_int_equal(d.count, NCUST - 946);
    cva_assert_same(fit.n_customers, 946);
    assert_int_equal(fit.converged, 1);
    cva_assert_same(round_to(fit.params[0], 2), 6.25);
    cva_assert_same(round_to(fit.params[1], 2), 3.74);
    if (expect_gamma_1544)
        cva_assert_same(round_to(fit.params[2], 2), 15.44);
    else
        cva_assert_close(fit.params[2], 15.44, 0, 0.011);
    {
        /* the independence check: lifetimes' documentation prints 0.113884 for
           corr(frequency, monetary_value) of the 946 returning CDNOW customers */
        double r = 0.0;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_gg_correlation(x, m, NULL, NCUST, &r, &d), CVA_OK);
        assert_int_equal(d.count, NCUST - 946);
        print_message("   corr(x, m_x) = %.6f\n", r);
        if (expect_gamma_1544) /* exact means from the log: within the zbar rounding */
            cva_assert_close(r, 0.113884, 0, 1e-3);
        else
            cva_assert_same(round_to(r, 6), 0.113884);
    }
}

static void gg_cdnow(void **state)
{
    (void)state;
    SKIP_NO_DATA();
    /* The rounded zbar column gives gamma = 15.4477 (lifetimes prints 15.45); the exact
       means from the transaction log reproduce FHL 2005b's 15.44. */
    check_gg_cdnow(c_x, c_m, "summary csv", 0);
    check_gg_cdnow(s_x, s_m, "transaction log", 1);
}

/* numerical Hessian of −Σ LL in natural parameters from the analytic gradient */
static void fd_std_errors(int32_t model, const double *p, const double *x, const double *tx, const double *T,
                          size_t n, double *se)
{
    double H[16], g1[4], g2[4], q[4], L[16], inv[16];
    int i, j, k;
    for (j = 0; j < 4; j++) {
        double h = 1e-5 * p[j];
        memcpy(q, p, sizeof q);
        q[j] = p[j] + h;
        assert_status(cva_model_loglik(model, q, x, tx, T, n, NULL, NULL, g1, NULL), CVA_OK);
        q[j] = p[j] - h;
        assert_status(cva_model_loglik(model, q, x, tx, T, n, NULL, NULL, g2, NULL), CVA_OK);
        for (i = 0; i < 4; i++)
            H[i * 4 + j] = -(g1[i] - g2[i]) / (2 * h);
    }
    /* Gauss-Jordan inverse (test-side, independent of the library's Cholesky) */
    for (i = 0; i < 16; i++) {
        L[i] = 0.5 * (H[i] + H[(i % 4) * 4 + i / 4]);
        inv[i] = (i % 5 == 0) ? 1 : 0;
    }
    for (k = 0; k < 4; k++) {
        double piv = L[k * 4 + k];
        for (j = 0; j < 4; j++) {
            L[k * 4 + j] /= piv;
            inv[k * 4 + j] /= piv;
        }
        for (i = 0; i < 4; i++)
            if (i != k) {
                double f = L[i * 4 + k];
                for (j = 0; j < 4; j++) {
                    L[i * 4 + j] -= f * L[k * 4 + j];
                    inv[i * 4 + j] -= f * inv[k * 4 + j];
                }
            }
    }
    for (i = 0; i < 4; i++)
        se[i] = sqrt(inv[i * 4 + i]);
}

static void std_errors(void **state)
{
    cva_model_fit fit;
    double se[4], x[NCUST], tx[NCUST], T[NCUST];
    int i, j;
    (void)state;
    SKIP_NO_DATA();
    memcpy(x, c_x, sizeof x);
    memcpy(tx, c_tx, sizeof tx);
    memcpy(T, c_T, sizeof T);
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, NCUST, NULL, &fit, NULL), CVA_OK);
    fd_std_errors(CVA_MODEL_BGNBD, fit.params, x, tx, T, NCUST, se);
    for (i = 0; i < 4; i++) {
        print_message("SE %s: fit %.8g, finite-difference %.8g\n", cva_model_param_name(1, i), fit.std_err[i], se[i]);
        assert_true(fit.std_err[i] > 0 && fit.std_err[i] < fit.params[i]);
        cva_assert_close(fit.std_err[i], se[i], 1e-4, 0);
        cva_assert_close(fit.cov[i * 4 + i], fit.std_err[i] * fit.std_err[i], 1e-12, 0);
        for (j = 0; j < 4; j++) {
            cva_assert_same(fit.cov[i * 4 + j], fit.cov[j * 4 + i]);
            assert_true(fabs(fit.cov[i * 4 + j]) <= fit.std_err[i] * fit.std_err[j] * (1 + 1e-12));
        }
    }
}

/* ------------------------------------------------------------- row merging */

typedef struct mrow {
    double x, T, tx, w;
} mrow;

static int mrow_cmp(const void *pa, const void *pb)
{
    const mrow *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->T != b->T)
        return a->T < b->T ? -1 : 1;
    if (a->tx != b->tx)
        return a->tx < b->tx ? -1 : 1;
    return 0;
}

static size_t simulate(size_t n_cust, uint64_t seed, int round_times, double **x, double **tx, double **T, double **m);

static void row_merging(void **state)
{
    enum { N = 20000 };
    double *x, *tx, *T, *m;
    static double xm[N], txm[N], Tm[N], wm[N], xp[N], txp[N], Tp[N];
    static mrow r[N];
    cva_model_fit f1, f2, f3, f4;
    cva_fit_opts o;
    size_t i, nm = 0;
    (void)state;
    simulate(N, 7, 1, &x, &tx, &T, &m); /* daily times: many identical rows */
    for (i = 0; i < N; i++) {
        r[i].x = x[i];
        r[i].T = T[i];
        r[i].tx = tx[i];
        r[i].w = 1;
    }
    qsort(r, N, sizeof *r, mrow_cmp);
    for (i = 0; i < N; i++) {
        if (nm > 0 && mrow_cmp(&r[i], &r[i - 1]) == 0) {
            wm[nm - 1] += 1;
            continue;
        }
        xm[nm] = r[i].x;
        txm[nm] = r[i].tx;
        Tm[nm] = r[i].T;
        wm[nm] = 1;
        nm++;
    }
    cva_model_fit_init(&f1, sizeof f1);
    cva_model_fit_init(&f2, sizeof f2);
    cva_model_fit_init(&f3, sizeof f3);
    cva_model_fit_init(&f4, sizeof f4);
    cva_fit_opts_init_defaults(&o, sizeof o);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, N, NULL, &f1, NULL), CVA_OK);
    assert_int_equal(f1.n_rows, nm);
    o.merge_rows = 0;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, xm, txm, Tm, wm, nm, &o, &f2, NULL), CVA_OK);
    /* merged automatically == merged by hand in the same order: the same bits */
    assert_memory_equal(f1.params, f2.params, sizeof f1.params);
    assert_memory_equal(f1.std_err, f2.std_err, sizeof f1.std_err);
    cva_assert_same(f1.log_likelihood, f2.log_likelihood);
    /* unmerged: the same optimum up to summation order */
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, N, &o, &f3, NULL), CVA_OK);
    assert_int_equal(f3.n_rows, N);
    for (i = 0; i < 4; i++) {
        cva_assert_close(f3.params[i], f1.params[i], 1e-7, 0);
        cva_assert_close(f3.std_err[i], f1.std_err[i], 1e-5, 0);
    }
    cva_assert_close(f3.log_likelihood, f1.log_likelihood, 1e-13, 0);
    /* a permutation of the input gives the same bits when merging */
    for (i = 0; i < N; i++) {
        xp[i] = x[N - 1 - i];
        txp[i] = tx[N - 1 - i];
        Tp[i] = T[N - 1 - i];
    }
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, xp, txp, Tp, NULL, N, NULL, &f4, NULL), CVA_OK);
    assert_memory_equal(f4.params, f1.params, sizeof f1.params);
    assert_memory_equal(f4.cov, f1.cov, sizeof f1.cov);
    print_message("merging: %u rows -> %u; params %.9g %.9g %.9g %.9g\n", (unsigned)N, (unsigned)nm, f1.params[0],
                  f1.params[1], f1.params[2], f1.params[3]);
    free(x);
    free(tx);
    free(T);
    free(m);
}

/* time rescaling does not change the estimate: data in days vs weeks */
static void time_units(void **state)
{
    cva_model_fit fw, fd;
    double txd[NCUST], Td[NCUST];
    size_t i;
    (void)state;
    SKIP_NO_DATA();
    for (i = 0; i < NCUST; i++) {
        txd[i] = c_tx[i] * 7;
        Td[i] = c_T[i] * 7;
    }
    cva_model_fit_init(&fw, sizeof fw);
    cva_model_fit_init(&fd, sizeof fd);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, c_x, c_tx, c_T, NULL, NCUST, NULL, &fw, NULL), CVA_OK);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, c_x, txd, Td, NULL, NCUST, NULL, &fd, NULL), CVA_OK);
    cva_assert_close(fd.params[0], fw.params[0], 1e-7, 0);
    cva_assert_close(fd.params[1], 7 * fw.params[1], 1e-7, 0);
    cva_assert_close(fd.params[2], fw.params[2], 1e-7, 0);
    cva_assert_close(fd.params[3], fw.params[3], 1e-7, 0);
    cva_assert_close(fd.std_err[1], 7 * fw.std_err[1], 1e-5, 0);
    /* LL in days = LL in weeks − Σ x ln 7 (densities of event times) */
    {
        double sx = 0;
        for (i = 0; i < NCUST; i++)
            sx += c_x[i];
        cva_assert_close(fd.log_likelihood, fw.log_likelihood - sx * log(7.0), 1e-10, 0);
    }
}

static void penalty(void **state)
{
    cva_model_fit f0, f1;
    cva_fit_opts o;
    (void)state;
    SKIP_NO_DATA();
    cva_model_fit_init(&f0, sizeof f0);
    cva_model_fit_init(&f1, sizeof f1);
    cva_fit_opts_init_defaults(&o, sizeof o);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, c_x, c_tx, c_T, NULL, NCUST, &o, &f0, NULL), CVA_OK);
    o.penalty = 0.1;
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, c_x, c_tx, c_T, NULL, NCUST, &o, &f1, NULL), CVA_OK);
    /* the penalty shrinks the parameters and lowers the (unpenalised) LL */
    assert_true(f1.log_likelihood < f0.log_likelihood);
    assert_true(f1.params[2] + f1.params[3] < f0.params[2] + f0.params[3]);
}

/* ------------------------------------------------------ parameter recovery */

static size_t simulate(size_t n_cust, uint64_t seed, int round_times, double **x, double **tx, double **T, double **m)
{
    cva_sim_opts so;
    cva_txn_input in;
    cva_txn_opts to;
    cva_txn_summary s;
    size_t n_rows = 0;
    int64_t *id, *cid;
    double *t, *amt;
    cva_sim_opts_init_defaults(&so, sizeof so);
    so.seed = seed;
    so.round_times = round_times;
    assert_status(cva_sim_transactions(&so, n_cust, NULL, NULL, NULL, 0, &n_rows, NULL), CVA_OK);
    id = malloc(n_rows * sizeof *id);
    t = malloc(n_rows * sizeof *t);
    amt = malloc(n_rows * sizeof *amt);
    cid = malloc(n_cust * sizeof *cid);
    *x = malloc(n_cust * sizeof **x);
    *tx = malloc(n_cust * sizeof **tx);
    *T = malloc(n_cust * sizeof **T);
    *m = malloc(n_cust * sizeof **m);
    assert_true(id && t && amt && cid && *x && *tx && *T && *m);
    assert_status(cva_sim_transactions(&so, n_cust, id, t, amt, n_rows, &n_rows, NULL), CVA_OK);
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n_rows;
    in.customer_id = id;
    in.t = t;
    in.amount = amt;
    cva_txn_opts_init_defaults(&to, sizeof to);
    to.time_scale = so.time_scale;
    to.obs_end = so.end;
    if (!round_times)
        to.period_length = 1e-6; /* occasions = distinct purchase times */
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = n_cust;
    s.customer_id = cid;
    s.frequency = *x;
    s.recency = *tx;
    s.T = *T;
    s.monetary_value = *m;
    assert_status(cva_txn_summarize(&in, &to, &s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(s.n_customers, n_cust);
    free(id);
    free(t);
    free(amt);
    free(cid);
    return n_cust;
}

static void recovery(void **state)
{
    /* 1e5 customers of the BG/NBD + Gamma-Gamma process with the CDNOW parameters.
       Each estimate must lie within 4 of its own standard errors of the truth
       (a two-sided 4σ band: a false alarm about once in 16 000 runs per parameter;
       the seed is fixed, so the test is deterministic). The SEs themselves are
       ~sqrt(2357/1e5) ≈ 0.15 × the CDNOW ones, which checks the information scaling. */
    const double truth[4] = {0.243, 4.414, 0.793, 2.426}, gg_truth[3] = {6.25, 3.74, 15.44};
    const size_t n = 100000;
    double *x, *tx, *T, *m;
    cva_model_fit f, g;
    int i, rt;
    (void)state;
    for (rt = 0; rt <= 1; rt++) {
        simulate(n, 2024, rt, &x, &tx, &T, &m);
        cva_model_fit_init(&f, sizeof f);
        cva_model_fit_init(&g, sizeof g);
        assert_status(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, n, NULL, &f, NULL), CVA_OK);
        assert_status(cva_gg_fit(x, m, NULL, n, NULL, &g, NULL), CVA_OK);
        print_message("recovery (%s times, %u distinct rows): r %.4f±%.4f alpha %.3f±%.3f a %.4f±%.4f b %.3f±%.3f\n"
                      "  GG (%u rows): p %.3f±%.3f q %.3f±%.3f gamma %.3f±%.3f\n",
                      rt ? "daily" : "continuous", (unsigned)f.n_rows, f.params[0], f.std_err[0], f.params[1],
                      f.std_err[1], f.params[2], f.std_err[2], f.params[3], f.std_err[3], (unsigned)g.n_rows,
                      g.params[0], g.std_err[0], g.params[1], g.std_err[1], g.params[2], g.std_err[2]);
        for (i = 0; i < 4; i++) {
            assert_true(f.std_err[i] > 0 && f.std_err[i] < 0.2 * truth[i]);
            if (!rt) /* continuous time is the model exactly */
                cva_assert_close(f.params[i], truth[i], 0, 4 * f.std_err[i]);
            else     /* daily flooring merges same-day purchases: allow a small bias */
                cva_assert_close(f.params[i], truth[i], 0, 6 * f.std_err[i]);
        }
        for (i = 0; i < 3; i++) {
            assert_true(g.std_err[i] > 0);
            cva_assert_close(g.params[i], gg_truth[i], 0, 4 * g.std_err[i]);
        }
        free(x);
        free(tx);
        free(T);
        free(m);
    }
}

/*
 * MBG/NBD recovery: an independent simulator of the MBG/NBD story (Batislam et
 * al. 2007): λ ~ Gamma(r, α), p ~ Beta(a, b); at time 0 (the first purchase)
 * and after every repeat purchase the customer drops out with probability p;
 * while alive purchases arrive at rate λ. Observed for T = 52 (x, t_x).
 */
static uint64_t mb_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double mb_unif(uint64_t *s)
{
    return ((double)(mb_next(s) >> 11) + 0.5) * 0x1.0p-53;
}

static double mb_norm(uint64_t *s)
{
    return sqrt(-2.0 * log(mb_unif(s))) * cos(6.283185307179586 * mb_unif(s));
}

/* Gamma(k, 1): Marsaglia–Tsang, boosted for k < 1 */
static double mb_gamma(uint64_t *s, double k)
{
    double boost = 1.0, d, c;
    if (k < 1.0) {
        boost = pow(mb_unif(s), 1.0 / k);
        k += 1.0;
    }
    d = k - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double z = mb_norm(s), v = 1.0 + c * z, u;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        u = mb_unif(s);
        if (log(u) < 0.5 * z * z + d - d * v + d * log(v))
            return d * v * boost;
    }
}

static void mbgnbd_recovery(void **state)
{
    enum { NC = 100000 };
    const double truth[4] = {0.5, 6.0, 0.9, 1.6}, T_obs = 52.0;
    double *x = (double *)malloc(NC * sizeof(double)), *tx = (double *)malloc(NC * sizeof(double));
    double *T = (double *)malloc(NC * sizeof(double));
    uint64_t s = 2026;
    size_t i;
    int j;
    cva_model_fit fit;
    (void)state;
    for (i = 0; i < NC; i++) {
        double lambda = mb_gamma(&s, truth[0]) / truth[1];
        double ga = mb_gamma(&s, truth[2]), gb = mb_gamma(&s, truth[3]);
        double p = ga / (ga + gb), now = 0.0, last = 0.0;
        int k = 0;
        int alive = mb_unif(&s) >= p; /* may drop out right after the first purchase */
        while (alive) {
            now += -log(mb_unif(&s)) / lambda;
            if (now > T_obs)
                break;
            k++;
            last = now;
            alive = mb_unif(&s) >= p;
        }
        x[i] = k;
        tx[i] = last;
        T[i] = T_obs;
    }
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(CVA_MODEL_MBGNBD, x, tx, T, NULL, NC, NULL, &fit, NULL), CVA_OK);
    print_message("MBG/NBD recovery (1e5): r %.4f±%.4f alpha %.3f±%.3f a %.4f±%.4f b %.3f±%.3f\n",
                  fit.params[0], fit.std_err[0], fit.params[1], fit.std_err[1], fit.params[2], fit.std_err[2],
                  fit.params[3], fit.std_err[3]);
    for (j = 0; j < 4; j++) {
        assert_true(fit.std_err[j] > 0 && fit.std_err[j] < 0.2 * truth[j]);
        cva_assert_close(fit.params[j], truth[j], 0, 4.5 * fit.std_err[j]);
    }
    free(x);
    free(tx);
    free(T);
}

/* ------------------------------------------------------------ boundary fits */

/* Common checks of a fit that returned CVA_W_BOUNDARY: the flags include @p want
   (with the directions of @p up), the parameters are finite and > 0, the fit is not
   "converged", and its log-likelihood is within 1.5e-3 nats below the supremum
   @p ll_sup (CVA__BND_GAIN = 1e-3 of gain left, plus rounding) and not above it. */
static void check_boundary(const cva_model_fit *f, unsigned want, unsigned up, double ll_sup, const char *what)
{
    int i;
    print_message("%s: boundary 0x%x upper 0x%x, params %.4g %.4g %.4g %.4g, LL %.9g (sup %.9g), %u it\n", what,
                  f->boundary, f->boundary_upper, f->params[0], f->params[1], f->params[2], f->params[3],
                  f->log_likelihood, ll_sup, (unsigned)f->iterations);
    assert_int_equal(f->converged, 0);
    assert_int_equal(f->boundary & want, want);
    assert_int_equal(f->boundary_upper & want, up);
    assert_int_equal(f->boundary_upper & ~f->boundary, 0u);
    for (i = 0; i < f->n_params; i++)
        assert_true(isfinite(f->params[i]) && f->params[i] > 0.0);
    assert_true(isfinite(f->log_likelihood));
    if (!isnan(ll_sup)) {
        assert_true(f->log_likelihood <= ll_sup + 1e-4); /* rounding of LL far out (GG: q ~ 1e6) */
        assert_true(f->log_likelihood >= ll_sup - 1.5e-3);
    }
}

/* Supremum of the Gamma-Gamma log-likelihood without spend heterogeneity
   (q → ∞, γ/q = 1/ν): m_x ~ Gamma(p x, rate x ν), ν̂ = p Σx / Σ x m given p,
   maximised over p by golden section in ln p. */
static double gg_limit_sup(const double *x, const double *m, size_t n)
{
    double lo = log(1e-3), hi = log(1e4), best = -HUGE_VAL;
    int it;
    for (it = 0; it < 200; it++) {
        double a = hi - 0.6180339887498949 * (hi - lo), b = lo + 0.6180339887498949 * (hi - lo), fa = 0, fb = 0;
        int k;
        for (k = 0; k < 2; k++) {
            double p = exp(k ? b : a), sx = 0, sxm = 0, nu, ll = 0;
            size_t i;
            for (i = 0; i < n; i++) {
                sx += x[i];
                sxm += x[i] * m[i];
            }
            nu = p * sx / sxm;
            for (i = 0; i < n; i++)
                ll += p * x[i] * log(x[i] * nu) + (p * x[i] - 1) * log(m[i]) - x[i] * nu * m[i] - lgamma(p * x[i]);
            if (k)
                fb = ll;
            else
                fa = ll;
        }
        if (fa > fb)
            hi = b;
        else
            lo = a;
        best = fa > fb ? fa : fb;
    }
    return best;
}

/* Supremum of the BG/NBD, MBG/NBD and Pareto/NBD log-likelihoods in their common
   limit without heterogeneity and drop-out: Poisson purchases at one rate λ,
   LL = Σ x ln λ − λ T, at λ̂ = Σx / ΣT. */
static double poisson_sup(const double *x, const double *T, size_t n)
{
    double sx = 0, sT = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        sx += x[i];
        sT += T[i];
    }
    return sx > 0 ? sx * log(sx / sT) - sx : 0.0;
}

static void boundary_fits(void **state)
{
    enum { NB = 4000, NP = 300 };
    static double x[NB], tx[NB], T[NB], m[NB];
    static const int32_t btyd[3] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD};
    cva_model_fit f;
    cva_diag d;
    size_t i;
    int k;
    (void)state;
    cva_model_fit_init(&f, sizeof f);
    cva_diag_init(&d, sizeof d);

    /* Gamma-Gamma without spend heterogeneity (q = 1e12): q and gamma run off together */
    {
        const double pgg[3] = {1.3, 1e12, 1e12 * 80.0 / 1.3 / 1.0};
        for (i = 0; i < 500; i++)
            x[i] = (double)(1 + i % 5);
        /* seed 7: the sample happens to show heterogeneity, the maximum is interior
           (q ≈ 35) and above the no-heterogeneity supremum: not flagged */
        assert_status(cva_sim_gg(pgg, x, 500, 7, m, NULL), CVA_OK);
        assert_status(cva_gg_fit(x, m, NULL, 500, NULL, &f, &d), CVA_OK);
        assert_int_equal(f.boundary, 0u);
        assert_int_equal(f.converged, 1);
        assert_true(f.log_likelihood > gg_limit_sup(x, m, 500) + 0.1);
        /* seed 8: the maximum is at the edge */
        assert_status(cva_sim_gg(pgg, x, 500, 8, m, NULL), CVA_OK);
        assert_status(cva_gg_fit(x, m, NULL, 500, NULL, &f, &d), CVA_W_BOUNDARY);
        check_boundary(&f, 6u, 6u, gg_limit_sup(x, m, 500), "GG, no heterogeneity");
        assert_int_equal(f.boundary, 6u); /* p is identified */
        cva_assert_close(f.params[0], 1.3, 0.1, 0);
        cva_assert_close(f.params[2] / f.params[1], 80.0 / 1.3, 0.1, 0); /* 1/ν: the spend scale */
        assert_true(f.evaluations < 100);
        /* with q > 1 constrained the same edge is found */
        {
            cva_fit_opts o;
            cva_fit_opts_init_defaults(&o, sizeof o);
            o.q_above_one = 1;
            assert_status(cva_gg_fit(x, m, NULL, 500, &o, &f, NULL), CVA_W_BOUNDARY);
            check_boundary(&f, 6u, 6u, gg_limit_sup(x, m, 500), "GG q > 1, no heterogeneity");
        }
        /* one customer: the likelihood is unbounded (p → ∞); stopped with finite parameters */
        assert_status(cva_gg_fit(x, m, NULL, 1, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 1u, 1u, (double)NAN, "GG, one customer");
    }

    /* all frequencies 0: the supremum 0 is reached only at an edge (P(x = 0) → 1) */
    for (i = 0; i < 500; i++) {
        x[i] = tx[i] = 0.0;
        T[i] = 10.0 + (double)(i % 41);
    }
    for (k = 0; k < 3; k++) {
        assert_status(cva_model_fit_btyd(btyd[k], x, tx, T, NULL, 500, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 0u, 0u, 0.0, "all x = 0");
        assert_true(f.boundary != 0u);
    }
    {
        const double bx[1] = {0}, btx[1] = {0}, bn[1] = {6}, bw[1] = {150};
        assert_status(cva_model_fit_btyd(CVA_MODEL_BGBB, bx, btx, bn, bw, 1, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 0u, 0u, 0.0, "BG/BB all x = 0");
        assert_true(f.boundary != 0u);
    }

    /* one customer: the supremum is the Poisson one (a point mass, no drop-out) */
    {
        const double ox[1] = {3}, otx[1] = {20}, oT[1] = {30};
        for (k = 0; k < 3; k++) {
            assert_status(cva_model_fit_btyd(btyd[k], ox, otx, oT, NULL, 1, NULL, &f, NULL), CVA_W_BOUNDARY);
            check_boundary(&f, 3u, 3u, 3.0 * log(0.1) - 3.0, "one customer");
        }
        {
            const double bx[1] = {3}, btx[1] = {5}, bn[1] = {6};
            assert_status(cva_model_fit_btyd(CVA_MODEL_BGBB, bx, btx, bn, NULL, 1, NULL, &f, NULL), CVA_W_BOUNDARY);
            check_boundary(&f, 0u, 0u, (double)NAN, "BG/BB one customer");
            assert_true(f.boundary != 0u);
        }
    }

    /* BG/NBD data without heterogeneity nor drop-out (r, alpha → ∞ with r/alpha = 0.5,
       a → 0): r and alpha flagged upward, a downward */
    {
        const double p[4] = {1e6, 2e6, 1e-6, 1.0};
        for (i = 0; i < NB; i++)
            T[i] = 20.0 + 40.0 * (double)(i % 97) / 96.0;
        assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, p, T, NB, 3, x, tx, NULL), CVA_OK);
        for (k = 0; k < 3; k++) {
            assert_status(cva_model_fit_btyd(btyd[k], x, tx, T, NULL, NB, NULL, &f, NULL), CVA_W_BOUNDARY);
            check_boundary(&f, k == 2 ? 3u : 7u, 3u, poisson_sup(x, T, NB), "no heterogeneity");
        }
    }

    /* Pareto/NBD with almost no churn signal (300 customers; took minutes once): stops
       early, beta flagged upward, in a bounded number of evaluations */
    {
        const double p[4] = {0.5, 5.0, 0.5, 1e7};
        double far[4], ll_far;
        for (i = 0; i < NP; i++)
            T[i] = 20.0 + 40.0 * (double)((i * 37) % NP) / NP;
        assert_status(cva_sim_btyd(CVA_MODEL_PNBD, p, T, NP, 4, x, tx, NULL), CVA_OK);
        assert_status(cva_model_fit_btyd(CVA_MODEL_PNBD, x, tx, T, NULL, NP, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 8u, 8u, (double)NAN, "Pareto/NBD, no churn signal");
        assert_int_equal(f.boundary & 3u, 0u); /* r and alpha are identified */
        assert_true(f.evaluations < 200);
        /* the gain left towards the edge (flagged parameters x or / 100) is below 1e-3 */
        memcpy(far, f.params, sizeof far);
        for (k = 0; k < 4; k++)
            if (f.boundary >> k & 1u)
                far[k] = (f.boundary_upper >> k & 1u) ? far[k] * 100.0 : far[k] / 100.0;
        assert_true(cva_model_loglik(CVA_MODEL_PNBD, far, x, tx, T, NP, NULL, &ll_far, NULL, NULL) >= 0);
        assert_true(ll_far <= f.log_likelihood + 1.5e-3);
    }

    /* sBG: no churn at all (alpha → 0), and everyone churning at once (beta → 0) */
    {
        const double none[5] = {1000, 1000, 1000, 1000, 1000}, all[4] = {1000, 0, 0, 0};
        assert_status(cva_sbg_fit(none, 1, 5, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 1u, 0u, 0.0, "sBG, no churn");
        assert_status(cva_sbg_fit(all, 1, 4, NULL, &f, NULL), CVA_W_BOUNDARY);
        check_boundary(&f, 2u, 0u, 0.0, "sBG, all churn at once");
    }

    /* an older caller's shorter struct: the fit writes only that prefix */
    {
        unsigned char buf[sizeof(cva_model_fit) + 16];
        cva_model_fit *fp = (cva_model_fit *)(void *)buf;
        const double none[5] = {1000, 1000, 1000, 1000, 1000};
        memset(buf, 0xA5, sizeof buf);
        assert_status(cva_model_fit_init(fp, offsetof(cva_model_fit, boundary)), CVA_OK);
        assert_status(cva_sbg_fit(none, 1, 5, NULL, fp, NULL), CVA_W_BOUNDARY);
        assert_int_equal(fp->struct_size, offsetof(cva_model_fit, boundary));
        assert_true(fp->params[0] > 0.0);
        for (i = offsetof(cva_model_fit, boundary); i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xA5);
    }
}

/* x > 0 with t_x = 0 (a repeat purchase at the first one) is refused by every entry point */
static void impossible_row(void **state)
{
    const double p[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.45};
    double x[3] = {2, 1, 0}, tx[3] = {30.43, 0, 0}, T[3] = {38.86, 20, 10}, m[3] = {35, 20, 0}, out[3], ll;
    cva_model_fit f;
    cva_diag d;
    int k;
    (void)state;
    cva_model_fit_init(&f, sizeof f);
    for (k = CVA_MODEL_BGNBD; k <= CVA_MODEL_PNBD; k++) {
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_btyd(k, x, tx, T, NULL, 3, NULL, &f, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 1);
        assert_int_equal(d.arg, 3);
        assert_non_null(strstr(d.detail, "x > 0 requires t_x > 0"));
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_loglik(k, p, x, tx, T, 3, out, &ll, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 1);
        assert_status(cva_model_p_alive(k, p, 0, x, tx, T, 3, out, NULL, NULL), CVA_E_BADARG);
        assert_status(cva_model_expected(k, p, 39, x, tx, T, 3, out, NULL, NULL), CVA_E_BADARG);
        assert_status(cva_model_dert(k, p, 0.01, x, tx, T, 3, out, NULL, NULL), CVA_E_BADARG);
        cva_diag_init(&d, sizeof d);
        assert_status(cva_clv(k, p, gg, x, tx, T, m, 3, NULL, out, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 1);
    }
    /* CDNOW with one such row: refused at once (it used to run for minutes) */
    if (g_have_data) {
        static double cx[NCUST], ctx[NCUST];
        memcpy(cx, c_x, sizeof cx);
        memcpy(ctx, c_tx, sizeof ctx);
        cx[100] = 3;
        ctx[100] = 0;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_btyd(CVA_MODEL_PNBD, cx, ctx, c_T, NULL, NCUST, NULL, &f, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 100);
    }
}

/* Customers without a purchase (x, t_x, T all NaN, as cva_txn_summarize() writes them):
   every fit gives exactly the fit of the other rows with CVA_W_EXCLUDED and diag->count =
   those rows; every per-customer evaluation gives NaN exactly there and the other values
   bit for bit. */
enum { NP_N = 240, NP_ALL = NP_N + NP_N / 5 };

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check_np_out(const double *full, const double *part, const unsigned char *skip, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        if (skip[i]) {
            assert_true(isnan(full[i]));
        } else {
            assert_true(same_bits(full[i], part[k]));
            k++;
        }
    }
}

static void no_purchase_rows(void **state)
{
    static const double params[4][4] = {
        {0.6, 4.0, 0.8, 2.5}, {0.6, 4.0, 0.8, 2.5}, {0.6, 4.0, 0.5, 4.0}, {1.2, 0.8, 0.6, 2.7}};
    static const double gg[3] = {6.25, 3.74, 15.45};
    static double Tp[NP_N], x[NP_N], tx[NP_N], w[NP_N], m[NP_N];
    static double fx[NP_ALL], ftx[NP_ALL], fT[NP_ALL], fw[NP_ALL], fm[NP_ALL];
    static double o1[NP_ALL], o2[NP_ALL];
    static unsigned char skip[NP_ALL];
    cva_model_fit a, b;
    cva_diag d;
    size_t i, k, nskip = 0;
    int32_t model;
    (void)state;
    for (model = CVA_MODEL_BGNBD; model <= CVA_MODEL_BGBB; model++) {
        const double *p = params[model - 1];
        double s1, s2, g1[4], g2[4];
        for (i = 0; i < NP_N; i++) {
            Tp[i] = model == CVA_MODEL_BGBB ? (double)(4 + i % 3) : 20.0 + (double)(i % 17);
            w[i] = 1.0 + (double)(i % 3);
        }
        assert_status(cva_sim_btyd(model, p, Tp, NP_N, 42u + (uint64_t)model, x, tx, NULL), CVA_OK);
        assert_status(cva_sim_gg(gg, x, NP_N, 7u, m, NULL), CVA_OK);
        /* a customer without a purchase after every fifth row, and one first */
        nskip = 0;
        for (i = k = 0; k < NP_ALL; k++) {
            skip[k] = (unsigned char)(k % 6 == 0);
            if (skip[k]) {
                fx[k] = ftx[k] = fT[k] = fm[k] = (double)NAN;
                fw[k] = k == 6 ? (double)NAN : 2.0; /* the weight of a skipped row is not read */
                nskip++;
            } else {
                fx[k] = x[i];
                ftx[k] = tx[i];
                fT[k] = Tp[i];
                fm[k] = m[i];
                fw[k] = w[i];
                i++;
            }
        }
        assert_int_equal(i, NP_N);
        cva_model_fit_init(&a, sizeof a);
        cva_model_fit_init(&b, sizeof b);
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_btyd(model, x, tx, Tp, w, NP_N, NULL, &a, NULL), CVA_OK);
        assert_status(cva_model_fit_btyd(model, fx, ftx, fT, fw, NP_ALL, NULL, &b, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, nskip);
        assert_int_equal(d.status, CVA_W_EXCLUDED);
        assert_memory_equal(&a, &b, sizeof a);
        /* evaluations */
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_loglik(model, p, x, tx, Tp, NP_N, o1, &s1, g1, NULL), CVA_OK);
        assert_status(cva_model_loglik(model, p, fx, ftx, fT, NP_ALL, o2, &s2, g2, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, nskip);
        check_np_out(o2, o1, skip, NP_ALL);
        assert_true(same_bits(s1, s2));
        for (k = 0; k < 4; k++)
            assert_true(same_bits(g1[k], g2[k]));
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_p_alive(model, p, 0.0, x, tx, Tp, NP_N, o1, NULL, NULL), CVA_OK);
        assert_status(cva_model_p_alive(model, p, 0.0, fx, ftx, fT, NP_ALL, o2, NULL, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, nskip);
        check_np_out(o2, o1, skip, NP_ALL);
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_expected(model, p, 5.0, x, tx, Tp, NP_N, o1, NULL, NULL), CVA_OK);
        assert_status(cva_model_expected(model, p, 5.0, fx, ftx, fT, NP_ALL, o2, NULL, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, nskip);
        check_np_out(o2, o1, skip, NP_ALL);
        if (model != CVA_MODEL_BGBB) {
            cva_diag_init(&d, sizeof d);
            assert_status(cva_model_dert(model, p, 0.05, x, tx, Tp, NP_N, o1, NULL, NULL), CVA_OK);
            assert_status(cva_model_dert(model, p, 0.05, fx, ftx, fT, NP_ALL, o2, NULL, &d), CVA_W_EXCLUDED);
            assert_int_equal(d.count, nskip);
            check_np_out(o2, o1, skip, NP_ALL);
            cva_diag_init(&d, sizeof d);
            assert_status(cva_clv(model, p, gg, x, tx, Tp, m, NP_N, NULL, o1, NULL), CVA_OK);
            assert_status(cva_clv(model, p, gg, fx, ftx, fT, fm, NP_ALL, NULL, o2, &d), CVA_W_EXCLUDED);
            assert_int_equal(d.count, nskip);
            check_np_out(o2, o1, skip, NP_ALL);
        }
        /* errors in the other rows name the caller's row */
        fx[7] = -1.0;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_btyd(model, fx, ftx, fT, NULL, NP_ALL, NULL, &b, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 7);
        assert_int_equal(d.arg, 2);
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_p_alive(model, p, 0.0, fx, ftx, fT, NP_ALL, o2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 7);
        fx[7] = x[6];
        /* a NaN in only some of x, t_x, T is still an error */
        ftx[0] = 0.0;
        assert_status(cva_model_fit_btyd(model, fx, ftx, fT, NULL, NP_ALL, NULL, &b, NULL), CVA_E_NONFINITE);
        assert_status(cva_model_expected(model, p, 1.0, fx, ftx, fT, NP_ALL, o2, NULL, NULL), CVA_E_NONFINITE);
        ftx[0] = (double)NAN;
        /* nobody with a purchase */
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_btyd(model, fx, ftx, fT, NULL, 1, NULL, &b, &d), CVA_W_EMPTY);
        assert_int_equal(d.count, 1);
        assert_status(cva_model_p_alive(model, p, 0.0, fx, ftx, fT, 1, o2, NULL, NULL), CVA_W_EMPTY);
        assert_true(isnan(o2[0]));
    }
    /* Gamma-Gamma: the fit leaves them out, the expected spend is NaN there */
    {
        int32_t f1[NP_ALL], f2[NP_ALL];
        cva_diag_init(&d, sizeof d);
        assert_status(cva_gg_fit(x, m, NULL, NP_N, NULL, &a, &d), CVA_OK);
        k = (size_t)d.count;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_gg_fit(fx, fm, NULL, NP_ALL, NULL, &b, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, k + nskip);
        assert_memory_equal(&a, &b, sizeof a);
        assert_status(cva_gg_expected_spend(gg, x, m, NP_N, o1, f1, NULL), CVA_OK);
        cva_diag_init(&d, sizeof d);
        assert_status(cva_gg_expected_spend(gg, fx, fm, NP_ALL, o2, f2, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, nskip);
        check_np_out(o2, o1, skip, NP_ALL);
    }
}

/* ------------------------------------------- cva_model_predict: both outputs in one call */

enum { PR_N = 3000 };
static double pr_a1[PR_N], pr_a2[PR_N], pr_b1[PR_N], pr_b2[PR_N];

/* cva_model_predict against cva_model_p_alive + cva_model_expected on the same rows:
   the same bits in both outputs, the status of the two (the larger warning) with its
   count, and each output alone with NULL for the other. */
static void predict_vs_two(int32_t model, const double *p, const double *x, const double *tx, const double *T,
                           size_t n, double tf, double t, const cva_predict_opts *o)
{
    cva_diag d1, d2, d;
    cva_status s1, s2, s, want;
    size_t i;
    cva_diag_init(&d1, sizeof d1);
    cva_diag_init(&d2, sizeof d2);
    cva_diag_init(&d, sizeof d);
    s1 = cva_model_p_alive(model, p, tf, x, tx, T, n, pr_a1, o, &d1);
    s2 = cva_model_expected(model, p, t, x, tx, T, n, pr_a2, o, &d2);
    assert_true(s1 >= 0 && s2 >= 0);
    want = s2 > s1 ? s2 : s1;
    for (i = 0; i < n; i++)
        pr_b1[i] = pr_b2[i] = -7.0;
    s = cva_model_predict(model, p, tf, t, x, tx, T, n, pr_b1, pr_b2, o, &d);
    if (s != want)
        fail_msg("model %d t_future %g t %g: status %d, the two calls %d and %d", (int)model, tf, t, (int)s,
                 (int)s1, (int)s2);
    assert_int_equal(d.status, want);
    assert_int_equal(d.count, s2 > s1 ? d2.count : d1.count);
    for (i = 0; i < n; i++)
        if (memcmp(&pr_a1[i], &pr_b1[i], sizeof(double)) || memcmp(&pr_a2[i], &pr_b2[i], sizeof(double)))
            fail_msg("model %d t_future %g t %g row %zu: (%.17g, %.17g) vs the two calls' (%.17g, %.17g)",
                     (int)model, tf, t, i, pr_b1[i], pr_b2[i], pr_a1[i], pr_a2[i]);
    for (i = 0; i < n; i++)
        pr_b1[i] = pr_b2[i] = -7.0;
    assert_int_equal(cva_model_predict(model, p, tf, t, x, tx, T, n, pr_b1, NULL, o, NULL), s1);
    assert_int_equal(cva_model_predict(model, p, tf, t, x, tx, T, n, NULL, pr_b2, o, NULL), s2);
    assert_memory_equal(pr_b1, pr_a1, n * sizeof(double));
    assert_memory_equal(pr_b2, pr_a2, n * sizeof(double));
}

static void predict_combined(void **state)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426}, pn[4] = {0.55, 10.6, 0.61, 11.7};
    static const double bb[4] = {1.2, 0.75, 0.66, 2.78}, nbd[2] = {0.4, 6.0};
    static const double gom[5] = {1.2, 3.5, 0.05, 1.5, 2.0}, cor[5] = {1.2, 0.8, 1.5, 2.0, 0.12};
    static const double pn_cap[4] = {0.55, 10.6, 0.61, 1e31};
    static double x[PR_N], tx[PR_N], T[PR_N], bx[PR_N], btx[PR_N], bT[PR_N];
    static const int32_t models[7] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD,  CVA_MODEL_BGBB,
                                      CVA_MODEL_NBD,   CVA_MODEL_GGOMNBD, CVA_MODEL_PNBDCOR};
    static const double hz[3][2] = {{0.0, 39.0}, {10.0, 39.0}, {5.0, 0.0}};
    cva_predict_opts o, bad;
    cva_diag d;
    size_t i;
    int k, h;
    (void)state;
    for (i = 0; i < PR_N; i++) {
        T[i] = 20.0 + (double)(i % 17);
        bT[i] = (double)(4 + i % 3);
    }
    assert_status(cva_sim_btyd(CVA_MODEL_PNBD, pn, T, PR_N, 91u, x, tx, NULL), CVA_OK);
    assert_status(cva_sim_btyd(CVA_MODEL_BGBB, bb, bT, PR_N, 92u, bx, btx, NULL), CVA_OK);
    /* customers without a purchase: the first and every seventh */
    for (i = 0; i < PR_N; i += 7)
        x[i] = tx[i] = T[i] = bx[i] = btx[i] = bT[i] = (double)NAN;
    assert_status(cva_predict_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (k = 0; k < 7; k++) {
        const int32_t m = models[k];
        const double *p = m == CVA_MODEL_BGNBD || m == CVA_MODEL_MBGNBD ? bg
                          : m == CVA_MODEL_PNBD                         ? pn
                          : m == CVA_MODEL_BGBB                         ? bb
                          : m == CVA_MODEL_NBD                          ? nbd
                          : m == CVA_MODEL_GGOMNBD                      ? gom
                                                                        : cor;
        const double *xs = m == CVA_MODEL_BGBB ? bx : x, *txs = m == CVA_MODEL_BGBB ? btx : tx,
                     *Ts = m == CVA_MODEL_BGBB ? bT : T;
        const size_t n = m == CVA_MODEL_GGOMNBD ? 300 : PR_N; /* a numerical integral per row */
        for (h = 0; h < 3; h++) {
            predict_vs_two(m, p, xs, txs, Ts, n, hz[h][0], hz[h][1], NULL);
            predict_vs_two(m, p, xs + 1, txs + 1, Ts + 1, n - 1, hz[h][0], hz[h][1], &o); /* every row bought */
        }
        predict_vs_two(m, p, xs, txs, Ts, 5, 10.0, 39.0, NULL); /* short: no cache */
        assert_status(cva_model_predict(m, p, 0.0, 39.0, xs, txs, Ts, 0, pr_b1, pr_b2, NULL, NULL), CVA_W_EMPTY);
    }
    /* errors: as the first of the two calls reports it, the arguments numbered here */
    for (k = 0; k < 2; k++) {
        const int32_t m = k ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD;
        const double *p = k ? pn : bg;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_predict(m, p, 0.0, (double)NAN, x, tx, T, PR_N, pr_b1, pr_b2, NULL, &d),
                      CVA_E_NONFINITE);
        assert_int_equal(d.arg, 4);
        assert_status(cva_model_predict(m, p, -1.0, 39.0, x, tx, T, PR_N, pr_b1, pr_b2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 3);
        assert_status(cva_model_predict(m, p, 0.0, -1.0, x, tx, T, PR_N, pr_b1, pr_b2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 4);
        assert_status(cva_model_predict(m, p, 0.0, 39.0, x, tx, T, PR_N, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
        assert_int_equal(d.arg, 9);
        assert_status(cva_model_predict(m, p, 0.0, 39.0, NULL, tx, T, PR_N, pr_b1, pr_b2, NULL, &d), CVA_E_NULLPTR);
        bad = o;
        bad.struct_size = 8;
        assert_status(cva_model_predict(m, p, 0.0, 39.0, x, tx, T, PR_N, pr_b1, pr_b2, &bad, &d),
                      CVA_E_ABI_MISMATCH);
        assert_int_equal(d.arg, 11);
        x[10] = -1.0; /* after two rows without a purchase: the caller's row index */
        assert_status(cva_model_predict(m, p, 0.0, 39.0, x, tx, T, PR_N, pr_b1, pr_b2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 5);
        assert_int_equal(d.index, 10);
        x[10] = 1.0;
        tx[10] = T[10] + 1.0;
        assert_status(cva_model_predict(m, p, 0.0, 39.0, x, tx, T, PR_N, pr_b1, pr_b2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 6);
        assert_int_equal(d.index, 10);
        tx[10] = 0.5 * T[10];
    }
    cva_diag_init(&d, sizeof d);
    assert_status(cva_model_predict(CVA_MODEL_PNBD, pn_cap, 0.0, 39.0, x + 1, tx + 1, T + 1, 6, pr_b1, pr_b2, NULL,
                                    &d),
                  CVA_E_DOMAIN);
    assert_int_equal(d.arg, 2);
    assert_int_equal(d.index, 3);
    assert_status(cva_model_predict(CVA_MODEL_GG, pn, 0.0, 39.0, x + 1, tx + 1, T + 1, 6, pr_b1, pr_b2, NULL, &d),
                  CVA_E_BADARG);
    assert_int_equal(d.arg, 1);
}

/* ------------------------- the prediction prelude's diagnostics, every field asserted */

enum { PD_N = 30 };

/* a status and every field of its diagnostic (index -1 and count 0 where none) */
static void diag_is(const cva_diag *d, cva_status st, cva_status want, int32_t arg, int64_t index, uint64_t count,
                    const char *detail)
{
    if (st != want)
        fail_msg("status %d (arg %d, index %lld, %s), want %d", (int)st, (int)d->arg, (long long)d->index,
                 d->detail ? d->detail : "", (int)want);
    assert_int_equal(d->status, want);
    assert_int_equal(d->arg, arg);
    assert_int_equal(d->option, 0);
    assert_int_equal(d->index, index);
    assert_int_equal(d->count, count);
    assert_non_null(d->detail);
    if (detail)
        assert_string_equal(d->detail, detail);
}

static void *pd_no_alloc(void *user, size_t size)
{
    (void)user;
    (void)size;
    return NULL;
}

static void pd_no_free(void *user, void *ptr)
{
    (void)user;
    (void)ptr;
}

/* PD_N valid rows, each with a purchase but every fourth */
static void pd_rows(double *x, double *tx, double *T)
{
    size_t i;
    for (i = 0; i < PD_N; i++) {
        T[i] = 20.0 + (double)(i % 7);
        x[i] = (double)(i % 4);
        tx[i] = x[i] > 0.0 ? 0.5 * T[i] : 0.0;
    }
}

/* which: 0 cva_model_p_alive (s = t_future), 1 cva_model_expected (s = t), 2 cva_model_predict
   with s as t_future and t = 39, 3 cva_model_predict with t_future = 0 and s as t */
static cva_status pd_call(int which, int32_t model, const double *p, double s, const double *x, const double *tx,
                          const double *T, size_t n, double *o1, double *o2, const cva_predict_opts *o, cva_diag *d)
{
    cva_diag_init(d, sizeof *d);
    d->arg = -5; /* every field written by the call */
    d->index = 99;
    d->count = 99;
    if (which == 0)
        return cva_model_p_alive(model, p, s, x, tx, T, n, o1, o, d);
    if (which == 1)
        return cva_model_expected(model, p, s, x, tx, T, n, o1, o, d);
    if (which == 2)
        return cva_model_predict(model, p, s, 39.0, x, tx, T, n, o1, o2, o, d);
    return cva_model_predict(model, p, 0.0, s, x, tx, T, n, o1, o2, o, d);
}

/* cva_model_p_alive, cva_model_expected and cva_model_predict (Pareto/NBD's one pass and
   BG/NBD's two calls): the options' and the horizon's errors, in that order, before the
   rows; a bad row's index in the caller's numbering after rows without a purchase; the
   rows without a purchase counted; a failed allocation for them. Every field of cva_diag. */
static void predict_prelude_diags(void **state)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426}, pn[4] = {0.55, 10.6, 0.61, 11.7};
    static const char *const nan_msg[2] = {"t_future is NaN", "t is NaN"};
    static const char *const rng_msg[2] = {"t_future must be finite and >= 0", "t must be finite and >= 0"};
    static const char *const abi_msg = "cva_predict_opts: use cva_predict_opts_init_defaults()";
    static const char *const np_msg =
        "rows without a purchase (NaN x, t_x and T) were skipped: their outputs are NaN (diag->count rows)";
    double x[PD_N], tx[PD_N], T[PD_N], o1[PD_N], o2[PD_N];
    cva_predict_opts good, bad, noal;
    cva_allocator al;
    cva_diag d;
    int k, which;
    (void)state;
    pd_rows(x, tx, T);
    assert_status(cva_predict_opts_init_defaults(&good, sizeof good), CVA_OK);
    bad = good;
    bad.struct_size = 8;
    al.alloc = pd_no_alloc;
    al.free = pd_no_free;
    al.user = NULL;
    noal = good;
    noal.alloc = &al;
    for (k = 0; k < 2; k++) {
        const int32_t m = k ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD;
        const double *p = k ? pn : bg;
        for (which = 0; which < 4; which++) {
            const int pred = which >= 2, hz = which == 1 || which == 3; /* 1: the horizon is t */
            const int32_t a_opts = pred ? 11 : 9, a_s = which == 3 ? 4 : 3, a_x = pred ? 5 : 4;
            const double s_ok = hz ? 39.0 : 5.0;
            /* the options first, then the horizon */
            diag_is(&d, pd_call(which, m, p, (double)NAN, x, tx, T, PD_N, o1, o2, &bad, &d), CVA_E_ABI_MISMATCH,
                    a_opts, -1, 0, abi_msg);
            diag_is(&d, pd_call(which, m, p, (double)NAN, x, tx, T, PD_N, o1, o2, &good, &d), CVA_E_NONFINITE, a_s,
                    -1, 0, nan_msg[hz]);
            diag_is(&d, pd_call(which, m, p, -1.0, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_s, -1, 0,
                    rng_msg[hz]);
            diag_is(&d, pd_call(which, m, p, (double)INFINITY, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_s,
                    -1, 0, rng_msg[hz]);
            /* the horizon before the rows (cva_model_predict's t: after them, checked by
               cva_model_expected once cva_model_p_alive has passed) */
            x[4] = -1.0;
            if (which == 3)
                diag_is(&d, pd_call(which, m, p, (double)NAN, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_x,
                        4, 0, NULL);
            else
                diag_is(&d, pd_call(which, m, p, (double)NAN, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_NONFINITE,
                        a_s, -1, 0, nan_msg[hz]);
            diag_is(&d, pd_call(which, m, p, s_ok, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_x, 4, 0, NULL);
            /* rows without a purchase (1, 2, 9): the bad row in the caller's numbering */
            x[1] = tx[1] = T[1] = x[2] = tx[2] = T[2] = x[9] = tx[9] = T[9] = (double)NAN;
            diag_is(&d, pd_call(which, m, p, s_ok, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_x, 4, 0, NULL);
            x[4] = 0.0;
            tx[12] = T[12] + 1.0;
            diag_is(&d, pd_call(which, m, p, s_ok, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_E_BADARG, a_x + 1, 12, 0,
                    NULL);
            tx[12] = 0.0;
            x[12] = 0.0;
            diag_is(&d, pd_call(which, m, p, s_ok, x, tx, T, PD_N, o1, o2, NULL, &d), CVA_W_EXCLUDED, 0, -1, 3,
                    np_msg);
            assert_true(isnan(o1[1]) && isnan(o1[2]) && isnan(o1[9]) && !isnan(o1[0]));
            diag_is(&d, pd_call(which, m, p, s_ok, x, tx, T, PD_N, o1, o2, &noal, &d), CVA_E_NOMEM, 0, -1, 0, NULL);
            /* every row without a purchase */
            diag_is(&d, pd_call(which, m, p, s_ok, x + 1, tx + 1, T + 1, 2, o1, o2, NULL, &d), CVA_W_EMPTY, 0, -1,
                    2, "every row is without a purchase (NaN x, t_x and T)");
            pd_rows(x, tx, T); /* as they were */
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opts_and_structs), cmocka_unit_test(bad_input),   cmocka_unit_test(cancel_and_maxiter),
        cmocka_unit_test(row_merging),      cmocka_unit_test(bgnbd_cdnow), cmocka_unit_test(mbgnbd_cdnow),
        cmocka_unit_test(gg_cdnow),         cmocka_unit_test(std_errors),  cmocka_unit_test(time_units),
        cmocka_unit_test(penalty),          cmocka_unit_test(recovery),
        cmocka_unit_test(mbgnbd_recovery),  cmocka_unit_test(boundary_fits), cmocka_unit_test(impossible_row),
        cmocka_unit_test(no_purchase_rows), cmocka_unit_test(pnbd_prediction_range),
        cmocka_unit_test(predict_combined),
        cmocka_unit_test(predict_prelude_diags),
    };
    const char *dir = cva_test_data_dir();
    const char *req = getenv("CVA_REQUIRE_DATA");
    int require = req && strcmp(req, "1") == 0;
    if (dir) {
        snprintf(g_dir, sizeof g_dir, "%s", dir);
        g_have_data = load_csv() && load_log();
    }
    if (!g_have_data) {
        printf("%s: reference data not found at %s (CDNOW tests skipped)\n", require ? "FAIL" : "SKIP",
               dir ? dir : "(CVA_DATA_DIR unset)");
        if (require)
            return 1;
    }
    {
        int rc = cmocka_run_group_tests_name("models", tests, NULL, NULL);
        return rc == 0 && !g_have_data ? 77 : rc; /* data-free parts passed, CDNOW parts skipped */
    }
}
