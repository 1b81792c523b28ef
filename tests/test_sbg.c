/*
 * sBG and cohort curves (docs/methods/models.md#methods_sbg, docs/methods/models.md#methods_models_refs, docs/methods/retention.md#methods_clv_model). Reference values from
 * tests/data/sbg_reference.py (mpmath, 40 digits; output in sbg_reference.txt).
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#include "cva/churn.h"
#include "../lib/cva_internal.h"

static const double REGULAR[8] = {1000, 631, 468, 382, 326, 289, 262, 241};
static const double HIGHEND[8] = {1000, 869, 743, 653, 593, 551, 517, 491};

static cva_model_fit new_fit(void)
{
    cva_model_fit f;
    memset(&f, 0x5a, sizeof f);
    assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
    return f;
}

static void check_fit(const double *m, size_t nc, size_t np, double a, double b, double ll, double se_a,
                      double se_b, double cov_ab)
{
    cva_model_fit f = new_fit();
    cva_diag d;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_sbg_fit(m, nc, np, NULL, &f, &d), CVA_OK);
    assert_int_equal(f.model, CVA_MODEL_SBG);
    assert_int_equal(f.n_params, 2);
    assert_int_equal(f.converged, 1);
    cva_assert_close(f.params[0], a, 1e-7, 0);
    cva_assert_close(f.params[1], b, 1e-7, 0);
    cva_assert_close(f.log_likelihood, ll, 1e-12, 0);
    /* numerical Hessian of the analytic gradient: a few significant digits */
    cva_assert_close(f.std_err[0], se_a, 1e-5, 0);
    cva_assert_close(f.std_err[1], se_b, 1e-5, 0);
    cva_assert_close(f.cov[1], cov_ab, 1e-5, 0);
    cva_assert_close(f.cov[2], cov_ab, 1e-5, 0);
    cva_assert_close(f.cov[0], se_a * se_a, 2e-5, 0);
    assert_true(f.iterations > 0 && f.iterations < 200);
}

/* docs/methods/models.md#methods_models_refs: α̂ = 0.7041, β̂ = 1.1820, LL = −1680.27 (FH 2007: 0.704 / 1.182). */
static void test_fit_regular(void **state)
{
    cva_model_fit f = new_fit();
    (void)state;
    check_fit(REGULAR, 1, 8, 0.70407729847351621, 1.1820430262094757, -1680.265188463287,
              0.065598964234037207, 0.15247563167590936, 0.0088911925524291248);
    assert_status(cva_sbg_fit(REGULAR, 1, 8, NULL, &f, NULL), CVA_OK);
    cva_assert_close(f.params[0], 0.7041, 0, 5e-5);
    cva_assert_close(f.params[1], 1.1820, 0, 5e-5);
    cva_assert_close(f.log_likelihood, -1680.27, 0, 5e-3);
    cva_assert_close(f.n_customers, 1000, 0, 0);
    assert_int_equal((int)f.n_rows, 1);
}

/* docs/methods/models.md#methods_models_refs: 0.6681, 3.8061, LL −1611.16. */
static void test_fit_highend(void **state)
{
    cva_model_fit f = new_fit();
    (void)state;
    check_fit(HIGHEND, 1, 8, 0.66808835110644622, 3.8060949640582669, -1611.1581473911564,
              0.10373493114956455, 0.7855316917757071, 0.077659155049583238);
    assert_status(cva_sbg_fit(HIGHEND, 1, 8, NULL, &f, NULL), CVA_OK);
    cva_assert_close(f.params[0], 0.6681, 0, 5e-5);
    cva_assert_close(f.params[1], 3.8061, 0, 5e-5);
    cva_assert_close(f.log_likelihood, -1611.16, 0, 5e-3);
}

