/*
 * Transaction summaries on an executor (cva_txn_opts::executor): the same
 * bits as the serial call for 1..8 workers, tasks run in a seeded random
 * order on real POSIX threads, an executor that fails half-way (the library
 * reruns every task serially), and workspaces sized for the workers or only
 * for the serial path. Varied inputs: ties, one- and two-row customers, many
 * partitions and row chunks, a window, invalid rows, a calibration split,
 * costs and periods, referrers (serial path), capacity below the rows.
 *
 * Built twice: as the unit test 'txn-threads' and, with -DCVA_TSAN_BUILD and
 * -fsanitize=thread (the library sources compiled into it), as 'txn-threads-tsan'
 * with smaller inputs; ThreadSanitizer must report nothing.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "cva_test.h"

#ifdef CVA_TSAN_BUILD
#define N_BIG 40000u  /* still 4 partitions and 10 row chunks */
#define MAX_WORKERS 3u
#else
#define N_BIG 150000u /* 16 partitions, 37 row chunks */
#define MAX_WORKERS 8u
#endif

/* ------------------------------------------------------------------------ */
/* Test executor: workers - 1 threads plus the caller (worker 0) take the
   tasks of a seeded random permutation from a shared counter. fail_after:
   run that many tasks, then return 1 (the library must rerun them). */

typedef struct shuf_exec {
    unsigned workers;
    uint64_t seed;
    size_t fail_after; /* SIZE_MAX: never fail */
    unsigned calls;
    /* per run */
    pthread_mutex_t mu;
    size_t next, n, stop;
    size_t *order;
    cva_task_fn fn;
    void *arg;
} shuf_exec;

typedef struct shuf_worker {
    shuf_exec *ex;
    unsigned index;
} shuf_worker;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 11;
}

static void *shuf_loop(void *p)
{
    shuf_worker *w = (shuf_worker *)p;
    shuf_exec *ex = w->ex;
    for (;;) {
        size_t k;
        pthread_mutex_lock(&ex->mu);
        k = ex->next < ex->stop ? ex->next++ : SIZE_MAX;
        pthread_mutex_unlock(&ex->mu);
        if (k == SIZE_MAX)
            return NULL;
        ex->fn(ex->arg, ex->order[k], w->index);
    }
}

static int shuf_run(void *ctx, size_t n, cva_task_fn fn, void *arg)
{
    shuf_exec *ex = (shuf_exec *)ctx;
    pthread_t th[16];
    shuf_worker ws[16];
    size_t i;
    unsigned t, started = 0;
    ex->calls++;
    ex->order = (size_t *)malloc(n * sizeof(size_t));
    if (!ex->order)
        return 1;
    for (i = 0; i < n; i++)
        ex->order[i] = i;
    for (i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(lcg(&ex->seed) % i), tmp = ex->order[i - 1];
        ex->order[i - 1] = ex->order[j];
        ex->order[j] = tmp;
    }
    ex->fn = fn;
    ex->arg = arg;
    ex->n = n;
    ex->next = 0;
    ex->stop = ex->fail_after < n ? ex->fail_after : n;
    pthread_mutex_init(&ex->mu, NULL);
    for (t = 0; t < ex->workers; t++) {
        ws[t].ex = ex;
        ws[t].index = t;
    }
    for (t = 1; t < ex->workers && t < 16; t++) {
        if (pthread_create(&th[t], NULL, shuf_loop, &ws[t]) != 0)
            break;
        started++;
    }
    shuf_loop(&ws[0]);
    for (t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&ex->mu);
    free(ex->order);
    ex->order = NULL;
    return ex->stop < n;
}

/* ------------------------------------------------------------------------ */
/* Outputs: every array, compared byte for byte */

enum { N_U32 = 5, N_F64 = 17 };

typedef struct outs {
    size_t cap;
    int64_t *id;
    uint32_t *u[N_U32];
    double *d[N_F64];
    cva_txn_summary s;
} outs;

