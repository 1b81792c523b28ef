/*
 * libcva — RFM scoring and selection counting kernels (docs/methods/conventions.md#methods_kernels kernel (i)).
 *
 * Compiled as its own translation unit with -O3 so the block loops are
 * vectorised (SSE2 baseline; AVX2 through a target attribute, chosen at run
 * time). Both produce exactly the integers of the scalar reference in
 * rfm.c: the comparisons are exact and the sums are integer.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <string.h>

#include "cva_internal.h"
#include "rfm_kernels.h"

/* Software prefetch of the next block (AVX-512 kernels): those kernels
   alternate a burst of loads with work on L1 data, which leaves the hardware
   prefetcher behind (measured on the value-cut scoring: about -10 %; no gain
   measured for the portable kernels, which do not use it). The address is
   formed in uintptr_t because it may lie past the array; a prefetch never
   faults. */
#if defined(__GNUC__) || defined(__clang__)
#define CVA_PREFETCH(p, i) __builtin_prefetch((const void *)((uintptr_t)(p) + (i) * sizeof *(p)), 0, 3)
#else
#define CVA_PREFETCH(p, i) ((void)(p), (void)(i))
#endif

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
            x[i] = keep[i] ? sign * v[i] : CVA_NAN; /* NaN: never above a cut */         \
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
        int64_t in_[KBLOCK];                                                                  \
        int64_t nk = 0, nb = 0;                                                               \
        for (i = 0; i < len; i++) {                                                           \
            /* dropped elements become NaN: every comparison below is false for them */      \
            const int64_t k_ = -(int64_t)!isnan(mask[i]);                                     \
            x[i] = k_ ? sign * v[i] : CVA_NAN;                                            \
            in_[i] = 0;                                                                       \
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
                    in_[i] += (u & h) - (w_ & l); /* u, w_ are 0 or -1 */                     \
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
        for (i = 0; i < KBLOCK / 64; i++)                                                     \
            inside[i] = 0;                                                                    \
        for (i = 0; i < len; i++)                                                             \
            inside[i / 64] |= (uint64_t)(in_[i] != 0) << (i % 64);                            \
        *kept = nk;                                                                           \
        *bad = nb;                                                                            \
    }

void cva__rfm_count(CVA_RFM_COUNT_ARGS) CVA_RFM_COUNT_BODY

#ifdef CVA_HAVE_AVX2_KERNEL
__attribute__((target("avx2"))) void
cva__rfm_count_avx2(CVA_RFM_COUNT_ARGS) CVA_RFM_COUNT_BODY
#endif


/* Closed-bracket counting pass: see rfm_kernels.h. */
void cva__rfm_count_closed(CVA_RFM_COUNT_CLOSED_ARGS)
{
    size_t i;
    int32_t t;
    double x[KBLOCK];
    int64_t in_[KBLOCK];
    int64_t nk = 0, nb = 0;
    for (i = 0; i < len; i++) {
        const int64_t k_ = -(int64_t)!isnan(mask[i]);
        x[i] = k_ ? sign * v[i] : CVA_NAN; /* NaN: every comparison below is false */
        in_[i] = 0;
        nk -= k_;
        nb -= k_ & -(int64_t)!(fabs(sign * v[i]) <= DBL_MAX);
    }
    for (t = 0; t < nbr; t++) {
        const double ca = a[t], cb = b[t];
        int64_t p = 0, r = 0;
        for (i = 0; i < len; i++) {
            const int64_t u = x[i] >= ca, w_ = x[i] <= cb;
            p += u;
            r += w_;
            in_[i] |= u & w_;
        }
        lt[t] = nk - p; /* kept NaN values count as below (the caller reports them) */
        le[t] = r;
    }
    for (i = 0; i < KBLOCK / 64; i++)
        inside[i] = 0;
    for (i = 0; i < len; i++)
        inside[i / 64] |= (uint64_t)(in_[i] != 0) << (i % 64);
    *kept = nk;
    *bad = nb;
}

#ifdef CVA_HAVE_AVX512_KERNEL
#include <immintrin.h>

#define CVA_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define CVA_ALIGNAS_64 __attribute__((aligned(64)))

