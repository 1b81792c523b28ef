/*
 * cva command-line tool: the POSIX-threads executor behind --threads N.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CLI_EXECUTOR_H
#define CVA_CLI_EXECUTOR_H

#include "cli.h"
#include "cva/churn.h"
#include "cva/common.h"

/**
 * Parse the value of --threads (an integer 1 to 256) and keep it for
 * cli_executor(). Returns 0 or CLI_EXIT_USAGE with @p err set.
 */
int cli_threads_set(const char *value, cli_err *err);

/** Number of threads the library calls may use: --threads, else the online cores (at least 1). */
unsigned cli_threads(void);

/**
 * The executor to put in the options of a library call (cva_txn_opts::executor
 * and the other `executor` fields): NULL with one thread (everything on the
 * calling thread, as before --threads), else a pool of cli_threads() workers
 * whose threads start at the first parallel section and stop at exit. Tasks
 * are taken in order from a shared counter; the calling thread is worker 0.
 * Results are the same bits whatever the number of threads.
 */
const cva_executor *cli_executor(void);

/**
 * Options for the prediction calls (cva_model_p_alive() and the others that take
 * a cva_predict_opts): the defaults with cli_executor() as the executor.
 */
const cva_predict_opts *cli_predict_opts(void);

/** Stop and join the pool's threads (registered with atexit; safe to call twice). */
void cli_executor_shutdown(void);

#endif /* CVA_CLI_EXECUTOR_H */
