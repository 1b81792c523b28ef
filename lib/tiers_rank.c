/*
 * libcva — value tiers: options and the one descending ranking every
 * tier function shares (docs/methods/tiers.md#methods_tiers; ties by lower index first).
 * SPDX-License-Identifier: MIT
 */
#include "tiers_internal.h"

static const cva_tiers_opts tiers_defaults = {
    .struct_size = sizeof(cva_tiers_opts),
    .value_kind = CVA_VALUE_PROFIT,
    .potential = CVA_POT_NONE,
    .flags = 0,
    .mvc_share = 0.20,
    .mgc_share = 0.30,
    .bz_threshold = 0.0,
    .grade_shares = {0.20, 0.30, 0.50},
    .pyramid_shares = {0.20, 0.30},
    .peer_quantile = 0.9,
    .diag_share = 0.20,
    .margin = (double)NAN,
    .cost_per_order = 0.0,
    .cost_per_customer = 0.0,
    .order = NULL,
    .alloc = NULL,
    .work = NULL,
    .work_size = 0,
    .executor = NULL,
};

cva_status cva_tiers_opts_init_defaults(cva_tiers_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_tiers_opts))
        return CVA_E_ABI_MISMATCH;
    *opts = tiers_defaults;
    return CVA_OK;
}

static int in01(double s)
{
    return s >= 0.0 && s <= 1.0;
}

cva_status cva__tiers_opts(const cva_tiers_opts *opts, cva_tiers_opts *o, cva_diag *diag)
{
    *o = tiers_defaults;
    if (opts && cva__copy_sized(o, sizeof *o, opts, sizeof(cva_tiers_opts)) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 0, 0, -1, 0, "unsupported cva_tiers_opts size");
    if (o->value_kind < CVA_VALUE_REVENUE || o->value_kind > CVA_VALUE_CLV)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_VALUE_KIND, -1, 0, "unknown value kind");
    if (o->potential < CVA_POT_NONE || o->potential > CVA_POT_MODEL)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_POTENTIAL, -1, 0, "unknown potential source");
    if ((o->flags & ~(CVA_TIERS_GINI_POSITIVE_PART | CVA_TIERS_GINI_SMALL_SAMPLE | CVA_TIERS_PRESORTED)) != 0)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_FLAGS, -1, 0, "unknown flag bits");
    if (!in01(o->mvc_share))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_MVC_SHARE, -1, 0, "mvc_share must be in [0, 1]");
    if (!in01(o->mgc_share))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_MGC_SHARE, -1, 0, "mgc_share must be in [0, 1]");
    if (o->mvc_share + o->mgc_share > 1.0 + TIERS_EPS)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_MVC_SHARE, -1, 0,
                           "mvc_share + mgc_share must not exceed 1");
    if (!isfinite(o->bz_threshold))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_BZ_THRESHOLD, -1, 0, "bz_threshold must be finite");
    if (!in01(o->grade_shares[0]) || !in01(o->grade_shares[1]) || !in01(o->grade_shares[2]) ||
        o->grade_shares[0] + o->grade_shares[1] + o->grade_shares[2] > 1.0 + TIERS_EPS)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_GRADE_SHARES, -1, 0,
                           "grade shares must each be in [0, 1] and sum to at most 1");
    if (!in01(o->pyramid_shares[0]) || !in01(o->pyramid_shares[1]) ||
        o->pyramid_shares[0] + o->pyramid_shares[1] > 1.0 + TIERS_EPS)
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_PYRAMID_SHARES, -1, 0,
                           "pyramid shares must each be in [0, 1] and sum to at most 1");
    if (!in01(o->peer_quantile))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_PEER_QUANTILE, -1, 0,
                           "peer_quantile must be in [0, 1]");
    if (!in01(o->diag_share))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_DIAG_SHARE, -1, 0, "diag_share must be in [0, 1]");
    if (!isnan(o->margin) && !in01(o->margin))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_MARGIN, -1, 0,
                           "margin must be in [0, 1] (NaN: use the cost column)");
    if (!(isfinite(o->cost_per_order) && o->cost_per_order >= 0.0 && isfinite(o->cost_per_customer) &&
          o->cost_per_customer >= 0.0))
        return cva__report(diag, CVA_E_OPTION, 0, CVA_OPT_TIERS_COST_TO_SERVE, -1, 0,
                           "cost-to-serve must be finite and >= 0");
    return CVA_OK;
}

