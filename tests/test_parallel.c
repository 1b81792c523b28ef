/*
 * Parallel paths (issue [15]): every call that takes an executor gives the bits of
 * its serial run for 1..8 workers and shuffled task orders on real threads
 * (tests/test_executor.h), and does run its tasks on the executor when the input
 * has more than one chunk. The same file builds the ThreadSanitizer executable
 * (tests/meson.build: parallel-tsan).
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "test_executor.h"

/* ------------------------------------------------------------------ data */

static uint64_t rng_state;

static double urand(void)
{
    return ((double)(test_exec_rand(&rng_state) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* continuous-time BTYD rows: x in 0..~20, T in (1, 78), t_x in (0, T] when x > 0;
   grid = 1: T on whole weeks and rows sorted by (x, T) (few distinct (x, T)) */
static void btyd_rows(size_t n, int grid, double *x, double *tx, double *T)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double u = urand();
        double xi = floor(-log(u) * 2.5);
        if (xi > 20)
            xi = 20;
        x[i] = xi;
        T[i] = grid ? 1.0 + floor(urand() * 77.0) : 1.0 + 77.0 * urand();
        tx[i] = xi > 0 ? T[i] * (0.05 + 0.95 * urand()) : 0.0;
    }
    if (grid) { /* sorted by (x, T): x in 0..20 and T in 1..77 are small integers */
        size_t *cnt = (size_t *)calloc(21 * 78 + 1, sizeof *cnt), k;
        double *tmp = (double *)malloc(3 * n * sizeof *tmp);
        assert_non_null(cnt);
        assert_non_null(tmp);
        for (i = 0; i < n; i++)
            cnt[(size_t)x[i] * 78 + (size_t)T[i] + 1]++;
        for (k = 1; k <= 21 * 78; k++)
            cnt[k] += cnt[k - 1];
        for (i = 0; i < n; i++) {
            const size_t d = cnt[(size_t)x[i] * 78 + (size_t)T[i]]++;
            tmp[d] = x[i];
            tmp[n + d] = tx[i];
            tmp[2 * n + d] = T[i];
        }
        memcpy(x, tmp, n * sizeof *x);
        memcpy(tx, tmp + n, n * sizeof *tx);
        memcpy(T, tmp + 2 * n, n * sizeof *T);
        free(cnt);
        free(tmp);
    }
}

/* BG/BB rows: n opportunities 10..40, x <= t_x <= n, x = 0 iff t_x = 0 */
static void bgbb_rows(size_t n, double *x, double *tx, double *T)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double nn = 10.0 + floor(urand() * 31.0);
        double t = floor(urand() * (nn + 1.0));
        double xi = t > 0 ? 1.0 + floor(urand() * t) : 0.0;
        x[i] = xi;
        tx[i] = t;
        T[i] = nn;
    }
}

/* executors: workers 1..8, a different task order for every run */
#define N_CONF 8

static void fit_same(const cva_model_fit *a, const cva_model_fit *b)
{
    assert_memory_equal(a->params, b->params, sizeof a->params);
    assert_memory_equal(a->std_err, b->std_err, sizeof a->std_err);
    assert_memory_equal(a->cov, b->cov, sizeof a->cov);
    assert_memory_equal(&a->log_likelihood, &b->log_likelihood, sizeof(double));
    assert_memory_equal(&a->grad_norm, &b->grad_norm, sizeof(double));
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->evaluations, b->evaluations);
    assert_int_equal(a->converged, b->converged);
}

/* ------------------------------------------------------------------ fits */

static void fit_one(int32_t model, const double *x, const double *tx, const double *T, size_t n, unsigned max_w)
{
    cva_fit_opts o;
    cva_model_fit ref, f;
    cva_status st_ref, st;
    unsigned w;
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_model_fit_init(&ref, sizeof ref);
    st_ref = cva_model_fit_btyd(model, x, tx, T, NULL, n, &o, &ref, NULL);
    assert_true(st_ref >= 0);
    assert_true(ref.n_rows > 2048); /* more than one task (CVA__LL_CHUNK rows each) */
    for (w = 1; w <= max_w; w++) {
        test_exec e;
        test_exec_init(&e, w, 1000u * (uint64_t)model + w);
        o.executor = &e.ex;
        cva_model_fit_init(&f, sizeof f);
        st = cva_model_fit_btyd(model, x, tx, T, NULL, n, &o, &f, NULL);
        assert_int_equal(st, st_ref);
        fit_same(&ref, &f);
        if (w >= 2)
            assert_true(e.runs > 0 && e.tasks > 0);
        else
            assert_int_equal(e.runs, 0);
        test_exec_destroy(&e);
    }
}

static void fits_btyd(void **state)
{
    enum { N = 6000 };
    static double x[N], tx[N], T[N];
    (void)state;
    rng_state = 42;
    btyd_rows(N, 0, x, tx, T);
    fit_one(CVA_MODEL_BGNBD, x, tx, T, N, N_CONF);
    fit_one(CVA_MODEL_MBGNBD, x, tx, T, N, 3);
    fit_one(CVA_MODEL_NBD, x, tx, T, N, 3);
    fit_one(CVA_MODEL_PNBD, x, tx, T, 4500, 2);
    fit_one(CVA_MODEL_GGOMNBD, x, tx, T, 4500, 2); /* its grouped integral: per task */
}

/* The merge of identical rows above 65536 rows (lib/btyd_merge.c: in
   partitions, on the executor): the fit of 90000 weighted rows with many
   repeats (weights that are not integers, so that the order of their sums
   shows; t_x = -0 next to +0) has the bits of the fit of the rows merged here
   by brute force (sorted by (x, T, t_x), weights summed in input order, 12k
   distinct rows: the serial merge, which keeps them), for 1..8 workers and
   shuffled task orders. */