/* Ragged multi-cohort matrix: NaN padding, an empty cohort, an all-NaN row, a cohort seen at j = 0 only. */
static void test_fit_ragged(void **state)
{
    const double N = (double)NAN;
    const double m[6 * 8] = {
        1000, 631, 468, 382, 326, 289, 262, 241, /* */
        1000, 869, 743, 653, 593, N, N, N,       /* */
        500, 300, 210, N, N, N, N, N,            /* */
        0, 0, N, N, N, N, N, N,                  /* */
        N, N, N, N, N, N, N, N,                  /* */
        200, N, N, N, N, N, N, N,                /* */
    };
    cva_model_fit f = new_fit();
    (void)state;
    check_fit(m, 6, 8, 0.65618071156839541, 1.6615179584096465, -3554.1024901613958, 0.054633074712014899,
              0.1797490480666005, 0.0091743860343796067);
    assert_status(cva_sbg_fit(m, 6, 8, NULL, &f, NULL), CVA_OK);
    assert_int_equal((int)f.n_rows, 4);
    cva_assert_close(f.n_customers, 2700, 0, 0);
}

/* Cohorts of the same length pool exactly: the fit equals the single summed cohort. */
static void test_fit_pooled_equals_single(void **state)
{
    double two[2 * 8], sum[8];
    cva_model_fit f1 = new_fit(), f2 = new_fit();
    size_t j;
    (void)state;
    for (j = 0; j < 8; j++) {
        two[j] = REGULAR[j];
        two[8 + j] = HIGHEND[j];
        sum[j] = REGULAR[j] + HIGHEND[j];
    }
    assert_status(cva_sbg_fit(two, 2, 8, NULL, &f1, NULL), CVA_OK);
    assert_status(cva_sbg_fit(sum, 1, 8, NULL, &f2, NULL), CVA_OK);
    cva_assert_close(f1.params[0], f2.params[0], 1e-12, 0);
    cva_assert_close(f1.params[1], f2.params[1], 1e-12, 0);
    cva_assert_close(f1.log_likelihood, f2.log_likelihood, 1e-13, 0);
    /* and scaling all counts scales LL, leaves the estimate, shrinks the SEs by sqrt(k) */
    for (j = 0; j < 8; j++)
        sum[j] = 4.0 * REGULAR[j];
    assert_status(cva_sbg_fit(REGULAR, 1, 8, NULL, &f1, NULL), CVA_OK);
    assert_status(cva_sbg_fit(sum, 1, 8, NULL, &f2, NULL), CVA_OK);
    cva_assert_close(f2.params[0], f1.params[0], 1e-9, 0);
    cva_assert_close(f2.log_likelihood, 4.0 * f1.log_likelihood, 1e-12, 0);
    cva_assert_close(f2.std_err[0], 0.5 * f1.std_err[0], 1e-5, 0);
}

static void test_fit_errors(void **state)
{
    const double N = (double)NAN;
    double m[2 * 4] = {100, 80, 60, 50, 100, 90, 95, 50};
    cva_model_fit f = new_fit(), keep;
    cva_diag d;
    cva_fit_opts o;
    (void)state;
    cva_diag_init(&d, sizeof d);
    keep = f;
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 6);
    assert_memory_equal(&f, &keep, sizeof f);
    m[6] = -1; /* negative */
    m[5] = 0;
    m[7] = 0;
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 6);
    m[6] = N; /* NaN before the end of a row */
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_NONFINITE);
    assert_int_equal((int)d.index, 7);
    m[6] = (double)INFINITY;
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_NONFINITE);
    m[4] = N; /* NaN cohort size, data after */
    m[6] = 0;
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_NONFINITE);
    assert_int_equal((int)d.index, 5);
    assert_status(cva_sbg_fit(m, 2, 1, NULL, &f, &d), CVA_E_BADARG);
    assert_status(cva_sbg_fit(NULL, 2, 4, NULL, &f, &d), CVA_E_NULLPTR);
    assert_status(cva_sbg_fit(m, 2, 4, NULL, NULL, &d), CVA_E_NULLPTR);
    f.struct_size = 8;
    assert_status(cva_sbg_fit(m, 2, 4, NULL, &f, &d), CVA_E_ABI_MISMATCH);
    f = keep;
    /* options */
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.max_iter = 0;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, &o, &f, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_FIT_MAX_ITER);
    o.max_iter = 100;
    o.penalty = -1;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, &o, &f, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_FIT_PENALTY);
    assert_memory_equal(&f, &keep, sizeof f);
}

