/*
 * NBD (Ehrenberg): the BTYDplus log-likelihood written out here, its gradient by
 * central differences, the CDNOW fit against the published digits (r 0.385, alpha
 * 12.072, LL −9763.7) and a 30-digit solution of the score equations
 * (tests/data/nbd_cdnow_ref.py), the closed-form predictions, the conditional
 * distribution and variance, and parameter recovery on simulated customers.
 * The CDNOW part needs CVA_DATA_DIR (skip 77, or a failure with CVA_REQUIRE_DATA=1).
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

enum { NCUST = 2357 };

static const double P[2] = {0.385, 12.072};
static const double X[5] = {0, 1, 2, 7, 40}, TX[5] = {0, 5, 30.43, 29.43, 38}, TT[5] = {38.86, 32, 38.86, 35, 39};

/* BTYDplus nbd.LL: lgamma(r + x) + r log(alpha) - lgamma(r) - (r + x) log(alpha + T) */
static double ll_direct(const double *p, double x, double T)
{
    return lgamma(p[0] + x) + p[0] * log(p[1]) - lgamma(p[0]) - (p[0] + x) * log(p[1] + T);
}

static void loglik(void **state)
{
    double ll[5], sum, g[2], sd = 0;
    int i, j;
    (void)state;
    assert_int_equal(cva_model_n_params(CVA_MODEL_NBD), 2);
    assert_string_equal(cva_model_param_name(CVA_MODEL_NBD, 0), "r");
    assert_string_equal(cva_model_param_name(CVA_MODEL_NBD, 1), "alpha");
    assert_string_equal(cva_model_param_name(CVA_MODEL_NBD, 2), "");
    assert_status(cva_model_loglik(CVA_MODEL_NBD, P, X, TX, TT, 5, ll, &sum, g, NULL), CVA_OK);
    for (i = 0; i < 5; i++) {
        cva_assert_close(ll[i], ll_direct(P, X[i], TT[i]), 1e-13, 1e-13);
        sd += ll_direct(P, X[i], TT[i]);
    }
    cva_assert_close(sum, sd, 1e-13, 0);
    /* gradient against central differences of the direct form */
    for (j = 0; j < 2; j++) {
        double pp[2], pm[2], h = 1e-6 * P[j], fp = 0, fm = 0;
        memcpy(pp, P, sizeof pp);
        memcpy(pm, P, sizeof pm);
        pp[j] += h;
        pm[j] -= h;
        for (i = 0; i < 5; i++) {
            fp += ll_direct(pp, X[i], TT[i]);
            fm += ll_direct(pm, X[i], TT[i]);
        }
        cva_assert_close(g[j], (fp - fm) / (2 * h), 1e-6, 1e-9);
    }
}

static void cdnow(void **state)
{
    static double x[NCUST + 1], tx[NCUST + 1], T[NCUST + 1], m[NCUST + 1];
    const char *dir = cva_test_data_dir();
    const char *req = getenv("CVA_REQUIRE_DATA");
    cva_model_fit fit;
    cva_diag d;
    (void)state;
    if (!dir || !cva_test_cdnow_summary(dir, x, tx, T, m)) {
        if (req && strcmp(req, "1") == 0)
            fail_msg("CDNOW data not found (CVA_REQUIRE_DATA=1)");
        skip();
    }
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    assert_status(cva_model_fit_btyd(CVA_MODEL_NBD, x, tx, T, NULL, NCUST, NULL, &fit, &d), CVA_OK);
    print_message("NBD CDNOW: r=%.10f alpha=%.10f LL=%.8f SE %.5f %.5f (%u it)\n", fit.params[0], fit.params[1],
                  fit.log_likelihood, fit.std_err[0], fit.std_err[1], (unsigned)fit.iterations);
    assert_int_equal(fit.converged, 1);
    assert_int_equal(fit.n_params, 2);
    assert_int_equal(fit.model, CVA_MODEL_NBD);
    /* published digits */
    cva_assert_close(fit.params[0], 0.385, 0, 0.0005);
    cva_assert_close(fit.params[1], 12.072, 0, 0.0005);
    cva_assert_close(fit.log_likelihood, -9763.7, 0, 0.05);
    /* 30-digit root of the score equations (tests/data/nbd_cdnow_ref.py) */
    cva_assert_close(fit.params[0], 0.384766135768785, 1e-6, 0);
    cva_assert_close(fit.params[1], 12.0720228448369, 1e-6, 0);
    cva_assert_close(fit.log_likelihood, -9763.65761467262, 1e-11, 0);
    /* with the third and fourth fit slots untouched */
    cva_assert_same(fit.params[2], 0.0);
    cva_assert_same(fit.std_err[2], 0.0);
}

