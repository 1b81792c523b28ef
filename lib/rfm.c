/*
 * libcva — RFM scoring (docs/methods/rfm.md#methods_rfm): options, raw metrics, cut sets, the
 * scoring kernels' dispatch and composite scores. Segments, maps, the report
 * and high influence are in rfm_segments.c.
 *
 * Every binning method is reduced to a cut set: k−1 boundaries, each a
 * (value, index) pair, plus a closure rule. The boundaries of the
 * rank-based methods (rank-first, NTILE) are order statistics of the
 * (value, index) order at closed-form ranks; the quantile methods need the
 * order statistics x_(lo+1), x_(lo+2) of the type-7 quantile. They are found
 * by the exact selection engine (select.c, contract in select_internal.h):
 * rank-first is its FLOOR rule, NTILE its NTILE rule, the quantile methods
 * its TYPE7 rule, all at the fractions j/k.
 * Scoring is then the branch-free kernel
 *   bin = 1 + Σ_j [x > c_j  or  (x == c_j and i > idx_j)]
 * over blocks of the contiguous column, compiled three times (baseline SSE2,
 * AVX2 and AVX-512 via target attributes, chosen at run time); all give the
 * integers of the scalar reference kernel_scalar. cva_rfm_score runs the
 * counting pass and the bin pass of the three columns together
 * (cva__select_fused, apply_cuts3).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"
#include "rfm_kernels.h"
#include "select_internal.h"

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
    .executor = NULL,
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
    {
        size_t need; /* before reading a value: a workspace that does not fit is no allocation failure */
        if (cva__select_ws_bytes(n, &need) != CVA_OK)
            return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "n: the workspace size does not fit in size_t");
    }
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

/* The three columns of cva_rfm_score block by block over rows [lo, hi) (lo a
   multiple of SUPER_BLOCK), so the recency mask of a block is read from memory once
   and from L1 for F and M. Counts go to a[0..2]. */
