/*
 * The --probe report shared by cva-bench and cva-bench-models (bench only): the
 * samples of a call under a bench_probe (bench_exec.h) and the figures of its
 * 'probe' line.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_BENCH_PROBE_H
#define CVA_BENCH_PROBE_H

#include <stddef.h>

#include "bench_exec.h"

/* Call fn(user) n + 1 times, each after bench_probe_reset(pr); the first call is a
   warm-up, of call k + 1 kept: tot[k] its thread CPU time, par[k] and span[k] the probe's
   CPU inside the tasks and makespan; *sections and *tasks those of the last call.
   Returns 0, or the first nonzero fn() returned (then stops at once). */
int probe_sample(bench_probe *pr, unsigned n, int (*fn)(void *user), void *user, double *tot, double *par,
                 double *span, size_t *sections, size_t *tasks);

/* Print the figures of a 'probe' line from the medians of the samples (no newline):
   " cpu=.. parallel_cpu=.. serial_cpu=.. serial_fraction=.. amdahl=.. scheduled=..
   sections=.. tasks=..", amdahl = cpu/(serial+parallel/workers), scheduled =
   cpu/(serial+span) (bench_exec.h). */
void probe_print(double cpu, double par, double span, unsigned workers, size_t sections, size_t tasks);

#endif
