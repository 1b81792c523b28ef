/*
 * cva rfm: recency, frequency and monetary scores and segments per customer.
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cli.h"
#include "executor.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "numbers.h"
#include "output.h"
#include "segmap.h"
#include "summary.h"

void cmd_rfm_help(void)
{
    fputs("Usage: cva rfm --input FILE [options]\n"
          "\n"
          "RFM scores and segments per customer (sorted by id) from a transaction file.\n"
          "Each of recency, frequency and monetary value is binned into K scores (1 = worst,\n"
          "K = best: most recent, most frequent, highest spend); the scores pick a segment.\n"
          "\n"
          "Columns (CSV header / JSON keys):\n"
          "  customer_id    the id as written in the input\n"
          "  recency_days   days from the last purchase to the end (--end, default the\n"
          "                 latest date in the data); empty (JSON null) without a purchase\n"
          "  frequency      F per --frequency\n"
          "  monetary       M per --monetary (net money: refunds reduce it)\n"
          "  r, f, m        scores 1..K (0 for unscored customers)\n"
          "  cell           100 r + 10 f + m for K <= 9, else (r (K+1) + f)(K+1) + m; 0 unscored\n"
          "  segment        segment label; 'Others' when no rule matches, 'None' unscored\n"
          "Customers without a purchase in the window (only refunds, or only named as a\n"
          "referrer) are unscored: they do not move any cut point.\n"
          "\n"
          "RFM options:\n"
          "  --bins K         scores per metric, 1..100 (default 5). Other than 5 needs\n"
          "                   --segments FILE or none: the built-in maps are for 5 scores.\n"
          "  --method M       how values become scores (default rank-first):\n"
          "      rank-first   equal-size bins by rank, ties split by customer order\n"
          "                   (pandas qcut(rank(method='first')))\n"
          "      ntile        SQL NTILE(K) over (value, id); recency ordered descending\n"
          "      value-cuts   type-7 quantile cut points, equal values share a bin\n"
          "                   (bins may be uneven or empty)\n"
          "      r-rfm        R package 'rfm' parity: quantile + 1, left-closed bins\n"
          "      fixed        your thresholds: --r-cuts, --f-cuts, --m-cuts\n"
          "  --r-cuts LIST    fixed: K-1 ascending recency thresholds in days, e.g. 30,60,90,180\n"
          "  --f-cuts LIST    fixed: K-1 ascending frequency thresholds, e.g. 1,2,4,8\n"
          "  --m-cuts LIST    fixed: K-1 ascending monetary thresholds, e.g. 50,100,250,1000\n"
          "  --closure right|left  fixed: right (default): bin = 1 + #{c : v > c};\n"
          "                   left: bin = 1 + #{c : v >= c}. Recency scores run the other\n"
          "                   way (score K + 1 - bin: recency_days <= 30 is score 5 above).\n"
          "  --frequency F    txn (default): purchase rows (orders with --order-col);\n"
          "                   occasions: purchase days (or weeks/months/orders with\n"
          "                   --occasion); repeat: occasions - 1\n"
          "  --monetary M     total (default): net money; mean: money per purchase row;\n"
          "                   repeat-mean: mean spend per repeat occasion (0 with one)\n"
          "  --segments S     segment map: rf10-grid (default; R and F decide, 10 labels,\n"
          "                   every cell covered), rfm11-hebbali (R 'rfm' vignette, first\n"
          "                   match wins, some labels unreachable), rfm11-specific-first\n"
          "                   (the same boxes, specific rules first), or a CSV FILE of rules\n"
          "                   (see below), or none: scores and cells only (no segment\n"
          "                   column; any --bins)\n"
          "  --report         print the per-segment table instead of one row per customer:\n"
          "                   segment,count,share,mean_r,mean_f,mean_m,revenue,revenue_share\n"
          "                   (shares of all customers / of the total net money; segments\n"
          "                   in map order, then Others, then None; empty ones not listed)\n"
          "\n",
          stdout);
    fputs("Segment file: a header label,r_lo,r_hi,f_lo,f_hi,m_lo,m_hi (any order) and one\n"
          "rule per row: inclusive score ranges, first matching rule wins, an empty bound\n"
          "means 1 (lo) or K (hi). Several rules may share a label. Labels 'None' and\n"
          "'Others' are reserved. The map is checked over all K^3 score cells and a\n"
          "warning names uncovered cells, rules that never match and labels that can\n"
          "never occur. Example (K = 3):\n"
          "    label,r_lo,r_hi,f_lo,f_hi,m_lo,m_hi\n"
          "    Best,3,3,3,3,,\n"
          "    Lapsed,1,1,,,,\n"
          "    Rest,,,,,,\n"
          "\n"
          "JSON output (--format json) is an object with the settings used (end, bins,\n"
          "method, segment_map, the value cut points of value-cuts / r-rfm / fixed,\n"
          "ties_split, n_customers, n_scored) and the rows under \"customers\" (with\n"
          "--report: \"segments\").\n"
          "\n"
          "Scores break ties by customer order (ascending id), so results are deterministic;\n"
          "rank-first and ntile then put equal values into different bins, which a note on\n"
          "stderr says.\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_CAL | CLI_HELP_NO_TIME_UNIT);
    fputs("(--calibration-end and --time-unit week do not apply to rfm.)\n"
          "\n"
          "Examples:\n"
          "  cva rfm --input sales.csv\n"
          "  cva rfm --input sales.csv --report\n"
          "  cva rfm --input sales.csv --method fixed --r-cuts 30,60,90,180 \\\n"
          "      --f-cuts 1,2,4,8 --m-cuts 50,100,250,1000 --closure left\n"
          "  cva rfm --input sales.csv --bins 3 --segments my_segments.csv --format json\n"
          "  cva rfm --input CDNOW_sample.txt --no-header --delimiter whitespace \\\n"
          "      --customer-col 2 --date-col 3 --amount-col 5 --segments rfm11-hebbali --report\n",
          stdout);
}

static const char *const method_names[] = {"rank-first", "ntile", "value-cuts", "r-rfm", "fixed"};
static const char *const freq_names[] = {"txn", "occasions", "repeat"};
static const char *const mon_names[] = {"total", "mean", "repeat-mean"};
static const char *const metric_names[] = {"recency", "frequency", "monetary"};

typedef struct rfm_args {
    int32_t bins;
    int32_t method, frequency, monetary, closure;
    int closure_given;
    const char *cuts_text[3];
    double cuts[3][CVA_RFM_MAX_BINS - 1];
    const char *segments;
    int report;
    int no_segments; /* --segments none: scores only */
} rfm_args;

