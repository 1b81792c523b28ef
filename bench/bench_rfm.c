/*
 * cva-bench-rfm — RFM scoring benchmark (targets in bench/RESULTS.md).
 *
 *   cva-bench-rfm [--iters N] [--n N] [--bins K] [--case NAME[,NAME...]] [--seed S] [--threads N]
 *                 [--min-time S] [--max-time S] [--python PATH] [--numpy] [--script PATH]
 *                 [--no-verify] [--no-check] [--list]
 *
 * Input: a deterministic synthetic customer table (fixed seed): recency in
 * integer days (skewed: a mixture of an active and a lapsed exponential,
 * 0.5 % NaN = customers without a purchase, i.e. unscored), frequency with
 * heavy ties (geometric counts from 1), monetary log-normal in cents with 2 %
 * negative values (net refunds). All cases run on the same arrays, one thread.
 * Output: one machine-readable line per case on stdout,
 *   case=NAME n=N seconds=MEDIAN min=MIN samples=S ns_per_elem=X x_read=R speedup_vs_naive=R
 * (x_read = time / read-bound time; speedup_vs_naive = naive rank-first time /
 * time; ns_per_elem per customer). Progress goes to stderr. The exit status
 * is non-zero when a case fails or a check fails: the library's rank-first
 * bins must equal the naive ones bit for bit, the AVX2 and scalar kernels
 * must agree, and (unless --no-verify) NTILE and value cuts must equal a
 * sort-based reference.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CVA_EXPERIMENTAL_API /* forces kernels (cva/common.h, group "experimental") */
#include "cva/cva.h"
#include "bench_exec.h"
#include "cva_bench.h"

/* --threads N (N >= 2): the executor of every cva_rfm_score call */
static const cva_executor *g_ex;

#ifndef CVA_BENCH_PYTHON
#define CVA_BENCH_PYTHON "/usr/bin/python3"
#endif
#ifndef CVA_BENCH_SRCDIR
#define CVA_BENCH_SRCDIR "bench"
#endif

