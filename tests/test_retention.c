/*
 * Retention economics (docs/methods/retention.md#methods_clv_closed, docs/methods/retention.md#methods_equity, docs/methods/retention.md#methods_retention_edge): the worked examples of docs/methods/retention.md#methods_retention, the closed
 * forms against brute-force discounted sums, the exact elasticity against mpmath
 * numerical derivatives (tests/data/retention_ref.py -> retention_ref.h), customer
 * equity against a cohort-by-cohort simulation of the cash flows, the what-if outputs
 * against hand-derived values, and every domain error of docs/methods/retention.md#methods_retention_edge.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#include "cva/retention.h"
#include "data/retention_ref.h"

static cva_clv_terms terms(int32_t timing, int32_t H, double d, double g)
{
    cva_clv_terms t;
    assert_status(cva_clv_terms_init_defaults(&t, sizeof t), CVA_OK);
    t.timing = timing;
    t.horizon = H;
    t.discount = d;
    t.growth = g;
    return t;
}

static double mm_of(double r, int32_t timing, int32_t H, double d, double g)
{
    cva_clv_terms t = terms(timing, H, d, g);
    double clv = -1.0, mm = -1.0;
    assert_status(cva_clv_constant(1.0, r, &t, &clv, &mm, NULL), CVA_OK);
    cva_assert_same(clv, mm);
    return mm;
}

static double eps_of(double r, int32_t timing, int32_t H, double d, double g)
{
    cva_clv_terms t = terms(timing, H, d, g);
    double e = -1.0;
    assert_status(cva_retention_elasticities(1.0, r, 0.0, &t, &e, NULL, NULL, NULL), CVA_OK);
    return e;
}

/* Discounted expected margins summed term by term (long double). H = 0: until the
   terms are negligible. */
static double brute_mm(double r_, int32_t timing, int32_t H, double d_, double g_)
{
    /* term k = r^k (1+g)^k / (1+d)^k (START; END: r^k (1+g)^(k-1) / (1+d)^k), carried
       as one running product: the numerator and denominator apart overflow near
       k = 7 400 when long double is the 64-bit double (valgrind's emulation of
       x87, MSVC), long before a series with p = 0.999 converges. */
    const long double r = (long double)r_, d = (long double)d_, g = (long double)g_;
    long double s = 0.0L, term = timing == CVA_CLV_TIMING_START ? 1.0L : r / (1.0L + d);
    long k, n = H > 0 ? H : 2000000;
    for (k = 0; k < n; k++) {
        s += term;
        if (H == 0 && term < 1e-22L * s)
            break;
        term = term * r * (1.0L + g) / (1.0L + d);
    }
    return (double)s;
}

/* ---- docs/methods/retention.md#methods_retention worked examples ------------------------------------------------ */

static void test_worked_examples(void **state)
{
    cva_clv_terms t = terms(CVA_CLV_TIMING_END, 0, 0.10, 0.0);
    double clv, mm, er, em, ec, n_ss, p0, p1;
    (void)state;
    /* docs/methods/retention.md#methods_clv_closed: r = 0.80, d = 0.10 -> 2.667 (END), 3.667 (START) */
    cva_assert_close(mm_of(0.80, CVA_CLV_TIMING_END, 0, 0.10, 0.0), 8.0 / 3.0, 1e-15, 0);
    cva_assert_close(mm_of(0.80, CVA_CLV_TIMING_START, 0, 0.10, 0.0), 11.0 / 3.0, 1e-15, 0);
    cva_assert_close(mm_of(0.80, CVA_CLV_TIMING_END, 0, 0.10, 0.0), 2.667, 0, 5e-4);
    cva_assert_close(mm_of(0.80, CVA_CLV_TIMING_START, 0, 0.10, 0.0), 3.667, 0, 5e-4);
    /* CLV = m·MM */
    assert_status(cva_clv_constant(150.0, 0.80, &t, &clv, &mm, NULL), CVA_OK);
    cva_assert_close(clv, 400.0, 1e-15, 0);
    /* docs/methods/retention.md#methods_sensitivity: ε_r = 1.1/0.3 ≈ 3.67 (END), r/(1+d−r) = 0.8/0.3 (START) */
    cva_assert_close(eps_of(0.80, CVA_CLV_TIMING_END, 0, 0.10, 0.0), 1.1 / 0.3, 1e-14, 0);
    cva_assert_close(eps_of(0.80, CVA_CLV_TIMING_END, 0, 0.10, 0.0), 3.67, 0, 5e-3);
    cva_assert_close(eps_of(0.80, CVA_CLV_TIMING_START, 0, 0.10, 0.0), 0.8 / 0.3, 1e-14, 0);
    /* a 1 % relative rise in r (to 0.808) lifts CLV by 3.77 % (MM 2.6667 -> 2.7671) */
    cva_assert_close(mm_of(0.808, CVA_CLV_TIMING_END, 0, 0.10, 0.0), 2.7671, 0, 5e-5);
    cva_assert_close(100.0 * (mm_of(0.808, CVA_CLV_TIMING_END, 0, 0.10, 0.0) / mm_of(0.8, CVA_CLV_TIMING_END, 0, 0.1, 0.0) - 1.0),
                     3.77, 0, 5e-3);
    /* margin elasticity 1; acquisition-cost elasticity −c/(CLV − c) = −100/(266.67 − 100) */
    assert_status(cva_retention_elasticities(100.0, 0.80, 100.0, &t, &er, &em, &ec, NULL), CVA_OK);
    cva_assert_close(er, 11.0 / 3.0, 1e-14, 0);
    cva_assert_same(em, 1.0);
    cva_assert_close(ec, -100.0 / (800.0 / 3.0 - 100.0), 1e-14, 0);
    cva_assert_close(ec, -0.6, 1e-14, 0);
    /* docs/methods/retention.md#methods_steady_state: A = 100, m1 = 100, g = 0.05, c = 150: 47 500 -> 78 023 (+64.3 %) */
    assert_status(cva_steady_state_profit(100.0, 100.0, 0.80, 0.05, 150.0, &n_ss, &p0, NULL), CVA_OK);
    cva_assert_close(n_ss, 500.0, 1e-14, 0);
    cva_assert_close(p0, 47500.0, 1e-13, 0);
    assert_status(cva_steady_state_profit(100.0, 100.0, 0.85, 0.05, 150.0, NULL, &p1, NULL), CVA_OK);
    cva_assert_close(p1, 78023.0, 0, 0.5);
    cva_assert_close(p1, 100.0 * (100.0 / (1.0 - 0.85 * 1.05) - 150.0), 1e-13, 0);
    cva_assert_close(100.0 * (p1 / p0 - 1.0), 64.3, 0, 0.05);
    /* g = 0, c = 0: +33.3 % */
    assert_status(cva_steady_state_profit(100.0, 100.0, 0.80, 0.0, 0.0, NULL, &p0, NULL), CVA_OK);
    assert_status(cva_steady_state_profit(100.0, 100.0, 0.85, 0.0, 0.0, NULL, &p1, NULL), CVA_OK);
    cva_assert_close(100.0 * (p1 / p0 - 1.0), 100.0 / 3.0, 1e-12, 0);
}

