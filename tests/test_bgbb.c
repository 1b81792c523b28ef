/*
 * BG/BB (Fader, Hardie & Shang 2010). Reference values from
 * tests/data/bgbb_reference.py (mpmath, 40 digits; output in bgbb_reference.txt).
 * The donations fit needs CVA_DATA_DIR; without it the data group skips
 * (exit 77) after the other tests ran, or fails when CVA_REQUIRE_DATA=1.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "../lib/churn_internal.h"

static const double PUB[4] = {1.204, 0.750, 0.657, 2.783}; /* FHS 2010 published estimates */

/* x, tx, n, LL_i, P(alive) m=0,1,3, E[next 5], E[next 10], E[next 2.5] at PUB */
static const double CUST[9][10] = {
    {0, 0, 6, -1.1672624726738938, 0.11609661329298468, 0.1080165841686742, 0.095405975181434972,
     0.072802877475043012, 0.13010379141284864, 0.038994924312951822},
    {1, 1, 6, -2.288531685666258, 0.0746000682989672, 0.069408093206549674, 0.061304908582502917,
     0.085635398337870302, 0.15303639621560027, 0.045868322688749051},
    {3, 4, 6, -5.0593079474111037, 0.4723362598891428, 0.43946285705575649, 0.3881568997585774,
     1.0342284984211045, 1.8482380573203235, 0.5539569783083626},
    {6, 6, 6, -2.1822484476182998, 1.0, 0.93040254237288136, 0.82178086401767614, 3.7521156075998148,
     6.7052908250144918, 2.0097208957428447},
    {2, 6, 6, -5.6520162686592274, 1.0, 0.93040254237288136, 0.82178086401767614, 1.6687643540740986,
     2.9821976406644131, 0.89382922681289205},
    {5, 6, 6, -4.2951247653843731, 1.0, 0.93040254237288136, 0.82178086401767614, 3.2312777942183857,
     5.7745175289269721, 1.7307479785103565},
    {0, 0, 0, 0.0, 1.0, 0.80901162790697674, 0.60605161952602183, 1.9377072082850393, 3.1788543264922889,
     1.1153749461373656},
    {4, 10, 30, -11.1863454976694, 0.0099933109104066309, 0.0097969710399479839, 0.009431922383192561,
     0.0076869792284081757, 0.014736878804730328, 0.0039321939214004827},
    {30, 200, 400, -94.524020610192457, 3.7987201051272137e-9, 3.7925339086442954e-9, 3.7802373845518999e-9,
     1.4673234736163277e-9, 2.9228830940236615e-9, 7.3514720570379254e-10},
};

static const cva__btyd_model *M = &cva__model_bgbb;

static void test_table_shape(void **state)
{
    (void)state;
    assert_int_equal(M->id, CVA_MODEL_BGBB);
    assert_int_equal(M->n_params, 4);
    assert_string_equal(M->names[0], "alpha");
    assert_string_equal(M->names[3], "delta");
    assert_non_null(M->ll);
    assert_non_null(M->p_alive);
    assert_non_null(M->expected);
    assert_non_null(M->expected_pop);
    assert_non_null(M->prob_n);
}

static void test_loglik_values(void **state)
{
    double x[9], tx[9], T[9], lli[9], ll;
    cva__btyd_rows rows;
    int i;
    (void)state;
    for (i = 0; i < 9; i++) {
        x[i] = CUST[i][0];
        tx[i] = CUST[i][1];
        T[i] = CUST[i][2];
    }
    rows.x = x;
    rows.t_x = tx;
    rows.T = T;
    rows.w = NULL;
    rows.n = 9;
    ll = M->ll(PUB, &rows, NULL, lli);
    for (i = 0; i < 9; i++)
        cva_assert_close(lli[i], CUST[i][3], 1e-13, 1e-14);
    {
        double s = 0;
        for (i = 0; i < 9; i++)
            s += CUST[i][3];
        cva_assert_close(ll, s, 1e-13, 0);
    }
    /* invalid parameters → NaN */
    {
        const double bad[4] = {1, 1, 0, 1};
        assert_true(isnan(M->ll(bad, &rows, NULL, NULL)));
    }
}

