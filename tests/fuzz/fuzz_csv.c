/*
 * Fuzz target for the cva CSV reader, date and number parsers and loader.
 * SPDX-License-Identifier: MIT
 *
 * Invariants: a refused input gives exit code 2, 3 or 4 (never 1, which
 * means out of memory) and a message naming the input; a number or date the
 * parsers accept is finite; a loaded file's summary passes cli_summary_check().
 *
 * Built three ways (tests/fuzz/meson.build):
 *  - with -DCVA_LIBFUZZER and -fsanitize=fuzzer: a libFuzzer target
 *    (LLVMFuzzerTestOneInput only);
 *  - with -DCVA_FUZZ_REPLAY, linked with replay.c: the replay test of the
 *    committed corpus and regression inputs;
 *  - normally (fuzz_csv_smoke): a standalone driver that runs seeded random mutations of a few
 *    seed inputs through the same entry point, plus exactness self-checks of
 *    the number/date parsers and printers:
 *        fuzz_csv [--iterations N] [--seed S]
 *    It exits non-zero on a failed check; memory errors are caught when the
 *    build uses -Db_sanitize=address,undefined.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "csv.h"
#include "cva/cva.h"
#include "dates.h"
#include "input.h"
#include "numbers.h"
#include "summary.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct mem_src {
    const char *p;
    size_t n, pos, chunk;
} mem_src;

static size_t mem_read(void *ctx, char *buf, size_t n, int *error)
{
    mem_src *m = (mem_src *)ctx;
    size_t k = m->n - m->pos;
    (void)error;
    if (k > n)
        k = n;
    if (k > m->chunk)
        k = m->chunk;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_input_opts o;
    cli_err err;
    cli_txn tx;
    mem_src src;
    unsigned mode;
    size_t i;

    cli_quiet = 1;
    if (size < 2)
        return 0;
    mode = data[0];
    cli_input_opts_init(&o);
    o.input = "fuzz";
    o.delim = (mode & 3) == 0 ? ',' : (mode & 3) == 1 ? CSV_DELIM_WHITESPACE : (mode & 3) == 2 ? '\t' : ';';
    o.no_header = (mode >> 2) & 1;
    o.occasion = (int)((mode >> 3) % 3);
    o.skip_invalid = (mode >> 5) & 1;
    if (data[1] & 1)
        o.date_format = (data[1] & 2) ? "%m/%d/%Y %H:%M" : "%d.%m.%y %H:%M:%S.%f%z";
    if (o.no_header && (mode & 0x80) && (data[1] & 4)) {
        /* line-level columns: quantity x price and an order id */
        o.col[CLI_COL_QUANTITY] = "3";
        o.col[CLI_COL_PRICE] = "4";
        o.col[CLI_COL_ORDER] = "5";
        o.col_given[CLI_COL_QUANTITY] = o.col_given[CLI_COL_PRICE] = o.col_given[CLI_COL_ORDER] = 1;
        if (data[1] & 8)
            o.occasion = CLI_OCC_ORDER;
    } else if (!o.no_header && (data[1] & 4)) {
        o.col[CLI_COL_QUANTITY] = "Quantity";
        o.col[CLI_COL_PRICE] = "UnitPrice";
        o.col[CLI_COL_ORDER] = "InvoiceNo";
        o.col[CLI_COL_CUSTOMER] = "CustomerID";
        o.col[CLI_COL_DATE] = "InvoiceDate";
        o.col_given[CLI_COL_QUANTITY] = o.col_given[CLI_COL_PRICE] = o.col_given[CLI_COL_ORDER] = 1;
        o.col_given[CLI_COL_CUSTOMER] = o.col_given[CLI_COL_DATE] = 1;
        if (data[1] & 8)
            o.occasion = CLI_OCC_ORDER;
    }
    if (o.no_header) {
        o.col[CLI_COL_CUSTOMER] = "1";
        o.col[CLI_COL_DATE] = "2";
        o.col[CLI_COL_AMOUNT] = "3";
        o.col_given[0] = o.col_given[1] = o.col_given[2] = 1;
        if (mode & 0x40) {
            o.col[CLI_COL_REFERRER] = "4";
            o.col_given[CLI_COL_REFERRER] = 1;
        }
    }
    memset(&err, 0, sizeof err);
    src.p = (const char *)data + 2;
    src.n = size - 2;
    src.pos = 0;
    src.chunk = (size_t)data[1] % 17 + 1;
    if (data[1] >= 128)
        src.chunk = (size_t)1 << 20;
    if (cli_load_source(&o, mem_read, &src, "fuzz", 0, &tx, &err) == 0) {
        cva_txn_input in;
        cli_summary s;
        cli_txn_input(&tx, &in);
        memset(&err, 0, sizeof err);
        if (cli_summary_run(&in, (double)NAN, (mode & 0x80) && tx.n ? tx.t[0] : (double)NAN, 7.0, &s, &err) == 0) {
            cli_err e2;
            memset(&e2, 0, sizeof e2);
            (void)cli_summary_check(&s, &tx.ids, &e2);
            for (i = 0; i < s.n; i++) {
                char buf[32], q[64];
                size_t len;
                const char *id = cli_ids_text(&tx.ids, s.id[i], buf, &len);
                cli_quote_field(q, sizeof q, id, len);
                (void)cli_txn_money(&tx, s.total_amount[i]);
                (void)cli_txn_money_mean(&tx, s.monetary_value[i], s.frequency[i]);
                (void)cli_txn_time(&tx, s.recency[i], 7.0);
            }
            cli_summary_free(&s);
        }
        cli_txn_free(&tx);
    } else {
        FZ_CHECK(err.code >= 2 && err.code <= 4, "exit code %d: %s", err.code, err.msg);
        FZ_CHECK(strncmp(err.msg, "fuzz", 4) == 0, "the message does not name the input: %s", err.msg);
    }
    /* the field parsers on raw bytes */
    {
        double v;
        int64_t iv;
        int canon, ht;
        size_t n = size - 2 > 64 ? 64 : size - 2;
        if (cli_parse_double((const char *)data + 2, n, &v) == CLI_NUM_OK)
            FZ_CHECK(isfinite(v), "parsed number %g", v);
        (void)cli_parse_int64((const char *)data + 2, n, &iv, &canon);
        if (cli_parse_date((const char *)data + 2, n, &v, &ht) == CLI_DATE_OK)
            FZ_CHECK(isfinite(v), "parsed date %g", v);
        {
            static const char *const fmts[] = {"%m/%d/%Y %H:%M", "%Y%m%d", "%d.%m.%y %H:%M:%S.%f%z", "%%%Y-%m-%dT%H"};
            const char *why;
            cli_decimal da, db;
            double a = 0, b = 0, c;
            int fd;
            (void)cli_parse_date_fmt(fmts[data[1] & 3], (const char *)data + 2, n, &v, &ht, &fd);
            (void)cli_parse_date_ex((const char *)data + 2, n, &v, &ht, &fd);
            if (cli_date_format_check(fmts[data[1] & 3], &why) != 0)
                abort();
            {
                /* the input itself as a format: checked, and then used if accepted */
                char f[65];
                memcpy(f, data + 2, n);
                f[n] = '\0';
                if (strlen(f) == n && cli_date_format_check(f, &why) == 0)
                    (void)cli_parse_date_fmt(f, "7/10/2011 17:45", 15, &v, &ht, &fd);
            }
            if (cli_parse_double_ex((const char *)data + 2, n / 2, &a, &da) == CLI_NUM_OK &&
                cli_parse_double_ex((const char *)data + 2 + n / 2, n - n / 2, &b, &db) == CLI_NUM_OK) {
                (void)cli_decimal_mul(&da, &db, a, b, &c);
                (void)cli_clean_sum(a, da.decimals);
                (void)cli_clean_mean(a, b, da.decimals);
                (void)cli_clean_time(a, b, db.decimals);
            }
            (void)cli_utf8_valid((const char *)data + 2, n);
        }
    }
    return 0;
}