typedef struct rctx {
    size_t n;
    int k;
    double *col[3]; /* recency, frequency, monetary */
    int32_t *out[3];
    int32_t *ref[3];
    cva_rfm_cuts cuts[3];
    void *work;
    size_t work_size;
    int use_work;
    int32_t kernel;
} rctx;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "cva-bench-rfm: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    memset(p, 0, bytes); /* touch every page now: no case pays first-touch faults */
    return p;
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double unif(uint64_t *s) /* (0, 1) */
{
    return ((double)(splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double normal(uint64_t *s)
{
    return sqrt(-2.0 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

static void generate(rctx *c, uint64_t seed)
{
    size_t i, n = c->n;
    uint64_t s = seed;
    double *R = c->col[0], *F = c->col[1], *M = c->col[2];
    for (i = 0; i < n; i++) {
        double u = unif(&s), f, m;
        /* recency: 55 % active (mean 25 days), 45 % lapsed (mean 240 days), cap 3 years */
        double r = u < 0.55 ? -25.0 * log(unif(&s)) : -240.0 * log(unif(&s));
        r = floor(r);
        R[i] = r > 1095.0 ? 1095.0 : r;
        if (unif(&s) < 0.005)
            R[i] = (double)NAN; /* no purchase: unscored */
        /* frequency: geometric from 1, p = 0.4 (40 % are one-time buyers) */
        f = 1.0 + floor(log(unif(&s)) / log(0.6));
        F[i] = f > 500.0 ? 500.0 : f;
        /* monetary: log-normal spend per purchase times a sub-linear count, in cents */
        m = exp(3.6 + 1.0 * normal(&s)) * pow(F[i], 0.8);
        if (unif(&s) < 0.02)
            m = -exp(2.5 + 0.8 * normal(&s)); /* net refunds */
        M[i] = floor(m * 100.0 + 0.5) / 100.0;
    }
}

/* ------------------------------------------------------------------------ */
/* Naive reference: qsort (value, index) pairs, closed form per position     */

typedef struct vi {
    double v;
    size_t i;
} vi;

static int cmp_vi(const void *x, const void *y)
{
    const vi *a = (const vi *)x, *b = (const vi *)y;
    if (a->v < b->v)
        return -1;
    if (a->v > b->v)
        return 1;
    return (a->i > b->i) - (a->i < b->i);
}

static vi *g_pairs; /* scratch for the naive reference (n pairs) */

static double q7(const vi *a, size_t m, int j, int k)
{
    uint64_t h = (uint64_t)(m - 1) * (uint64_t)j;
    uint64_t lo = h / (uint64_t)k, fr = h % (uint64_t)k;
    double x1 = a[lo].v, x2 = lo + 1 < m ? a[lo + 1].v : a[lo].v;
    return fr == 0 ? x1 : x1 + ((double)fr / k) * (x2 - x1);
}

/* Score one column (mask NaN: unscored, 0), docs/methods/rfm.md#methods_rfm_bins closed forms. */
static void naive_score(const double *v, const double *mask, size_t n, int k, int method, int recency,
                        int32_t *out)
{
    vi *a = g_pairs;
    size_t m = 0, p, i;
    double cut[CVA_RFM_MAX_BINS];
    int j;
    for (i = 0; i < n; i++) {
        out[i] = 0;
        if (isnan(mask[i]))
            continue;
        a[m].v = (method == CVA_RFM_NTILE && recency) ? -v[i] : v[i];
        a[m].i = i;
        m++;
    }
    qsort(a, m, sizeof *a, cmp_vi);
    if (method == CVA_RFM_VALUE_CUTS)
        for (j = 1; j < k; j++)
            cut[j] = q7(a, m, j, k);
    for (p = 0; p < m; p++) {
        int32_t b = 1;
        if (method == CVA_RFM_RANK_FIRST) {
            b = (p == 0 || m == 1) ? 1 : (int32_t)(((uint64_t)k * p + m - 2) / (m - 1));
        } else if (method == CVA_RFM_NTILE) {
            size_t q = m / (size_t)k, rho = m % (size_t)k;
            b = p < rho * (q + 1) ? (int32_t)(p / (q + 1) + 1) : (int32_t)(rho + (p - rho * (q + 1)) / q + 1);
        } else {
            for (j = 1; j < k; j++)
                b += a[p].v > cut[j];
        }
        if (recency && method != CVA_RFM_NTILE)
            b = k + 1 - b;
        out[a[p].i] = b;
    }
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

static double bench_read_bound(void *p)
{
    const rctx *c = (const rctx *)p;
    const double *R = c->col[0], *F = c->col[1], *M = c->col[2];
    size_t i, n = c->n;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
    for (i = 0; i + 1 < n; i += 2) {
        s0 += R[i];
        s1 += R[i + 1];
        s2 += F[i];
        s3 += F[i + 1];
        s4 += M[i];
        s5 += M[i + 1];
    }
    for (; i < n; i++)
        s0 += R[i] + F[i] + M[i];
    s0 = s0 + s1 + s2 + s3 + s4 + s5;
    return isnan(s0) ? 1.0 : 1e-12 * fabs(s0); /* R holds NaN: the sum is NaN */
}

static double run_score(rctx *c, int method)
{
    cva_rfm_opts o;
    cva_status st;
    int col;
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = c->k;
    o.method = method;
    o.kernel = c->kernel;
    o.executor = g_ex;
    for (col = 0; col < 3; col++) {
        memset(&c->cuts[col], 0, sizeof c->cuts[col]);
        c->cuts[col].struct_size = sizeof c->cuts[col];
    }
    st = cva_rfm_score(c->col[0], c->col[1], c->col[2], c->n, &o, c->out[0], c->out[1], c->out[2], c->cuts,
                       c->use_work ? c->work : NULL, c->use_work ? c->work_size : 0, NULL);
    if (st < 0) {
        fprintf(stderr, "cva-bench-rfm: cva_rfm_score: %s\n", cva_strerror(st));
        return -1.0;
    }
    return (double)(c->out[0][c->n / 2] + c->out[1][c->n / 3] + c->out[2][c->n - 1]);
}

static double bench_rank_first(void *p) { return run_score((rctx *)p, CVA_RFM_RANK_FIRST); }
static double bench_rank_first_work(void *p)
{
    rctx *c = (rctx *)p;
    double r;
    c->use_work = 1;
    r = run_score(c, CVA_RFM_RANK_FIRST);
    c->use_work = 0;
    return r;
}
static double bench_value_cuts(void *p) { return run_score((rctx *)p, CVA_RFM_VALUE_CUTS); }
static double bench_value_cuts_work(void *p)
{
    rctx *c = (rctx *)p;
    double r;
    c->use_work = 1;
    r = run_score(c, CVA_RFM_VALUE_CUTS);
    c->use_work = 0;
    return r;
}
static double bench_ntile(void *p) { return run_score((rctx *)p, CVA_RFM_NTILE); }

/* Cuts of the last value-cut run, computed once (untimed). */
static void prep_assign(void *p)
{
    rctx *c = (rctx *)p;
    int col;
    for (col = 0; col < 3; col++)
        memset(c->cuts[col].count, 0, sizeof c->cuts[col].count);
}

static double run_assign(rctx *c, int32_t kernel)
{
    int col;
    for (col = 0; col < 3; col++)
        if (cva_rfm_assign(c->col[col], 0, c->n, &c->cuts[col], kernel, c->out[col], NULL) != CVA_OK)
            return -1.0;
    return (double)c->cuts[2].count[0];
}

static double bench_assign(void *p) { return run_assign((rctx *)p, CVA_KERNEL_AUTO); }
static double bench_assign_scalar(void *p) { return run_assign((rctx *)p, CVA_KERNEL_SCALAR); }

static double bench_naive(void *p)
{
    rctx *c = (rctx *)p;
    int col;
    for (col = 0; col < 3; col++)
        naive_score(c->col[col], c->col[0], c->n, c->k, CVA_RFM_RANK_FIRST, col == 0, c->ref[col]);
    return (double)c->ref[0][c->n / 2];
}

typedef struct entry {
    const char *name;
    cva_bench_fn fn;
    cva_bench_init_fn init;
    const char *descr;
} entry;

static const entry entries[] = {
    {"read_bound", bench_read_bound, NULL, "streaming pass over R, F, M (read-bandwidth reference)"},
    {"rank_first", bench_rank_first, NULL, "cva_rfm_score rank-first, library allocates"},
    {"rank_first_work", bench_rank_first_work, NULL, "cva_rfm_score rank-first, caller workspace"},
    {"value_cuts", bench_value_cuts, NULL, "cva_rfm_score value cuts (type-7 quantiles)"},
    {"value_cuts_work", bench_value_cuts_work, NULL, "cva_rfm_score value cuts, caller workspace"},
    {"ntile", bench_ntile, NULL, "cva_rfm_score NTILE"},
    {"assign", bench_assign, prep_assign, "cva_rfm_assign x3 with the value cuts (bin pass alone)"},
    {"assign_scalar", bench_assign_scalar, prep_assign, "the same with the scalar reference kernel"},
    {"naive", bench_naive, NULL, "naive rank-first: qsort (value, index) per column, closed form"},
};
#define N_ENTRIES (sizeof entries / sizeof entries[0])

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */

static size_t count_diff(const int32_t *a, const int32_t *b, size_t n, size_t *first)
{
    size_t i, d = 0;
    *first = SIZE_MAX;
    for (i = 0; i < n; i++)
        if (a[i] != b[i]) {
            if (!d)
                *first = i;
            d++;
        }
    return d;
}

static int check_cols(rctx *c, const char *what)
{
    int col, bad = 0;
    for (col = 0; col < 3; col++) {
        size_t first, d = count_diff(c->out[col], c->ref[col], c->n, &first);
        if (d) {
            fprintf(stderr, "cva-bench-rfm: CHECK FAILED %s column %d: %zu bins differ (first %zu: %d vs %d)\n",
                    what, col, d, first, c->out[col][first], c->ref[col][first]);
            bad = 1;
        }
    }
    if (!bad)
        fprintf(stderr, "cva-bench-rfm: check %s: %zu x 3 bins bit-identical to the reference\n", what, c->n);
    return bad;
}

/* ------------------------------------------------------------------------ */
/* numpy / pandas on the same arrays                                        */

static int write_arrays(const rctx *c, const char *path)
{
    FILE *f = fopen(path, "wb");
    int ok = 1, col;
    if (!f)
        return -1;
    for (col = 0; col < 3; col++)
        ok = ok && fwrite(c->col[col], sizeof(double), c->n, f) == c->n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int read_bins(const char *path, size_t n, int32_t **cols)
{
    FILE *f = fopen(path, "rb");
    int ok = 1, col;
    if (!f)
        return -1;
    for (col = 0; col < 3; col++)
        ok = ok && fread(cols[col], sizeof(int32_t), n, f) == n;
    fclose(f);
    return ok ? 0 : -1;
}

/* Runs the script; fills t[0..2] (pandas rank-first, numpy quantile+searchsorted, numpy
   argsort rank-first) and writes the pandas rank-first bins to ref, numpy value cuts to ref2. */
static int run_python(rctx *c, const char *python, const char *script, unsigned repeat, double *t,
                      int32_t **ref2)
{
    char in[4096], outp[4200], outq[4200], cmd[16384], line[1024];
    const char *tmp = getenv("TMPDIR");
    FILE *p;
    int fd, rc = 0;
    snprintf(in, sizeof in, "%s/cva-bench-rfm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fd = mkstemp(in);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(outp, sizeof outp, "%s.rank", in);
    snprintf(outq, sizeof outq, "%s.cuts", in);
    if (write_arrays(c, in) != 0) {
        remove(in);
        return -1;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s' --input '%s' --n %zu --bins %d --repeat %u --out-rank '%s' --out-cuts '%s'",
             python, script, in, c->n, c->k, repeat, outp, outq);
    fprintf(stderr, "cva-bench-rfm: running %s\n", cmd);
    fflush(NULL);
    p = popen(cmd, "r");
    if (!p) {
        remove(in);
        return -1;
    }
    while (fgets(line, sizeof line, p)) {
        double v;
        fputs(line, stderr);
        if (sscanf(line, "pandas_rank_first seconds=%lf", &v) == 1)
            t[0] = v;
        if (sscanf(line, "numpy_quantile seconds=%lf", &v) == 1)
            t[1] = v;
        if (sscanf(line, "numpy_argsort seconds=%lf", &v) == 1)
            t[2] = v;
    }
    if (pclose(p) != 0)
        rc = -1;
    if (rc == 0 && (read_bins(outp, c->n, c->ref) != 0 || read_bins(outq, c->n, ref2) != 0))
        rc = -1;
    remove(in);
    remove(outp);
    remove(outq);
    return rc;
}

/* ------------------------------------------------------------------------ */

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

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: cva-bench-rfm [--iters N] [--n N] [--bins K] [--case NAME[,NAME...]] [--seed S] [--threads N]\n"
               "                     [--min-time S] [--max-time S] [--python PATH] [--numpy]\n"
               "                     [--script PATH] [--py-repeat N] [--no-verify] [--no-check] [--list]\ncases:\n");
    for (i = 0; i < N_ENTRIES; i++)
        fprintf(f, "  %-16s %s\n", entries[i].name, entries[i].descr);
    fprintf(f, "  %-16s %s\n", "numpy", "pandas qcut(rank(first)), numpy quantile+searchsorted (--numpy)");
}

static void print_line(const char *name, size_t n, double med, double mn, unsigned samples, double t_read,
                       double t_naive, int failed)
{
    char r1[32], r2[32];
    fmt_ratio(r1, sizeof r1, med, t_read);
    fmt_ratio(r2, sizeof r2, t_naive, med);
    printf("case=%s n=%zu seconds=%.4f min=%.4f samples=%u ns_per_elem=%.2f x_read=%s speedup_vs_naive=%s%s\n",
           name, n, med, mn, samples, med * 1e9 / (double)n, r1, r2, failed ? " FAILED" : "");
}

int main(int argc, char **argv)
{
    rctx c;
    cva_bench_params prm;
    cva_bench_result res[N_ENTRIES];
    int ran[N_ENTRIES], have_value_cuts = 0;
    size_t n = 10000000, i;
    uint64_t seed = 20240603;
    const char *cases = NULL, *python = CVA_BENCH_PYTHON, *script = CVA_BENCH_SRCDIR "/numpy_rfm.py";
    int do_py = 0, verify = 1, check = 1, failed = 0, a, k = 5, col;
    unsigned py_repeat = 3;
    double t_read = (double)NAN, t_naive = (double)NAN, t_py[3] = {(double)NAN, (double)NAN, (double)NAN}, t0;

    cva_bench_params_default(&prm);
    prm.iters = 11;
    for (a = 1; a < argc; a++) {
        const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(arg, "--numpy")) {
            do_py = 1;
            continue;
        }
        if (!strcmp(arg, "--no-verify")) {
            verify = 0;
            continue;
        }
        if (!strcmp(arg, "--no-check")) { /* timings only (profiling) */
            check = 0;
            continue;
        }
        if (!strcmp(arg, "--list") || !strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!val) {
            fprintf(stderr, "cva-bench-rfm: unknown or incomplete option %s\n", arg);
            usage(stderr);
            return 2;
        }
        a++;
        if (!strcmp(arg, "--threads")) {
            unsigned long t = strtoul(val, NULL, 10);
            static bench_pool *pool;
            if (t >= 2 && !pool && (pool = bench_pool_new((unsigned)t)) != NULL)
                g_ex = bench_pool_executor(pool);
        } else if (!strcmp(arg, "--iters"))
            prm.iters = (unsigned)strtoul(val, NULL, 10);
        else if (!strcmp(arg, "--n"))
            n = (size_t)strtod(val, NULL);
        else if (!strcmp(arg, "--bins"))
            k = atoi(val);
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
        else if (!strcmp(arg, "--script"))
            script = val;
        else if (!strcmp(arg, "--py-repeat"))
            py_repeat = (unsigned)strtoul(val, NULL, 10);
        else {
            fprintf(stderr, "cva-bench-rfm: unknown option %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (prm.iters < 1)
        prm.iters = 1;
    if (n < 2)
        n = 2;
    if (k < 1 || k > CVA_RFM_MAX_BINS) {
        fprintf(stderr, "cva-bench-rfm: --bins must be 1..100\n");
        return 2;
    }
    if (cases && selected(cases, "numpy"))
        do_py = 1;

    memset(&c, 0, sizeof c);
    c.n = n;
    c.k = k;
    c.kernel = CVA_KERNEL_AUTO;
    for (col = 0; col < 3; col++) {
        c.col[col] = (double *)xmalloc(n * sizeof(double));
        c.out[col] = (int32_t *)xmalloc(n * sizeof(int32_t));
        c.ref[col] = (int32_t *)xmalloc(n * sizeof(int32_t));
    }
    g_pairs = (vi *)xmalloc(n * sizeof(vi));
    if (cva_rfm_workspace_size(n, &c.work_size) != CVA_OK) {
        fprintf(stderr, "cva-bench-rfm: cva_rfm_workspace_size failed\n");
        return 1;
    }
    if (selected(cases, "rank_first_work") || selected(cases, "value_cuts_work"))
        c.work = xmalloc(c.work_size);
    t0 = cva_bench_now();
    generate(&c, seed);
    fprintf(stderr, "cva-bench-rfm: generated %zu customers, k = %d (seed %llu) in %.1f s; workspace %zu bytes\n",
            n, k, (unsigned long long)seed, cva_bench_now() - t0, c.work_size);

    for (i = 0; i < N_ENTRIES; i++) {
        const entry *e = &entries[i];
        ran[i] = 0;
        if (!selected(cases, e->name))
            continue;
        if (!strncmp(e->name, "assign", 6) && !have_value_cuts) {
            /* the assign cases reuse the value cuts of one (untimed) scoring call */
            if (run_score(&c, CVA_RFM_VALUE_CUTS) < 0)
                return 1;
            have_value_cuts = 1;
        }
        fprintf(stderr, "cva-bench-rfm: %s ...\n", e->name);
        if (cva_bench_run(e->fn, e->init, &c, n, &prm, &res[i]) != 0) {
            fprintf(stderr, "cva-bench-rfm: case %s failed\n", e->name);
            failed = 1;
        }
        ran[i] = 1;
        if (!strcmp(e->name, "read_bound"))
            t_read = res[i].median_s;
        if (!strcmp(e->name, "naive"))
            t_naive = res[i].median_s;
        fprintf(stderr, "cva-bench-rfm: %s median %.4f s over %u samples\n", e->name, res[i].median_s,
                res[i].samples);
        if (g_ex && e->fn != bench_read_bound && e->fn != bench_naive && strncmp(e->name, "assign", 6)) {
            /* --threads: the same case on one thread in the same run, for the ratio */
            cva_bench_result r1;
            const cva_executor *keep = g_ex;
            g_ex = NULL;
            if (cva_bench_run(e->fn, e->init, &c, n, &prm, &r1) == 0)
                printf("scaling case=%s n=%zu threads=%u t1=%.4f tT=%.4f t1_min=%.4f tT_min=%.4f speedup=%.3f\n",
                       e->name, n, keep->workers, r1.median_s, res[i].median_s, r1.min_s, res[i].min_s,
                       r1.median_s / res[i].median_s);
            g_ex = keep;
        }
    }

    /* checks, after the timings: rank-first vs naive (bit-identical), scalar vs AVX2 kernels,
       NTILE and value cuts vs the sort-based reference */
    if (!failed && check) {
        int32_t *save[3];
        if (!ran[N_ENTRIES - 1])
            bench_naive(&c); /* reference bins in c.ref */
        if (run_score(&c, CVA_RFM_RANK_FIRST) < 0 || check_cols(&c, "rank-first vs naive"))
            failed = 1;
        c.kernel = CVA_KERNEL_SCALAR;
        for (col = 0; col < 3; col++) {
            save[col] = c.ref[col];
            c.ref[col] = c.out[col];
            c.out[col] = save[col];
        }
        if (run_score(&c, CVA_RFM_RANK_FIRST) < 0 || check_cols(&c, "rank-first scalar kernel vs auto"))
            failed = 1;
        for (col = 0; col < 3; col++) { /* swap back */
            int32_t *t = c.ref[col];
            c.ref[col] = c.out[col];
            c.out[col] = t;
        }
        c.kernel = CVA_KERNEL_AUTO;
        if (verify) {
            static const int methods[2] = {CVA_RFM_NTILE, CVA_RFM_VALUE_CUTS};
            static const char *const names[2] = {"NTILE vs sort reference", "value cuts vs sort reference"};
            int mi;
            for (mi = 0; mi < 2; mi++) {
                for (col = 0; col < 3; col++)
                    naive_score(c.col[col], c.col[0], n, k, methods[mi], col == 0, c.ref[col]);
                if (run_score(&c, methods[mi]) < 0 || check_cols(&c, names[mi]))
                    failed = 1;
            }
            /* assign with value cuts: scalar kernel == auto kernel */
            if (run_assign(&c, CVA_KERNEL_SCALAR) < 0)
                failed = 1;
            for (col = 0; col < 3; col++)
                memcpy(c.ref[col], c.out[col], n * sizeof(int32_t));
            if (run_assign(&c, CVA_KERNEL_AUTO) < 0 || check_cols(&c, "assign auto vs scalar kernel"))
                failed = 1;
        }
    }

    if (do_py && !failed) {
        int32_t *ref2[3];
        for (col = 0; col < 3; col++)
            ref2[col] = (int32_t *)xmalloc(n * sizeof(int32_t));
        if (run_python(&c, python, script, py_repeat, t_py, ref2) != 0) {
            fprintf(stderr, "cva-bench-rfm: python run failed\n");
            failed = 1;
        } else {
            size_t first, d;
            if (run_score(&c, CVA_RFM_RANK_FIRST) < 0 || check_cols(&c, "rank-first vs pandas"))
                failed = 1;
            if (run_score(&c, CVA_RFM_VALUE_CUTS) < 0)
                failed = 1;
            for (col = 0; col < 3; col++) {
                /* numpy forms j/k in floating point: an ulp off an order statistic may move
                   a boundary (docs/methods/rfm.md#methods_rfm_bins), so this is reported, not required */
                d = count_diff(c.out[col], ref2[col], n, &first);
                fprintf(stderr, "cva-bench-rfm: value cuts vs numpy quantile+searchsorted, column %d: %zu differ\n",
                        col, d);
            }
        }
        for (col = 0; col < 3; col++)
            free(ref2[col]);
    }

    for (i = 0; i < N_ENTRIES; i++)
        if (ran[i])
            print_line(entries[i].name, n, res[i].median_s, res[i].min_s, res[i].samples, t_read, t_naive,
                       res[i].failed);
    {
        static const char *const py_names[3] = {"pandas_qcut_rank_first", "numpy_quantile_searchsorted",
                                                "numpy_argsort_rank_first"};
        for (i = 0; i < 3; i++)
            if (!isnan(t_py[i]))
                print_line(py_names[i], n, t_py[i], t_py[i], py_repeat, t_read, t_naive, 0);
    }
    for (col = 0; col < 3; col++) {
        free(c.col[col]);
        free(c.out[col]);
        free(c.ref[col]);
    }
    free(g_pairs);
    free(c.work);
    return failed ? 1 : 0;
}
