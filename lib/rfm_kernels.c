/*
 * libcva — RFM counting kernels (SPEC §1.10 kernel (i)).
 *
 * Compiled as its own translation unit with -O3 so the block loops are
 * vectorised (SSE2 baseline; AVX2 through a target attribute, chosen at run
 * time). Both produce exactly the integers of the scalar reference in
 * rfm.c: the comparisons are exact and the sums are integer.
 * SPDX-License-Identifier: MIT
 */
#include "cva_internal.h"
#include "rfm_kernels.h"

/*
 * acc[i] = 1 + Σ_j [x_i > c_j or (x_i == c_j and g_i > d_j)] for a block,
 * x_i = s·v_i, g_i = offset + i as double (exact below 2^53).
 */
#define CVA_RFM_KERNEL_BODY                                                                   \
    {                                                                                         \
        size_t i;                                                                             \
        int32_t j;                                                                            \
        double x[KBLOCK], g[KBLOCK];                                                          \
        int64_t a[KBLOCK];                                                                    \
        for (i = 0; i < len; i++) {                                                           \
            x[i] = sign * v[i];                                                               \
            g[i] = (double)(int64_t)(offset + i);                                             \
            a[i] = 1;                                                                         \
        }                                                                                     \
        if (left) {                                                                           \
            for (j = 0; j < nc; j++) {                                                        \
                const double c = cv[j];                                                       \
                for (i = 0; i < len; i++)                                                     \
                    a[i] += x[i] >= c;                                                        \
            }                                                                                 \
        } else {                                                                              \
            for (j = 0; j < nc; j++) {                                                        \
                const double c = cv[j], d = ci[j];                                            \
                for (i = 0; i < len; i++)                                                     \
                    a[i] += (x[i] > c) | ((x[i] >= c) & (g[i] > d));                          \
            }                                                                                 \
        }                                                                                     \
        for (i = 0; i < len; i++)                                                             \
            acc[i] = (int32_t)a[i];                                                           \
    }

void cva__rfm_kernel(const double *CVA_RESTRICT v, size_t offset, size_t len, double sign, int left,
                         const double *CVA_RESTRICT cv, const double *CVA_RESTRICT ci, int32_t nc,
                         int32_t *CVA_RESTRICT acc) CVA_RFM_KERNEL_BODY

#ifdef CVA_HAVE_AVX2_KERNEL
__attribute__((target("avx2"))) void
cva__rfm_kernel_avx2(const double *CVA_RESTRICT v, size_t offset, size_t len, double sign, int left,
                  const double *CVA_RESTRICT cv, const double *CVA_RESTRICT ci, int32_t nc,
                  int32_t *CVA_RESTRICT acc) CVA_RFM_KERNEL_BODY
#endif

