/*
 * cva demo: simulate a customer base and run every analysis the library has.
 * SPDX-License-Identifier: MIT
 *
 * Phases: parse the options, simulate, summarise, compute the report (each section a
 * function filling the report model of report.h, listed in `sections` below), write it with
 * the text renderer. An analysis added to the library adds a section function here and a line
 * in that table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "cva/cva.h"
#include "dates.h"
#include "output.h"
#include "report.h"
#include "summary.h"

typedef struct demo_ctx {
    uint64_t n_customers;
    uint64_t seed;
    cva_sim_opts sim;
    size_t n_rows;
    int64_t *id;
    double *t, *amount;
    double start, end, cal_end; /* days since 1970-01-01 */
    cli_summary full;           /* whole window, weeks */
    cli_summary split;          /* calibration / holdout, weeks */
} demo_ctx;

typedef void (*demo_section_fn)(const demo_ctx *c, cli_rpt *r);

/* the exit code of the error recorded in @p e */
static int failed(const cli_err *e)
{
    return e->code ? e->code : CLI_EXIT_FAIL;
}

static double pct(double a, double b)
{
    return b > 0 ? 100.0 * a / b : 0.0;
}

/* ---- sections: each computes its figures and adds them to the report ---- */

static void sec_overview(const demo_ctx *c, cli_rpt *r)
{
    const cli_summary *s = &c->full;
    cli_rsection *sec;
    size_t k, repeaters = 0;
    uint64_t txns = 0, occ = 0;
    double revenue = 0.0, comp = 0.0;
    for (k = 0; k < s->n; k++) {
        /* Neumaier sum for the total */
        double v = s->total_amount[k], t = revenue + v;
        comp += fabs(revenue) >= fabs(v) ? (revenue - t) + v : (v - t) + revenue;
        revenue = t;
        txns += s->n_txn[k];
        occ += s->n_occ[k];
        if (s->frequency[k] > 0)
            repeaters++;
    }
    revenue += comp;
    sec = cli_rpt_section(r, "overview", "Customer base (whole period)");
    cli_rsection_figure(sec, 0, 0, "customers", cli_rv_count((double)s->n), NULL);
    cli_rsection_figure(sec, 0, 0, "transactions", cli_rv_count((double)txns), NULL);
    cli_rsection_figure(sec, 0, 0, "purchase occasions", cli_rv_count((double)occ), "(same-day purchases merged)");
    cli_rsection_figure(sec, 0, 0, "revenue", cli_rv_money(revenue), NULL);
    cli_rsection_figure(sec, 0, 0, "revenue per customer", cli_rv_money(s->n ? revenue / (double)s->n : 0.0), NULL);
    cli_rsection_figure(sec, 0, 0, "average order value", cli_rv_money(txns ? revenue / (double)txns : 0.0), NULL);
    cli_rsection_figure(sec, 0, 0, "repeat buyers", cli_rv_count((double)repeaters),
                        "(%.1f %% bought again after the first day)", pct((double)repeaters, (double)s->n));
}

static void sec_frequency(const demo_ctx *c, cli_rpt *r)
{
    static const struct {
        double lo, hi;
        const char *label;
    } bins[] = {{0, 0, "0"}, {1, 1, "1"}, {2, 2, "2"}, {3, 4, "3-4"}, {5, 9, "5-9"}, {10, 1e300, "10+"}};
    const cli_summary *s = &c->full;
    size_t counts[6] = {0, 0, 0, 0, 0, 0}, k, b;
    const char *labels[6];
    cli_rvalue values[6], shares[6];
    for (k = 0; k < s->n; k++)
        for (b = 0; b < 6; b++)
            if (s->frequency[k] >= bins[b].lo && s->frequency[k] <= bins[b].hi) {
                counts[b]++;
                break;
            }
    for (b = 0; b < 6; b++) {
        labels[b] = bins[b].label;
        values[b] = cli_rv_count((double)counts[b]);
        shares[b] = cli_rv_percent(pct((double)counts[b], (double)s->n), 1);
    }
    cli_rsection_series(cli_rpt_section(r, "frequency", "Repeat purchases per customer (frequency, whole period)"),
                        "customers by repeat purchases", 6, labels, values, shares);
}

/* ranking by revenue, descending; ties to the lower customer index */
static const double *cmp_rev;

