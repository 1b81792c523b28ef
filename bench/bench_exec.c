/*
 * A small POSIX-threads executor for the benchmarks: see bench_exec.h.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "bench_exec.h"

struct bench_pool {
    cva_executor ex;
    unsigned workers;
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;     /* incremented per run */
    int quit;
    /* the current run */
    cva_task_fn fn;
    void *arg;
    size_t n_tasks, next, finished;
    unsigned busy;         /* helper threads inside the current run */
};

typedef struct helper {
    bench_pool *p;
    unsigned index;
} helper;

static void drain(bench_pool *p, unsigned w)
{
    for (;;) {
        size_t i;
        cva_task_fn fn;
        void *arg;
        pthread_mutex_lock(&p->mu);
        if (p->next >= p->n_tasks) {
            pthread_mutex_unlock(&p->mu);
            return;
        }
        i = p->next++;
        fn = p->fn;
        arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, i, w);
        pthread_mutex_lock(&p->mu);
        p->finished++;
        if (p->finished == p->n_tasks)
            pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

static void *helper_main(void *v)
{
    helper *h = (helper *)v;
    bench_pool *p = h->p;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->gen == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        seen = p->gen;
        p->busy++;
        pthread_mutex_unlock(&p->mu);
        drain(p, h->index);
        pthread_mutex_lock(&p->mu);
        p->busy--;
        if (p->busy == 0)
            pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
    free(h);
    return NULL;
}

static int pool_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    bench_pool *p = (bench_pool *)ctx;
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    p->next = 0;
    p->finished = 0;
    p->gen++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    drain(p, 0);
    pthread_mutex_lock(&p->mu);
    /* every task finished and no helper still holds this run's state */
    while (p->finished < p->n_tasks || p->busy > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

bench_pool *bench_pool_new(unsigned workers)
{
    bench_pool *p = (bench_pool *)calloc(1, sizeof *p);
    unsigned i;
    if (!p)
        return NULL;
    p->workers = workers ? workers : 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->th = (pthread_t *)calloc(p->workers, sizeof *p->th);
    if (!p->th) {
        free(p);
        return NULL;
    }
    for (i = 1; i < p->workers; i++) {
        helper *h = (helper *)malloc(sizeof *h);
        if (h) {
            h->p = p;
            h->index = i;
        }
        if (!h || pthread_create(&p->th[i], NULL, helper_main, h) != 0) {
            free(h);
            p->workers = i; /* the threads started so far */
            bench_pool_free(p);
            return NULL;
        }
    }
    p->ex.run = pool_run;
    p->ex.ctx = p;
    p->ex.workers = p->workers;
    return p;
}

void bench_pool_free(bench_pool *p)
{
    unsigned i;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (i = 1; i < p->workers; i++)
        pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->th);
    free(p);
}

const cva_executor *bench_pool_executor(bench_pool *p)
{
    return &p->ex;
}

/* ---------------------------------------------------------- serial probe */

struct bench_probe {
    cva_executor ex;
    unsigned workers;
    double par, span;
    size_t sections, tasks;
    double *busy; /* per simulated worker: the CPU seconds given to it in this section */
    bench_probe_section log[BENCH_PROBE_LOG];
};

static double probe_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int probe_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    bench_probe *p = (bench_probe *)ctx;
    size_t i;
    unsigned w, wmin;
    double mk = 0.0;
    for (w = 0; w < p->workers; w++)
        p->busy[w] = 0.0;
    for (i = 0; i < n_tasks; i++) {
        double t0, dt;
        /* the next task goes to the worker that is free first (list scheduling) */
        for (wmin = 0, w = 1; w < p->workers; w++)
            if (p->busy[w] < p->busy[wmin])
                wmin = w;
        t0 = probe_cpu();
        fn(arg, i, wmin);
        dt = probe_cpu() - t0;
        p->busy[wmin] += dt;
        p->par += dt;
    }
    for (w = 0; w < p->workers; w++)
        if (p->busy[w] > mk)
            mk = p->busy[w];
    p->span += mk;
    if (p->sections < BENCH_PROBE_LOG) {
        bench_probe_section *l = &p->log[p->sections];
        l->tasks = n_tasks;
        l->cpu = 0.0;
        for (w = 0; w < p->workers; w++)
            l->cpu += p->busy[w];
        l->span = mk;
    }
    p->sections++;
    p->tasks += n_tasks;
    return 0;
}

bench_probe *bench_probe_new(unsigned workers)
{
    bench_probe *p = (bench_probe *)calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->workers = workers ? workers : 1;
    p->busy = (double *)calloc(p->workers, sizeof *p->busy);
    if (!p->busy) {
        free(p);
        return NULL;
    }
    p->ex.run = probe_run;
    p->ex.ctx = p;
    p->ex.workers = p->workers;
    return p;
}

void bench_probe_free(bench_probe *p)
{
    if (!p)
        return;
    free(p->busy);
    free(p);
}

const cva_executor *bench_probe_executor(bench_probe *p)
{
    return &p->ex;
}

void bench_probe_reset(bench_probe *p)
{
    p->par = p->span = 0.0;
    p->sections = p->tasks = 0;
}

void bench_probe_read(const bench_probe *p, double *par, double *span, size_t *sections, size_t *tasks)
{
    *par = p->par;
    *span = p->span;
    *sections = p->sections;
    *tasks = p->tasks;
}

const bench_probe_section *bench_probe_log(const bench_probe *p, size_t *n)
{
    *n = p->sections < BENCH_PROBE_LOG ? p->sections : BENCH_PROBE_LOG;
    return p->log;
}
