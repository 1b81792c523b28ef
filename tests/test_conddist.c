/*
 * Conditional distribution P(Y(t) = k | x, t_x, T) and variance Var[Y(t) | x, t_x, T]
 * of BG/NBD, MBG/NBD and Pareto/NBD (cva_model_cond_prob_n, cva_model_cond_variance):
 * 40-digit references from the joint posterior of the individual rates (λ integrated in
 * closed form, the rest by quadrature; tests/data/conddist_ref.py) to 1e-12, and on a grid of customers: Σ_k P = 1 up to a tail
 * that the sum bounds, Σ_k k P = cva_model_expected(), Σ_k k² P − mean² = the variance
 * (which the library computes by another route), and x = 0 BG/NBD = the unconditional
 * distribution at α + T.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "data/conddist_ref.h"

static const int32_t MODELS[3] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD};
/* CDNOW-like fits (weeks) of the three models */
static const double PRM[3][4] = {{0.242594, 4.41359, 0.792919, 2.42589},
                                 {0.5250, 6.1849, 0.8914, 1.6148},
                                 {0.553292, 10.5776, 0.606069, 11.6651}};

static void references(void **state)
{
    size_t c, k;
    (void)state;
    for (c = 0; c < sizeof CONDDIST_REF / sizeof CONDDIST_REF[0]; c++) {
        const conddist_ref *R = &CONDDIST_REF[c];
        double pk[CONDDIST_KMAX + 1], var, ey;
        assert_status(cva_model_cond_prob_n(R->model, R->params, R->t, &R->x, &R->t_x, &R->T, 1,
                                            CONDDIST_KMAX + 1, pk, NULL, NULL),
                      CVA_OK);
        assert_status(cva_model_cond_variance(R->model, R->params, R->t, &R->x, &R->t_x, &R->T, 1, &var, NULL, NULL),
                      CVA_OK);
        assert_status(cva_model_expected(R->model, R->params, R->t, &R->x, &R->t_x, &R->T, 1, &ey, NULL, NULL), CVA_OK);
        print_message("model %d x=%g t=%g: p0 %.12g (ref %.12g) var %.12g (ref %.12g)\n", R->model, R->x, R->t,
                      pk[0], R->pk[0], var, R->var);
        for (k = 0; k <= CONDDIST_KMAX; k++)
            cva_assert_close(pk[k], R->pk[k], 1e-12, 0);
        cva_assert_close(ey, R->mean, 1e-12, 0);
        cva_assert_close(var, R->var, 1e-12, 0);
    }
}

/* r = α = DBL_MAX: the purchase rate is the point mass λ = 1, and α + t rounds to α
   (a fuzz find: r ln(α/(α+t)) was 0 instead of −t, probabilities summing to 4.7 here and
   to 2.6e7 unconditionally). 40-digit references of the λ = 1 limit; the unconditional
   P(X(t) = 0) of a BG/NBD with λ = 1 is e^(−t) (no drop-out before a first purchase). */
static void point_mass_rate(void **state)
{
    size_t c, k;
    (void)state;
    for (c = 0; c < sizeof CONDDIST_POINT_REF / sizeof CONDDIST_POINT_REF[0]; c++) {
        const conddist_point_ref *R = &CONDDIST_POINT_REF[c];
        const double prm[4] = {DBL_MAX, DBL_MAX, R->a, R->b};
        double pk[60], ey, sum = 0.0, mean = 0.0;
        assert_status(cva_model_cond_prob_n(R->model, prm, R->t, &R->x, &R->t_x, &R->T, 1, 60, pk, NULL, NULL),
                      CVA_OK);
        assert_status(cva_model_expected(R->model, prm, R->t, &R->x, &R->t_x, &R->T, 1, &ey, NULL, NULL), CVA_OK);
        for (k = 0; k <= CONDDIST_KMAX; k++)
            cva_assert_close(pk[k], R->pk[k], 1e-10, 0);
        for (k = 0; k < 60; k++) {
            sum += pk[k];
            mean += (double)k * pk[k];
        }
        cva_assert_close(sum, 1.0, 1e-9, 0);
        cva_assert_close(ey, R->mean, 1e-9, 0);
        cva_assert_close(mean, R->mean, 1e-6, 0);
    }
    {
        const double prm[4] = {DBL_MAX, DBL_MAX, 9.3, 9.3};
        double pk[80], sum = 0.0;
        assert_status(cva_model_prob_n(CVA_MODEL_BGNBD, prm, 26.5, 80, pk, NULL), CVA_OK);
        cva_assert_close(pk[0], exp(-26.5), 1e-12, 0);
        for (k = 0; k < 80; k++)
            sum += pk[k];
        cva_assert_close(sum, 1.0, 1e-9, 0);
    }
}

