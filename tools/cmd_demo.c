/*
 * cva demo: simulate a customer base and run every analysis the library has.
 * SPDX-License-Identifier: MIT
 *
 * Phases: parse the options, simulate, summarise, compute the report (the sections of
 * study.c, the same as `cva report`), write it with the text renderer to the terminal and
 * with the HTML renderer to a page (cva-demo-report.html, or --report FILE).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "cva/cva.h"
#include "dates.h"
#include "executor.h"
#include "output.h"
#include "report.h"
#include "study.h"

#define DEMO_REPORT "cva-demo-report.html"

/* The simulation has amounts but no costs: profit assumes a 30 % gross margin and a cost to
   serve of $5 per order (purchase row), profit = 0.30 * revenue - 5 * orders. */
#define DEMO_MARGIN 0.30
#define DEMO_COST_PER_ORDER 5.0

typedef struct demo_ctx {
    uint64_t n_customers;
    uint64_t seed;
    cva_sim_opts sim;
    size_t n_rows;
    int64_t *id;
    double *t, *amount;
    double start, end, cal_end; /* days since 1970-01-01 */
    const char *output, *page;  /* -o (NULL: stdout), --report */
    const char *transactions;   /* --transactions FILE, or NULL */
} demo_ctx;

/* the exit code of the error recorded in @p e */
static int failed(const cli_err *e)
{
    return e->code ? e->code : CLI_EXIT_FAIL;
}

void cmd_demo_help(void)
{
    fputs("Usage: cva demo [--customers N] [--seed S] [-o FILE] [--report FILE]\n"
          "                [--transactions FILE]\n"
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
          "Then the value tiers (profit with an assumed 30 % margin and $5 cost to serve\n"
          "per order: top 1-50 % shares, Gini, whale curve, the popular 80/20, 90 %, 8x and\n"
          "4x claims measured, MVC/MGC/BZ classes, 20/30/50 grades and the pyramid), the\n"
          "monthly acquisition cohorts with an sBG fit and a +5-point retention what-if\n"
          "(inputs estimated from the last two half-years), and the loyalty-ladder funnel\n"
          "at the data end with the migration from the calibration end.\n"
          "The same analyses, with charts, are written as one self-contained HTML page\n"
          "(as cva report writes for your own data) to cva-demo-report.html in the\n"
          "current directory, or to --report FILE.\n"
          "\n"
          "Options:\n"
          "  --customers N   customers to simulate (default 20000)\n"
          "  --seed S        random seed (default 42); the same seed gives the same report\n"
          "  -o FILE         write the report to FILE (default stdout)\n"
          "  --report FILE   write the HTML page to FILE (default cva-demo-report.html)\n"
          "  --transactions FILE  also write the simulated transactions as CSV\n"
          "                  (customer_id,date,amount; one row per purchase, dates as\n"
          "                  YYYY-MM-DD, amounts in cents): a sample export to try the\n"
          "                  other commands and the tutorials on\n"
          "  -q, --quiet     no notes on stderr\n"
          "  --threads N     threads for the library's parallel steps (default: the number\n"
          "                  of online cores); the report is the same for every N\n",
          stdout);
}

