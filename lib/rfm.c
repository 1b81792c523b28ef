/*
 * libcva — RFM scoring (SPEC §3).
 *
 * Every binning method is reduced to a cut set: k−1 boundaries, each a
 * (value, index) pair, plus a closure rule. The boundaries of the
 * rank-based methods (rank-first, NTILE) are order statistics of the
 * (value, index) order at closed-form ranks; the quantile methods need the
 * order statistics x_(lo+1), x_(lo+2) of the type-7 quantile. They are found
 * by exact selection:
 *   pass 1  histogram of the top 16 bits of an order-preserving integer key;
 *   then    the bucket holding each wanted rank is known from prefix sums;
 *   pass 2  the elements of those few buckets are gathered (in index order)
 *           and sorted by key with a stable LSD radix sort (index order kept
 *           within equal keys), which yields the exact (value, index) at
 *           every wanted rank.
 * Columns of at least 2^16 values and k <= 11 first try a sampled selection
 * (select_sampled: sample brackets, one vectorised counting pass, gathered
 * brackets, tie runs located from per-block counts); it falls back to the
 * histogram path above when the sample misses a rank.
 * Scoring is then the branch-free kernel
 *   bin = 1 + Σ_j [x > c_j  or  (x == c_j and i > idx_j)]
 * over blocks of the contiguous column, compiled three times (baseline SSE2,
 * AVX2 and AVX-512 via target attributes, chosen at run time); all give the
 * integers of the scalar reference kernel_scalar. cva_rfm_score runs the
 * counting pass and the bin pass of the three columns together (fused_select,
 * apply_cuts3).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"
#include "rfm_kernels.h"
#include "select_internal.h"

/* The fused three-column passes switch column every SUPER_BLOCK elements (a
   multiple of KBLOCK): the recency block stays in L2 for F and M, and each
   column is streamed in runs long enough for the hardware prefetchers. */
#ifndef SUPER_BLOCK
#define SUPER_BLOCK ((size_t)KBLOCK * 64)
#endif

static const cva_rfm_opts rfm_defaults = {
    .struct_size = sizeof(cva_rfm_opts),
    .bins = 5,
    .method = CVA_RFM_RANK_FIRST,
    .frequency = CVA_RFM_F_TXN,
    .monetary = CVA_RFM_M_TOTAL,
    .fixed_closure = CVA_RFM_CLOSE_RIGHT,
    .kernel = CVA_KERNEL_AUTO,
    .reserved = 0,
    .r_cuts = NULL,
    .f_cuts = NULL,
    .m_cuts = NULL,
    .w_r = 1.0,
    .w_f = 1.0,
    .w_m = 1.0,
    .alloc = NULL,
};

cva_status cva_rfm_opts_init_defaults(cva_rfm_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_rfm_opts))
        return CVA_E_ABI_MISMATCH;
    *opts = rfm_defaults;
    return CVA_OK;
}

static cva_status get_opts(const cva_rfm_opts *opts, cva_rfm_opts *o, cva_diag *diag)
{
    *o = rfm_defaults;
    if (opts && cva__copy_sized(o, sizeof *o, opts, sizeof(cva_rfm_opts)) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 0, 0, -1, 0, "unsupported cva_rfm_opts size");
    if (o->bins < 1 || o->bins > CVA_RFM_MAX_BINS)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_BINS, -1, 0, "bins must be 1..100");
    if (o->method < CVA_RFM_RANK_FIRST || o->method > CVA_RFM_FIXED)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_METHOD, -1, 0, "unknown method");
    if (o->frequency < CVA_RFM_F_TXN || o->frequency > CVA_RFM_F_REPEAT)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_FREQUENCY, -1, 0,
                           "unknown frequency definition");
    if (o->monetary < CVA_RFM_M_TOTAL || o->monetary > CVA_RFM_M_REPEAT_MEAN)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_MONETARY, -1, 0,
                           "unknown monetary definition");
    if (o->fixed_closure != CVA_RFM_CLOSE_RIGHT && o->fixed_closure != CVA_RFM_CLOSE_LEFT)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_CLOSURE, -1, 0, "unknown closure");
    if (o->kernel != CVA_KERNEL_AUTO && o->kernel != CVA_KERNEL_SCALAR)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_KERNEL, -1, 0, "unknown kernel");
    return CVA_OK;
}

/* ------------------------------------------------------------------------ */
/* Raw metrics                                                              */

