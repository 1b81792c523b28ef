/*
 * libcva — transaction summaries (SPEC §2, §5.2).
 *
 * Without a referrer array the partitioned path below (see "Path without a
 * referrer array") is used; its workspace is at most twice the input. With a
 * referrer array, the hash path, O(n) expected:
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

#if defined(__SSE2__)
#include <emmintrin.h>
#define CVA_STREAM_STORES_ 1
#else
#define CVA_STREAM_STORES_ 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CVA_PREFETCH_(addr) __builtin_prefetch(addr)
#else
#define CVA_PREFETCH_(addr) ((void)0)
#endif

/* Helpers that the txn_*.c files share (static, so every file inlines them as
   before; the attribute keeps -Wunused-function quiet in a file that does not
   call one, and leaves the inlining heuristics as for a plain static). */
#if defined(__GNUC__) || defined(__clang__)
#define TXN_SHARED_ static __attribute__((unused))
#else
#define TXN_SHARED_ static
#endif

/* Smallest cva_txn_opts size ever released (0.1.0: the whole struct). */
#define TXN_OPTS_MIN_SIZE sizeof(cva_txn_opts)
/* cva_txn_summary before obs_end and calibration_end were appended */
#define TXN_SUMMARY_V1_SIZE offsetof(cva_txn_summary, obs_end)

static const cva_txn_opts txn_defaults = {
    .struct_size = sizeof(cva_txn_opts),
    .refund_policy = CVA_REFUND_NET,
    .flags = 0,
    .time_convention = CVA_TIME_CONTINUOUS,
    .obs_end = CVA_NAN,
    .obs_start = -CVA_INF,
    .period_length = 1.0,
    .period_origin = 0.0,
    .time_scale = 1.0,
    .calibration_end = CVA_NAN,
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
    if (struct_size != sizeof(cva_txn_summary) && struct_size != TXN_SUMMARY_V1_SIZE)
        return CVA_E_ABI_MISMATCH;
    memset(summary, 0, struct_size);
    summary->struct_size = (uint32_t)struct_size;
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

TXN_SHARED_ size_t next_pow2(size_t v)
{
    size_t p = 16;
    while (p < v)
        p <<= 1;
    return p;
}

/* checked a*b + c into *out; returns 0 on overflow */
TXN_SHARED_ int mul_add(size_t a, size_t b, size_t c, size_t *out)
{
    if (b != 0 && a > (SIZE_MAX - c) / b)
        return 0;
    *out = a * b + c;
    return 1;
}

/* add ALIGN_UP(count * size) to *total; 0 on overflow. Mirrors arena_get(). */
TXN_SHARED_ int add_part(size_t *total, size_t count, size_t size)
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

TXN_SHARED_ int is_purchase(double amount, int32_t policy, int32_t flags)
{
    if (policy == CVA_REFUND_AS_ROW)
        return !((flags & CVA_F_ZERO_NOT_PURCHASE) && !(amount < 0.0) && !(amount > 0.0));
    if (flags & CVA_F_ZERO_NOT_PURCHASE)
        return amount > 0.0;
    return amount >= 0.0;
}

/* Money that counts towards totals and occasion spend. */
TXN_SHARED_ int counts_as_money(double amount, int32_t policy)
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

TXN_SHARED_ unsigned log2_of(size_t cap)
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

/* (key, payload) pairs sorted with cva__radix_sort_kv() */
typedef cva__kv kpair;

static inline uint64_t id_order_key(int64_t id)
{
    return (uint64_t)id ^ (UINT64_C(1) << 63);
}

static inline int rec_less(const txn_rec *x, const txn_rec *y)
{
    return x->period < y->period || (x->period == y->period && x->t < y->t);
}

/* Stable merge sort of a[0..n) by (period, t), tmp has n slots. */
TXN_SHARED_ void merge_sort_recs(txn_rec *a, txn_rec *tmp, size_t n)
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
                           "obs_start must be finite or -CVA_INF");
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


int cva__txn_nonref_bound(const cva_txn_input *in, size_t *bytes);

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
    if (!(L.has_ref ? layout_bytes(&L, bytes) : cva__txn_nonref_bound(in, bytes)))
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

TXN_SHARED_ void *arena_get(arena *a, size_t bytes)
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

/* (int64_t)floor(p), clamped to the int64 range: truncation, then one down
   for negative non-integers (exact: a truncated double is an integer double). */
static inline int64_t clamp_period(double p)
{
    int64_t i;
    if (p >= 9.2e18)
        return INT64_MAX;
    if (p <= -9.2e18)
        return INT64_MIN;
    i = (int64_t)p;
    return i - ((double)i > p);
}

static inline int64_t period_of(double t, const cva_txn_opts *o)
{
    return clamp_period((t - o->period_origin) / o->period_length);
}

/* Shared context of the per-customer pass. */
typedef struct txn_ctx {
    const cva_txn_opts *o;
    int has_cal;
    double obs_end, cal_end, ref_end;
    txn_rec *rtmp; /* merge buffer of at least the longest segment */
    const cva_txn_input *in; /* rows read by index (sort fallback) */
    int unit_period;         /* origin 0 and length 1: floor(t) is the same number */
    int fast;                /* emit_fast() applies (NET policy, no calibration split) */
    int has_cost;
} txn_ctx;

/* period_of() without the division when it is exact (t - 0.0) / 1.0 == t. */
static inline int64_t period_ctx(double t, const txn_ctx *c)
{
    if (c->unit_period)
        return clamp_period(t);
    return period_of(t, c->o);
}

/* Row j of a customer: from records, or from the input by row index. */
static inline void src_row(const txn_ctx *c, const txn_rec *seg, const kpair *ix, size_t j, txn_rec *r)
{
    if (seg) {
        *r = seg[j];
    } else {
        const cva_txn_input *in = c->in;
        size_t i = (size_t)ix[j].val;
        r->t = in->t[i];
        r->amount = in->amount[i];
        r->cost = in->cost ? in->cost[i] : 0.0;
        r->period = in->period ? in->period[i] : period_ctx(r->t, c);
    }
}

typedef struct cust_acc {
    uint32_t n_txn, n_occ, n_refund, hold_occ;
    double first_t, last_t;
    double occ_first, occ_last; /* earliest purchase of the first / last occasion */
    int64_t first_p, last_p;
    cva__ksum total, cost, refund, repeat, hold;
} cust_acc;

static inline void acc_init(cust_acc *a)
{
    memset(a, 0, sizeof *a);
    a->first_t = a->last_t = a->occ_first = a->occ_last = CVA_NAN;
}

/* Close an occasion with a purchase (first purchase at group_t, spend its sum):
   count it, keep the first and last, and add the spend of every occasion after
   the first to the repeat sum. */
static inline void acc_occasion(cust_acc *a, double group_t, const cva__ksum *spend)
{
    a->n_occ++;
    if (a->n_occ == 1)
        a->occ_first = group_t;
    a->occ_last = group_t;
    if (a->n_occ > 1)
        cva__ksum_add(&a->repeat, cva__ksum_value(spend));
}

