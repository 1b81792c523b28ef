/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_LADDER_H
#define CVA_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include "cva/common.h"
#include "cva/txn.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ladder Loyalty ladder
 * @brief Rungs PROSPECT … PARTNER as of a date, the rule that decided each,
 *        relationship bonds, and migration between two dates (@ref methods_ladder).
 *
 * Classification (@ref methods_ladder_rules, first match wins) from per-customer inputs as of
 * a date t0: purchase occasions up to t0, tenure t0 − first purchase, recency
 * t0 − last purchase, referred purchase rows credited in the look-back window
 * (t0 − L, t0], optional NPS, satisfaction and bond level, optional activity:
 *
 * | rule (decided_by)                    | rung      | condition                                   |
 * |--------------------------------------|-----------|---------------------------------------------|
 * | #CVA_LADDER_RULE_NO_PURCHASE         | PROSPECT  | n_occ = 0 (a known lead)                    |
 * | #CVA_LADDER_RULE_ONE_OCCASION        | CUSTOMER  | n_occ = 1                                   |
 * | #CVA_LADDER_RULE_STRUCTURAL_BOND     | PARTNER   | bond = 4 and tenure >= partner_min_tenure   |
 * | #CVA_LADDER_RULE_REFERRALS           | ADVOCATE  | referrals >= min_referrals                  |
 * | #CVA_LADDER_RULE_NPS_PROMOTER        | ADVOCATE  | nps >= nps_promoter (flag, off by default)  |
 * | #CVA_LADDER_RULE_SATISFACTION        | SUPPORTER | sat >= sat_threshold                        |
 * | #CVA_LADDER_RULE_NPS_PASSIVE         | SUPPORTER | nps >= nps_passive                          |
 * | #CVA_LADDER_RULE_BEHAVIOURAL_PROXY   | SUPPORTER | flag: n_occ >= 4, F score >= 4 and active   |
 * | #CVA_LADDER_RULE_ATTITUDE_BELOW      | CLIENT    | repeat buyer, some attitude known, below    |
 * | #CVA_LADDER_RULE_NO_ATTITUDE         | CLIENT    | repeat buyer, no satisfaction or NPS known  |
 *
 * An unknown attitude (NaN, bond −1) never satisfies a threshold, so without
 * attitude, referral or bond data the highest reachable rung is CLIENT. The
 * behavioural proxy for SUPPORTER (#CVA_LADDER_F_BEHAVIOURAL_PROXY) is off by
 * default: frequent buying without a stated attitude can be spurious loyalty
 * (Dick & Basu 1994), so the proxy labels habit, not liking.
 *
 * Activity is reported beside the rung, never as a rung: an inactive customer
 * keeps the rung and counts as LAPSED in migration analysis. A customer without
 * purchases is never LAPSED (its `active` flag is 0).
 *
 * Rung and state codes are label codes (200–299 range): PROSPECT 200 … PARTNER
 * 205, LAPSED 206; matrix index = code − #CVA_LADDER_PROSPECT.
 *
 * @code
 * // referrals in (t0 - L, t0] and up to t0 for the customers of a summary to t0
 * cva_ladder_opts lo;
 * cva_ladder_opts_init_defaults(&lo, sizeof lo);
 * cva_ladder_referrals(&txn_in, &txn_opts, t0, &lo, s.customer_id, s.n_customers,
 *                      ref_window, ref_total, NULL);
 * cva_ladder_input li = { sizeof li, 0, s.n_customers, s.n_occ, tenure, recency,
 *                         ref_window, ref_total, nps, NULL, NULL, NULL, NULL };
 * int st = cva_ladder_classify(&li, &lo, stage, decided_by, has_referred, active, NULL);
 * @endcode
 * @{
 */

/* The rung codes CVA_LADDER_PROSPECT (200) … CVA_LADDER_PARTNER (205) and the
   migration state CVA_LADDER_LAPSED (206) are ::cva_ladder_rung in the label
   registry of cva/common.h; cva_label() names them too. */

/** @brief Number of rungs (PROSPECT … PARTNER). */
#define CVA_LADDER_N_RUNGS 6
/** @brief Number of migration states (the rungs and LAPSED). */
#define CVA_LADDER_N_STATES 7

/** @brief Which rule decided a rung (the `decided_by` output). */
enum cva_ladder_rule {
    CVA_LADDER_RULE_NO_PURCHASE = 1,       /**< "no_purchase": n_occ = 0 → PROSPECT. */
    CVA_LADDER_RULE_ONE_OCCASION = 2,      /**< "one_occasion": n_occ = 1 → CUSTOMER. */
    CVA_LADDER_RULE_STRUCTURAL_BOND = 3,   /**< "structural_bond": bond 4 and tenure → PARTNER. */
    CVA_LADDER_RULE_REFERRALS = 4,         /**< "referrals": enough referrals in the window → ADVOCATE. */
    CVA_LADDER_RULE_NPS_PROMOTER = 5,      /**< "nps_promoter": NPS promoter (flag) → ADVOCATE. */
    CVA_LADDER_RULE_SATISFACTION = 6,      /**< "satisfaction": sat >= threshold → SUPPORTER. */
    CVA_LADDER_RULE_NPS_PASSIVE = 7,       /**< "nps": NPS passive or promoter → SUPPORTER. */
    CVA_LADDER_RULE_BEHAVIOURAL_PROXY = 8, /**< "behavioural_proxy": the proxy flag → SUPPORTER. */
    CVA_LADDER_RULE_ATTITUDE_BELOW = 9,    /**< "attitude_below": attitude known, below thresholds → CLIENT. */
    CVA_LADDER_RULE_NO_ATTITUDE = 10       /**< "no_attitude": no satisfaction or NPS known → CLIENT. */
};

/** @brief Largest rule code (rule codes are 1 … #CVA_LADDER_N_RULES). */
#define CVA_LADDER_N_RULES 10

/** @brief Relationship bond levels (@ref methods_bonds; Berry 1995), the `bond` input. */
enum cva_ladder_bond {
    CVA_LADDER_BOND_UNKNOWN = -1,      /**< Not known. */
    CVA_LADDER_BOND_NONE = 0,          /**< "none". */
    CVA_LADDER_BOND_FINANCIAL = 1,     /**< "financial": rewards, bundling, stable prices. */
    CVA_LADDER_BOND_SOCIAL = 2,        /**< "social": contact, personal care, communities. */
    CVA_LADDER_BOND_CUSTOMISATION = 3, /**< "customisation": one-to-one service, anticipated needs. */
    CVA_LADDER_BOND_STRUCTURAL = 4     /**< "structural": process integration, joint investment. */
};

/** @brief Flags, bits of cva_ladder_opts::flags. */
enum cva_ladder_flags {
    /** SUPPORTER also when n_occ >= proxy_min_occ, F score >= proxy_min_f_score and active
        (@ref methods_ladder_rules [D]); off by default: prone to labelling spurious loyalty. */
    CVA_LADDER_F_BEHAVIOURAL_PROXY = 1,
    /** ADVOCATE also when nps >= nps_promoter (Reichheld 2003); off by default. */
    CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE = 2
};

/** @brief Option field ids reported in cva_diag::option. */
enum cva_ladder_option_id {
    CVA_OPT_LADDER_FLAGS = 701,              /**< cva_ladder_opts::flags */
    CVA_OPT_LADDER_MIN_REFERRALS = 702,      /**< cva_ladder_opts::min_referrals */
    CVA_OPT_LADDER_PROXY_MIN_OCC = 703,      /**< cva_ladder_opts::proxy_min_occ */
    CVA_OPT_LADDER_PROXY_MIN_F_SCORE = 704,  /**< cva_ladder_opts::proxy_min_f_score */
    CVA_OPT_LADDER_LAPSED_STATE = 705,       /**< cva_ladder_opts::lapsed_state */
    CVA_OPT_LADDER_LOOKBACK = 706,           /**< cva_ladder_opts::lookback */
    CVA_OPT_LADDER_PARTNER_MIN_TENURE = 707, /**< cva_ladder_opts::partner_min_tenure */
    CVA_OPT_LADDER_SAT_THRESHOLD = 708,      /**< cva_ladder_opts::sat_threshold */
    CVA_OPT_LADDER_NPS_PASSIVE = 709,        /**< cva_ladder_opts::nps_passive */
    CVA_OPT_LADDER_NPS_PROMOTER = 710,       /**< cva_ladder_opts::nps_promoter */
    CVA_OPT_LADDER_HIATUS = 711              /**< cva_ladder_opts::hiatus */
};

/**
 * @brief Ladder options (thresholds of @ref methods_ladder_rules, @ref methods_heuristics); fill with
 *        cva_ladder_opts_init_defaults(). Durations are in the caller's time
 *        unit; the defaults assume days.
 */
typedef struct cva_ladder_opts {
    uint32_t struct_size;      /**< sizeof(cva_ladder_opts). */
    int32_t flags;             /**< Bits of ::cva_ladder_flags. Default 0. */
    uint32_t min_referrals;    /**< Referrals in the window that make an ADVOCATE, >= 1. Default 1. */
    uint32_t proxy_min_occ;    /**< Behavioural proxy: minimum occasions, >= 2. Default 4. */
    int32_t proxy_min_f_score; /**< Behavioural proxy: minimum RFM F score, >= 1. Default 4. */
    int32_t lapsed_state;      /**< Migration: 1 (default) inactive customers are LAPSED; 0: no LAPSED state. */
    double lookback;           /**< L: referral window (t0 − L, t0] of cva_ladder_referrals(), > 0. Default 365. */
    double partner_min_tenure; /**< Minimum tenure of a PARTNER, >= 0. Default 365. */
    double sat_threshold;      /**< Satisfaction (0–1) that makes a SUPPORTER, in [0, 1]. Default 0.8. */
    double nps_passive;        /**< NPS (0–10) that makes a SUPPORTER (passive or promoter), in [0, 10]. Default 7. */
    double nps_promoter;       /**< NPS that makes an ADVOCATE with the flag, in [0, 10]. Default 9. */
    double hiatus;             /**< Hiatus rule (Wübben & Wangenheim 2008) used when no activity flag is
                                    given: inactive iff recency > hiatus, > 0. Default 270. */
} cva_ladder_opts;

/**
 * @brief Per-customer inputs as of t0 (struct of arrays, all of length @c n).
 *
 * Optional arrays may be NULL. Customers without purchases (n_occ = 0) are
 * PROSPECTs whatever else is given; their tenure and recency are not read.
 */
typedef struct cva_ladder_input {
    uint32_t struct_size;          /**< sizeof(cva_ladder_input). */
    uint32_t reserved;             /**< Must be 0. */
    size_t n;                      /**< Customers; 0 is allowed (`CVA_W_EMPTY`). */
    const uint32_t *n_occ;         /**< Required. Purchase occasions up to t0 (cumulative). */
    const double *tenure;          /**< Required. t0 − first purchase, >= 0 (NaN without a purchase). */
    const double *recency;         /**< t0 − last purchase, 0 <= recency <= tenure. Required only when
                                        @c active is NULL (the hiatus rule needs it). */
    const uint32_t *referrals;     /**< Optional (NULL: 0). Referred purchase rows credited in (t0 − L, t0]. */
    const uint32_t *referrals_total; /**< Optional (NULL: @c referrals). Referred purchase rows up to t0,
                                          >= referrals; has_referred = (referrals_total > 0). */
    const double *nps;             /**< Optional. Likelihood to recommend 0–10; NaN = unknown. */
    const double *sat;             /**< Optional. Satisfaction in [0, 1]; NaN = unknown. */
    const int32_t *bond;           /**< Optional. ::cva_ladder_bond level 0–4; −1 = unknown. */
    const int32_t *active;         /**< Optional activity flag 0/1 (e.g. from a churn rule); NULL: the
                                        hiatus rule cva_ladder_opts::hiatus on @c recency. */
    const int32_t *f_score;        /**< RFM F score; required only with #CVA_LADDER_F_BEHAVIOURAL_PROXY. */
} cva_ladder_input;

/**
 * @brief Fill @p opts with the defaults.
 * @param opts        options to fill.
 * @param struct_size sizeof(cva_ladder_opts).
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR      @p opts is NULL.
 * @retval CVA_E_ABI_MISMATCH unknown @p struct_size.
 */
CVA_API cva_status cva_ladder_opts_init_defaults(cva_ladder_opts *opts, size_t struct_size);

/**
 * @brief Referred purchase rows per customer: inside (t0 − L, t0] and up to t0.
 *
 * Counts the rows of @p in that have a referrer, are purchases under the
 * refund policy and flags of @p txn_opts (as cva_txn_summarize() counts
 * `ref_n_txn`), lie at or after cva_txn_opts::obs_start and at or before @p t0,
 * and credit one of @p customer_id. L is cva_ladder_opts::lookback. Referrers
 * that are not in @p customer_id are skipped.
 * @param in            the transactions (a referrer array is required).
 * @param txn_opts      refund policy, flags and obs_start; NULL for defaults.
 * @param t0            the classification date (caller's time unit), finite.
 * @param opts          ladder options (lookback); NULL for defaults.
 * @param customer_id   customers to count for, strictly ascending (as a summary writes them).
 * @param n_customers   length of @p customer_id and of the outputs.
 * @param referrals     out (may be NULL): rows in (t0 − L, t0].
 * @param referrals_total out (may be NULL): rows up to t0.
 * @param diag          optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY      no rows or no customers (outputs zero).
 * @retval CVA_W_EXCLUDED   with #CVA_TXN_F_SKIP_INVALID, referred rows with NaN/Inf time, amount
 *                          or cost were skipped (diag->count).
 * @retval CVA_E_NULLPTR    @p in, its arrays or @p customer_id is NULL.
 * @retval CVA_E_NONFINITE  a referred row has a NaN/Inf time, amount or cost (diag->index), or
 *                          @p t0 is not finite.
 * @retval CVA_E_BADARG     @p customer_id not strictly ascending (diag->index).
 * @retval CVA_E_OPTION     an option is out of range (diag->option).
 * @retval CVA_E_OVERFLOW   more than UINT32_MAX rows (a count could exceed its type).
 */
CVA_API CVA_NODISCARD cva_status cva_ladder_referrals(const cva_txn_input *in, const cva_txn_opts *txn_opts,
                                                      double t0, const cva_ladder_opts *opts,
                                                      const int64_t *customer_id, size_t n_customers,
                                                      uint32_t *referrals, uint32_t *referrals_total,
                                                      cva_diag *diag);

/**
 * @brief Classify every customer into a rung (@ref methods_ladder_rules, first match wins).
 *
 * One pass over the inputs in chunks of a few hundred customers: each chunk is
 * checked, then classified while it is in cache. On a row error (`CVA_E_BADARG` or
 * `CVA_E_NONFINITE` with diag->index) every element of every output array given is
 * set to 0 (no rung: the label code "none"), so an output is never left half-written;
 * on the errors found before any row is read (NULL pointers, struct sizes, options,
 * in->reserved) nothing is written.
 * @param in            per-customer inputs.
 * @param opts          options, NULL for defaults.
 * @param stage         out (length n): rung code #CVA_LADDER_PROSPECT … #CVA_LADDER_PARTNER.
 * @param decided_by    out (may be NULL): ::cva_ladder_rule code.
 * @param has_referred  out (may be NULL): 1 if the customer referred anyone up to t0.
 * @param active        out (may be NULL): the activity flag used (given, or the hiatus rule;
 *                      0 for a customer without purchases).
 * @param diag          optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY    n = 0.
 * @retval CVA_E_NULLPTR  @p in, @p stage, n_occ or tenure is NULL; recency is NULL without an
 *                        activity array; f_score is NULL with the proxy flag (diag->detail).
 * @retval CVA_E_BADARG   a row is inconsistent (diag->index, diag->detail): tenure NaN or < 0 for
 *                        a buyer, recency outside [0, tenure], referrals > referrals_total,
 *                        nps outside [0, 10], sat outside [0, 1], bond outside −1 … 4,
 *                        active not 0/1; or in->reserved is not 0.
 * @retval CVA_E_NONFINITE an infinite tenure or recency (diag->index).
 * @retval CVA_E_OPTION   an option is out of range (diag->option).
 * @retval CVA_E_ABI_MISMATCH unknown struct size of @p in or @p opts.
 * @note O(n), one pass over the inputs (each chunk read twice while in cache: check, classify).
 */
CVA_API CVA_NODISCARD cva_status cva_ladder_classify(const cva_ladder_input *in, const cva_ladder_opts *opts,
                                                     int32_t *stage, int32_t *decided_by,
                                                     int32_t *has_referred, int32_t *active, cva_diag *diag);

/**
 * @brief Name of a rung or state code: "PROSPECT" … "PARTNER", "LAPSED".
 * @param code a ::cva_ladder_rung code.
 * @return a static string; "" for an unknown code.
 */
CVA_API const char *cva_ladder_state_name(int32_t code);

/**
 * @brief Name of a rule code (::cva_ladder_rule), e.g. "referrals".
 * @param rule a rule code.
 * @return a static string; "" for an unknown code.
 */
CVA_API const char *cva_ladder_rule_name(int32_t rule);

/**
 * @brief Rung a rule assigns (e.g. #CVA_LADDER_RULE_REFERRALS → #CVA_LADDER_ADVOCATE).
 * @param rule a rule code.
 * @return the rung code, or 0 for an unknown rule.
 */
CVA_API int32_t cva_ladder_rule_rung(int32_t rule);

/**
 * @brief Name of a bond level: "none", "financial", "social", "customisation",
 *        "structural"; "unknown" for −1.
 * @param level −1 … 4.
 * @return a static string; "" for any other value.
 */
CVA_API const char *cva_ladder_bond_name(int32_t level);

/**
 * @brief The relationship-bond table: the bond level suggested to hold a
 *        customer on a rung and to move it up (@ref methods_bonds [D]).
 *
 * | rung      | suggested bond |
 * |-----------|----------------|
 * | PROSPECT  | none           |
 * | CUSTOMER  | financial      |
 * | CLIENT    | social         |
 * | SUPPORTER | customisation  |
 * | ADVOCATE  | customisation  |
 * | PARTNER   | structural     |
 *
 * Financial rewards win the second purchase; interpersonal bonds turn a
 * neutral repeat buyer into one who likes the firm; customisation makes
 * supporters and advocates hard to lure away; only a structural bond makes a
 * partner (the PARTNER rule requires it).
 * @param rung a rung code #CVA_LADDER_PROSPECT … #CVA_LADDER_PARTNER.
 * @return a ::cva_ladder_bond level, or −1 for an unknown rung.
 */
CVA_API int32_t cva_ladder_suggested_bond(int32_t rung);

/**
 * @brief Counts per rung, per deciding rule and per (rung, bond level).
 * @param stage        rung codes (length n).
 * @param decided_by   rule codes (may be NULL when @p rule_counts is NULL).
 * @param bond         bond levels −1 … 4 (may be NULL: every customer counts as unknown).
 * @param n            customers.
 * @param rung_counts  out (may be NULL): #CVA_LADDER_N_RUNGS counts, index = code − 200.
 * @param rule_counts  out (may be NULL): #CVA_LADDER_N_RULES + 1 counts, index = rule code
 *                     (index 0 unused, always 0).
 * @param bond_counts  out (may be NULL): #CVA_LADDER_N_RUNGS × 6 counts, row-major, row =
 *                     rung, column = bond level + 1 (column 0: unknown).
 * @param diag         optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY   n = 0 (all counts 0).
 * @retval CVA_E_NULLPTR @p stage NULL with n > 0, or @p decided_by NULL with @p rule_counts.
 * @retval CVA_E_BADARG  a stage, rule or bond out of range (diag->index).
 */
CVA_API CVA_NODISCARD cva_status cva_ladder_counts(const int32_t *stage, const int32_t *decided_by,
                                                   const int32_t *bond, size_t n, uint64_t *rung_counts,
                                                   uint64_t *rule_counts, uint64_t *bond_counts,
                                                   cva_diag *diag);

/**
 * @brief The same customers classified at two dates (@ref methods_migration).
 *
 * A customer unknown at the first date is passed as PROSPECT there.
 */
typedef struct cva_ladder_migration_input {
    uint32_t struct_size;        /**< sizeof(cva_ladder_migration_input). */
    uint32_t reserved;           /**< Must be 0. */
    size_t n;                    /**< Customers; 0 is allowed (`CVA_W_EMPTY`). */
    const int32_t *stage_from;   /**< Required. Rung codes at the first date. */
    const int32_t *stage_to;     /**< Required. Rung codes at the second date. */
    const int32_t *active_from;  /**< Optional activity 0/1 at the first date (NULL: all active). */
    const int32_t *active_to;    /**< Optional activity 0/1 at the second date (NULL: all active). */
    const uint32_t *n_occ_from;  /**< Optional occasions at the first date; with @c n_occ_to, checked
                                      not to decrease (they are cumulative). */
    const uint32_t *n_occ_to;    /**< Optional occasions at the second date. */
} cva_ladder_migration_input;

/**
 * @brief Migration matrices and rates (@ref methods_migration). States are indexed
 *        0 … 6 = code − #CVA_LADDER_PROSPECT (6 = LAPSED).
 *
 * A customer is in state LAPSED when it is inactive, has a purchase (its rung
 * is not PROSPECT) and cva_ladder_opts::lapsed_state is 1. Rates of an origin
 * without customers are NaN; so are the whole transition row and the overall
 * rates when no customer is in a rung origin.
 */
typedef struct cva_ladder_migration {
    uint32_t struct_size;          /**< sizeof(cva_ladder_migration). */
    uint32_t n_states;             /**< 7 with the LAPSED state, 6 without (row and column 6 unused). */
    uint64_t n;                    /**< Customers. */
    uint64_t n_net;                /**< Customers LAPSED in neither period (denominator of net_movement). */
    uint64_t counts[7][7];         /**< M[i][j]: customers from state i to state j. */
    double transition[7][7];       /**< P[i][j] = M[i][j] / Σ_j M[i][j]; NaN row when empty. */
    double up_rate[7];             /**< Rung origin i < 6: Σ_{i<j<6} P[i][j]; NaN for LAPSED. */
    double stay_rate[7];           /**< P[i][i] (for LAPSED: still lapsed). */
    double down_rate[7];           /**< Rung origin i < 6: Σ_{j<i} P[i][j]; NaN for LAPSED. */
    double lapse_rate[7];          /**< Rung origin i < 6: P[i][6]; NaN for LAPSED. */
    double reactivation_rate;      /**< Origin LAPSED: Σ_{j<6} P[6][j]. */
    double overall_up;             /**< Up moves / customers in rung origins. */
    double overall_stay;           /**< Stays / customers in rung origins. */
    double overall_down;           /**< Down moves / customers in rung origins. */
    double overall_lapse;          /**< Lapses / customers in rung origins. */
    double net_movement;           /**< Σ (rung_to − rung_from) / n_net over customers LAPSED in
                                        neither period; NaN when n_net = 0. */
} cva_ladder_migration;

/**
 * @brief Count and transition matrices, rates and net movement in one pass.
 * @param in    the two classifications.
 * @param opts  options (lapsed_state), NULL for defaults.
 * @param out   results; out->struct_size must be sizeof(cva_ladder_migration).
 * @param diag  optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EMPTY   n = 0 (counts 0, rates NaN).
 * @retval CVA_E_NULLPTR @p in, @p out, or a stage array is NULL.
 * @retval CVA_E_BADARG  a stage outside PROSPECT … PARTNER, a customer who goes from a rung
 *                       above PROSPECT back to PROSPECT, an activity not 0/1, or an occasion
 *                       count that decreases (diag->index; diag->detail says which).
 * @retval CVA_E_ABI_MISMATCH unknown struct size.
 * @retval CVA_E_OPTION  lapsed_state not 0/1.
 */
CVA_API CVA_NODISCARD cva_status cva_ladder_migrate(const cva_ladder_migration_input *in,
                                                    const cva_ladder_opts *opts, cva_ladder_migration *out,
                                                    cva_diag *diag);

/**
 * @brief Markov projection π_k = π_0 P^k, k = 0 … @p steps (Pfeifer &
 *        Carraway 2000), and optionally Σ_{k=0..steps} (1+d)^−k π_k · v.
 *
 * The current period (k = 0) counts undiscounted, as in Pfeifer & Carraway.
 * A transition row that is all NaN (a state nobody started from) is taken as
 * absorbing: customers who reach it stay. When that happens with positive
 * mass the result rests on that assumption and the call says so.
 * @param transition row-major @p n_states × @p n_states; rows finite, >= 0 and summing
 *                   to 1 within 1e-9, or all NaN.
 * @param n_states   states, 1 … 64.
 * @param pi0        initial distribution (shares or counts, finite, >= 0).
 * @param steps      projection periods.
 * @param value      optional value per state per period (finite); NULL: no value.
 * @param discount   discount rate per period, > −1.
 * @param trajectory out (may be NULL): (@p steps + 1) × @p n_states, row k = π_k.
 * @param total_value out (may be NULL): the discounted value (NaN without @p value).
 * @param diag       optional diagnostics.
 * @retval CVA_OK
 * @retval CVA_W_EXCLUDED positive mass reached a state with an all-NaN row (no observations:
 *                        nobody started there, so its row was left out of the estimate), taken
 *                        as absorbing (diag->count = number of such states, diag->index = the
 *                        first). The generic message of the code covers this case ("some rows
 *                        or states were left out ... no observations").
 * @retval CVA_E_NULLPTR  @p transition or @p pi0 is NULL.
 * @retval CVA_E_BADARG   n_states out of range, a row neither stochastic nor all NaN, pi0
 *                        negative or NaN, or a non-finite value (diag->index).
 * @retval CVA_E_OPTION   @p discount <= −1 or not finite.
 * @retval CVA_E_OVERFLOW the trajectory or the discounted value would exceed the double range
 *                        (huge pi0 or values, or a discount near −1 over many steps); nothing is
 *                        written. Checked by a bound before the projection, O(@p steps).
 */
CVA_API CVA_NODISCARD cva_status cva_ladder_project(const double *transition, size_t n_states, const double *pi0,
                                                    uint32_t steps, const double *value, double discount,
                                                    double *trajectory, double *total_value, cva_diag *diag);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_LADDER_H */
