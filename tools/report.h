/*
 * cva command-line tool: the report model — the figures of an analysis as data, apart from
 * how they are printed.
 * SPDX-License-Identifier: MIT
 *
 * A command's compute phase fills a ::cli_rpt (a report); a renderer prints it. Today there is
 * one renderer, the terminal text of `cva demo` (report_text.c: cli_rpt_write_text()); the
 * HTML report is meant to be a second renderer of the same model, and new analyses (value
 * tiers, retention, the ladder) add sections to it.
 *
 * Shape:
 *  - a report has a title, intro lines, an ordered list of sections and closing lines;
 *  - a section has an id (stable, usable as an HTML anchor: "overview", "rfm", "models", ...),
 *    a title and an ordered list of blocks;
 *  - a block is one of: a key figure (label, value, optional note), a table (columns, and rows
 *    of values), a series (labelled points for a chart: a bar per point), a line of text, or
 *    a chart (lines, grouped bars or a heatmap, already aggregated: a chart holds at most a
 *    few thousand numbers, whatever the number of customers).
 *
 * Values carry their own format (::cli_rv_kind and decimals), so a renderer needs no
 * knowledge of the analysis: a count prints with thousands separators, money as "$1,234.56",
 * a percent as "50.1 %", a date as "1997-09-30". Numbers are stored as computed (a percent in
 * percent points, as the text shows it), so that every renderer shows the same digits.
 *
 * Layout hints (column widths, alignment, gaps, figure levels) are for fixed-width text; other
 * renderers may ignore them. Charts are for graphic renderers: the text renderer skips them
 * (the text of a section says what its charts show). The model owns all its strings and arrays: cli_rpt_free()
 * releases everything. Adding a kind of value, block or hint means adding it here, to every
 * renderer and to this comment.
 *
 * Building one (see cmd_demo.c):
 *     cli_rpt r;
 *     cli_rsection *s;
 *     cli_rpt_init(&r, "title");
 *     s = cli_rpt_section(&r, "overview", "Customer base");
 *     cli_rsection_figure(s, 0, 0, "customers", cli_rv_count(20000), "(%d cohorts)", 3);
 *     cli_rpt_write_text(stdout, &r);
 *     cli_rpt_free(&r);
 */
#ifndef CVA_CLI_REPORT_H
#define CVA_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** What a value is, and so how it is printed. */
typedef enum cli_rv_kind {
    CLI_RV_EMPTY = 0, /**< no value: prints as nothing */
    CLI_RV_INT,       /**< @c i: an integer without separators (ranks, customer ids) */
    CLI_RV_COUNT,     /**< @c v: a count, truncated to an integer, with thousands separators ("20,000") */
    CLI_RV_NUMBER,    /**< @c v with @c decimals decimals ("0.243") */
    CLI_RV_MONEY,     /**< @c v: an amount of money, rounded to cents ("$1,234.56", "-$3.10") */
    CLI_RV_PERCENT,   /**< @c v in percent points with @c decimals decimals ("50.1 %") */
    CLI_RV_DATE,      /**< @c v: days since 1970-01-01 ("1997-09-30") */
    CLI_RV_TEXT,      /**< @c s: text */
    CLI_RV_BAR        /**< @c v: a share in [0, 1] drawn as a bar (text: one '#' per 5 %; none when <= 0) */
} cli_rv_kind;

/** One value with its format. Build them with the cli_rv_*() constructors. */
typedef struct cli_rvalue {
    cli_rv_kind kind;
    int decimals;  /**< CLI_RV_NUMBER, CLI_RV_PERCENT */
    double v;      /**< every kind but CLI_RV_INT and CLI_RV_TEXT */
    int64_t i;     /**< CLI_RV_INT */
    const char *s; /**< CLI_RV_TEXT: borrowed in a constructor's result, owned once added to a report */
} cli_rvalue;

cli_rvalue cli_rv_int(int64_t i);
cli_rvalue cli_rv_count(double v);
cli_rvalue cli_rv_number(double v, int decimals);
cli_rvalue cli_rv_money(double v);
cli_rvalue cli_rv_percent(double v, int decimals);
cli_rvalue cli_rv_date(double days);
cli_rvalue cli_rv_text(const char *s);
cli_rvalue cli_rv_bar(double share);

/** The text of @p v into @p buf (capacity @p cap, at least 48); a bar gives "". Returns @p buf. */
const char *cli_rv_format(const cli_rvalue *v, char *buf, size_t cap);

