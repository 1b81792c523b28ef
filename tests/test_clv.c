/*
 * Discrete model-based CLV (docs/methods/retention.md#methods_clv_model). Reference values from
 * tests/data/clv_reference.py (mpmath, 30 digits; output in clv_reference.txt),
 * which evaluates the closed forms independently of the C code.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "cva_failalloc.h"

#include "cva/churn.h"

static const double BGNBD[4] = {0.243, 4.414, 0.793, 2.426};
static const double PNBD[4] = {0.5534, 10.5776, 0.6061, 11.6650};
static const double BGBB[4] = {1.204, 0.750, 0.657, 2.783};
static const double GG[3] = {6.25, 3.74, 15.45};

/* x, t_x, T, m_x */
static const double CUST_C[4][4] = {{2, 30.43, 38.86, 35}, {0, 0, 38.86, 0}, {5, 10, 38.86, 20}, {25, 35, 38, 50}};
static const double CUST_D[4][4] = {{3, 4, 6, 40}, {6, 6, 6, 25}, {0, 0, 6, 0}, {1, 1, 6, 10}};

typedef struct clv_case {
    int32_t model;
    const double *params;
    const double (*cust)[4];
    int32_t steps;
    double L, d, margin;
    double ref[4];
} clv_case;

static const clv_case CASES[] = {
    {CVA_MODEL_BGNBD, BGNBD, CUST_C, 12, 30.0 / 7.0, 0.01, 1.0,
     {50.982494491762995, 8.2735967173521427, 2.362767111940784, 874.13442365438825}},
    {CVA_MODEL_BGNBD, BGNBD, CUST_C, 3, 4.0, 0.05, 0.3,
     {4.0528843351486033, 0.62193771767518747, 0.19335218788297594, 74.027367020725027}},
    {CVA_MODEL_PNBD, PNBD, CUST_C, 12, 30.0 / 7.0, 0.01, 1.0,
     {60.539103346593886, 4.4799390664901723, 4.2812307086042825, 914.99700822651946}},
    {CVA_MODEL_PNBD, PNBD, CUST_C, 3, 4.0, 0.05, 0.3,
     {4.8182518429652374, 0.35655425122352266, 0.34073923483461289, 72.968073775394645}},
    {CVA_MODEL_BGBB, BGBB, CUST_D, 5, 1.0, 0.1, 1.0,
     {31.22548020382295, 73.898401101187071, 1.9664209708744343, 1.1612652987245942}},
    {CVA_MODEL_BGBB, BGBB, CUST_D, 12, 2.0, 0.02, 0.5,
     {62.757210325862309, 148.52157502078515, 3.952127994599886, 2.3339199307897986}},
};

static void split(const double (*c)[4], size_t n, double *x, double *tx, double *T, double *m)
{
    size_t i;
    for (i = 0; i < n; i++) {
        x[i] = c[i][0];
        tx[i] = c[i][1];
        T[i] = c[i][2];
        m[i] = c[i][3];
    }
}

static cva_clv_opts mk(int32_t steps, double L, double d, double margin)
{
    cva_clv_opts o;
    assert_status(cva_clv_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.steps = steps;
    o.step_length = L;
    o.discount = d;
    o.margin = margin;
    return o;
}

static void run_case(const clv_case *c)
{
    double x[4], tx[4], T[4], m[4], out[4];
    cva_clv_opts o = mk(c->steps, c->L, c->d, c->margin);
    int i;
    split(c->cust, 4, x, tx, T, m);
    assert_status(cva_clv(c->model, c->params, GG, x, tx, T, m, 4, &o, out, NULL), CVA_OK);
    for (i = 0; i < 4; i++)
        cva_assert_close(out[i], c->ref[i], 1e-9, 0);
}

static void test_bgnbd(void **state)
{
    (void)state;
    run_case(&CASES[0]);
    run_case(&CASES[1]);
}

static void test_pnbd(void **state)
{
    (void)state;
    run_case(&CASES[2]);
    run_case(&CASES[3]);
}

static void test_bgbb(void **state)
{
    (void)state;
    run_case(&CASES[4]);
    run_case(&CASES[5]);
}

static void test_defaults(void **state)
{
    cva_clv_opts o;
    double x[4], tx[4], T[4], m[4], a[4], b[4];
    int i;
    (void)state;
    assert_status(cva_clv_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_int_equal(o.struct_size, sizeof o);
    assert_int_equal(o.steps, 12);
    cva_assert_same(o.step_length, 30.0 / 7.0);
    cva_assert_same(o.discount, 0.01);
    cva_assert_same(o.margin, 1.0);
    assert_status(cva_clv_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
    assert_status(cva_clv_opts_init_defaults(&o, 4), CVA_E_ABI_MISMATCH);
    assert_status(cva_clv_opts_init_defaults(&o, sizeof o + 8), CVA_E_ABI_MISMATCH);
    assert_int_equal((int)cva_sizeof(CVA_STRUCT_CLV_OPTS), (int)sizeof(cva_clv_opts));
    /* NULL opts = defaults = the first reference case */
    split(CUST_C, 4, x, tx, T, m);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, 4, NULL, a, NULL), CVA_OK);
    assert_status(cva_clv_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, 4, &o, b, NULL), CVA_OK);
    for (i = 0; i < 4; i++) {
        cva_assert_same(a[i], b[i]);
        cva_assert_close(a[i], CASES[0].ref[i], 1e-9, 0);
    }
}

