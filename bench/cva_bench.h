/*
 * libcva bench — small timing core (modelled on zstd programs/benchfn.h).
 * A case is a function pointer plus an opaque payload; the core runs an
 * optional init, one warm-up, then timed repetitions until a sample count or
 * a time budget is reached, and reports the median wall time.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_BENCH_H
#define CVA_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* The timed function. Returns a value folded into the result sink so the
   compiler cannot drop the work; a negative return marks a failed run. */
typedef double (*cva_bench_fn)(void *payload);
/* Optional untimed preparation before every timed call (may be NULL). */
typedef void (*cva_bench_init_fn)(void *payload);

typedef struct cva_bench_params {
    unsigned iters;     /* wanted samples (>= 1) */
    double min_time;    /* keep sampling small cases until this much time (s) ... */
    unsigned max_iters; /* ... but take at most this many samples */
    double max_time;    /* stop after this much time even with fewer than iters samples (>= 1 sample) */
    double warmup_cap;  /* a first run longer than this counts as a sample instead of a warm-up */
} cva_bench_params;

typedef struct cva_bench_result {
    unsigned samples;
    double median_s;   /* median wall time per call */
    double min_s;
    double max_s;
    double ns_per_elem; /* median_s * 1e9 / n_elems */
    double sink;       /* sum of the functions' return values */
    int failed;        /* a call returned < 0 */
} cva_bench_result;

void cva_bench_params_default(cva_bench_params *p);
double cva_bench_now(void);

/* Thread CPU time of the calling thread in seconds (0 where the clock is missing). On the
   shared VM contention inflates it much less than the wall time. */
double cva_bench_thread_cpu(void);

/* Records the thread CPU time of every call of a case: run cva_bench_run() with
   cva_bench_cpu_wrapped as the function and a wrap (fn, payload, calls = 0) as the payload,
   then read cva_bench_cpu_median(). */
#define CVA_BENCH_CPU_MAX 4096
typedef struct cva_bench_cpu_wrap {
    cva_bench_fn fn;
    void *payload;
    unsigned calls;
    double cpu[CVA_BENCH_CPU_MAX];
} cva_bench_cpu_wrap;
double cva_bench_cpu_wrapped(void *wrap);
/* Median thread CPU seconds per call, the warm-up call excluded when there are others. */
double cva_bench_cpu_median(cva_bench_cpu_wrap *w);
int cva_bench_run(cva_bench_fn fn, cva_bench_init_fn init, void *payload, size_t n_elems,
                  const cva_bench_params *p, cva_bench_result *r);

#endif /* CVA_BENCH_H */
