/*
 * cva command-line tool: parameter files: the JSON objects written by `cva fit`
 * (or by hand), read by `cva predict`.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_JSON_H
#define CVA_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/** Parameters read from a JSON file written by `cva fit` (or by hand). */
typedef struct cli_params {
    int32_t model;     /**< 0 if the file has no "model" */
    double p[5];       /**< the model's parameters (ggomnbd: five) */
    int has_unit;
    char time_unit[16];
    int converged;     /**< "converged": 1, 0, or -1 when absent */
    unsigned boundary; /**< "boundary": bit i = parameter i listed */
    /* "covariates" written by `cva fit --covariates` (n_cov = 0 without) */
    int n_cov;                  /**< covariate names (the union of "life" and "trans") */
    char cov_names[10][64];
    int cov_life[10], cov_trans[10]; /**< 1: the name is in "life" / "trans" */
    double gamma_life[10], gamma_trans[10];
    int32_t k;         /**< bgcnbd, mbgcnbd: "k" in "params" (1..12); 0 otherwise */
} cli_params;

/**
 * Read @p path: a JSON object with "model" (string), "params" (object of numbers, names
 * as in `cva fit`) and optional "time_unit"; other members ignored. If @p want_model
 * is non-zero the file's model must match it (or be absent). 0 or an exit code.
 */
int cli_params_read(const char *path, int32_t want_model, cli_params *out, cli_err *err);

#endif /* CVA_CLI_JSON_H */
