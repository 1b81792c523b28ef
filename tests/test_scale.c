/*
 * Scale limits (docs/reliability.md, "Scale"): sizes whose arrays or work
 * buffers cannot exist fail with CVA_E_OVERFLOW before any allocation and
 * before reading the inputs; counts above 2^31 pass through where the types
 * hold them (uint32 purchase counts up to 2^32 - 1, uint64 tallies).
 *
 * The huge-size calls get inputs of 8 elements: a function that read its
 * arrays before checking the size would run off them (a crash here, an ASan
 * report in the strict build), and the counting allocator must see no call.
 * SPDX-License-Identifier: MIT
 */
#define CVA_EXPERIMENTAL_API
#include "cva_test.h"
#include "cva_failalloc.h"

/* n elements of 8 bytes do not fit in size_t: no caller array can be this long */
#define HUGE_N (SIZE_MAX / 8 + 1)

static const double V8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const double T8[8] = {10, 10, 10, 10, 10, 10, 10, 10};
static const double X8[8] = {0, 1, 2, 3, 1, 0, 2, 4};
static const double TX8[8] = {0, 3, 4, 9, 2, 0, 5, 9.5};
static const uint32_t U8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static double out8[8 * 8];
static int32_t i8[8], j8[8], k8[8];

typedef struct scale_ctx {
    cva_fa_hook hook;
    cva_allocator al;
    cva_diag d;
} scale_ctx;

static void ctx_init(scale_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->al = cva_fa_allocator(&c->hook);
    assert_int_equal(cva_diag_init(&c->d, sizeof c->d), CVA_OK);
}

#define EXPECT_OVERFLOW(c, call)                                                          \
    do {                                                                                  \
        assert_status((call), CVA_E_OVERFLOW);                                            \
        assert_int_equal((c).d.status, CVA_E_OVERFLOW);                                   \
        assert_non_null((c).d.detail);                                                    \
        assert_int_equal((c).hook.calls, 0);                                              \
    } while (0)

