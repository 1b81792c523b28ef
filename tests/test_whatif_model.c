/*
 * The model-based what-if (cva_whatif_sbg, cva_whatif_btyd; docs/methods/retention.md#methods_clv_model, docs/methods/retention.md#methods_whatif): the shifted
 * parameters, retentions, DEL/DERL and base values against mpmath references evaluated
 * from the model definitions without the library's closed forms
 * (tests/data/whatif_model_ref.py -> whatif_model_ref.h), the closed form of the Pareto/NBD
 * shift, Δ = 0 identities, monotonicity, caps, undefined shifts and every error.
 * SPDX-License-Identifier: MIT
 */
#include "cva_test.h"

#include "cva/retention.h"
#include "data/whatif_model_ref.h"

#define DNAN ((double)NAN)

static const double PN[4] = {0.5534, 10.5776, 0.6061, 11.6650};
static const double BG[4] = {0.243, 4.414, 0.793, 2.426};
static const double GG[3] = {6.25, 3.74, 15.45};

static cva_whatif_model_opts opts_of(int32_t mode, double delta, double d, double P)
{
    cva_whatif_model_opts o;
    assert_status(cva_whatif_model_opts_init_defaults(&o, sizeof o), CVA_OK);
    o.delta_mode = mode;
    o.delta_retention = delta;
    o.discount = d;
    o.period = P;
    return o;
}

static cva_whatif_model_result fresh(void)
{
    cva_whatif_model_result r;
    assert_status(cva_whatif_model_result_init(&r, sizeof r), CVA_OK);
    return r;
}

static void test_defaults(void **state)
{
    cva_whatif_model_opts o;
    cva_whatif_model_result r;
    (void)state;
    assert_status(cva_whatif_model_opts_init_defaults(&o, sizeof o), CVA_OK);
    assert_int_equal(o.delta_mode, CVA_WHATIF_DELTA_ABS);
    cva_assert_same(o.delta_retention, 0.0);
    cva_assert_same(o.discount, 0.10);
    cva_assert_same(o.period, 52.0);
    cva_assert_same(o.margin, 1.0);
    cva_assert_same(o.n_renewals, 0.0);
    cva_assert_same(o.retention_cap, 0.999);
    assert_null(o.alloc);
    assert_status(cva_whatif_model_opts_init_defaults(NULL, sizeof o), CVA_E_NULLPTR);
    assert_status(cva_whatif_model_opts_init_defaults(&o, sizeof o - 1), CVA_E_ABI_MISMATCH);
    assert_status(cva_whatif_model_result_init(&r, sizeof r), CVA_OK);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_UNDEFINED);
    assert_true(isnan(r.value_new) && isnan(r.params_new[3]) && isnan(r.value_constant_new));
    assert_status(cva_whatif_model_result_init(&r, sizeof r + 8), CVA_E_ABI_MISMATCH);
    assert_int_equal(cva_sizeof(CVA_STRUCT_WHATIF_MODEL_OPTS), sizeof(cva_whatif_model_opts));
    assert_int_equal(cva_sizeof(CVA_STRUCT_WHATIF_MODEL_RESULT), sizeof(cva_whatif_model_result));
}

