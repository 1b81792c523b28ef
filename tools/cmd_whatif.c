/*
 * cva whatif: the retention-profit what-if of docs/methods/retention.md#methods_whatif from numbers; writes JSON.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "executor.h"
#include "cohort_txn.h"
#include "commands.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "modeldata.h"
#include "numbers.h"
#include "output.h"

void cmd_whatif_help(void)
{
    fputs("Usage: cva whatif --customers N --margin M --retention R [options]\n"
          "\n"
          "If retention moves from R to R' (optionally at an extra retention spend), what\n"
          "happens to customer lifetime value, customer equity, acquisition spend and the\n"
          "steady-state profit, and how much extra spend per customer breaks even\n"
          "(closed forms with constant retention, Gupta & Lehmann 2003; 'The retention\n"
          "what-if' in the Methods pages of the documentation).\n"
          "\n"
          "Inputs (one period = your economic period, e.g. a year):\n"
          "  --customers N          current active customers (required)\n"
          "  --margin M             margin per active customer per period (required; may be <= 0)\n"
          "  --retention R          share of active customers still active one period later,\n"
          "                         0 <= R < 1 (R = 1 only with --horizon) (required)\n"
          "  --discount D           discount rate per period (default 0.10)\n"
          "  --timing end|start     end: the first margin one period from now, only if retained\n"
          "                         (default); start: a margin now and at the start of every\n"
          "                         retained period\n"
          "  --horizon H            number of margins counted, 0 = infinite (default 0)\n"
          "  --margin-growth G      margin growth per period of tenure (default 0)\n"
          "  --delta-retention X    the scenario change of R (default 0)\n"
          "  --delta-mode abs|rel   abs: R' = R + X (0.05 = five points; default);\n"
          "                         rel: R' = R * (1 + X/100) (5 = five percent of R)\n"
          "  --retention-cost C     retention spend per active customer per period (default 0);\n"
          "                         the margins are net of it\n"
          "  --delta-retention-cost C  extra retention spend per customer-period in the scenario\n"
          "                         (default 0)\n"
          "  --acquisition-cost C   cost of winning one new customer (default: the ratio below\n"
          "                         times --retention-cost, or 0 without retention spend)\n"
          "  --acq-ret-ratio K      acquisition : retention cost ratio (default 5, the popular\n"
          "                         \"keeping a customer costs a fifth of winning one\";\n"
          "                         practitioner estimates are reported to span 5-25x)\n"
          "  --new-customers A      new customers per period for the steady state (default\n"
          "                         N * (1 - R), the replacement level)\n"
          "  --budget-share-target S  target share of marketing spend on existing customers\n"
          "                         (default 0.20); a note says when the share is below it\n"
          "  -o, --output FILE      output file (default stdout), written only when complete\n"
          "  -q, --quiet            no notes on stderr\n"
          "\n"
          "From transactions instead of numbers:\n"
          "  --input FILE           estimate N, M and R from the transactions (the input\n"
          "                         options of 'cva summary' apply: --customer-col, --date-col,\n"
          "                         --amount-col, --cost-col, --end, ...). With P the period\n"
          "                         length and E the end (--end, else the latest date), the\n"
          "                         last period is (E-P, E] and the previous one (E-2P, E-P]:\n"
          "                           N = customers with a purchase in the last period;\n"
          "                           R = share of the customers with a purchase in the previous\n"
          "                               period who bought again in the last period;\n"
          "                           M = net amount (minus cost, with a cost column) of the last\n"
          "                               period per customer counted in N.\n"
          "                         --customers, --margin, --retention given as well override\n"
          "                         the estimates. A note on stderr shows the estimates; a\n"
          "                         warning when the data start after the previous period does.\n"
          "  --period-days P        period length in days with --input (default 365)\n"
          "\n",
          stdout);
    fputs("Model-based variant (with --input; 'CLV from a fitted model' in the Methods\n"
          "pages): the same question asked of a model fitted to the transactions\n"
          "instead of a constant R. The JSON gets one more key, \"model\", an object (null\n"
          "where undefined):\n"
          "  --model sbg|bgnbd|pnbd the model to fit and shift\n"
          "    sbg    cohorts of periods of P days (floor(days since 1970-01-01 / P), as\n"
          "           'cva fit --period-length P'); the fitted sBG retention curve\n"
          "           r_t = (beta+t-1)/(alpha+beta+t-1) is shifted so that the first-period\n"
          "           retention beta/(alpha+beta) moves by the --delta-retention (abs or rel)\n"
          "           with alpha+beta fixed: alpha' = (1-r')(alpha+beta), beta' = r'(alpha+beta);\n"
          "           DEL (a new customer) and DERL (a customer about to renew the first time)\n"
          "           before and after at --discount, their change in percent, the\n"
          "           constant-retention values with R = beta/(alpha+beta) for comparison, and\n"
          "           the value of the current base: margin * sum over the cohorts of the\n"
          "           customers active in their last period * DERL(after as many renewals)\n"
          "    bgnbd, pnbd  the model and Gamma-Gamma spend are fitted to the customers'\n"
          "           statistics (in days, or weeks with --time-unit week); the one-period\n"
          "           retention is the population survival over P days: Pareto/NBD\n"
          "           (beta/(beta+P))^s, BG/NBD E[(alpha/(alpha+pP))^r] over p ~ Beta(a, b);\n"
          "           every customer's dropout rate (Pareto/NBD mu, BG/NBD the dropout\n"
          "           probability p) is multiplied by one factor c, from now on, so that\n"
          "           this survival moves by the --delta-retention; reported: c, the new\n"
          "           parameters, and the total value of the current base, the sum over\n"
          "           the customers of margin rate * E[spend] * DERT (continuous discounting\n"
          "           at ln(1 + --discount) per P days), before and after. BG/NBD cannot\n"
          "           lower retention this way (c*p would exceed 1): null values\n"
          "  --margin-rate R        bgnbd/pnbd: margin rate applied to the spend (default 1)\n"
          "  A shift above retention 0.999 is capped there, with a warning.\n"
          "  \"model\" keys: model, shift (exact, capped, undefined), period_days,\n"
          "  time_unit, discount, margin, value_unit (margin, spend, transactions),\n"
          "  params, params_new, spend_params, retention_base, retention_target,\n"
          "  retention_new, dropout_scale, del_base, del_new, del_change_pct, derl_base,\n"
          "  derl_new, derl_change_pct, del_constant_base, del_constant_new,\n"
          "  derl_constant_base, derl_constant_new, customers, value_base, value_new,\n"
          "  delta_value, delta_value_pct, value_constant_base, value_constant_new\n"
          "\n",
          stdout);
    fputs("Output: one JSON object, null where a value is undefined, every *_pct in percent:\n"
          "  mm_base, mm_new        margin multiples CLV/margin at R and R'\n"
          "  clv_base, clv_new, delta_clv, delta_clv_pct   CLV per customer (margin net of the\n"
          "                         retention spend), its change; pct null for a base <= 0\n"
          "  ce_base, ce_new, delta_ce   customer equity of the current base, N * CLV\n"
          "  retention_elasticity   exact d ln CLV / d ln R at R (END, infinite horizon:\n"
          "                         (1+D)/(1+D-R))\n"
          "  churned_base, churned_new   customers lost per period, N(1-R) and N(1-R')\n"
          "  acquisition_spend_base, acquisition_spend_new, acquisition_spend_avoided\n"
          "                         cost of replacing them, and the saving\n"
          "  break_even_retention_spend  extra spend per customer-period that leaves CLV\n"
          "                         unchanged at R'\n"
          "  programme_roi          delta_clv / (extra spend * multiple at R'); null without\n"
          "                         extra spend or with start timing\n"
          "  steady_state_profit_base, steady_state_profit_new, steady_state_profit_change_pct\n"
          "                         profit per period of a base fed by A new customers per\n"
          "                         period (undiscounted; null when R(1+G) >= 1)\n"
          "  retention_budget_share  retention spend / (retention + acquisition spend)\n"
          "  acq_ret_ratio_used     acquisition cost / retention cost actually used\n"
          "\n"
          "Reported benchmarks, not used in any computation: Reichheld & Sasser (1990) found\n"
          "5 points fewer defections raised profits 25-85%; Gupta, Lehmann & Stuart (2004)\n"
          "found +1% retention raised customer value about 5%.\n"
          "\n"
          "Example: cva whatif --customers 10000 --margin 120 --retention 0.8 \\\n"
          "             --delta-retention 0.05 --retention-cost 10 --delta-retention-cost 5\n",
          stdout);
}

typedef struct num_opt {
    const char *name;
    double *field;
} num_opt;

static int parse_num(const char *name, const char *v, double *out, cli_err *err)
{
    int st = cli_parse_double(v, strlen(v), out);
    if (st == CLI_NUM_OK)
        return 0;
    return cli_fail(err, CLI_EXIT_USAGE, "whatif: %s '%s' is not a %snumber", name, v,
                    st == CLI_NUM_NONFINITE ? "finite " : "");
}

/* The model-based variant (--model). */
typedef struct model_req {
    int32_t model;      /* 0: none */
    double margin_rate; /* --margin-rate */
} model_req;

