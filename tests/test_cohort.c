/*
 * cva_txn_cohorts(): an exact hand-worked case, brute force on random data
 * (every option that defines a purchase, the window, caller periods, with and
 * without a workspace), the survivor matrix fed to cva_sbg_fit(), and bad input.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

/* the hand-worked case (period length 7, origin 0, end = latest time 30 -> period 4):
   customer 1 buys in periods 0 and 2, customer 2 in period 0 (its refund at 30 sets
   the end), customer 3 in periods 1, 1, 3; customer 4 only refunds (no cohort) */
static const int64_t S_ID[] = {1, 1, 2, 2, 3, 3, 3, 4};
static const double S_T[] = {0, 15, 3, 30, 8, 9, 22, 2};
static const double S_AMT[] = {10, 5, 10, -3, 10, 10, 5, -10};
enum { S_N = 8, S_NC = 5 };

static void exact_small(void **state)
{
    const double N = (double)NAN;
    static const double want_active[S_NC * S_NC] = {2, 0, 1, 0, 0, /**/ 1, 0, 1, 0, N, /**/ 0, 0, 0, N, N,
                                                    /**/ 0, 0, N, N, N, /**/ 0, N, N, N, N};
    static const double want_ret[S_NC * S_NC] = {2, 1, 1, 0, 0, /**/ 1, 1, 1, 0, N, /**/ 0, 0, 0, N, N,
                                                 /**/ 0, 0, N, N, N, /**/ 0, N, N, N, N};
    static const double want_size[S_NC] = {2, 1, 0, 0, 0};
    cva_txn_input in = {sizeof in, 0, S_N, S_ID, S_T, S_AMT, NULL, NULL, NULL};
    cva_txn_opts o;
    cva_cohort_table ct;
    cva_diag d;
    double act[S_NC * S_NC], ret[S_NC * S_NC], size[S_NC];
    int64_t per[S_NC], obs[S_NC];
    size_t k;
    (void)state;
    assert_status(cva_txn_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.period_length = 7.0;
    assert_status(cva_cohort_table_init(&ct, sizeof ct), CVA_OK);
    assert_status(cva_cohort_table_init(&ct, sizeof ct - 8), CVA_E_ABI_MISMATCH);
    assert_int_equal((int)cva_sizeof(CVA_STRUCT_COHORT_TABLE), (int)sizeof(cva_cohort_table));
    /* capacity 0: the number needed, nothing written */
    cva_diag_init(&d, sizeof d);
    size[0] = 123.0;
    ct.size = size;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_BUFFER_TOO_SMALL);
    assert_int_equal(ct.n_cohorts, S_NC);
    assert_int_equal(d.count, S_NC);
    cva_assert_same(size[0], 123.0);
    ct.capacity = S_NC;
    ct.active = act;
    ct.retained = ret;
    ct.period = per;
    ct.observed = obs;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_OK);
    assert_int_equal(ct.n_cohorts, S_NC);
    assert_int_equal(ct.first_period, 0);
    assert_int_equal(ct.end_period, 4);
    assert_int_equal(ct.n_customers, 3);
    cva_assert_same(ct.obs_end, 30.0);
    for (k = 0; k < S_NC * S_NC; k++) {
        cva_assert_same(act[k], want_active[k]);
        cva_assert_same(ret[k], want_ret[k]);
    }
    for (k = 0; k < S_NC; k++) {
        cva_assert_same(size[k], want_size[k]);
        assert_int_equal(per[k], (int64_t)k);
        assert_int_equal(obs[k], (int64_t)(S_NC - k));
    }
    /* the survivor matrix goes straight into the sBG fit and the cohort curves */
    {
        cva_model_fit fit;
        double r[S_NC - 1], s[S_NC - 1];
        cva_model_fit_init(&fit, sizeof fit);
        assert_true(cva_sbg_fit(ret, ct.n_cohorts, ct.n_cohorts, NULL, &fit, NULL) >= 0);
        assert_status(cva_cohort_curves(ret, ct.n_cohorts, ct.n_cohorts, r, s, NULL, NULL), CVA_OK);
        cva_assert_close(r[0], 2.0 / 3.0, 1e-15, 0); /* (1 + 1) / (2 + 1) */
        cva_assert_close(r[1], 1.0, 1e-15, 0);         /* (1 + 1) / (1 + 1) */
        cva_assert_close(r[2], 0.0, 0, 0);             /* 0 / (1 + 1) */
    }
    /* the period index of cohort 0 follows the origin: origin 1 shifts every time down */
    o.period_origin = -7.0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL), CVA_OK);
    assert_int_equal(ct.first_period, 1);
    assert_int_equal(ct.end_period, 5);
    assert_int_equal(per[0], 1);
    /* zero-amount rows and the refund policy decide what a purchase is, as for the summaries */
    o.period_origin = 0.0;
    o.refund_policy = CVA_TXN_REFUND_AS_ROW; /* customer 4 (period 0) and customer 2's refund (period 4) count */
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL), CVA_OK);
    assert_int_equal(ct.n_customers, 4);
    cva_assert_same(size[0], 3.0);
    cva_assert_same(ret[4], 1.0);
    cva_assert_same(act[4], 1.0);
    /* the window: obs_end 21 -> end period 3, customer 3's last purchase (22) is out */
    o.refund_policy = CVA_TXN_REFUND_NET;
    o.obs_end = 21.0;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 2);
    assert_int_equal(ct.n_cohorts, 4);
    cva_assert_same(ret[1 * 4 + 1], 0.0);
    cva_assert_same(ret[1 * 4 + 3], N);
}

