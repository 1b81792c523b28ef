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