/* x = sign·v for kept lanes (mask not NaN — or bit set in kin when kin is not
   NULL — and lane < len), NaN otherwise, for the block padded to whole vectors
   of 8; returns the keep mask of each vector in keep[] (and in kout when not
   NULL). */
CVA_AVX512 static size_t load_block_512(const double *CVA_RESTRICT v, const double *CVA_RESTRICT mask,
                                        const uint8_t *kin, uint8_t *kout, size_t len, double sign,
                                        double *CVA_RESTRICT xs, __mmask8 *CVA_RESTRICT keep,
                                        int64_t *CVA_RESTRICT nbad)
{
    const __m512d s = _mm512_set1_pd(sign), nanv = _mm512_set1_pd(CVA_NAN);
    const __m512d big = _mm512_set1_pd(DBL_MAX);
    const size_t nv = (len + 7) / 8;
    size_t g;
    int64_t nb = 0;
    for (g = 0; g < nv; g++) {
        const size_t rem = len - 8 * g;
        const __mmask8 lm = (__mmask8)(rem >= 8 ? 0xFFu : (1u << rem) - 1u);
        /* whole vectors: plain loads (masked loads are slower on some cores) */
        const __m512d vv = rem >= 8 ? _mm512_loadu_pd(v + 8 * g) : _mm512_maskz_loadu_pd(lm, v + 8 * g);
        __mmask8 k, fin;
        __m512d x;
        if (kin) {
            k = (__mmask8)(kin[g] & lm);
        } else {
            const __m512d mv = rem >= 8 ? _mm512_loadu_pd(mask + 8 * g) : _mm512_maskz_loadu_pd(lm, mask + 8 * g);
            k = _mm512_mask_cmp_pd_mask(lm, mv, mv, _CMP_ORD_Q);
            CVA_PREFETCH(mask, 8 * g + KBLOCK);
        }
        x = _mm512_mask_mul_pd(nanv, k, s, vv);
        /* kept and not finite: |x| <= DBL_MAX fails (NaN or infinity) */
        fin = _mm512_cmp_pd_mask(_mm512_abs_pd(x), big, _CMP_LE_OQ);
        CVA_PREFETCH(v, 8 * g + KBLOCK); /* the next block, one line per vector */
        nb += __builtin_popcount((unsigned)(k & (__mmask8)~fin));
        _mm512_store_pd(xs + 8 * g, x);
        keep[g] = k;
    }
    if (kout)
        memcpy(kout, keep, nv);
    *nbad = nb;
    return nv;
}

/* Counting pass (see rfm_kernels.h): pivots in groups — a bracket (lo pivot and
   the following hi pivot) or a single pivot — and for each group one loop over
   the block's vectors: two compares per pivot, counts in 64-bit vector lanes,
   the inside bitmap from the compare masks. */
