/*
 * cva command-line tool: customer / referrer id dictionary (docs/methods/conventions.md#methods_choice_text_ids).
 * SPDX-License-Identifier: MIT
 *
 * While every id seen parses as an int64 the ids are numeric and stored as
 * their value. At the first id that is not an integer the dictionary switches
 * to text mode: every distinct id text gets a provisional index, and at the
 * end the codes are reassigned in the byte-wise sorted order of the text, so
 * the library (which sorts by int64 id) emits customers sorted by their text.
 * Numeric ids written with leading zeros or '+' keep their original text if
 * the switch happens later (the first spelling seen of each value is kept).
 * An integer followed by a zero fraction ("17850.0", as spreadsheets save
 * integer ids) is that integer, in both modes, and is written back as "17850".
 */
#ifndef CVA_CLI_IDS_H
#define CVA_CLI_IDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_ids {
    int text;        /**< 0 numeric ids, 1 text ids */
    int finalized;
    /* string pool */
    char *pool;
    size_t pool_len, pool_cap;
    /* numeric mode: value -> non-canonical spelling (first seen) */
    int64_t *alias_key;
    size_t *alias_off;
    uint32_t *alias_len;
    size_t alias_n, alias_cap; /* cap is a power of two, open addressing */
    unsigned char *alias_used;
    /* text mode: entries and hash table of entry indices */
    size_t *ent_off;
    uint32_t *ent_len;
    size_t n_ent, ent_cap;
    uint32_t *table; /* entry index + 1, 0 = empty */
    size_t table_cap;
    /* last lookup cache */
    size_t last_idx;
    int have_last;
    /* after finalize (text mode): code -> entry, entry -> code */
    uint32_t *code_to_ent;
} cli_ids;

void cli_ids_init(cli_ids *d);
void cli_ids_free(cli_ids *d);

enum { CLI_IDS_OK = 0, CLI_IDS_SWITCHED = 1, CLI_IDS_EMPTY = -1, CLI_IDS_TOO_MANY = -2 };

/**
 * Add one id text. Returns CLI_IDS_OK with *out the numeric value (numeric mode) or the
 * provisional index (text mode); CLI_IDS_SWITCHED when this id turned the dictionary into
 * text mode (the caller must call cli_ids_convert() on every array of ids stored so far,
 * then *out is valid); CLI_IDS_EMPTY for an empty id; CLI_IDS_TOO_MANY beyond 2^32-1 ids.
 */
int cli_ids_add(cli_ids *d, const char *s, size_t len, int64_t *out);

/** After a switch: convert numeric values already stored to provisional indices. */
void cli_ids_convert(cli_ids *d, int64_t *vals, size_t n, const int64_t *skip_value);

/** Finish: in text mode, remap provisional indices in @p vals to sorted codes. Call once
    per array after cli_ids_sort(). @p skip_value (NULL: none) marks "no id" entries. */
void cli_ids_sort(cli_ids *d);
void cli_ids_remap(const cli_ids *d, int64_t *vals, size_t n, const int64_t *skip_value);

/** Text of an id as it appeared (text mode: code -> text; numeric mode: the number). Writes
    into @p buf (>= 24 bytes) for numbers; returns a pointer to the text and its length. */
const char *cli_ids_text(const cli_ids *d, int64_t id, char *buf, size_t *len);

#endif /* CVA_CLI_IDS_H */
