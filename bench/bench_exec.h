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

/* A probe of the serial fraction (bench only): an executor that claims
   `workers` workers but runs every task on the calling thread, in index order,
   and measures the thread CPU time of each task. Around a library call:
     total  = thread CPU of the call,
     par    = CPU inside the tasks (the parts that run on the executor),
     serial = total - par (setup, combines: what stays on the calling thread),
     span   = the sections' makespans on `workers` workers, each section's tasks
              handed in index order to the first free worker (as the pools do).
   Amdahl's bound on `workers` threads is total / (serial + par / workers); the
   scheduled bound, which also counts the imbalance of the tasks, is
   total / (serial + span). Both are CPU-time figures: they do not change with
   the load of a shared machine (memory bandwidth shared by the threads is not
   modelled). */
typedef struct bench_probe bench_probe;

bench_probe *bench_probe_new(unsigned workers);
void bench_probe_free(bench_probe *p);
const cva_executor *bench_probe_executor(bench_probe *p);
/* zero the counters */
void bench_probe_reset(bench_probe *p);
/* CPU seconds inside the tasks, the makespan of the sections on the probe's
   workers, and the number of sections and tasks since the last reset */
void bench_probe_read(const bench_probe *p, double *par, double *span, size_t *sections, size_t *tasks);
/* the first BENCH_PROBE_LOG sections since the last reset: tasks, CPU seconds, makespan */
#define BENCH_PROBE_LOG 64
typedef struct bench_probe_section {
    size_t tasks;
    double cpu, span;
} bench_probe_section;
const bench_probe_section *bench_probe_log(const bench_probe *p, size_t *n);

#endif
