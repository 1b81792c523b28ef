/*
 * Transaction summaries: hand-computed cases, a brute-force reference on
 * random data with heavy ties, bad input, workspace/allocator contracts.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

/* ------------------------------------------------------------------------ */
/* Output buffers                                                           */

typedef struct outbuf {
    size_t cap;
    int64_t *id;
    uint32_t *n_txn, *n_occ, *n_refund, *ref_n_txn, *ref_n_cust;
    double *first_t, *last_t, *total, *cost, *refund, *x, *tx, *T, *mx, *since, *ref_amount,
        *ref_last_t, *xh, *mh, *dh;
    cva_txn_summary s;
} outbuf;

static void outbuf_alloc(outbuf *b, size_t cap, int holdout, int referral)
{
    memset(b, 0, sizeof *b);
    b->cap = cap ? cap : 1;
#define A_(f, T) b->f = (T *)calloc(b->cap, sizeof(T))
    A_(id, int64_t);
    A_(n_txn, uint32_t);
    A_(n_occ, uint32_t);
    A_(n_refund, uint32_t);
    A_(first_t, double);
    A_(last_t, double);
    A_(total, double);
    A_(cost, double);
    A_(refund, double);
    A_(x, double);
    A_(tx, double);
    A_(T, double);
    A_(mx, double);
    A_(since, double);
    if (referral) {
        A_(ref_n_txn, uint32_t);
        A_(ref_n_cust, uint32_t);
        A_(ref_amount, double);
        A_(ref_last_t, double);
    }
    if (holdout) {
        A_(xh, double);
        A_(mh, double);
        A_(dh, double);
    }
#undef A_
    cva_txn_summary_init(&b->s, sizeof b->s);
    b->s.capacity = cap;
    b->s.customer_id = b->id;
    b->s.n_txn = b->n_txn;
    b->s.n_occ = b->n_occ;
    b->s.n_refund = b->n_refund;
    b->s.first_t = b->first_t;
    b->s.last_t = b->last_t;
    b->s.total_amount = b->total;
    b->s.total_cost = b->cost;
    b->s.refund_amount = b->refund;
    b->s.frequency = b->x;
    b->s.recency = b->tx;
    b->s.T = b->T;
    b->s.monetary_value = b->mx;
    b->s.days_since_last = b->since;
    b->s.ref_n_txn = b->ref_n_txn;
    b->s.ref_n_cust = b->ref_n_cust;
    b->s.ref_amount = b->ref_amount;
    b->s.ref_last_t = b->ref_last_t;
    b->s.frequency_holdout = b->xh;
    b->s.monetary_value_holdout = b->mh;
    b->s.duration_holdout = b->dh;
}

static void outbuf_free(outbuf *b)
{
    free(b->id);
    free(b->n_txn);
    free(b->n_occ);
    free(b->n_refund);
    free(b->first_t);
    free(b->last_t);
    free(b->total);
    free(b->cost);
    free(b->refund);
    free(b->x);
    free(b->tx);
    free(b->T);
    free(b->mx);
    free(b->since);
    free(b->ref_n_txn);
    free(b->ref_n_cust);
    free(b->ref_amount);
    free(b->ref_last_t);
    free(b->xh);
    free(b->mh);
    free(b->dh);
}

static cva_txn_input make_input(size_t n, const int64_t *id, const double *t, const double *a)
{
    cva_txn_input in;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n;
    in.customer_id = id;
    in.t = t;
    in.amount = a;
    return in;
}

/* ------------------------------------------------------------------------ */
/* Hand-computed example                                                    */

static void hand_example(void **state)
{
    /* customer 7: purchases on days 0, 0 (same day), 3.5, 10; refund day 10;
       customer -2: one purchase day 4; customer 9: refund only, day 5. */
    const int64_t id[] = {7, 9, 7, -2, 7, 7, 7};
    const double t[] = {3.5, 5.0, 0.0, 4.0, 0.25, 10.0, 10.0};
    const double a[] = {20.0, -8.0, 10.0, 15.0, 5.0, 40.0, -4.0};
    const double c[] = {1.0, 0.5, 1.0, 2.0, 0.0, 3.0, 0.25};
    cva_txn_input in = make_input(7, id, t, a);
    cva_txn_opts o;
    outbuf b;
    cva_diag d;

    (void)state;
    in.cost = c;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_end = 14.0;
    o.time_scale = 7.0;
    cva_diag_init(&d, sizeof d);
    outbuf_alloc(&b, 7, 0, 0);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_OK);
    assert_int_equal(b.s.n_customers, 3);
    assert_true(b.id[0] == -2 && b.id[1] == 7 && b.id[2] == 9);

    /* -2 */
    assert_int_equal(b.n_txn[0], 1);
    assert_int_equal(b.n_occ[0], 1);
    cva_assert_same(b.x[0], 0.0);
    cva_assert_same(b.tx[0], 0.0);
    cva_assert_close(b.T[0], 10.0 / 7.0, 1e-15, 0);
    cva_assert_same(b.mx[0], 0.0);
    cva_assert_same(b.total[0], 15.0);
    cva_assert_same(b.since[0], 10.0);

    /* 7: occasions day0 {10,5}=15, day3 {20}, day10 {40,-4}=36 under NET */
    assert_int_equal(b.n_txn[1], 4);
    assert_int_equal(b.n_occ[1], 3);
    assert_int_equal(b.n_refund[1], 1);
    cva_assert_same(b.first_t[1], 0.0);
    cva_assert_same(b.last_t[1], 10.0);
    cva_assert_same(b.x[1], 2.0);
    cva_assert_close(b.tx[1], 10.0 / 7.0, 1e-15, 0);
    cva_assert_close(b.T[1], 2.0, 1e-15, 0);
    cva_assert_same(b.mx[1], (20.0 + 36.0) / 2.0);
    cva_assert_same(b.total[1], 71.0);
    cva_assert_same(b.cost[1], 5.25);
    cva_assert_same(b.refund[1], -4.0);
    cva_assert_same(b.since[1], 4.0);

    /* 9: refund only, unscored */
    assert_int_equal(b.n_txn[2], 0);
    assert_int_equal(b.n_occ[2], 0);
    assert_int_equal(b.n_refund[2], 1);
    cva_assert_same(b.first_t[2], (double)NAN);
    cva_assert_same(b.x[2], (double)NAN);
    cva_assert_same(b.T[2], (double)NAN);
    cva_assert_same(b.total[2], -8.0);

    /* EXCLUDE: refunds ignored for money; occasion day10 spend = 40 */
    o.refund_policy = CVA_TXN_REFUND_EXCLUDE;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    cva_assert_same(b.total[1], 75.0);
    cva_assert_same(b.mx[1], 30.0);
    cva_assert_same(b.total[2], 0.0);

    /* AS_ROW: the refund is a purchase row */
    o.refund_policy = CVA_TXN_REFUND_AS_ROW;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.n_txn[1], 5);
    assert_int_equal(b.n_occ[1], 3);
    assert_int_equal(b.n_txn[2], 1);
    cva_assert_same(b.x[2], 0.0);

    /* TIME_PERIOD with weekly periods: days 0,3.5 -> period 0; 10 -> period 1; end 14 -> 2 */
    o.refund_policy = CVA_TXN_REFUND_NET;
    o.time_convention = CVA_TXN_TIME_PERIOD;
    o.period_length = 7.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.n_occ[1], 2);
    cva_assert_same(b.x[1], 1.0);
    cva_assert_same(b.tx[1], 1.0);
    cva_assert_same(b.T[1], 2.0);
    cva_assert_same(b.mx[1], 36.0);
    cva_assert_same(b.T[0], 2.0);

    /* zero amounts: F_ZERO_NOT_PURCHASE */
    outbuf_free(&b);
}

static void zero_amount_rows(void **state)
{
    const int64_t id[] = {1, 1, 1};
    const double t[] = {0, 1, 2};
    const double a[] = {5, 0, 0};
    cva_txn_input in = make_input(3, id, t, a);
    cva_txn_opts o;
    outbuf b;
    (void)state;
    cva_txn_opts_init_defaults(&o, sizeof o);
    outbuf_alloc(&b, 3, 0, 0);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.n_txn[0], 3);
    cva_assert_same(b.x[0], 2.0);
    cva_assert_same(b.mx[0], 0.0);
    o.flags = CVA_TXN_F_ZERO_NOT_PURCHASE;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.n_txn[0], 1);
    cva_assert_same(b.x[0], 0.0);
    cva_assert_same(b.last_t[0], 0.0);
    cva_assert_same(b.T[0], 2.0);
    outbuf_free(&b);
}

