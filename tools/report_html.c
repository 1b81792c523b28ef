/*
 * cva command-line tool: the HTML renderer of the report model (`cva report`, `cva demo`).
 * SPDX-License-Identifier: MIT
 *
 * One self-contained page: the styles are inline in the head, the charts inline SVG drawn by
 * svg.h, no scripts, nothing loaded from elsewhere. Consecutive text lines of a section
 * become one paragraph (an empty line starts the next), consecutive key figures one table
 * of figures. Every chart is a <figure class="chart"> holding its title, its explanation and
 * one <svg>; the sizes of the SVGs are fixed, so a page prints as it shows.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "svg.h"

#define CHART_W 680.0
#define MAX_TICKS 7

static const char *const style =
    "body{font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:980px;"
    "padding:24px;line-height:1.45}\n"
    "h1{font-size:26px;margin:0 0 8px}h2{font-size:20px;border-bottom:2px solid #0072B2;padding-bottom:4px;"
    "margin-top:36px}\n"
    "h3{font-size:17px;margin-top:26px}nav a{margin-right:12px;color:#0072B2}p{margin:8px 0}\n"
    "table{border-collapse:collapse;margin:10px 0;font-size:14px}\n"
    "th,td{padding:3px 10px;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}\n"
    "thead th{border-bottom:2px solid #888;background:#f4f6f8}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.figs th{font-weight:normal;color:#333}table.figs td.num{font-weight:bold}\n"
    "table.figs th.detail{padding-left:28px}td.note{color:#555}\n"
    "span.bar{display:inline-block;height:10px;background:#0072B2}\n"
    "figure.chart{margin:18px 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figure.chart figcaption{font-weight:bold;font-size:15px}\n"
    "p.explain{color:#333;font-size:14px;margin:2px 0 6px}\n"
    "svg{max-width:100%;height:auto;display:block}\n"
    "footer{margin-top:36px;color:#555;font-size:13px;border-top:1px solid #ccc}\n"
    "@media print{body{max-width:none;padding:0}nav{display:none}h2{break-after:avoid}"
    "section{break-inside:auto}}\n";

static void esc(FILE *fp, const char *s)
{
    svg_escape(fp, s);
}

/* ---------------------------------------------------------------- charts */

static void fmt(cli_rv_kind kind, int dec, double v, char *buf, size_t cap)
{
    cli_rvalue x;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.decimals = dec;
    x.v = v;
    if (kind == CLI_RV_INT) {
        x.kind = CLI_RV_COUNT;
    }
    cli_rv_format(&x, buf, cap);
}

/* ticks over [lo, hi] and their labels (buf: MAX_TICKS * 48 bytes) */
static size_t ticks_for(double *lo, double *hi, cli_rv_kind kind, int dec, double *t, char *buf,
                        const char **labels)
{
    size_t n = svg_nice_ticks(lo, hi, MAX_TICKS, t), k;
    for (k = 0; k < n; k++) {
        fmt(kind, dec, t[k], buf + 48 * k, 48);
        labels[k] = buf + 48 * k;
    }
    return n;
}

