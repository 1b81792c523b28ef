/*
 * The SVG writer (tools/svg.h) and the HTML renderer of the report model (report_html.c):
 * tick choice, escaping and colours against values worked out by hand, and the structure of
 * a rendered page (sections, sub-sections, charts, what the text renderer leaves out).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "svg.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "FAIL line %d: ", __LINE__);                                                               \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static char *slurp(FILE *fp)
{
    long n;
    char *text;
    fflush(fp);
    n = ftell(fp);
    rewind(fp);
    text = (char *)malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, fp) != (size_t)n) {
        fprintf(stderr, "FAIL: cannot read back\n");
        exit(1);
    }
    text[n] = '\0';
    fclose(fp);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    const char *p = hay;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static void test_ticks(void)
{
    double t[8], lo = 0.0, hi = 97.0;
    size_t n = svg_nice_ticks(&lo, &hi, 7, t), k;
    /* span 97 over 6 gaps: base 10; step 10 needs 11 ticks, step 20 needs 6 */
    CHECK(n == 6 && fabs(lo) < 1e-12 && fabs(hi - 100.0) < 1e-12, "0..97: %lu ticks, %g..%g", (unsigned long)n, lo, hi);
    for (k = 0; k < n; k++)
        CHECK(fabs(t[k] - 20.0 * (double)k) < 1e-9, "0..97: tick %lu = %g", (unsigned long)k, t[k]);
    lo = 0.3;
    hi = 0.71;
    /* span 0.41 over 4 gaps: base 0.1; step 0.1 needs 3..8 = 6 ticks, step 0.2 needs 1..4 = 4 */
    n = svg_nice_ticks(&lo, &hi, 5, t);
    CHECK(n == 4 && fabs(lo - 0.2) < 1e-12 && fabs(hi - 0.8) < 1e-12, "0.3..0.71: %lu ticks, %g..%g", (unsigned long)n,
          lo, hi);
    lo = 5.0;
    hi = 5.0; /* empty range: widened by |lo| */
    n = svg_nice_ticks(&lo, &hi, 6, t);
    CHECK(n >= 2 && lo <= 5.0 && hi >= 10.0, "5..5 widened: %g..%g", lo, hi);
}

