/*
 * libcva bench — timing core, see cva_bench.h.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "cva_bench.h"

#include <stdlib.h>
#include <time.h>

#define MAX_SAMPLES 4096

void cva_bench_params_default(cva_bench_params *p)
{
    p->iters = 5;
    p->min_time = 0.5;
    p->max_iters = 200;
    p->max_time = 60.0;
    p->warmup_cap = 1.0;
}

double cva_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cva_bench_thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cva_bench_cpu_wrapped(void *wrap)
{
    cva_bench_cpu_wrap *w = (cva_bench_cpu_wrap *)wrap;
    double t0 = cva_bench_thread_cpu(), v = w->fn(w->payload);
    if (w->calls < CVA_BENCH_CPU_MAX)
        w->cpu[w->calls] = cva_bench_thread_cpu() - t0;
    w->calls++;
    return v;
}

double cva_bench_cpu_median(cva_bench_cpu_wrap *w)
{
    unsigned n = w->calls < CVA_BENCH_CPU_MAX ? w->calls : CVA_BENCH_CPU_MAX, first = n > 1 ? 1 : 0, m = n - first;
    double *v = w->cpu + first;
    if (m == 0)
        return 0.0;
    qsort(v, m, sizeof *v, cmp_double);
    return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

static double timed_call(cva_bench_fn fn, cva_bench_init_fn init, void *payload, double *ret)
{
    double t0;
    if (init)
        init(payload);
    t0 = cva_bench_now();
    *ret = fn(payload);
    return cva_bench_now() - t0;
}

int cva_bench_run(cva_bench_fn fn, cva_bench_init_fn init, void *payload, size_t n_elems,
                  const cva_bench_params *p, cva_bench_result *r)
{
    static double samples[MAX_SAMPLES];
    unsigned ns = 0, max_iters = p->max_iters < p->iters ? p->iters : p->max_iters;
    double total = 0.0, ret, dt;

    if (max_iters > MAX_SAMPLES)
        max_iters = MAX_SAMPLES;
    r->sink = 0.0;
    r->failed = 0;

    /* warm-up: untimed unless it is long enough to be its own steady state */
    dt = timed_call(fn, init, payload, &ret);
    r->sink += ret;
    if (ret < 0.0)
        r->failed = 1;
    if (dt >= p->warmup_cap) {
        samples[ns++] = dt;
        total += dt;
    }
    while (!r->failed && ns < max_iters) {
        if (ns >= p->iters && total >= p->min_time)
            break;
        if (ns >= 1 && total >= p->max_time)
            break;
        dt = timed_call(fn, init, payload, &ret);
        r->sink += ret;
        if (ret < 0.0)
            r->failed = 1;
        samples[ns++] = dt;
        total += dt;
    }
    if (ns == 0) { /* failed warm-up */
        samples[ns++] = dt;
    }
    qsort(samples, ns, sizeof samples[0], cmp_double);
    r->samples = ns;
    r->min_s = samples[0];
    r->max_s = samples[ns - 1];
    r->median_s = ns % 2 ? samples[ns / 2] : 0.5 * (samples[ns / 2 - 1] + samples[ns / 2]);
    r->ns_per_elem = n_elems ? r->median_s * 1e9 / (double)n_elems : 0.0;
    return r->failed ? -1 : 0;
}
