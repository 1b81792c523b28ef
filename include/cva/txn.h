/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TXN_H
#define CVA_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup txn Transaction summaries
 * @brief One row per customer from raw, unsorted transaction arrays (@ref methods_summaries, @ref methods_btyd_stats).
 *
 * The input is a struct of arrays (customer id, time, amount, optional cost,
 * referrer and period index). The output is one row per distinct customer,
 * sorted by ascending id: counts, first/last purchase, totals, refunds,
 * purchase occasions, the BTYD statistics x (frequency), t_x (recency), T and
 * m_x (mean repeat-occasion spend), referral aggregates and, with a
 * calibration end, the holdout actuals.
 *
 * A complete program (examples/summary.c, built and run by the test suite,
 * its output compared with examples/summary.expected):
 * @include summary.c
 * @{
 */

/** @brief Refund policies (@ref methods_refunds), values of cva_txn_opts::refund_policy. */
enum cva_txn_refund_policy {
    /** Default. Purchases are rows with amount >= 0; money is the net sum of all rows. */
    CVA_TXN_REFUND_NET = 0,
    /** Every row is a purchase and money is the sum of all rows (R `rfm` parity). */
    CVA_TXN_REFUND_AS_ROW = 1,
    /** Purchases are rows with amount >= 0; refunds are ignored for money. */
    CVA_TXN_REFUND_EXCLUDE = 2
};

/** @brief Flags, bits of cva_txn_opts::flags. */
enum cva_txn_flags {
    /** Zero-amount rows are not purchases (default: they are). */
    CVA_TXN_F_ZERO_NOT_PURCHASE = 1,
    /** Drop rows with NaN/Inf time, amount or cost instead of failing (returns `CVA_W_EXCLUDED`). */
    CVA_TXN_F_SKIP_INVALID = 2
};

/** @brief Time conventions for recency and T (@ref methods_btyd_stats), cva_txn_opts::time_convention. */
enum cva_txn_time_convention {
    /** Default. t_x = (last - first)/u, T = (end - first)/u. */
    CVA_TXN_TIME_CONTINUOUS = 0,
    /** `lifetimes` parity: differences of period indices times period_length/u. */
    CVA_TXN_TIME_PERIOD = 1
};

/** @brief Option field ids reported in cva_diag::option. */
enum cva_txn_option_id {
    CVA_OPT_TXN_REFUND_POLICY = 101,   /**< cva_txn_opts::refund_policy */
    CVA_OPT_TXN_FLAGS = 102,           /**< cva_txn_opts::flags */
    CVA_OPT_TXN_TIME_CONVENTION = 103, /**< cva_txn_opts::time_convention */
    CVA_OPT_TXN_OBS_END = 104,         /**< cva_txn_opts::obs_end */
    CVA_OPT_TXN_OBS_START = 105,       /**< cva_txn_opts::obs_start */
    CVA_OPT_TXN_PERIOD_LENGTH = 106,   /**< cva_txn_opts::period_length */
    CVA_OPT_TXN_PERIOD_ORIGIN = 107,   /**< cva_txn_opts::period_origin */
    CVA_OPT_TXN_TIME_SCALE = 108,      /**< cva_txn_opts::time_scale */
    CVA_OPT_TXN_CALIBRATION_END = 109  /**< cva_txn_opts::calibration_end */
};

/** @brief Sentinel referrer id meaning "no referrer". */
#define CVA_TXN_NO_REFERRER INT64_MIN

/**
 * @brief Transaction arrays (struct of arrays, all of length @c n).
 *
 * Rows need not be sorted; duplicate rows are separate transactions.
 */
typedef struct cva_txn_input {
    uint32_t struct_size;          /**< sizeof(cva_txn_input). */
    uint32_t reserved;             /**< Must be 0. */
    size_t n;                      /**< Number of rows; 0 is allowed (returns `CVA_W_EMPTY`). */
    const int64_t *customer_id;    /**< Required when n > 0. Any int64 value. */
    const double *t;               /**< Required when n > 0. Event time in the caller's unit. */
    const double *amount;          /**< Required when n > 0. >0 sale, <0 refund, 0 zero-value order. */
    const double *cost;            /**< Optional (NULL: 0). Direct cost of the row. */
    const int64_t *referrer_id;    /**< Optional (NULL: none). #CVA_TXN_NO_REFERRER = none. */
    const int64_t *period;         /**< Optional (NULL: floor((t - period_origin)/period_length)).
                                        Caller-computed period index per row, e.g. calendar months. */
} cva_txn_input;

/**
 * @brief Options of cva_txn_summarize(). Fill with cva_txn_opts_init_defaults().
 */
typedef struct cva_txn_opts {
    uint32_t struct_size;      /**< sizeof(cva_txn_opts). */
    int32_t refund_policy;     /**< ::cva_txn_refund_policy. Default #CVA_TXN_REFUND_NET. */
    int32_t flags;             /**< Bits of ::cva_txn_flags. Default 0. */
    int32_t time_convention;   /**< ::cva_txn_time_convention. Default #CVA_TXN_TIME_CONTINUOUS. */
    double obs_end;            /**< End of observation (inclusive). Default NaN: the latest valid time. */
    double obs_start;          /**< Start of observation (inclusive). Default -INFINITY. */
    double period_length;      /**< Occasion period length Δ in time units, > 0. Default 1. */
    double period_origin;      /**< Occasion period origin o. Default 0. */
    double time_scale;         /**< u: time units per model unit (7 for days in, weeks out), > 0. Default 1. */
    double calibration_end;    /**< Default NaN: no split. Otherwise the BTYD statistics use rows with
                                    t <= calibration_end and the holdout outputs cover
                                    (calibration_end, obs_end]. */
    const cva_allocator *alloc; /**< Used only when no workspace is passed. Default NULL: malloc/free. */
    /* Appended fields: a caller built against the older struct (ending at alloc) passes its
       smaller struct_size and gets the defaults for these. */
    const cva_executor *executor; /**< Default NULL: every task on the calling thread. With an executor
                                       of two or more workers, the validation of the rows runs in row
                                       chunks on it, and the partitioned path (no referrer array) its
                                       row passes, its per-partition work and the final reordering;
                                       the results are the same bits for every executor
                                       (docs/threads.md). It must stay valid during the call.
                                       cva_txn_workspace_size() reads its @c workers. The rest of the
                                       referrer path and the bounded sort fallback run on the calling
                                       thread. */
} cva_txn_opts;

/**
 * @brief Per-customer outputs, one caller-owned array per statistic.
 *
 * Set @c capacity and point the arrays you want at buffers of at least
 * @c capacity elements; leave the others NULL. Row i of every array belongs to
 * customer_id[i]; rows are sorted by ascending id. Quantities in "model units"
 * are time differences divided by cva_txn_opts::time_scale.
 *
 * Customers are every id that has a row in the window, plus every referrer id
 * credited in the window (a referrer without own rows has n_txn = 0).
 * Statistics that need a purchase (first_t, last_t, frequency, recency, T,
 * monetary_value, days_since_last) are NaN for a customer without one.
 *
 * With cva_txn_opts::calibration_end set, every statistic except the three
 * holdout ones describes the calibration period only: counts, totals, refunds
 * and referrals use rows with t <= calibration_end, and T and days_since_last
 * are measured to the calibration end. A customer whose first purchase falls
 * in the holdout still gets a row (n_txn = 0, NaN frequency/recency/T, its
 * holdout actuals filled); the model fits and evaluations of churn.h skip such
 * rows (NaN outputs, `CVA_W_EXCLUDED`), so the columns can be passed as they are.
 */
typedef struct cva_txn_summary {
    uint32_t struct_size;   /**< sizeof(cva_txn_summary). */
    uint32_t reserved;      /**< Must be 0. */
    size_t capacity;        /**< In: length of every non-NULL array. The row count n is always enough without
                                 referrers, 2n with them (a referrer without own rows is a customer too). */
    size_t n_customers;     /**< Out: rows written (also when `CVA_E_BUFFER_TOO_SMALL`: rows needed). */
    int64_t *customer_id;   /**< Customer id, ascending. */
    uint32_t *n_txn;        /**< Purchase rows (per refund policy). */
    uint32_t *n_occ;        /**< Purchase occasions (distinct periods with a purchase). */
    uint32_t *n_refund;     /**< Rows with amount < 0. */
    double *first_t;        /**< Time of the first purchase (caller's unit). */
    double *last_t;         /**< Time of the last purchase (caller's unit). */
    double *total_amount;   /**< Money per refund policy (Neumaier sum in (t, row) order). */
    double *total_cost;     /**< Sum of cost over all rows (0 without a cost array). */
    double *refund_amount;  /**< Sum of the negative amounts (<= 0). */
    double *frequency;      /**< x = n_occ - 1: repeat occasions. */
    double *recency;        /**< t_x in model units (@ref methods_btyd_stats). */
    double *T;              /**< T in model units: first purchase to the end (calibration end if set). */
    double *monetary_value; /**< m_x: mean occasion spend over occasions 2..n_occ; 0 when x = 0. */
    double *days_since_last; /**< The RFM recency: calibration_end (below; obs_end without a split)
                                  minus the time of the last purchase, in the caller's unit (not
                                  scaled by time_scale). cva_rfm_raw() given last_t and that end
                                  computes the same value. */
    uint32_t *ref_n_txn;    /**< Purchase rows this customer referred. */
    uint32_t *ref_n_cust;   /**< Distinct buyers this customer referred. */
    double *ref_amount;     /**< Money of the referred purchase rows. */
    double *ref_last_t;     /**< Time of the last referred purchase (NaN if none). */
    double *frequency_holdout; /**< Occasions in (calibration_end, obs_end]; needs calibration_end. */
    double *monetary_value_holdout; /**< Mean occasion spend in the holdout; 0 if none. */
    double *duration_holdout; /**< (obs_end - calibration_end)/u, the same for every customer. */
    /* Appended fields: a caller built against the older struct (ending at duration_holdout)
       passes its smaller struct_size and these are not written. */
    double obs_end;         /**< Out: the end of observation the call used (caller's unit):
                                 cva_txn_opts::obs_end when given; else the latest time of a valid
                                 row at or after obs_start (any row, purchase or refund), or the
                                 calibration end when that is later (an empty holdout). NaN when
                                 no end was given and no valid row is at or after obs_start.
                                 Rows after it are excluded. Written whenever the status is >= 0. */
    double calibration_end; /**< Out: the end the non-holdout statistics are measured to (T,
                                 days_since_last, and the rows counted): cva_txn_opts::calibration_end
                                 when given, else equal to @c obs_end. Pass it as the end of
                                 cva_rfm_raw() to score the same customers the same way. */
} cva_txn_summary;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts        options to fill.
 * @param struct_size sizeof(cva_txn_opts) as seen by the caller; a smaller
 *                    (older) size fills only that prefix.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p opts is NULL.
 * @retval CVA_E_ABI_MISMATCH @p struct_size is smaller than the first field set or larger than known.
 */
CVA_API cva_status cva_txn_opts_init_defaults(cva_txn_opts *opts, size_t struct_size);

/**
 * @brief Zero a ::cva_txn_summary and set its struct_size.
 * @param summary     struct to clear.
 * @param struct_size sizeof(cva_txn_summary), or the size of the struct before
 *                    @c obs_end and @c calibration_end were appended (then
 *                    cva_txn_summarize() does not write them).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p summary is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_txn_summary_init(cva_txn_summary *summary, size_t struct_size);

/**
 * @brief Bytes of workspace cva_txn_summarize() needs for @p in and @p opts.
 *
 * Depends on the row count and on which optional arrays are present.
 * Without a referrer array the size is twice the input bytes: 2 * n * 8 bytes
 * per array passed (customer_id, t, amount, and cost and period when given),
 * e.g. 48 bytes per row for id, time and amount. With a referrer array the
 * hash path keeps its worst-case bound (every row may add two distinct ids):
 * 240 to 265 bytes per row, i.e. 7.5 to 8.2 times the input.
 *
 * Workers: with cva_txn_opts::executor of W >= 2 workers the size also holds
 * one scratch area per worker for the per-partition work (about 88 bytes per
 * row of a hash partition, sized for partitions of twice the mean size, plus
 * 192 bytes per partition for the scatter), and is never smaller than without
 * an executor. The partitions are small in large inputs (at most 16,384 rows
 * on average, up to 1024 partitions), so there the areas fit in the 2 × input
 * bound: for id, time and amount, 48 bytes per row for W = 2 from 10^6 rows on
 * and for W = 8 from 10^7 rows on; W = 2 needs 77 bytes per row at 10^5 rows
 * and about 200 below 2 × 10^4 rows (one partition). A workspace smaller than
 * that but at least the size without an executor is accepted: the tasks then
 * run with one scratch area, on the calling thread (the same results). The
 * referrer path needs no more.
 * @param in    the input (only its sizes and which pointers are NULL are read).
 * @param opts  options, NULL for defaults; its @c executor's @c workers count.
 * @param bytes out: workspace size in bytes (alignment 16 is not required; any pointer works).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR @p in or @p bytes is NULL.
 * @retval CVA_E_OVERFLOW the size does not fit in size_t.
 */
CVA_API CVA_NODISCARD cva_status cva_txn_workspace_size(const cva_txn_input *in, const cva_txn_opts *opts,
                                                        size_t *bytes);

/**
 * @brief Summarise transactions into one row per customer.
 *
 * @param in        the transactions.
 * @param opts      options, NULL for defaults.
 * @param out       caller-owned outputs; @c capacity must be set.
 * @param work      workspace of at least cva_txn_workspace_size() bytes, or NULL to
 *                  let the function allocate it through cva_txn_opts::alloc.
 * @param work_size size of @p work in bytes (ignored when @p work is NULL).
 * @param diag      optional diagnostics (NULL allowed).
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     no rows (or none left in the window): n_customers = 0.
 * @retval CVA_W_EXCLUDED  rows outside [obs_start, obs_end] or invalid rows under
 *                         #CVA_TXN_F_SKIP_INVALID were dropped; diag->count says how many.
 * @retval CVA_E_NULLPTR   a required pointer is NULL (diag->arg: 1 in, 3 out; diag->detail names the field).
 * @retval CVA_E_NONFINITE a time, amount or cost is NaN/Inf (diag->index is the row).
 * @retval CVA_E_OPTION    an option is out of range (diag->option).
 * @retval CVA_E_BUFFER_TOO_SMALL out->capacity < customers; out->n_customers is set to the
 *                         number needed, nothing else is written.
 * @retval CVA_E_WORKSPACE_TOO_SMALL @p work_size is too small.
 * @retval CVA_E_NOMEM     allocation failed.
 * @retval CVA_E_OVERFLOW  a per-customer count exceeds UINT32_MAX, or a sum of one customer's
 *                         amounts, costs or referred money (or a time difference) would be
 *                         beyond DBL_MAX: diag->index is the first row of that customer (as
 *                         buyer or referrer), nothing is written. Checked only when some
 *                         |amount|, |cost| or |time| exceeds DBL_MAX / (4 (n + 1)) (then the
 *                         call summarises twice); ordinary data pays nothing for it.
 * @note O(n) expected time (hash partitioning, per-partition grouping in
 *       cache, per-customer sort of rows by time only when they are out of
 *       order); reentrant; no output is written unless the status is >= 0.
 *       Without referrers and with @p work NULL, the memory touched is
 *       about the input size plus 12 bytes per customer (never more than
 *       cva_txn_workspace_size() unless one customer or partition holds a
 *       large share of the rows). Results are the same bits with and
 *       without a workspace.
 * @note Speed: a workspace kept across calls saves the first touch of the
 *       memory (figures in bench/RESULTS.md). Any capacity works: the
 *       customers are counted once the rows are grouped, before anything is
 *       written (with a workspace so small that the rows are grouped in
 *       several passes, and a capacity below the row count, in an extra
 *       counting run first).
 * @note Threads: with cva_txn_opts::executor (two or more workers) the
 *       partitioned path runs as tasks on the caller's threads: the rows in
 *       chunks of max(4096, n/64) rows (validation, a count per hash
 *       partition, then a stable scatter), then one task per partition
 *       (hashing, then emission), then the merge of the partitions into id
 *       order in segments of the id range, and the reordering of each output
 *       array in chunks of customers.
 *       Where the work splits depends only on the input and every sum stays
 *       within one customer, so the results are the same bits for every
 *       executor, every number of workers and every order of the tasks
 *       (docs/threads.md).
 */
CVA_API CVA_NODISCARD cva_status cva_txn_summarize(const cva_txn_input *in, const cva_txn_opts *opts,
                                                   cva_txn_summary *out, void *work, size_t work_size,
                                                   cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

/*
 * Names kept until 1.0: the enumerators and constants before the module
 * prefixes. Each is the new name; new code uses the new names (the test
 * 'labels' checks the values).
 */
/** @cond OLD_NAMES */
#define CVA_REFUND_NET CVA_TXN_REFUND_NET
#define CVA_REFUND_AS_ROW CVA_TXN_REFUND_AS_ROW
#define CVA_REFUND_EXCLUDE CVA_TXN_REFUND_EXCLUDE
#define CVA_F_ZERO_NOT_PURCHASE CVA_TXN_F_ZERO_NOT_PURCHASE
#define CVA_F_SKIP_INVALID CVA_TXN_F_SKIP_INVALID
#define CVA_TIME_CONTINUOUS CVA_TXN_TIME_CONTINUOUS
#define CVA_TIME_PERIOD CVA_TXN_TIME_PERIOD
#define CVA_NO_REFERRER CVA_TXN_NO_REFERRER
#define cva_refund_policy cva_txn_refund_policy
#define cva_time_convention cva_txn_time_convention
/** @endcond */

#endif /* CVA_TXN_H */
