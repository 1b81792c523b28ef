/*
 * cva tiers: value concentration and value tiers per customer (docs/methods/tiers.md#methods_tiers).
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
#include "csv.h"
#include "input.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"
#include "summary.h"

void cmd_tiers_help(void)
{
    fputs("Usage: cva tiers --input FILE [options]\n"
          "\n"
          "Who the most valuable, the most growable and the below-zero customers are, and\n"
          "how concentrated value is ('Value concentration and value tiers' in the Methods\n"
          "pages of the documentation): one row per customer (sorted by id), or with\n"
          "--stats the concentration figures as JSON.\n"
          "\n"
          "Columns (CSV header / JSON keys):\n"
          "  customer_id  the id as written in the input\n"
          "  revenue      net amount (refunds reduce it)\n"
          "  cost         the cost column plus the cost-to-serve (--cost-per-order,\n"
          "               --cost-per-customer); with --margin: revenue - profit\n"
          "  profit       revenue - cost; with --margin RATE: revenue x RATE - cost-to-serve\n"
          "  value        the ranked value (--value)\n"
          "  class        MVC (most valuable: the top --mvc-share by value among positive\n"
          "               values), BZ (below zero: value < --bz-threshold; profit and clv\n"
          "               only), MGC (most growable: the top --mgc-share by potential -\n"
          "               value among the rest; needs --potential), OTHER\n"
          "  grade        KEY, ORDINARY, SMALL: ranks 1..ceil(0.2 n), .. ceil(0.5 n), rest\n"
          "  pyramid      LEAD (value < 0; profit and clv), PLATINUM / GOLD (top 20 % / next\n"
          "               30 % by rank among positive values), IRON (the rest)\n"
          "  potential    with --potential: the potential value used (empty: none)\n"
          "Ranks are by value, descending; equal values go to the lower customer id first.\n"
          "\n"
          "Options:\n"
          "  --value revenue|profit|clv  the ranked value (default profit when there is a\n"
          "               cost column, --margin or a cost-to-serve, else revenue); clv is\n"
          "               the forward CLV of a BG/NBD + Gamma-Gamma fit on the same data\n"
          "               (12 months of 30 days, 1 % discount per month, the settings\n"
          "               printed on stderr); customers without a prediction get 0\n"
          "  --margin RATE        profit = revenue x RATE - cost-to-serve (RATE in [0, 1];\n"
          "               the cost column is then not used)\n"
          "  --cost-per-order X   cost-to-serve per purchase row (default 0)\n"
          "  --cost-per-customer X  cost-to-serve per customer (default 0)\n"
          "  --mvc-share S        default 0.2;  --mgc-share S  default 0.3 (sum <= 1)\n"
          "  --bz-threshold X     default 0\n"
          "  --grade-shares K,O,S key, ordinary, small (default 0.2,0.3,0.5; sum <= 1)\n"
          "  --pyramid-shares P,G platinum, gold (default 0.2,0.3)\n"
          "  --potential caller|wallet|peer|model  the potential value for MGC:\n"
          "               caller: --potential-file with customer_id,potential;\n"
          "               wallet: --potential-file with customer_id,share_of_wallet\n"
          "                 (potential = value / share for a share in (0, 1]);\n"
          "               peer: --potential-file with customer_id,group (potential = the\n"
          "                 larger of the value and the 90 % quantile of the group);\n"
          "               model: the forward CLV (as --value clv) against historical\n"
          "                 profit (value is then profit)\n"
          "  --potential-file FILE  comma-separated with a header; the column named\n"
          "               potential / share_of_wallet / group, else the second column.\n"
          "               Customers missing from it have no potential (peer: an error)\n"
          "  --stats      write the concentration figures as JSON instead of the rows:\n"
          "               n_customers, value_kind, total, gini, gini_positive_part,\n"
          "               top_share (\"0.01\" .. \"0.5\"), whale (peak_index, peak_height,\n"
          "               unprofitable_share, profit_destroyed), diagnostics\n"
          "               (top20_profit_to_cost, bottom20_cost_to_revenue,\n"
          "               top20_revenue_share, top20_profit_share), classes, grades,\n"
          "               pyramid (count, value_share each), warnings; NaN is null\n"
          "  --curve FILE write the Lorenz and whale curves (population_share, lorenz,\n"
          "               whale) at up to 1001 equally spaced population shares\n"
          "Warnings (negative values in a share or the Gini, ties split at a tier\n"
          "boundary) are printed on stderr and listed in the JSON.\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_CAL);
    fputs("\nExample:\n"
          "  cva tiers --input tx.csv --cost-per-order 2.5 --stats\n",
          stdout);
}

/* label names of the tier codes (the lead maps them through cva_label() at merge) */
static const char *tier_name(int32_t code)
{
    switch (code) {
    case CVA_TIER_BZ: return "BZ";
    case CVA_TIER_MVC: return "MVC";
    case CVA_TIER_MGC: return "MGC";
    case CVA_TIER_OTHER: return "OTHER";
    case CVA_TIER_KEY: return "KEY";
    case CVA_TIER_ORDINARY: return "ORDINARY";
    case CVA_TIER_SMALL: return "SMALL";
    case CVA_TIER_PLATINUM: return "PLATINUM";
    case CVA_TIER_GOLD: return "GOLD";
    case CVA_TIER_IRON: return "IRON";
    case CVA_TIER_LEAD: return "LEAD";
    default: return "";
    }
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

/* digits after the decimal point of an option value (CLI_DEC_UNKNOWN if not exact) */
static int decimals_of(const char *v)
{
    double x;
    cli_decimal d;
    if (cli_parse_double_ex(v, strlen(v), &x, &d) != 0)
        return CLI_DEC_UNKNOWN;
    return d.decimals;
}

static const int32_t class_codes[4] = {CVA_TIER_MVC, CVA_TIER_MGC, CVA_TIER_BZ, CVA_TIER_OTHER};
static const int32_t grade_codes[3] = {CVA_TIER_KEY, CVA_TIER_ORDINARY, CVA_TIER_SMALL};
static const int32_t pyramid_codes[4] = {CVA_TIER_PLATINUM, CVA_TIER_GOLD, CVA_TIER_IRON, CVA_TIER_LEAD};
static const double top_points[5] = {0.01, 0.05, 0.1, 0.2, 0.5};
static const char *const top_keys[5] = {"0.01", "0.05", "0.1", "0.2", "0.5"};

static const char *const col_names[] = {"customer_id", "revenue", "cost",    "profit",   "value",
                                        "class",       "grade",   "pyramid", "potential"};

enum { POT_NONE = 0, POT_CALLER, POT_WALLET, POT_PEER, POT_MODEL };

/* warnings seen (status names, each once) */
typedef struct warnset {
    const char *name[8];
    int n;
} warnset;

static void warn_add(warnset *w, cva_status st, const char *what)
{
    int k;
    const char *name;
    if (st <= 0)
        return;
    name = cva_status_name(st);
    for (k = 0; k < w->n; k++)
        if (strcmp(w->name[k], name) == 0)
            return;
    if (w->n < 8)
        w->name[w->n++] = name;
    if (st != CVA_W_EMPTY)
        fprintf(stderr, "cva: warning: %s: %s\n", what, cva_strerror(st));
}

/* a library error: exit 5 with the status and its detail */
static int lib_fail(cli_err *err, const char *what, cva_status st, const cva_diag *dg)
{
    return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "tiers: %s: %s (%s)", what, cva_strerror(st),
                    dg->detail && *dg->detail ? dg->detail : cva_status_name(st));
}

