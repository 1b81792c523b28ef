/*
 * cva predict: P(alive), expected purchases, expected spend and CLV per customer.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "covio.h"
#include "cli.h"
#include "executor.h"
#include "cnbd_cli.h"
#include "predict_new.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"

void cmd_predict_help(void)
{
    fputs("Usage: cva predict --model M --horizon H (--input FILE | --summary FILE) [options]\n"
          "\n"
          "Per customer: the probability of being alive (still a customer) at the end of\n"
          "the data, the expected number of repeat purchases in the next H time units and,\n"
          "with --spend gg, the expected spend per purchase and the customer lifetime value.\n"
          "\n"
          "Model options:\n"
          "  --model M        bgnbd, mbgnbd, pnbd, ggomnbd, nbd (no drop-out: P(alive) = 1), or bgbb\n"
          "                   (bgbb needs --summary; its time is in opportunities). May be\n"
          "                   left out with --params. bgcnbd and mbgcnbd (BG/CNBD-k, MBG/CNBD-k)\n"
          "                   need --params from 'cva fit' (with \"k\" in \"params\"); their\n"
          "                   expected purchases are BTYDplus' approximation (exact P(alive)\n"
          "                   times the (M)BG/NBD expectation with alpha -> k*alpha): for\n"
          "                   k > 1 NOT the exact expectation (on BTYDplus' grocery data,\n"
          "                   k = 2: up to 39 % off for a customer, -3 % on the cohort's\n"
          "                   sum); their --distribution is exact (its mean is the exact\n"
          "                   expectation), and --variance and --spend do not apply to them.\n",
          stdout);
    /* two literals: one would pass the 4095 characters C99 guarantees */
    fputs("  --params FILE    parameters: the JSON written by 'cva fit' (or by hand:\n"
          "                   {\"model\": \"bgnbd\", \"params\": {\"r\": 0.243, \"alpha\": 4.414,\n"
          "                   \"a\": 0.793, \"b\": 2.426}, \"time_unit\": \"week\"}). Without it the\n"
          "                   model is fitted first on the same data (a note says so).\n"
          "  --horizon H      prediction horizon in the model time unit (e.g. 39 weeks);\n"
          "                   default with --calibration-end: the holdout length\n"
          "  --time-unit day|week  with --input: the model time unit (default week, or the\n"
          "                   \"time_unit\" of the --params file, which it must match: alpha\n"
          "                   and beta scale with it). With --summary: the unit of the file's\n"
          "                   recency and T, required when the file has no time_unit column\n"
          "                   and an error when it contradicts that column\n"
          "  --covariates FILE  the covariate CSV (customer_id, one column per covariate) when\n"
          "                   the --params file carries covariates (cva fit --covariates): each\n"
          "                   customer is predicted at its own parameters\n"
          "  --penalizer L, --max-iter N  options of the fit when there is no --params\n"
          "\n"
          "New customer:\n"
          "  --new-customer   with --params FILE and --horizon H, no purchase data: one row\n"
          "                   horizon,expected_purchases[,p_0 ... p_N]: E[X(H)], a new\n"
          "                   customer's expected repeat purchases in its first H time units,\n"
          "                   and with --distribution N the probabilities P(X(H) = n) of n =\n"
          "                   0..N repeat purchases; --format json gives one object\n"
          "\n"
          "Distribution (bgnbd, mbgnbd, pnbd, nbd, bgcnbd, mbgcnbd):\n"
          "  --distribution N add columns p_0 ... p_N: the conditional probabilities\n"
          "                   P(Y = n | frequency, recency, T) of n = 0..N repeat purchases\n"
          "                   in the next H time units (N <= 1000; 1 - their sum is the\n"
          "                   probability of more than N)\n"
          "  --variance       add the column variance: Var[Y | frequency, recency, T] of\n"
          "                   the repeat purchases in the next H time units\n"
          "\n"
          "Spend and CLV:\n"
          "  --spend gg       add expected_avg_spend (Gamma-Gamma E[M | x, m_x]; the mean\n"
          "                   spend for customers without repeat purchases) and clv;\n"
          "                   both are empty for a negative mean repeat spend (net\n"
          "                   refunds), with a warning counting such customers\n"
          "  --spend-params FILE  Gamma-Gamma parameters (JSON of 'cva fit --model gg');\n"
          "                   default: fitted on the same (calibration) data\n"
          "  --clv-months K   monthly steps of 30 days (default 12); 0: until the terms\n"
          "                   vanish (at most 1200)\n"
          "  --discount D     discount rate per month (default 0.01 = 1 %)\n"
          "  --margin M       profit margin applied to spend (default 1)\n"
          "  CLV = sum over months k = 1..K of margin * E[M] * (E[Y(k*30 days)] -\n"
          "  E[Y((k-1)*30 days)]) / (1 + D)^k, the scheme of the Python 'lifetimes'\n"
          "  package; the settings used are printed on stderr.\n"
          "\n",
          stdout);
    fputs("Input, one of:\n"
          "  --input FILE     transactions (input options below). With --calibration-end\n"
          "                   the model sees the calibration period only, and the output\n"
          "                   adds the holdout actuals; a calibration-vs-holdout table\n"
          "                   (predicted vs actual holdout purchases by calibration\n"
          "                   frequency 0..6, 7+) is printed on stderr.\n"
          "  --summary FILE   one row per customer with frequency,recency,T (and\n"
          "                   monetary_value for --spend; optional customer_id, weights,\n"
          "                   frequency_holdout + duration_holdout: the output of\n"
          "                   'cva summary' works). Column options as in 'cva fit'.\n"
          "                   The unit of recency, T and duration_holdout is the file's\n"
          "                   time_unit column (or --time-unit); they are converted to the\n"
          "                   unit of the --params file (a note says so), which is then the\n"
          "                   unit of --horizon and of the output; without --params the model\n"
          "                   is fitted in the file's unit. Rows with empty statistics\n"
          "                   (customers without a purchase) are left out.\n"
          "\n"
          "Output columns (CSV, or JSON with --format json):\n"
          "  customer_id, frequency, recency, T   the customer and its statistics\n"
          "  p_alive              P(alive) at the end of the (calibration) data\n"
          "  expected_purchases   E[repeat purchases in the next H time units]\n"
          "  expected_avg_spend, clv            with --spend gg\n"
          "  variance, p_0 ... p_N              with --variance, --distribution N\n"
          "  frequency_holdout[, monetary_value_holdout]   with --calibration-end\n"
          "When the fit behind the parameters (a --params/--spend-params file, or the fit\n"
          "made here) did not converge or lies on the boundary of the parameter space,\n"
          "the predictions are still made from its last iterate, a warning says so on\n"
          "stderr, and the JSON output adds \"converged\": false and \"boundary\": [names]\n"
          "(\"spend_converged\", \"spend_boundary\" for Gamma-Gamma).\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_TIME_UNIT);
    fputs("\nExample:\n"
          "  cva fit --model bgnbd --input tx.csv --calibration-end 2024-06-30 -o bgnbd.json\n"
          "  cva predict --params bgnbd.json --input tx.csv --horizon 26 --spend gg\n",
          stdout);
}

