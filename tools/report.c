/*
 * cva command-line tool: the report model (building it, formatting its values).
 * SPDX-License-Identifier: MIT
 */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dates.h"

/* ------------------------------------------------------------------ values */

static cli_rvalue rv(cli_rv_kind kind, double v, int decimals)
{
    cli_rvalue x;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.v = v;
    x.decimals = decimals;
    return x;
}

cli_rvalue cli_rv_int(int64_t i)
{
    cli_rvalue x = rv(CLI_RV_INT, 0.0, 0);
    x.i = i;
    return x;
}

cli_rvalue cli_rv_count(double v)
{
    return rv(CLI_RV_COUNT, v, 0);
}

cli_rvalue cli_rv_number(double v, int decimals)
{
    return rv(CLI_RV_NUMBER, v, decimals);
}

cli_rvalue cli_rv_money(double v)
{
    return rv(CLI_RV_MONEY, v, 2);
}

cli_rvalue cli_rv_percent(double v, int decimals)
{
    return rv(CLI_RV_PERCENT, v, decimals);
}

cli_rvalue cli_rv_date(double days)
{
    return rv(CLI_RV_DATE, days, 0);
}

cli_rvalue cli_rv_text(const char *s)
{
    cli_rvalue x = rv(CLI_RV_TEXT, 0.0, 0);
    x.s = s;
    return x;
}

cli_rvalue cli_rv_bar(double share)
{
    return rv(CLI_RV_BAR, share, 0);
}

