/*
 * cva command-line tool: the text renderer of the report model (the terminal report of
 * `cva demo`).
 * SPDX-License-Identifier: MIT
 */
#include "report.h"

#include <math.h>
#include <string.h>

#define FIG_LABEL 25     /* width of a headline figure's label */
#define FIG_VALUE 12     /* width of its value */
#define DETAIL_LABEL 30  /* width of a detail figure's label (indented two more spaces) */
#define DETAIL_VALUE 7   /* width of its value */
#define SERIES_BAR 40    /* width of the longest bar of a series */
#define SERIES_LABEL 5   /* width of a point's label (at least; the longest label of the series) */
#define SERIES_VALUE 8   /* width of its value */
#define SERIES_SHARE 7   /* width of its share ("100.0 %") */

static void repeat(FILE *fp, int c, size_t n)
{
    while (n-- > 0)
        fputc(c, fp);
}

static void write_figure(FILE *fp, const cli_rfigure *f)
{
    char v[64];
    cli_rv_format(&f->value, v, sizeof v);
    if (f->flags & CLI_FIG_INLINE) {
        fprintf(fp, "  %-*s%s", FIG_LABEL, f->label, v);
        if (f->note)
            fprintf(fp, " %s", f->note);
    } else if (f->level > 0) {
        fprintf(fp, "    %-*s%*s", DETAIL_LABEL, f->label, DETAIL_VALUE, v);
        if (f->note)
            fprintf(fp, "   %s", f->note);
    } else {
        fprintf(fp, "  %-*s%*s", FIG_LABEL, f->label, FIG_VALUE, v);
        if (f->note)
            fprintf(fp, "   %s", f->note);
    }
    fputc('\n', fp);
}

static void write_cell(FILE *fp, const cli_rcolumn *c, const char *text, size_t k)
{
    if (k > 0)
        repeat(fp, ' ', (size_t)c->gap);
    if (c->left)
        fprintf(fp, "%-*s", c->width, text);
    else
        fprintf(fp, "%*s", c->width, text);
}

static void write_table(FILE *fp, const cli_rtable *t)
{
    size_t i, k;
    fputs("  ", fp);
    for (k = 0; k < t->n_cols; k++) {
        if (t->cols[k].bar)
            continue; /* a bar column has no heading */
        write_cell(fp, &t->cols[k], t->cols[k].name, k);
    }
    fputc('\n', fp);
    for (i = 0; i < t->n_rows; i++) {
        const cli_rvalue *row = &t->cells[i * t->n_cols];
        fputs("  ", fp);
        for (k = 0; k < t->n_cols; k++) {
            char v[64];
            if (t->cols[k].bar) {
                int hashes = row[k].v > 0 ? (int)floor(row[k].v * 20.0 + 0.5) : 0;
                if (hashes > 0) {
                    repeat(fp, ' ', (size_t)t->cols[k].gap);
                    repeat(fp, '#', (size_t)hashes);
                }
                continue;
            }
            write_cell(fp, &t->cols[k], cli_rv_format(&row[k], v, sizeof v), k);
        }
        fputc('\n', fp);
    }
}

static void write_series(FILE *fp, const cli_rseries *s)
{
    double top = 1.0;
    size_t k;
    int lw = SERIES_LABEL; /* wider when a label is longer ("SUPPORTER") */
    for (k = 0; k < s->n; k++) {
        if (s->values[k].v > top)
            top = s->values[k].v;
        if (strlen(s->labels[k]) > (size_t)lw)
            lw = (int)strlen(s->labels[k]);
    }
    for (k = 0; k < s->n; k++) {
        char v[64];
        int n = (int)floor(s->values[k].v / top * SERIES_BAR + 0.5), i;
        fprintf(fp, "  %*s  ", lw, s->labels[k]);
        for (i = 0; i < SERIES_BAR; i++)
            fputc(i < n ? '#' : ' ', fp);
        fprintf(fp, " %*s", SERIES_VALUE, cli_rv_format(&s->values[k], v, sizeof v));
        if (s->shares)
            fprintf(fp, "  %*s", SERIES_SHARE, cli_rv_format(&s->shares[k], v, sizeof v));
        fputc('\n', fp);
    }
}

int cli_rpt_write_text(FILE *fp, const cli_rpt *r)
{
    size_t k, j;
    fprintf(fp, "%s\n", r->title);
    for (k = 0; k < r->n_intro; k++)
        fprintf(fp, "%s\n", r->intro[k]);
    for (k = 0; k < r->n_sections; k++) {
        const cli_rsection *s = r->sections[k];
        if (s->flags & CLI_SEC_PAGE_ONLY)
            continue;
        fprintf(fp, "\n%s\n", s->title);
        repeat(fp, '-', strlen(s->title));
        fputc('\n', fp);
        for (j = 0; j < s->n_blocks; j++) {
            const cli_rblock *b = &s->blocks[j];
            switch (b->kind) {
            case CLI_RB_TEXT:
                fprintf(fp, "%s%s\n", b->text[0] ? "  " : "", b->text);
                break;
            case CLI_RB_FIGURE:
                write_figure(fp, &b->figure);
                break;
            case CLI_RB_TABLE:
                write_table(fp, b->table);
                break;
            case CLI_RB_SERIES:
                write_series(fp, b->series);
                break;
            case CLI_RB_CHART:
                break; /* graphic renderers only */
            }
        }
    }
    for (k = 0; k < r->n_outro; k++)
        fprintf(fp, "%s\n", r->outro[k]);
    return ferror(fp) ? -1 : 0;
}
