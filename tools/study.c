/*
 * cva command-line tool: the whole analysis of a transaction log as a report (study.h).
 * SPDX-License-Identifier: MIT
 *
 * Each section is a function computing its figures with the library and adding them to the
 * report model (report.h), with its charts aggregated to a bounded number of points; the
 * table `sections` below lists them in order. `cva demo` and `cva report` both run this
 * table. An analysis added to the library adds a section function and a line in the table.
 */
#include "study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort_txn.h"
#include "dates.h"
#include "executor.h"

typedef void (*study_section_fn)(const cli_study *c, cli_rpt *r);

/* the exit code of the error recorded in @p e */
static int failed(const cli_err *e)
{
    return e->code ? e->code : CLI_EXIT_FAIL;
}

static double pct(double a, double b)
{
    return b > 0 ? 100.0 * a / b : 0.0;
}

static int has_split(const cli_study *c)
{
    return !isnan(c->cal_end);
}

/* a customer id as shown: the number, or the text of a text id */
static cli_rvalue id_value(const cli_study *c, int64_t id, char *buf, size_t cap)
{
    if (c->ids && c->ids->text) {
        size_t len = 0;
        const char *t = cli_ids_text(c->ids, id, buf, &len);
        if (t != buf) {
            if (len >= cap)
                len = cap - 1;
            memmove(buf, t, len);
        }
        buf[len < cap ? len : cap - 1] = '\0';
        return cli_rv_text(buf);
    }
    return cli_rv_int(id);
}

/* cost and profit per customer of the whole window (the tiers' options: margin, cost
   column, cost to serve); cva_tiers_opts of the study into @p o */
static cva_status study_profit(const cli_study *c, cva_tiers_opts *o, double *cost, double *profit)
{
    const cli_summary *s = &c->full;
    cva_status st = cva_tiers_opts_init_defaults(o, sizeof *o);
    o->executor = cli_executor(); /* --threads */
    o->margin = c->margin;
    o->cost_per_order = c->cost_per_order;
    o->potential = CVA_POT_PEER_QUANTILE;
    if (st >= 0)
        st = cva_customer_profit(s->total_amount, c->cost ? s->total_cost : NULL, s->n_txn, s->n, o, cost, profit,
                                 NULL);
    return st;
}

/* at most @p max points of an n-point curve (0..n-1), the first and the last included */
static size_t thin(size_t n, size_t max, size_t k)
{
    return n <= max ? k : (size_t)floor((double)k * (double)(n - 1) / (double)(max - 1) + 0.5);
}

/* ---- sections: each computes its figures and adds them to the report ---- */

static void sec_overview(const cli_study *c, cli_rpt *r)
{
    const cli_summary *s = &c->full;
    cli_rsection *sec;
    size_t k, repeaters = 0;
    uint64_t txns = 0, occ = 0;
    double revenue = 0.0, comp = 0.0;
    char d1[24], d2[24];
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
    if (!c->sim) {
        cli_format_date(c->start, d1);
        cli_format_date(c->end, d2);
        cli_rsection_figure(sec, 0, CLI_FIG_INLINE, "period", cli_rv_text(d1), "to %s (%.0f weeks)", d2,
                            (c->end - c->start + 1.0) / 7.0);
    }
    cli_rsection_figure(sec, 0, 0, "customers", cli_rv_count((double)s->n), NULL);
    cli_rsection_figure(sec, 0, 0, "transactions", cli_rv_count((double)txns), NULL);
    cli_rsection_figure(sec, 0, 0, "purchase occasions", cli_rv_count((double)occ), "(same-day purchases merged)");
    cli_rsection_figure(sec, 0, 0, "revenue", cli_rv_money(revenue), NULL);
    cli_rsection_figure(sec, 0, 0, "revenue per customer", cli_rv_money(s->n ? revenue / (double)s->n : 0.0), NULL);
    cli_rsection_figure(sec, 0, 0, "average order value", cli_rv_money(txns ? revenue / (double)txns : 0.0), NULL);
    cli_rsection_figure(sec, 0, 0, "repeat buyers", cli_rv_count((double)repeaters),
                        "(%.1f %% bought again after the first day)", pct((double)repeaters, (double)s->n));
}

static void sec_frequency(const cli_study *c, cli_rpt *r)
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
    cli_rsection_series(cli_rpt_section_flags(r, "frequency", "Repeat purchases per customer (frequency, whole period)",
                                              CLI_SEC_SUB),
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

#define CURVE_POINTS 201 /* points of a Lorenz or whale curve in a chart */

/* the Lorenz curve of revenue, with the top-20 % point marked */
static void chart_lorenz(const cli_study *c, cli_rsection *sec)
{
    const cli_summary *s = &c->full;
    double p[CURVE_POINTS], l[CURVE_POINTS], x[CURVE_POINTS], y[CURVE_POINTS], diag[2] = {0, 100}, top = (double)NAN;
    double p20 = 0.2;
    cva_tiers_opts o;
    size_t k;
    char lab[64];
    cli_rchart *ch;
    if (cva_tiers_opts_init_defaults(&o, sizeof o) < 0 || s->n == 0 ||
        cva_lorenz(s->total_amount, s->n, &o, CURVE_POINTS, p, l, NULL) < 0 ||
        cva_top_share(s->total_amount, s->n, &p20, 1, &o, &top, NULL) < 0 || isnan(l[CURVE_POINTS - 1]))
        return;
    /* the Lorenz curve runs from the smallest values; the Pareto view from the largest:
       share of revenue of the top q of customers = 1 - L(1 - q) */
    for (k = 0; k < CURVE_POINTS; k++) {
        x[k] = 100.0 * (1.0 - p[CURVE_POINTS - 1 - k]);
        y[k] = 100.0 * (1.0 - l[CURVE_POINTS - 1 - k]);
    }
    ch = cli_rsection_chart(sec, CLI_CH_LINES, "Pareto curve: share of revenue from the best customers",
                            "customers, ranked by revenue (cumulative %)", "share of revenue (cumulative %)",
                            "Customers are ranked from the biggest spender down; the curve shows how much of all "
                            "revenue the top x %% bring. The closer the curve to the dashed line, the more evenly "
                            "revenue is spread; the marked point is the top 20 %%.");
    cli_rchart_axes(ch, CLI_RV_PERCENT, 0, CLI_RV_PERCENT, 0);
    cli_rchart_line(ch, "measured", CURVE_POINTS, x, y, 0);
    cli_rchart_line(ch, "equal spend", 2, diag, diag, 1);
    snprintf(lab, sizeof lab, "top 20 %%: %.1f %% of revenue", 100.0 * top);
    cli_rchart_mark(ch, 20.0, 100.0 * top, lab);
}

/* the whale curve of profit: cumulative profit from the most to the least profitable */
static void chart_whale(const cli_study *c, cli_rsection *sec)
{
    const cli_summary *s = &c->full;
    size_t n = s->n, nb = n ? n : 1, k, m = n < CURVE_POINTS ? n : CURVE_POINTS;
    double *cost = (double *)cli_xmalloc(nb * sizeof(double)), *profit = (double *)cli_xmalloc(nb * sizeof(double));
    double *whale = (double *)cli_xmalloc(nb * sizeof(double)), x[CURVE_POINTS + 1], y[CURVE_POINTS + 1];
    cva_tiers_opts o;
    cva_whale_stats ws;
    char lab[96];
    cli_rchart *ch;
    if (n > 0 && study_profit(c, &o, cost, profit) >= 0 && cva_whale_curve(profit, n, &o, NULL, whale, &ws, NULL) >= 0 &&
        !isnan(whale[0])) {
        x[0] = y[0] = 0.0;
        for (k = 0; k < m; k++) {
            size_t i = thin(n, CURVE_POINTS, k);
            x[k + 1] = 100.0 * (double)(i + 1) / (double)n;
            y[k + 1] = 100.0 * whale[i];
        }
        ch = cli_rsection_chart(sec, CLI_CH_LINES, "Whale curve: cumulative profit, most profitable customers first",
                                "customers, ranked by profit (cumulative %)", "share of total profit (cumulative %)",
                                "The curve climbs while customers earn money and falls where they cost more than they "
                                "bring. Its peak above 100 %% is the profit the business would make without its "
                                "loss-making customers.");
        cli_rchart_axes(ch, CLI_RV_PERCENT, 0, CLI_RV_PERCENT, 0);
        cli_rchart_line(ch, "cumulative profit", m + 1, x, y, 0);
        snprintf(lab, sizeof lab, "peak: %.1f %% of profit", 100.0 * ws.peak_height);
        if (ws.peak_index > 0)
            cli_rchart_mark(ch, 100.0 * (double)ws.peak_index / (double)n, 100.0 * ws.peak_height, lab);
    }
    free(cost);
    free(profit);
    free(whale);
}

static void sec_top(const cli_study *c, cli_rpt *r)
{
    static const cli_rcolumn cols[] = {{"rank", 4, 0, 2, 0},    {"customer", 8, 0, 2, 0},
                                       {"orders", 6, 0, 2, 0},  {"revenue", 12, 0, 2, 0},
                                       {"last purchase", 0, 1, 2, 0}};
    const cli_summary *s = &c->full;
    size_t *order = (size_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(size_t)), k, top, tenth = s->n / 10;
    double revenue = 0.0, top_rev = 0.0, tenth_rev = 0.0;
    char b1[48], idb[64];
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
        row[1] = id_value(c, s->id[j], idb, sizeof idb);
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
    if (c->charts) {
        chart_lorenz(c, sec);
        chart_whale(c, sec);
    }
}

static void sec_split(const cli_study *c, cli_rpt *r)
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
    if (!has_split(c))
        return;
    cli_format_date(c->end, d2);
    sec = cli_rpt_section(r, "models", "Calibration / holdout split");
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

/* the recency x frequency grid (customers and segment per cell) and the segments' shares */
static void rfm_charts(const cva_rfm_segment_stat *stats, const size_t *order, size_t ns, const int32_t *rs,
                       const int32_t *f, const int32_t *seg, size_t n, int bins, cli_rsection *sec)
{
    double counts[10 * 10], v[2 * 32];
    int32_t cell_seg[10 * 10];
    char *text[10 * 10], rl[10][32], cl[10][32], b1[32];
    const char *rlab[10], *clab[10], *names[32];
    static const char *const what[2] = {"share of customers", "share of revenue"};
    size_t k, i, j, nb = bins > 0 && bins <= 10 ? (size_t)bins : 0;
    cli_rchart *ch;
    if (nb == 0)
        return;
    for (k = 0; k < nb * nb; k++) {
        counts[k] = 0;
        cell_seg[k] = -1;
    }
    for (k = 0; k < n; k++) {
        /* rows: R from best (top) to worst; columns: F from low to high */
        if (rs[k] < 1 || rs[k] > (int32_t)nb || f[k] < 1 || f[k] > (int32_t)nb)
            continue;
        i = nb - (size_t)rs[k];
        j = (size_t)f[k] - 1;
        counts[i * nb + j] += 1;
        if (cell_seg[i * nb + j] < 0)
            cell_seg[i * nb + j] = seg[k];
    }
    for (i = 0; i < nb; i++) {
        snprintf(rl[i], sizeof rl[i], "R %lu", (unsigned long)(nb - i));
        snprintf(cl[i], sizeof cl[i], "F %lu", (unsigned long)(i + 1));
        rlab[i] = rl[i];
        clab[i] = cl[i];
    }
    for (k = 0; k < nb * nb; k++) {
        if (counts[k] > 0) {
            const char *name = cva_label(cell_seg[k]);
            size_t len = strlen(name) + 40;
            text[k] = (char *)cli_xmalloc(len);
            snprintf(text[k], len, "%s\n%s", name, cli_fmt_count(b1, (uint64_t)counts[k]));
        } else {
            text[k] = NULL;
            counts[k] = (double)NAN;
        }
    }
    ch = cli_rsection_chart(sec, CLI_CH_HEATMAP, "Recency x frequency: customers and segment per cell",
                            "frequency score (1 = fewest purchases, 5 = most)", "recency score",
                            "Each cell counts the customers with that recency score (row, 5 = bought most recently) "
                            "and frequency score (column). Darker cells hold more customers; the name is the RFM "
                            "segment of the cell.");
    cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_COUNT, 0);
    cli_rchart_grid(ch, nb, nb, rlab, clab, counts, (const char *const *)text);
    for (k = 0; k < nb * nb; k++)
        free(text[k]);
    if (ns > 32)
        ns = 32;
    for (k = 0; k < ns; k++) {
        const cva_rfm_segment_stat *x = &stats[order[k]];
        names[k] = cva_label(x->label);
        v[k] = 100.0 * x->share;
        v[ns + k] = isnan(x->revenue_share) ? 0.0 : 100.0 * x->revenue_share;
    }
    ch = cli_rsection_chart(sec, CLI_CH_BARS, "RFM segments: share of customers and of revenue", "segment",
                            "share (%)",
                            "For each segment, the first bar is its share of all customers and the second its share "
                            "of all revenue. Segments whose second bar is longer bring more than their number.");
    cli_rchart_axes(ch, CLI_RV_PERCENT, 0, CLI_RV_PERCENT, 1);
    cli_rchart_grid(ch, 2, ns, what, names, v, NULL);
}