static int cmp_revenue(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double vx = cmp_rev[x], vy = cmp_rev[y];
    if (vx > vy)
        return -1;
    if (vx < vy)
        return 1;
    return x < y ? -1 : x > y; /* ties: ascending id */
}

static void sort_by_revenue(size_t *order, size_t n, const double *revenue)
{
    cmp_rev = revenue;
    qsort(order, n, sizeof *order, cmp_revenue);
    cmp_rev = NULL;
}

static void sec_top(const demo_ctx *c, cli_rpt *r)
{
    static const cli_rcolumn cols[] = {{"rank", 4, 0, 2, 0},    {"customer", 8, 0, 2, 0},
                                       {"orders", 6, 0, 2, 0},  {"revenue", 12, 0, 2, 0},
                                       {"last purchase", 0, 1, 2, 0}};
    const cli_summary *s = &c->full;
    size_t *order = (size_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(size_t)), k, top, tenth = s->n / 10;
    double revenue = 0.0, top_rev = 0.0, tenth_rev = 0.0;
    char b1[48];
    cli_rsection *sec = cli_rpt_section(r, "concentration", "Top 10 customers by revenue");
    cli_rtable *t = cli_rsection_table(sec, "customers", cols, 5);
    for (k = 0; k < s->n; k++) {
        order[k] = k;
        revenue += s->total_amount[k];
    }
    sort_by_revenue(order, s->n, s->total_amount);
    top = s->n < 10 ? s->n : 10;
    for (k = 0; k < top; k++) {
        size_t j = order[k];
        cli_rvalue row[5];
        top_rev += s->total_amount[j];
        row[0] = cli_rv_int((int64_t)k + 1);
        row[1] = cli_rv_int(s->id[j]);
        row[2] = cli_rv_int((int64_t)s->n_txn[j]);
        row[3] = cli_rv_money(s->total_amount[j]);
        row[4] = cli_rv_date(s->last_t[j]);
        cli_rtable_row(t, row);
    }
    for (k = 0; k < tenth; k++)
        tenth_rev += s->total_amount[order[k]];
    cli_rsection_text(sec, "these 10 customers bring %s (%.2f %% of revenue); the top 10 %% bring %.1f %%",
                      cli_fmt_money(b1, top_rev), pct(top_rev, revenue), pct(tenth_rev, revenue));
    free(order);
}

static void sec_split(const demo_ctx *c, cli_rpt *r)
{
    const cli_summary *s = &c->split;
    char d2[24];
    size_t k, n = 0, active = 0, rep = 0, rep_active = 0, one = 0, one_active = 0;
    double fx = 0, tx = 0, T = 0, hold_f = 0, hold_rev = 0;
    cli_rsection *sec;
    for (k = 0; k < s->n; k++) {
        int act = s->frequency_holdout[k] > 0;
        if (isnan(s->frequency[k]))
            continue; /* no calibration purchase: left out, as `cva summary` does */
        n++;
        fx += s->frequency[k];
        tx += s->recency[k];
        T += s->T[k];
        hold_f += s->frequency_holdout[k];
        hold_rev += s->frequency_holdout[k] * s->monetary_value_holdout[k];
        active += (size_t)act;
        if (s->frequency[k] > 0) {
            rep++;
            rep_active += (size_t)act;
        } else {
            one++;
            one_active += (size_t)act;
        }
    }
    cli_format_date(c->end, d2);
    sec = cli_rpt_section(r, "split", "Calibration / holdout split");
    cli_rsection_figure(sec, 0, CLI_FIG_INLINE, "calibration period ends", cli_rv_date(c->cal_end),
                        "(%.0f weeks); holdout to %s (%.0f weeks)", (c->cal_end - c->start + 1) / 7.0, d2,
                        (s->obs_end - s->stats_end) / 7.0);
    cli_rsection_figure(sec, 0, 0, "customers", cli_rv_count((double)n), "(with a purchase in the calibration period)");
    if (n == 0)
        return;
    cli_rsection_figure(sec, 0, 0, "mean frequency x", cli_rv_number(fx / (double)n, 3),
                        "repeat occasions in calibration");
    cli_rsection_figure(sec, 0, 0, "mean recency t_x", cli_rv_number(tx / (double)n, 2), "weeks");
    cli_rsection_figure(sec, 0, 0, "mean age T", cli_rv_number(T / (double)n, 2), "weeks");
    cli_rsection_figure(sec, 0, 0, "holdout occasions", cli_rv_count(hold_f), NULL);
    cli_rsection_figure(sec, 0, 0, "holdout revenue", cli_rv_money(hold_rev), NULL);
    cli_rsection_figure(sec, 0, 0, "active in holdout", cli_rv_count((double)active), "(%.1f %% bought at least once)",
                        pct((double)active, (double)n));
    cli_rsection_figure(sec, 1, 0, "of calibration repeat buyers",
                        cli_rv_percent(pct((double)rep_active, (double)rep), 1), NULL);
    cli_rsection_figure(sec, 1, 0, "of one-time buyers", cli_rv_percent(pct((double)one_active, (double)one), 1), NULL);
}

