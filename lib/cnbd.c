/*
 * libcva — BG/CNBD-k and MBG/CNBD-k (Platzer & Reutterer 2016; Reutterer, Platzer &
 * Schröder 2020; BTYDplus `xbgcnbd.*`), and Wheat & Morrison's regularity estimate.
 *
 * Erlang-k inter-purchase times: the purchases of an active customer are every k-th event
 * of a Poisson(λ) process, λ ~ Gamma(r, α); drop-out with probability p ~ Beta(a, b) after
 * each repeat purchase (shift s = 1, MBG: also at the first). With u = r + kx, d = T − t_x:
 *
 *   LL_i = (k−1) litt − x lnΓ(k) + ln B(a, b+x+s)/B(a, b) + lnΓ(u) − lnΓ(r) + r ln α − u ln(α+T)
 *          + ln(S1 + S2)
 *   S1 = [x>0 or s] a/(b+x+s−1) ((α+T)/(α+t_x))^u      (dropped out after the last purchase)
 *   S2 = Σ_{j=0}^{k−1} v_j,  v_0 = 1, v_j = v_{j−1} (u+j−1) d / (j (α+T))   (still active:
 *        fewer than k further events in (t_x, T])
 *   P(alive) = S2/(S1+S2).
 * Gradient (w1 = S1/(S1+S2), w2 = S2/(S1+S2), L = ln((α+T)/(α+t_x)), h_j = Σ_{i<j} 1/(u+i)):
 *   ∂r = ψ(u) − ψ(r) − ln(1+T/α) + w1 L + w2 Σ_j v_j h_j / S2
 *   ∂α = r/α − u/(α+T) + w1 u (1/(α+T) − 1/(α+t_x)) − w2 Σ_j v_j j/(α+T) / S2
 *   ∂a = ψ(a+b) − ψ(a+b+x+s) + w1/a
 *   ∂b = ψ(b+x+s) − ψ(b) + ψ(a+b) − ψ(a+b+x+s) − w1/(b+x+s−1)
 * S1 and S2 are combined in log space (S1 overflows for long hiatuses).
 *
 * Unconditional expectation (exact): with N(t) ~ NBD(r, α) the Poisson events by t, the
 * j-th repeat purchase happens by t iff N(t) >= jk and the customer survived j−1+s
 * drop-out chances: E[X(t)] = Σ_m P(N(t)=m) C(⌊m/k⌋), C(J) = Σ_{j<=J} B(a, b+j−1+s)/B(a, b).
 * Conditional expectation: BTYDplus' approximation (see cva_cnbd_expected()).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "churn_internal.h"

/* shift s of a regularity model (0 BG/CNBD-k, 1 MBG/CNBD-k), −1 for another id */
static int cnbd_shift(int32_t model)
{
    return model == CVA_MODEL_BGCNBD ? 0 : (model == CVA_MODEL_MBGCNBD ? 1 : -1);
}

typedef struct cnbd_parts {
    double lS1, lS2; /* ln S1 (−inf when absent), ln S2 */
    double L;        /* ln((α+T)/(α+t_x)) */
    double dS2r, dS2a; /* Σ v_j h_j / S2, −Σ v_j j/(α+T) / S2 */
} cnbd_parts;

static void cnbd_terms(const double *p, int k, int s, double x, double tx, double T, int want_grad,
                       cnbd_parts *o)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const double u = r + (double)k * x, aT = al + T, d = T - tx;
    double v = 1.0, S2 = 1.0, hs = 0.0, gr = 0.0, ga = 0.0;
    int j;
    for (j = 1; j < k; j++) {
        hs += 1.0 / (u + (double)(j - 1));
        v *= (u + (double)(j - 1)) * (d / aT) / (double)j;
        S2 += v;
        if (want_grad) {
            gr += v * hs;
            ga -= v * (double)j / aT;
        }
    }
    o->lS2 = log(S2);
    o->dS2r = gr / S2;
    o->dS2a = ga / S2;
    if (!isfinite(S2)) {
        /* the terms overflow (u near DBL_MAX: a fuzz find, P(alive) was NaN): in logarithms,
           ln v_j = Σ_{i<=j} ln((u+i−1)/i · d/(α+T)), summed relative to the largest */
        double lv[CVA_CNBD_K_MAX], hj[CVA_CNBD_K_MAX], mx = 0.0, sum, lq = log(d / aT);
        lv[0] = 0.0;
        hj[0] = 0.0;
        for (j = 1; j < k; j++) {
            lv[j] = lv[j - 1] + log(u + (double)(j - 1)) - log((double)j) + lq;
            hj[j] = hj[j - 1] + 1.0 / (u + (double)(j - 1));
            if (lv[j] > mx)
                mx = lv[j];
        }
        sum = exp(lv[0] - mx);
        for (j = 1; j < k; j++)
            sum += exp(lv[j] - mx);
        o->lS2 = mx + log(sum);
        o->dS2r = o->dS2a = 0.0;
        for (j = 1; j < k; j++) {
            const double wj = exp(lv[j] - o->lS2);
            o->dS2r += wj * hj[j];
            o->dS2a -= wj * (double)j / aT;
        }
    }
    o->L = log1p(d / (al + tx));
    if (s || x > 0.0)
        o->lS1 = log(a) - log(b + x + (double)s - 1.0) + u * o->L;
    else
        o->lS1 = -CVA_INF;
}

