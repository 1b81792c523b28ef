/*
 * cva command-line tool: covariate files (covio.h).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "covio.h"
#include "csv.h"
#include "executor.h"
#include "modelio.h"
#include "numbers.h"

static uint64_t id_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static char *dup_n(const char *p, size_t len)
{
    char *s = (char *)cli_xmalloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

void cli_covfile_free(cli_covfile *cf)
{
    size_t i;
    for (i = 0; cf->names && i < cf->n_cols; i++)
        free(cf->names[i]);
    for (i = 0; cf->ids && i < cf->n_rows; i++)
        free(cf->ids[i]);
    free(cf->names);
    free(cf->ids);
    free(cf->v);
    free(cf->slot);
    memset(cf, 0, sizeof *cf);
}

int cli_covfile_col(const cli_covfile *cf, const char *name)
{
    size_t j;
    for (j = 0; j < cf->n_cols; j++)
        if (strcmp(cf->names[j], name) == 0)
            return (int)j;
    return -1;
}

static size_t find_id(const cli_covfile *cf, const char *s, size_t len)
{
    size_t h = (size_t)id_hash(s, len) & (cf->cap - 1);
    for (;;) {
        size_t k = cf->slot[h];
        if (k == (size_t)-1)
            return k;
        if (strlen(cf->ids[k]) == len && memcmp(cf->ids[k], s, len) == 0)
            return k;
        h = (h + 1) & (cf->cap - 1);
    }
}

int cli_covfile_read(const char *path, int delim, cli_covfile *cf, cli_err *err)
{
    FILE *fp;
    csv_reader r;
    size_t id_col = (size_t)-1, j, rows_cap = 0, k;
    int st, rc = 0;
    memset(cf, 0, sizeof *cf);
    cf->path = path;
    fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", path, strerror(errno));
    if (csv_init(&r, csv_read_stdio, fp, delim) != 0) {
        if (fp != stdin)
            fclose(fp);
        return cli_fail(err, CLI_EXIT_FAIL, "csv reader");
    }
    st = csv_next(&r);
    if (st != CSV_ROW) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: %s", path, st == CSV_ERR ? r.err : "empty covariate file");
        goto done;
    }
    cf->names = (char **)cli_xmalloc((r.nf ? r.nf : 1) * sizeof *cf->names);
    for (j = 0; j < r.nf; j++) {
        const char *p;
        size_t len;
        csv_field_trim(&r.f[j], &p, &len);
        if (id_col == (size_t)-1 && (csv_ieq(p, len, "customer_id") || csv_ieq(p, len, "id"))) {
            id_col = j;
            continue;
        }
        if (len == 0 || len >= 64) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s: header column %lu: covariate names must be 1..63 characters", path,
                          (unsigned long)j + 1);
            goto done;
        }
        cf->names[cf->n_cols++] = dup_n(p, len);
    }
    if (id_col == (size_t)-1) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: no customer_id column in the header", path);
        goto done;
    }
    if (cf->n_cols == 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: no covariate column besides customer_id", path);
        goto done;
    }
    if (cf->n_cols > CVA_COV_MAX) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: %lu covariate columns, at most %d", path, (unsigned long)cf->n_cols,
                      CVA_COV_MAX);
        goto done;
    }
    for (st = csv_next(&r); st == CSV_ROW; st = csv_next(&r)) {
        size_t c = 0;
        if (r.nf == 1 && r.f[0].len == 0)
            continue; /* blank line */
        if (r.nf != cf->n_cols + 1) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %lu fields, the header has %lu", path,
                          (unsigned long long)r.row_line, (unsigned long)r.nf, (unsigned long)cf->n_cols + 1);
            goto done;
        }
        if (cf->n_rows == rows_cap) {
            rows_cap = rows_cap ? 2 * rows_cap : 1024;
            cf->ids = (char **)cli_xrealloc(cf->ids, rows_cap * sizeof *cf->ids);
            cf->v = (double *)cli_xrealloc(cf->v, rows_cap * cf->n_cols * sizeof *cf->v);
        }
        for (j = 0; j < r.nf; j++) {
            const char *p;
            size_t len;
            csv_field_trim(&r.f[j], &p, &len);
            if (j == id_col) {
                cf->ids[cf->n_rows] = dup_n(p, len);
                continue;
            }
            if (cli_parse_double(p, len, &cf->v[cf->n_rows * cf->n_cols + c]) != 0) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: column %s: \"%.*s\" is not a finite number", path,
                              (unsigned long long)r.row_line, cf->names[c], (int)(len > 40 ? 40 : len), p);
                if (id_col < j)
                    cf->n_rows++; /* its id is allocated: freed with the others */
                goto done;
            }
            c++;
        }
        cf->n_rows++;
    }
    if (st == CSV_ERR) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s", path, (unsigned long long)r.err_line, r.err);
        goto done;
    }
    cf->cap = 16;
    while (cf->cap < 2 * cf->n_rows)
        cf->cap <<= 1;
    cf->slot = (size_t *)cli_xmalloc(cf->cap * sizeof *cf->slot);
    for (k = 0; k < cf->cap; k++)
        cf->slot[k] = (size_t)-1;
    for (k = 0; k < cf->n_rows; k++) {
        const size_t len = strlen(cf->ids[k]);
        size_t h;
        if (find_id(cf, cf->ids[k], len) != (size_t)-1) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s: customer %s has more than one row", path, cf->ids[k]);
            goto done;
        }
        h = (size_t)id_hash(cf->ids[k], len) & (cf->cap - 1);
        while (cf->slot[h] != (size_t)-1)
            h = (h + 1) & (cf->cap - 1);
        cf->slot[h] = k;
    }
