/*
 * Header names and the label registry: the names kept until 1.0 equal the
 * module-prefixed ones, every registered label code has its name, every other
 * code has none, and cva_rfm_cuts_compute()'s column enum selects the
 * thresholds it names.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

/* Compile-time: an old name that is gone or differs breaks the build. */
#define SAME_VALUE(old_name, new_name) \
    typedef char same_##old_name[((long long)(old_name) == (long long)(new_name)) ? 1 : -1]

SAME_VALUE(CVA_REFUND_NET, CVA_TXN_REFUND_NET);
SAME_VALUE(CVA_REFUND_AS_ROW, CVA_TXN_REFUND_AS_ROW);
SAME_VALUE(CVA_REFUND_EXCLUDE, CVA_TXN_REFUND_EXCLUDE);
SAME_VALUE(CVA_F_ZERO_NOT_PURCHASE, CVA_TXN_F_ZERO_NOT_PURCHASE);
SAME_VALUE(CVA_F_SKIP_INVALID, CVA_TXN_F_SKIP_INVALID);
SAME_VALUE(CVA_TIME_CONTINUOUS, CVA_TXN_TIME_CONTINUOUS);
SAME_VALUE(CVA_TIME_PERIOD, CVA_TXN_TIME_PERIOD);
SAME_VALUE(CVA_SEG_NONE, CVA_RFM_SEG_NONE);
SAME_VALUE(CVA_SEG_CUSTOM, CVA_LABEL_CUSTOM_FIRST);

/* The values, written out: old name, new name, the value both must have. */
typedef struct named {
    const char *name;
    long long old_value;
    long long new_value;
    long long value;
} named;

#define ROW(old_name, new_name, v) {#old_name, (long long)(old_name), (long long)(new_name), (v)}

static void old_names_equal_new(void **state)
{
    static const named rows[] = {
        ROW(CVA_REFUND_NET, CVA_TXN_REFUND_NET, 0),
        ROW(CVA_REFUND_AS_ROW, CVA_TXN_REFUND_AS_ROW, 1),
        ROW(CVA_REFUND_EXCLUDE, CVA_TXN_REFUND_EXCLUDE, 2),
        ROW(CVA_F_ZERO_NOT_PURCHASE, CVA_TXN_F_ZERO_NOT_PURCHASE, 1),
        ROW(CVA_F_SKIP_INVALID, CVA_TXN_F_SKIP_INVALID, 2),
        ROW(CVA_TIME_CONTINUOUS, CVA_TXN_TIME_CONTINUOUS, 0),
        ROW(CVA_TIME_PERIOD, CVA_TXN_TIME_PERIOD, 1),
        ROW(CVA_NO_REFERRER, CVA_TXN_NO_REFERRER, INT64_MIN),
        ROW(CVA_SEG_NONE, CVA_RFM_SEG_NONE, 0),
        ROW(CVA_SEG_OTHERS, CVA_RFM_SEG_OTHERS, 1),
        ROW(CVA_SEG_CHAMPIONS, CVA_RFM_SEG_CHAMPIONS, 2),
        ROW(CVA_SEG_LOYAL, CVA_RFM_SEG_LOYAL, 3),
        ROW(CVA_SEG_POTENTIAL_LOYALIST, CVA_RFM_SEG_POTENTIAL_LOYALIST, 4),
        ROW(CVA_SEG_NEW, CVA_RFM_SEG_NEW, 5),
        ROW(CVA_SEG_PROMISING, CVA_RFM_SEG_PROMISING, 6),
        ROW(CVA_SEG_NEED_ATTENTION, CVA_RFM_SEG_NEED_ATTENTION, 7),
        ROW(CVA_SEG_ABOUT_TO_SLEEP, CVA_RFM_SEG_ABOUT_TO_SLEEP, 8),
        ROW(CVA_SEG_AT_RISK, CVA_RFM_SEG_AT_RISK, 9),
        ROW(CVA_SEG_CANT_LOSE, CVA_RFM_SEG_CANT_LOSE, 10),
        ROW(CVA_SEG_HIBERNATING, CVA_RFM_SEG_HIBERNATING, 11),
        ROW(CVA_SEG_LOST, CVA_RFM_SEG_LOST, 12),
        ROW(CVA_SEG_CUSTOM, CVA_LABEL_CUSTOM_FIRST, 1000),
    };
    size_t i;
    /* the old enum tags name the new types */
    enum cva_refund_policy rp = CVA_TXN_REFUND_EXCLUDE;
    enum cva_time_convention tc = CVA_TXN_TIME_PERIOD;
    enum cva_segment sg = CVA_RFM_SEG_LOST;
    enum cva_txn_refund_policy *rpp = &rp;
    enum cva_txn_time_convention *tcp = &tc;
    enum cva_rfm_segment_label *sgp = &sg;
    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].old_value != rows[i].value || rows[i].new_value != rows[i].value)
            fail_msg("%s: old %lld, new %lld, want %lld", rows[i].name, rows[i].old_value,
                     rows[i].new_value, rows[i].value);
    }
    assert_int_equal(*rpp, 2);
    assert_int_equal(*tcp, 1);
    assert_int_equal(*sgp, 12);
}

