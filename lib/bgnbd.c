/*
 * libcva — bgnbd (placeholder; see lib/churn_internal.h).
 * SPDX-License-Identifier: MIT
 */
#include "churn_internal.h"

typedef int cva__placeholder_bgnbd;

const cva__btyd_model cva__model_bgnbd = {CVA_MODEL_BGNBD, 4, {"r", "alpha", "a", "b"}, {1, 1, 1, 1}, {0, 1, 0, 0}, 0, 0, 0, 0, 0, 0};
const cva__btyd_model cva__model_mbgnbd = {CVA_MODEL_MBGNBD, 4, {"r", "alpha", "a", "b"}, {1, 1, 1, 1}, {0, 1, 0, 0}, 0, 0, 0, 0, 0, 0};