#if !defined(CVA_LIBFUZZER) && !defined(CVA_FUZZ_REPLAY)

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static const char *const seeds[] = {
    "\xEF\xBB\xBFInvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n"
    "536365,85123A,\"WHITE HANGING, HEART\",6,12/1/2010 8:26,2.55,17850.0,United Kingdom\r\n"
    "C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527.0,United Kingdom\r\n"
    "536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,,United Kingdom\r\n"
    "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00+01:00,3.39,17850.0,United Kingdom\r\n",
    "1 2010-12-01 6 2.55 536365\n1 2010-12-01 -6 2.55 C536365\n2 2010-12-02T10:00Z 1e2 1e-3 7\n",
    "\xFF\xFE" "c,d\n1,2\n",
    "customer_id;date;amount\n\xe9t\xe9,2024-01-01,1\n",
    "customer_id,date,amount,cost,referrer_id\n1,2024-01-01,10.50,1,\n2,2024-01-02,5,0.5,1\n"
    "1,2024-01-08,-3.25,0,\nC-7,2024-02-01 10:30:00,7e1,0,2\n",
    "\xEF\xBB\xBF\"customer_id\",\"date\",\"amount\"\r\n\"a,b\",20240101,\"1.5\"\r\n\"x\"\"y\",2024-01-02T23:59:59.5Z,"
    "2\r\n",
    "   00004   00001 19970101 2 29.33\r\n   00004   00001 19970118 2 29.73\r\n   00018   00002 19970102 "
    "2 27.67\r\n",
    "customer_id;date;amount\n9223372036854775807;2000-02-29;0\n-9223372036854775808;1999-12-31;1e-3\n",
    "id\tdate\tamount\n\"multi\nline\"\t2024-03-01\t3\n\n\nq\t2024-03-02\t.5\n",
    "customer_id,date,amount\n",
    "",
};

