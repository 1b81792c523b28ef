/*
 * BG/CNBD-k and MBG/CNBD-k (regularity.h): likelihood, gradient, P(alive), conditional and
 * unconditional expectations against 50-digit mpmath references (tests/data/cnbd_ref.py),
 * k = 1 against the BG/NBD and MBG/NBD closed forms, Wheat & Morrison and litt by hand,
 * parameter recovery (k and parameters) on simulated customers, bad input; rows with
 * T − t_x near 1e306 and DBL_MAX against mpmath (tests/data/cnbd_huge_ref.py).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "data/cnbd_ref.h"
#include "data/cnbd_cond_ref.h"
#include "data/cnbd_huge_ref.h"

static const int32_t MODELS[2] = {CVA_MODEL_BGCNBD, CVA_MODEL_MBGCNBD};

static void loglik_matches_reference(void **state)
{
    int s, ip, ir, c;
    (void)state;
    for (s = 0; s < 2; s++)
        for (ip = 0; ip < CNBD_REF_NP; ip++) {
            double x[CNBD_REF_NR], tx[CNBD_REF_NR], T[CNBD_REF_NR], lt[CNBD_REF_NR], ll[CNBD_REF_NR];
            double sum, grad[4], want_sum = 0.0, want_g[4] = {0, 0, 0, 0};
            for (ir = 0; ir < CNBD_REF_NR; ir++) {
                x[ir] = cnbd_ref_rows[ir][0];
                tx[ir] = cnbd_ref_rows[ir][1];
                T[ir] = cnbd_ref_rows[ir][2];
                lt[ir] = cnbd_ref_rows[ir][3];
            }
            assert_status(cva_cnbd_loglik(MODELS[s], cnbd_ref_k[ip], cnbd_ref_p[ip], x, tx, T, lt, CNBD_REF_NR,
                                          &sum, grad, ll, NULL),
                          CVA_OK);
            for (ir = 0; ir < CNBD_REF_NR; ir++) {
                cva_assert_close(ll[ir], cnbd_ref_ll[s][ip][ir], 1e-13, 1e-13);
                want_sum += cnbd_ref_ll[s][ip][ir];
                for (c = 0; c < 4; c++)
                    want_g[c] += cnbd_ref_grad[s][ip][ir][c];
            }
            cva_assert_close(sum, want_sum, 1e-13, 1e-12);
            for (c = 0; c < 4; c++)
                cva_assert_close(grad[c], want_g[c], 1e-10, 1e-10);
        }
}

static void predictions_match_reference(void **state)
{
    int s, ip, ir;
    (void)state;
    for (s = 0; s < 2; s++)
        for (ip = 0; ip < CNBD_REF_NP; ip++) {
            double x[CNBD_REF_NR], tx[CNBD_REF_NR], T[CNBD_REF_NR], pa[CNBD_REF_NR], ey[CNBD_REF_NR];
            double pop[CNBD_REF_NT];
            for (ir = 0; ir < CNBD_REF_NR; ir++) {
                x[ir] = cnbd_ref_rows[ir][0];
                tx[ir] = cnbd_ref_rows[ir][1];
                T[ir] = cnbd_ref_rows[ir][2];
            }
            assert_status(cva_cnbd_p_alive(MODELS[s], cnbd_ref_k[ip], cnbd_ref_p[ip], x, tx, T, CNBD_REF_NR, pa,
                                           NULL),
                          CVA_OK);
            assert_status(cva_cnbd_expected(MODELS[s], cnbd_ref_k[ip], cnbd_ref_p[ip], 52.0, x, tx, T,
                                            CNBD_REF_NR, ey, NULL),
                          CVA_OK);
            for (ir = 0; ir < CNBD_REF_NR; ir++) {
                cva_assert_close(pa[ir], cnbd_ref_palive[s][ip][ir], 1e-13, 1e-300);
                cva_assert_close(ey[ir], cnbd_ref_cond52[s][ip][ir], 1e-11, 1e-300);
            }
            assert_status(cva_cnbd_expected_pop(MODELS[s], cnbd_ref_k[ip], cnbd_ref_p[ip], cnbd_ref_t, CNBD_REF_NT,
                                                pop, NULL),
                          CVA_OK);
            for (ir = 0; ir < CNBD_REF_NT; ir++)
                cva_assert_close(pop[ir], cnbd_ref_pop[s][ip][ir], 1e-12, 0);
        }
}

/* k = 1 is BG/NBD (s = 0) and MBG/NBD (s = 1): the existing closed forms */
static void k1_is_bgnbd(void **state)
{
    static const double p[4] = {0.55, 9.5, 0.8, 2.9};
    static const double x[5] = {0, 1, 4, 9, 2}, tx[5] = {0, 5, 20.5, 37, 1}, T[5] = {38, 30, 39, 38, 60};
    static const double t[4] = {1, 13, 52, 400};
    static const int32_t plain[2] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD};
    int s, i;
    (void)state;
    for (s = 0; s < 2; s++) {
        double a[5], b[5], sa, sb, ga[4], gb[4], pa[4], pb[4];
        assert_status(cva_cnbd_loglik(MODELS[s], 1, p, x, tx, T, NULL, 5, &sa, ga, a, NULL), CVA_OK);
        assert_status(cva_model_loglik(plain[s], p, x, tx, T, 5, b, &sb, gb, NULL), CVA_OK);
        cva_assert_close(sa, sb, 1e-13, 0);
        for (i = 0; i < 5; i++)
            cva_assert_close(a[i], b[i], 1e-13, 1e-13);
        for (i = 0; i < 4; i++)
            cva_assert_close(ga[i], gb[i], 1e-10, 1e-12);
        assert_status(cva_cnbd_p_alive(MODELS[s], 1, p, x, tx, T, 5, a, NULL), CVA_OK);
        assert_status(cva_model_p_alive(plain[s], p, 0.0, x, tx, T, 5, b, NULL, NULL), CVA_OK);
        for (i = 0; i < 5; i++)
            cva_assert_close(a[i], b[i], 1e-14, 1e-300);
        assert_status(cva_cnbd_expected(MODELS[s], 1, p, 26.0, x, tx, T, 5, a, NULL), CVA_OK);
        assert_status(cva_model_expected(plain[s], p, 26.0, x, tx, T, 5, b, NULL, NULL), CVA_OK);
        for (i = 0; i < 5; i++)
            cva_assert_close(a[i], b[i], 1e-13, 1e-300);
        assert_status(cva_cnbd_expected_pop(MODELS[s], 1, p, t, 4, pa, NULL), CVA_OK);
        assert_status(cva_model_expected_pop(plain[s], p, t, 4, pb, NULL), CVA_OK);
        for (i = 0; i < 4; i++)
            cva_assert_close(pa[i], pb[i], 1e-12, 0);
    }
}

