/*
 * cva report: the whole analysis of a transaction file as one self-contained HTML page.
 * SPDX-License-Identifier: MIT
 *
 * Phases: parse the options, read the file (cli_load, as every command), summarise and run
 * the analyses (study.c: the sections `cva demo` prints), render the page (report_html.c)
 * into a temporary file renamed over the target (cli_out): the target is written completely
 * or not at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "modelio.h"
#include "output.h"
#include "report.h"
#include "study.h"

void cmd_report_help(void)
{
    fputs("Usage: cva report --input FILE -o report.html [--calibration-end DATE]\n"
          "                  [--cost-col C | --margin RATE] [--cost-per-order X] [options]\n"
          "\n"
          "The whole analysis of a transaction file as one page people can read: a single\n"
          "self-contained HTML file (styles inline, charts as inline SVG, no scripts,\n"
          "nothing loaded from elsewhere; it prints as it shows). Sections, each a\n"
          "<section id=\"...\"> others can link to:\n"
          "  overview       customers, transactions, revenue, period, repeat purchases\n"
          "  concentration  top customers, Pareto (Lorenz) curve with the top-20 % point,\n"
          "                 whale curve of profit\n"
          "  tiers          top shares, Gini, rules of thumb measured, MVC/MGC/BZ\n"
          "                 classes, grades and the pyramid (as cva tiers --stats)\n"
          "  rfm            RFM segments (as cva rfm --report), recency x frequency grid\n"
          "  models         BG/NBD + Gamma-Gamma with standard errors (as cva fit), the\n"
          "                 tracking of repeat purchases, P(alive) over frequency x recency;\n"
          "                 with --calibration-end, the holdout check\n"
          "  at-risk        the 10 repeat buyers with P(alive) < 0.5 and the most revenue\n"
          "  retention      monthly cohorts with the sBG fit (as cva retention), the +5 %\n"
          "                 retention what-if (as cva whatif --input)\n"
          "  ladder         loyalty-ladder funnel and migration (as cva ladder)\n"
          "  method         what was computed, with which options and library version\n"
          "Time is in weeks; purchase occasions are days. Charts are drawn from aggregates,\n"
          "so the page stays small (a few hundred kB) whatever the number of customers.\n"
          "\n"
          "Options:\n"
          "  --margin RATE        profit = revenue x RATE - cost to serve (RATE in [0, 1];\n"
          "                       the cost column is then not used)\n"
          "  --cost-per-order X   cost to serve per purchase row (default 0)\n"
          "  Without --margin, profit = revenue - the cost column (--cost-col) - cost to\n"
          "  serve; without either, profit is the revenue.\n"
          "  --calibration-end DATE  fit the models on the purchases to DATE and check\n"
          "                       them on the rest (also the ladder's migration start;\n"
          "                       without it, the middle of the period)\n"
          "  -o FILE              the page to write (required; '-' for stdout)\n"
          "  -q, --quiet          no notes on stderr\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_TIME_UNIT | CLI_HELP_NO_FORMAT | CLI_HELP_NO_CAL | CLI_HELP_NO_OUTPUT);
    fputs("\nExamples:\n"
          "  cva report --input orders.csv -o report.html\n"
          "  cva report --input orders.csv --calibration-end 2024-06-30 --margin 0.3 -o report.html\n",
          stdout);
}

typedef struct report_opts {
    cli_input_opts in;
    double margin, cost_per_order;
    char *command; /* the command line, for the method section */
} report_opts;

