/*
 * BG/NBD and MBG/NBD: docs/methods/models.md#methods_models_refs reference values, analytic gradients,
 * P(alive) now and later, E[Y], E[X], P(X(t)=k), DERT, large inputs, and
 * MBG/NBD against the direct (non-Euler) formulas of lifetimes'
 * ModifiedBetaGeoFitter evaluated with a plain series here.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"
#include "data/survival_ref.h"

static const double P_CDNOW[4] = {0.243, 4.414, 0.793, 2.426};

/* ---- test-side naive helpers (independent of lib/special.c) ---- */

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

static double mbg_ll_direct(const double *p, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double A1 = lgamma(r + x) - lgamma(r) + r * log(al);
    double A2 = lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1);
    double A3 = -(r + x) * log(al + T);
    double A4 = log(a) - log(b + x) + (r + x) * (log(al + T) - log(al + tx));
    return A1 + A2 + A3 + log1p(exp(A4));
}

static double mbg_ey_direct(const double *p, double t, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double hyp = naive_2f1(r + x, b + x + 1, a + b + x, t / (al + T + t));
    double num = (a + b + x) / (a - 1) * (1 - hyp * pow((al + T) / (al + t + T), r + x));
    double den = 1 + (a / (b + x)) * pow((al + T) / (al + tx), r + x);
    return num / den;
}

static double mbg_ex_direct(const double *p, double t)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double hyp = naive_2f1(r, b + 1, a + b, t / (al + t));
    return b / (a - 1) * (1 - hyp * pow(al / (al + t), r));
}

/* ---- reference values ---- */

