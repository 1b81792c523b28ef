/*
 * libcva — Pareto/NBD (Schmittlein, Morrison & Colombo 1987), docs/methods/models.md#methods_pnbd, docs/methods/retention.md#methods_clv_model.
 *
 * Likelihood in the two-branch form of Fader & Hardie (2005), with the unit-A
 * hypergeometric functions written through Euler's transformation (docs/methods/models.md#methods_numerics
 * item 3). With a(τ) = ln(α+τ), b(τ) = ln(β+τ), k = r+x, and for τ ∈ {t_x, T}:
 *
 *   α >= β:  z = (α−β)/(α+τ),  ℓ(τ) = −k a(τ) − s b(τ) + ln S(τ),
 *            S(τ) = Σ_j (k)_j/(k+s+1)_j z^j
 *   α <  β:  z = (β−α)/(β+τ),  ℓ(τ) = −(k−1) a(τ) − (s+1) b(τ) + ln S(τ),
 *            S(τ) = Σ_j (s+1)_j/(k+s+1)_j z^j
 *
 * (ℓ(τ) = ln[2F1(r+s+x, B; r+s+x+1; z)/(M+τ)^(r+s+x)] of docs/methods/models.md#methods_pnbd.) Every term
 * ratio of S is below z, so the sum stops when t_J z/(1−z) <= 1e-17 S.
 *
 *   ln A0 = ℓ1 + ln(1 − e^d),  d = ℓ2 − ℓ1 < 0  (ℓ1 = ℓ(t_x), ℓ2 = ℓ(T)),
 * evaluated as E = e^(L2−L1) below without forming ℓ1 − ℓ2 as a difference of
 * large logs, so it stays accurate when t_x is close to T or x is huge.
 *
 *   L1 = −k a(T) − s b(T),   L2 = ln s − ln(r+s+x) + ln A0   (L2 = −∞ when t_x = T)
 *   LL = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β + ln(e^L1 + e^L2)
 *   P(alive) = 1/(1 + e^(L2−L1))
 *
 * The gradient is analytic: d ln S/d(upper, lower, z) are accumulated term by
 * term (d ln t_j/dB' = Σ_{i<j} 1/(B'+i), d/dC' = −Σ 1/(C'+i), d/dz = j/z), and
 * d ln A0 = (dℓ1 − e^d dℓ2)/(1 − e^d).
 *
 * Predictions (Fader & Hardie 2005 note; FHL 2005b):
 *   P(alive at T+t) = P(alive) · ((β+T)/(β+T+t))^s
 *   E[Y(t)]  = P(alive) (r+x)(β+T)/(α+T) · g(s, log1p(t/(β+T))),
 *   E[X(t)]  = (r/α) β · g(s, log1p(t/β)),  g(s, u) = (1 − e^{−(s−1)u})/(s−1)  (= u at s = 1)
 *   DERT     = P(alive) (r+x)(β+T)/(α+T) · e^z E_s(z),  z = δ(β+T)  (docs/methods/retention.md#methods_clv_model)
 *   P(X(t)=k) = NB term + α^r β^s B(r+k, s+1)/B(r, s) · D_k,   D_k = B1 − Σ_{i<=k} c_i B2_i
 * (derived below at prob_n()).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include <stdlib.h>
#include <string.h>

#include "churn_internal.h"

#define PNBD_CAP 1000000L
#define PNBD_RHO_LEN 128 /* terms of a cached ratio table (predictions, per integer x) */
#define PNBD_TAB 256

/* ------------------------------------------------------------ the series */

/*
 * Both series of a row share their coefficients c_j = (B')_j/(C')_j:
 *   S1 = Σ c_j z1^j (τ = t_x),  S2 = Σ c_j z2^j (τ = T),  z2 <= z1 < 1,
 * so one loop (one division per term) sums both; it stops when the bound
 * t_J z1/(1−z1) of the slower one is below 1e-17 S1 (every term ratio is below z).
 * With grad, also the raw derivative sums Σ t_j ∂ln t_j/∂(B', C') and Σ j t_j / z
 * (∂S/∂z), written with t_j/z so that z = 0 (α = β) is exact.
 */
typedef struct useries2 {
    double S1, S2;                 /* sums (>= 1) */
    double b1, c1, z1, b2, c2, z2; /* ∂S/∂B', ∂S/∂C', ∂S/∂z for S1 and S2 */
} useries2;

/* rho: NULL, or the ratios (B'+j)/(C'+j) for j < PNBD_RHO_LEN computed as below (same bits) */
static int unit_series2(double bp, double cp, double z1, double z2, int grad, const double *rho_tab, useries2 *o)
{
    double t1 = 1.0, t2 = 1.0, s1 = 1.0, s2 = 1.0, zr = z1 / (1.0 - z1);
    long j;
    int capped = 1;
    if (grad) {
        double hb = 0.0, hc = 0.0, b1 = 0.0, c1 = 0.0, d1 = 0.0, b2 = 0.0, c2 = 0.0, d2 = 0.0;
        for (j = 0; j < PNBD_CAP; j++) {
            double dj = (double)j, ib = 1.0 / (bp + dj), ic = 1.0 / (cp + dj);
            double rho = (bp + dj) * ic, u1 = t1 * rho, u2 = t2 * rho; /* t_{j+1}/z */
            hb += ib;
            hc += ic;
            d1 += (dj + 1.0) * u1;
            d2 += (dj + 1.0) * u2;
            t1 = u1 * z1;
            t2 = u2 * z2;
            s1 += t1;
            s2 += t2;
            b1 += t1 * hb;
            c1 += t1 * hc;
            b2 += t2 * hb;
            c2 += t2 * hc;
            if (t1 * zr <= 1e-17 * s1) {
                capped = 0;
                break;
            }
        }
        o->b1 = b1;
        o->c1 = -c1;
        o->z1 = d1;
        o->b2 = b2;
        o->c2 = -c2;
        o->z2 = d2;
    } else {
        /* Without the gradient the loop also ends once the terms of both sums are below
           2^-54 of them (the sums' bits are then final): every later term is smaller (term
           ratio ρ z < 1 with ρ < 1, rounded down or to the same value) and the sums only
           grow, so each later term is below half an ulp of its sum and adding it rounds back
           to the sum. S1 and S2 are those of the full loop, in fewer terms where z1 is near 1
           (the bound above asks for t_J < 1e-17 (1 − z1)/z1 S1). Only where the full loop
           surely stops before PNBD_CAP, so that the capped flag is its flag too: with
           z1 <= 1 − ε, t_J z1^m zr <= 1e-17 S1 once z1^m/ε <= 2^54 1e-17 = 0.18, i.e. within
           m = ln(1/(0.18 ε))/ε = 8622 more terms at ε = 1e-3. */
        const double cut = z1 <= 0.999 ? 0x1p-54 : 0.0;
        j = 0;
        if (rho_tab)
            for (; j < PNBD_RHO_LEN; j++) {
                const double rho = rho_tab[j];
                t1 *= rho * z1;
                t2 *= rho * z2;
                s1 += t1;
                s2 += t2;
                if (t1 * zr <= 1e-17 * s1 || (t1 < cut * s1 && t2 < cut * s2)) {
                    o->S1 = s1;
                    o->S2 = s2;
                    return 0;
                }
            }
        for (; j < PNBD_CAP; j++) {
            double dj = (double)j, rho = (bp + dj) / (cp + dj);
            t1 *= rho * z1;
            t2 *= rho * z2;
            s1 += t1;
            s2 += t2;
            if (t1 * zr <= 1e-17 * s1 || (t1 < cut * s1 && t2 < cut * s2 && j < PNBD_CAP - 10000)) {
                capped = 0;
                break;
            }
        }
    }
    o->S1 = s1;
    o->S2 = s2;
    return capped;
}

/*
 * The series of rows that share B' and C' (rows with the same x; the correlated model's four
 * Pareto/NBDs at α+a, β+b, pnbdcor.c, where only z differs): the term ratios and the harmonic
 * sums of unit_series2() depend on (B', C') only, so they are tabulated once (lazily, up to
 * PNBD_TABLEN terms) and each series is then summed from the table without a division, with
 * unit_series2()'s operations in its order: the same bits. A series longer than the table is
 * summed by unit_series2() itself.
 */
#define PNBD_TABLEN 256
typedef struct stab {
    double bp, cp;
    int grad, n; /* n: entries filled */
    double rho[PNBD_TABLEN], hb[PNBD_TABLEN], hc[PNBD_TABLEN];
} stab;

static void stab_init(stab *t, double bp, double cp, int grad)
{
    t->bp = bp;
    t->cp = cp;
    t->grad = grad;
    t->n = 0;
}

static void stab_fill(stab *t, int upto)
{
    int j = t->n;
    double hb = j ? t->hb[j - 1] : 0.0, hc = j ? t->hc[j - 1] : 0.0;
    for (; j < upto; j++) {
        const double dj = (double)j;
        if (t->grad) {
            const double ib = 1.0 / (t->bp + dj), ic = 1.0 / (t->cp + dj);
            hb += ib;
            hc += ic;
            t->rho[j] = (t->bp + dj) * ic;
            t->hb[j] = hb;
            t->hc[j] = hc;
        } else {
            t->rho[j] = (t->bp + dj) / (t->cp + dj);
        }
    }
    t->n = upto;
}

/* (the sums at t_x and at T as the two elements of small arrays: a compiler pairs them in
   one vector register; each element sees unit_series2()'s operations) */
