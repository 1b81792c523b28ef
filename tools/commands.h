/*
 * cva command-line tool: subcommands.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_COMMANDS_H
#define CVA_CLI_COMMANDS_H

/** Each subcommand gets argv with argv[0] = its name; returns the exit code. */
int cmd_summary(int argc, char **argv);
int cmd_rfm(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_whatif(int argc, char **argv);
int cmd_ladder(int argc, char **argv);
int cmd_tiers(int argc, char **argv);
int cmd_retention(int argc, char **argv);
int cmd_churn(int argc, char **argv);
int cmd_track(int argc, char **argv);
int cmd_report(int argc, char **argv);

/** Full help text of a subcommand, printed by `cva help NAME` and `cva NAME --help`. */
void cmd_summary_help(void);
void cmd_rfm_help(void);
void cmd_demo_help(void);
void cmd_fit_help(void);
void cmd_predict_help(void);
void cmd_whatif_help(void);
void cmd_ladder_help(void);
void cmd_tiers_help(void);
void cmd_retention_help(void);
void cmd_churn_help(void);
void cmd_track_help(void);
void cmd_report_help(void);

#endif /* CVA_CLI_COMMANDS_H */
