/*
 * Loyalty ladder (docs/methods/ladder.md#methods_ladder): rule by rule, the docs/methods/ladder.md#methods_ladder_edge edge cases, referral
 * windows against the transaction summary, migration matrices by brute force,
 * projection against repeated matrix multiplication.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "cva_test.h"

#include "cva/ladder.h"
#include "../lib/ladder_internal.h"

#define NaN ((double)NAN)

/* One customer row of the classification tables. */
typedef struct crow {
    uint32_t n_occ;
    double tenure, recency;
    uint32_t ref, ref_total;
    double nps, sat;
    int32_t bond, f_score;
    int32_t exp_stage, exp_rule, exp_active;
} crow;

static cva_ladder_input mk_input(const crow *r, size_t n, uint32_t *occ, double *ten, double *rec, uint32_t *ref,
                                 uint32_t *tot, double *nps, double *sat, int32_t *bond, int32_t *f)
{
    cva_ladder_input in;
    size_t i;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n;
    for (i = 0; i < n; i++) {
        occ[i] = r[i].n_occ;
        ten[i] = r[i].tenure;
        rec[i] = r[i].recency;
        ref[i] = r[i].ref;
        tot[i] = r[i].ref_total;
        nps[i] = r[i].nps;
        sat[i] = r[i].sat;
        bond[i] = r[i].bond;
        f[i] = r[i].f_score;
    }
    in.n_occ = occ;
    in.tenure = ten;
    in.recency = rec;
    in.referrals = ref;
    in.referrals_total = tot;
    in.nps = nps;
    in.sat = sat;
    in.bond = bond;
    in.f_score = f;
    return in;
}

static void run_table(const crow *r, size_t n, const cva_ladder_opts *o)
{
    uint32_t occ[32], ref[32], tot[32];
    double ten[32], rec[32], nps[32], sat[32];
    int32_t bond[32], f[32], stage[32], rule[32], hr[32], act[32];
    size_t i;
    cva_ladder_input in;
    assert_true(n <= 32);
    in = mk_input(r, n, occ, ten, rec, ref, tot, nps, sat, bond, f);
    assert_status(cva_ladder_classify(&in, o, stage, rule, hr, act, NULL), CVA_OK);
    for (i = 0; i < n; i++) {
        if (stage[i] != r[i].exp_stage || rule[i] != r[i].exp_rule || act[i] != r[i].exp_active) {
            print_error("row %zu: stage %d rule %s active %d, expected %d %s %d\n", i, stage[i],
                        cva_ladder_rule_name(rule[i]), act[i], r[i].exp_stage, cva_ladder_rule_name(r[i].exp_rule),
                        r[i].exp_active);
            fail();
        }
        assert_int_equal(hr[i], r[i].ref_total > 0);
        assert_int_equal(cva_ladder_rule_rung(rule[i]), stage[i]);
    }
}

enum { P = CVA_LADDER_PROSPECT, C = CVA_LADDER_CUSTOMER, CL = CVA_LADDER_CLIENT, S = CVA_LADDER_SUPPORTER,
       A = CVA_LADDER_ADVOCATE, PA = CVA_LADDER_PARTNER };

/* Each row isolates one rule with the defaults; the comment says what it shows. */
static void test_rules_defaults(void **state)
{
    static const crow R[] = {
        /* occ tenure rec ref tot nps sat bond f  -> stage rule active */
        {0, NaN, NaN, 0, 0, 10, 1, 4, 5, P, CVA_LADDER_RULE_NO_PURCHASE, 0},     /* a lead: nothing else matters */
        {0, NaN, NaN, 0, 3, NaN, NaN, -1, 0, P, CVA_LADDER_RULE_NO_PURCHASE, 0}, /* a referrer without purchase */
        {1, 0, 0, 5, 5, 10, 1, 4, 5, C, CVA_LADDER_RULE_ONE_OCCASION, 1},        /* one-time buyer who referred */
        {2, 400, 10, 0, 0, NaN, NaN, 4, 1, PA, CVA_LADDER_RULE_STRUCTURAL_BOND, 1},
        {2, 365, 10, 0, 0, NaN, NaN, 4, 1, PA, CVA_LADDER_RULE_STRUCTURAL_BOND, 1}, /* tenure == min */
        {2, 364.5, 10, 0, 0, NaN, NaN, 4, 1, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1},  /* bond 4 too young */
        {2, 364.5, 10, 1, 1, NaN, NaN, 4, 1, A, CVA_LADDER_RULE_REFERRALS, 1},     /* ... falls to ADVOCATE */
        {3, 500, 300, 2, 4, 0, 0, 3, 1, A, CVA_LADDER_RULE_REFERRALS, 0},         /* inactive keeps its rung */
        {3, 500, 30, 0, 4, 10, NaN, -1, 1, S, CVA_LADDER_RULE_NPS_PASSIVE, 1},     /* old referrals only; promoter
                                                                                    is not advocate by default */
        {3, 500, 30, 0, 0, NaN, 0.8, -1, 1, S, CVA_LADDER_RULE_SATISFACTION, 1},   /* sat == threshold */
        {3, 500, 30, 0, 0, 7, 0.79, -1, 1, S, CVA_LADDER_RULE_NPS_PASSIVE, 1},     /* nps == 7 */
        {3, 500, 30, 0, 0, 6.99, 0.79, -1, 5, CL, CVA_LADDER_RULE_ATTITUDE_BELOW, 1},
        {3, 500, 30, 0, 0, NaN, 0.2, 2, 5, CL, CVA_LADDER_RULE_ATTITUDE_BELOW, 1},
        {9, 500, 30, 0, 0, NaN, NaN, 3, 5, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1},    /* proxy off by default */
        {2, 500, 270, 0, 0, NaN, NaN, -1, 1, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1},  /* hiatus: 270 is active */
        {2, 500, 270.25, 0, 0, NaN, NaN, -1, 1, CL, CVA_LADDER_RULE_NO_ATTITUDE, 0},
    };
    (void)state;
    run_table(R, sizeof R / sizeof R[0], NULL);
}