static void outs_alloc(outs *o, size_t cap, int holdout)
{
    int j;
    memset(o, 0, sizeof *o);
    o->cap = cap ? cap : 1;
    o->id = (int64_t *)calloc(o->cap, sizeof(int64_t));
    for (j = 0; j < N_U32; j++)
        o->u[j] = (uint32_t *)calloc(o->cap, sizeof(uint32_t));
    for (j = 0; j < N_F64; j++)
        o->d[j] = (double *)calloc(o->cap, sizeof(double));
    cva_txn_summary_init(&o->s, sizeof o->s);
    o->s.capacity = cap;
    o->s.customer_id = o->id;
    o->s.n_txn = o->u[0];
    o->s.n_occ = o->u[1];
    o->s.n_refund = o->u[2];
    o->s.ref_n_txn = o->u[3];
    o->s.ref_n_cust = o->u[4];
    o->s.first_t = o->d[0];
    o->s.last_t = o->d[1];
    o->s.total_amount = o->d[2];
    o->s.total_cost = o->d[3];
    o->s.refund_amount = o->d[4];
    o->s.frequency = o->d[5];
    o->s.recency = o->d[6];
    o->s.T = o->d[7];
    o->s.monetary_value = o->d[8];
    o->s.days_since_last = o->d[9];
    o->s.ref_amount = o->d[10];
    o->s.ref_last_t = o->d[11];
    if (holdout) {
        o->s.frequency_holdout = o->d[12];
        o->s.monetary_value_holdout = o->d[13];
        o->s.duration_holdout = o->d[14];
    }
}

static void outs_free(outs *o)
{
    int j;
    free(o->id);
    for (j = 0; j < N_U32; j++)
        free(o->u[j]);
    for (j = 0; j < N_F64; j++)
        free(o->d[j]);
}

static void outs_same(const outs *a, const outs *b)
{
    size_t K = a->s.n_customers;
    int j;
    assert_int_equal(b->s.n_customers, K);
    assert_memory_equal(a->id, b->id, K * sizeof(int64_t));
    for (j = 0; j < N_U32; j++)
        assert_memory_equal(a->u[j], b->u[j], K * sizeof(uint32_t));
    for (j = 0; j < N_F64; j++)
        assert_memory_equal(a->d[j], b->d[j], K * sizeof(double));
    assert_memory_equal(&a->s.obs_end, &b->s.obs_end, sizeof(double));
    assert_memory_equal(&a->s.calibration_end, &b->s.calibration_end, sizeof(double));
}

/* ------------------------------------------------------------------------ */
/* Inputs */

typedef struct data {
    size_t n;
    int64_t *id, *ref, *per;
    double *t, *a, *c;
} data;

/* n rows over about n / rows_per_cust customers; every 50th customer has one
   row; times on a coarse grid (ties), ~10% refunds, a few zero amounts. */
static void data_make(data *d, size_t n, unsigned rows_per_cust, uint64_t seed)
{
    size_t i, n_ids = n / rows_per_cust + 1;
    d->n = n;
    d->id = (int64_t *)malloc(n * sizeof(int64_t));
    d->ref = (int64_t *)malloc(n * sizeof(int64_t));
    d->per = (int64_t *)malloc(n * sizeof(int64_t));
    d->t = (double *)malloc(n * sizeof(double));
    d->a = (double *)malloc(n * sizeof(double));
    d->c = (double *)malloc(n * sizeof(double));
    for (i = 0; i < n; i++) {
        uint64_t r = lcg(&seed);
        int64_t cust = (int64_t)(r % n_ids);
        if (cust % 50 == 0)
            cust = (int64_t)(n_ids + i); /* a one-row customer */
        d->id[i] = cust * INT64_C(1000003) - INT64_C(5000000);
        d->t[i] = (double)(lcg(&seed) % 3000u) * 0.25;
        d->a[i] = (double)((int)(lcg(&seed) % 400u) - 40) * 0.37;
        d->c[i] = (double)(lcg(&seed) % 16u) * 0.125;
        d->per[i] = (int64_t)(d->t[i] / 30.0);
        d->ref[i] = (lcg(&seed) % 7u == 0) ? (int64_t)(lcg(&seed) % n_ids) * INT64_C(1000003) - INT64_C(5000000)
                                            : CVA_TXN_NO_REFERRER;
    }
}

static void data_free(data *d)
{
    free(d->id);
    free(d->ref);
    free(d->per);
    free(d->t);
    free(d->a);
    free(d->c);
}