static void registry_ranges(void **state)
{
    (void)state;
    assert_int_equal(CVA_LABEL_NONE, 0);
    assert_int_equal(CVA_LABEL_RFM_FIRST, 1);
    assert_int_equal(CVA_LABEL_RFM_LAST, 99);
    assert_int_equal(CVA_LABEL_TIER_FIRST, 100);
    assert_int_equal(CVA_LABEL_TIER_LAST, 199);
    assert_int_equal(CVA_LABEL_LADDER_FIRST, 200);
    assert_int_equal(CVA_LABEL_LADDER_LAST, 299);
    assert_int_equal(CVA_LABEL_RESERVED_FIRST, 300);
    assert_int_equal(CVA_LABEL_RESERVED_LAST, 999);
    assert_int_equal(CVA_LABEL_CUSTOM_FIRST, 1000);
    /* the ranges tile 0.. without gaps */
    assert_int_equal(CVA_LABEL_RFM_LAST + 1, CVA_LABEL_TIER_FIRST);
    assert_int_equal(CVA_LABEL_TIER_LAST + 1, CVA_LABEL_LADDER_FIRST);
    assert_int_equal(CVA_LABEL_LADDER_LAST + 1, CVA_LABEL_RESERVED_FIRST);
    assert_int_equal(CVA_LABEL_RESERVED_LAST + 1, CVA_LABEL_CUSTOM_FIRST);
}

typedef struct label_case {
    int32_t code;
    int32_t value; /* the code the registry pins for the name */
    const char *name;
} label_case;

/* Every code the library defines, with its pinned value and name. */
static const label_case known[] = {
    {CVA_RFM_SEG_NONE, 0, "None"},
    {CVA_RFM_SEG_OTHERS, 1, "Others"},
    {CVA_RFM_SEG_CHAMPIONS, 2, "Champions"},
    {CVA_RFM_SEG_LOYAL, 3, "Loyal Customers"},
    {CVA_RFM_SEG_POTENTIAL_LOYALIST, 4, "Potential Loyalist"},
    {CVA_RFM_SEG_NEW, 5, "New Customers"},
    {CVA_RFM_SEG_PROMISING, 6, "Promising"},
    {CVA_RFM_SEG_NEED_ATTENTION, 7, "Need Attention"},
    {CVA_RFM_SEG_ABOUT_TO_SLEEP, 8, "About To Sleep"},
    {CVA_RFM_SEG_AT_RISK, 9, "At Risk"},
    {CVA_RFM_SEG_CANT_LOSE, 10, "Can't Lose Them"},
    {CVA_RFM_SEG_HIBERNATING, 11, "Hibernating"},
    {CVA_RFM_SEG_LOST, 12, "Lost"},
    {CVA_TIER_BZ, 100, "BZ"},
    {CVA_TIER_MVC, 101, "MVC"},
    {CVA_TIER_MGC, 102, "MGC"},
    {CVA_TIER_OTHER, 103, "OTHER"},
    {CVA_TIER_KEY, 110, "KEY"},
    {CVA_TIER_ORDINARY, 111, "ORDINARY"},
    {CVA_TIER_SMALL, 112, "SMALL"},
    {CVA_TIER_PLATINUM, 120, "PLATINUM"},
    {CVA_TIER_GOLD, 121, "GOLD"},
    {CVA_TIER_IRON, 122, "IRON"},
    {CVA_TIER_LEAD, 123, "LEAD"},
    {CVA_LADDER_PROSPECT, 200, "PROSPECT"},
    {CVA_LADDER_CUSTOMER, 201, "CUSTOMER"},
    {CVA_LADDER_CLIENT, 202, "CLIENT"},
    {CVA_LADDER_SUPPORTER, 203, "SUPPORTER"},
    {CVA_LADDER_ADVOCATE, 204, "ADVOCATE"},
    {CVA_LADDER_PARTNER, 205, "PARTNER"},
    {CVA_LADDER_LAPSED, 206, "LAPSED"},
};
#define N_KNOWN (sizeof known / sizeof known[0])

static void every_code_named(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_KNOWN; i++) {
        const char *got = cva_label(known[i].code);
        assert_int_equal(known[i].code, known[i].value);
        assert_non_null(got);
        if (strcmp(got, known[i].name) != 0)
            fail_msg("cva_label(%d) = \"%s\", want \"%s\"", (int)known[i].code, got, known[i].name);
    }
    /* the range owners */
    for (i = 0; i < N_KNOWN; i++) {
        int32_t c = known[i].code;
        if (strcmp(known[i].name, "None") == 0)
            assert_int_equal(c, CVA_LABEL_NONE);
        else if (i < 13)
            assert_true(c >= CVA_LABEL_RFM_FIRST && c <= CVA_LABEL_RFM_LAST);
        else if (i < 24)
            assert_true(c >= CVA_LABEL_TIER_FIRST && c <= CVA_LABEL_TIER_LAST);
        else
            assert_true(c >= CVA_LABEL_LADDER_FIRST && c <= CVA_LABEL_LADDER_LAST);
    }
}