/* a grid of customers: x, t_x, T */
#define NG 7
static const double GX[NG] = {0, 1, 2, 5, 7, 20, 60};
static const double GTX[NG] = {0, 5, 30.43, 12, 29.43, 37.5, 38};
static const double GT[NG] = {38.86, 32, 38.86, 30, 35, 38.86, 39};

static void moments(void **state)
{
    enum { K = 2000 };
    static double pk[NG * K];
    double ey[NG], var[NG];
    int m, i, k, h;
    const double horizons[3] = {1.0, 39.0, 150.0};
    (void)state;
    for (m = 0; m < 3; m++)
        for (h = 0; h < 3; h++) {
            const double t = horizons[h];
            assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], t, GX, GTX, GT, NG, K, pk, NULL, NULL), CVA_OK);
            assert_status(cva_model_expected(MODELS[m], PRM[m], t, GX, GTX, GT, NG, ey, NULL, NULL), CVA_OK);
            assert_status(cva_model_cond_variance(MODELS[m], PRM[m], t, GX, GTX, GT, NG, var, NULL, NULL), CVA_OK);
            for (i = 0; i < NG; i++) {
                double s = 0, m1 = 0, m2 = 0;
                for (k = 0; k < K; k++) {
                    assert_true(pk[i * K + k] >= 0.0);
                    s += pk[i * K + k];
                    m1 += k * pk[i * K + k];
                    m2 += (double)k * k * pk[i * K + k];
                }
                cva_assert_close(s, 1.0, 1e-12, 0);
                cva_assert_close(m1, ey[i], 1e-10, 1e-14);
                cva_assert_close(var[i], m2 - m1 * m1, 1e-9, 1e-14);
                assert_true(var[i] > 0.0);
            }
        }
}

/* BG/NBD with x = 0 is alive for sure: the conditional distribution is the
   unconditional one with α replaced by α + T */
static void bgnbd_x0(void **state)
{
    double x = 0, tx = 0, T = 20, q[4], pc[30], pu[30];
    int k;
    (void)state;
    memcpy(q, PRM[0], sizeof q);
    q[1] += T;
    assert_status(cva_model_cond_prob_n(CVA_MODEL_BGNBD, PRM[0], 39, &x, &tx, &T, 1, 30, pc, NULL, NULL), CVA_OK);
    assert_status(cva_model_prob_n(CVA_MODEL_BGNBD, q, 39, 30, pu, NULL), CVA_OK);
    for (k = 0; k < 30; k++)
        cva_assert_close(pc[k], pu[k], 1e-14, 0);
}

/* t -> 0: at most one purchase is likely, so Var ≈ E (Poisson-like), for every model */
static void small_t(void **state)
{
    double var[NG], ey[NG];
    int m, i;
    (void)state;
    for (m = 0; m < 3; m++) {
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 1e-6, GX, GTX, GT, NG, var, NULL, NULL), CVA_OK);
        assert_status(cva_model_expected(MODELS[m], PRM[m], 1e-6, GX, GTX, GT, NG, ey, NULL, NULL), CVA_OK);
        for (i = 0; i < NG; i++)
            cva_assert_close(var[i], ey[i], 1e-5, 0);
    }
}