/* The variants: which arrays and options. */
enum { V_PLAIN, V_COST_CAL, V_PERIOD_ASROW, V_WINDOW, V_INVALID, V_REFERRERS, V_TIME_PERIOD, N_VARIANTS };

static void variant_setup(int v, const data *d, cva_txn_input *in, cva_txn_opts *o)
{
    memset(in, 0, sizeof *in);
    in->struct_size = sizeof *in;
    in->n = d->n;
    in->customer_id = d->id;
    in->t = d->t;
    in->amount = d->a;
    cva_txn_opts_init_defaults(o, sizeof *o);
    switch (v) {
    case V_COST_CAL:
        in->cost = d->c;
        o->calibration_end = 500.0;
        o->refund_policy = CVA_TXN_REFUND_EXCLUDE;
        o->period_length = 7.0;
        o->time_scale = 7.0;
        break;
    case V_PERIOD_ASROW:
        in->period = d->per;
        o->refund_policy = CVA_TXN_REFUND_AS_ROW;
        o->flags = CVA_TXN_F_ZERO_NOT_PURCHASE;
        break;
    case V_WINDOW:
        o->obs_start = 100.0;
        o->obs_end = 650.0;
        break;
    case V_INVALID:
        o->flags = CVA_TXN_F_SKIP_INVALID;
        break;
    case V_REFERRERS:
        in->referrer_id = d->ref;
        break;
    case V_TIME_PERIOD:
        o->time_convention = CVA_TXN_TIME_PERIOD;
        o->period_length = 3.0;
        o->period_origin = -1.5;
        break;
    default:
        break;
    }
}

static size_t capacity_of(const cva_txn_input *in)
{
    return in->referrer_id ? 2 * in->n : in->n;
}

/* ------------------------------------------------------------------------ */

/* Every variant, 1..MAX_WORKERS workers, random task orders, with and
   without a workspace: the serial bits. */
static void same_bits_any_workers(void **state)
{
    data d;
    int v;
    unsigned rpc;
    (void)state;
    for (rpc = 2; rpc <= 40; rpc += 38) { /* few-row customers, then ~40 rows each */
        data_make(&d, N_BIG, rpc, 1234u + rpc);
        for (v = 0; v < N_VARIANTS; v++) {
            cva_txn_input in;
            cva_txn_opts o;
            outs ref;
            unsigned w;
            int st_ref;
            d.t[17] = v == V_INVALID ? (double)NAN : 1.0; /* one invalid row, skipped */
            variant_setup(v, &d, &in, &o);
            outs_alloc(&ref, capacity_of(&in), v == V_COST_CAL);
            st_ref = cva_txn_summarize(&in, &o, &ref.s, NULL, 0, NULL);
            assert_true(st_ref >= 0);
            assert_int_equal(st_ref, v == V_INVALID || v == V_WINDOW ? CVA_W_EXCLUDED : CVA_OK);
            assert_true(ref.s.n_customers > 100);
            for (w = 1; w <= MAX_WORKERS; w++) {
                shuf_exec sx;
                cva_executor ex;
                outs got;
                size_t ws = 0;
                void *work;
                int use_work;
                memset(&sx, 0, sizeof sx);
                sx.workers = w;
                sx.seed = 99u * w + (uint64_t)v;
                sx.fail_after = SIZE_MAX;
                ex.run = shuf_run;
                ex.ctx = &sx;
                ex.workers = w;
                o.executor = &ex;
                for (use_work = 0; use_work < 2; use_work++) {
                    assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
                    work = use_work ? malloc(ws) : NULL;
                    outs_alloc(&got, capacity_of(&in), v == V_COST_CAL);
                    assert_int_equal(cva_txn_summarize(&in, &o, &got.s, work, use_work ? ws : 0, NULL), st_ref);
                    outs_same(&ref, &got);
                    outs_free(&got);
                    free(work);
                }
                /* the executor was used (w >= 2), and only then: on the referrer
                   path for the validation only (one section per call), else for
                   the validation (whose counts per row chunk the scatter reuses),
                   scatter, hashing and emission */
                if (w < 2)
                    assert_int_equal(sx.calls, 0);
                else if (v == V_REFERRERS)
                    assert_int_equal(sx.calls, 2);
                else
                    assert_true(sx.calls >= 8);
            }
            o.executor = NULL;
            outs_free(&ref);
        }
        data_free(&d);
    }
}

