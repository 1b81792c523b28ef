/*
 * libcva — RFM segments: the built-in segment maps and their coverage check,
 * segment assignment, the per-segment report and the high-influence flag.
 * The segment names are in the label registry (lib/labels.c).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "cva_internal.h"
#include "select_internal.h"

/* ------------------------------------------------------------------------ */
/* Segments                                                                 */

/* RF10 grid: R and F decide, any M (1..5) matches. */
static const cva_rfm_rule map_rf10[] = {
    {CVA_RFM_SEG_HIBERNATING, 1, 2, 1, 2, 1, 5},
    {CVA_RFM_SEG_AT_RISK, 1, 2, 3, 4, 1, 5},
    {CVA_RFM_SEG_CANT_LOSE, 1, 2, 5, 5, 1, 5},
    {CVA_RFM_SEG_ABOUT_TO_SLEEP, 3, 3, 1, 2, 1, 5},
    {CVA_RFM_SEG_NEED_ATTENTION, 3, 3, 3, 3, 1, 5},
    {CVA_RFM_SEG_LOYAL, 3, 4, 4, 5, 1, 5},
    {CVA_RFM_SEG_PROMISING, 4, 4, 1, 1, 1, 5},
    {CVA_RFM_SEG_NEW, 5, 5, 1, 1, 1, 5},
    {CVA_RFM_SEG_POTENTIAL_LOYALIST, 4, 5, 2, 3, 1, 5},
    {CVA_RFM_SEG_CHAMPIONS, 5, 5, 4, 5, 1, 5},
};

/* R `rfm` vignette, published order ("<= 2" written as 1..2). */
static const cva_rfm_rule map_hebbali[] = {
    {CVA_RFM_SEG_CHAMPIONS, 4, 5, 4, 5, 4, 5},
    {CVA_RFM_SEG_LOYAL, 2, 5, 3, 5, 3, 5},
    {CVA_RFM_SEG_POTENTIAL_LOYALIST, 3, 5, 1, 3, 1, 3},
    {CVA_RFM_SEG_NEW, 4, 5, 1, 1, 1, 1},
    {CVA_RFM_SEG_PROMISING, 3, 4, 1, 1, 1, 1},
    {CVA_RFM_SEG_NEED_ATTENTION, 2, 3, 2, 3, 2, 3},
    {CVA_RFM_SEG_ABOUT_TO_SLEEP, 2, 3, 1, 2, 1, 2},
    {CVA_RFM_SEG_AT_RISK, 1, 2, 2, 5, 2, 5},
    {CVA_RFM_SEG_CANT_LOSE, 1, 1, 4, 5, 4, 5},
    {CVA_RFM_SEG_HIBERNATING, 1, 2, 1, 2, 1, 2},
    {CVA_RFM_SEG_LOST, 1, 2, 1, 2, 1, 2},
};

static const cva_rfm_rule map_specific_first[] = {
    {CVA_RFM_SEG_NEW, 4, 5, 1, 1, 1, 1},
    {CVA_RFM_SEG_PROMISING, 3, 4, 1, 1, 1, 1},
    {CVA_RFM_SEG_CANT_LOSE, 1, 1, 4, 5, 4, 5},
    {CVA_RFM_SEG_CHAMPIONS, 4, 5, 4, 5, 4, 5},
    {CVA_RFM_SEG_LOYAL, 2, 5, 3, 5, 3, 5},
    {CVA_RFM_SEG_POTENTIAL_LOYALIST, 3, 5, 1, 3, 1, 3},
    {CVA_RFM_SEG_NEED_ATTENTION, 2, 3, 2, 3, 2, 3},
    {CVA_RFM_SEG_ABOUT_TO_SLEEP, 2, 3, 1, 2, 1, 2},
    {CVA_RFM_SEG_AT_RISK, 1, 2, 2, 5, 2, 5},
    {CVA_RFM_SEG_HIBERNATING, 1, 2, 1, 2, 1, 2},
    {CVA_RFM_SEG_LOST, 1, 2, 1, 2, 1, 2},
};

cva_status cva_rfm_map_get(int32_t map_id, const cva_rfm_rule **rules, size_t *n_rules)
{
    if (!rules || !n_rules)
        return CVA_E_NULLPTR;
    switch (map_id) {
    case CVA_RFM_MAP_RF10_GRID:
        *rules = map_rf10;
        *n_rules = sizeof map_rf10 / sizeof map_rf10[0];
        return CVA_OK;
    case CVA_RFM_MAP_RFM11_HEBBALI:
        *rules = map_hebbali;
        *n_rules = sizeof map_hebbali / sizeof map_hebbali[0];
        return CVA_OK;
    case CVA_RFM_MAP_RFM11_SPECIFIC_FIRST:
        *rules = map_specific_first;
        *n_rules = sizeof map_specific_first / sizeof map_specific_first[0];
        return CVA_OK;
    default:
        return CVA_E_BADARG;
    }
}