/* Analytic gradient against central differences (step relative 1e-6). */
static void test_gradient(void **state)
{
    const double pts[3][4] = {{1.204, 0.750, 0.657, 2.783}, {0.3, 4.0, 1.7, 0.5}, {5.0, 0.2, 0.999, 12.0}};
    double x[9], tx[9], T[9], w[9];
    cva__btyd_rows rows;
    int i, k, j;
    (void)state;
    for (i = 0; i < 9; i++) {
        x[i] = CUST[i][0];
        tx[i] = CUST[i][1];
        T[i] = CUST[i][2];
        w[i] = 1.0 + i;
    }
    rows.x = x;
    rows.t_x = tx;
    rows.T = T;
    rows.w = w;
    rows.n = 9;
    for (k = 0; k < 3; k++) {
        double g[4];
        (void)M->ll(pts[k], &rows, g, NULL);
        for (j = 0; j < 4; j++) {
            double pp[4], pm[4], h = 1e-6 * pts[k][j], num;
            memcpy(pp, pts[k], sizeof pp);
            memcpy(pm, pts[k], sizeof pm);
            pp[j] += h;
            pm[j] -= h;
            num = (M->ll(pp, &rows, NULL, NULL) - M->ll(pm, &rows, NULL, NULL)) / (2 * h);
            cva_assert_close(g[j], num, 2e-7, 1e-7);
        }
    }
}