static int key_then_row(const void *pa, const void *pb)
{
    const double *a = (const double *)pa, *b = (const double *)pb; /* x, T, t_x, row */
    int k;
    for (k = 0; k < 4; k++)
        if (a[k] < b[k] || a[k] > b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* An executor that runs half of the tasks of each run (the odd ones, on the calling
   thread) and then reports a failure: the library must rerun them all serially. */
typedef struct half_exec {
    cva_executor ex;
    size_t runs;
} half_exec;

static int half_exec_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    half_exec *h = (half_exec *)ctx;
    size_t i;
    h->runs++;
    for (i = 1; i < n_tasks; i += 2)
        fn(arg, i, 1);
    return -1;
}

/* the rows merged by brute force: sorted by (x, T, t_x, row), weights summed in
   input order; srt: 4 n doubles of scratch. Returns the distinct rows. */
static size_t brute_merge(const double *x, const double *tx, const double *T, const double *w, size_t n,
                          double *srt, double *mx, double *mtx, double *mT, double *mw)
{
    size_t i, nd = 0;
    for (i = 0; i < n; i++) {
        srt[4 * i] = x[i];
        srt[4 * i + 1] = T[i];
        srt[4 * i + 2] = tx[i] + 0.0;
        srt[4 * i + 3] = (double)i;
    }
    qsort(srt, n, 4 * sizeof(double), key_then_row);
    for (i = 0; i < n; i++) {
        const double *r = srt + 4 * i;
        if (nd == 0 || !(r[0] <= mx[nd - 1] && r[0] >= mx[nd - 1] && r[1] <= mT[nd - 1] && r[1] >= mT[nd - 1] &&
                         r[2] <= mtx[nd - 1] && r[2] >= mtx[nd - 1])) {
            mx[nd] = r[0];
            mT[nd] = r[1];
            mtx[nd] = r[2];
            mw[nd] = w[(size_t)r[3]];
            nd++;
        } else {
            mw[nd - 1] += w[(size_t)r[3]];
        }
    }
    return nd;
}

static void fits_merge_partitions(void **state)
{
    enum { N = 90000 };
    static double x[N], tx[N], T[N], w[N], srt[4 * N], mx[N], mtx[N], mT[N], mw[N];
    cva_fit_opts o;
    cva_model_fit ref, f;
    size_t i, nd;
    unsigned wk;
    int model;
    (void)state;
    rng_state = 2027;
    for (i = 0; i < N; i++) {
        const double xi = floor(-log(urand()) * 2.0);
        x[i] = xi > 15 ? 15 : xi;
        T[i] = 20.0 + floor(urand() * 80.0);
        tx[i] = x[i] > 0 ? T[i] * (1.0 + floor(urand() * 16.0)) / 16.0 : (i % 3 ? 0.0 : -0.0);
        w[i] = 0.1 + 0.3 * floor(urand() * 7.0);
    }
    nd = brute_merge(x, tx, T, w, N, srt, mx, mtx, mT, mw);
    assert_true(nd > 5000 && nd < 65536);
#if defined(__SANITIZE_THREAD__)
    for (model = 0; model < 1; model++) { /* ThreadSanitizer: BG/NBD only, up to 3 workers */
#else
    for (model = 0; model < 2; model++) {
#endif
        const int32_t mdl = model ? CVA_MODEL_MBGNBD : CVA_MODEL_BGNBD;
        assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
        cva_model_fit_init(&ref, sizeof ref);
        assert_true(cva_model_fit_btyd(mdl, mx, mtx, mT, mw, nd, &o, &ref, NULL) >= 0);
        assert_int_equal(ref.n_rows, nd);
#if defined(__SANITIZE_THREAD__)
        for (wk = 1; wk <= 3u; wk++) {
#else
        for (wk = 1; wk <= (model ? 3u : N_CONF); wk++) {
#endif
            test_exec e;
            test_exec_init(&e, wk, 555u * wk + (uint64_t)model);
            o.executor = &e.ex;
            cva_model_fit_init(&f, sizeof f);
            assert_true(cva_model_fit_btyd(mdl, x, tx, T, w, N, &o, &f, NULL) >= 0);
            assert_int_equal(f.n_rows, nd);
            fit_same(&ref, &f);
            test_exec_destroy(&e);
        }
    }
}

/* The same with few distinct rows (65 at most over 70000: every partition's run is
   shorter than the 64 key ranges of the final merge, whose bounds then repeat),
   with an executor that fails half-way (the merge's tasks rerun serially), and the
   checks of the rows in tasks. */
static void fits_merge_few(void **state)
{
    enum { N = 70000 };
    static double x[N], tx[N], T[N], w[N], srt[4 * N], mx[N], mtx[N], mT[N], mw[N];
    cva_fit_opts o;
    cva_model_fit ref, f;
    size_t i, nd;
    unsigned wk;
    (void)state;
    rng_state = 3031;
    for (i = 0; i < N; i++) {
        x[i] = floor(urand() * 4.0);
        T[i] = 20.0 + floor(urand() * 5.0);
        tx[i] = x[i] > 0 ? T[i] * (1.0 + floor(urand() * 4.0)) / 4.0 : 0.0;
        w[i] = 0.1 + 0.3 * floor(urand() * 7.0);
    }
    nd = brute_merge(x, tx, T, w, N, srt, mx, mtx, mT, mw);
    assert_true(nd > 40 && nd <= 65);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_model_fit_init(&ref, sizeof ref);
    assert_true(cva_model_fit_btyd(CVA_MODEL_BGNBD, mx, mtx, mT, mw, nd, &o, &ref, NULL) >= 0);
    for (wk = 1; wk <= 4u; wk++) {
        test_exec e;
        test_exec_init(&e, wk, 77u * wk);
        o.executor = &e.ex;
        cva_model_fit_init(&f, sizeof f);
        assert_true(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &f, NULL) >= 0);
        assert_int_equal(f.n_rows, nd);
        fit_same(&ref, &f);
        test_exec_destroy(&e);
    }
    {
        half_exec h;
        h.ex.run = half_exec_run;
        h.ex.ctx = &h;
        h.ex.workers = 3;
        h.runs = 0;
        o.executor = &h.ex;
        cva_model_fit_init(&f, sizeof f);
        assert_true(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &f, NULL) >= 0);
        fit_same(&ref, &f);
        assert_true(h.runs >= 4);
    }
    /* the first look at the rows in tasks (models.c, prescan): the largest T in the
       last chunk; rows without a purchase; the first bad row reported as without
       an executor */
    {
        cva_diag d0, d1;
        cva_status s0, s1;
        test_exec e;
        test_exec_init(&e, 3, 4u);
        T[N - 5] = 30.0;
        for (wk = 0; wk < 2; wk++) {
            o.executor = NULL;
            cva_model_fit_init(&ref, sizeof ref);
            cva_diag_init(&d0, sizeof d0);
            s0 = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &ref, &d0);
            assert_true(s0 >= 0);
            o.executor = &e.ex;
            cva_model_fit_init(&f, sizeof f);
            cva_diag_init(&d1, sizeof d1);
            s1 = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &f, &d1);
            assert_int_equal(s1, s0);
            assert_int_equal(d1.count, d0.count);
            fit_same(&ref, &f);
            x[40001] = tx[40001] = T[40001] = (double)NAN; /* then: a row without a purchase */
        }
        assert_int_equal(d0.count, 1); /* the row without a purchase (the status: the boundary warning) */
        x[40001] = 1.0;
        tx[40001] = 22.0;
        T[40001] = 21.0; /* t_x > T */
        w[20003] = 0.0;   /* weight 0: reported first */
        for (wk = 0; wk < 2; wk++) {
            o.executor = NULL;
            cva_diag_init(&d0, sizeof d0);
            s0 = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &ref, &d0);
            o.executor = &e.ex;
            cva_diag_init(&d1, sizeof d1);
            s1 = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, w, N, &o, &f, &d1);
            assert_int_equal(s0, CVA_E_BADARG);
            assert_int_equal(s1, s0);
            assert_int_equal(d1.index, wk ? 40001 : 20003);
            assert_int_equal(d1.index, d0.index);
            assert_int_equal(d1.arg, d0.arg);
            w[20003] = 0.5;
        }
        test_exec_destroy(&e);
    }
}

