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

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static inline double cva_test_days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (double)(era * 146097 + doe - 719468);
}

/*
 * Read <dir>/CDNOW_sample.txt (master id, sample id, YYYYMMDD, CDs, dollars):
 * customer = sample id, time in days since 1970-01-01. Returns the row count,
 * 0 when the file is missing.
 */
static inline size_t cva_test_read_cdnow_log(const char *dir, int64_t *id, double *t, double *amount, size_t max)
{
    char path[1200];
    FILE *f;
    long master, sample, ymd, ncd;
    double dollars;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/CDNOW_sample.txt", dir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < max && fscanf(f, "%ld %ld %ld %ld %lf", &master, &sample, &ymd, &ncd, &dollars) == 5) {
        id[n] = sample;
        t[n] = cva_test_days_from_civil((int)(ymd / 10000), (int)(ymd / 100 % 100), (int)(ymd % 100));
        amount[n] = dollars;
        n++;
    }
    fclose(f);
    return n;
}

/*
 * The published CDNOW calibration summary rebuilt from the transaction log:
 * daily occasions, weeks (days/7), calibration end 1997-09-30; 2357 customers
 * in ascending id order into x, t_x, T and m_x (each of 2357 + 1 elements).
 * Returns 1 on success, 0 when the data is missing or does not summarise.
 */
static inline int cva_test_cdnow_summary(const char *dir, double *x, double *t_x, double *T, double *m_x)
{
    enum { MAXROWS_ = 8000, NCUST_ = 2357 };
    static int64_t id[MAXROWS_], cid[NCUST_ + 1];
    static double t[MAXROWS_], amt[MAXROWS_];
    cva_txn_input in;
    cva_txn_opts o;
    cva_txn_summary s;
    size_t n = cva_test_read_cdnow_log(dir, id, t, amt, MAXROWS_);
    if (n == 0)
        return 0;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n;
    in.customer_id = id;
    in.t = t;
    in.amount = amt;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.time_scale = 7.0;
    o.calibration_end = cva_test_days_from_civil(1997, 9, 30);
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = NCUST_ + 1;
    s.customer_id = cid;
    s.frequency = x;
    s.recency = t_x;
    s.T = T;
    s.monetary_value = m_x;
    return cva_txn_summarize(&in, &o, &s, NULL, 0, NULL) == CVA_OK && s.n_customers == NCUST_;
}

#endif /* CVA_TEST_H */