/* The same figures through the what-if. */
static void test_whatif_worked(void **state)
{
    cva_whatif_inputs in;
    cva_whatif_result o;
    (void)state;
    assert_status(cva_whatif_inputs_init_defaults(&in, sizeof in), CVA_OK);
    assert_status(cva_whatif_result_init(&o, sizeof o), CVA_OK);
    in.customers = 500.0;
    in.margin = 100.0;
    in.retention = 0.80;
    in.delta_retention = 0.05;
    in.margin_growth = 0.05;
    in.acquisition_cost = 150.0;
    in.new_customers = 100.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.steady_state_profit_base, 47500.0, 1e-13, 0);
    cva_assert_close(o.steady_state_profit_new, 78023.0, 0, 0.5);
    cva_assert_close(o.steady_state_profit_change_pct, 64.3, 0, 0.05);
    in.margin_growth = 0.0;
    in.acquisition_cost = 0.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.steady_state_profit_change_pct, 100.0 / 3.0, 1e-12, 0);
    cva_assert_close(o.mm_base, 8.0 / 3.0, 1e-15, 0);
    cva_assert_close(o.retention_elasticity, 1.1 / 0.3, 1e-14, 0);
    /* REL mode: 1 % of r -> CLV +3.77 % */
    in.delta_mode = CVA_WHATIF_DELTA_REL;
    in.delta_retention = 1.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.retention_new, 0.808, 1e-15, 0);
    cva_assert_close(o.delta_clv_pct, 3.77, 0, 5e-3);
    cva_assert_close(o.delta_clv_pct, 100.0 * ((0.808 / 0.292) / (0.8 / 0.3) - 1.0), 1e-12, 0);
}

/* ---- closed forms against brute force ----------------------------------------- */

static void test_brute_force(void **state)
{
    static const double R[] = {0.0, 0.1, 0.5, 0.8, 0.9, 0.97, 0.999, 1.0};
    static const double D[] = {0.0, 0.02, 0.1, 0.3, -0.02, -0.1};
    static const int32_t H[] = {0, 1, 2, 3, 7, 24, 100, 1000};
    static const double G[] = {0.0, 0.03, 0.1, -0.2, -1.0};
    size_t ir, id, ih, ig, checked = 0;
    int32_t timing;
    (void)state;
    for (timing = 0; timing <= 1; timing++)
        for (ir = 0; ir < sizeof R / sizeof R[0]; ir++)
            for (id = 0; id < sizeof D / sizeof D[0]; id++)
                for (ih = 0; ih < sizeof H / sizeof H[0]; ih++)
                    for (ig = 0; ig < sizeof G / sizeof G[0]; ig++) {
                        double r = R[ir], d = D[id], g = G[ig], mm, want;
                        int32_t h = H[ih];
                        cva_clv_terms t = terms(timing, h, d, g);
                        int st = cva_clv_constant(1.0, r, &t, NULL, &mm, NULL);
                        int ok = !(r >= 1.0 && h == 0) && !(h == 0 && (r * (1.0 + g) >= 1.0 + d || 1.0 + d - r <= 0.0));
                        /* the brute-force infinite sum needs p well below 1 */
                        if (h == 0 && ok && r * (1.0 + g) / (1.0 + d) > 0.9995)
                            continue;
                        if (!ok) {
                            assert_status(st, CVA_E_DOMAIN);
                            continue;
                        }
                        assert_status(st, CVA_OK);
                        want = brute_mm(r, timing, h, d, g);
                        if (fabs(mm - want) > 1e-12 * fabs(want) + 1e-300) {
                            print_error("timing %d H %d r %g d %g g %g: MM %.17g, brute force %.17g\n", (int)timing,
                                        (int)h, r, d, g, mm, want);
                            fail();
                        }
                        checked++;
                    }
    assert_true(checked > 1000);
}

