/*
 * cva-bench — benchmarks of the transaction summaries (cva_txn_summarize and
 * its baselines: naive reference, pandas).
 *
 *   cva-bench [--iters N] [--rows N] [--case NAME[,NAME...]] [--pandas] [--seed S]
 *             [--min-time S] [--max-time S] [--python PATH] [--pandas-script PATH]
 *             [--pandas-repeat N] [--no-mem] [--list] [--scaling T]
 *
 * Input: a deterministic synthetic transaction log from cva_sim_transactions()
 * (fixed seed, ~50 transactions per customer), put into time order with a
 * seeded shuffle of the rows inside each day, so customer ids interleave as in
 * a real log. Output: one machine-readable line per case on stdout,
 *   case=NAME n=ROWS customers=K seconds=MEDIAN min=MIN samples=S ns_per_elem=X
 *   x_read=R speedup_vs_naive=R speedup_vs_pandas=R speedup_vs_pandas_plain=R
 * (x_read = this time / read-bound time; speedup_vs_X = X's time / this time;
 * "-" when unknown), preceded by one "mem ..." line.
 * Progress goes to stderr. Exit status is non-zero when a case fails or the
 * summaries disagree with the naive reference.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cva/cva.h"
#include "cva_bench.h"
#include "bench_list.h"
#include "naive.h"
#include "executor.h"
#include "bench_exec.h"
#include "probe.h"

#ifndef CVA_BENCH_PYTHON
#define CVA_BENCH_PYTHON "/usr/bin/python3"
#endif
#ifndef CVA_BENCH_SRCDIR
#define CVA_BENCH_SRCDIR "bench"
#endif

/* ------------------------------------------------------------------------ */
/* Data                                                                     */

typedef struct bench_ctx {
    size_t n;
    int64_t *id;
    double *t;
    double *amount;
    size_t n_sim_customers;
    /* cva outputs */
    cva_txn_summary sum;
    size_t n_customers;
    /* caller workspace */
    void *work;
    size_t work_size;
    /* naive outputs */
    naive_out nv;
    /* cohort table (the cohorts cases) and the caller workspace of cohorts_work */
    cva_cohort_table coh;
    void *coh_work;
    size_t coh_work_size;
} bench_ctx;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "cva-bench: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Simulation parameters: ~50 purchases per customer over two years of days. */
static void sim_params(cva_sim_opts *o, uint64_t seed)
{
    cva_sim_opts_init_defaults(o, sizeof *o);
    o->seed = seed;
    o->r = 3.0;     /* lambda ~ Gamma(3, rate 4): 0.75 purchases a week on average */
    o->alpha = 4.0;
    o->a = 0.3;     /* dropout p ~ Beta(0.3, 30): loyal customers */
    o->b = 30.0;
    o->time_scale = 7.0; /* days in, weeks in the model */
    o->start = 0.0;
    o->acquisition_span = 364.0;
    o->end = 728.0;
    o->round_times = 1;
}

/* Generate ~rows transactions, time-ordered with interleaved ids. */
static void generate(bench_ctx *c, size_t rows, uint64_t seed)
{
    cva_sim_opts o;
    size_t n_cust, got = 0, i, n, n_days;
    int64_t *id, *id2;
    double *t, *amount, *d2;
    uint32_t *perm, *perm2;
    size_t *cnt;
    uint64_t s = seed;
    double t0 = cva_bench_now();
    cva_status st;

    sim_params(&o, seed);
    n_cust = rows / 40 + 1;
    for (;;) {
        st = cva_sim_transactions(&o, n_cust, NULL, NULL, NULL, 0, &got, NULL);
        if (st < 0) {
            fprintf(stderr, "cva-bench: simulate: %s\n", cva_strerror(st));
            exit(2);
        }
        if (got >= rows)
            break;
        n_cust = (size_t)((double)n_cust * 1.05 * (double)rows / (double)(got ? got : 1)) + 1;
    }
    id = (int64_t *)xmalloc(got * sizeof *id);
    t = (double *)xmalloc(got * sizeof *t);
    amount = (double *)xmalloc(got * sizeof *amount);
    st = cva_sim_transactions(&o, n_cust, id, t, amount, got, &got, NULL);
    if (st < 0) {
        fprintf(stderr, "cva-bench: simulate: %s\n", cva_strerror(st));
        exit(2);
    }
    n = rows; /* keep the first `rows` rows (the last customer may be cut) */
    c->n_sim_customers = (size_t)(id[n - 1] - id[0] + 1);

    /* time order: shuffle row indices (Fisher-Yates, seeded), then a stable
       counting sort by day, so same-day rows of different customers interleave */
    perm = (uint32_t *)xmalloc(n * sizeof *perm);
    for (i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix64(&s) % i);
        uint32_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    n_days = (size_t)o.end + 2;
    cnt = (size_t *)calloc(n_days + 1, sizeof *cnt);
    perm2 = (uint32_t *)xmalloc(n * sizeof *perm2);
    if (!cnt) {
        fprintf(stderr, "cva-bench: out of memory\n");
        exit(2);
    }
    for (i = 0; i < n; i++)
        cnt[(size_t)t[i] + 1]++;
    for (i = 0; i < n_days; i++)
        cnt[i + 1] += cnt[i];
    for (i = 0; i < n; i++)
        perm2[cnt[(size_t)t[perm[i]]]++] = perm[i];
    free(cnt);
    free(perm);

    id2 = (int64_t *)xmalloc(n * sizeof *id2);
    for (i = 0; i < n; i++)
        id2[i] = id[perm2[i]];
    free(id);
    c->id = id2;
    d2 = (double *)xmalloc(n * sizeof *d2);
    for (i = 0; i < n; i++)
        d2[i] = t[perm2[i]];
    free(t);
    c->t = d2;
    d2 = (double *)xmalloc(n * sizeof *d2);
    for (i = 0; i < n; i++)
        d2[i] = amount[perm2[i]];
    free(amount);
    c->amount = d2;
    free(perm2);
    c->n = n;
    fprintf(stderr, "cva-bench: generated %zu rows of %zu customers (seed %llu) in %.1f s\n", n,
            c->n_sim_customers, (unsigned long long)seed, cva_bench_now() - t0);
}