TXN_SHARED_ void write_row(const txn_ctx *c, const cust_acc *a, cva_txn_summary *out, size_t k)
{
    if (out->n_txn)
        out->n_txn[k] = a->n_txn;
    if (out->n_occ)
        out->n_occ[k] = a->n_occ;
    if (out->n_refund)
        out->n_refund[k] = a->n_refund;
    if (out->first_t)
        out->first_t[k] = a->first_t;
    if (out->last_t)
        out->last_t[k] = a->last_t;
    if (out->total_amount)
        out->total_amount[k] = cva__ksum_value(&a->total);
    if (out->total_cost)
        out->total_cost[k] = cva__ksum_value(&a->cost);
    if (out->refund_amount)
        out->refund_amount[k] = cva__ksum_value(&a->refund);
    {
        double x = CVA_NAN, tx = CVA_NAN, T = CVA_NAN, mx = CVA_NAN, since = CVA_NAN;
        if (a->n_occ > 0) {
            x = (double)(a->n_occ - 1);
            if (c->o->time_convention == CVA_TIME_CONTINUOUS) {
                /* between the first purchases of the first and the last occasion, so
                   that x = 0 implies t_x = 0 also with fractional times */
                tx = (a->occ_last - a->occ_first) / c->o->time_scale;
                T = (c->ref_end - a->occ_first) / c->o->time_scale;
            } else {
                double f = c->o->period_length / c->o->time_scale;
                tx = (double)(a->last_p - a->first_p) * f;
                T = (double)(period_of(c->ref_end, c->o) - a->first_p) * f;
            }
            mx = a->n_occ > 1 ? cva__ksum_value(&a->repeat) / x : 0.0;
            since = c->ref_end - a->last_t;
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
        out->frequency_holdout[k] = (double)a->hold_occ;
    if (out->monetary_value_holdout)
        out->monetary_value_holdout[k] = a->hold_occ ? cva__ksum_value(&a->hold) / (double)a->hold_occ : 0.0;
    if (out->duration_holdout)
        out->duration_holdout[k] = (c->obs_end - c->cal_end) / c->o->time_scale;
}

/* Statistics of one customer from its rows, already in (period, t, input)
   order, into row k of every requested output. Rows come from seg (records)
   or, when seg is NULL, from the input through the row indices ix. */
static inline void emit_customer(const txn_ctx *c, const txn_rec *seg, const kpair *ix, size_t len,
                                 cva_txn_summary *out, size_t k)
{
    size_t j;
    cust_acc a;
    txn_rec r;

    acc_init(&a);
    j = 0;
    if (len)
        src_row(c, seg, ix, 0, &r);
    while (j < len) {
        /* one group: same period and same side of the calibration end */
        int64_t p = r.period;
        int holdout = c->has_cal && r.t > c->cal_end;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN; /* earliest purchase row of the group (rows are in time order) */
        for (;;) {
            int purchase = is_purchase(r.amount, c->o->refund_policy, c->o->flags);
            int money = counts_as_money(r.amount, c->o->refund_policy);
            if (money)
                cva__ksum_add(&spend, r.amount);
            if (holdout) {
                any_purchase |= purchase;
            } else {
                cva__ksum_add(&a.cost, r.cost);
                if (r.amount < 0.0) {
                    a.n_refund++;
                    cva__ksum_add(&a.refund, r.amount);
                }
                if (money)
                    cva__ksum_add(&a.total, r.amount);
                if (purchase) {
                    if (!any_purchase)
                        group_t = r.t;
                    any_purchase = 1;
                    a.n_txn++;
                    if (a.n_txn == 1 || r.t < a.first_t) {
                        a.first_t = r.t;
                        a.first_p = r.period;
                    }
                    if (a.n_txn == 1 || r.t >= a.last_t) {
                        a.last_t = r.t;
                        a.last_p = r.period;
                    }
                }
            }
            if (++j >= len)
                break;
            src_row(c, seg, ix, j, &r);
            if (r.period != p || (c->has_cal && r.t > c->cal_end) != holdout)
                break;
        }
        if (!any_purchase)
            continue;
        if (holdout) {
            a.hold_occ++;
            cva__ksum_add(&a.hold, cva__ksum_value(&spend));
        } else {
            acc_occasion(&a, group_t, &spend);
        }
    }
    write_row(c, &a, out, k);
}

/* emit_customer() for records under CVA_REFUND_NET without a calibration split:
   every row is money, purchases are the rows with amount >= 0 (> 0 with
   CVA_F_ZERO_NOT_PURCHASE); the same sums in the same order. */
TXN_SHARED_ void emit_fast(const txn_ctx *c, const txn_rec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    const int zero_np = (c->o->flags & CVA_F_ZERO_NOT_PURCHASE) != 0;
    const int has_cost = c->has_cost;

    acc_init(&a);
    while (j < len) {
        const int64_t p = seg[j].period;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN;
        do {
            const double t = seg[j].t, am = seg[j].amount;
            const int purchase = zero_np ? am > 0.0 : am >= 0.0;
            cva__ksum_add(&spend, am);
            if (has_cost)
                cva__ksum_add(&a.cost, seg[j].cost);
            if (am < 0.0) {
                a.n_refund++;
                cva__ksum_add(&a.refund, am);
            }
            cva__ksum_add(&a.total, am);
            if (purchase) {
                if (!any_purchase)
                    group_t = t;
                any_purchase = 1;
                a.n_txn++;
                if (a.n_txn == 1 || t < a.first_t) {
                    a.first_t = t;
                    a.first_p = p;
                }
                if (a.n_txn == 1 || t >= a.last_t) {
                    a.last_t = t;
                    a.last_p = p;
                }
            }
            j++;
        } while (j < len && seg[j].period == p);
        if (!any_purchase)
            continue;
        acc_occasion(&a, group_t, &spend);
    }
    write_row(c, &a, out, k);
}

/* 16-byte record of the fast path without cost and period arrays. The period
   of a row is computed from t when needed: period_ctx() is monotone in t
   (correctly rounded subtraction and division by a positive length, then
   floor), so the (period, t) order of txn_rec is the t order, and a stable
   sort by t gives the same sequence as merge_sort_recs(). */
typedef struct trec {
    double t;
    double amount;
} trec;

/* Stable merge sort of a[0..n) by t, tmp has n slots. */
TXN_SHARED_ void merge_sort_trecs(trec *a, trec *tmp, size_t n)
{
    size_t width, i;
    if (n < 2)
        return;
    for (i = 0; i < n; i += 16) {
        size_t end = i + 16 < n ? i + 16 : n, j;
        for (j = i + 1; j < end; j++) {
            trec v = a[j];
            size_t k = j;
            while (k > i && v.t < a[k - 1].t) {
                a[k] = a[k - 1];
                k--;
            }
            a[k] = v;
        }
    }
    for (width = 16; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n;
            size_t hi = i + 2 * width < n ? i + 2 * width : n;
            size_t p = lo, q = mid, k = lo;
            while (p < mid && q < hi)
                tmp[k++] = a[q].t < a[p].t ? a[q++] : a[p++];
            while (p < mid)
                tmp[k++] = a[p++];
            while (q < hi)
                tmp[k++] = a[q++];
        }
        memcpy(a, tmp, n * sizeof(trec));
    }
}

/* emit_fast() on 16-byte records (no cost array, periods from t); rows in t
   order. The same sums in the same order, so the same bits. */
TXN_SHARED_ void emit_fast_t(const txn_ctx *c, const trec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    const int zero_np = (c->o->flags & CVA_F_ZERO_NOT_PURCHASE) != 0;
    int64_t pj = len ? period_ctx(seg[0].t, c) : 0;

    acc_init(&a);
    while (j < len) {
        const int64_t p = pj;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN;
        do {
            const double t = seg[j].t, am = seg[j].amount;
            const int purchase = zero_np ? am > 0.0 : am >= 0.0;
            cva__ksum_add(&spend, am);
            if (am < 0.0) {
                a.n_refund++;
                cva__ksum_add(&a.refund, am);
            }
            cva__ksum_add(&a.total, am);
            if (purchase) {
                if (!any_purchase)
                    group_t = t;
                any_purchase = 1;
                a.n_txn++;
                if (a.n_txn == 1 || t < a.first_t) {
                    a.first_t = t;
                    a.first_p = p;
                }
                if (a.n_txn == 1 || t >= a.last_t) {
                    a.last_t = t;
                    a.last_p = p;
                }
            }
            j++;
        } while (j < len && (pj = period_ctx(seg[j].t, c)) == p);
        if (!any_purchase)
            continue;
        acc_occasion(&a, group_t, &spend);
    }
    write_row(c, &a, out, k);
}

/* emit_fast_t() for rows in t order whose amounts are all > 0 (the common
   case): every row is a purchase and none a refund, so first/last purchase are
   the first and last rows. The same sums in the same order, so the same bits. */
TXN_SHARED_ void emit_fast_pos(const txn_ctx *c, const trec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    int64_t pj = period_ctx(seg[0].t, c);
    acc_init(&a);
    a.n_txn = (uint32_t)len;
    a.first_t = seg[0].t;
    a.first_p = pj;
    a.last_t = seg[len - 1].t;
    a.last_p = period_ctx(seg[len - 1].t, c);
    while (j < len) {
        const int64_t p = pj;
        const double group_t = seg[j].t;
        cva__ksum spend = {0, 0};
        do {
            const double am = seg[j].amount;
            cva__ksum_add(&spend, am);
            cva__ksum_add(&a.total, am);
            j++;
        } while (j < len && (pj = period_ctx(seg[j].t, c)) == p);
        acc_occasion(&a, group_t, &spend);
    }
    write_row(c, &a, out, k);
}

/* Sort a customer's records by (period, t), stably, when they are not in that order. */
TXN_SHARED_ void order_segment(const txn_ctx *c, txn_rec *seg, size_t len)
{
    size_t j;
    for (j = 1; j < len; j++)
        if (rec_less(&seg[j], &seg[j - 1])) {
            merge_sort_recs(seg, c->rtmp, len);
            return;
        }
}

/* (period, t) order of input rows referenced by index; ties keep index order. */
static inline int ix_less(const txn_ctx *c, const kpair *x, const kpair *y)
{
    txn_rec a, b;
    src_row(c, NULL, x, 0, &a);
    src_row(c, NULL, y, 0, &b);
    return rec_less(&a, &b);
}

/* Stable merge sort of row references by (period, t), tmp has n slots. */
TXN_SHARED_ void order_index_segment(const txn_ctx *c, kpair *a, kpair *tmp, size_t n)
{
    size_t width, i;
    for (i = 1; i < n; i++)
        if (ix_less(c, &a[i], &a[i - 1]))
            break;
    if (i >= n)
        return;
    for (i = 0; i < n; i += 16) {
        size_t end = i + 16 < n ? i + 16 : n, j;
        for (j = i + 1; j < end; j++) {
            kpair v = a[j];
            size_t k = j;
            while (k > i && ix_less(c, &v, &a[k - 1])) {
                a[k] = a[k - 1];
                k--;
            }
            a[k] = v;
        }
    }
    for (width = 16; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n;
            size_t hi = i + 2 * width < n ? i + 2 * width : n;
            size_t p = lo, q = mid, k = lo;
            while (p < mid && q < hi)
                tmp[k++] = ix_less(c, &a[q], &a[p]) ? a[q++] : a[p++];
            while (p < mid)
                tmp[k++] = a[p++];
            while (q < hi)
                tmp[k++] = a[q++];
        }
        memcpy(a, tmp, n * sizeof(kpair));
    }
}

