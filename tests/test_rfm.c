/*
 * RFM: docs/methods/rfm.md#methods_rfm_vectors vectors, a brute-force sort-based reference for every
 * method on random data with heavy ties, kernel paths, chunking, maps.
 * SPDX-License-Identifier: MIT
 */
#define CVA_EXPERIMENTAL_API /* kernel selection (cva/common.h) */
#include "cva_test.h"
#include "../lib/rfm_kernels.h"

/* ------------------------------------------------------------------------ */
/* Reference: full sort, closed forms straight from docs/methods/rfm.md#methods_rfm_bins               */

typedef struct vi {
    double v;
    size_t i;
} vi;

static int cmp_vi(const void *x, const void *y)
{
    const vi *a = (const vi *)x, *b = (const vi *)y;
    if (a->v < b->v)
        return -1;
    if (a->v > b->v)
        return 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

static double q7(const double *sorted, size_t m, int j, int k)
{
    uint64_t h = (uint64_t)(m - 1) * (uint64_t)j;
    uint64_t lo = h / (uint64_t)k, fr = h % (uint64_t)k;
    double x1 = sorted[lo], x2 = lo + 1 < m ? sorted[lo + 1] : sorted[lo];
    return fr == 0 ? x1 : x1 + ((double)fr / k) * (x2 - x1);
}

/* Score one column by brute force; mask NaN = unscored (0). */
static void ref_score(const double *v, const double *mask, size_t n, int k, int method, int recency,
                      const double *fixed, int closure, int32_t *out)
{
    vi *a = (vi *)malloc((n + 1) * sizeof(vi));
    double *sorted = (double *)malloc((n + 1) * sizeof(double));
    size_t m = 0, p, i;
    for (i = 0; i < n; i++) {
        out[i] = 0;
        if (isnan(mask[i]))
            continue;
        a[m].v = (method == CVA_RFM_NTILE && recency) ? -v[i] : v[i];
        a[m].i = i;
        m++;
    }
    qsort(a, m, sizeof(vi), cmp_vi);
    for (p = 0; p < m; p++)
        sorted[p] = a[p].v;
    for (p = 0; p < m; p++) {
        int32_t b = 1;
        size_t pos = p + 1;
        int j;
        switch (method) {
        case CVA_RFM_RANK_FIRST:
            b = (pos == 1 || m == 1) ? 1 : (int32_t)(((uint64_t)k * (pos - 1) + m - 2) / (m - 1));
            break;
        case CVA_RFM_NTILE: {
            size_t q = m / (size_t)k, rho = m % (size_t)k;
            b = p < rho * (q + 1) ? (int32_t)(p / (q + 1) + 1) : (int32_t)(rho + (p - rho * (q + 1)) / q + 1);
            break;
        }
        case CVA_RFM_VALUE_CUTS:
            for (j = 1; j < k; j++)
                b += a[p].v > q7(sorted, m, j, k);
            break;
        case CVA_RFM_R_RFM:
            for (j = 1; j < k; j++)
                b += a[p].v >= q7(sorted, m, j, k) + 1.0;
            break;
        default:
            for (j = 0; fixed && j < k - 1; j++)
                b += closure == CVA_RFM_CLOSE_LEFT ? a[p].v >= fixed[j] : a[p].v > fixed[j];
        }
        if (recency && method != CVA_RFM_NTILE)
            b = k + 1 - b;
        out[a[p].i] = b;
    }
    free(a);
    free(sorted);
}

static void assert_bins_equal(const int32_t *got, const int32_t *want, size_t n, const char *what, int k,
                              int method)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (got[i] != want[i]) {
            print_error("%s k=%d method=%d: element %zu got %d want %d\n", what, k, method, i, got[i], want[i]);
            fail();
        }
}

/* ------------------------------------------------------------------------ */