/* sBG against the term-by-term sums of the mpmath reference. */
static void test_sbg_reference(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof wm_sbg_ref / sizeof wm_sbg_ref[0]; i++) {
        const double *w = wm_sbg_ref[i];
        const double prm[2] = {w[0], w[1]};
        cva_whatif_model_opts o = opts_of((int32_t)w[3], w[4], w[2], 52.0);
        cva_whatif_model_result r = fresh();
        double d = w[2], csum = 0.0;
        size_t k;
        o.n_renewals = w[5];
        o.margin = 2.5;
        assert_status(cva_whatif_sbg(prm, wm_sbg_counts, 5, &o, &r, NULL), CVA_OK);
        assert_int_equal(r.model, CVA_MODEL_SBG);
        assert_int_equal(r.n_params, 2);
        assert_int_equal(r.shift, CVA_WHATIF_SHIFT_EXACT);
        cva_assert_close(r.retention_base, w[6], 1e-15, 0.0);
        cva_assert_close(r.retention_new, w[7], 1e-14, 0.0);
        cva_assert_close(r.retention_target, w[7], 1e-14, 0.0);
        cva_assert_close(r.params_new[0], w[8], 1e-14, 0.0);
        cva_assert_close(r.params_new[1], w[9], 1e-14, 0.0);
        cva_assert_close(r.dropout_scale, w[8] / w[0], 1e-14, 0.0);
        /* the shifted first-period retention is r' */
        cva_assert_close(r.params_new[1] / (r.params_new[0] + r.params_new[1]), w[7], 1e-14, 0.0);
        cva_assert_close(r.del_base, w[10], 1e-12, 0.0);
        cva_assert_close(r.del_new, w[11], 1e-12, 0.0);
        cva_assert_close(r.derl_base, w[12], 1e-12, 0.0);
        cva_assert_close(r.derl_new, w[13], 1e-12, 0.0);
        cva_assert_close(r.del_change_pct, 100.0 * (w[11] / w[10] - 1.0), 1e-10, 1e-12);
        cva_assert_close(r.derl_change_pct, 100.0 * (w[13] / w[12] - 1.0), 1e-10, 1e-12);
        cva_assert_close(r.value_base, 2.5 * w[14], 1e-12, 0.0);
        cva_assert_close(r.value_new, 2.5 * w[15], 1e-12, 0.0);
        cva_assert_close(r.delta_value, 2.5 * (w[15] - w[14]), 1e-10, 1e-10);
        cva_assert_close(r.delta_value_pct, 100.0 * (w[15] / w[14] - 1.0), 1e-10, 1e-12);
        /* constant retention r_1: sum_t r^t/(1+d)^t and r·(that) */
        cva_assert_close(r.del_constant_base, (1.0 + d) / (1.0 + d - w[6]), 1e-14, 0.0);
        cva_assert_close(r.del_constant_new, (1.0 + d) / (1.0 + d - w[7]), 1e-14, 0.0);
        cva_assert_close(r.derl_constant_base, w[6] * (1.0 + d) / (1.0 + d - w[6]), 1e-14, 0.0);
        cva_assert_close(r.derl_constant_new, w[7] * (1.0 + d) / (1.0 + d - w[7]), 1e-14, 0.0);
        for (k = 0; k < 5; k++)
            csum += wm_sbg_counts[k];
        cva_assert_same(r.customers, csum);
        cva_assert_close(r.value_constant_base, 2.5 * csum * r.derl_constant_base, 1e-14, 0.0);
        cva_assert_close(r.value_constant_new, 2.5 * csum * r.derl_constant_new, 1e-14, 0.0);
    }
}

/* docs/methods/models.md#methods_models_refs: DEL/DERL of (0.704, 1.182) at d = 0.10; the header's example; the constant
   valuation undervalues the heterogeneous base (Fader & Hardie 2010). */
static void test_sbg_spec(void **state)
{
    const double prm[2] = {0.704, 1.182};
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.10, 52.0);
    cva_whatif_model_result r = fresh();
    (void)state;
    assert_status(cva_whatif_sbg(prm, NULL, 0, &o, &r, NULL), CVA_OK);
    cva_assert_close(r.del_base, 3.695147406, 0.0, 5e-10);
    cva_assert_close(r.derl_base, 2.964662146, 0.0, 5e-10);
    cva_assert_close(r.params_new[0], 0.6097, 0.0, 1e-12);
    cva_assert_close(r.params_new[1], 1.2763, 0.0, 1e-12);
    assert_true(r.del_constant_base < r.del_base);
    assert_true(isnan(r.value_base) && isnan(r.value_new) && isnan(r.customers));
    o.n_renewals = 4.0; /* DERL(n = 5) of docs/methods/retention.md */
    assert_status(cva_whatif_sbg(prm, NULL, 0, &o, &r, NULL), CVA_OK);
    cva_assert_close(r.derl_base, 5.894422860, 0.0, 5e-10);
}