/* docs/methods/retention.md#methods_clv_closed's own formulas, which the general form must reproduce. */
static void test_spec_formulas(void **state)
{
    static const double R[] = {0.0, 0.3, 0.8, 0.95};
    static const double D[] = {0.0, 0.1, 0.25};
    static const int32_t H[] = {1, 5, 40};
    size_t i, j, k;
    (void)state;
    for (i = 0; i < 4; i++)
        for (j = 0; j < 3; j++) {
            double r = R[i], d = D[j], q = r / (1.0 + d);
            if (1.0 + d - r > 0.0) {
                cva_assert_close(mm_of(r, CVA_CLV_TIMING_END, 0, d, 0.0), r / (1.0 + d - r), 1e-14, 0);
                cva_assert_close(mm_of(r, CVA_CLV_TIMING_START, 0, d, 0.0), (1.0 + d) / (1.0 + d - r), 1e-14, 0);
                if (r * 1.05 < 1.0 + d)
                    cva_assert_close(mm_of(r, CVA_CLV_TIMING_END, 0, d, 0.05), r / (1.0 + d - r * 1.05), 1e-14, 0);
            }
            for (k = 0; k < 3; k++) {
                double Hd = (double)H[k];
                if (q < 1.0) {
                    cva_assert_close(mm_of(r, CVA_CLV_TIMING_END, H[k], d, 0.0), q * (1.0 - pow(q, Hd)) / (1.0 - q),
                                     1e-13, 1e-300);
                    cva_assert_close(mm_of(r, CVA_CLV_TIMING_START, H[k], d, 0.0), (1.0 - pow(q, Hd)) / (1.0 - q), 1e-13,
                                     0);
                }
            }
        }
    /* r = 1 with a finite horizon: END Σ_{t=1..H} (1+d)^−t, START H margins; d = 0: H */
    cva_assert_close(mm_of(1.0, CVA_CLV_TIMING_END, 12, 0.0, 0.0), 12.0, 1e-15, 0);
    cva_assert_close(mm_of(1.0, CVA_CLV_TIMING_START, 12, 0.0, 0.0), 12.0, 1e-15, 0);
    cva_assert_close(mm_of(1.0, CVA_CLV_TIMING_END, 3, 0.1, 0.0), 1 / 1.1 + 1 / 1.21 + 1 / 1.331, 1e-15, 0);
    /* r = 0: END nothing, START the first margin only */
    cva_assert_same(mm_of(0.0, CVA_CLV_TIMING_END, 0, 0.1, 0.0), 0.0);
    cva_assert_same(mm_of(0.0, CVA_CLV_TIMING_START, 0, 0.1, 0.0), 1.0);
    cva_assert_same(mm_of(0.0, CVA_CLV_TIMING_START, 5, 0.1, 0.0), 1.0);
    /* g = −1: only the first margin is positive */
    cva_assert_close(mm_of(0.9, CVA_CLV_TIMING_END, 10, 0.1, -1.0), 0.9 / 1.1, 1e-15, 0);
    cva_assert_same(mm_of(0.9, CVA_CLV_TIMING_START, 0, 0.1, -1.0), 1.0);
}

/* ---- against the high-precision references ------------------------------------ */

static void test_mpmath_reference(void **state)
{
    size_t i, n = sizeof retention_ref / sizeof retention_ref[0];
    (void)state;
    assert_true(n > 500);
    for (i = 0; i < n; i++) {
        const double *c = retention_ref[i];
        int32_t timing = (int32_t)c[0], H = (int32_t)c[1];
        double mm = mm_of(c[2], timing, H, c[3], c[4]);
        double e = eps_of(c[2], timing, H, c[3], c[4]);
        if (fabs(mm - c[5]) > 4e-14 * fabs(c[5]) || fabs(e - c[6]) > 1e-12 * fabs(c[6]) + 1e-14) {
            print_error("row %zu (timing %d H %d r %.17g d %.17g g %.17g): MM %.17g want %.17g, eps %.17g want %.17g\n",
                        i, (int)timing, (int)H, c[2], c[3], c[4], mm, c[5], e, c[6]);
            fail();
        }
    }
}

/* The elasticity at r = 0 is the limit: 1 for END (CLV ∝ r near 0), 0 for START. */
static void test_elasticity_limits(void **state)
{
    double e0, e1;
    (void)state;
    cva_assert_close(eps_of(0.0, CVA_CLV_TIMING_END, 0, 0.1, 0.0), 1.0, 0, 0);
    cva_assert_close(eps_of(0.0, CVA_CLV_TIMING_START, 0, 0.1, 0.0), 0.0, 0, 0);
    cva_assert_close(eps_of(0.0, CVA_CLV_TIMING_END, 7, 0.1, 0.0), 1.0, 0, 0);
    cva_assert_close(eps_of(0.0, CVA_CLV_TIMING_START, 7, 0.1, 0.0), 0.0, 0, 0);
    /* H = 1: END CLV = m r/(1+d) (ε = 1), START CLV = m (ε = 0) */
    cva_assert_close(eps_of(0.7, CVA_CLV_TIMING_END, 1, 0.1, 0.2), 1.0, 0, 1e-15);
    cva_assert_close(eps_of(0.7, CVA_CLV_TIMING_START, 1, 0.1, 0.2), 0.0, 0, 1e-15);
    /* p = 1 exactly: mean of 0..H−1 is (H−1)/2 */
    cva_assert_close(eps_of(1.0, CVA_CLV_TIMING_START, 10, 0.0, 0.0), 4.5, 1e-15, 0);
    cva_assert_close(eps_of(1.0, CVA_CLV_TIMING_END, 10, 0.0, 0.0), 5.5, 1e-15, 0);
    /* continuity across p = 1 */
    e0 = eps_of(0.9999999999, CVA_CLV_TIMING_START, 50, 0.0, 0.0);
    e1 = eps_of(1.0, CVA_CLV_TIMING_START, 50, 0.0, 0.0);
    cva_assert_close(e0, e1, 1e-9, 0);
}