/* "a,b[,c]": exactly n numbers */
static int parse_list(const char *name, const char *v, double *out, int n, cli_err *err)
{
    int k = 0;
    const char *p = v;
    while (k < n) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (cli_parse_double(p, len, &out[k]) != 0)
            break;
        k++;
        if (!e)
            break;
        p = e + 1;
    }
    if (k != n || strchr(p, ',') != NULL)
        return cli_fail(err, CLI_EXIT_USAGE, "option %s: expected %d comma-separated numbers, got '%s'", name, n, v);
    return 0;
}

/* Find customer of the id text (numeric ids: by value; text ids: by text, the codes being in
   byte-wise text order). Returns the index or (size_t)-1. */
static size_t find_customer(const cli_summary *s, const cli_ids *ids, const char *p, size_t len)
{
    size_t lo = 0, hi = s->n;
    if (!ids->text) {
        int64_t v;
        int canon;
        if (cli_parse_int64(p, len, &v, &canon) != 0)
            return (size_t)-1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->id[mid] < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < s->n && s->id[lo] == v ? lo : (size_t)-1;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, tl;
        char buf[24];
        const char *t = cli_ids_text(ids, s->id[mid], buf, &tl);
        size_t m = tl < len ? tl : len;
        int c = memcmp(t, p, m);
        if (c == 0)
            c = tl < len ? -1 : tl > len ? 1 : 0;
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

/* Read --potential-file: per customer a number (caller, wallet; NaN when missing or empty)
   or a group (peer: every customer needs one). */
static int read_potential(const char *path, int src, const cli_summary *s, const cli_ids *ids, double *num,
                          int64_t *group, cli_err *err)
{
    FILE *fp = fopen(path, "rb");
    csv_reader r;
    cli_ids gids;
    int rc, col = 1;
    size_t k, unknown = 0, missing = 0, ng = 0;
    unsigned char *seen;
    int64_t *gval = NULL;
    size_t *gcust = NULL;
    const char *want = src == POT_CALLER ? "potential" : src == POT_WALLET ? "share_of_wallet" : "group";
    if (!fp)
        return cli_fail(err, CLI_EXIT_IO, "cannot open --potential-file %s", path);
    csv_init(&r, csv_read_stdio, fp, ',');
    cli_ids_init(&gids);
    seen = (unsigned char *)calloc(s->n ? s->n : 1, 1);
    if (!seen) {
        fclose(fp);
        return cli_fail(err, CLI_EXIT_FAIL, "out of memory");
    }
    if (src == POT_PEER) {
        gval = (int64_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(int64_t));
        gcust = (size_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(size_t));
    }
    for (k = 0; k < s->n; k++) {
        num[k] = (double)NAN;
        group[k] = 0;
    }
    rc = csv_next(&r);
    if (rc != CSV_ROW || r.nf < 2) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: expected a header with customer_id and %s", path, want);
        goto done;
    }
    for (k = 1; k < r.nf; k++) {
        const char *p;
        size_t len;
        csv_field_trim(&r.f[k], &p, &len);
        if (csv_ieq(p, len, want) || (src == POT_WALLET && csv_ieq(p, len, "sow")))
            col = (int)k;
    }
    while ((rc = csv_next(&r)) == CSV_ROW) {
        const char *p, *q;
        size_t len, qlen, c;
        if (r.nf <= (size_t)col) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: expected at least %d fields, got %lu", path,
                          (unsigned long long)r.row_line, col + 1, (unsigned long)r.nf);
            goto done;
        }
        csv_field_trim(&r.f[0], &p, &len);
        c = find_customer(s, ids, p, len);
        if (c == (size_t)-1) {
            unknown++;
            continue;
        }
        if (seen[c]) {
            char qb[64];
            cli_quote_field(qb, sizeof qb, p, len);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: customer %s appears twice", path,
                          (unsigned long long)r.row_line, qb);
            goto done;
        }
        seen[c] = 1;
        csv_field_trim(&r.f[col], &q, &qlen);
        if (src == POT_PEER) {
            int64_t g;
            int a = qlen ? cli_ids_add(&gids, q, qlen, &g) : CLI_IDS_EMPTY;
            if (a == CLI_IDS_SWITCHED) {
                /* earlier numeric groups become provisional indices of the same dictionary */
                cli_ids_convert(&gids, gval, ng, NULL);
            } else if (a < 0) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%d: empty or bad group", path,
                              (unsigned long long)r.row_line, col + 1);
                goto done;
            }
            gval[ng] = g;
            gcust[ng++] = c;
        } else if (qlen > 0 && cli_parse_double(q, qlen, &num[c]) != 0) {
            char qb[64];
            cli_quote_field(qb, sizeof qb, q, qlen);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%d: %s is not a number", path,
                          (unsigned long long)r.row_line, col + 1, qb);
            goto done;
        }
    }
    if (rc == CSV_ERR) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s", path, (unsigned long long)r.err_line, r.err);
        goto done;
    }
    rc = 0;
    for (k = 0; k < ng; k++)
        group[gcust[k]] = gval[k];
    for (k = 0; k < s->n; k++)
        if (!seen[k]) {
            if (src == POT_PEER) {
                char ib[24];
                size_t il;
                const char *id = cli_ids_text(ids, s->id[k], ib, &il);
                char qb[64];
                cli_quote_field(qb, sizeof qb, id, il);
                rc = cli_fail(err, CLI_EXIT_DATA, "%s: customer %s has no group", path, qb);
                goto done;
            }
            missing++;
        }
    if (missing)
        cli_note("%lu customer%s not in %s: no potential (never MGC)", (unsigned long)missing,
                 missing == 1 ? "" : "s", path);
    if (unknown)
        cli_note("%lu row%s of %s name customers not in the input (ignored)", (unsigned long)unknown,
                 unknown == 1 ? "" : "s", path);
