/*
 * libcva — internal: sorting (lib/sort.c). Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_SORT_INTERNAL_H
#define CVA_SORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* (key, value) pair and a stable LSD radix sort by key (11-bit digits, digits
   that are the same for every key are skipped). Returns the buffer holding the
   result: a or tmp. */
typedef struct cva__kv {
    uint64_t key;
    uint64_t val;
} cva__kv;

cva__kv *cva__radix_sort_kv(cva__kv *a, cva__kv *tmp, size_t n);

/* The same sort of bare 64-bit keys (no payload: half the memory traffic; every
   digit counted in one read pass), for callers that need the sorted values but
   not where they came from. */
uint64_t *cva__radix_sort_u64(uint64_t *a, uint64_t *tmp, size_t n);

/*
 * Stable merge sort, instantiated per element type so the comparison inlines
 * (the per-customer loops of the transaction paths call it):
 *   CVA__STABLE_SORT(name, type, ctx_type, less)
 * defines static void name(ctx_type ctx, type *a, type *tmp, size_t n), which
 * sorts a[0..n) by the strict weak order less(ctx, &x, &y) (x before y), equal
 * elements in their input order; tmp has n slots. Insertion sort of runs of
 * 16, then bottom-up merges through tmp, each pass copied back to a.
 */
#define CVA__STABLE_SORT(name, type, ctx_type, less)                                  \
    static CVA__SORT_UNUSED_ void name(ctx_type ctx, type *a, type *tmp, size_t n)     \
    {                                                                                  \
        size_t width, i;                                                               \
        (void)ctx;                                                                     \
        if (n < 2)                                                                     \
            return;                                                                    \
        for (i = 0; i < n; i += 16) {                                                  \
            size_t end = i + 16 < n ? i + 16 : n, j;                                   \
            for (j = i + 1; j < end; j++) {                                            \
                type v = a[j];                                                         \
                size_t k = j;                                                          \
                while (k > i && less(ctx, &v, &a[k - 1])) {                            \
                    a[k] = a[k - 1];                                                   \
                    k--;                                                               \
                }                                                                      \
                a[k] = v;                                                              \
            }                                                                          \
        }                                                                              \
        for (width = 16; width < n; width *= 2) {                                      \
            for (i = 0; i < n; i += 2 * width) {                                       \
                size_t lo = i, mid = i + width < n ? i + width : n;                    \
                size_t hi = i + 2 * width < n ? i + 2 * width : n;                     \
                size_t p = lo, q = mid, k = lo;                                        \
                while (p < mid && q < hi)                                              \
                    tmp[k++] = less(ctx, &a[q], &a[p]) ? a[q++] : a[p++];              \
                while (p < mid)                                                        \
                    tmp[k++] = a[p++];                                                 \
                while (q < hi)                                                         \
                    tmp[k++] = a[q++];                                                 \
            }                                                                          \
            memcpy(a, tmp, n * sizeof(type));                                          \
        }                                                                              \
    }

#if defined(__GNUC__) || defined(__clang__)
#define CVA__SORT_UNUSED_ __attribute__((unused))
#else
#define CVA__SORT_UNUSED_
#endif

#endif /* CVA_SORT_INTERNAL_H */