/* Σ w_i LL_i (w, litt may be NULL), gradient into grad (may be NULL), rows into ll_i. The terms
   of one x (Beta and Gamma parts, digammas) and of one T are computed once per run of equal
   values (merged rows come sorted by x, then T). */
static double cnbd_sum(const double *p, int k, int s, const double *x, const double *tx, const double *T,
                       const double *litt, const double *w, size_t n, double *grad, double *ll_i)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3], lgk = cva__lgamma((double)k), lna = log(a);
    cva__ksum acc = {0.0, 0.0};
    double gr = 0.0, gal = 0.0, ga = 0.0, gb = 0.0;
    double cx = -1.0, G = 0.0, lnbx = 0.0, ibx = 0.0, dr0 = 0.0, dab0 = 0.0, db0 = 0.0;
    double cT = -1.0, lT = 0.0, l1T = 0.0, iT = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        const double xi = x[i], Ti = T[i], txi = tx[i], wi = w ? w[i] : 1.0;
        const double kx = (double)k * xi, u = r + kx, d = Ti - txi;
        const int has1 = s || xi > 0.0;
        double v = 1.0, S2 = 1.0, hs = 0.0, g2r = 0.0, g2a = 0.0, lS2, lse, w1 = 0.0, L = 0.0, li;
        int j;
        if (!(xi >= cx && xi <= cx)) { /* per-x quantities */
            const double xs = xi + (double)s;
            cx = xi;
            G = cva__lgamma_diff(r, kx) + cva__lbeta_ratio(a, b, 0.0, xs) - xi * lgk;
            lnbx = has1 ? log(b + (xs - 1.0)) : 0.0;
            ibx = has1 ? 1.0 / (b + (xs - 1.0)) : 0.0;
            if (grad) {
                dr0 = cva__digamma_diff(r, kx);
                dab0 = -cva__digamma_diff(a + b, xs);
                db0 = dab0 + cva__digamma_diff(b, xs);
            }
        }
        if (!(Ti >= cT && Ti <= cT)) {
            cT = Ti;
            lT = log(al + Ti);
            l1T = log1p(Ti / al);
            iT = 1.0 / (al + Ti);
        }
        for (j = 1; j < k; j++) {
            if (grad)
                hs += 1.0 / (u + (double)(j - 1));
            v *= (u + (double)(j - 1)) * (d * iT) / (double)j;
            S2 += v;
            if (grad) {
                g2r += v * hs;
                g2a -= v * (double)j * iT;
            }
        }
        lS2 = k > 1 ? log(S2) : 0.0;
        lse = lS2;
        if (has1) {
            double D, e;
            L = log1p(d / (al + txi));
            D = lna - lnbx + u * L - lS2; /* ln S1 − ln S2 */
            e = exp(-fabs(D));
            w1 = D > 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            lse = (D > 0 ? lS2 + D : lS2) + log1p(e);
        }
        li = (litt ? (double)(k - 1) * litt[i] : 0.0) + G - r * l1T - kx * lT + lse;
        if (grad) {
            const double w2 = 1.0 - w1;
            gr += wi * (dr0 - l1T + w1 * L + w2 * g2r / S2);
            gal += wi * (r / al - u * iT + (has1 ? w1 * u * (iT - 1.0 / (al + txi)) : 0.0) + w2 * g2a / S2);
            ga += wi * (dab0 + w1 / a);
            gb += wi * (db0 - w1 * ibx);
        }
        if (ll_i)
            ll_i[i] = li;
        cva__ksum_add(&acc, wi * li);
    }
    if (grad) {
        grad[0] = gr;
        grad[1] = gal;
        grad[2] = ga;
        grad[3] = gb;
    }
    return cva__ksum_value(&acc);
}

/* ------------------------------------------------------------------ checks */

static cva_status check_model_k(int32_t model, int32_t k, cva_diag *diag)
{
    if (cnbd_shift(model) < 0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model must be CVA_MODEL_BGCNBD or CVA_MODEL_MBGCNBD");
    if (k < 1 || k > CVA_CNBD_K_MAX)
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "k must be in 1..12");
    return CVA_OK;
}

/* parameters r, α, a, b (argument arg_p; with_k: k in params[4] too) and rows (x at
   argument 4): the checks of BG/NBD */
static cva_status check_params_rows(const double *params, int32_t arg_p, int with_k, const double *x,
                                    const double *t_x, const double *T, size_t n, const void *out,
                                    int32_t arg_out, cva_diag *diag)
{
    int i;
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, arg_p, 0, -1, 0, "params is NULL");
    for (i = 0; i < 4; i++)
        if (!(params[i] > 0.0) || !isfinite(params[i]))
            return cva__report(diag, CVA_E_DOMAIN, arg_p, 0, i, 0, "parameters must be finite and > 0");
    if (with_k && (!(params[4] >= 1.0 && params[4] <= (double)CVA_CNBD_K_MAX) || (double)(int)params[4] < params[4]))
        return cva__report(diag, CVA_E_BADARG, arg_p, 0, 4, 0, "params[4] is k: an integer in 1..12");
    if (n == 0)
        return CVA_OK;
    if (!x || !t_x || !T)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : (!t_x ? 5 : 6), 0, -1, 0, "data array is NULL");
    if (arg_out && !out)
        return cva__report(diag, CVA_E_NULLPTR, arg_out, 0, -1, 0, "output array is NULL");
    return cva__btyd_check(CVA_MODEL_BGNBD, params, x, t_x, T, n, diag, 4);
}

