/*
 * Value tiers (docs/methods/tiers.md#methods_tiers): the docs/methods/tiers.md#methods_tiers_edge vectors, brute-force references (pairwise
 * Gini, qsort rankings, per-group quantiles) on random data with ties,
 * negatives and zeros, edge cases, options, the caller order, allocators.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

/* ------------------------------------------------------------------------ */
/* Brute-force references                                                   */

typedef struct vi {
    double v;
    size_t i;
} vi;

/* descending value, ties by ascending index */
static int cmp_desc(const void *x, const void *y)
{
    const vi *a = (const vi *)x, *b = (const vi *)y;
    if (a->v > b->v)
        return -1;
    if (a->v < b->v)
        return 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

static int cmp_dbl(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : (a > b);
}

static vi *ref_rank(const double *v, size_t n)
{
    vi *a = (vi *)malloc((n + 1) * sizeof(vi));
    size_t i;
    for (i = 0; i < n; i++) {
        a[i].v = v[i];
        a[i].i = i;
    }
    qsort(a, n, sizeof(vi), cmp_desc);
    return a;
}

static size_t ref_count(double share, size_t n)
{
    double c = ceil(share * (double)n - 1e-9);
    return c <= 0 ? 0 : c >= (double)n ? n : (size_t)c;
}

/* Neumaier-compensated running sum: the references below must stay exact to
   ~1e-16 also where long double is the 64-bit double (valgrind emulates the x87
   format as double; MSVC), not only with the 80-bit format. */
static void ref_add(long double *sum, long double *c, long double x)
{
    const long double t = *sum + x;
    if (fabsl(*sum) >= fabsl(x))
        *c += (*sum - t) + x;
    else
        *c += (x - t) + *sum;
    *sum = t;
}

/* Gini by the mean absolute difference: Σ_i Σ_j |x_i − x_j| / (2 n² μ) */
static double ref_gini(const double *v, size_t n, int pp)
{
    long double d = 0, s = 0, dc = 0, sc = 0;
    size_t i, j;
    for (i = 0; i < n; i++) {
        const double xi = pp && v[i] < 0 ? 0 : v[i];
        ref_add(&s, &sc, (long double)xi);
        for (j = 0; j < n; j++) {
            const double xj = pp && v[j] < 0 ? 0 : v[j];
            ref_add(&d, &dc, fabsl((long double)xi - (long double)xj));
        }
    }
    s += sc;
    d += dc;
    if (s == 0)
        return (double)NAN;
    return (double)(d / (2.0L * (long double)n * s));
}

/* top share straight from the formula of docs/methods/tiers.md */
static double ref_share(const double *v, size_t n, double p)
{
    vi *a = ref_rank(v, n);
    long double s = 0, top = 0;
    double pn = p * (double)n, f = floor(pn), fr = pn - f;
    size_t k, i;
    if (fr > 1 - 1e-9) {
        f += 1;
        fr = 0;
    } else if (fr < 1e-9)
        fr = 0;
    k = (size_t)f;
    for (i = 0; i < n; i++) {
        s += (long double)a[i].v;
        if (i < k)
            top += (long double)a[i].v;
    }
    if (k < n)
        top += (long double)(fr * a[k].v);
    free(a);
    return s == 0 ? (double)NAN : (double)(top / s);
}

/* Lorenz value at population share p (linear between the points (i/n, L_i)) */
static double ref_lorenz_at(const double *v, size_t n, double p)
{
    double *x = (double *)malloc(n * sizeof(double));
    long double s = 0, c = 0;
    double t = p * (double)n, out;
    size_t i, k;
    memcpy(x, v, n * sizeof(double));
    qsort(x, n, sizeof(double), cmp_dbl);
    for (i = 0; i < n; i++)
        s += (long double)x[i];
    k = (size_t)floor(t + 1e-12);
    if (k > n)
        k = n;
    for (i = 0; i < k; i++)
        c += (long double)x[i];
    if (k < n && t - (double)k > 1e-12)
        c += (long double)(t - (double)k) * (long double)x[k];
    out = s == 0 ? (double)NAN : (double)(c / s);
    free(x);
    return out;
}

static uint64_t rng_state = 12345;
static double urand(void)
{
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/* ints in [lo, hi], so ties are frequent; scaled so they are not all integers */
static void rand_values(double *v, size_t n, int lo, int hi, double scale)
{
    size_t i;
    for (i = 0; i < n; i++)
        v[i] = scale * (double)(lo + (int)floor(urand() * (hi - lo + 1)));
}

/* ------------------------------------------------------------------------ */
/* docs/methods/tiers.md#methods_tiers_edge vectors                                                        */

/* 1 when all @p n bytes are 0xA5 (outputs untouched after a failed call) */
static int all_a5(const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (c[i] != 0xA5)
            return 0;
    return 1;
}

static void spec_vectors(void **state)
{
    const double x[] = {1, 2, 3, 4, 10};
    const double pr[] = {50, 30, 10, -5, -15};
    const double W[] = {50.0 / 70, 80.0 / 70, 90.0 / 70, 85.0 / 70, 1.0};
    double g, p = 0.2, s, cum[5], w[5], v10[10];
    cva_whale_stats ws;
    int32_t grade[10];
    size_t i, nk = 0, no = 0, ns = 0;
    (void)state;
    assert_status(cva_gini(x, 5, NULL, &g, NULL), CVA_OK);
    cva_assert_close(g, 0.4, 1e-15, 0);
    assert_status(cva_top_share(x, 5, &p, 1, NULL, &s, NULL), CVA_OK);
    cva_assert_close(s, 0.5, 1e-15, 0);
    assert_status(cva_whale_curve(pr, 5, NULL, cum, w, &ws, NULL), CVA_OK);
    cva_assert_close(ws.total, 70, 0, 0);
    for (i = 0; i < 5; i++)
        cva_assert_close(w[i], W[i], 1e-15, 0);
    cva_assert_close(round(w[0] * 1000) / 1000, 0.714, 0, 1e-12);
    cva_assert_close(round(w[2] * 1000) / 1000, 1.286, 0, 1e-12);
    assert_int_equal(ws.peak_index, 3);
    cva_assert_close(ws.peak_height, 90.0 / 70, 1e-15, 0);
    cva_assert_close(ws.unprofitable_share, 0.4, 0, 0);
    cva_assert_close(ws.profit_destroyed, 20.0 / 70, 1e-15, 0);
    cva_assert_close(round(ws.profit_destroyed * 1000) / 1000, 0.286, 0, 1e-12);
    cva_assert_close(cum[4], 70, 0, 0);
    /* no loss: nothing destroyed, a plain 0 (not -0) */
    assert_status(cva_whale_curve(x, 5, NULL, NULL, NULL, &ws, NULL), CVA_OK);
    assert_true(ws.profit_destroyed == 0.0 && !signbit(ws.profit_destroyed));
    assert_int_equal(ws.peak_index, 5);
    /* a cumulative profit beyond -DBL_MAX: CVA_E_OVERFLOW, nothing written (a
       fuzz find: C_2 was NaN, the compensated sum of -DBL_MAX and -1e300) */
    {
        const double big[] = {-DBL_MAX, 5.0, -1e300};
        const double big_desc[] = {5.0, -1e300, -DBL_MAX};
        const double up[] = {DBL_MAX, DBL_MAX / 2, -DBL_MAX}; /* C_2 overflows, C_3 would not */
        const double fine[] = {-DBL_MAX, DBL_MAX};            /* C = DBL_MAX, then exactly 0 */
        const uint64_t ord[] = {1, 2, 0};
        cva_tiers_opts to;
        cva_diag d;
        double c3[3];
        cva_diag_init(&d, sizeof d);
        memset(c3, 0xA5, sizeof c3);
        memset(&ws, 0xA5, sizeof ws);
        assert_status(cva_whale_curve(big, 3, NULL, c3, w, &ws, &d), CVA_E_OVERFLOW);
        assert_int_equal(d.arg, 1);
        assert_true(all_a5(c3, sizeof c3) && all_a5(&ws, sizeof ws));
        assert_status(cva_whale_curve(up, 3, NULL, c3, NULL, &ws, NULL), CVA_E_OVERFLOW);
        assert_true(all_a5(c3, sizeof c3) && all_a5(&ws, sizeof ws));
        cva_tiers_opts_init_defaults(&to, sizeof to);
        to.order = ord;
        assert_status(cva_whale_curve(big, 3, &to, c3, NULL, &ws, NULL), CVA_E_OVERFLOW);
        cva_tiers_opts_init_defaults(&to, sizeof to);
        to.flags = CVA_TIERS_PRESORTED; /* the fused stats-only pass */
        assert_status(cva_whale_curve(big_desc, 3, &to, NULL, NULL, &ws, NULL), CVA_E_OVERFLOW);
        assert_true(all_a5(&ws, sizeof ws));
        assert_status(cva_whale_curve(big_desc, 3, &to, c3, NULL, &ws, NULL), CVA_E_OVERFLOW);
        assert_true(all_a5(c3, sizeof c3));
        assert_status(cva_whale_curve(fine, 2, NULL, c3, NULL, &ws, NULL), CVA_OK);
        assert_true(c3[0] == DBL_MAX && c3[1] == 0.0);
        assert_true(ws.total == 0.0 && ws.peak_profit == DBL_MAX);
        assert_int_equal(ws.peak_index, 1);
        assert_true(isnan(ws.peak_height));
    }
    /* n = 10: b1 = 2, b2 = 5 */
    for (i = 0; i < 10; i++)
        v10[i] = (double)(i * 7 % 10);
    assert_status(cva_grade(v10, 10, NULL, grade, NULL), CVA_OK);
    for (i = 0; i < 10; i++) {
        nk += grade[i] == CVA_TIER_KEY;
        no += grade[i] == CVA_TIER_ORDINARY;
        ns += grade[i] == CVA_TIER_SMALL;
    }
    assert_int_equal(nk, 2);
    assert_int_equal(no, 3);
    assert_int_equal(ns, 5);
    /* value 9 (i = 7) and 8 (i = 4) are key */
    assert_int_equal(grade[7], CVA_TIER_KEY);
    assert_int_equal(grade[4], CVA_TIER_KEY);
    assert_int_equal(grade[0], CVA_TIER_SMALL); /* value 0 */
}

/* ------------------------------------------------------------------------ */
/* Random data against the references                                       */

static void check_all(const double *v, size_t n)
{
    cva_tiers_opts o;
    double g, gp, ps[7] = {0, 0.01, 0.05, 0.1, 0.2, 0.5, 1}, sh[7], *L, *P, *cum, *w;
    int32_t *grade, *tier;
    uint64_t *order;
    double *sorted;
    vi *a = ref_rank(v, n);
    size_t i, j, np;
    cva_whale_stats ws;
    int neg = 0, st;
    cva_tiers_opts_init_defaults(&o, sizeof o);
    L = (double *)malloc((n + 8) * sizeof(double));
    P = (double *)malloc((n + 8) * sizeof(double));
    cum = (double *)malloc(n * sizeof(double));
    w = (double *)malloc(n * sizeof(double));
    grade = (int32_t *)malloc(n * sizeof(int32_t));
    tier = (int32_t *)malloc(n * sizeof(int32_t));
    order = (uint64_t *)malloc(n * sizeof(uint64_t));
    sorted = (double *)malloc(n * sizeof(double));
    for (i = 0; i < n; i++)
        neg |= v[i] < 0;
    /* order */
    assert_status(cva_value_order(v, n, NULL, order, sorted, NULL), CVA_OK);
    for (i = 0; i < n; i++) {
        assert_int_equal(order[i], a[i].i);
        cva_assert_same(sorted[i], a[i].v + 0.0);
    }
    /* the presorted path (no sort) gives the same figures */
    {
        cva_tiers_opts pso;
        double g1, g2, s1[7], s2[7], pp7[7] = {0, 0.01, 0.05, 0.1, 0.2, 0.5, 1};
        cva_whale_stats w1, w2;
        int32_t *gs = (int32_t *)malloc(n * sizeof(int32_t));
        cva_tiers_opts_init_defaults(&pso, sizeof pso);
        assert_true(cva_gini(v, n, &pso, &g1, NULL) >= 0);
        assert_true(cva_top_share(v, n, pp7, 7, &pso, s1, NULL) >= 0);
        assert_true(cva_whale_curve(v, n, &pso, NULL, NULL, &w1, NULL) >= 0);
        pso.flags = CVA_TIERS_PRESORTED;
        assert_true(cva_gini(sorted, n, &pso, &g2, NULL) >= 0);
        assert_true(cva_top_share(sorted, n, pp7, 7, &pso, s2, NULL) >= 0);
        assert_true(cva_whale_curve(sorted, n, &pso, NULL, NULL, &w2, NULL) >= 0);
        cva_assert_same(g2, g1);
        for (i = 0; i < 7; i++)
            cva_assert_same(s2[i], s1[i]);
        cva_assert_same(w2.peak_height, w1.peak_height);
        assert_int_equal(w2.peak_index, w1.peak_index);
        assert_true(cva_grade(sorted, n, &pso, gs, NULL) >= 0);
        for (i = 0; i < n; i++) /* position i of the sorted array has rank i */
            assert_int_equal(gs[i], i < ref_count(0.2, n) ? CVA_TIER_KEY : i < ref_count(0.5, n) ? CVA_TIER_ORDINARY
                                                                                              : CVA_TIER_SMALL);
        free(gs);
    }
    /* gini raw and positive part, with and without the caller's order */
    for (j = 0; j < 2; j++) {
        o.order = j ? order : NULL;
        o.flags = 0;
        st = cva_gini(v, n, &o, &g, NULL);
        assert_int_equal(st, neg ? CVA_W_NEGATIVE : CVA_OK);
        cva_assert_close(g, ref_gini(v, n, 0), 1e-12, 1e-14);
        o.flags = CVA_TIERS_GINI_POSITIVE_PART;
        assert_status(cva_gini(v, n, &o, &gp, NULL), CVA_OK);
        cva_assert_close(gp, ref_gini(v, n, 1), 1e-12, 1e-14);
        o.flags = CVA_TIERS_GINI_SMALL_SAMPLE;
        st = cva_gini(v, n, &o, &gp, NULL);
        cva_assert_close(gp, n == 1 ? (isnan(g) ? g : 0.0) : ref_gini(v, n, 0) * (double)n / (double)(n - 1),
                         1e-12, 1e-14);
        o.flags = 0;
        /* shares */
        np = 7;
        st = cva_top_share(v, n, ps, np, &o, sh, NULL);
        assert_int_equal(st, neg ? CVA_W_NEGATIVE : CVA_OK);
        for (i = 0; i < np; i++)
            cva_assert_close(sh[i], ref_share(v, n, ps[i]), 1e-12, 1e-13);
        /* Lorenz: full points and 7 down-sampled points */
        st = cva_lorenz(v, n, &o, n + 1, P, L, NULL);
        assert_int_equal(st, neg ? CVA_W_NEGATIVE : CVA_OK);
        for (i = 0; i <= n; i++) {
            cva_assert_close(P[i], (double)i / (double)n, 1e-15, 0);
            cva_assert_close(L[i], ref_lorenz_at(v, n, (double)i / (double)n), 1e-12, 1e-13);
        }
        assert_status(cva_lorenz(v, n, &o, 7, P, L, NULL), neg ? CVA_W_NEGATIVE : CVA_OK);
        for (i = 0; i < 7; i++)
            cva_assert_close(L[i], ref_lorenz_at(v, n, (double)i / 6.0), 1e-12, 1e-13);
        /* the Lorenz curve and the top share agree: share(p) = 1 − L(1 − p) */
        if (!isnan(sh[4]))
            cva_assert_close(sh[4], 1 - ref_lorenz_at(v, n, 0.8), 1e-9, 1e-12);
        /* whale */
        assert_status(cva_whale_curve(v, n, &o, cum, w, &ws, NULL), CVA_OK);
        {
            long double c = 0, tot = 0, best = 0, d = 0;
            size_t peak = 0, nneg = 0;
            for (i = 0; i < n; i++) {
                tot += (long double)a[i].v;
                if (a[i].v < 0) {
                    nneg++;
                    d -= (long double)a[i].v;
                }
            }
            for (i = 0; i < n; i++) {
                c += (long double)a[i].v;
                if (i == 0 || c > best) {
                    best = c;
                    peak = i + 1;
                }
                cva_assert_close(cum[i], (double)c, 1e-12, 1e-9);
                cva_assert_close(w[i], tot > 0 ? (double)(c / tot) : (double)NAN, 1e-12, 1e-12);
            }
            assert_int_equal(ws.peak_index, peak);
            cva_assert_close(ws.unprofitable_share, (double)nneg / (double)n, 0, 0);
            cva_assert_close(ws.profit_destroyed, tot > 0 ? (double)(d / tot) : (double)NAN, 1e-12, 0);
            cva_assert_close(ws.peak_height, tot > 0 ? (double)(best / tot) : (double)NAN, 1e-12, 0);
        }
        /* grade and pyramid by rank */
        st = cva_grade(v, n, &o, grade, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        st = cva_pyramid(v, n, &o, tier, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        {
            const size_t b1 = ref_count(0.2, n), b2 = ref_count(0.5, n);
            for (i = 0; i < n; i++) {
                const size_t k = a[i].i;
                const int32_t eg = i < b1 ? CVA_TIER_KEY : i < b2 ? CVA_TIER_ORDINARY : CVA_TIER_SMALL;
                const int32_t et = a[i].v < 0 ? CVA_TIER_LEAD
                                   : (a[i].v > 0 && i < b1) ? CVA_TIER_PLATINUM
                                   : (a[i].v > 0 && i < b2) ? CVA_TIER_GOLD
                                                            : CVA_TIER_IRON;
                assert_int_equal(grade[k], eg);
                assert_int_equal(tier[k], et);
            }
        }
    }
    free(a);
    free(L);
    free(P);
    free(cum);
    free(w);
    free(grade);
    free(tier);
    free(order);
    free(sorted);
}

static void random_vs_reference(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 5, 7, 10, 11, 50, 99, 100, 257, 1000};
    double v[1000];
    size_t s, rep;
    (void)state;
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (rep = 0; rep < 6; rep++) {
            const size_t n = sizes[s];
            switch (rep) {
            case 0: rand_values(v, n, -3, 10, 1.0); break;      /* ties, negatives, zeros */
            case 1: rand_values(v, n, 0, 3, 0.1); break;        /* heavy ties, zeros */
            case 2: rand_values(v, n, 1, 1000000, 0.01); break; /* nearly distinct */
            case 3: rand_values(v, n, -10, -1, 1.0); break;     /* all negative */
            case 4: rand_values(v, n, 5, 5, 2.5); break;        /* all equal */
            default: rand_values(v, n, -1000, 3000, 0.37); break;
            }
            check_all(v, n);
        }
}

/* The value-only ranking (a radix sort of the bare keys, used when no order is
   needed) gives bit for bit the values of the (key, index) ranking and of a
   qsort reference, so Gini, Lorenz and the shares do not move: sizes past
   2^16 and keys whose every 11-bit digit varies, plus -0.0 among the zeros
   and a column where every digit is constant. */
static void values_only_ranking(void **state)
{
    static const size_t sizes[] = {2, 3, 100, 2049, 70001};
    const size_t nmax = 70001;
    double *v = (double *)malloc(nmax * sizeof(double)), *a = (double *)malloc(nmax * sizeof(double));
    double *b = (double *)malloc(nmax * sizeof(double)), *ref = (double *)malloc(nmax * sizeof(double));
    uint64_t *ord = (uint64_t *)malloc(nmax * sizeof(uint64_t));
    size_t s, i, rep;
    (void)state;
    assert_non_null(v);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(ref);
    assert_non_null(ord);
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (rep = 0; rep < 3; rep++) {
            const size_t n = sizes[s];
            cva_tiers_opts o;
            double g1, g2, l1[11], l2[11];
            static const double ps[3] = {0.2, 0.01, 0.5};
            double sh1[3], sh2[3];
            if (rep == 0)
                rand_values(v, n, -3, 10, 1.0);
            else if (rep == 1)
                for (i = 0; i < n; i++) /* wide range: every digit of the key varies */
                    v[i] = (urand() - 0.3) * pow(10.0, floor(urand() * 30.0) - 10.0);
            else
                for (i = 0; i < n; i++)
                    v[i] = 7.25;
            for (i = 0; i < n; i += 7)
                if (rep != 2)
                    v[i] = (i / 7) % 2 ? -0.0 : 0.0;
            memcpy(ref, v, n * sizeof(double));
            qsort(ref, n, sizeof(double), cmp_dbl);
            assert_int_equal(cva_value_order(v, n, NULL, NULL, a, NULL) >= 0, 1);
            assert_int_equal(cva_value_order(v, n, NULL, ord, b, NULL) >= 0, 1);
            for (i = 0; i < n; i++) {
                const double r = ref[n - 1 - i] + 0.0;
                assert_memory_equal(&a[i], &r, sizeof r);
                assert_memory_equal(&b[i], &r, sizeof r);
            }
            /* the default path (bare keys) against the caller-order path */
            cva_tiers_opts_init_defaults(&o, sizeof o);
            assert_int_equal(cva_gini(v, n, NULL, &g1, NULL) >= 0, 1);
            assert_int_equal(cva_lorenz(v, n, NULL, 11, NULL, l1, NULL) >= 0, 1);
            assert_int_equal(cva_top_share(v, n, ps, 3, NULL, sh1, NULL) >= 0, 1);
            o.order = ord;
            assert_int_equal(cva_gini(v, n, &o, &g2, NULL) >= 0, 1);
            assert_int_equal(cva_lorenz(v, n, &o, 11, NULL, l2, NULL) >= 0, 1);
            assert_int_equal(cva_top_share(v, n, ps, 3, &o, sh2, NULL) >= 0, 1);
            assert_memory_equal(&g1, &g2, sizeof g1);
            assert_memory_equal(l1, l2, sizeof l1);
            assert_memory_equal(sh1, sh2, sizeof sh1);
        }
    free(v);
    free(a);
    free(b);
    free(ref);
    free(ord);
}

/* CVA_TIERS_PRESORTED on cva_value_order's sorted copy: Gini, Lorenz (up to
   1025 points), top shares (up to 32) and the whale stats check the values in
   their figure pass. Same figures bit for bit, same statuses, and a check that
   fails gives the error of the separate checks with nothing written. */
static void presorted_fused(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 100, 2049, 70001};
    static const int flags[3] = {0, CVA_TIERS_GINI_POSITIVE_PART, CVA_TIERS_GINI_SMALL_SAMPLE};
    static const double ps[5] = {0.01, 0.05, 0.1, 0.2, 0.5};
    const size_t nmax = 70001, npt[3] = {2, 1001, 1026};
    double *v = (double *)malloc(nmax * sizeof(double)), *a = (double *)malloc(nmax * sizeof(double));
    double *cum = (double *)malloc(nmax * sizeof(double));
    double *l1 = (double *)malloc(1026 * sizeof(double)), *l2 = (double *)malloc(1026 * sizeof(double));
    double *p1 = (double *)malloc(1026 * sizeof(double)), *p2 = (double *)malloc(1026 * sizeof(double));
    size_t s, i, rep, f, k;
    (void)state;
    assert_non_null(v);
    assert_non_null(a);
    assert_non_null(cum);
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(p1);
    assert_non_null(p2);
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (rep = 0; rep < 3; rep++) {
            const size_t n = sizes[s];
            if (rep == 0)
                rand_values(v, n, -3, 10, 1.0);
            else if (rep == 1)
                for (i = 0; i < n; i++)
                    v[i] = (urand() - 0.3) * pow(10.0, floor(urand() * 30.0) - 10.0);
            else
                for (i = 0; i < n; i++)
                    v[i] = (double)(i % 5) - 1.0; /* long runs of ties, a negative run, zeros */
            for (i = 0; i < n; i += 7)
                if (rep != 2)
                    v[i] = (i / 7) % 2 ? -0.0 : 0.0;
            assert_int_equal(cva_value_order(v, n, NULL, NULL, a, NULL) >= 0, 1);
            for (f = 0; f < 3; f++) {
                cva_tiers_opts o, so;
                double g1, g2, sh1[5], sh2[5];
                cva_whale_stats w1, w2;
                int st1, st2;
                cva_tiers_opts_init_defaults(&o, sizeof o);
                o.flags = flags[f];
                so = o;
                so.flags |= CVA_TIERS_PRESORTED;
                st1 = cva_gini(v, n, &o, &g1, NULL);
                st2 = cva_gini(a, n, &so, &g2, NULL);
                assert_int_equal(st2, st1);
                assert_memory_equal(&g1, &g2, sizeof g1);
                for (k = 0; k < 3; k++) {
                    st1 = cva_lorenz(v, n, &o, npt[k], p1, l1, NULL);
                    st2 = cva_lorenz(a, n, &so, npt[k], p2, l2, NULL);
                    assert_int_equal(st2, st1);
                    assert_memory_equal(l1, l2, npt[k] * sizeof(double));
                    assert_memory_equal(p1, p2, npt[k] * sizeof(double));
                }
                st1 = cva_top_share(v, n, ps, 5, &o, sh1, NULL);
                st2 = cva_top_share(a, n, ps, 5, &so, sh2, NULL);
                assert_int_equal(st2, st1);
                assert_memory_equal(sh1, sh2, sizeof sh1);
                /* stats only (fused) against the pass that also fills cum */
                st1 = cva_whale_curve(a, n, &so, cum, NULL, &w1, NULL);
                st2 = cva_whale_curve(a, n, &so, NULL, NULL, &w2, NULL);
                assert_int_equal(st2, st1);
                assert_memory_equal(&w1, &w2, sizeof w1);
                st2 = cva_whale_curve(v, n, &o, NULL, NULL, &w2, NULL);
                assert_int_equal(st2, st1);
                assert_memory_equal(&w1, &w2, sizeof w1);
            }
        }
    /* failed checks: the specific error and index, outputs untouched */
    {
        enum { N = 64 };
        /* case 0: last value above the one before it (index N-1);
           1: NaN last; 2: a disorder at index 3 and +inf last (the non-finite
           value is reported first, as without the fusion); 3: disorder at index 1 */
        static const int64_t want_index[4] = {N - 1, N - 1, N - 1, 1};
        static const cva_status want_status[4] = {CVA_E_BADARG, CVA_E_NONFINITE, CVA_E_NONFINITE, CVA_E_BADARG};
        size_t c;
        for (c = 0; c < 4; c++) {
            double x[N], g = 12345.0, sh[5], lp[1001], ll[1001];
            cva_whale_stats ws;
            cva_tiers_opts so;
            cva_diag d;
            for (i = 0; i < N; i++)
                x[i] = 100.0 - 3.0 * (double)i; /* descending, with negatives */
            if (c == 0)
                x[N - 1] = x[N - 2] + 0.5;
            else if (c == 1)
                x[N - 1] = (double)NAN;
            else if (c == 2) {
                x[3] = x[2] + 1.0;
                x[N - 1] = (double)INFINITY;
            } else
                x[1] = x[0] + 1.0;
            for (k = 0; k < 5; k++)
                sh[k] = 12345.0;
            for (k = 0; k < 1001; k++)
                lp[k] = ll[k] = 12345.0;
            memset(&ws, 0x5a, sizeof ws);
            cva_tiers_opts_init_defaults(&so, sizeof so);
            so.flags = CVA_TIERS_PRESORTED;
            for (f = 0; f < 4; f++) {
                cva_status st;
                cva_diag_init(&d, sizeof d);
                st = f == 0   ? cva_gini(x, N, &so, &g, &d)
                     : f == 1 ? cva_lorenz(x, N, &so, 1001, lp, ll, &d)
                     : f == 2 ? cva_top_share(x, N, ps, 5, &so, sh, &d)
                              : cva_whale_curve(x, N, &so, NULL, NULL, &ws, &d);
                assert_int_equal(st, want_status[c]);
                assert_int_equal(d.index, want_index[c]);
                if (want_status[c] == CVA_E_BADARG)
                    assert_int_equal(d.option, CVA_OPT_TIERS_FLAGS);
            }
            cva_assert_same(g, 12345.0);
            for (k = 0; k < 5; k++)
                cva_assert_same(sh[k], 12345.0);
            for (k = 0; k < 1001; k++) {
                cva_assert_same(lp[k], 12345.0);
                cva_assert_same(ll[k], 12345.0);
            }
            {
                cva_whale_stats z;
                memset(&z, 0x5a, sizeof z);
                assert_memory_equal(&ws, &z, sizeof z);
            }
        }
    }
    free(v);
    free(a);
    free(cum);
    free(l1);
    free(l2);
    free(p1);
    free(p2);
}

/* ------------------------------------------------------------------------ */
/* Large columns, caller workspace                                          */

static void ref_classes(const double *v, const double *pot, size_t n, double mvc, double mgc, double thr, int bz,
                        int32_t *cls);

static int eqd(double a, double b)
{
    return !(a < b) && !(a > b);
}

/* Labels of grade / pyramid / classes by brute force (qsort ranking), with the
   W_TIES flag a boundary must raise. */
static void ref_labels(const double *v, size_t n, const double *sh, int32_t *grade, int32_t *tier, int *gties,
                       int *pties)
{
    vi *a = ref_rank(v, n);
    const size_t b1 = ref_count(sh[0], n), b2 = ref_count(sh[0] + sh[1], n);
    size_t i;
    for (i = 0; i < n; i++) {
        const size_t k = a[i].i;
        grade[k] = i < b1 ? CVA_TIER_KEY : i < b2 ? CVA_TIER_ORDINARY : CVA_TIER_SMALL;
        tier[k] = a[i].v < 0                ? CVA_TIER_LEAD
                  : (a[i].v > 0 && i < b1) ? CVA_TIER_PLATINUM
                  : (a[i].v > 0 && i < b2) ? CVA_TIER_GOLD
                                           : CVA_TIER_IRON;
    }
    *gties = (b1 > 0 && b1 < n && eqd(a[b1 - 1].v + 0.0, a[b1].v + 0.0)) ||
             (b2 > 0 && b2 < n && eqd(a[b2 - 1].v + 0.0, a[b2].v + 0.0));
    *pties = (b1 > 0 && b1 < n && eqd(a[b1 - 1].v + 0.0, a[b1].v + 0.0) && a[b1].v > 0) ||
             (b2 > 0 && b2 < n && eqd(a[b2 - 1].v + 0.0, a[b2].v + 0.0) && a[b2].v > 0);
    free(a);
}

/* Past 2^16 values the boundaries come from the sampled selection and the
   values from the bucket sort: grade, pyramid and classes against the
   brute-force ranking (ties, negatives, zeros, −0, heavy ties at the
   boundaries), and every function with a caller workspace against the same
   call without one, bit for bit. */
static void large_and_workspace(void **state)
{
    enum { N = 100003 };
    double *v = (double *)malloc(N * sizeof(double)), *pot = (double *)malloc(N * sizeof(double));
    double *s1 = (double *)malloc(N * sizeof(double)), *s2 = (double *)malloc(N * sizeof(double));
    int32_t *g = (int32_t *)malloc(N * sizeof(int32_t)), *t = (int32_t *)malloc(N * sizeof(int32_t));
    int32_t *c = (int32_t *)malloc(N * sizeof(int32_t)), *rg = (int32_t *)malloc(N * sizeof(int32_t));
    int32_t *rt = (int32_t *)malloc(N * sizeof(int32_t)), *rc = (int32_t *)malloc(N * sizeof(int32_t));
    uint64_t *o1 = (uint64_t *)malloc(N * sizeof(uint64_t)), *o2 = (uint64_t *)malloc(N * sizeof(uint64_t));
    size_t wsize = 0, vsize = 0, i, rep;
    unsigned char *work;
    (void)state;
    assert_status(cva_tiers_workspace_size(N, CVA_TIERS_WS_ALL, &wsize), CVA_OK);
    assert_status(cva_tiers_workspace_size(N, CVA_TIERS_WS_VALUES, &vsize), CVA_OK);
    assert_true(vsize >= 16 * (size_t)N && wsize >= vsize && wsize >= 32 * (size_t)N);
    work = (unsigned char *)malloc(wsize + 1);
    for (rep = 0; rep < 4; rep++) {
        static const double gsh[4][2] = {{0.2, 0.3}, {0.01, 0.49}, {0.5, 0.5}, {0.0, 0.37}};
        cva_tiers_opts o, w;
        int gties, pties, st1, st2;
        double gi1, gi2, l1[101], l2[101], sh1[5], sh2[5];
        static const double ps[5] = {0.5, 0.01, 0.2, 0.2, 1.0};
        cva_whale_stats ws1, ws2;
        switch (rep) {
        case 0: rand_values(v, N, -300, 1000, 0.01); break; /* cents: ties, negatives, zeros */
        case 1: rand_values(v, N, -2, 3, 1.0); break;       /* six values: every boundary a tie */
        case 2:
            for (i = 0; i < N; i++) /* wide range: every digit of the key varies */
                v[i] = (urand() - 0.3) * pow(10.0, floor(urand() * 30.0) - 10.0);
            break;
        default: rand_values(v, N, 0, 1000000, 0.37); break; /* no negatives, few ties */
        }
        for (i = 0; i < N; i += 11)
            v[i] = (i / 11) % 2 ? -0.0 : 0.0;
        for (i = 0; i < N; i++)
            pot[i] = v[i] + floor(urand() * 7.0) - 2.0;
        cva_tiers_opts_init_defaults(&o, sizeof o);
        o.grade_shares[0] = o.pyramid_shares[0] = gsh[rep][0];
        o.grade_shares[1] = o.pyramid_shares[1] = gsh[rep][1];
        o.grade_shares[2] = 0.0;
        o.mvc_share = rep == 1 ? 0.45 : 0.2;
        o.bz_threshold = rep == 3 ? 0.5 : 0.0;
        o.potential = CVA_POT_CALLER;
        w = o;
        w.work = work + 1; /* any alignment */
        w.work_size = wsize;
        /* labels against brute force, with and without the workspace */
        ref_labels(v, N, gsh[rep], rg, rt, &gties, &pties);
        ref_classes(v, pot, N, o.mvc_share, o.mgc_share, o.bz_threshold, 1, rc);
        assert_status(cva_grade(v, N, &o, g, NULL), gties ? CVA_W_TIES : CVA_OK);
        assert_memory_equal(g, rg, N * sizeof *g);
        assert_status(cva_pyramid(v, N, &o, t, NULL), pties ? CVA_W_TIES : CVA_OK);
        assert_memory_equal(t, rt, N * sizeof *t);
        st1 = cva_value_classes(v, pot, NULL, NULL, N, &o, c, NULL, NULL);
        assert_true(st1 == CVA_OK || st1 == CVA_W_TIES);
        assert_memory_equal(c, rc, N * sizeof *c);
        memset(g, 0, N * sizeof *g);
        memset(t, 0, N * sizeof *t);
        memset(c, 0, N * sizeof *c);
        assert_status(cva_grade(v, N, &w, g, NULL), gties ? CVA_W_TIES : CVA_OK);
        assert_memory_equal(g, rg, N * sizeof *g);
        assert_status(cva_pyramid(v, N, &w, t, NULL), pties ? CVA_W_TIES : CVA_OK);
        assert_memory_equal(t, rt, N * sizeof *t);
        st2 = cva_value_classes(v, pot, NULL, NULL, N, &w, c, NULL, NULL);
        assert_int_equal(st2, st1);
        assert_memory_equal(c, rc, N * sizeof *c);
        /* the same labels from the caller's order (the ranking path) */
        assert_status(cva_value_order(v, N, &w, o1, s1, NULL), CVA_OK);
        o.order = o1;
        assert_status(cva_grade(v, N, &o, g, NULL), gties ? CVA_W_TIES : CVA_OK);
        assert_memory_equal(g, rg, N * sizeof *g);
        assert_int_equal(cva_value_classes(v, pot, NULL, NULL, N, &o, c, NULL, NULL), st1);
        assert_memory_equal(c, rc, N * sizeof *c);
        o.order = NULL;
        /* orders and sorted values: workspace or not, order or not */
        assert_status(cva_value_order(v, N, NULL, o2, s2, NULL), CVA_OK);
        assert_memory_equal(o1, o2, N * sizeof *o1);
        assert_memory_equal(s1, s2, N * sizeof *s1);
        assert_status(cva_value_order(v, N, &w, NULL, s2, NULL), CVA_OK);
        assert_memory_equal(s1, s2, N * sizeof *s1);
        {
            vi *a = ref_rank(v, N);
            for (i = 0; i < N; i++) {
                const double r = a[i].v + 0.0;
                assert_int_equal(o1[i], a[i].i);
                assert_memory_equal(&s1[i], &r, sizeof r);
            }
            free(a);
        }
        /* the value-only figures, workspace (values size) or not: bit for bit */
        w.work_size = vsize;
        st1 = cva_gini(v, N, &o, &gi1, NULL);
        assert_int_equal(cva_gini(v, N, &w, &gi2, NULL), st1);
        assert_memory_equal(&gi1, &gi2, sizeof gi1);
        assert_int_equal(cva_lorenz(v, N, &o, 101, NULL, l1, NULL), st1);
        assert_int_equal(cva_lorenz(v, N, &w, 101, NULL, l2, NULL), st1);
        assert_memory_equal(l1, l2, sizeof l1);
        assert_int_equal(cva_top_share(v, N, ps, 5, &o, sh1, NULL), st1);
        assert_int_equal(cva_top_share(v, N, ps, 5, &w, sh2, NULL), st1);
        assert_memory_equal(sh1, sh2, sizeof sh1);
        for (i = 0; i < 5; i++)
            cva_assert_close(sh1[i], ref_share(v, N, ps[i]), 1e-12, 1e-13);
        assert_status(cva_whale_curve(v, N, &o, s1, NULL, &ws1, NULL), CVA_OK);
        assert_status(cva_whale_curve(v, N, &w, NULL, s2, &ws2, NULL), CVA_OK);
        assert_memory_equal(&ws1, &ws2, sizeof ws1);
        for (i = 0; i < N; i++) /* whale without cum: W_k = C_k / Π as with cum */
            cva_assert_same(s2[i], ws1.total > 0 ? s1[i] / ws1.total : (double)NAN);
        /* a workspace too small: a specific error, the size needed in diag.count */
        {
            cva_diag d;
            double gx = 42.0;
            cva_diag_init(&d, sizeof d);
            w.work_size = vsize - 1;
            assert_status(cva_gini(v, N, &w, &gx, &d), CVA_E_WORKSPACE_TOO_SMALL);
            assert_int_equal(d.count, vsize);
            cva_assert_same(gx, 42.0);
            w.work_size = vsize; /* enough for the values, not for a selection */
            cva_diag_init(&d, sizeof d);
            g[0] = -7;
            assert_status(cva_grade(v, N, &w, g, &d), CVA_E_WORKSPACE_TOO_SMALL);
            assert_int_equal(d.count, wsize);
            assert_status(cva_value_order(v, N, &w, o2, NULL, NULL), CVA_E_WORKSPACE_TOO_SMALL);
        }
    }
    /* the size query */
    assert_status(cva_tiers_workspace_size(10, CVA_TIERS_WS_VALUES, NULL), CVA_E_NULLPTR);
    assert_status(cva_tiers_workspace_size(10, 7, &vsize), CVA_E_BADARG);
    assert_status(cva_tiers_workspace_size(SIZE_MAX / 2, CVA_TIERS_WS_ALL, &vsize), CVA_E_OVERFLOW);
    assert_status(cva_tiers_workspace_size(0, CVA_TIERS_WS_ALL, &vsize), CVA_OK);
    assert_true(vsize > 0);
    free(work);
    free(v);
    free(pot);
    free(s1);
    free(s2);
    free(g);
    free(t);
    free(c);
    free(rg);
    free(rt);
    free(rc);
    free(o1);
    free(o2);
}

/* ------------------------------------------------------------------------ */
/* Classes                                                                  */

static double ref_q7(double *x, size_t m, double q)
{
    double h = (double)(m - 1) * q, f = floor(h);
    size_t lo = (size_t)f;
    qsort(x, m, sizeof(double), cmp_dbl);
    return lo + 1 >= m ? x[m - 1] : x[lo] + (h - f) * (x[lo + 1] - x[lo]);
}

static void ref_classes(const double *v, const double *pot, size_t n, double mvc, double mgc, double thr, int bz,
                        int32_t *cls)
{
    vi *a = ref_rank(v, n), *g = (vi *)malloc((n + 1) * sizeof(vi));
    size_t i, taken = 0, ng = 0, nm = ref_count(mvc, n), ngc = ref_count(mgc, n);
    for (i = 0; i < n; i++) {
        const size_t k = a[i].i;
        if (bz && v[k] < thr)
            cls[k] = CVA_TIER_BZ;
        else if (v[k] > 0 && taken < nm) {
            cls[k] = CVA_TIER_MVC;
            taken++;
        } else
            cls[k] = CVA_TIER_OTHER;
    }
    for (i = 0; i < n; i++)
        if (cls[i] == CVA_TIER_OTHER && !isnan(pot[i]) && pot[i] - v[i] > 0) {
            g[ng].v = pot[i] - v[i];
            g[ng].i = i;
            ng++;
        }
    qsort(g, ng, sizeof(vi), cmp_desc);
    for (i = 0; i < ng && i < ngc; i++)
        cls[g[i].i] = CVA_TIER_MGC;
    free(a);
    free(g);
}

static void classes_vs_reference(void **state)
{
    enum { N = 400 };
    double v[N], pot[N], sow[N], potout[N], exp_pot[N], tmp[N];
    int64_t grp[N];
    int32_t cls[N], ref[N];
    cva_tiers_opts o;
    size_t i, j, rep;
    int st;
    (void)state;
    for (rep = 0; rep < 8; rep++) {
        const size_t n = rep < 4 ? N : 37;
        rand_values(v, n, -20, 60, rep % 2 ? 1.0 : 0.5);
        for (i = 0; i < n; i++) {
            pot[i] = urand() < 0.1 ? (double)NAN : v[i] + floor(urand() * 40) - 10;
            sow[i] = urand() < 0.1 ? 0.0 : urand() < 0.1 ? 1.5 : floor(urand() * 10 + 1) / 10;
            grp[i] = (int64_t)floor(urand() * 5) - 2;
        }
        cva_tiers_opts_init_defaults(&o, sizeof o);
        o.bz_threshold = rep == 3 ? 5.0 : 0.0;
        o.mvc_share = rep == 5 ? 0.1 : 0.2;
        o.mgc_share = rep == 6 ? 0.8 : 0.3;
        /* caller and model potential */
        o.potential = rep % 2 ? CVA_POT_MODEL : CVA_POT_CALLER;
        st = cva_value_classes(v, pot, NULL, NULL, n, &o, cls, potout, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        ref_classes(v, pot, n, o.mvc_share, o.mgc_share, o.bz_threshold, 1, ref);
        for (i = 0; i < n; i++) {
            assert_int_equal(cls[i], ref[i]);
            cva_assert_same(potout[i], pot[i]);
        }
        /* share of wallet */
        o.potential = CVA_POT_SHARE_OF_WALLET;
        st = cva_value_classes(v, NULL, sow, NULL, n, &o, cls, potout, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        for (i = 0; i < n; i++)
            exp_pot[i] = sow[i] > 0 && sow[i] <= 1 ? v[i] / sow[i] : (double)NAN;
        ref_classes(v, exp_pot, n, o.mvc_share, o.mgc_share, o.bz_threshold, 1, ref);
        for (i = 0; i < n; i++) {
            assert_int_equal(cls[i], ref[i]);
            cva_assert_same(potout[i], exp_pot[i]);
        }
        /* peer quantile */
        o.potential = CVA_POT_PEER_QUANTILE;
        o.peer_quantile = rep == 2 ? 0.5 : rep == 4 ? 1.0 : 0.9;
        st = cva_value_classes(v, NULL, NULL, grp, n, &o, cls, potout, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        for (i = 0; i < n; i++) {
            size_t m = 0;
            double q;
            for (j = 0; j < n; j++)
                if (grp[j] == grp[i])
                    tmp[m++] = v[j];
            q = ref_q7(tmp, m, o.peer_quantile);
            exp_pot[i] = v[i] > q ? v[i] : q;
        }
        ref_classes(v, exp_pot, n, o.mvc_share, o.mgc_share, o.bz_threshold, 1, ref);
        for (i = 0; i < n; i++) {
            assert_int_equal(cls[i], ref[i]);
            cva_assert_close(potout[i], exp_pot[i], 1e-14, 1e-12);
        }
        /* revenue kind: no BZ, no potential: no MGC */
        o.potential = CVA_POT_NONE;
        o.value_kind = CVA_VALUE_REVENUE;
        for (i = 0; i < n; i++)
            exp_pot[i] = (double)NAN;
        st = cva_value_classes(v, NULL, NULL, NULL, n, &o, cls, NULL, NULL);
        assert_true(st == CVA_OK || st == CVA_W_TIES);
        ref_classes(v, exp_pot, n, o.mvc_share, o.mgc_share, o.bz_threshold, 0, ref);
        for (i = 0; i < n; i++) {
            assert_int_equal(cls[i], ref[i]);
            assert_int_not_equal(cls[i], CVA_TIER_BZ);
            assert_int_not_equal(cls[i], CVA_TIER_MGC);
        }
    }
}

/* hand-computed classes */
static void classes_hand(void **state)
{
    /* n = 10: MVC count 2, MGC count 3 */
    const double v[10] = {100, -5, 40, 40, 0, 10, 60, -1, 5, 20};
    const double pot[10] = {100, 50, 200, 41, 30, (double)NAN, 60, 0, 100, 21};
    const int32_t exp_cls[10] = {CVA_TIER_MVC, CVA_TIER_BZ, CVA_TIER_MGC, CVA_TIER_OTHER, CVA_TIER_MGC,
                                 CVA_TIER_OTHER, CVA_TIER_MVC, CVA_TIER_BZ, CVA_TIER_MGC, CVA_TIER_OTHER};
    int32_t cls[10];
    cva_tiers_opts o;
    cva_diag d;
    size_t i;
    (void)state;
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.potential = CVA_POT_CALLER;
    cva_diag_init(&d, sizeof d);
    /* gaps of the rest: 2: 160, 3: 1, 4: 30, 5: NaN, 8: 95, 9: 1 → MGC = 2, 8, 4 */
    assert_status(cva_value_classes(v, pot, NULL, NULL, 10, &o, cls, NULL, &d), CVA_OK);
    for (i = 0; i < 10; i++)
        assert_int_equal(cls[i], exp_cls[i]);
    /* the MVC boundary between the two 40s: MVC share 0.3 takes 100, 60, 40 (i = 2) */
    o.mvc_share = 0.3;
    assert_status(cva_value_classes(v, pot, NULL, NULL, 10, &o, cls, NULL, &d), CVA_W_TIES);
    assert_int_equal(cls[2], CVA_TIER_MVC);
    assert_int_not_equal(cls[3], CVA_TIER_MVC);
    /* revenue: the detail says BZ cannot be detected */
    o.value_kind = CVA_VALUE_REVENUE;
    o.mvc_share = 0.2;
    assert_status(cva_value_classes(v, pot, NULL, NULL, 10, &o, cls, NULL, &d), CVA_OK);
    assert_non_null(strstr(d.detail, "no BZ"));
    assert_int_equal(cls[1], CVA_TIER_MGC); /* -5 → 50, gap 55 */
    /* all values <= 0: no MVC, no platinum */
    {
        const double z[4] = {0, -1, 0, -3};
        int32_t t[4];
        o.value_kind = CVA_VALUE_PROFIT;
        o.potential = CVA_POT_NONE;
        assert_status(cva_value_classes(z, NULL, NULL, NULL, 4, &o, cls, NULL, NULL), CVA_OK);
        assert_status(cva_pyramid(z, 4, &o, t, NULL), CVA_OK);
        for (i = 0; i < 4; i++) {
            assert_int_equal(cls[i], z[i] < 0 ? CVA_TIER_BZ : CVA_TIER_OTHER);
            assert_int_equal(t[i], z[i] < 0 ? CVA_TIER_LEAD : CVA_TIER_IRON);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Edge cases                                                               */

static void edge_cases(void **state)
{
    const double one[1] = {7}, neg1[1] = {-7}, zero2[2] = {0, 0}, eq[4] = {3, 3, 3, 3};
    const double bad[3] = {1, (double)NAN, 2};
    double g = 0, s = 0, p = 0.2, L[3], P[3];
    int32_t lab[4];
    cva_whale_stats ws;
    cva_profit_diag pd;
    cva_tiers_opts o;
    cva_diag d;
    uint64_t ord[4];
    (void)state;
    cva_diag_init(&d, sizeof d);
    /* n = 0 */
    assert_status(cva_gini(NULL, 0, NULL, &g, NULL), CVA_W_EMPTY);
    assert_true(isnan(g));
    assert_status(cva_top_share(NULL, 0, &p, 1, NULL, &s, NULL), CVA_W_EMPTY);
    assert_true(isnan(s));
    assert_status(cva_lorenz(NULL, 0, NULL, 3, P, L, NULL), CVA_W_EMPTY);
    assert_true(isnan(L[1]));
    assert_status(cva_whale_curve(NULL, 0, NULL, NULL, NULL, &ws, NULL), CVA_W_EMPTY);
    assert_int_equal(ws.peak_index, 0);
    assert_status(cva_grade(NULL, 0, NULL, NULL, NULL), CVA_W_EMPTY);
    assert_status(cva_pyramid(NULL, 0, NULL, NULL, NULL), CVA_W_EMPTY);
    assert_status(cva_value_classes(NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL), CVA_W_EMPTY);
    assert_status(cva_value_order(NULL, 0, NULL, NULL, NULL, NULL), CVA_W_EMPTY);
    assert_status(cva_profit_diagnostics(NULL, NULL, 0, NULL, &pd, NULL), CVA_W_EMPTY);
    assert_true(isnan(pd.top_profit_to_cost));
    assert_status(cva_customer_profit(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL), CVA_W_EMPTY);
    /* n = 1 */
    assert_status(cva_gini(one, 1, NULL, &g, NULL), CVA_OK);
    cva_assert_same(g, 0.0);
    assert_status(cva_top_share(one, 1, &p, 1, NULL, &s, NULL), CVA_OK);
    cva_assert_same(s, 0.2);
    assert_status(cva_grade(one, 1, NULL, lab, NULL), CVA_OK);
    assert_int_equal(lab[0], CVA_TIER_KEY);
    assert_status(cva_pyramid(one, 1, NULL, lab, NULL), CVA_OK);
    assert_int_equal(lab[0], CVA_TIER_PLATINUM);
    assert_status(cva_value_classes(one, NULL, NULL, NULL, 1, NULL, lab, NULL, NULL), CVA_OK);
    assert_int_equal(lab[0], CVA_TIER_MVC);
    assert_status(cva_pyramid(neg1, 1, NULL, lab, NULL), CVA_OK);
    assert_int_equal(lab[0], CVA_TIER_LEAD);
    assert_status(cva_value_classes(neg1, NULL, NULL, NULL, 1, NULL, lab, NULL, NULL), CVA_OK);
    assert_int_equal(lab[0], CVA_TIER_BZ);
    assert_status(cva_gini(neg1, 1, NULL, &g, NULL), CVA_W_NEGATIVE);
    cva_assert_same(g, 0.0);
    /* S = 0: NaN */
    assert_status(cva_gini(zero2, 2, NULL, &g, NULL), CVA_OK);
    assert_true(isnan(g));
    assert_status(cva_whale_curve(zero2, 2, NULL, NULL, NULL, &ws, NULL), CVA_OK);
    assert_true(isnan(ws.peak_height));
    assert_int_equal(ws.peak_index, 1);
    /* all equal: G exactly 0, grading by customer order with W_TIES */
    assert_status(cva_gini(eq, 4, NULL, &g, NULL), CVA_OK);
    cva_assert_same(g, 0.0);
    assert_status(cva_grade(eq, 4, NULL, lab, NULL), CVA_W_TIES);
    assert_int_equal(lab[0], CVA_TIER_KEY);
    assert_int_equal(lab[1], CVA_TIER_ORDINARY);
    assert_int_equal(lab[2], CVA_TIER_SMALL);
    assert_int_equal(lab[3], CVA_TIER_SMALL);
    assert_status(cva_pyramid(eq, 4, NULL, lab, NULL), CVA_W_TIES);
    assert_int_equal(lab[0], CVA_TIER_PLATINUM);
    assert_int_equal(lab[1], CVA_TIER_GOLD);
    assert_int_equal(lab[3], CVA_TIER_IRON);
    /* NaN */
    assert_status(cva_gini(bad, 3, NULL, &g, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    assert_status(cva_grade(bad, 3, NULL, lab, &d), CVA_E_NONFINITE);
    assert_status(cva_pyramid(bad, 3, NULL, lab, &d), CVA_E_NONFINITE);
    assert_status(cva_value_classes(bad, NULL, NULL, NULL, 3, NULL, lab, NULL, &d), CVA_E_NONFINITE);
    assert_status(cva_whale_curve(bad, 3, NULL, NULL, NULL, &ws, &d), CVA_E_NONFINITE);
    assert_status(cva_top_share(bad, 3, &p, 1, NULL, &s, &d), CVA_E_NONFINITE);
    assert_status(cva_lorenz(bad, 3, NULL, 3, P, L, &d), CVA_E_NONFINITE);
    assert_status(cva_value_order(bad, 3, NULL, ord, NULL, &d), CVA_E_NONFINITE);
    /* fraction out of range, n_points < 2 */
    p = 1.5;
    assert_status(cva_top_share(eq, 4, &p, 1, NULL, &s, &d), CVA_E_BADARG);
    p = -0.1;
    assert_status(cva_top_share(eq, 4, &p, 1, NULL, &s, &d), CVA_E_BADARG);
    assert_status(cva_lorenz(eq, 4, NULL, 1, P, L, &d), CVA_E_BADARG);
    /* shares out of range or summing above 1 */
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.grade_shares[0] = 0.6;
    assert_status(cva_grade(eq, 4, &o, lab, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TIERS_GRADE_SHARES);
    o.grade_shares[0] = -0.1;
    assert_status(cva_grade(eq, 4, &o, lab, &d), CVA_E_OPTION);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.pyramid_shares[1] = 0.81;
    assert_status(cva_pyramid(eq, 4, &o, lab, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TIERS_PYRAMID_SHARES);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.mvc_share = 0.8;
    assert_status(cva_value_classes(eq, NULL, NULL, NULL, 4, &o, lab, NULL, &d), CVA_E_OPTION);
    o.mvc_share = 1.2;
    assert_status(cva_value_classes(eq, NULL, NULL, NULL, 4, &o, lab, NULL, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TIERS_MVC_SHARE);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.bz_threshold = (double)NAN;
    assert_status(cva_value_classes(eq, NULL, NULL, NULL, 4, &o, lab, NULL, &d), CVA_E_OPTION);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.value_kind = 7;
    assert_status(cva_pyramid(eq, 4, &o, lab, &d), CVA_E_OPTION);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.flags = 8;
    assert_status(cva_gini(eq, 4, &o, &g, &d), CVA_E_OPTION);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.margin = 1.5;
    assert_status(cva_customer_profit(eq, NULL, NULL, 4, &o, NULL, L, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TIERS_MARGIN);
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.potential = CVA_POT_CALLER;
    assert_status(cva_value_classes(eq, NULL, NULL, NULL, 4, &o, lab, NULL, &d), CVA_E_NULLPTR);
    /* a wrong caller order */
    {
        const double v[4] = {1, 5, 5, 2};
        const uint64_t good[4] = {1, 2, 3, 0}, swapped[4] = {2, 1, 3, 0}, big[4] = {1, 2, 3, 9};
        cva_tiers_opts_init_defaults(&o, sizeof o);
        o.order = good;
        assert_status(cva_grade(v, 4, &o, lab, &d), CVA_W_TIES);
        o.order = swapped;
        assert_status(cva_grade(v, 4, &o, lab, &d), CVA_E_BADARG);
        assert_int_equal(d.option, CVA_OPT_TIERS_ORDER);
        assert_int_equal(d.index, 1);
        o.order = big;
        assert_status(cva_gini(v, 4, &o, &g, &d), CVA_E_BADARG);
        o.order = NULL;
        o.flags = CVA_TIERS_PRESORTED;
        assert_status(cva_gini(v, 4, &o, &g, &d), CVA_E_BADARG);
        assert_int_equal(d.option, CVA_OPT_TIERS_FLAGS);
        assert_int_equal(d.index, 1);
    }
    /* struct sizes */
    assert_int_equal(cva_sizeof(CVA_STRUCT_TIERS_OPTS), sizeof(cva_tiers_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_WHALE_STATS), sizeof(cva_whale_stats));
    assert_int_equal(cva_sizeof(CVA_STRUCT_PROFIT_DIAG), sizeof(cva_profit_diag));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TIER_STAT), sizeof(cva_tier_stat));
    assert_status(cva_tiers_opts_init_defaults(&o, sizeof o + 1), CVA_E_ABI_MISMATCH);
    assert_status(cva_tiers_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
}

/* ------------------------------------------------------------------------ */
/* Profit, diagnostics, per-label statistics                                */

static void profit_and_diagnostics(void **state)
{
    enum { N = 10 };
    /* revenue, cost per customer; π = 90, 50, 30, 20, 10, 5, 0, -5, -20, -40 */
    const double rev[N] = {100, 60, 50, 30, 20, 10, 10, 5, 5, 10};
    const double cost[N] = {10, 10, 20, 10, 10, 5, 10, 10, 25, 50};
    const uint32_t orders[N] = {5, 3, 2, 1, 1, 1, 1, 1, 1, 2};
    double c[N], pr[N];
    cva_tiers_opts o;
    cva_profit_diag pd;
    size_t i;
    (void)state;
    cva_tiers_opts_init_defaults(&o, sizeof o);
    assert_status(cva_customer_profit(rev, cost, NULL, N, &o, c, pr, NULL), CVA_OK);
    for (i = 0; i < N; i++) {
        cva_assert_same(c[i], cost[i]);
        cva_assert_same(pr[i], rev[i] - cost[i]);
    }
    o.cost_per_order = 2;
    o.cost_per_customer = 1;
    assert_status(cva_customer_profit(rev, cost, orders, N, &o, c, pr, NULL), CVA_OK);
    for (i = 0; i < N; i++) {
        cva_assert_same(c[i], cost[i] + 2.0 * orders[i] + 1);
        cva_assert_same(pr[i], rev[i] - c[i]);
    }
    assert_status(cva_customer_profit(rev, cost, NULL, N, &o, c, pr, NULL), CVA_E_NULLPTR);
    o.margin = 0.25;
    assert_status(cva_customer_profit(rev, cost, orders, N, &o, c, pr, NULL), CVA_OK);
    for (i = 0; i < N; i++) {
        cva_assert_close(pr[i], 0.25 * rev[i] - 2.0 * orders[i] - 1, 1e-15, 1e-13);
        cva_assert_close(c[i], rev[i] - pr[i], 1e-15, 1e-13);
    }
    /* diagnostics: t = 2; top by π: customers 0 (90), 1 (50): Σπ = 140, Σcost = 20 → 7;
       bottom: 9 (−40), 8 (−20): Σcost = 75, Σrev = 15 → 5; revenue share(0.2): (100+60)/300;
       profit share(0.2): 140/140 = 1 (Π = 140); unprofitable 3/10 */
    cva_tiers_opts_init_defaults(&o, sizeof o);
    assert_status(cva_profit_diagnostics(rev, cost, N, &o, &pd, NULL), CVA_W_NEGATIVE);
    assert_int_equal(pd.top_count, 2);
    cva_assert_close(pd.top_profit_to_cost, 7.0, 1e-15, 0);
    cva_assert_close(pd.bottom_cost_to_revenue, 5.0, 1e-15, 0);
    cva_assert_close(pd.top_revenue_share, 160.0 / 300.0, 1e-15, 0);
    cva_assert_close(pd.top_profit_share, 1.0, 1e-15, 0);
    cva_assert_close(pd.unprofitable_share, 0.3, 0, 0);
    /* zero denominators */
    {
        const double r0[2] = {0, 0}, c0[2] = {0, 0};
        assert_status(cva_profit_diagnostics(r0, c0, 2, &o, &pd, NULL), CVA_OK);
        assert_true(isnan(pd.top_profit_to_cost));
        assert_true(isnan(pd.bottom_cost_to_revenue));
        assert_true(isnan(pd.top_revenue_share));
    }
    /* per-label statistics */
    {
        const int32_t lab[N] = {110, 110, 111, 111, 111, 112, 112, 112, 112, 112};
        const int32_t codes[4] = {110, 111, 112, 123};
        cva_tier_stat st[4];
        assert_status(cva_tier_stats(lab, rev, N, codes, 4, st, NULL), CVA_OK);
        assert_int_equal(st[0].count, 2);
        cva_assert_same(st[0].value, 160.0);
        cva_assert_close(st[0].value_share, 160.0 / 300.0, 1e-15, 0);
        cva_assert_close(st[1].mean, 100.0 / 3.0, 1e-15, 0);
        assert_int_equal(st[2].count, 5);
        cva_assert_same(st[2].value, 40.0);
        assert_int_equal(st[3].count, 0);
        assert_true(isnan(st[3].mean));
        cva_assert_same(st[3].value_share, 0.0);
    }
}

/* ------------------------------------------------------------------------ */
/* Allocator through the options, and an allocation failure                 */

typedef struct counting {
    size_t allocs, frees, fail_at;
} counting;

static void *c_alloc(void *u, size_t n)
{
    counting *c = (counting *)u;
    if (c->fail_at && c->allocs + 1 == c->fail_at)
        return NULL;
    c->allocs++;
    return malloc(n);
}

static void c_free(void *u, void *p)
{
    ((counting *)u)->frees += p != NULL;
    free(p);
}

static void allocator(void **state)
{
    enum { N = 300 };
    double v[N], pot[N], g;
    int64_t grp[N];
    int32_t cls[N];
    counting c = {0, 0, 0};
    cva_allocator a = {c_alloc, c_free, &c};
    cva_tiers_opts o;
    size_t i;
    (void)state;
    rand_values(v, N, -10, 50, 1.0);
    for (i = 0; i < N; i++) {
        pot[i] = v[i] * 2;
        grp[i] = (int64_t)(i % 7);
    }
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.alloc = &a;
    assert_status(cva_gini(v, N, &o, &g, NULL), CVA_W_NEGATIVE);
    assert_true(c.allocs >= 1);
    o.potential = CVA_POT_PEER_QUANTILE;
    assert_true(cva_value_classes(v, pot, NULL, grp, N, &o, cls, NULL, NULL) >= 0);
    assert_int_equal(c.allocs, c.frees);
    /* every allocation failing in turn: E_NOMEM, nothing leaked, output untouched */
    for (c.fail_at = 1; c.fail_at <= 5; c.fail_at++) {
        int st;
        c.allocs = c.frees = 0;
        for (i = 0; i < N; i++)
            cls[i] = -1;
        st = cva_value_classes(v, pot, NULL, grp, N, &o, cls, NULL, NULL);
        assert_int_equal(c.allocs, c.frees);
        if (st < 0) {
            assert_int_equal(st, CVA_E_NOMEM);
        }
    }
}

/* Sums beyond DBL_MAX (a fuzz find: NaN): the Gini is scale-free, so the library
   sums the values scaled by a power of two: {M, M, 0} has Gini 1/3 exactly. */
static void gini_overflow(void **state)
{
    const double v[3] = {DBL_MAX, DBL_MAX, 0.0};
    double g = -1.0;
    (void)state;
    assert_int_equal(cva_gini(v, 3, NULL, &g, NULL), CVA_OK);
    assert_true(fabs(g - 1.0 / 3.0) <= 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_vectors),           cmocka_unit_test(random_vs_reference),
        cmocka_unit_test(values_only_ranking),    cmocka_unit_test(presorted_fused),
        cmocka_unit_test(large_and_workspace),
        cmocka_unit_test(classes_vs_reference),   cmocka_unit_test(classes_hand),
        cmocka_unit_test(edge_cases),             cmocka_unit_test(profit_and_diagnostics),
        cmocka_unit_test(allocator),              cmocka_unit_test(gini_overflow),
    };
    return cmocka_run_group_tests_name("tiers", tests, NULL, NULL);
}