done:
    csv_free(&r);
    if (fp != stdin)
        fclose(fp);
    if (rc)
        cli_covfile_free(cf);
    return rc;
}

int cli_covfile_align(const cli_covfile *cf, const cli_custdata *d, const int *sel, int n_sel, double **z,
                      cli_err *err)
{
    size_t k;
    double *out = (double *)cli_xmalloc((d->n ? d->n : 1) * (size_t)n_sel * sizeof *out);
    for (k = 0; k < d->n; k++) {
        char buf[32];
        size_t len, row;
        const char *id = cli_custdata_id(d, k, buf, &len);
        int j;
        row = find_id(cf, id, len);
        if (row == (size_t)-1) {
            if (isnan(d->x[k]) && d->tx && isnan(d->tx[k])) {
                for (j = 0; j < n_sel; j++)
                    out[k * (size_t)n_sel + (size_t)j] = 0.0;
                continue;
            }
            free(out);
            return cli_fail(err, CLI_EXIT_USAGE, "%s: no row for customer %.*s", cf->path, (int)(len > 80 ? 80 : len),
                            id);
        }
        for (j = 0; j < n_sel; j++)
            out[k * (size_t)n_sel + (size_t)j] = cf->v[row * cf->n_cols + (size_t)sel[j]];
    }
    *z = out;
    return 0;
}

