/*
 * Status table, version, diag and size queries.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

static void status_table(void **state)
{
    (void)state;
    assert_string_equal(cva_status_name(CVA_OK), "CVA_OK");
    assert_string_equal(cva_status_name(CVA_E_NOMEM), "CVA_E_NOMEM");
    assert_string_equal(cva_status_name(CVA_W_EXCLUDED), "CVA_W_EXCLUDED");
    assert_string_equal(cva_status_name(12345), "CVA_UNKNOWN");
    assert_string_equal(cva_strerror(CVA_E_NONFINITE), "NaN or infinite value in input");
    assert_string_equal(cva_strerror(-9999), "unknown status");
    /* pinned values: never renumber */
    assert_int_equal(CVA_E_NULLPTR, -1);
    assert_int_equal(CVA_E_BADARG, -2);
    assert_int_equal(CVA_E_NONFINITE, -3);
    assert_int_equal(CVA_E_DOMAIN, -4);
    assert_int_equal(CVA_E_NOMEM, -5);
    assert_int_equal(CVA_E_NOCONVERGE, -6);
    assert_int_equal(CVA_W_EMPTY, 1);
    assert_int_equal(CVA_W_TIES, 2);
    assert_int_equal(CVA_W_NEGATIVE, 3);
    assert_int_equal(CVA_W_EXCLUDED, 4);
    assert_int_equal(CVA_W_SERIES_LIMIT, 5);
    /* every code in the table has a distinct name and a message */
    {
        static const int codes[] = {
#define X_(name, value, msg) value,
            CVA_STATUS_MAP(X_)
#undef X_
        };
        size_t i, j;
        for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
            assert_string_not_equal(cva_status_name(codes[i]), "CVA_UNKNOWN");
            assert_string_not_equal(cva_strerror(codes[i]), "unknown status");
            for (j = 0; j < i; j++)
                assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

static void version(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(cva_version_number(), CVA_VERSION_NUMBER);
    assert_string_equal(cva_version_string(), CVA_VERSION_STRING);
    snprintf(buf, sizeof buf, "%d.%d.%d", CVA_VERSION_MAJOR, CVA_VERSION_MINOR, CVA_VERSION_PATCH);
    assert_string_equal(cva_version_string(), buf);
}

static void diag_and_sizes(void **state)
{
    cva_diag d;
    (void)state;
    assert_status(cva_diag_init(NULL, sizeof d), CVA_E_NULLPTR);
    assert_status(cva_diag_init(&d, sizeof d + 8), CVA_E_ABI_MISMATCH);
    assert_status(cva_diag_init(&d, sizeof d), CVA_OK);
    assert_int_equal(d.index, -1);
    assert_int_equal(d.status, 0);
    assert_non_null(d.detail);
    assert_int_equal(cva_sizeof(CVA_STRUCT_DIAG), sizeof(cva_diag));
    assert_int_equal(cva_sizeof(CVA_STRUCT_ALLOCATOR), sizeof(cva_allocator));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_INPUT), sizeof(cva_txn_input));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_OPTS), sizeof(cva_txn_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_TXN_SUMMARY), sizeof(cva_txn_summary));
    assert_int_equal(cva_sizeof(CVA_STRUCT_SIM_OPTS), sizeof(cva_sim_opts));
    assert_int_equal(cva_sizeof(0), 0);
    assert_int_equal(cva_sizeof(9999), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_table),
        cmocka_unit_test(version),
        cmocka_unit_test(diag_and_sizes),
    };
    return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
