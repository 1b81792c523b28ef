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

#define HIST_BITS 16
/* The fused three-column passes switch column every SUPER_BLOCK elements (a
   multiple of KBLOCK): the recency block stays in L2 for F and M, and each
   column is streamed in runs long enough for the hardware prefetchers. */
#ifndef SUPER_BLOCK
#define SUPER_BLOCK ((size_t)KBLOCK * 64)
#endif
#define HIST_SIZE ((size_t)1 << HIST_BITS)
#define MAX_RANKS CVA__SEL_MAX_RANKS

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
/* Selection                                                                */

/* (key, index) pairs: .val holds the element index; sorted with cva__radix_sort_kv() */
typedef cva__kv kidx;

/*
 * Exact multi-rank selection by radix refinement (no gathering, no sort).
 *
 * Level 1 histograms the top 16 bits of every key; each wanted rank then
 * lies in a known bucket at a known position. Each further level streams
 * the column once more and histograms the next 16 bits inside the buckets
 * still in play, until every wanted key is exact (after at most four
 * levels, usually two: a level also records the smallest and largest key of
 * each bucket, and a bucket holding one distinct key is resolved at once).
 * Rank-based methods also need the index of the wanted element among the
 * elements equal to its key (ties broken by index): one more pass counts
 * occurrences in index order and stops as soon as all are found.
 */
#define MAX_SLOTS MAX_RANKS

typedef cva__selws selws;

typedef struct target {
    uint64_t prefix; /* known high bits of the key (16 per level) */
    uint64_t within; /* 0-based position among elements with this prefix */
    uint64_t count;  /* elements with this prefix (the exact key once resolved) */
    int64_t index;   /* index of the element, once known */
    int exact;
    int have_index;
    int slot;
} target;

/* Initial gather buffer in allocating mode (it grows to what a call needs). */
#define GATHER_CAP ((size_t)1 << 16)

/* Sampled selection: sample size and the smallest column it is used for. */
#define SAMPLE_MAX ((size_t)1 << 15)
#define SAMPLED_MIN_N ((size_t)1 << 16)
/* Closed brackets when the sample shows at most 1 / CLOSED_EQ_RATIO as many
   elements equal to the ends as strictly inside (the extra gathering is then
   cheaper than the two compares per bracket it saves). */
#ifndef CLOSED_EQ_RATIO
#define CLOSED_EQ_RATIO 4
#endif

static size_t n_blocks(size_t n)
{
    return n / KBLOCK + 1;
}

static size_t selws_bytes(size_t n)
{
    return (HIST_SIZE + 1) * sizeof(uint64_t) + HIST_SIZE * sizeof(int16_t) +
           4 * HIST_SIZE * sizeof(uint32_t) + 2 * (n ? n : 1) * sizeof(kidx) + 2 * SAMPLE_MAX * sizeof(kidx) +
           3 * CVA_RFM_MAX_PIVOTS * n_blocks(n) * sizeof(uint32_t) + 64;
}

cva_status cva__select_ws_bytes(size_t n, size_t *bytes)
{
    if (n > (SIZE_MAX / 4 - ((size_t)1 << 24)) / sizeof(kidx))
        return CVA_E_OVERFLOW;
    *bytes = selws_bytes(n);
    return CVA_OK;
}

int cva__selws_init(selws *w, size_t n, void *work, size_t work_size, const cva_allocator *alloc)
{
    memset(w, 0, sizeof *w);
    if (work) {
        unsigned char *p = (unsigned char *)work;
        if (work_size < selws_bytes(n))
            return -1;
        p += (16 - ((uintptr_t)p & 15)) & 15;
        w->hist1 = (uint64_t *)(void *)p;
        p += (HIST_SIZE + 1) * sizeof(uint64_t);
        w->hist2 = (uint32_t *)(void *)p;
        p += 4 * HIST_SIZE * sizeof(uint32_t);
        w->pairs = (kidx *)(void *)p;
        w->gather_cap = n ? n : 1;
        p += 2 * w->gather_cap * sizeof(kidx);
        w->sample = (kidx *)(void *)p;
        p += 2 * SAMPLE_MAX * sizeof(kidx);
        w->blk_eq = (uint32_t *)(void *)p;
        p += 3 * CVA_RFM_MAX_PIVOTS * n_blocks(n) * sizeof(uint32_t);
        w->first = (int16_t *)(void *)p;
        return 0;
    }
    w->alloc = alloc;
    w->owned = 1;
    w->gather_cap = GATHER_CAP;
    w->hist1 = (uint64_t *)cva__alloc(alloc, (HIST_SIZE + 1) * sizeof(uint64_t));
    w->first = (int16_t *)cva__alloc(alloc, HIST_SIZE * sizeof(int16_t));
    return (w->hist1 && w->first) ? 0 : 1;
}

void cva__selws_free(selws *w)
{
    if (!w->owned)
        return;
    cva__free(w->alloc, w->hist1);
    cva__free(w->alloc, w->first);
    cva__free(w->alloc, w->hist2);
    cva__free(w->alloc, w->pairs);
    cva__free(w->alloc, w->sample);
    cva__free(w->alloc, w->blk_eq);
    cva__free(w->alloc, w->gath);
    cva__free(w->alloc, w->scratch);
    memset(w, 0, sizeof *w);
}