int cli_cov_split(const char *list, char out[][64], int max)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ')) {
            p++;
            len--;
        }
        while (len && p[len - 1] == ' ')
            len--;
        if (len) {
            if (n == max || len >= 64)
                return -1;
            memcpy(out[n], p, len);
            out[n][len] = '\0';
            n++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

int cli_cov_parse_opt(int argc, char **argv, int *i, cli_cov_opts *co, cli_err *err)
{
    const char *v;
    int m;
    if ((m = cli_match_opt(argc, argv, i, "--covariates", &v, err)) != 0) {
        if (m > 0)
            co->file = v;
        return m;
    }
    if ((m = cli_match_opt(argc, argv, i, "--life-covariates", &v, err)) != 0) {
        if (m > 0)
            co->life = v;
        return m;
    }
    if ((m = cli_match_opt(argc, argv, i, "--trans-covariates", &v, err)) != 0) {
        if (m > 0)
            co->trans = v;
        return m;
    }
    if ((m = cli_match_opt(argc, argv, i, "--constrain", &v, err)) != 0) {
        if (m > 0)
            co->constrain = v;
        return m;
    }
    if ((m = cli_match_opt(argc, argv, i, "--l2", &v, err)) != 0) {
        if (m < 0 || cli_parse_double_opt("--l2", v, &co->l2, err))
            return -1;
        if (!(co->l2 >= 0.0))
            return cli_fail(err, CLI_EXIT_USAGE, "option --l2: must be >= 0, got %s", v) ? -1 : -1;
        co->l2_given = 1;
        return 1;
    }
    return 0;
}

int cli_cov_check_opts(const cli_cov_opts *co, int32_t model, cli_err *err)
{
    if (!co->file) {
        if (co->life || co->trans || co->constrain || co->l2_given)
            return cli_fail(err, CLI_EXIT_USAGE, "fit: --life-covariates, --trans-covariates, --constrain and --l2 "
                            "need --covariates FILE");
        return 0;
    }
    if (model != CVA_MODEL_PNBD && model != CVA_MODEL_BGNBD)
        return cli_fail(err, CLI_EXIT_USAGE, "fit: --covariates applies to --model pnbd or bgnbd");
    return 0;
}

/* mark the listed names in flags (one per file column); exit 2 naming an unknown one */
static int mark(const cli_covfile *cf, const char *list, const char *opt, int *flags, cli_err *err)
{
    char names[CVA_COV_MAX + 1][64];
    int n = cli_cov_split(list, names, CVA_COV_MAX + 1), k;
    if (n < 0)
        return cli_fail(err, CLI_EXIT_USAGE, "option %s: too many or too long names", opt);
    for (k = 0; k < n; k++) {
        int c = cli_covfile_col(cf, names[k]);
        if (c < 0)
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: %s has no column \"%s\"", opt, cf->path, names[k]);
        flags[c] = 1;
    }
    return 0;
}

int cli_cov_fit(const cli_cov_opts *co, int delim, int32_t model, const cli_custdata *d, const cva_fit_opts *fo,
                cva_model_fit *fit, cli_cov_result *res, cva_status *st, cva_diag *dg, cli_err *err)
{
    cli_covfile cf;
    int life[CVA_COV_MAX], trans[CVA_COV_MAX], con[CVA_COV_MAX], sel[CVA_COV_MAX];
    int32_t l32[CVA_COV_MAX], t32[CVA_COV_MAX], c32[CVA_COV_MAX];
    int rc, j, n_sel = 0;
    size_t c;
    double *z = NULL;
    cva_cov_opts o;
    memset(res, 0, sizeof *res);
    if ((rc = cli_covfile_read(co->file, delim, &cf, err)) != 0)
        return rc;
    for (c = 0; c < cf.n_cols; c++)
        life[c] = trans[c] = con[c] = 0;
    if (co->life) {
        if ((rc = mark(&cf, co->life, "--life-covariates", life, err)) != 0)
            goto done;
    } else {
        for (c = 0; c < cf.n_cols; c++)
            life[c] = 1;
    }
    if (co->trans) {
        if ((rc = mark(&cf, co->trans, "--trans-covariates", trans, err)) != 0)
            goto done;
    } else {
        for (c = 0; c < cf.n_cols; c++)
            trans[c] = 1;
    }
    if (co->constrain && (rc = mark(&cf, co->constrain, "--constrain", con, err)) != 0)
        goto done;
    for (c = 0; c < cf.n_cols; c++) {
        if (con[c] && !(life[c] && trans[c])) {
            rc = cli_fail(err, CLI_EXIT_USAGE, "option --constrain: %s must enter both processes", cf.names[c]);
            goto done;
        }
        if (!life[c] && !trans[c])
            continue; /* a column neither process uses */
        sel[n_sel] = (int)c;
        l32[n_sel] = life[c];
        t32[n_sel] = trans[c];
        c32[n_sel] = con[c];
        snprintf(res->names[n_sel], sizeof res->names[0], "%s", cf.names[c]);
        n_sel++;
    }
    if (n_sel == 0) {
        rc = cli_fail(err, CLI_EXIT_USAGE, "fit: no covariate enters either process");
        goto done;
    }
    if ((rc = cli_covfile_align(&cf, d, sel, n_sel, &z, err)) != 0)
        goto done;
    cva_cov_opts_init_defaults(&o, sizeof o);
    o.n_cov = n_sel;
    o.life = l32;
    o.trans = t32;
    o.constrain = c32;
    o.lambda_life = o.lambda_trans = co->l2;
    cva_cov_fit_init(&res->cf, sizeof res->cf);
    *st = cva_cov_fit_btyd(model, d->x, d->tx, d->T, z, d->w, d->n, &o, fo, fit, &res->cf, dg);
    res->l2 = co->l2;
    for (j = 0; j < n_sel; j++)
        if (c32[j])
            res->any_constrained = 1;
done:
    free(z);
    cli_covfile_free(&cf);
    return rc;
}

