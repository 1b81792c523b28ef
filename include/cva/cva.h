/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CVA_H
#define CVA_CVA_H

/**
 * @file cva.h
 * @brief Umbrella header: include this one.
 */

#endif /* CVA_CVA_H */

/* Outside the guard on purpose: each header has its own guard, and a second
   include after defining CVA_EXPERIMENTAL_API must reach their experimental
   sections (cva/common.h, group "experimental"). */
#include "cva/common.h"
#include "cva/txn.h"
#include "cva/sim.h"
#include "cva/rfm.h"
#include "cva/churn.h"
#include "cva/covariates.h"
#include "cva/regularity.h"
#include "cva/retention.h"
#include "cva/cohort.h"
#include "cva/ladder.h"
#include "cva/tiers.h"
