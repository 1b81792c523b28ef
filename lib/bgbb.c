/*
 * libcva — BG/BB, the discrete-time non-contractual model of Fader, Hardie &
 * Shang (2010), "Customer-base analysis in a discrete-time noncontractual
 * setting", Marketing Science 29(6). docs/methods/conventions.md#methods_choices docs/methods/conventions.md#methods_choice_mbgnbd.
 *
 * Data per customer: x repeat transactions in n opportunities, the last one at
 * opportunity t_x (0 when x = 0). While alive a customer transacts at each
 * opportunity with probability p ~ Beta(α, β); at the start of every
 * opportunity it dies with probability θ ~ Beta(γ, δ). Parameters α, β, γ, δ.
 *
 * Likelihood (FHS 2010 eq. 5), with B(·,·) the beta function:
 *   L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).
 * The first term is "alive through n" (A), the others "died at the start of
 * opportunity t_x+i+1" (B_i). The B_i decrease in i, with ratio
 *   B_{i+1}/B_i = (β+t_x−x+i)(δ+t_x+i) / ((α+β+t_x+i)(γ+δ+t_x+i+1)),
 * so ln L = logaddexp(ln A, ln B_0 + ln Σ ρ_i) with ρ_0 = 1: no overflow and no
 * lgamma call inside the sum (the beta-function ratios are cva__lbeta_ratio, exact as
 * α, β or γ, δ grow without bound). The gradient is the softmax-weighted average of
 * the term gradients; the term gradients are digamma differences (cva__digamma_diff) at i = 0 and
 * change by simple reciprocals from i to i+1.
 *
 * Predictions (FHS 2010 §4), everything in log space:
 *   P(alive at n+m | data) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+m)/B(γ,δ) / L
 *     (m = 0: alive at the last opportunity, the `lifetimes` convention;
 *      m = 1: FHS's "alive in period n+1")
 *   E[X(n, n+n*) | data] = B(α+x+1, β+n−x)/B(α,β) / L · Σ_{k=1}^{n*} B(γ, δ+n+k)/B(γ,δ)
 *   E[X(n)] = α/(α+β) · Σ_{k=1}^{n} B(γ, δ+k)/B(γ,δ)
 *   P(X(n)=x) = C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *             + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ)
 * The survival sum Σ_{k=1}^{m} B(γ, δ+n0+k)/B(γ,δ) is summed directly (product
 * recursion) for integer m <= 256, otherwise by the telescoping closed form
 *   Γ(γ+δ)/Γ(δ) · [Γ(1+δ+n0)/Γ(γ+δ+n0) − Γ(1+δ+n0+m)/Γ(γ+δ+n0+m)] / (γ−1)
 * (FHS eqs. 7 and 13), with expm1 for the difference and ln Γ differences
 * that keep full relative accuracy (lgamma_diff), so γ near 1 (the removable
 * singularity) needs no special case; γ = 1 exactly is the digamma limit.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define DIRECT_MAX 256.0

static int params_ok(const double *p)
{
    int i;
    for (i = 0; i < 4; i++)
        if (!isfinite(p[i]) || !(p[i] > 0.0))
            return 0;
    return 1;
}

static int is_int(double v)
{
    return isfinite(v) && !(floor(v) < v);
}

/* A valid BG/BB row: integers with 0 <= x <= t_x <= n, and t_x = 0 when x = 0. */
static int row_ok(double x, double tx, double n)
{
    if (!is_int(x) || !is_int(tx) || !is_int(n))
        return 0;
    if (x < 0.0 || tx < x || n < tx)
        return 0;
    return !(x < 1.0 && tx > 0.0); /* x = 0 requires t_x = 0 */
}

static cva_status check_rows(const double *x, const double *tx, const double *T, size_t n)
{
    size_t i;
    if (n > 0 && (!x || !tx || !T))
        return CVA_E_NULLPTR;
    for (i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(tx[i]) || !isfinite(T[i]))
            return CVA_E_NONFINITE;
        if (!row_ok(x[i], tx[i], T[i]))
            return CVA_E_BADARG;
    }
    return CVA_OK;
}

/*
 * D(z, e) = ln Γ(z) − ln Γ(z+e) for z > 0, z+e > 0, accurate relative to the
 * size of the result even when e is tiny (the γ → 1 limits below) or z is large
 * (no difference of two large ln Γ values is ever formed): shift z up to >= 10
 * with Σ log1p(e/(z+j)), then Stirling's series written in differences,
 *   (Z+e−½) ln(Z+e) − (Z−½) ln Z = (Z+e−½)·log1p(e/Z) + e·ln Z,
 *   Z^−k − (Z+e)^−k = e/(Z(Z+e)) · Σ_{j<k} Z^−j (Z+e)^−(k−1−j).
 */
