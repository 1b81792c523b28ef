/*
 * Churn flags per customer (docs/methods/models.md#methods_heuristics): each rule on hand-made customers at and
 * around its threshold, the median-ipt substitute and its hiatus fallback, the
 * "any rule" combination with the deciding rule, value at risk, errors.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#include "cva/retention.h"

static cva_churn_flag_opts mk(int32_t rule)
{
    cva_churn_flag_opts o;
    assert_status(cva_churn_flag_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.rule = rule;
    return o;
}

static void test_defaults(void **state)
{
    cva_churn_flag_opts o;
    (void)state;
    assert_status(cva_churn_flag_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_int_equal(o.rule, CVA_CHURN_RULE_ALL);
    cva_assert_same(o.hiatus, 270.0);
    cva_assert_same(o.ipt_multiple, 3.0);
    cva_assert_same(o.threshold, 0.5);
    assert_null(o.alloc);
    assert_int_equal(cva_sizeof(CVA_STRUCT_CHURN_FLAG_OPTS), sizeof o);
    assert_string_equal(cva_churn_rule_name(CVA_CHURN_RULE_IPT_MEDIAN), "ipt-median");
    assert_string_equal(cva_churn_rule_name(CVA_CHURN_RULE_P_ALIVE), "p-alive");
    assert_string_equal(cva_churn_rule_name(99), "");
}

static void test_hiatus(void **state)
{
    const double R[4] = {0.0, 270.0, 270.5, 1000.0};
    int32_t act[4], rule[4];
    cva_churn_flag_opts o = mk(CVA_CHURN_RULE_HIATUS);
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 4, &o, act, rule, NULL, NULL, &d), CVA_OK);
    assert_int_equal(act[0], 1);
    assert_int_equal(act[1], 1); /* inactive iff R > h */
    assert_int_equal(act[2], 0);
    assert_int_equal(act[3], 0);
    assert_int_equal(d.count, 2);
    assert_int_equal(rule[0], CVA_CHURN_RULE_HIATUS);
    assert_int_equal(rule[3], CVA_CHURN_RULE_HIATUS);
    o.hiatus = 100.0;
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 4, &o, act, NULL, NULL, NULL, NULL), CVA_OK);
    assert_int_equal(act[1], 0);
}

/* ipt: customers 0-2 have their own ipt (50, 10, 30: median 30); customer 3 has one
   occasion, customer 4 two on the same day (ipt 0): both get the median 30. */
static void test_ipt(void **state)
{
    const uint32_t occ[7] = {3, 5, 2, 1, 2, 3, 4};
    const double first[7] = {0, 0, 10, 50, 60, 0, 0};
    const double last[7] = {100, 40, 40, 50, 60, 100, 60};
    const double R[7] = {150, 31, 91, 90, 91, 151, 0};
    int32_t act[7], rule[7];
    double med = 0.0;
    cva_churn_flag_opts o = mk(CVA_CHURN_RULE_IPT);
    (void)state;
    /* ipts: 50, 10, 30, (1 occ), (0), 50, 20 -> eligible 50, 10, 30, 50, 20: median 30 */
    assert_status(cva_churn_flags(R, occ, first, last, NULL, NULL, 7, &o, act, rule, NULL, &med, NULL), CVA_OK);
    cva_assert_same(med, 30.0);
    assert_int_equal(act[0], 1); /* 150 = 3·50: not above */
    assert_int_equal(rule[0], CVA_CHURN_RULE_IPT);
    assert_int_equal(act[1], 0); /* 31 > 30 */
    assert_int_equal(act[2], 0); /* 91 > 90 */
    assert_int_equal(act[3], 1); /* median: 90 = 3·30 */
    assert_int_equal(rule[3], CVA_CHURN_RULE_IPT_MEDIAN);
    assert_int_equal(act[4], 0); /* median: 91 > 90 */
    assert_int_equal(rule[4], CVA_CHURN_RULE_IPT_MEDIAN);
    assert_int_equal(act[5], 0);
    assert_int_equal(act[6], 1);
    /* even count of eligible ipts: mean of the two middle ones (10, 20, 30, 50 -> 25) */
    assert_status(cva_churn_flags(R + 1, occ + 1, first + 1, last + 1, NULL, NULL, 6, &o, act, rule, NULL, &med, NULL),
                  CVA_OK);
    cva_assert_same(med, 25.0);
    o.ipt_multiple = 2.0;
    assert_status(cva_churn_flags(R, occ, first, last, NULL, NULL, 7, &o, act, rule, NULL, &med, NULL), CVA_OK);
    assert_int_equal(act[0], 0); /* 150 > 2·50 */
    /* no customer with an ipt: the hiatus rule decides */
    {
        const uint32_t occ1[2] = {1, 2};
        const double f1[2] = {5, 7}, l1[2] = {5, 7}, r1[2] = {270, 271};
        o = mk(CVA_CHURN_RULE_IPT);
        assert_status(cva_churn_flags(r1, occ1, f1, l1, NULL, NULL, 2, &o, act, rule, NULL, &med, NULL), CVA_OK);
        assert_true(isnan(med));
        assert_int_equal(act[0], 1);
        assert_int_equal(act[1], 0);
        assert_int_equal(rule[0], CVA_CHURN_RULE_HIATUS);
        assert_int_equal(rule[1], CVA_CHURN_RULE_HIATUS);
    }
}

