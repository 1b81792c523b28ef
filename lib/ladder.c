/*
 * libcva — loyalty ladder (docs/methods/ladder.md#methods_ladder): classification of customers into rungs,
 * referral counts inside a look-back window, relationship-bond table,
 * migration matrices between two dates and their Markov projection.
 *
 * Every function validates all of its input before it writes an output, so a
 * failing call leaves the caller's arrays untouched; except the classification,
 * which checks and classifies chunk by chunk and on a bad row resets every
 * output element to 0 (include/cva/ladder.h).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "cva_internal.h"
#include "cpu_internal.h"
#include "ladder_internal.h"
#include "cva/ladder.h"

static const cva_ladder_opts ladder_defaults = {
    .struct_size = sizeof(cva_ladder_opts),
    .flags = 0,
    .min_referrals = 1,
    .proxy_min_occ = 4,
    .proxy_min_f_score = 4,
    .lapsed_state = 1,
    .lookback = 365.0,
    .partner_min_tenure = 365.0,
    .sat_threshold = 0.8,
    .nps_passive = 7.0,
    .nps_promoter = 9.0,
    .hiatus = 270.0,
};

/* Smallest cva_ladder_opts ever released: the whole struct (0.1.0). */
#define LADDER_OPTS_MIN_SIZE sizeof(cva_ladder_opts)

cva_status cva_ladder_opts_init_defaults(cva_ladder_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < LADDER_OPTS_MIN_SIZE || struct_size > sizeof(cva_ladder_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &ladder_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* Copy and check the options (arg = position of opts in the caller). */
static cva_status get_opts(const cva_ladder_opts *opts, cva_ladder_opts *o, int32_t arg, cva_diag *diag)
{
    *o = ladder_defaults;
    if (opts) {
        if (cva__copy_sized(o, sizeof *o, opts, LADDER_OPTS_MIN_SIZE) != CVA_OK)
            return cva__report(diag, CVA_E_ABI_MISMATCH, arg, 0, -1, 0, "unknown cva_ladder_opts size");
    }
    if (o->flags & ~(CVA_LADDER_F_BEHAVIOURAL_PROXY | CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_FLAGS, -1, 0, "unknown flag bits");
    if (o->min_referrals < 1)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_MIN_REFERRALS, -1, 0,
                           "min_referrals must be >= 1");
    if (o->proxy_min_occ < 2)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_PROXY_MIN_OCC, -1, 0,
                           "proxy_min_occ must be >= 2 (rungs above CUSTOMER need a repeat purchase)");
    if (o->proxy_min_f_score < 1)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_PROXY_MIN_F_SCORE, -1, 0,
                           "proxy_min_f_score must be >= 1");
    if (o->lapsed_state != 0 && o->lapsed_state != 1)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_LAPSED_STATE, -1, 0,
                           "lapsed_state must be 0 or 1");
    if (!(o->lookback > 0.0) || !isfinite(o->lookback))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_LOOKBACK, -1, 0,
                           "lookback must be finite and > 0");
    if (!(o->partner_min_tenure >= 0.0) || !isfinite(o->partner_min_tenure))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_PARTNER_MIN_TENURE, -1, 0,
                           "partner_min_tenure must be finite and >= 0");
    if (!(o->sat_threshold >= 0.0 && o->sat_threshold <= 1.0))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_SAT_THRESHOLD, -1, 0,
                           "sat_threshold must be in [0, 1]");
    if (!(o->nps_passive >= 0.0 && o->nps_passive <= 10.0))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_NPS_PASSIVE, -1, 0,
                           "nps_passive must be in [0, 10]");
    if (!(o->nps_promoter >= 0.0 && o->nps_promoter <= 10.0))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_NPS_PROMOTER, -1, 0,
                           "nps_promoter must be in [0, 10]");
    if (!(o->hiatus > 0.0) || !isfinite(o->hiatus))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_LADDER_HIATUS, -1, 0, "hiatus must be finite and > 0");
    return CVA_OK;
}

/* ------------------------------------------------------------------------ */
/* Names and the bond table                                                  */

static const char *const STATE_NAMES[CVA_LADDER_N_STATES] = {
    "PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE", "PARTNER", "LAPSED",
};

/* Per rule code (index): name and the rung it assigns. */
static const struct {
    const char *name;
    int32_t rung;
} RULES[CVA_LADDER_N_RULES + 1] = {
    {"", 0},
    {"no_purchase", CVA_LADDER_PROSPECT},
    {"one_occasion", CVA_LADDER_CUSTOMER},
    {"structural_bond", CVA_LADDER_PARTNER},
    {"referrals", CVA_LADDER_ADVOCATE},
    {"nps_promoter", CVA_LADDER_ADVOCATE},
    {"satisfaction", CVA_LADDER_SUPPORTER},
    {"nps", CVA_LADDER_SUPPORTER},
    {"behavioural_proxy", CVA_LADDER_SUPPORTER},
    {"attitude_below", CVA_LADDER_CLIENT},
    {"no_attitude", CVA_LADDER_CLIENT},
};

static const char *const BOND_NAMES[6] = {
    "unknown", "none", "financial", "social", "customisation", "structural",
};

/* The relationship-bond table (docs/methods/ladder.md#methods_bonds [D]), index = rung − PROSPECT. */
static const int32_t SUGGESTED_BOND[CVA_LADDER_N_RUNGS] = {
    CVA_LADDER_BOND_NONE,          /* PROSPECT */
    CVA_LADDER_BOND_FINANCIAL,     /* CUSTOMER */
    CVA_LADDER_BOND_SOCIAL,        /* CLIENT */
    CVA_LADDER_BOND_CUSTOMISATION, /* SUPPORTER */
    CVA_LADDER_BOND_CUSTOMISATION, /* ADVOCATE */
    CVA_LADDER_BOND_STRUCTURAL,    /* PARTNER */
};