static void spec_reference(void **state)
{
    const double x[3] = {2, 0, 5}, tx[3] = {30.43, 0, 10}, T[3] = {38.86, 38.86, 38.86};
    double ll[3], pa[3], ey[3], t39 = 39, ex, sum;
    (void)state;
    assert_status(cva_model_loglik(CVA_MODEL_BGNBD, P_CDNOW, x, tx, T, 3, ll, &sum, NULL, NULL), CVA_OK);
    cva_assert_close(ll[0], -9.458606307, 1e-9, 0);
    cva_assert_close(ll[1], -0.5547132764, 1e-9, 0);
    cva_assert_close(sum, ll[0] + ll[1] + ll[2], 1e-15, 0);
    /* a sum that is not finite (r = DBL_MAX: LL_1 = r log(alpha/(alpha + T)) = -inf):
       CVA_E_DOMAIN with every output untouched (a fuzz find: the rows were written) */
    {
        const double huge_r[4] = {DBL_MAX, 9.8, 0.05, 0.05}, z[2] = {0, 0}, T2[2] = {23, 0};
        double l2[2] = {7, 7}, s2 = 7, g2[4] = {7, 7, 7, 7};
        cva_diag d;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_loglik(CVA_MODEL_BGNBD, huge_r, z, z, T2, 2, l2, &s2, g2, &d), CVA_E_DOMAIN);
        assert_int_equal(d.arg, 2);
        assert_true(l2[0] == 7 && l2[1] == 7 && s2 == 7 && g2[0] == 7 && g2[3] == 7);
        /* T = 0 alone: LL = 0 exactly */
        assert_status(cva_model_loglik(CVA_MODEL_BGNBD, huge_r, z, z, T2 + 1, 1, l2, &s2, NULL, NULL), CVA_OK);
        assert_true(l2[0] == 0.0 && s2 == 0.0 && l2[1] == 7);
    }
    /* P(Y(t) = k) at r = DBL_MAX (a fuzz find: NaN from ln Γ(r+k) − ln Γ(r), then 0 from
       an underflowed tail): the count process is beyond any k, so Y = k exactly when
       the customer drops out after the k-th purchase: B(a+1, b+k−1)/B(a, b) for BG/NBD
       (k >= 1; P(Y = 0) = 0 at x = 0) and B(a+1, b+k)/B(a, b) for MBG/NBD; mpmath, 40 digits */
    {
        const double pr[4] = {DBL_MAX, 3.55, 6.05, 6.3}, z0 = 0.0;
        const double bg[4] = {0.0, 0.48987854251012145749, 0.23117863803848428331, 0.11760307022166796294};
        const double mbg[4] = {0.48987854251012145749, 0.23117863803848428331, 0.11760307022166796294,
                               0.063589933735494729146};
        double o4[4];
        int k;
        assert_status(cva_model_cond_prob_n(CVA_MODEL_BGNBD, pr, 7, &z0, &z0, &z0, 1, 4, o4, NULL, NULL), CVA_OK);
        for (k = 0; k < 4; k++)
            cva_assert_close(o4[k], bg[k], 1e-13, 0);
        assert_status(cva_model_cond_prob_n(CVA_MODEL_MBGNBD, pr, 7, &z0, &z0, &z0, 1, 4, o4, NULL, NULL), CVA_OK);
        for (k = 0; k < 4; k++)
            cva_assert_close(o4[k], mbg[k], 1e-13, 0);
    }
    /* a = b near DBL_MAX or 1e299 (a fuzz find: the two ln B of each ratio cancelled,
       to NaN at DBL_MAX and to a wrong power of 1/2 at 1e299): p = 1/2, so
       B(a, b+y)/B(a, b) = 2^-y and P(Y = k) = 2^-(k+s) (P(NB = k) + [k > 0 or s] P(NB >= k));
       mpmath, 30 digits, r = 0.05, alpha = 4.05, t = 8 */
    {
        const double mbg[4] = {0.97347102119771854, 0.02112292958699498, 0.0040725453039331927,
                               0.00097740395317533314};
        const double bg[4] = {0.94694204239543708, 0.04224585917398996, 0.0081450906078663853,
                              0.0019548079063506663};
        const double big[2] = {DBL_MAX, 1e299}, z0 = 0.0;
        double o4[4];
        int k, c;
        for (c = 0; c < 2; c++) {
            const double pr[4] = {0.05, 4.05, big[c], big[c]};
            assert_status(cva_model_cond_prob_n(CVA_MODEL_MBGNBD, pr, 8, &z0, &z0, &z0, 1, 4, o4, NULL, NULL),
                          CVA_OK);
            for (k = 0; k < 4; k++)
                cva_assert_close(o4[k], mbg[k], 1e-12, 0);
            assert_status(cva_model_cond_prob_n(CVA_MODEL_BGNBD, pr, 8, &z0, &z0, &z0, 1, 4, o4, NULL, NULL),
                          CVA_OK);
            for (k = 0; k < 4; k++)
                cva_assert_close(o4[k], bg[k], 1e-12, 0);
        }
    }
    /* r and the horizon near DBL_MAX (a fuzz find: the series' domain error at
       w = 1 came after earlier rows were written): the integral takes over. A
       customer with x = 0 is alive at T; with r = DBL_MAX they buy until they drop
       out, so E[Y(inf)] = E[1/p] = (a+b-1)/(a-1) for p ~ Beta(a, b), and nobody
       survives an endless stream of purchases: P(alive at T + DBL_MAX) = 0. The
       status is the series-limit warning (the decay scale is beyond the nodes). */
    {
        const double pr[4] = {DBL_MAX, 0.8, 4.05, 9.8}, xs[2] = {11, 0}, txs[2] = {0.046875, 0},
                     Ts[2] = {0.25, 11.75};
        double pa2[2] = {7, 7}, ey2[2] = {7, 7};
        cva_status st;
        st = cva_model_p_alive(CVA_MODEL_BGNBD, pr, DBL_MAX, xs, txs, Ts, 2, pa2, NULL, NULL);
        assert_true(st == CVA_OK || st == CVA_W_SERIES_LIMIT);
        assert_true(pa2[0] == 0.0 && pa2[1] == 0.0);
        st = cva_model_expected(CVA_MODEL_BGNBD, pr, DBL_MAX, xs, txs, Ts, 2, ey2, NULL, NULL);
        assert_true(st == CVA_OK || st == CVA_W_SERIES_LIMIT);
        cva_assert_close(ey2[1], (4.05 + 9.8 - 1.0) / (4.05 - 1.0), 1e-13, 0);
        assert_true(ey2[0] >= 0.0 && !isnan(ey2[0]));
    }
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, P_CDNOW, 0, x, tx, T, 3, pa, NULL, NULL), CVA_OK);
    cva_assert_close(pa[0], 0.7265785701, 1e-9, 0);
    cva_assert_same(pa[1], 1.0);
    cva_assert_close(pa[2], 0.02480436617, 1e-9, 0);
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, P_CDNOW, 39, x, tx, T, 2, ey, NULL, NULL), CVA_OK);
    cva_assert_close(ey[0], 1.226028175, 1e-9, 0);
    cva_assert_close(ey[1], 0.1950980520, 1e-9, 0);
    assert_status(cva_model_expected_pop(CVA_MODEL_BGNBD, P_CDNOW, &t39, 1, &ex, NULL), CVA_OK);
    cva_assert_close(ex, 1.196723193, 1e-9, 0);
    {
        const double x2[2] = {25, 50}, tx2[2] = {35, 20}, T2[2] = {38, 30};
        double e;
        assert_status(cva_model_expected(CVA_MODEL_BGNBD, P_CDNOW, 52, x2, tx2, T2, 1, &e, NULL, NULL), CVA_OK);
        cva_assert_close(e, 18.78246786, 1e-9, 0);
        assert_status(cva_model_expected(CVA_MODEL_BGNBD, P_CDNOW, 10, x2 + 1, tx2 + 1, T2 + 1, 1, &e, NULL, NULL), CVA_OK);
        cva_assert_close(e, 2.764888852e-5, 1e-9, 0);
    }
}