/* Options into @p ro: 0 to go on, 1 after --help, else an exit code with @p err set. */
static int report_parse(int argc, char **argv, report_opts *ro, cli_err *err)
{
    size_t len = 4;
    int i, r;
    cli_input_opts_init(&ro->in);
    ro->margin = (double)NAN;
    ro->cost_per_order = 0.0;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_report_help();
            return 1;
        }
        if (cli_match_flag(argv, i, "--quiet") || cli_match_flag(argv, i, "-q")) {
            cli_quiet = 1;
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--margin", &v, err)) != 0) {
            if (r < 0 || cli_parse_double_opt("--margin", v, &ro->margin, err))
                return err->code;
            if (!(ro->margin >= 0.0 && ro->margin <= 1.0))
                return cli_fail(err, CLI_EXIT_USAGE, "option --margin: expected a rate in [0, 1], got %s", v);
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--cost-per-order", &v, err)) != 0) {
            if (r < 0 || cli_parse_double_opt("--cost-per-order", v, &ro->cost_per_order, err))
                return err->code;
            if (!(ro->cost_per_order >= 0.0) || !isfinite(ro->cost_per_order))
                return cli_fail(err, CLI_EXIT_USAGE, "option --cost-per-order: expected a finite amount >= 0, got %s",
                                v);
            continue;
        }
        r = cli_input_opt(&ro->in, argc, argv, &i, err);
        if (r < 0)
            return err->code;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_fail(err, CLI_EXIT_USAGE, "report: unknown option '%s' (see 'cva help report')", argv[i]);
        if (ro->in.input)
            return cli_fail(err, CLI_EXIT_USAGE, "report: unexpected argument '%s' (input is already %s)", argv[i],
                            ro->in.input);
        ro->in.input = argv[i];
    }
    if (cli_input_check(&ro->in, 1, err))
        return err->code;
    if (ro->in.week_unit)
        return cli_fail(err, CLI_EXIT_USAGE, "report: --time-unit is not used (the page is in weeks)");
    if (ro->in.format != CLI_FMT_CSV)
        return cli_fail(err, CLI_EXIT_USAGE, "report: --format is not used (the page is HTML)");
    if (!ro->in.output)
        return cli_fail(err, CLI_EXIT_USAGE, "report: no output: give -o FILE (the HTML page; '-' for stdout)");
    for (i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    ro->command = (char *)cli_xmalloc(len);
    strcpy(ro->command, "cva");
    for (i = 0; i < argc; i++) {
        strcat(ro->command, " ");
        strcat(ro->command, argv[i]);
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The report model of the loaded rows. 0 or an exit code. */
static int report_build(const report_opts *ro, const cli_txn *tx, cli_study *st, cli_rpt *r, cli_err *err)
{
    char title[256], b1[48], b2[48], d1[24], d2[24];
    int rc;
    if (tx->n == 0)
        return cli_fail(err, CLI_EXIT_DATA, "report: %s has no transactions", ro->in.input);
    st->n_rows = tx->n;
    st->id = tx->cid;
    st->t = tx->t;
    st->amount = tx->amount;
    st->cost = tx->cost;
    st->period = tx->period;
    st->ids = &tx->ids;
    st->start = floor(tx->t_min);
    st->end = isnan(ro->in.end_days) ? tx->t_max : ro->in.end_days;
    st->cal_end = ro->in.cal_days;
    st->ladder_from = (double)NAN;
    st->margin = ro->margin;
    st->cost_per_order = ro->cost_per_order;
    st->source = base_name(ro->in.input);
    st->command = ro->command;
    st->charts = 1;
    if (!(st->end >= st->start))
        return cli_fail(err, CLI_EXIT_USAGE, "report: --end is before the first purchase");
    if (!isnan(st->cal_end) && !(st->cal_end >= st->start && st->cal_end < st->end)) {
        cli_format_date(st->start, d1);
        cli_format_date(st->end, d2);
        return cli_fail(err, CLI_EXIT_USAGE, "report: --calibration-end must lie in the data, from %s to before %s", d1,
                        d2);
    }
    if ((rc = cli_study_summarize(st, err)) != 0)
        return rc;
    snprintf(title, sizeof title, "Customer analysis: %s", base_name(ro->in.input));
    cli_rpt_init(r, title);
    cli_format_date(st->start, d1);
    cli_format_date(st->end, d2);
    cli_rpt_line(r, 0, "%s customers and %s transactions from %s to %s, analysed by cva report (libcva %s).",
                 cli_fmt_count(b1, st->full.n), cli_fmt_count(b2, tx->n), d1, d2, cva_version_string());
    cli_study_report(st, r, 1);
    cli_rpt_line(r, 1, "Every number here has a command that gives it in full for further work: cva summary, cva "
                       "tiers --stats, cva rfm --report, cva fit, cva predict, cva churn, cva retention --fit, cva "
                       "whatif --input, cva ladder --report (see cva help COMMAND).");
    return 0;
}

int cmd_report(int argc, char **argv)
{
    report_opts ro;
    cli_err err;
    cli_txn tx;
    cli_study st;
    cli_rpt r;
    cli_out out;
    int rc;

    memset(&ro, 0, sizeof ro);
    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&st, 0, sizeof st);
    memset(&r, 0, sizeof r);
    rc = report_parse(argc, argv, &ro, &err);
    if (rc == 1) {
        free(ro.command);
        return 0;
    }
    if (rc == 0)
        rc = cli_load(&ro.in, &tx, &err);
    if (rc == 0)
        rc = report_build(&ro, &tx, &st, &r, &err);
    /* the page is written only once everything is computed: nothing is left on a failure */
    if (rc == 0 && (rc = cli_out_open(&out, ro.in.output, &err)) == 0) {
        if (cli_rpt_write_html(out.fp, &r) != 0) {
            cli_out_abort(&out);
            rc = cli_fail(&err, CLI_EXIT_IO, "report: cannot write %s", ro.in.output);
        } else {
            rc = cli_out_commit(&out, &err);
        }
        if (rc == 0 && strcmp(ro.in.output, "-") != 0)
            cli_note("wrote %s (%lu sections, %lu charts)", ro.in.output, (unsigned long)r.n_sections,
                     (unsigned long)cli_rpt_chart_count(&r));
    }
    cli_rpt_free(&r);
    cli_study_free(&st);
    cli_txn_free(&tx);
    free(ro.command);
    return rc ? cli_report(&err) : 0;
}
