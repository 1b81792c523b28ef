/*
 * Correlated Pareto/NBD (CVA_MODEL_PNBDCOR, CLVTools' pnbd(use.cor = TRUE)): likelihood,
 * analytic gradient, P(alive), conditional and unconditional expected transactions against
 * 30-digit mpmath references computed without the shifted-models identity the library uses
 * (tests/data/pnbdcor_ref.py); at correlation 0 every value is the plain Pareto/NBD's; the
 * correlation's admissible range (bad input); parameter recovery on customers simulated here
 * from the Sarmanov density; the boundary warning when the fit runs to the range's end.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "../lib/churn_internal.h"
#include "data/pnbdcor_ref.h"

#define M CVA_MODEL_PNBDCOR

static void rows_of_ref(double *x, double *tx, double *T)
{
    int i;
    for (i = 0; i < PNBDCOR_REF_NR; i++) {
        x[i] = pnbdcor_ref_rows[i][0];
        tx[i] = pnbdcor_ref_rows[i][1];
        T[i] = pnbdcor_ref_rows[i][2];
    }
}

static void loglik_matches_reference(void **state)
{
    double x[PNBDCOR_REF_NR], tx[PNBDCOR_REF_NR], T[PNBDCOR_REF_NR], ll[PNBDCOR_REF_NR];
    int ip, ir, c;
    (void)state;
    rows_of_ref(x, tx, T);
    for (ip = 0; ip < PNBDCOR_REF_NP; ip++) {
        double sum, grad[5], want_sum = 0.0, want_g[5] = {0, 0, 0, 0, 0};
        assert_status(cva_model_loglik(M, pnbdcor_ref_p[ip], x, tx, T, PNBDCOR_REF_NR, ll, &sum, grad, NULL), CVA_OK);
        for (ir = 0; ir < PNBDCOR_REF_NR; ir++) {
            cva_assert_close(ll[ir], pnbdcor_ref_val[ip][ir][0], 1e-12, 1e-12);
            want_sum += pnbdcor_ref_val[ip][ir][0];
            for (c = 0; c < 5; c++)
                want_g[c] += pnbdcor_ref_val[ip][ir][1 + c];
        }
        cva_assert_close(sum, want_sum, 1e-12, 1e-11);
        for (c = 0; c < 5; c++)
            cva_assert_close(grad[c], want_g[c], 1e-9, 1e-9);
        /* one row at a time: the per-row gradient too */
        for (ir = 0; ir < PNBDCOR_REF_NR; ir++) {
            assert_status(cva_model_loglik(M, pnbdcor_ref_p[ip], x + ir, tx + ir, T + ir, 1, NULL, &sum, grad, NULL),
                          CVA_OK);
            for (c = 0; c < 5; c++)
                cva_assert_close(grad[c], pnbdcor_ref_val[ip][ir][1 + c], 1e-9, 1e-9);
        }
    }
}

static void predictions_match_reference(void **state)
{
    double x[PNBDCOR_REF_NR], tx[PNBDCOR_REF_NR], T[PNBDCOR_REF_NR], pa[PNBDCOR_REF_NR], ey[PNBDCOR_REF_NR];
    int ip, ir, k;
    (void)state;
    rows_of_ref(x, tx, T);
    for (ip = 0; ip < PNBDCOR_REF_NP; ip++) {
        double pop[PNBDCOR_REF_NT];
        assert_status(cva_model_p_alive(M, pnbdcor_ref_p[ip], 0.0, x, tx, T, PNBDCOR_REF_NR, pa, NULL, NULL), CVA_OK);
        for (ir = 0; ir < PNBDCOR_REF_NR; ir++)
            cva_assert_close(pa[ir], pnbdcor_ref_val[ip][ir][6], 1e-11, 1e-15);
        for (k = 0; k < PNBDCOR_REF_NT; k++) {
            assert_status(cva_model_expected(M, pnbdcor_ref_p[ip], pnbdcor_ref_t[k], x, tx, T, PNBDCOR_REF_NR, ey,
                                             NULL, NULL),
                          CVA_OK);
            for (ir = 0; ir < PNBDCOR_REF_NR; ir++)
                cva_assert_close(ey[ir], pnbdcor_ref_val[ip][ir][7 + k], 1e-11, 1e-15);
        }
        assert_status(cva_model_expected_pop(M, pnbdcor_ref_p[ip], pnbdcor_ref_t, PNBDCOR_REF_NT, pop, NULL),
                      CVA_OK);
        for (k = 0; k < PNBDCOR_REF_NT; k++)
            cva_assert_close(pop[k], pnbdcor_ref_pop[ip][k], 1e-12, 0);
    }
}

