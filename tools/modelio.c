/*
 * cva command-line tool: model names, model input files and parameter files.
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

/* ------------------------------------------------------------------ time units */

int cli_unit_code(const char *s, size_t len)
{
    static const char *const names[] = {"day", "days", "week", "weeks", "period", "periods"};
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
        if (csv_ieq(s, len, names[k]))
            return (int)(k / 2);
    return CLI_UNIT_UNKNOWN;
}

const char *cli_unit_name(int unit)
{
    return unit == CLI_UNIT_DAY ? "day" : unit == CLI_UNIT_WEEK ? "week" : unit == CLI_UNIT_PERIOD ? "period" : "?";
}

/* days to weeks divides (as cva_txn_summarize() does: the same doubles as a summary made in weeks) */
static double conv(double v, int to_week)
{
    return to_week ? v / 7.0 : v * 7.0;
}

void cli_custdata_convert_unit(cli_custdata *d, int from, int to)
{
    size_t k;
    int w = to == CLI_UNIT_WEEK;
    if (from == to || from == CLI_UNIT_UNKNOWN || to == CLI_UNIT_UNKNOWN)
        return;
    for (k = 0; k < d->n; k++) {
        if (d->tx)
            d->tx[k] = conv(d->tx[k], w);
        if (d->T)
            d->T[k] = conv(d->T[k], w);
    }
    d->hold_len = conv(d->hold_len, w);
    d->time_unit = to;
}

int cli_summary_unit(const cli_custdata *d, int given, const char *cmd, int *unit, cli_err *err)
{
    if (d->time_unit == CLI_UNIT_PERIOD)
        return cli_fail(err, CLI_EXIT_DATA, "%s:1:%ld: time_unit \"period\": recency and T count discrete "
                        "opportunities (BG/BB), not time", d->src, d->unit_col);
    if (d->time_unit != CLI_UNIT_UNKNOWN && given != CLI_UNIT_UNKNOWN && given != d->time_unit)
        return cli_fail(err, CLI_EXIT_USAGE, "%s: --time-unit %s, but %s has recency and T in %ss (its time_unit "
                        "column); leave --time-unit out", cmd, cli_unit_name(given), d->src,
                        cli_unit_name(d->time_unit));
    *unit = d->time_unit != CLI_UNIT_UNKNOWN ? d->time_unit : given;
    if (*unit == CLI_UNIT_UNKNOWN && d->n > 0)
        return cli_fail(err, CLI_EXIT_USAGE, "%s: %s has no time_unit column, so the unit of its recency and T is "
                        "unknown: give --time-unit day or --time-unit week ('cva summary' writes days unless "
                        "told --time-unit week)", cmd, d->src);
    return 0;
}

/* ------------------------------------------------------------------ data */

void cli_custdata_free(cli_custdata *d)
{
    free(d->x);
    free(d->tx);
    free(d->T);
    free(d->m);
    free(d->w);
    free(d->xh);
    free(d->mh);
    free(d->id);
    free(d->id_pool);
    free(d->id_off);
    free(d->id_len);
    free(d->line);
    memset(d, 0, sizeof *d);
    d->hold_len = (double)NAN;
    d->time_unit = CLI_UNIT_UNKNOWN;
}

const char *cli_custdata_id(const cli_custdata *d, size_t k, char *buf, size_t *len)
{
    if (d->id)
        return cli_ids_text(d->ids, d->id[k], buf, len);
    if (d->id_off) {
        *len = d->id_len[k];
        return d->id_pool + d->id_off[k];
    }
    *len = (size_t)snprintf(buf, 24, "%lu", (unsigned long)k + 1);
    return buf;
}

void cli_custdata_where(const cli_custdata *d, size_t k, char *buf, size_t cap)
{
    char ib[24], q[64];
    size_t len;
    const char *id;
    if (d->line) {
        snprintf(buf, cap, "%s:%llu", d->src ? d->src : "input", (unsigned long long)d->line[k]);
        return;
    }
    id = cli_custdata_id(d, k, ib, &len);
    cli_quote_field(q, sizeof q, id, len);
    snprintf(buf, cap, "customer %s", q);
}