const char *cva_ladder_state_name(int32_t code)
{
    if (code < CVA_LADDER_PROSPECT || code > CVA_LADDER_LAPSED)
        return "";
    return STATE_NAMES[code - CVA_LADDER_PROSPECT];
}

const char *cva_ladder_rule_name(int32_t rule)
{
    if (rule < 1 || rule > CVA_LADDER_N_RULES)
        return "";
    return RULES[rule].name;
}

int32_t cva_ladder_rule_rung(int32_t rule)
{
    if (rule < 1 || rule > CVA_LADDER_N_RULES)
        return 0;
    return RULES[rule].rung;
}

const char *cva_ladder_bond_name(int32_t level)
{
    if (level < -1 || level > 4)
        return "";
    return BOND_NAMES[level + 1];
}

int32_t cva_ladder_suggested_bond(int32_t rung)
{
    if (rung < CVA_LADDER_PROSPECT || rung > CVA_LADDER_PARTNER)
        return -1;
    return SUGGESTED_BOND[rung - CVA_LADDER_PROSPECT];
}

/* ------------------------------------------------------------------------ */
/* Referral counts in (t0 − L, t0]                                           */

/* Same purchase test as the transaction summary (docs/methods/summaries.md#methods_refunds). */
static int is_purchase(double amount, int32_t policy, int32_t flags)
{
    if (policy == CVA_TXN_REFUND_AS_ROW)
        return !((flags & CVA_TXN_F_ZERO_NOT_PURCHASE) && !(amount < 0.0) && !(amount > 0.0));
    if (flags & CVA_TXN_F_ZERO_NOT_PURCHASE)
        return amount > 0.0;
    return amount >= 0.0;
}

/* Index of id in the ascending array, or (size_t)-1. */
static size_t find_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? lo : (size_t)-1;
}

cva_status cva_ladder_referrals(const cva_txn_input *in, const cva_txn_opts *txn_opts, double t0,
                                const cva_ladder_opts *opts, const int64_t *customer_id, size_t n_customers,
                                uint32_t *referrals, uint32_t *referrals_total, cva_diag *diag)
{
    cva_txn_opts to;
    cva_ladder_opts o;
    cva_status st;
    size_t i, n, skipped = 0;
    double start;
    int skip_invalid;

    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_txn_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_txn_input size");
    n = in->n;
    if (n > 0 && (!in->customer_id || !in->t || !in->amount))
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->customer_id, in->t or in->amount is NULL");
    if (n > 0 && !in->referrer_id)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->referrer_id is NULL (no referrals to count)");
    if (cva_txn_opts_init_defaults(&to, sizeof to) != CVA_OK)
        return cva__report(diag, CVA_E_INTERNAL, 0, 0, -1, 0, "txn defaults");
    if (txn_opts && cva__copy_sized(&to, sizeof to, txn_opts, offsetof(cva_txn_opts, alloc)) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "unknown cva_txn_opts size");
    if (to.refund_policy < CVA_TXN_REFUND_NET || to.refund_policy > CVA_TXN_REFUND_EXCLUDE)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_REFUND_POLICY, -1, 0, "unknown refund_policy");
    if (to.flags & ~(CVA_TXN_F_ZERO_NOT_PURCHASE | CVA_TXN_F_SKIP_INVALID))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_FLAGS, -1, 0, "unknown flag bits");
    if (isnan(to.obs_start))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0, "obs_start is NaN");
    if (!isfinite(t0))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "t0 is not finite");
    st = get_opts(opts, &o, 4, diag);
    if (st != CVA_OK)
        return st;
    if (n_customers > 0 && !customer_id)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "customer_id is NULL");
    for (i = 1; i < n_customers; i++)
        if (!(customer_id[i - 1] < customer_id[i]))
            return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0, "customer_id is not strictly ascending");
    if ((uint64_t)n > UINT32_MAX)
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, n, "more than UINT32_MAX rows");
    skip_invalid = (to.flags & CVA_TXN_F_SKIP_INVALID) != 0;

    /* pass 1: every referred row is valid (nothing written yet) */
    for (i = 0; i < n; i++) {
        if (in->referrer_id[i] == CVA_TXN_NO_REFERRER)
            continue;
        if (!isfinite(in->t[i]) || !isfinite(in->amount[i]) || (in->cost && !isfinite(in->cost[i]))) {
            if (!skip_invalid)
                return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0,
                                   "NaN or infinite time, amount or cost in a referred row");
            skipped++;
        }
    }

    /* pass 2: count */
    if (referrals)
        memset(referrals, 0, n_customers * sizeof *referrals);
    if (referrals_total)
        memset(referrals_total, 0, n_customers * sizeof *referrals_total);
    start = t0 - o.lookback;
    for (i = 0; i < n; i++) {
        int64_t r = in->referrer_id[i];
        double t = in->t[i];
        size_t k;
        if (r == CVA_TXN_NO_REFERRER)
            continue;
        if (!isfinite(t) || !isfinite(in->amount[i]) || (in->cost && !isfinite(in->cost[i])))
            continue;
        if (t < to.obs_start || t > t0 || !is_purchase(in->amount[i], to.refund_policy, to.flags))
            continue;
        k = find_id(customer_id, n_customers, r);
        if (k == (size_t)-1)
            continue;
        if (referrals_total)
            referrals_total[k]++;
        if (referrals && t > start)
            referrals[k]++;
    }
    if (skipped)
        return cva__report(diag, CVA_W_EXCLUDED, 0, 0, -1, skipped, "referred rows with NaN/Inf values skipped");
    if (n == 0 || n_customers == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no rows or no customers");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Classification                                                            */

/* Smallest cva_ladder_input ever released: the whole struct (0.1.0). */
#define LADDER_INPUT_MIN_SIZE sizeof(cva_ladder_input)

static cva_status check_row(const cva_ladder_input *in, size_t i, cva_diag *diag)
{
    const int64_t idx = (int64_t)i;
    if (in->nps) {
        double v = in->nps[i];
        if (!isnan(v) && !(v >= 0.0 && v <= 10.0))
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "nps outside [0, 10] (NaN = unknown)");
    }
    if (in->sat) {
        double v = in->sat[i];
        if (!isnan(v) && !(v >= 0.0 && v <= 1.0))
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "sat outside [0, 1] (NaN = unknown)");
    }
    if (in->bond && (in->bond[i] < -1 || in->bond[i] > 4))
        return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "bond outside -1 (unknown) ... 4");
    if (in->active && in->active[i] != 0 && in->active[i] != 1)
        return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "active must be 0 or 1");
    if (in->referrals && in->referrals_total && in->referrals[i] > in->referrals_total[i])
        return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0,
                           "referrals in the window exceed referrals up to t0");
    if (in->n_occ[i] > 0) {
        double ten = in->tenure[i];
        if (isinf(ten))
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, idx, 0, "infinite tenure");
        if (!(ten >= 0.0))
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0,
                               "tenure is NaN or negative for a customer with purchases");
        if (in->recency) {
            double rec = in->recency[i];
            if (isinf(rec))
                return cva__report(diag, CVA_E_NONFINITE, 1, 0, idx, 0, "infinite recency");
            if (!(rec >= 0.0 && rec <= ten))
                return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0,
                                   "recency is NaN or outside [0, tenure] for a customer with purchases");
        }
    }
    return CVA_OK;
}

