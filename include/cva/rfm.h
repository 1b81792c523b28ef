/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_RFM_H
#define CVA_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup rfm RFM scoring
 * @brief Recency, frequency and monetary quantile scores, cell codes and
 *        segments (@ref methods_rfm, @ref methods_choice_segment_map, @ref methods_choice_binning).
 *
 * Customers are scored in array order: that order (ascending customer id
 * when the arrays come from cva_txn_summarize()) breaks ties. A customer
 * whose recency is NaN (no purchase) is *unscored*: its three scores are 0,
 * it is left out of the scoring population and does not move any cut point.
 *
 * Every method reduces to a *cut set* — k−1 boundaries (value, index) —
 * followed by a branch-free counting kernel
 * `bin = 1 + Σ_j [v > c_j or (v == c_j and i > idx_j)]` over contiguous
 * arrays. The cut set is found by exact selection, never by a full sort:
 * for large columns a sample brackets each wanted rank and one vectorised
 * pass counts the values below and equal to each bracket edge and copies out
 * only the few values inside (heavy ties are located from block counts, not
 * copied); if the sample misses, an exact histogram-of-keys path takes over.
 * Results never depend on the sample.
 *
 * **Splitting work across threads.** cva_rfm_cuts_compute() needs the whole
 * column (about two read passes). cva_rfm_assign() is then
 * independent per element: give each thread a contiguous chunk
 * `[offset, offset + len)` of the same arrays with the chunk's global
 * @p offset, and the chunks together produce exactly the bins of one call.
 *
 * From examples/rfm.c, which the test suite builds and runs (its scores and
 * segments are checked against values worked by hand):
 * @snippet rfm.c score
 * @{
 */

/** @brief Binning methods (@ref methods_rfm_bins), cva_rfm_opts::method. */
enum cva_rfm_method {
    CVA_RFM_RANK_FIRST = 0, /**< Default. pandas `qcut(rank(method="first"))` parity. */
    CVA_RFM_NTILE = 1,      /**< SQL `NTILE(k) OVER (ORDER BY v, id)` parity; recency ordered DESC. */
    CVA_RFM_VALUE_CUTS = 2, /**< Type-7 quantile cut points, ties share a bin (`v > c`). */
    CVA_RFM_R_RFM = 3,      /**< R package `rfm` parity: cuts Q7 + 1, `v >= c`. */
    CVA_RFM_FIXED = 4       /**< Caller thresholds (cva_rfm_opts::r_cuts, f_cuts, m_cuts). */
};

/** @brief Direction of a scored column. */
enum cva_rfm_direction {
    CVA_RFM_ASCENDING = 0, /**< Larger values get higher bins (frequency, monetary). */
    CVA_RFM_RECENCY = 1    /**< Smaller values get higher bins (recency): `k + 1 − bin`, or DESC order for NTILE. */
};

/** @brief Frequency definitions (@ref methods_rfm_raw), cva_rfm_opts::frequency. */
enum cva_rfm_frequency {
    CVA_RFM_F_TXN = 0,   /**< Default. Purchase rows (n_txn). */
    CVA_RFM_F_OCC = 1,   /**< Purchase occasions (n_occ). */
    CVA_RFM_F_REPEAT = 2 /**< Repeat occasions (n_occ − 1), the BTYD x. */
};

/** @brief Monetary definitions (@ref methods_rfm_raw), cva_rfm_opts::monetary. */
enum cva_rfm_monetary {
    CVA_RFM_M_TOTAL = 0,      /**< Default. total_amount. */
    CVA_RFM_M_MEAN = 1,       /**< total_amount / n_txn. */
    CVA_RFM_M_REPEAT_MEAN = 2 /**< Mean repeat-occasion spend m_x (0 with one occasion). */
};

/** @brief Closure of fixed thresholds, cva_rfm_opts::fixed_closure. */
enum cva_rfm_closure {
    CVA_RFM_CLOSE_RIGHT = 0, /**< bin = 1 + #{j : v > c_j} (as value cuts). */
    CVA_RFM_CLOSE_LEFT = 1   /**< bin = 1 + #{j : v >= c_j} (as R `rfm`). */
};

/** @brief The column a cut set is for, the @p which of cva_rfm_cuts_compute(). */
enum cva_rfm_column {
    CVA_RFM_COL_RECENCY = 0,   /**< Recency: #CVA_RFM_FIXED reads cva_rfm_opts::r_cuts. */
    CVA_RFM_COL_FREQUENCY = 1, /**< Frequency: #CVA_RFM_FIXED reads cva_rfm_opts::f_cuts. */
    CVA_RFM_COL_MONETARY = 2   /**< Monetary: #CVA_RFM_FIXED reads cva_rfm_opts::m_cuts. */
};

/** @brief Largest number of bins. */
#define CVA_RFM_MAX_BINS 100

/** @brief Option ids reported in cva_diag::option. */
enum cva_rfm_option_id {
    CVA_OPT_RFM_BINS = 301,      /**< cva_rfm_opts::bins */
    CVA_OPT_RFM_METHOD = 302,    /**< cva_rfm_opts::method */
    CVA_OPT_RFM_FREQUENCY = 303, /**< cva_rfm_opts::frequency */
    CVA_OPT_RFM_MONETARY = 304,  /**< cva_rfm_opts::monetary */
    CVA_OPT_RFM_CLOSURE = 305,   /**< cva_rfm_opts::fixed_closure */
    CVA_OPT_RFM_CUTS = 306,      /**< cva_rfm_opts::r_cuts / f_cuts / m_cuts */
    CVA_OPT_RFM_KERNEL = 307,    /**< cva_rfm_opts::kernel */
    CVA_OPT_RFM_WEIGHTS = 308    /**< cva_rfm_opts::w_r / w_f / w_m */
};

/** @brief RFM options; fill with cva_rfm_opts_init_defaults(). */
typedef struct cva_rfm_opts {
    uint32_t struct_size;   /**< sizeof(cva_rfm_opts). */
    int32_t bins;           /**< k, number of bins, 1..100. Default 5. */
    int32_t method;         /**< ::cva_rfm_method. Default #CVA_RFM_RANK_FIRST. */
    int32_t frequency;      /**< ::cva_rfm_frequency for cva_rfm_raw(). Default #CVA_RFM_F_TXN. */
    int32_t monetary;       /**< ::cva_rfm_monetary for cva_rfm_raw(). Default #CVA_RFM_M_TOTAL. */
    int32_t fixed_closure;  /**< ::cva_rfm_closure for #CVA_RFM_FIXED. Default #CVA_RFM_CLOSE_RIGHT. */
    int32_t kernel;         /**< 0 (default): the automatic choice; other values (::cva_kernel) are experimental. */
    int32_t reserved;       /**< Must be 0. */
    const double *r_cuts;   /**< #CVA_RFM_FIXED: k−1 ascending recency thresholds (raw units). */
    const double *f_cuts;   /**< #CVA_RFM_FIXED: k−1 ascending frequency thresholds. */
    const double *m_cuts;   /**< #CVA_RFM_FIXED: k−1 ascending monetary thresholds. */
    double w_r;             /**< Weight of S_R in cva_rfm_composite(). Default 1. */
    double w_f;             /**< Weight of S_F. Default 1. */
    double w_m;             /**< Weight of S_M. Default 1. */
    const cva_allocator *alloc; /**< Used when no workspace is passed. Default NULL: malloc/free. */
    /** Optional executor (see ::cva_executor) for cva_rfm_score(): from 131072 customers
        the counting pass of the cut selection runs as tasks over at most 16 ranges of
        rows (fixed by n; each task gathers into its own share of the space, the shares
        are joined in row order, and a share that overflows makes the pass run again on
        the calling thread), and the assignment of the scores as tasks of 131072
        customers (4 superblocks), whose per-score counts (integers) are added up. The
        selection is exact on every path, so scores, cuts and counts are the same for
        every executor. With two or more workers the call takes one small block (3
        counters per worker) from @c alloc. Default NULL. */
    const cva_executor *executor;
} cva_rfm_opts;

/**
 * @brief The cut set of one column: k−1 boundaries in (value, index) order.
 *
 * Element i with value v (not NaN) gets
 * `bin = 1 + #{ j : v > value[j] or (v == value[j] and i > index[j]) }`
 * (`>=` instead of `>` and no index term for #CVA_RFM_CLOSE_LEFT). With
 * direction #CVA_RFM_RECENCY the stored values are negated for NTILE and the
 * bin is reversed (`k + 1 − bin`) for the other methods.
 */
typedef struct cva_rfm_cuts {
    uint32_t struct_size;  /**< sizeof(cva_rfm_cuts). */
    int32_t bins;          /**< k. */
    int32_t closure;       /**< ::cva_rfm_closure used by the kernel. */
    int32_t negate;        /**< 1: the kernel sees −v (NTILE recency). */
    int32_t reverse;       /**< 1: the final score is k + 1 − bin (recency). */
    int32_t ties_split;    /**< Out: 1 if equal values landed in different bins. */
    uint64_t scored;       /**< Number of non-NaN values (the population m). */
    double value[CVA_RFM_MAX_BINS - 1]; /**< Boundary values (after negation). */
    int64_t index[CVA_RFM_MAX_BINS - 1]; /**< Boundary element index; INT64_MAX for value-only cuts. */
    uint64_t count[CVA_RFM_MAX_BINS];    /**< Out of cva_rfm_assign(): elements per final score 1..k (count[s-1]). */
} cva_rfm_cuts;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts        options to fill.
 * @param struct_size sizeof(cva_rfm_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p opts is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_rfm_opts_init_defaults(cva_rfm_opts *opts, size_t struct_size);

/**
 * @brief Raw R, F and M per customer from summary columns (@ref methods_rfm_raw).
 *
 * @param obs_end        analysis date in the caller's time unit. From a summary, pass
 *                       cva_txn_summary::calibration_end (its obs_end without a split):
 *                       the recency is then that summary's days_since_last.
 * @param last_t         last purchase time (NaN: no purchase → unscored).
 * @param n_txn          purchase rows.
 * @param n_occ          purchase occasions (read for #CVA_RFM_F_OCC / _F_REPEAT; may be NULL otherwise).
 * @param total_amount   money per the refund policy.
 * @param monetary_value mean repeat-occasion spend (read for #CVA_RFM_M_REPEAT_MEAN; may be NULL otherwise).
 * @param n              number of customers.
 * @param opts           options (frequency, monetary); NULL for defaults.
 * @param recency        out: obs_end − last_t, NaN for customers with n_txn = 0.
 * @param frequency      out: F per cva_rfm_opts::frequency.
 * @param monetary       out: M per cva_rfm_opts::monetary (M_MEAN: NaN when n_txn = 0).
 * @param diag           optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_NULLPTR   a needed array is NULL.
 * @retval CVA_E_NONFINITE obs_end is not finite.
 * @retval CVA_E_BADARG    a last purchase lies after obs_end (diag->index).
 * @retval CVA_E_OPTION    unknown frequency/monetary definition.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_raw(double obs_end, const double *last_t, const uint32_t *n_txn,
                                             const uint32_t *n_occ, const double *total_amount,
                                             const double *monetary_value, size_t n, const cva_rfm_opts *opts,
                                             double *recency, double *frequency, double *monetary,
                                             cva_diag *diag);

/**
 * @brief Workspace bytes for cva_rfm_cuts_compute() / cva_rfm_score() on @p n values.
 * @param n     number of values.
 * @param bytes out: bytes needed.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR  @p bytes is NULL.
 * @retval CVA_E_OVERFLOW the size does not fit in size_t.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_workspace_size(size_t n, size_t *bytes);

/**
 * @brief Compute the cut set of one column.
 *
 * @param v         values; NaN = unscored (excluded from the population). ±Inf is an error.
 * @param n         number of values.
 * @param direction ::cva_rfm_direction.
 * @param opts      options (bins, method, fixed cuts, closure); NULL for defaults.
 * @param which     ::cva_rfm_column: which thresholds #CVA_RFM_FIXED reads (#CVA_RFM_COL_RECENCY
 *                  r_cuts, #CVA_RFM_COL_FREQUENCY f_cuts, #CVA_RFM_COL_MONETARY m_cuts); checked
 *                  for every method.
 * @param cuts      out: the cut set (struct_size must be set).
 * @param work      workspace of cva_rfm_workspace_size() bytes, or NULL to allocate.
 * @param work_size its size.
 * @param diag      optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     no scored value.
 * @retval CVA_E_NONFINITE an infinite value (diag->index).
 * @retval CVA_E_OPTION    bad bins/method/cuts (diag->option).
 * @retval CVA_E_WORKSPACE_TOO_SMALL @p work is given with @p work_size below
 *                         cva_rfm_workspace_size(n) (for any n, 0 included).
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_cuts_compute(const double *v, size_t n, int32_t direction,
                                                      const cva_rfm_opts *opts, int32_t which,
                                                      cva_rfm_cuts *cuts, void *work, size_t work_size,
                                                      cva_diag *diag);

/**
 * @brief Apply a cut set to a chunk: score[i] for v[i], i = 0..len−1, global index offset + i.
 *
 * Adds the chunk's per-score counts to cuts->count and sets cuts->ties_split
 * when it sees equal values in different bins at a boundary.
 * @param v      the chunk's values.
 * @param offset global index of v[0] (0 for a whole column).
 * @param len    chunk length.
 * @param cuts   cut set from cva_rfm_cuts_compute() (counts accumulate).
 * @param kernel 0: the automatic choice; other values (::cva_kernel) are experimental.
 * @param score  out: 1..k, or 0 for NaN (unscored).
 * @param diag   optional diagnostics (diag->arg: the argument at fault).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR a pointer is NULL with len > 0, or @p cuts is NULL.
 * @retval CVA_E_BADARG  @p cuts is not a valid cut set, or @p kernel is unknown.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_assign(const double *v, size_t offset, size_t len,
                                                cva_rfm_cuts *cuts, int32_t kernel, int32_t *score,
                                                cva_diag *diag);

/**
 * @brief Score R, F and M in one call.
 *
 * A customer is unscored (all three scores 0) when its recency is NaN.
 * Frequency and monetary must be finite for scored customers.
 * @param recency   raw recency (smaller is better), NaN = unscored.
 * @param frequency raw frequency.
 * @param monetary  raw monetary value (may be negative).
 * @param n         number of customers.
 * @param opts      options, NULL for defaults.
 * @param r         out: S_R.
 * @param f         out: S_F.
 * @param m         out: S_M.
 * @param cuts      optional out: three cut sets (R, F, M), each with struct_size set; NULL to skip.
 * @param work      workspace of cva_rfm_workspace_size(n) bytes, or NULL to allocate.
 * @param work_size its size.
 * @param diag      optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_TIES      tied values were split across bins (rank-first, NTILE).
 * @retval CVA_W_EMPTY     n = 0 or nobody scored.
 * @retval CVA_E_NONFINITE frequency/monetary NaN/Inf for a scored customer, or infinite recency.
 * @retval CVA_E_OPTION    invalid option.
 * @retval CVA_E_WORKSPACE_TOO_SMALL @p work is given with @p work_size below
 *                         cva_rfm_workspace_size(n) (for any n, 0 included: checked before
 *                         the empty case).
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_score(const double *recency, const double *frequency,
                                               const double *monetary, size_t n, const cva_rfm_opts *opts,
                                               int32_t *r, int32_t *f, int32_t *m, cva_rfm_cuts *cuts,
                                               void *work, size_t work_size, cva_diag *diag);

/**
 * @brief Composite scores: cell code, weighted mean and FM (@ref methods_rfm_composite).
 *
 * cell = 100 S_R + 10 S_F + S_M for k ≤ 9, else (S_R (k+1) + S_F)(k+1) + S_M;
 * 0 for unscored customers. weighted = (w_R S_R + w_F S_F + w_M S_M)/(w_R + w_F + w_M),
 * fm = (S_F + S_M)/2; both NaN for unscored customers.
 * @param r, f, m  scores.
 * @param n        number of customers.
 * @param opts     options (bins, weights), NULL for defaults.
 * @param cell     out (may be NULL).
 * @param weighted out (may be NULL).
 * @param fm       out (may be NULL).
 * @param diag     optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY   n = 0.
 * @retval CVA_E_NULLPTR a score array is NULL with n > 0.
 * @retval CVA_E_BADARG  a score outside 0..k (no output written; diag->arg and diag->index).
 * @retval CVA_E_OPTION  weights negative or summing to 0 (diag->option), or another invalid option.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_composite(const int32_t *r, const int32_t *f, const int32_t *m,
                                                   size_t n, const cva_rfm_opts *opts, int32_t *cell,
                                                   double *weighted, double *fm, cva_diag *diag);

/* The segment codes (::cva_rfm_segment_label) and cva_label() are in the label
   registry of cva/common.h, with the codes of the other modules. */

/** @brief One segment rule: inclusive score ranges; first match wins. */
typedef struct cva_rfm_rule {
    int32_t label; /**< Segment code: built-in ::cva_rfm_segment_label, or a caller code >= #CVA_LABEL_CUSTOM_FIRST. */
    int32_t r_lo;  /**< Lowest S_R. */
    int32_t r_hi;  /**< Highest S_R. */
    int32_t f_lo;  /**< Lowest S_F. */
    int32_t f_hi;  /**< Highest S_F. */
    int32_t m_lo;  /**< Lowest S_M. */
    int32_t m_hi;  /**< Highest S_M. */
} cva_rfm_rule;

/** @brief Built-in maps, for cva_rfm_map_get(). All are for k = 5. */
enum cva_rfm_map_id {
    CVA_RFM_MAP_RF10_GRID = 0,           /**< Default: complete 10-label R×F grid (@ref methods_choice_segment_map). */
    CVA_RFM_MAP_RFM11_HEBBALI = 1,       /**< R `rfm` vignette's 11-segment table, published order. */
    CVA_RFM_MAP_RFM11_SPECIFIC_FIRST = 2 /**< Same boxes, specific rules first. */
};

/**
 * @brief A built-in segment map (static storage, never freed).
 * @param map_id  ::cva_rfm_map_id.
 * @param rules   out: the rules.
 * @param n_rules out: number of rules.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR an out pointer is NULL.
 * @retval CVA_E_BADARG  unknown map id.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_map_get(int32_t map_id, const cva_rfm_rule **rules, size_t *n_rules);

/**
 * @brief Assign segments: first matching rule wins; no match → #CVA_RFM_SEG_OTHERS;
 *        unscored (any score 0) → #CVA_RFM_SEG_NONE.
 * @param r, f, m  scores.
 * @param n        number of customers.
 * @param k        number of bins the scores use.
 * @param rules    rule table, or NULL for the default map (#CVA_RFM_MAP_RF10_GRID).
 * @param n_rules  number of rules (ignored when @p rules is NULL).
 * @param segment  out: segment code per customer.
 * @param diag     optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_BADARG a built-in map with k != 5, or a score outside 0..k (diag->index).
 * @retval CVA_E_NULLPTR an array is NULL with n > 0.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_segment(const int32_t *r, const int32_t *f, const int32_t *m,
                                                 size_t n, int32_t k, const cva_rfm_rule *rules,
                                                 size_t n_rules, int32_t *segment, cva_diag *diag);

/**
 * @brief Check a map over all k³ cells.
 *
 * @param rules        rule table.
 * @param n_rules      number of rules (at most 10000).
 * @param k            bins, 1..100.
 * @param rule_cells   out (may be NULL): cells each rule wins (0 = shadowed or empty box).
 * @param n_uncovered  out (may be NULL): cells no rule matches (they become "Others").
 * @param n_shadowed   out (may be NULL): rules with a non-empty box that win no cell.
 * @param n_unreachable_labels out (may be NULL): distinct labels that win no cell.
 * @param diag         optional diagnostics.
 * @retval CVA_OK           complete map: every cell covered, every label reachable, nothing shadowed.
 * @retval CVA_W_MAP        the map has uncovered cells, shadowed rules or unreachable labels.
 * @retval CVA_E_NULLPTR    @p rules is NULL with n_rules > 0.
 * @retval CVA_E_BADARG     k or n_rules out of range, or a rule with lo > hi (diag->index: the rule).
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_map_check(const cva_rfm_rule *rules, size_t n_rules, int32_t k,
                                                   uint32_t *rule_cells, uint32_t *n_uncovered,
                                                   uint32_t *n_shadowed, uint32_t *n_unreachable_labels,
                                                   cva_diag *diag);

/**
 * @brief Per-segment report row.
 */
typedef struct cva_rfm_segment_stat {
    int32_t label;        /**< Segment code. */
    int32_t reserved;     /**< 0. */
    uint64_t count;       /**< Customers in the segment. */
    double share;         /**< count / all customers. */
    double mean_r;        /**< Mean S_R. */
    double mean_f;        /**< Mean S_F. */
    double mean_m;        /**< Mean S_M. */
    double revenue;       /**< Sum of revenue over the segment (Neumaier). */
    double revenue_share; /**< revenue / total revenue (NaN when the total is 0). */
} cva_rfm_segment_stat;

/**
 * @brief Summarise customers per segment, rows sorted by segment code.
 * @param segment   segment codes.
 * @param r, f, m   scores.
 * @param revenue   revenue per customer (e.g. total_amount), may be NULL (revenue 0).
 * @param n         customers.
 * @param stats     out: one row per distinct segment present.
 * @param capacity  length of @p stats.
 * @param n_stats   out: rows written (or needed with `CVA_E_BUFFER_TOO_SMALL`).
 * @param diag      optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0.
 * @retval CVA_E_NULLPTR a needed pointer is NULL (diag->arg).
 * @retval CVA_E_BUFFER_TOO_SMALL capacity too small; *n_stats says how many (also in diag->count).
 * @retval CVA_E_NONFINITE NaN/Inf revenue (diag->index).
 * @retval CVA_E_BADARG more than 256 distinct segment codes (diag->index: the first customer beyond).
 * @note O(n × segments); meant for the handful of segments of a map.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_report(const int32_t *segment, const int32_t *r, const int32_t *f,
                                                const int32_t *m, const double *revenue, size_t n,
                                                cva_rfm_segment_stat *stats, size_t capacity, size_t *n_stats,
                                                cva_diag *diag);

/**
 * @brief High-influence referrers (@ref methods_rfm_referral): the top ceil(share·m − 1e-9) of the m
 *        customers with ref_n_txn ≥ 1 by referred money, ties broken by array order.
 * @param ref_n_txn  referred purchase rows per customer.
 * @param ref_amount referred money per customer.
 * @param n          customers.
 * @param share      fraction, 0..1 (default 0.20).
 * @param flag       out: 1 for high-influence customers, else 0.
 * @param diag       optional diagnostics, as for cva_rfm_high_influence_advanced().
 * @retval CVA_OK
 * @retval CVA_W_EMPTY nobody referred anything.
 * @retval CVA_E_NULLPTR a NULL array with n > 0.
 * @retval CVA_E_OPTION share outside [0, 1].
 * @retval CVA_E_NONFINITE NaN/Inf referred money for a referrer.
 * @retval CVA_E_NOMEM allocation failed.
 * @note The convenience form of cva_rfm_high_influence_advanced() (experimental): the same
 *       call with `alloc = NULL`, so its two blocks of 16 bytes per referrer come from
 *       malloc/free. It keeps the diag (every fallible call takes one last); only the
 *       allocator is left to the advanced form.
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_high_influence(const uint32_t *ref_n_txn, const double *ref_amount,
                                                        size_t n, double share, int32_t *flag,
                                                        cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

/*
 * Names kept until 1.0: the enumerators before the module prefixes. Each is the
 * new name; new code uses the new names (the test 'labels' checks the values).
 */
/** @cond OLD_NAMES */
#define CVA_SEG_NONE CVA_RFM_SEG_NONE
#define CVA_SEG_OTHERS CVA_RFM_SEG_OTHERS
#define CVA_SEG_CHAMPIONS CVA_RFM_SEG_CHAMPIONS
#define CVA_SEG_LOYAL CVA_RFM_SEG_LOYAL
#define CVA_SEG_POTENTIAL_LOYALIST CVA_RFM_SEG_POTENTIAL_LOYALIST
#define CVA_SEG_NEW CVA_RFM_SEG_NEW
#define CVA_SEG_PROMISING CVA_RFM_SEG_PROMISING
#define CVA_SEG_NEED_ATTENTION CVA_RFM_SEG_NEED_ATTENTION
#define CVA_SEG_ABOUT_TO_SLEEP CVA_RFM_SEG_ABOUT_TO_SLEEP
#define CVA_SEG_AT_RISK CVA_RFM_SEG_AT_RISK
#define CVA_SEG_CANT_LOSE CVA_RFM_SEG_CANT_LOSE
#define CVA_SEG_HIBERNATING CVA_RFM_SEG_HIBERNATING
#define CVA_SEG_LOST CVA_RFM_SEG_LOST
#define CVA_SEG_CUSTOM CVA_LABEL_CUSTOM_FIRST
#define cva_segment cva_rfm_segment_label
/** @endcond */

#endif /* CVA_RFM_H */

/* Experimental declarations: see the group "experimental" in cva/common.h. */
#if defined(CVA_EXPERIMENTAL_API) && !defined(CVA_RFM_H_EXPERIMENTAL)
#define CVA_RFM_H_EXPERIMENTAL

#ifdef __cplusplus
extern "C" {
#endif

/** @addtogroup experimental
 * @{
 */

/**
 * @brief cva_rfm_high_influence() with the caller's allocator and diagnostics.
 *
 * Same results and status codes; the two blocks of 16 bytes per referrer it sorts in
 * come from @p alloc, and are freed before it returns.
 * @param ref_n_txn  referred purchase rows per customer.
 * @param ref_amount referred money per customer.
 * @param n          customers.
 * @param share      fraction, 0..1.
 * @param flag       out: 1 for high-influence customers, else 0.
 * @param alloc      allocator, NULL for malloc/free.
 * @param diag       optional diagnostics: diag->arg the argument at fault (1-based),
 *                   diag->index the first referrer with NaN/Inf money.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY nobody referred anything.
 * @retval CVA_E_NULLPTR a NULL array with n > 0.
 * @retval CVA_E_OPTION share outside [0, 1].
 * @retval CVA_E_NONFINITE NaN/Inf referred money for a referrer.
 * @retval CVA_E_NOMEM @p alloc failed (@p flag untouched).
 */
CVA_API CVA_NODISCARD cva_status cva_rfm_high_influence_advanced(const uint32_t *ref_n_txn,
                                                                 const double *ref_amount, size_t n,
                                                                 double share, int32_t *flag,
                                                                 const cva_allocator *alloc, cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_EXPERIMENTAL_API && !CVA_RFM_H_EXPERIMENTAL */
