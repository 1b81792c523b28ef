/*
 * libcva — exact selection of order statistics (contract in
 * select_internal.h, which also holds the double → ordered-u64 key mapping):
 *   pass 1  histogram of the top 16 bits of an order-preserving integer key;
 *   then    the bucket holding each wanted rank is known from prefix sums;
 *   pass 2  the elements of those few buckets are gathered (in index order)
 *           and sorted by key with a stable LSD radix sort (index order kept
 *           within equal keys), which yields the exact (value, index) at
 *           every wanted rank.
 * Columns of at least 2^16 values and at most 10 fractions first try a
 * sampled selection (select_sampled: sample brackets, one vectorised counting
 * pass, gathered brackets, tie runs located from per-block counts, keys
 * inside a bracket found by radix_select_u64); it falls back to the
 * histogram path above when the sample misses a rank. cva__select_fused runs
 * the counting pass of several columns sharing one mask block by block.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"
#include "rfm_kernels.h"
#include "select_internal.h"

#define HIST_BITS 16
#define HIST_SIZE ((size_t)1 << HIST_BITS)
#define MAX_RANKS CVA__SEL_MAX_RANKS

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
            const size_t ie = i + 64 * e + cva__ctz64(bits);
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

/*
 * The counting pass in tasks (an executor of two or more workers): the rows in
 * FUSED_MAX_TASKS ranges of whole superblocks (fixed by n). Each task counts
 * into its own copy of every column's state; a bracket's gather space is cut
 * in the same proportions as the rows, so task t gathers into its own piece;
 * the pieces are then moved together in task order, which is index order, as
 * one pass gathers. The counts are integers (sums in any order are the same).
 * A piece that overflows makes the pass run again on the calling thread, so
 * the result (exact either way) and the path taken are those of one thread.
 */
#define FUSED_MAX_TASKS 16
#define FUSED_MIN_ROWS ((size_t)SUPER_BLOCK * 2)

typedef struct fused_part {
    int64_t tlt[CVA_RFM_MAX_PIVOTS], tle[CVA_RFM_MAX_PIVOTS];
    uint64_t kept, nbad;
    size_t len[CVA_RFM_MAX_PIVOTS];
    int overflow;
} fused_part;

typedef struct fused_job {
    const colsel *c; /* the prepared columns (read only) */
    int nc, bits;
    size_t n, nb, per; /* rows, blocks, superblocks per task */
    count_fn count;
    fused_part part[FUSED_MAX_TASKS][CVA__SEL_MAX_COLS];
} fused_job;

/* The piece of bracket j's gather space for rows [r0, r1). */
static size_t piece_start(const bracket *B, size_t r0, size_t n)
{
    return (size_t)((double)B->cap * ((double)r0 / (double)n));
}

static void fused_task(void *arg, size_t t, unsigned worker)
{
    fused_job *fj = (fused_job *)arg;
    colsel c[CVA__SEL_MAX_COLS];
    uint8_t kbits[SUPER_BLOCK / 8];
    const size_t r0 = t * fj->per * SUPER_BLOCK, r1 = fj->n - r0 < fj->per * SUPER_BLOCK ? fj->n : r0 + fj->per * SUPER_BLOCK;
    size_t i;
    int q;
    int32_t j;
    (void)worker;
    for (q = 0; q < fj->nc; q++) {
        c[q] = fj->c[q];
        memset(c[q].tlt, 0, sizeof c[q].tlt);
        memset(c[q].tle, 0, sizeof c[q].tle);
        c[q].kept = c[q].nbad = 0;
        c[q].overflow = 0;
        for (j = 0; j < c[q].nbr; j++) {
            bracket *B = &c[q].br[j];
            const size_t a = piece_start(B, r0, fj->n), b = r1 == fj->n ? B->cap : piece_start(B, r1, fj->n);
            B->gk += a;
            if (B->gi)
                B->gi += a;
            B->cap = b - a;
            B->len = 0;
        }
    }
    memset(kbits, 0, sizeof kbits);
    for (i = r0; i < r1; i += SUPER_BLOCK) {
        const size_t send = r1 - i < SUPER_BLOCK ? r1 : i + SUPER_BLOCK;
        for (q = 0; q < fj->nc; q++) {
            size_t b;
            for (b = i; b < send; b += KBLOCK)
                sel_block(&c[q], b, send - b < KBLOCK ? send - b : KBLOCK, fj->nb, fj->count,
                          fj->bits && q > 0 ? kbits + (b - i) / 8 : NULL,
                          fj->bits && q == 0 ? kbits + (b - i) / 8 : NULL);
        }
    }
    for (q = 0; q < fj->nc; q++) {
        fused_part *fp = &fj->part[t][q];
        memcpy(fp->tlt, c[q].tlt, sizeof fp->tlt);
        memcpy(fp->tle, c[q].tle, sizeof fp->tle);
        fp->kept = c[q].kept;
        fp->nbad = c[q].nbad;
        fp->overflow = c[q].overflow;
        for (j = 0; j < c[q].nbr; j++)
            fp->len[j] = c[q].br[j].len;
    }
}