static int pick(const char *opt, const char *v, const char *const *names, int n, int32_t *out, cli_err *err)
{
    int j;
    char list[160];
    size_t o = 0;
    for (j = 0; j < n; j++)
        if (strcmp(v, names[j]) == 0) {
            *out = j;
            return 0;
        }
    list[0] = '\0';
    for (j = 0; j < n && o < sizeof list; j++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? (j == n - 1 ? " or " : ", ") : "",
                              names[j]);
    return cli_fail(err, CLI_EXIT_USAGE, "option %s: \"%s\" is not %s", opt, v, list);
}

/* "a,b,c" -> exactly want ascending finite numbers */
static int parse_cuts(const char *opt, const char *text, int32_t want, double *out, cli_err *err)
{
    const char *p = text;
    int32_t n = 0;
    if (want == 0 && *text == '\0')
        return 0;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        double v;
        int st = cli_parse_double(p, len, &v);
        if (st != CLI_NUM_OK)
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: \"%.*s\" is not a number (in \"%s\")", opt, (int)len,
                            p, text);
        if (n == want)
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: more than %d thresholds for --bins %d", opt,
                            (int)want, (int)want + 1);
        if (n > 0 && v < out[n - 1])
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: thresholds must be ascending (\"%s\")", opt, text);
        out[n++] = v;
        if (!e)
            break;
        p = e + 1;
    }
    if (n != want)
        return cli_fail(err, CLI_EXIT_USAGE, "option %s: %d threshold%s given, --bins %d needs %d", opt, (int)n,
                        n == 1 ? "" : "s", (int)want + 1, (int)want);
    return 0;
}