static void edge_cases(void **state)
{
    const double nan = (double)NAN;
    double x[3] = {2, nan, 0}, tx[3] = {30.43, nan, 0}, T[3] = {38.86, nan, 38.86};
    double pk[9], pk1[3], v[3], v1;
    cva_diag d;
    int m, k;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (m = 0; m < 3; m++) {
        /* rows without a purchase: NaN rows, the others as alone */
        assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], 39, x, tx, T, 3, 3, pk, NULL, &d), CVA_W_EXCLUDED);
        assert_int_equal(d.count, 1);
        for (k = 0; k < 3; k++)
            assert_true(isnan(pk[3 + k]));
        assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], 39, &x[0], &tx[0], &T[0], 1, 3, pk1, NULL, NULL), CVA_OK);
        for (k = 0; k < 3; k++)
            cva_assert_same(pk[k], pk1[k]);
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 39, x, tx, T, 3, v, NULL, &d), CVA_W_EXCLUDED);
        assert_true(isnan(v[1]));
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 39, &x[2], &tx[2], &T[2], 1, &v1, NULL, NULL), CVA_OK);
        cva_assert_same(v[2], v1);
        /* t = 0: Y = 0 for sure */
        assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], 0, x, tx, T, 1, 3, pk1, NULL, NULL), CVA_OK);
        cva_assert_same(pk1[0], 1.0);
        cva_assert_same(pk1[1], 0.0);
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 0, x, tx, T, 1, &v1, NULL, NULL), CVA_OK);
        cva_assert_same(v1, 0.0);
        /* bad horizon */
        assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], -1, x, tx, T, 1, 3, pk1, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 3);
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], nan, x, tx, T, 1, &v1, NULL, &d), CVA_E_NONFINITE);
        /* invalid row: t_x > T */
        {
            double bx = 1, btx = 40, bT = 30;
            assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], 1, &bx, &btx, &bT, 1, 3, pk1, NULL, &d),
                          CVA_E_BADARG);
            assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 1, &bx, &btx, &bT, 1, &v1, NULL, &d),
                          CVA_E_BADARG);
        }
        assert_status(cva_model_cond_prob_n(MODELS[m], PRM[m], 1, x, tx, T, 1, 3, NULL, NULL, &d), CVA_E_NULLPTR);
        /* n = 0 */
        assert_status(cva_model_cond_variance(MODELS[m], PRM[m], 1, NULL, NULL, NULL, 0, NULL, NULL, &d), CVA_W_EMPTY);
    }
    /* BG/BB and unknown models are refused */
    {
        const double pb[4] = {1.2, 0.75, 0.66, 2.78};
        double bx = 1, btx = 3, bT = 6;
        assert_status(cva_model_cond_prob_n(CVA_MODEL_BGBB, pb, 1, &bx, &btx, &bT, 1, 3, pk1, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 1);
        assert_status(cva_model_cond_variance(CVA_MODEL_BGBB, pb, 1, &bx, &btx, &bT, 1, &v1, NULL, &d), CVA_E_BADARG);
        assert_status(cva_model_cond_variance(99, pb, 1, &bx, &btx, &bT, 1, &v1, NULL, &d), CVA_E_BADARG);
    }
    /* a bad parameter */
    {
        const double bad[4] = {0.2, -1, 0.7, 2.4};
        assert_status(cva_model_cond_prob_n(CVA_MODEL_BGNBD, bad, 1, x, tx, T, 1, 3, pk1, NULL, &d), CVA_E_DOMAIN);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(references), cmocka_unit_test(moments),    cmocka_unit_test(bgnbd_x0),
        cmocka_unit_test(small_t),    cmocka_unit_test(edge_cases),
        cmocka_unit_test(point_mass_rate),
    };
    return cmocka_run_group_tests_name("conddist", tests, NULL, NULL);
}