/* correlation 0: every value is the plain Pareto/NBD's (1e-13 relative; they are in fact the same bits) */
static void zero_correlation_is_pnbd(void **state)
{
    double x[PNBDCOR_REF_NR], tx[PNBDCOR_REF_NR], T[PNBDCOR_REF_NR];
    double a[PNBDCOR_REF_NR], b[PNBDCOR_REF_NR];
    int ip, i;
    (void)state;
    rows_of_ref(x, tx, T);
    for (ip = 0; ip < PNBDCOR_REF_NP; ip++) {
        double p[5], s0, s1, g0[4], g1[5], pa[3], pb[3];
        const double t[3] = {1.0, 39.0, 520.0};
        memcpy(p, pnbdcor_ref_p[ip], sizeof p);
        p[4] = 0.0;
        assert_status(cva_model_loglik(CVA_MODEL_PNBD, p, x, tx, T, PNBDCOR_REF_NR, a, &s0, g0, NULL), CVA_OK);
        assert_status(cva_model_loglik(M, p, x, tx, T, PNBDCOR_REF_NR, b, &s1, g1, NULL), CVA_OK);
        cva_assert_close(s1, s0, 1e-13, 0);
        for (i = 0; i < 4; i++)
            cva_assert_close(g1[i], g0[i], 1e-13, 1e-13);
        for (i = 0; i < PNBDCOR_REF_NR; i++)
            cva_assert_close(b[i], a[i], 1e-13, 0);
        /* without the gradient the plain model's own sum, bit for bit */
        assert_status(cva_model_loglik(M, p, x, tx, T, PNBDCOR_REF_NR, NULL, &s1, NULL, NULL), CVA_OK);
        cva_assert_same(s1, s0);
        assert_status(cva_model_p_alive(CVA_MODEL_PNBD, p, 3.0, x, tx, T, PNBDCOR_REF_NR, a, NULL, NULL), CVA_OK);
        assert_status(cva_model_p_alive(M, p, 3.0, x, tx, T, PNBDCOR_REF_NR, b, NULL, NULL), CVA_OK);
        for (i = 0; i < PNBDCOR_REF_NR; i++)
            cva_assert_close(b[i], a[i], 1e-13, 0);
        assert_status(cva_model_expected(CVA_MODEL_PNBD, p, 39.0, x, tx, T, PNBDCOR_REF_NR, a, NULL, NULL), CVA_OK);
        assert_status(cva_model_expected(M, p, 39.0, x, tx, T, PNBDCOR_REF_NR, b, NULL, NULL), CVA_OK);
        for (i = 0; i < PNBDCOR_REF_NR; i++)
            cva_assert_close(b[i], a[i], 1e-13, 0);
        assert_status(cva_model_dert(CVA_MODEL_PNBD, p, 0.01, x, tx, T, PNBDCOR_REF_NR, a, NULL, NULL), CVA_OK);
        assert_status(cva_model_dert(M, p, 0.01, x, tx, T, PNBDCOR_REF_NR, b, NULL, NULL), CVA_OK);
        for (i = 0; i < PNBDCOR_REF_NR; i++)
            cva_assert_close(b[i], a[i], 1e-13, 0);
        assert_status(cva_model_expected_pop(CVA_MODEL_PNBD, p, t, 3, pa, NULL), CVA_OK);
        assert_status(cva_model_expected_pop(M, p, t, 3, pb, NULL), CVA_OK);
        for (i = 0; i < 3; i++)
            cva_assert_close(pb[i], pa[i], 1e-13, 0);
        assert_status(cva_model_prob_n(CVA_MODEL_PNBD, p, 39.0, 3, pa, NULL), CVA_OK);
        assert_status(cva_model_prob_n(M, p, 39.0, 3, pb, NULL), CVA_OK);
        for (i = 0; i < 3; i++)
            cva_assert_close(pb[i], pa[i], 1e-13, 0);
    }
}

