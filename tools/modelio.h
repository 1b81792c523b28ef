/*
 * cva command-line tool: what `cva fit` and `cva predict` share about the churn and spend
 * models: model names, fitting options, fit warnings, library errors, progress. Includes the
 * readers of their inputs: modeldata.h (per-customer statistics), cohortio.h (sBG cohort
 * tables) and json.h (parameter files).
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
#include "cohortio.h"
#include "json.h"
#include "modeldata.h"

/** Model id (::cva_model) of a command-line name, 0 if unknown. */
int32_t cli_model_from_name(const char *name);
/** Command-line name of a model id ("bgnbd", ...). */
const char *cli_model_name(int32_t model);
/** Human name ("BG/NBD", ...). */
const char *cli_model_title(int32_t model);

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

/**
 * The churn-flag parameters shared by `cva churn` and `cva ladder --active-rule`:
 * --hiatus-days H, --ipt-multiple K, --threshold P into @p fo (cva_churn_flag_opts::hiatus,
 * ipt_multiple, threshold). Returns 1 when argv[*i] was one of them (and advances *i past
 * its value), 0 when not, -1 when its value is not a number (err is set).
 */
int cli_match_churn_flag_opt(int argc, char **argv, int *i, cva_churn_flag_opts *fo, cli_err *err);

/**
 * The library's range check of @p fo (cva_churn_flags with no rows), as a usage error
 * (exit 2) naming the option: "CMD: option --ipt-multiple: ipt_multiple must be > 0 (got 0)".
 * Returns 0 when the options are valid, else the exit code (err is set).
 */
int cli_check_churn_flag_opts(const cva_churn_flag_opts *fo, const char *cmd, cli_err *err);

#endif /* CVA_CLI_MODELIO_H */