size_t cva__tiers_first_nonfinite(const double *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

size_t cva__tiers_count(double share, size_t n)
{
    double c = ceil(share * (double)n - TIERS_EPS);
    if (!(c > 0.0))
        return 0;
    if (c >= (double)n)
        return n;
    return (size_t)c;
}

/* ------------------------------------------------------------------------ */
/* Caller workspace                                                          */

/* The bare-value sort: keys, their scratch, the 16-bit top histogram and one
   histogram per further MSD level. */
#define MSD_LEVELS 10
#define MSD_HIST 2049u
#define MSD_TOP (((size_t)1 << 16) + 1)

static int ws_values_bytes(size_t n, size_t *bytes)
{
    const size_t m = n ? n : 1;
    if (m > (SIZE_MAX / 2 - ((size_t)1 << 20)) / (2 * sizeof(uint64_t)))
        return 0;
    *bytes = 2 * m * sizeof(uint64_t) + (MSD_TOP + MSD_LEVELS * MSD_HIST) * sizeof(size_t) + 16;
    return 1;
}

/* The (key, index) pair sort (cva_value_order with an order, the diagnostics). */
static int ws_pairs_bytes(size_t n, size_t *bytes)
{
    const size_t m = n ? n : 1;
    if (m > (SIZE_MAX / 2 - ((size_t)1 << 20)) / (2 * sizeof(cva__kv)))
        return 0;
    *bytes = 2 * m * sizeof(cva__kv) + 16;
    return 1;
}

cva_status cva__tiers_size_check(size_t n, cva_diag *diag)
{
    size_t need;
    if (cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL, &need) != CVA_OK)
        return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "n: the sort buffers do not fit in size_t");
    return CVA_OK;
}

cva_status cva_tiers_workspace_size(size_t n, int32_t kind, size_t *bytes)
{
    size_t v, p, s;
    if (!bytes)
        return CVA_E_NULLPTR;
    if (kind != CVA_TIERS_WS_VALUES && kind != CVA_TIERS_WS_ALL)
        return CVA_E_BADARG;
    if (!ws_values_bytes(n, &v) || !ws_pairs_bytes(n, &p) || cva__select_ws_bytes(n, &s) != CVA_OK)
        return CVA_E_OVERFLOW;
    if (kind == CVA_TIERS_WS_VALUES) {
        *bytes = v;
        return CVA_OK;
    }
    *bytes = v > p ? v : p;
    if (s > *bytes)
        *bytes = s;
    return CVA_OK;
}

/* need bytes of scratch: the caller workspace (16-aligned inside it) or an
   allocation (*owned set, release with cva__free). */
static cva_status ws_take(const cva_tiers_opts *o, size_t need, void **p, void **owned, cva_diag *diag)
{
    *owned = NULL;
    if (o->work) {
        unsigned char *q = (unsigned char *)o->work;
        if (o->work_size < need)
            return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 0, 0, -1, (uint64_t)need,
                               "cva_tiers_opts::work_size is smaller than cva_tiers_workspace_size()");
        q += (16 - ((uintptr_t)q & 15)) & 15;
        *p = q;
        return CVA_OK;
    }
    *p = *owned = cva__alloc(o->alloc, need);
    if (!*p)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    return CVA_OK;
}

cva_status cva__tiers_selws(const cva_tiers_opts *o, size_t n, cva__selws *w, cva_diag *diag)
{
    int rc;
    if (o->work) {
        size_t need;
        if (cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL, &need) != CVA_OK)
            return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "too many values");
        if (o->work_size < need)
            return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 0, 0, -1, (uint64_t)need,
                               "cva_tiers_opts::work_size is smaller than cva_tiers_workspace_size()");
        rc = cva__selws_init(w, n, o->work, o->work_size, o->alloc);
    } else {
        rc = cva__selws_init(w, n, NULL, 0, o->alloc);
    }
    if (rc != 0) {
        cva__selws_free(w);
        return cva__report(diag, rc < 0 ? CVA_E_WORKSPACE_TOO_SMALL : CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    return CVA_OK;
}

/* The descending order by one stable LSD radix sort of (key of −v, index). The
   indices are then compacted in place to the front of the result buffer (element
   i's index is read from byte 16i + 8 before byte 8i is written), and the sorted
   values decoded from the keys into the other half, so no pass after the sort
   reads the values in random order. */
static cva_status sort_desc(const double *v, size_t n, const cva_tiers_opts *o, cva__tiers_ranking *r,
                           cva_diag *diag)
{
    cva__kv *a, *s, *t;
    uint64_t *out;
    double *sorted;
    size_t i, need;
    void *p;
    cva_status st;
    if (!ws_pairs_bytes(n, &need))
        return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "too many values to sort");
    st = ws_take(o, need, &p, &r->owned, diag);
    if (st != CVA_OK)
        return st;
    a = (cva__kv *)p;
    for (i = 0; i < n; i++) {
        a[i].key = cva__tiers_key(-v[i]);
        a[i].val = i;
    }
    s = cva__radix_sort_kv(a, a + n, n);
    t = s == a ? a + n : a;
    sorted = (double *)(void *)t;
    out = (uint64_t *)(void *)s;
    for (i = 0; i < n; i++) {
        const uint64_t k = s[i].key;
        sorted[i] = -cva__tiers_unkey(k) + 0.0;
        out[i] = s[i].val;
    }
    r->order = out;
    r->sorted = sorted;
    return CVA_OK;
}