/*
 * Level 1 of the selection: histogram of the top 16 key bits of x = sign·v over
 * the elements whose mask is not NaN, as exclusive prefix sums in w->hist1.
 * Sets *m to the population and *bad to the first index whose value is NaN or
 * infinite (SIZE_MAX if none). Returns 0 on allocation failure.
 */
static int level1(const double *v, const double *mask, size_t n, double sign, selws *w, size_t *m, size_t *bad)
{
    uint64_t *h1 = w->hist1;
    size_t i, b;
    uint64_t nonfinite = 0;
    /* level 1: four interleaved sub-histograms break the store-to-load chain on
       heavily repeated values; hist2 (not yet in use) holds them */
    memset(h1, 0, (HIST_SIZE + 1) * sizeof(uint64_t));
    if (!w->hist2) {
        w->hist2 = (uint32_t *)cva__alloc(w->alloc, 4 * HIST_SIZE * sizeof(uint32_t));
        if (!w->hist2)
            return 0;
    }
    {
        uint32_t *q4 = w->hist2;
        size_t base;
        for (base = 0; base < n; base += (size_t)1 << 30) { /* sub-counts stay below 2^32 */
            size_t end = n - base > ((size_t)1 << 30) ? base + ((size_t)1 << 30) : n, bb;
            memset(q4, 0, 4 * HIST_SIZE * sizeof(uint32_t));
            for (i = base; i + 4 <= end; i += 4) {
                q4[(cva__order_key(sign * v[i]) >> 48)] += !isnan(mask[i]);
                q4[HIST_SIZE + (cva__order_key(sign * v[i + 1]) >> 48)] += !isnan(mask[i + 1]);
                q4[2 * HIST_SIZE + (cva__order_key(sign * v[i + 2]) >> 48)] += !isnan(mask[i + 2]);
                q4[3 * HIST_SIZE + (cva__order_key(sign * v[i + 3]) >> 48)] += !isnan(mask[i + 3]);
            }
            for (; i < end; i++)
                q4[(cva__order_key(sign * v[i]) >> 48)] += !isnan(mask[i]);
            for (bb = 0; bb < HIST_SIZE; bb++)
                h1[bb] += (uint64_t)q4[bb] + q4[HIST_SIZE + bb] + q4[2 * HIST_SIZE + bb] + q4[3 * HIST_SIZE + bb];
        }
    }
    /* keys with an all-ones exponent (±Inf, NaN) sit in the 16 top and 16 bottom buckets */
    for (b = 0; b < 16; b++)
        nonfinite += h1[b] + h1[HIST_SIZE - 1 - b];
    {
        uint64_t sum = 0;
        for (i = 0; i <= HIST_SIZE; i++) {
            uint64_t c = i < HIST_SIZE ? h1[i] : 0;
            h1[i] = sum;
            sum += c;
        }
    }
    *m = (size_t)h1[HIST_SIZE];
    *bad = SIZE_MAX;
    if (nonfinite)
        for (i = 0; i < n; i++)
            if (!isnan(mask[i]) && !isfinite(v[i])) {
                *bad = i;
                break;
            }
    return 1;
}

/*
 * Find the (value, index) of the elements at 1-based ranks in the (key, index)
 * order of x = sign·v over the elements whose mask is not NaN. out_i may be
 * NULL (value cuts); tie_after[r] says whether the next element in that order
 * has the same key. Returns 0 on allocation failure.
 */