static void sec_rfm(const cli_study *c, cli_rpt *r)
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
        if (c->charts)
            rfm_charts(stats, order, ns, rs, f, seg, n, o.bins, sec);
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* a row as (customer, day), sorted by both */
typedef struct day_row {
    int64_t id;
    double day;
} day_row;

static int cmp_day_row(const void *a, const void *b)
{
    const day_row *x = (const day_row *)a, *y = (const day_row *)b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* sort unless already sorted (logs usually are, by customer or by time) */
static void sort_day_rows(day_row *rows, size_t n)
{
    size_t k;
    for (k = 1; k < n; k++)
        if (cmp_day_row(&rows[k - 1], &rows[k]) > 0)
            break;
    if (k < n)
        qsort(rows, n, sizeof *rows, cmp_day_row);
}

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

/* Fit and evaluate the models on @p s (the calibration period, or the whole window without a
   split: then nothing is predicted for a holdout); CVA_W_EMPTY without customers, a negative
   status on failure. */
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
        d->xh[n] = s->has_cal ? s->frequency_holdout[k] : 0.0;
        d->rev[n] = s->total_amount[k];
        d->ey[n] = 0.0;
        d->src[n] = k;
        if (s->has_cal)
            d->hold_len = s->duration_holdout[k];
        d->n++;
    }
    cva_fit_opts_init_defaults(&fo, sizeof fo);
    cva_model_fit_init(&d->f, sizeof d->f);
    cva_model_fit_init(&d->g, sizeof d->g);
    cva_clv_opts_init_defaults(&co, sizeof co);
    fo.executor = cli_executor(); /* --threads */
    co.executor = cli_executor();
    co.step_length = 30.0 / 7.0; /* 30-day months in weeks, 12 of them, 1 % per month */
    co.steps = 12;
    co.discount = 0.01;
    st = d->n ? cva_model_fit_btyd(CVA_MODEL_BGNBD, d->x, d->tx, d->T, NULL, d->n, &fo, &d->f, NULL) : CVA_W_EMPTY;
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_gg_fit(d->x, d->m, NULL, d->n, &fo, &d->g, NULL);
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_model_p_alive(CVA_MODEL_BGNBD, d->f.params, 0.0, d->x, d->tx, d->T, d->n, d->pa, cli_predict_opts(), NULL);
    if (st >= 0 && s->has_cal)
        st = cva_model_expected(CVA_MODEL_BGNBD, d->f.params, d->hold_len, d->x, d->tx, d->T, d->n, d->ey, cli_predict_opts(), NULL);
    if (st >= 0)
        st = d->g.params[1] > 1.0 ? cva_gg_expected_spend(d->g.params, d->x, d->m, d->n, d->es, NULL, NULL)
                                  : CVA_E_DOMAIN;
    if (st >= 0)
        st = cva_clv(CVA_MODEL_BGNBD, d->f.params, d->g.params, d->x, d->tx, d->T, d->m, d->n, &co, d->clv, NULL);
    return st;
}

