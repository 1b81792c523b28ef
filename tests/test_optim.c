/*
 * Tests of the internal quasi-Newton optimiser, numerical Hessian and SPD inverse.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "../lib/churn_internal.h"

/* f(x) = ½ (x−c)' A (x−c), A SPD 4×4 */
static const double QA[16] = {4, 1, 0.5, 0, 1, 3, 0.2, 0.1, 0.5, 0.2, 2, 0.3, 0, 0.1, 0.3, 1};
static const double QC[4] = {1.5, -2, 0.25, 3};

static double quad(void *ctx, const double *x, double *g)
{
    double f = 0;
    int i, j;
    (void)ctx;
    for (i = 0; i < 4; i++) {
        double v = 0;
        for (j = 0; j < 4; j++)
            v += QA[i * 4 + j] * (x[j] - QC[j]);
        g[i] = v;
        f += 0.5 * (x[i] - QC[i]) * v;
    }
    return f;
}

/* Rosenbrock in 2-D, and an extended 4-D version. */
static double rosen(void *ctx, const double *x, double *g)
{
    int n = *(const int *)ctx, i;
    double f = 0;
    for (i = 0; i < n; i++)
        g[i] = 0;
    for (i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * a * a + b * b;
        g[i] += -400 * x[i] * a - 2 * b;
        g[i + 1] += 200 * a;
    }
    return f;
}

/* infeasible region: f = NaN for x0 > 2; minimum at (1.9, 0). */
static double walled(void *ctx, const double *x, double *g)
{
    (void)ctx;
    if (x[0] > 2)
        return (double)NAN;
    g[0] = 2 * (x[0] - 1.9);
    g[1] = 2 * x[1];
    return (x[0] - 1.9) * (x[0] - 1.9) + x[1] * x[1];
}

static cva__optim_opts opts(int n)
{
    cva__optim_opts o;
    memset(&o, 0, sizeof o);
    o.n = n;
    o.max_iter = 1000;
    o.grad_tol = 1e-10;
    o.f_tol = 0;
    return o;
}

static void quadratic(void **state)
{
    double x[4] = {0, 0, 0, 0};
    cva__optim_opts o = opts(4);
    cva__optim_result r;
    int i;
    (void)state;
    assert_status(cva__bfgs(quad, NULL, x, &o, &r), CVA_OK);
    assert_int_equal(r.converged, 1);
    for (i = 0; i < 4; i++)
        cva_assert_close(x[i], QC[i], 0, 1e-9);
    assert_true(r.iterations < 30);
    assert_true(r.grad_norm <= 1e-10);
}

static void rosenbrock(void **state)
{
    int n;
    (void)state;
    for (n = 2; n <= 4; n++) {
        double x[4] = {-1.2, 1, -1.2, 1};
        cva__optim_opts o = opts(n);
        cva__optim_result r;
        int i;
        assert_status(cva__bfgs(rosen, &n, x, &o, &r), CVA_OK);
        assert_int_equal(r.converged, 1);
        for (i = 0; i < n; i++)
            cva_assert_close(x[i], 1.0, 0, 1e-8);
        print_message("rosenbrock n=%d: %u iterations, %u evaluations\n", n, (unsigned)r.iterations,
                      (unsigned)r.evaluations);
    }
}

static void deterministic(void **state)
{
    int n = 4;
    double x1[4] = {-1.2, 1, -1.2, 1}, x2[4] = {-1.2, 1, -1.2, 1};
    cva__optim_opts o = opts(4);
    cva__optim_result r1, r2;
    (void)state;
    assert_status(cva__bfgs(rosen, &n, x1, &o, &r1), CVA_OK);
    assert_status(cva__bfgs(rosen, &n, x2, &o, &r2), CVA_OK);
    assert_memory_equal(x1, x2, sizeof x1);
    assert_int_equal(r1.evaluations, r2.evaluations);
}

static void infeasible(void **state)
{
    double x[2] = {0, 1};
    cva__optim_opts o = opts(2);
    cva__optim_result r;
    (void)state;
    assert_status(cva__bfgs(walled, NULL, x, &o, &r), CVA_OK);
    cva_assert_close(x[0], 1.9, 0, 1e-9);
    cva_assert_close(x[1], 0.0, 0, 1e-9);
    x[0] = 3; /* infeasible start */
    assert_status(cva__bfgs(walled, NULL, x, &o, &r), CVA_E_NOCONVERGE);
}

static int cancel_at_3(void *user, size_t it, double f)
{
    size_t *calls = user;
    assert_true(isfinite(f));
    assert_int_equal(it, *calls + 1);
    ++*calls;
    return it >= 3;
}