static size_t mutate(char *buf, size_t len, size_t cap)
{
    static const char specials[] = "\",\n\r\t ;.-+eE0123456789:TZ\xEF\xBB\xBF";
    int k, nmut = 1 + (int)rnd_below(6);
    for (k = 0; k < nmut; k++) {
        size_t pos = rnd_below(len + 1);
        switch (rnd_below(7)) {
        case 0: /* flip a byte */
            if (len)
                buf[rnd_below(len)] = (char)rnd();
            break;
        case 1: /* insert a special */
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = specials[rnd_below(sizeof specials - 1)];
                len++;
            }
            break;
        case 2: { /* delete a range */
            size_t n = rnd_below(8) + 1;
            if (pos + n > len)
                n = len - pos;
            memmove(buf + pos, buf + pos + n, len - pos - n);
            len -= n;
            break;
        }
        case 3: { /* duplicate a range */
            size_t from = rnd_below(len + 1), n = rnd_below(32) + 1;
            if (from + n > len)
                n = len - from;
            if (len + n <= cap) {
                memmove(buf + pos + n, buf + pos, len - pos);
                memmove(buf + pos, buf + (from >= pos ? from + n : from), n);
                len += n;
            }
            break;
        }
        case 4: /* replace with a special */
            if (len)
                buf[rnd_below(len)] = specials[rnd_below(sizeof specials - 1)];
            break;
        case 5: /* truncate */
            len = pos;
            break;
        default: /* replace a digit run by a big number */
            if (len + 20 <= cap) {
                memmove(buf + pos + 20, buf + pos, len - pos);
                memcpy(buf + pos, "99999999999999999999", 20);
                len += 20;
            }
            break;
        }
    }
    return len;
}

static int failures = 0;

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        failures++;
        if (failures < 20)
            fprintf(stderr, "fuzz_csv: FAILED %s: %s\n", what, detail);
    }
}

