/*
 * CDNOW reference (FHL 2005a): summarising the 1/10 sample transaction log
 * with daily occasions, time in weeks (days/7) and calibration end
 * 1997-09-30 reproduces Fader & Hardie's published summary.
 * Needs CVA_DATA_DIR (meson option data_dir); skips (exit 77) when absent,
 * fails instead when CVA_REQUIRE_DATA=1 (CI).
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

enum { MAXROWS = 8000, NCUST = 2357 };

static int64_t g_id[MAXROWS];
static double g_t[MAXROWS], g_a[MAXROWS];
static size_t g_n;
static char g_dir[1024];

static int load_sample(void)
{
    g_n = cva_test_read_cdnow_log(g_dir, g_id, g_t, g_a, MAXROWS);
    return g_n > 0;
}

static void cdnow_summary(void **state)
{
    static int64_t id[NCUST + 1];
    static double x[NCUST + 1], tx[NCUST + 1], T[NCUST + 1], mx[NCUST + 1], xh[NCUST + 1];
    cva_txn_input in;
    cva_txn_opts o;
    cva_txn_summary s;
    char path[1200], line[256];
    FILE *f;
    size_t k = 0, n_repeaters = 0;
    double max_dt = 0, max_dT = 0, max_dm = 0, holdout_total = 0;
    (void)state;

    assert_int_equal(g_n, 6919);
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = g_n;
    in.customer_id = g_id;
    in.t = g_t;
    in.amount = g_a;
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.time_scale = 7.0;
    o.calibration_end = cva_test_days_from_civil(1997, 9, 30);
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = NCUST + 1;
    s.customer_id = id;
    s.frequency = x;
    s.recency = tx;
    s.T = T;
    s.monetary_value = mx;
    s.frequency_holdout = xh;
    assert_status(cva_txn_summarize(&in, &o, &s, NULL, 0, NULL), CVA_OK);
    assert_int_equal(s.n_customers, NCUST);

    snprintf(path, sizeof path, "%s/cdnow_customers_summary.csv", g_dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        long cid;
        double fx, ft, fT;
        if (sscanf(line, "%ld,%lf,%lf,%lf", &cid, &fx, &ft, &fT) != 4)
            continue;
        assert_true(k < NCUST);
        assert_int_equal(id[k], cid);
        cva_assert_same(x[k], fx); /* exact */
        if (fabs(tx[k] - ft) > max_dt)
            max_dt = fabs(tx[k] - ft);
        if (fabs(T[k] - fT) > max_dT)
            max_dT = fabs(T[k] - fT);
        cva_assert_close(tx[k], ft, 0, 0.005);
        cva_assert_close(T[k], fT, 0, 0.005);
        n_repeaters += fx > 0;
        k++;
    }
    fclose(f);
    assert_int_equal(k, NCUST);
    assert_int_equal(n_repeaters, 946); /* the Gamma-Gamma sample of FHL 2005b */

    snprintf(path, sizeof path, "%s/cdnow_customers_summary_with_transactions.csv", g_dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    k = 0;
    while (fgets(line, sizeof line, f)) {
        long cid;
        double fx, ft, fT, zbar;
        if (sscanf(line, "%ld,%lf,%lf,%lf,%lf", &cid, &fx, &ft, &fT, &zbar) != 5)
            continue;
        assert_int_equal(id[k], cid);
        if (fabs(mx[k] - zbar) > max_dm)
            max_dm = fabs(mx[k] - zbar);
        cva_assert_close(mx[k], zbar, 0, 0.005 + 1e-9);
        k++;
    }
    fclose(f);
    assert_int_equal(k, NCUST);
    for (k = 0; k < NCUST; k++)
        holdout_total += xh[k];
    print_message("CDNOW: max |recency diff| %.5f, |T diff| %.5f, |m_x - zbar| %.5f weeks/$;"
                  " holdout repeat occasions %.0f\n",
                  max_dt, max_dT, max_dm, holdout_total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cdnow_summary),
    };
    const char *dir = cva_test_data_dir();
    const char *req = getenv("CVA_REQUIRE_DATA");
    int require = req && strcmp(req, "1") == 0;
    if (dir)
        snprintf(g_dir, sizeof g_dir, "%s", dir);
    if (!dir || !load_sample()) {
        fprintf(stderr, "%s: reference data not found at %s (meson -Ddata_dir=...)\n",
                require ? "FAIL" : "SKIP", dir ? dir : "(CVA_DATA_DIR unset)");
        printf("%s: reference data not found at %s\n", require ? "FAIL" : "SKIP",
               dir ? dir : "(CVA_DATA_DIR unset)");
        return require ? 1 : 77;
    }
    return cmocka_run_group_tests_name("cdnow", tests, NULL, NULL);
}