static const char *const all_cols[] = {"customer_id",    "frequency",          "recency", "T",
                                       "p_alive",        "expected_purchases", "expected_avg_spend",
                                       "clv",            "frequency_holdout",  "monetary_value_holdout"};

static void fmt_params(char *buf, size_t cap, int32_t model, const double *p)
{
    int i, n = cva_model_n_params(model);
    size_t o = 0;
    buf[0] = '\0';
    for (i = 0; i < n && o < cap; i++) {
        int k = snprintf(buf + o, cap - o, "%s%s=%.6g", i ? " " : "", cva_model_param_name(model, i), p[i]);
        if (k < 0)
            break;
        o += (size_t)k;
    }
}

static int do_fit(int32_t model, const cli_custdata *d, const cva_fit_opts *fo, double *params, cli_params *info,
                  cli_err *err)
{
    cva_model_fit f;
    cva_diag dg;
    cva_status st;
    char pb[200];
    cva_model_fit_init(&f, sizeof f);
    cva_diag_init(&dg, sizeof dg);
    if (model == CVA_MODEL_GG)
        st = cva_gg_fit(d->x, d->m, d->w, d->n, fo, &f, &dg);
    else
        st = cva_model_fit_btyd(model, d->x, d->tx, d->T, d->w, d->n, fo, &f, &dg);
    if (st == CVA_W_EXCLUDED && d->dropped > 0) /* customers without a purchase: their own note */
        st = CVA_OK;
    cli_fit_progress_done();
    if (st == CVA_W_EMPTY)
        return cli_fail(err, CLI_EXIT_DATA, "cannot fit %s: %s", cli_model_title(model),
                        model == CVA_MODEL_GG ? "no customer with frequency >= 1 and monetary value > 0"
                                              : "no customers");
    if (st < 0)
        return cli_model_lib_fail(err, model == CVA_MODEL_GG ? "Gamma-Gamma fit" : "fit", st, &dg, d);
    /* a five-parameter model (ggomnbd) is complete only in params5; params may be gg[4] */
    memcpy(params, f.n_params > 4 ? f.params5 : f.params, (size_t)f.n_params * sizeof(double));
    fmt_params(pb, sizeof pb, model, params);
    cli_note("no %s given: fitted %s on %.0f customers: %s (log-likelihood %.2f, %s)",
             model == CVA_MODEL_GG ? "--spend-params" : "--params", cli_model_title(model), f.n_customers, pb,
             f.log_likelihood, f.converged ? "converged" : "NOT converged");
    (void)cli_fit_warning(&f, st, 1);
    memset(info, 0, sizeof *info);
    info->model = model;
    info->converged = f.converged;
    info->boundary = f.boundary;
    return 0;
}

static void holdout_table(int32_t model, const char *unit, const cli_custdata *d, const double *ey_h,
                          const double *es)
{
    double n_b[8], act_b[8], pred_b[8], tot_n = 0, tot_a = 0, tot_p = 0, rev_a = 0, rev_p = 0;
    size_t k;
    int b;
    for (b = 0; b < 8; b++)
        n_b[b] = act_b[b] = pred_b[b] = 0.0;
    for (k = 0; k < d->n; k++) {
        double w = d->w ? d->w[k] : 1.0;
        if (isnan(d->x[k])) /* without a purchase in the calibration period */
            continue;
        b = d->x[k] >= 7 ? 7 : (int)d->x[k];
        n_b[b] += w;
        act_b[b] += w * d->xh[k];
        pred_b[b] += w * ey_h[k];
        if (es && d->mh && !isnan(es[k])) { /* customers without a spend prediction left out of both */
            rev_a += w * d->xh[k] * d->mh[k];
            rev_p += w * ey_h[k] * es[k];
        }
    }
    fprintf(stderr, "cva: calibration vs holdout (%s; holdout %.4g %s): repeat purchases per customer\n",
            cli_model_title(model), d->hold_len, unit);
    fprintf(stderr, "  %9s %10s %12s %15s\n", "frequency", "customers", "actual mean", "predicted mean");
    for (b = 0; b < 8; b++) {
        char lab[8];
        snprintf(lab, sizeof lab, b == 7 ? "%d+" : "%d", b);
        tot_n += n_b[b];
        tot_a += act_b[b];
        tot_p += pred_b[b];
        if (n_b[b] > 0)
            fprintf(stderr, "  %9s %10.0f %12.4f %15.4f\n", lab, n_b[b], act_b[b] / n_b[b], pred_b[b] / n_b[b]);
        else
            fprintf(stderr, "  %9s %10.0f %12s %15s\n", lab, n_b[b], "-", "-");
    }
    fprintf(stderr, "  %9s %10.0f %12.4f %15.4f\n", "all", tot_n, tot_n > 0 ? tot_a / tot_n : 0.0,
            tot_n > 0 ? tot_p / tot_n : 0.0);
    fprintf(stderr, "  total repeat purchases in the holdout: actual %.0f, predicted %.1f (%+.1f %%)\n", tot_a, tot_p,
            tot_a > 0 ? 100.0 * (tot_p - tot_a) / tot_a : 0.0);
    if (es && d->mh)
        fprintf(stderr, "  holdout revenue: actual %.2f, predicted %.2f (%+.1f %%; E[M] x E[purchases])\n", rev_a,
                rev_p, rev_a > 0 ? 100.0 * (rev_p - rev_a) / rev_a : 0.0);
}