static void test_fit_empty(void **state)
{
    const double N = (double)NAN;
    const double m[3 * 3] = {0, 0, 0, N, N, N, 0, N, N};
    const double only0[2 * 3] = {100, N, N, 50, N, N};
    cva_model_fit f = new_fit(), keep = f;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_sbg_fit(m, 3, 3, NULL, &f, &d), CVA_W_EMPTY);
    assert_memory_equal(&f, &keep, sizeof f);
    assert_status(cva_sbg_fit(NULL, 0, 3, NULL, &f, &d), CVA_W_EMPTY);
    assert_status(cva_sbg_fit(only0, 2, 3, NULL, &f, &d), CVA_W_EMPTY);
    assert_memory_equal(&f, &keep, sizeof f);
}

static int cancel_at_2(void *user, size_t iter, double obj)
{
    (void)obj;
    *(size_t *)user = iter;
    return iter >= 2;
}

static void test_fit_options(void **state)
{
    cva_fit_opts o;
    cva_model_fit f0 = new_fit(), f = new_fit();
    double start[2] = {0.3, 5.0};
    size_t seen = 0;
    (void)state;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, NULL, &f0, NULL), CVA_OK);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.start = start;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, &o, &f, NULL), CVA_OK);
    cva_assert_close(f.params[0], f0.params[0], 1e-7, 0);
    cva_assert_close(f.params[1], f0.params[1], 1e-7, 0);
    /* penalty shrinks the estimates */
    o.start = NULL;
    o.penalty = 0.1;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, &o, &f, NULL), CVA_OK);
    assert_true(f.params[0] * f.params[0] + f.params[1] * f.params[1] <
                f0.params[0] * f0.params[0] + f0.params[1] * f0.params[1]);
    assert_true(f.log_likelihood < f0.log_likelihood);
    /* cancel */
    o.penalty = 0;
    o.progress = cancel_at_2;
    o.progress_user = &seen;
    assert_status(cva_sbg_fit(REGULAR, 1, 8, &o, &f, NULL), CVA_E_CANCELED);
    assert_true(seen >= 2);
    /* deterministic */
    o.progress = NULL;
    assert_status(cva_sbg_fit(HIGHEND, 1, 8, &o, &f, NULL), CVA_OK);
    assert_status(cva_sbg_fit(HIGHEND, 1, 8, &o, &f0, NULL), CVA_OK);
    assert_memory_equal(&f, &f0, sizeof f);
}

/* Simulated cohorts: θ ~ Beta(α, β), geometric lifetimes; the fit recovers (α, β). */
static void test_fit_recovery(void **state)
{
    enum { NC = 5, NP = 10 };
    const double a = 0.9, b = 2.5;
    double m[NC * NP];
    cva__rng rng;
    cva_model_fit f = new_fit();
    size_t c, j, i;
    (void)state;
    cva__rng_seed(&rng, 20240917u);
    for (c = 0; c < NC * NP; c++)
        m[c] = 0;
    for (c = 0; c < NC; c++) {
        size_t len = NP - 2 * c; /* later cohorts observed for fewer periods */
        for (i = 0; i < 20000; i++) {
            double th = cva__rng_beta(&rng, a, b);
            size_t life = 1;
            while (life < NP && !(cva__rng_uniform(&rng) < th))
                life++; /* life = period at whose end the customer churns */
            for (j = 0; j < len; j++)
                if (j < life)
                    m[c * NP + j] += 1;
        }
        for (j = len; j < NP; j++)
            m[c * NP + j] = (double)NAN;
    }
    assert_status(cva_sbg_fit(m, NC, NP, NULL, &f, NULL), CVA_OK);
    assert_true(fabs(f.params[0] - a) < 3.5 * f.std_err[0]);
    assert_true(fabs(f.params[1] - b) < 3.5 * f.std_err[1]);
    assert_true(f.std_err[0] < 0.05 && f.std_err[1] < 0.2);
}