int cli_custdata_from_txn(const cli_input_opts *o, const cli_txn *tx, cli_custdata *d, cli_err *err)
{
    cva_txn_input in;
    cli_summary s;
    size_t k;
    int rc;

    memset(d, 0, sizeof *d);
    d->hold_len = (double)NAN;
    d->time_unit = o->week_unit ? CLI_UNIT_WEEK : CLI_UNIT_DAY;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = tx->n;
    if (tx->n > 0) {
        in.customer_id = tx->cid;
        in.t = tx->t;
        in.amount = tx->amount;
        in.cost = tx->cost;
        in.referrer_id = tx->ref;
        in.period = tx->period;
    }
    if ((rc = cli_summary_run_ids(&in, o->end_days, o->cal_days, o->week_unit ? 7.0 : 1.0, &tx->ids, &s, err)) != 0)
        return rc;
    if ((rc = cli_summary_check(&s, &tx->ids, err)) != 0) {
        cli_summary_free(&s);
        return rc;
    }
    /* every customer, those without a purchase too (NaN statistics): the library skips them */
    for (k = 0; k < s.n; k++)
        d->dropped += isnan(s.frequency[k]) != 0;
    d->n = s.n;
    d->x = s.frequency;
    d->tx = s.recency;
    d->T = s.T;
    d->m = s.monetary_value;
    d->id = s.id;
    s.frequency = s.recency = s.T = s.monetary_value = NULL;
    s.id = NULL;
    d->ids = &tx->ids;
    if (s.has_cal) {
        d->xh = s.frequency_holdout;
        d->mh = s.monetary_value_holdout;
        s.frequency_holdout = s.monetary_value_holdout = NULL;
        /* the library's ends: its duration_holdout (without customers: only with an --end) */
        if (s.n > d->dropped || !isnan(o->end_days))
            d->hold_len = (s.obs_end - s.stats_end) / (o->week_unit ? 7.0 : 1.0);
    }
    cli_summary_free(&s);
    return 0;
}

/* ------------------------------------------------------------------ summary files */

static const char *const scol_what[CLI_NSCOL] = {"customer id", "frequency",  "recency",
                                                 "T",           "monetary value", "weights",
                                                 "holdout frequency", "holdout monetary value",
                                                 "holdout duration"};
static const char *const scol_opt[CLI_NSCOL] = {"--id-col",      "--frequency-col",
                                                "--recency-col", "--T-col",
                                                "--monetary-col", "--weights-col",
                                                "--frequency-holdout-col", "--monetary-holdout-col",
                                                "--duration-holdout-col"};

static int find_col(const csv_reader *r, const char *want, long *found, const char *name, int scol, cli_err *err)
{
    int pass;
    size_t j;
    *found = -1;
    for (pass = 0; pass < 2 && *found < 0; pass++) {
        for (j = 0; j < r->nf; j++) {
            const char *p;
            size_t len;
            int hit;
            csv_field_trim(&r->f[j], &p, &len);
            hit = pass == 0 ? (len == strlen(want) && memcmp(p, want, len) == 0) : csv_ieq(p, len, want);
            if (hit) {
                if (*found >= 0)
                    return cli_fail(err, CLI_EXIT_DATA, "%s:1: column name '%s' appears twice; use %s with "
                                    "another name", name, want, scol_opt[scol]);
                *found = (long)j;
            }
        }
    }
    return 0;
}

static int csv_fail(cli_err *err, const char *name, const csv_reader *r)
{
    if (r->err_errno)
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", name, strerror(r->err_errno));
    return cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: %s", name, (unsigned long long)r->err_line,
                    (unsigned long)r->err_col, r->err);
}

static int feq(double a, double b)
{
    return !(a < b) && !(a > b);
}

static int is_int(double v)
{
    return feq(v, floor(v));
}