static double lgamma_diff(double z, double e)
{
    static const double c[8] = {1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
                                1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0};
    double acc = 0.0, Z = z, ze, dl, ser = 0.0, ia, ib, delta, pa, pb;
    int k, j;
    if (!(e < 0.0) && !(e > 0.0))
        return 0.0;
    while (Z < 10.0 || Z + e < 10.0) {
        acc += log1p(e / Z); /* ln(Z+e) − ln Z */
        Z += 1.0;
    }
    ze = Z + e;
    dl = (ze - 0.5) * log1p(e / Z) + e * log(Z) - e; /* Stirling main part of ln Γ(Z+e) − ln Γ(Z) */
    ia = 1.0 / Z;
    ib = 1.0 / ze;
    delta = e * ia * ib; /* 1/Z − 1/(Z+e) */
    /* Σ c_k (Z^−(2k−1) − (Z+e)^−(2k−1)) */
    for (k = 0; k < 8; k++) {
        int n = 2 * k + 1;
        double g = 0.0;
        pa = 1.0;
        for (j = 0; j < n; j++) {
            /* Z^−j (Z+e)^−(n−1−j) */
            int i2;
            pb = pa;
            for (i2 = 0; i2 < n - 1 - j; i2++)
                pb *= ib;
            g += pb;
            pa *= ia;
        }
        ser += c[k] * delta * g;
    }
    /* ln Γ(Z) − ln Γ(Z+e) = −dl + ser; plus the shift part */
    return -dl + ser + acc;
}

/*
 * R(z, g) = ln Γ(z) − ln Γ(z+g) + g ln z for z = hi (1 + lo/hi) >= 1e15, hi >= lo >= 0
 * (z need not be representable): Stirling in w = g/z,
 *   R = g [1 − (1+w) log1p(w)/w] + ½ log1p(w) + O(g/z²),
 * the bracket by its series −w/2 + w²/6 − w³/12 for small w (no cancellation).
 */
static double lgamma_rem_big(double hi, double lo, double g)
{
    const double w = g / hi / (1.0 + lo / hi);
    const double u = w < 1e-4 ? w * (-0.5 + w * (1.0 / 6.0 - w / 12.0)) : 1.0 - (1.0 + w) * (log1p(w) / w);
    return g * u + 0.5 * log1p(w);
}

/*
 * ln [Γ(y+m)/Γ(g+y+m) · Γ(g+y)/Γ(y)] = ln Π_{j<m} (y+j)/(g+y+j)  (m >= 0):
 * a product for small integer m, the accurate ln Γ differences otherwise.
 */
static double log_ratio_shift(double y, double g, double m)
{
    if (!(m > 0.0))
        return 0.0;
    if (m <= DIRECT_MAX && !(floor(m) < m)) {
        double s = 0.0, j;
        for (j = 0.0; j < m; j += 1.0)
            s += log1p(-g / (g + y + j));
        return s;
    }
    if (!(y + m < 1e300)) {
        /* y + m near or beyond DBL_MAX (a huge δ or horizon; a fuzz find:
           D(inf, g) was NaN): with R(z, g) = D(z, g) + g ln z,
           S = −g ln((y+m)/y) + R(y+m, g) − R(y, g), y + m never formed */
        const double hi = y > m ? y : m, lo = y > m ? m : y;
        const double lr = m / y <= 1e300 ? log1p(m / y) : log(m) - log(y) + log1p(y / m);
        const double ry = y >= 1e15 ? lgamma_rem_big(y, 0.0, g) : lgamma_diff(y, g) + g * log(y);
        const double sb = -g * lr + lgamma_rem_big(hi, lo, g) - ry;
        /* γ near DBL_MAX as well (a fuzz find: inf − inf): every factor of the
           product is at most (y+j)/(γ+y+j), so ln of it is below any double */
        return isnan(sb) && g > 1e300 ? -HUGE_VAL : sb;
    }
    {
        const double s = lgamma_diff(y + m, g) - lgamma_diff(y, g);
        if (!isfinite(s) && g > y + m)
            /* g near DBL_MAX: both D are -inf (a fuzz find: their difference was
               NaN); the same ratio as [ln Γ(y+m) − ln Γ(y)] − [ln Γ(g+y+m) − ln Γ(g+y)],
               which does not cancel where g dominates */
            return cva__lgamma_diff(y, m) - cva__lgamma_diff(g + y, m);
        return s;
    }
}

