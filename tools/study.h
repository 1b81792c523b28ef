/*
 * cva command-line tool: the whole analysis of a transaction log as a report (the sections of
 * `cva demo` and `cva report`).
 * SPDX-License-Identifier: MIT
 *
 * A study borrows the rows (customer id, day number, amount, optionally cost) and the dates
 * of a log, summarises them (cli_study_summarize()) and adds a section per analysis to a
 * report model (cli_study_report()): the customer base, value concentration (Lorenz and
 * whale curves), value tiers, RFM, the calibration / holdout split and the BG/NBD +
 * Gamma-Gamma models, the customers at risk, cohort retention with sBG and the retention
 * what-if, the loyalty ladder, and how it was computed. The demo fills a study from its
 * simulation, `cva report` from a file: both print the same analyses through the same code.
 * Charts are aggregated here (at most a few hundred points or cells each), so the size of a
 * page does not grow with the number of customers.
 */
#ifndef CVA_CLI_STUDY_H
#define CVA_CLI_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cva/cva.h"
#include "ids.h"
#include "report.h"
#include "summary.h"

typedef struct cli_study {
    /* the log (borrowed) */
    size_t n_rows;
    const int64_t *id;
    const double *t;      /**< days since 1970-01-01 */
    const double *amount;
    const double *cost;   /**< NULL: no cost column */
    const int64_t *period;/**< occasion period per row as cli_load() fills it; NULL: days */
    const cli_ids *ids;   /**< names of the customer ids, NULL: numbers */
    double start, end;    /**< first and last day of the log */
    double cal_end;       /**< last day of the calibration period, NaN: no split */
    double ladder_from;   /**< day of the ladder's "from" state (the calibration end, else half-way) */
    double margin;        /**< profit = margin x revenue - cost to serve; NaN: revenue - cost column */
    double cost_per_order;/**< cost to serve per purchase row */
    const cva_sim_opts *sim; /**< the simulation's truth (demo), NULL for a file */
    const char *source;   /**< what was read, for the method section */
    const char *command;  /**< the command line, for the method section (NULL: none) */
    int charts;           /**< add the charts (graphic renderers) */
    cli_summary full;     /**< whole window, weeks */
    cli_summary split;    /**< calibration / holdout (weeks), or a copy of nothing when no split */
    cli_summary at_from;  /**< to ladder_from only, weeks */
} cli_study;

/** Summaries of the study's rows (full, split when cal_end is set, at ladder_from). 0 or an exit code. */
int cli_study_summarize(cli_study *c, cli_err *err);
/** Add the study's sections to @p r (and, with @p method, the method section). */
void cli_study_report(const cli_study *c, cli_rpt *r, int method);
void cli_study_free(cli_study *c);

#endif /* CVA_CLI_STUDY_H */
