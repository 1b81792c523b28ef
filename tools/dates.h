/*
 * cva command-line tool: calendar dates <-> days since 1970-01-01 (proleptic Gregorian, UTC).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_DATES_H
#define CVA_CLI_DATES_H

#include <stddef.h>
#include <stdint.h>

/** Days since 1970-01-01 of a valid civil date. */
int64_t cli_days_from_civil(int64_t y, unsigned m, unsigned d);

/** Civil date of a day number. */
void cli_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

enum cli_date_status {
    CLI_DATE_OK = 0,
    CLI_DATE_EMPTY = 1,  /**< empty field */
    CLI_DATE_SYNTAX = 2, /**< not one of the accepted forms */
    CLI_DATE_RANGE = 3   /**< accepted form, impossible date or time (month 13, Feb 30, 25:00) */
};

/**
 * Parse `YYYY-MM-DD`, `YYYYMMDD` or an ISO date-time `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z]`
 * (surrounding blanks ignored) into days since 1970-01-01; date-times give fractional days.
 * @param has_time out (may be NULL): 1 if a time of day was given.
 */
int cli_parse_date(const char *s, size_t len, double *days, int *has_time);

/**
 * cli_parse_date(), also reporting the number of fractional-second digits (0 without).
 * A date-time may end in a UTC offset `Z`, `+HH:MM`, `+HHMM` or `+HH` (or `-`): the time
 * is converted to UTC, as Python's `datetime.fromisoformat(...).astimezone(utc)`.
 */
int cli_parse_date_ex(const char *s, size_t len, double *days, int *has_time, int *frac_digits);

/**
 * Check a --date-format pattern: `%Y` (4 digits), `%y` (2 digits: 69-99 -> 19xx,
 * 00-68 -> 20xx), `%m`, `%d`, `%H`, `%M`, `%S` (1 or 2 digits), `%f` (fractional
 * seconds, 1-9 digits), `%z` (UTC offset as in cli_parse_date_ex()), `%%`; any other
 * character matches itself. Returns 0, or -1 with *why set.
 */
int cli_date_format_check(const char *fmt, const char **why);

/** Parse @p s with a pattern accepted by cli_date_format_check(); same results as cli_parse_date_ex(). */
int cli_parse_date_fmt(const char *fmt, const char *s, size_t len, double *days, int *has_time,
                       int *frac_digits);

/** Write floor(days) as YYYY-MM-DD into @p buf (>= 16 bytes); returns the length. */
size_t cli_format_date(double days, char *buf);

/** Period index of a time in days: 0 day, 1 ISO week (Monday start), 2 calendar month. */
int64_t cli_period_of(double days, int occasion);

/** Occasion settings; CLI_OCC_ORDER (one occasion per order, --order-col) is not a calendar period. */
enum { CLI_OCC_DAY = 0, CLI_OCC_WEEK = 1, CLI_OCC_MONTH = 2, CLI_OCC_ORDER = 3 };

#endif /* CVA_CLI_DATES_H */
