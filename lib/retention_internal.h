/*
 * libcva — internal helpers of the retention-economics module (retention.c, whatif.c).
 * Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_RETENTION_INTERNAL_H
#define CVA_RETENTION_INTERNAL_H

#include "cva_internal.h"
#include "cva/retention.h"

/* Check the fields of validated-size terms (timing, horizon, discount, growth).
   arg = the caller's argument number for diag; opt_base = option id of timing,
   followed by horizon, discount, growth (ids opt_base + 0..3 in that order). */
cva_status cva__terms_check(const cva_clv_terms *t, int32_t arg, const int32_t opt_ids[4], cva_diag *diag);

/* Margin multiple MM(r) and exact retention elasticity d ln MM / d ln r for checked
   terms; r is checked against the domain of docs/methods/retention.md#methods_retention_edge (arg/opt say where r came from).
   scenario = 1 names r' in the messages. mm and eps may be NULL. */
cva_status cva__multiple(double r, const cva_clv_terms *t, double *mm, double *eps, int32_t arg, int32_t opt,
                         int scenario, cva_diag *diag);

/* Steady-state profit A·[m1/(1 − r(1+g)) − c_acq] (NaN when r(1+g) >= 1); no checks. */
double cva__steady_profit(double A, double m1, double r, double g, double c_acq);

#endif /* CVA_RETENTION_INTERNAL_H */
