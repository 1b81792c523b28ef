/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_SIM_H
#define CVA_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup sim Simulation
 * @brief Synthetic transaction logs from the BG/NBD purchase process with
 *        Gamma-Gamma spend, for demos, tests and benchmarks.
 *
 * Customer i (id = first_id + i) makes a first purchase at a time drawn
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
 * @code
 * cva_sim_opts o;
 * cva_sim_opts_init_defaults(&o, sizeof o);
 * size_t n_rows;
 * cva_simulate_bgnbd_gg(&o, 1000, NULL, NULL, NULL, 0, &n_rows, NULL);  // count
 * // allocate n_rows elements for id, t, amount, then:
 * cva_simulate_bgnbd_gg(&o, 1000, id, t, amount, n_rows, &n_rows, NULL);
 * @endcode
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
 * @brief Simulate transactions of @p n_customers customers.
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
CVA_API CVA_NODISCARD cva_status cva_simulate_bgnbd_gg(const cva_sim_opts *opts, size_t n_customers,
                                                       int64_t *customer_id, double *t, double *amount,
                                                       size_t capacity, size_t *n_rows, cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_SIM_H */