/** A count with thousands separators into @p buf (at least 32 bytes). Returns @p buf. */
const char *cli_fmt_count(char *buf, uint64_t v);
/** Money as "$1,234.56" into @p buf (at least 48 bytes). Returns @p buf. */
const char *cli_fmt_money(char *buf, double v);

/** Flags of a key figure. */
enum {
    CLI_FIG_INLINE = 1 /**< text: the value follows the label unpadded, the note after one space */
};

/** A key figure: "customers 20,000 (with a purchase in the calibration period)". */
typedef struct cli_rfigure {
    char *label;
    cli_rvalue value;
    char *note;     /**< explanation printed after the value, NULL if none */
    int level;      /**< 0: a headline figure; 1: a detail of the figure above it */
    unsigned flags; /**< CLI_FIG_* */
} cli_rfigure;

/** A column of a table. */
typedef struct cli_rcolumn {
    const char *name; /**< owned (a copy) once in a table */
    int width; /**< text: width of the column (0: as wide as its text) */
    int left;  /**< text: left-aligned (else right-aligned) */
    int gap;   /**< text: spaces before the column (ignored for the first one) */
    int bar;   /**< the column holds CLI_RV_BAR values (text: no heading; gap only before a bar) */
} cli_rcolumn;

/** A table: columns, and rows of values (row-major, n_rows * n_cols). */
typedef struct cli_rtable {
    char *name; /**< what one row is ("segments", "customers"), for renderers that label tables */
    size_t n_cols, n_rows, cap_rows;
    cli_rcolumn *cols;
    cli_rvalue *cells;
} cli_rtable;

/** A series for a bar chart: one labelled value per point, and the share of each in percent. */
typedef struct cli_rseries {
    char *name;
    size_t n;
    char **labels;
    cli_rvalue *values;
    cli_rvalue *shares; /**< percent of the whole per point (CLI_RV_PERCENT), NULL if none */
} cli_rseries;

/** What a chart draws. */
typedef enum cli_rchart_kind {
    CLI_CH_LINES = 0, /**< lines through (x, y) points, with marked points */
    CLI_CH_BARS,      /**< horizontal bars: a group per column label, a bar per row (legend: row labels) */
    CLI_CH_HEATMAP    /**< a grid of cells shaded by value, with optional text per cell */
} cli_rchart_kind;

/** One line of a chart. */
typedef struct cli_rline {
    char *name;  /**< legend text */
    size_t n;
    double *x, *y; /**< points; a NaN y breaks the line */
    int dashed;
} cli_rline;

/** A marked point of a line chart ("top 20 %: 61.3 %"). */
typedef struct cli_rmark {
    double x, y;
    char *label;
} cli_rmark;

/**
 * A chart: the numbers to draw, already aggregated, with its axes' names and formats. Values
 * on an axis of kind CLI_RV_PERCENT are in percent points; CLI_RV_DATE, day numbers.
 */
typedef struct cli_rchart {
    cli_rchart_kind kind;
    char *title;
    char *explain; /**< plain-language explanation shown above the chart (two short sentences) */
    char *x_label, *y_label; /**< axis names with units; bars: y is the value axis, x names the groups */
    cli_rv_kind x_kind, y_kind; /**< formats of the tick labels (heatmap: y_kind formats the cell values) */
    int x_dec, y_dec;
    size_t n_lines;
    cli_rline *lines; /**< CLI_CH_LINES */
    size_t n_marks;
    cli_rmark *marks; /**< CLI_CH_LINES */
    size_t n_rows, n_cols;   /**< CLI_CH_BARS, CLI_CH_HEATMAP */
    char **row_labels, **col_labels;
    double *values;   /**< n_rows * n_cols, row-major; NaN: no value */
    char **cell_text; /**< heatmap: n_rows * n_cols texts (NULL entries: the value), or NULL */
} cli_rchart;

typedef enum cli_rblock_kind { CLI_RB_TEXT = 0, CLI_RB_FIGURE, CLI_RB_TABLE, CLI_RB_SERIES, CLI_RB_CHART } cli_rblock_kind;

/** One block of a section: exactly the member named by @c kind is set. */
typedef struct cli_rblock {
    cli_rblock_kind kind;
    char *text; /**< CLI_RB_TEXT: one line ("" for an empty line; text indents the others by two spaces) */
    cli_rfigure figure;
    cli_rtable *table;
    cli_rseries *series;
    cli_rchart *chart;
} cli_rblock;

/** Flags of a section. */
enum {
    CLI_SEC_SUB = 1,      /**< continues the section before it (HTML: a sub-heading inside it; text: as any) */
    CLI_SEC_PAGE_ONLY = 2 /**< for graphic renderers only (the text renderer skips it) */
};