/* The fitted parameters with their standard errors (the demo: next to the simulation's truth). */
static void models_params(const cli_study *c, const churn_data *d, cli_rsection *sec)
{
    static const cli_rcolumn cols[] = {
        {"parameter", 22, 1, 0, 0}, {"true", 8, 0, 1, 0}, {"fitted", 9, 0, 1, 0}, {"std.err.", 9, 0, 1, 0}};
    static const cli_rcolumn fcols[] = {{"parameter", 22, 1, 0, 0}, {"fitted", 9, 0, 1, 0}, {"std.err.", 9, 0, 1, 0}};
    cli_rtable *t = c->sim ? cli_rsection_table(sec, "parameters", cols, 4) : cli_rsection_table(sec, "parameters", fcols, 3);
    char name[64], b1[48];
    int i;
    for (i = 0; i < 7; i++) {
        int gg = i >= 4;
        const cva_model_fit *fit = gg ? &d->g : &d->f;
        int p = gg ? i - 4 : i;
        cli_rvalue row[4];
        size_t m = 0;
        snprintf(name, sizeof name, "%s %s", gg ? "Gamma-Gamma" : "BG/NBD",
                 cva_model_param_name(gg ? CVA_MODEL_GG : CVA_MODEL_BGNBD, p));
        row[m++] = cli_rv_text(name);
        if (c->sim) {
            const double truth[7] = {c->sim->r, c->sim->alpha, c->sim->a, c->sim->b, c->sim->p, c->sim->q, c->sim->gamma};
            row[m++] = cli_rv_number(truth[i], 3);
        }
        row[m++] = cli_rv_number(fit->params[p], 3);
        row[m++] = cli_rv_number(fit->std_err[p], 3);
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

/* P(alive) at the fit's end over a frequency x recency grid, for a customer of the median age */
static void chart_p_alive(const churn_data *d, cli_rsection *sec)
{
    enum { NX = 11, NR = 10 };
    double *age = (double *)cli_xmalloc((d->n ? d->n : 1) * sizeof(double)), T, x[NX * NR], tx[NX * NR], tt[NX * NR];
    double pa[NX * NR];
    char rl[NR][40], cl[NX][16], title[128];
    const char *rlab[NR], *clab[NX];
    size_t k, i, j;
    cli_rchart *ch;
    memcpy(age, d->T, d->n * sizeof(double));
    qsort(age, d->n, sizeof(double), cmp_double);
    T = age[d->n / 2];
    free(age);
    if (!(T > 0))
        return;
    for (i = 0; i < NR; i++) {
        /* rows: last purchase from most recent (top) to longest ago */
        double share = 1.0 - ((double)i + 0.5) / NR;
        snprintf(rl[i], sizeof rl[i], "%.0f-%.0f weeks ago", T * (double)i / NR, T * (double)(i + 1) / NR);
        rlab[i] = rl[i];
        for (j = 0; j < NX; j++) {
            k = i * NX + j;
            x[k] = (double)j;
            tx[k] = j == 0 ? 0.0 : T * share;
            tt[k] = T;
        }
    }
    for (j = 0; j < NX; j++) {
        snprintf(cl[j], sizeof cl[j], "%lu", (unsigned long)j);
        clab[j] = cl[j];
    }
    if (cva_model_p_alive(CVA_MODEL_BGNBD, d->f.params, 0.0, x, tx, tt, NX * NR, pa, NULL, NULL) < 0)
        return;
    for (k = 0; k < NX * NR; k++)
        pa[k] *= 100.0;
    snprintf(title, sizeof title, "P(alive) by repeat purchases and time since the last one (age %.0f weeks)", T);
    ch = cli_rsection_chart(sec, CLI_CH_HEATMAP, title, "repeat purchases in the fitted period",
                            "last purchase",
                            "The chance, by the fitted BG/NBD model, that a customer of typical age (%.0f weeks) is "
                            "still active. Frequent buyers who have not bought for a long time (bottom right) are "
                            "the likeliest to have left.", T);
    cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_PERCENT, 0);
    cli_rchart_grid(ch, NR, NX, rlab, clab, pa, NULL);
}

/* Cumulative repeat purchases per week, actual and as the fitted model expects them, of the
   customers the model was fitted on (first purchase by the fit's end). Occasions are distinct
   days per customer, as in the summaries. */
static void chart_tracking(const cli_study *c, const churn_data *d, const cli_summary *s, cli_rsection *sec)
{
    enum { MAXP = 160 };
    double w0 = c->start, span = c->end + 1.0 - c->start, step, fit_end = has_split(c) ? c->cal_end : c->end;
    size_t n_w, k, i, j, nb = c->n_rows ? c->n_rows : 1;
    double *act, *births, *e, *tb, *cb, *eb, xs[MAXP + 1], ya[MAXP + 1], ye[MAXP + 1];
    size_t n_b;
    day_row *rows;
    int64_t last_id = 0;
    double last_day = 0, first_day = 0;
    int have = 0, in_fit = 0;
    cli_rchart *ch;
    char lab[64];
    if (!(span > 7.0) || d->n == 0)
        return;
    /* weeks on the x axis, at most MAXP points */
    n_w = (size_t)ceil(span / 7.0);
    step = n_w > MAXP ? ceil((double)n_w / MAXP) * 7.0 : 7.0;
    n_w = (size_t)ceil(span / step);
    act = (double *)cli_xmalloc((n_w + 1) * sizeof(double));
    for (k = 0; k <= n_w; k++)
        act[k] = 0.0;
    /* actual: repeat occasions by week of their day, from the rows sorted by customer and day */
    rows = (day_row *)cli_xmalloc(nb * sizeof(day_row));
    for (k = 0; k < c->n_rows; k++) {
        rows[k].id = c->id[k];
        rows[k].day = floor(c->t[k]);
    }
    sort_day_rows(rows, c->n_rows);
    for (k = 0; k < c->n_rows; k++) {
        if (!have || rows[k].id != last_id) {
            have = 1;
            last_id = rows[k].id;
            first_day = last_day = rows[k].day;
            in_fit = first_day <= fit_end;
            continue;
        }
        if (!(rows[k].day > last_day))
            continue; /* same day: one occasion (sorted: never earlier) */
        last_day = rows[k].day;
        if (in_fit) {
            size_t w = (size_t)floor((last_day - w0) / step) + 1;
            if (w <= n_w)
                act[w] += 1.0;
        }
        (void)first_day;
    }
    free(rows);
    for (k = 1; k <= n_w; k++)
        act[k] += act[k - 1];
    /* expected: sum over first-purchase days b of (customers born on b) x E[X(t - b)] */
    n_b = (size_t)(fit_end - c->start) + 1;
    births = (double *)cli_xmalloc(n_b * sizeof(double));
    for (k = 0; k < n_b; k++)
        births[k] = 0.0;
    for (k = 0; k < d->n; k++) {
        double b = floor(s->first_t[d->src[k]]) - c->start;
        if (b >= 0 && b < (double)n_b)
            births[(size_t)b] += 1.0;
    }
    e = (double *)cli_xmalloc((n_w + 1) * sizeof(double));
    tb = (double *)cli_xmalloc(n_b * sizeof(double));
    cb = (double *)cli_xmalloc(n_b * sizeof(double));
    eb = (double *)cli_xmalloc(n_b * sizeof(double));
    for (k = 0; k <= n_w; k++) {
        double ends = (double)k * step; /* days since the start at the end of point k */
        size_t m = 0;
        e[k] = 0.0;
        for (i = 0; i < n_b; i++)
            if (births[i] > 0 && (double)i < ends) {
                tb[m] = (ends - (double)i) / 7.0;
                cb[m++] = births[i];
            }
        if (m > 0 && cva_model_expected_pop(CVA_MODEL_BGNBD, d->f.params, tb, m, eb, NULL) >= 0)
            for (i = 0; i < m; i++)
                e[k] += cb[i] * eb[i];
    }
    free(tb);
    free(cb);
    free(eb);
    free(births);
    for (k = 0, j = 0; k <= n_w && j <= MAXP; k++, j++) {
        xs[j] = (double)k * step / 7.0;
        ya[j] = act[k];
        ye[j] = e[k];
    }
    free(act);
    free(e);
    ch = cli_rsection_chart(sec, CLI_CH_LINES, "Tracking: cumulative repeat purchases, actual and expected",
                            "weeks since the first day of the data", "repeat purchases (cumulative)",
                            "The solid line counts the repeat purchases the customers made; the dashed line is what the "
                            "fitted model expects for them. %s",
                            has_split(c) ? "After the marked calibration end the model has not seen the data: the "
                                           "closer the lines stay there, the better it predicts."
                                         : "Both cover the data the model was fitted on (no calibration end given).");
    cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_COUNT, 0);
    cli_rchart_line(ch, "actual", j, xs, ya, 0);
    cli_rchart_line(ch, "expected (BG/NBD)", j, xs, ye, 1);
    if (has_split(c)) {
        double wc = (c->cal_end + 1.0 - c->start) / 7.0;
        size_t q = (size_t)floor(wc * 7.0 / step);
        snprintf(lab, sizeof lab, "calibration end");
        if (q < j)
            cli_rchart_mark(ch, xs[q], ya[q], lab);
    }
}

/* CLV totals, and the repeat buyers at risk (P(alive) < 0.5) by revenue in the fitted period. */
static void models_at_risk(const cli_study *c, const churn_data *d, const cli_summary *s, cli_rsection *sec,
                           cli_rpt *r)
{
    static const cli_rcolumn cols[] = {
        {"rank", 4, 0, 2, 0},         {"customer", 8, 0, 2, 0}, {"orders", 6, 0, 2, 0},
        {"revenue", 12, 0, 2, 0},     {"last purchase", 13, 0, 2, 0}, {"P(alive)", 8, 0, 2, 0},
        {"exp. spend", 10, 0, 2, 0},  {"12-mo CLV", 9, 0, 2, 0}, {"holdout buys", 12, 0, 2, 0}};
    size_t *risk = (size_t *)cli_xmalloc((d->n ? d->n : 1) * sizeof(size_t)), k, n_risk = 0, top;
    double clv_tot = 0, clv_risk = 0, bars[10];
    char b1[48], b2[48], idb[10][64];
    const char *names[10];
    static const char *const what[1] = {"12-month CLV"};
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

    sec = cli_rpt_section(r, "at-risk", has_split(c) ? "Top 10 customers at risk (P(alive) < 0.5, by calibration revenue)"
                                                     : "Top 10 customers at risk (P(alive) < 0.5, by revenue)");
    t = cli_rsection_table(sec, "customers", cols, has_split(c) ? 9 : 8);
    top = n_risk < 10 ? n_risk : 10;
    for (k = 0; k < top; k++) {
        size_t j = risk[k];
        cli_rvalue row[9];
        row[0] = cli_rv_int((int64_t)k + 1);
        row[1] = id_value(c, s->id[d->src[j]], idb[k], sizeof idb[k]);
        row[2] = cli_rv_number(d->x[j] + 1, 0);
        row[3] = cli_rv_money(d->rev[j]);
        row[4] = cli_rv_date(s->last_t[d->src[j]]);
        row[5] = cli_rv_number(d->pa[j], 3);
        row[6] = cli_rv_money(d->es[j]);
        row[7] = cli_rv_money(d->clv[j]);
        row[8] = cli_rv_number(d->xh[j], 0);
        cli_rtable_row(t, row);
        {
            cli_rvalue v = id_value(c, s->id[d->src[j]], idb[k], sizeof idb[k]);
            if (v.kind == CLI_RV_INT)
                snprintf(idb[k], sizeof idb[k], "%lld", (long long)v.i);
        }
        names[k] = idb[k];
        bars[k] = d->clv[j];
    }
    if (has_split(c)) {
        cli_rsection_text(sec, "orders = purchase occasions in the calibration period; holdout buys = what they");
        cli_rsection_text(sec, "actually did in the next %.0f weeks (the model did not see it).", d->hold_len);
    } else {
        cli_rsection_text(sec, "orders = purchase occasions; no calibration end was given, so nothing was held out.");
    }
    if (c->charts && top > 0) {
        cli_rchart *ch = cli_rsection_chart(sec, CLI_CH_BARS, "What the customers at risk are still worth", "customer",
                                            "expected value in the next 12 months ($)",
                                            "The 12-month customer lifetime value the model still expects from each "
                                            "customer in the list above. It is what a successful win-back could keep; "
                                            "it is low when the customer has probably left already.");
        cli_rchart_axes(ch, CLI_RV_MONEY, 0, CLI_RV_MONEY, 0);
        cli_rchart_grid(ch, 1, top, what, names, bars, NULL);
    }
    free(risk);
}

