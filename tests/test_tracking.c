/*
 * Holdout tracking and model comparison: cva_model_tracking against a direct sum of the
 * original (non-Euler) BG/NBD E[X(t)] of FHL 2005a eq. 9 (naive 2F1 series here) and the
 * NBD closed form; AIC/BIC by hand; the likelihood-ratio p-value against the closed
 * forms of the χ² tail for 1, 2 and 4 degrees of freedom (erfc, e^(−x/2), e^(−x/2)(1+x/2));
 * forecast accuracy by hand; bad input.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

static const double BG[4] = {0.243, 4.414, 0.793, 2.426};

static double naive_2f1(double a, double b, double c, double z)
{
    double s = 1, t = 1;
    int k;
    for (k = 0; k < 100000; k++) {
        t *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        s += t;
        if (fabs(t) < 1e-17 * fabs(s) && k > 10)
            break;
    }
    return s;
}

/* FHL 2005a eq. 9: E[X(t)] = (a+b−1)/(a−1) [1 − (α/(α+t))^r 2F1(r, b; a+b−1; t/(α+t))] */
static double bg_ex(const double *p, double t)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    if (t <= 0)
        return 0;
    return (a + b - 1) / (a - 1) * (1 - pow(al / (al + t), r) * naive_2f1(r, b, a + b - 1, t / (al + t)));
}

static void tracking(void **state)
{
    enum { NB = 6, NT = 100 };
    const double birth[NB] = {0.0, 0.0, 1.5, 3.0, 3.0, 11.25}, w[NB] = {2, 1, 3, 1, 1, 5};
    double t[NT], cum[NT], inc[NT], cum2[NT];
    int j, i;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (j = 0; j < NT; j++)
        t[j] = 0.78 * (j + 1); /* more than one chunk of 64 */
    assert_status(cva_model_tracking(CVA_MODEL_BGNBD, BG, birth, w, NB, t, NT, cum, inc, &d), CVA_OK);
    for (j = 0; j < NT; j++) {
        double want = 0;
        for (i = 0; i < NB; i++)
            want += w[i] * bg_ex(BG, t[j] - birth[i]);
        cva_assert_close(cum[j], want, 1e-10, 1e-14);
        cva_assert_close(inc[j], j ? cum[j] - cum[j - 1] : cum[0], 0, 0);
    }
    /* NBD: Σ w r (t − b)^+ / α */
    {
        const double nbd[2] = {0.385, 12.072};
        assert_status(cva_model_tracking(CVA_MODEL_NBD, nbd, birth, NULL, NB, t, NT, cum2, NULL, &d), CVA_OK);
        for (j = 0; j < NT; j++) {
            double want = 0;
            for (i = 0; i < NB; i++)
                want += t[j] > birth[i] ? nbd[0] * (t[j] - birth[i]) / nbd[1] : 0.0;
            cva_assert_close(cum2[j], want, 1e-13, 1e-15);
        }
    }
    /* unsorted births give the same (up to rounding) */
    {
        const double b2[NB] = {11.25, 3.0, 0.0, 1.5, 0.0, 3.0}, w2[NB] = {5, 1, 2, 3, 1, 1};
        assert_status(cva_model_tracking(CVA_MODEL_BGNBD, BG, b2, w2, NB, t, NT, cum2, NULL, &d), CVA_OK);
        for (j = 0; j < NT; j++)
            cva_assert_close(cum2[j], cum[j], 1e-13, 0);
    }
    /* errors */
    {
        double tb[2] = {2, 1}, bb = (double)NAN, one;
        assert_status(cva_model_tracking(CVA_MODEL_BGNBD, BG, birth, NULL, NB, tb, 2, cum2, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 6);
        assert_int_equal(d.index, 1);
        assert_status(cva_model_tracking(CVA_MODEL_BGNBD, BG, &bb, NULL, 1, t, 1, &one, NULL, &d), CVA_E_NONFINITE);
        assert_status(cva_model_tracking(CVA_MODEL_BGBB, BG, birth, NULL, 1, t, 1, &one, NULL, &d), CVA_E_BADARG);
        assert_status(cva_model_tracking(CVA_MODEL_BGNBD, BG, birth, NULL, 0, t, 1, &one, NULL, &d), CVA_W_EMPTY);
        cva_assert_same(one, 0.0);
    }
}

static void information_criteria(void **state)
{
    cva_model_fit f;
    double aic, bic;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    cva_model_fit_init(&f, sizeof f);
    assert_status(cva_model_ic(&f, &aic, &bic, &d), CVA_E_BADARG);
    f.n_params = 4;
    f.log_likelihood = -9582.4;
    f.n_customers = 2357;
    assert_status(cva_model_ic(&f, &aic, &bic, &d), CVA_OK);
    cva_assert_close(aic, 8 + 2 * 9582.4, 1e-15, 0);
    cva_assert_close(bic, 4 * log(2357.0) + 2 * 9582.4, 1e-15, 0);
    assert_status(cva_model_ic(NULL, &aic, &bic, &d), CVA_E_NULLPTR);
}

static void lr_test(void **state)
{
    double stat, p;
    const double xs[6] = {0.01, 0.5, 3.841458820694124, 10, 60, 700};
    int i;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < 6; i++) {
        const double x = xs[i];
        assert_status(cva_lr_test(0.0, 2, x / 2, 3, &stat, &p, &d), CVA_OK);
        cva_assert_close(stat, x, 1e-13, 0);
        cva_assert_close(p, erfc(sqrt(x / 2)), 1e-12, 1e-300);
        assert_status(cva_lr_test(0.0, 2, x / 2, 4, &stat, &p, &d), CVA_OK);
        cva_assert_close(p, exp(-x / 2), 1e-12, 1e-300);
        assert_status(cva_lr_test(0.0, 0, x / 2, 4, &stat, &p, &d), CVA_OK);
        cva_assert_close(p, exp(-x / 2) * (1 + x / 2), 1e-12, 1e-300);
    }
    /* the 5 % point of χ²(1) */
    assert_status(cva_lr_test(0, 1, 3.841458820694124 / 2, 2, &stat, &p, &d), CVA_OK);
    cva_assert_close(p, 0.05, 1e-12, 0);
    /* the full model lower: warning, statistic 0, p 1 */
    assert_status(cva_lr_test(-10, 2, -11, 4, &stat, &p, &d), CVA_W_NOT_CONVERGED);
    cva_assert_same(stat, 0.0);
    cva_assert_same(p, 1.0);
    assert_status(cva_lr_test(-10, 4, -9, 4, &stat, &p, &d), CVA_E_BADARG);
    assert_status(cva_lr_test((double)NAN, 2, -9, 4, &stat, &p, &d), CVA_E_NONFINITE);
}

