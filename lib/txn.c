/*
 * libcva — transaction summaries (SPEC §2, §5.2).
 *
 * Algorithm, O(n) expected:
 *  1. validate rows, find the observation end, count rows in the window;
 *  2. map every customer id (and referrer id) to a dense index with an
 *     open-addressing hash table (the last id is cached, so logs grouped by
 *     customer hash once per customer);
 *  3. sort the distinct ids (LSD radix) and give each dense index its rank;
 *  4. counting-sort the rows by rank into records {t, amount, cost, period}
 *     (stable, so input order is kept within a customer);
 *  5. per customer, order its records by (period, t) with a stable merge
 *     sort when they are not already in order, then compute everything in
 *     one pass with Neumaier sums in that fixed order.
 * Nothing is written to the caller's outputs before the last point at which
 * the call can fail (the capacity check).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define CVA_PREFETCH_(addr) __builtin_prefetch(addr)
#else
#define CVA_PREFETCH_(addr) ((void)0)
#endif

/* Smallest cva_txn_opts size ever released (0.1.0: the whole struct). */
#define TXN_OPTS_MIN_SIZE sizeof(cva_txn_opts)

static const cva_txn_opts txn_defaults = {
    .struct_size = sizeof(cva_txn_opts),
    .refund_policy = CVA_REFUND_NET,
    .flags = 0,
    .time_convention = CVA_TIME_CONTINUOUS,
    .obs_end = NAN,
    .obs_start = -INFINITY,
    .period_length = 1.0,
    .period_origin = 0.0,
    .time_scale = 1.0,
    .calibration_end = NAN,
    .alloc = NULL,
};

cva_status cva_txn_opts_init_defaults(cva_txn_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < TXN_OPTS_MIN_SIZE || struct_size > sizeof(cva_txn_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &txn_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

cva_status cva_txn_summary_init(cva_txn_summary *summary, size_t struct_size)
{
    if (!summary)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_txn_summary))
        return CVA_E_ABI_MISMATCH;
    memset(summary, 0, sizeof *summary);
    summary->struct_size = (uint32_t)sizeof *summary;
    return CVA_OK;
}

/* ------------------------------------------------------------------------ */
/* Records and helpers                                                      */

typedef struct txn_rec {
    double t;
    double amount;
    double cost;
    int64_t period;
} txn_rec;

typedef struct hslot {
    int64_t key;
    uint32_t val; /* dense index; UINT32_MAX = empty */
    uint32_t pad;
} hslot;

#define EMPTY_SLOT UINT32_MAX
#define ALIGN_UP(x) (((x) + 15u) & ~(size_t)15u)

/* Sizes of the workspace parts, computed once for both modes. */
typedef struct txn_layout {
    size_t n;          /* rows */
    size_t max_keys;   /* bound on distinct ids */
    size_t hash_cap;   /* slots, a power of two >= 2*max_keys */
    int has_ref;
} txn_layout;

static size_t next_pow2(size_t v)
{
    size_t p = 16;
    while (p < v)
        p <<= 1;
    return p;
}

/* checked a*b + c into *out; returns 0 on overflow */
static int mul_add(size_t a, size_t b, size_t c, size_t *out)
{
    if (b != 0 && a > (SIZE_MAX - c) / b)
        return 0;
    *out = a * b + c;
    return 1;
}

/* add ALIGN_UP(count * size) to *total; 0 on overflow. Mirrors arena_get(). */
static int add_part(size_t *total, size_t count, size_t size)
{
    size_t part;
    if (count == 0)
        count = 1;
    if (!mul_add(count, size, 15, &part) || part > SIZE_MAX - *total)
        return 0;
    *total += part & ~(size_t)15u;
    return 1;
}

/* Worst-case workspace: the same parts, in the same order, as cva_txn_summarize() takes. */
static int layout_bytes(const txn_layout *L, size_t *bytes)
{
    size_t total = 0;
    int ok = add_part(&total, L->n, sizeof(uint32_t));                 /* slot */
    if (L->has_ref)
        ok = ok && add_part(&total, L->n, sizeof(uint32_t));           /* ref_slot */
    ok = ok && add_part(&total, L->hash_cap, sizeof(hslot));           /* hash table */
    ok = ok && add_part(&total, L->max_keys, sizeof(int64_t));         /* keys */
    ok = ok && add_part(&total, L->max_keys, 16);                      /* pairs */
    ok = ok && add_part(&total, L->max_keys, 16);                      /* pair buffer */
    ok = ok && add_part(&total, L->max_keys, sizeof(uint32_t));        /* rank */
    ok = ok && add_part(&total, L->max_keys + 1, sizeof(size_t));      /* offsets */
    ok = ok && add_part(&total, L->n, sizeof(txn_rec));                /* records */
    ok = ok && add_part(&total, L->n, sizeof(txn_rec));                /* merge buffer */
    if (ok)
        *bytes = total;
    return ok;
}

static int is_purchase(double amount, int32_t policy, int32_t flags)
{
    if (policy == CVA_REFUND_AS_ROW)
        return !((flags & CVA_F_ZERO_NOT_PURCHASE) && !(amount < 0.0) && !(amount > 0.0));
    if (flags & CVA_F_ZERO_NOT_PURCHASE)
        return amount > 0.0;
    return amount >= 0.0;
}

/* Money that counts towards totals and occasion spend. */
static int counts_as_money(double amount, int32_t policy)
{
    return policy != CVA_REFUND_EXCLUDE || amount >= 0.0;
}

static inline size_t hash_index(int64_t key, unsigned bits)
{
    uint64_t h = (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> (64 - bits));
}