static const cva_rfm_segment_stat *cmp_stats;

static int cmp_revenue_share(const void *a, const void *b)
{
    const cva_rfm_segment_stat *x = &cmp_stats[*(const size_t *)a], *y = &cmp_stats[*(const size_t *)b];
    double vx = isnan(x->revenue_share) ? -(double)INFINITY : x->revenue_share;
    double vy = isnan(y->revenue_share) ? -(double)INFINITY : y->revenue_share;
    if (vx > vy)
        return -1;
    if (vx < vy)
        return 1;
    return x->label < y->label ? -1 : x->label > y->label; /* ties: segment code */
}

static void sec_rfm(const demo_ctx *c, cli_rpt *r)
{
    static const cli_rcolumn cols[] = {{"segment", 20, 1, 0, 0}, {"customers", 9, 0, 1, 0},
                                       {"share", 7, 0, 1, 0},    {"R", 5, 0, 2, 0},
                                       {"F", 5, 0, 1, 0},        {"M", 5, 0, 1, 0},
                                       {"revenue share", 13, 0, 2, 0}, {"", 0, 0, 2, 1}};
    const cli_summary *s = &c->full;
    size_t n = s->n, cap = n ? n : 1, k, ns = 0;
    double *rec = (double *)cli_xmalloc(cap * sizeof(double));
    double *fr = (double *)cli_xmalloc(cap * sizeof(double));
    double *mo = (double *)cli_xmalloc(cap * sizeof(double));
    int32_t *rs = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *f = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *m = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *seg = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    cva_rfm_segment_stat stats[32];
    size_t order[32];
    cva_rfm_opts o;
    cva_status st = CVA_OK;
    cli_rsection *sec = cli_rpt_section(r, "rfm", "RFM segments (whole period; rank-first, 5 bins, RF10 grid)");

    if (cva_rfm_opts_init_defaults(&o, sizeof o) != CVA_OK)
        st = CVA_E_ABI_MISMATCH;
    if (st >= 0)
        st = cva_rfm_raw(c->end, s->last_t, s->n_txn, s->n_occ, s->total_amount, s->monetary_value, n, &o, rec,
                         fr, mo, NULL);
    if (st >= 0)
        st = cva_rfm_score(rec, fr, mo, n, &o, rs, f, m, NULL, NULL, 0, NULL);
    if (st >= 0)
        st = cva_rfm_segment(rs, f, m, n, o.bins, NULL, 0, seg, NULL);
    if (st >= 0)
        st = cva_rfm_report(seg, rs, f, m, s->total_amount, n, stats, sizeof stats / sizeof stats[0], &ns, NULL);
    if (st < 0 || n == 0) {
        cli_rsection_text(sec, "(not available: %s)", n == 0 ? "no customers" : cva_status_name(st));
    } else {
        cli_rtable *t = cli_rsection_table(sec, "segments", cols, 8);
        for (k = 0; k < ns; k++)
            order[k] = k;
        cmp_stats = stats;
        qsort(order, ns, sizeof order[0], cmp_revenue_share);
        cmp_stats = NULL;
        for (k = 0; k < ns; k++) {
            const cva_rfm_segment_stat *x = &stats[order[k]];
            double share = isnan(x->revenue_share) ? 0.0 : x->revenue_share;
            cli_rvalue row[8];
            row[0] = cli_rv_text(cva_label(x->label));
            row[1] = cli_rv_count((double)x->count);
            row[2] = cli_rv_percent(100.0 * x->share, 1);
            row[3] = cli_rv_number(x->mean_r, 2);
            row[4] = cli_rv_number(x->mean_f, 2);
            row[5] = cli_rv_number(x->mean_m, 2);
            row[6] = cli_rv_percent(100.0 * share, 1);
            row[7] = cli_rv_bar(share);
            cli_rtable_row(t, row);
        }
        cli_rsection_text(sec, "R, F, M: mean scores 1-5 (5 = most recent / most frequent / highest spend);");
        cli_rsection_text(sec, "equal values are split across bins by customer id.");
    }
    free(rec);
    free(fr);
    free(mo);
    free(rs);
    free(f);
    free(m);
    free(seg);
}

