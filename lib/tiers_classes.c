/*
 * libcva — value tiers (docs/methods/tiers.md#methods_grading, docs/methods/tiers.md#methods_profit_diag): the 20/30/50 grading, the customer
 * pyramid, Peppers & Rogers classes with their potential sources, profit
 * from exports, the profitability diagnostics, per-label statistics.
 * SPDX-License-Identifier: MIT
 */
#include "cpu_internal.h"
#include "tiers_internal.h"

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define TIERS_HAVE_AVX2 1
#endif

/* Options, NULL checks for value/out, finite values. */
static cva_status prologue(const double *v, size_t n, void *out, int out_arg, const cva_tiers_opts *opts,
                           cva_tiers_opts *o, cva_diag *diag)
{
    size_t bad;
    cva_status st;
    if (n > 0 && (!v || !out))
        return cva__report(diag, CVA_E_NULLPTR, !v ? 1 : out_arg, 0, -1, 0, NULL);
    st = cva__tiers_opts(opts, o, diag);
    if (st == CVA_OK)
        st = cva__tiers_size_check(n, diag);
    if (st != CVA_OK)
        return st;
    bad = cva__tiers_first_nonfinite(v, n);
    if (bad < n)
        return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)bad, 0, "value is NaN or infinite");
    return CVA_OK;
}

/* The boundary after the first b of the descending ranking (ties by lower
   index): customer i is among them iff v_i > t, or v_i == t and i <= j, with
   (t, j) the value and index at rank b. tie: rank b + 1 holds the same value. */
typedef struct tier_bound {
    size_t b;
    double t;
    int64_t j;
    int tie;
} tier_bound;

/* The labelling passes compute the codes without branches (a branch on the
   value mispredicts for a fifth of the customers; at 10^7 values these passes
   were most of the time of cva_grade and cva_value_classes). */
typedef char tiers_codes_check[(CVA_TIER_SMALL - CVA_TIER_KEY == 2 && CVA_TIER_SMALL - CVA_TIER_ORDINARY == 1 &&
                                CVA_TIER_OTHER - CVA_TIER_MVC == 2 && CVA_TIER_OTHER - CVA_TIER_BZ == 3 &&
                                CVA_TIER_IRON - CVA_TIER_PLATINUM == 2 && CVA_TIER_IRON - CVA_TIER_GOLD == 1 &&
                                CVA_TIER_LEAD - CVA_TIER_IRON == 1)
                                   ? 1
                                   : -1];

/*
 * Runs of customers with one comparison per bound. Customer i is above bound q
 * iff x > t_q, or x == t_q and i <= j_q; so for i <= j_q it is x >= t_q, i.e.
 * x > the largest double below t_q (nextafter), and for i > j_q it is x > t_q.
 * The cut points j_q + 1 split [0, n) into at most nb + 1 runs, and inside a
 * run each bound is a single x > thr: loops the compiler vectorises. A bound
 * at rank 0 (t = +Inf, j = −1) keeps everybody out.
 */
#define TIERS_MAX_BOUNDS 2
typedef struct tier_runs {
    size_t cut[TIERS_MAX_BOUNDS + 2];
    int nc;
} tier_runs;

static void make_runs(const tier_bound *B, int nb, size_t n, tier_runs *R)
{
    int q, k;
    R->nc = 0;
    R->cut[R->nc++] = 0;
    for (q = 0; q < nb; q++) {
        const size_t c = B[q].j < 0 ? 0 : (size_t)B[q].j + 1 > n ? n : (size_t)B[q].j + 1;
        R->cut[R->nc++] = c;
    }
    R->cut[R->nc++] = n;
    for (q = 1; q < R->nc; q++) /* insertion sort of at most 4 */
        for (k = q; k > 0 && R->cut[k - 1] > R->cut[k]; k--) {
            const size_t t = R->cut[k];
            R->cut[k] = R->cut[k - 1];
            R->cut[k - 1] = t;
        }
}

