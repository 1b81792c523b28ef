/*
 * libcva — churn flags per customer (docs/methods/models.md#methods_heuristics): hiatus rule, inter-purchase-time
 * multiple, P(alive) threshold; the rule that decided; value at risk.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "cva_internal.h"

static const cva_churn_flag_opts churn_flag_defaults = {
    (uint32_t)sizeof(cva_churn_flag_opts), CVA_CHURN_RULE_ALL, 270.0, 3.0, 0.5, NULL,
};

#define CHURN_FLAG_OPTS_MIN_SIZE sizeof(cva_churn_flag_opts)

cva_status cva_churn_flag_opts_init_defaults(cva_churn_flag_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < CHURN_FLAG_OPTS_MIN_SIZE || struct_size > sizeof(cva_churn_flag_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &churn_flag_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

const char *cva_churn_rule_name(int32_t rule)
{
    switch (rule) {
    case CVA_CHURN_RULE_ALL: return "all";
    case CVA_CHURN_RULE_HIATUS: return "hiatus";
    case CVA_CHURN_RULE_IPT: return "ipt";
    case CVA_CHURN_RULE_IPT_MEDIAN: return "ipt-median";
    case CVA_CHURN_RULE_P_ALIVE: return "p-alive";
    default: return "";
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Check one input array: finite, and >= lo (NaN lo: no bound) and <= hi. */
static cva_status check_array(const double *v, size_t n, int32_t arg, double lo, double hi, const char *what_nf,
                              const char *what_range, cva_diag *diag)
{
    size_t i;
    if (!v)
        return CVA_OK;
    for (i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return cva__report(diag, CVA_E_NONFINITE, arg, 0, (int64_t)i, 0, what_nf);
        if (v[i] < lo || v[i] > hi)
            return cva__report(diag, CVA_E_BADARG, arg, 0, (int64_t)i, 0, what_range);
    }
    return CVA_OK;
}