static void fits_bgbb(void **state)
{
    enum { N = 20000 };
    static double x[N], tx[N], T[N];
    (void)state;
    rng_state = 7;
    bgbb_rows(N, x, tx, T);
    fit_one(CVA_MODEL_BGBB, x, tx, T, N, 3);
}

static void fits_gg(void **state)
{
    enum { N = 7000 };
    static double x[N], m[N];
    cva_fit_opts o;
    cva_model_fit ref, f;
    cva_status st_ref, st;
    unsigned w;
    size_t i;
    (void)state;
    rng_state = 11;
    for (i = 0; i < N; i++) { /* x = 1 has over 2048 distinct spends: several pieces */
        x[i] = 1.0 + floor(-log(urand()) * 0.8);
        m[i] = 5.0 + 60.0 * urand() * urand();
    }
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_model_fit_init(&ref, sizeof ref);
    st_ref = cva_gg_fit(x, m, NULL, N, &o, &ref, NULL);
    assert_true(st_ref >= 0);
    for (w = 1; w <= N_CONF; w++) {
        test_exec e;
        test_exec_init(&e, w, 77u + w);
        o.executor = &e.ex;
        cva_model_fit_init(&f, sizeof f);
        st = cva_gg_fit(x, m, NULL, N, &o, &f, NULL);
        assert_int_equal(st, st_ref);
        fit_same(&ref, &f);
        if (w >= 2)
            assert_true(e.tasks > 0);
        test_exec_destroy(&e);
    }
}

/* The Gamma-Gamma fit's likelihood tasks (lib/gg.c): runs of whole pieces (the rows of one
   x, at most 2048 merged rows) of 4096 or more rows plus 64 per piece, cut from the data
   alone. 20000 rows: x = 1 with 9000 distinct spends (five pieces, the tasks' edges fall
   inside it), x = 2..8, and 600 rows of 300 distinct large x (300 pieces of two rows: a
   task spans dozens of them). Every worker count runs the same number of tasks per
   evaluation, about (rows + 64 pieces) / 4096 of them, and gives the bits of the serial
   fit; one task per piece (over 300 per evaluation) fails the bound. */
static void fits_gg_tasks(void **state)
{
    enum { N = 20000, TAIL = 600 };
    static double x[N], m[N];
    cva_fit_opts o;
    cva_model_fit ref, f;
    cva_status st_ref, st;
    size_t i, per_run = 0, pieces = 0, n_x[8] = {0}, max_tasks;
    unsigned w;
    (void)state;
    rng_state = 29;
    for (i = 0; i < N; i++) {
        m[i] = 3.0 + 80.0 * urand() * urand();
        if (i < 9000)
            x[i] = 1.0;
        else if (i < N - TAIL)
            x[i] = 2.0 + (double)(i % 7);
        else
            x[i] = 20.0 + (double)((i - (N - TAIL)) / 2); /* 300 x values, two rows each */
    }
    for (i = 9000; i < N - TAIL; i++)
        n_x[i % 7]++;
    pieces = (9000 + 2047) / 2048 + TAIL / 2;
    for (i = 0; i < 7; i++)
        pieces += (n_x[i] + 2047) / 2048;
    /* each task but the last costs at least 4096 */
    max_tasks = (N + 64 * pieces) / 4096 + 1;
    assert_true(max_tasks < pieces / 10);
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_model_fit_init(&ref, sizeof ref);
    st_ref = cva_gg_fit(x, m, NULL, N, &o, &ref, NULL);
    assert_int_equal(st_ref, CVA_OK);
    assert_int_equal(ref.n_rows, N);
    for (w = 2; w <= N_CONF; w++) {
        test_exec e;
        test_exec_init(&e, w, 1234u + w);
        o.executor = &e.ex;
        cva_model_fit_init(&f, sizeof f);
        st = cva_gg_fit(x, m, NULL, N, &o, &f, NULL);
        assert_int_equal(st, st_ref);
        fit_same(&ref, &f);
        assert_true(e.runs > 10);
        assert_int_equal(e.tasks % e.runs, 0); /* the same tasks in every evaluation */
        if (w == 2)
            per_run = e.tasks / e.runs;
        assert_int_equal(e.tasks / e.runs, per_run); /* and for every worker count */
        test_exec_destroy(&e);
    }
    assert_true(per_run >= 2);
    assert_true(per_run <= max_tasks);
}

