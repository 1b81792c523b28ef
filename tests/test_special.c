/*
 * Special functions of lib/special.c against 60-digit mpmath values
 * (tests/data/special_ref.h, generated once by tests/data/special_gen.py).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "../lib/churn_internal.h"
#include "data/special_ref.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* worst relative error seen per family, printed at the end of each test */
static double relerr(double got, double want)
{
    double d = fabs(got - want);
    return want != 0.0 ? d / fabs(want) : d;
}

static void lgamma_grid(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_lgamma); i++) {
        double x = ref_lgamma[i][0], want = ref_lgamma[i][1], got = cva__lgamma(x);
        cva_assert_close(got, want, 1e-14, 0);
        if (relerr(got, want) > worst)
            worst = relerr(got, want);
    }
    assert_true(isnan(cva__lgamma(0.0)));
    assert_true(isnan(cva__lgamma(-1.5)));
    print_message("lgamma: max relative error %.2e\n", worst);
}

static void digamma_grid(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_digamma); i++) {
        double x = ref_digamma[i][0], want = ref_digamma[i][1], got = cva__digamma(x);
        cva_assert_close(got, want, 1e-14, 2e-15);
        if (fabs(want) > 0.1 && relerr(got, want) > worst)
            worst = relerr(got, want);
    }
    print_message("digamma: max relative error %.2e (|value| > 0.1)\n", worst);
}

static void log_helpers(void **state)
{
    double xs[] = {-800, -40, -20, -1, -1e-10, 0, 1e-10, 0.5, 15, 20, 30, 40, 800};
    size_t i;
    (void)state;
    for (i = 0; i < NROWS(xs); i++) {
        double x = xs[i];
        double want = x > 30 ? x + log1p(exp(-x)) : log1p(exp(x));
        cva_assert_close(cva__log1pexp(x), want, 1e-15, 0);
        cva_assert_close(cva__expit(x), x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)), 1e-15, 0);
        assert_true(cva__expit(x) >= 0 && cva__expit(x) <= 1);
    }
    cva_assert_close(cva__logaddexp(1000, 1000), 1000 + log(2.0), 1e-15, 0);
    cva_assert_close(cva__logaddexp(-1000, -1001), -1000 + log1p(exp(-1.0)), 1e-15, 0);
    cva_assert_close(cva__logaddexp(-HUGE_VAL, 3), 3, 0, 0);
    cva_assert_close(cva__logaddexp(-HUGE_VAL, -HUGE_VAL), -HUGE_VAL, 0, 0);
    cva_assert_close(cva__log1mexp(-1e-20), log(1e-20), 1e-15, 0);
    cva_assert_close(cva__log1mexp(-0.5), log(1 - exp(-0.5)), 1e-15, 0);
    cva_assert_close(cva__log1mexp(-50), -exp(-50.0), 1e-15, 0);
    cva_assert_close(cva__log1mexp(0), -HUGE_VAL, 0, 0);
}

static void hyp2f1_grid(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_hyp2f1); i++) {
        const double *c = ref_hyp2f1[i];
        double lv = (double)NAN;
        int sg = 0;
        cva_status st = cva__hyp2f1_log(c[0], c[1], c[2], c[3], &lv, &sg);
        if (st != CVA_OK)
            print_error("row %zu: status %d\n", i, st);
        assert_int_equal(st, CVA_OK);
        assert_int_equal(sg, (int)c[5]);
        /* log value: relative 1e-12 of the value = absolute 1e-12 in the log;
           for logs beyond ±1 compare relatively (|ln F| up to 6e5) */
        cva_assert_close(lv, c[4], 1e-14, 1e-12);
        if (fabs(lv - c[4]) / (fabs(c[4]) > 1 ? fabs(c[4]) : 1) > worst)
            worst = fabs(lv - c[4]) / (fabs(c[4]) > 1 ? fabs(c[4]) : 1);
    }
    print_message("hyp2f1: max error of ln F %.2e (absolute, relative beyond |ln F| > 1)\n", worst);
}

