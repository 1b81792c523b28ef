/*
 * libcva — sorting: the stable LSD radix sort of (key, value) pairs used by the
 * selection engine, the transaction paths and the high-influence ranking.
 * The stable merge sort is a template in sort_internal.h (CVA__STABLE_SORT),
 * instantiated where it is used so its comparison inlines.
 * SPDX-License-Identifier: MIT
 */
#include "cva_internal.h"

/* 11-bit digits: 6 of them cover a 64-bit key. */
#define RADIX_BITS 11u
#define RADIX_SIZE 2048u
#define RADIX_DIGITS 6u

/* The counts of every digit in one read pass (was one pass per digit), then
   each count turned into its digit's start offsets; *skip bit d set when every
   key has the same digit d (that scatter pass is skipped). */
static void radix_offsets(uint32_t count[RADIX_DIGITS][RADIX_SIZE], const uint64_t first, size_t n,
                          unsigned *skip)
{
    unsigned d;
    *skip = 0;
    for (d = 0; d < RADIX_DIGITS; d++) {
        uint32_t sum = 0;
        size_t i;
        if (count[d][(first >> (d * RADIX_BITS)) & (RADIX_SIZE - 1u)] == (uint32_t)n) {
            *skip |= 1u << d;
            continue;
        }
        for (i = 0; i < RADIX_SIZE; i++) {
            const uint32_t c = count[d][i];
            count[d][i] = sum;
            sum += c;
        }
    }
}

cva__kv *cva__radix_sort_kv(cva__kv *a, cva__kv *tmp, size_t n)
{
    size_t count[2048];
    unsigned shift;
    for (shift = 0; shift < 64; shift += 11) {
        size_t i, sum = 0;
        cva__kv *t;
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

uint64_t *cva__radix_sort_u64(uint64_t *a, uint64_t *tmp, size_t n)
{
    uint32_t count[RADIX_DIGITS][RADIX_SIZE];
    unsigned d, skip;
    size_t i;
    if (n < 2)
        return a;
    if (n > UINT32_MAX) { /* not reached in practice: sort as pairs would need 2x the memory */
        uint64_t *t;
        unsigned shift;
        for (shift = 0; shift < 64; shift += RADIX_BITS) {
            size_t cnt[RADIX_SIZE], sum = 0;
            memset(cnt, 0, sizeof cnt);
            for (i = 0; i < n; i++)
                cnt[(a[i] >> shift) & (RADIX_SIZE - 1u)]++;
            if (cnt[(a[0] >> shift) & (RADIX_SIZE - 1u)] == n)
                continue;
            for (i = 0; i < RADIX_SIZE; i++) {
                size_t c = cnt[i];
                cnt[i] = sum;
                sum += c;
            }
            for (i = 0; i < n; i++)
                tmp[cnt[(a[i] >> shift) & (RADIX_SIZE - 1u)]++] = a[i];
            t = a;
            a = tmp;
            tmp = t;
        }
        return a;
    }
    memset(count, 0, sizeof count);
    for (i = 0; i < n; i++) {
        const uint64_t k = a[i];
        for (d = 0; d < RADIX_DIGITS; d++)
            count[d][(k >> (d * RADIX_BITS)) & (RADIX_SIZE - 1u)]++;
    }
    radix_offsets(count, a[0], n, &skip);
    for (d = 0; d < RADIX_DIGITS; d++) {
        uint32_t *c = count[d];
        const unsigned shift = d * RADIX_BITS;
        uint64_t *t;
        if (skip & (1u << d))
            continue;
        for (i = 0; i < n; i++)
            tmp[c[(a[i] >> shift) & (RADIX_SIZE - 1u)]++] = a[i];
        t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}
