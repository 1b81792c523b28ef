/*
 * libcva — special functions for the churn models (docs/methods/models.md#methods_numerics).
 *
 * Everything here is re-entrant: no globals, no static mutable state, no
 * calls to lgamma() (which may write signgam).
 *
 *  - ln Γ: Stirling's series (8 Bernoulli terms) for x >= 10, upward shift
 *    by the product recurrence below that; reflection for negative arguments
 *    (internal only).
 *  - ψ: asymptotic series for x >= 10 after the shift ψ(x) = ψ(x+1) − 1/x.
 *  - 2F1(a,b;c;z), 0 <= z < 1: the power series with a running scale so
 *    that it cannot overflow (the result is returned as log |F| and sign),
 *    Euler's transformation when it shrinks the upper parameters, the 1−z
 *    connection formula (A&S 15.3.6) for z > 0.9 with moderate parameters.
 *  - 2F1(A,B;A+1;z): Euler form with the remainder-bound stop (docs/methods/models.md#methods_numerics item 3).
 *  - e^z E_s(z): modified Lentz continued fraction for z >= 1, the series
 *    of DLMF 8.19.7 for z < 1 (the pole pair near integer s in closed form).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define CVA_SERIES_CAP 1000000L

static const double LN_SQRT_2PI = 0.91893853320467274178032973640562;
static const double LN_PI = 1.1447298858494001741434273513531;
static const double PI_D = 3.1415926535897932384626433832795;

/* ------------------------------------------------------------- log-gamma */

/* Stirling's series for x >= 10 (error < 1e-17 relative to the last term). */
static double stirling_lgamma(double x)
{
    double r = 1.0 / x, r2 = r * r;
    double ser = r * (1.0 / 12.0 +
                      r2 * (-1.0 / 360.0 +
                            r2 * (1.0 / 1260.0 +
                                  r2 * (-1.0 / 1680.0 +
                                        r2 * (1.0 / 1188.0 +
                                              r2 * (-691.0 / 360360.0 +
                                                    r2 * (1.0 / 156.0 + r2 * (-3617.0 / 122400.0))))))));
    return (x - 0.5) * log(x) - x + LN_SQRT_2PI + ser;
}

/* (−1)^n (ζ(n) − 1)/n, n = 2..31, for lnΓ(1+e) (A&S 6.1.41). */
static const double LG1P_C[30] = {
    6.44934066848226406e-01 / 2,  -2.02056903159594292e-01 / 3,  8.23232337111381857e-02 / 4,
    -3.69277551433699266e-02 / 5, 1.73430619844491402e-02 / 6,  -8.34927738192282713e-03 / 7,
    4.07735619794433960e-03 / 8,  -2.00839282608221426e-03 / 9, 9.94575127818085256e-04 / 10,
    -4.94188604119464529e-04 / 11, 2.46086553308048320e-04 / 12, -1.22713347578489145e-04 / 13,
    6.12481350587048277e-05 / 14, -3.05882363070204933e-05 / 15, 1.52822594086518710e-05 / 16,
    -7.63719763789976257e-06 / 17, 3.81729326499984022e-06 / 18, -1.90821271655393897e-06 / 19,
    9.53962033872796212e-07 / 20, -4.76932986787806447e-07 / 21, 2.38450502727733004e-07 / 22,
    -1.19219925965311064e-07 / 23, 5.96081890512594801e-08 / 24, -2.98035035146522793e-08 / 25,
    1.49015548283650427e-08 / 26, -7.45071178983543006e-09 / 27, 3.72533402478845728e-09 / 28,
    -1.86265972351304914e-09 / 29, 9.31327432419668166e-10 / 30, -4.65662906503378366e-10 / 31,
};
static const double EULER_GAMMA = 0.57721566490153286061;

/* lnΓ(2+e) − ln(1+e) − ... : returns e(1−γ) + Σ_{n>=2} c_n e^n, so that
   lnΓ(1+e) = S(e) − log1p(e) and lnΓ(2+e) = S(e); |e| <= 0.5. */
static double lg_taylor(double e)
{
    double acc = LG1P_C[29];
    int i;
    for (i = 28; i >= 0; i--)
        acc = acc * e + LG1P_C[i];
    return e * ((1.0 - EULER_GAMMA) + e * acc);
}

/* lnΓ(1+e) for |e| <= 0.5 with relative accuracy (also near e = 0). */
static double lgamma1p_small(double e)
{
    return lg_taylor(e) - log1p(e);
}