cva_status cva_rfm_raw(double obs_end, const double *last_t, const uint32_t *n_txn, const uint32_t *n_occ,
                       const double *total_amount, const double *monetary_value, size_t n,
                       const cva_rfm_opts *opts, double *recency, double *frequency, double *monetary,
                       cva_diag *diag)
{
    cva_rfm_opts o;
    cva_status st;
    size_t i;
    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customers");
    if (!last_t || !n_txn || !total_amount || !recency || !frequency || !monetary)
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "a required array is NULL");
    if (o.frequency != CVA_RFM_F_TXN && !n_occ)
        return cva__report(diag, CVA_E_NULLPTR, 4, 0, -1, 0, "n_occ is needed for this frequency");
    if (o.monetary == CVA_RFM_M_REPEAT_MEAN && !monetary_value)
        return cva__report(diag, CVA_E_NULLPTR, 6, 0, -1, 0, "monetary_value is needed for M_REPEAT_MEAN");
    if (!isfinite(obs_end))
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, -1, 0, "obs_end is not finite");
    for (i = 0; i < n; i++) {
        if (n_txn[i] > 0 && !(last_t[i] <= obs_end))
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)i, 0,
                               "last purchase is after obs_end or not finite");
    }
    for (i = 0; i < n; i++) {
        int scored = n_txn[i] > 0;
        recency[i] = scored ? obs_end - last_t[i] : CVA_NAN;
        switch (o.frequency) {
        case CVA_RFM_F_OCC:
            frequency[i] = (double)n_occ[i];
            break;
        case CVA_RFM_F_REPEAT:
            frequency[i] = n_occ[i] > 0 ? (double)(n_occ[i] - 1) : 0.0;
            break;
        default:
            frequency[i] = (double)n_txn[i];
        }
        switch (o.monetary) {
        case CVA_RFM_M_MEAN:
            monetary[i] = scored ? total_amount[i] / (double)n_txn[i] : CVA_NAN;
            break;
        case CVA_RFM_M_REPEAT_MEAN:
            monetary[i] = monetary_value[i];
            break;
        default:
            monetary[i] = total_amount[i];
        }
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Cut sets                                                                 */

/* The sign under which a column is ranked (NTILE orders recency DESC). */
static double column_sign(const cva_rfm_opts *o, int32_t direction)
{
    return o->method == CVA_RFM_NTILE && direction == CVA_RFM_RECENCY ? -1.0 : 1.0;
}

/* The ranks a rank-based or quantile method needs (k > 1, not CVA_RFM_FIXED):
   rank-first and NTILE the last element of every bin but the last (at j/k,
   with its index), the type-7 quantiles x_(lo+1) and x_(lo+2) at every j/k. */
static void rfm_spec(const cva_rfm_opts *o, cva__sel_spec *sp)
{
    int32_t j;
    sp->rule = o->method == CVA_RFM_RANK_FIRST ? CVA__SEL_FLOOR
               : o->method == CVA_RFM_NTILE    ? CVA__SEL_NTILE
                                               : CVA__SEL_TYPE7;
    sp->nf = o->bins - 1;
    sp->den = (uint64_t)o->bins;
    for (j = 0; j < sp->nf; j++)
        sp->num[j] = (uint64_t)(j + 1);
    sp->want_index = o->method == CVA_RFM_RANK_FIRST || o->method == CVA_RFM_NTILE;
    sp->kernel = o->kernel;
}

/* Build the cut set of column v (mask: NaN = excluded); ps: the column's
   result of the fused selection pass of cva_rfm_score, or NULL. */
static cva_status build_cuts(const double *v, const double *mask, size_t n, int32_t direction,
                             const cva_rfm_opts *o, int32_t which, cva_rfm_cuts *cuts, cva__selws *w,
                             const cva__sel_result *ps, cva_diag *diag)
{
    const int32_t k = o->bins;
    cva__sel_result sr;
    const uint64_t *ranks = sr.ranks;
    const double *val = sr.val;
    const int64_t *idx = sr.idx;
    const int *tie = sr.tie;
    size_t i, m = 0;
    int32_t j;
    int recency = direction == CVA_RFM_RECENCY;

    const double sign = column_sign(o, direction);
    if (o->method == CVA_RFM_FIXED || k == 1) {
        for (i = 0; i < n; i++) {
            if (isnan(mask[i]))
                continue;
            if (!isfinite(v[i]))
                return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0,
                                   "value is NaN or infinite for a scored customer");
            m++;
        }
    } else {
        cva__sel_spec sp;
        rfm_spec(o, &sp);
        if (!cva__select(v, mask, n, sign, &sp, w, ps, &sr))
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "selection workspace");
        m = sr.m;
        if (sr.bad != SIZE_MAX)
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)sr.bad, 0,
                               "value is NaN or infinite for a scored customer");
    }
    cuts->bins = k;
    cuts->closure = CVA_RFM_CLOSE_RIGHT;
    cuts->negate = 0;
    cuts->reverse = recency;
    cuts->ties_split = 0;
    cuts->scored = m;
    memset(cuts->count, 0, sizeof cuts->count);
    for (j = 0; j < k - 1; j++) {
        cuts->value[j] = CVA_INF;
        cuts->index[j] = INT64_MAX;
    }

    if (o->method == CVA_RFM_FIXED) {
        const double *c = which == 0 ? o->r_cuts : which == 1 ? o->f_cuts : o->m_cuts;
        if (k > 1 && !c)
            return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_CUTS, -1, 0,
                               "CVA_RFM_FIXED needs k-1 thresholds for this column");
        for (j = 0; j < k - 1; j++) {
            if (isnan(c[j]) || (j > 0 && !(c[j] >= c[j - 1])))
                return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_RFM_CUTS, j, 0,
                                   "thresholds must be ascending and not NaN");
            cuts->value[j] = c[j];
        }
        cuts->closure = o->fixed_closure;
        return m ? CVA_OK : CVA_W_EMPTY;
    }
    if (m == 0)
        return CVA_W_EMPTY;
    if (k == 1)
        return CVA_OK;

    if (o->method == CVA_RFM_RANK_FIRST || o->method == CVA_RFM_NTILE) {
        if (o->method == CVA_RFM_NTILE && recency) {
            cuts->negate = 1;
            cuts->reverse = 0;
        }
        for (j = 0; j < k - 1; j++) {
            cuts->value[j] = val[j];
            cuts->index[j] = idx[j];
            if (tie[j] && ranks[j] < m)
                cuts->ties_split = 1;
        }
        return CVA_OK;
    }

    /* type-7 quantiles from x_(lo+1) and x_(lo+2) for every j */
    {
        uint64_t fr[CVA_RFM_MAX_BINS];
        for (j = 1; j < k; j++)
            fr[j] = ((uint64_t)(m - 1) * (uint64_t)j) % (uint64_t)k;
        for (j = 1; j < k; j++) {
            double x1 = val[2 * (j - 1)], x2 = val[2 * (j - 1) + 1];
            double f = (double)fr[j] / (double)k;
            double c = fr[j] == 0 ? x1 : x1 + f * (x2 - x1);
            if (o->method == CVA_RFM_R_RFM)
                c += 1.0;
            cuts->value[j - 1] = c;
            cuts->index[j - 1] = INT64_MAX;
        }
        cuts->closure = o->method == CVA_RFM_R_RFM ? CVA_RFM_CLOSE_LEFT : CVA_RFM_CLOSE_RIGHT;
    }
    return CVA_OK;
}

