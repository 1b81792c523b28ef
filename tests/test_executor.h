/*
 * A test executor (tests only): every run() starts `workers` real POSIX threads
 * that take the tasks in a shuffled order (a permutation drawn from a seed that
 * changes with every run), each thread with its own worker index. It counts the
 * runs and the tasks it ran, so a test can tell that a call used it.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TEST_EXECUTOR_H
#define CVA_TEST_EXECUTOR_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "cva/cva.h"

typedef struct test_exec {
    cva_executor ex;
    uint64_t seed;     /* next permutation's seed */
    size_t runs;       /* run() calls */
    size_t tasks;      /* tasks run by the threads */
    /* the current run */
    pthread_mutex_t mu;
    size_t *perm, n, next;
    cva_task_fn fn;
    void *arg;
} test_exec;

typedef struct test_exec_thread {
    test_exec *e;
    unsigned index;
} test_exec_thread;

static uint64_t test_exec_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void *test_exec_main(void *v)
{
    test_exec_thread *t = (test_exec_thread *)v;
    test_exec *e = t->e;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&e->mu);
        if (e->next >= e->n) {
            pthread_mutex_unlock(&e->mu);
            break;
        }
        i = e->perm[e->next++];
        e->tasks++;
        pthread_mutex_unlock(&e->mu);
        e->fn(e->arg, i, t->index);
    }
    return NULL;
}

static int test_exec_run(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg)
{
    test_exec *e = (test_exec *)ctx;
    pthread_t th[16];
    test_exec_thread ta[16];
    unsigned w, started = 0;
    size_t i;
    e->perm = (size_t *)malloc(n_tasks * sizeof *e->perm);
    if (!e->perm)
        return 1;
    for (i = 0; i < n_tasks; i++)
        e->perm[i] = i;
    for (i = n_tasks; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(test_exec_rand(&e->seed) % i), tmp = e->perm[i - 1];
        e->perm[i - 1] = e->perm[j];
        e->perm[j] = tmp;
    }
    e->n = n_tasks;
    e->next = 0;
    e->fn = fn;
    e->arg = arg;
    e->runs++;
    for (w = 0; w < e->ex.workers && w < 16; w++) {
        ta[w].e = e;
        ta[w].index = w;
        if (pthread_create(&th[w], NULL, test_exec_main, &ta[w]) != 0)
            break;
        started++;
    }
    if (started == 0) { /* could not start a thread: the library reruns serially */
        free(e->perm);
        e->perm = NULL;
        return 1;
    }
    for (w = 0; w < started; w++)
        pthread_join(th[w], NULL);
    free(e->perm);
    e->perm = NULL;
    return 0;
}

/* An executor of `workers` threads (1..16) whose task orders follow `seed`. */
static void test_exec_init(test_exec *e, unsigned workers, uint64_t seed)
{
    e->ex.run = test_exec_run;
    e->ex.ctx = e;
    e->ex.workers = workers;
    e->seed = seed;
    e->runs = 0;
    e->tasks = 0;
    e->perm = NULL;
    e->n = e->next = 0;
    pthread_mutex_init(&e->mu, NULL);
}

static void test_exec_destroy(test_exec *e)
{
    pthread_mutex_destroy(&e->mu);
}

#endif /* CVA_TEST_EXECUTOR_H */