CVA_AVX512 void cva__rfm_count_avx512k(CVA_RFM_COUNT_ARGS, const uint8_t *kin, uint8_t *kout)
{
    CVA_ALIGNAS_64 double xs[KBLOCK];
    __mmask8 keep[KBLOCK / 8], ins[KBLOCK / 8];
    const __m512i m1 = _mm512_set1_epi64(-1);
    size_t g, nv;
    int64_t nb, nk = 0;
    int32_t t = 0;
    nv = load_block_512(v, mask, kin, kout, len, sign, xs, keep, &nb);
    for (g = 0; g < KBLOCK / 8; g++) {
        ins[g] = 0;
        if (g < nv)
            nk += __builtin_popcount((unsigned)keep[g]);
    }
    while (t < np) {
        if (lo[t] && t + 1 < np && hi[t + 1]) {
            const __m512d qa = _mm512_set1_pd(q[t]), qb = _mm512_set1_pd(q[t + 1]);
            __m512i alt = _mm512_setzero_si512(), ale = alt, blt = alt, ble = alt;
            for (g = 0; g < nv; g++) {
                const __m512d x = _mm512_load_pd(xs + 8 * g);
                const __mmask8 a_lt = _mm512_cmp_pd_mask(x, qa, _CMP_LT_OQ);
                const __mmask8 a_le = _mm512_cmp_pd_mask(x, qa, _CMP_LE_OQ);
                const __mmask8 b_lt = _mm512_cmp_pd_mask(x, qb, _CMP_LT_OQ);
                const __mmask8 b_le = _mm512_cmp_pd_mask(x, qb, _CMP_LE_OQ);
                alt = _mm512_mask_sub_epi64(alt, a_lt, alt, m1);
                ale = _mm512_mask_sub_epi64(ale, a_le, ale, m1);
                blt = _mm512_mask_sub_epi64(blt, b_lt, blt, m1);
                ble = _mm512_mask_sub_epi64(ble, b_le, ble, m1);
                ins[g] = (__mmask8)(ins[g] | (b_lt & (__mmask8)~a_le));
            }
            lt[t] = _mm512_reduce_add_epi64(alt);
            le[t] = _mm512_reduce_add_epi64(ale);
            lt[t + 1] = _mm512_reduce_add_epi64(blt);
            le[t + 1] = _mm512_reduce_add_epi64(ble);
            t += 2;
        } else {
            const __m512d qa = _mm512_set1_pd(q[t]);
            __m512i alt = _mm512_setzero_si512(), ale = alt;
            for (g = 0; g < nv; g++) {
                const __m512d x = _mm512_load_pd(xs + 8 * g);
                alt = _mm512_mask_sub_epi64(alt, _mm512_cmp_pd_mask(x, qa, _CMP_LT_OQ), alt, m1);
                ale = _mm512_mask_sub_epi64(ale, _mm512_cmp_pd_mask(x, qa, _CMP_LE_OQ), ale, m1);
            }
            lt[t] = _mm512_reduce_add_epi64(alt);
            le[t] = _mm512_reduce_add_epi64(ale);
            t += 1;
        }
    }
    for (g = 0; g < KBLOCK / 64; g++) {
        uint64_t wbits = 0;
        int b;
        for (b = 0; b < 8; b++)
            wbits |= (uint64_t)ins[8 * g + (size_t)b] << (8 * b);
        inside[g] = wbits;
    }
    *kept = nk;
    *bad = nb;
}


/* Closed-bracket counting pass (see rfm_kernels.h): per bracket one GE and one
   LE compare; lt = kept − #(x >= a) per vector (dropped lanes are NaN). */
CVA_AVX512 void cva__rfm_count_closed_avx512k(CVA_RFM_COUNT_CLOSED_ARGS, const uint8_t *kin, uint8_t *kout)
{
    CVA_ALIGNAS_64 double xs[KBLOCK];
    __mmask8 keep[KBLOCK / 8], ins[KBLOCK / 8];
    const __m512i m1 = _mm512_set1_epi64(-1);
    size_t g, nv;
    int64_t nb, nk = 0;
    int32_t t;
    nv = load_block_512(v, mask, kin, kout, len, sign, xs, keep, &nb);
    for (g = 0; g < KBLOCK / 8; g++) {
        ins[g] = 0;
        if (g < nv)
            nk += __builtin_popcount((unsigned)keep[g]);
    }
    for (t = 0; t < nbr; t++) {
        const __m512d qa = _mm512_set1_pd(a[t]), qb = _mm512_set1_pd(b[t]);
        __m512i age = _mm512_setzero_si512(), ble = age;
        for (g = 0; g < nv; g++) {
            const __m512d x = _mm512_load_pd(xs + 8 * g);
            const __mmask8 a_ge = _mm512_cmp_pd_mask(x, qa, _CMP_GE_OQ);
            const __mmask8 b_le = _mm512_cmp_pd_mask(x, qb, _CMP_LE_OQ);
            age = _mm512_mask_sub_epi64(age, a_ge, age, m1);
            ble = _mm512_mask_sub_epi64(ble, b_le, ble, m1);
            ins[g] = (__mmask8)(ins[g] | (a_ge & b_le));
        }
        lt[t] = nk - _mm512_reduce_add_epi64(age);
        le[t] = _mm512_reduce_add_epi64(ble);
    }
    for (g = 0; g < KBLOCK / 64; g++) {
        uint64_t wbits = 0;
        int bb;
        for (bb = 0; bb < 8; bb++)
            wbits |= (uint64_t)ins[8 * g + (size_t)bb] << (8 * bb);
        inside[g] = wbits;
    }
    *kept = nk;
    *bad = nb;
}

