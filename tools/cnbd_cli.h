/*
 * cva command-line tool: the regularity models (BG/CNBD-k, MBG/CNBD-k) in `cva fit` and
 * `cva predict`: the --k option and litt from the transactions.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_CNBD_H
#define CVA_CLI_CNBD_H

#include <stdint.h>

#include "cli.h"
#include "cva/cva.h"
#include "input.h"
#include "modeldata.h"

/** 1 for CVA_MODEL_BGCNBD and CVA_MODEL_MBGCNBD. */
int cli_is_cnbd(int32_t model);

/** Parse --k: "auto" (0) or 1..CVA_CNBD_K_MAX. 0 or -1 with @p err set. */
int cli_parse_k(const char *v, int32_t *k, cli_err *err);

/**
 * Fit a regularity model on the customers with a purchase in @p d (rows with NaN statistics
 * left out). k = 0 chooses k by likelihood, which needs the transactions @p tx (litt = the
 * sum of log gaps between a customer's occasions up to the calibration end, in model time
 * units, so the log-likelihood has BTYDplus' constant terms); tx may be NULL for a fixed k
 * (then litt counts as 0). The chosen k into *k_out. Returns the library status.
 */
cva_status cli_cnbd_fit(int32_t model, int32_t k, const cli_input_opts *o, const cli_txn *tx, const cli_custdata *d,
                        const cva_fit_opts *fo, cva_model_fit *fit, int32_t *k_out, cva_diag *dg);

#endif /* CVA_CLI_CNBD_H */