/* model and k, then parameters (argument 3) and rows */
static cva_status check_eval(int32_t model, int32_t k, const double *params, const double *x, const double *t_x,
                             const double *T, size_t n, const void *out, int32_t arg_out, cva_diag *diag)
{
    cva_status st = check_model_k(model, k, diag);
    if (st != CVA_OK)
        return st;
    return check_params_rows(params, 3, 0, x, t_x, T, n, out, arg_out, diag);
}

static cva_status check_finite(const double *v, size_t n, int32_t arg, int positive, cva_diag *diag)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return cva__report(diag, CVA_E_NONFINITE, arg, 0, (int64_t)i, 0, "value is NaN or infinite");
        if (positive && !(v[i] > 0.0))
            return cva__report(diag, CVA_E_BADARG, arg, 0, (int64_t)i, 0, "weight must be > 0");
    }
    return CVA_OK;
}

/* ---------------------------------------------------------- log-likelihood */

cva_status cva_cnbd_loglik(int32_t model, int32_t k, const double *params, const double *x, const double *t_x,
                           const double *T, const double *litt, size_t n, double *ll_sum, double *grad, double *ll,
                           cva_diag *diag)
{
    cva_status st = check_eval(model, k, params, x, t_x, T, n, NULL, 0, diag);
    double s, g[4];
    if (st != CVA_OK)
        return st;
    if (litt && n > 0) {
        st = check_finite(litt, n, 7, 0, diag);
        if (st != CVA_OK)
            return st;
    }
    s = n > 0 ? cnbd_sum(params, k, cnbd_shift(model), x, t_x, T, litt, NULL, n, grad ? g : NULL, ll) : 0.0;
    if (n == 0)
        memset(g, 0, sizeof g);
    if (ll_sum)
        *ll_sum = s;
    if (grad)
        memcpy(grad, g, sizeof g);
    return cva__report(diag, n == 0 ? CVA_W_EMPTY : CVA_OK, 0, 0, -1, 0, NULL);
}

/* ----------------------------------------------------------------- fitting */

typedef struct cnbd_fit_data {
    int k, s;
    const double *x, *tx, *T, *w;
    size_t n;
} cnbd_fit_data;