static void sec_models(const cli_study *c, cli_rpt *r)
{
    churn_data d;
    char b1[48];
    const cli_summary *s = has_split(c) ? &c->split : &c->full;
    cli_rsection *sec = has_split(c)
                            ? cli_rpt_section_flags(r, "churn",
                                                    "Churn and value (BG/NBD + Gamma-Gamma fitted on the calibration period)",
                                                    CLI_SEC_SUB)
                            : cli_rpt_section(r, "models", "Churn and value (BG/NBD + Gamma-Gamma fitted on the whole period)");
    cva_status st = churn_compute(s, &d);
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_rsection_text(sec, "(not available: %s)", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
    } else {
        cli_rsection_text(sec, "%s customers, first %.0f weeks; time in weeks. %s", cli_fmt_count(b1, d.n),
                          ((has_split(c) ? c->cal_end : c->end) - c->start + 1.0) / 7.0,
                          c->sim ? "Fitted vs the simulation's truth:" : "Fitted parameters:");
        models_params(c, &d, sec);
        if (has_split(c))
            models_holdout(&d, sec);
        if (c->charts) {
            chart_tracking(c, &d, s, sec);
            chart_p_alive(&d, sec);
        }
        models_at_risk(c, &d, s, sec, r);
    }
    churn_free(&d);
}

/* ---- value concentration and tiers (issue [6]) ---- */

/* one row of the tier table per code: customers, share of customers, of profit, mean profit;
   the shares (percent) also into @p cust_pct and @p value_pct */
static void tiers_rows(cli_rtable *t, const char *scheme, const int32_t *label, const double *profit, size_t n,
                       const int32_t *codes, size_t n_codes, double *cust_pct, double *value_pct)
{
    cva_tier_stat st[4];
    size_t i;
    for (i = 0; i < n_codes; i++)
        cust_pct[i] = value_pct[i] = (double)NAN;
    if (cva_tier_stats(label, profit, n, codes, n_codes, st, NULL) < 0)
        return;
    for (i = 0; i < n_codes; i++) {
        cli_rvalue row[6];
        cust_pct[i] = pct((double)st[i].count, (double)n);
        value_pct[i] = 100.0 * st[i].value_share;
        row[0] = cli_rv_text(i ? "" : scheme);
        row[1] = cli_rv_text(cva_label(codes[i]));
        row[2] = cli_rv_count((double)st[i].count);
        row[3] = cli_rv_percent(pct((double)st[i].count, (double)n), 1);
        row[4] = cli_rv_percent(100.0 * st[i].value_share, 1);
        row[5] = st[i].count ? cli_rv_money(st[i].mean) : cli_rv_text("");
        cli_rtable_row(t, row);
    }
}

/* the popular rules of thumb next to the measured values */
static void tiers_claims(cli_rsection *sec, const cva_profit_diag *pd)
{
    static const cli_rcolumn cols[] = {
        {"rule of thumb", 40, 1, 0, 0}, {"said", 6, 0, 2, 0}, {"measured", 9, 0, 2, 0}};
    cli_rtable *t = cli_rsection_table(sec, "claims", cols, 3);
    cli_rvalue row[3];
    row[0] = cli_rv_text("top 20 % share of revenue");
    row[1] = cli_rv_percent(80.0, 0);
    row[2] = cli_rv_percent(100.0 * pd->top_revenue_share, 1);
    cli_rtable_row(t, row);
    row[0] = cli_rv_text("top 20 % share of profit");
    row[1] = cli_rv_percent(90.0, 0);
    row[2] = cli_rv_percent(100.0 * pd->top_profit_share, 1);
    cli_rtable_row(t, row);
    row[0] = cli_rv_text("top 20 %: profit / their cost (x)");
    row[1] = cli_rv_number(8.0, 1);
    row[2] = cli_rv_number(pd->top_profit_to_cost, 2);
    cli_rtable_row(t, row);
    row[0] = cli_rv_text("bottom 20 %: cost / their revenue (x)");
    row[1] = cli_rv_number(4.0, 1);
    row[2] = cli_rv_number(pd->bottom_cost_to_revenue, 2);
    cli_rtable_row(t, row);
}

