/*
 * Gamma-Gamma spend model: docs/methods/models.md#methods_models_refs reference values, analytic gradient,
 * the fitting path (grouped likelihood = per-row likelihood), ignored rows,
 * q > 1 constraint, E[M | x, m_x] flags and errors.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "../lib/churn_internal.h"

static const double P_GG[3] = {6.25, 3.74, 15.45};

static void spec_reference(void **state)
{
    const double x[3] = {2, 0, 3}, m[3] = {35, 0, 0}, mneg[3] = {35, 0, -4};
    double out[3], ll;
    int32_t flag[3];
    cva_diag dg;
    (void)state;
    assert_status(cva_gg_expected_spend(P_GG, x, m, 3, out, flag, NULL), CVA_OK);
    cva_assert_close(out[0], 35.04347113, 1e-9, 0);
    cva_assert_close(out[1], 35.24178832, 1e-9, 0); /* E[M] for x = 0 */
    cva_assert_close(out[2], 35.24178832, 1e-9, 0); /* zero spend: E[M], flagged */
    assert_int_equal(flag[0], 0);
    assert_int_equal(flag[1], 1);
    assert_int_equal(flag[2], 1);
    /* a negative mean spend (net refunds) is refused, naming the row and argument */
    cva_diag_init(&dg, sizeof dg);
    out[2] = -1.0;
    assert_status(cva_gg_expected_spend(P_GG, x, mneg, 3, out, flag, &dg), CVA_E_BADARG);
    assert_int_equal(dg.index, 2);
    assert_int_equal(dg.arg, 3);
    cva_assert_same(out[2], -1.0); /* outputs untouched */
    ll = cva__gg_ll(P_GG, x, m, NULL, 1, NULL, NULL);
    cva_assert_close(ll, -4.095296457, 1e-9, 0);
    /* shrinkage form: weights (q−1)/(px+q−1) on E[M] and px/(px+q−1) on m_x */
    {
        double p = P_GG[0], q = P_GG[1], em = p * P_GG[2] / (q - 1), d = p * 2 + q - 1;
        cva_assert_close(out[0], (q - 1) / d * em + p * 2 / d * 35, 1e-14, 0);
    }
}

static void gradient(void **state)
{
    const double x[5] = {1, 2, 5, 10, 3}, m[5] = {10, 35, 22.5, 80, 5}, w[5] = {1, 3, 1, 2, 0.5};
    const double p0[3] = {2.5, 4.2, 20};
    double g[3], q[3], ll_i[5], fp, fm, s = 0;
    int j;
    (void)state;
    cva__gg_ll(p0, x, m, w, 5, g, ll_i);
    for (j = 0; j < 5; j++)
        s += w[j] * ll_i[j];
    cva_assert_close(cva__gg_ll(p0, x, m, w, 5, NULL, NULL), s, 1e-14, 0);
    for (j = 0; j < 3; j++) {
        double h = 1e-6 * p0[j];
        memcpy(q, p0, sizeof q);
        q[j] = p0[j] + h;
        fp = cva__gg_ll(q, x, m, w, 5, NULL, NULL);
        q[j] = p0[j] - h;
        fm = cva__gg_ll(q, x, m, w, 5, NULL, NULL);
        cva_assert_close(g[j], (fp - fm) / (2 * h), 1e-6, 1e-8);
    }
    /* density of the mean: integrates to 1 over m (x = 3) */
    {
        double xx = 3, sum = 0, mm;
        int i, n = 400000;
        for (i = 1; i < n; i++) {
            mm = 4000.0 * i / n;
            sum += exp(cva__gg_ll(p0, &xx, &mm, NULL, 1, NULL, NULL)) * (i % 2 ? 4 : 2);
        }
        cva_assert_close(sum * 4000.0 / n / 3, 1.0, 1e-7, 0);
    }
}

