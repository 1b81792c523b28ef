/*
 * cva-bench-tiers — value-tier benchmark (issue [6]; targets in bench/RESULTS.md).
 *
 *   cva-bench-tiers [--n N] [--iters N] [--seed S] [--case NAME] [--numpy] [--python PATH] [--script PATH]
 *
 * Input: a deterministic synthetic profit column (fixed seed): revenue log-normal in
 * cents minus a cost, about 15 % losses and 5 % exact zeros, many ties (cents).
 * Cases (one thread, same arrays):
 *   order     cva_value_order with the (key, index) order (stable radix sort of pairs)
 *   gini      cva_gini alone (sorts itself), allocating per call
 *   gini_ws   cva_gini alone with a caller workspace kept across calls (cva_tiers_opts::work)
 *   all       the set in one run, with the workspace: the sorted values
 *             (cva_value_order, order NULL) + Gini + Lorenz (1001 points) + top shares (5) +
 *             whale peak on them (CVA_TIERS_PRESORTED) + grading + classes on the original
 *             array (boundaries by selection, one labelling pass each)
 *   naive     Gini from qsort (reference for the speed and for the check)
 * Output: one line per case on stdout,
 *   case=NAME n=N seconds=MEDIAN min=MIN samples=S ns_per_elem=X
 * and after `all` the thread CPU time of its fastest sample (case=all_cpu), which
 * other processes on a shared machine inflate less than the wall time.
 * With --numpy, bench/numpy_tiers.py times numpy.sort against cva.gini on the same
 * distribution (n values) and prints its own line. The exit status is non-zero when a
 * check fails: the Gini of `all` and of `gini_ws` must equal `gini`, and the naive one to 1e-12.
 * --case NAME runs that case alone (e.g. `all` at 1e7, without the minutes of the others);
 * the cross-check then needs the cases it compares and is skipped.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cva/cva.h"
#include "bench_exec.h"
#include "cva_bench.h"

/* --threads N (N >= 2): the executor of the gini_ws and all cases */
static const cva_executor *g_ex;

#ifndef CVA_BENCH_PYTHON
#define CVA_BENCH_PYTHON "/usr/bin/python3"
#endif
#ifndef CVA_BENCH_SRCDIR
#define CVA_BENCH_SRCDIR "bench"
#endif