/*
 * ln of the telescoped closed form
 *   Γ(γ+δ)/Γ(δ)·[Γ(1+δ+n0)/Γ(γ+δ+n0) − Γ(1+δ+n0+m)/Γ(γ+δ+n0+m)]/(γ−1)
 * = Γ(γ+δ)/Γ(δ) · e^u · (−expm1(v−u))/ε,  ε = γ−1, u = D(1+δ+n0, ε),
 *   v−u = D(1+δ+n0+m, ε) − D(1+δ+n0, ε); both are O(ε) with full relative
 * accuracy, so ε → 0 needs no special case; ε = 0 is the digamma limit.
 */
static double log_surv_sum_closed(double g, double d, double n0, double m)
{
    double eps = g - 1.0, y = 1.0 + d + n0;
    double pre = -lgamma_diff(d, g);
    double u, vu;
    if (!(eps < 0.0) && !(eps > 0.0))
        return pre + log(cva__digamma(y + m) - cva__digamma(y));
    u = lgamma_diff(y, eps);
    /* v − u = ln Π_{j<m} (y+j)/(ε+y+j); without forming y + m near DBL_MAX */
    vu = y + m < 1e300 ? lgamma_diff(y + m, eps) - u : log_ratio_shift(y, eps, m);
    if (!isfinite(pre + u) || !isfinite(vu)) {
        /* γ near DBL_MAX: pre = +inf, u = −inf (a fuzz find: NaN); pre + u is
           [ln Γ(1+δ+n0) − ln Γ(δ)] − [ln Γ(γ+δ+n0) − ln Γ(γ+δ)], and v − u the
           survival ratio with its own guard */
        /* γ + δ itself may overflow (both near DBL_MAX, a fuzz find): ln Γ(z+n0) − ln Γ(z)
           is then n0 ln z to far below a double's precision */
        const double lgd = g + d < HUGE_VAL ? cva__lgamma_diff(g + d, n0) : n0 * (log(g) + log1p(d / g));
        const double pu = cva__lgamma_diff(d, 1.0 + n0) - lgd;
        if (y + m > y || !(m < 1.0) || !(y < 1e300)) {
            vu = log_ratio_shift(y, eps, m);
        } else {
            /* a horizon m below y's last digit with γ and δ so small that ε = γ − 1
               and y = 1 + δ + n0 lost them (a fuzz find: subnormal γ, δ and horizon,
               NaN): v − u = [ln Γ(y+m) − ln Γ(y)] − [ln Γ(c+m) − ln Γ(c)] with
               c = γ + δ + n0 formed directly, the first to first order in m */
            vu = m * cva__digamma(y) - cva__lgamma_diff(g + d + n0, m);
        }
        return pu + log(fabs(expm1(vu)) / fabs(eps));
    }
    return pre + u + log(fabs(expm1(vu)) / fabs(eps));
}

/* ln Σ_{k=1}^{m} B(γ, δ+n0+k)/B(γ,δ); −Inf for m <= 0. */
static double log_surv_sum(double g, double d, double n0, double m)
{
    if (!(m > 0.0))
        return -HUGE_VAL;
    if (m <= DIRECT_MAX && !(floor(m) < m)) {
        /* first term: B(γ, δ+n0+1)/B(γ,δ) = Π_{j<n0+1} (δ+j)/(γ+δ+j) */
        double lt = log_ratio_shift(d, g, n0 + 1.0), s = 1.0, rho = 1.0, k;
        for (k = 1.0; k < m; k += 1.0) {
            double y = d + n0 + k; /* term k+1 / term k = (δ+n0+k)/(γ+δ+n0+k) */
            rho *= y / (g + y);
            s += rho;
        }
        return lt + log(s);
    }
    return log_surv_sum_closed(g, d, n0, m);
}

/* The parameters shared by every row. */
typedef struct bgbb_k {
    double a, b, g, d;
} bgbb_k;

static void setup(const double *p, bgbb_k *k)
{
    k->a = p[0];
    k->b = p[1];
    k->g = p[2];
    k->d = p[3];
}

/* ln A: alive through n with x transactions. */
static double log_alive_term(const bgbb_k *k, double x, double n)
{
    return cva__lbeta_ratio(k->a, k->b, x, n - x) + cva__lbeta_ratio(k->g, k->d, 0.0, n);
}

