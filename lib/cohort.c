/*
 * Acquisition cohorts from transactions: cohort sizes, active and retained
 * (survivor) counts per period since acquisition (include/cva/cohort.h).
 *
 * Pass 1 validates the rows and finds, besides the observation end, the
 * first purchase period and the end period, so the number of cohorts nc is
 * known before any workspace is touched (the size query allocates nothing).
 * Pass 2, when nc <= FAST_MAX_COHORTS: one open-addressing table of customers
 * that starts small and doubles (sized by the customers, not the rows), each
 * customer carrying a bitset of the periods it bought in relative to the
 * first period (inline in the slot when nc <= 64, else ceil(nc/64) words in a
 * side array). First and last purchase period, cohort size, `active` and
 * `retained` then come from the bitsets alone: one hash probe per row, and
 * the touched memory is a few slots per customer (at 1e6 rows and 20,000
 * customers ~0.5 MB instead of the 88 MB of the row-sized tables below).
 * Otherwise (more periods, or a caller workspace too small for the bitsets)
 * the general path: a customer table and a table of distinct (customer,
 * period) pairs, both sized by the rows. `retained` comes from the first and
 * last period of each customer through a difference row and a prefix sum, so
 * the time is O(n + K * ceil(nc/64) + nc^2) on the fast path.
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

/* ------------------------------------------------------------------------ */
/* Fast path: customers with period bitsets                                 */

/* at most this many cohorts on the fast path (16 words of bitset a customer) */
#define FAST_MAX_COHORTS 1024u
/* first table of the fast path (slots; doubles while the load passes 1/2) */
#define FAST_FIRST_CAP 1024u
/* rows between the probe of a row and the prefetch of its slot */
#define FAST_PREFETCH 16u

#if defined(__GNUC__) || defined(__clang__)
#define COHORT_PREFETCH_(addr) __builtin_prefetch(addr, 1, 3)
#else
#define COHORT_PREFETCH_(addr) ((void)0)
#endif

typedef struct fast_slot {
    int64_t id;
    uint64_t v; /* 0 = empty; else the period bitset (one word) or 1 + the customer's index */
} fast_slot;

/* what pass 1 found and passes 2 and 3 read */
typedef struct cohort_scan {
    double end;          /* observation end */
    int64_t firstp, endp;
    size_t nc;           /* cohorts */
    int all_in;          /* every row valid and in the window: no per-row tests */
    int caller_period;
} cohort_scan;

static inline size_t top64_(uint64_t b) /* b != 0: index of the highest set bit */
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (size_t)__builtin_clzll(b);
#else
    size_t c = 63;
    while (!(b >> c))
        c--;
    return c;
#endif
}

static inline size_t fast_home(int64_t id, unsigned bits)
{
    return (size_t)(((uint64_t)id * UINT64_C(0x9E3779B97F4A7C15)) >> (64u - bits));
}

/* Zero the outputs of the nc cohorts (NaN past the observation end). */
static void outputs_init(cva_cohort_table *out, size_t nc, int64_t firstp)
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
}

/* One customer of first period f (relative), last period l: size and the difference row of retained. */
static inline void add_customer(cva_cohort_table *out, size_t nc, size_t f, size_t l)
{
    if (out->size)
        out->size[f] += 1.0;
    if (out->retained) {
        out->retained[f * nc] += 1.0;
        if (l + 1 < nc)
            out->retained[f * nc + (l - f) + 1] -= 1.0;
    }
}

static void retained_prefix(cva_cohort_table *out, size_t nc)
{
    size_t c, j;
    if (out->retained)
        for (c = 0; c < nc; c++)
            for (j = 1; j < nc - c; j++)
                out->retained[c * nc + j] += out->retained[c * nc + j - 1];
}

/* Fast path over a region of `bytes` bytes (16-aligned): two table halves of
   `tcap` slots each (ping-pong on growth) and the rest for the bitsets when nc > 64.
   Returns 0 when the bitsets do not fit (nothing written to out), else 1 with
   out's arrays filled and *ncust set. */
