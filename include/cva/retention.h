/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_RETENTION_H
#define CVA_RETENTION_H

/**
 * @file retention.h
 * @brief Retention economics: the money side of a fitted churn model.
 *
 * Today it holds the discrete CLV of a purchase model with Gamma-Gamma spend
 * (cva_clv()). It is the home of the retention-economics module, which extends
 * it with further value and retention calculations on the same conventions;
 * the models themselves (fits, P(alive), expected purchases) stay in churn.h.
 * Moved here from churn.h before 0.1.0: the functions and structs are the same
 * symbols with the same layout, so the move changes no ABI.
 */

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/churn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup retention Retention economics
 * @brief Customer lifetime value from a fitted purchase model and Gamma-Gamma
 *        spend (@ref methods_clv_model).
 * @{
 */

/** @brief Option ids of this module reported in cva_diag::option. */
enum cva_retention_option_id {
    CVA_OPT_CLV_STEPS = 410,     /**< cva_clv_opts::steps */
    CVA_OPT_CLV_STEP_LENGTH = 411, /**< cva_clv_opts::step_length */
    CVA_OPT_CLV_DISCOUNT = 412,  /**< cva_clv_opts::discount */
    CVA_OPT_CLV_MARGIN = 413     /**< cva_clv_opts::margin */
};

/** @brief CLV options (@ref methods_clv_model); fill with cva_clv_opts_init_defaults(). */
typedef struct cva_clv_opts {
    uint32_t struct_size; /**< sizeof(cva_clv_opts). */
    int32_t steps;        /**< Number of discounting steps (>= 0). Default 12. 0: until every customer's
                               terms vanish, at most 1200 steps (the step cap; see cva_clv()). */
    double step_length;   /**< Length of a step in model time units. Default 30/7 (a 30-day month in weeks). */
    double discount;      /**< Discount rate per step. Default 0.01. */
    double margin;        /**< Profit margin applied to spend. Default 1. */
    const cva_allocator *alloc; /**< Allocator for every block cva_clv() takes (its per-customer state
                                     and the purchase model's caches). Default NULL: malloc/free.
                                     Appended after 0.1.0: a smaller struct_size means NULL. */
    /** Optional executor (see ::cva_executor): with two or more workers the customers are
        cut into fixed chunks (131072 rows, more above 134 million customers: at most 1024
        chunks) that run as tasks; each CLV is computed as without one, bit for bit. With two or more workers
        @c alloc is also called from the executor's threads (it must then be
        thread-safe). Default NULL. Appended after @c alloc: a smaller struct_size means NULL. */
    const cva_executor *executor;
} cva_clv_opts;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts options.
 * @param struct_size sizeof(cva_clv_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_clv_opts_init_defaults(cva_clv_opts *opts, size_t struct_size);

/**
 * @brief Discrete CLV: Σ_{i=1..steps} margin·E[M]·(E[Y(i·L)] − E[Y((i−1)·L)]) / (1+d)^i
 *        (the scheme of the common Python implementation; @ref methods_clv_model).
 *
 * The rows are checked as by cva_model_expected() (x > 0 with t_x = 0 is refused), and a
 * negative m_x (net refunds) is refused with `CVA_E_BADARG`, diag->arg 7 and diag->index
 * the row (see cva_gg_expected_spend()).
 * @param model BTYD model id.
 * @param params purchase model parameters.
 * @param gg_params Gamma-Gamma p, q, gamma.
 * @param x, t_x, T, m_x data.
 * @param n customers.
 * @param opts options, NULL for defaults.
 * @param out CLV per customer.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT with steps = 0, some customer's terms had not vanished after the
 *         1200-step cap (diag->option = #CVA_OPT_CLV_STEPS, diag->count = those customers; their
 *         CLV is the sum of 1200 steps); with diag->option = 0, a special-function series of
 *         the purchase model hit its term cap.
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_BADARG
 * @retval CVA_E_OPTION steps < 0, step_length <= 0, discount <= −1 or margin not finite.
 * @retval CVA_E_NOMEM the per-customer state (steps = 0 or steps > 32) or a work buffer could
 *         not be allocated through cva_clv_opts::alloc (@p out may hold partial values). A failed
 *         cache allocation of the purchase model is not an error: the rows are then evaluated
 *         without the cache, with the same values.
 */
CVA_API CVA_NODISCARD cva_status cva_clv(int32_t model, const double *params, const double *gg_params,
                                         const double *x, const double *t_x, const double *T,
                                         const double *m_x, size_t n, const cva_clv_opts *opts, double *out,
                                         cva_diag *diag);

/** @} */

/* ======================================================================== */
/* Retention economics: closed forms and the retention-profit what-if       */
/* (@ref methods_ret_conventions, @ref methods_clv_closed, @ref methods_equity, @ref methods_retention_edge)                                             */
/* ======================================================================== */

/**
 * @defgroup retention_whatif Retention economics: closed forms and the what-if
 * @brief Closed-form CLV with constant retention, customer equity,
 *        elasticities, the steady-state tenure-profit model and the
 *        retention-profit what-if (@ref methods_clv_closed, @ref methods_equity, @ref methods_retention_edge).
 *
 * Everything here is O(1) arithmetic on a handful of numbers: no allocation.
 *
 * **Periods and timing (@ref methods_ret_conventions).** `m` is the margin per active customer
 * per period, `r` the probability that an active customer is still active one
 * period later, `d` the discount rate per period. With
 * #CVA_CLV_TIMING_END the first margin comes one period from now and only if the
 * customer is retained (Gupta & Lehmann 2003); with #CVA_CLV_TIMING_START a margin
 * is collected now and at the start of every retained period. A finite horizon
 * `H` counts margins: END collects at t = 1..H, START at t = 0..H−1.
 *
 * **Margin growth.** The margin of a customer's k-th margin (k = 1, 2, ...) is
 * `m (1+g)^(k−1)` (margin grows with tenure, @ref methods_steady_state). With
 * `p = r(1+g)/(1+d)` and `S_H(p) = Σ_{k=0..H−1} p^k` (`1/(1−p)` for H = ∞)
 * the margin multiple `MM = CLV/m` is
 *
 *     END:   MM = r/(1+d) · S_H(p)        START:  MM = S_H(p)
 *
 * which reduces to every formula of @ref methods_clv_closed (END r/(1+d−r), START
 * (1+d)/(1+d−r), the finite-horizon sums, END with growth
 * r/(1+d−r(1+g))) and extends them exactly where @ref methods_clv_closed gives none (START
 * with growth, a finite horizon with growth). The geometric sum is
 * evaluated as `expm1(−H y)/expm1(−y)` with `y = −ln p` (H when p = 1), so
 * p close to 1 loses no digits.
 *
 * **Retention elasticity** is the exact `ε_r = d ln CLV / d ln r`:
 * `END: 1 + f`, `START: f`, where `f = p S_H'(p)/S_H(p)` is the mean of k
 * under weights p^k on 0..H−1: `f = p/(1−p)` for H = ∞ (giving @ref methods_sensitivity's
 * (1+d)/(1+d−r) and r/(1+d−r)), and for finite H
 * `f = (H−1)/2 + φ(y) − H φ(H y)` with `φ(z) = 1/(e^z−1) − 1/z + 1/2`
 * (a form without cancellation near p = 1, where f → (H−1)/2).
 *
 * **Domain (@ref methods_retention_edge).** `r` outside [0, 1) is `CVA_E_DOMAIN`, except
 * r = 1 with a finite horizon; `1 + d <= 0` is `CVA_E_DOMAIN`; an infinite
 * horizon with `1 + d − r <= 0` or `r(1+g) >= 1 + d` is `CVA_E_DOMAIN`; NaN or
 * infinite inputs are `CVA_E_NONFINITE`. In addition (not in @ref methods_retention_edge) a margin
 * growth `g < −1` (margins changing sign every period) is `CVA_E_DOMAIN`, a
 * negative horizon `CVA_E_OPTION`.
 *
 * Benchmarks such as Gupta, Lehmann & Stuart's (2004) "+1 % retention lifts
 * customer value by about 5 %" or Reichheld & Sasser's (1990) "5 points fewer
 * defections, 25–85 % more profit" are reported in the documentation only;
 * nothing here hard-codes them.
 * @{
 */

/** @brief Timing convention of the margins (@ref methods_ret_conventions). */
enum cva_timing {
    CVA_CLV_TIMING_END = 0,  /**< First margin one period from now, only if retained (default). */
    CVA_CLV_TIMING_START = 1 /**< A margin now and at the start of every retained period. */
};

/** @brief How a what-if retention change is read (@ref methods_whatif). */
enum cva_delta_mode {
    CVA_WHATIF_DELTA_ABS = 0, /**< r' = r + Δ (Δ = 0.05: five percentage points; default). */
    CVA_WHATIF_DELTA_REL = 1  /**< r' = r·(1 + Δ/100) (Δ = 5: five percent of r). */
};

/** @brief Option ids of this module reported in cva_diag::option. */
enum cva_whatif_option_id {
    CVA_OPT_CLVT_TIMING = 601,   /**< cva_clv_terms::timing */
    CVA_OPT_CLVT_HORIZON = 602,  /**< cva_clv_terms::horizon */
    CVA_OPT_CLVT_DISCOUNT = 603, /**< cva_clv_terms::discount */
    CVA_OPT_CLVT_GROWTH = 604,   /**< cva_clv_terms::growth */
    CVA_OPT_WHATIF_CUSTOMERS = 610,      /**< cva_whatif_inputs::customers (N) */
    CVA_OPT_WHATIF_MARGIN = 611,         /**< cva_whatif_inputs::margin (m) */
    CVA_OPT_WHATIF_RETENTION = 612,      /**< cva_whatif_inputs::retention (r) */
    CVA_OPT_WHATIF_DISCOUNT = 613,       /**< cva_whatif_inputs::discount (d) */
    CVA_OPT_WHATIF_TIMING = 614,         /**< cva_whatif_inputs::timing */
    CVA_OPT_WHATIF_HORIZON = 615,        /**< cva_whatif_inputs::horizon (H) */
    CVA_OPT_WHATIF_GROWTH = 616,         /**< cva_whatif_inputs::margin_growth (g) */
    CVA_OPT_WHATIF_DELTA = 617,          /**< cva_whatif_inputs::delta_retention */
    CVA_OPT_WHATIF_DELTA_MODE = 618,     /**< cva_whatif_inputs::delta_mode */
    CVA_OPT_WHATIF_RET_COST = 619,       /**< cva_whatif_inputs::retention_cost (c_ret) */
    CVA_OPT_WHATIF_DELTA_RET_COST = 620, /**< cva_whatif_inputs::delta_retention_cost */
    CVA_OPT_WHATIF_ACQ_COST = 621,       /**< cva_whatif_inputs::acquisition_cost (c_acq) */
    CVA_OPT_WHATIF_ACQ_RET_RATIO = 622,  /**< cva_whatif_inputs::acq_ret_ratio */
    CVA_OPT_WHATIF_NEW_CUSTOMERS = 623,  /**< cva_whatif_inputs::new_customers (A) */
    CVA_OPT_WHATIF_BUDGET_TARGET = 624   /**< cva_whatif_inputs::budget_share_target */
};

/** @brief Valuation terms shared by the closed forms; fill with cva_clv_terms_init_defaults(). */
typedef struct cva_clv_terms {
    uint32_t struct_size; /**< sizeof(cva_clv_terms). */
    int32_t timing;       /**< ::cva_timing. Default #CVA_CLV_TIMING_END. */
    int32_t horizon;      /**< Number of margins H >= 0; 0 = infinite. Default 0. */
    double discount;      /**< Discount rate d per period, 1 + d > 0. Default 0.10. */
    double growth;        /**< Margin growth g per period of tenure, >= −1. Default 0. */
} cva_clv_terms;

/**
 * @brief Fill @p terms with the defaults (END, infinite horizon, d = 0.10, g = 0).
 * @param terms terms.
 * @param struct_size sizeof(cva_clv_terms).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_clv_terms_init_defaults(cva_clv_terms *terms, size_t struct_size);

/**
 * @brief Closed-form CLV of one customer with constant retention (@ref methods_clv_closed):
 *        `CLV = m · MM(r)`, the margin multiple of the group description.
 *
 * Example: r = 0.80, d = 0.10 gives MM = 2.667 (END) and 3.667 (START).
 * The CLV of a prospect is `CLV − c_acq` (subtract the acquisition cost).
 * @param m        margin per active customer per period (any finite value, may be <= 0).
 * @param r        retention per period, 0 <= r < 1 (r = 1 with a finite horizon).
 * @param terms    timing, horizon, discount, growth; NULL for the defaults.
 * @param clv      out (may be NULL): m · MM.
 * @param multiple out (may be NULL): MM.
 * @param diag     optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NONFINITE @p m or @p r or a term is NaN or infinite (diag->arg, diag->option).
 * @retval CVA_E_DOMAIN    outside the domain of the group description (@ref methods_retention_edge).
 * @retval CVA_E_OPTION    an unknown timing or a negative horizon.
 * @retval CVA_E_ABI_MISMATCH @p terms has an unknown struct_size.
 */
CVA_API CVA_NODISCARD cva_status cva_clv_constant(double m, double r, const cva_clv_terms *terms, double *clv,
                                                  double *multiple, cva_diag *diag);

/**
 * @brief Elasticities of value (@ref methods_sensitivity): retention elasticity of CLV
 *        (the exact d ln CLV / d ln r of the group description), margin
 *        elasticity of CLV (1 where CLV != 0) and the acquisition-cost
 *        elasticity of a prospect's net value, `−c_acq / (CLV − c_acq)`.
 *
 * Example: r = 0.80, d = 0.10, END: ε_r = 1.1/0.3 = 3.667.
 * @param m      margin per period.
 * @param r      retention per period.
 * @param c_acq  acquisition cost per new customer (finite; 0 if not relevant).
 * @param terms  valuation terms, NULL for the defaults.
 * @param eps_r  out (may be NULL): retention elasticity (at r = 0 its limit: 1 for END, 0 for
 *               START).
 * @param eps_m  out (may be NULL): margin elasticity, 1; NaN when CLV = 0.
 * @param eps_c  out (may be NULL): acquisition-cost elasticity; NaN when CLV = c_acq.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_OPTION
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API CVA_NODISCARD cva_status cva_retention_elasticities(double m, double r, double c_acq,
                                                            const cva_clv_terms *terms, double *eps_r,
                                                            double *eps_m, double *eps_c, cva_diag *diag);

/**
 * @brief Customer equity (@ref methods_equity): the current base plus acquisition cohorts.
 *
 * - Current base (homogeneous): `CE_cur = n_current · m · MM(r)` with the timing of
 *   @p terms. (For a heterogeneous base sum the per-customer CLVs.)
 * - Acquisition cohorts (@ref methods_equity's discrete restatement of Gupta, Lehmann & Stuart
 *   2004): a cohort of n_k customers acquired at period k pays c_acq then and its first
 *   margin then (START timing whatever @p terms says, as in @ref methods_equity):
 *   `CE_new = Σ_{k=0..K−1} n_k/(1+d)^k · [m · MM_START(r) − c_acq]`, with MM_START using
 *   the horizon and growth of @p terms. With `n_new == NULL` and `n_cohorts == 0`,
 *   @p n_perpetual > 0 new customers arrive every period forever:
 *   `CE_new = n (1+d)/d · [m · MM_START(r) − c_acq]` (needs d > 0, else `CVA_E_DOMAIN`).
 *
 * @param n_current   current active customers (>= 0).
 * @param m           margin per active customer per period.
 * @param r           retention.
 * @param c_acq       acquisition cost per new customer (finite).
 * @param n_new       cohort sizes n_0..n_{K−1} (>= 0), or NULL.
 * @param n_cohorts   K (0 when @p n_new is NULL).
 * @param n_perpetual constant cohort size for the perpetual stream (used only when
 *                    @p n_new is NULL; 0 = no future cohorts).
 * @param terms       valuation terms, NULL for the defaults.
 * @param ce_current  out (may be NULL): CE of the current base.
 * @param ce_new      out (may be NULL): CE of the acquisition cohorts.
 * @param diag        optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY no customer at all (both outputs 0).
 * @retval CVA_E_NULLPTR @p n_new is NULL with n_cohorts > 0.
 * @retval CVA_E_BADARG a negative count (diag->arg; diag->index for @p n_new).
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_OPTION
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API CVA_NODISCARD cva_status cva_customer_equity(double n_current, double m, double r, double c_acq,
                                                     const double *n_new, size_t n_cohorts, double n_perpetual,
                                                     const cva_clv_terms *terms, double *ce_current,
                                                     double *ce_new, cva_diag *diag);

/**
 * @brief Steady-state tenure-profit model (@ref methods_steady_state): A new customers per period,
 *        retention r, margin `m_1 (1+g)^(t−1)` at tenure t, acquisition cost c_acq.
 *
 *     N_ss = A/(1−r),   P_ss = A · [m_1/(1 − r(1+g)) − c_acq]
 *
 * Undiscounted, per period. Example (A = 100, m_1 = 100, g = 0.05, c_acq = 150):
 * r = 0.80 gives 47 500, r = 0.85 gives 78 023.
 * @param A      new customers per period (>= 0).
 * @param m1     margin in the first period of tenure.
 * @param r      retention, 0 <= r <= 1.
 * @param g      margin growth per period of tenure (>= −1).
 * @param c_acq  acquisition cost per new customer.
 * @param n_ss   out (may be NULL): customers in the steady state; NaN for r = 1 with A > 0
 *               (0 when A = 0).
 * @param p_ss   out (may be NULL): profit per period; NaN when r(1+g) >= 1.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY A = 0 (zero customers and profit).
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_BADARG A < 0.
 * @retval CVA_E_DOMAIN r outside [0, 1] or g < −1.
 */
CVA_API CVA_NODISCARD cva_status cva_steady_state_profit(double A, double m1, double r, double g, double c_acq,
                                                         double *n_ss, double *p_ss, cva_diag *diag);

/**
 * @brief Inputs of the retention-profit what-if (@ref methods_whatif); fill with
 *        cva_whatif_inputs_init_defaults(), then set at least customers, margin, retention.
 *
 * Fields whose default is NaN: customers, margin and retention are required (left NaN
 * they are refused with `CVA_E_NONFINITE`); acquisition_cost and new_customers NaN mean
 * "derive" (see each field). Every other NaN or infinity is `CVA_E_NONFINITE`.
 */
typedef struct cva_whatif_inputs {
    uint32_t struct_size;       /**< sizeof(cva_whatif_inputs). */
    int32_t timing;             /**< ::cva_timing. Default #CVA_CLV_TIMING_END. */
    int32_t horizon;            /**< H, number of margins, 0 = infinite. Default 0. */
    int32_t delta_mode;         /**< ::cva_delta_mode. Default #CVA_WHATIF_DELTA_ABS. */
    double customers;           /**< N, current active customers (>= 0). Required (default NaN). */
    double margin;              /**< m, margin per active customer per period (may be <= 0). Required. */
    double retention;           /**< r, baseline retention per period. Required. */
    double discount;            /**< d per period. Default 0.10. */
    double margin_growth;       /**< g per period of tenure (>= −1). Default 0. */
    double delta_retention;     /**< Scenario change of r, read by @c delta_mode. Default 0. */
    double retention_cost;      /**< c_ret, retention spend per active customer per period (>= 0). Default 0. */
    double delta_retention_cost; /**< Extra retention spend per customer-period in the scenario. Default 0. */
    double acquisition_cost;    /**< c_acq per new customer (>= 0). Default NaN: acq_ret_ratio·c_ret
                                     when c_ret > 0, else 0. */
    double acq_ret_ratio;       /**< Acquisition : retention cost ratio (>= 0). Default 5 (seed S1:
                                     "retaining costs a fifth of acquiring"; practitioner estimates
                                     are reported to span 5–25×). */
    double new_customers;       /**< A, new customers per period (>= 0). Default NaN: N(1−r), the
                                     replacement level at the baseline. */
    double budget_share_target; /**< Target share of the marketing budget spent on existing customers,
                                     in [0, 1]. Default 0.20 (seed S1). */
} cva_whatif_inputs;

/**
 * @brief Outputs of the retention-profit what-if (@ref methods_whatif). NaN where undefined.
 *
 * With r' the scenario retention, m0 = m − c_ret and m1 = m − c_ret − delta_c_ret.
 * Every `*_pct` field is in percent.
 */
typedef struct cva_whatif_result {
    uint32_t struct_size;        /**< sizeof(cva_whatif_result). */
    int32_t budget_share_below_target; /**< 1 if retention_budget_share < the target, 0 if not,
                                            −1 when the share is undefined. */
    double retention_new;        /**< r'. */
    double acquisition_cost_used; /**< c_acq after the default rule. */
    double new_customers_used;   /**< A after the default rule. */
    double mm_base;              /**< MM(r). */
    double mm_new;               /**< MM(r'). */
    double clv_base;             /**< m0 · MM(r). */
    double clv_new;              /**< m1 · MM(r'). */
    double delta_clv;            /**< clv_new − clv_base. */
    double delta_clv_pct;        /**< 100 · delta_clv / clv_base; NaN when clv_base <= 0. */
    double ce_base;              /**< N · clv_base. */
    double ce_new;               /**< N · clv_new. */
    double delta_ce;             /**< ce_new − ce_base. */
    double retention_elasticity; /**< Exact d ln CLV / d ln r at r (see the group description). */
    double churned_base;         /**< N(1−r) customers lost per period. */
    double churned_new;          /**< N(1−r'). */
    double acquisition_spend_base; /**< N(1−r)·c_acq: replacing the lost customers. */
    double acquisition_spend_new;  /**< N(1−r')·c_acq. */
    double acquisition_spend_avoided; /**< acquisition_spend_base − acquisition_spend_new. */
    double break_even_retention_spend; /**< s* = m0·[1 − MM(r)/MM(r')], the extra spend per
                                            customer-period that leaves CLV unchanged; NaN when MM(r') = 0. */
    double programme_roi;        /**< delta_clv / (delta_c_ret · MM(r')) when delta_c_ret > 0 and the
                                      timing is END; NaN otherwise (a ratio, not percent). */
    double steady_state_profit_base; /**< P_ss at r with m_1 = m0, A fixed (@ref methods_steady_state); NaN when r(1+g) >= 1. */
    double steady_state_profit_new;  /**< P_ss at r' with m_1 = m1. */
    double steady_state_profit_change_pct; /**< 100·(P_ss(r')/P_ss(r) − 1); NaN when P_ss(r) <= 0. */
    double retention_budget_share; /**< c_ret·N / (c_ret·N + c_acq·A); NaN when the denominator is 0. */
    double acq_ret_ratio_used;   /**< c_acq / c_ret actually used; NaN when c_ret = 0. */
} cva_whatif_result;

/**
 * @brief Fill @p in with the defaults of @ref methods_whatif (customers, margin, retention NaN:
 *        required).
 * @param in inputs.
 * @param struct_size sizeof(cva_whatif_inputs).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_whatif_inputs_init_defaults(cva_whatif_inputs *in, size_t struct_size);

/**
 * @brief Set every field of @p out to NaN (budget_share_below_target −1) and its struct_size.
 * @param out result.
 * @param struct_size sizeof(cva_whatif_result).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_whatif_result_init(cva_whatif_result *out, size_t struct_size);

/**
 * @brief The retention-profit what-if (@ref methods_whatif): if retention moves from r to r'
 *        (optionally at an extra retention spend), what happens to CLV, customer equity,
 *        acquisition spend and steady-state profit, how much extra spend breaks even.
 *
 * Example: N = 1000, m = 100, r = 0.80, Δr = 0.05 (ABS), d = 0.10, END: MM 2.667 → 3.4,
 * CLV +27.5 %, ε_r = 3.667.
 * @param in   inputs (cva_whatif_inputs_init_defaults() then the required fields).
 * @param out  out: every field written (NaN where undefined); untouched on an error.
 * @param diag optional diagnostics (diag->option names the offending input).
 * @retval CVA_OK
 * @retval CVA_W_EMPTY customers = 0: totals are zero, per-customer values are computed.
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 * @retval CVA_E_NONFINITE a NaN or infinite input (or a required input left NaN).
 * @retval CVA_E_DOMAIN r or r' outside [0, 1) (r = 1 only with a finite horizon), 1 + d <= 0,
 *         an infinite horizon with 1 + d − r <= 0 or r(1+g) >= 1 + d (also for r'), g < −1.
 * @retval CVA_E_BADARG a negative customers, retention_cost, acquisition_cost, acq_ret_ratio
 *         or new_customers, or budget_share_target outside [0, 1].
 * @retval CVA_E_OPTION unknown timing or delta_mode, negative horizon.
 */
CVA_API CVA_NODISCARD cva_status cva_whatif(const cva_whatif_inputs *in, cva_whatif_result *out, cva_diag *diag);

/** @} */

/* ======================================================================== */
/* Model-based what-if (@ref methods_clv_model, @ref methods_whatif)                                     */
/* ======================================================================== */

/**
 * @defgroup retention_whatif_model Model-based what-if
 * @brief The retention what-if of @ref methods_whatif asked of a fitted model instead of a
 *        constant retention r: sBG (contractual) and BG/NBD or Pareto/NBD with
 *        Gamma-Gamma spend (non-contractual).
 *
 * Both functions take the change of retention as cva_whatif() does
 * (cva_whatif_model_opts::delta_retention read by cva_whatif_model_opts::delta_mode:
 * ABS `r' = r + Δ`, REL `r' = r (1 + Δ/100)`), where r is the model's **one-period
 * retention** defined below, and move the model so that this retention becomes
 * exactly r'. What is moved is the **dropout side only**: purchase rates (λ), spend
 * (Gamma-Gamma) and the customers' histories stay as fitted.
 *
 * **sBG** (cva_whatif_sbg(); churn probability θ ~ Beta(α, β), retention in period t
 * `r_t = (β+t−1)/(α+β+t−1)`, @ref methods_sbg). The one-period retention is
 * `r = r_1 = β/(α+β) = 1 − E[θ]`. The shift lowers the mean churn probability from
 * α/(α+β) to 1 − r' keeping α+β (the polarisation 1/(α+β+1) of the churn
 * probabilities) fixed: `α' = (1−r')(α+β)`, `β' = r'(α+β)`. Every later retention rises
 * too, by `(β'−β)/(α+β+t−1)`, and stays below 1, so no cap is needed below r' < 1.
 * Equivalently every customer's churn probability θ is multiplied in distribution by
 * `c = (1−r')/(1−r)` in mean (reported as dropout_scale). Reported: DEL (a new
 * customer) and DERL (a customer who has renewed cva_whatif_model_opts::n_renewals
 * times) before and after, from cva_sbg_lifetime() (closed forms, @ref methods_clv_model,
 * payments at the start of each period), and for comparison the constant-retention
 * valuation of @ref methods_clv_closed with r = r_1 (and r'): `DEL_const = (1+d)/(1+d−r)` (START
 * timing) and `DERL_const = r (1+d)/(1+d−r)` (the same sum Σ_k S(n+k)/S(n−1)/(1+d)^k
 * with S(t) = r^t). Fader & Hardie (2010) show the constant form undervalues a
 * heterogeneous base. With a base (counts by renewals made) the value of the current
 * base is `margin · Σ_k counts[k] · DERL(d, k renewals)`.
 *
 * **Pareto/NBD** (cva_whatif_btyd(), dropout rate μ ~ Gamma(s, β)). The one-period
 * retention is the population survival over one period of length P (model time
 * units, cva_whatif_model_opts::period): `r = E[e^{−μP}] = (β/(β+P))^s`. The shift
 * multiplies every customer's dropout rate by one factor c > 0, `μ → c μ` (for a new
 * customer: β' = β/c), with c solving `(β/(β+cP))^s = r'` in closed form:
 * `c = β (r'^{−1/s} − 1)/P`.
 *
 * **BG/NBD** (cva_whatif_btyd(); λ ~ Gamma(r, α), dropout probability after each
 * purchase p ~ Beta(a, b)). Dropout happens at a purchase, so a customer's lifetime is
 * exponential with rate λp and the one-period retention of the population is
 * `r = E[e^{−λpP}] = E_p[(α/(α+pP))^r] = (α/(α+P))^r · 2F1(r, b; a+b; P/(α+P))`
 * (Euler's integral and Pfaff's transformation). The shift multiplies every
 * customer's dropout probability by one factor c, `p → c p`, so the dropout rate λp is
 * scaled by c as for Pareto/NBD; c solves
 * `(α/(α+cP))^r · 2F1(r, b; a+b; cP/(α+cP)) = r'` (bisection on ln c to full
 * precision). c p must stay a probability, so only c <= 1 (r' >= r) is defined; a
 * lower r' is reported as undefined (see below).
 *
 * **Value of the current base** (both BTYD models): the intervention acts from now
 * on. Each customer's state (alive or not, λ, μ or p) has the posterior of the fitted
 * model given (x, t_x, T); from now on the dropout rate is c times the fitted one. The
 * discounted expected residual transactions are then, with δ = ln(1+d)/P the continuous
 * rate per model time unit (@ref methods_clv_model) and A = α+T:
 * - Pareto/NBD: `DERT_c = P(alive) (r+x)/A · (β+T)/c · e^{z}E_s(z)`, z = δ(β+T)/c
 *   (c = 1 is cva_model_dert());
 * - BG/NBD: `DERT_c = P(alive) ∫ Beta(p; a, b+x) (r+x)/(cp) e^{z}E_{r+x+1}(z) dp`,
 *   z = δA/(cp) (c = 1 is cva_model_dert()'s integral: λ/(δ + cpλ) mixed over the
 *   posterior Gamma(r+x, A) of λ).
 *
 * The value is `margin · E[M | x, m_x] · DERT` per customer (Gamma-Gamma
 * cva_gg_expected_spend(); without Gamma-Gamma parameters `margin · DERT`, the value
 * in transactions), summed over the customers with a purchase: value_base (c = 1) and
 * value_new. With Δ = 0 the new values equal the base values exactly (c = 1 is used as
 * such).
 *
 * **Capped or undefined shifts.** A target r' >= cva_whatif_model_opts::retention_cap
 * (default 0.999) is lowered to the cap (shift = #CVA_WHATIF_SHIFT_CAPPED, status
 * `CVA_W_BOUNDARY`). A target r' <= 0, or for BG/NBD r' below the fitted r (c > 1),
 * cannot be reached by the shift: shift = #CVA_WHATIF_SHIFT_UNDEFINED, every "new"
 * output NaN, status `CVA_W_BOUNDARY` (the base outputs are computed).
 * @{
 */

/** @brief How the requested retention change was applied (cva_whatif_model_result::shift). */
enum cva_whatif_shift {
    CVA_WHATIF_SHIFT_EXACT = 0,    /**< r' reached exactly. */
    CVA_WHATIF_SHIFT_CAPPED = 1,   /**< r' lowered to cva_whatif_model_opts::retention_cap. */
    CVA_WHATIF_SHIFT_UNDEFINED = 2 /**< r' cannot be reached by the shift: the new outputs are NaN. */
};

/** @brief Option ids of cva_whatif_model_opts reported in cva_diag::option. */
enum cva_whatif_model_option_id {
    CVA_OPT_WHATIFM_DELTA = 640,      /**< cva_whatif_model_opts::delta_retention */
    CVA_OPT_WHATIFM_DELTA_MODE = 641, /**< cva_whatif_model_opts::delta_mode */
    CVA_OPT_WHATIFM_DISCOUNT = 642,   /**< cva_whatif_model_opts::discount */
    CVA_OPT_WHATIFM_PERIOD = 643,     /**< cva_whatif_model_opts::period */
    CVA_OPT_WHATIFM_MARGIN = 644,     /**< cva_whatif_model_opts::margin */
    CVA_OPT_WHATIFM_RENEWALS = 645,   /**< cva_whatif_model_opts::n_renewals */
    CVA_OPT_WHATIFM_CAP = 646         /**< cva_whatif_model_opts::retention_cap */
};

/** @brief Options of the model-based what-if; fill with cva_whatif_model_opts_init_defaults(). */
typedef struct cva_whatif_model_opts {
    uint32_t struct_size;   /**< sizeof(cva_whatif_model_opts). */
    int32_t delta_mode;     /**< ::cva_delta_mode. Default #CVA_WHATIF_DELTA_ABS. */
    double delta_retention; /**< Change of the one-period retention (finite). Default 0. */
    double discount;        /**< Discount rate d per period, > 0. Default 0.10. */
    double period;          /**< BTYD: length P of one period in model time units (> 0). Default 52
                                 (a year when the model time unit is the week). Not read by sBG, whose
                                 period is the model's. */
    double margin;          /**< sBG: margin per customer per period; BTYD: margin rate applied to the
                                 Gamma-Gamma spend (finite). Default 1. */
    double n_renewals;      /**< sBG: DERL of a customer who has renewed this many times (>= 0;
                                 0 = about to face the first renewal, @ref methods_clv_model's DERL(d, 1)). Default 0. */
    double retention_cap;   /**< Largest r' used, in (0, 1): a higher target is capped (W_BOUNDARY).
                                 Default 0.999. */
    const cva_allocator *alloc; /**< BTYD: allocator of the per-customer work arrays (3n doubles).
                                     Default NULL: malloc/free. */
} cva_whatif_model_opts;

/** @brief Outputs of the model-based what-if; NaN where undefined or not applicable. */
typedef struct cva_whatif_model_result {
    uint32_t struct_size;     /**< sizeof(cva_whatif_model_result). */
    int32_t model;            /**< ::cva_model that was shifted. */
    int32_t shift;            /**< ::cva_whatif_shift. */
    int32_t n_params;         /**< Parameters in params_new (2 sBG, 4 BTYD). */
    double retention_base;    /**< The fitted one-period retention r (see the group description). */
    double retention_target;  /**< r' requested (before the cap). */
    double retention_new;     /**< r' used (the cap applied); NaN when undefined. */
    double dropout_scale;     /**< c: Pareto/NBD μ → cμ, BG/NBD p → cp, sBG mean churn probability
                                   (1−r')/(1−r) = α'/α. */
    double params_new[4];     /**< sBG (α', β'); Pareto/NBD (r, α, s, β/c) (a new customer's model);
                                   BG/NBD the fitted (r, α, a, b) (c multiplies p; no Beta(a, b)
                                   parameters give cp). */
    double del_base;          /**< sBG: DEL(d) with the fitted parameters. */
    double del_new;           /**< sBG: DEL(d) with (α', β'). */
    double del_change_pct;    /**< sBG: 100·(del_new/del_base − 1). */
    double derl_base;         /**< sBG: DERL(d) after n_renewals renewals, fitted parameters. */
    double derl_new;          /**< sBG: the same with (α', β'). */
    double derl_change_pct;   /**< sBG: 100·(derl_new/derl_base − 1). */
    double del_constant_base; /**< sBG: (1+d)/(1+d−r), constant retention r = r_1 (@ref methods_clv_closed, START). */
    double del_constant_new;  /**< sBG: (1+d)/(1+d−r'). */
    double derl_constant_base; /**< sBG: r(1+d)/(1+d−r). */
    double derl_constant_new;  /**< sBG: r'(1+d)/(1+d−r'). */
    double customers;         /**< Customers valued: Σ counts (sBG), rows with a purchase (BTYD). */
    double value_base;        /**< Value of the current base before the shift (the group description);
                                   NaN for sBG without counts. */
    double value_new;         /**< The same after the shift. */
    double delta_value;       /**< value_new − value_base. */
    double delta_value_pct;   /**< 100·delta_value/value_base; NaN when value_base <= 0. */
    double value_constant_base; /**< sBG: margin · Σ counts · DERL_const(r): the constant-retention
                                     valuation of the same base. */
    double value_constant_new;  /**< sBG: the same at r'. */
} cva_whatif_model_result;

/**
 * @brief Fill @p opts with the defaults (ABS, Δ = 0, d = 0.10, P = 52, margin 1,
 *        n_renewals 0, cap 0.999, default allocator).
 * @param opts options.
 * @param struct_size sizeof(cva_whatif_model_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_whatif_model_opts_init_defaults(cva_whatif_model_opts *opts, size_t struct_size);

/**
 * @brief Set every field of @p out to NaN (integers 0, shift #CVA_WHATIF_SHIFT_UNDEFINED)
 *        and its struct_size.
 * @param out result.
 * @param struct_size sizeof(cva_whatif_model_result).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_whatif_model_result_init(cva_whatif_model_result *out, size_t struct_size);

/**
 * @brief Model-based what-if for the sBG model: shift the fitted retention curve so that
 *        the first-period retention β/(α+β) moves by Δ (α+β fixed) and compare DEL, DERL
 *        and the value of a base with the constant-retention valuation (see the group
 *        description).
 *
 * Example: (α, β) = (0.704, 1.182), d = 0.10, Δ = 0.05 ABS: r 0.6267 → 0.6767,
 * (α', β') = (0.6097, 1.2763).
 * @param params  fitted α, β (> 0, finite).
 * @param counts  optional current base: counts[k] customers (>= 0, finite) who have renewed k
 *                times, k = 0..n_counts−1; NULL for no base (value outputs NaN).
 * @param n_counts entries of @p counts (0 with NULL).
 * @param opts    options (delta_retention, delta_mode, discount, margin, n_renewals,
 *                retention_cap); NULL for the defaults.
 * @param out     out: every field written (NaN where undefined); untouched on an error.
 * @param diag    optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY the target r' was capped or cannot be reached (out->shift; diag->option
 *         = #CVA_OPT_WHATIFM_DELTA).
 * @retval CVA_W_SERIES_LIMIT a DEL/DERL series hit its term cap.
 * @retval CVA_E_NULLPTR @p params or @p out is NULL, or @p counts is NULL with n_counts > 0.
 * @retval CVA_E_DOMAIN a parameter is not finite and > 0.
 * @retval CVA_E_NONFINITE a NaN or infinite option or count (diag->option or diag->index).
 * @retval CVA_E_BADARG a negative count (diag->index).
 * @retval CVA_E_OPTION an unknown delta_mode, discount <= 0, n_renewals < 0, retention_cap
 *         outside (0, 1).
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API CVA_NODISCARD cva_status cva_whatif_sbg(const double *params, const double *counts, size_t n_counts,
                                                const cva_whatif_model_opts *opts, cva_whatif_model_result *out,
                                                cva_diag *diag);

/**
 * @brief Model-based what-if for BG/NBD or Pareto/NBD with Gamma-Gamma spend: scale the
 *        dropout rate so that the one-period retention moves by Δ and report the change in
 *        the total value of the current base (see the group description).
 *
 * Rows without a purchase (x, t_x, T all NaN) are skipped (`CVA_W_EXCLUDED`, diag->count),
 * as in cva_model_dert().
 * @param model     #CVA_MODEL_BGNBD or #CVA_MODEL_PNBD.
 * @param params    fitted purchase-model parameters.
 * @param gg_params Gamma-Gamma p, q, γ (q > 1); NULL to value transactions (spend 1 each).
 * @param x, t_x, T the customers' statistics, as for cva_model_dert().
 * @param m_x       mean spend per repeat purchase (needed with @p gg_params, else may be NULL).
 * @param n         customers.
 * @param opts      options (delta_retention, delta_mode, discount per period, period in model
 *                  time units, margin rate, retention_cap, alloc); NULL for the defaults.
 * @param out       out: every field written (NaN where undefined); untouched on an error.
 * @param diag      optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY the target r' was capped or cannot be reached (out->shift).
 * @retval CVA_W_EXCLUDED rows without a purchase were skipped (diag->count).
 * @retval CVA_W_SERIES_LIMIT a special-function series hit its term cap.
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_BADARG another model, or a row refused by cva_model_dert() or
 *         cva_gg_expected_spend().
 * @retval CVA_E_DOMAIN parameters outside their domain.
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_OPTION an unknown delta_mode, discount <= 0, period <= 0, a non-finite margin,
 *         retention_cap outside (0, 1).
 * @retval CVA_E_NOMEM the work arrays could not be allocated.
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API CVA_NODISCARD cva_status cva_whatif_btyd(int32_t model, const double *params, const double *gg_params,
                                                 const double *x, const double *t_x, const double *T,
                                                 const double *m_x, size_t n, const cva_whatif_model_opts *opts,
                                                 cva_whatif_model_result *out, cva_diag *diag);

/** @} */

/* ======================================================================== */
/* Churn flags per customer (@ref methods_heuristics)                                     */
/* ======================================================================== */

/**
 * @defgroup churnflags Churn flags
 * @brief Heuristic and model-based activity flags per customer (@ref methods_heuristics), with
 *        the rule that decided each one and the value at risk.
 *
 * Rules (time in the caller's unit, recommended days):
 * - **hiatus** (Wübben & Wangenheim 2008): inactive iff `R > h` (R = time since the last
 *   purchase, the RFM recency `days_since_last` of cva_txn_summarize()); default h = 270;
 * - **inter-purchase-time multiple** (practitioner rule): for n_occ >= 2,
 *   `ipt = (last_t − first_t)/(n_occ − 1)`, inactive iff `R > k·ipt`, default k = 3. A customer
 *   with n_occ < 2 or ipt = 0 gets the population median ipt (of the customers with
 *   n_occ >= 2 and ipt > 0) instead; when there is none, the hiatus rule decides;
 * - **P(alive) threshold**: inactive iff `P(alive) < τ`, default τ = 0.5.
 *
 * With #CVA_CHURN_RULE_ALL every rule whose inputs are given is applied and a customer is
 * inactive when **any** of them says so (the early-warning reading); the rule reported is
 * the first in the order P(alive), ipt, hiatus that flagged the customer, or for an active
 * customer the first of them that was applied.
 *
 * Value at risk = CLV × (1 − P(alive)).
 * @{
 */

/** @brief Rule codes: the selection in cva_churn_flag_opts::rule and the per-customer result. */
enum cva_churn_rule {
    CVA_CHURN_RULE_ALL = 0,        /**< Selection only: every rule whose inputs are given (default). */
    CVA_CHURN_RULE_HIATUS = 1,     /**< The hiatus rule (also the ipt rule's last fallback). */
    CVA_CHURN_RULE_IPT = 2,        /**< The customer's own inter-purchase time. */
    CVA_CHURN_RULE_IPT_MEDIAN = 3, /**< Result only: the ipt rule with the population median ipt. */
    CVA_CHURN_RULE_P_ALIVE = 4     /**< P(alive) below the threshold. */
};

/** @brief Option ids of cva_churn_flag_opts reported in cva_diag::option. */
enum cva_churn_flag_option_id {
    CVA_OPT_CHURN_RULE = 630,        /**< cva_churn_flag_opts::rule */
    CVA_OPT_CHURN_HIATUS = 631,      /**< cva_churn_flag_opts::hiatus */
    CVA_OPT_CHURN_IPT_MULTIPLE = 632, /**< cva_churn_flag_opts::ipt_multiple */
    CVA_OPT_CHURN_THRESHOLD = 633    /**< cva_churn_flag_opts::threshold */
};

/** @brief Options of cva_churn_flags(); fill with cva_churn_flag_opts_init_defaults(). */
typedef struct cva_churn_flag_opts {
    uint32_t struct_size;  /**< sizeof(cva_churn_flag_opts). */
    int32_t rule;          /**< ::cva_churn_rule selection: ALL (default), HIATUS, IPT or P_ALIVE. */
    double hiatus;         /**< h > 0, in the unit of the recency. Default 270 (days). */
    double ipt_multiple;   /**< k > 0. Default 3. */
    double threshold;      /**< τ in [0, 1]. Default 0.5. */
    const cva_allocator *alloc; /**< Allocator for the median ipt work array. Default NULL: malloc/free. */
} cva_churn_flag_opts;

/**
 * @brief Fill @p opts with the defaults (all rules, h = 270, k = 3, τ = 0.5).
 * @param opts options.
 * @param struct_size sizeof(cva_churn_flag_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_churn_flag_opts_init_defaults(cva_churn_flag_opts *opts, size_t struct_size);

/**
 * @brief Static name of a rule code: "all", "hiatus", "ipt", "ipt-median", "p-alive"; "" if unknown.
 * @param rule ::cva_churn_rule.
 * @return a static string, never NULL.
 */
CVA_API const char *cva_churn_rule_name(int32_t rule);

/**
 * @brief Churn flags per customer (@ref methods_heuristics) and the value at risk.
 *
 * Every input is checked before anything is written.
 * @param recency  time since the last purchase R (>= 0), e.g. days_since_last.
 * @param n_occ    purchase occasions (the ipt rule; may be NULL without it).
 * @param first_t  time of the first purchase (the ipt rule; may be NULL without it).
 * @param last_t   time of the last purchase, >= first_t (the ipt rule; may be NULL without it).
 * @param p_alive  P(alive) in [0, 1] (the P(alive) rule and the value at risk; may be NULL).
 * @param clv      CLV per customer (the value at risk; may be NULL).
 * @param n        customers.
 * @param opts     options, NULL for the defaults.
 * @param active   out: 1 active, 0 inactive.
 * @param rule     out (may be NULL): the ::cva_churn_rule that decided.
 * @param value_at_risk out (may be NULL; needs @p clv and @p p_alive): CLV × (1 − P(alive)).
 * @param median_ipt out (may be NULL): the population median ipt used as the substitute
 *                 (NaN when no customer has n_occ >= 2 and ipt > 0, or the ipt rule is not applied).
 * @param diag     optional diagnostics; diag->count = inactive customers.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0 (*median_ipt NaN).
 * @retval CVA_E_NULLPTR a needed array is NULL: @p recency, @p active; n_occ/first_t/last_t with
 *         the IPT selection; p_alive with the P_ALIVE selection; clv and p_alive with @p value_at_risk.
 * @retval CVA_E_NONFINITE NaN or infinity in an input (diag->arg, diag->index).
 * @retval CVA_E_BADARG recency < 0, last_t < first_t, P(alive) outside [0, 1] (diag->arg, diag->index).
 * @retval CVA_E_OPTION an unknown rule, hiatus or ipt_multiple <= 0, threshold outside [0, 1].
 * @retval CVA_E_NOMEM the median work array could not be allocated.
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API CVA_NODISCARD cva_status cva_churn_flags(const double *recency, const uint32_t *n_occ, const double *first_t,
                                                 const double *last_t, const double *p_alive, const double *clv,
                                                 size_t n, const cva_churn_flag_opts *opts, int32_t *active,
                                                 int32_t *rule, double *value_at_risk, double *median_ipt,
                                                 cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_RETENTION_H */
