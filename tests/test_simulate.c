/*
 * Model simulators: parameter recovery with the library's own fits
 * on 1e5 simulated customers, determinism, independence of n, and errors.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#define N_REC 100000

/* Every estimate within 4 standard errors of the truth. */
static void assert_recovered(const cva_model_fit *fit, const double *truth, int k)
{
    int j;
    for (j = 0; j < k; j++) {
        double z = (fit->params[j] - truth[j]) / fit->std_err[j];
        if (!(fabs(z) <= 4.0))
            fail_msg("model %d param %d: estimate %g, truth %g, se %g (z = %g)", (int)fit->model, j,
                     fit->params[j], truth[j], fit->std_err[j], z);
    }
}

static void recover_btyd(int32_t model, const double *truth, double T_lo, double T_hi)
{
    double *T = (double *)malloc(N_REC * sizeof *T);
    double *x = (double *)malloc(N_REC * sizeof *x);
    double *tx = (double *)malloc(N_REC * sizeof *tx);
    cva_model_fit fit;
    cva_diag d;
    size_t i;
    assert_non_null(T);
    assert_non_null(x);
    assert_non_null(tx);
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < N_REC; i++)
        T[i] = T_lo + (T_hi - T_lo) * (double)i / (double)N_REC;
    if (model == CVA_MODEL_BGBB)
        for (i = 0; i < N_REC; i++)
            T[i] = floor(T[i]);
    assert_status(cva_sim_btyd(model, truth, T, N_REC, 2024, x, tx, &d), CVA_OK);
    for (i = 0; i < N_REC; i++) {
        assert_true(x[i] >= 0 && x[i] == floor(x[i]));
        assert_true(tx[i] >= 0 && tx[i] <= T[i]);
        assert_true(x[i] > 0 || tx[i] == 0);
        if (model == CVA_MODEL_BGBB)
            assert_true(tx[i] == floor(tx[i]) && tx[i] >= x[i]);
    }
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(model, x, tx, T, NULL, N_REC, NULL, &fit, &d), CVA_OK);
    assert_true(fit.converged);
    assert_recovered(&fit, truth, cva_model_n_params(model));
    free(T);
    free(x);
    free(tx);
}

/* NBD (issue 15): BTYDplus' NBD demo parameters */
static void test_recover_nbd(void **state)
{
    const double truth[2] = {0.85, 4.45};
    (void)state;
    recover_btyd(CVA_MODEL_NBD, truth, 20.0, 80.0);
}

static void test_recover_bgnbd(void **state)
{
    const double truth[4] = {0.243, 4.414, 0.793, 2.426};
    (void)state;
    recover_btyd(CVA_MODEL_BGNBD, truth, 20.0, 80.0);
}

static void test_recover_mbgnbd(void **state)
{
    const double truth[4] = {0.5, 5.0, 0.6, 3.0};
    (void)state;
    recover_btyd(CVA_MODEL_MBGNBD, truth, 20.0, 80.0);
}

static void test_recover_pnbd(void **state)
{
    const double truth[4] = {0.55, 10.58, 0.61, 11.67};
    (void)state;
    recover_btyd(CVA_MODEL_PNBD, truth, 26.0, 78.0);
}

static void test_recover_bgbb(void **state)
{
    const double truth[4] = {1.204, 0.750, 0.657, 2.783};
    (void)state;
    recover_btyd(CVA_MODEL_BGBB, truth, 6.0, 6.0);
}

static void test_recover_gg(void **state)
{
    const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    const double truth[3] = {6.25, 3.74, 15.44};
    double *T = (double *)malloc(N_REC * sizeof *T);
    double *x = (double *)malloc(N_REC * sizeof *x);
    double *tx = (double *)malloc(N_REC * sizeof *tx);
    double *m = (double *)malloc(N_REC * sizeof *m);
    cva_model_fit fit;
    size_t i;
    (void)state;
    for (i = 0; i < N_REC; i++)
        T[i] = 39.0;
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, bg, T, N_REC, 7, x, tx, NULL), CVA_OK);
    assert_status(cva_sim_gg(truth, x, N_REC, 8, m, NULL), CVA_OK);
    for (i = 0; i < N_REC; i++)
        assert_true(x[i] == 0 ? m[i] == 0 : (m[i] > 0 && isfinite(m[i])));
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_gg_fit(x, m, NULL, N_REC, NULL, &fit, NULL), CVA_OK);
    assert_recovered(&fit, truth, 3);
    free(T);
    free(x);
    free(tx);
    free(m);
}