static int unit_series2_tab(stab *t, double z1, double z2, useries2 *o)
{
    double tt[2] = {1.0, 1.0}, ss[2] = {1.0, 1.0};
    const double zz[2] = {z1, z2}, zr = z1 / (1.0 - z1);
    int j, m;
    if (t->grad) {
        double bb[2] = {0.0, 0.0}, cc[2] = {0.0, 0.0}, dd[2] = {0.0, 0.0};
        for (j = 0; j < PNBD_TABLEN; j++) {
            double rho, hb, hc;
            if (j == t->n)
                stab_fill(t, j + 8 < PNBD_TABLEN ? j + 8 : PNBD_TABLEN);
            rho = t->rho[j];
            hb = t->hb[j];
            hc = t->hc[j];
            for (m = 0; m < 2; m++) {
                const double u = tt[m] * rho;
                dd[m] += ((double)j + 1.0) * u;
                tt[m] = u * zz[m];
                ss[m] += tt[m];
                bb[m] += tt[m] * hb;
                cc[m] += tt[m] * hc;
            }
            if (tt[0] * zr <= 1e-17 * ss[0]) {
                o->S1 = ss[0];
                o->S2 = ss[1];
                o->b1 = bb[0];
                o->c1 = -cc[0];
                o->z1 = dd[0];
                o->b2 = bb[1];
                o->c2 = -cc[1];
                o->z2 = dd[1];
                return 0;
            }
        }
    } else {
        for (j = 0; j < PNBD_TABLEN; j++) {
            double rho;
            if (j == t->n)
                stab_fill(t, j + 8 < PNBD_TABLEN ? j + 8 : PNBD_TABLEN);
            rho = t->rho[j];
            for (m = 0; m < 2; m++) {
                tt[m] *= rho * zz[m];
                ss[m] += tt[m];
            }
            if (tt[0] * zr <= 1e-17 * ss[0]) {
                o->S1 = ss[0];
                o->S2 = ss[1];
                return 0;
            }
        }
    }
    return unit_series2(t->bp, t->cp, z1, z2, t->grad, NULL, o);
}

/* ------------------------------------------------------------ per row */

typedef struct pnbd_par {
    double r, al, s, be;
    int abr;            /* 1: α >= β branch */
    double lnal, lnbe, lns;
} pnbd_par;

static int par_init(pnbd_par *q, const double *p)
{
    q->r = p[0];
    q->al = p[1];
    q->s = p[2];
    q->be = p[3];
    if (!(q->r > 0 && q->al > 0 && q->s > 0 && q->be > 0) || !isfinite(q->r + q->al + q->s + q->be))
        return 0;
    q->abr = q->al >= q->be;
    q->lnal = log(q->al);
    q->lnbe = log(q->be);
    q->lns = log(q->s);
    return 1;
}

/* ------------------------------------------------------ the quadrature */

/*
 * Where the series would need thousands of terms (z within ~2e-2 of 1: one of α, β
 * much larger than the other plus τ, e.g. s, β → ∞ with s/β fixed when the death
 * rate has no heterogeneity; a Pareto/NBD fit heading there spent seconds per
 * evaluation), E is computed from the integral it comes from (pnbd_gen.py),
 *   E = s (α+T)^k (β+T)^s ∫_{t_x}^{T} (α+u)^(−k) (β+u)^(−(s+1)) du,
 * by Gauss–Legendre panels in v = ln((m+u)/(m+u_ref)), m = min(α, β) (the nearer
 * singularity, at distance π from the real v axis). With ea, eb the exponents of
 * m+u and M+u and ρ = (m+u_ref)/(M+u_ref), the log of the integrand in v is
 *   ψ(v) = (1 − ea) v − eb ln(1 + ρ (e^v − 1)),
 * concave, and u_ref is its maximum (t_x, T or the stationary point), so ψ <= 0.
 * The range is cut where ψ < −PNBD_QCUT (the rest is below e^(−40) relatively),
 * and panels march out from the maximum with widths <= 1 and <= 6/|ψ'|, so that
 * ψ varies by at most ~6 over a panel (GL16 is then exact to rounding). At most
 * PNBD_QPANELS panels: the cost is bounded whatever the parameters.
 */
static const double GL16[8][2] = {
    {0.095012509837637441, 0.1894506104550685},   {0.28160355077925892, 0.18260341504492358},
    {0.45801677765722737, 0.16915651939500254},   {0.61787624440264377, 0.14959598881657674},
    {0.755404408355003, 0.12462897125553388},     {0.86563120238783176, 0.095158511682492786},
    {0.9445750230732326, 0.062253523938647894},   {0.98940093499164994, 0.027152459411754096},
};

#define PNBD_SERIES_MAX 2000.0
#define PNBD_QCUT 40.0
#define PNBD_QPANELS 160

typedef struct quad_fn {
    double ea, eb, rho;
} quad_fn;

/* ln(1 + ρ(e^v − 1)) without overflow: for v beyond ~709 e^v is not a double (a
   range that reaches there when T/m passes DBL_MAX, m near DBL_MIN: a fuzz find), and
   then ρ e^v >> 1, so the log is ln ρ + v + ln(1 + (1−ρ)/(ρ e^v)) */
static double qlog1p(double rho, double v)
{
    const double t = rho * expm1(v);
    if (t <= DBL_MAX)
        return log1p(t);
    if (!(rho > 0.0)) /* ρ = 0 (a share that underflowed): 0 · ∞ above, the log is 0 */
        return 0.0;
    return log(rho) + v + log1p((1.0 - rho) * exp(-v) / rho);
}

/* ρ e^v / (1 + ρ(e^v − 1)), written for large v as 1/(1 + (1−ρ) e^−v/ρ) */
static double qfrac(double rho, double v)
{
    if (v < 700.0) {
        const double e = exp(v);
        return rho * e / (1.0 + rho * (e - 1.0));
    }
    return 1.0 / (1.0 + (1.0 - rho) * exp(-v) / rho);
}

static double qpsi(const quad_fn *f, double v)
{
    return (1.0 - f->ea) * v - f->eb * qlog1p(f->rho, v);
}

static double qdpsi(const quad_fn *f, double v)
{
    return (1.0 - f->ea) - f->eb * qfrac(f->rho, v);
}

/* ln(1 + a/b), a >= 0, b > 0, also where a/b overflows */
static double log1p_ratio(double a, double b)
{
    const double q = a / b;
    if (q <= 1e300)
        return log1p(q);
    return log(a) - log(b) + log1p(b / a);
}

/* The point where ψ = −PNBD_QCUT between the maximum (0) and v_end (ψ(v_end) < −cut):
   Newton from v_end, monotone for a concave ψ (it stays on v_end's side). In rounding it
   need not: where the cut lies within an ulp of v_end from 0 (s or r + x near 1e140, a fuzz
   find) the step lands on 0 or beyond, where ψ > 0 and the integrand overflows. So the
   iterate is kept inside (lo, hi), lo a point inside the cut (ψ >= −cut, 0 at first) and hi
   the last one outside; a step that leaves that interval is replaced by hi·1e-8 while lo is
   0 or far below hi, else by the midpoint, and a trial inside the cut becomes lo. Where
   Newton stays inside, as it does away from that limit, the iterates are those of the
   plain iteration. */
static double qcut(const quad_fn *f, double v_end)
{
    double hi = v_end, lo = 0.0;
    int it;
    for (it = 0; it < 120; it++) {
        const double y = qpsi(f, hi) + PNBD_QCUT, d = qdpsi(f, hi);
        double c;
        if (y > -0.5 || !(fabs(d) > 0.0))
            break;
        c = hi - y / d;
        for (;;) {
            if (!(fabs(c) > fabs(lo) && fabs(c) < fabs(hi) && c * hi > 0.0))
                c = fabs(lo) * 1e8 < fabs(hi) ? hi * 1e-8 : 0.5 * (lo + hi);
            if (!(fabs(c) > fabs(lo) && fabs(c) < fabs(hi)) || qpsi(f, c) < -PNBD_QCUT)
                break;
            lo = c; /* inside the cut: narrow and try again from hi */
            c = 0.5 * (lo + hi);
            if (++it >= 120)
                break;
        }
        if (!(fabs(c) > fabs(lo) && fabs(c) < fabs(hi)))
            break; /* the interval cannot be split further: hi is outside the cut */
        hi = c;
    }
    return hi;
}

/* Σ over panels from 0 to v_end (either sign) of the GL16 sums of e^ψ and, with sums,
   of e^ψ · (ln((m+T)/(m+u)), ln((M+T)/(M+u)), 1/(m+u), 1/(M+u)). */
static int qside(const quad_fn *f, double v_end, double am, double aM, double *acc, int want, int budget)
{
    const double dir = v_end > 0.0 ? 1.0 : -1.0, len = fabs(v_end);
    double pos = 0.0;
    int used = 0;
    while (pos < len && used < budget) {
        const double slope = fabs(qdpsi(f, dir * pos));
        double w = slope > 6.0 ? 6.0 / slope : 1.0, half, mid;
        int j, sg;
        if (used == budget - 1 || pos + w > len)
            w = len - pos;
        half = 0.5 * w;
        mid = dir * (pos + half);
        for (j = 0; j < 8; j++)
            for (sg = -1; sg <= 1; sg += 2) {
                const double v = mid + (double)sg * half * GL16[j][0];
                const double lb = qlog1p(f->rho, v), wt = GL16[j][1] * half * exp((1.0 - f->ea) * v - f->eb * lb);
                acc[0] += wt;
                if (want) { /* ln((m+u_ref)/(m+u)), ln((M+u_ref)/(M+u)) */
                    const double t = f->rho * expm1(v); /* t/(1+t) -> 1 where t overflows */
                    acc[1] -= wt * v;
                    acc[2] -= wt * lb;
                    /* 1/(m+u_ref) − 1/(m+u) and 1/(M+u_ref) − 1/(M+u), formed without cancellation */
                    acc[3] -= wt * expm1(-v) / am;
                    acc[4] += wt * (t <= DBL_MAX ? t / (1.0 + t) : 1.0) / aM;
                }
            }
        pos += w;
        used++;
    }
    return used;
}

