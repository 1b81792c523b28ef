/*
 * libcva — internal: per-customer statistics of the transaction summaries,
 * the domain semantics of docs/methods/summaries.md#methods_summaries (purchases, refunds, occasions, periods,
 * calibration/holdout split): one customer's rows in, one output row out.
 * Static functions in a header (included through txn_internal.h) so that the
 * per-customer loops of txn_part.c and txn_ref.c inline them as they did in
 * one file. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TXN_STATS_H
#define CVA_TXN_STATS_H

TXN_SHARED_ int is_purchase(double amount, int32_t policy, int32_t flags)
{
    if (policy == CVA_TXN_REFUND_AS_ROW)
        return !((flags & CVA_TXN_F_ZERO_NOT_PURCHASE) && !(amount < 0.0) && !(amount > 0.0));
    if (flags & CVA_TXN_F_ZERO_NOT_PURCHASE)
        return amount > 0.0;
    return amount >= 0.0;
}

/* Money that counts towards totals and occasion spend. */
TXN_SHARED_ int counts_as_money(double amount, int32_t policy)
{
    return policy != CVA_TXN_REFUND_EXCLUDE || amount >= 0.0;
}

static inline int rec_less(const txn_rec *x, const txn_rec *y)
{
    return x->period < y->period || (x->period == y->period && x->t < y->t);
}

/* Stable merge sort of a[0..n) by (period, t), tmp has n slots. */
#define REC_LESS_(ctx, x, y) rec_less(x, y)
CVA__STABLE_SORT(merge_sort_recs, txn_rec, const void *, REC_LESS_)
#undef REC_LESS_

/* (int64_t)floor(p), clamped to the int64 range: truncation, then one down
   for negative non-integers (exact: a truncated double is an integer double). */
static inline int64_t clamp_period(double p)
{
    int64_t i;
    if (p >= 9.2e18)
        return INT64_MAX;
    if (p <= -9.2e18)
        return INT64_MIN;
    i = (int64_t)p;
    return i - ((double)i > p);
}

/* a - b of two period indices as a double: exact when the difference fits in
   int64, else (caller-supplied indices far apart, e.g. INT64_MAX and -12) the
   difference of the doubles instead of a signed overflow. */
static inline double period_diff(int64_t a, int64_t b)
{
    if ((b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b))
        return (double)a - (double)b;
    return (double)(a - b);
}

static inline int64_t period_of(double t, const cva_txn_opts *o)
{
    return clamp_period((t - o->period_origin) / o->period_length);
}

/* Shared context of the per-customer pass. */
typedef struct txn_ctx {
    const cva_txn_opts *o;
    int has_cal;
    double obs_end, cal_end, ref_end;
    txn_rec *rtmp; /* merge buffer of at least the longest segment */
    const cva_txn_input *in; /* rows read by index (sort fallback) */
    int unit_period;         /* origin 0 and length 1: floor(t) is the same number */
    int fast;                /* emit_fast() applies (NET policy, no calibration split, every
                                value within the no-overflow bound: txn_ksum_add()) */
    int has_cost;
} txn_ctx;

/* period_of() without the division when it is exact (t - 0.0) / 1.0 == t. */
static inline int64_t period_ctx(double t, const txn_ctx *c)
{
    if (c->unit_period)
        return clamp_period(t);
    return period_of(t, c->o);
}

/* Row j of a customer: from records, or from the input by row index. */
static inline void src_row(const txn_ctx *c, const txn_rec *seg, const kpair *ix, size_t j, txn_rec *r)
{
    if (seg) {
        *r = seg[j];
    } else {
        const cva_txn_input *in = c->in;
        size_t i = (size_t)ix[j].val;
        r->t = in->t[i];
        r->amount = in->amount[i];
        r->cost = in->cost ? in->cost[i] : 0.0;
        r->period = in->period ? in->period[i] : period_ctx(r->t, c);
    }
}

/* cva__ksum_add() without its branch: the error of s + v by Knuth's TwoSum
   (six operations, exact for any finite s and v without overflow) in place of
   the Fast2Sum of the larger and the smaller magnitude (exact as well). Both
   give the exact rounding error, a representable number, so the same value;
   they can differ only in the sign of a zero error, which leaves c as it is
   (c starts at +0.0 and x + -0.0 == x for every x but -0.0, which c never
   is: a sum in round-to-nearest is -0.0 only when both terms are). The
   emissions of the fast path (emit_fast*, txn_ctx::fast) take it: which of
   s and v is larger is a coin toss per row for amounts of one customer (a
   branch misprediction each). TwoSum's intermediates could overflow where
   Fast2Sum's do not only for values within an ulp or so of DBL_MAX, so
   txn_ctx::fast is off in the checked run of values beyond the no-overflow
   bound (lib/txn.c), whose sums go through emit_customer() and
   cva__ksum_add(). */
