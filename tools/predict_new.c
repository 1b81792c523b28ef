/*
 * cva predict --new-customer: a new customer's expected repeat purchases in its first H time
 * units, E[X(H)], and with --distribution N the probabilities P(X(H) = n), n = 0..N (issue
 * 15), from a --params file. No purchase history is read.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnbd_cli.h"
#include "numbers.h"
#include "modelio.h"
#include "output.h"
#include "predict_new.h"

static void put(FILE *fp, double v)
{
    char b[40];
    cli_format_double(v, b);
    fputs(b, fp);
}

int cli_predict_new(const cli_params *pp, double horizon, size_t n_k, int json, const char *output, cli_err *err)
{
    cva_diag dg;
    cva_status st;
    cli_out out;
    double ey = 0.0, *pk = NULL;
    size_t k;

    cva_diag_init(&dg, sizeof dg);
    if (cli_is_cnbd(pp->model)) {
        st = cva_cnbd_expected_pop(pp->model, pp->k, pp->p, &horizon, 1, &ey, &dg);
    } else {
        st = cva_model_expected_pop(pp->model, pp->p, &horizon, 1, &ey, &dg);
    }
    if (st < 0)
        return cli_fail(err, CLI_EXIT_LIB, "predict --new-customer: expected purchases: %s",
                        dg.detail ? dg.detail : cva_strerror(st));
    if (st == CVA_W_SERIES_LIMIT)
        fprintf(stderr, "cva: warning: a series hit its term limit in E[X(H)] (%s)\n", dg.detail ? dg.detail : "");
    if (n_k) {
        pk = (double *)cli_xmalloc(n_k * sizeof *pk);
        cva_diag_init(&dg, sizeof dg);
        if (cli_is_cnbd(pp->model)) {
            /* a new customer is the row x = t_x = T = 0 of the conditional distribution */
            static const double zero = 0.0;
            double p5[5];
            memcpy(p5, pp->p, 4 * sizeof(double));
            p5[4] = (double)pp->k;
            st = cva_model_cond_prob_n(pp->model, p5, horizon, &zero, &zero, &zero, 1, n_k, pk, NULL, &dg);
        } else {
            st = cva_model_prob_n(pp->model, pp->p, horizon, n_k, pk, &dg);
        }
        if (st < 0) {
            free(pk);
            return cli_fail(err, CLI_EXIT_LIB, "predict --new-customer: distribution: %s",
                            dg.detail ? dg.detail : cva_strerror(st));
        }
        if (st == CVA_W_SERIES_LIMIT)
            fprintf(stderr, "cva: warning: a series hit its term limit in the distribution (%s)\n",
                    dg.detail ? dg.detail : "");
    }
    if (cli_out_open(&out, output, err)) {
        free(pk);
        return CLI_EXIT_IO;
    }
    if (json) {
        fprintf(out.fp, "{\"model\": \"%s\", \"horizon\": ", cli_model_name(pp->model));
        put(out.fp, horizon);
        fputs(", \"expected_purchases\": ", out.fp);
        put(out.fp, ey);
        if (n_k) {
            fputs(", \"p\": [", out.fp);
            for (k = 0; k < n_k; k++) {
                if (k)
                    fputs(", ", out.fp);
                put(out.fp, pk[k]);
            }
            fputs("]", out.fp);
        }
        fputs("}\n", out.fp);
    } else {
        fputs("horizon,expected_purchases", out.fp);
        for (k = 0; k < n_k; k++)
            fprintf(out.fp, ",p_%lu", (unsigned long)k);
        fputs("\n", out.fp);
        put(out.fp, horizon);
        fputs(",", out.fp);
        put(out.fp, ey);
        for (k = 0; k < n_k; k++) {
            fputs(",", out.fp);
            put(out.fp, pk[k]);
        }
        fputs("\n", out.fp);
    }
    free(pk);
    return cli_out_commit(&out, err);
}
