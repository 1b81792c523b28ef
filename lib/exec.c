/*
 * libcva — running parallel sections on a caller-supplied executor.
 * SPDX-License-Identifier: MIT
 *
 * The library owns no threads. A parallel section is a number of tasks fixed
 * by the input; the caller's executor (cva_executor, common.h) runs them.
 */
#include "cva_internal.h"

unsigned cva__workers(const cva_executor *ex)
{
    if (ex == NULL || ex->run == NULL || ex->workers < 2)
        return 1;
    return ex->workers;
}

void cva__parallel_for(const cva_executor *ex, size_t n_tasks, cva_task_fn fn, void *arg)
{
    size_t i;

    if (n_tasks == 0)
        return;
    if (n_tasks > 1 && cva__workers(ex) > 1 && ex->run(ex->ctx, n_tasks, fn, arg) == 0)
        return;
    /* serial: no executor, one task, or the executor could not run them (its
       partial run is overwritten: tasks write only their own outputs) */
    for (i = 0; i < n_tasks; i++)
        fn(arg, i, 0);
}

int cva__parallel_try(const cva_executor *ex, size_t n_tasks, cva_task_fn fn, void *arg)
{
    size_t i;

    if (n_tasks == 0)
        return 0;
    if (n_tasks > 1 && cva__workers(ex) > 1)
        return ex->run(ex->ctx, n_tasks, fn, arg) != 0;
    for (i = 0; i < n_tasks; i++)
        fn(arg, i, 0);
    return 0;
}