static void unknown_codes_unnamed(void **state)
{
    /* every code of every range that is not registered, plus the edges of int32 */
    static const int32_t extremes[] = {INT32_MIN, INT32_MIN + 1, -1000, -1, INT32_MAX - 1, INT32_MAX};
    int32_t c;
    size_t i, named_count = 0, unnamed[4] = {0, 0, 0, 0};
    (void)state;
    for (c = -50; c <= 1200; c++) {
        int registered = 0;
        const char *got = cva_label(c);
        assert_non_null(got);
        for (i = 0; i < N_KNOWN; i++)
            registered |= known[i].code == c;
        if (registered) {
            named_count++;
            continue;
        }
        if (got[0] != '\0')
            fail_msg("cva_label(%d) = \"%s\", want \"\" (no such code)", (int)c, got);
        if (c >= CVA_LABEL_RFM_FIRST && c <= CVA_LABEL_RFM_LAST)
            unnamed[0]++;
        else if (c >= CVA_LABEL_TIER_FIRST && c <= CVA_LABEL_TIER_LAST)
            unnamed[1]++;
        else if (c >= CVA_LABEL_LADDER_FIRST && c <= CVA_LABEL_LADDER_LAST)
            unnamed[2]++;
        else if (c >= CVA_LABEL_RESERVED_FIRST)
            unnamed[3]++;
    }
    assert_int_equal(named_count, N_KNOWN);
    assert_int_equal(unnamed[0], 99 - 12);          /* 13..99 */
    assert_int_equal(unnamed[1], 100 - 11);         /* tier range minus 11 tiers */
    assert_int_equal(unnamed[2], 100 - 7);          /* ladder range minus 7 rungs */
    assert_int_equal(unnamed[3], 700 + 201);        /* 300..999 and 1000..1200 */
    for (i = 0; i < sizeof extremes / sizeof extremes[0]; i++) {
        const char *got = cva_label(extremes[i]);
        assert_non_null(got);
        assert_string_equal(got, "");
    }
}

/* cva_rfm_cuts_compute()'s column enum selects the fixed thresholds it names. */
static void column_selects_thresholds(void **state)
{
    static const double v[4] = {5, 15, 25, 35};
    static const double rc[1] = {10}, fc[1] = {20}, mc[1] = {30};
    static const struct {
        int32_t which;
        double cut;
        int32_t bins[4];
    } cases[3] = {
        {CVA_RFM_COL_RECENCY, 10, {1, 2, 2, 2}},
        {CVA_RFM_COL_FREQUENCY, 20, {1, 1, 2, 2}},
        {CVA_RFM_COL_MONETARY, 30, {1, 1, 1, 2}},
    };
    cva_rfm_opts o;
    cva_rfm_cuts c;
    cva_diag d;
    int32_t got[4];
    size_t i, j;
    (void)state;
    assert_int_equal(CVA_RFM_COL_RECENCY, 0);
    assert_int_equal(CVA_RFM_COL_FREQUENCY, 1);
    assert_int_equal(CVA_RFM_COL_MONETARY, 2);
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = 2;
    o.method = CVA_RFM_FIXED;
    o.r_cuts = rc;
    o.f_cuts = fc;
    o.m_cuts = mc;
    for (i = 0; i < 3; i++) {
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        assert_status(cva_rfm_cuts_compute(v, 4, CVA_RFM_ASCENDING, &o, cases[i].which, &c, NULL, 0, NULL),
                      CVA_OK);
        cva_assert_same(c.value[0], cases[i].cut);
        assert_status(cva_rfm_assign(v, 0, 4, &c, 0, got, NULL), CVA_OK);
        for (j = 0; j < 4; j++)
            assert_int_equal(got[j], cases[i].bins[j]);
    }
    cva_diag_init(&d, sizeof d);
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    assert_status(cva_rfm_cuts_compute(v, 4, CVA_RFM_ASCENDING, &o, CVA_RFM_COL_MONETARY + 1, &c, NULL, 0, &d),
                  CVA_E_BADARG);
    assert_int_equal(d.arg, 5);
    assert_status(cva_rfm_cuts_compute(v, 4, CVA_RFM_ASCENDING, &o, -1, &c, NULL, 0, &d), CVA_E_BADARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(old_names_equal_new),
        cmocka_unit_test(registry_ranges),
        cmocka_unit_test(every_code_named),
        cmocka_unit_test(unknown_codes_unnamed),
        cmocka_unit_test(column_selects_thresholds),
    };
    return cmocka_run_group_tests_name("labels", tests, NULL, NULL);
}
