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

#endif