cva_status cva_rfm_workspace_size(size_t n, size_t *bytes)
{
    if (!bytes)
        return CVA_E_NULLPTR;
    return cva__select_ws_bytes(n, bytes);
}

cva_status cva_rfm_cuts_compute(const double *v, size_t n, int32_t direction, const cva_rfm_opts *opts,
                                int32_t which, cva_rfm_cuts *cuts, void *work, size_t work_size,
                                cva_diag *diag)
{
    cva_rfm_opts o;
    cva_status st;
    cva__selws w;
    int rc;
    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if (!cuts)
        return cva__report(diag, CVA_E_NULLPTR, 6, 0, -1, 0, "cuts is NULL");
    if (cuts->struct_size != sizeof(cva_rfm_cuts))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 6, 0, -1, 0, "unknown cva_rfm_cuts size");
    if (n > 0 && !v)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "v is NULL");
    if (direction != CVA_RFM_ASCENDING && direction != CVA_RFM_RECENCY)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "unknown direction");
    if (which < 0 || which > 2)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "which must be 0, 1 or 2");
    rc = cva__selws_init(&w, n, work, work_size, o.alloc);
    if (rc < 0)
        return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 8, 0, -1, 0, "work_size too small");
    if (rc > 0) {
        cva__selws_free(&w);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "selection workspace");
    }
    {
        cva_rfm_cuts tmp = *cuts;
        st = build_cuts(v, v, n, direction, &o, which, &tmp, &w, NULL, diag);
        if (st >= 0)
            *cuts = tmp;
    }
    cva__selws_free(&w);
    if (st < 0)
        return st;
    return cva__report(diag, st, 0, 0, -1, 0, st == CVA_W_EMPTY ? "no scored value" : NULL);
}

/* ------------------------------------------------------------------------ */
/* Counting kernel                                                          */

/* The reference: one element at a time, written for clarity, not speed. */
static void kernel_scalar(CVA_RFM_KERNEL_ARGS)
{
    size_t i;
    for (i = 0; i < len; i++) {
        double xi = sign * v[i];
        int64_t gi = (int64_t)(offset + i);
        int32_t b = 1, j;
        if (isnan(mask[i])) {
            acc[i] = 0;
            continue;
        }
        for (j = 0; j < nc; j++) {
            int above = left ? xi >= cv[j] : (xi > cv[j]) || (xi >= cv[j] && ci[j] != INT64_MAX && gi > ci[j]);
            b += above;
            n_above[j] += (uint64_t)above;
        }
        acc[i] = reverse ? nc + 2 - b : b;
        (*n_kept)++;
    }
}

typedef void (*kernel_fn)(CVA_RFM_KERNEL_ARGS);