/* Parse the rfm-specific option at argv[*i]: 1 consumed, 0 not ours, <0 error. */
static int rfm_opt(rfm_args *a, int argc, char **argv, int *i, cli_err *err)
{
    static const char *const cut_opts[3] = {"--r-cuts", "--f-cuts", "--m-cuts"};
    const char *v = NULL;
    int m, c;
    if ((m = cli_match_opt(argc, argv, i, "--bins", &v, err)) != 0) {
        uint64_t k;
        if (m < 0 || cli_parse_size_opt("--bins", v, &k, err))
            return -1;
        if (k < 1 || k > CVA_RFM_MAX_BINS)
            return -cli_fail(err, CLI_EXIT_USAGE, "option --bins: %s is outside 1..%d", v, CVA_RFM_MAX_BINS);
        a->bins = (int32_t)k;
        return 1;
    }
    if ((m = cli_match_opt(argc, argv, i, "--method", &v, err)) != 0)
        return m < 0 || pick("--method", v, method_names, 5, &a->method, err) ? -1 : 1;
    if ((m = cli_match_opt(argc, argv, i, "--frequency", &v, err)) != 0)
        return m < 0 || pick("--frequency", v, freq_names, 3, &a->frequency, err) ? -1 : 1;
    if ((m = cli_match_opt(argc, argv, i, "--monetary", &v, err)) != 0)
        return m < 0 || pick("--monetary", v, mon_names, 3, &a->monetary, err) ? -1 : 1;
    if ((m = cli_match_opt(argc, argv, i, "--closure", &v, err)) != 0) {
        static const char *const closures[] = {"right", "left"};
        a->closure_given = 1;
        return m < 0 || pick("--closure", v, closures, 2, &a->closure, err) ? -1 : 1;
    }
    for (c = 0; c < 3; c++)
        if ((m = cli_match_opt(argc, argv, i, cut_opts[c], &v, err)) != 0) {
            if (m < 0)
                return -1;
            a->cuts_text[c] = v;
            return 1;
        }
    if ((m = cli_match_opt(argc, argv, i, "--segments", &v, err)) != 0) {
        if (m < 0)
            return -1;
        if (!*v)
            return -cli_fail(err, CLI_EXIT_USAGE, "option --segments: empty value");
        a->segments = v;
        a->no_segments = strcmp(v, "none") == 0;
        return 1;
    }
    if (cli_match_flag(argv, *i, "--report")) {
        a->report = 1;
        return 1;
    }
    return 0;
}

static int check_args(rfm_args *a, const cli_input_opts *o, cli_err *err)
{
    static const char *const cut_opts[3] = {"--r-cuts", "--f-cuts", "--m-cuts"};
    int c;
    if (o->cal_end)
        return cli_fail(err, CLI_EXIT_USAGE,
                        "rfm: --calibration-end does not apply (RFM scores one window; use --end)");
    if (o->week_unit)
        return cli_fail(err, CLI_EXIT_USAGE, "rfm: recency is in days (--time-unit week does not apply)");
    if (a->no_segments && a->report)
        return cli_fail(err, CLI_EXIT_USAGE, "rfm: --report needs a segment map (not --segments none)");
    if (a->method == CVA_RFM_FIXED) {
        for (c = 0; c < 3; c++) {
            if (!a->cuts_text[c] && a->bins > 1)
                return cli_fail(err, CLI_EXIT_USAGE, "--method fixed needs %s with %d ascending thresholds",
                                cut_opts[c], (int)a->bins - 1);
            if (a->cuts_text[c] && parse_cuts(cut_opts[c], a->cuts_text[c], a->bins - 1, a->cuts[c], err))
                return err->code;
        }
    } else {
        for (c = 0; c < 3; c++)
            if (a->cuts_text[c])
                return cli_fail(err, CLI_EXIT_USAGE, "%s is only used with --method fixed", cut_opts[c]);
        if (a->closure_given)
            return cli_fail(err, CLI_EXIT_USAGE, "--closure is only used with --method fixed");
    }
    return 0;
}

static int load_map(const rfm_args *a, cli_segmap *map, cli_err *err)
{
    const char *name = a->segments ? a->segments : "rf10-grid";
    if (a->no_segments) {
        map->name = "none";
        return 0;
    }
    if (cli_segmap_builtin(name, map)) {
        if (a->bins != 5)
            return cli_fail(err, CLI_EXIT_USAGE,
                            "--bins %d: the built-in segment map %s is for 5 bins; give --segments FILE with "
                            "rules for %d bins (see 'cva help rfm')",
                            (int)a->bins, name, (int)a->bins);
        return 0;
    }
    if (cli_segmap_load(name, a->bins, map, err))
        return err->code;
    cli_segmap_check(map, a->bins);
    return 0;
}