static void score_one(const double *v, size_t n, int k, int method, int recency, int32_t *out)
{
    cva_rfm_opts o;
    cva_rfm_cuts c;
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = k;
    o.method = method;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    assert_true(cva_rfm_cuts_compute(v, n, recency ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &o, CVA_RFM_COL_RECENCY, &c, NULL, 0,
                                     NULL) >= 0);
    assert_status(cva_rfm_assign(v, 0, n, &c, CVA_KERNEL_AUTO, out, NULL), CVA_OK);
    {
        /* a bad kernel or cut set is named in the diag, and nothing is written */
        cva_diag d;
        cva_rfm_cuts bad = c;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_rfm_assign(v, 0, n, &c, 7, out, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 5);
        bad.bins = 0;
        assert_status(cva_rfm_assign(v, 0, n, &bad, CVA_KERNEL_AUTO, out, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 4);
        assert_non_null(strstr(d.detail, "cut set"));
    }
}

static void spec_vectors(void **state)
{
    const double M[] = {10, 20, 20, 20, 50, 60, 70, 80, 90, 100};
    const double F[] = {1, 2, 3, 4, 5, 6, 7};
    const double R[] = {5, 40, 40, 3, 120, 365, 0, 12, 40, 200};
    const double E[] = {7, 7, 7, 7};
    int32_t out[10];
    (void)state;
#define EXPECT(...)                                                \
    do {                                                           \
        const int32_t want_[] = {__VA_ARGS__};                     \
        assert_memory_equal(out, want_, sizeof want_);             \
    } while (0)
    score_one(M, 10, 5, CVA_RFM_RANK_FIRST, 0, out);
    EXPECT(1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
    score_one(M, 10, 5, CVA_RFM_NTILE, 0, out);
    EXPECT(1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
    score_one(M, 10, 5, CVA_RFM_VALUE_CUTS, 0, out);
    EXPECT(1, 1, 1, 1, 3, 3, 4, 4, 5, 5);
    score_one(M, 10, 5, CVA_RFM_R_RFM, 0, out);
    EXPECT(1, 1, 1, 1, 3, 3, 4, 4, 5, 5);
    score_one(F, 7, 5, CVA_RFM_RANK_FIRST, 0, out);
    EXPECT(1, 1, 2, 3, 4, 5, 5);
    score_one(F, 7, 5, CVA_RFM_NTILE, 0, out);
    EXPECT(1, 1, 2, 2, 3, 4, 5);
    score_one(R, 10, 5, CVA_RFM_RANK_FIRST, 1, out);
    EXPECT(4, 3, 3, 5, 2, 1, 5, 4, 2, 1);
    score_one(R, 10, 5, CVA_RFM_NTILE, 1, out);
    EXPECT(4, 2, 3, 5, 2, 1, 5, 4, 3, 1);
    score_one(R, 10, 5, CVA_RFM_VALUE_CUTS, 1, out);
    EXPECT(4, 3, 3, 5, 2, 1, 5, 4, 3, 1);
    score_one(R, 10, 5, CVA_RFM_R_RFM, 1, out);
    EXPECT(5, 3, 3, 5, 2, 1, 5, 4, 3, 1);
    score_one(E, 4, 5, CVA_RFM_RANK_FIRST, 0, out);
    EXPECT(1, 2, 4, 5);
    score_one(E, 4, 5, CVA_RFM_NTILE, 0, out);
    EXPECT(1, 2, 3, 4);
    score_one(E, 4, 5, CVA_RFM_VALUE_CUTS, 0, out);
    EXPECT(1, 1, 1, 1);
    score_one(E, 4, 5, CVA_RFM_R_RFM, 0, out);
    EXPECT(1, 1, 1, 1);
    /* published cut points */
    {
        cva_rfm_opts o;
        cva_rfm_cuts c;
        cva_rfm_opts_init_defaults(&o, sizeof o);
        o.method = CVA_RFM_VALUE_CUTS;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        assert_status(cva_rfm_cuts_compute(R, 10, CVA_RFM_RECENCY, &o, CVA_RFM_COL_RECENCY, &c, NULL, 0, NULL), CVA_OK);
        cva_assert_close(c.value[0], 4.6, 1e-15, 0);
        cva_assert_close(c.value[1], 28.8, 1e-15, 0);
        cva_assert_same(c.value[2], 40.0);
        cva_assert_same(c.value[3], 136.0);
        o.method = CVA_RFM_R_RFM;
        assert_status(cva_rfm_cuts_compute(M, 10, CVA_RFM_ASCENDING, &o, CVA_RFM_COL_MONETARY, &c, NULL, 0, NULL), CVA_OK);
        cva_assert_same(c.value[0], 21.0);
        cva_assert_same(c.value[1], 39.0);
        cva_assert_same(c.value[2], 65.0);
        cva_assert_same(c.value[3], 83.0);
    }
#undef EXPECT
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 33;
}

/* Every method, both directions, k from 1 to 100, heavy ties, NaN masks, both kernels. */
static void random_vs_reference(void **state)
{
    uint64_t s = 2024;
    int trial;
    (void)state;
    for (trial = 0; trial < 1500; trial++) {
        size_t n = (size_t)(lcg(&s) % 300), i;
        int k = trial % 10 == 0 ? 1 + (int)(lcg(&s) % 100) : 1 + (int)(lcg(&s) % 12);
        int method = trial % 5, recency = (trial / 5) % 2, distinct = 1 + (int)(lcg(&s) % 40);
        double *v = (double *)malloc((n + 1) * sizeof(double));
        double *mask = (double *)malloc((n + 1) * sizeof(double));
        double fixed[CVA_RFM_MAX_BINS];
        int32_t *got = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        int32_t *got2 = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        int32_t *want = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        cva_rfm_opts o;
        cva_rfm_cuts c;
        int st, j;
        for (i = 0; i < n; i++) {
            v[i] = (double)((int)(lcg(&s) % (uint64_t)distinct) - distinct / 3) * 0.5;
            if (lcg(&s) % 17 == 0)
                v[i] = -0.0;
            mask[i] = (lcg(&s) % 9 == 0) ? (double)NAN : v[i];
            if (isnan(mask[i]))
                v[i] = (double)NAN;
        }
        for (j = 0; j < k - 1; j++)
            fixed[j] = (double)(j - 3) * 0.75;
        cva_rfm_opts_init_defaults(&o, sizeof o);
        o.bins = k;
        o.method = method;
        o.f_cuts = fixed;
        o.fixed_closure = trial % 3 == 0 ? CVA_RFM_CLOSE_LEFT : CVA_RFM_CLOSE_RIGHT;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        st = cva_rfm_cuts_compute(v, n, recency ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &o, CVA_RFM_COL_FREQUENCY, &c,
                                  NULL, 0, NULL);
        assert_true(st >= 0);
        assert_status(cva_rfm_assign(v, 0, n, &c, CVA_KERNEL_AUTO, got, NULL), CVA_OK);
        ref_score(v, mask, n, k, method, recency, fixed, o.fixed_closure, want);
        assert_bins_equal(got, want, n, "auto", k, method);
        /* the scalar path gives the same integers */
        {
            cva_rfm_cuts c2 = c;
            memset(c2.count, 0, sizeof c2.count);
            assert_status(cva_rfm_assign(v, 0, n, &c2, CVA_KERNEL_SCALAR, got2, NULL), CVA_OK);
            assert_memory_equal(got, got2, n * sizeof(int32_t));
        }
        /* chunks with global offsets reproduce the whole column, counts add up */
        {
            cva_rfm_cuts c3 = c;
            size_t pos = 0;
            uint64_t total = 0;
            memset(c3.count, 0, sizeof c3.count);
            while (pos < n) {
                size_t len = 1 + (size_t)(lcg(&s) % 97);
                if (len > n - pos)
                    len = n - pos;
                assert_status(cva_rfm_assign(v + pos, pos, len, &c3, CVA_KERNEL_AUTO, got2 + pos, NULL), CVA_OK);
                pos += len;
            }
            assert_memory_equal(got, got2, n * sizeof(int32_t));
            assert_memory_equal(c.count, c3.count, sizeof c.count);
            for (j = 0; j < k; j++)
                total += c.count[j];
            assert_int_equal(total, c.scored);
        }
        free(v);
        free(mask);
        free(got);
        free(got2);
        free(want);
    }
}

/* cva_rfm_score on three columns with an unscored mask = NaN recency, and W_TIES. */
static void score_three(void **state)
{
    enum { N = 2000 };
    static double R[N], F[N], M[N];
    static int32_t r[N], f[N], m[N], wr[N], wf[N], wm[N];
    uint64_t s = 7;
    size_t i;
    int method;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < N; i++) {
        R[i] = (lcg(&s) % 10 == 0) ? (double)NAN : (double)(lcg(&s) % 365);
        F[i] = (double)(1 + lcg(&s) % 6);
        M[i] = (double)((int)(lcg(&s) % 5000) - 300) / 4.0;
    }
    for (method = 0; method < 4; method++) {
        cva_rfm_opts o;
        cva_rfm_cuts cuts[3];
        int st;
        cva_rfm_opts_init_defaults(&o, sizeof o);
        o.method = method;
        memset(cuts, 0, sizeof cuts);
        cuts[0].struct_size = cuts[1].struct_size = cuts[2].struct_size = sizeof cuts[0];
        st = cva_rfm_score(R, F, M, N, &o, r, f, m, cuts, NULL, 0, &d);
        ref_score(R, R, N, 5, method, 1, NULL, 0, wr);
        ref_score(F, R, N, 5, method, 0, NULL, 0, wf);
        ref_score(M, R, N, 5, method, 0, NULL, 0, wm);
        assert_bins_equal(r, wr, N, "R", 5, method);
        assert_bins_equal(f, wf, N, "F", 5, method);
        assert_bins_equal(m, wm, N, "M", 5, method);
        if (method <= CVA_RFM_NTILE)
            assert_int_equal(st, CVA_W_TIES); /* F has only six values */
        else
            assert_int_equal(st, CVA_OK);
        assert_true(cuts[1].scored > 0 && cuts[1].scored < N);
        /* caller workspace gives the same result */
        {
            size_t ws;
            void *w;
            int32_t r2[N];
            assert_status(cva_rfm_workspace_size(N, &ws), CVA_OK);
            w = malloc(ws);
            assert_status(cva_rfm_score(R, F, M, N, &o, r2, f, m, NULL, w, ws, NULL), st);
            assert_memory_equal(r, r2, sizeof r2);
            assert_status(cva_rfm_score(R, F, M, N, &o, r2, f, m, NULL, w, 100, NULL),
                          CVA_E_WORKSPACE_TOO_SMALL);
            free(w);
        }
    }
    /* non-finite F for a scored customer */
    F[3] = (double)NAN;
    R[3] = 1;
    assert_status(cva_rfm_score(R, F, M, N, NULL, r, f, m, NULL, NULL, 0, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 3);
    /* NaN F for an unscored customer is fine */
    R[3] = (double)NAN;
    assert_true(cva_rfm_score(R, F, M, N, NULL, r, f, m, NULL, NULL, 0, &d) >= 0);
    assert_int_equal(r[3], 0);
    assert_int_equal(f[3], 0);
    assert_int_equal(m[3], 0);
}

static void edge_cases(void **state)
{
    const double one[] = {3.0};
    const double nan1[] = {(double)NAN, (double)NAN};
    int32_t r[2], f[2], m[2];
    cva_rfm_opts o;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    /* m = 1: rank-first/value cuts S_R = k, others 1; NTILE all 1 */
    assert_status(cva_rfm_score(one, one, one, 1, NULL, r, f, m, NULL, NULL, 0, NULL), CVA_OK);
    assert_int_equal(r[0], 5);
    assert_int_equal(f[0], 1);
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.method = CVA_RFM_NTILE;
    assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, NULL), CVA_OK);
    assert_int_equal(r[0], 1);
    /* k = 1: every score 1 */
    o.method = CVA_RFM_RANK_FIRST;
    o.bins = 1;
    assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, NULL), CVA_OK);
    assert_int_equal(r[0], 1);
    /* nobody scored */
    assert_status(cva_rfm_score(nan1, nan1, nan1, 2, NULL, r, f, m, NULL, NULL, 0, NULL), CVA_W_EMPTY);
    assert_int_equal(r[1], 0);
    /* n = 0 */
    assert_status(cva_rfm_score(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL), CVA_W_EMPTY);
    /* n = 0 with a workspace below cva_rfm_workspace_size(0): an error before the
       empty case, as cva_rfm_cuts_compute() (a fuzz find: it returned W_EMPTY);
       the exact size still gives W_EMPTY with bins and counts in the cut sets */
    {
        size_t ws;
        unsigned char *w;
        cva_rfm_cuts c3[3];
        assert_status(cva_rfm_workspace_size(0, &ws), CVA_OK);
        assert_true(ws > 1);
        w = malloc(ws);
        assert_non_null(w);
        memset(c3, 0xA5, sizeof c3);
        c3[0].struct_size = c3[1].struct_size = c3[2].struct_size = sizeof c3[0];
        cva_diag_init(&d, sizeof d);
        assert_status(cva_rfm_score(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, c3, w, ws - 1, &d),
                      CVA_E_WORKSPACE_TOO_SMALL);
        assert_int_equal(d.arg, 11);
        assert_int_equal(c3[1].bins, (int32_t)0xA5A5A5A5); /* untouched */
        memset(&c3[0], 0, sizeof c3[0]);
        c3[0].struct_size = sizeof c3[0];
        assert_status(cva_rfm_cuts_compute(NULL, 0, CVA_RFM_ASCENDING, NULL, 0, &c3[0], w, ws - 1, NULL),
                      CVA_E_WORKSPACE_TOO_SMALL);
        c3[1].struct_size = c3[2].struct_size = sizeof c3[0];
        assert_status(cva_rfm_score(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, c3, w, ws, NULL), CVA_W_EMPTY);
        assert_int_equal(c3[1].bins, 5);
        assert_int_equal(c3[1].count[0], 0);
        free(w);
    }
    /* options */
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = 0;
    assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_RFM_BINS);
    o.bins = 101;
    assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, &d), CVA_E_OPTION);
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.method = CVA_RFM_FIXED;
    assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_RFM_CUTS);
    {
        const double bad[] = {3, 2, 5, 6};
        o.r_cuts = o.f_cuts = o.m_cuts = bad;
        assert_status(cva_rfm_score(one, one, one, 1, &o, r, f, m, NULL, NULL, 0, &d), CVA_E_OPTION);
    }
    /* infinite recency */
    {
        const double inf[] = {(double)INFINITY};
        assert_status(cva_rfm_score(inf, one, one, 1, NULL, r, f, m, NULL, NULL, 0, &d), CVA_E_NONFINITE);
    }
    assert_status(cva_rfm_score(one, one, one, 1, NULL, NULL, f, m, NULL, NULL, 0, &d), CVA_E_NULLPTR);
}