/* ------------------------------------------------------------------------ */
/* The bare-value sort                                                       */

/* A finished run of keys in their final place: decoded in place into the
   descending values (keys of −v ascending), while the run is in cache. */
static void decode_run(uint64_t *x, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const double d = -cva__tiers_unkey(x[i]) + 0.0;
        memcpy(x + i, &d, sizeof d);
    }
}

/* Keys x[0..n) agree on every bit at or above `shift`; sort them ascending into
   x (want_x) or y, the other array serving as scratch, and decode them there
   (decode_run). MSD radix: a histogram of the next digit (11 bits for large
   buckets, 8 below 2^16), a scatter into the other array, then each bucket on
   its own while it is in cache; a digit every key shares costs a histogram
   pass and no scatter; runs of at most 32 keys end in an insertion sort.
   hist: MSD_HIST counts per remaining level. */
static void msd_sort(uint64_t *x, uint64_t *y, size_t n, unsigned shift, int want_x, size_t *hist)
{
    while (n > 32 && shift > 0) {
        const unsigned w = shift < (n > 65536 ? 11u : 8u) ? shift : (n > 65536 ? 11u : 8u);
        const unsigned sh = shift - w;
        const size_t nb = (size_t)1 << w, mask = nb - 1;
        size_t i, b, sum = 0, lo;
        memset(hist, 0, (nb + 1) * sizeof *hist);
        for (i = 0; i < n; i++)
            hist[(x[i] >> sh) & mask]++;
        shift = sh;
        if (hist[(x[0] >> sh) & mask] == n)
            continue; /* one digit for every key: next digit, same arrays */
        for (b = 0; b <= nb; b++) {
            const size_t c = b < nb ? hist[b] : 0;
            hist[b] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            y[hist[(x[i] >> sh) & mask]++] = x[i];
        /* hist[b] is now the end of bucket b */
        for (b = 0, lo = 0; b < nb; b++) {
            const size_t hi = hist[b];
            if (hi > lo)
                msd_sort(y + lo, x + lo, hi - lo, sh, !want_x, hist + MSD_HIST);
            lo = hi;
        }
        return;
    }
    {
        size_t i;
        for (i = 1; i < n; i++) {
            const uint64_t k = x[i];
            size_t j = i;
            while (j > 0 && x[j - 1] > k) {
                x[j] = x[j - 1];
                j--;
            }
            x[j] = k;
        }
        if (!want_x)
            memcpy(y, x, n * sizeof *x);
        decode_run(want_x ? x : y, n);
    }
}

/* The descending values of v into out (n doubles, used as the key array) with
   scratch t (n keys) and the histograms hist (MSD_TOP + MSD_LEVELS·MSD_HIST).
   One pass counts the top 16 bits of the keys of −v (sign, exponent, 4
   mantissa bits: a few hundred buckets of a money column), one scatter makes
   the keys again and puts them into bucket order in t, then msd_sort finishes each bucket in cache and
   decodes it into out. The values come out exactly as sort_desc leaves them
   (ties are equal values, −0 is +0), so every figure computed from them is the
   same bit for bit. */
/* The bucket sorts of values_desc as tasks: task k sorts buckets [b0[k], b0[k+1])
   (bucket b holds t[end(b−1), end(b))) with the MSD histograms of its worker. */
#define SORT_TASK_MIN ((size_t)1 << 18)
#define SORT_MAX_TASKS 256

typedef struct bucket_job {
    uint64_t *t, *a;
    const size_t *end;      /* end of each top bucket */
    size_t b0[SORT_MAX_TASKS + 1];
    size_t *hist0;          /* worker 0's MSD levels */
    size_t *hist_more;      /* workers 1.. (MSD_LEVELS·MSD_HIST each) */
} bucket_job;

static void bucket_task(void *arg, size_t k, unsigned worker)
{
    const bucket_job *j = (const bucket_job *)arg;
    size_t *h = worker == 0 ? j->hist0 : j->hist_more + (size_t)(worker - 1) * MSD_LEVELS * MSD_HIST;
    size_t b, lo = j->b0[k] ? j->end[j->b0[k] - 1] : 0;
    for (b = j->b0[k]; b < j->b0[k + 1]; b++) {
        const size_t hi = j->end[b];
        if (hi > lo)
            msd_sort(j->t + lo, j->a + lo, hi - lo, 48, 0, h);
        lo = hi;
    }
}

static void values_desc(const double *v, size_t n, double *out, uint64_t *t, size_t *hist, const cva_executor *ex,
                        size_t *hist_more)
{
    uint64_t *a = (uint64_t *)(void *)out;
    size_t i, b, sum = 0, lo;
    memset(hist, 0, MSD_TOP * sizeof *hist);
    for (i = 0; i < n; i++) /* the keys are made again by the scatter: one write and read fewer */
        hist[cva__tiers_key(-v[i]) >> 48]++;
    if (n == 0)
        return;
    if (hist[cva__tiers_key(-v[0]) >> 48] == n) { /* one top digit: sort the rest in place */
        for (i = 0; i < n; i++)
            a[i] = cva__tiers_key(-v[i]);
        msd_sort(a, t, n, 48, 1, hist + MSD_TOP);
        return;
    }
    for (b = 0; b < MSD_TOP; b++) {
        const size_t c = b + 1 < MSD_TOP ? hist[b] : 0;
        hist[b] = sum;
        sum += c;
    }
    for (i = 0; i < n; i++) {
        const uint64_t k = cva__tiers_key(-v[i]);
        t[hist[k >> 48]++] = k;
    }
    if (hist_more && n > SORT_TASK_MIN) {
        /* tasks of consecutive buckets, about max(2^18, n/256) values each (from the input only) */
        bucket_job j;
        const size_t per = n / SORT_MAX_TASKS > SORT_TASK_MIN ? n / SORT_MAX_TASKS + 1 : SORT_TASK_MIN;
        size_t nt = 0, start = 0;
        j.t = t;
        j.a = a;
        j.end = hist;
        j.hist0 = hist + MSD_TOP;
        j.hist_more = hist_more;
        j.b0[0] = 0;
        for (b = 0; b + 1 < MSD_TOP; b++)
            if (hist[b] - start >= per && nt + 1 < SORT_MAX_TASKS) {
                j.b0[++nt] = b + 1;
                start = hist[b];
            }
        if (j.b0[nt] < MSD_TOP - 1)
            j.b0[++nt] = MSD_TOP - 1;
        cva__parallel_for(ex, nt, bucket_task, &j);
        return;
    }
    for (b = 0, lo = 0; b + 1 < MSD_TOP; b++) {
        const size_t hi = hist[b];
        if (hi > lo)
            msd_sort(t + lo, a + lo, hi - lo, 48, 0, hist + MSD_TOP);
        lo = hi;
    }
}

/* The descending values alone (no order) in the workspace (or an allocation). */
static cva_status sort_values_desc(const double *v, size_t n, const cva_tiers_opts *o, cva__tiers_ranking *r,
                                   cva_diag *diag)
{
    uint64_t *a;
    size_t need;
    void *p;
    cva_status st;
    if (!ws_values_bytes(n, &need))
        return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "too many values to sort");
    st = ws_take(o, need, &p, &r->owned, diag);
    if (st != CVA_OK)
        return st;
    a = (uint64_t *)p;
    {
        /* per-worker MSD histograms for the parallel bucket sorts; without them
           (one worker, a small n, or no memory) the calling thread sorts alone */
        const unsigned nw = cva__workers(o->executor);
        size_t *more = NULL;
        if (nw > 1 && n > SORT_TASK_MIN)
            more = (size_t *)cva__alloc(o->alloc, (size_t)(nw - 1) * MSD_LEVELS * MSD_HIST * sizeof *more);
        values_desc(v, n, (double *)(void *)a, a + n, (size_t *)(void *)(a + 2 * (n ? n : 1)), o->executor, more);
        cva__free(o->alloc, more);
    }
    r->sorted = (const double *)(void *)a;
    return CVA_OK;
}