/* steps = 0: until the term is <= 1e-12 of the total (the infinite-horizon value). */
static void test_adaptive(void **state)
{
    double x[4], tx[4], T[4], m[4], out[2];
    cva_clv_opts o = mk(0, 30.0 / 7.0, 0.05, 1.0);
    (void)state;
    split(CUST_C, 2, x, tx, T, m);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, 2, &o, out, NULL), CVA_OK);
    cva_assert_close(out[0], 70.537407656322963, 1e-9, 0);
    cva_assert_close(out[1], 12.287987165410489, 1e-9, 0);
}

/* steps = 0 without discounting: the terms never vanish; the sum stops at the 1200-step cap
   and says so (the step option and the number of customers, not a special-function series). */
static void test_adaptive_cap(void **state)
{
    double x[4], tx[4], T[4], m[4], out[2], ref[2];
    cva_clv_opts o = mk(0, 30.0 / 7.0, 0.0, 1.0);
    cva_diag d;
    (void)state;
    split(CUST_C, 2, x, tx, T, m);
    assert_status(cva_diag_init(&d, sizeof d), CVA_OK);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, 2, &o, out, &d), CVA_W_SERIES_LIMIT);
    assert_int_equal(d.option, CVA_OPT_CLV_STEPS);
    assert_int_equal(d.count, 2);
    assert_non_null(strstr(d.detail, "1200 steps"));
    o.steps = 1200;
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, 2, &o, ref, NULL), CVA_OK);
    cva_assert_close(out[0], ref[0], 1e-12, 0);
    cva_assert_close(out[1], ref[1], 1e-12, 0);
}

static void test_monotone(void **state)
{
    double x[4], tx[4], T[4], m[4], prev[4], cur[4];
    int s, i, k;
    (void)state;
    split(CUST_C, 4, x, tx, T, m);
    for (k = 0; k < 2; k++) {
        int32_t model = k ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD;
        const double *p = k ? PNBD : BGNBD;
        /* more steps → more value */
        for (i = 0; i < 4; i++)
            prev[i] = 0;
        for (s = 1; s <= 24; s++) {
            cva_clv_opts o = mk(s, 30.0 / 7.0, 0.01, 1.0);
            assert_status(cva_clv(model, p, GG, x, tx, T, m, 4, &o, cur, NULL), CVA_OK);
            for (i = 0; i < 4; i++) {
                assert_true(cur[i] > prev[i]);
                prev[i] = cur[i];
            }
        }
        /* higher discount → less value */
        for (i = 0; i < 4; i++)
            prev[i] = HUGE_VAL;
        for (s = 0; s < 8; s++) {
            cva_clv_opts o = mk(12, 30.0 / 7.0, -0.02 + 0.03 * s, 1.0);
            assert_status(cva_clv(model, p, GG, x, tx, T, m, 4, &o, cur, NULL), CVA_OK);
            for (i = 0; i < 4; i++) {
                assert_true(cur[i] < prev[i]);
                prev[i] = cur[i];
            }
        }
        /* linear in the margin */
        {
            cva_clv_opts o1 = mk(12, 30.0 / 7.0, 0.01, 1.0), o2 = mk(12, 30.0 / 7.0, 0.01, 0.25);
            assert_status(cva_clv(model, p, GG, x, tx, T, m, 4, &o1, prev, NULL), CVA_OK);
            assert_status(cva_clv(model, p, GG, x, tx, T, m, 4, &o2, cur, NULL), CVA_OK);
            for (i = 0; i < 4; i++)
                cva_assert_close(cur[i], 0.25 * prev[i], 1e-14, 0);
        }
    }
}