/* Fixed business thresholds on recency: 30/60/90/180 days. */
static void fixed_recency(void **state)
{
    const double R[] = {0, 30, 31, 60, 90, 120, 180, 181, 400};
    const double cuts[] = {30, 60, 90, 180};
    int32_t r[9], f[9], m[9];
    cva_rfm_opts o;
    const int32_t want[] = {5, 5, 4, 4, 3, 2, 2, 1, 1};
    (void)state;
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.method = CVA_RFM_FIXED;
    o.r_cuts = o.f_cuts = o.m_cuts = cuts;
    assert_status(cva_rfm_score(R, R, R, 9, &o, r, f, m, NULL, NULL, 0, NULL), CVA_OK);
    assert_memory_equal(r, want, sizeof want);
}

static void maps(void **state)
{
    const cva_rfm_rule *rules;
    size_t nr, j;
    uint32_t cells[16], unc, sh, unr;
    (void)state;
    /* default: complete */
    assert_status(cva_rfm_map_get(CVA_RFM_MAP_RF10_GRID, &rules, &nr), CVA_OK);
    assert_int_equal(nr, 10);
    assert_status(cva_rfm_map_check(rules, nr, 5, cells, &unc, &sh, &unr, NULL), CVA_OK);
    assert_int_equal(unc, 0);
    assert_int_equal(sh, 0);
    assert_int_equal(unr, 0);
    {
        uint32_t sum = 0;
        for (j = 0; j < nr; j++) {
            assert_true(cells[j] > 0);
            sum += cells[j];
        }
        assert_int_equal(sum, 125);
    }
    /* Hebbali: 7 of 11 labels reachable, counts of docs/methods/rfm.md#methods_rfm_maps */
    assert_status(cva_rfm_map_get(CVA_RFM_MAP_RFM11_HEBBALI, &rules, &nr), CVA_OK);
    assert_status(cva_rfm_map_check(rules, nr, 5, cells, &unc, &sh, &unr, NULL), CVA_W_MAP);
    {
        const uint32_t want[] = {8, 28, 24, 0, 0, 3, 3, 20, 0, 3, 0};
        assert_memory_equal(cells, want, sizeof want);
    }
    assert_int_equal(unc, 36);
    assert_int_equal(sh, 4);
    assert_int_equal(unr, 4);
    /* specific first: 10 of 11 */
    assert_status(cva_rfm_map_get(CVA_RFM_MAP_RFM11_SPECIFIC_FIRST, &rules, &nr), CVA_OK);
    assert_status(cva_rfm_map_check(rules, nr, 5, cells, &unc, &sh, &unr, NULL), CVA_W_MAP);
    {
        const uint32_t want[] = {2, 1, 4, 8, 28, 21, 3, 3, 16, 3, 0};
        assert_memory_equal(cells, want, sizeof want);
    }
    assert_int_equal(unc, 36);
    assert_int_equal(unr, 1);
    assert_status(cva_rfm_map_get(99, &rules, &nr), CVA_E_BADARG);
    {
        const cva_rfm_rule bad[] = {{CVA_LABEL_CUSTOM_FIRST, 1, 5, 1, 5, 1, 5}, {CVA_LABEL_CUSTOM_FIRST, 3, 2, 1, 5, 1, 5}};
        cva_diag d;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_rfm_map_check(bad + 1, 1, 5, NULL, NULL, NULL, NULL, NULL), CVA_E_BADARG);
        assert_status(cva_rfm_map_check(bad, 2, 5, NULL, NULL, NULL, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 1); /* the rule with lo > hi */
        assert_non_null(strstr(d.detail, "lo > hi"));
    }
}