static int parse_args(int argc, char **argv, cva_whatif_inputs *in, cli_input_opts *io, double *period_days,
                      int *given, model_req *mq, cli_err *err)
{
    num_opt nums[] = {
        {"--customers", &in->customers},
        {"--margin", &in->margin},
        {"--retention", &in->retention},
        {"--discount", &in->discount},
        {"--margin-growth", &in->margin_growth},
        {"--delta-retention", &in->delta_retention},
        {"--retention-cost", &in->retention_cost},
        {"--delta-retention-cost", &in->delta_retention_cost},
        {"--acquisition-cost", &in->acquisition_cost},
        {"--acq-ret-ratio", &in->acq_ret_ratio},
        {"--new-customers", &in->new_customers},
        {"--budget-share-target", &in->budget_share_target},
    };
    int i;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        size_t k;
        int r, done = 0;
        for (k = 0; k < sizeof nums / sizeof nums[0] && !done; k++) {
            r = cli_match_opt(argc, argv, &i, nums[k].name, &v, err);
            if (r < 0)
                return err->code;
            if (r > 0) {
                if (parse_num(nums[k].name, v, nums[k].field, err))
                    return err->code;
                if (k < 3)
                    given[k] = 1;
                done = 1;
            }
        }
        if (done)
            continue;
        if ((r = cli_match_opt(argc, argv, &i, "--timing", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (strcmp(v, "end") == 0)
                in->timing = CVA_CLV_TIMING_END;
            else if (strcmp(v, "start") == 0)
                in->timing = CVA_CLV_TIMING_START;
            else
                return cli_fail(err, CLI_EXIT_USAGE, "whatif: --timing must be end or start, not '%s'", v);
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--delta-mode", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (strcmp(v, "abs") == 0)
                in->delta_mode = CVA_WHATIF_DELTA_ABS;
            else if (strcmp(v, "rel") == 0)
                in->delta_mode = CVA_WHATIF_DELTA_REL;
            else
                return cli_fail(err, CLI_EXIT_USAGE, "whatif: --delta-mode must be abs or rel, not '%s'", v);
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--horizon", &v, err)) != 0) {
            int64_t h;
            if (r < 0)
                return err->code;
            if (cli_parse_int64(v, strlen(v), &h, NULL) != CLI_NUM_OK || h < 0 || h > INT32_MAX)
                return cli_fail(err, CLI_EXIT_USAGE,
                                "whatif: --horizon must be a whole number of periods >= 0 (0: infinite), not '%s'",
                                v);
            in->horizon = (int32_t)h;
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--model", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (strcmp(v, "sbg") == 0)
                mq->model = CVA_MODEL_SBG;
            else if (strcmp(v, "bgnbd") == 0)
                mq->model = CVA_MODEL_BGNBD;
            else if (strcmp(v, "pnbd") == 0)
                mq->model = CVA_MODEL_PNBD;
            else
                return cli_fail(err, CLI_EXIT_USAGE, "whatif: --model must be sbg, bgnbd or pnbd, not '%s'", v);
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--margin-rate", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (parse_num("--margin-rate", v, &mq->margin_rate, err))
                return err->code;
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--period-days", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (parse_num("--period-days", v, period_days, err))
                return err->code;
            if (!(*period_days > 0.0))
                return cli_fail(err, CLI_EXIT_USAGE, "whatif: --period-days must be > 0, not '%s'", v);
            continue;
        }
        if ((r = cli_match_opt(argc, argv, &i, "--format", &v, err)) != 0) {
            if (r < 0)
                return err->code;
            if (strcmp(v, "json") != 0)
                return cli_fail(err, CLI_EXIT_USAGE, "whatif: the output is JSON (--format %s does not apply)", v);
            continue;
        }
        if ((r = cli_input_opt(io, argc, argv, &i, err)) != 0) {
            if (r < 0)
                return err->code;
            continue;
        }
        if (cli_match_flag(argv, i, "--quiet") || cli_match_flag(argv, i, "-q")) {
            cli_quiet = 1;
            continue;
        }
        return cli_fail(err, CLI_EXIT_USAGE, "whatif: unknown %s '%s' (see 'cva help whatif')",
                        argv[i][0] == '-' ? "option" : "argument", argv[i]);
    }
    return 0;
}

/* The cva_diag option id of an input -> its command-line option. */
static const char *option_flag(int32_t id)
{
    switch (id) {
    case CVA_OPT_WHATIF_CUSTOMERS: return "--customers";
    case CVA_OPT_WHATIF_MARGIN: return "--margin";
    case CVA_OPT_WHATIF_RETENTION: return "--retention";
    case CVA_OPT_WHATIF_DISCOUNT: return "--discount";
    case CVA_OPT_WHATIF_TIMING: return "--timing";
    case CVA_OPT_WHATIF_HORIZON: return "--horizon";
    case CVA_OPT_WHATIF_GROWTH: return "--margin-growth";
    case CVA_OPT_WHATIF_DELTA: return "--delta-retention";
    case CVA_OPT_WHATIF_DELTA_MODE: return "--delta-mode";
    case CVA_OPT_WHATIF_RET_COST: return "--retention-cost";
    case CVA_OPT_WHATIF_DELTA_RET_COST: return "--delta-retention-cost";
    case CVA_OPT_WHATIF_ACQ_COST: return "--acquisition-cost";
    case CVA_OPT_WHATIF_ACQ_RET_RATIO: return "--acq-ret-ratio";
    case CVA_OPT_WHATIF_NEW_CUSTOMERS: return "--new-customers";
    case CVA_OPT_WHATIF_BUDGET_TARGET: return "--budget-share-target";
    default: return NULL;
    }
}

static void put(FILE *fp, const char *key, double v, int last)
{
    char buf[40];
    if (isfinite(v))
        cli_format_double(v, buf);
    else
        strcpy(buf, "null");
    fprintf(fp, "  \"%s\": %s%s\n", key, buf, last ? "" : ",");
}

/* ---------------------------------------------------------------- the model-based variant */

/* What the model-based variant computed, for the JSON. */
typedef struct model_out {
    int32_t model;
    int week;                /* statistics in weeks (--time-unit week) */
    int has_gg;              /* Gamma-Gamma fitted (value in spend) */
    double period_days, discount, margin;
    double params[4], gg[3];
    cva_whatif_model_result res;
} model_out;

static void put_in(FILE *fp, const char *key, double v, int last)
{
    char buf[40];
    if (isfinite(v))
        cli_format_double(v, buf);
    else
        strcpy(buf, "null");
    fprintf(fp, "    \"%s\": %s%s\n", key, buf, last ? "" : ",");
}

/* {"name": value, ...} of a model's parameters (null values when NaN). */
static void put_params(FILE *fp, const char *key, int32_t model, const double *v, int n)
{
    int i;
    fprintf(fp, "    \"%s\": {", key);
    for (i = 0; i < n; i++) {
        char buf[40];
        if (isfinite(v[i]))
            cli_format_double(v[i], buf);
        else
            strcpy(buf, "null");
        fprintf(fp, "%s\"%s\": %s", i ? ", " : "", cva_model_param_name(model, i), buf);
    }
    fputs("},\n", fp);
}

static void write_model(FILE *fp, const model_out *m)
{
    static const char *const shifts[3] = {"exact", "capped", "undefined"};
    const cva_whatif_model_result *r = &m->res;
    const int np = m->model == CVA_MODEL_SBG ? 2 : 4;
    fputs("  \"model\": {\n", fp);
    fprintf(fp, "    \"model\": \"%s\",\n",
            m->model == CVA_MODEL_SBG ? "sbg" : m->model == CVA_MODEL_BGNBD ? "bgnbd" : "pnbd");
    fprintf(fp, "    \"shift\": \"%s\",\n", r->shift >= 0 && r->shift <= 2 ? shifts[r->shift] : "?");
    put_in(fp, "period_days", m->period_days, 0);
    fprintf(fp, "    \"time_unit\": \"%s\",\n", m->model == CVA_MODEL_SBG ? "period" : m->week ? "week" : "day");
    put_in(fp, "discount", m->discount, 0);
    put_in(fp, "margin", m->margin, 0);
    fprintf(fp, "    \"value_unit\": \"%s\",\n",
            m->model == CVA_MODEL_SBG ? "margin" : m->has_gg ? "spend" : "transactions");
    put_params(fp, "params", m->model, m->params, np);
    put_params(fp, "params_new", m->model, r->params_new, np);
    if (m->has_gg)
        put_params(fp, "spend_params", CVA_MODEL_GG, m->gg, 3);
    else
        fputs("    \"spend_params\": null,\n", fp);
    put_in(fp, "retention_base", r->retention_base, 0);
    put_in(fp, "retention_target", r->retention_target, 0);
    put_in(fp, "retention_new", r->retention_new, 0);
    put_in(fp, "dropout_scale", r->dropout_scale, 0);
    put_in(fp, "del_base", r->del_base, 0);
    put_in(fp, "del_new", r->del_new, 0);
    put_in(fp, "del_change_pct", r->del_change_pct, 0);
    put_in(fp, "derl_base", r->derl_base, 0);
    put_in(fp, "derl_new", r->derl_new, 0);
    put_in(fp, "derl_change_pct", r->derl_change_pct, 0);
    put_in(fp, "del_constant_base", r->del_constant_base, 0);
    put_in(fp, "del_constant_new", r->del_constant_new, 0);
    put_in(fp, "derl_constant_base", r->derl_constant_base, 0);
    put_in(fp, "derl_constant_new", r->derl_constant_new, 0);
    put_in(fp, "customers", r->customers, 0);
    put_in(fp, "value_base", r->value_base, 0);
    put_in(fp, "value_new", r->value_new, 0);
    put_in(fp, "delta_value", r->delta_value, 0);
    put_in(fp, "delta_value_pct", r->delta_value_pct, 0);
    put_in(fp, "value_constant_base", r->value_constant_base, 0);
    put_in(fp, "value_constant_new", r->value_constant_new, 1);
    fputs("  }\n", fp);
}

static int model_lib_fail(cli_err *err, const char *what, cva_status st, const cva_diag *dg)
{
    /* an option of the what-if (discount, the delta) is the user's: usage */
    int code = st == CVA_E_OPTION || st == CVA_E_NONFINITE ? CLI_EXIT_USAGE : st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB;
    return cli_fail(err, code, "whatif: --model: %s: %s (%s)", what,
                    dg->detail && *dg->detail ? dg->detail : cva_strerror(st), cva_status_name(st));
}

static void model_opts(const cva_whatif_inputs *in, cva_whatif_model_opts *o)
{
    (void)cva_whatif_model_opts_init_defaults(o, sizeof *o);
    o->delta_mode = in->delta_mode;
    o->delta_retention = in->delta_retention;
    o->discount = in->discount;
}

/* sBG: cohorts of P days, fit, current base = the survivors in each cohort's last period. */
static int model_sbg(const cli_input_opts *io, const cli_txn *tx, double P, const cva_whatif_inputs *in,
                     model_out *mo, cli_err *err)
{
    double *surv = NULL, *counts;
    size_t nc = 0, c, j;
    cva_model_fit fit;
    cva_whatif_model_opts o;
    cva_diag dg;
    cva_status st;
    int rc;
    if ((rc = cli_cohorts_from_txn(io, tx, CLI_CPER_NONE, P, &surv, &nc, err)) != 0)
        return rc;
    (void)cva_model_fit_init(&fit, sizeof fit);
    (void)cva_diag_init(&dg, sizeof dg);
    st = nc ? cva_sbg_fit(surv, nc, nc, NULL, &fit, &dg) : CVA_W_EMPTY;
    if (st == CVA_W_EMPTY || st < 0) {
        free(surv);
        return st == CVA_W_EMPTY ? cli_fail(err, CLI_EXIT_DATA, "whatif: --model sbg: no cohort to fit")
                                 : model_lib_fail(err, "sBG fit", st, &dg);
    }
    if (st > 0)
        fprintf(stderr, "cva: warning: whatif: the sBG fit: %s\n", cva_strerror(st));
    counts = (double *)cli_xmalloc(nc * sizeof(double));
    for (j = 0; j < nc; j++)
        counts[j] = 0.0;
    for (c = 0; c < nc; c++) {
        size_t last = nc;
        for (j = 0; j < nc; j++)
            if (!isnan(surv[c * nc + j]))
                last = j;
        if (last < nc)
            counts[last] += surv[c * nc + last];
    }
    free(surv);
    model_opts(in, &o);
    o.margin = in->margin;
    mo->margin = in->margin;
    mo->params[0] = fit.params[0];
    mo->params[1] = fit.params[1];
    (void)cva_whatif_model_result_init(&mo->res, sizeof mo->res);
    (void)cva_diag_init(&dg, sizeof dg);
    st = cva_whatif_sbg(fit.params, counts, nc, &o, &mo->res, &dg);
    free(counts);
    if (st < 0)
        return model_lib_fail(err, "sBG what-if", st, &dg);
    if (st > 0)
        fprintf(stderr, "cva: warning: whatif: --model sbg: %s (%s)\n", dg.detail ? dg.detail : cva_strerror(st),
                cva_status_name(st));
    cli_note("--model sbg: %lu cohorts of %g days, alpha=%.6g beta=%.6g, first-period retention %.6g", (unsigned long)nc,
             P, fit.params[0], fit.params[1], mo->res.retention_base);
    return 0;
}

/* BG/NBD or Pareto/NBD with Gamma-Gamma spend on the customers' statistics. */
static int model_btyd(int32_t model, const cli_input_opts *io, const cli_txn *tx, double P,
                      const cva_whatif_inputs *in, double margin_rate, model_out *mo, cli_err *err)
{
    const char *mname = model == CVA_MODEL_PNBD ? "Pareto/NBD" : "BG/NBD";
    cli_custdata d;
    cva_fit_opts fo;
    cva_model_fit fit, gg;
    cva_whatif_model_opts o;
    cva_diag dg;
    cva_status st;
    double *m_use = NULL;
    size_t k, n_neg = 0;
    int rc;
    if ((rc = cli_custdata_from_txn(io, tx, &d, err)) != 0)
        return rc;
    (void)cva_fit_opts_init_defaults(&fo, sizeof fo);
    fo.executor = cli_executor(); /* --threads */
    (void)cva_model_fit_init(&fit, sizeof fit);
    (void)cva_model_fit_init(&gg, sizeof gg);
    (void)cva_diag_init(&dg, sizeof dg);
    st = cva_model_fit_btyd(model, d.x, d.tx, d.T, NULL, d.n, &fo, &fit, &dg);
    if (st < 0 || st == CVA_W_EMPTY) {
        cli_custdata_free(&d);
        return st < 0 ? model_lib_fail(err, model == CVA_MODEL_PNBD ? "Pareto/NBD fit" : "BG/NBD fit", st, &dg)
                      : cli_fail(err, CLI_EXIT_DATA, "whatif: --model: no customer to fit");
    }
    if (st > 0 && st != CVA_W_EXCLUDED)
        fprintf(stderr, "cva: warning: whatif: the %s fit: %s\n", mname, cva_strerror(st));
    m_use = (double *)cli_xmalloc((d.n ? d.n : 1) * sizeof(double));
    for (k = 0; k < d.n; k++) {
        double v = d.m ? d.m[k] : 0.0;
        m_use[k] = v < 0.0 ? 0.0 : v;
        n_neg += v < 0.0;
    }
    (void)cva_diag_init(&dg, sizeof dg);
    st = cva_gg_fit(d.x, m_use, NULL, d.n, &fo, &gg, &dg);
    mo->has_gg = st >= 0 && st != CVA_W_EMPTY;
    if (st < 0 && st != CVA_E_DOMAIN) {
        free(m_use);
        cli_custdata_free(&d);
        return model_lib_fail(err, "Gamma-Gamma fit", st, &dg);
    }
    if (!mo->has_gg)
        fprintf(stderr, "cva: warning: whatif: --model: no Gamma-Gamma spend model could be fitted (%s): the values "
                        "are in expected transactions\n",
                cva_status_name(st));
    else if (st > 0 && st != CVA_W_EXCLUDED)
        fprintf(stderr, "cva: warning: whatif: the Gamma-Gamma fit: %s\n", cva_strerror(st));
    if (n_neg > 0)
        fprintf(stderr, "cva: warning: whatif: %lu customer%s with a negative mean repeat spend (net refunds) valued "
                        "at spend 0\n",
                (unsigned long)n_neg, n_neg == 1 ? "" : "s");
    model_opts(in, &o);
    o.period = io->week_unit ? P / 7.0 : P;
    o.margin = margin_rate;
    mo->week = io->week_unit;
    mo->margin = margin_rate;
    for (k = 0; k < 4; k++)
        mo->params[k] = fit.params[k];
    for (k = 0; k < 3; k++)
        mo->gg[k] = gg.params[k];
    (void)cva_whatif_model_result_init(&mo->res, sizeof mo->res);
    (void)cva_diag_init(&dg, sizeof dg);
    st = cva_whatif_btyd(model, fit.params, mo->has_gg ? gg.params : NULL, d.x, d.tx, d.T, m_use, d.n, &o, &mo->res,
                         &dg);
    free(m_use);
    cli_custdata_free(&d);
    if (st < 0)
        return model_lib_fail(err, "what-if", st, &dg);
    if (st > 0 && st != CVA_W_EXCLUDED)
        fprintf(stderr, "cva: warning: whatif: --model: %s (%s)\n", dg.detail ? dg.detail : cva_strerror(st),
                cva_status_name(st));
    cli_note("--model %s: params %.6g %.6g %.6g %.6g (%s), one-period retention over %g days %.6g, dropout scale "
             "%.6g",
             model == CVA_MODEL_PNBD ? "pnbd" : "bgnbd", fit.params[0], fit.params[1], fit.params[2], fit.params[3],
             io->week_unit ? "weeks" : "days", P, mo->res.retention_base, mo->res.dropout_scale);
    return 0;
}

static void write_json(FILE *fp, const cva_whatif_result *o, const model_out *mo)
{
    fputs("{\n", fp);
    put(fp, "mm_base", o->mm_base, 0);
    put(fp, "mm_new", o->mm_new, 0);
    put(fp, "clv_base", o->clv_base, 0);
    put(fp, "clv_new", o->clv_new, 0);
    put(fp, "delta_clv", o->delta_clv, 0);
    put(fp, "delta_clv_pct", o->delta_clv_pct, 0);
    put(fp, "ce_base", o->ce_base, 0);
    put(fp, "ce_new", o->ce_new, 0);
    put(fp, "delta_ce", o->delta_ce, 0);
    put(fp, "retention_elasticity", o->retention_elasticity, 0);
    put(fp, "churned_base", o->churned_base, 0);
    put(fp, "churned_new", o->churned_new, 0);
    put(fp, "acquisition_spend_base", o->acquisition_spend_base, 0);
    put(fp, "acquisition_spend_new", o->acquisition_spend_new, 0);
    put(fp, "acquisition_spend_avoided", o->acquisition_spend_avoided, 0);
    put(fp, "break_even_retention_spend", o->break_even_retention_spend, 0);
    put(fp, "programme_roi", o->programme_roi, 0);
    put(fp, "steady_state_profit_base", o->steady_state_profit_base, 0);
    put(fp, "steady_state_profit_new", o->steady_state_profit_new, 0);
    put(fp, "steady_state_profit_change_pct", o->steady_state_profit_change_pct, 0);
    put(fp, "retention_budget_share", o->retention_budget_share, 0);
    put(fp, "acq_ret_ratio_used", o->acq_ret_ratio_used, mo == NULL);
    if (mo)
        write_model(fp, mo);
    fputs("}\n", fp);
}

/* ---------------------------------------------------------------- estimation from transactions */

typedef struct estimate {
    double end, period;
    double n_last, n_prev, n_both, margin_sum, margin;
    int partial; /* the data start after the previous period begins */
} estimate;

/* N, m, r from the transactions (see the help text). 0 or an exit code. */
static int estimate_from(const cli_input_opts *o, const cli_txn *tx, double P, estimate *e, cli_err *err)
{
    cli_period_buyers b;
    double E = isnan(o->end_days) ? tx->t_max : o->end_days;
    double t1 = E - P, t0 = E - 2.0 * P;
    memset(e, 0, sizeof *e);
    if (tx->n == 0)
        return cli_fail(err, CLI_EXIT_DATA, "whatif: %s has no transactions to estimate from", o->input);
    cli_period_buyers_count(tx->cid, tx->t, tx->amount, tx->cost, tx->n, E, P, 1.0, 0.0, &b);
    e->n_prev = b.n_prev;
    e->n_last = b.n_last;
    e->n_both = b.n_both;
    e->end = E;
    e->period = P;
    e->margin_sum = b.margin_sum;
    e->margin = e->n_last > 0.0 ? b.margin_sum / e->n_last : 0.0;
    e->partial = tx->t_min > t0 + 1.0;
    if (!(e->n_prev > 0.0)) {
        char d0[24], d1[24];
        cli_format_date(t0, d0);
        cli_format_date(t1, d1);
        return cli_fail(err, CLI_EXIT_DATA,
                        "whatif: no purchase in the previous period (after %s up to %s): retention cannot be "
                        "estimated (try a shorter --period-days or an earlier --end)",
                        d0, d1);
    }
    return 0;
}

int cmd_whatif(int argc, char **argv)
{
    cva_whatif_inputs in;
    cva_whatif_result res;
    cva_diag diag;
    cli_err err;
    cli_out out;
    cli_input_opts io;
    cli_txn tx;
    estimate est;
    model_req mq;
    model_out mo;
    double period_days = 365.0;
    int given[3] = {0, 0, 0}, st, rc;
    static const char *const required[3] = {"--customers", "--margin", "--retention"};
    size_t k;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&mo, 0, sizeof mo);
    mq.model = 0;
    mq.margin_rate = 1.0;
    cli_input_opts_init(&io);
    for (k = 1; k < (size_t)argc; k++)
        if (cli_match_flag(argv, (int)k, "--help") || cli_match_flag(argv, (int)k, "-h")) {
            cmd_whatif_help();
            return 0;
        }
    if (cva_whatif_inputs_init_defaults(&in, sizeof in) != CVA_OK || cva_whatif_result_init(&res, sizeof res) != CVA_OK ||
        cva_diag_init(&diag, sizeof diag) != CVA_OK) {
        cli_fail(&err, CLI_EXIT_FAIL, "whatif: library struct sizes do not match");
        return cli_report(&err);
    }
    if (parse_args(argc, argv, &in, &io, &period_days, given, &mq, &err))
        return cli_report(&err);
    if (mq.model && !io.input) {
        cli_fail(&err, CLI_EXIT_USAGE, "whatif: --model needs --input FILE (the model is fitted to the transactions)");
        return cli_report(&err);
    }
    if (mq.model != CVA_MODEL_BGNBD && mq.model != CVA_MODEL_PNBD && !(mq.margin_rate >= 1.0 && mq.margin_rate <= 1.0)) {
        cli_fail(&err, CLI_EXIT_USAGE, "whatif: --margin-rate applies with --model bgnbd or pnbd");
        return cli_report(&err);
    }
    if (io.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "whatif: --calibration-end does not apply (the estimate uses the periods "
                                       "before --end)");
        return cli_report(&err);
    }
    if (cli_input_check(&io, 0, &err))
        return cli_report(&err);
    if (io.input) {
        char d0[24], d1[24];
        if ((rc = cli_load(&io, &tx, &err)) != 0 || (rc = estimate_from(&io, &tx, period_days, &est, &err)) != 0) {
            cli_txn_free(&tx);
            return cli_report(&err);
        }
        if (!given[0])
            in.customers = est.n_last;
        if (!given[1])
            in.margin = est.margin;
        if (!given[2])
            in.retention = est.n_both / est.n_prev;
        cli_format_date(est.end - est.period, d0);
        cli_format_date(est.end, d1);
        cli_note("estimated from %s (periods of %g days, the last one after %s up to %s): customers %.0f%s, "
                 "retention %.0f/%.0f = %.4g%s, margin %.6g per customer%s",
                 io.input, est.period, d0, d1, est.n_last, given[0] ? " (overridden by --customers)" : "",
                 est.n_both, est.n_prev, est.n_both / est.n_prev, given[2] ? " (overridden by --retention)" : "",
                 est.margin, given[1] ? " (overridden by --margin)" : "");
        if (est.partial) {
            cli_format_date(est.end - 2.0 * est.period, d0);
            fprintf(stderr,
                    "cva: warning: whatif: the data start after %s, inside the previous period: the retention "
                    "estimate uses a partial period\n",
                    d0);
        }
    } else {
        for (k = 0; k < 3; k++)
            if (!given[k]) {
                cli_fail(&err, CLI_EXIT_USAGE, "whatif: %s is required (or --input FILE; see 'cva help whatif')",
                         required[k]);
                return cli_report(&err);
            }
    }

    st = cva_whatif(&in, &res, &diag);
    if (st < 0) {
        const char *flag = option_flag(diag.option);
        if (flag)
            cli_fail(&err, CLI_EXIT_USAGE, "whatif: %s: %s (%s)", flag, diag.detail, cva_status_name(st));
        else
            cli_fail(&err, CLI_EXIT_LIB, "whatif: %s (%s)", diag.detail, cva_status_name(st));
        cli_txn_free(&tx);
        return cli_report(&err);
    }
    if (mq.model) {
        mo.model = mq.model;
        mo.period_days = period_days;
        mo.discount = in.discount;
        rc = mq.model == CVA_MODEL_SBG ? model_sbg(&io, &tx, period_days, &in, &mo, &err)
                                       : model_btyd(mq.model, &io, &tx, period_days, &in, mq.margin_rate, &mo, &err);
        if (rc) {
            cli_txn_free(&tx);
            return cli_report(&err);
        }
    }
    cli_txn_free(&tx);
    if (cli_out_open(&out, io.output, &err))
        return cli_report(&err);
    write_json(out.fp, &res, mq.model ? &mo : NULL);
    if (cli_out_commit(&out, &err)) {
        cli_out_abort(&out);
        return cli_report(&err);
    }
    if (st == CVA_W_EMPTY)
        fprintf(stderr, "cva: warning: whatif: --customers is 0: customer equity, churn and acquisition totals are 0 "
                        "(%s)\n",
                cva_status_name(st));
    if (res.budget_share_below_target == 1)
        cli_note("retention spend is %.1f%% of retention + acquisition spend, below the target of %.1f%% "
                 "(--budget-share-target)",
                 100.0 * res.retention_budget_share, 100.0 * in.budget_share_target);
    if (isnan(res.steady_state_profit_base) || isnan(res.steady_state_profit_new))
        cli_note("steady-state profit is null: it needs retention * (1 + margin growth) < 1");
    return 0;
}
