/*
 * cva command-line tool: shared options and the transaction loader.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cva/txn.h"
#include "dates.h"
#include "numbers.h"

static const char *const col_option[CLI_NCOL] = {"--customer-col", "--date-col", "--amount-col", "--cost-col",
                                                 "--referrer-col"};
static const char *const col_default[CLI_NCOL] = {"customer_id", "date", "amount", "cost", "referrer_id"};
static const char *const col_what[CLI_NCOL] = {"customer id", "date", "amount", "cost", "referrer id"};

const char cli_input_help[] =
    "Input options (shared by the subcommands that read transactions):\n"
    "  --input FILE         CSV file with one transaction per row; '-' reads stdin.\n"
    "  --customer-col COL   customer id column (default customer_id)\n"
    "  --date-col COL       date column (default date)\n"
    "  --amount-col COL     amount column (default amount); negative = refund\n"
    "  --cost-col COL       cost column (default cost; used only if present)\n"
    "  --referrer-col COL   referrer id column (default referrer_id; used only if present;\n"
    "                       an empty field means no referrer)\n"
    "                       COL is a header name or a 1-based column number.\n"
    "  --delimiter D        field separator: one character (default ','), 'tab', or\n"
    "                       'whitespace' (runs of spaces/tabs; leading blanks ignored)\n"
    "  --no-header          the first row is data; columns are numbers\n"
    "                       (defaults: customer 1, date 2, amount 3)\n"
    "  --end DATE           end of observation (default: the latest date in the data);\n"
    "                       later rows are left out (with a note on stderr)\n"
    "  --calibration-end DATE  split into a calibration period (the statistics) and a\n"
    "                       holdout period (the *_holdout columns)\n"
    "  --occasion day|week|month  purchases of a customer in the same calendar period\n"
    "                       merge into one occasion (default day; weeks start on Monday)\n"
    "  --time-unit day|week unit of recency, T and duration_holdout (default day;\n"
    "                       week = days/7, fractional)\n"
    "  -o, --output FILE    output file (default stdout); written to a temporary file\n"
    "                       and renamed when complete\n"
    "  --format csv|json    output format (default csv)\n"
    "  -q, --quiet          no notes on stderr\n"
    "\n"
    "Dates: YYYY-MM-DD, YYYYMMDD, or YYYY-MM-DD HH:MM[:SS[.fff]] ('T' separator and a\n"
    "final 'Z' allowed); time of day becomes a fraction of a day. A DATE given on the\n"
    "command line means the start (00:00) of that day.\n"
    "Numbers: plain decimals ('12.50', '-3', '1e3'); NaN and Inf are rejected.\n"
    "Ids: if every customer and referrer id is an integer (int64) the ids are numeric\n"
    "and output is sorted by value. Otherwise ids are text: output is sorted by the\n"
    "byte-wise order of the text, and the original text is written back.\n"
    "Quoting follows RFC 4180 (\"a,b\" and \"\" escapes); a UTF-8 BOM, CRLF line ends and\n"
    "blank lines are accepted. Blanks around fields are ignored.\n";

void cli_input_opts_init(cli_input_opts *o)
{
    int c;
    memset(o, 0, sizeof *o);
    for (c = 0; c < CLI_NCOL; c++)
        o->col[c] = col_default[c];
    o->delim = ',';
    o->end_days = (double)NAN;
    o->cal_days = (double)NAN;
    o->occasion = CLI_OCC_DAY;
    o->format = CLI_FMT_CSV;
}

int cli_input_opt(cli_input_opts *o, int argc, char **argv, int *i, cli_err *err)
{
    const char *v = NULL;
    int m, c;

#define OPT(name)                                                   \
    (m = cli_match_opt(argc, argv, i, name, &v, err)) < 0 ? -CLI_EXIT_USAGE : m

    if ((m = OPT("--input")) != 0) {
        if (m < 0)
            return m;
        o->input = v;
        return 1;
    }
    for (c = 0; c < CLI_NCOL; c++) {
        if ((m = OPT(col_option[c])) != 0) {
            if (m < 0)
                return m;
            if (!*v)
                return -cli_fail(err, CLI_EXIT_USAGE, "option %s: empty column", col_option[c]);
            o->col[c] = v;
            o->col_given[c] = 1;
            return 1;
        }
    }
    if ((m = OPT("--delimiter")) != 0) {
        if (m < 0)
            return m;
        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
            o->delim = '\t';
        else if (strcmp(v, "whitespace") == 0 || strcmp(v, "space") == 0)
            o->delim = CSV_DELIM_WHITESPACE;
        else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r')
            o->delim = (unsigned char)v[0];
        else
            return -cli_fail(err, CLI_EXIT_USAGE,
                             "option --delimiter: \"%s\" is not one character, 'tab' or 'whitespace'", v);
        return 1;
    }
    if (cli_match_flag(argv, *i, "--no-header")) {
        o->no_header = 1;
        return 1;
    }
    if ((m = OPT("--end")) != 0) {
        if (m < 0)
            return m;
        o->end = v;
        return 1;
    }
    if ((m = OPT("--calibration-end")) != 0) {
        if (m < 0)
            return m;
        o->cal_end = v;
        return 1;
    }
    if ((m = OPT("--occasion")) != 0) {
        if (m < 0)
            return m;
        if (strcmp(v, "day") == 0)
            o->occasion = CLI_OCC_DAY;
        else if (strcmp(v, "week") == 0)
            o->occasion = CLI_OCC_WEEK;
        else if (strcmp(v, "month") == 0)
            o->occasion = CLI_OCC_MONTH;
        else
            return -cli_fail(err, CLI_EXIT_USAGE, "option --occasion: \"%s\" is not day, week or month", v);
        return 1;
    }
    if ((m = OPT("--time-unit")) != 0) {
        if (m < 0)
            return m;
        if (strcmp(v, "day") == 0 || strcmp(v, "days") == 0)
            o->week_unit = 0;
        else if (strcmp(v, "week") == 0 || strcmp(v, "weeks") == 0)
            o->week_unit = 1;
        else
            return -cli_fail(err, CLI_EXIT_USAGE, "option --time-unit: \"%s\" is not day or week", v);
        return 1;
    }
    if ((m = OPT("--output")) != 0 || (m = OPT("-o")) != 0) {
        if (m < 0)
            return m;
        o->output = v;
        return 1;
    }
    if ((m = OPT("--format")) != 0) {
        if (m < 0)
            return m;
        if (strcmp(v, "csv") == 0)
            o->format = CLI_FMT_CSV;
        else if (strcmp(v, "json") == 0)
            o->format = CLI_FMT_JSON;
        else
            return -cli_fail(err, CLI_EXIT_USAGE, "option --format: \"%s\" is not csv or json", v);
        return 1;
    }
    if (cli_match_flag(argv, *i, "--quiet") || cli_match_flag(argv, *i, "-q")) {
        cli_quiet = 1;
        return 1;
    }
#undef OPT
    return 0;
}

static int parse_opt_date(const char *opt, const char *text, double *days, cli_err *err)
{
    int st = cli_parse_date(text, strlen(text), days, NULL);
    if (st == CLI_DATE_OK)
        return 0;
    return cli_fail(err, CLI_EXIT_USAGE, "option %s: %s date \"%s\" (expected YYYY-MM-DD, YYYYMMDD or "
                                         "YYYY-MM-DD HH:MM:SS)",
                    opt, st == CLI_DATE_RANGE ? "impossible" : "bad", text);
}

int cli_input_check(cli_input_opts *o, int need_input, cli_err *err)
{
    if (need_input && !o->input)
        return cli_fail(err, CLI_EXIT_USAGE, "no input: give --input FILE (or --input - for stdin)");
    if (o->end && parse_opt_date("--end", o->end, &o->end_days, err))
        return err->code;
    if (o->cal_end && parse_opt_date("--calibration-end", o->cal_end, &o->cal_days, err))
        return err->code;
    if (o->end && o->cal_end && o->cal_days > o->end_days)
        return cli_fail(err, CLI_EXIT_USAGE, "--calibration-end %s is after --end %s", o->cal_end, o->end);
    return 0;
}

void cli_txn_free(cli_txn *tx)
{
    free(tx->cid);
    free(tx->t);
    free(tx->amount);
    free(tx->cost);
    free(tx->ref);
    free(tx->period);
    cli_ids_free(&tx->ids);
    memset(tx, 0, sizeof *tx);
}

static void grow(cli_txn *tx)
{
    size_t nc = tx->cap ? tx->cap * 2 : 65536;
    tx->cid = (int64_t *)cli_xrealloc(tx->cid, nc * sizeof(int64_t));
    tx->t = (double *)cli_xrealloc(tx->t, nc * sizeof(double));
    tx->amount = (double *)cli_xrealloc(tx->amount, nc * sizeof(double));
    if (tx->cost)
        tx->cost = (double *)cli_xrealloc(tx->cost, nc * sizeof(double));
    if (tx->ref)
        tx->ref = (int64_t *)cli_xrealloc(tx->ref, nc * sizeof(int64_t));
    tx->cap = nc;
}

typedef struct col_map {
    long idx[CLI_NCOL];    /* field index, -1 if not used */
    char label[CLI_NCOL][80]; /* "'amount'" or "3" for messages */
} col_map;