static void segments(void **state)
{
    const int32_t r[] = {5, 5, 1, 3, 0, 4};
    const int32_t f[] = {5, 1, 5, 3, 2, 1};
    const int32_t m[] = {1, 1, 5, 4, 2, 1};
    int32_t seg[6];
    cva_diag d;
    const cva_rfm_rule *rules;
    size_t nr;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_rfm_segment(r, f, m, 6, 5, NULL, 0, seg, &d), CVA_OK);
    assert_int_equal(seg[0], CVA_RFM_SEG_CHAMPIONS);
    assert_int_equal(seg[1], CVA_RFM_SEG_NEW);
    assert_int_equal(seg[2], CVA_RFM_SEG_CANT_LOSE);
    assert_int_equal(seg[3], CVA_RFM_SEG_NEED_ATTENTION);
    assert_int_equal(seg[4], CVA_RFM_SEG_NONE);
    assert_int_equal(seg[5], CVA_RFM_SEG_PROMISING);
    assert_string_equal(cva_label(seg[0]), "Champions");
    assert_string_equal(cva_label(CVA_RFM_SEG_CANT_LOSE), "Can't Lose Them");
    assert_string_equal(cva_label(4242), "");
    assert_status(cva_rfm_map_get(CVA_RFM_MAP_RFM11_HEBBALI, &rules, &nr), CVA_OK);
    assert_status(cva_rfm_segment(r, f, m, 6, 5, rules, nr, seg, &d), CVA_OK);
    assert_int_equal(seg[0], CVA_RFM_SEG_OTHERS);             /* 5,5,1 matches no box */
    assert_int_equal(seg[1], CVA_RFM_SEG_POTENTIAL_LOYALIST); /* shadows New Customers */
    assert_int_equal(seg[2], CVA_RFM_SEG_AT_RISK);            /* shadows Can't Lose Them */
    assert_status(cva_rfm_segment(r, f, m, 6, 4, rules, nr, seg, &d), CVA_E_BADARG);
    {
        const int32_t bad[] = {6};
        assert_status(cva_rfm_segment(bad, f, m, 1, 5, NULL, 0, seg, &d), CVA_E_BADARG);
    }
    /* custom map with k = 3 */
    {
        const cva_rfm_rule custom[] = {{CVA_LABEL_CUSTOM_FIRST + 1, 3, 3, 1, 3, 1, 3}, {CVA_LABEL_CUSTOM_FIRST + 2, 1, 2, 1, 3, 1, 3}};
        const int32_t r3[] = {3, 1, 2};
        const int32_t o3[] = {1, 2, 3};
        assert_status(cva_rfm_segment(r3, o3, o3, 3, 3, custom, 2, seg, &d), CVA_OK);
        assert_int_equal(seg[0], CVA_LABEL_CUSTOM_FIRST + 1);
        assert_int_equal(seg[1], CVA_LABEL_CUSTOM_FIRST + 2);
        assert_status(cva_rfm_map_check(custom, 2, 3, NULL, NULL, NULL, NULL, NULL), CVA_OK);
    }
}