/* Wheat & Morrison and litt on hand-computed customers */
static void wheat_and_litt(void **state)
{
    /* customer 0: ITTs 1, 2, 6 -> last two 2, 6: M = 1/4; customer 1: one purchase; customer 2:
       ITTs 3, 3 -> M = 1/2; customer 3: ITTs 1, 4, 1 -> M = 4/5 */
    static const double t[] = {0, 1, 3, 9, 5, 10, 13, 16, 2, 3, 7, 8};
    static const size_t off[] = {0, 4, 5, 8, 12};
    double litt[4], k, V;
    size_t used = 99;
    cva_diag d;
    (void)state;
    assert_status(cva_log_itt_sum(t, off, 4, litt, NULL), CVA_OK);
    cva_assert_close(litt[0], log(1.0) + log(2.0) + log(6.0), 1e-15, 0);
    cva_assert_same(litt[1], 0.0);
    cva_assert_close(litt[2], 2.0 * log(3.0), 1e-15, 0);
    cva_assert_close(litt[3], log(4.0), 1e-15, 0);
    assert_status(cva_regularity_wheat(t, off, 4, &k, &used, NULL), CVA_OK);
    assert_int_equal(used, 3);
    V = ((0.25 - 0.5) * (0.25 - 0.5) + 0.0 + (0.8 - 0.5) * (0.8 - 0.5)) / 3.0;
    cva_assert_close(k, (1.0 - 4.0 * V) / (8.0 * V), 1e-14, 0);
    /* no customer with three purchases */
    {
        static const size_t o2[] = {0, 1, 3};
        assert_status(cva_regularity_wheat(t, o2, 2, &k, &used, NULL), CVA_W_EMPTY);
    }
    assert_true(isnan(k));
    assert_int_equal(used, 0);
    /* not strictly increasing (same-day purchases not merged) */
    {
        static const double bad[] = {0, 1, 1, 5};
        static const size_t o1[] = {0, 4};
        cva_diag_init(&d, sizeof d);
        assert_status(cva_log_itt_sum(bad, o1, 1, litt, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 2);
        assert_status(cva_regularity_wheat(bad, o1, 1, &k, NULL, NULL), CVA_E_BADARG);
    }
}

/* BTYDplus' own recovery test (test-mbg-cnbd-k.R): k = 3, (0.85, 1.45, 0.79, 2.42), T from 36 to
   96 in steps of 12; here 8000 customers from cva_sim_cnbd, k chosen by likelihood */
static void recovery(void **state)
{
    enum { N = 8000 };
    static double x[N], tx[N], T[N], lt[N];
    static const double truth[4] = {0.85, 1.45, 0.79, 2.42};
    int s, i;
    (void)state;
    for (i = 0; i < N; i++)
        T[i] = 36.0 + 12.0 * (double)(i % 6);
    for (s = 0; s < 2; s++) {
        cva_model_fit fit;
        int32_t k = 0;
        assert_status(cva_sim_cnbd(MODELS[s], 3, truth, T, N, 42u + (uint64_t)s, x, tx, lt, NULL), CVA_OK);
        cva_model_fit_init(&fit, sizeof fit);
        assert_status(cva_cnbd_fit(MODELS[s], 0, 6, x, tx, T, lt, NULL, N, NULL, &fit, &k, NULL), CVA_OK);
        assert_int_equal(k, 3);
        assert_int_equal(fit.model, MODELS[s]);
        for (i = 0; i < 4; i++) {
            /* within 3 standard errors of the truth, and the standard errors are sane */
            assert_true(fit.std_err[i] > 0.0 && fit.std_err[i] < 0.3 * truth[i]);
            cva_assert_close(fit.params[i], truth[i], 0, 3.0 * fit.std_err[i]);
        }
        /* the fitted k = 2 and k = 4 models are worse */
        {
            cva_model_fit f2;
            int32_t kk;
            for (kk = 2; kk <= 4; kk += 2) {
                cva_model_fit_init(&f2, sizeof f2);
                assert_status(cva_cnbd_fit(MODELS[s], kk, 0, x, tx, T, lt, NULL, N, NULL, &f2, NULL, NULL),
                              CVA_OK);
                assert_true(f2.log_likelihood < fit.log_likelihood - 10.0);
            }
        }
    }
}

/* weights: a weighted fit equals the fit of the expanded rows */
static void weights_are_counts(void **state)
{
    enum { N = 300, NE = 600 };
    static const double truth[4] = {0.85, 1.45, 0.79, 2.42};
    static double x[N], tx[N], T[N], w[N], xe[NE], txe[NE], Te[NE];
    cva_model_fit a, b;
    int i, j, m = 0;
    (void)state;
    for (i = 0; i < N; i++)
        T[i] = 40.0 + (double)(i % 3);
    assert_status(cva_sim_cnbd(CVA_MODEL_MBGCNBD, 2, truth, T, N, 7, x, tx, NULL, NULL), CVA_OK);
    for (i = 0; i < N; i++) {
        w[i] = (double)(1 + i % 3);
        for (j = 0; j < (int)w[i]; j++) {
            xe[m] = x[i];
            txe[m] = tx[i];
            Te[m] = T[i];
            m++;
        }
    }
    assert_int_equal(m, NE);
    cva_model_fit_init(&a, sizeof a);
    cva_model_fit_init(&b, sizeof b);
    assert_status(cva_cnbd_fit(CVA_MODEL_MBGCNBD, 2, 0, x, tx, T, NULL, w, N, NULL, &a, NULL, NULL), CVA_OK);
    assert_status(cva_cnbd_fit(CVA_MODEL_MBGCNBD, 2, 0, xe, txe, Te, NULL, NULL, NE, NULL, &b, NULL, NULL), CVA_OK);
    for (i = 0; i < 4; i++)
        cva_assert_close(a.params[i], b.params[i], 1e-5, 0);
    cva_assert_close(a.log_likelihood, b.log_likelihood, 1e-10, 0);
    cva_assert_close(a.n_customers, (double)NE, 0, 0);
}

/* rows without a purchase (x, t_x, T all NaN) are skipped as by the other BTYD models */
static void no_purchase_rows(void **state)
{
    static const double p[4] = {0.85, 1.45, 0.79, 2.42};
    static const double x[4] = {2, (double)NAN, 0, 5}, tx[4] = {10, (double)NAN, 0, 30}, T[4] = {40, (double)NAN, 38, 39};
    static const double x3[3] = {2, 0, 5}, tx3[3] = {10, 0, 30}, T3[3] = {40, 38, 39};
    double a[4], b[3];
    cva_diag d;
    int i;
    (void)state;
    for (i = 0; i < 2; i++) {
        cva_diag_init(&d, sizeof d);
        assert_status(i ? cva_cnbd_expected(CVA_MODEL_MBGCNBD, 3, p, 20.0, x, tx, T, 4, a, &d)
                        : cva_cnbd_p_alive(CVA_MODEL_MBGCNBD, 3, p, x, tx, T, 4, a, &d),
                      CVA_W_EXCLUDED);
        assert_int_equal(d.count, 1);
        assert_status(i ? cva_cnbd_expected(CVA_MODEL_MBGCNBD, 3, p, 20.0, x3, tx3, T3, 3, b, NULL)
                        : cva_cnbd_p_alive(CVA_MODEL_MBGCNBD, 3, p, x3, tx3, T3, 3, b, NULL),
                      CVA_OK);
        cva_assert_same(a[0], b[0]);
        assert_true(isnan(a[1]));
        cva_assert_same(a[2], b[1]);
        cva_assert_same(a[3], b[2]);
    }
}

static void bad_input(void **state)
{
    static const double p[4] = {1, 2, 1, 3}, bp[4] = {1, -2, 1, 3};
    static const double x[2] = {1, 0}, tx[2] = {5, 0}, T[2] = {10, 10}, badtx[2] = {11, 0};
    static const double nan_x[2] = {1, (double)NAN};
    double out[2] = {-1, -1}, s;
    cva_model_fit fit;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_cnbd_loglik(CVA_MODEL_BGNBD, 2, p, x, tx, T, NULL, 2, &s, NULL, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 1);
    assert_status(cva_cnbd_loglik(CVA_MODEL_BGCNBD, 0, p, x, tx, T, NULL, 2, &s, NULL, NULL, &d), CVA_E_BADARG);
    assert_status(cva_cnbd_loglik(CVA_MODEL_BGCNBD, 13, p, x, tx, T, NULL, 2, &s, NULL, NULL, &d), CVA_E_BADARG);
    assert_status(cva_cnbd_p_alive(CVA_MODEL_BGCNBD, 2, bp, x, tx, T, 2, out, &d), CVA_E_DOMAIN);
    assert_int_equal(d.index, 1);
    assert_status(cva_cnbd_p_alive(CVA_MODEL_BGCNBD, 2, p, x, badtx, T, 2, out, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 0);
    assert_status(cva_cnbd_p_alive(CVA_MODEL_BGCNBD, 2, p, nan_x, tx, T, 2, out, &d), CVA_E_NONFINITE);
    assert_status(cva_cnbd_p_alive(CVA_MODEL_BGCNBD, 2, p, x, tx, T, 2, NULL, &d), CVA_E_NULLPTR);
    cva_assert_same(out[0], -1.0); /* untouched on error */
    assert_status(cva_cnbd_expected(CVA_MODEL_BGCNBD, 2, p, -1.0, x, tx, T, 2, out, &d), CVA_E_BADARG);
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_cnbd_fit(CVA_MODEL_BGCNBD, 0, 0, x, tx, T, NULL, NULL, 2, NULL, &fit, NULL, &d),
                  CVA_E_NULLPTR); /* choosing k needs litt */
    assert_int_equal(d.arg, 7);
    {
        static const double w[2] = {1, 0};
        assert_status(cva_cnbd_fit(CVA_MODEL_BGCNBD, 2, 0, x, tx, T, NULL, w, 2, NULL, &fit, NULL, &d),
                      CVA_E_BADARG);
        assert_int_equal(d.index, 1);
    }
    assert_status(cva_cnbd_fit(CVA_MODEL_BGCNBD, 2, 0, x, tx, T, NULL, NULL, 0, NULL, &fit, NULL, &d), CVA_W_EMPTY);
    assert_status(cva_cnbd_fit(CVA_MODEL_BGCNBD, 2, 0, x, tx, T, NULL, NULL, 2, NULL, NULL, NULL, &d),
                  CVA_E_NULLPTR);
    assert_status(cva_cnbd_fit(CVA_MODEL_BGCNBD, 2, 13, x, tx, T, NULL, NULL, 2, NULL, &fit, NULL, &d),
                  CVA_E_BADARG);
    assert_status(cva_sim_cnbd(CVA_MODEL_PNBD, 2, p, T, 2, 1, out, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_sim_cnbd(CVA_MODEL_BGCNBD, 2, bp, T, 2, 1, out, out, NULL, &d), CVA_E_DOMAIN);
    assert_int_equal(cva_model_n_params(CVA_MODEL_MBGCNBD), 4);
    assert_string_equal(cva_model_param_name(CVA_MODEL_BGCNBD, 1), "alpha");
}

/* ------------------------------------------------ conditional distribution */

enum { NK_FULL = 600 };

static void cond_params(const cnbd_cond_ref *c, double *p5)
{
    int i;
    for (i = 0; i < 4; i++)
        p5[i] = c->params[i];
    p5[4] = (double)c->k;
}

/* P(Y(t) = n | x, t_x, T) against the mpmath reference (tests/data/cnbd_cond_ref.py, direct
   integration over lambda of the Poisson sums), the sum to 1, the mean against the reference's
   exact mean, and P(alive) against cva_cnbd_p_alive() */
static void cond_prob_matches_reference(void **state)
{
    static double full[NK_FULL];
    size_t c, n;
    (void)state;
    for (c = 0; c < sizeof CNBD_COND_REF / sizeof CNBD_COND_REF[0]; c++) {
        const cnbd_cond_ref *r = &CNBD_COND_REF[c];
        double p5[5], pn[CNBD_COND_NMAX + 1], sum = 0.0, mean = 0.0, pa;
        cond_params(r, p5);
        assert_status(cva_model_cond_prob_n(r->model, p5, r->t, &r->x, &r->t_x, &r->T, 1, CNBD_COND_NMAX + 1, pn,
                                            NULL, NULL),
                      CVA_OK);
        for (n = 0; n <= CNBD_COND_NMAX; n++)
            cva_assert_close(pn[n], r->pn[n], 1e-11, 1e-300);
        assert_status(cva_model_cond_prob_n(r->model, p5, r->t, &r->x, &r->t_x, &r->T, 1, NK_FULL, full, NULL, NULL),
                      CVA_OK);
        for (n = 0; n <= CNBD_COND_NMAX; n++)
            cva_assert_close(full[n], pn[n], 1e-14, 0); /* n_k changes only where the tails start */
        for (n = NK_FULL; n-- > 0;) {
            sum += full[n];
            mean += (double)n * full[n];
        }
        cva_assert_close(sum, 1.0, 1e-13, 0);
        cva_assert_close(mean, r->mean, 1e-11, 0);
        assert_status(cva_cnbd_p_alive(r->model, r->k, r->params, &r->x, &r->t_x, &r->T, 1, &pa, NULL), CVA_OK);
        cva_assert_close(pa, r->p_alive, 1e-13, 0);
    }
}

/* k = 1: the BG/NBD and MBG/NBD conditional distributions; the mean is cva_model_expected()
   (and the exact cva_cnbd_expected() there) */
static void cond_prob_k1_is_bgnbd(void **state)
{
    static const double p[5] = {0.55, 9.5, 0.8, 2.9, 1.0};
    static const double x[5] = {0, 1, 4, 9, 2}, tx[5] = {0, 5, 20.5, 37, 1}, T[5] = {38, 30, 39, 38, 60};
    static const int32_t plain[2] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD};
    static double a[5 * NK_FULL], b[5 * NK_FULL];
    double ey[5];
    int s, i, n;
    (void)state;
    for (s = 0; s < 2; s++) {
        assert_status(cva_model_cond_prob_n(MODELS[s], p, 26.0, x, tx, T, 5, NK_FULL, a, NULL, NULL), CVA_OK);
        assert_status(cva_model_cond_prob_n(plain[s], p, 26.0, x, tx, T, 5, NK_FULL, b, NULL, NULL), CVA_OK);
        assert_status(cva_model_expected(plain[s], p, 26.0, x, tx, T, 5, ey, NULL, NULL), CVA_OK);
        for (i = 0; i < 5; i++) {
            double sum = 0.0, mean = 0.0;
            for (n = 0; n < 40; n++)
                cva_assert_close(a[i * NK_FULL + n], b[i * NK_FULL + n], 1e-11, 1e-300);
            for (n = NK_FULL; n-- > 0;) {
                sum += a[i * NK_FULL + n];
                mean += (double)n * a[i * NK_FULL + n];
            }
            cva_assert_close(sum, 1.0, 1e-13, 0);
            cva_assert_close(mean, ey[i], 1e-11, 0);
        }
    }
}

/* a new customer (x = t_x = T = 0) gets the unconditional distribution: its mean is the exact
   cva_cnbd_expected_pop(), and brute-force simulation (cva_sim_cnbd) agrees */
static void cond_prob_new_customer(void **state)
{
    enum { NSIM = 100000, NK = 8 };
    static double sx[NSIM], stx[NSIM], sT[NSIM];
    static double full[NK_FULL];
    static const double p4[4] = {1.8, 4.0, 0.9, 2.2};
    const double zero = 0.0, t = 30.0;
    int s, i, k;
    (void)state;
    for (i = 0; i < NSIM; i++)
        sT[i] = t;
    for (s = 0; s < 2; s++)
        for (k = 2; k <= 4; k += 2) {
            double p5[5], pop, mean = 0.0, cnt[NK];
            memcpy(p5, p4, sizeof p4);
            p5[4] = (double)k;
            assert_status(cva_model_cond_prob_n(MODELS[s], p5, t, &zero, &zero, &zero, 1, NK_FULL, full, NULL, NULL),
                          CVA_OK);
            for (i = NK_FULL; i-- > 0;)
                mean += (double)i * full[i];
            assert_status(cva_cnbd_expected_pop(MODELS[s], k, p4, &t, 1, &pop, NULL), CVA_OK);
            cva_assert_close(mean, pop, 1e-12, 0);
            assert_status(cva_sim_cnbd(MODELS[s], k, p4, sT, NSIM, 7u + (uint64_t)k, sx, stx, NULL, NULL), CVA_OK);
            for (i = 0; i < NK; i++)
                cnt[i] = 0.0;
            for (i = 0; i < NSIM; i++)
                if (sx[i] < (double)NK)
                    cnt[(int)sx[i]] += 1.0;
            for (i = 0; i < NK; i++) {
                /* binomial frequency within 5 standard deviations */
                const double sd = sqrt(full[i] * (1.0 - full[i]) / (double)NSIM);
                cva_assert_close(cnt[i] / (double)NSIM, full[i], 0, 5.0 * sd + 1e-12);
            }
        }
}

/* rows without a purchase give NaN rows; bad k and parameters are refused */
static void cond_prob_bad_input(void **state)
{
    static const double x[3] = {1, (double)NAN, 0}, tx[3] = {5, (double)NAN, 0}, T[3] = {10, (double)NAN, 10};
    double p5[5] = {1, 2, 1, 3, 2}, out[9], one[3];
    cva_diag d;
    int j;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_MBGCNBD, p5, 4.0, x, tx, T, 3, 3, out, NULL, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 1);
    for (j = 0; j < 3; j++)
        assert_true(isnan(out[3 + j]));
    assert_status(cva_model_cond_prob_n(CVA_MODEL_MBGCNBD, p5, 4.0, x + 2, tx + 2, T + 2, 1, 3, one, NULL, NULL),
                  CVA_OK);
    for (j = 0; j < 3; j++)
        cva_assert_same(out[6 + j], one[j]);
    p5[4] = 2.5;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 2);
    assert_int_equal(d.index, 4);
    p5[4] = 13.0;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_BADARG);
    p5[4] = 0.0;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_BADARG);
    p5[4] = 2.0;
    p5[1] = -1.0;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_DOMAIN);
    assert_int_equal(d.index, 1);
    p5[1] = 2.0;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, -1.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, T, tx, 1, 3, out, NULL, &d), CVA_E_BADARG);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 4.0, x, tx, T, 1, 3, NULL, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, NULL, 4.0, x, tx, T, 1, 3, out, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGCNBD, p5, 0.0, x, tx, T, 1, 3, out, NULL, &d), CVA_OK);
    cva_assert_same(out[0], 1.0);
    cva_assert_same(out[1], 0.0);
    {
        /* a tail with ratios near 1 (r tiny, t far beyond alpha + T): the series stops at its cap
           with the warning, and the values are still probabilities summing to at most 1 */
        static const double pt[5] = {1e-9, 1e-6, 1.0, 3.0, 2.0};
        double s = 0.0;
        cva_status st = cva_model_cond_prob_n(CVA_MODEL_BGCNBD, pt, 1e6, x + 2, tx + 2, T + 2, 1, 3, one, NULL, &d);
        assert_int_equal(st, CVA_W_SERIES_LIMIT);
        for (j = 0; j < 3; j++) {
            assert_true(one[j] >= 0.0 && one[j] <= 1.0);
            s += one[j];
        }
        assert_true(s <= 1.0 + 1e-12 && s > 0.99);
    }
}