int cli_custdata_from_summary(const char *path, int delim, const char *const *names, unsigned need,
                              int discrete, cli_custdata *d, cli_err *err)
{
    static const char *const alias_cont[CLI_NSCOL][5] = {
        {"customer_id", "id", "customer", NULL},
        {"frequency", "x", "frequency_cal", NULL},
        {"recency", "t_x", "recency_cal", NULL},
        {"T", "T_cal", "periods", "n", NULL},
        {"monetary_value", "m_x", "zbar", "monetary_value_cal", NULL},
        {"weights", "weight", "count", NULL},
        {"frequency_holdout", NULL},
        {"monetary_value_holdout", NULL},
        {"duration_holdout", NULL}};
    static const char *const alias_T_discrete[5] = {"periods", "n", "T", NULL, NULL};
    FILE *fp;
    csv_reader r;
    long idx[CLI_NSCOL];
    double *col[CLI_NSCOL];
    size_t cap = 0, pool_len = 0, pool_cap = 0, nf = 0;
    long unit_idx = -1;
    int st, c, rc = 0;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

    memset(d, 0, sizeof *d);
    d->hold_len = (double)NAN;
    d->time_unit = CLI_UNIT_UNKNOWN;
    d->src = name;
    memset(col, 0, sizeof col);
    if (strcmp(path, "-") == 0) {
        fp = stdin;
    } else if (!(fp = fopen(path, "rb"))) {
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (csv_init(&r, csv_read_stdio, fp, delim) != 0) {
        if (fp != stdin)
            fclose(fp);
        return cli_fail(err, CLI_EXIT_USAGE, "bad delimiter");
    }
    st = csv_next(&r);
    if (st == CSV_ERR) {
        rc = csv_fail(err, name, &r);
        goto out;
    }
    if (st == CSV_EOF) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty input (a summary file needs a header)", name);
        goto out;
    }
    if ((rc = cli_refuse_utf16(&r, name, err)) != 0)
        goto out;
    nf = r.nf;
    for (c = 0; c < CLI_NSCOL; c++) {
        const char *const *al = c == CLI_SCOL_T && discrete ? alias_T_discrete : alias_cont[c];
        int a;
        idx[c] = -1;
        if (names && names[c]) {
            if ((rc = find_col(&r, names[c], &idx[c], name, c, err)) != 0)
                goto out;
        } else {
            for (a = 0; al[a] && idx[c] < 0; a++)
                if ((rc = find_col(&r, al[a], &idx[c], name, c, err)) != 0)
                    goto out;
        }
        if (idx[c] < 0 && (need >> c & 1u)) {
            char cols[400];
            size_t o2 = 0, j;
            cols[0] = '\0';
            for (j = 0; j < r.nf && o2 + 4 < sizeof cols; j++) {
                char q[64]; /* quoted, control and non-UTF-8 bytes escaped */
                int k;
                cli_quote_field(q, sizeof q, r.f[j].p, r.f[j].len);
                k = snprintf(cols + o2, sizeof cols - o2, "%s%s", j ? ", " : "", q);
                if (k < 0)
                    break;
                o2 += (size_t)k;
            }
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:1: no %s column '%s' in the header (columns: %s); use %s NAME",
                          name, scol_what[c], names && names[c] ? names[c] : al[0], cols, scol_opt[c]);
            goto out;
        }
    }
    /* the time unit of recency, T and duration_holdout, as `cva summary` writes it */
    {
        size_t j;
        int pass;
        for (pass = 0; pass < 2 && unit_idx < 0; pass++)
            for (j = 0; j < r.nf; j++) {
                const char *p;
                size_t len;
                csv_field_trim(&r.f[j], &p, &len);
                if (pass == 0 ? (len == 9 && memcmp(p, "time_unit", 9) == 0) : csv_ieq(p, len, "time_unit")) {
                    if (unit_idx >= 0) {
                        rc = cli_fail(err, CLI_EXIT_DATA, "%s:1: column name 'time_unit' appears twice", name);
                        goto out;
                    }
                    unit_idx = (long)j;
                }
            }
        d->unit_col = unit_idx + 1;
    }
    if (idx[CLI_SCOL_ID] >= 0) {
        d->id_off = (size_t *)cli_xmalloc(sizeof(size_t));
        d->id_len = (uint32_t *)cli_xmalloc(sizeof(uint32_t));
    }
    for (st = csv_next(&r); st == CSV_ROW; st = csv_next(&r)) {
        size_t i = d->n;
        if (r.nf != nf) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: row has %lu fields, expected %lu (as in the header)", name,
                          (unsigned long long)r.row_line, (unsigned long)r.nf, (unsigned long)nf);
            goto out;
        }
        if (i == cap) {
            cap = cap ? 2 * cap : 4096;
            for (c = 1; c < CLI_NSCOL; c++)
                if (idx[c] >= 0)
                    col[c] = (double *)cli_xrealloc(col[c], cap * sizeof(double));
            d->line = (uint64_t *)cli_xrealloc(d->line, cap * sizeof(uint64_t));
            if (d->id_off) {
                d->id_off = (size_t *)cli_xrealloc(d->id_off, cap * sizeof(size_t));
                d->id_len = (uint32_t *)cli_xrealloc(d->id_len, cap * sizeof(uint32_t));
            }
        }
        d->line[i] = r.row_line;
        if (unit_idx >= 0) {
            const char *p;
            size_t len;
            int u;
            char q[64];
            csv_field_trim(&r.f[unit_idx], &p, &len);
            u = cli_unit_code(p, len);
            q[0] = '\0';
            if (u == CLI_UNIT_UNKNOWN || (d->time_unit != CLI_UNIT_UNKNOWN && u != d->time_unit))
                cli_quote_field(q, sizeof q, p, len);
            if (u == CLI_UNIT_UNKNOWN) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: time_unit %s is not day or week", name,
                              (unsigned long long)r.row_line, unit_idx + 1, q);
                goto out;
            }
            if (d->time_unit != CLI_UNIT_UNKNOWN && u != d->time_unit) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: time_unit %s, but the rows above are in %ss (one "
                              "unit per file)", name, (unsigned long long)r.row_line, unit_idx + 1, q,
                              cli_unit_name(d->time_unit));
                goto out;
            }
            d->time_unit = u;
        }
        {
            /* a customer without a purchase (only refunds, or only credited as a referrer): `cva
               summary` writes empty statistics; left out, as from transactions */
            static const int btyd[] = {CLI_SCOL_X, CLI_SCOL_TX, CLI_SCOL_T, CLI_SCOL_M};
            size_t b;
            int empty = 1;
            for (b = 0; b < sizeof btyd / sizeof btyd[0] && empty; b++) {
                const char *p;
                size_t len;
                if (idx[btyd[b]] < 0)
                    continue;
                csv_field_trim(&r.f[idx[btyd[b]]], &p, &len);
                empty = len == 0;
            }
            if (empty) {
                d->dropped++;
                continue;
            }
        }
        for (c = 1; c < CLI_NSCOL; c++) {
            const csv_field *f;
            char q[64];
            int ps;
            if (idx[c] < 0)
                continue;
            f = &r.f[idx[c]];
            ps = cli_parse_double(f->p, f->len, &col[c][i]);
            if (ps != CLI_NUM_OK) {
                cli_quote_field(q, sizeof q, f->p, f->len);
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s in the %s column", name,
                              (unsigned long long)r.row_line, idx[c] + 1,
                              ps == CLI_NUM_EMPTY       ? "empty value"
                              : ps == CLI_NUM_NONFINITE ? "non-finite value"
                                                        : "bad number",
                              q, scol_what[c]);
                goto out;
            }
        }
        if (d->id_off) {
            const char *p;
            size_t len;
            csv_field_trim(&r.f[idx[CLI_SCOL_ID]], &p, &len);
            if (pool_len + len + 1 > pool_cap) {
                pool_cap = (pool_len + len + 1) * 2 + 4096;
                d->id_pool = (char *)cli_xrealloc(d->id_pool, pool_cap);
            }
            memcpy(d->id_pool + pool_len, p, len);
            d->id_off[i] = pool_len;
            d->id_len[i] = (uint32_t)len;
            pool_len += len;
            d->id_pool[pool_len++] = '\0';
        }
        /* checks, with the line and column of the offending value */
        {
            const char *why = NULL;
            int bad = 0;
            double x = idx[CLI_SCOL_X] >= 0 ? col[CLI_SCOL_X][i] : 0;
            double tx = idx[CLI_SCOL_TX] >= 0 ? col[CLI_SCOL_TX][i] : 0;
            double T = idx[CLI_SCOL_T] >= 0 ? col[CLI_SCOL_T][i] : (double)INFINITY;
            if (x < 0) {
                why = "negative frequency", bad = CLI_SCOL_X;
            } else if (!is_int(x)) {
                why = "frequency is not a whole number", bad = CLI_SCOL_X;
            } else if (tx < 0) {
                why = "negative recency", bad = CLI_SCOL_TX;
            } else if (idx[CLI_SCOL_T] >= 0 && T < 0) {
                why = discrete ? "negative periods" : "negative T", bad = CLI_SCOL_T;
            } else if (tx > T) {
                why = discrete ? "recency is greater than periods" : "recency is greater than T", bad = CLI_SCOL_TX;
            } else if (idx[CLI_SCOL_TX] >= 0 && feq(x, 0.0) && !feq(tx, 0.0) && !discrete) {
                why = "frequency 0 with a recency other than 0", bad = CLI_SCOL_TX;
            } else if (discrete && (!is_int(tx) || !is_int(T))) {
                why = "BG/BB recency and periods must be whole numbers", bad = !is_int(tx) ? CLI_SCOL_TX : CLI_SCOL_T;
            } else if (discrete && x > tx) {
                why = "frequency is greater than recency (BG/BB: at most one transaction per period)",
                bad = CLI_SCOL_X;
            } else if (idx[CLI_SCOL_W] >= 0 && !(col[CLI_SCOL_W][i] > 0)) {
                why = "weights must be > 0", bad = CLI_SCOL_W;
            } else if (idx[CLI_SCOL_XH] >= 0 && (col[CLI_SCOL_XH][i] < 0 || !is_int(col[CLI_SCOL_XH][i]))) {
                why = "holdout frequency must be a whole number >= 0", bad = CLI_SCOL_XH;
            }
            if (why) {
                char q[64];
                const csv_field *f = &r.f[idx[bad]];
                cli_quote_field(q, sizeof q, f->p, f->len);
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s (%s %s)", name, (unsigned long long)r.row_line,
                              idx[bad] + 1, why, scol_what[bad], q);
                goto out;
            }
        }
        d->n = i + 1;
    }
    if (st == CSV_ERR) {
        rc = csv_fail(err, name, &r);
        goto out;
    }
