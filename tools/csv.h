/*
 * cva command-line tool: streaming CSV reader.
 * SPDX-License-Identifier: MIT
 *
 * Reads records from any byte source in large blocks (the whole input is never
 * held in memory: only the current record plus one read block). Handles
 * RFC 4180 quoting ("" escapes, delimiters and newlines inside quotes), a UTF-8
 * BOM, LF / CRLF / CR line ends, blank lines (skipped), and a "whitespace"
 * mode where runs of spaces and tabs separate fields and leading/trailing
 * whitespace is ignored.
 */
#ifndef CVA_CLI_CSV_H
#define CVA_CLI_CSV_H

#include <stddef.h>
#include <stdint.h>

/** Pseudo-delimiter: runs of spaces/tabs. */
#define CSV_DELIM_WHITESPACE (-1)

/**
 * Byte source: read up to @p n bytes into @p buf; return the number read,
 * 0 at end of input. On a read error return 0 and set *error to an errno value.
 */
typedef size_t (*csv_read_fn)(void *ctx, char *buf, size_t n, int *error);

/** One field of the current record; valid until the next csv_next() call. */
typedef struct csv_field {
    const char *p;
    size_t len;
} csv_field;

typedef struct csv_reader {
    csv_read_fn read;
    void *ctx;
    char *buf;
    size_t cap, pos, end;
    size_t max_record; /**< longest record accepted (bytes) */
    size_t block;      /**< read block size */
    int eof;
    int started;
    int ws;
    char delim;
    unsigned char cls[256]; /**< 1 for bytes that end an unquoted field */
    uint64_t line;          /**< line number of buf[pos] (1-based) */
    uint64_t row_line;      /**< line on which the current record starts */
    uint64_t bytes;         /**< bytes read from the source so far */
    csv_field *f;
    unsigned char *esc; /**< per field: contains "" escapes */
    size_t nf, fcap;
    /* error (csv_next() returned CSV_ERR) */
    int err_errno;     /**< non-zero: read error with this errno */
    uint64_t err_line; /**< line of the error */
    size_t err_col;    /**< 1-based field number of the error */
    char err[160];     /**< what went wrong */
} csv_reader;

enum { CSV_EOF = 0, CSV_ROW = 1, CSV_ERR = -1 };

/** Initialise; @p delim is a byte or #CSV_DELIM_WHITESPACE. Returns 0, -1 on bad args. */
int csv_init(csv_reader *r, csv_read_fn read, void *ctx, int delim);

/** Read the next record into r->f[0..r->nf). Returns CSV_ROW, CSV_EOF or CSV_ERR. */
int csv_next(csv_reader *r);

void csv_free(csv_reader *r);

/** A field without leading and trailing blanks (spaces, tabs): *p, *len. */
void csv_field_trim(const csv_field *f, const char **p, size_t *len);

/** 1 if the @p alen bytes at @p a equal the string @p b, ASCII case-insensitively. */
int csv_ieq(const char *a, size_t alen, const char *b);

/** Name of the encoding when the current (first) record looks like UTF-16 (a byte-order
    mark or NUL bytes), else NULL. */
const char *csv_utf16_kind(const csv_reader *r);

/** A csv_read_fn over a stdio FILE (ctx is the FILE *). */
size_t csv_read_stdio(void *ctx, char *buf, size_t n, int *error);

#endif /* CVA_CLI_CSV_H */
