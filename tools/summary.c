/*
 * cva command-line tool: transaction summary wrapper.
 * SPDX-License-Identifier: MIT
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#endif
#include "summary.h"
#include "executor.h"

#include "numbers.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* The library's scratch blocks (cva_txn_opts::alloc). On Linux a block of
   4 MiB or more is an anonymous mapping advised as huge pages where the
   kernel offers them (transparent huge pages in "madvise" mode): a 2 MiB page
   is faulted in once instead of 512 pages of 4 KiB, each costing 10-37 us on
   a VM (bench/RESULTS.md). Smaller blocks, other systems, or a mapping that
   fails: malloc. A 64-byte header keeps the size and the kind. */
#define HP_MIN_ ((size_t)4 << 20)
#define HP_HDR_ ((size_t)64)

static void *scratch_alloc(void *user, size_t size)
{
    unsigned char *p;
    (void)user;
    if (size > SIZE_MAX - HP_HDR_)
        return NULL;
#if defined(__linux__) && defined(MAP_ANONYMOUS)
    if (size >= HP_MIN_) {
        void *m = mmap(NULL, size + HP_HDR_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
#if defined(MADV_HUGEPAGE)
            (void)madvise(m, size + HP_HDR_, MADV_HUGEPAGE); /* advice only: no huge pages is fine */
#endif
            p = (unsigned char *)m;
            ((size_t *)(void *)p)[0] = size + HP_HDR_;
            ((size_t *)(void *)p)[1] = 1;
            return p + HP_HDR_;
        }
    }
#endif
    p = (unsigned char *)malloc(size + HP_HDR_);
    if (!p)
        return NULL;
    ((size_t *)(void *)p)[0] = size + HP_HDR_;
    ((size_t *)(void *)p)[1] = 0;
    return p + HP_HDR_;
}

static void scratch_free(void *user, void *ptr)
{
    unsigned char *p;
    (void)user;
    if (!ptr)
        return;
    p = (unsigned char *)ptr - HP_HDR_;
#if defined(__linux__) && defined(MAP_ANONYMOUS)
    if (((size_t *)(void *)p)[1]) {
        (void)munmap(p, ((size_t *)(void *)p)[0]);
        return;
    }
#endif
    free(p);
}

static const cva_allocator scratch_allocator = {scratch_alloc, scratch_free, NULL};

static void alloc_arrays(cli_summary *s, size_t cap, int has_cal)
{
    size_t c = cap ? cap : 1;
    s->id = (int64_t *)cli_xmalloc(c * sizeof(int64_t));
    s->n_txn = (uint32_t *)cli_xmalloc(c * sizeof(uint32_t));
    s->n_occ = (uint32_t *)cli_xmalloc(c * sizeof(uint32_t));
    s->first_t = (double *)cli_xmalloc(c * sizeof(double));
    s->last_t = (double *)cli_xmalloc(c * sizeof(double));
    s->total_amount = (double *)cli_xmalloc(c * sizeof(double));
    s->total_cost = (double *)cli_xmalloc(c * sizeof(double));
    s->frequency = (double *)cli_xmalloc(c * sizeof(double));
    s->recency = (double *)cli_xmalloc(c * sizeof(double));
    s->T = (double *)cli_xmalloc(c * sizeof(double));
    s->monetary_value = (double *)cli_xmalloc(c * sizeof(double));
    s->days_since_last = (double *)cli_xmalloc(c * sizeof(double));
    if (has_cal) {
        s->frequency_holdout = (double *)cli_xmalloc(c * sizeof(double));
        s->monetary_value_holdout = (double *)cli_xmalloc(c * sizeof(double));
        s->duration_holdout = (double *)cli_xmalloc(c * sizeof(double));
    }
}

void cli_summary_free(cli_summary *s)
{
    free(s->id);
    free(s->n_txn);
    free(s->n_occ);
    free(s->first_t);
    free(s->last_t);
    free(s->total_amount);
    free(s->total_cost);
    free(s->frequency);
    free(s->recency);
    free(s->T);
    free(s->monetary_value);
    free(s->days_since_last);
    free(s->frequency_holdout);
    free(s->monetary_value_holdout);
    free(s->duration_holdout);
    memset(s, 0, sizeof *s);
}

int cli_summary_txn(const cli_txn *tx, double end, double cal_end, double time_scale, cli_summary *s,
                    cli_err *err)
{
    cva_txn_input in;
    int rc;

    cli_txn_input(tx, &in);
    if ((rc = cli_summary_run_ids(&in, end, cal_end, time_scale, &tx->ids, s, err)) != 0)
        return rc;
    if ((rc = cli_summary_check(s, &tx->ids, err)) != 0)
        cli_summary_free(s);
    return rc;
}

