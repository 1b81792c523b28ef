/*
 * Fuzz target: the parameter-file reader of `cva predict` / `cva whatif`
 * (cli_params_read, tools/json.c).
 * SPDX-License-Identifier: MIT
 *
 * Byte 0 chooses the model that --model would ask for (or none); the rest is
 * the file.
 * Invariants:
 *  - a refused file gives exit code 2, 3 or 4 (never 1) and a message that
 *    starts with the file name;
 *  - an accepted file has a known model (the one asked for, if any), and its
 *    cva_model_n_params() parameters are finite and > 0.
 */
#include "fuzz_file.h"

#include <math.h>
#include <stdint.h>

#include "cli.h"
#include "json.h"
#include "cva/cva.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_params pp;
    cli_err err;
    const char *path;
    int32_t want, np, i;
    int rc;

    cli_quiet = 1;
    if (size < 1)
        return 0;
    want = (int32_t)(data[0] % 9); /* 0: no --model; 8: not a model */
    path = fz_tmp_write("params", data + 1, size - 1);
    if (!path)
        return 0;
    memset(&err, 0, sizeof err);
    rc = cli_params_read(path, want == 8 ? 0 : want, &pp, &err);
    if (rc != 0) {
        FZ_CHECK(rc == err.code && rc >= 2 && rc <= 4, "exit code %d: %s", rc, err.msg);
        FZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0, "the message does not name the file: %s", err.msg);
        return 0;
    }
    np = cva_model_n_params(pp.model);
    FZ_CHECK(np >= 2 && np <= 4, "model %d with %d parameters", (int)pp.model, (int)np);
    FZ_CHECK(want == 0 || want == 8 || pp.model == want, "model %d, asked for %d", (int)pp.model, (int)want);
    for (i = 0; i < np; i++)
        FZ_CHECK(isfinite(pp.p[i]) && pp.p[i] > 0, "parameter %d = %g", (int)i, pp.p[i]);
    FZ_CHECK(pp.converged >= -1 && pp.converged <= 1, "converged %d", pp.converged);
    return 0;
}