/* Many customers (several chunks): each equals its own single-customer call, bit for bit. */
static void test_chunks(void **state)
{
    enum { N = 700 };
    static double x[N], tx[N], T[N], m[N], out[N];
    size_t i;
    (void)state;
    for (i = 0; i < N; i++) {
        const double *c = CUST_C[i % 4];
        x[i] = c[0];
        tx[i] = c[1] * (1.0 - 0.0001 * (double)(i % 7));
        T[i] = c[2];
        m[i] = c[3];
    }
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, NULL, out, NULL), CVA_OK);
    for (i = 0; i < N; i += 37) {
        double one;
        assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x + i, tx + i, T + i, m + i, 1, NULL, &one, NULL), CVA_OK);
        cva_assert_same(out[i], one);
    }
    {
        cva_clv_opts o = mk(0, 30.0 / 7.0, 0.05, 1.0);
        double one;
        assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, NULL), CVA_OK);
        for (i = 1; i < N; i += 53) {
            assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x + i, tx + i, T + i, m + i, 1, &o, &one, NULL),
                          CVA_OK);
            cva_assert_same(out[i], one);
        }
    }
}

static void test_errors(void **state)
{
    enum { N = 600 };
    static double x[N], tx[N], T[N], m[N], out[N];
    cva_diag d;
    cva_clv_opts o;
    size_t i;
    (void)state;
    for (i = 0; i < N; i++) {
        x[i] = 2;
        tx[i] = 30;
        T[i] = 38;
        m[i] = 35;
        out[i] = -7;
    }
    cva_diag_init(&d, sizeof d);
    x[530] = 3;
    tx[530] = 40; /* t_x > T in the second chunk */
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_BADARG);
    assert_int_equal((int)d.index, 530);
    for (i = 0; i < N; i++)
        cva_assert_same(out[i], -7.0); /* nothing written */
    tx[530] = 30;
    m[520] = (double)NAN;
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_NONFINITE);
    assert_int_equal((int)d.index, 520);
    for (i = 0; i < N; i++)
        cva_assert_same(out[i], -7.0);
    m[520] = 35;
    /* parameters */
    {
        const double badgg[3] = {6.25, 0.9, 15.45}, badp[4] = {0.243, -1, 0.793, 2.426};
        assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, badgg, x, tx, T, m, N, NULL, out, &d), CVA_E_DOMAIN);
        assert_status(cva_clv(CVA_MODEL_BGNBD, badp, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_DOMAIN);
    }
    assert_status(cva_clv(CVA_MODEL_GG, GG, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 1);
    assert_status(cva_clv(CVA_MODEL_SBG, BGNBD, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_BADARG);
    assert_status(cva_clv(CVA_MODEL_BGNBD, NULL, GG, x, tx, T, m, N, NULL, out, &d), CVA_E_NULLPTR);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, NULL, x, tx, T, m, N, NULL, out, &d), CVA_E_NULLPTR);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, NULL, N, NULL, out, &d), CVA_E_NULLPTR);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, NULL, NULL, &d), CVA_E_NULLPTR);
    /* options */
    o = mk(-1, 1, 0.01, 1);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_CLV_STEPS);
    o = mk(12, 0, 0.01, 1);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_CLV_STEP_LENGTH);
    o = mk(12, 1, -1, 1);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_CLV_DISCOUNT);
    o = mk(12, 1, 0.01, (double)NAN);
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_CLV_MARGIN);
    o = mk(12, 1, 0.01, 1);
    o.struct_size = 4;
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, x, tx, T, m, N, &o, out, &d), CVA_E_ABI_MISMATCH);
    for (i = 0; i < N; i++)
        cva_assert_same(out[i], -7.0);
    /* empty */
    assert_status(cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, NULL, NULL, NULL, NULL, 0, NULL, NULL, &d), CVA_W_EMPTY);
}

/* Every block cva_clv() takes comes from cva_clv_opts::alloc and is given back: the
   per-customer state (steps = 0) and the work buffer (BG/BB) fail with CVA_E_NOMEM,
   the purchase models' caches (BG/NBD n >= 64, Pareto/NBD n >= 256) fall back to the
   uncached rows with the same values. Failing the k-th allocation for every k. */
