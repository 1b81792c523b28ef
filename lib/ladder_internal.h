/*
 * libcva — internal: the kernel choice of the ladder classification, for
 * the tests (which compare the AVX-512 kernel with the portable chunks). Not
 * installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_LADDER_INTERNAL_H
#define CVA_LADDER_INTERNAL_H

#include "cva/ladder.h"

/* cva_ladder_classify() with the kernel given: 0 = the widest the CPU runs (what
   cva_ladder_classify() uses), 1 = the portable chunks only (no AVX-512). */
cva_status cva__ladder_classify_k(const cva_ladder_input *in, const cva_ladder_opts *opts, int32_t *stage,
                                  int32_t *decided_by, int32_t *has_referred, int32_t *active, int32_t kernel,
                                  cva_diag *diag);

/* 1 when the AVX-512 kernel of the classification is compiled in and the CPU runs it */
int cva__ladder_has_avx512(void);

#endif /* CVA_LADDER_INTERNAL_H */
