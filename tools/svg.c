/*
 * cva command-line tool: a small SVG writer.
 * SPDX-License-Identifier: MIT
 */
#include "svg.h"

#include <math.h>
#include <string.h>

#define FONT "font-family=\"Helvetica,Arial,sans-serif\""

void svg_escape(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&#39;", fp);
            break;
        default:
            fputc(*s, fp);
        }
    }
}

void svg_begin(svg *g, FILE *fp, double w, double h, const char *label)
{
    g->fp = fp;
    g->w = w;
    g->h = h;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                "role=\"img\" aria-label=\"", w, h, w, h);
    svg_escape(fp, label);
    fputs("\">\n", fp);
}

void svg_end(svg *g)
{
    fputs("</svg>\n", g->fp);
}

const char *svg_color(size_t i)
{
    /* Okabe & Ito (2008), "Color Universal Design": distinct for the common colour-vision deficiencies */
    static const char *const pal[8] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                       "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
    return pal[i % 8];
}

const char *svg_ramp(double t, char *buf)
{
    /* light to dark blue (single hue: ordered for every reader, and in greyscale print) */
    static const double a[3] = {240, 246, 252}, b[3] = {8, 48, 107};
    int k, c[3];
    if (!(t >= 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    for (k = 0; k < 3; k++)
        c[k] = (int)floor(a[k] + (b[k] - a[k]) * t + 0.5);
    snprintf(buf, 8, "#%02x%02x%02x", (unsigned)c[0], (unsigned)c[1], (unsigned)c[2]);
    return buf;
}

const char *svg_ramp_text(double t)
{
    return t > 0.55 ? "#ffffff" : "#1a1a1a";
}

static void dash(FILE *fp, int dashed)
{
    if (dashed)
        fputs(" stroke-dasharray=\"6 4\"", fp);
}

void svg_line(svg *g, double x1, double y1, double x2, double y2, const char *color, double width, int dashed)
{
    fprintf(g->fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"", x1, y1,
            x2, y2, color, width);
    dash(g->fp, dashed);
    fputs("/>\n", g->fp);
}

void svg_polyline(svg *g, const double *x, const double *y, size_t n, const char *color, double width, int dashed)
{
    size_t k = 0;
    while (k < n) {
        size_t j;
        while (k < n && (isnan(x[k]) || isnan(y[k])))
            k++;
        if (k >= n)
            break;
        fputs("<polyline fill=\"none\" points=\"", g->fp);
        for (j = k; j < n && !isnan(x[j]) && !isnan(y[j]); j++)
            fprintf(g->fp, "%s%.1f,%.1f", j > k ? " " : "", x[j], y[j]);
        fprintf(g->fp, "\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"", color, width);
        dash(g->fp, dashed);
        fputs("/>\n", g->fp);
        k = j;
    }
}

void svg_rect(svg *g, double x, double y, double w, double h, const char *fill, const char *tip)
{
    fprintf(g->fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x, y, w > 0 ? w : 0,
            h > 0 ? h : 0, fill);
    if (tip) {
        fputs("><title>", g->fp);
        svg_escape(g->fp, tip);
        fputs("</title></rect>\n", g->fp);
    } else {
        fputs("/>\n", g->fp);
    }
}

void svg_circle(svg *g, double x, double y, double r, const char *fill)
{
    fprintf(g->fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\"/>\n", x, y, r, fill);
}

void svg_text(svg *g, double x, double y, char anchor, double size, const char *color, int bold, int rotate,
              const char *text)
{
    const char *a = anchor == 'm' ? "middle" : anchor == 'e' ? "end" : "start";
    fprintf(g->fp, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"%.0f\" fill=\"%s\" text-anchor=\"%s\"", x, y,
            size, color, a);
    if (bold)
        fputs(" font-weight=\"bold\"", g->fp);
    if (rotate)
        fprintf(g->fp, " transform=\"rotate(-90 %.1f %.1f)\"", x, y);
    fputc('>', g->fp);
    svg_escape(g->fp, text);
    fputs("</text>\n", g->fp);
}

double svg_map(const svg_scale *s, double v)
{
    double span = s->hi - s->lo;
    if (!(fabs(span) > 0))
        return 0.5 * (s->p0 + s->p1);
    return s->p0 + (v - s->lo) / span * (s->p1 - s->p0);
}

size_t svg_nice_ticks(double *lo, double *hi, size_t max_ticks, double *ticks)
{
    static const double mult[3] = {1.0, 2.0, 5.0};
    double span, step = 1.0, first;
    size_t n = 0, k;
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0.0;
        *hi = 1.0;
    }
    if (!(*hi > *lo))
        *hi = *lo + (fabs(*lo) > 0 ? fabs(*lo) : 1.0);
    if (max_ticks < 2)
        max_ticks = 2;
    span = *hi - *lo;
    {
        double base = pow(10.0, floor(log10(span / (double)(max_ticks - 1))));
        for (k = 0; k < 4; k++) {
            step = (k < 3 ? mult[k] : 10.0) * base;
            if (ceil(*hi / step - 1e-9) - floor(*lo / step + 1e-9) + 1.0 <= (double)max_ticks)
                break;
        }
    }
    first = floor(*lo / step + 1e-9) * step;
    *lo = first;
    while (n < max_ticks) {
        double t = first + (double)n * step;
        ticks[n++] = fabs(t) < 1e-12 * step ? 0.0 : t;
        if (t >= *hi - 1e-9 * step)
            break;
    }
    *hi = ticks[n - 1];
    return n;
}

void svg_axis_x(svg *g, const svg_scale *s, double y, const double *ticks, const char *const *labels, size_t n,
                const char *title)
{
    size_t k;
    svg_line(g, s->p0, y, s->p1, y, "#333333", 1.0, 0);
    for (k = 0; k < n; k++) {
        double x = svg_map(s, ticks[k]);
        svg_line(g, x, y, x, y + 5, "#333333", 1.0, 0);
        svg_text(g, x, y + 18, 'm', 11, "#333333", 0, 0, labels[k]);
    }
    if (title && *title)
        svg_text(g, 0.5 * (s->p0 + s->p1), y + 36, 'm', 12, "#1a1a1a", 1, 0, title);
}

void svg_axis_y(svg *g, const svg_scale *s, double x, double grid_x1, const double *ticks,
                const char *const *labels, size_t n, const char *title)
{
    size_t k;
    svg_line(g, x, s->p0, x, s->p1, "#333333", 1.0, 0);
    for (k = 0; k < n; k++) {
        double y = svg_map(s, ticks[k]);
        if (grid_x1 > x)
            svg_line(g, x, y, grid_x1, y, "#dddddd", 1.0, 0);
        svg_line(g, x - 5, y, x, y, "#333333", 1.0, 0);
        svg_text(g, x - 8, y + 4, 'e', 11, "#333333", 0, 0, labels[k]);
    }
    if (title && *title)
        svg_text(g, 14, 0.5 * (s->p0 + s->p1), 'm', 12, "#1a1a1a", 1, 1, title);
}

double svg_legend(svg *g, double x, double y, const char *const *names, const char *const *colors,
                  const int *dashed, size_t n)
{
    double x0 = x;
    size_t k;
    for (k = 0; k < n; k++) {
        if (dashed)
            svg_line(g, x, y - 4, x + 22, y - 4, colors[k], 2.5, dashed[k]);
        else
            svg_rect(g, x + 6, y - 10, 12, 12, colors[k], NULL);
        svg_text(g, x + 28, y, 's', 12, "#1a1a1a", 0, 0, names[k]);
        x += 28 + 7.0 * (double)strlen(names[k]) + 18;
    }
    return x - x0;
}