/* ---- churn and value: BG/NBD + Gamma-Gamma fitted on the calibration period ---- */

/* Per calibration customer (those with a calibration purchase), in summary order. */
typedef struct churn_data {
    size_t n;
    double *x, *tx, *T, *m, *xh, *rev; /* statistics, holdout occasions, calibration revenue */
    double *pa, *ey, *es, *clv;        /* P(alive), expected holdout purchases, spend, CLV */
    size_t *src;                       /* row of the summary */
    double hold_len;                   /* weeks */
    cva_model_fit f, g;                /* BG/NBD, Gamma-Gamma */
} churn_data;

static void churn_free(churn_data *d)
{
    free(d->x);
    free(d->tx);
    free(d->T);
    free(d->m);
    free(d->xh);
    free(d->rev);
    free(d->pa);
    free(d->ey);
    free(d->es);
    free(d->clv);
    free(d->src);
}

/* Fit and evaluate the models; CVA_W_EMPTY without customers, a negative status on failure. */
static cva_status churn_compute(const cli_summary *s, churn_data *d)
{
    size_t k, cap = s->n ? s->n : 1;
    cva_fit_opts fo;
    cva_clv_opts co;
    cva_status st;

    memset(d, 0, sizeof *d);
    d->x = (double *)cli_xmalloc(cap * sizeof(double));
    d->tx = (double *)cli_xmalloc(cap * sizeof(double));
    d->T = (double *)cli_xmalloc(cap * sizeof(double));
    d->m = (double *)cli_xmalloc(cap * sizeof(double));
    d->xh = (double *)cli_xmalloc(cap * sizeof(double));
    d->rev = (double *)cli_xmalloc(cap * sizeof(double));
    d->pa = (double *)cli_xmalloc(cap * sizeof(double));
    d->ey = (double *)cli_xmalloc(cap * sizeof(double));
    d->es = (double *)cli_xmalloc(cap * sizeof(double));
    d->clv = (double *)cli_xmalloc(cap * sizeof(double));
    d->src = (size_t *)cli_xmalloc(cap * sizeof(size_t));
    for (k = 0; k < s->n; k++) {
        size_t n = d->n;
        if (isnan(s->frequency[k]))
            continue; /* no calibration purchase */
        d->x[n] = s->frequency[k];
        d->tx[n] = s->recency[k];
        d->T[n] = s->T[k];
        d->m[n] = s->monetary_value[k];
        d->xh[n] = s->frequency_holdout[k];
        d->rev[n] = s->total_amount[k];
        d->src[n] = k;
        d->hold_len = s->duration_holdout[k];
        d->n++;
    }
    cva_fit_opts_init_defaults(&fo, sizeof fo);
    cva_model_fit_init(&d->f, sizeof d->f);
    cva_model_fit_init(&d->g, sizeof d->g);
    cva_clv_opts_init_defaults(&co, sizeof co);
    co.step_length = 30.0 / 7.0; /* 30-day months in weeks, 12 of them, 1 % per month */
    co.steps = 12;
    co.discount = 0.01;
    st = d->n ? cva_model_fit_btyd(CVA_MODEL_BGNBD, d->x, d->tx, d->T, NULL, d->n, &fo, &d->f, NULL) : CVA_W_EMPTY;
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_gg_fit(d->x, d->m, NULL, d->n, &fo, &d->g, NULL);
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_model_p_alive(CVA_MODEL_BGNBD, d->f.params, 0.0, d->x, d->tx, d->T, d->n, d->pa, NULL);
    if (st >= 0)
        st = cva_model_expected(CVA_MODEL_BGNBD, d->f.params, d->hold_len, d->x, d->tx, d->T, d->n, d->ey, NULL);
    if (st >= 0)
        st = d->g.params[1] > 1.0 ? cva_gg_expected_spend(d->g.params, d->x, d->m, d->n, d->es, NULL, NULL)
                                  : CVA_E_DOMAIN;
    if (st >= 0)
        st = cva_clv(CVA_MODEL_BGNBD, d->f.params, d->g.params, d->x, d->tx, d->T, d->m, d->n, &co, d->clv, NULL);
    return st;
}