static int fast_cohorts(const cva_txn_input *in, const cva_txn_opts *o, const cohort_scan *sc, unsigned char *base,
                        size_t bytes, size_t tcap, cva_cohort_table *out, uint64_t *ncust)
{
    const size_t nc = sc->nc, words = (nc + 63u) / 64u;
    fast_slot *half[2];
    fast_slot *tab;
    uint64_t *bitsets = NULL;
    size_t bits_room = 0, cap = FAST_FIRST_CAP < tcap ? FAST_FIRST_CAP : tcap, mask, k = 0, i, s;
    unsigned bits = 0;
    int cur = 0;
    const int all_in = sc->all_in, caller = sc->caller_period;
    const int check_valid = !all_in && (o->flags & CVA_TXN_F_SKIP_INVALID);
    const double t_lo = o->obs_start, t_hi = sc->end, origin = o->period_origin, len = o->period_length;
    const int64_t firstp = sc->firstp;
    const size_t n = in->n;

    half[0] = (fast_slot *)(void *)base;
    half[1] = (fast_slot *)(void *)(base + tcap * sizeof(fast_slot));
    if (words > 1) {
        bitsets = (uint64_t *)(void *)(base + 2 * tcap * sizeof(fast_slot));
        bits_room = (bytes - 2 * tcap * sizeof(fast_slot)) / (words * sizeof(uint64_t));
    }
    while (((size_t)1 << bits) < cap)
        bits++;
    tab = half[0];
    mask = cap - 1;
    memset(tab, 0, cap * sizeof *tab);

    for (i = 0; i < n; i++) {
        const int64_t id = in->customer_id[i];
        const double t = in->t[i];
        int64_t p;
        uint64_t rel;
        size_t h;
        if (i + FAST_PREFETCH < n)
            COHORT_PREFETCH_(&tab[fast_home(in->customer_id[i + FAST_PREFETCH], bits)]);
        if (check_valid && !row_valid(in, i))
            continue;
        if (!all_in && !(t >= t_lo && t <= t_hi))
            continue;
        if (!is_purchase(in->amount[i], o->refund_policy, o->flags))
            continue;
        p = caller ? in->period[i] : (int64_t)floor((t - origin) / len);
        rel = (uint64_t)p - (uint64_t)firstp;
        h = fast_home(id, bits);
        while (tab[h].v != 0 && tab[h].id != id)
            h = (h + 1) & mask;
        if (tab[h].v == 0) {
            if (k + 1 > cap / 2) {
                /* double into the other half and re-insert */
                fast_slot *nt = half[cur ^ 1];
                const size_t ncap = 2 * cap;
                memset(nt, 0, ncap * sizeof *nt);
                bits++;
                for (s = 0; s < cap; s++) {
                    size_t g;
                    if (tab[s].v == 0)
                        continue;
                    g = fast_home(tab[s].id, bits);
                    while (nt[g].v != 0)
                        g = (g + 1) & (ncap - 1);
                    nt[g] = tab[s];
                }
                cur ^= 1;
                tab = nt;
                cap = ncap;
                mask = cap - 1;
                h = fast_home(id, bits);
                while (tab[h].v != 0)
                    h = (h + 1) & mask;
            }
            tab[h].id = id;
            if (words > 1) {
                if (k >= bits_room)
                    return 0;
                memset(bitsets + k * words, 0, words * sizeof *bitsets);
                tab[h].v = (uint64_t)k + 1u;
            }
            k++;
        }
        if (words == 1)
            tab[h].v |= UINT64_C(1) << rel;
        else
            bitsets[(size_t)(tab[h].v - 1u) * words + (size_t)(rel >> 6)] |= UINT64_C(1) << (rel & 63u);
    }

    outputs_init(out, nc, firstp);
    for (s = 0; s < cap; s++) {
        const uint64_t *b;
        size_t f = 0, l = 0, w;
        if (tab[s].v == 0)
            continue;
        b = words == 1 ? &tab[s].v : bitsets + (size_t)(tab[s].v - 1u) * words;
        for (w = 0; w < words && !b[w]; w++)
            ;
        f = 64 * w + cva__ctz64(b[w]);
        for (w = words; !b[w - 1]; w--)
            ;
        l = 64 * (w - 1) + top64_(b[w - 1]);
        add_customer(out, nc, f, l);
        if (out->active) {
            double *row = out->active + f * nc - f;
            for (w = f / 64; w <= l / 64; w++) {
                uint64_t m = b[w];
                while (m) {
                    row[64 * w + cva__ctz64(m)] += 1.0;
                    m &= m - 1u;
                }
            }
        }
    }
    retained_prefix(out, nc);
    *ncust = k;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* General path: row-sized tables of customers and of (customer, period) pairs */

static void general_cohorts(const cva_txn_input *in, const cva_txn_opts *o, const cohort_scan *sc, void *work,
                            cva_cohort_table *out, uint64_t *ncust)
{
    cohort_ws w;
    size_t i, c;
    const size_t nc = sc->nc;
    int64_t p = 0;
    uint64_t k = 0;

    ws_layout(work, in->n, &w);
    for (i = 0; i < in->n; i++) {
        cust_slot *s;
        if (!row_valid(in, i) || !(in->t[i] >= o->obs_start && in->t[i] <= sc->end) ||
            !is_purchase(in->amount[i], o->refund_policy, o->flags))
            continue;
        if (sc->caller_period)
            p = in->period[i];
        else
            (void)period_index(in->t[i], o, &p);
        s = cust_find(&w, in->customer_id[i], 1);
        if (s->first == INT64_MAX)
            k++;
        if (p < s->first)
            s->first = p;
        if (p > s->last)
            s->last = p;
    }
    outputs_init(out, nc, sc->firstp);
    for (i = 0; i < w.cap; i++) {
        const cust_slot *s = &w.cust[i];
        if (!w.cust_used[i])
            continue;
        add_customer(out, nc, (size_t)((uint64_t)s->first - (uint64_t)sc->firstp),
                     (size_t)((uint64_t)s->last - (uint64_t)sc->firstp));
    }
    retained_prefix(out, nc);
    if (out->active) {
        for (i = 0; i < in->n; i++) {
            const cust_slot *s;
            if (!row_valid(in, i) || !(in->t[i] >= o->obs_start && in->t[i] <= sc->end) ||
                !is_purchase(in->amount[i], o->refund_policy, o->flags))
                continue;
            if (sc->caller_period)
                p = in->period[i];
            else
                (void)period_index(in->t[i], o, &p);
            if (!pair_add(&w, in->customer_id[i], p))
                continue;
            s = cust_find(&w, in->customer_id[i], 0);
            c = (size_t)((uint64_t)s->first - (uint64_t)sc->firstp);
            out->active[c * nc + (size_t)((uint64_t)p - (uint64_t)s->first)] += 1.0;
        }
    }
    *ncust = k;
}

cva_status cva_txn_cohorts(const cva_txn_input *in, const cva_txn_opts *opts, cva_cohort_table *out, void *work,
                           size_t work_size, cva_diag *diag)
{
    cva_txn_opts o;
    cohort_scan sc;
    void *own = NULL;
    size_t i, need = 0, excluded = 0;
    double end = CVA_NAN, tmin_w = CVA_INF, tmax_w = -CVA_INF, tmin_p = CVA_INF;
    int64_t pmin_p = INT64_MAX, pmax_w = INT64_MIN, p = 0;
    int any_w = 0, any_p = 0;
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
    if (!ws_bytes(in->n, &need)) /* before reading a row: arrays this long cannot exist */
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "in->n: the workspace size does not fit in size_t");
    cva_txn_opts_init_defaults(&o, sizeof o);
    /* any cva_txn_opts size from the one before `executor` was appended (ignored here) */
    if (opts && cva__copy_sized(&o, sizeof o, opts, offsetof(cva_txn_opts, executor)) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "unsupported cva_txn_opts size");
    if ((st = check_opts(&o, diag)) != CVA_OK)
        return st;

    /* 1. rows, the observation end, the extremes of the window's times (or caller periods) */
    for (i = 0; i < in->n; i++) {
        const double t = in->t[i];
        if (!row_valid(in, i)) {
            if (o.flags & CVA_TXN_F_SKIP_INVALID) {
                excluded++;
                continue;
            }
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0,
                               !isfinite(in->t[i]) ? "time is NaN or infinite"
                               : !isfinite(in->amount[i]) ? "amount is NaN or infinite"
                                                          : "cost is NaN or infinite");
        }
        /* the window is [obs_start, obs_end], or [obs_start, latest time at or after obs_start] */
        if (!(t >= o.obs_start && (isnan(o.obs_end) || t <= o.obs_end))) {
            excluded++;
            continue;
        }
        any_w = 1;
        if (t < tmin_w)
            tmin_w = t;
        if (t > tmax_w)
            tmax_w = t;
        if (caller_period && in->period[i] > pmax_w)
            pmax_w = in->period[i];
        if (!is_purchase(in->amount[i], o.refund_policy, o.flags))
            continue;
        any_p = 1;
        if (t < tmin_p)
            tmin_p = t;
        if (caller_period && in->period[i] < pmin_p)
            pmin_p = in->period[i];
    }
    end = !isnan(o.obs_end) ? o.obs_end : any_w ? tmax_w : CVA_NAN;

    if (!ws_bytes(in->n, &need))
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "workspace size does not fit in size_t");
    if (work && work_size < need)
        return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 4, 0, -1, need, NULL);

    /* a period index beyond ±9.2e18 (floor of a monotone map: the extremes decide; the row is the first one) */
    if (!caller_period && any_w && (!period_index(tmin_w, &o, &p) || !period_index(tmax_w, &o, &p))) {
        for (i = 0; i < in->n; i++) {
            const double t = in->t[i];
            if (row_valid(in, i) && t >= o.obs_start && t <= end && !period_index(t, &o, &p))
                break;
        }
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, (int64_t)i, 0,
                           "the period index (t - period_origin)/period_length is beyond ±9.2e18");
    }
    out->obs_end = end;
    if (!any_p) {
        out->n_cohorts = 0;
        out->n_customers = 0;
        out->first_period = 0;
        out->end_period = 0;
        return cva__report(diag, CVA_W_EMPTY, 1, 0, -1, excluded, "no purchase in the window");
    }
    sc.end = end;
    sc.firstp = 0;
    sc.caller_period = caller_period;
    sc.all_in = excluded == 0;
    if (caller_period) {
        sc.firstp = pmin_p;
        sc.endp = pmax_w;
    } else {
        (void)period_index(tmin_p, &o, &sc.firstp);
        if (!period_index(end, &o, &sc.endp))
            return cva__report(diag, CVA_E_OVERFLOW, 2, CVA_OPT_TXN_OBS_END, -1, 0,
                               "the period index of the observation end is beyond ±9.2e18");
    }
    /* periods from the first acquisition to the end: n_cohorts, and n_cohorts² doubles must fit */
    span = (uint64_t)sc.endp - (uint64_t)sc.firstp;
    if (span >= (uint64_t)SIZE_MAX || span + 1 > (uint64_t)(SIZE_MAX / sizeof(double)) / (span + 1))
        return cva__report(diag, CVA_E_OVERFLOW, 2, CVA_OPT_TXN_PERIOD_LENGTH, -1, 0,
                           "too many periods from the first acquisition to the end: n_cohorts² does not fit");
    sc.nc = (size_t)span + 1;
    out->n_cohorts = sc.nc;
    if (out->capacity < sc.nc)
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 3, 0, -1, sc.nc,
                           "capacity < cohorts: out->n_cohorts holds the number needed");

    /* 2. and 3. (the workspace: untouched pages of a fresh allocation cost nothing on the fast path) */
    if (!work) {
        own = cva__alloc(o.alloc, need);
        if (!own)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, need, NULL);
        work = own;
    }
    {
        unsigned char *b = (unsigned char *)work;
        const size_t skip = (size_t)((16u - ((uintptr_t)b & 15u)) & 15u);
        const size_t tcap = table_cap(in->n);
        if (sc.nc > FAST_MAX_COHORTS ||
            !fast_cohorts(in, &o, &sc, b + skip, need - 64, tcap, out, &ncust))
            general_cohorts(in, &o, &sc, work, out, &ncust);
    }
    cva__free(o.alloc, own);
    out->first_period = sc.firstp;
    out->end_period = sc.endp;
    out->n_customers = ncust;
    if (excluded > 0)
        return cva__report(diag, CVA_W_EXCLUDED, 1, 0, -1, excluded,
                           "rows outside [obs_start, obs_end] or invalid rows were dropped (diag->count)");
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