static int is_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned)(unsigned char)*s - '0' > 9)
            return 0;
    return 1;
}

static int resolve_header(const cli_input_opts *o, const csv_reader *r, const char *name, col_map *m,
                          cli_err *err)
{
    int c;
    size_t j;
    for (c = 0; c < CLI_NCOL; c++) {
        const char *want = o->col[c];
        long found = -1;
        int pass;
        m->idx[c] = -1;
        for (pass = 0; pass < 2 && found < 0; pass++) {
            for (j = 0; j < r->nf; j++) {
                const char *p;
                size_t len;
                int hit;
                csv_field_trim(&r->f[j], &p, &len);
                hit = pass == 0 ? (len == strlen(want) && memcmp(p, want, len) == 0) : csv_ieq(p, len, want);
                if (hit) {
                    if (found >= 0)
                        return cli_fail(err, CLI_EXIT_DATA,
                                        "%s:%llu: column name '%s' appears twice (columns %ld and %lu); "
                                        "use %s with a column number",
                                        name, (unsigned long long)r->row_line, want, found + 1,
                                        (unsigned long)j + 1, col_option[c]);
                    found = (long)j;
                }
            }
        }
        if (found < 0 && is_all_digits(want)) {
            unsigned long k = strtoul(want, NULL, 10);
            if (k < 1 || k > r->nf)
                return cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s %s: the header has %lu columns", name,
                                (unsigned long long)r->row_line, col_option[c], want, (unsigned long)r->nf);
            found = (long)k - 1;
        }
        if (found < 0) {
            char cols[400];
            size_t o2 = 0;
            if (c >= CLI_COL_COST && !o->col_given[c])
                continue; /* optional column not present */
            cols[0] = '\0';
            for (j = 0; j < r->nf && o2 + 4 < sizeof cols; j++) {
                int n = snprintf(cols + o2, sizeof cols - o2, "%s%.*s", j ? ", " : "",
                                 (int)(r->f[j].len > 40 ? 40 : r->f[j].len), r->f[j].p);
                if (n < 0)
                    break;
                o2 += (size_t)n;
            }
            if (o2 >= sizeof cols)
                o2 = sizeof cols - 1;
            return cli_fail(err, CLI_EXIT_DATA,
                            "%s:%llu: no %s column '%s' in the header (columns: %s); use %s NAME or a "
                            "1-based column number",
                            name, (unsigned long long)r->row_line, col_what[c], want, cols, col_option[c]);
        }
        m->idx[c] = found;
        snprintf(m->label[c], sizeof m->label[c], "'%s'", want);
        if (is_all_digits(want) && (size_t)found + 1 == strtoul(want, NULL, 10)) {
            const char *p;
            size_t len;
            csv_field_trim(&r->f[found], &p, &len);
            snprintf(m->label[c], sizeof m->label[c], "%lu ('%.*s')", (unsigned long)found + 1,
                     (int)(len > 40 ? 40 : len), p);
        }
    }
    return 0;
}

