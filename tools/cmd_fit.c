/*
 * cva fit: maximum-likelihood fit of a churn or spend model; writes the fit as JSON.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnbd_cli.h"
#include "cohort_txn.h"
#include "covio.h"
#include "commands.h"
#include "cli.h"
#include "executor.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"

void cmd_fit_help(void)
{
    fputs("Usage: cva fit --model M (--input FILE | --summary FILE) [options]\n"
          "\n"
          "Fits a churn or spend model by maximum likelihood (quasi-Newton on log-parameters\n"
          "with analytic gradients; identical customers merged; deterministic) and writes\n"
          "the fit as one JSON object.\n"
          "\n"
          "Models (--model):\n"
          "  bgnbd    BG/NBD (Fader, Hardie & Lee 2005): r, alpha, a, b\n"
          "  mbgnbd   MBG/NBD (Batislam et al. 2007; Wagner & Hoppe 2008): r, alpha, a, b\n"
          "  pnbd     Pareto/NBD (Schmittlein, Morrison & Colombo 1987): r, alpha, s, beta\n"
          "  ggomnbd  Gamma/Gompertz/NBD (Bemmaor & Glady 2012; CLVTools' ggomnbd): r, alpha, b,\n"
          "           s, beta (b in 1/time, beta without a unit)\n"
          "  pnbdcor  Pareto/NBD with correlated purchase and dropout rates (Sarmanov, as\n"
          "           CLVTools' pnbd(use.cor = TRUE); also --model pnbd --correlation): r,\n"
          "           alpha, s, beta, correlation (Corr(lambda, mu), with its standard error; its\n"
          "           range depends on the other four and the model on the time unit: CLVTools\n"
          "           fits in weeks, --time-unit week)\n"
          "  nbd      NBD (Ehrenberg 1959): r, alpha; purchases without drop-out, the\n"
          "           benchmark; log-likelihood with the constant terms of BTYDplus\n"
          "  gg       Gamma-Gamma spend per transaction (Fader, Hardie & Lee 2005): p, q, gamma;\n"
          "           fitted on customers with frequency >= 1 and monetary value > 0\n"
          "  bgcnbd   BG/CNBD-k (Reutterer, Platzer & Schroeder 2020): BG/NBD with Erlang-k\n"
          "           inter-purchase times: r, alpha, a, b and the integer k (see --k)\n"
          "  mbgcnbd  MBG/CNBD-k: MBG/NBD with Erlang-k inter-purchase times (as bgcnbd);\n"
          "           log-likelihoods with the constant terms of BTYDplus\n"
          "  bgbb     BG/BB, discrete opportunities (Fader, Hardie & Shang 2010):\n"
          "           alpha, beta, gamma, delta; needs --summary\n"
          "  sbg      shifted-beta-geometric, contractual cohorts (Fader & Hardie 2007):\n"
          "           alpha, beta; --summary with a cohort survivor table, or --input\n"
          "           transactions with --period or --period-length (below)\n"
          "\n"
          "Input, one of:\n"
          "  --input FILE     transactions (see the input options below): the statistics of\n"
          "                   'cva summary' are computed first. With --calibration-end the\n"
          "                   model is fitted on the calibration period, and customers without\n"
          "                   a purchase up to that date are left out (a note says how many).\n"
          "  --summary FILE   one row per customer, CSV with a header (other columns ignored):\n"
          "                     frequency,recency,T[,monetary_value][,weights]\n"
          "                   (also accepted: x, t_x, m_x or zbar, weight or count). The\n"
          "                   output of 'cva summary' works as is: its time_unit column (day\n"
          "                   or week) gives the unit of recency and T, and the model is\n"
          "                   fitted in that unit (the JSON's time_unit). Without that column\n"
          "                   (e.g. a lifetimes export) give --time-unit. Rows with empty\n"
          "                   statistics (customers without a purchase) are left out. For bgbb:\n"
          "                     frequency,recency,periods,weights\n"
          "                   (x repeat transactions, recency = the period of the last one,\n"
          "                   periods = opportunities n). For gg only frequency and\n"
          "                   monetary_value are needed. For sbg one row per cohort:\n"
          "                     period_0,period_1,...,period_J   (or numbers, no header)\n"
          "                   customers still active j periods after acquisition (period_0 =\n"
          "                   cohort size); an empty cell = not yet observed (only at the end).\n"
          "  --period day|week|month|quarter   (sbg with --input) acquisition cohorts by\n"
          "                   calendar period of the first purchase (weeks start on Monday);\n"
          "                   survivors of a cohort in period j = its customers with a purchase\n"
          "                   in period j or later, up to the period of the last date (or --end)\n"
          "  --period-length N  (sbg with --input) periods of N days: floor(days since\n"
          "                   1970-01-01 / N)\n"
          "  --frequency-col, --recency-col, --T-col, --monetary-col, --weights-col NAME\n"
          "                   other column names in the --summary file\n"
          "\n",
          stdout);
    fputs("Fit options:\n"
          "  --time-unit day|week  model time unit (default week, as in the papers): recency\n"
          "                   and T are in days or weeks (= days/7); alpha (and beta for pnbd)\n"
          "                   scale with it. With --summary it states the unit of the file's\n"
          "                   recency and T: required when the file has no time_unit column,\n"
          "                   an error when it contradicts that column.\n"
          "  --penalizer L    L2 penalty L * sum(param^2) on the log-likelihood (default 0)\n"
          "  --max-iter N     iteration limit (default 1000); on reaching it the best point\n"
          "                   is written with \"converged\": false and a warning\n"
          "  --q-above-one    gg: constrain q > 1 (so the mean spend exists)\n"
          "  --correlation    pnbd: correlated purchase and dropout rates (the model pnbdcor)\n"
          "  --covariates FILE  (pnbd, bgnbd) time-invariant covariates as CLVTools fits them:\n"
          "                   CSV with customer_id and one numeric column per covariate;\n"
          "                   every column enters both processes unless chosen below. The\n"
          "                   JSON gains \"covariates\": {\"life\": {...}, \"trans\": {...},\n"
          "                   \"standard_errors\": ...}; params are those of z = 0\n"
          "  --life-covariates A,B  --trans-covariates C   the columns of each process\n"
          "  --constrain A,B  one coefficient for both processes for these columns\n"
          "  --l2 LAMBDA      L2 penalty LAMBDA * sum(coef^2) on -LL/N (CLVTools reg.lambdas)\n"
          "  --k auto|N       bgcnbd, mbgcnbd: the regularity k (1..12); auto (default) fits\n"
          "                   k = 1, 2, ... and keeps the best log-likelihood (BTYDplus' search;\n"
          "                   needs --input: the sum of log gaps between a customer's occasions\n"
          "                   enters the likelihood). With --summary give --k N. The JSON has\n"
          "                   \"k\" in \"params\".\n"
          "  -o, --output FILE  output file (default stdout), written only when complete\n"
          "  -q, --quiet      no notes on stderr\n"
          "Progress is shown on stderr when it is a terminal.\n"
          "\n"
          "\n",
          stdout);
    fputs("Output (JSON):\n"
          "  {\"model\": \"bgnbd\", \"params\": {\"r\": ..., \"alpha\": ..., \"a\": ..., \"b\": ...},\n"
          "   \"standard_errors\": {...}, \"log_likelihood\": ..., \"iterations\": ...,\n"
          "   \"converged\": true, \"n_customers\": ..., \"time_unit\": \"week\",\n"
          "   \"status\": \"CVA_OK\", \"boundary\": [], \"covariance\": [[...]], \"n_rows\": ..., ...}\n"
          "\"boundary\" names the parameters whose estimate lies on the edge of the\n"
          "parameter space (status CVA_W_BOUNDARY; e.g. q and gamma of gg when spend has\n"
          "no heterogeneity): the likelihood keeps increasing as they run off to 0 or\n"
          "infinity, the fit stops early and writes the last (finite) iterate, whose\n"
          "log-likelihood is within 0.001 of the limit. \"converged\" is false then, and\n"
          "when the fit stopped at --max-iter (CVA_W_MAXITER) or without passing its\n"
          "convergence test (CVA_W_NOT_CONVERGED). These warnings are printed on stderr;\n"
          "the exit status stays 0. n_customers is the sum of the weights (an integer\n"
          "unless the weights are fractional).\n"
          "Standard errors and the covariance matrix of the parameters come from the\n"
          "observed information (the Hessian of the log-likelihood); null if singular.\n"
          "n_rows is the number of distinct rows after merging identical customers.\n"
          "time_unit is \"period\" for bgbb and sbg. gg adds correlation_frequency_monetary,\n"
          "the Pearson correlation of frequency and monetary value over the customers\n"
          "fitted: the model assumes they are independent.\n"
          "The file is the --params input of 'cva predict'.\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_TIME_UNIT | CLI_HELP_NO_OUTPUT | CLI_HELP_NO_FORMAT | CLI_HELP_NO_INPUT |
                                     CLI_HELP_NO_COST_REF);
    fputs("\nExamples:\n"
          "  cva fit --model bgnbd --input CDNOW_sample.txt --no-header --delimiter whitespace \\\n"
          "      --customer-col 2 --date-col 3 --amount-col 5 --calibration-end 1997-09-30 \\\n"
          "      -o bgnbd.json\n"
          "  cva fit --model bgbb --summary donations.csv\n"
          "  cva fit --model sbg --summary cohorts.csv\n",
          stdout);
}

static void put_num(FILE *fp, double v)
{
    char b[40];
    if (!isfinite(v)) {
        fputs("null", fp);
        return;
    }
    cli_format_double(v, b);
    fputs(b, fp);
}

static void put_str(FILE *fp, const char *s)
{
    char buf[1200];
    size_t n = strlen(s);
    if (n > 190)
        n = 190;
    cli_json_string(buf, sizeof buf, s, n);
    fputs(buf, fp);
}

typedef struct fit_extra {
    const char *input;
    const char *cal_end;
    const char *time_unit;
    double penalizer;
    long long left_out;   /* customers left out (transactions), -1 none */
    long long ignored;    /* gg rows not used, -1 none */
    int has_corr;         /* gg: corr_x_mx is set */
    double corr_x_mx;     /* gg: correlation of frequency and monetary value (NaN: undefined) */
    long long n_cohorts, n_periods;
    cva_status status;    /* of the fit: CVA_OK or a warning */
    const cli_cov_result *cov; /* --covariates: the coefficients, else NULL */
    int32_t k;            /* bgcnbd, mbgcnbd: the fitted k; 0 otherwise */
} fit_extra;