static void calibration_holdout(void **state)
{
    /* purchases at 0, 2, 2, 5 (cal end 4), 6, 6, 9 (end 10) */
    const int64_t id[] = {3, 3, 3, 3, 3, 3, 3, 4};
    const double t[] = {0, 2, 2, 5, 6, 6, 9, 6};
    const double a[] = {1, 2, 3, 4, 5, 6, 7, 8};
    cva_txn_input in = make_input(8, id, t, a);
    cva_txn_opts o;
    outbuf b;
    (void)state;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.calibration_end = 4.0;
    o.obs_end = 10.0;
    outbuf_alloc(&b, 8, 1, 0);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.s.n_customers, 2);
    cva_assert_same(b.x[0], 1.0);
    cva_assert_same(b.tx[0], 2.0);
    cva_assert_same(b.T[0], 4.0);
    cva_assert_same(b.mx[0], 5.0);
    cva_assert_same(b.total[0], 6.0);
    cva_assert_same(b.xh[0], 3.0);                 /* days 5, 6, 9 */
    cva_assert_same(b.mh[0], (4.0 + 11.0 + 7.0) / 3.0);
    cva_assert_same(b.dh[0], 6.0);
    /* customer 4 first buys in the holdout: no calibration statistics */
    assert_int_equal(b.n_txn[1], 0);
    cva_assert_same(b.x[1], (double)NAN);
    cva_assert_same(b.xh[1], 1.0);
    cva_assert_same(b.mh[1], 8.0);
    /* holdout outputs without a calibration end are an option error */
    o.calibration_end = (double)NAN;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_E_OPTION);
    outbuf_free(&b);
}

static void referrals(void **state)
{
    /* 10 refers 1 twice and 2 once; 99 (never buys) refers 2; a refund row is not a referral */
    const int64_t id[] = {1, 1, 2, 2, 10, 2};
    const double t[] = {1, 2, 3, 4, 5, 6};
    const double a[] = {10, 20, 30, 40, 50, -5};
    const int64_t ref[] = {10, 10, 10, 99, CVA_TXN_NO_REFERRER, 10};
    cva_txn_input in = make_input(6, id, t, a);
    outbuf b;
    (void)state;
    in.referrer_id = ref;
    outbuf_alloc(&b, 12, 0, 1);
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.s.n_customers, 4);
    assert_true(b.id[0] == 1 && b.id[1] == 2 && b.id[2] == 10 && b.id[3] == 99);
    assert_int_equal(b.ref_n_txn[2], 3);
    assert_int_equal(b.ref_n_cust[2], 2);
    cva_assert_same(b.ref_amount[2], 60.0);
    cva_assert_same(b.ref_last_t[2], 3.0);
    assert_int_equal(b.ref_n_txn[3], 1);
    assert_int_equal(b.ref_n_cust[3], 1);
    cva_assert_same(b.ref_amount[3], 40.0);
    assert_int_equal(b.n_txn[3], 0); /* referrer without own rows */
    cva_assert_same(b.first_t[3], (double)NAN);
    assert_int_equal(b.ref_n_txn[0], 0);
    cva_assert_same(b.ref_last_t[0], (double)NAN);
    /* the referrer path reports its end too: the refund on day 6 */
    cva_assert_same(b.s.obs_end, 6.0);
    cva_assert_same(b.s.calibration_end, 6.0);
    cva_assert_same(b.since[1], 2.0);
    outbuf_free(&b);
}

/* The end of observation the call used, reported on every path (docs/methods/summaries.md#methods_window: the latest time
   of a valid row by default, refunds included), and the older struct size without it. */
static void obs_end_reported(void **state)
{
    /* 1 buys on days 6874.826 and 100; 2 buys on day 50 and refunds on 15725.78, the
       latest row: no customer has a purchase on the end date, and last_t + days_since_last
       does not round back to the end for customer 1 (6874.826 + 8850.954 = 15725.780000000002) */
    const int64_t id[] = {1, 2, 1, 2};
    const double t[] = {6874.826, 50.0, 100.0, 15725.78};
    const double a[] = {5.0, 7.0, 3.0, -7.0};
    const int64_t ref[] = {CVA_TXN_NO_REFERRER, 1, CVA_TXN_NO_REFERRER, CVA_TXN_NO_REFERRER};
    cva_txn_input in = make_input(4, id, t, a);
    cva_txn_opts o;
    outbuf b;
    int with_ref, c;
    (void)state;
    for (with_ref = 0; with_ref < 2; with_ref++)
        for (c = 0; c < 2; c++) {
            /* c = 1: a capacity below the rows (customers counted first on the partitioned path) */
            in.referrer_id = with_ref ? ref : NULL;
            outbuf_alloc(&b, c ? 2 : 8, 0, with_ref);
            b.s.obs_end = b.s.calibration_end = -1.0;
            assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, NULL), CVA_OK);
            assert_int_equal(b.s.n_customers, 2);
            cva_assert_same(b.s.obs_end, 15725.78);
            cva_assert_same(b.s.calibration_end, 15725.78);
            /* days_since_last is the RFM recency: the reported end minus last_t */
            cva_assert_same(b.last_t[0], 6874.826);
            cva_assert_same(b.since[0], 15725.78 - 6874.826);
            assert_true(b.last_t[0] + b.since[0] > 15725.78); /* why the end cannot be recovered */
            cva_assert_same(b.since[1], 15725.78 - 50.0);
            {
                double rec[2], fr[2], mo[2];
                assert_status(cva_rfm_raw(b.s.calibration_end, b.last_t, b.n_txn, NULL, b.total, NULL, 2, NULL,
                                          rec, fr, mo, NULL),
                              CVA_OK);
                cva_assert_same(rec[0], b.since[0]);
                cva_assert_same(rec[1], b.since[1]);
            }
            outbuf_free(&b);
        }
    in.referrer_id = NULL;

    /* the caller's end; a calibration end; a default end before the calibration end */
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_end = 1000.0;
    outbuf_alloc(&b, 4, 0, 0);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_W_EXCLUDED);
    cva_assert_same(b.s.obs_end, 1000.0);
    cva_assert_same(b.s.calibration_end, 1000.0);
    o.calibration_end = 80.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_W_EXCLUDED);
    cva_assert_same(b.s.obs_end, 1000.0);
    cva_assert_same(b.s.calibration_end, 80.0);
    cva_assert_same(b.since[1], 30.0);
    o.obs_end = (double)NAN;
    o.calibration_end = 20000.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    cva_assert_same(b.s.obs_end, 20000.0);
    cva_assert_same(b.s.calibration_end, 20000.0);
    /* rows before obs_start do not set the default end */
    o.calibration_end = (double)NAN;
    o.obs_start = 16000.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_W_EMPTY);
    cva_assert_same(b.s.obs_end, (double)NAN);
    cva_assert_same(b.s.calibration_end, (double)NAN);
    o.obs_start = 90.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_W_EXCLUDED);
    cva_assert_same(b.s.obs_end, 15725.78);
    /* errors write nothing */
    b.s.obs_end = -1.0;
    b.s.capacity = 1;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, NULL), CVA_E_BUFFER_TOO_SMALL);
    cva_assert_same(b.s.obs_end, -1.0);
    outbuf_free(&b);

    /* empty input: NaN without an end, the caller's end with one */
    in = make_input(0, NULL, NULL, NULL);
    outbuf_alloc(&b, 1, 0, 0);
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, NULL), CVA_W_EMPTY);
    cva_assert_same(b.s.obs_end, (double)NAN);
    cva_assert_same(b.s.calibration_end, (double)NAN);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_end = 5.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_W_EMPTY);
    cva_assert_same(b.s.obs_end, 5.0);
    outbuf_free(&b);

    /* a caller built before obs_end was appended: its size is accepted, the tail untouched */
    {
        unsigned char buf[sizeof(cva_txn_summary) + 16];
        cva_txn_summary *sp = (cva_txn_summary *)(void *)buf;
        const size_t v1 = offsetof(cva_txn_summary, obs_end);
        int64_t ids[2];
        double since[2];
        size_t i;
        in = make_input(4, id, t, a);
        memset(buf, 0xA5, sizeof buf);
        assert_status(cva_txn_summary_init(sp, v1), CVA_OK);
        assert_int_equal(sp->struct_size, v1);
        sp->capacity = 2;
        sp->customer_id = ids;
        sp->days_since_last = since;
        assert_status(cva_txn_summarize(&in, NULL, sp, NULL, 0, NULL), CVA_OK);
        assert_int_equal(sp->n_customers, 2);
        cva_assert_same(since[1], 15725.78 - 50.0);
        for (i = v1; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xA5);
        assert_status(cva_txn_summary_init(sp, v1 - 8), CVA_E_ABI_MISMATCH);
        assert_status(cva_txn_summary_init(sp, sizeof(cva_txn_summary) + 8), CVA_E_ABI_MISMATCH);
        sp->struct_size = (uint32_t)(v1 + 8);
        assert_status(cva_txn_summarize(&in, NULL, sp, NULL, 0, NULL), CVA_E_ABI_MISMATCH);
    }
}