static int is_builtin(const cva_rfm_rule *rules)
{
    return rules == map_rf10 || rules == map_hebbali || rules == map_specific_first;
}

static inline int32_t match_rules(const cva_rfm_rule *rules, size_t n_rules, int32_t r, int32_t f, int32_t m)
{
    size_t j;
    for (j = 0; j < n_rules; j++) {
        const cva_rfm_rule *u = &rules[j];
        if (r >= u->r_lo && r <= u->r_hi && f >= u->f_lo && f <= u->f_hi && m >= u->m_lo && m <= u->m_hi)
            return (int32_t)j;
    }
    return -1;
}

cva_status cva_rfm_segment(const int32_t *r, const int32_t *f, const int32_t *m, size_t n, int32_t k,
                           const cva_rfm_rule *rules, size_t n_rules, int32_t *segment, cva_diag *diag)
{
    size_t i;
    if (!rules) {
        rules = map_rf10;
        n_rules = sizeof map_rf10 / sizeof map_rf10[0];
    }
    if (k < 1 || k > CVA_RFM_MAX_BINS)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "k must be 1..100");
    if (is_builtin(rules) && k != 5)
        return cva__report(diag, CVA_E_BADARG, 5, 0, -1, 0, "the built-in maps are for k = 5");
    if (n > 0 && (!r || !f || !m || !segment))
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "an array is NULL");
    for (i = 0; i < n; i++)
        if (r[i] < 0 || r[i] > k || f[i] < 0 || f[i] > k || m[i] < 0 || m[i] > k)
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)i, 0, "score outside 0..k");
    for (i = 0; i < n; i++) {
        int32_t j;
        if (r[i] == 0 || f[i] == 0 || m[i] == 0) {
            segment[i] = CVA_RFM_SEG_NONE;
            continue;
        }
        j = match_rules(rules, n_rules, r[i], f[i], m[i]);
        segment[i] = j < 0 ? CVA_RFM_SEG_OTHERS : rules[j].label;
    }
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}