/* ---- gradients ---- */

static void check_gradient(int32_t model, const double *p)
{
    const double x[6] = {0, 1, 2, 7, 0, 30}, tx[6] = {0, 3.5, 30.43, 20, 0, 38}, T[6] = {38.86, 20, 38.86, 39, 1, 39};
    double g[4], q[4], fp, fm;
    int j;
    assert_status(cva_model_loglik(model, p, x, tx, T, 6, NULL, NULL, g, NULL), CVA_OK);
    for (j = 0; j < 4; j++) {
        double h = 1e-6 * p[j];
        memcpy(q, p, sizeof q);
        q[j] = p[j] + h;
        assert_status(cva_model_loglik(model, q, x, tx, T, 6, NULL, &fp, NULL, NULL), CVA_OK);
        q[j] = p[j] - h;
        assert_status(cva_model_loglik(model, q, x, tx, T, 6, NULL, &fm, NULL, NULL), CVA_OK);
        cva_assert_close(g[j], (fp - fm) / (2 * h), 1e-6, 1e-7);
    }
}

static void gradients(void **state)
{
    const double p2[4] = {1.7, 0.3, 2.5, 0.6};
    (void)state;
    check_gradient(CVA_MODEL_BGNBD, P_CDNOW);
    check_gradient(CVA_MODEL_BGNBD, p2);
    check_gradient(CVA_MODEL_MBGNBD, P_CDNOW);
    check_gradient(CVA_MODEL_MBGNBD, p2);
}

/* ---- P(alive) ---- */

/* P(alive at T+τ) = P(alive) · E_{p~Beta(a,b+x+s)}[(1 + pτ/(α+T))^−(r+x)], by Simpson
   on u = p^a (removes the p^(a−1) singularity). */