static void composite_and_report(void **state)
{
    const int32_t r[] = {5, 1, 0, 3};
    const int32_t f[] = {4, 2, 0, 3};
    const int32_t m[] = {3, 1, 0, 5};
    const int32_t seg[] = {CVA_RFM_SEG_CHAMPIONS, CVA_RFM_SEG_HIBERNATING, CVA_RFM_SEG_NONE, CVA_RFM_SEG_CHAMPIONS};
    const double rev[] = {100, 10, -5, 45};
    int32_t cell[4];
    double w[4], fm[4];
    cva_rfm_opts o;
    cva_rfm_segment_stat st[3];
    size_t ns;
    (void)state;
    assert_status(cva_rfm_composite(r, f, m, 4, NULL, cell, w, fm, NULL), CVA_OK);
    assert_int_equal(cell[0], 543);
    assert_int_equal(cell[2], 0);
    cva_assert_close(w[0], 4.0, 1e-15, 0);
    cva_assert_same(w[2], (double)NAN);
    cva_assert_same(fm[3], 4.0);
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = 10;
    o.w_r = 2;
    o.w_f = 1;
    o.w_m = 1;
    assert_status(cva_rfm_composite(r, f, m, 4, &o, cell, w, NULL, NULL), CVA_OK);
    assert_int_equal(cell[0], (5 * 11 + 4) * 11 + 3);
    cva_assert_close(w[0], (10.0 + 4 + 3) / 4, 1e-15, 0);
    o.w_r = -1;
    assert_status(cva_rfm_composite(r, f, m, 4, &o, cell, w, NULL, NULL), CVA_E_OPTION);
    {
        /* the diag says which option, argument and element are at fault */
        const int32_t r_bad[] = {5, 0, 6, 1};
        cva_diag d;
        cva_diag_init(&d, sizeof d);
        assert_status(cva_rfm_composite(r, f, m, 4, &o, cell, w, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_RFM_WEIGHTS);
        assert_status(cva_rfm_composite(r_bad, f, m, 4, NULL, cell, w, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.arg, 1);
        assert_int_equal(d.index, 2);
        assert_status(cva_rfm_report(seg, r, f, m, rev, 4, st, 1, &ns, &d), CVA_E_BUFFER_TOO_SMALL);
        assert_int_equal(d.count, 3);
        assert_int_equal(d.arg, 8);
    }

    assert_status(cva_rfm_report(seg, r, f, m, rev, 4, st, 1, &ns, NULL), CVA_E_BUFFER_TOO_SMALL);
    assert_int_equal(ns, 3);
    assert_status(cva_rfm_report(seg, r, f, m, rev, 4, st, 3, &ns, NULL), CVA_OK);
    assert_int_equal(st[0].label, CVA_RFM_SEG_NONE);
    assert_int_equal(st[1].label, CVA_RFM_SEG_CHAMPIONS);
    assert_int_equal(st[1].count, 2);
    cva_assert_same(st[1].share, 0.5);
    cva_assert_same(st[1].mean_r, 4.0);
    cva_assert_same(st[1].revenue, 145.0);
    cva_assert_close(st[1].revenue_share, 145.0 / 150.0, 1e-15, 0);
    assert_int_equal(st[2].label, CVA_RFM_SEG_HIBERNATING);
}

static void raw_and_influence(void **state)
{
    const double last[] = {10, (double)NAN, 3};
    const uint32_t n_txn[] = {4, 0, 1}, n_occ[] = {3, 0, 1};
    const double total[] = {100, -5, 7}, mx[] = {12.5, (double)NAN, 0};
    double R[3], F[3], M[3];
    cva_rfm_opts o;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_rfm_raw(12, last, n_txn, n_occ, total, mx, 3, NULL, R, F, M, &d), CVA_OK);
    cva_assert_same(R[0], 2.0);
    cva_assert_same(R[1], (double)NAN);
    cva_assert_same(F[0], 4.0);
    cva_assert_same(M[1], -5.0);
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.frequency = CVA_RFM_F_REPEAT;
    o.monetary = CVA_RFM_M_MEAN;
    assert_status(cva_rfm_raw(12, last, n_txn, n_occ, total, mx, 3, &o, R, F, M, &d), CVA_OK);
    cva_assert_same(F[0], 2.0);
    cva_assert_same(M[0], 25.0);
    cva_assert_same(M[1], (double)NAN);
    o.frequency = CVA_RFM_F_OCC;
    o.monetary = CVA_RFM_M_REPEAT_MEAN;
    assert_status(cva_rfm_raw(12, last, n_txn, n_occ, total, mx, 3, &o, R, F, M, &d), CVA_OK);
    cva_assert_same(F[0], 3.0);
    cva_assert_same(M[0], 12.5);
    assert_status(cva_rfm_raw(5, last, n_txn, n_occ, total, mx, 3, NULL, R, F, M, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 0);

    {
        const uint32_t rn[] = {0, 3, 1, 2, 5, 1, 1, 0, 2, 1, 1};
        const double ra[] = {0, 50, 10, 50, 80, 5, 5, 0, 1, 2, 3};
        int32_t flag[11];
        /* 9 referrers: top ceil(1.8) = 2 by money: 80 (idx 4), then 50 (idx 1, before idx 3) */
        assert_status(cva_rfm_high_influence(rn, ra, 11, 0.20, flag, NULL), CVA_OK);
        {
            cva_diag hd;
            cva_diag_init(&hd, sizeof hd);
            assert_status(cva_rfm_high_influence(rn, ra, 11, 1.5, flag, &hd), CVA_E_OPTION);
            assert_int_equal(hd.arg, 4);
            assert_non_null(strstr(hd.detail, "share"));
            assert_status(cva_rfm_high_influence(rn, ra, 11, 0.20, flag, NULL), CVA_OK);
        }
        assert_int_equal(flag[4], 1);
        assert_int_equal(flag[1], 1);
        assert_int_equal(flag[3], 0);
        assert_int_equal(flag[0] + flag[2] + flag[5] + flag[6] + flag[7] + flag[8] + flag[9] + flag[10], 0);
        assert_status(cva_rfm_high_influence(rn, ra, 11, 1.5, flag, NULL), CVA_E_OPTION);
    }
}

/* Allocator hook: count calls and live blocks, fail the fail_at-th allocation. */
typedef struct fail_alloc {
    int calls, fail_at, live;
} fail_alloc;

static void *fa_alloc(void *user, size_t size)
{
    fail_alloc *f = (fail_alloc *)user;
    f->calls++;
    if (f->calls == f->fail_at)
        return NULL;
    f->live++;
    return malloc(size);
}

static void fa_free(void *user, void *p)
{
    fail_alloc *f = (fail_alloc *)user;
    if (p)
        f->live--;
    free(p);
}

/* cva_rfm_high_influence_advanced(): the same flags as cva_rfm_high_influence(, NULL), its two
   blocks from the caller's allocator (failing the k-th for every k: CVA_E_NOMEM, flag
   untouched, nothing leaked), and the argument at fault in diag. */
static void influence_allocator_and_oom(void **state)
{
    const uint32_t rn[] = {0, 3, 1, 2, 5, 1, 1, 0, 2, 1, 1};
    const double ra[] = {0, 50, 10, 50, 80, 5, 5, 0, 1, 2, 3};
    double bad[11];
    int32_t want[11], flag[11];
    fail_alloc f = {0, 0, 0};
    cva_allocator al = {fa_alloc, fa_free, &f};
    cva_diag d;
    size_t i;
    int k;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_rfm_high_influence(rn, ra, 11, 0.5, want, NULL), CVA_OK);
    /* 9 referrers, top ceil(4.5) = 5: 80 (4), 50 (1), 50 (3), 10 (2), 5 (5, before 6) */
    for (i = 0; i < 11; i++)
        assert_int_equal(want[i], i == 4 || i == 1 || i == 3 || i == 2 || i == 5);
    assert_status(cva_rfm_high_influence_advanced(rn, ra, 11, 0.5, flag, &al, &d), CVA_OK);
    assert_int_equal(d.status, CVA_OK);
    assert_int_equal(f.calls, 2);
    assert_int_equal(f.live, 0);
    for (i = 0; i < 11; i++)
        assert_int_equal(flag[i], want[i]);
    assert_status(cva_rfm_high_influence_advanced(rn, ra, 11, 0.5, flag, NULL, NULL), CVA_OK);
    for (i = 0; i < 11; i++)
        assert_int_equal(flag[i], want[i]);
    for (k = 1; k <= 2; k++) {
        f.calls = 0;
        f.fail_at = k;
        f.live = 0;
        for (i = 0; i < 11; i++)
            flag[i] = -3;
        assert_status(cva_rfm_high_influence_advanced(rn, ra, 11, 0.5, flag, &al, &d), CVA_E_NOMEM);
        assert_int_equal(d.status, CVA_E_NOMEM);
        assert_int_equal(f.live, 0);
        for (i = 0; i < 11; i++)
            assert_int_equal(flag[i], -3);
    }
    /* errors, with the argument at fault; no allocation before the checks pass */
    f.calls = 0;
    f.fail_at = 0;
    assert_status(cva_rfm_high_influence_advanced(rn, ra, 11, 1.5, flag, &al, &d), CVA_E_OPTION);
    assert_int_equal(d.arg, 4);
    assert_status(cva_rfm_high_influence_advanced(rn, NULL, 11, 0.5, flag, &al, &d), CVA_E_NULLPTR);
    assert_int_equal(d.arg, 2);
    assert_status(cva_rfm_high_influence_advanced(rn, ra, 11, 0.5, NULL, &al, &d), CVA_E_NULLPTR);
    assert_int_equal(d.arg, 5);
    for (i = 0; i < 11; i++)
        bad[i] = ra[i];
    bad[7] = (double)NAN; /* not a referrer: ignored */
    bad[8] = (double)INFINITY;
    assert_status(cva_rfm_high_influence_advanced(rn, bad, 11, 0.5, flag, &al, &d), CVA_E_NONFINITE);
    assert_int_equal(d.arg, 2);
    assert_int_equal(d.index, 8);
    assert_int_equal(f.calls, 0);
    {
        const uint32_t none[3] = {0, 0, 0};
        assert_status(cva_rfm_high_influence_advanced(none, ra, 3, 0.5, flag, &al, &d), CVA_W_EMPTY);
        assert_int_equal(d.status, CVA_W_EMPTY);
        assert_int_equal(flag[0] + flag[1] + flag[2], 0);
        assert_int_equal(f.calls, 0);
    }
}

/* Columns above 2^16 elements take the sampled selection path (sample, brackets,
   one counting pass, gathered brackets, tie runs found from per-block counts):
   every method against the brute-force reference on heavy ties, one huge run
   plus outliers, all-equal values, NaN masks, negative values, -0.0 and 0.0,
   continuous values, both kernels and the caller workspace. */
static void sampled_path(void **state)
{
    const size_t sizes[2] = {70001, 150000};
    const int ks[4] = {2, 5, 11, 12};
    uint64_t s = 99;
    int data, si;
    (void)state;
    for (si = 0; si < 2; si++) {
        const size_t n = sizes[si];
        double *v = (double *)malloc(n * sizeof(double));
        double *mask = (double *)malloc(n * sizeof(double));
        int32_t *got = (int32_t *)malloc(n * sizeof(int32_t));
        int32_t *got2 = (int32_t *)malloc(n * sizeof(int32_t));
        int32_t *want = (int32_t *)malloc(n * sizeof(int32_t));
        size_t ws;
        void *work;
        assert_status(cva_rfm_workspace_size(n, &ws), CVA_OK);
        work = malloc(ws);
        for (data = 0; data < 6; data++) {
            size_t i;
            int ki, method, recency;
            for (i = 0; i < n; i++) {
                uint64_t u = lcg(&s);
                switch (data) {
                case 0: /* geometric-like counts: heavy ties */
                    v[i] = (double)(1 + (u % 7 == 0) + (u % 5 == 0) + (u % 3 == 0) * (u % 11));
                    break;
                case 1: /* one value holds 60 %, outliers at both ends, denormals */
                    v[i] = u % 5 < 3 ? 1.0 : (double)(u % 1000) - 400.0;
                    if (u % 997 == 0)
                        v[i] = (u & 1) ? 1e300 : -1e300;
                    if (u % 991 == 0)
                        v[i] = 4.9e-324;
                    break;
                case 2: /* all equal */
                    v[i] = 7.0;
                    break;
                case 3: /* continuous money, some negative */
                    v[i] = ((double)(u % 2000003) - 100000.0) / 100.0;
                    break;
                case 4: /* zeros of both signs around a heavy run */
                    v[i] = u % 3 == 0 ? -0.0 : u % 3 == 1 ? 0.0 : (double)(u % 50) - 25.0;
                    break;
                default: /* integer days with a long tail */
                    v[i] = (double)((u % 100) * (u % 13) / (1 + u % 4));
                }
                mask[i] = (data != 2 && lcg(&s) % 13 == 0) ? (double)NAN : v[i];
                if (isnan(mask[i]))
                    v[i] = (double)NAN;
            }
            for (ki = 0; ki < 4; ki++)
                for (method = 0; method < 4; method++)
                    for (recency = 0; recency < 2; recency++) {
                        const int k = ks[ki];
                        cva_rfm_opts o;
                        cva_rfm_cuts c, c2;
                        if ((ki + method + recency + data) % 2)
                            continue; /* half the grid keeps the test fast */
                        cva_rfm_opts_init_defaults(&o, sizeof o);
                        o.bins = k;
                        o.method = method;
                        memset(&c, 0, sizeof c);
                        c.struct_size = sizeof c;
                        assert_true(cva_rfm_cuts_compute(v, n, recency ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &o,
                                                         0, &c, NULL, 0, NULL) >= 0);
                        assert_status(cva_rfm_assign(v, 0, n, &c, CVA_KERNEL_AUTO, got, NULL), CVA_OK);
                        ref_score(v, mask, n, k, method, recency, NULL, 0, want);
                        assert_bins_equal(got, want, n, "sampled", k, method);
                        /* scalar kernels and the caller workspace give the same cut set and bins */
                        o.kernel = CVA_KERNEL_SCALAR;
                        memset(&c2, 0, sizeof c2);
                        c2.struct_size = sizeof c2;
                        assert_true(cva_rfm_cuts_compute(v, n, recency ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &o,
                                                         0, &c2, work, ws, NULL) >= 0);
                        assert_memory_equal(c.value, c2.value, sizeof c.value);
                        assert_memory_equal(c.index, c2.index, sizeof c.index);
                        assert_int_equal(c.ties_split, c2.ties_split);
                        assert_status(cva_rfm_assign(v, 0, n, &c2, CVA_KERNEL_SCALAR, got2, NULL), CVA_OK);
                        assert_memory_equal(got, got2, n * sizeof(int32_t));
                    }
        }
        /* an infinite value for a scored element is reported with its index */
        for (size_t i = 0; i < n; i++)
            v[i] = mask[i] = (double)(i % 10);
        v[n - 3] = (double)INFINITY;
        {
            cva_rfm_cuts c;
            cva_diag d;
            cva_diag_init(&d, sizeof d);
            memset(&c, 0, sizeof c);
            c.struct_size = sizeof c;
            assert_status(cva_rfm_cuts_compute(v, n, CVA_RFM_ASCENDING, NULL, CVA_RFM_COL_RECENCY, &c, NULL, 0, &d), CVA_E_NONFINITE);
            assert_int_equal(d.index, (int64_t)(n - 3));
        }
        free(work);
        free(v);
        free(mask);
        free(got);
        free(got2);
        free(want);
    }
}

/* The vector kernels (AVX-512 when the CPU has it, else AVX2) against the scalar
   reference kernel: every cut-set shape — tie indexes inside, before and after a
   block and straddling 16-lane chunks, left closure, reverse, negate, k up to 100,
   NaN masks, -0.0 and 0.0 (cut at either zero), infinite values and cuts, NaN
   cuts, lengths and offsets that are not multiples of the vector width. */
static void vector_kernels_vs_scalar(void **state)
{
    const size_t n = 5000;
    double *v = (double *)malloc(n * sizeof(double));
    int32_t *a = (int32_t *)malloc(n * sizeof(int32_t));
    int32_t *b = (int32_t *)malloc(n * sizeof(int32_t));
    uint64_t s = 4242;
    int trial;
    (void)state;
    for (trial = 0; trial < 600; trial++) {
        const int k = trial % 7 == 0 ? 1 + (int)(lcg(&s) % 100) : 1 + (int)(lcg(&s) % 17);
        const int distinct = 1 + (int)(lcg(&s) % 30);
        const size_t len = 1 + (size_t)(lcg(&s) % n), off = (size_t)(lcg(&s) % 3000);
        cva_rfm_cuts c1, c2;
        size_t i;
        int j;
        for (i = 0; i < len; i++) {
            const uint64_t u = lcg(&s);
            v[i] = (double)((int)(u % (uint64_t)distinct) - distinct / 2);
            if (u % 23 == 0)
                v[i] = -0.0;
            if (u % 29 == 0)
                v[i] = (double)NAN;
            if (trial % 11 == 0 && u % 31 == 0)
                v[i] = (u & 64) ? (double)INFINITY : -(double)INFINITY;
        }
        memset(&c1, 0, sizeof c1);
        c1.struct_size = sizeof c1;
        c1.bins = k;
        c1.closure = trial % 4 == 3 ? CVA_RFM_CLOSE_LEFT : CVA_RFM_CLOSE_RIGHT;
        c1.reverse = (trial / 2) % 2;
        c1.negate = (trial / 5) % 2;
        for (j = 0; j < k - 1; j++) {
            c1.value[j] = (double)((int)(lcg(&s) % (uint64_t)(distinct + 2)) - distinct / 2 - 1);
            if (j > 0 && c1.value[j] < c1.value[j - 1])
                c1.value[j] = c1.value[j - 1];
            c1.index[j] = lcg(&s) % 3 == 0 ? INT64_MAX : (int64_t)(lcg(&s) % (off + len + 40)) - 20;
        }
        if (k > 1 && trial % 13 == 0)
            c1.value[0] = -(double)INFINITY;
        if (k > 2 && trial % 17 == 0)
            c1.value[k - 2] = (double)INFINITY;
        if (k > 1 && trial % 19 == 0)
            c1.value[0] = trial % 2 ? -0.0 : 0.0;
        if (k > 1 && trial % 37 == 0)
            c1.value[k / 2 - 1 + (k == 2)] = (double)NAN;
        c2 = c1;
        assert_status(cva_rfm_assign(v, off, len, &c1, CVA_KERNEL_AUTO, a, NULL), CVA_OK);
        assert_status(cva_rfm_assign(v, off, len, &c2, CVA_KERNEL_SCALAR, b, NULL), CVA_OK);
        assert_memory_equal(a, b, len * sizeof(int32_t));
        assert_memory_equal(c1.count, c2.count, sizeof c1.count);
    }
    free(v);
    free(a);
    free(b);
}

/* The counting kernel of the sampled selection: every ISA variant gives the
   portable kernel's counts and inside bitmap (brackets, single pivots, NaN
   masks, infinities, -0.0, short blocks). */
static void count_kernels_agree(void **state)
{
    double v[KBLOCK], mask[KBLOCK], q[CVA_RFM_MAX_PIVOTS];
    int64_t hi[CVA_RFM_MAX_PIVOTS], lo[CVA_RFM_MAX_PIVOTS];
    uint64_t s = 777;
    int trial;
    (void)state;
    for (trial = 0; trial < 3000; trial++) {
        const size_t len = trial % 3 == 0 ? KBLOCK : 1 + (size_t)(lcg(&s) % KBLOCK);
        const int distinct = 2 + (int)(lcg(&s) % 40);
        const double sign = trial % 2 ? -1.0 : 1.0;
        int32_t np = 0, t;
        size_t i;
        double prev = -(double)INFINITY;
        for (i = 0; i < len; i++) {
            const uint64_t u = lcg(&s);
            v[i] = (double)((int)(u % (uint64_t)distinct) - distinct / 2);
            if (u % 41 == 0)
                v[i] = -0.0;
            if (u % 97 == 0)
                v[i] = (u & 128) ? (double)INFINITY : -(double)INFINITY;
            mask[i] = u % 7 == 0 ? (double)NAN : v[i];
            if (u % 89 == 0)
                v[i] = (double)NAN; /* kept NaN: counted as bad */
        }
        /* ascending pivots: brackets (lo, hi) and single pivots */
        while (np + 2 <= CVA_RFM_MAX_PIVOTS && lcg(&s) % 6 != 0) {
            double a = prev + 1.0 + (double)(lcg(&s) % 4);
            if (np == 0)
                a = (double)(-distinct / 2 - 2 + (int)(lcg(&s) % 4));
            if (lcg(&s) % 3 == 0) {
                q[np] = a;
                hi[np] = lo[np] = 0;
                np++;
                prev = a;
            } else {
                q[np] = a;
                q[np + 1] = a + 1.0 + (double)(lcg(&s) % 5);
                lo[np] = 1;
                hi[np] = 0;
                lo[np + 1] = 0;
                hi[np + 1] = 1;
                prev = q[np + 1];
                np += 2;
            }
        }
        if (np > 0 && trial % 10 == 0)
            q[0] = -(double)INFINITY;
        {
            int64_t lt1[CVA_RFM_MAX_PIVOTS], le1[CVA_RFM_MAX_PIVOTS], k1, b1;
            uint64_t in1[KBLOCK / 64];
            cva__rfm_count(v, mask, len, sign, q, hi, lo, np, lt1, le1, in1, &k1, &b1);
#ifdef CVA_HAVE_AVX2_KERNEL
            if (__builtin_cpu_supports("avx2")) {
                int64_t lt2[CVA_RFM_MAX_PIVOTS], le2[CVA_RFM_MAX_PIVOTS], k2, b2;
                uint64_t in2[KBLOCK / 64];
                cva__rfm_count_avx2(v, mask, len, sign, q, hi, lo, np, lt2, le2, in2, &k2, &b2);
                for (t = 0; t < np; t++) {
                    assert_int_equal(lt1[t], lt2[t]);
                    assert_int_equal(le1[t], le2[t]);
                }
                assert_memory_equal(in1, in2, sizeof in1);
                assert_int_equal(k1, k2);
                assert_int_equal(b1, b2);
            }
#endif
#ifdef CVA_HAVE_AVX512_KERNEL
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
                int64_t lt3[CVA_RFM_MAX_PIVOTS], le3[CVA_RFM_MAX_PIVOTS], k3, b3;
                uint64_t in3[KBLOCK / 64];
                cva__rfm_count_avx512(v, mask, len, sign, q, hi, lo, np, lt3, le3, in3, &k3, &b3);
                for (t = 0; t < np; t++) {
                    assert_int_equal(lt1[t], lt3[t]);
                    assert_int_equal(le1[t], le3[t]);
                }
                assert_memory_equal(in1, in3, sizeof in1);
                assert_int_equal(k1, k3);
                assert_int_equal(b1, b3);
            }
#endif
            (void)t;
        }
    }
}

