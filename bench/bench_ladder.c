/*
 * cva-bench-ladder — loyalty-ladder benchmark (target in bench/RESULTS.md).
 *
 *   cva-bench-ladder [--n N] [--iters N] [--seed S]
 *
 * Input: N customers (default 1e6) of synthetic per-customer arrays as a
 * summary gives them: occasions (0 for 5 %, 1 for 35 %, else 2..20), tenure
 * and recency in days, referrals in the window and in total, NPS (half
 * unknown), satisfaction (half unknown), bond level (70 % unknown).
 *
 * Cases (one thread, medians over --iters samples):
 *   pass       one pass over the eight input arrays (a sum of every value):
 *              the floor the issue measures against
 *   classify   cva_ladder_classify with every input and every output
 *              (stage, decided_by, has_referred, active by the hiatus rule)
 *   classify_portable  the same call with the portable chunks only (no AVX-512
 *              kernel; the internal entry of lib/ladder_internal.h), same outputs
 *   migrate    cva_ladder_migrate of two classifications with activities
 *              and occasion counts (count matrix, rates, net movement)
 * Output: one line per case, `case=NAME n=N seconds=MEDIAN min=MIN cpu=CPU samples=S`
 * (seconds: median wall time; cpu: median thread CPU time of the same calls), and
 * `ratio classify/pass (cpu)=R target=2 met=yes|no`. Exit status 1 when a call fails.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cva/cva.h"
#include "cva_bench.h"
#include "../lib/ladder_internal.h"

typedef struct lctx {
    size_t n;
    uint32_t *occ, *ref, *tot, *occ2;
    double *tenure, *recency, *nps, *sat;
    int32_t *bond;
    int32_t *stage, *rule, *hr, *act, *stage2, *act2;
    int failed;
} lctx;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "cva-bench-ladder: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    memset(p, 0, bytes);
    return p;
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void make_data(lctx *c, size_t n, uint64_t seed)
{
    size_t i;
    c->n = n;
    c->occ = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    c->occ2 = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    c->ref = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    c->tot = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    c->tenure = (double *)xmalloc(n * sizeof(double));
    c->recency = (double *)xmalloc(n * sizeof(double));
    c->nps = (double *)xmalloc(n * sizeof(double));
    c->sat = (double *)xmalloc(n * sizeof(double));
    c->bond = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->stage = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->rule = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->hr = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->act = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->stage2 = (int32_t *)xmalloc(n * sizeof(int32_t));
    c->act2 = (int32_t *)xmalloc(n * sizeof(int32_t));
    for (i = 0; i < n; i++) {
        uint64_t r = rnd(&seed);
        unsigned u = (unsigned)(r % 100);
        c->occ[i] = u < 5 ? 0u : u < 40 ? 1u : 2u + (unsigned)((r >> 8) % 19);
        c->tenure[i] = c->occ[i] ? (double)((r >> 16) % 1000) : (double)NAN;
        c->recency[i] = c->occ[i] ? floor(c->tenure[i] * (double)((r >> 26) % 100) / 100.0) : (double)NAN;
        c->tot[i] = (unsigned)((r >> 33) % 8) == 0 ? (unsigned)((r >> 36) % 4) : 0u;
        c->ref[i] = c->tot[i] / 2;
        c->nps[i] = (r >> 40) & 1 ? (double)((r >> 41) % 11) : (double)NAN;
        c->sat[i] = (r >> 45) & 1 ? (double)((r >> 46) % 101) / 100.0 : (double)NAN;
        c->bond[i] = (r >> 53) % 10 < 7 ? -1 : (int32_t)((r >> 57) % 5);
        c->occ2[i] = c->occ[i] + (unsigned)((r >> 60) % 3);
    }
}

static double run_pass(void *p)
{
    const lctx *c = (const lctx *)p;
    double s = 0.0;
    int64_t k = 0;
    size_t i;
    for (i = 0; i < c->n; i++) {
        k += (int64_t)c->occ[i] + c->ref[i] + c->tot[i] + c->bond[i];
        s += c->tenure[i] + c->recency[i] + c->nps[i] + c->sat[i];
    }
    return (double)k + (isnan(s) ? 1.0 : s);
}

static cva_ladder_input input_of(const lctx *c)
{
    cva_ladder_input in;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = c->n;
    in.n_occ = c->occ;
    in.tenure = c->tenure;
    in.recency = c->recency;
    in.referrals = c->ref;
    in.referrals_total = c->tot;
    in.nps = c->nps;
    in.sat = c->sat;
    in.bond = c->bond;
    return in;
}

static double run_classify_portable(void *p)
{
    lctx *c = (lctx *)p;
    cva_ladder_input in = input_of(c);
    cva_status st = cva__ladder_classify_k(&in, NULL, c->stage, c->rule, c->hr, c->act, 1, NULL);
    if (st < 0) {
        c->failed = 1;
        return -1.0;
    }
    return (double)c->stage[c->n / 2];
}

static double run_classify(void *p)
{
    lctx *c = (lctx *)p;
    cva_ladder_input in = input_of(c);
    cva_status st = cva_ladder_classify(&in, NULL, c->stage, c->rule, c->hr, c->act, NULL);
    if (st < 0) {
        c->failed = 1;
        return -1.0;
    }
    return (double)c->stage[c->n / 2];
}

static double run_migrate(void *p)
{
    lctx *c = (lctx *)p;
    cva_ladder_migration_input in;
    cva_ladder_migration m;
    cva_status st;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = c->n;
    in.stage_from = c->stage;
    in.stage_to = c->stage2;
    in.active_from = c->act;
    in.active_to = c->act2;
    in.n_occ_from = c->occ;
    in.n_occ_to = c->occ2;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    st = cva_ladder_migrate(&in, NULL, &m, NULL);
    if (st < 0) {
        c->failed = 1;
        return -1.0;
    }
    return (double)m.counts[1][2];
}

/* Run one case; returns the median CPU seconds per call. */
static double run_case(const char *name, cva_bench_fn fn, lctx *c, const cva_bench_params *bp, int *failed)
{
    /* the wall-clock median of the core, and next to it the median thread CPU time of the
       same calls, which the shared cores' contention inflates less */
    static cva_bench_cpu_wrap w;
    cva_bench_result r;
    double med;
    w.fn = fn;
    w.payload = c;
    w.calls = 0;
    cva_bench_run(cva_bench_cpu_wrapped, NULL, &w, c->n, bp, &r);
    med = cva_bench_cpu_median(&w);
    printf("case=%s n=%zu seconds=%.6g min=%.6g cpu=%.6g samples=%u cpu_ns_per_customer=%.3g\n", name, c->n,
           r.median_s, r.min_s, med, r.samples, med * 1e9 / (double)c->n);
    fflush(stdout);
    *failed |= r.failed;
    return med;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, i;
    unsigned iters = 11;
    uint64_t seed = 42;
    lctx c;
    cva_bench_params bp;
    double tp, tc, tpo;
    int a, failed = 0;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--n") == 0 && a + 1 < argc)
            n = (size_t)strtod(argv[++a], NULL);
        else if (strcmp(argv[a], "--iters") == 0 && a + 1 < argc)
            iters = (unsigned)strtoul(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
            seed = strtoull(argv[++a], NULL, 10);
        else {
            fprintf(stderr, "usage: cva-bench-ladder [--n N] [--iters N] [--seed S]\n");
            return 2;
        }
    }
    if (n < 1 || iters < 1) {
        fprintf(stderr, "cva-bench-ladder: --n and --iters must be >= 1\n");
        return 2;
    }
    memset(&c, 0, sizeof c);
    make_data(&c, n, seed);
    cva_bench_params_default(&bp);
    bp.iters = iters;
    tp = run_case("pass", run_pass, &c, &bp, &failed);
    tpo = run_case("classify_portable", run_classify_portable, &c, &bp, &failed);
    tc = run_case("classify", run_classify, &c, &bp, &failed);
    /* a second classification with other activities for the migration */
    for (i = 0; i < n; i++) {
        c.stage2[i] = c.stage[i] == CVA_LADDER_PROSPECT && c.occ2[i] > 0 ? CVA_LADDER_CUSTOMER : c.stage[i];
        c.act2[i] = (int32_t)((i * 2654435761u) % 3 != 0);
    }
    run_case("migrate", run_migrate, &c, &bp, &failed);
    printf("ratio classify/pass (cpu)=%.3g target=2 met=%s avx512=%s classify_portable/pass (cpu)=%.3g\n", tc / tp,
           tc <= 2.0 * tp ? "yes" : "no", cva__ladder_has_avx512() ? "yes" : "no", tpo / tp);
    free(c.occ);
    free(c.occ2);
    free(c.ref);
    free(c.tot);
    free(c.tenure);
    free(c.recency);
    free(c.nps);
    free(c.sat);
    free(c.bond);
    free(c.stage);
    free(c.rule);
    free(c.hr);
    free(c.act);
    free(c.stage2);
    free(c.act2);
    return c.failed || failed ? 1 : 0;
}