const char *cli_fmt_count(char *buf, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, o = 0;
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *cli_fmt_money(char *buf, double v)
{
    double cents = floor(fabs(v) * 100.0 + 0.5);
    uint64_t whole = (uint64_t)(cents / 100.0);
    unsigned frac = (unsigned)(cents - (double)whole * 100.0);
    char c[32];
    snprintf(buf, 48, "%s$%s.%02u", v < 0 ? "-" : "", cli_fmt_count(c, whole), frac);
    return buf;
}

const char *cli_rv_format(const cli_rvalue *v, char *buf, size_t cap)
{
    char tmp[48];
    buf[0] = '\0';
    switch (v->kind) {
    case CLI_RV_INT:
        snprintf(buf, cap, "%lld", (long long)v->i);
        break;
    case CLI_RV_COUNT:
        snprintf(buf, cap, "%s", cli_fmt_count(tmp, (uint64_t)v->v));
        break;
    case CLI_RV_NUMBER:
        snprintf(buf, cap, "%.*f", v->decimals, v->v);
        break;
    case CLI_RV_MONEY:
        snprintf(buf, cap, "%s", cli_fmt_money(tmp, v->v));
        break;
    case CLI_RV_PERCENT:
        snprintf(buf, cap, "%.*f %%", v->decimals, v->v);
        break;
    case CLI_RV_DATE:
        cli_format_date(v->v, tmp);
        snprintf(buf, cap, "%s", tmp);
        break;
    case CLI_RV_TEXT:
        snprintf(buf, cap, "%s", v->s ? v->s : "");
        break;
    case CLI_RV_EMPTY:
    case CLI_RV_BAR:
        break;
    }
    return buf;
}

/* ------------------------------------------------------------------ building */

static char *vformat(const char *fmt, va_list ap)
{
    char small[512], *p;
    va_list aq;
    int n;
    va_copy(aq, ap);
    n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0)
        small[0] = '\0';
    if (n < 0 || (size_t)n < sizeof small)
        return cli_xstrdup(small);
    p = (char *)cli_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

static cli_rvalue own_value(cli_rvalue v)
{
    if (v.kind == CLI_RV_TEXT)
        v.s = cli_xstrdup(v.s ? v.s : "");
    return v;
}

static void free_value(cli_rvalue *v)
{
    if (v->kind == CLI_RV_TEXT)
        free((char *)(uintptr_t)v->s);
    v->s = NULL;
}

void cli_rpt_init(cli_rpt *r, const char *title)
{
    memset(r, 0, sizeof *r);
    r->title = cli_xstrdup(title);
}

static cli_rblock *add_block(cli_rsection *s, cli_rblock_kind kind)
{
    cli_rblock *b;
    if (s->n_blocks == s->cap_blocks) {
        s->cap_blocks = s->cap_blocks ? 2 * s->cap_blocks : 16;
        s->blocks = (cli_rblock *)cli_xrealloc(s->blocks, s->cap_blocks * sizeof *s->blocks);
    }
    b = &s->blocks[s->n_blocks++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void cli_rpt_line(cli_rpt *r, int outro, const char *fmt, ...)
{
    va_list ap;
    char ***lines = outro ? &r->outro : &r->intro;
    size_t *n = outro ? &r->n_outro : &r->n_intro;
    *lines = (char **)cli_xrealloc(*lines, (*n + 1) * sizeof **lines);
    va_start(ap, fmt);
    (*lines)[(*n)++] = vformat(fmt, ap);
    va_end(ap);
}

cli_rsection *cli_rpt_section(cli_rpt *r, const char *id, const char *title)
{
    return cli_rpt_section_flags(r, id, title, 0);
}

cli_rsection *cli_rpt_section_flags(cli_rpt *r, const char *id, const char *title, unsigned flags)
{
    cli_rsection *s;
    if (r->n_sections == r->cap_sections) {
        r->cap_sections = r->cap_sections ? 2 * r->cap_sections : 8;
        r->sections = (cli_rsection **)cli_xrealloc(r->sections, r->cap_sections * sizeof *r->sections);
    }
    s = (cli_rsection *)cli_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->id = cli_xstrdup(id);
    s->title = cli_xstrdup(title);
    s->flags = flags;
    r->sections[r->n_sections++] = s;
    return s;
}

void cli_rsection_text(cli_rsection *s, const char *fmt, ...)
{
    va_list ap;
    cli_rblock *b = add_block(s, CLI_RB_TEXT);
    va_start(ap, fmt);
    b->text = vformat(fmt, ap);
    va_end(ap);
}

void cli_rsection_figure(cli_rsection *s, int level, unsigned flags, const char *label, cli_rvalue value,
                         const char *note, ...)
{
    cli_rblock *b = add_block(s, CLI_RB_FIGURE);
    b->figure.label = cli_xstrdup(label);
    b->figure.value = own_value(value);
    b->figure.level = level;
    b->figure.flags = flags;
    if (note) {
        va_list ap;
        va_start(ap, note);
        b->figure.note = vformat(note, ap);
        va_end(ap);
    }
}

cli_rtable *cli_rsection_table(cli_rsection *s, const char *name, const cli_rcolumn *cols, size_t n_cols)
{
    cli_rblock *b = add_block(s, CLI_RB_TABLE);
    cli_rtable *t = (cli_rtable *)cli_xmalloc(sizeof *t);
    size_t k;
    memset(t, 0, sizeof *t);
    t->name = cli_xstrdup(name);
    t->n_cols = n_cols;
    t->cols = (cli_rcolumn *)cli_xmalloc((n_cols ? n_cols : 1) * sizeof *t->cols);
    for (k = 0; k < n_cols; k++) {
        t->cols[k] = cols[k];
        t->cols[k].name = cli_xstrdup(cols[k].name);
    }
    b->table = t;
    return t;
}

void cli_rtable_row(cli_rtable *t, const cli_rvalue *values)
{
    size_t k;
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 8;
        t->cells = (cli_rvalue *)cli_xrealloc(t->cells, t->cap_rows * (t->n_cols ? t->n_cols : 1) * sizeof *t->cells);
    }
    for (k = 0; k < t->n_cols; k++)
        t->cells[t->n_rows * t->n_cols + k] = own_value(values[k]);
    t->n_rows++;
}

cli_rseries *cli_rsection_series(cli_rsection *s, const char *name, size_t n, const char *const *labels,
                                 const cli_rvalue *values, const cli_rvalue *shares)
{
    cli_rblock *b = add_block(s, CLI_RB_SERIES);
    cli_rseries *x = (cli_rseries *)cli_xmalloc(sizeof *x);
    size_t k, cap = n ? n : 1;
    memset(x, 0, sizeof *x);
    x->name = cli_xstrdup(name);
    x->n = n;
    x->labels = (char **)cli_xmalloc(cap * sizeof *x->labels);
    x->values = (cli_rvalue *)cli_xmalloc(cap * sizeof *x->values);
    x->shares = shares ? (cli_rvalue *)cli_xmalloc(cap * sizeof *x->shares) : NULL;
    for (k = 0; k < n; k++) {
        x->labels[k] = cli_xstrdup(labels[k]);
        x->values[k] = own_value(values[k]);
        if (shares)
            x->shares[k] = own_value(shares[k]);
    }
    b->series = x;
    return x;
}

static char *dup_or_null(const char *s)
{
    return s ? cli_xstrdup(s) : NULL;
}

static double *dup_doubles(const double *v, size_t n)
{
    double *p = (double *)cli_xmalloc((n ? n : 1) * sizeof *p);
    if (n)
        memcpy(p, v, n * sizeof *p);
    return p;
}

cli_rchart *cli_rsection_chart(cli_rsection *s, cli_rchart_kind kind, const char *title, const char *x_label,
                               const char *y_label, const char *explain, ...)
{
    cli_rblock *b = add_block(s, CLI_RB_CHART);
    cli_rchart *c = (cli_rchart *)cli_xmalloc(sizeof *c);
    va_list ap;
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->title = cli_xstrdup(title);
    c->x_label = cli_xstrdup(x_label ? x_label : "");
    c->y_label = cli_xstrdup(y_label ? y_label : "");
    c->x_kind = c->y_kind = CLI_RV_NUMBER;
    va_start(ap, explain);
    c->explain = vformat(explain, ap);
    va_end(ap);
    b->chart = c;
    return c;
}

void cli_rchart_axes(cli_rchart *c, cli_rv_kind x_kind, int x_dec, cli_rv_kind y_kind, int y_dec)
{
    c->x_kind = x_kind;
    c->x_dec = x_dec;
    c->y_kind = y_kind;
    c->y_dec = y_dec;
}

void cli_rchart_line(cli_rchart *c, const char *name, size_t n, const double *x, const double *y, int dashed)
{
    cli_rline *l;
    c->lines = (cli_rline *)cli_xrealloc(c->lines, (c->n_lines + 1) * sizeof *c->lines);
    l = &c->lines[c->n_lines++];
    l->name = cli_xstrdup(name);
    l->n = n;
    l->x = dup_doubles(x, n);
    l->y = dup_doubles(y, n);
    l->dashed = dashed;
}

void cli_rchart_mark(cli_rchart *c, double x, double y, const char *label)
{
    c->marks = (cli_rmark *)cli_xrealloc(c->marks, (c->n_marks + 1) * sizeof *c->marks);
    c->marks[c->n_marks].x = x;
    c->marks[c->n_marks].y = y;
    c->marks[c->n_marks].label = cli_xstrdup(label);
    c->n_marks++;
}

void cli_rchart_grid(cli_rchart *c, size_t n_rows, size_t n_cols, const char *const *row_labels,
                     const char *const *col_labels, const double *values, const char *const *cell_text)
{
    size_t k, n = n_rows * n_cols;
    c->n_rows = n_rows;
    c->n_cols = n_cols;
    c->row_labels = (char **)cli_xmalloc((n_rows ? n_rows : 1) * sizeof(char *));
    c->col_labels = (char **)cli_xmalloc((n_cols ? n_cols : 1) * sizeof(char *));
    for (k = 0; k < n_rows; k++)
        c->row_labels[k] = cli_xstrdup(row_labels[k]);
    for (k = 0; k < n_cols; k++)
        c->col_labels[k] = cli_xstrdup(col_labels[k]);
    c->values = dup_doubles(values, n);
    if (cell_text) {
        c->cell_text = (char **)cli_xmalloc((n ? n : 1) * sizeof(char *));
        for (k = 0; k < n; k++)
            c->cell_text[k] = dup_or_null(cell_text[k]);
    }
}

size_t cli_rpt_chart_count(const cli_rpt *r)
{
    size_t k, j, n = 0;
    for (k = 0; k < r->n_sections; k++)
        for (j = 0; j < r->sections[k]->n_blocks; j++)
            n += r->sections[k]->blocks[j].kind == CLI_RB_CHART;
    return n;
}

/* ------------------------------------------------------------------ freeing */

static void free_chart(cli_rchart *c)
{
    size_t k;
    for (k = 0; k < c->n_lines; k++) {
        free(c->lines[k].name);
        free(c->lines[k].x);
        free(c->lines[k].y);
    }
    for (k = 0; k < c->n_marks; k++)
        free(c->marks[k].label);
    for (k = 0; k < c->n_rows; k++)
        free(c->row_labels[k]);
    for (k = 0; k < c->n_cols; k++)
        free(c->col_labels[k]);
    if (c->cell_text)
        for (k = 0; k < c->n_rows * c->n_cols; k++)
            free(c->cell_text[k]);
    free(c->cell_text);
    free(c->lines);
    free(c->marks);
    free(c->row_labels);
    free(c->col_labels);
    free(c->values);
    free(c->title);
    free(c->explain);
    free(c->x_label);
    free(c->y_label);
    free(c);
}

static void free_block(cli_rblock *b)
{
    size_t k;
    free(b->text);
    free(b->figure.label);
    free(b->figure.note);
    free_value(&b->figure.value);
    if (b->table) {
        for (k = 0; k < b->table->n_cols; k++)
            free((char *)(uintptr_t)b->table->cols[k].name);
        for (k = 0; k < b->table->n_rows * b->table->n_cols; k++)
            free_value(&b->table->cells[k]);
        free(b->table->name);
        free(b->table->cols);
        free(b->table->cells);
        free(b->table);
    }
    if (b->series) {
        for (k = 0; k < b->series->n; k++) {
            free(b->series->labels[k]);
            free_value(&b->series->values[k]);
            if (b->series->shares)
                free_value(&b->series->shares[k]);
        }
        free(b->series->name);
        free(b->series->labels);
        free(b->series->values);
        free(b->series->shares);
        free(b->series);
    }
    if (b->chart)
        free_chart(b->chart);
}

void cli_rpt_free(cli_rpt *r)
{
    size_t k, j;
    for (k = 0; k < r->n_sections; k++) {
        cli_rsection *s = r->sections[k];
        for (j = 0; j < s->n_blocks; j++)
            free_block(&s->blocks[j]);
        free(s->blocks);
        free(s->id);
        free(s->title);
        free(s);
    }
    for (k = 0; k < r->n_intro; k++)
        free(r->intro[k]);
    for (k = 0; k < r->n_outro; k++)
        free(r->outro[k]);
    free(r->intro);
    free(r->outro);
    free(r->sections);
    free(r->title);
    memset(r, 0, sizeof *r);
}