/* 1 if a summary file's id column holds only integers written as numbers print. */
static int summary_ids_numeric(const cli_custdata *d)
{
    size_t k;
    if (d->id || !d->id_off)
        return 0;
    for (k = 0; k < d->n; k++) {
        int64_t v;
        int canon = 0;
        if (cli_parse_int64(d->id_pool + d->id_off[k], d->id_len[k], &v, &canon) != CLI_NUM_OK || !canon)
            return 0;
    }
    return 1;
}

static int64_t int_id(const char *s, size_t len)
{
    int64_t v = 0;
    (void)cli_parse_int64(s, len, &v, NULL);
    return v;
}

/*
 * The units of a summary file (its time_unit column or --time-unit) and of the model (the
 * parameters' time_unit; without one, or without --params, the file's unit): the file's
 * recency, T and holdout length are converted to the model's unit, which becomes o->week_unit.
 */
static int summary_units(cli_custdata *d, int unit_given, const char *params_f, int params_unit,
                         cli_input_opts *o, cli_err *err)
{
    int data_unit, model_unit, rc;
    if ((rc = cli_summary_unit(d, unit_given, "predict", &data_unit, err)) != 0)
        return rc;
    model_unit = params_unit != CLI_UNIT_UNKNOWN ? params_unit : data_unit;
    if (model_unit == CLI_UNIT_UNKNOWN) /* no rows, no unit anywhere */
        model_unit = CLI_UNIT_WEEK;
    if (data_unit == CLI_UNIT_UNKNOWN)
        data_unit = model_unit;
    if (params_f && params_unit == CLI_UNIT_UNKNOWN && d->n > 0)
        cli_note("%s has no \"time_unit\": its parameters are taken to be per %s, the unit of %s", params_f,
                 cli_unit_name(data_unit), d->src);
    if (data_unit != model_unit) {
        cli_custdata_convert_unit(d, data_unit, model_unit);
        cli_note("%s has recency and T in %ss: converted to %ss, the time unit of %s", d->src,
                 cli_unit_name(data_unit), cli_unit_name(model_unit), params_f);
    }
    o->week_unit = model_unit == CLI_UNIT_WEEK;
    return 0;
}

/* One run of `cva predict`: the options, the data and the predictions, filled phase by phase. */
typedef struct predict_job {
    /* options */
    cli_input_opts o;
    const char *summary, *model_s, *params_f, *spend, *spend_f;
    const char *names[CLI_NSCOL];
    int unit_given, have_h, max_iter_given, params_unit, want_var;
    int new_cust; /* --new-customer */
    uint64_t dist_n; /* --distribution N: N + 1 columns; 0 without it */
    double horizon, penal, discount, margin;
    uint64_t months, max_iter;
    /* models: ids, parameters (read or fitted), settings */
    int32_t model;
    cli_params pp, gp;
    double params[5], gg[4];
    cva_fit_opts fo;
    cva_clv_opts co;
    char label[64];
    /* data */
    cli_txn tx;
    cli_custdata d;
    /* predictions per customer; m_use: the mean spends used (negative ones as 0), NULL if none was */
    double *pa, *ey, *ey_h, *es, *clv, *m_use, *var, *dist;
    char *dist_names; /* "p_0\0p_1\0..." */
    size_t n_neg, neg_first;
    char notes[400]; /* JSON members about the fits, for the output's metadata */
    const char *cov_f; /* --covariates FILE */
    double *ip;        /* per-customer parameters when the --params carry covariates, else NULL */
} predict_job;

static void predict_job_init(predict_job *j)
{
    memset(j, 0, sizeof *j);
    cli_input_opts_init(&j->o);
    j->o.week_unit = 1;
    j->params_unit = CLI_UNIT_UNKNOWN;
    j->horizon = (double)NAN;
    j->discount = 0.01;
    j->margin = 1.0;
    j->months = 12;
}

static void predict_job_free(predict_job *j)
{
    free(j->ip);
    free(j->pa);
    free(j->ey);
    free(j->ey_h);
    free(j->es);
    free(j->clv);
    free(j->m_use);
    free(j->var);
    free(j->dist);
    free(j->dist_names);
    cli_custdata_free(&j->d);
    cli_txn_free(&j->tx);
}

/* The command line into @p j: 0, 1 after --help, -1 on an error (in @p err). */
static int predict_parse(predict_job *j, int argc, char **argv, cli_err *err)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int m, r;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_predict_help();
            return 1;
        }
#define STROPT(name, var)                                                  \
    if ((m = cli_match_opt(argc, argv, &i, name, &v, err)) != 0) {        \
        if (m < 0)                                                         \
            return -1;                                       \
        var = v;                                                           \
        continue;                                                          \
    }
        STROPT("--model", j->model_s)
        STROPT("--summary", j->summary)
        STROPT("--params", j->params_f)
        STROPT("--covariates", j->cov_f)
        STROPT("--spend-params", j->spend_f)
        STROPT("--spend", j->spend)
