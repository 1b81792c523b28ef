/*
 * cva summary: one row per customer.
 * SPDX-License-Identifier: MIT
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
#include "numbers.h"
#include "output.h"
#include "summary.h"

void cmd_summary_help(void)
{
    fputs("Usage: cva summary --input FILE [options]\n"
          "\n"
          "One row per customer (sorted by id) from a transaction file: the statistics used\n"
          "by RFM and by the BTYD models (BG/NBD, Pareto/NBD, Gamma-Gamma).\n"
          "\n"
          "Columns (CSV header / JSON keys; names as in the Python 'lifetimes' tools):\n"
          "  customer_id      the id as written in the input\n"
          "  frequency        repeat purchase occasions (occasions - 1)\n"
          "  recency          first to last purchase, in the time unit\n"
          "  T                first purchase to the end (calibration end if given), in the time unit\n"
          "  monetary_value   mean spend per repeat occasion (0 when frequency is 0)\n"
          "  n_txn            purchase rows\n"
          "  first_date, last_date  first / last purchase (YYYY-MM-DD)\n"
          "  days_since_last  days from the last purchase to the end\n"
          "  total_amount     net money (refunds reduce it)\n"
          "  total_cost       sum of the cost column (0 without one)\n"
          "With --calibration-end, the statistics above cover the calibration period and\n"
          "three columns are added:\n"
          "  frequency_holdout       purchase occasions after the calibration end\n"
          "  monetary_value_holdout  mean spend per holdout occasion (0 if none)\n"
          "  duration_holdout        length of the holdout period, in the time unit\n"
          "The last column, time_unit, is the time unit (day or week) in every row: 'cva\n"
          "fit --summary' and 'cva predict --summary' read it, so the file carries its unit\n"
          "through a spreadsheet or a pandas read_csv/to_csv, and lifetimes-style tools\n"
          "ignore it (the other names are unchanged).\n"
          "Customers without a purchase up to the calibration end are left out (as lifetimes\n"
          "does); a note on stderr says how many. Without a split, a customer with no\n"
          "purchase (only refunds, or only credited as a referrer) stays in the output:\n"
          "frequency, recency, T, monetary_value and the dates are empty (undefined: not yet\n"
          "a customer of the models), total_amount holds the refunds; fit and predict leave\n"
          "such rows out and say how many.\n"
          "\n"
          "Numbers are printed with the fewest digits that read back exactly; an empty\n"
          "field (JSON null) means undefined.\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, 0);
    fputs("\nExample (the CDNOW sample of Fader & Hardie, whitespace-separated, no header):\n"
          "  cva summary --input CDNOW_sample.txt --no-header --delimiter whitespace \\\n"
          "      --customer-col 2 --date-col 3 --amount-col 5 \\\n"
          "      --calibration-end 1997-09-30 --time-unit week\n",
          stdout);
}

/* time_unit is the last column (after the holdout columns when there is a split) */
static const char *const col_names[] = {"customer_id",   "frequency",          "recency",
                                        "T",             "monetary_value",     "n_txn",
                                        "first_date",    "last_date",          "days_since_last",
                                        "total_amount",  "total_cost",         "frequency_holdout",
                                        "monetary_value_holdout", "duration_holdout", "time_unit"};
static const char *const col_names_nosplit[] = {"customer_id",  "frequency", "recency",        "T",
                                                "monetary_value", "n_txn",   "first_date",     "last_date",
                                                "days_since_last", "total_amount", "total_cost", "time_unit"};

static void put_date(cli_table *t, double days)
{
    char buf[24];
    size_t n;
    if (isnan(days)) {
        cli_table_null(t);
        return;
    }
    n = cli_format_date(days, buf);
    cli_table_text(t, buf, n);
}

static void json_meta(char *buf, size_t cap, const cli_input_opts *o, const cli_txn *tx, const cli_summary *s,
                      double end_used, size_t n_written)
{
    char end_s[24], cal_s[24], name[600], rows_s[200];
    size_t off = 0;
    const char *input = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
    cli_format_date(end_used, end_s);
    cli_json_string(name, sizeof name, input, strlen(input));
    cli_txn_json_rows(tx, o, rows_s, sizeof rows_s);
    off += (size_t)snprintf(buf + off, cap - off,
                            "\"command\": \"summary\",\n  \"cva_version\": \"%s\",\n  \"input\": %s,\n"
                            "  %s\"rows_excluded\": %llu,\n  \"end\": \"%s\",\n",
                            cva_version_string(), name, rows_s, (unsigned long long)s->excluded, end_s);
    if (!isnan(o->cal_days) && off < cap) {
        cli_format_date(o->cal_days, cal_s);
        off += (size_t)snprintf(buf + off, cap - off, "  \"calibration_end\": \"%s\",\n", cal_s);
    }
    if (off < cap)
        snprintf(buf + off, cap - off,
                 "  \"occasion\": \"%s\",\n  \"time_unit\": \"%s\",\n  \"id_type\": \"%s\",\n"
                 "  \"n_customers\": %lu,\n  ",
                 cli_occasion_name(o->occasion), o->week_unit ? "week" : "day", tx->ids.text ? "text" : "integer", (unsigned long)n_written);
}