out:
    csv_free(&r);
    if (fp != stdin)
        fclose(fp);
    d->x = col[CLI_SCOL_X];
    d->tx = col[CLI_SCOL_TX];
    d->T = col[CLI_SCOL_T];
    d->m = col[CLI_SCOL_M];
    d->w = col[CLI_SCOL_W];
    d->xh = col[CLI_SCOL_XH];
    d->mh = col[CLI_SCOL_MH];
    if (col[CLI_SCOL_DH] && d->n > 0)
        d->hold_len = col[CLI_SCOL_DH][0];
    if (!d->xh || !col[CLI_SCOL_DH]) {
        /* holdout actuals need their duration to be compared with predictions */
        free(d->xh);
        free(d->mh);
        d->xh = d->mh = NULL;
        d->hold_len = (double)NAN;
    }
    free(col[CLI_SCOL_DH]);
    if (rc)
        cli_custdata_free(d);
    return rc;
}

/* ------------------------------------------------------------------ cohort tables */

static int period_col(const char *p, size_t len, long *k)
{
    static const char pre[] = "period_";
    size_t i, n = sizeof pre - 1;
    long v = 0;
    if (len <= n || !csv_ieq(p, n, pre))
        return 0;
    for (i = n; i < len; i++) {
        unsigned dgt = (unsigned)(unsigned char)p[i] - '0';
        if (dgt > 9 || v > 100000)
            return 0;
        v = v * 10 + (long)dgt;
    }
    *k = v;
    return 1;
}