/* Assign pass (see rfm_kernels.h): per cut, one loop over the block in chunks of
   16 (two compare masks joined), counts in 32-bit lanes; the tie rule switches
   the predicate at the split position, blending inside the one chunk that
   straddles it. */
/* The largest double below c (c not NaN, not −∞): x >= c ⟺ x > below(c) for every
   x that is not NaN. */
static double below(double c)
{
    uint64_t u;
    if (!(c < 0.0) && !(c > 0.0)) /* both zeros: the negative smallest subnormal */
        return -4.9406564584124654e-324;
    memcpy(&u, &c, sizeof u);
    u = c > 0.0 ? u - 1u : u + 1u;
    memcpy(&c, &u, sizeof c);
    return c;
}

/* Fast assign path: every cut uses x > e_j on the whole block (e_j padded with
   NaN up to NC), chunk-outer so the accumulator stays in a register, loading
   straight from v and mask (no block copy, no finiteness test). Streaming stores
   for the output were tried and were slower on the benchmark VM. */
CVA_AVX512 static inline __attribute__((always_inline)) void
assign_gt_512(const double *CVA_RESTRICT v, const double *CVA_RESTRICT mask, const uint8_t *kin, uint8_t *kout,
              double sign, size_t len, const double *e, int32_t NC, int reverse, int32_t nc,
              int32_t *CVA_RESTRICT out, uint64_t *CVA_RESTRICT n_above, uint64_t *CVA_RESTRICT n_kept)
{
    const __m512d s = _mm512_set1_pd(sign), nanv = _mm512_set1_pd(CVA_NAN);
    int64_t nk = 0;
    __m512d c[16];
    __m512i cnt[16];
    const __m512i m1 = _mm512_set1_epi32(-1);
    const __m512i base = _mm512_set1_epi32(reverse ? nc + 1 : 1);
    const size_t nch = (len + 15) / 16;
    size_t g;
    int32_t j;
    for (j = 0; j < NC; j++) {
        c[j] = _mm512_set1_pd(e[j]);
        cnt[j] = _mm512_setzero_si512();
    }
    for (g = 0; g < nch; g++) {
        const size_t rem = len - 16 * g;
        const __mmask16 lm = (__mmask16)(rem >= 16 ? 0xFFFFu : (1u << rem) - 1u);
        const __mmask8 l0 = (__mmask8)lm, l1 = (__mmask8)(lm >> 8);
        __m512d mv0, mv1, v0, v1, x0, x1;
        __mmask8 k0, k1;
        __mmask16 k;
        __m512i av = _mm512_setzero_si512(), sc;
        CVA_PREFETCH(v, 16 * g + KBLOCK);
        CVA_PREFETCH(v, 16 * g + KBLOCK + 8);
        if (kin) { /* keep bits given: the mask column is not read */
            v0 = rem >= 16 ? _mm512_loadu_pd(v + 16 * g) : _mm512_maskz_loadu_pd(l0, v + 16 * g);
            v1 = rem >= 16 ? _mm512_loadu_pd(v + 16 * g + 8) : _mm512_maskz_loadu_pd(l1, v + 16 * g + 8);
            k0 = (__mmask8)(kin[2 * g] & l0);
            k1 = (__mmask8)(kin[2 * g + 1] & l1);
        } else {
            CVA_PREFETCH(mask, 16 * g + KBLOCK);
            CVA_PREFETCH(mask, 16 * g + KBLOCK + 8);
            if (rem >= 16) { /* whole chunk: plain loads */
                mv0 = _mm512_loadu_pd(mask + 16 * g);
                mv1 = _mm512_loadu_pd(mask + 16 * g + 8);
                v0 = _mm512_loadu_pd(v + 16 * g);
                v1 = _mm512_loadu_pd(v + 16 * g + 8);
            } else {
                mv0 = _mm512_maskz_loadu_pd(l0, mask + 16 * g);
                mv1 = _mm512_maskz_loadu_pd(l1, mask + 16 * g + 8);
                v0 = _mm512_maskz_loadu_pd(l0, v + 16 * g);
                v1 = _mm512_maskz_loadu_pd(l1, v + 16 * g + 8);
            }
            k0 = _mm512_mask_cmp_pd_mask(l0, mv0, mv0, _CMP_ORD_Q);
            k1 = _mm512_mask_cmp_pd_mask(l1, mv1, mv1, _CMP_ORD_Q);
            if (kout) {
                kout[2 * g] = (uint8_t)k0;
                kout[2 * g + 1] = (uint8_t)k1;
            }
        }
        x0 = _mm512_mask_mul_pd(nanv, k0, s, v0);
        x1 = _mm512_mask_mul_pd(nanv, k1, s, v1);
        k = _mm512_kunpackb((__mmask16)k1, (__mmask16)k0);
        nk += __builtin_popcount((unsigned)k);
        for (j = 0; j < NC; j++) {
            const __mmask16 m = _mm512_kunpackb((__mmask16)_mm512_cmp_pd_mask(x1, c[j], _CMP_GT_OQ),
                                                (__mmask16)_mm512_cmp_pd_mask(x0, c[j], _CMP_GT_OQ));
            av = _mm512_mask_sub_epi32(av, m, av, m1);
            cnt[j] = _mm512_mask_sub_epi32(cnt[j], m, cnt[j], m1);
        }
        sc = _mm512_maskz_mov_epi32(k, reverse ? _mm512_sub_epi32(base, av) : _mm512_add_epi32(base, av));
        if (16 * g + 16 <= len)
            _mm512_storeu_si512((void *)(out + 16 * g), sc);
        else
            _mm512_mask_storeu_epi32(out + 16 * g, lm, sc);
    }
    for (j = 0; j < nc; j++)
        n_above[j] += (uint64_t)(uint32_t)_mm512_reduce_add_epi32(cnt[j]);
    *n_kept += (uint64_t)nk;
}

