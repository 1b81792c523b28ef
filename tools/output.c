/*
 * cva command-line tool: output files and table writer.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numbers.h"

/* The temporary files to remove if the program ends before committing them:
   on SIGINT/SIGTERM/SIGHUP (the handler) and on any exit() (an atexit hook:
   cli_xmalloc's out-of-memory exit among them). A slot is in use while its
   flag is set; the flag is cleared before the slot's path is reused. */
#define TMP_SLOTS 8
static volatile sig_atomic_t tmp_active[TMP_SLOTS];
static char tmp_path[TMP_SLOTS][4096];
static int exit_hook_set = 0;

static void remove_tmps(void)
{
    int k;
    for (k = 0; k < TMP_SLOTS; k++)
        if (tmp_active[k]) {
            tmp_active[k] = 0;
            unlink(tmp_path[k]);
        }
}

static void on_signal(int sig)
{
    remove_tmps();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_exit_hook(void)
{
    remove_tmps();
}

/* Watch @p path; returns its slot, or -1 when all slots are taken (not watched). */
static int watch_tmp(const char *path)
{
    struct sigaction sa;
    size_t n = strlen(path);
    int k;
    if (n >= sizeof tmp_path[0])
        return -1;
    for (k = 0; k < TMP_SLOTS && tmp_active[k]; k++)
        ;
    if (k == TMP_SLOTS)
        return -1;
    memcpy(tmp_path[k], path, n + 1);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (!exit_hook_set && atexit(on_exit_hook) == 0)
        exit_hook_set = 1;
    tmp_active[k] = 1;
    return k;
}

static void unwatch_tmp(int slot)
{
    if (slot >= 0 && slot < TMP_SLOTS)
        tmp_active[slot] = 0;
}

int cli_out_open(cli_out *o, const char *path, cli_err *err)
{
    struct stat sb;
    memset(o, 0, sizeof *o);
    o->slot = -1;
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        o->is_stdout = 1;
        o->path = cli_xstrdup("<stdout>");
    } else if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            return cli_fail(err, CLI_EXIT_IO, "%s: is a directory", path);
        o->fp = fopen(path, "wb"); /* device or pipe: write directly */
        if (!o->fp)
            return cli_fail(err, CLI_EXIT_IO, "%s: cannot open for writing: %s", path, strerror(errno));
        o->path = cli_xstrdup(path);
    } else {
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
        const char *base = slash ? slash + 1 : path;
        size_t n = strlen(path) + 32;
        int fd;
        mode_t um;
        if (!*base)
            return cli_fail(err, CLI_EXIT_IO, "%s: not a file name", path);
        o->tmp = (char *)cli_xmalloc(n);
        snprintf(o->tmp, n, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path, base);
        fd = mkstemp(o->tmp);
        if (fd < 0) {
            int e = errno;
            free(o->tmp);
            o->tmp = NULL;
            return cli_fail(err, CLI_EXIT_IO, "%s: cannot create the output file: %s", path, strerror(e));
        }
        um = umask(0);
        umask(um);
        (void)fchmod(fd, (mode_t)(0666 & ~um));
        o->fp = fdopen(fd, "wb");
        if (!o->fp) {
            close(fd);
            unlink(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
            return cli_fail(err, CLI_EXIT_IO, "%s: cannot open the output file", path);
        }
        o->slot = watch_tmp(o->tmp);
        o->path = cli_xstrdup(path);
    }
    o->vbuf = (char *)cli_xmalloc((size_t)1 << 20);
    setvbuf(o->fp, o->vbuf, _IOFBF, (size_t)1 << 20);
    return 0;
}

static void release(cli_out *o)
{
    free(o->tmp);
    free(o->path);
    free(o->vbuf);
    memset(o, 0, sizeof *o);
    o->slot = -1;
}

int cli_out_commit(cli_out *o, cli_err *err)
{
    int bad;
    if (!o->fp)
        return 0;
    bad = fflush(o->fp) != 0 || ferror(o->fp);
    if (o->is_stdout) {
        int e = errno;
        setvbuf(stdout, NULL, _IOLBF, 0); /* vbuf is freed below; stdout must not keep it */
        release(o);
        if (bad)
            return cli_fail(err, CLI_EXIT_IO, "error writing to stdout: %s", strerror(e));
        return 0;
    }
    if (fclose(o->fp) != 0)
        bad = 1;
    o->fp = NULL;
    if (bad) {
        int e = errno;
        cli_fail(err, CLI_EXIT_IO, "%s: write error: %s", o->path, strerror(e));
        cli_out_abort(o);
        return err->code;
    }
    if (o->tmp) {
        if (rename(o->tmp, o->path) != 0) {
            int e = errno;
            cli_fail(err, CLI_EXIT_IO, "%s: cannot rename the temporary file into place: %s", o->path,
                     strerror(e));
            cli_out_abort(o);
            return err->code;
        }
        unwatch_tmp(o->slot);
    }
    release(o);
    return 0;
}

void cli_out_abort(cli_out *o)
{
    if (o->fp) {
        if (o->is_stdout) {
            fflush(stdout);
            setvbuf(stdout, NULL, _IOLBF, 0);
        } else {
            fclose(o->fp);
        }
    }
    if (o->tmp) {
        unwatch_tmp(o->slot);
        unlink(o->tmp);
    }
    release(o);
}

/* ---- table writer ---- */

static void reserve(cli_table *t, size_t more)
{
    if (t->cap - t->len < more) {
        size_t nc = t->cap ? t->cap : 4096;
        while (nc - t->len < more)
            nc *= 2;
        t->line = (char *)cli_xrealloc(t->line, nc);
        t->cap = nc;
    }
}