static void put_obj(FILE *fp, const cli_cov_result *r, const int32_t *in, const double *v)
{
    int j, first = 1;
    fputc('{', fp);
    for (j = 0; j < r->cf.n_cov; j++) {
        char b[40];
        if (!in[j])
            continue;
        fprintf(fp, "%s\"%s\": ", first ? "" : ", ", r->names[j]);
        first = 0;
        if (isfinite(v[j])) {
            cli_format_double(v[j], b);
            fputs(b, fp);
        } else {
            fputs("null", fp);
        }
    }
    fputc('}', fp);
}

void cli_cov_write_json(FILE *fp, const cli_cov_result *r)
{
    int j, first = 1;
    fputs(",\n  \"covariates\": {\"life\": ", fp);
    put_obj(fp, r, r->cf.life, r->cf.gamma_life);
    fputs(", \"trans\": ", fp);
    put_obj(fp, r, r->cf.trans, r->cf.gamma_trans);
    fputs(",\n    \"standard_errors\": {\"life\": ", fp);
    put_obj(fp, r, r->cf.life, r->cf.se_life);
    fputs(", \"trans\": ", fp);
    put_obj(fp, r, r->cf.trans, r->cf.se_trans);
    fputs("},\n    \"constrained\": [", fp);
    for (j = 0; j < r->cf.n_cov; j++)
        if (r->cf.constrain[j]) {
            fprintf(fp, "%s\"%s\"", first ? "" : ", ", r->names[j]);
            first = 0;
        }
    fputs("], \"l2\": ", fp);
    {
        char b[40];
        cli_format_double(r->l2, b);
        fputs(b, fp);
    }
    fputs("}", fp);
}

int cli_cov_prepare(const cli_params *pp, const char *path, const cli_custdata *d, int32_t model, double *params,
                    double **ip, cli_err *err)
{
    cli_covfile cf;
    cva_cov_fit c;
    cva_diag dg;
    double *z = NULL;
    int sel[CVA_COV_MAX], j, rc;
    cva_status st;
    *ip = NULL;
    if (pp->n_cov == 0)
        return path ? cli_fail(err, CLI_EXIT_USAGE, "predict: --covariates given, but the --params file has no "
                               "\"covariates\"") : 0;
    if (!path)
        return cli_fail(err, CLI_EXIT_USAGE, "predict: the --params file carries covariates (%s%s): give "
                        "--covariates FILE", pp->cov_names[0], pp->n_cov > 1 ? ", ..." : "");
    if (model != CVA_MODEL_PNBD && model != CVA_MODEL_BGNBD)
        return cli_fail(err, CLI_EXIT_USAGE, "predict: covariates apply to pnbd and bgnbd");
    if ((rc = cli_covfile_read(path, ',', &cf, err)) != 0)
        return rc;
    for (j = 0; j < pp->n_cov; j++) {
        sel[j] = cli_covfile_col(&cf, pp->cov_names[j]);
        if (sel[j] < 0) {
            rc = cli_fail(err, CLI_EXIT_USAGE, "predict: %s has no column \"%s\" (a covariate of the parameters)", path,
                          pp->cov_names[j]);
            cli_covfile_free(&cf);
            return rc;
        }
    }
    rc = cli_covfile_align(&cf, d, sel, pp->n_cov, &z, err);
    cli_covfile_free(&cf);
    if (rc)
        return rc;
    cva_cov_fit_init(&c, sizeof c);
    c.model = model;
    c.n_cov = pp->n_cov;
    for (j = 0; j < pp->n_cov; j++) {
        c.gamma_life[j] = pp->cov_life[j] ? pp->gamma_life[j] : 0.0;
        c.gamma_trans[j] = pp->cov_trans[j] ? pp->gamma_trans[j] : 0.0;
    }
    *ip = (double *)cli_xmalloc((d->n ? d->n : 1) * 4 * sizeof **ip);
    cva_diag_init(&dg, sizeof dg);
    st = d->n ? cva_cov_individual_params(params, &c, z, d->n, *ip, &dg) : CVA_OK;
    free(z);
    if (st < 0) {
        free(*ip);
        *ip = NULL;
        return cli_fail(err, CLI_EXIT_DATA, "%s: row of customer %lld: %s", path, (long long)dg.index + 1,
                        dg.detail ? dg.detail : cva_strerror(st));
    }
    return 0;
}