static double p_alive_future_ref(const double *prm, double tau, double x, double tx, double T, int s)
{
    double r = prm[0], al = prm[1], a = prm[2], b = prm[3], bb = b + x + s;
    double pa, sum = 0;
    int i, n = 200000;
    for (i = 0; i <= n; i++) {
        double u = (double)i / n, p = pow(u, 1 / a);
        double f = (i == n) ? (bb > 1 ? 0 : 0) : pow(1 - p, bb - 1) * pow(1 + p * tau / (al + T), -(r + x));
        double wgt = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        sum += wgt * f;
    }
    sum *= 1.0 / (3.0 * n) / a / exp(lgamma(a) + lgamma(bb) - lgamma(a + bb));
    if (x == 0 && !s)
        pa = 1;
    else
        pa = 1 / (1 + a / (b + x + s - 1) * pow((al + T) / (al + tx), r + x));
    return pa * sum;
}

static void p_alive(void **state)
{
    const double x[4] = {0, 2, 5, 1}, tx[4] = {0, 30.43, 10, 0.5}, T[4] = {38.86, 38.86, 38.86, 1};
    double now[4], later[4], far[4];
    int i, s;
    (void)state;
    for (s = 0; s <= 1; s++) {
        int32_t model = s ? CVA_MODEL_MBGNBD : CVA_MODEL_BGNBD;
        assert_status(cva_model_p_alive(model, P_CDNOW, 0, x, tx, T, 4, now, NULL, NULL), CVA_OK);
        assert_status(cva_model_p_alive(model, P_CDNOW, 26, x, tx, T, 4, later, NULL, NULL), CVA_OK);
        assert_status(cva_model_p_alive(model, P_CDNOW, 520, x, tx, T, 4, far, NULL, NULL), CVA_OK);
        for (i = 0; i < 4; i++) {
            double ref = p_alive_future_ref(P_CDNOW, 26, x[i], tx[i], T[i], s);
            assert_true(later[i] < now[i] && far[i] < later[i] && far[i] > 0);
            cva_assert_close(later[i], ref, 1e-8, 0);
        }
        if (s) {
            /* MBG/NBD: x = 0 customers can be inactive; P = 1/(1 + a/b ((α+T)/α)^r) */
            cva_assert_close(now[0], 1 / (1 + P_CDNOW[2] / P_CDNOW[3] * pow((P_CDNOW[1] + 38.86) / P_CDNOW[1], P_CDNOW[0])),
                             1e-14, 0);
            assert_true(now[0] < 1);
        } else {
            cva_assert_same(now[0], 1.0);
        }
    }
    /* T = 0: BG/NBD alive for sure */
    {
        const double z = 0;
        double v;
        assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, P_CDNOW, 0, &z, &z, &z, 1, &v, NULL, NULL), CVA_OK);
        cva_assert_same(v, 1.0);
    }
}

/* ---- MBG/NBD against the direct formulas ---- */

static void mbgnbd_direct(void **state)
{
    const double x[5] = {0, 1, 2, 6, 12}, tx[5] = {0, 5, 30.43, 25, 37}, T[5] = {38.86, 30, 38.86, 39, 38};
    const double p2[4] = {0.52, 6.18, 0.89, 1.61};
    double ll[5], ey[5], ts[3] = {1, 39, 150}, ex[3];
    int i;
    (void)state;
    assert_status(cva_model_loglik(CVA_MODEL_MBGNBD, p2, x, tx, T, 5, ll, NULL, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected(CVA_MODEL_MBGNBD, p2, 39, x, tx, T, 5, ey, NULL, NULL), CVA_OK);
    for (i = 0; i < 5; i++) {
        cva_assert_close(ll[i], mbg_ll_direct(p2, x[i], tx[i], T[i]), 1e-12, 0);
        cva_assert_close(ey[i], mbg_ey_direct(p2, 39, x[i], tx[i], T[i]), 1e-11, 0);
    }
    assert_status(cva_model_expected_pop(CVA_MODEL_MBGNBD, p2, ts, 3, ex, NULL), CVA_OK);
    for (i = 0; i < 3; i++)
        cva_assert_close(ex[i], mbg_ex_direct(p2, ts[i]), 1e-11, 0);
    /* BG/NBD conditional E[Y] against the direct (original) form too */
    for (i = 0; i < 5; i++) {
        const double *p = P_CDNOW;
        double r = p[0], al = p[1], a = p[2], b = p[3], e;
        double hyp = naive_2f1(r + x[i], b + x[i], a + b + x[i] - 1, 39 / (al + T[i] + 39));
        double num = (a + b + x[i] - 1) / (a - 1) * (1 - hyp * pow((al + T[i]) / (al + 39 + T[i]), r + x[i]));
        double den = 1 + (x[i] > 0) * (a / (b + x[i] - 1)) * pow((al + T[i]) / (al + tx[i]), r + x[i]);
        assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, 39, &x[i], &tx[i], &T[i], 1, &e, NULL, NULL), CVA_OK);
        cva_assert_close(e, num / den, 1e-11, 0);
    }
}