cva_status cva__tiers_rank_values(const double *v, size_t n, const cva_tiers_opts *o, cva__tiers_ranking *r,
                                  cva_diag *diag)
{
    if ((o->flags & CVA_TIERS_PRESORTED) || o->order)
        return cva__tiers_rank(v, n, o, 1, r, diag);
    r->order = NULL;
    r->sorted = NULL;
    r->owned = NULL;
    r->owned2 = NULL;
    r->alloc = o->alloc;
    return sort_values_desc(v, n, o, r, diag);
}

cva_status cva__tiers_rank(const double *v, size_t n, const cva_tiers_opts *o, int use_opts_order,
                           cva__tiers_ranking *r, cva_diag *diag)
{
    r->order = NULL;
    r->sorted = NULL;
    r->owned = NULL;
    r->owned2 = NULL;
    r->alloc = o->alloc;
    if (use_opts_order && (o->flags & CVA_TIERS_PRESORTED)) {
        size_t i;
        for (i = 1; i < n; i++)
            if (v[i - 1] < v[i])
                return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_TIERS_FLAGS, (int64_t)i, 0,
                                   "CVA_TIERS_PRESORTED: the values are not in descending order");
        r->sorted = v;
        return CVA_OK;
    }
    if (use_opts_order && o->order) {
        const uint64_t *ord = o->order;
        double *sorted = (double *)cva__alloc(o->alloc, (n ? n : 1) * sizeof(double));
        size_t i;
        if (!sorted)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        for (i = 0; i < n; i++) {
            if (ord[i] >= n) {
                cva__free(o->alloc, sorted);
                return cva__report(diag, CVA_E_BADARG, 0, CVA_OPT_TIERS_ORDER, (int64_t)i, 0,
                                   "opts->order holds an index >= n");
            }
            sorted[i] = v[ord[i]] + 0.0;
            if (i > 0) {
                const double a = sorted[i - 1], b = sorted[i];
                if (!(a > b || (!(a < b) && ord[i - 1] < ord[i]))) {
                    cva__free(o->alloc, sorted);
                    return cva__report(diag, CVA_E_BADARG, 0, CVA_OPT_TIERS_ORDER, (int64_t)i, 0,
                                       "opts->order is not the descending order of the values (ties by index)");
                }
            }
        }
        r->order = ord;
        r->sorted = sorted;
        r->owned2 = sorted;
        return CVA_OK;
    }
    return sort_desc(v, n, o, r, diag);
}