static void alloc_outputs(bench_ctx *c)
{
    size_t n = c->n;
    cva_txn_summary *s = &c->sum;
    cva_txn_summary_init(s, sizeof *s);
    n = c->n_sim_customers; /* ids are first_id..first_id+n-1: at most this many customers */
    s->capacity = n;
    s->customer_id = (int64_t *)xmalloc(n * sizeof(int64_t));
    s->n_txn = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    s->first_t = (double *)xmalloc(n * sizeof(double));
    s->last_t = (double *)xmalloc(n * sizeof(double));
    s->total_amount = (double *)xmalloc(n * sizeof(double));
    s->total_cost = (double *)xmalloc(n * sizeof(double));
    s->frequency = (double *)xmalloc(n * sizeof(double));
    s->recency = (double *)xmalloc(n * sizeof(double));
    s->T = (double *)xmalloc(n * sizeof(double));
    s->monetary_value = (double *)xmalloc(n * sizeof(double));
    s->days_since_last = (double *)xmalloc(n * sizeof(double));
    c->nv.customer_id = (int64_t *)xmalloc(n * sizeof(int64_t));
    c->nv.n_txn = (uint32_t *)xmalloc(n * sizeof(uint32_t));
    c->nv.first_t = (double *)xmalloc(n * sizeof(double));
    c->nv.last_t = (double *)xmalloc(n * sizeof(double));
    c->nv.total_amount = (double *)xmalloc(n * sizeof(double));
    c->nv.frequency = (double *)xmalloc(n * sizeof(double));
    c->nv.recency = (double *)xmalloc(n * sizeof(double));
    c->nv.T = (double *)xmalloc(n * sizeof(double));
    c->nv.monetary_value = (double *)xmalloc(n * sizeof(double));
    c->nv.days_since_last = (double *)xmalloc(n * sizeof(double));
    /* touch every output page now so no case pays for first-touch faults */
    memset(s->customer_id, 0, n * sizeof(int64_t));
    memset(s->n_txn, 0, n * sizeof(uint32_t));
    memset(s->first_t, 0, n * sizeof(double));
    memset(s->last_t, 0, n * sizeof(double));
    memset(s->total_amount, 0, n * sizeof(double));
    memset(s->total_cost, 0, n * sizeof(double));
    memset(s->frequency, 0, n * sizeof(double));
    memset(s->recency, 0, n * sizeof(double));
    memset(s->T, 0, n * sizeof(double));
    memset(s->monetary_value, 0, n * sizeof(double));
    memset(s->days_since_last, 0, n * sizeof(double));
}