/* The command line into @p o: 0, 1 after --help, -1 on an error (in @p err). */
static int summary_parse(cli_input_opts *o, int argc, char **argv, cli_err *err)
{
    int i;

    cli_input_opts_init(o);
    for (i = 1; i < argc; i++) {
        int r;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_summary_help();
            return 1;
        }
        r = cli_input_opt(o, argc, argv, &i, err);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(err, CLI_EXIT_USAGE, "summary: unknown option '%s' (see 'cva help summary')", argv[i]);
            return -1;
        }
        if (o->input) {
            cli_fail(err, CLI_EXIT_USAGE, "summary: unexpected argument '%s' (input is already %s)", argv[i],
                     o->input);
            return -1;
        }
        o->input = argv[i];
    }
    return 0;
}

/* The table of per-customer statistics (CSV or JSON) into @p out. */
static void summary_write(const cli_input_opts *o, const cli_txn *tx, const cli_summary *s, double end_used,
                          size_t n_written, cli_out *out)
{
    size_t k, ncols;
    char meta[2048];
    cli_table t;
    const char *unit = o->week_unit ? "week" : "day";
    const double unit_days = o->week_unit ? 7.0 : 1.0;
    ncols = s->has_cal ? 15 : 12;
    meta[0] = '\0';
    if (o->format == CLI_FMT_JSON)
        json_meta(meta, sizeof meta, o, tx, s, end_used, n_written);
    cli_table_begin(&t, out, o->format == CLI_FMT_JSON, s->has_cal ? col_names : col_names_nosplit, ncols, meta,
                    "customers");
    for (k = 0; k < s->n; k++) {
        char ibuf[24];
        size_t ilen;
        const char *id;
        if (s->has_cal && isnan(s->frequency[k]))
            continue;
        id = cli_ids_text(&tx->ids, s->id[k], ibuf, &ilen);
        if (tx->ids.text)
            cli_table_text(&t, id, ilen);
        else
            cli_table_int(&t, s->id[k]);
        cli_table_num(&t, s->frequency[k]);
        cli_table_num(&t, cli_txn_time(tx, s->recency[k], unit_days));
        cli_table_num(&t, cli_txn_time(tx, s->T[k], unit_days));
        cli_table_num(&t, cli_txn_money_mean(tx, s->monetary_value[k], s->frequency[k]));
        cli_table_int(&t, (int64_t)s->n_txn[k]);
        put_date(&t, s->first_t[k]);
        put_date(&t, s->last_t[k]);
        cli_table_num(&t, cli_txn_time(tx, s->days_since_last[k], 1.0));
        cli_table_num(&t, cli_txn_money(tx, s->total_amount[k]));
        cli_table_num(&t, cli_txn_cost(tx, s->total_cost[k]));
        if (s->has_cal) {
            cli_table_num(&t, s->frequency_holdout[k]);
            cli_table_num(&t, cli_txn_money_mean(tx, s->monetary_value_holdout[k], s->frequency_holdout[k]));
            cli_table_num(&t, cli_txn_time(tx, s->duration_holdout[k], unit_days));
        }
        cli_table_text(&t, unit, strlen(unit));
        cli_table_end_row(&t);
    }
    cli_table_end(&t);
}

/* Notes on stderr: rows after the end, empty inputs, customers left out. */
static void summary_notes(const cli_input_opts *o, const cli_txn *tx, const cli_summary *s, double end_used,
                          size_t dropped)
{
    char d1[24];
    if (s->excluded > 0 && tx->n > 0) {
        cli_format_date(end_used, d1);
        cli_note("%llu row%s after the end date %s left out", (unsigned long long)s->excluded,
                 s->excluded == 1 ? "" : "s", d1);
    }
    if (tx->n == 0 && tx->rows_read > 0)
        cli_note("every one of the %llu rows was skipped (--skip-invalid): output has no customers",
                 (unsigned long long)tx->rows_read);
    else if (tx->n == 0)
        cli_note("no transactions in the input (header only): output has no customers");
    else if (s->status == CVA_W_EMPTY)
        cli_note("no transactions up to the end date: output has no customers");
    if (dropped > 0) {
        cli_format_date(o->cal_days, d1);
        cli_note("%lu customer%s without a purchase up to the calibration end %s left out (as lifetimes "
                 "does)",
                 (unsigned long)dropped, dropped == 1 ? "" : "s", d1);
    }
}

int cmd_summary(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_summary s;
    int rc;
    size_t k, n_written = 0, dropped = 0;
    double end_used;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&s, 0, sizeof s);
    rc = summary_parse(&o, argc, argv, &err);
    if (rc != 0)
        return rc > 0 ? 0 : cli_report(&err);
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);

    /* open the output first: fail before reading a large input */
    if (cli_out_open(&out, o.output, &err))
        return cli_report(&err);
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;

    if ((rc = cli_summary_txn(&tx, o.end_days, o.cal_days, o.week_unit ? 7.0 : 1.0, &s, &err)) != 0)
        goto fail;

    /* the end the library used: --end, else the latest time (not before the calibration end) */
    end_used = s.obs_end;

    for (k = 0; k < s.n; k++)
        if (s.has_cal && isnan(s.frequency[k]))
            dropped++;
        else
            n_written++;

    summary_write(&o, &tx, &s, end_used, n_written, &out);
    if ((rc = cli_out_commit(&out, &err)) != 0)
        goto fail_closed;

    summary_notes(&o, &tx, &s, end_used, dropped);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return 0;

fail:
    cli_out_abort(&out);
fail_closed:
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return cli_report(&err);
}