/* ln E by quadrature (see above); ∂ ln E/∂(r, α, s, β) into dl when not NULL. */
static double pnbd_quad(const pnbd_par *q, double k, double tx, double T, double *dl, int *capped, double *rest,
                        double *uref)
{
    const int mal = q->al <= q->be; /* m = α */
    const double m = mal ? q->al : q->be, M = mal ? q->be : q->al, D = M - m;
    quad_fn f;
    double ur = tx, v0, v1, lmT, lMT, lref, acc[5] = {0.0, 0.0, 0.0, 0.0, 0.0}, lnE;
    int used;
    f.ea = mal ? k : q->s + 1.0;
    f.eb = mal ? q->s + 1.0 : k;
    /* the maximum of ψ: t_x, T, or where ρ e^v/(1 + ρ(e^v − 1)) = (1 − ea)/eb */
    {
        const double rho0 = (m + tx) / (M + tx), rhoT = (m + T) / (M + T);
        if ((1.0 - f.ea) - f.eb * rho0 > 0.0) {
            if ((1.0 - f.ea) - f.eb * rhoT >= 0.0) {
                ur = T;
            } else {
                /* (m+u)/(M+u) = c  <=>  u = (c M − m)/(1 − c) = c D/(1 − c) − m */
                const double c = (1.0 - f.ea) / f.eb;
                ur = c * D / (1.0 - c) - m;
                ur = ur < tx ? tx : (ur > T ? T : ur);
            }
        }
    }
    f.rho = (m + ur) / (M + ur);
    v0 = -log1p_ratio(ur - tx, m + tx);
    v1 = log1p_ratio(T - ur, m + ur);
    lmT = v1;
    lMT = log1p_ratio(T - ur, M + ur);
    lref = log(m + ur) + f.ea * lmT + f.eb * lMT; /* ln((m+u_ref) h(u_ref)), h(T) = 1 */
    if (v0 < 0.0 && qpsi(&f, v0) < -PNBD_QCUT)
        v0 = qcut(&f, v0);
    if (v1 > 0.0 && qpsi(&f, v1) < -PNBD_QCUT)
        v1 = qcut(&f, v1);
    used = qside(&f, v1, m + ur, M + ur, acc, dl != NULL, PNBD_QPANELS / 2);
    if (used >= PNBD_QPANELS / 2)
        *capped = 1;
    used = qside(&f, v0, m + ur, M + ur, acc, dl != NULL, PNBD_QPANELS / 2);
    if (used >= PNBD_QPANELS / 2)
        *capped = 1;
    lnE = log(q->s) - log(q->be + T) + lref + log(acc[0]);
    /* lref = ln(m+u) + ea ln((m+T)/(m+u)) + eb ln((M+T)/(M+u)): the k and s parts of it out */
    *rest = log(q->s) - log(q->be + T) + log(m + ur) + (mal ? lMT : lmT) + log(acc[0]);
    *uref = ur;
    if (dl) {
        /* dl[0..3]: ∂ ln E; dl[4..7]: the same less ∂[k ln((α+T)/(α+u)) + s ln((β+T)/(β+u))], u = u_ref */
        const double i0 = 1.0 / acc[0], dA = mal ? lmT : lMT, dB = mal ? lMT : lmT;
        const double la = (mal ? acc[1] : acc[2]) * i0, lb = (mal ? acc[2] : acc[1]) * i0;
        /* ⟨1/(α+u_ref) − 1/(α+u)⟩, ⟨1/(β+u_ref) − 1/(β+u)⟩ */
        const double ia = (mal ? acc[3] : acc[4]) * i0, ib = (mal ? acc[4] : acc[3]) * i0;
        const double iau = 1.0 / (q->al + ur), ibu = 1.0 / (q->be + ur);
        dl[4] = la;
        dl[5] = k * ia;
        dl[6] = 1.0 / q->s + lb;
        dl[7] = (q->s + 1.0) * ib - ibu;
        dl[0] = dA + dl[4];
        dl[1] = -k * (T - ur) * iau / (q->al + T) + dl[5];
        dl[2] = dB + dl[6];
        dl[3] = -q->s * (T - ur) * ibu / (q->be + T) + dl[7];
    }
    return lnE;
}

/*
 * One row. With E = e^(L2−L1) = (s/(r+s+x)) · A0 · (α+T)^k (β+T)^s:
 *   α >= β: e^(ℓ1−L1) = R S1, e^(ℓ2−L1) = S2;  α < β: both times F = (α+T)/(β+T)
 *   R = exp(e'),  e' = k Δa + s Δb (α >= β) or (k−1) Δa + (s+1) Δb (α < β),
 *   Δa = ln((α+T)/(α+t_x)),  Δb = ln((β+T)/(β+t_x)),
 * so E = (s/(r+s+x)) F (R S1 − S2) in plain arithmetic while R is representable
 * (the difference only cancels when E itself is negligible next to 1), and in
 * log space (ln E = ln(s/(r+s+x)) + ln F + e' + ln S1 + ln(1 − S2/(R S1))) beyond.
 *   P(alive) = 1/(1+E),  LL = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β + L1 + ln(1+E).
 */
typedef struct pnbd_row {
    double L1;          /* −k ln(α+T) − s ln(β+T) (only with want_l1) */
    double aT, bT;      /* ln(α+T), ln(β+T) (only with want_l1 or grad) */
    double lnE, rest, uref; /* ln E = (r+x) ln((α+T)/(α+u)) + s ln((β+T)/(β+u)) + rest, u = uref
                               (lnE = −Inf when t_x = T) */
    double pa;          /* P(alive) = 1/(1+E) */
    double l1pE;        /* ln(1+E) */
    double g[4];        /* ∂ ln(1+E)/∂(r, α, s, β) when requested */
    double gr[4];       /* the same less (1 − P(alive)) ∂[(r+x) ln((α+T)/(α+u)) + s ln((β+T)/(β+u))] */
    int capped;
} pnbd_row;

#define PNBD_LIN_MAX 600.0
/* r ln(1 + T/α) + s ln(1 + T/β) beyond which a row with E > 1 is formed from its
   "dropped out" side (their rounding, ~2e-16 of them, would otherwise reach 1e-14) */
#define PNBD_SPLIT 64.0

/* ln(1+v), v >= 0: log1p only where it matters (glibc's log1p is ~3x log) */
static double log1p_fast(double v)
{
    return v < 0.5 ? log1p(v) : log(1.0 + v);
}


/* ∂(ℓ(τ) − L1)/∂(r, α, s, β) with ∂ ln S from the raw sums (bS, cS, zS) over S; the
   differences ln(α+T) − ln(α+τ) = dA, ln(β+T) − ln(β+τ) = dB and k/(α+T) − k/(α+τ) are
   formed directly (ℓ and L1 are both large where r, α or s, β are). */
static void ell_grad(const pnbd_par *q, double k, double tau, double T, double dA, double dBt, double S, double bS,
                     double cS, double zS, double *d)
{
    double ia = 1.0 / (q->al + tau), ib = 1.0 / (q->be + tau), iS = 1.0 / S;
    double iaT = 1.0 / (q->al + T), ibT = 1.0 / (q->be + T), dT = T - tau;
    /* dA = dBt = 0 and T = τ leave out K(τ) = ∂[k ln((α+T)/(α+τ)) + s ln((β+T)/(β+τ))] */
    double dB = bS * iS, dC = cS * iS, dz = zS * iS;
    if (q->abr) {
        /* ℓ = −k a(τ) − s b(τ) + ln S; B' = k = r+x, C' = r+s+x+1, z = (α−β)/(α+τ) */
        d[0] = dA + dB + dC;
        d[2] = dBt + dC;
        d[1] = -k * dT * ia * iaT + dz * (q->be + tau) * ia * ia;
        d[3] = -q->s * dT * ib * ibT - dz * ia;
    } else {
        /* ℓ = −(k−1) a(τ) − (s+1) b(τ) + ln S; B' = s+1, C' = r+s+x+1, z = (β−α)/(β+τ) */
        d[0] = dA + dC;
        d[2] = dBt + dB + dC;
        d[1] = -k * dT * ia * iaT + ia - dz * ib;
        d[3] = -q->s * dT * ib * ibT - ib + dz * (q->al + tau) * ib * ib;
    }
}

/* 1 when the series for this row would need more than PNBD_SERIES_MAX terms (its terms
   fall at least like z^j; they must reach 1e-17 (1 − z)). */
static int pnbd_use_quad(const pnbd_par *q, double tx)
{
    const double M = q->abr ? q->al : q->be, z = fabs(q->al - q->be) / (M + tx);
    /* at z <= 0.97 the left side is below 42.6 and the right side above 60: no logs */
    if (!(z > 0.97))
        return 0;
    return 39.0 - log1p(-z) > -PNBD_SERIES_MAX * log(z);
}

/* ln((a+T)/(a+t_x)) as row_eval_s() forms it */
static double pnbd_dlog(double a, double tx, double T, int exact)
{
    return exact ? log1p((T - tx) / (a + tx)) : log((a + T) / (a + tx));
}

/* ln(1 + T/a) as row_ll() forms it (aT = ln(a+T), lna = ln a) */
static double pnbd_l1T(double a, double lna, double T, double aT)
{
    return T >= 0.5 * a ? aT - lna : log1p(T / a);
}

/*
 * pre: NULL, or this row's series (unit_series2_tab(); pre_capped its flag). ab: NULL, or the
 * row's logs that depend on α or β alone, as this function forms them (the fused pass of the
 * shifted Pareto/NBDs shares them between the two that have the same α or β): ln(α+T),
 * ln(β+T), then (only read when t_x < T) pnbd_dlog() of α and of β.
 */