/* ln L for one row; grad (4 values, d ln L / d params) when non-NULL. */
static double row_loglik(const bgbb_k *k, double x, double tx, double n, double *grad)
{
    const double a = k->a, b = k->b, g = k->g, d = k->d;
    double lA = log_alive_term(k, x, n), lB0, ll, s = 0.0, rho = 1.0, i, m = n - tx;
    double ca = 0.0, cb = 0.0, cg = 0.0, cd = 0.0; /* running increments of the term gradient */
    double wa = 0.0, wb = 0.0, wg = 0.0, wd = 0.0; /* Σ ρ_i · increments */
    if (m <= 0.0) {
        if (grad) {
            const double pabn = cva__digamma_diff(a + b, n), pgdn = cva__digamma_diff(g + d, n);
            grad[0] = cva__digamma_diff(a, x) - pabn;
            grad[1] = cva__digamma_diff(b, n - x) - pabn;
            grad[2] = -pgdn;
            grad[3] = cva__digamma_diff(d, n) - pgdn;
        }
        return lA;
    }
    lB0 = cva__lbeta_ratio(a, b, x, tx - x) + cva__lbeta_ratio(g, d, 1.0, tx);
    for (i = 0.0; i < m; i += 1.0) {
        double e1 = b + tx - x + i, e2 = a + b + tx + i, e3 = d + tx + i, e4 = g + d + tx + i + 1.0;
        s += rho;
        if (grad) {
            wa += rho * ca;
            wb += rho * cb;
            wg += rho * cg;
            wd += rho * cd;
            ca -= 1.0 / e2;
            cb += 1.0 / e1 - 1.0 / e2;
            cg -= 1.0 / e4;
            cd += 1.0 / e3 - 1.0 / e4;
        }
        /* two ratios, each <= 1 in size: the products e1·e3 and e2·e4 overflow
           for β or δ near DBL_MAX (inf/inf = NaN, a fuzz find) */
        rho *= (e1 / e2) * (e3 / e4);
    }
    /* ln L = logaddexp(lA, lB0 + ln s) */
    {
        double lB = lB0 + log(s);
        ll = cva__logaddexp(lA, lB);
        if (grad) {
            double wA = exp(lA - ll), wB = exp(lB - ll); /* shares of A and of all B terms */
            /* ψ differences without forming ψ of large arguments */
            const double pabn = cva__digamma_diff(a + b, n), pgdn = cva__digamma_diff(g + d, n);
            const double pax = cva__digamma_diff(a, x);
            const double pabt = cva__digamma_diff(a + b, tx), pgdt = cva__digamma_diff(g + d, tx + 1.0);
            double gA[4], gB0[4];
            int j;
            gA[0] = pax - pabn;
            gA[1] = cva__digamma_diff(b, n - x) - pabn;
            gA[2] = -pgdn;
            gA[3] = cva__digamma_diff(d, n) - pgdn;
            gB0[0] = pax - pabt;
            gB0[1] = cva__digamma_diff(b, tx - x) - pabt;
            gB0[2] = 1.0 / g - pgdt;
            gB0[3] = cva__digamma_diff(d, tx) - pgdt;
            gB0[0] += wa / s;
            gB0[1] += wb / s;
            gB0[2] += wg / s;
            gB0[3] += wd / s;
            for (j = 0; j < 4; j++)
                grad[j] = wA * gA[j] + wB * gB0[j];
        }
    }
    return ll;
}

static double bgbb_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    bgbb_k k;
    cva__ksum sum = {0.0, 0.0};
    double gs[4] = {0.0, 0.0, 0.0, 0.0}, gr[4];
    size_t i;
    int j;
    if (!p || !params_ok(p))
        return CVA_NAN;
    setup(p, &k);
    for (i = 0; i < rows->n; i++) {
        double w = rows->w ? rows->w[i] : 1.0, l;
        if (!row_ok(rows->x[i], rows->t_x[i], rows->T[i]))
            return CVA_NAN;
        l = row_loglik(&k, rows->x[i], rows->t_x[i], rows->T[i], grad ? gr : NULL);
        if (ll_i)
            ll_i[i] = l;
        cva__ksum_add(&sum, w * l);
        if (grad)
            for (j = 0; j < 4; j++)
                gs[j] += w * gr[j];
    }
    if (grad)
        for (j = 0; j < 4; j++)
            grad[j] = gs[j];
    return cva__ksum_value(&sum);
}

