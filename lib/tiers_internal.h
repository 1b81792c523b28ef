/*
 * libcva — value tiers: helpers shared by lib/tiers_*.c. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TIERS_INTERNAL_H
#define CVA_TIERS_INTERNAL_H

#include "cva_internal.h"
#include "cva/tiers.h"
#include "select_internal.h"

/* Guard of every share-to-count rule: ceil(share·n − 1e-9). */
#define TIERS_EPS 1e-9

/* Validated full-size copy of the caller's options (NULL: defaults). */
cva_status cva__tiers_opts(const cva_tiers_opts *opts, cva_tiers_opts *o, cva_diag *diag);

/* CVA_E_OVERFLOW (reported) when the sort or selection buffers of n values
   cannot be sized: checked before the values are read. */
cva_status cva__tiers_size_check(size_t n, cva_diag *diag);

/* First index of a NaN/Inf element, or n. */
size_t cva__tiers_first_nonfinite(const double *v, size_t n);

/* ceil(share·n − 1e-9), clamped to [0, n]. */
size_t cva__tiers_count(double share, size_t n);

/*
 * The descending order of v (ties: lower index first): o->order after a
 * one-pass check, or one stable radix sort (cva__radix_sort_kv) whose buffer
 * is released by cva__tiers_rank_free(). arg is the 1-based argument
 * position of v for the diagnostics.
 */
typedef struct cva__tiers_ranking {
    const uint64_t *order; /* order[i]: index of the i-th largest value */
    const double *sorted;  /* sorted[i] = v[order[i]]: every pass after the ranking is sequential */
    void *owned;           /* the sort buffer (order and sorted live in it), or NULL */
    void *owned2;          /* sorted values gathered for a caller's order, or NULL */
    const cva_allocator *alloc;
} cva__tiers_ranking;

cva_status cva__tiers_rank(const double *v, size_t n, const cva_tiers_opts *o, int use_opts_order,
                           cva__tiers_ranking *r, cva_diag *diag);
/* The same for callers that read only r->sorted (Gini, Lorenz, shares, whale):
   without o->order or CVA_TIERS_PRESORTED, a radix sort of the bare keys and
   r->order is NULL (CVA__TIERS_AT must not be used on it). */
cva_status cva__tiers_rank_values(const double *v, size_t n, const cva_tiers_opts *o, cva__tiers_ranking *r,
                                  cva_diag *diag);
void cva__tiers_rank_free(cva__tiers_ranking *r);

/* A selection workspace in o->work (CVA_E_WORKSPACE_TOO_SMALL when it is
   smaller than cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL)) or allocating;
   release with cva__selws_free(). */
cva_status cva__tiers_selws(const cva_tiers_opts *o, size_t n, cva__selws *w, cva_diag *diag);

/* Index of the i-th largest value (order NULL: the array is presorted). */
#define CVA__TIERS_AT(r, i) ((r).order ? (r).order[i] : (uint64_t)(i))

/* Order-preserving key of a double (-0 and +0 are one value); cva__tiers_unkey inverts it. */
static inline uint64_t cva__tiers_key(double v)
{
    uint64_t u;
    v += 0.0;
    memcpy(&u, &v, sizeof u);
    return u ^ ((UINT64_C(0) - (u >> 63)) | (UINT64_C(1) << 63)); /* sign mask without a signed shift */
}

static inline double cva__tiers_unkey(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & ~(UINT64_C(1) << 63)) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* a == b for non-NaN doubles, without -Wfloat-equal. */
static inline int cva__tiers_eq(double a, double b)
{
    return !(a < b) && !(a > b);
}

#endif /* CVA_TIERS_INTERNAL_H */