/* docs/methods/models.md#methods_models_refs, docs/methods/retention.md#methods_clv_model: DEL and DERL at (0.704, 1.182), d = 0.10, to 1e-9 relative. */
static void test_lifetime(void **state)
{
    const double p[2] = {0.704, 1.182};
    const double derl10[4] = {2.9646621461320315, 4.1034586195985724, 5.89442285984416, 7.2786182342018969};
    const double derl01[4] = {8.5029471720112698, 12.692981345243137, 21.007898592190219, 29.71452361432899};
    const double ns[4] = {1, 2, 5, 10};
    double del, derl;
    int i;
    (void)state;
    assert_status(cva_sbg_lifetime(p, 0.10, 0, &del, NULL, NULL), CVA_OK);
    cva_assert_close(del, 3.695147406, 1e-9, 0);
    cva_assert_close(del, 3.6951474055745741, 1e-14, 0);
    for (i = 0; i < 4; i++) {
        /* the n of DERL(n) in docs/methods/retention.md counts the renewal about to be faced: n_renewals = n − 1 */
        assert_status(cva_sbg_lifetime(p, 0.10, ns[i] - 1, NULL, &derl, NULL), CVA_OK);
        cva_assert_close(derl, derl10[i], 1e-13, 0);
        assert_status(cva_sbg_lifetime(p, 0.01, ns[i] - 1, &del, &derl, NULL), CVA_OK);
        cva_assert_close(derl, derl01[i], 1e-13, 0);
        cva_assert_close(del, 9.418759576248782, 1e-13, 0);
    }
    cva_assert_close(2.964662146, derl10[0], 1e-9, 0);
    cva_assert_close(4.103458620, derl10[1], 1e-9, 0);
    cva_assert_close(5.894422860, derl10[2], 1e-9, 0);
    /* DERL(n=1) = (1+d)(DEL − 1) */
    assert_status(cva_sbg_lifetime(p, 0.10, 0, &del, &derl, NULL), CVA_OK);
    cva_assert_close(derl, 1.1 * (del - 1.0), 1e-14, 0);
    /* d = 0 and α > 1: the expected lifetime (α+β−1)/(α−1) */
    {
        const double q[2] = {1.5, 2.5};
        assert_status(cva_sbg_lifetime(q, 0.0, 0, &del, NULL, NULL), CVA_OK);
        cva_assert_close(del, 6.0, 1e-15, 0);
    }
    /* monotone in d */
    {
        double prev = HUGE_VAL, dd;
        for (dd = 0.005; dd < 1.0; dd *= 2) {
            assert_status(cva_sbg_lifetime(p, dd, 3, NULL, &derl, NULL), CVA_OK);
            assert_true(derl < prev);
            prev = derl;
        }
    }
    /* domain */
    assert_status(cva_sbg_lifetime(p, -0.1, 0, &del, NULL, NULL), CVA_E_DOMAIN);
    assert_status(cva_sbg_lifetime(p, 0.0, 0, &del, NULL, NULL), CVA_E_DOMAIN);
    assert_status(cva_sbg_lifetime(p, (double)NAN, 0, &del, NULL, NULL), CVA_E_DOMAIN);
    assert_status(cva_sbg_lifetime(p, 0.1, -1, &del, NULL, NULL), CVA_E_DOMAIN);
    {
        const double bad[2] = {0.0, 1.0};
        assert_status(cva_sbg_lifetime(bad, 0.1, 0, &del, NULL, NULL), CVA_E_DOMAIN);
    }
    assert_status(cva_sbg_lifetime(NULL, 0.1, 0, &del, NULL, NULL), CVA_E_NULLPTR);
    /* a tiny discount hits the term cap */
    assert_status(cva_sbg_lifetime(p, 1e-8, 0, &del, NULL, NULL), CVA_W_SERIES_LIMIT);
    assert_true(isfinite(del) && del > 0);
}

