/*
 * libcva — internal: exact selection of order statistics (lib/select.c),
 * the engine behind RFM cut sets and any module that needs k-th order
 * statistics or quantile cut points of a double column. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_SELECT_INTERNAL_H
#define CVA_SELECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cva_internal.h"

/*
 * Order. For a column v[0..n), a mask[0..n) and a sign s = ±1, the kept
 * elements are K = {i : mask[i] is not NaN} (mask may be v itself), m = |K|,
 * x_i = s·v_i with −0 read as +0, and the order is the (x, index) order:
 *   i before i'  ⇔  x_i < x_i'  or  (x_i == x_i' and i < i').
 * s = −1 ranks descending with ties to the lower index first (the library's
 * rule for every descending ranking); s = +1 ranks ascending. The element at
 * 1-based rank r (1 <= r <= m) is written (x_(r), i_(r)).
 *
 * Ranks. Every call asks for ranks that depend on m through a rule, so one
 * pass can both count m and select. With fractions a_0 <= … <= a_{nf−1} over
 * a denominator d (0 <= a_j <= d, (m−1)·a_j < 2^64), q = ⌊m/d⌋, ρ = m mod d:
 *   CVA__SEL_FLOOR  r_j = ⌊(m−1)·a_j / d⌋ + 1                    nr = nf
 *   CVA__SEL_NTILE  r_j = min(m, a_j·q + min(a_j, ρ))             nr = nf
 *                   (the last element of SQL NTILE(d) tile a_j)
 *   CVA__SEL_TYPE7  ℓ_j = ⌊(m−1)·a_j / d⌋, two ranks per fraction:
 *                   r_{2j} = ℓ_j + 1, r_{2j+1} = min(ℓ_j + 2, m)  nr = 2·nf
 *                   so the type-7 quantile at p_j = a_j/d is
 *                   x_(ℓ+1) + (f/d)·(x_(ℓ+2) − x_(ℓ+1)), f = (m−1)·a_j mod d.
 *   CVA__SEL_RANK   r_j = min(a_j, m), a_j >= 1 (fixed ranks: the a_j-th
 *                   order statistics; d is not read)          nr = nf
 *
 * Result, for r = r_0 … r_{nr−1}:
 *   val[j] = x_(r_j)  (the signed value: multiply by s for v; a zero is +0)
 *   idx[j] = i_(r_j)  (only with want_index)
 *   tie[j] = [r_j < m and x_(r_j + 1) == x_(r_j)]  (only with want_index: the
 *            values-only sampled path selects in place and does not keep
 *            what this needs; RFM reads tie only for its rank-based methods)
 *   m, and bad = the smallest i in K with v_i not finite (SIZE_MAX if none).
 * When bad != SIZE_MAX or m == 0 nothing is selected (nr = 0).
 *
 * Speed only, never the result: columns of at least 2^16 elements with
 * 2·nf <= CVA_RFM_MAX_PIVOTS and a rule other than CVA__SEL_RANK first try
 * a sampled selection (brackets around
 * the sample positions of a_j/d, one vectorised counting pass); a sample that
 * misses a rank falls back to the histogram refinement (two passes).
 */

enum {
    CVA__SEL_FLOOR = 1,
    CVA__SEL_NTILE = 2,
    CVA__SEL_TYPE7 = 3,
    CVA__SEL_RANK = 4
};

/* Most fractions and ranks per call; most columns of one fused pass. */
#define CVA__SEL_MAX_FRACS 99
#define CVA__SEL_MAX_RANKS (2 * CVA__SEL_MAX_FRACS)
#define CVA__SEL_MAX_COLS 3

typedef struct cva__sel_spec {
    int32_t rule;     /* CVA__SEL_FLOOR, _NTILE, _TYPE7 or _RANK */
    int32_t nf;       /* fractions, 1..CVA__SEL_MAX_FRACS */
    uint64_t den;     /* d >= 1 */
    uint64_t num[CVA__SEL_MAX_FRACS]; /* a_j, ascending */
    int want_index;   /* also i_(r) (costs a copy of the gathered keys) */
    int32_t kernel;   /* CVA_KERNEL_AUTO or CVA_KERNEL_SCALAR (counting pass) */
} cva__sel_spec;