/* x, m_x of simulated customers (BG/NBD + Gamma-Gamma simulator, CDNOW parameters) */
static size_t simulate_gg(size_t n_cust, double *x, double *m)
{
    cva_sim_opts so;
    cva_txn_input in;
    cva_txn_opts to;
    cva_txn_summary s;
    size_t n_rows = 0;
    int64_t *id, *cid;
    double *t, *amt;
    cva_sim_opts_init_defaults(&so, sizeof so);
    so.seed = 11;
    assert_status(cva_sim_transactions(&so, n_cust, NULL, NULL, NULL, 0, &n_rows, NULL), CVA_OK);
    id = malloc(n_rows * sizeof *id);
    t = malloc(n_rows * sizeof *t);
    amt = malloc(n_rows * sizeof *amt);
    cid = malloc(n_cust * sizeof *cid);
    assert_true(id && t && amt && cid);
    assert_status(cva_sim_transactions(&so, n_cust, id, t, amt, n_rows, &n_rows, NULL), CVA_OK);
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n_rows;
    in.customer_id = id;
    in.t = t;
    in.amount = amt;
    cva_txn_opts_init_defaults(&to, sizeof to);
    to.time_scale = 7;
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = n_cust;
    s.customer_id = cid;
    s.frequency = x;
    s.monetary_value = m;
    assert_status(cva_txn_summarize(&in, &to, &s, NULL, 0, NULL), CVA_OK);
    free(id);
    free(t);
    free(amt);
    free(cid);
    return s.n_customers;
}

static void fit_paths(void **state)
{
    /* the grouped fitting likelihood equals the per-row one at the optimum */
    enum { N = 6000, NDUP = 500 };
    static double x[N + NDUP], m[N + NDUP];
    cva_model_fit fit, fit2;
    cva_fit_opts o;
    cva_diag d;
    double ll_rows;
    size_t i, nk = 0, n;
    (void)state;
    n = simulate_gg(N, x, m);
    assert_int_equal(n, N);
    for (i = 0; i < NDUP; i++) { /* exact duplicates of some rows: merged */
        x[N + i] = x[i * 7];
        m[N + i] = m[i * 7];
    }
    m[3] = -2; /* a refund-only row: ignored */
    n = N + NDUP;
    cva_model_fit_init(&fit, sizeof fit);
    cva_model_fit_init(&fit2, sizeof fit2);
    cva_diag_init(&d, sizeof d);
    assert_status(cva_gg_fit(x, m, NULL, n, NULL, &fit, &d), CVA_OK);
    for (i = 0; i < n; i++)
        if (x[i] >= 1 && m[i] > 0) {
            x[nk] = x[i];
            m[nk] = m[i];
            nk++;
        }
    assert_int_equal(d.count, n - nk);
    cva_assert_same(fit.n_customers, (double)nk);
    assert_true(fit.n_rows < nk);
    assert_int_equal(fit.model, CVA_MODEL_GG);
    assert_int_equal(fit.n_params, 3);
    assert_int_equal(fit.converged, 1);
    ll_rows = cva__gg_ll(fit.params, x, m, NULL, nk, NULL, NULL);
    cva_assert_close(fit.log_likelihood, ll_rows, 1e-12, 0);
    /* without merging: same optimum */
    cva_fit_opts_init_defaults(&o, sizeof o);
    o.merge_rows = 0;
    assert_status(cva_gg_fit(x, m, NULL, nk, &o, &fit2, NULL), CVA_OK);
    assert_int_equal(fit2.n_rows, nk);
    for (i = 0; i < 3; i++)
        cva_assert_close(fit2.params[i], fit.params[i], 1e-7, 0);
    /* q > 1 already: the constraint changes nothing */
    o.merge_rows = 1;
    o.q_above_one = 1;
    assert_status(cva_gg_fit(x, m, NULL, nk, &o, &fit2, NULL), CVA_OK);
    for (i = 0; i < 3; i++)
        cva_assert_close(fit2.params[i], fit.params[i], 1e-6, 0);
    print_message("GG on %u simulated repeaters: p %.4f q %.4f gamma %.4f\n", (unsigned)nk, fit.params[0],
                  fit.params[1], fit.params[2]);
}

