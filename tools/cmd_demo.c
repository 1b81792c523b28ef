/*
 * cva demo: simulate a customer base and run every analysis the library has.
 * SPDX-License-Identifier: MIT
 *
 * The report is a list of sections (see `sections` below); an analysis added
 * to the library adds a function here and a line in that table.
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
#include "summary.h"

typedef struct demo_ctx {
    FILE *fp;
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

typedef void (*demo_section_fn)(demo_ctx *c);

/* ---- formatting helpers ---- */

static const char *fmt_count(char *buf, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, o = 0;
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

static const char *fmt_money(char *buf, double v)
{
    double cents = floor(fabs(v) * 100.0 + 0.5);
    uint64_t whole = (uint64_t)(cents / 100.0);
    unsigned frac = (unsigned)(cents - (double)whole * 100.0);
    char c[32];
    snprintf(buf, 48, "%s$%s.%02u", v < 0 ? "-" : "", fmt_count(c, whole), frac);
    return buf;
}

static double pct(double a, double b)
{
    return b > 0 ? 100.0 * a / b : 0.0;
}

static void heading(demo_ctx *c, const char *title)
{
    size_t n = strlen(title);
    fprintf(c->fp, "\n%s\n", title);
    while (n--)
        fputc('-', c->fp);
    fputc('\n', c->fp);
}

static void bar(FILE *fp, double share, int width)
{
    int n = (int)floor(share * width + 0.5), i;
    for (i = 0; i < width; i++)
        fputc(i < n ? '#' : ' ', fp);
}

/* ---- sections ---- */

static void sec_overview(demo_ctx *c)
{
    const cli_summary *s = &c->full;
    char b1[48], b2[48];
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
    heading(c, "Customer base (whole period)");
    fprintf(c->fp, "  customers                %12s\n", fmt_count(b1, s->n));
    fprintf(c->fp, "  transactions             %12s\n", fmt_count(b1, txns));
    fprintf(c->fp, "  purchase occasions       %12s   (same-day purchases merged)\n", fmt_count(b1, occ));
    fprintf(c->fp, "  revenue                  %12s\n", fmt_money(b1, revenue));
    fprintf(c->fp, "  revenue per customer     %12s\n", fmt_money(b1, s->n ? revenue / (double)s->n : 0.0));
    fprintf(c->fp, "  average order value      %12s\n", fmt_money(b2, txns ? revenue / (double)txns : 0.0));
    fprintf(c->fp, "  repeat buyers            %12s   (%.1f %% bought again after the first day)\n",
            fmt_count(b1, repeaters), pct((double)repeaters, (double)s->n));
}

static void sec_frequency(demo_ctx *c)
{
    static const struct {
        double lo, hi;
        const char *label;
    } bins[] = {{0, 0, "0"}, {1, 1, "1"}, {2, 2, "2"}, {3, 4, "3-4"}, {5, 9, "5-9"}, {10, 1e300, "10+"}};
    const cli_summary *s = &c->full;
    size_t counts[6] = {0, 0, 0, 0, 0, 0}, k, b, maxc = 1;
    char b1[48];
    for (k = 0; k < s->n; k++)
        for (b = 0; b < 6; b++)
            if (s->frequency[k] >= bins[b].lo && s->frequency[k] <= bins[b].hi) {
                counts[b]++;
                break;
            }
    for (b = 0; b < 6; b++)
        if (counts[b] > maxc)
            maxc = counts[b];
    heading(c, "Repeat purchases per customer (frequency, whole period)");
    for (b = 0; b < 6; b++) {
        fprintf(c->fp, "  %5s  ", bins[b].label);
        bar(c->fp, (double)counts[b] / (double)maxc, 40);
        fprintf(c->fp, " %8s  %5.1f %%\n", fmt_count(b1, counts[b]), pct((double)counts[b], (double)s->n));
    }
}

static const cli_summary *cmp_s;

static int cmp_revenue(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double vx = cmp_s->total_amount[x], vy = cmp_s->total_amount[y];
    if (vx > vy)
        return -1;
    if (vx < vy)
        return 1;
    return x < y ? -1 : x > y; /* ties: ascending id */
}

static void sec_top(demo_ctx *c)
{
    const cli_summary *s = &c->full;
    size_t *order = (size_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(size_t)), k, top;
    double revenue = 0.0, top_rev = 0.0;
    char b1[48], b2[24], b3[48];
    for (k = 0; k < s->n; k++) {
        order[k] = k;
        revenue += s->total_amount[k];
    }
    cmp_s = s;
    qsort(order, s->n, sizeof *order, cmp_revenue);
    cmp_s = NULL;
    heading(c, "Top 10 customers by revenue");
    fprintf(c->fp, "  rank  customer  orders       revenue  last purchase\n");
    top = s->n < 10 ? s->n : 10;
    for (k = 0; k < top; k++) {
        size_t j = order[k];
        cli_format_date(s->last_t[j], b2);
        top_rev += s->total_amount[j];
        fprintf(c->fp, "  %4lu  %8lld  %6lu  %12s  %s\n", (unsigned long)k + 1, (long long)s->id[j],
                (unsigned long)s->n_txn[j], fmt_money(b1, s->total_amount[j]), b2);
    }
    {
        size_t tenth = s->n / 10;
        double tenth_rev = 0.0;
        for (k = 0; k < tenth; k++)
            tenth_rev += s->total_amount[order[k]];
        fprintf(c->fp, "  these 10 customers bring %s (%.2f %% of revenue); the top 10 %% bring %.1f %%\n",
                fmt_money(b3, top_rev), pct(top_rev, revenue), pct(tenth_rev, revenue));
    }
    free(order);
}

static void sec_split(demo_ctx *c)
{
    const cli_summary *s = &c->split;
    char b1[48], b2[48], d1[24], d2[24];
    size_t k, n = 0, active = 0, rep = 0, rep_active = 0, one = 0, one_active = 0;
    double fx = 0, tx = 0, T = 0, hold_f = 0, hold_rev = 0;
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
    cli_format_date(c->cal_end, d1);
    cli_format_date(c->end, d2);
    heading(c, "Calibration / holdout split");
    fprintf(c->fp, "  calibration period ends  %s (%.0f weeks); holdout to %s (%.0f weeks)\n", d1,
            (c->cal_end - c->start + 1) / 7.0, d2, (s->obs_end - s->stats_end) / 7.0);
    fprintf(c->fp, "  customers                %12s   (with a purchase in the calibration period)\n",
            fmt_count(b1, n));
    if (n == 0)
        return;
    fprintf(c->fp, "  mean frequency x         %12.3f   repeat occasions in calibration\n", fx / (double)n);
    fprintf(c->fp, "  mean recency t_x         %12.2f   weeks\n", tx / (double)n);
    fprintf(c->fp, "  mean age T               %12.2f   weeks\n", T / (double)n);
    fprintf(c->fp, "  holdout occasions        %12s\n", fmt_count(b1, (uint64_t)hold_f));
    fprintf(c->fp, "  holdout revenue          %12s\n", fmt_money(b2, hold_rev));
    fprintf(c->fp, "  active in holdout        %12s   (%.1f %% bought at least once)\n", fmt_count(b1, active),
            pct((double)active, (double)n));
    fprintf(c->fp, "    of calibration repeat buyers  %5.1f %%\n", pct((double)rep_active, (double)rep));
    fprintf(c->fp, "    of one-time buyers            %5.1f %%\n", pct((double)one_active, (double)one));
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

static void sec_rfm(demo_ctx *c)
{
    const cli_summary *s = &c->full;
    size_t n = s->n, cap = n ? n : 1, k, ns = 0;
    double *rec = (double *)cli_xmalloc(cap * sizeof(double));
    double *fr = (double *)cli_xmalloc(cap * sizeof(double));
    double *mo = (double *)cli_xmalloc(cap * sizeof(double));
    int32_t *r = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *f = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *m = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    int32_t *seg = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    cva_rfm_segment_stat stats[32];
    size_t order[32];
    cva_rfm_opts o;
    cva_status st = CVA_OK;
    char b1[48];

    heading(c, "RFM segments (whole period; rank-first, 5 bins, RF10 grid)");
    if (cva_rfm_opts_init_defaults(&o, sizeof o) != CVA_OK)
        st = CVA_E_ABI_MISMATCH;
    if (st >= 0)
        st = cva_rfm_raw(c->end, s->last_t, s->n_txn, s->n_occ, s->total_amount, s->monetary_value, n, &o, rec,
                         fr, mo, NULL);
    if (st >= 0)
        st = cva_rfm_score(rec, fr, mo, n, &o, r, f, m, NULL, NULL, 0, NULL);
    if (st >= 0)
        st = cva_rfm_segment(r, f, m, n, o.bins, NULL, 0, seg, NULL);
    if (st >= 0)
        st = cva_rfm_report(seg, r, f, m, s->total_amount, n, stats, sizeof stats / sizeof stats[0], &ns);
    if (st < 0 || n == 0) {
        fprintf(c->fp, "  (not available: %s)\n", n == 0 ? "no customers" : cva_status_name(st));
    } else {
        for (k = 0; k < ns; k++)
            order[k] = k;
        cmp_stats = stats;
        qsort(order, ns, sizeof order[0], cmp_revenue_share);
        cmp_stats = NULL;
        fprintf(c->fp, "  %-20s %9s %7s  %5s %5s %5s  %13s\n", "segment", "customers", "share", "R", "F", "M",
                "revenue share");
        for (k = 0; k < ns; k++) {
            const cva_rfm_segment_stat *x = &stats[order[k]];
            double rs = isnan(x->revenue_share) ? 0.0 : x->revenue_share;
            int hashes = rs > 0 ? (int)floor(rs * 20.0 + 0.5) : 0;
            fprintf(c->fp, "  %-20s %9s %5.1f %%  %5.2f %5.2f %5.2f  %11.1f %%%s", cva_label(x->label),
                    fmt_count(b1, x->count), 100.0 * x->share, x->mean_r, x->mean_f, x->mean_m, 100.0 * rs,
                    hashes ? "  " : "");
            while (hashes-- > 0)
                fputc('#', c->fp);
            fputc('\n', c->fp);
        }
        fprintf(c->fp, "  R, F, M: mean scores 1-5 (5 = most recent / most frequent / highest spend);\n"
                       "  equal values are split across bins by customer id.\n");
    }
    free(rec);
    free(fr);
    free(mo);
    free(r);
    free(f);
    free(m);
    free(seg);
}


/* churn and value: BG/NBD + Gamma-Gamma fitted on the calibration period */

static const double *cmp_risk_rev;

static int cmp_risk(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double vx = cmp_risk_rev[x], vy = cmp_risk_rev[y];
    if (vx > vy)
        return -1;
    if (vx < vy)
        return 1;
    return x < y ? -1 : x > y;
}

static void sec_churn(demo_ctx *c)
{
    const cli_summary *s = &c->split;
    size_t n = 0, k, cap, n_risk = 0, top;
    double *x, *tx, *T, *m, *xh, *rev, *pa, *ey, *es, *clv, bucket_n[8], bucket_a[8], bucket_p[8];
    size_t *src, *risk;
    cva_fit_opts fo;
    cva_model_fit f, g;
    cva_clv_opts co;
    cva_status st;
    const double truth[4] = {c->sim.r, c->sim.alpha, c->sim.a, c->sim.b};
    const double gtruth[3] = {c->sim.p, c->sim.q, c->sim.gamma};
    double hold_len = 0, act = 0, pred = 0, alive = 0, clv_tot = 0, clv_risk = 0;
    char b1[48], b2[48], b3[48], d1[24];
    int i;

    heading(c, "Churn and value (BG/NBD + Gamma-Gamma fitted on the calibration period)");
    cap = s->n ? s->n : 1;
    x = (double *)cli_xmalloc(cap * sizeof(double));
    tx = (double *)cli_xmalloc(cap * sizeof(double));
    T = (double *)cli_xmalloc(cap * sizeof(double));
    m = (double *)cli_xmalloc(cap * sizeof(double));
    xh = (double *)cli_xmalloc(cap * sizeof(double));
    rev = (double *)cli_xmalloc(cap * sizeof(double));
    pa = (double *)cli_xmalloc(cap * sizeof(double));
    ey = (double *)cli_xmalloc(cap * sizeof(double));
    es = (double *)cli_xmalloc(cap * sizeof(double));
    clv = (double *)cli_xmalloc(cap * sizeof(double));
    src = (size_t *)cli_xmalloc(cap * sizeof(size_t));
    risk = (size_t *)cli_xmalloc(cap * sizeof(size_t));
    for (k = 0; k < s->n; k++) {
        if (isnan(s->frequency[k]))
            continue; /* no calibration purchase */
        x[n] = s->frequency[k];
        tx[n] = s->recency[k];
        T[n] = s->T[k];
        m[n] = s->monetary_value[k];
        xh[n] = s->frequency_holdout[k];
        rev[n] = s->total_amount[k];
        src[n] = k;
        hold_len = s->duration_holdout[k];
        n++;
    }
    cva_fit_opts_init_defaults(&fo, sizeof fo);
    cva_model_fit_init(&f, sizeof f);
    cva_model_fit_init(&g, sizeof g);
    cva_clv_opts_init_defaults(&co, sizeof co);
    co.step_length = 30.0 / 7.0; /* 30-day months in weeks, 12 of them, 1 % per month */
    co.steps = 12;
    co.discount = 0.01;
    st = n ? cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, n, &fo, &f, NULL) : CVA_W_EMPTY;
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_gg_fit(x, m, NULL, n, &fo, &g, NULL);
    if (st >= 0 && st != CVA_W_EMPTY)
        st = cva_model_p_alive(CVA_MODEL_BGNBD, f.params, 0.0, x, tx, T, n, pa, NULL);
    if (st >= 0)
        st = cva_model_expected(CVA_MODEL_BGNBD, f.params, hold_len, x, tx, T, n, ey, NULL);
    if (st >= 0)
        st = g.params[1] > 1.0 ? cva_gg_expected_spend(g.params, x, m, n, es, NULL, NULL) : CVA_E_DOMAIN;
    if (st >= 0)
        st = cva_clv(CVA_MODEL_BGNBD, f.params, g.params, x, tx, T, m, n, &co, clv, NULL);
    if (st < 0 || st == CVA_W_EMPTY) {
        fprintf(c->fp, "  (not available: %s)\n", st == CVA_W_EMPTY ? "no customers" : cva_status_name(st));
        goto done;
    }
    fprintf(c->fp, "  %s customers, first 39 weeks; time in weeks. Fitted vs the simulation's truth:\n",
            fmt_count(b1, n));
    fprintf(c->fp, "  %-22s %8s %9s %9s\n", "parameter", "true", "fitted", "std.err.");
    for (i = 0; i < 4; i++)
        fprintf(c->fp, "  BG/NBD %-15s %8.3f %9.3f %9.3f\n", cva_model_param_name(CVA_MODEL_BGNBD, i), truth[i],
                f.params[i], f.std_err[i]);
    for (i = 0; i < 3; i++)
        fprintf(c->fp, "  Gamma-Gamma %-10s %8.3f %9.3f %9.3f\n", cva_model_param_name(CVA_MODEL_GG, i), gtruth[i],
                g.params[i], g.std_err[i]);
    fprintf(c->fp, "  (BG/NBD log-likelihood %.1f, %u iterations; Gamma-Gamma on %s repeat buyers.\n"
                   "  Dates are days: same-day purchases merge into one occasion, a small bias.)\n",
            f.log_likelihood, (unsigned)f.iterations, fmt_count(b1, (uint64_t)g.n_customers));

    for (i = 0; i < 8; i++)
        bucket_n[i] = bucket_a[i] = bucket_p[i] = 0.0;
    for (k = 0; k < n; k++) {
        int b = x[k] >= 7 ? 7 : (int)x[k];
        bucket_n[b] += 1;
        bucket_a[b] += xh[k];
        bucket_p[b] += ey[k];
        act += xh[k];
        pred += ey[k];
        alive += pa[k];
        clv_tot += clv[k];
    }
    fprintf(c->fp, "\n  Holdout (next %.0f weeks): predicted %s repeat purchases, actual %s (%+.1f %%)\n", hold_len,
            fmt_count(b1, (uint64_t)floor(pred + 0.5)), fmt_count(b2, (uint64_t)act),
            act > 0 ? 100.0 * (pred - act) / act : 0.0);
    fprintf(c->fp, "  %-24s", "calibration frequency");
    for (i = 0; i < 8; i++)
        if (i == 7)
            fprintf(c->fp, " %6s", "7+");
        else
            fprintf(c->fp, " %6d", i);
    fprintf(c->fp, "\n  %-24s", "customers");
    for (i = 0; i < 8; i++)
        fprintf(c->fp, " %6.0f", bucket_n[i]);
    fprintf(c->fp, "\n  %-24s", "actual per customer");
    for (i = 0; i < 8; i++)
        fprintf(c->fp, " %6.2f", bucket_n[i] > 0 ? bucket_a[i] / bucket_n[i] : 0.0);
    fprintf(c->fp, "\n  %-24s", "predicted per customer");
    for (i = 0; i < 8; i++)
        fprintf(c->fp, " %6.2f", bucket_n[i] > 0 ? bucket_p[i] / bucket_n[i] : 0.0);
    fprintf(c->fp, "\n  expected alive at the calibration end: %s of %s (sum of P(alive), %.1f %%)\n",
            fmt_count(b1, (uint64_t)floor(alive + 0.5)), fmt_count(b2, n), pct(alive, (double)n));

    for (k = 0; k < n; k++)
        if (pa[k] < 0.5 && x[k] > 0)
            risk[n_risk++] = k;
    cmp_risk_rev = rev;
    qsort(risk, n_risk, sizeof *risk, cmp_risk);
    cmp_risk_rev = NULL;
    for (k = 0; k < n_risk; k++)
        clv_risk += clv[risk[k]];
    fprintf(c->fp, "\n  12-month CLV (12 steps of 30 days, 1 %% discount per step): total %s, %s per customer\n",
            fmt_money(b1, clv_tot), fmt_money(b2, n ? clv_tot / (double)n : 0.0));
    fprintf(c->fp, "  repeat buyers with P(alive) < 0.5: %s (their 12-month CLV %s)\n", fmt_count(b1, n_risk),
            fmt_money(b2, clv_risk));

    heading(c, "Top 10 customers at risk (P(alive) < 0.5, by calibration revenue)");
    fprintf(c->fp, "  rank  customer  orders       revenue  last purchase  P(alive)  exp. spend  12-mo CLV  "
                   "holdout buys\n");
    top = n_risk < 10 ? n_risk : 10;
    for (k = 0; k < top; k++) {
        size_t j = risk[k];
        cli_format_date(s->last_t[src[j]], d1);
        fprintf(c->fp, "  %4lu  %8lld  %6.0f  %12s  %13s  %8.3f  %10s  %9s  %12.0f\n", (unsigned long)k + 1,
                (long long)s->id[src[j]], x[j] + 1, fmt_money(b1, rev[j]), d1, pa[j], fmt_money(b2, es[j]),
                fmt_money(b3, clv[j]), xh[j]);
    }
    fprintf(c->fp, "  orders = purchase occasions in the calibration period; holdout buys = what they\n"
                   "  actually did in the next 39 weeks (the model did not see it).\n");
done:
    free(x);
    free(tx);
    free(T);
    free(m);
    free(xh);
    free(rev);
    free(pa);
    free(ey);
    free(es);
    free(clv);
    free(src);
    free(risk);
}

static const struct {
    const char *name;
    demo_section_fn fn;
} sections[] = {
    {"overview", sec_overview},
    {"frequency", sec_frequency},
    {"top", sec_top},
    {"split", sec_split},
    {"rfm", sec_rfm},
    {"churn", sec_churn},
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

int cmd_demo(int argc, char **argv)
{
    demo_ctx c;
    cli_err err;
    cli_out out;
    cva_diag d;
    cva_status st;
    const char *output = NULL;
    int i;
    size_t k;

    memset(&c, 0, sizeof c);
    memset(&err, 0, sizeof err);
    c.n_customers = 20000;
    c.seed = 42;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_demo_help();
            return 0;
        }
        if (cli_match_flag(argv, i, "--quiet") || cli_match_flag(argv, i, "-q")) {
            cli_quiet = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--customers", &v, &err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--customers", v, &c.n_customers, &err))
                return cli_report(&err);
            if (c.n_customers == 0 || c.n_customers > 100000000) {
                cli_fail(&err, CLI_EXIT_USAGE, "--customers must be between 1 and 100000000");
                return cli_report(&err);
            }
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--seed", &v, &err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--seed", v, &c.seed, &err))
                return cli_report(&err);
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--output", &v, &err)) != 0 ||
            (m = cli_match_opt(argc, argv, &i, "-o", &v, &err)) != 0) {
            if (m < 0)
                return cli_report(&err);
            output = v;
            continue;
        }
        cli_fail(&err, CLI_EXIT_USAGE, "demo: unknown argument '%s' (see 'cva help demo')", argv[i]);
        return cli_report(&err);
    }

    /* 1. simulate: days since 1970-01-01, 1997-01-01 + 78 weeks */
    c.start = (double)cli_days_from_civil(1997, 1, 1);
    c.end = c.start + 545.0;     /* 1998-06-30, the last day */
    c.cal_end = c.start + 272.0; /* 1997-09-30: 39 weeks */
    if (cva_sim_opts_init_defaults(&c.sim, sizeof c.sim) != CVA_OK || cva_diag_init(&d, sizeof d) != CVA_OK) {
        cli_fail(&err, CLI_EXIT_LIB, "library ABI mismatch (cva_sim_opts)");
        return cli_report(&err);
    }
    c.sim.seed = c.seed;
    c.sim.start = c.start;
    c.sim.end = c.start + 546.0;
    st = cva_simulate_bgnbd_gg(&c.sim, (size_t)c.n_customers, NULL, NULL, NULL, 0, &c.n_rows, &d);
    if (st >= 0) {
        c.id = (int64_t *)cli_xmalloc((c.n_rows ? c.n_rows : 1) * sizeof(int64_t));
        c.t = (double *)cli_xmalloc((c.n_rows ? c.n_rows : 1) * sizeof(double));
        c.amount = (double *)cli_xmalloc((c.n_rows ? c.n_rows : 1) * sizeof(double));
        st = cva_simulate_bgnbd_gg(&c.sim, (size_t)c.n_customers, c.id, c.t, c.amount, c.n_rows, &c.n_rows, &d);
    }
    if (st < 0) {
        cli_fail(&err, CLI_EXIT_LIB, "simulation failed: %s (%s)", cva_status_name(st), d.detail ? d.detail : "");
        goto fail_early;
    }

    /* 2. analyses */
    {
        cli_txn view; /* the simulated rows, borrowed */
        cva_txn_input in;
        memset(&view, 0, sizeof view);
        view.n = c.n_rows;
        view.cid = c.id;
        view.t = c.t;
        view.amount = c.amount;
        cli_txn_input(&view, &in);
        if (cli_summary_run(&in, c.end, (double)NAN, 7.0, &c.full, &err) ||
            cli_summary_run(&in, c.end, c.cal_end, 7.0, &c.split, &err))
            goto fail_early;
    }

    /* 3. report */
    if (cli_out_open(&out, output, &err))
        goto fail_early;
    c.fp = out.fp;
    {
        char b1[48], b2[48], d1[24], d2[24];
        cli_format_date(c.start, d1);
        cli_format_date(c.end, d2);
        fprintf(c.fp, "cva demo (libcva %s): a simulated customer base\n", cva_version_string());
        fprintf(c.fp,
                "%s customers acquired from %s over 12 weeks, %s transactions to %s.\n"
                "Purchases: BG/NBD r=%g alpha=%g a=%g b=%g (weeks); spend: Gamma-Gamma p=%g q=%g\n"
                "gamma=%g; seed %llu.\n",
                fmt_count(b1, c.n_customers), d1, fmt_count(b2, c.n_rows), d2, c.sim.r, c.sim.alpha, c.sim.a,
                c.sim.b, c.sim.p, c.sim.q, c.sim.gamma, (unsigned long long)c.seed);
    }
    for (k = 0; k < sizeof sections / sizeof sections[0]; k++)
        sections[k].fn(&c);
    fputs("\nThe same numbers for your own data: cva summary --input FILE (see cva help summary),\n"
          "cva rfm --input FILE --report (see cva help rfm), and cva predict --model bgnbd\n"
          "--input FILE --calibration-end DATE --spend gg (see cva help predict).\n", c.fp);
    if (cli_out_commit(&out, &err))
        goto fail_early;
    cli_summary_free(&c.full);
    cli_summary_free(&c.split);
    free(c.id);
    free(c.t);
    free(c.amount);
    return 0;

fail_early:
    cli_summary_free(&c.full);
    cli_summary_free(&c.split);
    free(c.id);
    free(c.t);
    free(c.amount);
    return cli_report(&err);
}