/*
 * Path without a referrer array. Random access over all rows is what makes a
 * log of interleaved ids slow (a hash probe and a scattered write per row,
 * each a cache and TLB miss), so rows are grouped in cache-sized pieces:
 *  a. the validation pass also counts the rows in the window per partition
 *     (P = 2^bits partitions by the top bits of the id hash);
 *  b. the partitions are processed in groups of consecutive partitions: one
 *     pass over the input scatters the group's rows (stable, write-combined)
 *     as 24-byte {id, t, amount} rows plus optional cost/period columns into
 *     a group buffer; there is one group unless a smaller workspace makes
 *     several passes (each re-reading the input) necessary;
 *  c. per partition (cache-resident): ids to local indices with a small hash
 *     table, the distinct ids sorted, a counting sort of the rows into
 *     records by id (stable, so each customer keeps input order), and one
 *     pass per customer written to the output rows of this partition;
 *  d. the outputs, sorted by id within each partition, are put in global id
 *     order: a heap merge of the partitions gives the permutation, applied to
 *     each requested array.
 * When the per-partition buffers would not fit the workspace bound (one huge
 * partition: a customer with a large share of the rows, or adversarial ids),
 * a bounded fallback radix-sorts (id, row) pairs and reads rows by index.
 * Outputs are written only once nothing can fail (all memory is taken first).
 * With out->capacity below the rows in the window the number of customers is
 * not known to fit beforehand: when capacity rows of every requested output
 * fit in the temp area (several rows per customer), step c writes into those
 * staging rows and step d gathers them into the outputs only after the count
 * is checked (one run); otherwise a counting run hashes every partition first
 * and the writing run reuses its local indices (two reads of the group
 * buffer: measured 0.15 s more for 5e7 rows).
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

TXN_SHARED_ unsigned part_bits(size_t n)
{
    unsigned bits = 0;
    while (bits < PART_MAX_BITS && (n >> bits) > PART_TARGET_ROWS)
        bits++;
    return bits;
}

/* Offsets of the parts of the fast path inside one block. */
typedef struct fast_layout {
    size_t G, Gc, Gp, wc, lidx, ht, lkeys, pairs, lrank, lcnt, R, perm, temp, total;
    size_t hcap;
} fast_layout;

/* grows: rows of the largest group; m: rows of the largest partition. */
static int fast_layout_make(size_t grows, size_t m, size_t nw, size_t P, int has_cost, int has_per,
                            fast_layout *f)
{
    size_t t = 0;
    int ok = 1;
    f->hcap = next_pow2(2 * m + 1);
#define FPART_(field, count, size) (f->field = t, ok = ok && add_part(&t, (count), (size)))
    FPART_(G, grows + P * PART_WC_ROWS, sizeof(prow)); /* + alignment of each partition start */
    FPART_(Gc, has_cost ? grows + P * PART_WC_ROWS : 0, sizeof(double));
    FPART_(Gp, has_per ? grows + P * PART_WC_ROWS : 0, sizeof(int64_t));
    FPART_(wc, P * PART_WC_ROWS, sizeof(prow));
    FPART_(lidx, m, sizeof(uint32_t));
    FPART_(ht, f->hcap, sizeof(uint32_t));
    FPART_(lkeys, m, sizeof(int64_t));
    FPART_(pairs, 2 * m, sizeof(kpair)); /* key sort, then the merge buffer of records */
    FPART_(lrank, m, sizeof(uint32_t));
    FPART_(lcnt, m + 1, sizeof(uint32_t));
    FPART_(R, m, sizeof(txn_rec));
    FPART_(perm, nw, sizeof(uint32_t));
    FPART_(temp, nw, sizeof(double));
#undef FPART_
    ok = ok && add_part(&t, 1, 16); /* to align a caller workspace */
    f->total = t;
    return ok;
}