/* ---- a = 1 removable singularity ---- */

static void a_equal_one(void **state)
{
    double p[4] = {0.3, 5, 1, 2.5}, e0, e1, e2, x = 3, tx = 20, T = 30, t = 40, ex0, ex1, ex2;
    (void)state;
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, t, &x, &tx, &T, 1, &e0, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected_pop(CVA_MODEL_BGNBD, p, &t, 1, &ex0, NULL), CVA_OK);
    p[2] = 1 + 1e-3;
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, t, &x, &tx, &T, 1, &e1, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected_pop(CVA_MODEL_BGNBD, p, &t, 1, &ex1, NULL), CVA_OK);
    p[2] = 1 - 1e-3;
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, t, &x, &tx, &T, 1, &e2, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected_pop(CVA_MODEL_BGNBD, p, &t, 1, &ex2, NULL), CVA_OK);
    assert_true(isfinite(e0) && e0 > 0);
    cva_assert_close(e0, 0.5 * (e1 + e2), 1e-6, 0);
    cva_assert_close(ex0, 0.5 * (ex1 + ex2), 1e-6, 0);
    p[2] = 1 + 1e-9; /* inside the averaging band */
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, p, t, &x, &tx, &T, 1, &e1, NULL, NULL), CVA_OK);
    cva_assert_close(e1, e0, 1e-8, 0);
}

/* ---- extremes: no NaN/Inf ---- */

static void large_inputs(void **state)
{
    const double x[4] = {1e4, 1e6, 0, 300}, tx[4] = {9e4, 1e5, 0, 1}, T[4] = {1e5, 1e5, 1e5, 1e5};
    double out[4], ll[4];
    int i, s;
    (void)state;
    for (s = 0; s <= 1; s++) {
        int32_t model = s ? CVA_MODEL_MBGNBD : CVA_MODEL_BGNBD;
        assert_status(cva_model_loglik(model, P_CDNOW, x, tx, T, 4, ll, NULL, NULL, NULL), CVA_OK);
        for (i = 0; i < 4; i++)
            assert_true(isfinite(ll[i]));
        assert_true(cva_model_p_alive(model, P_CDNOW, 0, x, tx, T, 4, out, NULL, NULL) >= 0);
        for (i = 0; i < 4; i++)
            assert_true(out[i] >= 0 && out[i] <= 1);
        assert_true(cva_model_p_alive(model, P_CDNOW, 52, x, tx, T, 4, out, NULL, NULL) >= 0);
        for (i = 0; i < 4; i++)
            assert_true(out[i] >= 0 && out[i] <= 1);
        assert_true(cva_model_expected(model, P_CDNOW, 52, x, tx, T, 4, out, NULL, NULL) >= 0);
        for (i = 0; i < 4; i++)
            assert_true(isfinite(out[i]) && out[i] >= 0);
        /* heavy recent buyer: about rate × t = (r+x)/(α+T) × 52 purchases */
        cva_assert_close(out[1], (P_CDNOW[0] + 1e6) / (P_CDNOW[1] + 1e5) * 52, 1e-2, 0);
    }
}

/* ---- P(X(t) = k) ---- */

