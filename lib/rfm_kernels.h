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
 * acc[i] = 1 + Σ_j [x_i > c_j or (x_i == c_j and g_i > d_j)] (left = 0), or
 * 1 + Σ_j [x_i >= c_j] (left = 1), with x_i = sign·v_i and g_i = offset + i,
 * for len <= KBLOCK elements.
 */
void cva__rfm_kernel(const double *CVA_RESTRICT v, size_t offset, size_t len, double sign, int left,
                     const double *CVA_RESTRICT cv, const double *CVA_RESTRICT ci, int32_t nc,
                     int32_t *CVA_RESTRICT acc);

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define CVA_HAVE_AVX2_KERNEL 1
void cva__rfm_kernel_avx2(const double *CVA_RESTRICT v, size_t offset, size_t len, double sign, int left,
                          const double *CVA_RESTRICT cv, const double *CVA_RESTRICT ci, int32_t nc,
                          int32_t *CVA_RESTRICT acc);
#endif

#endif /* CVA_RFM_KERNELS_H */
