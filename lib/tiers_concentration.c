/*
 * libcva — value concentration (docs/methods/tiers.md#methods_lorenz, docs/methods/tiers.md#methods_whale): Gini, Lorenz curve,
 * top-p shares, whale curve. Everything walks one descending ranking.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>

#include "tiers_internal.h"

/* Shared prologue: options, NULL checks, finite values, the ranking.
   Returns CVA_OK with *negative set, or a status to return as is. */
static cva_status prologue(const double *v, size_t n, const cva_tiers_opts *opts, cva_tiers_opts *o,
                           cva__tiers_ranking *r, int *negative, int *fused, cva_diag *diag)
{
    size_t i;
    cva_status st = cva__tiers_opts(opts, o, diag);
    memset(r, 0, sizeof *r);
    if (st == CVA_OK)
        st = cva__tiers_size_check(n, diag);
    if (st != CVA_OK)
        return st;
    *negative = 0;
    if (fused && *fused) {
        /* the caller asks for the checks inside its figure pass: only for
           presorted values without a caller order (and n > 0) */
        *fused = (o->flags & CVA_TIERS_PRESORTED) && !o->order && n > 0;
        if (*fused) {
            r->sorted = v;
            return CVA_OK;
        }
    }
    if ((o->flags & CVA_TIERS_PRESORTED) && !o->order) {
        /* the order check in the same pass as the finite check (a NaN or an
           infinity anywhere still comes first, as in two passes) */
        int neg = 0;
        size_t unsorted = 0;
        for (i = 0; i < n; i++) {
            if (!isfinite(v[i]))
                return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "value is NaN or infinite");
            neg |= v[i] < 0.0;
            if (i > 0 && unsorted == 0 && v[i - 1] < v[i])
                unsorted = i;
        }
        *negative = neg;
        if (unsorted)
            return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_TIERS_FLAGS, (int64_t)unsorted, 0,
                               "CVA_TIERS_PRESORTED: the values are not in descending order");
        r->sorted = v; /* the ranking is the array order: nothing to free */
        return CVA_OK;
    }
    for (i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)i, 0, "value is NaN or infinite");
        *negative |= v[i] < 0.0;
    }
    if (n == 0)
        return CVA_OK;
    return cva__tiers_rank_values(v, n, o, r, diag);
}

static inline double clip(double x, int positive_part)
{
    return positive_part && x < 0.0 ? 0.0 : x;
}

/* NaN or infinite, branch-free. */
static inline int nonfinite(double x)
{
    return !(fabs(x) <= DBL_MAX);
}

/* 1 when y is NaN or infinite, or y = v[k − 1] is below x = v[k] (a break
   of the descending order); branch-free, for the fused passes. */
static inline int fused_bad(double y, double x)
{
    return nonfinite(y) | (y < x);
}

/* A fused pass found a non-finite value or a break of the order: run the
   separate checks, which report the same error, with the same index, as
   without the fusion. The figures computed are dropped; nothing was written. */
static cva_status fused_fail(const double *v, size_t n, const cva_tiers_opts *opts, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    int negative;
    cva_status st = prologue(v, n, opts, &o, &r, &negative, NULL, diag);
    cva__tiers_rank_free(&r);
    return st != CVA_OK ? st : cva__report(diag, CVA_E_INTERNAL, 0, 0, -1, 0, "fused presorted check");
}

/* The Gini sums over the descending values sv (read backwards: ascending), each
   value clipped (positive part) and multiplied by scale, a power of two. */
static void gini_sums(const double *sv, size_t n, int pp, double scale, cva__ksum *T, cva__ksum *S)
{
    size_t i = n, below = 0;
    while (i > 0) {
        const double x = clip(sv[i - 1], pp);
        size_t c = 1;
        while (i - c > 0 && cva__tiers_eq(clip(sv[i - c - 1], pp), x))
            c++;
        {
            const double coef = (double)c * (2.0 * (double)below + (double)c - (double)n);
            cva__ksum_add(T, coef * (x * scale));
            cva__ksum_add(S, (double)c * (x * scale));
        }
        below += c;
        i -= c;
    }
}