static void put(cli_table *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->line + t->len, s, n);
    t->len += n;
}

static void puts_(cli_table *t, const char *s)
{
    put(t, s, strlen(s));
}

static void flush_line(cli_table *t)
{
    if (t->len)
        fwrite(t->line, 1, t->len, t->out->fp);
    t->len = 0;
}

size_t cli_json_string(char *dst, size_t cap, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i;
    if (cap < 8)
        return 0;
    dst[o++] = '"';
    for (i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c == '\n') {
            dst[o++] = '\\';
            dst[o++] = 'n';
        } else if (c == '\t') {
            dst[o++] = '\\';
            dst[o++] = 't';
        } else if (c == '\r') {
            dst[o++] = '\\';
            dst[o++] = 'r';
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(dst + o, "\\u00", 4);
            o += 4;
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else if (c >= 0x80) {
            /* valid UTF-8 passes; any other byte is read as Latin-1: \u00XX */
            size_t k = cli_utf8_len((const unsigned char *)s + i, len - i);
            if (k && o + k + 8 < cap) {
                memcpy(dst + o, s + i, k);
                o += k;
                i += k - 1;
            } else if (!k) {
                memcpy(dst + o, "\\u00", 4);
                o += 4;
                dst[o++] = hex[c >> 4];
                dst[o++] = hex[c & 15];
            } else {
                break;
            }
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return o;
}

static void key(cli_table *t)
{
    if (!t->json) {
        if (t->col > 0)
            put(t, &t->delim, 1);
    } else {
        char buf[160];
        const char *name = t->names[t->col];
        size_t n;
        puts_(t, t->col > 0 ? ", " : "{");
        n = cli_json_string(buf, sizeof buf, name, strlen(name));
        put(t, buf, n);
        put(t, ": ", 2);
    }
    t->col++;
}

void cli_table_begin(cli_table *t, cli_out *out, int json, const char *const *names, size_t ncol,
                     const char *json_meta, const char *json_key)
{
    size_t c;
    memset(t, 0, sizeof *t);
    t->out = out;
    t->json = json;
    t->names = names;
    t->ncol = ncol;
    t->delim = ',';
    if (!json) {
        for (c = 0; c < ncol; c++) {
            if (c)
                put(t, ",", 1);
            puts_(t, names[c]);
        }
        put(t, "\n", 1);
    } else {
        puts_(t, "{\n  ");
        if (json_meta)
            puts_(t, json_meta);
        puts_(t, "\"");
        puts_(t, json_key);
        puts_(t, "\": [");
    }
    flush_line(t);
}

void cli_table_num(cli_table *t, double v)
{
    char buf[40];
    size_t n;
    key(t);
    if (isnan(v) || isinf(v)) {
        if (t->json)
            put(t, "null", 4);
        return;
    }
    n = cli_format_double(v, buf);
    put(t, buf, n);
}

void cli_table_int(cli_table *t, int64_t v)
{
    char buf[24];
    size_t n;
    key(t);
    n = cli_format_int64(v, buf);
    put(t, buf, n);
}

void cli_table_null(cli_table *t)
{
    key(t);
    if (t->json)
        put(t, "null", 4);
}

static void csv_text(cli_table *t, const char *s, size_t len)
{
    size_t i;
    int quote = len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');
    for (i = 0; i < len && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote) {
        put(t, s, len);
        return;
    }
    reserve(t, 2 * len + 2);
    t->line[t->len++] = '"';
    for (i = 0; i < len; i++) {
        if (s[i] == '"')
            t->line[t->len++] = '"';
        t->line[t->len++] = s[i];
    }
    t->line[t->len++] = '"';
}

void cli_table_text(cli_table *t, const char *s, size_t len)
{
    key(t);
    if (t->json) {
        size_t need = len * 6 + 8;
        reserve(t, need);
        t->len += cli_json_string(t->line + t->len, need, s, len);
        return;
    }
    if (!cli_utf8_valid(s, len)) {
        /* the Latin-1 reading of the bytes that are not UTF-8, as in JSON */
        char *u = (char *)cli_xmalloc(2 * len + 1);
        size_t i = 0, n = 0;
        while (i < len) {
            unsigned char c = (unsigned char)s[i];
            size_t k = c < 0x80 ? 1 : cli_utf8_len((const unsigned char *)s + i, len - i);
            if (k) {
                memcpy(u + n, s + i, k);
                n += k;
                i += k;
            } else {
                u[n++] = (char)(0xC0 | (c >> 6));
                u[n++] = (char)(0x80 | (c & 0x3F));
                i++;
            }
        }
        csv_text(t, u, n);
        free(u);
        return;
    }
    csv_text(t, s, len);
}

void cli_table_end_row(cli_table *t)
{
    if (t->json) {
        put(t, "}", 1);
        /* the separator goes before the next row, the newline + indent before this one */
        {
            /* move the row after ",\n    " (or "\n    " for the first) */
            static const char first[] = "\n    ", next[] = ",\n    ";
            const char *pre = t->rows ? next : first;
            size_t pl = strlen(pre);
            reserve(t, pl);
            memmove(t->line + pl, t->line, t->len);
            memcpy(t->line, pre, pl);
            t->len += pl;
        }
    } else {
        put(t, "\n", 1);
    }
    t->rows++;
    t->col = 0;
    if (t->len >= 65536 || t->json)
        flush_line(t);
}

void cli_table_end(cli_table *t)
{
    if (t->json)
        puts_(t, t->rows ? "\n  ]\n}\n" : "]\n}\n");
    flush_line(t);
    free(t->line);
    t->line = NULL;
}
