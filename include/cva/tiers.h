/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TIERS_H
#define CVA_TIERS_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup tiers Value concentration and value tiers
 * @brief Lorenz curve, top-p shares, Gini, whale curve, the 20/30/50 grading,
 *        Peppers & Rogers classes (MVC / MGC / BZ), the customer pyramid and
 *        the profitability diagnostics of a popular rule of thumb (@ref methods_tiers).
 *
 * Every ranking is descending by value with ties going to the lower array
 * index first (ascending customer id when the arrays come from
 * cva_txn_summarize()). "The top t" are the first t of that ranking, "the
 * bottom t" its last t. Counts from shares use `⌈share·n − 1e-9⌉` (the guard
 * keeps `0.3·10` from rounding up to 4).
 *
 * Gini, Lorenz, shares and the whale curve need the values in descending
 * order but not who holds them: they sort the bare values (an MSD radix
 * sort: one pass by the top 16 key bits, then each bucket in cache). The
 * grading, the pyramid and the classes need only the value and index at
 * each boundary rank: they find them by exact selection (no sort) and label
 * the customers in one pass (above the boundary iff v > t, or v == t and
 * index <= j). A caller that asks several questions of the same array sorts
 * once with cva_value_order(): its @p sorted output, passed with the flag
 * #CVA_TIERS_PRESORTED, serves the value-only functions with one sequential
 * pass each and no allocation; an @p order passed in cva_tiers_opts::order
 * serves the per-customer functions (checked, and the values gathered, in
 * one pass).
 *
 * Scratch memory comes from cva_tiers_opts::work when the caller passes a
 * workspace of cva_tiers_workspace_size() bytes (kept across calls, it
 * saves the first touch of fresh pages, which dominates at 10^7 values),
 * else from the allocator, per call.
 *
 * NaN or infinite values are refused (`CVA_E_NONFINITE`, diag->index the
 * first one). A share or concentration measure over values that include
 * negatives is still evaluated (@ref methods_choice_gini_negative) and comes with
 * `CVA_W_NEGATIVE`; a denominator of 0 gives NaN.
 *
 * @code
 * cva_tiers_opts o;
 * cva_tiers_opts_init_defaults(&o, sizeof o);     // profit, 20/30/50, MVC 20 %, MGC 30 %
 * double g, p = 0.2, s;
 * int st = cva_gini(profit, n, &o, &g, NULL);       // CVA_W_NEGATIVE if some profit < 0
 * st = cva_top_share(profit, n, &p, 1, &o, &s, NULL);
 * int32_t grade[n];
 * st = cva_grade(profit, n, &o, grade, NULL);       // CVA_TIER_KEY / _ORDINARY / _SMALL
 * @endcode
 * @{
 */

/* The label codes of value tiers (CVA_TIER_BZ = 100 … CVA_TIER_LEAD = 123) are
   ::cva_tier_label in the label registry of cva/common.h; cva_label() names them. */

/** @brief What the ranked value is (@ref methods_tiers_inputs), cva_tiers_opts::value_kind. */
enum cva_value_kind {
    CVA_VALUE_REVENUE = 0, /**< Net revenue: BZ and LEAD cannot be detected. */
    CVA_VALUE_PROFIT = 1,  /**< Default. Revenue − direct cost − cost-to-serve. */
    CVA_VALUE_CLV = 2      /**< Forward-looking customer lifetime value (cva_clv()). */
};

/** @brief Where a customer's potential value comes from (@ref methods_value_classes), cva_tiers_opts::potential. */
enum cva_potential_source {
    CVA_POT_NONE = 0,            /**< Default. No potential: nobody is MGC. */
    CVA_POT_CALLER = 1,          /**< potential[] supplied by the caller. */
    CVA_POT_SHARE_OF_WALLET = 2, /**< potential = value / sow for sow in (0, 1], else NaN. */
    CVA_POT_PEER_QUANTILE = 3,   /**< potential = max(value, Q7_q of the values of the same group). */
    CVA_POT_MODEL = 4            /**< potential[] = forward CLV (cva_clv()) while value is historical profit. */
};

/** @brief Flags, cva_tiers_opts::flags. */
enum cva_tiers_flag {
    CVA_TIERS_GINI_POSITIVE_PART = 1, /**< Gini / Lorenz / shares of max(value, 0) (no `CVA_W_NEGATIVE`). */
    CVA_TIERS_GINI_SMALL_SAMPLE = 2,  /**< Gini times n/(n − 1) (n = 1: 0). */
    CVA_TIERS_PRESORTED = 4           /**< The values are already in descending order (checked in one
                                           sequential pass, `CVA_E_BADARG` otherwise, option
                                           #CVA_OPT_TIERS_FLAGS): no sort, no allocation; the ranking is
                                           the array order. E.g. the @p sorted output of
                                           cva_value_order() for cva_gini(), cva_lorenz(),
                                           cva_top_share() and cva_whale_curve(). Without a caller
                                           order, cva_gini(), cva_lorenz() (up to 1025 points),
                                           cva_top_share() (up to 32 fractions) and cva_whale_curve()
                                           (stats only) check in their figure pass, so they read the
                                           array once; the errors are the same and a failed check
                                           writes no output. */
};

/** @brief Option ids reported in cva_diag::option. */
enum cva_tiers_option_id {
    CVA_OPT_TIERS_VALUE_KIND = 501,     /**< cva_tiers_opts::value_kind */
    CVA_OPT_TIERS_POTENTIAL = 502,      /**< cva_tiers_opts::potential */
    CVA_OPT_TIERS_FLAGS = 503,          /**< cva_tiers_opts::flags */
    CVA_OPT_TIERS_MVC_SHARE = 504,      /**< cva_tiers_opts::mvc_share (and its sum with mgc_share) */
    CVA_OPT_TIERS_MGC_SHARE = 505,      /**< cva_tiers_opts::mgc_share */
    CVA_OPT_TIERS_BZ_THRESHOLD = 506,   /**< cva_tiers_opts::bz_threshold */
    CVA_OPT_TIERS_GRADE_SHARES = 507,   /**< cva_tiers_opts::grade_shares */
    CVA_OPT_TIERS_PYRAMID_SHARES = 508, /**< cva_tiers_opts::pyramid_shares */
    CVA_OPT_TIERS_PEER_QUANTILE = 509,  /**< cva_tiers_opts::peer_quantile */
    CVA_OPT_TIERS_DIAG_SHARE = 510,     /**< cva_tiers_opts::diag_share */
    CVA_OPT_TIERS_MARGIN = 511,         /**< cva_tiers_opts::margin */
    CVA_OPT_TIERS_COST_TO_SERVE = 512,  /**< cva_tiers_opts::cost_per_order / cost_per_customer */
    CVA_OPT_TIERS_ORDER = 513           /**< cva_tiers_opts::order */
};

/** @brief Options of every value-tier function; fill with cva_tiers_opts_init_defaults(). */
typedef struct cva_tiers_opts {
    uint32_t struct_size;     /**< sizeof(cva_tiers_opts). */
    int32_t value_kind;       /**< ::cva_value_kind. Default #CVA_VALUE_PROFIT. */
    int32_t potential;        /**< ::cva_potential_source. Default #CVA_POT_NONE. */
    int32_t flags;            /**< ::cva_tiers_flag bits. Default 0. */
    double mvc_share;         /**< MVC count = ⌈mvc_share·n − 1e-9⌉. Default 0.20; [0, 1]. */
    double mgc_share;         /**< MGC count = ⌈mgc_share·n − 1e-9⌉. Default 0.30; mvc_share + mgc_share <= 1. */
    double bz_threshold;      /**< BZ: value < bz_threshold (profit and CLV kinds). Default 0; finite. */
    double grade_shares[3];   /**< Key, ordinary, small. Default 0.20, 0.30, 0.50; each in [0, 1],
                                   sum <= 1 (+1e-9). Ranks past key + ordinary are small. */
    double pyramid_shares[2]; /**< Platinum, gold. Default 0.20, 0.30; each in [0, 1], sum <= 1. */
    double peer_quantile;     /**< q of #CVA_POT_PEER_QUANTILE. Default 0.9; [0, 1]. */
    double diag_share;        /**< Fraction of cva_profit_diagnostics(). Default 0.20; [0, 1]. */
    double margin;            /**< cva_customer_profit(): margin rate in [0, 1], or NaN (default): use the cost column. */
    double cost_per_order;    /**< cva_customer_profit(): cost-to-serve per purchase row. Default 0; finite, >= 0. */
    double cost_per_customer; /**< cva_customer_profit(): cost-to-serve per customer. Default 0; finite, >= 0. */
    const uint64_t *order;    /**< Optional: the descending order of the ranked array from
                                   cva_value_order() (n indices); NULL (default): each call sorts.
                                   Checked (`CVA_E_BADARG`, option #CVA_OPT_TIERS_ORDER). */
    const cva_allocator *alloc; /**< Allocator for the sort buffers. Default NULL: malloc/free. */
    void *work;                 /**< Optional caller workspace of cva_tiers_workspace_size() bytes (any
                                     alignment) for the sort and selection buffers; NULL (default):
                                     allocate per call. Kept across calls, it saves the first touch of
                                     fresh pages (the main cost at 10^7 values). Appended in 0.1.0. */
    size_t work_size;           /**< Size of cva_tiers_opts::work in bytes; a call that needs more
                                     returns `CVA_E_WORKSPACE_TOO_SMALL` (cva_diag::count: bytes needed). */
    /** Optional executor (see ::cva_executor) for the sort of the bare values (cva_gini(),
        cva_lorenz(), cva_top_share(), cva_whale_curve() without an order): after the bucket
        pass over the top 16 key bits, the buckets are sorted as tasks of about 2^18 values.
        A sort has one result, so every executor gives the same bits. With two or more
        workers the call takes per-worker histograms (160 KiB each) from @c alloc, and sorts
        on the calling thread alone when that fails. Default NULL. */
    const cva_executor *executor;
} cva_tiers_opts;

/** @brief What a workspace is for, cva_tiers_workspace_size(). */
enum cva_tiers_ws_kind {
    CVA_TIERS_WS_VALUES = 0, /**< cva_gini(), cva_lorenz(), cva_top_share(), cva_whale_curve() and
                                  cva_value_order() without @p order: a sort of the bare values (16 bytes
                                  per value). */
    CVA_TIERS_WS_ALL = 1     /**< Every tier function (also the selections of cva_grade(), cva_pyramid(),
                                  cva_value_classes() and the (value, index) order): about 32 bytes per value. */
};

/** @brief Whale-curve summary (@ref methods_whale), filled by cva_whale_curve(). */
typedef struct cva_whale_stats {
    int64_t peak_index;        /**< k*, 1-based first maximiser of the cumulative profit C_k; 0 when n = 0. */
    double total;              /**< Π, total profit (Neumaier). */
    double peak_profit;        /**< C_{k*}. */
    double peak_height;        /**< W_{k*} = C_{k*}/Π; NaN when Π <= 0. */
    double unprofitable_share; /**< #{π < 0} / n. */
    double profit_destroyed;   /**< −Σ_{π<0} π / Π; NaN when Π <= 0. */
} cva_whale_stats;

/** @brief The profitability diagnostics (@ref methods_profit_diag), filled by cva_profit_diagnostics(). */
typedef struct cva_profit_diag {
    double top_profit_to_cost;     /**< Σ_top π / Σ_top cost over the top ⌈s·n⌉ by profit (seed: ≈ 8). */
    double bottom_cost_to_revenue; /**< Σ_bottom cost / Σ_bottom revenue over the bottom ⌈s·n⌉ (seed: ≈ 4). */
    double top_revenue_share;      /**< Top-s share of revenue, ranked by revenue (seed: 80 %). */
    double top_profit_share;       /**< Top-s share of profit, ranked by profit (seed: 90 %). */
    double unprofitable_share;     /**< #{π < 0} / n. */
    int64_t top_count;             /**< ⌈s·n − 1e-9⌉, the size of the top and bottom groups. */
} cva_profit_diag;

/** @brief One row of cva_tier_stats(). */
typedef struct cva_tier_stat {
    int32_t label;      /**< The label code asked for. */
    int32_t reserved;   /**< 0. */
    uint64_t count;     /**< Customers with this label. */
    double value;       /**< Σ value over them (Neumaier). */
    double value_share; /**< value / Σ value over all customers (NaN when that is 0). */
    double mean;        /**< value / count (NaN when count is 0). */
} cva_tier_stat;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts        options to fill.
 * @param struct_size sizeof(cva_tiers_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p opts is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_tiers_opts_init_defaults(cva_tiers_opts *opts, size_t struct_size);

/**
 * @brief Bytes of a caller workspace (cva_tiers_opts::work) for columns of @p n values.
 * @param n     number of values (a workspace for n serves every smaller n).
 * @param kind  ::cva_tiers_ws_kind: which functions it must serve.
 * @param bytes out: the size in bytes.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR  @p bytes is NULL.
 * @retval CVA_E_BADARG   unknown @p kind.
 * @retval CVA_E_OVERFLOW @p n is too large.
 */
CVA_API CVA_NODISCARD cva_status cva_tiers_workspace_size(size_t n, int32_t kind, size_t *bytes);

/**
 * @brief The descending order of @p value, ties by lower index first (one stable radix sort).
 * @param value  values (finite).
 * @param n      number of values.
 * @param opts   options (allocator, workspace), NULL for defaults; cva_tiers_opts::order and the flags
 *               are ignored.
 * @param order  out (may be NULL): n indices, order[0] the largest value.
 * @param sorted out (may be NULL): the n values in that order (value[order[i]]; −0 as +0).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_NULLPTR   an array is NULL with n > 0.
 * @retval CVA_E_NONFINITE NaN or infinite value (diag->index).
 * @retval CVA_E_NOMEM     allocation failed (32 bytes per value with @p order, 8 without).
 * @retval CVA_E_WORKSPACE_TOO_SMALL cva_tiers_opts::work is smaller than needed (diag->count).
 */
CVA_API CVA_NODISCARD cva_status cva_value_order(const double *value, size_t n, const cva_tiers_opts *opts,
                                                 uint64_t *order, double *sorted, cva_diag *diag);

/**
 * @brief Gini coefficient `G = Σ_i (2i − n − 1)·x_(i) / (n·S)` over the ascending order (@ref methods_lorenz).
 *
 * Equal to `Σ_i Σ_j |x_i − x_j| / (2 n² μ)`. Ties are summed as a group, so all-equal
 * values give exactly 0. With #CVA_TIERS_GINI_POSITIVE_PART the values are max(x, 0);
 * with #CVA_TIERS_GINI_SMALL_SAMPLE the result is multiplied by n/(n − 1).
 * @param value values.
 * @param n     number of values.
 * @param opts  options (flags, order, allocator), NULL for defaults.
 * @param gini  out: G; NaN when n = 0 or S = 0.
 * @param diag  optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_NEGATIVE  a negative value in the raw form (G may exceed 1).
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_NULLPTR   a pointer is NULL (value only with n > 0).
 * @retval CVA_E_NONFINITE NaN or infinite value (diag->index).
 * @retval CVA_E_OPTION    unknown flag bits.
 * @retval CVA_E_BADARG    cva_tiers_opts::order is not the descending order of @p value.
 * @retval CVA_E_NOMEM     allocation failed.
 * @retval CVA_E_WORKSPACE_TOO_SMALL cva_tiers_opts::work is smaller than
 *         cva_tiers_workspace_size(n, #CVA_TIERS_WS_VALUES) (diag->count: bytes needed).
 */
CVA_API CVA_NODISCARD cva_status cva_gini(const double *value, size_t n, const cva_tiers_opts *opts,
                                          double *gini, cva_diag *diag);

/**
 * @brief Lorenz curve sampled at @p n_points equally spaced population shares (@ref methods_lorenz).
 *
 * Point j (0 ≤ j < n_points) is `p_j = j/(n_points − 1)` and `L(p_j)` on the piecewise-linear
 * curve through `(i/n, L_i)`, `L_i = Σ_{k≤i} x_(k) / S` (ascending order). With
 * `n_points = n + 1` these are exactly the n + 1 Lorenz points.
 * @param value    values.
 * @param n        number of values.
 * @param opts     options (flags: positive part; order; allocator), NULL for defaults.
 * @param n_points points wanted, >= 2.
 * @param p        out (may be NULL): n_points population shares.
 * @param lorenz   out: n_points curve values; NaN when S = 0; all NaN when n = 0.
 * @param diag     optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_NEGATIVE  a negative value (the curve can dip below 0).
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_BADARG    n_points < 2, or a bad cva_tiers_opts::order.
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_OPTION, CVA_E_NOMEM, CVA_E_WORKSPACE_TOO_SMALL as cva_gini().
 */
CVA_API CVA_NODISCARD cva_status cva_lorenz(const double *value, size_t n, const cva_tiers_opts *opts,
                                            size_t n_points, double *p, double *lorenz, cva_diag *diag);

/**
 * @brief Top-p shares (@ref methods_lorenz):
 *        `share(p) = (Σ_{i≤⌊pn⌋} x_[i] + (pn − ⌊pn⌋)·x_[⌊pn⌋+1]) / S` over the descending order.
 *
 * `pn` within 1e-9 of an integer counts as that integer.
 * @param value values.
 * @param n     number of values.
 * @param p     population fractions, each in [0, 1].
 * @param np    number of fractions.
 * @param opts  options (flags: positive part; order; allocator), NULL for defaults.
 * @param share out: np shares; NaN when n = 0 or S = 0.
 * @param diag  optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_NEGATIVE  a negative value among the values.
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_BADARG    a fraction outside [0, 1] (diag->index), or a bad order.
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_OPTION, CVA_E_NOMEM, CVA_E_WORKSPACE_TOO_SMALL as cva_gini().
 */
CVA_API CVA_NODISCARD cva_status cva_top_share(const double *value, size_t n, const double *p, size_t np,
                                               const cva_tiers_opts *opts, double *share, cva_diag *diag);

/**
 * @brief Whale curve (@ref methods_whale): cumulative profit from the most to the least profitable.
 *
 * `C_k = Σ_{i≤k} π_[i]`, `W_k = C_k / Π` (NaN for every k when Π ≤ 0).
 * @param profit profit per customer.
 * @param n      number of customers.
 * @param opts   options (order, allocator), NULL for defaults.
 * @param cum    out (may be NULL): n values C_k.
 * @param whale  out (may be NULL): n values W_k.
 * @param stats  out: the summary.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n = 0 (stats NaN, peak_index 0).
 * @retval CVA_E_OVERFLOW  a cumulative profit C_k (or Π) is beyond ±DBL_MAX; nothing is written.
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_BADARG (order), CVA_E_NOMEM,
 *         CVA_E_WORKSPACE_TOO_SMALL (as cva_gini()).
 */
CVA_API CVA_NODISCARD cva_status cva_whale_curve(const double *profit, size_t n, const cva_tiers_opts *opts,
                                                 double *cum, double *whale, cva_whale_stats *stats,
                                                 cva_diag *diag);

/**
 * @brief The key / ordinary / small (20/30/50) grading (@ref methods_grading).
 *
 * `b1 = ⌈s_key·n − 1e-9⌉`, `b2 = ⌈(s_key + s_ordinary)·n − 1e-9⌉`; ranks 1…b1 are
 * #CVA_TIER_KEY, b1+1…b2 #CVA_TIER_ORDINARY, the rest #CVA_TIER_SMALL. Pure rank: the
 * value's sign does not matter.
 * @param value values.
 * @param n     number of customers.
 * @param opts  options (grade_shares, order, allocator), NULL for defaults.
 * @param grade out: n label codes.
 * @param diag  optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_TIES      equal values on both sides of a boundary (split by index).
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_OPTION    a share outside [0, 1] or shares summing above 1.
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_BADARG (order), CVA_E_NOMEM.
 * @retval CVA_E_WORKSPACE_TOO_SMALL cva_tiers_opts::work is smaller than
 *         cva_tiers_workspace_size(n, #CVA_TIERS_WS_ALL) (diag->count: bytes needed).
 */
CVA_API CVA_NODISCARD cva_status cva_grade(const double *value, size_t n, const cva_tiers_opts *opts,
                                           int32_t *grade, cva_diag *diag);

/**
 * @brief Customer pyramid (@ref methods_pyramid).
 *
 * #CVA_TIER_LEAD when value < 0 and the kind is profit or CLV. Otherwise by rank r over
 * all n customers: r ≤ ⌈s_platinum·n − 1e-9⌉ with value > 0 → #CVA_TIER_PLATINUM,
 * r ≤ ⌈(s_platinum + s_gold)·n − 1e-9⌉ with value > 0 → #CVA_TIER_GOLD, else
 * #CVA_TIER_IRON (so a base with no positive value has no platinum or gold).
 * @param value values.
 * @param n     number of customers.
 * @param opts  options (value_kind, pyramid_shares, order, allocator), NULL for defaults.
 * @param tier  out: n label codes.
 * @param diag  optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_TIES      equal values on both sides of a boundary.
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_OPTION    bad value kind or shares.
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_BADARG (order), CVA_E_NOMEM.
 * @retval CVA_E_WORKSPACE_TOO_SMALL cva_tiers_opts::work is smaller than
 *         cva_tiers_workspace_size(n, #CVA_TIERS_WS_ALL) (diag->count: bytes needed).
 */
CVA_API CVA_NODISCARD cva_status cva_pyramid(const double *value, size_t n, const cva_tiers_opts *opts,
                                             int32_t *tier, cva_diag *diag);

/**
 * @brief Peppers & Rogers value classes (@ref methods_value_classes), first rule wins:
 *
 * 1. #CVA_TIER_BZ: kind profit or CLV and value < bz_threshold (never with revenue:
 *    diag->detail then says so);
 * 2. #CVA_TIER_MVC: among the rest with value > 0, the top ⌈mvc_share·n − 1e-9⌉ by value;
 * 3. #CVA_TIER_MGC: among the rest, those with gap = potential − value > 0 (potential not NaN),
 *    the top ⌈mgc_share·n − 1e-9⌉ by gap;
 * 4. #CVA_TIER_OTHER.
 *
 * The potential comes from cva_tiers_opts::potential: #CVA_POT_CALLER and #CVA_POT_MODEL
 * read @p potential (NaN allowed: never MGC), #CVA_POT_SHARE_OF_WALLET reads @p sow,
 * #CVA_POT_PEER_QUANTILE reads @p group (type-7 quantile at peer_quantile of the values of
 * the group); #CVA_POT_NONE reads none (nobody is MGC). Arrays not read may be NULL.
 * @param value         values (n is every customer: shares count over all of them).
 * @param potential     caller potential (#CVA_POT_CALLER, #CVA_POT_MODEL).
 * @param sow           share of wallet (#CVA_POT_SHARE_OF_WALLET); NaN or outside (0, 1]: NaN potential.
 * @param group         peer group id (#CVA_POT_PEER_QUANTILE).
 * @param n             number of customers.
 * @param opts          options, NULL for defaults.
 * @param cls           out: n label codes.
 * @param potential_out out (may be NULL): the potential used (NaN where none).
 * @param diag          optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_TIES      equal values (or gaps) on both sides of the MVC (MGC) boundary.
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_OPTION    bad kind, source, share or threshold (diag->option).
 * @retval CVA_E_NONFINITE NaN/Inf value, infinite potential, infinite sow (diag->arg, index).
 * @retval CVA_E_NULLPTR, CVA_E_BADARG (order), CVA_E_NOMEM.
 * @retval CVA_E_WORKSPACE_TOO_SMALL as cva_grade().
 */
CVA_API CVA_NODISCARD cva_status cva_value_classes(const double *value, const double *potential,
                                                   const double *sow, const int64_t *group, size_t n,
                                                   const cva_tiers_opts *opts, int32_t *cls,
                                                   double *potential_out, cva_diag *diag);

/**
 * @brief Revenue, cost and profit per customer from ordinary exports (@ref methods_tiers_inputs).
 *
 * Cost-to-serve = cost_per_order·n_orders + cost_per_customer. Without a margin (NaN):
 * `cost = cost column + cost-to-serve`, `profit = revenue − cost`. With a margin rate m:
 * `profit = m·revenue − cost-to-serve` and `cost = (1 − m)·revenue + cost-to-serve`
 * (the cost column is not read), so profit = revenue − cost in both cases.
 * @param revenue  net revenue per customer.
 * @param cost     direct cost per customer (NULL: 0).
 * @param n_orders purchase rows per customer (NULL: 0; needed when cost_per_order > 0).
 * @param n        number of customers.
 * @param opts     options (margin, cost_per_order, cost_per_customer), NULL for defaults.
 * @param cost_out   out (may be NULL): total cost.
 * @param profit_out out (may be NULL): profit.
 * @param diag     optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_NULLPTR   revenue NULL (n > 0) or n_orders NULL with cost_per_order > 0.
 * @retval CVA_E_NONFINITE NaN/Inf revenue or cost (diag->arg, index).
 * @retval CVA_E_OPTION    margin outside [0, 1], negative or non-finite cost-to-serve.
 */
CVA_API CVA_NODISCARD cva_status cva_customer_profit(const double *revenue, const double *cost,
                                                     const uint32_t *n_orders, size_t n,
                                                     const cva_tiers_opts *opts, double *cost_out,
                                                     double *profit_out, cva_diag *diag);

/**
 * @brief The profitability diagnostics (@ref methods_profit_diag) with s = cva_tiers_opts::diag_share.
 *
 * π = revenue − cost, ranked descending (ties by index); the top and bottom groups hold
 * t = ⌈s·n − 1e-9⌉ customers each. The revenue and profit shares are top-s shares
 * (cva_top_share()) of revenue and of profit. Zero denominators give NaN.
 * cva_tiers_opts::order, when set, must be the order of π.
 * @param revenue revenue per customer.
 * @param cost    cost per customer (including cost-to-serve).
 * @param n       number of customers.
 * @param opts    options, NULL for defaults.
 * @param out     out: the diagnostics.
 * @param diag    optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_NEGATIVE  a negative revenue or profit in a share.
 * @retval CVA_W_EMPTY     n = 0 (all NaN).
 * @retval CVA_E_OPTION    diag_share outside [0, 1].
 * @retval CVA_E_NULLPTR, CVA_E_NONFINITE, CVA_E_BADARG (order), CVA_E_NOMEM.
 * @retval CVA_E_WORKSPACE_TOO_SMALL as cva_grade().
 */
CVA_API CVA_NODISCARD cva_status cva_profit_diagnostics(const double *revenue, const double *cost, size_t n,
                                                        const cva_tiers_opts *opts, cva_profit_diag *out,
                                                        cva_diag *diag);

/**
 * @brief Count, value, value share and mean value per label code.
 * @param label   label code per customer.
 * @param value   value per customer (NULL: value 0 for every customer).
 * @param n       number of customers.
 * @param codes   the label codes to report, one row each (a code may have count 0).
 * @param n_codes number of codes.
 * @param stats   out: n_codes rows in the order of @p codes.
 * @param diag    optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n = 0.
 * @retval CVA_E_NULLPTR   a needed array is NULL.
 * @retval CVA_E_NONFINITE NaN/Inf value (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_tier_stats(const int32_t *label, const double *value, size_t n,
                                                const int32_t *codes, size_t n_codes, cva_tier_stat *stats,
                                                cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_TIERS_H */
