/*
 * cva command-line tool: options shared by the subcommands and the transaction loader.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_INPUT_H
#define CVA_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "csv.h"
#include "ids.h"
#include "cva/txn.h"

enum cli_col { CLI_COL_CUSTOMER = 0, CLI_COL_DATE, CLI_COL_AMOUNT, CLI_COL_COST, CLI_COL_REFERRER,
               CLI_COL_QUANTITY, CLI_COL_PRICE, CLI_COL_ORDER, CLI_NCOL };

/** Reasons a row is skipped under --skip-invalid (counted per reason). */
enum cli_skip { CLI_SKIP_ID = 0, CLI_SKIP_DATE, CLI_SKIP_AMOUNT, CLI_SKIP_COST, CLI_SKIP_REFERRER, CLI_SKIP_ORDER,
                CLI_SKIP_FIELDS, CLI_NSKIP };
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
    const char *date_format;   /**< --date-format (NULL: the default forms) */
    int skip_invalid;          /**< --skip-invalid: skip bad rows, counted per reason */
    int amount_optional;       /**< set by the command: no amount column is needed (all amounts 0) */
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

/** Lines of the shared help a command may leave out (it documents or refuses them itself). */
enum { CLI_HELP_NO_TIME_UNIT = 1, CLI_HELP_NO_OUTPUT = 2, CLI_HELP_NO_FORMAT = 4, CLI_HELP_NO_CAL = 8,
       CLI_HELP_NO_INPUT = 16, CLI_HELP_NO_COST_REF = 32 };

/** Print the help of the shared options, without the lines tagged in @p omit. */
void cli_input_help_print(FILE *fp, unsigned omit);

/** Transactions loaded from a file, as the arrays the library takes. */
typedef struct cli_txn {
    size_t n, cap;
    int64_t *cid;
    double *t;       /**< days since 1970-01-01 */
    double *amount;
    double *cost;    /**< NULL without a cost column */
    int64_t *ref;    /**< NULL without a referrer column */
    int64_t *period; /**< per-row occasion period (filled by cli_load) */
    int64_t *ord;    /**< --order-col: order code per row while loading (NULL otherwise) */
    int has_time;    /**< some dates had a time of day */
    int money_dec;   /**< most decimals of an amount (quantity x price: the sum of both), CLI_DEC_UNKNOWN */
    int cost_dec;    /**< most decimals of a cost */
    int time_frac;   /**< most fractional-second digits of a time */
    double t_min, t_max; /**< earliest / latest time read (NaN without rows) */
    uint64_t rows_read; /**< data rows read (kept + skipped) */
    uint64_t skipped[CLI_NSKIP];   /**< rows skipped per reason (--skip-invalid) */
    uint64_t skip_line[CLI_NSKIP]; /**< line of the first row skipped per reason */
    size_t lines_merged; /**< --order-col: rows merged into an earlier row of the same order */
    uint64_t rows_kept;  /**< data rows loaded (before --order-col merges them) */
    uint64_t bytes;  /**< bytes read */
    cli_ids ids;
} cli_txn;

/** Load the file named in @p o (or stdin). 0 or an exit code with @p err set. */
int cli_load(const cli_input_opts *o, cli_txn *tx, cli_err *err);

/** Load from any byte source; @p name is used in messages. */
int cli_load_source(const cli_input_opts *o, csv_read_fn rd, void *ctx, const char *name,
                    int progress, cli_txn *tx, cli_err *err);

void cli_txn_free(cli_txn *tx);

/**
 * The library's input for loaded transactions @p tx: @p in is initialised (struct_size set)
 * and borrows the arrays of @p tx (customer id, time, amount, and cost, referrer and occasion
 * period when loaded); all of them NULL when @p tx has no rows. The one place that builds a
 * ::cva_txn_input from a file read by the CLI.
 */
void cli_txn_input(const cli_txn *tx, cva_txn_input *in);

/**
 * Output values without float noise (see cli_clean_sum() and friends): a sum of amounts,
 * a mean of such a sum over @p count, a sum of costs, a time difference in units of
 * @p unit_days days, each to the resolution of the values read.
 */
double cli_txn_money(const cli_txn *tx, double v);
double cli_txn_money_mean(const cli_txn *tx, double v, double count);
double cli_txn_cost(const cli_txn *tx, double v);
double cli_txn_time(const cli_txn *tx, double v, double unit_days);

/**
 * JSON members about the rows read, for the metadata of an output: `"rows": N,` and, with
 * --skip-invalid, `"rows_skipped": N,`, with --order-col, `"orders": N,` (each followed by
 * a newline and two spaces). Returns the length written into @p buf (NUL-terminated).
 */
size_t cli_txn_json_rows(const cli_txn *tx, const cli_input_opts *o, char *buf, size_t cap);

/** Name of an occasion setting ("day", "week", "month", "order"). */
const char *cli_occasion_name(int occasion);



/** The error of a CSV reader @p r reading @p name: exit CLI_EXIT_IO for a read error,
    else CLI_EXIT_DATA with "name:line:column: message". Returns the exit code. */
int cli_csv_fail(cli_err *err, const char *name, const csv_reader *r);

/** Refuse a file whose first record looks like UTF-16 (byte-order mark or NUL bytes): 0 if
    it does not, else the exit status of the error (the encoding named) reported in @p err. */
int cli_refuse_utf16(const csv_reader *r, const char *name, cli_err *err);

#endif /* CVA_CLI_INPUT_H */
