/*
 * cva command-line tool: run cva_txn_summarize() into owned arrays.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_SUMMARY_H
#define CVA_CLI_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "ids.h"
#include "input.h"
#include "cva/txn.h"

typedef struct cli_summary {
    size_t n; /**< customers */
    int64_t *id;
    uint32_t *n_txn, *n_occ;
    double *first_t, *last_t, *total_amount, *total_cost;
    double *frequency, *recency, *T, *monetary_value, *days_since_last;
    double *frequency_holdout, *monetary_value_holdout, *duration_holdout;
    int has_cal;
    double obs_end;    /**< end of observation the library used (NaN: none known, no rows) */
    double stats_end;  /**< end the statistics are measured to: the calibration end, else obs_end */
    cva_status status; /**< status of the library call (>= 0) */
    uint64_t excluded; /**< rows left out (W_EXCLUDED) */
} cli_summary;

/**
 * Summarise @p in. @p end, @p cal_end: NaN for none; @p time_scale: 1 (days) or 7 (weeks).
 * Returns 0 or CLI_EXIT_LIB with @p err set.
 */
int cli_summary_run(const cva_txn_input *in, double end, double cal_end, double time_scale, cli_summary *s,
                    cli_err *err);
/** cli_summary_run() with the id dictionary, to name a customer whose sums overflow (exit 3). */
int cli_summary_run_ids(const cva_txn_input *in, double end, double cal_end, double time_scale, const cli_ids *ids,
                        cli_summary *s, cli_err *err);
void cli_summary_free(cli_summary *s);

/**
 * Summarise loaded transactions: cli_txn_input(), cli_summary_run_ids() with the file's id
 * dictionary, then cli_summary_check(). On an error @p s holds nothing (freed).
 * Returns 0 or an exit code with @p err set.
 */
int cli_summary_txn(const cli_txn *tx, double end, double cal_end, double time_scale, cli_summary *s,
                    cli_err *err);

/**
 * A data error (CLI_EXIT_DATA naming the customer) if a sum of money overflowed to
 * +-Inf or NaN (the library's compensated sums of finite amounts); 0 otherwise.
 */
int cli_summary_check(const cli_summary *s, const cli_ids *ids, cli_err *err);

#endif /* CVA_CLI_SUMMARY_H */
