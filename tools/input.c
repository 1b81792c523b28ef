/*
 * cva command-line tool: shared options and the transaction loader.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "input.h"
#include "executor.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cva/txn.h"
#include "dates.h"
#include "numbers.h"

static const char *const col_option[CLI_NCOL] = {"--customer-col", "--date-col",     "--amount-col",
                                                 "--cost-col",     "--referrer-col", "--quantity-col",
                                                 "--price-col",    "--order-col"};
static const char *const col_default[CLI_NCOL] = {"customer_id", "date", "amount", "cost", "referrer_id",
                                                  NULL,          NULL,   NULL};
static const char *const col_what[CLI_NCOL] = {"customer id", "date",     "amount", "cost",
                                               "referrer id", "quantity", "price",  "order id"};
static const char *const skip_what[CLI_NSKIP] = {"a blank customer id", "a bad or empty date",
                                                 "a bad or empty amount", "a bad cost",
                                                 "a bad referrer id", "a blank order id",
                                                 "a wrong number of fields"};

const char *cli_occasion_name(int occasion)
{
    return occasion == CLI_OCC_WEEK    ? "week"
           : occasion == CLI_OCC_MONTH ? "month"
           : occasion == CLI_OCC_ORDER ? "order"
                                       : "day";
}

static const struct help_line {
    unsigned omit_with;
    const char *text;
} input_help[] = {
    {0, "Input options (shared by the subcommands that read transactions):\n"},
    {CLI_HELP_NO_INPUT, "  --input FILE         CSV file with one transaction per row; '-' reads stdin.\n"},
    {0, "  --customer-col COL   customer id column (default customer_id)\n"},
    {0, "  --date-col COL       date column (default date)\n"},
    {0, "  --amount-col COL     amount column (default amount); negative = refund; fit and\n"},
    {0, "                       predict without --spend need none (purchases only)\n"},
    {CLI_HELP_NO_COST_REF, "  --cost-col COL       cost column (default cost; used only if present)\n"},
    {CLI_HELP_NO_COST_REF, "  --referrer-col COL   referrer id column (default referrer_id; used only if present;\n"},
    {CLI_HELP_NO_COST_REF, "                       an empty field means no referrer)\n"},
    {0, "  --quantity-col COL, --price-col COL  line-level exports (one row per item):\n"},
    {0, "                       amount = quantity x price instead of an amount column; a\n"},
    {0, "                       negative quantity (a cancellation) is a refund\n"},
    {0, "  --order-col COL      order (invoice) id column: the rows of one order of one\n"},
    {0, "                       customer become one transaction (amount: their sum; time: the\n"},
    {0, "                       earliest), so counts of transactions count orders, not lines\n"},
    {0, "                       COL is a header name or a 1-based column number.\n"},
    {0, "  --delimiter D        field separator: one character (default ','), 'tab', or\n"},
    {0, "                       'whitespace' (runs of spaces/tabs; leading blanks ignored)\n"},
    {0, "  --no-header          the first row is data; columns are numbers\n"},
    {0, "                       (defaults: customer 1, date 2, amount 3)\n"},
    {0, "  --end DATE           end of observation (default: the latest date in the data);\n"},
    {0, "                       later rows are left out (with a note on stderr)\n"},
    {CLI_HELP_NO_CAL, "  --calibration-end DATE  split into a calibration period (the statistics) and a\n"},
    {CLI_HELP_NO_CAL, "                       holdout period (the *_holdout columns)\n"},
    {0, "  --occasion day|week|month|order  purchases of a customer in the same calendar\n"},
    {0, "                       period merge into one occasion (default day; weeks start on\n"},
    {0, "                       Monday); order (needs --order-col): every order is an occasion\n"},
    {0, "  --date-format FMT    dates in another layout, e.g. '%m/%d/%Y %H:%M' (7/10/2011 17:45):\n"},
    {0, "                       %Y year, %y 2-digit year (69-99: 19xx), %m %d %H %M %S (1 or 2\n"},
    {0, "                       digits), %f fraction of a second, %z UTC offset, %% a '%';\n"},
    {0, "                       other characters match themselves\n"},
    {0, "  --skip-invalid       skip rows with a blank customer id, a bad date, amount,\n"},
    {0, "                       quantity, price or cost, or a wrong number of fields, and\n"},
    {0, "                       print a count per reason (default: stop at the first one,\n"},
    {0, "                       naming file:line:column)\n"},
    {CLI_HELP_NO_TIME_UNIT, "  --time-unit day|week unit of recency, T and duration_holdout (default day;\n"},
    {CLI_HELP_NO_TIME_UNIT, "                       week = days/7, fractional)\n"},
    {CLI_HELP_NO_OUTPUT, "  -o, --output FILE    output file (default stdout); written to a temporary file\n"},
    {CLI_HELP_NO_OUTPUT, "                       and renamed when complete\n"},
    {CLI_HELP_NO_FORMAT, "  --format csv|json    output format (default csv)\n"},
    {CLI_HELP_NO_OUTPUT, "  -q, --quiet          no notes on stderr\n"},
    {0, "  --threads N          threads for the library's parallel steps (default: the\n"},
    {0, "                       number of online cores; 1: all on one thread); the output\n"},
    {0, "                       is the same, byte for byte, for every N\n"},
    {0, "\n"},
    {0, "Dates: YYYY-MM-DD, YYYYMMDD, or YYYY-MM-DD HH:MM[:SS[.fff]] ('T' separator, and a\n"},
    {0, "final 'Z' or UTC offset +HH:MM / +HHMM / +HH allowed: converted to UTC), or the\n"},
    {0, "layout of --date-format; time of day becomes a fraction of a day. A DATE given on\n"},
    {0, "the command line is YYYY-MM-DD (or the --date-format layout) and means the start\n"},
    {0, "(00:00) of that day.\n"},
    {0, "Numbers: plain decimals ('12.50', '-3', '1e3'); NaN and Inf are rejected. Money\n"},
    {0, "and times are printed without float noise: sums are rounded to the most decimals\n"},
    {0, "of the input values, times to the input's resolution (whole seconds); other\n"},
    {0, "values in the shortest form that reads back exactly.\n"},
    {0, "Ids: if every customer and referrer id is an integer (int64) the ids are numeric\n"},
    {0, "and output is sorted by value ('17850.0', as spreadsheets write ids, is the\n"},
    {0, "integer 17850). Otherwise ids are text: output is sorted by the byte-wise order\n"},
    {0, "of the text, and the original text is written back; bytes that are not UTF-8\n"},
    {0, "are read as Latin-1 in the output (CSV and JSON alike).\n"},
    {0, "Quoting follows RFC 4180 (\"a,b\" and \"\" escapes); a UTF-8 BOM, CRLF line ends and\n"},
    {0, "blank lines are accepted. Blanks around fields are ignored. UTF-16 files are\n"},
    {0, "refused (save as UTF-8). Compressed files: decompress into --input -, e.g.\n"},
    {0, "  zcat sales.csv.gz | cva summary --input - ...\n"},
};

void cli_input_help_print(FILE *fp, unsigned omit)
{
    size_t k;
    for (k = 0; k < sizeof input_help / sizeof input_help[0]; k++)
        if (!(input_help[k].omit_with & omit))
            fputs(input_help[k].text, fp);
}

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
    if ((m = OPT("--date-format")) != 0) {
        const char *why = NULL;
        if (m < 0)
            return m;
        if (cli_date_format_check(v, &why) != 0)
            return -cli_fail(err, CLI_EXIT_USAGE, "option --date-format: \"%s\" %s", v, why);
        o->date_format = v;
        return 1;
    }
    if (cli_match_flag(argv, *i, "--skip-invalid")) {
        o->skip_invalid = 1;
        return 1;
    }
    if ((m = OPT("--occasion")) != 0) {
        if (m < 0)
            return m;
        if (strcmp(v, "order") == 0)
            o->occasion = CLI_OCC_ORDER;
        else if (strcmp(v, "day") == 0)
            o->occasion = CLI_OCC_DAY;
        else if (strcmp(v, "week") == 0)
            o->occasion = CLI_OCC_WEEK;
        else if (strcmp(v, "month") == 0)
            o->occasion = CLI_OCC_MONTH;
        else
            return -cli_fail(err, CLI_EXIT_USAGE, "option --occasion: \"%s\" is not day, week, month or order",
                             v);
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
    if ((m = OPT("--threads")) != 0) {
        if (m < 0 || cli_threads_set(v, err))
            return -err->code;
        return 1;
    }
#undef OPT
    return 0;
}

static int parse_opt_date(const char *opt, const char *text, const char *fmt, double *days, cli_err *err)
{
    int st = cli_parse_date(text, strlen(text), days, NULL);
    if (st != CLI_DATE_OK && fmt) {
        int st2 = cli_parse_date_fmt(fmt, text, strlen(text), days, NULL, NULL);
        if (st2 == CLI_DATE_OK || st2 == CLI_DATE_RANGE)
            st = st2;
    }
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
    if (o->end && parse_opt_date("--end", o->end, o->date_format, &o->end_days, err))
        return err->code;
    if (o->cal_end && parse_opt_date("--calibration-end", o->cal_end, o->date_format, &o->cal_days, err))
        return err->code;
    if (o->col_given[CLI_COL_QUANTITY] != o->col_given[CLI_COL_PRICE])
        return cli_fail(err, CLI_EXIT_USAGE, "%s needs %s too (amount = quantity x price)",
                        o->col_given[CLI_COL_QUANTITY] ? "--quantity-col" : "--price-col",
                        o->col_given[CLI_COL_QUANTITY] ? "--price-col" : "--quantity-col");
    if (o->col_given[CLI_COL_QUANTITY] && o->col_given[CLI_COL_AMOUNT])
        return cli_fail(err, CLI_EXIT_USAGE, "give either --amount-col or --quantity-col with --price-col, not both");
    if (o->occasion == CLI_OCC_ORDER && !o->col_given[CLI_COL_ORDER])
        return cli_fail(err, CLI_EXIT_USAGE, "--occasion order needs --order-col COL");
    if (o->end && o->cal_end && o->cal_days > o->end_days)
        return cli_fail(err, CLI_EXIT_USAGE, "--calibration-end %s is after --end %s", o->cal_end, o->end);
    return 0;
}

void cli_txn_input(const cli_txn *tx, cva_txn_input *in)
{
    memset(in, 0, sizeof *in);
    in->struct_size = sizeof *in;
    in->n = tx->n;
    if (tx->n > 0) { /* the library needs non-NULL arrays only when n > 0 */
        in->customer_id = tx->cid;
        in->t = tx->t;
        in->amount = tx->amount;
        in->cost = tx->cost;
        in->referrer_id = tx->ref;
        in->period = tx->period;
    }
}