/* Rows are processed in chunks: a branch-free validity test per chunk (the
   slow per-row check only runs to name the first bad row), then, on the same
   chunk while it is in L1, a branch-free classification with absent optional
   arrays replaced by constant buffers of CHUNK elements. */
#define CHUNK 512

/* r = cond ? v : r without a branch (cond is 0 or 1) */
#define SEL_(cond, v, r) ((r) ^ (((r) ^ (v)) & -(int32_t)(cond)))

/* AVX-512 kernel (F, BW, DQ, VL; the compiler conditions of rfm_kernels.h): 16
   customers a step, every test a compare mask, the rules as masked moves from the
   last to the first (the first match wins), four stores. The same tests as the
   portable chunks, bit for bit. It stops at the first group of 16 with a bad row
   and returns its index (the portable chunks then name the row); else the index
   after the last whole group. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 7)
#define LADDER_HAVE_AVX512_ 1
#include <immintrin.h>

#define LADDER_AVX512_ __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define KMASK16_(hi, lo) ((__mmask16)_mm512_kunpackb((__mmask16)(hi), (__mmask16)(lo)))

LADDER_AVX512_ static size_t classify_avx512(const cva_ladder_input *in, const cva_ladder_opts *o, int32_t *stage,
                                             int32_t *decided_by, int32_t *has_referred, int32_t *active)
{
    const size_t nb = in->n & ~(size_t)15;
    const __m512d zero = _mm512_setzero_pd(), tenv = _mm512_set1_pd(10.0), onev = _mm512_set1_pd(1.0);
    const __m512d infv = _mm512_set1_pd(CVA_INF), nanv = _mm512_set1_pd(CVA_NAN);
    const __m512d vpass = _mm512_set1_pd(o->nps_passive), vthr = _mm512_set1_pd(o->sat_threshold);
    const __m512d vprom = _mm512_set1_pd(o->nps_promoter), vmint = _mm512_set1_pd(o->partner_min_tenure);
    const __m512d vhia = _mm512_set1_pd(o->hiatus);
    const __m512i izero = _mm512_setzero_si512(), ione = _mm512_set1_epi32(1), ifive = _mm512_set1_epi32(5);
    const __m512i ibond = _mm512_set1_epi32(CVA_LADDER_BOND_STRUCTURAL), im1 = _mm512_set1_epi32(-1);
    const __m512i vminref = _mm512_set1_epi32((int32_t)o->min_referrals);
    const __m512i vpmin = _mm512_set1_epi32((int32_t)o->proxy_min_occ), vfmin = _mm512_set1_epi32(o->proxy_min_f_score);
    const __m512i r_none = _mm512_set1_epi32(CVA_LADDER_RULE_NO_ATTITUDE);
    const __m512i r_below = _mm512_set1_epi32(CVA_LADDER_RULE_ATTITUDE_BELOW);
    const __m512i r_proxy = _mm512_set1_epi32(CVA_LADDER_RULE_BEHAVIOURAL_PROXY);
    const __m512i r_nps = _mm512_set1_epi32(CVA_LADDER_RULE_NPS_PASSIVE);
    const __m512i r_sat = _mm512_set1_epi32(CVA_LADDER_RULE_SATISFACTION);
    const __m512i r_prom = _mm512_set1_epi32(CVA_LADDER_RULE_NPS_PROMOTER);
    const __m512i r_ref = _mm512_set1_epi32(CVA_LADDER_RULE_REFERRALS);
    const __m512i r_bond = _mm512_set1_epi32(CVA_LADDER_RULE_STRUCTURAL_BOND);
    const __m512i r_one = _mm512_set1_epi32(CVA_LADDER_RULE_ONE_OCCASION);
    const __m512i r_nop = _mm512_set1_epi32(CVA_LADDER_RULE_NO_PURCHASE);
    const __m512i s_pro = _mm512_set1_epi32(CVA_LADDER_PROSPECT), s_cus = _mm512_set1_epi32(CVA_LADDER_CUSTOMER);
    const __m512i s_cli = _mm512_set1_epi32(CVA_LADDER_CLIENT), s_sup = _mm512_set1_epi32(CVA_LADDER_SUPPORTER);
    const __m512i s_adv = _mm512_set1_epi32(CVA_LADDER_ADVOCATE), s_par = _mm512_set1_epi32(CVA_LADDER_PARTNER);
    const int proxy = (o->flags & CVA_LADDER_F_BEHAVIOURAL_PROXY) != 0;
    const int promoter = (o->flags & CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE) != 0;
    const uint32_t *vtot_p = in->referrals_total && in->referrals ? in->referrals_total : in->referrals;
    const uint32_t *tot_p = in->referrals_total ? in->referrals_total : in->referrals;
    size_t i;

    for (i = 0; i < nb; i += 16) {
        const __m512i occ = _mm512_loadu_si512((const void *)(in->n_occ + i));
        const __m512d t0 = _mm512_loadu_pd(in->tenure + i), t1 = _mm512_loadu_pd(in->tenure + i + 8);
        const __m512d r0 = in->recency ? _mm512_loadu_pd(in->recency + i) : zero;
        const __m512d r1 = in->recency ? _mm512_loadu_pd(in->recency + i + 8) : zero;
        const __m512d n0 = in->nps ? _mm512_loadu_pd(in->nps + i) : nanv;
        const __m512d n1 = in->nps ? _mm512_loadu_pd(in->nps + i + 8) : nanv;
        const __m512d s0 = in->sat ? _mm512_loadu_pd(in->sat + i) : nanv;
        const __m512d s1 = in->sat ? _mm512_loadu_pd(in->sat + i + 8) : nanv;
        const __m512i bond = in->bond ? _mm512_loadu_si512((const void *)(in->bond + i)) : im1;
        const __m512i act = in->active ? _mm512_loadu_si512((const void *)(in->active + i)) : izero;
        const __m512i ref = in->referrals ? _mm512_loadu_si512((const void *)(in->referrals + i)) : izero;
        const __m512i vtot = vtot_p ? _mm512_loadu_si512((const void *)(vtot_p + i)) : izero;
        const __m512i tot = tot_p ? _mm512_loadu_si512((const void *)(tot_p + i)) : izero;
        const __mmask16 has = _mm512_cmpneq_epu32_mask(occ, izero);
        const __mmask16 c1 = _mm512_cmpeq_epu32_mask(occ, ione);
        __mmask16 bad, att, a, m;
        __m512i r, s;

        /* the checks of check_row(): attitudes in range (NaN = unknown), a buyer's
           0 <= recency <= tenure < inf, bond -1..4, active 0/1, referrals <= total */
        bad = KMASK16_(_mm512_cmp_pd_mask(n1, zero, _CMP_LT_OQ) | _mm512_cmp_pd_mask(n1, tenv, _CMP_GT_OQ) |
                           _mm512_cmp_pd_mask(s1, zero, _CMP_LT_OQ) | _mm512_cmp_pd_mask(s1, onev, _CMP_GT_OQ),
                       _mm512_cmp_pd_mask(n0, zero, _CMP_LT_OQ) | _mm512_cmp_pd_mask(n0, tenv, _CMP_GT_OQ) |
                           _mm512_cmp_pd_mask(s0, zero, _CMP_LT_OQ) | _mm512_cmp_pd_mask(s0, onev, _CMP_GT_OQ));
        bad |= has & KMASK16_(_mm512_cmp_pd_mask(t1, zero, _CMP_NGE_UQ) | _mm512_cmp_pd_mask(t1, infv, _CMP_NLT_UQ) |
                                  _mm512_cmp_pd_mask(r1, zero, _CMP_NGE_UQ) | _mm512_cmp_pd_mask(r1, t1, _CMP_NLE_UQ),
                              _mm512_cmp_pd_mask(t0, zero, _CMP_NGE_UQ) | _mm512_cmp_pd_mask(t0, infv, _CMP_NLT_UQ) |
                                  _mm512_cmp_pd_mask(r0, zero, _CMP_NGE_UQ) | _mm512_cmp_pd_mask(r0, t0, _CMP_NLE_UQ));
        bad |= _mm512_cmpgt_epu32_mask(_mm512_add_epi32(bond, ione), ifive) | _mm512_cmpgt_epu32_mask(act, ione) |
               _mm512_cmpgt_epu32_mask(ref, vtot);
        if (bad)
            break;

        /* activity: the caller's flag or the hiatus rule, never for a non-buyer */
        a = has & (in->active ? _mm512_cmpneq_epu32_mask(act, izero)
                              : KMASK16_(_mm512_cmp_pd_mask(r1, vhia, _CMP_LE_OQ), _mm512_cmp_pd_mask(r0, vhia, _CMP_LE_OQ)));
        /* NaN compares false: an unknown attitude never meets a threshold */
        att = KMASK16_(_mm512_cmp_pd_mask(s1, zero, _CMP_GE_OQ) | _mm512_cmp_pd_mask(n1, zero, _CMP_GE_OQ),
                       _mm512_cmp_pd_mask(s0, zero, _CMP_GE_OQ) | _mm512_cmp_pd_mask(n0, zero, _CMP_GE_OQ));
        r = _mm512_mask_mov_epi32(r_none, att, r_below);
        s = s_cli;
        if (proxy) {
            const __m512i fs = _mm512_loadu_si512((const void *)(in->f_score + i));
            m = a & _mm512_cmpge_epu32_mask(occ, vpmin) & _mm512_cmpge_epi32_mask(fs, vfmin);
            r = _mm512_mask_mov_epi32(r, m, r_proxy);
            s = _mm512_mask_mov_epi32(s, m, s_sup);
        }
        m = KMASK16_(_mm512_cmp_pd_mask(n1, vpass, _CMP_GE_OQ), _mm512_cmp_pd_mask(n0, vpass, _CMP_GE_OQ));
        r = _mm512_mask_mov_epi32(r, m, r_nps);
        s = _mm512_mask_mov_epi32(s, m, s_sup);
        m = KMASK16_(_mm512_cmp_pd_mask(s1, vthr, _CMP_GE_OQ), _mm512_cmp_pd_mask(s0, vthr, _CMP_GE_OQ));
        r = _mm512_mask_mov_epi32(r, m, r_sat);
        s = _mm512_mask_mov_epi32(s, m, s_sup);
        if (promoter) {
            m = KMASK16_(_mm512_cmp_pd_mask(n1, vprom, _CMP_GE_OQ), _mm512_cmp_pd_mask(n0, vprom, _CMP_GE_OQ));
            r = _mm512_mask_mov_epi32(r, m, r_prom);
            s = _mm512_mask_mov_epi32(s, m, s_adv);
        }
        m = _mm512_cmpge_epu32_mask(ref, vminref);
        r = _mm512_mask_mov_epi32(r, m, r_ref);
        s = _mm512_mask_mov_epi32(s, m, s_adv);
        m = _mm512_cmpeq_epi32_mask(bond, ibond) &
            KMASK16_(_mm512_cmp_pd_mask(t1, vmint, _CMP_GE_OQ), _mm512_cmp_pd_mask(t0, vmint, _CMP_GE_OQ));
        r = _mm512_mask_mov_epi32(r, m, r_bond);
        s = _mm512_mask_mov_epi32(s, m, s_par);
        r = _mm512_mask_mov_epi32(r, c1, r_one);
        s = _mm512_mask_mov_epi32(s, c1, s_cus);
        r = _mm512_mask_mov_epi32(r, (__mmask16)~has, r_nop);
        s = _mm512_mask_mov_epi32(s, (__mmask16)~has, s_pro);
        _mm512_storeu_si512((void *)(stage + i), s);
        if (decided_by)
            _mm512_storeu_si512((void *)(decided_by + i), r);
        if (active)
            _mm512_storeu_si512((void *)(active + i), _mm512_maskz_mov_epi32(a, ione));
        if (has_referred)
            _mm512_storeu_si512((void *)(has_referred + i),
                                _mm512_maskz_mov_epi32(_mm512_cmpneq_epu32_mask(tot, izero), ione));
    }
    return i;
}
#endif