static cva_txn_input make_input(const bench_ctx *c)
{
    cva_txn_input in;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = c->n;
    in.customer_id = c->id;
    in.t = c->t;
    in.amount = c->amount;
    return in;
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

static double bench_read_bound(void *p)
{
    bench_ctx *c = (bench_ctx *)p;
    const int64_t *id = c->id;
    const double *t = c->t, *a = c->amount;
    size_t i, n = c->n;
    uint64_t si0 = 0, si1 = 0;
    double st0 = 0, st1 = 0, sa0 = 0, sa1 = 0;
    for (i = 0; i + 1 < n; i += 2) {
        si0 += (uint64_t)id[i];
        si1 += (uint64_t)id[i + 1];
        st0 += t[i];
        st1 += t[i + 1];
        sa0 += a[i];
        sa1 += a[i + 1];
    }
    for (; i < n; i++) {
        si0 += (uint64_t)id[i];
        st0 += t[i];
        sa0 += a[i];
    }
    return (double)((si0 + si1) & 0xffff) + 1e-12 * (st0 + st1 + sa0 + sa1);
}

static double run_summarize(bench_ctx *c, void *work, size_t work_size)
{
    cva_txn_input in = make_input(c);
    cva_txn_opts o;
    cva_status st;
    cva_txn_opts_init_defaults(&o, sizeof o);
    st = cva_txn_summarize(&in, &o, &c->sum, work, work_size, NULL);
    if (st < 0) {
        fprintf(stderr, "cva-bench: cva_txn_summarize: %s\n", cva_strerror(st));
        return -1.0;
    }
    c->n_customers = c->sum.n_customers;
    return (double)c->sum.n_customers + 1e-9 * c->sum.frequency[0];
}

static double bench_summarize_alloc(void *p)
{
    return run_summarize((bench_ctx *)p, NULL, 0);
}

static double bench_summarize_work(void *p)
{
    bench_ctx *c = (bench_ctx *)p;
    return run_summarize(c, c->work, c->work_size);
}

/* Acquisition cohorts on the same rows: periods of 30 days, the three outputs a retention
   table needs; the arrays are sized by a first (untimed) call. */
static double run_cohorts(bench_ctx *c, void *work, size_t work_size)
{
    cva_txn_input in = make_input(c);
    cva_txn_opts o;
    cva_status st;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.period_length = 30.0;
    if (c->coh.struct_size == 0) {
        size_t nc;
        cva_cohort_table_init(&c->coh, sizeof c->coh);
        st = cva_txn_cohorts(&in, &o, &c->coh, NULL, 0, NULL);
        if (st != CVA_E_BUFFER_TOO_SMALL)
            return -1.0;
        nc = c->coh.n_cohorts;
        c->coh.capacity = nc;
        c->coh.size = (double *)xmalloc(nc * sizeof(double));
        c->coh.active = (double *)xmalloc(nc * nc * sizeof(double));
        c->coh.retained = (double *)xmalloc(nc * nc * sizeof(double));
    }
    st = cva_txn_cohorts(&in, &o, &c->coh, work, work_size, NULL);
    if (st < 0) {
        fprintf(stderr, "cva-bench: cva_txn_cohorts: %s\n", cva_strerror(st));
        return -1.0;
    }
    return (double)c->coh.n_customers + 1e-9 * c->coh.retained[0];
}

static double bench_cohorts(void *p)
{
    return run_cohorts((bench_ctx *)p, NULL, 0);
}

/* The same with a caller workspace of cva_txn_cohorts_workspace_size() bytes, allocated
   once before the case (as summarize_work). */
static double bench_cohorts_work(void *p)
{
    bench_ctx *c = (bench_ctx *)p;
    return run_cohorts(c, c->coh_work, c->coh_work_size);
}

static double bench_naive(void *p)
{
    bench_ctx *c = (bench_ctx *)p;
    if (naive_summarize(c->id, c->t, c->amount, c->n, &c->nv) != 0)
        return -1.0;
    return (double)c->nv.n_customers;
}

typedef struct bench_entry {
    const char *name;
    cva_bench_fn fn;
    cva_bench_init_fn init;
    const char *descr;
} bench_entry;

#define BENCH_ENTRY_(name, init, descr) {#name, bench_##name, init, descr},
static const bench_entry bench_entries[] = {CVA_BENCH_LIST(BENCH_ENTRY_)};
#undef BENCH_ENTRY_
#define N_ENTRIES (sizeof bench_entries / sizeof bench_entries[0])

/* ------------------------------------------------------------------------ */
/* Verification against the naive reference                                 */

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int verify(const bench_ctx *c)
{
    const cva_txn_summary *s = &c->sum;
    const naive_out *v = &c->nv;
    size_t k, bad = 0;
    if (s->n_customers != v->n_customers) {
        fprintf(stderr, "cva-bench: verify: %zu customers vs naive %zu\n", s->n_customers,
                v->n_customers);
        return -1;
    }
    for (k = 0; k < v->n_customers; k++) {
        int ok = s->customer_id[k] == v->customer_id[k] && s->n_txn[k] == v->n_txn[k] &&
                 same_double(s->first_t[k], v->first_t[k]) &&
                 same_double(s->last_t[k], v->last_t[k]) &&
                 same_double(s->total_amount[k], v->total_amount[k]) &&
                 same_double(s->frequency[k], v->frequency[k]) &&
                 same_double(s->recency[k], v->recency[k]) && same_double(s->T[k], v->T[k]) &&
                 same_double(s->monetary_value[k], v->monetary_value[k]) &&
                 same_double(s->days_since_last[k], v->days_since_last[k]);
        if (!ok && bad++ < 5)
            fprintf(stderr, "cva-bench: verify: customer %lld (row %zu) differs from naive\n",
                    (long long)v->customer_id[k], k);
    }
    if (bad) {
        fprintf(stderr, "cva-bench: verify: %zu of %zu customers differ\n", bad, v->n_customers);
        return -1;
    }
    fprintf(stderr, "cva-bench: verify: %zu customers bit-identical to the naive reference\n",
            v->n_customers);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

/* Peak RSS in bytes (getrusage). Linux reports ru_maxrss in KiB. */
static double peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

static double current_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (!f)
        return (double)NAN;
    if (fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/* Reset the peak-RSS watermark (Linux >= 4.0); returns 0 on success. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok;
    if (!f)
        return -1;
    ok = fputs("5", f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* RSS growth of one call: the peak during the call minus the RSS before it.
   With a caller workspace, the workspace is allocated inside the measurement. */
static double measure_rss_growth(bench_ctx *c, int workspace_mode, int *exact)
{
    double before, after;
    void *work = NULL;
    size_t ws = 0;
    *exact = reset_peak_rss() == 0;
    before = *exact ? current_rss() : peak_rss();
    if (!*exact || isnan(before))
        before = peak_rss();
    if (workspace_mode) {
        cva_txn_input in = make_input(c);
        if (cva_txn_workspace_size(&in, NULL, &ws) < 0)
            return (double)NAN;
        work = malloc(ws);
        if (!work)
            return (double)NAN;
    }
    if (run_summarize(c, work, ws) < 0.0) {
        free(work);
        return (double)NAN;
    }
    after = peak_rss();
    free(work);
    return after - before;
}

/* ------------------------------------------------------------------------ */
/* pandas                                                                   */

static int write_arrays(const bench_ctx *c, const char *path)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return -1;
    ok = fwrite(c->id, sizeof(int64_t), c->n, f) == c->n &&
         fwrite(c->t, sizeof(double), c->n, f) == c->n &&
         fwrite(c->amount, sizeof(double), c->n, f) == c->n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Run the pandas script; returns its median seconds or (double)NAN. */
/* cva.summarize() timed by the pandas script in its own process (Python
   binding; NAN when the binding is not available). */
typedef struct py_times {
    double alloc, work, work_first;
    size_t customers;
} py_times;

static double run_pandas(const bench_ctx *c, const char *python, const char *script, unsigned repeat,
                         double *sum_freq, size_t *n_cust, double *plain_secs, py_times *py)
{
    char path[4096], cmd[8192], line[1024];
    const char *tmp = getenv("TMPDIR");
    double secs = (double)NAN;
    FILE *p;
    int fd;
    snprintf(path, sizeof path, "%s/cva-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "cva-bench: mkstemp: %s\n", strerror(errno));
        return (double)NAN;
    }
    close(fd);
    if (write_arrays(c, path) != 0) {
        fprintf(stderr, "cva-bench: cannot write %s\n", path);
        remove(path);
        return (double)NAN;
    }
    py->alloc = py->work = py->work_first = (double)NAN;
    py->customers = 0;
#if defined(CVA_BENCH_PYDIR) && defined(CVA_BENCH_LIBCVA)
    snprintf(cmd, sizeof cmd,
             "CVA_LIBRARY='%s' '%s' '%s' --input '%s' --rows %zu --repeat %u --plain-repeat %u --cva-python '%s'",
             CVA_BENCH_LIBCVA, python, script, path, c->n, repeat, repeat, CVA_BENCH_PYDIR);
#else
    snprintf(cmd, sizeof cmd, "'%s' '%s' --input '%s' --rows %zu --repeat %u --plain-repeat %u", python, script,
             path, c->n, repeat, repeat);
#endif
    fprintf(stderr, "cva-bench: running %s\n", cmd);
    fflush(NULL);
    p = popen(cmd, "r");
    if (!p) {
        remove(path);
        return (double)NAN;
    }
    while (fgets(line, sizeof line, p)) {
        double v;
        size_t k;
        fputs(line, stderr);
        if (sscanf(line, "pandas seconds=%lf", &v) == 1)
            secs = v;
        if (sscanf(line, "pandas plain_seconds=%lf", &v) == 1)
            *plain_secs = v;
        if (sscanf(line, "python cva_alloc_seconds=%lf", &v) == 1)
            py->alloc = v;
        if (sscanf(line, "python cva_work_seconds=%lf", &v) == 1)
            py->work = v;
        if (sscanf(line, "python cva_work_first_seconds=%lf", &v) == 1)
            py->work_first = v;
        if (sscanf(line, "python cva_customers=%zu", &k) == 1)
            py->customers = k;
        if (sscanf(line, "pandas customers=%zu sum_frequency=%lf", &k, &v) == 2) {
            *n_cust = k;
            *sum_freq = v;
        }
    }
    if (pclose(p) != 0)
        secs = (double)NAN;
    remove(path);
    return secs;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    size_t i;
    fprintf(f,
            "usage: cva-bench [--iters N] [--rows N] [--case NAME[,NAME...]] [--pandas]\n"
            "                 [--seed S] [--min-time S] [--max-time S] [--python PATH]\n"
            "                 [--pandas-script PATH] [--pandas-repeat N] [--no-mem] [--list]\n"
            "                 [--cache FILE]   (keep the generated arrays in FILE for later runs)\n"
            "                 [--scaling T]    (only: summaries with a workspace on 1 and T threads,\n"
            "                                   alternating, --iters samples each; one 'scaling' line)\n"
            "                 [--probe W]      (only: the serial fraction of the summaries with a workspace\n"
            "                                   for W workers, from thread CPU times; one 'probe' line)\n"
            "cases:\n");
    for (i = 0; i < N_ENTRIES; i++)
        fprintf(f, "  %-16s %s\n", bench_entries[i].name, bench_entries[i].descr);
    fprintf(f, "  %-16s %s\n", "pandas", "pandas groupby on the same arrays (--pandas)");
}

static int selected(const char *list, const char *name)
{
    size_t len = strlen(name);
    const char *p = list;
    if (!list)
        return 1;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
            return 1;
        p += len;
    }
    return 0;
}

static void fmt_ratio(char *buf, size_t size, double a, double b)
{
    if (isnan(a) || isnan(b) || b <= 0.0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.3g", a / b);
}

/* generate() through a cache file (--cache FILE): the arrays of a (rows, seed)
   pair are written once and read back by later runs, so A/B comparisons of
   two builds do not pay the simulation (about 15 s for 5e7 rows) each time. */
static void generate_cached(bench_ctx *c, size_t rows, uint64_t seed, const char *path)
{
    uint64_t hdr[4] = {UINT64_C(0x3148434e45424143), (uint64_t)rows, seed, 0};
    uint64_t got[4];
    FILE *fp = path ? fopen(path, "rb") : NULL;
    if (fp) {
        if (fread(got, sizeof got, 1, fp) == 1 && got[0] == hdr[0] && got[1] == hdr[1] && got[2] == hdr[2]) {
            double t0 = cva_bench_now();
            c->n = rows;
            c->n_sim_customers = (size_t)got[3];
            c->id = (int64_t *)xmalloc(rows * sizeof *c->id);
            c->t = (double *)xmalloc(rows * sizeof *c->t);
            c->amount = (double *)xmalloc(rows * sizeof *c->amount);
            if (fread(c->id, sizeof *c->id, rows, fp) == rows && fread(c->t, sizeof *c->t, rows, fp) == rows &&
                fread(c->amount, sizeof *c->amount, rows, fp) == rows) {
                fclose(fp);
                fprintf(stderr, "cva-bench: read %zu rows of %zu customers from %s in %.1f s\n", rows,
                        c->n_sim_customers, path, cva_bench_now() - t0);
                return;
            }
            free(c->id);
            free(c->t);
            free(c->amount);
        }
        fclose(fp);
    }
    generate(c, rows, seed);
    if (path && (fp = fopen(path, "wb")) != NULL) {
        int ok;
        hdr[3] = (uint64_t)c->n_sim_customers;
        ok = fwrite(hdr, sizeof hdr, 1, fp) == 1 && fwrite(c->id, sizeof *c->id, rows, fp) == rows &&
             fwrite(c->t, sizeof *c->t, rows, fp) == rows && fwrite(c->amount, sizeof *c->amount, rows, fp) == rows;
        if (fclose(fp) != 0 || !ok) {
            fprintf(stderr, "cva-bench: could not write the cache %s\n", path);
            remove(path);
        }
    }
}

static double min_of(const double *v, unsigned n)
{
    double m = v[0];
    unsigned i;
    for (i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

/* median of n values (the lower middle one for even n: a sample that ran) */
static double median_of(const double *v, unsigned n)
{
    unsigned i, j;
    for (i = 0; i < n; i++) {
        unsigned below = 0, same = 0;
        for (j = 0; j < n; j++) {
            below += v[j] < v[i];
            same += v[j] == v[i];
        }
        if (2 * below < n && 2 * (below + same) >= n)
            return v[i];
    }
    return v[0];
}

/* 1-minute load average (Linux /proc/loadavg), NaN when unknown */
static double load_avg1(void)
{
    double l = (double)NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = (double)NAN;
        fclose(f);
    }
    return l;
}

/* --scaling T: cva_txn_summarize with a caller workspace (sized for T workers,
   allocated and touched once) on 1 thread and on T threads (the CLI's pthreads
   pool, tools/executor.c), alternating the two so that both see the same
   load; the outputs of the two must be the same bits. One line:
   scaling n=.. customers=.. threads=T t1=MEDIAN tT=MEDIAN t1_min=.. tT_min=..
   speedup=t1/tT speedup_min=.. ns_per_row_1=.. ns_per_row_per_core_T=.. (tT * T / n)
   cpu_T=.. (process CPU seconds of the T-thread median sample, all threads) load1=.. */
static int run_scaling(bench_ctx *c, unsigned threads, unsigned iters)
{
    cva_txn_input in = make_input(c);
    cva_txn_opts o;
    cli_err err;
    char tv[16];
    double *t1 = (double *)xmalloc(iters * sizeof(double)), *tT = (double *)xmalloc(iters * sizeof(double));
    double *cT = (double *)xmalloc(iters * sizeof(double)), load[1] = {(double)NAN};
    size_t ws, K1 = 0, k;
    int64_t *id1;
    double *f1, *m1, m_t1, m_tT, cpu_at = (double)NAN;
    unsigned it;
    void *work;
    memset(&err, 0, sizeof err);
    snprintf(tv, sizeof tv, "%u", threads);
    if (cli_threads_set(tv, &err) != 0) {
        fprintf(stderr, "cva-bench: %s\n", err.msg);
        return 1;
    }
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.executor = cli_executor();
    if (cva_txn_workspace_size(&in, &o, &ws) < 0)
        return 1;
    work = xmalloc(ws);
    memset(work, 0, ws);
    id1 = (int64_t *)xmalloc(c->sum.capacity * sizeof(int64_t));
    f1 = (double *)xmalloc(c->sum.capacity * sizeof(double));
    m1 = (double *)xmalloc(c->sum.capacity * sizeof(double));
    for (it = 0; it <= iters; it++) { /* sample 0: warm-up of both */
        int side;
        for (side = 0; side < 2; side++) {
            double w0, c0, dt;
            struct rusage ru;
            cva_status st;
            o.executor = side ? cli_executor() : NULL;
            getrusage(RUSAGE_SELF, &ru);
            c0 = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
                 1e-6 * (double)ru.ru_stime.tv_usec;
            w0 = cva_bench_now();
            st = cva_txn_summarize(&in, &o, &c->sum, work, ws, NULL);
            dt = cva_bench_now() - w0;
            getrusage(RUSAGE_SELF, &ru);
            if (st < 0) {
                fprintf(stderr, "cva-bench: cva_txn_summarize: %s\n", cva_strerror(st));
                return 1;
            }
            if (side == 0) {
                K1 = c->sum.n_customers;
                memcpy(id1, c->sum.customer_id, K1 * sizeof(int64_t));
                memcpy(f1, c->sum.frequency, K1 * sizeof(double));
                memcpy(m1, c->sum.monetary_value, K1 * sizeof(double));
            } else if (c->sum.n_customers != K1 || memcmp(id1, c->sum.customer_id, K1 * sizeof(int64_t)) ||
                       memcmp(f1, c->sum.frequency, K1 * sizeof(double)) ||
                       memcmp(m1, c->sum.monetary_value, K1 * sizeof(double))) {
                fprintf(stderr, "cva-bench: %u threads give other bits than 1\n", threads);
                return 1;
            }
            if (it == 0)
                continue;
            if (side) {
                tT[it - 1] = dt;
                cT[it - 1] = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                             (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec - c0;
            } else {
                t1[it - 1] = dt;
            }
        }
    }
    m_tT = median_of(tT, iters);
    for (k = 0; k < iters; k++)
        if (tT[k] == m_tT)
            cpu_at = cT[k];
    m_t1 = median_of(t1, iters);
    load[0] = load_avg1();
    printf("scaling n=%zu customers=%zu threads=%u t1=%.4f tT=%.4f t1_min=%.4f tT_min=%.4f speedup=%.3f "
           "speedup_min=%.3f ns_per_row_1=%.2f ns_per_row_per_core_T=%.2f cpu_T=%.3f workspace=%zu load1=%.2f\n",
           c->n, K1, threads, m_t1, m_tT, min_of(t1, iters), min_of(tT, iters), m_t1 / m_tT,
           min_of(t1, iters) / min_of(tT, iters), 1e9 * m_t1 / (double)c->n,
           1e9 * m_tT * (double)threads / (double)c->n, cpu_at, ws, load[0]);
    free(work);
    free(id1);
    free(f1);
    free(m1);
    free(t1);
    free(tT);
    free(cT);
    return 0;
}

/* --probe W: the serial fraction of cva_txn_summarize with a workspace sized
   for W workers (bench_exec.h: every task runs on the calling thread and is
   timed). One line, the medians of --iters samples after a warm-up:
   probe n=.. workers=W cpu=.. parallel_cpu=.. serial_cpu=.. serial_fraction=..
   amdahl=total/(serial+par/W) scheduled=total/(serial+makespan) sections=.. tasks=.. */
typedef struct probe_call {
    bench_ctx *c;
    const cva_txn_input *in;
    const cva_txn_opts *o;
    void *work;
    size_t ws;
} probe_call;

/* one summary of run_probe() (probe_sample()) */
static int probe_summarize(void *user)
{
    const probe_call *p = (const probe_call *)user;
    cva_status st = cva_txn_summarize(p->in, p->o, &p->c->sum, p->work, p->ws, NULL);
    if (st < 0) {
        fprintf(stderr, "cva-bench: cva_txn_summarize: %s\n", cva_strerror(st));
        return 1;
    }
    return 0;
}

static int run_probe(bench_ctx *c, unsigned workers, unsigned iters)
{
    cva_txn_input in = make_input(c);
    cva_txn_opts o;
    bench_probe *pr = bench_probe_new(workers);
    double *tot = (double *)xmalloc(iters * sizeof(double)), *par = (double *)xmalloc(iters * sizeof(double));
    double *spn = (double *)xmalloc(iters * sizeof(double));
    size_t ws, sections = 0, tasks = 0;
    void *work;
    probe_call pc;
    if (!pr)
        return 1;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.executor = bench_probe_executor(pr);
    if (cva_txn_workspace_size(&in, &o, &ws) < 0)
        return 1;
    work = xmalloc(ws);
    memset(work, 0, ws);
    pc.c = c;
    pc.in = &in;
    pc.o = &o;
    pc.work = work;
    pc.ws = ws;
    if (probe_sample(pr, iters, probe_summarize, &pc, tot, par, spn, &sections, &tasks))
        return 1;
    printf("probe n=%zu customers=%zu workers=%u", c->n, c->sum.n_customers, workers);
    probe_print(median_of(tot, iters), median_of(par, iters), median_of(spn, iters), workers, sections, tasks);
    printf(" load1=%.2f\n", load_avg1());
    { /* the sections of the last sample: tasks/cpu/makespan */
        size_t nl, k;
        const bench_probe_section *l = bench_probe_log(pr, &nl);
        printf("probe_sections");
        for (k = 0; k < nl; k++)
            printf(" %zu/%.4f/%.4f", l[k].tasks, l[k].cpu, l[k].span);
        printf("\n");
    }
    free(work);
    free(tot);
    free(par);
    free(spn);
    bench_probe_free(pr);
    return 0;
}

/* Release everything generate() and alloc_outputs() took (keeps leak checkers quiet). */
static void free_ctx(bench_ctx *c)
{
    cva_txn_summary *s = &c->sum;
    free(c->id);
    free(c->t);
    free(c->amount);
    free(s->customer_id);
    free(s->n_txn);
    free(s->first_t);
    free(s->last_t);
    free(s->total_amount);
    free(s->total_cost);
    free(s->frequency);
    free(s->recency);
    free(s->T);
    free(s->monetary_value);
    free(s->days_since_last);
    free(c->coh.size);
    free(c->coh.active);
    free(c->coh.retained);
    free(c->nv.customer_id);
    free(c->nv.n_txn);
    free(c->nv.first_t);
    free(c->nv.last_t);
    free(c->nv.total_amount);
    free(c->nv.frequency);
    free(c->nv.recency);
    free(c->nv.T);
    free(c->nv.monetary_value);
    free(c->nv.days_since_last);
    free(c->work);
    memset(c, 0, sizeof *c);
}

int main(int argc, char **argv)
{
    bench_ctx c;
    cva_bench_params prm;
    cva_bench_result res[N_ENTRIES];
    int ran[N_ENTRIES];
    size_t rows = 50000000, i;
    uint64_t seed = 20240601;
    const char *cases = NULL, *python = CVA_BENCH_PYTHON, *cache = NULL;
    const char *script = CVA_BENCH_SRCDIR "/pandas_summary.py";
    int do_pandas = 0, do_mem = 1, failed = 0, a;
    unsigned scaling = 0, probe = 0;
    unsigned pandas_repeat = 1;
    double t_sum_alloc = (double)NAN, t_cohorts = (double)NAN, t_sum_work = (double)NAN, t_coh_work = (double)NAN;
    double t_read = (double)NAN, t_naive = (double)NAN, t_pandas = (double)NAN, t_plain = (double)NAN, pandas_sum_freq = (double)NAN;
    size_t pandas_customers = 0;
    py_times py = {(double)NAN, (double)NAN, (double)NAN, 0};

    cva_bench_params_default(&prm);
    for (a = 1; a < argc; a++) {
        const char *arg = argv[a];
        const char *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(arg, "--pandas")) {
            do_pandas = 1;
            continue;
        }
        if (!strcmp(arg, "--no-mem")) {
            do_mem = 0;
            continue;
        }
        if (!strcmp(arg, "--list") || !strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!val) {
            fprintf(stderr, "cva-bench: unknown or incomplete option %s\n", arg);
            usage(stderr);
            return 2;
        }
        a++;
        if (!strcmp(arg, "--iters"))
            prm.iters = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(arg, "--scaling"))
            scaling = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(arg, "--probe"))
            probe = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(arg, "--rows"))
            rows = (size_t)strtod(val, NULL);
        else if (!strcmp(arg, "--case"))
            cases = val;
        else if (!strcmp(arg, "--seed"))
            seed = strtoull(val, NULL, 10);
        else if (!strcmp(arg, "--min-time"))
            prm.min_time = strtod(val, NULL);
        else if (!strcmp(arg, "--max-time"))
            prm.max_time = strtod(val, NULL);
        else if (!strcmp(arg, "--python"))
            python = val;
        else if (!strcmp(arg, "--pandas-script"))
            script = val;
        else if (!strcmp(arg, "--cache"))
            cache = val;
        else if (!strcmp(arg, "--pandas-repeat"))
            pandas_repeat = (unsigned)strtoul(val, NULL, 10);
        else {
            fprintf(stderr, "cva-bench: unknown option %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (prm.iters < 1)
        prm.iters = 1;
    if (rows < 1)
        rows = 1;
    if (cases && selected(cases, "pandas"))
        do_pandas = 1;

    memset(&c, 0, sizeof c);
    generate_cached(&c, rows, seed, cache);
    alloc_outputs(&c);
    if (probe) { /* only the serial fraction */
        int rc = run_probe(&c, probe, prm.iters);
        free_ctx(&c);
        return rc;
    }
    if (scaling) { /* only the thread scaling */
        int rc = run_scaling(&c, scaling, prm.iters);
        free_ctx(&c);
        return rc;
    }

    {
        cva_txn_input in = make_input(&c);
        if (cva_txn_workspace_size(&in, NULL, &c.work_size) < 0) {
            fprintf(stderr, "cva-bench: cva_txn_workspace_size failed\n");
            return 1;
        }
    }

    /* memory first, before the timing cases leave freed pages around */
    if (do_mem && (!cases || selected(cases, "summarize_alloc") || selected(cases, "summarize_work"))) {
        double input = (double)c.n * (sizeof(int64_t) + 2 * sizeof(double));
        int exact_a = 0, exact_w = 0;
        double g_alloc = measure_rss_growth(&c, 0, &exact_a);
        double g_work = (double)NAN;
        if (selected(cases, "summarize_work"))
            g_work = measure_rss_growth(&c, 1, &exact_w);
        printf("mem n=%zu input_bytes=%.0f workspace_size=%zu workspace_ratio=%.3f "
               "rss_growth_alloc=%.0f rss_ratio_alloc=%.3f rss_growth_work=%.0f "
               "rss_ratio_work=%.3f rss_method=%s\n",
               c.n, input, c.work_size, (double)c.work_size / input, g_alloc, g_alloc / input,
               g_work, g_work / input, exact_a ? "clear_refs+getrusage" : "getrusage");
        fflush(stdout);
    }

    for (i = 0; i < N_ENTRIES; i++) {
        const bench_entry *e = &bench_entries[i];
        ran[i] = 0;
        if (!selected(cases, e->name))
            continue;
        if (!strcmp(e->name, "summarize_work"))
            c.work = xmalloc(c.work_size);
        if (!strcmp(e->name, "cohorts_work")) {
            cva_txn_input in = make_input(&c);
            if (cva_txn_cohorts_workspace_size(&in, &c.coh_work_size) < 0) {
                fprintf(stderr, "cva-bench: cva_txn_cohorts_workspace_size failed\n");
                return 1;
            }
            c.coh_work = xmalloc(c.coh_work_size);
        }
        fprintf(stderr, "cva-bench: %s ...\n", e->name);
        if (cva_bench_run(e->fn, e->init, &c, c.n, &prm, &res[i]) != 0) {
            fprintf(stderr, "cva-bench: case %s failed\n", e->name);
            failed = 1;
        }
        if (!strcmp(e->name, "summarize_work")) {
            free(c.work);
            c.work = NULL;
        }
        if (!strcmp(e->name, "cohorts_work")) {
            free(c.coh_work);
            c.coh_work = NULL;
        }
        ran[i] = 1;
        if (!strcmp(e->name, "read_bound"))
            t_read = res[i].median_s;
        if (!strcmp(e->name, "naive"))
            t_naive = res[i].median_s;
        if (!strcmp(e->name, "summarize_alloc"))
            t_sum_alloc = res[i].median_s;
        if (!strcmp(e->name, "cohorts"))
            t_cohorts = res[i].median_s;
        if (!strcmp(e->name, "summarize_work"))
            t_sum_work = res[i].median_s;
        if (!strcmp(e->name, "cohorts_work"))
            t_coh_work = res[i].median_s;
        fprintf(stderr, "cva-bench: %s median %.4f s over %u samples\n", e->name, res[i].median_s,
                res[i].samples);
    }

    if (selected(cases, "naive") && (selected(cases, "summarize_alloc") || selected(cases, "summarize_work")) &&
        !failed) {
        if (verify(&c) != 0)
            failed = 1;
    }

    if (do_pandas) {
        t_pandas = run_pandas(&c, python, script, pandas_repeat, &pandas_sum_freq, &pandas_customers, &t_plain, &py);
        if (!isnan(py.alloc) && c.n_customers && py.customers != c.n_customers) {
            fprintf(stderr, "cva-bench: the Python binding found %zu customers, the C call %zu\n", py.customers,
                    c.n_customers);
            failed = 1;
        }
        if (isnan(t_pandas)) {
            fprintf(stderr, "cva-bench: pandas run failed\n");
            failed = 1;
        } else if (c.n_customers) {
            double sf = 0.0;
            size_t k;
            for (k = 0; k < c.n_customers; k++)
                sf += c.sum.frequency[k];
            if (pandas_customers != c.n_customers || sf != pandas_sum_freq) {
                fprintf(stderr, "cva-bench: pandas disagrees: %zu customers, sum frequency %.0f vs %zu, %.0f\n",
                        pandas_customers, pandas_sum_freq, c.n_customers, sf);
                failed = 1;
            } else {
                fprintf(stderr, "cva-bench: pandas agrees on customers and sum of frequency\n");
            }
        }
    }

    for (i = 0; i < N_ENTRIES; i++) {
        char r1[32], r2[32], r3[32], r4[32];
        size_t k = c.n_customers;
        if (!ran[i])
            continue;
        fmt_ratio(r1, sizeof r1, res[i].median_s, t_read);
        fmt_ratio(r2, sizeof r2, t_naive, res[i].median_s);
        fmt_ratio(r3, sizeof r3, t_pandas, res[i].median_s);
        fmt_ratio(r4, sizeof r4, t_plain, res[i].median_s);
        if (!strcmp(bench_entries[i].name, "naive"))
            k = c.nv.n_customers;
        printf("case=%s n=%zu customers=%zu seconds=%.4f min=%.4f samples=%u ns_per_elem=%.2f "
               "x_read=%s speedup_vs_naive=%s speedup_vs_pandas=%s speedup_vs_pandas_plain=%s%s\n",
               bench_entries[i].name, c.n, k, res[i].median_s, res[i].min_s, res[i].samples,
               res[i].ns_per_elem, r1, r2, r3, r4, res[i].failed ? " FAILED" : "");
    }
    if (!isnan(t_sum_alloc) && !isnan(t_sum_work)) {
        /* issue 20: the default call (no workspace: the library allocates) against a reused workspace */
        printf("ratio summarize_alloc/summarize_work=%.3f (target <= 1.5)\n", t_sum_alloc / t_sum_work);
    }
    if (!isnan(t_cohorts) && !isnan(t_sum_alloc)) {
        /* issue 11: cohort tables in at most 1.5x the time of the summaries, same input, same run */
        printf("ratio cohorts/summarize_alloc=%.3f cohorts=%zu (target <= 1.5)\n", t_cohorts / t_sum_alloc,
               c.coh.n_cohorts);
    }
    if (!isnan(t_coh_work) && !isnan(t_sum_work)) /* the same, both with a caller workspace */
        printf("ratio cohorts_work/summarize_work=%.3f cohorts=%zu (target <= 1.5)\n", t_coh_work / t_sum_work,
               c.coh.n_cohorts);
    if (!isnan(t_pandas)) {
        char r1[32], r2[32];
        fmt_ratio(r1, sizeof r1, t_pandas, t_read);
        fmt_ratio(r2, sizeof r2, t_naive, t_pandas);
        printf("case=pandas n=%zu customers=%zu seconds=%.4f min=%.4f samples=%u ns_per_elem=%.2f "
               "x_read=%s speedup_vs_naive=%s speedup_vs_pandas=1\n",
               c.n, pandas_customers, t_pandas, t_pandas, pandas_repeat, t_pandas * 1e9 / (double)c.n,
               r1, r2);
    }
    if (!isnan(t_plain)) {
        char r1[32], r2[32];
        fmt_ratio(r1, sizeof r1, t_plain, t_read);
        fmt_ratio(r2, sizeof r2, t_naive, t_plain);
        printf("case=pandas_plain n=%zu customers=%zu seconds=%.4f min=%.4f samples=%u ns_per_elem=%.2f "
               "x_read=%s speedup_vs_naive=%s speedup_vs_pandas=- (groupby('id').agg(size, min, max, sum) only)\n",
               c.n, pandas_customers, t_plain, t_plain, pandas_repeat, t_plain * 1e9 / (double)c.n, r1, r2);
    }
    {
        /* the Python binding, timed in the pandas process on the same arrays */
        const char *name[2] = {"python_alloc", "python_work"};
        const double secs[2] = {py.alloc, py.work};
        int j;
        for (j = 0; j < 2; j++) {
            char r1[32], r3[32], r4[32];
            if (isnan(secs[j]))
                continue;
            fmt_ratio(r1, sizeof r1, secs[j], t_read);
            fmt_ratio(r3, sizeof r3, t_pandas, secs[j]);
            fmt_ratio(r4, sizeof r4, t_plain, secs[j]);
            printf("case=%s n=%zu customers=%zu seconds=%.4f samples=%u ns_per_elem=%.2f x_read=%s "
                   "speedup_vs_pandas=%s speedup_vs_pandas_plain=%s%s\n",
                   name[j], c.n, py.customers, secs[j], pandas_repeat, secs[j] * 1e9 / (double)c.n, r1, r3, r4,
                   j == 1 ? " (cva.summarize with a reused cva.Workspace; first call not counted)" :
                            " (cva.summarize, library allocates)");
        }
        if (!isnan(py.work_first))
            printf("case=python_work_first n=%zu seconds=%.4f (the call that maps the workspace pages)\n", c.n,
                   py.work_first);
    }
    free_ctx(&c);
    return failed ? 1 : 0;
}
