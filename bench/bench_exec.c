/*
 * A small POSIX-threads executor for the benchmarks: see bench_exec.h.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

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
