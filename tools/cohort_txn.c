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

/* calendar period of a day number: days, ISO weeks (Monday 1970-01-05 = day 4 starts one),
   months y*12 + m - 1, quarters y*4 + (m - 1)/3 */
static int64_t calendar_period(double days, int calendar)
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

int cli_cohorts_from_txn(const cli_input_opts *o, const cli_txn *tx, int calendar, double length_days,
                         double **surv, size_t *n_cohorts, cli_err *err)
{
    cva_txn_input in;
    cva_txn_opts to;
    cva_cohort_table ct;
    cva_diag dg;
    int64_t *per = NULL;
    size_t i, nc;
    cva_status st;

    *surv = NULL;
    *n_cohorts = 0;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = tx->n;
    if (tx->n > 0) {
        in.customer_id = tx->cid;
        in.t = tx->t;
        in.amount = tx->amount;
        in.cost = tx->cost;
    }
    if (cva_txn_opts_init_defaults(&to, sizeof to) != CVA_OK || cva_cohort_table_init(&ct, sizeof ct) != CVA_OK ||
        cva_diag_init(&dg, sizeof dg) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_cohort_table)");
    to.obs_end = o->end_days;
    if (calendar != CLI_CPER_NONE && tx->n > 0) {
        per = (int64_t *)cli_xmalloc(tx->n * sizeof *per);
        for (i = 0; i < tx->n; i++)
            per[i] = calendar_period(tx->t[i], calendar);
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
        st = cva_txn_cohorts(&in, &to, &ct, NULL, 0, &dg);
    }
    free(per);
    if (st == CVA_W_EMPTY || (st >= 0 && ct.n_cohorts == 0)) {
        free(ct.retained);
        return cli_fail(err, CLI_EXIT_DATA, "%s: no purchase, so no acquisition cohort", o->input);
    }
    if (st < 0) {
        free(ct.retained);
        if (dg.index >= 0)
            return cli_fail(err, CLI_EXIT_DATA, "%s: row %lld: %s", o->input, (long long)dg.index + 1,
                            dg.detail ? dg.detail : cva_strerror(st));
        return cli_fail(err, st == CVA_E_OPTION || st == CVA_E_OVERFLOW ? CLI_EXIT_USAGE : CLI_EXIT_LIB,
                        "cohorts: %s", dg.detail ? dg.detail : cva_strerror(st));
    }
    *surv = ct.retained;
    *n_cohorts = ct.n_cohorts;
    return 0;
}