CVA_AVX512 void cva__rfm_kernel_avx512k(CVA_RFM_KERNEL_ARGS, const uint8_t *kin, uint8_t *kout)
{
    CVA_ALIGNAS_64 double xs[KBLOCK];
    CVA_ALIGNAS_64 int32_t a[KBLOCK];
    __mmask8 keep[KBLOCK / 8];
    const __m512i m1 = _mm512_set1_epi32(-1);
    const size_t nv = (len + 7) / 8, nch = (len + 15) / 16;
    size_t g;
    int64_t nb, nk = 0;
    int32_t j;
    if (nc <= 16) {
        /* x > c before the split, x >= c (i.e. x > below(c)) from it on: one
           threshold per cut when no split falls strictly inside the block */
        double e[16];
        int fast = 1;
        for (j = 0; j < 16; j++) {
            size_t split = len;
            if (j >= nc) {
                e[j] = CVA_NAN; /* never above */
                continue;
            }
            if (left) {
                split = 0;
            } else if (ci[j] != INT64_MAX) {
                const int64_t tt = ci[j] - (int64_t)offset;
                split = tt < 0 ? 0 : tt + 1 < (int64_t)len ? (size_t)(tt + 1) : len;
            }
            if (split == len || isnan(cv[j])) {
                e[j] = cv[j];
            } else if (split == 0 && cv[j] > -CVA_INF) {
                e[j] = below(cv[j]);
            } else {
                fast = 0;
                break;
            }
        }
        if (fast) {
            if (nc <= 4)
                assign_gt_512(v, mask, kin, kout, sign, len, e, 4, reverse, nc, acc, n_above, n_kept);
            else if (nc <= 8)
                assign_gt_512(v, mask, kin, kout, sign, len, e, 8, reverse, nc, acc, n_above, n_kept);
            else
                assign_gt_512(v, mask, kin, kout, sign, len, e, 16, reverse, nc, acc, n_above, n_kept);
            return;
        }
    }
    (void)load_block_512(v, mask, kin, kout, len, sign, xs, keep, &nb);
    if (nv & 1) { /* pad to a whole chunk: NaN is never above a cut */
        _mm512_store_pd(xs + 8 * nv, _mm512_set1_pd(CVA_NAN));
        keep[nv] = 0;
    }
    for (g = 0; g < nch; g++)
        nk += __builtin_popcount((unsigned)keep[2 * g]) + __builtin_popcount((unsigned)keep[2 * g + 1]);
    *n_kept += (uint64_t)nk;
    for (g = 0; g < nch; g++)
        _mm512_store_si512((void *)(a + 16 * g), _mm512_setzero_si512());
    for (j = 0; j < nc; j++) {
        const __m512d c = _mm512_set1_pd(cv[j]);
        __m512i cnt = _mm512_setzero_si512();
        size_t split = len; /* chunks before split: x > c; from split on: x >= c */
        if (left) {
            split = 0;
        } else if (ci[j] != INT64_MAX) {
            const int64_t tt = ci[j] - (int64_t)offset;
            split = tt < 0 ? 0 : tt + 1 < (int64_t)len ? (size_t)(tt + 1) : len;
        }
        for (g = 0; g < nch; g++) {
            const __m512d x0 = _mm512_load_pd(xs + 16 * g), x1 = _mm512_load_pd(xs + 16 * g + 8);
            __m512i av = _mm512_load_si512((const void *)(a + 16 * g));
            __mmask16 m;
            if (16 * g + 16 <= split) {
                m = _mm512_kunpackb((__mmask16)_mm512_cmp_pd_mask(x1, c, _CMP_GT_OQ),
                                    (__mmask16)_mm512_cmp_pd_mask(x0, c, _CMP_GT_OQ));
            } else if (16 * g >= split) {
                m = _mm512_kunpackb((__mmask16)_mm512_cmp_pd_mask(x1, c, _CMP_GE_OQ),
                                    (__mmask16)_mm512_cmp_pd_mask(x0, c, _CMP_GE_OQ));
            } else {
                const unsigned low = (1u << (split - 16 * g)) - 1u; /* lanes before split */
                const __mmask16 gt = _mm512_kunpackb((__mmask16)_mm512_cmp_pd_mask(x1, c, _CMP_GT_OQ),
                                                     (__mmask16)_mm512_cmp_pd_mask(x0, c, _CMP_GT_OQ));
                const __mmask16 ge = _mm512_kunpackb((__mmask16)_mm512_cmp_pd_mask(x1, c, _CMP_GE_OQ),
                                                     (__mmask16)_mm512_cmp_pd_mask(x0, c, _CMP_GE_OQ));
                m = (__mmask16)((gt & low) | (ge & ~low));
            }
            av = _mm512_mask_sub_epi32(av, m, av, m1);
            cnt = _mm512_mask_sub_epi32(cnt, m, cnt, m1);
            _mm512_store_si512((void *)(a + 16 * g), av);
        }
        n_above[j] += (uint64_t)(uint32_t)_mm512_reduce_add_epi32(cnt);
    }
    {
        const __m512i base = _mm512_set1_epi32(reverse ? nc + 1 : 1);
        for (g = 0; g < nch; g++) {
            const size_t rem = len - 16 * g;
            const __mmask16 lm = (__mmask16)(rem >= 16 ? 0xFFFFu : (1u << rem) - 1u);
            const __mmask16 k = _mm512_kunpackb((__mmask16)keep[2 * g + 1], (__mmask16)keep[2 * g]);
            const __m512i av = _mm512_load_si512((const void *)(a + 16 * g));
            const __m512i sc = reverse ? _mm512_sub_epi32(base, av) : _mm512_add_epi32(base, av);
            _mm512_mask_storeu_epi32(acc + 16 * g, lm, _mm512_maskz_mov_epi32(k, sc));
        }
    }
}

/* The entry points without keep bits. */
CVA_AVX512 void cva__rfm_kernel_avx512(CVA_RFM_KERNEL_ARGS)
{
    cva__rfm_kernel_avx512k(v, mask, offset, len, sign, left, reverse, cv, ci, nc, acc, n_above, n_kept, NULL, NULL);
}

CVA_AVX512 void cva__rfm_count_avx512(CVA_RFM_COUNT_ARGS)
{
    cva__rfm_count_avx512k(v, mask, len, sign, q, hi, lo, np, lt, le, inside, kept, bad, NULL, NULL);
}

CVA_AVX512 void cva__rfm_count_closed_avx512(CVA_RFM_COUNT_CLOSED_ARGS)
{
    cva__rfm_count_closed_avx512k(v, mask, len, sign, a, b, nbr, lt, le, inside, kept, bad, NULL, NULL);
}
#endif