static void write_fit_json(FILE *fp, const cva_model_fit *f, const fit_extra *x)
{
    int i, j, np = f->n_params;
    /* a five-parameter model (ggomnbd) is complete only in params5 / std_err5 / cov5 */
    const double *par = np > 4 ? f->params5 : f->params, *se = np > 4 ? f->std_err5 : f->std_err;
    const double *cov = np > 4 ? f->cov5 : f->cov;
    fputs("{\n  \"model\": ", fp);
    put_str(fp, cli_model_name(f->model));
    fputs(",\n  \"params\": {", fp);
    for (i = 0; i < np; i++) {
        fprintf(fp, "%s\"%s\": ", i ? ", " : "", cva_model_param_name(f->model, i));
        put_num(fp, par[i]);
    }
    if (x->k > 0)
        fprintf(fp, ", \"k\": %d", (int)x->k);
    fputs("},\n  \"standard_errors\": {", fp);
    for (i = 0; i < np; i++) {
        fprintf(fp, "%s\"%s\": ", i ? ", " : "", cva_model_param_name(f->model, i));
        put_num(fp, se[i]);
    }
    fputs("},\n  \"log_likelihood\": ", fp);
    put_num(fp, f->log_likelihood);
    fprintf(fp, ",\n  \"iterations\": %llu,\n  \"converged\": %s,\n  \"n_customers\": ",
            (unsigned long long)f->iterations, f->converged ? "true" : "false");
    put_num(fp, f->n_customers); /* an integer when the weights are (always without weights) */
    fputs(",\n  \"time_unit\": ", fp);
    put_str(fp, x->time_unit);
    fprintf(fp, ",\n  \"status\": \"%s\",\n  \"boundary\": [", cva_status_name(x->status));
    for (i = 0, j = 0; i < np; i++)
        if (f->boundary >> i & 1u)
            fprintf(fp, "%s\"%s\"", j++ ? ", " : "", cva_model_param_name(f->model, i));
    fputs("]", fp);
    fputs(",\n  \"covariance\": [", fp);
    for (i = 0; i < np; i++) {
        fputs(i ? ", [" : "[", fp);
        for (j = 0; j < np; j++) {
            if (j)
                fputs(", ", fp);
            put_num(fp, cov[i * np + j]);
        }
        fputs("]", fp);
    }
    fprintf(fp, "],\n  \"n_rows\": %llu,\n  \"evaluations\": %llu,\n  \"gradient_norm\": ",
            (unsigned long long)f->n_rows, (unsigned long long)f->evaluations);
    put_num(fp, f->grad_norm);
    fputs(",\n  \"penalizer\": ", fp);
    put_num(fp, x->penalizer);
    if (x->n_cohorts >= 0)
        fprintf(fp, ",\n  \"n_cohorts\": %lld,\n  \"n_periods\": %lld", x->n_cohorts, x->n_periods);
    if (x->left_out >= 0)
        fprintf(fp, ",\n  \"customers_left_out\": %lld", x->left_out);
    if (x->ignored >= 0)
        fprintf(fp, ",\n  \"rows_not_used\": %lld", x->ignored);
    if (x->has_corr) {
        fputs(",\n  \"correlation_frequency_monetary\": ", fp);
        put_num(fp, x->corr_x_mx);
    }
    if (x->cov)
        cli_cov_write_json(fp, x->cov);
    fputs(",\n  \"input\": ", fp);
    put_str(fp, x->input);
    if (x->cal_end) {
        fputs(",\n  \"calibration_end\": ", fp);
        put_str(fp, x->cal_end);
    }
    fprintf(fp, ",\n  \"cva_version\": \"%s\"\n}\n", cva_version_string());
}