#undef STROPT
        if ((m = cli_match_opt(argc, argv, &i, "--horizon", &v, err)) != 0) {
            if (m < 0 || cli_parse_double_opt("--horizon", v, &j->horizon, err))
                return -1;
            if (j->horizon < 0) {
                cli_fail(err, CLI_EXIT_USAGE, "option --horizon: must be >= 0");
                return -1;
            }
            j->have_h = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--discount", &v, err)) != 0) {
            if (m < 0 || cli_parse_double_opt("--discount", v, &j->discount, err))
                return -1;
            if (!(j->discount > -1.0)) {
                cli_fail(err, CLI_EXIT_USAGE, "option --discount: must be > -1 (e.g. 0.01 for 1 %% per month)");
                return -1;
            }
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--margin", &v, err)) != 0) {
            if (m < 0 || cli_parse_double_opt("--margin", v, &j->margin, err))
                return -1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--distribution", &v, err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--distribution", v, &j->dist_n, err))
                return -1;
            if (j->dist_n > 1000) {
                cli_fail(err, CLI_EXIT_USAGE, "option --distribution: at most 1000");
                return -1;
            }
            j->dist_n++;
            continue;
        }
        if (cli_match_flag(argv, i, "--new-customer")) {
            j->new_cust = 1;
            continue;
        }
        if (cli_match_flag(argv, i, "--variance")) {
            j->want_var = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--clv-months", &v, err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--clv-months", v, &j->months, err))
                return -1;
            if (j->months > 1200) {
                cli_fail(err, CLI_EXIT_USAGE, "option --clv-months: at most 1200");
                return -1;
            }
            continue;
        }
        if ((m = modelio_match_fit_opt(argc, argv, &i, &j->penal, &j->max_iter, &j->max_iter_given, err)) != 0) {
            if (m < 0)
                return -1;
            continue;
        }
        {
            static const char *const col_opts[CLI_NSCOL] = {"--id-col", "--frequency-col", "--recency-col",
                                                             "--T-col", "--monetary-col", "--weights-col",
                                                             "--frequency-holdout-col", "--monetary-holdout-col",
                                                             "--duration-holdout-col"};
            int c, hit = 0;
            for (c = 0; c < CLI_NSCOL && !hit; c++) {
                if ((m = cli_match_opt(argc, argv, &i, col_opts[c], &v, err)) != 0) {
                    if (m < 0)
                        return -1;
                    j->names[c] = v;
                    hit = 1;
                }
            }
            if (hit)
                continue;
        }
        if (strncmp(argv[i], "--time-unit", 11) == 0)
            j->unit_given = 1;
        r = cli_input_opt(&j->o, argc, argv, &i, err);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        cli_fail(err, CLI_EXIT_USAGE, "predict: %s '%s' (see 'cva help predict')",
                 argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
        return -1;
    }
    return 0;
}

/* Model, parameter files, combinations of options, fitting options: checked before reading a
   large input. 0 or -1 on an error (in @p err). */
static int predict_check(predict_job *j, cli_err *err)
{
    cva_diag dg;
    if (j->model_s) {
        j->model = cli_model_from_name(j->model_s);
        if (!j->model) {
            cli_fail(err, CLI_EXIT_USAGE, "predict: unknown model '%s' (bgnbd, mbgnbd, pnbd, ggomnbd, nbd, bgbb)", j->model_s);
            return -1;
        }
    }
    if (j->params_f) {
        if (cli_params_read(j->params_f, j->model, &j->pp, err))
            return -1;
        j->model = j->pp.model;
        memcpy(j->params, j->pp.p, sizeof j->params);
    }
    if (!j->model) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: give --model bgnbd|mbgnbd|pnbd|nbd|bgbb (or --params FILE)");
        return -1;
    }
    if (j->model == CVA_MODEL_GG || j->model == CVA_MODEL_SBG) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --model %s is not a purchase model: use bgnbd, mbgnbd, pnbd, nbd or "
                 "bgbb%s", cli_model_name(j->model), j->model == CVA_MODEL_GG ? " with --spend gg" : "");
        return -1;
    }
    if (j->unit_given)
        j->unit_given = j->o.week_unit ? CLI_UNIT_WEEK : CLI_UNIT_DAY;
    else
        j->unit_given = CLI_UNIT_UNKNOWN;
    if (j->pp.has_unit) {
        int u = cli_unit_code(j->pp.time_unit, strlen(j->pp.time_unit));
        if (u < 0) {
            cli_fail(err, CLI_EXIT_DATA, "%s: unknown time_unit \"%s\" (day, week or period)", j->params_f,
                     j->pp.time_unit);
            return -1;
        }
        if (j->model != CVA_MODEL_BGBB && u == 2) {
            cli_fail(err, CLI_EXIT_DATA, "%s: time_unit \"period\" with a continuous-time model", j->params_f);
            return -1;
        }
        if (j->model != CVA_MODEL_BGBB) {
            j->params_unit = u;
            /* with --summary, --time-unit is the unit of the file (converted below) */
            if (!j->summary && j->unit_given != CLI_UNIT_UNKNOWN && u != j->unit_given) {
                cli_fail(err, CLI_EXIT_USAGE, "predict: --time-unit %s, but %s was fitted in %ss (alpha%s scale "
                         "with the time unit)", j->o.week_unit ? "week" : "day", j->params_f, cli_unit_name(u),
                         j->model == CVA_MODEL_PNBD ? " and beta" : "");
                return -1;
            }
            j->o.week_unit = u;
        }
    }
    if (j->spend && strcmp(j->spend, "gg") != 0) {
        cli_fail(err, CLI_EXIT_USAGE, "option --spend: \"%s\" is not a spend model (gg)", j->spend);
        return -1;
    }
    if (cli_is_cnbd(j->model) && (!j->params_f || j->want_var || j->spend || j->spend_f)) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --model %s %s", cli_model_name(j->model),
                 !j->params_f ? "needs --params FILE (from 'cva fit --model bgcnbd|mbgcnbd', with k)"
                              : "supports P(alive), expected purchases and --distribution only (no --variance, "
                                "--spend)");
        return -1;
    }
    if ((j->dist_n || j->want_var) && j->model == CVA_MODEL_BGBB) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --%s is available for bgnbd, mbgnbd, pnbd and nbd, not bgbb",
                 j->dist_n ? "distribution" : "variance");
        return -1;
    }
    if (j->spend_f && !j->spend)
        j->spend = "gg";
    if (j->spend && j->model == CVA_MODEL_BGBB) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --spend with bgbb is not supported (CLV steps are 30-day months; "
                 "BG/BB time is in opportunities)");
        return -1;
    }
    if (j->spend_f) {
        if (cli_params_read(j->spend_f, CVA_MODEL_GG, &j->gp, err))
            return -1;
        memcpy(j->gg, j->gp.p, sizeof j->gg);
    }
    if (j->summary && j->o.input) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: give either --input (transactions) or --summary, not both");
        return -1;
    }
    if (!j->summary && !j->o.input) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: no input: give --input FILE (transactions) or --summary FILE");
        return -1;
    }
    if (j->model == CVA_MODEL_BGBB && !j->summary) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --model bgbb needs --summary FILE (frequency,recency,periods)");
        return -1;
    }
    if (j->summary && (j->o.cal_end || j->o.end)) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: --calibration-end and --end apply to transactions (--input), not "
                 "to --summary");
        return -1;
    }
    if (!j->have_h && !j->o.cal_end && !j->summary) {
        cli_fail(err, CLI_EXIT_USAGE, "predict: give --horizon H (in %ss)", j->o.week_unit ? "week" : "day");
        return -1;
    }
    if (j->have_h && j->model == CVA_MODEL_BGBB && j->horizon > floor(j->horizon)) {
        cli_fail(err, CLI_EXIT_USAGE, "option --horizon: BG/BB needs a whole number of opportunities");
        return -1;
    }
    if (cli_input_check(&j->o, 0, err))
        return -1;
    if (cva_fit_opts_init_defaults(&j->fo, sizeof j->fo) != CVA_OK ||
        cva_clv_opts_init_defaults(&j->co, sizeof j->co) != CVA_OK || cva_diag_init(&dg, sizeof dg) != CVA_OK) {
        cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_fit_opts / cva_clv_opts)");
        return -1;
    }
    j->fo.executor = cli_executor(); /* --threads */
    j->co.executor = cli_executor();
    if (j->max_iter_given)
        j->fo.max_iter = (int32_t)j->max_iter;
    j->fo.penalty = j->penal;
    snprintf(j->label, sizeof j->label, "%s", cli_model_title(j->model));
    if (!cli_quiet && isatty(STDERR_FILENO)) {
        j->fo.progress = cli_fit_progress;
        j->fo.progress_user = j->label;
    }
    return 0;
}