static void draw_lines(FILE *fp, const cli_rchart *c)
{
    const double W = CHART_W, H = 380, L = 78, R = 24, T = 40, B = 58;
    double xlo = (double)INFINITY, xhi = -(double)INFINITY, ylo = (double)INFINITY, yhi = -(double)INFINITY, xt[MAX_TICKS], yt[MAX_TICKS];
    char xb[MAX_TICKS * 48], yb[MAX_TICKS * 48];
    const char *xl[MAX_TICKS], *yl[MAX_TICKS];
    const char *names[8], *colors[8];
    int dashed[8];
    size_t k, j, nx, ny;
    svg g;
    svg_scale sx, sy;
    for (k = 0; k < c->n_lines; k++)
        for (j = 0; j < c->lines[k].n; j++) {
            double x = c->lines[k].x[j], y = c->lines[k].y[j];
            if (isnan(x) || isnan(y))
                continue;
            xlo = x < xlo ? x : xlo;
            xhi = x > xhi ? x : xhi;
            ylo = y < ylo ? y : ylo;
            yhi = y > yhi ? y : yhi;
        }
    if (ylo > 0)
        ylo = 0; /* bars of meaning start at zero; curves here are shares and counts */
    nx = ticks_for(&xlo, &xhi, c->x_kind, c->x_dec, xt, xb, xl);
    ny = ticks_for(&ylo, &yhi, c->y_kind, c->y_dec, yt, yb, yl);
    sx.lo = xlo;
    sx.hi = xhi;
    sx.p0 = L;
    sx.p1 = W - R;
    sy.lo = ylo;
    sy.hi = yhi;
    sy.p0 = H - B;
    sy.p1 = T;
    svg_begin(&g, fp, W, H, c->title);
    svg_axis_y(&g, &sy, L, W - R, yt, yl, ny, c->y_label);
    svg_axis_x(&g, &sx, H - B, xt, xl, nx, c->x_label);
    for (k = 0; k < c->n_lines; k++) {
        const cli_rline *l = &c->lines[k];
        double *px = (double *)cli_xmalloc((l->n ? l->n : 1) * sizeof(double));
        double *py = (double *)cli_xmalloc((l->n ? l->n : 1) * sizeof(double));
        for (j = 0; j < l->n; j++) {
            px[j] = isnan(l->x[j]) ? l->x[j] : svg_map(&sx, l->x[j]);
            py[j] = isnan(l->y[j]) ? l->y[j] : svg_map(&sy, l->y[j]);
        }
        svg_polyline(&g, px, py, l->n, svg_color(k), 2.5, l->dashed);
        if (l->n == 1 || (l->n > 2 && l->n <= 40)) /* few points: show them */
            for (j = 0; j < l->n; j++)
                if (!isnan(px[j]) && !isnan(py[j]))
                    svg_circle(&g, px[j], py[j], 3.0, svg_color(k));
        free(px);
        free(py);
        if (k < 8) {
            names[k] = l->name;
            colors[k] = svg_color(k);
            dashed[k] = l->dashed;
        }
    }
    for (k = 0; k < c->n_marks; k++) {
        double x = svg_map(&sx, c->marks[k].x), y = svg_map(&sy, c->marks[k].y);
        svg_line(&g, x, y, x, H - B, "#555555", 1.0, 1);
        svg_circle(&g, x, y, 5.5, "#D55E00");
        svg_text(&g, x + 9, y + 16, x > W - 220 ? 'e' : 's', 12, "#1a1a1a", 1, 0, c->marks[k].label);
    }
    svg_legend(&g, L, 20, names, colors, dashed, c->n_lines < 8 ? c->n_lines : 8);
    svg_end(&g);
}

