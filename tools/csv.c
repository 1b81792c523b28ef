/*
 * cva command-line tool: streaming CSV reader.
 * SPDX-License-Identifier: MIT
 */
#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The read block starts small (a short input costs one small buffer) and doubles after
 * every read that fills it, up to CSV_BLOCK: a large file is read in 1 MiB blocks after
 * four reads. */
#define CSV_BLOCK_FIRST ((size_t)1 << 16)
#define CSV_BLOCK ((size_t)1 << 20)
#define CSV_MAX_RECORD ((size_t)1 << 28)

int csv_init(csv_reader *r, csv_read_fn read, void *ctx, int delim)
{
    memset(r, 0, sizeof *r);
    if (!read)
        return -1;
    if (delim != CSV_DELIM_WHITESPACE &&
        (delim <= 0 || delim > 255 || delim == '"' || delim == '\n' || delim == '\r'))
        return -1;
    r->read = read;
    r->ctx = ctx;
    r->ws = delim == CSV_DELIM_WHITESPACE;
    r->delim = r->ws ? ' ' : (char)delim;
    r->line = 1;
    r->block = CSV_BLOCK_FIRST;
    r->max_record = CSV_MAX_RECORD;
    r->cls[(unsigned char)'\n'] = 1;
    r->cls[(unsigned char)'\r'] = 1;
    if (r->ws) {
        r->cls[(unsigned char)' '] = 1;
        r->cls[(unsigned char)'\t'] = 1;
    } else {
        r->cls[(unsigned char)delim] = 1;
    }
    return 0;
}

void csv_free(csv_reader *r)
{
    free(r->buf);
    free(r->f);
    free(r->esc);
    r->buf = NULL;
    r->f = NULL;
    r->esc = NULL;
}

size_t csv_read_stdio(void *ctx, char *buf, size_t n, int *error)
{
    FILE *fp = (FILE *)ctx;
    size_t got = fread(buf, 1, n, fp);
    if (got == 0 && ferror(fp))
        *error = errno ? errno : EIO;
    return got;
}

static int set_err(csv_reader *r, uint64_t line, size_t col, const char *msg)
{
    r->err_line = line;
    r->err_col = col;
    snprintf(r->err, sizeof r->err, "%s", msg);
    return CSV_ERR;
}