/* Growable open-addressing id -> dense index map. */
typedef struct idmap {
    hslot *slots;
    size_t cap;
    unsigned bits;
    size_t count;
    int64_t *keys; /* dense index -> key */
    size_t keys_cap;
    const cva_allocator *alloc; /* non-NULL => growable */
    int growable;
} idmap;

static void idmap_clear(hslot *s, size_t cap)
{
    size_t i;
    for (i = 0; i < cap; i++)
        s[i].val = EMPTY_SLOT;
}

static unsigned log2_of(size_t cap)
{
    unsigned b = 0;
    while (((size_t)1 << b) < cap)
        b++;
    return b;
}

static int idmap_grow(idmap *m)
{
    size_t ncap = m->cap * 2, i;
    unsigned nbits = m->bits + 1;
    hslot *ns = (hslot *)cva__alloc(m->alloc, ncap * sizeof(hslot));
    int64_t *nk;
    if (!ns)
        return 0;
    idmap_clear(ns, ncap);
    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].val != EMPTY_SLOT) {
            size_t h = hash_index(m->slots[i].key, nbits);
            while (ns[h].val != EMPTY_SLOT)
                h = (h + 1) & (ncap - 1);
            ns[h] = m->slots[i];
        }
    }
    nk = (int64_t *)cva__alloc(m->alloc, (ncap / 2) * sizeof(int64_t));
    if (!nk) {
        cva__free(m->alloc, ns);
        return 0;
    }
    memcpy(nk, m->keys, m->count * sizeof(int64_t));
    cva__free(m->alloc, m->slots);
    cva__free(m->alloc, m->keys);
    m->slots = ns;
    m->keys = nk;
    m->cap = ncap;
    m->bits = nbits;
    m->keys_cap = ncap / 2;
    return 1;
}

/* Returns the dense index or EMPTY_SLOT on allocation failure. */
static inline uint32_t idmap_get(idmap *m, int64_t key)
{
    size_t h = hash_index(key, m->bits);
    for (;;) {
        hslot *s = &m->slots[h];
        if (s->val == EMPTY_SLOT)
            break;
        if (s->key == key)
            return s->val;
        h = (h + 1) & (m->cap - 1);
    }
    if (m->count >= m->keys_cap) {
        if (!m->growable || !idmap_grow(m))
            return EMPTY_SLOT;
        return idmap_get(m, key);
    }
    m->slots[h].key = key;
    m->slots[h].val = (uint32_t)m->count;
    m->keys[m->count] = key;
    return (uint32_t)m->count++;
}

/* LSD radix sort of (key, payload) pairs by key as unsigned; 11-bit digits, constant passes skipped. */
typedef struct kpair {
    uint64_t key;
    uint64_t val;
} kpair;

static kpair *radix_sort_pairs(kpair *a, kpair *tmp, size_t n)
{
    size_t count[2048];
    unsigned shift;
    for (shift = 0; shift < 64; shift += 11) {
        size_t i, sum = 0;
        kpair *t;
        memset(count, 0, sizeof count);
        for (i = 0; i < n; i++)
            count[(a[i].key >> shift) & 2047u]++;
        if (n == 0 || count[(a[0].key >> shift) & 2047u] == n)
            continue; /* every key has the same digit */
        for (i = 0; i < 2048; i++) {
            size_t c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            tmp[count[(a[i].key >> shift) & 2047u]++] = a[i];
        t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

static inline uint64_t id_order_key(int64_t id)
{
    return (uint64_t)id ^ (UINT64_C(1) << 63);
}

static inline int rec_less(const txn_rec *x, const txn_rec *y)
{
    return x->period < y->period || (x->period == y->period && x->t < y->t);
}

/* Stable merge sort of a[0..n) by (period, t), tmp has n slots. */
static void merge_sort_recs(txn_rec *a, txn_rec *tmp, size_t n)
{
    size_t width, i;
    if (n < 2)
        return;
    /* insertion sort runs of 16, then bottom-up merges */
    for (i = 0; i < n; i += 16) {
        size_t end = i + 16 < n ? i + 16 : n, j;
        for (j = i + 1; j < end; j++) {
            txn_rec v = a[j];
            size_t k = j;
            while (k > i && rec_less(&v, &a[k - 1])) {
                a[k] = a[k - 1];
                k--;
            }
            a[k] = v;
        }
    }
    for (width = 16; width < n; width *= 2) {
        txn_rec *src = a, *dst = tmp;
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n;
            size_t hi = i + 2 * width < n ? i + 2 * width : n;
            size_t p = lo, q = mid, k = lo;
            while (p < mid && q < hi)
                dst[k++] = rec_less(&src[q], &src[p]) ? src[q++] : src[p++];
            while (p < mid)
                dst[k++] = src[p++];
            while (q < hi)
                dst[k++] = src[q++];
        }
        memcpy(a, tmp, n * sizeof(txn_rec));
    }
}

/* ------------------------------------------------------------------------ */

static cva_status check_opts(const cva_txn_opts *o, const cva_txn_input *in, cva_diag *diag)
{
    if (o->refund_policy < CVA_REFUND_NET || o->refund_policy > CVA_REFUND_EXCLUDE)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_REFUND_POLICY, -1, 0,
                           "refund_policy must be CVA_REFUND_NET, _AS_ROW or _EXCLUDE");
    if (o->flags & ~(CVA_F_ZERO_NOT_PURCHASE | CVA_F_SKIP_INVALID))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_FLAGS, -1, 0, "unknown flag bits");
    if (o->time_convention != CVA_TIME_CONTINUOUS && o->time_convention != CVA_TIME_PERIOD)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_CONVENTION, -1, 0,
                           "time_convention must be CVA_TIME_CONTINUOUS or CVA_TIME_PERIOD");
    if (o->time_convention == CVA_TIME_PERIOD && in->period)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_CONVENTION, -1, 0,
                           "CVA_TIME_PERIOD needs the period formula, not a caller period array");
    if (!(isfinite(o->period_length) && o->period_length > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_LENGTH, -1, 0,
                           "period_length must be finite and > 0");
    if (!isfinite(o->period_origin))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_ORIGIN, -1, 0,
                           "period_origin must be finite");
    if (!(isfinite(o->time_scale) && o->time_scale > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_SCALE, -1, 0,
                           "time_scale must be finite and > 0");
    if (isinf(o->obs_end))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_END, -1, 0,
                           "obs_end must be finite or NaN (latest time)");
    if (isnan(o->obs_start) || (isinf(o->obs_start) && o->obs_start > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0,
                           "obs_start must be finite or -INFINITY");
    if (!isnan(o->obs_end) && o->obs_start > o->obs_end)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0,
                           "obs_start is after obs_end");
    if (isinf(o->calibration_end))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                           "calibration_end must be finite or NaN (no split)");
    if (!isnan(o->calibration_end) &&
        ((!isnan(o->obs_end) && o->calibration_end > o->obs_end) || o->calibration_end < o->obs_start))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                           "calibration_end must lie within [obs_start, obs_end]");
    return CVA_OK;
}

