/*
 * cva command-line tool: acquisition cohorts from a transaction file. The
 * calendar periods (--period day|week|month|quarter) are computed here from the
 * dates; everything else (what a purchase is, cohorts, survivors) is
 * cva_txn_cohorts() in the library.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "cohort_txn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "dates.h"

int cli_cohort_period_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } tab[] = {{"day", CLI_CPER_DAY},         {"days", CLI_CPER_DAY},       {"week", CLI_CPER_WEEK},
               {"weeks", CLI_CPER_WEEK},      {"month", CLI_CPER_MONTH},    {"months", CLI_CPER_MONTH},
               {"quarter", CLI_CPER_QUARTER}, {"quarters", CLI_CPER_QUARTER}};
    size_t k;
    for (k = 0; k < sizeof tab / sizeof tab[0]; k++)
        if (strcmp(tab[k].name, name) == 0)
            return tab[k].code;
    return CLI_CPER_NONE;
}

int64_t cli_cohort_period(double days, int calendar)
{
    const int64_t z = (int64_t)floor(days);
    int64_t y;
    unsigned m, d;
    if (calendar == CLI_CPER_DAY)
        return z;
    if (calendar == CLI_CPER_WEEK) {
        const int64_t q = (z - 4) / 7;
        return (z - 4) % 7 < 0 ? q - 1 : q;
    }
    cli_civil_from_days(z, &y, &m, &d);
    if (calendar == CLI_CPER_MONTH)
        return y * 12 + (int64_t)m - 1;
    return y * 4 + (int64_t)(m - 1) / 3;
}

double cli_cohort_period_start(int64_t period, int calendar)
{
    int64_t y, r;
    switch (calendar) {
    case CLI_CPER_WEEK:
        return (double)(period * 7 + 4);
    case CLI_CPER_MONTH:
        y = period / 12;
        r = period % 12;
        if (r < 0) {
            r += 12;
            y--;
        }
        return (double)cli_days_from_civil(y, (unsigned)r + 1u, 1u);
    case CLI_CPER_QUARTER:
        y = period / 4;
        r = period % 4;
        if (r < 0) {
            r += 4;
            y--;
        }
        return (double)cli_days_from_civil(y, (unsigned)(3 * r) + 1u, 1u);
    default:
        return (double)period;
    }
}

void cli_cohorts_free(cli_cohorts *c)
{
    free(c->size);
    free(c->active);
    free(c->retained);
    memset(c, 0, sizeof *c);
}

int cli_cohort_table_txn(const cli_input_opts *o, const cli_txn *tx, int calendar, double length_days,
                         int want_active, cli_cohorts *c, cli_err *err)
{
    cva_txn_input in;
    cva_txn_opts to;
    cva_cohort_table ct;
    cva_diag dg;
    int64_t *per = NULL;
    size_t i, nc;
    cva_status st;

    memset(c, 0, sizeof *c);
    cli_txn_input(tx, &in);
    in.period = NULL; /* the occasion periods of the loader are not cohort periods */
    in.referrer_id = NULL;
    if (cva_txn_opts_init_defaults(&to, sizeof to) != CVA_OK || cva_cohort_table_init(&ct, sizeof ct) != CVA_OK ||
        cva_diag_init(&dg, sizeof dg) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_cohort_table)");
    to.obs_end = o->end_days;
    if (calendar != CLI_CPER_NONE && tx->n > 0) {
        per = (int64_t *)cli_xmalloc(tx->n * sizeof *per);
        for (i = 0; i < tx->n; i++)
            per[i] = cli_cohort_period(tx->t[i], calendar);
        in.period = per;
        /* with calendar periods the rows after --end are still dropped by the window */
    } else {
        to.period_length = length_days;
    }
    st = cva_txn_cohorts(&in, &to, &ct, NULL, 0, &dg);
    if (st == CVA_E_BUFFER_TOO_SMALL) {
        nc = ct.n_cohorts;
        if (nc > 46341) { /* n_cohorts² doubles must stay sane for a CLI */
            free(per);
            return cli_fail(err, CLI_EXIT_DATA, "%s: %lu periods from the first purchase to the end: too many "
                            "cohorts (choose a longer period)", o->input, (unsigned long)nc);
        }
        ct.capacity = nc;
        ct.retained = (double *)cli_xmalloc(nc * nc * sizeof(double));
        ct.size = (double *)cli_xmalloc(nc * sizeof(double));
        if (want_active)
            ct.active = (double *)cli_xmalloc(nc * nc * sizeof(double));
        st = cva_txn_cohorts(&in, &to, &ct, NULL, 0, &dg);
    }
    free(per);
    c->n = ct.n_cohorts;
    c->first_period = ct.first_period;
    c->size = ct.size;
    c->active = ct.active;
    c->retained = ct.retained;
    if (st == CVA_W_EMPTY || (st >= 0 && ct.n_cohorts == 0)) {
        cli_cohorts_free(c);
        return cli_fail(err, CLI_EXIT_DATA, "%s: no purchase, so no acquisition cohort", o->input);
    }
    if (st < 0) {
        cli_cohorts_free(c);
        if (dg.index >= 0)
            return cli_fail(err, CLI_EXIT_DATA, "%s: row %lld: %s", o->input, (long long)dg.index + 1,
                            dg.detail ? dg.detail : cva_strerror(st));
        return cli_fail(err, st == CVA_E_OPTION || st == CVA_E_OVERFLOW ? CLI_EXIT_USAGE : st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB,
                        "cohorts: %s", dg.detail ? dg.detail : cva_strerror(st));
    }
    return 0;
}