static void row_eval_s(const pnbd_par *q, double x, double tx, double T, int want_l1, int grad, const double *rho_tab,
                       const useries2 *pre, int pre_capped, const double *ab, pnbd_row *o)
{
    const double r = q->r, al = q->al, s = q->s, be = q->be;
    const double k = r + x, rsx = r + s + x;
    double aT = 0.0, bT = 0.0;
    o->capped = 0;
    if (want_l1 || grad) {
        aT = ab ? ab[0] : log(al + T);
        bT = ab ? ab[1] : log(be + T);
        o->L1 = -k * aT - s * bT;
        o->aT = aT;
        o->bT = bT;
    }
    if (grad) /* ∂ ln(1+E) only: the caller adds ∂(r ln α + s ln β + L1) in its stable form */
        o->g[0] = o->g[1] = o->g[2] = o->g[3] = o->gr[0] = o->gr[1] = o->gr[2] = o->gr[3] = 0.0;
    if (tx < T && pnbd_use_quad(q, tx)) {
        double dl[8], lnE;
        int i, capped = 0;
        lnE = pnbd_quad(q, k, tx, T, grad ? dl : NULL, &capped, &o->rest, &o->uref);
        o->lnE = lnE;
        o->capped = capped;
        o->pa = cva__expit(-lnE);
        o->l1pE = want_l1 ? cva__log1pexp(lnE) : 0.0;
        if (grad)
            for (i = 0; i < 4; i++) {
                o->g[i] = (1.0 - o->pa) * dl[i];
                o->gr[i] = (1.0 - o->pa) * dl[4 + i];
            }
    } else if (tx < T) {
        double bp = q->abr ? k : s + 1.0, cp = rsx + 1.0, M = q->abr ? al : be;
        double z1 = fabs(al - be) / (M + tx), z2 = fabs(al - be) / (M + T);
        /* log of the ratio, not log1p (3x slower in glibc): the absolute error of Δa
           stays below 1 ulp, so R = exp(e') is within (k+s) ulp, and where R S1 − S2
           cancels E is negligible next to 1 (P(alive) and ln(1+E) keep full accuracy) */
        /* (beyond k + s = 1e3 the ulp of the ratio's log would cost more than 2e-13 in e':
           log1p of the difference) */
        const int exact = k + s > 1e3;
        double da = ab ? ab[2] : pnbd_dlog(al, tx, T, exact);
        double db = ab ? ab[3] : pnbd_dlog(be, tx, T, exact);
        double ep = q->abr ? k * da + s * db : (k - 1.0) * da + (s + 1.0) * db;
        double F = q->abr ? 1.0 : (al + T) / (be + T), c = s / rsx, R = 0.0, D = 0.0;
        int lin = ep < PNBD_LIN_MAX;
        useries2 S;
        o->uref = tx;
        if (pre) {
            S = *pre;
            o->capped = pre_capped;
        } else {
            o->capped = unit_series2(bp, cp, z1, z2, grad, grad ? NULL : rho_tab, &S);
        }
        if (lin) {
            double E;
            R = exp(ep);
            D = R * S.S1 - S.S2;
            if (!(D > 0.0)) /* T − t_x below the resolution */
                D = DBL_MIN;
            E = c * F * D;
            o->pa = 1.0 / (1.0 + E);
            o->l1pE = want_l1 ? log1p(E) : 0.0;
            if (want_l1 || grad) { /* the predictions take P(alive) only */
                o->lnE = log(E);
                o->rest = o->lnE - k * da - s * db; /* |k da + s db| < ~600: cancels < 2e-13 */
            } else {
                o->lnE = o->rest = 0.0;
            }
        } else {
            const double lrest = log(c * F) + (q->abr ? 0.0 : db - da) + log(S.S1) +
                                 cva__log1mexp(log(S.S2 / S.S1) - ep);
            double lnE = lrest + k * da + s * db; /* = ln(cF) + e' + ln S1 + ln(1 − S2/(R S1)) */
            o->lnE = lnE;
            o->rest = lrest;
            o->pa = cva__expit(-lnE);
            o->l1pE = cva__log1pexp(lnE);
        }
        if (grad) {
            /* d1n = ∂(ℓ1 − L1) less K, K = ∂[k ln((α+T)/(α+t_x)) + s ln((β+T)/(β+t_x))] */
            const double K[4] = {da, -k * (T - tx) / ((al + tx) * (al + T)), db, -s * (T - tx) / ((be + tx) * (be + T))};
            double d1n[4], d2[4], w2 = 1.0 - o->pa, dl, u1, u2;
            int i;
            ell_grad(q, k, tx, tx, 0.0, 0.0, S.S1, S.b1, S.c1, S.z1, d1n);
            ell_grad(q, k, T, T, 0.0, 0.0, S.S2, S.b2, S.c2, S.z2, d2);
            if (lin) {
                /* w2 ∂ln A0 = P (s/(r+s+x)) F (R S1 ∂ℓ1 − S2 ∂ℓ2): no 1/(1 − e^d) */
                double f = o->pa * c * F;
                u1 = f * R * S.S1;
                u2 = f * S.S2;
            } else {
                double d = log(S.S2 / S.S1) - ep, c1 = -1.0 / expm1(d), c2 = c1 - 1.0;
                u1 = w2 * c1;
                u2 = w2 * c2;
            }
            for (i = 0; i < 4; i++) {
                o->g[i] = u1 * (d1n[i] + K[i]) - u2 * d2[i];
                o->gr[i] = u1 * d1n[i] - u2 * (d2[i] - K[i]);
            }
            dl = 1.0 / rsx; /* ∂ ln(s/(r+s+x)) */
            o->g[0] -= w2 * dl;
            o->g[2] += w2 * (1.0 / s - dl);
            o->gr[0] -= w2 * dl;
            o->gr[2] += w2 * (1.0 / s - dl);
        }
    } else {
        o->pa = 1.0;
        o->l1pE = 0.0;
        o->lnE = -HUGE_VAL;
        o->rest = 0.0;
        o->uref = T;
    }
}

static void row_eval(const pnbd_par *q, double x, double tx, double T, int want_l1, int grad, const double *rho_tab,
                     pnbd_row *o)
{
    row_eval_s(q, x, tx, T, want_l1, grad, rho_tab, NULL, 0, NULL, o);
}

/* lnΓ(r+x) − lnΓ(r) and ψ(r+x) − ψ(r) with a lazily filled table for small integer x */
typedef struct lg_cache {
    double lgr, psr;
    double lg[PNBD_TAB], dg[PNBD_TAB];
    int filled; /* entries 0..filled−1 valid */
    int want_dg;
} lg_cache;

static void lgc_init(lg_cache *c, double r, int want_dg)
{
    c->lgr = cva__lgamma(r);
    c->psr = want_dg ? cva__digamma(r) : 0.0;
    c->lg[0] = 0.0;
    c->dg[0] = 0.0;
    c->filled = 1;
    c->want_dg = want_dg;
}

static void lgc_get(lg_cache *c, double r, double x, double *lg, double *dg)
{
    if (x < (double)PNBD_TAB && !(floor(x) < x)) {
        int xi = (int)x;
        while (c->filled <= xi) {
            int j = c->filled;
            c->lg[j] = cva__lgamma_diff(r, (double)j);
            c->dg[j] = c->dg[j - 1] + 1.0 / (r + (double)(j - 1));
            c->filled++;
        }
        *lg = c->lg[xi];
        *dg = c->dg[xi];
    } else {
        *lg = cva__lgamma_diff(r, x);
        *dg = c->want_dg ? cva__digamma_diff(r, x) : 0.0;
    }
}

/* ------------------------------------------------------------------ LL */

/* One row's LL and, with want_g, its gradient into d (else d is left alone); pre, pre_capped
   and ab[0..3] as row_eval_s(); ab (NULL or 6 values) then pnbd_l1T() of α and of β */
static double row_ll(const pnbd_par *q, lg_cache *lc, double x, double tx, double T, int want_g, const useries2 *pre,
                     int pre_capped, const double *ab, double *d)
{
    double lg, dg, lli;
    pnbd_row o;
    row_eval_s(q, x, tx, T, 1, want_g, NULL, pre, pre_capped, ab, &o);
    lgc_get(lc, q->r, x, &lg, &dg);
    /* r ln α + s ln β + L1 = −x ln(α+T) − r ln(1 + T/α) − s ln(1 + T/β): no difference
       of large logs as r, α or s, β grow together (the difference of the logs is
       exact enough once T/α >= ½). Where E dominates and those terms are large, ln E
       carries (r+x) ln((α+T)/(α+u)) + s ln((β+T)/(β+u)) that would cancel them: the
       likelihood is then formed from the "dropped out" side,
         −x ln(α+u) − r ln(1 + u/α) − s ln(1 + u/β) + rest + ln(1 + 1/E). */
    {
        const double la = ab ? ab[4] : pnbd_l1T(q->al, q->lnal, T, o.aT);
        const double lb = ab ? ab[5] : pnbd_l1T(q->be, q->lnbe, T, o.bT);
        if (o.lnE > 0.0 && q->r * la + q->s * lb > PNBD_SPLIT) {
            /* E > 1 and r ln(1 + T/α) + s ln(1 + T/β) large: the weights of the two sides
               are w1 = P(alive) and w2 = 1 − w1 */
            const double u = o.uref, w1 = o.pa, w2 = 1.0 - o.pa;
            const double lau = u >= 0.5 * q->al ? log(q->al + u) - q->lnal : log1p(u / q->al);
            const double lbu = u >= 0.5 * q->be ? log(q->be + u) - q->lnbe : log1p(u / q->be);
            lli = lg - x * log(q->al + u) - q->r * lau - q->s * lbu + o.rest + log1p(exp(-o.lnE));
            if (want_g) {
                d[0] = dg - w1 * la - w2 * lau + o.gr[0];
                d[1] = w1 * (q->r * T / q->al - x) / (q->al + T) + w2 * (q->r * u / q->al - x) / (q->al + u) + o.gr[1];
                d[2] = -w1 * lb - w2 * lbu + o.gr[2];
                d[3] = w1 * q->s * T / (q->be * (q->be + T)) + w2 * q->s * u / (q->be * (q->be + u)) + o.gr[3];
            }
        } else {
            lli = lg - x * o.aT - q->r * la - q->s * lb + o.l1pE;
            if (want_g) {
                /* ∂(r ln α + s ln β + L1) stably, plus ∂ ln(1+E) from row_eval */
                d[0] = dg - la + o.g[0];
                d[1] = (q->r * T / q->al - x) / (q->al + T) + o.g[1];
                d[2] = -lb + o.g[2];
                d[3] = q->s * T / (q->be * (q->be + T)) + o.g[3];
            }
        }
    }
    return lli;
}

/* g_i (may be NULL): the per-row gradient, 4 values a row, unweighted (pnbdcor.c) */
static double pnbd_ll_core(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i, double *g_i)
{
    pnbd_par q;
    lg_cache lc;
    cva__ksum acc = {0.0, 0.0};
    double g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0;
    size_t i;
    if (!par_init(&q, p))
        return CVA_NAN;
    lgc_init(&lc, q.r, grad != NULL || g_i != NULL);
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], w = rows->w ? rows->w[i] : 1.0;
        const int want_g = grad != NULL || g_i != NULL;
        double lli, d[4] = {0.0, 0.0, 0.0, 0.0};
        lli = row_ll(&q, &lc, x, rows->t_x[i], rows->T[i], want_g, NULL, 0, NULL, d);
        if (grad) {
            g0 += w * d[0];
            g1 += w * d[1];
            g2 += w * d[2];
            g3 += w * d[3];
        }
        if (g_i)
            memcpy(g_i + 4 * i, d, sizeof d);
        if (ll_i)
            ll_i[i] = lli;
        cva__ksum_add(&acc, w * lli);
    }
    if (grad) {
        grad[0] = g0;
        grad[1] = g1;
        grad[2] = g2;
        grad[3] = g3;
    }
    return cva__ksum_value(&acc);
}