/* Pareto/NBD: closed-form c, the shifted survival hits the target, DERT ratios. */
static void test_pnbd_reference(void **state)
{
    size_t i, j, nc = sizeof wm_cust / sizeof wm_cust[0];
    double x[4], tx[4], T[4], m[4] = {35.0, 0.0, 20.0, 50.0}, dert[4], spend[4];
    (void)state;
    for (j = 0; j < nc; j++) {
        x[j] = wm_cust[j][0];
        tx[j] = wm_cust[j][1];
        T[j] = wm_cust[j][2];
    }
    assert_status(cva_gg_expected_spend(GG, x, m, nc, spend, NULL, NULL), CVA_OK);
    for (i = 0; i < sizeof wm_pnbd_ref / sizeof wm_pnbd_ref[0]; i++) {
        const double *w = wm_pnbd_ref[i];
        const double P = w[0], d = w[1], delta = log1p(d) / P;
        cva_whatif_model_opts o = opts_of((int32_t)w[2], w[3], d, P);
        cva_whatif_model_result r = fresh();
        double vb = 0.0, vn = 0.0, s_new;
        o.margin = 0.3;
        assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, GG, x, tx, T, m, nc, &o, &r, NULL), CVA_OK);
        assert_int_equal(r.shift, CVA_WHATIF_SHIFT_EXACT);
        assert_int_equal(r.n_params, 4);
        cva_assert_close(r.retention_base, w[4], 1e-14, 0.0);
        cva_assert_close(r.retention_base, pow(PN[3] / (PN[3] + P), PN[2]), 1e-15, 0.0);
        cva_assert_close(r.retention_new, w[5], 1e-14, 0.0);
        cva_assert_close(r.dropout_scale, w[6], 1e-13, 0.0);
        cva_assert_same(r.params_new[0], PN[0]);
        cva_assert_same(r.params_new[2], PN[2]);
        cva_assert_close(r.params_new[3], PN[3] / w[6], 1e-13, 0.0);
        /* the shifted survival equals the target */
        s_new = pow(r.params_new[3] / (r.params_new[3] + P), PN[2]);
        cva_assert_close(s_new, r.retention_new, 1e-12, 0.0);
        s_new = pow(PN[3] / (PN[3] + r.dropout_scale * P), PN[2]);
        cva_assert_close(s_new, r.retention_new, 1e-12, 0.0);
        assert_status(cva_model_dert(CVA_MODEL_PNBD, PN, delta, x, tx, T, nc, dert, NULL, NULL), CVA_OK);
        for (j = 0; j < nc; j++) {
            vb += 0.3 * spend[j] * dert[j];
            vn += 0.3 * spend[j] * dert[j] * w[7 + j];
        }
        cva_assert_same(r.customers, (double)nc);
        cva_assert_close(r.value_base, vb, 1e-14, 0.0);
        cva_assert_close(r.value_new, vn, 1e-12, 0.0);
        cva_assert_close(r.delta_value_pct, 100.0 * (vn / vb - 1.0), 1e-10, 1e-12);
        assert_true(isnan(r.del_base) && isnan(r.derl_new) && isnan(r.value_constant_base));
    }
}

/* BG/NBD: the 2F1 one-period retention and the root c against quadrature, DERT ratios
   against a two-dimensional quadrature of λ/(δ + cpλ). */
static void test_bgnbd_reference(void **state)
{
    size_t i, j;
    double x[3], tx[3], T[3], dert[3];
    (void)state;
    for (j = 0; j < 3; j++) {
        x[j] = wm_cust[j][0];
        tx[j] = wm_cust[j][1];
        T[j] = wm_cust[j][2];
    }
    for (i = 0; i < sizeof wm_bg_ref / sizeof wm_bg_ref[0]; i++) {
        const double *w = wm_bg_ref[i];
        const double P = w[0], d = w[1], delta = log1p(d) / P;
        cva_whatif_model_opts o = opts_of((int32_t)w[2], w[3], d, P);
        cva_whatif_model_result r = fresh();
        double vb = 0.0, vn = 0.0;
        assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, NULL, x, tx, T, NULL, 3, &o, &r, NULL), CVA_OK);
        assert_int_equal(r.shift, CVA_WHATIF_SHIFT_EXACT);
        cva_assert_close(r.retention_base, w[4], 1e-13, 0.0);
        cva_assert_close(r.retention_new, w[5], 1e-13, 0.0);
        cva_assert_close(r.dropout_scale, w[6], 1e-11, 0.0);
        for (j = 0; j < 4; j++)
            cva_assert_same(r.params_new[j], BG[j]);
        assert_status(cva_model_dert(CVA_MODEL_BGNBD, BG, delta, x, tx, T, 3, dert, NULL, NULL), CVA_OK);
        for (j = 0; j < 3; j++) {
            vb += dert[j];
            vn += dert[j] * w[7 + j];
        }
        cva_assert_close(r.value_base, vb, 1e-14, 0.0);
        cva_assert_close(r.value_new, vn, 1e-10, 0.0);
    }
}