/* Bytes of the sort fallback: two arrays of (key, row) pairs. */
static int fallback_bytes(size_t nw, size_t *bytes)
{
    size_t t = 0;
    if (!add_part(&t, nw, 2 * sizeof(kpair)))
        return 0;
    *bytes = t;
    return 1;
}

/* Workspace bound without referrers: twice the input bytes (never less than the fallback). */
int cva__txn_nonref_bound(const cva_txn_input *in, size_t *bytes)
{
    size_t row = 3 * sizeof(double) + (in->cost ? sizeof(double) : 0) + (in->period ? sizeof(int64_t) : 0);
    size_t twice, fb;
    if (!mul_add(in->n, 2 * row, 0, &twice) || !fallback_bytes(in->n, &fb))
        return 0;
    *bytes = twice > fb ? twice : fb;
    return 1;
}

/* Consecutive partitions into groups of at most `target` rows (a larger
   partition is a group alone); returns the rows of the largest group. */
static size_t make_groups(const size_t *cnt, size_t P, size_t target, size_t *gstart, size_t *ng)
{
    size_t p, g = 0, rows = 0, maxg = 0;
    gstart[0] = 0;
    for (p = 0; p < P; p++) {
        if (rows > 0 && rows + cnt[p] > target) {
            gstart[++g] = p;
            rows = 0;
        }
        rows += cnt[p];
        if (rows > maxg)
            maxg = rows;
    }
    gstart[++g] = P;
    *ng = g;
    return maxg;
}

typedef struct hnode {
    uint64_t key;
    uint32_t cur, end;
} hnode;

static void heap_down(hnode *h, size_t hn, size_t i)
{
    hnode v = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= hn)
            break;
        if (c + 1 < hn && h[c + 1].key < h[c].key)
            c++;
        if (!(h[c].key < v.key))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

#define PERMUTE_(field, type)                                        \
    do {                                                             \
        if (dst->field && src == dst) {                              \
            type *tt_ = (type *)temp;                                \
            for (k = 0; k < K; k++)                                  \
                tt_[k] = dst->field[perm[k]];                        \
            memcpy(dst->field, tt_, K * sizeof(type));               \
        } else if (dst->field) {                                     \
            for (k = 0; k < K; k++)                                  \
                dst->field[k] = src->field[perm[k]];                 \
        }                                                            \
    } while (0)

/* Rows sorted by id within each partition run [kbase[p], kbase[p+1]) of src ->
   global id order in dst (src == dst: in place through temp, K elements). */
static void merge_runs(const cva_txn_summary *src, cva_txn_summary *dst, const size_t *kbase, size_t P, size_t K,
                       uint32_t *perm, void *temp)
{
    hnode h[(size_t)1 << PART_MAX_BITS];
    size_t hn = 0, p, k, i;
    for (p = 0; p < P; p++)
        if (kbase[p + 1] > kbase[p]) {
            h[hn].key = id_order_key(src->customer_id[kbase[p]]);
            h[hn].cur = (uint32_t)kbase[p];
            h[hn].end = (uint32_t)kbase[p + 1];
            hn++;
        }
    for (i = hn / 2; i-- > 0;)
        heap_down(h, hn, i);
    for (k = 0; k < K; k++) {
        perm[k] = h[0].cur++;
        if (h[0].cur == h[0].end)
            h[0] = h[--hn];
        else
            h[0].key = id_order_key(src->customer_id[h[0].cur]);
        if (hn)
            heap_down(h, hn, 0);
    }
    PERMUTE_(customer_id, int64_t);
    PERMUTE_(n_txn, uint32_t);
    PERMUTE_(n_occ, uint32_t);
    PERMUTE_(n_refund, uint32_t);
    PERMUTE_(first_t, double);
    PERMUTE_(last_t, double);
    PERMUTE_(total_amount, double);
    PERMUTE_(total_cost, double);
    PERMUTE_(refund_amount, double);
    PERMUTE_(frequency, double);
    PERMUTE_(recency, double);
    PERMUTE_(T, double);
    PERMUTE_(monetary_value, double);
    PERMUTE_(days_since_last, double);
    PERMUTE_(frequency_holdout, double);
    PERMUTE_(monetary_value_holdout, double);
    /* duration_holdout is the same in every row */
    if (dst->duration_holdout && src != dst)
        for (k = 0; k < K; k++)
            dst->duration_holdout[k] = src->duration_holdout[0];
}
#undef PERMUTE_

typedef struct part_in {
    const size_t *cnt; /* rows in the window per partition */
    unsigned bits;
    size_t P, nw;
    int all_in; /* every row is in the window: no per-row test */
} part_in;

#define PART_OF_(id, bits) ((bits) ? (size_t)(id_hash(id) >> (64 - (bits))) : 0)

/* Copy PART_WC_ROWS rows (192 bytes, 16-byte aligned destination) to the
   group buffer; streaming stores skip reading the destination lines first. */
static inline void copy_run(prow *dst, const prow *src)
{
#if CVA_STREAM_STORES_
    __m128i *d = (__m128i *)(void *)dst;
    const __m128i *s = (const __m128i *)(const void *)src;
    int k;
    for (k = 0; k < (int)(PART_WC_ROWS * sizeof(prow) / 16); k++)
        _mm_stream_si128(d + k, _mm_loadu_si128(s + k));
#else
    memcpy(dst, src, PART_WC_ROWS * sizeof(prow));
#endif
}

/* One run of the fast path over all groups. count_only: scatter and hash
   only, to count customers; otherwise write every output row. kbase: P + 1
   output row starts per partition, filled here. After a count_only run with
   one group, the buffer keeps the rows with each id replaced by its local
   index and the distinct ids of partition q at temp[kbase[q]..], so a
   following run with `scattered` set neither scatters nor hashes again (temp
   is used again only by the final merge). limit: rows of out that may be
   written; a partition that would pass it turns the rest of the run into
   count_only (the total count is returned, nothing is merged). final: where
   the merge puts the rows in id order, out itself (in place) or the caller's
   outputs when out holds staging rows. */