static kernel_fn pick_kernel(int32_t kernel)
{
    if (kernel == CVA_KERNEL_SCALAR)
        return kernel_scalar;
#ifdef CVA_HAVE_AVX512_KERNEL
    if (cva__kernels_avx512())
        return cva__rfm_kernel_avx512;
#endif
#ifdef CVA_HAVE_AVX2_KERNEL
    if (cva__cpu_avx2())
        return cva__rfm_kernel_avx2;
#endif
    return cva__rfm_kernel;
}

/* Per-column kernel arguments taken from a cut set. */
typedef struct applier {
    double cv[CVA_RFM_MAX_BINS];
    int64_t ci[CVA_RFM_MAX_BINS];
    uint64_t above[CVA_RFM_MAX_BINS], kept;
    int32_t nc;
    double sign;
    int left;
} applier;

static void applier_init(applier *a, const cva_rfm_cuts *cuts)
{
    int32_t j;
    a->nc = cuts->bins - 1;
    a->sign = cuts->negate ? -1.0 : 1.0;
    a->left = cuts->closure == CVA_RFM_CLOSE_LEFT;
    a->kept = 0;
    for (j = 0; j < a->nc; j++) {
        a->cv[j] = cuts->value[j];
        a->ci[j] = cuts->index[j];
        a->above[j] = 0;
    }
}

/* bin b (ascending) holds the elements above cut b-1 and not above cut b */
static void applier_counts(const applier *a, cva_rfm_cuts *cuts)
{
    const int32_t k = cuts->bins, nc = k - 1;
    int32_t j;
    for (j = 0; j < k; j++) {
        uint64_t hi = j == 0 ? a->kept : a->above[j - 1], lo = j == nc ? 0 : a->above[j];
        int32_t s = cuts->reverse ? k - j : j + 1;
        cuts->count[s - 1] += hi - lo;
    }
}

/* Score a column with a cut set; mask NaN → 0. Adds the per-score counts to cuts->count. */
static void apply_cuts(const double *v, const double *mask, size_t offset, size_t len, cva_rfm_cuts *cuts,
                       int32_t kernel, int32_t *score)
{
    applier a;
    kernel_fn fn = pick_kernel(kernel);
    size_t base;
    applier_init(&a, cuts);
    for (base = 0; base < len; base += KBLOCK) {
        size_t blen = len - base < KBLOCK ? len - base : KBLOCK;
        fn(v + base, mask + base, offset + base, blen, a.sign, a.left, cuts->reverse, a.cv, a.ci, a.nc,
           score + base, a.above, &a.kept);
    }
    applier_counts(&a, cuts);
}

/* The three columns of cva_rfm_score block by block, so the recency mask of a
   block is read from memory once and from L1 for F and M. */
static void apply_cuts3(const double *const col[3], size_t n, cva_rfm_cuts *c, int32_t kernel, int32_t *const out[3])
{
    applier a[3];
    kernel_fn fn = pick_kernel(kernel);
    uint8_t kbits[SUPER_BLOCK / 8]; /* keep bits of the recency superblock */
    const int bits = cva__kernels_keep_bits(kernel);
    size_t base;
    int q;
    for (q = 0; q < 3; q++)
        applier_init(&a[q], &c[q]);
    memset(kbits, 0, sizeof kbits);
    for (base = 0; base < n; base += SUPER_BLOCK) {
        const size_t send = n - base < SUPER_BLOCK ? n : base + SUPER_BLOCK;
        for (q = 0; q < 3; q++) {
            size_t b;
            for (b = base; b < send; b += KBLOCK) {
                const size_t len = send - b < KBLOCK ? send - b : KBLOCK;
#ifdef CVA_HAVE_AVX512_KERNEL
                if (bits) {
                    cva__rfm_kernel_avx512k(col[q] + b, col[0] + b, b, len, a[q].sign, a[q].left, c[q].reverse,
                                            a[q].cv, a[q].ci, a[q].nc, out[q] + b, a[q].above, &a[q].kept,
                                            q > 0 ? kbits + (b - base) / 8 : NULL,
                                            q == 0 ? kbits + (b - base) / 8 : NULL);
                    continue;
                }
#endif
                fn(col[q] + b, col[0] + b, b, len, a[q].sign, a[q].left, c[q].reverse, a[q].cv, a[q].ci, a[q].nc,
                   out[q] + b, a[q].above, &a[q].kept);
            }
        }
    }
    for (q = 0; q < 3; q++)
        applier_counts(&a[q], &c[q]);
}

static int cuts_valid(const cva_rfm_cuts *c)
{
    return c && c->struct_size == sizeof(cva_rfm_cuts) && c->bins >= 1 && c->bins <= CVA_RFM_MAX_BINS &&
           (c->closure == CVA_RFM_CLOSE_RIGHT || c->closure == CVA_RFM_CLOSE_LEFT);
}