/* An executor that runs some tasks and then reports failure: the library
   runs every task again on the calling thread; same bits. Also a workspace
   of only the serial size with a 4-worker executor (scratch for one: the
   tasks run on the caller), and capacity exactly K and K - 1. */
static void failing_executor_and_small_workspace(void **state)
{
    data d;
    cva_txn_input in;
    cva_txn_opts o;
    outs ref, got;
    shuf_exec sx;
    cva_executor ex;
    size_t ws1, ws4, K, fail;
    void *work;
    (void)state;
    data_make(&d, N_BIG, 5, 777u);
    variant_setup(V_COST_CAL, &d, &in, &o);
    outs_alloc(&ref, in.n, 1);
    assert_status(cva_txn_summarize(&in, &o, &ref.s, NULL, 0, NULL), CVA_OK);
    K = ref.s.n_customers;

    memset(&sx, 0, sizeof sx);
    sx.workers = 3;
    ex.run = shuf_run;
    ex.ctx = &sx;
    ex.workers = 3;
    o.executor = &ex;
    for (fail = 0; fail < 3; fail++) {
        sx.fail_after = fail; /* 0, 1, 2 tasks then failure, every section */
        sx.seed = 5u + fail;
        sx.calls = 0;
        outs_alloc(&got, in.n, 1);
        assert_status(cva_txn_summarize(&in, &o, &got.s, NULL, 0, NULL), CVA_OK);
        assert_true(sx.calls >= 4); /* validation (with the counts), scatter, hashing, emission */
        outs_same(&ref, &got);
        outs_free(&got);
    }

    /* workspace sizes: more with workers, never less; the serial size still works */
    sx.fail_after = SIZE_MAX;
    o.executor = NULL;
    assert_status(cva_txn_workspace_size(&in, &o, &ws1), CVA_OK);
    ex.workers = 4;
    sx.workers = 4;
    o.executor = &ex;
    assert_status(cva_txn_workspace_size(&in, &o, &ws4), CVA_OK);
    assert_true(ws4 >= ws1);
    work = malloc(ws1);
    outs_alloc(&got, in.n, 1);
    assert_status(cva_txn_summarize(&in, &o, &got.s, work, ws1, NULL), CVA_OK);
    outs_same(&ref, &got);
    outs_free(&got);
    outs_alloc(&got, in.n, 1);
    assert_status(cva_txn_summarize(&in, &o, &got.s, work, ws1 - 1, NULL), CVA_E_WORKSPACE_TOO_SMALL);
    outs_free(&got);
    free(work);

    /* capacity below the rows: exactly K fits (same bits), K - 1 writes nothing */
    outs_alloc(&got, K, 1);
    assert_status(cva_txn_summarize(&in, &o, &got.s, NULL, 0, NULL), CVA_OK);
    outs_same(&ref, &got);
    got.s.capacity = K - 1;
    got.id[0] = 777;
    got.d[5][1] = -1.0;
    assert_status(cva_txn_summarize(&in, &o, &got.s, NULL, 0, NULL), CVA_E_BUFFER_TOO_SMALL);
    assert_int_equal(got.s.n_customers, K);
    assert_int_equal(got.id[0], 777);
    assert_true(got.d[5][1] == -1.0);
    outs_free(&got);

    /* an executor with one worker or none: never called */
    sx.calls = 0;
    ex.workers = 1;
    outs_alloc(&got, in.n, 1);
    assert_status(cva_txn_summarize(&in, &o, &got.s, NULL, 0, NULL), CVA_OK);
    outs_same(&ref, &got);
    outs_free(&got);
    assert_int_equal(sx.calls, 0);

    /* an older cva_txn_opts (before executor) is still accepted */
    {
        union {
            cva_txn_opts o;
            unsigned char b[sizeof(cva_txn_opts)];
        } old;
        size_t ws_old;
        memcpy(&old.o, &o, sizeof o);
        old.o.struct_size = (uint32_t)offsetof(cva_txn_opts, executor);
        memset(old.b + offsetof(cva_txn_opts, executor), 0xAB, sizeof(cva_txn_opts) - offsetof(cva_txn_opts, executor));
        outs_alloc(&got, in.n, 1);
        assert_status(cva_txn_summarize(&in, &old.o, &got.s, NULL, 0, NULL), CVA_OK);
        outs_same(&ref, &got);
        outs_free(&got);
        assert_status(cva_txn_workspace_size(&in, &old.o, &ws_old), CVA_OK);
        assert_int_equal(ws_old, ws1);
        assert_status(cva_txn_opts_init_defaults(&old.o, offsetof(cva_txn_opts, executor)), CVA_OK);
    }
    outs_free(&ref);
    data_free(&d);
}

