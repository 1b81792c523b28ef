/*
 * Acquisition cohorts from transactions: cohort sizes, active and retained
 * (survivor) counts per period since acquisition (include/cva/cohort.h).
 *
 * Two open-addressing hash tables in one workspace: customers (id -> first
 * and last purchase period) and distinct (customer, period) purchase pairs.
 * Passes: (1) validate rows and find the observation end; (2) periods and the
 * customer table; (3) the pair table, each new pair adding one to `active`.
 * `retained` comes from the first and last period of each customer through a
 * difference row and a prefix sum, so the time is O(n + n_cohorts²).
 * SPDX-License-Identifier: MIT
 */
#include "cva/cohort.h"

#include <math.h>

#include "cva_internal.h"

typedef struct cust_slot {
    int64_t id, first, last;
} cust_slot;

typedef struct pair_slot {
    int64_t id, period;
} pair_slot;

typedef struct cohort_ws {
    size_t cap, mask;
    cust_slot *cust;
    pair_slot *pair;
    unsigned char *cust_used, *pair_used;
} cohort_ws;

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* slots for n rows: a power of two >= 2n (load <= 1/2); 0 on overflow */
static size_t table_cap(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n) {
        if (cap > SIZE_MAX / 4)
            return 0;
        cap <<= 1;
    }
    return cap;
}

static int ws_bytes(size_t n, size_t *bytes)
{
    const size_t per = sizeof(cust_slot) + sizeof(pair_slot) + 2;
    size_t cap;
    if (n > SIZE_MAX / 8)
        return 0;
    cap = table_cap(n);
    if (!cap || cap > (SIZE_MAX - 64) / per)
        return 0;
    *bytes = cap * per + 64;
    return 1;
}

static void ws_layout(void *work, size_t n, cohort_ws *w)
{
    uintptr_t p = (uintptr_t)work;
    unsigned char *b;
    size_t i;
    p = (p + 15u) & ~(uintptr_t)15u;
    b = (unsigned char *)work + (p - (uintptr_t)work);
    w->cap = table_cap(n);
    w->mask = w->cap - 1;
    w->cust = (cust_slot *)(void *)b;
    w->pair = (pair_slot *)(void *)(b + w->cap * sizeof(cust_slot));
    w->cust_used = b + w->cap * (sizeof(cust_slot) + sizeof(pair_slot));
    w->pair_used = w->cust_used + w->cap;
    for (i = 0; i < w->cap; i++) {
        w->cust_used[i] = 0;
        w->pair_used[i] = 0;
    }
}

static cust_slot *cust_find(cohort_ws *w, int64_t id, int insert)
{
    size_t h = (size_t)mix64((uint64_t)id) & w->mask;
    while (w->cust_used[h]) {
        if (w->cust[h].id == id)
            return &w->cust[h];
        h = (h + 1) & w->mask;
    }
    if (!insert)
        return NULL;
    w->cust_used[h] = 1;
    w->cust[h].id = id;
    w->cust[h].first = INT64_MAX;
    w->cust[h].last = INT64_MIN;
    return &w->cust[h];
}

/* 1 when (id, period) is new */
static int pair_add(cohort_ws *w, int64_t id, int64_t period)
{
    size_t h = (size_t)mix64((uint64_t)id ^ mix64((uint64_t)period)) & w->mask;
    while (w->pair_used[h]) {
        if (w->pair[h].id == id && w->pair[h].period == period)
            return 0;
        h = (h + 1) & w->mask;
    }
    w->pair_used[h] = 1;
    w->pair[h].id = id;
    w->pair[h].period = period;
    return 1;
}

static int is_purchase(double amount, int32_t policy, int32_t flags)
{
    if (policy == CVA_TXN_REFUND_AS_ROW)
        return !((flags & CVA_TXN_F_ZERO_NOT_PURCHASE) && !(amount < 0.0) && !(amount > 0.0));
    if (flags & CVA_TXN_F_ZERO_NOT_PURCHASE)
        return amount > 0.0;
    return amount >= 0.0;
}

/* floor((t − origin)/length) as int64; 0 when it is beyond ±9.2e18 */
static int period_index(double t, const cva_txn_opts *o, int64_t *p)
{
    const double q = floor((t - o->period_origin) / o->period_length);
    if (!(q > -9.2e18 && q < 9.2e18))
        return 0;
    *p = (int64_t)q;
    return 1;
}

static int row_valid(const cva_txn_input *in, size_t i)
{
    return isfinite(in->t[i]) && isfinite(in->amount[i]) && (!in->cost || isfinite(in->cost[i]));
}