done:
    free(seen);
    free(gval);
    free(gcust);
    csv_free(&r);
    cli_ids_free(&gids);
    fclose(fp);
    return rc;
}

/* Forward CLV per customer: BG/NBD + Gamma-Gamma fitted on the summary (unit: the summary's),
   12 steps of 30 days, 1 % per step, margin 1. Customers without a prediction (no purchase,
   net refunds) get @p none. */
static int model_clv(const cli_summary *s, double unit_days, double none, double *clv, cli_err *err)
{
    size_t k, m = 0;
    double *x, *tx, *T, *mx, *out;
    size_t *sel;
    cva_fit_opts fo;
    cva_clv_opts co;
    cva_model_fit bg, gg;
    cva_diag dg;
    cva_status st;
    int rc = 0;
    sel = (size_t *)cli_xmalloc((s->n ? s->n : 1) * sizeof(size_t));
    for (k = 0; k < s->n; k++) {
        clv[k] = none;
        if (!isnan(s->frequency[k]))
            sel[m++] = k;
    }
    x = (double *)cli_xmalloc((m ? m : 1) * 5 * sizeof(double));
    tx = x + m;
    T = tx + m;
    mx = T + m;
    out = mx + m;
    for (k = 0; k < m; k++) {
        x[k] = s->frequency[sel[k]];
        tx[k] = s->recency[sel[k]];
        T[k] = s->T[sel[k]];
        mx[k] = s->monetary_value[sel[k]] < 0.0 ? 0.0 : s->monetary_value[sel[k]];
    }
    if (m == 0)
        goto done;
    if (cva_fit_opts_init_defaults(&fo, sizeof fo) != CVA_OK || cva_clv_opts_init_defaults(&co, sizeof co) != CVA_OK ||
        cva_model_fit_init(&bg, sizeof bg) != CVA_OK || cva_model_fit_init(&gg, sizeof gg) != CVA_OK ||
        cva_diag_init(&dg, sizeof dg) != CVA_OK) {
        rc = cli_fail(err, CLI_EXIT_LIB, "library ABI mismatch (fit / clv options)");
        goto done;
    }
    fo.executor = cli_executor(); /* --threads */
    co.executor = cli_executor();
    st = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, m, &fo, &bg, &dg);
    if (st < 0) {
        rc = lib_fail(err, "BG/NBD fit for the CLV", st, &dg);
        goto done;
    }
    if (st > 0)
        fprintf(stderr, "cva: warning: tiers: the BG/NBD fit behind the CLV: %s\n", cva_strerror(st));
    cva_diag_init(&dg, sizeof dg);
    st = cva_gg_fit(x, mx, NULL, m, &fo, &gg, &dg);
    if (st < 0 || st == CVA_W_EMPTY) {
        rc = st < 0 ? lib_fail(err, "Gamma-Gamma fit for the CLV", st, &dg)
                    : cli_fail(err, CLI_EXIT_DATA, "tiers: no customer with repeat purchases: no spend model for the CLV");
        goto done;
    }
    if (st > 0)
        fprintf(stderr, "cva: warning: tiers: the Gamma-Gamma fit behind the CLV: %s\n", cva_strerror(st));
    co.steps = 12;
    co.step_length = 30.0 / unit_days;
    co.discount = 0.01;
    co.margin = 1.0;
    cva_diag_init(&dg, sizeof dg);
    st = cva_clv(CVA_MODEL_BGNBD, bg.params, gg.params, x, tx, T, mx, m, &co, out, &dg);
    if (st < 0) {
        rc = lib_fail(err, "CLV", st, &dg);
        goto done;
    }
    cli_note("CLV: BG/NBD (r=%.6g alpha=%.6g a=%.6g b=%.6g) + Gamma-Gamma (p=%.6g q=%.6g gamma=%.6g), "
             "12 months of 30 days, discount 1 %% per month, margin 1",
             bg.params[0], bg.params[1], bg.params[2], bg.params[3], gg.params[0], gg.params[1], gg.params[2]);
    for (k = 0; k < m; k++)
        if (isfinite(out[k]) && s->monetary_value[sel[k]] >= 0.0)
            clv[sel[k]] = out[k];