double cva__lgamma(double x)
{
    double p;
    if (!(x > 0.0))
        return CVA_NAN;
    if (x >= 10.0)
        return x < HUGE_VAL ? stirling_lgamma(x) : HUGE_VAL;
    if (x < 0.5)
        return lgamma1p_small(x) - log(x);
    if (x <= 1.5)
        return lgamma1p_small(x - 1.0);
    if (x <= 2.5)
        return lg_taylor(x - 2.0);
    /* 2.5 < x < 10: lnΓ(x) = lnΓ(x−k) + ln((x−1)…(x−k)), x−k in (1.5, 2.5] (exact) */
    p = 1.0;
    while (x > 2.5) {
        x -= 1.0;
        p *= x;
    }
    return lg_taylor(x - 2.0) + log(p);
}

/* sin(πx) with exact argument reduction. */
static double sinpi(double x)
{
    double r = fmod(x, 2.0); /* exact, in (-2, 2) */
    if (r < 0)
        r += 2.0;            /* [0, 2) */
    if (r > 1.0)
        return -sinpi(r - 1.0);
    /* r in [0, 1] */
    if (r > 0.5)
        r = 1.0 - r;
    return sin(PI_D * r);
}

/* ln |Γ(x)| and the sign of Γ(x) for any real x; sign 0 (and +Inf) at poles. */
static double lgamma_signed(double x, int *sign)
{
    double sp;
    if (x > 0.0) {
        *sign = 1;
        return cva__lgamma(x);
    }
    if (floor(x) >= x) { /* non-positive integer */
        *sign = 0;
        return HUGE_VAL;
    }
    sp = sinpi(x);
    *sign = sp < 0 ? -1 : 1;
    return LN_PI - log(fabs(sp)) - cva__lgamma(1.0 - x);
}

/* 1 if x is within tol of an integer. */
static int near_integer(double x, double tol)
{
    return fabs(x - floor(x + 0.5)) <= tol;
}

/* ---------------------------------------------------------------- digamma */

double cva__digamma(double x)
{
    double acc = 0.0, r, r2;
    if (!(x > 0.0))
        return CVA_NAN;
    if (!(x < HUGE_VAL))
        return HUGE_VAL;
    while (x < 10.0) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    r = 1.0 / x;
    r2 = r * r;
    return acc + log(x) - 0.5 * r -
           r2 * (1.0 / 12.0 +
                 r2 * (-1.0 / 120.0 +
                       r2 * (1.0 / 252.0 +
                             r2 * (-1.0 / 240.0 +
                                   r2 * (1.0 / 132.0 +
                                         r2 * (-691.0 / 32760.0 + r2 * (1.0 / 12.0 + r2 * (-3617.0 / 8160.0))))))));
}

/* ------------------------------------------- differences of log-gamma etc. */

/*
 * These evaluate differences of large logarithms without forming them: the
 * Stirling series is differenced term by term, with
 *   (x+h)^(-m) − x^(-m) = −x^(-m) (1 − ρ^m),  ρ = x/(x+h),
 *   1 − ρ^m = (1 − ρ)(1 + ρ + … + ρ^(m−1)),   1 − ρ = h/(x+h),
 * so that every term keeps its relative accuracy whether h ≪ x or h ≫ x.
 * Below x = 10 the arguments are shifted up with the recurrences.
 */

/* Stirling coefficients B_2k/(2k(2k−1)) of ln Γ and B_2k/(2k) of ψ, k = 1..8. */
static const double STIR_LG[8] = {1.0 / 12.0,    -1.0 / 360.0,        1.0 / 1260.0, -1.0 / 1680.0,
                                  1.0 / 1188.0,  -691.0 / 360360.0,   1.0 / 156.0,  -3617.0 / 122400.0};
static const double STIR_PSI[8] = {1.0 / 12.0,   -1.0 / 120.0,      1.0 / 252.0, -1.0 / 240.0,
                                   1.0 / 132.0,  -691.0 / 32760.0,  1.0 / 12.0,  -3617.0 / 8160.0};

/* (ln(1 + x) − x)/x for x > −1, x != 0: no underflow for tiny x (−x/2). */
static double log1pmx_over_x(double x)
{
    double y, y2, t, s;
    int k;
    if (fabs(x) > 0.5)
        return (log1p(x) - x) / x;
    /* log1p(x) = 2 atanh(y), y = x/(2+x), and x − 2y = x y:
       log1p(x) − x = −x y + 2 y³ (1/3 + y²/5 + …), |y| <= 1/3, and y/x = 1/(2+x) */
    y = x / (2.0 + x);
    y2 = y * y;
    t = 1.0 / 3.0;
    s = t;
    for (k = 5; k < 80; k += 2) {
        t *= y2;
        s += t * 3.0 / (double)k;
        if (t <= 1e-17 * s)
            break;
    }
    /* s = Σ_j y^(2j)/(2j+3) */
    return -y + 2.0 * y * y * s / (2.0 + x);
}

