/*
 * cva command-line tool: shared declarations (exit codes, error reporting).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_H
#define CVA_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#  define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF(f, a)
#endif

/** Process exit codes (documented in `cva --help`). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,  /**< unexpected failure (out of memory) */
    CLI_EXIT_USAGE = 2, /**< bad command line */
    CLI_EXIT_DATA = 3,  /**< bad input data */
    CLI_EXIT_IO = 4,    /**< cannot read input or write output */
    CLI_EXIT_LIB = 5    /**< the library reported an error */
};

/** An error: exit code plus a complete message (without the "cva: " prefix). */
typedef struct cli_err {
    int code;
    char msg[1024];
} cli_err;

/** Record an error in @p e (if not already set) and return its code. */
int cli_fail(cli_err *e, int code, const char *fmt, ...) CLI_PRINTF(3, 4);

/** Print "cva: error-message" to stderr and return the exit code. */
int cli_report(const cli_err *e);

/** Print "cva: note: ..." to stderr (unless quiet mode). */
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);

/** Set by --quiet: suppress notes. */
extern int cli_quiet;

/** Length (2-4) of the valid UTF-8 sequence of a non-ASCII byte at @p s (n bytes left), 0 if invalid. */
size_t cli_utf8_len(const unsigned char *s, size_t n);

/** 1 if the @p len bytes at @p s are valid UTF-8. */
int cli_utf8_valid(const char *s, size_t len);

/** Print a field for a message: quoted, at most 40 bytes, control and non-UTF-8 bytes escaped (\xHH). */
void cli_quote_field(char *dst, size_t dst_size, const char *s, size_t len);

/**
 * Allocation helpers that never return NULL: on failure they call cli_out_of_memory().
 * Test hook: CVA_CLI_FAIL_ALLOC=k in the environment fails their k-th call.
 */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);
/** Print "cva: out of memory ..." and exit(1) (unfinished output files are removed at exit). */
void cli_out_of_memory(size_t n);

/* Option parsing helpers. */

/**
 * Match argv[*i] against option @p name ("--end"), accepting "--end VALUE"
 * and "--end=VALUE". Returns 1 and sets *value (advancing *i when the value
 * is the next argument), 0 if it is another option, -1 (error set) if the
 * value is missing.
 */
int cli_match_opt(int argc, char **argv, int *i, const char *name, const char **value, cli_err *err);

/** 1 if argv[*i] equals the flag @p name exactly. */
int cli_match_flag(char **argv, int i, const char *name);

/** Parse a non-negative integer option value. */
int cli_parse_size_opt(const char *name, const char *value, uint64_t *out, cli_err *err);

#endif /* CVA_CLI_H */
