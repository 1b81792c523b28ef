/*
 * libcva bench — the single registry of benchmark cases (libuv benchmark-list.h style).
 * X(name, init, description): bench_<name>() is the timed function, init an
 * optional untimed preparation (or NULL). Cases run in this order; the pandas
 * comparison is not a C function and is run by bench_txn.c after them (--pandas).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_BENCH_LIST_H
#define CVA_BENCH_LIST_H

#define CVA_BENCH_LIST(X)                                                                   \
    X(read_bound, NULL, "streaming pass over id, t, amount (read-bandwidth reference)")    \
    X(summarize_alloc, NULL, "cva_txn_summarize, default options, library allocates")      \
    X(summarize_work, NULL, "cva_txn_summarize, default options, caller workspace")        \
    X(cohorts, NULL, "cva_txn_cohorts, periods of 30 days, size/active/retained, lib allocates") \
    X(cohorts_work, NULL, "cva_txn_cohorts as cohorts, caller workspace (reused)")      \
    X(naive, NULL, "naive reference: qsort rows by (id, t, row), then one pass")

#endif /* CVA_BENCH_LIST_H */