void cva__tiers_rank_free(cva__tiers_ranking *r)
{
    cva__free(r->alloc, r->owned);
    cva__free(r->alloc, r->owned2);
    r->owned = NULL;
    r->owned2 = NULL;
    r->order = NULL;
    r->sorted = NULL;
}

cva_status cva_value_order(const double *value, size_t n, const cva_tiers_opts *opts, uint64_t *order,
                           double *sorted, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    cva_status st;
    size_t bad;
    if (n > 0 && !value)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, NULL);
    st = cva__tiers_opts(opts, &o, diag);
    if (st == CVA_OK)
        st = cva__tiers_size_check(n, diag);
    if (st != CVA_OK)
        return st;
    bad = cva__tiers_first_nonfinite(value, n);
    if (bad < n)
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)bad, 0, "value is NaN or infinite");
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    if (!order && sorted) { /* straight into the caller's array: n keys of scratch */
        void *p, *owned;
        const size_t need = n * sizeof(uint64_t) + (MSD_TOP + MSD_LEVELS * MSD_HIST) * sizeof(size_t) + 16;
        if (n > SIZE_MAX / 4 / sizeof(uint64_t))
            return cva__report(diag, CVA_E_OVERFLOW, 0, 0, -1, 0, "too many values to sort");
        st = ws_take(&o, need, &p, &owned, diag);
        if (st != CVA_OK)
            return st;
        {
            const unsigned nw = cva__workers(o.executor);
            size_t *more = NULL;
            if (nw > 1 && n > SORT_TASK_MIN)
                more = (size_t *)cva__alloc(o.alloc, (size_t)(nw - 1) * MSD_LEVELS * MSD_HIST * sizeof *more);
            values_desc(value, n, sorted, (uint64_t *)p, (size_t *)(void *)((uint64_t *)p + n), o.executor, more);
            cva__free(o.alloc, more);
        }
        cva__free(o.alloc, owned);
        return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    }
    if (order) {
        st = cva__tiers_rank(value, n, &o, 0, &r, diag);
    } else {
        o.flags = 0; /* the values alone: no order to keep */
        o.order = NULL;
        st = cva__tiers_rank_values(value, n, &o, &r, diag);
    }
    if (st != CVA_OK)
        return st;
    if (order)
        memcpy(order, r.order, n * sizeof *order);
    if (sorted)
        memcpy(sorted, r.sorted, n * sizeof *sorted);
    cva__tiers_rank_free(&r);
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