static void test_p_alive_and_all(void **state)
{
    const double R[5] = {10, 10, 300, 280, 10};
    const uint32_t occ[5] = {3, 3, 3, 2, 3};
    const double first[5] = {0, 0, 0, 0, 0}, last[5] = {100, 100, 100, 1000, 4};
    const double pa[5] = {0.49, 0.5, 0.9, 0.9, 0.7};
    const double clv[5] = {100, 200, 300, -40, 0};
    int32_t act[5], rule[5];
    double var[5];
    cva_churn_flag_opts o = mk(CVA_CHURN_RULE_P_ALIVE);
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, pa, clv, 5, &o, act, rule, var, NULL, &d), CVA_OK);
    assert_int_equal(act[0], 0); /* 0.49 < 0.5 */
    assert_int_equal(act[1], 1); /* not below */
    assert_int_equal(act[2], 1); /* P(alive) only: recency ignored */
    assert_int_equal(rule[2], CVA_CHURN_RULE_P_ALIVE);
    cva_assert_close(var[0], 100.0 * 0.51, 1e-15, 0);
    cva_assert_close(var[1], 100.0, 1e-15, 0);
    cva_assert_close(var[3], -40.0 * 0.1, 1e-14, 0);
    cva_assert_same(var[4], 0.0);
    /* all rules: inactive if any says so; the deciding rule is the first that flags */
    o = mk(CVA_CHURN_RULE_ALL);
    assert_status(cva_churn_flags(R, occ, first, last, pa, clv, 5, &o, act, rule, NULL, NULL, &d), CVA_OK);
    assert_int_equal(act[0], 0);
    assert_int_equal(rule[0], CVA_CHURN_RULE_P_ALIVE);
    assert_int_equal(act[1], 1);
    assert_int_equal(rule[1], CVA_CHURN_RULE_P_ALIVE); /* active: the first rule applied */
    assert_int_equal(act[2], 0); /* P(alive) 0.9, but 300 > 3·50 */
    assert_int_equal(rule[2], CVA_CHURN_RULE_IPT);
    assert_int_equal(act[3], 0); /* P(alive) 0.9, 280 <= 3·1000, but 280 > 270 */
    assert_int_equal(rule[3], CVA_CHURN_RULE_HIATUS);
    assert_int_equal(act[4], 0); /* ipt 2: 10 > 6 */
    assert_int_equal(rule[4], CVA_CHURN_RULE_IPT);
    assert_int_equal(d.count, 4);
    /* without P(alive) and ipt inputs ALL is the hiatus rule */
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 5, &o, act, rule, NULL, NULL, NULL), CVA_OK);
    assert_int_equal(act[0], 1);
    assert_int_equal(act[2], 0);
    assert_int_equal(rule[2], CVA_CHURN_RULE_HIATUS);
    assert_int_equal(act[3], 0);
    assert_int_equal(rule[0], CVA_CHURN_RULE_HIATUS);
}

static void test_errors(void **state)
{
    const double R[2] = {1, 2}, f[2] = {0, 5}, l[2] = {3, 4}, pa[2] = {0.5, 1.5};
    const uint32_t occ[2] = {2, 2};
    int32_t act[2] = {-7, -7};
    double var[2];
    cva_churn_flag_opts o = mk(CVA_CHURN_RULE_ALL);
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_churn_flags(R, occ, f, l, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 4);
    assert_int_equal(d.index, 1);
    assert_int_equal(act[0], -7); /* nothing written */
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, pa, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_BADARG);
    assert_int_equal(d.arg, 5);
    {
        const double rn[2] = {1, (double)NAN}, rneg[2] = {1, -1};
        assert_status(cva_churn_flags(rn, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d),
                      CVA_E_NONFINITE);
        assert_int_equal(d.index, 1);
        assert_status(cva_churn_flags(rneg, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d),
                      CVA_E_BADARG);
    }
    o = mk(CVA_CHURN_RULE_IPT);
    assert_status(cva_churn_flags(R, NULL, f, l, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
    o = mk(CVA_CHURN_RULE_P_ALIVE);
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_NULLPTR);
    o = mk(CVA_CHURN_RULE_HIATUS);
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, var, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_churn_flags(NULL, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d),
                  CVA_E_NULLPTR);
    o.rule = 3; /* IPT_MEDIAN is a result, not a selection */
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_CHURN_RULE);
    o = mk(CVA_CHURN_RULE_HIATUS);
    o.hiatus = 0.0;
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_OPTION);
    o = mk(CVA_CHURN_RULE_HIATUS);
    o.ipt_multiple = (double)NAN;
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_OPTION);
    o = mk(CVA_CHURN_RULE_HIATUS);
    o.threshold = 1.5;
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d), CVA_E_OPTION);
    o = mk(CVA_CHURN_RULE_HIATUS);
    o.struct_size = 4;
    assert_status(cva_churn_flags(R, NULL, NULL, NULL, NULL, NULL, 2, &o, act, NULL, NULL, NULL, &d),
                  CVA_E_ABI_MISMATCH);
    assert_status(cva_churn_flags(NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, &d), CVA_W_EMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_hiatus), cmocka_unit_test(test_ipt),
        cmocka_unit_test(test_p_alive_and_all), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