/* ---- customer equity -------------------------------------------------------------- */

/* Σ over cohorts and periods of the discounted cash flows: cohort k pays c at k and
   margin m(1+g)^j at k+j while alive (r^j); the current base as the END/START stream. */
static double brute_cohorts(const double *n_new, size_t K, double m, double r_, double d_, double g_, double c_,
                            int32_t H)
{
    const long double r = (long double)r_, d = (long double)d_, g = (long double)g_, c = (long double)c_;
    long double total = 0.0L;
    size_t k;
    long j, n = H > 0 ? H : 20000;
    for (k = 0; k < K; k++) {
        long double dk = powl(1.0L + d, -(long double)k), flow = -c, term = (long double)m;
        for (j = 0; j < n; j++) {
            flow += term; /* m r^j (1+g)^j / (1+d)^j */
            term *= r * (1.0L + g) / (1.0L + d);
            if (H == 0 && fabsl(term) < 1e-22L * fabsl(flow + c))
                break;
        }
        total += (long double)n_new[k] * dk * flow;
    }
    return (double)total;
}

static void test_customer_equity(void **state)
{
    static const double cohorts[] = {120.0, 80.0, 0.0, 95.5, 200.0};
    double cur, fut, want, *stream;
    cva_clv_terms t = terms(CVA_CLV_TIMING_END, 0, 0.10, 0.0);
    size_t k;
    (void)state;
    /* current base: N·CLV */
    assert_status(cva_customer_equity(1000.0, 100.0, 0.8, 150.0, NULL, 0, 0.0, &t, &cur, &fut, NULL), CVA_OK);
    cva_assert_close(cur, 1000.0 * 100.0 * 0.8 / 0.3, 1e-14, 0);
    cva_assert_same(fut, 0.0);
    /* docs/methods/retention.md#methods_equity: CE = Σ_k n_k/(1+d)^k · [m(1+d)/(1+d−r) − c] */
    assert_status(cva_customer_equity(0.0, 100.0, 0.8, 150.0, cohorts, 5, 0.0, &t, &cur, &fut, NULL), CVA_OK);
    want = 0.0;
    for (k = 0; k < 5; k++)
        want += cohorts[k] / pow(1.1, (double)k) * (100.0 * 1.1 / 0.3 - 150.0);
    cva_assert_close(fut, want, 1e-14, 0);
    cva_assert_same(cur, 0.0);
    cva_assert_close(fut, brute_cohorts(cohorts, 5, 100.0, 0.8, 0.1, 0.0, 150.0, 0), 1e-12, 0);
    /* finite horizon and growth: the cash flows */
    t = terms(CVA_CLV_TIMING_END, 6, 0.07, 0.04);
    assert_status(cva_customer_equity(10.0, 80.0, 0.9, 60.0, cohorts, 5, 0.0, &t, &cur, &fut, NULL), CVA_OK);
    cva_assert_close(fut, brute_cohorts(cohorts, 5, 80.0, 0.9, 0.07, 0.04, 60.0, 6), 1e-12, 0);
    cva_assert_close(cur, 10.0 * 80.0 * brute_mm(0.9, CVA_CLV_TIMING_END, 6, 0.07, 0.04), 1e-13, 0);
    /* perpetual constant stream: n(1+d)/d · [...] = 100·11·(366.67 − 150) */
    t = terms(CVA_CLV_TIMING_END, 0, 0.10, 0.0);
    assert_status(cva_customer_equity(0.0, 100.0, 0.8, 150.0, NULL, 0, 100.0, &t, &cur, &fut, NULL), CVA_OK);
    cva_assert_close(fut, 100.0 * 11.0 * (1100.0 / 3.0 - 150.0), 1e-14, 0);
    stream = malloc(600 * sizeof *stream);
    assert_non_null(stream);
    for (k = 0; k < 600; k++)
        stream[k] = 100.0;
    cva_assert_close(fut, brute_cohorts(stream, 600, 100.0, 0.8, 0.1, 0.0, 150.0, 0), 1e-12, 0);
    free(stream);
    /* START timing of the current base */
    t = terms(CVA_CLV_TIMING_START, 0, 0.10, 0.0);
    assert_status(cva_customer_equity(3.0, 100.0, 0.8, 0.0, NULL, 0, 0.0, &t, &cur, NULL, NULL), CVA_OK);
    cva_assert_close(cur, 300.0 * 11.0 / 3.0, 1e-14, 0);
    /* errors and the empty case */
    assert_status(cva_customer_equity(0.0, 100.0, 0.8, 0.0, NULL, 0, 0.0, &t, &cur, &fut, NULL), CVA_W_EMPTY);
    cva_assert_same(cur, 0.0);
    cva_assert_same(fut, 0.0);
    t = terms(CVA_CLV_TIMING_END, 0, 0.0, 0.0);
    assert_status(cva_customer_equity(0.0, 100.0, 0.8, 0.0, NULL, 0, 10.0, &t, &cur, &fut, NULL), CVA_E_DOMAIN);
    assert_status(cva_customer_equity(-1.0, 100.0, 0.8, 0.0, NULL, 0, 0.0, NULL, &cur, &fut, NULL), CVA_E_BADARG);
    assert_status(cva_customer_equity(1.0, 100.0, 0.8, 0.0, NULL, 3, 0.0, NULL, &cur, &fut, NULL), CVA_E_NULLPTR);
    {
        double bad[2] = {1.0, -2.0};
        cva_diag dg;
        cva_diag_init(&dg, sizeof dg);
        assert_status(cva_customer_equity(1.0, 100.0, 0.8, 0.0, bad, 2, 0.0, NULL, &cur, &fut, &dg), CVA_E_BADARG);
        assert_int_equal(dg.index, 1);
        bad[1] = (double)NAN;
        assert_status(cva_customer_equity(1.0, 100.0, 0.8, 0.0, bad, 2, 0.0, NULL, &cur, &fut, &dg),
                      CVA_E_NONFINITE);
    }
    assert_status(cva_customer_equity(1.0, 100.0, 1.0, 0.0, NULL, 0, 0.0, NULL, &cur, &fut, NULL), CVA_E_DOMAIN);
}