/* One run of `cva fit`: the options, the data and the fit, filled phase by phase. */
typedef struct fit_job {
    /* options */
    cli_input_opts o;
    const char *summary, *model_s;
    const char *names[CLI_NSCOL];
    int32_t model;
    uint64_t max_iter;
    double penal;
    int q1, max_iter_given, unit_given;
    int correlation; /* --correlation: pnbd → pnbdcor */
    int32_t k;    /* --k: 0 auto (default), 1..12 */
    int k_given;
    int period_cal, period_given; /* sBG cohorts from transactions: --period / --period-length */
    double period_len;
    /* fitting options and what the output says besides the fit */
    cva_fit_opts fo;
    fit_extra ex;
    char label[64], cal_s[24];
    /* data: per-customer statistics, or an sBG cohort table */
    cli_txn tx;
    cli_custdata d;
    double *surv;
    size_t n_coh, n_per;
    /* the fit */
    cva_model_fit fit;
    cli_cov_opts cov;   /* --covariates and its options */
    cli_cov_result covr;
} fit_job;

static void fit_job_free(fit_job *j)
{
    free(j->surv);
    cli_custdata_free(&j->d);
    cli_txn_free(&j->tx);
}

/* The command line into @p j, checked: 0, 1 after --help, -1 on an error (in @p err). */
static int fit_parse(fit_job *j, int argc, char **argv, cli_err *err)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int m, r, is_unit;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_fit_help();
            return 1;
        }
        if ((m = cli_cov_parse_opt(argc, argv, &i, &j->cov, err)) != 0) {
            if (m < 0)
                return -1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--model", &v, err)) != 0) {
            if (m < 0)
                return -1;
            j->model_s = v;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--period", &v, err)) != 0) {
            if (m < 0)
                return -1;
            if ((j->period_cal = cli_cohort_period_code(v)) == CLI_CPER_NONE) {
                cli_fail(err, CLI_EXIT_USAGE, "option --period: \"%s\" is not day, week, month or quarter", v);
                return -1;
            }
            j->period_given = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--period-length", &v, err)) != 0) {
            if (m < 0 || cli_parse_double_opt("--period-length", v, &j->period_len, err))
                return -1;
            if (!(j->period_len > 0.0)) {
                cli_fail(err, CLI_EXIT_USAGE, "option --period-length: must be > 0 (days), got %s", v);
                return -1;
            }
            j->period_cal = CLI_CPER_NONE;
            j->period_given = 2;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--summary", &v, err)) != 0) {
            if (m < 0)
                return -1;
            j->summary = v;
            continue;
        }
        if ((m = modelio_match_fit_opt(argc, argv, &i, &j->penal, &j->max_iter, &j->max_iter_given, err)) != 0) {
            if (m < 0)
                return -1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--k", &v, err)) != 0) {
            if (m < 0 || cli_parse_k(v, &j->k, err))
                return -1;
            j->k_given = 1;
            continue;
        }
        if (cli_match_flag(argv, i, "--q-above-one")) {
            j->q1 = 1;
            continue;
        }
        if (cli_match_flag(argv, i, "--correlation")) {
            j->correlation = 1;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--format", &v, err)) != 0) {
            if (m < 0)
                return -1;
            if (strcmp(v, "json") != 0) {
                cli_fail(err, CLI_EXIT_USAGE, "option --format: cva fit writes JSON only");
                return -1;
            }
            continue;
        }
        {
            static const char *const col_opts[CLI_NSCOL] = {"--id-col", "--frequency-col", "--recency-col",
                                                             "--T-col", "--monetary-col", "--weights-col",
                                                             NULL, NULL, NULL};
            int c, hit = 0;
            for (c = 0; c < CLI_NSCOL && !hit; c++) {
                if (!col_opts[c])
                    continue;
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
        is_unit = strncmp(argv[i], "--time-unit", 11) == 0;
        r = cli_input_opt(&j->o, argc, argv, &i, err);
        if (r < 0)
            return -1;
        if (r > 0) {
            if (is_unit)
                j->unit_given = j->o.week_unit ? CLI_UNIT_WEEK : CLI_UNIT_DAY;
            continue;
        }
        cli_fail(err, CLI_EXIT_USAGE, "fit: %s '%s' (see 'cva help fit')",
                 argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
        return -1;
    }
    if (!j->model_s) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: give --model bgnbd|mbgnbd|pnbd|pnbdcor|ggomnbd|nbd|bgcnbd|mbgcnbd|bgbb|gg|sbg");
        return -1;
    }
    j->model = cli_model_from_name(j->model_s);
    if (!j->model) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: unknown model '%s' (bgnbd, mbgnbd, pnbd, pnbdcor, ggomnbd, nbd, bgcnbd, mbgcnbd, bgbb, "
                 "gg, sbg)", j->model_s);
        return -1;
    }
    if (j->correlation) {
        if (j->model != CVA_MODEL_PNBD && j->model != CVA_MODEL_PNBDCOR) {
            cli_fail(err, CLI_EXIT_USAGE, "fit: --correlation applies to --model pnbd only");
            return -1;
        }
        j->model = CVA_MODEL_PNBDCOR;
    }
    if (j->k_given && !cli_is_cnbd(j->model)) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: --k applies to bgcnbd and mbgcnbd only");
        return -1;
    }
    if (cli_is_cnbd(j->model) && j->summary && j->k == 0) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: choosing k (--k auto, the default) needs the transactions (--input): "
                 "with --summary give --k N");
        return -1;
    }
    if (j->summary && j->o.input) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: give either --input (transactions) or --summary, not both");
        return -1;
    }
    if (!j->summary && !j->o.input) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: no input: give --input FILE (transactions) or --summary FILE");
        return -1;
    }
    if (j->period_given && (j->model != CVA_MODEL_SBG || j->summary)) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: --period and --period-length build sBG cohorts from transactions "
                 "(--model sbg --input FILE)");
        return -1;
    }
    if (j->model == CVA_MODEL_SBG && !j->summary && j->o.cal_end) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: --calibration-end does not apply to sBG cohorts");
        return -1;
    }
    if ((j->model == CVA_MODEL_BGBB || (j->model == CVA_MODEL_SBG && !j->period_given)) && !j->summary) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: --model %s needs --summary FILE (%s)", j->model_s,
                 j->model == CVA_MODEL_BGBB ? "frequency,recency,periods,weights per pattern of discrete opportunities"
                                            : "a cohort survivor table, or --input FILE with --period or "
                                              "--period-length");
        return -1;
    }
    if (j->summary && (j->o.cal_end || j->o.end)) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: --calibration-end and --end apply to transactions (--input), not to "
                 "--summary");
        return -1;
    }
    if (j->o.col_given[CLI_COL_COST] || j->o.col_given[CLI_COL_REFERRER]) {
        cli_fail(err, CLI_EXIT_USAGE, "fit: %s does not apply (the models use purchases and spend only)",
                 j->o.col_given[CLI_COL_COST] ? "--cost-col" : "--referrer-col");
        return -1;
    }
    if (cli_cov_check_opts(&j->cov, j->model, err))
        return -1;
    if (cli_input_check(&j->o, 0, err))
        return -1;
    return 0;
}