static void test_rules_options(void **state)
{
    static const crow R[] = {
        {3, 500, 30, 0, 0, 9, NaN, -1, 1, A, CVA_LADDER_RULE_NPS_PROMOTER, 1},
        {3, 500, 30, 0, 0, 8.5, NaN, -1, 1, S, CVA_LADDER_RULE_NPS_PASSIVE, 1},
        {3, 500, 30, 1, 1, 2, NaN, -1, 1, CL, CVA_LADDER_RULE_ATTITUDE_BELOW, 1}, /* min_referrals 2 */
        {3, 500, 30, 2, 2, NaN, NaN, -1, 1, A, CVA_LADDER_RULE_REFERRALS, 1},
        {4, 500, 30, 0, 0, NaN, NaN, -1, 4, S, CVA_LADDER_RULE_BEHAVIOURAL_PROXY, 1},
        {4, 500, 30, 0, 0, NaN, NaN, -1, 3, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1},  /* F score too low */
        {3, 500, 30, 0, 0, NaN, NaN, -1, 5, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1},  /* too few occasions */
        {4, 500, 99, 0, 0, NaN, NaN, -1, 5, CL, CVA_LADDER_RULE_NO_ATTITUDE, 0},  /* inactive: no proxy */
        {4, 500, 30, 0, 0, 3, 0.9, -1, 5, S, CVA_LADDER_RULE_SATISFACTION, 1},   /* attitude before proxy */
        {2, 100, 30, 0, 0, NaN, NaN, 4, 1, PA, CVA_LADDER_RULE_STRUCTURAL_BOND, 1}, /* min tenure 100 */
    };
    cva_ladder_opts o;
    (void)state;
    assert_status(cva_ladder_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.flags = CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE | CVA_LADDER_F_BEHAVIOURAL_PROXY;
    o.min_referrals = 2;
    o.hiatus = 90;
    o.sat_threshold = 0.85;
    o.partner_min_tenure = 100;
    run_table(R, sizeof R / sizeof R[0], &o);
}

static void test_defaults_and_names(void **state)
{
    cva_ladder_opts o;
    static const char *const rungs[] = {"PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE", "PARTNER",
                                        "LAPSED"};
    static const int32_t bonds[] = {0, 1, 2, 3, 3, 4};
    int32_t i;
    (void)state;
    assert_status(cva_ladder_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.min_referrals, 1);
    assert_int_equal(o.lapsed_state, 1);
    cva_assert_same(o.lookback, 365.0);
    cva_assert_same(o.partner_min_tenure, 365.0);
    cva_assert_same(o.sat_threshold, 0.8);
    cva_assert_same(o.nps_passive, 7.0);
    cva_assert_same(o.nps_promoter, 9.0);
    cva_assert_same(o.hiatus, 270.0);
    assert_status(cva_ladder_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
    assert_status(cva_ladder_opts_init_defaults(&o, sizeof o - 8), CVA_E_ABI_MISMATCH);
    assert_int_equal(cva_sizeof(CVA_STRUCT_LADDER_OPTS), sizeof(cva_ladder_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_LADDER_INPUT), sizeof(cva_ladder_input));
    assert_int_equal(cva_sizeof(CVA_STRUCT_LADDER_MIGRATION_INPUT), sizeof(cva_ladder_migration_input));
    assert_int_equal(cva_sizeof(CVA_STRUCT_LADDER_MIGRATION), sizeof(cva_ladder_migration));
    for (i = 0; i < 7; i++)
        assert_string_equal(cva_ladder_state_name(CVA_LADDER_PROSPECT + i), rungs[i]);
    assert_string_equal(cva_ladder_state_name(199), "");
    assert_string_equal(cva_ladder_state_name(207), "");
    for (i = 0; i < 6; i++)
        assert_int_equal(cva_ladder_suggested_bond(CVA_LADDER_PROSPECT + i), bonds[i]);
    assert_int_equal(cva_ladder_suggested_bond(CVA_LADDER_LAPSED), -1);
    assert_string_equal(cva_ladder_bond_name(-1), "unknown");
    assert_string_equal(cva_ladder_bond_name(0), "none");
    assert_string_equal(cva_ladder_bond_name(1), "financial");
    assert_string_equal(cva_ladder_bond_name(2), "social");
    assert_string_equal(cva_ladder_bond_name(3), "customisation");
    assert_string_equal(cva_ladder_bond_name(4), "structural");
    assert_string_equal(cva_ladder_bond_name(5), "");
    assert_string_equal(cva_ladder_rule_name(CVA_LADDER_RULE_REFERRALS), "referrals");
    assert_string_equal(cva_ladder_rule_name(CVA_LADDER_RULE_NO_ATTITUDE), "no_attitude");
    assert_string_equal(cva_ladder_rule_name(0), "");
    assert_string_equal(cva_ladder_rule_name(CVA_LADDER_N_RULES + 1), "");
    assert_int_equal(cva_ladder_rule_rung(0), 0);
    for (i = 1; i <= CVA_LADDER_N_RULES; i++)
        assert_true(cva_ladder_rule_name(i)[0] != '\0');
}

/* docs/methods/ladder.md#methods_ladder_edge: bad attitudes and inconsistent rows are refused; every output element is
   then 0 (no rung), never half-written. */
static void test_bad_input(void **state)
{
    static const crow GOOD = {3, 500, 30, 0, 0, NaN, NaN, -1, 1, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1};
    crow r[3];
    uint32_t occ[3], ref[3], tot[3];
    double ten[3], rec[3], nps[3], sat[3];
    int32_t bond[3], f[3], stage[3], act[3];
    cva_ladder_input in;
    cva_diag d;
    int k;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (k = 0; k < 11; k++) {
        r[0] = r[1] = r[2] = GOOD;
        switch (k) {
        case 0: r[2].nps = 10.5; break;
        case 1: r[2].nps = -1; break;
        case 2: r[2].sat = 1.25; break;
        case 3: r[2].sat = (double)INFINITY; break;
        case 4: r[2].bond = 5; break;
        case 5: r[2].bond = -2; break;
        case 6: r[2].tenure = NaN; break;
        case 7: r[2].tenure = -1; break;
        case 8: r[2].recency = 501; break;
        case 9: r[2].ref = 2; r[2].ref_total = 1; break;
        default: r[2].recency = -0.5; break;
        }
        in = mk_input(r, 3, occ, ten, rec, ref, tot, nps, sat, bond, f);
        stage[0] = stage[1] = stage[2] = -7;
        assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_E_BADARG);
        assert_int_equal(d.index, 2);
        assert_int_equal(stage[0], 0);
        assert_int_equal(stage[1], 0);
        assert_int_equal(stage[2], 0);
    }
    r[0] = r[1] = r[2] = GOOD;
    in = mk_input(r, 3, occ, ten, rec, ref, tot, nps, sat, bond, f);
    ten[1] = (double)INFINITY;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    ten[1] = 500;
    /* tenure of a prospect is not read */
    occ[1] = 0;
    ten[1] = NaN;
    rec[1] = -4;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_OK);
    assert_int_equal(stage[1], CVA_LADDER_PROSPECT);
    /* activity flag given: recency not needed; must be 0/1 */
    act[0] = 1;
    act[1] = 0;
    act[2] = 2;
    in.active = act;
    in.recency = NULL;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_E_BADARG);
    act[2] = 0;
    {
        int32_t out_act[3];
        assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, out_act, &d), CVA_OK);
        assert_int_equal(out_act[0], 1);
        assert_int_equal(out_act[1], 0); /* a prospect is never active */
        assert_int_equal(out_act[2], 0);
    }
    in.active = NULL;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
    in.recency = rec;
    rec[1] = 0;
    /* the proxy needs F scores */
    {
        cva_ladder_opts o;
        cva_ladder_opts_init_defaults(&o, sizeof o);
        o.flags = CVA_LADDER_F_BEHAVIOURAL_PROXY;
        in.f_score = NULL;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
        in.f_score = f;
        o.flags = 4;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_LADDER_FLAGS);
        o.flags = 0;
        o.min_referrals = 0;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_LADDER_MIN_REFERRALS);
        o.min_referrals = 1;
        o.sat_threshold = 1.5;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_LADDER_SAT_THRESHOLD);
        o.sat_threshold = 0.8;
        o.hiatus = 0;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_LADDER_HIATUS);
        o.hiatus = 270;
        o.nps_passive = NaN;
        assert_status(cva_ladder_classify(&in, &o, stage, NULL, NULL, NULL, &d), CVA_E_OPTION);
        assert_int_equal(d.option, CVA_OPT_LADDER_NPS_PASSIVE);
    }
    assert_status(cva_ladder_classify(NULL, NULL, stage, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_ladder_classify(&in, NULL, NULL, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
    in.struct_size = 8;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_E_ABI_MISMATCH);
    in.struct_size = sizeof in;
    in.n = 0;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, NULL, NULL, &d), CVA_W_EMPTY);
}

