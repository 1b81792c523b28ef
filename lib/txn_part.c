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
 *     (P = 2^bits partitions by the top bits of the id hash); a task per row
 *     chunk (max(4096, n/64) rows: a split fixed by n) counts its rows per
 *     partition, so that every chunk knows where its rows go;
 *  b. the partitions are processed in groups of consecutive partitions: one
 *     pass over the input (a task per row chunk) scatters the group's rows
 *     (stable: chunk by chunk, in input order, write-combined) as 24-byte
 *     {id, t, amount} rows plus optional cost/period columns into a group
 *     buffer; there is one group unless a smaller workspace makes several
 *     passes (each re-reading the input) necessary;
 *  c. per partition (a task each, cache-resident): ids to local indices with
 *     a small hash table, the distinct ids sorted, a rank per row; the
 *     customers are then counted (and checked against the capacity before
 *     anything is written); per partition again (a task each): a counting
 *     sort of the rows into records by id (stable, so each customer keeps
 *     input order), and one pass per customer written to the output rows of
 *     this partition. With the direct tables of the fast emission (no cost
 *     or period arrays, ids dense within a partition: direct_task()) the two
 *     are one task per partition that reads the partition's rows from the
 *     group buffer once: it counts the customers and, unless it is the
 *     counting run, emits them into a staging copy of the outputs laid over
 *     the partition's own rows (whose records are then in the worker's
 *     scratch), when that copy fits there; once every partition's customers
 *     are counted and checked against the capacity, a task per partition
 *     copies its staged rows into place (or, when they did not fit, emits
 *     again from its rows, still intact). On the calling thread with room
 *     for every row in the window the outputs are written directly;
 *  d. the outputs, sorted by id within each partition, are put in global id
 *     order: a heap merge of the partitions gives the permutation, applied to
 *     each requested array.
 * The tasks run on cva_txn_opts::executor when there is one (scratch per
 * worker); where the work splits depends only on the input and each
 * customer's sums stay in one task, so the bits are the same for any executor.
 * When the per-partition buffers would not fit the workspace bound (one huge
 * partition: a customer with a large share of the rows, or adversarial ids),
 * a bounded fallback radix-sorts (id, row) pairs and reads rows by index.
 * Outputs are written only once nothing can fail (all memory is taken first).
 * With several groups and out->capacity below the rows in the window, a
 * counting run (steps a-c without the emission) precedes the writing run.
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

/* Offsets of the parts of the fast path inside one block: the parts shared by
   all tasks, then `workers` copies (wstride bytes apart, from work0) of the
   scratch one task uses at a time, indexed by the worker running it. */
typedef struct fast_layout {
    size_t G, Gc, Gp, lix, temp, ccnt, gpos, rbase, kpc, work0, wstride, total;
    size_t wc, ht, pairs, lrank, lcnt, R; /* inside one worker's scratch */
    size_t hcap;
} fast_layout;

/* grows: rows of the largest group; m: rows of the largest partition; nw: rows
   in the window; P partitions; nch row chunks; workers: scratch copies. */