static void prob_n(void **state)
{
    enum { K = 400 };
    double pk[K], ex;
    int s, k;
    (void)state;
    for (s = 0; s <= 1; s++) {
        int32_t model = s ? CVA_MODEL_MBGNBD : CVA_MODEL_BGNBD;
        double t = 39, sum = 0, mean = 0, direct0;
        const double *p = P_CDNOW;
        assert_status(cva_model_prob_n(model, p, t, K, pk, NULL), CVA_OK);
        for (k = 0; k < K; k++) {
            assert_true(pk[k] >= 0);
            sum += pk[k];
            mean += k * pk[k];
        }
        assert_status(cva_model_expected_pop(model, p, &t, 1, &ex, NULL), CVA_OK);
        cva_assert_close(sum, 1.0, 1e-12, 0);
        cva_assert_close(mean, ex, 1e-10, 0);
        /* k = 0 directly: BG/NBD (α/(α+t))^r; MBG/NBD b/(a+b)(α/(α+t))^r + a/(a+b) */
        direct0 = pow(p[1] / (p[1] + t), p[0]);
        if (s)
            direct0 = p[3] / (p[2] + p[3]) * direct0 + p[2] / (p[2] + p[3]);
        cva_assert_close(pk[0], direct0, 1e-13, 0);
        /* the short call gives the same leading values */
        {
            double p3[3];
            assert_status(cva_model_prob_n(model, p, t, 3, p3, NULL), CVA_OK);
            for (k = 0; k < 3; k++)
                cva_assert_close(p3[k], pk[k], 1e-13, 0);
        }
    }
}

/* ---- DERT ---- */

/* δ ∫_0^∞ e^{−δs} E[Y(s)] ds = ∫_0^1 E[Y(−ln u/δ)] du, u = v^4 (Simpson on v) */
static double dert_ref(int32_t model, const double *p, double delta, double x, double tx, double T)
{
    int i, n = 4000;
    double sum = 0;
    for (i = 1; i <= n; i++) {
        double v = (double)i / n, u = v * v * v * v, e;
        double wgt = (i == n) ? 1 : (i % 2 ? 4 : 2);
        double s = -log(u) / delta;
        if (i == n) {
            e = 0;
        } else {
            assert_status(cva_model_expected(model, p, s, &x, &tx, &T, 1, &e, NULL, NULL), CVA_OK);
        }
        sum += wgt * e * 4 * v * v * v;
    }
    return sum / (3.0 * n);
}

static void dert(void **state)
{
    const double x[4] = {2, 0, 5, 40}, tx[4] = {30.43, 0, 10, 38}, T[4] = {38.86, 38.86, 38.86, 39};
    const double delta = log(1.15) / 52;
    double d[4], dbig[4], pa[4];
    int i, s;
    (void)state;
    for (s = 0; s <= 1; s++) {
        int32_t model = s ? CVA_MODEL_MBGNBD : CVA_MODEL_BGNBD;
        assert_status(cva_model_dert(model, P_CDNOW, delta, x, tx, T, 4, d, NULL, NULL), CVA_OK);
        for (i = 0; i < 4; i++) {
            double ref = dert_ref(model, P_CDNOW, delta, x[i], tx[i], T[i]);
            print_message("%s DERT(x=%g) = %.10g (reference integral %.10g)\n", s ? "MBG/NBD" : "BG/NBD", x[i], d[i],
                          ref);
            cva_assert_close(d[i], ref, 1e-8, 0);
        }
        /* δ → ∞: DERT·δ → current purchase rate P(alive)(r+x)/(α+T) */
        assert_status(cva_model_dert(model, P_CDNOW, 1e5, x, tx, T, 4, dbig, NULL, NULL), CVA_OK);
        assert_status(cva_model_p_alive(model, P_CDNOW, 0, x, tx, T, 4, pa, NULL, NULL), CVA_OK);
        for (i = 0; i < 4; i++)
            cva_assert_close(dbig[i] * 1e5, pa[i] * (P_CDNOW[0] + x[i]) / (P_CDNOW[1] + T[i]), 1e-3, 0);
    }
}