/* has_referred from the total; without a total array from the window count. */
/* A bad row far into the input (past the first chunks the classification has already
   written): every element of every output is 0 afterwards, and the good input gives the
   rungs of the brute-force table. */
static void test_bad_row_late(void **state)
{
    enum { NL = 5000, BAD = 4321 };
    static const crow GOOD = {3, 500, 30, 0, 0, NaN, NaN, -1, 1, CL, CVA_LADDER_RULE_NO_ATTITUDE, 1};
    static const crow ONE = {1, 20, 20, 0, 0, NaN, NaN, -1, 1, C, CVA_LADDER_RULE_ONE_OCCASION, 1};
    static crow r[NL];
    static uint32_t occ[NL], ref[NL], tot[NL];
    static double ten[NL], rec[NL], nps[NL], sat[NL];
    static int32_t bond[NL], f[NL], stage[NL], rule[NL], hr[NL], act[NL];
    cva_ladder_input in;
    cva_diag d;
    size_t i, k;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < NL; i++) {
        r[i] = i % 3 ? GOOD : ONE;
        r[i].ref_total = (uint32_t)(i % 2);
    }
    in = mk_input(r, NL, occ, ten, rec, ref, tot, nps, sat, bond, f);
    assert_status(cva_ladder_classify(&in, NULL, stage, rule, hr, act, &d), CVA_OK);
    for (i = 0; i < NL; i++) {
        assert_int_equal(stage[i], r[i].exp_stage);
        assert_int_equal(rule[i], r[i].exp_rule);
        assert_int_equal(hr[i], (int32_t)(i % 2));
        assert_int_equal(act[i], 1);
    }
    for (k = 0; k < 3; k++) {
        /* a bad attitude, an inconsistent recency, an infinite tenure */
        if (k == 0)
            nps[BAD] = 11.0;
        else if (k == 1)
            rec[BAD] = ten[BAD] + 1.0;
        else
            ten[BAD] = (double)INFINITY;
        assert_status(cva_ladder_classify(&in, NULL, stage, rule, hr, act, &d),
                      k == 2 ? CVA_E_NONFINITE : CVA_E_BADARG);
        assert_int_equal(d.index, BAD);
        for (i = 0; i < NL; i++) {
            assert_int_equal(stage[i], 0);
            assert_int_equal(rule[i], 0);
            assert_int_equal(hr[i], 0);
            assert_int_equal(act[i], 0);
        }
        nps[BAD] = r[BAD].nps;
        rec[BAD] = r[BAD].recency;
        ten[BAD] = r[BAD].tenure;
        assert_status(cva_ladder_classify(&in, NULL, stage, rule, hr, act, &d), CVA_OK);
        assert_int_equal(stage[0], CVA_LADDER_CUSTOMER);
        assert_int_equal(stage[BAD], r[BAD].exp_stage);
    }
}

/* The AVX-512 kernel (groups of 16) against the portable chunks alone, bit for bit:
   random rows around every threshold, every option, optional arrays absent, lengths
   that are not multiples of 16, and a bad row of each kind at a random place (the
   same status and row, every output element 0). The portable chunks are themselves
   checked against the rule tables above and the Python brute force. */