/* ------------------------------------------------------------------------ */
/* Brute-force reference                                                    */

typedef struct refrow {
    int64_t id, ref;
    double t, a, c;
    int64_t p;
    size_t idx;
} refrow;

static int cmp_refrow(const void *x, const void *y)
{
    const refrow *a = (const refrow *)x, *b = (const refrow *)y;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    if (a->t < b->t)
        return -1;
    if (a->t > b->t)
        return 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : (a > b);
}

static int ref_purchase(double a, const cva_txn_opts *o)
{
    if (o->refund_policy == CVA_TXN_REFUND_AS_ROW)
        return !((o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) && !(a < 0) && !(a > 0));
    return (o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) ? a > 0 : a >= 0;
}

static int ref_money(double a, const cva_txn_opts *o)
{
    return o->refund_policy != CVA_TXN_REFUND_EXCLUDE || a >= 0;
}

/* Compare the library output b (already computed) with a brute-force evaluation. */
static void check_against_reference(const cva_txn_input *in, const cva_txn_opts *o, const outbuf *b)
{
    size_t n = in->n, i, j, k, nw = 0, nid = 0;
    double end = o->obs_end, cal;
    int has_cal = !isnan(o->calibration_end);
    refrow *w = (refrow *)calloc(n + 1, sizeof(refrow));
    int64_t *ids = (int64_t *)calloc(2 * n + 1, sizeof(int64_t));

    if (isnan(end)) {
        end = -(double)INFINITY;
        for (i = 0; i < n; i++)
            if (in->t[i] >= o->obs_start && in->t[i] > end)
                end = in->t[i];
        if (has_cal && o->calibration_end > end)
            end = o->calibration_end;
    }
    cal = has_cal ? o->calibration_end : end;
    /* the ends the library reports having used */
    cva_assert_same(b->s.obs_end, isfinite(end) ? end : (double)NAN);
    cva_assert_same(b->s.calibration_end, isfinite(cal) ? cal : (double)NAN);
    for (i = 0; i < n; i++) {
        if (in->t[i] < o->obs_start || in->t[i] > end)
            continue;
        w[nw].id = in->customer_id[i];
        w[nw].ref = in->referrer_id ? in->referrer_id[i] : CVA_TXN_NO_REFERRER;
        w[nw].t = in->t[i];
        w[nw].a = in->amount[i];
        w[nw].c = in->cost ? in->cost[i] : 0.0;
        w[nw].p = in->period ? in->period[i]
                             : (int64_t)floor((in->t[i] - o->period_origin) / o->period_length);
        w[nw].idx = i;
        ids[nid++] = w[nw].id;
        if (w[nw].ref != CVA_TXN_NO_REFERRER && ref_purchase(w[nw].a, o) && (!has_cal || w[nw].t <= cal))
            ids[nid++] = w[nw].ref;
        nw++;
    }
    qsort(ids, nid, sizeof ids[0], cmp_i64);
    for (i = 0, k = 0; i < nid; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            ids[k++] = ids[i];
    nid = k;
    assert_int_equal(b->s.n_customers, nid);
    qsort(w, nw, sizeof w[0], cmp_refrow);

    for (k = 0; k < nid; k++) {
        int64_t cid = ids[k];
        uint32_t n_txn = 0, n_ref = 0, hold_occ = 0, n_occ = 0, rn = 0, rc = 0;
        double first = (double)NAN, last = (double)NAN, total = 0, cost = 0, refund = 0, rep = 0, hold = 0;
        double occ_t[2] = {(double)NAN, (double)NAN}, occ_first = (double)NAN, occ_last = (double)NAN;
        double ramount = 0, rlast = (double)NAN;
        int64_t pfirst = 0, plast = 0;
        int64_t seen_p[2] = {0, 0};
        int have_p[2] = {0, 0};
        double occ_spend[2] = {0, 0};
        int occ_has_purchase[2] = {0, 0};
        assert_int_equal(b->id[k], cid);
        /* occasions: walk groups of (period, side) in the sorted order */
        for (j = 0; j < nw; j++) {
            const refrow *r = &w[j];
            int side;
            if (r->id != cid)
                continue;
            side = has_cal && r->t > cal;
            if (!have_p[side] || seen_p[side] != r->p) {
                /* close the previous group of this side */
                if (have_p[side] && occ_has_purchase[side]) {
                    if (side) {
                        hold_occ++;
                        hold += occ_spend[side];
                    } else {
                        n_occ++;
                        if (n_occ == 1)
                            occ_first = occ_t[side];
                        occ_last = occ_t[side];
                        if (n_occ > 1)
                            rep += occ_spend[side];
                    }
                }
                have_p[side] = 1;
                seen_p[side] = r->p;
                occ_spend[side] = 0;
                occ_has_purchase[side] = 0;
                occ_t[side] = (double)NAN;
            }
            if (ref_money(r->a, o))
                occ_spend[side] += r->a;
            if (ref_purchase(r->a, o)) {
                occ_has_purchase[side] = 1;
                if (isnan(occ_t[side]) || r->t < occ_t[side])
                    occ_t[side] = r->t;
            }
            if (side)
                continue;
            cost += r->c;
            if (r->a < 0) {
                n_ref++;
                refund += r->a;
            }
            if (ref_money(r->a, o))
                total += r->a;
            if (ref_purchase(r->a, o)) {
                n_txn++;
                if (isnan(first) || r->t < first) {
                    first = r->t;
                    pfirst = r->p;
                }
                if (isnan(last) || r->t >= last) {
                    last = r->t;
                    plast = r->p;
                }
            }
        }
        for (j = 0; j < 2; j++)
            if (have_p[j] && occ_has_purchase[j]) {
                if (j) {
                    hold_occ++;
                    hold += occ_spend[j];
                } else {
                    n_occ++;
                    if (n_occ == 1)
                        occ_first = occ_t[j];
                    occ_last = occ_t[j];
                    if (n_occ > 1)
                        rep += occ_spend[j];
                }
            }
        /* referrals by this customer, distinct buyers by brute force */
        for (j = 0; j < nw; j++) {
            const refrow *r = &w[j];
            size_t q;
            int dup = 0;
            if (r->ref == CVA_TXN_NO_REFERRER || r->ref != cid || !ref_purchase(r->a, o) ||
                (has_cal && r->t > cal))
                continue;
            rn++;
            ramount += r->a;
            if (isnan(rlast) || r->t > rlast)
                rlast = r->t;
            for (q = 0; q < j; q++)
                if (w[q].ref == cid && w[q].id == r->id && ref_purchase(w[q].a, o) &&
                    !(has_cal && w[q].t > cal))
                    dup = 1;
            rc += !dup;
        }

        assert_int_equal(b->n_txn[k], n_txn);
        assert_int_equal(b->n_occ[k], n_occ);
        assert_int_equal(b->n_refund[k], n_ref);
        cva_assert_same(b->first_t[k], first);
        cva_assert_same(b->last_t[k], last);
        cva_assert_close(b->total[k], total, 1e-12, 1e-12);
        cva_assert_close(b->cost[k], cost, 1e-12, 1e-12);
        cva_assert_close(b->refund[k], refund, 1e-12, 1e-12);
        if (n_occ == 0) {
            cva_assert_same(b->x[k], (double)NAN);
            cva_assert_same(b->tx[k], (double)NAN);
            cva_assert_same(b->T[k], (double)NAN);
            cva_assert_same(b->since[k], (double)NAN);
        } else {
            double x = (double)(n_occ - 1);
            cva_assert_same(b->x[k], x);
            if (o->time_convention == CVA_TXN_TIME_CONTINUOUS) {
                cva_assert_close(b->tx[k], (occ_last - occ_first) / o->time_scale, 1e-15, 0);
                cva_assert_close(b->T[k], (cal - occ_first) / o->time_scale, 1e-15, 0);
                if (n_occ == 1)
                    cva_assert_same(b->tx[k], 0.0); /* x = 0 implies t_x = 0 */
            } else {
                int64_t pend = (int64_t)floor((cal - o->period_origin) / o->period_length);
                cva_assert_close(b->tx[k], (double)(plast - pfirst) * o->period_length / o->time_scale,
                                 1e-15, 0);
                cva_assert_close(b->T[k], (double)(pend - pfirst) * o->period_length / o->time_scale,
                                 1e-15, 0);
            }
            cva_assert_close(b->mx[k], n_occ > 1 ? rep / x : 0.0, 1e-12, 1e-12);
            cva_assert_same(b->since[k], cal - last);
        }
        if (b->ref_n_txn) {
            assert_int_equal(b->ref_n_txn[k], rn);
            assert_int_equal(b->ref_n_cust[k], rc);
            cva_assert_close(b->ref_amount[k], ramount, 1e-12, 1e-12);
            cva_assert_same(b->ref_last_t[k], rlast);
        }
        if (b->xh) {
            cva_assert_same(b->xh[k], (double)hold_occ);
            cva_assert_close(b->mh[k], hold_occ ? hold / hold_occ : 0.0, 1e-12, 1e-12);
            cva_assert_close(b->dh[k], (end - cal) / o->time_scale, 1e-15, 0);
        }
    }
    free(w);
    free(ids);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *s >> 33;
}

static void random_vs_reference(void **state)
{
    static const int64_t id_pool[] = {INT64_MIN, INT64_MAX, -1, 0, 1, 2, 3, 42, 1000000007,
                                      INT64_MIN + 1, 5, 6, 7, 8, 9};
    static const double amounts[] = {-7.5, -1.25, 0.0, 0.0, 1.5, 2.25, 10.0, 19.99, 100.0, 3.0};
    uint64_t seed = 12345;
    int trial;
    (void)state;
    for (trial = 0; trial < 400; trial++) {
        size_t n = (size_t)(lcg(&seed) % 60), i;
        int64_t *id = (int64_t *)malloc((n + 1) * sizeof(int64_t));
        int64_t *ref = (int64_t *)malloc((n + 1) * sizeof(int64_t));
        int64_t *per = (int64_t *)malloc((n + 1) * sizeof(int64_t));
        double *t = (double *)malloc((n + 1) * sizeof(double));
        double *a = (double *)malloc((n + 1) * sizeof(double));
        double *c = (double *)malloc((n + 1) * sizeof(double));
        size_t npool = 2 + (size_t)(lcg(&seed) % 13);
        cva_txn_input in = make_input(n, id, t, a);
        cva_txn_opts o;
        outbuf b;
        int st;

        for (i = 0; i < n; i++) {
            id[i] = id_pool[lcg(&seed) % npool];
            t[i] = (double)(lcg(&seed) % 40) * 0.5; /* heavy ties */
            a[i] = amounts[lcg(&seed) % 10];
            c[i] = (double)(lcg(&seed) % 4) * 0.25;
            ref[i] = (lcg(&seed) % 3) ? CVA_TXN_NO_REFERRER : id_pool[lcg(&seed) % 15];
            per[i] = (int64_t)(lcg(&seed) % 6); /* caller periods, not monotonic in t */
        }
        cva_txn_opts_init_defaults(&o, sizeof o);
        o.refund_policy = (int32_t)(trial % 3);
        o.flags = (trial / 3) % 2 ? CVA_TXN_F_ZERO_NOT_PURCHASE : 0;
        o.time_scale = (trial % 5 == 0) ? 7.0 : 1.0;
        o.period_length = (trial % 4 == 1) ? 3.0 : 1.0;
        o.period_origin = (trial % 8 == 3) ? 0.5 : 0.0;
        if (trial % 7 == 2)
            o.obs_end = 15.0;
        if (trial % 11 == 4)
            o.obs_start = 2.0;
        if (trial % 6 == 5)
            o.calibration_end = 9.5;
        if (trial % 9 == 7 && !isnan(o.obs_end) && o.obs_end < 16.0)
            o.calibration_end = 12.0;
        if (trial % 10 == 8)
            o.time_convention = CVA_TXN_TIME_PERIOD;
        if (trial % 13 == 6 && o.time_convention == CVA_TXN_TIME_CONTINUOUS)
            in.period = per;
        if (trial % 2)
            in.cost = c;
        if (trial % 3 == 1)
            in.referrer_id = ref;
        if (getenv("CVA_TEST_TRACE"))
            fprintf(stderr, "trial %d n %zu\n", trial, n);
        outbuf_alloc(&b, 2 * n, !isnan(o.calibration_end), in.referrer_id != NULL);
        st = cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL);
        assert_true(st >= 0);
        if (n == 0)
            assert_int_equal(st, CVA_W_EMPTY);
        check_against_reference(&in, &o, &b);

        /* the caller-workspace path gives the same bits */
        {
            size_t ws;
            void *work;
            outbuf b2;
            assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
            work = malloc(ws);
            outbuf_alloc(&b2, 2 * n, !isnan(o.calibration_end), in.referrer_id != NULL);
            assert_int_equal(cva_txn_summarize(&in, &o, &b2.s, work, ws, NULL), st);
            assert_int_equal(b2.s.n_customers, b.s.n_customers);
            assert_memory_equal(b2.id, b.id, b.cap * sizeof(int64_t));
            assert_memory_equal(b2.total, b.total, b.cap * sizeof(double));
            assert_memory_equal(b2.mx, b.mx, b.cap * sizeof(double));
            assert_memory_equal(b2.T, b.T, b.cap * sizeof(double));
            free(work);
            outbuf_free(&b2);
        }
        outbuf_free(&b);
        free(id);
        free(ref);
        free(per);
        free(t);
        free(a);
        free(c);
    }
}