static void sec_tiers(const cli_study *c, cli_rpt *r)
{
    static const double p[5] = {0.01, 0.05, 0.10, 0.20, 0.50};
    static const char *const pname[5] = {"top 1 %", "top 5 %", "top 10 %", "top 20 %", "top 50 %"};
    static const cli_rcolumn scols[] = {{"customers", 10, 1, 0, 0}, {"share of revenue", 16, 0, 2, 0},
                                        {"share of profit", 15, 0, 2, 0}};
    static const cli_rcolumn tcols[] = {{"scheme", 8, 1, 0, 0},     {"tier", 9, 1, 2, 0},
                                        {"customers", 9, 0, 2, 0},  {"% customers", 11, 0, 2, 0},
                                        {"% profit", 8, 0, 2, 0},   {"mean profit", 11, 0, 2, 0}};
    static const int32_t cls_codes[4] = {CVA_TIER_MVC, CVA_TIER_MGC, CVA_TIER_BZ, CVA_TIER_OTHER};
    static const int32_t grade_codes[3] = {CVA_TIER_KEY, CVA_TIER_ORDINARY, CVA_TIER_SMALL};
    static const int32_t pyr_codes[4] = {CVA_TIER_PLATINUM, CVA_TIER_GOLD, CVA_TIER_IRON, CVA_TIER_LEAD};
    const cli_summary *s = &c->full;
    size_t n = s->n, k, nb = n ? n : 1;
    double *cost = (double *)cli_xmalloc(nb * sizeof(double)), *profit = (double *)cli_xmalloc(nb * sizeof(double));
    int32_t *cls = (int32_t *)cli_xmalloc(nb * sizeof(int32_t)), *grade = (int32_t *)cli_xmalloc(nb * sizeof(int32_t));
    int32_t *pyr = (int32_t *)cli_xmalloc(nb * sizeof(int32_t));
    int64_t *group = (int64_t *)cli_xmalloc(nb * sizeof(int64_t));
    double rs[5], ps[5], g_rev = 0, g_prof = 0, g_pos = 0, bars[22];
    cva_tiers_opts o, opos;
    cva_profit_diag pd;
    cva_whale_stats ws;
    cva_status st;
    char b1[48], b2[48];
    /* the concentration figures and the rules of thumb continue the concentration section
       (a sub-section on the page, right after the top customers); the tiers follow */
    cli_rsection *sec = cli_rpt_section_flags(r, "concentration-profit", "Value concentration (whole period)",
                                              CLI_SEC_SUB);
    cli_rtable *t;

    st = study_profit(c, &o, cost, profit);
    opos = o;
    opos.flags = CVA_TIERS_GINI_POSITIVE_PART;
    for (k = 0; k < n; k++)
        group[k] = cli_cohort_period(s->first_t[k], CLI_CPER_MONTH);
    if (st >= 0)
        st = cva_top_share(s->total_amount, n, p, 5, &o, rs, NULL);
    if (st >= 0)
        st = cva_top_share(profit, n, p, 5, &o, ps, NULL);
    if (st >= 0)
        st = cva_gini(s->total_amount, n, &o, &g_rev, NULL);
    if (st >= 0)
        st = cva_gini(profit, n, &o, &g_prof, NULL);
    if (st >= 0)
        st = cva_gini(profit, n, &opos, &g_pos, NULL);
    if (st >= 0)
        st = cva_whale_curve(profit, n, &o, NULL, NULL, &ws, NULL);
    if (st >= 0)
        st = cva_profit_diagnostics(s->total_amount, cost, n, &o, &pd, NULL);
    if (st >= 0)
        st = cva_value_classes(profit, NULL, NULL, group, n, &o, cls, NULL, NULL);
    if (st >= 0)
        st = cva_grade(profit, n, &o, grade, NULL);
    if (st >= 0)
        st = cva_pyramid(profit, n, &o, pyr, NULL);
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_rsection_text(sec, "(not available: %s)", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
        sec = cli_rpt_section(r, "tiers", "Value tiers (whole period)");
        cli_rsection_text(sec, "(not available: %s)", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
    } else {
        if (c->sim) {
            cli_rsection_text(sec, "The simulation has no costs: profit assumes a %.0f %% gross margin and $%.2f cost "
                              "to serve", 100.0 * c->margin, c->cost_per_order);
            cli_rsection_text(sec, "per order (profit = %.2f x revenue - %.2f x orders), as cva tiers --margin %.2f "
                              "--cost-per-order %g.", c->margin, c->cost_per_order, c->margin, c->cost_per_order);
        } else if (!isnan(c->margin)) {
            cli_rsection_text(sec, "Profit = %.2f x revenue - %.2f x orders (as cva tiers --margin %g --cost-per-order %g).",
                              c->margin, c->cost_per_order, c->margin, c->cost_per_order);
        } else if (c->cost) {
            cli_rsection_text(sec, "Profit = revenue - the cost column%s (as cva tiers --cost-col).",
                              c->cost_per_order > 0 ? " - the cost to serve per order" : "");
        } else {
            cli_rsection_text(sec, "No costs were given (--cost-col or --margin): profit here is the revenue, so no "
                              "customer can show a loss.");
        }
        t = cli_rsection_table(sec, "top shares", scols, 3);
        for (k = 0; k < 5; k++) {
            cli_rvalue row[3];
            row[0] = cli_rv_text(pname[k]);
            row[1] = cli_rv_percent(100.0 * rs[k], 1);
            row[2] = cli_rv_percent(100.0 * ps[k], 1);
            cli_rtable_row(t, row);
        }
        cli_rsection_figure(sec, 0, 0, "Gini of revenue", cli_rv_number(g_rev, 3), NULL);
        cli_rsection_figure(sec, 0, 0, "Gini of profit", cli_rv_number(g_prof, 3),
                            "(with the losses; above 1 when losses are large)");
        cli_rsection_figure(sec, 0, 0, "positive-part Gini", cli_rv_number(g_pos, 3),
                            "(of profit, losses counted as 0)");
        cli_rsection_figure(sec, 0, 0, "total profit", cli_rv_money(ws.total), NULL);
        cli_rsection_figure(sec, 0, 0, "whale curve peak", cli_rv_count((double)ws.peak_index),
                            "(the %s most profitable customers earn %.1f %% of the total profit)",
                            cli_fmt_count(b1, (uint64_t)ws.peak_index), 100.0 * ws.peak_height);
        cli_rsection_figure(sec, 0, 0, "unprofitable customers", cli_rv_percent(100.0 * ws.unprofitable_share, 1),
                            NULL);
        cli_rsection_figure(sec, 0, 0, "profit destroyed", cli_rv_percent(100.0 * ws.profit_destroyed, 1),
                            "(of the total profit, lost on the unprofitable customers)");
        cli_rsection_text(sec, "%s", "");
        cli_rsection_text(sec, "Rules of thumb, measured (top and bottom 20 %% = %s customers each):",
                          cli_fmt_count(b2, (uint64_t)pd.top_count));
        tiers_claims(sec, &pd);
        if (!isnan(c->margin) && c->margin < 1.0) {
            cli_rsection_text(sec, "(with a %.0f %% margin, profit / cost of any customer stays below %.2f: the 8x "
                              "claim", 100.0 * c->margin, c->margin / (1.0 - c->margin));
            cli_rsection_text(sec, "cannot hold here; it is a bank's figure, with costs mostly fixed per customer.)");
        }
        sec = cli_rpt_section(r, "tiers", "Value tiers (whole period)");
        t = cli_rsection_table(sec, "tiers", tcols, 6);
        tiers_rows(t, "class", cls, profit, n, cls_codes, 4, bars, bars + 11);
        tiers_rows(t, "grade", grade, profit, n, grade_codes, 3, bars + 4, bars + 15);
        tiers_rows(t, "pyramid", pyr, profit, n, pyr_codes, 4, bars + 7, bars + 18);
        cli_rsection_text(sec, "class: BZ = profit below 0, MVC = top 20 %% by profit, MGC = the 30 %% with the largest");
        cli_rsection_text(sec, "gap to their potential (the 90th percentile of profit among customers acquired in the");
        cli_rsection_text(sec, "same month); grade 20/30/50 %% by profit; pyramid 20/30 %% with LEAD = loss-making.");
        if (c->charts) {
            static const char *const what[2] = {"share of customers", "share of profit"};
            const char *names[11];
            cli_rchart *ch;
            for (k = 0; k < 4; k++) {
                names[k] = cva_label(cls_codes[k]);
                names[7 + k] = cva_label(pyr_codes[k]);
            }
            for (k = 0; k < 3; k++)
                names[4 + k] = cva_label(grade_codes[k]);
            ch = cli_rsection_chart(sec, CLI_CH_BARS, "Tiers: share of customers and of profit", "tier", "share (%)",
                                    "Each tier's first bar is its share of the customers, the second its share of the "
                                    "profit. A few tiers at the top bring most of the profit; the loss-makers (BZ, "
                                    "LEAD) take some away.");
            cli_rchart_axes(ch, CLI_RV_PERCENT, 0, CLI_RV_PERCENT, 1);
            cli_rchart_grid(ch, 2, 11, what, names, bars, NULL);
        }
    }
    free(cost);
    free(profit);
    free(cls);
    free(grade);
    free(pyr);
    free(group);
}

/* ---- retention: monthly cohorts, sBG, the retention what-if (issue [7]) ---- */

#define DEMO_COHORT_MONTHS 6

/* the simulated rows as library input (borrowed) */
static void demo_txn_in(const cli_study *c, cva_txn_input *in, const int64_t *period)
{
    memset(in, 0, sizeof *in);
    in->struct_size = sizeof *in;
    in->n = c->n_rows;
    in->customer_id = c->id;
    in->t = c->t;
    in->amount = c->amount;
    in->period = period;
}

#define CHART_COHORTS 24 /* the latest cohorts and months drawn */

/* the cohort heatmap (retained share by cohort and month since acquisition) and the pooled
   retention curve next to the fitted sBG curve */
static void retention_charts(const cva_cohort_table *ct, const double *pooled, const double *sbg_params,
                             cli_rsection *sec)
{
    size_t nc = ct->n_cohorts, first = nc, rows = 0, k, j;
    size_t cols = nc - 1 < CHART_COHORTS ? nc - 1 : CHART_COHORTS;
    double *v = (double *)cli_xmalloc((CHART_COHORTS * cols > 0 ? CHART_COHORTS * cols : 1) * sizeof(double));
    double x[CHART_COHORTS], yp[CHART_COHORTS], ys[CHART_COHORTS];
    char rl[CHART_COHORTS][32], cl[CHART_COHORTS][8];
    const char *rlab[CHART_COHORTS], *clab[CHART_COHORTS];
    cli_rchart *ch;
    if (cols == 0)
        goto done;
    /* the latest CHART_COHORTS cohorts that acquired anybody */
    while (first > 0 && rows < CHART_COHORTS) {
        first--;
        rows += ct->size[first] > 0;
    }
    rows = 0;
    for (k = first; k < nc; k++) {
        int64_t y = ct->period[k] / 12, m = ct->period[k] % 12 + 1;
        if (!(ct->size[k] > 0))
            continue;
        snprintf(rl[rows], sizeof rl[rows], "%04lld-%02lld", (long long)y, (long long)m);
        rlab[rows] = rl[rows];
        for (j = 0; j < cols; j++) {
            double r = k + j + 1 < nc ? ct->retained[k * nc + j + 1] : (double)NAN;
            v[rows * cols + j] = !isnan(r) ? pct(r, ct->size[k]) : (double)NAN;
        }
        rows++;
    }
    for (j = 0; j < cols; j++) {
        snprintf(cl[j], sizeof cl[j], "%lu", (unsigned long)(j + 1));
        clab[j] = cl[j];
    }
    ch = cli_rsection_chart(sec, CLI_CH_HEATMAP, "Cohort retention: share of each month's new customers buying again",
                            "months since the first purchase", "cohort (month of first purchase)",
                            "Each row is the customers acquired in one month; each cell the share of them who bought in "
                            "that month after acquisition or later. Darker is better; the empty corner is the future.");
    cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_PERCENT, 0);
    cli_rchart_grid(ch, rows, cols, rlab, clab, v, NULL);
    for (j = 0; j < cols; j++) {
        x[j] = (double)(j + 1);
        yp[j] = isnan(pooled[j]) ? (double)NAN : 100.0 * pooled[j];
    }
    ch = cli_rsection_chart(sec, CLI_CH_LINES, "Retention curve: measured (all cohorts pooled) and the sBG fit",
                            "months since the first purchase", "customers retained (%)",
                            "The solid line is the share of customers still buying after so many months, over all "
                            "cohorts; the dashed line is the shifted-beta-geometric model fitted to them, which can be "
                            "carried forward.");
    cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_PERCENT, 0);
    cli_rchart_line(ch, "measured (pooled)", cols, x, yp, 0);
    if (sbg_params && cva_sbg_curves(sbg_params, cols, ys, NULL, NULL, NULL) >= 0) {
        for (j = 0; j < cols; j++)
            ys[j] *= 100.0;
        cli_rchart_line(ch, "sBG fit", cols, x, ys, 1);
    }
done:
    free(v);
}