typedef struct ip_key {
    double p[4];
    size_t i;
} ip_key;

static int ip_cmp(const void *a, const void *b)
{
    const ip_key *x = (const ip_key *)a, *y = (const ip_key *)b;
    int k;
    for (k = 0; k < 4; k++) {
        if (x->p[k] < y->p[k])
            return -1;
        if (x->p[k] > y->p[k])
            return 1;
    }
    return x->i < y->i ? -1 : (x->i > y->i ? 1 : 0);
}

cva_status cli_cov_eval(int what, int32_t model, const double *ip, const cli_custdata *d, double h, const double *gg,
                        const double *m, const cva_clv_opts *co, double *out, cva_diag *dg)
{
    const size_t n = d->n;
    ip_key *keys = (ip_key *)cli_xmalloc((n ? n : 1) * sizeof *keys);
    double *buf = (double *)cli_xmalloc((n ? n : 1) * 5 * sizeof *buf);
    double *xs = buf, *ts = buf + n, *Ts = buf + 2 * n, *ms = buf + 3 * n, *os = buf + 4 * n;
    size_t a = 0, k;
    cva_status worst = CVA_OK;
    for (k = 0; k < n; k++) {
        memcpy(keys[k].p, ip + 4 * k, sizeof keys[k].p);
        keys[k].i = k;
    }
    qsort(keys, n, sizeof *keys, ip_cmp);
    while (a < n) {
        size_t b = a + 1, q;
        cva_status st;
        cva_diag loc;
        while (b < n && memcmp(keys[a].p, keys[b].p, sizeof keys[a].p) == 0)
            b++;
        for (q = a; q < b; q++) {
            const size_t r = keys[q].i;
            xs[q - a] = d->x[r];
            ts[q - a] = d->tx[r];
            Ts[q - a] = d->T[r];
            ms[q - a] = m ? m[r] : 0.0;
        }
        cva_diag_init(&loc, sizeof loc);
        if (what == 0)
            st = cva_model_p_alive(model, keys[a].p, 0.0, xs, ts, Ts, b - a, os, cli_predict_opts(), &loc);
        else if (what == 1)
            st = cva_model_expected(model, keys[a].p, h, xs, ts, Ts, b - a, os, cli_predict_opts(), &loc);
        else
            st = cva_clv(model, keys[a].p, gg, xs, ts, Ts, ms, b - a, co, os, &loc);
        if (st < 0) {
            if (dg && dg->struct_size == sizeof *dg) {
                *dg = loc;
                if (loc.index >= 0 && (size_t)loc.index < b - a)
                    dg->index = (int64_t)keys[a + (size_t)loc.index].i;
            }
            free(keys);
            free(buf);
            return st;
        }
        if (st == CVA_W_SERIES_LIMIT) {
            worst = st;
            if (dg && dg->struct_size == sizeof *dg)
                *dg = loc;
        }
        for (q = a; q < b; q++)
            out[keys[q].i] = os[q - a];
        a = b;
    }
    free(keys);
    free(buf);
    return worst;
}