static uint64_t kr_state;
static uint64_t kr(void)
{
    uint64_t z = (kr_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void test_kernels_agree(void **state)
{
    enum { KN = 700 };
    static uint32_t occ[KN], ref[KN], tot[KN];
    static double ten[KN], rec[KN], nps[KN], sat[KN];
    static int32_t bond[KN], act[KN], fs[KN];
    static int32_t out[2][4][KN];
    static const double npsv[] = {0, 6, 7, 8, 9, 10}, satv[] = {0, 0.5, 0.79, 0.8, 0.81, 1};
    int round, errors = 0, vector_rounds = 0;
    (void)state;
    kr_state = 99;
    if (!cva__ladder_has_avx512())
        printf("kernels: no AVX-512 on this CPU or compiler: the portable path against itself\n");
    for (round = 0; round < 400; round++) {
        cva_ladder_input in;
        cva_ladder_opts o;
        const size_t n = 1 + (size_t)(kr() % KN);
        size_t i, k;
        cva_status st[2];
        cva_diag d[2];
        int q;
        cva_ladder_opts_init_defaults(&o, sizeof o);
        o.flags = (int32_t)(kr() % 4);
        o.min_referrals = (uint32_t)(1 + kr() % 3);
        o.proxy_min_occ = (uint32_t)(2 + kr() % 3);
        o.proxy_min_f_score = (int32_t)(1 + kr() % 5);
        o.sat_threshold = satv[kr() % 6];
        o.nps_passive = npsv[kr() % 6];
        o.nps_promoter = npsv[kr() % 6];
        o.partner_min_tenure = (double)(kr() % 3) * 200.0;
        o.hiatus = 1.0 + (double)(kr() % 400);
        for (i = 0; i < n; i++) {
            const uint64_t r = kr();
            occ[i] = r % 4 == 0 ? 0u : r % 4 == 1 ? 1u : (uint32_t)(2 + (r >> 8) % 6);
            ten[i] = occ[i] ? (double)((r >> 12) % 800) + ((r >> 40) % 2 ? 0.5 : 0.0) : (double)NAN;
            rec[i] = occ[i] ? floor(ten[i] * (double)((r >> 22) % 101) / 100.0) : (double)NAN;
            tot[i] = (uint32_t)((r >> 30) % 4);
            ref[i] = tot[i] ? (uint32_t)((r >> 33) % (tot[i] + 1)) : 0u;
            nps[i] = (r >> 36) % 3 == 0 ? (double)NAN : npsv[(r >> 38) % 6];
            sat[i] = (r >> 41) % 3 == 0 ? (double)NAN : satv[(r >> 43) % 6];
            bond[i] = (int32_t)((r >> 46) % 6) - 1;
            act[i] = (int32_t)((r >> 50) % 2);
            fs[i] = (int32_t)(1 + (r >> 52) % 5);
        }
        memset(&in, 0, sizeof in);
        in.struct_size = sizeof in;
        in.n = n;
        in.n_occ = occ;
        in.tenure = ten;
        in.recency = kr() % 5 ? rec : NULL;
        in.active = !in.recency || kr() % 3 == 0 ? act : NULL;
        in.referrals = kr() % 4 ? ref : NULL;
        in.referrals_total = in.referrals && kr() % 3 ? tot : NULL;
        in.nps = kr() % 4 ? nps : NULL;
        in.sat = kr() % 4 ? sat : NULL;
        in.bond = kr() % 4 ? bond : NULL;
        in.f_score = fs;
        if (kr() % 3 == 0) { /* one bad row */
            const size_t b = (size_t)(kr() % n);
            switch (kr() % 8) {
            case 0: nps[b] = 10.5; in.nps = nps; break;
            case 1: sat[b] = -0.25; in.sat = sat; break;
            case 2: bond[b] = 5; in.bond = bond; break;
            case 3: act[b] = 2; in.active = act; break;
            case 4: occ[b] = 3; ten[b] = 10; rec[b] = 11; in.recency = rec; break;
            case 5: occ[b] = 2; ten[b] = -1; break;
            case 6: occ[b] = 2; ten[b] = (double)INFINITY; break;
            default: ref[b] = 5; tot[b] = 4; in.referrals = ref; in.referrals_total = tot; break;
            }
        }
        for (q = 0; q < 2; q++) {
            for (k = 0; k < 4; k++)
                for (i = 0; i < n; i++)
                    out[q][k][i] = -7;
            cva_diag_init(&d[q], sizeof d[q]);
            st[q] = cva__ladder_classify_k(&in, &o, out[q][0], out[q][1], out[q][2], out[q][3], q, &d[q]);
        }
        assert_int_equal(st[0], st[1]);
        assert_int_equal(d[0].index, d[1].index);
        for (k = 0; k < 4; k++)
            for (i = 0; i < n; i++)
                if (out[0][k][i] != out[1][k][i]) {
                    print_error("round %d output %zu row %zu: kernel %d, portable %d\n", round, k, i,
                                out[0][k][i], out[1][k][i]);
                    fail();
                }
        for (i = 0; i < n; i++) {
            assert_true(out[0][0][i] >= (st[0] < 0 ? 0 : CVA_LADDER_PROSPECT));
            if (st[0] < 0)
                assert_int_equal(out[0][0][i], 0);
        }
        errors += st[0] < 0;
        vector_rounds += n >= 16;
    }
    printf("kernels: 400 random inputs, %d with a bad row, %d with a group of 16\n", errors, vector_rounds);
    assert_true(errors >= 80);
    assert_true(vector_rounds >= 300);
}

static void test_has_referred(void **state)
{
    uint32_t occ[3] = {1, 3, 3}, ref[3] = {0, 0, 1}, tot[3] = {2, 1, 1};
    double ten[3] = {0, 10, 10}, rec[3] = {0, 1, 1};
    int32_t stage[3], hr[3];
    cva_ladder_input in;
    (void)state;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = 3;
    in.n_occ = occ;
    in.tenure = ten;
    in.recency = rec;
    in.referrals = ref;
    in.referrals_total = tot;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, hr, NULL, NULL), CVA_OK);
    assert_int_equal(stage[0], CVA_LADDER_CUSTOMER);
    assert_int_equal(stage[1], CVA_LADDER_CLIENT);
    assert_int_equal(stage[2], CVA_LADDER_ADVOCATE);
    assert_int_equal(hr[0], 1);
    assert_int_equal(hr[1], 1);
    assert_int_equal(hr[2], 1);
    in.referrals_total = NULL;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, hr, NULL, NULL), CVA_OK);
    assert_int_equal(hr[0], 0);
    assert_int_equal(hr[1], 0);
    assert_int_equal(hr[2], 1);
    in.referrals = NULL;
    assert_status(cva_ladder_classify(&in, NULL, stage, NULL, hr, NULL, NULL), CVA_OK);
    assert_int_equal(stage[2], CVA_LADDER_CLIENT);
    assert_int_equal(hr[2], 0);
}

