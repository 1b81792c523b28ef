/*
 * cva track: holdout tracking of a whole customer base (issue 15) — actual against
 * expected repeat purchases per period, cumulative and incremental.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "json.h"
#include "modeldata.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"

void cmd_track_help(void)
{
    fputs("Usage: cva track --input FILE --calibration-end DATE (--model M | --params FILE) [options]\n"
          "\n"
          "Tracking of the whole customer base, as in the papers' tracking plots: the\n"
          "repeat purchases per period of the customers whose first purchase falls on or\n"
          "before the calibration end, actual against what the model expects of them\n"
          "(sum over customers of E[X(t - first purchase)], the expected repeat purchases\n"
          "of a new customer), over the calibration period and the holdout after it.\n"
          "Periods are weeks (or days with --time-unit day) from the first date in the\n"
          "data; same-day purchases of a customer count once. Customers whose first\n"
          "purchase is after the calibration end are left out (a note says how many).\n"
          "\n"
          "Options:\n"
          "  --model M        bgnbd, mbgnbd, pnbd or nbd: fitted here on the calibration period\n"
          "  --params FILE    parameters (JSON of 'cva fit', in the same time unit); no fit\n"
          "  --calibration-end DATE  end of the calibration period (required)\n"
          "\n"
          "Output columns (CSV, or JSON with --format json), one row per period:\n"
          "  period, end (last day of the period), actual_cumulative, expected_cumulative,\n"
          "  actual_incremental, expected_incremental\n"
          "On stderr: the holdout totals, actual and expected.\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, 0);
    fputs("\nExample:\n"
          "  cva track --model pnbd --input tx.csv --calibration-end 1997-09-30 -o tracking.csv\n",
          stdout);
}

typedef struct day_rec {
    int64_t cid;
    double day;
} day_rec;

static int day_cmp(const void *pa, const void *pb)
{
    const day_rec *a = (const day_rec *)pa, *b = (const day_rec *)pb;
    if (a->cid != b->cid)
        return a->cid < b->cid ? -1 : 1;
    return a->day < b->day ? -1 : (a->day > b->day ? 1 : 0);
}

int cmd_track(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_txn tx;
    cli_out out;
    cli_params pp;
    const char *model_s = NULL, *params_f = NULL;
    int32_t model = 0;
    int i, rc, unit_given = 0;
    double params[4] = {0, 0, 0, 0};
    day_rec *rec = NULL;
    double *birth = NULL, *bx = NULL, *btx = NULL, *bT = NULL, *tend = NULL, *cum = NULL, *inc = NULL, *act = NULL;
    size_t nrec = 0, ncust = 0, nlate = 0, k, np = 0;
    double unit, t0, cal;

    memset(&err, 0, sizeof err);
    memset(&pp, 0, sizeof pp);
    memset(&tx, 0, sizeof tx);
    cli_input_opts_init(&o);
    o.week_unit = 1;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_track_help();
            return 0;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--model", &v, &err)) != 0) {
            if (m < 0)
                return cli_report(&err);
            model_s = v;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--params", &v, &err)) != 0) {
            if (m < 0)
                return cli_report(&err);
            params_f = v;
            continue;
        }
        if (strncmp(argv[i], "--time-unit", 11) == 0)
            unit_given = 1;
        m = cli_input_opt(&o, argc, argv, &i, &err);
        if (m < 0)
            return cli_report(&err);
        if (m > 0)
            continue;
        cli_fail(&err, CLI_EXIT_USAGE, "track: %s '%s' (see 'cva help track')",
                 argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
        return cli_report(&err);
    }
    if (model_s && !(model = cli_model_from_name(model_s))) {
        cli_fail(&err, CLI_EXIT_USAGE, "track: unknown model '%s' (bgnbd, mbgnbd, pnbd, nbd)", model_s);
        return cli_report(&err);
    }
    if (params_f) {
        if (cli_params_read(params_f, model, &pp, &err))
            return cli_report(&err);
        model = pp.model;
        memcpy(params, pp.p, sizeof params);
        if (pp.has_unit) {
            /* the parameters' scale follows their unit: a contradicting --time-unit is an
               error (as in cva predict), never silently overridden */
            int u = cli_unit_code(pp.time_unit, strlen(pp.time_unit));
            if (u != CLI_UNIT_DAY && u != CLI_UNIT_WEEK) {
                cli_fail(&err, CLI_EXIT_DATA, "%s: time_unit \"%s\" cannot be tracked (day or week)", params_f,
                         pp.time_unit);
                return cli_report(&err);
            }
            if (unit_given && (u == CLI_UNIT_WEEK) != (o.week_unit != 0)) {
                cli_fail(&err, CLI_EXIT_USAGE, "track: --time-unit %s, but %s was fitted in %ss (its rate "
                         "parameters scale with the time unit)", o.week_unit ? "week" : "day", params_f,
                         cli_unit_name(u));
                return cli_report(&err);
            }
            o.week_unit = u == CLI_UNIT_WEEK;
        }
    }
    if (!model) {
        cli_fail(&err, CLI_EXIT_USAGE, "track: give --model bgnbd|mbgnbd|pnbd|nbd (or --params FILE)");
        return cli_report(&err);
    }
    if (model != CVA_MODEL_BGNBD && model != CVA_MODEL_MBGNBD && model != CVA_MODEL_PNBD && model != CVA_MODEL_NBD) {
        cli_fail(&err, CLI_EXIT_USAGE, "track: --model %s: tracking needs bgnbd, mbgnbd, pnbd or nbd",
                 cli_model_name(model));
        return cli_report(&err);
    }
    if (!o.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "track: give --calibration-end DATE");
        return cli_report(&err);
    }
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);
    o.amount_optional = 1;
    if (cli_out_open(&out, o.output, &err))
        return cli_report(&err);
    if ((rc = cli_load(&o, &tx, &err)) != 0) {
        cli_out_abort(&out);
        cli_txn_free(&tx);
        return cli_report(&err);
    }
    unit = o.week_unit ? 7.0 : 1.0;
    cal = floor(o.cal_days);
    /* distinct (customer, day) pairs */
    rec = (day_rec *)cli_xmalloc((tx.n ? tx.n : 1) * sizeof *rec);
    for (k = 0; k < tx.n; k++) {
        rec[k].cid = tx.cid[k];
        rec[k].day = floor(tx.t[k]);
    }
    qsort(rec, tx.n, sizeof *rec, day_cmp);
    for (k = 0; k < tx.n; k++)
        if (nrec == 0 || rec[k].cid != rec[nrec - 1].cid || rec[k].day > rec[nrec - 1].day)
            rec[nrec++] = rec[k];
    t0 = nrec ? floor(tx.t_min) : 0.0;
    if (nrec == 0 || cal < t0) {
        cli_out_abort(&out);
        free(rec);
        cli_txn_free(&tx);
        cli_fail(&err, CLI_EXIT_DATA, "track: no customer has a purchase up to the calibration end");
        return cli_report(&err);
    }
    np = (size_t)ceil((floor(tx.t_max) - t0 + 1.0) / unit);
    {
        size_t cap = nrec;
        birth = (double *)cli_xmalloc(cap * sizeof(double));
        bx = (double *)cli_xmalloc(cap * sizeof(double));
        btx = (double *)cli_xmalloc(cap * sizeof(double));
        bT = (double *)cli_xmalloc(cap * sizeof(double));
        tend = (double *)cli_xmalloc(np * sizeof(double));
        cum = (double *)cli_xmalloc(np * sizeof(double));
        inc = (double *)cli_xmalloc(np * sizeof(double));
        act = (double *)cli_xmalloc(np * sizeof(double));
    }
    for (k = 0; k < np; k++)
        act[k] = 0.0;
    /* per customer: birth, calibration statistics, actual repeat purchases per period */
    for (k = 0; k < nrec;) {
        size_t e = k + 1;
        while (e < nrec && rec[e].cid == rec[k].cid)
            e++;
        if (rec[k].day > cal) {
            nlate++;
        } else {
            size_t q, x = 0;
            double last = rec[k].day;
            for (q = k + 1; q < e; q++) {
                const size_t per = (size_t)floor((rec[q].day - t0) / unit);
                if (per < np)
                    act[per] += 1.0;
                if (rec[q].day <= cal) {
                    x++;
                    last = rec[q].day;
                }
            }
            birth[ncust] = (rec[k].day - t0) / unit;
            bx[ncust] = (double)x;
            btx[ncust] = (last - rec[k].day) / unit;
            bT[ncust] = (cal - rec[k].day) / unit;
            ncust++;
        }
        k = e;
    }
    for (k = 1; k < np; k++)
        act[k] += act[k - 1];
    for (k = 0; k < np; k++)
        tend[k] = (double)(k + 1);
    if (!params_f) {
        cva_model_fit f;
        cva_diag dg;
        cva_status st;
        cva_model_fit_init(&f, sizeof f);
        cva_diag_init(&dg, sizeof dg);
        st = cva_model_fit_btyd(model, bx, btx, bT, NULL, ncust, NULL, &f, &dg);
        if (st < 0 || st == CVA_W_EMPTY) {
            rc = cli_fail(&err, CLI_EXIT_LIB, "track: %s fit failed: %s", cli_model_title(model),
                          cva_status_name(st));
            goto fail;
        }
        memcpy(params, f.params, sizeof params);
        cli_note("fitted %s on the %lu customers of the calibration period (log-likelihood %.2f, %s)",
                 cli_model_title(model), (unsigned long)ncust, f.log_likelihood,
                 f.converged ? "converged" : "NOT converged");
        (void)cli_fit_warning(&f, st, 1);
    }
    {
        cva_diag dg;
        cva_status st;
        cva_diag_init(&dg, sizeof dg);
        st = cva_model_tracking(model, params, birth, NULL, ncust, tend, np, cum, inc, &dg);
        if (st < 0) {
            rc = cli_fail(&err, CLI_EXIT_LIB, "track: %s: %s", cva_status_name(st), dg.detail ? dg.detail : "");
            goto fail;
        }
        if (st == CVA_W_SERIES_LIMIT)
            fprintf(stderr, "cva: warning: a series hit its term limit in the expected purchases\n");
    }
    {
        static const char *const cols[6] = {"period",           "end",
                                            "actual_cumulative", "expected_cumulative",
                                            "actual_incremental", "expected_incremental"};
        cli_table t;
        char meta[256];
        meta[0] = '\0';
        if (o.format == CLI_FMT_JSON)
            snprintf(meta, sizeof meta,
                     "\"command\": \"track\",\n  \"model\": \"%s\",\n  \"time_unit\": \"%s\",\n"
                     "  \"n_customers\": %lu,\n  ",
                     cli_model_name(model), o.week_unit ? "week" : "day", (unsigned long)ncust);
        cli_table_begin(&t, &out, o.format == CLI_FMT_JSON, cols, 6, meta, "periods");
        for (k = 0; k < np; k++) {
            char db[24];
            double end_day = t0 + (double)(k + 1) * unit - 1.0;
            size_t len;
            if (end_day > floor(tx.t_max))
                end_day = floor(tx.t_max);
            len = cli_format_date(end_day, db);
            cli_table_int(&t, (int64_t)k + 1);
            cli_table_text(&t, db, len);
            cli_table_num(&t, act[k]);
            cli_table_num(&t, cum[k]);
            cli_table_num(&t, k ? act[k] - act[k - 1] : act[0]);
            cli_table_num(&t, inc[k]);
            cli_table_end_row(&t);
        }
        cli_table_end(&t);
    }
    if ((rc = cli_out_commit(&out, &err)) != 0)
        goto fail_committed;
    {
        /* holdout: the periods that end after the calibration end */
        size_t kc = (size_t)floor((cal - t0 + 1.0) / unit); /* whole periods up to the calibration end */
        if (kc > 0 && kc < np)
            cli_note("holdout (periods %lu-%lu): actual %.0f, expected %.1f repeat purchases (%+.1f %%)",
                     (unsigned long)kc + 1, (unsigned long)np, act[np - 1] - act[kc - 1], cum[np - 1] - cum[kc - 1],
                     act[np - 1] - act[kc - 1] > 0
                         ? 100.0 * ((cum[np - 1] - cum[kc - 1]) / (act[np - 1] - act[kc - 1]) - 1.0)
                         : 0.0);
        if (nlate)
            cli_note("%lu customer%s with a first purchase after the calibration end left out", (unsigned long)nlate,
                     nlate == 1 ? "" : "s");
    }
    rc = 0;
    goto done;
fail:
    cli_out_abort(&out);
fail_committed:
    rc = cli_report(&err);
done:
    free(rec);
    free(birth);
    free(bx);
    free(btx);
    free(bT);
    free(tend);
    free(cum);
    free(inc);
    free(act);
    cli_txn_free(&tx);
    return rc;
}