/* cva_rfm_score above 2^16 customers takes the fused three-column selection
   pass and the block-interleaved scoring: every method against the brute-force
   reference per column (recency with NaN = unscored, heavy ties in F, -0.0 and
   negative values in M), library-allocated and caller workspace, AVX and scalar
   kernels, k from 2 to 11 (and 12: per-column fallback). */
static void score_three_large(void **state)
{
    const size_t N = 100003;
    const int ks[4] = {2, 5, 11, 12};
    double *R = (double *)malloc(N * sizeof(double)), *F = (double *)malloc(N * sizeof(double));
    double *M = (double *)malloc(N * sizeof(double));
    int32_t *r = (int32_t *)malloc(N * sizeof(int32_t)), *f = (int32_t *)malloc(N * sizeof(int32_t));
    int32_t *m = (int32_t *)malloc(N * sizeof(int32_t)), *w = (int32_t *)malloc(N * sizeof(int32_t));
    size_t ws, i;
    void *work;
    uint64_t s = 31337;
    int method, ki, pass;
    (void)state;
    assert_status(cva_rfm_workspace_size(N, &ws), CVA_OK);
    work = malloc(ws);
    for (i = 0; i < N; i++) {
        uint64_t u = lcg(&s);
        R[i] = u % 50 == 0 ? (double)NAN : (double)(u % 1000 < 600 ? (u >> 20) % 40 : (u >> 20) % 1096);
        F[i] = (double)(1 + (u % 5 < 2 ? 0 : (u >> 30) % 9));
        M[i] = u % 17 == 0 ? -0.0 : ((double)((int64_t)((u >> 24) % 200003) - 4000)) / 100.0;
    }
    for (method = 0; method < 4; method++)
        for (ki = 0; ki < 4; ki++)
            for (pass = 0; pass < 2; pass++) {
                cva_rfm_opts o;
                cva_rfm_cuts cuts[3];
                int col;
                cva_rfm_opts_init_defaults(&o, sizeof o);
                o.bins = ks[ki];
                o.method = method;
                o.kernel = pass ? CVA_KERNEL_SCALAR : CVA_KERNEL_AUTO;
                for (col = 0; col < 3; col++) {
                    memset(&cuts[col], 0, sizeof cuts[col]);
                    cuts[col].struct_size = sizeof cuts[col];
                }
                assert_true(cva_rfm_score(R, F, M, N, &o, r, f, m, cuts, pass ? work : NULL, pass ? ws : 0, NULL) >= 0);
                ref_score(R, R, N, ks[ki], method, 1, NULL, 0, w);
                assert_bins_equal(r, w, N, "score R", ks[ki], method);
                ref_score(F, R, N, ks[ki], method, 0, NULL, 0, w);
                assert_bins_equal(f, w, N, "score F", ks[ki], method);
                ref_score(M, R, N, ks[ki], method, 0, NULL, 0, w);
                assert_bins_equal(m, w, N, "score M", ks[ki], method);
            }
    free(work);
    free(R);
    free(F);
    free(M);
    free(r);
    free(f);
    free(m);
    free(w);
}

