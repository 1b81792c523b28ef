/*
 * cva retention: acquisition-cohort retention tables from transactions (docs/methods/models.md#methods_sbg), with an
 * optional sBG fit of the survivor counts.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "cohort_txn.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "numbers.h"
#include "output.h"

void cmd_retention_help(void)
{
    fputs("Usage: cva retention --input FILE [--cohort month|quarter|week|day] [--fit] [options]\n"
          "\n"
          "Acquisition-cohort retention table of a transaction file ('Cohort curves and\n"
          "the shifted-beta-geometric model' in the Methods pages of the documentation):\n"
          "customers are grouped by the calendar period of their first purchase, and each cohort is\n"
          "followed period by period up to the period that holds the end of the data\n"
          "(--end, else the latest date). One row per observed cell (cohort, period);\n"
          "calendar periods without a new customer have no rows.\n"
          "\n"
          "Columns (CSV header / JSON keys):\n"
          "  cohort       first day of the acquisition period, YYYY-MM-DD (weeks start on\n"
          "               Monday, quarters on Jan/Apr/Jul/Oct 1)\n"
          "  period       periods since acquisition, j = 0, 1, ... (0: the acquisition period)\n"
          "  customers    cohort size: customers whose first purchase is in the cohort period\n"
          "  active       customers of the cohort with a purchase in period j\n"
          "  retained     customers of the cohort with a purchase in period j or any later\n"
          "               one (the survivor count, non-increasing in j, right-censored at the\n"
          "               data end: a customer who buys again later was retained meanwhile)\n"
          "  active_rate  active / customers\n"
          "  retention    pooled retention of period j over all cohorts observed at j:\n"
          "               sum of retained(c, j) / sum of retained(c, j-1) over the cohorts c\n"
          "               that reach j (the same value in every cohort's row; empty for j = 0)\n"
          "  survival     pooled survival: the product of retention over 1..j (1 for j = 0)\n"
          "With --fit:\n"
          "  sbg_survival survival S(j) of the shifted-beta-geometric model (Fader & Hardie\n"
          "               2007) fitted by maximum likelihood to the retained counts of all\n"
          "               cohorts (1 for j = 0); the parameters alpha, beta and the\n"
          "               log-likelihood are printed on stderr (\"sBG: ...\") and, with\n"
          "               --format json, written as the member \"sbg\" {alpha, beta,\n"
          "               log_likelihood, status} next to the rows (\"cells\").\n"
          "               A fit that is not a clean maximum is a warning on stderr and its\n"
          "               status name in \"status\" (\"CVA_OK\" otherwise).\n"
          "\n"
          "Options:\n"
          "  --cohort day|week|month|quarter  the period (default month)\n"
          "  --fit        add the sBG fit (needs at least two periods)\n"
          "A purchase is a row with a non-negative amount (refunds do not make a customer\n"
          "active; the amount column may be left out: every row is then a purchase).\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_CAL | CLI_HELP_NO_TIME_UNIT | CLI_HELP_NO_COST_REF);
    fputs("\nExample:\n"
          "  cva retention --input tx.csv --cohort quarter --fit --format json\n",
          stdout);
}

static const char *const col_names[] = {"cohort",      "period",    "customers", "active",      "retained",
                                        "active_rate", "retention", "survival",  "sbg_survival"};

static void json_num(char *buf, size_t cap, size_t *len, double v)
{
    char nb[40];
    size_t n;
    if (!isfinite(v)) {
        memcpy(nb, "null", 5);
        n = 4;
    } else {
        n = cli_format_double(v, nb);
        nb[n] = '\0';
    }
    if (*len + n + 1 < cap) {
        memcpy(buf + *len, nb, n + 1);
        *len += n;
    }
}

int cmd_retention(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_cohorts c;
    cva_diag dg;
    cva_status st, fit_st = CVA_OK;
    cva_model_fit fit;
    int i, rc = 0, out_open = 0, do_fit = 0, calendar = CLI_CPER_MONTH;
    size_t n, k, j;
    double *ret = NULL, *surv = NULL, *sbg = NULL;
    char meta[512];
    size_t mlen = 0;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&c, 0, sizeof c);
    memset(&out, 0, sizeof out);
    meta[0] = '\0';
    cli_input_opts_init(&o);
    o.amount_optional = 1;
    for (i = 1; i < argc; i++) {
        int r;
        const char *v = NULL;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_retention_help();
            return 0;
        }
        if (cli_match_flag(argv, i, "--fit")) {
            do_fit = 1;
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--cohort", &v, &err)) != 0) {
            if (r < 0)
                return cli_report(&err);
            calendar = cli_cohort_period_code(v);
            if (calendar == CLI_CPER_NONE) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --cohort: expected day, week, month or quarter, got '%s'", v);
                return cli_report(&err);
            }
            continue;
        }
        r = cli_input_opt(&o, argc, argv, &i, &err);
        if (r < 0)
            return cli_report(&err);
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(&err, CLI_EXIT_USAGE, "retention: unknown option '%s' (see 'cva help retention')", argv[i]);
            return cli_report(&err);
        }
        if (o.input) {
            cli_fail(&err, CLI_EXIT_USAGE, "retention: unexpected argument '%s' (input is already %s)", argv[i],
                     o.input);
            return cli_report(&err);
        }
        o.input = argv[i];
    }
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);
    if (o.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "retention: --calibration-end is not used (cohorts run to the data end; "
                 "use --end)");
        return cli_report(&err);
    }
    if (o.week_unit) {
        cli_fail(&err, CLI_EXIT_USAGE, "retention: --time-unit is not used (the period is --cohort)");
        return cli_report(&err);
    }
    if (cli_out_open(&out, o.output, &err))
        return cli_report(&err);
    out_open = 1;
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;
    if ((rc = cli_cohort_table_txn(&o, &tx, calendar, 1.0, 1, &c, &err)) != 0)
        goto fail;
    n = c.n;
    ret = (double *)cli_xmalloc(3 * n * sizeof(double));
    surv = ret + n;
    sbg = surv + n;
    for (j = 0; j < n; j++)
        ret[j] = surv[j] = sbg[j] = (double)NAN;
    surv[0] = 1.0;
    sbg[0] = 1.0;
    if (n >= 2) {
        cva_diag_init(&dg, sizeof dg);
        st = cva_cohort_curves(c.retained, n, n, ret + 1, surv + 1, NULL, &dg);
        if (st < 0) {
            rc = cli_fail(&err, CLI_EXIT_LIB, "retention: cohort curves: %s (%s)", cva_strerror(st),
                          dg.detail && *dg.detail ? dg.detail : cva_status_name(st));
            goto fail;
        }
    }
    if (do_fit) {
        if (n < 2) {
            rc = cli_fail(&err, CLI_EXIT_DATA, "retention: --fit needs at least two periods (the data span one %s)",
                          calendar == CLI_CPER_DAY ? "day" : calendar == CLI_CPER_WEEK ? "week"
                          : calendar == CLI_CPER_MONTH ? "month" : "quarter");
            goto fail;
        }
        if (cva_model_fit_init(&fit, sizeof fit) != CVA_OK) {
            rc = cli_fail(&err, CLI_EXIT_LIB, "library ABI mismatch (cva_model_fit)");
            goto fail;
        }
        cva_diag_init(&dg, sizeof dg);
        fit_st = cva_sbg_fit(c.retained, n, n, NULL, &fit, &dg);
        if (fit_st == CVA_W_EMPTY || fit_st < 0) {
            rc = fit_st < 0 ? cli_fail(&err, CLI_EXIT_LIB, "retention: sBG fit: %s (%s)", cva_strerror(fit_st),
                                       dg.detail && *dg.detail ? dg.detail : cva_status_name(fit_st))
                            : cli_fail(&err, CLI_EXIT_DATA, "retention: sBG fit: every cohort is empty");
            goto fail;
        }
        if (fit_st > 0)
            fprintf(stderr, "cva: warning: retention: sBG fit: %s\n", cva_strerror(fit_st));
        cva_diag_init(&dg, sizeof dg);
        st = cva_sbg_curves(fit.params, n - 1, sbg + 1, NULL, NULL, &dg);
        if (st < 0) {
            /* a boundary estimate (alpha or beta off to 0 or infinity): no curve */
            for (j = 1; j < n; j++)
                sbg[j] = (double)NAN;
        }
        cli_note("sBG: alpha=%.10g beta=%.10g log-likelihood=%.10g (%s)", fit.params[0], fit.params[1],
                 fit.log_likelihood, cva_status_name(fit_st));
        memcpy(meta, "\"sbg\": {\"alpha\": ", 17);
        mlen = 17;
        json_num(meta, sizeof meta, &mlen, fit.params[0]);
        mlen += (size_t)snprintf(meta + mlen, sizeof meta - mlen, ", \"beta\": ");
        json_num(meta, sizeof meta, &mlen, fit.params[1]);
        mlen += (size_t)snprintf(meta + mlen, sizeof meta - mlen, ", \"log_likelihood\": ");
        json_num(meta, sizeof meta, &mlen, fit.log_likelihood);
        snprintf(meta + mlen, sizeof meta - mlen, ", \"status\": \"%s\"},\n  ", cva_status_name(fit_st));
    }
    {
        cli_table t;
        cli_table_begin(&t, &out, o.format == CLI_FMT_JSON, col_names, do_fit ? 9 : 8, do_fit ? meta : NULL,
                        "cells");
        for (k = 0; k < n; k++) {
            char date[16];
            size_t dlen;
            const double size = c.size[k];
            if (!(size > 0.0))
                continue;
            dlen = cli_format_date(cli_cohort_period_start(c.first_period + (int64_t)k, calendar), date);
            for (j = 0; j < n - k; j++) {
                const double act = c.active[k * n + j], rtn = c.retained[k * n + j];
                cli_table_text(&t, date, dlen);
                cli_table_int(&t, (int64_t)j);
                cli_table_num(&t, size);
                cli_table_num(&t, act);
                cli_table_num(&t, rtn);
                cli_table_num(&t, act / size);
                cli_table_num(&t, ret[j]);
                cli_table_num(&t, surv[j]);
                if (do_fit)
                    cli_table_num(&t, sbg[j]);
                cli_table_end_row(&t);
            }
        }
        cli_table_end(&t);
    }
    if ((rc = cli_out_commit(&out, &err)) != 0)
        goto fail_closed;
    free(ret);
    cli_cohorts_free(&c);
    cli_txn_free(&tx);
    return 0;

fail:
    if (out_open)
        cli_out_abort(&out);
fail_closed:
    free(ret);
    cli_cohorts_free(&c);
    cli_txn_free(&tx);
    return cli_report(&err);
}
