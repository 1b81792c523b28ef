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
 *        spend (SPEC §6.3).
 * @{
 */

/** @brief Option ids of this module reported in cva_diag::option. */
enum cva_retention_option_id {
    CVA_OPT_CLV_STEPS = 410,     /**< cva_clv_opts::steps */
    CVA_OPT_CLV_STEP_LENGTH = 411, /**< cva_clv_opts::step_length */
    CVA_OPT_CLV_DISCOUNT = 412,  /**< cva_clv_opts::discount */
    CVA_OPT_CLV_MARGIN = 413     /**< cva_clv_opts::margin */
};

/** @brief CLV options (SPEC §6.3); fill with cva_clv_opts_init_defaults(). */
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
 *        (the scheme of the common Python implementation; SPEC §6.3).
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

#ifdef __cplusplus
}
#endif

#endif /* CVA_RETENTION_H */
