/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_SIM_H
#define CVA_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/churn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup sim Simulation
 * @brief Every simulator of the library, named `cva_sim_<what>`: synthetic
 *        transaction logs, and draws from each churn and spend model, for demos,
 *        tests, benchmarks and checks of a fit.
 *
 * One name scheme, `cva_sim_` followed by what comes out or the model family
 * it is drawn from:
 * - cva_sim_transactions(): a transaction log (id, time, amount rows) from the
 *   BG/NBD purchase process with Gamma-Gamma spend, options in ::cva_sim_opts;
 * - cva_sim_btyd(): the BTYD statistics (x, t_x) of a purchase model
 *   (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB), the inputs of cva_model_fit_btyd();
 * - cva_sim_gg(): Gamma-Gamma mean spend, the input of cva_gg_fit();
 * - cva_sim_sbg(): sBG cohort survivor counts, the input of cva_sbg_fit().
 * The earlier names (cva_simulate_bgnbd_gg(), cva_model_simulate(),
 * cva_gg_simulate(), cva_sbg_simulate()) remain as macros until 1.0.
 *
 * **cva_sim_transactions().** Customer i (id = first_id + i) makes a first purchase at a time drawn
 * uniformly from [start, start + acquisition_span). While active, purchases
 * follow a Poisson process with rate λ ~ Gamma(r, rate α) per model time unit
 * (time_scale caller units); after every repeat purchase the customer drops
 * out with probability p ~ Beta(a, b) (FHL 2005a). Each purchase amount is
 * Gamma(p_gg, rate ν) with ν ~ Gamma(q, rate γ) per customer (FHL 2005b).
 * Rows are written customer by customer in time order; times are in the
 * caller's unit, optionally floored to whole units (e.g. days).
 *
 * The random stream is a local xoshiro256** seeded by splitmix64 from
 * cva_sim_opts::seed: the same seed gives the same rows on every platform
 * with an IEEE-754 libm (glibc, musl, macOS).
 *
 * From examples/simulate.c, which the test suite builds and runs:
 * @snippet simulate.c simulate
 * @{
 */

/** @brief Option ids reported in cva_diag::option. */
enum cva_sim_option_id {
    CVA_OPT_SIM_R = 201,                /**< cva_sim_opts::r */
    CVA_OPT_SIM_ALPHA = 202,            /**< cva_sim_opts::alpha */
    CVA_OPT_SIM_A = 203,                /**< cva_sim_opts::a */
    CVA_OPT_SIM_B = 204,                /**< cva_sim_opts::b */
    CVA_OPT_SIM_P = 205,                /**< cva_sim_opts::p */
    CVA_OPT_SIM_Q = 206,                /**< cva_sim_opts::q */
    CVA_OPT_SIM_GAMMA = 207,            /**< cva_sim_opts::gamma */
    CVA_OPT_SIM_TIME_SCALE = 208,       /**< cva_sim_opts::time_scale */
    CVA_OPT_SIM_ACQUISITION_SPAN = 209, /**< cva_sim_opts::acquisition_span */
    CVA_OPT_SIM_END = 210,              /**< cva_sim_opts::end */
    CVA_OPT_SIM_START = 211             /**< cva_sim_opts::start */
};

/** @brief Simulation options; fill with cva_sim_opts_init_defaults(). */
typedef struct cva_sim_opts {
    uint32_t struct_size;    /**< sizeof(cva_sim_opts). */
    int32_t round_times;     /**< 1 (default): floor times to whole caller units; 0: keep fractions. */
    uint64_t seed;           /**< PRNG seed. Default 42. */
    int64_t first_id;        /**< Id of the first customer. Default 1. */
    double r;                /**< BG/NBD r > 0. Default 0.243 (CDNOW, FHL 2005a). */
    double alpha;            /**< BG/NBD α > 0 in model units. Default 4.414. */
    double a;                /**< BG/NBD a > 0. Default 0.793. */
    double b;                /**< BG/NBD b > 0. Default 2.426. */
    double p;                /**< Gamma-Gamma p > 0. Default 6.25 (CDNOW, FHL 2005b). */
    double q;                /**< Gamma-Gamma q > 0. Default 3.74. */
    double gamma;            /**< Gamma-Gamma γ > 0. Default 15.44. */
    double time_scale;       /**< Caller units per model unit, > 0. Default 7 (days in, weeks in the model). */
    double start;            /**< Start of acquisition, finite. Default 0. */
    double acquisition_span; /**< First purchases uniform over [start, start + span), >= 0. Default 84 (12 weeks). */
    double end;              /**< End of the simulated window, > start + span. Default 546 (78 weeks). */
} cva_sim_opts;

/**
 * @brief Fill @p opts with the defaults (CDNOW parameters, days, 78 weeks).
 * @param opts        options to fill.
 * @param struct_size sizeof(cva_sim_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p opts is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_sim_opts_init_defaults(cva_sim_opts *opts, size_t struct_size);

/**
 * @brief Simulate the transaction log of @p n_customers customers (BG/NBD purchases,
 *        Gamma-Gamma amounts).
 *
 * Pass NULL for all three arrays to learn the number of rows in @p n_rows
 * (the same seed always gives the same count), then call again with arrays
 * of that length.
 *
 * @param opts        options, NULL for defaults.
 * @param n_customers number of customers to simulate.
 * @param customer_id out: customer id per row (or NULL with the others).
 * @param t           out: time per row in caller units.
 * @param amount      out: amount per row (> 0).
 * @param capacity    length of the three arrays.
 * @param n_rows      out: rows written (or needed).
 * @param diag        optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY            @p n_customers is 0.
 * @retval CVA_E_NULLPTR          @p n_rows is NULL, or only some arrays are NULL.
 * @retval CVA_E_OPTION           a parameter is out of range (diag->option).
 * @retval CVA_E_BUFFER_TOO_SMALL @p capacity is less than the row count; *n_rows is the
 *                                count needed and the arrays are untouched.
 */
CVA_API CVA_NODISCARD cva_status cva_sim_transactions(const cva_sim_opts *opts, size_t n_customers,
                                                      int64_t *customer_id, double *t, double *amount,
                                                      size_t capacity, size_t *n_rows, cva_diag *diag);

/**
 * @brief Simulate the BTYD statistics (x, t_x) of @p n customers of a purchase model.
 *
 * Customer i is observed for T[i] model time units after its first purchase
 * (BG/BB: T[i] discrete opportunities). BG/NBD: purchases at Poisson rate
 * λ ~ Gamma(r, rate α); after each repeat purchase the customer drops out with
 * probability p ~ Beta(a, b). MBG/NBD: as BG/NBD, and the drop-out is also
 * possible at time 0. Pareto/NBD: Poisson purchases at rate λ ~ Gamma(r, rate α)
 * during an exponential lifetime of rate μ ~ Gamma(s, rate β). NBD: Poisson purchases
 * at rate λ ~ Gamma(r, rate α) without drop-out (params r, alpha). BG/BB (FHS 2010):
 * before each opportunity an alive customer dies with probability θ ~ Beta(γ, δ);
 * while alive it transacts at each opportunity with probability p ~ Beta(α, β).
 *
 * Customer i draws from its own stream seeded from (@p seed, i), so its result
 * does not depend on @p n; the same seed gives the same output.
 * @param model  #CVA_MODEL_BGNBD, #CVA_MODEL_MBGNBD, #CVA_MODEL_PNBD, #CVA_MODEL_NBD or #CVA_MODEL_BGBB
 *               (BG/CNBD-k and MBG/CNBD-k: cva_sim_cnbd()).
 * @param params parameters in the order of ::cva_model.
 * @param T      observation length per customer (finite, >= 0; BG/BB: integer).
 * @param n      customers.
 * @param seed   PRNG seed.
 * @param x      out: repeat purchases.
 * @param t_x    out: time of the last repeat purchase (BG/BB: its opportunity index), 0 if none.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR a required pointer is NULL (arrays may be NULL when @p n is 0).
 * @retval CVA_E_BADARG  unknown @p model, or invalid T[i] (diag->index).
 * @retval CVA_E_DOMAIN  a parameter is not finite and > 0 (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_sim_btyd(int32_t model, const double *params, const double *T, size_t n,
                                              uint64_t seed, double *x, double *t_x, cva_diag *diag);

/**
 * @brief Simulate the mean spend of customers with x[i] repeat transactions under Gamma-Gamma.
 *
 * Each customer has ν ~ Gamma(q, rate γ) and transaction values z ~ Gamma(p, rate ν);
 * m_x[i] is the mean of x[i] values (0 when x[i] = 0). Customer i uses its own
 * stream seeded from (@p seed, i).
 * @param params p, q, gamma.
 * @param x      repeat transactions (integers >= 0).
 * @param n      customers.
 * @param seed   PRNG seed.
 * @param m_x    out: mean transaction value.
 * @param diag   optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_BADARG  x[i] is not a finite integer >= 0 (diag->index).
 * @retval CVA_E_DOMAIN  a parameter is not finite and > 0 (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_sim_gg(const double *params, const double *x, size_t n, uint64_t seed,
                                            double *m_x, cva_diag *diag);

/**
 * @brief Simulate the survivor counts of one sBG cohort.
 *
 * Each member has a churn probability θ ~ Beta(α, β) per period; survivors[j] is
 * the number still active j periods after acquisition (survivors[0] = @p cohort_size).
 * Member i uses its own stream seeded from (@p seed, i).
 * @param params      alpha, beta.
 * @param cohort_size members (an integer >= 0).
 * @param n_periods   length of @p survivors.
 * @param seed        PRNG seed.
 * @param survivors   out: n_periods counts.
 * @param diag        optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR
 * @retval CVA_E_BADARG   @p cohort_size is not an integer in [0, 2^53].
 * @retval CVA_E_DOMAIN   a parameter is not finite and > 0 (diag->index).
 * @retval CVA_E_OVERFLOW @p cohort_size does not fit in size_t.
 */
CVA_API CVA_NODISCARD cva_status cva_sim_sbg(const double *params, double cohort_size, size_t n_periods,
                                             uint64_t seed, double *survivors, cva_diag *diag);

/**
 * @name Names kept until 1.0
 * The simulators' earlier names, one per naming style before the `cva_sim_*`
 * scheme. They are macros for the new names (the library exports only the
 * new symbols) and disappear at 1.0; new code uses the names on the right.
 * @{
 */
/** @brief Old name of cva_sim_transactions(); kept until 1.0. */
#define cva_simulate_bgnbd_gg cva_sim_transactions
/** @brief Old name of cva_sim_btyd(); kept until 1.0. */
#define cva_model_simulate cva_sim_btyd
/** @brief Old name of cva_sim_gg(); kept until 1.0. */
#define cva_gg_simulate cva_sim_gg
/** @brief Old name of cva_sim_sbg(); kept until 1.0. */
#define cva_sbg_simulate cva_sim_sbg
/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_SIM_H */