/* The counting pass of fused_task over every range, then the parts combined
   into c. Returns 0 when a piece overflowed (c's counters are then untouched). */
static int fused_parallel(colsel *c, int nc, size_t n, size_t nb, count_fn count, int bits, const cva_executor *ex)
{
    fused_job fj;
    const size_t nsb = (n + SUPER_BLOCK - 1) / SUPER_BLOCK;
    size_t T, t;
    int q, k;
    int32_t j;
    fj.c = c;
    fj.nc = nc;
    fj.bits = bits;
    fj.n = n;
    fj.nb = nb;
    fj.count = count;
    T = n / FUSED_MIN_ROWS;
    if (T > FUSED_MAX_TASKS)
        T = FUSED_MAX_TASKS;
    fj.per = (nsb + T - 1) / T;
    T = (nsb + fj.per - 1) / fj.per;
    cva__parallel_for(ex, T, fused_task, &fj);
    for (t = 0; t < T; t++)
        for (q = 0; q < nc; q++)
            if (fj.part[t][q].overflow)
                return 0;
    for (q = 0; q < nc; q++) {
        const int32_t nt = c[q].closed ? c[q].nbr : c[q].np;
        for (t = 0; t < T; t++) {
            const fused_part *fp = &fj.part[t][q];
            for (k = 0; k < nt; k++) {
                c[q].tlt[k] += fp->tlt[k];
                c[q].tle[k] += fp->tle[k];
            }
            c[q].kept += fp->kept;
            c[q].nbad += fp->nbad;
        }
        for (j = 0; j < c[q].nbr; j++) {
            bracket *B = &c[q].br[j];
            size_t len = 0;
            for (t = 0; t < T; t++) {
                const size_t a = piece_start(B, t * fj.per * SUPER_BLOCK, n), l = fj.part[t][q].len[j];
                if (a != len && l > 0) {
                    memmove(B->gk + len, B->gk + a, l * sizeof *B->gk);
                    if (B->gi)
                        memmove(B->gi + len, B->gi + a, l * sizeof *B->gi);
                }
                len += l;
            }
            B->len = len;
        }
    }
    return 1;
}

/* The sampled selection of nc columns sharing one mask with one counting
   pass, block by block (the mask of a block is read from memory once; see
   select_internal.h). */
int cva__select_fused(const double *const *v, const double *mask, const double *sign, int nc, size_t n,
                      const cva__sel_spec *spec, selws *w, const cva_executor *ex, cva__sel_result *ps)
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
    if (cva__workers(ex) > 1 && n >= 2 * FUSED_MIN_ROWS && fused_parallel(c, nc, n, nb, count, bits, ex))
        i = n; /* counted in tasks */
    else
        i = 0;
    for (; i < n; i += SUPER_BLOCK) {
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