static inline void txn_ksum_add(cva__ksum *k, double v)
{
    const double s = k->s, t = s + v, vp = t - s;
    k->c += (s - (t - vp)) + (v - vp);
    k->s = t;
}

typedef struct cust_acc {
    uint32_t n_txn, n_occ, n_refund, hold_occ;
    double first_t, last_t;
    double occ_first, occ_last; /* earliest purchase of the first / last occasion */
    int64_t first_p, last_p;
    cva__ksum total, cost, refund, repeat, hold;
} cust_acc;

static inline void acc_init(cust_acc *a)
{
    /* field by field: a memset of the 144 bytes compiles to `rep stos`, whose
       start-up cost was 14 % of the emission with one or two rows per customer */
    static const cva__ksum zero = {0.0, 0.0};
    a->n_txn = a->n_occ = a->n_refund = a->hold_occ = 0;
    a->first_t = a->last_t = a->occ_first = a->occ_last = CVA_NAN;
    a->first_p = a->last_p = 0;
    a->total = a->cost = a->refund = a->repeat = a->hold = zero;
}

/* Close an occasion with a purchase (first purchase at group_t, spend its sum):
   count it, keep the first and last, and add the spend of every occasion after
   the first to the repeat sum. */
static inline void acc_occasion(cust_acc *a, double group_t, const cva__ksum *spend, int twosum)
{
    a->n_occ++;
    if (a->n_occ == 1)
        a->occ_first = group_t;
    a->occ_last = group_t;
    if (a->n_occ > 1) {
        if (twosum)
            txn_ksum_add(&a->repeat, cva__ksum_value(spend));
        else
            cva__ksum_add(&a->repeat, cva__ksum_value(spend));
    }
}

TXN_SHARED_ void write_row(const txn_ctx *c, const cust_acc *a, cva_txn_summary *out, size_t k)
{
    if (out->n_txn)
        out->n_txn[k] = a->n_txn;
    if (out->n_occ)
        out->n_occ[k] = a->n_occ;
    if (out->n_refund)
        out->n_refund[k] = a->n_refund;
    if (out->first_t)
        out->first_t[k] = a->first_t;
    if (out->last_t)
        out->last_t[k] = a->last_t;
    if (out->total_amount)
        out->total_amount[k] = cva__ksum_value(&a->total);
    if (out->total_cost)
        out->total_cost[k] = cva__ksum_value(&a->cost);
    if (out->refund_amount)
        out->refund_amount[k] = cva__ksum_value(&a->refund);
    {
        double x = CVA_NAN, tx = CVA_NAN, T = CVA_NAN, mx = CVA_NAN, since = CVA_NAN;
        if (a->n_occ > 0) {
            x = (double)(a->n_occ - 1);
            if (c->o->time_convention == CVA_TXN_TIME_CONTINUOUS) {
                /* between the first purchases of the first and the last occasion, so
                   that x = 0 implies t_x = 0 also with fractional times */
                tx = (a->occ_last - a->occ_first) / c->o->time_scale;
                T = (c->ref_end - a->occ_first) / c->o->time_scale;
            } else {
                double f = c->o->period_length / c->o->time_scale;
                tx = period_diff(a->last_p, a->first_p) * f;
                T = period_diff(period_of(c->ref_end, c->o), a->first_p) * f;
            }
            mx = a->n_occ > 1 ? cva__ksum_value(&a->repeat) / x : 0.0;
            since = c->ref_end - a->last_t;
        }
        if (out->frequency)
            out->frequency[k] = x;
        if (out->recency)
            out->recency[k] = tx;
        if (out->T)
            out->T[k] = T;
        if (out->monetary_value)
            out->monetary_value[k] = mx;
        if (out->days_since_last)
            out->days_since_last[k] = since;
    }
    if (out->frequency_holdout)
        out->frequency_holdout[k] = (double)a->hold_occ;
    if (out->monetary_value_holdout)
        out->monetary_value_holdout[k] = a->hold_occ ? cva__ksum_value(&a->hold) / (double)a->hold_occ : 0.0;
    if (out->duration_holdout)
        out->duration_holdout[k] = (c->obs_end - c->cal_end) / c->o->time_scale;
}