int cva__ladder_has_avx512(void)
{
#ifdef LADDER_HAVE_AVX512_
    return cva__cpu_avx512();
#else
    return 0;
#endif
}

cva_status cva_ladder_classify(const cva_ladder_input *in, const cva_ladder_opts *opts, int32_t *stage,
                               int32_t *decided_by, int32_t *has_referred, int32_t *active, cva_diag *diag)
{
    return cva__ladder_classify_k(in, opts, stage, decided_by, has_referred, active, 0, diag);
}

cva_status cva__ladder_classify_k(const cva_ladder_input *in, const cva_ladder_opts *opts, int32_t *stage,
                                  int32_t *decided_by, int32_t *has_referred, int32_t *active, int32_t kernel,
                                  cva_diag *diag)
{
    cva_ladder_opts o;
    cva_status st;
    size_t i0, i, n, start = 0;
    double nanb[CHUNK], zero_d[CHUNK], fl[CHUNK];
    uint32_t zero_u[CHUNK];
    int32_t m1[CHUNK], zero_i[CHUNK], actb[CHUNK], rule[CHUNK], flag[CHUNK], stgb[CHUNK];

    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_ladder_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_ladder_input size");
    if (in->reserved != 0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "in->reserved must be 0");
    st = get_opts(opts, &o, 2, diag);
    if (st != CVA_OK)
        return st;
    n = in->n;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customers");
    if (!in->n_occ || !in->tenure)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->n_occ or in->tenure is NULL");
    if (!in->active && !in->recency)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0,
                           "in->recency is NULL and no activity flag is given (the hiatus rule needs it)");
    if ((o.flags & CVA_LADDER_F_BEHAVIOURAL_PROXY) && !in->f_score)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->f_score is NULL with the behavioural proxy");
    if (!stage)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "stage is NULL");

