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
/* One block: see rfm_kernels.h. Written as simple loops over the block so the
   compiler vectorises each of them. */
#define CVA_RFM_KERNEL_BODY                                                                   \
    {                                                                                         \
        size_t i;                                                                             \
        int32_t j;                                                                            \
        double x[KBLOCK];                                                                     \
        int64_t a[KBLOCK], keep[KBLOCK], pos[KBLOCK];                                         \
        const int64_t sgn = reverse ? -1 : 0, base_ = reverse ? (int64_t)nc + 1 : 1;          \
        int64_t kept = 0;                                                                     \
        for (i = 0; i < len; i++) {                                                           \
            x[i] = sign * v[i];                                                               \
            keep[i] = -(int64_t)!isnan(mask[i]); /* all ones or zero */                       \
            pos[i] = (int64_t)i;                                                              \
            a[i] = 0;                                                                         \
        }                                                                                     \
        for (j = 0; j < nc; j++) {                                                            \
            const double c = cv[j];                                                           \
            /* tie rule in block coordinates: i > idx_j - offset */                           \
            const int64_t t = ci[j] == INT64_MAX ? INT64_MAX                                  \
                              : ci[j] - (int64_t)offset;                                      \
            int64_t above = 0;                                                                \
            if (left) {                                                                       \
                for (i = 0; i < len; i++) {                                                   \
                    int64_t u = -(int64_t)(x[i] >= c) & keep[i];                              \
                    a[i] -= u;                                                                \
                    above -= u;                                                               \
                }                                                                             \
            } else {                                                                          \
                for (i = 0; i < len; i++) {                                                   \
                    int64_t u = -(int64_t)((x[i] > c) | ((x[i] >= c) & (pos[i] > t))) & keep[i]; \
                    a[i] -= u;                                                                \
                    above -= u;                                                               \
                }                                                                             \
            }                                                                                 \
            n_above[j] += (uint64_t)above;                                                    \
        }                                                                                     \
        for (i = 0; i < len; i++) {                                                           \
            /* base + a, or base - a when reversing: (a ^ sgn) - sgn negates for sgn = -1 */  \
            acc[i] = (int32_t)((base_ + ((a[i] ^ sgn) - sgn)) & keep[i]);                     \
            kept -= keep[i];                                                                  \
        }                                                                                     \
        *n_kept += (uint64_t)kept;                                                            \
    }

void cva__rfm_kernel(CVA_RFM_KERNEL_ARGS) CVA_RFM_KERNEL_BODY

#ifdef CVA_HAVE_AVX2_KERNEL
__attribute__((target("avx2"))) void
cva__rfm_kernel_avx2(CVA_RFM_KERNEL_ARGS) CVA_RFM_KERNEL_BODY
#endif