static void q_constraint(void **state)
{
    /* data whose unconstrained optimum has q < 1 (heavy-tailed spend) */
    enum { N = 400 };
    static double x[N], m[N];
    cva_model_fit f0, f1;
    cva_fit_opts o;
    size_t i;
    uint64_t s = 5;
    (void)state;
    for (i = 0; i < N; i++) {
        double u;
        s = s * 6364136223846793005u + 1442695040888963407u;
        u = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        x[i] = 1;
        m[i] = 1.0 / (u * u); /* Pareto tail, index 1/2 */
    }
    cva_model_fit_init(&f0, sizeof f0);
    cva_model_fit_init(&f1, sizeof f1);
    cva_fit_opts_init_defaults(&o, sizeof o);
    assert_true(cva_gg_fit(x, m, NULL, N, &o, &f0, NULL) >= 0);
    o.q_above_one = 1;
    assert_true(cva_gg_fit(x, m, NULL, N, &o, &f1, NULL) >= 0);
    print_message("unconstrained q = %.4f, constrained q = %.6f\n", f0.params[1], f1.params[1]);
    assert_true(f0.params[1] < 1);
    /* the constrained optimum is on the boundary q -> 1+ */
    assert_true(f1.params[1] >= 1 && f1.params[1] < 1.001);
    assert_true(f1.log_likelihood <= f0.log_likelihood);
    assert_status(cva_gg_expected_spend(f0.params, x, m, 1, &f0.grad_norm, NULL, NULL), CVA_E_DOMAIN);
}

