/*
 * cva command-line tool: the regularity models (BG/CNBD-k, MBG/CNBD-k). See cnbd_cli.h.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnbd_cli.h"

int cli_is_cnbd(int32_t model)
{
    return model == CVA_MODEL_BGCNBD || model == CVA_MODEL_MBGCNBD;
}

int cli_parse_k(const char *v, int32_t *k, cli_err *err)
{
    char *end;
    long n;
    if (strcmp(v, "auto") == 0) {
        *k = 0;
        return 0;
    }
    n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > CVA_CNBD_K_MAX) {
        cli_fail(err, CLI_EXIT_USAGE, "option --k: \"%s\" is not auto or an integer in 1..%d", v, CVA_CNBD_K_MAX);
        return -1;
    }
    *k = (int32_t)n;
    return 0;
}

typedef struct occ_rec {
    int64_t cid, period;
    double t;
} occ_rec;

static int occ_cmp(const void *pa, const void *pb)
{
    const occ_rec *a = (const occ_rec *)pa, *b = (const occ_rec *)pb;
    if (a->cid != b->cid)
        return a->cid < b->cid ? -1 : 1;
    if (a->period != b->period)
        return a->period < b->period ? -1 : 1;
    return a->t < b->t ? -1 : (a->t > b->t);
}

typedef struct id_rec {
    int64_t id;
    size_t row;
} id_rec;

static int id_cmp(const void *pa, const void *pb)
{
    const id_rec *a = (const id_rec *)pa, *b = (const id_rec *)pb;
    return a->id < b->id ? -1 : (a->id > b->id);
}

/* litt of every row of d (0 where no transactions): occasions = distinct (customer, period) up to
   the calibration end (or --end), at the time of their first row, in model units */
static int litt_from_txn(const cli_input_opts *o, const cli_txn *tx, const cli_custdata *d, double *litt)
{
    const double unit = o->week_unit ? 7.0 : 1.0;
    const double lim = !isnan(o->cal_days) ? o->cal_days : o->end_days;
    occ_rec *occ = (occ_rec *)malloc((tx->n ? tx->n : 1) * sizeof *occ);
    id_rec *ids = (id_rec *)malloc((d->n ? d->n : 1) * sizeof *ids);
    size_t i, m = 0;
    if (!occ || !ids || !d->id) {
        free(occ);
        free(ids);
        return -1;
    }
    for (i = 0; i < tx->n; i++) {
        if (!isnan(lim) && !(tx->t[i] <= lim))
            continue;
        occ[m].cid = tx->cid[i];
        occ[m].period = tx->period ? tx->period[i] : (int64_t)floor(tx->t[i]);
        occ[m].t = tx->t[i];
        m++;
    }
    qsort(occ, m, sizeof *occ, occ_cmp);
    for (i = 0; i < d->n; i++) {
        ids[i].id = d->id[i];
        ids[i].row = i;
        litt[i] = 0.0;
    }
    qsort(ids, d->n, sizeof *ids, id_cmp);
    for (i = 0; i < m;) {
        size_t j = i;
        double prev = occ[i].t, acc = 0.0;
        id_rec key, *hit;
        for (j = i + 1; j < m && occ[j].cid == occ[i].cid; j++)
            if (occ[j].period != occ[j - 1].period) {
                acc += log((occ[j].t - prev) / unit);
                prev = occ[j].t;
            }
        key.id = occ[i].cid;
        key.row = 0;
        hit = (id_rec *)bsearch(&key, ids, d->n, sizeof *ids, id_cmp);
        if (hit)
            litt[hit->row] = acc;
        i = j;
    }
    free(occ);
    free(ids);
    return 0;
}

cva_status cli_cnbd_fit(int32_t model, int32_t k, const cli_input_opts *o, const cli_txn *tx, const cli_custdata *d,
                        const cva_fit_opts *fo, cva_model_fit *fit, int32_t *k_out, cva_diag *dg)
{
    double *buf, *x, *t_x, *T, *w = NULL, *lt = NULL;
    size_t i, n = 0;
    cva_status st;
    buf = (double *)malloc(5 * (d->n ? d->n : 1) * sizeof *buf);
    if (!buf)
        return CVA_E_NOMEM;
    x = buf;
    t_x = x + d->n;
    T = t_x + d->n;
    if (d->w)
        w = T + d->n;
    if (tx) {
        lt = buf + 4 * d->n;
        if (litt_from_txn(o, tx, d, lt) != 0) {
            free(buf);
            return CVA_E_NOMEM;
        }
    }
    for (i = 0; i < d->n; i++) {
        if (isnan(d->x[i]) && isnan(d->tx[i]) && isnan(d->T[i]))
            continue; /* without a purchase in the calibration period: left out (the note says so) */
        x[n] = d->x[i];
        t_x[n] = d->tx[i];
        T[n] = d->T[i];
        if (w)
            w[n] = d->w[i];
        if (lt)
            lt[n] = lt[i];
        n++;
    }
    st = cva_cnbd_fit(model, k, 0, x, t_x, T, lt, w, n, fo, fit, k_out, dg);
    free(buf);
    return st;
}