typedef struct tctx {
    size_t n;
    double *v;
    uint64_t *order;
    double *sorted;
    int32_t *grade, *cls;
    double *lp, *ll;
    double gini_all, gini_one, gini_ws, gini_naive;
    void *work;
    size_t work_size;
    double all_cpu_min; /* thread CPU seconds of the fastest `all` sample (less sensitive to load) */
} tctx;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "cva-bench-tiers: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    memset(p, 0, bytes);
    return p;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double unif(uint64_t *s)
{
    return ((double)(splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static void make_data(double *v, size_t n, uint64_t seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const double u1 = unif(&seed), u2 = unif(&seed), u3 = unif(&seed);
        const double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        double rev = exp(3.5 + 1.2 * z), cost = rev * (0.55 + 0.5 * u3);
        double p = u3 < 0.05 ? 0.0 : rev - cost;
        v[i] = round(p * 100.0) / 100.0;
    }
}

static double bench_order(void *pl)
{
    tctx *c = (tctx *)pl;
    return cva_value_order(c->v, c->n, NULL, c->order, NULL, NULL) < 0 ? -1.0 : (double)c->order[0];
}

static double bench_gini(void *pl)
{
    tctx *c = (tctx *)pl;
    return cva_gini(c->v, c->n, NULL, &c->gini_one, NULL) < 0 ? -1.0 : c->gini_one;
}

static double bench_gini_ws(void *pl)
{
    tctx *c = (tctx *)pl;
    cva_tiers_opts o;
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.work = c->work;
    o.work_size = c->work_size;
    o.executor = g_ex;
    return cva_gini(c->v, c->n, &o, &c->gini_ws, NULL) < 0 ? -1.0 : c->gini_ws;
}

static double bench_all(void *pl)
{
    tctx *c = (tctx *)pl;
    static const double ps[5] = {0.01, 0.05, 0.1, 0.2, 0.5};
    double sh[5];
    cva_tiers_opts o, so;
    cva_whale_stats ws;
    int bad = 0;
    const double cpu0 = cva_bench_thread_cpu();
    cva_tiers_opts_init_defaults(&o, sizeof o);
    o.work = c->work;
    o.work_size = c->work_size;
    o.executor = g_ex;
    bad |= cva_value_order(c->v, c->n, &o, NULL, c->sorted, NULL) < 0;
    so = o;
    so.flags = CVA_TIERS_PRESORTED; /* value-only figures: sequential passes on the sorted copy */
    bad |= cva_gini(c->sorted, c->n, &so, &c->gini_all, NULL) < 0;
    bad |= cva_lorenz(c->sorted, c->n, &so, 1001, c->lp, c->ll, NULL) < 0;
    bad |= cva_top_share(c->sorted, c->n, ps, 5, &so, sh, NULL) < 0;
    bad |= cva_whale_curve(c->sorted, c->n, &so, NULL, NULL, &ws, NULL) < 0;
    /* per-customer labels on the original array: selection, no order */
    bad |= cva_grade(c->v, c->n, &o, c->grade, NULL) < 0;
    bad |= cva_value_classes(c->v, NULL, NULL, NULL, c->n, &o, c->cls, NULL, NULL) < 0;
    {
        const double cpu = cva_bench_thread_cpu() - cpu0;
        if (c->all_cpu_min <= 0.0 || cpu < c->all_cpu_min)
            c->all_cpu_min = cpu;
    }
    return bad ? -1.0 : c->gini_all + sh[3] + ws.peak_height;
}

static int cmp_dbl(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double bench_naive(void *pl)
{
    tctx *c = (tctx *)pl;
    double *x = (double *)malloc(c->n * sizeof(double));
    long double t = 0, s = 0;
    size_t i;
    if (!x)
        return -1.0;
    memcpy(x, c->v, c->n * sizeof(double));
    qsort(x, c->n, sizeof(double), cmp_dbl);
    for (i = 0; i < c->n; i++) {
        t += (long double)(2.0 * (double)(i + 1) - (double)c->n - 1.0) * (long double)x[i];
        s += (long double)x[i];
    }
    free(x);
    c->gini_naive = (double)(t / ((long double)c->n * s));
    return c->gini_naive;
}

int main(int argc, char **argv)
{
    tctx c;
    cva_bench_params prm;
    cva_bench_result r;
    size_t n = 1000000;
    uint64_t seed = 20241206;
    const char *python = CVA_BENCH_PYTHON, *script = CVA_BENCH_SRCDIR "/numpy_tiers.py", *only = NULL;
    int do_py = 0, a, failed = 0, k;
    static const struct {
        const char *name;
        cva_bench_fn fn;
    } cases[] = {{"order", bench_order}, {"gini", bench_gini}, {"gini_ws", bench_gini_ws}, {"all", bench_all},
                   {"naive", bench_naive}};

    cva_bench_params_default(&prm);
    prm.iters = 5;
    for (a = 1; a < argc; a++) {
        const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(arg, "--numpy")) {
            do_py = 1;
            continue;
        }
        if (!val) {
            fprintf(stderr, "usage: cva-bench-tiers [--n N] [--iters N] [--seed S] [--threads N] [--case NAME] [--numpy] [--python P] "
                            "[--script S]\n");
            return 2;
        }
        a++;
        if (!strcmp(arg, "--threads")) {
            unsigned long t = strtoul(val, NULL, 10);
            static bench_pool *pool;
            if (t >= 2 && !pool && (pool = bench_pool_new((unsigned)t)) != NULL)
                g_ex = bench_pool_executor(pool);
        } else if (!strcmp(arg, "--n"))
            n = (size_t)strtod(val, NULL);
        else if (!strcmp(arg, "--iters"))
            prm.iters = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(arg, "--seed"))
            seed = strtoull(val, NULL, 10);
        else if (!strcmp(arg, "--python"))
            python = val;
        else if (!strcmp(arg, "--script"))
            script = val;
        else if (!strcmp(arg, "--case"))
            only = val;
        else {
            fprintf(stderr, "cva-bench-tiers: unknown option %s\n", arg);
            return 2;
        }
    }
    memset(&c, 0, sizeof c);
    c.n = n;
    c.v = (double *)xmalloc(n * sizeof(double));
    c.order = (uint64_t *)xmalloc(n * sizeof(uint64_t));
    c.sorted = (double *)xmalloc(n * sizeof(double));
    c.grade = (int32_t *)xmalloc(n * sizeof(int32_t));
    c.cls = (int32_t *)xmalloc(n * sizeof(int32_t));
    c.lp = (double *)xmalloc(1001 * sizeof(double));
    c.ll = (double *)xmalloc(1001 * sizeof(double));
    if (cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL, &c.work_size) != CVA_OK) {
        fprintf(stderr, "cva-bench-tiers: workspace size\n");
        return 2;
    }
    c.work = xmalloc(c.work_size); /* touched once here, reused by every sample */
    make_data(c.v, n, seed);
    for (k = 0; k < 5; k++) {
        if (only && strcmp(only, cases[k].name) != 0)
            continue;
        fprintf(stderr, "cva-bench-tiers: %s ...\n", cases[k].name);
        if (cva_bench_run(cases[k].fn, NULL, &c, n, &prm, &r) != 0 || r.failed) {
            printf("case=%s n=%zu FAILED\n", cases[k].name, n);
            failed = 1;
            continue;
        }
        printf("case=%s n=%zu seconds=%.6f min=%.6f samples=%u ns_per_elem=%.3f\n", cases[k].name, n, r.median_s,
               r.min_s, r.samples, r.ns_per_elem);
        if (cases[k].fn == bench_all)
            printf("case=all_cpu n=%zu min_thread_cpu_seconds=%.6f\n", n, c.all_cpu_min);
        fflush(stdout);
    }
    if (!only && (!(fabs(c.gini_all - c.gini_one) == 0.0) || !(fabs(c.gini_ws - c.gini_one) == 0.0) || !(fabs(c.gini_one - c.gini_naive) <= 1e-12 * fabs(c.gini_naive)))) {
        fprintf(stderr, "cva-bench-tiers: CHECK FAILED: gini all %.17g, alone %.17g, naive %.17g\n", c.gini_all,
                c.gini_one, c.gini_naive);
        failed = 1;
    }
    if (do_py) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "\"%s\" \"%s\" %zu %llu", python, script, n, (unsigned long long)seed);
        fflush(stdout);
        if (system(cmd) != 0) {
            fprintf(stderr, "cva-bench-tiers: %s failed\n", script);
            failed = 1;
        }
    }
    free(c.work);
    free(c.v);
    free(c.order);
    free(c.sorted);
    free(c.grade);
    free(c.cls);
    free(c.lp);
    free(c.ll);
    return failed;
}
