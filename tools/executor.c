/*
 * cva command-line tool: a small POSIX-threads executor (cva_executor,
 * cva/common.h) for --threads N. One process-wide pool (the CLI runs one
 * command): workers - 1 threads wait on a condition variable; each parallel
 * section hands them the tasks, which every thread, the calling one as
 * worker 0, takes from a shared counter until none is left.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor.h"

#define CLI_MAX_THREADS 256u

typedef struct cli_pool {
    unsigned workers;  /* requested */
    unsigned started;  /* threads running (workers - 1 unless creation failed) */
    int tried;         /* threads were started (or tried) */
    pthread_t th[CLI_MAX_THREADS];
    unsigned index[CLI_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen; /* bumped for every section */
    int quit;
    /* the current section */
    size_t next, n_tasks;
    cva_task_fn fn;
    void *arg;
    unsigned busy; /* threads not yet finished with the current section */
} cli_pool;

static unsigned threads_opt = 0; /* 0: not given */
static cli_pool pool = {0, 0, 0, {0}, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                        PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0};
static cva_executor pool_ex;

int cli_threads_set(const char *value, cli_err *err)
{
    uint64_t v;
    if (cli_parse_size_opt("--threads", value, &v, err))
        return err->code;
    if (v < 1 || v > CLI_MAX_THREADS)
        return cli_fail(err, CLI_EXIT_USAGE, "option --threads: %s is not between 1 and %u", value,
                        CLI_MAX_THREADS);
    threads_opt = (unsigned)v;
    return 0;
}

unsigned cli_threads(void)
{
    long n;
    if (threads_opt)
        return threads_opt;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > (long)CLI_MAX_THREADS ? CLI_MAX_THREADS : (unsigned)n;
}

/* Take tasks of the current section until none is left (lock held on entry and exit). */
static void take_tasks(unsigned worker)
{
    while (pool.next < pool.n_tasks) {
        size_t task = pool.next++;
        pthread_mutex_unlock(&pool.mu);
        pool.fn(pool.arg, task, worker);
        pthread_mutex_lock(&pool.mu);
    }
}

static void *pool_thread(void *p)
{
    unsigned worker = *(const unsigned *)p;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.gen == seen && !pool.quit)
            pthread_cond_wait(&pool.go, &pool.mu);
        if (pool.quit)
            break;
        seen = pool.gen;
        take_tasks(worker);
        if (--pool.busy == 0)
            pthread_cond_signal(&pool.done);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

static int pool_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    (void)ctx;
    pthread_mutex_lock(&pool.mu);
    if (!pool.tried) {
        unsigned w;
        pthread_attr_t attr;
        /* a stack of its own size, not the platform's default (8 MiB with glibc, 128 KiB
           with musl): the library's tasks take up to about 100 KiB (docs/threads.md) */
        const int has_attr = pthread_attr_init(&attr) == 0;
        if (has_attr)
            (void)pthread_attr_setstacksize(&attr, (size_t)1 << 20);
        pool.tried = 1;
        for (w = 1; w < pool.workers; w++) {
            pool.index[w] = w;
            if (pthread_create(&pool.th[w], has_attr ? &attr : NULL, pool_thread, &pool.index[w]) != 0)
                break; /* fewer threads: the started ones take more tasks */
            pool.started++;
        }
        if (has_attr)
            pthread_attr_destroy(&attr);
        atexit(cli_executor_shutdown);
    }
    pool.fn = fn;
    pool.arg = arg;
    pool.next = 0;
    pool.n_tasks = n_tasks;
    pool.busy = pool.started;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    take_tasks(0); /* the calling thread is worker 0 */
    while (pool.busy > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    return 0;
}

const cva_executor *cli_executor(void)
{
    unsigned n = cli_threads();
    if (n < 2)
        return NULL;
    if (pool_ex.run == NULL) {
        pool.workers = n;
        pool_ex.run = pool_run;
        pool_ex.ctx = &pool;
        pool_ex.workers = n;
    }
    return &pool_ex;
}

const cva_predict_opts *cli_predict_opts(void)
{
    static cva_predict_opts po;
    if (po.struct_size == 0 && cva_predict_opts_init_defaults(&po, sizeof po) != CVA_OK)
        return NULL; /* cannot happen: the sizes come from the same header */
    po.executor = cli_executor();
    return &po;
}

void cli_executor_shutdown(void)
{
    unsigned w, started;
    pthread_mutex_lock(&pool.mu);
    pool.quit = 1;
    started = pool.started;
    pool.started = 0;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    for (w = 1; w <= started; w++)
        pthread_join(pool.th[w], NULL);
}