/* The per-customer statistics (from transactions or a summary file) and the horizon. 0 or an exit code. */
static int predict_load(predict_job *j, cli_err *err)
{
    int rc;
    if (j->summary) {
        unsigned need = (1u << CLI_SCOL_X) | (1u << CLI_SCOL_TX) | (1u << CLI_SCOL_T);
        if (j->spend)
            need |= 1u << CLI_SCOL_M;
        if ((rc = cli_custdata_from_summary(j->summary, j->o.delim, j->names, need, j->model == CVA_MODEL_BGBB, &j->d,
                                            err)) != 0)
            return rc;
        if (j->model != CVA_MODEL_BGBB &&
            (rc = summary_units(&j->d, j->unit_given, j->params_f, j->params_unit, &j->o, err)) != 0)
            return rc;
    } else {
        if ((rc = cli_load(&j->o, &j->tx, err)) != 0)
            return rc;
        if ((rc = cli_custdata_from_txn(&j->o, &j->tx, &j->d, err)) != 0)
            return rc;
        if (j->o.cal_end && j->d.n == j->d.dropped && j->tx.n > 0 && j->o.cal_days < j->tx.t_min) {
            char first[24];
            cli_format_date(j->tx.t_min, first);
            rc = cli_fail(err, CLI_EXIT_USAGE,
                          "predict: --calibration-end %s precedes the first date in the data (%s): no customer "
                          "has a purchase in the calibration period",
                          j->o.cal_end, first);
            return rc;
        }
    }
    if (!j->have_h) {
        if (isnan(j->d.hold_len)) {
            rc = cli_fail(err, CLI_EXIT_USAGE, "predict: give --horizon H (the input has no holdout columns)");
            return rc;
        }
        j->horizon = j->d.hold_len;
        cli_note("horizon: the holdout length, %.6g %s", j->horizon,
                 j->model == CVA_MODEL_BGBB ? "periods" : j->o.week_unit ? "weeks" : "days");
    }
    return 0;
}

/* Parameters not given in a file are fitted on the data. 0 or an exit code. */
static int predict_fit(predict_job *j, cli_err *err)
{
    int rc;
    if (!j->params_f && j->d.n == j->d.dropped) {
        rc = cli_fail(err, CLI_EXIT_DATA, "predict: no customers to fit the model on (give --params)");
        return rc;
    }
    if (!j->params_f && (rc = do_fit(j->model, &j->d, &j->fo, j->params, &j->pp, err)) != 0)
        return rc;
    (void)cli_params_notice(&j->pp, j->params_f, "", j->notes, sizeof j->notes);
    if (j->spend && !j->spend_f) {
        if (j->d.n == j->d.dropped) {
            rc = cli_fail(err, CLI_EXIT_DATA, "predict: no customers to fit Gamma-Gamma on (give --spend-params)");
            return rc;
        }
        if ((rc = do_fit(CVA_MODEL_GG, &j->d, &j->fo, j->gg, &j->gp, err)) != 0)
            return rc;
    }
    if (j->spend)
        (void)cli_params_notice(&j->gp, j->spend_f, "spend_", j->notes, sizeof j->notes);
    return 0;
}