static void draw_bars(FILE *fp, const cli_rchart *c)
{
    const double W = CHART_W, T = c->n_rows > 1 ? 36 : 14, B = 58, R = 90, bar = 16, gap = 10;
    double L = 60, lo = 0, hi = 0, t[MAX_TICKS], H, y;
    char tb[MAX_TICKS * 48], v[64];
    const char *tl[MAX_TICKS];
    const char *colors[8];
    size_t i, j, nt;
    svg g;
    svg_scale sx;
    for (j = 0; j < c->n_cols; j++) {
        double w = 7.2 * (double)strlen(c->col_labels[j]) + 16;
        L = w > L ? w : L;
    }
    for (i = 0; i < c->n_rows * c->n_cols; i++)
        if (!isnan(c->values[i])) {
            lo = c->values[i] < lo ? c->values[i] : lo;
            hi = c->values[i] > hi ? c->values[i] : hi;
        }
    nt = ticks_for(&lo, &hi, c->y_kind, c->y_dec, t, tb, tl);
    H = T + (double)c->n_cols * ((double)c->n_rows * bar + gap) + B;
    sx.lo = lo;
    sx.hi = hi;
    sx.p0 = L;
    sx.p1 = W - R;
    svg_begin(&g, fp, W, H, c->title);
    for (i = 0; i < nt; i++) {
        double x = svg_map(&sx, t[i]);
        svg_line(&g, x, T, x, H - B, "#dddddd", 1.0, 0);
    }
    y = T;
    for (j = 0; j < c->n_cols; j++) {
        svg_text(&g, L - 8, y + 0.5 * (double)c->n_rows * bar + 4, 'e', 12, "#1a1a1a", 0, 0, c->col_labels[j]);
        for (i = 0; i < c->n_rows; i++) {
            double val = c->values[i * c->n_cols + j], x0 = svg_map(&sx, 0.0), x1;
            if (!isnan(val)) {
                x1 = svg_map(&sx, val);
                fmt(c->y_kind, c->y_dec, val, v, sizeof v);
                svg_rect(&g, x1 < x0 ? x1 : x0, y + 1, fabs(x1 - x0) < 1 && fabs(val) > 0 ? 1 : fabs(x1 - x0), bar - 2,
                         svg_color(i), v);
                svg_text(&g, (x1 > x0 ? x1 : x0) + 4, y + bar - 4, 's', 11, "#333333", 0, 0, v);
            }
            y += bar;
        }
        y += gap;
    }
    svg_line(&g, svg_map(&sx, 0.0), T, svg_map(&sx, 0.0), H - B, "#333333", 1.0, 0);
    svg_axis_x(&g, &sx, H - B, t, tl, nt, c->y_label);
    if (c->n_rows > 1) {
        for (i = 0; i < c->n_rows && i < 8; i++)
            colors[i] = svg_color(i);
        svg_legend(&g, L, 20, (const char *const *)c->row_labels, colors, NULL, c->n_rows < 8 ? c->n_rows : 8);
    }
    svg_end(&g);
}

static void draw_heatmap(FILE *fp, const cli_rchart *c)
{
    double L = 60, T = 46, B = 12, cw, ch = c->n_rows > 20 ? 20 : 30, top = 0, W, H;
    char v[64], col[8];
    size_t i, j;
    svg g;
    for (i = 0; i < c->n_rows; i++) {
        double w = 7.0 * (double)strlen(c->row_labels[i]) + 40;
        L = w > L ? w : L;
    }
    for (i = 0; i < c->n_rows * c->n_cols; i++)
        if (!isnan(c->values[i]) && c->values[i] > top)
            top = c->values[i];
    cw = (CHART_W - L - 10) / (double)(c->n_cols ? c->n_cols : 1);
    if (cw > 110)
        cw = 110;
    W = L + cw * (double)c->n_cols + 10;
    H = T + ch * (double)c->n_rows + B;
    svg_begin(&g, fp, W, H, c->title);
    svg_text(&g, L + 0.5 * cw * (double)c->n_cols, 14, 'm', 12, "#1a1a1a", 1, 0, c->x_label);
    for (j = 0; j < c->n_cols; j++)
        svg_text(&g, L + cw * ((double)j + 0.5), T - 8, 'm', cw < 40 ? 9 : 11, "#333333", 0, 0, c->col_labels[j]);
    svg_text(&g, 14, T + 0.5 * ch * (double)c->n_rows, 'm', 12, "#1a1a1a", 1, 1, c->y_label);
    for (i = 0; i < c->n_rows; i++) {
        svg_text(&g, L - 6, T + ch * ((double)i + 0.5) + 4, 'e', ch < 24 ? 10 : 11, "#333333", 0, 0, c->row_labels[i]);
        for (j = 0; j < c->n_cols; j++) {
            double val = c->values[i * c->n_cols + j], s = top > 0 && !isnan(val) ? val / top : 0.0;
            const char *text = c->cell_text ? c->cell_text[i * c->n_cols + j] : NULL;
            double x = L + cw * (double)j, y = T + ch * (double)i;
            if (isnan(val) && !text)
                continue;
            fmt(c->y_kind, c->y_dec, val, v, sizeof v);
            svg_rect(&g, x + 1, y + 1, cw - 2, ch - 2, isnan(val) ? "#f4f4f4" : svg_ramp(s, col), isnan(val) ? text : v);
            if (text && strchr(text, '\n')) {
                /* two lines: a name and a figure */
                char first[64];
                size_t n = (size_t)(strchr(text, '\n') - text);
                if (n >= sizeof first)
                    n = sizeof first - 1;
                memcpy(first, text, n);
                first[n] = '\0';
                svg_text(&g, x + 0.5 * cw, y + 0.42 * ch, 'm', 9, svg_ramp_text(s), 0, 0, first);
                svg_text(&g, x + 0.5 * cw, y + 0.80 * ch, 'm', 10, svg_ramp_text(s), 1, 0, text + n + 1);
            } else if (cw >= 34) {
                svg_text(&g, x + 0.5 * cw, y + 0.5 * ch + 4, 'm', ch < 24 ? 9 : 11, svg_ramp_text(s), 0, 0,
                         text ? text : v);
            }
        }
    }
    svg_end(&g);
}