static int resolve_positions(const cli_input_opts *o, col_map *m, cli_err *err)
{
    static const char *const pos_default[CLI_NCOL] = {"1", "2", "3", NULL, NULL};
    int c;
    for (c = 0; c < CLI_NCOL; c++) {
        const char *spec = o->col_given[c] ? o->col[c] : pos_default[c];
        unsigned long k;
        m->idx[c] = -1;
        if (!spec)
            continue;
        if (!is_all_digits(spec) || (k = strtoul(spec, NULL, 10)) < 1 || k > 1000000)
            return cli_fail(err, CLI_EXIT_USAGE,
                            "with --no-header, %s must be a 1-based column number (got \"%s\")", col_option[c],
                            spec);
        m->idx[c] = (long)k - 1;
        snprintf(m->label[c], sizeof m->label[c], "%lu", k);
    }
    return 0;
}

static int field_error(cli_err *err, const char *name, const csv_reader *r, long idx, const col_map *m, int c,
                       const char *what)
{
    char q[64];
    cli_quote_field(q, sizeof q, r->f[idx].p, r->f[idx].len);
    return cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s in column %s", name, (unsigned long long)r->row_line,
                    idx + 1, what, q, m->label[c]);
}

static int csv_error(cli_err *err, const char *name, const csv_reader *r)
{
    if (r->err_errno)
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", name, strerror(r->err_errno));
    if (r->err_col)
        return cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: %s", name, (unsigned long long)r->err_line,
                        (unsigned long)r->err_col, r->err);
    return cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s", name, (unsigned long long)r->err_line, r->err);
}