/* The Gamma-Gamma fit's rows prepared in tasks (lib/gg.c, from 65536 rows with two
   workers or more): checks, key ranges, per-range sorts, merged rows and pieces. 90000
   rows with repeated (x, m_x) pairs (merged), weights that are not integers (the order
   of their sums shows), x = 1 with over 2048 distinct spends in several key ranges (its
   pieces cross the ranges' edges), x not whole and whole x of 126..132 (the key ranges
   of whole x below 128 come from a table, the others from a search among all bounds),
   rows left out (x = 0, m_x = 0, no purchase); with and
   without merging, with and without weights. The fit on one worker (the serial
   preparation) is the reference: 2..8 workers in shuffled orders and an executor that
   fails half-way give its bits, and the first bad row is reported alike. */
static void gg_rows(size_t n, double *x, double *m, double *w)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const double u = urand();
        x[i] = 1.0 + floor(-log(urand()) * 1.5);
        /* a third of the rows on a grid of 400 spends: many identical rows */
        m[i] = i % 3 ? 5.0 + 60.0 * u * urand() : 5.0 + 0.25 * floor(u * 400.0);
        w[i] = 0.1 + 0.3 * floor(urand() * 7.0);
        if (i % 53 == 9) /* x not whole, and whole x beyond the key ranges' table (128) */
            x[i] += 0.5;
        if (i % 211 == 17)
            x[i] = 126.0 + (double)(i % 7);
        if (i % 97 == 5)
            x[i] = 0.0;
        if (i % 89 == 7)
            m[i] = 0.0;
        if (i % 101 == 3)
            x[i] = m[i] = (double)NAN;
    }
}