/* ---- output ---- */

typedef struct rfm_result {
    size_t n;
    double end;
    double *rec, *fr, *mo;
    int32_t *r, *f, *m, *cell, *seg;
    cva_rfm_cuts cuts[3];
    cva_status score_status;
    size_t scored;
} rfm_result;

static void result_free(rfm_result *res)
{
    free(res->rec);
    free(res->fr);
    free(res->mo);
    free(res->r);
    free(res->f);
    free(res->m);
    free(res->cell);
    free(res->seg);
    memset(res, 0, sizeof *res);
}

static int lib_error(cli_err *err, const char *what, cva_status st, const cva_diag *d)
{
    return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "%s: library error %s: %s (%s)", what, cva_status_name(st),
                    cva_strerror(st), d->detail ? d->detail : "");
}

static int compute(const rfm_args *a, const cli_summary *s, const cli_segmap *map, double end, rfm_result *res,
                   cli_err *err)
{
    cva_rfm_opts ro;
    cva_diag d;
    cva_status st;
    size_t n = s->n, c = n ? n : 1, i;
    int col;

    memset(res, 0, sizeof *res);
    res->n = n;
    res->end = end;
    res->rec = (double *)cli_xmalloc(c * sizeof(double));
    res->fr = (double *)cli_xmalloc(c * sizeof(double));
    res->mo = (double *)cli_xmalloc(c * sizeof(double));
    res->r = (int32_t *)cli_xmalloc(c * sizeof(int32_t));
    res->f = (int32_t *)cli_xmalloc(c * sizeof(int32_t));
    res->m = (int32_t *)cli_xmalloc(c * sizeof(int32_t));
    res->cell = (int32_t *)cli_xmalloc(c * sizeof(int32_t));
    res->seg = (int32_t *)cli_xmalloc(c * sizeof(int32_t));
    if (cva_rfm_opts_init_defaults(&ro, sizeof ro) != CVA_OK || cva_diag_init(&d, sizeof d) != CVA_OK)
        return cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (cva_rfm_opts)");
    ro.executor = cli_executor(); /* --threads */
    ro.bins = a->bins;
    ro.method = a->method;
    ro.frequency = a->frequency;
    ro.monetary = a->monetary;
    ro.fixed_closure = a->closure;
    if (a->method == CVA_RFM_FIXED) {
        ro.r_cuts = a->cuts[0];
        ro.f_cuts = a->cuts[1];
        ro.m_cuts = a->cuts[2];
    }
    for (col = 0; col < 3; col++) {
        memset(&res->cuts[col], 0, sizeof res->cuts[col]);
        res->cuts[col].struct_size = sizeof res->cuts[col];
    }
    res->score_status = CVA_W_EMPTY;
    if (n == 0)
        return 0;
    st = cva_rfm_raw(end, s->last_t, s->n_txn, s->n_occ, s->total_amount, s->monetary_value, n, &ro, res->rec,
                     res->fr, res->mo, &d);
    if (st < 0)
        return lib_error(err, "rfm raw metrics", st, &d);
    st = cva_rfm_score(res->rec, res->fr, res->mo, n, &ro, res->r, res->f, res->m, res->cuts, NULL, 0, &d);
    if (st < 0)
        return lib_error(err, "rfm scores", st, &d);
    res->score_status = st;
    st = cva_rfm_composite(res->r, res->f, res->m, n, &ro, res->cell, NULL, NULL, &d);
    if (st < 0)
        return lib_error(err, "rfm cell codes", st, &d);
    if (!a->no_segments) {
        st = cva_rfm_segment(res->r, res->f, res->m, n, a->bins, map->rules, map->n_rules, res->seg, &d);
        if (st < 0)
            return lib_error(err, "rfm segments", st, &d);
    }
    for (i = 0; i < n; i++)
        res->scored += res->r[i] > 0;
    return 0;
}