double cva__log1pmx(double x)
{
    if (!(x > -1.0))
        return x >= -1.0 ? -HUGE_VAL : CVA_NAN;
    if (fabs(x) <= 0.0)
        return 0.0;
    return x * log1pmx_over_x(x);
}

/* Stirling remainder ω(x) for x >= 10 (8 terms: error < 1e-17 relative). */
static double stirling_corr(double x)
{
    double r = 1.0 / x, r2 = r * r;
    return r * (STIR_LG[0] +
                r2 * (STIR_LG[1] +
                      r2 * (STIR_LG[2] +
                            r2 * (STIR_LG[3] +
                                  r2 * (STIR_LG[4] + r2 * (STIR_LG[5] + r2 * (STIR_LG[6] + r2 * STIR_LG[7])))))));
}

double cva__lgamma_corr(double x)
{
    double acc = 0.0;
    if (!(x > 0.0))
        return CVA_NAN;
    if (!(x < HUGE_VAL))
        return 0.0;
    /* ω(y) = ω(y+1) + (y + ½) ln(1 + 1/y) − 1, and with t = 1/(2y+1),
       (y + ½) ln(1 + 1/y) = atanh(t)/t = 1 + t²/3 + t⁴/5 + …: a positive series */
    while (x < 10.0) {
        if (x < 1.0) {
            acc += (x + 0.5) * log1p(1.0 / x) - 1.0;
        } else {
            double t2 = 1.0 / (2.0 * x + 1.0), pw, s = 0.0, d;
            int k;
            t2 *= t2;
            pw = t2;
            for (k = 3; k < 80; k += 2) {
                d = pw / (double)k;
                s += d;
                if (d <= 1e-17 * s)
                    break;
                pw *= t2;
            }
            acc += s;
        }
        x += 1.0;
    }
    return acc + stirling_corr(x);
}

/* ln(1 + h/y) for h >= 0, y > 0, also when h/y overflows. */
static double log1p_ratio(double h, double y)
{
    double r = h / y;
    if (r < HUGE_VAL)
        return log1p(r);
    return log(h) - log(y) + log1p(y / h);
}

/* ω(x+h) − ω(x) (ω = the Stirling remainder) for x >= 10, h >= 0. */
static double lgamma_corr_diff(double x, double h)
{
    const double rho = x / (x + h), omr = h / (x + h), ix = 1.0 / x, ix2 = ix * ix, rho2 = rho * rho;
    double G = 1.0, pw = rho, xm = ix, acc = 0.0; /* G = 1 + ρ + … + ρ^(m−1), pw = ρ^m, xm = x^(−m) */
    int k;
    for (k = 0; k < 8; k++) {
        acc += STIR_LG[k] * xm * G;
        G += pw * (1.0 + rho);
        pw *= rho2;
        xm *= ix2;
    }
    return -omr * acc;
}

double cva__lgamma_delta(double x, double h)
{
    double acc = 0.0, u;
    if (!(x > 0.0) || !(h >= 0.0) || !(x < HUGE_VAL) || !(h < HUGE_VAL))
        return CVA_NAN;
    if (h <= 0.0)
        return 0.0;
    if (x < 10.0) {
        /* ln Γ(x+h) − ln Γ(x) = [ln Γ(x+n+h) − ln Γ(x+n)] − Σ_{j<n} ln(1 + h/(x+j)) */
        double xn = x, lr;
        while (xn < 10.0) {
            acc -= log1p_ratio(h, xn);
            xn += 1.0;
        }
        lr = log1p_ratio(xn - x, x); /* ln((x+n)/x) */
        return cva__lgamma_delta(xn, h) + h * lr + acc;
    }
    u = h / x;
    /* (x+h−½) ln(x+h) − (x−½) ln x − h − h ln x = x (log1p(u) − u) + (h − ½) log1p(u) */
    /* x log1pmx(u) = h log1pmx(u)/u: no underflow when u is below 1e-154 */
    return h * log1pmx_over_x(u) + (h - 0.5) * log1p(u) + lgamma_corr_diff(x, h); /* x >= 10: u finite */
}

double cva__lgamma_diff(double x, double h)
{
    if (!(x > 0.0) || !(x + h > 0.0) || isnan(h))
        return CVA_NAN;
    if (h < 0.0)
        return -cva__lgamma_diff(x + h, -h);
    if (h <= 0.0)
        return 0.0;
    if (x < 10.0 && h >= 1.0)
        /* no cancellation to guard against: the values are of moderate size or lnΓ(x+h) dominates */
        return cva__lgamma(x + h) - cva__lgamma(x);
    return cva__lgamma_delta(x, h) + h * log(x);
}