/* Statistics of one customer from its rows, already in (period, t, input)
   order, into row k of every requested output. Rows come from seg (records)
   or, when seg is NULL, from the input through the row indices ix. */
static inline void emit_customer(const txn_ctx *c, const txn_rec *seg, const kpair *ix, size_t len,
                                 cva_txn_summary *out, size_t k)
{
    size_t j;
    cust_acc a;
    txn_rec r;

    acc_init(&a);
    j = 0;
    if (len)
        src_row(c, seg, ix, 0, &r);
    while (j < len) {
        /* one group: same period and same side of the calibration end */
        int64_t p = r.period;
        int holdout = c->has_cal && r.t > c->cal_end;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN; /* earliest purchase row of the group (rows are in time order) */
        for (;;) {
            int purchase = is_purchase(r.amount, c->o->refund_policy, c->o->flags);
            int money = counts_as_money(r.amount, c->o->refund_policy);
            if (money)
                cva__ksum_add(&spend, r.amount);
            if (holdout) {
                any_purchase |= purchase;
            } else {
                cva__ksum_add(&a.cost, r.cost);
                if (r.amount < 0.0) {
                    a.n_refund++;
                    cva__ksum_add(&a.refund, r.amount);
                }
                if (money)
                    cva__ksum_add(&a.total, r.amount);
                if (purchase) {
                    if (!any_purchase)
                        group_t = r.t;
                    any_purchase = 1;
                    a.n_txn++;
                    if (a.n_txn == 1 || r.t < a.first_t) {
                        a.first_t = r.t;
                        a.first_p = r.period;
                    }
                    if (a.n_txn == 1 || r.t >= a.last_t) {
                        a.last_t = r.t;
                        a.last_p = r.period;
                    }
                }
            }
            if (++j >= len)
                break;
            src_row(c, seg, ix, j, &r);
            if (r.period != p || (c->has_cal && r.t > c->cal_end) != holdout)
                break;
        }
        if (!any_purchase)
            continue;
        if (holdout) {
            a.hold_occ++;
            cva__ksum_add(&a.hold, cva__ksum_value(&spend));
        } else {
            acc_occasion(&a, group_t, &spend, 0);
        }
    }
    write_row(c, &a, out, k);
}

/* emit_customer() for records under CVA_TXN_REFUND_NET without a calibration split:
   every row is money, purchases are the rows with amount >= 0 (> 0 with
   CVA_TXN_F_ZERO_NOT_PURCHASE); the same sums in the same order. */
TXN_SHARED_ void emit_fast(const txn_ctx *c, const txn_rec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    const int zero_np = (c->o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) != 0;
    const int has_cost = c->has_cost;

    acc_init(&a);
    while (j < len) {
        const int64_t p = seg[j].period;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN;
        do {
            const double t = seg[j].t, am = seg[j].amount;
            const int purchase = zero_np ? am > 0.0 : am >= 0.0;
            txn_ksum_add(&spend, am);
            if (has_cost)
                txn_ksum_add(&a.cost, seg[j].cost);
            if (am < 0.0) {
                a.n_refund++;
                txn_ksum_add(&a.refund, am);
            }
            txn_ksum_add(&a.total, am);
            if (purchase) {
                if (!any_purchase)
                    group_t = t;
                any_purchase = 1;
                a.n_txn++;
                if (a.n_txn == 1 || t < a.first_t) {
                    a.first_t = t;
                    a.first_p = p;
                }
                if (a.n_txn == 1 || t >= a.last_t) {
                    a.last_t = t;
                    a.last_p = p;
                }
            }
            j++;
        } while (j < len && seg[j].period == p);
        if (!any_purchase)
            continue;
        acc_occasion(&a, group_t, &spend, 1);
    }
    write_row(c, &a, out, k);
}

/* 16-byte record of the fast path without cost and period arrays. The period
   of a row is computed from t when needed: period_ctx() is monotone in t
   (correctly rounded subtraction and division by a positive length, then
   floor), so the (period, t) order of txn_rec is the t order, and a stable
   sort by t gives the same sequence as merge_sort_recs(). */