/* Δ = 0: the new values are the base values exactly, for every model. */
static void test_delta_zero(void **state)
{
    const double sb[2] = {0.704, 1.182}, cnt[3] = {10.0, 5.0, 2.0};
    double x[3] = {2.0, 0.0, 5.0}, tx[3] = {30.43, 0.0, 10.0}, T[3] = {38.86, 38.86, 38.86}, m[3] = {35, 0, 20};
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_REL, 0.0, 0.10, 52.0);
    cva_whatif_model_result r = fresh();
    int k;
    (void)state;
    assert_status(cva_whatif_sbg(sb, cnt, 3, &o, &r, NULL), CVA_OK);
    cva_assert_same(r.retention_new, r.retention_base);
    cva_assert_same(r.dropout_scale, 1.0);
    cva_assert_same(r.params_new[0], sb[0]);
    cva_assert_same(r.params_new[1], sb[1]);
    cva_assert_same(r.del_new, r.del_base);
    cva_assert_same(r.derl_new, r.derl_base);
    cva_assert_same(r.value_new, r.value_base);
    cva_assert_same(r.delta_value, 0.0);
    cva_assert_same(r.del_change_pct, 0.0);
    for (k = 0; k < 2; k++) {
        const int32_t model = k ? CVA_MODEL_BGNBD : CVA_MODEL_PNBD;
        const double *prm = k ? BG : PN;
        int j;
        r = fresh();
        assert_status(cva_whatif_btyd(model, prm, GG, x, tx, T, m, 3, &o, &r, NULL), CVA_OK);
        cva_assert_same(r.dropout_scale, 1.0);
        cva_assert_same(r.retention_new, r.retention_base);
        for (j = 0; j < 4; j++)
            cva_assert_same(r.params_new[j], prm[j]);
        cva_assert_same(r.value_new, r.value_base);
        cva_assert_same(r.delta_value_pct, 0.0);
    }
}

/* Value rises with Δ; the scale c falls; DEL/DERL rise. */
static void test_monotone(void **state)
{
    const double sb[2] = {0.6681, 3.8061}, cnt[2] = {100.0, 40.0};
    double x[3] = {2.0, 0.0, 5.0}, tx[3] = {30.43, 0.0, 10.0}, T[3] = {38.86, 38.86, 38.86}, m[3] = {35, 0, 20};
    int k, i;
    (void)state;
    for (k = 0; k < 3; k++) {
        double prev_v = -1.0, prev_c = 2.0, prev_del = -1.0;
        for (i = 0; i <= 8; i++) {
            const double delta = 0.01 * (double)i;
            cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, delta, 0.10, 52.0);
            cva_whatif_model_result r = fresh();
            if (k == 0) {
                assert_status(cva_whatif_sbg(sb, cnt, 2, &o, &r, NULL), CVA_OK);
                assert_true(r.del_new > prev_del);
                prev_del = r.del_new;
            } else {
                assert_status(cva_whatif_btyd(k == 1 ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD, k == 1 ? PN : BG, GG, x,
                                              tx, T, m, 3, &o, &r, NULL),
                              CVA_OK);
            }
            assert_true(r.value_new > prev_v);
            assert_true(r.dropout_scale < prev_c);
            prev_v = r.value_new;
            prev_c = r.dropout_scale;
        }
    }
}