/* the one-pass evaluation of the four shifted Pareto/NBDs (cva__pnbd_ll_rows4: tabulated term
   ratios shared by the rows of one x, both branches α >= β, the quadrature rows, t_x = T) gives
   every row's LL and gradient with the bits of four separate cva__pnbd_ll_rows() calls */
static void fused_pass_is_four_passes(void **state)
{
    enum { N = 300 };
    static const double P[][4] = {
        {0.5, 10.0, 0.7, 17.0}, /* α < β − 1: one branch */
        {1.2, 2.5, 1.5, 2.0},   /* α > β, α < β + 1: the shifts' branches differ */
        {0.8, 3.0, 0.9, 3.0},   /* α = β */
        {2.0, 40.0, 0.5, 4.5},  /* α >> β: z near 1 at small t_x (long series, quadrature) */
        {0.3, 0.02, 3.0, 80.0}, /* β >> α */
        {900.0, 30.0, 400.0, 25.0}, /* r + x + s > 1e3 */
    };
    static double x[N], tx[N], T[N], l4[4][N], g4[4][4 * N], l1[N], g1[4 * N];
    cva__btyd_rows rows;
    cva__rng rng;
    size_t i;
    int ip, ab, g;
    (void)state;
    cva__rng_seed(&rng, 3u);
    for (i = 0; i < N; i++) {
        /* runs of equal x (as the fits' sorted rows) and then scattered x */
        x[i] = i < N / 2 ? (double)(i / 20) : floor(8.0 * cva__rng_uniform(&rng));
        T[i] = 1.0 + 60.0 * cva__rng_uniform(&rng);
        tx[i] = x[i] > 0.0 ? (i % 13 == 0 ? T[i] : T[i] * cva__rng_uniform(&rng)) : 0.0;
    }
    rows.x = x;
    rows.t_x = tx;
    rows.T = T;
    rows.w = NULL;
    rows.n = N;
    for (ip = 0; ip < (int)(sizeof P / sizeof P[0]); ip++)
        for (g = 0; g < 2; g++) {
            double *const l4p[4] = {l4[0], l4[1], l4[2], l4[3]}, *const g4p[4] = {g4[0], g4[1], g4[2], g4[3]};
            assert_true(isfinite(cva__pnbd_ll_rows4(P[ip], &rows, l4p, g ? g4p : NULL)));
            for (ab = 0; ab < 4; ab++) {
                double q[4];
                q[0] = P[ip][0];
                q[1] = P[ip][1] + (double)(ab & 1);
                q[2] = P[ip][2];
                q[3] = P[ip][3] + (double)(ab >> 1);
                assert_true(isfinite(cva__pnbd_ll_rows(q, &rows, l1, g ? g1 : NULL)));
                assert_memory_equal(l4[ab], l1, sizeof l1);
                if (g)
                    assert_memory_equal(g4[ab], g1, sizeof g1);
            }
        }
}

/* the fit's start and Hessian (models.c) take from one pass the Hessian's ln v column
   (cva__model_pnbdcor_fithv) and ∂LL/∂c, −∂²LL/∂c² at fixed (r, α, s, β)
   (cva__model_pnbdcor_fitd): against central differences of the analytic gradient (and of
   ∂LL/∂c), and the value and gradient with the bits of the plain fitting parametrisation */
