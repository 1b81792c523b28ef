/*
 * Fuzz target: the churn models' likelihood, fit and predictions
 * (cva_model_loglik, cva_model_fit_btyd, cva_model_p_alive, cva_model_expected, cva_model_predict,
 * cva_model_cond_prob_n; for BG/CNBD-k and MBG/CNBD-k cva_cnbd_loglik,
 * cva_cnbd_fit, cva_cnbd_p_alive, cva_cnbd_expected and cva_model_cond_prob_n
 * with k in params[4]; Gamma/Gompertz/NBD and the correlated Pareto/NBD through
 * the cva_model_* calls with five parameters).
 * SPDX-License-Identifier: MIT
 *
 * The bytes decode to a model id (valid or not; the model byte modulo 8 picks
 * BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, NBD, Gamma-Gamma as before, and 6 and 7
 * pick an invalid id (0, 99) or Gamma/Gompertz/NBD, BG/CNBD-k, MBG/CNBD-k
 * (7 with bits 3-4 = 3: the correlated Pareto/NBD) by the byte's bits 3-4, so
 * that inputs found before these models decode as they did), parameters (mostly positive,
 * sometimes 0, negative, NaN, Inf, huge or tiny), a horizon, per-customer rows
 * (valid x, t_x, T mostly; sometimes NaN rows, t_x > T, fractional x,
 * negatives) and the fit's options and struct size. The newer models read
 * one more parameter byte after the four: Gamma/Gompertz/NBD's fifth
 * parameter, the correlated Pareto/NBD's correlation (mostly within ±0.02),
 * or the regularity models' k (mostly 1..12, sometimes 0, 13, a
 * fraction or a special double).
 * Invariants:
 *  - an error leaves the outputs untouched (poison-filled);
 *  - success: P(alive) and every P(Y = k) are in [0, 1] (or NaN exactly for a
 *    row without a purchase), the P(Y = k) of a customer sum to at most 1, the
 *    expected counts are >= 0; the log-likelihood of the discrete BG/BB is <= 0;
 *  - a fit that returns a status >= 0 has a finite log-likelihood and finite
 *    parameters > 0 (the correlation: any sign), and that log-likelihood equals cva_model_loglik() at the
 *    estimate (weights 1: rows are not merged into other weights; the
 *    regularity models: cva_cnbd_loglik() at the estimate and the fitted k).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "fuzz_common.h"

#define MAXN 24
#define MAXK 6

static double param(fz *f)
{
    unsigned k = fz_u8(f);
    if (k < 200)
        return 0.05 + (double)(k % 40) / 4.0;
    return fz_double(f);
}

/* the regularity k as the double carried in params[4]: mostly 1..12 */
static double kparam(fz *f)
{
    unsigned k = fz_u8(f);
    if (k < 216)
        return (double)(1 + k % 12);
    switch (k % 4) {
    case 0: return 0.0;
    case 1: return 13.0;
    case 2: return 2.5;
    default: return fz_double(f);
    }
}

/* the model id: bytes 0..5 modulo 8 as before the newer models; 6 and 7 share
   their codes between the invalid ids and the newer models (7 with selector 3: the
   correlated Pareto/NBD) */
static int32_t model_id(unsigned b)
{
    static const int32_t models[] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD, CVA_MODEL_BGBB,
                                     CVA_MODEL_NBD, CVA_MODEL_GG, 0, 99};
    static const int32_t newer[] = {CVA_MODEL_GGOMNBD, CVA_MODEL_BGCNBD, CVA_MODEL_MBGCNBD};
    unsigned sel = (b >> 3) & 3;
    if (b % 8 < 6 || sel == 0)
        return models[b % 8];
    if (b % 8 == 7 && sel == 3)
        return CVA_MODEL_PNBDCOR;
    return newer[sel - 1];
}

/* the correlated Pareto/NBD's correlation: mostly small (its admissible range is narrow,
   a few hundredths on real data), sometimes any double (out of range: CVA_E_DOMAIN) */
static double corrparam(fz *f)
{
    unsigned k = fz_u8(f);
    if (k < 220)
        return ((double)(k % 41) - 20.0) / 1000.0;
    return fz_double(f);
}