static void cancel_and_maxiter(void **state)
{
    int n = 2;
    size_t calls = 0;
    double x[2] = {-1.2, 1};
    cva__optim_opts o = opts(2);
    cva__optim_result r;
    (void)state;
    o.progress = cancel_at_3;
    o.progress_user = &calls;
    assert_status(cva__bfgs(rosen, &n, x, &o, &r), CVA_E_CANCELED);
    assert_int_equal(calls, 3);
    assert_int_equal(r.iterations, 3);
    o.progress = NULL;
    o.max_iter = 5;
    x[0] = -1.2;
    x[1] = 1;
    assert_status(cva__bfgs(rosen, &n, x, &o, &r), CVA_W_MAXITER);
    assert_int_equal(r.iterations, 5);
    assert_int_equal(r.converged, 0);
}

static void hessian_and_inverse(void **state)
{
    double x[4] = {0.3, -1, 2, 0.5}, H[16], Hi[16];
    int i, j, k, n = 2;
    (void)state;
    assert_true(cva__hessian(quad, NULL, x, 4, H));
    for (i = 0; i < 16; i++)
        cva_assert_close(H[i], QA[i], 0, 1e-8);
    assert_true(cva__spd_inverse(QA, 4, Hi));
    for (i = 0; i < 4; i++)
        for (j = 0; j < 4; j++) {
            double v = 0;
            for (k = 0; k < 4; k++)
                v += QA[i * 4 + k] * Hi[k * 4 + j];
            cva_assert_close(v, i == j ? 1.0 : 0.0, 0, 1e-13);
            cva_assert_same(Hi[i * 4 + j], Hi[j * 4 + i]);
        }
    /* Rosenbrock at (1,1): [[802, -400], [-400, 200]] */
    x[0] = 1;
    x[1] = 1;
    assert_true(cva__hessian(rosen, &n, x, 2, H));
    cva_assert_close(H[0], 802, 1e-8, 0);
    cva_assert_close(H[1], -400, 1e-8, 0);
    cva_assert_close(H[2], -400, 1e-8, 0);
    cva_assert_close(H[3], 200, 1e-8, 0);
    {
        const double notspd[4] = {1, 2, 2, 1}, sing[4] = {1, 1, 1, 1};
        assert_false(cva__spd_inverse(notspd, 2, Hi));
        assert_false(cva__spd_inverse(sing, 2, Hi));
    }
}

/* cva__hessian_cols_fwd(): forward differences of the gradient from the given one; Rosenbrock
   at (1.2, 0.8), [[1200 x0² − 400 x1 + 2, −400 x0], [−400 x0, 200]] = [[1410, −480], [−480,
   200]] (truncation error h/2 · 2400 x0 with h = 2.2e-7: 3e-4); the columns past ncols are left
   alone */
static void hessian_forward_columns(void **state)
{
    double x[2] = {1.2, 0.8}, g0[2], H[4] = {-7.0, -7.0, -7.0, -7.0};
    int n = 2;
    (void)state;
    rosen(&n, x, g0);
    assert_true(cva__hessian_cols_fwd(rosen, &n, x, g0, 2, 1, H));
    cva_assert_close(H[0], 1410.0, 1e-6, 0);
    cva_assert_close(H[2], -480.0, 1e-6, 0);
    cva_assert_same(H[1], -7.0);
    cva_assert_same(H[3], -7.0);
    assert_true(cva__hessian_cols_fwd(rosen, &n, x, g0, 2, 2, H));
    cva_assert_close(H[1], -480.0, 1e-6, 0);
    cva_assert_close(H[3], 200.0, 1e-6, 0);
    assert_false(cva__hessian_cols_fwd(rosen, &n, x, g0, 2, 3, H));
}

/* f = e^(−x0) + (x1 − 1)²: the infimum 0 is approached as x0 → +∞ (a boundary). */
static double edge(void *ctx, const double *x, double *g)
{
    (void)ctx;
    g[0] = -exp(-x[0]);
    g[1] = 2 * (x[1] - 1);
    return exp(-x[0]) + (x[1] - 1) * (x[1] - 1);
}

/* f = −x0 + x1²: unbounded below along x0 → +∞. */
static double unbounded(void *ctx, const double *x, double *g)
{
    (void)ctx;
    g[0] = -1;
    g[1] = 2 * x[1];
    return -x[0] + x[1] * x[1];
}

/* f = x0², with the gradient of the wrong sign: no step can decrease f. */
static double wrong_gradient(void *ctx, const double *x, double *g)
{
    (void)ctx;
    g[0] = -2 * x[0];
    return x[0] * x[0];
}