/* Validate the input struct itself (not the rows). */
static cva_status check_input(const cva_txn_input *in, cva_diag *diag)
{
    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_txn_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_txn_input size");
    if (in->n > 0 && !in->customer_id)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->customer_id is NULL");
    if (in->n > 0 && !in->t)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->t is NULL");
    if (in->n > 0 && !in->amount)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->amount is NULL");
    if (in->n >= (size_t)UINT32_MAX / 2)
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "more than 2^31 rows per call");
    return CVA_OK;
}

static cva_status get_opts(const cva_txn_opts *opts, cva_txn_opts *o, cva_diag *diag)
{
    *o = txn_defaults;
    if (opts && cva__copy_sized(o, sizeof *o, opts, TXN_OPTS_MIN_SIZE) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "unsupported cva_txn_opts size");
    return CVA_OK;
}

static void make_layout(const cva_txn_input *in, txn_layout *L)
{
    L->n = in->n;
    L->has_ref = in->referrer_id != NULL;
    L->max_keys = in->n * (L->has_ref ? 2u : 1u);
    L->hash_cap = next_pow2(2 * L->max_keys + 1);
}

cva_status cva_txn_workspace_size(const cva_txn_input *in, const cva_txn_opts *opts, size_t *bytes)
{
    txn_layout L;
    cva_status st;
    cva_txn_opts o;
    if (!bytes)
        return CVA_E_NULLPTR;
    if ((st = check_input(in, NULL)) < 0)
        return st;
    if ((st = get_opts(opts, &o, NULL)) < 0)
        return st;
    make_layout(in, &L);
    if (!layout_bytes(&L, bytes))
        return CVA_E_OVERFLOW;
    return CVA_OK;
}

/* Bump allocator over a caller workspace, or per-part allocation. */
typedef struct arena {
    unsigned char *base;
    size_t size, used;
    const cva_allocator *alloc; /* used when base == NULL */
    void *parts[16];
    int n_parts;
} arena;

static void *arena_get(arena *a, size_t bytes)
{
    if (a->base) {
        void *p;
        size_t need = ALIGN_UP(bytes);
        if (need > a->size - a->used)
            return NULL;
        p = a->base + a->used;
        a->used += need;
        return p;
    }
    if (a->n_parts >= 16)
        return NULL;
    return a->parts[a->n_parts++] = cva__alloc(a->alloc, bytes);
}

static void arena_release(arena *a)
{
    int i;
    for (i = 0; i < a->n_parts; i++)
        cva__free(a->alloc, a->parts[i]);
    a->n_parts = 0;
}

static inline int64_t period_of(double t, const cva_txn_opts *o)
{
    double p = floor((t - o->period_origin) / o->period_length);
    if (p >= 9.2e18)
        return INT64_MAX;
    if (p <= -9.2e18)
        return INT64_MIN;
    return (int64_t)p;
}

/* Shared context of the per-customer pass. */
typedef struct txn_ctx {
    const cva_txn_opts *o;
    int has_cal;
    double obs_end, cal_end, ref_end;
    txn_rec *rtmp; /* merge buffer of at least the longest segment */
} txn_ctx;

/* Statistics of one customer from its records (input order; sorted here when
   needed) into row k of every requested output. */
