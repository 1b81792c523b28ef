/*
 * cva command-line tool: calendar dates.
 * SPDX-License-Identifier: MIT
 *
 * Day numbers use the era-based civil calendar arithmetic (400-year cycles of
 * 146097 days), valid for every int64 year range used here.
 */
#include "dates.h"

#include <math.h>
#include <stdio.h>

int64_t cli_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;                                                  /* [0, 399] */
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1; /* [0, 365] */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void cli_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp, yy;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

/* n decimal digits at s; returns -1 if any is not a digit */
static int digits(const char *s, int n)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (c > 9)
            return -1;
        v = v * 10 + (int)c;
    }
    return v;
}

int cli_parse_date(const char *s, size_t len, double *days, int *has_time)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    double frac = 0.0;
    size_t i;
    int timed = 0;

    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return CLI_DATE_EMPTY;

    if (len == 8) {
        y = digits(s, 4);
        mo = digits(s + 4, 2);
        d = digits(s + 6, 2);
        if (y < 0 || mo < 0 || d < 0)
            return CLI_DATE_SYNTAX;
    } else if (len >= 10 && s[4] == '-' && s[7] == '-') {
        y = digits(s, 4);
        mo = digits(s + 5, 2);
        d = digits(s + 8, 2);
        if (y < 0 || mo < 0 || d < 0)
            return CLI_DATE_SYNTAX;
        if (len > 10) {
            /* [T ]HH:MM[:SS[.fff]][Z] */
            if (len < 16 || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || s[13] != ':')
                return CLI_DATE_SYNTAX;
            hh = digits(s + 11, 2);
            mi = digits(s + 14, 2);
            if (hh < 0 || mi < 0)
                return CLI_DATE_SYNTAX;
            i = 16;
            if (i < len && s[i] == ':') {
                if (i + 3 > len || (ss = digits(s + i + 1, 2)) < 0)
                    return CLI_DATE_SYNTAX;
                i += 3;
                if (i < len && (s[i] == '.' || s[i] == ',')) {
                    double scale = 0.1;
                    size_t nd = 0;
                    i++;
                    while (i < len && (unsigned)(unsigned char)s[i] - '0' <= 9) {
                        frac += scale * (double)(s[i] - '0');
                        scale *= 0.1;
                        i++;
                        nd++;
                    }
                    if (nd == 0)
                        return CLI_DATE_SYNTAX;
                }
            }
            if (i < len && (s[i] == 'Z' || s[i] == 'z'))
                i++;
            if (i != len)
                return CLI_DATE_SYNTAX;
            if (hh > 23 || mi > 59 || ss > 60)
                return CLI_DATE_RANGE;
            timed = 1;
        }
    } else {
        return CLI_DATE_SYNTAX;
    }
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return CLI_DATE_RANGE;
    {
        double day = (double)cli_days_from_civil(y, (unsigned)mo, (unsigned)d);
        if (timed)
            day += ((double)(hh * 3600 + mi * 60 + ss) + frac) / 86400.0;
        *days = day;
    }
    if (has_time)
        *has_time = timed;
    return CLI_DATE_OK;
}

size_t cli_format_date(double days, char *buf)
{
    int64_t y;
    unsigned m, d;
    double f = floor(days);
    int n;
    if (!(f > -1e12 && f < 1e12)) {
        buf[0] = '\0';
        return 0;
    }
    cli_civil_from_days((int64_t)f, &y, &m, &d);
    if (y >= 0 && y <= 9999) {
        /* fast path, fixed width */
        buf[0] = (char)('0' + y / 1000);
        buf[1] = (char)('0' + y / 100 % 10);
        buf[2] = (char)('0' + y / 10 % 10);
        buf[3] = (char)('0' + y % 10);
        buf[4] = '-';
        buf[5] = (char)('0' + m / 10);
        buf[6] = (char)('0' + m % 10);
        buf[7] = '-';
        buf[8] = (char)('0' + d / 10);
        buf[9] = (char)('0' + d % 10);
        buf[10] = '\0';
        return 10;
    }
    n = snprintf(buf, 16, "%lld-%02u-%02u", (long long)y, m, d);
    return n > 0 ? (size_t)n : 0;
}

int64_t cli_period_of(double days, int occasion)
{
    double f = floor(days);
    int64_t z = (int64_t)f;
    if (occasion == CLI_OCC_WEEK) {
        /* 1970-01-01 was a Thursday: Monday-based weeks are floor((z + 3) / 7) */
        int64_t w = z + 3;
        return w >= 0 ? w / 7 : -((-w + 6) / 7);
    }
    if (occasion == CLI_OCC_MONTH) {
        int64_t y;
        unsigned m, d;
        cli_civil_from_days(z, &y, &m, &d);
        return y * 12 + (int64_t)m - 1;
    }
    return z;
}