/* ---- the what-if ------------------------------------------------------------------- */

static cva_whatif_inputs base_inputs(void)
{
    cva_whatif_inputs in;
    assert_status(cva_whatif_inputs_init_defaults(&in, sizeof in), CVA_OK);
    in.customers = 1000.0;
    in.margin = 100.0;
    in.retention = 0.80;
    in.delta_retention = 0.05;
    in.retention_cost = 10.0;
    in.delta_retention_cost = 5.0;
    return in;
}

static void test_whatif_defaults(void **state)
{
    cva_whatif_inputs in;
    cva_whatif_result o;
    (void)state;
    assert_status(cva_whatif_inputs_init_defaults(&in, sizeof in), CVA_OK);
    assert_int_equal(in.struct_size, sizeof in);
    assert_int_equal(in.timing, CVA_CLV_TIMING_END);
    assert_int_equal(in.horizon, 0);
    assert_int_equal(in.delta_mode, CVA_WHATIF_DELTA_ABS);
    assert_true(isnan(in.customers) && isnan(in.margin) && isnan(in.retention));
    cva_assert_same(in.discount, 0.10);
    cva_assert_same(in.margin_growth, 0.0);
    cva_assert_same(in.delta_retention, 0.0);
    cva_assert_same(in.retention_cost, 0.0);
    cva_assert_same(in.delta_retention_cost, 0.0);
    assert_true(isnan(in.acquisition_cost));
    cva_assert_same(in.acq_ret_ratio, 5.0);
    assert_true(isnan(in.new_customers));
    cva_assert_same(in.budget_share_target, 0.20);
    assert_status(cva_whatif_inputs_init_defaults(NULL, sizeof in), CVA_E_NULLPTR);
    assert_status(cva_whatif_inputs_init_defaults(&in, sizeof in - 8), CVA_E_ABI_MISMATCH);
    assert_status(cva_whatif_result_init(&o, sizeof o), CVA_OK);
    assert_int_equal(o.budget_share_below_target, -1);
    assert_true(isnan(o.mm_base) && isnan(o.acq_ret_ratio_used) && isnan(o.retention_new));
    assert_int_equal(cva_sizeof(CVA_STRUCT_CLV_TERMS), sizeof(cva_clv_terms));
    assert_int_equal(cva_sizeof(CVA_STRUCT_WHATIF_INPUTS), sizeof(cva_whatif_inputs));
    assert_int_equal(cva_sizeof(CVA_STRUCT_WHATIF_RESULT), sizeof(cva_whatif_result));
}

/* N = 1000, m = 100, r = 0.80 -> 0.85, d = 0.10, c_ret = 10, extra 5, c_acq = 5·10 = 50,
   A = N(1−r) = 200: every output from its docs/methods/retention.md#methods_whatif definition, by hand. */