done:
    free(sel);
    free(x);
    return rc;
}

static void json_num(FILE *fp, double v)
{
    char buf[40];
    size_t n;
    if (!isfinite(v)) {
        fputs("null", fp);
        return;
    }
    n = cli_format_double(v, buf);
    fwrite(buf, 1, n, fp);
}

static void json_groups(FILE *fp, const char *key, const cva_tier_stat *st, size_t n, int last)
{
    size_t k;
    fprintf(fp, "  \"%s\": {", key);
    for (k = 0; k < n; k++) {
        fprintf(fp, "%s\"%s\": {\"count\": %llu, \"value_share\": ", k ? ", " : "", tier_name(st[k].label),
                (unsigned long long)st[k].count);
        json_num(fp, st[k].value_share);
        fputc('}', fp);
    }
    fprintf(fp, "}%s\n", last ? "" : ",");
}

/* Lorenz and whale curves at m equally spaced population shares. */
static int write_curve(const char *path, const double *value, size_t n, const cva_tiers_opts *to, cli_err *err)
{
    cli_out out;
    size_t m = n + 1 < 1001 ? n + 1 : 1001, j;
    double *p, *L, *cum;
    cva_whale_stats ws;
    cva_diag dg;
    cva_status st;
    int rc;
    if (n == 0) {
        cli_note("no customers: --curve %s not written", path);
        return 0;
    }
    p = (double *)cli_xmalloc(2 * m * sizeof(double) + n * sizeof(double));
    L = p + m;
    cum = L + m;
    cva_diag_init(&dg, sizeof dg);
    st = cva_lorenz(value, n, to, m, p, L, &dg);
    if (st >= 0) {
        cva_diag_init(&dg, sizeof dg);
        st = cva_whale_curve(value, n, to, cum, NULL, &ws, &dg);
    }
    if (st < 0) {
        free(p);
        return lib_fail(err, "curve", st, &dg);
    }
    if ((rc = cli_out_open(&out, path, err)) != 0) {
        free(p);
        return rc;
    }
    fputs("population_share,lorenz,whale\n", out.fp);
    for (j = 0; j < m; j++) {
        /* C at t = j n/(m - 1) on the piecewise-linear whale curve through (k, C_k), C_0 = 0 */
        const uint64_t num = (uint64_t)j * (uint64_t)n;
        const size_t idx = (size_t)(num / (m - 1));
        const double fr = (double)(num % (m - 1)) / (double)(m - 1);
        const double c0 = idx == 0 ? 0.0 : cum[idx - 1];
        const double c = idx < n ? c0 + fr * (cum[idx] - c0) : c0;
        char b[40];
        size_t len = cli_format_double(p[j], b);
        fwrite(b, 1, len, out.fp);
        fputc(',', out.fp);
        if (isfinite(L[j])) {
            len = cli_format_double(L[j], b);
            fwrite(b, 1, len, out.fp);
        }
        fputc(',', out.fp);
        if (ws.total > 0.0) {
            len = cli_format_double(c / ws.total, b);
            fwrite(b, 1, len, out.fp);
        }
        fputc('\n', out.fp);
    }
    free(p);
    return cli_out_commit(&out, err);
}