/*
 * The Pareto/NBDs at (r, α+a, s, β+b), ab = a + 2b = 0..3 (the correlated model, pnbdcor.c),
 * in one pass: ll4[ab][i] = row i's LL there, g4[ab] (g4 may be NULL) its gradient, 4 values
 * a row, unweighted. The four series of a row, and those of every row with the same x (the
 * fits' merged rows are sorted by x), share their term ratios and harmonic sums: one table
 * for each branch (α >= β or not) is filled and reused (unit_series2_tab()); lnΓ(r+x) − lnΓ(r)
 * is shared too.
 * Every value has the bits cva__pnbd_ll_rows() gives at that parameter set; the return value
 * is finite exactly when those four sums are.
 */
double cva__pnbd_ll_rows4(const double *p, const cva__btyd_rows *rows, double *const *ll4, double *const *g4)
{
    pnbd_par q[4];
    lg_cache lc;
    stab tab[2];
    cva__ksum acc[4] = {{0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}};
    const int want_g = g4 != NULL;
    size_t i;
    int ab;
    for (ab = 0; ab < 4; ab++) {
        double pa[4];
        pa[0] = p[0];
        pa[1] = p[1] + (double)(ab & 1);
        pa[2] = p[2];
        pa[3] = p[3] + (double)(ab >> 1);
        if (!par_init(&q[ab], pa))
            return CVA_NAN;
    }
    lgc_init(&lc, q[0].r, want_g);
    tab[0].n = tab[1].n = -1; /* no table yet */
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], tx = rows->t_x[i], T = rows->T[i];
        const double k = q[0].r + x, rsx = q[0].r + q[0].s + x; /* as row_eval_s() forms them */
        int act[4], cap[4];
        useries2 S[4];
        double la[2][3], lb[2][3], pab[6];
        for (ab = 0; ab < 4; ab++) {
            const pnbd_par *qa = &q[ab];
            act[ab] = tx < T && !pnbd_use_quad(qa, tx);
            cap[ab] = 0;
            if (act[ab]) {
                /* B' = r+x (α >= β) or s+1, C' = r+s+x+1: table[abr], refilled when x changes */
                const double M = qa->abr ? qa->al : qa->be, bp = qa->abr ? k : q[0].s + 1.0, cp = rsx + 1.0;
                const double z1 = fabs(qa->al - qa->be) / (M + tx), z2 = fabs(qa->al - qa->be) / (M + T);
                stab *t = &tab[qa->abr];
                if (t->n < 0 || !(t->bp >= bp && t->bp <= bp && t->cp >= cp && t->cp <= cp))
                    stab_init(t, bp, cp, want_g);
                cap[ab] = unit_series2_tab(t, z1, z2, &S[ab]);
            }
        }
        /* the logs of α+a (a = 0, 1: q[a]) and of β+b (q[2b]), each shared by two of the four */
        {
            const int exact = k + q[0].s > 1e3; /* as row_eval_s() decides */
            int h;
            for (h = 0; h < 2; h++) {
                const pnbd_par *qa = &q[h], *qb = &q[2 * h];
                la[h][0] = log(qa->al + T);
                lb[h][0] = log(qb->be + T);
                la[h][1] = tx < T ? pnbd_dlog(qa->al, tx, T, exact) : 0.0;
                lb[h][1] = tx < T ? pnbd_dlog(qb->be, tx, T, exact) : 0.0;
                la[h][2] = pnbd_l1T(qa->al, qa->lnal, T, la[h][0]);
                lb[h][2] = pnbd_l1T(qb->be, qb->lnbe, T, lb[h][0]);
            }
        }
        for (ab = 0; ab < 4; ab++) {
            double d[4] = {0.0, 0.0, 0.0, 0.0};
            double lli;
            const int a = ab & 1, b = ab >> 1;
            pab[0] = la[a][0];
            pab[1] = lb[b][0];
            pab[2] = la[a][1];
            pab[3] = lb[b][1];
            pab[4] = la[a][2];
            pab[5] = lb[b][2];
            lli = row_ll(&q[ab], &lc, x, tx, T, want_g, act[ab] ? &S[ab] : NULL, cap[ab], pab, d);
            if (want_g)
                memcpy(g4[ab] + 4 * i, d, sizeof d);
            ll4[ab][i] = lli;
            cva__ksum_add(&acc[ab], lli);
        }
    }
    return cva__ksum_value(&acc[0]) + cva__ksum_value(&acc[1]) + cva__ksum_value(&acc[2]) +
           cva__ksum_value(&acc[3]);
}

static double pnbd_ll_tab(const double *p, const cva__btyd_rows *rows, double *grad);

static double pnbd_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    if (grad && !ll_i) /* the fits' passes: the series from tables (the same bits) */
        return pnbd_ll_tab(p, rows, grad);
    return pnbd_ll_core(p, rows, grad, ll_i, NULL);
}

double cva__pnbd_ll_rows(const double *p, const cva__btyd_rows *rows, double *ll_i, double *g_i)
{
    return pnbd_ll_core(p, rows, NULL, ll_i, g_i);
}

/*
 * The Pareto/NBD's Σ w LL and gradient sums at m parameter sets P[e] (4 values each, m <=
 * CVA__PNBD_PTS) in one pass over the rows: ll[e] and grad[4e..4e+3] are the bits pnbd_ll()
 * (the model's ll()) gives at P[e] (each row's terms summed in the same order). For a
 * finite-difference Hessian, whose points share most of their parameters: a row is loaded
 * once for all the points; sets with the same r share lnΓ(r+x) − lnΓ(r); sets with the same
 * α (β) share the row's logs of α (β) (row_ll()'s ab); sets with the same r, s and branch
 * share a table of the series' term ratios and harmonic sums (unit_series2_tab(): no division
 * a term, the same bits), refilled when x changes (the merged rows are sorted by x). Returns
 * 0 when a set is outside the domain (ll[], grad[] then unset), else 1. q, lc, tab: m
 * elements of scratch (the caller's frame: ~10 KiB a set).
 */
static int ll_pts_work(const double *P, int m, const cva__btyd_rows *rows, double *ll, double *grad, pnbd_par *q,
                       lg_cache *lc, stab *tab)
{
    cva__ksum acc[CVA__PNBD_PTS];
    double gs[CVA__PNBD_PTS][4];
    int lci[CVA__PNBD_PTS], tbi[CVA__PNBD_PTS], sa[CVA__PNBD_PTS], sb[CVA__PNBD_PTS];
    size_t i;
    int e, f;
    for (e = 0; e < m; e++) {
        if (!par_init(&q[e], P + 4 * e))
            return 0;
        acc[e].s = acc[e].c = 0.0;
        gs[e][0] = gs[e][1] = gs[e][2] = gs[e][3] = 0.0;
        /* the first set with the same r (lnΓ cache), r, s and branch (table), α, β */
        lci[e] = tbi[e] = sa[e] = sb[e] = e;
        for (f = e - 1; f >= 0; f--) {
            const int same_r = q[f].r >= q[e].r && q[f].r <= q[e].r; /* (finite, > 0) */
            if (same_r)
                lci[e] = lci[f];
            if (same_r && q[f].s >= q[e].s && q[f].s <= q[e].s && q[f].abr == q[e].abr)
                tbi[e] = tbi[f];
            if (q[f].al >= q[e].al && q[f].al <= q[e].al)
                sa[e] = sa[f];
            if (q[f].be >= q[e].be && q[f].be <= q[e].be)
                sb[e] = sb[f];
        }
        if (lci[e] == e)
            lgc_init(&lc[e], q[e].r, 1);
        tab[e].n = -1; /* no table yet */
    }
    for (i = 0; i < rows->n; i++) {
        const double x = rows->x[i], tx = rows->t_x[i], T = rows->T[i], w = rows->w ? rows->w[i] : 1.0;
        double ab[CVA__PNBD_PTS][6];
        int ex[CVA__PNBD_PTS];
        for (e = 0; e < m; e++) {
            const pnbd_par *qe = &q[e];
            const double k = qe->r + x, rsx = qe->r + qe->s + x; /* as row_eval_s() forms them */
            const pnbd_par *qa = &q[sa[e]], *qb = &q[sb[e]];
            int cap = 0, act;
            double d[4] = {0.0, 0.0, 0.0, 0.0}, lli;
            useries2 S;
            ex[e] = k + qe->s > 1e3; /* as row_eval_s() decides */
            /* the logs of α: from the first set with this α, else formed here (row_eval_s(),
               row_ll()); ln((α+T)/(α+t_x)) also needs the same choice of form */
            if (sa[e] < e) {
                ab[e][0] = ab[sa[e]][0];
                ab[e][4] = ab[sa[e]][4];
                ab[e][2] = ex[sa[e]] == ex[e] ? ab[sa[e]][2] : (tx < T ? pnbd_dlog(qa->al, tx, T, ex[e]) : 0.0);
            } else {
                ab[e][0] = log(qa->al + T);
                ab[e][4] = pnbd_l1T(qa->al, qa->lnal, T, ab[e][0]);
                ab[e][2] = tx < T ? pnbd_dlog(qa->al, tx, T, ex[e]) : 0.0;
            }
            if (sb[e] < e) {
                ab[e][1] = ab[sb[e]][1];
                ab[e][5] = ab[sb[e]][5];
                ab[e][3] = ex[sb[e]] == ex[e] ? ab[sb[e]][3] : (tx < T ? pnbd_dlog(qb->be, tx, T, ex[e]) : 0.0);
            } else {
                ab[e][1] = log(qb->be + T);
                ab[e][5] = pnbd_l1T(qb->be, qb->lnbe, T, ab[e][1]);
                ab[e][3] = tx < T ? pnbd_dlog(qb->be, tx, T, ex[e]) : 0.0;
            }
            act = tx < T && !pnbd_use_quad(qe, tx);
            if (act) {
                /* B' = r+x (α >= β) or s+1, C' = r+s+x+1 */
                const double M = qe->abr ? qe->al : qe->be, bp = qe->abr ? k : qe->s + 1.0, cp = rsx + 1.0;
                const double z1 = fabs(qe->al - qe->be) / (M + tx), z2 = fabs(qe->al - qe->be) / (M + T);
                stab *t = &tab[tbi[e]];
                if (t->n < 0 || !(t->bp >= bp && t->bp <= bp && t->cp >= cp && t->cp <= cp))
                    stab_init(t, bp, cp, 1);
                cap = unit_series2_tab(t, z1, z2, &S);
            }
            lli = row_ll(qe, &lc[lci[e]], x, tx, T, 1, act ? &S : NULL, cap, ab[e], d);
            gs[e][0] += w * d[0];
            gs[e][1] += w * d[1];
            gs[e][2] += w * d[2];
            gs[e][3] += w * d[3];
            cva__ksum_add(&acc[e], w * lli);
        }
    }
    for (e = 0; e < m; e++) {
        ll[e] = cva__ksum_value(&acc[e]);
        memcpy(grad + 4 * e, gs[e], sizeof gs[e]);
    }
    return 1;
}