typedef struct cli_rsection {
    char *id;    /**< stable identifier ("overview", "rfm", "models", "at-risk", ...) */
    char *title;
    unsigned flags; /**< CLI_SEC_* */
    size_t n_blocks, cap_blocks;
    cli_rblock *blocks;
} cli_rsection;

/** A report: what a command shows, as data. */
typedef struct cli_rpt {
    char *title;
    size_t n_intro, n_outro;
    char **intro; /**< lines under the title */
    char **outro; /**< closing lines, after the sections */
    size_t n_sections, cap_sections;
    cli_rsection **sections;
} cli_rpt;

/** An empty report titled @p title. */
void cli_rpt_init(cli_rpt *r, const char *title);
void cli_rpt_free(cli_rpt *r);

/** Append a printf-formatted line to the intro (@p outro 0) or the closing lines (1). */
void cli_rpt_line(cli_rpt *r, int outro, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Append a section; the returned pointer stays valid until cli_rpt_free(). */
cli_rsection *cli_rpt_section(cli_rpt *r, const char *id, const char *title);

/** cli_rpt_section() with CLI_SEC_* @p flags. */
cli_rsection *cli_rpt_section_flags(cli_rpt *r, const char *id, const char *title, unsigned flags);

/** Append a printf-formatted line of text to @p s. */
void cli_rsection_text(cli_rsection *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Append a key figure; @p note (may be NULL) is printf-formatted. */
void cli_rsection_figure(cli_rsection *s, int level, unsigned flags, const char *label, cli_rvalue value,
                         const char *note, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/** Append a table with @p n_cols columns (copied); fill it with cli_rtable_row(). */
cli_rtable *cli_rsection_table(cli_rsection *s, const char *name, const cli_rcolumn *cols, size_t n_cols);
/** Append a row: @p values holds one value per column (text copied). */
void cli_rtable_row(cli_rtable *t, const cli_rvalue *values);

/** Append a series of @p n points: @p labels, @p values and @p shares (NULL: none) copied. */
cli_rseries *cli_rsection_series(cli_rsection *s, const char *name, size_t n, const char *const *labels,
                                 const cli_rvalue *values, const cli_rvalue *shares);

/**
 * Append a chart of @p kind; @p explain (printf-formatted) is its plain-language explanation.
 * Axis formats start as CLI_RV_NUMBER with 0 decimals (set them with cli_rchart_axes()).
 */
cli_rchart *cli_rsection_chart(cli_rsection *s, cli_rchart_kind kind, const char *title, const char *x_label,
                               const char *y_label, const char *explain, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/** The formats of the tick labels of @p c. */
void cli_rchart_axes(cli_rchart *c, cli_rv_kind x_kind, int x_dec, cli_rv_kind y_kind, int y_dec);
/** Append a line of @p n points (copied) to a line chart. */
void cli_rchart_line(cli_rchart *c, const char *name, size_t n, const double *x, const double *y, int dashed);
/** Mark the point (@p x, @p y) of a line chart with @p label. */
void cli_rchart_mark(cli_rchart *c, double x, double y, const char *label);
/**
 * The grid of a bar chart or heatmap: @p n_rows x @p n_cols @p values (row-major), row and
 * column labels, and for a heatmap optional cell texts (@p cell_text NULL, or NULL entries:
 * the formatted value). Everything is copied.
 */
void cli_rchart_grid(cli_rchart *c, size_t n_rows, size_t n_cols, const char *const *row_labels,
                     const char *const *col_labels, const double *values, const char *const *cell_text);

/** Number of chart blocks in @p r. */
size_t cli_rpt_chart_count(const cli_rpt *r);

/**
 * Print @p r as fixed-width text: the title and intro lines, then per section an empty line,
 * the title underlined with '-', and its blocks (figures, tables and text lines indented by
 * two spaces, a series as a bar chart scaled to its largest value), then the closing lines
 * as they are (charts are skipped). Returns 0, or -1 if writing failed.
 */
int cli_rpt_write_text(FILE *fp, const cli_rpt *r);

/**
 * Print @p r as one self-contained HTML page (report_html.c): styles inline, charts as inline
 * SVG (svg.h), no scripts and nothing loaded from elsewhere. Each section is a
 * `<section id="ID">`; each chart a `<figure class="chart">` with its explanation above the
 * SVG. Returns 0, or -1 if writing failed.
 */
int cli_rpt_write_html(FILE *fp, const cli_rpt *r);

#endif /* CVA_CLI_REPORT_H */
