/*
 * cva command-line tool: number parsing and printing.
 * SPDX-License-Identifier: MIT
 *
 * The tool never calls setlocale(), so strtod()/snprintf() run in the "C"
 * locale; the fast paths below do not depend on the locale at all.
 */
#include "numbers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(char c)
{
    return (unsigned)(unsigned char)c - '0' <= 9;
}

static int lower_eq(const char *s, size_t len, const char *word)
{
    size_t i;
    if (strlen(word) != len)
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

static void trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *s = p;
    *len = n;
}

int cli_parse_double(const char *s, size_t len, double *out)
{
    return cli_parse_double_ex(s, len, out, NULL);
}

int cli_parse_double_ex(const char *s, size_t len, double *out, cli_decimal *dec)
{
    const char *p, *e;
    int neg = 0, exact = 1;
    uint64_t mant = 0;
    int nsig = 0;          /* significant digits taken into mant */
    int64_t exp10 = 0;     /* value = mant * 10^exp10 when exact */
    int ndigits = 0;

    trim(&s, &len);
    if (len == 0)
        return CLI_NUM_EMPTY;
    p = s;
    e = s + len;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    /* integer part */
    for (; p < e && is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        ndigits++;
        if (nsig == 0 && d == 0)
            continue;
        if (nsig < 19) {
            mant = mant * 10 + d;
            nsig++;
        } else {
            exp10++; /* dropped digit */
            if (d)
                exact = 0;
        }
    }
    if (p < e && *p == '.') {
        p++;
        for (; p < e && is_digit(*p); p++) {
            unsigned d = (unsigned)(*p - '0');
            ndigits++;
            if (nsig == 0 && d == 0) {
                exp10--;
                continue;
            }
            if (nsig < 19) {
                mant = mant * 10 + d;
                nsig++;
                exp10--;
            } else if (d) {
                exact = 0;
            }
        }
    }
    if (ndigits == 0) {
        /* NaN / Inf spelled out get their own status */
        const char *w = p;
        size_t wl = (size_t)(e - w);
        if (lower_eq(w, wl, "nan") || lower_eq(w, wl, "inf") || lower_eq(w, wl, "infinity"))
            return CLI_NUM_NONFINITE;
        return CLI_NUM_SYNTAX;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        int64_t ev = 0;
        int nexp = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        for (; p < e && is_digit(*p); p++) {
            if (ev < 100000000)
                ev = ev * 10 + (*p - '0');
            nexp++;
        }
        if (nexp == 0)
            return CLI_NUM_SYNTAX;
        exp10 += eneg ? -ev : ev;
    }
    if (p != e)
        return CLI_NUM_SYNTAX;

    if (dec) {
        dec->mant = exact ? mant : 0;
        dec->exp10 = exp10 < -400 ? -400 : exp10 > 400 ? 400 : (int)exp10;
        dec->neg = neg;
        dec->exact = exact;
        dec->decimals = !exact ? CLI_DEC_UNKNOWN : mant == 0 || exp10 >= 0 ? 0
                        : exp10 < -CLI_DEC_UNKNOWN ? CLI_DEC_UNKNOWN : (int)-exp10;
    }
    if (mant == 0 && exact) {
        *out = neg ? -0.0 : 0.0;
        return CLI_NUM_OK;
    }
    if (exact && mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 >= 0 ? v * pow10_exact[exp10] : v / pow10_exact[-exp10];
        *out = neg ? -v : v;
        return CLI_NUM_OK;
    }
    /* slow path: strtod on a NUL-terminated copy (validated syntax above) */
    {
        char small[128];
        char *buf = small;
        double v;
        if (len >= sizeof small) {
            buf = (char *)malloc(len + 1);
            if (!buf)
                return CLI_NUM_SYNTAX;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        v = strtod(buf, NULL);
        if (buf != small)
            free(buf);
        if (!isfinite(v))
            return CLI_NUM_NONFINITE;
        *out = v;
        return CLI_NUM_OK;
    }
}

int cli_parse_int64(const char *s, size_t len, int64_t *out, int *canonical)
{
    const char *p, *e;
    int neg = 0, canon = 1;
    uint64_t v = 0, lim;
    size_t orig = len;

    trim(&s, &len);
    if (len != orig)
        canon = 0;
    if (len == 0)
        return CLI_NUM_EMPTY;
    p = s;
    e = s + len;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        if (*p == '+')
            canon = 0;
        p++;
    }
    if (p == e)
        return CLI_NUM_SYNTAX;
    if (*p == '0' && e - p > 1)
        canon = 0;
    lim = neg ? (UINT64_C(1) << 63) : (UINT64_C(1) << 63) - 1;
    for (; p < e; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            return CLI_NUM_SYNTAX;
        if (v > (lim - d) / 10) {
            /* keep scanning so "12x" with overflow still reports syntax first */
            for (p++; p < e; p++)
                if (!is_digit(*p))
                    return CLI_NUM_SYNTAX;
            return CLI_NUM_RANGE;
        }
        v = v * 10 + d;
    }
    if (neg && v == 0)
        canon = 0;
    if (neg)
        *out = v == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    if (canonical)
        *canonical = canon;
    return CLI_NUM_OK;
}