static int parse_money(cli_err *err, const char *name, const csv_reader *r, long idx, const col_map *m, int c,
                       double *out)
{
    int st = cli_parse_double(r->f[idx].p, r->f[idx].len, out);
    if (st == CLI_NUM_OK)
        return 0;
    if (st == CLI_NUM_EMPTY) {
        if (c == CLI_COL_COST) {
            *out = 0.0;
            return 0;
        }
        return field_error(err, name, r, idx, m, c, "empty amount");
    }
    if (st == CLI_NUM_NONFINITE)
        return field_error(err, name, r, idx, m, c, c == CLI_COL_COST ? "non-finite cost" : "non-finite amount");
    return field_error(err, name, r, idx, m, c,
                       c == CLI_COL_COST ? "bad cost (expected a decimal number)"
                                         : "bad amount (expected a decimal number)");
}

static void progress(const char *name, const csv_reader *r, size_t rows, int done)
{
    if (done) {
        fprintf(stderr, "\r%70s\r", "");
        return;
    }
    fprintf(stderr, "\rcva: reading %.30s: %llu MB, %lu rows", name, (unsigned long long)(r->bytes >> 20),
            (unsigned long)rows);
    fflush(stderr);
}

int cli_load_source(const cli_input_opts *o, csv_read_fn rd, void *ctx, const char *name, int show_progress,
                    cli_txn *tx, cli_err *err)
{
    csv_reader r;
    col_map m;
    size_t expected = 0;
    int st, c, shown = 0;
    uint64_t next_report = (uint64_t)64 << 20;
    int rc = 0;
    const int64_t no_ref = CVA_NO_REFERRER;

    memset(tx, 0, sizeof *tx);
    cli_ids_init(&tx->ids);
    if (csv_init(&r, rd, ctx, o->delim) != 0)
        return cli_fail(err, CLI_EXIT_USAGE, "bad delimiter");

    st = csv_next(&r);
    if (st == CSV_ERR) {
        rc = csv_error(err, name, &r);
        goto out;
    }
    if (st == CSV_EOF) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty input (no header and no rows)", name);
        goto out;
    }
    if (!o->no_header) {
        if ((rc = resolve_header(o, &r, name, &m, err)) != 0)
            goto out;
        expected = r.nf;
        st = csv_next(&r);
    } else {
        if ((rc = resolve_positions(o, &m, err)) != 0)
            goto out;
        expected = r.nf;
        for (c = 0; c < CLI_NCOL; c++)
            if (m.idx[c] >= 0 && (size_t)m.idx[c] >= expected) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s %s, but the first row has %lu fields", name,
                              (unsigned long long)r.row_line, col_option[c], m.label[c], (unsigned long)expected);
                goto out;
            }
    }
    if (m.idx[CLI_COL_COST] >= 0)
        tx->cost = (double *)cli_xmalloc(sizeof(double));
    if (m.idx[CLI_COL_REFERRER] >= 0)
        tx->ref = (int64_t *)cli_xmalloc(sizeof(int64_t));

    for (; st == CSV_ROW; st = csv_next(&r)) {
        size_t i = tx->n;
        const csv_field *f = r.f;
        int dst, has_time = 0, is;
        int64_t idv;
        if (r.nf != expected) {
            size_t col = (r.nf < expected ? r.nf : expected) + 1;
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, expected %lu (as in the %s)", name,
                          (unsigned long long)r.row_line, (unsigned long)col, (unsigned long)r.nf,
                          (unsigned long)expected, o->no_header ? "first row" : "header");
            goto out;
        }
        if (i == tx->cap)
            grow(tx);
        /* customer id */
        is = cli_ids_add(&tx->ids, f[m.idx[0]].p, f[m.idx[0]].len, &idv);
        if (is == CLI_IDS_EMPTY) {
            rc = field_error(err, name, &r, m.idx[0], &m, 0, "empty customer id");
            goto out;
        }
        if (is == CLI_IDS_TOO_MANY) {
            rc = field_error(err, name, &r, m.idx[0], &m, 0, "too many distinct ids at");
            goto out;
        }
        if (is == CLI_IDS_SWITCHED) {
            cli_ids_convert(&tx->ids, tx->cid, i, NULL);
            if (tx->ref)
                cli_ids_convert(&tx->ids, tx->ref, i, &no_ref);
        }
        tx->cid[i] = idv;
        /* date */
        dst = cli_parse_date(f[m.idx[1]].p, f[m.idx[1]].len, &tx->t[i], &has_time);
        if (dst != CLI_DATE_OK) {
            rc = field_error(err, name, &r, m.idx[1], &m, 1,
                             dst == CLI_DATE_EMPTY   ? "empty date"
                             : dst == CLI_DATE_RANGE ? "impossible date"
                                                     : "bad date (expected YYYY-MM-DD, YYYYMMDD or "
                                                       "YYYY-MM-DD HH:MM:SS)");
            goto out;
        }
        tx->has_time |= has_time;
        if ((rc = parse_money(err, name, &r, m.idx[2], &m, 2, &tx->amount[i])) != 0)
            goto out;
        if (tx->cost && (rc = parse_money(err, name, &r, m.idx[3], &m, 3, &tx->cost[i])) != 0)
            goto out;
        if (tx->ref) {
            long k = m.idx[4];
            is = cli_ids_add(&tx->ids, f[k].p, f[k].len, &idv);
            if (is == CLI_IDS_EMPTY) {
                idv = CVA_NO_REFERRER;
            } else if (is == CLI_IDS_TOO_MANY) {
                rc = field_error(err, name, &r, k, &m, 4, "too many distinct ids at");
                goto out;
            } else {
                if (is == CLI_IDS_SWITCHED) {
                    cli_ids_convert(&tx->ids, tx->cid, i + 1, NULL);
                    /* the current row's customer was added in numeric mode: converted above */
                    cli_ids_convert(&tx->ids, tx->ref, i, &no_ref);
                }
                if (!tx->ids.text && idv == CVA_NO_REFERRER) {
                    rc = field_error(err, name, &r, k, &m, 4,
                                     "referrer id -9223372036854775808 is reserved for 'no referrer':");
                    goto out;
                }
            }
            tx->ref[i] = idv;
        }
        tx->n = i + 1;
        if (show_progress && (tx->n & 0xffff) == 0 && r.bytes >= next_report) {
            progress(name, &r, tx->n, 0);
            shown = 1;
            next_report = r.bytes + ((uint64_t)64 << 20);
        }
    }
    if (st == CSV_ERR) {
        rc = csv_error(err, name, &r);
        goto out;
    }
    if (o->no_header && tx->n == 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty input", name);
        goto out;
    }

    /* finish the id dictionary, compute occasion periods */
    if (tx->ids.text) {
        cli_ids_sort(&tx->ids);
        cli_ids_remap(&tx->ids, tx->cid, tx->n, NULL);
        if (tx->ref)
            cli_ids_remap(&tx->ids, tx->ref, tx->n, &no_ref);
    }
    {
        size_t i;
        tx->period = (int64_t *)cli_xmalloc((tx->n ? tx->n : 1) * sizeof(int64_t));
        for (i = 0; i < tx->n; i++)
            tx->period[i] = cli_period_of(tx->t[i], o->occasion);
    }
out:
    if (shown)
        progress(name, &r, tx->n, 1);
    csv_free(&r);
    if (rc)
        cli_txn_free(tx); /* nothing half-loaded survives an error */
    else
        tx->bytes = r.bytes;
    return rc;
}

int cli_load(const cli_input_opts *o, cli_txn *tx, cli_err *err)
{
    FILE *fp;
    int rc, is_stdin = strcmp(o->input, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : o->input;
    int show = !cli_quiet && isatty(STDERR_FILENO);
    if (is_stdin) {
        fp = stdin;
    } else {
        fp = fopen(o->input, "rb");
        if (!fp)
            return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", o->input, strerror(errno));
    }
    rc = cli_load_source(o, csv_read_stdio, fp, name, show, tx, err);
    if (!is_stdin)
        fclose(fp);
    return rc;
}