static void start_derivatives(void **state)
{
    enum { N = 200 };
    static const double P[][5] = {
        {0.5, 10.0, 0.7, 17.0, 0.7}, /* interior correlation, α < β */
        {1.2, 2.5, 1.5, 2.0, 0.2},   /* α > β, c below 0 */
        {0.8, 3.0, 0.9, 3.0, 6.0},   /* near the upper end */
    };
    static double x[N], tx[N], T[N], w[N];
    const cva__btyd_model *mf = &cva__model_pnbdcor_fit, *mh = &cva__model_pnbdcor_fithv;
    const cva__btyd_model *md = &cva__model_pnbdcor_fitd;
    cva__btyd_rows rows;
    cva__rng rng;
    size_t i;
    int ip, j;
    (void)state;
    cva__rng_seed(&rng, 5u);
    for (i = 0; i < N; i++) {
        x[i] = floor(6.0 * cva__rng_uniform(&rng));
        T[i] = 5.0 + 40.0 * cva__rng_uniform(&rng);
        tx[i] = x[i] > 0.0 ? T[i] * cva__rng_uniform(&rng) : 0.0;
        w[i] = 1.0 + (double)(i % 3);
    }
    rows.x = x;
    rows.t_x = tx;
    rows.T = T;
    rows.w = w;
    rows.n = N;
    for (ip = 0; ip < (int)(sizeof P / sizeof P[0]); ip++) {
        double out[10], g[5], gp[5], gm[5], ll, q[5], lo, hi, c, ds[2], dp[2], dm[2], llp, llm;
        ll = mh->ll(P[ip], &rows, out, NULL);
        cva_assert_same(mf->ll(P[ip], &rows, g, NULL), ll);
        assert_memory_equal(out, g, sizeof g);
        cva_assert_same(mh->ll(P[ip], &rows, NULL, NULL), mf->ll(P[ip], &rows, NULL, NULL));
        /* out[5 + j] = ∂²LL/∂v∂p_j: the difference of ∂LL/∂v along p_j, and for j < 4 that
           of ∂LL/∂p_j along v */
        for (j = 0; j < 5; j++) {
            const double h = 1e-5 * P[ip][j];
            memcpy(q, P[ip], sizeof q);
            q[j] = P[ip][j] + h;
            assert_true(isfinite(mf->ll(q, &rows, gp, NULL)));
            q[j] = P[ip][j] - h;
            assert_true(isfinite(mf->ll(q, &rows, gm, NULL)));
            cva_assert_close(out[5 + j], (gp[4] - gm[4]) / (2.0 * h), 1e-6, 1e-9 * fabs(out[4]) + 1e-9);
            if (j == 4)
                for (i = 0; i < 4; i++)
                    cva_assert_close(out[5 + i], (gp[i] - gm[i]) / (2.0 * h), 1e-6, 1e-9);
        }
        /* ∂LL/∂c and −∂²LL/∂c² by differences in c (through v) */
        assert_true(cva__pnbdcor_range(P[ip], &lo, &hi));
        c = lo + (hi - lo) * (P[ip][4] / (1.0 + P[ip][4]));
        memcpy(q, P[ip], sizeof q);
        assert_true(isfinite(md->ll(q, &rows, ds, NULL)));
        cva_assert_same(md->ll(q, &rows, NULL, NULL), mf->ll(q, &rows, NULL, NULL));
        {
            const double h = 1e-5 * (hi - lo);
            assert_true(cva__pnbdcor_v_of_c(P[ip], c + h, &q[4]));
            llp = md->ll(q, &rows, dp, NULL);
            assert_true(cva__pnbdcor_v_of_c(P[ip], c - h, &q[4]));
            llm = md->ll(q, &rows, dm, NULL);
            cva_assert_close(ds[0], (llp - llm) / (2.0 * h), 1e-6, 1e-6);
            cva_assert_close(ds[1], -(dp[0] - dm[0]) / (2.0 * h), 1e-6, 1e-6);
            assert_true(ds[1] > 0.0);
        }
    }
}

/* the identities a posterior and a prior expectation satisfy whatever the correlation:
   P(X(t) = n) sums to 1; DERT at a tiny discount rate approaches E[Y(t)] over a long t only
   from above; P(alive) is in (0, 1] and 1 at t_x = T */