/* P(alive), expected purchases, and with --spend expected spend and CLV. 0 or an exit code. */
static int predict_compute(predict_job *j, cli_err *err)
{
    cva_diag dg;
    cva_status st;
    int rc, both = 0;

    cva_diag_init(&dg, sizeof dg);
    {
        size_t cap = j->d.n ? j->d.n : 1;
        j->pa = (double *)cli_xmalloc(cap * sizeof(double));
        j->ey = (double *)cli_xmalloc(cap * sizeof(double));
        if (j->spend) {
            j->es = (double *)cli_xmalloc(cap * sizeof(double));
            j->clv = (double *)cli_xmalloc(cap * sizeof(double));
        }
    }
    if ((rc = cli_cov_prepare(&j->pp, j->cov_f, &j->d, j->model, j->params, &j->ip, err)) != 0)
        return rc;
    if (j->ip && (j->want_var || j->dist_n))
        return cli_fail(err, CLI_EXIT_USAGE, "predict: --variance and --distribution are not available with covariates");
    if (j->d.n > 0 && !j->ip && !cli_is_cnbd(j->model)) {
        /* both columns from one call (Pareto/NBD: one pass over the rows); on an error the
           two calls again, for their own messages, and for a series warning the expected
           purchases' own status (the warning names them alone) */
        st = cva_model_predict(j->model, j->params, 0.0, j->horizon, j->d.x, j->d.tx, j->d.T, j->d.n, j->pa, j->ey,
                               cli_predict_opts(), &dg);
        if (st == CVA_W_SERIES_LIMIT) {
            cva_diag_init(&dg, sizeof dg);
            st = cva_model_expected(j->model, j->params, j->horizon, j->d.x, j->d.tx, j->d.T, j->d.n, j->ey,
                                    cli_predict_opts(), &dg);
        }
        both = st >= 0;
        if (both && st == CVA_W_SERIES_LIMIT)
            fprintf(stderr, "cva: warning: a series hit its term limit in the expected purchases (%s)\n",
                    dg.detail ? dg.detail : "");
        cva_diag_init(&dg, sizeof dg);
    }
    if (j->d.n > 0) {
        if (!both) {
            st = j->ip ? cli_cov_eval(0, j->model, j->ip, &j->d, 0.0, NULL, NULL, NULL, j->pa, &dg)
                 : cli_is_cnbd(j->model)
                     ? cva_cnbd_p_alive(j->model, j->pp.k, j->params, j->d.x, j->d.tx, j->d.T, j->d.n, j->pa, &dg)
                     : cva_model_p_alive(j->model, j->params, 0.0, j->d.x, j->d.tx, j->d.T, j->d.n, j->pa, cli_predict_opts(), &dg);
            if (st < 0) {
                rc = cli_model_lib_fail(err, "P(alive)", st, &dg, &j->d);
                return rc;
            }
            cva_diag_init(&dg, sizeof dg);
            st = j->ip ? cli_cov_eval(1, j->model, j->ip, &j->d, j->horizon, NULL, NULL, NULL, j->ey, &dg)
                 : cli_is_cnbd(j->model) ? cva_cnbd_expected(j->model, j->pp.k, j->params, j->horizon, j->d.x, j->d.tx,
                                                             j->d.T, j->d.n, j->ey, &dg)
                                         : cva_model_expected(j->model, j->params, j->horizon, j->d.x, j->d.tx, j->d.T,
                                                              j->d.n, j->ey, cli_predict_opts(), &dg);
            if (st < 0) {
                rc = cli_model_lib_fail(err, "expected purchases", st, &dg, &j->d);
                return rc;
            }
            if (st == CVA_W_SERIES_LIMIT)
                fprintf(stderr, "cva: warning: a series hit its term limit in the expected purchases (%s)\n",
                        dg.detail ? dg.detail : "");
        }
        if (j->want_var) {
            j->var = (double *)cli_xmalloc(j->d.n * sizeof(double));
            cva_diag_init(&dg, sizeof dg);
            st = cva_model_cond_variance(j->model, j->params, j->horizon, j->d.x, j->d.tx, j->d.T, j->d.n, j->var,
                                         cli_predict_opts(), &dg);
            if (st < 0)
                return cli_model_lib_fail(err, "variance of the purchases", st, &dg, &j->d);
            if (st == CVA_W_SERIES_LIMIT)
                fprintf(stderr, "cva: warning: a series hit its term limit in the variance (%s)\n",
                        dg.detail ? dg.detail : "");
        }
        if (j->dist_n) {
            double p5[5]; /* bgcnbd, mbgcnbd: k in params[4] */
            memcpy(p5, j->params, sizeof j->params);
            p5[4] = (double)j->pp.k;
            j->dist = (double *)cli_xmalloc(j->d.n * (size_t)j->dist_n * sizeof(double));
            cva_diag_init(&dg, sizeof dg);
            st = cva_model_cond_prob_n(j->model, p5, j->horizon, j->d.x, j->d.tx, j->d.T, j->d.n,
                                       (size_t)j->dist_n, j->dist, cli_predict_opts(), &dg);
            if (st < 0)
                return cli_model_lib_fail(err, "distribution of the purchases", st, &dg, &j->d);
            if (st == CVA_W_SERIES_LIMIT)
                fprintf(stderr, "cva: warning: a series or quadrature hit its limit in the distribution (%s)\n",
                        dg.detail ? dg.detail : "");
        }
        if (j->spend) {
            /* A negative mean repeat spend (net refunds) has no Gamma-Gamma prediction and the
               library refuses it: such customers get empty spend and CLV cells and a warning
               with their count, instead of stopping the whole run on real exports. */
            size_t k;
            for (k = 0; k < j->d.n; k++)
                if (j->d.m[k] < 0.0) {
                    if (!j->m_use) {
                        j->m_use = (double *)cli_xmalloc(j->d.n * sizeof(double));
                        memcpy(j->m_use, j->d.m, j->d.n * sizeof(double));
                        j->neg_first = k;
                    }
                    j->m_use[k] = 0.0;
                    j->n_neg++;
                }
            cva_diag_init(&dg, sizeof dg);
            st = cva_gg_expected_spend(j->gg, j->d.x, j->m_use ? j->m_use : j->d.m, j->d.n, j->es, NULL, &dg);
            if (st < 0) {
                rc = cli_model_lib_fail(err, "expected spend", st, &dg, &j->d);
                return rc;
            }
            j->co.steps = (int32_t)j->months;
            j->co.step_length = j->o.week_unit ? 30.0 / 7.0 : 30.0;
            j->co.discount = j->discount;
            j->co.margin = j->margin;
            cva_diag_init(&dg, sizeof dg);
            if (j->ip)
                st = cli_cov_eval(2, j->model, j->ip, &j->d, 0.0, j->gg, j->m_use ? j->m_use : j->d.m, &j->co, j->clv,
                                  &dg);
            else
                st = cva_clv(j->model, j->params, j->gg, j->d.x, j->d.tx, j->d.T, j->m_use ? j->m_use : j->d.m,
                             j->d.n, &j->co, j->clv, &dg);
            if (st < 0) {
                rc = cli_model_lib_fail(err, "CLV", st, &dg, &j->d);
                return rc;
            }
            if (j->n_neg > 0) {
                char ib[24];
                size_t ilen, n_id;
                const char *id = cli_custdata_id(&j->d, j->neg_first, ib, &ilen);
                for (k = 0; k < j->d.n; k++)
                    if (j->d.m[k] < 0.0)
                        j->es[k] = j->clv[k] = (double)NAN;
                n_id = ilen < 40 ? ilen : 40;
                fprintf(stderr,
                        "cva: warning: %lu customer%s with a negative mean repeat spend (net refunds; first: "
                        "customer \"%.*s\") %s no spend or CLV prediction: those cells are empty\n",
                        (unsigned long)j->n_neg, j->n_neg == 1 ? "" : "s", (int)n_id, id,
                        j->n_neg == 1 ? "has" : "have");
                snprintf(j->notes + strlen(j->notes), sizeof j->notes - strlen(j->notes),
                         "\"customers_negative_spend\": %lu,\n  ", (unsigned long)j->n_neg);
            }
            if (st == CVA_W_SERIES_LIMIT && dg.option == CVA_OPT_CLV_STEPS)
                fprintf(stderr, "cva: warning: CLV: the terms of %llu customer%s had not vanished after 1200 months "
                                "(the cap of --clv-months 0)\n",
                        (unsigned long long)dg.count, dg.count == 1 ? "" : "s");
            else if (st == CVA_W_SERIES_LIMIT)
                fprintf(stderr, "cva: warning: CLV: a series hit its term limit (%s)\n", dg.detail ? dg.detail : "");
        }
    }
    return 0;
}