static void emit_customer(const txn_ctx *c, txn_rec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j;
    uint32_t n_txn = 0, n_occ = 0, n_refund = 0, hold_occ = 0;
    double first_t = NAN, last_t = NAN;
    double occ_first = NAN, occ_last = NAN; /* earliest purchase of the first / last occasion */
    int64_t first_p = 0, last_p = 0;
    cva__ksum total = {0, 0}, cost = {0, 0}, refund = {0, 0}, repeat = {0, 0}, hold = {0, 0};
    int sorted_seg = 1;

    for (j = 1; j < len; j++)
        if (rec_less(&seg[j], &seg[j - 1])) {
            sorted_seg = 0;
            break;
        }
    if (!sorted_seg)
        merge_sort_recs(seg, c->rtmp, len);

    j = 0;
    while (j < len) {
        /* one group: same period and same side of the calibration end */
        int64_t p = seg[j].period;
        int holdout = c->has_cal && seg[j].t > c->cal_end;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = NAN; /* earliest purchase row of the group (rows are in time order) */
        for (; j < len && seg[j].period == p && (c->has_cal && seg[j].t > c->cal_end) == holdout; j++) {
            const txn_rec *r = &seg[j];
            int purchase = is_purchase(r->amount, c->o->refund_policy, c->o->flags);
            int money = counts_as_money(r->amount, c->o->refund_policy);
            if (money)
                cva__ksum_add(&spend, r->amount);
            if (holdout) {
                any_purchase |= purchase;
                continue;
            }
            cva__ksum_add(&cost, r->cost);
            if (r->amount < 0.0) {
                n_refund++;
                cva__ksum_add(&refund, r->amount);
            }
            if (money)
                cva__ksum_add(&total, r->amount);
            if (purchase) {
                if (!any_purchase)
                    group_t = r->t;
                any_purchase = 1;
                n_txn++;
                if (n_txn == 1 || r->t < first_t) {
                    first_t = r->t;
                    first_p = r->period;
                }
                if (n_txn == 1 || r->t >= last_t) {
                    last_t = r->t;
                    last_p = r->period;
                }
            }
        }
        if (!any_purchase)
            continue;
        if (holdout) {
            hold_occ++;
            cva__ksum_add(&hold, cva__ksum_value(&spend));
        } else {
            n_occ++;
            if (n_occ == 1)
                occ_first = group_t;
            occ_last = group_t;
            if (n_occ > 1)
                cva__ksum_add(&repeat, cva__ksum_value(&spend));
        }
    }

    if (out->n_txn)
        out->n_txn[k] = n_txn;
    if (out->n_occ)
        out->n_occ[k] = n_occ;
    if (out->n_refund)
        out->n_refund[k] = n_refund;
    if (out->first_t)
        out->first_t[k] = first_t;
    if (out->last_t)
        out->last_t[k] = last_t;
    if (out->total_amount)
        out->total_amount[k] = cva__ksum_value(&total);
    if (out->total_cost)
        out->total_cost[k] = cva__ksum_value(&cost);
    if (out->refund_amount)
        out->refund_amount[k] = cva__ksum_value(&refund);
    {
        double x = NAN, tx = NAN, T = NAN, mx = NAN, since = NAN;
        if (n_occ > 0) {
            x = (double)(n_occ - 1);
            if (c->o->time_convention == CVA_TIME_CONTINUOUS) {
                /* between the first purchases of the first and the last occasion, so
                   that x = 0 implies t_x = 0 also with fractional times */
                tx = (occ_last - occ_first) / c->o->time_scale;
                T = (c->ref_end - occ_first) / c->o->time_scale;
            } else {
                double f = c->o->period_length / c->o->time_scale;
                tx = (double)(last_p - first_p) * f;
                T = (double)(period_of(c->ref_end, c->o) - first_p) * f;
            }
            mx = n_occ > 1 ? cva__ksum_value(&repeat) / x : 0.0;
            since = c->ref_end - last_t;
        }
        if (out->frequency)
            out->frequency[k] = x;
        if (out->recency)
            out->recency[k] = tx;
        if (out->T)
            out->T[k] = T;
        if (out->monetary_value)
            out->monetary_value[k] = mx;
        if (out->days_since_last)
            out->days_since_last[k] = since;
    }
    if (out->frequency_holdout)
        out->frequency_holdout[k] = (double)hold_occ;
    if (out->monetary_value_holdout)
        out->monetary_value_holdout[k] = hold_occ ? cva__ksum_value(&hold) / (double)hold_occ : 0.0;
    if (out->duration_holdout)
        out->duration_holdout[k] = (c->obs_end - c->cal_end) / c->o->time_scale;
}

/*
 * Partitioned grouping (used when there is no referrer array). Random access
 * over all rows is what makes a log of interleaved ids slow (a hash probe and
 * a scattered record write per row, each a cache and TLB miss), so:
 *  a. rows in the window are scattered into P = 2^bits partitions by the top
 *     bits of the id hash (P sequential write streams), as 24-byte
 *     {id, t, amount} rows plus optional cost/period columns; stable;
 *  b. each partition (tens of thousands of rows, cache-resident) maps its ids
 *     to local indices with a small hash table and is counting-sorted by local
 *     index through a partition-sized buffer, so every customer becomes one
 *     contiguous segment in input order (as the global counting sort gave);
 *  c. the distinct ids are radix-sorted once; the per-customer pass visits the
 *     segments in id order, expanding each into txn_rec records.
 * Returns CVA_OK with *K_out set, CVA_E_BUFFER_TOO_SMALL after reporting, or
 * CVA_E_NOMEM when the arena is exhausted (nothing written in either case).
 */
typedef struct prow {
    int64_t id;
    double t;
    double amount;
} prow;

#define PART_MAX_BITS 10u
#define PART_TARGET_ROWS 16384u
#define PART_WC_ROWS 8u

static inline int in_window(const cva_txn_input *in, size_t i, const cva_txn_opts *o, double obs_end)
{
    double t = in->t[i];
    return isfinite(t) && isfinite(in->amount[i]) && (!in->cost || isfinite(in->cost[i])) &&
           t >= o->obs_start && t <= obs_end;
}

