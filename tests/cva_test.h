/*
 * Shared helpers for the cmocka tests.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_TEST_H
#define CVA_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cva/cva.h"

/* cmocka 1.1.5's assert_float_equal truncates to float: use these for doubles. */
#define cva_assert_close(actual, expected, rtol, atol) \
    cva_assert_close_((actual), (expected), (rtol), (atol), #actual, __FILE__, __LINE__)

static inline void cva_assert_close_(double a, double e, double rtol, double atol, const char *what,
                                     const char *file, int line)
{
    int ok;
    if (isnan(e))
        ok = isnan(a);
    else if (isinf(e))
        ok = a == e;
    else
        ok = fabs(a - e) <= atol + rtol * fabs(e);
    if (!ok) {
        print_error("%s:%d: %s = %.17g, expected %.17g (rtol %g, atol %g)\n", file, line, what, a, e,
                    rtol, atol);
        _fail(file, line);
    }
}

/* Exact equality of doubles, NaN equal to NaN. */
#define cva_assert_same(actual, expected) cva_assert_close((actual), (expected), 0.0, 0.0)

#define assert_status(call, expected)                                                        \
    do {                                                                                     \
        int st_ = (call);                                                                    \
        if (st_ != (expected)) {                                                             \
            print_error("%s returned %s (%d), expected %s\n", #call, cva_status_name(st_), st_, \
                        cva_status_name(expected));                                          \
            _fail(__FILE__, __LINE__);                                                       \
        }                                                                                    \
    } while (0)

/*
 * Reference data location: CVA_DATA_DIR from meson. Returns NULL when the
 * directory is absent; then the caller skips (exit 77) unless CVA_REQUIRE_DATA=1.
 */
static inline const char *cva_test_data_dir(void)
{
    const char *d = getenv("CVA_DATA_DIR");
    return d && *d ? d : NULL;
}

#endif /* CVA_TEST_H */
