/*
 * libcva — the fits' merge of identical (x, t_x, T) rows on an executor.
 *
 * The serial merge (models.c, build_rows) collapses identical rows with one
 * hash table in input order and sorts the distinct rows by (x, T, t_x). Here
 * the same result is made in tasks:
 *  1. per row chunk (max(16384, n/64) rows: a split fixed by n), the rows per
 *     hash partition (64 partitions by the top bits of a hash of the row);
 *  2. per row chunk, the rows copied to their partition (stable: a partition
 *     keeps input order);
 *  3. per partition, its identical rows collapsed with a small hash table in
 *     input order (the weights of a distinct row summed in input order, as the
 *     serial merge sums them: every row of it lies in this partition), and its
 *     distinct rows sorted by (x, T, t_x). The collapse works in place, so a
 *     task cannot simply run twice: when the executor fails part-way, step 2
 *     runs again and then step 3, on the calling thread;
 *  4. per range of keys (64 ranges whose bounds are keys at evenly spaced
 *     positions of the longest run: a function of the input), a heap merge of
 *     the 64 runs' rows in that range, written where the range starts (the
 *     number of distinct rows below its lower bound, summed over the runs), with
 *     t_x and T also in fitting units.
 * The distinct rows are distinct keys, so their sorted order is unique, and
 * each weight is the same sum in the same order: the merged rows are the bits
 * of the serial merge for any executor and any schedule.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "churn_internal.h"

#define BM_BITS 6u
#define BM_P ((size_t)1 << BM_BITS)
#define BM_CHUNK_MIN ((size_t)16384)
#define BM_CHUNKS_MAX ((size_t)64)

/* a distinct row and its weight */
typedef struct bm_row {
    double x, T, tx, w;
} bm_row;

typedef struct bm_job {
    const double *x, *tx, *T, *w;
    size_t n, chunk, nch;
    size_t *cnt;          /* nch x P: rows per (chunk, partition), then where they start in idx */
    unsigned char *part;  /* n: the partition of each row */
    size_t pstart[BM_P + 1];
    size_t nd[BM_P];      /* distinct rows per partition */
    uint32_t *tab;        /* per worker: tcap slots (local distinct index + 1, 0: empty) */
    size_t tcap;
    bm_row *rows;         /* n: the rows by partition (input order within), then partition p's
                             distinct rows at pstart[p] */
    const bm_row *bound;  /* BM_P - 1 range bounds (step 4), ascending */
    double *out;          /* step 4: x, t_x, T, w, t_x / s_T, T / s_T, nd each */
    size_t nd_all;
    double s_T;
} bm_job;

/* A hash of the row; -0 and +0 hash alike (the merge takes them as equal). */
static uint64_t bm_hash(double a, double b, double c)
{
    uint64_t ua, ub, uc, h;
    a += 0.0;
    b += 0.0;
    c += 0.0;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    memcpy(&uc, &c, 8);
    h = ua * UINT64_C(0x9E3779B97F4A7C15);
    h ^= (h >> 31) ^ (ub * UINT64_C(0xC2B2AE3D27D4EB4F));
    h ^= (h >> 27) ^ (uc * UINT64_C(0x165667B19E3779F9));
    h ^= h >> 33;
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    h ^= h >> 33;
    return h;
}

static int bm_same(const bm_row *r, double x, double tx, double T)
{
    return r->x >= x && r->x <= x && r->tx >= tx && r->tx <= tx && r->T >= T && r->T <= T;
}

static int bm_cmp(const void *pa, const void *pb)
{
    const bm_row *a = (const bm_row *)pa, *b = (const bm_row *)pb;
    return cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx);
}

/* 1: rows of chunk c per partition */
static void bm_count_task(void *arg, size_t c, unsigned w)
{
    const bm_job *j = (const bm_job *)arg;
    const size_t i0 = c * j->chunk, i1 = j->n - i0 < j->chunk ? j->n : i0 + j->chunk;
    size_t *cc = j->cnt + c * BM_P, i;
    (void)w;
    memset(cc, 0, BM_P * sizeof *cc);
    for (i = i0; i < i1; i++) {
        const unsigned p = (unsigned)(bm_hash(j->x[i], j->tx[i], j->T[i]) >> (64u - BM_BITS));
        j->part[i] = (unsigned char)p;
        cc[p]++;
    }
}

