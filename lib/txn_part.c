/*
 * libcva — transaction summaries without a referrer array: the partitioned
 * path (rows grouped by id-hash partition, per-partition customers, a heap
 * merge into id order) and its bounded sort fallback.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"
#include "txn_internal.h"

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

static inline int in_window(const cva_txn_input *in, size_t i, const cva_txn_opts *o, double obs_end)
{
    double t = in->t[i];
    return isfinite(t) && isfinite(in->amount[i]) && (!in->cost || isfinite(in->cost[i])) &&
           t >= o->obs_start && t <= obs_end;
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
                            merge_sort_trecs(NULL, R2 + a, T2, len);
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
