/*
 * Exact selection engine (lib/select.c, contract in lib/select_internal.h):
 * every rank rule, both signs, a NaN mask, both workspace modes and the
 * fused multi-column pass, against a brute-force sort of (x, index) pairs.
 * Columns below and above the sampled-path threshold (2^16) so both the
 * histogram refinement and the sampled selection are checked.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "../lib/select_internal.h"

typedef struct xi {
    double x;
    size_t i;
} xi;

static int cmp_xi(const void *a, const void *b)
{
    const xi *p = (const xi *)a, *q = (const xi *)b;
    if (p->x < q->x)
        return -1;
    if (p->x > q->x)
        return 1;
    return p->i < q->i ? -1 : (p->i > q->i);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 33;
}

/* Column with heavy ties (kind 0), continuous values (kind 1), zeros of both
   signs (kind 2); mask: NaN for about 3 % of the elements. */
static void make_column(double *v, double *mask, size_t n, int kind, uint64_t seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t r = lcg(&seed);
        if (kind == 0)
            v[i] = (double)(r % 37) - 10.0;
        else if (kind == 1)
            v[i] = (double)(r % 1000003) * 0.001 - 400.0;
        else
            v[i] = (r & 1) ? 0.0 : -0.0;
        mask[i] = (lcg(&seed) % 100) < 3 ? (double)NAN : 1.0;
    }
}

/* The ranks of the contract, written again from the formulas. */
static size_t ref_ranks(const cva__sel_spec *sp, uint64_t m, uint64_t *r)
{
    size_t nr = 0;
    int32_t j;
    for (j = 0; j < sp->nf; j++) {
        uint64_t a = sp->num[j], d = sp->den;
        if (sp->rule == CVA__SEL_FLOOR) {
            r[nr++] = (m - 1) * a / d + 1;
        } else if (sp->rule == CVA__SEL_NTILE) {
            uint64_t e = a * (m / d) + (a < m % d ? a : m % d);
            r[nr++] = e < m ? e : m;
        } else if (sp->rule == CVA__SEL_RANK) {
            r[nr++] = a < m ? a : m;
        } else {
            uint64_t l = (m - 1) * a / d;
            r[nr++] = l + 1;
            r[nr++] = l + 2 < m ? l + 2 : m;
        }
    }
    return nr;
}

static void check_result(const double *v, const double *mask, size_t n, double sign, const cva__sel_spec *sp,
                         const cva__sel_result *res)
{
    xi *a = (xi *)malloc((n + 1) * sizeof(xi));
    uint64_t r[CVA__SEL_MAX_RANKS];
    size_t m = 0, i, nr;
    assert_non_null(a);
    for (i = 0; i < n; i++) {
        if (isnan(mask[i]))
            continue;
        a[m].x = sign * v[i] + 0.0;
        a[m].i = i;
        m++;
    }
    qsort(a, m, sizeof(xi), cmp_xi);
    assert_int_equal(res->m, m);
    assert_true(res->bad == SIZE_MAX);
    nr = ref_ranks(sp, m, r);
    assert_int_equal(res->nr, nr);
    for (i = 0; i < nr; i++) {
        const xi *e = &a[r[i] - 1];
        assert_int_equal(res->ranks[i], r[i]);
        assert_true(res->val[i] == e->x);
        assert_false(signbit(res->val[i]) && res->val[i] == 0.0); /* a zero is +0 */
        if (sp->want_index)
            assert_int_equal(res->idx[i], (int64_t)e->i);
        if (sp->want_index) /* tie is part of the contract with indexes only */
            assert_int_equal(res->tie[i], r[i] < m && a[r[i]].x == e->x);
    }
    free(a);
}

static void spec_fracs(cva__sel_spec *sp, int32_t rule, int32_t k, int want_index)
{
    int32_t j;
    memset(sp, 0, sizeof *sp);
    sp->rule = rule;
    sp->nf = k - 1;
    sp->den = (uint64_t)k;
    for (j = 0; j < sp->nf; j++)
        sp->num[j] = (uint64_t)(j + 1);
    sp->want_index = want_index;
    sp->kernel = CVA_KERNEL_AUTO;
}

static void run_case(size_t n, int kind, int32_t rule, int32_t k, double sign, int want_index, int with_work,
                     int32_t kernel)
{
    double *v = (double *)malloc(n * sizeof(double)), *mask = (double *)malloc(n * sizeof(double));
    void *work = NULL;
    size_t bytes = 0;
    cva__selws w;
    cva__sel_spec sp;
    cva__sel_result *res = (cva__sel_result *)malloc(sizeof *res);
    assert_non_null(v);
    assert_non_null(mask);
    assert_non_null(res);
    make_column(v, mask, n, kind, 1000u * (uint64_t)n + (uint64_t)(kind * 10 + rule));
    spec_fracs(&sp, rule, k, want_index);
    sp.kernel = kernel;
    if (rule == CVA__SEL_RANK) { /* fixed ranks, including one past m (clamped) */
        sp.nf = 4;
        sp.num[0] = 1;
        sp.num[1] = 2;
        sp.num[2] = n / 2 + 2;
        sp.num[3] = n + 5;
    }
    if (with_work) {
        assert_int_equal(cva__select_ws_bytes(n, &bytes), CVA_OK);
        work = malloc(bytes);
        assert_non_null(work);
    }
    assert_int_equal(cva__selws_init(&w, n, work, bytes, NULL), 0);
    assert_int_equal(cva__select(v, mask, n, sign, &sp, &w, NULL, res), 1);
    check_result(v, mask, n, sign, &sp, res);
    cva__selws_free(&w);
    free(work);
    free(res);
    free(v);
    free(mask);
}