static inline uint64_t id_hash(int64_t key)
{
    return (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
}

static cva_status summarize_partitioned(const cva_txn_input *in, const txn_ctx *cx, arena *ar,
                                        cva_txn_summary *out, cva_diag *diag, size_t *n_window_out,
                                        size_t *K_out)
{
    const cva_txn_opts *o = cx->o;
    const size_t n = in->n;
    size_t nw = 0, i, p, P, m_max = 0, K = 0, max_seg = 0, k, hcap;
    unsigned bits = 0;
    size_t cnt[(size_t)1 << PART_MAX_BITS], pos[(size_t)1 << PART_MAX_BITS];
    size_t kbase[((size_t)1 << PART_MAX_BITS) + 1];
    unsigned char wfill[(size_t)1 << PART_MAX_BITS];
    prow *S, *wc;
    double *Sc = NULL;
    int64_t *Sp = NULL, *lkeys, *keys;
    uint32_t *lidx, *lcnt, *rank;
    hslot *ht;
    kpair *pairs, *ptmp, *sorted;
    txn_rec *R, *rtmp;
    txn_ctx c = *cx;

    /* a. histogram of partitions (sized from n: the window is not known to be smaller) */
    while (bits < PART_MAX_BITS && (n >> bits) > PART_TARGET_ROWS)
        bits++;
    P = (size_t)1 << bits;
    memset(cnt, 0, P * sizeof cnt[0]);
#define PART_OF_(id) (bits ? (size_t)(id_hash(id) >> (64 - bits)) : 0)
    for (i = 0; i < n; i++)
        if (in_window(in, i, o, cx->obs_end))
            cnt[PART_OF_(in->customer_id[i])]++;
    for (p = 0; p < P; p++) {
        pos[p] = nw;
        nw += cnt[p];
        if (cnt[p] > m_max)
            m_max = cnt[p];
    }
    S = (prow *)arena_get(ar, (nw ? nw : 1) * sizeof(prow));
    lidx = (uint32_t *)arena_get(ar, (nw ? nw : 1) * sizeof(uint32_t));
    wc = (prow *)arena_get(ar, P * PART_WC_ROWS * sizeof(prow));
    if (!S || !lidx || !wc)
        return CVA_E_NOMEM;
    if (in->cost && !(Sc = (double *)arena_get(ar, (nw ? nw : 1) * sizeof(double))))
        return CVA_E_NOMEM;
    if (in->period && !(Sp = (int64_t *)arena_get(ar, (nw ? nw : 1) * sizeof(int64_t))))
        return CVA_E_NOMEM;

    /* scatter, stable; rows go through a small per-partition buffer so the
       big array sees whole runs of PART_WC_ROWS rows (fewer TLB misses) */
    memset(wfill, 0, P);
    for (i = 0; i < n; i++) {
        size_t q;
        prow *r;
        unsigned f;
        if (!in_window(in, i, o, cx->obs_end))
            continue;
        q = PART_OF_(in->customer_id[i]);
        f = wfill[q];
        r = &wc[q * PART_WC_ROWS + f];
        r->id = in->customer_id[i];
        r->t = in->t[i];
        r->amount = in->amount[i];
        if (Sc)
            Sc[pos[q] + f] = in->cost[i];
        if (Sp)
            Sp[pos[q] + f] = in->period[i];
        if (++f == PART_WC_ROWS) {
            memcpy(&S[pos[q]], &wc[q * PART_WC_ROWS], PART_WC_ROWS * sizeof(prow));
            pos[q] += PART_WC_ROWS;
            f = 0;
        }
        wfill[q] = (unsigned char)f;
    }
    for (p = 0; p < P; p++)
        if (wfill[p])
            memcpy(&S[pos[p]], &wc[p * PART_WC_ROWS], wfill[p] * sizeof(prow));

    /* b1. map each partition's ids to local indices (small, cache-resident table) */
    hcap = next_pow2(2 * m_max + 1);
    ht = (hslot *)arena_get(ar, hcap * sizeof(hslot));
    lkeys = (int64_t *)arena_get(ar, (m_max ? m_max : 1) * sizeof(int64_t));
    lcnt = (uint32_t *)arena_get(ar, (m_max + 1) * sizeof(uint32_t));
    keys = (int64_t *)arena_get(ar, (nw ? nw : 1) * sizeof(int64_t));
    if (!ht || !lkeys || !lcnt || !keys)
        return CVA_E_NOMEM;
    {
        size_t base = 0;
        for (p = 0; p < P; p++) {
            size_t m = cnt[p], cap = next_pow2(2 * m + 1), kp = 0, l;
            const prow *Sb = S + base;
            uint32_t *Lb = lidx + base;
            int64_t last_id = 0;
            uint32_t last = EMPTY_SLOT;
            unsigned lbits = log2_of(cap);
            for (l = 0; l < cap; l++)
                ht[l].val = EMPTY_SLOT;
            for (i = 0; i < m; i++) {
                int64_t id = Sb[i].id;
                size_t h;
                if (last != EMPTY_SLOT && id == last_id) {
                    Lb[i] = last;
                    continue;
                }
                h = (size_t)((id_hash(id) << bits) >> (64 - lbits));
                for (;;) {
                    if (ht[h].val == EMPTY_SLOT) {
                        ht[h].key = id;
                        ht[h].val = (uint32_t)kp;
                        keys[K + kp++] = id;
                        break;
                    }
                    if (ht[h].key == id)
                        break;
                    h = (h + 1) & (cap - 1);
                }
                last = Lb[i] = ht[h].val;
                last_id = id;
            }
            /* longest segment, for the merge buffer */
            memset(lcnt, 0, kp * sizeof(uint32_t));
            for (i = 0; i < m; i++)
                lcnt[Lb[i]]++;
            for (l = 0; l < kp; l++)
                if (lcnt[l] > max_seg)
                    max_seg = lcnt[l];
            kbase[p] = K;
            K += kp;
            base += m;
        }
        kbase[P] = K;
    }
    *n_window_out = nw;
    *K_out = K;

    if (out->capacity < K) {
        out->n_customers = K;
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                           "out->capacity is less than the number of customers");
    }

    /* b2. sort the distinct ids once: rank of every (partition, local index) */
    pairs = (kpair *)arena_get(ar, (K ? K : 1) * sizeof(kpair));
    ptmp = (kpair *)arena_get(ar, (K ? K : 1) * sizeof(kpair));
    rank = (uint32_t *)arena_get(ar, (K ? K : 1) * sizeof(uint32_t));
    R = (txn_rec *)arena_get(ar, (m_max ? m_max : 1) * sizeof(txn_rec));
    rtmp = (txn_rec *)arena_get(ar, (max_seg ? max_seg : 1) * sizeof(txn_rec));
    if (!pairs || !ptmp || !rank || !R || !rtmp)
        return CVA_E_NOMEM;
    for (k = 0; k < K; k++) {
        pairs[k].key = id_order_key(keys[k]);
        pairs[k].val = k;
    }
    sorted = radix_sort_pairs(pairs, ptmp, K);

    /* From here on nothing can fail: write the outputs. */
    out->n_customers = K;
    for (k = 0; k < K; k++) {
        rank[sorted[k].val] = (uint32_t)k;
        out->customer_id[k] = (int64_t)(sorted[k].key ^ (UINT64_C(1) << 63));
    }

    /* c. per partition: counting sort into cache-resident records (stable, so
       each customer's rows keep input order), then one pass per customer */
    c.rtmp = rtmp;
    {
        size_t base = 0;
        for (p = 0; p < P; p++) {
            size_t m = cnt[p], kp = kbase[p + 1] - kbase[p], l;
            const prow *Sb = S + base;
            const uint32_t *Lb = lidx + base;
            uint32_t sum = 0;
            memset(lcnt, 0, kp * sizeof(uint32_t));
            for (i = 0; i < m; i++)
                lcnt[Lb[i]]++;
            for (l = 0; l < kp; l++) {
                uint32_t v = lcnt[l];
                lcnt[l] = sum;
                sum += v;
            }
            for (i = 0; i < m; i++) {
                txn_rec *r = &R[lcnt[Lb[i]]++];
                r->t = Sb[i].t;
                r->amount = Sb[i].amount;
                r->cost = Sc ? Sc[base + i] : 0.0;
                r->period = Sp ? Sp[base + i] : period_of(Sb[i].t, o);
            }
            /* lcnt[l] is now the end of local customer l */
            for (l = 0; l < kp; l++) {
                uint32_t a = l ? lcnt[l - 1] : 0;
                emit_customer(&c, R + a, lcnt[l] - a, out, rank[kbase[p] + l]);
            }
            base += m;
        }
    }
#undef PART_OF_
    /* no referrer array: every referral aggregate is empty */
    if (out->ref_n_txn)
        memset(out->ref_n_txn, 0, K * sizeof(uint32_t));
    if (out->ref_n_cust)
        memset(out->ref_n_cust, 0, K * sizeof(uint32_t));
    for (k = 0; k < K; k++) {
        if (out->ref_amount)
            out->ref_amount[k] = 0.0;
        if (out->ref_last_t)
            out->ref_last_t[k] = NAN;
    }
    return CVA_OK;
}

