/*
 * cva command-line tool: sBG cohort survivor tables.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "cohortio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "numbers.h"
#include "input.h"

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
        rc = cli_csv_fail(err, name, &r);
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
                    rc = cli_fail(err, CLI_EXIT_DATA, "%s:1:%lu: column period_%ld appears twice (also column %ld)",
                                  name, (unsigned long)j + 1, k, map[k] + 1);
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
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, expected %lu (as in the header)",
                          name, (unsigned long long)r.row_line, (unsigned long)(r.nf < hdr_nf ? r.nf : hdr_nf) + 1,
                          (unsigned long)r.nf, (unsigned long)hdr_nf);
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
        rc = cli_csv_fail(err, name, &r);
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