static double cnbd_fit_ll(void *data, const double *p, double *grad)
{
    const cnbd_fit_data *d = (const cnbd_fit_data *)data;
    int i;
    for (i = 0; i < 4; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return CVA_NAN;
    return cnbd_sum(p, d->k, d->s, d->x, d->tx, d->T, NULL, d->w, d->n, grad, NULL);
}

cva_status cva_cnbd_fit(int32_t model, int32_t k, int32_t k_max, const double *x, const double *t_x,
                        const double *T, const double *litt, const double *weight, size_t n,
                        const cva_fit_opts *opts, cva_model_fit *fit, int32_t *k_out, cva_diag *diag)
{
    static const int scale_time[4] = {0, 1, 0, 0};
    static const double one[4] = {1.0, 1.0, 1.0, 1.0};
    const int s = cnbd_shift(model);
    cva_fit_opts o;
    cva_model_fit best, cur;
    cnbd_fit_data fd;
    cva__mle_problem pb;
    cva__merged_rows mr;
    double s_T = 0.0, W = 0.0, L = 0.0, best_ll = -CVA_INF, prev1 = -CVA_INF, prev2 = -CVA_INF;
    cva_status st, best_st = CVA_OK;
    int32_t kk, k_lo, k_hi, best_k = 0;
    uint64_t iters = 0;
    size_t i;

    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 12, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 12, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (s < 0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model must be CVA_MODEL_BGCNBD or CVA_MODEL_MBGCNBD");
    if (k < 0 || k > CVA_CNBD_K_MAX)
        return cva__report(diag, CVA_E_BADARG, 2, 0, -1, 0, "k must be 0 (choose) or in 1..12");
    if (k_max < 0 || k_max > CVA_CNBD_K_MAX)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "k_max must be 0 (default 12) or in 1..12");
    st = cva__fit_opts_get(opts, 4, &o, diag, 11);
    if (st != CVA_OK)
        return st;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 10, 0, -1, 0, NULL);
    if (!x || !t_x || !T)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : (!t_x ? 5 : 6), 0, -1, 0, "data array is NULL");
    if (k == 0 && !litt)
        return cva__report(diag, CVA_E_NULLPTR, 7, 0, -1, 0, "choosing k needs litt");
    if (cva__np_count(x, t_x, T, n) > 0) {
        /* rows without a purchase: fit the others (exactly as if they were alone) */
        const double *in[5];
        cva__np_split sp;
        cva_diag loc;
        in[0] = x;
        in[1] = t_x;
        in[2] = T;
        in[3] = litt;
        in[4] = weight;
        if (cva__np_compact(o.alloc, in, 5, 0, n, &sp) != CVA_OK)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        cva_diag_init(&loc, sizeof loc);
        st = cva_cnbd_fit(model, k, k_max, sp.col[0], sp.col[1], sp.col[2], sp.col[3], sp.col[4], sp.n_keep, opts, fit,
                          k_out, &loc);
        if (st < 0 || st == CVA_OK || st == CVA_W_EMPTY)
            st = cva__np_relay(diag, &loc, st, &sp, 4, 8);
        else
            st = cva__report(diag, st, loc.arg, loc.option, loc.index, sp.n_skip, loc.detail);
        cva__np_free(o.alloc, &sp);
        return st;
    }
    st = cva__btyd_check(CVA_MODEL_BGNBD, one, x, t_x, T, n, diag, 4);
    if (st != CVA_OK)
        return st;
    if (litt && (st = check_finite(litt, n, 7, 0, diag)) != CVA_OK)
        return st;
    if (weight && (st = check_finite(weight, n, 8, 1, diag)) != CVA_OK)
        return st;

    for (i = 0; i < n; i++)
        if (T[i] > s_T)
            s_T = T[i];
    if (!(s_T > 0.0))
        s_T = 1.0;
    if (cva__btyd_merge_rows(x, t_x, T, weight, n, o.merge_rows != 0, s_T, o.alloc, &mr) != CVA_OK)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    {
        /* litt enters the log-likelihood only as (k−1)·Σ w·litt: merged rows need not keep it */
        cva__ksum ws = {0.0, 0.0}, ls = {0.0, 0.0};
        for (i = 0; i < mr.n; i++)
            cva__ksum_add(&ws, mr.w ? mr.w[i] : 1.0);
        W = cva__ksum_value(&ws);
        if (litt)
            for (i = 0; i < n; i++)
                cva__ksum_add(&ls, (weight ? weight[i] : 1.0) * litt[i]);
        L = cva__ksum_value(&ls);
    }
    fd.s = s;
    fd.x = mr.x;
    fd.tx = mr.txs;
    fd.T = mr.Ts;
    fd.w = mr.w;
    fd.n = mr.n;
    k_lo = k ? k : 1;
    k_hi = k ? k : (k_max ? k_max : CVA_CNBD_K_MAX);
    memset(&best, 0, sizeof best);
    for (kk = k_lo; kk <= k_hi; kk++) {
        double start[4], ll;
        uint64_t it = 0;
        int c;
        /* BTYDplus' start (1, 3, 1, 3) in weeks, α shrunk by k (the mean inter-purchase
           time k/λ stays put) */
        start[0] = 1.0;
        start[1] = 3.0 / (double)kk;
        start[2] = 1.0;
        start[3] = 3.0;
        if (o.start)
            for (c = 0; c < 4; c++)
                start[c] = o.start[c];
        start[1] /= s_T;
        fd.k = (int)kk;
        memset(&pb, 0, sizeof pb);
        pb.n_params = 4;
        pb.model = model;
        pb.scale_time = scale_time;
        pb.time_scale = s_T;
        pb.weight_total = W;
        pb.start = start;
        pb.ll = cnbd_fit_ll;
        pb.data = &fd;
        memset(&cur, 0, sizeof cur);
        st = cva__fit_mle(&pb, &o, &cur, &it);
        iters += it;
        if (st < 0) {
            if (k == 0 && kk > 1 && best_k > 0 && st != CVA_E_CANCELED)
                break; /* as BTYDplus: stop the search where a k cannot be fitted */
            cva__free(o.alloc, mr.block);
            return cva__report(diag, st, 0, 0, -1, iters,
                               st == CVA_E_NOCONVERGE ? "the objective is not finite at the start or at the estimate"
                                                      : NULL);
        }
        /* log-likelihood in the caller's time unit, litt terms included */
        ll = cnbd_sum(cur.params, (int)kk, s, mr.x, mr.tx, mr.T, NULL, mr.w, mr.n, NULL, NULL) +
             (double)(kk - 1) * L;
        cur.log_likelihood = ll;
        cur.n_rows = mr.n;
        if (best_k == 0 || ll > best_ll) {
            best = cur;
            best_ll = ll;
            best_k = kk;
            best_st = st;
        }
        if (k == 0 && kk > 2 && ll < prev1 && prev1 < prev2)
            break;
        prev2 = prev1;
        prev1 = ll;
    }
    cva__free(o.alloc, mr.block);
    best.model = model;
    cva__fit_store(fit, &best);
    if (k_out)
        *k_out = best_k;
    return cva__report(diag, best_st, 0, 0, -1, iters, NULL);
}

/* -------------------------------------------------------------- prediction */

/* p_alive / expected on rows some of which are without a purchase (NaN x, t_x and T): the
   others are evaluated alone, the skipped rows get NaN and the status CVA_W_EXCLUDED */
typedef cva_status (*np_fn)(int32_t model, int32_t k, const double *params, double t, const double *x,
                            const double *t_x, const double *T, size_t n, double *out, cva_diag *diag);