cva_status cva_gini(const double *value, size_t n, const cva_tiers_opts *opts, double *gini, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    cva__ksum S = {0.0, 0.0}, T = {0.0, 0.0};
    int negative, pp, fused = 1;
    size_t i, below;
    cva_status st;
    double g;
    if (!gini || (n > 0 && !value))
        return cva__report(diag, CVA_E_NULLPTR, !gini ? 4 : 1, 0, -1, 0, NULL);
    st = prologue(value, n, opts, &o, &r, &negative, &fused, diag);
    if (st != CVA_OK)
        return st;
    if (n == 0) {
        *gini = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    pp = (o.flags & CVA_TIERS_GINI_POSITIVE_PART) != 0;
    /* ascending walk = descending order read backwards; a run of c equal values
       after `below` smaller ones has Σ (2i − n − 1) = c (2·below + c − n), an
       exact integer, so ties (and all-equal data) cancel exactly */
    i = n;
    below = 0;
    if (fused) {
        /* presorted: the same runs, one value at a time, with the finite and
           order checks in the same pass (the figure is dropped if one fails) */
        const double *sv = r.sorted;
        double prev = sv[n - 1], x = clip(prev, pp);
        size_t c = 1;
        int bad = nonfinite(prev), neg = prev < 0.0;
        for (i = n - 1; i > 0; i--) {
            const double y = sv[i - 1], yc = clip(y, pp);
            bad |= fused_bad(y, prev);
            neg |= y < 0.0;
            prev = y;
            if (cva__tiers_eq(yc, x)) {
                c++;
                continue;
            }
            {
                const double coef = (double)c * (2.0 * (double)below + (double)c - (double)n);
                cva__ksum_add(&T, coef * x);
                cva__ksum_add(&S, (double)c * x);
            }
            below += c;
            x = yc;
            c = 1;
        }
        {
            const double coef = (double)c * (2.0 * (double)below + (double)c - (double)n);
            cva__ksum_add(&T, coef * x);
            cva__ksum_add(&S, (double)c * x);
        }
        if (bad)
            return fused_fail(value, n, opts, diag);
        negative = neg;
    }
    if (!fused)
        gini_sums(r.sorted, n, pp, 1.0, &T, &S);
    if (!(fabs(cva__ksum_value(&T)) <= DBL_MAX) || !(fabs(cva__ksum_value(&S)) <= DBL_MAX)) {
        /* a sum beyond DBL_MAX (values near it, a fuzz find): the same sums with
           the values scaled by a power of two that keeps them finite (the ratio
           does not depend on the scale) */
        const double hi = fabs(r.sorted[0]) > fabs(r.sorted[n - 1]) ? fabs(r.sorted[0]) : fabs(r.sorted[n - 1]);
        int e;
        (void)frexp(hi, &e);
        T.s = T.c = S.s = S.c = 0.0;
        gini_sums(r.sorted, n, pp, ldexp(1.0, -e - 2 - (int)(log2((double)n + 1.0) * 2.0)), &T, &S);
    }
    cva__tiers_rank_free(&r);
    {
        const double s = cva__ksum_value(&S);
        g = cva__tiers_eq(s, 0.0) ? CVA_NAN : cva__ksum_value(&T) / ((double)n * s);
    }
    if ((o.flags & CVA_TIERS_GINI_SMALL_SAMPLE) && !isnan(g))
        g = n > 1 ? g * (double)n / (double)(n - 1) : 0.0;
    *gini = g;
    return cva__report(diag, negative && !pp ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
}

/* Most points of the one-pass presorted cva_lorenz (its points sit on the stack). */
#define LORENZ_FUSED_MAX 1025

cva_status cva_lorenz(const double *value, size_t n, const cva_tiers_opts *opts, size_t n_points, double *p,
                      double *lorenz, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    cva__ksum S = {0.0, 0.0}, C = {0.0, 0.0};
    int negative, pp, fused = n_points <= LORENZ_FUSED_MAX;
    size_t i, j;
    cva_status st;
    double s;
    const uint64_t m1 = (uint64_t)n_points - 1;
    if (!lorenz || (n > 0 && !value))
        return cva__report(diag, CVA_E_NULLPTR, !lorenz ? 6 : 1, 0, -1, 0, NULL);
    if (n_points < 2)
        return cva__report(diag, CVA_E_BADARG, 4, 0, -1, 0, "n_points must be at least 2");
    st = prologue(value, n, opts, &o, &r, &negative, &fused, diag);
    if (st != CVA_OK)
        return st;
    if (fused) {
        /* presorted, n > 0: one ascending pass computes the points (into
           locals), checks the values and ends with C = the total, summed in the
           same order as S below; the outputs are written after the checks */
        double cv[LORENZ_FUSED_MAX], prev = -CVA_INF;
        int bad = 0, neg = 0;
        pp = (o.flags & CVA_TIERS_GINI_POSITIVE_PART) != 0;
        i = 0;
        for (j = 0; j < n_points; j++) {
            const uint64_t num = (uint64_t)j * (uint64_t)n;
            const size_t idx = (size_t)(num / m1);
            const uint64_t fr = num % m1;
            double val;
            while (i < idx) {
                const double y = r.sorted[n - 1 - i];
                bad |= fused_bad(y, prev);
                neg |= y < 0.0;
                prev = y;
                cva__ksum_add(&C, clip(y, pp));
                i++;
            }
            val = cva__ksum_value(&C);
            if (fr != 0 && idx < n)
                val += ((double)fr / (double)m1) * clip(r.sorted[n - 1 - idx], pp);
            cv[j] = val;
        }
        if (bad)
            return fused_fail(value, n, opts, diag);
        s = cva__ksum_value(&C);
        for (j = 0; j < n_points; j++) {
            if (p)
                p[j] = (double)j / (double)m1;
            lorenz[j] = cva__tiers_eq(s, 0.0) ? CVA_NAN : j == n_points - 1 ? 1.0 : cv[j] / s;
        }
        return cva__report(diag, neg && !pp ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
    }
    for (j = 0; j < n_points; j++) {
        if (p)
            p[j] = (double)j / (double)m1;
        lorenz[j] = CVA_NAN;
    }
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    pp = (o.flags & CVA_TIERS_GINI_POSITIVE_PART) != 0;
    for (i = n; i > 0; i--)
        cva__ksum_add(&S, clip(r.sorted[i - 1], pp));
    s = cva__ksum_value(&S);
    if (!cva__tiers_eq(s, 0.0)) {
        /* point j sits at position t = j·n/(n_points − 1) = idx + fr/(n_points − 1):
           L = (C_idx + frac·x_(idx+1)) / S, x_(k) the k-th smallest */
        i = 0; /* C holds the sum of the i smallest */
        for (j = 0; j < n_points; j++) {
            const uint64_t num = (uint64_t)j * (uint64_t)n;
            const size_t idx = (size_t)(num / m1);
            const uint64_t fr = num % m1;
            double val;
            while (i < idx) {
                cva__ksum_add(&C, clip(r.sorted[n - 1 - i], pp));
                i++;
            }
            val = cva__ksum_value(&C);
            if (fr != 0 && idx < n)
                val += ((double)fr / (double)m1) * clip(r.sorted[n - 1 - idx], pp);
            lorenz[j] = j == n_points - 1 ? 1.0 : val / s;
        }
    }
    cva__tiers_rank_free(&r);
    return cva__report(diag, negative && !pp ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
}

/* Most fractions of the one-pass cva_top_share (more: two walks). */
#define SHARE_FUSED_MAX 32

/* p·n split into a count and a fraction; within 1e-9 of an integer counts as it. */
static void split_pn(double p, size_t n, size_t *k, double *frac)
{
    const double t = p * (double)n;
    double f = floor(t), fr = t - f;
    if (fr > 1.0 - TIERS_EPS) {
        f += 1.0;
        fr = 0.0;
    } else if (fr < TIERS_EPS) {
        fr = 0.0;
    }
    *k = f >= (double)n ? n : (size_t)f;
    *frac = *k >= n ? 0.0 : fr;
}

cva_status cva_top_share(const double *value, size_t n, const double *p, size_t np, const cva_tiers_opts *opts,
                         double *share, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    cva__ksum S = {0.0, 0.0}, C = {0.0, 0.0};
    int negative, pp, fused;
    size_t i, j;
    cva_status st;
    double s;
    if ((np > 0 && (!p || !share)) || (n > 0 && !value))
        return cva__report(diag, CVA_E_NULLPTR, (n > 0 && !value) ? 1 : !p ? 3 : 6, 0, -1, 0, NULL);
    for (j = 0; j < np; j++)
        if (!(p[j] >= 0.0 && p[j] <= 1.0))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)j, 0, "a fraction p is outside [0, 1]");
    fused = np <= SHARE_FUSED_MAX;
    st = prologue(value, n, opts, &o, &r, &negative, &fused, diag);
    if (st != CVA_OK)
        return st;
    if (n == 0) {
        for (j = 0; j < np; j++)
            share[j] = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    pp = (o.flags & CVA_TIERS_GINI_POSITIVE_PART) != 0;
    if (np <= SHARE_FUSED_MAX) {
        /* one pass with two independent chains (the CPU overlaps them): S over
           the ascending order, C down the descending one, its value kept at each
           count k wanted. Same sums, in the same orders, as the two walks below. */
        size_t ks[SHARE_FUSED_MAX], kj[SHARE_FUSED_MAX], nk = 0, next = 0, q;
        double fr[SHARE_FUSED_MAX], cval[SHARE_FUSED_MAX];
        for (j = 0; j < np; j++) {
            split_pn(p[j], n, &kj[j], &fr[j]);
            if (kj[j] > 0) {
                for (q = 0; q < nk && ks[q] < kj[j]; q++)
                    ;
                if (q == nk || ks[q] != kj[j]) {
                    memmove(ks + q + 1, ks + q, (nk - q) * sizeof *ks);
                    ks[q] = kj[j];
                    nk++;
                }
            }
        }
        if (fused) {
            /* presorted: the finite and order checks ride on the S chain (the
               figures are dropped, nothing written, if one fails) */
            double prev = -CVA_INF;
            int bad = 0, neg = 0;
            for (i = 0; i < n; i++) {
                const double y = r.sorted[n - 1 - i];
                bad |= fused_bad(y, prev);
                neg |= y < 0.0;
                prev = y;
                cva__ksum_add(&S, clip(y, pp));
                if (next < nk) {
                    cva__ksum_add(&C, clip(r.sorted[i], pp));
                    if (i + 1 == ks[next])
                        cval[next++] = cva__ksum_value(&C);
                }
            }
            if (bad)
                return fused_fail(value, n, opts, diag);
            negative = neg;
        } else {
            for (i = 0; i < n; i++) {
                cva__ksum_add(&S, clip(r.sorted[n - 1 - i], pp));
                if (next < nk) {
                    cva__ksum_add(&C, clip(r.sorted[i], pp));
                    if (i + 1 == ks[next])
                        cval[next++] = cva__ksum_value(&C);
                }
            }
        }
        s = cva__ksum_value(&S);
        for (j = 0; j < np; j++) {
            double val = 0.0;
            for (q = 0; q < nk; q++)
                if (ks[q] == kj[j])
                    val = cval[q];
            if (fr[j] > 0.0)
                val += fr[j] * clip(r.sorted[kj[j]], pp);
            share[j] = cva__tiers_eq(s, 0.0) ? CVA_NAN : val / s;
        }
        cva__tiers_rank_free(&r);
        return cva__report(diag, negative && !pp ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
    }
    for (i = n; i > 0; i--)
        cva__ksum_add(&S, clip(r.sorted[i - 1], pp));
    s = cva__ksum_value(&S);
    /* one running walk down the ranking, restarted only when p decreases
       (increasing fractions cost one pass) */
    i = 0;
    for (j = 0; j < np; j++) {
        size_t k;
        double frac, val;
        split_pn(p[j], n, &k, &frac);
        if (k < i) {
            C.s = 0.0;
            C.c = 0.0;
            i = 0;
        }
        while (i < k) {
            cva__ksum_add(&C, clip(r.sorted[i], pp));
            i++;
        }
        val = cva__ksum_value(&C);
        if (frac > 0.0)
            val += frac * clip(r.sorted[k], pp);
        share[j] = cva__tiers_eq(s, 0.0) ? CVA_NAN : val / s;
    }
    cva__tiers_rank_free(&r);
    return cva__report(diag, negative && !pp ? CVA_W_NEGATIVE : CVA_OK, 0, 0, -1, 0, NULL);
}

/* A cumulative profit C_k beyond ±DBL_MAX: an error, as a sum that overflows
   in cva_txn_summarize() (its compensated value would be NaN, not a number to
   report). */
static cva_status whale_overflow(cva_diag *diag)
{
    return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0,
                       "a cumulative profit overflows (beyond DBL_MAX in magnitude); rescale the values");
}

cva_status cva_whale_curve(const double *profit, size_t n, const cva_tiers_opts *opts, double *cum, double *whale,
                           cva_whale_stats *stats, cva_diag *diag)
{
    cva_tiers_opts o;
    cva__tiers_ranking r;
    cva__ksum C = {0.0, 0.0}, D = {0.0, 0.0};
    int negative, fused = !cum && !whale;
    size_t i, neg = 0, peak = 0;
    cva_status st;
    double total, best = 0.0;
    if (!stats || (n > 0 && !profit))
        return cva__report(diag, CVA_E_NULLPTR, !stats ? 6 : 1, 0, -1, 0, NULL);
    st = prologue(profit, n, opts, &o, &r, &negative, &fused, diag);
    if (st != CVA_OK)
        return st;
    if (n == 0) {
        stats->peak_index = 0;
        stats->total = CVA_NAN;
        stats->peak_profit = CVA_NAN;
        stats->peak_height = CVA_NAN;
        stats->unprofitable_share = CVA_NAN;
        stats->profit_destroyed = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    /* one pass: C_k (the peak, and cum), the negatives; C_n is the total Π,
       summed in the same order as a separate pass would. W_k = C_k / Π after. */
    if (fused) {
        /* presorted, only the stats wanted: the same pass with the finite and
           order checks in it (stats written after them) */
        double prev = CVA_INF;
        int bad = 0, ovf = 0;
        for (i = 0; i < n; i++) {
            const double x = r.sorted[i];
            double c;
            bad |= nonfinite(x) | (prev < x);
            prev = x;
            cva__ksum_add(&C, x);
            if (x < 0.0) {
                neg++;
                cva__ksum_add(&D, x);
            }
            c = cva__ksum_value(&C);
            ovf |= nonfinite(c);
            if (i == 0 || c > best) {
                best = c;
                peak = i + 1;
            }
        }
        if (bad)
            return fused_fail(profit, n, opts, diag);
        if (ovf)
            return whale_overflow(diag);
        i = n; /* the general loop below has nothing left to do */
    } else {
        /* the values are finite and descending: no C_k can overflow while both
           ends are within DBL_MAX / (n + 1); beyond that, the sums first (on no
           output), so that nothing is written when one overflows */
        const double lim = DBL_MAX / ((double)n + 1.0);
        if (!(fabs(r.sorted[0]) <= lim && fabs(r.sorted[n - 1]) <= lim)) {
            cva__ksum P = {0.0, 0.0};
            int ovf = 0;
            for (i = 0; i < n; i++) {
                cva__ksum_add(&P, r.sorted[i]);
                ovf |= nonfinite(cva__ksum_value(&P));
            }
            if (ovf) {
                cva__tiers_rank_free(&r);
                return whale_overflow(diag);
            }
        }
        i = 0;
    }
    for (; i < n; i++) {
        const double x = r.sorted[i];
        double c;
        cva__ksum_add(&C, x);
        if (x < 0.0) {
            neg++;
            cva__ksum_add(&D, x);
        }
        c = cva__ksum_value(&C);
        if (i == 0 || c > best) {
            best = c;
            peak = i + 1;
        }
        if (cum)
            cum[i] = c;
        else if (whale)
            whale[i] = c;
    }
    total = cva__ksum_value(&C);
    if (whale)
        for (i = 0; i < n; i++)
            whale[i] = total > 0.0 ? (cum ? cum[i] : whale[i]) / total : CVA_NAN;
    cva__tiers_rank_free(&r);
    stats->peak_index = (int64_t)peak;
    stats->total = total;
    stats->peak_profit = best;
    stats->peak_height = total > 0.0 ? best / total : CVA_NAN;
    stats->unprofitable_share = (double)neg / (double)n;
    stats->profit_destroyed = total > 0.0 ? -cva__ksum_value(&D) / total + 0.0 : CVA_NAN; /* no -0 */
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