/* P(alive at T + tau) and E[Y(tau)] at extreme r (the hypergeometric series cancels; the library
   integrates the Beta mixture): 30-digit values of tests/data/survival_ref.py, and a
   probability (never NaN) with the series-limit warning at r = DBL_MAX (a fuzz find). */
static void survival_extreme(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof survival_ref / sizeof survival_ref[0]; i++) {
        double v = -1.0;
        cva_status st = cva_model_p_alive(survival_ref[i].model, survival_ref[i].p, survival_ref[i].tau,
                                          &survival_ref[i].x, &survival_ref[i].t_x, &survival_ref[i].T, 1, &v,
                                          NULL, NULL);
        assert_int_equal(st, CVA_OK);
        assert_true(fabs(v - survival_ref[i].p_alive) <= 1e-11 * survival_ref[i].p_alive);
        st = cva_model_expected(survival_ref[i].model, survival_ref[i].p, survival_ref[i].tau, &survival_ref[i].x,
                                &survival_ref[i].t_x, &survival_ref[i].T, 1, &v, NULL, NULL);
        assert_int_equal(st, CVA_OK);
        assert_true(fabs(v - survival_ref[i].expected) <= 1e-11 * survival_ref[i].expected);
    }
    {
        const double p[4] = {DBL_MAX, 0.05, 0.05, 0.05};
        const double x[3] = {5, 0, 2}, tx[3] = {36.09375, 0, 3}, T[3] = {38.5, 0, 10};
        double v[3] = {-1, -1, -1};
        int32_t mo;
        for (mo = CVA_MODEL_BGNBD; mo <= CVA_MODEL_MBGNBD; mo++) {
            cva_status st = cva_model_p_alive(mo, p, 19.5, x, tx, T, 3, v, NULL, NULL);
            assert_true(st == CVA_OK || st == CVA_W_SERIES_LIMIT);
            for (i = 0; i < 3; i++)
                assert_true(v[i] >= 0.0 && v[i] <= 1.0);
            assert_true(v[0] == 0.0); /* dead at T (P(alive at T) underflows): no survival factor */
            st = cva_model_expected(mo, p, 19.5, x, tx, T, 3, v, NULL, NULL);
            assert_true(st >= 0);
            assert_true(v[0] == 0.0);
        }
    }
}

/* b → 0: p = 1, every customer drops out right after the first purchase, so
   P(X(t) = 0) = (α/(α+t))^r, P(X(t) = 1) = 1 − P(X(t) = 0) and nothing beyond (a
   fuzz find: b + K + s − 1 rounded to 0 at b = 1e-300, ln B(a+1, 0), NaN) */
static void tiny_b(void **state)
{
    static const double bs[3] = {1e-20, 1e-300, 4.9406564584124654e-324};
    int c;
    (void)state;
    for (c = 0; c < 3; c++) {
        const double p[4] = {1.55, 168.0, 1.8, bs[c]}, p0 = pow(168.0 / 194.0, 1.55);
        double out[4];
        assert_status(cva_model_prob_n(CVA_MODEL_BGNBD, p, 26.0, 4, out, NULL), CVA_OK);
        cva_assert_close(out[0], p0, 1e-13, 0);
        cva_assert_close(out[1], 1.0 - p0, 1e-12, 0);
        assert_true(out[2] >= 0.0 && out[2] <= 1e-19 && out[3] >= 0.0 && out[3] <= 1e-19);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_reference), cmocka_unit_test(gradients),    cmocka_unit_test(p_alive),
        cmocka_unit_test(mbgnbd_direct),  cmocka_unit_test(a_equal_one),  cmocka_unit_test(large_inputs),
        cmocka_unit_test(prob_n),         cmocka_unit_test(dert),
        cmocka_unit_test(survival_extreme), cmocka_unit_test(tiny_b),
    };
    return cmocka_run_group_tests_name("bgnbd", tests, NULL, NULL);
}
