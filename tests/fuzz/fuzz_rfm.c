/*
 * Fuzz target: RFM scoring (cva_rfm_cuts_compute, cva_rfm_assign, cva_rfm_score,
 * cva_rfm_composite).
 * SPDX-License-Identifier: MIT
 *
 * The bytes decode to three columns (NaN = unscored, ±Inf, huge, negative, ties),
 * options (bins 0..101 so k out of range occurs, every method, fixed cuts that
 * may be unsorted or NaN, both closures, a kernel), a workspace (none, exact,
 * too small) and struct sizes (possibly wrong).
 * Invariants:
 *  - an error leaves the score arrays untouched (poison-filled);
 *  - success: every score of a value is in 1..k, 0 exactly for NaN; the counts
 *    of cva_rfm_assign() sum to the number of scored values and match the
 *    scores; scores are monotone in the value (ascending columns: a larger value
 *    never gets a lower score; recency: never a higher one); NTILE bins differ in
 *    size by at most one; cva_rfm_score() gives the same scores as
 *    cva_rfm_cuts_compute() + cva_rfm_assign() per column, all three 0 exactly for
 *    an unscored customer; composite cells decode back to the three scores.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "fuzz_common.h"

#define MAXN 96

static void check_column(const double *v, size_t n, int32_t dir, const cva_rfm_opts *o, int32_t which, void *work,
                         size_t wsize, const int32_t *expect, int have_expect)
{
    cva_rfm_cuts c;
    int32_t score[MAXN];
    uint64_t cnt[CVA_RFM_MAX_BINS + 1], scored = 0, sum = 0;
    cva_status st, sa;
    size_t i, j;
    int32_t k;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    st = cva_rfm_cuts_compute(v, n, dir, o, which, &c, work, wsize, NULL);
    if (st < 0) {
        FZ_CHECK(!have_expect, "cva_rfm_score succeeded where cuts_compute fails (%d)", (int)st);
        return;
    }
    k = c.bins;
    FZ_CHECK(k >= 1 && k <= CVA_RFM_MAX_BINS, "bins %d", (int)k);
    FZ_CHECK(k == o->bins, "bins %d vs option %d", (int)k, (int)o->bins);
    fz_poison(score, sizeof score);
    /* two chunks, to exercise the offset */
    sa = cva_rfm_assign(v, 0, n / 2, &c, 0, score, NULL);
    FZ_CHECK(sa == CVA_OK, "assign status %d", (int)sa);
    sa = cva_rfm_assign(v + n / 2, n / 2, n - n / 2, &c, 0, score + n / 2, NULL);
    FZ_CHECK(sa == CVA_OK, "assign status %d", (int)sa);
    FZ_CHECK(fz_poisoned(score + n, (MAXN - n) * sizeof score[0]), "assign wrote past len");
    memset(cnt, 0, sizeof cnt);
    for (i = 0; i < n; i++) {
        if (isnan(v[i])) {
            FZ_CHECK(score[i] == 0, "NaN value %zu got score %d", i, (int)score[i]);
            continue;
        }
        scored++;
        FZ_CHECK(score[i] >= 1 && score[i] <= k, "score %d outside 1..%d", (int)score[i], (int)k);
        cnt[score[i]]++;
    }
    FZ_CHECK(c.scored == scored, "cuts.scored %llu, %llu non-NaN values", (unsigned long long)c.scored,
             (unsigned long long)scored);
    for (j = 1; j <= (size_t)k; j++) {
        FZ_CHECK(c.count[j - 1] == cnt[j], "count[%zu] %llu vs %llu", j - 1, (unsigned long long)c.count[j - 1],
                 (unsigned long long)cnt[j]);
        sum += c.count[j - 1];
    }
    FZ_CHECK(sum == scored, "counts sum to %llu, %llu scored", (unsigned long long)sum, (unsigned long long)scored);
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            if (!isnan(v[i]) && !isnan(v[j]) && v[i] < v[j])
                FZ_CHECK(dir == CVA_RFM_RECENCY ? score[i] >= score[j] : score[i] <= score[j],
                         "not monotone: v %.17g -> %d, v %.17g -> %d (method %d)", v[i], (int)score[i], v[j],
                         (int)score[j], (int)o->method);
    if (o->method == CVA_RFM_NTILE && scored >= (uint64_t)k) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (j = 1; j <= (size_t)k; j++) {
            lo = cnt[j] < lo ? cnt[j] : lo;
            hi = cnt[j] > hi ? cnt[j] : hi;
        }
        FZ_CHECK(hi - lo <= 1, "NTILE bin sizes %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
    }
    if (have_expect)
        for (i = 0; i < n; i++)
            FZ_CHECK(expect[i] == score[i], "cva_rfm_score %d vs assign %d at %zu", (int)expect[i], (int)score[i],
                     i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    unsigned mode;
    size_t n, i, wsize = 0, need = 0;
    double col[3][MAXN], fixed[3][CVA_RFM_MAX_BINS];
    int32_t sc[3][MAXN + 4];
    int32_t cell[MAXN + 4];
    double wmean[MAXN + 4], fm[MAXN + 4];
    struct {
        cva_rfm_opts o;
        unsigned char newer[64]; /* zero: a newer caller's struct with unset appended fields */
    } big;
    cva_rfm_cuts cuts[3];
    cva_status st;
    void *work = NULL;
    int c;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    n = fz_range(&f, 0, MAXN);
    memset(&big, 0, sizeof big);
    if (cva_rfm_opts_init_defaults(&big.o, sizeof big.o) != CVA_OK)
        abort();
    big.o.bins = (int32_t)(fz_u8(&f) % 12);
    if (big.o.bins == 11)
        big.o.bins = (int32_t)fz_range(&f, 0, 101);
    big.o.method = (int32_t)(fz_u8(&f) % 6);
    big.o.fixed_closure = (int32_t)(fz_u8(&f) % 3);
    for (c = 0; c < 3; c++) {
        size_t nc = big.o.bins > 1 && big.o.bins <= CVA_RFM_MAX_BINS ? (size_t)big.o.bins - 1 : 0, j;
        for (j = 0; j < nc; j++)
            fixed[c][j] = (mode & 0x10) ? fz_double(&f) : (double)j * 3.0 + (double)c;
    }
    big.o.r_cuts = fixed[0];
    big.o.f_cuts = fixed[1];
    big.o.m_cuts = fixed[2];
    if (mode & 0x20) {
        big.o.w_r = fz_double(&f);
        big.o.w_f = fz_double(&f);
        big.o.w_m = fz_double(&f);
    }
    for (i = 0; i < n; i++) {
        unsigned kind = fz_u8(&f);
        for (c = 0; c < 3; c++)
            col[c][i] = (kind & 3) == 0 ? (double)(fz_u8(&f) % 4) /* ties */ : fz_double(&f);
    }
    if ((mode & 3) == 1)
        big.o.struct_size = (uint32_t)(sizeof big.o + 16);
    if (mode & 4) {
        if (cva_rfm_workspace_size(n, &wsize) != CVA_OK)
            abort();
        need = wsize;
        if (mode & 8)
            wsize = wsize / 2;
        work = malloc(wsize ? wsize : 1);
        if (!work)
            return 0;
    }
    fz_poison(sc, sizeof sc);
    for (c = 0; c < 3; c++) {
        memset(&cuts[c], 0, sizeof cuts[c]);
        cuts[c].struct_size = (mode & 3) == 2 && c == 1 ? 8u : (uint32_t)sizeof cuts[c];
    }
    st = cva_rfm_score(col[0], col[1], col[2], n, &big.o, sc[0], sc[1], sc[2], (mode & 0x40) ? cuts : NULL, work,
                       wsize, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(sc, sizeof sc), "cva_rfm_score status %d but scores were written", (int)st);
        if (work && wsize < need)
            ; /* a workspace that is too small is an error */
        else if ((mode & 3) == 0 && big.o.bins >= 1 && big.o.bins <= CVA_RFM_MAX_BINS && big.o.method <= 4 && big.o.fixed_closure <= 1)
            FZ_CHECK(st == CVA_E_NONFINITE || st == CVA_E_OPTION || st == CVA_E_BADARG,
                     "unexpected cva_rfm_score status %d", (int)st);
        free(work);
        return 0;
    }
    FZ_CHECK(!work || wsize >= need, "a workspace smaller than cva_rfm_workspace_size() was accepted");
    for (c = 0; c < 3; c++)
        FZ_CHECK(fz_poisoned(sc[c] + n, 4 * sizeof(int32_t)), "scores written past n");
    for (i = 0; i < n; i++) {
        int unscored = isnan(col[0][i]);
        for (c = 0; c < 3; c++)
            FZ_CHECK(unscored ? sc[c][i] == 0 : sc[c][i] >= 1 && sc[c][i] <= big.o.bins, "customer %zu score %d (k %d)",
                     i, (int)sc[c][i], (int)big.o.bins);
    }
    /* per column, against cuts_compute + assign on the scored customers' values */
    for (c = 0; c < 3; c++) {
        double v[MAXN];
        for (i = 0; i < n; i++)
            v[i] = isnan(col[0][i]) ? (double)NAN : col[c][i];
        check_column(v, n, c == 0 ? CVA_RFM_RECENCY : CVA_RFM_ASCENDING, &big.o, c, NULL, 0, sc[c], 1);
    }
    /* the composite: cells decode to the scores */
    fz_poison(cell, sizeof cell);
    st = cva_rfm_composite(sc[0], sc[1], sc[2], n, &big.o, cell, wmean, fm, NULL);
    if (st >= 0) {
        int32_t k1 = big.o.bins + 1;
        for (i = 0; i < n; i++) {
            if (sc[0][i] == 0) {
                FZ_CHECK(cell[i] == 0, "unscored cell %d", (int)cell[i]);
                continue;
            }
            if (big.o.bins <= 9)
                FZ_CHECK(cell[i] == 100 * sc[0][i] + 10 * sc[1][i] + sc[2][i], "cell %d", (int)cell[i]);
            else
                FZ_CHECK(cell[i] == (sc[0][i] * k1 + sc[1][i]) * k1 + sc[2][i], "cell %d", (int)cell[i]);
            FZ_CHECK(fm[i] == (double)(sc[1][i] + sc[2][i]) / 2.0, "fm %g", fm[i]);
        }
    }
    free(work);
    return 0;
}