static void consistency(void **state)
{
    double x[PNBDCOR_REF_NR], tx[PNBDCOR_REF_NR], T[PNBDCOR_REF_NR], pa[PNBDCOR_REF_NR];
    double pn[400], sum = 0.0;
    int i;
    (void)state;
    rows_of_ref(x, tx, T);
    assert_status(cva_model_prob_n(M, pnbdcor_ref_p[2], 10.0, 400, pn, NULL), CVA_OK);
    for (i = 0; i < 400; i++) {
        assert_true(pn[i] >= 0.0);
        sum += pn[i];
    }
    cva_assert_close(sum, 1.0, 1e-9, 0);
    assert_status(cva_model_p_alive(M, pnbdcor_ref_p[3], 0.0, x, tx, T, PNBDCOR_REF_NR, pa, NULL, NULL), CVA_OK);
    for (i = 0; i < PNBDCOR_REF_NR; i++)
        assert_true(pa[i] > 0.0 && pa[i] <= 1.0);
    cva_assert_close(pa[PNBDCOR_REF_NR - 1], 1.0, 1e-15, 0); /* t_x = T */
}

/* a correlation outside [lo, hi] (the Sarmanov density would be negative): CVA_E_DOMAIN at
   index 4; inside (to 1e-9 of the ends) it evaluates */
static void correlation_range(void **state)
{
    double x[PNBDCOR_REF_NR], tx[PNBDCOR_REF_NR], T[PNBDCOR_REF_NR], pa[PNBDCOR_REF_NR], s;
    int ip, e;
    cva_diag dg;
    (void)state;
    rows_of_ref(x, tx, T);
    for (ip = 0; ip < PNBDCOR_REF_NP; ip++)
        for (e = 0; e < 2; e++) {
            double p[5];
            const double end = pnbdcor_ref_range[ip][e];
            memcpy(p, pnbdcor_ref_p[ip], sizeof p);
            p[4] = end * (1.0 - 1e-9);
            assert_status(cva_model_loglik(M, p, x, tx, T, PNBDCOR_REF_NR, NULL, &s, NULL, NULL), CVA_OK);
            assert_true(isfinite(s));
            p[4] = end * (1.0 + 1e-9);
            cva_diag_init(&dg, sizeof dg);
            assert_status(cva_model_loglik(M, p, x, tx, T, PNBDCOR_REF_NR, NULL, &s, NULL, &dg), CVA_E_DOMAIN);
            assert_int_equal(dg.index, 4);
            assert_non_null(strstr(dg.detail, "correlation"));
            cva_diag_init(&dg, sizeof dg);
            assert_status(cva_model_p_alive(M, p, 0.0, x, tx, T, PNBDCOR_REF_NR, pa, NULL, &dg), CVA_E_DOMAIN);
            assert_int_equal(dg.index, 4);
        }
    {
        double p[5] = {1.0, 2.0, 1.0, 2.0, (double)NAN};
        assert_status(cva_model_loglik(M, p, x, tx, T, 1, NULL, &s, NULL, NULL), CVA_E_DOMAIN);
        p[4] = 0.0;
        p[1] = -1.0;
        assert_status(cva_model_loglik(M, p, x, tx, T, 1, NULL, &s, NULL, NULL), CVA_E_DOMAIN);
    }
    assert_int_equal(cva_model_n_params(M), 5);
    assert_string_equal(cva_model_param_name(M, 3), "beta");
    assert_string_equal(cva_model_param_name(M, 4), "correlation");
}

/* (λ, μ) from the Sarmanov density by rejection from the independent Gammas (accept with
   (1 + ω φ1 φ2)/(1 + |ω|), |φ1 φ2| < 1); Poisson(λ) purchases while alive (lifetime Exp(μ)) */