/* Shuffling rows does not change anything (amounts are exact binary fractions). */
static void permutation_invariance(void **state)
{
    enum { N = 3000 };
    int64_t id[N], id2[N];
    double t[N], a[N], t2[N], a2[N];
    size_t i;
    uint64_t s = 99;
    outbuf b1, b2;
    cva_txn_input in = make_input(N, id, t, a), in2 = make_input(N, id2, t2, a2);
    (void)state;
    for (i = 0; i < N; i++) {
        id[i] = (int64_t)(lcg(&s) % 300) - 150;
        t[i] = (double)(lcg(&s) % 1000) / 4.0;
        a[i] = (double)((int64_t)(lcg(&s) % 4000) - 500) / 8.0;
        id2[i] = id[i];
        t2[i] = t[i];
        a2[i] = a[i];
    }
    for (i = N - 1; i > 0; i--) {
        size_t j = (size_t)(lcg(&s) % (i + 1));
        int64_t ti = id2[i];
        double tt = t2[i], ta = a2[i];
        id2[i] = id2[j];
        id2[j] = ti;
        t2[i] = t2[j];
        t2[j] = tt;
        a2[i] = a2[j];
        a2[j] = ta;
    }
    outbuf_alloc(&b1, N, 0, 0);
    outbuf_alloc(&b2, N, 0, 0);
    assert_status(cva_txn_summarize(&in, NULL, &b1.s, NULL, 0, NULL), CVA_OK);
    assert_status(cva_txn_summarize(&in2, NULL, &b2.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b1.s.n_customers, 300);
    assert_memory_equal(b1.id, b2.id, N * sizeof(int64_t));
    assert_memory_equal(b1.n_occ, b2.n_occ, N * sizeof(uint32_t));
    assert_memory_equal(b1.total, b2.total, N * sizeof(double));
    assert_memory_equal(b1.mx, b2.mx, N * sizeof(double));
    assert_memory_equal(b1.tx, b2.tx, N * sizeof(double));
    outbuf_free(&b1);
    outbuf_free(&b2);
}

/* Many rows per customer in reverse time order exercise the merge sort. */
static void long_unsorted_history(void **state)
{
    enum { N = 5000 };
    static int64_t id[N];
    static double t[N], a[N];
    size_t i;
    outbuf b;
    cva_txn_input in = make_input(N, id, t, a);
    cva_txn_opts o;
    (void)state;
    for (i = 0; i < N; i++) {
        id[i] = (int64_t)(i % 2);
        t[i] = (double)(N - i) / 3.0;
        a[i] = (double)(i % 17);
    }
    cva_txn_opts_init_defaults(&o, sizeof o);
    outbuf_alloc(&b, N, 0, 0);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    check_against_reference(&in, &o, &b);
    outbuf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Bad input and contracts                                                  */

/* Inputs large enough for several partitions: the partitioned path (always
   used when the library allocates), the same call with a workspace of exactly
   cva_txn_workspace_size() bytes (the partitioned path when its buffers fit,
   the bounded sort fallback when one partition is too large, as with a
   customer owning half the rows), and the customer-counting pass taken when
   out->capacity is below the row count. */
static void large_inputs_all_paths(void **state)
{
    enum { N = 200000 };
    int64_t *id = (int64_t *)malloc(N * sizeof(int64_t));
    double *t = (double *)malloc(N * sizeof(double));
    double *a = (double *)malloc(N * sizeof(double));
    double *c = (double *)malloc(N * sizeof(double));
    int skew, variant;
    (void)state;
    for (skew = 0; skew < 2; skew++) {
        uint64_t seed = 99u + (uint64_t)skew;
        size_t i;
        for (i = 0; i < N; i++) {
            uint64_t r = lcg(&seed);
            id[i] = (skew && (r & 1u)) ? INT64_C(-5) : (int64_t)((r >> 8) % 9000u) * INT64_C(1000003);
            t[i] = (double)(lcg(&seed) % 700u) * 0.5; /* unsorted, with ties */
            a[i] = (double)((int)(lcg(&seed) % 200u) - 20) * 0.25;
            c[i] = (double)(lcg(&seed) % 8u) * 0.125;
        }
        for (variant = 0; variant < 2; variant++) {
            cva_txn_input in = make_input(N, id, t, a);
            cva_txn_opts o;
            outbuf b, b2;
            size_t ws, K;
            void *work;
            int st;
            cva_txn_opts_init_defaults(&o, sizeof o);
            if (variant) {
                in.cost = c;
                o.refund_policy = CVA_TXN_REFUND_EXCLUDE;
                o.calibration_end = 200.0;
                o.period_length = 7.0;
            }
            outbuf_alloc(&b, N, variant, 0);
            st = cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL);
            assert_status(st, CVA_OK);
            check_against_reference(&in, &o, &b);
            K = b.s.n_customers;

            assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
            assert_true(ws <= 2 * (size_t)N * (in.cost ? 32u : 24u));
            work = malloc(ws);
            outbuf_alloc(&b2, N, variant, 0);
            assert_status(cva_txn_summarize(&in, &o, &b2.s, work, ws, NULL), CVA_OK);
            assert_int_equal(b2.s.n_customers, K);
            assert_memory_equal(b2.id, b.id, K * sizeof(int64_t));
            assert_memory_equal(b2.n_txn, b.n_txn, K * sizeof(uint32_t));
            assert_memory_equal(b2.n_occ, b.n_occ, K * sizeof(uint32_t));
            assert_memory_equal(b2.total, b.total, K * sizeof(double));
            assert_memory_equal(b2.cost, b.cost, K * sizeof(double));
            assert_memory_equal(b2.refund, b.refund, K * sizeof(double));
            assert_memory_equal(b2.tx, b.tx, K * sizeof(double));
            assert_memory_equal(b2.T, b.T, K * sizeof(double));
            assert_memory_equal(b2.mx, b.mx, K * sizeof(double));
            assert_memory_equal(b2.since, b.since, K * sizeof(double));
            free(work);
            outbuf_free(&b2);

            /* capacity below the row count: exactly K fits, K - 1 does not */
            outbuf_alloc(&b2, K, variant, 0);
            assert_status(cva_txn_summarize(&in, &o, &b2.s, NULL, 0, NULL), CVA_OK);
            assert_memory_equal(b2.id, b.id, K * sizeof(int64_t));
            assert_memory_equal(b2.mx, b.mx, K * sizeof(double));
            b2.s.capacity = K - 1;
            b2.id[0] = 777;
            assert_status(cva_txn_summarize(&in, &o, &b2.s, NULL, 0, NULL), CVA_E_BUFFER_TOO_SMALL);
            assert_int_equal(b2.s.n_customers, K);
            assert_int_equal(b2.id[0], 777);
            outbuf_free(&b2);
            outbuf_free(&b);
        }
    }
    free(id);
    free(t);
    free(a);
    free(c);
}

/* Partitions by id value and by id hash give the same bits. Customers of one to
   three rows in random order (the shape of issue 20): with ids 0..K-1 spread
   evenly the library partitions by value (no merge of the outputs); the same
   log with the upper half of the ids moved up by 1e15 (the same order) leaves
   half the rows in the first and half in the last value partition, more than
   twice the mean, so it partitions by hash and merges. Both are checked
   against the reference, and every output but the ids must be the same bytes,
   library allocating and with a workspace. */
static void value_and_hash_partitions(void **state)
{
    enum { N = 100000, K = 45000 };
    int64_t *id = (int64_t *)malloc(N * sizeof(int64_t)), *id2 = (int64_t *)malloc(N * sizeof(int64_t));
    double *t = (double *)malloc(N * sizeof(double)), *a = (double *)malloc(N * sizeof(double));
    uint64_t seed = 2020;
    size_t i, ws;
    int pass;
    (void)state;
    for (i = 0; i < N; i++) {
        id[i] = i < K ? (int64_t)i : (int64_t)(lcg(&seed) % K);
        t[i] = (double)(lcg(&seed) % 3650u) * 0.1;
        a[i] = (double)((int)(lcg(&seed) % 400u) - 10) * 0.25; /* a few refunds and zeros */
    }
    for (i = N - 1; i > 0; i--) { /* random row order */
        size_t j = (size_t)(lcg(&seed) % (i + 1));
        int64_t ti = id[i];
        double tt = t[i], ta = a[i];
        id[i] = id[j];
        id[j] = ti;
        t[i] = t[j];
        t[j] = tt;
        a[i] = a[j];
        a[j] = ta;
    }
    for (i = 0; i < N; i++)
        id2[i] = id[i] < K / 2 ? id[i] : id[i] + INT64_C(1000000000000000);
    for (pass = 0; pass < 2; pass++) {
        cva_txn_input in = make_input(N, id, t, a), in2 = make_input(N, id2, t, a);
        cva_txn_opts o;
        outbuf b, b2;
        void *work = NULL;
        cva_txn_opts_init_defaults(&o, sizeof o);
        outbuf_alloc(&b, N, 0, 1);
        outbuf_alloc(&b2, N, 0, 1);
        if (pass) {
            assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
            work = malloc(ws);
        }
        assert_status(cva_txn_summarize(&in, &o, &b.s, work, pass ? ws : 0, NULL), CVA_OK);
        assert_status(cva_txn_summarize(&in2, &o, &b2.s, work, pass ? ws : 0, NULL), CVA_OK);
        assert_int_equal(b.s.n_customers, K);
        assert_int_equal(b2.s.n_customers, K);
        check_against_reference(&in, &o, &b);
        check_against_reference(&in2, &o, &b2);
        for (i = 0; i < K; i++)
            assert_int_equal(b.id[i] < K / 2 ? b.id[i] : b.id[i] + INT64_C(1000000000000000), b2.id[i]);
        assert_memory_equal(b.n_txn, b2.n_txn, K * sizeof(uint32_t));
        assert_memory_equal(b.n_occ, b2.n_occ, K * sizeof(uint32_t));
        assert_memory_equal(b.n_refund, b2.n_refund, K * sizeof(uint32_t));
        assert_memory_equal(b.first_t, b2.first_t, K * sizeof(double));
        assert_memory_equal(b.last_t, b2.last_t, K * sizeof(double));
        assert_memory_equal(b.total, b2.total, K * sizeof(double));
        assert_memory_equal(b.cost, b2.cost, K * sizeof(double));
        assert_memory_equal(b.refund, b2.refund, K * sizeof(double));
        assert_memory_equal(b.x, b2.x, K * sizeof(double));
        assert_memory_equal(b.tx, b2.tx, K * sizeof(double));
        assert_memory_equal(b.T, b2.T, K * sizeof(double));
        assert_memory_equal(b.mx, b2.mx, K * sizeof(double));
        assert_memory_equal(b.since, b2.since, K * sizeof(double));
        assert_memory_equal(b.ref_n_txn, b2.ref_n_txn, K * sizeof(uint32_t));
        assert_memory_equal(b.ref_amount, b2.ref_amount, K * sizeof(double));
        free(work);
        outbuf_free(&b);
        outbuf_free(&b2);
    }
    /* The same log with the ids spread 1000 apart: still partitions by value,
       but each partition's ids span more keys than its direct table has slots
       (hashing, then the emission by counting sort), against the dense ids
       (a direct table per partition, lib/txn_part.c direct_task()); and both
       time conventions, so that the one- and two-row customers' periods (same
       day or not) are used both ways. Same bytes but the ids (the reference
       check of the default options is above: it takes O(rows x customers)). */
    for (pass = 0; pass < 2; pass++) {
        cva_txn_input in = make_input(N, id, t, a), in2 = make_input(N, id2, t, a);
        cva_txn_opts o;
        outbuf b, b2;
        for (i = 0; i < N; i++)
            id2[i] = id[i] * 1000 - 7;
        cva_txn_opts_init_defaults(&o, sizeof o);
        if (pass) {
            o.time_convention = CVA_TXN_TIME_PERIOD;
            o.period_length = 7.0;
            o.time_scale = 7.0;
        }
        outbuf_alloc(&b, N, 0, 0);
        outbuf_alloc(&b2, N, 0, 0);
        assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
        assert_status(cva_txn_summarize(&in2, &o, &b2.s, NULL, 0, NULL), CVA_OK);
        assert_int_equal(b.s.n_customers, K);
        assert_int_equal(b2.s.n_customers, K);
        for (i = 0; i < K; i++)
            assert_int_equal(b.id[i] * 1000 - 7, b2.id[i]);
        assert_memory_equal(b.n_txn, b2.n_txn, K * sizeof(uint32_t));
        assert_memory_equal(b.n_occ, b2.n_occ, K * sizeof(uint32_t));
        assert_memory_equal(b.n_refund, b2.n_refund, K * sizeof(uint32_t));
        assert_memory_equal(b.first_t, b2.first_t, K * sizeof(double));
        assert_memory_equal(b.last_t, b2.last_t, K * sizeof(double));
        assert_memory_equal(b.total, b2.total, K * sizeof(double));
        assert_memory_equal(b.refund, b2.refund, K * sizeof(double));
        assert_memory_equal(b.x, b2.x, K * sizeof(double));
        assert_memory_equal(b.tx, b2.tx, K * sizeof(double));
        assert_memory_equal(b.T, b2.T, K * sizeof(double));
        assert_memory_equal(b.mx, b2.mx, K * sizeof(double));
        assert_memory_equal(b.since, b2.since, K * sizeof(double));
        outbuf_free(&b);
        outbuf_free(&b2);
    }
    free(id);
    free(id2);
    free(t);
    free(a);
}

/* Customers of one to four rows in random order, amounts mostly > 0, times
   with ties (-0.0 beside 0.0 among them): the partitioned path's few-row
   emission (one or two positive rows without branches, three rows sorted by a
   network, TwoSum in the sums, the direct table of dense ids; lib/txn_part.c)
   and its hash-partition emission (the same log with the ids spread out) must
   give the bytes of the referrer path (a referrer array with no referrer:
   lib/txn_ref.c, whose sums are the reference Neumaier sums of every row in
   (period, t, input) order), for both time conventions and the zero-amount
   flag. (The brute-force reference of these paths is random_vs_reference and
   value_and_hash_partitions: this checks the bytes.) */
static void few_row_customers_same_bits(void **state)
{
    enum { N = 70000, K = 30000 };
    static const double times[] = {-0.0, 0.0, 0.25, 0.5, 1.0, 1.0, 2.75, 3.5, 7.0, 7.25, 30.0, 364.5};
    int64_t *id = (int64_t *)malloc(N * sizeof(int64_t)), *id2 = (int64_t *)malloc(N * sizeof(int64_t));
    int64_t *noref = (int64_t *)malloc(N * sizeof(int64_t));
    double *t = (double *)malloc(N * sizeof(double)), *a = (double *)malloc(N * sizeof(double));
    uint64_t seed = 2026;
    size_t i;
    int variant;
    (void)state;
    for (i = 0; i < N; i++) {
        /* every customer once, then three in four rows to the first K/2 (up to four rows each) */
        id[i] = i < K ? (int64_t)i : (int64_t)(lcg(&seed) % (K / 2));
        t[i] = times[lcg(&seed) % (sizeof times / sizeof times[0])];
        a[i] = (lcg(&seed) % 50u) ? (double)(1 + lcg(&seed) % 5000u) * 0.01 : -(double)(lcg(&seed) % 3u);
        noref[i] = CVA_TXN_NO_REFERRER;
    }
    for (i = N - 1; i > 0; i--) { /* random row order */
        size_t j = (size_t)(lcg(&seed) % (i + 1));
        int64_t ti = id[i];
        double tt = t[i], ta = a[i];
        id[i] = id[j];
        id[j] = ti;
        t[i] = t[j];
        t[j] = tt;
        a[i] = a[j];
        a[j] = ta;
    }
    for (i = 0; i < N; i++)
        id2[i] = id[i] * 1000 - 7; /* value partitions, but too sparse for a direct table */
    for (variant = 0; variant < 3; variant++) {
        cva_txn_input in = make_input(N, id, t, a), in2 = make_input(N, id2, t, a), inr = make_input(N, id, t, a);
        cva_txn_opts o;
        outbuf b, b2, br;
        size_t k;
        cva_txn_opts_init_defaults(&o, sizeof o);
        if (variant == 1) {
            o.time_convention = CVA_TXN_TIME_PERIOD;
            o.period_length = 0.5;
            o.time_scale = 7.0;
        } else if (variant == 2) {
            o.flags = CVA_TXN_F_ZERO_NOT_PURCHASE;
            o.period_length = 3.0;
            o.period_origin = 0.5;
        }
        inr.referrer_id = noref;
        outbuf_alloc(&b, N, 0, 0);
        outbuf_alloc(&b2, N, 0, 0);
        outbuf_alloc(&br, 2 * N, 0, 0);
        assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
        assert_status(cva_txn_summarize(&in2, &o, &b2.s, NULL, 0, NULL), CVA_OK);
        assert_status(cva_txn_summarize(&inr, &o, &br.s, NULL, 0, NULL), CVA_OK);
        assert_int_equal(b.s.n_customers, K);
        assert_int_equal(b2.s.n_customers, K);
        assert_int_equal(br.s.n_customers, K);
        for (k = 0; k < K; k++) {
            assert_int_equal(b.id[k], (int64_t)k);
            assert_int_equal(b2.id[k], (int64_t)k * 1000 - 7);
            assert_int_equal(br.id[k], (int64_t)k);
        }
#define SAME_(f, T)                                           \
    do {                                                      \
        assert_memory_equal(b.f, br.f, K * sizeof(T));        \
        assert_memory_equal(b2.f, br.f, K * sizeof(T));       \
    } while (0)
        SAME_(n_txn, uint32_t);
        SAME_(n_occ, uint32_t);
        SAME_(n_refund, uint32_t);
        SAME_(first_t, double);
        SAME_(last_t, double);
        SAME_(total, double);
        SAME_(cost, double);
        SAME_(refund, double);
        SAME_(x, double);
        SAME_(tx, double);
        SAME_(T, double);
        SAME_(mx, double);
        SAME_(since, double);
#undef SAME_
        outbuf_free(&b);
        outbuf_free(&b2);
        outbuf_free(&br);
    }
    free(id);
    free(id2);
    free(noref);
    free(t);
    free(a);
}

/* out->capacity below the row count takes one run into staging rows when the
   staged outputs fit in the workspace's temp area (several rows per customer),
   and a counting run followed by a writing run when they do not (here about
   three rows per customer). Both give the bits of a full-capacity call, report
   the customer count when it exceeds the capacity and then leave the outputs
   as they were; with and without a holdout split (duration_holdout staged). */
static void capacity_below_rows_paths(void **state)
{
    enum { N = 120000 };
    int64_t *id = (int64_t *)malloc(N * sizeof(int64_t));
    double *t = (double *)malloc(N * sizeof(double));
    double *a = (double *)malloc(N * sizeof(double));
    int spread, holdout;
    (void)state;
    for (spread = 0; spread < 2; spread++) {
        uint64_t seed = 77u + (uint64_t)spread;
        const unsigned n_ids = spread ? 40000u : 1500u; /* ~3 or ~80 rows per customer */
        size_t i;
        for (i = 0; i < N; i++) {
            id[i] = (int64_t)(lcg(&seed) % n_ids) * INT64_C(7919) - INT64_C(100000);
            t[i] = (double)(lcg(&seed) % 900u) * 0.5;
            a[i] = (double)((int)(lcg(&seed) % 120u) - 10) * 0.25;
        }
        for (holdout = 0; holdout < 2; holdout++) {
            cva_txn_input in = make_input(N, id, t, a);
            cva_txn_opts o;
            outbuf b, b2;
            size_t K, ws, k;
            void *work;
            int w;
            cva_txn_opts_init_defaults(&o, sizeof o);
            if (holdout)
                o.calibration_end = 300.0;
            outbuf_alloc(&b, N, holdout, 0);
            assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
            check_against_reference(&in, &o, &b);
            K = b.s.n_customers;
            assert_true(spread ? K > 30000u : K < 2000u);
            assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
            work = malloc(ws);
            for (w = 0; w < 2; w++) {
                outbuf_alloc(&b2, K, holdout, 0);
                assert_status(cva_txn_summarize(&in, &o, &b2.s, w ? work : NULL, w ? ws : 0, NULL), CVA_OK);
                assert_int_equal(b2.s.n_customers, K);
                assert_memory_equal(b2.id, b.id, K * sizeof(int64_t));
                assert_memory_equal(b2.n_txn, b.n_txn, K * sizeof(uint32_t));
                assert_memory_equal(b2.n_occ, b.n_occ, K * sizeof(uint32_t));
                assert_memory_equal(b2.first_t, b.first_t, K * sizeof(double));
                assert_memory_equal(b2.total, b.total, K * sizeof(double));
                assert_memory_equal(b2.x, b.x, K * sizeof(double));
                assert_memory_equal(b2.tx, b.tx, K * sizeof(double));
                assert_memory_equal(b2.T, b.T, K * sizeof(double));
                assert_memory_equal(b2.mx, b.mx, K * sizeof(double));
                assert_memory_equal(b2.since, b.since, K * sizeof(double));
                if (holdout) {
                    assert_memory_equal(b2.xh, b.xh, K * sizeof(double));
                    assert_memory_equal(b2.mh, b.mh, K * sizeof(double));
                    for (k = 0; k < K; k++)
                        assert_true(b2.dh[k] == b.dh[0]);
                }
                /* one row short: the count is reported, nothing is written */
                b2.s.capacity = K - 1;
                for (k = 0; k < K; k++)
                    b2.x[k] = -1.0;
                b2.id[0] = 777;
                assert_status(cva_txn_summarize(&in, &o, &b2.s, w ? work : NULL, w ? ws : 0, NULL),
                              CVA_E_BUFFER_TOO_SMALL);
                assert_int_equal(b2.s.n_customers, K);
                assert_int_equal(b2.id[0], 777);
                for (k = 0; k < K; k++)
                    assert_true(b2.x[k] == -1.0);
                outbuf_free(&b2);
            }
            free(work);
            outbuf_free(&b);
        }
    }
    free(id);
    free(t);
    free(a);
}

/* The 16-byte record path (no cost or period array, NET policy, no split),
   with periods computed from t, and the counting run whose scattered rows
   and ids are reused (capacity below the row count), both with and without a
   workspace, for non-unit periods, negative times and the zero-amount flag. */
static void large_inputs_short_records(void **state)
{
    enum { N = 150000 };
    int64_t *id = (int64_t *)malloc(N * sizeof(int64_t));
    double *t = (double *)malloc(N * sizeof(double));
    double *a = (double *)malloc(N * sizeof(double));
    uint64_t seed = 4242u;
    size_t i;
    int variant;
    (void)state;
    for (i = 0; i < N; i++) {
        id[i] = (int64_t)(lcg(&seed) % 7000u) - 3000;
        t[i] = (double)(lcg(&seed) % 5000u) * 0.37 - 600.0; /* unsorted, negative, ties */
        a[i] = (double)((int)(lcg(&seed) % 100u) - 10) * 0.5;
    }
    for (variant = 0; variant < 4; variant++) {
        cva_txn_input in = make_input(N, id, t, a);
        cva_txn_opts o;
        outbuf b;
        size_t ws, K;
        void *work;
        cva_txn_opts_init_defaults(&o, sizeof o);
        if (variant == 1) {
            o.period_length = 7.0;
            o.period_origin = 0.5;
        } else if (variant == 2) {
            o.flags = CVA_TXN_F_ZERO_NOT_PURCHASE;
            o.time_convention = CVA_TXN_TIME_PERIOD;
        } else if (variant == 3) {
            o.period_length = 0.3;
            o.period_origin = -1.25;
            o.time_convention = CVA_TXN_TIME_PERIOD;
        }
        outbuf_alloc(&b, N, 0, 0);
        assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
        check_against_reference(&in, &o, &b);
        K = b.s.n_customers;
        outbuf_free(&b);

        outbuf_alloc(&b, K, 0, 0);
        assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
        check_against_reference(&in, &o, &b);
        outbuf_free(&b);

        assert_status(cva_txn_workspace_size(&in, &o, &ws), CVA_OK);
        work = malloc(ws);
        outbuf_alloc(&b, K, 0, 0);
        assert_status(cva_txn_summarize(&in, &o, &b.s, work, ws, NULL), CVA_OK);
        check_against_reference(&in, &o, &b);
        outbuf_free(&b);
        free(work);
    }
    free(id);
    free(t);
    free(a);
}

static void bad_input(void **state)
{
    const int64_t id[] = {1, 2, 3};
    double t[] = {0, 1, 2};
    double a[] = {1, 2, 3};
    cva_txn_input in = make_input(3, id, t, a);
    cva_txn_opts o;
    cva_diag d;
    outbuf b;
    (void)state;
    cva_diag_init(&d, sizeof d);
    outbuf_alloc(&b, 3, 0, 0);
    b.id[0] = 777; /* sentinel: must survive every failing call */

    assert_status(cva_txn_summarize(NULL, NULL, &b.s, NULL, 0, &d), CVA_E_NULLPTR);
    assert_int_equal(d.arg, 1);
    assert_status(cva_txn_summarize(&in, NULL, NULL, NULL, 0, &d), CVA_E_NULLPTR);
    assert_int_equal(d.arg, 3);
    in.t = NULL;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_NULLPTR);
    in.t = t;

    t[1] = (double)NAN;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 1);
    assert_int_equal(d.status, CVA_E_NONFINITE);
    t[1] = 1;
    a[2] = (double)INFINITY;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_NONFINITE);
    assert_int_equal(d.index, 2);
    assert_int_equal(b.id[0], 777);

    /* skip policy */
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.flags = CVA_TXN_F_SKIP_INVALID;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 1);
    assert_int_equal(b.s.n_customers, 2);
    a[2] = 3;

    /* rows after the end */
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_end = 1.0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_W_EXCLUDED);
    assert_int_equal(d.count, 1);
    assert_int_equal(b.s.n_customers, 2);

    /* option errors name the field */
    b.id[0] = 777;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.refund_policy = 9;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_REFUND_POLICY);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.time_scale = 0;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_TIME_SCALE);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.period_length = -1;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_PERIOD_LENGTH);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.flags = 64;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_FLAGS);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_end = 5;
    o.calibration_end = 6;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_CALIBRATION_END);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.obs_start = 3;
    o.obs_end = 2;
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_TXN_OBS_START);
    assert_int_equal(b.id[0], 777);

    /* capacity too small: count reported, nothing written */
    b.s.capacity = 2;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_BUFFER_TOO_SMALL);
    assert_int_equal(b.s.n_customers, 3);
    assert_int_equal(d.count, 3);
    assert_int_equal(b.id[0], 777);
    b.s.capacity = 3;

    /* struct sizes */
    in.struct_size = 8;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_ABI_MISMATCH);
    in.struct_size = sizeof in;
    {
        unsigned char big[sizeof(cva_txn_opts) + 16];
        cva_txn_opts *po = (cva_txn_opts *)(void *)big;
        memset(big, 0, sizeof big);
        cva_txn_opts_init_defaults(po, sizeof(cva_txn_opts));
        po->struct_size = sizeof big; /* newer caller, zero tail: accepted */
        assert_status(cva_txn_summarize(&in, po, &b.s, NULL, 0, &d), CVA_OK);
        big[sizeof(cva_txn_opts) + 3] = 1; /* unknown non-zero field: rejected */
        assert_status(cva_txn_summarize(&in, po, &b.s, NULL, 0, &d), CVA_E_ABI_MISMATCH);
        assert_status(cva_txn_opts_init_defaults(po, 4), CVA_E_ABI_MISMATCH);
        assert_status(cva_txn_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
    }
    outbuf_free(&b);
}