static void accuracy(void **state)
{
    const double a[4] = {0, 1, 3, 0}, f[4] = {0.5, 1, 1, 0.25}, w[4] = {1, 2, 1, 1};
    double acc[CVA_ACC_N];
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_forecast_accuracy(a, f, w, 4, acc, &d), CVA_OK);
    cva_assert_close(acc[CVA_ACC_MAE], (0.5 + 0 + 2 + 0.25) / 5, 1e-15, 0);
    cva_assert_close(acc[CVA_ACC_RMSE], sqrt((0.25 + 4 + 0.0625) / 5), 1e-15, 0);
    cva_assert_close(acc[CVA_ACC_MSLE],
                     (pow(log(1.5), 2) + pow(log(4.0) - log(2.0), 2) + pow(log(1.25), 2)) / 5, 1e-14, 0);
    cva_assert_close(acc[CVA_ACC_BIAS], (0.5 + 2 + 1 + 0.25) / 5.0 - 1, 1e-15, 0);
    {
        const double neg = -1;
        assert_status(cva_forecast_accuracy(&neg, f, NULL, 1, acc, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 1);
    }
    assert_status(cva_forecast_accuracy(a, f, NULL, 0, acc, &d), CVA_W_EMPTY);
    assert_true(isnan(acc[CVA_ACC_MAE]));
    assert_status(cva_forecast_accuracy(a, f, NULL, 4, NULL, &d), CVA_E_NULLPTR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tracking),
        cmocka_unit_test(information_criteria),
        cmocka_unit_test(lr_test),
        cmocka_unit_test(accuracy),
    };
    return cmocka_run_group_tests_name("tracking", tests, NULL, NULL);
}