typedef struct cva__sel_result {
    int rc;      /* cva__select_fused(): 1 resolved, 0 cva__select() falls back */
    size_t m, bad, nr;
    uint64_t ranks[CVA__SEL_MAX_RANKS];
    double val[CVA__SEL_MAX_RANKS];
    int64_t idx[CVA__SEL_MAX_RANKS];
    int tie[CVA__SEL_MAX_RANKS];
} cva__sel_result;

/* Workspace: in a caller's buffer of cva__select_ws_bytes(n) bytes, or
   allocated through alloc as needed (work == NULL). */
typedef struct cva__selws {
    uint64_t *hist1; /* HIST_SIZE + 1 */
    cva__kv *sample; /* 2 * SAMPLE_MAX: sampled keys and their radix buffer */
    uint32_t *blk_eq; /* 3 * CVA_RFM_MAX_PIVOTS * blocks: elements equal to each pivot per block */
    cva__kv *gath;   /* sampled path: gathered pairs (allocating mode) */
    uint64_t *scratch; /* sampled path: key scratch (allocating mode) */
    size_t gath_cap, scratch_cap;
    int16_t *first;  /* HIST_SIZE: first slot whose top 16 bits match, -1 if none */
    uint32_t *hist2; /* MAX_SLOTS * HIST_SIZE, allocated on first need */
    cva__kv *pairs;  /* 2 * gather_cap gathered pairs (second half: radix buffer) */
    size_t gather_cap;
    const cva_allocator *alloc;
    int owned;
} cva__selws;

/* Bytes of a caller workspace for columns of n elements: CVA_OK, or
   CVA_E_OVERFLOW when n is too large. */
cva_status cva__select_ws_bytes(size_t n, size_t *bytes);

/* 0: ready; −1: work_size too small; 1: allocation failure (call
   cva__selws_free() anyway). */
int cva__selws_init(cva__selws *w, size_t n, void *work, size_t work_size, const cva_allocator *alloc);
void cva__selws_free(cva__selws *w);

/*
 * The ranks of spec in column (v, mask, s) (see the contract above). pre: the
 * column's result from cva__select_fused() or NULL; with pre->rc == 0 the
 * histogram path runs directly. Returns 1, or 0 on allocation failure.
 */
int cva__select(const double *v, const double *mask, size_t n, double sign, const cva__sel_spec *spec,
                cva__selws *w, const cva__sel_result *pre, cva__sel_result *res);

/*
 * The sampled selection of nc <= CVA__SEL_MAX_COLS columns v[q] (signs
 * sign[q]) that share one mask, in one counting pass that reads the mask of a
 * block once. Returns 1 with res[q].rc (and, where 1, the whole result) for
 * every column; 0 when the columns are not for the sampled path (select each
 * with pre = NULL); −1 on allocation failure. With an executor of two or more
 * workers the counting pass runs in tasks over ranges of rows (fixed by n);
 * the results are exact either way, so they are the same bits.
 */
int cva__select_fused(const double *const *v, const double *mask, const double *sign, int nc, size_t n,
                      const cva__sel_spec *spec, cva__selws *w, const cva_executor *ex, cva__sel_result *res);

/* Order-preserving 64-bit key of a double that is not NaN (−0 → +0):
   x < y ⇔ cva__order_key(x) < cva__order_key(y); cva__key_value inverts it. */
static inline uint64_t cva__order_key(double v)
{
    uint64_t u;
    v += 0.0; /* -0 → +0: the two zeros are one value */
    memcpy(&u, &v, sizeof u);
    /* negative: flip every bit; positive: set the sign bit (branch-free) */
    return u ^ ((UINT64_C(0) - (u >> 63)) | (UINT64_C(1) << 63)); /* sign mask without a signed shift */
}

static inline double cva__key_value(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & ~(UINT64_C(1) << 63)) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#endif /* CVA_SELECT_INTERNAL_H */