int cva__pnbd_ll_pts(const double *P, int m, const cva__btyd_rows *rows, double *ll, double *grad)
{
    pnbd_par q[CVA__PNBD_PTS];
    lg_cache lc[CVA__PNBD_PTS];
    stab tab[CVA__PNBD_PTS];
    if (m < 1 || m > CVA__PNBD_PTS)
        return 0;
    return ll_pts_work(P, m, rows, ll, grad, q, lc, tab);
}

/* the same at one set (the fits' passes): a frame of one set's scratch */
static double pnbd_ll_tab(const double *p, const cva__btyd_rows *rows, double *grad)
{
    pnbd_par q;
    lg_cache lc;
    stab tab;
    double ll;
    return ll_pts_work(p, 1, rows, &ll, grad, &q, &lc, &tab) ? ll : CVA_NAN;
}

/* ---------------------------------------------------------- predictions */

/*
 * P(alive) of many customers: a cache of (x, t_x, T) → the call's output(s) for that row
 * (identical customers are common: every x = 0 customer of one cohort shares (0, 0, T));
 * a miss costs one row_eval() and the outputs' own factors, a hit one hash and compare.
 * Two tiers: a small direct-mapped table (PAC_SMALL slots, 32 KiB with one output: stays
 * in the L1/L2 cache) in front of a two-way table (at most the rows, and at most 2^18
 * slots); a hit in the large table is copied into the small one, an evaluation goes into
 * both (in the large one's first way, its previous entry moving to the second).
 * The large table grows with the distinct rows the call meets: it starts at PAC_START
 * slots and is rebuilt four times as large (its entries moved over) once the
 * evaluations stored exceed half its slots, so a call whose rows are few distinct ones
 * touches a table of their size, not one of the rows' (before, every call cleared and
 * filled 2^18 slots, 8 MiB, for 1e6 rows of a few hundred distinct ones).
 * A slot holds the key and one value (4 doubles: x, t_x, T, v) or, for the combined
 * prediction, two (8 doubles: x, t_x, T, P(alive), E[Y], three unused). The value stored
 * for a key is the one the row computes, so every output has the bits it has without
 * the cache, whatever the table's size and history.
 */
#define PAC_SMALL 1024
#define PAC_START 4096
#define PAC_MAX ((size_t)1 << 18)
#define PAC_EVICT 64

#define PAC_RHO_X 64 /* integer x with a table of the series' term ratios */

typedef struct pa_cache {
    void *block;   /* small table and rho tables (NULL: no cache) */
    void *lblock;  /* the large table's allocation */
    double *e;     /* large table: w per slot, two slots per set; x = −1 marks an empty slot;
                      64-byte aligned, so that a set is one (w = 4) or two (w = 8) cache lines */
    double *small; /* PAC_SMALL slots of the same form */
    double *rho;   /* PAC_RHO_X tables of PNBD_RHO_LEN ratios, after small's; −1 first: not filled */
    size_t mask;   /* of the set index (two slots per set) */
    size_t cap;    /* slots of the large table */
    size_t cap_max;
    size_t n_ins;  /* evaluations stored */
    size_t n_evict; /* entries pushed out of a full set since the table was last sized */
    size_t w;      /* doubles per slot: 4 or 8 */
    unsigned wl;   /* log2(w) */
    const cva_allocator *alloc;
} pa_cache;

static double *pac_align(void *blk)
{
    return (double *)blk + ((64u - ((uintptr_t)blk & 63u)) & 63u) / sizeof(double);
}

/* a large table of cap slots (every slot empty) into c; 0 when the allocation fails */
static int pac_table(pa_cache *c, size_t cap)
{
    size_t k;
    void *blk = cva__alloc(c->alloc, (c->w * cap + 8) * sizeof(double));
    if (!blk)
        return 0;
    c->lblock = blk;
    c->e = pac_align(blk);
    c->cap = cap;
    c->mask = cap / 2 - 1;
    for (k = 0; k < cap; k++)
        c->e[c->w * k] = -1.0;
    return 1;
}

/* The cache is optional: when alloc fails every row is evaluated. w: 4 or 8. */
static void pac_open(pa_cache *c, size_t n, size_t w, const cva_allocator *alloc)
{
    size_t cap = 64, k;
    memset(c, 0, sizeof *c);
    c->alloc = alloc;
    c->w = w;
    c->wl = w == 4 ? 2u : 3u;
    if (n < 256)
        return;
    while (cap < n && cap < PAC_MAX)
        cap <<= 1;
    c->cap_max = cap;
    c->block = cva__alloc(alloc, (w * PAC_SMALL + PAC_RHO_X * PNBD_RHO_LEN + 8) * sizeof(double));
    if (!c->block)
        return;
    if (!pac_table(c, cap < PAC_START ? cap : PAC_START)) {
        cva__free(alloc, c->block);
        c->block = NULL;
        return;
    }
    c->small = pac_align(c->block);
    c->rho = c->small + w * PAC_SMALL;
    for (k = 0; k < PAC_SMALL; k++)
        c->small[w * k] = -1.0;
    for (k = 0; k < PAC_RHO_X; k++)
        c->rho[k * PNBD_RHO_LEN] = -1.0;
}

static void pac_close(pa_cache *c)
{
    cva__free(c->alloc, c->lblock);
    cva__free(c->alloc, c->block);
    c->lblock = NULL;
    c->block = NULL;
    c->e = NULL;
}

/* The term ratios of the series of rows with this x (their B' and C' depend on x only),
   computed as unit_series2() does; NULL when x is not a small integer. */
static const double *pac_rho(pa_cache *c, const pnbd_par *q, double x)
{
    double *t;
    int j;
    if (!c->rho || !(x >= 0.0 && x < (double)PAC_RHO_X) || floor(x) < x)
        return NULL;
    t = c->rho + (size_t)x * PNBD_RHO_LEN;
    if (t[0] < 0.0) {
        const double k = q->r + x, rsx = q->r + q->s + x;
        const double bp = q->abr ? k : q->s + 1.0, cp = rsx + 1.0;
        for (j = 0; j < PNBD_RHO_LEN; j++) {
            const double dj = (double)j;
            t[j] = (bp + dj) / (cp + dj);
        }
    }
    return t;
}

static int pac_same(const double *e, double x, double tx, double T)
{
    return e[0] >= x && e[0] <= x && e[1] >= tx && e[1] <= tx && e[2] >= T && e[2] <= T;
}

static uint64_t pac_hash(double x, double tx, double T)
{
    uint64_t bx, bt, bT, h;
    double x0 = x + 0.0, t0 = tx + 0.0, T0 = T + 0.0;
    memcpy(&bx, &x0, 8);
    memcpy(&bt, &t0, 8);
    memcpy(&bT, &T0, 8);
    h = bx * 0x9E3779B97F4A7C15u;
    h ^= (h >> 32) ^ (bt * 0xC2B2AE3D27D4EB4Fu);
    h ^= (h >> 29) ^ (bT * 0x165667B19E3779F9u);
    h ^= h >> 33; /* murmur3 fmix64: spread the high product bits into the slot index */
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53u;
    h ^= h >> 33;
    return h;
}

/* The slot of (x, t_x, T) in c's small table; *set: its set in the large table. */
static double *pac_find(const pa_cache *c, double x, double tx, double T, double **set)
{
    const uint64_t h = pac_hash(x, tx, T);
    *set = c->e + (((size_t)h & c->mask) << (c->wl + 1));
    return c->small + (((size_t)(h >> 40) & (PAC_SMALL - 1)) << c->wl);
}

/* copy one slot of w doubles (4 or 8: sizes the compiler knows, inlined copies) */
static void pac_copy(double *d, const double *e, size_t w)
{
    if (w == 4)
        memcpy(d, e, 4 * sizeof *d);
    else
        memcpy(d, e, 8 * sizeof *d);
}

/* slot e (w doubles) into set's first way, its entry moving to the second (adjacent
   ranges; memmove, which cppcheck does not flag as overlapping) */
static void pac_insert(double *set, const double *e, size_t w)
{
    if (w == 4)
        memmove(set + 4, set, 4 * sizeof *set);
    else
        memmove(set + 8, set, 8 * sizeof *set);
    pac_copy(set, e, w);
}

/* The large table at ncap slots (> its size, at most cap_max), its entries moved over
   (each set's second way first, so that its first way stays first). On a failed
   allocation the table stays as it is. Call only between look-ups: it moves every slot. */
static void pac_grow(pa_cache *c, size_t ncap)
{
    double *old = c->e;
    void *oblk = c->lblock;
    size_t k, ocap = c->cap;
    if (!pac_table(c, ncap)) {
        c->e = old;
        c->lblock = oblk;
        c->cap = ocap;
        c->mask = ocap / 2 - 1;
        c->cap_max = ocap; /* do not try again */
        return;
    }
    for (k = 0; k < ocap; k++) {
        const double *e = old + c->w * (k ^ 1u); /* way 1, then way 0 of each set */
        if (e[0] >= 0.0) {
            double *set = c->e + 2 * c->w * ((size_t)pac_hash(e[0], e[1], e[2]) & c->mask);
            pac_insert(set, e, c->w);
        }
    }
    cva__free(c->alloc, oblk);
}

