/*
 * cva command-line tool: time-invariant covariates (`cva fit --covariates`, `cva predict
 * --covariates`): the covariate CSV (customer_id plus one numeric column per covariate),
 * the selection options and the rows aligned with the per-customer statistics.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_COVIO_H
#define CVA_CLI_COVIO_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "cva/cva.h"
#include "json.h"
#include "modeldata.h"

/** A covariate file read into memory. */
typedef struct cli_covfile {
    const char *path;
    size_t n_rows, n_cols;
    char **names;      /**< n_cols column names (the id column excluded) */
    char **ids;        /**< n_rows id texts */
    double *v;         /**< n_rows × n_cols values */
    size_t *slot;      /**< hash table of row indices (cap entries, (size_t)-1 empty) */
    size_t cap;
} cli_covfile;

/** Read @p path (header with customer_id or id, then numeric columns). 0 or an exit code. */
int cli_covfile_read(const char *path, int delim, cli_covfile *cf, cli_err *err);
void cli_covfile_free(cli_covfile *cf);
/** Column index of @p name, -1 if none. */
int cli_covfile_col(const cli_covfile *cf, const char *name);

/**
 * z (row-major d->n × n_sel) of the selected columns @p sel for every customer of @p d, by id.
 * A customer with statistics but no row in the file is an error (exit 2 naming it); one
 * without a purchase (NaN statistics, skipped by the library) gets zeros. 0 or an exit code.
 */
int cli_covfile_align(const cli_covfile *cf, const cli_custdata *d, const int *sel, int n_sel, double **z,
                      cli_err *err);

/** Split a comma-separated list of names into @p out (at most @p max); the count, -1 if too many. */
int cli_cov_split(const char *list, char out[][64], int max);

/** The covariate options of `cva fit`. */
typedef struct cli_cov_opts {
    const char *file;      /**< --covariates FILE, NULL: none */
    const char *life;      /**< --life-covariates A,B (NULL: every column) */
    const char *trans;     /**< --trans-covariates C (NULL: every column) */
    const char *constrain; /**< --constrain A,B */
    double l2;             /**< --l2 LAMBDA (both processes) */
    int l2_given;
} cli_cov_opts;

/** Match one covariate option at argv[*i]: 1 matched, 0 not one of them, -1 bad value (err set). */
int cli_cov_parse_opt(int argc, char **argv, int *i, cli_cov_opts *co, cli_err *err);
/** Usage checks once the command line is read. 0 or an exit code. */
int cli_cov_check_opts(const cli_cov_opts *co, int32_t model, cli_err *err);

/** A covariate fit: the coefficients and the names of the columns used. */
typedef struct cli_cov_result {
    cva_cov_fit cf;
    char names[CVA_COV_MAX][64];
    double l2;
    int any_constrained;
} cli_cov_result;

/**
 * Read the covariate file, select the columns, align them with @p d and fit (status in *st,
 * the library's diagnostics in @p dg). 0 or an exit code (file or option errors).
 */
int cli_cov_fit(const cli_cov_opts *co, int delim, int32_t model, const cli_custdata *d, const cva_fit_opts *fo,
                cva_model_fit *fit, cli_cov_result *res, cva_status *st, cva_diag *dg, cli_err *err);

/** Append the JSON member "covariates" of @p r (a leading ",\n"). */
void cli_cov_write_json(FILE *fp, const cli_cov_result *r);

/**
 * `cva predict` with a --params file: when it carries covariates, read @p path (NULL: not
 * given), check it has every covariate column and a row for every customer with a purchase
 * (exit 2 naming what is missing), and return each customer's own parameters in *ip
 * (d->n × 4; NULL when the parameters have no covariates). 0 or an exit code.
 */
int cli_cov_prepare(const cli_params *pp, const char *path, const cli_custdata *d, int32_t model, double *params,
                    double **ip, cli_err *err);

/**
 * P(alive) (@p what 0), expected purchases in @p h (1) or CLV (2, cva_clv() with @p gg, @p m,
 * @p co) per customer at the customer's own parameters @p ip: the library called once per
 * distinct parameter set. dg->index is the customer's row. The library status.
 */
cva_status cli_cov_eval(int what, int32_t model, const double *ip, const cli_custdata *d, double h, const double *gg,
                        const double *m, const cva_clv_opts *co, double *out, cva_diag *dg);

#endif /* CVA_CLI_COVIO_H */