/* ------------------------------------------------------------------------ */
/* Referral windows                                                          */

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Window counts against the transaction summary run on (t0 − L, t0] (obs_start
   just above t0 − L), totals against a summary to t0: two independent paths. */
static void test_referrals_vs_summary(void **state)
{
    enum { N = 3000, NC = 120 };
    int64_t *id = malloc(N * sizeof *id), *rid = malloc(N * sizeof *rid);
    double *t = malloc(N * sizeof *t), *am = malloc(N * sizeof *am);
    int64_t *cid = malloc(2 * N * sizeof *cid), *wid = malloc(2 * N * sizeof *wid);
    uint32_t *rtot = malloc(2 * N * sizeof *rtot), *rwin = malloc(2 * N * sizeof *rwin);
    uint32_t *tot = malloc(2 * N * sizeof *tot), *win = malloc(2 * N * sizeof *win);
    uint64_t s = 42;
    size_t i, j, K, KW;
    double t0 = 700.0;
    cva_txn_input in;
    cva_txn_opts to;
    cva_txn_summary sm;
    cva_ladder_opts lo;
    int pol;
    (void)state;
    for (i = 0; i < N; i++) {
        id[i] = (int64_t)(lcg(&s) % NC) * 7 - 100;
        /* integer days, so rows fall exactly on t0 and t0 - L */
        t[i] = (double)(lcg(&s) % 1000);
        am[i] = (double)(lcg(&s) % 7) - 1.0; /* refunds and zero-value rows too */
        rid[i] = (lcg(&s) % 3 == 0) ? (int64_t)(lcg(&s) % (NC + 10)) * 7 - 100 : CVA_TXN_NO_REFERRER;
    }
    t[0] = t0; rid[0] = 7; am[0] = 5;
    t[1] = t0 - 365; rid[1] = 7; am[1] = 5;
    in.struct_size = sizeof in;
    in.reserved = 0;
    in.n = N;
    in.customer_id = id;
    in.t = t;
    in.amount = am;
    in.cost = NULL;
    in.referrer_id = rid;
    in.period = NULL;
    cva_ladder_opts_init_defaults(&lo, sizeof lo);
    for (pol = 0; pol < 3; pol++) {
        cva_txn_opts_init_defaults(&to, sizeof to);
        to.refund_policy = pol;
        if (pol == 2)
            to.flags = CVA_TXN_F_ZERO_NOT_PURCHASE;
        to.obs_end = t0;
        cva_txn_summary_init(&sm, sizeof sm);
        sm.capacity = 2 * N;
        sm.customer_id = cid;
        sm.ref_n_txn = rtot;
        assert_true(cva_txn_summarize(&in, &to, &sm, NULL, 0, NULL) >= 0);
        K = sm.n_customers;
        to.obs_start = nextafter(t0 - lo.lookback, (double)INFINITY);
        sm.customer_id = wid;
        sm.ref_n_txn = rwin;
        assert_true(cva_txn_summarize(&in, &to, &sm, NULL, 0, NULL) >= 0);
        KW = sm.n_customers;
        to.obs_start = (double)-INFINITY;
        assert_status(cva_ladder_referrals(&in, &to, t0, &lo, cid, K, win, tot, NULL), CVA_OK);
        for (i = 0, j = 0; i < K; i++) {
            uint32_t e = 0;
            while (j < KW && wid[j] < cid[i])
                j++;
            if (j < KW && wid[j] == cid[i])
                e = rwin[j];
            assert_int_equal(tot[i], rtot[i]);
            assert_int_equal(win[i], e);
        }
    }
    /* boundary rows: t0 counts, t0 - L does not */
    {
        int64_t one = 7;
        uint32_t w1, t1;
        in.n = 2;
        cva_txn_opts_init_defaults(&to, sizeof to);
        assert_status(cva_ladder_referrals(&in, &to, t0, &lo, &one, 1, &w1, &t1, NULL), CVA_OK);
        assert_int_equal(w1, 1);
        assert_int_equal(t1, 2);
        assert_status(cva_ladder_referrals(&in, &to, t0 - 0.5, &lo, &one, 1, &w1, &t1, NULL), CVA_OK);
        assert_int_equal(w1, 1); /* (334.5, 699.5]: the row at 335 */
        assert_int_equal(t1, 1);
        in.n = N;
    }
    free(id); free(rid); free(t); free(am); free(cid); free(wid); free(rtot); free(rwin); free(tot); free(win);
}

