/*
 * cva command-line tool: RFM segment maps.
 * SPDX-License-Identifier: MIT
 */
#include "segmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "input.h"
#include "numbers.h"

const char cli_segmap_names[] = "rf10-grid, rfm11-hebbali, rfm11-specific-first";

static const struct {
    const char *name;
    int32_t id;
} builtins[] = {
    {"rf10-grid", CVA_RFM_MAP_RF10_GRID},
    {"rfm11-hebbali", CVA_RFM_MAP_RFM11_HEBBALI},
    {"rfm11-specific-first", CVA_RFM_MAP_RFM11_SPECIFIC_FIRST},
};

int cli_segmap_builtin(const char *name, cli_segmap *m)
{
    size_t j;
    memset(m, 0, sizeof *m);
    for (j = 0; j < sizeof builtins / sizeof builtins[0]; j++) {
        if (strcmp(name, builtins[j].name) != 0)
            continue;
        if (cva_rfm_map_get(builtins[j].id, &m->rules, &m->n_rules) != CVA_OK)
            return 0;
        m->builtin = 1;
        m->map_id = builtins[j].id;
        m->name = builtins[j].name;
        return 1;
    }
    return 0;
}

void cli_segmap_free(cli_segmap *m)
{
    size_t j;
    free(m->own);
    free(m->line);
    for (j = 0; j < m->n_labels; j++)
        free(m->labels[j]);
    free(m->labels);
    memset(m, 0, sizeof *m);
}

const char *cli_segmap_label(const cli_segmap *m, int32_t code)
{
    if (code >= CVA_LABEL_CUSTOM_FIRST && (size_t)(code - CVA_LABEL_CUSTOM_FIRST) < m->n_labels)
        return m->labels[code - CVA_LABEL_CUSTOM_FIRST];
    return cva_label(code);
}

/* ---- rule files ---- */

enum { COL_LABEL = 0, COL_R_LO, COL_R_HI, COL_F_LO, COL_F_HI, COL_M_LO, COL_M_HI, N_COLS };
static const char *const col_names[N_COLS] = {"label", "r_lo", "r_hi", "f_lo", "f_hi", "m_lo", "m_hi"};
static const char header_text[] = "label,r_lo,r_hi,f_lo,f_hi,m_lo,m_hi";

static int32_t label_code(cli_segmap *m, const char *s, size_t len)
{
    size_t j;
    for (j = 0; j < m->n_labels; j++)
        if (strlen(m->labels[j]) == len && memcmp(m->labels[j], s, len) == 0)
            return CVA_LABEL_CUSTOM_FIRST + (int32_t)j;
    if (m->n_labels == CLI_SEGMAP_MAX_LABELS)
        return -1;
    m->labels = (char **)cli_xrealloc(m->labels, (m->n_labels + 1) * sizeof(char *));
    m->labels[m->n_labels] = (char *)cli_xmalloc(len + 1);
    memcpy(m->labels[m->n_labels], s, len);
    m->labels[m->n_labels][len] = '\0';
    m->n_labels++;
    return CVA_LABEL_CUSTOM_FIRST + (int32_t)(m->n_labels - 1);
}