/* Fitting options and the output's fixed members. 0 or -1 on an error (in @p err). */
static int fit_setup(fit_job *j, cli_err *err)
{
    cva_diag dg;
    if (cva_fit_opts_init_defaults(&j->fo, sizeof j->fo) != CVA_OK ||
        cva_model_fit_init(&j->fit, sizeof j->fit) != CVA_OK || cva_diag_init(&dg, sizeof dg) != CVA_OK) {
        cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_fit_opts)");
        return -1;
    }
    j->fo.executor = cli_executor(); /* --threads */
    if (j->max_iter_given)
        j->fo.max_iter = (int32_t)j->max_iter;
    j->fo.penalty = j->penal;
    j->fo.q_above_one = j->q1;
    snprintf(j->label, sizeof j->label, "%s", cli_model_title(j->model));
    if (!cli_quiet && isatty(STDERR_FILENO)) {
        j->fo.progress = cli_fit_progress;
        j->fo.progress_user = j->label;
    }
    memset(&j->ex, 0, sizeof j->ex);
    j->ex.input = j->summary ? (strcmp(j->summary, "-") == 0 ? "<stdin>" : j->summary)
                             : (strcmp(j->o.input, "-") == 0 ? "<stdin>" : j->o.input);
    j->ex.time_unit = j->model == CVA_MODEL_BGBB || j->model == CVA_MODEL_SBG ? "period"
                      : j->o.week_unit                                        ? "week"
                                                                              : "day";
    j->ex.penalizer = j->penal;
    j->ex.left_out = j->ex.ignored = j->ex.n_cohorts = j->ex.n_periods = -1;
    j->ex.has_corr = 0;
    j->ex.corr_x_mx = 0.0;
    if (j->o.cal_end) {
        cli_format_date(j->o.cal_days, j->cal_s);
        j->ex.cal_end = j->cal_s;
    }
    return 0;
}