static void test_cap_and_undefined(void **state)
{
    const double sb[2] = {0.704, 1.182};
    double x[2] = {2.0, 0.0}, tx[2] = {30.43, 0.0}, T[2] = {38.86, 38.86};
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, 0.5, 0.10, 52.0);
    cva_whatif_model_result r = fresh();
    cva_diag dg;
    (void)state;
    assert_status(cva_diag_init(&dg, sizeof dg), CVA_OK);
    /* sBG: 0.627 + 0.5 >= 0.999: capped */
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_W_BOUNDARY);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_DELTA);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_CAPPED);
    cva_assert_close(r.retention_target, 1.182 / 1.886 + 0.5, 1e-15, 0.0);
    cva_assert_same(r.retention_new, 0.999);
    assert_true(isfinite(r.del_new) && r.del_new > r.del_base);
    o.retention_cap = 0.9;
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, NULL), CVA_W_BOUNDARY);
    cva_assert_same(r.retention_new, 0.9);
    cva_assert_close(r.params_new[1] / (r.params_new[0] + r.params_new[1]), 0.9, 1e-15, 0.0);
    /* sBG: r' <= 0: undefined */
    o = opts_of(CVA_WHATIF_DELTA_ABS, -0.7, 0.10, 52.0);
    r = fresh();
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_W_BOUNDARY);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_UNDEFINED);
    assert_true(isnan(r.retention_new) && isnan(r.del_new) && isnan(r.params_new[0]));
    assert_true(isfinite(r.del_base));
    /* Pareto/NBD capped, then a lower retention is fine (c > 1) */
    o = opts_of(CVA_WHATIF_DELTA_REL, 400.0, 0.10, 52.0);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, NULL, x, tx, T, NULL, 2, &o, &r, NULL), CVA_W_BOUNDARY);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_CAPPED);
    cva_assert_same(r.retention_new, 0.999);
    cva_assert_close(pow(PN[3] / (PN[3] + r.dropout_scale * 52.0), PN[2]), 0.999, 1e-12, 0.0);
    o = opts_of(CVA_WHATIF_DELTA_ABS, -0.1, 0.10, 52.0);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, NULL, x, tx, T, NULL, 2, &o, &r, NULL), CVA_OK);
    assert_true(r.dropout_scale > 1.0 && r.value_new < r.value_base);
    /* BG/NBD: a lower retention would need c > 1 */
    r = fresh();
    assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, NULL, x, tx, T, NULL, 2, &o, &r, &dg), CVA_W_BOUNDARY);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_UNDEFINED);
    assert_true(isnan(r.value_new) && isnan(r.dropout_scale) && isfinite(r.value_base));
    /* BG/NBD capped: the 2F1 survival at the solved c is the cap */
    o = opts_of(CVA_WHATIF_DELTA_ABS, 0.5, 0.10, 52.0);
    assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, NULL, x, tx, T, NULL, 2, &o, &r, NULL), CVA_W_BOUNDARY);
    assert_int_equal(r.shift, CVA_WHATIF_SHIFT_CAPPED);
    assert_true(r.dropout_scale > 0.0 && r.dropout_scale < 0.05);
}

static void test_excluded_rows(void **state)
{
    double x[3] = {2.0, DNAN, 5.0}, tx[3] = {30.43, DNAN, 10.0}, T[3] = {38.86, DNAN, 38.86};
    double m[3] = {35.0, DNAN, 20.0};
    double x2[2] = {2.0, 5.0}, tx2[2] = {30.43, 10.0}, T2[2] = {38.86, 38.86}, m2[2] = {35.0, 20.0};
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, 0.03, 0.10, 52.0);
    cva_whatif_model_result r = fresh(), r2 = fresh();
    cva_diag dg;
    int k;
    (void)state;
    assert_status(cva_diag_init(&dg, sizeof dg), CVA_OK);
    for (k = 0; k < 2; k++) {
        const int32_t model = k ? CVA_MODEL_BGNBD : CVA_MODEL_PNBD;
        const double *prm = k ? BG : PN;
        assert_status(cva_whatif_btyd(model, prm, GG, x, tx, T, m, 3, &o, &r, &dg), CVA_W_EXCLUDED);
        assert_int_equal(dg.count, 1);
        assert_status(cva_whatif_btyd(model, prm, GG, x2, tx2, T2, m2, 2, &o, &r2, NULL), CVA_OK);
        cva_assert_same(r.customers, 2.0);
        cva_assert_same(r.value_base, r2.value_base);
        cva_assert_same(r.value_new, r2.value_new);
    }
    /* n = 0: zero value, nothing to skip */
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, GG, NULL, NULL, NULL, NULL, 0, &o, &r, NULL), CVA_OK);
    cva_assert_same(r.value_base, 0.0);
    cva_assert_same(r.customers, 0.0);
    assert_true(isnan(r.delta_value_pct));
}