cva_status cva_rfm_assign(const double *v, size_t offset, size_t len, cva_rfm_cuts *cuts, int32_t kernel,
                          int32_t *score)
{
    if (len > 0 && (!v || !score))
        return CVA_E_NULLPTR;
    if (!cuts)
        return CVA_E_NULLPTR;
    if (!cuts_valid(cuts))
        return CVA_E_BADARG;
    if (kernel != CVA_KERNEL_AUTO && kernel != CVA_KERNEL_SCALAR)
        return CVA_E_BADARG;
    apply_cuts(v, v, offset, len, cuts, kernel, score);
    return CVA_OK;
}

cva_status cva_rfm_score(const double *recency, const double *frequency, const double *monetary, size_t n,
                         const cva_rfm_opts *opts, int32_t *r, int32_t *f, int32_t *m, cva_rfm_cuts *cuts,
                         void *work, size_t work_size, cva_diag *diag)
{
    cva_rfm_opts o;
    cva_status st, s3[3];
    cva_rfm_cuts c[3];
    cva__sel_result ps[3];
    cva__selws w;
    int rc, col;

    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if (n > 0 && (!recency || !frequency || !monetary || !r || !f || !m))
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "an input or output array is NULL");
    if (cuts)
        for (col = 0; col < 3; col++)
            if (cuts[col].struct_size != sizeof(cva_rfm_cuts))
                return cva__report(diag, CVA_E_ABI_MISMATCH, 9, 0, -1, 0, "unknown cva_rfm_cuts size");
    if (n == 0) {
        if (cuts) /* empty cut sets, so callers can read bins and counts */
            for (col = 0; col < 3; col++) {
                memset(&cuts[col], 0, sizeof cuts[col]);
                cuts[col].struct_size = sizeof cuts[col];
                cuts[col].bins = o.bins;
                cuts[col].reverse = col == 0;
            }
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customers");
    }
    rc = cva__selws_init(&w, n, work, work_size, o.alloc);
    if (rc < 0)
        return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 11, 0, -1, 0, "work_size too small");
    if (rc > 0) {
        cva__selws_free(&w);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "selection workspace");
    }
    if (o.method == CVA_RFM_FIXED || o.bins == 1) {
        rc = 0;
    } else {
        const double *const cols[3] = {recency, frequency, monetary};
        const double signs[3] = {column_sign(&o, CVA_RFM_RECENCY), column_sign(&o, CVA_RFM_ASCENDING),
                                 column_sign(&o, CVA_RFM_ASCENDING)};
        cva__sel_spec sp;
        rfm_spec(&o, &sp);
        rc = cva__select_fused(cols, recency, signs, 3, n, &sp, &w, ps);
    }
    if (rc < 0) {
        cva__selws_free(&w);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "selection workspace");
    }
    for (col = 0; col < 3; col++) {
        const double *v = col == 0 ? recency : col == 1 ? frequency : monetary;
        memset(&c[col], 0, sizeof c[col]);
        c[col].struct_size = sizeof c[col];
        s3[col] = build_cuts(v, recency, n, col == 0 ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &o, col,
                             &c[col], &w, rc ? &ps[col] : NULL, diag);
        if (s3[col] < 0) {
            cva__selws_free(&w);
            if (diag)
                diag->arg = col + 1;
            return s3[col];
        }
    }
    cva__selws_free(&w);
    /* nothing can fail from here */
    {
        const double *const cols[3] = {recency, frequency, monetary};
        int32_t *const outs[3] = {r, f, m};
        apply_cuts3(cols, n, c, o.kernel, outs);
    }
    if (cuts)
        for (col = 0; col < 3; col++)
            cuts[col] = c[col];
    if (c[0].scored == 0)
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, 0, "nobody to score (every recency is NaN)");
    if (c[0].ties_split || c[1].ties_split || c[2].ties_split)
        return cva__report(diag, CVA_W_TIES, 0, 0, -1, 0, "tied values were split across bins");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Composite scores                                                         */

cva_status cva_rfm_composite(const int32_t *r, const int32_t *f, const int32_t *m, size_t n,
                             const cva_rfm_opts *opts, int32_t *cell, double *weighted, double *fm)
{
    cva_rfm_opts o;
    cva_status st;
    size_t i;
    int32_t k;
    double wsum;
    if ((st = get_opts(opts, &o, NULL)) < 0)
        return st;
    if (n > 0 && (!r || !f || !m))
        return CVA_E_NULLPTR;
    if (!(o.w_r >= 0 && o.w_f >= 0 && o.w_m >= 0) || !((wsum = o.w_r + o.w_f + o.w_m) > 0) || !isfinite(wsum))
        return CVA_E_OPTION;
    k = o.bins;
    for (i = 0; i < n; i++)
        if (r[i] < 0 || r[i] > k || f[i] < 0 || f[i] > k || m[i] < 0 || m[i] > k)
            return CVA_E_BADARG;
    for (i = 0; i < n; i++) {
        int scored = r[i] > 0 && f[i] > 0 && m[i] > 0;
        if (cell)
            cell[i] = !scored ? 0 : k <= 9 ? 100 * r[i] + 10 * f[i] + m[i] : (r[i] * (k + 1) + f[i]) * (k + 1) + m[i];
        if (weighted)
            weighted[i] = scored ? (o.w_r * r[i] + o.w_f * f[i] + o.w_m * m[i]) / wsum : CVA_NAN;
        if (fm)
            fm[i] = scored ? (f[i] + m[i]) / 2.0 : CVA_NAN;
    }
    return n ? CVA_OK : CVA_W_EMPTY;
}