double cva__lbeta(double a, double b)
{
    double t;
    if (!(a > 0.0) || !(b > 0.0))
        return CVA_NAN;
    if (a < b) {
        t = a;
        a = b;
        b = t;
    }
    if (!(a < HUGE_VAL))
        return -HUGE_VAL;
    if (b >= 10.0)
        /* ½ ln 2π + (a−½) ln a + (b−½) ln b − (a+b−½) ln(a+b) + ω(a) + ω(b) − ω(a+b) */
        return LN_SQRT_2PI - 0.5 * log(b) - (a - 0.5) * log1p(b / a) - b * log1p_ratio(a, b) +
               cva__lgamma_corr(b) - lgamma_corr_diff(a, b);
    if (a < 10.0)
        return cva__lgamma(a) + cva__lgamma(b) - cva__lgamma(a + b);
    /* b < 10 <= a: ln Γ(b) − [ln Γ(a+b) − ln Γ(a)] */
    return cva__lgamma(b) - cva__lgamma_delta(a, b) - b * log(a);
}

double cva__lbeta_ratio(double a, double b, double x, double y)
{
    /* a + b may overflow (a and b near DBL_MAX, a fuzz find): no form below forms it
       except δ(a+b, x+y), which is then below (x+y)²/DBL_MAX, i.e. 0 */
    if (!(a > 0.0) || !(b > 0.0) || !(x >= 0.0) || !(y >= 0.0) || !(a < HUGE_VAL) || !(b < HUGE_VAL))
        return CVA_NAN;
    if (!(x > 0.0) && !(y > 0.0))
        return 0.0;
    if (x + y <= 64.0 && !(floor(x) < x) && !(floor(y) < y)) {
        /* integer counts: Π_{i<x} (a+i)/(a+b+i) · Π_{j<y} (b+j)/(a+b+x+j), a sum of
           negative logs (exact also for a ≪ b, where the δ form below cancels) */
        double acc = 0.0, i;
        for (i = 0.0; i < x; i += 1.0)
            acc -= log1p_ratio(b, a + i);
        for (i = 0.0; i < y; i += 1.0)
            acc -= log1p_ratio(a + x, b + i);
        return acc;
    }
    /* ln Γ(a+x) − ln Γ(a) + ln Γ(b+y) − ln Γ(b) − ln Γ(a+b+x+y) + ln Γ(a+b)
       = δ(a,x) + δ(b,y) − δ(a+b,x+y) + x ln(a/(a+b)) + y ln(b/(a+b)) */
    return cva__lgamma_delta(a, x) + cva__lgamma_delta(b, y) -
           (a + b < HUGE_VAL ? cva__lgamma_delta(a + b, x + y) : 0.0) -
           (x > 0.0 ? x * log1p_ratio(b, a) : 0.0) - (y > 0.0 ? y * log1p_ratio(a, b) : 0.0);
}

double cva__digamma_mlog(double x)
{
    double r, r2, acc = 0.0;
    if (!(x > 0.0))
        return CVA_NAN;
    if (!(x < HUGE_VAL))
        return 0.0;
    /* ψ(y) − ln y = ψ(y+1) − ln(y+1) + [ln(1 + 1/y) − 1/y]: terms of one sign */
    while (x < 10.0) {
        acc += cva__log1pmx(1.0 / x);
        x += 1.0;
    }
    r = 1.0 / x;
    r2 = r * r;
    return acc - 0.5 * r -
           r2 * (STIR_PSI[0] +
                 r2 * (STIR_PSI[1] +
                       r2 * (STIR_PSI[2] +
                             r2 * (STIR_PSI[3] +
                                   r2 * (STIR_PSI[4] + r2 * (STIR_PSI[5] + r2 * (STIR_PSI[6] + r2 * STIR_PSI[7])))))));
}

