/*
 * libcva — internal: the counting kernels of RFM scoring (rfm.c) and of the
 * sampled selection pass (select.c), and their run-time choice. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_RFM_KERNELS_H
#define CVA_RFM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cpu_internal.h"

/* Elements per kernel call (the block arrays live on the stack). */
#define KBLOCK 512

/* The fused (rfm.c, select.c) three-column passes switch column every SUPER_BLOCK elements (a
   multiple of KBLOCK): the recency block stays in L2 for F and M, and each
   column is streamed in runs long enough for the hardware prefetchers. */
#ifndef SUPER_BLOCK
#define SUPER_BLOCK ((size_t)KBLOCK * 64)
#endif

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
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 7)
/* AVX-512 (F, BW, DQ, VL) variants: compare masks, 32-bit accumulation lanes. */
#define CVA_HAVE_AVX512_KERNEL 1
void cva__rfm_kernel_avx512(CVA_RFM_KERNEL_ARGS);
#endif
#endif

/* Largest number of pivots of the sampled selection pass (select.c). */
#define CVA_RFM_MAX_PIVOTS 20

/*
 * Counting pass of the sampled selection, for i < len (len <= KBLOCK), over the
 * kept elements (mask[i] not NaN), x_i = sign·v_i, pivots q_0 < … < q_{np−1}:
 *   lt[t] = #{x_i < q_t},  le[t] = #{x_i <= q_t}        (this block only)
 *   in_i = Σ_t hi[t]·[x_i < q_t] − lo[t]·[x_i <= q_t]  (0 for dropped elements)
 * so with hi/lo marking the two ends of disjoint brackets (a pivot with lo set is
 * followed by the pivot with hi set), in_i = 1 exactly when x_i lies strictly
 * inside a bracket; inside[] is the bitmap of in_i (bit i % 64 of word i / 64,
 * KBLOCK / 64 words, all written). *kept = kept elements, *bad = kept
 * elements that are not finite.
 */
#define CVA_RFM_COUNT_ARGS                                                                         \
    const double *CVA_RESTRICT v, const double *CVA_RESTRICT mask, size_t len, double sign,        \
        const double *CVA_RESTRICT q, const int64_t *CVA_RESTRICT hi, const int64_t *CVA_RESTRICT lo, \
        int32_t np, int64_t *CVA_RESTRICT lt, int64_t *CVA_RESTRICT le, uint64_t *CVA_RESTRICT inside, \
        int64_t *CVA_RESTRICT kept, int64_t *CVA_RESTRICT bad

void cva__rfm_count(CVA_RFM_COUNT_ARGS);
#ifdef CVA_HAVE_AVX2_KERNEL
void cva__rfm_count_avx2(CVA_RFM_COUNT_ARGS);
#endif
#ifdef CVA_HAVE_AVX512_KERNEL
void cva__rfm_count_avx512(CVA_RFM_COUNT_ARGS);
#endif

/*
 * Closed-bracket counting pass (brackets whose ends the sample shows once):
 * for i < len (len <= KBLOCK), kept elements only, x_i = sign·v_i, disjoint
 * closed brackets [a_j, b_j], a_0 <= b_0 < a_1 <= b_1 < …:
 *   lt[j] = #{x_i < a_j},  le[j] = #{x_i <= b_j}   (this block only)
 * and inside[] is the bitmap of "x_i in some [a_j, b_j]" (bit i % 64 of word
 * i / 64, KBLOCK / 64 words, all written). *kept, *bad as above. Two compares
 * per bracket instead of four: the elements equal to an end are gathered.
 */
#define CVA_RFM_COUNT_CLOSED_ARGS                                                                  \
    const double *CVA_RESTRICT v, const double *CVA_RESTRICT mask, size_t len, double sign,        \
        const double *CVA_RESTRICT a, const double *CVA_RESTRICT b, int32_t nbr,                   \
        int64_t *CVA_RESTRICT lt, int64_t *CVA_RESTRICT le, uint64_t *CVA_RESTRICT inside,         \
        int64_t *CVA_RESTRICT kept, int64_t *CVA_RESTRICT bad

void cva__rfm_count_closed(CVA_RFM_COUNT_CLOSED_ARGS);
#ifdef CVA_HAVE_AVX512_KERNEL
void cva__rfm_count_closed_avx512(CVA_RFM_COUNT_CLOSED_ARGS);
#endif

#ifdef CVA_HAVE_AVX512_KERNEL
/*
 * The AVX-512 kernels with keep bits (bit i % 8 of byte i / 8 for element i,
 * KBLOCK / 8 bytes per block): when kin is not NULL it replaces mask (element
 * i is kept when its bit is set, mask is not read); when kout is not NULL it
 * receives the bits computed from mask. The three-column passes of rfm.c and
 * select.c take the recency column's bits once per block for the F and M
 * columns, which would otherwise read the recency doubles again.
 */
void cva__rfm_kernel_avx512k(CVA_RFM_KERNEL_ARGS, const uint8_t *kin, uint8_t *kout);
void cva__rfm_count_avx512k(CVA_RFM_COUNT_ARGS, const uint8_t *kin, uint8_t *kout);
void cva__rfm_count_closed_avx512k(CVA_RFM_COUNT_CLOSED_ARGS, const uint8_t *kin, uint8_t *kout);
#endif

/* Run-time ISA choice (CVA_KERNEL_SCALAR: the portable build of the
   kernels): whether the AVX-512 variants are compiled in and the CPU runs
   them (cpu_internal.h). */
static inline int cva__kernels_avx512(void)
{
#ifdef CVA_HAVE_AVX512_KERNEL
    return cva__cpu_avx512();
#else
    return 0;
#endif
}

/* The three-column passes hand the first column's keep bits to the other
   columns (AVX-512 kernels only; the others read the shared mask again). */
static inline int cva__kernels_keep_bits(int32_t kernel)
{
#ifdef CVA_HAVE_AVX512_KERNEL
    return kernel != CVA_KERNEL_SCALAR && cva__kernels_avx512();
#else
    (void)kernel;
    return 0;
#endif
}

#endif /* CVA_RFM_KERNELS_H */