static void test_whatif_values(void **state)
{
    cva_whatif_inputs in = base_inputs();
    cva_whatif_result o;
    const double mm0 = 0.8 / 0.3, mm1 = 0.85 / 0.25, m0 = 90.0, m1 = 85.0;
    (void)state;
    assert_status(cva_whatif_result_init(&o, sizeof o), CVA_OK);
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.retention_new, 0.85, 1e-15, 0);
    cva_assert_same(o.acquisition_cost_used, 50.0);
    cva_assert_close(o.new_customers_used, 200.0, 1e-14, 0);
    cva_assert_close(o.mm_base, mm0, 1e-15, 0);
    cva_assert_close(o.mm_new, mm1, 1e-15, 0);
    cva_assert_close(o.clv_base, 240.0, 1e-15, 0);
    cva_assert_close(o.clv_new, 289.0, 1e-15, 0);
    cva_assert_close(o.delta_clv, 49.0, 1e-13, 0);
    cva_assert_close(o.delta_clv_pct, 100.0 * 49.0 / 240.0, 1e-13, 0);
    cva_assert_close(o.ce_base, 240000.0, 1e-15, 0);
    cva_assert_close(o.ce_new, 289000.0, 1e-15, 0);
    cva_assert_close(o.delta_ce, 49000.0, 1e-13, 0);
    cva_assert_close(o.retention_elasticity, 1.1 / 0.3, 1e-14, 0);
    cva_assert_close(o.churned_base, 200.0, 1e-14, 0);
    cva_assert_close(o.churned_new, 150.0, 1e-14, 0);
    cva_assert_close(o.acquisition_spend_base, 10000.0, 1e-14, 0);
    cva_assert_close(o.acquisition_spend_new, 7500.0, 1e-14, 0);
    cva_assert_close(o.acquisition_spend_avoided, 2500.0, 1e-12, 0);
    cva_assert_close(o.break_even_retention_spend, m0 * (1.0 - mm0 / mm1), 1e-14, 0);
    /* s* solves (m0 − s)·MM(r') = m0·MM(r) */
    cva_assert_close((m0 - o.break_even_retention_spend) * mm1, m0 * mm0, 1e-14, 0);
    cva_assert_close(o.programme_roi, 49.0 / (5.0 * 3.4), 1e-13, 0);
    cva_assert_close(o.steady_state_profit_base, 200.0 * (m0 / 0.2 - 50.0), 1e-13, 0);
    cva_assert_close(o.steady_state_profit_new, 200.0 * (m1 / 0.15 - 50.0), 1e-13, 0);
    cva_assert_close(o.steady_state_profit_change_pct, 100.0 * ((m1 / 0.15 - 50.0) / (m0 / 0.2 - 50.0) - 1.0), 1e-12,
                     0);
    cva_assert_close(o.retention_budget_share, 10000.0 / (10000.0 + 50.0 * 200.0), 1e-15, 0);
    assert_int_equal(o.budget_share_below_target, 0);
    cva_assert_same(o.acq_ret_ratio_used, 5.0);
    (void)m1;

    /* explicit c_acq and A; the ratio actually used is c_acq/c_ret; a share below target */
    in.acquisition_cost = 400.0;
    in.new_customers = 250.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_same(o.acq_ret_ratio_used, 40.0);
    cva_assert_close(o.retention_budget_share, 10000.0 / (10000.0 + 400.0 * 250.0), 1e-15, 0);
    assert_int_equal(o.budget_share_below_target, 1);
    cva_assert_close(o.steady_state_profit_base, 250.0 * (m0 / 0.2 - 400.0), 1e-13, 0);
    cva_assert_close(o.acquisition_spend_avoided, 50.0 * 400.0, 1e-12, 0);

    /* no retention spend: c_acq defaults to 0, ratio and share undefined, ROI undefined */
    in = base_inputs();
    in.retention_cost = 0.0;
    in.delta_retention_cost = 0.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_same(o.acquisition_cost_used, 0.0);
    assert_true(isnan(o.acq_ret_ratio_used));
    assert_true(isnan(o.retention_budget_share));
    assert_int_equal(o.budget_share_below_target, -1);
    assert_true(isnan(o.programme_roi));
    cva_assert_close(o.delta_clv_pct, 100.0 * (3.4 / mm0 - 1.0), 1e-13, 0);

    /* START timing: ROI undefined (docs/methods/retention.md#methods_whatif defines it for END), multiples (1+d)/(1+d−r) */
    in = base_inputs();
    in.timing = CVA_CLV_TIMING_START;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.mm_base, 1.1 / 0.3, 1e-15, 0);
    cva_assert_close(o.mm_new, 1.1 / 0.25, 1e-15, 0);
    assert_true(isnan(o.programme_roi));
    cva_assert_close(o.retention_elasticity, 0.8 / 0.3, 1e-14, 0);

    /* finite horizon with growth: MM and ε through the general form (brute force) */
    in = base_inputs();
    in.horizon = 5;
    in.margin_growth = 0.1;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_close(o.mm_base, brute_mm(0.8, CVA_CLV_TIMING_END, 5, 0.1, 0.1), 1e-14, 0);
    cva_assert_close(o.mm_new, brute_mm(0.85, CVA_CLV_TIMING_END, 5, 0.1, 0.1), 1e-14, 0);
}

static void test_whatif_edges(void **state)
{
    cva_whatif_inputs in = base_inputs();
    cva_whatif_result o;
    (void)state;
    assert_status(cva_whatif_result_init(&o, sizeof o), CVA_OK);
    /* N = 0: zero totals, W_EMPTY, per-customer values still there */
    in.customers = 0.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_W_EMPTY);
    cva_assert_same(o.ce_base, 0.0);
    cva_assert_same(o.ce_new, 0.0);
    cva_assert_same(o.delta_ce, 0.0);
    cva_assert_same(o.churned_base, 0.0);
    cva_assert_same(o.acquisition_spend_avoided, 0.0);
    cva_assert_same(o.steady_state_profit_base, 0.0);
    assert_true(isnan(o.steady_state_profit_change_pct));
    cva_assert_close(o.clv_base, 240.0, 1e-15, 0);
    /* percent change against a zero base: NaN */
    in = base_inputs();
    in.margin = 10.0; /* m0 = 0 */
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_same(o.clv_base, 0.0);
    assert_true(isnan(o.delta_clv_pct));
    /* ... and against a negative base */
    in.margin = -50.0;
    in.acquisition_cost = 0.0;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    assert_true(o.clv_base < 0.0);
    assert_true(isnan(o.delta_clv_pct));
    assert_true(o.steady_state_profit_base < 0.0);
    assert_true(isnan(o.steady_state_profit_change_pct));
    /* steady state with r(1+g) >= 1: NaN P_ss (the valuation is still defined, d = 0.5) */
    in = base_inputs();
    in.discount = 0.5;
    in.margin_growth = 0.3;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    assert_true(isfinite(o.mm_base));
    assert_true(isnan(o.steady_state_profit_base));
    assert_true(isnan(o.steady_state_profit_new));
    assert_true(isnan(o.steady_state_profit_change_pct));
    /* r' = 0 (END): MM(r') = 0, break-even and ROI undefined */
    in = base_inputs();
    in.delta_retention = -0.8;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_same(o.mm_new, 0.0);
    assert_true(isnan(o.break_even_retention_spend));
    assert_true(isnan(o.programme_roi));
    /* r = 1 with a finite horizon is allowed */
    in = base_inputs();
    in.retention = 0.95;
    in.horizon = 10;
    assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    cva_assert_same(o.retention_new, 1.0);
    cva_assert_close(o.churned_new, 0.0, 0, 1e-12);
    cva_assert_close(o.mm_new, brute_mm(1.0, CVA_CLV_TIMING_END, 10, 0.1, 0.0), 1e-14, 0);
    assert_true(isnan(o.steady_state_profit_new));
}