static void hyp2f1_domain(void **state)
{
    double lv;
    int sg;
    (void)state;
    assert_int_equal(cva__hyp2f1_log(1, 1, 2, 1.0, &lv, &sg), CVA_E_DOMAIN);
    assert_int_equal(cva__hyp2f1_log(1, 1, 2, -0.1, &lv, &sg), CVA_E_DOMAIN);
    assert_int_equal(cva__hyp2f1_log(1, 1, -2, 0.5, &lv, &sg), CVA_E_DOMAIN);
    assert_int_equal(cva__hyp2f1_log(1, 1, 2, (double)NAN, &lv, &sg), CVA_E_DOMAIN);
    /* term cap: integer c−a−b at z extremely close to 1 */
    assert_int_equal(cva__hyp2f1_log(1, 1, 2, 1 - 1e-9, &lv, &sg), CVA_W_SERIES_LIMIT);
    assert_true(isfinite(lv));
    assert_int_equal(cva__hyp2f1_unit_a_log(1, -1, 0.5, &lv), CVA_E_DOMAIN);
    assert_int_equal(cva__hyp2f1_unit_a_log(1, 1, 1.0, &lv), CVA_E_DOMAIN);
    assert_int_equal(cva__expint_scaled(0, 1, &lv), CVA_E_DOMAIN);
    assert_int_equal(cva__expint_scaled(1, 0, &lv), CVA_E_DOMAIN);
}

static void unit_a_grid(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_unit_a); i++) {
        const double *c = ref_unit_a[i];
        double lv = (double)NAN;
        assert_int_equal(cva__hyp2f1_unit_a_log(c[0], c[1], c[2], &lv), CVA_OK);
        cva_assert_close(lv, c[3], 1e-13, 1e-13);
        if (fabs(lv - c[3]) / (fabs(c[3]) > 1 ? fabs(c[3]) : 1) > worst)
            worst = fabs(lv - c[3]) / (fabs(c[3]) > 1 ? fabs(c[3]) : 1);
    }
    print_message("unit-A 2F1: max error of ln F %.2e (absolute, relative beyond |ln F| > 1)\n", worst);
}

static void sbg_del_via_unit_a(void **state)
{
    /* docs/methods/models.md#methods_models_refs: DEL(0.704, 1.182; d = 0.1) = 2F1(1, β; α+β; 1/1.1) = 3.695147406 */
    double al = 0.704, be = 1.182, z = 1 / 1.1, lv;
    (void)state;
    assert_int_equal(cva__hyp2f1_unit_a_log(al + be - 1, al, z, &lv), CVA_OK);
    cva_assert_close(exp((al - 1) * log1p(-z) + lv), 3.695147406, 1e-9, 0);
}

static void expint_grid(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_expint); i++) {
        const double *c = ref_expint[i];
        double v = (double)NAN;
        assert_int_equal(cva__expint_scaled(c[0], c[1], &v), CVA_OK);
        /* integer and near-integer s included: the pole pair is summed in closed form */
        cva_assert_close(v, c[2], 1e-13, 0);
        if (relerr(v, c[2]) > worst)
            worst = relerr(v, c[2]);
    }
    print_message("e^z E_s(z): max relative error %.2e\n", worst);
}

/* Differences of large logs: relative accuracy where both log-gammas are huge (the
   Gamma-Gamma q ≈ 1.6e231 case) and for arguments from 1e-6 to 1e12 and beyond. */