static cva_status np_eval(np_fn f, int32_t model, int32_t k, const double *params, double t, const double *x,
                          const double *t_x, const double *T, size_t n, double *out, cva_diag *diag)
{
    const double *in[3];
    cva__np_split sp;
    cva_diag loc;
    cva_status st;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "output array is NULL");
    in[0] = x;
    in[1] = t_x;
    in[2] = T;
    if (cva__np_compact(NULL, in, 3, 1, n, &sp) != CVA_OK)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    cva_diag_init(&loc, sizeof loc);
    st = f(model, k, params, t, sp.col[0], sp.col[1], sp.col[2], sp.n_keep, sp.out, &loc);
    if (st >= 0)
        cva__np_scatter(&sp, sp.out, out, n);
    st = cva__np_relay(diag, &loc, st, &sp, 4, 6);
    cva__np_free(NULL, &sp);
    return st;
}

static cva_status p_alive_t(int32_t model, int32_t k, const double *params, double t, const double *x,
                            const double *t_x, const double *T, size_t n, double *out, cva_diag *diag)
{
    (void)t;
    return cva_cnbd_p_alive(model, k, params, x, t_x, T, n, out, diag);
}

cva_status cva_cnbd_p_alive(int32_t model, int32_t k, const double *params, const double *x, const double *t_x,
                            const double *T, size_t n, double *out, cva_diag *diag)
{
    cva_status st;
    const int s = cnbd_shift(model);
    size_t i;
    if (n > 0 && cva__np_count(x, t_x, T, n) > 0)
        return np_eval(p_alive_t, model, k, params, 0.0, x, t_x, T, n, out, diag);
    st = check_eval(model, k, params, x, t_x, T, n, out, 8, diag);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < n; i++) {
        cnbd_parts o;
        cnbd_terms(params, k, s, x[i], t_x[i], T[i], 0, &o);
        out[i] = o.lS1 > -CVA_INF ? cva__expit(o.lS2 - o.lS1) : 1.0;
    }
    return cva__report(diag, n == 0 ? CVA_W_EMPTY : CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_cnbd_expected(int32_t model, int32_t k, const double *params, double t, const double *x,
                             const double *t_x, const double *T, size_t n, double *out, cva_diag *diag)
{
    cva_status st, worst = CVA_OK;
    const int s = cnbd_shift(model);
    double pk[4];
    size_t i;
    if (n > 0 && cva__np_count(x, t_x, T, n) > 0)
        return np_eval(cva_cnbd_expected, model, k, params, t, x, t_x, T, n, out, diag);
    st = check_eval(model, k, params, x, t_x, T, n, out, 9, diag);
    if (st != CVA_OK)
        return st;
    if (!isfinite(t) || t < 0.0)
        return cva__report(diag, CVA_E_BADARG, 4, 0, -1, 0, "t must be finite and >= 0");
    pk[0] = params[0];
    pk[1] = (double)k * params[1];
    pk[2] = params[2];
    pk[3] = params[3];
    for (i = 0; i < n; i++) {
        cnbd_parts o;
        double f, pa;
        cnbd_terms(params, k, s, x[i], t_x[i], T[i], 0, &o);
        pa = o.lS1 > -CVA_INF ? cva__expit(o.lS2 - o.lS1) : 1.0;
        st = cva__bg_cond_factor(pk, t, x[i], T[i], s, &f);
        if (st < 0)
            return cva__report(diag, st, 0, 0, (int64_t)i, 0, "hypergeometric function failed");
        if (st > worst)
            worst = st;
        out[i] = f * pa;
    }
    return cva__report(diag, n == 0 ? CVA_W_EMPTY : worst, 0, 0, -1, 0, NULL);
}

#define CNBD_POP_MAX_TERMS 10000000L

static cva_status pop_one(const double *p, int k, int s, double t, double *out)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    double lq, lnb, C, c, sum = 0.0;
    long m;
    if (!(t > 0.0)) {
        *out = 0.0;
        return CVA_OK;
    }
    lq = log(t / (al + t));
    lnb = -r * log1p(t / al); /* ln P(N = 0) */
    c = exp(cva__lbeta_ratio(a, b, 0.0, (double)s)); /* B(a, b+s)/B(a, b): the first repeat */
    C = 0.0;
    for (m = 1; m <= CNBD_POP_MAX_TERMS; m++) {
        double term, rho;
        lnb += log((r + (double)(m - 1)) / (double)m) + lq;
        if (m % k == 0) {
            const double j = (double)(m / k); /* the j-th repeat purchase: c = B(a, b+j−1+s)/B(a, b) */
            C += c;
            c *= (b + j - 1.0 + (double)s) / (a + b + j - 1.0 + (double)s);
        }
        term = exp(lnb) * C;
        sum += term;
        rho = (r + (double)m) / (double)(m + 1) * (t / (al + t)); /* next NBD ratio */
        if (rho < 1.0 && m >= k) {
            const double inv = 1.0 / (1.0 - rho);
            /* tail <= term·Σ ρ^i (1 + i/(kC)·c) <= term·(inv + inv²·c/(k·C)) */
            if (term * (inv + inv * inv * c / ((double)k * (C > 0.0 ? C : 1.0))) <= 1e-16 * sum)
                break;
        }
    }
    *out = sum;
    return m > CNBD_POP_MAX_TERMS ? CVA_W_SERIES_LIMIT : CVA_OK;
}