int cmd_tiers(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_summary s;
    cva_tiers_opts to;
    cva_diag dg;
    cva_status st;
    warnset warns;
    int i, rc = 0, stats = 0, kind = -1, src = POT_NONE, out_open = 0;
    const char *pot_file = NULL, *curve = NULL;
    double margin = (double)NAN, cpo = 0.0, cpc = 0.0;
    int dec_opt[3] = {0, 0, 0}; /* decimals of --margin, --cost-per-order, --cost-per-customer */
    size_t n = 0, k;
    double *rev = NULL, *cost = NULL, *profit = NULL, *value = NULL, *pot = NULL, *potv = NULL, *clv = NULL;
    double *value_cls;
    int64_t *group = NULL;
    int32_t *cls = NULL, *grd = NULL, *pyr = NULL;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&s, 0, sizeof s);
    memset(&warns, 0, sizeof warns);
    memset(&out, 0, sizeof out);
    cli_input_opts_init(&o);
    if (cva_tiers_opts_init_defaults(&to, sizeof to) != CVA_OK) {
        cli_fail(&err, CLI_EXIT_LIB, "library ABI mismatch (cva_tiers_opts)");
        return cli_report(&err);
    }
    to.executor = cli_executor(); /* --threads */
    for (i = 1; i < argc; i++) {
        int r;
        const char *v = NULL;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_tiers_help();
            return 0;
        }
        if (cli_match_flag(argv, i, "--stats")) {
            stats = 1;
            continue;
        }
#define OPT(name) ((r = cli_match_opt(argc, argv, &i, name, &v, &err)) != 0)
        if (OPT("--value")) {
            if (r < 0)
                return cli_report(&err);
            kind = strcmp(v, "revenue") == 0 ? CVA_VALUE_REVENUE
                   : strcmp(v, "profit") == 0 ? CVA_VALUE_PROFIT
                   : strcmp(v, "clv") == 0    ? CVA_VALUE_CLV
                                              : -2;
            if (kind == -2) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --value: expected revenue, profit or clv, got '%s'", v);
                return cli_report(&err);
            }
            continue;
        }
        if (OPT("--potential")) {
            if (r < 0)
                return cli_report(&err);
            src = strcmp(v, "caller") == 0   ? POT_CALLER
                  : strcmp(v, "wallet") == 0 ? POT_WALLET
                  : strcmp(v, "peer") == 0   ? POT_PEER
                  : strcmp(v, "model") == 0  ? POT_MODEL
                                             : -1;
            if (src < 0) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --potential: expected caller, wallet, peer or model, got '%s'",
                         v);
                return cli_report(&err);
            }
            continue;
        }
        if (OPT("--potential-file")) {
            if (r < 0)
                return cli_report(&err);
            pot_file = v;
            continue;
        }
        if (OPT("--curve")) {
            if (r < 0)
                return cli_report(&err);
            curve = v;
            continue;
        }
        if (OPT("--grade-shares")) {
            if (r < 0 || parse_list("--grade-shares", v, to.grade_shares, 3, &err))
                return cli_report(&err);
            continue;
        }
        if (OPT("--pyramid-shares")) {
            if (r < 0 || parse_list("--pyramid-shares", v, to.pyramid_shares, 2, &err))
                return cli_report(&err);
            continue;
        }
        {
            static const char *const names[] = {"--margin", "--cost-per-order", "--cost-per-customer",
                                                "--mvc-share", "--mgc-share", "--bz-threshold"};
            double *dst[6];
            size_t q;
            int hit = 0;
            dst[0] = &margin;
            dst[1] = &cpo;
            dst[2] = &cpc;
            dst[3] = &to.mvc_share;
            dst[4] = &to.mgc_share;
            dst[5] = &to.bz_threshold;
            for (q = 0; q < 6 && !hit; q++)
                if (OPT(names[q])) {
                    if (r < 0 || cli_parse_double_opt(names[q], v, dst[q], &err))
                        return cli_report(&err);
                    if (q < 3)
                        dec_opt[q] = decimals_of(v);
                    hit = 1;
                }
            if (hit)
                continue;
        }