static void empty_input(void **state)
{
    cva_txn_input in = make_input(0, NULL, NULL, NULL);
    cva_txn_summary s;
    cva_diag d;
    size_t ws = 1;
    (void)state;
    cva_diag_init(&d, sizeof d);
    cva_txn_summary_init(&s, sizeof s);
    assert_status(cva_txn_summarize(&in, NULL, &s, NULL, 0, &d), CVA_W_EMPTY);
    assert_int_equal(s.n_customers, 0);
    assert_status(cva_txn_workspace_size(&in, NULL, &ws), CVA_OK);
    assert_status(cva_txn_workspace_size(&in, NULL, NULL), CVA_E_NULLPTR);
    assert_status(cva_txn_summary_init(&s, 3), CVA_E_ABI_MISMATCH);
}

static void duplicates_and_extremes(void **state)
{
    const int64_t id[] = {INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN};
    const double t[] = {1, 1, 1, 1};
    const double a[] = {2.5, 1, 2.5, 1};
    cva_txn_input in = make_input(4, id, t, a);
    outbuf b;
    (void)state;
    outbuf_alloc(&b, 4, 0, 0);
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(b.s.n_customers, 2);
    assert_true(b.id[0] == INT64_MIN && b.id[1] == INT64_MAX);
    assert_int_equal(b.n_txn[1], 2); /* duplicate rows are two transactions */
    assert_int_equal(b.n_occ[1], 1);
    cva_assert_same(b.total[1], 5.0);
    outbuf_free(&b);
}