typedef struct trec {
    double t;
    double amount;
} trec;

/* Stable merge sort of a[0..n) by t, tmp has n slots. */
#define TREC_LESS_(ctx, x, y) ((x)->t < (y)->t)
CVA__STABLE_SORT(merge_sort_trecs, trec, const void *, TREC_LESS_)
#undef TREC_LESS_

/* emit_fast() on 16-byte records (no cost array, periods from t); rows in t
   order. The same sums in the same order, so the same bits. */
TXN_SHARED_ void emit_fast_t(const txn_ctx *c, const trec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    const int zero_np = (c->o->flags & CVA_TXN_F_ZERO_NOT_PURCHASE) != 0;
    int64_t pj = len ? period_ctx(seg[0].t, c) : 0;

    acc_init(&a);
    while (j < len) {
        const int64_t p = pj;
        cva__ksum spend = {0, 0};
        int any_purchase = 0;
        double group_t = CVA_NAN;
        do {
            const double t = seg[j].t, am = seg[j].amount;
            const int purchase = zero_np ? am > 0.0 : am >= 0.0;
            txn_ksum_add(&spend, am);
            if (am < 0.0) {
                a.n_refund++;
                txn_ksum_add(&a.refund, am);
            }
            txn_ksum_add(&a.total, am);
            if (purchase) {
                if (!any_purchase)
                    group_t = t;
                any_purchase = 1;
                a.n_txn++;
                if (a.n_txn == 1 || t < a.first_t) {
                    a.first_t = t;
                    a.first_p = p;
                }
                if (a.n_txn == 1 || t >= a.last_t) {
                    a.last_t = t;
                    a.last_p = p;
                }
            }
            j++;
        } while (j < len && (pj = period_ctx(seg[j].t, c)) == p);
        if (!any_purchase)
            continue;
        acc_occasion(&a, group_t, &spend, 1);
    }
    write_row(c, &a, out, k);
}

/* emit_fast_t() for rows in t order whose amounts are all > 0 (the common
   case): every row is a purchase and none a refund, so first/last purchase are
   the first and last rows. The same sums in the same order, so the same bits. */
TXN_SHARED_ void emit_fast_pos(const txn_ctx *c, const trec *seg, size_t len, cva_txn_summary *out, size_t k)
{
    size_t j = 0;
    cust_acc a;
    int64_t pj = period_ctx(seg[0].t, c);
    acc_init(&a);
    a.n_txn = (uint32_t)len;
    a.first_t = seg[0].t;
    a.first_p = pj;
    a.last_t = seg[len - 1].t;
    a.last_p = period_ctx(seg[len - 1].t, c);
    while (j < len) {
        const int64_t p = pj;
        const double group_t = seg[j].t;
        cva__ksum spend = {0, 0};
        do {
            const double am = seg[j].amount;
            txn_ksum_add(&spend, am);
            txn_ksum_add(&a.total, am);
            j++;
        } while (j < len && (pj = period_ctx(seg[j].t, c)) == p);
        acc_occasion(&a, group_t, &spend, 1);
    }
    write_row(c, &a, out, k);
}

/* Sort a customer's records by (period, t), stably, when they are not in that order. */
TXN_SHARED_ void order_segment(const txn_ctx *c, txn_rec *seg, size_t len)
{
    size_t j;
    for (j = 1; j < len; j++)
        if (rec_less(&seg[j], &seg[j - 1])) {
            merge_sort_recs(NULL, seg, c->rtmp, len);
            return;
        }
}

/* (period, t) order of input rows referenced by index; ties keep index order. */
static inline int ix_less(const txn_ctx *c, const kpair *x, const kpair *y)
{
    txn_rec a, b;
    src_row(c, NULL, x, 0, &a);
    src_row(c, NULL, y, 0, &b);
    return rec_less(&a, &b);
}

/* Stable merge sort of row references by (period, t), tmp has n slots;
   order_index_segment() sorts only when they are not in that order. */
CVA__STABLE_SORT(merge_sort_ix, kpair, const txn_ctx *, ix_less)

TXN_SHARED_ void order_index_segment(const txn_ctx *c, kpair *a, kpair *tmp, size_t n)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (ix_less(c, &a[i], &a[i - 1]))
            break;
    if (i >= n)
        return;
    merge_sort_ix(c, a, tmp, n);
}

#endif /* CVA_TXN_STATS_H */