/* The closed-bracket counting kernel: portable against a brute-force count per
   element, and the AVX-512 variant against the portable one (closed brackets
   [a_j, b_j] touching nothing, one-value brackets, -inf ends, NaN masks, kept
   NaN / infinities counted as bad, -0.0, short blocks). */
static void count_closed_kernels_agree(void **state)
{
    double v[KBLOCK], mask[KBLOCK], a[CVA_RFM_MAX_PIVOTS], b[CVA_RFM_MAX_PIVOTS];
    uint64_t s = 4242;
    int trial;
    (void)state;
    for (trial = 0; trial < 3000; trial++) {
        const size_t len = trial % 3 == 0 ? KBLOCK : 1 + (size_t)(lcg(&s) % KBLOCK);
        const int distinct = 2 + (int)(lcg(&s) % 60);
        const double sign = trial % 2 ? -1.0 : 1.0;
        int32_t nbr = 0, t;
        size_t i;
        double prev = (double)(-distinct / 2 - 3);
        int any_bad = 0;
        int64_t lt1[CVA_RFM_MAX_PIVOTS], le1[CVA_RFM_MAX_PIVOTS], k1, b1;
        uint64_t in1[KBLOCK / 64];
        for (i = 0; i < len; i++) {
            const uint64_t u = lcg(&s);
            v[i] = (double)((int)(u % (uint64_t)distinct) - distinct / 2) + (u & 256 ? 0.5 : 0.0);
            if (u % 41 == 0)
                v[i] = -0.0;
            if (trial % 4 == 1 && u % 97 == 0)
                v[i] = (u & 128) ? (double)INFINITY : -(double)INFINITY;
            mask[i] = u % 7 == 0 ? (double)NAN : v[i];
            if (trial % 4 == 1 && u % 89 == 0)
                v[i] = (double)NAN;
        }
        while (nbr < CVA_RFM_MAX_PIVOTS && lcg(&s) % 5 != 0) {
            a[nbr] = prev + 0.5 + (double)(lcg(&s) % 4);
            b[nbr] = lcg(&s) % 4 == 0 ? a[nbr] : a[nbr] + 0.5 + (double)(lcg(&s) % 5);
            prev = b[nbr];
            nbr++;
        }
        if (nbr > 0 && trial % 10 == 0)
            a[0] = -(double)INFINITY;
        cva__rfm_count_closed(v, mask, len, sign, a, b, nbr, lt1, le1, in1, &k1, &b1);
        {
            int64_t kk = 0, bb = 0;
            for (i = 0; i < len; i++) {
                const double x = sign * v[i];
                int in = 0;
                if (isnan(mask[i]))
                    continue;
                kk++;
                if (!isfinite(x)) {
                    bb++;
                    any_bad = 1;
                }
                for (t = 0; t < nbr; t++)
                    in |= x >= a[t] && x <= b[t];
                assert_int_equal((in1[i / 64] >> (i % 64)) & 1u, (uint64_t)in);
            }
            for (i = len; i < KBLOCK; i++)
                assert_int_equal((in1[i / 64] >> (i % 64)) & 1u, 0);
            assert_int_equal(k1, kk);
            assert_int_equal(b1, bb);
            if (!any_bad)
                for (t = 0; t < nbr; t++) {
                    int64_t p = 0, r = 0;
                    for (i = 0; i < len; i++)
                        if (!isnan(mask[i])) {
                            p += sign * v[i] < a[t];
                            r += sign * v[i] <= b[t];
                        }
                    assert_int_equal(lt1[t], p);
                    assert_int_equal(le1[t], r);
                }
        }
#ifdef CVA_HAVE_AVX512_KERNEL
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
            int64_t lt3[CVA_RFM_MAX_PIVOTS], le3[CVA_RFM_MAX_PIVOTS], k3, b3;
            uint64_t in3[KBLOCK / 64];
            cva__rfm_count_closed_avx512(v, mask, len, sign, a, b, nbr, lt3, le3, in3, &k3, &b3);
            for (t = 0; t < nbr; t++) {
                assert_int_equal(lt1[t], lt3[t]);
                assert_int_equal(le1[t], le3[t]);
            }
            assert_memory_equal(in1, in3, sizeof in1);
            assert_int_equal(k1, k3);
            assert_int_equal(b1, b3);
        }
#endif
    }
}