/* the monthly cohort table (retained share per month since acquisition), pooled and sBG rows */
static void retention_cohorts(const cli_study *c, cli_rsection *sec)
{
    cli_rcolumn cols[2 + DEMO_COHORT_MONTHS];
    static const char *const mnames[DEMO_COHORT_MONTHS] = {"month 1", "month 2", "month 3",
                                                           "month 4", "month 5", "month 6"};
    cva_txn_input in;
    cva_txn_opts to;
    cva_cohort_table ct;
    cva_model_fit fit;
    int64_t *per = (int64_t *)cli_xmalloc((c->n_rows ? c->n_rows : 1) * sizeof(int64_t));
    double *pooled = NULL, sbg[DEMO_COHORT_MONTHS];
    size_t k, nc, j;
    cva_status st, fst = CVA_E_DOMAIN;
    char lab[32], b1[48];
    cli_rtable *t;
    memset(&ct, 0, sizeof ct);
    for (k = 0; k < c->n_rows; k++)
        per[k] = cli_cohort_period(c->t[k], CLI_CPER_MONTH);
    demo_txn_in(c, &in, per);
    st = cva_txn_opts_init_defaults(&to, sizeof to);
    if (st >= 0)
        st = cva_cohort_table_init(&ct, sizeof ct);
    to.obs_end = c->end;
    if (st >= 0)
        st = cva_txn_cohorts(&in, &to, &ct, NULL, 0, NULL);
    if (st == CVA_E_BUFFER_TOO_SMALL) {
        nc = ct.n_cohorts;
        ct.capacity = nc;
        ct.period = (int64_t *)cli_xmalloc(nc * sizeof(int64_t));
        ct.size = (double *)cli_xmalloc(nc * sizeof(double));
        ct.retained = (double *)cli_xmalloc(nc * nc * sizeof(double));
        st = cva_txn_cohorts(&in, &to, &ct, NULL, 0, NULL);
    }
    if (st < 0 || st == CVA_W_EMPTY || ct.n_cohorts < 2) {
        cli_rsection_text(sec, "(cohort table not available: %s)",
                          st < 0 ? cva_status_name(st) : "fewer than two months of data");
        goto done;
    }
    nc = ct.n_cohorts;
    pooled = (double *)cli_xmalloc(nc * sizeof(double));
    if (cva_cohort_curves(ct.retained, nc, nc, NULL, pooled, NULL, NULL) < 0)
        for (j = 0; j < nc; j++)
            pooled[j] = (double)NAN;
    cva_model_fit_init(&fit, sizeof fit);
    fst = cva_sbg_fit(ct.retained, nc, nc, NULL, &fit, NULL);
    if (fst < 0 || cva_sbg_curves(fit.params, DEMO_COHORT_MONTHS, sbg, NULL, NULL, NULL) < 0)
        for (j = 0; j < DEMO_COHORT_MONTHS; j++)
            sbg[j] = (double)NAN;
    cli_rsection_text(sec, "Acquisition cohorts by calendar month (%s customers); retained = bought in that month",
                      cli_fmt_count(b1, ct.n_customers));
    cli_rsection_text(sec, "since acquisition or any later one, as a share of the cohort (as cva retention --cohort month).");
    cols[0].name = "cohort";
    cols[0].width = 14;
    cols[0].left = 1;
    cols[0].gap = 0;
    cols[0].bar = 0;
    cols[1].name = "customers";
    cols[1].width = 9;
    cols[1].left = 0;
    cols[1].gap = 2;
    cols[1].bar = 0;
    for (j = 0; j < DEMO_COHORT_MONTHS; j++) {
        cols[2 + j].name = mnames[j];
        cols[2 + j].width = 7;
        cols[2 + j].left = 0;
        cols[2 + j].gap = 2;
        cols[2 + j].bar = 0;
    }
    t = cli_rsection_table(sec, "cohorts", cols, 2 + DEMO_COHORT_MONTHS);
    for (k = 0; k < nc; k++) {
        cli_rvalue row[2 + DEMO_COHORT_MONTHS];
        int64_t y = ct.period[k] / 12, m = ct.period[k] % 12 + 1;
        if (!(ct.size[k] > 0))
            continue;
        snprintf(lab, sizeof lab, "%04lld-%02lld", (long long)y, (long long)m);
        row[0] = cli_rv_text(lab);
        row[1] = cli_rv_count(ct.size[k]);
        for (j = 0; j < DEMO_COHORT_MONTHS; j++) {
            double v = j + 1 < nc ? ct.retained[k * nc + j + 1] : (double)NAN;
            memset(&row[2 + j], 0, sizeof row[2 + j]);
            if (!isnan(v))
                row[2 + j] = cli_rv_percent(pct(v, ct.size[k]), 1);
        }
        cli_rtable_row(t, row);
    }
    {
        cli_rvalue row[2 + DEMO_COHORT_MONTHS];
        memset(row, 0, sizeof row);
        row[0] = cli_rv_text("pooled");
        row[1] = cli_rv_count((double)ct.n_customers);
        for (j = 0; j < DEMO_COHORT_MONTHS; j++)
            if (j < nc - 1 && !isnan(pooled[j]))
                row[2 + j] = cli_rv_percent(100.0 * pooled[j], 1);
        cli_rtable_row(t, row);
        memset(row, 0, sizeof row);
        row[0] = cli_rv_text("sBG fit");
        for (j = 0; j < DEMO_COHORT_MONTHS; j++)
            if (!isnan(sbg[j]))
                row[2 + j] = cli_rv_percent(100.0 * sbg[j], 1);
        cli_rtable_row(t, row);
    }
    if (fst >= 0) {
        for (j = 0; j < 2; j++) {
            if (isfinite(fit.std_err[j]))
                cli_rsection_figure(sec, 0, 0, j ? "sBG beta" : "sBG alpha", cli_rv_number(fit.params[j], 3),
                                    "(std. err. %.3f)", fit.std_err[j]);
            else
                cli_rsection_figure(sec, 0, 0, j ? "sBG beta" : "sBG alpha", cli_rv_number(fit.params[j], 3), NULL);
        }
        cli_rsection_figure(sec, 0, 0, "retention after month 1", cli_rv_percent(100.0 * sbg[0], 1),
                            "(fitted; it rises with tenure: r_t = (beta + t - 1) / (alpha + beta + t - 1))");
        cli_rsection_text(sec, "(sBG fitted on all %lu monthly cohorts, %lu months, by cva_sbg_fit%s%s; months near the",
                          (unsigned long)nc, (unsigned long)nc, fst == CVA_OK ? "" : ", with the warning ",
                          fst == CVA_OK ? "" : cva_status_name(fst));
        cli_rsection_text(sec, "data end count live customers who have not bought yet as lost.)");
    } else {
        cli_rsection_text(sec, "(sBG fit not available: %s)", cva_status_name(fst));
    }
    if (c->charts)
        retention_charts(&ct, pooled, fst >= 0 ? fit.params : NULL, sec);
done:
    free(per);
    free(pooled);
    free(ct.period);
    free(ct.size);
    free(ct.retained);
}

#define DEMO_HALF_YEAR 182.0
#define DEMO_DISCOUNT 0.05   /* per half-year, about 10 % a year */
#define DEMO_DELTA_R 0.05    /* five points of retention, as in the worked example of docs/methods/retention.md#methods_retention */

/* N, m and r of the last two half-years of the log (as cva whatif --input --period-days 182
   estimates them), then the what-if of +5 points of retention */
static void retention_whatif(const cli_study *c, cli_rsection *sec)
{
    static const cli_rcolumn cols[] = {{"per half-year", 32, 1, 0, 0}, {"baseline", 13, 0, 2, 0},
                                        {"+5 points", 13, 0, 2, 0},     {"change", 8, 0, 2, 0}};
    double E = c->end, t1 = E - DEMO_HALF_YEAR;
    double n_last, n_prev, n_both, msum;
    cli_period_buyers pb;
    cva_whatif_inputs in;
    cva_whatif_result w;
    cva_status st;
    char d0[24], d1[24], b1[48];
    cli_rtable *t;
    cli_period_buyers_count(c->id, c->t, c->amount, isnan(c->margin) ? c->cost : NULL, c->n_rows, E, DEMO_HALF_YEAR,
                            isnan(c->margin) ? 1.0 : c->margin, c->cost_per_order, &pb);
    n_prev = pb.n_prev;
    n_last = pb.n_last;
    n_both = pb.n_both;
    msum = pb.margin_sum;
    cli_rsection_text(sec, "%s", "");
    if (!(n_prev > 0) || !(n_last > 0) ||
        cva_whatif_inputs_init_defaults(&in, sizeof in) != CVA_OK || cva_whatif_result_init(&w, sizeof w) != CVA_OK) {
        cli_rsection_text(sec, "(retention what-if not available: no buyers in the last two half-years)");
        return;
    }
    in.customers = n_last;
    in.margin = msum / n_last;
    in.retention = n_both / n_prev;
    in.discount = DEMO_DISCOUNT;
    in.delta_retention = DEMO_DELTA_R;
    st = cva_whatif(&in, &w, NULL);
    if (st < 0) {
        cli_rsection_text(sec, "(retention what-if not available: %s)", cva_status_name(st));
        return;
    }
    cli_format_date(t1, d0);
    cli_format_date(E, d1);
    cli_rsection_text(sec, "Retention what-if (+5 points), inputs estimated from the log in half-years of %.0f days",
                      DEMO_HALF_YEAR);
    cli_rsection_text(sec, "(the last one after %s up to %s; N and r as cva whatif --input --period-days %.0f):", d0,
                      d1, DEMO_HALF_YEAR);
    cli_rsection_figure(sec, 0, 0, "customers N", cli_rv_count(n_last), "(bought in the last half-year)");
    cli_rsection_figure(sec, 0, 0, "retention r", cli_rv_number(in.retention, 3),
                        "(%.0f of the %.0f buyers of the half-year before bought again)", n_both, n_prev);
    cli_rsection_figure(sec, 0, 0, "margin m", cli_rv_money(in.margin),
                        "(profit per customer in the last half-year, margin and cost to serve as above)");
    cli_rsection_figure(sec, 0, 0, "discount rate", cli_rv_percent(100.0 * DEMO_DISCOUNT, 1),
                        "(per half-year, stated); new customers A = N(1 - r) = %s per half-year",
                        cli_fmt_count(b1, (uint64_t)floor(w.new_customers_used + 0.5)));
    t = cli_rsection_table(sec, "whatif", cols, 4);
    {
        cli_rvalue row[4];
        row[0] = cli_rv_text("retention");
        row[1] = cli_rv_number(in.retention, 3);
        row[2] = cli_rv_number(w.retention_new, 3);
        memset(&row[3], 0, sizeof row[3]);
        cli_rtable_row(t, row);
        row[0] = cli_rv_text("CLV per customer");
        row[1] = cli_rv_money(w.clv_base);
        row[2] = cli_rv_money(w.clv_new);
        row[3] = isnan(w.delta_clv_pct) ? cli_rv_text("") : cli_rv_percent(w.delta_clv_pct, 1);
        cli_rtable_row(t, row);
        row[0] = cli_rv_text("customer equity");
        row[1] = cli_rv_money(w.ce_base);
        row[2] = cli_rv_money(w.ce_new);
        row[3] = w.ce_base > 0 ? cli_rv_percent(100.0 * w.delta_ce / w.ce_base, 1) : cli_rv_text("");
        cli_rtable_row(t, row);
        row[0] = cli_rv_text("customers lost");
        row[1] = cli_rv_count(floor(w.churned_base + 0.5));
        row[2] = cli_rv_count(floor(w.churned_new + 0.5));
        row[3] = cli_rv_percent(w.churned_base > 0 ? 100.0 * (w.churned_new / w.churned_base - 1.0) : 0.0, 1);
        cli_rtable_row(t, row);
        row[0] = cli_rv_text("steady-state profit");
        row[1] = cli_rv_money(w.steady_state_profit_base);
        row[2] = cli_rv_money(w.steady_state_profit_new);
        row[3] = isnan(w.steady_state_profit_change_pct) ? cli_rv_text("")
                                                          : cli_rv_percent(w.steady_state_profit_change_pct, 1);
        cli_rtable_row(t, row);
    }
    if (isnan(w.steady_state_profit_change_pct))
        cli_rsection_figure(sec, 0, 0, "steady-state change", cli_rv_text("undefined"),
                            "(the baseline steady-state profit is not positive; seed: +25 to +85 %%)");
    else
        cli_rsection_figure(sec, 0, 0, "steady-state change", cli_rv_percent(w.steady_state_profit_change_pct, 1),
                            "(of the profit; seed: \"a 5 %% rise in retention lifts profit 25-85 %%\")");
    cli_rsection_figure(sec, 0, 0, "retention elasticity", cli_rv_number(w.retention_elasticity, 2), NULL);
    cli_rsection_figure(sec, 0, 0, "break-even extra spend", cli_rv_money(w.break_even_retention_spend),
                        "(extra retention spend per customer and half-year that leaves CLV unchanged)");
}

