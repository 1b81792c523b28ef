/*
 * Status table, version, diag and size queries.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"
#include "../lib/cva_internal.h"

static void status_table(void **state)
{
    (void)state;
    assert_string_equal(cva_status_name(CVA_OK), "CVA_OK");
    assert_string_equal(cva_status_name(CVA_E_NOMEM), "CVA_E_NOMEM");
    assert_string_equal(cva_status_name(CVA_W_EXCLUDED), "CVA_W_EXCLUDED");
    assert_string_equal(cva_status_name(12345), "CVA_UNKNOWN");
    assert_string_equal(cva_strerror(CVA_E_NONFINITE), "NaN or infinite value in input");
    assert_string_equal(cva_strerror(-9999), "unknown status");
    /* pinned values: never renumber */
    assert_int_equal(CVA_E_NULLPTR, -1);
    assert_int_equal(CVA_E_BADARG, -2);
    assert_int_equal(CVA_E_NONFINITE, -3);
    assert_int_equal(CVA_E_DOMAIN, -4);
    assert_int_equal(CVA_E_NOMEM, -5);
    assert_int_equal(CVA_E_NOCONVERGE, -6);
    assert_int_equal(CVA_W_EMPTY, 1);
    assert_int_equal(CVA_W_TIES, 2);
    assert_int_equal(CVA_W_NEGATIVE, 3);
    assert_int_equal(CVA_W_EXCLUDED, 4);
    assert_int_equal(CVA_W_SERIES_LIMIT, 5);
    /* every code in the table has a distinct name and a message */
    {
        static const int codes[] = {
#define X_(name, value, msg) value,
            CVA_STATUS_MAP(X_)
#undef X_
        };
        size_t i, j;
        for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
            assert_string_not_equal(cva_status_name(codes[i]), "CVA_UNKNOWN");
            assert_string_not_equal(cva_strerror(codes[i]), "unknown status");
            for (j = 0; j < i; j++)
                assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

static void version(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(cva_version_number(), CVA_VERSION_NUMBER);
    assert_string_equal(cva_version_string(), CVA_VERSION_STRING);
    snprintf(buf, sizeof buf, "%d.%d.%d", CVA_VERSION_MAJOR, CVA_VERSION_MINOR, CVA_VERSION_PATCH);
    assert_string_equal(cva_version_string(), buf);
}

static void diag_and_sizes(void **state)
{
    cva_diag d;
    (void)state;
    assert_status(cva_diag_init(NULL, sizeof d), CVA_E_NULLPTR);
    assert_status(cva_diag_init(&d, sizeof d + 8), CVA_E_ABI_MISMATCH);
    assert_status(cva_diag_init(&d, sizeof d), CVA_OK);
    assert_int_equal(d.index, -1);
    assert_int_equal(d.status, 0);
    assert_non_null(d.detail);
    assert_int_equal(cva_sizeof(CVA_STRUCT_DIAG), sizeof(cva_diag));
    assert_int_equal(cva_sizeof(CVA_STRUCT_ALLOCATOR), sizeof(cva_allocator));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_INPUT), sizeof(cva_txn_input));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_OPTS), sizeof(cva_txn_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_SUMMARY), sizeof(cva_txn_summary));
    assert_int_equal(cva_sizeof(CVA_STRUCT_SIM_OPTS), sizeof(cva_sim_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_EXECUTOR), sizeof(cva_executor));
    assert_int_equal(cva_sizeof(0), 0);
    assert_int_equal(cva_sizeof(9999), 0);
}

/* cva__parallel_for: each task exactly once, on the executor only when it
   has two or more workers and there are two or more tasks; the serial rerun
   when the executor fails. The test executor runs tasks in reverse order
   and hands out worker indices round-robin. */
typedef struct exec_log {
    int calls;       /* run() calls */
    int fail;        /* run() returns nonzero after running half the tasks */
    unsigned workers;
} exec_log;

static int reverse_run(void *ctx, size_t n, cva_task_fn fn, void *arg)
{
    exec_log *log = ctx;
    size_t i, stop = log->fail ? n / 2 : 0;
    log->calls++;
    for (i = n; i > stop; i--)
        fn(arg, i - 1, (unsigned)((n - i) % log->workers));
    return log->fail;
}

typedef struct task_counts {
    int hits[16];
    unsigned max_worker;
    size_t order[32];
    size_t n_order;
} task_counts;

static void count_task(void *arg, size_t task, unsigned worker)
{
    task_counts *c = arg;
    c->hits[task]++;
    if (worker > c->max_worker)
        c->max_worker = worker;
    c->order[c->n_order++] = task;
}

static void parallel_for(void **state)
{
    exec_log log = {0, 0, 4};
    cva_executor ex = {reverse_run, &log, 4};
    cva_executor one = {reverse_run, &log, 1};
    task_counts c;
    size_t i;
    (void)state;

    assert_int_equal(cva__workers(NULL), 1);
    assert_int_equal(cva__workers(&one), 1);
    assert_int_equal(cva__workers(&ex), 4);

    /* no executor: in order on worker 0 */
    memset(&c, 0, sizeof c);
    cva__parallel_for(NULL, 10, count_task, &c);
    for (i = 0; i < 10; i++) {
        assert_int_equal(c.hits[i], 1);
        assert_int_equal(c.order[i], i);
    }
    assert_int_equal(c.max_worker, 0);

    /* one worker or one task: serial, run() never called */
    memset(&c, 0, sizeof c);
    cva__parallel_for(&one, 10, count_task, &c);
    cva__parallel_for(&ex, 1, count_task, &c);
    cva__parallel_for(&ex, 0, count_task, &c);
    assert_int_equal(log.calls, 0);
    assert_int_equal(c.n_order, 11);

    /* the executor runs them: reverse order, workers 0..3 */
    memset(&c, 0, sizeof c);
    cva__parallel_for(&ex, 10, count_task, &c);
    assert_int_equal(log.calls, 1);
    for (i = 0; i < 10; i++)
        assert_int_equal(c.hits[i], 1);
    assert_int_equal(c.order[0], 9);
    assert_int_equal(c.max_worker, 3);

    /* a failing executor: its partial run, then every task on the caller */
    memset(&c, 0, sizeof c);
    log.fail = 1;
    cva__parallel_for(&ex, 10, count_task, &c);
    assert_int_equal(log.calls, 2);
    for (i = 0; i < 10; i++)
        assert_int_equal(c.hits[i], i >= 5 ? 2 : 1);
    assert_int_equal(c.order[5], 0);
    assert_int_equal(c.n_order, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_table),
        cmocka_unit_test(version),
        cmocka_unit_test(diag_and_sizes),
        cmocka_unit_test(parallel_for),
    };
    return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
