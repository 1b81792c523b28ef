/*
 * cva command-line tool: id dictionary.
 * SPDX-License-Identifier: MIT
 */
#include "ids.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numbers.h"

void cli_ids_init(cli_ids *d)
{
    memset(d, 0, sizeof *d);
}

void cli_ids_free(cli_ids *d)
{
    free(d->pool);
    free(d->alias_key);
    free(d->alias_off);
    free(d->alias_len);
    free(d->alias_used);
    free(d->ent_off);
    free(d->ent_len);
    free(d->table);
    free(d->code_to_ent);
    memset(d, 0, sizeof *d);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

static uint64_t hash_int(int64_t v)
{
    uint64_t x = (uint64_t)v;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

static size_t pool_add(cli_ids *d, const char *s, size_t len)
{
    size_t off;
    if (d->pool_cap - d->pool_len < len) {
        size_t ncap = d->pool_cap ? d->pool_cap : 4096;
        while (ncap - d->pool_len < len)
            ncap *= 2;
        d->pool = (char *)cli_xrealloc(d->pool, ncap);
        d->pool_cap = ncap;
    }
    off = d->pool_len;
    memcpy(d->pool + off, s, len);
    d->pool_len += len;
    return off;
}

/* ---- numeric mode: aliases for non-canonical spellings ---- */

static void alias_insert(cli_ids *d, int64_t v, const char *s, size_t len);

static void alias_grow(cli_ids *d)
{
    size_t oc = d->alias_cap, i;
    int64_t *ok = d->alias_key;
    size_t *oo = d->alias_off;
    uint32_t *ol = d->alias_len;
    unsigned char *ou = d->alias_used;
    size_t nc = oc ? oc * 2 : 256;
    d->alias_key = (int64_t *)cli_xmalloc(nc * sizeof(int64_t));
    d->alias_off = (size_t *)cli_xmalloc(nc * sizeof(size_t));
    d->alias_len = (uint32_t *)cli_xmalloc(nc * sizeof(uint32_t));
    d->alias_used = (unsigned char *)cli_xmalloc(nc);
    memset(d->alias_used, 0, nc);
    d->alias_cap = nc;
    for (i = 0; i < oc; i++) {
        if (ou[i]) {
            size_t h = (size_t)hash_int(ok[i]) & (nc - 1);
            while (d->alias_used[h])
                h = (h + 1) & (nc - 1);
            d->alias_used[h] = 1;
            d->alias_key[h] = ok[i];
            d->alias_off[h] = oo[i];
            d->alias_len[h] = ol[i];
        }
    }
    free(ok);
    free(oo);
    free(ol);
    free(ou);
}

static long alias_find(const cli_ids *d, int64_t v)
{
    size_t h;
    if (!d->alias_cap)
        return -1;
    h = (size_t)hash_int(v) & (d->alias_cap - 1);
    while (d->alias_used[h]) {
        if (d->alias_key[h] == v)
            return (long)h;
        h = (h + 1) & (d->alias_cap - 1);
    }
    return -1;
}

static void alias_insert(cli_ids *d, int64_t v, const char *s, size_t len)
{
    size_t h;
    if (alias_find(d, v) >= 0)
        return;
    if ((d->alias_n + 1) * 2 > d->alias_cap)
        alias_grow(d);
    h = (size_t)hash_int(v) & (d->alias_cap - 1);
    while (d->alias_used[h])
        h = (h + 1) & (d->alias_cap - 1);
    d->alias_used[h] = 1;
    d->alias_key[h] = v;
    d->alias_off[h] = pool_add(d, s, len);
    d->alias_len[h] = (uint32_t)len;
    d->alias_n++;
}

/* ---- text mode ---- */

static void table_grow(cli_ids *d)
{
    size_t nc = d->table_cap ? d->table_cap * 2 : 1024, i;
    free(d->table);
    d->table = (uint32_t *)cli_xmalloc(nc * sizeof(uint32_t));
    memset(d->table, 0, nc * sizeof(uint32_t));
    d->table_cap = nc;
    for (i = 0; i < d->n_ent; i++) {
        size_t h = (size_t)hash_bytes(d->pool + d->ent_off[i], d->ent_len[i]) & (nc - 1);
        while (d->table[h])
            h = (h + 1) & (nc - 1);
        d->table[h] = (uint32_t)(i + 1);
    }
}

/* returns the entry index, adding the text if new; -1 if too many */
static long text_intern(cli_ids *d, const char *s, size_t len)
{
    size_t h;
    if (d->have_last && d->ent_len[d->last_idx] == len &&
        memcmp(d->pool + d->ent_off[d->last_idx], s, len) == 0)
        return (long)d->last_idx;
    if ((d->n_ent + 1) * 2 > d->table_cap)
        table_grow(d);
    h = (size_t)hash_bytes(s, len) & (d->table_cap - 1);
    while (d->table[h]) {
        size_t e = d->table[h] - 1;
        if (d->ent_len[e] == len && memcmp(d->pool + d->ent_off[e], s, len) == 0) {
            d->last_idx = e;
            d->have_last = 1;
            return (long)e;
        }
        h = (h + 1) & (d->table_cap - 1);
    }
    if (d->n_ent >= UINT32_MAX - 1)
        return -1;
    if (d->n_ent == d->ent_cap) {
        size_t nc = d->ent_cap ? d->ent_cap * 2 : 1024;
        d->ent_off = (size_t *)cli_xrealloc(d->ent_off, nc * sizeof(size_t));
        d->ent_len = (uint32_t *)cli_xrealloc(d->ent_len, nc * sizeof(uint32_t));
        d->ent_cap = nc;
    }
    d->ent_off[d->n_ent] = pool_add(d, s, len);
    d->ent_len[d->n_ent] = (uint32_t)len;
    d->table[h] = (uint32_t)(d->n_ent + 1);
    d->last_idx = d->n_ent;
    d->have_last = 1;
    return (long)d->n_ent++;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* "17850.0" (an integer id as spreadsheets save it): the length of "17850". */
static size_t zero_fraction_len(const char *s, size_t len)
{
    size_t i = 0, dot;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i >= len || (unsigned)(unsigned char)s[i] - '0' > 9)
        return len;
    while (i < len && (unsigned)(unsigned char)s[i] - '0' <= 9)
        i++;
    if (i + 1 >= len || s[i] != '.')
        return len;
    dot = i++;
    while (i < len && s[i] == '0')
        i++;
    return i == len ? dot : len;
}

int cli_ids_add(cli_ids *d, const char *s, size_t len, int64_t *out)
{
    trim(&s, &len);
    len = zero_fraction_len(s, len);
    if (len == 0)
        return CLI_IDS_EMPTY;
    if (len > UINT32_MAX)
        return CLI_IDS_TOO_MANY;
    if (!d->text) {
        int64_t v;
        int canon = 1;
        if (cli_parse_int64(s, len, &v, &canon) == CLI_NUM_OK) {
            if (!canon)
                alias_insert(d, v, s, len);
            *out = v;
            return CLI_IDS_OK;
        }
        d->text = 1;
        {
            long e = text_intern(d, s, len);
            if (e < 0)
                return CLI_IDS_TOO_MANY;
            *out = (int64_t)e;
        }
        return CLI_IDS_SWITCHED;
    }
    {
        long e = text_intern(d, s, len);
        if (e < 0)
            return CLI_IDS_TOO_MANY;
        *out = (int64_t)e;
        return CLI_IDS_OK;
    }
}

void cli_ids_convert(cli_ids *d, int64_t *vals, size_t n, const int64_t *skip_value)
{
    size_t i;
    int64_t last_v = 0;
    long last_e = -1;
    for (i = 0; i < n; i++) {
        int64_t v = vals[i];
        long a, e;
        if (skip_value && v == *skip_value)
            continue;
        if (last_e >= 0 && v == last_v) {
            vals[i] = (int64_t)last_e;
            continue;
        }
        a = alias_find(d, v);
        if (a >= 0) {
            e = text_intern(d, d->pool + d->alias_off[a], d->alias_len[a]);
        } else {
            char buf[24];
            size_t l = cli_format_int64(v, buf);
            e = text_intern(d, buf, l);
        }
        if (e < 0) {
            fputs("cva: too many distinct ids\n", stderr);
            exit(CLI_EXIT_FAIL);
        }
        last_v = v;
        last_e = e;
        vals[i] = (int64_t)e;
    }
}

static const cli_ids *sort_ctx;

static int cmp_ent(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const cli_ids *d = sort_ctx;
    size_t lx = d->ent_len[x], ly = d->ent_len[y];
    int c = memcmp(d->pool + d->ent_off[x], d->pool + d->ent_off[y], lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

void cli_ids_sort(cli_ids *d)
{
    size_t i;
    uint32_t *ent_to_code;
    if (!d->text || d->finalized)
        return;
    d->code_to_ent = (uint32_t *)cli_xmalloc(d->n_ent * sizeof(uint32_t));
    for (i = 0; i < d->n_ent; i++)
        d->code_to_ent[i] = (uint32_t)i;
    sort_ctx = d; /* single-threaded tool; qsort has no context argument in C99 */
    qsort(d->code_to_ent, d->n_ent, sizeof(uint32_t), cmp_ent);
    sort_ctx = NULL;
    /* reuse the hash table memory as entry -> code */
    free(d->table);
    ent_to_code = (uint32_t *)cli_xmalloc((d->n_ent ? d->n_ent : 1) * sizeof(uint32_t));
    for (i = 0; i < d->n_ent; i++)
        ent_to_code[d->code_to_ent[i]] = (uint32_t)i;
    d->table = ent_to_code;
    d->table_cap = 0;
    d->finalized = 1;
}

void cli_ids_remap(const cli_ids *d, int64_t *vals, size_t n, const int64_t *skip_value)
{
    size_t i;
    if (!d->text)
        return;
    for (i = 0; i < n; i++)
        if (!skip_value || vals[i] != *skip_value)
            vals[i] = (int64_t)d->table[vals[i]];
}

const char *cli_ids_text(const cli_ids *d, int64_t id, char *buf, size_t *len)
{
    if (d->text && id >= 0 && (uint64_t)id < d->n_ent) {
        uint32_t e = d->code_to_ent[id];
        *len = d->ent_len[e];
        return d->pool + d->ent_off[e];
    }
    *len = cli_format_int64(id, buf);
    return buf;
}