/* The fitted parameters next to the simulation's truth. */
static void models_params(const demo_ctx *c, const churn_data *d, cli_rsection *sec)
{
    static const cli_rcolumn cols[] = {
        {"parameter", 22, 1, 0, 0}, {"true", 8, 0, 1, 0}, {"fitted", 9, 0, 1, 0}, {"std.err.", 9, 0, 1, 0}};
    const double truth[4] = {c->sim.r, c->sim.alpha, c->sim.a, c->sim.b};
    const double gtruth[3] = {c->sim.p, c->sim.q, c->sim.gamma};
    cli_rtable *t = cli_rsection_table(sec, "parameters", cols, 4);
    char name[64], b1[48];
    int i;
    for (i = 0; i < 7; i++) {
        int gg = i >= 4;
        const cva_model_fit *fit = gg ? &d->g : &d->f;
        int p = gg ? i - 4 : i;
        cli_rvalue row[4];
        snprintf(name, sizeof name, "%s %s", gg ? "Gamma-Gamma" : "BG/NBD",
                 cva_model_param_name(gg ? CVA_MODEL_GG : CVA_MODEL_BGNBD, p));
        row[0] = cli_rv_text(name);
        row[1] = cli_rv_number(gg ? gtruth[p] : truth[p], 3);
        row[2] = cli_rv_number(fit->params[p], 3);
        row[3] = cli_rv_number(fit->std_err[p], 3);
        cli_rtable_row(t, row);
    }
    cli_rsection_text(sec, "(BG/NBD log-likelihood %.1f, %u iterations; Gamma-Gamma on %s repeat buyers.",
                      d->f.log_likelihood, (unsigned)d->f.iterations, cli_fmt_count(b1, (uint64_t)d->g.n_customers));
    cli_rsection_text(sec, "Dates are days: same-day purchases merge into one occasion, a small bias.)");
}

/* Predicted vs actual holdout purchases per calibration frequency (0..6, 7+). */
static void models_holdout(const churn_data *d, cli_rsection *sec)
{
    static const char *const names[9] = {"calibration frequency", "0", "1", "2", "3", "4", "5", "6", "7+"};
    cli_rcolumn cols[9];
    cli_rvalue rows[3][9];
    double bucket_n[8], bucket_a[8], bucket_p[8], act = 0, pred = 0, alive = 0;
    char b1[48], b2[48];
    cli_rtable *t;
    size_t k;
    int i;
    for (i = 0; i < 8; i++)
        bucket_n[i] = bucket_a[i] = bucket_p[i] = 0.0;
    for (k = 0; k < d->n; k++) {
        int b = d->x[k] >= 7 ? 7 : (int)d->x[k];
        bucket_n[b] += 1;
        bucket_a[b] += d->xh[k];
        bucket_p[b] += d->ey[k];
        act += d->xh[k];
        pred += d->ey[k];
        alive += d->pa[k];
    }
    cli_rsection_text(sec, "%s", "");
    cli_rsection_text(sec, "Holdout (next %.0f weeks): predicted %s repeat purchases, actual %s (%+.1f %%)",
                      d->hold_len, cli_fmt_count(b1, (uint64_t)floor(pred + 0.5)), cli_fmt_count(b2, (uint64_t)act),
                      act > 0 ? 100.0 * (pred - act) / act : 0.0);
    for (i = 0; i < 9; i++) {
        cols[i].name = names[i];
        cols[i].width = i ? 6 : 24;
        cols[i].left = i == 0;
        cols[i].gap = 1;
        cols[i].bar = 0;
    }
    rows[0][0] = cli_rv_text("customers");
    rows[1][0] = cli_rv_text("actual per customer");
    rows[2][0] = cli_rv_text("predicted per customer");
    for (i = 0; i < 8; i++) {
        rows[0][i + 1] = cli_rv_number(bucket_n[i], 0);
        rows[1][i + 1] = cli_rv_number(bucket_n[i] > 0 ? bucket_a[i] / bucket_n[i] : 0.0, 2);
        rows[2][i + 1] = cli_rv_number(bucket_n[i] > 0 ? bucket_p[i] / bucket_n[i] : 0.0, 2);
    }
    t = cli_rsection_table(sec, "calibration frequency", cols, 9);
    for (i = 0; i < 3; i++)
        cli_rtable_row(t, rows[i]);
    cli_rsection_text(sec, "expected alive at the calibration end: %s of %s (sum of P(alive), %.1f %%)",
                      cli_fmt_count(b1, (uint64_t)floor(alive + 0.5)), cli_fmt_count(b2, d->n),
                      pct(alive, (double)d->n));
}