void cli_txn_free(cli_txn *tx)
{
    free(tx->cid);
    free(tx->t);
    free(tx->amount);
    free(tx->cost);
    free(tx->ref);
    free(tx->period);
    free(tx->ord);
    cli_ids_free(&tx->ids);
    memset(tx, 0, sizeof *tx);
}

static void grow(cli_txn *tx)
{
    size_t nc = tx->cap ? tx->cap * 2 : 4096;
    tx->cid = (int64_t *)cli_xrealloc(tx->cid, nc * sizeof(int64_t));
    tx->t = (double *)cli_xrealloc(tx->t, nc * sizeof(double));
    tx->amount = (double *)cli_xrealloc(tx->amount, nc * sizeof(double));
    if (tx->cost)
        tx->cost = (double *)cli_xrealloc(tx->cost, nc * sizeof(double));
    if (tx->ref)
        tx->ref = (int64_t *)cli_xrealloc(tx->ref, nc * sizeof(int64_t));
    if (tx->ord)
        tx->ord = (int64_t *)cli_xrealloc(tx->ord, nc * sizeof(int64_t));
    tx->cap = nc;
}

typedef struct col_map {
    long idx[CLI_NCOL];    /* field index, -1 if not used */
    char label[CLI_NCOL][112]; /* "'amount'" or "3" for messages */
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

/* The header's columns for a message, each quoted with non-printable bytes escaped. */
static void header_list(const csv_reader *r, char *cols, size_t cap)
{
    size_t j, o2 = 0;
    cols[0] = '\0';
    for (j = 0; j < r->nf && o2 + 64 < cap; j++) {
        char q[64];
        int n;
        cli_quote_field(q, sizeof q, r->f[j].p, r->f[j].len);
        n = snprintf(cols + o2, cap - o2, "%s%s", j ? ", " : "", q);
        if (n < 0)
            break;
        o2 += (size_t)n;
    }
    if (j < r->nf && o2 + 5 < cap)
        memcpy(cols + o2, ", ...", 6);
}

/* A hint when the header is one field that holds another separator. */
static const char *delimiter_hint(const csv_reader *r, int delim)
{
    if (r->nf != 1)
        return "";
    if (delim != ';' && memchr(r->f[0].p, ';', r->f[0].len))
        return " (the header is one column containing ';': give --delimiter ';')";
    if (delim != '\t' && memchr(r->f[0].p, '\t', r->f[0].len))
        return " (the header is one column containing a tab: give --delimiter tab)";
    if (delim != '|' && memchr(r->f[0].p, '|', r->f[0].len))
        return " (the header is one column containing '|': give --delimiter '|')";
    return "";
}

/* Whether column c must be present: customer and date always; amount unless
   quantity x price replaces it or the command needs no amounts; the others when given. */
static int col_required(const cli_input_opts *o, int c)
{
    if (c == CLI_COL_CUSTOMER || c == CLI_COL_DATE)
        return 1;
    if (c == CLI_COL_AMOUNT)
        return o->col_given[c] || (!o->col_given[CLI_COL_QUANTITY] && !o->amount_optional);
    return o->col_given[c];
}

static int col_wanted(const cli_input_opts *o, int c)
{
    if (c == CLI_COL_AMOUNT && o->col_given[CLI_COL_QUANTITY])
        return 0;
    return o->col[c] != NULL;
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
        if (!col_wanted(o, c))
            continue;
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
                return cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s %s: the header has %lu columns%s", name,
                                (unsigned long long)r->row_line, col_option[c], want, (unsigned long)r->nf,
                                delimiter_hint(r, o->delim));
            found = (long)k - 1;
        }
        if (found < 0) {
            char cols[600];
            if (!col_required(o, c))
                continue; /* optional column not present */
            header_list(r, cols, sizeof cols);
            return cli_fail(err, CLI_EXIT_DATA,
                            "%s:%llu: no %s column '%s' in the header (columns: %s); use %s NAME or a "
                            "1-based column number%s",
                            name, (unsigned long long)r->row_line, col_what[c], want, cols, col_option[c],
                            delimiter_hint(r, o->delim));
        }
        m->idx[c] = found;
        snprintf(m->label[c], sizeof m->label[c], "'%s'", want);
        if (is_all_digits(want) && (size_t)found + 1 == strtoul(want, NULL, 10)) {
            char q[64];
            cli_quote_field(q, sizeof q, r->f[found].p, r->f[found].len);
            snprintf(m->label[c], sizeof m->label[c], "%lu (%s)", (unsigned long)found + 1, q);
        }
    }
    return 0;
}