/* The per-customer statistics (transactions or a summary file) or the cohort table. 0 or an exit code. */
static int fit_load(fit_job *j, cli_err *err)
{
    int rc;
    if (j->model == CVA_MODEL_SBG) {
        if (j->summary) {
            if ((rc = cli_read_cohorts(j->summary, j->o.delim, &j->surv, &j->n_coh, &j->n_per, err)) != 0)
                return rc;
        } else {
            if ((rc = cli_load(&j->o, &j->tx, err)) != 0)
                return rc;
            if ((rc = cli_cohorts_from_txn(&j->o, &j->tx, j->period_cal, j->period_len, &j->surv, &j->n_coh, err)) !=
                0)
                return rc;
            j->n_per = j->n_coh;
        }
        j->ex.n_cohorts = (long long)j->n_coh;
        j->ex.n_periods = (long long)j->n_per;
    } else if (j->summary) {
        unsigned need = 1u << CLI_SCOL_X;
        need |= j->model == CVA_MODEL_GG ? 1u << CLI_SCOL_M : (1u << CLI_SCOL_TX) | (1u << CLI_SCOL_T);
        if ((rc = cli_custdata_from_summary(j->summary, j->o.delim, j->names, need, j->model == CVA_MODEL_BGBB, &j->d,
                                            err)) != 0)
            return rc;
        j->ex.left_out = (long long)j->d.dropped;
        if (j->model != CVA_MODEL_BGBB && j->model != CVA_MODEL_GG) {
            /* fitted in the unit of the file, and labelled so */
            int u;
            if ((rc = cli_summary_unit(&j->d, j->unit_given, "fit", &u, err)) != 0)
                return rc;
            if (u != CLI_UNIT_UNKNOWN)
                j->ex.time_unit = cli_unit_name(u);
        } else if (j->model == CVA_MODEL_GG && j->d.time_unit != CLI_UNIT_UNKNOWN &&
                   j->d.time_unit != CLI_UNIT_PERIOD) {
            j->ex.time_unit = cli_unit_name(j->d.time_unit);
        }
    } else {
        if ((rc = cli_load(&j->o, &j->tx, err)) != 0)
            return rc;
        if ((rc = cli_custdata_from_txn(&j->o, &j->tx, &j->d, err)) != 0)
            return rc;
        j->ex.left_out = (long long)j->d.dropped;
    }
    return 0;
}