static void test_referrals_errors(void **state)
{
    int64_t id[3] = {1, 2, 3}, rid[3] = {2, CVA_TXN_NO_REFERRER, 2}, cid[2] = {1, 2}, bad[2] = {2, 2};
    double t[3] = {1, NaN, 2}, am[3] = {1, 1, 1};
    uint32_t w[2] = {9, 9}, tt[2] = {9, 9};
    cva_txn_input in = {sizeof in, 0, 3, id, t, am, NULL, rid, NULL};
    cva_txn_opts to;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    /* a NaN time in a row without referrer is not our business */
    assert_status(cva_ladder_referrals(&in, NULL, 5, NULL, cid, 2, w, tt, &d), CVA_OK);
    assert_int_equal(w[1], 2);
    rid[1] = 1;
    w[0] = 9;
    assert_status(cva_ladder_referrals(&in, NULL, 5, NULL, cid, 2, w, tt, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    assert_int_equal(w[0], 9);
    cva_txn_opts_init_defaults(&to, sizeof to);
    to.flags = CVA_TXN_F_SKIP_INVALID;
    assert_status(cva_ladder_referrals(&in, &to, 5, NULL, cid, 2, w, tt, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 1);
    assert_int_equal(w[0], 0);
    assert_int_equal(w[1], 2);
    assert_status(cva_ladder_referrals(&in, NULL, 5, NULL, bad, 2, w, tt, &d), CVA_E_BADARG);
    assert_status(cva_ladder_referrals(&in, NULL, NaN, NULL, cid, 2, w, tt, &d), CVA_E_NONFINITE);
    in.referrer_id = NULL;
    assert_status(cva_ladder_referrals(&in, NULL, 5, NULL, cid, 2, w, tt, &d), CVA_E_NULLPTR);
    in.n = 0;
    assert_status(cva_ladder_referrals(&in, NULL, 5, NULL, cid, 2, w, tt, &d), CVA_W_EMPTY);
    assert_int_equal(w[0], 0);
}

/* ------------------------------------------------------------------------ */
/* Counts                                                                    */

static void test_counts(void **state)
{
    int32_t st[6] = {200, 202, 202, 205, 203, 202};
    int32_t ru[6] = {1, 9, 10, 3, 6, 10};
    int32_t bo[6] = {-1, 2, 2, 4, 0, -1};
    uint64_t rc[6], rl[CVA_LADDER_N_RULES + 1], bc[36];
    (void)state;
    assert_status(cva_ladder_counts(st, ru, bo, 6, rc, rl, bc, NULL), CVA_OK);
    assert_int_equal(rc[0], 1);
    assert_int_equal(rc[1], 0);
    assert_int_equal(rc[2], 3);
    assert_int_equal(rc[3], 1);
    assert_int_equal(rc[5], 1);
    assert_int_equal(rl[10], 2);
    assert_int_equal(rl[9], 1);
    assert_int_equal(rl[0], 0);
    assert_int_equal(bc[0 * 6 + 0], 1);  /* PROSPECT, unknown */
    assert_int_equal(bc[2 * 6 + 3], 2);  /* CLIENT, social */
    assert_int_equal(bc[2 * 6 + 0], 1);  /* CLIENT, unknown */
    assert_int_equal(bc[5 * 6 + 5], 1);  /* PARTNER, structural */
    assert_int_equal(bc[3 * 6 + 1], 1);  /* SUPPORTER, none */
    assert_status(cva_ladder_counts(st, NULL, NULL, 6, rc, NULL, bc, NULL), CVA_OK);
    assert_int_equal(bc[2 * 6 + 0], 3);
    st[4] = 206;
    assert_status(cva_ladder_counts(st, ru, bo, 6, rc, rl, bc, NULL), CVA_E_BADARG);
    assert_status(cva_ladder_counts(st, NULL, bo, 6, rc, rl, bc, NULL), CVA_E_NULLPTR);
    assert_status(cva_ladder_counts(NULL, NULL, NULL, 0, rc, rl, bc, NULL), CVA_W_EMPTY);
    assert_int_equal(rc[2], 0);
}

/* ------------------------------------------------------------------------ */
/* Migration                                                                 */

static void test_migration_brute_force(void **state)
{
    enum { N = 5000 };
    int32_t *sf = malloc(N * sizeof *sf), *sc = malloc(N * sizeof *sc);
    int32_t *af = malloc(N * sizeof *af), *ac = malloc(N * sizeof *ac);
    uint64_t s = 7;
    size_t i, a, b;
    cva_ladder_migration_input in;
    cva_ladder_migration m;
    cva_ladder_opts o;
    int variant;
    (void)state;
    for (i = 0; i < N; i++) {
        sf[i] = CVA_LADDER_PROSPECT + (int32_t)(lcg(&s) % 5); /* nobody is PARTNER at the start */
        /* a buyer stays a buyer: only a prospect can be a prospect again */
        sc[i] = CVA_LADDER_PROSPECT + (int32_t)(lcg(&s) % 6);
        if (sf[i] != CVA_LADDER_PROSPECT && sc[i] == CVA_LADDER_PROSPECT)
            sc[i] = CVA_LADDER_CUSTOMER;
        af[i] = lcg(&s) % 4 != 0;
        ac[i] = lcg(&s) % 3 != 0;
    }
    cva_ladder_opts_init_defaults(&o, sizeof o);
    for (variant = 0; variant < 3; variant++) {
        uint64_t cnt[7][7];
        long long net = 0, nn = 0;
        memset(cnt, 0, sizeof cnt);
        memset(&in, 0, sizeof in);
        in.struct_size = sizeof in;
        in.n = N;
        in.stage_from = sf;
        in.stage_to = sc;
        in.active_from = variant == 0 ? af : NULL;
        in.active_to = variant < 2 ? ac : NULL;
        o.lapsed_state = variant < 2;
        /* brute force: the state of every customer, written out plainly */
        for (i = 0; i < N; i++) {
            int from = sf[i] - 200, to = sc[i] - 200;
            int lapsed_from = variant == 0 && from != 0 && af[i] == 0;
            int lapsed_to = variant < 2 && to != 0 && ac[i] == 0;
            cnt[lapsed_from ? 6 : from][lapsed_to ? 6 : to]++;
            if (!lapsed_from && !lapsed_to) {
                net += to - from;
                nn++;
            }
        }
        memset(&m, 0, sizeof m);
        m.struct_size = sizeof m;
        assert_status(cva_ladder_migrate(&in, &o, &m, NULL), CVA_OK);
        assert_int_equal(m.n, N);
        assert_int_equal(m.n_states, variant < 2 ? 7 : 6);
        assert_int_equal(m.n_net, nn);
        cva_assert_close(m.net_movement, (double)net / (double)nn, 1e-15, 0);
        {
            double up = 0, stay = 0, down = 0, lapse = 0, tot = 0;
            for (a = 0; a < 7; a++) {
                double row = 0, u = 0, d = 0;
                for (b = 0; b < 7; b++) {
                    assert_int_equal(m.counts[a][b], cnt[a][b]);
                    row += (double)cnt[a][b];
                }
                for (b = 0; b < 7; b++)
                    cva_assert_close(m.transition[a][b], row > 0 ? (double)cnt[a][b] / row : NaN, 1e-15, 0);
                if (row == 0) {
                    cva_assert_same(m.stay_rate[a], NaN);
                    continue;
                }
                if (a == 6) {
                    double re = 0;
                    for (b = 0; b < 6; b++)
                        re += (double)cnt[6][b];
                    cva_assert_close(m.reactivation_rate, re / row, 1e-15, 0);
                    cva_assert_close(m.stay_rate[6], (double)cnt[6][6] / row, 1e-15, 0);
                    continue;
                }
                for (b = a + 1; b < 6; b++)
                    u += (double)cnt[a][b];
                for (b = 0; b < a; b++)
                    d += (double)cnt[a][b];
                cva_assert_close(m.up_rate[a], u / row, 1e-15, 0);
                cva_assert_close(m.down_rate[a], d / row, 1e-15, 0);
                cva_assert_close(m.stay_rate[a], (double)cnt[a][a] / row, 1e-15, 0);
                cva_assert_close(m.lapse_rate[a], (double)cnt[a][6] / row, 1e-15, 0);
                cva_assert_close(m.up_rate[a] + m.down_rate[a] + m.stay_rate[a] + m.lapse_rate[a], 1.0, 1e-14, 0);
                up += u;
                down += d;
                stay += (double)cnt[a][a];
                lapse += (double)cnt[a][6];
                tot += row;
            }
            cva_assert_close(m.overall_up, up / tot, 1e-15, 0);
            cva_assert_close(m.overall_down, down / tot, 1e-15, 0);
            cva_assert_close(m.overall_stay, stay / tot, 1e-15, 0);
            cva_assert_close(m.overall_lapse, lapse / tot, 1e-15, 0);
        }
        if (variant == 0)
            assert_true(m.counts[6][0] == 0); /* a lapsed customer is never a prospect */
        if (variant >= 1)
            cva_assert_same(m.reactivation_rate, NaN);
        cva_assert_same(m.transition[5][0], NaN); /* nobody started as PARTNER */
        cva_assert_same(m.up_rate[5], NaN);
    }
    free(sf); free(sc); free(af); free(ac);
}

static void test_migration_errors(void **state)
{
    int32_t sf[3] = {200, 201, 202}, sc[3] = {201, 202, 202};
    uint32_t of[3] = {0, 1, 5}, oc[3] = {1, 2, 4};
    int32_t act[3] = {1, 0, 1};
    cva_ladder_migration_input in = {sizeof in, 0, 3, sf, sc, NULL, NULL, of, oc};
    cva_ladder_migration m;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    m.n = 99;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_E_BADARG); /* n_occ 5 -> 4 */
    assert_int_equal(d.index, 2);
    assert_int_equal(m.n, 99);
    oc[2] = 5;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_OK);
    /* the prospect's inactivity does not make it LAPSED */
    act[0] = 0;
    in.active_from = act;
    in.active_to = act;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_OK);
    assert_int_equal(m.counts[0][6], 1); /* PROSPECT -> CUSTOMER, inactive */
    assert_int_equal(m.counts[6][6], 1); /* CUSTOMER inactive -> CLIENT inactive */
    assert_int_equal(m.counts[2][2], 1);
    assert_int_equal(m.n_net, 1);
    cva_assert_same(m.net_movement, 0.0);
    sc[1] = 206;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_E_BADARG);
    sc[1] = CVA_LADDER_PROSPECT; /* a buyer cannot become a prospect */
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_E_BADARG);
    assert_int_equal(d.index, 1);
    sc[1] = 202;
    act[1] = 3;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_E_BADARG);
    act[1] = 0;
    m.struct_size = 16;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_E_ABI_MISMATCH);
    m.struct_size = sizeof m;
    in.n = 0;
    assert_status(cva_ladder_migrate(&in, NULL, &m, &d), CVA_W_EMPTY);
    cva_assert_same(m.overall_up, NaN);
    cva_assert_same(m.net_movement, NaN);
    assert_int_equal(m.n, 0);
}