/* ------------------------------------------------------------------------ */
/* Segments                                                                 */

const char *cva_label(int32_t code)
{
    switch (code) {
    case CVA_SEG_NONE:
        return "None";
    case CVA_SEG_OTHERS:
        return "Others";
    case CVA_SEG_CHAMPIONS:
        return "Champions";
    case CVA_SEG_LOYAL:
        return "Loyal Customers";
    case CVA_SEG_POTENTIAL_LOYALIST:
        return "Potential Loyalist";
    case CVA_SEG_NEW:
        return "New Customers";
    case CVA_SEG_PROMISING:
        return "Promising";
    case CVA_SEG_NEED_ATTENTION:
        return "Need Attention";
    case CVA_SEG_ABOUT_TO_SLEEP:
        return "About To Sleep";
    case CVA_SEG_AT_RISK:
        return "At Risk";
    case CVA_SEG_CANT_LOSE:
        return "Can't Lose Them";
    case CVA_SEG_HIBERNATING:
        return "Hibernating";
    case CVA_SEG_LOST:
        return "Lost";
    default:
        return "";
    }
}

/* RF10 grid: R and F decide, any M (1..5) matches. */
static const cva_rfm_rule map_rf10[] = {
    {CVA_SEG_HIBERNATING, 1, 2, 1, 2, 1, 5},
    {CVA_SEG_AT_RISK, 1, 2, 3, 4, 1, 5},
    {CVA_SEG_CANT_LOSE, 1, 2, 5, 5, 1, 5},
    {CVA_SEG_ABOUT_TO_SLEEP, 3, 3, 1, 2, 1, 5},
    {CVA_SEG_NEED_ATTENTION, 3, 3, 3, 3, 1, 5},
    {CVA_SEG_LOYAL, 3, 4, 4, 5, 1, 5},
    {CVA_SEG_PROMISING, 4, 4, 1, 1, 1, 5},
    {CVA_SEG_NEW, 5, 5, 1, 1, 1, 5},
    {CVA_SEG_POTENTIAL_LOYALIST, 4, 5, 2, 3, 1, 5},
    {CVA_SEG_CHAMPIONS, 5, 5, 4, 5, 1, 5},
};

/* R `rfm` vignette, published order ("<= 2" written as 1..2). */
static const cva_rfm_rule map_hebbali[] = {
    {CVA_SEG_CHAMPIONS, 4, 5, 4, 5, 4, 5},
    {CVA_SEG_LOYAL, 2, 5, 3, 5, 3, 5},
    {CVA_SEG_POTENTIAL_LOYALIST, 3, 5, 1, 3, 1, 3},
    {CVA_SEG_NEW, 4, 5, 1, 1, 1, 1},
    {CVA_SEG_PROMISING, 3, 4, 1, 1, 1, 1},
    {CVA_SEG_NEED_ATTENTION, 2, 3, 2, 3, 2, 3},
    {CVA_SEG_ABOUT_TO_SLEEP, 2, 3, 1, 2, 1, 2},
    {CVA_SEG_AT_RISK, 1, 2, 2, 5, 2, 5},
    {CVA_SEG_CANT_LOSE, 1, 1, 4, 5, 4, 5},
    {CVA_SEG_HIBERNATING, 1, 2, 1, 2, 1, 2},
    {CVA_SEG_LOST, 1, 2, 1, 2, 1, 2},
};

static const cva_rfm_rule map_specific_first[] = {
    {CVA_SEG_NEW, 4, 5, 1, 1, 1, 1},
    {CVA_SEG_PROMISING, 3, 4, 1, 1, 1, 1},
    {CVA_SEG_CANT_LOSE, 1, 1, 4, 5, 4, 5},
    {CVA_SEG_CHAMPIONS, 4, 5, 4, 5, 4, 5},
    {CVA_SEG_LOYAL, 2, 5, 3, 5, 3, 5},
    {CVA_SEG_POTENTIAL_LOYALIST, 3, 5, 1, 3, 1, 3},
    {CVA_SEG_NEED_ATTENTION, 2, 3, 2, 3, 2, 3},
    {CVA_SEG_ABOUT_TO_SLEEP, 2, 3, 1, 2, 1, 2},
    {CVA_SEG_AT_RISK, 1, 2, 2, 5, 2, 5},
    {CVA_SEG_HIBERNATING, 1, 2, 1, 2, 1, 2},
    {CVA_SEG_LOST, 1, 2, 1, 2, 1, 2},
};

