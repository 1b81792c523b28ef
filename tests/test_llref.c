/*
 * Every model's log-likelihood (and gradient) against high-precision references over a
 * grid reaching the edges of the parameter space (tests/data/ll_ref.h, written once by
 * tests/data/ll_ref_gen.py with mpmath at up to ~550 digits).
 *
 * Tolerances. An absolute error ε in a log-likelihood is a relative error ε in the
 * likelihood itself, so the LL is held to 1e-12 absolute for |LL| <= 1 and 1e-12
 * relative above: four orders above the rounding of the inputs and the result, and
 * ten below the error of the pre-rewrite code at the Gamma-Gamma boundary (there the
 * LL came out as +1.7e221 instead of −990). Gradient components are held to 1e-10
 * relative to the sum of the magnitudes of their terms (a derivative that is a
 * difference of two large terms is only defined to the rounding of those terms), plus
 * 1e-14 (45 ulps) of the logarithms they are made of.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#include "../lib/churn_internal.h"
#include "data/ll_ref.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define LL_TOL 1e-12
#define GRAD_TOL 1e-10
#define GRAD_FLOOR 1e-14

static double ll_err(double got, double want)
{
    return fabs(got - want) / (fabs(want) > 1.0 ? fabs(want) : 1.0);
}

static void gg_grid(void **state)
{
    size_t i;
    double worst = 0, worst_g = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_gg); i++) {
        const double *r = ref_gg[i];
        double g[3], e;
        int j;
        const double ll = cva__gg_ll(r, &r[3], &r[4], NULL, 1, g, NULL);
        e = ll_err(ll, r[5]);
        if (e > LL_TOL)
            print_error("row %zu: p %g q %g gamma %g x %g m %g: LL %.17g want %.17g\n", i, r[0], r[1], r[2], r[3],
                        r[4], ll, r[5]);
        assert_true(e <= LL_TOL);
        if (e > worst)
            worst = e;
        for (j = 0; j < 3; j++) {
            /* ∂/∂p and ∂/∂q are sums of logarithms (ln γ, ln(γ+s), ln s): each is known to
               an absolute ~ε·|log|, which bounds how small a derivative can be resolved */
            const double lsc = 1 + fabs(log(r[2])) + fabs(log(r[2] + r[3] * r[4])) + fabs(log(r[3] * r[4]));
            const double floor = j == 2 ? 0.0 : GRAD_FLOOR * lsc * (j == 0 ? r[3] : 1.0);
            e = fabs(g[j] - r[6 + j]) / (r[9 + j] + floor / GRAD_TOL);
            if (!(e <= GRAD_TOL))
                print_error("row %zu: p %g q %g gamma %g x %g m %g: dLL[%d] %.17g want %.17g (scale %g)\n", i, r[0],
                            r[1], r[2], r[3], r[4], j, g[j], r[6 + j], r[9 + j]);
            assert_true(e <= GRAD_TOL);
            if (e > worst_g)
                worst_g = e;
        }
    }
    print_message("Gamma-Gamma: %zu rows, max LL error %.2e, max gradient error %.2e (of the term scale)\n",
                  NROWS(ref_gg), worst, worst_g);
}

/*
 * One BTYD table: rows {θ0..θ3, x, t_x, T, LL, dLL/dθ0..3} through the public
 * cva_model_loglik. Gradients are compared in log-parameters (θ ∂LL/∂θ, what the
 * optimiser sees), to GTOL of |θ ∂LL/∂θ| + |LL| + 1.
 */
#define GTOL 1e-9

static void btyd_grid(int32_t model, const double (*ref)[12], size_t n, const char *name)
{
    size_t i, bad = 0;
    double worst = 0, worst_g = 0;
    for (i = 0; i < n; i++) {
        const double *r = ref[i];
        double ll = (double)NAN, g[4], e;
        int j;
        cva_status st = cva_model_loglik(model, r, &r[4], &r[5], &r[6], 1, NULL, &ll, g, NULL);
        if (st != CVA_OK)
            print_error("%s row %zu: status %s\n", name, i, cva_status_name(st));
        assert_int_equal(st, CVA_OK);
        e = ll_err(ll, r[7]);
        if (!(e <= LL_TOL))
            print_error("%s row %zu: params %g %g %g %g x %g t_x %g T %g: LL %.17g want %.17g\n", name, i, r[0],
                        r[1], r[2], r[3], r[4], r[5], r[6], ll, r[7]);
        bad += !(e <= LL_TOL);
        if (e > worst)
            worst = e;
        for (j = 0; j < 4; j++) {
            e = fabs(r[j] * (g[j] - r[8 + j])) / (fabs(r[j] * r[8 + j]) + fabs(r[7]) + 1.0);
            if (!(e <= GTOL))
                print_error("%s row %zu: params %g %g %g %g x %g t_x %g T %g: dLL[%d] %.17g want %.17g\n", name, i,
                            r[0], r[1], r[2], r[3], r[4], r[5], r[6], j, g[j], r[8 + j]);
            bad += !(e <= GTOL);
            if (e > worst_g)
                worst_g = e;
        }
    }
    print_message("%s: %zu rows, max LL error %.2e, max gradient error %.2e\n", name, n, worst, worst_g);
    assert_int_equal(bad, 0);
}

static void bgnbd_grid(void **state)
{
    (void)state;
    btyd_grid(CVA_MODEL_BGNBD, ref_bgnbd, NROWS(ref_bgnbd), "BG/NBD");
}

static void mbgnbd_grid(void **state)
{
    (void)state;
    btyd_grid(CVA_MODEL_MBGNBD, ref_mbgnbd, NROWS(ref_mbgnbd), "MBG/NBD");
}

static void pnbd_grid(void **state)
{
    (void)state;
    btyd_grid(CVA_MODEL_PNBD, ref_pnbd, NROWS(ref_pnbd), "Pareto/NBD");
}

static void bgbb_grid(void **state)
{
    (void)state;
    btyd_grid(CVA_MODEL_BGBB, ref_bgbb, NROWS(ref_bgbb), "BG/BB");
}

static void sbg_grid(void **state)
{
    size_t i, bad = 0;
    double worst = 0, worst_g = 0;
    (void)state;
    for (i = 0; i < NROWS(ref_sbg); i++) {
        const double *r = ref_sbg[i];
        double g[2], e;
        int j;
        const double ll = cva__sbg_ll(SBG_D, SBG_E, 12, r[0], r[1], g);
        e = ll_err(ll, r[2]);
        if (!(e <= LL_TOL))
            print_error("sBG row %zu: alpha %g beta %g: LL %.17g want %.17g\n", i, r[0], r[1], ll, r[2]);
        bad += !(e <= LL_TOL);
        if (e > worst)
            worst = e;
        for (j = 0; j < 2; j++) {
            e = fabs(r[j] * (g[j] - r[3 + j])) / (fabs(r[j] * r[3 + j]) + fabs(r[2]) + 1.0);
            if (!(e <= GTOL))
                print_error("sBG row %zu: alpha %g beta %g: dLL[%d] %.17g want %.17g\n", i, r[0], r[1], j, g[j],
                            r[3 + j]);
            bad += !(e <= GTOL);
            if (e > worst_g)
                worst_g = e;
        }
    }
    print_message("sBG: %zu rows, max LL error %.2e, max gradient error %.2e\n", NROWS(ref_sbg), worst, worst_g);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gg_grid),    cmocka_unit_test(bgnbd_grid), cmocka_unit_test(mbgnbd_grid),
        cmocka_unit_test(pnbd_grid),  cmocka_unit_test(bgbb_grid),  cmocka_unit_test(sbg_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