static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* exactness of the number and date code against the C library */
static void self_checks(unsigned long n)
{
    unsigned long i;
    char buf[64], msg[160];
    for (i = 0; i < n; i++) {
        double v, w;
        size_t len;
        int st;
        /* random money-like decimals and random digit strings vs strtod */
        uint64_t m = rnd() >> (rnd() % 64);
        int dec = (int)rnd_below(25), e = (int)rnd_below(60) - 30;
        if (rnd() & 1)
            snprintf(buf, sizeof buf, "%s%llu.%0*llu", (rnd() & 1) ? "-" : "", (unsigned long long)(m / 1000),
                     dec % 4 + 1, (unsigned long long)(m % 10000) % (dec % 4 == 0 ? 10 : dec % 4 == 1 ? 100 : dec % 4 == 2 ? 1000 : 10000));
        else
            snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)m, e);
        len = strlen(buf);
        st = cli_parse_double(buf, len, &v);
        w = strtod(buf, NULL);
        snprintf(msg, sizeof msg, "parse \"%s\": %.17g vs strtod %.17g", buf, v, w);
        check(st == CLI_NUM_OK && same(v, w), "number parse", msg);
        /* shortest printing reads back exactly */
        {
            union {
                uint64_t u;
                double d;
            } bits;
            bits.u = rnd();
            v = (rnd() & 3) == 0 ? bits.d
                : (rnd() & 1) ? (double)(int64_t)(rnd() % 100000000) / 100.0
                              : (double)(int64_t)(rnd() % 1000) / (double)(10 << (rnd() % 5)) / (rnd() & 1 ? 1 : -1);
            if (isfinite(v)) {
                len = cli_format_double(v, buf);
                w = strtod(buf, NULL);
                snprintf(msg, sizeof msg, "format %.17g -> \"%s\"", v, buf);
                check(len > 0 && same(v, w), "number format", msg);
                check(cli_parse_double(buf, len, &w) == CLI_NUM_OK && same(v, w), "format+parse", msg);
            }
        }
        /* dates: day number -> text -> day number */
        {
            int64_t z = (int64_t)rnd_below(3000000) - 719468, y;
            unsigned mo, d;
            double back;
            cli_civil_from_days(z, &y, &mo, &d);
            check(cli_days_from_civil(y, mo, d) == z, "civil round trip", "");
            if (y >= 0 && y <= 9999) {
                len = cli_format_date((double)z, buf);
                check(cli_parse_date(buf, len, &back, NULL) == CLI_DATE_OK && same(back, (double)z), "date text",
                      buf);
            }
        }
        /* int64 text round trip */
        {
            int64_t iv = (int64_t)rnd(), back;
            int canon = 0;
            len = cli_format_int64(iv, buf);
            check(cli_parse_int64(buf, len, &back, &canon) == CLI_NUM_OK && back == iv && canon, "int64", buf);
        }
    }
    /* fixed cases */
    {
        static const struct {
            const char *s;
            int st;
        } cases[] = {{"", CLI_NUM_EMPTY},   {"  ", CLI_NUM_EMPTY},    {"NaN", CLI_NUM_NONFINITE},
                     {"-inf", CLI_NUM_NONFINITE}, {"1e400", CLI_NUM_NONFINITE}, {"1,5", CLI_NUM_SYNTAX},
                     {".", CLI_NUM_SYNTAX}, {"1e", CLI_NUM_SYNTAX},   {"0x10", CLI_NUM_SYNTAX},
                     {" 12.50 ", CLI_NUM_OK}, {"+.5", CLI_NUM_OK},    {"1e-400", CLI_NUM_OK}};
        size_t k;
        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            double v;
            check(cli_parse_double(cases[k].s, strlen(cases[k].s), &v) == cases[k].st, "number status",
                  cases[k].s);
        }
    }
    {
        static const struct {
            const char *s;
            int st;
            double days;
        } cases[] = {{"1970-01-01", CLI_DATE_OK, 0},          {"19700102", CLI_DATE_OK, 1},
                     {"2000-02-29", CLI_DATE_OK, 11016},       {"1900-02-29", CLI_DATE_RANGE, 0},
                     {"1997-13-01", CLI_DATE_RANGE, 0},        {"1997-04-31", CLI_DATE_RANGE, 0},
                     {"1970-01-01 12:00:00", CLI_DATE_OK, 0.5}, {"1970-01-01T06:00Z", CLI_DATE_OK, 0.25},
                     {"1970-01-01 24:00:00", CLI_DATE_RANGE, 0}, {"1997/01/01", CLI_DATE_SYNTAX, 0},
                     {"97-01-01", CLI_DATE_SYNTAX, 0},         {"1970-01-01 12:00:00+02:00", CLI_DATE_OK, 10.0 / 24.0},
                     {"1970-01-01T01:00-0230", CLI_DATE_OK, 3.5 / 24.0}, {"1970-01-01 00:00+01", CLI_DATE_OK, -1.0 + 23.0 / 24.0},
                     {"1970-01-01 00:00+24:00", CLI_DATE_RANGE, 0}, {"1970-01-01 00:00+2:00", CLI_DATE_SYNTAX, 0},
                     {"1970-01-01+02:00", CLI_DATE_SYNTAX, 0}};
        size_t k;
        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            double v = -1;
            int st = cli_parse_date(cases[k].s, strlen(cases[k].s), &v, NULL);
            check(st == cases[k].st && (st != CLI_DATE_OK || same(v, cases[k].days)), "date case", cases[k].s);
        }
    }
    {
        static const struct {
            const char *fmt, *s;
            int st;
            double days;
        } cases[] = {{"%m/%d/%Y %H:%M", "7/10/2011 17:45", CLI_DATE_OK, 15165.0 + 17.75 / 24.0},
                     {"%m/%d/%Y %H:%M", "12/1/2010 8:26", CLI_DATE_OK, 14944.0 + (8.0 * 60 + 26) / 1440.0},
                     {"%m/%d/%Y %H:%M", "2/30/2011 8:26", CLI_DATE_RANGE, 0},
                     {"%m/%d/%Y %H:%M", "7/10/2011", CLI_DATE_SYNTAX, 0},
                     {"%m/%d/%Y %H:%M", "7/10/2011 17:45x", CLI_DATE_SYNTAX, 0},
                     {"%d.%m.%y", "01.01.70", CLI_DATE_OK, 0}, {"%d.%m.%y", "01.01.68", CLI_DATE_OK, 35794},
                     {"%Y%m%d %H%M%S", "19700101 000001", CLI_DATE_OK, 1.0 / 86400},
                     {"%Y-%m-%d %H:%M:%S%z", "1970-01-01 12:00:00+02:00", CLI_DATE_OK, 10.0 / 24.0},
                     {"%Y-%m-%d %H:%M:%S.%f", "1970-01-01 00:00:00.5", CLI_DATE_OK, 0.5 / 86400},
                     {"%%%Y-%m-%d", "%1970-01-02", CLI_DATE_OK, 1}, {"%Y-%m-%d", "", CLI_DATE_EMPTY, 0}};
        static const char *const bad_fmts[] = {"%Y-%m", "%Y-%m-%d %q", "%Y-%m-%d %", "%Y %Y-%m-%d", "%Y-%m-%d %S"};
        size_t k;
        const char *why;
        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            double v = -1;
            int st = cli_parse_date_fmt(cases[k].fmt, cases[k].s, strlen(cases[k].s), &v, NULL, NULL);
            check(cli_date_format_check(cases[k].fmt, &why) == 0, "format accepted", cases[k].fmt);
            check(st == cases[k].st && (st != CLI_DATE_OK || same(v, cases[k].days)), "date format case", cases[k].s);
        }
        for (k = 0; k < sizeof bad_fmts / sizeof bad_fmts[0]; k++)
            check(cli_date_format_check(bad_fmts[k], &why) != 0, "bad format refused", bad_fmts[k]);
    }
    {
        /* values below 1 keep their "0." (0.975 once printed as "975") */
        static const struct {
            double v;
            const char *s;
        } fmt_cases[] = {{0.5, "0.5"}, {0.975, "0.975"}, {-0.05, "-0.05"}, {0.001, "0.001"}, {10.5, "10.5"},
                         {0.0, "0"}, {-0.0, "-0"}, {100.0, "100"}, {0.123456, "0.123456"}};
        size_t k;
        for (k = 0; k < sizeof fmt_cases / sizeof fmt_cases[0]; k++) {
            char b[40];
            cli_format_double(fmt_cases[k].v, b);
            check(strcmp(b, fmt_cases[k].s) == 0, "format case", fmt_cases[k].s);
        }
    }
    {
        /* money without float noise: exact decimal products and sums */
        cli_decimal a, b;
        double x, y, z;
        check(cli_parse_double_ex("6", 1, &x, &a) == CLI_NUM_OK && cli_parse_double_ex("2.55", 4, &y, &b) == 0 &&
                  cli_decimal_mul(&a, &b, x, y, &z) == CLI_NUM_OK && same(z, 15.3) && a.decimals + b.decimals == 2,
              "6 x 2.55 = 15.3", "");
        check(cli_parse_double_ex("-12", 3, &x, &a) == 0 && cli_parse_double_ex("0.001", 5, &y, &b) == 0 &&
                  cli_decimal_mul(&a, &b, x, y, &z) == 0 && same(z, -0.012) && b.decimals == 3,
              "-12 x 0.001", "");
        check(cli_parse_double_ex("1e300", 5, &x, &a) == 0 && cli_decimal_mul(&a, &a, x, x, &z) == CLI_NUM_NONFINITE,
              "product overflow", "");
        x = 0.0;
        y = 183.86;
        {
            static const double parts[] = {15.3, 20.34, 0.1, 0.2, 147.92};
            size_t k;
            for (k = 0; k < 5; k++)
                x += parts[k];
        }
        cli_format_double(cli_clean_sum(x, 2), buf);
        check(!same(x, y) && same(cli_clean_sum(x, 2), y) && strcmp(buf, "183.86") == 0, "clean sum", buf);
        check(same(cli_clean_mean(183.86 / 3.0 * (1 + 1e-15), 3.0, 2), 183.86 / 3.0), "clean mean", "");
        x = (14944.0 + 9.0 / 24.0) - (14944.0 + 8.0 / 24.0);
        check(!same(x, 1.0 / 24.0) && same(cli_clean_time(x, 1.0, 0), 1.0 / 24.0), "clean time", "");
        check(same(cli_clean_time(x / 7.0, 7.0, 0), 1.0 / 168.0), "clean time in weeks", "");
        check(same(cli_clean_time(0.3, 1.0, 0), 0.3), "time that is no whole second stays", "");
    }
    {
        int64_t v;
        check(cli_parse_int64("9223372036854775808", 19, &v, NULL) == CLI_NUM_RANGE, "int64 overflow", "");
        check(cli_parse_int64("-9223372036854775808", 20, &v, NULL) == CLI_NUM_OK && v == INT64_MIN, "int64 min",
              "");
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* fuzz_csv --read FILE [DELIM|whitespace]: throughput of the reader alone and of the full loader */
static int read_bench(const char *path, const char *delim)
{
    csv_reader r;
    FILE *fp;
    double t0, t1, t2;
    uint64_t rows = 0, bytes;
    cli_input_opts o;
    cli_txn tx;
    cli_err err;
    int d = !delim ? ',' : strcmp(delim, "whitespace") == 0 ? CSV_DELIM_WHITESPACE : delim[0];
    fp = fopen(path, "rb");
    if (!fp)
        return 1;
    t0 = now_s();
    csv_init(&r, csv_read_stdio, fp, d);
    while (csv_next(&r) == CSV_ROW)
        rows++;
    bytes = r.bytes;
    csv_free(&r);
    t1 = now_s();
    rewind(fp);
    cli_input_opts_init(&o);
    o.input = path;
    o.delim = d;
    o.no_header = d == CSV_DELIM_WHITESPACE; /* whitespace files here are headerless, columns 1,2,3 */
    memset(&err, 0, sizeof err);
    if (cli_load_source(&o, csv_read_stdio, fp, path, 0, &tx, &err) != 0) {
        fprintf(stderr, "load failed: %s\n", err.msg);
        fclose(fp);
        return 1;
    }
    t2 = now_s();
    printf("%s: %.1f MB, %llu records\n", path, (double)bytes / 1e6, (unsigned long long)rows);
    printf("  CSV reader alone : %.3f s  %.0f MB/s\n", t1 - t0, (double)bytes / 1e6 / (t1 - t0));
    printf("  full loader      : %.3f s  %.0f MB/s  (ids, dates, numbers, arrays, periods)\n", t2 - t1,
           (double)bytes / 1e6 / (t2 - t1));
    cli_txn_free(&tx);
    fclose(fp);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long iterations = 20000, i;
    uint64_t seed = 12345;
    size_t cap = 1 << 16;
    char *buf = (char *)malloc(cap);
    int a;
    if (argc >= 3 && strcmp(argv[1], "--read") == 0) {
        free(buf);
        return read_bench(argv[2], argc > 3 ? argv[3] : NULL);
    }
    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--iterations") == 0)
            iterations = strtoul(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--seed") == 0)
            seed = strtoull(argv[a + 1], NULL, 10);
    }
    if (!buf)
        return 1;
    rng_state = seed;
    self_checks(iterations);
    for (i = 0; i < iterations; i++) {
        const char *s = seeds[rnd_below(sizeof seeds / sizeof seeds[0])];
        size_t len = strlen(s);
        buf[0] = (char)rnd();
        buf[1] = (char)rnd();
        memcpy(buf + 2, s, len);
        len = 2 + mutate(buf + 2, len, cap - 2);
        if (rnd_below(4) == 0)
            len = 2 + mutate(buf + 2, len - 2, cap - 2);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    free(buf);
    if (failures) {
        fprintf(stderr, "fuzz_csv: %d check(s) failed\n", failures);
        return 1;
    }
    printf("fuzz_csv: %lu mutated inputs and %lu parser self-checks passed (seed %llu)\n", iterations, iterations,
           (unsigned long long)seed);
    return 0;
}

#endif /* !CVA_LIBFUZZER && !CVA_FUZZ_REPLAY */