static void simulate(const double *p, size_t n, uint64_t seed, const double *Tv, double *x, double *tx, double *T)
{
    const double LA = pow(p[1] / (1.0 + p[1]), p[0]), LB = pow(p[3] / (1.0 + p[3]), p[2]);
    const double om = p[4] * (1.0 + p[1]) * (1.0 + p[3]) / (sqrt(p[0] * p[2]) * LA * LB);
    cva__rng rng;
    size_t i;
    cva__rng_seed(&rng, seed);
    for (i = 0; i < n; i++) {
        double lam, mu, life, end, t = 0.0, last = 0.0, k = 0.0;
        for (;;) {
            lam = cva__rng_gamma(&rng, p[0]) / p[1];
            mu = cva__rng_gamma(&rng, p[2]) / p[3];
            if (cva__rng_uniform(&rng) * (1.0 + fabs(om)) <= 1.0 + om * (exp(-lam) - LA) * (exp(-mu) - LB))
                break;
        }
        T[i] = Tv ? Tv[i % 8] : 20.0 + 40.0 * cva__rng_uniform(&rng);
        life = cva__rng_exp(&rng) / mu;
        end = life < T[i] ? life : T[i];
        for (;;) {
            t += cva__rng_exp(&rng) / lam;
            if (!(t < end))
                break;
            k += 1.0;
            last = t;
        }
        x[i] = k;
        tx[i] = last;
    }
}

static void recovery(void **state)
{
    enum { N = 20000 }; /* one fit of 20000 distinct rows, four Pareto/NBD likelihoods an evaluation */
    static double x[N], tx[N], T[N];
    static const double truth[5] = {1.2, 0.8, 1.5, 2.0, 0.12};
    cva_model_fit fit, plain;
    double s;
    int i;
    (void)state;
    simulate(truth, N, 11u, NULL, x, tx, T);
    cva_model_fit_init(&fit, sizeof fit);
    assert_status(cva_model_fit_btyd(M, x, tx, T, NULL, N, NULL, &fit, NULL), CVA_OK);
    print_message("correlated Pareto/NBD recovery (2e4 simulated): %.4f %.4f %.4f %.4f cor %.4f (SE %.4f %.4f "
                  "%.4f %.4f %.4f) %u it\n",
                  fit.params5[0], fit.params5[1], fit.params5[2], fit.params5[3], fit.params5[4], fit.std_err5[0],
                  fit.std_err5[1], fit.std_err5[2], fit.std_err5[3], fit.std_err5[4], (unsigned)fit.iterations);
    assert_int_equal(fit.model, M);
    assert_int_equal(fit.n_params, 5);
    assert_int_equal(fit.converged, 1);
    for (i = 0; i < 5; i++) {
        assert_true(fit.std_err5[i] > 0.0 && fit.std_err5[i] < fabs(truth[i]));
        cva_assert_close(fit.params5[i], truth[i], 0, 3.0 * fit.std_err5[i]);
        cva_assert_close(fit.cov5[i * 5 + i], fit.std_err5[i] * fit.std_err5[i], 1e-12, 0);
    }
    for (i = 0; i < 4; i++) {
        cva_assert_same(fit.params[i], fit.params5[i]);
        cva_assert_same(fit.std_err[i], fit.std_err5[i]);
    }
    /* the reported log-likelihood is the sum at the reported (r, α, s, β, ρ), a maximum: its
       gradient vanishes there (relative to the data's size) */
    {
        double g[5];
        assert_status(cva_model_loglik(M, fit.params5, x, tx, T, N, NULL, &s, g, NULL), CVA_OK);
        cva_assert_close(fit.log_likelihood, s, 1e-12, 0);
        for (i = 0; i < 5; i++)
            assert_true(fabs(g[i] * fit.std_err5[i]) < 1e-2);
    }
    /* and it beats the independent model by a likelihood-ratio test's margin */
    cva_model_fit_init(&plain, sizeof plain);
    assert_status(cva_model_fit_btyd(CVA_MODEL_PNBD, x, tx, T, NULL, N, NULL, &plain, NULL), CVA_OK);
    assert_true(fit.log_likelihood > plain.log_likelihood + 5.0);
    /* a start at the truth reaches the same maximum */
    {
        cva_fit_opts o;
        cva_model_fit f2;
        cva_fit_opts_init_defaults(&o, sizeof o);
        o.start = truth;
        cva_model_fit_init(&f2, sizeof f2);
        assert_status(cva_model_fit_btyd(M, x, tx, T, NULL, N, &o, &f2, NULL), CVA_OK);
        cva_assert_close(f2.log_likelihood, fit.log_likelihood, 1e-9, 0);
        cva_assert_close(f2.params5[4], fit.params5[4], 0, 1e-3 * fit.std_err5[4]);
    }
}