double cva__digamma_diff(double x, double h)
{
    double acc = 0.0, rho, omr, ix, ix2, rho2, G, pw, xm, ser;
    int k;
    if (!(x > 0.0) || !(x + h > 0.0) || isnan(h))
        return CVA_NAN;
    if (h < 0.0)
        return -cva__digamma_diff(x + h, -h);
    if (h <= 0.0)
        return 0.0;
    if (!(h < HUGE_VAL))
        return HUGE_VAL;
    /* ψ(x+h) − ψ(x) = Σ_{j<n} h/((x+j)(x+j+h)) + [ψ(x+n+h) − ψ(x+n)] */
    while (x < 10.0) {
        acc += h / x / (x + h);
        x += 1.0;
    }
    if (!(x < HUGE_VAL))
        return acc;
    /* ψ(y) = ln y − 1/(2y) − Σ_k c_k y^(−2k), differenced term by term */
    rho = x / (x + h);
    omr = h / (x + h);
    ix = 1.0 / x;
    ix2 = ix * ix;
    rho2 = rho * rho;
    G = 1.0 + rho; /* 1 + ρ + … + ρ^(m−1) for m = 2k */
    pw = rho2;     /* ρ^m */
    xm = ix2;      /* x^(−m) */
    ser = 0.0;
    for (k = 0; k < 8; k++) {
        ser += STIR_PSI[k] * xm * G;
        G += pw * (1.0 + rho);
        pw *= rho2;
        xm *= ix2;
    }
    return acc + log1p_ratio(h, x) + 0.5 * omr * ix + omr * ser;
}

/* ------------------------------------------------------- log-space helpers */

double cva__log1pexp(double x)
{
    if (x <= -37.0)
        return exp(x);
    if (x <= 18.0)
        return log1p(exp(x));
    if (x <= 33.3)
        return x + exp(-x);
    return x;
}

double cva__logaddexp(double a, double b)
{
    double t;
    if (isnan(a) || isnan(b))
        return CVA_NAN;
    if (a < b) {
        t = a;
        a = b;
        b = t;
    }
    if (isinf(b) && b < 0)
        return a;
    if (isinf(a)) /* +Inf */
        return a;
    return a + log1p(exp(b - a));
}

double cva__log1mexp(double x)
{
    if (!(x <= 0.0))
        return CVA_NAN;
    if (x > -0.69314718055994530942)
        return log(-expm1(x));
    return log1p(-exp(x));
}

double cva__expit(double x)
{
    double e;
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    e = exp(x);
    return e / (1.0 + e);
}

/* -------------------------------------------------------------------- 2F1 */

#define SCALE_BIG 1e250
#define LN_SCALE_BIG 575.64627324851142 /* 250 ln 10 */

/*
 * Plain power series Σ (a)_k (b)_k / ((c)_k k!) z^k with a running rescale.
 * Writes log |sum| and its sign. Returns CVA_OK or CVA_W_SERIES_LIMIT.
 */
static cva_status series_2f1(double a, double b, double c, double z, double *lv, int *sign, double *loss)
{
    double sum = 1.0, term = 1.0, lscale = 0.0, ratio, rb, tmax = 1.0;
    long k;
    cva_status st = CVA_W_SERIES_LIMIT;
    for (k = 0; k < CVA_SERIES_CAP; k++) {
        double dk = (double)k;
        ratio = (a + dk) * (b + dk) / ((c + dk) * (dk + 1.0)) * z;
        term *= ratio;
        sum += term;
        if (fabs(term) > tmax)
            tmax = fabs(term);
        if (fabs(term) <= 0.0) { /* terminating series (a or b a non-positive integer) or z = 0 */
            st = CVA_OK;
            break;
        }
        if (fabs(sum) > SCALE_BIG) {
            sum /= SCALE_BIG;
            term /= SCALE_BIG;
            tmax /= SCALE_BIG;
            lscale += LN_SCALE_BIG;
        }
        /* Remainder bound: once a+j, b+j, c+j > 0 for every later j, the later ratios
           z (a+j)/(j+1) (b+j)/(c+j) are below z·max(1, (a+k+1)/(k+2))·max(1, (b+k+1)/(c+k+1))
           (each factor is monotone in j and tends to 1), or the same with a and b
           exchanged. Needs no k > |a|, |b| (which took up to the term cap when a
           parameter is huge, e.g. BG/NBD with a, b ~ 1e6). */
        if (a + dk + 1.0 > 0.0 && b + dk + 1.0 > 0.0 && c + dk + 1.0 > 0.0) {
            const double fa = (a + dk + 1.0) / (dk + 2.0), fb = (b + dk + 1.0) / (dk + 2.0);
            const double ga = (a + dk + 1.0) / (c + dk + 1.0), gb = (b + dk + 1.0) / (c + dk + 1.0);
            const double r1 = (fa > 1.0 ? fa : 1.0) * (gb > 1.0 ? gb : 1.0);
            const double r2 = (fb > 1.0 ? fb : 1.0) * (ga > 1.0 ? ga : 1.0);
            rb = z * (r1 < r2 ? r1 : r2);
            if (rb < 1.0 && fabs(term) * rb <= 1e-17 * (1.0 - rb) * fabs(sum)) {
                st = CVA_OK;
                break;
            }
        }
    }
    *sign = sum < 0 ? -1 : (sum > 0 ? 1 : 0);
    *lv = log(fabs(sum)) + lscale;
    if (loss) /* cancellation: largest term over the sum (1 for positive series) */
        *loss = fabs(sum) > 0.0 ? tmax / fabs(sum) : HUGE_VAL;
    return st;
}