/* Dense ids (the value partitions: ranges of ids, no merge): the value
   histogram is counted per row chunk on the executor and its counts are the
   scatter's; with all rows in the window, a window and skipped invalid rows,
   1..8 workers in random orders, an executor that fails after a few tasks,
   allocating or with a workspace sized for the workers or for one: the serial
   bits, in five sections (validation, value counts, scatter, hashing,
   emission: no merge of the partitions). */
static void value_partitions_on_executor(void **state)
{
    static const int vs[3] = {V_PLAIN, V_WINDOW, V_INVALID};
    data d;
    size_t i, n_ids;
    int k;
    (void)state;
    data_make(&d, N_BIG, 3, 4242u);
    n_ids = N_BIG / 3;
    for (i = 0; i < d.n; i++)
        d.id[i] = (int64_t)(((uint64_t)d.id[i] * UINT64_C(2654435761)) % n_ids) + 11;
    for (k = 0; k < 3; k++) {
        cva_txn_input in;
        cva_txn_opts o;
        outs ref;
        unsigned w;
        int st_ref;
        d.t[17] = vs[k] == V_INVALID ? (double)NAN : 1.0;
        variant_setup(vs[k], &d, &in, &o);
        outs_alloc(&ref, in.n, 0);
        st_ref = cva_txn_summarize(&in, &o, &ref.s, NULL, 0, NULL);
        assert_true(st_ref >= 0);
        assert_true(ref.s.n_customers > n_ids / 2);
        for (i = 1; i < ref.s.n_customers; i++)
            assert_true(ref.id[i - 1] < ref.id[i]);
        for (w = 1; w <= MAX_WORKERS; w++) {
            shuf_exec sx;
            cva_executor ex;
            size_t ws1, wsw, fail;
            int mode;
            memset(&sx, 0, sizeof sx);
            sx.workers = w;
            ex.run = shuf_run;
            ex.ctx = &sx;
            ex.workers = w;
            o.executor = NULL;
            assert_status(cva_txn_workspace_size(&in, &o, &ws1), CVA_OK);
            o.executor = &ex;
            assert_status(cva_txn_workspace_size(&in, &o, &wsw), CVA_OK);
            for (mode = 0; mode < 3; mode++) { /* allocating, workspace for w workers, for one */
                for (fail = 0; fail < 2; fail++) {
                    size_t ws = mode == 0 ? 0 : mode == 1 ? wsw : ws1;
                    void *work = ws ? malloc(ws) : NULL;
                    outs got;
                    sx.seed = 31u * w + 7u * (uint64_t)mode + (uint64_t)k + fail;
                    sx.fail_after = fail ? 2 : SIZE_MAX;
                    sx.calls = 0;
                    outs_alloc(&got, in.n, 0);
                    assert_int_equal(cva_txn_summarize(&in, &o, &got.s, work, ws, NULL), st_ref);
                    outs_same(&ref, &got);
                    outs_free(&got);
                    free(work);
                    if (w < 2)
                        assert_int_equal(sx.calls, 0);
                    else if (mode != 2 && !fail)
                        assert_int_equal(sx.calls, 5);
                }
            }
        }
        outs_free(&ref);
    }
    data_free(&d);
}

/* Dense ids and the fast emission on an executor: the per-partition task
   counts the customers and emits them into a staging copy over the
   partition's scattered rows when it fits (many rows per customer), or only
   counts them (one row per customer: the copy does not fit; the emission
   then runs once the output rows are known); the copies go into place once
   the capacity is checked. The serial bits with 2..MAX_WORKERS workers, an
   executor that fails after 0, 1 or 3 tasks (the staged partitions lost
   their rows: the scatter again), allocating or with a workspace; with
   capacity K - 1 nothing is written. */