static void test_histogram_path(void **state)
{
    static const int32_t rules[] = {CVA__SEL_FLOOR, CVA__SEL_NTILE, CVA__SEL_TYPE7, CVA__SEL_RANK};
    size_t r;
    int kind;
    (void)state;
    for (r = 0; r < 4; r++)
        for (kind = 0; kind < 3; kind++) {
            run_case(5000, kind, rules[r], 7, 1.0, 1, 0, CVA_KERNEL_AUTO);
            run_case(5000, kind, rules[r], 7, -1.0, 1, 1, CVA_KERNEL_AUTO);
            run_case(3, kind, rules[r], 5, -1.0, 0, 0, CVA_KERNEL_AUTO);
            run_case(2, kind, rules[r], 2, 1.0, 1, 1, CVA_KERNEL_AUTO);
        }
}

static void test_sampled_path(void **state)
{
    static const int32_t rules[] = {CVA__SEL_FLOOR, CVA__SEL_NTILE, CVA__SEL_TYPE7, CVA__SEL_RANK};
    size_t r;
    int kind;
    (void)state;
    for (r = 0; r < 4; r++)
        for (kind = 0; kind < 3; kind++) {
            run_case(100000, kind, rules[r], 5, 1.0, 1, 0, CVA_KERNEL_AUTO);
            run_case(100000, kind, rules[r], 4, -1.0, 1, 1, CVA_KERNEL_SCALAR);
            run_case(70000, kind, rules[r], 11, -1.0, 0, 0, CVA_KERNEL_AUTO);
        }
}

/* Uneven fractions (value-tier style cut points: top 1 %, 5 %, 20 %, 50 %). */
static void test_uneven_fractions(void **state)
{
    static const size_t sizes[] = {999, 100000};
    size_t s;
    int rule;
    (void)state;
    for (s = 0; s < 2; s++)
        for (rule = CVA__SEL_FLOOR; rule <= CVA__SEL_TYPE7; rule++) {
            const size_t n = sizes[s];
            double *v = (double *)malloc(n * sizeof(double)), *mask = (double *)malloc(n * sizeof(double));
            cva__selws w;
            cva__sel_spec sp;
            cva__sel_result *res = (cva__sel_result *)malloc(sizeof *res);
            assert_non_null(v);
            assert_non_null(mask);
            assert_non_null(res);
            make_column(v, mask, n, 1, 77u + (uint64_t)s);
            memset(&sp, 0, sizeof sp);
            sp.rule = rule;
            sp.nf = 4;
            sp.den = 100;
            sp.num[0] = 50;
            sp.num[1] = 80;
            sp.num[2] = 95;
            sp.num[3] = 99;
            sp.want_index = 1;
            sp.kernel = CVA_KERNEL_AUTO;
            assert_int_equal(cva__selws_init(&w, n, NULL, 0, NULL), 0);
            assert_int_equal(cva__select(v, mask, n, -1.0, &sp, &w, NULL, res), 1);
            check_result(v, mask, n, -1.0, &sp, res);
            cva__selws_free(&w);
            free(res);
            free(v);
            free(mask);
        }
}

/* Three columns sharing one mask in one pass, then each completed by
   cva__select (the histogram path where the sample missed). */