int cli_read_cohorts(const char *path, int delim, double **surv, size_t *n_cohorts, size_t *n_periods,
                     cli_err *err)
{
    FILE *fp;
    csv_reader r;
    long *map = NULL; /* period j -> field index */
    size_t np = 0, nc = 0, cap = 0, j, hdr_nf = 0;
    double *m = NULL;
    int st, rc = 0, header = 0;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

    *surv = NULL;
    *n_cohorts = *n_periods = 0;
    if (strcmp(path, "-") == 0)
        fp = stdin;
    else if (!(fp = fopen(path, "rb")))
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", path, strerror(errno));
    if (csv_init(&r, csv_read_stdio, fp, delim) != 0) {
        if (fp != stdin)
            fclose(fp);
        return cli_fail(err, CLI_EXIT_USAGE, "bad delimiter");
    }
    st = csv_next(&r);
    if (st == CSV_ERR) {
        rc = csv_fail(err, name, &r);
        goto out;
    }
    if (st == CSV_EOF) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty input (expected a cohort survivor table)", name);
        goto out;
    }
    if ((rc = cli_refuse_utf16(&r, name, err)) != 0)
        goto out;
    for (j = 0; j < r.nf; j++) {
        double v;
        int ps = cli_parse_double(r.f[j].p, r.f[j].len, &v);
        if (ps == CLI_NUM_SYNTAX)
            header = 1;
    }
    if (header) {
        long k;
        hdr_nf = r.nf;
        for (j = 0; j < r.nf; j++) {
            const char *p;
            size_t len;
            csv_field_trim(&r.f[j], &p, &len);
            if (period_col(p, len, &k) && (size_t)k + 1 > np)
                np = (size_t)k + 1;
        }
        if (np < 2) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:1: the header needs columns period_0, period_1, ... (at least "
                          "two periods); or give numbers only, without a header", name);
            goto out;
        }
        map = (long *)cli_xmalloc(np * sizeof(long));
        for (j = 0; j < np; j++)
            map[j] = -1;
        for (j = 0; j < r.nf; j++) {
            const char *p;
            size_t len;
            csv_field_trim(&r.f[j], &p, &len);
            if (period_col(p, len, &k)) {
                if (map[k] >= 0) {
                    rc = cli_fail(err, CLI_EXIT_DATA, "%s:1: column period_%ld appears twice", name, k);
                    goto out;
                }
                map[k] = (long)j;
            }
        }
        for (j = 0; j < np; j++)
            if (map[j] < 0) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:1: no column period_%lu (periods must run 0..%lu without gaps)",
                              name, (unsigned long)j, (unsigned long)np - 1);
                goto out;
            }
        st = csv_next(&r);
    }
    for (; st == CSV_ROW; st = csv_next(&r)) {
        size_t row_np = header ? np : r.nf, c;
        int ended = 0;
        if (header && r.nf != hdr_nf) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: row has %lu fields, expected %lu (as in the header)", name,
                          (unsigned long long)r.row_line, (unsigned long)r.nf, (unsigned long)hdr_nf);
            goto out;
        }
        if (row_np > np) {
            /* headerless: widen the matrix, padding earlier rows with NaN */
            double *m2 = (double *)cli_xmalloc((cap ? cap : 1) * row_np * sizeof(double));
            for (c = 0; c < nc; c++)
                for (j = 0; j < row_np; j++)
                    m2[c * row_np + j] = j < np ? m[c * np + j] : (double)NAN;
            free(m);
            m = m2;
            np = row_np;
        }
        if (nc == cap) {
            cap = cap ? 2 * cap : 64;
            m = (double *)cli_xrealloc(m, cap * (np ? np : 1) * sizeof(double));
        }
        for (j = 0; j < np; j++) {
            double v = (double)NAN;
            if (j < row_np) {
                long fi = header ? map[j] : (long)j;
                const csv_field *f = &r.f[fi];
                char q[64];
                int ps = cli_parse_double(f->p, f->len, &v);
                cli_quote_field(q, sizeof q, f->p, f->len);
                if (ps == CLI_NUM_EMPTY) {
                    v = (double)NAN;
                } else if (ps != CLI_NUM_OK || v < 0) {
                    rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s (survivors must be numbers >= 0)",
                                  name, (unsigned long long)r.row_line, fi + 1,
                                  ps == CLI_NUM_OK ? "negative count" : "bad number", q);
                    goto out;
                } else if (ended) {
                    rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: value %s after an empty cell (only the "
                                  "periods at the end of a row may be unobserved)",
                                  name, (unsigned long long)r.row_line, fi + 1, q);
                    goto out;
                } else if (j > 0 && v > m[nc * np + j - 1]) {
                    rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: survivors increase (%s after %.17g): the "
                                  "sBG model has no reactivation",
                                  name, (unsigned long long)r.row_line, fi + 1, q, m[nc * np + j - 1]);
                    goto out;
                }
                if (ps == CLI_NUM_EMPTY) {
                    if (j == 0) {
                        rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: empty cohort size (period_0)", name,
                                      (unsigned long long)r.row_line, fi + 1);
                        goto out;
                    }
                    ended = 1;
                }
            }
            m[nc * np + j] = v;
        }
        nc++;
    }
    if (st == CSV_ERR) {
        rc = csv_fail(err, name, &r);
        goto out;
    }
    if (nc == 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: no cohort rows", name);
        goto out;
    }
    if (np < 2) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: at least two periods (cohort size and one more) are needed", name);
        goto out;
    }