int cli_cohorts_from_txn(const cli_input_opts *o, const cli_txn *tx, int calendar, double length_days,
                         double **surv, size_t *n_cohorts, cli_err *err)
{
    cli_cohorts c;
    int rc = cli_cohort_table_txn(o, tx, calendar, length_days, 0, &c, err);
    *surv = NULL;
    *n_cohorts = 0;
    if (rc)
        return rc;
    free(c.size);
    *surv = c.retained;
    *n_cohorts = c.n;
    return 0;
}

typedef struct pb_row {
    int64_t cid;
    int bits; /* 1: bought in the previous period, 2: in the last one */
} pb_row;

static int pb_cmp(const void *a, const void *b)
{
    int64_t x = ((const pb_row *)a)->cid, y = ((const pb_row *)b)->cid;
    return x < y ? -1 : x > y;
}

void cli_period_buyers_count(const int64_t *cid, const double *t, const double *amount, const double *cost, size_t n,
                             double E, double P, double rate, double per_order, cli_period_buyers *b)
{
    pb_row *rows = (pb_row *)cli_xmalloc((n ? n : 1) * sizeof *rows);
    double t1 = E - P, t0 = E - 2.0 * P;
    long double msum = 0.0L;
    size_t k, m = 0;
    memset(b, 0, sizeof *b);
    for (k = 0; k < n; k++) {
        if (t[k] > E || t[k] <= t0)
            continue;
        rows[m].cid = cid[k];
        rows[m].bits = t[k] > t1 ? 2 : 1;
        if (t[k] > t1)
            msum += (long double)rate * (long double)amount[k] - (cost ? (long double)cost[k] : 0.0L) -
                    (long double)per_order;
        m++;
    }
    qsort(rows, m, sizeof *rows, pb_cmp);
    for (k = 0; k < m;) {
        size_t j = k;
        int bits = 0;
        while (j < m && rows[j].cid == rows[k].cid)
            bits |= rows[j++].bits;
        b->n_prev += (bits & 1) ? 1.0 : 0.0;
        b->n_last += (bits & 2) ? 1.0 : 0.0;
        b->n_both += bits == 3 ? 1.0 : 0.0;
        k = j;
    }
    free(rows);
    b->margin_sum = (double)msum;
}
