/*
 * Simulator: determinism, count/write contract, option errors, and the
 * distribution checked against BG/NBD and Gamma-Gamma closed forms.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

/* Recorded once from this implementation (x86-64 glibc); see golden_stream(). */
#define SIM_GOLDEN_N 505
#define SIM_GOLDEN_HASH UINT64_C(0x75332b95b6fdce37)

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= c[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static void count_then_write(void **state)
{
    cva_sim_opts o;
    size_t n_rows = 0, n2 = 0, i;
    int64_t *id;
    double *t, *a;
    cva_diag d;
    (void)state;
    cva_diag_init(&d, sizeof d);
    assert_status(cva_sim_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_status(cva_sim_transactions(&o, 500, NULL, NULL, NULL, 0, &n_rows, &d), CVA_OK);
    assert_true(n_rows >= 500);
    id = (int64_t *)malloc(n_rows * sizeof *id);
    t = (double *)malloc(n_rows * sizeof *t);
    a = (double *)malloc(n_rows * sizeof *a);
    id[0] = -5;
    assert_status(cva_sim_transactions(&o, 500, id, t, a, n_rows - 1, &n2, &d), CVA_E_BUFFER_TOO_SMALL);
    assert_int_equal(n2, n_rows);
    assert_int_equal(id[0], -5);
    assert_status(cva_sim_transactions(&o, 500, id, t, a, n_rows, &n2, &d), CVA_OK);
    assert_int_equal(n2, n_rows);
    for (i = 0; i < n_rows; i++) {
        assert_true(id[i] >= 1 && id[i] <= 500);
        assert_true(t[i] >= 0 && t[i] <= 546 && t[i] == floor(t[i]));
        assert_true(a[i] > 0 && isfinite(a[i]));
        if (i > 0) {
            assert_true(id[i] >= id[i - 1]);
            if (id[i] == id[i - 1])
                assert_true(t[i] >= t[i - 1]);
        }
    }
    /* same seed, same rows; a different seed, different rows */
    {
        uint64_t h1 = fnv_bytes(UINT64_C(1469598103934665603), t, n_rows * sizeof *t), h2;
        double *t2 = (double *)malloc(n_rows * sizeof *t2);
        assert_status(cva_sim_transactions(&o, 500, id, t2, a, n_rows, &n2, NULL), CVA_OK);
        h2 = fnv_bytes(UINT64_C(1469598103934665603), t2, n_rows * sizeof *t2);
        assert_true(h1 == h2);
        o.seed = 43;
        assert_status(cva_sim_transactions(&o, 500, NULL, NULL, NULL, 0, &n2, NULL), CVA_OK);
        if (n2 <= n_rows) {
            assert_status(cva_sim_transactions(&o, 500, id, t2, a, n_rows, &n2, NULL), CVA_OK);
            assert_true(n2 != n_rows ||
                        fnv_bytes(UINT64_C(1469598103934665603), t2, n2 * sizeof *t2) != h1);
        }
        free(t2);
    }
    /* customer i's history does not depend on how many customers are simulated */
    {
        size_t m = 0, m2 = 0;
        int64_t *id3 = (int64_t *)malloc(n_rows * sizeof *id3);
        double *t3 = (double *)malloc(n_rows * sizeof *t3), *a3 = (double *)malloc(n_rows * sizeof *a3);
        o.seed = 42;
        assert_status(cva_sim_transactions(&o, 500, id, t, a, n_rows, &n2, NULL), CVA_OK);
        assert_status(cva_sim_transactions(&o, 100, id3, t3, a3, n_rows, &m, NULL), CVA_OK);
        while (m2 < n2 && id[m2] <= 100)
            m2++;
        assert_int_equal(m, m2);
        assert_memory_equal(t, t3, m * sizeof *t);
        assert_memory_equal(a, a3, m * sizeof *a);
        free(id3);
        free(t3);
        free(a3);
    }
    free(id);
    free(t);
    free(a);
}

/* Golden hash for seed 42: catches any change of the random stream (platform or code). */
static void golden_stream(void **state)
{
    cva_sim_opts o;
    size_t n = 0;
    int64_t id[4096];
    double t[4096], a[4096];
    uint64_t h = UINT64_C(1469598103934665603);
    (void)state;
    cva_sim_opts_init_defaults(&o, sizeof o);
    assert_status(cva_sim_transactions(&o, 200, id, t, a, 4096, &n, NULL), CVA_OK);
    h = fnv_bytes(h, id, n * sizeof id[0]);
    h = fnv_bytes(h, t, n * sizeof t[0]);
    h = fnv_bytes(h, a, n * sizeof a[0]);
    print_message("sim golden: n=%zu hash=%016llx\n", n, (unsigned long long)h);
    assert_int_equal(n, SIM_GOLDEN_N);
    assert_true(h == SIM_GOLDEN_HASH);
}

/*
 * BG/NBD: with every customer starting at 0 and a window of length t, the
 * share with no repeat purchase is (alpha/(alpha+t))^r (no drop-out before
 * the first repeat). Gamma-Gamma: the mean first-purchase amount is
 * p*gamma/(q-1), variance p*g^2/((q-1)(q-2)) + p^2 g^2/((q-1)^2 (q-2)).
 */
static void distribution(void **state)
{
    enum { NC = 200000 };
    cva_sim_opts o;
    size_t n = 0, i, zero = 0, cust = 0;
    int64_t *id;
    double *t, *a, sum_a = 0;
    double p0, share, se, mean, var;
    (void)state;
    cva_sim_opts_init_defaults(&o, sizeof o);
    o.acquisition_span = 0;
    o.round_times = 0;
    o.time_scale = 1;
    o.end = 20;                    /* window of 20 model units */
    o.seed = 7;
    assert_status(cva_sim_transactions(&o, NC, NULL, NULL, NULL, 0, &n, NULL), CVA_OK);
    id = (int64_t *)malloc(n * sizeof *id);
    t = (double *)malloc(n * sizeof *t);
    a = (double *)malloc(n * sizeof *a);
    assert_status(cva_sim_transactions(&o, NC, id, t, a, n, &n, NULL), CVA_OK);
    for (i = 0; i < n; i++) {
        if (i == 0 || id[i] != id[i - 1]) {
            size_t j = i + 1;
            cust++;
            sum_a += a[i];
            if (j >= n || id[j] != id[i])
                zero++;
        }
    }
    assert_int_equal(cust, NC);
    p0 = pow(o.alpha / (o.alpha + 20.0), o.r);
    share = (double)zero / NC;
    se = sqrt(p0 * (1 - p0) / NC);
    print_message("P(X=0): simulated %.5f, closed form %.5f (se %.5f)\n", share, p0, se);
    cva_assert_close(share, p0, 0, 4.5 * se);
    mean = o.p * o.gamma / (o.q - 1);
    var = o.p * o.gamma * o.gamma / ((o.q - 1) * (o.q - 2)) +
          o.p * o.p * o.gamma * o.gamma / ((o.q - 1) * (o.q - 1) * (o.q - 2));
    print_message("mean spend: simulated %.4f, closed form %.4f\n", sum_a / NC, mean);
    cva_assert_close(sum_a / NC, mean, 0, 5 * sqrt(var / NC));
    free(id);
    free(t);
    free(a);
}

static void option_errors(void **state)
{
    cva_sim_opts o;
    size_t n;
    cva_diag d;
    int64_t id[4];
    double t[4];
    (void)state;
    cva_diag_init(&d, sizeof d);
    cva_sim_opts_init_defaults(&o, sizeof o);
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, NULL, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_transactions(&o, 10, id, t, NULL, 4, &n, &d), CVA_E_NULLPTR);
    assert_status(cva_sim_transactions(&o, 0, NULL, NULL, NULL, 0, &n, &d), CVA_W_EMPTY);
    assert_int_equal(n, 0);
    o.r = -1;
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, &n, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_SIM_R);
    cva_sim_opts_init_defaults(&o, sizeof o);
    o.gamma = (double)NAN;
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, &n, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_SIM_GAMMA);
    cva_sim_opts_init_defaults(&o, sizeof o);
    o.end = 10;
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, &n, &d), CVA_E_OPTION);
    assert_int_equal(d.option, CVA_OPT_SIM_END);
    cva_sim_opts_init_defaults(&o, sizeof o);
    o.first_id = INT64_MAX - 3;
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, &n, &d), CVA_E_BADARG);
    o.struct_size = 3;
    assert_status(cva_sim_transactions(&o, 10, NULL, NULL, NULL, 0, &n, &d), CVA_E_ABI_MISMATCH);
    assert_status(cva_sim_opts_init_defaults(&o, 3), CVA_E_ABI_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(count_then_write),
        cmocka_unit_test(golden_stream),
        cmocka_unit_test(distribution),
        cmocka_unit_test(option_errors),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
