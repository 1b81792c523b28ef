/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_REGULARITY_H
#define CVA_REGULARITY_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/churn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup regularity Regularity models (BG/CNBD-k, MBG/CNBD-k)
 * @brief Erlang-k inter-purchase times (Platzer & Reutterer 2016; Reutterer, Platzer &
 *        Schröder 2020, BTYDplus `bgcnbd.*` / `mbgcnbd.*`) and Wheat & Morrison's
 *        regularity diagnostic.
 *
 * While active, a customer's inter-purchase times are Erlang-k with rate λ
 * (λ ~ Gamma(r, α) across customers); after every repeat purchase (MBG/CNBD-k: also at
 * the first purchase) the customer drops out for good with probability p
 * (p ~ Beta(a, b)). k = 1 is BG/NBD (#CVA_MODEL_BGCNBD) or MBG/NBD (#CVA_MODEL_MBGCNBD).
 * Parameters travel as `double params[4]` = (r, alpha, a, b) with the integer k beside
 * them; the data are x, t_x and T of cva_txn_summarize() plus, for comparing different k,
 * litt = Σ ln(inter-purchase times) of each customer in the calibration period (the same
 * time unit as t_x and T; cva_log_itt_sum()).
 *
 * The log-likelihood has the constant terms of BTYDplus `xbgcnbd.LL`:
 *   (k−1)·litt − x·ln((k−1)!) + ln B(a, b+x+s)/B(a, b) + lnΓ(r+kx) − lnΓ(r) + r ln α
 *   − (r+kx) ln(α+T) + ln(S1 + S2),
 * s = 1 for MBG/CNBD-k, S1 = [x>0 or s]·a/(b+x+s−1)·((α+T)/(α+t_x))^(r+kx),
 * S2 = Σ_{j<k} Γ(r+kx+j)/(Γ(r+kx) j!)·((T−t_x)/(α+T))^j; so values compare directly
 * with BTYDplus' `bgcnbd.cbs.LL` and `mbgcnbd.cbs.LL`.
 *
 * Rows without a purchase (x, t_x, T all NaN) are handled as in @ref churn by
 * cva_cnbd_fit(), cva_cnbd_p_alive() and cva_cnbd_expected(): skipped (NaN outputs,
 * `CVA_W_EXCLUDED` with diag->count); cva_cnbd_loglik() refuses them (`CVA_E_NONFINITE`).
 * @{
 */

/** @brief Largest k a regularity model accepts (and the default upper end of the search). */
#define CVA_CNBD_K_MAX 12

/**
 * @brief Log-likelihood of BG/CNBD-k or MBG/CNBD-k with BTYDplus' constant terms.
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      regularity, 1..#CVA_CNBD_K_MAX.
 * @param params r, alpha, a, b (all > 0).
 * @param x      repeat purchases (integers >= 0).
 * @param t_x    recency, 0 <= t_x <= T (t_x = 0 exactly when x = 0).
 * @param T      age.
 * @param litt   sum of log inter-purchase times per row, or NULL (taken as 0, as BTYDplus
 *               does without a `litt` column; the values then do not compare across k).
 * @param n      rows.
 * @param ll_sum out: Σ LL_i (may be NULL).
 * @param grad   out: gradient of Σ LL_i w.r.t. (r, alpha, a, b) (may be NULL).
 * @param ll     out: per-row LL_i (may be NULL).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY      n = 0 (sums 0).
 * @retval CVA_E_BADARG     unknown model, k out of range, or an invalid row (diag->index).
 * @retval CVA_E_DOMAIN     a parameter is not > 0.
 * @retval CVA_E_NONFINITE  NaN/Inf in the data.
 * @retval CVA_E_NULLPTR    params or a data array is NULL.
 */
CVA_API CVA_NODISCARD cva_status cva_cnbd_loglik(int32_t model, int32_t k, const double *params, const double *x,
                                                 const double *t_x, const double *T, const double *litt, size_t n,
                                                 double *ll_sum, double *grad, double *ll, cva_diag *diag);

/**
 * @brief Fit BG/CNBD-k or MBG/CNBD-k by maximum likelihood, k given or chosen by likelihood.
 *
 * For a given k: BFGS on log-parameters with the analytic gradient, as
 * cva_model_fit_btyd() (time scaled by the largest T while fitting; standard errors from
 * the observed information). With @p k = 0 the fit is repeated for k = 1, 2, ... and the k
 * with the highest log-likelihood (litt terms included) is kept; like BTYDplus the search
 * stops after k_max, or early once the log-likelihood has fallen twice in a row (k > 2).
 * fit->log_likelihood includes the litt terms when @p litt is given.
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      1..#CVA_CNBD_K_MAX, or 0: choose k by likelihood (needs @p litt).
 * @param k_max  upper end of the search for k = 0 (1..#CVA_CNBD_K_MAX; 0 = #CVA_CNBD_K_MAX).
 * @param x      repeat purchases.
 * @param t_x    recency.
 * @param T      age.
 * @param litt   sum of log inter-purchase times per row (required for k = 0; NULL otherwise allowed).
 * @param weight optional row weights (> 0); NULL = 1.
 * @param n      rows.
 * @param opts   options (max_iter, tolerances, penalty, start = r, alpha, a, b), NULL for defaults.
 * @param fit    out: the fit (fit->model = @p model, params r, alpha, a, b); struct_size set.
 * @param k_out  out: the k of the fit (may be NULL).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_BOUNDARY CVA_W_MAXITER CVA_W_NOT_CONVERGED  as cva_model_fit_btyd() (for the
 *         chosen k).
 * @retval CVA_W_EMPTY     n = 0, or every row is without a purchase.
 * @retval CVA_W_EXCLUDED  rows without a purchase (x, t_x, T all NaN) were skipped (diag->count).
 * @retval CVA_E_BADARG    unknown model, k or k_max out of range, invalid row, weight <= 0.
 * @retval CVA_E_NULLPTR   a required array is NULL (litt with k = 0).
 * @retval CVA_E_NONFINITE NaN/Inf in the data.
 * @retval CVA_E_NOCONVERGE CVA_E_CANCELED CVA_E_OPTION CVA_E_ABI_MISMATCH CVA_E_NOMEM
 */
CVA_API CVA_NODISCARD cva_status cva_cnbd_fit(int32_t model, int32_t k, int32_t k_max, const double *x,
                                              const double *t_x, const double *T, const double *litt,
                                              const double *weight, size_t n, const cva_fit_opts *opts,
                                              cva_model_fit *fit, int32_t *k_out, cva_diag *diag);

/**
 * @brief P(alive at T | x, t_x, T) of BG/CNBD-k or MBG/CNBD-k (BTYDplus `xbgcnbd.PAlive`):
 *        1/(1 + S1/S2) in the notation of @ref regularity; 1 for x = 0 under BG/CNBD-k.
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      1..#CVA_CNBD_K_MAX.
 * @param params r, alpha, a, b.
 * @param x      repeat purchases.
 * @param t_x    recency.
 * @param T      age.
 * @param n      rows.
 * @param out    out: n probabilities.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0.
 * @retval CVA_W_EXCLUDED rows without a purchase were skipped (NaN outputs; diag->count).
 * @retval CVA_E_BADARG CVA_E_DOMAIN CVA_E_NONFINITE CVA_E_NULLPTR  as cva_cnbd_loglik().
 */
CVA_API CVA_NODISCARD cva_status cva_cnbd_p_alive(int32_t model, int32_t k, const double *params, const double *x,
                                                  const double *t_x, const double *T, size_t n, double *out,
                                                  cva_diag *diag);

/**
 * @brief Conditional expected repeat purchases in (T, T+t] of BG/CNBD-k or MBG/CNBD-k,
 *        by BTYDplus' approximation (`xbgcnbd.ConditionalExpectedTransactions`).
 *
 * No closed form is known for k > 1. As BTYDplus does, the value is P(alive) (exact, as
 * cva_cnbd_p_alive()) times the (M)BG/NBD expectation of an alive customer with α replaced
 * by kα: (a+b+x+s−1)/(a−1)·[1 − ((kα+T)/(kα+T+t))^(r+x) 2F1(r+x, b+x+s; a+b+x+s−1;
 * t/(kα+T+t))]. Exact for k = 1. BTYDplus additionally rescales a whole cohort's values so
 * that their sum matches the exact unconditional expectation (its bias correction, applied
 * only when it is given >= 100 customers and k > 1); this function does not (do it with
 * cva_cnbd_expected_pop() if wanted).
 * @warning For k > 1 this is an approximation, not the model's conditional expectation, and
 * it can be far off for one customer. On BTYDplus' grocery data (the k = 2 fits, 1,525
 * customers, t = 52 weeks) it differs from the exact value by up to 26 % (BG/CNBD-k) and
 * 39 % (MBG/CNBD-k) for a customer (a single repeat purchase just before T: 0.98 for 0.78
 * and 1.46 for 1.05), by up to 1.1 and 2.1 purchases for the heaviest buyers (39.7 for
 * 40.8, 50.2 for 52.3), and by −3.1 % and −1.8 % on the cohort's sum (tests/test_grocery.c).
 * The exact value is the mean Σ n·P(Y(t) = n) of cva_model_cond_prob_n() with k in
 * params[4] (@ref methods_cnbd_cond).
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      1..#CVA_CNBD_K_MAX.
 * @param params r, alpha, a, b.
 * @param t      horizon >= 0.
 * @param x      repeat purchases.
 * @param t_x    recency.
 * @param T      age.
 * @param n      rows.
 * @param out    out: n expectations.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0.
 * @retval CVA_W_SERIES_LIMIT a hypergeometric series hit its term cap (value from the partial sum).
 * @retval CVA_W_EXCLUDED rows without a purchase were skipped (NaN outputs; diag->count).
 * @retval CVA_E_BADARG CVA_E_DOMAIN CVA_E_NONFINITE CVA_E_NULLPTR  as cva_cnbd_loglik(); t < 0 or not finite.
 */
CVA_API CVA_NODISCARD cva_status cva_cnbd_expected(int32_t model, int32_t k, const double *params, double t,
                                                   const double *x, const double *t_x, const double *T, size_t n,
                                                   double *out, cva_diag *diag);

/**
 * @brief Expected repeat purchases E[X(t)] of a new customer in its first t time units
 *        under BG/CNBD-k or MBG/CNBD-k (exact).
 *
 * E[X(t)] = Σ_{m>=k} P(N(t) = m) Σ_{j=1}^{⌊m/k⌋} B(a, b+j−1+s)/B(a, b), N(t) the NBD(r, α)
 * count of Erlang stages by t; the series over m is summed until its remaining terms are
 * below 1e-15 of the sum (tail bounded by the geometric decay of the NBD terms).
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      1..#CVA_CNBD_K_MAX.
 * @param params r, alpha, a, b.
 * @param t      n horizons >= 0.
 * @param n      horizons.
 * @param out    out: n expectations.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY n = 0.
 * @retval CVA_W_SERIES_LIMIT more than 10^7 terms were needed (value from the partial sum; diag->index: horizon).
 * @retval CVA_E_BADARG CVA_E_DOMAIN CVA_E_NULLPTR  bad model/k, parameters, NULL arrays; t < 0 or not finite.
 */
CVA_API CVA_NODISCARD cva_status cva_cnbd_expected_pop(int32_t model, int32_t k, const double *params,
                                                       const double *t, size_t n, double *out, cva_diag *diag);

/**
 * @brief Sum of log inter-purchase times per customer (BTYDplus `elog2cbs` column `litt`).
 *
 * Customer i's distinct purchase times are t[offsets[i]] < t[offsets[i]+1] < ... <
 * t[offsets[i+1]−1] (e.g. days/7 since any origin, calibration period only; merge same-day
 * purchases first); litt[i] = Σ_j ln(t[j+1] − t[j]), 0 for a single purchase.
 * @param t            purchase times, grouped by customer, strictly increasing within a customer.
 * @param offsets      n_customers+1 offsets into @p t (non-decreasing, offsets[0] = 0).
 * @param n_customers  customers.
 * @param litt         out: n_customers sums.
 * @param diag         optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     n_customers = 0.
 * @retval CVA_E_NULLPTR   a required array is NULL.
 * @retval CVA_E_BADARG    offsets decreasing or offsets[0] != 0, or times not strictly
 *                         increasing within a customer (diag->index: the position in @p t).
 * @retval CVA_E_NONFINITE a time is NaN/Inf (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_log_itt_sum(const double *t, const size_t *offsets, size_t n_customers,
                                                 double *litt, cva_diag *diag);

/**
 * @brief Wheat & Morrison's (1990) regularity estimate k̂ (BTYDplus `estimateRegularity`,
 *        method "wheat"), deterministic.
 *
 * For every customer with at least three distinct purchase times, M = ITT_1/(ITT_1 + ITT_2)
 * of the last two inter-purchase times follows Beta(k, k) when the inter-purchase times are
 * Gamma(k, λ_i) with a common k; k̂ = (1 − 4V)/(8V) with V the variance of M. BTYDplus draws
 * one of ITT_1/(ITT_1+ITT_2), ITT_2/(ITT_1+ITT_2) at random per customer and takes the sample
 * variance, so its value varies from run to run; here V = (1/n) Σ (M_i − ½)², the variance of
 * the symmetrised sample (both draws at once, mean ½ exactly), i.e. the expectation of the
 * random draw's variance up to the factor (n−1)/n. k̂ near 1: exponential inter-purchase
 * times; clearly above 1: regular purchasing.
 * @param t            purchase times grouped by customer as for cva_log_itt_sum() (any time unit).
 * @param offsets      n_customers+1 offsets into @p t.
 * @param n_customers  customers.
 * @param k_hat        out: the estimate (NaN when no customer qualifies or V = 0).
 * @param n_used       out: customers with >= 3 purchases that entered (may be NULL).
 * @param diag         optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY     no customer with three purchases, or V = 0 (k_hat NaN).
 * @retval CVA_E_NULLPTR CVA_E_BADARG CVA_E_NONFINITE  as cva_log_itt_sum().
 */
CVA_API CVA_NODISCARD cva_status cva_regularity_wheat(const double *t, const size_t *offsets, size_t n_customers,
                                                      double *k_hat, size_t *n_used, cva_diag *diag);

/**
 * @brief Simulate x, t_x and litt of @p n customers under BG/CNBD-k or MBG/CNBD-k.
 *
 * Customer i: λ ~ Gamma(r, rate α), p ~ Beta(a, b); MBG/CNBD-k: inactive from the start
 * with probability p; then inter-purchase times Erlang(k, λ) (sum of k exponentials of
 * rate λ), and after each repeat purchase the customer drops out with probability p.
 * Observed for T[i] after the first purchase. Customer i draws from its own stream
 * seeded from (@p seed, i) (as cva_sim_btyd()), so its result does not depend on @p n.
 * @param model  #CVA_MODEL_BGCNBD or #CVA_MODEL_MBGCNBD.
 * @param k      1..#CVA_CNBD_K_MAX.
 * @param params r, alpha, a, b.
 * @param T      observation length per customer (finite, >= 0).
 * @param n      customers.
 * @param seed   PRNG seed.
 * @param x      out: repeat purchases.
 * @param t_x    out: time of the last repeat purchase, 0 if none.
 * @param litt   out: sum of log inter-purchase times (may be NULL).
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_BADARG  unknown model, k out of range, or invalid T[i] (diag->index).
 * @retval CVA_E_DOMAIN  a parameter is not finite and > 0.
 * @retval CVA_E_NULLPTR a required array is NULL.
 */
CVA_API CVA_NODISCARD cva_status cva_sim_cnbd(int32_t model, int32_t k, const double *params, const double *T,
                                              size_t n, uint64_t seed, double *x, double *t_x, double *litt,
                                              cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_REGULARITY_H */