cva_status cva_cohort_table_init(cva_cohort_table *table, size_t struct_size)
{
    if (!table)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_cohort_table))
        return CVA_E_ABI_MISMATCH;
    memset(table, 0, sizeof *table);
    table->struct_size = (uint32_t)sizeof *table;
    table->obs_end = CVA_NAN;
    return CVA_OK;
}

cva_status cva_txn_cohorts_workspace_size(const cva_txn_input *in, size_t *bytes)
{
    if (!in || !bytes)
        return CVA_E_NULLPTR;
    if (in->struct_size != sizeof(cva_txn_input))
        return CVA_E_ABI_MISMATCH;
    return ws_bytes(in->n, bytes) ? CVA_OK : CVA_E_OVERFLOW;
}

static cva_status check_opts(const cva_txn_opts *o, cva_diag *diag)
{
    if (o->refund_policy < CVA_TXN_REFUND_NET || o->refund_policy > CVA_TXN_REFUND_EXCLUDE)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_REFUND_POLICY, -1, 0,
                           "refund_policy must be CVA_TXN_REFUND_NET, _AS_ROW or _EXCLUDE");
    if (o->flags & ~(CVA_TXN_F_ZERO_NOT_PURCHASE | CVA_TXN_F_SKIP_INVALID))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_FLAGS, -1, 0, "unknown flag bits");
    if (!(isfinite(o->period_length) && o->period_length > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_LENGTH, -1, 0,
                           "period_length must be finite and > 0");
    if (!isfinite(o->period_origin))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_ORIGIN, -1, 0, "period_origin must be finite");
    if (isinf(o->obs_end))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_END, -1, 0,
                           "obs_end must be finite or NaN (latest time)");
    if (isnan(o->obs_start) || (isinf(o->obs_start) && o->obs_start > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0, "obs_start must be finite or -CVA_INF");
    if (!isnan(o->obs_end) && o->obs_start > o->obs_end)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0, "obs_start is after obs_end");
    return CVA_OK;
}

