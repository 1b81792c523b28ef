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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gg_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