/* The table of predictions (CSV or JSON) into @p out. */
static void predict_write(predict_job *j, cli_out *out)
{
    if (j->dist_n && !j->dist_names)
        j->dist_names = (char *)cli_xmalloc(16 * (size_t)j->dist_n);
    {
        const char **cols = (const char **)cli_xmalloc((12 + (size_t)j->dist_n) * sizeof *cols);
        size_t nc = 0, k, q;
        cli_table t;
        char meta[512];
        const double unit_days = j->o.week_unit ? 7.0 : 1.0;
        /* one JSON type per run: the ids of a summary file are numbers if all of them are */
        const int int_ids = summary_ids_numeric(&j->d);
        for (k = 0; k < 6; k++)
            cols[nc++] = all_cols[k];
        if (j->spend) {
            cols[nc++] = all_cols[6];
            cols[nc++] = all_cols[7];
        }
        if (j->want_var)
            cols[nc++] = "variance";
        for (q = 0; q < j->dist_n; q++) {
            char *nm = j->dist_names + 16 * q;
            snprintf(nm, 16, "p_%u", (unsigned)q);
            cols[nc++] = nm;
        }
        if (j->d.xh) {
            cols[nc++] = all_cols[8];
            if (j->spend && j->d.mh)
                cols[nc++] = all_cols[9];
        }
        meta[0] = '\0';
        if (j->o.format == CLI_FMT_JSON) {
            char hb[40];
            cli_format_double(j->horizon, hb);
            snprintf(meta, sizeof meta,
                     "\"command\": \"predict\",\n  \"model\": \"%s\",\n  \"horizon\": %s,\n  \"time_unit\": \"%s\",\n"
                     "  \"n_customers\": %lu,\n  %s",
                     cli_model_name(j->model), hb,
                     j->model == CVA_MODEL_BGBB ? "period"
                     : j->o.week_unit           ? "week"
                                                : "day",
                     (unsigned long)(j->d.n - j->d.dropped), j->notes);
        }
        cli_table_begin(&t, out, j->o.format == CLI_FMT_JSON, cols, nc, meta, "customers");
        for (k = 0; k < j->d.n; k++) {
            char ib[24];
            size_t ilen;
            const char *id;
            if (isnan(j->d.x[k])) /* without a purchase: no prediction, left out (the note says how many) */
                continue;
            id = cli_custdata_id(&j->d, k, ib, &ilen);
            if (j->d.id && !j->d.ids->text)
                cli_table_int(&t, j->d.id[k]);
            else if ((!j->d.id && !j->d.id_off) || int_ids)
                cli_table_int(&t, int_ids ? int_id(id, ilen) : (int64_t)k + 1);
            else
                cli_table_text(&t, id, ilen);
            cli_table_num(&t, j->d.x[k]);
            cli_table_num(&t, j->o.input ? cli_txn_time(&j->tx, j->d.tx[k], unit_days) : j->d.tx[k]);
            cli_table_num(&t, j->o.input ? cli_txn_time(&j->tx, j->d.T[k], unit_days) : j->d.T[k]);
            cli_table_num(&t, j->pa[k]);
            cli_table_num(&t, j->ey[k]);
            if (j->spend) {
                cli_table_num(&t, j->es[k]);
                cli_table_num(&t, j->clv[k]);
            }
            if (j->want_var)
                cli_table_num(&t, j->var[k]);
            for (q = 0; q < j->dist_n; q++)
                cli_table_num(&t, j->dist[k * (size_t)j->dist_n + q]);
            if (j->d.xh) {
                cli_table_num(&t, j->d.xh[k]);
                if (j->spend && j->d.mh)
                    cli_table_num(&t, j->o.input ? cli_txn_money_mean(&j->tx, j->d.mh[k], j->d.xh[k]) : j->d.mh[k]);
            }
            cli_table_end_row(&t);
        }
        cli_table_end(&t);
        free(cols);
    }
}