static size_t run_fast(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, unsigned char *blk,
                       const fast_layout *f, const size_t *gstart, size_t ng, cva_txn_summary *out,
                       int count_only, int scattered, size_t limit, cva_txn_summary *final, size_t *kbase)
{
    const cva_txn_opts *o = cx->o;
    const size_t n = in->n, *cnt = pi->cnt;
    const unsigned bits = pi->bits;
    prow *G = (prow *)(void *)(blk + f->G), *wc = (prow *)(void *)(blk + f->wc);
    double *Gc = in->cost ? (double *)(void *)(blk + f->Gc) : NULL;
    int64_t *Gp = in->period ? (int64_t *)(void *)(blk + f->Gp) : NULL;
    uint32_t *lidx = (uint32_t *)(void *)(blk + f->lidx), *ht = (uint32_t *)(void *)(blk + f->ht);
    int64_t *lkeys = (int64_t *)(void *)(blk + f->lkeys);
    kpair *pairs = (kpair *)(void *)(blk + f->pairs);
    uint32_t *lrank = (uint32_t *)(void *)(blk + f->lrank), *lcnt = (uint32_t *)(void *)(blk + f->lcnt);
    txn_rec *R = (txn_rec *)(void *)(blk + f->R);
    int64_t *lk_all = (int64_t *)(void *)(blk + f->temp);
    trec *R2 = (trec *)(void *)(blk + f->R);
    size_t pos[(size_t)1 << PART_MAX_BITS];
    unsigned char wfill[(size_t)1 << PART_MAX_BITS];
    size_t K = 0, g, i;
    txn_ctx c = *cx;
    c.rtmp = (txn_rec *)(void *)pairs; /* 2m pairs = m records */

    for (g = 0; g < ng; g++) {
        const size_t lo = gstart[g], hi = gstart[g + 1], span = hi - lo;
        size_t q, acc = 0, gbase;
        for (q = lo; q < hi; q++) {
            pos[q] = acc; /* a multiple of PART_WC_ROWS: whole, aligned runs */
            acc += (cnt[q] + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS;
        }
        memset(wfill + lo, 0, span);
        if (scattered)
            goto grouped; /* one group, already scattered by the counting pass */

        /* b. scatter this group's rows, stable, through per-partition buffers so
           the big array sees whole runs of PART_WC_ROWS rows */
        for (i = 0; i < n; i++) {
            int64_t id;
            prow *r;
            unsigned fl;
            if (!pi->all_in && !in_window(in, i, o, cx->obs_end))
                continue;
            id = in->customer_id[i];
            q = PART_OF_(id, bits);
            if (q - lo >= span)
                continue;
            fl = wfill[q];
            r = &wc[q * PART_WC_ROWS + fl];
            r->id = id;
            r->t = in->t[i];
            r->amount = in->amount[i];
            if (Gc)
                Gc[pos[q] + fl] = in->cost[i];
            if (Gp)
                Gp[pos[q] + fl] = in->period[i];
            if (++fl == PART_WC_ROWS) {
                copy_run(&G[pos[q]], &wc[q * PART_WC_ROWS]);
                pos[q] += PART_WC_ROWS;
                fl = 0;
            }
            wfill[q] = (unsigned char)fl;
        }
#if CVA_STREAM_STORES_
        _mm_sfence();
#endif
        for (q = lo; q < hi; q++)
            if (wfill[q])
                memcpy(&G[pos[q]], &wc[q * PART_WC_ROWS], wfill[q] * sizeof(prow));

    grouped:
        /* c. each partition in cache */
        gbase = 0;
        for (q = lo; q < hi; q++) {
            const size_t m = cnt[q], cap = next_pow2(2 * m + 1);
            const unsigned lbits = log2_of(cap);
            const size_t rb = gbase; /* first row of the partition in the group buffer */
            prow *Sb = G + rb;
            size_t kp = 0, l, r;
            int64_t last_id = 0;
            uint32_t last = EMPTY_SLOT, sum = 0;
            kpair *sorted;

            if (scattered) {
                /* ids were replaced by local indices by the counting run */
                kp = kbase[q + 1] - kbase[q];
                lkeys = lk_all + kbase[q];
                for (i = 0; i < m; i++)
                    lidx[i] = (uint32_t)Sb[i].id;
                goto hashed;
            }
            for (l = 0; l < cap; l++)
                ht[l] = EMPTY_SLOT;
            for (i = 0; i < m; i++) {
                const int64_t id = Sb[i].id;
                size_t h;
                uint32_t v;
                if (id == last_id && last != EMPTY_SLOT) {
                    lidx[i] = last;
                    continue;
                }
                h = (size_t)((id_hash(id) << bits) >> (64 - lbits));
                for (;;) {
                    v = ht[h];
                    if (v == EMPTY_SLOT) {
                        v = ht[h] = (uint32_t)kp;
                        lkeys[kp++] = id;
                        break;
                    }
                    if (lkeys[v] == id)
                        break;
                    h = (h + 1) & (cap - 1);
                }
                last = lidx[i] = v;
                last_id = id;
            }
            if (!count_only && K + kp > limit)
                count_only = 1; /* more customers than rows to write: count only from here */
            if (count_only) {
                kbase[q] = K;
                gbase += (m + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS;
                if (ng == 1) {
                    for (i = 0; i < m; i++)
                        Sb[i].id = (int64_t)lidx[i];
                    memcpy(lk_all + K, lkeys, kp * sizeof(int64_t));
                }
                K += kp;
                continue;
            }
        hashed:
            kbase[q] = K;
            gbase += (m + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS;

            /* the partition's ids in order: output rows K .. K+kp-1 */
            for (l = 0; l < kp; l++) {
                pairs[l].key = id_order_key(lkeys[l]);
                pairs[l].val = l;
            }
            sorted = cva__radix_sort_kv(pairs, pairs + kp, kp);
            for (r = 0; r < kp; r++) {
                lrank[sorted[r].val] = (uint32_t)r;
                out->customer_id[K + r] = lkeys[sorted[r].val];
            }

            /* counting sort of the rows by rank into records */
            memset(lcnt, 0, kp * sizeof(uint32_t));
            for (i = 0; i < m; i++) {
                uint32_t rk = lrank[lidx[i]];
                lidx[i] = rk;
                lcnt[rk]++;
            }
            for (r = 0; r < kp; r++) {
                uint32_t v = lcnt[r];
                lcnt[r] = sum;
                sum += v;
            }
            if (!Gc && !Gp && c.fast) {
                /* 16-byte records, periods computed from t when emitting */
                trec *T2 = (trec *)(void *)pairs; /* 2m pairs >= 2m records */
                for (i = 0; i < m; i++) {
                    trec *rec = &R2[lcnt[lidx[i]]++];
                    rec->t = Sb[i].t;
                    rec->amount = Sb[i].amount;
                }
                for (r = 0; r < kp; r++) {
                    uint32_t a = r ? lcnt[r - 1] : 0;
                    size_t len = lcnt[r] - a, j;
                    const trec *sg = R2 + a;
                    int all_pos = len > 0 && sg[0].amount > 0.0;
                    for (j = 1; j < len; j++) {
                        if (sg[j].t < sg[j - 1].t) {
                            merge_sort_trecs(R2 + a, T2, len);
                            all_pos = 0; /* the general emission (no second scan) */
                            break;
                        }
                        all_pos &= sg[j].amount > 0.0;
                    }
                    if (all_pos)
                        emit_fast_pos(&c, sg, len, out, K + r);
                    else
                        emit_fast_t(&c, sg, len, out, K + r);
                }
                K += kp;
                continue;
            }
            if (Gc || Gp) {
                for (i = 0; i < m; i++) {
                    txn_rec *rec = &R[lcnt[lidx[i]]++];
                    rec->t = Sb[i].t;
                    rec->amount = Sb[i].amount;
                    rec->cost = Gc ? Gc[rb + i] : 0.0;
                    rec->period = Gp ? Gp[rb + i] : period_ctx(Sb[i].t, &c);
                }
            } else {
                for (i = 0; i < m; i++) {
                    txn_rec *rec = &R[lcnt[lidx[i]]++];
                    rec->t = Sb[i].t;
                    rec->amount = Sb[i].amount;
                    rec->cost = 0.0;
                    rec->period = period_ctx(Sb[i].t, &c);
                }
            }
            /* lcnt[r] is now the end of customer r */
            for (r = 0; r < kp; r++) {
                uint32_t a = r ? lcnt[r - 1] : 0;
                size_t len = lcnt[r] - a;
                order_segment(&c, R + a, len);
                if (c.fast)
                    emit_fast(&c, R + a, len, out, K + r);
                else
                    emit_customer(&c, R + a, NULL, len, out, K + r);
            }
            K += kp;
        }
    }
    kbase[pi->P] = K;
    if (!count_only && K > 0)
        merge_runs(out, final, kbase, pi->P, K, (uint32_t *)(void *)(blk + f->perm), blk + f->temp);
    return K;
}

/* Referral outputs of a call without referrer array: no referrals. */
static void no_referrals(cva_txn_summary *out, size_t K)
{
    size_t k;
    if (out->ref_n_txn)
        memset(out->ref_n_txn, 0, K * sizeof(uint32_t));
    if (out->ref_n_cust)
        memset(out->ref_n_cust, 0, K * sizeof(uint32_t));
    for (k = 0; k < K; k++) {
        if (out->ref_amount)
            out->ref_amount[k] = 0.0;
        if (out->ref_last_t)
            out->ref_last_t[k] = CVA_NAN;
    }
}

/* Bounded fallback: radix sort of (id, row) pairs, rows read by index. */
static cva_status run_fallback(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi,
                               unsigned char *blk, cva_txn_summary *out, cva_diag *diag, size_t *K_out)
{
    const size_t n = in->n, nw = pi->nw;
    kpair *A = (kpair *)(void *)blk, *B = A + (nw ? nw : 1), *S, *T;
    size_t i, m = 0, K = 0, a, b;
    txn_ctx c = *cx;
    c.in = in;
    for (i = 0; i < n; i++)
        if (pi->all_in || in_window(in, i, cx->o, cx->obs_end)) {
            A[m].key = id_order_key(in->customer_id[i]);
            A[m].val = i;
            m++;
        }
    S = cva__radix_sort_kv(A, B, m);
    T = S == A ? B : A;
    for (i = 0; i < m; i++)
        if (i == 0 || S[i].key != S[i - 1].key)
            K++;
    *K_out = K;
    if (out->capacity < K) {
        out->n_customers = K;
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                           "out->capacity is less than the number of customers");
    }
    /* From here on nothing can fail: write the outputs. */
    out->n_customers = K;
    K = 0;
    for (a = 0; a < m; a = b) {
        for (b = a + 1; b < m && S[b].key == S[a].key; b++)
            ;
        out->customer_id[K] = (int64_t)(S[a].key ^ (UINT64_C(1) << 63));
        order_index_segment(&c, S + a, T + a, b - a);
        emit_customer(&c, NULL, S + a, b - a, out, K);
        K++;
    }
    no_referrals(out, K);
    return CVA_OK;
}

/* Staging rows for the outputs requested in out, `rows` of each, carved from
   the temp area (nw doubles). 0 when they do not fit. */
static int stage_outputs(const cva_txn_summary *out, size_t rows, size_t nw, unsigned char *temp,
                         cva_txn_summary *stage)
{
    size_t off = 0;
    int pass;
    if (rows == 0 || rows > nw)
        return 0;
    *stage = *out;
    stage->capacity = rows;
    /* pass 0 measures, pass 1 carves (rows <= nw: no overflow below) */
#define STAGE_(field, type)                                                       \
    do {                                                                          \
        if (out->field) {                                                         \
            if (pass)                                                             \
                stage->field = (type *)(void *)(temp + off);                      \
            off += (rows * sizeof(type) + 7u) & ~(size_t)7u;                      \
        }                                                                         \
    } while (0)
    for (pass = 0; pass < 2; pass++) {
        if (pass && off > nw * sizeof(double))
            return 0;
        off = 0;
        STAGE_(customer_id, int64_t);
        STAGE_(n_txn, uint32_t);
        STAGE_(n_occ, uint32_t);
        STAGE_(n_refund, uint32_t);
        STAGE_(first_t, double);
        STAGE_(last_t, double);
        STAGE_(total_amount, double);
        STAGE_(total_cost, double);
        STAGE_(refund_amount, double);
        STAGE_(frequency, double);
        STAGE_(recency, double);
        STAGE_(T, double);
        STAGE_(monetary_value, double);
        STAGE_(days_since_last, double);
        STAGE_(frequency_holdout, double);
        STAGE_(monetary_value_holdout, double);
        STAGE_(duration_holdout, double);
    }
#undef STAGE_
    return 1;
}

cva_status cva__txn_summarize_part(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, arena *ar,
                                  size_t budget, cva_txn_summary *out, cva_diag *diag, size_t *K_out);
cva_status cva__txn_summarize_part(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, arena *ar,
                                  size_t budget, cva_txn_summary *out, cva_diag *diag, size_t *K_out)
{
    size_t gstart[((size_t)1 << PART_MAX_BITS) + 1], kbase[((size_t)1 << PART_MAX_BITS) + 1], ng = 1, m_max = 0, p, target, grows, K;
    fast_layout f;
    cva_txn_summary stage;
    unsigned char *blk;
    int fits = 0, counted = 0;

    for (p = 0; p < pi->P; p++)
        if (pi->cnt[p] > m_max)
            m_max = pi->cnt[p];
    /* as few groups as fit: with a workspace that is one unless a partition is
       skewed; allocating, always one (measured on 5e7 rows: re-reading the
       input once per extra group costs more than the page faults it saves,
       2.45 s with one group, 2.83 s with two, 3.44 s with six) */
    target = pi->nw;
    for (;;) {
        grows = make_groups(pi->cnt, pi->P, target, gstart, &ng);
        if (fast_layout_make(grows, m_max, pi->nw, pi->P, in->cost != NULL, in->period != NULL, &f) &&
            f.total <= budget) {
            fits = 1;
            break;
        }
        if (grows <= m_max || target < 2)
            break;
        target /= 2;
    }
    if (!fits) {
        size_t fb;
        if (!fallback_bytes(pi->nw, &fb) || !(blk = (unsigned char *)arena_get(ar, fb)))
            return CVA_E_NOMEM;
        return run_fallback(in, cx, pi, blk, out, diag, K_out);
    }
    if (!(blk = (unsigned char *)arena_get(ar, f.total)))
        return CVA_E_NOMEM;
    blk += (16 - (size_t)((uintptr_t)blk & 15u)) & 15u;
    if (out->capacity < pi->nw && ng == 1 && stage_outputs(out, out->capacity, pi->nw, blk + f.temp, &stage)) {
        /* one run into staging rows (the temp area), gathered into the
           outputs in id order only once the customers are known to fit */
        K = run_fast(in, cx, pi, blk, &f, gstart, ng, &stage, 0, 0, out->capacity, out, kbase);
        *K_out = K;
        if (out->capacity < K) {
            out->n_customers = K;
            return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                               "out->capacity is less than the number of customers");
        }
        out->n_customers = K;
        no_referrals(out, K);
        return CVA_OK;
    }
    if (out->capacity < pi->nw) {
        counted = 1;
        K = run_fast(in, cx, pi, blk, &f, gstart, ng, out, 1, 0, SIZE_MAX, out, kbase);
        if (out->capacity < K) {
            *K_out = K;
            out->n_customers = K;
            return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                               "out->capacity is less than the number of customers");
        }
    }
    /* From here on nothing can fail: write the outputs. */
    K = run_fast(in, cx, pi, blk, &f, gstart, ng, out, 0, counted && ng == 1, SIZE_MAX, out, kbase);
    out->n_customers = K;
    *K_out = K;
    no_referrals(out, K);
    return CVA_OK;
}

