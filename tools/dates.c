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

/* Days (with the fraction of the day) of a checked civil date and a time of day in
   seconds that may lie outside [0, 86400) after a UTC offset: the same normalised form
   as Python's timedelta (whole days, then the seconds of the day / 86400). */
static double day_time(int64_t y, int mo, int d, int64_t secs, double frac)
{
    int64_t day = cli_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t q = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    day += q;
    secs -= q * 86400;
    return (double)day + ((double)secs + frac) / 86400.0;
}

/* UTC offset at s[*i]: 'Z', or [+-]HH[:MM] / [+-]HHMM; *off in seconds east of UTC.
   Returns 0 (nothing there), 1 (parsed), -1 (malformed), -2 (out of range). */
static int parse_offset(const char *s, size_t len, size_t *i, int64_t *off)
{
    size_t k = *i;
    int sign, hh, mm = 0;
    if (k >= len)
        return 0;
    if (s[k] == 'Z' || s[k] == 'z') {
        *off = 0;
        *i = k + 1;
        return 1;
    }
    if (s[k] != '+' && s[k] != '-')
        return 0;
    sign = s[k] == '-' ? -1 : 1;
    k++;
    if (k + 2 > len || (hh = digits(s + k, 2)) < 0)
        return -1;
    k += 2;
    if (k < len && s[k] == ':') {
        if (k + 3 > len || (mm = digits(s + k + 1, 2)) < 0)
            return -1;
        k += 3;
    } else if (k + 2 <= len && digits(s + k, 2) >= 0) {
        mm = digits(s + k, 2);
        k += 2;
    }
    if (hh > 23 || mm > 59)
        return -2;
    *off = sign * (int64_t)(hh * 3600 + mm * 60);
    *i = k;
    return 1;
}

int cli_parse_date_ex(const char *s, size_t len, double *days, int *has_time, int *frac_digits)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    double frac = 0.0;
    size_t i, nd = 0;
    int timed = 0;
    int64_t off = 0;

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
            /* [T ]HH:MM[:SS[.fff]][Z|+HH:MM|+HHMM|+HH] */
            int os;
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
            os = parse_offset(s, len, &i, &off);
            if (os == -1 || (os != -2 && i != len))
                return CLI_DATE_SYNTAX;
            if (hh > 23 || mi > 59 || ss > 60 || os == -2)
                return CLI_DATE_RANGE;
            timed = 1;
        }
    } else {
        return CLI_DATE_SYNTAX;
    }
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return CLI_DATE_RANGE;
    if (timed)
        *days = day_time(y, mo, d, (int64_t)(hh * 3600 + mi * 60 + ss) - off, frac);
    else
        *days = (double)cli_days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (has_time)
        *has_time = timed;
    if (frac_digits)
        *frac_digits = (int)nd;
    return CLI_DATE_OK;
}

int cli_parse_date(const char *s, size_t len, double *days, int *has_time)
{
    return cli_parse_date_ex(s, len, days, has_time, NULL);
}

int cli_date_format_check(const char *fmt, const char **why)
{
    int have_y = 0, have_m = 0, have_d = 0, have_s = 0, have_f = 0, have_z = 0, have_h = 0, have_mi = 0;
    const char *p;
    for (p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        switch (*p) {
        case 'Y':
        case 'y':
            have_y++;
            break;
        case 'm':
            have_m++;
            break;
        case 'd':
            have_d++;
            break;
        case 'H':
            have_h++;
            break;
        case 'M':
            have_mi++;
            break;
        case 'S':
            have_s++;
            break;
        case 'f':
            have_f++;
            break;
        case 'z':
            have_z++;
            break;
        case '%':
            break;
        case '\0':
            *why = "ends with a lone '%'";
            return -1;
        default:
            *why = "unknown directive (use %Y %y %m %d %H %M %S %f %z %%)";
            return -1;
        }
    }
    if (have_y != 1 || have_m != 1 || have_d != 1) {
        *why = "needs exactly one year (%Y or %y), one %m and one %d";
        return -1;
    }
    if (have_h > 1 || have_mi > 1 || have_s > 1 || have_f > 1 || have_z > 1) {
        *why = "a directive appears twice";
        return -1;
    }
    if ((have_mi && !have_h) || (have_s && !have_mi) || (have_f && !have_s)) {
        *why = "%M needs %H, %S needs %M, %f needs %S";
        return -1;
    }
    return 0;
}