int cli_segmap_load(const char *path, int32_t k, cli_segmap *m, cli_err *err)
{
    FILE *fp;
    csv_reader r;
    long idx[N_COLS];
    size_t cap = 0, j;
    int st, c, rc = 0;

    memset(m, 0, sizeof *m);
    m->name = path;
    fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return cli_fail(err, CLI_EXIT_USAGE,
                            "option --segments: '%s' is neither a built-in map (%s) nor an existing file", path,
                            cli_segmap_names);
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open the segment file: %s", path, strerror(errno));
    }
    if (csv_init(&r, csv_read_stdio, fp, ',') != 0) {
        fclose(fp);
        return cli_fail(err, CLI_EXIT_FAIL, "csv reader");
    }
    st = csv_next(&r);
    if (st == CSV_EOF) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty segment file (expected the header %s)", path, header_text);
        goto out;
    }
    if (st == CSV_ERR)
        goto csv_err;
    for (c = 0; c < N_COLS; c++)
        idx[c] = -1;
    for (j = 0; j < r.nf; j++) {
        const char *p;
        size_t len;
        char q[64];
        csv_field_trim(&r.f[j], &p, &len);
        for (c = 0; c < N_COLS; c++)
            if (csv_ieq(p, len, col_names[c]))
                break;
        cli_quote_field(q, sizeof q, p, len);
        if (c == N_COLS) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: unknown column %s in the segment file (expected %s)",
                          path, (unsigned long long)r.row_line, (unsigned long)j + 1, q, header_text);
            goto out;
        }
        if (idx[c] >= 0) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: column %s appears twice", path,
                          (unsigned long long)r.row_line, (unsigned long)j + 1, q);
            goto out;
        }
        idx[c] = (long)j;
    }
    for (c = 0; c < N_COLS; c++)
        if (idx[c] < 0) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: no column '%s' in the segment file (expected %s)", path,
                          (unsigned long long)r.row_line, col_names[c], header_text);
            goto out;
        }

    while ((st = csv_next(&r)) == CSV_ROW) {
        cva_rfm_rule u;
        int32_t v[N_COLS];
        const char *p;
        size_t len;
        char q[64];
        if (r.nf != (size_t)N_COLS) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, expected %d (%s)", path,
                          (unsigned long long)r.row_line,
                          (unsigned long)(r.nf < (size_t)N_COLS ? r.nf : (size_t)N_COLS) + 1, (unsigned long)r.nf,
                          (int)N_COLS, header_text);
            goto out;
        }
        if (m->n_rules == CLI_SEGMAP_MAX_RULES) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: more than %d rules", path, (unsigned long long)r.row_line,
                          CLI_SEGMAP_MAX_RULES);
            goto out;
        }
        for (c = COL_R_LO; c < N_COLS; c++) {
            int64_t x;
            int is_lo = (c - COL_R_LO) % 2 == 0;
            int pst;
            csv_field_trim(&r.f[idx[c]], &p, &len);
            if (len == 0) { /* open bound */
                v[c] = is_lo ? 1 : k;
                continue;
            }
            pst = cli_parse_int64(p, len, &x, NULL);
            cli_quote_field(q, sizeof q, p, len);
            if (pst != CLI_NUM_OK) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s is not an integer score", path,
                              (unsigned long long)r.row_line, idx[c] + 1, col_names[c], q);
                goto out;
            }
            if (x < 1 || x > k) {
                rc = cli_fail(err, CLI_EXIT_DATA,
                              "%s:%llu:%ld: %s %s is outside the scores 1..%d of --bins %d%s", path,
                              (unsigned long long)r.row_line, idx[c] + 1, col_names[c], q, (int)k, (int)k,
                              x > k ? " (is the map written for another number of bins?)" : "");
                goto out;
            }
            v[c] = (int32_t)x;
        }
        for (c = COL_R_LO; c < N_COLS; c += 2)
            if (v[c] > v[c + 1]) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: empty range: %s %d > %s %d", path,
                              (unsigned long long)r.row_line, idx[c] + 1, col_names[c], (int)v[c],
                              col_names[c + 1], (int)v[c + 1]);
                goto out;
            }
        csv_field_trim(&r.f[idx[COL_LABEL]], &p, &len);
        cli_quote_field(q, sizeof q, p, len);
        if (len == 0 || len > 200) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s label (1 to 200 bytes)", path,
                          (unsigned long long)r.row_line, idx[COL_LABEL] + 1, len ? "too long a" : "empty");
            goto out;
        }
        if ((len == 4 && memcmp(p, "None", 4) == 0) || (len == 6 && memcmp(p, "Others", 6) == 0)) {
            rc = cli_fail(err, CLI_EXIT_DATA,
                          "%s:%llu:%ld: label %s is reserved (unscored customers / no matching rule)", path,
                          (unsigned long long)r.row_line, idx[COL_LABEL] + 1, q);
            goto out;
        }
        u.label = label_code(m, p, len);
        if (u.label < 0) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: more than %d distinct labels", path,
                          (unsigned long long)r.row_line, idx[COL_LABEL] + 1, CLI_SEGMAP_MAX_LABELS);
            goto out;
        }
        u.r_lo = v[COL_R_LO];
        u.r_hi = v[COL_R_HI];
        u.f_lo = v[COL_F_LO];
        u.f_hi = v[COL_F_HI];
        u.m_lo = v[COL_M_LO];
        u.m_hi = v[COL_M_HI];
        if (m->n_rules == cap) {
            cap = cap ? 2 * cap : 16;
            m->own = (cva_rfm_rule *)cli_xrealloc(m->own, cap * sizeof *m->own);
            m->line = (uint64_t *)cli_xrealloc(m->line, cap * sizeof *m->line);
        }
        m->own[m->n_rules] = u;
        m->line[m->n_rules] = r.row_line;
        m->n_rules++;
    }
    if (st == CSV_ERR)
        goto csv_err;
    if (m->n_rules == 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: the segment file has no rules", path);
        goto out;
    }
    m->rules = m->own;
    goto out;