cva_status cva_cnbd_expected_pop(int32_t model, int32_t k, const double *params, const double *t, size_t n,
                                 double *out, cva_diag *diag)
{
    static const double x0 = 0.0;
    cva_status st = check_eval(model, k, params, &x0, &x0, &x0, 0, NULL, 0, diag), worst = CVA_OK;
    size_t i, lim_at = 0, n_lim = 0;
    if (st != CVA_OK)
        return st;
    if (n > 0 && (!t || !out))
        return cva__report(diag, CVA_E_NULLPTR, !t ? 4 : 6, 0, -1, 0, "array is NULL");
    for (i = 0; i < n; i++)
        if (!isfinite(t[i]) || t[i] < 0.0)
            return cva__report(diag, CVA_E_BADARG, 4, 0, (int64_t)i, 0, "t must be finite and >= 0");
    for (i = 0; i < n; i++) {
        st = pop_one(params, k, cnbd_shift(model), t[i], &out[i]);
        if (st != CVA_OK) {
            if (n_lim++ == 0)
                lim_at = i;
            worst = st;
        }
    }
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    return cva__report(diag, worst, 0, 0, worst != CVA_OK ? (int64_t)lim_at : -1, n_lim, NULL);
}

/* ---------------------------------------------- conditional distribution */

/*
 * P(Y(t) = n | x, t_x, T), Y(t) the repeat purchases in (T, T+t] (derivation in
 * docs/methods/models.md, "Conditional distribution of the regularity models").
 *
 * With u = r + kx, d = T − t_x and v_j the terms of S2 (v_0 = 1, v_j = v_{j−1} (u+j−1) d /
 * (j (α+T))), the customer is alive at T with probability π = S2/(S1+S2), and then the
 * Erlang phase J (Poisson events since the last purchase, 0..k−1) is j with probability
 * w_j = v_j/S2; given alive and J = j, λ ~ Gamma(u+j, α+T) and p ~ Beta(a, b') with
 * b' = b+x+s, independent. The next purchase is the (k−j)-th Poisson event after T, the
 * following ones every k events, and a drop-out chance p follows each of them, so with
 * N ~ NBD(u+j, α+T) the events in (T, T+t] and A_j(m) = P(N >= m):
 *   P(Y >= n | alive, j) = c_n A_j(nk − j),  c_n = E[(1−p)^{n−1}] = B(a, b'+n−1)/B(a, b'),
 *   P(Y = n | alive, j) = c_n [A_j(nk−j) − A_j((n+1)k−j)] + e_n A_j((n+1)k−j)   (n >= 1),
 *   e_n = c_n − c_{n+1} = c_n a/(a+b'+n−1),  P(Y = 0 | alive, j) = 1 − A_j(k−j);
 * and P(Y = n) = π Σ_j w_j P(Y = n | alive, j) + (1−π) [n = 0]. Every term is a sum of
 * positive NBD probabilities (the differences of A as sums of the pmf): the NBD pmf up to
 * m = n_k k by its ratio recursion in logs, the tail A_j(n_k k − j) as 1 − the CDF while
 * that is above ½ and otherwise by summing the series on (tail bounded by the geometric
 * decay of the terms; after 10^6 terms 1 − the CDF again, with CVA_W_SERIES_LIMIT), then
 * A_j(m) = A_j(m+1) + pmf(m) downwards.
 */

#define CNBD_TAIL_MAX_TERMS 1000000L

cva_status cva__cnbd_cond_check(int32_t model, const double *params, const double *x, const double *t_x,
                                const double *T, size_t n, const void *out, int32_t arg_out, cva_diag *diag)
{
    if (cnbd_shift(model) < 0)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model must be CVA_MODEL_BGCNBD or CVA_MODEL_MBGCNBD");
    return check_params_rows(params, 2, 1, x, t_x, T, n, out, arg_out, diag);
}

/* pm[0..M−1] = NBD(rj, α', t) pmf and A[0..M] its upper tails A[m] = P(N >= m) */
static cva_status nbd_pmf_tails(double rj, double aT, double t, size_t M, double *pm, double *A)
{
    const double lq = log(t / (aT + t)), q = t / (aT + t);
    double lp = -rj * log1p(t / aT), cdf = 0.0, tail;
    size_t m;
    cva_status st = CVA_OK;
    for (m = 0; m < M; m++) {
        if (m > 0)
            lp += log((rj + (double)(m - 1)) / (double)m) + lq;
        pm[m] = exp(lp);
        cdf += pm[m];
    }
    if (cdf < 0.5) {
        tail = 1.0 - cdf;
    } else {
        long i;
        tail = 0.0;
        for (i = 0, m = M; i < CNBD_TAIL_MAX_TERMS; i++, m++) {
            double term, rho;
            if (m > 0)
                lp += log((rj + (double)(m - 1)) / (double)m) + lq;
            term = exp(lp);
            tail += term;
            rho = (rj + (double)m) / (double)(m + 1) * q; /* the next ratio; later ones are at most max(rho, q) */
            if (rho < q)
                rho = q;
            if (rho < 1.0 && term * rho / (1.0 - rho) <= 1e-17 * tail)
                break;
            if (!(term > 0.0) && rho < 1.0)
                break; /* underflowed past the mode: the tail is below the smallest double */
        }
        if (i >= CNBD_TAIL_MAX_TERMS) {
            /* not converged (ratios near 1): the rest from the total, accurate to rounding */
            if (1.0 - cdf > tail)
                tail = 1.0 - cdf;
            st = CVA_W_SERIES_LIMIT;
        }
    }
    A[M] = tail;
    for (m = M; m-- > 0;)
        A[m] = A[m + 1] + pm[m];
    return st;
}

