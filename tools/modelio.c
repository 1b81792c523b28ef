/*
 * cva command-line tool: model names, fitting options, fit warnings, library errors, progress.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "modelio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "numbers.h"
#include "summary.h"

/* ------------------------------------------------------------------ names */

static const struct {
    const char *name, *title;
    int32_t id;
} model_names[] = {
    {"bgnbd", "BG/NBD", CVA_MODEL_BGNBD},   {"mbgnbd", "MBG/NBD", CVA_MODEL_MBGNBD},
    {"pnbd", "Pareto/NBD", CVA_MODEL_PNBD}, {"bgbb", "BG/BB", CVA_MODEL_BGBB},
    {"gg", "Gamma-Gamma", CVA_MODEL_GG},    {"sbg", "sBG", CVA_MODEL_SBG},
    {"nbd", "NBD", CVA_MODEL_NBD},          {"bgcnbd", "BG/CNBD-k", CVA_MODEL_BGCNBD},
    {"mbgcnbd", "MBG/CNBD-k", CVA_MODEL_MBGCNBD}, {"ggomnbd", "GGompertz/NBD", CVA_MODEL_GGOMNBD},
    {"pnbdcor", "Pareto/NBD (correlated)", CVA_MODEL_PNBDCOR},
};
#define N_MODELS (sizeof model_names / sizeof model_names[0])

int32_t cli_model_from_name(const char *name)
{
    size_t k;
    for (k = 0; k < N_MODELS; k++)
        if (strcmp(model_names[k].name, name) == 0)
            return model_names[k].id;
    return 0;
}

const char *cli_model_name(int32_t model)
{
    size_t k;
    for (k = 0; k < N_MODELS; k++)
        if (model_names[k].id == model)
            return model_names[k].name;
    return "?";
}

const char *cli_model_title(int32_t model)
{
    size_t k;
    for (k = 0; k < N_MODELS; k++)
        if (model_names[k].id == model)
            return model_names[k].title;
    return "?";
}

int cli_parse_double_opt(const char *name, const char *value, double *out, cli_err *err)
{
    int st = cli_parse_double(value, strlen(value), out);
    if (st == CLI_NUM_OK)
        return 0;
    return cli_fail(err, CLI_EXIT_USAGE, "option %s: \"%s\" is not a %snumber", name, value,
                    st == CLI_NUM_NONFINITE ? "finite " : "");
}

/* ------------------------------------------------------------------ churn-flag options */

static const char *const CHURN_OPT_NAMES[3] = {"--hiatus-days", "--ipt-multiple", "--threshold"};

int cli_match_churn_flag_opt(int argc, char **argv, int *i, cva_churn_flag_opts *fo, cli_err *err)
{
    double *dst[3];
    const char *v = NULL;
    size_t q;
    dst[0] = &fo->hiatus;
    dst[1] = &fo->ipt_multiple;
    dst[2] = &fo->threshold;
    for (q = 0; q < 3; q++) {
        int r = cli_match_opt(argc, argv, i, CHURN_OPT_NAMES[q], &v, err);
        if (r < 0)
            return -1;
        if (r > 0)
            return cli_parse_double_opt(CHURN_OPT_NAMES[q], v, dst[q], err) ? -1 : 1;
    }
    return 0;
}

