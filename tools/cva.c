/*
 * cva: command-line front end of libcva.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "cva/cva.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*help)(void);
    const char *brief;
} command;

static const command commands[] = {
    {"summary", cmd_summary, cmd_summary_help, "one row per customer: frequency, recency, T, monetary value, ..."},
    {"rfm", cmd_rfm, cmd_rfm_help, "RFM scores and segments per customer, or a per-segment report"},
    {"fit", cmd_fit, cmd_fit_help, "fit a churn or spend model (BG/NBD, Pareto/NBD, Gamma-Gamma, ...) as JSON"},
    {"predict", cmd_predict, cmd_predict_help, "P(alive), expected purchases, spend and CLV per customer"},
    {"track", cmd_track, cmd_track_help, "holdout tracking: actual vs expected repeat purchases of the base per period"},
    {"whatif", cmd_whatif, cmd_whatif_help, "retention-profit what-if: +x% retention -> CLV, equity, profit, break-even spend"},
    {"ladder", cmd_ladder, cmd_ladder_help, "loyalty-ladder rung per customer, funnel report, migration between dates"},
    {"tiers", cmd_tiers, cmd_tiers_help, "value concentration (Gini, top shares, whale curve) and value tiers"},
    {"retention", cmd_retention, cmd_retention_help, "acquisition-cohort retention table (active, retained, pooled curves, sBG fit)"},
    {"churn", cmd_churn, cmd_churn_help, "churn flags per customer (hiatus, inter-purchase time, P(alive)) and value at risk"},
    {"report", cmd_report, cmd_report_help, "the whole analysis as one self-contained HTML page with charts"},
    {"demo", cmd_demo, cmd_demo_help, "simulate a customer base and print a report of every analysis"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    size_t k;
    fprintf(fp, "Usage: cva COMMAND [options]\n"
                "       cva help COMMAND | cva COMMAND --help\n"
                "       cva --version\n"
                "\n"
                "Customer-value analytics (libcva %s).\n"
                "\n"
                "Commands:\n",
            cva_version_string());
    for (k = 0; k < N_COMMANDS; k++)
        fprintf(fp, "  %-9s %s\n", commands[k].name, commands[k].brief);
    fputs("  help      show the help of a command\n"
          "\n"
          "Exit status: 0 success, 2 bad command line, 3 bad input data, 4 cannot read\n"
          "or write a file, 5 library error, 1 other failure (out of memory).\n"
          "Errors name the file, line and column. An output file is written only when\n"
          "complete (to a temporary file renamed into place).\n"
          "\n"
          "Try: cva demo\n",
          fp);
}

static const command *find(const char *name)
{
    size_t k;
    for (k = 0; k < N_COMMANDS; k++)
        if (strcmp(commands[k].name, name) == 0)
            return &commands[k];
    return NULL;
}

int main(int argc, char **argv)
{
    const command *c;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "version") == 0) {
        printf("cva %s\n", cva_version_string());
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "cva: no command '%s' (commands: summary, rfm, fit, predict, whatif, ladder, tiers, retention, churn, report, demo)\n", argv[2]);
            return CLI_EXIT_USAGE;
        }
        c->help();
        return 0;
    }
    c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "cva: unknown command '%s' (see 'cva --help')\n", argv[1]);
        return CLI_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
