/*
 * libcva — internal: what the transaction-summary files share (txn.c entry
 * and validation, txn_part.c partitioned path, txn_ref.c referrer path,
 * txn_stats.h per-customer statistics): records, workspace arithmetic, the
 * arena, partition hashing and the entry points of the two paths. Not
 * installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TXN_INTERNAL_H
#define CVA_TXN_INTERNAL_H

#include <math.h>

#include "cva_internal.h"

/* cva_txn_opts before `executor` was appended: the smallest size accepted
   (txn.c, cohort.c). */
#define CVA_TXN_OPTS_V1_SIZE offsetof(cva_txn_opts, executor)

/* Helpers that the txn_*.c files share (static, so every file inlines them as
   before; the attribute keeps -Wunused-function quiet in a file that does not
   call one, and leaves the inlining heuristics as for a plain static). */
#if defined(__GNUC__) || defined(__clang__)
#define TXN_SHARED_ static __attribute__((unused))
#else
#define TXN_SHARED_ static
#endif

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

TXN_SHARED_ unsigned log2_of(size_t cap)
{
    unsigned b = 0;
    while (((size_t)1 << b) < cap)
        b++;
    return b;
}

/* (key, payload) pairs sorted with cva__radix_sort_kv() */
typedef cva__kv kpair;

static inline uint64_t id_order_key(int64_t id)
{
    return (uint64_t)id ^ (UINT64_C(1) << 63);
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

/* Per-customer statistics (the domain semantics). */
#include "txn_stats.h"

#define PART_MAX_BITS 10u
#define PART_TARGET_ROWS 16384u
#define PART_WC_ROWS 8u

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

/* Rows per task of the row passes (validation, per-chunk partition counts, scatter):
   a function of the row count only, so the split and therefore every result
   is the same whatever the executor. At most PART_CHUNKS_MAX chunks. */
#define PART_CHUNK_MIN 4096u
#define PART_CHUNKS_MAX 64u

TXN_SHARED_ size_t row_chunk(size_t n)
{
    size_t c = (n + PART_CHUNKS_MAX - 1) / PART_CHUNKS_MAX;
    return c < PART_CHUNK_MIN ? PART_CHUNK_MIN : c;
}

TXN_SHARED_ size_t row_chunks(size_t n)
{
    return n ? (n + row_chunk(n) - 1) / row_chunk(n) : 1;
}

typedef struct part_in {
    const size_t *cnt; /* rows in the window per partition */
    unsigned bits;
    size_t P, nw;
    int all_in; /* every row is in the window: no per-row test */
    const uint32_t *ccnt; /* the validation's rows in the window per (row chunk, partition), or NULL;
                             may lie in the workspace where the partitioned path puts its block */
    uint64_t kmin, kmax; /* smallest and largest order key (id_order_key) in the window */
    uint32_t *vscratch; /* room for row_chunks(n) x P counts (the value partitions' rows per
                           (row chunk, partition), counted on the executor), or NULL: one pass
                           on the calling thread; lies in the workspace like ccnt */
    /* the partition of an id, part_of(): by its hash (the top bits of
       id * golden, as PART_OF_) or by its value (((order key - kmin) >> sh)
       scaled to [0, P), so that the partitions are ranges of ids of about the
       same width in ascending order) */
    uint64_t pxor, pmul, psub, pmul2;
    unsigned psh, psh2;
    unsigned hshift; /* bits of the id hash the partition used: the local tables hash with the rest */
    int by_value;
} part_in;

#define PART_OF_(id, bits) ((bits) ? (size_t)(id_hash(id) >> (64 - (bits))) : 0)

/* The partition function of pi: the id hash (pxor 0, pmul the golden ratio,
   psub 0, psh 64 - bits, pmul2 1, psh2 0; psh 0 and pmul 0 with one
   partition) or the id value (pxor the sign bit: the order key, pmul 1, psub
   kmin, psh a shift that leaves 32 bits, then times pmul2 = P 2^32 / (range + 1)
   and down by psh2 = 32: monotone in the id, below P). */
static inline size_t part_of(const part_in *pi, int64_t id)
{
    return (size_t)((((((uint64_t)id ^ pi->pxor) * pi->pmul - pi->psub) >> pi->psh) * pi->pmul2) >> pi->psh2);
}

TXN_SHARED_ void part_fn_hash(part_in *pi)
{
    pi->by_value = 0;
    pi->pxor = 0;
    pi->psub = 0;
    pi->pmul = pi->bits ? UINT64_C(0x9E3779B97F4A7C15) : 0;
    pi->psh = pi->bits ? 64u - pi->bits : 0;
    pi->pmul2 = 1;
    pi->psh2 = 0;
    pi->hshift = pi->bits;
}

/* The partitioned path (txn_part.c) and the referrer path (txn_ref.c). */
int cva__txn_nonref_bound(const cva_txn_input *in, unsigned workers, size_t *bytes);
cva_status cva__txn_summarize_part(const cva_txn_input *in, const txn_ctx *cx, const part_in *pi, arena *ar,
                                  size_t budget, cva_txn_summary *out, cva_diag *diag, size_t *K_out);
cva_status cva__txn_summarize_ref(const cva_txn_input *in, const cva_txn_opts *o, const txn_layout *L, arena *ar,
                                  double obs_end, double cal_end, double ref_end, int has_cal,
                                  cva_txn_summary *out, cva_diag *diag, size_t *n_window_out, size_t *K_out);

#endif /* CVA_TXN_INTERNAL_H */
