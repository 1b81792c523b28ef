/*
 * libcva — sorting: the stable LSD radix sort of (key, value) pairs used by the
 * selection engine, the transaction paths and the high-influence ranking.
 * The stable merge sort is a template in sort_internal.h (CVA__STABLE_SORT),
 * instantiated where it is used so its comparison inlines.
 * SPDX-License-Identifier: MIT
 */
#include "cva_internal.h"

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
