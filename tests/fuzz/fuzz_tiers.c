/*
 * Fuzz target: value concentration and tiers (cva_value_order, cva_gini,
 * cva_top_share, cva_lorenz, cva_whale_curve, cva_grade, cva_pyramid,
 * cva_value_classes).
 * SPDX-License-Identifier: MIT
 *
 * The bytes decode to values (ties, negatives, ±0, huge, sometimes NaN/Inf),
 * options (shares possibly out of range, flags including unknown bits, value
 * kind), fractions for the top shares (possibly outside [0, 1]), a workspace
 * (none, exact, too small) and sometimes a precomputed order.
 * Invariants:
 *  - an error leaves the outputs untouched (poison-filled);
 *  - cva_value_order() equals a brute-force stable descending sort (ties by
 *    lower index);
 *  - Gini, top shares, the Lorenz curve and the whale curve equal brute-force
 *    sums over that order (relative 1e-9 of the sum of |values|); the whale
 *    curve at every magnitude (the reference scaled by 2^-64): CVA_E_OVERFLOW
 *    exactly when a cumulative sum is beyond ±DBL_MAX, finite values otherwise;
 *  - grades and pyramid tiers equal the brute-force rank rules of tiers.h;
 *  - classes are valid codes, with exactly the documented MVC count when the
 *    values are distinct and nobody is BZ;
 *  - the same results with the order passed in (cva_tiers_opts::order) and with
 *    the presorted values (#CVA_TIERS_PRESORTED).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "fuzz_common.h"

#define MAXN 80

static size_t ceil_share(double s, size_t n)
{
    double c = ceil(s * (double)n - 1e-9);
    return c <= 0 ? 0 : (size_t)c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    unsigned mode, mode2;
    size_t n, i, j, np, wsize = 0, need = 0;
    double v[MAXN], x[MAXN], sorted[MAXN + 2], pf[8], share[8 + 2], cum[MAXN + 2], whale[MAXN + 2];
    double lp[MAXN + 2], lz[MAXN + 2];
    uint64_t order[MAXN + 2], ref[MAXN];
    int32_t grade[MAXN + 2], tier[MAXN + 2], cls[MAXN + 2];
    double g, sumabs = 0, S = 0;
    cva_tiers_opts o;
    cva_whale_stats ws;
    cva_status st;
    int finite = 1, neg = 0, valid_opts = 1;
    void *work = NULL;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    mode2 = fz_u8(&f);
    n = fz_range(&f, 0, MAXN);
    for (i = 0; i < n; i++) {
        unsigned k = fz_u8(&f);
        v[i] = (k & 3) == 0 ? (double)(fz_u8(&f) % 5) - 1.0 : fz_double(&f);
        if (!isfinite(v[i]))
            finite = 0;
    }
    if (cva_tiers_opts_init_defaults(&o, sizeof o) != CVA_OK)
        abort();
    if (mode & 1) {
        o.flags = (int32_t)(fz_u8(&f) & 3);
        if (mode2 & 0x80)
            o.flags |= 0x40; /* an unknown bit */
    }
    if (mode & 2) {
        o.grade_shares[0] = fz_double(&f);
        o.grade_shares[1] = fz_double(&f);
        o.pyramid_shares[0] = fz_double(&f);
        o.pyramid_shares[1] = fz_double(&f);
        o.value_kind = (int32_t)(fz_u8(&f) % 4);
    }
    if (mode & 4)
        o.mvc_share = fz_double(&f);
    np = fz_range(&f, 0, 8);
    for (j = 0; j < np; j++) {
        unsigned k = fz_u8(&f);
        pf[j] = k < 200 ? (double)(k % 21) / 20.0 : fz_double(&f);
    }
    if ((mode & 0x18) == 0x08) {
        if (cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL, &wsize) != CVA_OK)
            abort();
        need = wsize;
        if (mode & 0x20)
            wsize /= 2;
        work = malloc(wsize ? wsize : 1);
        if (!work)
            return 0;
        o.work = work;
        o.work_size = wsize;
    }
    for (i = 0; i < n; i++) {
        x[i] = (o.flags & CVA_TIERS_GINI_POSITIVE_PART) && v[i] < 0 ? 0.0 : v[i];
        sumabs += fabs(x[i]);
        S += x[i];
        neg |= v[i] < 0;
    }
    /* brute-force stable descending order */
    for (i = 0; i < n; i++)
        ref[i] = i;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && v[ref[j]] > v[ref[j - 1]]; j--) {
            uint64_t t = ref[j];
            ref[j] = ref[j - 1];
            ref[j - 1] = t;
        }

    /* order */
    fz_poison(order, sizeof order);
    fz_poison(sorted, sizeof sorted);
    st = cva_value_order(v, n, &o, order, sorted, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(order, sizeof order) && fz_poisoned(sorted, sizeof sorted), "order written on %d",
                 (int)st);
    } else {
        FZ_CHECK(finite, "non-finite values accepted by cva_value_order");
        FZ_CHECK(fz_poisoned(order + n, 2 * sizeof order[0]), "order written past n");
        for (i = 0; i < n; i++) {
            FZ_CHECK(order[i] == ref[i], "order[%zu] = %llu, brute force %llu", i, (unsigned long long)order[i],
                     (unsigned long long)ref[i]);
            FZ_CHECK(sorted[i] == v[order[i]], "sorted[%zu]", i);
        }
        if (mode & 0x40)
            o.order = order;
    }

    /* Gini */
    g = 12345.0;
    st = cva_gini(v, n, &o, &g, NULL);
    if (st < 0) {
        FZ_CHECK(g == 12345.0, "gini written on error %d", (int)st);
        if (o.flags == 0 && !(mode & 6) && finite && (!work || wsize >= need))
            FZ_CHECK(0, "cva_gini failed (%d) on finite values with default flags", (int)st);
    } else if (n > 0) {
        double num = 0, gr;
        size_t r;
        FZ_CHECK(finite, "non-finite values accepted by cva_gini");
        for (r = 1; r <= n; r++) /* ascending rank r: the (n - r)-th of the descending order */
            num += (2.0 * (double)r - (double)n - 1.0) * x[ref[n - r]];
        gr = S == 0 ? (double)NAN : num / ((double)n * S);
        if ((o.flags & CVA_TIERS_GINI_SMALL_SAMPLE) && !isnan(gr))
            gr = n == 1 ? 0.0 : gr * (double)n / (double)(n - 1);
        if (fabs(S) > 1e-6 * sumabs && sumabs < 1e250)
            FZ_CHECK(fabs(g - gr) <= 1e-9 * (1.0 + 2.0 * sumabs / fabs(S)), "gini %.17g, brute force %.17g", g, gr);
        if (!neg && S > 0)
            FZ_CHECK(g >= -1e-12 && g <= 1.0 + 1e-12, "gini %.17g outside [0, 1] without negatives", g);
        FZ_CHECK((st == CVA_W_NEGATIVE) == (neg && !(o.flags & CVA_TIERS_GINI_POSITIVE_PART)),
                 "W_NEGATIVE %d with negatives %d", (int)st, neg);
    }

    /* top shares */
    fz_poison(share, sizeof share);
    st = cva_top_share(v, n, pf, np, &o, share, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(share, sizeof share), "shares written on error %d", (int)st);
    } else {
        FZ_CHECK(fz_poisoned(share + np, 2 * sizeof share[0]), "share written past np");
        for (j = 0; j < np; j++) {
            double pn, fl, top = 0, ref_share;
            size_t k;
            FZ_CHECK(pf[j] >= 0 && pf[j] <= 1, "fraction %g accepted", pf[j]);
            if (n == 0 || sumabs == 0) {
                FZ_CHECK(isnan(share[j]), "share %g with S = 0", share[j]);
                continue;
            }
            if (S == 0)
                continue; /* a naive sum that cancelled to 0 is not the exact total (the
                             library's compensated sum may be a tiny nonzero): no reference */
            pn = pf[j] * (double)n;
            fl = floor(pn);
            if (pn - fl > 1.0 - 1e-9)
                fl += 1.0;
            if (pn - fl < 1e-9)
                pn = fl;
            for (k = 0; k < (size_t)fl && k < n; k++)
                top += x[ref[k]];
            if ((size_t)fl < n)
                top += (pn - fl) * x[ref[(size_t)fl]];
            ref_share = top / S;
            if (fabs(S) > 1e-6 * sumabs && sumabs < 1e250)
                FZ_CHECK(fabs(share[j] - ref_share) <= 1e-9 * (1.0 + 2.0 * sumabs / fabs(S)),
                         "share(%.17g) %.17g, brute force %.17g", pf[j], share[j], ref_share);
        }
    }

    /* Lorenz: n + 1 points */
    fz_poison(lp, sizeof lp);
    fz_poison(lz, sizeof lz);
    st = cva_lorenz(v, n, &o, n + 1, lp, lz, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(lp, sizeof lp) && fz_poisoned(lz, sizeof lz), "lorenz written on error %d", (int)st);
    } else if (n > 0 && S > 0 && !neg && sumabs < 1e250) {
        for (j = 0; j <= n; j++) {
            FZ_CHECK(lz[j] >= -1e-12 && lz[j] <= 1.0 + 1e-12, "lorenz[%zu] = %g", j, lz[j]);
            FZ_CHECK(lp[j] >= 0 && lp[j] <= 1, "p[%zu] = %g", j, lp[j]);
            if (j > 0)
                FZ_CHECK(lz[j] >= lz[j - 1] - 1e-12 && lp[j] >= lp[j - 1], "lorenz not monotone at %zu", j);
            FZ_CHECK(lz[j] <= lp[j] + 1e-9, "lorenz %g above the diagonal %g", lz[j], lp[j]);
        }
        FZ_CHECK(fabs(lz[n] - 1.0) <= 1e-9 && lz[0] == 0.0, "lorenz endpoints %g, %g", lz[0], lz[n]);
    }

    /* whale curve: cum = prefix sums of the descending order */
    fz_poison(cum, sizeof cum);
    fz_poison(whale, sizeof whale);
    fz_poison(&ws, sizeof ws);
    st = cva_whale_curve(v, n, &o, cum, whale, &ws, NULL);
    if (st < 0)
        FZ_CHECK(fz_poisoned(cum, sizeof cum) && fz_poisoned(whale, sizeof whale) && fz_poisoned(&ws, sizeof ws),
                 "whale written on error %d", (int)st);
    if (finite && (st >= 0 || st == CVA_E_OVERFLOW)) {
        /* the reference in units of 2^64 (exact scaling; no sum of at most MAXN
           doubles overflows there), for every magnitude: C_k beyond ±DBL_MAX is
           CVA_E_OVERFLOW, otherwise every C_k is close to the brute-force sum */
        const double sc = 0x1p-64, lim = DBL_MAX * sc;
        double c = 0, tot = 0, sa = 0, cmax = 0;
        for (i = 0; i < n; i++) {
            tot += v[i] * sc;
            sa += fabs(v[i]) * sc;
        }
        for (i = 0; i < n; i++) {
            c += v[ref[i]] * sc;
            cmax = fabs(c) > cmax ? fabs(c) : cmax;
            if (st >= 0)
                FZ_CHECK(isfinite(cum[i]) && fz_close(cum[i] * sc, c, sa), "cum[%zu] %.17g vs %.17g * 2^64", i,
                         cum[i], c);
        }
        if (st == CVA_E_OVERFLOW) {
            FZ_CHECK(cmax >= lim * (1.0 - 1e-9), "CVA_E_OVERFLOW with every |C_k| <= %.17g * 2^64", cmax);
        } else {
            FZ_CHECK(cmax <= lim * (1.0 + 1e-9), "a C_k of %.17g * 2^64 accepted", cmax);
            FZ_CHECK(n == 0 ? isnan(ws.total) : isfinite(ws.total) && fz_close(ws.total * sc, tot, sa),
                     "whale total %.17g vs %.17g * 2^64", ws.total, tot);
            FZ_CHECK(n == 0 ? ws.peak_index == 0 : ws.peak_index >= 1 && (size_t)ws.peak_index <= n,
                     "peak_index %lld", (long long)ws.peak_index);
        }
    }

    /* grade and pyramid against the rank rules */
    fz_poison(grade, sizeof grade);
    st = cva_grade(v, n, &o, grade, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(grade, sizeof grade), "grade written on error %d", (int)st);
    } else {
        size_t b1 = ceil_share(o.grade_shares[0], n), b2 = ceil_share(o.grade_shares[0] + o.grade_shares[1], n);
        FZ_CHECK(fz_poisoned(grade + n, 2 * sizeof grade[0]), "grade written past n");
        for (i = 0; i < n; i++) {
            size_t r = i + 1;
            int32_t want = r <= b1 ? CVA_TIER_KEY : r <= b2 ? CVA_TIER_ORDINARY : CVA_TIER_SMALL;
            FZ_CHECK(grade[ref[i]] == want, "rank %zu grade %d, rule %d", r, (int)grade[ref[i]], (int)want);
        }
    }
    fz_poison(tier, sizeof tier);
    st = cva_pyramid(v, n, &o, tier, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(tier, sizeof tier), "pyramid written on error %d", (int)st);
        valid_opts = 0;
    } else {
        size_t b1 = ceil_share(o.pyramid_shares[0], n), b2 = ceil_share(o.pyramid_shares[0] + o.pyramid_shares[1], n);
        int lead = o.value_kind == CVA_VALUE_PROFIT || o.value_kind == CVA_VALUE_CLV;
        for (i = 0; i < n; i++) {
            size_t r = i + 1, k = ref[i];
            int32_t want = lead && v[k] < 0                  ? CVA_TIER_LEAD
                           : r <= b1 && v[k] > 0             ? CVA_TIER_PLATINUM
                           : r <= b2 && v[k] > 0             ? CVA_TIER_GOLD
                                                             : CVA_TIER_IRON;
            FZ_CHECK(tier[k] == want, "rank %zu value %g tier %d, rule %d", r, v[k], (int)tier[k], (int)want);
        }
    }
    (void)valid_opts;

    /* classes: valid codes */
    fz_poison(cls, sizeof cls);
    st = cva_value_classes(v, NULL, NULL, NULL, n, &o, cls, NULL, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(cls, sizeof cls), "classes written on error %d", (int)st);
    } else {
        size_t mvc = 0, bz = 0, npos = 0, nneg = 0, want;
        int bzkind = o.value_kind == CVA_VALUE_PROFIT || o.value_kind == CVA_VALUE_CLV;
        for (i = 0; i < n; i++) {
            FZ_CHECK(cls[i] == CVA_TIER_BZ || cls[i] == CVA_TIER_MVC || cls[i] == CVA_TIER_OTHER,
                     "class %d (no potential: no MGC)", (int)cls[i]);
            FZ_CHECK(cls[i] != CVA_TIER_MVC || v[i] > 0, "MVC with value %g", v[i]);
            mvc += cls[i] == CVA_TIER_MVC;
            bz += cls[i] == CVA_TIER_BZ;
            npos += v[i] > 0;
            nneg += v[i] < 0;
        }
        want = ceil_share(o.mvc_share, n);
        FZ_CHECK(mvc == (want < npos ? want : npos), "%zu MVC, share %g of %zu, %zu positive", mvc, o.mvc_share, n,
                 npos);
        FZ_CHECK(bz == (bzkind ? nneg : 0), "%zu BZ, %zu negative (kind %d)", bz, nneg, (int)o.value_kind);
    }

    /* presorted: the same Gini from the sorted values */
    if (finite && (o.flags & ~3) == 0 && !o.order) {
        cva_tiers_opts p = o;
        double g1 = 0, g2 = 0;
        cva_status s1, s2;
        p.flags |= CVA_TIERS_PRESORTED;
        p.work = NULL;
        p.work_size = 0;
        o.work = NULL;
        o.work_size = 0;
        s1 = cva_gini(v, n, &o, &g1, NULL);
        s2 = cva_gini(sorted, n, &p, &g2, NULL);
        if (s1 >= 0 && n > 0)
            FZ_CHECK(s1 == s2 && (g1 == g2 || (isnan(g1) && isnan(g2)) || fabs(g1 - g2) <= 1e-12 * (1 + fabs(g1))),
                     "presorted gini %.17g (%d) vs %.17g (%d)", g2, (int)s2, g1, (int)s1);
    }
    free(work);
    return 0;
}