static void errors(void **state)
{
    double x[3] = {1, 2, 3}, m[3] = {10, 20, 30}, out[3], w[3] = {1, 1, 1};
    double bad[3] = {6.25, 1.0, 15};
    cva_model_fit fit;
    cva_diag d;
    (void)state;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&d, sizeof d);
    assert_status(cva_gg_expected_spend(bad, x, m, 3, out, NULL, &d), CVA_E_DOMAIN);
    bad[1] = 0.5;
    assert_status(cva_gg_expected_spend(bad, x, m, 3, out, NULL, &d), CVA_E_DOMAIN);
    bad[1] = 3;
    bad[0] = -1;
    assert_status(cva_gg_expected_spend(bad, x, m, 3, out, NULL, &d), CVA_E_DOMAIN);
    bad[0] = (double)NAN;
    assert_status(cva_gg_expected_spend(bad, x, m, 3, out, NULL, &d), CVA_E_DOMAIN);
    assert_status(cva_gg_expected_spend(P_GG, x, m, 0, out, NULL, &d), CVA_W_EMPTY);
    assert_status(cva_gg_expected_spend(NULL, x, m, 3, out, NULL, &d), CVA_E_NULLPTR);
    m[1] = (double)NAN;
    assert_status(cva_gg_expected_spend(P_GG, x, m, 3, out, NULL, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    assert_status(cva_gg_fit(x, m, NULL, 3, NULL, &fit, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    m[1] = 20;
    x[2] = (double)INFINITY;
    assert_status(cva_gg_fit(x, m, NULL, 3, NULL, &fit, &d), CVA_E_NONFINITE);
    x[2] = 3;
    w[0] = -1;
    assert_status(cva_gg_fit(x, m, w, 3, NULL, &fit, &d), CVA_E_BADARG);
    x[0] = x[1] = x[2] = 0;
    assert_status(cva_gg_fit(x, m, NULL, 3, NULL, &fit, &d), CVA_W_EMPTY);
    assert_int_equal(d.count, 3);
    assert_status(cva_gg_fit(x, m, NULL, 0, NULL, &fit, &d), CVA_W_EMPTY);
    assert_status(cva_gg_fit(x, m, NULL, 3, NULL, NULL, &d), CVA_E_NULLPTR);
}

/* Pearson correlation of the usable rows in long double, textbook two-pass. */
static double corr_reference(const double *x, const double *m, const double *w, size_t n)
{
    long double W = 0, sx = 0, sm = 0, cxx = 0, cmm = 0, cxm = 0, mx, mm;
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i] >= 1 && m[i] > 0) {
            const long double ww = (long double)(w ? w[i] : 1.0);
            W += ww;
            sx += ww * (long double)x[i];
            sm += ww * (long double)m[i];
        }
    mx = sx / W;
    mm = sm / W;
    for (i = 0; i < n; i++)
        if (x[i] >= 1 && m[i] > 0) {
            const long double ww = (long double)(w ? w[i] : 1.0), dx = (long double)x[i] - mx,
                              dm = (long double)m[i] - mm;
            cxx += ww * dx * dx;
            cmm += ww * dm * dm;
            cxm += ww * dx * dm;
        }
    return (double)(cxm / sqrtl(cxx * cmm));
}

/* cva_gg_correlation: against the reference on random data with rows the model
   ignores, weights equal to repeated rows, a perfect linear relation, and the
   edge cases. (CDNOW's published 0.113884 is checked in test_models.c.) */
static void correlation(void **state)
{
    enum { N = 3000 };
    static double x[2 * N], m[2 * N], w[N];
    double r, r2;
    uint64_t s = 12345u;
    size_t i, k;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < N; i++) {
        s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        x[i] = (double)((s >> 33) % 12u);                                      /* 0 .. 11: x = 0 ignored */
        m[i] = (double)((s >> 13) % 5000u) / 100.0 - 2.0 + 0.8 * x[i];        /* some m <= 0 ignored */
        w[i] = (double)(1 + (s >> 50) % 3u);
    }
    assert_status(cva_gg_correlation(x, m, NULL, N, &r, &d), CVA_OK);
    cva_assert_close(r, corr_reference(x, m, NULL, N), 1e-13, 1e-15);
    assert_true(r > 0.05 && r < 0.5);
    for (i = 0, k = 0; i < N; i++)
        k += !(x[i] >= 1 && m[i] > 0);
    assert_int_equal(d.count, k);
    /* a weight w counts the row w times */
    assert_status(cva_gg_correlation(x, m, w, N, &r, &d), CVA_OK);
    cva_assert_close(r, corr_reference(x, m, w, N), 1e-13, 1e-15);
    {
        static double xr[3 * N], mr[3 * N];
        size_t nr = 0, j;
        for (i = 0; i < N; i++)
            for (j = 0; j < (size_t)w[i]; j++) {
                xr[nr] = x[i];
                mr[nr] = m[i];
                nr++;
            }
        assert_status(cva_gg_correlation(xr, mr, NULL, nr, &r2, &d), CVA_OK);
        cva_assert_close(r, r2, 1e-12, 1e-15);
    }
    /* exact linear relations */
    for (i = 0; i < 50; i++) {
        x[i] = (double)(i + 1);
        m[i] = 3.0 * x[i] + 7.0;
        m[N + i] = 500.0 - 2.0 * x[i];
    }
    assert_status(cva_gg_correlation(x, m, NULL, 50, &r, &d), CVA_OK);
    cva_assert_close(r, 1.0, 0, 1e-15);
    assert_status(cva_gg_correlation(x, m + N, NULL, 50, &r, &d), CVA_OK);
    cva_assert_close(r, -1.0, 0, 1e-15);
    /* fewer than two usable rows, a constant column: NaN with CVA_W_EMPTY */
    assert_status(cva_gg_correlation(x, m, NULL, 1, &r, &d), CVA_W_EMPTY);
    assert_true(isnan(r));
    assert_status(cva_gg_correlation(x, m, NULL, 0, &r, &d), CVA_W_EMPTY);
    assert_true(isnan(r));
    x[1] = x[0];
    assert_status(cva_gg_correlation(x, m, NULL, 2, &r, &d), CVA_W_EMPTY);
    assert_true(isnan(r));
    x[0] = 0.0; /* ignored: one usable row left */
    assert_status(cva_gg_correlation(x, m, NULL, 2, &r, &d), CVA_W_EMPTY);
    assert_int_equal(d.count, 1);
    /* errors leave *corr alone */
    r = 42.0;
    m[3] = (double)NAN;
    assert_status(cva_gg_correlation(x, m, NULL, 5, &r, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 3);
    assert_int_equal(d.arg, 2);
    assert_true(r == 42.0);
    m[3] = 1.0;
    w[2] = 0.0;
    assert_status(cva_gg_correlation(x, m, w, 5, &r, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 2);
    assert_status(cva_gg_correlation(x, m, NULL, 5, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_gg_correlation(NULL, m, NULL, 5, &r, &d), CVA_E_NULLPTR);
    assert_true(r == 42.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_reference), cmocka_unit_test(gradient), cmocka_unit_test(fit_paths),
        cmocka_unit_test(q_constraint),   cmocka_unit_test(errors),         cmocka_unit_test(correlation),
    };
    return cmocka_run_group_tests_name("gg", tests, NULL, NULL);
}
