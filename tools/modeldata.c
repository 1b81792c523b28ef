/*
 * cva command-line tool: the per-customer inputs of the churn and spend models (time units,
 * statistics from a transaction file or read from a summary CSV).
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "modeldata.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "numbers.h"
#include "summary.h"

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
    cli_summary s;
    size_t k;
    int rc;

    memset(d, 0, sizeof *d);
    d->hold_len = (double)NAN;
    d->time_unit = o->week_unit ? CLI_UNIT_WEEK : CLI_UNIT_DAY;
    if ((rc = cli_summary_txn(tx, o->end_days, o->cal_days, o->week_unit ? 7.0 : 1.0, &s, err)) != 0)
        return rc;
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
                    return cli_fail(err, CLI_EXIT_DATA, "%s:1:%lu: column name '%s' appears twice (also column "
                                    "%ld); use %s with another name", name, (unsigned long)j + 1, want, *found + 1,
                                    scol_opt[scol]);
                *found = (long)j;
            }
        }
    }
    return 0;
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
        rc = cli_csv_fail(err, name, &r);
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
                        rc = cli_fail(err, CLI_EXIT_DATA, "%s:1:%lu: column name 'time_unit' appears twice (also "
                                      "column %ld)", name, (unsigned long)j + 1, unit_idx + 1);
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
            /* the column of the first missing (or first extra) field */
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, expected %lu (as in the header)", name,
                          (unsigned long long)r.row_line, (unsigned long)(r.nf < nf ? r.nf : nf) + 1,
                          (unsigned long)r.nf, (unsigned long)nf);
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
        rc = cli_csv_fail(err, name, &r);
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
