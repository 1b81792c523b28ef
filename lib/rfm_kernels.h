/*
 * libcva — internal: RFM counting kernels. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_RFM_KERNELS_H
#define CVA_RFM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

/* Elements per kernel call (the block arrays live on the stack). */
#define KBLOCK 512

/*
 * For i < len (len <= KBLOCK), with x_i = sign·v_i and g_i = offset + i:
 *   b_i = 1 + Σ_j [x_i > c_j or (x_i == c_j and g_i > d_j)]   (left = 0; d_j = INT64_MAX: no tie rule)
 *   b_i = 1 + Σ_j [x_i >= c_j]                               (left = 1)
 *   acc[i] = 0 when mask[i] is NaN, else (reverse ? nc + 2 − b_i : b_i);
 * n_above[j] += number of kept elements above cut j; *n_kept += kept elements.
 */
#define CVA_RFM_KERNEL_ARGS                                                                        \
    const double *CVA_RESTRICT v, const double *CVA_RESTRICT mask, size_t offset, size_t len,      \
        double sign, int left, int reverse, const double *CVA_RESTRICT cv,                         \
        const int64_t *CVA_RESTRICT ci, int32_t nc, int32_t *CVA_RESTRICT acc,                      \
        uint64_t *CVA_RESTRICT n_above, uint64_t *CVA_RESTRICT n_kept

void cva__rfm_kernel(CVA_RFM_KERNEL_ARGS);

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define CVA_HAVE_AVX2_KERNEL 1
void cva__rfm_kernel_avx2(CVA_RFM_KERNEL_ARGS);
#endif

#endif /* CVA_RFM_KERNELS_H */