/* CLV totals, and the repeat buyers at risk (P(alive) < 0.5) by calibration revenue. */
static void models_at_risk(const demo_ctx *c, const churn_data *d, cli_rsection *sec, cli_rpt *r)
{
    static const cli_rcolumn cols[] = {
        {"rank", 4, 0, 2, 0},         {"customer", 8, 0, 2, 0}, {"orders", 6, 0, 2, 0},
        {"revenue", 12, 0, 2, 0},     {"last purchase", 13, 0, 2, 0}, {"P(alive)", 8, 0, 2, 0},
        {"exp. spend", 10, 0, 2, 0},  {"12-mo CLV", 9, 0, 2, 0}, {"holdout buys", 12, 0, 2, 0}};
    const cli_summary *s = &c->split;
    size_t *risk = (size_t *)cli_xmalloc((d->n ? d->n : 1) * sizeof(size_t)), k, n_risk = 0, top;
    double clv_tot = 0, clv_risk = 0;
    char b1[48], b2[48];
    cli_rtable *t;
    for (k = 0; k < d->n; k++)
        clv_tot += d->clv[k];
    for (k = 0; k < d->n; k++)
        if (d->pa[k] < 0.5 && d->x[k] > 0)
            risk[n_risk++] = k;
    sort_by_revenue(risk, n_risk, d->rev);
    for (k = 0; k < n_risk; k++)
        clv_risk += d->clv[risk[k]];
    cli_rsection_text(sec, "%s", "");
    cli_rsection_text(sec, "12-month CLV (12 steps of 30 days, 1 %% discount per step): total %s, %s per customer",
                      cli_fmt_money(b1, clv_tot), cli_fmt_money(b2, d->n ? clv_tot / (double)d->n : 0.0));
    cli_rsection_text(sec, "repeat buyers with P(alive) < 0.5: %s (their 12-month CLV %s)", cli_fmt_count(b1, n_risk),
                      cli_fmt_money(b2, clv_risk));

    sec = cli_rpt_section(r, "at-risk", "Top 10 customers at risk (P(alive) < 0.5, by calibration revenue)");
    t = cli_rsection_table(sec, "customers", cols, 9);
    top = n_risk < 10 ? n_risk : 10;
    for (k = 0; k < top; k++) {
        size_t j = risk[k];
        cli_rvalue row[9];
        row[0] = cli_rv_int((int64_t)k + 1);
        row[1] = cli_rv_int(s->id[d->src[j]]);
        row[2] = cli_rv_number(d->x[j] + 1, 0);
        row[3] = cli_rv_money(d->rev[j]);
        row[4] = cli_rv_date(s->last_t[d->src[j]]);
        row[5] = cli_rv_number(d->pa[j], 3);
        row[6] = cli_rv_money(d->es[j]);
        row[7] = cli_rv_money(d->clv[j]);
        row[8] = cli_rv_number(d->xh[j], 0);
        cli_rtable_row(t, row);
    }
    cli_rsection_text(sec, "orders = purchase occasions in the calibration period; holdout buys = what they");
    cli_rsection_text(sec, "actually did in the next 39 weeks (the model did not see it).");
    free(risk);
}

static void sec_models(const demo_ctx *c, cli_rpt *r)
{
    churn_data d;
    char b1[48];
    cli_rsection *sec = cli_rpt_section(r, "models",
                                           "Churn and value (BG/NBD + Gamma-Gamma fitted on the calibration period)");
    cva_status st = churn_compute(&c->split, &d);
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_rsection_text(sec, "(not available: %s)", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
    } else {
        cli_rsection_text(sec, "%s customers, first 39 weeks; time in weeks. Fitted vs the simulation's truth:",
                          cli_fmt_count(b1, d.n));
        models_params(c, &d, sec);
        models_holdout(&d, sec);
        models_at_risk(c, &d, sec, r);
    }
    churn_free(&d);
}

