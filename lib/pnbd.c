/*
 * libcva — pnbd (placeholder; see lib/churn_internal.h).
 * SPDX-License-Identifier: MIT
 */
#include "churn_internal.h"

typedef int cva__placeholder_pnbd;

const cva__btyd_model cva__model_pnbd = {CVA_MODEL_PNBD, 4, {"r", "alpha", "s", "beta"}, {1, 1, 1, 1}, {0, 1, 0, 1}, 0, 0, 0, 0, 0, 0};
