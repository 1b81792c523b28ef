/*
 * cva command-line tool: data and parameter files of the churn and spend models
 * (`cva fit`, `cva predict`): model names, per-customer statistics from a
 * transaction file or a summary CSV, sBG cohort tables, parameter JSON files.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_MODELIO_H
#define CVA_CLI_MODELIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "cva/cva.h"
#include "input.h"

/** Model id (::cva_model) of a command-line name, 0 if unknown. */
int32_t cli_model_from_name(const char *name);
/** Command-line name of a model id ("bgnbd", ...). */
const char *cli_model_name(int32_t model);
/** Human name ("BG/NBD", ...). */
const char *cli_model_title(int32_t model);

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

/**
 * Read an sBG cohort survivor table: one row per cohort, columns period_0..period_J
 * (other columns ignored) or, without a header, numbers only; an empty cell (or a
 * short row) means not yet observed. Returns a row-major matrix padded with NaN.
 */
int cli_read_cohorts(const char *path, int delim, double **surv, size_t *n_cohorts, size_t *n_periods,
                     cli_err *err);

/** Parameters read from a JSON file written by `cva fit` (or by hand). */
typedef struct cli_params {
    int32_t model;     /**< 0 if the file has no "model" */
    double p[4];
    int has_unit;
    char time_unit[16];
    int converged;     /**< "converged": 1, 0, or -1 when absent */
    unsigned boundary; /**< "boundary": bit i = parameter i listed */
} cli_params;

/**
 * Warn on stderr about a fit that is not a clean interior maximum: status
 * CVA_W_BOUNDARY (naming the parameters and where they run off), CVA_W_MAXITER or
 * CVA_W_NOT_CONVERGED. @p for_predict: the fit was made by `cva predict` (the
 * wording says the predictions use it). Returns 1 if a warning was printed.
 */
int cli_fit_warning(const cva_model_fit *fit, cva_status st, int for_predict);

/**
 * Warn on stderr when a parameter file says its fit did not converge or lies on the
 * boundary, and append the JSON members `"<prefix>converged": false` /
 * `"<prefix>boundary": [...]` describing it to @p meta (capacity @p cap) for the
 * output of `cva predict`. @p path NULL: no stderr warning (the caller gave one).
 * Returns 1 if the fit is flagged.
 */
int cli_params_notice(const cli_params *pp, const char *path, const char *prefix, char *meta, size_t cap);

/**
 * Read @p path: a JSON object with "model" (string), "params" (object of numbers, names
 * as in `cva fit`) and optional "time_unit"; other members ignored. If @p want_model
 * is non-zero the file's model must match it (or be absent). 0 or an exit code.
 */
int cli_params_read(const char *path, int32_t want_model, cli_params *out, cli_err *err);

/** Map a library error on per-customer data to an exit code and message. */
int cli_model_lib_fail(cli_err *err, const char *what, cva_status st, const cva_diag *dg, const cli_custdata *d);

/** Progress callback for fits: a line on stderr (only installed when stderr is a terminal). */
int cli_fit_progress(void *user, size_t iteration, double objective);
/** Clear the progress line if one was printed. */
void cli_fit_progress_done(void);

/** Parse a finite double option value. */
int cli_parse_double_opt(const char *name, const char *value, double *out, cli_err *err);

/**
 * The fitting options shared by `cva fit` and `cva predict`: --penalizer X (>= 0) and
 * --max-iter N (1..1000000, sets *max_iter_given). Returns 1 when argv[*i] was one of them
 * (and advances *i past its value), 0 when not, -1 on a bad value (err is set).
 */
int modelio_match_fit_opt(int argc, char **argv, int *i, double *penal, uint64_t *max_iter,
                          int *max_iter_given, cli_err *err);

#endif /* CVA_CLI_MODELIO_H */