out:
    csv_free(&r);
    if (fp != stdin)
        fclose(fp);
    free(map);
    if (rc) {
        free(m);
        return rc;
    }
    *surv = m;
    *n_cohorts = nc;
    *n_periods = np;
    return 0;
}

/* ------------------------------------------------------------------ parameter JSON */

typedef struct jp {
    const char *s, *e;
    const char *why;
} jp;

static void jws(jp *p)
{
    while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static int jfail(jp *p, const char *why)
{
    if (!p->why)
        p->why = why;
    return -1;
}

/* a string into buf (truncated, escapes decoded; \u escapes become '?') */
static int jstring(jp *p, char *buf, size_t cap)
{
    size_t o = 0;
    if (p->s >= p->e || *p->s != '"')
        return jfail(p, "expected a string");
    p->s++;
    while (p->s < p->e && *p->s != '"') {
        char c = *p->s++;
        if ((unsigned char)c < 0x20)
            return jfail(p, "control character in a string");
        if (c == '\\') {
            if (p->s >= p->e)
                break;
            c = *p->s++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u':
                if (p->e - p->s < 4)
                    return jfail(p, "bad \\u escape");
                p->s += 4;
                c = '?';
                break;
            case '"': case '\\': case '/': break;
            default: return jfail(p, "bad escape in a string");
            }
        }
        if (o + 1 < cap)
            buf[o++] = c;
    }
    if (p->s >= p->e)
        return jfail(p, "unterminated string");
    p->s++;
    if (cap)
        buf[o] = '\0';
    return 0;
}

static int jnumber(jp *p, double *v)
{
    const char *b = p->s;
    while (p->s < p->e && (strchr("+-.eE", *p->s) || ((unsigned)(unsigned char)*p->s - '0') <= 9))
        p->s++;
    if (p->s == b || cli_parse_double(b, (size_t)(p->s - b), v) != CLI_NUM_OK)
        return jfail(p, "expected a finite number");
    return 0;
}

static int jlit(jp *p, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(p->e - p->s) < n || memcmp(p->s, lit, n) != 0)
        return jfail(p, "unexpected character");
    p->s += n;
    return 0;
}