static void write_chart(FILE *fp, const cli_rchart *c, size_t number)
{
    fprintf(fp, "<figure class=\"chart\" id=\"chart-%lu\">\n<figcaption>", (unsigned long)number);
    esc(fp, c->title);
    fputs("</figcaption>\n<p class=\"explain\">", fp);
    esc(fp, c->explain);
    fputs("</p>\n", fp);
    if (c->kind == CLI_CH_LINES)
        draw_lines(fp, c);
    else if (c->kind == CLI_CH_BARS)
        draw_bars(fp, c);
    else
        draw_heatmap(fp, c);
    fputs("</figure>\n", fp);
}

/* ---------------------------------------------------------------- blocks */

static int numeric(cli_rv_kind k)
{
    return k != CLI_RV_TEXT && k != CLI_RV_EMPTY;
}

static void write_table(FILE *fp, const cli_rtable *t)
{
    size_t i, k;
    fputs("<table class=\"data\">\n<thead><tr>", fp);
    for (k = 0; k < t->n_cols; k++) {
        fputs(t->cols[k].left ? "<th>" : "<th class=\"num\">", fp);
        esc(fp, t->cols[k].bar ? "" : t->cols[k].name);
        fputs("</th>", fp);
    }
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (i = 0; i < t->n_rows; i++) {
        const cli_rvalue *row = &t->cells[i * t->n_cols];
        fputs("<tr>", fp);
        for (k = 0; k < t->n_cols; k++) {
            char v[128];
            if (row[k].kind == CLI_RV_BAR) {
                fprintf(fp, "<td><span class=\"bar\" style=\"width:%.0fpx\"></span></td>",
                        row[k].v > 0 ? 160.0 * (row[k].v < 1 ? row[k].v : 1.0) : 0.0);
                continue;
            }
            fputs(numeric(row[k].kind) && !t->cols[k].left ? "<td class=\"num\">" : "<td>", fp);
            esc(fp, cli_rv_format(&row[k], v, sizeof v));
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table>\n", fp);
}

static void write_series(FILE *fp, const cli_rseries *s)
{
    double top = 0;
    size_t k;
    for (k = 0; k < s->n; k++)
        top = s->values[k].v > top ? s->values[k].v : top;
    fputs("<table class=\"data\">\n<thead><tr><th>", fp);
    esc(fp, s->name);
    fputs("</th><th class=\"num\">value</th>", fp);
    if (s->shares)
        fputs("<th class=\"num\">share</th>", fp);
    fputs("<th></th></tr></thead>\n<tbody>\n", fp);
    for (k = 0; k < s->n; k++) {
        char v[64];
        fputs("<tr><td>", fp);
        esc(fp, s->labels[k]);
        fputs("</td><td class=\"num\">", fp);
        esc(fp, cli_rv_format(&s->values[k], v, sizeof v));
        fputs("</td>", fp);
        if (s->shares) {
            fputs("<td class=\"num\">", fp);
            esc(fp, cli_rv_format(&s->shares[k], v, sizeof v));
            fputs("</td>", fp);
        }
        fprintf(fp, "<td><span class=\"bar\" style=\"width:%.0fpx\"></span></td></tr>\n",
                top > 0 && s->values[k].v > 0 ? 240.0 * s->values[k].v / top : 0.0);
    }
    fputs("</tbody></table>\n", fp);
}

static void write_figure(FILE *fp, const cli_rfigure *f)
{
    char v[128];
    fputs(f->level > 0 ? "<tr><th class=\"detail\">" : "<tr><th>", fp);
    esc(fp, f->label);
    fputs("</th><td class=\"num\">", fp);
    esc(fp, cli_rv_format(&f->value, v, sizeof v));
    fputs("</td><td class=\"note\">", fp);
    if (f->note) {
        /* notes in parentheses read as prose here */
        size_t n = strlen(f->note);
        if (n >= 2 && f->note[0] == '(' && f->note[n - 1] == ')') {
            char *inner = cli_xstrdup(f->note + 1);
            inner[n - 2] = '\0';
            esc(fp, inner);
            free(inner);
        } else {
            esc(fp, f->note);
        }
    }
    fputs("</td></tr>\n", fp);
}

static void write_section(FILE *fp, const cli_rsection *s, size_t *charts)
{
    size_t j;
    int in_p = 0, in_figs = 0;
    if (s->flags & CLI_SEC_SUB) {
        fputs("<h3 id=\"", fp);
        esc(fp, s->id);
        fputs("\">", fp);
        esc(fp, s->title);
        fputs("</h3>\n", fp);
    } else {
        fputs("<section id=\"", fp);
        esc(fp, s->id);
        fputs("\">\n<h2>", fp);
        esc(fp, s->title);
        fputs("</h2>\n", fp);
    }
    for (j = 0; j < s->n_blocks; j++) {
        const cli_rblock *b = &s->blocks[j];
        if (in_p && (b->kind != CLI_RB_TEXT || !b->text[0])) {
            fputs("</p>\n", fp);
            in_p = 0;
        }
        if (in_figs && b->kind != CLI_RB_FIGURE) {
            fputs("</table>\n", fp);
            in_figs = 0;
        }
        switch (b->kind) {
        case CLI_RB_TEXT:
            if (!b->text[0])
                break;
            fputs(in_p ? "\n" : "<p>", fp);
            in_p = 1;
            esc(fp, b->text);
            break;
        case CLI_RB_FIGURE:
            if (!in_figs)
                fputs("<table class=\"figs\">\n", fp);
            in_figs = 1;
            write_figure(fp, &b->figure);
            break;
        case CLI_RB_TABLE:
            write_table(fp, b->table);
            break;
        case CLI_RB_SERIES:
            write_series(fp, b->series);
            break;
        case CLI_RB_CHART:
            write_chart(fp, b->chart, ++*charts);
            break;
        }
    }
    if (in_p)
        fputs("</p>\n", fp);
    if (in_figs)
        fputs("</table>\n", fp);
}

int cli_rpt_write_html(FILE *fp, const cli_rpt *r)
{
    size_t k, charts = 0;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          fp);
    esc(fp, r->title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
    esc(fp, r->title);
    fputs("</h1>\n", fp);
    if (r->n_intro) {
        fputs("<p>", fp);
        for (k = 0; k < r->n_intro; k++) {
            if (k)
                fputc('\n', fp);
            esc(fp, r->intro[k]);
        }
        fputs("</p>\n", fp);
    }
    fputs("<nav>", fp);
    for (k = 0; k < r->n_sections; k++) {
        if (r->sections[k]->flags & CLI_SEC_SUB)
            continue;
        fputs("<a href=\"#", fp);
        esc(fp, r->sections[k]->id);
        fputs("\">", fp);
        esc(fp, r->sections[k]->id);
        fputs("</a>", fp);
    }
    fputs("</nav>\n</header>\n<main>\n", fp);
    for (k = 0; k < r->n_sections; k++) {
        write_section(fp, r->sections[k], &charts);
        if (k + 1 == r->n_sections || !(r->sections[k + 1]->flags & CLI_SEC_SUB))
            fputs("</section>\n", fp);
    }
    fputs("</main>\n<footer>\n", fp);
    for (k = 0; k < r->n_outro; k++) {
        if (!r->outro[k][0])
            continue;
        fputs("<p>", fp);
        esc(fp, r->outro[k]);
        fputs("</p>\n", fp);
    }
    fputs("</footer>\n</body>\n</html>\n", fp);
    return ferror(fp) ? -1 : 0;
}