#ifdef LADDER_HAVE_AVX512_
    /* whole groups of 16 by the AVX-512 kernel; the rest (and a group with a bad row) below */
    if (kernel == 0 && cva__cpu_avx512()) {
        start = classify_avx512(in, &o, stage, decided_by, has_referred, active);
        if (start == n)
            return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    }
#else
    (void)kernel;
#endif
    for (i = 0; i < CHUNK; i++) {
        nanb[i] = CVA_NAN;
        zero_d[i] = 0.0;
        zero_u[i] = 0;
        zero_i[i] = 0;
        m1[i] = -1;
    }

    /* One pass in chunks: validate the chunk (a branch-free test; the per-row check
       only to name the first bad row), then classify it while it is in cache. A bad
       row sets every output element to 0 (no rung) before the error is returned, so
       an output is never left half-written. The classification: the double tests
       into flags computed as sums of powers of two in double arithmetic (SSE2 has no
       double-compare-to-int32 vector path in GCC 12, the double sum and one
       conversion do vectorise), then the rules from the last to the first with
       selects on the rule code and the rung in parallel (integer loop), so the first
       match wins; absent optional arrays read constant buffers. */
    {
        const int32_t proxy = (o.flags & CVA_LADDER_F_BEHAVIOURAL_PROXY) != 0;
        const int32_t promoter = (o.flags & CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE) != 0;
        const uint32_t min_ref = o.min_referrals, pmin = o.proxy_min_occ;
        const int32_t fmin = o.proxy_min_f_score;
        const double thr = o.sat_threshold, passive = o.nps_passive, prom = o.nps_promoter;
        const double min_ten = o.partner_min_tenure, hiatus = o.hiatus;
        const int32_t ext_active = (int32_t)(in->active != NULL);
        for (i0 = start; i0 < n; i0 += CHUNK) {
            const size_t len = n - i0 < CHUNK ? n - i0 : CHUNK;
            const uint32_t *occ = in->n_occ + i0;
            const double *ten = in->tenure + i0;
            const double *rec = in->recency ? in->recency + i0 : zero_d;
            const double *nps = in->nps ? in->nps + i0 : nanb;
            const double *sat = in->sat ? in->sat + i0 : nanb;
            const int32_t *bond = in->bond ? in->bond + i0 : m1;
            const int32_t *act = in->active ? in->active + i0 : zero_i;
            const uint32_t *ref = in->referrals ? in->referrals + i0 : zero_u;
            const uint32_t *vtot = in->referrals_total && in->referrals ? in->referrals_total + i0 : ref;
            const uint32_t *tot = in->referrals_total ? in->referrals_total + i0 : ref;
            const int32_t *fs = in->f_score ? in->f_score + i0 : zero_i;
            int32_t bad = 0;
            size_t j;

            /* validate the chunk */
            for (j = 0; j < len; j++) {
                const double t = ten[j], r = rec[j];
                /* a buyer needs 0 <= recency <= tenure < inf; prospects' tenure/recency are not read */
                const int32_t has = (int32_t)(occ[j] > 0);
                const int32_t tbad = (int32_t)!(t >= 0.0) | (int32_t)!(t < CVA_INF) | (int32_t)!(r >= 0.0) |
                                     (int32_t)!(r <= t);
                bad |= (int32_t)(nps[j] < 0.0) | (int32_t)(nps[j] > 10.0) | (int32_t)(sat[j] < 0.0) |
                       (int32_t)(sat[j] > 1.0) | (has & tbad);
            }
            for (j = 0; j < len; j++)
                bad |= (int32_t)((uint32_t)bond[j] + 1u > 5u) | (int32_t)((uint32_t)act[j] > 1u) |
                       (int32_t)(ref[j] > vtot[j]);
            if (bad) {
                for (i = i0; i < i0 + len; i++) {
                    st = check_row(in, i, diag);
                    if (st != CVA_OK) {
                        /* no half-written output: every element back to 0 (no rung) */
                        memset(stage, 0, n * sizeof *stage);
                        if (decided_by)
                            memset(decided_by, 0, n * sizeof *decided_by);
                        if (has_referred)
                            memset(has_referred, 0, n * sizeof *has_referred);
                        if (active)
                            memset(active, 0, n * sizeof *active);
                        return st;
                    }
                }
            }

            /* classify it; NaN compares false: an unknown attitude never meets a threshold */
            for (j = 0; j < len; j++) {
                const double vn = nps[j], vs = sat[j];
                fl[j] = (vs >= 0.0 ? 1.0 : 0.0) + (vn >= passive ? 2.0 : 0.0) + (vs >= thr ? 4.0 : 0.0) +
                        (vn >= prom ? 8.0 : 0.0) + (ten[j] >= min_ten ? 16.0 : 0.0) +
                        (rec[j] <= hiatus ? 32.0 : 0.0) + (vn >= 0.0 ? 64.0 : 0.0);
            }
            for (j = 0; j < len; j++)
                flag[j] = (int32_t)fl[j];
            for (j = 0; j < len; j++) {
                const int32_t f = flag[j], c0 = (int32_t)(occ[j] == 0), c1 = (int32_t)(occ[j] == 1);
                const int32_t known = (int32_t)((f & 65) != 0);
                /* activity: the caller's flag or the hiatus rule, never for a non-buyer */
                const int32_t a = ((act[j] & ext_active) | ((f >> 5) & 1 & (1 - ext_active))) & (1 - c0);
                int32_t r = CVA_LADDER_RULE_NO_ATTITUDE - known; /* 9 = attitude_below when known */
                int32_t s = CVA_LADDER_CLIENT, cnd;
                cnd = proxy & (int32_t)(occ[j] >= pmin) & (int32_t)(fs[j] >= fmin) & a;
                r = SEL_(cnd, CVA_LADDER_RULE_BEHAVIOURAL_PROXY, r);
                s = SEL_(cnd, CVA_LADDER_SUPPORTER, s);
                cnd = (f >> 1) & 1;
                r = SEL_(cnd, CVA_LADDER_RULE_NPS_PASSIVE, r);
                s = SEL_(cnd, CVA_LADDER_SUPPORTER, s);
                cnd = (f >> 2) & 1;
                r = SEL_(cnd, CVA_LADDER_RULE_SATISFACTION, r);
                s = SEL_(cnd, CVA_LADDER_SUPPORTER, s);
                cnd = promoter & (f >> 3) & 1;
                r = SEL_(cnd, CVA_LADDER_RULE_NPS_PROMOTER, r);
                s = SEL_(cnd, CVA_LADDER_ADVOCATE, s);
                cnd = (int32_t)(ref[j] >= min_ref);
                r = SEL_(cnd, CVA_LADDER_RULE_REFERRALS, r);
                s = SEL_(cnd, CVA_LADDER_ADVOCATE, s);
                cnd = (int32_t)(bond[j] == CVA_LADDER_BOND_STRUCTURAL) & (f >> 4) & 1;
                r = SEL_(cnd, CVA_LADDER_RULE_STRUCTURAL_BOND, r);
                s = SEL_(cnd, CVA_LADDER_PARTNER, s);
                r = SEL_(c1, CVA_LADDER_RULE_ONE_OCCASION, r);
                s = SEL_(c1, CVA_LADDER_CUSTOMER, s);
                r = SEL_(c0, CVA_LADDER_RULE_NO_PURCHASE, r);
                s = SEL_(c0, CVA_LADDER_PROSPECT, s);
                rule[j] = r;
                stgb[j] = s;
                actb[j] = a;
            }
            /* the selects write to local buffers (no aliasing with the inputs, so the
               loop vectorises without run-time alias checks), copied out here */
            memcpy(stage + i0, stgb, len * sizeof *stgb);
            if (decided_by)
                memcpy(decided_by + i0, rule, len * sizeof *rule);
            if (active)
                memcpy(active + i0, actb, len * sizeof *actb);
            if (has_referred)
                for (j = 0; j < len; j++)
                    has_referred[i0 + j] = (int32_t)(tot[j] > 0);
        }
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_ladder_counts(const int32_t *stage, const int32_t *decided_by, const int32_t *bond, size_t n,
                             uint64_t *rung_counts, uint64_t *rule_counts, uint64_t *bond_counts, cva_diag *diag)
{
    size_t i;
    if (n > 0 && !stage)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "stage is NULL");
    if (n > 0 && rule_counts && !decided_by)
        return cva__report(diag, CVA_E_NULLPTR, 2, 0, -1, 0, "decided_by is NULL but rule_counts is wanted");
    for (i = 0; i < n; i++) {
        if (stage[i] < CVA_LADDER_PROSPECT || stage[i] > CVA_LADDER_PARTNER)
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)i, 0, "stage outside PROSPECT ... PARTNER");
        if (decided_by && rule_counts && (decided_by[i] < 1 || decided_by[i] > CVA_LADDER_N_RULES))
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)i, 0, "unknown rule code");
        if (bond && bond_counts && (bond[i] < -1 || bond[i] > 4))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "bond outside -1 ... 4");
    }
    if (rung_counts)
        memset(rung_counts, 0, CVA_LADDER_N_RUNGS * sizeof *rung_counts);
    if (rule_counts)
        memset(rule_counts, 0, (CVA_LADDER_N_RULES + 1) * sizeof *rule_counts);
    if (bond_counts)
        memset(bond_counts, 0, CVA_LADDER_N_RUNGS * 6 * sizeof *bond_counts);
    for (i = 0; i < n; i++) {
        size_t r = (size_t)(stage[i] - CVA_LADDER_PROSPECT);
        if (rung_counts)
            rung_counts[r]++;
        if (rule_counts)
            rule_counts[decided_by[i]]++;
        if (bond_counts)
            bond_counts[r * 6 + (size_t)((bond ? bond[i] : -1) + 1)]++;
    }
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customers");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Migration                                                                 */