static void log_differences(void **state)
{
    size_t i;
    double worst = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_log1pmx); i++)
        cva_assert_close(cva__log1pmx(ref_log1pmx[i][0]), ref_log1pmx[i][1], 1e-14, 0);
    assert_true(isnan(cva__log1pmx(-1.5)));
    cva_assert_close(cva__log1pmx(-1.0), -HUGE_VAL, 0, 0);
    for (i = 0; i < NROWS(ref_lgamma_corr); i++)
        cva_assert_close(cva__lgamma_corr(ref_lgamma_corr[i][0]), ref_lgamma_corr[i][1], 1e-14, 0);
    for (i = 0; i < NROWS(ref_lgamma_delta); i++) {
        const double x = ref_lgamma_delta[i][0], h = ref_lgamma_delta[i][1], want = ref_lgamma_delta[i][2];
        const double got = cva__lgamma_delta(x, h);
        /* δ(x, 1) = 0 exactly: near its zeros the error is judged against the size of the
           terms, h(1+h)/x for x >= 10 (δ ≈ h(h−1)/(2x)), h(1 + h + |ln x|) below */
        const double scale = h * (1 + h) * (x >= 10 ? 1 / x : 1 + fabs(log(x)));
        cva_assert_close(got, want, 1e-14, 1e-15 * scale);
        if (fabs(want) > 1e-6 * scale && relerr(got, want) > worst)
            worst = relerr(got, want);
    }
    print_message("lgamma_delta: max relative error %.2e (away from its zeros)\n", worst);
    worst = 0;
    for (i = 0; i < NROWS(ref_lgamma_diff); i++) {
        const double got = cva__lgamma_diff(ref_lgamma_diff[i][0], ref_lgamma_diff[i][1]);
        cva_assert_close(got, ref_lgamma_diff[i][2], 1e-14, 0);
        if (relerr(got, ref_lgamma_diff[i][2]) > worst)
            worst = relerr(got, ref_lgamma_diff[i][2]);
    }
    print_message("lgamma_diff: max relative error %.2e\n", worst);
    worst = 0;
    for (i = 0; i < NROWS(ref_digamma_diff); i++) {
        const double got = cva__digamma_diff(ref_digamma_diff[i][0], ref_digamma_diff[i][1]);
        cva_assert_close(got, ref_digamma_diff[i][2], 1e-14, 0);
        if (relerr(got, ref_digamma_diff[i][2]) > worst)
            worst = relerr(got, ref_digamma_diff[i][2]);
    }
    print_message("digamma_diff: max relative error %.2e\n", worst);
    worst = 0;
    for (i = 0; i < NROWS(ref_lbeta); i++) {
        const double a = ref_lbeta[i][0], b = ref_lbeta[i][1], want = ref_lbeta[i][2];
        cva_assert_close(cva__lbeta(a, b), want, 1e-14, 0);
        cva_assert_same(cva__lbeta(b, a), cva__lbeta(a, b));
        if (relerr(cva__lbeta(a, b), want) > worst)
            worst = relerr(cva__lbeta(a, b), want);
    }
    print_message("lbeta: max relative error %.2e\n", worst);
    worst = 0;
    for (i = 0; i < NROWS(ref_lbeta_ratio); i++) {
        const double *c = ref_lbeta_ratio[i], got = cva__lbeta_ratio(c[0], c[1], c[2], c[3]);
        cva_assert_close(got, c[4], 1e-13, 0);
        if (relerr(got, c[4]) > worst)
            worst = relerr(got, c[4]);
    }
    print_message("lbeta_ratio: max relative error %.2e\n", worst);
    /* a + b beyond DBL_MAX (a fuzz find: NaN): the limit x ln(a/(a+b)) + y ln(b/(a+b)) */
    cva_assert_close(cva__lbeta_ratio(DBL_MAX, DBL_MAX, 2, 3), 5.0 * log(0.5), 1e-13, 0);
    cva_assert_close(cva__lbeta_ratio(DBL_MAX, DBL_MAX, 2.5, 3.5), 6.0 * log(0.5), 1e-13, 0);
    for (i = 0; i < NROWS(ref_digamma_mlog); i++)
        cva_assert_close(cva__digamma_mlog(ref_digamma_mlog[i][0]), ref_digamma_mlog[i][1], 1e-14, 0);
    /* domains */
    assert_true(isnan(cva__lgamma_delta(0, 1)));
    assert_true(isnan(cva__lgamma_delta(1, -0.5)));
    assert_true(isnan(cva__lgamma_diff(1, -1)));
    assert_true(isnan(cva__lbeta(0, 1)));
    assert_true(isnan(cva__digamma_diff(-1, 3)));
    assert_true(isnan(cva__digamma_mlog(0)));
    cva_assert_same(cva__lgamma_diff(3.5, 0), 0);
    cva_assert_same(cva__digamma_diff(3.5, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lgamma_grid),   cmocka_unit_test(digamma_grid),  cmocka_unit_test(log_helpers),
        cmocka_unit_test(hyp2f1_grid),   cmocka_unit_test(hyp2f1_domain), cmocka_unit_test(unit_a_grid),
        cmocka_unit_test(sbg_del_via_unit_a), cmocka_unit_test(expint_grid),
        cmocka_unit_test(log_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