static void sec_retention(const cli_study *c, cli_rpt *r)
{
    cli_rsection *sec = cli_rpt_section(r, "retention", "Retention (cohorts, sBG, the retention what-if)");
    retention_cohorts(c, sec);
    retention_whatif(c, sec);
}

/* ---- loyalty ladder: funnel and migration (issue [8]) ---- */

/* Rungs as of @p day (a day number) of the customers of @p all from @p at (a summary to that
   day; customers of @p all missing there have no purchase yet: PROSPECT). */
static cva_status ladder_at(const cli_summary *all, const cli_summary *at, double day, uint32_t *n_occ,
                            int32_t *stage, int32_t *active)
{
    size_t n = all->n, k, j = 0, nb = n ? n : 1;
    double *tenure = (double *)cli_xmalloc(nb * sizeof(double)), *recency = (double *)cli_xmalloc(nb * sizeof(double));
    cva_ladder_input li;
    cva_status st;
    for (k = 0; k < n; k++) {
        while (j < at->n && at->id[j] < all->id[k])
            j++;
        if (j < at->n && at->id[j] == all->id[k] && at->n_occ[j] > 0) {
            n_occ[k] = at->n_occ[j];
            tenure[k] = day - floor(at->first_t[j]);
            recency[k] = day - floor(at->last_t[j]);
        } else {
            n_occ[k] = 0;
            tenure[k] = recency[k] = (double)NAN;
        }
    }
    memset(&li, 0, sizeof li);
    li.struct_size = sizeof li;
    li.n = n;
    li.n_occ = n_occ;
    li.tenure = tenure;
    li.recency = recency;
    st = cva_ladder_classify(&li, NULL, stage, NULL, NULL, active, NULL);
    free(tenure);
    free(recency);
    return st;
}

static void ladder_migration(const cli_study *c, const uint32_t *occ0, const uint32_t *occ1, const int32_t *st0,
                             const int32_t *st1, const int32_t *act0, const int32_t *act1, cli_rsection *sec)
{
    static const char *const rates[4] = {"up", "stay", "down", "lapse"};
    cli_rcolumn cols[1 + CVA_LADDER_N_STATES + 4];
    cva_ladder_migration_input mi;
    cva_ladder_migration mg;
    int show[CVA_LADDER_N_STATES], i, j;
    size_t nc = 0;
    char d0[24], d1[24];
    cli_rtable *t;
    cva_status st;
    memset(&mi, 0, sizeof mi);
    memset(&mg, 0, sizeof mg);
    mi.struct_size = sizeof mi;
    mi.n = c->full.n;
    mi.stage_from = st0;
    mi.stage_to = st1;
    mi.active_from = act0;
    mi.active_to = act1;
    mi.n_occ_from = occ0;
    mi.n_occ_to = occ1;
    mg.struct_size = sizeof mg;
    st = cva_ladder_migrate(&mi, NULL, &mg, NULL);
    cli_rsection_text(sec, "%s", "");
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_rsection_text(sec, "(migration not available: %s)", cva_status_name(st));
        return;
    }
    cli_format_date(c->ladder_from, d0);
    cli_format_date(c->end, d1);
    cli_rsection_text(sec, "Migration from the %s (%s, rows) to the data end (%s, columns);",
                      has_split(c) ? "calibration end" : "middle of the period", d0, d1);
    cli_rsection_text(sec, "LAPSED = inactive by the hiatus rule. Only states that occur are shown:");
    for (i = 0; i < CVA_LADDER_N_STATES; i++) {
        uint64_t in_row = 0, in_col = 0;
        for (j = 0; j < CVA_LADDER_N_STATES; j++) {
            in_row += mg.counts[i][j];
            in_col += mg.counts[j][i];
        }
        show[i] = in_row + in_col > 0;
    }
    memset(cols, 0, sizeof cols);
    cols[nc].name = "from \\ to";
    cols[nc].width = 10;
    cols[nc++].left = 1;
    for (i = 0; i < CVA_LADDER_N_STATES; i++)
        if (show[i]) {
            cols[nc].name = cva_label(CVA_LADDER_PROSPECT + i);
            cols[nc].width = 9;
            cols[nc++].gap = 1;
        }
    for (i = 0; i < 4; i++) {
        cols[nc].name = rates[i];
        cols[nc].width = 7;
        cols[nc++].gap = i ? 1 : 3;
    }
    t = cli_rsection_table(sec, "migration", cols, nc);
    for (i = 0; i < CVA_LADDER_N_STATES; i++) {
        cli_rvalue row[1 + CVA_LADDER_N_STATES + 4];
        const double rv[4] = {mg.up_rate[i], mg.stay_rate[i], mg.down_rate[i], mg.lapse_rate[i]};
        size_t m = 0;
        if (!show[i])
            continue;
        memset(row, 0, sizeof row);
        row[m++] = cli_rv_text(cva_label(CVA_LADDER_PROSPECT + i));
        for (j = 0; j < CVA_LADDER_N_STATES; j++)
            if (show[j])
                row[m++] = cli_rv_count((double)mg.counts[i][j]);
        for (j = 0; j < 4; j++, m++)
            if (!isnan(rv[j]))
                row[m] = cli_rv_percent(100.0 * rv[j], 1);
        cli_rtable_row(t, row);
    }
    {
        cli_rvalue row[1 + CVA_LADDER_N_STATES + 4];
        const double rv[4] = {mg.overall_up, mg.overall_stay, mg.overall_down, mg.overall_lapse};
        size_t m = 0;
        memset(row, 0, sizeof row);
        row[m++] = cli_rv_text("overall");
        for (j = 0; j < CVA_LADDER_N_STATES; j++)
            if (show[j])
                m++;
        for (j = 0; j < 4; j++, m++)
            if (!isnan(rv[j]))
                row[m] = cli_rv_percent(100.0 * rv[j], 1);
        cli_rtable_row(t, row);
    }
    cli_rsection_text(sec, "(rates per row; overall: of the customers on a rung at the calibration end)");
    if (!isnan(mg.reactivation_rate))
        cli_rsection_figure(sec, 0, 0, "reactivated", cli_rv_percent(100.0 * mg.reactivation_rate, 1),
                            "(of the customers LAPSED at the calibration end)");
    cli_rsection_figure(sec, 0, 0, "net movement", cli_rv_number(mg.net_movement, 3),
                        "(mean rungs moved by the customers not LAPSED at either date)");
    if (c->charts) {
        double v[CVA_LADDER_N_STATES * CVA_LADDER_N_STATES];
        const char *lab[CVA_LADDER_N_STATES];
        size_t ns = 0, a, b;
        int idx[CVA_LADDER_N_STATES];
        cli_rchart *ch;
        for (i = 0; i < CVA_LADDER_N_STATES; i++)
            if (show[i]) {
                idx[ns] = i;
                lab[ns++] = cva_label(CVA_LADDER_PROSPECT + i);
            }
        for (a = 0; a < ns; a++)
            for (b = 0; b < ns; b++)
                v[a * ns + b] = (double)mg.counts[idx[a]][idx[b]];
        ch = cli_rsection_chart(sec, CLI_CH_HEATMAP, "Ladder migration: where the customers of each rung went",
                                "rung at the data end", "rung before",
                                "Each row is the customers on a rung at %s; each cell counts where they stood at %s. "
                                "The diagonal stayed; cells right of it climbed, cells left of it and LAPSED fell back.",
                                d0, d1);
        cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_COUNT, 0);
        cli_rchart_grid(ch, ns, ns, lab, lab, v, NULL);
    }
}

