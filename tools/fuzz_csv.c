/*
 * Fuzz target for the cva CSV reader, date and number parsers and loader.
 * SPDX-License-Identifier: MIT
 *
 * Built two ways:
 *  - with -DCVA_LIBFUZZER and -fsanitize=fuzzer: a libFuzzer target
 *    (LLVMFuzzerTestOneInput only);
 *  - normally: a standalone driver that runs seeded random mutations of a few
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
        memset(&in, 0, sizeof in);
        in.struct_size = sizeof in;
        in.n = tx.n;
        if (tx.n) {
            in.customer_id = tx.cid;
            in.t = tx.t;
            in.amount = tx.amount;
            in.cost = tx.cost;
            in.referrer_id = tx.ref;
            in.period = tx.period;
        }
        memset(&err, 0, sizeof err);
        if (cli_summary_run(&in, (double)NAN, (mode & 0x80) && tx.n ? tx.t[0] : (double)NAN, 7.0, &s, &err) == 0) {
            for (i = 0; i < s.n; i++) {
                char buf[32];
                size_t len;
                (void)cli_ids_text(&tx.ids, s.id[i], buf, &len);
            }
            cli_summary_free(&s);
        }
        cli_txn_free(&tx);
    }
    /* the field parsers on raw bytes */
    {
        double v;
        int64_t iv;
        int canon, ht;
        size_t n = size - 2 > 64 ? 64 : size - 2;
        (void)cli_parse_double((const char *)data + 2, n, &v);
        (void)cli_parse_int64((const char *)data + 2, n, &iv, &canon);
        (void)cli_parse_date((const char *)data + 2, n, &v, &ht);
    }
    return 0;
}

#ifndef CVA_LIBFUZZER

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
            v = (rnd() & 3) == 0 ? bits.d : (double)(int64_t)(rnd() % 100000000) / 100.0;
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
                     {"97-01-01", CLI_DATE_SYNTAX, 0},         {"1970-01-01 12:00:00+02:00", CLI_DATE_SYNTAX, 0}};
        size_t k;
        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            double v = -1;
            int st = cli_parse_date(cases[k].s, strlen(cases[k].s), &v, NULL);
            check(st == cases[k].st && (st != CLI_DATE_OK || same(v, cases[k].days)), "date case", cases[k].s);
        }
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

#endif /* CVA_LIBFUZZER */
