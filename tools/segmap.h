/*
 * cva command-line tool: RFM segment maps (built-in names and CSV rule files).
 * SPDX-License-Identifier: MIT
 *
 * A rule file is a CSV table with the header `label,r_lo,r_hi,f_lo,f_hi,m_lo,m_hi`
 * (any column order, names case-insensitive). Rules are evaluated first match
 * wins; labels are text, mapped to codes CVA_LABEL_CUSTOM_FIRST + i in order of first
 * appearance and written back as text.
 */
#ifndef CVA_CLI_SEGMAP_H
#define CVA_CLI_SEGMAP_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cva/rfm.h"

/** Most distinct labels of a rule file (cva_rfm_report() handles 256 incl. None, Others). */
#define CLI_SEGMAP_MAX_LABELS 254
/** Most rules of a rule file (the limit of cva_rfm_map_check()). */
#define CLI_SEGMAP_MAX_RULES 10000

typedef struct cli_segmap {
    const cva_rfm_rule *rules; /**< the rules (static for built-in maps) */
    size_t n_rules;
    int builtin;               /**< 1: a built-in map (k = 5 only) */
    int32_t map_id;            /**< built-in: ::cva_rfm_map_id */
    const char *name;          /**< built-in name or the file name */
    /* rule files */
    cva_rfm_rule *own;
    uint64_t *line;            /**< source line of each rule */
    char **labels;             /**< custom label texts: code CVA_LABEL_CUSTOM_FIRST + i */
    size_t n_labels;
} cli_segmap;

/** Comma-separated built-in names for messages and help. */
extern const char cli_segmap_names[];

/** Fill @p m with the built-in map called @p name; 1 if found, 0 if @p name is not a built-in name. */
int cli_segmap_builtin(const char *name, cli_segmap *m);

/**
 * Load a rule file for @p k bins. Returns 0 or an exit code with @p err set
 * (2: the file does not exist, 4: cannot read it, 3: bad content, naming file:line:column).
 */
int cli_segmap_load(const char *path, int32_t k, cli_segmap *m, cli_err *err);

/**
 * Run cva_rfm_map_check() on a loaded map and print one warning line per kind of
 * problem on stderr (uncovered cells, shadowed rules, unreachable labels).
 * Returns the number of warning lines printed.
 */
int cli_segmap_check(const cli_segmap *m, int32_t k);

/** Text of a segment code ("None", "Others", a built-in label or a custom label). */
const char *cli_segmap_label(const cli_segmap *m, int32_t code);

void cli_segmap_free(cli_segmap *m);

#endif /* CVA_CLI_SEGMAP_H */