/* up to @p maxd digits (at least @p mind) at s[*i]; -1 if fewer */
static int take_digits(const char *s, size_t len, size_t *i, int mind, int maxd)
{
    int v = 0, n = 0;
    while (*i < len && n < maxd && (unsigned)(unsigned char)s[*i] - '0' <= 9) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n >= mind ? v : -1;
}

int cli_parse_date_fmt(const char *fmt, const char *s, size_t len, double *days, int *has_time,
                       int *frac_digits)
{
    int y = -1, mo = -1, d = -1, hh = 0, mi = 0, ss = 0, timed = 0, nd = 0;
    double frac = 0.0;
    int64_t off = 0;
    size_t i = 0;
    const char *p;

    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return CLI_DATE_EMPTY;
    for (p = fmt; *p; p++) {
        if (*p != '%' || p[1] == '%') {
            if (*p == '%')
                p++;
            if (i >= len || s[i] != *p)
                return CLI_DATE_SYNTAX;
            i++;
            continue;
        }
        p++;
        switch (*p) {
        case 'Y':
            y = take_digits(s, len, &i, 4, 4);
            break;
        case 'y':
            y = take_digits(s, len, &i, 2, 2);
            if (y >= 0) /* POSIX and Python: 69-99 -> 1969-1999, 00-68 -> 2000-2068 */
                y += y < 69 ? 2000 : 1900;
            break;
        case 'm':
            mo = take_digits(s, len, &i, 1, 2);
            if (mo < 0)
                return CLI_DATE_SYNTAX;
            break;
        case 'd':
            d = take_digits(s, len, &i, 1, 2);
            if (d < 0)
                return CLI_DATE_SYNTAX;
            break;
        case 'H':
            hh = take_digits(s, len, &i, 1, 2);
            timed = 1;
            if (hh < 0)
                return CLI_DATE_SYNTAX;
            break;
        case 'M':
            mi = take_digits(s, len, &i, 1, 2);
            if (mi < 0)
                return CLI_DATE_SYNTAX;
            break;
        case 'S':
            ss = take_digits(s, len, &i, 1, 2);
            if (ss < 0)
                return CLI_DATE_SYNTAX;
            break;
        case 'f': {
            double scale = 0.1;
            while (i < len && nd < 9 && (unsigned)(unsigned char)s[i] - '0' <= 9) {
                frac += scale * (double)(s[i] - '0');
                scale *= 0.1;
                i++;
                nd++;
            }
            if (nd == 0)
                return CLI_DATE_SYNTAX;
            break;
        }
        case 'z': {
            int os = parse_offset(s, len, &i, &off);
            if (os == 0 || os == -1)
                return CLI_DATE_SYNTAX;
            if (os == -2)
                return CLI_DATE_RANGE;
            timed = 1;
            break;
        }
        default:
            return CLI_DATE_SYNTAX; /* not reached after cli_date_format_check() */
        }
        if (y == -1 && (*p == 'Y' || *p == 'y'))
            return CLI_DATE_SYNTAX;
    }
    if (i != len)
        return CLI_DATE_SYNTAX;
    if (y < 0 || mo < 0 || d < 0)
        return CLI_DATE_SYNTAX;
    if (hh > 23 || mi > 59 || ss > 60)
        return CLI_DATE_RANGE;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return CLI_DATE_RANGE;
    if (timed)
        *days = day_time(y, mo, d, (int64_t)(hh * 3600 + mi * 60 + ss) - off, frac);
    else
        *days = (double)cli_days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (has_time)
        *has_time = timed;
    if (frac_digits)
        *frac_digits = nd;
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