/* After done of the call's n rows: once the evaluations stored exceed half the slots
   (or PAC_EVICT entries were pushed out of full sets: a few sets that three or more of
   the rows' keys share make those rows evaluate again and again),
   the table grows to twice the distinct rows the call is heading for at this rate
   (n_ins·n/done), at least four times its size, at most cap_max; a call of many
   distinct rows gets its full table in one step, after few rows, and moves few entries
   (moving each costs a cache miss) */
static void pac_maybe_grow(pa_cache *c, size_t done, size_t n)
{
    if (c->e && (c->n_ins > c->cap / 2 || c->n_evict > PAC_EVICT) && c->cap < c->cap_max) {
        const double want = 2.0 * (double)c->n_ins * ((double)n / (double)(done ? done : 1));
        size_t ncap = 4 * c->cap;
        while (ncap < c->cap_max && (double)ncap < want)
            ncap <<= 1;
        pac_grow(c, ncap < c->cap_max ? ncap : c->cap_max);
        c->n_evict = 0;
    }
}

/* P(alive) of one row (not cached) */
static double pa_row(pa_cache *c, const pnbd_par *q, double x, double tx, double T, int *capped)
{
    pnbd_row o;
    row_eval(q, x, tx, T, 0, 0, pac_rho(c, q, x), &o);
    *capped |= o.capped;
    return o.pa;
}

/* The kinds of value a pa_cache holds in one call */
typedef struct pac_fn {
    int kind;   /* 0: P(alive at T + t); 1: E[Y(t)]; 2: both (P(alive at T + t), E[Y(t2)]) */
    double t, t2;
} pac_fn;

/* (1 − e^{−(s−1)u})/(s−1), = u at s = 1 */
static double g_fun(double s, double u)
{
    double h = s - 1.0;
    if (fabs(h) * u < 1e-300)
        return u;
    return -expm1(-h * u) / h;
}

/* P(alive at T + t) from P(alive at T) */
static double pa_later(const pnbd_par *q, double pa, double t, double T)
{
    return t > 0.0 ? pa * exp(-q->s * log1p_fast(t / (q->be + T))) : pa;
}

/* E[Y(t)] from P(alive at T) */
static double ey_of(const pnbd_par *q, double pa, double t, double x, double T)
{
    const double bT = q->be + T, gT = g_fun(q->s, log1p_fast(t / bT));
    return pa * (q->r + x) * (bT / (q->al + T)) * gT;
}

/* the call's slot for one row (not cached): key, then P(alive at T + t) or E[Y(t)], or
   both (kind 2; E[Y(t2)] is 0 when t2 is not > 0, as pnbd_expected() gives) */
static void pac_value(pa_cache *c, const pnbd_par *q, const pac_fn *f, double x, double tx, double T,
                      int *capped, double *e)
{
    const double pa = pa_row(c, q, x, tx, T, capped);
    e[0] = x;
    e[1] = tx;
    e[2] = T;
    if (f->kind == 0) {
        e[3] = pa_later(q, pa, f->t, T);
    } else if (f->kind == 1) {
        e[3] = ey_of(q, pa, f->t, x, T);
    } else {
        e[3] = pa_later(q, pa, f->t, T);
        e[4] = f->t2 > 0.0 ? ey_of(q, pa, f->t2, x, T) : 0.0;
        e[5] = e[6] = e[7] = 0.0;
    }
}

/* The slot of a row whose small slot sm missed: sm, filled from its large-table set or
   by an evaluation */
static const double *pac_resolve(pa_cache *c, double *sm, double *set, const pnbd_par *q, const pac_fn *f,
                                 double x, double tx, double T, int *capped)
{
    if (pac_same(set, x, tx, T)) {
        pac_copy(sm, set, c->w);
        return sm;
    }
    if (pac_same(set + c->w, x, tx, T)) {
        pac_copy(sm, set + c->w, c->w);
        return sm;
    }
    pac_value(c, q, f, x, tx, T, capped, sm);
    c->n_evict += set[c->w] >= 0.0;
    pac_insert(set, sm, c->w);
    c->n_ins++;
    return sm;
}

/* the value (kind 0 or 1) of one row */
static double pac_get(pa_cache *c, const pnbd_par *q, const pac_fn *f, double x, double tx, double T, int *capped,
                      size_t done, size_t n)
{
    double *sm, *set, v, e[8];
    if (!c->e) {
        pac_value(c, q, f, x, tx, T, capped, e);
        return e[3];
    }
    sm = pac_find(c, x, tx, T, &set);
    if (pac_same(sm, x, tx, T))
        return sm[3];
    v = pac_resolve(c, sm, set, q, f, x, tx, T, capped)[3];
    pac_maybe_grow(c, done, n);
    return v;
}

#if defined(__GNUC__) || defined(__clang__)
#define PAC_PREFETCH_(addr) __builtin_prefetch(addr, 1, 3)
#else
#define PAC_PREFETCH_(addr) ((void)0)
#endif
#define PAC_BLOCK 32

/* out[i] = the call's value of every row (kind 2: out2[i] the second): in blocks of
   PAC_BLOCK rows, the small table first (its hits written at once), the large-table
   sets of its misses prefetched, then those resolved, so the sets' cache misses overlap
   instead of following each other; the table grows between blocks. */
static void pac_run(pa_cache *c, const pnbd_par *q, const pac_fn *f, const double *x, const double *t_x,
                    const double *T, size_t n, double *out, double *out2, int *capped)
{
    double *sm[PAC_BLOCK], *set[PAC_BLOCK];
    size_t lo, j, m;
    const int two = f->kind == 2;
    if (!c->e) {
        double e[8];
        for (lo = 0; lo < n; lo++) {
            pac_value(c, q, f, x[lo], t_x[lo], T[lo], capped, e);
            out[lo] = e[3];
            if (two)
                out2[lo] = e[4];
        }
        return;
    }
    for (lo = 0; lo < n; lo += m) {
        m = n - lo < PAC_BLOCK ? n - lo : PAC_BLOCK;
        for (j = 0; j < m; j++) {
            sm[j] = pac_find(c, x[lo + j], t_x[lo + j], T[lo + j], &set[j]);
            if (pac_same(sm[j], x[lo + j], t_x[lo + j], T[lo + j])) {
                out[lo + j] = sm[j][3];
                if (two)
                    out2[lo + j] = sm[j][4];
                set[j] = NULL;
            } else {
                PAC_PREFETCH_(set[j]);
                if (two)
                    PAC_PREFETCH_(set[j] + 8);
            }
        }
        for (j = 0; j < m; j++)
            if (set[j]) {
                const double *e = pac_resolve(c, sm[j], set[j], q, f, x[lo + j], t_x[lo + j], T[lo + j], capped);
                out[lo + j] = e[3];
                if (two)
                    out2[lo + j] = e[4];
            }
        pac_maybe_grow(c, lo + m, n);
    }
}

/* pac_run() of the value kind (t, t2 as pac_fn's) over the rows through a cache of w
   doubles a set opened for them: the pass of pnbd_p_alive(), pnbd_expected() and
   cva__pnbd_predict2(); CVA_W_SERIES_LIMIT when a row's series hit its cap */
static cva_status pac_predict(const pnbd_par *q, int kind, double t, double t2, size_t w, const double *x,
                              const double *t_x, const double *T, size_t n, double *out, double *out2,
                              const cva_allocator *alloc)
{
    pa_cache c;
    pac_fn f;
    int capped = 0;
    f.kind = kind;
    f.t = t;
    f.t2 = t2;
    pac_open(&c, n, w, alloc);
    pac_run(&c, q, &f, x, t_x, T, n, out, out2, &capped);
    pac_close(&c);
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

static cva_status pnbd_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                               const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    pnbd_par q;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    return pac_predict(&q, 0, t_future, 0.0, 4, x, t_x, T, n, out, NULL, alloc);
}

static cva_status pnbd_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                                size_t n, double *out, const cva_allocator *alloc)
{
    pnbd_par q;
    size_t i;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    if (!(t > 0.0)) {
        for (i = 0; i < n; i++)
            out[i] = 0.0;
        return CVA_OK;
    }
    return pac_predict(&q, 1, t, 0.0, 4, x, t_x, T, n, out, NULL, alloc);
}

/* P(alive at T + t_future) and E[Y(t)] of every row in one pass: one cache look-up and
   (on a miss) one row_eval() per row for both, each value computed by the expression
   pnbd_p_alive() and pnbd_expected() use, so with the bits they give. The status is
   theirs: a row whose series hit its cap is evaluated by both (t > 0), and E[Y(0)] = 0
   needs no evaluation, whose cap pnbd_p_alive() reports alone. */
cva_status cva__pnbd_predict2(const double *p, double t_future, double t, const double *x, const double *t_x,
                              const double *T, size_t n, double *p_alive, double *ey,
                              const cva_allocator *alloc)
{
    pnbd_par q;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    return pac_predict(&q, 2, t_future, t, 8, x, t_x, T, n, p_alive, ey, alloc);
}

/* E[Y(t_k)] at n_t horizons: P(alive) once per customer (cached as above), the n_t
   values of g once per run of equal T; bit-identical to pnbd_expected() at each t_k. */