int cli_check_churn_flag_opts(const cva_churn_flag_opts *fo, const char *cmd, cli_err *err)
{
    cva_diag dg;
    cva_status st;
    int32_t none = 0;
    const char *name = NULL;
    double got = 0.0;
    char num[40];
    cva_diag_init(&dg, sizeof dg);
    /* no rows: only the options are checked (CVA_W_EMPTY when they are valid) */
    st = cva_churn_flags(NULL, NULL, NULL, NULL, NULL, NULL, 0, fo, &none, NULL, NULL, NULL, &dg);
    if (st != CVA_E_OPTION)
        return 0;
    switch (dg.option) {
    case CVA_OPT_CHURN_HIATUS:
        name = CHURN_OPT_NAMES[0];
        got = fo->hiatus;
        break;
    case CVA_OPT_CHURN_IPT_MULTIPLE:
        name = CHURN_OPT_NAMES[1];
        got = fo->ipt_multiple;
        break;
    case CVA_OPT_CHURN_THRESHOLD:
        name = CHURN_OPT_NAMES[2];
        got = fo->threshold;
        break;
    default:
        break;
    }
    if (!name)
        return cli_fail(err, CLI_EXIT_USAGE, "%s: %s", cmd, dg.detail && *dg.detail ? dg.detail : cva_strerror(st));
    num[cli_format_double(got, num)] = '\0';
    return cli_fail(err, CLI_EXIT_USAGE, "%s: option %s: %s (got %s)", cmd, name,
                    dg.detail && *dg.detail ? dg.detail : cva_strerror(st), num);
}

/* ------------------------------------------------------------------ fit warnings */

/* "q and gamma" from a bit mask of parameters of @p model */
static void param_list(int32_t model, unsigned mask, char *buf, size_t cap)
{
    int i, np = cva_model_n_params(model), k = 0, total = 0;
    size_t o = 0;
    for (i = 0; i < np; i++)
        total += (int)(mask >> i & 1u);
    buf[0] = '\0';
    for (i = 0; i < np && o < cap; i++)
        if (mask >> i & 1u) {
            int w = snprintf(buf + o, cap - o, "%s%s", k == 0 ? "" : (k == total - 1 ? " and " : ", "),
                             cva_model_param_name(model, i));
            if (w < 0)
                break;
            o += (size_t)w;
            k++;
        }
}

int cli_fit_warning(const cva_model_fit *fit, cva_status st, int for_predict)
{
    char up[80], down[80];
    const char *t = cli_model_title(fit->model);
    if (st == CVA_W_BOUNDARY) {
        /* pnbdcor: the correlation's edge is the end of its admissible range, not 0 or infinity */
        const unsigned cm = fit->model == CVA_MODEL_PNBDCOR ? fit->boundary & 16u : 0u, b = fit->boundary & ~cm;
        const char *ce = !cm ? "" : (fit->boundary_upper & 16u) ? "correlation at the upper end of its range"
                                                                : "correlation at the lower end of its range";
        param_list(fit->model, b & fit->boundary_upper, up, sizeof up);
        param_list(fit->model, b & ~fit->boundary_upper, down, sizeof down);
        fprintf(stderr,
                "cva: warning: %s fit: the estimate lies on the boundary of the parameter space (%s%s%s%s%s%s%s): the "
                "likelihood keeps increasing that way, so the data cannot pin %s down; %s\n",
                t, up, *up ? " running off to infinity" : "", *up && *down ? ", " : "", down,
                *down ? " to 0" : "", (*up || *down) && cm ? ", " : "", ce,
                fit->boundary & (fit->boundary - 1u) ? "these parameters" : "it",
                for_predict ? "the predictions use its last iterate"
                            : "the last iterate is written, with \"boundary\" naming the parameters");
        return 1;
    }
    if (st == CVA_W_MAXITER) {
        fprintf(stderr, "cva: warning: %s fit stopped at the iteration limit (%llu) before converging; %s\n", t,
                (unsigned long long)fit->iterations,
                for_predict ? "the predictions use its best point" : "the best point is written with \"converged\": false");
        return 1;
    }
    if (st == CVA_W_NOT_CONVERGED || !fit->converged) {
        fprintf(stderr, "cva: warning: %s fit did not pass the convergence test (gradient norm %.3g); %s\n", t,
                fit->grad_norm,
                for_predict ? "the predictions use its best point" : "the best point is written with \"converged\": false");
        return 1;
    }
    return 0;
}