/* ---------------------------------------------------------------- brute force */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

enum { BN = 600, BCUST = 60 };

/* Periods of the random tables: `narrow` keeps to the inline one-word bitsets of the
   library's fast path (at most 64 cohorts fit the capacity), `wide` gives 65 to ~1,700
   cohorts: several words per customer (some workspaces too small for them), and past
   1,024 cohorts the general path of row-sized tables. */
typedef struct bf_kind {
    const char *name;
    size_t maxc;      /* capacity of the output arrays */
    int rounds, min_compared;
    uint64_t seed;
    int wide;
} bf_kind;

static int purchase(double a, const cva_txn_opts *o)
{
    if (o->refund_policy == CVA_TXN_REFUND_AS_ROW)
        return !(o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) || a < 0.0 || a > 0.0;
    return (o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) ? a > 0.0 : a >= 0.0;
}

static void brute_force_run(const bf_kind *kind)
{
    static int64_t id[BN], per[BN];
    static double t[BN], amt[BN];
    static unsigned char buf[BN * 200];
    const size_t BMAXC = kind->maxc;
    double *act = (double *)malloc(BMAXC * BMAXC * sizeof(double));
    double *ret = (double *)malloc(BMAXC * BMAXC * sizeof(double));
    double *wa = (double *)malloc(BMAXC * BMAXC * sizeof(double));
    double *wr = (double *)malloc(BMAXC * BMAXC * sizeof(double));
    double *size = (double *)malloc(BMAXC * sizeof(double));
    double *ws = (double *)malloc(BMAXC * sizeof(double));
    int round, compared = 0, over64 = 0, over1024 = 0;
    assert_non_null(act);
    assert_non_null(ret);
    assert_non_null(wa);
    assert_non_null(wr);
    assert_non_null(size);
    assert_non_null(ws);
    rng_state = kind->seed;
    for (round = 0; round < kind->rounds; round++) {
        cva_txn_input in;
        cva_txn_opts o;
        cva_cohort_table ct;
        size_t n = 1 + (size_t)(rnd() % BN), i, nc, c, j, bytes;
        const int use_period = round % 5 == 4;
        double end = -1e300, last_t;
        int64_t endp = INT64_MIN, firstp = INT64_MAX;
        int64_t cf[BCUST], cl[BCUST];
        cva_status st;
        cva_txn_opts_init_defaults(&o, sizeof o);
        o.period_length = kind->wide ? (double)(6 + rnd() % 140) / 100.0 : (double)(1 + rnd() % 30) / 2.0;
        o.period_origin = (double)(rnd() % 100) / 7.0 - 5.0;
        o.refund_policy = (int32_t)(rnd() % 3);
        o.flags = (rnd() % 2) ? CVA_TXN_F_ZERO_NOT_PURCHASE : 0;
        for (i = 0; i < n; i++) {
            const uint64_t r = rnd();
            id[i] = (int64_t)(r % BCUST) * 1000003 - 7;
            t[i] = (double)(rnd() % 4000) / 40.0;
            amt[i] = (r >> 20) % 5 == 0 ? -3.0 : (r >> 20) % 5 == 1 ? 0.0 : (double)((r >> 24) % 50);
            /* caller periods: any int64 numbers */
            per[i] = kind->wide ? (int64_t)floor(t[i] * 11.0) - 40 : (int64_t)floor(t[i] / 9.0) * 2 - 3;
        }
        if (rnd() % 3 == 0)
            o.obs_end = 20.0 + (double)(rnd() % 80);
        /* brute force */
        for (i = 0; i < n; i++)
            if (t[i] > end)
                end = t[i];
        last_t = isnan(o.obs_end) ? end : o.obs_end;
        for (c = 0; c < BCUST; c++) {
            cf[c] = INT64_MAX;
            cl[c] = INT64_MIN;
        }
        for (i = 0; i < n; i++) {
            int64_t p;
            size_t cu = (size_t)((id[i] + 7) / 1000003);
            if (t[i] > last_t)
                continue;
            p = use_period ? per[i] : (int64_t)floor((t[i] - o.period_origin) / o.period_length);
            if (use_period && p > endp)
                endp = p;
            if (!purchase(amt[i], &o))
                continue;
            if (p < cf[cu])
                cf[cu] = p;
            if (p > cl[cu])
                cl[cu] = p;
            if (p < firstp)
                firstp = p;
        }
        if (!use_period)
            endp = (int64_t)floor((last_t - o.period_origin) / o.period_length);
        memset(&in, 0, sizeof in);
        in.struct_size = sizeof in;
        in.n = n;
        in.customer_id = id;
        in.t = t;
        in.amount = amt;
        in.period = use_period ? per : NULL;
        cva_cohort_table_init(&ct, sizeof ct);
        ct.capacity = BMAXC;
        ct.active = act;
        ct.retained = ret;
        ct.size = size;
        if (firstp == INT64_MAX) {
            assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL), CVA_W_EMPTY);
            continue;
        }
        nc = (size_t)(endp - firstp + 1);
        if (nc > BMAXC) {
            assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL), CVA_E_BUFFER_TOO_SMALL);
            assert_int_equal(ct.n_cohorts, nc);
            continue;
        }
        for (c = 0; c < nc; c++) {
            ws[c] = 0;
            for (j = 0; j < nc; j++)
                wa[c * nc + j] = wr[c * nc + j] = j < nc - c ? 0.0 : (double)NAN;
        }
        for (c = 0; c < BCUST; c++) {
            size_t k;
            if (cf[c] == INT64_MAX)
                continue;
            k = (size_t)(cf[c] - firstp);
            ws[k] += 1;
            for (j = 0; j < nc - k; j++) {
                const int64_t pj = cf[c] + (int64_t)j;
                int bought = 0;
                for (i = 0; i < n && !bought; i++) {
                    int64_t p;
                    if ((size_t)((id[i] + 7) / 1000003) != c || t[i] > last_t || !purchase(amt[i], &o))
                        continue;
                    p = use_period ? per[i] : (int64_t)floor((t[i] - o.period_origin) / o.period_length);
                    bought = p == pj;
                }
                wa[k * nc + j] += bought;
                wr[k * nc + j] += cl[c] >= pj;
            }
        }
        /* the library, without and with a workspace */
        st = cva_txn_cohorts(&in, &o, &ct, NULL, 0, NULL);
        assert_true(st == CVA_OK || st == CVA_W_EXCLUDED);
        assert_int_equal(ct.n_cohorts, nc);
        assert_int_equal(ct.first_period, firstp);
        assert_int_equal(ct.end_period, endp);
        for (c = 0; c < nc * nc; c++) {
            cva_assert_same(act[c], wa[c]);
            cva_assert_same(ret[c], wr[c]);
        }
        for (c = 0; c < nc; c++)
            cva_assert_same(size[c], ws[c]);
        compared++;
        over64 += nc > 64;
        over1024 += nc > 1024;
        assert_status(cva_txn_cohorts_workspace_size(&in, &bytes), CVA_OK);
        assert_true(bytes <= sizeof buf);
        memset(act, 0, BMAXC * BMAXC * sizeof(double));
        assert_status(cva_txn_cohorts(&in, &o, &ct, buf + 1, bytes, NULL), st);
        for (c = 0; c < nc * nc; c++)
            cva_assert_same(act[c], wa[c]);
        if (bytes > 0)
            assert_status(cva_txn_cohorts(&in, &o, &ct, buf, bytes - 1, NULL), CVA_E_WORKSPACE_TOO_SMALL);
    }
    printf("brute force (%s): %d of %d random tables compared cell by cell, %d with more than 64 "
           "cohorts, %d with more than 1024\n",
           kind->name, compared, kind->rounds, over64, over1024);
    assert_true(compared >= kind->min_compared);
    if (kind->wide) {
        assert_true(over64 >= 10);
        assert_true(over1024 >= 3);
    }
    free(act);
    free(ret);
    free(wa);
    free(wr);
    free(size);
    free(ws);
}