/* T − t_x near DBL_MAX: the still-active series' factor (u+j−1)(T−t_x) overflowed before the
   division by j(α+T), so S2 became Inf or NaN (P(alive) NaN: a fuzz find,
   tests/fuzz/regress/models/mbgcnbd-huge-T-p-alive-nan). Every term is ordinary; the values
   against mpmath (tests/data/cnbd_huge_ref.py), P(alive), LL_i and the conditional
   distribution's range. */
static void huge_T_rows(void **state)
{
    double x[CNBD_HUGE_NR], tx[CNBD_HUGE_NR], T[CNBD_HUGE_NR], pa[CNBD_HUGE_NR], ll[CNBD_HUGE_NR], sum;
    double p5[5], cp[CNBD_HUGE_NR * 4];
    int s, i, j;
    (void)state;
    for (i = 0; i < CNBD_HUGE_NR; i++) {
        x[i] = cnbd_huge_rows[i][0];
        tx[i] = cnbd_huge_rows[i][1];
        T[i] = cnbd_huge_rows[i][2];
    }
    for (i = 0; i < 4; i++)
        p5[i] = cnbd_huge_p[i];
    p5[4] = CNBD_HUGE_K;
    for (s = 0; s < 2; s++) {
        assert_status(cva_cnbd_p_alive(MODELS[s], CNBD_HUGE_K, cnbd_huge_p, x, tx, T, CNBD_HUGE_NR, pa, NULL),
                      CVA_OK);
        assert_status(cva_cnbd_loglik(MODELS[s], CNBD_HUGE_K, cnbd_huge_p, x, tx, T, NULL, CNBD_HUGE_NR, &sum,
                                      NULL, ll, NULL),
                      CVA_OK);
        for (i = 0; i < CNBD_HUGE_NR; i++) {
            cva_assert_close(pa[i], cnbd_huge_val[s][i][0], 1e-12, 1e-320);
            cva_assert_close(ll[i], cnbd_huge_val[s][i][1], 1e-12, 0.0);
        }
        assert_status(cva_model_cond_prob_n(MODELS[s], p5, 10.0, x, tx, T, CNBD_HUGE_NR, 4, cp, NULL, NULL),
                      CVA_OK);
        for (i = 0; i < CNBD_HUGE_NR; i++) {
            double tot = 0.0;
            for (j = 0; j < 4; j++) {
                assert_true(cp[i * 4 + j] >= 0.0 && cp[i * 4 + j] <= 1.0);
                tot += cp[i * 4 + j];
            }
            assert_true(tot <= 1.0 + 1e-12);
        }
    }
}