static void staged_emission_on_executor(void **state)
{
    static const unsigned rows_per[2] = {40u, 1u};
    int k;
    (void)state;
    for (k = 0; k < 2; k++) {
        data d;
        cva_txn_input in;
        cva_txn_opts o;
        outs ref;
        size_t i, K, n_ids = N_BIG / rows_per[k];
        unsigned w;
        data_make(&d, N_BIG, rows_per[k], 99u + (uint64_t)k);
        for (i = 0; i < d.n; i++)
            d.id[i] = (int64_t)(((uint64_t)d.id[i] * UINT64_C(2654435761)) % n_ids) + 11;
        variant_setup(V_PLAIN, &d, &in, &o);
        outs_alloc(&ref, in.n, 0);
        assert_status(cva_txn_summarize(&in, &o, &ref.s, NULL, 0, NULL), CVA_OK);
        K = ref.s.n_customers;
        assert_true(K > n_ids / 3); /* rows_per 1: ids drawn with repeats, then folded */
        for (w = 2; w <= MAX_WORKERS; w++) {
            static const size_t fails[4] = {SIZE_MAX, 0, 1, 3};
            shuf_exec sx;
            cva_executor ex;
            size_t f, wsw;
            memset(&sx, 0, sizeof sx);
            sx.workers = w;
            ex.run = shuf_run;
            ex.ctx = &sx;
            ex.workers = w;
            o.executor = &ex;
            assert_status(cva_txn_workspace_size(&in, &o, &wsw), CVA_OK);
            for (f = 0; f < 4; f++) {
                int use_ws;
                for (use_ws = 0; use_ws < 2; use_ws++) {
                    void *work = use_ws ? malloc(wsw) : NULL;
                    outs got, small;
                    sx.seed = 17u * w + 5u * (uint64_t)f + (uint64_t)use_ws;
                    sx.fail_after = fails[f];
                    outs_alloc(&got, K, 0);
                    assert_status(cva_txn_summarize(&in, &o, &got.s, work, use_ws ? wsw : 0, NULL), CVA_OK);
                    outs_same(&ref, &got);
                    outs_free(&got);
                    outs_alloc(&small, K - 1, 0);
                    assert_status(cva_txn_summarize(&in, &o, &small.s, work, use_ws ? wsw : 0, NULL),
                                  CVA_E_BUFFER_TOO_SMALL);
                    assert_int_equal(small.s.n_customers, K);
                    for (i = 0; i + 1 < K; i++) /* nothing written */
                        assert_true(small.id[i] == 0 && small.u[0][i] == 0 && small.d[2][i] == 0.0);
                    outs_free(&small);
                    free(work);
                }
            }
        }
        outs_free(&ref);
        data_free(&d);
    }
}

/* The pthreads executor of docs/threads.md (examples/threads.c), compiled
   here too so the page's code cannot rot: same bits as the serial call. */
#define CVA_EXAMPLE_NO_MAIN
#include "../examples/threads.c"

static void docs_example_executor(void **state)
{
    data d;
    cva_txn_input in;
    cva_txn_opts o;
    outs ref, got;
    cva_executor ex;
    pool_ctx pc;
    (void)state;
    data_make(&d, N_BIG, 9, 4242u);
    variant_setup(V_PLAIN, &d, &in, &o);
    outs_alloc(&ref, in.n, 0);
    assert_status(cva_txn_summarize(&in, &o, &ref.s, NULL, 0, NULL), CVA_OK);
    pool_executor(&ex, &pc, 3);
    o.executor = &ex;
    outs_alloc(&got, in.n, 0);
    assert_status(cva_txn_summarize(&in, &o, &got.s, NULL, 0, NULL), CVA_OK);
    outs_same(&ref, &got);
    outs_free(&got);
    outs_free(&ref);
    data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bits_any_workers),
        cmocka_unit_test(failing_executor_and_small_workspace),
        cmocka_unit_test(staged_emission_on_executor),
        cmocka_unit_test(value_partitions_on_executor),
        cmocka_unit_test(docs_example_executor),
    };
    return cmocka_run_group_tests_name("txn_threads", tests, NULL, NULL);
}