static void allocator_and_oom(void **state)
{
    enum { N = 300 };
    static double x[N], tx[N], T[N], m[N], ref[N], out[N];
    static const struct {
        int32_t model;
        const double *params;
        int discrete;
    } M[] = {{CVA_MODEL_BGNBD, BGNBD, 0}, {CVA_MODEL_MBGNBD, BGNBD, 0}, {CVA_MODEL_PNBD, PNBD, 0},
             {CVA_MODEL_BGBB, BGBB, 1}};
    static const int32_t STEPS[] = {12, 0};
    size_t mi, si, i;
    (void)state;
    for (mi = 0; mi < sizeof M / sizeof M[0]; mi++) {
        for (i = 0; i < N; i++) {
            const double *c = M[mi].discrete ? CUST_D[i % 4] : CUST_C[i % 4];
            x[i] = c[0];
            tx[i] = c[1];
            T[i] = c[2];
            m[i] = c[3];
            if (!M[mi].discrete && i % 3 == 0)
                tx[i] *= 1.0 - 0.001 * (double)(i % 11); /* distinct (x, t_x), shared (x, T) */
        }
        for (si = 0; si < 2; si++) {
            cva_fa_hook f = {0, 0, 0};
            cva_allocator al = cva_fa_allocator(&f);
            cva_clv_opts o = mk(STEPS[si], 30.0 / 7.0, 0.01, 1.0);
            cva_status st_ref, st;
            long k, total, n_nomem = 0;
            const int uses_state = STEPS[si] == 0, uses_buf = M[mi].model == CVA_MODEL_BGBB;
            st_ref = cva_clv(M[mi].model, M[mi].params, GG, x, tx, T, m, N, &o, ref, NULL);
            assert_true(st_ref >= 0);
            o.alloc = &al;
            st = cva_clv(M[mi].model, M[mi].params, GG, x, tx, T, m, N, &o, out, NULL);
            assert_int_equal(st, st_ref);
            for (i = 0; i < N; i++)
                cva_assert_same(out[i], ref[i]);
            assert_int_equal(f.live, 0);
            total = f.calls;
            /* state and buffer, plus at least one cache for the BG/NBD family and Pareto/NBD */
            assert_true(total >= uses_state + uses_buf + (M[mi].model != CVA_MODEL_BGBB));
            for (k = 1; k <= total; k++) {
                f.calls = 0;
                f.fail_at = k;
                f.live = 0;
                st = cva_clv(M[mi].model, M[mi].params, GG, x, tx, T, m, N, &o, out, NULL);
                assert_int_equal(f.live, 0);
                if (st == CVA_E_NOMEM) {
                    n_nomem++;
                    continue;
                }
                assert_int_equal(st, st_ref);
                for (i = 0; i < N; i++)
                    cva_assert_same(out[i], ref[i]);
            }
            /* only the state and the buffer are needed: one each at most */
            assert_int_equal(n_nomem, uses_state + uses_buf);
        }
    }
    {
        /* a 0.1.0-sized struct (no alloc field) means malloc/free */
        cva_clv_opts o;
        const size_t old = offsetof(cva_clv_opts, alloc);
        memset(&o, 0xAB, sizeof o);
        assert_status(cva_clv_opts_init_defaults(&o, old), CVA_OK);
        assert_int_equal(o.struct_size, old);
        assert_status(cva_clv_opts_init_defaults(&o, old - 1), CVA_E_ABI_MISMATCH);
        assert_status(cva_clv(CVA_MODEL_PNBD, PNBD, GG, x, tx, T, m, N, &o, out, NULL), CVA_OK);
        o = mk(12, 30.0 / 7.0, 0.01, 1.0);
        assert_status(cva_clv(CVA_MODEL_PNBD, PNBD, GG, x, tx, T, m, N, &o, ref, NULL), CVA_OK);
        for (i = 0; i < N; i++)
            cva_assert_same(out[i], ref[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd),    cmocka_unit_test(test_pnbd),    cmocka_unit_test(test_bgbb),
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_adaptive), cmocka_unit_test(test_adaptive_cap),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_chunks),   cmocka_unit_test(test_errors),
        cmocka_unit_test(allocator_and_oom),
    };
    return cmocka_run_group_tests_name("clv", tests, NULL, NULL);
}