cva_status cva_rfm_map_check(const cva_rfm_rule *rules, size_t n_rules, int32_t k, uint32_t *rule_cells,
                             uint32_t *n_uncovered, uint32_t *n_shadowed, uint32_t *n_unreachable_labels,
                             cva_diag *diag)
{
    uint32_t cells[10000];
    uint32_t unc = 0, shadowed = 0, unreachable = 0;
    size_t j, q;
    int32_t r, f, m;
    if (n_rules > 0 && !rules)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "rules is NULL");
    if (k < 1 || k > CVA_RFM_MAX_BINS)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "k must be 1..100");
    if (n_rules > 10000)
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "at most 10000 rules");
    for (j = 0; j < n_rules; j++)
        if (rules[j].r_lo > rules[j].r_hi || rules[j].f_lo > rules[j].f_hi || rules[j].m_lo > rules[j].m_hi)
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)j, 0, "a rule has a range with lo > hi");
    memset(cells, 0, sizeof cells);
    for (r = 1; r <= k; r++)
        for (f = 1; f <= k; f++)
            for (m = 1; m <= k; m++) {
                int32_t w = match_rules(rules, n_rules, r, f, m);
                if (w < 0)
                    unc++;
                else
                    cells[w]++;
            }
    for (j = 0; j < n_rules; j++) {
        const cva_rfm_rule *u = &rules[j];
        int nonempty = u->r_hi >= 1 && u->r_lo <= k && u->f_hi >= 1 && u->f_lo <= k && u->m_hi >= 1 && u->m_lo <= k;
        int first_of_label = 1;
        uint32_t label_cells = 0;
        if (nonempty && cells[j] == 0)
            shadowed++;
        for (q = 0; q < n_rules; q++) {
            if (rules[q].label != u->label)
                continue;
            if (q < j) {
                first_of_label = 0;
                break;
            }
            label_cells += cells[q];
        }
        if (first_of_label && label_cells == 0)
            unreachable++;
        if (rule_cells)
            rule_cells[j] = cells[j];
    }
    if (n_uncovered)
        *n_uncovered = unc;
    if (n_shadowed)
        *n_shadowed = shadowed;
    if (n_unreachable_labels)
        *n_unreachable_labels = unreachable;
    return cva__report(diag, (unc || shadowed || unreachable) ? CVA_W_MAP : CVA_OK, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Report                                                                   */

cva_status cva_rfm_report(const int32_t *segment, const int32_t *r, const int32_t *f, const int32_t *m,
                          const double *revenue, size_t n, cva_rfm_segment_stat *stats, size_t capacity,
                          size_t *n_stats, cva_diag *diag)
{
    size_t i, ns = 0, s;
    int32_t labels[256];
    cva__ksum total = {0, 0};
    if (!n_stats)
        return cva__report(diag, CVA_E_NULLPTR, 9, 0, -1, 0, "n_stats is NULL");
    if (n > 0 && (!segment || !r || !f || !m))
        return cva__report(diag, CVA_E_NULLPTR, !segment ? 1 : !r ? 2 : !f ? 3 : 4, 0, -1, 0,
                           "a segment or score array is NULL");
    if (capacity > 0 && !stats)
        return cva__report(diag, CVA_E_NULLPTR, 7, 0, -1, 0, "stats is NULL with capacity > 0");
    if (revenue)
        for (i = 0; i < n; i++)
            if (!isfinite(revenue[i]))
                return cva__report(diag, CVA_E_NONFINITE, 5, 0, (int64_t)i, 0, "revenue is NaN or infinite");
    /* distinct labels, sorted (insertion into a small sorted set) */
    for (i = 0; i < n; i++) {
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (labels[mid] < segment[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ns && labels[lo] == segment[i])
            continue;
        if (ns == sizeof labels / sizeof labels[0])
            return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)i, 0, "more than 256 distinct segment codes");
        memmove(labels + lo + 1, labels + lo, (ns - lo) * sizeof labels[0]);
        labels[lo] = segment[i];
        ns++;
    }
    *n_stats = ns;
    if (capacity < ns)
        return cva__report(diag, CVA_E_BUFFER_TOO_SMALL, 8, 0, -1, ns, "capacity is less than the segments present");
    if (revenue)
        for (i = 0; i < n; i++)
            cva__ksum_add(&total, revenue[i]);
    for (s = 0; s < ns; s++) {
        cva_rfm_segment_stat *st = &stats[s];
        cva__ksum rev = {0, 0};
        double sr = 0, sf = 0, sm = 0;
        uint64_t cnt = 0;
        for (i = 0; i < n; i++) {
            if (segment[i] != labels[s])
                continue;
            cnt++;
            sr += r[i];
            sf += f[i];
            sm += m[i];
            if (revenue)
                cva__ksum_add(&rev, revenue[i]);
        }
        st->label = labels[s];
        st->reserved = 0;
        st->count = cnt;
        st->share = (double)cnt / (double)n;
        st->mean_r = sr / (double)cnt;
        st->mean_f = sf / (double)cnt;
        st->mean_m = sm / (double)cnt;
        st->revenue = cva__ksum_value(&rev);
        {
            double tv = cva__ksum_value(&total);
            st->revenue_share = (tv < 0.0 || tv > 0.0) ? st->revenue / tv : CVA_NAN;
        }
    }
    return cva__report(diag, n ? CVA_OK : CVA_W_EMPTY, 0, 0, -1, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* High influence                                                           */

cva_status cva_rfm_high_influence(const uint32_t *ref_n_txn, const double *ref_amount, size_t n, double share,
                                  int32_t *flag, cva_diag *diag)
{
    return cva_rfm_high_influence_advanced(ref_n_txn, ref_amount, n, share, flag, NULL, diag);
}

cva_status cva_rfm_high_influence_advanced(const uint32_t *ref_n_txn, const double *ref_amount, size_t n,
                                           double share, int32_t *flag, const cva_allocator *alloc,
                                           cva_diag *diag)
{
    size_t i, m = 0, top, j;
    cva__kv *a, *tmp, *s;
    if (n > 0 && (!ref_n_txn || !ref_amount || !flag))
        return cva__report(diag, CVA_E_NULLPTR, !ref_n_txn ? 1 : !ref_amount ? 2 : 5, 0, -1, 0, NULL);
    if (!(share >= 0.0 && share <= 1.0))
        return cva__report(diag, CVA_E_OPTION, 4, 0, -1, 0, "share must be in [0, 1]");
    if (n > SIZE_MAX / sizeof(cva__kv)) /* before reading: the sort buffers could not be sized */
        return cva__report(diag, CVA_E_OVERFLOW, 3, 0, -1, 0, "n: the sort buffers do not fit in size_t");
    for (i = 0; i < n; i++) {
        if (ref_n_txn[i] >= 1) {
            if (!isfinite(ref_amount[i]))
                return cva__report(diag, CVA_E_NONFINITE, 2, 0, (int64_t)i, 0,
                                   "ref_amount is NaN or infinite for a referrer");
            m++;
        }
    }
    if (m == 0) {
        for (i = 0; i < n; i++)
            flag[i] = 0;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    a = (cva__kv *)cva__alloc(alloc, m * sizeof(cva__kv));
    tmp = (cva__kv *)cva__alloc(alloc, m * sizeof(cva__kv));
    if (!a || !tmp) {
        cva__free(alloc, a);
        cva__free(alloc, tmp);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    /* descending money, ties by array order: sort ascending on the negated key */
    for (i = 0, j = 0; i < n; i++)
        if (ref_n_txn[i] >= 1) {
            a[j].key = cva__order_key(-ref_amount[i]);
            a[j].val = i;
            j++;
        }
    s = cva__radix_sort_kv(a, tmp, m);
    top = (size_t)ceil(share * (double)m - 1e-9);
    for (i = 0; i < n; i++)
        flag[i] = 0;
    for (j = 0; j < top && j < m; j++)
        flag[s[j].val] = 1;
    cva__free(alloc, a);
    cva__free(alloc, tmp);
    return cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
}