/* Options into @p c and @p output: 0 to go on, 1 after --help, else the exit code of an error in @p err. */
static int demo_parse(int argc, char **argv, demo_ctx *c, cli_err *err)
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
        if ((m = cli_match_opt(argc, argv, &i, "--threads", &v, err)) != 0) {
            if (m < 0 || cli_threads_set(v, err))
                return failed(err);
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
            c->output = v;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--transactions", &v, err)) != 0) {
            if (m < 0)
                return failed(err);
            if (!*v)
                return cli_fail(err, CLI_EXIT_USAGE, "option --transactions: expected a file name");
            c->transactions = v;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--report", &v, err)) != 0) {
            if (m < 0)
                return failed(err);
            if (!*v)
                return cli_fail(err, CLI_EXIT_USAGE, "option --report: expected a file name");
            c->page = v;
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

/* The report: title, what was simulated, every section, where to go next. */
static void demo_report(const demo_ctx *c, const cli_study *st, cli_rpt *r)
{
    char title[128], b1[48], b2[48], d1[24], d2[24];
    snprintf(title, sizeof title, "cva demo (libcva %s): a simulated customer base", cva_version_string());
    cli_rpt_init(r, title);
    cli_format_date(c->start, d1);
    cli_format_date(c->end, d2);
    cli_rpt_line(r, 0, "%s customers acquired from %s over 12 weeks, %s transactions to %s.",
                    cli_fmt_count(b1, c->n_customers), d1, cli_fmt_count(b2, c->n_rows), d2);
    cli_rpt_line(r, 0, "Purchases: BG/NBD r=%g alpha=%g a=%g b=%g (weeks); spend: Gamma-Gamma p=%g q=%g",
                    c->sim.r, c->sim.alpha, c->sim.a, c->sim.b, c->sim.p, c->sim.q);
    cli_rpt_line(r, 0, "gamma=%g; seed %llu.", c->sim.gamma, (unsigned long long)c->seed);
    cli_study_report(st, r, 1);
    cli_rpt_line(r, 1, "%s", "");
    cli_rpt_line(r, 1, "The same numbers for your own data: cva summary --input FILE (see cva help summary),");
    cli_rpt_line(r, 1, "cva rfm --input FILE --report (see cva help rfm), and cva predict --model bgnbd");
    cli_rpt_line(r, 1, "--input FILE --calibration-end DATE --spend gg (see cva help predict); value tiers:");
    cli_rpt_line(r, 1, "cva tiers --input FILE --stats; cohorts: cva retention --input FILE --fit; the");
    cli_rpt_line(r, 1, "what-if: cva whatif --input FILE; churn flags: cva churn --input FILE; the ladder:");
    cli_rpt_line(r, 1, "cva ladder --input FILE --report. All of it as one page: cva report --input FILE -o FILE.");
    cli_rpt_line(r, 1, "%s", "");
    cli_rpt_line(r, 1, "The whole analysis with charts: %s (open it in a browser).", c->page);
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

/* Write the simulated log as a CSV export (customer_id,date,amount), atomically. 0 or an exit code. */
static int demo_write_transactions(const demo_ctx *c, cli_err *err)
{
    cli_out out;
    size_t i;
    char day[16];
    if (cli_out_open(&out, c->transactions, err))
        return failed(err);
    fputs("customer_id,date,amount\n", out.fp);
    for (i = 0; i < c->n_rows; i++) {
        cli_format_date(floor(c->t[i]), day);
        fprintf(out.fp, "%lld,%s,%.2f\n", (long long)c->id[i], day, c->amount[i]);
    }
    if (ferror(out.fp)) {
        cli_out_abort(&out);
        return cli_fail(err, CLI_EXIT_IO, "cannot write %s", c->transactions);
    }
    return cli_out_commit(&out, err) ? failed(err) : 0;
}

/* Write the page atomically: complete or not at all. 0 or an exit code. */
static int demo_write_page(const cli_rpt *r, const char *path, cli_err *err)
{
    cli_out out;
    if (cli_out_open(&out, path, err))
        return failed(err);
    if (cli_rpt_write_html(out.fp, r) != 0) {
        cli_out_abort(&out);
        return cli_fail(err, CLI_EXIT_IO, "cannot write %s", path);
    }
    return cli_out_commit(&out, err) ? failed(err) : 0;
}

int cmd_demo(int argc, char **argv)
{
    demo_ctx c;
    cli_study st;
    cli_err err;
    cli_rpt rep;
    int rc;

    memset(&c, 0, sizeof c);
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    memset(&rep, 0, sizeof rep);
    c.page = DEMO_REPORT;
    rc = demo_parse(argc, argv, &c, &err);
    if (rc == 1)
        return 0;
    if (rc == 0 && (rc = demo_simulate(&c, &err)) == 0 && c.transactions)
        rc = demo_write_transactions(&c, &err);
    if (rc == 0) {
        st.n_rows = c.n_rows;
        st.id = c.id;
        st.t = c.t;
        st.amount = c.amount;
        st.start = c.start;
        st.end = c.end;
        st.cal_end = c.cal_end;
        st.ladder_from = (double)NAN;
        st.margin = DEMO_MARGIN;
        st.cost_per_order = DEMO_COST_PER_ORDER;
        st.sim = &c.sim;
        st.source = "simulated (cva demo)";
        st.charts = 1;
        rc = cli_study_summarize(&st, &err);
    }
    if (rc == 0) {
        demo_report(&c, &st, &rep);
        rc = demo_write_page(&rep, c.page, &err);
        if (rc == 0)
            rc = demo_write(&rep, c.output, &err);
    }
    cli_rpt_free(&rep);
    cli_study_free(&st);
    free(c.id);
    free(c.t);
    free(c.amount);
    return rc ? cli_report(&err) : 0;
}
