/*
 * The text renderer of the report model (tools/report.h): a report with every kind of block
 * and value, printed and compared with the text worked out by hand from the layout rules
 * (figure label 25 / value 12 columns, detail 4 + 30 / 7, tables by their column specs,
 * series bars of 40 scaled to the largest value).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int failures = 0;

static void check_str(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        size_t k = 0;
        while (got[k] && got[k] == want[k])
            k++;
        fprintf(stderr, "FAIL %s: differs at byte %lu\n--- got:\n%s--- want:\n%s", what, (unsigned long)k, got, want);
        failures++;
    }
}

static void check_value(cli_rvalue v, const char *want)
{
    char buf[64];
    check_str(want, cli_rv_format(&v, buf, sizeof buf), want);
}

static char *render(const cli_rpt *r)
{
    FILE *fp = tmpfile();
    long n;
    char *text;
    if (!fp || cli_rpt_write_text(fp, r) != 0) {
        fprintf(stderr, "FAIL: cannot render\n");
        exit(1);
    }
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

int main(void)
{
    static const cli_rcolumn cols[] = {{"name", 6, 1, 0, 0}, {"n", 4, 0, 2, 0}, {"", 0, 0, 2, 1}};
    static const char *const labels[] = {"a", "bb"};
    const char *want =
        "Report\n"
        "line one\n"
        "\n"
        "Numbers\n"
        "-------\n"
        "  customers                   1,234,567   (all)\n"
        "  loss                       -$1,234.50\n"
        "    of which                       40.0 %\n"
        "  ends                     1970-01-02 (x)\n"
        "  hello\n"
        "\n"
        "  name       n\n"
        "  ab         7  #####\n"
        "  c         12\n"
        "\n"
        "Chart\n"
        "-----\n"
        "      a  ########################################       10   66.7 %\n"
        "     bb  ####################                            5   33.3 %\n"
        "\n"
        "bye\n";
    cli_rpt r;
    cli_rsection *s;
    cli_rtable *t;
    cli_rvalue row[3], values[2], shares[2];
    char *got;

    /* values */
    check_value(cli_rv_int(-42), "-42");
    check_value(cli_rv_count(1234567.9), "1,234,567");
    check_value(cli_rv_count(999), "999");
    check_value(cli_rv_count(1000), "1,000");
    check_value(cli_rv_number(0.2436, 3), "0.244");
    check_value(cli_rv_money(1944863.355), "$1,944,863.36");
    check_value(cli_rv_money(-0.5), "-$0.50");
    check_value(cli_rv_percent(49.95, 1), "50.0 %");
    check_value(cli_rv_date(10226.0), "1997-12-31");
    check_value(cli_rv_text("Champions"), "Champions");
    check_value(cli_rv_bar(0.5), "");

    /* a report with every block kind */
    cli_rpt_init(&r, "Report");
    cli_rpt_line(&r, 0, "line %s", "one");
    s = cli_rpt_section(&r, "numbers", "Numbers");
    cli_rsection_figure(s, 0, 0, "customers", cli_rv_count(1234567), "(%s)", "all");
    cli_rsection_figure(s, 0, 0, "loss", cli_rv_money(-1234.5), NULL);
    cli_rsection_figure(s, 1, 0, "of which", cli_rv_percent(40.0, 1), NULL);
    cli_rsection_figure(s, 0, CLI_FIG_INLINE, "ends", cli_rv_date(1.0), "(x)");
    cli_rsection_text(s, "hello");
    cli_rsection_text(s, "%s", "");
    t = cli_rsection_table(s, "rows", cols, 3);
    row[0] = cli_rv_text("ab");
    row[1] = cli_rv_int(7);
    row[2] = cli_rv_bar(0.26); /* 5.2 -> 5 hashes */
    cli_rtable_row(t, row);
    row[0] = cli_rv_text("c");
    row[1] = cli_rv_int(12);
    row[2] = cli_rv_bar(0.0); /* no bar, no gap */
    cli_rtable_row(t, row);
    s = cli_rpt_section(&r, "chart", "Chart");
    values[0] = cli_rv_count(10);
    values[1] = cli_rv_count(5);
    shares[0] = cli_rv_percent(66.66, 1);
    shares[1] = cli_rv_percent(33.33, 1);
    cli_rsection_series(s, "points", 2, labels, values, shares);
    cli_rpt_line(&r, 1, "%s", "");
    cli_rpt_line(&r, 1, "bye");

    if (r.n_sections != 2 || strcmp(r.sections[0]->id, "numbers") != 0 || r.sections[0]->n_blocks != 7 ||
        r.sections[0]->blocks[6].kind != CLI_RB_TABLE || r.sections[0]->blocks[6].table->n_rows != 2 ||
        r.sections[1]->blocks[0].kind != CLI_RB_SERIES) {
        fprintf(stderr, "FAIL: report structure\n");
        failures++;
    }
    got = render(&r);
    check_str("text rendering", got, want);
    free(got);
    cli_rpt_free(&r);
    if (r.sections != NULL || r.title != NULL) {
        fprintf(stderr, "FAIL: cli_rpt_free leaves the report empty\n");
        failures++;
    }
    if (failures == 0)
        printf("report model: all checks passed\n");
    return failures ? 1 : 0;
}
