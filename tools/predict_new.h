/*
 * cva command-line tool: `cva predict --new-customer` (predict_new.c).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_PREDICT_NEW_H
#define CVA_CLI_PREDICT_NEW_H

#include <stddef.h>

#include "cli.h"
#include "json.h"

/** Write E[X(horizon)] and, for n_k > 0, P(X(horizon) = n), n < n_k, of a new customer under
    the model of @p pp (CSV, or one JSON object when @p json). 0 or an exit code. */
int cli_predict_new(const cli_params *pp, double horizon, size_t n_k, int json, const char *output, cli_err *err);

#endif /* CVA_CLI_PREDICT_NEW_H */