/* 1 if x is a non-positive integer. */
static int nonpos_int(double x)
{
    return x <= 0.0 && floor(x) >= x;
}

cva_status cva__hyp2f1_log(double a, double b, double c, double z, double *log_value, int *sign)
{
    double A, B, pref, w;
    cva_status st;
    if (!log_value || !sign)
        return CVA_E_NULLPTR;
    if (!(z >= 0.0 && z < 1.0) || !isfinite(a) || !isfinite(b) || !isfinite(c) || nonpos_int(c))
        return CVA_E_DOMAIN;
    if (z <= 0.0 || fabs(a) <= 0.0 || fabs(b) <= 0.0) {
        *log_value = 0.0;
        *sign = 1;
        return CVA_OK;
    }
    if (nonpos_int(a) || nonpos_int(b))
        return series_2f1(a, b, c, z, log_value, sign, NULL);

    w = 1.0 - z;
    /* 1−z connection formula (A&S 15.3.6) near z = 1 for moderate parameters
       and c−a−b safely away from an integer (the integer case needs the
       digamma form; there the series is used, it converges for z < 1). */
    if (z > 0.9 && fabs(a) <= 40.0 && fabs(b) <= 40.0 && fabs(c) <= 40.0 && !near_integer(c - a - b, 1e-3)) {
        double l1 = -HUGE_VAL, l2 = -HUGE_VAL, lf, lg, cab = c - a - b;
        int s1 = 0, s2 = 0, sf, sg, sc, sab, sca, scb, sa, sb, sba;
        double lgc = lgamma_signed(c, &sc);
        cva_status st1 = CVA_OK, st2 = CVA_OK;
        /* term 1: Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) F(a, b; a+b−c+1; w); zero when c−a or c−b is a pole */
        if (!nonpos_int(c - a) && !nonpos_int(c - b)) {
            double g = lgc + lgamma_signed(cab, &sab) - lgamma_signed(c - a, &sca) - lgamma_signed(c - b, &scb);
            st1 = series_2f1(a, b, 1.0 - cab, w, &lf, &sf, NULL);
            l1 = g + lf;
            s1 = sc * sab * sca * scb * sf;
        }
        {
            double g = lgc + lgamma_signed(-cab, &sba) - lgamma_signed(a, &sa) - lgamma_signed(b, &sb);
            st2 = series_2f1(c - a, c - b, 1.0 + cab, w, &lg, &sg, NULL);
            l2 = g + lg + cab * log(w);
            s2 = sc * sba * sa * sb * sg;
        }
        st = st1 != CVA_OK ? st1 : st2;
        if (s1 == 0 || s2 == 0) {
            *log_value = s1 ? l1 : l2;
            *sign = s1 ? s1 : s2;
        } else if (s1 == s2) {
            *log_value = cva__logaddexp(l1, l2);
            *sign = s1;
        } else {
            double hi = l1 > l2 ? l1 : l2, lo = l1 > l2 ? l2 : l1;
            *log_value = hi + cva__log1mexp(lo - hi);
            *sign = l1 > l2 ? s1 : s2;
        }
        return st;
    }

    /* Euler's transformation when it shrinks the upper parameters (the BG/NBD
       case: r+x, b+x → a+b−1−r, a−1). If the chosen form cancels badly (a
       large negative upper parameter makes the terms alternate), the other
       form is tried and the one with the smaller cancellation kept. */
    {
        int euler = fabs(c - a) + fabs(c - b) < fabs(a) + fabs(b), pass, sg1 = 0;
        double lv1 = 0.0, loss1 = HUGE_VAL;
        cva_status st1 = CVA_OK;
        for (pass = 0; pass < 2; pass++, euler = !euler) {
            double loss, lv;
            int sg;
            if (euler) {
                A = c - a;
                B = c - b;
                pref = (c - a - b) * log1p(-z);
            } else {
                A = a;
                B = b;
                pref = 0.0;
            }
            st = series_2f1(A, B, c, z, &lv, &sg, &loss);
            lv += pref;
            if (pass == 0 || loss < loss1) {
                lv1 = lv;
                sg1 = sg;
                loss1 = loss;
                st1 = st;
            }
            if (loss1 <= 1e4)
                break;
        }
        *log_value = lv1;
        *sign = sg1;
        return st1;
    }
}