static void test_txn_huge(void **state)
{
    scale_ctx c;
    cva_txn_input in;
    cva_txn_opts o;
    cva_txn_summary s;
    cva_cohort_table t;
    size_t bytes = 0;
    static const int64_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    (void)state;
    ctx_init(&c);
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = HUGE_N;
    in.customer_id = id;
    in.t = V8;
    in.amount = V8;
    assert_status(cva_txn_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.alloc = &c.al;
    assert_status(cva_txn_workspace_size(&in, &o, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_txn_summary_init(&s, sizeof s), CVA_OK);
    s.capacity = 8;
    s.frequency = out8;
    EXPECT_OVERFLOW(c, cva_txn_summarize(&in, &o, &s, NULL, 0, &c.d));
    in.n = SIZE_MAX;
    EXPECT_OVERFLOW(c, cva_txn_summarize(&in, &o, &s, NULL, 0, &c.d));
    /* the documented row limit: 2^31 - 1 rows per call */
    in.n = (size_t)UINT32_MAX / 2;
    EXPECT_OVERFLOW(c, cva_txn_summarize(&in, &o, &s, NULL, 0, &c.d));
    in.n = HUGE_N;
    assert_status(cva_txn_cohorts_workspace_size(&in, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_cohort_table_init(&t, sizeof t), CVA_OK);
    EXPECT_OVERFLOW(c, cva_txn_cohorts(&in, &o, &t, NULL, 0, &c.d));
}

static void test_rfm_huge(void **state)
{
    scale_ctx c;
    cva_rfm_opts o;
    cva_rfm_cuts cuts;
    size_t bytes = 0;
    int32_t flag[8];
    (void)state;
    ctx_init(&c);
    assert_status(cva_rfm_workspace_size(HUGE_N, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_rfm_workspace_size(SIZE_MAX, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_rfm_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.alloc = &c.al;
    EXPECT_OVERFLOW(c, cva_rfm_score(V8, V8, V8, HUGE_N, &o, i8, j8, k8, NULL, NULL, 0, &c.d));
    memset(&cuts, 0, sizeof cuts);
    cuts.struct_size = sizeof cuts;
    EXPECT_OVERFLOW(c, cva_rfm_cuts_compute(V8, HUGE_N, CVA_RFM_ASCENDING, &o, CVA_RFM_COL_MONETARY, &cuts,
                                            NULL, 0, &c.d));
    EXPECT_OVERFLOW(c, cva_rfm_high_influence_advanced(U8, V8, HUGE_N, 0.2, flag, &c.al, &c.d));
}

static void test_tiers_huge(void **state)
{
    scale_ctx c;
    cva_tiers_opts o;
    size_t bytes = 0;
    double g = 0, p[3], l[3], share[1];
    static const double ps[1] = {0.2};
    uint64_t order[8];
    int32_t cls[8];
    cva_whale_stats ws;
    cva_profit_diag pd;
    (void)state;
    ctx_init(&c);
    assert_status(cva_tiers_workspace_size(HUGE_N, CVA_TIERS_WS_ALL, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_tiers_workspace_size(HUGE_N, CVA_TIERS_WS_VALUES, &bytes), CVA_E_OVERFLOW);
    assert_status(cva_tiers_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.alloc = &c.al;
    EXPECT_OVERFLOW(c, cva_value_order(V8, HUGE_N, &o, order, out8, &c.d));
    EXPECT_OVERFLOW(c, cva_gini(V8, HUGE_N, &o, &g, &c.d));
    EXPECT_OVERFLOW(c, cva_lorenz(V8, HUGE_N, &o, 3, p, l, &c.d));
    EXPECT_OVERFLOW(c, cva_top_share(V8, HUGE_N, ps, 1, &o, share, &c.d));
    EXPECT_OVERFLOW(c, cva_whale_curve(V8, HUGE_N, &o, out8, out8 + 8, &ws, &c.d));
    EXPECT_OVERFLOW(c, cva_grade(V8, HUGE_N, &o, cls, &c.d));
    EXPECT_OVERFLOW(c, cva_pyramid(V8, HUGE_N, &o, cls, &c.d));
    EXPECT_OVERFLOW(c, cva_value_classes(V8, V8, NULL, NULL, HUGE_N, &o, cls, NULL, &c.d));
    EXPECT_OVERFLOW(c, cva_profit_diagnostics(V8, V8, HUGE_N, &o, &pd, &c.d));
}

static void test_models_huge(void **state)
{
    scale_ctx c;
    cva_fit_opts fo;
    cva_model_fit fit;
    cva_clv_opts co;
    cva_whatif_model_opts wo;
    cva_whatif_model_result wr;
    cva_churn_flag_opts cf;
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.44};
    (void)state;
    ctx_init(&c);
    assert_status(cva_fit_opts_init_defaults(&fo, sizeof fo), CVA_OK);
    fo.alloc = &c.al;
    assert_status(cva_model_fit_init(&fit, sizeof fit), CVA_OK);
    EXPECT_OVERFLOW(c, cva_model_fit_btyd(CVA_MODEL_BGNBD, X8, TX8, T8, NULL, HUGE_N, &fo, &fit, &c.d));
    EXPECT_OVERFLOW(c, cva_gg_fit(X8, V8, NULL, HUGE_N, &fo, &fit, &c.d));
    /* n_cohorts * n_periods survivors */
    EXPECT_OVERFLOW(c, cva_sbg_fit(V8, SIZE_MAX / 4, 8, &fo, &fit, &c.d));
    assert_status(cva_clv_opts_init_defaults(&co, sizeof co), CVA_OK);
    co.alloc = &c.al;
    EXPECT_OVERFLOW(c, cva_clv(CVA_MODEL_BGNBD, bg, gg, X8, TX8, T8, V8, HUGE_N, &co, out8, &c.d));
    assert_status(cva_whatif_model_opts_init_defaults(&wo, sizeof wo), CVA_OK);
    wo.alloc = &c.al;
    assert_status(cva_whatif_model_result_init(&wr, sizeof wr), CVA_OK);
    EXPECT_OVERFLOW(c, cva_whatif_btyd(CVA_MODEL_BGNBD, bg, gg, X8, TX8, T8, V8, HUGE_N, &wo, &wr, &c.d));
    assert_status(cva_churn_flag_opts_init_defaults(&cf, sizeof cf), CVA_OK);
    cf.alloc = &c.al;
    EXPECT_OVERFLOW(c, cva_churn_flags(V8, U8, V8, V8, NULL, NULL, HUGE_N, &cf, i8, NULL, NULL, NULL, &c.d));
}

/* cva_ladder_referrals() counts referred rows in uint32: more rows than that is refused
   before a row is read (it allocates nothing: the hook sees no call either way). */
static void test_ladder_huge(void **state)
{
    scale_ctx c;
    cva_txn_input in;
    static const int64_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint32_t refs[8], tot[8];
    (void)state;
    ctx_init(&c);
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = (size_t)UINT32_MAX + 1;
    in.customer_id = id;
    in.referrer_id = id;
    in.t = V8;
    in.amount = V8;
    EXPECT_OVERFLOW(c, cva_ladder_referrals(&in, NULL, 100.0, NULL, id, 8, refs, tot, &c.d));
}

/* Counts above 2^31 where the types hold them. */
static void test_counts_above_2p31(void **state)
{
    static const uint32_t big[4] = {3000000000u, UINT32_MAX, 2147483648u, 1};
    static const double last_t[4] = {90, 80, 70, 60}, total[4] = {3e9, 4.294967295e9, 2.147483648e9, 1},
                        mv[4] = {1, 1, 1, 1}, rev[4] = {1e10, 1e10, 1e10, 1e10}, cost[4] = {0, 0, 0, 0};
    double rec[4], freq[4], mon[4], cost_out[4], profit[4];
    cva_rfm_opts ro;
    cva_tiers_opts to;
    int32_t stage[4] = {200, 201, 202, 203}, by[4] = {1, 2, 3, 4};
    uint64_t rung[CVA_LADDER_N_RUNGS], rules[CVA_LADDER_N_RULES + 1];
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    static const double x[2] = {3e9, 4294967295.0}, tx[2] = {78, 78}, T[2] = {78, 78}; /* last purchase at the end: alive */
    double pa[2], ex[2];
    int i;
    (void)state;
    assert_status(cva_rfm_opts_init_defaults(&ro, sizeof ro), CVA_OK);
    assert_status(cva_rfm_raw(100, last_t, big, big, total, mv, 4, &ro, rec, freq, mon, NULL), CVA_OK);
    for (i = 0; i < 4; i++)
        cva_assert_same(freq[i], (double)big[i]); /* exact: no int32 on the way */
    ro.frequency = CVA_RFM_F_REPEAT;
    assert_status(cva_rfm_raw(100, last_t, big, big, total, mv, 4, &ro, rec, freq, mon, NULL), CVA_OK);
    for (i = 0; i < 4; i++)
        cva_assert_same(freq[i], (double)big[i] - 1.0);
    ro.frequency = CVA_RFM_F_TXN;
    ro.monetary = CVA_RFM_M_MEAN;
    assert_status(cva_rfm_raw(100, last_t, big, big, total, mv, 4, &ro, rec, freq, mon, NULL), CVA_OK);
    cva_assert_close(mon[0], 1.0, 1e-15, 0);
    cva_assert_close(mon[1], 1.0, 1e-15, 0);
    /* per-order costs over more than 2^31 orders */
    assert_status(cva_tiers_opts_init_defaults(&to, sizeof to), CVA_OK);
    to.cost_per_order = 0.5;
    assert_status(cva_customer_profit(rev, cost, big, 4, &to, cost_out, profit, NULL), CVA_OK);
    for (i = 0; i < 4; i++)
        cva_assert_close(cost_out[i], 0.5 * (double)big[i], 1e-15, 0);
    /* uint64 tallies */
    assert_status(cva_ladder_counts(stage, by, NULL, 4, rung, rules, NULL, NULL), CVA_OK);
    assert_int_equal(rung[0] + rung[1] + rung[2] + rung[3], 4);
    /* BTYD on purchase counts above 2^31: finite, P(alive) in [0, 1] */
    assert_status(cva_model_p_alive(CVA_MODEL_BGNBD, bg, 0, x, tx, T, 2, pa, NULL, NULL), CVA_OK);
    assert_status(cva_model_expected(CVA_MODEL_BGNBD, bg, 52, x, tx, T, 2, ex, NULL, NULL), CVA_OK);
    for (i = 0; i < 2; i++) {
        assert_true(pa[i] >= 0.0 && pa[i] <= 1.0);
        assert_true(isfinite(ex[i]) && ex[i] > 0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txn_huge),
        cmocka_unit_test(test_rfm_huge),
        cmocka_unit_test(test_tiers_huge),
        cmocka_unit_test(test_models_huge),
        cmocka_unit_test(test_ladder_huge),
        cmocka_unit_test(test_counts_above_2p31),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