size_t cli_format_int64(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0, i = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        buf[i++] = '-';
    while (n)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return i;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

size_t cli_format_double(double v, char *buf)
{
    double a = fabs(v);
    int d;
    /* Fast path: fixed notation with at most 6 decimals. r / 10^d is the correctly
       rounded value of the decimal r*10^-d (two exact operands, one IEEE division),
       i.e. exactly what a correct parser returns for the printed text. */
    if (a < 1e15) {
        for (d = 0; d <= 6; d++) {
            double r = floor(a * pow10_exact[d] + 0.5);
            if (r < 9007199254740992.0 && same_bits(d ? r / pow10_exact[d] : r, a)) {
                char tmp[24];
                size_t n = 0, i = 0;
                uint64_t u = (uint64_t)r;
                int k;
                /* d fraction digits (leading zeros included), the point, then the
                   integer part (at least "0") */
                for (k = 0; k < d; k++) {
                    tmp[n++] = (char)('0' + (int)(u % 10));
                    u /= 10;
                }
                if (d > 0)
                    tmp[n++] = '.';
                do {
                    tmp[n++] = (char)('0' + (int)(u % 10));
                    u /= 10;
                } while (u);
                if (v < 0 || (same_bits(v, -0.0)))
                    buf[i++] = '-';
                while (n)
                    buf[i++] = tmp[--n];
                buf[i] = '\0';
                return i;
            }
        }
    }
    {
        static const char *const fmts[3] = {"%.15g", "%.16g", "%.17g"};
        int k, n = 0;
        for (k = 0; k < 3; k++) {
            n = snprintf(buf, 32, fmts[k], v);
            if (k == 2 || same_bits(strtod(buf, NULL), v))
                break;
        }
        return n > 0 ? (size_t)n : 0;
    }
}

int cli_decimal_mul(const cli_decimal *a, const cli_decimal *b, double av, double bv, double *out)
{
    double v;
    if (a->exact && b->exact) {
        int e = a->exp10 + b->exp10;
        if (a->mant == 0 || b->mant == 0) {
            *out = (a->neg != b->neg) ? -0.0 : 0.0;
            return CLI_NUM_OK;
        }
        if (a->mant <= (UINT64_C(1) << 53) / b->mant && e >= -22 && e <= 22) {
            v = (double)(a->mant * b->mant);
            v = e >= 0 ? v * pow10_exact[e] : v / pow10_exact[-e];
            *out = a->neg != b->neg ? -v : v;
            return CLI_NUM_OK;
        }
    }
    v = av * bv;
    if (!isfinite(v))
        return CLI_NUM_NONFINITE;
    *out = v;
    return CLI_NUM_OK;
}

/* 10^k for 0 <= k <= 22 (exact) */
static double p10(int k)
{
    return pow10_exact[k];
}

double cli_clean_sum(double v, int decimals)
{
    double sc, r;
    if (!isfinite(v) || decimals < 0 || decimals > 15)
        return v;
    sc = p10(decimals);
    r = nearbyint(v * sc);
    if (!(fabs(r) < 1e15))
        return v;
    if (!(fabs(r) > 0.0))
        return 0.0;
    return r / sc;
}

double cli_clean_mean(double v, double count, int decimals)
{
    double sc, s, r, den;
    if (!isfinite(v) || !(count >= 1.0) || count > 1e9 || decimals < 0 || decimals > 15)
        return v;
    sc = p10(decimals);
    s = v * count;
    r = nearbyint(s * sc);
    den = sc * count; /* exact: both factors are integers and the product is below 2^53 */
    if (!(fabs(r) < 1e15) || !(den < 9007199254740992.0))
        return v;
    if (!(fabs(r) > 0.0))
        return 0.0;
    return r / den;
}

double cli_clean_time(double v, double unit_days, int frac_digits)
{
    double ticks_per_unit, t, r;
    if (!isfinite(v) || frac_digits < 0 || frac_digits > 6)
        return v;
    ticks_per_unit = unit_days * 86400.0 * p10(frac_digits);
    t = v * ticks_per_unit;
    r = nearbyint(t);
    if (!(fabs(r) < 1e15) || fabs(t - r) > 1e-3)
        return v;
    if (!(fabs(r) > 0.0))
        return 0.0;
    return r / ticks_per_unit;
}