/* JSON members before the records array. */
static char *json_meta(const rfm_args *a, const cli_input_opts *o, const cli_txn *tx, const cli_summary *s,
                       const cli_segmap *map, const rfm_result *res, size_t n_rows)
{
    size_t cap = 16384, off = 0;
    char *buf = (char *)cli_xmalloc(cap);
    char end_s[24], name[600], seg[600], rows_s[200];
    const char *input = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
    int col;
    if (isnan(res->end) || isinf(res->end))
        snprintf(end_s, sizeof end_s, "null");
    else {
        end_s[0] = '"';
        cli_format_date(res->end, end_s + 1);
        strcat(end_s, "\"");
    }
    cli_json_string(name, sizeof name, input, strlen(input));
    cli_json_string(seg, sizeof seg, map->name, strlen(map->name));
#define ADD(...)                                                                    \
    do {                                                                            \
        if (off < cap)                                                              \
            off += (size_t)snprintf(buf + off, cap - off, __VA_ARGS__);             \
    } while (0)
    cli_txn_json_rows(tx, o, rows_s, sizeof rows_s);
    ADD("\"command\": \"rfm\",\n  \"cva_version\": \"%s\",\n  \"input\": %s,\n  %s"
        "\"rows_excluded\": %llu,\n  \"end\": %s,\n",
        cva_version_string(), name, rows_s, (unsigned long long)s->excluded, end_s);
    ADD("  \"bins\": %d,\n  \"method\": \"%s\",\n  \"frequency\": \"%s\",\n  \"monetary\": \"%s\",\n",
        (int)a->bins, method_names[a->method], freq_names[a->frequency], mon_names[a->monetary]);
    if (a->method == CVA_RFM_FIXED)
        ADD("  \"closure\": \"%s\",\n", a->closure == CVA_RFM_CLOSE_LEFT ? "left" : "right");
    ADD("  \"segment_map\": %s,\n  \"occasion\": \"%s\",\n  \"id_type\": \"%s\",\n", seg,
        cli_occasion_name(o->occasion),
        tx->ids.text ? "text" : "integer");
    if (a->method == CVA_RFM_VALUE_CUTS || a->method == CVA_RFM_R_RFM || a->method == CVA_RFM_FIXED) {
        /* value cut points (raw units; recency in days) */
        ADD("  \"cuts\": {");
        for (col = 0; col < 3; col++) {
            int32_t j;
            ADD("%s\"%s\": [", col ? ", " : "", metric_names[col]);
            for (j = 0; res->n > 0 && j < a->bins - 1; j++) {
                char nb[40];
                double v = res->cuts[col].value[j];
                if (isnan(v) || isinf(v))
                    ADD("%snull", j ? ", " : "");
                else {
                    cli_format_double(v, nb);
                    ADD("%s%s", j ? ", " : "", nb);
                }
            }
            ADD("]");
        }
        ADD("},\n");
    }
    ADD("  \"ties_split\": %s,\n  \"n_customers\": %lu,\n  \"n_scored\": %lu,\n  ",
        res->score_status == CVA_W_TIES ? "true" : "false", (unsigned long)res->n, (unsigned long)res->scored);
    ADD("\"n_%s\": %lu,\n  ", a->report ? "segments" : "rows", (unsigned long)n_rows);
#undef ADD
    return buf;
}

static void write_customers(cli_table *t, const rfm_args *a, const cli_txn *tx, const cli_summary *s,
                            const cli_segmap *map, const rfm_result *res)
{
    size_t k;
    for (k = 0; k < res->n; k++) {
        char ibuf[24];
        size_t ilen;
        const char *lab;
        const char *id = cli_ids_text(&tx->ids, s->id[k], ibuf, &ilen);
        if (tx->ids.text)
            cli_table_text(t, id, ilen);
        else
            cli_table_int(t, s->id[k]);
        cli_table_num(t, cli_txn_time(tx, res->rec[k], 1.0));
        cli_table_num(t, res->fr[k]);
        cli_table_num(t, a->monetary == CVA_RFM_M_TOTAL  ? cli_txn_money(tx, res->mo[k])
                         : a->monetary == CVA_RFM_M_MEAN ? cli_txn_money_mean(tx, res->mo[k], (double)s->n_txn[k])
                                                         : cli_txn_money_mean(tx, res->mo[k], s->frequency[k]));
        cli_table_int(t, res->r[k]);
        cli_table_int(t, res->f[k]);
        cli_table_int(t, res->m[k]);
        cli_table_int(t, res->cell[k]);
        if (!a->no_segments) {
            lab = cli_segmap_label(map, res->seg[k]);
            cli_table_text(t, lab, strlen(lab));
        }
        cli_table_end_row(t);
    }
}