cva_status cva_txn_summarize(const cva_txn_input *in, const cva_txn_opts *opts, cva_txn_summary *out,
                             void *work, size_t work_size, cva_diag *diag)
{
    cva_txn_opts o;
    cva_status st;
    txn_layout L;
    arena ar;
    size_t n, i, n_window = 0, n_invalid = 0, K = 0, k;
    double obs_end, ref_end, cal_end;
    int has_cal, skip_invalid;
    uint32_t *slot = NULL, *ref_slot = NULL, *rank = NULL;
    size_t *offs = NULL;
    kpair *pairs = NULL, *ptmp = NULL, *sorted;
    txn_rec *recs = NULL, *rtmp = NULL;
    idmap map;
    cva_status result = CVA_OK;

    memset(&ar, 0, sizeof ar);
    memset(&map, 0, sizeof map);
    if ((st = check_input(in, diag)) < 0)
        return st;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "out is NULL");
    if (out->struct_size != sizeof(cva_txn_summary))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 3, 0, -1, 0, "unknown cva_txn_summary size");
    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if ((st = check_opts(&o, in, diag)) < 0)
        return st;
    if (out->capacity > 0 && !out->customer_id)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0,
                           "out->customer_id is NULL (it is required to label the rows)");
    if (out->frequency_holdout || out->monetary_value_holdout || out->duration_holdout) {
        if (isnan(o.calibration_end))
            return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                               "holdout outputs requested without calibration_end");
    }

    n = in->n;
    skip_invalid = (o.flags & CVA_F_SKIP_INVALID) != 0;

    /* 1. validate rows, find the end of observation */
    {
        double tmax = -INFINITY;
        for (i = 0; i < n; i++) {
            double t = in->t[i], a = in->amount[i];
            int bad = !isfinite(t) || !isfinite(a) || (in->cost && !isfinite(in->cost[i]));
            if (bad) {
                if (!skip_invalid) {
                    const char *what = !isfinite(t) ? "time is NaN or infinite"
                                       : !isfinite(a) ? "amount is NaN or infinite"
                                                      : "cost is NaN or infinite";
                    return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, what);
                }
                n_invalid++;
                continue;
            }
            if (t >= o.obs_start && t > tmax)
                tmax = t;
        }
        obs_end = isnan(o.obs_end) ? tmax : o.obs_end;
    }
    has_cal = !isnan(o.calibration_end);
    cal_end = has_cal ? o.calibration_end : obs_end;
    if (has_cal && isnan(o.obs_end) && cal_end > obs_end)
        obs_end = cal_end; /* the data end before the calibration end: empty holdout */
    ref_end = cal_end;

    /* 2. workspace */
    make_layout(in, &L);
    if (work) {
        size_t need;
        if (!layout_bytes(&L, &need))
            return cva__report(diag, CVA_E_OVERFLOW, 4, 0, -1, 0, "workspace size overflows size_t");
        if (work_size < need)
            return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 5, 0, -1, need,
                               "work_size is below cva_txn_workspace_size()");
        ar.base = (unsigned char *)work;
        ar.size = work_size;
    } else {
        ar.alloc = o.alloc;
    }