/* Sums that overflow: CVA_E_OVERFLOW with the customer's first row in diag->index and
   nothing written; values just as large whose sums stay finite give the exact results
   of the ordinary path (the check runs only above DBL_MAX / (4 (n + 1))). */
static void sum_overflow(void **state)
{
    const int64_t id[] = {3, 9, 5, 9, 5};
    const double t[] = {0, 1, 1, 2, 3};
    const double a[] = {1.0, 1e308, 2.0, 1e308, 1.0};
    const double big[] = {1.0, 1e308, 2.0, -1e308, 1.0};
    const double ref_cost[] = {0, 1e308, 0, 1e308, 0};
    const int64_t ref[] = {CVA_TXN_NO_REFERRER, 5, 5, 5, CVA_TXN_NO_REFERRER};
    cva_txn_input in = make_input(5, id, t, a);
    cva_txn_opts o;
    cva_diag d;
    outbuf b;
    (void)state;
    cva_diag_init(&d, sizeof d);
    cva_txn_opts_init_defaults(&o, sizeof o);
    outbuf_alloc(&b, 10, 0, 1);
    b.id[0] = 777;
    b.total[0] = 12345.0;
    /* total and repeat spend of customer 9 overflow */
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_OVERFLOW);
    assert_int_equal(d.index, 1);
    assert_int_equal(b.id[0], 777); /* nothing written */
    cva_assert_same(b.total[0], 12345.0);
    /* the same with a workspace and with a calibration split (holdout sum) */
    {
        size_t ws;
        void *work;
        assert_status(cva_txn_workspace_size(&in, NULL, &ws), CVA_OK);
        work = malloc(ws);
        assert_status(cva_txn_summarize(&in, NULL, &b.s, work, ws, &d), CVA_E_OVERFLOW);
        free(work);
    }
    {
        outbuf h;
        outbuf_alloc(&h, 10, 1, 0);
        o.calibration_end = 0.5;
        assert_status(cva_txn_summarize(&in, &o, &h.s, NULL, 0, &d), CVA_E_OVERFLOW);
        assert_int_equal(d.index, 1);
        outbuf_free(&h);
    }
    /* referred money of customer 5 overflows (no customer's own sums do) */
    {
        const int64_t id3[] = {3, 9, 5, 7, 5};
        in.customer_id = id3;
        in.referrer_id = ref;
        assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_OVERFLOW);
        assert_int_equal(d.index, 1); /* first row naming customer 5 (as referrer) */
        in.referrer_id = NULL;
        assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_OK);
        in.customer_id = id;
    }
    in.amount = big;
    /* huge values whose sums stay finite: the ordinary results */
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_OK);
    assert_int_equal(b.s.n_customers, 3);
    cva_assert_same(b.total[2], 0.0); /* customer 9: 1e308 - 1e308 */
    assert_int_equal(b.n_txn[2], 1);
    /* cost sums overflow too */
    in.cost = ref_cost;
    assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_OVERFLOW);
    assert_int_equal(d.index, 1);
    in.cost = NULL;
    /* a time difference beyond DBL_MAX */
    {
        const double tt[] = {-1.5e308, 1, 1, 2, 1.5e308};
        const int64_t id2[] = {5, 9, 3, 9, 5};
        in.t = tt;
        in.customer_id = id2;
        {
            const double small[] = {1, 1, 1, 1, 1};
            in.amount = small;
            assert_status(cva_txn_summarize(&in, NULL, &b.s, NULL, 0, &d), CVA_E_OVERFLOW);
            assert_int_equal(d.index, 0);
        }
    }
    outbuf_free(&b);
}