/* Continuous columns (closed brackets in the fused selection): every method
   and k against the brute-force reference; M also holds a run of equal values
   (0.3 %) next to its median, so a closed bracket gathers ties and splits them. */
static void score_three_continuous(void **state)
{
    const size_t N = 120011;
    const int ks[4] = {2, 5, 7, 11};
    double *R = (double *)malloc(N * sizeof(double)), *F = (double *)malloc(N * sizeof(double));
    double *M = (double *)malloc(N * sizeof(double));
    int32_t *r = (int32_t *)malloc(N * sizeof(int32_t)), *f = (int32_t *)malloc(N * sizeof(int32_t));
    int32_t *m = (int32_t *)malloc(N * sizeof(int32_t)), *w = (int32_t *)malloc(N * sizeof(int32_t));
    size_t ws, i;
    void *work;
    uint64_t s = 99991;
    int method, ki, pass;
    (void)state;
    assert_status(cva_rfm_workspace_size(N, &ws), CVA_OK);
    work = malloc(ws);
    for (i = 0; i < N; i++) {
        uint64_t u = lcg(&s), u2 = lcg(&s);
        R[i] = u % 64 == 0 ? (double)NAN : (double)(u >> 11) * 0x1.0p-53 * 1000.0;
        F[i] = -(double)(u2 >> 11) * 0x1.0p-40;
        M[i] = u2 % 333 == 0 ? 0.5 : (double)((u ^ u2) >> 11) * 0x1.0p-53 - 0.0004;
    }
    for (method = 0; method < 4; method++)
        for (ki = 0; ki < 4; ki++)
            for (pass = 0; pass < 2; pass++) {
                cva_rfm_opts o;
                cva_rfm_cuts cuts[3];
                int col;
                cva_rfm_opts_init_defaults(&o, sizeof o);
                o.bins = ks[ki];
                o.method = method;
                o.kernel = pass ? CVA_KERNEL_SCALAR : CVA_KERNEL_AUTO;
                for (col = 0; col < 3; col++) {
                    memset(&cuts[col], 0, sizeof cuts[col]);
                    cuts[col].struct_size = sizeof cuts[col];
                }
                assert_true(cva_rfm_score(R, F, M, N, &o, r, f, m, cuts, pass ? work : NULL, pass ? ws : 0, NULL) >= 0);
                ref_score(R, R, N, ks[ki], method, 1, NULL, 0, w);
                assert_bins_equal(r, w, N, "continuous R", ks[ki], method);
                ref_score(F, R, N, ks[ki], method, 0, NULL, 0, w);
                assert_bins_equal(f, w, N, "continuous F", ks[ki], method);
                ref_score(M, R, N, ks[ki], method, 0, NULL, 0, w);
                assert_bins_equal(m, w, N, "continuous M", ks[ki], method);
            }
    free(work);
    free(R);
    free(F);
    free(M);
    free(r);
    free(f);
    free(m);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_vectors),      cmocka_unit_test(random_vs_reference),
        cmocka_unit_test(score_three),       cmocka_unit_test(edge_cases),
        cmocka_unit_test(fixed_recency),     cmocka_unit_test(maps),
        cmocka_unit_test(segments),          cmocka_unit_test(composite_and_report),
        cmocka_unit_test(raw_and_influence), cmocka_unit_test(influence_allocator_and_oom),
        cmocka_unit_test(sampled_path),
        cmocka_unit_test(vector_kernels_vs_scalar), cmocka_unit_test(count_kernels_agree),
        cmocka_unit_test(score_three_large),
        cmocka_unit_test(count_closed_kernels_agree), cmocka_unit_test(score_three_continuous),
    };
    return cmocka_run_group_tests_name("rfm", tests, NULL, NULL);
}