static int fast_layout_make(size_t grows, size_t m, size_t nw, size_t P, size_t nch, unsigned workers, int has_cost,
                            int has_per, fast_layout *f)
{
    size_t t = 0, w = 0;
    int ok = 1;
    f->hcap = next_pow2(2 * m + 1);
#define FPART_(field, count, size) (f->field = t, ok = ok && add_part(&t, (count), (size)))
    FPART_(G, grows + P * PART_WC_ROWS, sizeof(prow)); /* + alignment of each partition start */
    FPART_(Gc, has_cost ? grows + P * PART_WC_ROWS : 0, sizeof(double));
    FPART_(Gp, has_per ? grows + P * PART_WC_ROWS : 0, sizeof(int64_t));
    FPART_(lix, nw, sizeof(uint32_t));   /* per row: its customer's rank; then the merge permutation */
    FPART_(temp, nw, sizeof(double));    /* per partition: its ids by rank; then the merge's gather buffer */
    FPART_(ccnt, nch * P, sizeof(uint32_t)); /* rows per (chunk, partition), then their offsets */
    FPART_(gpos, P, sizeof(size_t));     /* start of each partition in the group buffer */
    FPART_(rbase, P + 1, sizeof(size_t)); /* rows in the window before each partition */
    FPART_(kpc, P, sizeof(uint32_t));    /* customers per partition */
#undef FPART_
#define WPART_(field, count, size) (f->field = w, ok = ok && add_part(&w, (count), (size)))
    WPART_(wc, P * PART_WC_ROWS, sizeof(prow)); /* write-combining rows of the scatter */
    WPART_(ht, f->hcap, sizeof(uint32_t));
    WPART_(pairs, 2 * m, sizeof(kpair)); /* key sort, then the merge buffer of records */
    WPART_(lrank, m, sizeof(uint32_t));
    WPART_(lcnt, m + 1, sizeof(uint32_t));
    WPART_(R, m, sizeof(txn_rec));
#undef WPART_
    f->work0 = t;
    f->wstride = w;
    ok = ok && mul_add(w, workers ? workers : 1u, t, &t);
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

/* Workspace bound without referrers: twice the input bytes (never less than
   the fallback); with workers >= 2, at least the fast path's block for one
   group with scratch for every worker, for partitions of up to twice the mean
   partition size (the ids hashed evenly; a larger partition falls back to
   fewer scratch copies, then to the serial layout). */
int cva__txn_nonref_bound(const cva_txn_input *in, unsigned workers, size_t *bytes)
{
    size_t row = 3 * sizeof(double) + (in->cost ? sizeof(double) : 0) + (in->period ? sizeof(int64_t) : 0);
    size_t twice, fb;
    if (!mul_add(in->n, 2 * row, 0, &twice) || !fallback_bytes(in->n, &fb))
        return 0;
    *bytes = twice > fb ? twice : fb;
    if (workers > 1) {
        const size_t n = in->n, P = (size_t)1 << part_bits(n), mean = n / P + 1;
        const size_t m = 2 * mean < n ? 2 * mean : n;
        fast_layout f;
        if (!fast_layout_make(n, m, n, P, row_chunks(n), workers, in->cost != NULL, in->period != NULL, &f))
            return 0;
        if (f.total > *bytes)
            *bytes = f.total;
    }
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

/* One output array put in the order of perm, in place through temp: a
   section of gather tasks (perm[k] -> temp[k]), then one of copies back, each
   over a chunk of rows fixed by K. Copies go through memcpy (the bits, whatever
   the element type). */
typedef struct perm_job {
    unsigned char *a;
    size_t esz;
    const uint32_t *perm;
    unsigned char *temp;
    size_t K, chunk;
} perm_job;

static void gather_task(void *arg, size_t j, unsigned w)
{
    const perm_job *pj = (const perm_job *)arg;
    const size_t k0 = j * pj->chunk, k1 = pj->K - k0 < pj->chunk ? pj->K : k0 + pj->chunk;
    size_t k;
    (void)w;
    if (pj->esz == 8) {
        for (k = k0; k < k1; k++)
            memcpy(pj->temp + 8 * k, pj->a + 8 * (size_t)pj->perm[k], 8);
    } else {
        for (k = k0; k < k1; k++)
            memcpy(pj->temp + 4 * k, pj->a + 4 * (size_t)pj->perm[k], 4);
    }
}

static void copy_back_task(void *arg, size_t j, unsigned w)
{
    const perm_job *pj = (const perm_job *)arg;
    const size_t k0 = j * pj->chunk, k1 = pj->K - k0 < pj->chunk ? pj->K : k0 + pj->chunk;
    (void)w;
    memcpy(pj->a + pj->esz * k0, pj->temp + pj->esz * k0, (k1 - k0) * pj->esz);
}

static void permute_array(void *a, size_t esz, const uint32_t *perm, void *temp, size_t K,
                          const cva_executor *ex)
{
    perm_job pj;
    size_t n_tasks;
    if (!a)
        return;
    pj.a = (unsigned char *)a;
    pj.esz = esz;
    pj.perm = perm;
    pj.temp = (unsigned char *)temp;
    pj.K = K;
    pj.chunk = (K + 63) / 64 < 16384 ? 16384 : (K + 63) / 64;
    n_tasks = (K + pj.chunk - 1) / pj.chunk;
    cva__parallel_for(ex, n_tasks, gather_task, &pj);
    cva__parallel_for(ex, n_tasks, copy_back_task, &pj);
}

/* The merge of the partitions' runs into id order, in segments: the keys of
   the largest run at evenly spaced positions cut the key range into S
   segments; per segment (a task each) the start of every run inside it is
   found by binary search, the segment's output position is the sum of those
   starts, and a heap merge of the runs' pieces writes its part of perm. The
   ids are distinct, so the permutation is unique: it is the same for every
   number of segments, and with one worker there is one segment (no search). */
#define MERGE_MIN_SEG ((size_t)1 << 14) /* customers per segment, at least */
#define MERGE_MAX_SEGS 64

typedef struct merge_job {
    const int64_t *id;
    const size_t *kbase;
    size_t P, S;
    uint64_t split[MERGE_MAX_SEGS]; /* split[s]: the first key of segment s (s >= 1) */
    uint32_t *bnd;                  /* (S - 1) × P: start of segment s >= 1 in run p */
    uint32_t *perm;
} merge_job;

/* First position in run p whose key is >= key. */
static size_t run_lower_bound(const merge_job *mj, size_t p, uint64_t key)
{
    size_t lo = mj->kbase[p], hi = mj->kbase[p + 1];
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (id_order_key(mj->id[mid]) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Task of the first section: the starts of segment s + 1 in every run. */
static void merge_bound_task(void *arg, size_t s, unsigned w)
{
    const merge_job *mj = (const merge_job *)arg;
    size_t p;
    (void)w;
    for (p = 0; p < mj->P; p++)
        mj->bnd[s * mj->P + p] = (uint32_t)run_lower_bound(mj, p, mj->split[s + 1]);
}

/* Task of the second section: segment s merged into perm. */
static void merge_task(void *arg, size_t s, unsigned w)
{
    const merge_job *mj = (const merge_job *)arg;
    const int64_t *id = mj->id;
    hnode h[(size_t)1 << PART_MAX_BITS];
    size_t hn = 0, p, i, k = 0;
    uint32_t *perm = mj->perm;
    (void)w;
    for (p = 0; p < mj->P; p++) {
        const size_t lo = s ? mj->bnd[(s - 1) * mj->P + p] : mj->kbase[p];
        const size_t hi = s + 1 < mj->S ? mj->bnd[s * mj->P + p] : mj->kbase[p + 1];
        k += lo - mj->kbase[p]; /* the customers of run p before this segment */
        if (hi > lo) {
            h[hn].key = id_order_key(id[lo]);
            h[hn].cur = (uint32_t)lo;
            h[hn].end = (uint32_t)hi;
            hn++;
        }
    }
    for (i = hn / 2; i-- > 0;)
        heap_down(h, hn, i);
    while (hn) {
        perm[k++] = h[0].cur++;
        if (h[0].cur == h[0].end)
            h[0] = h[--hn];
        else
            h[0].key = id_order_key(id[h[0].cur]);
        if (hn)
            heap_down(h, hn, 0);
    }
}

/* Rows sorted by id within each partition run [kbase[p], kbase[p+1]) of out ->
   global id order, in place (through temp, K elements): the merge of the runs
   gives the permutation, applied to every requested array. */
static void merge_runs(cva_txn_summary *out, const size_t *kbase, size_t P, size_t K, uint32_t *perm, void *temp,
                       const cva_executor *ex)
{
    merge_job mj;
    size_t p, big = 0, s;
    mj.id = out->customer_id;
    mj.kbase = kbase;
    mj.P = P;
    mj.perm = perm;
    mj.bnd = (uint32_t *)temp; /* free until the arrays are reordered: K·8 >= (S - 1)·P·4 bytes */
    mj.S = 1;
    if (cva__workers(ex) > 1) {
        mj.S = K / MERGE_MIN_SEG;
        if (mj.S > MERGE_MAX_SEGS)
            mj.S = MERGE_MAX_SEGS;
        if (mj.S > 4 * (size_t)cva__workers(ex))
            mj.S = 4 * (size_t)cva__workers(ex);
        if (mj.S < 1)
            mj.S = 1;
    }
    if (mj.S > 1) {
        for (p = 1; p < P; p++)
            if (kbase[p + 1] - kbase[p] > kbase[big + 1] - kbase[big])
                big = p;
        for (s = 1; s < mj.S; s++)
            mj.split[s] = id_order_key(mj.id[kbase[big] + s * (kbase[big + 1] - kbase[big]) / mj.S]);
        cva__parallel_for(ex, mj.S - 1, merge_bound_task, &mj);
    }
    cva__parallel_for(ex, mj.S, merge_task, &mj);
    permute_array(out->customer_id, 8, perm, temp, K, ex);
    permute_array(out->n_txn, 4, perm, temp, K, ex);
    permute_array(out->n_occ, 4, perm, temp, K, ex);
    permute_array(out->n_refund, 4, perm, temp, K, ex);
    permute_array(out->first_t, 8, perm, temp, K, ex);
    permute_array(out->last_t, 8, perm, temp, K, ex);
    permute_array(out->total_amount, 8, perm, temp, K, ex);
    permute_array(out->total_cost, 8, perm, temp, K, ex);
    permute_array(out->refund_amount, 8, perm, temp, K, ex);
    permute_array(out->frequency, 8, perm, temp, K, ex);
    permute_array(out->recency, 8, perm, temp, K, ex);
    permute_array(out->T, 8, perm, temp, K, ex);
    permute_array(out->monetary_value, 8, perm, temp, K, ex);
    permute_array(out->days_since_last, 8, perm, temp, K, ex);
    permute_array(out->frequency_holdout, 8, perm, temp, K, ex);
    permute_array(out->monetary_value_holdout, 8, perm, temp, K, ex);
    /* duration_holdout is the same in every row */
}

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

/* What the tasks of the fast path share. Each task writes only its own part
   of the block and of the outputs, from inputs no task writes, so running a
   task again gives the same bytes (the executor contract's rerun). */
typedef struct part_run {
    const cva_txn_input *in;
    const txn_ctx *cx;
    const part_in *pi;
    const fast_layout *f;
    unsigned char *blk;
    size_t chunk;       /* rows per row task */
    size_t lo, hi;      /* partitions of the current group */
    const size_t *kbase; /* first output row of each partition */
    cva_txn_summary *out;
    unsigned char *pstate; /* per partition: PSTATE_* (the parallel run with direct tables) */
    int count_only;        /* the counting run: direct_task() only counts */
} part_run;

#define WSCRATCH_(r, w) ((r)->blk + (r)->f->work0 + (size_t)(w) * (r)->f->wstride)
#define PART_PTR_(r, field, type) ((type *)(void *)((r)->blk + (r)->f->field))

/* The rows in the window of chunk c per partition of pi, into cc (P counts). */
static void count_chunk(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, size_t chunk, size_t c,
                        uint32_t *cc)
{
    const size_t i0 = c * chunk, i1 = in->n - i0 < chunk ? in->n : i0 + chunk;
    size_t i;
    memset(cc, 0, pi->P * sizeof *cc);
    if (pi->all_in) {
        for (i = i0; i < i1; i++)
            cc[part_of(pi, in->customer_id[i])]++;
    } else {
        for (i = i0; i < i1; i++)
            if (in_window(in, i, cx->o, cx->obs_end))
                cc[part_of(pi, in->customer_id[i])]++;
    }
}

/* Task of the counting pass: rows in the window of chunk c per partition. */
static void count_task(void *arg, size_t c, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    (void)w;
    count_chunk(r->in, r->cx, r->pi, r->chunk, c, PART_PTR_(r, ccnt, uint32_t) + c * r->pi->P);
}

/* Task of the scatter: the rows of chunk c that belong to the current group go
   to their partition in the group buffer, after the rows of the chunks before
   (so each partition keeps input order), through the worker's write-combining
   rows: whole aligned runs of PART_WC_ROWS rows with streaming stores, the
   partial runs at the chunk's ends with plain copies. */
static void scatter_task(void *arg, size_t c, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    const cva_txn_input *in = r->in;
    const fast_layout *f = r->f;
    const size_t P = r->pi->P, lo = r->lo, hi = r->hi, span = hi - lo;
    const size_t i0 = c * r->chunk, i1 = in->n - i0 < r->chunk ? in->n : i0 + r->chunk;
    const part_in *pi = r->pi;
    const int all_in = r->pi->all_in;
    const uint32_t *coff = PART_PTR_(r, ccnt, uint32_t) + c * P;
    const size_t *gpos = PART_PTR_(r, gpos, size_t);
    prow *G = PART_PTR_(r, G, prow), *wc = (prow *)(void *)(WSCRATCH_(r, w) + f->wc);
    double *Gc = in->cost ? PART_PTR_(r, Gc, double) : NULL;
    int64_t *Gp = in->period ? PART_PTR_(r, Gp, int64_t) : NULL;
    size_t cur[(size_t)1 << PART_MAX_BITS], q, i;
    unsigned char rs[(size_t)1 << PART_MAX_BITS]; /* first slot of the current run */

    for (q = lo; q < hi; q++) {
        cur[q] = gpos[q] + coff[q];
        rs[q] = (unsigned char)(cur[q] & (PART_WC_ROWS - 1));
    }
    for (i = i0; i < i1; i++) {
        int64_t id;
        size_t d, fl;
        prow *row;
        if (!all_in && !in_window(in, i, r->cx->o, r->cx->obs_end))
            continue;
        id = in->customer_id[i];
        q = part_of(pi, id);
        if (q - lo >= span)
            continue;
        d = cur[q]++;
        fl = d & (PART_WC_ROWS - 1);
        row = &wc[q * PART_WC_ROWS + fl];
        row->id = id;
        row->t = in->t[i];
        row->amount = in->amount[i];
        if (Gc)
            Gc[d] = in->cost[i];
        if (Gp)
            Gp[d] = in->period[i];
        if (fl == PART_WC_ROWS - 1) {
            if (rs[q] == 0) {
                copy_run(&G[d + 1 - PART_WC_ROWS], &wc[q * PART_WC_ROWS]);
            } else {
                memcpy(&G[d + 1 - PART_WC_ROWS + rs[q]], &wc[q * PART_WC_ROWS + rs[q]],
                       (PART_WC_ROWS - rs[q]) * sizeof(prow));
                rs[q] = 0;
            }
        }
    }
#if CVA_STREAM_STORES_
    _mm_sfence();
#endif
    for (q = lo; q < hi; q++) {
        size_t e = cur[q] & (PART_WC_ROWS - 1);
        if (e > rs[q])
            memcpy(&G[(cur[q] & ~(size_t)(PART_WC_ROWS - 1)) + rs[q]], &wc[q * PART_WC_ROWS + rs[q]],
                   (e - rs[q]) * sizeof(prow));
    }
}

/* Task of the hashing pass, partition lo + j: its distinct ids sorted (into
   temp at the partition's row base) and, per row, the rank of its id (lix). */
static void hash_task(void *arg, size_t j, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    const fast_layout *f = r->f;
    const size_t q = r->lo + j, m = r->pi->cnt[q], cap = next_pow2(2 * m + 1);
    const unsigned bits = r->pi->hshift, lbits = log2_of(cap);
    const size_t rb = PART_PTR_(r, rbase, size_t)[q];
    const prow *Sb = PART_PTR_(r, G, prow) + PART_PTR_(r, gpos, size_t)[q];
    uint32_t *lix = PART_PTR_(r, lix, uint32_t) + rb;
    int64_t *lkeys = PART_PTR_(r, temp, int64_t) + rb;
    unsigned char *ws = WSCRATCH_(r, w);
    uint32_t *ht = (uint32_t *)(void *)(ws + f->ht), *lrank = (uint32_t *)(void *)(ws + f->lrank);
    kpair *pairs = (kpair *)(void *)(ws + f->pairs), *sorted;
    size_t kp = 0, l, i;
    int64_t last_id = 0;
    uint32_t last = EMPTY_SLOT;

    for (l = 0; l < cap; l++)
        ht[l] = EMPTY_SLOT;
    for (i = 0; i < m; i++) {
        const int64_t id = Sb[i].id;
        size_t h;
        uint32_t v;
        if (id == last_id && last != EMPTY_SLOT) {
            lix[i] = last;
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
        last = lix[i] = v;
        last_id = id;
    }
    /* the partition's ids in order: its output rows */
    for (l = 0; l < kp; l++) {
        pairs[l].key = id_order_key(lkeys[l]);
        pairs[l].val = l;
    }
    sorted = cva__radix_sort_kv(pairs, pairs + kp, kp);
    for (l = 0; l < kp; l++) {
        lrank[sorted[l].val] = (uint32_t)l;
        lkeys[l] = (int64_t)(sorted[l].key ^ (UINT64_C(1) << 63));
    }
    for (i = 0; i < m; i++)
        lix[i] = lrank[lix[i]];
    PART_PTR_(r, kpc, uint32_t)[q] = (uint32_t)kp;
}

/* What emit_pos12() takes from the options, once per partition: the time
   convention, the scale, the period factor and the end's period (as
   write_row() computes them per customer: the same values), and the holdout
   duration (of no split: (obs_end - cal_end) / scale). */
typedef struct pos12_ctx {
    int continuous;
    double scale, f, dur_hold;
    int64_t p_end;
} pos12_ctx;

static void pos12_init(const txn_ctx *c, pos12_ctx *pc)
{
    const cva_txn_opts *o = c->o;
    pc->continuous = o->time_convention == CVA_TXN_TIME_CONTINUOUS;
    pc->scale = o->time_scale;
    pc->f = o->period_length / o->time_scale;
    pc->p_end = pc->continuous ? 0 : period_of(c->ref_end, o);
    pc->dur_hold = (c->obs_end - c->cal_end) / o->time_scale;
}

/* emit_fast_pos() + write_row() for a customer of one or two rows, every
   amount > 0, rows given in input order: the two rows in t order (a stable
   sort of two: the second first only when its t is smaller), then the values
   of the accumulator emit_fast_pos() builds, written as write_row() writes
   them. With one or two rows there are one or two occasions and no refund,
   and the Neumaier sums reduce to plain operations with the same results:
   a sum of one positive amount a is a (a + 0.0); of two, a + b (the first
   add is exact, the second leaves the exact rounding error e of a + b in
   the compensation and (a + b) + e rounds to a + b again); the spend of the
   second occasion, its repeat sum and that over x = 1 are its amount. So no
   branch depends on the data: the order of the two rows, one or two rows and
   one or two occasions are selects (the length and both orders of two rows
   come in random order, which cost a misprediction each). */
static inline void emit_pos12(const txn_ctx *c, const pos12_ctx *pc, const trec *sg, size_t len,
                              cva_txn_summary *out, size_t k)
{
    const trec *s1 = sg + (len - 1);
    const int sw = s1->t < sg->t; /* only with two rows: one row is s1 == sg */
    const trec *r0 = sw ? s1 : sg, *r1 = sw ? sg : s1;
    const double t0 = r0->t, t1 = r1->t;
    const int64_t p0 = period_ctx(t0, c), p1 = period_ctx(t1, c);
    const int two = p1 != p0; /* a second occasion (never with one row) */
    const double x = (double)two;
    const double total = len == 2 ? r0->amount + r1->amount : r0->amount;
    double tx, T;
    if (pc->continuous) {
        tx = ((two ? t1 : t0) - t0) / pc->scale;
        T = (c->ref_end - t0) / pc->scale;
    } else {
        tx = period_diff(p1, p0) * pc->f;
        T = period_diff(pc->p_end, p0) * pc->f;
    }
    if (out->n_txn)
        out->n_txn[k] = (uint32_t)len;
    if (out->n_occ)
        out->n_occ[k] = 1u + (uint32_t)two;
    if (out->n_refund)
        out->n_refund[k] = 0;
    if (out->first_t)
        out->first_t[k] = t0;
    if (out->last_t)
        out->last_t[k] = t1;
    if (out->total_amount)
        out->total_amount[k] = total;
    if (out->total_cost)
        out->total_cost[k] = 0.0;
    if (out->refund_amount)
        out->refund_amount[k] = 0.0;
    if (out->frequency)
        out->frequency[k] = x;
    if (out->recency)
        out->recency[k] = tx;
    if (out->T)
        out->T[k] = T;
    if (out->monetary_value)
        out->monetary_value[k] = two ? r1->amount : 0.0;
    if (out->days_since_last)
        out->days_since_last[k] = c->ref_end - t1;
    if (out->frequency_holdout)
        out->frequency_holdout[k] = 0.0;
    if (out->monetary_value_holdout)
        out->monetary_value_holdout[k] = 0.0;
    if (out->duration_holdout)
        out->duration_holdout[k] = pc->dur_hold;
}

/* Records x and y (x before y) exchanged when y's t is smaller: a step of a
   stable sort (adjacent records, strict order). The exchange is an xor
   under a mask of the two records' bits (no branch on the data). */
static inline void trec_cx(trec *x, trec *y)
{
    uint64_t a[2], b[2], d;
    const uint64_t mask = (uint64_t)0 - (uint64_t)(y->t < x->t);
    memcpy(a, x, sizeof a);
    memcpy(b, y, sizeof b);
    d = (a[0] ^ b[0]) & mask;
    a[0] ^= d;
    b[0] ^= d;
    d = (a[1] ^ b[1]) & mask;
    a[1] ^= d;
    b[1] ^= d;
    memcpy(x, a, sizeof a);
    memcpy(y, b, sizeof b);
}

/* The customers of a partition from their 16-byte records R2 (customer k's
   rows, in input order, end at lcnt[k]; T2 has room for as many records)
   into output rows K .. K + kp - 1: one or two rows with amounts > 0 through
   emit_pos12(), else sorted by t when they are not in t order, then
   emit_fast_pos() (every amount > 0) or emit_fast_t(). The order and sign
   tests run over all rows without an early exit (no branch on the data). */
static void emit_trecs(const txn_ctx *c, trec *R2, trec *T2, const uint32_t *lcnt, size_t kp, cva_txn_summary *out,
                       size_t K)
{
    size_t k;
    pos12_ctx pc;
    pos12_init(c, &pc);
    for (k = 0; k < kp; k++) {
        const uint32_t a = k ? lcnt[k - 1] : 0;
        const size_t len = lcnt[k] - a;
        trec *sg = R2 + a;
        int all_pos = len > 0, sorted = 1;
        size_t jj;
        if (len - 1 < 2 && sg[0].amount > 0.0 && sg[len - 1].amount > 0.0) {
            emit_pos12(c, &pc, sg, len, out, K + k);
            continue;
        }
        for (jj = 0; jj < len; jj++)
            all_pos &= sg[jj].amount > 0.0;
        if (len == 3) {
            /* bubble sort as a network of adjacent exchanges: stable, so the
               order of merge_sort_trecs(); the commonest length of the rest */
            trec_cx(sg, sg + 1);
            trec_cx(sg + 1, sg + 2);
            trec_cx(sg, sg + 1);
        } else {
            for (jj = 1; jj < len; jj++)
                sorted &= !(sg[jj].t < sg[jj - 1].t);
            if (!sorted)
                merge_sort_trecs(NULL, sg, T2, len);
        }
        if (all_pos)
            emit_fast_pos(c, sg, len, out, K + k);
        else
            emit_fast_t(c, sg, len, out, K + k);
    }
}

/* Task of the emission, partition lo + j: a counting sort of its rows by
   customer into records (stable: each customer keeps input order), then one
   pass per customer into output rows kbase[q] .. kbase[q] + kp - 1. */
static void emit_task(void *arg, size_t j, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    const fast_layout *f = r->f;
    const cva_txn_input *in = r->in;
    const size_t q = r->lo + j, m = r->pi->cnt[q], K = r->kbase[q];
    const size_t rb = PART_PTR_(r, rbase, size_t)[q], gb = PART_PTR_(r, gpos, size_t)[q];
    const size_t kp = PART_PTR_(r, kpc, uint32_t)[q];
    const prow *Sb = PART_PTR_(r, G, prow) + gb;
    const double *Gc = in->cost ? PART_PTR_(r, Gc, double) + gb : NULL;
    const int64_t *Gp = in->period ? PART_PTR_(r, Gp, int64_t) + gb : NULL;
    const uint32_t *lix = PART_PTR_(r, lix, uint32_t) + rb;
    const int64_t *lkeys = PART_PTR_(r, temp, int64_t) + rb;
    unsigned char *ws = WSCRATCH_(r, w);
    uint32_t *lcnt = (uint32_t *)(void *)(ws + f->lcnt);
    txn_rec *R = (txn_rec *)(void *)(ws + f->R);
    trec *R2 = (trec *)(void *)(ws + f->R);
    kpair *pairs = (kpair *)(void *)(ws + f->pairs);
    cva_txn_summary *out = r->out;
    txn_ctx c = *r->cx;
    size_t i, k;
    uint32_t sum = 0;

    c.rtmp = (txn_rec *)(void *)pairs; /* 2m pairs = m records */
    if (kp > 0) /* an empty partition: out->customer_id may be NULL (capacity 0) */
        memcpy(out->customer_id + K, lkeys, kp * sizeof(int64_t));
    memset(lcnt, 0, kp * sizeof(uint32_t));
    for (i = 0; i < m; i++)
        lcnt[lix[i]]++;
    for (k = 0; k < kp; k++) {
        uint32_t v = lcnt[k];
        lcnt[k] = sum;
        sum += v;
    }
    if (!Gc && !Gp && c.fast) {
        /* 16-byte records, periods computed from t when emitting */
        trec *T2 = (trec *)(void *)pairs; /* 2m pairs >= 2m records */
        for (i = 0; i < m; i++) {
            trec *rec = &R2[lcnt[lix[i]]++];
            rec->t = Sb[i].t;
            rec->amount = Sb[i].amount;
        }
        emit_trecs(&c, R2, T2, lcnt, kp, out, K);
        return;
    }
    for (i = 0; i < m; i++) {
        txn_rec *rec = &R[lcnt[lix[i]]++];
        rec->t = Sb[i].t;
        rec->amount = Sb[i].amount;
        rec->cost = Gc ? Gc[i] : 0.0;
        rec->period = Gp ? Gp[i] : period_ctx(Sb[i].t, &c);
    }
    /* lcnt[k] is now the end of customer k */
    for (k = 0; k < kp; k++) {
        uint32_t a = k ? lcnt[k - 1] : 0;
        size_t len = lcnt[k] - a;
        order_segment(&c, R + a, len);
        if (c.fast)
            emit_fast(&c, R + a, len, out, K + k);
        else
            emit_customer(&c, R + a, NULL, len, out, K + k);
    }
}

/* What direct_task() does with a partition: */
#define DIRECT_COUNT 0 /* count its customers (kpc) and stop */
#define DIRECT_STAGE 1 /* emit into a staging copy of the outputs over the partition's own
                          rows (stage_outputs()) when it fits, else count and stop */
#define DIRECT_OUT 2   /* emit into the output rows K .. K + kp - 1 */

/* Partition states between the two sections of the parallel run (part_run::pstate). */
#define PSTATE_HASHED 0 /* hash_task() ran: emit_task() */
#define PSTATE_COUNTED 1 /* customers counted: direct_task(DIRECT_OUT) */
#define PSTATE_STAGED 2 /* outputs staged: copied by unstage_outputs() */

/* The output arrays the emission writes (customer_id and every array of
   write_row(); the referral arrays are written by no_referrals()), as a list
   for the staging: X(field, element type). */
#define TXN_EMIT_ARRAYS_(X)                                                                            \
    X(customer_id, int64_t) X(first_t, double) X(last_t, double) X(total_amount, double)               \
    X(total_cost, double) X(refund_amount, double) X(frequency, double) X(recency, double) X(T, double) \
    X(monetary_value, double) X(days_since_last, double) X(frequency_holdout, double)                  \
    X(monetary_value_holdout, double) X(duration_holdout, double) X(n_txn, uint32_t) X(n_occ, uint32_t) \
    X(n_refund, uint32_t)

/* st: a copy of out whose requested emission arrays point, for kp customers,
   into room (8-byte aligned, `bytes` long; each array starts 8-byte aligned).
   Returns 0, setting nothing, when they do not fit. */
static int stage_outputs(const cva_txn_summary *out, size_t kp, unsigned char *room, size_t bytes,
                         cva_txn_summary *st)
{
    size_t need = 0;
#define NEED_(field, type) need += out->field ? (kp * sizeof(type) + 7u) / 8u * 8u : 0;
    TXN_EMIT_ARRAYS_(NEED_)
#undef NEED_
    if (need > bytes)
        return 0;
    *st = *out;
    need = 0;
#define PLACE_(field, type)                                   \
    if (out->field) {                                         \
        st->field = (type *)(void *)(room + need);            \
        need += (kp * sizeof(type) + 7u) / 8u * 8u;           \
    }
    TXN_EMIT_ARRAYS_(PLACE_)
#undef PLACE_
    return 1;
}

/* The staged rows of st (kp customers) into the output rows K .. K + kp - 1. */
static void unstage_outputs(const cva_txn_summary *st, size_t kp, cva_txn_summary *out, size_t K)
{
#define COPY_(field, type)                                            \
    if (out->field && kp > 0)                                         \
        memcpy(out->field + K, st->field, kp * sizeof(type));
    TXN_EMIT_ARRAYS_(COPY_)
#undef COPY_
}

/* hash_task() and emit_task() of partition lo + j in one (worker w's
   scratch), for the 16-byte records of the fast emission, when the
   partition's ids span fewer order keys than its direct table has slots (the
   pairs' room: ids numbered densely enough, the common case with value
   partitions): a count per key in the table, one scan of the table in key
   order gives each customer its rank (the ids sorted) and its id (into the
   worker's hash-table room, unused here: 2m + 1 or more 4-byte slots hold
   the kp <= m ids) and where its records start, and one pass puts the rows
   into records (stable: each customer keeps input order). The ranks, ids and
   records are those of hash_task() + emit_task(), so are the output bytes;
   the block's per-row ranks and ids (lix, temp) are not touched, so an
   allocated block's pages for them are never faulted in. mode (DIRECT_*)
   says where the rows go: with DIRECT_STAGE, once the records are made the
   partition's rows in the group buffer are no longer needed and its staged
   outputs take their place (the tasks of this mode change their input: they
   run under cva__parallel_try()). Returns 0 without writing anything when the
   ids span too many keys, else the partition's PSTATE_*. */
static int direct_task(const part_run *r, size_t j, unsigned w, int mode, size_t K)
{
    const fast_layout *f = r->f;
    const size_t q = r->lo + j, m = r->pi->cnt[q];
    const size_t gb = PART_PTR_(r, gpos, size_t)[q];
    const prow *Sb = PART_PTR_(r, G, prow) + gb;
    unsigned char *ws = WSCRATCH_(r, w);
    int64_t *ids = (int64_t *)(void *)(ws + f->ht);
    uint32_t *tbl = (uint32_t *)(void *)(ws + f->pairs), *lcnt = (uint32_t *)(void *)(ws + f->lcnt);
    const size_t tcap = (f->lrank - f->pairs) / sizeof(uint32_t);
    trec *R2 = (trec *)(void *)(ws + f->R);
    txn_ctx c = *r->cx;
    cva_txn_summary st, *dst = r->out;
    uint64_t kmin = UINT64_MAX, kmax = 0, span, s;
    uint32_t kp = 0, sum = 0;
    size_t i;

    for (i = 0; i < m; i++) {
        const uint64_t key = id_order_key(Sb[i].id);
        kmin = key < kmin ? key : kmin;
        kmax = key > kmax ? key : kmax;
    }
    if (m == 0 || kmax - kmin >= tcap)
        return 0;
    span = kmax - kmin + 1;
    memset(tbl, 0, (size_t)span * sizeof *tbl);
    for (i = 0; i < m; i++)
        tbl[id_order_key(Sb[i].id) - kmin]++;
    /* in key order: the id of every key with rows (its rank is its place)
       and, in the table, the first record of every key. The id is written
       for every key (no branch on the count): a key without rows writes at
       index kp, which the next key with rows overwrites; the last key has
       rows, so no write lands beyond the partition's customers */
    for (s = 0; s < span; s++) {
        const uint32_t n_rows = tbl[s];
        ids[kp] = (int64_t)((kmin + s) ^ (UINT64_C(1) << 63));
        tbl[s] = sum;
        sum += n_rows;
        kp += n_rows != 0;
    }
    PART_PTR_(r, kpc, uint32_t)[q] = kp;
    if (mode == DIRECT_COUNT)
        return PSTATE_COUNTED;
    if (mode == DIRECT_STAGE) {
        /* the rows' room: whole runs of PART_WC_ROWS rows (gpos) */
        const size_t room = (m + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS * sizeof(prow);
        if (!stage_outputs(r->out, kp, (unsigned char *)(void *)(PART_PTR_(r, G, prow) + gb), room, &st))
            return PSTATE_COUNTED;
        dst = &st;
        K = 0;
    }
    for (i = 0; i < m; i++) {
        trec *rec = &R2[tbl[id_order_key(Sb[i].id) - kmin]++];
        rec->t = Sb[i].t;
        rec->amount = Sb[i].amount;
    }
    /* from here on the partition's rows are not read (the staged outputs may overwrite them) */
    if (kp > 0 && dst->customer_id) /* NULL with capacity 0 (staged: nothing is copied then) */
        memcpy(dst->customer_id + K, ids, kp * sizeof(int64_t));
    /* the table now holds the end of every key's records: per customer, in rank order */
    for (s = 0; s < kp; s++)
        lcnt[s] = tbl[id_order_key(ids[s]) - kmin];
    c.rtmp = NULL;
    emit_trecs(&c, R2, (trec *)(void *)tbl, lcnt, kp, dst, K);
    return mode == DIRECT_STAGE ? PSTATE_STAGED : PSTATE_COUNTED;
}

/* Task of the first section of the parallel run with the direct tables,
   partition lo + j: direct_task() (staging unless count_only), else
   hash_task(); its state into pstate. */
static void direct_first_task(void *arg, size_t j, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    const int st = direct_task(r, j, w, r->count_only ? DIRECT_COUNT : DIRECT_STAGE, 0);
    if (!st)
        hash_task(arg, j, w);
    r->pstate[r->lo + j] = (unsigned char)(st ? st : PSTATE_HASHED);
}

/* Task of the second section of the parallel run with the direct tables,
   partition lo + j, once the output rows are known (kbase) and nothing can
   fail: its staged outputs copied into place, or direct_task() into the
   outputs, or emit_task() after hash_task(). */
static void direct_second_task(void *arg, size_t j, unsigned w)
{
    const part_run *r = (const part_run *)arg;
    const size_t q = r->lo + j;
    if (r->pstate[q] == PSTATE_STAGED) {
        const size_t m = r->pi->cnt[q], kp = PART_PTR_(r, kpc, uint32_t)[q];
        const size_t room = (m + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS * sizeof(prow);
        cva_txn_summary st;
        if (stage_outputs(r->out, kp, (unsigned char *)(void *)(PART_PTR_(r, G, prow) + PART_PTR_(r, gpos, size_t)[q]),
                          room, &st)) /* as when staged: the same places */
            unstage_outputs(&st, kp, r->out, r->kbase[q]);
    } else if (r->pstate[q] == PSTATE_COUNTED) {
        (void)direct_task(r, j, w, DIRECT_OUT, r->kbase[q]);
    } else {
        emit_task(arg, j, w);
    }
}

/* One run of the fast path over all groups: per group the scatter (a task per
   row chunk), the hashing (a task per partition), the customer counts; unless
   count_only, the emission (a task per partition) and, after the last group,
   the merge into id order. With one group the customers are all counted before
   anything is written: when they are more than `limit`, it returns their
   number without writing. Returns the number of customers. */
static size_t run_fast(part_run *r, const cva_executor *ex, const size_t *gstart, size_t ng, int count_only,
                       size_t limit, size_t *kbase)
{
    const part_in *pi = r->pi;
    const size_t *cnt = pi->cnt, n_chunks = row_chunks(r->in->n);
    size_t *gpos = PART_PTR_(r, gpos, size_t);
    const uint32_t *kpc = PART_PTR_(r, kpc, uint32_t);
    size_t K = 0, g, q;
    const int direct = !r->in->cost && !r->in->period && r->cx->fast;
    unsigned char pstate[(size_t)1 << PART_MAX_BITS];

    r->kbase = kbase;
    r->pstate = pstate;
    for (g = 0; g < ng; g++) {
        const size_t lo = gstart[g], hi = gstart[g + 1];
        size_t acc = 0;
        for (q = lo; q < hi; q++) {
            gpos[q] = acc; /* a multiple of PART_WC_ROWS: whole, aligned runs */
            acc += (cnt[q] + PART_WC_ROWS - 1) / PART_WC_ROWS * PART_WC_ROWS;
        }
        r->lo = lo;
        r->hi = hi;
        cva__parallel_for(ex, n_chunks, scatter_task, r);
        if (cva__workers(ex) <= 1 && !count_only && limit >= pi->nw) {
            /* on the calling thread, with room for every row in the window (so
               for every customer): each partition hashed and emitted in turn,
               while its rows, ranks and ids are still in cache. The same
               tasks, so the same bytes. */
            for (q = lo; q < hi; q++) {
                kbase[q] = K;
                if (!direct || !direct_task(r, q - lo, 0, DIRECT_OUT, K)) {
                    hash_task(r, q - lo, 0);
                    emit_task(r, q - lo, 0);
                }
                K += kpc[q];
            }
            continue;
        }
        if (direct) {
            /* each partition's customers counted and, while its rows are
               in cache, emitted into a staging copy over them (when it fits);
               then, with the output rows known, the copies put in place */
            r->count_only = count_only;
            if (cva__parallel_try(ex, hi - lo, direct_first_task, r) != 0) {
                /* the executor failed part way: staged partitions lost their
                   rows; the scatter again, then the section on this thread */
                cva__parallel_for(NULL, n_chunks, scatter_task, r);
                cva__parallel_for(NULL, hi - lo, direct_first_task, r);
            }
        } else {
            cva__parallel_for(ex, hi - lo, hash_task, r);
        }
        for (q = lo; q < hi; q++) {
            kbase[q] = K;
            K += kpc[q];
        }
        if (count_only)
            continue;
        if (ng == 1 && K > limit)
            return K; /* nothing written */
        cva__parallel_for(ex, hi - lo, direct ? direct_second_task : emit_task, r);
    }
    kbase[pi->P] = K;
    if (!count_only && K > 0 && !pi->by_value) /* value partitions: already in id order */
        merge_runs(r->out, kbase, pi->P, K, PART_PTR_(r, lix, uint32_t), r->blk + r->f->temp, ex);
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
    if (!out->ref_amount && !out->ref_last_t)
        return;
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

/* The fast path's plan for the partitions of pi: as few groups as fit: with a
   workspace that is one unless a partition is skewed; allocating, always one
   (measured on 5e7 rows: re-reading the input once per extra group costs more
   than the page faults it saves, 2.45 s with one group, 2.83 s with two, 3.44 s
   with six). Scratch for every worker of the executor when it fits, else for
   one (the tasks then run on the calling thread: the same results). Returns
   whether it fits the budget. */
static int plan_layout(const cva_txn_input *in, const part_in *pi, size_t budget, unsigned W, size_t nch,
                       size_t *gstart, size_t *ng, fast_layout *f, unsigned *w_out)
{
    size_t m_max = 0, p, target = pi->nw, grows;
    unsigned w;
    int fits = 0;
    for (p = 0; p < pi->P; p++)
        if (pi->cnt[p] > m_max)
            m_max = pi->cnt[p];
    for (;;) {
        grows = make_groups(pi->cnt, pi->P, target, gstart, ng);
        for (w = W;; w = 1) {
            fits = fast_layout_make(grows, m_max, pi->nw, pi->P, nch, w, in->cost != NULL, in->period != NULL, f) &&
                   f->total <= budget;
            if (fits || w == 1)
                break;
        }
        if (fits || grows <= m_max || target < 2)
            break;
        target /= 2;
    }
    *w_out = w;
    return fits;
}

/* Partitions by id value, when the ids in the window spread over them about
   as evenly as over the hash partitions (ids numbered by the shop, dense or
   evenly spread: the common case): each partition is then a range of ids,
   the partitions are in ascending id order and the outputs need no merge
   (merge_runs() costs as much as the emission when customers have one or two
   rows each). One pass over the ids counts the rows per value partition into
   vcnt; returns 1 when *pv is to be used. The rows of a customer and their
   order are the same in either partitioning, so are the bits of its row.
   With pi->vscratch the pass is a task per row chunk on ex, counting per
   (chunk, partition) into it: those counts are then the scatter's (no
   counting pass of its own). */
typedef struct vcount_job {
    const cva_txn_input *in;
    const txn_ctx *cx;
    const part_in *pv;
    size_t chunk;
} vcount_job;

static void vcount_task(void *arg, size_t c, unsigned w)
{
    const vcount_job *j = (const vcount_job *)arg;
    (void)w;
    count_chunk(j->in, j->cx, j->pv, j->chunk, c, j->pv->vscratch + c * j->pv->P);
}

static int value_parts(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, part_in *pv, size_t *vcnt,
                       const cva_executor *ex)
{
    const size_t P = pi->P, n = in->n, mean = pi->nw / P + 1;
    const int64_t *id = in->customer_id;
    size_t p, i, hmax = 0, vmax = 0;
    uint64_t range;
    unsigned sh = 0;
    if (P < 2 || pi->nw == 0 || pi->kmin > pi->kmax)
        return 0;
    range = pi->kmax - pi->kmin;
    while ((range >> sh) > UINT32_MAX)
        sh++;
    *pv = *pi;
    pv->ccnt = NULL; /* the validation counted hash partitions: the scatter counts these */
    pv->by_value = 1;
    pv->pxor = UINT64_C(1) << 63; /* part_of() then works on id_order_key(id) */
    pv->pmul = 1;
    pv->psub = pi->kmin;
    pv->psh = sh;
    /* d = (key - kmin) >> sh <= dmax < 2^32; d * pmul2 < P 2^32 <= 2^42: no overflow */
    pv->pmul2 = ((uint64_t)P << 32) / ((range >> sh) + 1);
    pv->psh2 = 32;
    pv->hshift = 0;
    memset(vcnt, 0, P * sizeof *vcnt);
    if (pi->vscratch && row_chunks(n) > 1) {
        const size_t nch = row_chunks(n);
        vcount_job vj;
        size_t c;
        vj.in = in;
        vj.cx = cx;
        vj.pv = pv;
        vj.chunk = row_chunk(n);
        cva__parallel_for(ex, nch, vcount_task, &vj);
        for (c = 0; c < nch; c++)
            for (p = 0; p < P; p++)
                vcnt[p] += pi->vscratch[c * P + p];
        pv->ccnt = pi->vscratch;
    } else if (pi->all_in) {
        for (i = 0; i < n; i++)
            vcnt[part_of(pv, id[i])]++;
    } else {
        for (i = 0; i < n; i++)
            if (in_window(in, i, cx->o, cx->obs_end))
                vcnt[part_of(pv, id[i])]++;
    }
    for (p = 0; p < P; p++) {
        hmax = pi->cnt[p] > hmax ? pi->cnt[p] : hmax;
        vmax = vcnt[p] > vmax ? vcnt[p] : vmax;
    }
    /* no partition larger than the largest hash partition or twice the mean */
    if (vmax > (hmax > 2 * mean ? hmax : 2 * mean))
        return 0;
    pv->cnt = vcnt;
    return 1;
}

cva_status cva__txn_summarize_part(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, arena *ar,
                                  size_t budget, cva_txn_summary *out, cva_diag *diag, size_t *K_out)
{
    size_t gstart[((size_t)1 << PART_MAX_BITS) + 1], kbase[((size_t)1 << PART_MAX_BITS) + 1];
    size_t vcnt[(size_t)1 << PART_MAX_BITS];
    size_t ng = 1, p, K, nch = row_chunks(in->n);
    const unsigned W = cva__workers(cx->o->executor);
    unsigned w = 1;
    fast_layout f;
    part_run r;
    part_in pv;
    unsigned char *blk;
    const cva_executor *ex;
    int fits = 0;

    if (value_parts(in, cx, pi, &pv, vcnt, W > 1 ? cx->o->executor : NULL) && plan_layout(in, &pv, budget, W, nch, gstart, &ng, &f, &w)) {
        pi = &pv;
        fits = 1;
    } else {
        fits = plan_layout(in, pi, budget, W, nch, gstart, &ng, &f, &w);
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
    ex = w > 1 ? cx->o->executor : NULL;
    if (pi->ccnt && nch > 1) /* the validation's counts, before anything is written to the block they may lie in */
        memmove(blk + f.ccnt, pi->ccnt, nch * pi->P * sizeof(uint32_t));

    memset(&r, 0, sizeof r);
    r.in = in;
    r.cx = cx;
    r.pi = pi;
    r.f = &f;
    r.blk = blk;
    r.chunk = row_chunk(in->n);
    r.out = out;
    {
        size_t *rbase = PART_PTR_(&r, rbase, size_t), c, acc = 0;
        uint32_t *cc = PART_PTR_(&r, ccnt, uint32_t);
        for (p = 0; p < pi->P; p++) {
            rbase[p] = acc;
            acc += pi->cnt[p];
        }
        rbase[pi->P] = acc;
        /* where each chunk's rows start inside each partition: counts per
           (chunk, partition), then their running sums over the chunks */
        if (nch > 1) {
            if (!pi->ccnt)
                cva__parallel_for(ex, nch, count_task, &r);
            for (p = 0; p < pi->P; p++)
                for (acc = 0, c = 0; c < nch; c++) {
                    uint32_t v = cc[c * pi->P + p];
                    cc[c * pi->P + p] = (uint32_t)acc;
                    acc += v;
                }
        } else {
            memset(cc, 0, pi->P * sizeof *cc);
        }
    }
    if (out->capacity < pi->nw && ng > 1) {
        /* several groups: count every customer before writing any */
        K = run_fast(&r, ex, gstart, ng, 1, SIZE_MAX, kbase);
        if (out->capacity < K) {
            *K_out = K;
            out->n_customers = K;
            return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, K,
                               "out->capacity is less than the number of customers");
        }
    }
    /* with one group, run_fast() writes nothing when the customers exceed the capacity */
    K = run_fast(&r, ex, gstart, ng, 0, out->capacity, kbase);
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