/* Make room and read more bytes. Returns 1 if bytes were added, 0 at EOF, -1 on error. */
static int fill(csv_reader *r)
{
    size_t got;
    int e = 0;
    if (r->eof)
        return 0;
    if (r->pos > 0) {
        /* keep the unparsed tail (a partial record) at the front */
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    /* grow when less than half a block is free: the unparsed tail kept at the front is
     * short, so a buffer of one block is not doubled on every second read */
    if (r->cap - r->end < r->block / 2) {
        size_t ncap = r->cap ? r->cap : r->block;
        while (ncap - r->end < r->block)
            ncap *= 2;
        if (r->end > r->max_record) {
            return set_err(r, r->line, 0, "record too long (over 256 MB)");
        }
        {
            char *nb = (char *)realloc(r->buf, ncap + 1);
            if (!nb)
                return set_err(r, r->line, 0, "out of memory for the read buffer");
            r->buf = nb;
            r->cap = ncap;
        }
    }
    got = r->read(r->ctx, r->buf + r->end, r->cap - r->end, &e);
    if (e) {
        r->err_errno = e;
        return set_err(r, r->line, 0, "read error");
    }
    if (got == 0) {
        r->eof = 1;
        return 0;
    }
    if (got == r->cap - r->end && r->block < CSV_BLOCK)
        r->block *= 2;
    r->end += got;
    r->bytes += got;
    return 1;
}

static int push_field(csv_reader *r, const char *p, size_t len, int esc)
{
    if (r->nf == r->fcap) {
        size_t ncap = r->fcap ? r->fcap * 2 : 64;
        csv_field *nf = (csv_field *)realloc(r->f, ncap * sizeof *nf);
        unsigned char *ne;
        if (!nf)
            return -1;
        r->f = nf;
        ne = (unsigned char *)realloc(r->esc, ncap);
        if (!ne)
            return -1;
        r->esc = ne;
        r->fcap = ncap;
    }
    r->f[r->nf].p = p;
    r->f[r->nf].len = len;
    r->esc[r->nf] = (unsigned char)esc;
    r->nf++;
    return 0;
}

enum { PARSE_MORE = 0, PARSE_ROW = 1, PARSE_EOF = 2, PARSE_ERR = -1 };

/*
 * Parse one record from buf[pos, end). Returns PARSE_MORE when the record may
 * continue beyond the buffered bytes (the caller refills and calls again; the
 * record is re-parsed from its start).
 */
static int parse_record(csv_reader *r)
{
    const char *p = r->buf + r->pos;
    const char *e = r->buf + r->end;
    const unsigned char *cls = r->cls;
    const int ws = r->ws, eof = r->eof;
    const char delim = r->delim;
    uint64_t line = r->line;

    r->nf = 0;
    /* skip blank lines (and, in whitespace mode, leading blanks) */
    for (;;) {
        if (ws)
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
        if (p == e)
            return eof ? PARSE_EOF : PARSE_MORE;
        if (*p == '\n') {
            line++;
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == e && !eof)
                return PARSE_MORE;
            p++;
            if (p < e && *p == '\n')
                p++;
            line++;
            continue;
        }
        break;
    }
    r->row_line = line;

    for (;;) {
        /* one field starts at p */
        if (p < e && *p == '"') {
            const char *q = p + 1;
            uint64_t qline = line;
            int esc = 0;
            for (;;) {
                while (q < e && *q != '"') {
                    if (*q == '\n')
                        line++;
                    q++;
                }
                if (q == e) {
                    if (!eof)
                        return PARSE_MORE;
                    set_err(r, qline, r->nf + 1, "unterminated quoted field (missing closing '\"')");
                    return PARSE_ERR;
                }
                if (q + 1 == e && !eof)
                    return PARSE_MORE;
                if (q + 1 < e && q[1] == '"') {
                    esc = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            if (push_field(r, p + 1, (size_t)(q - (p + 1)), esc) < 0) {
                set_err(r, line, r->nf + 1, "out of memory for fields");
                return PARSE_ERR;
            }
            p = q + 1;
            if (p == e) {
                if (!eof)
                    return PARSE_MORE;
                break; /* end of record at end of input */
            }
            if (*p == '\n' || *p == '\r')
                goto end_of_line;
            if (ws ? (*p == ' ' || *p == '\t') : *p == delim)
                goto delimiter;
            set_err(r, line, r->nf, "unexpected character after a closing quote");
            return PARSE_ERR;
        } else {
            const char *s = p;
            while (p < e && !cls[(unsigned char)*p])
                p++;
            if (p == e && !eof)
                return PARSE_MORE;
            if (push_field(r, s, (size_t)(p - s), 0) < 0) {
                set_err(r, line, r->nf + 1, "out of memory for fields");
                return PARSE_ERR;
            }
            if (p == e)
                break;
            if (*p == '\n' || *p == '\r')
                goto end_of_line;
        }
    delimiter:
        /* p is at a delimiter */
        if (ws) {
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            if (p == e) {
                if (!eof)
                    return PARSE_MORE;
                break;
            }
            if (*p == '\n' || *p == '\r')
                goto end_of_line;
        } else {
            p++;
        }
        continue;
    end_of_line:
        if (*p == '\n') {
            p++;
        } else { /* '\r' */
            if (p + 1 == e && !eof)
                return PARSE_MORE;
            p++;
            if (p < e && *p == '\n')
                p++;
        }
        line++;
        break;
    }
    r->pos = (size_t)(p - r->buf);
    r->line = line;
    return PARSE_ROW;
}

static void unescape(csv_reader *r)
{
    size_t i;
    for (i = 0; i < r->nf; i++) {
        char *d, *s, *end;
        if (!r->esc[i])
            continue;
        /* the field lies inside r->buf, which is writable */
        d = s = r->buf + (r->f[i].p - r->buf);
        end = s + r->f[i].len;
        while (s < end) {
            if (*s == '"' && s + 1 < end && s[1] == '"')
                s++;
            *d++ = *s++;
        }
        r->f[i].len = (size_t)(d - (r->buf + (r->f[i].p - r->buf)));
    }
}

int csv_next(csv_reader *r)
{
    int st;
    if (!r->started) {
        r->started = 1;
        /* need 3 bytes (or EOF) to recognise a UTF-8 BOM */
        while (r->end - r->pos < 3) {
            int f = fill(r);
            if (f < 0)
                return CSV_ERR;
            if (f == 0)
                break;
        }
        if (r->end - r->pos >= 3 && (unsigned char)r->buf[r->pos] == 0xEF &&
            (unsigned char)r->buf[r->pos + 1] == 0xBB && (unsigned char)r->buf[r->pos + 2] == 0xBF)
            r->pos += 3;
    }
    for (;;) {
        if (r->buf) {
            st = parse_record(r);
            if (st == PARSE_ROW) {
                unescape(r);
                return CSV_ROW;
            }
            if (st == PARSE_EOF)
                return CSV_EOF;
            if (st == PARSE_ERR)
                return CSV_ERR;
        }
        /* PARSE_MORE (or nothing buffered yet) */
        st = fill(r);
        if (st < 0)
            return CSV_ERR;
        if (st == 0 && !r->buf)
            return CSV_EOF;
    }
}

void csv_field_trim(const csv_field *f, const char **p, size_t *len)
{
    const char *s = f->p;
    size_t n = f->len;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *p = s;
    *len = n;
}

int csv_ieq(const char *a, size_t alen, const char *b)
{
    size_t i;
    if (strlen(b) != alen)
        return 0;
    for (i = 0; i < alen; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 0;
    }
    return 1;
}

/* Look for UTF-16 in the first record: a byte-order mark or NUL bytes. */
const char *csv_utf16_kind(const csv_reader *r)
{
    size_t j;
    if (r->nf > 0 && r->f[0].len >= 2) {
        const unsigned char *p = (const unsigned char *)r->f[0].p;
        if (p[0] == 0xFF && p[1] == 0xFE)
            return "UTF-16 little-endian (byte-order mark FF FE)";
        if (p[0] == 0xFE && p[1] == 0xFF)
            return "UTF-16 big-endian (byte-order mark FE FF)";
    }
    for (j = 0; j < r->nf; j++)
        if (memchr(r->f[j].p, '\0', r->f[j].len))
            return "UTF-16 or another encoding with NUL bytes";
    return NULL;
}