/* Notes on stderr: customers left out, the CLV settings, calibration vs holdout. */
static void predict_notes(predict_job *j)
{
    cva_diag dg;
    cva_status st;

    if (j->d.dropped > 0) {
        char ds[24];
        cli_format_date(j->o.cal_days, ds);
        cli_note("%lu customer%s without a purchase%s%s left out (as lifetimes does)", (unsigned long)j->d.dropped,
                 j->d.dropped == 1 ? "" : "s", j->o.cal_end ? " up to the calibration end " : "",
                 j->o.cal_end ? ds : "");
    }
    if (j->spend && !cli_quiet) {
        char gb[200];
        fmt_params(gb, sizeof gb, CVA_MODEL_GG, j->gg);
        if (j->months > 0)
            cli_note("CLV settings: %lu monthly steps of 30 days (%.6g %s each), discount %.6g %% per step, margin "
                     "%.6g; Gamma-Gamma %s",
                     (unsigned long)j->months, j->co.step_length, j->o.week_unit ? "weeks" : "days",
                     100.0 * j->discount, j->margin, gb);
        else
            cli_note("CLV settings: monthly steps of 30 days (%.6g %s each) until the terms vanish (at most 1200), "
                     "discount %.6g %% per step, margin %.6g; Gamma-Gamma %s",
                     j->co.step_length, j->o.week_unit ? "weeks" : "days", 100.0 * j->discount, j->margin, gb);
    }
    if (j->d.xh && !cli_quiet && j->d.n > j->d.dropped) {
        double *use = j->ey;
        if (!(fabs(j->horizon - j->d.hold_len) <= 0.0)) {
            j->ey_h = (double *)cli_xmalloc(j->d.n * sizeof(double));
            cva_diag_init(&dg, sizeof dg);
            st = j->ip ? cli_cov_eval(1, j->model, j->ip, &j->d, j->d.hold_len, NULL, NULL, NULL, j->ey_h, &dg)
                 : cli_is_cnbd(j->model) ? cva_cnbd_expected(j->model, j->pp.k, j->params, j->d.hold_len, j->d.x,
                                                             j->d.tx, j->d.T, j->d.n, j->ey_h, &dg)
                                         : cva_model_expected(j->model, j->params, j->d.hold_len, j->d.x, j->d.tx,
                                                              j->d.T, j->d.n, j->ey_h, cli_predict_opts(), &dg);
            use = st >= 0 ? j->ey_h : NULL;
        }
        if (use)
            holdout_table(j->model,
                          j->model == CVA_MODEL_BGBB ? "periods"
                          : j->o.week_unit           ? "weeks"
                                                     : "days",
                          &j->d, use, j->es);
    }
}

int cmd_predict(int argc, char **argv)
{
    predict_job j;
    cli_err err;
    cli_out out;
    int rc;

    memset(&err, 0, sizeof err);
    predict_job_init(&j);
    if ((rc = predict_parse(&j, argc, argv, &err)) != 0)
        return rc > 0 ? 0 : cli_report(&err);
    if (j.new_cust) { /* a new customer: no history, the model from --params */
        if (!j.params_f || !j.have_h || j.o.input || j.summary || j.spend || j.want_var) {
            cli_fail(&err, CLI_EXIT_USAGE, "predict --new-customer: give --params FILE and --horizon H (and "
                     "optionally --distribution N); no --input, --summary, --spend or --variance");
            return cli_report(&err);
        }
        if (cli_params_read(j.params_f, 0, &j.pp, &err) == 0) {
            if (j.pp.model == CVA_MODEL_GG || j.pp.model == CVA_MODEL_SBG || j.pp.model == CVA_MODEL_BGBB)
                cli_fail(&err, CLI_EXIT_USAGE, "predict --new-customer: %s is not a continuous-time purchase model",
                         cli_model_name(j.pp.model));
            else if ((rc = cli_predict_new(&j.pp, j.horizon, (size_t)j.dist_n, j.o.format == CLI_FMT_JSON,
                                           j.o.output, &err)) == 0)
                return 0;
        }
        return cli_report(&err);
    }
    if ((rc = predict_check(&j, &err)) != 0)
        return rc > 0 ? 0 : cli_report(&err);
    j.o.amount_optional = !j.spend; /* purchase models need no amounts */
    if (cli_out_open(&out, j.o.output, &err))
        return cli_report(&err);
    if ((rc = predict_load(&j, &err)) != 0 || (rc = predict_fit(&j, &err)) != 0 ||
        (rc = predict_compute(&j, &err)) != 0) {
        cli_fit_progress_done();
        cli_out_abort(&out);
        predict_job_free(&j);
        return cli_report(&err);
    }
    predict_write(&j, &out);
    if ((rc = cli_out_commit(&out, &err)) != 0) {
        cli_fit_progress_done();
        predict_job_free(&j);
        return cli_report(&err);
    }
    predict_notes(&j);
    predict_job_free(&j);
    return 0;
}