static int select_ranks(const double *v, const double *mask, size_t n, double sign, const uint64_t *ranks,
                        size_t nr, double *out_v, int64_t *out_i, int *tie_after, selws *w)
{
    target tg[MAX_RANKS];
    uint64_t *h1 = w->hist1;
    size_t i, r;

    for (r = 0; r < nr; r++) {
        size_t lo = 0, hi = HIST_SIZE - 1;
        while (lo < hi) { /* largest bucket starting below the rank */
            size_t mid = (lo + hi + 1) / 2;
            if (h1[mid] < ranks[r])
                lo = mid;
            else
                hi = mid - 1;
        }
        tg[r].prefix = lo;
        tg[r].within = ranks[r] - h1[lo] - 1;
        tg[r].count = h1[lo + 1] - h1[lo];
        tg[r].exact = 0;
        tg[r].have_index = 0;
        tg[r].index = -1;
        tg[r].slot = -1;
    }

    /* level 2: one pass gathers the (key, index) pairs of the buckets in play,
       in index order (the gather buffer holds every element if need be); each
       bucket is then sorted by key with a stable radix sort, which keeps index
       order among equal keys, and the wanted positions are read off. */
    {
        size_t n_slots = 0, s, total = 0;
        size_t gstart[MAX_SLOTS + 1];
        kidx junk, *gp[MAX_SLOTS + 1];
        size_t ginc[MAX_SLOTS + 1];
        for (i = 0; i < HIST_SIZE; i++)
            w->first[i] = -1;
        for (r = 0; r < nr; r++) {
            size_t b = (size_t)tg[r].prefix;
            if (w->first[b] < 0) {
                w->first[b] = (int16_t)n_slots;
                gstart[n_slots] = total;
                total += (size_t)tg[r].count;
                n_slots++;
            }
            tg[r].slot = w->first[b];
        }
        gstart[n_slots] = total;
        if (!w->pairs || total > w->gather_cap) {
            size_t cap = total > GATHER_CAP ? total : GATHER_CAP;
            if (!w->owned)
                return 0; /* cannot happen: the caller workspace holds 2n pairs */
            cva__free(w->alloc, w->pairs);
            w->pairs = (kidx *)cva__alloc(w->alloc, 2 * cap * sizeof(kidx));
            w->gather_cap = w->pairs ? cap : 0;
            if (!w->pairs)
                return 0;
        }
        /* elements outside the buckets in play write to a junk pair (branch-free) */
        for (i = 0; i < HIST_SIZE; i++)
            if (w->first[i] < 0)
                w->first[i] = (int16_t)n_slots;
        for (s = 0; s <= n_slots; s++) {
            gp[s] = s < n_slots ? w->pairs + gstart[s] : &junk;
            ginc[s] = s < n_slots;
        }
        for (i = 0; i < n; i++) {
            uint64_t key;
            int16_t sl;
            if (isnan(mask[i]))
                continue;
            key = cva__order_key(sign * v[i]);
            sl = w->first[key >> 48];
            gp[sl]->key = key;
            gp[sl]->val = i;
            gp[sl] += ginc[sl];
        }
        for (s = 0; s < n_slots; s++) {
            kidx *a = w->pairs + gstart[s];
            size_t len = gstart[s + 1] - gstart[s], j;
            int all_equal = 1;
            for (j = 1; j < len; j++)
                if (a[j].key != a[0].key) {
                    all_equal = 0;
                    break;
                }
            if (!all_equal) {
                kidx *sorted = cva__radix_sort_kv(a, w->pairs + w->gather_cap + gstart[s], len);
                if (sorted != a)
                    memcpy(a, sorted, len * sizeof(kidx));
            }
        }
        for (r = 0; r < nr; r++) {
            target *t = &tg[r];
            const kidx *a = w->pairs + gstart[t->slot];
            size_t len = gstart[t->slot + 1] - gstart[t->slot];
            const kidx *e = &a[t->within];
            size_t lo2 = (size_t)t->within, cnt = 1;
            while (lo2 > 0 && a[lo2 - 1].key == e->key)
                lo2--;
            while (lo2 + cnt < len && a[lo2 + cnt].key == e->key)
                cnt++;
            t->prefix = e->key;
            t->exact = 1;
            t->have_index = 1;
            t->index = (int64_t)e->val;
            t->count = cnt;
            t->within -= lo2;
        }
    }

    for (r = 0; r < nr; r++) {
        out_v[r] = cva__key_value(tg[r].prefix);
        if (tie_after)
            tie_after[r] = tg[r].within + 1 < tg[r].count;
    }
    if (out_i)
        for (r = 0; r < nr; r++)
            out_i[r] = tg[r].index;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Sampled selection (Floyd–Rivest style)                                   */

/*
 * Wanted 1-based ranks in the (value, index) order of the m kept values, by
 * the rule of the spec (select_internal.h): rank-first (FLOOR) and NTILE give
 * the last element of every bin but the last; the type-7 quantiles need
 * x_(lo+1) and x_(lo+2) for every fraction (pairs).
 */
static size_t make_ranks(const cva__sel_spec *sp, uint64_t m, uint64_t *ranks)
{
    const uint64_t k = sp->den;
    size_t nr = 0;
    int32_t f;
    if (sp->rule == CVA__SEL_FLOOR) {
        for (f = 0; f < sp->nf; f++)
            ranks[nr++] = sp->num[f] * (m - 1) / k + 1;
    } else if (sp->rule == CVA__SEL_NTILE) {
        uint64_t q = m / k, rho = m % k;
        for (f = 0; f < sp->nf; f++) {
            uint64_t b = sp->num[f];
            uint64_t e = b <= rho ? b * (q + 1) : rho * (q + 1) + (b - rho) * q;
            ranks[nr++] = e > m ? m : e;
        }
    } else if (sp->rule == CVA__SEL_RANK) {
        for (f = 0; f < sp->nf; f++)
            ranks[nr++] = sp->num[f] < m ? sp->num[f] : m;
    } else {
        for (f = 0; f < sp->nf; f++) {
            uint64_t lo = (m - 1) * sp->num[f] / k;
            ranks[nr++] = lo + 1;
            ranks[nr++] = lo + 2 <= m ? lo + 2 : m;
        }
    }
    return nr;
}

/* The key at 0-based position pos of a[0..cnt) in key order (MSD radix select:
   at most six filtering passes over a shrinking array; a[] is overwritten by the
   survivors of each pass). Also *less and *eq, the elements below and equal to
   that key, and *next, the smallest larger key (UINT64_MAX if none), so the
   caller needs no pass over the original keys. */
static uint64_t radix_select_u64(uint64_t *a, size_t cnt, size_t pos, size_t *less, size_t *eq, uint64_t *next)
{
    size_t hist[2048], below = 0;
    uint64_t nx = UINT64_MAX;
    int shift = 53;
    for (;;) {
        size_t i, d, j, before = 0;
        memset(hist, 0, sizeof hist);
        for (i = 0; i < cnt; i++)
            hist[(a[i] >> shift) & 2047u]++;
        for (d = 0; before + hist[d] <= pos; d++)
            before += hist[d];
        pos -= before;
        below += before; /* lower digits: smaller than the answer */
        for (i = 0, j = 0; i < cnt; i++) {
            const uint64_t x = a[i];
            const size_t dg = (size_t)((x >> shift) & 2047u);
            a[j] = x;
            j += dg == d;
            nx = dg > d && x < nx ? x : nx; /* higher digits: larger */
        }
        cnt = j;
        if (cnt == 1 || shift == 0) { /* the survivors are all equal */
            *less = below;
            *eq = cnt;
            *next = nx;
            return a[pos];
        }
        shift = shift > 11 ? shift - 11 : 0;
    }
}

typedef struct bracket {
    double lo, hi;       /* the open interval (lo, hi); lo == hi: one value */
    int32_t plo, phi;    /* pivot indices of lo and hi */
    size_t cap, len;     /* gathered pairs (elements strictly inside) */
    uint64_t *gk, *gi; /* keys and indexes (gi: rank-based methods only) */
} bracket;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline size_t ctz64(uint64_t b) /* b != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (size_t)__builtin_ctzll(b);
#else
    size_t c = 0;
    while (!(b & 1u)) {
        b >>= 1;
        c++;
    }
    return c;
#endif
}

typedef void (*count_fn)(CVA_RFM_COUNT_ARGS);
typedef void (*count_closed_fn)(CVA_RFM_COUNT_CLOSED_ARGS);

static count_closed_fn pick_count_closed(int32_t kernel)
{
    if (kernel == CVA_KERNEL_SCALAR)
        return cva__rfm_count_closed;
#ifdef CVA_HAVE_AVX512_KERNEL
    if (cva__kernels_avx512())
        return cva__rfm_count_closed_avx512;
#endif
    return cva__rfm_count_closed;
}

static count_fn pick_count(int32_t kernel)
{
    if (kernel == CVA_KERNEL_SCALAR)
        return cva__rfm_count;
#ifdef CVA_HAVE_AVX512_KERNEL
    if (cva__kernels_avx512())
        return cva__rfm_count_avx512;
#endif
#ifdef CVA_HAVE_AVX2_KERNEL
    if (cva__cpu_avx2())
        return cva__rfm_count_avx2;
#endif
    return cva__rfm_count;
}

/* The index of the tt-th (1-based) kept element equal to q, in index order,
   found from the per-block counts and one scan of a single block. */
static int64_t find_equal(const double *v, const double *mask, size_t n, double sign, double q,
                          const uint32_t *blk, size_t nb, uint64_t tt)
{
    uint64_t cum = 0;
    size_t b, i;
    for (b = 0; b < nb; b++) {
        if (cum + blk[b] >= tt) {
            size_t end = (b + 1) * KBLOCK < n ? (b + 1) * KBLOCK : n;
            for (i = b * KBLOCK; i < end; i++)
                if (!isnan(mask[i]) && !(sign * v[i] < q) && !(sign * v[i] > q) && ++cum == tt)
                    return (int64_t)i;
            break;
        }
        cum += blk[b];
    }
    return -1; /* not reached when the counts are right */
}

/*
 * Exact multi-rank selection from a sample: a stratified sample of the keys
 * brackets each wanted quantile j/k between two sample values (about 3.5
 * standard deviations either side), overlapping brackets are merged, and one
 * vectorised pass (cva__rfm_count) counts the elements below and equal to
 * every bracket end, per block of KBLOCK elements, and gathers the few
 * elements strictly inside a bracket (in index order). Each exact rank then
 * falls in a run of elements equal to a bracket end — its index is found from
 * the per-block counts and one block scan — or among the gathered elements,
 * where a radix select finds the key and the gathered order gives the index.
 * A rank outside its bracket (an unlucky sample) or a full gather buffer
 * returns 0 and the caller uses the histogram path: the result never depends
 * on the sample, only the speed does.
 *
 * The work is split in phases so cva_rfm_score can run the counting pass of
 * the three columns block by block (the recency mask read once): sel_prepare
 * (sample, brackets, pivots, gather capacities), sel_buffers (gather space for
 * one or more columns), sel_block (one block of the pass), sel_finish (ranks).
 *
 * Returns 1 with *m, *bad (first non-finite kept index or SIZE_MAX) and, when
 * *m > 0 and *bad == SIZE_MAX, the nr ranks resolved; 0: use the histogram
 * path; -1: allocation failure.
 */
/* Whether a column is for the sampled path at all. */
static int sampled_ok(const cva__sel_spec *spec, size_t n)
{
    return n >= SAMPLED_MIN_N && spec->rule != CVA__SEL_RANK && spec->nf >= 1 &&
           2 * spec->nf <= CVA_RFM_MAX_PIVOTS;
}

typedef struct colsel {
    const double *v, *mask;
    double sign;
    const cva__sel_spec *spec;
    int32_t nbr, np;
    bracket br[CVA_RFM_MAX_BINS];
    double q[CVA_RFM_MAX_PIVOTS];
    int64_t hi[CVA_RFM_MAX_PIVOTS], lo[CVA_RFM_MAX_PIVOTS];
    int64_t tlt[CVA_RFM_MAX_PIVOTS], tle[CVA_RFM_MAX_PIVOTS];
    uint64_t kept, nbad;
    size_t total_cap, max_cap;
    uint32_t *blk_eq; /* CVA_RFM_MAX_PIVOTS * blocks */
    int overflow;
    int want_idx; /* rank-based methods: gather indexes too */
    /* closed mode: the sample shows few elements equal to the bracket ends, so
       the brackets are the closed [lo, hi] (the elements equal to an end are
       gathered), counted with two compares per bracket (tlt[j] = #x < lo_j,
       tle[j] = #x <= hi_j per bracket j; no equal runs, no blk_eq) */
    int closed;
    double qa[CVA_RFM_MAX_PIVOTS], qb[CVA_RFM_MAX_PIVOTS];
    count_closed_fn ccount;
} colsel;

/* Sample, brackets, pivots and gather capacities of one column (w->sample must
   exist). Returns 0 when the column is not for the sampled path. */
static int sel_prepare(colsel *c, const double *v, const double *mask, size_t n, double sign,
                       const cva__sel_spec *spec, selws *w)
{
    size_t s_want, stride, ns = 0, i;
    int32_t j, f;
    kidx *sorted;
    if (!sampled_ok(spec, n))
        return 0;
    c->v = v;
    c->mask = mask;
    c->sign = sign;
    c->spec = spec;
    c->nbr = c->np = 0;
    c->kept = c->nbad = 0;
    c->total_cap = c->max_cap = 0;
    c->overflow = 0;
    c->want_idx = spec->want_index;
    memset(c->tlt, 0, sizeof c->tlt);
    memset(c->tle, 0, sizeof c->tle);

    /* stratified sample: one position per stratum, fixed pseudo-random offset */
    s_want = n / 4 < SAMPLE_MAX ? n / 4 : SAMPLE_MAX;
    stride = n / s_want;
    for (i = 0; i < s_want; i++) {
        size_t p = i * stride + (size_t)(mix64(i + UINT64_C(0x9E3779B97F4A7C15)) % stride);
        double x = sign * v[p];
        if (isnan(mask[p]) || !(fabs(x) <= DBL_MAX))
            continue;
        w->sample[ns].key = cva__order_key(x);
        w->sample[ns].val = 0;
        ns++;
    }
    if (ns < 1024)
        return 0;
    sorted = cva__radix_sort_kv(w->sample, w->sample + SAMPLE_MAX, ns);

    /* brackets around the sample positions of a_f/d, merged when they overlap */
    for (f = 0; f < spec->nf; f++) {
        double p = (double)spec->num[f] / (double)spec->den, pos = p * (double)(ns - 1);
        double d = 3.5 * sqrt((double)ns * p * (1.0 - p)) + 4.0;
        double a = floor(pos - d), b = ceil(pos + d) + 1.0;
        double vlo = a < 0.0 ? -CVA_INF : cva__key_value(sorted[(size_t)a].key);
        double vhi = b > (double)(ns - 1) ? CVA_INF : cva__key_value(sorted[(size_t)b].key);
        if (c->nbr > 0 && vlo < c->br[c->nbr - 1].hi) {
            if (vhi > c->br[c->nbr - 1].hi)
                c->br[c->nbr - 1].hi = vhi;
            continue;
        }
        c->br[c->nbr].lo = vlo;
        c->br[c->nbr].hi = vhi;
        c->br[c->nbr].len = 0;
        c->nbr++;
    }
    /* closed mode when every bracket is an interval, the brackets do not touch
       and the sample shows few elements equal to the ends (continuous columns;
       see CLOSED_EQ_RATIO) */
    c->closed = 1;
    for (j = 0; j < c->nbr && c->closed; j++) {
        const bracket *B = &c->br[j];
        size_t eq = 0, in_s = 0;
        if (!(B->lo < B->hi) || (j > 0 && !(c->br[j - 1].hi < B->lo))) {
            c->closed = 0;
            break;
        }
        for (i = 0; i < ns; i++) {
            double x = cva__key_value(sorted[i].key);
            eq += (!(x < B->lo) && !(x > B->lo)) + (!(x < B->hi) && !(x > B->hi));
            in_s += x > B->lo && x < B->hi;
        }
        if (eq * CLOSED_EQ_RATIO > in_s)
            c->closed = 0;
    }
    if (c->closed) {
        for (j = 0; j < c->nbr; j++) {
            c->qa[j] = c->br[j].lo;
            c->qb[j] = c->br[j].hi;
        }
        for (j = 0; j < c->nbr; j++) {
            size_t in_s = 0, cap;
            for (i = 0; i < ns; i++) {
                double x = cva__key_value(sorted[i].key);
                in_s += x >= c->br[j].lo && x <= c->br[j].hi;
            }
            cap = (size_t)((double)(in_s + 8) / (double)ns * (double)n * 2.0) + 1024;
            if (cap > n)
                cap = n;
            c->br[j].cap = cap;
            c->total_cap += cap;
            if (cap > c->max_cap)
                c->max_cap = cap;
        }
        return 1;
    }
    /* distinct pivots in ascending order; the inside test uses both ends of
       brackets that are intervals (a one-value bracket gathers nothing) */
    for (j = 0; j < c->nbr; j++) {
        bracket *B = &c->br[j];
        if (c->np == 0 || c->q[c->np - 1] < B->lo) {
            c->q[c->np] = B->lo;
            c->hi[c->np] = c->lo[c->np] = 0;
            c->np++;
        }
        B->plo = c->np - 1;
        if (c->q[c->np - 1] < B->hi) {
            c->q[c->np] = B->hi;
            c->hi[c->np] = c->lo[c->np] = 0;
            c->np++;
        }
        B->phi = c->np - 1;
        if (B->plo != B->phi) {
            c->lo[B->plo] = 1;
            c->hi[B->phi] = 1;
        }
    }
    /* gather capacity: twice the expected count, plus slack (the count in a
       bracket is within a few percent of the sample's estimate; a bracket that
       still overflows sends the column to the histogram path) */
    for (j = 0; j < c->nbr; j++) {
        size_t in_s = 0, cap;
        for (i = 0; i < ns; i++) {
            double x = cva__key_value(sorted[i].key);
            in_s += x > c->br[j].lo && x < c->br[j].hi;
        }
        cap = c->br[j].plo == c->br[j].phi ? 0 : (size_t)((double)(in_s + 8) / (double)ns * (double)n * 2.0) + 1024;
        if (cap > n)
            cap = n;
        c->br[j].cap = cap;
        c->total_cap += cap;
        if (cap > c->max_cap)
            c->max_cap = cap;
    }
    return 1;
}

/* Gather space for the columns c[0..nc); *scratch: room for the largest
   bracket's keys when indexes are wanted (rank-based methods select a copy so
   the gathered order still gives the index; value cuts select in place and
   store no index: half the memory, no scratch). 1: done; 0: the caller
   workspace is too small (use the histogram path); -1: allocation failure. */
static int sel_buffers(colsel *const *c, int nc, selws *w, uint64_t **scratch)
{
    size_t total = 0, maxc = 0;
    uint64_t *kbase, *ibase;
    int q, want_idx = 0;
    int32_t j;
    for (q = 0; q < nc; q++) {
        total += c[q]->total_cap;
        want_idx |= c[q]->want_idx;
        if (c[q]->max_cap > maxc)
            maxc = c[q]->max_cap;
    }
    *scratch = NULL;
    if (w->owned) {
        const size_t words = want_idx ? 2 * total : total; /* 64-bit words */
        if (words > 2 * w->gath_cap) {
            cva__free(w->alloc, w->gath);
            w->gath = (kidx *)cva__alloc(w->alloc, (words ? words : 2) * sizeof(uint64_t));
            w->gath_cap = w->gath ? (words + 1) / 2 : 0;
            if (!w->gath)
                return -1;
        }
        if (want_idx && maxc > w->scratch_cap) {
            cva__free(w->alloc, w->scratch);
            w->scratch = (uint64_t *)cva__alloc(w->alloc, (maxc ? maxc : 1) * sizeof(uint64_t));
            w->scratch_cap = w->scratch ? maxc : 0;
            if (!w->scratch)
                return -1;
        }
        kbase = (uint64_t *)(void *)w->gath;
        if (want_idx)
            *scratch = w->scratch;
    } else {
        if (total > w->gather_cap)
            return 0;
        kbase = (uint64_t *)(void *)w->pairs;
        if (want_idx)
            *scratch = (uint64_t *)(void *)(w->pairs + w->gather_cap);
    }
    /* keys of every bracket first, then their indexes */
    ibase = want_idx ? kbase + total : NULL;
    for (q = 0; q < nc; q++)
        for (j = 0; j < c[q]->nbr; j++) {
            c[q]->br[j].gk = kbase;
            c[q]->br[j].gi = ibase;
            kbase += c[q]->br[j].cap;
            if (ibase)
                ibase += c[q]->br[j].cap;
        }
    return 1;
}

/* One block of the counting pass: counts, per-block equal counts, gather.
   kin / kout: keep bits of the block (AVX-512 kernels only, see
   rfm_kernels.h), NULL otherwise. */
static void sel_block(colsel *c, size_t i, size_t len, size_t nb, count_fn count, const uint8_t *kin,
                      uint8_t *kout)
{
    int64_t lt[CVA_RFM_MAX_PIVOTS], le[CVA_RFM_MAX_PIVOTS], kk, bb;
    uint64_t inside[KBLOCK / 64];
    const size_t blk = i / KBLOCK;
    const int closed = c->closed;
    size_t e;
    int32_t t;
    int done = 0;
#ifdef CVA_HAVE_AVX512_KERNEL
    if (kin || kout) {
        if (closed)
            cva__rfm_count_closed_avx512k(c->v + i, c->mask + i, len, c->sign, c->qa, c->qb, c->nbr, lt, le, inside,
                                          &kk, &bb, kin, kout);
        else
            cva__rfm_count_avx512k(c->v + i, c->mask + i, len, c->sign, c->q, c->hi, c->lo, c->np, lt, le, inside,
                                   &kk, &bb, kin, kout);
        done = 1;
    }
#else
    (void)kin;
    (void)kout;
#endif
    if (!done && closed)
        c->ccount(c->v + i, c->mask + i, len, c->sign, c->qa, c->qb, c->nbr, lt, le, inside, &kk, &bb);
    else if (!done)
        count(c->v + i, c->mask + i, len, c->sign, c->q, c->hi, c->lo, c->np, lt, le, inside, &kk, &bb);
    if (closed) {
        for (t = 0; t < c->nbr; t++) {
            c->tlt[t] += lt[t];
            c->tle[t] += le[t];
        }
    } else {
        for (t = 0; t < c->np; t++) {
            c->tlt[t] += lt[t];
            c->tle[t] += le[t];
            c->blk_eq[(size_t)t * nb + blk] = (uint32_t)(le[t] - lt[t]);
        }
    }
    c->kept += (uint64_t)kk;
    c->nbad += (uint64_t)bb;
    for (e = 0; e < KBLOCK / 64; e++) {
        uint64_t bits = inside[e]; /* most elements are outside every bracket */
        while (bits) {
            const size_t ie = i + 64 * e + ctz64(bits);
            const double x = c->sign * c->v[ie];
            bracket *B;
            size_t bi = 0;
            int32_t j;
            /* the bracket holding x: those entirely below it, counted without
               branches (the bracket an element falls in is unpredictable) */
            if (closed)
                for (j = 0; j + 1 < c->nbr; j++)
                    bi += (size_t)(x > c->br[j].hi);
            else
                for (j = 0; j + 1 < c->nbr; j++)
                    bi += (size_t)(x >= c->br[j].hi);
            B = &c->br[bi];
            bits &= bits - 1;
            if (B->len < B->cap) {
                B->gk[B->len] = cva__order_key(x);
                if (c->want_idx)
                    B->gi[B->len] = ie;
                B->len++;
            } else {
                c->overflow = 1;
            }
        }
    }
}

/* After the pass: population, first bad index, and every exact rank. */
static int sel_finish(colsel *c, size_t n, size_t nb, uint64_t *scratch, size_t *m_out, size_t *bad_out,
                      uint64_t *ranks, size_t *nr_out, double *out_v, int64_t *out_i, int *tie_after)
{
    const double *v = c->v, *mask = c->mask;
    const double sign = c->sign;
    const int64_t *tlt = c->tlt, *tle = c->tle;
    const double *q = c->q;
    const bracket *lastB = NULL;
    size_t i, r, nr, last_pos = 0, last_less = 0, last_eq = 0;
    uint64_t last_key = 0, last_next = UINT64_MAX;
    int32_t j;
    *m_out = (size_t)c->kept;
    *bad_out = SIZE_MAX;
    *nr_out = 0;
    if (c->nbad) {
        for (i = 0; i < n; i++)
            if (!isnan(mask[i]) && !isfinite(v[i])) {
                *bad_out = i;
                break;
            }
        return 1;
    }
    if (c->kept == 0)
        return 1;
    if (c->overflow)
        return 0;

    /* resolve every exact rank (the type-7 pairs x_(lo+1), x_(lo+2) are
       adjacent: the second comes from the first's scan, no second select) */
    nr = make_ranks(c->spec, c->kept, ranks);
    for (r = 0; r < nr; r++) {
        const uint64_t rk = ranks[r];
        const bracket *B = NULL;
        uint64_t L = 0, Eo = 0, H = 0, Ho = 0;
        for (j = 0; j < c->nbr; j++) {
            L = (uint64_t)tlt[c->closed ? j : c->br[j].plo];
            Ho = (uint64_t)tle[c->closed ? j : c->br[j].phi];
            if (rk > L && rk <= Ho) {
                B = &c->br[j];
                break;
            }
        }
        if (!B)
            return 0; /* the sample missed this rank */
        if (c->closed) {
            Eo = L; /* everything in [lo, hi] was gathered */
            H = Ho;
        } else {
            Eo = (uint64_t)tle[B->plo];
            H = (uint64_t)tlt[B->phi];
        }
        if (!c->closed && (rk <= Eo || rk > H)) {
            /* in the run of elements equal to an end of the bracket */
            int32_t pv = rk <= Eo ? B->plo : B->phi;
            uint64_t start = (uint64_t)tlt[pv], run = (uint64_t)(tle[pv] - tlt[pv]);
            out_v[r] = q[pv] + 0.0;
            tie_after[r] = rk - start < run;
            if (out_i) {
                out_i[r] = find_equal(v, mask, n, sign, q[pv], c->blk_eq + (size_t)pv * nb, nb, rk - start);
                if (out_i[r] < 0)
                    return 0;
            }
        } else {
            /* strictly inside: position rk - Eo - 1 among the gathered pairs */
            size_t pos = (size_t)(rk - Eo - 1), less = 0, eq = 0, want, g;
            uint64_t key, nxt = UINT64_MAX;
            if (B->len != (size_t)(H - Eo))
                return 0; /* cannot happen */
            if (B == lastB && pos == last_pos + 1 && last_less + last_eq > pos) {
                key = last_key; /* the next rank in the same run of equal keys */
                less = last_less;
                eq = last_eq;
                nxt = last_next;
            } else if (B == lastB && pos == last_pos + 1 && last_next != UINT64_MAX) {
                key = last_next; /* the next rank is the smallest larger key */
                less = last_less + last_eq;
                for (g = 0; g < B->len; g++) {
                    eq += B->gk[g] == key;
                    nxt = B->gk[g] > key && B->gk[g] < nxt ? B->gk[g] : nxt;
                }
            } else {
                /* the gathered order is needed only to find an index */
                uint64_t *sel = B->gk;
                if (out_i) {
                    for (g = 0; g < B->len; g++)
                        scratch[g] = B->gk[g];
                    sel = scratch;
                }
                key = radix_select_u64(sel, B->len, pos, &less, &eq, &nxt);
            }
            lastB = B;
            last_pos = pos;
            last_key = key;
            last_less = less;
            last_eq = eq;
            last_next = nxt;
            want = pos - less; /* 0-based among the equal keys, in index order */
            out_v[r] = cva__key_value(key);
            tie_after[r] = want + 1 < eq;
            if (out_i) {
                for (g = 0; g < B->len; g++)
                    if (B->gk[g] == key && want-- == 0)
                        break;
                out_i[r] = (int64_t)B->gi[g];
            }
        }
    }
    *nr_out = nr;
    return 1;
}

/* The sample and per-block arrays (allocating mode: on first need; blocks for
   three columns). */
static int sel_arrays(selws *w, size_t nb)
{
    if (!w->sample) {
        w->sample = (kidx *)cva__alloc(w->alloc, 2 * SAMPLE_MAX * sizeof(kidx));
        w->blk_eq = (uint32_t *)cva__alloc(w->alloc, 3 * CVA_RFM_MAX_PIVOTS * nb * sizeof(uint32_t));
        if (!w->sample || !w->blk_eq)
            return 0;
    }
    return 1;
}

static int select_sampled(const double *v, const double *mask, size_t n, double sign, const cva__sel_spec *spec,
                          selws *w, size_t *m_out, size_t *bad_out, uint64_t *ranks, size_t *nr_out,
                          double *out_v, int64_t *out_i, int *tie_after)
{
    colsel c;
    colsel *cp = &c;
    const size_t nb = n_blocks(n);
    const count_fn count = pick_count(spec->kernel);
    uint64_t *scratch = NULL;
    size_t i;
    int rc;
    if (!sampled_ok(spec, n))
        return 0;
    if (!sel_arrays(w, nb))
        return -1;
    if (!sel_prepare(&c, v, mask, n, sign, spec, w))
        return 0;
    c.blk_eq = w->blk_eq;
    c.ccount = pick_count_closed(spec->kernel);
    rc = sel_buffers(&cp, 1, w, &scratch);
    if (rc <= 0)
        return rc;
    for (i = 0; i < n; i += KBLOCK)
        sel_block(&c, i, n - i < KBLOCK ? n - i : KBLOCK, nb, count, NULL, NULL);
    return sel_finish(&c, n, nb, scratch, m_out, bad_out, ranks, nr_out, out_v, out_i, tie_after);
}

/* The sampled selection of nc columns sharing one mask with one counting
   pass, block by block (the mask of a block is read from memory once; see
   select_internal.h). */
int cva__select_fused(const double *const *v, const double *mask, const double *sign, int nc, size_t n,
                      const cva__sel_spec *spec, selws *w, cva__sel_result *ps)
{
    colsel c[CVA__SEL_MAX_COLS];
    colsel *cp[CVA__SEL_MAX_COLS];
    uint8_t kbits[SUPER_BLOCK / 8]; /* keep bits of the first column's superblock */
    int bits;
    const size_t nb = n_blocks(n);
    count_fn count;
    uint64_t *scratch = NULL;
    size_t i;
    int q, rc;
    if (nc < 1 || nc > CVA__SEL_MAX_COLS || !sampled_ok(spec, n))
        return 0;
    count = pick_count(spec->kernel);
    bits = cva__kernels_keep_bits(spec->kernel);
    if (!sel_arrays(w, nb))
        return -1;
    for (q = 0; q < nc; q++) {
        if (!sel_prepare(&c[q], v[q], mask, n, sign[q], spec, w))
            return 0;
        c[q].blk_eq = w->blk_eq + (size_t)q * CVA_RFM_MAX_PIVOTS * nb;
        c[q].ccount = pick_count_closed(spec->kernel);
        cp[q] = &c[q];
    }
    rc = sel_buffers(cp, nc, w, &scratch);
    if (rc <= 0)
        return rc;
    memset(kbits, 0, sizeof kbits);
    for (i = 0; i < n; i += SUPER_BLOCK) {
        const size_t send = n - i < SUPER_BLOCK ? n : i + SUPER_BLOCK;
        for (q = 0; q < nc; q++) {
            size_t b;
            for (b = i; b < send; b += KBLOCK)
                sel_block(&c[q], b, send - b < KBLOCK ? send - b : KBLOCK, nb, count,
                          bits && q > 0 ? kbits + (b - i) / 8 : NULL, bits && q == 0 ? kbits + (b - i) / 8 : NULL);
        }
    }
    for (q = 0; q < nc; q++)
        ps[q].rc = sel_finish(&c[q], n, nb, scratch, &ps[q].m, &ps[q].bad, ps[q].ranks, &ps[q].nr, ps[q].val,
                              spec->want_index ? ps[q].idx : NULL, ps[q].tie);
    return 1;
}

int cva__select(const double *v, const double *mask, size_t n, double sign, const cva__sel_spec *spec, selws *w,
                const cva__sel_result *pre, cva__sel_result *res)
{
    int rc;
    res->m = 0;
    res->bad = SIZE_MAX;
    res->nr = 0;
    if (pre) {
        *res = *pre;
        rc = pre->rc;
    } else {
        rc = select_sampled(v, mask, n, sign, spec, w, &res->m, &res->bad, res->ranks, &res->nr, res->val,
                            spec->want_index ? res->idx : NULL, res->tie);
    }
    if (rc < 0)
        return 0;
    if (!rc && !level1(v, mask, n, sign, w, &res->m, &res->bad))
        return 0;
    res->rc = 1;
    if (res->bad != SIZE_MAX || res->m == 0) {
        res->nr = 0;
        return 1;
    }
    if (!rc) {
        res->nr = make_ranks(spec, res->m, res->ranks);
        if (!select_ranks(v, mask, n, sign, res->ranks, res->nr, res->val, spec->want_index ? res->idx : NULL,
                          res->tie, w))
            return 0;
    }
    return 1;
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
                             const cva_rfm_opts *o, int32_t which, cva_rfm_cuts *cuts, selws *w,
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
    selws w;
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
    selws w;
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