/*
 * Path with a referrer array (the hash path, steps 2-6 above): outputs and
 * *n_window, *K_out written; CVA_OK, or an error already reported (nothing
 * written but out->n_customers on CVA_E_BUFFER_TOO_SMALL).
 */
cva_status cva__txn_summarize_ref(const cva_txn_input *in, const cva_txn_opts *o, const txn_layout *L, arena *ar,
                                  double obs_end, double cal_end, double ref_end, int has_cal,
                                  cva_txn_summary *out, cva_diag *diag, size_t *n_window_out, size_t *K_out);
cva_status cva__txn_summarize_ref(const cva_txn_input *in, const cva_txn_opts *o, const txn_layout *L, arena *ar,
                                  double obs_end, double cal_end, double ref_end, int has_cal,
                                  cva_txn_summary *out, cva_diag *diag, size_t *n_window_out, size_t *K_out)
{
    const size_t n = in->n;
    size_t i, n_window = 0, K = 0, k;
    uint32_t *slot = NULL, *ref_slot = NULL, *rank = NULL;
    size_t *offs = NULL;
    kpair *pairs = NULL, *ptmp = NULL, *sorted;
    txn_rec *recs = NULL, *rtmp = NULL;
    idmap map;
    cva_status result = CVA_OK;

    memset(&map, 0, sizeof map);
#define NOMEM_()                                                                             \
    do {                                                                                     \
        result = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "workspace allocation failed"); \
        goto done;                                                                           \
    } while (0)

    slot = (uint32_t *)arena_get(ar, (n ? n : 1) * sizeof(uint32_t));
    if (!slot)
        NOMEM_();
    if (L->has_ref) {
        ref_slot = (uint32_t *)arena_get(ar, (n ? n : 1) * sizeof(uint32_t));
        if (!ref_slot)
            NOMEM_();
    }
    if (ar->base) {
        map.cap = L->hash_cap;
        map.keys_cap = L->max_keys;
        map.growable = 0;
        map.slots = (hslot *)arena_get(ar, map.cap * sizeof(hslot));
        map.keys = (int64_t *)arena_get(ar, (map.keys_cap ? map.keys_cap : 1) * sizeof(int64_t));
    } else {
        map.cap = 1024;
        map.keys_cap = 512;
        map.growable = 1;
        map.alloc = o->alloc;
        map.slots = (hslot *)cva__alloc(o->alloc, map.cap * sizeof(hslot));
        map.keys = (int64_t *)cva__alloc(o->alloc, map.keys_cap * sizeof(int64_t));
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
                t < o->obs_start || t > obs_end) {
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
                    is_purchase(in->amount[i], o->refund_policy, o->flags)) {
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
    pairs = (kpair *)arena_get(ar, (K ? K : 1) * sizeof(kpair));
    ptmp = (kpair *)arena_get(ar, (K ? K : 1) * sizeof(kpair));
    rank = (uint32_t *)arena_get(ar, (K ? K : 1) * sizeof(uint32_t));
    offs = (size_t *)arena_get(ar, (K + 1) * sizeof(size_t));
    if (!pairs || !ptmp || !rank || !offs)
        NOMEM_();
    for (k = 0; k < K; k++) {
        pairs[k].key = id_order_key(map.keys[k]);
        pairs[k].val = k;
    }
    sorted = cva__radix_sort_kv(pairs, ptmp, K);
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
        recs = (txn_rec *)arena_get(ar, (n_window ? n_window : 1) * sizeof(txn_rec));
        rtmp = (txn_rec *)arena_get(ar, (max_seg ? max_seg : 1) * sizeof(txn_rec));
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
            r->period = in->period ? in->period[i] : period_of(in->t[i], o);
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
        memset(&cx, 0, sizeof cx);
        cx.o = o;
        cx.has_cal = has_cal;
        cx.obs_end = obs_end;
        cx.cal_end = cal_end;
        cx.ref_end = ref_end;
        cx.rtmp = rtmp;
        for (k = 0; k < K; k++)
        {
            txn_rec *seg = recs + offs[k];
            size_t len = offs[k + 1] - offs[k];
            order_segment(&cx, seg, len);
            emit_customer(&cx, seg, NULL, len, out, k);
        }
    }

    /* 6. referral aggregates, in input row order */
    if (out->ref_n_txn)
        memset(out->ref_n_txn, 0, K * sizeof(uint32_t));
    if (out->ref_n_cust)
        memset(out->ref_n_cust, 0, K * sizeof(uint32_t));
    if (out->ref_last_t)
        for (k = 0; k < K; k++)
            out->ref_last_t[k] = CVA_NAN;
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
            rp = cva__radix_sort_kv(rp, rq, m);
            for (j = 0; j < m; j++)
                if (j == 0 || rp[j].key != rp[j - 1].key)
                    out->ref_n_cust[rp[j].key >> 32]++;
        }
    }