static int resolve_positions(const cli_input_opts *o, col_map *m, cli_err *err)
{
    static const char *const pos_default[CLI_NCOL] = {"1", "2", "3", NULL, NULL, NULL, NULL, NULL};
    int c;
    for (c = 0; c < CLI_NCOL; c++) {
        const char *spec = o->col_given[c] ? o->col[c] : pos_default[c];
        unsigned long k;
        if (!col_wanted(o, c) || (c == CLI_COL_AMOUNT && !col_required(o, c)))
            spec = NULL;
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

int cli_csv_fail(cli_err *err, const char *name, const csv_reader *r)
{
    if (r->err_errno)
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", name, strerror(r->err_errno));
    return cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: %s", name, (unsigned long long)r->err_line,
                    (unsigned long)r->err_col, r->err);
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

/* A money field (amount, cost, quantity, price): 0 or the message of the problem. */
static const char *parse_money(const csv_reader *r, long idx, int c, double *out, cli_decimal *dec)
{
    int st = cli_parse_double_ex(r->f[idx].p, r->f[idx].len, out, dec);
    if (st == CLI_NUM_OK)
        return NULL;
    if (st == CLI_NUM_EMPTY) {
        if (c == CLI_COL_COST) {
            *out = 0.0;
            dec->exact = 1;
            dec->mant = 0;
            dec->exp10 = 0;
            dec->neg = 0;
            dec->decimals = 0;
            return NULL;
        }
        return c == CLI_COL_QUANTITY ? "empty quantity" : c == CLI_COL_PRICE ? "empty price" : "empty amount";
    }
    if (st == CLI_NUM_NONFINITE)
        return c == CLI_COL_COST ? "non-finite cost" : c == CLI_COL_QUANTITY ? "non-finite quantity"
               : c == CLI_COL_PRICE ? "non-finite price" : "non-finite amount";
    return c == CLI_COL_COST       ? "bad cost (expected a decimal number)"
           : c == CLI_COL_QUANTITY ? "bad quantity (expected a decimal number)"
           : c == CLI_COL_PRICE    ? "bad price (expected a decimal number)"
                                   : "bad amount (expected a decimal number)";
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

int cli_refuse_utf16(const csv_reader *r, const char *name, cli_err *err)
{
    const char *u16 = csv_utf16_kind(r);
    if (!u16)
        return 0;
    return cli_fail(err, CLI_EXIT_DATA,
                    "%s: the file looks like %s, not UTF-8 or ASCII text: save it as UTF-8 CSV "
                    "(e.g. iconv -f UTF-16 -t UTF-8)",
                    name, u16);
}

/* ---- --order-col: merge the rows of one (customer, order) ---- */

static uint64_t mix2(int64_t a, int64_t b)
{
    uint64_t x = (uint64_t)a * UINT64_C(0x9E3779B97F4A7C15) ^ ((uint64_t)b + UINT64_C(0x632BE59BD9B4E019));
    x ^= x >> 31;
    x *= UINT64_C(0xBF58476D1CE4E5B9);
    x ^= x >> 29;
    return x;
}

static const double *sort_t;

static int cmp_by_time(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_t[x] < sort_t[y])
        return -1;
    if (sort_t[x] > sort_t[y])
        return 1;
    return x < y ? -1 : x > y;
}

/* Rows of one customer's order become one row (input order of first appearance):
   amount and cost summed, the earliest time, the first row's referrer. With
   --occasion order every merged row is given its own period, in time order. */
static void merge_orders(cli_txn *tx, int occasion_order)
{
    size_t cap = 16, n = tx->n, i, k = 0;
    size_t *slot;
    double *comp;
    while (cap < 2 * n)
        cap *= 2;
    slot = (size_t *)cli_xmalloc(cap * sizeof(size_t));
    comp = (double *)cli_xmalloc((n ? n : 1) * sizeof(double));
    for (i = 0; i < cap; i++)
        slot[i] = SIZE_MAX;
    for (i = 0; i < n; i++) {
        size_t h = (size_t)mix2(tx->cid[i], tx->ord[i]) & (cap - 1);
        while (slot[h] != SIZE_MAX && !(tx->cid[slot[h]] == tx->cid[i] && tx->ord[slot[h]] == tx->ord[i]))
            h = (h + 1) & (cap - 1);
        if (slot[h] == SIZE_MAX) {
            slot[h] = k;
            tx->cid[k] = tx->cid[i];
            tx->ord[k] = tx->ord[i];
            tx->t[k] = tx->t[i];
            tx->amount[k] = tx->amount[i];
            comp[k] = 0.0;
            if (tx->cost)
                tx->cost[k] = tx->cost[i];
            if (tx->ref)
                tx->ref[k] = tx->ref[i];
            k++;
        } else {
            size_t j = slot[h];
            /* Neumaier summation of the line amounts */
            double s = tx->amount[j], x = tx->amount[i], t = s + x;
            comp[j] += fabs(s) >= fabs(x) ? (s - t) + x : (x - t) + s;
            tx->amount[j] = t;
            if (tx->t[i] < tx->t[j])
                tx->t[j] = tx->t[i];
            if (tx->cost)
                tx->cost[j] += tx->cost[i];
        }
    }
    for (i = 0; i < k; i++)
        tx->amount[i] += comp[i];
    tx->lines_merged = n - k;
    tx->n = k;
    free(slot);
    free(comp);
    if (occasion_order) {
        size_t *ix = (size_t *)cli_xmalloc((k ? k : 1) * sizeof(size_t));
        for (i = 0; i < k; i++)
            ix[i] = i;
        sort_t = tx->t; /* single-threaded tool */
        qsort(ix, k, sizeof(size_t), cmp_by_time);
        sort_t = NULL;
        for (i = 0; i < k; i++)
            tx->period[ix[i]] = (int64_t)i;
        free(ix);
    }
}

static void skip_note(const cli_txn *tx, const char *name)
{
    uint64_t total = 0;
    int k;
    for (k = 0; k < CLI_NSKIP; k++)
        total += tx->skipped[k];
    if (!total)
        return;
    cli_note("--skip-invalid: %llu of %llu rows skipped", (unsigned long long)total,
             (unsigned long long)tx->rows_read);
    for (k = 0; k < CLI_NSKIP; k++)
        if (tx->skipped[k])
            cli_note("  %llu with %s (first: %s:%llu)", (unsigned long long)tx->skipped[k], skip_what[k], name,
                     (unsigned long long)tx->skip_line[k]);
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
    const int64_t no_ref = CVA_TXN_NO_REFERRER;
    cli_ids ords;
    const int qp = o->col_given[CLI_COL_QUANTITY];

    memset(tx, 0, sizeof *tx);
    cli_ids_init(&tx->ids);
    cli_ids_init(&ords);
    ords.text = 1; /* order ids: an exact-text dictionary (any spelling is its own order) */
    tx->t_min = tx->t_max = (double)NAN;
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
    if ((rc = cli_refuse_utf16(&r, name, err)) != 0)
        goto out;
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
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %s %s, but the first row has %lu fields%s", name,
                              (unsigned long long)r.row_line, col_option[c], m.label[c], (unsigned long)expected,
                              delimiter_hint(&r, o->delim));
                goto out;
            }
    }
    if (m.idx[CLI_COL_COST] >= 0)
        tx->cost = (double *)cli_xmalloc(sizeof(double));
    if (m.idx[CLI_COL_REFERRER] >= 0)
        tx->ref = (int64_t *)cli_xmalloc(sizeof(int64_t));
    if (m.idx[CLI_COL_ORDER] >= 0)
        tx->ord = (int64_t *)cli_xmalloc(sizeof(int64_t));

    for (; st == CSV_ROW; st = csv_next(&r)) {
        size_t i = tx->n;
        const csv_field *f = r.f;
        int dst, has_time = 0, is, fd = 0, bad = -1;
        int64_t idv;
        long bad_col = 0;
        const char *why = NULL;
        double amount = 0.0, cost = 0.0, t = 0.0;
        cli_decimal da, db;

        tx->rows_read++;
        if (r.nf != expected) {
            size_t col = (r.nf < expected ? r.nf : expected) + 1;
            if (o->skip_invalid) {
                bad = CLI_SKIP_FIELDS;
                goto skip;
            }
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, expected %lu (as in the %s)%s", name,
                          (unsigned long long)r.row_line, (unsigned long)col, (unsigned long)r.nf,
                          (unsigned long)expected, o->no_header ? "first row" : "header",
                          o->no_header ? "" : "; --skip-invalid skips such rows");
            goto out;
        }
        /* check every field before anything is stored */
        {
            const char *p;
            size_t len;
            csv_field_trim(&f[m.idx[CLI_COL_CUSTOMER]], &p, &len);
            if (len == 0) {
                bad = CLI_SKIP_ID, bad_col = m.idx[CLI_COL_CUSTOMER], why = "empty customer id";
                goto bad_row;
            }
            if (m.idx[CLI_COL_ORDER] >= 0) {
                csv_field_trim(&f[m.idx[CLI_COL_ORDER]], &p, &len);
                if (len == 0) {
                    bad = CLI_SKIP_ORDER, bad_col = m.idx[CLI_COL_ORDER], why = "empty order id";
                    goto bad_row;
                }
            }
        }
        {
            long k = m.idx[CLI_COL_DATE];
            dst = o->date_format
                      ? cli_parse_date_fmt(o->date_format, f[k].p, f[k].len, &t, &has_time, &fd)
                      : cli_parse_date_ex(f[k].p, f[k].len, &t, &has_time, &fd);
            if (dst != CLI_DATE_OK) {
                bad = CLI_SKIP_DATE, bad_col = k;
                why = dst == CLI_DATE_EMPTY   ? "empty date"
                      : dst == CLI_DATE_RANGE ? "impossible date"
                      : o->date_format        ? "date not in the --date-format layout"
                                              : "bad date (expected YYYY-MM-DD, YYYYMMDD or YYYY-MM-DD HH:MM:SS; "
                                                "other layouts: --date-format)";
                goto bad_row;
            }
        }
        if (qp) {
            double q = 0.0, pr = 0.0;
            if ((why = parse_money(&r, m.idx[CLI_COL_QUANTITY], CLI_COL_QUANTITY, &q, &da)) != NULL) {
                bad = CLI_SKIP_AMOUNT, bad_col = m.idx[CLI_COL_QUANTITY];
                goto bad_row;
            }
            if ((why = parse_money(&r, m.idx[CLI_COL_PRICE], CLI_COL_PRICE, &pr, &db)) != NULL) {
                bad = CLI_SKIP_AMOUNT, bad_col = m.idx[CLI_COL_PRICE];
                goto bad_row;
            }
            if (cli_decimal_mul(&da, &db, q, pr, &amount) != CLI_NUM_OK) {
                bad = CLI_SKIP_AMOUNT, bad_col = m.idx[CLI_COL_PRICE], why = "quantity x price overflows at";
                goto bad_row;
            }
            {
                int dd = da.decimals + db.decimals;
                if (dd > tx->money_dec)
                    tx->money_dec = dd > CLI_DEC_UNKNOWN ? CLI_DEC_UNKNOWN : dd;
            }
        } else if (m.idx[CLI_COL_AMOUNT] >= 0) {
            if ((why = parse_money(&r, m.idx[CLI_COL_AMOUNT], CLI_COL_AMOUNT, &amount, &da)) != NULL) {
                bad = CLI_SKIP_AMOUNT, bad_col = m.idx[CLI_COL_AMOUNT];
                goto bad_row;
            }
            if (da.decimals > tx->money_dec)
                tx->money_dec = da.decimals;
        }
        if (m.idx[CLI_COL_COST] >= 0) {
            if ((why = parse_money(&r, m.idx[CLI_COL_COST], CLI_COL_COST, &cost, &db)) != NULL) {
                bad = CLI_SKIP_COST, bad_col = m.idx[CLI_COL_COST];
                goto bad_row;
            }
            if (db.decimals > tx->cost_dec)
                tx->cost_dec = db.decimals;
        }
        if (tx->ref && !tx->ids.text) {
            int64_t v;
            long k = m.idx[CLI_COL_REFERRER];
            if (cli_parse_int64(f[k].p, f[k].len, &v, NULL) == CLI_NUM_OK && v == CVA_TXN_NO_REFERRER) {
                bad = CLI_SKIP_REFERRER, bad_col = k;
                why = "referrer id -9223372036854775808 is reserved for 'no referrer':";
                goto bad_row;
            }
        }

        /* store */
        if (i == tx->cap)
            grow(tx);
        tx->t[i] = t;
        tx->amount[i] = amount;
        if (tx->cost)
            tx->cost[i] = cost;
        if (fd > tx->time_frac)
            tx->time_frac = fd;
        tx->has_time |= has_time;
        if (!(t >= tx->t_min))
            tx->t_min = t;
        if (!(t <= tx->t_max))
            tx->t_max = t;
        /* customer id */
        is = cli_ids_add(&tx->ids, f[m.idx[0]].p, f[m.idx[0]].len, &idv);
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
        if (tx->ref) {
            long k = m.idx[CLI_COL_REFERRER];
            is = cli_ids_add(&tx->ids, f[k].p, f[k].len, &idv);
            if (is == CLI_IDS_EMPTY) {
                idv = CVA_TXN_NO_REFERRER;
            } else if (is == CLI_IDS_TOO_MANY) {
                rc = field_error(err, name, &r, k, &m, 4, "too many distinct ids at");
                goto out;
            } else if (is == CLI_IDS_SWITCHED) {
                cli_ids_convert(&tx->ids, tx->cid, i + 1, NULL);
                /* the current row's customer was added in numeric mode: converted above */
                cli_ids_convert(&tx->ids, tx->ref, i, &no_ref);
            }
            tx->ref[i] = idv;
        }
        if (tx->ord) {
            long k = m.idx[CLI_COL_ORDER];
            if (cli_ids_add(&ords, f[k].p, f[k].len, &tx->ord[i]) == CLI_IDS_TOO_MANY) {
                rc = field_error(err, name, &r, k, &m, CLI_COL_ORDER, "too many distinct order ids at");
                goto out;
            }
        }
        tx->n = i + 1;
        tx->rows_kept++;
        if (show_progress && (tx->n & 0xffff) == 0 && r.bytes >= next_report) {
            progress(name, &r, tx->n, 0);
            shown = 1;
            next_report = r.bytes + ((uint64_t)64 << 20);
        }
        continue;
    bad_row:
        if (!o->skip_invalid) {
            char q[64];
            const char *hint = bad == CLI_SKIP_ID || bad == CLI_SKIP_ORDER ? "; --skip-invalid skips such rows" : "";
            cli_quote_field(q, sizeof q, r.f[bad_col].p, r.f[bad_col].len);
            if (bad == CLI_SKIP_ID || bad == CLI_SKIP_ORDER)
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s in column %s%s", name,
                              (unsigned long long)r.row_line, bad_col + 1, why, m.label[bad == CLI_SKIP_ID ? 0 : CLI_COL_ORDER],
                              hint);
            else
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s in column %s", name,
                              (unsigned long long)r.row_line, bad_col + 1, why, q,
                              m.label[bad == CLI_SKIP_DATE ? CLI_COL_DATE
                                      : bad == CLI_SKIP_COST ? CLI_COL_COST
                                      : bad == CLI_SKIP_REFERRER ? CLI_COL_REFERRER
                                      : qp ? (bad_col == m.idx[CLI_COL_QUANTITY] ? CLI_COL_QUANTITY : CLI_COL_PRICE)
                                           : CLI_COL_AMOUNT]);
            goto out;
        }
    skip:
        if (!tx->skipped[bad]++)
            tx->skip_line[bad] = r.row_line;
    }
    if (st == CSV_ERR) {
        rc = csv_error(err, name, &r);
        goto out;
    }
    if (o->no_header && tx->rows_read == 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty input", name);
        goto out;
    }
    if (o->cal_end && !o->end && tx->n > 0 && o->cal_days > tx->t_max) {
        char last[24];
        cli_format_date(tx->t_max, last);
        rc = cli_fail(err, CLI_EXIT_USAGE,
                      "--calibration-end %s is after the end of the data %s (the default --end is the latest "
                      "date); give an earlier --calibration-end, or --end",
                      o->cal_end, last);
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
        if (tx->ord)
            merge_orders(tx, o->occasion == CLI_OCC_ORDER);
        if (o->occasion != CLI_OCC_ORDER)
            for (i = 0; i < tx->n; i++)
                tx->period[i] = cli_period_of(tx->t[i], o->occasion);
        free(tx->ord);
        tx->ord = NULL;
    }