/* ------------------------------------------------------------------------ */
/* Projection                                                                */

static void matmul(const double *a, const double *b, double *c, size_t ns)
{
    size_t i, j, k;
    for (i = 0; i < ns; i++)
        for (j = 0; j < ns; j++) {
            double s = 0;
            for (k = 0; k < ns; k++)
                s += a[i * ns + k] * b[k * ns + j];
            c[i * ns + j] = s;
        }
}

static void test_projection(void **state)
{
    enum { NS = 7, K = 12 };
    double Pm[NS * NS], Pk[NS * NS], tmp[NS * NS], traj[(K + 1) * NS];
    double pi0[NS] = {100, 50, 30, 10, 5, 0, 20}, v[NS] = {0, 10, 25, 40, 60, 100, 0};
    double total, ref_total = 0;
    uint64_t s = 99;
    size_t i, j, k;
    (void)state;
    for (i = 0; i < NS; i++) {
        double sum = 0;
        for (j = 0; j < NS; j++) {
            Pm[i * NS + j] = (double)(1 + lcg(&s) % 100);
            sum += Pm[i * NS + j];
        }
        for (j = 0; j < NS; j++)
            Pm[i * NS + j] /= sum;
    }
    assert_status(cva_ladder_project(Pm, NS, pi0, K, v, 0.01, traj, &total, NULL), CVA_OK);
    /* P^k by repeated matrix-matrix multiplication, then pi0 P^k */
    for (i = 0; i < NS * NS; i++)
        Pk[i] = (i % (NS + 1)) == 0;
    for (k = 0; k <= K; k++) {
        double vk = 0;
        for (j = 0; j < NS; j++) {
            double pj = 0;
            for (i = 0; i < NS; i++)
                pj += pi0[i] * Pk[i * NS + j];
            cva_assert_close(traj[k * NS + j], pj, 1e-12, 1e-12);
            vk += pj * v[j];
        }
        ref_total += vk / pow(1.01, (double)k);
        matmul(Pk, Pm, tmp, NS);
        memcpy(Pk, tmp, sizeof tmp);
    }
    cva_assert_close(total, ref_total, 1e-12, 0);
    /* mass is conserved */
    {
        double m0 = 0, mk = 0;
        for (j = 0; j < NS; j++) {
            m0 += pi0[j];
            mk += traj[K * NS + j];
        }
        cva_assert_close(mk, m0, 1e-13, 0);
    }
    /* steps 0: pi0 itself and v.pi0 */
    assert_status(cva_ladder_project(Pm, NS, pi0, 0, v, 0.5, traj, &total, NULL), CVA_OK);
    cva_assert_same(traj[3], pi0[3]);
    cva_assert_close(total, 100 * 0 + 50 * 10 + 30 * 25 + 10 * 40 + 5 * 60, 1e-15, 0);
    assert_status(cva_ladder_project(Pm, NS, pi0, 3, NULL, 0, NULL, &total, NULL), CVA_OK);
    cva_assert_same(total, NaN);
}

