/*
 * cva-bench-scale: N customers through summaries, RFM and BG/NBD prediction
 * in one process, for the peak-memory figures of docs/reliability.md
 * ("Scale"). Run it under /usr/bin/time -v; it prints the peak resident size
 * after every phase (getrusage ru_maxrss) and one checksum.
 *
 *   cva-bench-scale --customers N [--rows-per-customer K]   (K: 1..8, default 2)
 *
 * Rows are synthetic and deterministic: customer i has 1 + (i*7919 mod (2K-1))
 * rows (mean K), written round by round (every customer's first purchase,
 * then every second purchase, ...) so ids are interleaved as in a real log.
 * The pipeline is the one a caller at this size would write: summarise (the
 * library allocates its workspace), free the rows, cva_rfm_raw + cva_rfm_score,
 * fit BG/NBD (the fit merges equal (x, t_x, T) rows), then P(alive) and the
 * expected purchases in the next 52 weeks for every customer.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cva/cva.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double t0_;

static void phase(const char *name)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-28s %8.1f s   peak RSS %8.1f MiB\n", name, now() - t0_, (double)ru.ru_maxrss / 1024.0);
    fflush(stdout);
}

static void *xmalloc(size_t n, size_t size)
{
    void *p;
    if (size && n > SIZE_MAX / size) {
        fprintf(stderr, "size overflow\n");
        exit(1);
    }
    p = malloc(n * size > 0 ? n * size : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu x %zu bytes)\n", n, size);
        exit(1);
    }
    return p;
}

static int check(cva_status st, const char *what)
{
    if (st < 0) {
        fprintf(stderr, "%s: %s\n", what, cva_status_name(st));
        exit(1);
    }
    return st;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, k = 2, rows = 0, i, r, j, ncust;
    cva_txn_input in;
    cva_txn_opts to;
    cva_txn_summary s;
    cva_rfm_opts ro;
    cva_fit_opts fo;
    cva_model_fit fit;
    int fst;
    int64_t *id, *cid;
    double *t, *amount;
    uint32_t *n_txn, *n_occ, cnt;
    double *last_t, *total, *x, *t_x, *T, *m_x, *rec, *freq, *mon, *pa, *ex;
    int32_t *rs, *fs, *ms;
    double sum = 0.0;
    int a;
    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--customers") && a + 1 < argc)
            n = (size_t)strtod(argv[++a], NULL);
        else if (!strcmp(argv[a], "--rows-per-customer") && a + 1 < argc)
            k = (size_t)strtoul(argv[++a], NULL, 10);
        else {
            fprintf(stderr, "usage: %s --customers N [--rows-per-customer K]\n", argv[0]);
            return 2;
        }
    }
    if (k < 1 || k > 8 || n < 1) {
        fprintf(stderr, "K must be 1..8 and N >= 1\n");
        return 2;
    }
    t0_ = now();
    for (i = 0; i < n; i++)
        rows += 1 + (i * 7919u) % (2 * k - 1);
    printf("customers %zu, rows %zu (%.2f per customer)\n", n, rows, (double)rows / (double)n);
    id = (int64_t *)xmalloc(rows, sizeof *id);
    t = (double *)xmalloc(rows, sizeof *t);
    amount = (double *)xmalloc(rows, sizeof *amount);
    j = 0;
    for (r = 0; r < 2 * k - 1; r++)
        for (i = 0; i < n; i++) {
            cnt = (uint32_t)(1 + (i * 7919u) % (2 * k - 1));
            if (r < cnt) {
                id[j] = (int64_t)(1000 + i * 3);
                t[j] = (double)((i * 13u) % 84u) + 40.0 * (double)r + (double)(i % 5u);
                amount[j] = 5.0 + (double)((i * 31u + r * 17u) % 200u) * 0.25;
                j++;
            }
        }
    phase("rows generated");

    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = rows;
    in.customer_id = id;
    in.t = t;
    in.amount = amount;
    check(cva_txn_opts_init_defaults(&to, sizeof to), "txn opts");
    to.time_scale = 7;
    to.obs_end = 546;
    check(cva_txn_summary_init(&s, sizeof s), "summary init");
    s.capacity = n;
    s.customer_id = cid = (int64_t *)xmalloc(n, sizeof(int64_t));
    s.n_txn = n_txn = (uint32_t *)xmalloc(n, sizeof(uint32_t));
    s.n_occ = n_occ = (uint32_t *)xmalloc(n, sizeof(uint32_t));
    s.last_t = last_t = (double *)xmalloc(n, sizeof(double));
    s.total_amount = total = (double *)xmalloc(n, sizeof(double));
    s.frequency = x = (double *)xmalloc(n, sizeof(double));
    s.recency = t_x = (double *)xmalloc(n, sizeof(double));
    s.T = T = (double *)xmalloc(n, sizeof(double));
    s.monetary_value = m_x = (double *)xmalloc(n, sizeof(double));
    check(cva_txn_summarize(&in, &to, &s, NULL, 0, NULL), "cva_txn_summarize");
    ncust = s.n_customers;
    phase("cva_txn_summarize");
    free(id);
    free(t);
    free(amount);

    check(cva_rfm_opts_init_defaults(&ro, sizeof ro), "rfm opts");
    rec = (double *)xmalloc(ncust, sizeof(double));
    freq = (double *)xmalloc(ncust, sizeof(double));
    mon = (double *)xmalloc(ncust, sizeof(double));
    check(cva_rfm_raw(546, last_t, n_txn, n_occ, total, m_x, ncust, &ro, rec, freq, mon, NULL), "cva_rfm_raw");
    rs = (int32_t *)xmalloc(ncust, sizeof(int32_t));
    fs = (int32_t *)xmalloc(ncust, sizeof(int32_t));
    ms = (int32_t *)xmalloc(ncust, sizeof(int32_t));
    check(cva_rfm_score(rec, freq, mon, ncust, &ro, rs, fs, ms, NULL, NULL, 0, NULL), "cva_rfm_score");
    phase("cva_rfm_raw + cva_rfm_score");
    free(rec);
    free(freq);
    free(mon);

    check(cva_fit_opts_init_defaults(&fo, sizeof fo), "fit opts");
    check(cva_model_fit_init(&fit, sizeof fit), "fit init");
    fst = check(cva_model_fit_btyd(CVA_MODEL_BGNBD, x, t_x, T, NULL, ncust, &fo, &fit, NULL), "cva_model_fit_btyd");
    phase("cva_model_fit_btyd (BG/NBD)");
    pa = (double *)xmalloc(ncust, sizeof(double));
    ex = (double *)xmalloc(ncust, sizeof(double));
    check(cva_model_p_alive(CVA_MODEL_BGNBD, fit.params, 0.0, x, t_x, T, ncust, pa, NULL, NULL), "cva_model_p_alive");
    check(cva_model_expected(CVA_MODEL_BGNBD, fit.params, 52.0, x, t_x, T, ncust, ex, NULL, NULL), "cva_model_expected");
    phase("p_alive + expected (52 wk)");
    for (i = 0; i < ncust; i++)
        sum += pa[i] + ex[i] + (double)(rs[i] + fs[i] + ms[i]);
    printf("customers %zu; BG/NBD r %.4g alpha %.4g a %.4g b %.4g (converged %d, status %s); checksum %.10g\n",
           ncust, fit.params[0], fit.params[1], fit.params[2], fit.params[3], fit.converged,
           cva_status_name((cva_status)fst), sum);
    free(cid); free(n_txn); free(n_occ); free(last_t); free(total); free(x); free(t_x); free(T); free(m_x);
    free(rs); free(fs); free(ms); free(pa); free(ex);
    return 0;
}
