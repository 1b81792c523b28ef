/*
 * cva command-line tool: options shared by the subcommands and the transaction loader.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_INPUT_H
#define CVA_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "csv.h"
#include "ids.h"

enum cli_col { CLI_COL_CUSTOMER = 0, CLI_COL_DATE, CLI_COL_AMOUNT, CLI_COL_COST, CLI_COL_REFERRER, CLI_NCOL };
enum cli_format { CLI_FMT_CSV = 0, CLI_FMT_JSON = 1 };

/** Options shared by every subcommand that reads transactions. */
typedef struct cli_input_opts {
    const char *input;         /**< file name, "-" for stdin */
    const char *col[CLI_NCOL]; /**< column names or 1-based numbers */
    int col_given[CLI_NCOL];
    int delim;                 /**< byte, or CSV_DELIM_WHITESPACE */
    int no_header;
    const char *end;           /**< --end text (NULL: latest date) */
    const char *cal_end;       /**< --calibration-end text (NULL: no split) */
    double end_days;           /**< parsed --end, NaN if not given */
    double cal_days;           /**< parsed --calibration-end, NaN if not given */
    int occasion;              /**< CLI_OCC_* */
    int week_unit;             /**< --time-unit week */
    const char *output;        /**< -o (NULL or "-": stdout) */
    int format;                /**< enum cli_format */
} cli_input_opts;

void cli_input_opts_init(cli_input_opts *o);

/**
 * Consume argv[*i] if it is a shared option. Returns 1 if consumed, 0 if not a
 * shared option, a negative value (error set in @p err) if its value is bad.
 */
int cli_input_opt(cli_input_opts *o, int argc, char **argv, int *i, cli_err *err);

/** Check the combination of options and parse the dates. 0 or an exit code. */
int cli_input_check(cli_input_opts *o, int need_input, cli_err *err);

/** Help text of the shared options. */
extern const char cli_input_help[];

/** Transactions loaded from a file, as the arrays the library takes. */
typedef struct cli_txn {
    size_t n, cap;
    int64_t *cid;
    double *t;       /**< days since 1970-01-01 */
    double *amount;
    double *cost;    /**< NULL without a cost column */
    int64_t *ref;    /**< NULL without a referrer column */
    int64_t *period; /**< per-row occasion period (filled by cli_load) */
    int has_time;    /**< some dates had a time of day */
    uint64_t bytes;  /**< bytes read */
    cli_ids ids;
} cli_txn;

/** Load the file named in @p o (or stdin). 0 or an exit code with @p err set. */
int cli_load(const cli_input_opts *o, cli_txn *tx, cli_err *err);

/** Load from any byte source; @p name is used in messages. */
int cli_load_source(const cli_input_opts *o, csv_read_fn rd, void *ctx, const char *name,
                    int progress, cli_txn *tx, cli_err *err);

void cli_txn_free(cli_txn *tx);

#endif /* CVA_CLI_INPUT_H */
