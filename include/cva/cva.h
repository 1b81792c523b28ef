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
#include "cva/common.h"
#include "cva/txn.h"
#include "cva/sim.h"
#include "cva/rfm.h"
#include "cva/churn.h"
#include "cva/tiers.h"

#endif /* CVA_CVA_H */