/* Every docs/methods/retention.md#methods_retention_edge domain error, plus the argument errors; a failed call leaves the result untouched. */
static void expect_error(const cva_whatif_inputs *in, int want, int32_t option)
{
    cva_whatif_result o, before;
    cva_diag dg;
    assert_status(cva_whatif_result_init(&o, sizeof o), CVA_OK);
    o.mm_base = 12345.0;
    memcpy(&before, &o, sizeof o);
    cva_diag_init(&dg, sizeof dg);
    assert_status(cva_whatif(in, &o, &dg), want);
    assert_int_equal(dg.status, want);
    if (option)
        assert_int_equal(dg.option, option);
    assert_true(dg.detail && dg.detail[0]);
    assert_memory_equal(&o, &before, sizeof o);
}

static void test_domain_errors(void **state)
{
    cva_whatif_inputs in;
    cva_clv_terms t;
    cva_diag dg;
    double v;
    (void)state;
    /* r or r' outside [0, 1) */
    in = base_inputs(); in.retention = -0.01; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_RETENTION);
    in = base_inputs(); in.retention = 1.0; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_RETENTION);
    in = base_inputs(); in.retention = 1.0; in.horizon = 5; in.delta_retention = 0.0;
    {
        cva_whatif_result o;
        cva_whatif_result_init(&o, sizeof o);
        assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    }
    in = base_inputs(); in.retention = 1.2; in.horizon = 5; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_RETENTION);
    in = base_inputs(); in.retention = 0.97; in.delta_retention = 0.05; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DELTA);
    in = base_inputs(); in.delta_retention = -0.9; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DELTA);
    in = base_inputs(); in.delta_mode = CVA_WHATIF_DELTA_REL; in.delta_retention = 25.0; /* 0.8·1.25 = 1 */
    expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DELTA);
    /* 1 + d <= 0 */
    in = base_inputs(); in.discount = -1.0; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DISCOUNT);
    in = base_inputs(); in.discount = -1.5; in.horizon = 3; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DISCOUNT);
    /* infinite horizon with 1 + d − r <= 0 (here with declining margins, so r(1+g) < 1 + d) */
    in = base_inputs(); in.retention = 0.75; in.delta_retention = 0.0; in.discount = -0.3; in.margin_growth = -0.5;
    expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_RETENTION);
    in.horizon = 4; /* finite horizon: fine */
    {
        cva_whatif_result o;
        cva_whatif_result_init(&o, sizeof o);
        assert_status(cva_whatif(&in, &o, NULL), CVA_OK);
    }
    /* infinite horizon with r(1+g) >= 1 + d (1 + d − r > 0) */
    in = base_inputs(); in.margin_growth = 0.5; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_RETENTION);
    in = base_inputs(); in.margin_growth = 0.3; /* r = 0.8: 1.04 < 1.1, r' = 0.85: 1.105 >= 1.1 */
    expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_DELTA);
    /* g < −1 */
    in = base_inputs(); in.margin_growth = -1.5; expect_error(&in, CVA_E_DOMAIN, CVA_OPT_WHATIF_GROWTH);
    /* NaN inputs -> E_NONFINITE, every field */
    {
        size_t k;
        for (k = 0; k < 11; k++) {
            double *f[11];
            int32_t ids[11] = {CVA_OPT_WHATIF_CUSTOMERS, CVA_OPT_WHATIF_MARGIN, CVA_OPT_WHATIF_RETENTION,
                               CVA_OPT_WHATIF_DISCOUNT, CVA_OPT_WHATIF_GROWTH, CVA_OPT_WHATIF_DELTA,
                               CVA_OPT_WHATIF_RET_COST, CVA_OPT_WHATIF_DELTA_RET_COST, CVA_OPT_WHATIF_ACQ_RET_RATIO,
                               CVA_OPT_WHATIF_BUDGET_TARGET, CVA_OPT_WHATIF_ACQ_COST};
            in = base_inputs();
            f[0] = &in.customers; f[1] = &in.margin; f[2] = &in.retention; f[3] = &in.discount;
            f[4] = &in.margin_growth; f[5] = &in.delta_retention; f[6] = &in.retention_cost;
            f[7] = &in.delta_retention_cost; f[8] = &in.acq_ret_ratio; f[9] = &in.budget_share_target;
            f[10] = &in.acquisition_cost;
            *f[k] = k == 10 ? (double)INFINITY : (double)NAN;
            expect_error(&in, CVA_E_NONFINITE, ids[k]);
            *f[k] = -(double)INFINITY;
            expect_error(&in, CVA_E_NONFINITE, ids[k]);
        }
        in = base_inputs(); in.new_customers = (double)INFINITY;
        expect_error(&in, CVA_E_NONFINITE, CVA_OPT_WHATIF_NEW_CUSTOMERS);
    }
    /* argument errors */
    in = base_inputs(); in.customers = -1.0; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_CUSTOMERS);
    in = base_inputs(); in.retention_cost = -1.0; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_RET_COST);
    in = base_inputs(); in.acquisition_cost = -1.0; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_ACQ_COST);
    in = base_inputs(); in.acq_ret_ratio = -1.0; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_ACQ_RET_RATIO);
    in = base_inputs(); in.new_customers = -1.0; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_NEW_CUSTOMERS);
    in = base_inputs(); in.budget_share_target = 1.5; expect_error(&in, CVA_E_BADARG, CVA_OPT_WHATIF_BUDGET_TARGET);
    in = base_inputs(); in.timing = 2; expect_error(&in, CVA_E_OPTION, CVA_OPT_WHATIF_TIMING);
    in = base_inputs(); in.delta_mode = 7; expect_error(&in, CVA_E_OPTION, CVA_OPT_WHATIF_DELTA_MODE);
    in = base_inputs(); in.horizon = -1; expect_error(&in, CVA_E_OPTION, CVA_OPT_WHATIF_HORIZON);
    in = base_inputs(); in.struct_size = 8; expect_error(&in, CVA_E_ABI_MISMATCH, 0);
    assert_status(cva_whatif(NULL, NULL, NULL), CVA_E_NULLPTR);

    /* the closed forms: same domain */
    t = terms(CVA_CLV_TIMING_END, 0, 0.1, 0.0);
    cva_diag_init(&dg, sizeof dg);
    assert_status(cva_clv_constant(1.0, -0.1, &t, &v, NULL, &dg), CVA_E_DOMAIN);
    assert_int_equal(dg.arg, 2);
    assert_status(cva_clv_constant(1.0, 1.0, &t, &v, NULL, NULL), CVA_E_DOMAIN);
    assert_status(cva_clv_constant(1.0, (double)NAN, &t, &v, NULL, NULL), CVA_E_NONFINITE);
    assert_status(cva_clv_constant((double)NAN, 0.5, &t, &v, NULL, NULL), CVA_E_NONFINITE);
    assert_status(cva_clv_constant((double)INFINITY, 0.5, &t, &v, NULL, NULL), CVA_E_NONFINITE);
    t.discount = -1.0;
    assert_status(cva_clv_constant(1.0, 0.5, &t, &v, NULL, &dg), CVA_E_DOMAIN);
    assert_int_equal(dg.option, CVA_OPT_CLVT_DISCOUNT);
    t = terms(CVA_CLV_TIMING_START, 0, -0.3, -0.5);
    assert_status(cva_clv_constant(1.0, 0.75, &t, &v, NULL, NULL), CVA_E_DOMAIN);
    t = terms(CVA_CLV_TIMING_START, 0, 0.1, 0.5);
    assert_status(cva_clv_constant(1.0, 0.75, &t, &v, NULL, NULL), CVA_E_DOMAIN);
    t.horizon = 10;
    assert_status(cva_clv_constant(1.0, 0.75, &t, &v, NULL, NULL), CVA_OK);
    t.discount = (double)NAN;
    assert_status(cva_clv_constant(1.0, 0.75, &t, &v, NULL, NULL), CVA_E_NONFINITE);
    t = terms(CVA_CLV_TIMING_END, 0, 0.1, 0.0);
    t.struct_size = 3;
    assert_status(cva_clv_constant(1.0, 0.5, &t, &v, NULL, NULL), CVA_E_ABI_MISMATCH);
    /* overflow of a finite-horizon sum (p > 1) */
    t = terms(CVA_CLV_TIMING_END, 2000000000, 0.0, 1.0);
    assert_status(cva_clv_constant(1.0, 0.9, &t, &v, NULL, NULL), CVA_E_DOMAIN);
    /* steady state */
    assert_status(cva_steady_state_profit(-1.0, 1.0, 0.5, 0.0, 0.0, NULL, &v, NULL), CVA_E_BADARG);
    assert_status(cva_steady_state_profit(1.0, 1.0, 1.5, 0.0, 0.0, NULL, &v, NULL), CVA_E_DOMAIN);
    assert_status(cva_steady_state_profit(1.0, (double)NAN, 0.5, 0.0, 0.0, NULL, &v, NULL), CVA_E_NONFINITE);
    assert_status(cva_steady_state_profit(1.0, 1.0, 0.9, 0.2, 0.0, NULL, &v, NULL), CVA_OK);
    assert_true(isnan(v));
    assert_status(cva_steady_state_profit(0.0, 1.0, 0.5, 0.0, 0.0, NULL, &v, NULL), CVA_W_EMPTY);
    cva_assert_same(v, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_examples),  cmocka_unit_test(test_whatif_worked),
        cmocka_unit_test(test_brute_force),      cmocka_unit_test(test_spec_formulas),
        cmocka_unit_test(test_mpmath_reference), cmocka_unit_test(test_elasticity_limits),
        cmocka_unit_test(test_customer_equity),  cmocka_unit_test(test_whatif_defaults),
        cmocka_unit_test(test_whatif_values),    cmocka_unit_test(test_whatif_edges),
        cmocka_unit_test(test_domain_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