static int jskip(jp *p, int depth)
{
    char tmp[8];
    double v;
    jws(p);
    if (depth > 64)
        return jfail(p, "nested too deeply");
    if (p->s >= p->e)
        return jfail(p, "unexpected end");
    switch (*p->s) {
    case '"':
        return jstring(p, tmp, sizeof tmp);
    case 't':
        return jlit(p, "true");
    case 'f':
        return jlit(p, "false");
    case 'n':
        return jlit(p, "null");
    case '{':
    case '[': {
        char close = *p->s == '{' ? '}' : ']';
        int obj = close == '}', first = 1;
        p->s++;
        for (;;) {
            jws(p);
            if (p->s < p->e && *p->s == close) {
                p->s++;
                return 0;
            }
            if (!first) {
                if (p->s >= p->e || *p->s != ',')
                    return jfail(p, "expected ',' or a closing bracket");
                p->s++;
                jws(p);
            }
            first = 0;
            if (obj) {
                if (jstring(p, tmp, sizeof tmp))
                    return -1;
                jws(p);
                if (p->s >= p->e || *p->s != ':')
                    return jfail(p, "expected ':'");
                p->s++;
            }
            if (jskip(p, depth + 1))
                return -1;
        }
    }
    default:
        return jnumber(p, &v);
    }
}