done:
#undef NOMEM_
    if (!ar->base) {
        cva__free(o->alloc, map.slots);
        cva__free(o->alloc, map.keys);
    }
    *n_window_out = n_window;
    *K_out = K;
    return result;
}

/* Internal status of summarize(): values large enough that a sum may overflow
   were seen; nothing has been written. */
#define TXN_HUGE 1000

/*
 * The summary. Sums cannot overflow while every |amount| and |cost| is at most
 * DBL_MAX / (4 (n + 1)) and every |time| at most that times min(1, time_scale):
 * the validation pass tests exactly that bound in place of isfinite() (the same
 * one comparison per value). Beyond it, and unless @p checked, it returns
 * TXN_HUGE before anything is written, and cva_txn_summarize() checks the sums
 * on scratch outputs first.
 */
static cva_status summarize(const cva_txn_input *in, const cva_txn_opts *opts, cva_txn_summary *out,
                            void *work, size_t work_size, cva_diag *diag, int checked)
{
    cva_txn_opts o;
    cva_status st;
    txn_layout L;
    arena ar;
    size_t n, i, n_window = 0, n_invalid = 0, K = 0;
    double obs_end, ref_end, cal_end;
    int has_cal, skip_invalid, hist;
    unsigned bits;
    size_t P, budget, cnt[(size_t)1 << PART_MAX_BITS];
    cva_status result = CVA_OK;

    memset(&ar, 0, sizeof ar);
    if ((st = check_input(in, diag)) < 0)
        return st;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "out is NULL");
    if (out->struct_size != sizeof(cva_txn_summary) && out->struct_size != TXN_SUMMARY_V1_SIZE)
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

    /* 1. validate rows, find the end of observation; without referrers also
          count the rows in the window per partition */
    hist = in->referrer_id == NULL;
    bits = part_bits(n);
    P = (size_t)1 << bits;
    memset(cnt, 0, P * sizeof cnt[0]);
    {
        double tmax = -CVA_INF;
        const int end_given = !isnan(o.obs_end);
        /* no sum can overflow below these bounds (see above); checked: no bound */
        const double lim = checked ? DBL_MAX : DBL_MAX / (4.0 * ((double)n + 1.0));
        const double lim_t = checked ? DBL_MAX : lim * (o.time_scale < 1.0 ? o.time_scale : 1.0);
        int huge = !checked && (fabs(o.obs_end) > lim_t || fabs(o.calibration_end) > lim_t);
        if (hist && !in->cost && !end_given && isinf(o.obs_start)) {
            /* the default case: every finite row is in the window */
            const int64_t *id = in->customer_id;
            const double *tt = in->t, *aa = in->amount;
            for (i = 0; i < n; i++) {
                double t = tt[i];
                if (!(fabs(t) <= lim_t) || !(fabs(aa[i]) <= lim)) {
                    if (!isfinite(t) || !isfinite(aa[i])) {
                        if (!skip_invalid)
                            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0,
                                               !isfinite(t) ? "time is NaN or infinite"
                                                            : "amount is NaN or infinite");
                        n_invalid++;
                        continue;
                    }
                    huge = 1;
                }
                if (t > tmax)
                    tmax = t;
                cnt[PART_OF_(id[i], bits)]++;
            }
        } else {
            for (i = 0; i < n; i++) {
                double t = in->t[i], a = in->amount[i];
                int bad = !isfinite(t) || !isfinite(a) || (in->cost && !isfinite(in->cost[i]));
                if (!bad && (!(fabs(t) <= lim_t) || !(fabs(a) <= lim) || (in->cost && !(fabs(in->cost[i]) <= lim))))
                    huge = 1;
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
                if (t >= o.obs_start) {
                    if (t > tmax)
                        tmax = t;
                    if (hist && (!end_given || t <= o.obs_end))
                        cnt[PART_OF_(in->customer_id[i], bits)]++;
                }
            }
        }
        obs_end = isnan(o.obs_end) ? tmax : o.obs_end;
        if (huge)
            return TXN_HUGE; /* nothing written yet */
    }
    has_cal = !isnan(o.calibration_end);
    cal_end = has_cal ? o.calibration_end : obs_end;
    if (has_cal && isnan(o.obs_end) && cal_end > obs_end)
        obs_end = cal_end; /* the data end before the calibration end: empty holdout */
    ref_end = cal_end;

    /* 2. workspace */
    make_layout(in, &L);
    {
        size_t need;
        if (!(L.has_ref ? layout_bytes(&L, &need) : cva__txn_nonref_bound(in, &need)))
            return cva__report(diag, CVA_E_OVERFLOW, 4, 0, -1, 0, "workspace size overflows size_t");
        if (work) {
            if (work_size < need)
                return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 5, 0, -1, need,
                                   "work_size is below cva_txn_workspace_size()");
            ar.base = (unsigned char *)work;
            ar.size = work_size;
            budget = work_size;
        } else {
            /* allocating: the fast path always (its groups bound what is touched) */
            ar.alloc = o.alloc;
            budget = SIZE_MAX;
        }
    }