/* The threshold of bound B for the run starting at lo. */
static double run_thr(const tier_bound *B, size_t lo)
{
    return B->j >= 0 && (int64_t)lo <= B->j ? nextafter(B->t, -CVA_INF) : B->t;
}

/* The labelling kernels: one run, thresholds fixed (make_runs). Built twice,
   for the baseline and with AVX2 (chosen per call with cva__cpu_avx2(), as
   the RFM kernels): SSE2 has no vector form of a double compare into int32. */
#define TIERS_GRADE_BODY                                                                       \
    {                                                                                          \
        size_t i;                                                                              \
        for (i = lo; i < hi; i++) {                                                            \
            const double x = v[i];                                                             \
            out[i] = CVA_TIER_SMALL - (x > t1) - (x > t2); /* KEY = SMALL − 2, ORD = SMALL − 1 */ \
        }                                                                                      \
    }
#define TIERS_PYRAMID_BODY                                                                     \
    {                                                                                          \
        size_t i;                                                                              \
        for (i = lo; i < hi; i++) {                                                            \
            const double x = v[i];                                                             \
            const int pos = x > 0.0;                                                           \
            /* PLATINUM = IRON − 2, GOLD = IRON − 1, LEAD = IRON + 1 */                        \
            out[i] = CVA_TIER_IRON - (pos & (x > t1)) - (pos & (x > t2)) + (lead & (x < 0.0));  \
        }                                                                                      \
    }
#define TIERS_CLASS_BODY                                                                       \
    {                                                                                          \
        size_t i;                                                                              \
        for (i = lo; i < hi; i++) {                                                            \
            const double x = v[i];                                                             \
            /* above the bound and BZ never both; MVC = OTHER − 2, BZ = OTHER − 3 */           \
            out[i] = CVA_TIER_OTHER - 2 * (x > t1) - 3 * (bz & (x < t2));                      \
        }                                                                                      \
    }
#define TIERS_KARGS                                                                            \
    const double *CVA_RESTRICT v, int32_t *CVA_RESTRICT out, size_t lo, size_t hi, double t1, double t2

static void grade_run(TIERS_KARGS) TIERS_GRADE_BODY
static void pyramid_run(TIERS_KARGS, int lead) TIERS_PYRAMID_BODY
static void class_run(TIERS_KARGS, int bz) TIERS_CLASS_BODY
#ifdef TIERS_HAVE_AVX2
__attribute__((target("avx2"))) static void grade_run_avx2(TIERS_KARGS) TIERS_GRADE_BODY
__attribute__((target("avx2"))) static void pyramid_run_avx2(TIERS_KARGS, int lead) TIERS_PYRAMID_BODY
__attribute__((target("avx2"))) static void class_run_avx2(TIERS_KARGS, int bz) TIERS_CLASS_BODY
#define TIERS_AVX2() cva__cpu_avx2()
#else
#define grade_run_avx2 grade_run
#define pyramid_run_avx2 pyramid_run
#define class_run_avx2 class_run
#define TIERS_AVX2() 0
#endif

/* The bounds at ranks B[q].b (ascending, each <= n, n >= 1). With a caller
   order or CVA_TIERS_PRESORTED they are read off that ranking; otherwise the
   selection engine finds them (select_internal.h, rule CVA__SEL_RANK): a
   histogram pass and a gather of the few buckets that hold them, no sort. */
