/*
 * Fuzz target: the summary-file reader of `cva fit` / `cva predict`
 * (cli_custdata_from_summary, tools/modeldata.c).
 * SPDX-License-Identifier: MIT
 *
 * Byte 0 chooses the delimiter, the required columns and the discrete (BG/BB)
 * reading; the rest is the file.
 * Invariants:
 *  - a refused file gives exit code 2, 3 or 4 (never 1, out of memory) and a
 *    message that starts with the file name;
 *  - an accepted file: every row satisfies the documented checks (x whole and
 *    >= 0, 0 <= t_x <= T, x = 0 => t_x = 0 in continuous time, weights > 0,
 *    every number finite; BG/BB: whole t_x and T, x <= t_x), line numbers
 *    ascend, and a time_unit is day or week.
 */
#include "fuzz_file.h"

#include <math.h>
#include <stdint.h>

#include "cli.h"
#include "csv.h"
#include "modeldata.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int delims[] = {',', ';', '\t', CSV_DELIM_WHITESPACE};
    cli_custdata d;
    cli_err err;
    const char *path;
    unsigned mode, need;
    int discrete, rc;
    size_t i;

    cli_quiet = 1;
    if (size < 1)
        return 0;
    mode = data[0];
    path = fz_tmp_write("summary", data + 1, size - 1);
    if (!path)
        return 0;
    discrete = (mode >> 2) & 1;
    need = (1u << CLI_SCOL_X) | ((mode & 8) ? (1u << CLI_SCOL_TX) | (1u << CLI_SCOL_T) : 0u) |
           ((mode & 16) ? (1u << CLI_SCOL_M) : 0u);
    memset(&err, 0, sizeof err);
    rc = cli_custdata_from_summary(path, delims[mode & 3], NULL, need, discrete, &d, &err);
    if (rc != 0) {
        FZ_CHECK(rc == err.code && rc >= 2 && rc <= 4, "exit code %d: %s", rc, err.msg);
        FZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0, "the message does not name the file: %s", err.msg);
        return 0;
    }
    FZ_CHECK(d.time_unit == CLI_UNIT_UNKNOWN || d.time_unit == CLI_UNIT_DAY || d.time_unit == CLI_UNIT_WEEK,
             "time unit %d", d.time_unit);
    for (i = 0; i < d.n; i++) {
        double x = d.x ? d.x[i] : 0, tx = d.tx ? d.tx[i] : 0, T = d.T ? d.T[i] : (double)INFINITY;
        FZ_CHECK(d.x != NULL, "no frequency column");
        FZ_CHECK(isfinite(x) && x >= 0 && x == floor(x), "row %zu: x = %g", i, x);
        FZ_CHECK(isfinite(tx) && tx >= 0 && tx <= T, "row %zu: t_x = %g, T = %g", i, tx, T);
        FZ_CHECK(!d.T || isfinite(T), "row %zu: T = %g", i, T);
        if (!discrete && d.tx)
            FZ_CHECK(x > 0 || tx == 0, "row %zu: x = 0 with t_x = %g", i, tx);
        if (discrete && d.tx && d.T)
            FZ_CHECK(tx == floor(tx) && T == floor(T) && x <= tx, "row %zu: BG/BB x %g t_x %g n %g", i, x, tx, T);
        if (d.w)
            FZ_CHECK(d.w[i] > 0 && isfinite(d.w[i]), "row %zu: weight %g", i, d.w[i]);
        if (d.m)
            FZ_CHECK(isfinite(d.m[i]), "row %zu: m = %g", i, d.m[i]);
        if (i > 0)
            FZ_CHECK(d.line[i] > d.line[i - 1], "line numbers do not ascend at row %zu", i);
    }
    cli_custdata_free(&d);
    return 0;
}