cva_status cva_rfm_map_get(int32_t map_id, const cva_rfm_rule **rules, size_t *n_rules)
{
    if (!rules || !n_rules)
        return CVA_E_NULLPTR;
    switch (map_id) {
    case CVA_RFM_MAP_RF10_GRID:
        *rules = map_rf10;
        *n_rules = sizeof map_rf10 / sizeof map_rf10[0];
        return CVA_OK;
    case CVA_RFM_MAP_RFM11_HEBBALI:
        *rules = map_hebbali;
        *n_rules = sizeof map_hebbali / sizeof map_hebbali[0];
        return CVA_OK;
    case CVA_RFM_MAP_RFM11_SPECIFIC_FIRST:
        *rules = map_specific_first;
        *n_rules = sizeof map_specific_first / sizeof map_specific_first[0];
        return CVA_OK;
    default:
        return CVA_E_BADARG;
    }
}

static int is_builtin(const cva_rfm_rule *rules)
{
    return rules == map_rf10 || rules == map_hebbali || rules == map_specific_first;
}

static inline int32_t match_rules(const cva_rfm_rule *rules, size_t n_rules, int32_t r, int32_t f, int32_t m)
{
    size_t j;
    for (j = 0; j < n_rules; j++) {
        const cva_rfm_rule *u = &rules[j];
        if (r >= u->r_lo && r <= u->r_hi && f >= u->f_lo && f <= u->f_hi && m >= u->m_lo && m <= u->m_hi)
            return (int32_t)j;
    }
    return -1;
}

cva_status cva_rfm_segment(const int32_t *r, const int32_t *f, const int32_t *m, size_t n, int32_t k,
                           const cva_rfm_rule *rules, size_t n_rules, int32_t *segment, cva_diag *diag)
{
    size_t i;
    if (!rules) {
        rules = map_rf10;
        n_rules = sizeof map_rf10 / sizeof map_rf10[0];
    }
    if (k < 1 || k > CVA_RFM_MAX_BINS)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "k must be 1..100");
    if (is_builtin(rules) && k != 5)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "the built-in maps are for k = 5");
    if (n > 0 && (!r || !f || !m || !segment))
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "an array is NULL");
    for (i = 0; i < n; i++)
        if (r[i] < 0 || r[i] > k || f[i] < 0 || f[i] > k || m[i] < 0 || m[i] > k)
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)i, 0, "score outside 0..k");
    for (i = 0; i < n; i++) {
        int32_t j;
        if (r[i] == 0 || f[i] == 0 || m[i] == 0) {
            segment[i] = CVA_SEG_NONE;
            continue;
        }
        j = match_rules(rules, n_rules, r[i], f[i], m[i]);
        segment[i] = j < 0 ? CVA_SEG_OTHERS : rules[j].label;
    }
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}

cva_status cva_rfm_map_check(const cva_rfm_rule *rules, size_t n_rules, int32_t k, uint32_t *rule_cells,
                             uint32_t *n_uncovered, uint32_t *n_shadowed, uint32_t *n_unreachable_labels)
{
    uint32_t cells[10000];
    uint32_t unc = 0, shadowed = 0, unreachable = 0;
    size_t j, q;
    int32_t r, f, m;
    if (n_rules > 0 && !rules)
        return CVA_E_NULLPTR;
    if (k < 1 || k > CVA_RFM_MAX_BINS || n_rules > 10000)
        return CVA_E_BADARG;
    for (j = 0; j < n_rules; j++)
        if (rules[j].r_lo > rules[j].r_hi || rules[j].f_lo > rules[j].f_hi || rules[j].m_lo > rules[j].m_hi)
            return CVA_E_BADARG;
    memset(cells, 0, sizeof cells);
    for (r = 1; r <= k; r++)
        for (f = 1; f <= k; f++)
            for (m = 1; m <= k; m++) {
                int32_t w = match_rules(rules, n_rules, r, f, m);
                if (w < 0)
                    unc++;
                else
                    cells[w]++;
            }
    for (j = 0; j < n_rules; j++) {
        const cva_rfm_rule *u = &rules[j];
        int nonempty = u->r_hi >= 1 && u->r_lo <= k && u->f_hi >= 1 && u->f_lo <= k && u->m_hi >= 1 && u->m_lo <= k;
        int first_of_label = 1;
        uint32_t label_cells = 0;
        if (nonempty && cells[j] == 0)
            shadowed++;
        for (q = 0; q < n_rules; q++) {
            if (rules[q].label != u->label)
                continue;
            if (q < j) {
                first_of_label = 0;
                break;
            }
            label_cells += cells[q];
        }
        if (first_of_label && label_cells == 0)
            unreachable++;
        if (rule_cells)
            rule_cells[j] = cells[j];
    }
    if (n_uncovered)
        *n_uncovered = unc;
    if (n_shadowed)
        *n_shadowed = shadowed;
    if (n_unreachable_labels)
        *n_unreachable_labels = unreachable;
    return (unc || shadowed || unreachable) ? CVA_W_MAP : CVA_OK;
}