/* Fit the model (status in j->ex.status). 0 or an exit code. */
static int fit_run(fit_job *j, cli_err *err)
{
    cva_diag dg;
    cva_status st;
    int rc;

    cva_diag_init(&dg, sizeof dg);
    if (j->model == CVA_MODEL_SBG) {
        st = cva_sbg_fit(j->surv, j->n_coh, j->n_per, &j->fo, &j->fit, &dg);
    } else if (j->d.n == j->d.dropped) {
        rc = cli_fail(err, CLI_EXIT_DATA, "fit: no customers to fit%s", j->d.dropped ? " (none with a purchase "
                      "in the calibration period)" : "");
        return rc;
    } else if (j->model == CVA_MODEL_GG) {
        st = cva_gg_fit(j->d.x, j->d.m, j->d.w, j->d.n, &j->fo, &j->fit, &dg);
        if (st >= 0) {
            j->ex.ignored = (long long)(dg.count - j->d.dropped); /* those without a purchase have their own note */
            /* the model's independence check (docs/methods/models.md#methods_gg); NaN when undefined */
            j->ex.has_corr = cva_gg_correlation(j->d.x, j->d.m, j->d.w, j->d.n, &j->ex.corr_x_mx, NULL) >= 0;
        }
    } else if (j->cov.file) {
        if ((rc = cli_cov_fit(&j->cov, ',', j->model, &j->d, &j->fo, &j->fit, &j->covr, &st, &dg, err)) != 0)
            return rc;
        j->ex.cov = &j->covr;
    } else if (cli_is_cnbd(j->model)) {
        st = cli_cnbd_fit(j->model, j->k, &j->o, j->summary ? NULL : &j->tx, &j->d, &j->fo, &j->fit, &j->ex.k, &dg);
        if (st == CVA_E_NOMEM)
            return cli_fail(err, CLI_EXIT_FAIL, "fit: out of memory");
    } else {
        st = cva_model_fit_btyd(j->model, j->d.x, j->d.tx, j->d.T, j->d.w, j->d.n, &j->fo, &j->fit, &dg);
    }
    /* the customers without a purchase the library skipped: said in the note below */
    if (st == CVA_W_EXCLUDED && j->d.dropped > 0)
        st = CVA_OK;
    cli_fit_progress_done();
    if (st == CVA_W_EMPTY) {
        rc = cli_fail(err, CLI_EXIT_DATA, "fit: nothing to fit (%s)",
                      j->model == CVA_MODEL_GG  ? "no customer with frequency >= 1 and monetary value > 0"
                      : j->model == CVA_MODEL_SBG ? "every cohort is empty"
                                               : "no customers");
        return rc;
    }
    if (st < 0) {
        if (j->model == CVA_MODEL_SBG && dg.index >= 0 && (st == CVA_E_BADARG || st == CVA_E_NONFINITE))
            rc = cli_fail(err, CLI_EXIT_DATA, "%s: cohort %lld, period %lld: %s", j->ex.input,
                          (long long)((size_t)dg.index / j->n_per) + 1, (long long)((size_t)dg.index % j->n_per),
                          dg.detail ? dg.detail : cva_strerror(st));
        else
            rc = cli_model_lib_fail(err, "fit", st, &dg, &j->d);
        return rc;
    }
    j->ex.status = st;
    return 0;
}