cva_status cva__cnbd_cond_prob_n(int32_t model, const double *p, double t, const double *x, const double *t_x,
                                 const double *T, size_t n, size_t n_k, double *out, const cva_allocator *alloc)
{
    const int s = cnbd_shift(model), k = (int)p[4];
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const size_t M = n_k * (size_t)k;
    cva_status st = CVA_OK;
    double *pm, *A, *alive, *c, *e;
    double px = -1.0, ptx = -1.0, pT = -1.0, pa = 1.0;
    size_t i, nn;
    if (s < 0 || k < 1 || k > CVA_CNBD_K_MAX)
        return CVA_E_BADARG;
    if (n == 0 || n_k == 0)
        return CVA_OK;
    if (n_k > ((size_t)-1) / sizeof(double) / (size_t)(2 * k + 4))
        return CVA_E_NOMEM;
    pm = (double *)cva__alloc(alloc, (2 * M + 1 + 3 * (n_k + 1)) * sizeof(double));
    if (!pm)
        return CVA_E_NOMEM;
    A = pm + M;
    alive = A + M + 1;
    c = alive + n_k + 1;
    e = c + n_k + 1;
    for (i = 0; i < n; i++) {
        double *o = out + i * n_k;
        if (!(t > 0.0)) {
            for (nn = 0; nn < n_k; nn++)
                o[nn] = nn == 0 ? 1.0 : 0.0;
            continue;
        }
        if (!(x[i] >= px && x[i] <= px && t_x[i] >= ptx && t_x[i] <= ptx && T[i] >= pT && T[i] <= pT)) {
            const double u = r + (double)k * x[i], aT = al + T[i], d = T[i] - t_x[i], bb = b + x[i] + (double)s;
            double v = 1.0, S2 = 1.0, w;
            cnbd_parts o2;
            int j;
            cnbd_terms(p, k, s, x[i], t_x[i], T[i], 0, &o2);
            pa = o2.lS1 > -CVA_INF ? cva__expit(o2.lS2 - o2.lS1) : 1.0;
            for (j = 1; j < k; j++) {
                v *= (u + (double)(j - 1)) * (d / aT) / (double)j;
                S2 += v;
            }
            /* c_n, e_n for n = 1..n_k−1 (c[0], e[0] unused) */
            c[1] = 1.0;
            for (nn = 1; nn < n_k; nn++) {
                const double den = a + bb + (double)nn - 1.0;
                e[nn] = c[nn] * (a / den);
                c[nn + 1] = c[nn] * ((bb + (double)nn - 1.0) / den);
            }
            for (nn = 0; nn < n_k; nn++)
                alive[nn] = 0.0;
            v = 1.0;
            for (j = 0; j < k; j++) {
                cva_status s1;
                size_t m, lo;
                double acc;
                if (j > 0)
                    v *= (u + (double)(j - 1)) * (d / aT) / (double)j;
                w = v / S2;
                if (!(w > 0.0))
                    continue;
                s1 = nbd_pmf_tails(u + (double)j, aT, t, M - (size_t)j, pm, A);
                if (s1 > st)
                    st = s1;
                acc = 0.0; /* P(N < k − j) */
                for (m = 0; m < (size_t)(k - j); m++)
                    acc += pm[m];
                alive[0] += w * acc;
                for (nn = 1; nn < n_k; nn++) {
                    const size_t hi = (nn + 1) * (size_t)k - (size_t)j;
                    lo = nn * (size_t)k - (size_t)j;
                    acc = 0.0;
                    for (m = lo; m < hi; m++)
                        acc += pm[m];
                    alive[nn] += w * (c[nn] * acc + e[nn] * A[hi]);
                }
            }
            px = x[i];
            ptx = t_x[i];
            pT = T[i];
        }
        for (nn = 0; nn < n_k; nn++)
            o[nn] = pa * alive[nn];
        o[0] += 1.0 - pa;
    }
    cva__free(alloc, pm);
    return st;
}

/* ------------------------------------------------------------ event times */

static cva_status check_groups(const double *t, const size_t *offsets, size_t n, cva_diag *diag)
{
    size_t i, j;
    if (!offsets || (n > 0 && offsets[n] > 0 && !t))
        return cva__report(diag, CVA_E_NULLPTR, !offsets ? 2 : 1, 0, -1, 0, "array is NULL");
    if (offsets[0] != 0)
        return cva__report(diag, CVA_E_BADARG, 2, 0, 0, 0, "offsets[0] must be 0");
    for (i = 0; i < n; i++) {
        if (offsets[i + 1] < offsets[i])
            return cva__report(diag, CVA_E_BADARG, 2, 0, (int64_t)(i + 1), 0, "offsets must not decrease");
        for (j = offsets[i]; j < offsets[i + 1]; j++) {
            if (!isfinite(t[j]))
                return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)j, 0, "time is NaN or infinite");
            if (j > offsets[i] && !(t[j] > t[j - 1]))
                return cva__report(diag, CVA_E_BADARG, 1, 0, (int64_t)j, 0,
                                   "times must increase strictly within a customer (merge same-day purchases)");
        }
    }
    return CVA_OK;
}

