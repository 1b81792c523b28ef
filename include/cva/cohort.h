/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_COHORT_H
#define CVA_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/txn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup cohort Acquisition cohorts from transactions
 * @brief Survivor matrices per acquisition cohort (@ref methods_sbg), built from the same
 *        transaction arrays and options as cva_txn_summarize().
 *
 * Periods are the caller's period numbers: cva_txn_input::period when given,
 * else floor((t − cva_txn_opts::period_origin) / cva_txn_opts::period_length).
 * A purchase is what the summaries call one (cva_txn_opts::refund_policy and
 * #CVA_TXN_F_ZERO_NOT_PURCHASE); refund-only customers belong to no cohort. The
 * window [obs_start, obs_end] and #CVA_TXN_F_SKIP_INVALID act as for the summaries;
 * time_convention, time_scale and calibration_end are not read.
 *
 * A customer's cohort is the period of its first purchase. Cohort c (period
 * first_period + c) is observed for n_cohorts − c periods since acquisition
 * (j = 0 .. n_cohorts − 1 − c); the period that holds the observation end counts
 * as observed. The two matrices are row-major n_cohorts × n_cohorts, element
 * [c*n_cohorts + j]:
 * - `active`: customers of cohort c with a purchase in period first_period + c + j;
 * - `retained`: customers of cohort c with a purchase in that period or a later
 *   one (non-increasing in j; j = 0 is the cohort size);
 * both NaN for j past the observation end (right-censored). `retained` is the
 * survivor matrix cva_sbg_fit() and cva_cohort_curves() take, with
 * n_periods = n_cohorts (rows whose cohort has no customer are all 0 and are
 * ignored there).
 *
 * @code
 * cva_cohort_table ct;
 * cva_cohort_table_init(&ct, sizeof ct);
 * int st = cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL);   // CVA_E_BUFFER_TOO_SMALL: ct.n_cohorts set
 * ct.capacity = ct.n_cohorts;
 * ct.retained = malloc(ct.n_cohorts * ct.n_cohorts * sizeof(double));
 * st = cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL);
 * st = cva_sbg_fit(ct.retained, ct.n_cohorts, ct.n_cohorts, NULL, &fit, NULL);
 * @endcode
 * @{
 */

/** @brief Outputs of cva_txn_cohorts(); zero with cva_cohort_table_init(), then set the arrays wanted. */
typedef struct cva_cohort_table {
    uint32_t struct_size; /**< sizeof(cva_cohort_table). */
    uint32_t reserved;    /**< Must be 0. */
    size_t capacity;      /**< In: cohorts the arrays hold: @c period, @c size and @c observed hold
                               @c capacity values, @c active and @c retained capacity × capacity. */
    size_t n_cohorts;     /**< Out: cohorts (periods from the first acquisition to the end period);
                               also the column count of the matrices. Set with `CVA_E_BUFFER_TOO_SMALL`. */
    int64_t first_period; /**< Out: period of cohort 0 (the earliest first purchase). */
    int64_t end_period;   /**< Out: period that holds the observation end (with caller periods: the
                               largest period of a valid row in the window). */
    double obs_end;       /**< Out: the end used (caller's unit): cva_txn_opts::obs_end, else the latest
                               time of a valid row at or after obs_start (as cva_txn_summary::obs_end). */
    uint64_t n_customers; /**< Out: customers with a purchase in the window (Σ cohort sizes). */
    int64_t *period;      /**< Optional out: period of cohort c (first_period + c). */
    double *size;         /**< Optional out: customers acquired in cohort c. */
    int64_t *observed;    /**< Optional out: periods observed for cohort c (n_cohorts − c). */
    double *active;       /**< Optional out: n_cohorts × n_cohorts, see @ref cohort. */
    double *retained;     /**< Optional out: n_cohorts × n_cohorts survivor matrix, see @ref cohort. */
} cva_cohort_table;

/**
 * @brief Zero a ::cva_cohort_table and set its struct_size.
 * @param table       struct to clear.
 * @param struct_size sizeof(cva_cohort_table).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p table is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_cohort_table_init(cva_cohort_table *table, size_t struct_size);

/**
 * @brief Bytes of workspace cva_txn_cohorts() needs for @p in (what its general path
 *        needs: two hash tables with 2 to 4 slots per row, 84 to 168 bytes per row, plus 64).
 *
 * With at most 1,024 cohorts the call touches only a small part of it: a customer
 * table that starts at 1,024 slots and doubles (16 bytes a slot, at most 4 slots per
 * customer) and, past 64 cohorts, ceil(n_cohorts/64) × 8 bytes per customer.
 * @param in    the input (only its row count is read).
 * @param bytes out: workspace size.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR @p in or @p bytes is NULL.
 * @retval CVA_E_ABI_MISMATCH @p in has an unknown struct_size.
 * @retval CVA_E_OVERFLOW the size does not fit in size_t.
 */
CVA_API CVA_NODISCARD cva_status cva_txn_cohorts_workspace_size(const cva_txn_input *in, size_t *bytes);

/**
 * @brief Acquisition-cohort table (cohort sizes, active and retained counts per
 *        period since acquisition) from transactions.
 *
 * @param in        the transactions (customer_id, t, amount; cost is checked as by the
 *                  summaries; referrer_id is not read; period optional).
 * @param opts      options, NULL for defaults (period_length, period_origin, refund_policy,
 *                  flags, obs_start, obs_end are read).
 * @param out       outputs; @c capacity and the wanted arrays set.
 * @param work      workspace of cva_txn_cohorts_workspace_size() bytes, or NULL to allocate
 *                  through cva_txn_opts::alloc.
 * @param work_size its size.
 * @param diag      optional diagnostics (NULL allowed).
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     no purchase in the window: n_cohorts = 0.
 * @retval CVA_W_EXCLUDED  rows outside [obs_start, obs_end], or invalid rows under
 *                         #CVA_TXN_F_SKIP_INVALID, were dropped (diag->count rows).
 * @retval CVA_E_NULLPTR   a required pointer is NULL.
 * @retval CVA_E_NONFINITE a time, amount or cost is NaN/Inf (diag->index = the row).
 * @retval CVA_E_OPTION    period_length not finite and > 0, period_origin not finite, or
 *                         another option of cva_txn_opts out of range (diag->option).
 * @retval CVA_E_OVERFLOW  a period index is beyond ±9.2e18 (diag->index = the row), or the
 *                         number of periods from the first acquisition to the end does not fit
 *                         (n_cohorts² doubles must fit in size_t).
 * @retval CVA_E_BUFFER_TOO_SMALL capacity < cohorts: out->n_cohorts holds the number needed,
 *                         nothing else is written.
 * @retval CVA_E_WORKSPACE_TOO_SMALL @p work_size is too small.
 * @retval CVA_E_NOMEM     allocation failed.
 * @note O(n + n_cohorts²) expected time. With at most 1,024 cohorts: one hash probe per
 *       purchase row into a table of customers sized by the customers (growing), each with
 *       a bitset of the periods it bought in; with more cohorts, or when those bitsets do
 *       not fit @p work, hash tables of customers and of distinct (customer, period) pairs
 *       sized by the rows. The size query (`CVA_E_BUFFER_TOO_SMALL`) reads the rows once and
 *       allocates nothing. Reentrant; nothing is written to the arrays unless the status
 *       is >= 0.
 */
CVA_API CVA_NODISCARD cva_status cva_txn_cohorts(const cva_txn_input *in, const cva_txn_opts *opts,
                                                 cva_cohort_table *out, void *work, size_t work_size,
                                                 cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_COHORT_H */