/* ------------------------------------------------------------------------ */
/* Report                                                                   */

cva_status cva_rfm_report(const int32_t *segment, const int32_t *r, const int32_t *f, const int32_t *m,
                          const double *revenue, size_t n, cva_rfm_segment_stat *stats, size_t capacity,
                          size_t *n_stats)
{
    size_t i, ns = 0, s;
    int32_t labels[256];
    cva__ksum total = {0, 0};
    if (!n_stats)
        return CVA_E_NULLPTR;
    if (n > 0 && (!segment || !r || !f || !m))
        return CVA_E_NULLPTR;
    if (capacity > 0 && !stats)
        return CVA_E_NULLPTR;
    if (revenue)
        for (i = 0; i < n; i++)
            if (!isfinite(revenue[i]))
                return CVA_E_NONFINITE;
    /* distinct labels, sorted (insertion into a small sorted set) */
    for (i = 0; i < n; i++) {
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (labels[mid] < segment[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ns && labels[lo] == segment[i])
            continue;
        if (ns == sizeof labels / sizeof labels[0])
            return CVA_E_BADARG; /* more than 256 distinct labels */
        memmove(labels + lo + 1, labels + lo, (ns - lo) * sizeof labels[0]);
        labels[lo] = segment[i];
        ns++;
    }
    *n_stats = ns;
    if (capacity < ns)
        return CVA_E_BUFFER_TOO_SMALL;
    if (revenue)
        for (i = 0; i < n; i++)
            cva__ksum_add(&total, revenue[i]);
    for (s = 0; s < ns; s++) {
        cva_rfm_segment_stat *st = &stats[s];
        cva__ksum rev = {0, 0};
        double sr = 0, sf = 0, sm = 0;
        uint64_t cnt = 0;
        for (i = 0; i < n; i++) {
            if (segment[i] != labels[s])
                continue;
            cnt++;
            sr += r[i];
            sf += f[i];
            sm += m[i];
            if (revenue)
                cva__ksum_add(&rev, revenue[i]);
        }
        st->label = labels[s];
        st->reserved = 0;
        st->count = cnt;
        st->share = (double)cnt / (double)n;
        st->mean_r = sr / (double)cnt;
        st->mean_f = sf / (double)cnt;
        st->mean_m = sm / (double)cnt;
        st->revenue = cva__ksum_value(&rev);
        {
            double tv = cva__ksum_value(&total);
            st->revenue_share = (tv < 0.0 || tv > 0.0) ? st->revenue / tv : CVA_NAN;
        }
    }
    return n ? CVA_OK : CVA_W_EMPTY;
}

/* ------------------------------------------------------------------------ */
/* High influence                                                           */

cva_status cva_rfm_high_influence(const uint32_t *ref_n_txn, const double *ref_amount, size_t n, double share,
                                  int32_t *flag)
{
    return cva_rfm_high_influence_advanced(ref_n_txn, ref_amount, n, share, flag, NULL, NULL);
}

cva_status cva_rfm_high_influence_advanced(const uint32_t *ref_n_txn, const double *ref_amount, size_t n,
                                           double share, int32_t *flag, const cva_allocator *alloc,
                                           cva_diag *diag)
{
    size_t i, m = 0, top, j;
    cva__kv *a, *tmp, *s;
    if (n > 0 && (!ref_n_txn || !ref_amount || !flag))
        return cva__report(diag, CVA_E_NULLPTR, !ref_n_txn ? 1 : !ref_amount ? 2 : 5, 0, -1, 0, NULL);
    if (!(share >= 0.0 && share <= 1.0))
        return cva__report(diag, CVA_E_OPTION, 4, 0, -1, 0, "share must be in [0, 1]");
    for (i = 0; i < n; i++) {
        if (ref_n_txn[i] >= 1) {
            if (!isfinite(ref_amount[i]))
                return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0,
                                   "ref_amount is NaN or infinite for a referrer");
            m++;
        }
    }
    if (m == 0) {
        for (i = 0; i < n; i++)
            flag[i] = 0;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    a = (cva__kv *)cva__alloc(alloc, m * sizeof(cva__kv));
    tmp = (cva__kv *)cva__alloc(alloc, m * sizeof(cva__kv));
    if (!a || !tmp) {
        cva__free(alloc, a);
        cva__free(alloc, tmp);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    /* descending money, ties by array order: sort ascending on the negated key */
    for (i = 0, j = 0; i < n; i++)
        if (ref_n_txn[i] >= 1) {
            a[j].key = cva__order_key(-ref_amount[i]);
            a[j].val = i;
            j++;
        }
    s = cva__radix_sort_kv(a, tmp, m);
    top = (size_t)ceil(share * (double)m - 1e-9);
    for (i = 0; i < n; i++)
        flag[i] = 0;
    for (j = 0; j < top && j < m; j++)
        flag[s[j].val] = 1;
    cva__free(alloc, a);
    cva__free(alloc, tmp);
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