/* rates far more correlated than the Sarmanov family allows (μ proportional to λ): the fit
   runs to the correlation's upper end and says so (CVA_W_BOUNDARY, bit 4 set, upper) */
static void boundary_warning(void **state)
{
    enum { N = 4000 };
    static double x[N], tx[N], T[N];
    cva__rng rng;
    cva_model_fit fit;
    cva_status st;
    int i;
    (void)state;
    cva__rng_seed(&rng, 5u);
    for (i = 0; i < N; i++) {
        const double lam = cva__rng_gamma(&rng, 2.0) / 2.0, mu = 0.05 * lam;
        double life = cva__rng_exp(&rng) / mu, end, t = 0.0;
        T[i] = 40.0;
        end = life < T[i] ? life : T[i];
        x[i] = 0.0;
        tx[i] = 0.0;
        for (;;) {
            t += cva__rng_exp(&rng) / lam;
            if (!(t < end))
                break;
            x[i] += 1.0;
            tx[i] = t;
        }
    }
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_model_fit_btyd(M, x, tx, T, NULL, N, NULL, &fit, NULL);
    print_message("comonotone rates: status %d cor %.5f boundary %#x upper %#x\n", (int)st, fit.params5[4],
                  (unsigned)fit.boundary, (unsigned)fit.boundary_upper);
    assert_status(st, CVA_W_BOUNDARY);
    assert_true((fit.boundary & 16u) != 0);
    assert_true((fit.boundary_upper & 16u) != 0);
    {
        double lo, hi;
        assert_true(cva__pnbdcor_range(fit.params5, &lo, &hi));
        cva_assert_close(cva__pnbdcor_c_of_rho(fit.params5), hi, 1e-3, 0);
    }
}

static void bad_fit_input(void **state)
{
    const double x[2] = {1.0, 0.0}, tx[2] = {5.0, 0.0}, T[2] = {30.0, 30.0};
    const double start_out[5] = {1.0, 1.0, 1.0, 1.0, 0.9}; /* range at (1, 1, 1, 1): [−0.25, 0.25] */
    const double start_neg[5] = {1.0, 1.0, 1.0, 1.0, -0.1};
    cva_fit_opts o;
    cva_model_fit fit;
    cva_diag dg;
    (void)state;
    cva_fit_opts_init_defaults(&o, sizeof o);
    o.start = start_out;
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&dg, sizeof dg);
    assert_status(cva_model_fit_btyd(M, x, tx, T, NULL, 2, &o, &fit, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_FIT_START);
    assert_int_equal(dg.index, 4);
    /* a negative start correlation is fine (the other start values must be > 0) */
    o.start = start_neg;
    o.max_iter = 3;
    assert_true(cva_model_fit_btyd(M, x, tx, T, NULL, 2, &o, &fit, NULL) >= 0);
    /* a fit struct without params5 cannot hold five parameters */
    assert_status(cva_model_fit_init(&fit, offsetof(cva_model_fit, params5)), CVA_OK);
    assert_status(cva_model_fit_btyd(M, x, tx, T, NULL, 2, NULL, &fit, NULL), CVA_E_ABI_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loglik_matches_reference), cmocka_unit_test(predictions_match_reference),
        cmocka_unit_test(zero_correlation_is_pnbd), cmocka_unit_test(fused_pass_is_four_passes),
        cmocka_unit_test(start_derivatives),        cmocka_unit_test(consistency),
        cmocka_unit_test(correlation_range),        cmocka_unit_test(recovery),
        cmocka_unit_test(boundary_warning),         cmocka_unit_test(bad_fit_input),
    };
    return cmocka_run_group_tests_name("pnbdcor", tests, NULL, NULL);
}