cva_status cva_log_itt_sum(const double *t, const size_t *offsets, size_t n_customers, double *litt, cva_diag *diag)
{
    cva_status st;
    size_t i, j;
    if (n_customers > 0 && !litt)
        return cva__report(diag, CVA_E_NULLPTR, 4, 0, -1, 0, "litt is NULL");
    st = check_groups(t, offsets, n_customers, diag);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < n_customers; i++) {
        cva__ksum acc = {0.0, 0.0};
        for (j = offsets[i] + 1; j < offsets[i + 1]; j++)
            cva__ksum_add(&acc, log(t[j] - t[j - 1]));
        litt[i] = cva__ksum_value(&acc);
    }
    return cva__report(diag, n_customers == 0 ? CVA_W_EMPTY : CVA_OK, 0, 0, -1, 0, NULL);
}

cva_status cva_regularity_wheat(const double *t, const size_t *offsets, size_t n_customers, double *k_hat,
                                size_t *n_used, cva_diag *diag)
{
    cva__ksum acc = {0.0, 0.0};
    cva_status st;
    size_t i, used = 0;
    double V;
    if (!k_hat)
        return cva__report(diag, CVA_E_NULLPTR, 4, 0, -1, 0, "k_hat is NULL");
    *k_hat = CVA_NAN;
    if (n_used)
        *n_used = 0;
    st = check_groups(t, offsets, n_customers, diag);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < n_customers; i++) {
        size_t e = offsets[i + 1];
        double d1, d2, dm;
        if (e - offsets[i] < 3)
            continue;
        d1 = t[e - 2] - t[e - 3];
        d2 = t[e - 1] - t[e - 2];
        dm = (d1 - d2) / (2.0 * (d1 + d2)); /* M − ½ with M = d1/(d1+d2) */
        cva__ksum_add(&acc, dm * dm);
        used++;
    }
    if (n_used)
        *n_used = used;
    if (used == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, "no customer with three purchases");
    V = cva__ksum_value(&acc) / (double)used;
    if (!(V > 0.0))
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, used, "every M is 1/2: no spread to estimate k from");
    *k_hat = (1.0 - 4.0 * V) / (8.0 * V);
    return cva__report(diag, CVA_OK, 0, 0, -1, used, NULL);
}

/* --------------------------------------------------------------- simulator */

static void unit_stream(cva__rng *rng, uint64_t seed, size_t i)
{
    /* the per-customer streams of simulate.c: customer i's draws do not depend on n */
    uint64_t st = seed ^ (UINT64_C(0xD1B54A32D192ED03) * (uint64_t)(i + 1));
    cva__rng_seed(rng, cva__splitmix64(&st));
}

cva_status cva_sim_cnbd(int32_t model, int32_t k, const double *params, const double *T, size_t n, uint64_t seed,
                        double *x, double *t_x, double *litt, cva_diag *diag)
{
    const int s = cnbd_shift(model);
    cva_status st = check_model_k(model, k, diag);
    size_t i;
    int j;
    if (st != CVA_OK)
        return st;
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "params is NULL");
    for (j = 0; j < 4; j++)
        if (!(params[j] > 0.0) || !isfinite(params[j]))
            return cva__report(diag, CVA_E_DOMAIN, 3, 0, j, 0, "parameters must be finite and > 0");
    if (n > 0 && (!T || !x || !t_x))
        return cva__report(diag, CVA_E_NULLPTR, !T ? 4 : (!x ? 7 : 8), 0, -1, 0, "array is NULL");
    for (i = 0; i < n; i++)
        if (!(isfinite(T[i]) && T[i] >= 0.0))
            return cva__report(diag, CVA_E_BADARG, 4, 0, (int64_t)i, 0, "T must be finite and >= 0");
    for (i = 0; i < n; i++) {
        cva__rng rng;
        double lambda, p, now = 0.0, cnt = 0.0, last = 0.0, ls = 0.0;
        unit_stream(&rng, seed, i);
        lambda = cva__rng_gamma(&rng, params[0]) / params[1];
        p = cva__rng_beta(&rng, params[2], params[3]);
        if (!(s && cva__rng_uniform(&rng) < p)) {
            while (lambda > 0.0) {
                double itt = 0.0;
                for (j = 0; j < k; j++)
                    itt += cva__rng_exp(&rng);
                itt /= lambda;
                now += itt;
                if (!(now <= T[i]))
                    break;
                cnt += 1.0;
                ls += log(itt);
                last = now;
                if (cva__rng_uniform(&rng) < p)
                    break; /* dropped out after this repeat purchase */
            }
        }
        x[i] = cnt;
        t_x[i] = last;
        if (litt)
            litt[i] = ls;
    }
    return cva__report(diag, CVA_OK, 0, 0, -1, n, NULL);
}