static void test_escape_colours(void)
{
    FILE *fp = tmpfile();
    char *s, buf[8];
    svg_escape(fp, "a<b & \"c\" 'd'>");
    s = slurp(fp);
    CHECK(strcmp(s, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;") == 0, "escape: %s", s);
    free(s);
    /* ramp from (240,246,252) to (8,48,107): half-way (124, 147, 179.5 -> 180) */
    CHECK(strcmp(svg_ramp(0.0, buf), "#f0f6fc") == 0, "ramp 0: %s", buf);
    CHECK(strcmp(svg_ramp(1.0, buf), "#08306b") == 0, "ramp 1: %s", buf);
    CHECK(strcmp(svg_ramp(0.5, buf), "#7c93b4") == 0, "ramp 0.5: %s", buf);
    CHECK(strcmp(svg_ramp(7.0, buf), "#08306b") == 0 && strcmp(svg_ramp((double)NAN, buf), "#f0f6fc") == 0,
          "ramp clamps");
    CHECK(strcmp(svg_color(0), "#0072B2") == 0 && strcmp(svg_color(8), svg_color(0)) == 0, "Okabe-Ito, cycled");
}

static void test_page(void)
{
    cli_rpt r;
    cli_rsection *s;
    cli_rchart *c;
    FILE *fp;
    char *page, *text;
    static const char *const rows[2] = {"r1", "r2"}, *const cols[2] = {"c1", "c<2"};
    const double v[4] = {1.0, 2.0, (double)NAN, 4.0}, x[3] = {0, 1, 2}, y[3] = {0, 50, 100};
    const char *const cell[4] = {"one\nA", NULL, NULL, NULL};

    cli_rpt_init(&r, "T & T");
    cli_rpt_line(&r, 0, "intro");
    s = cli_rpt_section(&r, "a<b", "First");
    cli_rsection_figure(s, 0, 0, "customers", cli_rv_count(12345), "(note)");
    cli_rsection_text(s, "line one");
    cli_rsection_text(s, "line two");
    c = cli_rsection_chart(s, CLI_CH_HEATMAP, "Heat", "x axis", "y axis", "explained %s", "x & y");
    cli_rchart_grid(c, 2, 2, rows, cols, v, cell);
    s = cli_rpt_section_flags(&r, "sub", "Second", CLI_SEC_SUB);
    c = cli_rsection_chart(s, CLI_CH_LINES, "Lines", "x", "y", "two lines");
    cli_rchart_axes(c, CLI_RV_COUNT, 0, CLI_RV_PERCENT, 0);
    cli_rchart_line(c, "measured", 3, x, y, 0);
    cli_rchart_mark(c, 1, 50, "half");
    c = cli_rsection_chart(s, CLI_CH_BARS, "Bars", "group", "value", "bars");
    cli_rchart_grid(c, 2, 2, rows, cols, v, NULL);
    s = cli_rpt_section_flags(&r, "method", "Method", CLI_SEC_PAGE_ONLY);
    cli_rsection_text(s, "page only");
    CHECK(cli_rpt_chart_count(&r) == 3, "three charts");

    fp = tmpfile();
    CHECK(cli_rpt_write_html(fp, &r) == 0, "html written");
    page = slurp(fp);
    CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0, "doctype");
    CHECK(strstr(page, "<title>T &amp; T</title>") != NULL, "escaped title");
    CHECK(strstr(page, "<section id=\"a&lt;b\">") != NULL, "escaped section id");
    CHECK(count(page, "<section ") == 2 && count(page, "</section>") == 2, "two sections (the sub inside the first)");
    CHECK(strstr(page, "<h3 id=\"sub\">Second</h3>") != NULL, "sub-section heading");
    CHECK(strstr(page, "<p>line one\nline two</p>") != NULL, "text lines: one paragraph");
    CHECK(strstr(page, "<td class=\"num\">12,345</td><td class=\"note\">note</td>") != NULL, "figure, note");
    CHECK(count(page, "<figure class=\"chart\"") == 3 && count(page, "<svg ") == 3, "three figures, three SVGs");
    CHECK(strstr(page, "<p class=\"explain\">explained x &amp; y</p>\n<svg ") != NULL, "explanation above the chart");
    /* heatmap: 3 cells with a value (the NaN one is not drawn), the two-line cell as two texts */
    CHECK(strstr(page, ">one</text>") != NULL && strstr(page, ">A</text>") != NULL, "two-line cell text");
    CHECK(strstr(page, ">c&lt;2</text>") != NULL, "escaped column label");
    /* y 0..100 in at most 7 ticks: step 20 (step 10 would need 11) */
    CHECK(strstr(page, ">40 %</text>") != NULL && strstr(page, ">50 %</text>") == NULL && strstr(page, ">half</text>") != NULL,
          "percent ticks and mark");
    CHECK(strstr(page, "<script") == NULL && strstr(page, " src=") == NULL, "self-contained");
    CHECK(strstr(page, "page only") != NULL, "page-only section on the page");
    free(page);

    fp = tmpfile();
    CHECK(cli_rpt_write_text(fp, &r) == 0, "text written");
    text = slurp(fp);
    CHECK(strcmp(text, "T & T\nintro\n\nFirst\n-----\n  customers                      12,345   (note)\n  line one\n"
                       "  line two\n\nSecond\n------\n") == 0,
          "text: charts and page-only sections left out:\n%s", text);
    free(text);
    cli_rpt_free(&r);
}

int main(void)
{
    test_ticks();
    test_escape_colours();
    test_page();
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("svg writer and HTML renderer: all checks passed\n");
    return failures ? 1 : 0;
}