out:
    if (shown)
        progress(name, &r, tx->n, 1);
    csv_free(&r);
    cli_ids_free(&ords);
    if (rc)
        cli_txn_free(tx); /* nothing half-loaded survives an error */
    else {
        tx->bytes = r.bytes;
        skip_note(tx, name);
    }
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

double cli_txn_money(const cli_txn *tx, double v)
{
    return cli_clean_sum(v, tx->money_dec);
}

double cli_txn_money_mean(const cli_txn *tx, double v, double count)
{
    return cli_clean_mean(v, count, tx->money_dec);
}

double cli_txn_cost(const cli_txn *tx, double v)
{
    return cli_clean_sum(v, tx->cost_dec);
}

double cli_txn_time(const cli_txn *tx, double v, double unit_days)
{
    return cli_clean_time(v, unit_days, tx->time_frac);
}

size_t cli_txn_json_rows(const cli_txn *tx, const cli_input_opts *o, char *buf, size_t cap)
{
    size_t off = 0;
    uint64_t skipped = 0;
    int k, n;
    for (k = 0; k < CLI_NSKIP; k++)
        skipped += tx->skipped[k];
    n = snprintf(buf, cap, "\"rows\": %llu,\n  ", (unsigned long long)tx->rows_kept);
    off = n > 0 ? (size_t)n : 0;
    if (o->skip_invalid && off < cap) {
        n = snprintf(buf + off, cap - off, "\"rows_skipped\": %llu,\n  ", (unsigned long long)skipped);
        off += n > 0 ? (size_t)n : 0;
    }
    if (o->col_given[CLI_COL_ORDER] && off < cap) {
        n = snprintf(buf + off, cap - off, "\"orders\": %lu,\n  ", (unsigned long)tx->n);
        off += n > 0 ? (size_t)n : 0;
    }
    return off < cap ? off : cap - 1;
}