/* Per-segment rows: map labels (code order), then Others, then None. */
static int report_rows(const rfm_result *res, const cli_summary *s, cva_rfm_segment_stat *st, size_t cap,
                       size_t *ns, cli_err *err)
{
    cva_rfm_segment_stat tmp[256];
    size_t n = 0, j;
    cva_status rc = cva_rfm_report(res->seg, res->r, res->f, res->m, s->total_amount, res->n, tmp, 256, &n, NULL);
    if (rc < 0)
        return cli_fail(err, CLI_EXIT_LIB, "rfm report: library error %s: %s", cva_status_name(rc),
                        cva_strerror(rc));
    *ns = 0;
    {
        double total = 0.0;
        for (j = 0; j < n; j++)
            total += tmp[j].revenue;
        if (!isfinite(total))
            return cli_fail(err, CLI_EXIT_DATA, "rfm report: the revenue of a segment or of all customers "
                            "overflows (beyond +-1.8e308): check the amounts");
    }
    for (j = 0; j < n && *ns < cap; j++)
        if (tmp[j].label > CVA_RFM_SEG_OTHERS)
            st[(*ns)++] = tmp[j];
    for (j = 0; j < n && *ns < cap; j++)
        if (tmp[j].label == CVA_RFM_SEG_OTHERS)
            st[(*ns)++] = tmp[j];
    for (j = 0; j < n && *ns < cap; j++)
        if (tmp[j].label == CVA_RFM_SEG_NONE)
            st[(*ns)++] = tmp[j];
    return 0;
}

static const char *const cust_cols[] = {"customer_id", "recency_days", "frequency", "monetary", "r",
                                        "f",           "m",            "cell",      "segment"};
static const char *const report_cols[] = {"segment", "count",  "share",   "mean_r",
                                          "mean_f",  "mean_m", "revenue", "revenue_share"};

/* The command line into @p o and @p a: 0, 1 after --help, -1 on an error (in @p err). */
static int rfm_parse(cli_input_opts *o, rfm_args *a, int argc, char **argv, cli_err *err)
{
    int i;

    memset(a, 0, sizeof *a);
    a->bins = 5;
    a->method = CVA_RFM_RANK_FIRST;
    a->frequency = CVA_RFM_F_TXN;
    a->monetary = CVA_RFM_M_TOTAL;
    a->closure = CVA_RFM_CLOSE_RIGHT;
    cli_input_opts_init(o);
    for (i = 1; i < argc; i++) {
        int r;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_rfm_help();
            return 1;
        }
        r = cli_input_opt(o, argc, argv, &i, err);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        r = rfm_opt(a, argc, argv, &i, err);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(err, CLI_EXIT_USAGE, "rfm: unknown option '%s' (see 'cva help rfm')", argv[i]);
            return -1;
        }
        if (o->input) {
            cli_fail(err, CLI_EXIT_USAGE, "rfm: unexpected argument '%s' (input is already %s)", argv[i], o->input);
            return -1;
        }
        o->input = argv[i];
    }
    return 0;
}

/* The customers table, or with --report the segment table, into @p out. */
static void rfm_write(const rfm_args *a, const cli_input_opts *o, const cli_txn *tx, const cli_summary *s,
                      const cli_segmap *map, const rfm_result *res, const cva_rfm_segment_stat *stats,
                      size_t n_stats, cli_out *out)
{
    cli_table t;
    char *meta = NULL;
    int json = o->format == CLI_FMT_JSON;
    size_t k;

    if (json)
        meta = json_meta(a, o, tx, s, map, res, a->report ? n_stats : res->n);
    if (a->report) {
        cli_table_begin(&t, out, json, report_cols, 8, meta, "segments");
        for (k = 0; k < n_stats; k++) {
            const char *lab = cli_segmap_label(map, stats[k].label);
            cli_table_text(&t, lab, strlen(lab));
            cli_table_int(&t, (int64_t)stats[k].count);
            cli_table_num(&t, stats[k].share);
            cli_table_num(&t, stats[k].mean_r);
            cli_table_num(&t, stats[k].mean_f);
            cli_table_num(&t, stats[k].mean_m);
            cli_table_num(&t, cli_txn_money(tx, stats[k].revenue));
            cli_table_num(&t, stats[k].revenue_share);
            cli_table_end_row(&t);
        }
    } else {
        cli_table_begin(&t, out, json, cust_cols, a->no_segments ? 8 : 9, meta, "customers");
        write_customers(&t, a, tx, s, map, res);
    }
    cli_table_end(&t);
    free(meta);
}