static cva_status bgbb_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                               const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    bgbb_k k;
    size_t i;
    cva_status st;
    (void)alloc; /* no cache */
    if (!p || !params_ok(p))
        return CVA_E_DOMAIN;
    if (!isfinite(t_future) || t_future < 0.0)
        return CVA_E_BADARG;
    st = check_rows(x, t_x, T, n);
    if (st < 0)
        return st;
    setup(p, &k);
    for (i = 0; i < n; i++) {
        double ll = row_loglik(&k, x[i], t_x[i], T[i], NULL);
        double lA = log_alive_term(&k, x[i], T[i]);
        /* B(γ, δ+n+m)/B(γ, δ+n) = Π_{j<m} (δ+n+j)/(γ+δ+n+j) */
        double lm = log_ratio_shift(k.d + T[i], k.g, t_future);
        double v = exp(lA + lm - ll);
        out[i] = v > 1.0 ? 1.0 : v;
    }
    return CVA_OK;
}

static cva_status bgbb_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                                size_t n, double *out, const cva_allocator *alloc)
{
    bgbb_k k;
    size_t i;
    cva_status st;
    (void)alloc; /* no cache */
    if (!p || !params_ok(p))
        return CVA_E_DOMAIN;
    if (!isfinite(t) || t < 0.0)
        return CVA_E_BADARG;
    st = check_rows(x, t_x, T, n);
    if (st < 0)
        return st;
    setup(p, &k);
    for (i = 0; i < n; i++) {
        double ll, lnum;
        if (!(t > 0.0)) {
            out[i] = 0.0;
            continue;
        }
        ll = row_loglik(&k, x[i], t_x[i], T[i], NULL);
        lnum = cva__lbeta_ratio(k.a, k.b, x[i] + 1.0, T[i] - x[i]) + log_surv_sum(k.g, k.d, T[i], t);
        out[i] = exp(lnum - ll);
    }
    return CVA_OK;
}

static cva_status bgbb_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    double lp, g, d;
    size_t i;
    if (!p || !params_ok(p))
        return CVA_E_DOMAIN;
    if (n > 0 && !t)
        return CVA_E_NULLPTR;
    for (i = 0; i < n; i++)
        if (!isfinite(t[i]) || t[i] < 0.0)
            return CVA_E_BADARG;
    lp = log(p[0]) - log(p[0] + p[1]);
    g = p[2];
    d = p[3];
    for (i = 0; i < n; i++)
        out[i] = t[i] > 0.0 ? exp(lp + log_surv_sum(g, d, 0.0, t[i])) : 0.0;
    return CVA_OK;
}

static double lchoose(double nn, double kk)
{
    return -cva__lbeta(kk + 1.0, nn - kk + 1.0) - log(nn + 1.0);
}

static cva_status bgbb_prob_n(const double *p, double t, size_t n_k, double *out)
{
    bgbb_k k;
    size_t j;
    if (!p || !params_ok(p))
        return CVA_E_DOMAIN;
    if (!is_int(t) || t < 0.0)
        return CVA_E_BADARG;
    setup(p, &k);
    for (j = 0; j < n_k; j++) {
        double x = (double)j, l, lt, i;
        if (x > t) {
            out[j] = 0.0;
            continue;
        }
        l = lchoose(t, x) + log_alive_term(&k, x, t);
        if (x < t) {
            /* i = x: C(x,x)·B(α+x, β)/B(α,β)·B(γ+1, δ+x)/B(γ,δ) */
            lt = cva__lbeta_ratio(k.a, k.b, x, 0.0) + cva__lbeta_ratio(k.g, k.d, 1.0, x);
            for (i = x; i < t; i += 1.0) {
                l = cva__logaddexp(l, lt);
                /* term i+1 / term i */
                lt += log((i + 1.0) / (i + 1.0 - x)) + log1p(-(k.a + x) / (k.a + k.b + i)) +
                      log1p(-(k.g + 1.0) / (k.g + k.d + i + 1.0));
            }
        }
        out[j] = exp(l);
    }
    return CVA_OK;
}

const cva__btyd_model cva__model_bgbb = {
    CVA_MODEL_BGBB,
    4,
    {"alpha", "beta", "gamma", "delta"},
    {1.0, 1.0, 1.0, 1.0},
    {0, 0, 0, 0},
    bgbb_ll,
    bgbb_p_alive,
    bgbb_expected,
    bgbb_expected_pop,
    bgbb_prob_n,
    NULL,
    NULL,
};