/* CDNOW (2357 customers): the base value is Σ margin·E[M]·DERT; Δ moves it up. */
static void test_cdnow(void **state)
{
    static double x[2358], tx[2358], T[2358], m[2358], dert[2358], sp[2358];
    const char *dir = cva_test_data_dir();
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.15, 52.0);
    cva_whatif_model_result r = fresh();
    double vb = 0.0;
    size_t i;
    (void)state;
    if (!dir) {
        skip();
        return;
    }
    if (!cva_test_cdnow_summary(dir, x, tx, T, m)) {
        skip();
        return;
    }
    for (i = 0; i < 2357; i++)
        if (x[i] < 1.0)
            m[i] = 0.0;
    o.margin = 0.3;
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, GG, x, tx, T, m, 2357, &o, &r, NULL), CVA_OK);
    assert_status(cva_model_dert(CVA_MODEL_PNBD, PN, log(1.15) / 52.0, x, tx, T, 2357, dert, NULL, NULL), CVA_OK);
    assert_status(cva_gg_expected_spend(GG, x, m, 2357, sp, NULL, NULL), CVA_OK);
    for (i = 0; i < 2357; i++)
        vb += 0.3 * sp[i] * dert[i];
    cva_assert_close(r.value_base, vb, 1e-12, 0.0);
    cva_assert_same(r.customers, 2357.0);
    assert_true(r.delta_value_pct > 0.0 && r.delta_value_pct < 100.0);
    r = fresh();
    assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, GG, x, tx, T, m, 2357, &o, &r, NULL), CVA_OK);
    assert_true(r.delta_value_pct > 0.0 && r.delta_value_pct < 100.0);
}

static void test_errors(void **state)
{
    const double sb[2] = {0.704, 1.182}, bad_sb[2] = {0.0, 1.0}, neg[2] = {1.0, -2.0};
    double x[1] = {2.0}, tx[1] = {30.43}, T[1] = {38.86}, m[1] = {-5.0};
    cva_whatif_model_opts o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.10, 52.0);
    cva_whatif_model_result r = fresh(), keep;
    cva_diag dg;
    (void)state;
    assert_status(cva_diag_init(&dg, sizeof dg), CVA_OK);
    keep = r;
    assert_status(cva_whatif_sbg(NULL, NULL, 0, &o, &r, NULL), CVA_E_NULLPTR);
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, NULL, NULL), CVA_E_NULLPTR);
    assert_status(cva_whatif_sbg(sb, NULL, 3, &o, &r, NULL), CVA_E_NULLPTR);
    assert_status(cva_whatif_sbg(bad_sb, NULL, 0, &o, &r, NULL), CVA_E_DOMAIN);
    assert_status(cva_whatif_sbg(sb, neg, 2, &o, &r, &dg), CVA_E_BADARG);
    assert_int_equal(dg.index, 1);
    o.delta_mode = 7;
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_DELTA_MODE);
    o = opts_of(CVA_WHATIF_DELTA_ABS, DNAN, 0.10, 52.0);
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_E_NONFINITE);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_DELTA);
    o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.0, 52.0);
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_DISCOUNT);
    o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.10, 52.0);
    o.retention_cap = 1.0;
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_CAP);
    o.retention_cap = 0.999;
    o.n_renewals = -1.0;
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_RENEWALS);
    o.n_renewals = 0.0;
    o.struct_size = 4;
    assert_status(cva_whatif_sbg(sb, NULL, 0, &o, &r, NULL), CVA_E_ABI_MISMATCH);
    o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.10, 0.0);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, NULL, x, tx, T, NULL, 1, &o, &r, &dg), CVA_E_OPTION);
    assert_int_equal(dg.option, CVA_OPT_WHATIFM_PERIOD);
    o = opts_of(CVA_WHATIF_DELTA_ABS, 0.05, 0.10, 52.0);
    assert_status(cva_whatif_btyd(CVA_MODEL_GG, PN, NULL, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_BADARG);
    assert_status(cva_whatif_btyd(CVA_MODEL_SBG, PN, NULL, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_BADARG);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, GG, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_NULLPTR);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, PN, GG, x, tx, T, m, 1, &o, &r, &dg), CVA_E_BADARG);
    assert_status(cva_whatif_btyd(CVA_MODEL_PNBD, neg, NULL, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_DOMAIN);
    tx[0] = 50.0; /* t_x > T */
    assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, NULL, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_BADARG);
    r.struct_size = 8;
    assert_status(cva_whatif_btyd(CVA_MODEL_BGNBD, BG, NULL, x, tx, T, NULL, 1, &o, &r, NULL), CVA_E_ABI_MISMATCH);
    r.struct_size = keep.struct_size;
    /* untouched on every error */
    assert_memory_equal(&r, &keep, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_sbg_reference),
        cmocka_unit_test(test_sbg_spec),       cmocka_unit_test(test_pnbd_reference),
        cmocka_unit_test(test_bgnbd_reference), cmocka_unit_test(test_delta_zero),
        cmocka_unit_test(test_monotone),       cmocka_unit_test(test_cap_and_undefined),
        cmocka_unit_test(test_excluded_rows),  cmocka_unit_test(test_cdnow),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