int cli_params_read(const char *path, int32_t want_model, cli_params *out, cli_err *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n = 0, cap = 4096;
    jp p;
    int first = 1, have_params = 0, i, np;
    int got[4] = {0, 0, 0, 0};
    char names[4][32], bnames[4][32];
    int n_names = 0, n_bnames = 0;
    double vals[4];

    memset(out, 0, sizeof *out);
    out->converged = -1;
    if (!fp)
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", path, strerror(errno));
    buf = (char *)cli_xmalloc(cap);
    for (;;) {
        size_t k = fread(buf + n, 1, cap - n, fp);
        n += k;
        if (n < cap)
            break;
        if (cap >= (size_t)1 << 24) {
            fclose(fp);
            free(buf);
            return cli_fail(err, CLI_EXIT_DATA, "%s: too large for a parameter file", path);
        }
        cap *= 2;
        buf = (char *)cli_xrealloc(buf, cap);
    }
    if (ferror(fp)) {
        int e = errno;
        fclose(fp);
        free(buf);
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", path, strerror(e));
    }
    fclose(fp);
    p.s = buf;
    p.e = buf + n;
    p.why = NULL;
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        p.s += 3;
    jws(&p);
    if (p.s >= p.e || *p.s != '{') {
        jfail(&p, "expected a JSON object");
        goto bad;
    }
    p.s++;
    for (;;) {
        char key[64];
        jws(&p);
        if (p.s < p.e && *p.s == '}') {
            p.s++;
            break;
        }
        if (!first) {
            if (p.s >= p.e || *p.s != ',') {
                jfail(&p, "expected ',' or '}'");
                goto bad;
            }
            p.s++;
            jws(&p);
        }
        first = 0;
        if (jstring(&p, key, sizeof key))
            goto bad;
        jws(&p);
        if (p.s >= p.e || *p.s != ':') {
            jfail(&p, "expected ':'");
            goto bad;
        }
        p.s++;
        jws(&p);
        if (strcmp(key, "model") == 0) {
            char mname[32];
            if (jstring(&p, mname, sizeof mname))
                goto bad;
            out->model = cli_model_from_name(mname);
            if (!out->model) {
                free(buf);
                return cli_fail(err, CLI_EXIT_DATA, "%s: unknown model \"%s\" (bgnbd, mbgnbd, pnbd, bgbb, gg, sbg)",
                                path, mname);
            }
        } else if (strcmp(key, "time_unit") == 0) {
            if (p.s < p.e && *p.s == 'n') {
                if (jlit(&p, "null"))
                    goto bad;
            } else {
                if (jstring(&p, out->time_unit, sizeof out->time_unit))
                    goto bad;
                out->has_unit = 1;
            }
        } else if (strcmp(key, "converged") == 0) {
            if (p.s < p.e && *p.s == 't') {
                if (jlit(&p, "true"))
                    goto bad;
                out->converged = 1;
            } else {
                if (jlit(&p, "false"))
                    goto bad;
                out->converged = 0;
            }
        } else if (strcmp(key, "boundary") == 0) {
            int f2 = 1;
            if (p.s >= p.e || *p.s != '[') {
                jfail(&p, "\"boundary\" must be an array of parameter names");
                goto bad;
            }
            p.s++;
            for (;;) {
                char bk[32];
                jws(&p);
                if (p.s < p.e && *p.s == ']') {
                    p.s++;
                    break;
                }
                if (!f2) {
                    if (p.s >= p.e || *p.s != ',') {
                        jfail(&p, "expected ',' or ']' in \"boundary\"");
                        goto bad;
                    }
                    p.s++;
                    jws(&p);
                }
                f2 = 0;
                if (jstring(&p, bk, sizeof bk))
                    goto bad;
                if (n_bnames < 4)
                    snprintf(bnames[n_bnames++], sizeof bnames[0], "%s", bk);
            }
        } else if (strcmp(key, "params") == 0) {
            int f2 = 1;
            if (p.s >= p.e || *p.s != '{') {
                jfail(&p, "\"params\" must be an object");
                goto bad;
            }
            p.s++;
            have_params = 1;
            for (;;) {
                char pk[32];
                double v;
                jws(&p);
                if (p.s < p.e && *p.s == '}') {
                    p.s++;
                    break;
                }
                if (!f2) {
                    if (p.s >= p.e || *p.s != ',') {
                        jfail(&p, "expected ',' or '}' in \"params\"");
                        goto bad;
                    }
                    p.s++;
                    jws(&p);
                }
                f2 = 0;
                if (jstring(&p, pk, sizeof pk))
                    goto bad;
                jws(&p);
                if (p.s >= p.e || *p.s != ':') {
                    jfail(&p, "expected ':'");
                    goto bad;
                }
                p.s++;
                jws(&p);
                if (jnumber(&p, &v))
                    goto bad;
                if (n_names == 4) {
                    free(buf);
                    return cli_fail(err, CLI_EXIT_DATA, "%s: more than four parameters in \"params\"", path);
                }
                snprintf(names[n_names], sizeof names[n_names], "%s", pk);
                vals[n_names++] = v;
            }
        } else if (jskip(&p, 0)) {
            goto bad;
        }
    }
    jws(&p);
    if (p.s != p.e) {
        jfail(&p, "text after the JSON object");
        goto bad;
    }
    free(buf);
    if (want_model && out->model && out->model != want_model)
        return cli_fail(err, CLI_EXIT_DATA, "%s: parameters of model %s, but --model %s", path,
                        cli_model_name(out->model), cli_model_name(want_model));
    if (!out->model)
        out->model = want_model;
    if (!out->model)
        return cli_fail(err, CLI_EXIT_USAGE, "%s: no \"model\" in the file: give --model", path);
    if (!have_params)
        return cli_fail(err, CLI_EXIT_DATA, "%s: no \"params\" object", path);
    np = cva_model_n_params(out->model);
    for (i = 0; i < n_names; i++) {
        int k, hit = -1;
        for (k = 0; k < np; k++)
            if (strcmp(names[i], cva_model_param_name(out->model, k)) == 0)
                hit = k;
        if (hit < 0 || got[hit])
            return cli_fail(err, CLI_EXIT_DATA, "%s: %s parameter \"%s\" in \"params\"", path,
                            hit < 0 ? "unknown" : "duplicate", names[i]);
        got[hit] = 1;
        out->p[hit] = vals[i];
    }
    for (i = 0; i < n_bnames; i++) {
        int k, hit = -1;
        for (k = 0; k < np; k++)
            if (strcmp(bnames[i], cva_model_param_name(out->model, k)) == 0)
                hit = k;
        if (hit < 0)
            return cli_fail(err, CLI_EXIT_DATA, "%s: unknown parameter \"%s\" in \"boundary\"", path, bnames[i]);
        out->boundary |= 1u << hit;
    }
    for (i = 0; i < np; i++) {
        if (!got[i])
            return cli_fail(err, CLI_EXIT_DATA, "%s: \"params\" has no \"%s\" (%s needs %d parameters)", path,
                            cva_model_param_name(out->model, i), cli_model_name(out->model), np);
        if (!(out->p[i] > 0))
            return cli_fail(err, CLI_EXIT_DATA, "%s: parameter %s = %.17g must be > 0", path,
                            cva_model_param_name(out->model, i), out->p[i]);
    }
    return 0;
bad:
    {
        size_t off = (size_t)(p.s - buf), line = 1, k;
        for (k = 0; k < off && k < n; k++)
            line += buf[k] == '\n';
        free(buf);
        return cli_fail(err, CLI_EXIT_DATA, "%s:%lu: not a parameter file: %s", path, (unsigned long)line,
                        p.why ? p.why : "bad JSON");
    }
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
        param_list(fit->model, fit->boundary & fit->boundary_upper, up, sizeof up);
        param_list(fit->model, fit->boundary & ~fit->boundary_upper, down, sizeof down);
        fprintf(stderr,
                "cva: warning: %s fit: the estimate lies on the boundary of the parameter space (%s%s%s%s%s): the "
                "likelihood keeps increasing that way, so the data cannot pin %s down; %s\n",
                t, up, *up ? " running off to infinity" : "", *up && *down ? ", " : "", down,
                *down ? " to 0" : "", fit->boundary & (fit->boundary - 1u) ? "these parameters" : "it",
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
    return cli_fail(err, CLI_EXIT_LIB, "%s: library error %s: %s", what, cva_status_name(st), detail);
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
