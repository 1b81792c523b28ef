/*
 * libcva — transaction summaries with a referrer array: the hash path,
 * O(n) expected. After the validation pass of txn.c (step 1: rows, the
 * observation end):
 *  2. map every customer id (and referrer id) to a dense index with an
 *     open-addressing hash table (the last id is cached, so logs grouped by
 *     customer hash once per customer);
 *  3. sort the distinct ids (LSD radix) and give each dense index its rank;
 *  4. counting-sort the rows by rank into records {t, amount, cost, period}
 *     (stable, so input order is kept within a customer);
 *  5. per customer, order its records by (period, t) with a stable merge
 *     sort when they are not already in order, then compute everything in
 *     one pass with Neumaier sums in that fixed order (txn_stats.h);
 *  6. referral aggregates, in input row order.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "cva_internal.h"
#include "txn_internal.h"

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

/*
 * Path with a referrer array (steps 2-6 of the file comment): outputs and
 * *n_window, *K_out written; CVA_OK, or an error already reported (nothing
 * written but out->n_customers on CVA_E_BUFFER_TOO_SMALL).
 */
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
                if (r != CVA_TXN_NO_REFERRER && (!has_cal || t <= cal_end) &&
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