static void test_curves(void **state)
{
    const double p[2] = {0.704, 1.182};
    const double S[4] = {0.62672322375397667, 0.47384271456381743, 0.38799987589862765, 0.19121613035108654};
    const double R[4] = {0.62672322375397667, 0.75606375606375606, 0.81883685023160062, 0.9353297813705677};
    const double P[4] = {0.37327677624602333, 0.15288050919015924, 0.085842838665189776, 0.013220993495105571};
    const int at[4] = {1, 2, 3, 10};
    double s[10], r[10], c[10], sum = 0;
    int i;
    (void)state;
    assert_status(cva_sbg_curves(p, 10, s, r, c, NULL), CVA_OK);
    for (i = 0; i < 4; i++) {
        cva_assert_close(s[at[i] - 1], S[i], 1e-14, 0);
        cva_assert_close(r[at[i] - 1], R[i], 1e-14, 0);
        cva_assert_close(c[at[i] - 1], P[i], 1e-14, 0);
    }
    for (i = 0; i < 10; i++) {
        sum += c[i];
        cva_assert_close(1.0 - sum, s[i], 1e-14, 0);
        if (i > 0)
            assert_true(r[i] > r[i - 1]);
    }
    assert_status(cva_sbg_curves(p, 10, NULL, NULL, NULL, NULL), CVA_OK);
    assert_status(cva_sbg_curves(p, 0, s, r, c, NULL), CVA_OK);
    {
        const double bad[2] = {1.0, (double)NAN};
        cva_diag d;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_sbg_curves(bad, 3, s, r, c, &d), CVA_E_DOMAIN);
        /* the diag names the argument and the parameter at fault (beta, index 1) */
        assert_int_equal(d.status, CVA_E_DOMAIN);
        assert_int_equal(d.arg, 1);
        assert_int_equal(d.index, 1);
        assert_non_null(strstr(d.detail, "alpha and beta"));
        assert_status(cva_sbg_lifetime(p, 0.1, -1, NULL, NULL, &d), CVA_E_DOMAIN);
        assert_int_equal(d.arg, 3);
        assert_non_null(strstr(d.detail, "n_renewals"));
        assert_status(cva_sbg_lifetime(p, 0.0, 0, NULL, NULL, &d), CVA_E_DOMAIN);
        assert_int_equal(d.arg, 2);
        assert_status(cva_sbg_curves(p, 2, s, r, c, &d), CVA_OK);
        assert_int_equal(d.status, CVA_OK);
        assert_int_equal(d.arg, 0);
    }
}

static void test_cohort_curves(void **state)
{
    const double N = (double)NAN;
    const double m[3 * 4] = {100, 60, 45, 40, 200, 150, 120, N, 0, 0, N, N};
    double r[7], s[7], c[7];
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_cohort_curves(m, 3, 4, r, s, c, &d), CVA_OK);
    cva_assert_close(r[0], 210.0 / 300.0, 1e-15, 0);
    cva_assert_close(r[1], 165.0 / 210.0, 1e-15, 0);
    cva_assert_close(r[2], 40.0 / 45.0, 1e-15, 0);
    cva_assert_close(s[2], 0.7 * 165.0 / 210.0 * 40.0 / 45.0, 1e-15, 0);
    cva_assert_close(c[1], 1.0 - 165.0 / 210.0, 1e-15, 0);
    /* single cohort: plain ratios */
    assert_status(cva_cohort_curves(REGULAR, 1, 8, r, s, NULL, NULL), CVA_OK);
    cva_assert_close(r[0], 0.631, 1e-15, 0);
    cva_assert_close(s[2], 0.382, 1e-15, 0);
    {
        const double e[2 * 2] = {0, 0, N, N};
        assert_status(cva_cohort_curves(e, 2, 2, r, s, c, NULL), CVA_W_EMPTY);
        assert_true(isnan(r[0]) && isnan(s[0]));
    }
    {
        const double inc[2 * 3] = {10, 5, 5, 10, 8, 9};
        assert_status(cva_cohort_curves(inc, 2, 3, r, s, c, &d), CVA_E_BADARG);
        assert_int_equal((int)d.index, 5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_regular),     cmocka_unit_test(test_fit_highend),
        cmocka_unit_test(test_fit_ragged),      cmocka_unit_test(test_fit_pooled_equals_single),
        cmocka_unit_test(test_fit_errors),      cmocka_unit_test(test_fit_empty),
        cmocka_unit_test(test_fit_options),     cmocka_unit_test(test_fit_recovery),
        cmocka_unit_test(test_lifetime),        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_cohort_curves),
    };
    return cmocka_run_group_tests_name("sbg", tests, NULL, NULL);
}
