/*
 * cva command-line tool: the per-customer inputs of the churn and spend
 * models (`cva fit`, `cva predict`): time units, statistics from a transaction file or a
 * summary CSV.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_MODELDATA_H
#define CVA_CLI_MODELDATA_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "input.h"

/** Logical columns of a summary file. */
enum cli_scol { CLI_SCOL_ID = 0, CLI_SCOL_X, CLI_SCOL_TX, CLI_SCOL_T, CLI_SCOL_M, CLI_SCOL_W, CLI_SCOL_XH,
                CLI_SCOL_MH, CLI_SCOL_DH, CLI_NSCOL };

/** Time unit of recency and T: of a summary file, of a fit, of parameters. */
enum cli_unit { CLI_UNIT_UNKNOWN = -1, CLI_UNIT_DAY = 0, CLI_UNIT_WEEK = 1, CLI_UNIT_PERIOD = 2 };

/** Unit code of a name (day/days, week/weeks, period/periods; case-insensitive), CLI_UNIT_UNKNOWN if none. */
int cli_unit_code(const char *s, size_t len);
/** Name of a unit code ("day", "week", "period"; "?" for unknown). */
const char *cli_unit_name(int unit);

/** Per-customer BTYD statistics (x, t_x, T, m_x, weights, holdout actuals). */
typedef struct cli_custdata {
    size_t n;
    double *x, *tx, *T; /**< tx and T are NULL for a summary file read for Gamma-Gamma only */
    double *m;          /**< mean repeat spend, NULL if not available */
    double *w;          /**< weights, NULL if none */
    double *xh, *mh;    /**< holdout occasions / mean holdout spend, NULL if none */
    double hold_len;    /**< holdout length in model units, NaN if none */
    /* ids: from transactions (id + dictionary) or the text of a summary file's id column */
    int64_t *id;        /**< transaction input: customer id codes */
    const cli_ids *ids; /**< transaction input: the dictionary (borrowed) */
    char *id_pool;      /**< summary input: id texts */
    size_t *id_off;     /**< summary input: offset per row, NULL without an id column */
    uint32_t *id_len;
    uint64_t *line;     /**< summary input: line number of each row */
    const char *src;    /**< file name for messages */
    size_t dropped;     /**< customers without a purchase: transaction input (rows kept, NaN statistics,
                             skipped by the library), or summary rows whose frequency, recency, T and
                             monetary value are all empty (left out when read) */
    int time_unit;      /**< ::cli_unit of recency, T and hold_len: the --time-unit of a transaction
                             input, or the time_unit column of a summary file (CLI_UNIT_UNKNOWN
                             without one, or when it has no rows) */
    long unit_col;      /**< summary input: 1-based column of time_unit, 0 if none */
} cli_custdata;

void cli_custdata_free(cli_custdata *d);

/** Convert recency, T and the holdout length from unit @p from to unit @p to (day or week). */
void cli_custdata_convert_unit(cli_custdata *d, int from, int to);

/**
 * The time unit of a summary file's recency and T for a continuous-time model: the file's
 * time_unit column, or the --time-unit option (@p given: CLI_UNIT_UNKNOWN when the option was
 * not given). Refuses (exit 2, naming --time-unit) a unit that is unknown and not given, and a
 * given unit that contradicts the file. @p cmd: "fit" or "predict" for messages.
 * Returns 0 with *unit set, or an exit code.
 */
int cli_summary_unit(const cli_custdata *d, int given, const char *cmd, int *unit, cli_err *err);

/** Text of customer @p k (id, or the row number when a summary file has no id column). */
const char *cli_custdata_id(const cli_custdata *d, size_t k, char *buf, size_t *len);
/** Short description of row @p k for messages ("customer 17" / "file.csv:23"). */
void cli_custdata_where(const cli_custdata *d, size_t k, char *buf, size_t cap);

/**
 * Statistics from loaded transactions (options @p o: end, calibration end, time unit).
 * Customers without a purchase (up to the calibration end) keep their rows, with NaN
 * statistics that the library's fits and evaluations skip, and are counted in
 * d->dropped (commands leave them out of their output). 0 or an exit code.
 */
int cli_custdata_from_txn(const cli_input_opts *o, const cli_txn *tx, cli_custdata *d, cli_err *err);

/**
 * Read a summary CSV with a header. @p names: per ::cli_scol a column name given on the
 * command line, or NULL for the usual names (frequency/x, recency/t_x, T/periods,
 * monetary_value/m_x/zbar, weights/weight/count, customer_id/id, frequency_holdout,
 * monetary_value_holdout, duration_holdout). @p need: bit (1 << col) for each column
 * that must be present. A time_unit column (day or week, the same in every row; written
 * by `cva summary`) sets d->time_unit. Other columns are ignored. A row whose frequency,
 * recency, T and monetary value are all empty (a customer without a purchase, e.g. only
 * refunds) is left out and counted in d->dropped. Every other row is checked (x integer
 * >= 0, 0 <= t_x <= T, x = 0 => t_x = 0, weights > 0, finite numbers).
 */
int cli_custdata_from_summary(const char *path, int delim, const char *const *names, unsigned need,
                              int discrete, cli_custdata *d, cli_err *err);

#endif /* CVA_CLI_MODELDATA_H */
