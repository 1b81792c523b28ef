/*
 * libcva bench — naive reference: sort the rows with qsort by (id, t, row),
 * then one pass per customer. Deliberately simple; used as the "naive"
 * baseline and to cross-check cva_txn_summarize() in the smoke test.
 * SPDX-License-Identifier: MIT
 */
#include "naive.h"

#include <math.h>
#include <stdlib.h>

typedef struct row {
    int64_t id;
    double t;
    size_t idx;
} row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = (const row *)a, *y = (const row *)b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->t < y->t)
        return -1;
    if (x->t > y->t)
        return 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double v)
{
    double t = k->s + v;
    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

int naive_summarize(const int64_t *id, const double *t, const double *amount, size_t n,
                    naive_out *out)
{
    row *rows = (row *)malloc((n ? n : 1) * sizeof *rows);
    size_t i, j, k = 0;
    double end = -(double)INFINITY;
    if (!rows)
        return -1;
    for (i = 0; i < n; i++) {
        rows[i].id = id[i];
        rows[i].t = t[i];
        rows[i].idx = i;
        if (t[i] > end)
            end = t[i];
    }
    qsort(rows, n, sizeof *rows, cmp_row);
    for (i = 0; i < n; i = j) {
        ksum total = {0, 0}, repeat = {0, 0};
        uint32_t n_occ = 0;
        double first = rows[i].t, last = rows[i].t;
        for (j = i; j < n && rows[j].id == rows[i].id;) {
            double day = floor(rows[j].t);
            ksum spend = {0, 0};
            for (; j < n && rows[j].id == rows[i].id && floor(rows[j].t) == day; j++) {
                ksum_add(&spend, amount[rows[j].idx]);
                ksum_add(&total, amount[rows[j].idx]);
                last = rows[j].t;
            }
            if (++n_occ > 1)
                ksum_add(&repeat, spend.s + spend.c);
        }
        out->customer_id[k] = rows[i].id;
        out->n_txn[k] = (uint32_t)(j - i);
        out->first_t[k] = first;
        out->last_t[k] = last;
        out->total_amount[k] = total.s + total.c;
        out->frequency[k] = (double)(n_occ - 1);
        out->recency[k] = last - first;
        out->T[k] = end - first;
        out->monetary_value[k] = n_occ > 1 ? (repeat.s + repeat.c) / (double)(n_occ - 1) : 0.0;
        out->days_since_last[k] = end - last;
        k++;
    }
    out->n_customers = k;
    free(rows);
    return 0;
}
