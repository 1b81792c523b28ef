/*
 * cva command-line tool: output files (atomic replace) and CSV/JSON table writer.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_OUTPUT_H
#define CVA_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/**
 * An output destination. A regular file is written to a temporary file in the
 * same directory and renamed over the target by cli_out_commit(); on failure
 * (or SIGINT/SIGTERM/SIGHUP) the temporary file is removed, so the target is
 * either complete or untouched; the same holds when the program exits without
 * committing (any exit(), e.g. cli_xmalloc's out-of-memory exit: an atexit hook
 * removes every temporary file still open). stdout ("-" or NULL) and non-regular targets
 * such as /dev/null are written directly.
 */
typedef struct cli_out {
    FILE *fp;
    char *tmp;  /**< temporary path, NULL when writing directly */
    char *path; /**< display name */
    int is_stdout;
    char *vbuf;
    int slot;   /**< slot of the temporary file in the exit/signal cleanup list, -1 if none */
} cli_out;

int cli_out_open(cli_out *o, const char *path, cli_err *err);
/** Flush, close and rename into place. 0 or an exit code. */
int cli_out_commit(cli_out *o, cli_err *err);
/** Discard: close and remove the temporary file. Safe after commit (no-op). */
void cli_out_abort(cli_out *o);

/** A table written as CSV (header + rows) or JSON (an object with a records array). */
typedef struct cli_table {
    cli_out *out;
    int json;
    const char *const *names;
    size_t ncol, col;
    uint64_t rows;
    char *line;
    size_t len, cap;
    char delim;
} cli_table;

/**
 * Start a table. @p json_meta: for JSON, extra members already formatted as
 * `"key": value,\n  ` pairs (may be NULL); @p json_key names the records array.
 */
void cli_table_begin(cli_table *t, cli_out *out, int json, const char *const *names, size_t ncol,
                     const char *json_meta, const char *json_key);
void cli_table_num(cli_table *t, double v);  /**< NaN: empty (CSV) / null (JSON) */
void cli_table_int(cli_table *t, int64_t v);
void cli_table_text(cli_table *t, const char *s, size_t len);
void cli_table_null(cli_table *t);
void cli_table_end_row(cli_table *t);
void cli_table_end(cli_table *t);

/** Append a JSON string literal (with quotes) for @p s to @p dst (size @p cap); returns length. */
size_t cli_json_string(char *dst, size_t cap, const char *s, size_t len);

#endif /* CVA_CLI_OUTPUT_H */