/* k as cva_cnbd_*() take it (a value outside int32_t becomes 0: refused as k is) */
static int32_t kint(double k)
{
    return (k >= 0 && k <= 1e6) ? (int32_t)k : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    unsigned mode;
    int32_t model;
    size_t n, i, k, nk;
    double p[5], x[MAXN], tx[MAXN], T[MAXN], t;
    double pa[MAXN + 2], ey[MAXN + 2], cp[MAXN * MAXK + 2], ll[MAXN + 2], llsum, grad[5];
    double pa2[MAXN + 2], ey2[MAXN + 2];
    cva_status st_pa, st_ey;
    int nanrow[MAXN];
    int discrete, cnbd;
    int32_t kk = 0;
    cva_status st;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    model = model_id(fz_u8(&f));
    discrete = model == CVA_MODEL_BGBB;
    cnbd = model == CVA_MODEL_BGCNBD || model == CVA_MODEL_MBGCNBD;
    for (i = 0; i < 4; i++)
        p[i] = param(&f);
    p[4] = 1.0;
    if (model == CVA_MODEL_GGOMNBD)
        p[4] = param(&f);
    else if (model == CVA_MODEL_PNBDCOR)
        p[4] = corrparam(&f);
    else if (cnbd) {
        p[4] = kparam(&f);
        kk = kint(p[4]);
    }
    t = (fz_u8(&f) < 230) ? (double)(fz_u8(&f) % 60) / 2.0 : fz_double(&f);
    n = fz_range(&f, 0, MAXN);
    for (i = 0; i < n; i++) {
        unsigned kind = fz_u8(&f);
        nanrow[i] = 0;
        if (kind < 220) {
            /* a valid row */
            double TT = (double)(fz_u8(&f) % 40) + (discrete ? 0.0 : (double)(fz_u8(&f) % 4) / 4.0);
            double xx = (double)(fz_u8(&f) % 12), tt;
            if (discrete) {
                tt = TT > 0 ? (double)(fz_u8(&f) % ((unsigned)TT + 1)) : 0.0;
                if (xx > tt)
                    xx = tt;
            } else {
                tt = xx > 0 ? TT * (double)(fz_u8(&f) % 17) / 16.0 : 0.0;
            }
            x[i] = xx;
            tx[i] = tt;
            T[i] = TT;
        } else if (kind < 235) {
            x[i] = tx[i] = T[i] = (double)NAN; /* no purchase */
            nanrow[i] = 1;
        } else {
            x[i] = fz_double(&f);
            tx[i] = fz_double(&f);
            T[i] = fz_double(&f);
            nanrow[i] = isnan(x[i]) && isnan(tx[i]) && isnan(T[i]); /* decoded as a row without a purchase */
        }
    }
    nk = fz_range(&f, 0, MAXK);

    /* P(alive) */
    fz_poison(pa, sizeof pa);
    if (cnbd)
        st = cva_cnbd_p_alive(model, kk, p, x, tx, T, n, pa, NULL);
    else
        st = cva_model_p_alive(model, p, (mode & 1) ? t : 0.0, x, tx, T, n, pa, NULL, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(pa, sizeof pa), "p_alive written on error %d", (int)st);
    } else {
        FZ_CHECK(fz_poisoned(pa + n, 2 * sizeof pa[0]), "p_alive written past n");
        for (i = 0; i < n; i++)
            FZ_CHECK(nanrow[i] ? isnan(pa[i]) : pa[i] >= 0 && pa[i] <= 1,
                     "model %d P(alive)[%zu] = %.17g (params %.17g %.17g %.17g %.17g %.17g, t %.17g, x %.17g t_x %.17g T %.17g)",
                     (int)model, i, pa[i], p[0], p[1], p[2], p[3], p[4], (mode & 1) ? t : 0.0, x[i], tx[i], T[i]);
    }

    st_pa = st;

    /* expected transactions */
    fz_poison(ey, sizeof ey);
    if (cnbd)
        st = cva_cnbd_expected(model, kk, p, t, x, tx, T, n, ey, NULL);
    else
        st = cva_model_expected(model, p, t, x, tx, T, n, ey, NULL, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(ey, sizeof ey), "expected written on error %d", (int)st);
    } else {
        for (i = 0; i < n; i++)
            FZ_CHECK(nanrow[i] ? isnan(ey[i]) : ey[i] >= 0 && !isnan(ey[i]),
                     "model %d E[Y][%zu] = %.17g (params %.17g %.17g %.17g %.17g %.17g, t %.17g, x %.17g t_x %.17g T %.17g)",
                     (int)model, i, ey[i], p[0], p[1], p[2], p[3], p[4], t, x[i], tx[i], T[i]);
    }

    st_ey = st;

    /* both from one call (cva_model_predict): the two calls' status (the first error, else
       the larger) and, on success, their bits */
    if (!cnbd) {
        const cva_status want = st_pa < 0 ? st_pa : st_ey < 0 ? st_ey : st_ey > st_pa ? st_ey : st_pa;
        fz_poison(pa2, sizeof pa2);
        fz_poison(ey2, sizeof ey2);
        st = cva_model_predict(model, p, (mode & 1) ? t : 0.0, t, x, tx, T, n, pa2, ey2, NULL, NULL);
        FZ_CHECK(st == want, "model %d predict: status %d, the two calls %d and %d", (int)model, (int)st,
                 (int)st_pa, (int)st_ey);
        if (st >= 0) {
            FZ_CHECK(!memcmp(pa2, pa, n * sizeof pa[0]) && !memcmp(ey2, ey, n * sizeof ey[0]),
                     "model %d predict: other values than the two calls", (int)model);
            FZ_CHECK(fz_poisoned(pa2 + n, 2 * sizeof pa2[0]) && fz_poisoned(ey2 + n, 2 * sizeof ey2[0]),
                     "predict written past n");
        }
    }

    /* conditional P(Y = k) */
    fz_poison(cp, sizeof cp);
    st = cva_model_cond_prob_n(model, p, t, x, tx, T, n, nk, cp, NULL, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(cp, sizeof cp), "cond_prob_n written on error %d", (int)st);
    } else {
        FZ_CHECK(fz_poisoned(cp + n * nk, 2 * sizeof cp[0]), "cond_prob_n written past n * n_k");
        for (i = 0; i < n; i++) {
            double s = 0;
            for (k = 0; k < nk; k++) {
                double q = cp[i * nk + k];
                if (nanrow[i]) {
                    FZ_CHECK(isnan(q), "NaN row with P = %g", q);
                    continue;
                }
                FZ_CHECK(q >= 0 && q <= 1, "model %d P(Y_%zu = %zu) = %.17g (t %g, params %g %g %g %g %g)", (int)model,
                         i, k, q, t, p[0], p[1], p[2], p[3], p[4]);
                s += q;
            }
            FZ_CHECK(s <= 1.0 + 1e-9, "model %d row %zu: P(Y = k) sum to %.17g (params %.17g %.17g %.17g %.17g %.17g, t %.17g, x %.17g t_x %.17g T %.17g)",
                     (int)model, i, s, p[0], p[1], p[2], p[3], p[4], t, x[i], tx[i], T[i]);
        }
    }

    /* log-likelihood */
    fz_poison(ll, sizeof ll);
    fz_poison(grad, sizeof grad);
    llsum = 12345.0;
    if (cnbd)
        st = cva_cnbd_loglik(model, kk, p, x, tx, T, NULL, n, &llsum, grad, ll, NULL);
    else
        st = cva_model_loglik(model, p, x, tx, T, n, ll, &llsum, grad, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(ll, sizeof ll) && llsum == 12345.0 && fz_poisoned(grad, sizeof grad),
                 "loglik written on error %d", (int)st);
    } else if (discrete) {
        for (i = 0; i < n; i++)
            FZ_CHECK(nanrow[i] || !(ll[i] > 1e-12), "BG/BB log-likelihood %.17g > 0", ll[i]);
    }

    /* a short fit */
    if ((mode & 6) == 2 && n > 0 && model != CVA_MODEL_GG) {
        struct {
            cva_fit_opts o;
            unsigned char newer[64];
        } bigfo;
        cva_model_fit fit;
        double start[5];
        int32_t kfit = -1;
        memset(&bigfo, 0, sizeof bigfo);
        cva_fit_opts_init_defaults(&bigfo.o, sizeof bigfo.o);
        bigfo.o.max_iter = (int32_t)fz_range(&f, 1, 60);
        bigfo.o.merge_rows = 0;
        if (mode & 8) {
            for (i = 0; i < 5; i++)
                start[i] = param(&f);
            bigfo.o.start = start;
        }
        if (mode & 0x10)
            bigfo.o.penalty = fz_double(&f);
        if ((mode & 0x60) == 0x20)
            bigfo.o.struct_size = (uint32_t)(sizeof bigfo.o + 64);
        cva_model_fit_init(&fit, sizeof fit);
        fz_poison(fit.params, sizeof fit.params);
        fz_poison(fit.params5, sizeof fit.params5);
        if (cnbd)
            st = cva_cnbd_fit(model, kk, 0, x, tx, T, NULL, NULL, n, &bigfo.o, &fit, &kfit, NULL);
        else
            st = cva_model_fit_btyd(model, x, tx, T, NULL, n, &bigfo.o, &fit, NULL);
        if (st < 0) {
            FZ_CHECK(fz_poisoned(fit.params, sizeof fit.params) && fz_poisoned(fit.params5, sizeof fit.params5),
                     "fit params written on error %d", (int)st);
        } else if (st != CVA_W_EMPTY && st != CVA_W_EXCLUDED) {
            double l2 = 0;
            int32_t j, np = cva_model_n_params(model);
            FZ_CHECK(isfinite(fit.log_likelihood), "fit status %d with log-likelihood %g", (int)st,
                     fit.log_likelihood);
            for (j = 0; j < np; j++) /* the correlation (PNBDCOR's fifth) has either sign */
                FZ_CHECK(isfinite(fit.params5[j]) && (fit.params5[j] > 0 || (j == 4 && model == CVA_MODEL_PNBDCOR)),
                         "fitted param %d = %g", (int)j, fit.params5[j]);
            if (cnbd) {
                FZ_CHECK(kfit == kk, "fit k %d, asked for %d", (int)kfit, (int)kk);
                st = cva_cnbd_loglik(model, kfit, fit.params5, x, tx, T, NULL, n, &l2, NULL, NULL, NULL);
            } else {
                st = cva_model_loglik(model, fit.params5, x, tx, T, n, NULL, &l2, NULL, NULL);
            }
            if (st >= 0)
                FZ_CHECK(fabs(l2 - fit.log_likelihood) <= 1e-8 * (1 + fabs(l2)),
                         "fit log-likelihood %.17g, loglik at the estimate %.17g", fit.log_likelihood, l2);
        }
    }
    return 0;
}