/* Notes on stderr: customers left out, rows not used, a fit that is not a clean maximum. */
static void fit_notes(fit_job *j)
{
    if (j->d.dropped > 0) {
        cli_format_date(j->o.cal_days, j->cal_s);
        cli_note("%lu customer%s without a purchase%s%s left out (as lifetimes does)", (unsigned long)j->d.dropped,
                 j->d.dropped == 1 ? "" : "s", j->o.cal_end ? " up to the calibration end " : "",
                 j->o.cal_end ? j->cal_s : "");
    }
    if (j->ex.ignored > 0)
        cli_note("Gamma-Gamma: %lld customer%s with frequency 0 or monetary value <= 0 not used in the fit",
                 j->ex.ignored, j->ex.ignored == 1 ? "" : "s");
    cli_fit_warning(&j->fit, j->ex.status, 0);
}

int cmd_fit(int argc, char **argv)
{
    fit_job j;
    cli_err err;
    cli_out out;
    int rc;

    memset(&err, 0, sizeof err);
    memset(&j, 0, sizeof j);
    cli_input_opts_init(&j.o);
    j.o.week_unit = 1; /* models default to weeks */
    j.unit_given = CLI_UNIT_UNKNOWN;
    if ((rc = fit_parse(&j, argc, argv, &err)) != 0 || (rc = fit_setup(&j, &err)) != 0)
        return rc > 0 ? 0 : cli_report(&err);
    j.o.amount_optional = j.model != CVA_MODEL_GG; /* purchase models need no amounts */
    if (cli_out_open(&out, j.o.output, &err))
        return cli_report(&err);
    if ((rc = fit_load(&j, &err)) != 0 || (rc = fit_run(&j, &err)) != 0) {
        cli_fit_progress_done();
        cli_out_abort(&out);
        fit_job_free(&j);
        return cli_report(&err);
    }
    write_fit_json(out.fp, &j.fit, &j.ex);
    if ((rc = cli_out_commit(&out, &err)) != 0) {
        cli_fit_progress_done();
        fit_job_free(&j);
        return cli_report(&err);
    }
    fit_notes(&j);
    fit_job_free(&j);
    return 0;
}