cva_status cva__hyp2f1_unit_a_log(double A, double B, double z, double *log_value)
{
    /* 2F1(A,B;A+1;z) = (1−z)^(1−B) Σ_k (B')_k/(C')_k z^k, B' = A+1−B, C' = A+1.
       For B > 0 every term ratio is below z: remainder <= t_K z/(1−z). */
    double bp, cp, sum = 0.0, term = 1.0, zr;
    long k;
    cva_status st = CVA_W_SERIES_LIMIT;
    if (!log_value)
        return CVA_E_NULLPTR;
    if (!(z >= 0.0 && z < 1.0) || !(A > -1.0) || !(B > 0.0) || !isfinite(A) || !isfinite(B))
        return CVA_E_DOMAIN;
    if (z <= 0.0) {
        *log_value = 0.0;
        return CVA_OK;
    }
    bp = A + 1.0 - B;
    cp = A + 1.0;
    zr = z / (1.0 - z);
    for (k = 0; k < CVA_SERIES_CAP; k++) {
        double dk = (double)k;
        term *= (bp + dk) / (cp + dk) * z;
        sum += term;
        if (fabs(term) * zr <= 1e-17 * (1.0 + sum)) {
            st = CVA_OK;
            break;
        }
    }
    *log_value = (1.0 - B) * log1p(-z) + log1p(sum);
    return st;
}

/* ------------------------------------------------------------- e^z E_s(z) */

/* Continued fraction for e^z E_s(z), z >= 1 (modified Lentz). */
static cva_status expint_cf(double s, double z, double *value)
{
    const double tiny = 1e-300;
    double b = z + s, c = 1.0 / tiny, d = 1.0 / b, h = d, an, del;
    long i;
    for (i = 1; i < CVA_SERIES_CAP; i++) {
        double di = (double)i;
        an = -di * (s - 1.0 + di);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        del = c * d;
        h *= del;
        if (fabs(del - 1.0) <= 1e-16) {
            *value = h;
            return CVA_OK;
        }
    }
    *value = h;
    return CVA_W_SERIES_LIMIT;
}

/*
 * e^z E_s(z) for 0 < z < 1 from DLMF 8.19.7,
 *   E_s(z) = Γ(1−s) z^(s−1) − Σ_k (−z)^k / (k! (1−s+k)).
 * Near a positive integer n (|s − n| <= 0.1, ε = s − n) the Γ term and the
 * k = n−1 term both blow up like 1/ε; their sum is evaluated in closed form
 *   P = −(−z)^(n−1)/(n−1)! · expm1(L)/ε,  L = lnΓ(1−ε) + ε ln z − Σ_{j<n} log1p(ε/j)
 * (→ (−z)^(n−1)/(n−1)! (ψ(n) − ln z) at ε = 0, A&S 5.1.12), so there is no
 * cancellation and integer orders need no special rule.
 */
static cva_status expint_series(double s, double z, double *value)
{
    double sum = 0.0, fact = 1.0, pole, n_d = floor(s + 0.5), eps = s - n_d;
    int sg, pair = n_d >= 1.0 && fabs(eps) <= 0.1;
    long k, kskip = pair ? (long)n_d - 1 : -1;
    cva_status st = CVA_W_SERIES_LIMIT;
    for (k = 0; k < 1000; k++) {
        double dk = (double)k;
        if (k != kskip) {
            double t = fact / (1.0 - s + dk);
            sum += t;
            if (fabs(t) <= 1e-17 * fabs(sum) && dk > 1.0 - s + 1.0) {
                st = CVA_OK;
                break;
            }
        }
        fact *= -z / (dk + 1.0);
    }
    if (pair) {
        double lz = log(z), L, lf = 0.0, sl = 0.0, m, j;
        for (j = 1.0; j < n_d; j += 1.0) {
            lf += log(j);
            sl += log1p(eps / j);
        }
        /* lnΓ(1−ε) with relative accuracy for small ε */
        L = lgamma1p_small(-eps) + eps * lz - sl;
        /* expm1(L)/ε, and its limit L'(0) = γ + ln z − H_{n−1} = ln z − ψ(n) at ε = 0 */
        m = fabs(eps) > 0.0 ? expm1(L) / eps : lz - cva__digamma(n_d);
        /* (−z)^(n−1)/(n−1)! */
        pole = exp((n_d - 1.0) * lz - lf);
        if (fmod(n_d - 1.0, 2.0) > 0.5)
            pole = -pole;
        pole = -pole * m;
    } else {
        double g = lgamma_signed(1.0 - s, &sg);
        pole = (double)sg * exp(g + (s - 1.0) * log(z));
    }
    *value = exp(z) * (pole - sum);
    return st;
}

