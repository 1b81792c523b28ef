/*
 * libcva — gg (placeholder; see lib/churn_internal.h).
 * SPDX-License-Identifier: MIT
 */
#include "churn_internal.h"

typedef int cva__placeholder_gg;
