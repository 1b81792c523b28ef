/*
 * cva command-line tool: sBG cohort survivor tables (`cva fit --model sbg`).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_COHORTIO_H
#define CVA_CLI_COHORTIO_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/**
 * Read an sBG cohort survivor table: one row per cohort, columns period_0..period_J
 * (other columns ignored) or, without a header, numbers only; an empty cell (or a
 * short row) means not yet observed. Returns a row-major matrix padded with NaN.
 */
int cli_read_cohorts(const char *path, int delim, double **surv, size_t *n_cohorts, size_t *n_periods,
                     cli_err *err);

#endif /* CVA_CLI_COHORTIO_H */
