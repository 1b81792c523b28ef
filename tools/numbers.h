/*
 * cva command-line tool: locale-independent number parsing and shortest round-trip printing.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_NUMBERS_H
#define CVA_CLI_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

enum cli_num_status {
    CLI_NUM_OK = 0,
    CLI_NUM_EMPTY = 1,     /**< empty (or blank) field */
    CLI_NUM_SYNTAX = 2,    /**< not a decimal number */
    CLI_NUM_NONFINITE = 3, /**< NaN, Inf, or overflows to infinity */
    CLI_NUM_RANGE = 4      /**< integer outside int64 */
};

/**
 * Parse a decimal number `[+-]digits[.digits][(e|E)[+-]digits]` (blanks around it ignored).
 * Correctly rounded: exact integer mantissa scaled by an exact power of ten when both are
 * exactly representable (the usual money values), strtod() in the "C" locale otherwise.
 */
int cli_parse_double(const char *s, size_t len, double *out);

/** Decimals of a value "unknown" (more than 15, or not exact): no rounding on output. */
#define CLI_DEC_UNKNOWN 99

/** The decimal behind a parsed number: value = (-1)^neg * mant * 10^exp10 when exact. */
typedef struct cli_decimal {
    uint64_t mant;
    int exp10;
    int neg;
    int exact;    /**< all digits were kept (at most 19 significant digits) */
    int decimals; /**< digits after the decimal point (0 for integers), CLI_DEC_UNKNOWN */
} cli_decimal;

/** cli_parse_double() that also returns the decimal read (@p dec may be NULL). */
int cli_parse_double_ex(const char *s, size_t len, double *out, cli_decimal *dec);

/**
 * Product of two parsed decimals: the correctly rounded value of the exact decimal
 * product when it is representable exactly as an integer times a power of ten
 * (e.g. 6 x 2.55 = 15.3, not 15.299999999999999), else av * bv. CLI_NUM_NONFINITE on
 * overflow.
 */
int cli_decimal_mul(const cli_decimal *a, const cli_decimal *b, double av, double bv, double *out);

/**
 * A sum of values with at most @p decimals decimals is itself such a decimal: the
 * nearest double to it (float noise of the summation removed). Unchanged when
 * @p decimals is unknown (> 15) or the value too large to round safely.
 */
double cli_clean_sum(double v, int decimals);

/** A mean v = S / count of such a sum S: the nearest double to the exact quotient. */
double cli_clean_mean(double v, double count, int decimals);

/**
 * A time difference in units of @p unit_days days whose end points are whole
 * seconds (with @p frac_digits fractional-second digits): the nearest double to the
 * exact number of seconds / (86400 unit_days). Unchanged if it is not that close to one.
 */
double cli_clean_time(double v, double unit_days, int frac_digits);

/**
 * Parse an integer `[+-]digits` (blanks around it ignored) into int64, exact, with overflow
 * detection. *canonical (may be NULL) is set to 1 if the text is exactly how the value
 * prints (no sign '+', no leading zeros, no blanks, not "-0").
 */
int cli_parse_int64(const char *s, size_t len, int64_t *out, int *canonical);

/**
 * Shortest decimal text that reads back as exactly @p v (finite). Writes at most
 * 31 bytes plus NUL into @p buf; returns the length.
 */
size_t cli_format_double(double v, char *buf);

/** Decimal text of an int64 into @p buf (>= 21 bytes); returns the length. */
size_t cli_format_int64(int64_t v, char *buf);

#endif /* CVA_CLI_NUMBERS_H */