/* Notes on stderr: rows after the end, empty inputs, unscored customers, split ties. */
static void rfm_notes(const cli_txn *tx, const cli_summary *s, const rfm_result *res, double end_used)
{
    char d1[24];
    if (s->excluded > 0 && tx->n > 0) {
        cli_format_date(end_used, d1);
        cli_note("%llu row%s after the end date %s left out", (unsigned long long)s->excluded,
                 s->excluded == 1 ? "" : "s", d1);
    }
    if (tx->n == 0 && tx->rows_read > 0)
        cli_note("every one of the %llu rows was skipped (--skip-invalid): output has no customers",
                 (unsigned long long)tx->rows_read);
    else if (tx->n == 0)
        cli_note("no transactions in the input (header only): output has no customers");
    else if (res->n > 0 && res->scored == 0)
        cli_note("no customer has a purchase up to the end date: nobody is scored");
    else if (res->n == 0)
        cli_note("no transactions up to the end date: output has no customers");
    if (res->scored < res->n && res->scored > 0)
        cli_note("%lu customer%s without a purchase %s unscored (segment None)",
                 (unsigned long)(res->n - res->scored), res->n - res->scored == 1 ? "" : "s",
                 res->n - res->scored == 1 ? "is" : "are");
    if (res->score_status == CVA_W_TIES) {
        char which[64];
        size_t off = 0;
        int col;
        which[0] = '\0';
        for (col = 0; col < 3; col++)
            if (res->cuts[col].ties_split)
                off += (size_t)snprintf(which + off, sizeof which - off, "%s%s", off ? ", " : "",
                                        metric_names[col]);
        cli_note("tied values split across bins by customer order (%s)", which);
    }
}

int cmd_rfm(int argc, char **argv)
{
    cli_input_opts o;
    rfm_args a;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_summary s;
    cli_segmap map;
    rfm_result res;
    cva_rfm_segment_stat stats[256];
    size_t n_stats = 0;
    double end_used;
    int rc;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&s, 0, sizeof s);
    memset(&map, 0, sizeof map);
    memset(&res, 0, sizeof res);
    rc = rfm_parse(&o, &a, argc, argv, &err);
    if (rc != 0)
        return rc > 0 ? 0 : cli_report(&err);
    if (cli_input_check(&o, 1, &err) || check_args(&a, &o, &err))
        return cli_report(&err);
    if (load_map(&a, &map, &err)) {
        cli_segmap_free(&map);
        return cli_report(&err);
    }

    /* open the output first: fail before reading a large input */
    if (cli_out_open(&out, o.output, &err)) {
        cli_segmap_free(&map);
        return cli_report(&err);
    }
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;

    if ((rc = cli_summary_txn(&tx, o.end_days, (double)NAN, 1.0, &s, &err)) != 0)
        goto fail;

    /* the end the library used: --end, else the latest date (NaN without rows) */
    end_used = s.stats_end;
    if ((rc = compute(&a, &s, &map, end_used, &res, &err)) != 0)
        goto fail;
    if (a.report && (rc = report_rows(&res, &s, stats, 256, &n_stats, &err)) != 0)
        goto fail;

    rfm_write(&a, &o, &tx, &s, &map, &res, stats, n_stats, &out);
    if ((rc = cli_out_commit(&out, &err)) != 0)
        goto fail_closed;

    rfm_notes(&tx, &s, &res, end_used);
    result_free(&res);
    cli_segmap_free(&map);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return 0;

fail:
    cli_out_abort(&out);
fail_closed:
    result_free(&res);
    cli_segmap_free(&map);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return cli_report(&err);
}