static void workspace_contract(void **state)
{
    const int64_t id[] = {4, 5, 4};
    const double t[] = {0, 1, 2};
    const double a[] = {1, 2, 3};
    cva_txn_input in = make_input(3, id, t, a);
    outbuf b;
    size_t ws;
    void *work;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    outbuf_alloc(&b, 3, 0, 0);
    assert_status(cva_txn_workspace_size(&in, NULL, &ws), CVA_OK);
    work = malloc(ws);
    assert_status(cva_txn_summarize(&in, NULL, &b.s, work, ws - 1, &d), CVA_E_WORKSPACE_TOO_SMALL);
    assert_int_equal(d.count, ws);
    assert_status(cva_txn_summarize(&in, NULL, &b.s, work, ws, &d), CVA_OK);
    assert_int_equal(b.s.n_customers, 2);
    free(work);
    outbuf_free(&b);
}

/* Allocator hook: count calls, and fail the k-th allocation for every k. */
typedef struct fail_alloc {
    int calls, fail_at, live;
} fail_alloc;

static void *fa_alloc(void *user, size_t size)
{
    fail_alloc *f = (fail_alloc *)user;
    f->calls++;
    if (f->calls == f->fail_at)
        return NULL;
    f->live++;
    return malloc(size);
}

static void fa_free(void *user, void *p)
{
    fail_alloc *f = (fail_alloc *)user;
    if (p)
        f->live--;
    free(p);
}