csv_err:
    rc = cli_csv_fail(err, path, &r);
out:
    csv_free(&r);
    fclose(fp);
    if (rc) {
        const char *name = m->name;
        cli_segmap_free(m);
        m->name = name;
    }
    return rc;
}

int cli_segmap_check(const cli_segmap *m, int32_t k)
{
    uint32_t *cells, unc = 0, shadowed = 0, unreachable = 0;
    cva_status st;
    size_t j, q;
    int lines = 0;
    cells = (uint32_t *)cli_xmalloc((m->n_rules ? m->n_rules : 1) * sizeof *cells);
    st = cva_rfm_map_check(m->rules, m->n_rules, k, cells, &unc, &shadowed, &unreachable, NULL);
    if (st < 0) {
        fprintf(stderr, "cva: warning: %s: the map checker failed (%s)\n", m->name, cva_status_name(st));
        free(cells);
        return 1;
    }
    if (unc > 0) {
        fprintf(stderr,
                "cva: warning: %s: %lu of %lu score cells match no rule (those customers get 'Others')\n",
                m->name, (unsigned long)unc, (unsigned long)((uint64_t)k * (uint64_t)k * (uint64_t)k));
        lines++;
    }
    if (shadowed > 0) {
        size_t shown = 0;
        fprintf(stderr, "cva: warning: %s: %lu rule%s never match%s (earlier rules take all %s cells):",
                m->name, (unsigned long)shadowed, shadowed == 1 ? "" : "s", shadowed == 1 ? "es" : "",
                shadowed == 1 ? "its" : "their");
        for (j = 0; j < m->n_rules; j++)
            if (cells[j] == 0) {
                if (shown++ < 10)
                    fprintf(stderr, " %s%s (line %llu)", shown > 1 ? ", " : "",
                            cli_segmap_label(m, m->rules[j].label),
                            m->line ? (unsigned long long)m->line[j] : (unsigned long long)j + 1);
            }
        fputs(shown > 10 ? ", ...\n" : "\n", stderr);
        lines++;
    }
    if (unreachable > 0) {
        size_t shown = 0;
        fprintf(stderr, "cva: warning: %s: %lu label%s can never occur:", m->name, (unsigned long)unreachable,
                unreachable == 1 ? "" : "s");
        for (j = 0; j < m->n_rules; j++) {
            uint64_t total = 0;
            int first = 1;
            for (q = 0; q < m->n_rules; q++)
                if (m->rules[q].label == m->rules[j].label) {
                    if (q < j) {
                        first = 0;
                        break;
                    }
                    total += cells[q];
                }
            if (first && total == 0 && shown++ < 10)
                fprintf(stderr, "%s '%s'", shown > 1 ? "," : "", cli_segmap_label(m, m->rules[j].label));
        }
        fputs(shown > 10 ? ", ...\n" : "\n", stderr);
        lines++;
    }
    free(cells);
    return lines;
}
