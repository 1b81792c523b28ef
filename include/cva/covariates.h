/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_COVARIATES_H
#define CVA_COVARIATES_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/churn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup covariates Time-invariant covariates
 * @brief Pareto/NBD and BG/NBD with customer-level covariates, as CLVTools fits them
 *        (`pnbd()` / `bgnbd()` on data with static covariates).
 *
 * Every customer i carries a row z_i of @c n_cov numbers (row-major matrix @c z,
 * n × n_cov). Each column enters the lifetime process, the purchase (transaction)
 * process, or both, with its own coefficient per process (γ_life, γ_trans):
 *
 * - Pareto/NBD (r, α, s, β): α_i = α·exp(−γ_trans'z_i), β_i = β·exp(−γ_life'z_i), so a positive
 *   coefficient raises the purchase rate (resp. the dropout rate); r and s are common.
 * - BG/NBD (r, α, a, b): α_i = α·exp(−γ_trans'z_i), a_i = a·exp(γ_life'z_i),
 *   b_i = b·exp(γ_life'z_i) (CLVTools' parameterisation).
 *
 * A customer's likelihood, P(alive), expectations and DERT are those of the model without
 * covariates at the customer's own parameters. Options: equality constraints (one coefficient
 * shared by both processes, CLVTools `names.cov.constr`) and an L2 penalty on the coefficients
 * (CLVTools `reg.lambdas`: the objective is −LL/N + λ_life Σ γ_life² + λ_trans Σ γ_trans²
 * over the unconstrained coefficients, N the number (total weight) of customers).
 *
 * The fit runs BFGS on (ln r, ln α, ln s|a, ln β|b, γ...) with analytic gradients: the rows are
 * grouped by covariate pattern, and within a group identical (x, t_x, T) rows are merged. A
 * pattern's log-likelihood depends on (ln p, γ) only through its own four log-parameters,
 * which are linear in them, so the Hessian of the objective is assembled exactly from one
 * 4 × 4 block per pattern (BG/NBD: analytic, one pass over the rows; Pareto/NBD: by
 * differences of the pattern's analytic gradient, 8 passes; whatever the number of
 * coefficients). BFGS starts from the inverse of that Hessian at the start point (shifted to
 * be positive definite where it is not), which halves its iterations. Standard errors come
 * from the same Hessian at the estimate (observed information, delta method for the model
 * parameters), as for cva_model_fit_btyd(); where it is not positive definite from
 * differences in every coordinate instead. When the fit stops at an edge (CVA_W_BOUNDARY),
 * the parameters and coefficients that ran off (cva_model_fit::boundary,
 * cva_cov_fit::boundary_life / boundary_trans) get NaN standard errors and covariances, and
 * the others come from the Hessian restricted to them (the edge values held).
 * @{
 */

/** @brief Most covariate columns a fit takes. */
#define CVA_COV_MAX 10

/** @brief Option ids reported in cva_diag::option (range 800–819). */
enum cva_cov_option_id {
    CVA_OPT_COV_N = 800,         /**< cva_cov_opts::n_cov (1..#CVA_COV_MAX) */
    CVA_OPT_COV_PROCESS = 801,   /**< cva_cov_opts::life / trans (flags 0/1; every column somewhere) */
    CVA_OPT_COV_CONSTRAIN = 802, /**< cva_cov_opts::constrain (only on columns in both processes) */
    CVA_OPT_COV_LAMBDA = 803,    /**< cva_cov_opts::lambda_life / lambda_trans (finite, >= 0) */
    CVA_OPT_COV_START = 804,     /**< cva_cov_opts::start_life / start_trans (finite) */
    CVA_OPT_COV_MODEL = 805      /**< the model has no covariate form (only Pareto/NBD, BG/NBD) */
};

/** @brief Covariate specification; fill with cva_cov_opts_init_defaults(). */
typedef struct cva_cov_opts {
    uint32_t struct_size;       /**< sizeof(cva_cov_opts). */
    int32_t n_cov;              /**< Columns of z, 1..#CVA_COV_MAX. Default 0 (must be set). */
    const int32_t *life;        /**< n_cov flags: column j enters the lifetime process; NULL: all. */
    const int32_t *trans;       /**< n_cov flags: column j enters the purchase process; NULL: all. */
    const int32_t *constrain;   /**< n_cov flags: one coefficient for both processes (the column must
                                     enter both); NULL: none. */
    double lambda_life;         /**< L2 penalty on the free lifetime coefficients, >= 0. Default 0. */
    double lambda_trans;        /**< L2 penalty on the free purchase coefficients, >= 0. Default 0. */
    const double *start_life;   /**< Optional start of the lifetime coefficients (n_cov); NULL: 0. */
    const double *start_trans;  /**< Optional start of the purchase coefficients (n_cov); NULL: 0. For a
                                     constrained column the lifetime start is used. */
} cva_cov_opts;

/**
 * @brief Fitted covariate coefficients (the model parameters and the fit diagnostics are in the
 *        ::cva_model_fit filled by the same call).
 */
typedef struct cva_cov_fit {
    uint32_t struct_size;            /**< sizeof(cva_cov_fit). */
    int32_t model;                   /**< #CVA_MODEL_PNBD or #CVA_MODEL_BGNBD. */
    int32_t n_cov;                   /**< Columns of z. */
    int32_t n_free;                  /**< Coefficients estimated (a constrained column counts once). */
    int32_t life[CVA_COV_MAX];       /**< 1: column j enters the lifetime process. */
    int32_t trans[CVA_COV_MAX];      /**< 1: column j enters the purchase process. */
    int32_t constrain[CVA_COV_MAX];  /**< 1: gamma_life[j] == gamma_trans[j] by constraint. */
    double gamma_life[CVA_COV_MAX];  /**< Lifetime coefficients (0 where the column does not enter). */
    double gamma_trans[CVA_COV_MAX]; /**< Purchase coefficients (0 where the column does not enter). */
    double se_life[CVA_COV_MAX];     /**< Standard errors (NaN if the Hessian is singular or the coefficient ran off to an edge, 0 where absent). */
    double se_trans[CVA_COV_MAX];    /**< Standard errors of gamma_trans. */
    double lambda_life;              /**< Penalty used. */
    double lambda_trans;             /**< Penalty used. */
    double objective;                /**< −LL/N plus the penalty, at the estimate. */
    uint32_t boundary_life;          /**< Bit j: gamma_life[j] runs off (status `CVA_W_BOUNDARY`); the model
                                          parameters are flagged in cva_model_fit::boundary. */
    uint32_t boundary_trans;         /**< Bit j: gamma_trans[j] runs off. */
} cva_cov_fit;

/**
 * @brief Fill @p opts with the defaults (n_cov = 0 must then be set).
 * @param opts options.
 * @param struct_size sizeof(cva_cov_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_cov_opts_init_defaults(cva_cov_opts *opts, size_t struct_size);

/**
 * @brief Zero a ::cva_cov_fit and set struct_size.
 * @param fit struct.
 * @param struct_size sizeof(cva_cov_fit).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_cov_fit_init(cva_cov_fit *fit, size_t struct_size);

/**
 * @brief Fit Pareto/NBD or BG/NBD with time-invariant covariates by maximum likelihood.
 *
 * Deterministic. Rows whose x, t_x and T are all NaN are skipped as in cva_model_fit_btyd()
 * (their z is not read).
 * @param model   #CVA_MODEL_PNBD or #CVA_MODEL_BGNBD.
 * @param x, t_x, T  data as for cva_model_fit_btyd().
 * @param z       covariates, row-major n × copts->n_cov, finite.
 * @param weight  optional row weights (> 0); NULL = 1.
 * @param n       customers.
 * @param copts   covariate specification (required: n_cov).
 * @param opts    fitting options (max_iter, tolerances, start of the model parameters, progress,
 *                alloc, executor; penalty must be 0 — use the lambdas), NULL for defaults. With an
 *                executor of two or more workers the sums of the objective, its gradient and the
 *                block Hessian run in tasks of 2048 merged rows, combined in task order, and so do
 *                the grouping by pattern and the merge and sort of the rows: the tasks are fixed
 *                by the input, so every executor gives the bits of the serial fit.
 * @param fit     out: model parameters (population values, z = 0), their standard errors and
 *                covariance, log-likelihood (without the penalty), iterations.
 * @param cfit    out: the coefficients and their standard errors.
 * @param diag    optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY, CVA_W_MAXITER, CVA_W_NOT_CONVERGED  as for cva_model_fit_btyd().
 * @retval CVA_W_EXCLUDED  rows without a purchase were skipped (diag->count).
 * @retval CVA_W_EMPTY     no usable row (fits untouched).
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 * @retval CVA_E_OPTION    bad covariate specification (diag->option one of ::cva_cov_option_id) or
 *                         opts->penalty != 0.
 * @retval CVA_E_BADARG    model without a covariate form, or an invalid row (diag->index).
 * @retval CVA_E_NONFINITE NaN/Inf in the data or in z (diag->index = row).
 * @retval CVA_E_NOMEM
 * @retval CVA_E_NOCONVERGE
 * @retval CVA_E_CANCELED
 */
CVA_API CVA_NODISCARD cva_status cva_cov_fit_btyd(int32_t model, const double *x, const double *t_x,
                                                  const double *T, const double *z, const double *weight,
                                                  size_t n, const cva_cov_opts *copts, const cva_fit_opts *opts,
                                                  cva_model_fit *fit, cva_cov_fit *cfit, cva_diag *diag);

/**
 * @brief Each customer's own model parameters: row i of @p out (n × 4, row-major) holds
 *        (r, α_i, s, β_i) (Pareto/NBD) or (r, α_i, a_i, b_i) (BG/NBD).
 * @param params model parameters (population values, as fitted).
 * @param cfit   coefficients (cfit->model selects the model).
 * @param z      covariates, n × cfit->n_cov.
 * @param n      customers.
 * @param out    out, n × 4.
 * @param diag   optional.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 * @retval CVA_E_BADARG  bad cfit (model, n_cov) or parameters
 * @retval CVA_E_NONFINITE  z not finite (diag->index), or a customer's parameter overflows
 */
CVA_API CVA_NODISCARD cva_status cva_cov_individual_params(const double *params, const cva_cov_fit *cfit,
                                                           const double *z, size_t n, double *out,
                                                           cva_diag *diag);

/**
 * @brief Per-customer log-likelihood with covariates, and the gradient of Σ LL_i.
 * @param params model parameters.
 * @param cfit   coefficients (gamma_life / gamma_trans where the column enters; the constraint
 *               flags are not read here: each process uses its own array).
 * @param x, t_x, T data.
 * @param z      covariates n × cfit->n_cov.
 * @param n      customers.
 * @param ll     out (may be NULL): LL_i.
 * @param ll_sum out (may be NULL): Σ LL_i.
 * @param grad   out (may be NULL): 4 + 2·n_cov values: ∂/∂params[0..3], then ∂/∂gamma_life[j],
 *               then ∂/∂gamma_trans[j] (every column, whether or not it enters that process in a fit).
 * @param alloc  allocator of the grouping scratch (NULL: malloc/free).
 * @param diag   optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase (NaN outputs)
 * @retval CVA_W_EMPTY
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_cov_loglik(const double *params, const cva_cov_fit *cfit, const double *x,
                                                const double *t_x, const double *T, const double *z, size_t n,
                                                double *ll, double *ll_sum, double *grad,
                                                const cva_allocator *alloc, cva_diag *diag);

/** @brief What cva_cov_predict() computes. */
enum cva_cov_quantity {
    CVA_COV_P_ALIVE = 1,  /**< P(alive) at T + h (cva_model_p_alive(), h = t_future). */
    CVA_COV_EXPECTED = 2, /**< E[Y(h) | x, t_x, T] (cva_model_expected(), h = t). */
    CVA_COV_DERT = 3      /**< DERT at continuous discount rate h (cva_model_dert(), h = delta). */
};

/**
 * @brief P(alive), conditional expected transactions or DERT per customer at the customer's
 *        own parameters (cva_cov_individual_params()).
 *
 * The values equal cva_model_p_alive() / cva_model_expected() / cva_model_dert() called with
 * each customer's parameters; customers with the same covariates are evaluated together.
 * CLV per customer is DERT times the customer's expected margin per transaction
 * (cva_gg_expected_spend() for the Gamma-Gamma spend model).
 * @param params   model parameters.
 * @param cfit     coefficients.
 * @param quantity ::cva_cov_quantity.
 * @param h        t_future, t or delta as @p quantity says.
 * @param x, t_x, T  data (all-NaN rows give NaN and CVA_W_EXCLUDED).
 * @param z        covariates n × cfit->n_cov.
 * @param n        customers.
 * @param out      out, n values.
 * @param opts     options, NULL for the defaults: the allocator of the grouping scratch and of the
 *                model's function; the executor (with two or more workers the customers, in
 *                covariate-group order, are cut into tasks of 16384 that run on it; every value
 *                depends on its own row only, so the outputs are the same bits for every
 *                executor; the allocator is then also called from the executor's threads).
 * @param diag     optional (diag->index is the caller's row).
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED
 * @retval CVA_W_SERIES_LIMIT  as the model's function
 * @retval CVA_E_ABI_MISMATCH  opts not from cva_predict_opts_init_defaults()
 * @retval CVA_W_EMPTY
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_cov_predict(const double *params, const cva_cov_fit *cfit, int32_t quantity,
                                                 double h, const double *x, const double *t_x, const double *T,
                                                 const double *z, size_t n, double *out,
                                                 const cva_predict_opts *opts, cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_COVARIATES_H */