#define NOMEM_()                                                                             \
    do {                                                                                     \
        result = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "workspace allocation failed"); \
        goto done;                                                                           \
    } while (0)

    if (!L.has_ref) {
        txn_ctx cx;
        cx.o = &o;
        cx.has_cal = has_cal;
        cx.obs_end = obs_end;
        cx.cal_end = cal_end;
        cx.ref_end = ref_end;
        cx.rtmp = NULL;
        result = summarize_partitioned(in, &cx, &ar, out, diag, &n_window, &K);
        if (result == CVA_E_NOMEM && ar.base) {
            /* a skewed input needs more than the worst-case layout of the
               hash path: use that path, which always fits */
            ar.used = 0;
            n_window = 0;
            K = 0;
        } else if (result == CVA_E_NOMEM) {
            NOMEM_();
        } else if (result < 0) {
            goto done;
        } else {
            goto status;
        }
    }

    slot = (uint32_t *)arena_get(&ar, (n ? n : 1) * sizeof(uint32_t));
    if (!slot)
        NOMEM_();
    if (L.has_ref) {
        ref_slot = (uint32_t *)arena_get(&ar, (n ? n : 1) * sizeof(uint32_t));
        if (!ref_slot)
            NOMEM_();
    }
    if (ar.base) {
        map.cap = L.hash_cap;
        map.keys_cap = L.max_keys;
        map.growable = 0;
        map.slots = (hslot *)arena_get(&ar, map.cap * sizeof(hslot));
        map.keys = (int64_t *)arena_get(&ar, (map.keys_cap ? map.keys_cap : 1) * sizeof(int64_t));
    } else {
        map.cap = 1024;
        map.keys_cap = 512;
        map.growable = 1;
        map.alloc = o.alloc;
        map.slots = (hslot *)cva__alloc(o.alloc, map.cap * sizeof(hslot));
        map.keys = (int64_t *)cva__alloc(o.alloc, map.keys_cap * sizeof(int64_t));
    }
    if (!map.slots || !map.keys)
        NOMEM_();
    map.bits = log2_of(map.cap);
    idmap_clear(map.slots, map.cap);

    /* 3. dense indices; rows outside the window or invalid get EMPTY_SLOT */
    {
        int64_t last_id = 0;
        uint32_t last_slot = EMPTY_SLOT;
        for (i = 0; i < n; i++) {
            double t = in->t[i];
            uint32_t s;
            if (!isfinite(t) || !isfinite(in->amount[i]) || (in->cost && !isfinite(in->cost[i])) ||
                t < o.obs_start || t > obs_end) {
                slot[i] = EMPTY_SLOT;
                if (ref_slot)
                    ref_slot[i] = EMPTY_SLOT;
                continue;
            }
            n_window++;
            if (last_slot != EMPTY_SLOT && in->customer_id[i] == last_id) {
                s = last_slot;
            } else {
                s = idmap_get(&map, in->customer_id[i]);
                if (s == EMPTY_SLOT)
                    NOMEM_();
                last_id = in->customer_id[i];
                last_slot = s;
            }
            slot[i] = s;
            if (ref_slot) {
                int64_t r = in->referrer_id[i];
                ref_slot[i] = EMPTY_SLOT;
                if (r != CVA_NO_REFERRER && (!has_cal || t <= cal_end) &&
                    is_purchase(in->amount[i], o.refund_policy, o.flags)) {
                    uint32_t rs = idmap_get(&map, r);
                    if (rs == EMPTY_SLOT)
                        NOMEM_();
                    ref_slot[i] = rs;
                }
            }
        }
    }
    K = map.count;

    /* capacity check: the last point of failure before outputs are written */
    if (out->capacity < K) {
        out->n_customers = K;
        result = cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                             "out->capacity is less than the number of customers");
        goto done;
    }

    /* 4. sort distinct ids, rank per dense index */
    pairs = (kpair *)arena_get(&ar, (K ? K : 1) * sizeof(kpair));
    ptmp = (kpair *)arena_get(&ar, (K ? K : 1) * sizeof(kpair));
    rank = (uint32_t *)arena_get(&ar, (K ? K : 1) * sizeof(uint32_t));
    offs = (size_t *)arena_get(&ar, (K + 1) * sizeof(size_t));
    if (!pairs || !ptmp || !rank || !offs)
        NOMEM_();
    for (k = 0; k < K; k++) {
        pairs[k].key = id_order_key(map.keys[k]);
        pairs[k].val = k;
    }
    sorted = radix_sort_pairs(pairs, ptmp, K);
    for (k = 0; k < K; k++)
        rank[sorted[k].val] = (uint32_t)k;

    /* 5. counting sort of rows by rank */
    memset(offs, 0, (K + 1) * sizeof(size_t));
    for (i = 0; i < n; i++)
        if (slot[i] != EMPTY_SLOT)
            offs[rank[slot[i]] + 1]++;
    {
        size_t max_seg = 0;
        for (k = 0; k < K; k++) {
            if (offs[k + 1] > max_seg)
                max_seg = offs[k + 1];
            offs[k + 1] += offs[k];
        }
        recs = (txn_rec *)arena_get(&ar, (n_window ? n_window : 1) * sizeof(txn_rec));
        rtmp = (txn_rec *)arena_get(&ar, (max_seg ? max_seg : 1) * sizeof(txn_rec));
        if (!recs || !rtmp)
            NOMEM_();
    }
    {
        /* offs[k] is the start of customer k; use a running cursor in offs[k] then shift back */
        for (i = 0; i < n; i++) {
            uint32_t s = slot[i];
            txn_rec *r;
            if (s == EMPTY_SLOT)
                continue;
            r = &recs[offs[rank[s]]++];
            r->t = in->t[i];
            r->amount = in->amount[i];
            r->cost = in->cost ? in->cost[i] : 0.0;
            r->period = in->period ? in->period[i] : period_of(in->t[i], &o);
        }
        for (k = K; k > 0; k--)
            offs[k] = offs[k - 1];
        offs[0] = 0;
    }

    /* From here on nothing can fail: write the outputs. */
    out->n_customers = K;
    for (k = 0; k < K; k++)
        out->customer_id[k] = (int64_t)(sorted[k].key ^ (UINT64_C(1) << 63));

    {
        txn_ctx cx;
        cx.o = &o;
        cx.has_cal = has_cal;
        cx.obs_end = obs_end;
        cx.cal_end = cal_end;
        cx.ref_end = ref_end;
        cx.rtmp = rtmp;
        for (k = 0; k < K; k++)
            emit_customer(&cx, recs + offs[k], offs[k + 1] - offs[k], out, k);
    }

    /* 6. referral aggregates, in input row order */
    if (out->ref_n_txn)
        memset(out->ref_n_txn, 0, K * sizeof(uint32_t));
    if (out->ref_n_cust)
        memset(out->ref_n_cust, 0, K * sizeof(uint32_t));
    if (out->ref_last_t)
        for (k = 0; k < K; k++)
            out->ref_last_t[k] = NAN;
    if (out->ref_amount)
        for (k = 0; k < K; k++)
            out->ref_amount[k] = 0.0;
    if (ref_slot && (out->ref_n_txn || out->ref_n_cust || out->ref_last_t || out->ref_amount)) {
        size_t m = 0;
        for (i = 0; i < n; i++) {
            uint32_t rs = ref_slot[i];
            uint32_t rr;
            if (rs == EMPTY_SLOT)
                continue;
            rr = rank[rs];
            if (out->ref_n_txn)
                out->ref_n_txn[rr]++;
            if (out->ref_last_t && !(in->t[i] <= out->ref_last_t[rr]))
                out->ref_last_t[rr] = in->t[i];
            m++;
        }
        if (out->ref_amount) {
            /* Neumaier state per referrer in the pair buffer `sorted` does not occupy
               (the ids are already written out) */
            cva__ksum *ks = (cva__ksum *)(void *)ptmp;
            if (sorted == ptmp)
                ks = (cva__ksum *)(void *)pairs;
            for (k = 0; k < K; k++)
                ks[k].s = ks[k].c = 0.0;
            for (i = 0; i < n; i++)
                if (ref_slot[i] != EMPTY_SLOT)
                    cva__ksum_add(&ks[rank[ref_slot[i]]], in->amount[i]);
            for (k = 0; k < K; k++)
                out->ref_amount[k] = cva__ksum_value(&ks[k]);
        }
        if (out->ref_n_cust && m > 0) {
            kpair *rp = (kpair *)(void *)recs; /* records are no longer needed */
            kpair *rq = rp + m;
            size_t j;
            if ((n_window * sizeof(txn_rec)) < 2 * m * sizeof(kpair)) {
                /* cannot happen: m <= n_window and a record is 32 bytes */
                result = cva__report(diag, CVA_E_INTERNAL, 0, 0, -1, 0, "referral buffer");
                goto done;
            }
            m = 0;
            for (i = 0; i < n; i++)
                if (ref_slot[i] != EMPTY_SLOT) {
                    rp[m].key = ((uint64_t)rank[ref_slot[i]] << 32) | rank[slot[i]];
                    rp[m].val = 0;
                    m++;
                }
            rp = radix_sort_pairs(rp, rq, m);
            for (j = 0; j < m; j++)
                if (j == 0 || rp[j].key != rp[j - 1].key)
                    out->ref_n_cust[rp[j].key >> 32]++;
        }
    }

status:
    {
        uint64_t excluded = (uint64_t)(n - n_window);
        if (K == 0)
            result = cva__report(diag, CVA_W_EMPTY, 1, 0, -1, excluded, "no rows in the window");
        else if (excluded > 0)
            result = cva__report(diag, CVA_W_EXCLUDED, 1, 0, -1, excluded,
                                 n_invalid ? "invalid rows skipped and/or rows outside the window excluded"
                                           : "rows outside [obs_start, obs_end] excluded");
        else
            result = cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    }

done:
#undef NOMEM_
    if (!ar.base) {
        cva__free(o.alloc, map.slots);
        cva__free(o.alloc, map.keys);
    }
    arena_release(&ar);
    return result;
}