cva_status cva_txn_cohorts(const cva_txn_input *in, const cva_txn_opts *opts, cva_cohort_table *out, void *work,
                           size_t work_size, cva_diag *diag)
{
    cva_txn_opts o;
    cohort_ws w;
    void *own = NULL;
    size_t i, need = 0, nc, excluded = 0;
    double end = CVA_NAN;
    int64_t endp = INT64_MIN, firstp = INT64_MAX, p = 0;
    uint64_t ncust = 0, span;
    const int caller_period = in && in->period != NULL;
    cva_status st;

    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_txn_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_txn_input size");
    if (in->n > 0 && (!in->customer_id || !in->t || !in->amount))
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0,
                           !in->customer_id ? "in->customer_id is NULL" : !in->t ? "in->t is NULL" : "in->amount is NULL");
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "out is NULL");
    if (out->struct_size != sizeof(cva_cohort_table))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 3, 0, -1, 0, "out: call cva_cohort_table_init first");
    if (out->capacity > 0 && (size_t)out->capacity > SIZE_MAX / out->capacity)
        return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0, "capacity² does not fit in size_t");
    cva_txn_opts_init_defaults(&o, sizeof o);
    if (opts && cva__copy_sized(&o, sizeof o, opts, sizeof(cva_txn_opts)) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "unsupported cva_txn_opts size");
    if ((st = check_opts(&o, diag)) != CVA_OK)
        return st;

    /* 1. rows and the observation end */
    for (i = 0; i < in->n; i++) {
        if (!row_valid(in, i)) {
            if (o.flags & CVA_TXN_F_SKIP_INVALID)
                continue;
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0,
                               !isfinite(in->t[i]) ? "time is NaN or infinite"
                               : !isfinite(in->amount[i]) ? "amount is NaN or infinite"
                                                          : "cost is NaN or infinite");
        }
        if (isnan(o.obs_end) && in->t[i] >= o.obs_start && !(in->t[i] <= end))
            end = in->t[i];
    }
    if (!isnan(o.obs_end))
        end = o.obs_end;

    if (work) {
        if (!ws_bytes(in->n, &need))
            return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "workspace size does not fit in size_t");
        if (work_size < need)
            return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 4, 0, -1, need, NULL);
    } else {
        if (!ws_bytes(in->n, &need))
            return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "workspace size does not fit in size_t");
        own = cva__alloc(o.alloc, need);
        if (!own)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, need, NULL);
        work = own;
    }
    ws_layout(work, in->n, &w);

    /* 2. periods, the end period, first and last purchase period per customer */
    for (i = 0; i < in->n; i++) {
        cust_slot *c;
        if (!row_valid(in, i) || !(in->t[i] >= o.obs_start && in->t[i] <= end)) {
            excluded++;
            continue;
        }
        if (caller_period) {
            p = in->period[i];
        } else if (!period_index(in->t[i], &o, &p)) {
            cva__free(o.alloc, own);
            return cva__report(diag, CVA_E_OVERFLOW, 1, 0, (int64_t)i, 0,
                               "the period index (t - period_origin)/period_length is beyond ±9.2e18");
        }
        if (caller_period && p > endp)
            endp = p;
        if (!is_purchase(in->amount[i], o.refund_policy, o.flags))
            continue;
        c = cust_find(&w, in->customer_id[i], 1);
        if (c->first == INT64_MAX)
            ncust++;
        if (p < c->first)
            c->first = p;
        if (p > c->last)
            c->last = p;
        if (p < firstp)
            firstp = p;
    }
    out->obs_end = end;
    if (ncust == 0) {
        cva__free(o.alloc, own);
        out->n_cohorts = 0;
        out->n_customers = 0;
        out->first_period = 0;
        out->end_period = 0;
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, excluded, "no purchase in the window");
    }
    if (!caller_period && !period_index(end, &o, &endp)) {
        cva__free(o.alloc, own);
        return cva__report(diag, CVA_E_OVERFLOW, 2, CVA_OPT_TXN_OBS_END, -1, 0,
                           "the period index of the observation end is beyond ±9.2e18");
    }
    /* periods from the first acquisition to the end: n_cohorts, and n_cohorts² doubles must fit */
    span = (uint64_t)endp - (uint64_t)firstp;
    if (span >= (uint64_t)SIZE_MAX || span + 1 > (uint64_t)(SIZE_MAX / sizeof(double)) / (span + 1)) {
        cva__free(o.alloc, own);
        return cva__report(diag, CVA_E_OVERFLOW, 2, CVA_OPT_TXN_PERIOD_LENGTH, -1, 0,
                           "too many periods from the first acquisition to the end: n_cohorts² does not fit");
    }
    nc = (size_t)span + 1;
    out->n_cohorts = nc;
    if (out->capacity < nc) {
        cva__free(o.alloc, own);
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, nc,
                           "capacity < cohorts: out->n_cohorts holds the number needed");
    }

    /* 3. outputs */
    {
        size_t c, j;
        for (c = 0; c < nc; c++) {
            if (out->period)
                out->period[c] = (int64_t)((uint64_t)firstp + (uint64_t)c);
            if (out->size)
                out->size[c] = 0.0;
            if (out->observed)
                out->observed[c] = (int64_t)(nc - c);
            for (j = 0; j < nc; j++) {
                const double v = j < nc - c ? 0.0 : CVA_NAN;
                if (out->active)
                    out->active[c * nc + j] = v;
                if (out->retained)
                    out->retained[c * nc + j] = v;
            }
        }
        for (i = 0; i < w.cap; i++) {
            const cust_slot *s = &w.cust[i];
            size_t len;
            if (!w.cust_used[i])
                continue;
            c = (size_t)((uint64_t)s->first - (uint64_t)firstp);
            len = (size_t)((uint64_t)s->last - (uint64_t)s->first) + 1;
            if (out->size)
                out->size[c] += 1.0;
            if (out->retained) {
                out->retained[c * nc] += 1.0;
                if (len < nc - c)
                    out->retained[c * nc + len] -= 1.0;
            }
        }
        if (out->retained)
            for (c = 0; c < nc; c++)
                for (j = 1; j < nc - c; j++)
                    out->retained[c * nc + j] += out->retained[c * nc + j - 1];
        if (out->active) {
            for (i = 0; i < in->n; i++) {
                const cust_slot *s;
                if (!row_valid(in, i) || !(in->t[i] >= o.obs_start && in->t[i] <= end) ||
                    !is_purchase(in->amount[i], o.refund_policy, o.flags))
                    continue;
                if (caller_period)
                    p = in->period[i];
                else
                    (void)period_index(in->t[i], &o, &p);
                if (!pair_add(&w, in->customer_id[i], p))
                    continue;
                s = cust_find(&w, in->customer_id[i], 0);
                c = (size_t)((uint64_t)s->first - (uint64_t)firstp);
                out->active[c * nc + (size_t)((uint64_t)p - (uint64_t)s->first)] += 1.0;
            }
        }
    }
    cva__free(o.alloc, own);
    out->first_period = firstp;
    out->end_period = endp;
    out->n_customers = ncust;
    if (excluded > 0)
        return cva__report(diag, CVA_W_EXCLUDED, 1, 0, -1, excluded,
                           "rows outside [obs_start, obs_end] or invalid rows were dropped (diag->count)");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
