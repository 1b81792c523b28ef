/*
 * The --probe report shared by cva-bench and cva-bench-models: see probe.h.
 * SPDX-License-Identifier: MIT
 */
#include "probe.h"

#include <stdio.h>

#include "cva_bench.h"

int probe_sample(bench_probe *pr, unsigned n, int (*fn)(void *user), void *user, double *tot, double *par,
                 double *span, size_t *sections, size_t *tasks)
{
    unsigned it;
    for (it = 0; it <= n; it++) { /* call 0: warm-up */
        double c0;
        int rc;
        bench_probe_reset(pr);
        c0 = cva_bench_thread_cpu();
        rc = fn(user);
        if (rc)
            return rc;
        if (it == 0)
            continue;
        tot[it - 1] = cva_bench_thread_cpu() - c0;
        bench_probe_read(pr, &par[it - 1], &span[it - 1], sections, tasks);
    }
    return 0;
}

void probe_print(double cpu, double par, double span, unsigned workers, size_t sections, size_t tasks)
{
    double ser = cpu - par;
    printf(" cpu=%.4f parallel_cpu=%.4f serial_cpu=%.4f serial_fraction=%.4f amdahl=%.3f scheduled=%.3f sections=%zu "
           "tasks=%zu",
           cpu, par, ser, ser / cpu, cpu / (ser + par / (double)workers), cpu / (ser + span), sections, tasks);
}
