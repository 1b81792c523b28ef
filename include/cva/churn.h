/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CHURN_H
#define CVA_CHURN_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup churn Churn and spend models
 * @brief BG/NBD, MBG/NBD, Pareto/NBD, NBD, BG/BB, Gamma-Gamma and sBG: likelihood,
 *        maximum-likelihood fitting, P(alive), expected purchases and spend,
 *        DERT (@ref methods_models, @ref methods_choice_fitting, @ref methods_choice_mbgnbd, @ref methods_choice_dert, @ref methods_choice_discount); CLV is in @ref retention.
 *
 * Parameters travel as a plain `double params[4]` in the order given by
 * ::cva_model (natural scale, all > 0). Every evaluation function takes the
 * parameters directly, so a caller may fit elsewhere. The per-customer data
 * are the BTYD statistics of cva_txn_summarize(): frequency x (repeat
 * occasions), recency t_x and age T in model time units (for BG/BB:
 * x repeat transactions, t_x the period of the last one, T = n opportunities).
 *
 * **Customers without a purchase.** A row whose x, t_x and T are all NaN (what
 * cva_txn_summarize() writes for a customer without a purchase, e.g. before the
 * calibration end) is skipped, as RFM leaves such a customer unscored: it does not
 * enter a likelihood, its per-customer outputs are NaN, and the call returns
 * `CVA_W_EXCLUDED` with diag->count = those rows (a fit's own warning, e.g.
 * `CVA_W_BOUNDARY`, takes precedence and diag->count still counts them; so does an
 * evaluation's `CVA_W_SERIES_LIMIT`, with its own count). The other rows give exactly
 * what they give alone; the weight of a skipped row is not read. A NaN in only one or two of x, t_x, T is `CVA_E_NONFINITE`.
 * Gamma-Gamma does the same for rows with NaN x and m_x.
 *
 * All functions are reentrant; a ::cva_model_fit is a plain value that may be
 * shared read-only between threads.
 *
 * From examples/churn.c, which the test suite builds and runs:
 * @snippet churn.c fit
 * @{
 */

/** @brief Model ids and their parameter order. */
enum cva_model {
    CVA_MODEL_BGNBD = 1,  /**< BG/NBD (FHL 2005a): r, alpha, a, b. */
    CVA_MODEL_MBGNBD = 2, /**< MBG/NBD (Batislam et al. 2007, Wagner & Hoppe 2008): r, alpha, a, b. */
    CVA_MODEL_PNBD = 3,   /**< Pareto/NBD (SMC 1987): r, alpha, s, beta. */
    CVA_MODEL_BGBB = 4,   /**< BG/BB (FHS 2010), discrete: alpha, beta, gamma, delta; rows with n at most 1e9 and n − t_x at most 1e6. */
    CVA_MODEL_GG = 5,     /**< Gamma-Gamma spend (FHL 2005b): p, q, gamma. */
    CVA_MODEL_SBG = 6,    /**< Shifted-beta-geometric (FH 2007): alpha, beta. */
    CVA_MODEL_NBD = 7,    /**< NBD (Ehrenberg 1959), no drop-out: r, alpha. P(alive) = 1; the
                               log-likelihood has BTYDplus' constant terms (no ln x!). */
    CVA_MODEL_GGOMNBD = 8, /**< Gamma/Gompertz/NBD (Bemmaor & Glady 2012; CLVTools' ggomnbd): r, alpha, b, s,
                               beta (five parameters: read them from cva_model_fit::params5). */
    CVA_MODEL_BGCNBD = 9, /**< BG/CNBD-k (Reutterer, Platzer & Schröder 2020): r, alpha, a, b plus the
                               integer k beside them; functions in @ref regularity. */
    CVA_MODEL_MBGCNBD = 10, /**< MBG/CNBD-k: r, alpha, a, b and k; functions in @ref regularity. */
    CVA_MODEL_PNBDCOR = 11  /**< Pareto/NBD with correlated purchase and dropout rates (Sarmanov; CLVTools'
                                 pnbd(use.cor = TRUE)): r, alpha, s, beta, correlation (five parameters:
                                 cva_model_fit::params5). The correlation is Corr(λ, μ); its admissible
                                 range depends on the other four and the model on the time unit
                                 (@ref methods_pnbdcor). */
};

/** @brief Option ids reported in cva_diag::option. */
enum cva_churn_option_id {
    CVA_OPT_FIT_MAX_ITER = 401,  /**< cva_fit_opts::max_iter */
    CVA_OPT_FIT_TOL = 402,       /**< cva_fit_opts::grad_tol / f_tol */
    CVA_OPT_FIT_PENALTY = 403,   /**< cva_fit_opts::penalty */
    CVA_OPT_FIT_START = 404      /**< cva_fit_opts::start */
};

/**
 * @brief Progress callback of a fit: called once per iteration with the current
 *        negative log-likelihood; a non-zero return cancels (`CVA_E_CANCELED`).
 */
typedef int (*cva_progress_fn)(void *user, size_t iteration, double objective);

/** @brief Fitting options; fill with cva_fit_opts_init_defaults(). */
typedef struct cva_fit_opts {
    uint32_t struct_size;     /**< sizeof(cva_fit_opts). */
    int32_t max_iter;         /**< Quasi-Newton iterations, >= 1. Default 1000. */
    int32_t merge_rows;       /**< 1 (default): merge identical rows into weights first. */
    int32_t q_above_one;      /**< Gamma-Gamma: 1 constrains q > 1 (so E[M] exists). Default 0. */
    double grad_tol;          /**< Stop when the max |gradient| in log-parameters <= grad_tol·(1+|LL|/N). Default 1e-9. */
    double f_tol;             /**< ... or the relative LL change < f_tol over 3 iterations. Default 1e-14. */
    double penalty;           /**< L2 penalty λ Σ θ² on natural parameters, >= 0. Default 0. */
    const double *start;      /**< Optional start (natural scale, one value per parameter); NULL: model default. */
    cva_progress_fn progress; /**< Optional progress/cancel callback. */
    void *progress_user;      /**< Passed to @c progress. */
    const cva_allocator *alloc; /**< Allocator for the merged rows. Default NULL: malloc/free. */
    /** Optional executor (see ::cva_executor) for the likelihood and gradient sums:
        the merged rows are summed in fixed chunks (2048 rows; Gamma-Gamma: pieces of
        at most 2048 rows of one x) as tasks, and the chunk sums combined in chunk order,
        so every executor gives the bits of the serial fit. sBG sums over periods, not
        customers, and ignores it. Default NULL: the calling thread only. Appended in
        0.1.0 after @c alloc: a smaller struct_size means NULL. */
    const cva_executor *executor;
} cva_fit_opts;

/** @brief A fitted model: parameters, uncertainty and fit diagnostics. */
typedef struct cva_model_fit {
    uint32_t struct_size;   /**< sizeof(cva_model_fit). */
    int32_t model;          /**< ::cva_model. */
    int32_t n_params;       /**< 2, 3, 4 or 5 (#CVA_MODEL_GGOMNBD). */
    int32_t converged;      /**< 1 if the convergence test passed, 0 otherwise. */
    double params[4];       /**< Estimates (natural scale) in the order of ::cva_model (the first four
                                 of a five-parameter model: all of them are in @c params5). */
    double std_err[4];      /**< Standard errors from the observed information (delta method
                                 from the log-parameter Hessian); NaN if the Hessian is singular. */
    double cov[16];         /**< Covariance of the natural parameters, row-major n_params × n_params. */
    double log_likelihood;  /**< Σ w_i LL_i at the estimate (without the penalty). */
    double grad_norm;       /**< Max |gradient| of the objective in log-parameters at the end. */
    uint64_t iterations;    /**< Quasi-Newton iterations used. */
    uint64_t evaluations;   /**< Objective evaluations used. */
    uint64_t n_rows;        /**< Distinct rows after merging. */
    double n_customers;     /**< Σ weights. */
    /* Appended in 0.2 (a caller compiled against the older, shorter struct keeps working). */
    uint32_t boundary;      /**< Bit i set: params[i] is at the boundary of the parameter space
                                 (status `CVA_W_BOUNDARY`); 0 for an interior estimate. */
    uint32_t boundary_upper; /**< Bit i set (with the same bit of @c boundary): params[i] runs off to
                                  +infinity; clear: towards its lower limit (0, or 1 for q with
                                  cva_fit_opts::q_above_one). */
    /* Appended in 0.1.0 for five-parameter models (a shorter struct_size: a fit of a model with
       at most four parameters writes only that prefix; #CVA_MODEL_GGOMNBD needs the whole struct). */
    double params5[5];      /**< Every fit's estimates, n_params of them (the rest 0); the only
                                 complete record of a five-parameter model's. */
    double std_err5[5];     /**< Their standard errors (as @c std_err). */
    double cov5[25];        /**< Their covariance, row-major n_params × n_params (as @c cov). */
} cva_model_fit;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts options.
 * @param struct_size sizeof(cva_fit_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_fit_opts_init_defaults(cva_fit_opts *opts, size_t struct_size);

/**
 * @brief Zero a ::cva_model_fit and set struct_size.
 * @param fit struct.
 * @param struct_size sizeof(cva_model_fit), or the size of the struct before the
 *        @c boundary fields or before the @c params5 fields were appended (then the fits
 *        write only that prefix; a #CVA_MODEL_GGOMNBD fit needs the whole struct).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_model_fit_init(cva_model_fit *fit, size_t struct_size);

/**
 * @brief Options of the per-customer predictions: cva_model_p_alive(),
 *        cva_model_expected(), cva_model_predict(), cva_model_dert(), cva_model_cond_prob_n() and
 *        cva_model_cond_variance(); fill with cva_predict_opts_init_defaults().
 *        NULL options: the defaults.
 *
 * With an executor of two or more workers the customers are cut into fixed chunks
 * (131072 rows, more above 134 million customers: at most 1024 chunks) that run as
 * tasks; each customer's value depends on its own row only and is computed exactly as
 * without an executor, so the outputs are bit-identical for every executor.
 */
typedef struct cva_predict_opts {
    uint32_t struct_size;       /**< sizeof(cva_predict_opts). */
    int32_t reserved;           /**< 0. */
    const cva_allocator *alloc; /**< Allocator for every block the call takes (the compacted rows
                                     when some customers are without a purchase, the models'
                                     per-call caches). With an executor of two or more workers it
                                     is also called from the executor's threads, at the same time:
                                     it must then be thread-safe. Default NULL: malloc/free. */
    const cva_executor *executor; /**< Optional executor (see ::cva_executor). Default NULL. */
} cva_predict_opts;

/**
 * @brief Fill @p opts with the defaults (no allocator, no executor).
 * @param opts options.
 * @param struct_size sizeof(cva_predict_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_predict_opts_init_defaults(cva_predict_opts *opts, size_t struct_size);

/**
 * @brief Number of parameters of @p model.
 * @param model ::cva_model.
 * @return 2, 3, 4 or 5; 0 for an unknown id.
 */
CVA_API int32_t cva_model_n_params(int32_t model);

/**
 * @brief Name of parameter @p i of @p model ("r", "alpha", ...).
 * @param model ::cva_model.
 * @param i 0-based index.
 * @return a static string; "" when @p model or @p i is out of range.
 */
CVA_API const char *cva_model_param_name(int32_t model, int32_t i);

/**
 * @brief Fit BG/NBD, MBG/NBD, Pareto/NBD (also with correlated rates), Gamma/Gompertz/NBD, NBD or
 *        BG/BB by maximum likelihood.
 *
 * Quasi-Newton (BFGS) on log-parameters with analytic gradients and a
 * backtracking/Wolfe line search; identical rows are merged into weights.
 * Deterministic: the same data give the same bits.
 * @param model   #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD, #CVA_MODEL_GGOMNBD (five
 *                parameters: see cva_model_fit::params5; its likelihood integrates the death time
 *                numerically, @ref methods_ggom), #CVA_MODEL_PNBDCOR (five parameters, the fifth
 *                the correlation with its standard error by the delta method; opts->start[4] is a
 *                correlation strictly inside its range, any sign: @ref methods_pnbdcor),
 *                #CVA_MODEL_NBD or #CVA_MODEL_BGBB.
 * @param x       repeat purchases (integers >= 0).
 * @param t_x     recency, 0 <= t_x <= T (BG/BB: period of the last transaction, integer).
 * @param T       age (BG/BB: number of opportunities n, integer).
 * @param weight  optional row weights (> 0, e.g. counts of identical customers); NULL = 1.
 * @param n       rows.
 * @param opts    options, NULL for defaults.
 * @param fit     out: the fit (struct_size set).
 * @param diag    optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY    the maximum lies on the edge of the parameter space (e.g. no
 *                           heterogeneity, no churn): fit holds the last iterate (finite) and
 *                           fit->boundary flags the parameters concerned.
 * @retval CVA_W_MAXITER     iteration limit reached; fit holds the best point.
 * @retval CVA_W_NOT_CONVERGED  stopped without passing the convergence test; fit holds the best point.
 * @retval CVA_W_EXCLUDED    rows without a purchase (x, t_x, T all NaN) were skipped (diag->count);
 *                           the fit is that of the other rows.
 * @retval CVA_W_EMPTY       n = 0, or every row is without a purchase (fit untouched).
 * @retval CVA_E_BADARG      invalid row (x < 0, non-integer x, t_x > T, x = 0 with t_x > 0,
 *                           x > 0 with t_x = 0 (impossible: a repeat purchase at the first one,
 *                           continuous-time models); diag->index).
 * @retval CVA_E_NONFINITE   NaN/Inf in the data.
 * @retval CVA_E_NOCONVERGE  the objective became non-finite along the whole search.
 * @retval CVA_E_CANCELED    the progress callback asked to stop.
 * @retval CVA_E_ABI_MISMATCH a five-parameter model with a @p fit initialised to a size without
 *                           @c params5.
 */
CVA_API CVA_NODISCARD cva_status cva_model_fit_btyd(int32_t model, const double *x, const double *t_x,
                                                    const double *T, const double *weight, size_t n,
                                                    const cva_fit_opts *opts, cva_model_fit *fit,
                                                    cva_diag *diag);

/**
 * @brief Fit the Gamma-Gamma spend model on customers with x >= 1 and m_x > 0
 *        (other rows are ignored and counted in diag->count).
 * @param x      repeat purchases.
 * @param m_x    mean repeat-purchase value.
 * @param weight optional weights; NULL = 1.
 * @param n      rows.
 * @param opts   options (q_above_one), NULL for defaults.
 * @param fit    out.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY  no spend heterogeneity (q, gamma -> infinity) or another edge; see
 *                         cva_model_fit_btyd(). diag->count still holds the rows ignored.
 * @retval CVA_W_EXCLUDED  some rows are without a purchase (x and m_x NaN): ignored like the
 *                         others with x < 1 or m_x <= 0 (diag->count counts them all).
 * @retval CVA_W_MAXITER
 * @retval CVA_W_NOT_CONVERGED
 * @retval CVA_W_EMPTY no usable row
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_CANCELED
 */
CVA_API CVA_NODISCARD cva_status cva_gg_fit(const double *x, const double *m_x, const double *weight,
                                            size_t n, const cva_fit_opts *opts, cva_model_fit *fit,
                                            cva_diag *diag);

/**
 * @brief Fit the sBG model to one or more cohorts (survivor counts).
 * @param survivors row-major n_cohorts × n_periods matrix: survivors[c*n_periods + j] customers of
 *                  cohort c still active j periods after acquisition (j = 0: cohort size);
 *                  NaN pads periods not yet observed (only at the end of a row).
 * @param n_cohorts  cohorts.
 * @param n_periods  columns (>= 2).
 * @param opts       options, NULL for defaults.
 * @param fit        out (params alpha, beta).
 * @param diag       optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY e.g. no churn at all (alpha -> 0); see cva_model_fit_btyd().
 * @retval CVA_W_MAXITER
 * @retval CVA_W_NOT_CONVERGED
 * @retval CVA_W_EMPTY every cohort empty
 * @retval CVA_E_BADARG survivors increase or are negative (diag->index = c*n_periods + j)
 * @retval CVA_E_NONFINITE Inf, or NaN before the end of a row
 */
CVA_API CVA_NODISCARD cva_status cva_sbg_fit(const double *survivors, size_t n_cohorts, size_t n_periods,
                                             const cva_fit_opts *opts, cva_model_fit *fit, cva_diag *diag);

/**
 * @brief Per-customer log-likelihood and (optionally) the gradient of Σ LL_i in natural parameters.
 * @param model  BTYD model id (BG/NBD, MBG/NBD, Pareto/NBD, Gamma/Gompertz/NBD, NBD, BG/BB).
 * @param params parameters.
 * @param x, t_x, T  data as for cva_model_fit_btyd().
 * @param n      customers.
 * @param ll     out (may be NULL): LL_i per customer.
 * @param ll_sum out (may be NULL): Σ LL_i.
 * @param grad   out (may be NULL): ∂ Σ LL_i / ∂ params (n_params values).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_E_DOMAIN   Σ LL_i is not finite at these parameters; nothing is written.
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 */
CVA_API CVA_NODISCARD cva_status cva_model_loglik(int32_t model, const double *params, const double *x,
                                                  const double *t_x, const double *T, size_t n, double *ll,
                                                  double *ll_sum, double *grad, cva_diag *diag);

/**
 * @brief P(alive) at the end of observation, or @p t_future model time units later
 *        (probability the customer is still alive at T + t_future).
 * @param model BTYD model id (#CVA_MODEL_GGOMNBD: @ref methods_ggom).
 * @param params parameters.
 * @param t_future >= 0 (0: now).
 * @param x, t_x, T data.
 * @param n customers.
 * @param out P(alive) per customer.
 * @param opts   options (allocator, executor), NULL for the defaults.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT #CVA_MODEL_GGOMNBD: a death-time integral missed its tolerance.
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN parameters not positive and finite; Pareto/NBD (in every
 *         per-customer prediction): a parameter below DBL_MIN or above 1e30, degenerate
 *         limits its integrals do not resolve; #CVA_MODEL_PNBDCOR (in every call): the
 *         correlation outside its admissible range (diag->index 4, @ref methods_pnbdcor).
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 */
CVA_API CVA_NODISCARD cva_status cva_model_p_alive(int32_t model, const double *params, double t_future,
                                                   const double *x, const double *t_x, const double *T,
                                                   size_t n, double *out, const cva_predict_opts *opts,
                                                   cva_diag *diag);

/**
 * @brief Conditional expected repeat purchases in (T, T + t] (BG/BB: in the next t opportunities).
 * @param model BTYD model id (#CVA_MODEL_GGOMNBD: @ref methods_ggom).
 * @param params parameters.
 * @param t horizon >= 0.
 * @param x, t_x, T data.
 * @param n customers.
 * @param out E[Y(t) | x, t_x, T].
 * @param opts   options (allocator, executor), NULL for the defaults.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 */
CVA_API CVA_NODISCARD cva_status cva_model_expected(int32_t model, const double *params, double t,
                                                    const double *x, const double *t_x, const double *T,
                                                    size_t n, double *out, const cva_predict_opts *opts,
                                                    cva_diag *diag);

/**
 * @brief P(alive) and conditional expected repeat purchases of every customer in one
 *        call: what cva_model_p_alive() and cva_model_expected() give, bit for bit.
 *
 * For #CVA_MODEL_PNBD the two outputs come from one pass over the rows: one look-up in
 * the call's cache of distinct rows (x, t_x, T) and, for a row not met before, one
 * evaluation of P(alive) for both (about half the work of the two calls). The other
 * models make the two calls (their separate passes share little), as does Pareto/NBD
 * when @p t is 0 or invalid.
 *
 * Either output may be NULL to skip it (then this is the other call); both NULL with
 * n > 0 is `CVA_E_NULLPTR` (arg 9). The status is the first error of the two calls
 * (cva_model_p_alive()'s before cva_model_expected()'s), else the larger of their
 * statuses; diag describes that one, with @c arg in this function's numbering (t_future
 * 3, t 4, x 5, t_x 6, T 7, n 8, p_alive 9, expected 10, opts 11). On an error an output
 * may be partly written.
 * @param model BTYD model id (as cva_model_p_alive()).
 * @param params parameters.
 * @param t_future P(alive) at T + t_future, >= 0 (0: now).
 * @param t horizon of the expected purchases in (T, T + t], >= 0.
 * @param x, t_x, T data.
 * @param n customers.
 * @param p_alive out (may be NULL): P(alive at T + t_future) per customer.
 * @param expected out (may be NULL): E[Y(t) | x, t_x, T] per customer.
 * @param opts options (allocator, executor), NULL for the defaults; with an executor the
 *             outputs are the same bits as without.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0.
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT as in the two calls.
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN as in the two calls.
 * @retval CVA_E_BADARG
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_model_predict(int32_t model, const double *params, double t_future, double t,
                                                   const double *x, const double *t_x, const double *T, size_t n,
                                                   double *p_alive, double *expected, const cva_predict_opts *opts,
                                                   cva_diag *diag);

/**
 * @brief Unconditional expected repeat purchases E[X(t)] of a new customer, for each t.
 * @param model BTYD model id (not #CVA_MODEL_GGOMNBD: CVA_E_BADARG).
 * @param params parameters.
 * @param t horizons (>= 0).
 * @param n count.
 * @param out E[X(t)].
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_SERIES_LIMIT
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_BADARG
 */
CVA_API CVA_NODISCARD cva_status cva_model_expected_pop(int32_t model, const double *params, const double *t,
                                                        size_t n, double *out, cva_diag *diag);

/**
 * @brief P(X(t) = k) for a new customer, for k = 0..n_k−1.
 * @param model BTYD model id.
 * @param params parameters.
 * @param t horizon > 0.
 * @param n_k counts wanted.
 * @param out probabilities.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_BADARG
 */
CVA_API CVA_NODISCARD cva_status cva_model_prob_n(int32_t model, const double *params, double t, size_t n_k,
                                                  double *out, cva_diag *diag);

/**
 * @brief Conditional distribution P(Y(t) = k | x, t_x, T), k = 0..n_k−1, of the repeat
 *        purchases in (T, T + t] for BG/NBD, MBG/NBD, Pareto/NBD, NBD, BG/CNBD-k and
 *        MBG/CNBD-k.
 *
 * A customer is dead at T with probability 1 − P(alive) (then Y = 0) or alive with the
 * posterior rates Gamma(r+x, α+T) and Beta(a, b+x) (MBG/NBD: b+x+1) or Gamma(s, β+T);
 * the alive part is the distribution of cva_model_prob_n() at those parameters
 * (FHL 2005a eq. 8 and the Pareto/NBD analogue of Fader, Hardie & Lee's note; NBD: always
 * alive, the negative binomial at r+x, α+T), so
 * Σ_k k·P(Y = k) is cva_model_expected(). The values for k >= n_k are not computed:
 * 1 − Σ out is the tail P(Y >= n_k).
 *
 * BG/CNBD-k and MBG/CNBD-k (@ref regularity): @p params holds five values, r, alpha, a, b
 * and k (an integer 1..#CVA_CNBD_K_MAX, as a double). The distribution is exact: an alive
 * customer's Erlang phase at T (the Poisson events since the last purchase) is mixed over its
 * posterior, and the rest is negative binomial sums (@ref methods_cnbd_cond). Its mean is the
 * exact conditional expectation, which cva_cnbd_expected() approximates for k > 1; a new
 * customer is the row x = t_x = T = 0.
 * @param model  #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD, #CVA_MODEL_NBD,
 *               #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param params parameters (five for the regularity models: k last).
 * @param t      horizon >= 0 (t = 0: P(Y = 0) = 1).
 * @param x, t_x, T data as for cva_model_fit_btyd().
 * @param n      customers.
 * @param n_k    counts wanted per customer (0: nothing written).
 * @param out    row-major n × n_k: out[i·n_k + k] = P(Y_i(t) = k); NaN rows for customers
 *               without a purchase.
 * @param opts   options (allocator, executor), NULL for the defaults.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their rows are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT a series or quadrature hit its cap (values less accurate).
 * @retval CVA_W_EMPTY    n = 0.
 * @retval CVA_E_BADARG   another model, t < 0 or infinite, n·n_k too large, an invalid row, or
 *                        (regularity models) params[4] not an integer k in 1..#CVA_CNBD_K_MAX.
 * @retval CVA_E_NONFINITE t or data NaN/Inf.
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN   a parameter is not finite and > 0.
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_NOMEM
 * @note Pareto/NBD integrates one quadrature per k and distinct (x, T) (rows with equal x
 *       and T in sequence share it): sort the rows by (x, T) for large n.
 */
CVA_API CVA_NODISCARD cva_status cva_model_cond_prob_n(int32_t model, const double *params, double t,
                                                       const double *x, const double *t_x, const double *T,
                                                       size_t n, size_t n_k, double *out, const cva_predict_opts *opts,
                                                       cva_diag *diag);

/**
 * @brief Conditional variance Var[Y(t) | x, t_x, T] of the repeat purchases in (T, T + t]
 *        for BG/NBD, MBG/NBD, Pareto/NBD and NBD.
 *
 * Var = P(alive)·E[Y(Y−1) | alive] + E − E², E = cva_model_expected(); the factorial
 * moment of an alive customer is closed-form for Pareto/NBD and one tanh-sinh
 * quadrature over the drop-out probability for the BG models (see lib/conddist.c); NBD:
 * (r+x)t/(α+T) · (1 + t/(α+T)).
 * @param model  #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD or #CVA_MODEL_NBD.
 * @param params parameters.
 * @param t      horizon >= 0 (0 gives 0).
 * @param x, t_x, T data.
 * @param n      customers.
 * @param out    variance per customer.
 * @param opts   options (allocator, executor), NULL for the defaults.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_W_SERIES_LIMIT
 * @retval CVA_W_EMPTY    n = 0.
 * @retval CVA_E_BADARG   another model, t < 0 or infinite, or an invalid row.
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_model_cond_variance(int32_t model, const double *params, double t,
                                                         const double *x, const double *t_x, const double *T,
                                                         size_t n, double *out, const cva_predict_opts *opts,
                                                         cva_diag *diag);

/**
 * @brief Discounted expected residual transactions with continuous discounting at rate
 *        @p delta per model time unit (Pareto/NBD: closed form; BG/NBD: numerical integration).
 * @param model #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD or #CVA_MODEL_PNBD.
 * @param params parameters.
 * @param delta > 0.
 * @param x, t_x, T data.
 * @param n customers.
 * @param out DERT.
 * @param opts   options (allocator, executor), NULL for the defaults.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_E_ABI_MISMATCH opts->struct_size is not supported.
 * @retval CVA_E_DOMAIN
 * @retval CVA_E_BADARG
 * @retval CVA_W_SERIES_LIMIT
 */
CVA_API CVA_NODISCARD cva_status cva_model_dert(int32_t model, const double *params, double delta,
                                                const double *x, const double *t_x, const double *T, size_t n,
                                                double *out, const cva_predict_opts *opts,
                                                cva_diag *diag);

/**
 * @brief Expected repeat purchases of a whole customer base by calendar time (holdout
 *        tracking): cumulative[j] = Σ_i w_i E[X(t_j − birth_i)] with E[X(·)] of
 *        cva_model_expected_pop() (0 before a customer's first purchase), and the
 *        per-period increments.
 *
 * Compare with the actual repeat purchases of the same customers per period (BTYD's
 * *.ExpectedCumulativeTransactions and the tracking plots of FHL 2005a). Consecutive rows
 * with equal births share the evaluation: sort by birth (or merge equal births into
 * weights) for speed.
 * @param model  #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD or #CVA_MODEL_NBD.
 * @param params parameters.
 * @param birth  first-purchase time of each customer, in model time units on the scale of @p t.
 * @param weight optional weights (> 0, customers per row); NULL = 1.
 * @param n      rows.
 * @param t      period ends, nondecreasing (e.g. 1, 2, ..., 78 weeks from the first day).
 * @param n_t    periods.
 * @param cumulative  out: n_t values.
 * @param incremental out (may be NULL): cumulative[j] − cumulative[j−1] (j = 0: cumulative[0]).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_SERIES_LIMIT
 * @retval CVA_W_EMPTY    n = 0 or n_t = 0 (outputs 0).
 * @retval CVA_E_BADARG   another model, t decreasing (diag->index), a weight not > 0.
 * @retval CVA_E_NONFINITE birth or t not finite (diag->arg, diag->index).
 * @retval CVA_E_DOMAIN   a parameter is not finite and > 0.
 * @retval CVA_E_NULLPTR
 */
CVA_API CVA_NODISCARD cva_status cva_model_tracking(int32_t model, const double *params, const double *birth,
                                                    const double *weight, size_t n, const double *t, size_t n_t,
                                                    double *cumulative, double *incremental, cva_diag *diag);

/**
 * @brief Information criteria of a fit: AIC = 2k − 2 LL and BIC = k ln N − 2 LL, k =
 *        fit->n_params, N = fit->n_customers, LL = fit->log_likelihood.
 *
 * Comparable between models fitted to the same customers with the same constant terms in
 * the log-likelihood (every BTYD model of libcva: BTYD/BTYDplus conventions).
 * @param fit  a fit of cva_model_fit_btyd(), cva_gg_fit() or cva_sbg_fit().
 * @param aic  out (may be NULL).
 * @param bic  out (may be NULL).
 * @param diag optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH fit not initialised with cva_model_fit_init().
 * @retval CVA_E_BADARG  the struct holds no fit (no parameters, LL not finite, no customers).
 */
CVA_API CVA_NODISCARD cva_status cva_model_ic(const cva_model_fit *fit, double *aic, double *bic, cva_diag *diag);

/**
 * @brief Likelihood-ratio test of a restricted model nested in a fuller one: statistic
 *        2 (LL_full − LL_restricted), p-value P(χ²(k_full − k_restricted) > statistic).
 *
 * When the restriction puts a parameter on the edge of its space (e.g. NBD inside
 * Pareto/NBD: no drop-out is μ → 0) the χ² p-value is conservative (the true null
 * distribution is a mixture with a point mass at 0; halve the p-value for one such
 * parameter).
 * @param ll_restricted log-likelihood of the restricted model.
 * @param k_restricted  its parameters (>= 0).
 * @param ll_full       log-likelihood of the full model.
 * @param k_full        its parameters (> k_restricted).
 * @param statistic     out (may be NULL).
 * @param p_value       out (may be NULL).
 * @param diag          optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_NOT_CONVERGED ll_full < ll_restricted (models not nested, or a fit stopped
 *                      short): statistic 0, p = 1.
 * @retval CVA_E_BADARG  k_full <= k_restricted, k_restricted < 0, or an infinite log-likelihood.
 * @retval CVA_E_NONFINITE a log-likelihood is NaN.
 */
CVA_API CVA_NODISCARD cva_status cva_lr_test(double ll_restricted, int32_t k_restricted, double ll_full,
                                             int32_t k_full, double *statistic, double *p_value, cva_diag *diag);

/** @brief Indices of the measures written by cva_forecast_accuracy(). */
enum cva_accuracy_index {
    CVA_ACC_MAE = 0,  /**< mean absolute error Σ w |a − f| / Σ w */
    CVA_ACC_RMSE = 1, /**< root mean squared error */
    CVA_ACC_MSLE = 2, /**< mean squared log error Σ w (ln(1+a) − ln(1+f))² / Σ w */
    CVA_ACC_BIAS = 3, /**< Σ w f / Σ w a − 1 (NaN when no actual purchase) */
    CVA_ACC_N = 4     /**< number of measures */
};

/**
 * @brief MAE, RMSE, MSLE and bias of predicted against actual holdout purchases (the
 *        measures of BTYDplus' CDNOW demo), weighted.
 * @param actual    actual purchases per customer (>= 0).
 * @param predicted predicted purchases (>= 0), e.g. cva_model_expected() over the holdout.
 * @param weight    optional weights (> 0); NULL = 1.
 * @param n         customers.
 * @param out       out: #CVA_ACC_N values in the order of ::cva_accuracy_index.
 * @param diag      optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0 (measures NaN).
 * @retval CVA_E_BADARG a negative value or a weight not > 0 (diag->arg, diag->index).
 * @retval CVA_E_NONFINITE
 * @retval CVA_E_NULLPTR
 */
CVA_API CVA_NODISCARD cva_status cva_forecast_accuracy(const double *actual, const double *predicted,
                                                       const double *weight, size_t n, double *out,
                                                       cva_diag *diag);

/**
 * @brief Gamma-Gamma conditional expected spend per transaction E[M | x, m_x].
 *
 * Rows with x = 0 or m_x = 0 get the population mean E[M] = pγ/(q−1) and flag 1.
 * A negative m_x (net refunds) is refused: the model is for positive spend.
 * @param params p, q, gamma (q > 1).
 * @param x repeat purchases.
 * @param m_x mean spend.
 * @param n customers.
 * @param out expected spend.
 * @param flag optional out: 1 where E[M] was used.
 * @param diag optional.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED rows without a purchase: their outputs are NaN (diag->count rows).
 * @retval CVA_E_DOMAIN q <= 1
 * @retval CVA_E_BADARG x < 0 or m_x < 0 (diag->index: the row, diag->arg: 2 or 3)
 * @retval CVA_E_NONFINITE
 */
CVA_API CVA_NODISCARD cva_status cva_gg_expected_spend(const double *params, const double *x,
                                                       const double *m_x, size_t n, double *out,
                                                       int32_t *flag, cva_diag *diag);

/**
 * @brief Pearson correlation of x and m_x over the customers the Gamma-Gamma
 *        model is fitted on (x >= 1 and m_x > 0), the independence check of
 *        @ref methods_gg.
 *
 * The model assumes that a customer's spend per transaction does not depend on
 * how often they buy; a correlation far from zero says that assumption does not
 * hold for the data. On the CDNOW sample (946 repeat customers) it is 0.1139.
 * @param x      repeat purchases.
 * @param m_x    mean repeat-purchase value.
 * @param weight optional weights (> 0; a weight w counts the row w times); NULL = 1.
 * @param n      rows.
 * @param corr   out: the correlation in [-1, 1], NaN with `CVA_W_EMPTY`.
 * @param diag   optional diagnostics; diag->count = rows left out (x < 1 or m_x <= 0).
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED some rows are without a purchase (x and m_x NaN): left out with the
 *         rows x < 1 or m_x <= 0 (diag->count counts them all).
 * @retval CVA_W_EMPTY fewer than two usable rows, or x or m_x constant over them (*corr = NaN).
 * @retval CVA_E_NULLPTR @p corr, or @p x / @p m_x with n > 0, is NULL.
 * @retval CVA_E_NONFINITE a value is NaN or infinite (diag->arg, diag->index).
 * @retval CVA_E_BADARG a weight is not > 0 (diag->index).
 * @note Two passes with compensated sums (means, then centred products); O(n), no allocation.
 */
CVA_API CVA_NODISCARD cva_status cva_gg_correlation(const double *x, const double *m_x, const double *weight,
                                                    size_t n, double *corr, cva_diag *diag);

/**
 * @brief Empirical cohort curves (@ref methods_sbg): pooled retention
 *        r̂_j = Σ_c N[c][j] / Σ_c N[c][j−1] over the cohorts observed at j,
 *        survival Ŝ_j = Π_{i<=j} r̂_i and churn 1 − r̂_j, for j = 1..n_periods−1.
 *
 * Element j−1 of each output holds period j. A period that no non-empty cohort
 * reaches (or whose denominator is 0) gives NaN there, and NaN survival from then on.
 * @param survivors row-major n_cohorts × n_periods survivor matrix as for cva_sbg_fit().
 * @param n_cohorts cohorts.
 * @param n_periods columns (>= 2).
 * @param retention out (may be NULL): n_periods−1 values r̂_j.
 * @param survival  out (may be NULL): n_periods−1 values Ŝ_j.
 * @param churn     out (may be NULL): n_periods−1 values 1 − r̂_j.
 * @param diag optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY every cohort empty (outputs NaN)
 * @retval CVA_E_BADARG survivors increase or are negative, or n_periods < 2 (diag->index = c*n_periods + j)
 * @retval CVA_E_NONFINITE Inf, or NaN before the end of a row
 * @retval CVA_E_NULLPTR
 */
CVA_API CVA_NODISCARD cva_status cva_cohort_curves(const double *survivors, size_t n_cohorts,
                                                   size_t n_periods, double *retention, double *survival,
                                                   double *churn, cva_diag *diag);

/**
 * @brief sBG survival S(t), retention r_t and churn probability P(T = t) for t = 1..n_t.
 * @param params alpha, beta.
 * @param n_t periods.
 * @param survival out (may be NULL): S(t).
 * @param retention out (may be NULL): r_t.
 * @param churn out (may be NULL): P(T = t).
 * @param diag optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR @p params is NULL.
 * @retval CVA_E_DOMAIN a parameter is not finite and > 0 (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_sbg_curves(const double *params, size_t n_t, double *survival,
                                                double *retention, double *churn, cva_diag *diag);

/**
 * @brief sBG discounted expected lifetime (DEL, new customer) and discounted expected
 *        residual lifetime (DERL) of a customer who has renewed @p n_renewals times.
 * @param params alpha, beta.
 * @param d discount rate per period (> 0).
 * @param n_renewals >= 0.
 * @param del out (may be NULL).
 * @param derl out (may be NULL).
 * @param diag optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR @p params is NULL.
 * @retval CVA_E_DOMAIN a parameter, @p d or @p n_renewals out of range (diag->arg, diag->index).
 * @retval CVA_W_SERIES_LIMIT
 */
CVA_API CVA_NODISCARD cva_status cva_sbg_lifetime(const double *params, double d, double n_renewals,
                                                  double *del, double *derl, cva_diag *diag);

/**
 * @name Distributed fits: likelihood blocks and a caller-driven objective
 *
 * A fit over data spread across machines (e.g. the partitions of a Dask DataFrame,
 * python/cva/dask.py): each partition calls cva_model_loglik_block() on its own rows,
 * the client adds the blocks up (cva_loglik_block_add()) and drives one optimiser,
 * cva_model_fit_loglik(), whose objective callback asks every partition for its block at
 * the parameters it is given. The optimiser, start, scaling of time, boundary rules,
 * standard errors and warnings are those of cva_model_fit_btyd() and cva_gg_fit(); only
 * the order in which the per-customer terms are added differs (per block, then over the
 * blocks), so the estimates agree with a single-process fit to rounding, far inside 1e-9
 * relative on well-identified fits.
 *
 * The protocol:
 * 1. every partition: cva_model_loglik_block() with @p params NULL (counts, Σ weights,
 *    largest T); the client adds them into one ::cva_loglik_block, the totals;
 * 2. the client: cva_model_fit_loglik(model, fn, user, &totals, opts, fit, diag), where
 *    fn(user, params, time_scale, ...) returns Σ over the partitions of the ll_sum and
 *    grad of cva_model_loglik_block(model, params, time_scale, ...) on each.
 * @{
 */

/** @brief Option ids of the distributed-fit calls (cva_diag::option). */
enum cva_loglik_block_option_id {
    CVA_OPT_LOGLIK_TIME_SCALE = 840, /**< the time_scale of cva_model_loglik_block() */
    CVA_OPT_LOGLIK_TOTALS = 841      /**< the totals of cva_model_fit_loglik() */
};

/** @brief Log-likelihood sum, gradient and row counts of one block of rows
 *         (cva_model_loglik_block()); blocks add up with cva_loglik_block_add(). */
typedef struct cva_loglik_block {
    uint32_t struct_size;   /**< sizeof(cva_loglik_block); set by cva_loglik_block_init(). */
    int32_t model;          /**< ::cva_model of the rows (0 until a block is written). */
    double ll_sum;          /**< Σ w_i LL_i over the rows that enter the likelihood (0 without
                                 parameters or rows). */
    double grad[4];         /**< ∂ ll_sum / ∂ params, in the units of the time_scale used. */
    double weight_total;    /**< Σ w_i over the rows that enter the likelihood. */
    double max_T;           /**< Largest T of those rows (-inf when none, and for Gamma-Gamma). */
    uint64_t n_rows;        /**< Rows that enter the likelihood. */
    uint64_t n_distinct;    /**< Their distinct (x, t_x, T) rows after the merge (per block). */
    uint64_t n_no_purchase; /**< Rows without a purchase (all of x, t_x, T NaN; Gamma-Gamma:
                                 x and m_x NaN), skipped. */
    uint64_t n_ignored;     /**< Rows that do not enter the likelihood, n_no_purchase included
                                 (Gamma-Gamma: also x < 1 or m_x <= 0). */
} cva_loglik_block;

/**
 * @brief Zero a ::cva_loglik_block (max_T = -inf) and set struct_size.
 * @param block struct.
 * @param struct_size sizeof(cva_loglik_block).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 */
CVA_API cva_status cva_loglik_block_init(cva_loglik_block *block, size_t struct_size);

/**
 * @brief Log-likelihood sum and gradient of a block of rows of any customer-level model,
 *        with the distinct-row merge of the fits done on the block.
 *
 * Rows are validated as cva_model_fit_btyd() / cva_gg_fit() validate them; identical
 * rows are merged into weights (as cva_fit_opts::merge_rows), then the likelihood is
 * evaluated with t_x and T divided by @p time_scale (the fits work in units of the
 * largest T; cva_model_fit_loglik() passes that scale to its objective).
 * @param model      #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD, #CVA_MODEL_NBD,
 *                   #CVA_MODEL_BGBB or #CVA_MODEL_GG.
 * @param params     parameters in the units of @p time_scale; NULL: only the counts,
 *                   weight_total and max_T (ll_sum and grad 0).
 * @param time_scale > 0: t_x and T are divided by it (1: the caller's unit; Gamma-Gamma: 1).
 * @param x          repeat purchases.
 * @param t_x        recency (Gamma-Gamma: m_x, the mean repeat spend).
 * @param T          age (Gamma-Gamma: NULL).
 * @param weight     optional weights (> 0); NULL = 1.
 * @param n          rows (0: an empty block, CVA_OK).
 * @param alloc      allocator for the merged rows; NULL: malloc/free.
 * @param out        out: the block (initialised with cva_loglik_block_init()).
 * @param diag       optional diagnostics.
 * @retval CVA_OK    (rows without a purchase are counted in out->n_no_purchase, not warned
 *                   about: the fit warns once for all blocks)
 * @retval CVA_E_BADARG     an unknown model, or an invalid row (diag->index).
 * @retval CVA_E_NONFINITE  NaN/Inf in the data (other than a row without a purchase).
 * @retval CVA_E_DOMAIN     a parameter not finite and > 0, or the likelihood not finite there.
 * @retval CVA_E_OPTION     time_scale not finite and > 0 (#CVA_OPT_LOGLIK_TIME_SCALE).
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH @p out not initialised.
 * @retval CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_model_loglik_block(int32_t model, const double *params, double time_scale,
                                                        const double *x, const double *t_x, const double *T,
                                                        const double *weight, size_t n, const cva_allocator *alloc,
                                                        cva_loglik_block *out, cva_diag *diag);

/**
 * @brief Add block @p src into @p dst: sums of ll_sum, grad, weights and counts, the larger
 *        max_T (a zero-initialised @p dst takes the model of @p src).
 * @param dst  accumulated block (initialised with cva_loglik_block_init()).
 * @param src  block to add.
 * @param diag optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 * @retval CVA_E_BADARG the blocks are of different models.
 */
CVA_API CVA_NODISCARD cva_status cva_loglik_block_add(cva_loglik_block *dst, const cva_loglik_block *src,
                                                      cva_diag *diag);

/**
 * @brief Caller-supplied log-likelihood of cva_model_fit_loglik().
 *
 * Writes Σ w_i LL_i over all rows at @p params (in the units of @p time_scale) into
 * *ll_sum and its gradient (n_params values) into grad; i.e. the sum over the blocks of
 * cva_model_loglik_block(model, params, time_scale, ...). A non-finite *ll_sum marks a
 * point outside the domain (the line search steps back). A negative return (a
 * ::cva_status error, e.g. a lost worker: `CVA_E_CANCELED`) stops the fit with that status.
 */
typedef cva_status (*cva_loglik_fn)(void *user, const double *params, double time_scale, double *ll_sum,
                                    double *grad);

/**
 * @brief Maximum-likelihood fit of a BTYD model or Gamma-Gamma with a caller-supplied
 *        objective (e.g. summed over the partitions of a cluster).
 *
 * The same fit as cva_model_fit_btyd() (BTYD models) and cva_gg_fit() (#CVA_MODEL_GG):
 * same start, time scale (the largest T, totals->max_T, for the models with time
 * parameters), optimiser, boundary rules, standard errors, and status: `CVA_W_EXCLUDED`
 * when rows without a purchase were skipped (diag->count: totals->n_no_purchase, or for
 * Gamma-Gamma totals->n_ignored), the fit's own warning first; fit->n_rows is
 * totals->n_distinct (distinct rows per block, summed). The log-likelihood is @p fn at
 * the estimate with time_scale 1.
 * @param model  #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD, #CVA_MODEL_NBD,
 *               #CVA_MODEL_BGBB or #CVA_MODEL_GG.
 * @param fn     the objective.
 * @param user   passed to @p fn.
 * @param totals the blocks of every partition added up (without parameters is enough).
 * @param opts   options as for the fits (merge_rows is the blocks' business); NULL: defaults.
 * @param fit    out.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY
 * @retval CVA_W_MAXITER
 * @retval CVA_W_NOT_CONVERGED
 * @retval CVA_W_EXCLUDED
 * @retval CVA_W_EMPTY      no row enters the likelihood (fit untouched).
 * @retval CVA_E_BADARG     another model, or totals->model differs from @p model.
 * @retval CVA_E_OPTION     totals inconsistent (weight_total not finite, max_T not finite
 *                          with rows; #CVA_OPT_LOGLIK_TOTALS), or a bad fit option.
 * @retval CVA_E_NOCONVERGE the objective is not finite at the start.
 * @retval CVA_E_CANCELED   the progress callback asked to stop.
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_ABI_MISMATCH
 * @retval other errors: those @p fn returned.
 */
CVA_API CVA_NODISCARD cva_status cva_model_fit_loglik(int32_t model, cva_loglik_fn fn, void *user,
                                                      const cva_loglik_block *totals, const cva_fit_opts *opts,
                                                      cva_model_fit *fit, cva_diag *diag);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_CHURN_H */
