/*
 * cva command-line tool: acquisition cohorts from a transaction file (cva_txn_cohorts).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_COHORT_TXN_H
#define CVA_CLI_COHORT_TXN_H

#include <stddef.h>

#include "cli.h"
#include "input.h"

/** Calendar periods of --period (times are days since 1970-01-01). */
enum { CLI_CPER_NONE = 0, CLI_CPER_DAY, CLI_CPER_WEEK, CLI_CPER_MONTH, CLI_CPER_QUARTER };

/** --period NAME: day|week|month|quarter (plural forms too); CLI_CPER_NONE if unknown. */
int cli_cohort_period_code(const char *name);

/**
 * The survivor matrix (retained customers per acquisition cohort and period since
 * acquisition, n_cohorts × n_cohorts, NaN past the data end) of the loaded
 * transactions: periods from @p calendar (a CLI_CPER_* code) or, when it is
 * CLI_CPER_NONE, floor(t / @p length_days). *surv is malloc'd. 0 or an exit code.
 */
int cli_cohorts_from_txn(const cli_input_opts *o, const cli_txn *tx, int calendar, double length_days,
                         double **surv, size_t *n_cohorts, cli_err *err);

/** An acquisition-cohort table of a transaction file (cva_txn_cohorts() outputs). */
typedef struct cli_cohorts {
    size_t n;             /**< cohorts (= columns of the matrices) */
    int64_t first_period; /**< period of cohort 0 */
    double *size;         /**< customers acquired per cohort (malloc'd) */
    double *active;       /**< n x n, NaN past the data end (malloc'd; NULL unless asked for) */
    double *retained;     /**< n x n survivor matrix, NaN past the data end (malloc'd) */
} cli_cohorts;

/**
 * The cohort table of the loaded transactions (periods as for cli_cohorts_from_txn()),
 * with the active matrix when @p want_active. On an error @p c holds nothing.
 * 0 or an exit code.
 */
int cli_cohort_table_txn(const cli_input_opts *o, const cli_txn *tx, int calendar, double length_days,
                         int want_active, cli_cohorts *c, cli_err *err);
void cli_cohorts_free(cli_cohorts *c);

/** Calendar period (a CLI_CPER_* code other than NONE) of day number @p days: the day, the ISO
    week (Monday 1970-01-05, day 4, starts one), the month y*12 + m - 1, the quarter
    y*4 + (m - 1)/3. */
int64_t cli_cohort_period(double days, int calendar);

/** Buyers of the last two periods of length P before the end E, the basis of a retention
    estimate: n_prev bought in (E − 2P, E − P], n_last in (E − P, E], n_both in both; margin_sum
    is the sum over the last period's rows of rate·amount − cost − per_order. */
typedef struct cli_period_buyers {
    double n_prev, n_last, n_both, margin_sum;
} cli_period_buyers;

/** Count cli_period_buyers over @p n rows (customer ids @p cid, any order; @p cost may be NULL). */
void cli_period_buyers_count(const int64_t *cid, const double *t, const double *amount, const double *cost, size_t n,
                             double E, double P, double rate, double per_order, cli_period_buyers *b);

/** First day (days since 1970-01-01) of calendar period @p period (a CLI_CPER_* code). */
double cli_cohort_period_start(int64_t period, int calendar);

#endif