/* 2: the rows of chunk c to their partitions, in input order */
static void bm_scatter_task(void *arg, size_t c, unsigned w)
{
    const bm_job *j = (const bm_job *)arg;
    const size_t i0 = c * j->chunk, i1 = j->n - i0 < j->chunk ? j->n : i0 + j->chunk;
    size_t cur[BM_P], i;
    (void)w;
    memcpy(cur, j->cnt + c * BM_P, sizeof cur);
    for (i = i0; i < i1; i++) {
        bm_row *r = &j->rows[cur[j->part[i]]++];
        r->x = j->x[i];
        r->T = j->T[i];
        r->tx = j->tx[i];
        r->w = j->w ? j->w[i] : 1.0;
    }
}

/* 3: partition p's identical rows collapsed (input order, in place: the k-th
   distinct row is written over a row already read), its distinct rows sorted */
static void bm_part_task(void *arg, size_t p, unsigned w)
{
    bm_job *j = (bm_job *)arg;
    const size_t a = j->pstart[p], m = j->pstart[p + 1] - a;
    size_t cap = 16, mask, i, nd = 0;
    uint32_t *tab = j->tab + (size_t)w * j->tcap;
    bm_row *rows = j->rows + a;
    while (cap < 2 * m)
        cap <<= 1;
    mask = cap - 1;
    memset(tab, 0, cap * sizeof *tab);
    for (i = 0; i < m; i++) {
        const double x = rows[i].x, tx = rows[i].tx, T = rows[i].T, wi = rows[i].w;
        size_t h = (size_t)bm_hash(x, tx, T) & mask;
        for (;;) {
            const uint32_t k = tab[h];
            if (k == 0) {
                tab[h] = (uint32_t)(nd + 1);
                rows[nd].x = x + 0.0;
                rows[nd].T = T + 0.0;
                rows[nd].tx = tx + 0.0;
                rows[nd].w = wi;
                nd++;
                break;
            }
            if (bm_same(&rows[k - 1], x, tx, T)) {
                rows[k - 1].w += wi;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    qsort(rows, nd, sizeof *rows, bm_cmp);
    j->nd[p] = nd;
}

typedef struct bm_head {
    const bm_row *cur, *end;
} bm_head;

static void bm_heap_down(bm_head *h, size_t hn, size_t i)
{
    bm_head v = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= hn)
            break;
        if (c + 1 < hn && bm_cmp(h[c + 1].cur, h[c].cur) < 0)
            c++;
        if (bm_cmp(h[c].cur, v.cur) >= 0)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

/* the first of the m sorted distinct rows r that is not below b */
static size_t bm_lower(const bm_row *r, size_t m, const bm_row *b)
{
    size_t lo = 0, hi = m;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (bm_cmp(&r[mid], b) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 4: the distinct rows of key range t, [bound[t - 1], bound[t]), merged from the runs */
static void bm_merge_task(void *arg, size_t t, unsigned w)
{
    const bm_job *j = (const bm_job *)arg;
    const size_t nd = j->nd_all;
    bm_head h[BM_P];
    size_t p, hn = 0, k = 0;
    double *o = j->out;
    (void)w;
    for (p = 0; p < BM_P; p++) {
        const bm_row *r = j->rows + j->pstart[p];
        const size_t m = j->nd[p], lo = t ? bm_lower(r, m, &j->bound[t - 1]) : 0,
                     hi = t + 1 < BM_P ? bm_lower(r, m, &j->bound[t]) : m;
        k += lo;
        if (hi > lo) {
            h[hn].cur = r + lo;
            h[hn].end = r + hi;
            hn++;
        }
    }
    for (p = hn / 2; p-- > 0;)
        bm_heap_down(h, hn, p);
    for (; hn; k++) {
        const bm_row *r = h[0].cur++;
        o[k] = r->x;
        o[nd + k] = r->tx;
        o[2 * nd + k] = r->T;
        o[3 * nd + k] = r->w;
        o[4 * nd + k] = r->tx / j->s_T;
        o[5 * nd + k] = r->T / j->s_T;
        if (h[0].cur == h[0].end)
            h[0] = h[--hn];
        if (hn)
            bm_heap_down(h, hn, 0);
    }
}

cva_status cva__btyd_merge_par(const double *x, const double *tx, const double *T, const double *w, size_t n,
                               double s_T, const cva_allocator *al, const cva_executor *ex, double **block,
                               size_t *n_out)
{
    const unsigned W = cva__workers(ex);
    bm_job j;
    bm_row bound[BM_P - 1];
    size_t p, c, acc, mmax = 0, nd = 0, longest = 0, k;
    double *blk;
    cva_status st = CVA_E_NOMEM;

    memset(&j, 0, sizeof j);
    j.x = x;
    j.tx = tx;
    j.T = T;
    j.w = w;
    j.n = n;
    j.chunk = (n + BM_CHUNKS_MAX - 1) / BM_CHUNKS_MAX;
    if (j.chunk < BM_CHUNK_MIN)
        j.chunk = BM_CHUNK_MIN;
    j.nch = (n + j.chunk - 1) / j.chunk;
    j.cnt = (size_t *)cva__alloc(al, j.nch * BM_P * sizeof(size_t));
    j.part = (unsigned char *)cva__alloc(al, n);
    j.rows = (bm_row *)cva__alloc(al, n * sizeof(bm_row));
    if (!j.cnt || !j.part || !j.rows)
        goto out;
    cva__parallel_for(ex, j.nch, bm_count_task, &j);
    /* the partitions' starts, and where each chunk's rows of p start */
    for (acc = 0, p = 0; p < BM_P; p++) {
        j.pstart[p] = acc;
        for (c = 0; c < j.nch; c++) {
            const size_t v = j.cnt[c * BM_P + p];
            j.cnt[c * BM_P + p] = acc;
            acc += v;
        }
        if (acc - j.pstart[p] > mmax)
            mmax = acc - j.pstart[p];
    }
    j.pstart[BM_P] = acc;
    cva__parallel_for(ex, j.nch, bm_scatter_task, &j);
    for (j.tcap = 16; j.tcap < 2 * mmax;)
        j.tcap <<= 1;
    j.tab = (uint32_t *)cva__alloc(al, (size_t)W * j.tcap * sizeof(uint32_t));
    if (!j.tab)
        goto out;
    if (cva__parallel_try(ex, BM_P, bm_part_task, &j) != 0) {
        /* the executor failed after collapsing some partitions in place: scatter
           the rows again and collapse every partition on the calling thread */
        for (c = 0; c < j.nch; c++)
            bm_scatter_task(&j, c, 0);
        for (p = 0; p < BM_P; p++)
            bm_part_task(&j, p, 0);
    }
    cva__free(al, j.part);
    j.part = NULL;
    for (p = 0; p < BM_P; p++) {
        nd += j.nd[p];
        if (j.nd[p] > j.nd[longest])
            longest = p;
    }
    /* the range bounds: evenly spaced rows of the longest run (the hash spreads the
       distinct rows evenly over the partitions: each run is a sample of them) */
    for (k = 0; k + 1 < BM_P; k++)
        bound[k] = j.rows[j.pstart[longest] + (k + 1) * j.nd[longest] / BM_P];
    j.bound = bound;
    /* x, t_x, T, w of the merged rows, then t_x and T in fitting units */
    blk = (double *)cva__alloc(al, 6 * (nd ? nd : 1) * sizeof(double));
    if (!blk)
        goto out;
    j.out = blk;
    j.nd_all = nd;
    j.s_T = s_T;
    cva__parallel_for(ex, BM_P, bm_merge_task, &j);
    *block = blk;
    *n_out = nd;
    st = CVA_OK;
out:
    cva__free(al, j.cnt);
    cva__free(al, j.part);
    cva__free(al, j.rows);
    cva__free(al, j.tab);
    return st;
}