static void fits_gg_prep(void **state)
{
    enum { N = 90000 };
    static double x[N], m[N], w[N];
    cva_fit_opts o;
    cva_model_fit ref, f;
    cva_diag dref, d;
    cva_status st_ref, st;
    unsigned wk;
    int var;
    (void)state;
    rng_state = 4242;
    gg_rows(N, x, m, w);
    for (var = 0; var < 3; var++) { /* merged + weights, merged, unmerged + weights */
        const double *wt = var == 1 ? NULL : w;
        assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
        o.merge_rows = var < 2;
        cva_model_fit_init(&ref, sizeof ref);
        cva_diag_init(&dref, sizeof dref);
        st_ref = cva_gg_fit(x, m, wt, N, &o, &ref, &dref);
        assert_int_equal(st_ref, CVA_W_EXCLUDED);
        if (var < 2)
            assert_true(ref.n_rows < (uint64_t)N * 9 / 10); /* rows were merged */
#if defined(__SANITIZE_THREAD__)
        for (wk = 2; wk <= 3u; wk++) {
#else
        for (wk = 2; wk <= N_CONF; wk++) {
#endif
            test_exec e;
            test_exec_init(&e, wk, 31u * wk + (uint64_t)var);
            o.executor = &e.ex;
            cva_model_fit_init(&f, sizeof f);
            cva_diag_init(&d, sizeof d);
            st = cva_gg_fit(x, m, wt, N, &o, &f, &d);
            assert_int_equal(st, st_ref);
            assert_int_equal(d.count, dref.count);
            assert_int_equal(f.n_rows, ref.n_rows);
            fit_same(&ref, &f);
            assert_true(e.runs > 6); /* the preparation's sections ran on it */
            test_exec_destroy(&e);
        }
        {
            half_exec h;
            h.ex.run = half_exec_run;
            h.ex.ctx = &h;
            h.ex.workers = 4;
            h.runs = 0;
            o.executor = &h.ex;
            cva_model_fit_init(&f, sizeof f);
            st = cva_gg_fit(x, m, wt, N, &o, &f, NULL);
            assert_int_equal(st, st_ref);
            fit_same(&ref, &f);
            assert_true(h.runs > 6);
        }
    }
    /* the first bad row is reported, wherever its chunk runs */
    {
        const double keep = m[70001], keepw = w[30002];
        test_exec e;
        m[70001] = HUGE_VAL;
        w[30002] = -1.0;
        assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
        cva_diag_init(&dref, sizeof dref);
        cva_model_fit_init(&ref, sizeof ref);
        st_ref = cva_gg_fit(x, m, w, N, &o, &ref, &dref);
        assert_int_equal(st_ref, CVA_E_BADARG);
        assert_int_equal(dref.index, 30002);
        test_exec_init(&e, 4, 99u);
        o.executor = &e.ex;
        cva_diag_init(&d, sizeof d);
        st = cva_gg_fit(x, m, w, N, &o, &f, &d);
        assert_int_equal(st, CVA_E_BADARG);
        assert_int_equal(d.index, 30002);
        assert_int_equal(d.arg, dref.arg);
        w[30002] = keepw;
        cva_diag_init(&d, sizeof d);
        st = cva_gg_fit(x, m, w, N, &o, &f, &d);
        assert_int_equal(st, CVA_E_NONFINITE);
        assert_int_equal(d.index, 70001);
        assert_int_equal(d.arg, 2);
        m[70001] = keep;
        test_exec_destroy(&e);
    }
}

/* Covariate fits (lib/covariates.c): the objective, gradient and block-Hessian sums in
   tasks of 2048 merged rows. 6000 customers with continuous (x, t_x, T) in six covariate
   groups: three tasks whose edges cut through groups. 1, 2, 3 and 8 workers (Pareto/NBD: 2)
   in shuffled task orders give the bits of the fit without an executor (coefficients,
   standard errors, fit). */
enum { CN = 6000 };
static double cx_[CN], ctx_[CN], cT_[CN], cz_[2 * CN];

static void cov_rows(void)
{
    size_t i;
    rng_state = 21;
    btyd_rows(CN, 0, cx_, ctx_, cT_);
    for (i = 0; i < CN; i++) {
        cz_[2 * i] = (double)(i % 2);
        cz_[2 * i + 1] = (double)((i / 2) % 3);
    }
}

static void cov_fits(void **state)
{
    static const int32_t models[2] = {CVA_MODEL_BGNBD, CVA_MODEL_PNBD};
    static const unsigned bg_w[] = {1, 2, 3, 8, 0}, pn_w[] = {2, 0}; /* time (ThreadSanitizer) */
    const unsigned *ws;
    cva_cov_opts co;
    cva_fit_opts o;
    int mi;
    (void)state;
    cov_rows();
    assert_status(cva_cov_opts_init_defaults(&co, sizeof co), CVA_OK);
    co.n_cov = 2;
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (mi = 0; mi < 2; mi++) {
        cva_model_fit ref, f;
        cva_cov_fit cref, cf;
        cva_status st_ref, st;
        unsigned w;
        o.executor = NULL;
        cva_model_fit_init(&ref, sizeof ref);
        cva_cov_fit_init(&cref, sizeof cref);
        st_ref = cva_cov_fit_btyd(models[mi], cx_, ctx_, cT_, cz_, NULL, CN, &co, &o, &ref, &cref, NULL);
        assert_true(st_ref >= 0);
        assert_true(ref.n_rows > 2 * 2048); /* three tasks */
        for (ws = mi == 0 ? bg_w : pn_w; (w = *ws) != 0; ws++) {
            test_exec e;
            test_exec_init(&e, w, 300u + 10u * (unsigned)mi + w);
            o.executor = &e.ex;
            cva_model_fit_init(&f, sizeof f);
            cva_cov_fit_init(&cf, sizeof cf);
            st = cva_cov_fit_btyd(models[mi], cx_, ctx_, cT_, cz_, NULL, CN, &co, &o, &f, &cf, NULL);
            assert_int_equal(st, st_ref);
            fit_same(&ref, &f);
            assert_memory_equal(&cf, &cref, sizeof cf);
            if (w >= 2)
                assert_true(e.runs > 0 && e.tasks > 0);
            else
                assert_int_equal(e.runs, 0);
            test_exec_destroy(&e);
        }
    }
}

/* Covariate fits whose start is evaluated on the pooled rows (lib/covariates.c, pool_start():
   the distinct (x, t_x, T) over all patterns, in tasks): weekly data, 40,000 customers in six
   patterns (10,930 merged rows in six tasks, 7,037 pooled rows in four). 1, 2 and 3 workers
   give the bits of the fit without an executor. */
enum { QN = 40000 };
static double qx_[QN], qtx_[QN], qT_[QN], qz_[2 * QN];

static void cov_pooled(void **state)
{
    static const unsigned ws[] = {1, 2, 3, 0};
    const double p[4] = {0.55, 10.0, 0.6, 12.0};
    cva_cov_opts co;
    cva_fit_opts o;
    cva_model_fit ref, f;
    cva_cov_fit cref, cf;
    cva_status st_ref, st;
    size_t i;
    const unsigned *w;
    (void)state;
    for (i = 0; i < QN; i++) {
        qz_[2 * i] = (double)(i % 2);
        qz_[2 * i + 1] = (double)((i / 2) % 3);
        qT_[i] = 20.0 + (double)((i * 7919u) % 40u);
        assert_status(cva_sim_btyd(CVA_MODEL_PNBD, p, qT_ + i, 1, 900u + i, qx_ + i, qtx_ + i, NULL), CVA_OK);
        qtx_[i] = ceil(qtx_[i]);
    }
    assert_status(cva_cov_opts_init_defaults(&co, sizeof co), CVA_OK);
    co.n_cov = 2;
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_model_fit_init(&ref, sizeof ref);
    cva_cov_fit_init(&cref, sizeof cref);
    st_ref = cva_cov_fit_btyd(CVA_MODEL_PNBD, qx_, qtx_, qT_, qz_, NULL, QN, &co, &o, &ref, &cref, NULL);
    assert_int_equal(st_ref, CVA_OK);
    assert_int_equal(ref.n_rows, 10930);
    for (w = ws; *w != 0; w++) {
        test_exec e;
        test_exec_init(&e, *w, 700u + *w);
        o.executor = &e.ex;
        cva_model_fit_init(&f, sizeof f);
        cva_cov_fit_init(&cf, sizeof cf);
        st = cva_cov_fit_btyd(CVA_MODEL_PNBD, qx_, qtx_, qT_, qz_, NULL, QN, &co, &o, &f, &cf, NULL);
        assert_int_equal(st, st_ref);
        fit_same(&ref, &f);
        assert_memory_equal(&cf, &cref, sizeof cf);
        if (*w >= 2)
            assert_true(e.runs > 0 && e.tasks > 0);
        test_exec_destroy(&e);
    }
}

/* The covariate fit's merge of the rows in tasks (lib/covariates.c, executors of two or more
   workers; without one, the serial merge): 97 patterns (more than a chunk's 64: the groups
   found serially), rows without a purchase, weights; and 6 patterns with the chunks' own
   patterns, weights. Every worker count in shuffled orders gives the bits of the fit
   without an executor. */
static void cov_merge(void **state)
{
    static const unsigned ws[] = {2, 3, 8, 0};
    static double wt[CN], zv[2 * CN], xv[CN], txv[CN], Tv[CN];
    cva_cov_opts co;
    cva_fit_opts o;
    size_t i;
    int v;
    (void)state;
    cov_rows();
    assert_status(cva_cov_opts_init_defaults(&co, sizeof co), CVA_OK);
    co.n_cov = 2;
    assert_status(cva_fit_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (v = 0; v < 2; v++) {
        cva_model_fit ref, f;
        cva_cov_fit cref, cf;
        cva_status st_ref, st;
        const unsigned *w;
        for (i = 0; i < CN; i++) {
            xv[i] = cx_[i];
            txv[i] = ctx_[i];
            Tv[i] = cT_[i];
            if (v == 0 && i % 89 == 3)
                xv[i] = txv[i] = Tv[i] = (double)NAN;
            wt[i] = 0.5 + (double)(i % 7) * 0.37;
            zv[2 * i] = cz_[2 * i];
            zv[2 * i + 1] = v == 0 ? (double)(i % 97) / 97.0 : cz_[2 * i + 1];
        }
        o.executor = NULL;
        cva_model_fit_init(&ref, sizeof ref);
        cva_cov_fit_init(&cref, sizeof cref);
        st_ref = cva_cov_fit_btyd(CVA_MODEL_BGNBD, xv, txv, Tv, zv, wt, CN, &co, &o, &ref, &cref, NULL);
        assert_true(st_ref >= 0);
        for (w = ws; *w != 0; w++) {
            test_exec e;
            test_exec_init(&e, *w, 700u + 10u * (unsigned)v + *w);
            o.executor = &e.ex;
            cva_model_fit_init(&f, sizeof f);
            cva_cov_fit_init(&cf, sizeof cf);
            st = cva_cov_fit_btyd(CVA_MODEL_BGNBD, xv, txv, Tv, zv, wt, CN, &co, &o, &f, &cf, NULL);
            assert_int_equal(st, st_ref);
            fit_same(&ref, &f);
            assert_memory_equal(&cf, &cref, sizeof cf);
            assert_true(e.runs > 0 && e.tasks > 0);
            test_exec_destroy(&e);
        }
    }
}

/* ----------------------------------------------------------- predictions */

enum { PN = 280000, PK = 4 }; /* three prediction tasks of 131072 rows */
static double px_[PN], ptx_[PN], pT_[PN], pref[PN * PK], pout[PN * PK];

typedef cva_status (*pred_fn)(int32_t, const double *, double, const double *, const double *, const double *,
                              size_t, double *, const cva_predict_opts *, cva_diag *);

/* worker counts: every one of 1..8 for some calls, a few for the others (time) */
static const unsigned ALL_W[] = {1, 2, 3, 4, 5, 6, 7, 8, 0};
static const unsigned FEW_W[] = {2, 3, 8, 0};

static void pred_check(pred_fn f, int32_t model, const double *prm, double s, size_t n, const unsigned *ws)
{
    cva_predict_opts o;
    cva_status st_ref, st;
    unsigned w;
    st_ref = f(model, prm, s, px_, ptx_, pT_, n, pref, NULL, NULL);
    assert_true(st_ref >= 0);
    assert_status(cva_predict_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (; (w = *ws) != 0; ws++) {
        test_exec e;
        test_exec_init(&e, w, 5u * w + (uint64_t)model);
        o.executor = &e.ex;
        memset(pout, 0, n * sizeof *pout);
        st = f(model, prm, s, px_, ptx_, pT_, n, pout, &o, NULL);
        assert_int_equal(st, st_ref);
        assert_memory_equal(pout, pref, n * sizeof *pout);
        if (w >= 2)
            assert_int_equal(e.tasks, 3);
        test_exec_destroy(&e);
    }
}

static void predictions(void **state)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    static const double pn[4] = {0.55, 10.6, 0.61, 11.7};
    static const double nbd[2] = {0.4, 6.0};
    cva_predict_opts o;
    unsigned w;
    (void)state;
    rng_state = 3;
    btyd_rows(PN, 1, px_, ptx_, pT_);
    pred_check(cva_model_p_alive, CVA_MODEL_BGNBD, bg, 0.0, PN, ALL_W);
    pred_check(cva_model_p_alive, CVA_MODEL_PNBD, pn, 10.0, PN, FEW_W);
    pred_check(cva_model_expected, CVA_MODEL_BGNBD, bg, 39.0, PN, FEW_W);
    pred_check(cva_model_expected, CVA_MODEL_MBGNBD, bg, 39.0, PN, FEW_W);
    pred_check(cva_model_expected, CVA_MODEL_PNBD, pn, 39.0, PN, FEW_W);
    pred_check(cva_model_expected, CVA_MODEL_NBD, nbd, 39.0, PN, FEW_W);
    pred_check(cva_model_dert, CVA_MODEL_BGNBD, bg, 0.15 / 52.0, PN, FEW_W);
    pred_check(cva_model_dert, CVA_MODEL_PNBD, pn, 0.15 / 52.0, PN, FEW_W);
    pred_check(cva_model_cond_variance, CVA_MODEL_BGNBD, bg, 39.0, PN, FEW_W);
    pred_check(cva_model_cond_variance, CVA_MODEL_PNBD, pn, 39.0, PN, FEW_W);
    /* the conditional distribution: n × PK values */
    assert_status(cva_model_cond_prob_n(CVA_MODEL_PNBD, pn, 39.0, px_, ptx_, pT_, PN, PK, pref, NULL, NULL),
                  CVA_OK);
    assert_status(cva_predict_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (w = 1; w <= N_CONF; w += 3) {
        test_exec e;
        test_exec_init(&e, w, 900u + w);
        o.executor = &e.ex;
        memset(pout, 0, sizeof pout);
        assert_status(cva_model_cond_prob_n(CVA_MODEL_PNBD, pn, 39.0, px_, ptx_, pT_, PN, PK, pout, &o, NULL),
                      CVA_OK);
        assert_memory_equal(pout, pref, PN * PK * sizeof *pout);
        test_exec_destroy(&e);
    }
    /* a customer without a purchase: compacted, then the same tasks */
    px_[5] = ptx_[5] = pT_[5] = (double)NAN;
    pred_check(cva_model_p_alive, CVA_MODEL_BGNBD, bg, 0.0, PN, ALL_W);
}

/* cva_model_predict: both outputs, every executor of 1..8 workers, the bits and status
   of the two separate calls without an executor (Pareto/NBD: one pass; BG/NBD: the two
   calls; then with a customer without a purchase) */
static void predict_pair(void **state)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    static const double pn[4] = {0.55, 10.6, 0.61, 11.7};
    static double ey_ref[PN];
    cva_predict_opts o;
    int k;
    unsigned w;
    (void)state;
    rng_state = 5;
    btyd_rows(PN, 1, px_, ptx_, pT_);
    assert_status(cva_predict_opts_init_defaults(&o, sizeof o), CVA_OK);
    for (k = 0; k < 4; k++) {
        const int32_t m = k % 2 ? CVA_MODEL_BGNBD : CVA_MODEL_PNBD;
        const double *prm = k % 2 ? bg : pn;
        cva_status s1, s2, st_ref;
        if (k == 2)
            px_[7] = ptx_[7] = pT_[7] = (double)NAN;
        s1 = cva_model_p_alive(m, prm, 10.0, px_, ptx_, pT_, PN, pref, NULL, NULL);
        s2 = cva_model_expected(m, prm, 39.0, px_, ptx_, pT_, PN, ey_ref, NULL, NULL);
        assert_true(s1 >= 0 && s2 >= 0);
        st_ref = s2 > s1 ? s2 : s1;
        assert_int_equal(st_ref, k >= 2 ? CVA_W_EXCLUDED : CVA_OK);
        for (w = 1; w <= 8; w++) {
            test_exec e;
            test_exec_init(&e, w, 1300u + 16u * (unsigned)k + w);
            o.executor = &e.ex;
            memset(pout, 0, 2 * PN * sizeof *pout);
            assert_int_equal(cva_model_predict(m, prm, 10.0, 39.0, px_, ptx_, pT_, PN, pout, pout + PN, &o, NULL),
                             st_ref);
            assert_memory_equal(pout, pref, PN * sizeof *pout);
            assert_memory_equal(pout + PN, ey_ref, PN * sizeof *pout);
            if (w >= 2)
                assert_true(e.tasks >= 3);
            test_exec_destroy(&e);
        }
    }
}

/* Covariate predictions: the customers in group order in tasks of 16384; 40000 customers
   in six groups (three tasks), one without a purchase; then bad rows: the same error and
   row as without an executor. */
static void cov_predictions(void **state)
{
    enum { NP = 40000 };
    static double zx[NP], ztx[NP], zT[NP], zz[2 * NP], ref[NP], out[NP];
    static const int32_t q[3] = {CVA_COV_P_ALIVE, CVA_COV_EXPECTED, CVA_COV_DERT};
    static const double hq[3] = {0.0, 39.0, 0.15 / 52.0};
    static const unsigned two[] = {2, 0}; /* time (ThreadSanitizer): the other cases with two workers */
    const double bg[4] = {0.243, 4.414, 0.793, 2.426}, pn[4] = {0.55, 10.6, 0.61, 11.7};
    cva_predict_opts o;
    cva_cov_fit cf;
    size_t i;
    int k;
    (void)state;
    rng_state = 23;
    btyd_rows(NP, 1, zx, ztx, zT);
    for (i = 0; i < NP; i++) {
        zz[2 * i] = (double)(i % 2);
        zz[2 * i + 1] = (double)((i / 2) % 3);
    }
    zx[17] = ztx[17] = zT[17] = (double)NAN;
    assert_status(cva_predict_opts_init_defaults(&o, sizeof o), CVA_OK);
    cva_cov_fit_init(&cf, sizeof cf);
    cf.n_cov = 2;
    cf.gamma_life[0] = 0.3;
    cf.gamma_life[1] = -0.2;
    cf.gamma_trans[0] = -0.25;
    cf.gamma_trans[1] = 0.15;
    for (k = 0; k < 6; k++) {
        const unsigned *ws = k == 0 ? FEW_W : two;
        const double *p = k % 2 ? pn : bg;
        cva_status st_ref;
        unsigned w;
        cf.model = k % 2 ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD;
        st_ref = cva_cov_predict(p, &cf, q[k / 2], hq[k / 2], zx, ztx, zT, zz, NP, ref, NULL, NULL);
        assert_int_equal(st_ref, CVA_W_EXCLUDED);
        for (; (w = *ws) != 0; ws++) {
            test_exec e;
            test_exec_init(&e, w, 700u + 16u * (unsigned)k + w);
            o.executor = &e.ex;
            memset(out, 0, sizeof out);
            assert_int_equal(cva_cov_predict(p, &cf, q[k / 2], hq[k / 2], zx, ztx, zT, zz, NP, out, &o, NULL),
                             st_ref);
            assert_memory_equal(out, ref, sizeof out);
            if (w >= 2)
                assert_int_equal(e.tasks, 3);
            test_exec_destroy(&e);
        }
    }
    /* t_x > T in the last task and in the first: the first row is reported */
    ztx[NP - 3] = zT[NP - 3] + 1.0;
    ztx[4] = zT[4] + 1.0;
    cf.model = CVA_MODEL_BGNBD;
    for (k = 0; k < 2; k++) {
        cva_diag d0, d1;
        test_exec e;
        cva_diag_init(&d0, sizeof d0);
        cva_diag_init(&d1, sizeof d1);
        test_exec_init(&e, 4, 800u + (unsigned)k);
        o.executor = &e.ex;
        assert_int_equal(cva_cov_predict(bg, &cf, CVA_COV_P_ALIVE, 0.0, zx, ztx, zT, zz, NP, out, NULL, &d0),
                         cva_cov_predict(bg, &cf, CVA_COV_P_ALIVE, 0.0, zx, ztx, zT, zz, NP, out, &o, &d1));
        assert_true(d0.status < 0);
        assert_int_equal(d0.index, k == 0 ? 4 : NP - 3);
        assert_int_equal(d1.index, d0.index);
        assert_int_equal(d1.arg, d0.arg);
        assert_string_equal(d1.detail, d0.detail);
        test_exec_destroy(&e);
        ztx[4] = 0.5 * zT[4]; /* the second round: only the last task's row */
        if (zx[4] == 0.0)
            ztx[4] = 0.0;
    }
}

static void clv(void **state)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    static const double bb[4] = {1.2, 0.75, 0.66, 2.78};
    static const double gg[3] = {6.25, 3.74, 15.44};
    static double m[PN];
    static const int32_t steps[3] = {12, 40, 0};
    cva_clv_opts o;
    size_t i;
    int c;
    unsigned w;
    (void)state;
    rng_state = 5;
    for (i = 0; i < PN; i++)
        m[i] = 5.0 + 40.0 * urand();
    for (c = 0; c < 4; c++) {
        const int bgbb = c == 3;
        cva_status st_ref, st;
        if (bgbb)
            bgbb_rows(PN, px_, ptx_, pT_);
        else
            btyd_rows(PN, 1, px_, ptx_, pT_);
        assert_status(cva_clv_opts_init_defaults(&o, sizeof o), CVA_OK);
        o.steps = bgbb ? 12 : steps[c];
        o.step_length = bgbb ? 1.0 : 30.0 / 7.0;
        st_ref = cva_clv(bgbb ? CVA_MODEL_BGBB : CVA_MODEL_BGNBD, bgbb ? bb : bg, gg, px_, ptx_, pT_, m, PN, &o, pref,
                         NULL);
        assert_true(st_ref >= 0);
        for (w = c == 0 ? 1 : 2; w <= N_CONF; w += c == 0 ? 1 : 3) {
            test_exec e;
            test_exec_init(&e, w, 300u + w + 17u * (uint64_t)c);
            o.executor = &e.ex;
            st = cva_clv(bgbb ? CVA_MODEL_BGBB : CVA_MODEL_BGNBD, bgbb ? bb : bg, gg, px_, ptx_, pT_, m, PN, &o,
                         pout, NULL);
            assert_int_equal(st, st_ref);
            assert_memory_equal(pout, pref, PN * sizeof *pout);
            if (w >= 2)
                assert_int_equal(e.tasks, 3);
            test_exec_destroy(&e);
        }
    }
}

/* ------------------------------------------------------------------ RFM */

static void rfm(void **state)
{
    enum { N = 300000 }; /* three assignment tasks of 131072 rows, four cut-selection tasks of 3 superblocks */
    static double rec[N], frq[N], mon[N];
    static int32_t r0[N], f0[N], m0[N], r1[N], f1[N], m1[N];
    cva_rfm_cuts c0[3], c1[3];
    cva_rfm_opts o;
    cva_status st0, st1;
    size_t i;
    unsigned w;
    int method;
    (void)state;
    /* rank-first, NTILE and value cuts on random columns; then value cuts with a
       sorted monetary column (each bracket's values in one range of rows: a task's
       piece of the gather space overflows, the counting pass runs again serially) */
    for (method = 0; method < 4; method++) {
        rng_state = 99;
        for (i = 0; i < N; i++) {
            rec[i] = i % 97 == 5 ? (double)NAN : floor(urand() * 365.0); /* ties, and unscored customers */
            frq[i] = 1.0 + floor(-log(urand()) * 3.0);
            mon[i] = method == 3 ? (double)i / 7.0 : floor(urand() * 50000.0) / 100.0;
        }
        assert_status(cva_rfm_opts_init_defaults(&o, sizeof o), CVA_OK);
        o.method = method == 1 ? CVA_RFM_NTILE : method >= 2 ? CVA_RFM_VALUE_CUTS : CVA_RFM_RANK_FIRST;
        for (i = 0; i < 3; i++) {
            c0[i].struct_size = sizeof c0[i];
            c1[i].struct_size = sizeof c1[i];
        }
        st0 = cva_rfm_score(rec, frq, mon, N, &o, r0, f0, m0, c0, NULL, 0, NULL);
        assert_true(st0 >= 0);
        for (w = 1; w <= N_CONF; w++) {
            test_exec e;
            test_exec_init(&e, w, 40u + w + 100u * (uint64_t)method);
            o.executor = &e.ex;
            memset(r1, 0xff, sizeof r1);
            memset(c1, 0x5a, sizeof c1);
            for (i = 0; i < 3; i++)
                c1[i].struct_size = sizeof c1[i];
            st1 = cva_rfm_score(rec, frq, mon, N, &o, r1, f1, m1, c1, NULL, 0, NULL);
            assert_int_equal(st1, st0);
            assert_memory_equal(r1, r0, sizeof r0);
            assert_memory_equal(f1, f0, sizeof f0);
            assert_memory_equal(m1, m0, sizeof m0);
            assert_memory_equal(c1, c0, sizeof c0);
            if (w >= 2) /* 3 assignment tasks + 4 counting tasks of the cut selection */
                assert_int_equal(e.tasks, 7);
            test_exec_destroy(&e);
        }
    }
}

/* ------------------------------------------------------------------ tiers */

static void tiers(void **state)
{
    enum { N = 700000 }; /* buckets in several sort tasks of 2^18 values */
    static double v[N], s0[N], s1[N];
    cva_tiers_opts o;
    double g0, g1, top0[3], top1[3];
    static const double shares[3] = {0.01, 0.1, 0.2};
    size_t i;
    unsigned w;
    (void)state;
    rng_state = 123;
    for (i = 0; i < N; i++) /* money: cents, some losses, many ties */
        v[i] = floor((urand() < 0.15 ? -50.0 : 400.0) * urand() * urand() * 100.0) / 100.0;
    assert_status(cva_tiers_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_true(cva_value_order(v, N, &o, NULL, s0, NULL) >= 0);
    assert_true(cva_gini(v, N, &o, &g0, NULL) >= 0);
    assert_true(cva_top_share(v, N, shares, 3, &o, top0, NULL) >= 0);
    for (i = 1; i < N; i++)
        assert_true(s0[i - 1] >= s0[i]);
    for (w = 1; w <= N_CONF; w++) {
        test_exec e;
        test_exec_init(&e, w, 600u + w);
        o.executor = &e.ex;
        assert_true(cva_value_order(v, N, &o, NULL, s1, NULL) >= 0);
        assert_memory_equal(s1, s0, sizeof s0);
        if (w >= 2)
            assert_true(e.tasks >= 2);
        assert_true(cva_gini(v, N, &o, &g1, NULL) >= 0);
        assert_memory_equal(&g1, &g0, sizeof g0);
        assert_true(cva_top_share(v, N, shares, 3, &o, top1, NULL) >= 0);
        assert_memory_equal(top1, top0, sizeof top0);
        test_exec_destroy(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_btyd),
        cmocka_unit_test(fits_merge_partitions),
        cmocka_unit_test(fits_merge_few),
        cmocka_unit_test(fits_bgbb),
        cmocka_unit_test(fits_gg),
        cmocka_unit_test(fits_gg_tasks),
        cmocka_unit_test(fits_gg_prep),
        cmocka_unit_test(cov_fits),
        cmocka_unit_test(cov_merge),
        cmocka_unit_test(cov_pooled),
        cmocka_unit_test(predictions),
        cmocka_unit_test(predict_pair),
        cmocka_unit_test(cov_predictions),
        cmocka_unit_test(clv),
        cmocka_unit_test(rfm),
        cmocka_unit_test(tiers),
    };
    return cmocka_run_group_tests_name("parallel", tests, NULL, NULL);
}