static void sec_ladder(const cli_study *c, cli_rpt *r)
{
    const cli_summary *s = &c->full;
    size_t n = s->n, nb = n ? n : 1, k;
    uint32_t *occ0 = (uint32_t *)cli_xmalloc(nb * sizeof(uint32_t)), *occ1 = (uint32_t *)cli_xmalloc(nb * sizeof(uint32_t));
    int32_t *st0 = (int32_t *)cli_xmalloc(nb * sizeof(int32_t)), *st1 = (int32_t *)cli_xmalloc(nb * sizeof(int32_t));
    int32_t *act0 = (int32_t *)cli_xmalloc(nb * sizeof(int32_t)), *act1 = (int32_t *)cli_xmalloc(nb * sizeof(int32_t));
    uint64_t rung[CVA_LADDER_N_RUNGS];
    const char *labels[CVA_LADDER_N_RUNGS];
    cli_rvalue values[CVA_LADDER_N_RUNGS], shares[CVA_LADDER_N_RUNGS];
    double inactive = 0;
    char d1[24];
    int i;
    cli_rsection *sec = cli_rpt_section(r, "ladder", "Loyalty ladder (funnel at the data end, migration)");
    cva_status st = ladder_at(s, &c->at_from, c->ladder_from, occ0, st0, act0);
    if (st >= 0)
        st = ladder_at(s, s, c->end, occ1, st1, act1);
    if (st >= 0)
        st = cva_ladder_counts(st1, NULL, NULL, n, rung, NULL, NULL, NULL);
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_rsection_text(sec, "(not available: %s)", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
    } else {
        cli_format_date(c->end, d1);
        for (k = 0; k < n; k++)
            inactive += act1[k] ? 0.0 : 1.0;
        for (i = 0; i < CVA_LADDER_N_RUNGS; i++) {
            labels[i] = cva_label(CVA_LADDER_PROSPECT + i);
            values[i] = cli_rv_count((double)rung[i]);
            shares[i] = cli_rv_percent(pct((double)rung[i], (double)n), 1);
        }
        cli_rsection_text(sec, "Rungs on %s (rules of cva ladder, first match wins):", d1);
        cli_rsection_series(sec, "customers by rung", CVA_LADDER_N_RUNGS, labels, values, shares);
        if (c->charts) {
            static const char *const what[1] = {"customers"};
            double v[CVA_LADDER_N_RUNGS];
            cli_rchart *ch;
            for (i = 0; i < CVA_LADDER_N_RUNGS; i++)
                v[i] = (double)rung[i];
            ch = cli_rsection_chart(sec, CLI_CH_BARS, "Loyalty ladder: customers on each rung", "rung", "customers",
                                    "The rungs from PROSPECT (no purchase yet) up to PARTNER, with the number of "
                                    "customers standing on each at the data end. Each step up needs more purchases, "
                                    "referrals or stated loyalty.");
            cli_rchart_axes(ch, CLI_RV_COUNT, 0, CLI_RV_COUNT, 0);
            cli_rchart_grid(ch, 1, CVA_LADDER_N_RUNGS, what, labels, v, NULL);
        }
        cli_rsection_text(sec, "The simulated data have no referrers and no attitudes (NPS, satisfaction, bonds), so");
        cli_rsection_text(sec, "every repeat buyer stops at CLIENT: SUPPORTER, ADVOCATE and PARTNER need referrals or");
        cli_rsection_text(sec, "attitude data (cva ladder --attitudes FILE).");
        cli_rsection_figure(sec, 0, 0, "inactive at the data end", cli_rv_count(inactive),
                            "(%.1f %%: no purchase in the last 270 days; they keep their rung)", pct(inactive, (double)n));
        ladder_migration(c, occ0, occ1, st0, st1, act0, act1, sec);
    }
    free(occ0);
    free(occ1);
    free(st0);
    free(st1);
    free(act0);
    free(act1);
}

/* What was computed, with which options: for the page only (the terminal report says it in its text). */
static void sec_method(const cli_study *c, cli_rpt *r)
{
    static const cli_rcolumn cols[] = {{"analysis", 0, 1, 0, 0}, {"how", 0, 1, 2, 0}};
    cli_rsection *sec = cli_rpt_section_flags(r, "method", "Method: what was computed, and how", CLI_SEC_PAGE_ONLY);
    char d1[24], d2[24], d3[24], b1[48], b2[48], line[512];
    cli_rtable *t;
    cli_rvalue row[2];
    cli_format_date(c->start, d1);
    cli_format_date(c->end, d2);
    cli_rsection_figure(sec, 0, 0, "library", cli_rv_text(cva_version_string()), "libcva, the cva command-line tool");
    cli_rsection_figure(sec, 0, 0, "data", cli_rv_text(c->source ? c->source : "(unnamed)"), "%s rows, %s customers",
                        cli_fmt_count(b1, c->n_rows), cli_fmt_count(b2, c->full.n));
    cli_rsection_figure(sec, 0, 0, "period", cli_rv_text(d1), "to %s", d2);
    if (c->command)
        cli_rsection_figure(sec, 0, 0, "command", cli_rv_text(c->command), NULL);
    t = cli_rsection_table(sec, "method", cols, 2);
#define ROW(a, ...)                                                                                                    \
    do {                                                                                                               \
        snprintf(line, sizeof line, __VA_ARGS__);                                                                      \
        row[0] = cli_rv_text(a);                                                                                       \
        row[1] = cli_rv_text(line);                                                                                    \
        cli_rtable_row(t, row);                                                                                        \
    } while (0)
    ROW("summaries", "per customer by cva_txn_summarize: purchase occasions are distinct days (same-day purchases "
                     "merged), time in weeks; as cva summary --time-unit week");
    if (has_split(c)) {
        cli_format_date(c->cal_end, d3);
        ROW("calibration", "models fitted on the purchases to %s, checked on the rest (holdout)", d3);
    } else {
        ROW("calibration", "none given: models fitted on the whole period, nothing held out "
                           "(--calibration-end DATE adds the check)");
    }
    if (!isnan(c->margin))
        ROW("profit", "%.4g x revenue - %.4g per order (as cva tiers --margin %g --cost-per-order %g)", c->margin,
            c->cost_per_order, c->margin, c->cost_per_order);
    else if (c->cost)
        ROW("profit", "revenue - the cost column - %.4g per order (as cva tiers with --cost-col)", c->cost_per_order);
    else
        ROW("profit", "no costs given: profit is revenue (--cost-col or --margin for profit)");
    ROW("concentration", "top shares, Gini (cva_gini), Lorenz curve (cva_lorenz, 201 points), whale curve "
                         "(cva_whale_curve, 201 points shown), rules of thumb (cva_profit_diagnostics)");
    ROW("tiers", "MVC / MGC / BZ classes (MGC potential: 90th percentile of profit in the month of acquisition), "
                 "20/30/50 %% grades, pyramid; as cva tiers --stats");
    ROW("RFM", "rank-first scores in 5 bins, the RF10 segment grid (cva_rfm_*); recency to %s; as cva rfm --report", d2);
    ROW("models", "BG/NBD (cva_model_fit_btyd) and Gamma-Gamma (cva_gg_fit) by maximum likelihood with the default "
                  "options, standard errors from the Hessian; as cva fit --model bgnbd / gg");
    ROW("CLV", "12 steps of 30 days, 1 %% discount per step (cva_clv); P(alive) by cva_model_p_alive");
    ROW("at risk", "repeat buyers with P(alive) < 0.5, by revenue; the 10 largest are listed (as cva churn)");
    ROW("retention", "monthly acquisition cohorts (cva_txn_cohorts), sBG fit (cva_sbg_fit); the chart shows "
                     "the latest %d cohorts; as cva retention --cohort month --fit", CHART_COHORTS);
    ROW("what-if", "N, r, m from the last two half-years of %.0f days, +5 points of retention, 5 %% discount per "
                   "half-year (cva_whatif); as cva whatif --input --period-days 182", DEMO_HALF_YEAR);
    cli_format_date(c->ladder_from, d3);
    ROW("ladder", "rungs by the rules of cva ladder (cva_ladder_classify) at %s and at %s, migration between them "
                  "(cva_ladder_migrate)", d3, d2);
#undef ROW
    cli_rsection_text(sec, "Charts are drawn from aggregates (curves of at most 201 points, grids of at most %d x %d "
                      "cells), so the page stays small whatever the number of customers. Numbers are rounded for "
                      "reading; the commands named above give them in full.", CHART_COHORTS, CHART_COHORTS);
}

static const struct {
    const char *name;
    study_section_fn fn;
} sections[] = {
    {"overview", sec_overview},
    {"frequency", sec_frequency},
    {"concentration", sec_top},
    {"tiers", sec_tiers},
    {"rfm", sec_rfm},
    {"split", sec_split},   /* the "models" section when there is a calibration end */
    {"models", sec_models}, /* and "at-risk" */
    {"retention", sec_retention},
    {"ladder", sec_ladder},
};

int cli_study_summarize(cli_study *c, cli_err *err)
{
    cli_txn view; /* the rows, borrowed */
    cva_txn_input in;
    memset(&view, 0, sizeof view);
    view.n = c->n_rows;
    view.cid = (int64_t *)(uintptr_t)c->id;
    view.t = (double *)(uintptr_t)c->t;
    view.amount = (double *)(uintptr_t)c->amount;
    view.cost = (double *)(uintptr_t)c->cost;
    view.period = (int64_t *)(uintptr_t)c->period;
    cli_txn_input(&view, &in);
    if (isnan(c->ladder_from))
        c->ladder_from = has_split(c) ? c->cal_end : floor(0.5 * (c->start + c->end));
    if (cli_summary_run_ids(&in, c->end, (double)NAN, 7.0, c->ids, &c->full, err) ||
        (has_split(c) && cli_summary_run_ids(&in, c->end, c->cal_end, 7.0, c->ids, &c->split, err)) ||
        cli_summary_run_ids(&in, c->ladder_from, (double)NAN, 7.0, c->ids, &c->at_from, err))
        return failed(err);
    return 0;
}

void cli_study_report(const cli_study *c, cli_rpt *r, int method)
{
    size_t k;
    for (k = 0; k < sizeof sections / sizeof sections[0]; k++)
        sections[k].fn(c, r);
    if (method)
        sec_method(c, r);
}

void cli_study_free(cli_study *c)
{
    cli_summary_free(&c->full);
    cli_summary_free(&c->split);
    cli_summary_free(&c->at_from);
}
