/*
 * A small POSIX-threads executor for the benchmarks (bench only): a pool of
 * workers − 1 threads plus the calling thread, tasks handed out in index
 * order from a shared counter. The library's own tests use another executor
 * that shuffles the order (tests/test_executor.h); the CLI and Python have theirs.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_BENCH_EXEC_H
#define CVA_BENCH_EXEC_H

#include "cva/cva.h"

typedef struct bench_pool bench_pool;

/* A pool of `workers` workers (>= 1; 1: no thread, the executor runs serially).
   NULL on failure. */
bench_pool *bench_pool_new(unsigned workers);
void bench_pool_free(bench_pool *p);
/* The executor of the pool (valid until bench_pool_free). */
const cva_executor *bench_pool_executor(bench_pool *p);

#endif
