/*
 * cva command-line tool: a small SVG writer (the charts of the HTML report).
 * SPDX-License-Identifier: MIT
 *
 * Writes SVG elements straight to a FILE: lines, polylines, rectangles, circles and text
 * (escaped for XML), linear scales with "nice" ticks, axes with tick labels and a title, a
 * legend, and colour-blind-safe colours (the Okabe-Ito palette for categories, a light-to-dark
 * blue ramp for heatmaps). Coordinates are pixels of the SVG's viewBox, y downwards. The
 * writer knows nothing of the report: callers format their own labels.
 */
#ifndef CVA_CLI_SVG_H
#define CVA_CLI_SVG_H

#include <stddef.h>
#include <stdio.h>

/** A drawing in progress. */
typedef struct svg {
    FILE *fp;
    double w, h; /**< size of the viewBox */
} svg;

/** A linear map of the values [lo, hi] to the pixels [p0, p1]. */
typedef struct svg_scale {
    double lo, hi, p0, p1;
} svg_scale;

/** Start an SVG of @p w x @p h pixels; @p label names it for screen readers (escaped). */
void svg_begin(svg *g, FILE *fp, double w, double h, const char *label);
void svg_end(svg *g);

/** Write @p s escaped for XML text and attributes (&, <, >, ", '). */
void svg_escape(FILE *fp, const char *s);

/** The i-th colour of the Okabe-Ito palette (8, cycled; black last). */
const char *svg_color(size_t i);
/** A colour of the sequential ramp for @p t in [0, 1] (light to dark blue) as "#rrggbb" into @p buf (8 bytes). */
const char *svg_ramp(double t, char *buf);
/** A text colour readable on the ramp colour of @p t. */
const char *svg_ramp_text(double t);

void svg_line(svg *g, double x1, double y1, double x2, double y2, const char *color, double width, int dashed);
/** A polyline through @p n points; a NaN coordinate breaks it into pieces. */
void svg_polyline(svg *g, const double *x, const double *y, size_t n, const char *color, double width, int dashed);
/** A filled rectangle; @p tip (escaped, may be NULL) becomes its tooltip. */
void svg_rect(svg *g, double x, double y, double w, double h, const char *fill, const char *tip);
void svg_circle(svg *g, double x, double y, double r, const char *fill);
/** Text at (@p x, @p y): @p anchor 's' start, 'm' middle, 'e' end; @p rotate 1 turns it 90 degrees left. */
void svg_text(svg *g, double x, double y, char anchor, double size, const char *color, int bold, int rotate,
              const char *text);

/** The pixel of value @p v. */
double svg_map(const svg_scale *s, double v);
/**
 * Up to @p max_ticks "nice" ticks (1, 2 or 5 times a power of ten) covering [lo, hi] into
 * @p ticks; returns their number and widens @p lo / @p hi to the outer ticks.
 */
size_t svg_nice_ticks(double *lo, double *hi, size_t max_ticks, double *ticks);

/**
 * A horizontal axis at pixel row @p y over the scale @p s: the base line, a tick and a label
 * per value, and the axis title @p title centred below.
 */
void svg_axis_x(svg *g, const svg_scale *s, double y, const double *ticks, const char *const *labels, size_t n,
                const char *title);
/** A vertical axis at pixel column @p x, with light grid lines to @p grid_x1 (0: none) and the title turned. */
void svg_axis_y(svg *g, const svg_scale *s, double x, double grid_x1, const double *ticks,
                const char *const *labels, size_t n, const char *title);
/**
 * A legend starting at (@p x, @p y): a swatch (a line, dashed where @p dashed[i]; a square when
 * @p dashed is NULL) and a name per entry, left to right. Returns the width used.
 */
double svg_legend(svg *g, double x, double y, const char *const *names, const char *const *colors,
                  const int *dashed, size_t n);

#endif /* CVA_CLI_SVG_H */