int cli_summary_run(const cva_txn_input *in, double end, double cal_end, double time_scale, cli_summary *s,
                    cli_err *err)
{
    return cli_summary_run_ids(in, end, cal_end, time_scale, NULL, s, err);
}

int cli_summary_run_ids(const cva_txn_input *in, double end, double cal_end, double time_scale, const cli_ids *ids,
                        cli_summary *s, cli_err *err)
{
    cva_txn_opts o;
    cva_txn_summary out;
    cva_diag d;
    size_t cap = in->n;
    int attempt;
    cva_status st = CVA_OK;

    memset(s, 0, sizeof *s);
    s->has_cal = !isnan(cal_end);
    if (cva_txn_opts_init_defaults(&o, sizeof o) != CVA_OK || cva_diag_init(&d, sizeof d) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_txn_opts / cva_diag)");
    o.obs_end = end;
    o.calibration_end = cal_end;
    o.time_scale = time_scale;
    o.executor = cli_executor(); /* --threads */
    o.alloc = &scratch_allocator;

    for (attempt = 0; attempt < 2; attempt++) {
        alloc_arrays(s, cap, s->has_cal);
        if (cva_txn_summary_init(&out, sizeof out) != CVA_OK) {
            cli_summary_free(s);
            return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_txn_summary)");
        }
        out.capacity = cap;
        out.customer_id = s->id;
        out.n_txn = s->n_txn;
        out.n_occ = s->n_occ;
        out.first_t = s->first_t;
        out.last_t = s->last_t;
        out.total_amount = s->total_amount;
        out.total_cost = s->total_cost;
        out.frequency = s->frequency;
        out.recency = s->recency;
        out.T = s->T;
        out.monetary_value = s->monetary_value;
        out.days_since_last = s->days_since_last;
        out.frequency_holdout = s->frequency_holdout;
        out.monetary_value_holdout = s->monetary_value_holdout;
        out.duration_holdout = s->duration_holdout;
        st = cva_txn_summarize(in, &o, &out, NULL, 0, &d);
        if (st == CVA_E_BUFFER_TOO_SMALL && attempt == 0 && out.n_customers > cap) {
            /* referrers without own rows can add customers beyond the row count */
            cap = out.n_customers;
            {
                int has_cal = s->has_cal;
                cli_summary_free(s);
                s->has_cal = has_cal;
            }
            continue;
        }
        break;
    }
    if (st == CVA_E_OVERFLOW && d.index >= 0 && (size_t)d.index < in->n) {
        /* a sum of one customer's money (or a time difference) is beyond DBL_MAX: bad data */
        char ib[24], q[64];
        size_t len;
        int64_t cid = in->customer_id[d.index];
        const char *id = ids ? cli_ids_text(ids, cid, ib, &len) : (len = cli_format_int64(cid, ib), ib);
        int has = s->has_cal;
        cli_summary_free(s);
        s->has_cal = has;
        cli_quote_field(q, sizeof q, id, len);
        return cli_fail(err, CLI_EXIT_DATA,
                        "customer %s: a sum of the amounts overflows (beyond +-1.8e308): check the amounts of "
                        "this customer", q);
    }
    if (st < 0) {
        int has = s->has_cal;
        cli_summary_free(s);
        s->has_cal = has;
        return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "library error %s: %s (%s)", cva_status_name(st), cva_strerror(st),
                        d.detail ? d.detail : "");
    }
    s->n = out.n_customers;
    s->obs_end = out.obs_end;
    s->stats_end = out.calibration_end;
    s->status = st;
    s->excluded = st == CVA_W_EXCLUDED || st == CVA_W_EMPTY ? d.count : 0;
    return 0;
}

int cli_summary_check(const cli_summary *s, const cli_ids *ids, cli_err *err)
{
    size_t k;
    for (k = 0; k < s->n; k++) {
        const char *what = NULL;
        if (!isfinite(s->total_amount[k]))
            what = "the total amount";
        else if (!isfinite(s->total_cost[k]))
            what = "the total cost";
        else if (!isnan(s->frequency[k]) && !isfinite(s->monetary_value[k]))
            what = "the repeat spend";
        else if (s->has_cal && !isfinite(s->monetary_value_holdout[k]))
            what = "the holdout spend";
        if (what) {
            char ib[24], q[64];
            size_t len;
            const char *id = cli_ids_text(ids, s->id[k], ib, &len);
            cli_quote_field(q, sizeof q, id, len);
            return cli_fail(err, CLI_EXIT_DATA,
                            "customer %s: %s overflows (the sum of the amounts is beyond +-1.8e308): check the "
                            "amounts of this customer",
                            q, what);
        }
    }
    return 0;
}