/*
 * Large order (DLMF 8.20.ii): with λ = z/s,
 *   e^z E_s(z) = 1/(z+s) · Σ_k A_k(λ)/((λ+1)^(2k) s^k),
 *   A_0 = A_1 = 1, A_2 = 1 − 2λ, A_3 = 6λ² − 8λ + 1, A_4 = −24λ³ + 58λ² − 22λ + 1,
 * A_k(λ)/(λ+1)^(2k) bounded for λ >= 0: for s >= 1e4 the omitted terms are below
 * ~1e-18 (the continued fraction needs ~√s steps there: the term cap at s = 1e12).
 */
static double expint_large_s(double s, double z)
{
    const double l = z / s, u = 1.0 / ((l + 1.0) * (l + 1.0) * s);
    const double a2 = 1.0 - 2.0 * l, a3 = (6.0 * l - 8.0) * l + 1.0, a4 = ((-24.0 * l + 58.0) * l - 22.0) * l + 1.0;
    return (1.0 + u * (1.0 + u * (a2 + u * (a3 + u * a4)))) / (z + s);
}

cva_status cva__expint_scaled(double s, double z, double *value)
{
    if (!value)
        return CVA_E_NULLPTR;
    if (!(s > 0.0) || !(z > 0.0) || !isfinite(s) || !isfinite(z))
        return CVA_E_DOMAIN;
    if (s >= 1e4) {
        *value = expint_large_s(s, z);
        return CVA_OK;
    }
    if (z >= 1.0)
        return expint_cf(s, z, value);
    return expint_series(s, z, value);
}

/*
 * ∫_0^1 f(p) dp by tanh-sinh: p = (1 + tanh(π/2 sinh u))/2, refining the step
 * until two levels agree to 1e-12. Endpoints are handled through ln p and
 * ln(1−p) computed from u directly (no cancellation near 0 or 1).
 */
double cva__tanh_sinh_unit(cva__unit_fn f, void *ctx)
{
    const double half_pi = 1.5707963267948966;
    double h = 0.5, sum, prev = 0.0, result = 0.0;
    int level;
    sum = 0.0;
    for (level = 0; level < 9; level++) {
        double u0 = level == 0 ? 0.0 : h; /* new points only */
        double step = level == 0 ? h : 2.0 * h;
        double u;
        for (u = u0; u <= 4.0; u += step) {
            int sgn;
            for (sgn = (u > 0 ? -1 : 1); sgn <= 1; sgn += 2) {
                double uu = (double)sgn * u;
                double sh = half_pi * sinh(uu), ch = half_pi * cosh(uu);
                /* p = 1/(1+e^{−2sh}), 1−p = 1/(1+e^{2sh}) */
                double lp = -cva__log1pexp(-2.0 * sh), l1mp = -cva__log1pexp(2.0 * sh);
                double pp = exp(lp);
                double wgt = ch / (2.0 * cosh(sh) * cosh(sh)); /* dp/du */
                double fv = f(ctx, pp, lp, l1mp);
                if (isfinite(fv * wgt))
                    sum += fv * wgt;
                if (u <= 0.0)
                    break;
            }
        }
        result = sum * h;
        if (level >= 3 && fabs(result - prev) <= 1e-12 * fabs(result))
            break;
        prev = result;
        h *= 0.5;
    }
    return result;
}

/*
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), a > 0, x >= 0: the series
 * of P = 1 − Q for x < a + 1, else the continued fraction of Q (modified Lentz), each
 * to a relative 1e-16 (the χ² tail of a likelihood-ratio test: Q(df/2, stat/2)).
 */
double cva__gamma_q(double a, double x)
{
    double lpre;
    int i;
    if (!(a > 0.0) || !(x >= 0.0))
        return CVA_NAN;
    if (x <= 0.0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    lpre = -x + a * log(x) - cva__lgamma(a);
    if (x < a + 1.0) {
        double sum = 1.0 / a, term = sum;
        for (i = 1; i < 100000; i++) {
            term *= x / (a + (double)i);
            sum += term;
            if (term < 1e-17 * sum)
                break;
        }
        return -expm1(lpre + log(sum)) > 0.0 ? -expm1(lpre + log(sum)) : 0.0;
    } else {
        const double tiny = 1e-300;
        double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
        for (i = 1; i < 100000; i++) {
            const double an = -(double)i * ((double)i - a);
            double del;
            b += 2.0;
            d = an * d + b;
            if (fabs(d) < tiny)
                d = tiny;
            c = b + an / c;
            if (fabs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            del = d * c;
            h *= del;
            if (fabs(del - 1.0) < 1e-16)
                break;
        }
        return exp(lpre) * h;
    }
}
