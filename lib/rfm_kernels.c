/*
 * libcva — RFM counting kernels (SPEC §1.10 kernel (i)).
 *
 * Compiled as its own translation unit with -O3 so the block loops are
 * vectorised (SSE2 baseline; AVX2 through a target attribute, chosen at run
 * time). Both produce exactly the integers of the scalar reference in
 * rfm.c: the comparisons are exact and the sums are integer.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

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
        int64_t a[KBLOCK], keep[KBLOCK];                                                      \
        const int64_t sgn = reverse ? -1 : 0, base_ = reverse ? (int64_t)nc + 1 : 1;          \
        int64_t kept = 0;                                                                     \
        for (i = 0; i < len; i++) {                                                           \
            keep[i] = -(int64_t)!isnan(mask[i]); /* all ones or zero */                       \
            x[i] = keep[i] ? sign * v[i] : (double)NAN; /* NaN: never above a cut */         \
            a[i] = 0;                                                                         \
        }                                                                                     \
        for (j = 0; j < nc; j++) {                                                            \
            const double c = cv[j];                                                           \
            int64_t above = 0;                                                                \
            if (left) {                                                                       \
                for (i = 0; i < len; i++) {                                                   \
                    const int64_t u = x[i] >= c;                                              \
                    a[i] += u;                                                                \
                    above += u;                                                               \
                }                                                                             \
            } else {                                                                          \
                /* tie rule in block coordinates: x > c before position t + 1,               \
                   x >= c from there on (t = idx_j - offset) */                               \
                size_t split = len;                                                           \
                if (ci[j] != INT64_MAX) {                                                     \
                    const int64_t t = ci[j] - (int64_t)offset;                                \
                    split = t < 0 ? 0 : t + 1 < (int64_t)len ? (size_t)(t + 1) : len;         \
                }                                                                             \
                for (i = 0; i < split; i++) {                                                 \
                    const int64_t u = x[i] > c;                                               \
                    a[i] += u;                                                                \
                    above += u;                                                               \
                }                                                                             \
                for (i = split; i < len; i++) {                                               \
                    const int64_t u = x[i] >= c;                                              \
                    a[i] += u;                                                                \
                    above += u;                                                               \
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


/* Counting pass of the sampled selection: see rfm_kernels.h. One simple loop per
   pivot over the block (vectorised), integer sums only. */
#define CVA_RFM_COUNT_BODY                                                                    \
    {                                                                                         \
        size_t i;                                                                             \
        int32_t t;                                                                            \
        double x[KBLOCK];                                                                     \
        int64_t nk = 0, nb = 0;                                                               \
        for (i = 0; i < len; i++) {                                                           \
            /* dropped elements become NaN: every comparison below is false for them */      \
            const int64_t k_ = -(int64_t)!isnan(mask[i]);                                     \
            x[i] = k_ ? sign * v[i] : (double)NAN;                                            \
            inside[i] = 0;                                                                    \
            nk -= k_;                                                                         \
            nb -= k_ & -(int64_t)!(fabs(sign * v[i]) <= DBL_MAX);                             \
        }                                                                                     \
        for (t = 0; t < np; t++) {                                                            \
            const double c = q[t];                                                            \
            const int64_t h = -hi[t], l = -lo[t];                                             \
            int64_t a = 0, b = 0;                                                             \
            if (h | l) {                                                                      \
                for (i = 0; i < len; i++) {                                                   \
                    const int64_t u = -(int64_t)(x[i] < c), w_ = -(int64_t)(x[i] <= c);       \
                    a -= u;                                                                   \
                    b -= w_;                                                                  \
                    inside[i] += (u & h) - (w_ & l); /* u, w_ are 0 or -1 */                  \
                }                                                                             \
            } else {                                                                          \
                for (i = 0; i < len; i++) {                                                   \
                    a += x[i] < c;                                                            \
                    b += x[i] <= c;                                                           \
                }                                                                             \
            }                                                                                 \
            lt[t] = a;                                                                        \
            le[t] = b;                                                                        \
        }                                                                                     \
        for (i = 0; i < len; i++)                                                             \
            inside[i] = -inside[i];                                                           \
        *kept = nk;                                                                           \
        *bad = nb;                                                                            \
    }

void cva__rfm_count(CVA_RFM_COUNT_ARGS) CVA_RFM_COUNT_BODY

#ifdef CVA_HAVE_AVX2_KERNEL
__attribute__((target("avx2"))) void
cva__rfm_count_avx2(CVA_RFM_COUNT_ARGS) CVA_RFM_COUNT_BODY
#endif