static void test_recover_sbg(void **state)
{
    const double truth[2] = {0.668, 3.806};
    double s[13];
    cva_model_fit fit;
    size_t j;
    (void)state;
    assert_status(cva_sim_sbg(truth, 100000, 13, 99, s, NULL), CVA_OK);
    cva_assert_same(s[0], 100000);
    for (j = 1; j < 13; j++)
        assert_true(s[j] <= s[j - 1] && s[j] == floor(s[j]));
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_sbg_fit(s, 1, 13, NULL, &fit, NULL), CVA_OK);
    assert_recovered(&fit, truth, 2);
}

/* The mean of x matches the closed form E[X(T)] of every BTYD model. */
static void test_mean_matches_closed_form(void **state)
{
    const int32_t models[4] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD, CVA_MODEL_BGBB};
    const double pr[4][4] = {{0.243, 4.414, 0.793, 2.426},
                             {0.5, 5.0, 0.6, 3.0},
                             {0.55, 10.58, 0.61, 11.67},
                             {1.204, 0.750, 0.657, 2.783}};
    const double Tval[4] = {39.0, 39.0, 39.0, 6.0};
    double *T = (double *)malloc(N_REC * sizeof *T);
    double *x = (double *)malloc(N_REC * sizeof *x);
    double *tx = (double *)malloc(N_REC * sizeof *tx);
    int k;
    size_t i;
    (void)state;
    for (k = 0; k < 4; k++) {
        double ex, s1 = 0, s2 = 0, mean, se;
        for (i = 0; i < N_REC; i++)
            T[i] = Tval[k];
        assert_status(cva_sim_btyd(models[k], pr[k], T, N_REC, 11, x, tx, NULL), CVA_OK);
        assert_status(cva_model_expected_pop(models[k], pr[k], &Tval[k], 1, &ex, NULL), CVA_OK);
        for (i = 0; i < N_REC; i++) {
            s1 += x[i];
            s2 += x[i] * x[i];
        }
        mean = s1 / N_REC;
        se = sqrt((s2 / N_REC - mean * mean) / N_REC);
        if (!(fabs(mean - ex) <= 4.0 * se))
            fail_msg("model %d: mean x %g, E[X(T)] %g, se %g", (int)models[k], mean, ex, se);
    }
    free(T);
    free(x);
    free(tx);
}

static void test_determinism(void **state)
{
    const int32_t models[4] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD, CVA_MODEL_BGBB};
    const double pr[4] = {0.9, 2.0, 0.8, 2.5};
    double T[1000], x1[1000], t1[1000], x2[1000], t2[1000], xs[10], ts[10];
    double m1[1000], m2[1000], ms[10], s1[20], s2[20];
    size_t i;
    int k, differ = 0;
    (void)state;
    for (i = 0; i < 1000; i++)
        T[i] = (double)(1 + i % 20);
    for (k = 0; k < 4; k++) {
        assert_status(cva_sim_btyd(models[k], pr, T, 1000, 5, x1, t1, NULL), CVA_OK);
        assert_status(cva_sim_btyd(models[k], pr, T, 1000, 5, x2, t2, NULL), CVA_OK);
        assert_memory_equal(x1, x2, sizeof x1);
        assert_memory_equal(t1, t2, sizeof t1);
        assert_status(cva_sim_btyd(models[k], pr, T, 10, 5, xs, ts, NULL), CVA_OK);
        assert_memory_equal(x1, xs, sizeof xs);
        assert_memory_equal(t1, ts, sizeof ts);
        assert_status(cva_sim_btyd(models[k], pr, T, 1000, 6, x2, t2, NULL), CVA_OK);
        differ = memcmp(x1, x2, sizeof x1) != 0;
        assert_true(differ);
    }
    assert_status(cva_sim_gg(pr, x1, 1000, 3, m1, NULL), CVA_OK);
    assert_status(cva_sim_gg(pr, x1, 1000, 3, m2, NULL), CVA_OK);
    assert_memory_equal(m1, m2, sizeof m1);
    assert_status(cva_sim_gg(pr, x1, 10, 3, ms, NULL), CVA_OK);
    assert_memory_equal(m1, ms, sizeof ms);
    assert_status(cva_sim_sbg(pr, 500, 20, 4, s1, NULL), CVA_OK);
    assert_status(cva_sim_sbg(pr, 500, 20, 4, s2, NULL), CVA_OK);
    assert_memory_equal(s1, s2, sizeof s1);
    /* T = 0: nothing observed */
    T[0] = 0.0;
    for (k = 0; k < 4; k++) {
        assert_status(cva_sim_btyd(models[k], pr, T, 1, 5, xs, ts, NULL), CVA_OK);
        cva_assert_same(xs[0], 0);
        cva_assert_same(ts[0], 0);
    }
}