static cva_status find_bounds(const double *v, size_t n, const cva_tiers_opts *o, tier_bound *B, int nb,
                              cva_diag *diag)
{
    int q;
    cva_status st;
    for (q = 0; q < nb; q++) {
        B[q].t = CVA_INF;
        B[q].j = -1;
        B[q].tie = 0;
    }
    if ((o->flags & CVA_TIERS_PRESORTED) || o->order) {
        cva__tiers_ranking r;
        st = cva__tiers_rank(v, n, o, 1, &r, diag);
        if (st != CVA_OK)
            return st;
        for (q = 0; q < nb; q++) {
            const size_t b = B[q].b;
            if (b == 0)
                continue;
            B[q].t = r.sorted[b - 1];
            B[q].j = (int64_t)CVA__TIERS_AT(r, b - 1);
            B[q].tie = b < n && cva__tiers_eq(r.sorted[b], B[q].t);
        }
        cva__tiers_rank_free(&r);
        return CVA_OK;
    }
    {
        cva__selws w;
        cva__sel_spec spec;
        cva__sel_result res;
        int ok, f = 0;
        memset(&spec, 0, sizeof spec);
        /* every value is kept (m = n), so rank b is also the rule FLOOR with
           a = b − 1 over d = n − 1: ⌊(n − 1)(b − 1)/(n − 1)⌋ + 1 = b. That rule
           may take the sampled path (one vectorised counting pass); RANK
           always takes the two-pass histogram path. */
        spec.rule = n >= 2 ? CVA__SEL_FLOOR : CVA__SEL_RANK;
        spec.den = n >= 2 ? (uint64_t)(n - 1) : 1;
        spec.want_index = 1;
        spec.kernel = CVA_KERNEL_AUTO;
        for (q = 0; q < nb; q++)
            if (B[q].b > 0)
                spec.num[spec.nf++] = (uint64_t)B[q].b - (n >= 2 ? 1 : 0);
        if (spec.nf == 0)
            return CVA_OK;
        st = cva__tiers_selws(o, n, &w, diag);
        if (st != CVA_OK)
            return st;
        ok = cva__select(v, v, n, -1.0, &spec, &w, NULL, &res);
        cva__selws_free(&w);
        if (!ok || res.nr != (size_t)spec.nf)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        for (q = 0; q < nb; q++) {
            if (B[q].b == 0)
                continue;
            B[q].t = -res.val[f] + 0.0;
            B[q].j = res.idx[f];
            B[q].tie = res.tie[f];
            f++;
        }
        return CVA_OK;
    }
}

