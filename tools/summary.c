/*
 * cva command-line tool: transaction summary wrapper.
 * SPDX-License-Identifier: MIT
 */
#include "summary.h"
#include "executor.h"

#include "numbers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