#undef OPT
        r = cli_input_opt(&o, argc, argv, &i, &err);
        if (r < 0)
            return cli_report(&err);
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(&err, CLI_EXIT_USAGE, "tiers: unknown option '%s' (see 'cva help tiers')", argv[i]);
            return cli_report(&err);
        }
        if (o.input) {
            cli_fail(&err, CLI_EXIT_USAGE, "tiers: unexpected argument '%s' (input is already %s)", argv[i], o.input);
            return cli_report(&err);
        }
        o.input = argv[i];
    }
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);
    if (o.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "tiers: --calibration-end is not used (tiers rank the whole period; use --end)");
        return cli_report(&err);
    }
    if ((src == POT_CALLER || src == POT_WALLET || src == POT_PEER) && !pot_file) {
        cli_fail(&err, CLI_EXIT_USAGE, "tiers: --potential %s needs --potential-file FILE",
                 src == POT_CALLER ? "caller" : src == POT_WALLET ? "wallet" : "peer");
        return cli_report(&err);
    }
    if (pot_file && (src == POT_NONE || src == POT_MODEL)) {
        cli_fail(&err, CLI_EXIT_USAGE, "tiers: --potential-file needs --potential caller, wallet or peer");
        return cli_report(&err);
    }
    if (!isnan(margin) && !(margin >= 0.0 && margin <= 1.0)) {
        cli_fail(&err, CLI_EXIT_USAGE, "option --margin: expected a rate in [0, 1], got %g", margin);
        return cli_report(&err);
    }
    if (!(cpo >= 0.0) || !(cpc >= 0.0)) {
        cli_fail(&err, CLI_EXIT_USAGE, "options --cost-per-order / --cost-per-customer must be >= 0");
        return cli_report(&err);
    }
    to.margin = margin;
    to.cost_per_order = cpo;
    to.cost_per_customer = cpc;
    /* check the shares before reading a large input */
    cva_diag_init(&dg, sizeof dg);
    st = cva_grade(NULL, 0, &to, NULL, &dg);
    if (st == CVA_E_OPTION) {
        cli_fail(&err, CLI_EXIT_USAGE, "tiers: %s", dg.detail);
        return cli_report(&err);
    }

    if (!stats || o.output) {
        if (cli_out_open(&out, o.output, &err))
            return cli_report(&err);
        out_open = 1;
    }
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;
    if ((rc = cli_summary_txn(&tx, o.end_days, o.cal_days, o.week_unit ? 7.0 : 1.0, &s, &err)) != 0)
        goto fail;
    n = s.n;
    if (kind < 0)
        kind = (tx.cost || !isnan(margin) || cpo > 0.0 || cpc > 0.0) ? CVA_VALUE_PROFIT : CVA_VALUE_REVENUE;
    to.value_kind = kind;

    rev = (double *)cli_xmalloc((n ? n : 1) * 5 * sizeof(double));
    cost = rev + n;
    profit = cost + n;
    pot = profit + n;
    potv = pot + n;
    cls = (int32_t *)cli_xmalloc((n ? n : 1) * 3 * sizeof(int32_t));
    grd = cls + n;
    pyr = grd + n;
    for (k = 0; k < n; k++)
        rev[k] = cli_txn_money(&tx, s.total_amount[k]);
    cva_diag_init(&dg, sizeof dg);
    if (tx.cost)
        for (k = 0; k < n; k++)
            cost[k] = cli_txn_cost(&tx, s.total_cost[k]);
    st = cva_customer_profit(rev, tx.cost ? cost : NULL, s.n_txn, n, &to, cost, profit, &dg);
    if (st < 0) {
        rc = lib_fail(&err, "profit", st, &dg);
        goto fail;
    }
    {
        /* profit and cost are decimals with a known number of digits: remove the float noise
           before ranking, so equal amounts tie (and go by customer id) */
        int dp, dc;
        dc = imax(imax(tx.cost ? tx.cost_dec : 0, dec_opt[1]), dec_opt[2]);
        dp = isnan(margin) ? imax(tx.money_dec, dc) : imax(imax(tx.money_dec + dec_opt[0], dec_opt[1]), dec_opt[2]);
        if (!isnan(margin))
            dc = dp;
        for (k = 0; k < n; k++) {
            profit[k] = cli_clean_sum(profit[k], dp);
            cost[k] = isnan(margin) ? cli_clean_sum(cost[k], dc) : cli_clean_sum(rev[k] - profit[k], dc);
        }
    }
    if (tx.cost && !isnan(margin))
        cli_note("--margin: profit = revenue x %g - cost-to-serve (the cost column is not used)", margin);
    if (kind == CVA_VALUE_CLV || src == POT_MODEL) {
        clv = (double *)cli_xmalloc((n ? n : 1) * sizeof(double));
        if ((rc = model_clv(&s, o.week_unit ? 7.0 : 1.0, kind == CVA_VALUE_CLV ? 0.0 : (double)NAN, clv, &err)) != 0)
            goto fail;
        if (kind == CVA_VALUE_CLV && src == POT_MODEL) {
            /* both from the model: the value for ranking is still the CLV; the classes compare
               the CLV (potential) with historical profit */
        }
    }
    value = kind == CVA_VALUE_REVENUE ? rev : kind == CVA_VALUE_PROFIT ? profit : clv;
    value_cls = value;
    for (k = 0; k < n; k++)
        pot[k] = (double)NAN;
    if (src == POT_CALLER || src == POT_WALLET || src == POT_PEER) {
        group = (int64_t *)cli_xmalloc((n ? n : 1) * sizeof(int64_t));
        if ((rc = read_potential(pot_file, src, &s, &tx.ids, potv, group, &err)) != 0)
            goto fail;
    }
    to.potential = src == POT_CALLER ? CVA_POT_CALLER : src == POT_WALLET ? CVA_POT_SHARE_OF_WALLET
                   : src == POT_PEER ? CVA_POT_PEER_QUANTILE : src == POT_MODEL ? CVA_POT_MODEL : CVA_POT_NONE;

    /* one ranking of the value, shared by every call on it */
    {
        uint64_t *order = (uint64_t *)cli_xmalloc((n ? n : 1) * sizeof(uint64_t));
        cva_tiers_opts tv = to, tc = to;
        double gini = (double)NAN, gini_pp = (double)NAN, share[5];
        cva_whale_stats ws;
        cva_profit_diag pd;
        cva_tier_stat cst[4], gst[3], pst[4];
        cva_diag_init(&dg, sizeof dg);
        st = cva_value_order(value, n, &to, order, NULL, &dg);
        if (st < 0) {
            free(order);
            rc = lib_fail(&err, "ranking", st, &dg);
            goto fail;
        }
        tv.order = n ? order : NULL;
        if (src == POT_MODEL) {
            /* model-based potential: forward CLV against historical profit */
            value_cls = profit;
            tc.value_kind = CVA_VALUE_PROFIT;
            tc.order = NULL;
        } else {
            tc.order = tv.order;
        }
#define CALL(what, expr)                      \
    do {                                      \
        cva_diag_init(&dg, sizeof dg);        \
        st = (expr);                          \
        if (st < 0) {                         \
            free(order);                      \
            rc = lib_fail(&err, what, st, &dg); \
            goto fail;                        \
        }                                     \
        warn_add(&warns, st, what);           \
    } while (0)
        CALL("value classes", cva_value_classes(value_cls, src == POT_MODEL ? clv : potv, potv, group, n, &tc, cls,
                                                pot, &dg));
        if (kind == CVA_VALUE_REVENUE && tc.value_kind == CVA_VALUE_REVENUE)
            cli_note("value is revenue: below-zero (BZ) customers cannot be detected; give a cost column, "
                     "--margin or a cost-to-serve for profit");
        CALL("grade", cva_grade(value, n, &tv, grd, &dg));
        CALL("pyramid", cva_pyramid(value, n, &tv, pyr, &dg));
        if (stats) {
            cva_tiers_opts tp = tv;
            tp.flags = CVA_TIERS_GINI_POSITIVE_PART;
            CALL("gini", cva_gini(value, n, &tv, &gini, &dg));
            CALL("gini (positive part)", cva_gini(value, n, &tp, &gini_pp, &dg));
            CALL("top shares", cva_top_share(value, n, top_points, 5, &tv, share, &dg));
            CALL("whale curve", cva_whale_curve(value, n, &tv, NULL, NULL, &ws, &dg));
            {
                cva_tiers_opts td = to;
                td.order = NULL;
                CALL("profitability diagnostics", cva_profit_diagnostics(rev, cost, n, &td, &pd, &dg));
            }
            CALL("class statistics", cva_tier_stats(cls, value_cls, n, class_codes, 4, cst, &dg));
            CALL("grade statistics", cva_tier_stats(grd, value, n, grade_codes, 3, gst, &dg));
            CALL("pyramid statistics", cva_tier_stats(pyr, value, n, pyramid_codes, 4, pst, &dg));
        }
#undef CALL
        free(order);
        if (curve && (rc = write_curve(curve, value, n, &to, &err)) != 0)
            goto fail;

        if (stats) {
            FILE *fp = out_open ? out.fp : stdout;
            int w;
            fprintf(fp, "{\n  \"n_customers\": %lu,\n  \"value_kind\": \"%s\",\n  \"total\": ", (unsigned long)n,
                    kind == CVA_VALUE_REVENUE ? "revenue" : kind == CVA_VALUE_PROFIT ? "profit" : "clv");
            json_num(fp, n ? ws.total : (double)NAN);
            fputs(",\n  \"gini\": ", fp);
            json_num(fp, gini);
            fputs(",\n  \"gini_positive_part\": ", fp);
            json_num(fp, gini_pp);
            fputs(",\n  \"top_share\": {", fp);
            for (k = 0; k < 5; k++) {
                fprintf(fp, "%s\"%s\": ", k ? ", " : "", top_keys[k]);
                json_num(fp, n ? share[k] : (double)NAN);
            }
            fprintf(fp, "},\n  \"whale\": {\"peak_index\": %lld, \"peak_height\": ", (long long)(n ? ws.peak_index : 0));
            json_num(fp, n ? ws.peak_height : (double)NAN);
            fputs(", \"unprofitable_share\": ", fp);
            json_num(fp, n ? ws.unprofitable_share : (double)NAN);
            fputs(", \"profit_destroyed\": ", fp);
            json_num(fp, n ? ws.profit_destroyed : (double)NAN);
            fputs("},\n  \"diagnostics\": {\"top20_profit_to_cost\": ", fp);
            json_num(fp, pd.top_profit_to_cost);
            fputs(", \"bottom20_cost_to_revenue\": ", fp);
            json_num(fp, pd.bottom_cost_to_revenue);
            fputs(", \"top20_revenue_share\": ", fp);
            json_num(fp, pd.top_revenue_share);
            fputs(", \"top20_profit_share\": ", fp);
            json_num(fp, pd.top_profit_share);
            fputs("},\n", fp);
            json_groups(fp, "classes", cst, 4, 0);
            json_groups(fp, "grades", gst, 3, 0);
            json_groups(fp, "pyramid", pst, 4, 0);
            fputs("  \"warnings\": [", fp);
            for (w = 0; w < warns.n; w++)
                fprintf(fp, "%s\"%s\"", w ? ", " : "", warns.name[w]);
            fputs("]\n}\n", fp);
            if (!out_open)
                fflush(stdout);
        } else {
            cli_table t;
            const size_t ncols = src != POT_NONE ? 9 : 8;
            cli_table_begin(&t, &out, o.format == CLI_FMT_JSON, col_names, ncols, NULL, "customers");
            for (k = 0; k < n; k++) {
                char ibuf[24];
                size_t ilen;
                const char *id = cli_ids_text(&tx.ids, s.id[k], ibuf, &ilen);
                const char *nm;
                if (tx.ids.text)
                    cli_table_text(&t, id, ilen);
                else
                    cli_table_int(&t, s.id[k]);
                cli_table_num(&t, rev[k]);
                cli_table_num(&t, cost[k]);
                cli_table_num(&t, profit[k]);
                cli_table_num(&t, value[k]);
                nm = tier_name(cls[k]);
                cli_table_text(&t, nm, strlen(nm));
                nm = tier_name(grd[k]);
                cli_table_text(&t, nm, strlen(nm));
                nm = tier_name(pyr[k]);
                cli_table_text(&t, nm, strlen(nm));
                if (ncols == 9)
                    cli_table_num(&t, pot[k]);
                cli_table_end_row(&t);
            }
            cli_table_end(&t);
        }
    }
    if (out_open && (rc = cli_out_commit(&out, &err)) != 0)
        goto fail_closed;
    if (n == 0)
        cli_note("no customers in the input: nothing to rank");
    free(rev);
    free(cls);
    free(clv);
    free(group);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return 0;

fail:
    if (out_open)
        cli_out_abort(&out);
fail_closed:
    free(rev);
    free(cls);
    free(clv);
    free(group);
    cli_summary_free(&s);
    cli_txn_free(&tx);
    return cli_report(&err);
}