static void test_projection_absorbing_and_errors(void **state)
{
    /* state 2 was never an origin: NaN row */
    double Pm[9] = {0.5, 0.5, 0, 0, 0.5, 0.5, NaN, NaN, NaN};
    double pi0[3] = {1, 0, 0}, traj[3 * 3];
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_ladder_project(Pm, 3, pi0, 1, NULL, 0, traj, NULL, &d), CVA_OK); /* not reached yet */
    assert_status(cva_ladder_project(Pm, 3, pi0, 2, NULL, 0, traj, NULL, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.index, 2);
    assert_int_equal(d.count, 1);
    /* the warning's messages speak of a state without observations, not of excluded rows only */
    assert_non_null(strstr(d.detail, "state without observed transitions"));
    assert_non_null(strstr(cva_strerror(CVA_W_EXCLUDED), "states"));
    assert_non_null(strstr(cva_strerror(CVA_W_EXCLUDED), "no observations"));
    cva_assert_close(traj[6], 0.25, 1e-15, 0);
    cva_assert_close(traj[7], 0.5, 1e-15, 0);
    cva_assert_close(traj[8], 0.25, 1e-15, 0);
    {
        double pi1[3] = {0, 0, 2};
        assert_status(cva_ladder_project(Pm, 3, pi1, 2, NULL, 0, traj, NULL, &d), CVA_W_EXCLUDED);
        cva_assert_same(traj[8], 2.0); /* absorbing */
    }
    Pm[1] = 0.6;
    assert_status(cva_ladder_project(Pm, 3, pi0, 2, NULL, 0, traj, NULL, &d), CVA_E_BADARG);
    Pm[1] = 0.5;
    Pm[7] = 1;
    assert_status(cva_ladder_project(Pm, 3, pi0, 2, NULL, 0, traj, NULL, &d), CVA_E_BADARG);
    Pm[7] = NaN;
    pi0[1] = -1;
    assert_status(cva_ladder_project(Pm, 3, pi0, 2, NULL, 0, traj, NULL, &d), CVA_E_BADARG);
    pi0[1] = 0;
    assert_status(cva_ladder_project(Pm, 3, pi0, 2, NULL, -1, traj, NULL, &d), CVA_E_OPTION);
    assert_status(cva_ladder_project(Pm, 0, pi0, 2, NULL, 0, traj, NULL, &d), CVA_E_BADARG);
    assert_status(cva_ladder_project(NULL, 3, pi0, 2, NULL, 0, traj, NULL, &d), CVA_E_NULLPTR);
}

/* A result beyond the double range is refused before anything is written (found by the
   ladder_whatif fuzz target: values of DBL_MAX and a huge discount gave NaN with CVA_OK). */
static void test_projection_overflow(void **state)
{
    double Pm[4] = {0.5, 0.5, 0.25, 0.75};
    double pi0[2] = {4, 0}, big[2] = {DBL_MAX, DBL_MAX}, v[2] = {1, 2}, traj[2 * 4], total;
    size_t i;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < 8; i++)
        traj[i] = -7;
    total = -7;
    /* 4 x DBL_MAX at k = 0 already; the total once became NaN as the discount factor underflowed */
    assert_status(cva_ladder_project(Pm, 2, pi0, 3, big, DBL_MAX, traj, &total, &d), CVA_E_OVERFLOW);
    assert_int_equal(d.arg, 5);
    for (i = 0; i < 8; i++)
        cva_assert_same(traj[i], -7.0);
    cva_assert_same(total, -7.0);
    /* a discount near -1 makes (1 + d)^-k explode */
    assert_status(cva_ladder_project(Pm, 2, pi0, 200, v, -0.999, NULL, &total, &d), CVA_E_OVERFLOW);
    cva_assert_same(total, -7.0);
    /* the same without values is fine; so is a short horizon */
    assert_status(cva_ladder_project(Pm, 2, pi0, 200, NULL, -0.999, NULL, &total, &d), CVA_OK);
    assert_status(cva_ladder_project(Pm, 2, pi0, 3, v, -0.999, NULL, &total, &d), CVA_OK);
    assert_true(isfinite(total));
    /* a mass beyond the double range */
    pi0[0] = pi0[1] = DBL_MAX;
    assert_status(cva_ladder_project(Pm, 2, pi0, 1, NULL, 0, traj, NULL, &d), CVA_E_OVERFLOW);
    assert_int_equal(d.arg, 3);
}

/* Classification, migration and projection end to end on the migrate output. */
static void test_migrate_then_project(void **state)
{
    int32_t sf[6] = {200, 201, 201, 202, 202, 203}, sc[6] = {201, 201, 202, 202, 203, 204};
    cva_ladder_migration_input in = {sizeof in, 0, 6, sf, sc, NULL, NULL, NULL, NULL};
    cva_ladder_migration m;
    cva_ladder_opts o;
    double pi0[6] = {1, 0, 0, 0, 0, 0}, traj[3 * 6];
    (void)state;
    cva_ladder_opts_init_defaults(&o, sizeof o);
    o.lapsed_state = 0;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    assert_status(cva_ladder_migrate(&in, &o, &m, NULL), CVA_OK);
    cva_assert_close(m.net_movement, 4.0 / 6.0, 1e-15, 0);
    cva_assert_close(m.overall_up, 4.0 / 6.0, 1e-15, 0);
    cva_assert_close(m.overall_stay, 2.0 / 6.0, 1e-15, 0);
    cva_assert_same(m.overall_down, 0.0);
    {
        double Pm[36];
        size_t i, j;
        for (i = 0; i < 6; i++)
            for (j = 0; j < 6; j++)
                Pm[i * 6 + j] = m.transition[i][j];
        /* PROSPECT -> CUSTOMER -> half CUSTOMER, half CLIENT */
        assert_status(cva_ladder_project(Pm, 6, pi0, 2, NULL, 0, traj, NULL, NULL), CVA_OK);
        cva_assert_close(traj[12 + 1], 0.5, 1e-15, 0);
        cva_assert_close(traj[12 + 2], 0.5, 1e-15, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_defaults),
        cmocka_unit_test(test_rules_options),
        cmocka_unit_test(test_defaults_and_names),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_row_late),
        cmocka_unit_test(test_kernels_agree),
        cmocka_unit_test(test_has_referred),
        cmocka_unit_test(test_referrals_vs_summary),
        cmocka_unit_test(test_referrals_errors),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_migration_brute_force),
        cmocka_unit_test(test_migration_errors),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_projection_absorbing_and_errors),
        cmocka_unit_test(test_projection_overflow),
        cmocka_unit_test(test_migrate_then_project),
    };
    return cmocka_run_group_tests_name("ladder", tests, NULL, NULL);
}