static void test_predictions(void **state)
{
    double x[9], tx[9], T[9], out[9];
    int i;
    (void)state;
    for (i = 0; i < 9; i++) {
        x[i] = CUST[i][0];
        tx[i] = CUST[i][1];
        T[i] = CUST[i][2];
    }
    assert_status(M->p_alive(PUB, 0, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][4], 1e-12, 0);
    assert_status(M->p_alive(PUB, 1, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][5], 1e-12, 0);
    assert_status(M->p_alive(PUB, 3, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][6], 1e-12, 0);
    assert_status(M->expected(PUB, 5, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][7], 1e-12, 0);
    assert_status(M->expected(PUB, 10, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][8], 1e-12, 0);
    assert_status(M->expected(PUB, 2.5, x, tx, T, 9, out, NULL), CVA_OK); /* closed form, real horizon */
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][9], 1e-11, 0);
    assert_status(M->expected(PUB, 0, x, tx, T, 9, out, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_same(out[i], 0.0);
    /* the closed form (m > 256) agrees with the direct sum at the switch-over */
    {
        double a, b;
        assert_status(M->expected(PUB, 256, x + 2, tx + 2, T + 2, 1, &a, NULL), CVA_OK);
        assert_status(M->expected(PUB, 256.0000001, x + 2, tx + 2, T + 2, 1, &b, NULL), CVA_OK);
        cva_assert_close(b, a, 1e-9, 0);
        assert_status(M->expected(PUB, 257, x + 2, tx + 2, T + 2, 1, &b, NULL), CVA_OK);
        assert_true(b > a);
    }
}

static void test_population(void **state)
{
    const double t[5] = {1, 6, 11, 300, 2.5};
    const double ref[5] = {0.49849027635619243, 2.2196313934872989, 3.387571111064622, 19.014625541209704,
                           1.1153749461373656};
    const double pr[8] = {0.31121774326384935, 0.17010997840651466, 0.12148051376687113, 0.10026311502480369,
                          0.091659853424921835, 0.092481147905292494, 0.11278764820774684, 0.0};
    double out[8], s = 0, m = 0, e6;
    int i;
    (void)state;
    assert_status(M->expected_pop(PUB, t, 5, out), CVA_OK);
    for (i = 0; i < 5; i++)
        cva_assert_close(out[i], ref[i], 1e-12, 0);
    assert_status(M->prob_n(PUB, 6, 8, out), CVA_OK);
    for (i = 0; i < 8; i++) {
        cva_assert_close(out[i], pr[i], 1e-12, 0);
        s += out[i];
        m += i * out[i];
    }
    cva_assert_close(s, 1.0, 1e-13, 0);
    e6 = ref[1];
    cva_assert_close(m, e6, 1e-12, 0);
    /* a long horizon: probabilities still sum to 1 and match E[X(n)] */
    {
        double big[61], tt = 60, ex;
        s = m = 0;
        assert_status(M->prob_n(PUB, 60, 61, big), CVA_OK);
        for (i = 0; i <= 60; i++) {
            s += big[i];
            m += i * big[i];
        }
        assert_status(M->expected_pop(PUB, &tt, 1, &ex), CVA_OK);
        cva_assert_close(s, 1.0, 1e-12, 0);
        cva_assert_close(m, ex, 1e-11, 0);
    }
    assert_status(M->prob_n(PUB, 2.5, 3, out), CVA_E_BADARG);
    {
        const double tneg = -1;
        assert_status(M->expected_pop(PUB, &tneg, 1, out), CVA_E_BADARG);
    }
}

/* γ = 1: removable singularity of the closed forms. */
static void test_gamma_one(void **state)
{
    const double x = 3, tx = 4, T = 6;
    double p[4] = {1.204, 0.750, 1.0, 2.783}, v, t;
    const double gs[5] = {1.0, 1.0 + 1e-7, 1.0 - 1e-7, 1.0 + 1e-4, 1.0 - 2e-3};
    int i;
    (void)state;
    for (i = 0; i < 5; i++) {
        double rt = fabs(gs[i] - 1.0) * 5 + 1e-12;
        p[2] = gs[i];
        assert_status(M->expected(p, 7, &x, &tx, &T, 1, &v, NULL), CVA_OK);
        cva_assert_close(v, 0.94588024659302233, rt, 0);
        assert_status(M->expected(p, 1000, &x, &tx, &T, 1, &v, NULL), CVA_OK);
        cva_assert_close(v, 7.8962025559030689, rt, 0);
        t = 6;
        assert_status(M->expected_pop(p, &t, 1, &v), CVA_OK);
        cva_assert_close(v, 1.7767175290766638, rt, 0);
        t = 1000;
        assert_status(M->expected_pop(p, &t, 1, &v), CVA_OK);
        cva_assert_close(v, 9.8060687862669708, rt, 0);
    }
}

static void test_bad_rows_table(void **state)
{
    const double bx[5] = {7, 2, 0, 1.5, 3}, btx[5] = {6, 7, 2, 2, 2}, bT[5] = {6, 6, 6, 6, 6};
    double out;
    int i;
    (void)state;
    for (i = 0; i < 5; i++) {
        cva__btyd_rows rows;
        rows.x = bx + i;
        rows.t_x = btx + i;
        rows.T = bT + i;
        rows.w = NULL;
        rows.n = 1;
        assert_status(M->p_alive(PUB, 0, bx + i, btx + i, bT + i, 1, &out, NULL), CVA_E_BADARG);
        assert_status(M->expected(PUB, 1, bx + i, btx + i, bT + i, 1, &out, NULL), CVA_E_BADARG);
        assert_true(isnan(M->ll(PUB, &rows, NULL, NULL)));
    }
    {
        const double x = 1, tx = 2, T = 6.5;
        assert_status(M->p_alive(PUB, 0, &x, &tx, &T, 1, &out, NULL), CVA_E_BADARG);
    }
    {
        const double x = 1, tx = 2, T = 6, bad[4] = {1, -1, 1, 1};
        assert_status(M->p_alive(bad, 0, &x, &tx, &T, 1, &out, NULL), CVA_E_DOMAIN);
        assert_status(M->p_alive(PUB, -1, &x, &tx, &T, 1, &out, NULL), CVA_E_BADARG);
    }
}

/* ------------------------------------------------------------ simulation */

typedef struct sim_rows {
    double x[4096], tx[4096], T[4096], w[4096];
    size_t n;
} sim_rows;

/* BG/BB customers with n opportunities; identical rows merged into weights. */
static void simulate(const double *p, size_t n_cust, int n_opp, uint64_t seed, sim_rows *s)
{
    cva__rng rng;
    size_t c, r;
    cva__rng_seed(&rng, seed);
    s->n = 0;
    for (c = 0; c < n_cust; c++) {
        double pr = cva__rng_beta(&rng, p[0], p[1]), th = cva__rng_beta(&rng, p[2], p[3]);
        int t, x = 0, last = 0;
        for (t = 1; t <= n_opp; t++) {
            if (cva__rng_uniform(&rng) < th)
                break; /* dies at the start of opportunity t */
            if (cva__rng_uniform(&rng) < pr) {
                x++;
                last = t;
            }
        }
        for (r = 0; r < s->n; r++)
            if ((int)s->x[r] == x && (int)s->tx[r] == last)
                break;
        if (r == s->n) {
            s->x[r] = x;
            s->tx[r] = last;
            s->T[r] = n_opp;
            s->w[r] = 0;
            s->n++;
        }
        s->w[r] += 1;
    }
}

typedef struct fit_ctx {
    cva__btyd_rows rows;
    double N;
} fit_ctx;

static double objective(void *vctx, const double *theta, double *grad)
{
    const fit_ctx *c = (const fit_ctx *)vctx;
    double p[4], g[4], ll;
    int j;
    for (j = 0; j < 4; j++)
        p[j] = exp(theta[j]);
    ll = M->ll(p, &c->rows, grad ? g : NULL, NULL);
    if (grad)
        for (j = 0; j < 4; j++)
            grad[j] = -g[j] * p[j] / c->N;
    return -ll / c->N;
}

/* Fit through the table with the project's BFGS (independent of models.c). */
static void table_fit(const double *x, const double *tx, const double *T, const double *w, size_t n, double *p,
                      double *ll, double *se)
{
    fit_ctx c;
    cva__optim_opts o;
    cva__optim_result r;
    double th[4] = {0, 0, 0, 0}, H[16], inv[16];
    size_t i;
    int j;
    c.rows.x = x;
    c.rows.t_x = tx;
    c.rows.T = T;
    c.rows.w = w;
    c.rows.n = n;
    c.N = 0;
    for (i = 0; i < n; i++)
        c.N += w ? w[i] : 1.0;
    memset(&o, 0, sizeof o);
    o.n = 4;
    o.max_iter = 500;
    o.grad_tol = 1e-10;
    o.f_tol = 1e-15;
    assert_true(cva__bfgs(objective, &c, th, &o, &r) >= 0);
    assert_int_equal(r.converged, 1);
    for (j = 0; j < 4; j++)
        p[j] = exp(th[j]);
    *ll = -r.f * c.N;
    if (se) {
        assert_int_equal(cva__hessian(objective, &c, th, 4, H), 1);
        for (j = 0; j < 16; j++)
            H[j] *= c.N;
        assert_int_equal(cva__spd_inverse(H, 4, inv), 1);
        for (j = 0; j < 4; j++)
            se[j] = p[j] * sqrt(inv[j * 5]);
    }
}

static void test_recovery(void **state)
{
    static sim_rows s;
    const double truth[4] = {0.8, 1.6, 0.5, 3.0};
    double p[4], ll, se[4];
    int j;
    (void)state;
    simulate(truth, 100000, 10, 12345u, &s);
    table_fit(s.x, s.tx, s.T, s.w, s.n, p, &ll, se);
    for (j = 0; j < 4; j++) {
        assert_true(fabs(p[j] - truth[j]) < 4.0 * se[j]);
        assert_true(se[j] < 0.25 * truth[j]);
    }
    /* the public entry point (models.c) gives the same estimate */
    {
        cva_model_fit f;
        assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
        assert_status(cva_model_fit_btyd(CVA_MODEL_BGBB, s.x, s.tx, s.T, s.w, s.n, NULL, &f, NULL), CVA_OK);
        for (j = 0; j < 4; j++) {
            cva_assert_close(f.params[j], p[j], 1e-5, 0);
            cva_assert_close(f.std_err[j], se[j], 1e-3, 0);
        }
        cva_assert_close(f.log_likelihood, ll, 1e-10, 0);
        cva_assert_close(f.n_customers, 100000, 0, 0);
    }
}

/* Bad input through the public API → E_BADARG with the row index. */
static void test_bad_input_public(void **state)
{
    const double gx[3] = {1, 2, 0}, gtx[3] = {3, 5, 0}, gT[3] = {6, 6, 6};
    const double bad[6][3] = {
        {7, 6, 6},   /* x > n */
        {2, 7, 6},   /* recency > n */
        {0, 2, 6},   /* x = 0 with recency > 0 */
        {1.5, 2, 6}, /* non-integer x */
        {1, 2.5, 6}, /* non-integer recency */
        {1, 2, 6.5}, /* non-integer n */
    };
    int i;
    (void)state;
    for (i = 0; i < 6; i++) {
        double x[3], tx[3], T[3];
        cva_model_fit f;
        cva_diag d;
        memcpy(x, gx, sizeof x);
        memcpy(tx, gtx, sizeof tx);
        memcpy(T, gT, sizeof T);
        x[1] = bad[i][0];
        tx[1] = bad[i][1];
        T[1] = bad[i][2];
        cva_diag_init(&d, sizeof d);
        assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
        assert_status(cva_model_fit_btyd(CVA_MODEL_BGBB, x, tx, T, NULL, 3, NULL, &f, &d), CVA_E_BADARG);
        assert_int_equal((int)d.index, 1);
        {
            double out[3];
            assert_status(cva_model_p_alive(CVA_MODEL_BGBB, PUB, 0, x, tx, T, 3, out, NULL, NULL), CVA_E_BADARG);
        }
    }
}

/* Public prediction entry points dispatch to this table. */
static void test_public_predictions(void **state)
{
    double x[9], tx[9], T[9], out[9], ll[9], sum, g[4];
    int i;
    (void)state;
    for (i = 0; i < 9; i++) {
        x[i] = CUST[i][0];
        tx[i] = CUST[i][1];
        T[i] = CUST[i][2];
    }
    assert_status(cva_model_p_alive(CVA_MODEL_BGBB, PUB, 0, x, tx, T, 9, out, NULL, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][4], 1e-12, 0);
    assert_status(cva_model_expected(CVA_MODEL_BGBB, PUB, 10, x, tx, T, 9, out, NULL, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(out[i], CUST[i][8], 1e-12, 0);
    assert_status(cva_model_loglik(CVA_MODEL_BGBB, PUB, x, tx, T, 9, ll, &sum, g, NULL), CVA_OK);
    for (i = 0; i < 9; i++)
        cva_assert_close(ll[i], CUST[i][3], 1e-13, 1e-14);
    /* beta = DBL_MAX (transaction probability p -> 0; a fuzz find: the term ratio
       (e1 e3)/(e2 e4) was inf/inf = NaN): a customer with x = 0 in n = 13 is
       alive at n + m with the survival probability alone, B(gamma, delta+n+m)/B(gamma, delta);
       mpmath, 40 digits: beta(0.05, 0.05+13+25)/beta(0.05, 0.05) = 0.40759348245959559410...,
       beta(0.05, 0.05+13)/beta(0.05, 0.05) = 0.43051840110522376750...; and LL = ln 1 = 0 */
    {
        const double p0[4] = {4.05, DBL_MAX, 0.05, 0.05}, z = 0.0, n13 = 13.0;
        double pa, l0, s0;
        assert_status(cva_model_p_alive(CVA_MODEL_BGBB, p0, 25, &z, &z, &n13, 1, &pa, NULL, NULL), CVA_OK);
        cva_assert_close(pa, 0.40759348245959559410, 1e-14, 0);
        assert_status(cva_model_p_alive(CVA_MODEL_BGBB, p0, 0, &z, &z, &n13, 1, &pa, NULL, NULL), CVA_OK);
        cva_assert_close(pa, 0.43051840110522376750, 1e-14, 0);
        assert_status(cva_model_loglik(CVA_MODEL_BGBB, p0, &z, &z, &n13, 1, &l0, &s0, NULL, NULL), CVA_OK);
        cva_assert_close(l0, 0.0, 0, 1e-15);
    }
    /* delta or the horizon near DBL_MAX (a fuzz find: ln Γ differences at y + m = inf
       gave NaN). mpmath at 700 digits (the ln Γ differences of ~1e300 need them):
       P = B(a,b+n)B(g,d+n+m)/(B(a,b)B(g,d)) / L, L = B(a,b+n)B(g,d+n)/(B(a,b)B(g,d))
       + Σ_{i<n} B(a,b+i)B(g+1,d+i)/(B(a,b)B(g,d)), x = t_x = 0, a = 4.05, b = 1.8, g = 0.05 */
    {
        static const double cs[4][4] = {/* d, n, m, P */
                                        {DBL_MAX, 0, DBL_MAX, 0.96593632892484554921},
                                        {0.05, 13, DBL_MAX, 4.5797910661058731928e-19},
                                        {0.05, 13, 1e300, 1.1846265000768949045e-18},
                                        {1e16, 2, 1e300, 6.3095734448019207624e-15}};
        int c;
        for (c = 0; c < 4; c++) {
            const double p1[4] = {4.05, 1.8, 0.05, cs[c][0]}, z = 0.0;
            double pa;
            assert_status(cva_model_p_alive(CVA_MODEL_BGBB, p1, cs[c][2], &z, &z, &cs[c][1], 1, &pa, NULL, NULL),
                          CVA_OK);
            cva_assert_close(pa, cs[c][3], 1e-13, 0);
        }
    }
    /* E[Y(m)] there: B(a+1,b+n)/B(a,b) · Σ_{k=1}^{m} B(g,d+n+k)/B(g,d) / L, the sum by
       its closed form Γ(g+d)/Γ(d)·[Γ(1+d+n)/Γ(g+d+n) − Γ(1+d+n+m)/Γ(g+d+n+m)]/(g−1)
       (mpmath, 700 digits); the results near 1e281..1e308 come through exp of a
       logarithm of about 650, so 1e-12 relative is the reach of a double */
    {
        static const double cs[3][4] = {{DBL_MAX, 0, DBL_MAX, 1.2208088839061217783e+308},
                                        {0.05, 13, 1e300, 2.6791776212823865027e+281},
                                        {1e16, 2, 0.7e300, 2.4417708184972849603e+285}};
        int c;
        for (c = 0; c < 3; c++) {
            const double p1[4] = {4.05, 1.8, 0.05, cs[c][0]}, z = 0.0;
            double ey;
            assert_status(cva_model_expected(CVA_MODEL_BGBB, p1, cs[c][2], &z, &z, &cs[c][1], 1, &ey, NULL, NULL),
                          CVA_OK);
            cva_assert_close(ey, cs[c][3], 1e-12, 0);
        }
    }
    /* gamma = DBL_MAX (a fuzz find: both ln Γ differences -inf, NaN): drop-out is
       certain, P(alive at 16 + 3.5) and E[Y(3.5)] at n = 2 are below the smallest
       double (mpmath: E[Y] = 8.64e-924), so exactly 0, not NaN */
    {
        const double pg[4] = {4.05, 9.8, DBL_MAX, 6.3}, z = 0.0, n16 = 16.0, n2 = 2.0;
        double pa = -1.0, ey = -1.0;
        assert_status(cva_model_p_alive(CVA_MODEL_BGBB, pg, 3.5, &z, &z, &n16, 1, &pa, NULL, NULL), CVA_OK);
        assert_true(pa == 0.0);
        assert_status(cva_model_expected(CVA_MODEL_BGBB, pg, 3.5, &z, &z, &n2, 1, &ey, NULL, NULL), CVA_OK);
        assert_true(ey == 0.0);
        /* and a horizon of DBL_MAX from n = 0, delta = 1.05 */
        {
            const double pg2[4] = {4.05, 1.8, DBL_MAX, 1.05};
            pa = -1.0;
            assert_status(cva_model_p_alive(CVA_MODEL_BGBB, pg2, DBL_MAX, &z, &z, &z, 1, &pa, NULL, NULL), CVA_OK);
            assert_true(pa == 0.0);
        }
    }
}

/* A fractional horizon below 1's last digit with γ, δ so small that γ − 1 and
   1 + δ round to −1 and 1 (a random-seed fuzz find: subnormal β, γ, δ and horizon,
   E[Y] NaN). Reference: the closed form Γ(γ+δ)/Γ(δ)·[Γ(1+δ)/Γ(γ+δ) −
   Γ(1+δ+m)/Γ(γ+δ+m)]/(γ−1) times α/(α+β), mpmath at 80 digits:
   5.00000000000000000002e-19 at γ = δ = β = 1e-20, m = 1e-18, α = 1.8; at the
   subnormal 4.94e-324 everywhere it is 2.47e-324, half the smallest subnormal. */
static void test_tiny_params_horizon(void **state)
{
    const double z = 0.0, tiny = 4.9406564584124654e-324;
    const double p1[4] = {1.8, 1e-20, 1e-20, 1e-20}, p2[4] = {1.8, tiny, tiny, tiny};
    double ey = -1.0;
    (void)state;
    assert_status(cva_model_expected(CVA_MODEL_BGBB, p1, 1e-18, &z, &z, &z, 1, &ey, NULL, NULL), CVA_OK);
    cva_assert_close(ey, 5.00000000000000000002e-19, 1e-12, 0);
    ey = -1.0;
    assert_status(cva_model_expected(CVA_MODEL_BGBB, p2, tiny, &z, &z, &z, 1, &ey, NULL, NULL), CVA_OK);
    assert_true(ey >= 0.0 && ey <= tiny);
}

/* ------------------------------------------------------- donations data */

static double g_x[64], g_tx[64], g_T[64], g_w[64];
static size_t g_n;

static int load_donations(const char *dir)
{
    char path[1024], line[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/donations.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    g_n = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 0;
    }
    while (g_n < 64 && fgets(line, sizeof line, f)) {
        double a, b, c, d;
        if (sscanf(line, "%lf,%lf,%lf,%lf", &a, &b, &c, &d) == 4) {
            g_x[g_n] = a;
            g_tx[g_n] = b;
            g_T[g_n] = c;
            g_w[g_n] = d;
            g_n++;
        }
    }
    fclose(f);
    return g_n == 22;
}

static const double DON[4] = {1.2035223516019139, 0.74971635817293889, 0.65671820844183243, 2.7834422325773807};
static const double DON_LL = -33225.581274347007;
static const double DON_SE[4] = {0.069391362388881561, 0.029447716660385764, 0.051009858956413186,
                                 0.32081900304326848};

static void test_donations_table(void **state)
{
    double p[4], ll, se[4], w = 0;
    size_t i;
    int j;
    (void)state;
    for (i = 0; i < g_n; i++)
        w += g_w[i];
    cva_assert_close(w, 11104, 0, 0);
    table_fit(g_x, g_tx, g_T, g_w, g_n, p, &ll, se);
    for (j = 0; j < 4; j++) {
        cva_assert_close(p[j], DON[j], 1e-6, 0);
        cva_assert_close(se[j], DON_SE[j], 1e-4, 0);
        cva_assert_close(p[j], PUB[j], 0, 5e-4); /* the published 3 decimals */
    }
    cva_assert_close(ll, DON_LL, 1e-12, 0);
    cva_assert_close(ll, -33225.6, 0, 0.05);
}

static void test_donations_public(void **state)
{
    cva_model_fit f;
    int j;
    (void)state;
    assert_status(cva_model_fit_init(&f, sizeof f), CVA_OK);
    assert_status(cva_model_fit_btyd(CVA_MODEL_BGBB, g_x, g_tx, g_T, g_w, g_n, NULL, &f, NULL), CVA_OK);
    assert_int_equal(f.model, CVA_MODEL_BGBB);
    assert_int_equal(f.n_params, 4);
    assert_int_equal(f.converged, 1);
    for (j = 0; j < 4; j++) {
        cva_assert_close(f.params[j], DON[j], 1e-6, 0);
        cva_assert_close(f.std_err[j], DON_SE[j], 1e-4, 0);
        cva_assert_close(f.params[j], PUB[j], 0, 5e-4);
    }
    cva_assert_close(f.log_likelihood, DON_LL, 1e-12, 0);
    cva_assert_close(f.log_likelihood, -33225.6, 0, 0.05);
    cva_assert_close(f.n_customers, 11104, 0, 0);
}

/* n - t_x above 1e6 opportunities: refused by every BG/BB call (the likelihood and
   P(alive) sum one term per opportunity; they looped for ever at n = DBL_MAX, a
   fuzz find). */
static void test_span_limit(void **state)
{
    const double p[4] = {1.2, 0.75, 0.66, 2.78};
    double x[2] = {1, 2}, tx[2] = {3, 5}, n[2] = {6, 1000005}, ll = 0.0, pa[2];
    cva_model_fit fit;
    cva_diag d;
    (void)state;
    assert_int_equal(cva_model_loglik(CVA_MODEL_BGBB, p, x, tx, n, 2, NULL, &ll, NULL, NULL), CVA_OK);
    n[1] = 1000006;
    cva_diag_init(&d, sizeof d);
    assert_int_equal(cva_model_loglik(CVA_MODEL_BGBB, p, x, tx, n, 2, NULL, &ll, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 1);
    assert_int_equal(cva_model_fit_init(&fit, sizeof fit), CVA_OK);
    assert_int_equal(cva_model_fit_btyd(CVA_MODEL_BGBB, x, tx, n, NULL, 2, NULL, &fit, NULL), CVA_E_BADARG);
    n[1] = DBL_MAX;
    assert_int_equal(cva_model_fit_btyd(CVA_MODEL_BGBB, x, tx, n, NULL, 2, NULL, &fit, NULL), CVA_E_BADARG);
    assert_int_equal(cva_model_p_alive(CVA_MODEL_BGBB, p, 0.0, x, tx, n, 2, pa, NULL, NULL), CVA_E_BADARG);
    n[1] = 1000005;
    assert_int_equal(cva_model_p_alive(CVA_MODEL_BGBB, p, 0.0, x, tx, n, 2, pa, NULL, NULL), CVA_OK);
    assert_true(pa[1] >= 0.0 && pa[1] <= 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),   cmocka_unit_test(test_loglik_values),
        cmocka_unit_test(test_gradient),      cmocka_unit_test(test_predictions),
        cmocka_unit_test(test_population),    cmocka_unit_test(test_gamma_one),
        cmocka_unit_test(test_bad_rows_table), cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_bad_input_public), cmocka_unit_test(test_public_predictions),
    };
    const struct CMUnitTest data_tests[] = {
        cmocka_unit_test(test_span_limit),
        cmocka_unit_test(test_tiny_params_horizon),
        cmocka_unit_test(test_donations_table),
        cmocka_unit_test(test_donations_public),
    };
    const char *dir = cva_test_data_dir();
    const char *req = getenv("CVA_REQUIRE_DATA");
    int require = req && strcmp(req, "1") == 0;
    int rc = cmocka_run_group_tests_name("bgbb", tests, NULL, NULL);
    if (!dir || !load_donations(dir)) {
        if (rc)
            return rc;
        fprintf(stderr, "%s: reference data not found at %s/donations.csv\n", require ? "FAIL" : "SKIP",
                dir ? dir : "(CVA_DATA_DIR unset)");
        printf("%s: reference data not found at %s/donations.csv\n", require ? "FAIL" : "SKIP",
               dir ? dir : "(CVA_DATA_DIR unset)");
        return require ? 1 : 77;
    }
    return cmocka_run_group_tests_name("bgbb-donations", data_tests, NULL, NULL) || rc;
}