cva_status cva_churn_flags(const double *recency, const uint32_t *n_occ, const double *first_t, const double *last_t,
                           const double *p_alive, const double *clv, size_t n, const cva_churn_flag_opts *opts,
                           int32_t *active, int32_t *rule, double *value_at_risk, double *median_ipt, cva_diag *diag)
{
    cva_churn_flag_opts o = churn_flag_defaults;
    cva_status st;
    int use_ipt, use_pa;
    double median = CVA_NAN;
    size_t i;
    uint64_t inactive = 0;

    if (opts) {
        st = cva__copy_sized(&o, sizeof o, opts, CHURN_FLAG_OPTS_MIN_SIZE);
        if (st != CVA_OK)
            return cva__report(diag, st, 8, 0, -1, 0, "opts->struct_size: use cva_churn_flag_opts_init_defaults()");
    }
    if (o.rule != CVA_CHURN_RULE_ALL && o.rule != CVA_CHURN_RULE_HIATUS && o.rule != CVA_CHURN_RULE_IPT &&
        o.rule != CVA_CHURN_RULE_P_ALIVE)
        return cva__report(diag, CVA_E_OPTION, 8, CVA_OPT_CHURN_RULE, -1, 0, "rule must be ALL, HIATUS, IPT or P_ALIVE");
    if (!isfinite(o.hiatus) || !(o.hiatus > 0.0))
        return cva__report(diag, CVA_E_OPTION, 8, CVA_OPT_CHURN_HIATUS, -1, 0, "hiatus must be > 0");
    if (!isfinite(o.ipt_multiple) || !(o.ipt_multiple > 0.0))
        return cva__report(diag, CVA_E_OPTION, 8, CVA_OPT_CHURN_IPT_MULTIPLE, -1, 0, "ipt_multiple must be > 0");
    if (!(o.threshold >= 0.0 && o.threshold <= 1.0))
        return cva__report(diag, CVA_E_OPTION, 8, CVA_OPT_CHURN_THRESHOLD, -1, 0, "threshold must be in [0, 1]");
    if (n == 0) {
        if (median_ipt)
            *median_ipt = CVA_NAN;
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    }
    if (!CVA__ROWS_FIT(n))
        return cva__report(diag, CVA_E_OVERFLOW, 7, 0, -1, 0, "n: the median work array does not fit in size_t");

    use_ipt = (o.rule == CVA_CHURN_RULE_IPT) || (o.rule == CVA_CHURN_RULE_ALL && n_occ && first_t && last_t);
    use_pa = (o.rule == CVA_CHURN_RULE_P_ALIVE) || (o.rule == CVA_CHURN_RULE_ALL && p_alive);
    if (!recency || !active)
        return cva__report(diag, CVA_E_NULLPTR, !recency ? 1 : 9, 0, -1, 0, "NULL recency or active");
    if (use_ipt && (!n_occ || !first_t || !last_t))
        return cva__report(diag, CVA_E_NULLPTR, !n_occ ? 2 : !first_t ? 3 : 4, 0, -1, 0,
                           "the ipt rule needs n_occ, first_t and last_t");
    if (use_pa && !p_alive)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, "the P(alive) rule needs p_alive");
    if (value_at_risk && (!clv || !p_alive))
        return cva__report(diag, CVA_E_NULLPTR, !clv ? 6 : 5, 0, -1, 0, "value_at_risk needs clv and p_alive");

    if ((st = check_array(recency, n, 1, 0.0, CVA_INF, "recency is NaN or infinite", "recency is negative", diag)) ||
        (st = check_array(first_t, n, 3, -CVA_INF, CVA_INF, "first_t is NaN or infinite", "", diag)) ||
        (st = check_array(last_t, n, 4, -CVA_INF, CVA_INF, "last_t is NaN or infinite", "", diag)) ||
        (st = check_array(p_alive, n, 5, 0.0, 1.0, "P(alive) is NaN or infinite", "P(alive) outside [0, 1]",
                          diag)) ||
        (st = check_array(clv, n, 6, -CVA_INF, CVA_INF, "CLV is NaN or infinite", "", diag)))
        return st;
    if (first_t && last_t)
        for (i = 0; i < n; i++)
            if (last_t[i] < first_t[i])
                return cva__report(diag, CVA_E_BADARG, 4, 0, (int64_t)i, 0, "last_t before first_t");

    if (use_ipt) {
        size_t m = 0;
        double *work = (double *)cva__alloc(o.alloc, n * sizeof(double));
        if (!work)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "median ipt work array");
        for (i = 0; i < n; i++)
            if (n_occ[i] >= 2) {
                double ipt = (last_t[i] - first_t[i]) / (double)(n_occ[i] - 1);
                if (ipt > 0.0)
                    work[m++] = ipt;
            }
        if (m > 0) {
            qsort(work, m, sizeof *work, cmp_double);
            median = (m % 2) ? work[m / 2] : 0.5 * (work[m / 2 - 1] + work[m / 2]);
        }
        cva__free(o.alloc, work);
    }

    for (i = 0; i < n; i++) {
        int32_t decided = 0;
        int out_inactive = 0;
        /* the rules in order P(alive), ipt, hiatus: the first that flags decides; an active
           customer is reported with the first rule applied */
        if (use_pa) {
            decided = CVA_CHURN_RULE_P_ALIVE;
            out_inactive = p_alive[i] < o.threshold;
        }
        if (!out_inactive && use_ipt) {
            double ipt = n_occ[i] >= 2 ? (last_t[i] - first_t[i]) / (double)(n_occ[i] - 1) : 0.0;
            int32_t code = CVA_CHURN_RULE_IPT;
            int flag;
            if (!(ipt > 0.0)) {
                ipt = median;
                code = CVA_CHURN_RULE_IPT_MEDIAN;
            }
            if (ipt > 0.0) {
                flag = recency[i] > o.ipt_multiple * ipt;
            } else { /* no median: the hiatus rule decides */
                code = CVA_CHURN_RULE_HIATUS;
                flag = recency[i] > o.hiatus;
            }
            if (!decided || flag)
                decided = code;
            out_inactive = flag;
        }
        if (!out_inactive && (o.rule == CVA_CHURN_RULE_HIATUS || o.rule == CVA_CHURN_RULE_ALL)) {
            int flag = recency[i] > o.hiatus;
            if (!decided || flag)
                decided = CVA_CHURN_RULE_HIATUS;
            out_inactive = flag;
        }
        active[i] = out_inactive ? 0 : 1;
        if (rule)
            rule[i] = decided;
        if (value_at_risk)
            value_at_risk[i] = clv[i] * (1.0 - p_alive[i]);
        inactive += (uint64_t)out_inactive;
    }
    if (median_ipt) /* written on success only: an error leaves it untouched */
        *median_ipt = use_ipt ? median : CVA_NAN;
    return cva__report(diag, CVA_OK, 0, 0, -1, inactive, NULL);
}