int cli_params_notice(const cli_params *pp, const char *path, const char *prefix, char *meta, size_t cap)
{
    size_t o = strlen(meta);
    char names[80];
    int i, np = cva_model_n_params(pp->model), k = 0;
    if (!pp->boundary && pp->converged != 0)
        return 0;
    if (!path) {
        /* the caller has warned already */
    } else if (pp->boundary) {
        param_list(pp->model, pp->boundary, names, sizeof names);
        fprintf(stderr, "cva: warning: %s: the %s fit lies on the boundary of the parameter space (%s): the "
                        "predictions use its last iterate and are the limit the data point to, not an estimate "
                        "the data pin down\n",
                path, cli_model_title(pp->model), names);
    } else {
        fprintf(stderr, "cva: warning: %s: the %s fit did not converge (\"converged\": false): the predictions "
                        "use its best point so far\n",
                path, cli_model_title(pp->model));
    }
    if (o < cap)
        o += (size_t)snprintf(meta + o, cap - o, "\"%sconverged\": false,\n  \"%sboundary\": [", prefix, prefix);
    for (i = 0; i < np && o < cap; i++)
        if (pp->boundary >> i & 1u)
            o += (size_t)snprintf(meta + o, cap - o, "%s\"%s\"", k++ ? ", " : "", cva_model_param_name(pp->model, i));
    if (o < cap)
        snprintf(meta + o, cap - o, "],\n  ");
    return 1;
}

/* ------------------------------------------------------------------ errors and progress */

int cli_model_lib_fail(cli_err *err, const char *what, cva_status st, const cva_diag *dg, const cli_custdata *d)
{
    const char *detail = dg && dg->detail && *dg->detail ? dg->detail : cva_strerror(st);
    if ((st == CVA_E_BADARG || st == CVA_E_NONFINITE || st == CVA_E_DOMAIN) && dg && dg->index >= 0 && d &&
        (size_t)dg->index < d->n) {
        char where[256];
        cli_custdata_where(d, (size_t)dg->index, where, sizeof where);
        return cli_fail(err, CLI_EXIT_DATA, "%s: %s: %s", where, what, detail);
    }
    if (st == CVA_E_DOMAIN)
        return cli_fail(err, CLI_EXIT_DATA, "%s: parameters outside the model's domain: %s", what, detail);
    if (st == CVA_E_BADARG || st == CVA_E_NONFINITE)
        return cli_fail(err, CLI_EXIT_DATA, "%s: bad input data: %s", what, detail);
    return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "%s: library error %s: %s", what, cva_status_name(st), detail);
}

static int progress_shown = 0;

int cli_fit_progress(void *user, size_t iteration, double objective)
{
    const char *label = (const char *)user;
    fprintf(stderr, "\rcva: fitting %s: iteration %lu, log-likelihood %.10g   ", label ? label : "",
            (unsigned long)iteration, -objective);
    fflush(stderr);
    progress_shown = 1;
    return 0;
}

void cli_fit_progress_done(void)
{
    if (progress_shown)
        fprintf(stderr, "\r%78s\r", "");
    progress_shown = 0;
}

int modelio_match_fit_opt(int argc, char **argv, int *i, double *penal, uint64_t *max_iter,
                          int *max_iter_given, cli_err *err)
{
    const char *v;
    int m;
    if ((m = cli_match_opt(argc, argv, i, "--penalizer", &v, err)) != 0) {
        if (m < 0 || cli_parse_double_opt("--penalizer", v, penal, err))
            return -1;
        if (*penal < 0) {
            cli_fail(err, CLI_EXIT_USAGE, "option --penalizer: must be >= 0");
            return -1;
        }
        return 1;
    }
    if ((m = cli_match_opt(argc, argv, i, "--max-iter", &v, err)) != 0) {
        if (m < 0 || cli_parse_size_opt("--max-iter", v, max_iter, err))
            return -1;
        if (*max_iter < 1 || *max_iter > 1000000) {
            cli_fail(err, CLI_EXIT_USAGE, "option --max-iter: must be between 1 and 1000000");
            return -1;
        }
        *max_iter_given = 1;
        return 1;
    }
    return 0;
}