#define NOMEM_()                                                                             \
    do {                                                                                     \
        result = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "workspace allocation failed"); \
        goto done;                                                                           \
    } while (0)

    if (!L.has_ref) {
        txn_ctx cx;
        part_in pi;
        memset(&cx, 0, sizeof cx);
        cx.o = &o;
        cx.has_cal = has_cal;
        cx.obs_end = obs_end;
        cx.cal_end = cal_end;
        cx.ref_end = ref_end;
        cx.unit_period = !(o.period_origin < 0.0 || o.period_origin > 0.0) &&
                         !(o.period_length < 1.0 || o.period_length > 1.0);
        cx.fast = o.refund_policy == CVA_REFUND_NET && !has_cal;
        cx.has_cost = in->cost != NULL;
        pi.cnt = cnt;
        pi.bits = bits;
        pi.P = P;
        for (n_window = 0, i = 0; i < P; i++)
            n_window += cnt[i];
        pi.nw = n_window;
        pi.all_in = n_window == n;
        result = cva__txn_summarize_part(in, &cx, &pi, &ar, budget, out, diag, &K);
        if (result == CVA_E_NOMEM)
            NOMEM_();
        if (result < 0)
            goto done;
        goto status;
    }

    result = cva__txn_summarize_ref(in, &o, &L, &ar, obs_end, cal_end, ref_end, has_cal, out, diag, &n_window, &K);
    if (result < 0)
        goto done;

status:
    if (out->struct_size >= sizeof(cva_txn_summary)) {
        /* the ends used (NaN when none is known: no end given and no valid row) */
        out->obs_end = isfinite(obs_end) ? obs_end : CVA_NAN;
        out->calibration_end = isfinite(cal_end) ? cal_end : CVA_NAN;
    }
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
    arena_release(&ar);
    return result;
}

/* Summarise into scratch outputs and look for a money or time statistic that
   overflowed. CVA_OK if none, CVA_E_OVERFLOW (diag->index: the customer's first
   row) if one did, or the error of the scratch call. */
static cva_status overflow_check(const cva_txn_input *in, const cva_txn_opts *opts, void *work, size_t work_size,
                                 cva_diag *diag)
{
    const cva_allocator *al = opts ? opts->alloc : NULL;
    size_t cap = in->referrer_id ? 2 * in->n : in->n, k, i;
    enum { NA = 10 };
    double *a[NA];
    int64_t *ids;
    cva_txn_summary s;
    cva_status st;
    int j, has_cal = opts && !isnan(opts->calibration_end);
    if (cap < in->n || cap > SIZE_MAX / sizeof(double))
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "more rows than size_t can count");
    if (cap == 0)
        cap = 1;
    ids = (int64_t *)cva__alloc(al, cap * sizeof(int64_t));
    for (j = 0; j < NA; j++)
        a[j] = (double *)cva__alloc(al, cap * sizeof(double));
    st = CVA_OK;
    for (j = 0; j < NA; j++)
        if (!a[j])
            st = CVA_E_NOMEM;
    if (!ids || st == CVA_E_NOMEM) {
        st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "scratch outputs for the overflow check");
        goto out;
    }
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.capacity = cap;
    s.customer_id = ids;
    s.frequency = a[0];
    s.total_amount = a[1];
    s.total_cost = a[2];
    s.refund_amount = a[3];
    s.monetary_value = a[4];
    s.recency = a[5];
    s.T = a[6];
    s.days_since_last = a[7];
    s.ref_amount = in->referrer_id ? a[8] : NULL;
    s.monetary_value_holdout = has_cal ? a[9] : NULL;
    st = summarize(in, opts, &s, work, work_size, diag, 1);
    if (st < 0)
        goto out;
    st = CVA_OK;
    for (k = 0; k < s.n_customers; k++) {
        /* always finite unless a sum overflowed; the others are NaN without a purchase */
        int bad = !isfinite(a[1][k]) || !isfinite(a[2][k]) || !isfinite(a[3][k]) ||
                  (s.ref_amount && !isfinite(a[8][k])) || (has_cal && !isfinite(a[9][k]));
        if (!isnan(a[0][k]))
            bad |= !isfinite(a[4][k]) || !isfinite(a[5][k]) || !isfinite(a[6][k]) || !isfinite(a[7][k]);
        if (bad) {
            int64_t row = -1;
            for (i = 0; i < in->n && row < 0; i++)
                if (in->customer_id[i] == ids[k] ||
                    (in->referrer_id && in->referrer_id[i] == ids[k]))
                    row = (int64_t)i;
            st = cva__report(diag, CVA_E_OVERFLOW, 1, 0, row, 0,
                             "a sum of this customer's amounts or costs, or a time difference, overflows "
                             "(beyond DBL_MAX)");
            break;
        }
    }
out:
    cva__free(al, ids);
    for (j = 0; j < NA; j++)
        cva__free(al, a[j]);
    return st;
}

cva_status cva_txn_summarize(const cva_txn_input *in, const cva_txn_opts *opts, cva_txn_summary *out,
                             void *work, size_t work_size, cva_diag *diag)
{
    cva_status st = summarize(in, opts, out, work, work_size, diag, 0);
    if (st != TXN_HUGE)
        return st;
    /* values so large that a sum may overflow (never with ordinary data): check on
       scratch outputs first, so that nothing is written when one does */
    st = overflow_check(in, opts, work, work_size, diag);
    if (st < 0)
        return st;
    return summarize(in, opts, out, work, work_size, diag, 1);
}