cva_status cva_grade(const double *value, size_t n, const cva_tiers_opts *opts, int32_t *grade, cva_diag *diag)
{
    cva_tiers_opts o;
    tier_bound B[2];
    tier_runs R;
    int ties, r, avx2;
    cva_status st = prologue(value, n, grade, 4, opts, &o, diag);
    if (st != CVA_OK)
        return st;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    memset(B, 0, sizeof B);
    B[0].b = cva__tiers_count(o.grade_shares[0], n);
    B[1].b = cva__tiers_count(o.grade_shares[0] + o.grade_shares[1], n);
    st = find_bounds(value, n, &o, B, 2, diag);
    if (st != CVA_OK)
        return st;
    make_runs(B, 2, n, &R);
    avx2 = TIERS_AVX2();
    for (r = 0; r + 1 < R.nc; r++) { /* above B[0] implies above B[1] (b1 <= b2) */
        const double t1 = run_thr(&B[0], R.cut[r]), t2 = run_thr(&B[1], R.cut[r]);
        (avx2 ? grade_run_avx2 : grade_run)(value, grade, R.cut[r], R.cut[r + 1], t1, t2);
    }
    ties = B[0].tie || B[1].tie;
    return cva__report(diag, ties ? CVA_W_TIES : CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_pyramid(const double *value, size_t n, const cva_tiers_opts *opts, int32_t *tier, cva_diag *diag)
{
    cva_tiers_opts o;
    tier_bound B[2];
    tier_runs R;
    int ties, lead, r, avx2;
    cva_status st = prologue(value, n, tier, 4, opts, &o, diag);
    if (st != CVA_OK)
        return st;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    lead = o.value_kind != CVA_VALUE_REVENUE;
    memset(B, 0, sizeof B);
    B[0].b = cva__tiers_count(o.pyramid_shares[0], n);
    B[1].b = cva__tiers_count(o.pyramid_shares[0] + o.pyramid_shares[1], n);
    st = find_bounds(value, n, &o, B, 2, diag);
    if (st != CVA_OK)
        return st;
    make_runs(B, 2, n, &R);
    avx2 = TIERS_AVX2();
    for (r = 0; r + 1 < R.nc; r++) {
        const double t1 = run_thr(&B[0], R.cut[r]), t2 = run_thr(&B[1], R.cut[r]);
        (avx2 ? pyramid_run_avx2 : pyramid_run)(value, tier, R.cut[r], R.cut[r + 1], t1, t2, lead);
    }
    /* a tie only matters where it separates two different tiers (the tied
       value is the one at the boundary) */
    ties = (B[0].tie && B[0].t > 0.0) || (B[1].tie && B[1].t > 0.0);
    return cva__report(diag, ties ? CVA_W_TIES : CVA_OK, 0, 0, -1, 0, NULL);
}

/* Type-7 quantile of the sorted x[0..m) at q. */
static double q7(const double *x, size_t m, double q)
{
    const double h = (double)(m - 1) * q;
    const double fl = floor(h);
    const size_t lo = (size_t)fl;
    if (lo + 1 >= m)
        return x[m - 1];
    return x[lo] + (h - fl) * (x[lo + 1] - x[lo]);
}

/* POT_PEER_QUANTILE: potential_i = max(value_i, Q7_q(values of group_i)). Two
   stable radix passes order the customers by (group, value); each group's
   values are then contiguous and sorted. */
static cva_status peer_potential(const double *value, const int64_t *group, size_t n, double q,
                                 const cva_allocator *alloc, double *pot, cva_diag *diag)
{
    cva__kv *a, *s, *t;
    double *x;
    size_t i, j;
    a = (cva__kv *)cva__alloc(alloc, 2 * n * sizeof(cva__kv));
    x = (double *)cva__alloc(alloc, n * sizeof(double));
    if (!a || !x) {
        cva__free(alloc, a);
        cva__free(alloc, x);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    for (i = 0; i < n; i++) {
        a[i].key = cva__tiers_key(value[i]);
        a[i].val = i;
    }
    s = cva__radix_sort_kv(a, a + n, n);
    t = s == a ? a + n : a;
    for (i = 0; i < n; i++) {
        t[i].key = (uint64_t)group[s[i].val] ^ (UINT64_C(1) << 63);
        t[i].val = s[i].val;
    }
    s = cva__radix_sort_kv(t, s, n);
    for (i = 0; i < n; i = j) {
        double qv;
        size_t k;
        for (j = i; j < n && s[j].key == s[i].key; j++)
            x[j - i] = value[s[j].val];
        qv = q7(x, j - i, q);
        for (k = i; k < j; k++) {
            const double v = value[s[k].val];
            pot[s[k].val] = v > qv ? v : qv;
        }
    }
    cva__free(alloc, a);
    cva__free(alloc, x);
    return CVA_OK;
}

cva_status cva_value_classes(const double *value, const double *potential, const double *sow, const int64_t *group,
                             size_t n, const cva_tiers_opts *opts, int32_t *cls, double *potential_out,
                             cva_diag *diag)
{
    cva_tiers_opts o;
    tier_bound B;
    tier_runs R;
    int q, avx2;
    double *pot = NULL;
    cva__kv *g = NULL;
    size_t i, m, n_elig, n_mvc, n_mgc, ng = 0;
    int ties = 0, bz;
    cva_status st = prologue(value, n, cls, 7, opts, &o, diag);
    if (st != CVA_OK)
        return st;
    if (n > 0) {
        const int src = o.potential;
        const void *need = src == CVA_POT_CALLER || src == CVA_POT_MODEL ? (const void *)potential
                           : src == CVA_POT_SHARE_OF_WALLET           ? (const void *)sow
                           : src == CVA_POT_PEER_QUANTILE             ? (const void *)group
                                                                      : (const void *)value;
        if (!need) {
            return cva__report(diag, CVA_E_NULLPTR,
                               src == CVA_POT_SHARE_OF_WALLET ? 3 : src == CVA_POT_PEER_QUANTILE ? 4 : 2,
                               CVA_OPT_TIERS_POTENTIAL, -1, 0, "the potential source needs its array");
        }
        for (i = 0; i < n; i++) {
            if ((src == CVA_POT_CALLER || src == CVA_POT_MODEL) && isinf(potential[i])) {
                return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "potential is infinite");
            }
            if (src == CVA_POT_SHARE_OF_WALLET && isinf(sow[i])) {
                return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "share of wallet is infinite");
            }
        }
    }
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    if (o.potential == CVA_POT_NONE) {
        pot = potential_out; /* nobody is MGC: no potential, no gap sort */
    } else {
        pot = potential_out ? potential_out : (double *)cva__alloc(o.alloc, n * sizeof(double));
        g = (cva__kv *)cva__alloc(o.alloc, 2 * n * sizeof(cva__kv));
    }
    if (o.potential != CVA_POT_NONE && (!pot || !g)) {
        if (!potential_out)
            cva__free(o.alloc, pot);
        cva__free(o.alloc, g);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    /* 1. BZ; 2. MVC: the customers that are not BZ and have value > 0 are a
       prefix of the descending ranking (the values above a threshold), so the
       MVC are its first min(n_mvc, eligible): one bound, no sort */
    bz = o.value_kind != CVA_VALUE_REVENUE;
    n_mvc = cva__tiers_count(o.mvc_share, n);
    n_mgc = cva__tiers_count(o.mgc_share, n);
    n_elig = 0;
    {
        const double lo = bz && o.bz_threshold > 0.0 ? o.bz_threshold : 0.0; /* eligible: x > 0, x >= thr */
        const int strict = !(bz && o.bz_threshold > 0.0);
        for (i = 0; i < n; i++)
            n_elig += (size_t)(strict ? value[i] > lo : value[i] >= lo);
    }
    memset(&B, 0, sizeof B);
    B.b = n_mvc < n_elig ? n_mvc : n_elig;
    /* the bound (it may allocate) before potential_out is written: a failure
       leaves the caller's arrays untouched */
    st = find_bounds(value, n, &o, &B, 1, diag);
    if (st != CVA_OK) {
        if (!potential_out && o.potential != CVA_POT_NONE)
            cva__free(o.alloc, pot);
        cva__free(o.alloc, g);
        return st;
    }
    switch (o.potential) {
    case CVA_POT_CALLER:
    case CVA_POT_MODEL:
        memcpy(pot, potential, n * sizeof(double));
        break;
    case CVA_POT_SHARE_OF_WALLET:
        for (i = 0; i < n; i++)
            pot[i] = sow[i] > 0.0 && sow[i] <= 1.0 ? value[i] / sow[i] : CVA_NAN;
        break;
    case CVA_POT_PEER_QUANTILE:
        st = peer_potential(value, group, n, o.peer_quantile, o.alloc, pot, diag);
        if (st != CVA_OK) {
            if (!potential_out)
                cva__free(o.alloc, pot);
            cva__free(o.alloc, g);
            return st;
        }
        break;
    default:
        for (i = 0; pot && i < n; i++)
            pot[i] = CVA_NAN;
    }
    make_runs(&B, 1, n, &R);
    avx2 = TIERS_AVX2();
    for (q = 0; q + 1 < R.nc; q++) {
        const double t = run_thr(&B, R.cut[q]);
        (avx2 ? class_run_avx2 : class_run)(value, cls, R.cut[q], R.cut[q + 1], t, o.bz_threshold, bz);
    }
    /* the next eligible customer after the last MVC has the same value */
    ties = B.b > 0 && B.b == n_mvc && B.tie && B.t > 0.0;
    /* 3. MGC: the rest with a positive gap, top n_mgc by gap (ties by index) */
    for (i = 0; g && i < n; i++) {
        if (cls[i] == CVA_TIER_OTHER && !isnan(pot[i])) {
            const double gap = pot[i] - value[i];
            if (gap > 0.0) {
                g[ng].key = cva__tiers_key(-gap);
                g[ng].val = i;
                ng++;
            }
        }
    }
    if (ng > 0 && n_mgc > 0) {
        const cva__kv *s = cva__radix_sort_kv(g, g + ng, ng);
        m = n_mgc < ng ? n_mgc : ng;
        for (i = 0; i < m; i++)
            cls[s[i].val] = CVA_TIER_MGC;
        ties |= m < ng && s[m - 1].key == s[m].key;
    }
    cva__free(o.alloc, g);
    if (!potential_out && o.potential != CVA_POT_NONE)
        cva__free(o.alloc, pot);
    return cva__report(diag, ties ? CVA_W_TIES : CVA_OK, 0, 0, -1, 0,
                       bz ? NULL : "value kind is revenue: below-zero customers cannot be detected (no BZ)");
}

cva_status cva_customer_profit(const double *revenue, const double *cost, const uint32_t *n_orders, size_t n,
                               const cva_tiers_opts *opts, double *cost_out, double *profit_out, cva_diag *diag)
{
    cva_tiers_opts o;
    size_t i;
    int margin;
    cva_status st;
    if (n > 0 && !revenue)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, NULL);
    st = cva__tiers_opts(opts, &o, diag);
    if (st != CVA_OK)
        return st;
    if (n > 0 && !n_orders && o.cost_per_order > 0.0)
        return cva__report(diag, CVA_E_NULLPTR, 3, CVA_OPT_TIERS_COST_TO_SERVE, -1, 0,
                           "cost_per_order needs n_orders");
    margin = !isnan(o.margin);
    for (i = 0; i < n; i++) {
        if (!isfinite(revenue[i]))
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "revenue is NaN or infinite");
        if (!margin && cost && !isfinite(cost[i]))
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "cost is NaN or infinite");
    }
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        const double orders = n_orders ? (double)n_orders[i] : 0.0;
        const double cts = o.cost_per_order * orders + o.cost_per_customer;
        double c, p;
        if (margin) {
            p = o.margin * revenue[i] - cts;
            c = revenue[i] - p;
        } else {
            c = (cost ? cost[i] : 0.0) + cts;
            p = revenue[i] - c;
        }
        if (cost_out)
            cost_out[i] = c;
        if (profit_out)
            profit_out[i] = p;
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_profit_diagnostics(const double *revenue, const double *cost, size_t n, const cva_tiers_opts *opts,
                                  cva_profit_diag *out, cva_diag *diag)
{
    cva_profit_diag res; /* copied to *out on success only: a failure leaves *out untouched */
    cva_tiers_opts o, plain;
    cva__tiers_ranking r;
    cva__ksum tp = {0.0, 0.0}, tc = {0.0, 0.0}, bc = {0.0, 0.0}, br = {0.0, 0.0};
    double *pi;
    size_t i, t, neg = 0;
    int negative = 0;
    cva_status st, s1, s2;
    if (!out || (n > 0 && (!revenue || !cost)))
        return cva__report(diag, CVA_E_NULLPTR, !out ? 5 : !revenue ? 1 : 2, 0, -1, 0, NULL);
    st = cva__tiers_opts(opts, &o, diag);
    if (st == CVA_OK)
        st = cva__tiers_size_check(n, diag);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < n; i++) {
        if (!isfinite(revenue[i]))
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "revenue is NaN or infinite");
        if (!isfinite(cost[i]))
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "cost is NaN or infinite");
    }
    res.top_count = (int64_t)cva__tiers_count(o.diag_share, n);
    if (n == 0) {
        out->top_count = res.top_count;
        out->top_profit_to_cost = CVA_NAN;
        out->bottom_cost_to_revenue = CVA_NAN;
        out->top_revenue_share = CVA_NAN;
        out->top_profit_share = CVA_NAN;
        out->unprofitable_share = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    pi = (double *)cva__alloc(o.alloc, n * sizeof(double));
    if (!pi)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        pi[i] = revenue[i] - cost[i];
        if (!isfinite(pi[i])) {
            cva__free(o.alloc, pi);
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0, "revenue − cost overflows");
        }
        neg += pi[i] < 0.0;
        negative |= pi[i] < 0.0 || revenue[i] < 0.0;
    }
    st = cva__tiers_rank(pi, n, &o, 1, &r, diag);
    if (st != CVA_OK) {
        cva__free(o.alloc, pi);
        return st;
    }
    t = (size_t)res.top_count;
    for (i = 0; i < t; i++) {
        const uint64_t k = CVA__TIERS_AT(r, i), b = CVA__TIERS_AT(r, n - 1 - i);
        cva__ksum_add(&tp, pi[k]);
        cva__ksum_add(&tc, cost[k]);
        cva__ksum_add(&bc, cost[b]);
        cva__ksum_add(&br, revenue[b]);
    }
    {
        const double c = cva__ksum_value(&tc), rv = cva__ksum_value(&br);
        res.top_profit_to_cost = cva__tiers_eq(c, 0.0) ? CVA_NAN : cva__ksum_value(&tp) / c;
        res.bottom_cost_to_revenue = cva__tiers_eq(rv, 0.0) ? CVA_NAN : cva__ksum_value(&bc) / rv;
    }
    res.unprofitable_share = (double)neg / (double)n;
    plain = o;
    plain.flags = r.order ? 0 : CVA_TIERS_PRESORTED;
    plain.order = r.order;
    s1 = cva_top_share(pi, n, &o.diag_share, 1, &plain, &res.top_profit_share, diag);
    cva__tiers_rank_free(&r);
    plain.order = NULL;
    plain.flags = 0;
    s2 = s1 < 0 ? s1 : cva_top_share(revenue, n, &o.diag_share, 1, &plain, &res.top_revenue_share, diag);
    cva__free(o.alloc, pi);
    if (s1 < 0 || s2 < 0)
        return s1 < 0 ? s1 : s2;
    *out = res;
    return cva__report(diag, negative ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
}

