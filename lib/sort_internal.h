/*
 * libcva — internal: sorting (lib/sort.c). Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_SORT_INTERNAL_H
#define CVA_SORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* (key, value) pair and a stable LSD radix sort by key (11-bit digits, digits
   that are the same for every key are skipped). Returns the buffer holding the
   result: a or tmp. */
typedef struct cva__kv {
    uint64_t key;
    uint64_t val;
} cva__kv;

cva__kv *cva__radix_sort_kv(cva__kv *a, cva__kv *tmp, size_t n);

#endif /* CVA_SORT_INTERNAL_H */