static void predictions(void **state)
{
    double pa[5], ey[5], d[5], v[5], ex, t = 39, pk[400], pc[5 * 30], pu[30];
    const double delta = 0.01;
    int i, k;
    (void)state;
    assert_status(cva_model_p_alive(CVA_MODEL_NBD, P, 10, X, TX, TT, 5, pa, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected(CVA_MODEL_NBD, P, t, X, TX, TT, 5, ey, NULL, NULL), CVA_OK);
    assert_status(cva_model_dert(CVA_MODEL_NBD, P, delta, X, TX, TT, 5, d, NULL, NULL), CVA_OK);
    assert_status(cva_model_cond_variance(CVA_MODEL_NBD, P, t, X, TX, TT, 5, v, NULL, NULL), CVA_OK);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_NBD, P, t, X, TX, TT, 5, 30, pc, NULL, NULL), CVA_OK);
    for (i = 0; i < 5; i++) {
        const double r1 = P[0] + X[i], a1 = P[1] + TT[i];
        cva_assert_same(pa[i], 1.0);
        cva_assert_close(ey[i], r1 * t / a1, 1e-15, 0);
        cva_assert_close(d[i], r1 / (a1 * delta), 1e-15, 0);
        /* negative binomial: mean r1 t/a1, variance mean (1 + t/a1) */
        cva_assert_close(v[i], r1 * t / a1 * (1 + t / a1), 1e-13, 0);
        {
            double q[2];
            q[0] = r1;
            q[1] = a1;
            assert_status(cva_model_prob_n(CVA_MODEL_NBD, q, t, 30, pu, NULL), CVA_OK);
            for (k = 0; k < 30; k++)
                cva_assert_close(pc[i * 30 + k], pu[k], 1e-14, 0);
        }
    }
    assert_status(cva_model_expected_pop(CVA_MODEL_NBD, P, &t, 1, &ex, NULL), CVA_OK);
    cva_assert_close(ex, P[0] * t / P[1], 1e-15, 0);
    assert_status(cva_model_prob_n(CVA_MODEL_NBD, P, t, 400, pk, NULL), CVA_OK);
    {
        double s = 0, m1 = 0;
        for (k = 0; k < 400; k++) {
            s += pk[k];
            m1 += k * pk[k];
        }
        cva_assert_close(s, 1.0, 1e-12, 0);
        cva_assert_close(m1, ex, 1e-10, 0);
        cva_assert_close(pk[0], pow(P[1] / (P[1] + t), P[0]), 1e-14, 0);
        cva_assert_close(pk[1], P[0] * t / (P[1] + t) * pk[0], 1e-13, 0);
    }
}

/* splitmix64 and Marsaglia–Tsang Gamma for the simulation */
static uint64_t sm_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double sm_unif(uint64_t *s)
{
    return ((double)(sm_next(s) >> 11) + 0.5) * 0x1.0p-53;
}

static double sm_gamma(uint64_t *s, double k)
{
    double boost = 1.0, dd, c;
    if (k < 1.0) {
        boost = pow(sm_unif(s), 1.0 / k);
        k += 1.0;
    }
    dd = k - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double z = sqrt(-2.0 * log(sm_unif(s))) * cos(6.283185307179586 * sm_unif(s)), vv = 1.0 + c * z, u;
        if (vv <= 0.0)
            continue;
        vv = vv * vv * vv;
        u = sm_unif(s);
        if (log(u) < 0.5 * z * z + dd - dd * vv + dd * log(vv))
            return dd * vv * boost;
    }
}

/* customers with λ ~ Gamma(0.85, 4.45) (BTYDplus' NBD demo), Poisson purchases after the
   first one, observed for T uniform in [20, 52]: the fit recovers r and α */
static void recovery(void **state)
{
    enum { NC = 40000 };
    const double truth[2] = {0.85, 4.45};
    double *x = (double *)malloc(NC * sizeof(double)), *tx = (double *)malloc(NC * sizeof(double));
    double *T = (double *)malloc(NC * sizeof(double));
    uint64_t s = 15;
    cva_model_fit fit;
    size_t i;
    (void)state;
    assert_non_null(x);
    assert_non_null(tx);
    assert_non_null(T);
    for (i = 0; i < NC; i++) {
        const double lam = sm_gamma(&s, truth[0]) / truth[1];
        double now = 0.0, last = 0.0, n = 0.0;
        T[i] = 20.0 + 32.0 * sm_unif(&s);
        for (;;) {
            now += -log(sm_unif(&s)) / lam;
            if (now > T[i])
                break;
            n += 1.0;
            last = now;
        }
        x[i] = n;
        tx[i] = last;
    }
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(CVA_MODEL_NBD, x, tx, T, NULL, NC, NULL, &fit, NULL), CVA_OK);
    print_message("NBD recovery: r=%.4f (SE %.4f) alpha=%.4f (SE %.4f), truth 0.85, 4.45\n", fit.params[0],
                  fit.std_err[0], fit.params[1], fit.std_err[1]);
    /* within 3 standard errors */
    assert_true(fabs(fit.params[0] - truth[0]) < 3 * fit.std_err[0]);
    assert_true(fabs(fit.params[1] - truth[1]) < 3 * fit.std_err[1]);
    assert_true(fit.std_err[0] < 0.05 * truth[0]);
    free(x);
    free(tx);
    free(T);
}

static void bad_input(void **state)
{
    const double bad[2] = {0.3, 0.0};
    double out[2], xb = 1, txb = 5, Tb = 4;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_model_expected(CVA_MODEL_NBD, bad, 1, X, TX, TT, 1, out, NULL, &d), CVA_E_DOMAIN);
    assert_status(cva_model_expected(CVA_MODEL_NBD, P, 1, &xb, &txb, &Tb, 1, out, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loglik),   cmocka_unit_test(cdnow),     cmocka_unit_test(predictions),
        cmocka_unit_test(recovery), cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests_name("nbd", tests, NULL, NULL);
}