/* cva_tier_stats: at most this many codes per call. */
#define TIER_STATS_MAX 256

cva_status cva_tier_stats(const int32_t *label, const double *value, size_t n, const int32_t *codes,
                          size_t n_codes, cva_tier_stat *stats, cva_diag *diag)
{
    cva__ksum sum[TIER_STATS_MAX], all = {0.0, 0.0};
    uint64_t cnt[TIER_STATS_MAX];
    size_t i, j;
    if ((n > 0 && !label) || (n_codes > 0 && (!codes || !stats)))
        return cva__report(diag, CVA_E_NULLPTR, (n > 0 && !label) ? 1 : !codes ? 4 : 6, 0, -1, 0, NULL);
    if (n_codes > TIER_STATS_MAX)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "at most 256 codes per call");
    if (value) {
        size_t bad = cva__tiers_first_nonfinite(value, n);
        if (bad < n)
            return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)bad, 0, "value is NaN or infinite");
    }
    for (j = 0; j < n_codes; j++) {
        sum[j].s = 0.0;
        sum[j].c = 0.0;
        cnt[j] = 0;
    }
    for (i = 0; i < n; i++) {
        const double v = value ? value[i] : 0.0;
        cva__ksum_add(&all, v);
        for (j = 0; j < n_codes; j++)
            if (codes[j] == label[i]) {
                cnt[j]++;
                cva__ksum_add(&sum[j], v);
                break;
            }
    }
    for (j = 0; j < n_codes; j++) {
        const double v = cva__ksum_value(&sum[j]), tot = cva__ksum_value(&all);
        stats[j].label = codes[j];
        stats[j].reserved = 0;
        stats[j].count = cnt[j];
        stats[j].value = v;
        stats[j].value_share = cva__tiers_eq(tot, 0.0) ? CVA_NAN : v / tot;
        stats[j].mean = cnt[j] == 0 ? CVA_NAN : v / (double)cnt[j];
    }
    return cva__report(diag, n == 0 ? CVA_W_EMPTY : CVA_OK, 0, 0, -1, 0, NULL);
}