static void test_fused(void **state)
{
    const size_t n = 200000;
    double *col[3], *mask = (double *)malloc(n * sizeof(double)), *dummy = (double *)malloc(n * sizeof(double));
    const double signs[3] = {-1.0, 1.0, 1.0};
    cva__selws w;
    cva__sel_spec sp;
    cva__sel_result *pre = (cva__sel_result *)malloc(3 * sizeof *pre), *res = (cva__sel_result *)malloc(sizeof *res);
    int q, rule;
    (void)state;
    assert_non_null(mask);
    assert_non_null(dummy);
    assert_non_null(pre);
    assert_non_null(res);
    for (q = 0; q < 3; q++) {
        col[q] = (double *)malloc(n * sizeof(double));
        assert_non_null(col[q]);
        make_column(col[q], q == 0 ? mask : dummy, n, q, 5u + (uint64_t)q);
    }
    for (rule = CVA__SEL_FLOOR; rule <= CVA__SEL_TYPE7; rule++) {
        const double *const cv[3] = {col[0], col[1], col[2]};
        spec_fracs(&sp, rule, 5, rule != CVA__SEL_TYPE7);
        assert_int_equal(cva__selws_init(&w, n, NULL, 0, NULL), 0);
        assert_int_equal(cva__select_fused(cv, mask, signs, 3, n, &sp, &w, NULL, pre), 1);
        for (q = 0; q < 3; q++) {
            assert_int_equal(cva__select(col[q], mask, n, signs[q], &sp, &w, &pre[q], res), 1);
            check_result(col[q], mask, n, signs[q], &sp, res);
        }
        cva__selws_free(&w);
    }
    /* not for the sampled path: a fixed-rank rule */
    spec_fracs(&sp, CVA__SEL_RANK, 3, 1);
    assert_int_equal(cva__selws_init(&w, n, NULL, 0, NULL), 0);
    {
        const double *const cv[3] = {col[0], col[1], col[2]};
        assert_int_equal(cva__select_fused(cv, mask, signs, 3, n, &sp, &w, NULL, pre), 0);
    }
    cva__selws_free(&w);
    for (q = 0; q < 3; q++)
        free(col[q]);
    free(pre);
    free(res);
    free(mask);
    free(dummy);
}

/* Non-finite kept values: bad is the first such index, nothing selected;
   masked-out values are never looked at; an all-NaN mask gives m = 0. */
static void test_bad_and_empty(void **state)
{
    static const size_t sizes[] = {1000, 100000};
    size_t s;
    (void)state;
    for (s = 0; s < 2; s++) {
        const size_t n = sizes[s];
        double *v = (double *)malloc(n * sizeof(double)), *mask = (double *)malloc(n * sizeof(double));
        cva__selws w;
        cva__sel_spec sp;
        cva__sel_result *res = (cva__sel_result *)malloc(sizeof *res);
        size_t i;
        assert_non_null(v);
        assert_non_null(mask);
        assert_non_null(res);
        make_column(v, mask, n, 1, 9u);
        mask[10] = (double)NAN;
        v[10] = (double)INFINITY; /* masked out: ignored */
        mask[n / 2] = 1.0;
        v[n / 2] = -(double)INFINITY;
        mask[n - 3] = 1.0;
        v[n - 3] = (double)NAN;
        spec_fracs(&sp, CVA__SEL_FLOOR, 5, 1);
        assert_int_equal(cva__selws_init(&w, n, NULL, 0, NULL), 0);
        assert_int_equal(cva__select(v, mask, n, 1.0, &sp, &w, NULL, res), 1);
        assert_int_equal(res->bad, n / 2);
        assert_int_equal(res->nr, 0);
        for (i = 0; i < n; i++)
            mask[i] = (double)NAN;
        assert_int_equal(cva__select(v, mask, n, 1.0, &sp, &w, NULL, res), 1);
        assert_int_equal(res->m, 0);
        assert_int_equal(res->nr, 0);
        assert_true(res->bad == SIZE_MAX);
        cva__selws_free(&w);
        free(res);
        free(v);
        free(mask);
    }
}

/* A caller workspace below cva__select_ws_bytes() is refused. */
static void test_workspace(void **state)
{
    size_t bytes = 0, small = 0;
    cva__selws w;
    unsigned char *buf;
    (void)state;
    assert_int_equal(cva__select_ws_bytes(1000, &bytes), CVA_OK);
    assert_int_equal(cva__select_ws_bytes(10, &small), CVA_OK);
    assert_true(bytes > small);
    buf = (unsigned char *)malloc(bytes);
    assert_non_null(buf);
    assert_int_equal(cva__selws_init(&w, 1000, buf, bytes - 1, NULL), -1);
    assert_int_equal(cva__selws_init(&w, 1000, buf, bytes, NULL), 0);
    cva__selws_free(&w);
    assert_int_equal(cva__select_ws_bytes(SIZE_MAX / 2, &bytes), CVA_E_OVERFLOW);
    free(buf);
}

/* The key mapping orders doubles as numbers, −0 as +0, and inverts. */
static void test_order_key(void **state)
{
    static const double x[] = {-(double)INFINITY, -1e308, -1.0, -5e-324, 0.0, 5e-324, 1.0, 1e308, (double)INFINITY};
    size_t i;
    (void)state;
    for (i = 0; i + 1 < sizeof x / sizeof x[0]; i++)
        assert_true(cva__order_key(x[i]) < cva__order_key(x[i + 1]));
    assert_true(cva__order_key(-0.0) == cva__order_key(0.0));
    for (i = 0; i < sizeof x / sizeof x[0]; i++)
        assert_true(cva__key_value(cva__order_key(x[i])) == x[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_path), cmocka_unit_test(test_sampled_path),
        cmocka_unit_test(test_uneven_fractions), cmocka_unit_test(test_fused),
        cmocka_unit_test(test_bad_and_empty), cmocka_unit_test(test_workspace),
        cmocka_unit_test(test_order_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