static void brute_force(void **state)
{
    static const bf_kind narrow = {"narrow", 64, 200, 100, 12345, 0};
    (void)state;
    brute_force_run(&narrow);
}

static void brute_force_wide(void **state)
{
    static const bf_kind wide = {"wide", 1800, 30, 25, 777, 1};
    (void)state;
    brute_force_run(&wide);
}

/* ---------------------------------------------------------------- bad input */

static void bad_input(void **state)
{
    int64_t id[3] = {1, 2, 3}, per[3] = {0, 1, INT64_MAX / 2};
    double t[3] = {0, 5, 10}, amt[3] = {1, 2, 3}, ret[16];
    cva_txn_input in = {sizeof in, 0, 3, id, t, amt, NULL, NULL, NULL};
    cva_txn_opts o;
    cva_cohort_table ct;
    cva_diag d;
    (void)state;
    cva_txn_opts_init_defaults(&o, sizeof o);
    cva_cohort_table_init(&ct, sizeof ct);
    ct.capacity = 4;
    ct.retained = ret;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_txn_cohorts(NULL, &o, &ct, NULL, 0, &d), CVA_E_NULLPTR);
    assert_status(cva_txn_cohorts(&in, &o, NULL, NULL, 0, &d), CVA_E_NULLPTR);
    assert_int_equal(d.arg, 3);
    /* NaN time: the row; skipped under CVA_TXN_F_SKIP_INVALID */
    t[1] = (double)NAN;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    assert_non_null(strstr(d.detail, "time"));
    o.flags = CVA_TXN_F_SKIP_INVALID;
    o.period_length = 5.0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 1);
    assert_int_equal(ct.n_cohorts, 3); /* periods 0 .. 10 with length 5: 0, 2 -> 3 cohorts */
    o.flags = 0;
    o.period_length = 1.0;
    t[1] = 5;
    /* zero and negative period length, non-finite origin */
    o.period_length = 0.0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_PERIOD_LENGTH);
    o.period_length = -7.0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_PERIOD_LENGTH);
    o.period_length = 1.0;
    o.period_origin = (double)INFINITY;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_PERIOD_ORIGIN);
    o.period_origin = 0.0;
    /* a period index beyond int64 */
    o.period_length = 1e-300;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OVERFLOW);
    assert_int_equal(d.index, 1);
    /* periods from the first acquisition to the end: n_cohorts² doubles do not fit */
    o.period_length = 1.0;
    in.period = per;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OVERFLOW);
    assert_non_null(strstr(d.detail, "n_cohorts"));
    in.period = NULL;
    /* capacity² overflows */
    ct.capacity = SIZE_MAX / 2;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OVERFLOW);
    ct.capacity = 4;
    /* bad options of the summaries */
    o.refund_policy = 9;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_REFUND_POLICY);
    o.refund_policy = 0;
    /* no purchase at all, or no rows */
    amt[0] = amt[1] = amt[2] = -1.0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_W_EMPTY);
    assert_int_equal(ct.n_cohorts, 0);
    in.n = 0;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_W_EMPTY);
    in.n = 3;
    in.struct_size = 8;
    assert_status(cva_txn_cohorts(&in, &o, &ct, NULL, 0, &d), CVA_E_ABI_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_small),
        cmocka_unit_test(brute_force),
        cmocka_unit_test(brute_force_wide),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
