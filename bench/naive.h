/*
 * libcva bench — naive reference summary (the "naive" baseline).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_BENCH_NAIVE_H
#define CVA_BENCH_NAIVE_H

#include <stddef.h>
#include <stdint.h>

/* Outputs of the naive summary, one element per customer (arrays of n). */
typedef struct naive_out {
    size_t n_customers;
    int64_t *customer_id;
    uint32_t *n_txn;
    double *first_t, *last_t, *total_amount, *frequency, *recency, *T, *monetary_value,
        *days_since_last;
} naive_out;

/* Default-option semantics of cva_txn_summarize() for finite rows with
   amount >= 0 (what the generator produces): occasions = distinct floor(t)
   days, end = latest time, time_scale 1, Neumaier sums in (t, row) order.
   Returns 0, or -1 when out of memory. */
int naive_summarize(const int64_t *id, const double *t, const double *amount, size_t n,
                    naive_out *out);

#endif