#define LAPSED_IDX 6

cva_status cva_ladder_migrate(const cva_ladder_migration_input *in, const cva_ladder_opts *opts,
                              cva_ladder_migration *out, cva_diag *diag)
{
    cva_ladder_opts o;
    cva_status st;
    cva_ladder_migration r;
    size_t i, n, a, b;
    int64_t net = 0;
    uint64_t rung_total = 0, up = 0, stay = 0, down = 0, lapse = 0;

    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_ladder_migration_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_ladder_migration_input size");
    if (in->reserved != 0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "in->reserved must be 0");
    st = get_opts(opts, &o, 2, diag);
    if (st != CVA_OK)
        return st;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "out is NULL");
    if (out->struct_size != sizeof(cva_ladder_migration))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 3, 0, -1, 0, "unknown cva_ladder_migration size");
    n = in->n;
    if (n > 0 && (!in->stage_from || !in->stage_to))
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->stage_from or in->stage_to is NULL");

    for (i = 0; i < n; i++) {
        const int64_t idx = (int64_t)i;
        if (in->stage_from[i] < CVA_LADDER_PROSPECT || in->stage_from[i] > CVA_LADDER_PARTNER)
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "stage_from outside PROSPECT ... PARTNER");
        if (in->stage_to[i] < CVA_LADDER_PROSPECT || in->stage_to[i] > CVA_LADDER_PARTNER)
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "stage_to outside PROSPECT ... PARTNER");
        if (in->stage_from[i] != CVA_LADDER_PROSPECT && in->stage_to[i] == CVA_LADDER_PROSPECT)
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0,
                               "a customer with a purchase at the first date is a PROSPECT at the second");
        if (in->active_from && in->active_from[i] != 0 && in->active_from[i] != 1)
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "active_from must be 0 or 1");
        if (in->active_to && in->active_to[i] != 0 && in->active_to[i] != 1)
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0, "active_to must be 0 or 1");
        if (in->n_occ_from && in->n_occ_to && in->n_occ_to[i] < in->n_occ_from[i])
            return cva__report(diag, CVA_E_BADARG, 1, 0, idx, 0,
                               "n_occ decreases between the two dates (occasion counts are cumulative)");
    }

    memset(&r, 0, sizeof r);
    r.struct_size = (uint32_t)sizeof r;
    r.n_states = o.lapsed_state ? 7u : 6u;
    r.n = n;
    for (i = 0; i < n; i++) {
        int32_t sf = in->stage_from[i] - CVA_LADDER_PROSPECT;
        int32_t sc = in->stage_to[i] - CVA_LADDER_PROSPECT;
        int lf = o.lapsed_state && sf != 0 && in->active_from && !in->active_from[i];
        int lc = o.lapsed_state && sc != 0 && in->active_to && !in->active_to[i];
        size_t from = lf ? LAPSED_IDX : (size_t)sf, to = lc ? LAPSED_IDX : (size_t)sc;
        r.counts[from][to]++;
        if (!lf && !lc) {
            net += sc - sf;
            r.n_net++;
        }
    }
    for (a = 0; a < 7; a++) {
        uint64_t row = 0;
        double inv;
        for (b = 0; b < 7; b++)
            row += r.counts[a][b];
        inv = row ? 1.0 / (double)row : CVA_NAN;
        for (b = 0; b < 7; b++)
            r.transition[a][b] = row ? (double)r.counts[a][b] * inv : CVA_NAN;
        /* rates from the counts (exact ratios, no accumulated rounding) */
        if (a < LAPSED_IDX) {
            uint64_t u = 0, d = 0;
            for (b = a + 1; b < LAPSED_IDX; b++)
                u += r.counts[a][b];
            for (b = 0; b < a; b++)
                d += r.counts[a][b];
            r.up_rate[a] = row ? (double)u / (double)row : CVA_NAN;
            r.down_rate[a] = row ? (double)d / (double)row : CVA_NAN;
            r.stay_rate[a] = r.transition[a][a];
            r.lapse_rate[a] = r.transition[a][LAPSED_IDX];
            rung_total += row;
            up += u;
            down += d;
            stay += r.counts[a][a];
            lapse += r.counts[a][LAPSED_IDX];
        } else {
            uint64_t re = 0;
            for (b = 0; b < LAPSED_IDX; b++)
                re += r.counts[a][b];
            r.up_rate[a] = r.down_rate[a] = r.lapse_rate[a] = CVA_NAN;
            r.stay_rate[a] = r.transition[a][a];
            r.reactivation_rate = row ? (double)re / (double)row : CVA_NAN;
        }
    }
    r.overall_up = rung_total ? (double)up / (double)rung_total : CVA_NAN;
    r.overall_stay = rung_total ? (double)stay / (double)rung_total : CVA_NAN;
    r.overall_down = rung_total ? (double)down / (double)rung_total : CVA_NAN;
    r.overall_lapse = rung_total ? (double)lapse / (double)rung_total : CVA_NAN;
    r.net_movement = r.n_net ? (double)net / (double)r.n_net : CVA_NAN;
    *out = r;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customers");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Markov projection                                                         */