static void oom_case(int with_referrers);

static void allocator_and_oom(void **state)
{
    (void)state;
    oom_case(1); /* hash path */
    oom_case(0); /* partitioned path */
}

static void oom_case(int with_referrers)
{
    enum { N = 4000 };
    static int64_t id[N], ref[N];
    static double t[N], a[N];
    size_t i;
    int k, total_calls;
    fail_alloc f = {0, 0, 0};
    cva_allocator al = {fa_alloc, fa_free, &f};
    cva_txn_input in = make_input(N, id, t, a);
    cva_txn_opts o;
    outbuf b;
    for (i = 0; i < N; i++) {
        id[i] = (int64_t)(i * 7919 % 1500); /* forces the hash table to grow */
        ref[i] = (i % 5) ? CVA_TXN_NO_REFERRER : (int64_t)(i % 11);
        t[i] = (double)(N - i);
        a[i] = 1.0;
    }
    if (with_referrers)
        in.referrer_id = ref;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.alloc = &al;
    outbuf_alloc(&b, 2 * N, 0, with_referrers);
    assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(f.live, 0);
    total_calls = f.calls;
    assert_true(total_calls >= 1);
    for (k = 1; k <= total_calls; k++) {
        f.calls = 0;
        f.fail_at = k;
        f.live = 0;
        b.id[0] = 777;
        assert_status(cva_txn_summarize(&in, &o, &b.s, NULL, 0, NULL), CVA_E_NOMEM);
        assert_int_equal(f.live, 0);
        assert_int_equal(b.id[0], 777);
    }
    outbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_example),
        cmocka_unit_test(zero_amount_rows),
        cmocka_unit_test(calibration_holdout),
        cmocka_unit_test(referrals),
        cmocka_unit_test(obs_end_reported),
        cmocka_unit_test(random_vs_reference),
        cmocka_unit_test(permutation_invariance),
        cmocka_unit_test(long_unsorted_history),
        cmocka_unit_test(large_inputs_all_paths),
        cmocka_unit_test(large_inputs_short_records),
        cmocka_unit_test(capacity_below_rows_paths),
        cmocka_unit_test(value_and_hash_partitions),
        cmocka_unit_test(few_row_customers_same_bits),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(empty_input),
        cmocka_unit_test(duplicates_and_extremes),
        cmocka_unit_test(sum_overflow),
        cmocka_unit_test(workspace_contract),
        cmocka_unit_test(allocator_and_oom),
    };
    return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
