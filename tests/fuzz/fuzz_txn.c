/*
 * Fuzz target: transaction summaries (cva_txn_summarize, cva_txn_workspace_size).
 * SPDX-License-Identifier: MIT
 *
 * The bytes decode to transaction arrays (ids from a small pool plus extremes,
 * so duplicates and INT64_MIN/MAX occur; times and amounts including NaN, ±Inf,
 * huge, negative, unsorted), the optional cost/referrer/period arrays, options
 * (possibly out of range), an output capacity (possibly too small), a workspace
 * (none, exact, too small) and struct sizes (possibly wrong).
 * Invariants:
 *  - an error leaves every output array untouched (poison-filled), except
 *    n_customers for CVA_E_BUFFER_TOO_SMALL, which then exceeds the capacity;
 *  - success: ids strictly ascending, rows past n_customers untouched, counts
 *    consistent (n_occ <= n_txn, x = n_occ - 1, 0 <= t_x <= T, refunds <= 0),
 *    and the same bits with and without a workspace;
 *  - with default options and ordinary values: every statistic equals a
 *    brute-force reference (O(n^2), from the definitions of txn.h / docs/methods/summaries.md#methods_summaries).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "fuzz_common.h"

#define MAXN 64

typedef struct outs {
    int64_t id[2 * MAXN + 2];
    uint32_t n_txn[2 * MAXN + 2], n_occ[2 * MAXN + 2], n_refund[2 * MAXN + 2], ref_n_txn[2 * MAXN + 2],
        ref_n_cust[2 * MAXN + 2];
    double d[15][2 * MAXN + 2];
} outs;

static void bind(cva_txn_summary *s, outs *o, size_t cap)
{
    s->capacity = cap;
    s->customer_id = o->id;
    s->n_txn = o->n_txn;
    s->n_occ = o->n_occ;
    s->n_refund = o->n_refund;
    s->ref_n_txn = o->ref_n_txn;
    s->ref_n_cust = o->ref_n_cust;
    s->first_t = o->d[0];
    s->last_t = o->d[1];
    s->total_amount = o->d[2];
    s->total_cost = o->d[3];
    s->refund_amount = o->d[4];
    s->frequency = o->d[5];
    s->recency = o->d[6];
    s->T = o->d[7];
    s->monetary_value = o->d[8];
    s->days_since_last = o->d[9];
    s->ref_amount = o->d[10];
    s->ref_last_t = o->d[11];
    s->frequency_holdout = o->d[12];
    s->monetary_value_holdout = o->d[13];
    s->duration_holdout = o->d[14];
}

/* byte-compare row range [from, to) of every array with the poison */
static int rows_poisoned(const outs *o, size_t from, size_t to)
{
    size_t k;
    int ok = 1;
    if (from >= to)
        return 1;
    ok &= fz_poisoned(o->id + from, (to - from) * sizeof o->id[0]);
    ok &= fz_poisoned(o->n_txn + from, (to - from) * 4);
    ok &= fz_poisoned(o->n_occ + from, (to - from) * 4);
    ok &= fz_poisoned(o->n_refund + from, (to - from) * 4);
    ok &= fz_poisoned(o->ref_n_txn + from, (to - from) * 4);
    ok &= fz_poisoned(o->ref_n_cust + from, (to - from) * 4);
    for (k = 0; k < 15; k++)
        ok &= fz_poisoned(o->d[k] + from, (to - from) * 8);
    return ok;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* the brute-force reference under the default options, customer with id `id` */
static void reference(size_t n, const int64_t *id, const double *t, const double *am, const double *cost,
                      int64_t who, double obs_end, const outs *o, size_t k)
{
    size_t i, j;
    uint32_t n_txn = 0, n_ref = 0, n_occ = 0;
    double total = 0, refund = 0, tcost = 0, scale = 0, first = (double)NAN, last = (double)NAN;
    double occ_first = (double)NAN, occ_last = (double)NAN, repeat = 0;
    int64_t p_first = 0, p_last = 0;
    for (i = 0; i < n; i++) {
        if (id[i] != who)
            continue;
        total += am[i];
        scale += fabs(am[i]);
        tcost += cost ? cost[i] : 0.0;
        if (am[i] < 0) {
            n_ref++;
            refund += am[i];
        } else {
            n_txn++;
            /* first and last purchase row in the order (time, input position)
               of docs/methods/summaries.md#methods_summary_cost: of equal times
               the earlier row is first and the later row last (+0 and -0 are
               equal times with different bits) */
            if (isnan(first) || t[i] < first)
                first = t[i];
            if (isnan(last) || t[i] >= last)
                last = t[i];
        }
    }
    /* occasions: distinct floor(t) with a purchase, in period order */
    for (i = 0; i < n; i++) {
        int64_t p;
        int seen = 0;
        double spend = 0, gt = (double)NAN;
        if (id[i] != who || am[i] < 0)
            continue;
        p = (int64_t)floor(t[i]);
        for (j = 0; j < i; j++)
            if (id[j] == who && am[j] >= 0 && (int64_t)floor(t[j]) == p)
                seen = 1;
        if (seen)
            continue;
        for (j = 0; j < n; j++)
            if (id[j] == who && (int64_t)floor(t[j]) == p) {
                spend += am[j];
                if (am[j] >= 0 && (isnan(gt) || t[j] < gt))
                    gt = t[j];
            }
        n_occ++;
        /* keep the first and last occasion's group times; repeat = all spend - the first's (below) */
        if (n_occ == 1 || p < p_first) {
            p_first = p;
            occ_first = gt;
        }
        if (n_occ == 1 || p > p_last) {
            p_last = p;
            occ_last = gt;
        }
        repeat += spend;
    }
    if (n_occ > 0) {
        /* subtract the first occasion's spend */
        double s1 = 0;
        for (j = 0; j < n; j++)
            if (id[j] == who && (int64_t)floor(t[j]) == p_first)
                s1 += am[j];
        repeat -= s1;
    }
    FZ_CHECK(o->id[k] == who, "row %zu id", k);
    FZ_CHECK(o->n_txn[k] == n_txn, "id %lld n_txn %u vs %u", (long long)who, o->n_txn[k], n_txn);
    FZ_CHECK(o->n_refund[k] == n_ref, "id %lld n_refund", (long long)who);
    FZ_CHECK(o->n_occ[k] == n_occ, "id %lld n_occ %u vs %u", (long long)who, o->n_occ[k], n_occ);
    FZ_CHECK(fz_close(o->d[2][k], total, scale), "id %lld total %.17g vs %.17g", (long long)who, o->d[2][k], total);
    FZ_CHECK(fz_close(o->d[4][k], refund, scale), "id %lld refund", (long long)who);
    FZ_CHECK(fz_close(o->d[3][k], tcost, fabs(tcost) + 1), "id %lld cost", (long long)who);
    FZ_CHECK(same_bits(o->d[0][k], first) || (isnan(first) && isnan(o->d[0][k])), "id %lld first_t", (long long)who);
    FZ_CHECK(same_bits(o->d[1][k], last) || (isnan(last) && isnan(o->d[1][k])), "id %lld last_t", (long long)who);
    if (n_occ == 0) {
        FZ_CHECK(isnan(o->d[5][k]) && isnan(o->d[6][k]) && isnan(o->d[7][k]) && isnan(o->d[8][k]) &&
                     isnan(o->d[9][k]),
                 "id %lld: no purchase, statistics must be NaN", (long long)who);
    } else {
        FZ_CHECK(o->d[5][k] == (double)(n_occ - 1), "id %lld frequency", (long long)who);
        FZ_CHECK(fz_close(o->d[6][k], occ_last - occ_first, fabs(occ_last) + fabs(occ_first)),
                 "id %lld recency %.17g vs %.17g", (long long)who, o->d[6][k], occ_last - occ_first);
        FZ_CHECK(fz_close(o->d[7][k], obs_end - occ_first, fabs(obs_end) + fabs(occ_first)), "id %lld T",
                 (long long)who);
        FZ_CHECK(fz_close(o->d[8][k], n_occ > 1 ? repeat / (double)(n_occ - 1) : 0.0, scale),
                 "id %lld monetary %.17g vs %.17g", (long long)who, o->d[8][k],
                 n_occ > 1 ? repeat / (double)(n_occ - 1) : 0.0);
        FZ_CHECK(fz_close(o->d[9][k], obs_end - last, fabs(obs_end) + fabs(last)), "id %lld days_since_last",
                 (long long)who);
    }
}

static outs o1, o2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    unsigned mode, mode2;
    size_t n, i, cap, need = 0, wsize;
    int64_t id[MAXN], ref[MAXN], per[MAXN];
    double t[MAXN], am[MAXN], cost[MAXN];
    struct {
        cva_txn_input in;
        unsigned char newer[16];
    } bigin;
    cva_txn_opts opts;
    cva_txn_summary s1, s2;
    cva_status st, st2, wst;
    cva_diag dg;
    int plain = 1, ordinary = 1;
    void *work = NULL;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    mode2 = fz_u8(&f);
    n = fz_range(&f, 0, MAXN);
    for (i = 0; i < n; i++) {
        id[i] = fz_id(&f);
        t[i] = fz_double(&f);
        am[i] = fz_double(&f);
        cost[i] = (mode & 1) ? fz_double(&f) : 0.0;
        ref[i] = (mode & 2) ? ((fz_u8(&f) & 1) ? CVA_TXN_NO_REFERRER : fz_id(&f)) : 0;
        per[i] = (mode & 4) ? (int64_t)fz_id(&f) : 0;
        if (!isfinite(t[i]) || !isfinite(am[i]) || !isfinite(cost[i]) || fabs(t[i]) > 1e9 || fabs(am[i]) > 1e12 ||
            fabs(cost[i]) > 1e12)
            ordinary = 0;
    }
    memset(&bigin, 0, sizeof bigin);
    bigin.in.struct_size = sizeof bigin.in;
    bigin.in.n = n;
    bigin.in.customer_id = id;
    bigin.in.t = t;
    bigin.in.amount = am;
    bigin.in.cost = (mode & 1) ? cost : NULL;
    bigin.in.referrer_id = (mode & 2) ? ref : NULL;
    bigin.in.period = (mode & 4) ? per : NULL;
    if (cva_txn_opts_init_defaults(&opts, sizeof opts) != CVA_OK)
        abort();
    if (mode & 8) {
        plain = 0;
        opts.refund_policy = (int32_t)(fz_u8(&f) % 4);
        opts.flags = (int32_t)(fz_u8(&f) % 5);
        opts.time_convention = (int32_t)(fz_u8(&f) % 3);
        if (fz_u8(&f) & 1)
            opts.obs_end = fz_double(&f);
        if (fz_u8(&f) & 1)
            opts.obs_start = fz_double(&f);
        if (fz_u8(&f) & 1)
            opts.period_length = fz_double(&f);
        if (fz_u8(&f) & 1)
            opts.period_origin = fz_double(&f);
        if (fz_u8(&f) & 1)
            opts.time_scale = fz_double(&f);
        if (fz_u8(&f) & 1)
            opts.calibration_end = fz_double(&f);
    }
    if (mode & 2 || mode & 4)
        plain = 0;
    /* wrong struct sizes */
    if ((mode2 & 7) == 1)
        bigin.in.struct_size = (uint32_t)(sizeof bigin.in + 8);
    else if ((mode2 & 7) == 2)
        opts.struct_size = (uint32_t)(sizeof opts - 4);
    else if ((mode2 & 7) == 3)
        bigin.in.reserved = 1;
    cap = (mode2 >> 3) & 3;
    cap = cap == 0 ? 2 * n + 2 : cap == 1 ? n : cap == 2 ? n / 2 : fz_range(&f, 0, 2 * MAXN + 2);
    fz_poison(&o1, sizeof o1);
    fz_poison(&o2, sizeof o2);
    cva_txn_summary_init(&s1, sizeof s1);
    cva_txn_summary_init(&s2, sizeof s2);
    bind(&s1, &o1, cap);
    bind(&s2, &o2, cap);
    /* a holdout array without calibration_end is an option error; keep them for plain runs only when set */
    if (isnan(opts.calibration_end)) {
        s1.frequency_holdout = s1.monetary_value_holdout = s1.duration_holdout = NULL;
        s2.frequency_holdout = s2.monetary_value_holdout = s2.duration_holdout = NULL;
    }
    wst = cva_txn_workspace_size(&bigin.in, &opts, &wsize);
    if (wst == CVA_OK && (mode2 & 0x20)) {
        need = wsize;
        if (mode2 & 0x40)
            wsize = wsize > 8 ? wsize - 8 : 0; /* too small */
        work = malloc(wsize ? wsize : 1);
        if (!work)
            return 0;
    }
    memset(&dg, 0, sizeof dg);
    cva_diag_init(&dg, sizeof dg);
    st = cva_txn_summarize(&bigin.in, &opts, &s1, work, work ? wsize : 0, &dg);
    st2 = cva_txn_summarize(&bigin.in, &opts, &s2, NULL, 0, NULL);
    free(work);
    if (work && wsize < need) {
        FZ_CHECK(st < 0, "a workspace smaller than cva_txn_workspace_size() was accepted (%d)", (int)st);
    } else {
        FZ_CHECK(st == st2, "status with workspace %d, without %d", (int)st, (int)st2);
    }
    if (st < 0) {
        FZ_CHECK(rows_poisoned(&o1, 0, 2 * MAXN + 2), "status %d but outputs were written", (int)st);
        if (st == CVA_E_BUFFER_TOO_SMALL)
            FZ_CHECK(s1.n_customers > cap, "BUFFER_TOO_SMALL with n_customers %zu <= capacity %zu", s1.n_customers,
                     cap);
    }
    if (st2 < 0)
        FZ_CHECK(rows_poisoned(&o2, 0, 2 * MAXN + 2), "status %d but outputs were written", (int)st2);
    if (st2 < 0 || st < 0)
        return 0;
    FZ_CHECK(s1.n_customers <= cap && s1.n_customers == s2.n_customers, "n_customers %zu, capacity %zu",
             s1.n_customers, cap);
    FZ_CHECK(rows_poisoned(&o1, s1.n_customers, 2 * MAXN + 2), "rows past n_customers written");
    FZ_CHECK(memcmp(&o1, &o2, sizeof o1) == 0, "results differ with and without a workspace");
    for (i = 0; i < s1.n_customers; i++) {
        const double *d5 = o1.d[5], *d6 = o1.d[6], *d7 = o1.d[7];
        if (i > 0)
            FZ_CHECK(o1.id[i - 1] < o1.id[i], "ids not strictly ascending at row %zu", i);
        FZ_CHECK(o1.n_occ[i] <= o1.n_txn[i], "row %zu: n_occ %u > n_txn %u", i, o1.n_occ[i], o1.n_txn[i]);
        FZ_CHECK(!(o1.d[4][i] > 0), "row %zu: refund amount %g > 0", i, o1.d[4][i]);
        if (o1.n_occ[i] > 0) {
            FZ_CHECK(d5[i] == (double)(o1.n_occ[i] - 1), "row %zu: frequency %g, n_occ %u", i, d5[i], o1.n_occ[i]);
            if (isfinite(d6[i]) && isfinite(d7[i]) && !bigin.in.period)
                FZ_CHECK(d6[i] >= 0 && d6[i] <= d7[i], "row %zu: recency %.17g, T %.17g", i, d6[i], d7[i]);
            if (d5[i] == 0 && opts.time_convention == CVA_TXN_TIME_CONTINUOUS)
                FZ_CHECK(d6[i] == 0, "row %zu: x = 0 with recency %g", i, d6[i]);
        } else {
            FZ_CHECK(isnan(d5[i]), "row %zu: no occasion but frequency %g", i, d5[i]);
        }
    }
    if (plain && ordinary && !(mode2 & 0x80) && st >= 0) {
        double obs_end = -(double)INFINITY;
        size_t k = 0;
        for (i = 0; i < n; i++)
            if (t[i] > obs_end)
                obs_end = t[i];
        FZ_CHECK(n == 0 || same_bits(s1.obs_end, obs_end), "obs_end %.17g vs %.17g", s1.obs_end, obs_end);
        /* every distinct id, ascending */
        for (;;) {
            int64_t next = 0;
            int found = 0;
            for (i = 0; i < n; i++)
                if ((k == 0 || id[i] > o1.id[k - 1]) && (!found || id[i] < next)) {
                    next = id[i];
                    found = 1;
                }
            if (!found)
                break;
            FZ_CHECK(k < s1.n_customers, "fewer customers than distinct ids");
            reference(n, id, t, am, bigin.in.cost, next, obs_end, &o1, k);
            k++;
        }
        FZ_CHECK(k == s1.n_customers, "%zu customers, %zu distinct ids", s1.n_customers, k);
    }
    return 0;
}