static const struct {
    const char *name;
    demo_section_fn fn;
} sections[] = {
    {"overview", sec_overview},
    {"frequency", sec_frequency},
    {"concentration", sec_top},
    {"split", sec_split},
    {"rfm", sec_rfm},
    {"models", sec_models}, /* and "at-risk" */
};

void cmd_demo_help(void)
{
    fputs("Usage: cva demo [--customers N] [--seed S] [-o FILE]\n"
          "\n"
          "Simulates a customer base with the BG/NBD purchase process and Gamma-Gamma\n"
          "spend (CDNOW parameters of Fader, Hardie & Lee: r=0.243, alpha=4.414, a=0.793,\n"
          "b=2.426; p=6.25, q=3.74, gamma=15.44): customers acquired over 12 weeks from\n"
          "1997-01-01 and observed for 78 weeks (to 1998-06-30). Then runs every analysis\n"
          "of the library on it and prints a short report: size of the customer base,\n"
          "revenue, repeat buyers, distribution of repeat purchases, top customers, and a\n"
          "calibration/holdout split at 1997-09-30 (39 + 39 weeks), the RFM segment\n"
          "table (rank-first scores, 5 bins, RF10 grid) sorted by revenue share, and the\n"
          "churn models: BG/NBD and Gamma-Gamma fitted on the calibration period (vs the\n"
          "true parameters), predicted vs actual holdout purchases by calibration\n"
          "frequency, 12-month CLV (12 steps of 30 days, 1 % discount per step) and the\n"
          "top 10 customers at risk: repeat buyers with P(alive) < 0.5 by revenue.\n"
          "\n"
          "Options:\n"
          "  --customers N   customers to simulate (default 20000)\n"
          "  --seed S        random seed (default 42); the same seed gives the same report\n"
          "  -o FILE         write the report to FILE (default stdout)\n"
          "  -q, --quiet     no notes on stderr\n",
          stdout);
}

/* Options into @p c and @p output: 0 to go on, 1 after --help, else the exit code of an error in @p err. */
static int demo_parse(int argc, char **argv, demo_ctx *c, const char **output, cli_err *err)
{
    int i;
    c->n_customers = 20000;
    c->seed = 42;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_demo_help();
            return 1;
        }
        if (cli_match_flag(argv, i, "--quiet") || cli_match_flag(argv, i, "-q")) {
            cli_quiet = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--customers", &v, err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--customers", v, &c->n_customers, err))
                return failed(err);
            if (c->n_customers == 0 || c->n_customers > 100000000)
                return cli_fail(err, CLI_EXIT_USAGE, "--customers must be between 1 and 100000000");
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--seed", &v, err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--seed", v, &c->seed, err))
                return failed(err);
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--output", &v, err)) != 0 ||
            (m = cli_match_opt(argc, argv, &i, "-o", &v, err)) != 0) {
            if (m < 0)
                return failed(err);
            *output = v;
            continue;
        }
        return cli_fail(err, CLI_EXIT_USAGE, "demo: unknown argument '%s' (see 'cva help demo')", argv[i]);
    }
    return 0;
}

/* Simulate the transactions (days since 1970-01-01, 1997-01-01 + 78 weeks). 0 or an exit code. */
static int demo_simulate(demo_ctx *c, cli_err *err)
{
    cva_diag d;
    cva_status st;
    c->start = (double)cli_days_from_civil(1997, 1, 1);
    c->end = c->start + 545.0;     /* 1998-06-30, the last day */
    c->cal_end = c->start + 272.0; /* 1997-09-30: 39 weeks */
    if (cva_sim_opts_init_defaults(&c->sim, sizeof c->sim) != CVA_OK || cva_diag_init(&d, sizeof d) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_sim_opts)");
    c->sim.seed = c->seed;
    c->sim.start = c->start;
    c->sim.end = c->start + 546.0;
    st = cva_sim_transactions(&c->sim, (size_t)c->n_customers, NULL, NULL, NULL, 0, &c->n_rows, &d);
    if (st >= 0) {
        c->id = (int64_t *)cli_xmalloc((c->n_rows ? c->n_rows : 1) * sizeof(int64_t));
        c->t = (double *)cli_xmalloc((c->n_rows ? c->n_rows : 1) * sizeof(double));
        c->amount = (double *)cli_xmalloc((c->n_rows ? c->n_rows : 1) * sizeof(double));
        st = cva_sim_transactions(&c->sim, (size_t)c->n_customers, c->id, c->t, c->amount, c->n_rows, &c->n_rows,
                                   &d);
    }
    if (st < 0)
        return cli_fail(err, CLI_EXIT_LIB, "simulation failed: %s (%s)", cva_status_name(st), d.detail ? d.detail : "");
    return 0;
}

