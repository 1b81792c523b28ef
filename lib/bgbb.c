/*
 * libcva — bgbb (placeholder; see lib/churn_internal.h).
 * SPDX-License-Identifier: MIT
 */
#include "churn_internal.h"

typedef int cva__placeholder_bgbb;

const cva__btyd_model cva__model_bgbb = {CVA_MODEL_BGBB, 4, {"alpha", "beta", "gamma", "delta"}, {1, 1, 1, 1}, {0, 0, 0, 0}, 0, 0, 0, 0, 0, 0};
