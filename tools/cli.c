/*
 * cva command-line tool: error reporting and small helpers.
 * SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_quiet = 0;

int cli_fail(cli_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return code;
    if (e->code != 0)
        return e->code; /* keep the first error */
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

int cli_report(const cli_err *e)
{
    fprintf(stderr, "cva: %s\n", e->msg);
    return e->code ? e->code : CLI_EXIT_FAIL;
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet)
        return;
    fputs("cva: note: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

size_t cli_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k, need;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, cp = c & 0x07;
    else
        return 0;
    if (n < need)
        return 0;
    for (k = 1; k < need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

int cli_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t k;
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        k = cli_utf8_len((const unsigned char *)s + i, len - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

void cli_quote_field(char *dst, size_t dst_size, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i, lim = len > 40 ? 40 : len;
    if (dst_size < 16) {
        if (dst_size)
            dst[0] = '\0';
        return;
    }
    dst[o++] = '"';
    for (i = 0; i < lim && o + 6 < dst_size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else if (c >= 0x80) {
            /* a whole UTF-8 character is kept, any other byte is escaped */
            size_t k = cli_utf8_len((const unsigned char *)s + i, lim - i);
            if (k && o + k + 6 < dst_size) {
                memcpy(dst + o, s + i, k);
                o += k;
                i += k - 1;
            } else {
                dst[o++] = '\\';
                dst[o++] = 'x';
                dst[o++] = hex[c >> 4];
                dst[o++] = hex[c & 15];
            }
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o++] = '"';
    if (lim < len && o + 4 < dst_size) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* Test hook: with CVA_CLI_FAIL_ALLOC=k in the environment the k-th call of
   cli_xmalloc/cli_xrealloc fails as if memory were exhausted (the CLI tests'
   'oom' group walks k over a command's allocations). Unset or 0: no effect. */
static long fail_alloc_at = -1;
static long alloc_calls = 0;

static int alloc_fails(void)
{
    if (fail_alloc_at < 0) {
        const char *e = getenv("CVA_CLI_FAIL_ALLOC");
        fail_alloc_at = e && *e ? strtol(e, NULL, 10) : 0;
        if (fail_alloc_at < 0)
            fail_alloc_at = 0;
    }
    return fail_alloc_at > 0 && ++alloc_calls == fail_alloc_at;
}

void cli_out_of_memory(size_t n)
{
    /* exit() runs the hook of output.c that removes unfinished output files */
    fprintf(stderr, "cva: out of memory (a request for %lu bytes failed); free memory, or use a smaller input\n",
            (unsigned long)n);
    exit(CLI_EXIT_FAIL);
}

void *cli_xmalloc(size_t n)
{
    void *p = alloc_fails() ? NULL : malloc(n ? n : 1);
    if (!p)
        cli_out_of_memory(n);
    return p;
}

void *cli_xrealloc(void *p, size_t n)
{
    void *q = alloc_fails() ? NULL : realloc(p, n ? n : 1);
    if (!q)
        cli_out_of_memory(n);
    return q;
}

char *cli_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = (char *)cli_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

int cli_match_opt(int argc, char **argv, int *i, const char *name, const char **value, cli_err *err)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_fail(err, CLI_EXIT_USAGE, "option %s needs a value", name);
        return -1;
    }
    (*i)++;
    *value = argv[*i];
    return 1;
}

int cli_match_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

int cli_parse_size_opt(const char *name, const char *value, uint64_t *out, cli_err *err)
{
    uint64_t v = 0;
    const char *p = value;
    if (!*p)
        return cli_fail(err, CLI_EXIT_USAGE, "option %s: empty value", name);
    for (; *p; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: \"%s\" is not a non-negative integer", name,
                            value);
        if (v > (UINT64_MAX - d) / 10)
            return cli_fail(err, CLI_EXIT_USAGE, "option %s: \"%s\" is too large", name, value);
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