static void test_errors(void **state)
{
    const double pr[4] = {0.9, 2.0, 0.8, 2.5};
    double bad[4] = {0.9, 2.0, 0.8, 2.5};
    double T[3] = {1, 2, 3}, x[3] = {-7, -7, -7}, tx[3] = {-7, -7, -7}, s[4] = {-7, -7, -7, -7};
    cva_diag d;
    int j;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_sim_btyd(CVA_MODEL_GG, pr, T, 3, 1, x, tx, &d), CVA_E_BADARG);
    assert_status(cva_sim_btyd(99, pr, T, 3, 1, x, tx, &d), CVA_E_BADARG);
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, NULL, T, 3, 1, x, tx, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, pr, NULL, 3, 1, x, tx, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, pr, T, 3, 1, NULL, tx, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, pr, T, 3, 1, x, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, pr, NULL, 0, 1, NULL, NULL, &d), CVA_OK);
    for (j = 0; j < 4; j++) {
        bad[j] = j % 2 ? -1.0 : 0.0;
        assert_status(cva_sim_btyd(CVA_MODEL_PNBD, bad, T, 3, 1, x, tx, &d), CVA_E_DOMAIN);
        assert_int_equal((int)d.index, j);
        bad[j] = (double)INFINITY;
        assert_status(cva_sim_btyd(CVA_MODEL_BGBB, bad, T, 3, 1, x, tx, &d), CVA_E_DOMAIN);
        bad[j] = pr[j];
    }
    T[1] = (double)NAN;
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, pr, T, 3, 1, x, tx, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 1);
    T[1] = -1.0;
    assert_status(cva_sim_btyd(CVA_MODEL_MBGNBD, pr, T, 3, 1, x, tx, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 1);
    T[1] = 2.5;
    assert_status(cva_sim_btyd(CVA_MODEL_PNBD, pr, T, 3, 1, x, tx, &d), CVA_OK); /* fine here */
    x[0] = x[1] = x[2] = tx[0] = tx[1] = tx[2] = -7;
    assert_status(cva_sim_btyd(CVA_MODEL_BGBB, pr, T, 3, 1, x, tx, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 1);
    for (j = 0; j < 3; j++) {
        cva_assert_same(x[j], -7);
        cva_assert_same(tx[j], -7);
    }

    /* Gamma-Gamma */
    {
        double fx[3] = {0, 1.5, 2}, m[3] = {-7, -7, -7};
        assert_status(cva_sim_gg(NULL, fx, 3, 1, m, &d), CVA_E_NULLPTR);
        assert_status(cva_sim_gg(pr, NULL, 3, 1, m, &d), CVA_E_NULLPTR);
        assert_status(cva_sim_gg(pr, fx, 3, 1, NULL, &d), CVA_E_NULLPTR);
        assert_status(cva_sim_gg(pr, fx, 3, 1, m, &d), CVA_E_BADARG);
        assert_int_equal((int)d.index, 1);
        fx[1] = -1;
        assert_status(cva_sim_gg(pr, fx, 3, 1, m, &d), CVA_E_BADARG);
        bad[2] = -1;
        fx[1] = 1;
        assert_status(cva_sim_gg(bad, fx, 3, 1, m, &d), CVA_E_DOMAIN);
        assert_int_equal((int)d.index, 2);
        bad[2] = pr[2];
        for (j = 0; j < 3; j++)
            cva_assert_same(m[j], -7);
        assert_status(cva_sim_gg(pr, fx, 3, 1, m, &d), CVA_OK);
        cva_assert_same(m[0], 0);
    }

    /* sBG */
    assert_status(cva_sim_sbg(NULL, 10, 4, 1, s, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_sbg(pr, 10, 4, 1, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_sbg(pr, 10.5, 4, 1, s, &d), CVA_E_BADARG);
    assert_status(cva_sim_sbg(pr, -1, 4, 1, s, &d), CVA_E_BADARG);
    assert_status(cva_sim_sbg(pr, (double)INFINITY, 4, 1, s, &d), CVA_E_BADARG);
    bad[1] = 0;
    assert_status(cva_sim_sbg(bad, 10, 4, 1, s, &d), CVA_E_DOMAIN);
    assert_int_equal((int)d.index, 1);
    for (j = 0; j < 4; j++)
        cva_assert_same(s[j], -7);
    assert_status(cva_sim_sbg(pr, 0, 4, 1, s, &d), CVA_OK);
    for (j = 0; j < 4; j++)
        cva_assert_same(s[j], 0);
    assert_status(cva_sim_sbg(pr, 10, 0, 1, NULL, &d), CVA_OK);
}

/* The names kept until 1.0 (sim.h) are the new functions under their old names. */
static void test_old_names(void **state)
{
    const double bg[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.44}, sbg[2] = {0.7, 1.2};
    const double T[5] = {10, 20, 30, 39, 52};
    double x1[5], t1[5], x2[5], t2[5], m1[5], m2[5], s1[4], s2[4];
    size_t n1 = 0, n2 = 0;
    (void)state;
    assert_status(cva_sim_btyd(CVA_MODEL_BGNBD, bg, T, 5, 9, x1, t1, NULL), CVA_OK);
    assert_status(cva_model_simulate(CVA_MODEL_BGNBD, bg, T, 5, 9, x2, t2, NULL), CVA_OK);
    assert_memory_equal(x1, x2, sizeof x1);
    assert_memory_equal(t1, t2, sizeof t1);
    assert_status(cva_sim_gg(gg, x1, 5, 9, m1, NULL), CVA_OK);
    assert_status(cva_gg_simulate(gg, x1, 5, 9, m2, NULL), CVA_OK);
    assert_memory_equal(m1, m2, sizeof m1);
    assert_status(cva_sim_sbg(sbg, 50, 4, 9, s1, NULL), CVA_OK);
    assert_status(cva_sbg_simulate(sbg, 50, 4, 9, s2, NULL), CVA_OK);
    assert_memory_equal(s1, s2, sizeof s1);
    assert_status(cva_sim_transactions(NULL, 20, NULL, NULL, NULL, 0, &n1, NULL), CVA_OK);
    assert_status(cva_simulate_bgnbd_gg(NULL, 20, NULL, NULL, NULL, 0, &n2, NULL), CVA_OK);
    assert_true(n1 > 20);
    assert_int_equal(n1, n2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recover_nbd),
        cmocka_unit_test(test_recover_bgnbd), cmocka_unit_test(test_recover_mbgnbd),
        cmocka_unit_test(test_recover_pnbd),  cmocka_unit_test(test_recover_bgbb),
        cmocka_unit_test(test_recover_gg),    cmocka_unit_test(test_recover_sbg),
        cmocka_unit_test(test_mean_matches_closed_form),
        cmocka_unit_test(test_determinism),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_old_names),
    };
    return cmocka_run_group_tests_name("simulate", tests, NULL, NULL);
}
