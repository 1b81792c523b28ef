/*
 * cva churn: churn flags per customer (docs/methods/models.md#methods_heuristics) with the rule that decided, P(alive), CLV and
 * the value at risk.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "executor.h"
#include "cva/cva.h"
#include "input.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"
#include "summary.h"

void cmd_churn_help(void)
{
    fputs("Usage: cva churn --input FILE [--rule hiatus|ipt|p-alive|all] [options]\n"
          "\n"
          "Who is about to leave and what is at stake: one row per customer with a\n"
          "purchase (sorted by id; customers with refunds only are left out, with a note\n"
          "on stderr). The rules: 'Activity heuristics' in the Methods pages of the\n"
          "documentation.\n"
          "\n"
          "Columns (CSV header / JSON keys):\n"
          "  customer_id    the id as written in the input\n"
          "  active         1 active, 0 flagged as churned\n"
          "  rule           the rule that decided: hiatus, ipt, ipt-median (the ipt rule\n"
          "                 with the population median inter-purchase time), p-alive\n"
          "  p_alive        P(alive) now of the fitted model (empty without a model)\n"
          "  clv            forward CLV of the model + Gamma-Gamma: 12 monthly steps of 30\n"
          "                 days, discount 1 % per month, margin 1 (as 'cva predict --spend\n"
          "                 gg' with its defaults); empty without a model, for a negative\n"
          "                 mean repeat spend (net refunds), or when no customer has repeat\n"
          "                 purchases (no spend model; a warning says so)\n"
          "  value_at_risk  clv x (1 - p_alive); empty where clv is\n"
          "\n"
          "Rules (time in days; R = days since the last purchase up to the end):\n"
          "  hiatus   churned iff R > --hiatus-days (default 270)\n"
          "  ipt      churned iff R > --ipt-multiple (default 3) x the customer's mean\n"
          "           inter-purchase time (last - first purchase) / (occasions - 1); with\n"
          "           fewer than two purchase days, the median of the customers who have\n"
          "           them; with none at all, the hiatus rule\n"
          "  p-alive  churned iff P(alive) < --threshold (default 0.5)\n"
          "  all      (default) every rule; churned when any says so; the rule named is\n"
          "           the first that flagged the customer in the order p-alive, ipt,\n"
          "           hiatus (for an active customer: the first applied)\n"
          "\n"
          "Options:\n"
          "  --rule hiatus|ipt|p-alive|all\n"
          "  --hiatus-days H, --ipt-multiple K, --threshold T  the rule parameters\n"
          "  --model bgnbd|pnbd  the model behind P(alive) and CLV (default bgnbd), fitted\n"
          "                 by maximum likelihood to the same data (days); fitted with the\n"
          "                 rules p-alive and all, or with --model given; its parameters\n"
          "                 are printed on stderr and a fit that is not a clean maximum\n"
          "                 is a warning\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_CAL | CLI_HELP_NO_TIME_UNIT);
    fputs("\nExample:\n"
          "  cva churn --input tx.csv --rule all --model pnbd\n",
          stdout);
}

static const char *const col_names[] = {"customer_id", "active", "rule", "p_alive", "clv", "value_at_risk"};

static int lib_fail(cli_err *err, const char *what, cva_status st, const cva_diag *dg)
{
    return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "churn: %s: %s (%s)", what, cva_strerror(st),
                    dg->detail && *dg->detail ? dg->detail : cva_status_name(st));
}

/* P(alive) and CLV of the m customers (x, tx, T, mx in days). clv NaN where not computed. */
static int model_values(int32_t model, const double *x, const double *tx, const double *T, const double *mx,
                        size_t m, double *pa, double *clv, cli_err *err)
{
    cva_fit_opts fo;
    cva_clv_opts co;
    cva_model_fit fit, gg;
    cva_diag dg;
    cva_status st;
    double *m_use;
    size_t k, n_neg = 0;
    const char *mname = model == CVA_MODEL_PNBD ? "Pareto/NBD" : "BG/NBD";
    int rc = 0;

    for (k = 0; k < m; k++)
        clv[k] = pa[k] = (double)NAN;
    if (m == 0)
        return 0;
    if (cva_fit_opts_init_defaults(&fo, sizeof fo) != CVA_OK || cva_clv_opts_init_defaults(&co, sizeof co) != CVA_OK ||
        cva_model_fit_init(&fit, sizeof fit) != CVA_OK || cva_model_fit_init(&gg, sizeof gg) != CVA_OK ||
        cva_diag_init(&dg, sizeof dg) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (fit / clv options)");
    fo.executor = cli_executor(); /* --threads */
    co.executor = cli_executor();
    st = cva_model_fit_btyd(model, x, tx, T, NULL, m, &fo, &fit, &dg);
    if (st < 0)
        return lib_fail(err, model == CVA_MODEL_PNBD ? "Pareto/NBD fit" : "BG/NBD fit", st, &dg);
    if (st > 0)
        fprintf(stderr, "cva: warning: churn: the %s fit: %s\n", mname, cva_strerror(st));
    if (model == CVA_MODEL_PNBD)
        cli_note("%s: r=%.6g alpha=%.6g s=%.6g beta=%.6g (days)", mname, fit.params[0], fit.params[1],
                 fit.params[2], fit.params[3]);
    else
        cli_note("%s: r=%.6g alpha=%.6g a=%.6g b=%.6g (days)", mname, fit.params[0], fit.params[1], fit.params[2],
                 fit.params[3]);
    cva_diag_init(&dg, sizeof dg);
    st = cva_model_p_alive(model, fit.params, 0.0, x, tx, T, m, pa, cli_predict_opts(), &dg);
    if (st < 0)
        return lib_fail(err, "P(alive)", st, &dg);

    m_use = (double *)cli_xmalloc(m * sizeof(double));
    for (k = 0; k < m; k++) {
        m_use[k] = mx[k] < 0.0 ? 0.0 : mx[k];
        n_neg += mx[k] < 0.0;
    }
    cva_diag_init(&dg, sizeof dg);
    st = cva_gg_fit(x, m_use, NULL, m, &fo, &gg, &dg);
    if (st == CVA_W_EMPTY) {
        fprintf(stderr, "cva: warning: churn: no customer with repeat purchases: no spend model, the clv and "
                        "value_at_risk cells are empty\n");
        goto done;
    }
    if (st < 0) {
        rc = lib_fail(err, "Gamma-Gamma fit", st, &dg);
        goto done;
    }
    if (st > 0 && st != CVA_W_EXCLUDED)
        fprintf(stderr, "cva: warning: churn: the Gamma-Gamma fit: %s\n", cva_strerror(st));
    co.steps = 12;
    co.step_length = 30.0;
    co.discount = 0.01;
    co.margin = 1.0;
    cva_diag_init(&dg, sizeof dg);
    st = cva_clv(model, fit.params, gg.params, x, tx, T, m_use, m, &co, clv, &dg);
    if (st < 0) {
        rc = lib_fail(err, "CLV", st, &dg);
        goto done;
    }
    if (st == CVA_W_SERIES_LIMIT)
        fprintf(stderr, "cva: warning: churn: CLV: a series hit its term limit (%s)\n", dg.detail ? dg.detail : "");
    cli_note("CLV: Gamma-Gamma p=%.6g q=%.6g gamma=%.6g; 12 months of 30 days, discount 1 %% per month, margin 1",
             gg.params[0], gg.params[1], gg.params[2]);
    if (n_neg > 0) {
        for (k = 0; k < m; k++)
            if (mx[k] < 0.0)
                clv[k] = (double)NAN;
        fprintf(stderr, "cva: warning: churn: %lu customer%s with a negative mean repeat spend (net refunds) %s "
                        "no CLV: those cells are empty\n",
                (unsigned long)n_neg, n_neg == 1 ? "" : "s", n_neg == 1 ? "has" : "have");
    }
done:
    free(m_use);
    return rc;
}

int cmd_churn(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_summary s;
    cva_churn_flag_opts fo;
    cva_diag dg;
    cva_status st;
    int i, rc = 0, out_open = 0, model_given = 0;
    int32_t model = CVA_MODEL_BGNBD;
    size_t n = 0, m = 0, k;
    size_t *sel = NULL;
    double *buf = NULL, *rec, *first, *last, *x, *txv, *T, *mx, *pa, *clv, *clv0, *var;
    uint32_t *nocc = NULL;
    int32_t *act = NULL, *rule;
    int use_model;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&s, 0, sizeof s);
    memset(&out, 0, sizeof out);
    cli_input_opts_init(&o);
    if (cva_churn_flag_opts_init_defaults(&fo, sizeof fo) != CVA_OK) {
        cli_fail(&err, CLI_EXIT_LIB, "library ABI mismatch (cva_churn_flag_opts)");
        return cli_report(&err);
    }
    for (i = 1; i < argc; i++) {
        int r;
        const char *v = NULL;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_churn_help();
            return 0;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--rule", &v, &err)) != 0) {
            if (r < 0)
                return cli_report(&err);
            fo.rule = strcmp(v, "hiatus") == 0    ? CVA_CHURN_RULE_HIATUS
                      : strcmp(v, "ipt") == 0     ? CVA_CHURN_RULE_IPT
                      : strcmp(v, "p-alive") == 0 ? CVA_CHURN_RULE_P_ALIVE
                      : strcmp(v, "all") == 0     ? CVA_CHURN_RULE_ALL
                                                  : -1;
            if (fo.rule < 0) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --rule: expected hiatus, ipt, p-alive or all, got '%s'", v);
                return cli_report(&err);
            }
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--model", &v, &err)) != 0) {
            if (r < 0)
                return cli_report(&err);
            model = strcmp(v, "bgnbd") == 0 ? CVA_MODEL_BGNBD : strcmp(v, "pnbd") == 0 ? CVA_MODEL_PNBD : -1;
            if (model < 0) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --model: expected bgnbd or pnbd, got '%s'", v);
                return cli_report(&err);
            }
            model_given = 1;
            continue;
        }
        if ((r = cli_match_churn_flag_opt(argc, argv, &i, &fo, &err)) != 0) {
            if (r < 0)
                return cli_report(&err);
            continue;
        }
        r = cli_input_opt(&o, argc, argv, &i, &err);
        if (r < 0)
            return cli_report(&err);
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(&err, CLI_EXIT_USAGE, "churn: unknown option '%s' (see 'cva help churn')", argv[i]);
            return cli_report(&err);
        }
        if (o.input) {
            cli_fail(&err, CLI_EXIT_USAGE, "churn: unexpected argument '%s' (input is already %s)", argv[i], o.input);
            return cli_report(&err);
        }
        o.input = argv[i];
    }
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);
    if (o.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "churn: --calibration-end is not used (flags are as of the end; use --end)");
        return cli_report(&err);
    }
    if (o.week_unit) {
        cli_fail(&err, CLI_EXIT_USAGE, "churn: --time-unit is not used (the rules are in days)");
        return cli_report(&err);
    }
    /* the options, before reading a large input */
    if (cli_check_churn_flag_opts(&fo, "churn", &err))
        return cli_report(&err);
    use_model = fo.rule == CVA_CHURN_RULE_ALL || fo.rule == CVA_CHURN_RULE_P_ALIVE || model_given;

    if (cli_out_open(&out, o.output, &err))
        return cli_report(&err);
    out_open = 1;
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;
    if ((rc = cli_summary_txn(&tx, o.end_days, (double)NAN, 1.0, &s, &err)) != 0)
        goto fail;
    n = s.n;
    sel = (size_t *)cli_xmalloc((n ? n : 1) * sizeof(size_t));
    for (k = 0; k < n; k++)
        if (s.n_occ[k] > 0 && isfinite(s.days_since_last[k]) && isfinite(s.frequency[k]))
            sel[m++] = k;
    buf = (double *)cli_xmalloc((m ? m : 1) * 11 * sizeof(double));
    rec = buf;
    first = rec + m;
    last = first + m;
    x = last + m;
    txv = x + m;
    T = txv + m;
    mx = T + m;
    pa = mx + m;
    clv = pa + m;
    clv0 = clv + m;
    var = clv0 + m;
    nocc = (uint32_t *)cli_xmalloc((m ? m : 1) * sizeof(uint32_t));
    act = (int32_t *)cli_xmalloc((m ? m : 1) * 2 * sizeof(int32_t));
    rule = act + m;
    for (k = 0; k < m; k++) {
        const size_t c = sel[k];
        rec[k] = s.days_since_last[c];
        first[k] = s.first_t[c];
        last[k] = s.last_t[c];
        nocc[k] = s.n_occ[c];
        x[k] = s.frequency[c];
        txv[k] = s.recency[c];
        T[k] = s.T[c];
        mx[k] = isnan(s.monetary_value[c]) ? 0.0 : s.monetary_value[c];
        pa[k] = clv[k] = var[k] = (double)NAN;
    }
    if (use_model && m > 0 && (rc = model_values(model, x, txv, T, mx, m, pa, clv, &err)) != 0)
        goto fail;
    for (k = 0; k < m; k++)
        clv0[k] = isnan(clv[k]) ? 0.0 : clv[k];
    cva_diag_init(&dg, sizeof dg);
    st = cva_churn_flags(rec, nocc, first, last, use_model ? pa : NULL, use_model ? clv0 : NULL, m, &fo, act, rule,
                         use_model ? var : NULL, NULL, &dg);
    if (st < 0) {
        rc = lib_fail(&err, "flags", st, &dg);
        goto fail;
    }
    {
        cli_table t;
        cli_table_begin(&t, &out, o.format == CLI_FMT_JSON, col_names, 6, NULL, "customers");
        for (k = 0; k < m; k++) {
            char ibuf[24];
            size_t ilen;
            const size_t c = sel[k];
            const char *id = cli_ids_text(&tx.ids, s.id[c], ibuf, &ilen);
            const char *rn = cva_churn_rule_name(rule[k]);
            if (tx.ids.text)
                cli_table_text(&t, id, ilen);
            else
                cli_table_int(&t, s.id[c]);
            cli_table_int(&t, act[k]);
            cli_table_text(&t, rn, strlen(rn));
            cli_table_num(&t, pa[k]);
            cli_table_num(&t, clv[k]);
            cli_table_num(&t, isnan(clv[k]) ? (double)NAN : var[k]);
            cli_table_end_row(&t);
        }
        cli_table_end(&t);
    }
    if ((rc = cli_out_commit(&out, &err)) != 0)
        goto fail_closed;
    if (m < n)
        cli_note("%lu customer%s without a purchase (refunds only) left out", (unsigned long)(n - m),
                 n - m == 1 ? "" : "s");
    if (m > 0)
        cli_note("%lu of %lu customers flagged as churned", (unsigned long)dg.count, (unsigned long)m);
    free(sel);
    free(buf);
    free(nocc);
    free(act);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return 0;

fail:
    if (out_open)
        cli_out_abort(&out);
fail_closed:
    free(sel);
    free(buf);
    free(nocc);
    free(act);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return cli_report(&err);
}