static void apply_cuts3_range(const double *const col[3], size_t lo, size_t hi, const cva_rfm_cuts *c,
                              int32_t kernel, int32_t *const out[3], applier *a)
{
    kernel_fn fn = pick_kernel(kernel);
    uint8_t kbits[SUPER_BLOCK / 8]; /* keep bits of the recency superblock */
    const int bits = cva__kernels_keep_bits(kernel);
    size_t base;
    int q;
    (void)bits;
    memset(kbits, 0, sizeof kbits);
    for (base = lo; base < hi; base += SUPER_BLOCK) {
        const size_t send = hi - base < SUPER_BLOCK ? hi : base + SUPER_BLOCK;
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
}

/* Rows per task of the parallel assignment (a multiple of SUPER_BLOCK). */
#define ASSIGN_TASK ((size_t)SUPER_BLOCK * 4)

typedef struct assign_job {
    const double *const *col;
    size_t n;
    const cva_rfm_cuts *c;
    int32_t kernel;
    int32_t *const *out;
    applier *acc; /* 3 per worker, counts zeroed */
} assign_job;

static void assign_task(void *arg, size_t task, unsigned worker)
{
    const assign_job *j = (const assign_job *)arg;
    const size_t lo = task * ASSIGN_TASK, hi = j->n - lo < ASSIGN_TASK ? j->n : lo + ASSIGN_TASK;
    apply_cuts3_range(j->col, lo, hi, j->c, j->kernel, j->out, j->acc + 3 * (size_t)worker);
}

/* All rows, on the executor when there is more than one task; the counts are
   integers added up per worker, so they do not depend on the schedule. acc: 3 appliers
   per worker of ex (cva__workers), or NULL with one worker. */
static void apply_cuts3(const double *const col[3], size_t n, cva_rfm_cuts *c, int32_t kernel, int32_t *const out[3],
                        const cva_executor *ex, applier *acc)
{
    applier local[3];
    const unsigned nw = acc ? cva__workers(ex) : 1;
    unsigned w;
    int q, j;
    if (!acc)
        acc = local;
    for (w = 0; w < nw; w++)
        for (q = 0; q < 3; q++)
            applier_init(&acc[3 * w + q], &c[q]);
    if (nw == 1) {
        apply_cuts3_range(col, 0, n, c, kernel, out, acc);
    } else {
        assign_job job;
        job.col = col;
        job.n = n;
        job.c = c;
        job.kernel = kernel;
        job.out = out;
        job.acc = acc;
        cva__parallel_for(ex, (n + ASSIGN_TASK - 1) / ASSIGN_TASK, assign_task, &job);
        for (w = 1; w < nw; w++)
            for (q = 0; q < 3; q++) {
                acc[q].kept += acc[3 * w + q].kept;
                for (j = 0; j < acc[q].nc; j++)
                    acc[q].above[j] += acc[3 * w + q].above[j];
            }
    }
    for (q = 0; q < 3; q++)
        applier_counts(&acc[q], &c[q]);
}

static int cuts_valid(const cva_rfm_cuts *c)
{
    return c && c->struct_size == sizeof(cva_rfm_cuts) && c->bins >= 1 && c->bins <= CVA_RFM_MAX_BINS &&
           (c->closure == CVA_RFM_CLOSE_RIGHT || c->closure == CVA_RFM_CLOSE_LEFT);
}

cva_status cva_rfm_assign(const double *v, size_t offset, size_t len, cva_rfm_cuts *cuts, int32_t kernel,
                          int32_t *score, cva_diag *diag)
{
    if (len > 0 && (!v || !score))
        return cva__report(diag, CVA_E_NULLPTR, !v ? 1 : 6, 0, -1, 0, !v ? "v is NULL" : "score is NULL");
    if (!cuts)
        return cva__report(diag, CVA_E_NULLPTR, 4, 0, -1, 0, "cuts is NULL");
    if (!cuts_valid(cuts))
        return cva__report(diag, CVA_E_BADARG, 4, 0, -1, 0,
                           "cuts is not a cut set from cva_rfm_cuts_compute() (struct_size, bins or closure)");
    if (kernel != CVA_KERNEL_AUTO && kernel != CVA_KERNEL_SCALAR)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "unknown kernel");
    apply_cuts(v, v, offset, len, cuts, kernel, score);
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
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
    applier *acc = NULL;
    int rc, col;

    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if (n > 0 && (!recency || !frequency || !monetary || !r || !f || !m))
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "an input or output array is NULL");
    if (cuts)
        for (col = 0; col < 3; col++)
            if (cuts[col].struct_size != sizeof(cva_rfm_cuts))
                return cva__report(diag, CVA_E_ABI_MISMATCH, 9, 0, -1, 0, "unknown cva_rfm_cuts size");
    {
        /* before reading a value, and for n = 0 too (as cva_rfm_cuts_compute()):
           a workspace that does not fit is no allocation failure, and one below
           cva_rfm_workspace_size(n) is an error whatever n is */
        size_t need;
        if (cva__select_ws_bytes(n, &need) != CVA_OK)
            return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "n: the workspace size does not fit in size_t");
        if (work && work_size < need)
            return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 11, 0, -1, need, "work_size too small");
    }
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
    if (cva__workers(o.executor) > 1 && n > ASSIGN_TASK) { /* per-worker counters of the assignment */
        acc = (applier *)cva__alloc(o.alloc, 3 * (size_t)cva__workers(o.executor) * sizeof *acc);
        if (!acc) {
            cva__selws_free(&w);
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "assignment counters");
        }
    }
    if (o.method == CVA_RFM_FIXED || o.bins == 1) {
        rc = 0;
    } else {
        const double *const cols[3] = {recency, frequency, monetary};
        const double signs[3] = {column_sign(&o, CVA_RFM_RECENCY), column_sign(&o, CVA_RFM_ASCENDING),
                                 column_sign(&o, CVA_RFM_ASCENDING)};
        cva__sel_spec sp;
        rfm_spec(&o, &sp);
        rc = cva__select_fused(cols, recency, signs, 3, n, &sp, &w, o.executor, ps);
    }
    if (rc < 0) {
        cva__selws_free(&w);
        cva__free(o.alloc, acc);
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
            cva__free(o.alloc, acc);
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
        apply_cuts3(cols, n, c, o.kernel, outs, o.executor, acc);
        cva__free(o.alloc, acc);
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
                             const cva_rfm_opts *opts, int32_t *cell, double *weighted, double *fm, cva_diag *diag)
{
    cva_rfm_opts o;
    cva_status st;
    size_t i;
    int32_t k;
    double wsum;
    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if (n > 0 && (!r || !f || !m))
        return cva__report(diag, CVA_E_NULLPTR, !r ? 1 : !f ? 2 : 3, 0, -1, 0, "a score array is NULL");
    if (!(o.w_r >= 0 && o.w_f >= 0 && o.w_m >= 0) || !((wsum = o.w_r + o.w_f + o.w_m) > 0) || !isfinite(wsum))
        return cva__report(diag, CVA_E_OPTION, 5, CVA_OPT_RFM_WEIGHTS, -1, 0,
                           "weights w_r, w_f, w_m must be >= 0 with a finite, positive sum");
    k = o.bins;
    for (i = 0; i < n; i++)
        if (r[i] < 0 || r[i] > k || f[i] < 0 || f[i] > k || m[i] < 0 || m[i] > k)
            return cva__report(diag, CVA_E_BADARG, r[i] < 0 || r[i] > k ? 1 : f[i] < 0 || f[i] > k ? 2 : 3, 0,
                               (int64_t)i, 0, "a score lies outside 0..bins");
    for (i = 0; i < n; i++) {
        int scored = r[i] > 0 && f[i] > 0 && m[i] > 0;
        if (cell)
            cell[i] = !scored ? 0 : k <= 9 ? 100 * r[i] + 10 * f[i] + m[i] : (r[i] * (k + 1) + f[i]) * (k + 1) + m[i];
        if (weighted)
            weighted[i] = scored ? (o.w_r * r[i] + o.w_f * f[i] + o.w_m * m[i]) / wsum : CVA_NAN;
        if (fm)
            fm[i] = scored ? (f[i] + m[i]) / 2.0 : CVA_NAN;
    }
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}