/* r near DBL_MAX (a purchase rate without heterogeneity, far above 1/T): the still-active
   terms v_j = (u)_j/j! (d/(α+T))^j overflowed, S2 = Inf and P(alive) = Inf/Inf = NaN (a fuzz
   find, tests/fuzz/regress/models/mbgcnbd-huge-r-p-alive-nan). In logs ln S2 <= (k−1) ln(u+k)
   + ln k <= 2.9e3 while ln S1 = ln a − ln(b+x+s−1) + u ln((α+T)/(α+t_x)) >= 1e79, so
   P(alive) = S2/(S1+S2) < e^(−1e79): 0 in double precision, and the conditional distribution
   of a customer who is gone is all at 0. BG/CNBD-k at x = 0 has no S1: P(alive) = 1. */
static void huge_r_rows(void **state)
{
    const double p[2][5] = {{DBL_MAX, 2.55, 2.55, 9.3, 5.0}, {1e80, 2.55, 2.55, 9.3, 5.0}};
    const double x[2] = {0.0, 3.0}, tx[2] = {0.0, 10.0}, T[2] = {37.5, 37.5};
    int i, j;
    (void)state;
    for (i = 0; i < 2; i++) {
        double pa = -1.0, cp[4];
        assert_status(cva_cnbd_p_alive(CVA_MODEL_MBGCNBD, 5, p[i], &x[i], &tx[i], &T[i], 1, &pa, NULL), CVA_OK);
        assert_true(pa == 0.0);
        assert_status(cva_model_cond_prob_n(CVA_MODEL_MBGCNBD, p[i], 18.5, &x[i], &tx[i], &T[i], 1, 4, cp, NULL,
                                            NULL),
                      CVA_OK);
        assert_true(cp[0] == 1.0);
        for (j = 1; j < 4; j++)
            assert_true(cp[j] == 0.0);
        assert_status(cva_cnbd_p_alive(CVA_MODEL_BGCNBD, 5, p[i], &x[i], &tx[i], &T[i], 1, &pa, NULL), CVA_OK);
        assert_true(i == 0 ? pa == 1.0 : pa == 0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loglik_matches_reference),
        cmocka_unit_test(predictions_match_reference),
        cmocka_unit_test(k1_is_bgnbd),
        cmocka_unit_test(wheat_and_litt),
        cmocka_unit_test(recovery),
        cmocka_unit_test(weights_are_counts),
        cmocka_unit_test(no_purchase_rows),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(cond_prob_matches_reference),
        cmocka_unit_test(cond_prob_k1_is_bgnbd),
        cmocka_unit_test(cond_prob_new_customer),
        cmocka_unit_test(cond_prob_bad_input),
        cmocka_unit_test(huge_T_rows),
        cmocka_unit_test(huge_r_rows),
    };
    return cmocka_run_group_tests_name("cnbd", tests, NULL, NULL);
}