#define PROJECT_MAX_STATES 64

cva_status cva_ladder_project(const double *transition, size_t n_states, const double *pi0, uint32_t steps,
                              const double *value, double discount, double *trajectory, double *total_value,
                              cva_diag *diag)
{
    double cur[PROJECT_MAX_STATES], nxt[PROJECT_MAX_STATES];
    unsigned char empty[PROJECT_MAX_STATES], reached[PROJECT_MAX_STATES];
    size_t i, j, S = n_states, n_reached = 0;
    int64_t first_reached = -1;
    uint32_t k;
    double total = 0.0, disc = 1.0;

    if (!transition || !pi0)
        return cva__report(diag, CVA_E_NULLPTR, transition ? 3 : 1, 0, -1, 0, "transition or pi0 is NULL");
    if (S < 1 || S > PROJECT_MAX_STATES)
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "n_states must be 1 ... 64");
    if (!isfinite(discount) || !(discount > -1.0))
        return cva__report(diag, CVA_E_OPTION, 6, 0, -1, 0, "discount must be finite and > -1");
    for (i = 0; i < S; i++) {
        const double *row = transition + i * S;
        size_t n_nan = 0;
        double sum = 0.0;
        for (j = 0; j < S; j++) {
            if (isnan(row[j]))
                n_nan++;
            else if (!isfinite(row[j]) || row[j] < 0.0)
                return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)(i * S + j), 0,
                                   "a transition probability is negative or infinite");
            else
                sum += row[j];
        }
        if (n_nan != 0 && n_nan != S)
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)(i * S), 0,
                               "a transition row is partly NaN (rows are stochastic or all NaN)");
        if (n_nan == 0 && !(fabs(sum - 1.0) <= 1e-9))
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)(i * S), 0, "a transition row does not sum to 1");
        empty[i] = n_nan == S;
        reached[i] = 0;
        if (!isfinite(pi0[i]) || pi0[i] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "pi0 must be finite and >= 0");
        if (value && !isfinite(value[i]))
            return cva__report(diag, CVA_E_BADARG, 5, 0, (int64_t)i, 0, "value must be finite");
    }

    {
        /* Nothing may overflow: bound the mass (its initial sum times the largest row sum to
           the k-th power) and, with values, the discounted total before anything is written,
           so that a result beyond the double range is refused instead of returned as Inf/NaN. */
        double mass = 0.0, g = 1.0, vmax = 0.0, bound = 0.0, d = 1.0, m;
        for (i = 0; i < S; i++) {
            mass += pi0[i];
            if (value && fabs(value[i]) > vmax)
                vmax = fabs(value[i]);
            if (!empty[i]) {
                double sum = 0.0;
                for (j = 0; j < S; j++)
                    sum += transition[i * S + j];
                if (sum > g)
                    g = sum;
            }
        }
        m = mass;
        for (k = 0;; k++) {
            if (!(m <= DBL_MAX / 4))
                return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0,
                                   "the projected mass would exceed the double range (pi0 too large)");
            if (vmax > 0.0 && m > 0.0) {
                bound += d * m * vmax;
                if (!(bound <= DBL_MAX / 4))
                    return cva__report(diag, CVA_E_OVERFLOW, 5, 0, -1, 0,
                                       "the discounted value would exceed the double range");
                d /= 1.0 + discount;
            }
            if (k == steps)
                break;
            m *= g;
        }
    }
    for (i = 0; i < S; i++)
        cur[i] = pi0[i];
    for (k = 0;; k++) {
        for (i = 0; i < S; i++)
            if (empty[i] && cur[i] > 0.0 && !reached[i]) {
                reached[i] = 1;
                n_reached++;
                if (first_reached < 0 || (int64_t)i < first_reached)
                    first_reached = (int64_t)i;
            }
        if (trajectory)
            memcpy(trajectory + (size_t)k * S, cur, S * sizeof *cur);
        if (value) {
            double v = 0.0;
            for (i = 0; i < S; i++)
                v += cur[i] * value[i];
            total += disc * v;
            disc /= 1.0 + discount;
        }
        if (k == steps)
            break;
        /* nxt = cur P, summed over origins in index order */
        for (j = 0; j < S; j++)
            nxt[j] = 0.0;
        for (i = 0; i < S; i++) {
            const double *row = transition + i * S;
            if (empty[i]) {
                nxt[i] += cur[i];
                continue;
            }
            for (j = 0; j < S; j++)
                nxt[j] += cur[i] * row[j];
        }
        memcpy(cur, nxt, S * sizeof *cur);
    }
    if (total_value)
        *total_value = value ? total : CVA_NAN;
    if (n_reached)
        return cva__report(diag, CVA_W_EXCLUDED, 1, 0, first_reached, n_reached,
                           "mass reached a state without observed transitions (all-NaN row), taken as absorbing");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