static void boundary_rules(void **state)
{
    double x[4] = {0, 0, 0, 0};
    cva__optim_opts o = opts(2);
    cva__optim_result r;
    int n = 2, i;
    (void)state;
    o.bnd_gain = 1e-6;
    o.bnd_drift = 1.0;
    o.theta_max = 30.0;
    /* heads for x0 → +∞: stops early with bit 0 flagged upward, x1 converged, and
       the gain left to the infimum (e^(−x0)) below bnd_gain */
    assert_status(cva__bfgs(edge, NULL, x, &o, &r), CVA_W_BOUNDARY);
    assert_int_equal(r.boundary, 1u);
    assert_int_equal(r.boundary_upper, 1u);
    assert_int_equal(r.converged, 0);
    assert_true(isfinite(x[0]) && x[0] < 30.0);
    assert_true(exp(-x[0]) <= o.bnd_gain);
    cva_assert_close(x[1], 1.0, 0, 1e-3);
    assert_true(r.iterations < 60);
    /* without the rules the same run goes on until the gradient test passes much further out */
    {
        double y[2] = {0, 0};
        cva__optim_opts o2 = opts(2);
        o2.grad_tol = 1e-12;
        assert_true(cva__bfgs(edge, NULL, y, &o2, &r) >= 0);
        assert_int_equal(r.boundary, 0u);
        assert_true(y[0] > x[0] + 5.0);
    }
    /* unbounded: stopped at |x0| > theta_max */
    x[0] = x[1] = 0.5;
    assert_status(cva__bfgs(unbounded, NULL, x, &o, &r), CVA_W_BOUNDARY);
    assert_true(r.boundary & 1u);
    assert_true(r.boundary_upper & 1u);
    print_message("unbounded: stopped at x0 = %g after %u iterations\n", x[0], (unsigned)r.iterations);
    assert_true(x[0] > 30.0 && isfinite(x[0]));
    assert_true(r.iterations < 10);
    /* interior optima are not flagged */
    for (i = 0; i < 4; i++)
        x[i] = 0;
    o.n = 4;
    assert_status(cva__bfgs(quad, NULL, x, &o, &r), CVA_OK);
    assert_int_equal(r.boundary, 0u);
    x[0] = -1.2;
    x[1] = 1;
    o.n = 2;
    assert_status(cva__bfgs(rosen, &n, x, &o, &r), CVA_OK);
    assert_int_equal(r.boundary, 0u);
}

static void not_converged(void **state)
{
    double x[1] = {1.0};
    cva__optim_opts o = opts(1);
    cva__optim_result r;
    (void)state;
    assert_status(cva__bfgs(wrong_gradient, NULL, x, &o, &r), CVA_W_NOT_CONVERGED);
    assert_int_equal(r.converged, 0);
    cva_assert_same(x[0], 1.0); /* the best point: the start */
}

static void probe(void **state)
{
    /* the limit check: at (x0, 1) with x0 = 20, edge() is flat to 2e-9 towards +∞ */
    double x[2] = {20.0, 1.0}, H[4], g[2];
    unsigned m, u;
    uint64_t ev = 0;
    (void)state;
    assert_true(cva__hessian(edge, NULL, x, 2, H));
    assert_int_equal(cva__bnd_probe(edge, NULL, x, 2, H, edge(NULL, x, g), 1e-6, 1e-2, 30.0, &m, &u, &ev, NULL, NULL), 1);
    assert_int_equal(m, 1u);
    assert_int_equal(u, 1u);
    assert_int_equal(ev, 4);
    /* a quadratic minimum is not flagged (and its well-identified directions are not probed) */
    x[0] = QC[0];
    x[1] = QC[1];
    {
        double y[4] = {QC[0], QC[1], QC[2], QC[3]}, H4[16], g4[4];
        assert_true(cva__hessian(quad, NULL, y, 4, H4));
        ev = 0;
        assert_int_equal(cva__bnd_probe(quad, NULL, y, 4, H4, quad(NULL, y, g4), 1e-6, 1e-2, 30.0, &m, &u, &ev, NULL, NULL),
                         0);
        assert_int_equal(m, 0u);
        assert_int_equal(ev, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quadratic),       cmocka_unit_test(rosenbrock),
        cmocka_unit_test(deterministic),   cmocka_unit_test(infeasible),
        cmocka_unit_test(cancel_and_maxiter), cmocka_unit_test(hessian_and_inverse),
        cmocka_unit_test(boundary_rules),  cmocka_unit_test(not_converged),
        cmocka_unit_test(probe),           cmocka_unit_test(hessian_forward_columns),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, NULL);
}