static cva_status pnbd_expected_multi(const double *p, const double *t, size_t n_t, const double *x,
                                      const double *t_x, const double *T, size_t n, cva__ey_sink sink, void *user,
                                      const cva_allocator *alloc)
{
    pnbd_par q;
    pa_cache c;
    pac_fn f;
    size_t i, k;
    int capped = 0;
    double cT = -1.0, g[CVA__EY_MAX_T], ey[CVA__EY_MAX_T];
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    if (n_t > CVA__EY_MAX_T)
        return CVA_E_INTERNAL;
    f.kind = 0; /* P(alive) */
    f.t = 0.0;
    f.t2 = 0.0;
    pac_open(&c, n, 4, alloc);
    for (i = 0; i < n; i++) {
        const double bT = q.be + T[i], pa = pac_get(&c, &q, &f, x[i], t_x[i], T[i], &capped, i + 1, n);
        double lead;
        if (!(T[i] >= cT && T[i] <= cT)) {
            cT = T[i];
            for (k = 0; k < n_t; k++)
                g[k] = t[k] > 0.0 ? g_fun(q.s, log1p_fast(t[k] / bT)) : 0.0;
        }
        lead = pa * (q.r + x[i]) * (bT / (q.al + T[i]));
        for (k = 0; k < n_t; k++)
            ey[k] = t[k] > 0.0 ? lead * g[k] : 0.0;
        sink(user, i, ey);
    }
    pac_close(&c);
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

static cva_status pnbd_expected_pop(const double *p, const double *t, size_t n, double *out)
{
    pnbd_par q;
    size_t i;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++)
        out[i] = q.r / q.al * q.be * g_fun(q.s, log1p_fast(t[i] / q.be));
    return CVA_OK;
}

static cva_status pnbd_dert(const double *p, double delta, const double *x, const double *t_x, const double *T,
                            size_t n, double *out, const cva_allocator *alloc)
{
    pnbd_par q;
    size_t i;
    cva_status st = CVA_OK;
    (void)alloc; /* no cache */
    if (!par_init(&q, p) || !(delta > 0.0))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        pnbd_row o;
        double bT = q.be + T[i], e = 0.0;
        cva_status s1;
        row_eval(&q, x[i], t_x[i], T[i], 0, 0, NULL, &o);
        if (o.capped)
            st = CVA_W_SERIES_LIMIT;
        s1 = cva__expint_scaled(q.s, delta * bT, &e);
        if (s1 < 0)
            return s1;
        if (s1 != CVA_OK)
            st = s1;
        out[i] = o.pa * (q.r + x[i]) * (bT / (q.al + T[i])) * e;
    }
    return st;
}

/*
 * P(X(t) = k) for a new customer. Given λ, μ the customer is alive at t with
 * probability e^{−μt} (then X ~ Poisson(λt)), or died at τ < t with density μ e^{−μτ}
 * having made Poisson(λτ) purchases. λ and μ are independent, so mixing each part:
 *   P(X(t)=k) = NB_k(t) (β/(β+t))^s + ∫_0^t NB_k(τ) s β^s (β+τ)^(−(s+1)) dτ,
 *   NB_k(τ) = Γ(r+k)/(Γ(r) k!) (α/(α+τ))^r (τ/(α+τ))^k.
 * The integrand is log-concave in v = ln τ (its log is k v − (r+k) ln(α+τ) − (s+1) ln(β+τ)
 * plus v for dτ = τ dv): it is integrated like the likelihood's E above, from its maximum
 * outwards with panels of width <= 1 and <= 6/|ψ'|, cut at e^(−40). (The 2F1 sums this
 * replaces needed up to 1e6 terms per call and O(k²) calls where α and β differ a lot:
 * ~20 s for 40 values.)
 */
typedef struct pn_fn {
    double k, r, al, s, be, tr; /* ψ(v) relative to τ_ref = tr */
} pn_fn;

/* τ_ref/(α+τ_ref) and the like as 1/(1 + α/τ): τ near DBL_MAX (a horizon of DBL_MAX)
   must not form α + τ or τ e^v (a fuzz find: inf/inf, NaN) */
static double pn_share(double a, double tau)
{
    const double d = a + tau;
    return d <= DBL_MAX ? tau / d : 1.0 / (1.0 + a / tau);
}

static double pn_psi(const pn_fn *f, double v)
{
    return (f->k + 1.0) * v - (f->r + f->k) * qlog1p(pn_share(f->al, f->tr), v) -
           (f->s + 1.0) * qlog1p(pn_share(f->be, f->tr), v);
}

static double pn_dpsi(const pn_fn *f, double v)
{
    const double tau = f->tr * exp(v);
    if (!(tau <= DBL_MAX))
        return (f->k + 1.0) - (f->r + f->k) - (f->s + 1.0); /* both shares 1 */
    return (f->k + 1.0) - (f->r + f->k) * pn_share(f->al, tau) - (f->s + 1.0) * pn_share(f->be, tau);
}

/* ψ = −PNBD_QCUT between 0 (the maximum) and v_end, where ψ(v_end) < −cut (Newton, monotone) */
static double pn_cut(const pn_fn *f, double v_end)
{
    double v = v_end;
    int it;
    for (it = 0; it < 60; it++) {
        const double y = pn_psi(f, v) + PNBD_QCUT, d = pn_dpsi(f, v);
        if (y > -0.5 || !(fabs(d) > 0.0))
            break;
        v -= y / d;
    }
    return v;
}

/* Σ of GL16 panels of e^ψ from 0 to v_end; returns the panels used (<= budget). */
static int pn_side(const pn_fn *f, double v_end, double *acc, int budget)
{
    const double dir = v_end > 0.0 ? 1.0 : -1.0, len = fabs(v_end);
    double pos = 0.0;
    int used = 0;
    while (pos < len && used < budget) {
        const double slope = fabs(pn_dpsi(f, dir * pos));
        double w = slope > 6.0 ? 6.0 / slope : 1.0, half, mid;
        int j, sg;
        if (used == budget - 1 || pos + w > len)
            w = len - pos;
        half = 0.5 * w;
        mid = dir * (pos + half);
        for (j = 0; j < 8; j++)
            for (sg = -1; sg <= 1; sg += 2)
                *acc += GL16[j][1] * half * exp(pn_psi(f, mid + (double)sg * half * GL16[j][0]));
        pos += w;
        used++;
    }
    return used;
}

/* ln of the death part ∫_0^t NB_k(τ) s β^s (β+τ)^(−(s+1)) dτ; *capped set at the panel cap. */
static double pn_death_log(const pnbd_par *q, double k, double lnb, double t, int *capped)
{
    pn_fn f;
    double lo, hi, v0, v1, acc = 0.0, lref;
    int it;
    f.k = k;
    f.r = q->r;
    f.al = q->al;
    f.s = q->s;
    f.be = q->be;
    /* the maximum: (k+1) = (r+k) τ/(α+τ) + (s+1) τ/(β+τ), increasing in τ; else t */
    f.tr = t;
    if (pn_dpsi(&f, 0.0) < 0.0) {
        lo = -1.0;
        hi = 0.0; /* in v = ln(τ/t) */
        for (it = 0; it < 2000 && pn_dpsi(&f, lo) < 0.0; it++)
            lo *= 2.0;
        for (it = 0; it < 200 && hi - lo > 1e-12 * (1.0 + fabs(lo)); it++) {
            const double mid = 0.5 * (lo + hi);
            if (pn_dpsi(&f, mid) < 0.0)
                hi = mid;
            else
                lo = mid;
        }
        f.tr = t * exp(0.5 * (lo + hi));
    }
    v1 = f.tr < t ? log(t) - log(f.tr) : 0.0; /* t/τ_ref overflows at t near DBL_MAX (a fuzz find) */
    /* left: ψ → −∞ like (k+1) v; find a point below the cut by doubling */
    v0 = -1.0;
    for (it = 0; it < 2000 && pn_psi(&f, v0) > -PNBD_QCUT; it++)
        v0 *= 2.0;
    v0 = pn_cut(&f, v0);
    if (v1 > 0.0 && pn_psi(&f, v1) < -PNBD_QCUT)
        v1 = pn_cut(&f, v1);
    if (pn_side(&f, v1, &acc, PNBD_QPANELS / 2) >= PNBD_QPANELS / 2 ||
        pn_side(&f, v0, &acc, PNBD_QPANELS / 2) >= PNBD_QPANELS / 2)
        *capped = 1;
    /* the integrand in v at τ_ref: NB_k(τ_ref) s β^s (β+τ_ref)^(−(s+1)) τ_ref, with
       r ln(α/(α+τ)) = −r ln(1 + τ/α) and s ln(β/(β+τ)) = −s ln(1 + τ/β) */
    lref = lnb - (k > 0.0 ? k * log1p_ratio(q->al, f.tr) : 0.0) - q->r * log1p_ratio(f.tr, q->al) + log(q->s) -
           q->s * log1p_ratio(f.tr, q->be) - log1p_ratio(q->be, f.tr);
    return lref + log(acc);
}

/* P(X(t) = k) for k = k0 .. k0 + n_k − 1 into out[0 .. n_k − 1] (each k on its own; pnbdcor.c) */
cva_status cva__pnbd_prob_n_from(const double *p, double t, size_t k0, size_t n_k, double *out)
{
    pnbd_par q;
    size_t kk;
    int capped = 0;
    double l1ta, lzt, l1tb;
    if (!par_init(&q, p) || !(t > 0.0))
        return CVA_E_DOMAIN;
    l1ta = log1p_ratio(t, q.al); /* −ln(α/(α+t)) */
    lzt = -log1p(q.al / t);      /* ln(t/(α+t)) */
    l1tb = log1p_ratio(t, q.be); /* −ln(β/(β+t)) */
    for (kk = k0; kk < k0 + n_k; kk++) {
        const double k = (double)kk;
        /* ln Γ(r+k)/(Γ(r) k!) */
        const double lnb = cva__lgamma_diff(q.r, k) - cva__lgamma(k + 1.0);
        const double alive = exp(lnb - q.r * l1ta + (kk ? k * lzt : 0.0) - q.s * l1tb);
        out[kk - k0] = alive + exp(pn_death_log(&q, k, lnb, t, &capped));
    }
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

static cva_status pnbd_prob_n(const double *p, double t, size_t n_k, double *out)
{
    return cva__pnbd_prob_n_from(p, t, 0, n_k, out);
}

const cva__btyd_model cva__model_pnbd = {
    CVA_MODEL_PNBD,
    4,
    {"r", "alpha", "s", "beta"},
    {1.0, 1.0, 1.0, 1.0},
    {0, 1, 0, 1},
    pnbd_ll,
    pnbd_p_alive,
    pnbd_expected,
    pnbd_expected_pop,
    pnbd_prob_n,
    pnbd_dert,
    pnbd_expected_multi,
};