/* The summaries of the whole window and of the calibration/holdout split, in weeks. */
static int demo_summarize(demo_ctx *c, cli_err *err)
{
    cli_txn view; /* the simulated rows, borrowed */
    cva_txn_input in;
    memset(&view, 0, sizeof view);
    view.n = c->n_rows;
    view.cid = c->id;
    view.t = c->t;
    view.amount = c->amount;
    cli_txn_input(&view, &in);
    if (cli_summary_run(&in, c->end, (double)NAN, 7.0, &c->full, err) ||
        cli_summary_run(&in, c->end, c->cal_end, 7.0, &c->split, err))
        return failed(err);
    return 0;
}

/* The report: title, what was simulated, every section, where to go next. */
static void demo_report(const demo_ctx *c, cli_rpt *r)
{
    char title[128], b1[48], b2[48], d1[24], d2[24];
    size_t k;
    snprintf(title, sizeof title, "cva demo (libcva %s): a simulated customer base", cva_version_string());
    cli_rpt_init(r, title);
    cli_format_date(c->start, d1);
    cli_format_date(c->end, d2);
    cli_rpt_line(r, 0, "%s customers acquired from %s over 12 weeks, %s transactions to %s.",
                    cli_fmt_count(b1, c->n_customers), d1, cli_fmt_count(b2, c->n_rows), d2);
    cli_rpt_line(r, 0, "Purchases: BG/NBD r=%g alpha=%g a=%g b=%g (weeks); spend: Gamma-Gamma p=%g q=%g",
                    c->sim.r, c->sim.alpha, c->sim.a, c->sim.b, c->sim.p, c->sim.q);
    cli_rpt_line(r, 0, "gamma=%g; seed %llu.", c->sim.gamma, (unsigned long long)c->seed);
    for (k = 0; k < sizeof sections / sizeof sections[0]; k++)
        sections[k].fn(c, r);
    cli_rpt_line(r, 1, "%s", "");
    cli_rpt_line(r, 1, "The same numbers for your own data: cva summary --input FILE (see cva help summary),");
    cli_rpt_line(r, 1, "cva rfm --input FILE --report (see cva help rfm), and cva predict --model bgnbd");
    cli_rpt_line(r, 1, "--input FILE --calibration-end DATE --spend gg (see cva help predict).");
}

/* Write the report as text to @p output (NULL: stdout). 0 or an exit code. */
static int demo_write(const cli_rpt *r, const char *output, cli_err *err)
{
    cli_out out;
    if (cli_out_open(&out, output, err))
        return failed(err);
    cli_rpt_write_text(out.fp, r);
    return cli_out_commit(&out, err) ? failed(err) : 0;
}

int cmd_demo(int argc, char **argv)
{
    demo_ctx c;
    cli_err err;
    cli_rpt rep;
    const char *output = NULL;
    int rc;

    memset(&c, 0, sizeof c);
    memset(&err, 0, sizeof err);
    memset(&rep, 0, sizeof rep);
    rc = demo_parse(argc, argv, &c, &output, &err);
    if (rc == 1)
        return 0;
    if (rc == 0 && (rc = demo_simulate(&c, &err)) == 0 && (rc = demo_summarize(&c, &err)) == 0) {
        demo_report(&c, &rep);
        rc = demo_write(&rep, output, &err);
    }
    cli_rpt_free(&rep);
    cli_summary_free(&c.full);
    cli_summary_free(&c.split);
    free(c.id);
    free(c.t);
    free(c.amount);
    return rc ? cli_report(&err) : 0;
}
